//! Personal reception (PR-01 … PR-15): the services behind the pages. The rules are the
//! domain's (`otinish_domain::personal`, the PR rulebook, the calendar); this module checks
//! the user's role and body and sequences the steps with the store.

mod followup;
mod schedules;
use crate::i18n::Tr;
use crate::Service;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::deadline::CaseFacts;
use otinish_domain::ids::{Iin, Phone};
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{AppealKind, Applicant, CardState, Channel, NewCard, Role, StaffUser};
use otinish_domain::notice::{NewNotice, NoticeChannel, NoticeKind};
use otinish_domain::personal::{
    self as pr, intake, Citizenship, ParticipantKind, ReceptionOutcome, SignupAction, SignupForm,
    SignupSource, SignupState, WorkingHours,
};
use otinish_domain::repo::{
    CardMove, CardUpdate, MaterialTask, NewMaterialTask, NewParticipant, NewPrSlot, NewSignup,
    PageRequest, PrSchedule, PrSlot, Signup, SignupFilter, SignupUpdate, StoreError,
};
use otinish_domain::Lang;
use sha2::{Digest, Sha256};

/// Why a personal-reception step did not happen.
#[derive(Debug)]
pub enum PrError {
    Forbidden,
    NotFound,
    Invalid(Vec<FieldProblem>),
    /// The step does not apply now (message key).
    NotAllowed(&'static str),
    /// GEN-09: the hearing, or the decision it must precede (the common service's error).
    Hearing(Box<crate::eappeal::AppealError>),
    Store(StoreError),
}

impl From<crate::eappeal::AppealError> for PrError {
    fn from(e: crate::eappeal::AppealError) -> Self {
        use crate::eappeal::AppealError;
        match e {
            AppealError::Store(s) => PrError::from(s),
            AppealError::Forbidden => PrError::Forbidden,
            other => PrError::Hearing(Box::new(other)),
        }
    }
}

impl From<StoreError> for PrError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(_) => PrError::NotFound,
            StoreError::Stale(_) => PrError::NotAllowed("pr-step-not-allowed"),
            StoreError::Conflict(_) => PrError::NotAllowed("pr-conflict"),
            other => PrError::Store(other),
        }
    }
}

