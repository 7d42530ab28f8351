//! Personal reception (PR-01 … PR-15): the services behind the pages. The rules are the
//! domain's (`otinish_domain::personal`, the PR rulebook, the calendar); this module checks
//! the user's role and body and sequences the steps with the store.

use crate::i18n::Tr;
use crate::App;
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
            PrError::Hearing(e) => crate::cabinet::error_text(tr, e),
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

impl App {
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
                let token = crate::context::random_token();
                let link = format!(
                    "{}/survey/{token}",
                    self.config.public_url.trim_end_matches('/')
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

    /// PR-12: the responsible worker asks a unit of the body for materials, due on a working
    /// day; the request is a task of the named staff member of that unit.
    pub async fn pr_request(
        &self,
        user: &StaffUser,
        id: i64,
        unit: &str,
        assignee: i64,
        text: &str,
        due: &str,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if s.responsible_id != Some(user.id) {
            return Err(PrError::Forbidden);
        }
        if s.state.is_closed() {
            return Err(PrError::NotAllowed("pr-step-not-allowed"));
        }
        let mut p = Vec::new();
        if unit.trim().is_empty() {
            p.push(FieldProblem {
                field: "unit",
                key: "pr-field-required",
            });
        }
        if text.trim().is_empty() {
            p.push(FieldProblem {
                field: "text",
                key: "pr-field-required",
            });
        }
        let cal = self.calendar.read().await.clone();
        let today = cal.zone().local_date(self.clock.now());
        let due = match NaiveDate::parse_from_str(due.trim(), "%Y-%m-%d") {
            Ok(d) if d < today => {
                p.push(FieldProblem {
                    field: "due",
                    key: "pr-due-past",
                });
                today
            }
            Ok(d) if !cal.is_working_day(d) => {
                p.push(FieldProblem {
                    field: "due",
                    key: "pr-due-not-working",
                });
                d
            }
            Ok(d) => d,
            Err(_) => {
                p.push(FieldProblem {
                    field: "due",
                    key: "pr-date-invalid",
                });
                today
            }
        };
        let staff = self.store.staff(assignee).await.ok();
        // Someone of the body who can open the desk to answer (a body-bound role).
        if !staff.is_some_and(|a| {
            a.active && a.body_id == Some(s.card.body_id) && a.roles.iter().any(|r| r.needs_body())
        }) {
            p.push(FieldProblem {
                field: "assignee",
                key: "pr-responsible-unknown",
            });
        }
        if !p.is_empty() {
            return Err(PrError::Invalid(p));
        }
        self.store
            .pr_add_task(
                &NewMaterialTask {
                    card_id: id,
                    unit: unit.trim().to_owned(),
                    assignee_id: assignee,
                    text: text.trim().to_owned(),
                    due_on: due,
                    requested_by: user.id,
                    requested_at: self.clock.now(),
                },
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_material_request",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-12: the unit's answer, by the staff member the task names.
    pub async fn pr_answer_task(
        &self,
        user: &StaffUser,
        task_id: i64,
        answer: &str,
    ) -> Result<(), PrError> {
        let tasks = self.store.pr_tasks(None, Some(user.id)).await?;
        if !tasks.iter().any(|t| t.id == task_id) {
            // Someone else's task is as good as none: nothing is revealed.
            return Err(PrError::NotFound);
        }
        if answer.trim().is_empty() {
            return Err(problem("answer", "pr-field-required"));
        }
        self.store
            .pr_answer_task(
                task_id,
                answer.trim(),
                self.clock.now(),
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_material_answer",
                    serde_json::json!({"task": task_id}),
                ),
            )
            .await?;
        Ok(())
    }

    /// A staff member's material requests (PR-12).
    pub async fn pr_my_tasks(&self, user: &StaffUser) -> Vec<MaterialTask> {
        self.store
            .pr_tasks(None, Some(user.id))
            .await
            .unwrap_or_default()
    }

    /// PR-13: the applicant's answer to the survey link.
    pub async fn pr_survey(&self, token: &str, rating: &str, comment: &str) -> Result<(), PrError> {
        let s = self
            .store
            .pr_signup_by_survey(&sha256_hex(token.as_bytes()))
            .await?;
        if s.surveyed_at.is_some() {
            return Err(PrError::NotAllowed("pr-survey-answered"));
        }
        let rating = match rating.trim().parse::<i32>() {
            Ok(r @ 1..=5) => r,
            _ => return Err(problem("rating", "pr-rating-invalid")),
        };
        if comment.chars().count() > 2000 {
            return Err(problem("comment", "pr-field-too-long"));
        }
        self.store
            .pr_update(
                s.card.id,
                s.state,
                &SignupUpdate {
                    rating: Some(rating),
                    survey_comment: Some(comment.trim().to_owned()).filter(|c| !c.is_empty()),
                    surveyed_at: Some(self.clock.now()),
                    ..Default::default()
                },
                &[],
                &[],
                self.pr_journal(
                    "applicant:survey".into(),
                    "pr_survey",
                    serde_json::json!({"rating": rating}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-13: the selective phone survey's work list: applicants who got a consultation or
    /// declined, in the sample, not yet called.
    pub async fn pr_phone_list(
        &self,
        user: &StaffUser,
        percent: u8,
    ) -> Result<Vec<Signup>, PrError> {
        let body_id = user
            .body_id
            .filter(|b| in_body(user, *b, &[Role::Registrar, Role::ReceptionSecretary]))
            .ok_or(PrError::Forbidden)?;
        let rows = self
            .store
            .pr_signups(
                &SignupFilter {
                    body_id: Some(body_id),
                    states: vec![SignupState::Held, SignupState::Declined],
                    ..Default::default()
                },
                true,
                PageRequest::new(Some(500), None),
            )
            .await?
            .items;
        Ok(rows
            .into_iter()
            .filter(|s| {
                pr::phone_survey_eligible(s.state, s.outcome)
                    && s.phone_at.is_none()
                    && pr::in_phone_sample(s.card.id, percent)
                    && pr::may_see(user, visibility(s))
            })
            .collect())
    }

    /// PR-13: the outcome of a phone survey call.
    pub async fn pr_phone_result(
        &self,
        user: &StaffUser,
        id: i64,
        result: &str,
        rating: &str,
    ) -> Result<(), PrError> {
        let s = self.pr_open(user, id).await?;
        if !in_body(
            user,
            s.card.body_id,
            &[Role::Registrar, Role::ReceptionSecretary],
        ) {
            return Err(PrError::Forbidden);
        }
        if !pr::phone_survey_eligible(s.state, s.outcome) || s.phone_at.is_some() {
            return Err(PrError::NotAllowed("pr-step-not-allowed"));
        }
        let result = match result {
            "reached" | "not_reached" | "refused_to_answer" => result,
            _ => return Err(problem("result", "pr-field-required")),
        };
        let rating = match (result, rating.trim().parse::<i32>()) {
            ("reached", Ok(r @ 1..=5)) => Some(r),
            ("reached", _) => return Err(problem("rating", "pr-rating-invalid")),
            _ => None,
        };
        self.store
            .pr_update(
                id,
                s.state,
                &SignupUpdate {
                    phone_result: Some(result.to_owned()),
                    phone_at: Some(self.clock.now()),
                    rating: rating.filter(|_| s.rating.is_none()),
                    surveyed_at: rating.and(s.surveyed_at.is_none().then(|| self.clock.now())),
                    ..Default::default()
                },
                &[],
                &[],
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_phone_survey",
                    serde_json::json!({"result": result}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-07: a participant of a reception day of the user's body.
    pub async fn pr_add_participant(
        &self,
        user: &StaffUser,
        day: &str,
        kind: &str,
        name: &str,
        organisation: &str,
        card: &str,
    ) -> Result<(), PrError> {
        let body_id = user
            .body_id
            .filter(|b| in_body(user, *b, &[Role::ReceptionSecretary]))
            .ok_or(PrError::Forbidden)?;
        let day = NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
            .map_err(|_| problem("day", "pr-date-invalid"))?;
        let kind =
            ParticipantKind::parse(kind).ok_or_else(|| problem("kind", "pr-field-required"))?;
        let card_id = card.trim().parse::<i64>().ok();
        if let Some(c) = card_id {
            let s = self.store.pr_signup(c).await.map_err(|e| match e {
                StoreError::NotFound(_) => problem("card", "pr-card-unknown"),
                other => other.into(),
            })?;
            if s.card.body_id != body_id {
                return Err(problem("card", "pr-card-unknown"));
            }
        }
        let from = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        let reception_days: Vec<NaiveDate> = self
            .store
            .pr_open_slots(body_id, from)
            .await?
            .into_iter()
            .map(|s| s.slot.starts.date())
            .filter(|d| *d == day)
            .collect();
        let p = pr::check_participant(kind, name, organisation, day, &reception_days, card_id);
        if !p.is_empty() {
            return Err(PrError::Invalid(p));
        }
        self.store
            .pr_add_participant(
                &NewParticipant {
                    body_id,
                    day,
                    kind,
                    name: name.trim().to_owned(),
                    organisation: organisation.trim().to_owned(),
                    card_id,
                },
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_participant",
                    serde_json::json!({"kind": kind.as_str()}),
                ),
            )
            .await?;
        Ok(())
    }

    /// Who may edit a schedule: the government office its centers' schedule (PR-03), the
    /// body's reception secretaries their office's (PR-01).
    fn pr_may_edit(user: &StaffUser, owner: Option<i64>) -> bool {
        match owner {
            None => user.active && user.has_role(Role::GovernmentOffice),
            Some(b) => in_body(user, b, &[Role::ReceptionSecretary]),
        }
    }

    /// Starts a month's schedule: the government office's of centers, or the user's body's.
    pub async fn pr_new_schedule(
        &self,
        user: &StaffUser,
        centers: bool,
        month: &str,
    ) -> Result<i64, PrError> {
        let owner = if centers { None } else { user.body_id };
        if !Self::pr_may_edit(user, owner) {
            return Err(PrError::Forbidden);
        }
        let month = NaiveDate::parse_from_str(&format!("{}-01", month.trim()), "%Y-%m-%d")
            .map_err(|_| problem("month", "pr-date-invalid"))?;
        let id = self
            .store
            .pr_create_schedule(
                owner,
                month,
                user.id,
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_schedule_created",
                    serde_json::json!({}),
                ),
            )
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => problem("month", "pr-schedule-exists"),
                e => e.into(),
            })?;
        Ok(id)
    }

    /// PR-04: adds a row (an official of a body, date and time in the month, place, contacts).
    #[allow(clippy::too_many_arguments)]
    pub async fn pr_add_row(
        &self,
        user: &StaffUser,
        schedule_id: i64,
        official_id: &str,
        starts: &str,
        minutes: &str,
        location: &str,
        phone: &str,
        email: &str,
        capacity: &str,
    ) -> Result<(), PrError> {
        let sched = self.store.pr_schedule(schedule_id).await?;
        if !Self::pr_may_edit(user, sched.owner_body_id) {
            return Err(PrError::Forbidden);
        }
        let mut p = Vec::new();
        let mut add = |field, key| p.push(FieldProblem { field, key });
        let official = match official_id.trim().parse::<i64>() {
            Ok(id) => self.store_official(id).await,
            Err(_) => None,
        };
        let official = match official {
            Some(o) if sched.owner_body_id.is_none_or(|b| b == o.body_id) => Some(o),
            _ => {
                add("official", "pr-official-unknown");
                None
            }
        };
        let cal = self.calendar.read().await.clone();
        let starts = NaiveDateTime::parse_from_str(starts.trim(), "%Y-%m-%dT%H:%M").ok();
        match starts {
            None => add("starts", "pr-date-invalid"),
            Some(s) => {
                if chrono::Datelike::month(&s.date()) != chrono::Datelike::month(&sched.month)
                    || chrono::Datelike::year(&s.date()) != chrono::Datelike::year(&sched.month)
                {
                    add("starts", "pr-outside-month");
                } else if !cal.is_working_day(s.date()) {
                    add("starts", "pr-due-not-working");
                }
            }
        }
        let minutes = minutes
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|m| (15..=480).contains(m));
        if minutes.is_none() {
            add("minutes", "pr-minutes-invalid");
        }
        let capacity = capacity
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|c| (1..=200).contains(c));
        if capacity.is_none() {
            add("capacity", "pr-capacity-invalid");
        }
        if location.trim().is_empty() {
            add("location", "pr-field-required");
        }
        if Phone::parse(phone.trim()).is_err() {
            add("phone", "pr-phone-invalid");
        }
        if otinish_domain::ids::Email::parse(email.trim()).is_err() {
            add("email", "pr-email-invalid");
        }
        let (Some(o), Some(starts), Some(minutes), Some(capacity), true) =
            (official, starts, minutes, capacity, p.is_empty())
        else {
            return Err(PrError::Invalid(p));
        };
        self.store
            .pr_add_slot(
                schedule_id,
                &NewPrSlot {
                    body_id: o.body_id,
                    official_id: Some(o.id),
                    official_name: o.full_name.clone(),
                    position: o.position.ru.clone(),
                    first_head: o.rank == otinish_domain::model::OfficialRank::FirstHead,
                    starts,
                    minutes,
                    location: location.trim().to_owned(),
                    phone: phone.trim().to_owned(),
                    email: email.trim().to_owned(),
                    capacity,
                },
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_schedule_row",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    async fn store_official(&self, id: i64) -> Option<otinish_domain::model::Official> {
        let bodies = self
            .store
            .bodies(PageRequest::new(Some(500), None))
            .await
            .ok()?;
        for b in bodies.items {
            if let Some(o) = self
                .store
                .officials(b.id)
                .await
                .ok()?
                .into_iter()
                .find(|o| o.id == id)
            {
                return Some(o);
            }
        }
        None
    }

    pub async fn pr_remove_row(
        &self,
        user: &StaffUser,
        schedule_id: i64,
        row: i64,
    ) -> Result<(), PrError> {
        let sched = self.store.pr_schedule(schedule_id).await?;
        if !Self::pr_may_edit(user, sched.owner_body_id) {
            return Err(PrError::Forbidden);
        }
        if !self
            .store
            .pr_slots(schedule_id)
            .await?
            .iter()
            .any(|s| s.id == row)
        {
            return Err(PrError::NotFound);
        }
        self.store
            .pr_remove_slot(
                row,
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_schedule_row_removed",
                    serde_json::json!({}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-03, PR-05: approval (the Head of the Government Office for centers, the body's head
    /// for its office) and publication.
    pub async fn pr_schedule_step(
        &self,
        user: &StaffUser,
        schedule_id: i64,
        step: &str,
    ) -> Result<(), PrError> {
        let sched = self.store.pr_schedule(schedule_id).await?;
        let (from, to) = match step {
            "approve" => ("draft", "approved"),
            "publish" => ("approved", "published"),
            _ => return Err(PrError::NotFound),
        };
        let allowed = match (sched.owner_body_id, step) {
            (None, _) => user.active && user.has_role(Role::GovernmentOffice),
            (Some(b), "approve") => in_body(user, b, &[Role::Head]),
            (Some(b), _) => in_body(user, b, &[Role::ReceptionSecretary]),
        };
        if !allowed {
            return Err(PrError::Forbidden);
        }
        if sched.state != from {
            return Err(PrError::NotAllowed("pr-step-not-allowed"));
        }
        if self.store.pr_slots(schedule_id).await?.is_empty() {
            return Err(PrError::NotAllowed("pr-schedule-empty"));
        }
        self.store
            .pr_move_schedule(
                schedule_id,
                from,
                to,
                user.id,
                self.clock.now(),
                self.pr_journal(
                    format!("staff:{}", user.id),
                    "pr_schedule_step",
                    serde_json::json!({"step": step}),
                ),
            )
            .await?;
        Ok(())
    }

    /// PR-03: first heads without a reception in a center in the schedule's month, with their
    /// body: (official name, body name).
    pub async fn pr_gaps(&self, sched: &PrSchedule, lang: Lang) -> Vec<(String, String)> {
        let Ok(slots) = self.store.pr_slots(sched.id).await else {
            return vec![];
        };
        let receptions: Vec<pr::CenterReception> = slots
            .iter()
            .filter_map(|s| {
                Some(pr::CenterReception {
                    official_id: s.slot.official_id?,
                    day: s.slot.starts.date(),
                })
            })
            .collect();
        let Ok(bodies) = self.store.bodies(PageRequest::new(Some(500), None)).await else {
            return vec![];
        };
        let mut heads = Vec::new();
        for b in &bodies.items {
            for o in self.store.officials(b.id).await.unwrap_or_default() {
                if o.rank == otinish_domain::model::OfficialRank::FirstHead {
                    heads.push((o, b.name.get(lang).to_owned()));
                }
            }
        }
        let ids: Vec<i64> = heads.iter().map(|(o, _)| o.id).collect();
        pr::monthly_gaps(&ids, &receptions, sched.month, sched.month)
            .into_iter()
            .filter_map(|(id, _)| {
                heads
                    .iter()
                    .find(|(o, _)| o.id == id)
                    .map(|(o, b)| (o.full_name.clone(), b.clone()))
            })
            .collect()
    }

    /// PR-15: the quarter's report lines (all bodies for the government office, the user's
    /// body otherwise).
    pub async fn pr_report(
        &self,
        user: &StaffUser,
        year: i32,
        quarter: u32,
    ) -> Result<(Vec<pr::ReportLine>, pr::ReportLine), PrError> {
        let body = if user.has_role(Role::GovernmentOffice) {
            None
        } else if let Some(b) = user.body_id.filter(|b| {
            in_body(
                user,
                *b,
                &[Role::Head, Role::Registrar, Role::ReceptionSecretary],
            )
        }) {
            Some(b)
        } else {
            return Err(PrError::Forbidden);
        };
        if !(1..=4).contains(&quarter) {
            return Err(problem("quarter", "pr-date-invalid"));
        }
        let cal = self.calendar.read().await.clone();
        let first = NaiveDate::from_ymd_opt(year, (quarter - 1) * 3 + 1, 1)
            .ok_or_else(|| problem("year", "pr-date-invalid"))?;
        let next = first
            .checked_add_months(chrono::Months::new(3))
            .ok_or_else(|| problem("year", "pr-date-invalid"))?;
        let at = |d: NaiveDate| Self::pr_utc(&cal, d.and_hms_opt(0, 0, 0).unwrap_or_default());
        let today = cal.zone().local_date(self.clock.now());
        let codes: std::collections::HashMap<i64, String> = self
            .store
            .bodies(PageRequest::new(Some(500), None))
            .await?
            .items
            .into_iter()
            .map(|b| (b.id, b.code))
            .collect();
        let mut facts = Vec::new();
        let mut offset = 0;
        loop {
            let page = self
                .store
                .pr_signups(
                    &SignupFilter {
                        body_id: body,
                        from: Some(at(first)),
                        to: Some(at(next)),
                        ..Default::default()
                    },
                    true,
                    PageRequest::new(Some(500), Some(offset)),
                )
                .await?;
            let n = page.items.len();
            for s in page.items {
                let taken_on = cal.zone().local_date(s.card.received_at);
                let registered_late = otinish_domain::personal::registration_late(
                    taken_on,
                    s.card.registered_at.map(|r| cal.zone().local_date(r)),
                    today,
                );
                let notice_due = self
                    .store
                    .deadlines(s.card.id)
                    .await
                    .unwrap_or_default()
                    .into_iter()
                    .find(|d| d.key == "reception_date_notice")
                    .map(|d| d.due_on);
                let notice_late = match (notice_due, s.notified_at) {
                    (Some(due), Some(n)) => cal.zone().local_date(n) > due,
                    (Some(due), None) => !s.state.is_closed() && today > due,
                    _ => false,
                };
                facts.push(pr::ReportFacts {
                    body: codes
                        .get(&s.card.body_id)
                        .cloned()
                        .unwrap_or_else(|| s.card.body_id.to_string()),
                    source: s.source,
                    state: s.state,
                    outcome: s.outcome,
                    registered_late,
                    notice_late,
                    secrecy: s.secrecy(),
                    rating: s.rating.and_then(|r| u8::try_from(r).ok()),
                    phone_surveyed: s.phone_at.is_some(),
                });
            }
            if n < 500 {
                break;
            }
            offset += 500;
        }
        Ok(pr::quarterly_report(&facts))
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
