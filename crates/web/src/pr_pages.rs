//! Pages of personal reception (PR): the call-center and staff sign-up screen, the body's
//! sign-up list with its distribution, phone survey and reception-day participants, the
//! sign-up page with every step, schedules (PR-01, PR-03 … PR-05) with the public page and the
//! poster, the survey, the quarterly report and the "E-appeals" import. They show what the
//! services in [`crate::pr`] decide.

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

// ---------------------------------------------------------------- schedules

#[derive(Template)]
#[template(path = "pr_schedules.html")]
struct SchedulesPage {
    t: Tr,
    layout: Layout,
    centers: bool,
    /// (id, month, state, rows)
    schedules: Vec<(i64, String, String, usize)>,
    next_month: String,
}

#[derive(Debug, Deserialize, Default)]
pub struct SchedulesQuery {
    centers: Option<String>,
}

fn schedule_state(tr: Tr, s: &str) -> String {
    tr.get(&format!("pr-schedule-{s}"))
}

/// PR-01, PR-03: the government office's schedules of centers, or the body's office's.
pub async fn schedules(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<SchedulesQuery>,
) -> Response {
    let centers =
        user.has_role(Role::GovernmentOffice) || q.centers.is_some() && user.body_id.is_none();
    let owner = if centers { None } else { user.body_id };
    let allowed = centers && user.has_role(Role::GovernmentOffice)
        || owner
            .is_some_and(|_| user.has_role(Role::ReceptionSecretary) || user.has_role(Role::Head));
    if !allowed {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let tr = ctx.tr;
    let list = app.store.pr_schedules(owner).await.unwrap_or_default();
    let mut rows = Vec::new();
    for s in list {
        let n = app.store.pr_slots(s.id).await.map(|v| v.len()).unwrap_or(0);
        rows.push((
            s.id,
            s.month.format("%m.%Y").to_string(),
            schedule_state(tr, &s.state),
            n,
        ));
    }
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let next = today
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(today);
    let page = SchedulesPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        centers,
        schedules: rows,
        next_month: next.format("%Y-%m").to_string(),
    };
    render(page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct NewScheduleForm {
    #[serde(default)]
    month: String,
    #[serde(default)]
    centers: String,
}

pub async fn new_schedule(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<NewScheduleForm>,
) -> Response {
    match app.pr_new_schedule(&user, f.centers == "1", &f.month).await {
        Ok(id) => Redirect::to(&format!("/staff/pr/schedules/{id}")).into_response(),
        Err(e) => fail(&app, &ctx, e, "schedule"),
    }
}

/// (id, body, official, position, when, minutes, location, phone, email, capacity, taken)
type ScheduleRow = (
    i64,
    String,
    String,
    String,
    String,
    i32,
    String,
    String,
    String,
    i32,
    i64,
);

#[derive(Template)]
#[template(path = "pr_schedule.html")]
struct SchedulePage {
    t: Tr,
    layout: Layout,
    id: i64,
    title: String,
    state: String,
    message: Option<String>,
    rows: Vec<ScheduleRow>,
    editable: bool,
    can_approve: bool,
    can_publish: bool,
    /// (id, "body — name, position")
    officials: Vec<(i64, String)>,
    month: String,
    gaps: Vec<(String, String)>,
    centers: bool,
}

/// Every body (for names and codes on the schedule pages).
async fn all_bodies(app: &App) -> Vec<otinish_domain::model::Body> {
    app.store
        .bodies(PageRequest::new(Some(500), None))
        .await
        .map(|p| p.items)
        .unwrap_or_default()
}

/// The officials of the bodies that `slots` belong to, for their positions in each language.
async fn officials_of(app: &App, slots: &[PrSlot]) -> Vec<otinish_domain::model::Official> {
    let mut bodies: Vec<i64> = slots.iter().map(|s| s.slot.body_id).collect();
    bodies.sort_unstable();
    bodies.dedup();
    let mut out = Vec::new();
    for b in bodies {
        out.extend(app.store.officials(b).await.unwrap_or_default());
    }
    out
}

/// The rows of a schedule in `tr`'s language: the body's name and the official's position in
/// that language where the official is known (the row keeps the Russian as typed).
fn schedule_rows(
    bodies: &[otinish_domain::model::Body],
    officials: &[otinish_domain::model::Official],
    tr: Tr,
    slots: &[PrSlot],
) -> Vec<ScheduleRow> {
    slots
        .iter()
        .map(|s| {
            let body = bodies
                .iter()
                .find(|b| b.id == s.slot.body_id)
                .map(|b| b.name.get(tr.lang).to_owned())
                .unwrap_or_default();
            (
                s.id,
                body,
                s.slot.official_name.clone(),
                officials
                    .iter()
                    .find(|o| Some(o.id) == s.slot.official_id)
                    .map(|o| o.position.get(tr.lang).to_owned())
                    .filter(|p| !p.is_empty())
                    .unwrap_or_else(|| s.slot.position.clone()),
                place_when(&s.slot),
                s.slot.minutes,
                s.slot.location.clone(),
                s.slot.phone.clone(),
                s.slot.email.clone(),
                s.slot.capacity,
                s.taken,
            )
        })
        .collect()
}

pub async fn schedule(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let tr = ctx.tr;
    let Ok(sched) = app.store.pr_schedule(id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let gov = user.has_role(Role::GovernmentOffice);
    let own = sched.owner_body_id.is_some() && user.body_id == sched.owner_body_id;
    let allowed = match sched.owner_body_id {
        None => gov,
        Some(_) => own && (user.has_role(Role::ReceptionSecretary) || user.has_role(Role::Head)),
    };
    if !allowed {
        return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let slots = app.store.pr_slots(id).await.unwrap_or_default();
    let bodies = all_bodies(&app).await;
    let officials = officials_of(&app, &slots).await;
    let rows = schedule_rows(&bodies, &officials, tr, &slots);
    let mut officials = Vec::new();
    for b in bodies
        .iter()
        .filter(|b| sched.owner_body_id.is_none_or(|o| o == b.id))
    {
        for o in app.store.officials(b.id).await.unwrap_or_default() {
            officials.push((
                o.id,
                format!("{} — {}, {}", b.code, o.full_name, o.position.get(tr.lang)),
            ));
        }
    }
    let centers = sched.owner_body_id.is_none();
    let gaps = if centers {
        app.pr_gaps(&sched, tr.lang).await
    } else {
        vec![]
    };
    let editable = sched.state == "draft"
        && match sched.owner_body_id {
            None => gov,
            Some(_) => own && user.has_role(Role::ReceptionSecretary),
        };
    let page = SchedulePage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        id,
        title: if centers {
            tr.get("pr-centers-schedule")
        } else {
            tr.get("pr-office-schedule")
        },
        state: schedule_state(tr, &sched.state),
        message: q.done.map(|_| tr.get("staff-done")),
        rows,
        editable,
        can_approve: sched.state == "draft"
            && match sched.owner_body_id {
                None => gov,
                Some(_) => own && user.has_role(Role::Head),
            },
        can_publish: sched.state == "approved"
            && match sched.owner_body_id {
                None => gov,
                Some(_) => own && user.has_role(Role::ReceptionSecretary),
            },
        officials,
        month: sched.month.format("%m.%Y").to_string(),
        gaps,
        centers,
    };
    render(page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct RowForm {
    #[serde(default)]
    official: String,
    #[serde(default)]
    starts: String,
    #[serde(default)]
    minutes: String,
    #[serde(default)]
    location: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    row: String,
}

/// Adds or removes a row, approves or publishes a schedule.
pub async fn schedule_step(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<RowForm>,
) -> Response {
    let result = match action.as_str() {
        "rows" => {
            app.pr_add_row(
                &user,
                id,
                &f.official,
                &f.starts,
                &f.minutes,
                &f.location,
                &f.phone,
                &f.email,
                &f.capacity,
            )
            .await
        }
        "remove" => match f.row.trim().parse() {
            Ok(row) => app.pr_remove_row(&user, id, row).await,
            Err(_) => Err(PrError::NotFound),
        },
        "approve" | "publish" => app.pr_schedule_step(&user, id, &action).await,
        _ => return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/staff/pr/schedules/{id}?done=1")).into_response(),
        Err(e) => fail(&app, &ctx, e, "schedule"),
    }
}

// ---------------------------------------------------------------- public pages

/// (id, month, owner)
type PublishedRef = (i64, String, String);

#[derive(Template)]
#[template(path = "pr_public.html")]
struct PublicPage {
    t: Tr,
    layout: Layout,
    /// Each published schedule with its rows in Kazakh and in Russian (PR-05).
    schedules: Vec<(PublishedRef, Vec<ScheduleRow>, Vec<ScheduleRow>)>,
}

async fn published_rows(app: &App) -> Vec<(PublishedRef, Vec<ScheduleRow>, Vec<ScheduleRow>)> {
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let last = first
        .checked_add_months(chrono::Months::new(2))
        .unwrap_or(first);
    let bodies = all_bodies(app).await;
    let mut out = Vec::new();
    for s in app
        .store
        .pr_published(first, last)
        .await
        .unwrap_or_default()
    {
        let slots = app.store.pr_slots(s.id).await.unwrap_or_default();
        let owner = match s.owner_body_id {
            None => String::new(),
            Some(b) => bodies
                .iter()
                .find(|x| x.id == b)
                .map(|x| x.code.clone())
                .unwrap_or_default(),
        };
        let officials = officials_of(app, &slots).await;
        let kk = schedule_rows(&bodies, &officials, Tr::new(Lang::Kk), &slots);
        let ru = schedule_rows(&bodies, &officials, Tr::new(Lang::Ru), &slots);
        out.push(((s.id, s.month.format("%m.%Y").to_string(), owner), kk, ru));
    }
    out
}

/// PR-05: the published schedules, in Kazakh and in Russian, for anyone.
pub async fn public(State(app): State<AppState>, ctx: Ctx) -> Response {
    let page = PublicPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        schedules: published_rows(&app).await,
    };
    render(page).into_response()
}

#[derive(Template)]
#[template(path = "pr_poster.html")]
struct PosterPage {
    kk: Tr,
    ru: Tr,
    month: String,
    rows_kk: Vec<ScheduleRow>,
    rows_ru: Vec<ScheduleRow>,
}

/// PR-05: the printable poster for the premises (A4 landscape, Kazakh then Russian).
pub async fn poster(State(app): State<AppState>, ctx: Ctx, Path(id): Path<i64>) -> Response {
    let Ok(s) = app.store.pr_schedule(id).await else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    if s.state != "published" {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    }
    let slots = app.store.pr_slots(id).await.unwrap_or_default();
    let bodies = all_bodies(&app).await;
    let officials = officials_of(&app, &slots).await;
    let page = PosterPage {
        kk: Tr::new(Lang::Kk),
        ru: Tr::new(Lang::Ru),
        month: s.month.format("%m.%Y").to_string(),
        rows_kk: schedule_rows(&bodies, &officials, Tr::new(Lang::Kk), &slots),
        rows_ru: schedule_rows(&bodies, &officials, Tr::new(Lang::Ru), &slots),
    };
    render(page).into_response()
}

#[derive(Template)]
#[template(path = "pr_survey.html")]
struct SurveyPage {
    t: Tr,
    layout: Layout,
    token: String,
    message: Option<String>,
    is_error: bool,
    done: bool,
}

pub async fn survey_form(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
) -> Response {
    let known = app
        .store
        .pr_signup_by_survey(&hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            token.as_bytes(),
        )))
        .await;
    let Ok(s) = known else {
        return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    let done = s.surveyed_at.is_some();
    let page = SurveyPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        token,
        message: done.then(|| ctx.tr.get("pr-survey-answered")),
        is_error: false,
        done,
    };
    render(page).into_response()
}

#[derive(Debug, Deserialize, Default)]
pub struct SurveyForm {
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
}

/// PR-13: the applicant answers the survey (portal or the SMS link).
pub async fn survey(
    State(app): State<AppState>,
    ctx: Ctx,
    Path(token): Path<String>,
    CsrfForm(f): CsrfForm<SurveyForm>,
) -> Response {
    let (status, message, is_error, done) = match app.pr_survey(&token, &f.rating, &f.comment).await
    {
        Ok(()) => (StatusCode::OK, ctx.tr.get("pr-survey-thanks"), false, true),
        Err(PrError::NotFound) => {
            return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found")
        }
        Err(PrError::Store(_)) => {
            return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            e.text(ctx.tr),
            true,
            false,
        ),
    };
    let page = SurveyPage {
        t: ctx.tr,
        layout: Layout::new(&app, &ctx),
        token,
        message: Some(message),
        is_error,
        done,
    };
    (status, render(page)).into_response()
}

// ---------------------------------------------------------------- quarterly report

#[derive(Template)]
#[template(path = "pr_report.html")]
struct ReportPage {
    t: Tr,
    layout: Layout,
    year: i32,
    quarter: u32,
    sources: Vec<String>,
    /// Each line with the body's name in the reader's language (the CSV keeps the code).
    lines: Vec<(String, otinish_domain::personal::ReportLine)>,
    total: otinish_domain::personal::ReportLine,
}

#[derive(Debug, Deserialize, Default)]
pub struct ReportQuery {
    year: Option<i32>,
    quarter: Option<u32>,
    format: Option<String>,
}

fn rating(l: &otinish_domain::personal::ReportLine) -> String {
    l.rating_x10
        .map(|r| format!("{}.{}", r / 10, r % 10))
        .unwrap_or_else(|| "—".into())
}

/// PR-15: the quarterly report to the government office (HTML, or CSV with `format=csv`).
pub async fn report(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<ReportQuery>,
) -> Response {
    let cal = app.calendar.read().await.clone();
    let today = cal.zone().local_date(app.clock.now());
    let year = q.year.unwrap_or(today.year());
    let quarter = q.quarter.unwrap_or((today.month() - 1) / 3 + 1);
    let (lines, total) = match app.pr_report(&user, year, quarter).await {
        Ok(r) => r,
        Err(e) => return fail(&app, &ctx, e, "report"),
    };
    let tr = ctx.tr;
    let sources: Vec<String> = SignupSource::ALL
        .iter()
        .map(|s| source_text(tr, *s))
        .collect();
    if q.format.as_deref() == Some("csv") {
        let mut out = String::from("body,signups");
        for s in SignupSource::ALL {
            out.push_str(&format!(",{}", s.as_str()));
        }
        out.push_str(",registered_late,notice_late,held,consultations,satisfied,no_show,refused,declined,waiting,secrecy,surveys,rating,phone_surveys\n");
        for l in lines.iter().chain(std::iter::once(&total)) {
            let name = if l.body.is_empty() {
                "TOTAL"
            } else {
                l.body.as_str()
            };
            out.push_str(&format!("{name},{}", l.signups));
            for n in &l.by_source {
                out.push_str(&format!(",{n}"));
            }
            out.push_str(&format!(
                ",{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
                l.registered_late,
                l.notice_late,
                l.held,
                l.consultations,
                l.satisfied,
                l.no_show,
                l.refused,
                l.declined,
                l.waiting,
                l.secrecy,
                l.surveys,
                rating(l),
                l.phone_surveys
            ));
        }
        return (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"pr-{year}-q{quarter}.csv\""),
                ),
            ],
            out,
        )
            .into_response();
    }
    let names: std::collections::HashMap<String, String> = app
        .store
        .bodies(PageRequest::new(Some(500), None))
        .await
        .map(|p| p.items)
        .unwrap_or_default()
        .into_iter()
        .map(|b| {
            (
                b.code.clone(),
                format!("{} — {}", b.code, b.name.get(tr.lang)),
            )
        })
        .collect();
    let lines = lines
        .into_iter()
        .map(|l| {
            (
                names
                    .get(&l.body)
                    .cloned()
                    .unwrap_or_else(|| l.body.clone()),
                l,
            )
        })
        .collect();
    let page = ReportPage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        year,
        quarter,
        sources,
        lines,
        total,
    };
    render(page).into_response()
}

