//! The staff's JSON API: sign in by a signed challenge (as on the sign-in page), then the
//! administration console's actions over the same use cases as its pages — bodies, staff,
//! branches and the CSV imports — each checked against the caller's role and scope by the
//! application layer and journaled there. Authenticated by a bearer token only (never by the
//! session cookie, so a page of another site cannot act with it and no CSRF token is needed).

//!
//! `registers` holds the bodies, staff, imports and branches; `deployment` what only the
//! deployment's administrator keeps (the calendar, announcements, trust, dead notices).

mod deployment;
mod registers;

pub use deployment::*;
pub use registers::*;

use crate::context::{token_hash, Ctx};
use crate::error::{ApiError, ErrorEnvelope};
use crate::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use otinish_domain::model::StaffUser;
use otinish_domain::repo::SessionRecord;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

type ApiResult<T> = Result<Json<T>, ApiError>;

/// The signed-in staff member (the route's guard has let only staff through).
pub(super) fn caller(ctx: &Ctx) -> Result<StaffUser, ApiError> {
    ctx.user
        .clone()
        .ok_or_else(|| ApiError::unauthorized(ctx.tr))
}

pub(super) fn app_err(ctx: &Ctx) -> impl Fn(otinish_app::Error) -> ApiError + '_ {
    move |e| ApiError::from_app(ctx.tr, e)
}

// ---- Sign-in ----

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffChallenge {
    /// Sign these exact bytes (UTF-8) as CMS, attached, with the staff member's own key.
    challenge: String,
}

/// A one-time challenge for a staff member's key.
#[utoipa::path(post, path = "/api/v1/staff/challenge", tag = "staff",
    responses((status = 200, body = StaffChallenge)))]
pub async fn challenge(State(app): State<AppState>, ctx: Ctx) -> ApiResult<StaffChallenge> {
    let challenge = app.sign_in_challenge().await.map_err(|e| {
        tracing::error!(error = %e, "challenge");
        ApiError::from_app(ctx.tr, otinish_app::Error::Internal(e.to_string()))
    })?;
    Ok(Json(StaffChallenge { challenge }))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StaffSignIn {
    challenge: String,
    /// The CMS signature of the challenge, base64 or PEM (as NCALayer returns it).
    signature: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct StaffSession {
    /// Send as `Authorization: Bearer <token>` to `/api/v1/admin/…`.
    token: String,
    staff: StaffDto,
    expires_at: String,
}

/// Signs a staff member in by their key: the certificate's IIN must be an active staff
/// member's, and for a body's employee the certificate carries the body's BIN.
#[utoipa::path(post, path = "/api/v1/staff/signin", tag = "staff", request_body = StaffSignIn,
    responses((status = 200, body = StaffSession), (status = 401, body = ErrorEnvelope, description = "the signature does not sign this staff member in"),
        (status = 400, body = ErrorEnvelope, description = "the body is not JSON"),
        (status = 415, body = ErrorEnvelope, description = "the body is not sent as application/json"),
        (status = 422, body = ErrorEnvelope, description = "the body is not of this shape"),
        (status = 429, body = ErrorEnvelope, description = "too many failed sign-ins from this address")))]
pub async fn signin(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::video::ClientIp(client): crate::video::ClientIp,
    headers: axum::http::HeaderMap,
    crate::error::ApiJson(b): crate::error::ApiJson<StaffSignIn>,
) -> Response {
    if crate::auth::throttled(&app, &ctx, &client, "")
        .await
        .is_some()
    {
        return crate::error::ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body: crate::error::ErrorBody {
                code: "too_many_sign_ins".into(),
                message: ctx.tr.with(
                    "login-throttled",
                    &[("minutes", crate::auth::SIGNIN_WINDOW_MINUTES.to_string())],
                ),
                fields: vec![],
            },
        }
        .into_response();
    }
    let user = match app
        .staff_sign_in(b.challenge.trim(), b.signature.trim().as_bytes())
        .await
    {
        Ok(u) => u,
        Err(e) => {
            tracing::info!(error = %e, "staff API sign-in refused");
            crate::auth::note_failure(&app, &client, "").await;
            return crate::error::ApiError {
                status: StatusCode::UNAUTHORIZED,
                body: crate::error::ErrorBody {
                    code: "sign_in_refused".into(),
                    message: crate::cabinet::error_text(ctx.tr, &e),
                    fields: vec![],
                },
            }
            .into_response();
        }
    };
    let now = app.clock.now();
    let token = crate::context::random_token();
    let expires_at = now + chrono::Duration::hours(crate::auth::SESSION_HOURS);
    let rec = SessionRecord {
        token_hash: token_hash(&token),
        staff_id: user.id,
        csrf_token: crate::context::random_token(),
        created_at: now,
        expires_at,
        client_ip: client,
        user_agent: headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("API client")
            .chars()
            .take(300)
            .collect(),
    };
    if let Err(e) = app.store.create_session(&rec).await {
        return ApiError::from_store(ctx.tr, e).into_response();
    }
    tracing::info!(staff = user.id, "signed in to the API");
    let staff = staff_dto(&app, &user).await;
    Json(StaffSession {
        token,
        staff,
        expires_at: expires_at.to_rfc3339(),
    })
    .into_response()
}

/// Ends the session of the bearer token.
#[utoipa::path(post, path = "/api/v1/staff/signout", tag = "staff",
    responses((status = 204, description = "signed out"), (status = 401, body = ErrorEnvelope)),
    security(("bearer" = [])))]
pub async fn signout(State(app): State<AppState>, ctx: Ctx) -> Response {
    if let Some(token) = &ctx.session_token {
        if let Err(e) = app.store.delete_session(&token_hash(token)).await {
            return ApiError::from_store(ctx.tr, e).into_response();
        }
    }
    StatusCode::NO_CONTENT.into_response()
}
