//! The staff's actions on an e-appeal (EA-08 … EA-13, VA-07 … VA-12): registration by hand,
//! leaving without consideration, sending for execution, redirecting, attaching, deciding,
//! answering with a signed letter, progress notes and the archive. Each checks role and body.

use super::*;

impl Service {
    /// Checks that `user` works in the card's body with one of `roles`; an executor acts only on
    /// the cards assigned to them (registrars and heads on every card of their body).
    pub fn authorize(user: &StaffUser, card: &Card, roles: &[Role]) -> Result<(), AppealError> {
        let in_body = user.body_id == Some(card.body_id);
        let allowed = roles.iter().any(|r| match r {
            Role::Executor => user.has_role(Role::Executor) && card.executor_id == Some(user.id),
            other => user.has_role(*other),
        });
        if in_body && allowed {
            Ok(())
        } else {
            Err(AppealError::Forbidden)
        }
    }

    async fn move_card(
        &self,
        user: &StaffUser,
        card: &Card,
        action: CardAction,
        update: CardUpdate,
        notice: Option<(NoticeKind, Vec<(&str, String)>)>,
        details: String,
    ) -> Result<(), AppealError> {
        let to = card
            .state
            .apply(action)
            .map_err(|_| AppealError::NotAllowed("err-step-not-allowed"))?;
        let now = self.clock.now();
        let notices = match (notice, self.store.appeal(card.id).await) {
            (Some((kind, args)), Ok(a)) => self.notices_for(&a, card.id, kind, &args),
            _ => vec![],
        };
        self.store
            .transition_card(
                card.id,
                card.state,
                to,
                &update,
                &notices,
                JournalDraft::new(now, format!("staff:{}", user.id), "", action.as_str())
                    .details(details),
            )
            .await?;
        Ok(())
    }

    /// VA-09: the responsible employee registers a received appeal that is not registered on
    /// arrival (a video appeal), giving it its number and the terms from registration.
    pub async fn register_by_hand(
        &self,
        user: &StaffUser,
        card_id: i64,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        Self::authorize(user, &card, &[Role::Registrar, Role::Head])?;
        if card.state != CardState::Received {
            return Err(AppealError::NotAllowed("err-registered-already"));
        }
        let a = self.store.appeal(card_id).await?;
        self.register_received(&a).await.map(|_| ())
    }

    /// VA-07: an appeal that does not state the essence of the question is not considered;
    /// the applicant is told why.
    pub async fn leave_without_consideration(
        &self,
        user: &StaffUser,
        card_id: i64,
        reason: &str,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        Self::authorize(user, &card, &[Role::Registrar, Role::Head])?;
        if reason.trim().is_empty() {
            return Err(AppealError::Invalid(vec![FieldProblem {
                field: "reason",
                key: "appeal-field-required",
            }]));
        }
        self.move_card(
            user,
            &card,
            CardAction::Refuse,
            CardUpdate {
                decision: Some("left_without_consideration".into()),
                answer: Some(reason.trim().chars().take(2_000).collect()),
                ..CardUpdate::default()
            },
            Some((
                NoticeKind::Refused,
                vec![
                    ("appeal", card.reference()),
                    ("reason", reason.trim().to_owned()),
                ],
            )),
            serde_json::json!({ "reason": reason.trim() }).to_string(),
        )
        .await
    }

    /// GEN-08: an appeal governed by the procedure for administrative offences, or by criminal
    /// or civil procedure, is outside the appeals rules (000 §2): the registrar or head closes
    /// it with that ground, and the applicant is told which procedure applies and what to do.
    pub async fn close_out_of_scope(
        &self,
        user: &StaffUser,
        card_id: i64,
        ground: &str,
        explanation: &str,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        Self::authorize(user, &card, &[Role::Registrar, Role::Head])?;
        let mut problems = Vec::new();
        let ground = OutOfScopeGround::parse(ground);
        if ground.is_none() {
            problems.push(FieldProblem {
                field: "ground",
                key: "appeal-out-of-scope-ground-required",
            });
        }
        let explanation = explanation.trim();
        if explanation.is_empty() {
            problems.push(FieldProblem {
                field: "explanation",
                key: "appeal-field-required",
            });
        }
        let Some(ground) = ground.filter(|_| problems.is_empty()) else {
            return Err(AppealError::Invalid(problems));
        };
        let explanation: String = explanation.chars().take(2_000).collect();
        self.move_card(
            user,
            &card,
            CardAction::CloseOutOfScope,
            CardUpdate {
                decision: Some(ground.as_str().into()),
                answer: Some(explanation.clone()),
                ..CardUpdate::default()
            },
            Some((
                NoticeKind::OutOfScope,
                vec![
                    ("appeal", card.reference()),
                    ("ground", ground.as_str().to_owned()),
                    ("explanation", explanation.clone()),
                ],
            )),
            serde_json::json!({ "ground": ground.as_str(), "explanation": explanation })
                .to_string(),
        )
        .await
    }

