//! GEN-09 (VC-10 for VKS): the hearing before a decision adverse to the applicant, one service
//! for every channel. Staff notify the applicant of the intended decision and of the day by
//! which to state a position; the applicant answers in the cabinet (signed) or staff take the
//! position down; once that day has passed with nothing said, staff record that no position
//! was given. Every channel's decision asks [`Service::check_adverse_decision`], which asks the
//! domain (`otinish_domain::hearing`) with the rulebooks in force on the day of receipt.
//!
//! No HTTP here: the pages of the card, the VKS reception, the personal reception and the
//! cabinet call these services and render what they return.

use crate::eappeal::AppealError;
use crate::i18n::Tr;
use crate::Service;
use chrono::NaiveDate;
use otinish_domain::appeal::FieldProblem;
use otinish_domain::hearing::{self, DecisionError, HearingError, PositionKind};
use otinish_domain::journal::JournalDraft;
use otinish_domain::lang::Lang;
use otinish_domain::model::{Card, Channel, Role, StaffUser};
use otinish_domain::notice::{NewNotice, NoticeKind};
use otinish_domain::repo::{HearingPosition, HearingRecord, NewHearing, StoreError};

/// The longest position kept, in characters.
pub const MAX_POSITION_CHARS: usize = 4_000;

/// What a signed position is: the format marker of [`Service::hearing_document`].
pub const POSITION_FORMAT: &str = "hearing-position/1";

/// A hearing as pages show it, in the reader's language.
#[derive(Debug, Clone)]
pub struct HearingView {
    pub id: i64,
    pub intended: String,
    pub notified: String,
    pub respond_by: String,
    pub earliest: String,
    /// The position, "no position given", or nothing yet.
    pub position: Option<String>,
    /// Who recorded it, and whether it came signed from the cabinet.
    pub recorded: Option<String>,
    pub open: bool,
    /// The day set has passed with nothing recorded: "no position given" may be recorded.
    pub silence_due: bool,
    /// What the notice told the applicant, in a sentence (the cabinet's).
    pub summary: String,
}

/// What a staff page offers about the hearings of a card.
#[derive(Debug, Clone, Default)]
pub struct HearingPanel {
    pub card_id: i64,
    pub hearings: Vec<HearingView>,
    /// The adverse decisions a notice may announce: (value, label).
    pub intended: Vec<(String, String)>,
    /// The staff member may notify and record.
    pub can_act: bool,
    /// The default day for the position (YYYY-MM-DD) and the range a notice may give.
    pub respond_by: String,
    pub respond_min: String,
    pub respond_max: String,
}

/// A step of a hearing taken by staff, as a page's form gives it.
#[derive(Debug, Clone, Copy)]
pub enum HearingStep<'a> {
    /// Notify the applicant of the intended decision, with the day for the position
    /// (YYYY-MM-DD, empty for the default).
    Notify {
        intended: &'a str,
        respond_by: &'a str,
    },
    /// Record the position the applicant stated.
    Position { hearing: Option<i64>, text: &'a str },
    /// Record that no position was given by the day set.
    NoPosition { hearing: Option<i64> },
}

/// A hearing's fields as a page's form sends them (flattened into each page's form).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct HearingForm {
    #[serde(default)]
    pub intended: String,
    #[serde(default)]
    pub respond_by: String,
    #[serde(default)]
    pub hearing: String,
    #[serde(default)]
    pub position: String,
}

impl HearingForm {
    /// The step a form's action names (`hearing-notify`, `hearing-position`,
    /// `hearing-silence`), with its fields; `None` for any other action.
    pub fn step(&self, action: &str) -> Option<HearingStep<'_>> {
        let hearing = self.hearing.trim().parse::<i64>().ok();
        match action {
            "hearing-notify" => Some(HearingStep::Notify {
                intended: &self.intended,
                respond_by: &self.respond_by,
            }),
            "hearing-position" => Some(HearingStep::Position {
                hearing,
                text: &self.position,
            }),
            "hearing-silence" => Some(HearingStep::NoPosition { hearing }),
            _ => None,
        }
    }
}

fn dmy(d: NaiveDate) -> String {
    d.format("%d.%m.%Y").to_string()
}

fn decision_label(tr: Tr, decision: &str) -> String {
    tr.get(&format!("decision-{}", decision.replace('_', "-")))
}