// ---------------------------------------------------------------- "E-appeals" import

/// One sign-up of the "E-appeals" system (JSON, or a CSV row with these column names).
#[derive(Debug, Deserialize, Default, Clone)]
pub struct ImportItem {
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub body: String,
    #[serde(default)]
    pub full_name: String,
    #[serde(default)]
    pub iin: String,
    #[serde(default)]
    pub phone: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub citizenship: String,
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub lang: String,
}

fn parse_csv(text: &str) -> Result<Vec<ImportItem>, String> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header: Vec<String> = split_csv(lines.next().ok_or("empty")?);
    let mut out = Vec::new();
    for (n, line) in lines.enumerate() {
        let cells = split_csv(line);
        if cells.len() != header.len() {
            return Err(format!(
                "line {}: {} cells, the header has {}",
                n + 2,
                cells.len(),
                header.len()
            ));
        }
        let mut it = ImportItem::default();
        for (h, v) in header.iter().zip(cells) {
            match h.as_str() {
                "external_id" => it.external_id = v,
                "body" => it.body = v,
                "full_name" => it.full_name = v,
                "iin" => it.iin = v,
                "phone" => it.phone = v,
                "email" => it.email = v,
                "citizenship" => it.citizenship = v,
                "question" => it.question = v,
                "lang" => it.lang = v,
                other => return Err(format!("unknown column `{other}`")),
            }
        }
        out.push(it);
    }
    Ok(out)
}

