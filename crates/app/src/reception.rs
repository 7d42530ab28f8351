//! The VKS reception after booking: registration (VC-07), the hearing and the decision (VC-09,
//! VC-10) with its notices (VC-11), the monthly timetable (VC-12, VC-13), changes (VC-14), the
//! equipment check (VC-15), the check-in at the branch (VC-16), the conference room and the
//! head's record with instructions that put the card into execution (VC-17, VC-18).
//!
//! Each service checks the user's role and body (or branch), asks the domain whether the step
//! is allowed, and writes it with its notices and messages in one store call.

use crate::conference::Participant;
use crate::Service;
use chrono::{NaiveDate, NaiveDateTime};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::hearing::DecisionError;
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{CardState, Role, StaffUser};
use otinish_domain::notice::{NewNotice, NoticeChannel, NoticeKind};
use otinish_domain::reception::{
    check_change, check_in, check_record, equipment_check_due, publish_due, timetable_due,
    ChangeError, CheckInError, ReceptionAction, ReceptionRecord, ReceptionState,
};
use otinish_domain::repo::{
    Booking, CardMove, CardUpdate, NewTimetable, NewVksMessage, ReceptionFilter, ReceptionUpdate,
    StoreError,
};
use otinish_domain::vks::ScheduleState;

#[derive(Debug)]
pub enum ReceptionError {
    /// The head's own signature of the step did not pass (VC-09, VC-17).
    Signature(Box<crate::eappeal::AppealError>),
    /// A step of the hearing (GEN-09, VC-10) did not apply.
    Hearing(Box<crate::eappeal::AppealError>),
    Forbidden,
    NotFound,
    /// The step does not apply to the reception as it is (message key).
    NotAllowed(&'static str),
    Decision(DecisionError),
    Change(ChangeError),
    CheckIn(CheckInError),
    Invalid(Vec<FieldProblem>),
    SlotTaken,
    /// The timetable of that month was sent already.
    AlreadySent,
    Store(StoreError),
}

impl From<StoreError> for ReceptionError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => ReceptionError::NotFound,
            StoreError::Stale(_) => ReceptionError::NotAllowed("vks-step-not-allowed"),
            StoreError::Conflict(_) => ReceptionError::SlotTaken,
            other => ReceptionError::Store(other),
        }
    }
}

impl ReceptionError {
    /// The explanation in the user's language.
    pub fn text(&self, tr: crate::i18n::Tr) -> String {
        let d = |d: NaiveDate| d.format("%d.%m.%Y").to_string();
        match self {
            ReceptionError::Signature(e) => crate::eappeal::error_text(tr, e),
            ReceptionError::Forbidden => tr.get("error-forbidden"),
            ReceptionError::NotFound => tr.get("error-not-found"),
            ReceptionError::NotAllowed(key) => tr.get(key),
            ReceptionError::Hearing(e) => crate::eappeal::error_text(tr, e),
            ReceptionError::Decision(e) => crate::hearing::decision_error_text(tr, e),
            ReceptionError::Change(ChangeError::TooLate { latest }) => {
                tr.with("vks-change-too-late", &[("date", d(*latest))])
            }
            ReceptionError::Change(ChangeError::InThePast) => tr.get("vks-change-past"),
            ReceptionError::CheckIn(CheckInError::NoDocument) => tr.get("vks-checkin-document"),
            ReceptionError::CheckIn(CheckInError::NotToday) => tr.get("vks-checkin-not-today"),
            ReceptionError::CheckIn(CheckInError::Over) => tr.get("vks-checkin-over"),
            ReceptionError::Invalid(p) => p
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        tr.get(&format!("vks-field-{}", p.field)),
                        tr.get(p.key)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            ReceptionError::SlotTaken => tr.get("vks-slot-taken"),
            ReceptionError::AlreadySent => tr.get("vks-timetable-sent-already"),
            ReceptionError::Change(ChangeError::Calendar(_)) | ReceptionError::Store(_) => {
                tr.get("error-internal")
            }
        }
    }
}

