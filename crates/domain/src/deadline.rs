//! The deadline engine (GEN-04): given a card and its events, every deadline with the rule
//! that set it, its due moment, and an explanation in words.

use crate::calendar::{CalendarError, OffReason, SkippedDay, Span, WorkingCalendar};
use crate::lang::Lang;
use crate::model::{AppealKind, Channel};
use crate::rulebook::{Anchor, Governing, RulebookError, RulebookSet, Term, Unit};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    #[error(transparent)]
    Rulebook(#[from] RulebookError),
    #[error(transparent)]
    Calendar(#[from] CalendarError),
    #[error("the extension date {until} is not after the current due date {current}")]
    ExtensionNotLater {
        until: NaiveDate,
        current: NaiveDate,
    },
    #[error("the extension date {until} is past the limit {limit} ({months} months from receipt in total)")]
    ExtensionTooLong {
        until: NaiveDate,
        limit: NaiveDate,
        months: u32,
    },
    #[error("an extension needs written reasons")]
    ExtensionWithoutReasons,
    #[error("the rules in force allow no extension")]
    ExtensionNotAllowed,
    #[error("the term is already paused")]
    AlreadyPaused,
    #[error("the term is not paused")]
    NotPaused,
}

/// Events of a case that change its terms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TermEvent {
    /// Counting stops (e.g. the applicant was asked to clarify the appeal).
    Paused {
        at: DateTime<Utc>,
        reason: String,
    },
    Resumed {
        at: DateTime<Utc>,
    },
    /// APPC art. 76: the head extended the term by a reasoned decision.
    Extended {
        at: DateTime<Utc>,
        until: NaiveDate,
        reasons: String,
    },
}

/// What the engine needs to know of a card.
#[derive(Debug, Clone)]
pub struct CaseFacts {
    pub channel: Channel,
    pub kind: AppealKind,
    pub received_at: DateTime<Utc>,
    pub registered_at: Option<DateTime<Utc>>,
    pub events: Vec<TermEvent>,
}

/// One deadline of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    pub key: String,
    pub rule: String,
    pub rulebook: String,
    pub due_on: NaiveDate,
    pub due_at: DateTime<Utc>,
    /// Counting is suspended; `due_on` assumes it resumes today.
    pub paused: bool,
    pub explanation: Explanation,
}

/// How a deadline was computed, kept so it can be told in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Explanation {
    pub amount: u32,
    pub unit: Unit,
    pub anchor: Anchor,
    pub anchor_day: NaiveDate,
    #[serde(default)]
    pub skipped: Vec<SkippedDay>,
    pub extended_until: Option<NaiveDate>,
    #[serde(default)]
    pub unconfirmed_years: Vec<i32>,
    pub description: crate::lang::Names,
    pub zone: String,
}

fn pauses(
    facts: &CaseFacts,
    cal: &WorkingCalendar,
    today: NaiveDate,
) -> (Vec<(NaiveDate, NaiveDate, String)>, bool) {
    // A pause suspends the days after the day it was ordered up to and including the day the
    // term resumed (GEN-03: counting restarts the working day after the event).
    let zone = cal.zone();
    let mut out = Vec::new();
    let mut open: Option<(NaiveDate, String)> = None;
    for e in &facts.events {
        match e {
            TermEvent::Paused { at, reason } => {
                if open.is_none() {
                    open = Some((zone.local_date(*at), reason.clone()));
                }
            }
            TermEvent::Resumed { at } => {
                if let Some((from, reason)) = open.take() {
                    out.push((from, zone.local_date(*at), reason));
                }
            }
            TermEvent::Extended { .. } => {}
        }
    }
    let paused_now = open.is_some();
    if let Some((from, reason)) = open {
        out.push((from, today, reason));
    }
    (out, paused_now)
}

