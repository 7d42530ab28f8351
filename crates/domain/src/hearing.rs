//! GEN-09 (APPC art. 73; VC-10 for VKS requests): before a decision adverse to the applicant
//! the applicant is heard. They are notified of the intended decision and of the day by which
//! they may state a position, no later than the rulebook's term (3 working days) before the
//! decision; their position, or its absence once that day has passed, is recorded; silence
//! does not block the decision.
//!
//! Which decisions need a hearing comes from the rulebooks in force on the day of receipt (a
//! `hearing` step before the decision), so one check serves every channel: e-appeals, paper,
//! video appeals, personal reception and VKS.

use crate::calendar::WorkingCalendar;
use crate::deadline::term_before;
use crate::model::AppealKind;
use crate::rulebook::Governing;
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The rulebook step that must precede an adverse decision.
pub const STEP: &str = "hearing";
/// The rulebook term: how long before the decision the notice must come.
pub const NOTICE_TERM: &str = "hearing_notice";
/// The furthest day a notice may give for the position, counted from the notice.
pub const MAX_RESPONSE_DAYS: i64 = 60;

string_enum!(
    /// What was recorded at the hearing.
    PositionKind {
        /// The applicant stated a position (in the cabinet, signed, or as taken down by staff).
        Given = "given",
        /// The day set passed without a position (silence does not block the decision).
        NoneGiven = "none_given",
    }
);

/// A hearing as the decision check needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hearing {
    /// The decision the applicant was told is intended.
    pub intended: String,
    /// The day the notice went out.
    pub notified_on: NaiveDate,
    /// The last day to state a position.
    pub respond_by: NaiveDate,
    /// What was recorded, if anything yet.
    pub position: Option<PositionKind>,
}

/// What a notice of a hearing says: the last day for the position, and the first day the
/// decision may be taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NoticePlan {
    pub respond_by: NaiveDate,
    pub earliest_decision: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HearingError {
    /// The decision named needs no hearing under the rules of the case.
    #[error("this decision needs no hearing under the rules in force")]
    NotRequired,
    /// A hearing of the same intended decision is under way or held.
    #[error("the applicant has already been notified of this intended decision")]
    AlreadyNotified,
    /// The day for the position is today or earlier, or too far.
    #[error("the day for the position must fall between {earliest} and {latest}")]
    RespondByOutOfRange {
        earliest: NaiveDate,
        latest: NaiveDate,
    },
    /// No hearing has been notified.
    #[error("no hearing has been notified")]
    NotNotified,
    /// The position is already recorded.
    #[error("the position is already recorded")]
    AlreadyRecorded,
    /// "No position given" can be recorded only once the day set has passed.
    #[error("the applicant may state a position until {respond_by}")]
    StillOpen { respond_by: NaiveDate },
    #[error("calendar: {0}")]
    Calendar(String),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("the rules in force do not provide for this decision")]
    NotAllowed,
    /// The decision needs a hearing and none of it was notified.
    #[error("the applicant must be notified of the intended decision and heard first")]
    HearingRequired,
    /// The notice came less than the term before the decision.
    #[error("the hearing was notified too late; the decision can be taken from {earliest}")]
    HearingTooRecent { earliest: NaiveDate },
    /// The day for the position has not passed and no position is recorded.
    #[error("the applicant may state a position until {respond_by}")]
    AwaitingPosition { respond_by: NaiveDate },
    /// The day passed; the absence of a position must be recorded before deciding.
    #[error("record that no position was given before deciding")]
    SilenceNotRecorded,
    #[error("calendar: {0}")]
    Calendar(String),
}

/// Whether `decision` needs a hearing under `gov`.
pub fn required(gov: &Governing<'_>, decision: &str) -> bool {
    gov.steps_before(decision).iter().any(|s| s.key == STEP)
}

/// The decisions allowed under `gov` that need a hearing first, in the rulebook's order.
pub fn adverse_decisions<'a>(gov: &Governing<'a>) -> Vec<&'a str> {
    gov.decisions()
        .iter()
        .filter(|d| required(gov, d))
        .map(String::as_str)
        .collect()
}