/// How a staff member stands to a reception.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The body's reception secretary, registrar or head: the whole case.
    Body,
    /// The executor the head instructed.
    Executor,
    /// The branch where the reception is held.
    Branch,
    /// The authorized body: times, places and equipment, not personal data (VC-20).
    Operator,
}

/// VC-20: who may open a reception, and as what.
pub fn standing(user: &StaffUser, b: &Booking) -> Option<Standing> {
    if !user.active {
        return None;
    }
    let in_body = user.body_id == Some(b.card.body_id);
    if in_body
        && [Role::ReceptionSecretary, Role::Registrar, Role::Head]
            .iter()
            .any(|r| user.has_role(*r))
    {
        Some(Standing::Body)
    } else if in_body && b.card.executor_id == Some(user.id) {
        Some(Standing::Executor)
    } else if user.has_role(Role::BranchOperator) && user.branch_id == Some(b.branch_id) {
        Some(Standing::Branch)
    } else if user.has_role(Role::Operator) {
        Some(Standing::Operator)
    } else {
        None
    }
}

fn in_body(user: &StaffUser, b: &Booking, roles: &[Role]) -> Result<(), ReceptionError> {
    if user.active
        && user.body_id == Some(b.card.body_id)
        && roles.iter().any(|r| user.has_role(*r))
    {
        Ok(())
    } else {
        Err(ReceptionError::Forbidden)
    }
}

fn step(from: ReceptionState, action: ReceptionAction) -> Result<ReceptionState, ReceptionError> {
    from.apply(action)
        .map_err(|_| ReceptionError::NotAllowed("vks-step-not-allowed"))
}

/// A reception's time as people read it.
pub fn when(b: &Booking) -> String {
    b.slot.starts.format("%d.%m.%Y %H:%M").to_string()
}

impl Service {
    fn local_now(&self, cal: &otinish_domain::calendar::WorkingCalendar) -> NaiveDateTime {
        self.clock.now().with_timezone(&cal.zone().tz).naive_local()
    }

    /// The reception `id` if `user` may see it; each opening is logged (VC-20).
    pub async fn reception(
        &self,
        user: &StaffUser,
        id: i64,
    ) -> Result<(Booking, Standing), ReceptionError> {
        let b = self.store.booking(id).await?;
        let s = standing(user, &b).ok_or(ReceptionError::Forbidden)?;
        self.log_access(
            user,
            &b.card,
            otinish_domain::model::AccessKind::ReceptionOpened,
        )
        .await?;
        Ok((b, s))
    }

    /// Notices to the applicant about their reception: the cabinet and the email of the
    /// request, and an SMS to its phone when `sms` (VC-14).
    async fn reception_notices(
        &self,
        b: &Booking,
        kind: NoticeKind,
        args: &[(&str, String)],
        sms: bool,
    ) -> Result<Vec<NewNotice>, ReceptionError> {
        let a = self.store.appeal(b.card.id).await?;
        let mut out = self.notices_for(&a, b.card.id, kind, args);
        if let (true, Some(phone)) = (sms, a.phone.as_deref().filter(|p| !p.is_empty())) {
            if let Some(first) = out.first().cloned() {
                out.push(NewNotice {
                    channel: NoticeChannel::Sms,
                    address: Some(phone.to_owned()),
                    ..first
                });
            }
        }
        Ok(out)
    }

    /// VC-11, VC-14: what the operator and the branch are told, in Russian (the working
    /// language of the messages between the organisations) with the body's code.
    async fn messages(
        &self,
        b: &Booking,
        kind: &str,
        text: &str,
    ) -> Result<Vec<NewVksMessage>, ReceptionError> {
        let body = self.store.body(b.card.body_id).await?;
        let line = format!("{} · {} · {} · {}", body.code, when(b), kind, text);
        Ok(vec![
            NewVksMessage {
                branch_id: None,
                kind: kind.to_owned(),
                text: line.clone(),
            },
            NewVksMessage {
                branch_id: Some(b.branch_id),
                kind: kind.to_owned(),
                text: line,
            },
        ])
    }

    fn journal(&self, user: &StaffUser, action: &str, details: serde_json::Value) -> JournalDraft {
        JournalDraft::new(self.clock.now(), format!("staff:{}", user.id), "", action)
            .details(details.to_string())
    }