/// One CSV line (RFC 4180 quoting; no line breaks inside cells).
fn split_csv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// PR-02: the "E-appeals" intake. `Authorization: Bearer <token>`; a JSON array of
/// [`ImportItem`] or CSV (`text/csv`) with the same column names. Idempotent on `external_id`.
/// Answers one result per item, in order.
pub async fn import(
    State(app): State<AppState>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    let expected = app.config.e_appeals_token.as_deref().unwrap_or_default();
    if expected.is_empty() || !crate::context::same_token(expected, token) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(serde_json::json!({"error": "unauthorized", "message": "a valid E-appeals token is required"})),
        )
            .into_response();
    }
    let csv = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/csv"));
    let Ok(text) = std::str::from_utf8(&body) else {
        return (
            StatusCode::BAD_REQUEST,
            Json(serde_json::json!({"error": "invalid", "message": "the body is not UTF-8"})),
        )
            .into_response();
    };
    let items = if csv {
        parse_csv(text)
    } else {
        serde_json::from_str::<Vec<ImportItem>>(text).map_err(|e| e.to_string())
    };
    let items = match items {
        Ok(i) if i.len() <= 1000 => i,
        Ok(_) => {
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(serde_json::json!({"error": "too_many", "message": "at most 1000 sign-ups per request"})),
            )
                .into_response()
        }
        Err(m) => {
            return (
                StatusCode::BAD_REQUEST,
                Json(serde_json::json!({"error": "invalid", "message": m})),
            )
                .into_response()
        }
    };
    let tr = Tr::new(Lang::En);
    let mut results = Vec::new();
    for it in items {
        if it.external_id.trim().is_empty() || it.external_id.len() > 100 {
            results.push(
                serde_json::json!({"external_id": it.external_id, "status": "refused",
                "problems": [{"field": "external_id", "message": tr.get("pr-field-required")}]}),
            );
            continue;
        }
        let lang = Lang::parse(&it.lang).unwrap_or(Lang::Ru);
        let form = SignupForm {
            full_name: it.full_name.clone(),
            iin: it.iin.clone(),
            phone: it.phone.clone(),
            email: it.email.clone(),
            citizenship: if it.citizenship.is_empty() {
                "kz".into()
            } else {
                it.citizenship.clone()
            },
            question: it.question.clone(),
            confirmed: false,
            has_scan: false,
        };
        let r = app
            .pr_take(
                None,
                SignupSource::EAppeals,
                &it.body,
                &form,
                lang,
                Some(it.external_id.trim().to_owned()),
                None,
                None,
            )
            .await;
        results.push(match r {
            Ok(t) => serde_json::json!({"external_id": it.external_id, "status": if t.new {"accepted"} else {"known"},
                "card_id": t.card_id, "accepted_at": t.accepted_at.format("%Y-%m-%dT%H:%M").to_string(), "queued": t.queued}),
            Err(PrError::Invalid(p)) => serde_json::json!({"external_id": it.external_id, "status": "refused",
                "problems": p.iter().map(|p| serde_json::json!({"field": p.field, "message": tr.get(p.key)})).collect::<Vec<_>>()}),
            Err(e) => {
                tracing::error!(error = ?e, "E-appeals import item failed");
                serde_json::json!({"external_id": it.external_id, "status": "error", "message": e.text(tr)})
            }
        });
    }
    Json(serde_json::json!({"results": results})).into_response()
}