impl PrError {
    pub fn text(&self, tr: Tr) -> String {
        match self {
            PrError::Forbidden => tr.get("error-forbidden"),
            PrError::NotFound => tr.get("error-not-found"),
            PrError::Invalid(p) => p
                .iter()
                .map(|p| {
                    format!(
                        "{}: {}",
                        tr.get(&format!("pr-f-{}", p.field)),
                        tr.get(p.key)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
            PrError::NotAllowed(k) => tr.get(k),
            PrError::Hearing(e) => crate::eappeal::error_text(tr, e),
            PrError::Store(_) => tr.get("error-internal"),
        }
    }
}

fn problem(field: &'static str, key: &'static str) -> PrError {
    PrError::Invalid(vec![FieldProblem { field, key }])
}

/// A sign-up as taken: its card and when it counts as received.
#[derive(Debug, Clone)]
pub struct Taken {
    pub card_id: i64,
    pub new: bool,
    pub accepted_at: NaiveDateTime,
    pub queued: bool,
}

/// How a staff member stands to a body's personal reception.
fn in_body(user: &StaffUser, body_id: i64, roles: &[Role]) -> bool {
    user.active && user.body_id == Some(body_id) && roles.iter().any(|r| user.has_role(*r))
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

/// The time of a place as people read it.
pub fn place_when(s: &NewPrSlot) -> String {
    s.starts.format("%d.%m.%Y %H:%M").to_string()
}

impl Service {
    /// PR-02: the hours sign-up is taken.
    pub fn pr_hours(&self) -> WorkingHours {
        WorkingHours::default()
    }

    fn pr_local_now(&self, cal: &otinish_domain::calendar::WorkingCalendar) -> NaiveDateTime {
        self.clock.now().with_timezone(&cal.zone().tz).naive_local()
    }

    fn pr_utc(
        cal: &otinish_domain::calendar::WorkingCalendar,
        local: NaiveDateTime,
    ) -> DateTime<Utc> {
        cal.zone().utc(local)
    }

    fn pr_journal(&self, who: String, action: &str, details: serde_json::Value) -> JournalDraft {
        JournalDraft::new(self.clock.now(), who, "", action).details(details.to_string())
    }

    /// Notices to a sign-up's applicant: the cabinet, the email, and an SMS to the phone.
    fn pr_notices(
        &self,
        s: &Signup,
        applicant_lang: Lang,
        kind: NoticeKind,
        args: &[(&str, String)],
    ) -> Vec<NewNotice> {
        let Some(applicant_id) = s.card.applicant_id else {
            return vec![];
        };
        pr_notices_for(
            applicant_id,
            s.card.id,
            applicant_lang,
            s.email.as_deref(),
            s.phone.as_deref(),
            kind,
            args,
        )
    }

    async fn pr_applicant_lang(&self, s: &Signup) -> Lang {
        match s.card.applicant_id {
            Some(id) => self
                .store
                .applicant(id)
                .await
                .map(|a| a.lang())
                .unwrap_or(Lang::Ru),
            None => Lang::Ru,
        }
    }

    /// PR-02, PR-08: takes a sign-up from `source`: checks it, counts it as received now in
    /// working hours or at the next opening (the applicant is told), and stores it with its
    /// card and terms. `user` is the staff member who took it (none for the import and the
    /// portal); paper sign-ups bring their scan.
    #[allow(clippy::too_many_arguments)]
    pub async fn pr_take(
        &self,
        user: Option<&StaffUser>,
        source: SignupSource,
        body_code: &str,
        f: &SignupForm,
        lang: Lang,
        external_id: Option<String>,
        scan: Option<&[u8]>,
        signed: Option<(String, Vec<u8>)>,
    ) -> Result<Taken, PrError> {
        let body = match self.store.body_by_code(body_code.trim()).await {
            Ok(b) if b.is_open() => b,
            Ok(_) => return Err(problem("body", "err-body-closed")),
            Err(StoreError::NotFound(_)) => return Err(problem("body", "pr-body-unknown")),
            Err(e) => return Err(e.into()),
        };
        match (source, user) {
            (SignupSource::CallCenter, Some(u)) if u.has_role(Role::CallCenterOperator) => {}
            (SignupSource::Paper | SignupSource::Oral, Some(u))
                if in_body(u, body.id, &[Role::Registrar, Role::ReceptionSecretary]) => {}
            (SignupSource::EAppeals | SignupSource::Portal, None) => {}
            _ => return Err(PrError::Forbidden),
        }
        let problems = pr::check_signup(source, f);
        if !problems.is_empty() {
            return Err(PrError::Invalid(problems));
        }
        let cal = self.calendar.read().await.clone();
        let arrived = self.clock.now();
        let local = self.pr_local_now(&cal);
        let taken = intake(local, &self.pr_hours(), &cal)
            .map_err(|_| PrError::NotAllowed("pr-calendar-out-of-range"))?;
        let accepted_at = Self::pr_utc(&cal, taken.accepted_at);
        let iin = f.iin.trim().to_owned();
        let phone = Some(f.phone.trim().to_owned()).filter(|p| !p.is_empty());
        let email = Some(f.email.trim().to_owned()).filter(|p| !p.is_empty());
        let applicant_id = match self.store.applicant_by_tax_id(&iin).await {
            Ok((id, _)) => id,
            Err(StoreError::NotFound(_)) => {
                let mut parts = f.full_name.split_whitespace();
                let surname = parts.next().unwrap_or_default().to_owned();
                let name = parts.next().unwrap_or_default().to_owned();
                let rest: Vec<&str> = parts.collect();
                let a = Applicant::Individual {
                    iin: Iin::parse(&iin).map_err(|_| problem("iin", "pr-iin-invalid"))?,
                    surname,
                    name,
                    patronymic: (!rest.is_empty()).then(|| rest.join(" ")),
                    email: None,
                    phone: phone.as_deref().and_then(|p| Phone::parse(p).ok()),
                    address: String::new(),
                    lang,
                };
                self.store.upsert_applicant(&a).await?
            }
            Err(e) => return Err(e.into()),
        };
        let card = NewCard {
            body_id: body.id,
            channel: if source == SignupSource::CallCenter {
                Channel::CallCenter
            } else {
                Channel::PersonalReception
            },
            kind: AppealKind::Request,
            applicant_id: Some(applicant_id),
            addressee: None,
            summary: f.question.trim().chars().take(300).collect(),
            received_at: accepted_at,
            rulebook_id: String::new(),
            collective: false,
        };
        let facts = CaseFacts {
            channel: card.channel,
            kind: card.kind,
            received_at: accepted_at,
            registered_at: None,
            events: vec![],
        };
        let deadlines = self
            .stored_deadlines(&facts, &cal)
            .map_err(|_| PrError::NotAllowed("pr-no-rules"))?;
        let rulebook_id = self
            .rulebooks
            .governing(card.channel, cal.zone().local_date(accepted_at))
            .map(|g| g.primary_id().to_owned())
            .map_err(|_| PrError::NotAllowed("pr-no-rules"))?;
        let card = NewCard {
            rulebook_id,
            ..card
        };
        let notices = if taken.queued {
            pr_notices_for(
                applicant_id,
                0,
                lang,
                email.as_deref(),
                phone.as_deref(),
                NoticeKind::PrQueued,
                &[
                    ("body", body.name.get(lang).to_owned()),
                    (
                        "when",
                        taken.accepted_at.format("%d.%m.%Y %H:%M").to_string(),
                    ),
                ],
            )
        } else {
            vec![]
        };
        let scan_key = match scan {
            Some(bytes) => Some(
                self.files
                    .put(bytes)
                    .await
                    .map_err(|_| PrError::NotAllowed("pr-scan-store-failed"))?
                    .key,
            ),
            None => None,
        };
        let who = user
            .map(|u| format!("staff:{}", u.id))
            .unwrap_or_else(|| format!("{}:import", source.as_str()));
        let (card_id, new) = self
            .store
            .pr_submit(
                &NewSignup {
                    card,
                    source,
                    external_id,
                    full_name: f.full_name.trim().to_owned(),
                    iin,
                    phone,
                    email,
                    citizenship: Citizenship::parse(&f.citizenship)
                        .unwrap_or(Citizenship::Kazakhstan),
                    question: f.question.trim().to_owned(),
                    arrived_at: arrived,
                    queued: taken.queued,
                    scan_key,
                    taken_by: user.map(|u| u.id),
                    signed_form: signed.as_ref().map(|(doc, _)| doc.clone()),
                    signature: signed.map(|(_, cms)| cms),
                    deadlines,
                    notices,
                },
                self.pr_journal(
                    who,
                    "pr_signup",
                    serde_json::json!({"source": source.as_str(), "queued": taken.queued}),
                ),
            )
            .await?;
        Ok(Taken {
            card_id,
            new,
            accepted_at: taken.accepted_at,
            queued: taken.queued,
        })
    }

    /// PR-02 (seed 004: the portal is one of the channels): a signed-in applicant's own
    /// sign-up, signed with their key. The signature must verify and be the applicant's; the
    /// signed form names the body, the contacts and the question; name and IIN come from the
    /// applicant. The signed document and its signature are kept with the sign-up.
    pub async fn pr_sign_up(
        &self,
        applicant_id: i64,
        signature: &[u8],
        lang: Lang,
    ) -> Result<Taken, PrError> {
        let now = self.clock.now();
        let applicant = self.store.applicant(applicant_id).await?;
        let (v, _) = self
            .check_signature(signature, None, now)
            .await
            .map_err(|_| PrError::NotAllowed("pr-signature-invalid"))?;
        v.require_document_signer()
            .map_err(|_| PrError::NotAllowed("pr-signature-invalid"))?;
        if v.signer.iin.as_ref().map(|i| i.to_string()).as_deref() != Some(applicant.tax_id()) {
            return Err(PrError::NotAllowed("err-not-your-signature"));
        }
        let doc: serde_json::Value = serde_json::from_slice(&v.content)
            .map_err(|_| PrError::NotAllowed("pr-not-a-signup"))?;
        if doc.get("otinish").and_then(|m| m.as_str()) != Some("pr-signup/1") {
            return Err(PrError::NotAllowed("pr-not-a-signup"));
        }
        let field = |name: &str| {
            doc.get("form")
                .and_then(|f| f.get(name))
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let form = SignupForm {
            full_name: applicant.display_name(),
            iin: applicant.tax_id().to_owned(),
            phone: field("phone"),
            email: field("email"),
            citizenship: field("citizenship"),
            question: field("question"),
            confirmed: false,
            has_scan: false,
        };
        let text = String::from_utf8_lossy(&v.content).into_owned();
        self.pr_take(
            None,
            SignupSource::Portal,
            &field("body"),
            &form,
            lang,
            None,
            None,
            Some((text, signature.to_vec())),
        )
        .await
    }

    /// The sign-up `id` if `user` may open it (PR-06 restricts secrecy-regime cases); each
    /// opening is logged.
    pub async fn pr_open(&self, user: &StaffUser, id: i64) -> Result<Signup, PrError> {
        let s = self.store.pr_signup(id).await?;
        if !pr::may_see(user, visibility(&s)) {
            return Err(PrError::Forbidden);
        }
        self.log_access(
            user,
            &s.card,
            otinish_domain::model::AccessKind::SignupOpened,
        )
        .await?;
        Ok(s)
    }

    /// The reception secretaries of a body: who may be responsible for a sign-up.
    pub async fn pr_workers(&self, body_id: i64) -> Vec<StaffUser> {
        self.store
            .executor_loads(body_id)
            .await
            .map(|l| {
                l.into_iter()
                    .filter(|(u, _)| u.has_role(Role::ReceptionSecretary))
                    .map(|(u, _)| u)
                    .collect()
            })
            .unwrap_or_default()
    }

    /// PR-08: registers the sign-up on the day it is taken and sends it to the responsible
    /// worker (the one chosen, or the least loaded reception secretary).
    pub async fn pr_register(
        &self,
        user: &StaffUser,
        id: i64,
        responsible: Option<i64>,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if !in_body(
            user,
            s.card.body_id,
            &[Role::Registrar, Role::ReceptionSecretary],
        ) {
            return Err(PrError::Forbidden);
        }
        s.state
            .apply(SignupAction::Register)
            .map_err(|_| PrError::NotAllowed("pr-step-not-allowed"))?;
        let now = self.clock.now();
        if now < s.card.received_at {
            return Err(PrError::NotAllowed("pr-not-taken-yet"));
        }
        let workers = self.pr_workers(s.card.body_id).await;
        let worker = match responsible {
            Some(r) => workers.iter().find(|w| w.id == r),
            None => workers.first(),
        }
        .ok_or_else(|| problem("responsible", "pr-responsible-unknown"))?;
        let cal = self.calendar.read().await.clone();
        let facts = CaseFacts {
            channel: s.card.channel,
            kind: s.card.kind,
            received_at: s.card.received_at,
            registered_at: Some(now),
            events: vec![],
        };
        let deadlines = self
            .stored_deadlines(&facts, &cal)
            .map_err(|_| PrError::NotAllowed("pr-no-rules"))?;
        let year = chrono::Datelike::year(&cal.zone().local_date(now));
        let lang = self.pr_applicant_lang(&s).await;
        let body = self.store.body(s.card.body_id).await?;
        let make = |n: &otinish_domain::model::RegNumber| {
            self.pr_notices(
                &s,
                lang,
                NoticeKind::Registered,
                &[
                    ("appeal", s.card.reference()),
                    ("number", n.to_string()),
                    ("executor", body.name.get(lang).to_owned()),
                ],
            )
        };
        let late = cal.zone().local_date(now) > cal.zone().local_date(s.card.received_at);
        self.store
            .pr_register(
                id,
                year,
                now,
                worker.id,
                &deadlines,
                &make,
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "register",
                    serde_json::json!({"late": late}),
                ),
            )
            .await?;
        Ok(())
    }

    /// The first reception of the body open after today: the one the reference note prepares
    /// (PR-09), and its note's due day.
    pub async fn pr_next_reception(&self, body_id: i64) -> Option<(PrSlot, NaiveDate)> {
        let cal = self.calendar.read().await.clone();
        let from = self.pr_local_now(&cal);
        let slots = self.store.pr_open_slots(body_id, from).await.ok()?;
        let slot = slots
            .into_iter()
            .find(|s| i64::from(s.slot.capacity) > s.taken)?;
        let due = pr::note_due(slot.slot.starts.date(), &cal).ok()?;
        Some((slot, due))
    }

    /// PR-09: the responsible worker's reference note for the head, proposing a date or a
    /// refusal.
    pub async fn pr_note(
        &self,
        user: &StaffUser,
        id: i64,
        text: &str,
        refuse: bool,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if s.responsible_id != Some(user.id) {
            return Err(PrError::Forbidden);
        }
        let action = if refuse {
            SignupAction::NoteRefusal
        } else {
            SignupAction::NoteDate
        };
        let to = s
            .state
            .apply(action)
            .map_err(|_| PrError::NotAllowed("pr-step-not-allowed"))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(problem("note", "pr-field-required"));
        }
        if text.chars().count() > pr::MAX_QUESTION {
            return Err(problem("note", "pr-field-too-long"));
        }
        let due = self.pr_next_reception(s.card.body_id).await.map(|(_, d)| d);
        self.store
            .pr_update(
                id,
                s.state,
                &SignupUpdate {
                    state: Some(to),
                    note: Some(text.to_owned()),
                    noted_at: Some(self.clock.now()),
                    note_due: due,
                    ..Default::default()
                },
                &[],
                &[],
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_note",
                    serde_json::json!({"proposal": if refuse {"refuse"} else {"set_date"}}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-09: the head agrees with a proposed refusal; the applicant is told why.
    pub async fn pr_confirm_refusal(
        &self,
        user: &StaffUser,
        id: i64,
        reason: &str,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if !in_body(user, s.card.body_id, &[Role::Head]) {
            return Err(PrError::Forbidden);
        }
        let to = s
            .state
            .apply(SignupAction::ConfirmRefusal)
            .map_err(|_| PrError::NotAllowed("pr-step-not-allowed"))?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(problem("reason", "pr-field-required"));
        }
        // GEN-09: the refusal closes the card as refused, after the hearing.
        self.check_adverse_decision(&s.card, "refused").await?;
        let lang = self.pr_applicant_lang(&s).await;
        let notices = self.pr_notices(
            &s,
            lang,
            NoticeKind::PrRefused,
            &[
                ("appeal", s.card.reference()),
                ("reason", reason.to_owned()),
            ],
        );
        self.store
            .pr_update(
                id,
                s.state,
                &SignupUpdate {
                    state: Some(to),
                    outcome_text: Some(reason.to_owned()),
                    closed_at: Some(self.clock.now()),
                    ..Default::default()
                },
                &close_card("refused", reason),
                &notices,
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_refused",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-06: the security officer clears a secrecy-regime sign-up for the reception.
    pub async fn pr_clear(&self, user: &StaffUser, id: i64) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if !in_body(user, s.card.body_id, &[Role::SecurityOfficer]) {
            return Err(PrError::Forbidden);
        }
        if !s.secrecy() || s.cleared_at.is_some() || s.state.is_closed() {
            return Err(PrError::NotAllowed("pr-step-not-allowed"));
        }
        self.store
            .pr_update(
                id,
                s.state,
                &SignupUpdate {
                    cleared_by: Some(user.id),
                    cleared_at: Some(self.clock.now()),
                    ..Default::default()
                },
                &[],
                &[],
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_cleared",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-10, PR-11: distributes the body's noted sign-ups into the published schedule in
    /// queue order and tells each applicant the date and time. Returns how many got a place
    /// and how many wait.
    pub async fn pr_distribute(
        &self,
        user: &StaffUser,
        body_id: i64,
    ) -> Result<(usize, usize), PrError> {
        if !in_body(user, body_id, &[Role::ReceptionSecretary]) {
            return Err(PrError::Forbidden);
        }
        let cal = self.calendar.read().await.clone();
        let now_local = self.pr_local_now(&cal);
        let waiting = self
            .store
            .pr_signups(
                &SignupFilter {
                    body_id: Some(body_id),
                    states: vec![SignupState::Noted],
                    ..Default::default()
                },
                true,
                PageRequest::new(Some(500), None),
            )
            .await?
            .items;
        let ready: Vec<&Signup> = waiting
            .iter()
            .filter(|s| pr::ready_for_distribution(s.state, s.secrecy(), s.cleared_at.is_some()))
            .collect();
        let slots = self.store.pr_open_slots(body_id, now_local).await?;
        let places: Vec<pr::Place> = slots
            .iter()
            .map(|s| pr::Place {
                id: s.id,
                starts: s.slot.starts,
                capacity: u32::try_from((i64::from(s.slot.capacity) - s.taken).max(0)).unwrap_or(0),
            })
            .collect();
        let queue: Vec<pr::Waiting> = ready
            .iter()
            .map(|s| pr::Waiting {
                id: s.card.id,
                registered_at: s
                    .card
                    .registered_at
                    .unwrap_or(s.card.received_at)
                    .with_timezone(&cal.zone().tz)
                    .naive_local(),
                // A reception is given no sooner than the next day: the note is ready and the
                // applicant has time to come.
                not_before: (now_local.date() + chrono::Days::new(1))
                    .and_hms_opt(0, 0, 0)
                    .unwrap_or(now_local),
            })
            .collect();
        let plan = pr::distribute(&queue, &places);
        let mut assignments = Vec::new();
        for (card_id, slot_id) in &plan {
            let (Some(s), Some(slot)) = (
                ready.iter().find(|s| s.card.id == *card_id),
                slots.iter().find(|p| p.id == *slot_id),
            ) else {
                continue;
            };
            let lang = self.pr_applicant_lang(s).await;
            let notices = self.pr_notices(
                s,
                lang,
                NoticeKind::PrDateTime,
                &[
                    ("appeal", s.card.reference()),
                    ("when", place_when(&slot.slot)),
                    ("official", slot.slot.official_name.clone()),
                    ("position", slot.slot.position.clone()),
                    ("location", slot.slot.location.clone()),
                    ("phone", slot.slot.phone.clone()),
                ],
            );
            assignments.push((*card_id, *slot_id, notices));
        }
        if !assignments.is_empty() {
            self.store
                .pr_distribute(
                    &assignments,
                    self.clock.now(),
                    self.pr_journal(
                        format!("staff:{}", user.id),
                        "pr_distributed",
                        serde_json::json!({}),
                    ),
                )
                .await?;
        }
        Ok((assignments.len(), waiting.len() - assignments.len()))
    }

    /// The reception held (the head or the responsible worker records the outcome), or the
    /// applicant did not come. A held reception closes the card and sends the survey link
    /// (PR-13).
    pub async fn pr_result(
        &self,
        user: &StaffUser,
        id: i64,
        outcome: Option<ReceptionOutcome>,
        text: &str,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if !(in_body(user, s.card.body_id, &[Role::Head]) || s.responsible_id == Some(user.id)) {
            return Err(PrError::Forbidden);
        }
        let action = if outcome.is_some() {
            SignupAction::Hold
        } else {
            SignupAction::NoShow
        };
        let to = s
            .state
            .apply(action)
            .map_err(|_| PrError::NotAllowed("pr-step-not-allowed"))?;
        let slot = self
            .store
            .pr_slot(
                s.slot_id
                    .ok_or(PrError::NotAllowed("pr-step-not-allowed"))?,
            )
            .await?;
        let cal = self.calendar.read().await.clone();
        if self.pr_local_now(&cal) < slot.slot.starts {
            return Err(PrError::NotAllowed("pr-before-reception"));
        }
        let text = text.trim();
        if outcome.is_some() && text.is_empty() {
            return Err(problem("outcome_text", "pr-field-required"));
        }
        // GEN-09: a partial satisfaction is decided only after the hearing.
        if let Some(o) = outcome {
            self.check_adverse_decision(&s.card, o.as_str()).await?;
        }
        let lang = self.pr_applicant_lang(&s).await;
        let (token, notices, decision) = match outcome {
            Some(o) => {
                let token = crate::sessions::random_token();
                let link = format!(
                    "{}/survey/{token}",
                    self.settings.public_url.trim_end_matches('/')
                );
                let n = self.pr_notices(
                    &s,
                    lang,
                    NoticeKind::PrSurvey,
                    &[("appeal", s.card.reference()), ("link", link)],
                );
                (Some(token), n, o.as_str())
            }
            None => (None, vec![], "no_show"),
        };
        let answer = if text.is_empty() { decision } else { text };
        self.store
            .pr_update(
                id,
                s.state,
                &SignupUpdate {
                    state: Some(to),
                    outcome,
                    outcome_text: Some(answer.to_owned()),
                    closed_at: Some(self.clock.now()),
                    survey_hash: token.as_deref().map(|t| sha256_hex(t.as_bytes())),
                    ..Default::default()
                },
                &close_card(decision, answer),
                &notices,
                self.pr_journal(
                    format!("staff:{}", user.id),
                    if outcome.is_some() {
                        "pr_held"
                    } else {
                        "pr_no_show"
                    },
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    /// GEN-09: a step of the hearing before a partial satisfaction, by the head or the
    /// responsible worker, while the sign-up is open (the service of every channel).
    pub async fn pr_hearing(
        &self,
        user: &StaffUser,
        id: i64,
        step: crate::hearing::HearingStep<'_>,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if !(in_body(user, s.card.body_id, &[Role::Head]) || s.responsible_id == Some(user.id)) {
            return Err(PrError::Forbidden);
        }
        if s.state.is_closed() {
            return Err(PrError::NotAllowed("pr-step-not-allowed"));
        }
        Ok(self.hearing_step(user, s.card.id, step).await?)
    }

    /// The applicant withdrew the sign-up (told by phone or in writing).
    pub async fn pr_decline(&self, user: &StaffUser, id: i64, note: &str) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if s.responsible_id != Some(user.id) {
            return Err(PrError::Forbidden);
        }
        let to = s
            .state
            .apply(SignupAction::Decline)
            .map_err(|_| PrError::NotAllowed("pr-step-not-allowed"))?;
        let note = note.trim();
        if note.is_empty() {
            return Err(problem("reason", "pr-field-required"));
        }
        self.store
            .pr_update(
                id,
                s.state,
                &SignupUpdate {
                    state: Some(to),
                    outcome_text: Some(note.to_owned()),
                    closed_at: Some(self.clock.now()),
                    ..Default::default()
                },
                &close_card("declined", note),
                &[],
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_declined",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }
}

/// The sign-up as the visibility rule (PR-06) sees it.
pub fn visibility(s: &Signup) -> pr::Visibility {
    pr::Visibility {
        body_id: s.card.body_id,
        responsible_id: s.responsible_id,
        secrecy: s.secrecy(),
    }
}

/// The card's last two moves when a sign-up closes: decided with `decision`, answered.
fn close_card(decision: &str, answer: &str) -> Vec<CardMove> {
    vec![
        CardMove {
            from: CardState::InExecution,
            to: CardState::Decided,
            update: CardUpdate {
                decision: Some(decision.to_owned()),
                ..Default::default()
            },
        },
        CardMove {
            from: CardState::Decided,
            to: CardState::Answered,
            update: CardUpdate {
                answer: Some(answer.to_owned()),
                ..Default::default()
            },
        },
    ]
}

/// Notices of personal reception: the cabinet, the email if any, and an SMS to the phone (the
/// call-center applicant's usual way to hear back).
pub fn pr_notices_for(
    applicant_id: i64,
    card_id: i64,
    lang: Lang,
    email: Option<&str>,
    phone: Option<&str>,
    kind: NoticeKind,
    args: &[(&str, String)],
) -> Vec<NewNotice> {
    let tr = Tr::new(lang);
    let key = kind.as_str().replace('_', "-");
    let subject = tr.with(&format!("notice-{key}-subject"), args);
    let body = tr.with(&format!("notice-{key}-body"), args);
    let mut out = vec![NewNotice {
        card_id,
        applicant_id,
        kind,
        channel: NoticeChannel::Cabinet,
        address: None,
        lang,
        subject,
        body,
    }];
    for (channel, addr) in [(NoticeChannel::Email, email), (NoticeChannel::Sms, phone)] {
        if let Some(a) = addr.filter(|a| !a.is_empty()) {
            out.push(NewNotice {
                channel,
                address: Some(a.to_owned()),
                ..out[0].clone()
            });
        }
    }
    out
}
