//! Notices given up for good, for the deployment's administrator: listed (addresses masked),
//! sent again or dismissed. The use case is `otinish_app::notices`.

use crate::admin_pages::fail;
use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_app::notices;
use otinish_domain::model::StaffUser;
use otinish_domain::repo::PageRequest;
use serde::Deserialize;

const PAGE: u32 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct NoticesQuery {
    #[serde(default)]
    page: Option<String>,
    /// `retried` or `dismissed`.
    #[serde(default)]
    done: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ActIn {}

/// (id, created, subject, channel, to, tries, reason)
type Row = (i64, String, String, String, String, String, String);

#[derive(Template)]
#[template(path = "admin_notices.html")]
struct NoticesPage {
    t: Tr,
    layout: Layout,
    message: Option<String>,
    caption: String,
    rows: Vec<Row>,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<NoticesQuery>,
) -> Response {
    let tr = ctx.tr;
    let page_no: u32 = q
        .page
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .clamp(1, 100_000);
    let req = PageRequest::new(Some(PAGE), Some((page_no - 1) * PAGE));
    let page = match notices::dead(app.store.as_ref(), &user, req).await {
        Ok(p) => p,
        Err(e) => return fail(&ctx, e),
    };
    let rows = page
        .items
        .iter()
        .map(|n| {
            (
                n.id,
                crate::cabinet::local(&app, n.created_at),
                n.subject.clone(),
                tr.get(&format!("channel-{}", n.channel)),
                n.address
                    .as_deref()
                    .map(notices::masked)
                    .unwrap_or_default(),
                tr.with("notices-tries", &[("count", n.attempts.to_string())]),
                n.last_error
                    .as_deref()
                    .map(|e| notices::masked_reason(e, n.address.as_deref()))
                    .unwrap_or_default(),
            )
        })
        .collect();
    let pages = (page.total.max(0) as u32).div_ceil(PAGE).max(1);
    let href = |p: u32| format!("/staff/admin/notices?page={p}");
    let message = match q.done.as_deref() {
        Some("retried") => Some(tr.get("notices-retried")),
        Some("dismissed") => Some(tr.get("notices-dismissed")),
        _ => None,
    };
    let view = NoticesPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        message,
        caption: tr.with("admin-count", &[("total", page.total.to_string())]),
        rows,
        prev: (page_no > 1).then(|| href(page_no - 1)),
        next: (page_no < pages).then(|| href(page_no + 1)),
    };
    (StatusCode::OK, render(view)).into_response()
}

async fn act(app: AppState, ctx: Ctx, user: &StaffUser, id: i64, retry: bool) -> Response {
    let now = app.clock.now();
    let done = if retry {
        notices::retry(app.store.as_ref(), user, id, now).await
    } else {
        notices::dismiss(app.store.as_ref(), user, id, now).await
    };
    match done {
        Ok(()) => {
            tracing::info!(notice = id, retry, staff = user.id, "dead notice handled");
            let what = if retry { "retried" } else { "dismissed" };
            Redirect::to(&format!("/staff/admin/notices?done={what}")).into_response()
        }
        Err(e) => fail(&ctx, e),
    }
}

pub async fn retry(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<ActIn>,
) -> Response {
    act(app, ctx, &user, id, true).await
}

pub async fn dismiss(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<ActIn>,
) -> Response {
    act(app, ctx, &user, id, false).await
}
