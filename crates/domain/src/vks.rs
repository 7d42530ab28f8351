//! Reception by videoconference (VC): quarterly reception schedules and their slots (VC-05,
//! VC-06), and the applicant's request for a reception (VC-02, VC-03).

use crate::appeal::{FieldProblem, SignerFacts};
use crate::calendar::WorkingCalendar;
use crate::deadline::{term_before, Deadline, DeadlineError};
use crate::ids::{Email, Iin, Phone};
use crate::lang::Lang;
use crate::model::{AppealKind, Channel, Official, OfficialRank};
use crate::rulebook::RulebookSet;
use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

/// A calendar quarter: schedules are approved per quarter (VC-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub number: u8,
}

impl Quarter {
    pub fn new(year: i32, number: u8) -> Option<Self> {
        ((1..=4).contains(&number) && (2000..=2100).contains(&year))
            .then_some(Self { year, number })
    }

    /// `2026-Q3` (or `2026-3`).
    pub fn parse(s: &str) -> Option<Self> {
        let (y, q) = s.trim().split_once('-')?;
        let q = q.strip_prefix(['Q', 'q']).unwrap_or(q);
        Self::new(y.parse().ok()?, q.parse().ok()?)
    }

    pub fn containing(day: NaiveDate) -> Self {
        Self {
            year: day.year(),
            number: (day.month0() / 3 + 1) as u8,
        }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, u32::from(self.number) * 3 - 2, 1)
            .unwrap_or(NaiveDate::MIN)
    }

    pub fn next(self) -> Self {
        if self.number == 4 {
            Self {
                year: self.year + 1,
                number: 1,
            }
        } else {
            Self {
                year: self.year,
                number: self.number + 1,
            }
        }
    }

    /// The last day of the quarter.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MAX)
    }

    pub fn contains(self, day: NaiveDate) -> bool {
        day >= self.first_day() && day <= self.last_day()
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.number)
    }
}

string_enum!(
    /// Where a quarterly schedule stands (VC-05, VC-06).
    ScheduleState {
        Draft = "draft",
        Approved = "approved",
        Agreed = "agreed",
        Published = "published",
    }
);

string_enum!(
    /// What may be done to a schedule, and by whom (see [`ScheduleAction::role`]): the first
    /// head approves the draft (VC-05); the authorized body agrees it (VC-05, VC-06), publishes
    /// it on the portal (VC-06), or returns it to the drafter with remarks (from approved or
    /// agreed, not once published).
    ScheduleAction {
        Approve = "approve",
        Agree = "agree",
        Publish = "publish",
        Return = "return",
    }
);