    /// EA-07.4: the registrar or head sends a registered appeal for execution.
    pub async fn send_for_execution(
        &self,
        user: &StaffUser,
        card_id: i64,
        executor_id: Option<i64>,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        Self::authorize(user, &card, &[Role::Registrar, Role::Head])?;
        let executor_id = executor_id.or(card.executor_id);
        let executor = match executor_id {
            Some(id) => Some(self.store.staff(id).await?),
            None => None,
        };
        if let Some(e) = &executor {
            if e.body_id != Some(card.body_id) || !e.has_role(Role::Executor) {
                return Err(AppealError::NotAllowed("err-executor-of-body"));
            }
        }
        let name = executor
            .as_ref()
            .map(|e| e.full_name.clone())
            .unwrap_or_default();
        self.move_card(
            user,
            &card,
            CardAction::SendForExecution,
            CardUpdate {
                executor_id,
                ..CardUpdate::default()
            },
            Some((
                NoticeKind::SentForExecution,
                vec![("appeal", card.reference()), ("executor", name)],
            )),
            "{}".into(),
        )
        .await
    }

    /// EA-10, EA-11: the executor redirects the appeal to the competent body; the applicant is
    /// told (EA-07.5), and the other body gets a new card registered there.
    pub async fn redirect(
        &self,
        user: &StaffUser,
        card_id: i64,
        to_body_id: i64,
        reason: &str,
    ) -> Result<i64, AppealError> {
        let card = self.store.card(card_id).await?;
        Self::authorize(user, &card, &[Role::Executor, Role::Registrar, Role::Head])?;
        if to_body_id == card.body_id {
            return Err(AppealError::NotAllowed("err-choose-another-body"));
        }
        if reason.trim().is_empty() {
            return Err(AppealError::Invalid(vec![FieldProblem {
                field: "reason",
                key: "appeal-field-required",
            }]));
        }
        let target = recipient(self.store.as_ref(), to_body_id).await?;
        let a = self.store.appeal(card_id).await?;
        let now = self.clock.now();
        let to = card
            .state
            .apply(CardAction::Redirect)
            .map_err(|_| AppealError::NotAllowed("err-step-not-allowed"))?;
        let staff = format!("staff:{}", user.id);
        // The move, the new card registered at the competent body and, for a video appeal, its
        // recording's transfer are one transaction: the appeal is never between the two.
        let redirected_from = RedirectedFrom {
            card_id,
            from: card.state,
            to,
            update: CardUpdate {
                redirected_to_body_id: Some(target.id),
                ..CardUpdate::default()
            },
            notices: self.notices_for(
                &a,
                card_id,
                NoticeKind::Redirected,
                &[
                    ("appeal", card.reference()),
                    ("body", target.name.get(a.lang).to_owned()),
                ],
            ),
            journal: JournalDraft::new(now, &staff, "", CardAction::Redirect.as_str()).details(
                serde_json::json!({ "to_body": target.code, "reason": reason }).to_string(),
            ),
            video: (card.channel == Channel::VideoAppeal).then(|| {
                JournalDraft::new(now, &staff, "", "video_appeal_moved")
                    .details(format!("{{\"from_card\":{card_id}}}"))
            }),
        };
        // The competent body receives it as a new appeal, with the same signed original, on
        // the channel it came by (EA-11, VA-10): a video appeal stays one, answered the same way.
        let cal = self.calendar.read().await.clone();
        let facts = CaseFacts {
            channel: card.channel,
            kind: card.kind,
            received_at: now,
            registered_at: Some(now),
            events: vec![],
        };
        let deadlines = self.stored_deadlines(&facts, &cal)?;
        let files = self.store.attachments(card_id).await?;
        let new = NewAppeal {
            card: NewCard {
                body_id: target.id,
                channel: card.channel,
                kind: card.kind,
                applicant_id: Some(a.applicant_id),
                addressee: None,
                summary: card.summary.clone(),
                received_at: now,
                rulebook_id: card.rulebook_id.clone(),
                collective: card.collective,
            },
            applicant: a.applicant.clone(),
            content: a.content.clone(),
            outgoing_number: a.outgoing_number.clone(),
            outgoing_date: a.outgoing_date,
            postal_address: a.postal_address.clone(),
            email: a.email.clone(),
            phone: a.phone.clone(),
            lang: a.lang,
            signed_document: a.signed_document.clone(),
            signature: a.signature.clone(),
            signer_serial: a.signer_serial.clone(),
            signed_at: a.signed_at,
            signature_check: a.signature_check.clone(),
            idempotency_key: format!("redirect:{card_id}"),
            signed_digest: None,
            size_bytes: 0,
            attachments: files
                .into_iter()
                .map(|f| NewAttachment {
                    file_name: f.file_name,
                    mime: f.mime,
                    size_bytes: f.size_bytes,
                    sha256: f.sha256,
                    storage_key: f.storage_key,
                })
                .collect(),
            deadlines,
            admission: None,
        };
        let executor = self.least_loaded_executor(target.id).await?;
        let executor_name = executor
            .as_ref()
            .map(|e| e.full_name.clone())
            .unwrap_or_default();
        let to_applicant = NoticeTo::of(&a);
        let notices = |new_id: i64, number: Option<&RegNumber>| match number {
            Some(n) => Self::registered_notices(&to_applicant, new_id, n, &executor_name),
            None => Vec::new(),
        };
        let arrival = Arrival {
            receipt: None,
            outcome: ArrivalOutcome::Register {
                year: chrono::Datelike::year(&cal.zone().local_date(now)),
                body_code: target.code.clone(),
                executor_id: executor.as_ref().map(|e| e.id),
                journal: JournalDraft::new(now, "system", "", "register"),
            },
            redirected_from: Some(redirected_from),
            notices: &notices,
        };
        let (new_id, _) = self
            .store
            .file_appeal(
                &new,
                JournalDraft::new(now, &staff, "", "receive_redirected")
                    .details(format!("{{\"from_card\":{card_id}}}")),
                &arrival,
            )
            .await?;
        Ok(new_id)
    }