    /// VC-07: the reception secretary registers the request's card and puts it before the
    /// head.
    pub async fn vks_register(&self, user: &StaffUser, id: i64) -> Result<(), ReceptionError> {
        let b = self.store.booking(id).await?;
        in_body(user, &b, &[Role::ReceptionSecretary, Role::Registrar])?;
        if b.card.state != CardState::Received {
            return Err(ReceptionError::NotAllowed("vks-registered-already"));
        }
        let a = self.store.appeal(b.card.id).await?;
        self.register_received(&a).await.map_err(|e| match e {
            crate::eappeal::AppealError::Store(s) => ReceptionError::from(s),
            _ => ReceptionError::NotAllowed("vks-step-not-allowed"),
        })?;
        Ok(())
    }

    /// GEN-09, VC-10: the hearing before a refusal, while the request waits for the head's
    /// decision: the reception secretary or the head notifies the applicant, records their
    /// position or, after the day set, that none was given (the service of every channel).
    pub async fn vks_hearing(
        &self,
        user: &StaffUser,
        id: i64,
        step: crate::hearing::HearingStep<'_>,
    ) -> Result<(), ReceptionError> {
        let b = self.store.booking(id).await?;
        in_body(user, &b, &[Role::ReceptionSecretary, Role::Head])?;
        if b.state != ReceptionState::Requested {
            return Err(ReceptionError::NotAllowed("vks-step-not-allowed"));
        }
        self.hearing_step(user, b.card.id, step)
            .await
            .map_err(|e| match e {
                crate::eappeal::AppealError::Store(s) => ReceptionError::from(s),
                crate::eappeal::AppealError::Forbidden => ReceptionError::Forbidden,
                other => ReceptionError::Hearing(Box::new(other)),
            })
    }

    /// The document the head signs to decide a reception (VC-09): what is decided, for which
    /// request, body and time — the same bytes whenever it is shown.
    pub fn vks_decision_document(b: &Booking, body_code: &str, appoint: bool) -> String {
        serde_json::json!({
            "otinish": "vks-decision/1",
            "reception": b.id,
            "appeal": b.card.id,
            "registration_number": b.card.reg_number.as_ref().map(|n| n.to_string()),
            "body": body_code,
            "decision": if appoint { "appoint_reception" } else { "refuse_out_of_competence" },
            "time": b.slot.starts.to_string(),
        })
        .to_string()
    }

    /// The head's own signature over `document` (VC-09, VC-17): theirs, an employee's key of the
    /// body with the right to sign; in demo mode their demo key when they send none.
    async fn head_signature(
        &self,
        user: &StaffUser,
        body_id: i64,
        document: Option<&[u8]>,
        signature: Option<&[u8]>,
    ) -> Result<serde_json::Value, ReceptionError> {
        use base64::Engine;
        let body = self.store.body(body_id).await?;
        let (cms, v, check) = self
            .staff_signature(
                user,
                &body,
                otinish_domain::signature::Signatory::Head,
                document,
                signature,
            )
            .await
            .map_err(|e| ReceptionError::Signature(Box::new(e)))?;
        Ok(serde_json::json!({
            "signed_by_iin": v.signer.iin.as_ref().map(|i| i.to_string()),
            "certificate_serial": v.signer.serial,
            "algorithm": check.algorithm,
            "revocation": check.revocation,
            "document": String::from_utf8_lossy(&v.content),
            "signature": base64::engine::general_purpose::STANDARD.encode(cms),
        }))
    }