/// The text of a hearing error in the reader's language.
pub fn hearing_error_text(tr: Tr, e: &HearingError) -> String {
    match e {
        HearingError::NotRequired => tr.get("hearing-not-required"),
        HearingError::AlreadyNotified => tr.get("hearing-already-notified"),
        HearingError::RespondByOutOfRange { earliest, latest } => tr.with(
            "hearing-respond-by-range",
            &[("from", dmy(*earliest)), ("to", dmy(*latest))],
        ),
        HearingError::NotNotified => tr.get("hearing-not-notified"),
        HearingError::AlreadyRecorded => tr.get("hearing-already-recorded"),
        HearingError::StillOpen { respond_by } => {
            tr.with("hearing-still-open", &[("date", dmy(*respond_by))])
        }
        HearingError::Calendar(_) => tr.get("error-internal"),
    }
}

/// The text of a decision refused by the rules in the reader's language.
pub fn decision_error_text(tr: Tr, e: &DecisionError) -> String {
    match e {
        DecisionError::NotAllowed => tr.get("appeal-decision-not-allowed"),
        DecisionError::HearingRequired => tr.get("hearing-required"),
        DecisionError::HearingTooRecent { earliest } => {
            tr.with("hearing-too-recent", &[("date", dmy(*earliest))])
        }
        DecisionError::AwaitingPosition { respond_by } => {
            tr.with("hearing-awaiting-position", &[("date", dmy(*respond_by))])
        }
        DecisionError::SilenceNotRecorded => tr.get("hearing-record-silence-first"),
        DecisionError::Calendar(_) => tr.get("error-internal"),
    }
}

fn internal(e: impl std::fmt::Display) -> AppealError {
    AppealError::Internal(e.to_string())
}

fn invalid(field: &'static str, key: &'static str) -> AppealError {
    AppealError::Invalid(vec![FieldProblem { field, key }])
}

impl Service {
    /// GEN-09: who hears the applicant: the body's head, the executor the card is assigned to,
    /// and for VKS requests and personal reception the body's reception secretaries.
    pub fn may_hear(user: &StaffUser, card: &Card) -> bool {
        user.active
            && user.body_id == Some(card.body_id)
            && (user.has_role(Role::Head)
                || (user.has_role(Role::Executor) && card.executor_id == Some(user.id))
                || (user.has_role(Role::ReceptionSecretary)
                    && matches!(card.channel, Channel::Vks | Channel::PersonalReception)))
    }

    /// A card is open to a hearing until it is decided or closed.
    pub fn hearing_open(card: &Card) -> bool {
        !card.state.is_closed() && card.decision.is_none()
    }

    pub async fn hearings_of(&self, card_id: i64) -> Result<Vec<HearingRecord>, AppealError> {
        Ok(self.store.hearings(card_id).await?)
    }

    /// GEN-09, VC-09, VC-10: whether `decision` may be taken on the card today under the rules
    /// of its day of receipt, given its hearings. Every channel's decision passes here.
    pub async fn check_adverse_decision(
        &self,
        card: &Card,
        decision: &str,
    ) -> Result<(), AppealError> {
        let cal = self.calendar.read().await.clone();
        let gov = self
            .rulebooks
            .governing(card.channel, cal.zone().local_date(card.received_at))
            .map_err(internal)?;
        let today = cal.zone().local_date(self.clock.now());
        let hearings: Vec<_> = self
            .hearings_of(card.id)
            .await?
            .iter()
            .map(HearingRecord::hearing)
            .collect();
        hearing::check_decision(&gov, card.kind, decision, &hearings, today, &cal)
            .map_err(AppealError::Decision)
    }
}

impl Service {
    /// The hearings of a card and what `user` may do about them, for a staff page.
    pub async fn hearing_panel(&self, user: &StaffUser, card: &Card, tr: Tr) -> HearingPanel {
        let cal = self.calendar.read().await.clone();
        let today = cal.zone().local_date(self.clock.now());
        let Ok(gov) = self
            .rulebooks
            .governing(card.channel, cal.zone().local_date(card.received_at))
        else {
            return HearingPanel::default();
        };
        let records = self.store.hearings(card.id).await.unwrap_or_default();
        let hearings = records
            .iter()
            .map(|r| self.hearing_view(tr, r, today, &gov, card, &cal))
            .collect();
        let taken: Vec<&str> = records.iter().map(|r| r.notice.intended.as_str()).collect();
        let intended: Vec<(String, String)> = hearing::adverse_decisions(&gov)
            .into_iter()
            .filter(|d| !taken.contains(d))
            .map(|d| (d.to_owned(), decision_label(tr, d)))
            .collect();
        let plan = intended
            .first()
            .and_then(|(d, _)| hearing::plan_notice(&gov, card.kind, d, today, None, &cal).ok());
        HearingPanel {
            card_id: card.id,
            hearings,
            can_act: Self::may_hear(user, card) && Self::hearing_open(card),
            intended,
            respond_by: plan.map(|p| p.respond_by.to_string()).unwrap_or_default(),
            respond_min: today.succ_opt().unwrap_or(today).to_string(),
            respond_max: (today + chrono::Duration::days(hearing::MAX_RESPONSE_DAYS)).to_string(),
        }
    }