    /// VA-12: attaches a repeated appeal to its main one; it is considered with it, its term
    /// runs from the first, and its applicant is told the result with the main one.
    pub async fn attach_to_main(
        &self,
        user: &StaffUser,
        card_id: i64,
        main_id: i64,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        let main = self.store.card(main_id).await?;
        Self::authorize(user, &card, &[Role::Executor, Role::Registrar, Role::Head])?;
        otinish_domain::appeal::check_attach(&main, &card)
            .map_err(|_| AppealError::NotAllowed("err-step-not-allowed"))?;
        let main_deadlines = self.store.deadlines(main_id).await?;
        self.move_card(
            user,
            &card,
            CardAction::AttachToMain,
            CardUpdate {
                main_card_id: Some(main_id),
                ..CardUpdate::default()
            },
            None,
            format!("{{\"main_card\":{main_id}}}"),
        )
        .await?;
        // The term runs from the first appeal: the attached card carries the main's deadlines.
        self.store
            .replace_deadlines(
                card_id,
                &main_deadlines,
                JournalDraft::new(
                    self.clock.now(),
                    format!("staff:{}", user.id),
                    "",
                    "deadlines_from_main",
                )
                .details(format!("{{\"main_card\":{main_id}}}")),
            )
            .await?;
        Ok(())
    }

    /// EA-10: the executor records the decision (one the rulebook allows) and drafts the answer.
    pub async fn decide(
        &self,
        user: &StaffUser,
        card_id: i64,
        decision: &str,
        answer: &str,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        Self::authorize(user, &card, &[Role::Executor])?;
        if card.executor_id != Some(user.id) {
            return Err(AppealError::Forbidden);
        }
        if decision.trim().is_empty() {
            return Err(AppealError::Invalid(vec![FieldProblem {
                field: "decision",
                key: "staff-decision-required",
            }]));
        }
        // GEN-09: the rules of the day of receipt allow the decision, and an adverse one only
        // after the hearing.
        self.check_adverse_decision(&card, decision).await?;
        if answer.trim().is_empty() {
            return Err(AppealError::Invalid(vec![FieldProblem {
                field: "answer",
                key: "appeal-field-required",
            }]));
        }
        self.move_card(
            user,
            &card,
            CardAction::Decide,
            CardUpdate {
                decision: Some(decision.to_owned()),
                answer: Some(answer.trim().to_owned()),
                ..CardUpdate::default()
            },
            None,
            serde_json::json!({ "decision": decision }).to_string(),
        )
        .await
    }

