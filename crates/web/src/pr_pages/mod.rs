//! Pages of personal reception (PR): the call-center and staff sign-up screen, the body's
//! sign-up list with its distribution, phone survey and reception-day participants, the
//! sign-up page with every step, schedules (PR-01, PR-03 … PR-05) with the public page and the
//! poster, the survey, the quarterly report and the "E-appeals" import. They show what the
//! services in [`crate::pr`] decide.

mod schedules;
pub use schedules::*;
mod report;
use crate::context::Ctx;
use crate::extract::{CsrfForm, CsrfMultipart, Staff, TokenOnly};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout, Pager};
use crate::pr::{place_when, visibility, PrError};
use crate::{App, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Json;
use chrono::{Datelike, NaiveDate};
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::personal::{
    may_see, ParticipantKind, ReceptionOutcome, SignupForm, SignupSource, SignupState,
};
use otinish_domain::repo::{PageRequest, PrSlot, Signup, SignupFilter};
use otinish_domain::Lang;
pub use report::*;
use serde::Deserialize;

/// The largest paper scan accepted.
const MAX_SCAN_BYTES: usize = 20 * 1024 * 1024;

fn fail(app: &App, ctx: &Ctx, e: PrError, what: &str) -> Response {
    match e {
        PrError::Forbidden => page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        PrError::NotFound => page_error(ctx, StatusCode::NOT_FOUND, "error-not-found"),
        PrError::Store(s) => {
            tracing::error!(error = %s, what, "personal reception step failed");
            let _ = app;
            page_error(ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        e => page_error_text(ctx, StatusCode::UNPROCESSABLE_ENTITY, &e.text(ctx.tr)),
    }
}

fn page_error_text(ctx: &Ctx, status: StatusCode, text: &str) -> Response {
    crate::pages::page_error_message(ctx, status, text.to_owned())
}

fn state_text(tr: Tr, s: SignupState) -> String {
    tr.get(&format!("pr-state-{}", s.as_str().replace('_', "-")))
}

fn source_text(tr: Tr, s: SignupSource) -> String {
    tr.get(&format!("pr-source-{}", s.as_str().replace('_', "-")))
}

fn local(app: &App, at: chrono::DateTime<chrono::Utc>) -> String {
    crate::cabinet::local(app, at)
}

// ---------------------------------------------------------------- sign-up screen

#[derive(Template)]
#[template(path = "pr_take.html")]
struct TakePage {
    t: Tr,
    layout: Layout,
    source: String,
    source_label: String,
    /// (code, name) of the bodies the user may sign up to.
    bodies: Vec<(String, String)>,
    body: String,
    typed: TakeTyped,
    message: Option<String>,
    problems: Vec<String>,
}

#[derive(Debug, Default, Clone)]
struct TakeTyped {
    full_name: String,
    iin: String,
    phone: String,
    email: String,
    citizenship: String,
    lang: String,
    question: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct TakeQuery {
    source: Option<String>,
    done: Option<i64>,
    at: Option<String>,
    queued: Option<String>,
}

fn staff_source(user: &StaffUser, asked: Option<&str>) -> Option<SignupSource> {
    if user.has_role(Role::CallCenterOperator) && asked.is_none_or(|s| s == "call_center") {
        return Some(SignupSource::CallCenter);
    }
    let staff = user.body_id.is_some()
        && (user.has_role(Role::Registrar) || user.has_role(Role::ReceptionSecretary));
    match asked.and_then(SignupSource::parse) {
        Some(s @ (SignupSource::Paper | SignupSource::Oral)) if staff => Some(s),
        None if staff => Some(SignupSource::Oral),
        _ => None,
    }
}

#[allow(clippy::too_many_arguments)]
async fn take_page(
    app: &App,
    ctx: &Ctx,
    user: &StaffUser,
    source: SignupSource,
    body: String,
    typed: TakeTyped,
    message: Option<String>,
    problems: Vec<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let bodies = otinish_app::directory::open_bodies(app.store.as_ref())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|b| source == SignupSource::CallCenter || Some(b.id) == user.body_id)
        .map(|b| {
            (
                b.code.clone(),
                format!("{} — {}", b.code, b.name.get(tr.lang)),
            )
        })
        .collect();
    let page = TakePage {
        t: tr,
        layout: Layout::new(app, ctx),
        source: source.as_str().to_owned(),
        source_label: source_text(tr, source),
        bodies,
        body,
        typed,
        message,
        problems,
    };
    (status, render(page)).into_response()
}

/// PR-02, PR-14: the call-center operator's screen (and the staff's for paper and oral
/// sign-ups): one form, keyboard only, ready again after each sign-up.
pub async fn take_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<TakeQuery>,
) -> Response {
    let Some(source) = staff_source(&user, q.source.as_deref()) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let message = q.done.map(|id| {
        let at = q.at.clone().unwrap_or_default();
        if q.queued.is_some() {
            ctx.tr
                .with("pr-taken-queued", &[("id", id.to_string()), ("at", at)])
        } else {
            ctx.tr
                .with("pr-taken", &[("id", id.to_string()), ("at", at)])
        }
    });
    let typed = TakeTyped {
        citizenship: "kz".into(),
        lang: ctx.tr.lang.code().into(),
        ..Default::default()
    };
    take_page(
        &app,
        &ctx,
        &user,
        source,
        String::new(),
        typed,
        message,
        vec![],
        StatusCode::OK,
    )
    .await
}

/// Takes a staff sign-up (multipart: the paper scan travels with it).
pub async fn take(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfMultipart(form): CsrfMultipart,
) -> Response {
    let Ok(parts) = form else {
        return page_error(&ctx, StatusCode::BAD_REQUEST, "error-invalid");
    };
    let mut fields = std::collections::HashMap::<String, String>::new();
    let mut scan: Option<Vec<u8>> = None;
    for p in parts {
        // The file part is the paper sign-up's scan.
        match &p.file_name {
            Some(_) if p.bytes.len() > MAX_SCAN_BYTES => {
                return page_error_text(
                    &ctx,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    &ctx.tr.get("pr-scan-too-large"),
                )
            }
            Some(n) if !n.is_empty() && !p.bytes.is_empty() => scan = Some(p.bytes.to_vec()),
            Some(_) => {}
            None => {
                let text = p.text();
                fields.insert(p.name, text);
            }
        }
    }
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let Some(source) = staff_source(&user, Some(get("source").as_str())) else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    let lang = Lang::parse(&get("lang")).unwrap_or(ctx.tr.lang);
    let form = SignupForm {
        full_name: get("full_name"),
        iin: get("iin"),
        phone: get("phone"),
        email: get("email"),
        citizenship: get("citizenship"),
        question: get("question"),
        confirmed: get("confirmed") == "1",
        has_scan: scan.is_some(),
    };
    let body = get("body");
    match app
        .pr_take(
            Some(&user),
            source,
            &body,
            &form,
            lang,
            None,
            scan.as_deref(),
            None,
        )
        .await
    {
        Ok(t) => {
            let at = t.accepted_at.format("%d.%m.%Y %H:%M").to_string();
            let queued = if t.queued { "&queued=1" } else { "" };
            Redirect::to(&format!(
                "/staff/pr/take?source={}&done={}&at={}{queued}",
                source.as_str(),
                t.card_id,
                crate::pages::query_escape(&at)
            ))
            .into_response()
        }
        Err(PrError::Invalid(p)) => {
            let tr = ctx.tr;
            let problems = p
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        tr.get(&format!("pr-f-{}", p.field)),
                        tr.get(p.key)
                    )
                })
                .collect();
            let typed = TakeTyped {
                full_name: form.full_name,
                iin: form.iin,
                phone: form.phone,
                email: form.email,
                citizenship: form.citizenship,
                lang: lang.code().into(),
                question: form.question,
            };
            take_page(
                &app,
                &ctx,
                &user,
                source,
                body,
                typed,
                None,
                problems,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&app, &ctx, e, "take"),
    }
}

