//! The VKS reception after booking: the decision on the request (VC-09, VC-10), the monthly
//! timetable (VC-12, VC-13), changes (VC-14), the equipment check (VC-15), the applicant's
//! check-in at the branch (VC-16) and the head's record of the reception (VC-17, VC-18).

use crate::appeal::FieldProblem;
use crate::calendar::WorkingCalendar;
use crate::deadline::{term_before, Deadline, DeadlineError};
use crate::model::AppealKind;
use crate::rulebook::Governing;
use chrono::{Datelike, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use std::fmt;

string_enum!(
    /// Where a booked reception stands: requested (booked, waiting for the body's decision,
    /// VC-04, VC-07); appointed with a date and time (VC-09 (1)); refused as outside the
    /// competence (VC-09 (2)), the slot free again; checked in at the branch or no-show
    /// (VC-16); held, its record kept (VC-17, VC-18).
    ReceptionState {
        Requested = "requested",
        Appointed = "appointed",
        Refused = "refused",
        CheckedIn = "checked_in",
        NoShow = "no_show",
        Held = "held",
    }
);

string_enum!(
    /// What moves a reception.
    ReceptionAction {
        Appoint = "appoint",
        Refuse = "refuse",
        Reschedule = "reschedule",
        CheckIn = "check_in",
        NoShow = "no_show",
        Record = "record",
    }
);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a reception that is {from} cannot take `{action}`")]
pub struct ReceptionTransitionError {
    pub from: ReceptionState,
    pub action: ReceptionAction,
}

impl ReceptionState {
    pub fn apply(
        self,
        action: ReceptionAction,
    ) -> Result<ReceptionState, ReceptionTransitionError> {
        use ReceptionAction as A;
        use ReceptionState as S;
        match (self, action) {
            (S::Requested, A::Appoint) => Ok(S::Appointed),
            (S::Requested, A::Refuse) => Ok(S::Refused),
            (S::Appointed, A::Reschedule) => Ok(S::Appointed),
            (S::Appointed, A::CheckIn) => Ok(S::CheckedIn),
            (S::Appointed, A::NoShow) => Ok(S::NoShow),
            (S::CheckedIn, A::Record) => Ok(S::Held),
            (from, action) => Err(ReceptionTransitionError { from, action }),
        }
    }

    /// A reception whose slot is taken (the others leave it free for somebody else).
    pub fn holds_slot(self) -> bool {
        self != ReceptionState::Refused
    }
}

/// The first day of a month.
pub fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

/// The first day of the month after `day`'s.
pub fn next_month(day: NaiveDate) -> NaiveDate {
    let (y, m) = if day.month() == 12 {
        (day.year() + 1, 1)
    } else {
        (day.year(), day.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(day)
}

/// Parses `YYYY-MM` into the month's first day.
pub fn parse_month(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{}-01", s.trim()), "%Y-%m-%d").ok()
}

/// VC-12: the day by which the timetable of the month starting on `month` must reach the
/// operator and the State Corporation: 3 working days before the month under VC-2016, 3
/// (calendar) days under VC-2021 on. `None` when the rules in force set no such term.
pub fn timetable_due(
    gov: &Governing<'_>,
    cal: &WorkingCalendar,
    month: NaiveDate,
) -> Result<Option<Deadline>, DeadlineError> {
    term_before(
        gov,
        "timetable_to_operator",
        AppealKind::Request,
        month_start(month),
        cal,
    )
}

/// VC-13: the day by which the operator publishes a timetable it received on `received_on`
/// (1 working day after).
pub fn publish_due(
    gov: &Governing<'_>,
    cal: &WorkingCalendar,
    received_on: NaiveDate,
) -> Result<Option<NaiveDate>, DeadlineError> {
    let Some((_, term)) = gov.term("timetable_publish", AppealKind::Request) else {
        return Ok(None);
    };
    Ok(Some(cal.add_working_days(received_on, term.amount)?.due))
}

/// VC-15: the day of the operator's equipment check before a reception on `day` (1 working
/// day before, VC-2016). Under the later editions, which set no term, the check is due the
/// working day before all the same: a reception cannot go ahead on unchecked equipment.
pub fn equipment_check_due(
    gov: &Governing<'_>,
    cal: &WorkingCalendar,
    day: NaiveDate,
) -> Result<NaiveDate, DeadlineError> {
    match term_before(gov, "equipment_check", AppealKind::Request, day, cal)? {
        Some(d) => Ok(d.due_on),
        None => Ok(cal.working_days_before(day, 1)?.due),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeError {
    /// VC-14: the change comes later than the rules allow before the reception.
    #[error("changes must be notified by {latest}; it is too late for this reception")]
    TooLate { latest: NaiveDate },
    /// The new time is not after now.
    #[error("the new time has passed")]
    InThePast,
    #[error("calendar: {0}")]
    Calendar(String),
}

/// VC-14: whether a reception now set for `current` may be moved to `new` on `today`: the
/// change must reach the applicant, the operator and the branch no later than the rulebook's
/// term before the reception (1 working day under VC-2016). Editions without the term leave a
/// change allowed up to the day before.
pub fn check_change(
    gov: &Governing<'_>,
    cal: &WorkingCalendar,
    current: NaiveDateTime,
    new: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<(), ChangeError> {
    if new <= now {
        return Err(ChangeError::InThePast);
    }
    let today = now.date();
    let latest = match term_before(
        gov,
        "change_notice",
        AppealKind::Request,
        current.date(),
        cal,
    )
    .map_err(|e| ChangeError::Calendar(e.to_string()))?
    {
        Some(d) => d.due_on,
        None => current.date().pred_opt().unwrap_or(current.date()),
    };
    if today > latest {
        return Err(ChangeError::TooLate { latest });
    }
    Ok(())
}

/// VC-16: the applicant should be at the branch 15 minutes before the reception.
pub const ARRIVE_EARLY_MINUTES: i64 = 15;

/// The result of a check-in: how many minutes before the start the applicant arrived
/// (negative when late) and whether that meets VC-16.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Arrival {
    pub minutes_early: i64,
    pub early_enough: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CheckInError {
    #[error("the identity document is required")]
    NoDocument,
    #[error("check-in opens on the reception's day")]
    NotToday,
    #[error("the reception is over")]
    Over,
}

/// VC-16: checks an arrival at `arrived` for a reception of `minutes` from `starts` with the
/// identity document described by `document` (kind and number, as read by the branch).
pub fn check_in(
    starts: NaiveDateTime,
    minutes: i64,
    arrived: NaiveDateTime,
    document: &str,
) -> Result<Arrival, CheckInError> {
    if document.trim().is_empty() {
        return Err(CheckInError::NoDocument);
    }
    if arrived.date() != starts.date() {
        return Err(CheckInError::NotToday);
    }
    if arrived >= starts + chrono::Duration::minutes(minutes) {
        return Err(CheckInError::Over);
    }
    let minutes_early = (starts - arrived).num_minutes();
    Ok(Arrival {
        minutes_early,
        early_enough: minutes_early >= ARRIVE_EARLY_MINUTES,
    })
}

/// An instruction of the head after the reception (VC-18): which executor of the body
/// prepares the answer, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instruction {
    pub executor_id: i64,
    pub text: String,
}

/// The record of a reception, in the order of VC-17, with the head's decision and
/// instructions (VC-18).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReceptionRecord {
    /// (1) The applicant introduces themselves (name; legal entity's name).
    pub introduction: String,
    /// (2) The question.
    pub question: String,
    /// (3) Clarifying questions.
    pub clarifications: String,
    /// (4) Proposals and discussion.
    pub discussion: String,
    /// (5) The summary.
    pub summary: String,
    /// VC-18: the head's decision.
    pub decision: String,
    /// VC-18: the instructions to units; the first one's executor leads the answer.
    pub instructions: Vec<Instruction>,
}

/// The record's steps as (field, text), in VC-17's order.
impl ReceptionRecord {
    pub fn steps(&self) -> [(&'static str, &str); 6] {
        [
            ("introduction", &self.introduction),
            ("question", &self.question),
            ("clarifications", &self.clarifications),
            ("discussion", &self.discussion),
            ("summary", &self.summary),
            ("decision", &self.decision),
        ]
    }
}

/// Longest text of a record's step, in characters.
pub const RECORD_STEP_MAX: usize = 8_000;

/// VC-17, VC-18: every step of the reception is recorded, the decision is stated and at least
/// one unit is instructed to prepare the answer, each instruction with its text; `executors`
/// are the ids of the body's executors.
pub fn check_record(rec: &ReceptionRecord, executors: &[i64]) -> Vec<FieldProblem> {
    let mut out = Vec::new();
    for (field, text) in rec.steps() {
        if text.trim().is_empty() {
            out.push(FieldProblem {
                field,
                key: "appeal-field-required",
            });
        } else if text.chars().count() > RECORD_STEP_MAX {
            out.push(FieldProblem {
                field,
                key: "appeal-field-too-long",
            });
        }
    }
    if rec.instructions.is_empty() {
        out.push(FieldProblem {
            field: "instructions",
            key: "vks-record-no-instruction",
        });
    }
    for i in &rec.instructions {
        if !executors.contains(&i.executor_id) {
            out.push(FieldProblem {
                field: "instructions",
                key: "vks-record-unknown-executor",
            });
        } else if i.text.trim().is_empty() {
            out.push(FieldProblem {
                field: "instructions",
                key: "appeal-field-required",
            });
        }
    }
    out
}
