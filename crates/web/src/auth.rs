//! Staff sign-in with a password (argon2id), sessions kept in the database, CSRF checks.
//! Citizens sign in with an electronic signature (the e-appeals capability).

use crate::context::{same_token, set_cookie, token_hash, Ctx, SESSION_COOKIE};
use crate::pages::{page_error, render, Layout};
use crate::AppState;
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use otinish_domain::repo::SessionRecord;
use serde::Deserialize;

/// How long a staff session lasts.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins counted over this many minutes.
pub const SIGNIN_WINDOW_MINUTES: i64 = 15;
/// Failed sign-ins of one login from one address before that pair must wait. Counted per
/// address, so someone guessing from elsewhere cannot lock the real user out.
pub const SIGNIN_LIMIT_PER_LOGIN: i64 = 5;
/// Failed sign-ins from one address, whatever the login (guessing across many logins).
pub const SIGNIN_LIMIT_PER_ADDRESS: i64 = 100;

/// Hashes a password for storage (argon2id, random salt).
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Checks the form's CSRF token against the visitor's cookie token; on a mismatch returns the
/// page that explains the refusal.
pub fn check_csrf(ctx: &Ctx, submitted: &str) -> Option<Response> {
    (!same_token(&ctx.csrf, submitted))
        .then(|| page_error(ctx, StatusCode::FORBIDDEN, "error-csrf"))
}

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: crate::i18n::Tr,
    pub layout: Layout,
    pub error: Option<String>,
    pub login: String,
}

pub async fn login_form(State(app): State<AppState>, ctx: Ctx) -> Response {
    if ctx.user.is_some() {
        return Redirect::to("/staff").into_response();
    }
    render(LoginPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        error: None,
        login: String::new(),
    })
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::video::ClientIp(client): crate::video::ClientIp,
    Form(f): Form<LoginForm>,
) -> Response {
    if let Some(r) = check_csrf(&ctx, &f.csrf) {
        return r;
    }
    let login = f.login.trim().to_owned();
    let fail = |key: &str, status: StatusCode| {
        let page = LoginPage {
            t: ctx.tr,
            layout: Layout::new(&app, &ctx),
            error: Some(ctx.tr.get(key)),
            login: login.clone(),
        };
        (status, render(page)).into_response()
    };
    if login.is_empty() || f.password.is_empty() {
        return fail("login-required", StatusCode::UNPROCESSABLE_ENTITY);
    }
    // Too many failures: refused before the password is even checked.
    let now = app.clock.now();
    let since = now - chrono::Duration::minutes(SIGNIN_WINDOW_MINUTES);
    let pair = format!("signin:{}|{client}", login.to_lowercase());
    let address = format!("signin:{client}");
    let (by_pair, by_address) = (
        app.store.failed_attempts(&pair, since).await.unwrap_or(0),
        app.store
            .failed_attempts(&address, since)
            .await
            .unwrap_or(0),
    );
    if by_pair >= SIGNIN_LIMIT_PER_LOGIN || by_address >= SIGNIN_LIMIT_PER_ADDRESS {
        tracing::warn!(%client, "sign-in refused: too many failed attempts");
        let page = LoginPage {
            t: ctx.tr,
            layout: Layout::new(&app, &ctx),
            error: Some(ctx.tr.with(
                "login-throttled",
                &[("minutes", SIGNIN_WINDOW_MINUTES.to_string())],
            )),
            login: login.clone(),
        };
        let mut resp = (StatusCode::TOO_MANY_REQUESTS, render(page)).into_response();
        resp.headers_mut().insert(
            axum::http::header::RETRY_AFTER,
            axum::http::HeaderValue::from(SIGNIN_WINDOW_MINUTES * 60),
        );
        return resp;
    }
    let failed = || async {
        for key in [&pair, &address] {
            if let Err(e) = app.store.note_failed_attempt(key, now).await {
                tracing::warn!(error = %e, "cannot count a failed sign-in");
            }
        }
    };
    let creds = app.store.staff_credentials(&login).await;
    let ok = match &creds {
        Ok((user, hash)) => user.active && verify_password(&f.password, hash),
        Err(_) => {
            // Spend the same effort as a real check, so timing does not reveal logins.
            let _ = verify_password(&f.password, DUMMY_HASH);
            false
        }
    };
    let Ok((user, _)) = creds.map_err(|e| tracing::info!(error = %e, "sign-in: unknown login"))
    else {
        failed().await;
        return fail("login-failed", StatusCode::UNAUTHORIZED);
    };
    if !ok {
        tracing::info!(staff = user.id, "sign-in: wrong password");
        failed().await;
        return fail("login-failed", StatusCode::UNAUTHORIZED);
    }
    let token = crate::context::random_token();
    // A new CSRF token with the new session: one planted in the browser before sign-in (by a
    // sibling site setting cookies, say) is worthless afterwards.
    let csrf = crate::context::random_token();
    let rec = SessionRecord {
        token_hash: token_hash(&token),
        staff_id: user.id,
        csrf_token: csrf.clone(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(SESSION_HOURS),
    };
    if let Err(e) = app.store.create_session(&rec).await {
        tracing::error!(error = %e, "cannot create session");
        return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal");
    }
    tracing::info!(staff = user.id, "signed in");
    let mut resp = Redirect::to("/staff").into_response();
    set_cookie(
        &mut resp,
        SESSION_COOKIE,
        &token,
        true,
        app.config.secure_cookies,
        SESSION_HOURS * 3600,
    );
    set_cookie(
        &mut resp,
        crate::context::CSRF_COOKIE,
        &csrf,
        true,
        app.config.secure_cookies,
        SESSION_HOURS * 3600,
    );
    resp
}

#[derive(Debug, Deserialize)]
pub struct LogoutForm {
    #[serde(default)]
    csrf: String,
    /// `1`: end every session of this staff member (a lost laptop, a shared computer).
    #[serde(default)]
    everywhere: String,
}

pub async fn logout(State(app): State<AppState>, ctx: Ctx, Form(f): Form<LogoutForm>) -> Response {
    if let Some(r) = check_csrf(&ctx, &f.csrf) {
        return r;
    }
    let ended = match (&ctx.user, f.everywhere.as_str()) {
        (Some(user), "1") => app.store.delete_sessions_of(user.id).await.map(|n| {
            tracing::info!(staff = user.id, sessions = n, "signed out everywhere");
        }),
        _ => match &ctx.session_token {
            Some(token) => app.store.delete_session(&token_hash(token)).await,
            None => Ok(()),
        },
    };
    if let Err(e) = ended {
        tracing::error!(error = %e, "cannot end the session");
        return page_error(&ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal");
    }
    let mut resp = Redirect::to("/").into_response();
    set_cookie(
        &mut resp,
        SESSION_COOKIE,
        "",
        true,
        app.config.secure_cookies,
        0,
    );
    resp
}

/// An argon2id hash of a random password nobody knows, for equal-time failures.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Q2w+JQ2aY3Tt2vRrq7m2m1cJ0a8wq2Yk1Sx2o4gNwhs";
