//! One card as the staff see it (its page, file, journal and actions), and the actions
//! themselves: each checked by the services against role and body.

use super::*;

#[derive(Template)]
#[template(path = "card.html")]
struct CardPage {
    t: Tr,
    layout: Layout,
    id: i64,
    /// GEN-09: the hearings before an adverse decision, and what may be done about them.
    hearing: crate::hearing::HearingPanel,
    /// GEN-01: the governing editions still to be confirmed, each in words.
    edition_marks: Vec<String>,
    hearing_action: String,
    message: Option<String>,
    is_error: bool,
    /// What was typed into the action that was refused, given back in its form.
    typed: CardTyped,
    state_label: String,
    facts: Vec<(String, String)>,
    content: String,
    files: Vec<(i64, String)>,
    deadlines: Vec<crate::cabinet::TermLine>,
    can_send: bool,
    can_redirect: bool,
    can_decide: bool,
    can_sign: bool,
    can_archive: bool,
    executors: Vec<(i64, String, bool)>,
    bodies: Vec<(i64, String)>,
    decisions: Vec<(String, String)>,
    signatures: String,
    notices: Vec<String>,
    journal: Vec<String>,
    can_progress: bool,
    progress: Vec<String>,
    /// The VKS reception behind the card, if the user may open it.
    reception_id: Option<i64>,
    /// VA-09: a video appeal's recording (its length) to play.
    recording: Option<String>,
    /// VA-13: the answer is signed: its letter can be printed for the postal address.
    can_print_letter: bool,
    /// VA-09: the responsible employee registers a received video appeal, or (VA-07) leaves it
    /// without consideration.
    can_register: bool,
    /// GEN-08: the registrar or head closes an appeal governed by another procedure.
    can_close_out_of_scope: bool,
    /// The procedures the appeal may belong to, with their labels.
    out_of_scope_grounds: Vec<(&'static str, String)>,
    /// EA-09: the answer document the head and the registrar sign with their own keys.
    answer_document: String,
    /// Demo mode: the demo key may sign for the staff member.
    demo: bool,
}

#[derive(Debug, Deserialize, Default)]
pub struct CardQuery {
    done: Option<String>,
}

/// The typed fields of the card's action forms.
#[derive(Debug, Default, Clone)]
struct CardTyped {
    to_body: String,
    reason: String,
    main: String,
    decision: String,
    answer: String,
    note: String,
    ground: String,
    explanation: String,
}

impl From<&ActionForm> for CardTyped {
    fn from(f: &ActionForm) -> Self {
        let v = |o: &Option<String>| o.clone().unwrap_or_default();
        Self {
            to_body: v(&f.to_body),
            reason: v(&f.reason),
            main: v(&f.main),
            decision: v(&f.decision),
            answer: v(&f.answer),
            note: v(&f.note),
            ground: v(&f.ground),
            explanation: v(&f.explanation),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn card_page(
    app: &App,
    ctx: &Ctx,
    user: &StaffUser,
    id: i64,
    message: Option<(String, bool)>,
    typed: CardTyped,
    status: StatusCode,
) -> Response {
    let tr = ctx.tr;
    let Ok(card) = app.store.card(id).await else {
        return page_error(ctx, StatusCode::NOT_FOUND, "error-not-found");
    };
    if !may_see(user, &card) {
        return page_error(ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    // VC-20: personal data is shown only to the body's staff, and each access is recorded.
    if let Err(e) = app.log_access(user, &card, AccessKind::CardOpened).await {
        return crate::access::not_recorded(ctx, &e);
    }
    let appeal = app.store.appeal(id).await.ok();
    let mut facts = vec![
        (tr.get("appeal-state"), state_text(tr, card.state)),
        (
            tr.get("appeal-registered-as"),
            card.reg_number
                .as_ref()
                .map(|n| n.to_string())
                .unwrap_or_else(|| tr.get("list-not-registered")),
        ),
        (
            tr.get("appeal-kind"),
            tr.get(&format!("kind-{}", card.kind.as_str())),
        ),
        (tr.get("appeal-received"), local(app, card.received_at)),
    ];
    if let Some(a) = &appeal {
        match &a.applicant {
            Applicant::Individual { iin, .. } => {
                facts.push((tr.get("appeal-iin"), iin.to_string()))
            }
            Applicant::LegalEntity { bin, org_name, .. } => {
                facts.push((tr.get("appeal-bin"), bin.to_string()));
                facts.push((tr.get("appeal-org-name"), org_name.clone()));
            }
        }
        facts.push((tr.get("appeal-surname"), a.applicant.display_name()));
        facts.push((tr.get("appeal-address"), a.postal_address.clone()));
        if let Some(e) = &a.email {
            facts.push((tr.get("appeal-email"), e.clone()));
        }
        if let Some(c) = &a.signature_check {
            facts.extend(signature_facts(app, &tr, c, a.signed_at));
        }
    }
    if let Some(e) = card.executor_id {
        facts.push((
            tr.get("staff-executor"),
            app.store
                .staff(e)
                .await
                .map(|s| s.full_name)
                .unwrap_or_default(),
        ));
    }
    if let Some(d) = &card.decision {
        facts.push((
            tr.get("staff-decision"),
            tr.get(&format!("decision-{}", d.replace('_', "-"))),
        ));
    }
    if let Some(a) = &card.answer {
        facts.push((tr.get("staff-answer-text"), a.clone()));
    }
    let now = app.clock.now();
    let deadlines = deadline_lines(
        tr,
        &app.store.deadlines(id).await.unwrap_or_default(),
        card.state,
        now,
    );
    let is = |r: Role| user.has_role(r);
    let registrar_or_head = is(Role::Registrar) || is(Role::Head);
    let loads = app
        .store
        .executor_loads(card.body_id)
        .await
        .unwrap_or_default();
    let executors = loads
        .iter()
        .filter(|(u, _)| u.has_role(Role::Executor))
        .map(|(u, n)| {
            (
                u.id,
                format!("{} ({n})", u.full_name),
                card.executor_id == Some(u.id),
            )
        })
        .collect();
    let bodies = otinish_app::directory::open_bodies(app.store.as_ref())
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b.id != card.body_id)
        .map(|b| (b.id, b.name.get(tr.lang).to_owned()))
        .collect();
    let received_on = app
        .calendar
        .try_read()
        .ok()
        .map(|cal| cal.zone().local_date(card.received_at));
    let gov = received_on.and_then(|day| app.rulebooks.governing(card.channel, day).ok());
    // GEN-01: an edition still to be confirmed is named on every card it governs.
    let edition_marks: Vec<String> = gov
        .map(|g| {
            g.awaiting_confirmation(&app.confirmed_editions())
                .iter()
                .map(|b| {
                    tr.with(
                        "edition-awaits-confirmation",
                        &[
                            ("title", b.title.get(tr.lang).to_owned()),
                            (
                                "why",
                                b.to_be_confirmed
                                    .as_ref()
                                    .map(|w| w.get(tr.lang).to_owned())
                                    .unwrap_or_default(),
                            ),
                        ],
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let decisions = gov
        .map(|g| g.decisions().to_vec())
        .unwrap_or_default()
        .into_iter()
        .map(|d| {
            let label = tr.get(&format!("decision-{}", d.replace('_', "-")));
            (d, label)
        })
        .collect();
    let signed = app.store.answer_signatures(id).await.unwrap_or_default();
    let mut names = StaffNames::default();
    let signatures = if matches!(card.state, CardState::Decided) || !signed.is_empty() {
        signing_status(app, tr, &mut names, id).await
    } else {
        String::new()
    };
    let already_signed = signed.iter().any(|(r, _, _)| {
        (r == "head" && is(Role::Head))
            || (r == "registrar" && is(Role::Registrar) && !is(Role::Head))
    });
    let can_sign = card.state == CardState::Decided && registrar_or_head && !already_signed;
    // The answer as it is signed: fixed by the first signatory who opens the card.
    let answer_document = if can_sign {
        app.answer_document(&card)
            .await
            .map(|(d, _)| d)
            .unwrap_or_default()
    } else {
        String::new()
    };
    let journal_entries = app
        .store
        .journal_for(&format!("card:{id}"))
        .await
        .unwrap_or_default();
    let progress = journal_entries
        .iter()
        .filter(|e| e.draft.action == "progress")
        .map(|e| {
            let note = serde_json::from_str::<serde_json::Value>(&e.draft.details)
                .ok()
                .and_then(|v| v["note"].as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("{} — {note}", local(app, e.draft.at))
        })
        .collect();
    let reception_id = if card.channel == otinish_domain::model::Channel::Vks {
        crate::reception_pages::reception_of_card(app, user, id).await
    } else {
        None
    };
    let recording = if card.channel == otinish_domain::model::Channel::VideoAppeal {
        app.store.video_appeal(id).await.ok().map(|v| {
            format!(
                "{}:{:02}",
                v.duration_ms / 60_000,
                (v.duration_ms / 1000) % 60
            )
        })
    } else {
        None
    };
    // GEN-09: the hearing before an adverse decision. A VKS request's is taken on its
    // reception's page and a personal reception's on its sign-up's, with their own checks.
    let mut hearing = app.hearing_panel(user, &card, tr).await;
    hearing.can_act &= !matches!(
        card.channel,
        otinish_domain::model::Channel::Vks | otinish_domain::model::Channel::PersonalReception
    );
    let mut journal = Vec::with_capacity(journal_entries.len());
    for e in &journal_entries {
        journal.push(journal_line(app, tr, &mut names, e).await);
    }
    let page = CardPage {
        t: tr,
        hearing,
        edition_marks,
        hearing_action: format!("/staff/cards/{id}"),
        layout: Layout::new(app, ctx),
        id,
        reception_id,
        can_print_letter: matches!(card.state, CardState::Answered | CardState::Archived),
        can_register: card.state == CardState::Received
            && card.channel == otinish_domain::model::Channel::VideoAppeal
            && registrar_or_head,
        recording,
        can_progress: !card.state.is_closed() && (is(Role::Executor) || registrar_or_head),
        progress,
        typed,
        message: message.as_ref().map(|(m, _)| m.clone()),
        is_error: message.as_ref().is_some_and(|(_, e)| *e),
        state_label: tr.get("appeal-state"),
        facts,
        content: appeal
            .as_ref()
            .map(|a| a.content.clone())
            .unwrap_or_else(|| card.summary.clone()),
        files: app
            .store
            .attachments(id)
            .await
            .unwrap_or_default()
            .into_iter()
            .map(|f| (f.id, f.file_name))
            .collect(),
        deadlines,
        can_send: card.state == CardState::Registered && registrar_or_head,
        can_close_out_of_scope: matches!(
            card.state,
            CardState::Registered | CardState::InExecution
        ) && registrar_or_head,
        out_of_scope_grounds: OutOfScopeGround::ALL
            .iter()
            .map(|g| {
                (
                    g.as_str(),
                    tr.get(&format!("decision-{}", g.as_str().replace('_', "-"))),
                )
            })
            .collect(),
        can_redirect: matches!(card.state, CardState::Registered | CardState::InExecution)
            && (registrar_or_head || is(Role::Executor)),
        can_decide: card.state == CardState::InExecution
            && is(Role::Executor)
            && card.executor_id == Some(user.id),
        can_sign,
        answer_document,
        demo: app.settings.demo,
        can_archive: matches!(
            card.state,
            CardState::Answered
                | CardState::Redirected
                | CardState::Refused
                | CardState::ClosedOutOfScope
        ) && (is(Role::Registrar) || is(Role::Executor)),
        executors,
        bodies,
        decisions,
        signatures,
        notices: app
            .store
            .notices_of_card(id)
            .await
            .unwrap_or_default()
            .iter()
            .map(|n| {
                let mut line = format!(
                    "{} — {} ({}, {})",
                    local(app, n.created_at),
                    n.subject,
                    tr.get(&format!("channel-{}", n.channel)),
                    tr.get(&format!("status-{}", n.status))
                );
                // Staff see the transport's reason, to pass on to the administrator; the
                // applicant sees only the state.
                if let Some(e) = n
                    .last_error
                    .as_ref()
                    .filter(|_| n.status != otinish_domain::notice::NoticeStatus::Delivered)
                {
                    line.push_str(&format!(
                        " — {}",
                        tr.with("notice-technical-reason", &[("reason", e.clone())])
                    ));
                }
                line
            })
            .collect(),
        journal,
    };
    (status, render(page)).into_response()
}

/// A journal entry as a person reads it: when, who (a staff member by name, the applicant,
/// the system), what was done in words, and the states it moved between.
async fn journal_line(
    app: &App,
    tr: Tr,
    names: &mut StaffNames,
    e: &otinish_domain::journal::JournalEntry,
) -> String {
    let d = &e.draft;
    let who = match d.actor.split_once(':') {
        Some(("staff", id)) => match id.parse::<i64>() {
            Ok(id) => names.of(app, id).await,
            Err(_) => tr.get("journal-system"),
        },
        Some(("applicant", _)) => tr.get("journal-applicant"),
        _ => tr.get("journal-system"),
    };
    let what = tr
        .try_get(&format!("journal-{}", d.action.replace('_', "-")))
        .unwrap_or_else(|| tr.get("journal-other"));
    let state = |s: &str| CardState::parse(s).map(|s| state_text(tr, s));
    let moved = match (
        d.from_state.as_deref().and_then(state),
        d.to_state.as_deref().and_then(state),
    ) {
        (Some(f), Some(t)) => format!(" ({f} → {t})"),
        (None, Some(t)) => format!(" (→ {t})"),
        _ => String::new(),
    };
    format!("№ {} · {} · {who}: {what}{moved}", e.seq, local(app, d.at))
}

pub async fn card(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path(id): Path<i64>,
    Query(q): Query<CardQuery>,
) -> Response {
    let msg = q.done.is_some().then(|| (ctx.tr.get("staff-done"), false));
    card_page(
        &app,
        &ctx,
        &user,
        id,
        msg,
        CardTyped::default(),
        StatusCode::OK,
    )
    .await
}

pub async fn card_file(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path((id, file_id)): Path<(i64, i64)>,
) -> Response {
    match app.store.card(id).await {
        Ok(c) if may_see(&user, &c) => {
            if let Err(e) = app.log_access(&user, &c, AccessKind::FileDownloaded).await {
                return crate::access::not_recorded(&ctx, &e);
            }
            serve_attachment(&app, &ctx, id, file_id).await
        }
        Ok(_) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(_) => page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct ActionForm {
    executor: Option<String>,
    to_body: Option<String>,
    reason: Option<String>,
    main: Option<String>,
    decision: Option<String>,
    answer: Option<String>,
    note: Option<String>,
    ground: Option<String>,
    explanation: Option<String>,
    /// A staff member's own signature (CMS, base64) of the document the form carries.
    signature: Option<String>,
    /// GEN-09: a hearing's fields.
    #[serde(flatten)]
    hearing: crate::hearing::HearingForm,
}

/// Every action on a card: the role and body are checked by the service it calls.
pub async fn action(
    State(app): State<AppState>,
    ctx: Ctx,
    Staff(user): Staff,
    Path((id, action)): Path<(i64, String)>,
    CsrfForm(f): CsrfForm<ActionForm>,
) -> Response {
    let num = |s: &Option<String>| s.as_deref().and_then(|v| v.trim().parse::<i64>().ok());
    let result: Result<(), AppealError> = match action.as_str() {
        "send" => app.send_for_execution(&user, id, num(&f.executor)).await,
        "redirect" => match num(&f.to_body) {
            Some(b) => app
                .redirect(&user, id, b, f.reason.as_deref().unwrap_or_default())
                .await
                .map(|_| ()),
            None => Err(AppealError::Invalid(vec![
                otinish_domain::appeal::FieldProblem {
                    field: "to_body",
                    key: "appeal-recipient-required",
                },
            ])),
        },
        "attach" => match num(&f.main) {
            Some(m) => app.attach_to_main(&user, id, m).await,
            None => Err(AppealError::Invalid(vec![
                otinish_domain::appeal::FieldProblem {
                    field: "main",
                    key: "appeal-field-required",
                },
            ])),
        },
        "decide" => {
            app.decide(
                &user,
                id,
                f.decision.as_deref().unwrap_or_default(),
                f.answer.as_deref().unwrap_or_default(),
            )
            .await
        }
        "sign" => {
            let cms = f.signature.as_deref().filter(|s| !s.trim().is_empty());
            app.sign_answer(&user, id, cms.map(str::as_bytes))
                .await
                .map(|_| ())
        }
        "register" => app.register_by_hand(&user, id).await,
        "leave" => {
            app.leave_without_consideration(&user, id, f.reason.as_deref().unwrap_or_default())
                .await
        }
        "out-of-scope" => {
            app.close_out_of_scope(
                &user,
                id,
                f.ground.as_deref().unwrap_or_default(),
                f.explanation.as_deref().unwrap_or_default(),
            )
            .await
        }
        "archive" => app.archive(&user, id).await,
        step if step.starts_with("hearing-") => match f.hearing.step(step) {
            Some(s) => app.hearing_step(&user, id, s).await,
            None => return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
        },
        "progress" => {
            app.add_progress(&user, id, f.note.as_deref().unwrap_or_default())
                .await
        }
        _ => return page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found"),
    };
    match result {
        Ok(()) => Redirect::to(&format!("/staff/cards/{id}?done=1")).into_response(),
        Err(e @ (AppealError::Store(_) | AppealError::Internal(_))) => {
            tracing::error!(error = %e, card = id, action, "card action failed");
            match e {
                AppealError::Store(otinish_domain::repo::StoreError::Stale(_)) => {
                    card_page(
                        &app,
                        &ctx,
                        &user,
                        id,
                        Some((ctx.tr.get("error-internal"), true)),
                        CardTyped::from(&f),
                        StatusCode::CONFLICT,
                    )
                    .await
                }
                AppealError::Store(otinish_domain::repo::StoreError::NotFound(_)) => {
                    page_error(&ctx, StatusCode::NOT_FOUND, "error-not-found")
                }
                _ => page_error(&ctx, StatusCode::INTERNAL_SERVER_ERROR, "error-internal"),
            }
        }
        Err(AppealError::Forbidden) => page_error(&ctx, StatusCode::FORBIDDEN, "error-forbidden"),
        Err(e) => {
            let text = error_text(ctx.tr, &e);
            card_page(
                &app,
                &ctx,
                &user,
                id,
                Some((text, true)),
                CardTyped::from(&f),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}