    /// The hearings of the applicant's own appeal, for the cabinet.
    pub async fn applicant_hearings(&self, card: &Card, tr: Tr) -> Vec<HearingView> {
        let cal = self.calendar.read().await.clone();
        let today = cal.zone().local_date(self.clock.now());
        let Ok(gov) = self
            .rulebooks
            .governing(card.channel, cal.zone().local_date(card.received_at))
        else {
            return vec![];
        };
        let open = Self::hearing_open(card);
        self.store
            .hearings(card.id)
            .await
            .unwrap_or_default()
            .iter()
            .map(|r| {
                let mut v = self.hearing_view(tr, r, today, &gov, card, &cal);
                v.open &= open;
                v.summary = tr.with(
                    "hearing-cabinet-intro",
                    &[
                        ("decision", v.intended.clone()),
                        ("date", v.respond_by.clone()),
                        ("earliest", v.earliest.clone()),
                    ],
                );
                v
            })
            .collect()
    }

    fn hearing_view(
        &self,
        tr: Tr,
        r: &HearingRecord,
        today: NaiveDate,
        gov: &otinish_domain::rulebook::Governing<'_>,
        card: &Card,
        cal: &otinish_domain::calendar::WorkingCalendar,
    ) -> HearingView {
        let earliest = hearing::earliest_decision(gov, card.kind, r.notice.notified_on, cal)
            .map(|d| d.max(r.notice.respond_by.succ_opt().unwrap_or(d)))
            .map(dmy)
            .unwrap_or_default();
        HearingView {
            id: r.id,
            intended: decision_label(tr, &r.notice.intended),
            notified: crate::service::local(self, r.notice.notified_at),
            respond_by: dmy(r.notice.respond_by),
            earliest,
            position: r.position.as_ref().map(|p| match p.kind {
                PositionKind::Given => p.text.clone().unwrap_or_default(),
                PositionKind::NoneGiven => tr.get("hearing-none-given"),
            }),
            recorded: r.position.as_ref().map(|p| {
                let who = if p.by.starts_with("applicant:") {
                    tr.get("hearing-by-applicant")
                } else {
                    tr.get("hearing-by-staff")
                };
                format!("{who}, {}", crate::service::local(self, p.at))
            }),
            open: r.position.is_none(),
            silence_due: r.position.is_none() && today > r.notice.respond_by,
            summary: String::new(),
        }
    }

