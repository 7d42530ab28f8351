//! Background jobs, for the deployment's administrator: how many of each kind wait, run and
//! are dead, and the dead ones (reasons with addresses masked), each sent again or dismissed.
//! The use case is `otinish_app::jobs`.

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
use otinish_app::jobs;
use otinish_domain::job::{JobKind, JobState};
use otinish_domain::model::StaffUser;
use otinish_domain::repo::PageRequest;
use serde::Deserialize;

const PAGE: u32 = 50;

#[derive(Debug, Deserialize, Default)]
pub struct JobsQuery {
    #[serde(default)]
    page: Option<String>,
    /// `retried` or `dismissed`.
    #[serde(default)]
    done: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct ActIn {}

/// One kind: its name, and how many wait, run and are dead.
type CountRow = (String, i64, i64, i64);

/// One dead job.
struct DeadRow {
    id: i64,
    kind: String,
    created: String,
    tries: String,
    reason: String,
    /// The notice page's address, for a notice job.
    notice: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_jobs.html")]
struct JobsPage {
    t: Tr,
    layout: Layout,
    message: Option<String>,
    counts: Vec<CountRow>,
    caption: String,
    rows: Vec<DeadRow>,
    prev: Option<String>,
    next: Option<String>,
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<JobsQuery>,
) -> Response {
    let tr = ctx.tr;
    let page_no: u32 = match q.page.as_deref().map(str::parse::<u32>) {
        None => 1,
        Some(Ok(p)) if (1..=100_000).contains(&p) => p,
        Some(_) => {
            return crate::pages::page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request")
        }
    };
    let message = match q.done.as_deref() {
        None => None,
        Some("retried") => Some(tr.get("jobs-retried")),
        Some("dismissed") => Some(tr.get("jobs-dismissed")),
        Some(_) => {
            return crate::pages::page_error(&ctx, StatusCode::BAD_REQUEST, "error-bad-request")
        }
    };
    let store = app.store.as_ref();
    let counts = match jobs::counts(store, &user).await {
        Ok(c) => c,
        Err(e) => return fail(&ctx, e),
    };
    let req = PageRequest::new(Some(PAGE), Some((page_no - 1) * PAGE));
    let page = match jobs::dead(store, &user, req).await {
        Ok(p) => p,
        Err(e) => return fail(&ctx, e),
    };
    let of = |kind: JobKind, state: JobState| {
        counts
            .iter()
            .filter(|c| c.kind == kind && c.state == state)
            .map(|c| c.count)
            .sum::<i64>()
    };
    let counts = JobKind::ALL
        .iter()
        .map(|&k| {
            (
                tr.get(&format!("job-kind-{k}")),
                of(k, JobState::Ready),
                of(k, JobState::Running),
                of(k, JobState::Dead),
            )
        })
        .collect();
    let rows = page
        .items
        .iter()
        .map(|d| DeadRow {
            id: d.job.id,
            kind: tr.get(&format!("job-kind-{}", d.job.kind)),
            created: crate::cabinet::local(&app, d.job.created_at),
            tries: tr.with("notices-tries", &[("count", d.job.attempts.to_string())]),
            reason: d.reason.clone().unwrap_or_default(),
            notice: d.notice.map(|_| "/staff/admin/notices".to_owned()),
        })
        .collect();
    let pages = (page.total.max(0) as u32).div_ceil(PAGE).max(1);
    let href = |p: u32| format!("/staff/admin/jobs?page={p}");
    let view = JobsPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        message,
        counts,
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
        jobs::retry(app.store.as_ref(), user, id, now).await
    } else {
        jobs::dismiss(app.store.as_ref(), user, id, now).await
    };
    match done {
        Ok(()) => {
            tracing::info!(job = id, retry, staff = user.id, "dead job handled");
            let what = if retry { "retried" } else { "dismissed" };
            Redirect::to(&format!("/staff/admin/jobs?done={what}")).into_response()
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
