//! Per-request context: the reader's language, the CSRF token, the signed-in staff member.

use crate::i18n::Tr;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::HeaderValue;
use axum::response::Response;
use otinish_domain::model::StaffUser;
use otinish_domain::Lang;
use sha2::{Digest, Sha256};

pub const LANG_COOKIE: &str = "otinish_lang";
pub const CSRF_COOKIE: &str = "otinish_csrf";
pub const SESSION_COOKIE: &str = "otinish_session";
/// The applicant's session cookie (the cabinet's).
pub const APPLICANT_COOKIE: &str = "otinish_applicant";

/// What the middleware learned about the request.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    pub lang: Lang,
    pub csrf: String,
    pub session_token: Option<String>,
    pub path: String,
}

pub fn cookie<'a>(parts_headers: &'a axum::http::HeaderMap, name: &str) -> Option<&'a str> {
    parts_headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

pub use otinish_app::sessions::{random_token, token_hash};

/// The CSRF token of a session, derived from its secret token: a sibling site can set a
/// cookie in the browser but cannot read the session's, so it cannot plant a token that
/// passes. (Distinct from [`token_hash`], which the database keeps.)
pub fn session_csrf(session_token: &str) -> String {
    hex::encode(Sha256::digest(
        [b"otinish-csrf:".as_slice(), session_token.as_bytes()].concat(),
    ))
}

pub fn lang_from_accept(h: &str) -> Option<Lang> {
    h.split(',')
        .filter_map(|part| part.split(';').next())
        .find_map(|tag| Lang::parse(tag.trim()).or_else(|| Lang::parse(tag.trim().get(..2)?)))
}

pub fn query_lang(query: Option<&str>) -> Option<Lang> {
    query?
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| *k == "lang")
        .and_then(|(_, v)| Lang::parse(v))
}

pub fn set_cookie(
    resp: &mut Response,
    name: &str,
    value: &str,
    http_only: bool,
    secure: bool,
    max_age: i64,
) {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax; Max-Age={max_age}");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Ok(v) = HeaderValue::from_str(&c) {
        resp.headers_mut().append(SET_COOKIE, v);
    }
}

/// The staff's JSON API (the administration console's and staff sign-in), authenticated by a
/// bearer token.
pub fn is_staff_api(path: &str) -> bool {
    path.starts_with("/api/v1/admin/") || path.starts_with("/api/v1/staff/")
}

/// The context a handler sees: translator, CSRF token, and the staff member if signed in.
/// Looked up once per request: the route's guard and every extractor share it.
#[derive(Clone)]
pub struct Ctx {
    pub tr: Tr,
    pub csrf: String,
    pub user: Option<StaffUser>,
    /// The signed-in applicant's name, if any.
    pub applicant: Option<String>,
    pub session_token: Option<String>,
    pub path: String,
    /// The session could not be looked up because the database did not answer: the caller
    /// is not "signed out", the service is unavailable.
    pub store_failed: bool,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(known) = parts.extensions.get::<Ctx>() {
            return Ok(known.clone());
        }
        let rc = parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .unwrap_or(RequestCtx {
                lang: Lang::default(),
                csrf: random_token(),
                session_token: None,
                path: parts.uri.path().to_owned(),
            });
        let mut user = None;
        let mut store_failed = false;
        if let Some(token) = &rc.session_token {
            use otinish_domain::repo::StoreError;
            match app.store.session(&token_hash(token), app.clock.now()).await {
                Ok(s) => match app.store.staff(s.staff_id).await {
                    Ok(u) => user = Some(u).filter(|u| u.active),
                    Err(StoreError::NotFound(_)) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, "staff of a session not read");
                        store_failed = true;
                    }
                },
                Err(StoreError::NotFound(_)) => {}
                Err(e) => {
                    tracing::warn!(error = %e, "session not read");
                    store_failed = true;
                }
            }
        }
        let mut applicant = None;
        if let Some(token) = cookie(&parts.headers, APPLICANT_COOKIE) {
            if let Ok(id) = app
                .store
                .applicant_session(&token_hash(token), app.clock.now())
                .await
            {
                applicant = app.store.applicant(id).await.ok().map(|a| a.display_name());
            }
        }
        let ctx = Ctx {
            tr: Tr::new(rc.lang),
            csrf: rc.csrf,
            user,
            applicant,
            session_token: rc.session_token,
            path: rc.path,
            store_failed,
        };
        parts.extensions.insert(ctx.clone());
        Ok(ctx)
    }
}

/// Constant-time comparison of two tokens.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_and_query() {
        assert_eq!(lang_from_accept("kk-KZ,kk;q=0.9,ru;q=0.8"), Some(Lang::Kk));
        assert_eq!(lang_from_accept("en-US,en;q=0.9"), Some(Lang::En));
        assert_eq!(lang_from_accept("de-DE"), None);
        assert_eq!(query_lang(Some("a=1&lang=kk")), Some(Lang::Kk));
        assert_eq!(query_lang(Some("lang=xx")), None);
        assert!(same_token("abc", "abc") && !same_token("abc", "abd") && !same_token("abc", "ab"));
    }
}
