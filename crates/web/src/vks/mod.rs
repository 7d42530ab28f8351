//! Reception by videoconference: quarterly schedules (VC-01, VC-05, VC-06). The services
//! sequence the domain's checks and the store's writes; the pages show and take them.
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
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::repo::{Schedule, ScheduleStep, Slot, StoreError};
use otinish_domain::vks::{
    check_slots, has_first_head, schedule_due, Quarter, ScheduleAction, ScheduleState, SlotDraft,
    SlotProblem,
};

#[derive(Debug)]
pub enum VksError {
    Forbidden,
    NotFound,
    BadQuarter,
    Exists,
    /// Problems with the slots, by row.
    Slots(Vec<SlotProblem>),
    /// A schedule is approved only with slots, one of them the first head's (VC-01).
    NoFirstHead,
    /// The step does not apply to the schedule as it is.
    NotAllowed,
    /// The request's signature does not verify.
    Signature(otinish_pki::VerifyError),
    /// Signed with somebody else's key.
    NotYourSignature,
    /// The signed document is not a reception request.
    NotARequest,
    /// The form's problems (VC-03).
    Invalid(Vec<otinish_domain::appeal::FieldProblem>),
    /// Somebody booked the slot first.
    SlotTaken,
    /// The slot is not open for booking (not published, not by VKS, or past).
    SlotClosed,
    Store(StoreError),
}

impl From<StoreError> for VksError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => VksError::NotFound,
            StoreError::Conflict(_) => VksError::Exists,
            StoreError::Stale(_) => VksError::NotAllowed,
            other => VksError::Store(other),
        }
    }
}

impl VksError {
    fn message_key(&self) -> &'static str {
        match self {
            VksError::Forbidden => "error-forbidden",
            VksError::NotFound => "error-not-found",
            VksError::BadQuarter => "vks-quarter-invalid",
            VksError::Exists => "vks-schedule-exists",
            VksError::Slots(_) => "vks-slots-invalid",
            VksError::NoFirstHead => "vks-schedule-no-first-head",
            VksError::NotAllowed => "vks-step-not-allowed",
            VksError::Signature(_) => "vks-signature-invalid",
            VksError::NotYourSignature => "err-not-your-signature",
            VksError::NotARequest => "vks-not-a-request",
            VksError::Invalid(_) => "vks-request-invalid",
            VksError::SlotTaken => "vks-slot-taken",
            VksError::SlotClosed => "vks-slot-closed",
            VksError::Store(_) => "error-internal",
        }
    }
}

/// Drafting is for the body's reception secretary or head.
fn may_draft(user: &StaffUser, body_id: i64) -> bool {
    user.active
        && user.body_id == Some(body_id)
        && (user.has_role(Role::ReceptionSecretary) || user.has_role(Role::Head))
}

/// Whether `user` may take `action` on a schedule of `body_id`.
fn may_step(user: &StaffUser, body_id: i64, action: ScheduleAction) -> bool {
    let role = action.role();
    user.active && user.has_role(role) && (role != Role::Head || user.body_id == Some(body_id))
}

/// Who may open a schedule: the body's drafters and heads, and the authorized body.
fn may_see(user: &StaffUser, body_id: i64) -> bool {
    may_draft(user, body_id) || (user.active && user.has_role(Role::Operator))
}

impl App {
    /// Starts the body's schedule for `quarter` (`2026-Q3`), with its VC-06 due day.
    pub async fn start_schedule(&self, user: &StaffUser, quarter: &str) -> Result<i64, VksError> {
        let body_id = user.body_id.ok_or(VksError::Forbidden)?;
        if !may_draft(user, body_id) {
            return Err(VksError::Forbidden);
        }
        let quarter = Quarter::parse(quarter).ok_or(VksError::BadQuarter)?;
        let now = self.clock.now();
        let cal = self.calendar.read().await.clone();
        let today = cal.zone().local_date(now);
        if quarter.last_day() < today {
            return Err(VksError::BadQuarter);
        }
        let due = schedule_due(&self.rulebooks, &cal, quarter, today)
            .ok()
            .flatten()
            .map(|d| d.due_on);
        let s = self
            .store
            .create_schedule(
                body_id,
                quarter,
                user.id,
                due,
                JournalDraft::new(now, format!("staff:{}", user.id), "", "schedule_drafted")
                    .details(format!("{{\"quarter\":\"{quarter}\"}}")),
            )
            .await?;
        Ok(s.id)
    }