fn compute_term(
    term: &Term,
    anchor_day: NaiveDate,
    cal: &WorkingCalendar,
    paused: &[(NaiveDate, NaiveDate, String)],
) -> Result<Span, CalendarError> {
    let is_paused = |d: NaiveDate| {
        paused
            .iter()
            .find(|(from, to, _)| *from < d && d <= *to)
            .map(|(_, _, r)| r.clone())
    };
    match term.unit {
        Unit::WorkingDays => cal.add_working_days_with(anchor_day, term.amount, &is_paused),
        Unit::CalendarDays => {
            // Calendar-day terms count every day; a pause still adds its days back.
            let mut span = cal.add_calendar_days(anchor_day, term.amount)?;
            let extra: Vec<SkippedDay> = paused
                .iter()
                .flat_map(|(from, to, reason)| {
                    from.iter_days()
                        .skip(1)
                        .take_while(move |d| d <= to)
                        .map(move |date| SkippedDay {
                            date,
                            reason: OffReason::Paused {
                                reason: reason.clone(),
                            },
                        })
                })
                .filter(|s| s.date > anchor_day)
                .collect();
            span.due = span
                .due
                .checked_add_days(chrono::Days::new(extra.len() as u64))
                .ok_or(CalendarError::OutOfRange)?;
            span.skipped = extra;
            Ok(span)
        }
    }
}

/// GEN-04: every per-case deadline of an appeal, from the rulebooks in force on the day of
/// receipt (GEN-01, EA-14, VC-19), on `cal`, with pauses and extensions applied. `today` is
/// the local date used for a pause that has not ended.
pub fn case_deadlines(
    facts: &CaseFacts,
    books: &RulebookSet,
    cal: &WorkingCalendar,
    today: NaiveDate,
) -> Result<Vec<Deadline>, DeadlineError> {
    let zone = cal.zone();
    let received_on = zone.local_date(facts.received_at);
    let gov = books.governing(facts.channel, received_on)?;
    let (paused, paused_now) = pauses(facts, cal, today);
    let extension = facts.events.iter().rev().find_map(|e| match e {
        TermEvent::Extended { until, .. } => Some(*until),
        _ => None,
    });
    let mut out = Vec::new();
    for (book, term) in gov.case_terms(facts.kind) {
        let anchor_day = match term.from {
            Anchor::Receipt => received_on,
            Anchor::Registration => match facts.registered_at {
                Some(at) => zone.local_date(at),
                None => continue,
            },
            _ => continue,
        };
        let span = compute_term(term, anchor_day, cal, &paused)?;
        let extended_term =
            gov.extension().map(|(_, e)| e.term.as_str()) == Some(term.key.as_str());
        let extended_until = extension.filter(|u| extended_term && *u > span.due);
        let due_on = extended_until.unwrap_or(span.due);
        out.push(Deadline {
            key: term.key.clone(),
            rule: term.rule_on(facts.channel).to_owned(),
            rulebook: book.id.clone(),
            due_on,
            due_at: zone.end_of_day(due_on),
            paused: paused_now,
            explanation: Explanation {
                amount: term.amount,
                unit: term.unit,
                anchor: term.from,
                anchor_day,
                skipped: span.skipped,
                extended_until,
                unconfirmed_years: span.unconfirmed_years,
                description: term.description.clone(),
                zone: zone.name().to_owned(),
            },
        });
    }
    // APPC art. 76: after an extension, the applicant must be told within N working days.
    if let (Some((book, ext)), Some(TermEvent::Extended { at, .. })) = (
        gov.extension(),
        facts
            .events
            .iter()
            .rev()
            .find(|e| matches!(e, TermEvent::Extended { .. })),
    ) {
        let day = zone.local_date(*at);
        let span = cal.add_working_days(day, ext.notice_working_days)?;
        out.push(Deadline {
            key: "extension_notice".into(),
            rule: ext.rule.clone(),
            rulebook: book.id.clone(),
            due_on: span.due,
            due_at: zone.end_of_day(span.due),
            paused: false,
            explanation: Explanation {
                amount: ext.notice_working_days,
                unit: Unit::WorkingDays,
                anchor: Anchor::Decision,
                anchor_day: day,
                skipped: span.skipped,
                extended_until: None,
                unconfirmed_years: span.unconfirmed_years,
                description: crate::lang::Names::new(
                    "Өтініш берушіге мерзімнің ұзартылғаны туралы хабарлау",
                    "Уведомить заявителя о продлении срока",
                    "Tell the applicant the term was extended",
                ),
                zone: zone.name().to_owned(),
            },
        });
    }
    Ok(out)
}

