//! The layer every request passes first: the reader's language, the CSRF cookie, the
//! session token for the context, the metrics, and the re-saying (in the reader's language, as
//! a page or the API's envelope) of a request the framework refused before its handler ran.
//! The context it prepares is [`crate::context`]'s.

use crate::context::{
    cookie, is_staff_api, lang_from_accept, query_lang, random_token, session_csrf, set_cookie,
    Ctx, RequestCtx, APPLICANT_COOKIE, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE,
};
use crate::i18n::Tr;
use crate::AppState;
use axum::extract::{Request, State};
use axum::http::header::ACCEPT_LANGUAGE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use otinish_domain::Lang;

/// Decides the language (`?lang=` > cookie > Accept-Language > Russian), gives every visitor a
/// CSRF token cookie, and counts the response for /metrics.
pub async fn middleware(State(app): State<AppState>, mut req: Request, next: Next) -> Response {
    let headers = req.headers();
    let from_query = query_lang(req.uri().query());
    let lang = from_query
        .or_else(|| cookie(headers, LANG_COOKIE).and_then(Lang::parse))
        .or_else(|| {
            headers
                .get(ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(lang_from_accept)
        })
        .unwrap_or_default();
    let existing_csrf = cookie(headers, CSRF_COOKIE)
        .filter(|c| c.len() == 64 && c.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned);
    // Signed in (staff or applicant), the token is the session's own; the cookie only carries
    // it to the page's scripts and is put back in step when it differs (planted, or older).
    let bound = cookie(headers, SESSION_COOKIE)
        .or_else(|| cookie(headers, APPLICANT_COOKIE))
        .map(session_csrf);
    let new_csrf = match (&bound, &existing_csrf) {
        (Some(b), Some(e)) => b != e,
        (_, None) => true,
        (None, Some(_)) => false,
    };
    let csrf = bound.or(existing_csrf).unwrap_or_else(random_token);
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    // The console's API signs staff in by a bearer token only, never by the cookie: a page of
    // another site cannot make the browser send it, so the API needs no CSRF token.
    let session_token = if is_staff_api(req.uri().path()) {
        headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().to_owned())
    } else {
        cookie(headers, SESSION_COOKIE).map(str::to_owned)
    };
    let method = req.method().clone();
    req.extensions_mut().insert(RequestCtx {
        lang,
        csrf: csrf.clone(),
        session_token,
        path: path.clone(),
    });
    app.refresh_announcements().await;
    let mut resp = next.run(req).await;
    // A request refused before any handler ran (a body over the limit, a query or form the
    // page does not take) comes back from the framework as plain English text: it is said
    // again in the reader's language, by the API in its envelope.
    let plain = resp
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/plain"));
    let rejected = [
        StatusCode::BAD_REQUEST,
        StatusCode::PAYLOAD_TOO_LARGE,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        StatusCode::UNPROCESSABLE_ENTITY,
    ];
    if plain && rejected.contains(&resp.status()) {
        resp = refused_before_handler(resp.status(), lang, &csrf, &path);
    }
    let secure = app.config.secure_cookies;
    if let Some(l) = from_query {
        set_cookie(
            &mut resp,
            LANG_COOKIE,
            l.code(),
            false,
            secure,
            365 * 24 * 3600,
        );
    }
    if new_csrf {
        set_cookie(&mut resp, CSRF_COOKIE, &csrf, true, secure, 24 * 3600);
    }
    app.metrics.record(method.as_str(), resp.status().as_u16());
    resp
}

/// What [`middleware`] answers for a request the framework refused before its handler ran.
fn refused_before_handler(status: StatusCode, lang: Lang, csrf: &str, path: &str) -> Response {
    let tr = Tr::new(lang);
    let too_large = status == StatusCode::PAYLOAD_TOO_LARGE;
    if path.starts_with("/api/") {
        let e = if too_large {
            crate::error::ApiError::too_large(tr)
        } else {
            crate::error::ApiError {
                status,
                body: crate::error::ErrorBody {
                    code: "bad_request".into(),
                    message: tr.get("error-bad-request"),
                    fields: vec![],
                },
            }
        };
        return axum::response::IntoResponse::into_response(e);
    }
    let ctx = Ctx {
        tr,
        csrf: csrf.to_owned(),
        user: None,
        applicant: None,
        session_token: None,
        path: path.to_owned(),
        store_failed: false,
    };
    let key = if too_large {
        "error-too-large-page"
    } else {
        "error-bad-request"
    };
    crate::pages::page_error(&ctx, status, key)
}
