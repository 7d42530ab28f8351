//! Pages of the VKS reception: the reception itself (by role: body, executor, branch,
//! operator), the VKS desk (timetables, equipment checks, the branch's day, messages) and the
//! public monthly timetable. They show what the services in [`crate::reception`] decide.

use crate::conference::Participant;
use crate::context::Ctx;
use crate::extract::{CsrfForm, Staff};
use crate::i18n::Tr;
use crate::pages::{page_error, render, Layout};
use crate::reception::{standing, when, ReceptionError, Standing};
use crate::{App, AppState};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use otinish_domain::model::{Applicant, Role, StaffUser};
use otinish_domain::reception::{ReceptionRecord, ReceptionState};
use otinish_domain::repo::{Booking, ReceptionFilter};
use serde::Deserialize;

fn state_text(tr: Tr, s: ReceptionState) -> String {
    tr.get(&format!("vks-reception-{}", s.as_str().replace('_', "-")))
}

#[derive(Template)]
#[template(path = "reception.html")]
struct ReceptionPage {
    t: Tr,
    layout: Layout,
    id: i64,
    card_id: i64,
    message: Option<String>,
    is_error: bool,
    state: String,
    facts: Vec<(String, String)>,
    /// VC-03's fields as the applicant signed them (body staff and the branch only, VC-20).
    form: Vec<(String, String)>,
    record: Vec<(String, String)>,
    instructions: Vec<String>,
    join: Option<String>,
    can_register: bool,
    /// GEN-09, VC-10: the hearings before a refusal, and what may be done about them.
    hearing: crate::hearing::HearingPanel,
    hearing_action: String,
    can_decide: bool,
    /// VC-09: what the head signs to appoint, or to refuse.
    appoint_document: String,
    refuse_document: String,
    /// Demo mode: the head's demo key may sign.
    demo: bool,
    can_reschedule: bool,
    free_slots: Vec<(i64, String)>,
    can_check_equipment: bool,
    can_check_in: bool,
    can_no_show: bool,
    can_record: bool,
    executors: Vec<(i64, String)>,
    typed: RecordForm,
}

#[derive(Debug, Deserialize, Default, Clone)]
pub struct RecordForm {
    #[serde(default)]
    pub introduction: String,
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub clarifications: String,
    #[serde(default)]
    pub discussion: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub executor: String,
    #[serde(default)]
    pub instruction: String,
    #[serde(default)]
    pub executor2: String,
    #[serde(default)]
    pub instruction2: String,
    /// The head's own signature of a decision or a record (VC-09, VC-17).
    #[serde(default)]
    signature: String,
    /// GEN-09: a hearing's fields.
    #[serde(flatten)]
    hearing: crate::hearing::HearingForm,
    // Other steps' fields.
    #[serde(default)]
    slot: String,
    #[serde(default)]
    ok: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    document: String,
}

impl RecordForm {
    fn fields(&self) -> crate::reception::RecordFields {
        crate::reception::RecordFields {
            introduction: self.introduction.clone(),
            question: self.question.clone(),
            clarifications: self.clarifications.clone(),
            discussion: self.discussion.clone(),
            summary: self.summary.clone(),
            decision: self.decision.clone(),
            executor: self.executor.clone(),
            instruction: self.instruction.clone(),
            executor2: self.executor2.clone(),
            instruction2: self.instruction2.clone(),
        }
    }

    /// The head's own signature (CMS, base64) sent with the step, if any.
    fn signature(&self) -> Option<&[u8]> {
        Some(self.signature.trim())
            .filter(|s| !s.is_empty())
            .map(str::as_bytes)
    }
}

