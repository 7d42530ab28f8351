//! What a handler needs, stated in its signature: the signed-in staff member ([`Staff`]), a
//! form whose CSRF token has been checked ([`CsrfForm`]) or a multipart form likewise
//! ([`CsrfMultipart`]). The checks are made here, once, before the handler runs; a handler
//! never checks a session or a token by hand. The signed-in applicant is [`ApplicantCtx`].

use crate::context::{cookie, same_token, token_hash, Ctx, APPLICANT_COOKIE};
use crate::pages::page_error;
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{Form, FromRequest, FromRequestParts, Multipart, Request};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_domain::model::{Applicant, StaffUser};
use otinish_domain::repo::StoreError;
use serde::de::DeserializeOwned;
use serde::Deserialize;

/// The signed-in, active staff member. Without one, a page goes to the sign-in page and the
/// staff API answers 401; a database that did not answer is an outage (503), never "sign in
/// again".
pub struct Staff(pub StaffUser);

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &AppState) -> Result<Self, Response> {
        let Ok(ctx) = Ctx::from_request_parts(parts, app).await;
        match ctx.user.clone() {
            Some(user) => Ok(Self(user)),
            None => Err(not_signed_in(
                &ctx,
                crate::context::is_staff_api(parts.uri.path()),
            )),
        }
    }
}

/// The answer to a staff route called without a staff session.
pub(crate) fn not_signed_in(ctx: &Ctx, api: bool) -> Response {
    use crate::error::ApiError;
    if ctx.store_failed {
        if api {
            return ApiError::from_store(ctx.tr, otinish_domain::repo::StoreError::Unavailable)
                .into_response();
        }
        return page_error(ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal");
    }
    if api {
        return ApiError::unauthorized(ctx.tr).into_response();
    }
    Redirect::to("/staff/login").into_response()
}

/// The refusal of a form whose token is not the session's (a forged or stale form): a page
/// saying so (403). A handler that answers in another form (the booth's JSON) takes
/// `Result<CsrfMultipart, Forged>` and says it its own way.
pub struct Forged(pub Ctx);

impl IntoResponse for Forged {
    fn into_response(self) -> Response {
        page_error(&self.0, StatusCode::FORBIDDEN, "error-csrf")
    }
}

/// A form that carries nothing but its token: a button (withdraw, confirm, sign out).
#[derive(Debug, Default, Deserialize)]
pub struct TokenOnly {}

/// Only the token of a form.
#[derive(Deserialize)]
struct Token {
    #[serde(default)]
    csrf: String,
}

/// A URL-encoded form whose `csrf` field is the session's token, then read as `T`. A wrong or
/// missing token is refused (403) before `T` is read; a form that is not a `T` gets the
/// framework's refusal, which the context middleware says again in the reader's language.
pub struct CsrfForm<T>(pub T);

/// Why a [`CsrfForm`] was refused.
pub enum FormRefused {
    Forged(Forged),
    /// Not a form of the kind expected: the framework's answer.
    Unreadable(Response),
}

impl IntoResponse for FormRefused {
    fn into_response(self) -> Response {
        match self {
            Self::Forged(f) => f.into_response(),
            Self::Unreadable(r) => r,
        }
    }
}

impl<T: DeserializeOwned> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = FormRefused;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, FormRefused> {
        let unreadable =
            |e: axum::extract::rejection::FormRejection| FormRefused::Unreadable(e.into_response());
        let (mut parts, body) = req.into_parts();
        let Ok(ctx) = Ctx::from_request_parts(&mut parts, app).await;
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), app)
            .await
            .map_err(|e| FormRefused::Unreadable(e.into_response()))?;
        let again = |b: &Bytes| Request::from_parts(parts.clone(), Body::from(b.clone()));
        let Form(token) = Form::<Token>::from_request(again(&bytes), app)
            .await
            .map_err(unreadable)?;
        if !same_token(&ctx.csrf, &token.csrf) {
            return Err(FormRefused::Forged(Forged(ctx)));
        }
        let Form(form) = Form::<T>::from_request(again(&bytes), app)
            .await
            .map_err(unreadable)?;
        Ok(Self(form))
    }
}

/// One part of a multipart form.
pub struct Part {
    pub name: String,
    /// The name of the file chosen, for a file field.
    pub file_name: Option<String>,
    pub bytes: Bytes,
}

impl Part {
    /// The part as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

/// A multipart form read in full, whose `csrf` part is the session's token. A form that could
/// not be read at all is given to the handler as `Err` with the reason (nothing in it is
/// trusted, nor acted on), so it can answer on its own page; a readable form with a wrong or
/// missing token is refused (403).
pub struct CsrfMultipart(pub Result<Vec<Part>, String>);

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = Forged;

    async fn from_request(req: Request, app: &AppState) -> Result<Self, Forged> {
        let (mut parts, body) = req.into_parts();
        let Ok(ctx) = Ctx::from_request_parts(&mut parts, app).await;
        let read = match Multipart::from_request(Request::from_parts(parts, body), app).await {
            Ok(mp) => read_parts(mp).await,
            Err(e) => Err(e.body_text()),
        };
        if let Ok(p) = &read {
            let token = p
                .iter()
                .find(|p| p.name == "csrf")
                .map(Part::text)
                .unwrap_or_default();
            if !same_token(&ctx.csrf, &token) {
                return Err(Forged(ctx));
            }
        }
        Ok(Self(read))
    }
}

async fn read_parts(mut mp: Multipart) -> Result<Vec<Part>, String> {
    let mut out = Vec::new();
    while let Some(field) = mp.next_field().await.map_err(|e| e.to_string())? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let bytes = field.bytes().await.map_err(|e| e.to_string())?;
        out.push(Part {
            name,
            file_name,
            bytes,
        });
    }
    Ok(out)
}

/// The signed-in applicant, or a redirect to the sign-in page.
pub struct ApplicantCtx {
    pub id: i64,
    pub applicant: Applicant,
}

impl FromRequestParts<AppState> for ApplicantCtx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        // No session (or an ended one) is "sign in"; a database that did not answer is an
        // outage (503), never "sign in again".
        async fn outage(parts: &mut Parts, app: &AppState) -> Response {
            let Ok(ctx) = Ctx::from_request_parts(parts, app).await;
            page_error(&ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal")
        }
        let Some(token) = cookie(&parts.headers, APPLICANT_COOKIE).map(str::to_owned) else {
            return Err(Redirect::to("/signin").into_response());
        };
        let id = match app
            .store
            .applicant_session(&token_hash(&token), app.clock.now())
            .await
        {
            Ok(id) => id,
            Err(StoreError::NotFound(_)) => return Err(Redirect::to("/signin").into_response()),
            Err(e) => {
                tracing::error!(error = %e, "applicant session not looked up");
                return Err(outage(parts, app).await);
            }
        };
        match app.store.applicant(id).await {
            Ok(applicant) => Ok(Self { id, applicant }),
            Err(StoreError::NotFound(_)) => Err(Redirect::to("/signin").into_response()),
            Err(e) => {
                tracing::error!(error = %e, "applicant not read");
                Err(outage(parts, app).await)
            }
        }
    }
}