    /// Replaces the draft's slots after checking them (VC-01, VC-05).
    pub async fn save_slots(
        &self,
        user: &StaffUser,
        schedule_id: i64,
        slots: &[SlotDraft],
    ) -> Result<(), VksError> {
        let s = self.store.schedule(schedule_id).await?;
        if !may_draft(user, s.body_id) {
            return Err(VksError::Forbidden);
        }
        if !s.state.editable() {
            return Err(VksError::NotAllowed);
        }
        let officials = self.store.officials(s.body_id).await?;
        let cal = self.calendar.read().await.clone();
        let problems = check_slots(s.quarter, slots, &officials, &cal);
        if !problems.is_empty() {
            return Err(VksError::Slots(problems));
        }
        let now = self.clock.now();
        self.store
            .replace_slots(
                schedule_id,
                ScheduleState::Draft,
                slots,
                JournalDraft::new(now, format!("staff:{}", user.id), "", "schedule_slots")
                    .details(format!("{{\"slots\":{}}}", slots.len())),
            )
            .await?;
        Ok(())
    }

    /// Approves, agrees, publishes or returns a schedule (VC-05, VC-06).
    pub async fn schedule_step(
        &self,
        user: &StaffUser,
        schedule_id: i64,
        action: ScheduleAction,
    ) -> Result<ScheduleState, VksError> {
        let s = self.store.schedule(schedule_id).await?;
        if !may_step(user, s.body_id, action) {
            return Err(VksError::Forbidden);
        }
        let to = s.state.apply(action).map_err(|_| VksError::NotAllowed)?;
        if action == ScheduleAction::Approve {
            let officials = self.store.officials(s.body_id).await?;
            let drafts: Vec<SlotDraft> = self
                .store
                .slots(schedule_id)
                .await?
                .iter()
                .map(|x| SlotDraft {
                    official_id: x.official_id,
                    starts: x.starts,
                    minutes: x.minutes,
                    vks: x.vks,
                })
                .collect();
            if !has_first_head(&officials, &drafts) {
                return Err(VksError::NoFirstHead);
            }
        }
        let now = self.clock.now();
        self.store
            .move_schedule(
                schedule_id,
                s.state,
                to,
                &ScheduleStep {
                    by: user.id,
                    at: now,
                },
                JournalDraft::new(
                    now,
                    format!("staff:{}", user.id),
                    "",
                    format!("schedule_{}", action.as_str()),
                ),
            )
            .await?;
        Ok(to)
    }
}

/// The document an applicant signs to request a VKS reception (VC-02, VC-03): the form's
/// fields as typed, under a type marker.
pub fn request_document(fields: &serde_json::Map<String, serde_json::Value>) -> String {
    serde_json::json!({ "otinish": "vks-request/1", "form": fields }).to_string()
}