/// The first day a decision may be taken after a notice on `notified_on`: the first day
/// such that the notice came no later than the rulebook's term before it (GEN-03 counting).
pub fn earliest_decision(
    gov: &Governing<'_>,
    kind: AppealKind,
    notified_on: NaiveDate,
    cal: &WorkingCalendar,
) -> Result<NaiveDate, String> {
    let mut day = notified_on;
    for _ in 0..400 {
        day = day.succ_opt().ok_or("date out of range")?;
        match term_before(gov, NOTICE_TERM, kind, day, cal).map_err(|e| e.to_string())? {
            None => return Ok(day),
            Some(latest) if latest.due_on >= notified_on => return Ok(day),
            Some(_) => {}
        }
    }
    Err("no decision day within 400 days".into())
}

/// GEN-09: the notice of `intended`, sent on `today`, with `respond_by` as the last day for the
/// position (by default the last working day before the earliest decision day).
pub fn plan_notice(
    gov: &Governing<'_>,
    kind: AppealKind,
    intended: &str,
    today: NaiveDate,
    respond_by: Option<NaiveDate>,
    cal: &WorkingCalendar,
) -> Result<NoticePlan, HearingError> {
    if !gov.decision_allowed(intended) || !required(gov, intended) {
        return Err(HearingError::NotRequired);
    }
    let earliest = earliest_decision(gov, kind, today, cal).map_err(HearingError::Calendar)?;
    let default = cal
        .working_days_before(earliest, 1)
        .map(|s| s.due)
        .map_err(|e| HearingError::Calendar(e.to_string()))?
        .max(today.succ_opt().unwrap_or(today));
    let respond_by = respond_by.unwrap_or(default);
    let (first, last) = (
        today.succ_opt().unwrap_or(today),
        today + Duration::days(MAX_RESPONSE_DAYS),
    );
    if respond_by < first || respond_by > last {
        return Err(HearingError::RespondByOutOfRange {
            earliest: first,
            latest: last,
        });
    }
    Ok(NoticePlan {
        respond_by,
        earliest_decision: earliest.max(respond_by.succ_opt().unwrap_or(respond_by)),
    })
}

/// Whether a new notice of `intended` may go out, given the hearings already held on the case:
/// one per intended decision (a different intended decision is a new hearing).
pub fn check_new_notice(existing: &[Hearing], intended: &str) -> Result<(), HearingError> {
    if existing.iter().any(|h| h.intended == intended) {
        return Err(HearingError::AlreadyNotified);
    }
    Ok(())
}

/// GEN-09: what may be recorded of the hearing `h` on `today`: a position at any time until one
/// is recorded; "no position given" only after the day set has passed.
pub fn check_position(
    h: Option<&Hearing>,
    kind: PositionKind,
    today: NaiveDate,
) -> Result<(), HearingError> {
    let h = h.ok_or(HearingError::NotNotified)?;
    if h.position.is_some() {
        return Err(HearingError::AlreadyRecorded);
    }
    if kind == PositionKind::NoneGiven && today <= h.respond_by {
        return Err(HearingError::StillOpen {
            respond_by: h.respond_by,
        });
    }
    Ok(())
}

/// GEN-09, VC-09, VC-10: whether `decision` may be taken on `decision_day` in a case of `kind`
/// governed by `gov`, given its hearings. The rulebook must provide for the decision; where it
/// requires a hearing before it, the applicant must have been notified of that decision no
/// later than the term before, and their position (or its absence after the day set) recorded.
pub fn check_decision(
    gov: &Governing<'_>,
    kind: AppealKind,
    decision: &str,
    hearings: &[Hearing],
    decision_day: NaiveDate,
    cal: &WorkingCalendar,
) -> Result<(), DecisionError> {
    if !gov.decision_allowed(decision) {
        return Err(DecisionError::NotAllowed);
    }
    if !required(gov, decision) {
        return Ok(());
    }
    let h = hearings
        .iter()
        .rev()
        .find(|h| h.intended == decision)
        .ok_or(DecisionError::HearingRequired)?;
    let earliest =
        earliest_decision(gov, kind, h.notified_on, cal).map_err(DecisionError::Calendar)?;
    if decision_day < earliest {
        return Err(DecisionError::HearingTooRecent { earliest });
    }
    match h.position {
        Some(_) => Ok(()),
        None if decision_day <= h.respond_by => Err(DecisionError::AwaitingPosition {
            respond_by: h.respond_by,
        }),
        None => Err(DecisionError::SilenceNotRecorded),
    }
}

impl fmt::Display for Hearing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} notified {} (position by {})",
            self.intended, self.notified_on, self.respond_by
        )
    }
}