// ---------------------------------------------------------------- the body's list

/// (id, number, taken, source, applicant, state, flags)
type ListRow = (i64, String, String, String, String, String, String);

#[derive(Template)]
#[template(path = "pr_list.html")]
struct ListPage {
    t: Tr,
    layout: Layout,
    message: Option<String>,
    tabs: Vec<(String, String, bool)>,
    rows: Vec<ListRow>,
    pager: Pager,
    can_distribute: bool,
    next: Option<String>,
    phone_rows: Vec<(i64, String, String, String)>,
    percent: u8,
    tasks: Vec<(i64, i64, String, String, String, bool)>,
    participants: Vec<(String, String, String, String)>,
    kinds: Vec<(String, String)>,
    can_participants: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    state: Option<String>,
    page: Option<String>,
    done: Option<String>,
    placed: Option<usize>,
    waiting: Option<usize>,
    percent: Option<u8>,
}

const TABS: &[(&str, &[SignupState])] = &[
    ("received", &[SignupState::Received]),
    (
        "routed",
        &[SignupState::Routed, SignupState::RefusalProposed],
    ),
    ("noted", &[SignupState::Noted]),
    ("scheduled", &[SignupState::Scheduled]),
    (
        "closed",
        &[
            SignupState::Held,
            SignupState::NoShow,
            SignupState::Refused,
            SignupState::Declined,
        ],
    ),
];

