//! Reception by videoconference, the pages: quarterly schedules (VC-01, VC-05, VC-06) and the
//! applicant's booking. The services are app's `vks` (re-exported here); who may act is the
//! domain's.
//!
//! Who does what: the body's reception secretary (or a head) drafts the schedule and its slots;
//! a head of the body approves it; the authorized body (operator) agrees it, which records its
//! receipt against the VC-06 term, publishes it, or returns it for corrections.

mod booking;
use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout};
use crate::{App, AppState};
use askama::Template;
use axum::extract::Query;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
pub use booking::*;
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
pub use otinish_app::vks::*;
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::repo::{Schedule, Slot, StoreError};
use otinish_domain::vks::{may_draft, may_see, may_step, schedule_late};
use otinish_domain::vks::{Quarter, ScheduleAction, ScheduleState, SlotDraft, SlotProblem};

fn state_text(tr: Tr, s: ScheduleState) -> String {
    tr.get(&format!("vks-state-{}", s.as_str()))
}

struct ScheduleRow {
    id: i64,
    body: String,
    quarter: String,
    state: String,
    due: String,
    late: bool,
}

#[derive(Template)]
#[template(path = "schedules.html")]
struct SchedulesPage {
    t: Tr,
    layout: Layout,
    rows: Vec<ScheduleRow>,
    can_start: bool,
    next_quarter: String,
    message: Option<String>,
}

async fn schedule_rows(app: &App, tr: Tr, list: &[Schedule]) -> Vec<ScheduleRow> {
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let mut out = Vec::new();
    for s in list {
        let body = app
            .store
            .body(s.body_id)
            .await
            .map(|b| b.name.get(tr.lang).to_owned())
            .unwrap_or_default();
        out.push(ScheduleRow {
            id: s.id,
            body,
            quarter: s.quarter.to_string(),
            state: state_text(tr, s.state),
            due: s
                .due_on
                .map(|d| d.format("%d.%m.%Y").to_string())
                .unwrap_or_default(),
            late: schedule_late(s, cal.zone(), today),
        });
    }
    out
}