async fn reception_page(
    app: &App,
    ctx: &Ctx,
    user: &StaffUser,
    id: i64,
    message: Option<(String, bool)>,
    typed: RecordForm,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let (b, s) = match app.reception(user, id).await {
        Ok(x) => x,
        Err(ReceptionError::Forbidden) => {
            return page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden")
        }
        Err(_) => return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found"),
    };
    let body = app.store.body(b.card.body_id).await.ok();
    let officials = app
        .store
        .officials(b.card.body_id)
        .await
        .unwrap_or_default();
    let official = officials.iter().find(|o| o.id == b.slot.official_id);
    let cal = app.calendar.read().await.clone();
    // VC-01: on the day, the first head's reception passes to a deputy if the head is away.
    let presiding = otinish_domain::model::presiding_official(&officials, b.slot.starts.date())
        .ok()
        .filter(|_| {
            official.is_some_and(|o| o.rank == otinish_domain::model::OfficialRank::FirstHead)
        })
        .or(official);
    let local = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&cal.zone().tz)
            .format("%d.%m.%Y %H:%M")
            .to_string()
    };
    let mut facts = vec![
        (tr.get("vks-reception-state"), state_text(tr, b.state)),
        (
            tr.get("vks-when"),
            format!("{} ({} {})", when(&b), b.slot.minutes, tr.get("vks-min")),
        ),
        (
            tr.get("vks-body"),
            body.as_ref()
                .map(|x| x.name.get(tr.lang).to_owned())
                .unwrap_or_default(),
        ),
        (
            tr.get("vks-official"),
            presiding
                .map(|o| format!("{}, {}", o.full_name, o.position.get(tr.lang)))
                .unwrap_or_default(),
        ),
        (tr.get("vks-branch"), app_branch(app, b.branch_id, tr).await),
    ];
    if let Some(d) = b.decided_at {
        facts.push((tr.get("vks-decided-at"), local(d)));
    }
    if b.state == ReceptionState::Appointed || b.equipment_checked_at.is_some() {
        let due = app
            .equipment_due(&b)
            .await
            .map(|d| d.format("%d.%m.%Y").to_string())
            .unwrap_or_default();
        let result = match (b.equipment_checked_at, b.equipment_ok) {
            (Some(at), Some(true)) => format!("{} — {}", tr.get("vks-equipment-ok"), local(at)),
            (Some(at), _) => format!(
                "{} — {} {}",
                tr.get("vks-equipment-fault"),
                local(at),
                b.equipment_note.clone().unwrap_or_default()
            ),
            _ => tr.with("vks-equipment-due", &[("date", due)]),
        };
        facts.push((tr.get("vks-equipment"), result));
    }
    if let (Some(at), Some(doc)) = (b.arrived_at, &b.id_document) {
        let early = (b.slot.starts - at).num_minutes();
        facts.push((
            tr.get("vks-arrived"),
            format!(
                "{} · {} · {}",
                at.format("%H:%M"),
                tr.with("vks-minutes-early", &[("n", early.to_string())]),
                doc
            ),
        ));
    }
    if let Some(room) = &b.room {
        facts.push((
            tr.get("vks-room"),
            format!("{room} ({})", app.settings.conference.name()),
        ));
    }
    // VC-20: the operator sees times, places and equipment; the applicant's data only the
    // body and the branch handling the reception.
    let personal = matches!(s, Standing::Body | Standing::Branch | Standing::Executor);
    let mut form = Vec::new();
    if personal {
        if let Ok(a) = app.store.appeal(b.card.id).await {
            match &a.applicant {
                Applicant::Individual { iin, .. } => {
                    form.push((tr.get("appeal-iin"), iin.to_string()))
                }
                Applicant::LegalEntity { bin, .. } => {
                    form.push((tr.get("appeal-bin"), bin.to_string()))
                }
            }
            form.push((tr.get("vks-form-name"), a.applicant.display_name()));
        }
        let v: serde_json::Value = serde_json::from_str(&b.form).unwrap_or_default();
        let f = v.get("form").cloned().unwrap_or_default();
        for key in [
            "address",
            "email",
            "phones",
            "workplace",
            "position",
            "lang",
            "question",
        ] {
            if let Some(x) = f.get(key).and_then(|x| x.as_str()) {
                form.push((tr.get(&format!("vks-form-{key}")), x.to_owned()));
            }
        }
    }
    let rec: Option<ReceptionRecord> = b
        .record
        .as_deref()
        .and_then(|r| serde_json::from_str(r).ok());
    let loads = app
        .store
        .executor_loads(b.card.body_id)
        .await
        .unwrap_or_default();
    let executors: Vec<(i64, String)> = loads
        .iter()
        .filter(|(u, _)| u.has_role(Role::Executor))
        .map(|(u, n)| (u.id, format!("{} ({n})", u.full_name)))
        .collect();
    let record = rec
        .as_ref()
        .map(|r| {
            r.steps()
                .iter()
                .map(|(k, v)| (tr.get(&format!("vks-field-{k}")), (*v).to_owned()))
                .collect()
        })
        .unwrap_or_default();
    let instructions = rec
        .as_ref()
        .map(|r| {
            r.instructions
                .iter()
                .map(|i| {
                    let who = loads
                        .iter()
                        .find(|(u, _)| u.id == i.executor_id)
                        .map(|(u, _)| u.full_name.clone())
                        .unwrap_or_default();
                    format!("{who}: {}", i.text)
                })
                .collect()
        })
        .unwrap_or_default();
    let is = |r: Role| user.has_role(r);
    let body_side = s == Standing::Body;
    let card_registered = b.card.state == otinish_domain::model::CardState::Registered;
    let free_slots = if body_side && b.state == ReceptionState::Appointed {
        app.free_slots_for(&b)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|x| (x.id, x.starts.format("%d.%m.%Y %H:%M").to_string()))
            .collect()
    } else {
        vec![]
    };
    let join = match s {
        Standing::Body if is(Role::Head) => app.join_link(
            &b,
            Participant::Head,
            &presiding.map(|o| o.full_name.clone()).unwrap_or_default(),
        ),
        Standing::Branch => app.join_link(
            &b,
            Participant::Branch,
            &app_branch(app, b.branch_id, tr).await,
        ),
        _ => None,
    };
    let now = app.clock.now().with_timezone(&cal.zone().tz).naive_local();
    // VC-09: the documents the head signs to decide.
    let code = app
        .store
        .body(b.card.body_id)
        .await
        .map(|body| body.code)
        .unwrap_or_default();
    let appoint_document = otinish_app::Service::vks_decision_document(&b, &code, true);
    let refuse_document = otinish_app::Service::vks_decision_document(&b, &code, false);
    // GEN-09: the hearing panel is the body's; a request that is no longer waiting for the
    // head's decision takes no new step.
    let mut hearing = if body_side {
        app.hearing_panel(user, &b.card, tr).await
    } else {
        crate::hearing::HearingPanel::default()
    };
    hearing.can_act &= b.state == ReceptionState::Requested;
    let page = ReceptionPage {
        t: tr,
        layout: Layout::new(app, ctx),
        id,
        appoint_document,
        refuse_document,
        demo: app.settings.demo,
        card_id: b.card.id,
        message: message.as_ref().map(|(m, _)| m.clone()),
        is_error: message.as_ref().is_some_and(|(_, e)| *e),
        state: state_text(tr, b.state),
        facts,
        form,
        record,
        instructions,
        join,
        can_register: body_side
            && b.card.state == otinish_domain::model::CardState::Received
            && (is(Role::ReceptionSecretary) || is(Role::Registrar)),
        hearing,
        hearing_action: format!("/staff/receptions/{id}"),
        can_decide: body_side
            && b.state == ReceptionState::Requested
            && card_registered
            && is(Role::Head),
        can_reschedule: !free_slots.is_empty() && (is(Role::ReceptionSecretary) || is(Role::Head)),
        free_slots,
        can_check_equipment: s == Standing::Operator && b.state == ReceptionState::Appointed,
        can_check_in: s == Standing::Branch
            && b.state == ReceptionState::Appointed
            && now.date() == b.slot.starts.date(),
        can_no_show: s == Standing::Branch
            && b.state == ReceptionState::Appointed
            && now >= b.slot.starts,
        can_record: body_side && b.state == ReceptionState::CheckedIn && is(Role::Head),
        executors,
        typed,
    };
    (status, render(page)).into_response()
}