impl App {
    /// VC-02, VC-03, VC-04, VC-07: books a published VKS slot for the applicant whose key
    /// signed the request; the request gets its registration-control card in the body's
    /// reception inbox. Returns the card's id.
    pub async fn book_reception(
        &self,
        applicant_id: i64,
        signature: &[u8],
    ) -> Result<i64, VksError> {
        let now = self.clock.now();
        let applicant = self.store.applicant(applicant_id).await?;
        let (v, check) = self
            .check_signature(signature, None, now)
            .await
            .map_err(VksError::Signature)?;
        v.require_document_signer().map_err(VksError::Signature)?;
        let signer_tax = v.signer.iin.as_ref().map(|i| i.to_string());
        if signer_tax.as_deref() != Some(applicant.tax_id()) {
            return Err(VksError::NotYourSignature);
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&v.content).map_err(|_| VksError::NotARequest)?;
        if doc.get("otinish").and_then(|m| m.as_str()) != Some("vks-request/1") {
            return Err(VksError::NotARequest);
        }
        let form: otinish_domain::vks::VksRequestForm =
            serde_json::from_value(doc.get("form").cloned().unwrap_or_default())
                .map_err(|_| VksError::NotARequest)?;
        let facts = crate::eappeal::signer_facts(&v.signer);
        let req =
            otinish_domain::vks::check_vks_request(&form, &facts).map_err(VksError::Invalid)?;
        let slot = self.store.slot(req.slot_id).await.map_err(|e| match e {
            StoreError::NotFound(_) => VksError::SlotClosed,
            other => other.into(),
        })?;
        let schedule = self.store.schedule(slot.schedule_id).await?;
        let cal = self.calendar.read().await.clone();
        let local_now = now.with_timezone(&cal.zone().tz).naive_local();
        if schedule.state != ScheduleState::Published || !slot.vks || slot.starts <= local_now {
            return Err(VksError::SlotClosed);
        }
        // A body that has closed holds no more receptions, whatever its timetable said.
        if !self.store.body(schedule.body_id).await?.is_open() {
            return Err(VksError::SlotClosed);
        }
        if slot.booked {
            return Err(VksError::SlotTaken);
        }
        // Only a branch that works and has the equipment; every page of them.
        let branch_ok = otinish_app::directory::open_branches(self.store.as_ref())
            .await
            .map_err(|e| VksError::Store(StoreError::Backend(e.to_string())))?
            .iter()
            .any(|b| b.id == req.branch_id && b.vks_equipment);
        if !branch_ok {
            return Err(VksError::Invalid(vec![
                otinish_domain::appeal::FieldProblem {
                    field: "branch",
                    key: "vks-branch-required",
                },
            ]));
        }
        let today = cal.zone().local_date(now);
        let gov = self
            .rulebooks
            .governing(otinish_domain::model::Channel::Vks, today)
            .map_err(|e| VksError::Store(StoreError::Backend(e.to_string())))?;
        let case = otinish_domain::deadline::CaseFacts {
            channel: otinish_domain::model::Channel::Vks,
            kind: otinish_domain::model::AppealKind::Request,
            received_at: now,
            registered_at: None,
            events: vec![],
        };
        let deadlines =
            otinish_domain::deadline::case_deadlines(&case, &self.rulebooks, &cal, today)
                .map_err(|e| VksError::Store(StoreError::Backend(e.to_string())))?
                .iter()
                .map(otinish_domain::repo::StoredDeadline::from)
                .collect();
        let document = String::from_utf8_lossy(&v.content).into_owned();
        let booking = otinish_domain::repo::NewBooking {
            slot_id: slot.id,
            branch_id: req.branch_id,
            form: document.clone(),
            appeal: otinish_domain::repo::NewAppeal {
                card: otinish_domain::model::NewCard {
                    body_id: schedule.body_id,
                    channel: otinish_domain::model::Channel::Vks,
                    kind: otinish_domain::model::AppealKind::Request,
                    applicant_id: Some(applicant_id),
                    addressee: None,
                    summary: req.question.chars().take(200).collect(),
                    received_at: now,
                    rulebook_id: gov.primary_id().to_owned(),
                    collective: false,
                },
                applicant: applicant.clone(),
                content: req.question.clone(),
                outgoing_number: None,
                outgoing_date: None,
                postal_address: req.address.clone(),
                email: Some(req.email.to_string()),
                phone: req.phones.first().map(|p| p.to_string()),
                lang: req.lang,
                size_bytes: i64::try_from(v.content.len()).unwrap_or(i64::MAX),
                signed_document: document,
                signature: otinish_pki::decode_signature(signature).map_err(VksError::Signature)?,
                signer_serial: v.signer.serial.clone(),
                signed_at: v.signing_time,
                signature_check: Some(check),
                // The same signed request sent twice is one booking; another request for the
                // same time, even by the same person, competes for it.
                idempotency_key: format!(
                    "vks:{}",
                    hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&v.content))
                ),
                signed_digest: None,
                attachments: vec![],
                deadlines,
                admission: None,
            },
        };
        match self
            .store
            .book_slot(
                &booking,
                JournalDraft::new(
                    now,
                    format!("applicant:{}", applicant.tax_id()),
                    "",
                    "vks_booked",
                )
                .details(format!("{{\"slot\":{}}}", slot.id)),
            )
            .await
        {
            Ok(card_id) => Ok(card_id),
            Err(StoreError::Conflict(_)) => Err(VksError::SlotTaken),
            Err(e) => Err(e.into()),
        }
    }
}

/// VC-06: whether a schedule reached the authorized body after its day, or has not reached it
/// and the day has passed.
fn late(s: &Schedule, zone: &otinish_domain::calendar::Zone, today: NaiveDate) -> bool {
    let Some(due) = s.due_on else {
        return false;
    };
    match s.sent_at {
        Some(at) => zone.local_date(at) > due,
        None => today > due,
    }
}

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
            late: late(s, cal.zone(), today),
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
        late: late(&s, cal.zone(), today),
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

impl App {
    /// VC-01: records an absence of one of the body's officials; on those days the first
    /// head's receptions are conducted by the most senior deputy present.
    pub async fn add_absence(
        &self,
        user: &StaffUser,
        official_id: i64,
        absence: &otinish_domain::model::Absence,
    ) -> Result<(), VksError> {
        let body_id = user.body_id.ok_or(VksError::Forbidden)?;
        if !may_draft(user, body_id) {
            return Err(VksError::Forbidden);
        }
        let officials = self.store.officials(body_id).await?;
        if !officials.iter().any(|o| o.id == official_id) {
            return Err(VksError::NotFound);
        }
        self.store
            .add_absence(
                official_id,
                absence,
                JournalDraft::new(self.clock.now(), format!("staff:{}", user.id), "", "absence")
                    .details(
                        serde_json::json!({ "official": official_id, "from": absence.from, "to": absence.to })
                            .to_string(),
                    ),
            )
            .await?;
        Ok(())
    }
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
