//! EA-16 in the administration console: the announcements shown on every page (planned
//! outages and the like), made and withdrawn here as `otinish announce` does. The use case is
//! `otinish_app::announce`.

use crate::admin_pages::fail;
use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff, TokenOnly};
use crate::i18n::Tr;
use crate::pages::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, NaiveDateTime, Utc};
use otinish_app::announce::{self, NewAnnouncement};
use otinish_app::Error;
use serde::Deserialize;

#[derive(Debug, Deserialize, Default)]
pub struct AnnounceIn {
    /// Local time, as a datetime-local field sends it.
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    kk: String,
    #[serde(default)]
    ru: String,
    #[serde(default)]
    en: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct AnnounceQuery {
    /// `added` or `withdrawn`.
    #[serde(default)]
    done: Option<String>,
}

#[derive(Template)]
#[template(path = "admin_announce.html")]
struct AnnouncePage {
    t: Tr,
    layout: Layout,
    message: Option<String>,
    /// (id, from, to, text in the reader's language)
    list: Vec<(i64, String, String, String)>,
    problems: Vec<String>,
    typed: AnnounceIn,
}

/// A datetime-local value in the deployment's zone, as a moment.
async fn moment(app: &crate::App, v: &str) -> Option<DateTime<Utc>> {
    let local = NaiveDateTime::parse_from_str(v.trim(), "%Y-%m-%dT%H:%M").ok()?;
    Some(app.calendar.read().await.zone().utc(local))
}

async fn page(
    app: &crate::App,
    ctx: &Ctx,
    message: Option<String>,
    typed: AnnounceIn,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let list = match announce::list(app.store.as_ref(), app.clock.now()).await {
        Ok(l) => l,
        Err(e) => return fail(ctx, e),
    };
    let page = AnnouncePage {
        t: tr,
        layout: Layout::new(app, ctx),
        message,
        list: list
            .iter()
            .map(|a| {
                (
                    a.id,
                    crate::cabinet::local(app, a.starts_at),
                    crate::cabinet::local(app, a.ends_at),
                    a.text.get(tr.lang).to_owned(),
                )
            })
            .collect(),
        problems,
        typed,
    };
    (status, render(page)).into_response()
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<AnnounceQuery>,
) -> Response {
    if let Err(e) = announce::announcer(&user) {
        return fail(&ctx, e);
    }
    let message = match q.done.as_deref() {
        Some("added") => Some(ctx.tr.get("announce-added")),
        Some("withdrawn") => Some(ctx.tr.get("announce-withdrawn")),
        _ => None,
    };
    page(
        &app,
        &ctx,
        message,
        AnnounceIn::default(),
        vec![],
        StatusCode::OK,
    )
    .await
}

pub async fn add(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<AnnounceIn>,
) -> Response {
    let actor = match announce::announcer(&user) {
        Ok(a) => a,
        Err(e) => return fail(&ctx, e),
    };
    let new = NewAnnouncement {
        from: moment(&app, &f.from).await,
        to: moment(&app, &f.to).await,
        kk: f.kk.clone(),
        ru: f.ru.clone(),
        en: f.en.clone(),
    };
    match announce::add(app.store.as_ref(), &actor, &new, app.clock.now()).await {
        Ok(id) => {
            tracing::info!(announcement = id, staff = user.id, "announcement added");
            app.forget_announcements().await;
            Redirect::to("/staff/admin/announcements?done=added").into_response()
        }
        Err(Error::Invalid(p)) => {
            let tr = ctx.tr;
            let problems = p
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        tr.get(&format!("announce-f-{}", p.field)),
                        tr.get(p.key)
                    )
                })
                .collect();
            page(
                &app,
                &ctx,
                None,
                f,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&ctx, e),
    }
}

pub async fn withdraw(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<TokenOnly>,
) -> Response {
    let actor = match announce::announcer(&user) {
        Ok(a) => a,
        Err(e) => return fail(&ctx, e),
    };
    match announce::withdraw(app.store.as_ref(), &actor, id, app.clock.now()).await {
        Ok(()) => {
            app.forget_announcements().await;
            Redirect::to("/staff/admin/announcements?done=withdrawn").into_response()
        }
        Err(e) => fail(&ctx, e),
    }
}
