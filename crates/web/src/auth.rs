//! Staff sign-in with their own key (a challenge signed through NCALayer or eGov mobile), or
//! with a password (argon2id) where the deployment allows it; sessions kept in the database,
//! CSRF checks. Citizens sign in with an electronic signature (the e-appeals capability).

use crate::context::{set_cookie, token_hash, Ctx, SESSION_COOKIE};
use crate::extract::CsrfForm;
use crate::pages::{page_error, render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
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

pub use otinish_app::sessions::hash_password;
use otinish_app::sessions::verify_password;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub t: crate::i18n::Tr,
    pub layout: Layout,
    pub error: Option<String>,
    pub login: String,
    /// The text the staff member's key signs to sign in.
    pub challenge: String,
    /// Password sign-in is switched on for this deployment.
    pub passwords: bool,
    /// Demo mode: the demo staff's keys sign in on the server.
    pub demo: bool,
}

/// The sign-in page, with a fresh challenge for the key.
async fn login_page(
    app: &crate::App,
    ctx: &Ctx,
    error: Option<String>,
    login: String,
    status: StatusCode,
) -> Response {
    let challenge = match app.sign_in_challenge().await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot create a sign-in challenge");
            return page_error(ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal");
        }
    };
    let page = LoginPage {
        t: ctx.tr,
        layout: Layout::new(app, ctx),
        error,
        login,
        challenge,
        passwords: app.config.staff_passwords,
        demo: app.settings.demo,
    };
    (status, render(page)).into_response()
}

