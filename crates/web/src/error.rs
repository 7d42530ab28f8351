//! Errors of the web layer.
//!
//! * [`ApiError`] for `/api/v1`: a stable JSON envelope `{"error": {"code", "message",
//!   "fields"}}`. Client errors name the field and say what is wrong, in the reader's language;
//!   server errors are logged with their cause and returned opaque. A busy database is 503.
//! * [`PageError`] for HTML pages: the same cases, rendered as a page in the reader's language.

use crate::i18n::Tr;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use otinish_domain::repo::StoreError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn invalid(tr: Tr, fields: Vec<(&str, &str)>) -> Self {
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: ErrorBody {
                code: "invalid_input".into(),
                message: tr.get("error-title"),
                fields: fields
                    .into_iter()
                    .map(|(f, key)| FieldError {
                        field: f.into(),
                        message: tr.get(key),
                    })
                    .collect(),
            },
        }
    }

    pub fn not_found(tr: Tr) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            body: ErrorBody {
                code: "not_found".into(),
                message: tr.get("error-not-found"),
                fields: vec![],
            },
        }
    }

    pub fn from_store(tr: Tr, e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => Self::not_found(tr),
            StoreError::Unavailable => Self {
                status: StatusCode::SERVICE_UNAVAILABLE,
                body: ErrorBody {
                    code: "unavailable".into(),
                    message: tr.get("error-internal"),
                    fields: vec![],
                },
            },
            other => {
                tracing::error!(error = %other, "store failure");
                Self {
                    status: StatusCode::INTERNAL_SERVER_ERROR,
                    body: ErrorBody {
                        code: "internal".into(),
                        message: tr.get("error-internal"),
                        fields: vec![],
                    },
                }
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(ErrorEnvelope { error: self.body })).into_response()
    }
}

/// A JSON request body for `/api/v1`. A body that is not JSON, or not of the documented shape,
/// is refused in the same error envelope as every other API error (never as plain text), in
/// the reader's language, with the parser's detail.
pub struct ApiJson<T>(pub T);

impl<T> axum::extract::FromRequest<crate::AppState> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(
        req: axum::extract::Request,
        state: &crate::AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::extract::FromRequestParts;
        let (mut parts, body) = req.into_parts();
        let tr = match crate::context::Ctx::from_request_parts(&mut parts, state).await {
            Ok(ctx) => ctx.tr,
            Err(never) => match never {},
        };
        let req = axum::extract::Request::from_parts(parts, body);
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(ApiJson(v)),
            Err(rejection) => Err(ApiError {
                status: rejection.status(),
                body: ErrorBody {
                    code: "bad_body".into(),
                    message: format!("{} {}", tr.get("error-bad-body"), rejection.body_text()),
                    fields: Vec::new(),
                },
            }),
        }
    }
}