    /// VC-09, VC-10, VC-11: the head appoints the reception at its time or refuses it as
    /// outside the competence, under the rulebook of the day the request was received, and
    /// signs the decision with their own key (the journal entry keeps the signed document).
    pub async fn vks_decide(
        &self,
        user: &StaffUser,
        id: i64,
        appoint: bool,
        signature: Option<&[u8]>,
    ) -> Result<(), ReceptionError> {
        let b = self.store.booking(id).await?;
        in_body(user, &b, &[Role::Head])?;
        if b.card.state != CardState::Registered {
            return Err(ReceptionError::NotAllowed("vks-register-first"));
        }
        let action = if appoint {
            ReceptionAction::Appoint
        } else {
            ReceptionAction::Refuse
        };
        let to = step(b.state, action)?;
        let cal = self.calendar.read().await.clone();
        let now = self.clock.now();
        let gov = self
            .rulebooks
            .governing(b.card.channel, cal.zone().local_date(b.card.received_at))
            .map_err(|e| ReceptionError::Store(StoreError::Backend(e.to_string())))?;
        let decision = if appoint {
            "appoint_reception"
        } else {
            "refuse_out_of_competence"
        };
        self.check_adverse_decision(&b.card, decision)
            .await
            .map_err(|e| match e {
                crate::eappeal::AppealError::Decision(d) => ReceptionError::Decision(d),
                crate::eappeal::AppealError::Store(s) => ReceptionError::from(s),
                other => ReceptionError::Hearing(Box::new(other)),
            })?;
        if appoint && b.slot.starts <= self.local_now(&cal) {
            return Err(ReceptionError::Change(ChangeError::InThePast));
        }
        let body = self.store.body(b.card.body_id).await?;
        let document = Self::vks_decision_document(&b, &body.code, appoint);
        let signed = self
            .head_signature(user, b.card.body_id, Some(document.as_bytes()), signature)
            .await?;
        let branch = self
            .branch_name(b.branch_id, otinish_domain::Lang::Ru)
            .await;
        let (kind, update, card) = if appoint {
            (
                NoticeKind::VksAppointed,
                ReceptionUpdate {
                    decided_at: Some(now),
                    room: Some(crate::conference::Conference::room_name(id, &body.code)),
                    ..ReceptionUpdate::default()
                },
                None,
            )
        } else {
            (
                NoticeKind::VksRefused,
                ReceptionUpdate {
                    decided_at: Some(now),
                    ..ReceptionUpdate::default()
                },
                Some(CardMove {
                    from: CardState::Registered,
                    to: CardState::ClosedOutOfScope,
                    update: CardUpdate {
                        decision: Some(decision.to_owned()),
                        ..CardUpdate::default()
                    },
                }),
            )
        };
        let a = self.store.appeal(b.card.id).await?;
        let applicant_branch = self.branch_name(b.branch_id, a.lang).await;
        let notices = self
            .reception_notices(
                &b,
                kind,
                &[
                    ("appeal", b.card.reference()),
                    ("when", when(&b)),
                    ("branch", applicant_branch),
                    ("body", body.name.get(a.lang).to_owned()),
                ],
                false,
            )
            .await?;
        let messages = self
            .messages(&b, if appoint { "appointed" } else { "refused" }, &branch)
            .await?;
        self.store
            .update_reception(
                id,
                b.state,
                to,
                &update,
                card.as_ref(),
                &notices,
                &messages,
                self.journal(
                    user,
                    if appoint { "vks_appoint" } else { "vks_refuse" },
                    serde_json::json!({
                        "decision": decision,
                        "rulebook": gov.primary_id(),
                        "signed": signed,
                    }),
                ),
            )
            .await?;
        Ok(())
    }