/// The body's sign-ups by stage (PR-08 … PR-11), with the distribution, the phone-survey
/// work list (PR-13), the user's material requests (PR-12) and reception-day participants
/// (PR-07).
pub async fn list(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ListQuery>,
) -> Response {
    let tr = ctx.tr;
    let tasks: Vec<_> = {
        let cal = app.calendar.read().await.clone();
        let today = cal.zone().local_date(app.clock.now());
        app.pr_my_tasks(&user)
            .await
            .into_iter()
            .map(|t| {
                (
                    t.id,
                    t.task.card_id,
                    format!("{}: {}", t.task.unit, t.task.text),
                    t.task.due_on.format("%d.%m.%Y").to_string(),
                    t.answer.clone().unwrap_or_default(),
                    t.answer.is_none() && t.task.due_on < today,
                )
            })
            .collect()
    };
    let body_id = user.body_id.filter(|_| {
        [
            Role::Registrar,
            Role::ReceptionSecretary,
            Role::Head,
            Role::SecurityOfficer,
        ]
        .iter()
        .any(|r| user.has_role(*r))
    });
    // Staff asked for materials (the route admits only body-bound roles) see their tasks.
    let Some(body_id) = body_id else {
        let page = ListPage {
            t: tr,
            layout: Layout::new(&app, &ctx),
            message: None,
            tabs: vec![],
            rows: vec![],
            pager: Pager::new(tr, 0, PageRequest::default(), "page", ""),
            can_distribute: false,
            next: None,
            phone_rows: vec![],
            percent: 0,
            tasks,
            participants: vec![],
            kinds: vec![],
            can_participants: false,
        };
        return render(page).into_response();
    };
    let tab = q
        .state
        .as_deref()
        .and_then(|s| TABS.iter().find(|(k, _)| *k == s))
        .unwrap_or(&TABS[0]);
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .clamp(1, 10_000);
    let req = PageRequest::new(Some(50), Some((page_no - 1) * 50));
    let page = app
        .store
        .pr_signups(
            &SignupFilter {
                body_id: Some(body_id),
                states: tab.1.to_vec(),
                ..Default::default()
            },
            true,
            req,
        )
        .await
        .unwrap_or_else(|_| otinish_domain::repo::Page {
            items: vec![],
            total: 0,
            request: req,
        });
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let rows = page
        .items
        .iter()
        .map(|s| {
            let visible = may_see(&user, visibility(s));
            let mut flags = Vec::new();
            if s.secrecy() {
                flags.push(tr.get(if s.cleared_at.is_some() {
                    "pr-flag-cleared"
                } else {
                    "pr-flag-secrecy"
                }));
            }
            if s.queued {
                flags.push(tr.get("pr-flag-queued"));
            }
            let late = otinish_domain::personal::registration_late(
                cal.zone().local_date(s.card.received_at),
                s.card.registered_at.map(|r| cal.zone().local_date(r)),
                today,
            );
            if late {
                flags.push(tr.get("pr-flag-registration-late"));
            }
            if let Some(d) = s
                .note_due
                .filter(|_| s.noted_at.is_none() || s.state == SignupState::Routed)
            {
                flags.push(tr.with(
                    "pr-flag-note-due",
                    &[("day", d.format("%d.%m.%Y").to_string())],
                ));
            }
            (
                s.card.id,
                s.card
                    .reg_number
                    .as_ref()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|| "—".into()),
                local(&app, s.card.received_at),
                source_text(tr, s.source),
                if visible {
                    s.full_name.clone()
                } else {
                    tr.get("pr-restricted")
                },
                state_text(tr, s.state),
                flags.join(" · "),
            )
        })
        .collect();
    let tabs = TABS
        .iter()
        .map(|(k, _)| (k.to_string(), tr.get(&format!("pr-tab-{k}")), *k == tab.0))
        .collect();
    let percent = q.percent.unwrap_or(30).min(100);
    let phone_rows = app
        .pr_phone_list(&user, percent)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|s| {
            (
                s.card.id,
                s.full_name.clone(),
                s.phone.clone().unwrap_or_default(),
                state_text(tr, s.state),
            )
        })
        .collect();
    let participants = app
        .store
        .pr_participants(body_id, today, today + chrono::Days::new(60))
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            (
                p.p.day.format("%d.%m.%Y").to_string(),
                tr.get(&format!("pr-kind-{}", p.p.kind.as_str().replace('_', "-"))),
                format!("{} {}", p.p.name, p.p.organisation)
                    .trim()
                    .to_owned(),
                p.p.card_id.map(|c| format!("№ {c}")).unwrap_or_default(),
            )
        })
        .collect();
    let message = match (q.placed, q.waiting) {
        (Some(p), Some(w)) => Some(tr.with(
            "pr-distributed",
            &[("placed", p.to_string()), ("waiting", w.to_string())],
        )),
        _ => q.done.as_ref().map(|_| tr.get("staff-done")),
    };
    let extra = format!("&state={}", tab.0);
    let next = app.pr_next_reception(body_id).await.map(|(s, due)| {
        tr.with(
            "pr-next-reception",
            &[
                ("when", place_when(&s.slot)),
                ("official", s.slot.official_name.clone()),
                ("due", due.format("%d.%m.%Y").to_string()),
            ],
        )
    });
    let page = ListPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        message,
        tabs,
        rows,
        pager: Pager::new(tr, page.total, req, "page", &extra),
        can_distribute: user.has_role(Role::ReceptionSecretary),
        next,
        phone_rows,
        percent,
        tasks,
        participants,
        kinds: ParticipantKind::ALL
            .iter()
            .map(|k| {
                (
                    k.as_str().to_owned(),
                    tr.get(&format!("pr-kind-{}", k.as_str().replace('_', "-"))),
                )
            })
            .collect(),
        can_participants: user.has_role(Role::ReceptionSecretary),
    };
    render(page).into_response()
}