    /// The applicant of a card, in their language, and the notices of `kind` to them: the
    /// cabinet, their email, and for a personal reception their phone (GEN-07). `args` is
    /// given the applicant's language, so that names in it (a decision) are theirs.
    async fn applicant_notices(
        &self,
        card: &Card,
        kind: NoticeKind,
        args: impl Fn(Tr) -> Vec<(&'static str, String)>,
    ) -> Result<Vec<NewNotice>, AppealError> {
        if card.channel == Channel::PersonalReception {
            let s = self.store.pr_signup(card.id).await?;
            let Some(applicant_id) = card.applicant_id else {
                return Ok(vec![]);
            };
            let lang = match self.store.applicant(applicant_id).await {
                Ok(a) => a.lang(),
                Err(StoreError::NotFound(_)) => Lang::Ru,
                Err(e) => return Err(e.into()),
            };
            return Ok(crate::pr::pr_notices_for(
                applicant_id,
                card.id,
                lang,
                s.email.as_deref(),
                s.phone.as_deref(),
                kind,
                &args(Tr::new(lang)),
            ));
        }
        match self.store.appeal(card.id).await {
            Ok(a) => {
                let mut out =
                    self.notices_for(&a, card.id, kind, &args(Tr::new(a.applicant.lang())));
                // VC-14: a VKS applicant is also told by SMS.
                if let (Channel::Vks, Some(phone), Some(first)) = (
                    card.channel,
                    a.phone.as_deref().filter(|p| !p.is_empty()),
                    out.first().cloned(),
                ) {
                    out.push(NewNotice {
                        channel: otinish_domain::notice::NoticeChannel::Sms,
                        address: Some(phone.to_owned()),
                        ..first
                    });
                }
                Ok(out)
            }
            // A card with no appeal record (an imported paper one) has no address here: the
            // notice goes by post from the registry.
            Err(StoreError::NotFound(_)) => Ok(vec![]),
            Err(e) => Err(e.into()),
        }
    }

    /// GEN-09: notifies the applicant of the intended `intended` decision and of the day by
    /// which to state a position (`respond_by`, YYYY-MM-DD; empty for the default).
    pub async fn hearing_notify(
        &self,
        user: &StaffUser,
        card_id: i64,
        intended: &str,
        respond_by: &str,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        if !Self::may_hear(user, &card) {
            return Err(AppealError::Forbidden);
        }
        if !Self::hearing_open(&card) {
            return Err(AppealError::Hearing(HearingError::NotRequired));
        }
        let respond_by = match respond_by.trim() {
            "" => None,
            s => Some(
                NaiveDate::parse_from_str(s, "%Y-%m-%d")
                    .map_err(|_| invalid("respond_by", "hearing-respond-by-invalid"))?,
            ),
        };
        let cal = self.calendar.read().await.clone();
        let gov = self
            .rulebooks
            .governing(card.channel, cal.zone().local_date(card.received_at))
            .map_err(internal)?;
        let now = self.clock.now();
        let today = cal.zone().local_date(now);
        let existing: Vec<_> = self
            .hearings_of(card_id)
            .await?
            .iter()
            .map(HearingRecord::hearing)
            .collect();
        hearing::check_new_notice(&existing, intended).map_err(AppealError::Hearing)?;
        let plan = hearing::plan_notice(&gov, card.kind, intended, today, respond_by, &cal)
            .map_err(AppealError::Hearing)?;
        let number = card
            .reg_number
            .as_ref()
            .map(|n| n.to_string())
            .unwrap_or_else(|| card.id.to_string());
        let notices = self
            .applicant_notices(&card, NoticeKind::Hearing, |tr| {
                vec![
                    ("appeal", number.clone()),
                    ("decision", decision_label(tr, intended)),
                    ("date", dmy(plan.respond_by)),
                    ("earliest", dmy(plan.earliest_decision)),
                ]
            })
            .await?;
        let new = NewHearing {
            card_id,
            intended: intended.to_owned(),
            notified_at: now,
            notified_on: today,
            respond_by: plan.respond_by,
            notified_by: format!("staff:{}", user.id),
        };
        match self
            .store
            .notify_hearing(
                &new,
                &notices,
                JournalDraft::new(now, format!("staff:{}", user.id), "", "hearing_notified")
                    .details(
                        serde_json::json!({
                            "intended": intended,
                            "respond_by": plan.respond_by.to_string(),
                            "earliest_decision": plan.earliest_decision.to_string(),
                        })
                        .to_string(),
                    ),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict(_)) => {
                Err(AppealError::Hearing(HearingError::AlreadyNotified))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// One staff step of a hearing on the card.
    pub async fn hearing_step(
        &self,
        user: &StaffUser,
        card_id: i64,
        step: HearingStep<'_>,
    ) -> Result<(), AppealError> {
        match step {
            HearingStep::Notify {
                intended,
                respond_by,
            } => {
                self.hearing_notify(user, card_id, intended, respond_by)
                    .await
            }
            HearingStep::Position { hearing, text } => {
                self.hearing_record(user, card_id, hearing, Some(text))
                    .await
            }
            HearingStep::NoPosition { hearing } => {
                self.hearing_record(user, card_id, hearing, None).await
            }
        }
    }

    /// The open hearing `hearing_id` of the card, checked against what is to be recorded.
    async fn open_hearing(
        &self,
        card: &Card,
        hearing_id: Option<i64>,
        kind: PositionKind,
    ) -> Result<HearingRecord, AppealError> {
        let records = self.hearings_of(card.id).await?;
        let found = match hearing_id {
            Some(id) => records.into_iter().find(|r| r.id == id),
            None => records.into_iter().rev().find(|r| r.position.is_none()),
        };
        let cal = self.calendar.read().await.clone();
        let today = cal.zone().local_date(self.clock.now());
        let h = found.as_ref().map(HearingRecord::hearing);
        hearing::check_position(h.as_ref(), kind, today).map_err(AppealError::Hearing)?;
        found.ok_or(AppealError::Hearing(HearingError::NotNotified))
    }

    async fn write_position(
        &self,
        h: &HearingRecord,
        p: HearingPosition,
        action: &str,
    ) -> Result<(), AppealError> {
        let journal = JournalDraft::new(p.at, p.by.clone(), "", action).details(
            serde_json::json!({
                "hearing": h.id,
                "intended": h.notice.intended,
                "kind": p.kind.as_str(),
                "signed": p.signature.is_some(),
            })
            .to_string(),
        );
        match self.store.record_hearing_position(h.id, &p, journal).await {
            Ok(()) => Ok(()),
            Err(StoreError::Stale(_)) => Err(AppealError::Hearing(HearingError::AlreadyRecorded)),
            Err(e) => Err(e.into()),
        }
    }

    /// GEN-09: staff record the position the applicant stated (orally or on paper), or, once
    /// the day set has passed, that none was given (`text` is `None`).
    pub async fn hearing_record(
        &self,
        user: &StaffUser,
        card_id: i64,
        hearing_id: Option<i64>,
        text: Option<&str>,
    ) -> Result<(), AppealError> {
        let card = self.store.card(card_id).await?;
        if !Self::may_hear(user, &card) {
            return Err(AppealError::Forbidden);
        }
        let kind = if text.is_some() {
            PositionKind::Given
        } else {
            PositionKind::NoneGiven
        };
        let text = match text.map(str::trim) {
            Some("") => return Err(invalid("position", "appeal-field-required")),
            Some(t) if t.chars().count() > MAX_POSITION_CHARS => {
                return Err(invalid("position", "hearing-position-too-long"))
            }
            other => other.map(str::to_owned),
        };
        let h = self.open_hearing(&card, hearing_id, kind).await?;
        let action = if text.is_some() {
            "hearing_position"
        } else {
            "hearing_no_position"
        };
        self.write_position(
            &h,
            HearingPosition {
                kind,
                text,
                by: format!("staff:{}", user.id),
                signature: None,
                at: self.clock.now(),
            },
            action,
        )
        .await
    }

    /// What the applicant signs to state a position in the cabinet; the page's script builds
    /// the same JSON from the form (`static/ncalayer.js`, kind `hearing`).
    pub fn hearing_document(card_id: i64, hearing_id: i64, position: &str) -> String {
        serde_json::json!({
            "otinish": POSITION_FORMAT,
            "appeal": card_id,
            "hearing": hearing_id,
            "position": position,
        })
        .to_string()
    }

    /// GEN-09: the applicant states their position in the cabinet, signed with their key (in
    /// demo mode with their demo key). The signature is checked as an appeal's is (EA-06) and
    /// must be theirs; the position is the one in the signed document.
    pub async fn hearing_answer(
        &self,
        applicant_id: i64,
        card_id: i64,
        hearing_id: i64,
        signature: &[u8],
    ) -> Result<(), AppealError> {
        let a = self.store.appeal(card_id).await?;
        if a.applicant_id != applicant_id {
            return Err(AppealError::Forbidden);
        }
        let now = self.clock.now();
        let (v, _) = self
            .check_signature(signature, None, now)
            .await
            .map_err(AppealError::Signature)?;
        v.require_document_signer()
            .map_err(AppealError::Signature)?;
        let signer_tax = crate::eappeal::signer_tax_id(&v);
        if signer_tax.as_deref() != Some(a.applicant.tax_id()) {
            return Err(AppealError::NotYourSignature);
        }
        let doc: serde_json::Value =
            serde_json::from_slice(&v.content).map_err(|_| AppealError::NotAnAppeal)?;
        if doc["otinish"] != POSITION_FORMAT
            || doc["appeal"].as_i64() != Some(card_id)
            || doc["hearing"].as_i64() != Some(hearing_id)
        {
            return Err(AppealError::NotAnAppeal);
        }
        let text = doc["position"].as_str().unwrap_or_default().trim();
        if text.is_empty() {
            return Err(invalid("position", "appeal-field-required"));
        }
        if text.chars().count() > MAX_POSITION_CHARS {
            return Err(invalid("position", "hearing-position-too-long"));
        }
        let h = self
            .open_hearing(&a.card, Some(hearing_id), PositionKind::Given)
            .await?;
        self.write_position(
            &h,
            HearingPosition {
                kind: PositionKind::Given,
                text: Some(text.to_owned()),
                by: format!("applicant:{applicant_id}"),
                signature: Some(signature.to_vec()),
                at: now,
            },
            "hearing_position",
        )
        .await
    }
}