pub async fn login_form(State(app): State<AppState>, ctx: Ctx) -> Response {
    if ctx.user.is_some() {
        return Redirect::to("/staff").into_response();
    }
    login_page(&app, &ctx, None, String::new(), StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

/// Whether `client` (and `login`, when given) may try to sign in now; the page to show when
/// not.
pub(crate) async fn throttled(
    app: &crate::App,
    ctx: &Ctx,
    client: &str,
    login: &str,
) -> Option<Response> {
    let now = app.clock.now();
    let since = now - chrono::Duration::minutes(SIGNIN_WINDOW_MINUTES);
    let pair = format!("signin:{}|{client}", login.to_lowercase());
    let address = format!("signin:{client}");
    let by_pair = if login.is_empty() {
        0
    } else {
        app.store.failed_attempts(&pair, since).await.unwrap_or(0)
    };
    let by_address = app
        .store
        .failed_attempts(&address, since)
        .await
        .unwrap_or(0);
    if by_pair < SIGNIN_LIMIT_PER_LOGIN && by_address < SIGNIN_LIMIT_PER_ADDRESS {
        return None;
    }
    tracing::warn!(%client, "sign-in refused: too many failed attempts");
    let mut resp = login_page(
        app,
        ctx,
        Some(ctx.tr.with(
            "login-throttled",
            &[("minutes", SIGNIN_WINDOW_MINUTES.to_string())],
        )),
        login.to_owned(),
        StatusCode::TOO_MANY_REQUESTS,
    )
    .await;
    resp.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(SIGNIN_WINDOW_MINUTES * 60),
    );
    Some(resp)
}

/// Counts a failed sign-in against the address (and the login, when given).
pub(crate) async fn note_failure(app: &crate::App, client: &str, login: &str) {
    let now = app.clock.now();
    let mut keys = vec![format!("signin:{client}")];
    if !login.is_empty() {
        keys.push(format!("signin:{}|{client}", login.to_lowercase()));
    }
    for key in keys {
        if let Err(e) = app.store.note_failed_attempt(&key, now).await {
            tracing::warn!(error = %e, "cannot count a failed sign-in");
        }
    }
}

pub async fn login(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::video::ClientIp(client): crate::video::ClientIp,
    headers: axum::http::HeaderMap,
    CsrfForm(f): CsrfForm<LoginForm>,
) -> Response {
    let agent = user_agent(&headers);
    let login = f.login.trim().to_owned();
    if !app.config.staff_passwords {
        return login_page(
            &app,
            &ctx,
            Some(ctx.tr.get("login-passwords-off")),
            login,
            StatusCode::FORBIDDEN,
        )
        .await;
    }
    if login.is_empty() || f.password.is_empty() {
        return login_page(
            &app,
            &ctx,
            Some(ctx.tr.get("login-required")),
            login,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    // Too many failures: refused before the password is even checked.
    if let Some(r) = throttled(&app, &ctx, &client, &login).await {
        return r;
    }
    let creds = app.store.staff_credentials(&login).await;
    let ok = match &creds {
        Ok((user, hash)) => user.active && verify_password(&f.password, hash),
        Err(_) => {
            // Spend the same effort as a real check, so timing does not reveal logins.
            let _ = verify_password(&f.password, DUMMY_HASH);
            false
        }
    };
    let user = match creds {
        Ok((user, _)) if ok => user,
        other => {
            match other {
                Ok((user, _)) => tracing::info!(staff = user.id, "sign-in: wrong password"),
                Err(e) => tracing::info!(error = %e, "sign-in: unknown login"),
            }
            note_failure(&app, &client, &login).await;
            return login_page(
                &app,
                &ctx,
                Some(ctx.tr.get("login-failed")),
                login,
                StatusCode::UNAUTHORIZED,
            )
            .await;
        }
    };
    open_session(&app, &ctx, &user, &client, &agent).await
}

#[derive(Debug, Deserialize)]
pub struct KeyLoginForm {
    #[serde(default)]
    challenge: String,
    /// The CMS over the challenge (base64), from NCALayer or eGov mobile.
    #[serde(default)]
    signature: String,
    /// Demo mode: the login whose demo key signs the challenge on the server.
    #[serde(default)]
    demo_login: String,
}

/// Sign-in by key: the challenge signed with the staff member's own key. In demo mode a demo
/// staff member's key may sign it on the server (`demo_login`).
pub async fn login_key(
    State(app): State<AppState>,
    ctx: Ctx,
    crate::video::ClientIp(client): crate::video::ClientIp,
    headers: axum::http::HeaderMap,
    CsrfForm(f): CsrfForm<KeyLoginForm>,
) -> Response {
    let agent = user_agent(&headers);
    if let Some(r) = throttled(&app, &ctx, &client, "").await {
        return r;
    }
    let demo_login = f.demo_login.trim();
    let result = if demo_login.is_empty() {
        app.staff_sign_in(&f.challenge, f.signature.trim().as_bytes())
            .await
    } else if app.settings.demo {
        app.demo_staff_sign_in(demo_login).await
    } else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    match result {
        Ok(user) => open_session(&app, &ctx, &user, &client, &agent).await,
        Err(e) => {
            tracing::info!(error = %e, "staff sign-in by key refused");
            note_failure(&app, &client, "").await;
            let reason = crate::cabinet::error_text(ctx.tr, &e);
            login_page(
                &app,
                &ctx,
                Some(ctx.tr.with("signin-failed", &[("reason", reason)])),
                demo_login.to_owned(),
                StatusCode::UNAUTHORIZED,
            )
            .await
        }
    }
}

/// The browser's User-Agent, as sent (for the list of sessions).
fn user_agent(headers: &axum::http::HeaderMap) -> String {
    headers
        .get(axum::http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Opens a staff session and sends the browser to the staff home page.
async fn open_session(
    app: &crate::App,
    ctx: &Ctx,
    user: &otinish_domain::model::StaffUser,
    client_ip: &str,
    user_agent: &str,
) -> Response {
    let now = app.clock.now();
    let token = crate::context::random_token();
    // The session's own CSRF token, derived from it: one planted in the browser (by a sibling
    // site setting cookies, say) is worthless, before sign-in and after.
    let csrf = crate::context::session_csrf(&token);
    let rec = SessionRecord {
        token_hash: token_hash(&token),
        staff_id: user.id,
        csrf_token: csrf.clone(),
        created_at: now,
        expires_at: now + chrono::Duration::hours(SESSION_HOURS),
        client_ip: client_ip.to_owned(),
        user_agent: user_agent.chars().take(300).collect(),
    };
    if let Err(e) = app.store.create_session(&rec).await {
        tracing::error!(error = %e, "cannot create session");
        return page_error(ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal");
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
    /// `1`: end every session of this staff member (a lost laptop, a shared computer).
    #[serde(default)]
    everywhere: String,
}

pub async fn logout(
    State(app): State<AppState>,
    ctx: Ctx,
    CsrfForm(f): CsrfForm<LogoutForm>,
) -> Response {
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