impl ScheduleAction {
    /// The role that takes this step.
    pub fn role(self) -> crate::model::Role {
        use crate::model::Role;
        match self {
            ScheduleAction::Approve => Role::Head,
            ScheduleAction::Agree | ScheduleAction::Publish | ScheduleAction::Return => {
                Role::Operator
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a schedule that is {from} cannot be {action}d")]
pub struct ScheduleTransitionError {
    pub from: &'static str,
    pub action: &'static str,
}

impl ScheduleState {
    pub fn apply(self, action: ScheduleAction) -> Result<ScheduleState, ScheduleTransitionError> {
        use ScheduleAction as A;
        use ScheduleState as S;
        match (self, action) {
            (S::Draft, A::Approve) => Ok(S::Approved),
            (S::Approved, A::Agree) => Ok(S::Agreed),
            (S::Agreed, A::Publish) => Ok(S::Published),
            (S::Approved | S::Agreed, A::Return) => Ok(S::Draft),
            _ => Err(ScheduleTransitionError {
                from: self.as_str(),
                action: action.as_str(),
            }),
        }
    }

    /// Slots can be changed only while drafting.
    pub fn editable(self) -> bool {
        self == ScheduleState::Draft
    }
}

/// A reception slot as drafted: who receives, when (local time), for how long, and whether
/// the time is allotted to VKS (VC-05).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotDraft {
    pub official_id: i64,
    pub starts: NaiveDateTime,
    pub minutes: u32,
    pub vks: bool,
}

/// Shortest and longest slot, in minutes.
pub const SLOT_MINUTES: std::ops::RangeInclusive<u32> = 10..=240;

/// A problem with one slot of a schedule: its index and a message key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotProblem {
    pub index: usize,
    pub key: &'static str,
}

/// VC-01, VC-05: every slot lies in the quarter, on a working day, within the working day,
/// belongs to the body's first head — or to a deputy on a day the first head is recorded
/// absent, since a deputy conducts receptions only in the head's absence — lasts a sensible
/// time, and does not overlap another slot of the same official.
pub fn check_slots(
    quarter: Quarter,
    slots: &[SlotDraft],
    officials: &[Official],
    cal: &WorkingCalendar,
) -> Vec<SlotProblem> {
    let mut out = Vec::new();
    let day_start = chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap_or_default();
    let day_end = chrono::NaiveTime::from_hms_opt(18, 30, 0).unwrap_or_default();
    let first_head = officials.iter().find(|o| o.rank == OfficialRank::FirstHead);
    for (i, s) in slots.iter().enumerate() {
        let day = s.starts.date();
        let ends = s.starts + Duration::minutes(i64::from(s.minutes));
        let official = officials.iter().find(|o| o.id == s.official_id);
        let deputy_while_head_present = official.is_some_and(|o| o.rank == OfficialRank::Deputy)
            && first_head.is_some_and(|h| !h.is_absent_on(day));
        let key = if official.is_none() {
            Some("vks-slot-official-unknown")
        } else if !quarter.contains(day) {
            Some("vks-slot-outside-quarter")
        } else if !cal.is_working_day(day) {
            Some("vks-slot-day-off")
        } else if !SLOT_MINUTES.contains(&s.minutes) {
            Some("vks-slot-length")
        } else if s.starts.time() < day_start || ends.time() > day_end || ends.date() != day {
            Some("vks-slot-hours")
        } else if deputy_while_head_present {
            Some("vks-slot-deputy-head-present")
        } else if slots.iter().enumerate().any(|(j, o)| {
            j != i
                && o.official_id == s.official_id
                && o.starts < ends
                && s.starts < o.starts + Duration::minutes(i64::from(o.minutes))
        }) {
            Some("vks-slot-overlap")
        } else {
            None
        };
        if let Some(key) = key {
            out.push(SlotProblem { index: i, key });
        }
    }
    out
}

/// VC-06: the day by which the approved schedule for `quarter` must reach the authorized body
/// (15 calendar days before the quarter under every edition so far), by the rulebook in force
/// on `today`. `None` when no edition in force sets the term.
pub fn schedule_due(
    books: &RulebookSet,
    cal: &WorkingCalendar,
    quarter: Quarter,
    today: NaiveDate,
) -> Result<Option<Deadline>, DeadlineError> {
    let gov = books.governing(Channel::Vks, today)?;
    term_before(
        &gov,
        "schedule_to_operator",
        AppealKind::Request,
        quarter.first_day(),
        cal,
    )
}

/// Whether the officials of a schedule include the body's first head (VC-01: receptions are
/// the first head's; deputies stand in when the head is away).
pub fn has_first_head(officials: &[Official], slots: &[SlotDraft]) -> bool {
    slots.iter().any(|s| {
        officials
            .iter()
            .any(|o| o.id == s.official_id && o.rank == OfficialRank::FirstHead)
    })
}

/// The request form of VC-03 as typed. IIN and name come from the signature.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct VksRequestForm {
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phones: String,
    #[serde(default)]
    pub branch: String,
    #[serde(default)]
    pub workplace: String,
    #[serde(default)]
    pub position: String,
    #[serde(default)]
    pub lang: String,
    #[serde(default)]
    pub question: String,
    #[serde(default)]
    pub slot: String,
}

/// A checked request for a VKS reception (VC-02, VC-03).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VksRequest {
    pub iin: Iin,
    pub full_name: String,
    pub address: String,
    pub email: Email,
    pub phones: Vec<Phone>,
    pub branch_id: i64,
    pub workplace: String,
    pub position: String,
    pub lang: Lang,
    pub question: String,
    pub slot_id: i64,
}

/// Longest question, in characters.
pub const QUESTION_MAX_CHARS: usize = 4_000;

fn field(field: &'static str, key: &'static str) -> FieldProblem {
    FieldProblem { field, key }
}