async fn schedules_page(
    app: &App,
    ctx: &Ctx,
    user: &StaffUser,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let list = if user.has_role(Role::Operator) {
        // The authorized body's queue: what awaits agreement or publication.
        let mut v = app
            .store
            .schedules_in_state(ScheduleState::Approved)
            .await
            .unwrap_or_default();
        v.extend(
            app.store
                .schedules_in_state(ScheduleState::Agreed)
                .await
                .unwrap_or_default(),
        );
        v
    } else if let Some(body_id) = user.body_id.filter(|b| may_draft(user, *b)) {
        app.store
            .schedules_of_body(body_id)
            .await
            .unwrap_or_default()
    } else {
        return page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let today = app.calendar.read().await.zone().local_date(app.clock.now());
    let can_start = user.body_id.is_some_and(|b| may_draft(user, b));
    let mut r = render(SchedulesPage {
        t: tr,
        layout: Layout::new(app, ctx),
        rows: schedule_rows(app, tr, &list).await,
        can_start,
        next_quarter: Quarter::containing(today).next().to_string(),
        message,
    });
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

/// The body's schedules, or the authorized body's queue.
pub async fn schedules(State(app): State<AppState>, ctx: Ctx, Staff(user): Staff) -> Response {
    schedules_page(&app, &ctx, &user, None, StatusCode::OK).await
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct StartForm {
    #[serde(default)]
    quarter: String,
}

pub async fn start(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<StartForm>,
) -> Response {
    match app.start_schedule(&user, &f.quarter).await {
        Ok(id) => Redirect::to(&format!("/staff/schedules/{id}")).into_response(),
        Err(VksError::Forbidden) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(e @ VksError::Store(_)) => {
            tracing::error!(error = ?e, "starting a schedule failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let text = ctx.tr.get(e.message_key());
            schedules_page(
                &app,
                &ctx,
                &user,
                Some(text),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

struct SlotRow {
    index: usize,
    date: String,
    time: String,
    minutes: String,
    official: String,
    vks: bool,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "schedule.html")]
struct SchedulePage {
    t: Tr,
    layout: Layout,
    id: i64,
    body: String,
    quarter: String,
    state: String,
    due: String,
    late: bool,
    editable: bool,
    rows: Vec<SlotRow>,
    officials: Vec<(String, String)>,
    actions: Vec<(String, String)>,
    message: Option<(String, bool)>,
    /// VC-01: absences of the body's officials touching the quarter.
    absences: Vec<String>,
    can_absence: bool,
}

/// Blank rows offered below the slots for adding more.
const BLANK_ROWS: usize = 5;

fn rows_of(slots: &[Slot]) -> Vec<SlotRow> {
    slots
        .iter()
        .enumerate()
        .map(|(i, s)| SlotRow {
            index: i,
            date: s.starts.date().format("%Y-%m-%d").to_string(),
            time: s.starts.time().format("%H:%M").to_string(),
            minutes: s.minutes.to_string(),
            official: s.official_id.to_string(),
            vks: s.vks,
            error: None,
        })
        .collect()
}

async fn schedule_page(
    app: &App,
    ctx: &Ctx,
    user: &StaffUser,
    id: i64,
    typed: Option<Vec<SlotRow>>,
    message: Option<(String, bool)>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let Ok(s) = app.store.schedule(id).await else {
        return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    if !may_see(user, s.body_id) {
        return page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let body = app
        .store
        .body(s.body_id)
        .await
        .map(|b| b.name.get(tr.lang).to_owned())
        .unwrap_or_default();
    let officials = app.store.officials(s.body_id).await.unwrap_or_default();
    let editable = s.state.editable() && may_draft(user, s.body_id);
    let mut rows = match typed {
        Some(rows) => rows,
        None => rows_of(&app.store.slots(id).await.unwrap_or_default()),
    };
    if editable {
        let n = rows.len();
        rows.extend((n..n + BLANK_ROWS).map(|i| SlotRow {
            index: i,
            date: String::new(),
            time: String::new(),
            minutes: "30".into(),
            official: String::new(),
            vks: true,
            error: None,
        }));
    }
    let actions = ScheduleAction::ALL
        .iter()
        .filter(|a| s.state.apply(**a).is_ok() && may_step(user, s.body_id, **a))
        .map(|a| {
            (
                a.as_str().to_owned(),
                tr.get(&format!("vks-action-{}", a.as_str())),
            )
        })
        .collect();
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let absences = officials
        .iter()
        .flat_map(|o| {
            o.absences
                .iter()
                .filter(|a| a.to >= s.quarter.first_day() && a.from <= s.quarter.last_day())
                .map(move |a| {
                    format!(
                        "{}: {} — {} ({})",
                        o.full_name,
                        a.from.format("%d.%m.%Y"),
                        a.to.format("%d.%m.%Y"),
                        a.reason
                    )
                })
        })
        .collect();
    let mut r = render(SchedulePage {
        absences,
        can_absence: may_draft(user, s.body_id),
        t: tr,
        layout: Layout::new(app, ctx),
        id,
        body,
        quarter: s.quarter.to_string(),
        state: state_text(tr, s.state),
        due: s
            .due_on
            .map(|d| d.format("%d.%m.%Y").to_string())
            .unwrap_or_default(),
        late: schedule_late(&s, cal.zone(), today),
        editable,
        rows,
        officials: officials
            .iter()
            .map(|o| {
                (
                    o.id.to_string(),
                    format!("{} — {}", o.full_name, o.position.get(tr.lang)),
                )
            })
            .collect(),
        actions,
        message,
    });
    if r.status() == StatusCode::OK {
        *r.status_mut() = status;
    }
    r
}

pub async fn schedule(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
) -> Response {
    schedule_page(&app, &ctx, &user, id, None, None, StatusCode::OK).await
}

/// Reads the slot rows of the editor (`date_N`, `time_N`, `minutes_N`, `official_N`,
/// `vks_N`); rows left blank are skipped. Returns the rows as typed and the drafts, or the
/// row problems of what cannot even be read.
fn read_rows(fields: &[(String, String)]) -> (Vec<SlotRow>, Vec<SlotDraft>, Vec<SlotProblem>) {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut typed = Vec::new();
    let mut drafts = Vec::new();
    let mut problems = Vec::new();
    for i in 0..200 {
        let (date, time) = (get(&format!("date_{i}")), get(&format!("time_{i}")));
        let official = get(&format!("official_{i}"));
        let minutes = get(&format!("minutes_{i}"));
        let vks = fields.iter().any(|(k, _)| k == &format!("vks_{i}"));
        if date.is_empty() && time.is_empty() && official.is_empty() {
            continue;
        }
        let row = typed.len();
        typed.push(SlotRow {
            index: row,
            date: date.clone(),
            time: time.clone(),
            minutes: minutes.clone(),
            official: official.clone(),
            vks,
            error: None,
        });
        let starts = NaiveDate::parse_from_str(&date, "%Y-%m-%d")
            .ok()
            .zip(NaiveTime::parse_from_str(&time, "%H:%M").ok())
            .map(|(d, t)| NaiveDateTime::new(d, t));
        match (
            starts,
            official.parse::<i64>().ok(),
            minutes.parse::<u32>().ok(),
        ) {
            (Some(starts), Some(official_id), Some(minutes)) => drafts.push(SlotDraft {
                official_id,
                starts,
                minutes,
                vks,
            }),
            (None, _, _) => problems.push(SlotProblem {
                index: row,
                key: "vks-slot-when-invalid",
            }),
            (_, None, _) => problems.push(SlotProblem {
                index: row,
                key: "vks-slot-official-unknown",
            }),
            (_, _, None) => problems.push(SlotProblem {
                index: row,
                key: "vks-slot-length",
            }),
        }
    }
    (typed, drafts, problems)
}

pub async fn save(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let tr = ctx.tr;
    let (mut typed, drafts, unreadable) = read_rows(&fields);
    let result = if unreadable.is_empty() {
        app.save_slots(&user, id, &drafts).await
    } else {
        Err(VksError::Slots(unreadable))
    };
    match result {
        Ok(()) => Redirect::to(&format!("/staff/schedules/{id}?saved=1")).into_response(),
        Err(VksError::Forbidden) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(VksError::NotFound) => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
        Err(VksError::Slots(problems)) => {
            for p in &problems {
                if let Some(row) = typed.get_mut(p.index) {
                    row.error = Some(tr.get(p.key));
                }
            }
            let text = tr.get("vks-slots-invalid");
            schedule_page(
                &app,
                &ctx,
                &user,
                id,
                Some(typed),
                Some((text, true)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e @ VksError::Store(_)) => {
            tracing::error!(error = ?e, schedule = id, "saving slots failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let text = tr.get(e.message_key());
            schedule_page(
                &app,
                &ctx,
                &user,
                id,
                None,
                Some((text, true)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    action: String,
}

pub async fn step(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<StepForm>,
) -> Response {
    let Some(action) = ScheduleAction::parse(&f.action) else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    match app.schedule_step(&user, id, action).await {
        Ok(_) => Redirect::to(&format!("/staff/schedules/{id}")).into_response(),
        Err(VksError::Forbidden) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(VksError::NotFound) => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
        Err(e @ VksError::Store(_)) => {
            tracing::error!(error = ?e, schedule = id, "schedule step failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let text = ctx.tr.get(e.message_key());
            schedule_page(
                &app,
                &ctx,
                &user,
                id,
                None,
                Some((text, true)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

struct PublicSlot {
    when: String,
    official: String,
    minutes: u32,
    free: bool,
}

#[derive(Template)]
#[template(path = "public_schedule.html")]
struct PublicSchedulePage {
    t: Tr,
    layout: Layout,
    body: String,
    schedules: Vec<(String, Vec<PublicSlot>)>,
}

/// VC-02, VC-06: a body's published schedules, with the VKS slots still to come and whether
/// each is free. Open to everyone.
pub async fn public_schedule(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
) -> Response {
    let tr = ctx.tr;
    let body = match app.store.body_by_code(&code).await {
        Ok(b) => b,
        Err(StoreError::NotFound(_)) => {
            return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found")
        }
        Err(e) => {
            tracing::warn!(error = %e, "body not read");
            return page_error(&ctx, StatusCode::SERVICE_UNAVAILABLE, "error-internal");
        }
    };
    // A closed body holds no receptions: its old timetable is not offered.
    if !body.is_open() {
        return page_error(&ctx, StatusCode::GONE, "err-body-closed");
    }
    let now = {
        let cal = app.calendar.read().await;
        app.clock.now().with_timezone(&cal.zone().tz).naive_local()
    };
    let officials = app.store.officials(body.id).await.unwrap_or_default();
    let mut schedules = Vec::new();
    for s in app
        .store
        .schedules_of_body(body.id)
        .await
        .unwrap_or_default()
    {
        if s.state != ScheduleState::Published || s.quarter.last_day() < now.date() {
            continue;
        }
        let slots = app
            .store
            .slots(s.id)
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|x| x.vks && x.starts > now)
            .map(|x| PublicSlot {
                when: x.starts.format("%d.%m.%Y %H:%M").to_string(),
                official: officials
                    .iter()
                    .find(|o| o.id == x.official_id)
                    .map(|o| format!("{}, {}", o.full_name, o.position.get(tr.lang)))
                    .unwrap_or_default(),
                minutes: x.minutes,
                free: !x.booked,
            })
            .collect();
        schedules.push((s.quarter.to_string(), slots));
    }
    schedules.reverse();
    render(PublicSchedulePage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        body: body.name.get(tr.lang).to_owned(),
        schedules,
    })
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct InboxQuery {
    page: Option<String>,
}

/// VC-04: the body's "online reception (secretary)" inbox: VKS requests not yet closed.
pub async fn reception_inbox(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<InboxQuery>,
) -> Response {
    let Some(body_id) = user.body_id.filter(|b| may_draft(&user, *b)) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000);
    let req = otinish_domain::repo::PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let open: Vec<otinish_domain::model::CardState> = otinish_domain::model::CardState::ALL
        .iter()
        .copied()
        .filter(|s| !s.is_closed())
        .collect();
    match app
        .store
        .channel_inbox(body_id, otinish_domain::model::Channel::Vks, &open, req)
        .await
    {
        Ok(page) => {
            crate::desk::card_list_page(
                &app,
                &ctx,
                ctx.tr.get("vks-inbox"),
                &page.items,
                page.total,
                req,
            )
            .await
        }
        Err(_) => page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
    }
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct AbsenceForm {
    #[serde(default)]
    official: String,
    #[serde(default)]
    absence_from: String,
    #[serde(default)]
    absence_to: String,
    #[serde(default)]
    absence_reason: String,
}

/// VC-01: the schedule page's absence form.
pub async fn absence(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<AbsenceForm>,
) -> Response {
    let day = |v: &str| NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d").ok();
    let checked = otinish_domain::vks::check_absence(
        day(&f.absence_from),
        day(&f.absence_to),
        &f.absence_reason,
    );
    let result = match (checked, f.official.trim().parse::<i64>()) {
        (Ok(a), Ok(official)) => app.add_absence(&user, official, &a).await,
        (Err(p), _) => Err(VksError::Invalid(p)),
        (_, Err(_)) => Err(VksError::NotFound),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/staff/schedules/{id}")).into_response(),
        Err(VksError::Forbidden) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(VksError::Invalid(p)) => {
            let text = p
                .iter()
                .map(|x| ctx.tr.get(x.key))
                .collect::<Vec<_>>()
                .join(" ");
            schedule_page(
                &app,
                &ctx,
                &user,
                id,
                None,
                Some((text, true)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(_) => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    }
}
