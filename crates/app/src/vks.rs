//! Reception by videoconference, the services: the quarterly schedules (VC-05, VC-06: drafted,
//! sent, approved, published), VC-01's absences, and the applicant's booking of a published
//! slot with a signed request (VC-02, VC-03, VC-04, VC-07). Who may act is the domain's
//! (`otinish_domain::vks`); the pages are the web crate's `vks` module.

use crate::Service;
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::StaffUser;
use otinish_domain::repo::{ScheduleStep, StoreError};
use otinish_domain::vks::{
    check_slots, has_first_head, may_draft, may_step, schedule_due, Quarter, ScheduleAction,
    ScheduleState, SlotDraft, SlotProblem,
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
    /// The key of the message that explains it.
    pub fn message_key(&self) -> &'static str {
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

impl Service {
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

impl Service {
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
        let branch_ok = crate::directory::open_branches(self.store.as_ref())
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

impl Service {
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