/// Checks an extension against APPC art. 76 before it is recorded: reasons given, a date
/// later than the current due date, and at most `max_total_months` from receipt in total.
pub fn check_extension(
    gov: &Governing<'_>,
    received_on: NaiveDate,
    current_due: NaiveDate,
    until: NaiveDate,
    reasons: &str,
) -> Result<(), DeadlineError> {
    let (_, ext) = gov.extension().ok_or(DeadlineError::ExtensionNotAllowed)?;
    if ext.reasons_required && reasons.trim().is_empty() {
        return Err(DeadlineError::ExtensionWithoutReasons);
    }
    if until <= current_due {
        return Err(DeadlineError::ExtensionNotLater {
            until,
            current: current_due,
        });
    }
    let limit = received_on
        .checked_add_months(Months::new(ext.max_total_months))
        .ok_or(CalendarError::OutOfRange)?;
    if until > limit {
        return Err(DeadlineError::ExtensionTooLong {
            until,
            limit,
            months: ext.max_total_months,
        });
    }
    Ok(())
}

/// Checks a pause or resume against the events so far.
pub fn check_pause_event(events: &[TermEvent], pausing: bool) -> Result<(), DeadlineError> {
    let open = events.iter().fold(false, |open, e| match e {
        TermEvent::Paused { .. } => true,
        TermEvent::Resumed { .. } => false,
        TermEvent::Extended { .. } => open,
    });
    match (pausing, open) {
        (true, true) => Err(DeadlineError::AlreadyPaused),
        (false, false) => Err(DeadlineError::NotPaused),
        _ => Ok(()),
    }
}

/// A term counted back from a target day, e.g. VC-06: the schedule goes to the authorized
/// body at least 15 calendar days before the quarter starts.
pub fn term_before(
    gov: &Governing<'_>,
    key: &str,
    kind: AppealKind,
    target: NaiveDate,
    cal: &WorkingCalendar,
) -> Result<Option<Deadline>, DeadlineError> {
    let Some((book, term)) = gov.term(key, kind) else {
        return Ok(None);
    };
    let span = match term.unit {
        Unit::WorkingDays => cal.working_days_before(target, term.amount)?,
        Unit::CalendarDays => cal.calendar_days_before(target, term.amount)?,
    };
    let zone = cal.zone();
    Ok(Some(Deadline {
        key: term.key.clone(),
        rule: term.rule.clone(),
        rulebook: book.id.clone(),
        due_on: span.due,
        due_at: zone.end_of_day(span.due),
        paused: false,
        explanation: Explanation {
            amount: term.amount,
            unit: term.unit,
            anchor: term.from,
            anchor_day: target,
            skipped: span.skipped,
            extended_until: None,
            unconfirmed_years: span.unconfirmed_years,
            description: term.description.clone(),
            zone: zone.name().to_owned(),
        },
    }))
}

/// The first day of the quarter after the one containing `day`.
pub fn next_quarter_start(day: NaiveDate) -> Option<NaiveDate> {
    let q = (day.month0() / 3 + 1) * 3; // 3, 6, 9, 12
    if q == 12 {
        NaiveDate::from_ymd_opt(day.year() + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(day.year(), q + 1, 1)
    }
}

/// A change of one open deadline after the calendar changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeadlineChange {
    pub key: String,
    pub rule: String,
    pub old_due: NaiveDate,
    pub new_due: NaiveDate,
}

/// What a calendar change does to one open case: the deadlines whose due day moves.
pub fn changes_after_calendar_edit(old: &[Deadline], new: &[Deadline]) -> Vec<DeadlineChange> {
    new.iter()
        .filter_map(|n| {
            let o = old.iter().find(|o| o.key == n.key)?;
            (o.due_on != n.due_on).then(|| DeadlineChange {
                key: n.key.clone(),
                rule: n.rule.clone(),
                old_due: o.due_on,
                new_due: n.due_on,
            })
        })
        .collect()
}