    /// The name of the card's executor (empty when there is none).
    async fn executor_name(&self, card: &Card) -> String {
        match card.executor_id {
            Some(id) => self
                .store
                .staff(id)
                .await
                .map(|s| s.full_name)
                .unwrap_or_default(),
            None => String::new(),
        }
    }

    /// EA-09: the answer document as it is signed — fixed when a signatory first asks for it,
    /// so that every signature is over the same bytes — and its verification code.
    pub async fn answer_document(&self, card: &Card) -> Result<(String, String), AppealError> {
        let now = self.clock.now();
        let body = self.store.body(card.body_id).await?;
        let executor = self.executor_name(card).await;
        let code = verification_code();
        let document = serde_json::json!({
            "otinish": "answer/1",
            "appeal": card.id,
            "registration_number": card.reg_number.as_ref().map(|n| n.to_string()),
            "body": body.code,
            "body_name": body.name.ru,
            "body_bin": body.bin,
            "executor": executor,
            "decision": card.decision,
            "answer": card.answer,
            "prepared_at": now.to_rfc3339(),
            "verification_code": code,
        })
        .to_string();
        Ok(self
            .store
            .answer_draft(card.id, &document, &code, now)
            .await?)
    }

    /// A demo staff member's GOST key under the demo CA (demo mode only): their registered
    /// IIN, their body's BIN and name, the first head's role for a head.
    pub fn demo_staff_key(
        &self,
        user: &StaffUser,
        body: &otinish_domain::model::Body,
    ) -> Result<otinish_pki::sign::SigningKey, AppealError> {
        self.demo_person_key(user, Some(body))
    }

    /// A demo staff member's key (demo mode only): an employee's of their body when they have
    /// one, else a personal key.
    pub fn demo_person_key(
        &self,
        user: &StaffUser,
        body: Option<&otinish_domain::model::Body>,
    ) -> Result<otinish_pki::sign::SigningKey, AppealError> {
        use otinish_domain::signature::StaffSignatureProblem;
        let keys = self
            .pki
            .demo_keys
            .as_ref()
            .filter(|_| self.settings.demo)
            .ok_or(AppealError::OwnKeyNeeded)?;
        let iin = user.iin.clone().ok_or(AppealError::StaffSignature(
            StaffSignatureProblem::NoIinRegistered,
        ))?;
        let bin = match body {
            Some(b) => Some(b.bin.clone().ok_or(AppealError::StaffSignature(
                StaffSignatureProblem::NoBinRegistered,
            ))?),
            None => None,
        };
        let (surname, name) = user
            .full_name
            .split_once(' ')
            .unwrap_or((user.full_name.as_str(), ""));
        let subject = otinish_pki::sign::KzSubject {
            surname: surname.to_uppercase(),
            name: name.to_uppercase(),
            patronymic: None,
            iin,
            organization: body.map(|b| b.name.ru.clone()),
            bin,
            email: None,
        };
        let purpose = if user.has_role(Role::Head) || body.is_none() {
            otinish_pki::gost_ca::Purpose::Signing
        } else {
            otinish_pki::gost_ca::Purpose::Employee
        };
        otinish_pki::sign::demo_key(
            &keys.0,
            &keys.1,
            &format!("staff-{}", user.id),
            &subject,
            purpose,
            self.clock.now(),
        )
        .map_err(|e| AppealError::Internal(e.to_string()))
    }

