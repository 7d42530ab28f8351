//! Where a staff member is signed in: their sessions, each with where and when it was opened,
//! and ending one or all of them; an administrator sees and ends those of the staff within
//! their scope. The use case (and who may) is `otinish_app::sessions`.

use crate::admin_pages::fail;
use crate::context::{token_hash, Ctx};
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_app::sessions::{self, End};
use otinish_domain::model::StaffUser;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
pub struct SessionsQuery {
    /// How many sessions were just ended.
    #[serde(default)]
    ended: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct EndIn {
    /// The session to end (its token's hash).
    #[serde(default)]
    session: String,
    /// `1` ends every session.
    #[serde(default)]
    all: String,
}

/// A session as listed: (its id, opened, from, browser, until, the one in use).
type Row = (String, String, String, String, String, bool);

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    t: Tr,
    layout: Layout,
    title: String,
    message: Option<String>,
    action: String,
    rows: Vec<Row>,
}

/// The browser and system a User-Agent names, as people call them.
fn browser_of(tr: Tr, ua: &str) -> String {
    let browser = [
        ("YaBrowser/", "Yandex Browser"),
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(m, _)| ua.contains(m))
    .map(|(_, n)| *n);
    let system = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(m, _)| ua.contains(m))
    .map(|(_, n)| *n);
    match (browser, system) {
        (Some(b), Some(s)) => format!("{b}, {s}"),
        (Some(b), None) => b.to_owned(),
        (None, Some(s)) => s.to_owned(),
        (None, None) => tr.get("sessions-unknown-browser"),
    }
}

async fn show(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    staff_id: i64,
    action: String,
    q: &SessionsQuery,
) -> Response {
    let tr = ctx.tr;
    let (target, list) =
        match sessions::list(app.store.as_ref(), user, staff_id, app.clock.now()).await {
            Ok(l) => l,
            Err(e) => return fail(ctx, e),
        };
    let current = ctx.session_token.as_deref().map(token_hash);
    let rows = list
        .iter()
        .map(|s| {
            (
                s.token_hash.clone(),
                crate::cabinet::local(app, s.created_at),
                match s.client_ip.as_str() {
                    // `local`: no connection to take an address from (in-process calls).
                    "" | "local" => tr.get("sessions-unknown-address"),
                    ip => ip.to_owned(),
                },
                browser_of(tr, &s.user_agent),
                crate::cabinet::local(app, s.expires_at),
                current.as_deref() == Some(s.token_hash.as_str()),
            )
        })
        .collect();
    let title = if target.id == user.id {
        tr.get("sessions-title")
    } else {
        tr.with("sessions-title-of", &[("name", target.full_name.clone())])
    };
    let message = q
        .ended
        .as_deref()
        .and_then(|n| n.parse::<u64>().ok())
        .map(|n| tr.with("sessions-ended", &[("count", n.to_string())]));
    let page = SessionsPage {
        t: tr,
        layout: Layout::new(app, ctx),
        title,
        message,
        action,
        rows,
    };
    (StatusCode::OK, render(page)).into_response()
}

async fn end(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    staff_id: i64,
    back: &str,
    f: &EndIn,
) -> Response {
    let which = if f.all == "1" {
        End::All
    } else {
        End::One(f.session.trim())
    };
    let current = ctx.session_token.as_deref().map(token_hash);
    let ends_mine = staff_id == user.id
        && match &which {
            End::All => true,
            End::One(h) => current.as_deref() == Some(*h),
        };
    match sessions::end(app.store.as_ref(), user, staff_id, which, app.clock.now()).await {
        Ok(n) => {
            tracing::info!(staff = user.id, of = staff_id, ended = n, "sessions ended");
            if ends_mine {
                // The session in use is gone: signing in again is the way back.
                Redirect::to("/staff/login").into_response()
            } else {
                Redirect::to(&format!("{back}?ended={n}")).into_response()
            }
        }
        Err(e) => fail(ctx, e),
    }
}

/// The signed-in staff member's own sessions.
pub async fn mine(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<SessionsQuery>,
) -> Response {
    show(&app, &ctx, &user, user.id, "/staff/sessions".into(), &q).await
}

pub async fn end_mine(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<EndIn>,
) -> Response {
    end(&app, &ctx, &user, user.id, "/staff/sessions", &f).await
}

/// A staff member's sessions, for an administrator.
pub async fn of_staff(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    Query(q): Query<SessionsQuery>,
) -> Response {
    show(
        &app,
        &ctx,
        &user,
        id,
        format!("/staff/admin/staff/{id}/sessions"),
        &q,
    )
    .await
}

pub async fn end_of_staff(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<EndIn>,
) -> Response {
    let back = format!("/staff/admin/staff/{id}/sessions");
    end(&app, &ctx, &user, id, &back, &f).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use otinish_domain::lang::Lang;

    #[test]
    fn browsers_are_named_as_people_call_them() {
        let tr = Tr { lang: Lang::Ru };
        let chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(browser_of(tr, chrome), "Chrome, Windows");
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0";
        assert_eq!(browser_of(tr, edge), "Edge, Windows");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(browser_of(tr, iphone), "Safari, iOS");
        let yandex = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 YaBrowser/24.4.0.0 Mobile Safari/537.36";
        assert_eq!(browser_of(tr, yandex), "Yandex Browser, Android");
        assert_eq!(browser_of(tr, ""), "неизвестный браузер");
    }
}