/// Whether a sign-up is visible to `user` (used by the card page's links).
pub fn visible(user: &StaffUser, s: &Signup) -> bool {
    may_see(user, visibility(s))
}

// ---------------------------------------------------------------- the applicant's own sign-up

#[derive(Template)]
#[template(path = "pr_portal.html")]
struct PortalPage {
    t: Tr,
    layout: Layout,
    iin: String,
    full_name: String,
    /// (code, name) of the bodies.
    bodies: Vec<(String, String)>,
    /// What was typed: body, phone, email, citizenship, question.
    typed: (String, String, String, String, String),
    message: Option<String>,
    is_error: bool,
    demo: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct PortalQuery {
    done: Option<i64>,
}

async fn portal_page(
    app: &App,
    ctx: &Ctx,
    me: &crate::cabinet::ApplicantCtx,
    typed: (String, String, String, String, String),
    message: Option<(String, bool)>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let bodies = otinish_app::directory::open_bodies(app.store.as_ref())
        .await
        .unwrap_or_default()
        .into_iter()
        .map(|b| (b.code.clone(), b.name.get(tr.lang).to_owned()))
        .collect();
    let page = PortalPage {
        t: tr,
        layout: Layout::new(app, ctx),
        iin: me.applicant.tax_id().to_owned(),
        full_name: me.applicant.display_name(),
        bodies,
        typed,
        is_error: message.as_ref().is_some_and(|(_, e)| *e),
        message: message.map(|(m, _)| m),
        demo: app.config.demo,
    };
    (status, render(page)).into_response()
}

/// PR-02 on the portal: the applicant's sign-up form, signed with their own key.
pub async fn portal_form(
    State(app): State<AppState>,
    ctx: Ctx,
    me: crate::cabinet::ApplicantCtx,
    Query(q): Query<PortalQuery>,
) -> Response {
    // Just signed up: said with the sign-up's own facts, and only to its applicant.
    let mut message = None;
    if let Some(id) = q.done {
        if let Ok(s) = app.store.pr_signup(id).await {
            if s.card.applicant_id == Some(me.id) {
                message = Some((
                    ctx.tr.with(
                        "pr-portal-done",
                        &[
                            ("number", id.to_string()),
                            ("at", local(&app, s.card.received_at)),
                        ],
                    ),
                    false,
                ));
            }
        }
    }
    let email = match &me.applicant {
        otinish_domain::model::Applicant::Individual { email, .. } => {
            email.as_ref().map(|e| e.to_string()).unwrap_or_default()
        }
        _ => String::new(),
    };
    let typed = (
        String::new(),
        String::new(),
        email,
        "kz".into(),
        String::new(),
    );
    portal_page(&app, &ctx, &me, typed, message, StatusCode::OK).await
}

/// Takes the signed sign-up (or, in demo mode, signs it with the applicant's demo key).
pub async fn portal_submit(
    State(app): State<AppState>,
    ctx: Ctx,
    me: crate::cabinet::ApplicantCtx,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let get = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let tr = ctx.tr;
    let typed = (
        get("body"),
        get("phone"),
        get("email"),
        get("citizenship"),
        get("question"),
    );
    let signature: Vec<u8> = if get("demo_sign") == "1" {
        use crate::cabinet::DemoSignature;
        let form: serde_json::Map<String, serde_json::Value> = fields
            .iter()
            .filter(|(k, _)| !["csrf", "demo_sign", "signature"].contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let doc = serde_json::json!({"otinish": "pr-signup/1", "form": form}).to_string();
        match crate::cabinet::demo_signature(&app, &me.applicant, doc.as_bytes()) {
            DemoSignature::Signed(s) => s,
            DemoSignature::NotDemo => {
                return page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
            }
            DemoSignature::NoKey => {
                let m = Some((tr.get("appeal-unsigned"), true));
                return portal_page(&app, &ctx, &me, typed, m, StatusCode::UNPROCESSABLE_ENTITY)
                    .await;
            }
            DemoSignature::Failed => {
                return page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
            }
        }
    } else if get("signature").trim().is_empty() {
        let m = Some((tr.get("appeal-unsigned"), true));
        return portal_page(&app, &ctx, &me, typed, m, StatusCode::UNPROCESSABLE_ENTITY).await;
    } else {
        get("signature").into_bytes()
    };
    match app.pr_sign_up(me.id, &signature, tr.lang).await {
        Ok(t) => {
            Redirect::to(&format!("/cabinet/personal-reception?done={}", t.card_id)).into_response()
        }
        Err(PrError::Store(e)) => {
            tracing::error!(error = %e, "portal sign-up failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(PrError::Forbidden) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(e) => {
            let m = Some((e.text(tr), true));
            portal_page(&app, &ctx, &me, typed, m, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}