    /// EA-09, VC-09, VC-17: a staff member's own signature, checked: the CMS they sent (NCALayer,
    /// eGov mobile) or, in demo mode without one, their demo key's over `document` (which a
    /// signature they send must carry). One signer; the staff member's registered IIN, an
    /// employee's key of the body's BIN, and for the head the right to sign. Returns the CMS,
    /// what the PKI established and the check as kept.
    pub async fn staff_signature(
        &self,
        user: &StaffUser,
        body: &otinish_domain::model::Body,
        signatory: otinish_domain::signature::Signatory,
        document: Option<&[u8]>,
        signature: Option<&[u8]>,
    ) -> Result<(Vec<u8>, otinish_pki::Verified, SignatureCheck), AppealError> {
        use otinish_domain::signature::{staff_signature_fits, StaffSignatureProblem};
        let now = self.clock.now();
        let cms = match (signature, document) {
            (Some(s), _) => otinish_pki::decode_signature(s).map_err(AppealError::Signature)?,
            (None, Some(d)) => self
                .demo_staff_key(user, body)?
                .sign_cms(d, true, now)
                .map_err(|e| AppealError::Internal(e.to_string()))?,
            (None, None) => return Err(AppealError::OwnKeyNeeded),
        };
        let (v, check) = self
            .check_signature(&cms, document, now)
            .await
            .map_err(AppealError::Signature)?;
        if v.signers.len() != 1 {
            return Err(AppealError::StaffSignature(StaffSignatureProblem::NotAlone));
        }
        staff_signature_fits(
            signatory,
            user.iin.as_deref(),
            body.bin.as_deref(),
            v.signer.iin.as_ref().map(|i| i.as_str()),
            v.signer.bin.as_ref().map(|b| b.as_str()),
            &check.roles,
        )
        .map_err(AppealError::StaffSignature)?;
        Ok((cms, v, check))
    }

    /// EA-09: the head and the documentation office each sign the answer with their own key
    /// (NCALayer, eGov mobile; the demo key in demo mode): the signature must be over the
    /// answer document, by the staff member's registered IIN, an employee's key of the body's
    /// BIN, and for the head one that may sign for the body. Once both have signed, the two
    /// signatures are joined into one signed answer, sent to the applicant (EA-07.5) and to
    /// every applicant of an attached appeal (VA-12). Returns whether it was sent.
    pub async fn sign_answer(
        &self,
        user: &StaffUser,
        card_id: i64,
        signature: Option<&[u8]>,
    ) -> Result<bool, AppealError> {
        use otinish_domain::signature::Signatory;
        let card = self.store.card(card_id).await?;
        let (role, signatory) = if user.has_role(Role::Head) {
            ("head", Signatory::Head)
        } else if user.has_role(Role::Registrar) {
            ("registrar", Signatory::Registrar)
        } else {
            return Err(AppealError::Forbidden);
        };
        Self::authorize(user, &card, &[Role::Head, Role::Registrar])?;
        if card.state != CardState::Decided {
            return Err(AppealError::NotAllowed("err-sign-only-decided"));
        }
        let now = self.clock.now();
        let body = self.store.body(card.body_id).await?;
        let (document, code) = self.answer_document(&card).await?;
        let signed = self.store.answer_signatures(card_id).await?;
        if !signed.iter().any(|(r, _, _)| r == role) {
            let (cms, v, check) = self
                .staff_signature(user, &body, signatory, Some(document.as_bytes()), signature)
                .await?;
            self.store
                .add_answer_signature(
                    card_id,
                    role,
                    user.id,
                    now,
                    Some(&cms),
                    JournalDraft::new(
                        now,
                        format!("staff:{}", user.id),
                        "",
                        format!("sign_answer_{role}"),
                    )
                    .details(
                        serde_json::json!({
                            "certificate_serial": v.signer.serial,
                            "algorithm": check.algorithm,
                            "revocation": check.revocation,
                        })
                        .to_string(),
                    ),
                )
                .await?;
        }
        let signed = self.store.answer_signature_documents(card_id).await?;
        let keys: Vec<&str> = signed.iter().map(|(s, _)| s.as_str()).collect();
        if !otinish_domain::signature::Signatory::missing_from(&keys).is_empty() {
            return Ok(false);
        }
        let parts: Vec<&[u8]> = signed.iter().map(|(_, s)| s.as_slice()).collect();
        let joined = otinish_pki::sign::join_signatures(&parts)
            .map_err(|e| AppealError::Internal(e.to_string()))?;
        self.send_answer(user, &card, document, code, joined)
            .await?;
        Ok(true)
    }