fn unit_words(unit: Unit, n: u32, lang: Lang) -> String {
    match (unit, lang) {
        (Unit::WorkingDays, Lang::Kk) => format!("{n} жұмыс күні"),
        (Unit::WorkingDays, Lang::Ru) => format!(
            "{n} {}",
            ru_plural(n, "рабочий день", "рабочих дня", "рабочих дней")
        ),
        (Unit::WorkingDays, Lang::En) => {
            format!("{n} working day{}", if n == 1 { "" } else { "s" })
        }
        (Unit::CalendarDays, Lang::Kk) => format!("{n} күнтізбелік күн"),
        (Unit::CalendarDays, Lang::Ru) => format!(
            "{n} {}",
            ru_plural(n, "календарный день", "календарных дня", "календарных дней")
        ),
        (Unit::CalendarDays, Lang::En) => {
            format!("{n} calendar day{}", if n == 1 { "" } else { "s" })
        }
    }
}

fn ru_plural<'a>(n: u32, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    match (n % 10, n % 100) {
        (1, r) if r != 11 => one,
        (2..=4, r) if !(12..=14).contains(&r) => few,
        _ => many,
    }
}

fn anchor_words(a: Anchor, lang: Lang) -> &'static str {
    match (a, lang) {
        (Anchor::Receipt, Lang::Kk) => "түскен күннен",
        (Anchor::Receipt, Lang::Ru) => "со дня поступления",
        (Anchor::Receipt, Lang::En) => "from receipt",
        (Anchor::Registration, Lang::Kk) => "тіркелген күннен",
        (Anchor::Registration, Lang::Ru) => "со дня регистрации",
        (Anchor::Registration, Lang::En) => "from registration",
        (Anchor::Decision | Anchor::Signing, Lang::Kk) => "шешім қабылданған күннен",
        (Anchor::Decision | Anchor::Signing, Lang::Ru) => "со дня решения",
        (Anchor::Decision | Anchor::Signing, Lang::En) => "from the decision",
        (_, Lang::Kk) => "дейін",
        (_, Lang::Ru) => "до даты",
        (_, Lang::En) => "before",
    }
}

impl Deadline {
    /// The deadline told in words a citizen understands.
    pub fn explain(&self, lang: Lang) -> String {
        let e = &self.explanation;
        let mut s = match lang {
            Lang::Kk => format!(
                "{}: {} {} ({}). Мерзім: {} соңына дейін ({} уақыты). Ереже {} ({}).",
                e.description.get(lang),
                unit_words(e.unit, e.amount, lang),
                anchor_words(e.anchor, lang),
                e.anchor_day.format("%d.%m.%Y"),
                self.due_on.format("%d.%m.%Y"),
                e.zone,
                self.rule,
                self.rulebook
            ),
            Lang::Ru => format!(
                "{}: {} {} ({}). Срок — до конца дня {} (время {}). Норма {} (редакция {}).",
                e.description.get(lang),
                unit_words(e.unit, e.amount, lang),
                anchor_words(e.anchor, lang),
                e.anchor_day.format("%d.%m.%Y"),
                self.due_on.format("%d.%m.%Y"),
                e.zone,
                self.rule,
                self.rulebook
            ),
            Lang::En => format!(
                "{}: {} {} ({}). Due by the end of {} ({} time). Rule {} (edition {}).",
                e.description.get(lang),
                unit_words(e.unit, e.amount, lang),
                anchor_words(e.anchor, lang),
                e.anchor_day.format("%d %b %Y"),
                self.due_on.format("%d %b %Y"),
                e.zone,
                self.rule,
                self.rulebook
            ),
        };
        if !e.skipped.is_empty() {
            let head = match lang {
                Lang::Kk => "Есепке алынбаған күндер:",
                Lang::Ru => "Не засчитаны дни:",
                Lang::En => "Days not counted:",
            };
            s.push(' ');
            s.push_str(head);
            for d in &e.skipped {
                s.push_str(&format!(
                    " {} — {};",
                    d.date.format("%d.%m.%Y"),
                    d.reason.describe(lang)
                ));
            }
        }
        if let Some(u) = e.extended_until {
            s.push(' ');
            s.push_str(&match lang {
                Lang::Kk => format!("Мерзім {} дейін ұзартылды.", u.format("%d.%m.%Y")),
                Lang::Ru => format!("Срок продлён до {}.", u.format("%d.%m.%Y")),
                Lang::En => format!("Extended to {}.", u.format("%d %b %Y")),
            });
        }
        if self.paused {
            s.push(' ');
            s.push_str(match lang {
                Lang::Kk => "Мерзім қазір тоқтатылған.",
                Lang::Ru => "Срок сейчас приостановлен.",
                Lang::En => "The term is paused now.",
            });
        }
        if !e.unconfirmed_years.is_empty() {
            let years = crate::calendar::year_list(&e.unconfirmed_years);
            s.push(' ');
            s.push_str(&match lang {
                Lang::Kk => format!("{years} жылғы күнтізбе әлі расталмаған."),
                Lang::Ru => format!("Календарь на {years} год ещё не подтверждён."),
                Lang::En => format!("The calendar for {years} is not confirmed yet."),
            });
        }
        s
    }

    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        now > self.due_at
    }
}