    async fn branch_name(&self, id: i64, lang: otinish_domain::Lang) -> String {
        self.store
            .branches(otinish_domain::repo::PageRequest::new(Some(500), None))
            .await
            .map(|p| {
                p.items
                    .into_iter()
                    .find(|b| b.id == id)
                    .map(|b| b.name.get(lang).to_owned())
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    }

    /// The free VKS times still to come in a body's published schedules, schedule by schedule.
    pub async fn open_slots(
        &self,
        body_id: i64,
    ) -> Result<Vec<otinish_domain::repo::Slot>, StoreError> {
        let cal = self.calendar.read().await.clone();
        let now = self.local_now(&cal);
        let mut out = Vec::new();
        for s in self.store.schedules_of_body(body_id).await? {
            if s.state != ScheduleState::Published {
                continue;
            }
            out.extend(
                self.store
                    .slots(s.id)
                    .await?
                    .into_iter()
                    .filter(|x| x.vks && !x.booked && x.starts > now),
            );
        }
        Ok(out)
    }

    /// The free VKS times of the reception's body that it could move to, in time order.
    pub async fn free_slots_for(
        &self,
        b: &Booking,
    ) -> Result<Vec<otinish_domain::repo::Slot>, ReceptionError> {
        let mut out = self.open_slots(b.card.body_id).await?;
        out.sort_by_key(|s| s.starts);
        Ok(out)
    }

    /// VC-14: moves an appointed reception to another free time of the body's published
    /// schedule, no later than the rulebook allows; the applicant (cabinet, email, SMS), the
    /// operator and the branch are told.
    pub async fn vks_reschedule(
        &self,
        user: &StaffUser,
        id: i64,
        slot_id: i64,
    ) -> Result<(), ReceptionError> {
        let b = self.store.booking(id).await?;
        in_body(user, &b, &[Role::ReceptionSecretary, Role::Head])?;
        let to = step(b.state, ReceptionAction::Reschedule)?;
        let target = self
            .free_slots_for(&b)
            .await?
            .into_iter()
            .find(|s| s.id == slot_id)
            .ok_or(ReceptionError::SlotTaken)?;
        let cal = self.calendar.read().await.clone();
        let gov = self
            .rulebooks
            .governing(b.card.channel, cal.zone().local_date(b.card.received_at))
            .map_err(|e| ReceptionError::Store(StoreError::Backend(e.to_string())))?;
        check_change(
            &gov,
            &cal,
            b.slot.starts,
            target.starts,
            self.local_now(&cal),
        )
        .map_err(ReceptionError::Change)?;
        let new_when = target.starts.format("%d.%m.%Y %H:%M").to_string();
        let notices = self
            .reception_notices(
                &b,
                NoticeKind::VksChanged,
                &[
                    ("appeal", b.card.reference()),
                    ("old", when(&b)),
                    ("when", new_when.clone()),
                ],
                true,
            )
            .await?;
        let messages = self
            .messages(&b, "changed", &format!("→ {new_when}"))
            .await?;
        self.store
            .update_reception(
                id,
                b.state,
                to,
                &ReceptionUpdate {
                    slot_id: Some(target.id),
                    ..ReceptionUpdate::default()
                },
                None,
                &notices,
                &messages,
                self.journal(
                    user,
                    "vks_reschedule",
                    serde_json::json!({ "from_slot": b.slot.id, "to_slot": target.id }),
                ),
            )
            .await?;
        Ok(())
    }

    /// VC-15: the authorized body records its check of the equipment of the body and the
    /// branch.
    pub async fn vks_equipment(
        &self,
        user: &StaffUser,
        id: i64,
        ok: bool,
        note: &str,
    ) -> Result<(), ReceptionError> {
        let b = self.store.booking(id).await?;
        if !user.has_role(Role::Operator) {
            return Err(ReceptionError::Forbidden);
        }
        if b.state != ReceptionState::Appointed {
            return Err(ReceptionError::NotAllowed("vks-step-not-allowed"));
        }
        if !ok && note.trim().is_empty() {
            return Err(ReceptionError::Invalid(vec![FieldProblem {
                field: "note",
                key: "appeal-field-required",
            }]));
        }
        self.store
            .update_reception(
                id,
                b.state,
                b.state,
                &ReceptionUpdate {
                    equipment_checked_at: Some(self.clock.now()),
                    equipment_ok: Some(ok),
                    equipment_note: Some(note.trim().chars().take(1_000).collect()),
                    ..ReceptionUpdate::default()
                },
                None,
                &[],
                &[],
                self.journal(user, "vks_equipment", serde_json::json!({ "ok": ok })),
            )
            .await?;
        Ok(())
    }

    /// VC-16: the branch checks the applicant in with their identity document, now.
    pub async fn vks_check_in(
        &self,
        user: &StaffUser,
        id: i64,
        document: &str,
    ) -> Result<otinish_domain::reception::Arrival, ReceptionError> {
        let b = self.store.booking(id).await?;
        if standing(user, &b) != Some(Standing::Branch) {
            return Err(ReceptionError::Forbidden);
        }
        let to = step(b.state, ReceptionAction::CheckIn)?;
        let cal = self.calendar.read().await.clone();
        let now = self.local_now(&cal);
        let arrival = check_in(b.slot.starts, i64::from(b.slot.minutes), now, document)
            .map_err(ReceptionError::CheckIn)?;
        self.store
            .update_reception(
                id,
                b.state,
                to,
                &ReceptionUpdate {
                    arrived_at: Some(now),
                    id_document: Some(document.trim().chars().take(200).collect()),
                    ..ReceptionUpdate::default()
                },
                None,
                &[],
                &[],
                self.journal(
                    user,
                    "vks_check_in",
                    serde_json::json!({ "minutes_early": arrival.minutes_early }),
                ),
            )
            .await?;
        Ok(arrival)
    }

    /// VC-16: the applicant did not come (recorded once the reception has begun).
    pub async fn vks_no_show(&self, user: &StaffUser, id: i64) -> Result<(), ReceptionError> {
        let b = self.store.booking(id).await?;
        if standing(user, &b) != Some(Standing::Branch) {
            return Err(ReceptionError::Forbidden);
        }
        let to = step(b.state, ReceptionAction::NoShow)?;
        let cal = self.calendar.read().await.clone();
        if self.local_now(&cal) < b.slot.starts {
            return Err(ReceptionError::NotAllowed("vks-no-show-early"));
        }
        self.store
            .update_reception(
                id,
                b.state,
                to,
                &ReceptionUpdate::default(),
                None,
                &[],
                &[],
                self.journal(user, "vks_no_show", serde_json::json!({})),
            )
            .await?;
        Ok(())
    }

    /// The document of a reception record (VC-17): what the head signs, the reception's id and
    /// the form's fields as typed.
    pub fn vks_record_document(id: i64, fields: &RecordFields) -> String {
        serde_json::json!({ "otinish": "vks-record/1", "reception": id, "form": fields })
            .to_string()
    }

    /// VC-17 with the head's own signature: the record is read from the signed document (the
    /// page's NCALayer or eGov mobile signature), or in demo mode made from the typed fields and
    /// signed with the head's demo key; then recorded as [`App::vks_record`] does.
    pub async fn vks_record_signed(
        &self,
        user: &StaffUser,
        id: i64,
        typed: &RecordFields,
        signature: Option<&[u8]>,
    ) -> Result<(), ReceptionError> {
        let b = self.store.booking(id).await?;
        in_body(user, &b, &[Role::Head])?;
        let document = match signature {
            Some(_) => None,
            None => Some(Self::vks_record_document(id, typed)),
        };
        let signed = self
            .head_signature(
                user,
                b.card.body_id,
                document.as_deref().map(str::as_bytes),
                signature,
            )
            .await?;
        #[derive(serde::Deserialize)]
        struct Doc {
            otinish: String,
            reception: i64,
            form: RecordFields,
        }
        let doc: Doc = signed["document"]
            .as_str()
            .and_then(|d| serde_json::from_str(d).ok())
            .filter(|d: &Doc| d.otinish == "vks-record/1" && d.reception == id)
            .ok_or(ReceptionError::NotAllowed("vks-record-not-this"))?;
        self.vks_record(user, id, &doc.form.record(), Some(signed))
            .await
    }

    /// VC-17, VC-18: the head records the reception and instructs the units; the card goes
    /// into execution with the first instruction's executor, under the answer term (VC-19).
    /// `signed` is the head's signature of the record, kept in the journal entry.
    pub async fn vks_record(
        &self,
        user: &StaffUser,
        id: i64,
        record: &ReceptionRecord,
        signed: Option<serde_json::Value>,
    ) -> Result<(), ReceptionError> {
        let b = self.store.booking(id).await?;
        in_body(user, &b, &[Role::Head])?;
        let to = step(b.state, ReceptionAction::Record)?;
        let loads = self.store.executor_loads(b.card.body_id).await?;
        let executors: Vec<i64> = loads
            .iter()
            .filter(|(u, _)| u.has_role(Role::Executor))
            .map(|(u, _)| u.id)
            .collect();
        let problems = check_record(record, &executors);
        if !problems.is_empty() {
            return Err(ReceptionError::Invalid(problems));
        }
        let lead = record.instructions[0].executor_id;
        let lead_name = loads
            .iter()
            .find(|(u, _)| u.id == lead)
            .map(|(u, _)| u.full_name.clone())
            .unwrap_or_default();
        let card_to = b
            .card
            .state
            .apply(otinish_domain::model::CardAction::SendForExecution)
            .map_err(|_| ReceptionError::NotAllowed("vks-step-not-allowed"))?;
        let notices = self
            .reception_notices(
                &b,
                NoticeKind::SentForExecution,
                &[("appeal", b.card.reference()), ("executor", lead_name)],
                false,
            )
            .await?;
        let json = serde_json::to_string(record)
            .map_err(|e| ReceptionError::Store(StoreError::Backend(e.to_string())))?;
        self.store
            .update_reception(
                id,
                b.state,
                to,
                &ReceptionUpdate {
                    record: Some(json),
                    ..ReceptionUpdate::default()
                },
                Some(&CardMove {
                    from: b.card.state,
                    to: card_to,
                    update: CardUpdate {
                        executor_id: Some(lead),
                        ..CardUpdate::default()
                    },
                }),
                &notices,
                &[],
                self.journal(
                    user,
                    "vks_record",
                    serde_json::json!({ "instructions": record.instructions.len(), "signed": signed }),
                ),
            )
            .await?;
        Ok(())
    }

    /// The join link of the reception's conference room for `who`, if the provider gives one.
    pub fn join_link(&self, b: &Booking, who: Participant, name: &str) -> Option<String> {
        let room = b.room.as_deref()?;
        let until = self.clock.now() + chrono::Duration::days(60);
        self.settings.conference.join_link(room, who, name, until)
    }

    /// VC-15: the day the equipment check for `b` is due.
    pub async fn equipment_due(&self, b: &Booking) -> Option<NaiveDate> {
        let cal = self.calendar.read().await.clone();
        let gov = self
            .rulebooks
            .governing(b.card.channel, cal.zone().local_date(b.card.received_at))
            .ok()?;
        equipment_check_due(&gov, &cal, b.slot.starts.date()).ok()
    }

    /// VC-12: the secretary compiles the month's timetable of appointed receptions and sends it
    /// to the operator and the State Corporation (the branches of its receptions).
    pub async fn vks_send_timetable(
        &self,
        user: &StaffUser,
        month: &str,
    ) -> Result<i64, ReceptionError> {
        let body_id = user.body_id.ok_or(ReceptionError::Forbidden)?;
        if !(user.active && (user.has_role(Role::ReceptionSecretary) || user.has_role(Role::Head)))
        {
            return Err(ReceptionError::Forbidden);
        }
        let Some(first) = otinish_domain::reception::parse_month(month) else {
            return Err(ReceptionError::Invalid(vec![FieldProblem {
                field: "month",
                key: "vks-month-invalid",
            }]));
        };
        let cal = self.calendar.read().await.clone();
        let now = self.clock.now();
        let today = cal.zone().local_date(now);
        if first <= today {
            return Err(ReceptionError::Invalid(vec![FieldProblem {
                field: "month",
                key: "vks-month-not-ahead",
            }]));
        }
        let next = otinish_domain::reception::next_month(first);
        let receptions = self
            .store
            .receptions(&ReceptionFilter {
                body_id: Some(body_id),
                branch_id: None,
                from: first.and_hms_opt(0, 0, 0).unwrap_or_default(),
                to: next.and_hms_opt(0, 0, 0).unwrap_or_default(),
                states: vec![ReceptionState::Appointed],
            })
            .await?;
        let gov = self
            .rulebooks
            .governing(otinish_domain::model::Channel::Vks, today)
            .map_err(|e| ReceptionError::Store(StoreError::Backend(e.to_string())))?;
        let due = timetable_due(&gov, &cal, first)
            .map_err(|e| ReceptionError::Store(StoreError::Backend(e.to_string())))?;
        let publish = publish_due(&gov, &cal, today)
            .map_err(|e| ReceptionError::Store(StoreError::Backend(e.to_string())))?;
        let branches = self
            .store
            .branches(otinish_domain::repo::PageRequest::new(Some(500), None))
            .await?
            .items;
        let officials = self.store.officials(body_id).await.unwrap_or_default();
        let entries: Vec<serde_json::Value> = receptions
            .iter()
            .map(|b| {
                let branch = branches.iter().find(|x| x.id == b.branch_id);
                let official = officials.iter().find(|o| o.id == b.slot.official_id);
                serde_json::json!({
                    "starts": b.slot.starts.format("%Y-%m-%dT%H:%M").to_string(),
                    "minutes": b.slot.minutes,
                    "official": official.map(|o| o.full_name.clone()).unwrap_or_default(),
                    "position": official.map(|o| o.position.clone()),
                    "branch": branch.map(|x| x.name.clone()),
                    "branch_address": branch.map(|x| x.address.clone()),
                })
            })
            .collect();
        let body = self.store.body(body_id).await?;
        let text = format!(
            "{} · {} · {}",
            body.code,
            first.format("%m.%Y"),
            receptions.len()
        );
        let mut messages = vec![NewVksMessage {
            branch_id: None,
            kind: "timetable".into(),
            text: text.clone(),
        }];
        let mut seen = Vec::new();
        for b in &receptions {
            if !seen.contains(&b.branch_id) {
                seen.push(b.branch_id);
                messages.push(NewVksMessage {
                    branch_id: Some(b.branch_id),
                    kind: "timetable".into(),
                    text: text.clone(),
                });
            }
        }
        let t = NewTimetable {
            body_id,
            month: first,
            due_on: due.map(|d| d.due_on),
            sent_at: now,
            sent_by: user.id,
            publish_due_on: publish,
            entries: serde_json::Value::Array(entries).to_string(),
        };
        match self
            .store
            .send_timetable(
                &t,
                &messages,
                self.journal(
                    user,
                    "vks_timetable_sent",
                    serde_json::json!({ "month": first.format("%Y-%m").to_string() }),
                ),
            )
            .await
        {
            Ok(id) => Ok(id),
            Err(StoreError::Conflict(_)) => Err(ReceptionError::AlreadySent),
            Err(e) => Err(e.into()),
        }
    }

    /// VC-13: the operator publishes a received timetable on the portal.
    pub async fn vks_publish_timetable(
        &self,
        user: &StaffUser,
        id: i64,
    ) -> Result<(), ReceptionError> {
        if !(user.active && user.has_role(Role::Operator)) {
            return Err(ReceptionError::Forbidden);
        }
        self.store
            .publish_timetable(
                id,
                user.id,
                self.clock.now(),
                self.journal(user, "vks_timetable_published", serde_json::json!({})),
            )
            .await?;
        Ok(())
    }
}

/// The fields of a reception record as typed (and as signed in its document).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct RecordFields {
    pub introduction: String,
    pub question: String,
    pub clarifications: String,
    pub discussion: String,
    pub summary: String,
    pub decision: String,
    pub executor: String,
    pub instruction: String,
    pub executor2: String,
    pub instruction2: String,
}

impl RecordFields {
    /// The record with its instructions (a row without an executor is no instruction).
    pub fn record(&self) -> ReceptionRecord {
        let mut instructions = Vec::new();
        for (e, t) in [
            (&self.executor, &self.instruction),
            (&self.executor2, &self.instruction2),
        ] {
            if let Ok(id) = e.trim().parse::<i64>() {
                instructions.push(otinish_domain::reception::Instruction {
                    executor_id: id,
                    text: t.trim().to_owned(),
                });
            }
        }
        ReceptionRecord {
            introduction: self.introduction.trim().to_owned(),
            question: self.question.trim().to_owned(),
            clarifications: self.clarifications.trim().to_owned(),
            discussion: self.discussion.trim().to_owned(),
            summary: self.summary.trim().to_owned(),
            decision: self.decision.trim().to_owned(),
            instructions,
        }
    }
}