/// PR-10, PR-11: distributes the waiting list into the schedule.
pub async fn distribute(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(_): CsrfForm<TokenOnly>,
) -> Response {
    let Some(body_id) = user.body_id else {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    };
    match app.pr_distribute(&user, body_id).await {
        Ok((placed, waiting)) => Redirect::to(&format!(
            "/staff/pr?state=scheduled&placed={placed}&waiting={waiting}"
        ))
        .into_response(),
        Err(e) => fail(&app, &ctx, e, "distribute"),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ParticipantForm {
    #[serde(default)]
    day: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    organisation: String,
    #[serde(default)]
    card: String,
}

/// PR-07: adds a participant to a reception day.
pub async fn participant(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<ParticipantForm>,
) -> Response {
    match app
        .pr_add_participant(&user, &f.day, &f.kind, &f.name, &f.organisation, &f.card)
        .await
    {
        Ok(()) => Redirect::to("/staff/pr?done=1#participants").into_response(),
        Err(e) => fail(&app, &ctx, e, "participant"),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct TaskForm {
    #[serde(default)]
    answer: String,
}

/// PR-12: the unit's answer to a material request.
pub async fn answer_task(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(f): CsrfForm<TaskForm>,
) -> Response {
    match app.pr_answer_task(&user, id, &f.answer).await {
        Ok(()) => Redirect::to("/staff/pr?done=1#tasks").into_response(),
        Err(e) => fail(&app, &ctx, e, "task"),
    }
}

// ---------------------------------------------------------------- one sign-up

#[derive(Template)]
#[template(path = "pr_signup.html")]
struct SignupPage {
    t: Tr,
    layout: Layout,
    id: i64,
    message: Option<String>,
    /// The message is a refusal of the step just tried (shown as an error, input kept).
    is_error: bool,
    /// What was typed into the step that was refused.
    typed: Typed,
    /// Registering must wait until the sign-up counts as received: from when, in words.
    register_from: Option<String>,
    state: String,
    facts: Vec<(String, String)>,
    deadlines: Vec<crate::cabinet::TermLine>,
    tasks: Vec<(String, String, String, String)>,
    can_register: bool,
    workers: Vec<(i64, String)>,
    can_note: bool,
    can_confirm_refusal: bool,
    can_clear: bool,
    can_result: bool,
    can_decline: bool,
    can_request: bool,
    can_phone: bool,
    staff: Vec<(i64, String)>,
    outcomes: Vec<(String, String)>,
    has_scan: bool,
    /// GEN-09: the hearing before a partial satisfaction.
    hearing: crate::hearing::HearingPanel,
    hearing_action: String,
    /// PR-08: the registration term was broken, in words.
    registration_late: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

/// What a person typed into a step's form, given back when the step is refused.
#[derive(Debug, Default, Clone)]
struct Typed {
    responsible: String,
    note: String,
    proposal: String,
    reason: String,
    outcome: String,
    outcome_text: String,
    unit: String,
    assignee: String,
    text: String,
    due: String,
}

impl From<&StepForm> for Typed {
    fn from(f: &StepForm) -> Self {
        Self {
            responsible: f.responsible.clone(),
            note: f.note.clone(),
            proposal: f.proposal.clone(),
            reason: f.reason.clone(),
            outcome: f.outcome.clone(),
            outcome_text: f.outcome_text.clone(),
            unit: f.unit.clone(),
            assignee: f.assignee.clone(),
            text: f.text.clone(),
            due: f.due.clone(),
        }
    }
}

pub async fn signup(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let message = q.done.map(|_| (ctx.tr.get("staff-done"), false));
    signup_view(
        &app,
        &ctx,
        &user,
        id,
        message,
        Typed::default(),
        StatusCode::OK,
    )
    .await
}

/// The sign-up with the steps the user may take now; `message` says what just happened (or
/// why the step was refused, with what was typed kept in `typed`).
async fn signup_view(
    app: &App,
    ctx: &Ctx,
    user: &StaffUser,
    id: i64,
    message: Option<(String, bool)>,
    typed: Typed,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let s = match app.pr_open(user, id).await {
        Ok(s) => s,
        Err(e) => return fail(app, ctx, e, "open"),
    };
    // PR-08: registered on a later day than it was taken (or not yet, that day past): the
    // registration term is broken, and the sign-up says so.
    let registration_late = {
        let cal = app.calendar.read().await.clone();
        let taken_on = cal.zone().local_date(s.card.received_at);
        otinish_domain::personal::registration_late(
            taken_on,
            s.card.registered_at.map(|r| cal.zone().local_date(r)),
            cal.zone().local_date(app.clock.now()),
        )
        .then(|| {
            tr.with(
                if s.card.registered_at.is_some() {
                    "pr-registration-late"
                } else {
                    "pr-registration-overdue"
                },
                &[("date", taken_on.format("%d.%m.%Y").to_string())],
            )
        })
    };
    let mut facts = vec![
        (
            tr.get("pr-f-number"),
            s.card
                .reg_number
                .as_ref()
                .map(|n| n.to_string())
                .unwrap_or_else(|| "—".into()),
        ),
        (tr.get("pr-f-source"), source_text(tr, s.source)),
        (tr.get("pr-f-arrived"), local(app, s.arrived_at)),
        (tr.get("pr-f-taken"), local(app, s.card.received_at)),
        (tr.get("pr-f-full_name"), s.full_name.clone()),
        (tr.get("pr-f-iin"), s.iin.clone()),
        (tr.get("pr-f-phone"), s.phone.clone().unwrap_or_default()),
        (tr.get("pr-f-email"), s.email.clone().unwrap_or_default()),
        (
            tr.get("pr-f-citizenship"),
            tr.get(&format!("pr-citizenship-{}", s.citizenship.as_str())),
        ),
        (tr.get("pr-f-question"), s.question.clone()),
    ];
    if s.signed_form.is_some() {
        facts.push((tr.get("pr-f-signed"), tr.get("pr-signed-by-applicant")));
    }
    if let Some(at) = s.card.registered_at {
        facts.push((tr.get("pr-f-registered"), local(app, at)));
    }
    if let Some(r) = s.responsible_id {
        if let Ok(u) = app.store.staff(r).await {
            facts.push((tr.get("pr-f-responsible"), u.full_name));
        }
    }
    if s.secrecy() {
        facts.push((
            tr.get("pr-f-secrecy"),
            match s.cleared_at {
                Some(at) => tr.with("pr-cleared-at", &[("at", local(app, at))]),
                None => tr.get("pr-not-cleared"),
            },
        ));
    }
    if let Some(n) = &s.note {
        facts.push((tr.get("pr-f-note"), n.clone()));
    }
    if let Some(d) = s.note_due {
        facts.push((tr.get("pr-f-note_due"), d.format("%d.%m.%Y").to_string()));
    }
    if let Some(slot) = s.slot_id {
        if let Ok(p) = app.store.pr_slot(slot).await {
            facts.push((
                tr.get("pr-f-reception"),
                format!(
                    "{} · {} · {}",
                    place_when(&p.slot),
                    p.slot.official_name,
                    p.slot.location
                ),
            ));
        }
    }
    if let Some(at) = s.notified_at {
        facts.push((tr.get("pr-f-notified"), local(app, at)));
    }
    if let Some(o) = &s.outcome_text {
        facts.push((tr.get("pr-f-outcome_text"), o.clone()));
    }
    if let Some(r) = s.rating {
        facts.push((
            tr.get("pr-f-rating"),
            format!("{r}/5 {}", s.survey_comment.clone().unwrap_or_default()),
        ));
    }
    if let Some(p) = &s.phone_result {
        facts.push((
            tr.get("pr-f-phone_result"),
            tr.get(&format!("pr-phone-{}", p.replace('_', "-"))),
        ));
    }
    let deadlines = crate::cabinet::deadline_lines(
        tr,
        &app.store.deadlines(id).await.unwrap_or_default(),
        s.card.state,
        app.clock.now(),
    );
    let tasks = app
        .store
        .pr_tasks(Some(id), None)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|t| {
            (
                t.task.unit.clone(),
                t.task.text.clone(),
                t.task.due_on.format("%d.%m.%Y").to_string(),
                t.answer.clone().unwrap_or_else(|| tr.get("pr-task-open")),
            )
        })
        .collect();
    let body = s.card.body_id;
    let in_body =
        |roles: &[Role]| user.body_id == Some(body) && roles.iter().any(|r| user.has_role(*r));
    let responsible = s.responsible_id == Some(user.id);
    let workers = app
        .pr_workers(body)
        .await
        .into_iter()
        .map(|u| (u.id, u.full_name))
        .collect();
    let staff = app
        .store
        .executor_loads(body)
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|(u, _)| (u.id, u.full_name))
        .collect();
    let eligible = otinish_domain::personal::phone_survey_eligible(s.state, s.outcome);
    let mut hearing = app.hearing_panel(user, &s.card, tr).await;
    hearing.can_act &= !s.state.is_closed() && (responsible || in_body(&[Role::Head]));
    let page = SignupPage {
        registration_late,
        hearing,
        hearing_action: format!("/staff/pr/{id}"),
        t: tr,
        layout: Layout::new(app, ctx),
        id,
        is_error: message.as_ref().is_some_and(|(_, e)| *e),
        message: message.map(|(m, _)| m),
        typed,
        register_from: (app.clock.now() < s.card.received_at).then(|| {
            tr.with(
                "pr-register-from",
                &[("when", local(app, s.card.received_at))],
            )
        }),
        state: state_text(tr, s.state),
        facts,
        deadlines,
        tasks,
        can_register: s.state == SignupState::Received
            && in_body(&[Role::Registrar, Role::ReceptionSecretary]),
        workers,
        can_note: responsible
            && matches!(
                s.state,
                SignupState::Routed | SignupState::Noted | SignupState::RefusalProposed
            ),
        can_confirm_refusal: s.state == SignupState::RefusalProposed && in_body(&[Role::Head]),
        can_clear: s.secrecy()
            && s.cleared_at.is_none()
            && !s.state.is_closed()
            && in_body(&[Role::SecurityOfficer]),
        can_result: s.state == SignupState::Scheduled && (responsible || in_body(&[Role::Head])),
        can_decline: responsible && !s.state.is_closed() && s.state != SignupState::Received,
        can_request: responsible && !s.state.is_closed(),
        can_phone: eligible
            && s.phone_at.is_none()
            && in_body(&[Role::Registrar, Role::ReceptionSecretary]),
        staff,
        outcomes: ReceptionOutcome::ALL
            .iter()
            .map(|o| {
                (
                    o.as_str().to_owned(),
                    tr.get(&format!("pr-outcome-{}", o.as_str().replace('_', "-"))),
                )
            })
            .collect(),
        has_scan: s.scan_key.is_some(),
    };
    (status, render(page)).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct StepForm {
    #[serde(default)]
    responsible: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    proposal: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    outcome_text: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    assignee: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    due: String,
    #[serde(default)]
    result: String,
    #[serde(default)]
    rating: String,
    /// GEN-09: a hearing's fields.
    #[serde(flatten)]
    hearing: crate::hearing::HearingForm,
}

/// Every step of a sign-up; the services check role, body and the rules.
pub async fn step(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<StepForm>,
) -> Response {
    let result = match action.as_str() {
        // Who is responsible is a choice the registrar makes, never a default.
        "register" => match f.responsible.trim().parse().ok() {
            Some(r) => app.pr_register(&user, id, Some(r)).await,
            None => Err(PrError::Invalid(vec![
                otinish_domain::appeal::FieldProblem {
                    field: "responsible",
                    key: "pr-field-required",
                },
            ])),
        },
        // Whether to propose a date or a refusal is the secretary's choice, never a default.
        "note" => match f.proposal.as_str() {
            "set_date" | "refuse" => {
                app.pr_note(&user, id, &f.note, f.proposal == "refuse")
                    .await
            }
            _ => Err(PrError::Invalid(vec![
                otinish_domain::appeal::FieldProblem {
                    field: "proposal",
                    key: "pr-field-required",
                },
            ])),
        },
        "refuse" => app.pr_confirm_refusal(&user, id, &f.reason).await,
        "clear" => app.pr_clear(&user, id).await,
        "held" => match ReceptionOutcome::parse(&f.outcome) {
            Some(o) => app.pr_result(&user, id, Some(o), &f.outcome_text).await,
            None => Err(PrError::Invalid(vec![
                otinish_domain::appeal::FieldProblem {
                    field: "outcome",
                    key: "pr-field-required",
                },
            ])),
        },
        "no_show" => app.pr_result(&user, id, None, "").await,
        "decline" => app.pr_decline(&user, id, &f.reason).await,
        "request" => {
            let assignee = f.assignee.trim().parse().unwrap_or(0);
            app.pr_request(&user, id, &f.unit, assignee, &f.text, &f.due)
                .await
        }
        "phone" => app.pr_phone_result(&user, id, &f.result, &f.rating).await,
        step if step.starts_with("hearing-") => match f.hearing.step(step) {
            Some(s) => app.pr_hearing(&user, id, s).await,
            None => return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
        },
        _ => return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/staff/pr/{id}?done=1")).into_response(),
        // A refused step comes back to the sign-up with the reason and what was typed.
        Err(e @ (PrError::Invalid(_) | PrError::NotAllowed(_) | PrError::Hearing(_))) => {
            let text = e.text(ctx.tr);
            signup_view(
                &app,
                &ctx,
                &user,
                id,
                Some((text, true)),
                Typed::from(&f),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => fail(&app, &ctx, e, "step"),
    }
}

/// The paper sign-up's scan, to those who may open the sign-up.
pub async fn scan(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
) -> Response {
    let s = match app.pr_open(&user, id).await {
        Ok(s) => s,
        Err(e) => return fail(&app, &ctx, e, "scan"),
    };
    let Some(key) = s.scan_key else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    match app.files.get(&key).await {
        Ok(bytes) => {
            let mime = if bytes.starts_with(b"%PDF") {
                "application/pdf"
            } else if bytes.starts_with(&[0xFF, 0xD8]) {
                "image/jpeg"
            } else if bytes.starts_with(b"\x89PNG") {
                "image/png"
            } else {
                "application/octet-stream"
            };
            ([(header::CONTENT_TYPE, mime)], bytes).into_response()
        }
        Err(_) => page_error(
            &ctx,
            StatusCode::SERVICE_UNAVAILABLE,
            "err-files-unreachable",
        ),
    }
}