    /// Sends the signed answer: stored with its verification code, the applicant told (EA-07.5),
    /// and every attached appeal's applicant too (VA-12).
    async fn send_answer(
        &self,
        user: &StaffUser,
        card: &Card,
        document: String,
        code: String,
        signature: Vec<u8>,
    ) -> Result<(), AppealError> {
        let now = self.clock.now();
        let out_year = chrono::Datelike::year(&self.calendar.read().await.zone().local_date(now));
        let a = self.store.appeal(card.id).await?;
        let executor = self.executor_name(card).await;
        let decision = card.decision.clone().unwrap_or_default();
        let tr = Tr::new(a.lang);
        let args = vec![
            ("appeal", card.reference()),
            (
                "date",
                now.with_timezone(&self.calendar.read().await.zone().tz)
                    .format("%d.%m.%Y")
                    .to_string(),
            ),
            ("executor", executor.clone()),
            (
                "result",
                tr.get(&format!("decision-{}", decision.replace('_', "-"))),
            ),
        ];
        let notices = self.notices_for(&a, card.id, NoticeKind::Result, &args);
        self.store
            .add_signed_document(
                &NewSignedDocument {
                    card_id: card.id,
                    kind: "answer".into(),
                    code,
                    document,
                    signature,
                    at: now,
                    // The letter takes the next number of the body's outgoing register.
                    outgoing: Some((card.body_id, out_year)),
                },
                &[],
                JournalDraft::new(now, format!("staff:{}", user.id), "", "answer_signed"),
            )
            .await?;
        self.store
            .transition_card(
                card.id,
                CardState::Decided,
                CardState::Decided
                    .apply(CardAction::Answer)
                    .map_err(|_| AppealError::NotAllowed("err-step-not-allowed"))?,
                &CardUpdate::default(),
                &notices,
                JournalDraft::new(now, format!("staff:{}", user.id), "", "answer"),
            )
            .await?;
        // VA-12: every applicant of an attached appeal is told the result too.
        let attached = self
            .store
            .inbox(
                card.body_id,
                &[CardState::Attached],
                otinish_domain::repo::PageRequest::new(Some(500), None),
            )
            .await?;
        for other in attached
            .items
            .iter()
            .filter(|c| c.main_card_id == Some(card.id))
        {
            if let Ok(oa) = self.store.appeal(other.id).await {
                let notices = self.notices_for(&oa, other.id, NoticeKind::Result, &args);
                self.store
                    .transition_card(
                        other.id,
                        CardState::Attached,
                        CardState::Attached
                            .apply(CardAction::Archive)
                            .map_err(|_| AppealError::NotAllowed("err-step-not-allowed"))?,
                        &CardUpdate {
                            archived_at: Some(now),
                            ..CardUpdate::default()
                        },
                        &notices,
                        JournalDraft::new(
                            now,
                            format!("staff:{}", user.id),
                            "",
                            "answer_with_main",
                        )
                        .details(format!("{{\"main_card\":{}}}", card.id)),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// EA-10: the executor's execution card: a progress entry (what was done, asked, found),
    /// kept in the card's journal.
    pub async fn add_progress(
        &self,
        user: &StaffUser,
        card_id: i64,
        note: &str,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        Self::authorize(user, &card, &[Role::Executor, Role::Head, Role::Registrar])?;
        if card.state.is_closed() {
            return Err(AppealError::NotAllowed("err-case-closed"));
        }
        let note = note.trim();
        if note.is_empty() {
            return Err(AppealError::Invalid(vec![FieldProblem {
                field: "note",
                key: "appeal-field-required",
            }]));
        }
        if note.chars().count() > 2000 {
            return Err(AppealError::Invalid(vec![FieldProblem {
                field: "note",
                key: "appeal-note-too-long",
            }]));
        }
        self.store
            .append(
                JournalDraft::new(
                    self.clock.now(),
                    format!("staff:{}", user.id),
                    format!("card:{card_id}"),
                    "progress",
                )
                .details(serde_json::json!({ "note": note }).to_string()),
            )
            .await?;
        Ok(())
    }

    /// EA-10: the case goes to the body's archive.
    pub async fn archive(&self, user: &StaffUser, card_id: i64) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        Self::authorize(user, &card, &[Role::Executor, Role::Registrar])?;
        self.move_card(
            user,
            &card,
            CardAction::Archive,
            CardUpdate {
                archived_at: Some(self.clock.now()),
                ..CardUpdate::default()
            },
            None,
            "{}".into(),
        )
        .await
    }
}
