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

    /// No staff session: the console's API wants `Authorization: Bearer <token>`.
    pub fn unauthorized(tr: Tr) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            body: ErrorBody {
                code: "unauthorized".into(),
                message: tr.get("api-staff-unauthorized"),
                fields: vec![],
            },
        }
    }

    /// The body is over the operation's limit (the JSON API takes at most
    /// [`crate::MAX_BODY`] bytes).
    pub fn too_large(tr: Tr) -> Self {
        Self {
            status: StatusCode::PAYLOAD_TOO_LARGE,
            body: ErrorBody {
                code: "too_large".into(),
                message: tr.get("error-too-large"),
                fields: vec![],
            },
        }
    }

    pub fn forbidden(tr: Tr) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            body: ErrorBody {
                code: "forbidden".into(),
                message: tr.get("error-forbidden"),
                fields: vec![],
            },
        }
    }

    /// The application layer's error, as the JSON API answers it: invalid input with each
    /// field's message (422), forbidden (403), not found (404), a conflict (409), a refusal
    /// with its reason (409, its code the reason's key), unavailable (503), internal (500,
    /// the cause logged).
    pub fn from_app(tr: Tr, e: otinish_app::Error) -> Self {
        use otinish_app::Error as E;
        let plain = |status, code: &str, message: String| Self {
            status,
            body: ErrorBody {
                code: code.into(),
                message,
                fields: vec![],
            },
        };
        match e {
            E::Invalid(p) => Self::invalid(tr, p.iter().map(|p| (p.field, p.key)).collect()),
            E::Forbidden => Self::forbidden(tr),
            E::NotFound(_) => Self::not_found(tr),
            E::Conflict(_) => plain(
                StatusCode::CONFLICT,
                "conflict",
                tr.get("admin-changed-meanwhile"),
            ),
            E::Refused { key, .. } => {
                plain(StatusCode::CONFLICT, &key.replace('-', "_"), tr.get(key))
            }
            E::Unavailable(e) => {
                tracing::warn!(error = %e, "unavailable");
                plain(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "unavailable",
                    tr.get("error-internal"),
                )
            }
            E::Internal(m) => {
                tracing::error!(error = %m, "internal error");
                plain(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    tr.get("error-internal"),
                )
            }
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
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(ApiError::too_large(tr))
            }
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

/// The paging every list of the API takes.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1–500 (default 50).
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
    /// Items to skip, at most 1 000 000.
    #[param(minimum = 0, maximum = 1_000_000)]
    pub offset: Option<u32>,
    /// Language of names: kk, ru or en (otherwise the reader's).
    #[param(value_type = Option<String>, pattern = "^(kk|ru|en)$")]
    pub lang: Option<String>,
}

/// The page asked for, refused with the reason when outside the documented bounds.
pub fn page_of(
    q: &PageQuery,
    tr: crate::i18n::Tr,
) -> Result<otinish_domain::repo::PageRequest, ApiError> {
    let mut bad = Vec::new();
    if q.limit.is_some_and(|l| !(1..=500).contains(&l)) {
        bad.push(("limit", "error-limit-range"));
    }
    if q.offset.is_some_and(|o| o > 1_000_000) {
        bad.push(("offset", "error-offset-range"));
    }
    if bad.is_empty() {
        Ok(otinish_domain::repo::PageRequest::new(q.limit, q.offset))
    } else {
        Err(ApiError::invalid(tr, bad))
    }
}