/// The key of a case's main term: the term of consideration, which the due lists, the
/// dashboard and form 1-OL count.
pub const ANSWER: &str = "answer";

/// Where one term of a case stands, for every page and list that shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermState {
    /// Running, not yet due.
    Running,
    /// Past its end while it still binds the case.
    Overdue,
    /// Suspended (APPC art. 76).
    Paused,
    /// A stage term whose stage is behind the case (registered, forwarded or kept, decided).
    StagePassed,
    /// The case is closed.
    Closed,
}

/// Whether a term still binds a case in `state`. A stage term is for one step and binds until
/// that step is behind the case: registration while the case is received, the forwarding of
/// an appeal outside the competence (redirect) and the VKS decision while it is not yet in
/// execution. Every other term binds while the case is open.
pub fn term_binds(key: &str, state: crate::model::CardState) -> bool {
    use crate::model::CardState as S;
    if state.is_closed() {
        return false;
    }
    match key {
        "registration" => state == S::Received,
        "redirect" | "vks_decision" => matches!(state, S::Received | S::Registered),
        _ => true,
    }
}

/// One rule for every view: where the term `d` of a case in `state` stands at `now`.
pub fn term_state(
    d: &crate::repo::StoredDeadline,
    state: crate::model::CardState,
    now: DateTime<Utc>,
) -> TermState {
    if state.is_closed() {
        TermState::Closed
    } else if !term_binds(&d.key, state) {
        TermState::StagePassed
    } else if d.paused {
        TermState::Paused
    } else if now > d.due_at {
        TermState::Overdue
    } else {
        TermState::Running
    }
}

/// The term a case is worked to now, which lists show in their "term" column and which decides
/// whether the case is overdue: the answer term while the case is open; for an open case with
/// none, the earliest term that still binds. `None` for a closed case.
pub fn current_term(
    state: crate::model::CardState,
    terms: &[crate::repo::StoredDeadline],
) -> Option<&crate::repo::StoredDeadline> {
    if state.is_closed() {
        return None;
    }
    terms.iter().find(|d| d.key == ANSWER).or_else(|| {
        terms
            .iter()
            .filter(|d| term_binds(&d.key, state))
            .min_by_key(|d| d.due_at)
    })
}

/// Whether a case in `state` with `terms` is overdue at `now`: its current term has ended
/// and is not suspended.
pub fn is_overdue(
    state: crate::model::CardState,
    terms: &[crate::repo::StoredDeadline],
    now: DateTime<Utc>,
) -> bool {
    current_term(state, terms).is_some_and(|d| term_state(d, state, now) == TermState::Overdue)
}