/// VC-03: every starred field is filled and well-formed; the IIN and the full name are the
/// signer's (an individual's key is required).
pub fn check_vks_request(
    form: &VksRequestForm,
    signer: &SignerFacts,
) -> Result<VksRequest, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    let Some(iin) = signer.iin.clone() else {
        return Err(vec![field("signature", "appeal-signer-without-iin")]);
    };
    let text = |name: &'static str, value: &str, max: usize, problems: &mut Vec<FieldProblem>| {
        let v = value.trim();
        if v.is_empty() {
            problems.push(field(name, "appeal-field-required"));
        } else if v.chars().count() > max {
            problems.push(field(name, "appeal-field-too-long"));
        }
        v.to_owned()
    };
    let address = text("address", &form.address, 500, &mut problems);
    let workplace = text("workplace", &form.workplace, 255, &mut problems);
    let position = text("position", &form.position, 255, &mut problems);
    let question = text(
        "question",
        &form.question,
        QUESTION_MAX_CHARS,
        &mut problems,
    );
    let email = match Email::parse(form.email.trim()) {
        Ok(e) => Some(e),
        Err(_) if form.email.trim().is_empty() => {
            problems.push(field("email", "appeal-field-required"));
            None
        }
        Err(_) => {
            problems.push(field("email", "vks-email-invalid"));
            None
        }
    };
    let mut phones = Vec::new();
    for p in form
        .phones
        .split([',', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        match Phone::parse(p) {
            Ok(p) => phones.push(p),
            Err(_) => {
                problems.push(field("phones", "vks-phone-invalid"));
                break;
            }
        }
    }
    if phones.is_empty() && !problems.iter().any(|p| p.field == "phones") {
        problems.push(field("phones", "appeal-field-required"));
    }
    let branch_id = form.branch.trim().parse::<i64>().ok();
    if branch_id.is_none() {
        problems.push(field("branch", "vks-branch-required"));
    }
    let slot_id = form.slot.trim().parse::<i64>().ok();
    if slot_id.is_none() {
        problems.push(field("slot", "vks-slot-required"));
    }
    let lang = Lang::parse(form.lang.trim()).unwrap_or(Lang::Kk);
    let full_name = [
        signer.surname.as_str(),
        signer.name.as_str(),
        signer.patronymic.as_deref().unwrap_or(""),
    ]
    .iter()
    .filter(|s| !s.is_empty())
    .copied()
    .collect::<Vec<_>>()
    .join(" ");
    match (email, branch_id, slot_id, problems.is_empty()) {
        (Some(email), Some(branch_id), Some(slot_id), true) => Ok(VksRequest {
            iin,
            full_name,
            address,
            email,
            phones,
            branch_id,
            workplace,
            position,
            lang,
            question,
            slot_id,
        }),
        _ => Err(problems),
    }
}

/// VC-01: an official's absence as entered: both days, the first not after the last, within a
/// year, with a reason.
pub fn check_absence(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    reason: &str,
) -> Result<crate::model::Absence, Vec<FieldProblem>> {
    let mut problems = Vec::new();
    if from.is_none() {
        problems.push(field("absence_from", "appeal-field-required"));
    }
    if to.is_none() {
        problems.push(field("absence_to", "appeal-field-required"));
    }
    if reason.trim().is_empty() {
        problems.push(field("absence_reason", "appeal-field-required"));
    }
    if let (Some(f), Some(t)) = (from, to) {
        if t < f || (t - f).num_days() > 366 {
            problems.push(field("absence_to", "vks-absence-range"));
        }
    }
    match (from, to, problems.is_empty()) {
        (Some(from), Some(to), true) => Ok(crate::model::Absence {
            from,
            to,
            reason: reason.trim().chars().take(200).collect(),
        }),
        _ => Err(problems),
    }
}

// ---------------------------------------------------------------- who may act on schedules

/// Drafting is for the body's reception secretary or head.
pub fn may_draft(user: &crate::model::StaffUser, body_id: i64) -> bool {
    user.active
        && user.body_id == Some(body_id)
        && (user.has_role(crate::model::Role::ReceptionSecretary)
            || user.has_role(crate::model::Role::Head))
}

/// Whether `user` may take `action` on a schedule of `body_id`.
pub fn may_step(user: &crate::model::StaffUser, body_id: i64, action: ScheduleAction) -> bool {
    let role = action.role();
    user.active
        && user.has_role(role)
        && (role != crate::model::Role::Head || user.body_id == Some(body_id))
}

/// Who may open a schedule: the body's drafters and heads, and the authorized body.
pub fn may_see(user: &crate::model::StaffUser, body_id: i64) -> bool {
    may_draft(user, body_id) || (user.active && user.has_role(crate::model::Role::Operator))
}

/// VC-06: whether a schedule reached the authorized body after its day, or has not reached it
/// and the day has passed.
pub fn schedule_late(
    s: &crate::repo::Schedule,
    zone: &crate::calendar::Zone,
    today: NaiveDate,
) -> bool {
    let Some(due) = s.due_on else {
        return false;
    };
    match s.sent_at {
        Some(at) => zone.local_date(at) > due,
        None => today > due,
    }
}