async fn app_branch(app: &App, id: i64, tr: Tr) -> String {
    app.store
        .branches(otinish_domain::repo::PageRequest::new(Some(500), None))
        .await
        .map(|p| {
            p.items
                .into_iter()
                .find(|b| b.id == id)
                .map(|b| format!("{}, {}", b.name.get(tr.lang), b.address.get(tr.lang)))
                .unwrap_or_default()
        })
        .unwrap_or_default()
}

#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    done: Option<String>,
}

pub async fn reception(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> Response {
    let msg = q.done.is_some().then(|| (ctx.tr.get("staff-done"), false));
    reception_page(
        &app,
        &ctx,
        &user,
        id,
        msg,
        RecordForm::default(),
        StatusCode::OK,
    )
    .await
}

/// Every step of a reception; the services check role, body or branch, and the rules.
pub async fn action(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<RecordForm>,
) -> Response {
    let result = match action.as_str() {
        "register" => app.vks_register(&user, id).await,
        step if step.starts_with("hearing-") => match f.hearing.step(step) {
            Some(s) => app.vks_hearing(&user, id, s).await,
            None => return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
        },
        "appoint" => app.vks_decide(&user, id, true, f.signature()).await,
        "refuse" => app.vks_decide(&user, id, false, f.signature()).await,
        "reschedule" => match f.slot.trim().parse::<i64>() {
            Ok(slot) => app.vks_reschedule(&user, id, slot).await,
            Err(_) => Err(ReceptionError::SlotTaken),
        },
        "equipment" => app.vks_equipment(&user, id, f.ok == "1", &f.note).await,
        "check_in" => app.vks_check_in(&user, id, &f.document).await.map(|_| ()),
        "no_show" => app.vks_no_show(&user, id).await,
        "record" => {
            app.vks_record_signed(&user, id, &f.fields(), f.signature())
                .await
        }
        _ => return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/staff/receptions/{id}?done=1")).into_response(),
        Err(ReceptionError::Forbidden) => {
            page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
        }
        Err(ReceptionError::NotFound) => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
        Err(e @ ReceptionError::Store(_)) => {
            tracing::error!(error = ?e, reception = id, action, "reception step failed");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let status = match e {
                ReceptionError::SlotTaken => StatusCode::CONFLICT,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            let text = e.text(ctx.tr);
            reception_page(&app, &ctx, &user, id, Some((text, true)), f, status).await
        }
    }
}

/// (id, body, month, due, sent, publish due, published, late)
type TimetableRow = (i64, String, String, String, String, String, String, bool);
/// (when, official, position, branch, address)
type PublicRow = (String, String, String, String, String);

#[derive(Template)]
#[template(path = "vks_desk.html")]
struct DeskPage {
    t: Tr,
    layout: Layout,
    message: Option<String>,
    can_send: bool,
    next_month: String,
    /// (reception id, when, body, branch, state, equipment due or result)
    receptions: Vec<(i64, String, String, String, String, String)>,
    /// (id, body, month, due, sent, publish due, published, late)
    timetables: Vec<TimetableRow>,
    can_publish: bool,
    messages: Vec<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct DeskQuery {
    done: Option<String>,
}

/// The VKS desk: the secretary sends the month's timetable; the operator publishes
/// timetables and checks equipment; the branch sees its receptions; each sees its messages.
pub async fn desk(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Query(q): Query<DeskQuery>,
) -> Response {
    let msg = q.done.is_some().then(|| ctx.tr.get("staff-done"));
    desk_page(&app, &ctx, &user, msg, StatusCode::OK).await
}

async fn desk_page(
    app: &App,
    ctx: &Ctx,
    user: &StaffUser,
    message: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let is = |r: Role| user.has_role(r);
    let secretary = user.body_id.is_some() && (is(Role::ReceptionSecretary) || is(Role::Head));
    let operator = is(Role::Operator);
    let branch = user.branch_id.filter(|_| is(Role::BranchOperator));
    if !(secretary || operator || branch.is_some()) {
        return page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let cal = app.calendar.read().await.clone();
    let now = app.clock.now();
    let today = cal.zone().local_date(now);
    let from = today.and_hms_opt(0, 0, 0).unwrap_or_default();
    let filter = ReceptionFilter {
        body_id: if operator || branch.is_some() {
            None
        } else {
            user.body_id
        },
        branch_id: if operator { None } else { branch },
        from,
        to: from + chrono::Duration::days(if branch.is_some() { 8 } else { 45 }),
        states: vec![
            ReceptionState::Requested,
            ReceptionState::Appointed,
            ReceptionState::CheckedIn,
            ReceptionState::NoShow,
            ReceptionState::Held,
        ],
    };
    let list = app.store.receptions(&filter).await.unwrap_or_default();
    let bodies = app
        .store
        .bodies(otinish_domain::repo::PageRequest::new(Some(500), None))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let body_name = |id: i64| {
        bodies
            .iter()
            .find(|b| b.id == id)
            .map(|b| b.name.get(tr.lang).to_owned())
            .unwrap_or_default()
    };
    let mut receptions = Vec::new();
    for b in &list {
        let equipment = equipment_cell(app, tr, b).await;
        receptions.push((
            b.id,
            when(b),
            body_name(b.card.body_id),
            app_branch(app, b.branch_id, tr).await,
            state_text(tr, b.state),
            equipment,
        ));
    }
    let tts = if operator {
        app.store.timetables(None).await.unwrap_or_default()
    } else if secretary {
        app.store.timetables(user.body_id).await.unwrap_or_default()
    } else {
        vec![]
    };
    let d = |x: Option<chrono::NaiveDate>| {
        x.map(|d| d.format("%d.%m.%Y").to_string())
            .unwrap_or_default()
    };
    let timetables = tts
        .iter()
        .map(|t| {
            let sent_on = cal.zone().local_date(t.sent_at);
            let published_on = t.published_at.map(|p| cal.zone().local_date(p));
            // VC-12 late when sent after its day; VC-13 late when not published by its day.
            let late = t.due_on.is_some_and(|due| sent_on > due)
                || t.publish_due_on
                    .is_some_and(|due| published_on.unwrap_or(today) > due);
            (
                t.id,
                body_name(t.body_id),
                t.month.format("%m.%Y").to_string(),
                d(t.due_on),
                sent_on.format("%d.%m.%Y").to_string(),
                d(t.publish_due_on),
                d(published_on),
                late,
            )
        })
        .collect();
    let messages = if operator {
        app.store.vks_messages(None).await.unwrap_or_default()
    } else if let Some(b) = branch {
        app.store.vks_messages(Some(b)).await.unwrap_or_default()
    } else {
        vec![]
    }
    .iter()
    .map(|m| {
        format!(
            "{} — {}",
            m.created_at
                .with_timezone(&cal.zone().tz)
                .format("%d.%m.%Y %H:%M"),
            m.text
        )
    })
    .collect();
    let next_month = otinish_domain::reception::next_month(today)
        .format("%Y-%m")
        .to_string();
    let page = DeskPage {
        t: tr,
        layout: Layout::new(app, ctx),
        message,
        can_send: secretary,
        next_month,
        receptions,
        timetables,
        can_publish: operator,
        messages,
    };
    (status, render(page)).into_response()
}

async fn equipment_cell(app: &App, tr: Tr, b: &Booking) -> String {
    match (b.equipment_checked_at, b.equipment_ok) {
        (Some(_), Some(true)) => tr.get("vks-equipment-ok"),
        (Some(_), _) => tr.get("vks-equipment-fault"),
        _ if b.state == ReceptionState::Appointed => app
            .equipment_due(b)
            .await
            .map(|d| {
                tr.with(
                    "vks-equipment-due",
                    &[("date", d.format("%d.%m.%Y").to_string())],
                )
            })
            .unwrap_or_default(),
        _ => String::new(),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct TimetableForm {
    #[serde(default)]
    month: String,
}

/// VC-12: the secretary sends the month's timetable.
pub async fn send_timetable(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    CsrfForm(f): CsrfForm<TimetableForm>,
) -> Response {
    match app.vks_send_timetable(&user, &f.month).await {
        Ok(_) => Redirect::to("/staff/vks?done=1").into_response(),
        Err(ReceptionError::Forbidden) => {
            page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
        }
        Err(e @ ReceptionError::Store(_)) => {
            tracing::error!(error = ?e, "timetable not sent");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let text = e.text(ctx.tr);
            desk_page(
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

/// VC-13: the operator publishes a timetable.
pub async fn publish_timetable(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    CsrfForm(_): CsrfForm<TimetableForm>,
) -> Response {
    match app.vks_publish_timetable(&user, id).await {
        Ok(()) => Redirect::to("/staff/vks?done=1").into_response(),
        Err(ReceptionError::Forbidden) => {
            page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden")
        }
        Err(ReceptionError::NotFound) => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
        Err(e @ ReceptionError::Store(_)) => {
            tracing::error!(error = ?e, "timetable not published");
            page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
        }
        Err(e) => {
            let text = e.text(ctx.tr);
            desk_page(&app, &ctx, &user, Some(text), StatusCode::CONFLICT).await
        }
    }
}

#[derive(Template)]
#[template(path = "vks_timetable.html")]
struct PublicTimetablePage {
    t: Tr,
    layout: Layout,
    /// (body, month, rows of (when, official, position, branch, address))
    tables: Vec<(String, String, Vec<PublicRow>)>,
}

/// VC-13: the published monthly timetables on the portal (no personal data of applicants).
pub async fn public_timetable(State(app): State<AppState>, ctx: Ctx) -> Response {
    let tr = ctx.tr;
    let all = app.store.timetables(None).await.unwrap_or_default();
    let bodies = app
        .store
        .bodies(otinish_domain::repo::PageRequest::new(Some(500), None))
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let names = |v: &serde_json::Value| {
        serde_json::from_value::<otinish_domain::Names>(v.clone())
            .map(|n| n.get(tr.lang).to_owned())
            .unwrap_or_default()
    };
    let tables = all
        .iter()
        .filter(|t| t.published_at.is_some())
        .map(|t| {
            let entries: Vec<serde_json::Value> =
                serde_json::from_str(&t.entries).unwrap_or_default();
            let rows = entries
                .iter()
                .map(|e| {
                    let starts = e["starts"].as_str().unwrap_or_default();
                    let shown = chrono::NaiveDateTime::parse_from_str(starts, "%Y-%m-%dT%H:%M")
                        .map(|s| s.format("%d.%m.%Y %H:%M").to_string())
                        .unwrap_or_default();
                    (
                        shown,
                        e["official"].as_str().unwrap_or_default().to_owned(),
                        names(&e["position"]),
                        names(&e["branch"]),
                        names(&e["branch_address"]),
                    )
                })
                .collect();
            (
                bodies
                    .iter()
                    .find(|b| b.id == t.body_id)
                    .map(|b| b.name.get(tr.lang).to_owned())
                    .unwrap_or_default(),
                t.month.format("%m.%Y").to_string(),
                rows,
            )
        })
        .collect();
    render(PublicTimetablePage {
        t: tr,
        layout: Layout::new(&app, &ctx),
        tables,
    })
}

/// The reception behind a VKS card, for the link on the card page.
pub async fn reception_of_card(app: &App, user: &StaffUser, card_id: i64) -> Option<i64> {
    let b = app.store.booking_of_card(card_id).await.ok()?;
    standing(user, &b).map(|_| b.id)
}
