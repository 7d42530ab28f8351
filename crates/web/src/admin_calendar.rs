//! The administration console's calendar: the days changed by decree on top of the shipped
//! calendar, and a change of one day (a day off, a working day, or back to the shipped
//! calendar) shown with the open cards whose terms it moves before it is applied. The use
//! case is `otinish_app::calendar`.

use crate::admin_pages::fail;
use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff, TokenOnly};
use crate::i18n::Tr;
use crate::pages::{render, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use otinish_app::calendar::{self, DayChange};
use otinish_app::Error;
use serde::Deserialize;

/// The most moves a preview lists (the count covers all of them).
const PREVIEW_ROWS: usize = 200;

#[derive(Debug, Deserialize, Default, Clone)]
pub struct ChangeIn {
    #[serde(default)]
    date: String,
    /// `off`, `working` or `shipped` (remove the day's edit).
    #[serde(default)]
    kind: String,
    /// The decree (number and date) that makes the change.
    #[serde(default)]
    reason: String,
    /// `1` applies the change previewed.
    #[serde(default)]
    confirm: String,
}

impl ChangeIn {
    /// The change, or the problems of the form (field, message key).
    fn change(&self) -> Result<DayChange, Vec<(&'static str, &'static str)>> {
        calendar::day_change(&self.date, &self.kind, &self.reason).map_err(|e| match e {
            Error::Invalid(p) => p.iter().map(|p| (p.field, p.key)).collect(),
            _ => vec![("date", "calendar-date-invalid")],
        })
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct CalendarQuery {
    #[serde(default)]
    applied: Option<String>,
    /// The edition just confirmed.
    #[serde(default)]
    confirmed: Option<String>,
}

/// One rulebook edition as the console lists it (GEN-01).
struct EditionRow {
    id: String,
    title: String,
    /// In force from (with "approximately" when the date is reckoned) and until.
    from: String,
    to: String,
    /// Confirmed, awaiting confirmation (and why), or as published.
    status: String,
    awaiting: bool,
}

/// One move of the preview: (card id, number, term, was, will be).
type MoveRow = (i64, String, String, String, String);

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage {
    t: Tr,
    layout: Layout,
    message: Option<String>,
    /// (date, ISO date, what the day is, source)
    edits: Vec<(String, String, String, String)>,
    problems: Vec<String>,
    typed: ChangeIn,
    /// The preview of the change typed: its summary, its moves, and how many are not listed.
    preview: Option<(String, Vec<MoveRow>, Option<String>)>,
    editions: Vec<EditionRow>,
    /// The years the shipped calendar covers whose transfers do not all name their act.
    unconfirmed_years: String,
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

async fn page(
    app: &crate::App,
    ctx: &Ctx,
    message: Option<String>,
    typed: ChangeIn,
    problems: Vec<String>,
    preview: Option<(String, Vec<MoveRow>, Option<String>)>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let jurisdiction = app.calendar.read().await.jurisdiction().to_owned();
    let edits = match app.store.calendar_edits(&jurisdiction).await {
        Ok(e) => e,
        Err(e) => return fail(ctx, e.into()),
    };
    let edits = edits
        .iter()
        .rev()
        .map(|e| {
            (
                dmy(e.date),
                e.date.to_string(),
                tr.get(if e.working {
                    "calendar-kind-working"
                } else {
                    "calendar-kind-off"
                }),
                e.reason.clone(),
            )
        })
        .collect();
    let confirmations = match app.store.edition_confirmations().await {
        Ok(c) => c,
        Err(e) => return fail(ctx, e.into()),
    };
    let editions = app
        .rulebooks
        .all()
        .iter()
        .map(|b| {
            let from = if b.effective_from_approximate {
                tr.with("edition-from-approx", &[("date", dmy(b.effective_from))])
            } else {
                dmy(b.effective_from)
            };
            let confirmation = confirmations.iter().find(|c| c.edition == b.id);
            let (status, awaiting) = match (&b.to_be_confirmed, confirmation) {
                (None, _) => (tr.get("edition-published"), false),
                (Some(_), Some(c)) => (
                    tr.with(
                        "edition-confirmed",
                        &[
                            ("date", crate::cabinet::local(app, c.confirmed_at)),
                            ("who", c.confirmed_by.clone()),
                        ],
                    ),
                    false,
                ),
                (Some(why), None) => (
                    format!("{} {}", tr.get("edition-awaiting"), why.get(tr.lang)),
                    true,
                ),
            };
            EditionRow {
                id: b.id.clone(),
                title: b.title.get(tr.lang).to_owned(),
                from,
                to: b.effective_to.map(dmy).unwrap_or_default(),
                status,
                awaiting,
            }
        })
        .collect();
    let years = app.calendar.read().await.unconfirmed_years();
    let unconfirmed_years = if years.is_empty() {
        tr.get("calendar-years-all-confirmed")
    } else {
        tr.with(
            "calendar-years-unconfirmed",
            &[("years", otinish_domain::calendar::year_list(&years))],
        )
    };
    let page = CalendarPage {
        t: tr,
        layout: Layout::new(app, ctx),
        message,
        edits,
        problems,
        typed,
        preview,
        editions,
        unconfirmed_years,
    };
    (status, render(page)).into_response()
}

pub async fn show(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<CalendarQuery>,
) -> Response {
    if let Err(e) = calendar::editor(&user) {
        return fail(&ctx, e);
    }
    let applied = q
        .applied
        .as_deref()
        .and_then(|n| n.parse::<u64>().ok())
        .map(|n| ctx.tr.with("calendar-applied", &[("count", n.to_string())]));
    // Only an edition the deployment knows is named back.
    let confirmed = q
        .confirmed
        .as_deref()
        .and_then(|id| app.rulebooks.get(id))
        .map(|b| {
            ctx.tr.with(
                "edition-confirmed-now",
                &[("title", b.title.get(ctx.tr.lang).to_owned())],
            )
        });
    let message = applied.or(confirmed);
    page(
        &app,
        &ctx,
        message,
        ChangeIn::default(),
        vec![],
        None,
        StatusCode::OK,
    )
    .await
}

/// Previews the change typed, or applies it when confirmed.
pub async fn change(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<ChangeIn>,
) -> Response {
    let actor = match calendar::editor(&user) {
        Ok(a) => a,
        Err(e) => return fail(&ctx, e),
    };
    let tr = ctx.tr;
    let label = |field: &str| tr.get(&format!("calendar-f-{field}"));
    let refused = |problems: Vec<(&str, &str)>| {
        problems
            .iter()
            .map(|(f, k)| format!("{}: {}", label(f), tr.get(k)))
            .collect::<Vec<_>>()
    };
    let change = match f.change() {
        Ok(c) => c,
        Err(p) => {
            let problems = refused(p);
            return page(
                &app,
                &ctx,
                None,
                f,
                problems,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let base = app.calendar.read().await.clone();
    if f.confirm == "1" {
        return match app.change_calendar_day(&base, &change, &actor).await {
            Ok(report) => {
                tracing::info!(
                    date = %change.date(),
                    cases = report.cases_changed,
                    staff = user.id,
                    "calendar changed"
                );
                Redirect::to(&format!(
                    "/staff/admin/calendar?applied={}",
                    report.cases_changed
                ))
                .into_response()
            }
            Err(Error::NotFound(_)) => {
                page(
                    &app,
                    &ctx,
                    None,
                    f,
                    refused(vec![("date", "calendar-no-edit")]),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(Error::Invalid(p)) => {
                let problems = refused(p.iter().map(|p| (p.field, p.key)).collect());
                page(
                    &app,
                    &ctx,
                    None,
                    f,
                    problems,
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            Err(e) => fail(&ctx, e),
        };
    }
    let now = app.clock.now();
    match calendar::preview(
        app.store.as_ref(),
        &app.rulebooks,
        &base,
        &change,
        now,
        PREVIEW_ROWS,
    )
    .await
    {
        Ok((moves, report)) => {
            let summary = tr.with(
                "calendar-preview-summary",
                &[
                    ("cases", report.cases_changed.to_string()),
                    ("checked", report.open_cases_checked.to_string()),
                    ("date", dmy(change.date())),
                ],
            );
            let rows: Vec<MoveRow> = moves
                .iter()
                .map(|m| {
                    (
                        m.card_id,
                        m.number.clone(),
                        Some(m.what.get(tr.lang).to_owned())
                            .filter(|w| !w.is_empty())
                            .unwrap_or_else(|| tr.get("term-unnamed")),
                        dmy(m.old_due),
                        dmy(m.new_due),
                    )
                })
                .collect();
            let more = report.deadlines_changed.saturating_sub(rows.len() as u64);
            let more = (more > 0)
                .then(|| tr.with("calendar-preview-more", &[("count", more.to_string())]));
            page(
                &app,
                &ctx,
                None,
                f,
                vec![],
                Some((summary, rows, more)),
                StatusCode::OK,
            )
            .await
        }
        Err(e) => fail(&ctx, e),
    }
}

/// GEN-01: the administrator confirms an edition marked "to be confirmed"; this node takes it
/// at once, the others at their next reload.
pub async fn confirm_edition(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    axum::extract::Path(id): axum::extract::Path<String>,
    CsrfForm(_): CsrfForm<TokenOnly>,
) -> Response {
    let now = app.clock.now();
    match otinish_app::editions::confirm(app.store.as_ref(), &app.rulebooks, &user, &id, now).await
    {
        Ok(_) => {
            if let Err(e) = app.reload_editions().await {
                tracing::warn!(error = %e, "confirmed editions not reloaded");
            }
            tracing::info!(edition = %id, staff = user.id, "rulebook edition confirmed");
            Redirect::to(&format!("/staff/admin/calendar?confirmed={id}")).into_response()
        }
        Err(Error::Refused { key, .. }) => {
            let problems = vec![ctx.tr.get(key)];
            page(
                &app,
                &ctx,
                None,
                ChangeIn::default(),
                problems,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&ctx, e),
    }
}
