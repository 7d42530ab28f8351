//! Handing a staff member's open cards over to another executor of their body: listed when
//! they are deactivated (or at any time, for someone away), and moved in one action. The use
//! case is `otinish_app::admin::{handover, reassign}`.

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
use otinish_app::admin;
use otinish_app::Error;
use otinish_domain::model::StaffUser;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
pub struct HandoverQuery {
    /// The staff member was just deactivated.
    #[serde(default)]
    deactivated: Option<String>,
    /// How many cards were just handed over.
    #[serde(default)]
    moved: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct HandoverIn {
    #[serde(default)]
    executor: String,
}

#[derive(Template)]
#[template(path = "admin_handover.html")]
struct HandoverPage {
    t: Tr,
    layout: Layout,
    title: String,
    message: Option<String>,
    problems: Vec<String>,
    action: String,
    /// (card id, number, state, received)
    cards: Vec<(i64, String, String, String)>,
    /// (id, name with the open cards they hold)
    executors: Vec<(i64, String)>,
    apply_label: String,
}

async fn page(
    app: &crate::App,
    ctx: &Ctx,
    user: &StaffUser,
    id: i64,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let h = match admin::handover(app.store.as_ref(), user, id).await {
        Ok(h) => h,
        Err(e) => return fail(ctx, e),
    };
    let page = HandoverPage {
        t: tr,
        layout: Layout::new(app, ctx),
        title: tr.with("handover-title", &[("name", h.staff.full_name.clone())]),
        message,
        problems,
        action: format!("/staff/admin/staff/{id}/cards"),
        apply_label: tr.with("handover-apply", &[("count", h.cards.len().to_string())]),
        cards: h
            .cards
            .iter()
            .map(|c| {
                (
                    c.id,
                    c.reference(),
                    crate::cabinet::state_text(tr, c.state),
                    crate::cabinet::local(app, c.received_at),
                )
            })
            .collect(),
        executors: h
            .executors
            .iter()
            .map(|(e, n)| {
                (
                    e.id,
                    tr.with(
                        "handover-executor",
                        &[("name", e.full_name.clone()), ("count", n.to_string())],
                    ),
                )
            })
            .collect(),
    };
    (status, render(page)).into_response()
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    Query(q): Query<HandoverQuery>,
) -> Response {
    let tr = ctx.tr;
    let message = if q.deactivated.is_some() {
        Some(tr.get("handover-deactivated"))
    } else {
        q.moved
            .as_deref()
            .and_then(|n| n.parse::<usize>().ok())
            .map(|n| tr.with("handover-moved", &[("count", n.to_string())]))
    };
    page(&app, &ctx, &user, id, message, vec![], StatusCode::OK).await
}

pub async fn reassign(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<HandoverIn>,
) -> Response {
    let to = f.executor.trim().parse::<i64>().unwrap_or(0);
    match admin::reassign(app.store.as_ref(), &user, id, to, app.clock.now()).await {
        Ok(n) => {
            tracing::info!(
                from = id,
                to,
                moved = n,
                staff = user.id,
                "cards handed over"
            );
            Redirect::to(&format!("/staff/admin/staff/{id}/cards?moved={n}")).into_response()
        }
        Err(Error::Invalid(p)) => {
            let problems = p
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        ctx.tr.get("handover-f-executor"),
                        ctx.tr.get(p.key)
                    )
                })
                .collect();
            page(
                &app,
                &ctx,
                &user,
                id,
                None,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&ctx, e),
    }
}
