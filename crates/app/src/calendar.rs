//! GEN-02/GEN-04: an administrator's edits of the working calendar. A change is previewed
//! first (which open cards' terms it moves, from what day to what day), then applied: the
//! edit is stored and every open card whose terms move gets them replaced, each with a journal
//! entry naming the old and new due days. Closed cards are never touched.

use crate::Error;
use chrono::{DateTime, NaiveDate, Utc};
use otinish_domain::calendar::{DayEdit, WorkingCalendar};
use otinish_domain::deadline::{case_deadlines, CaseFacts, Deadline, DeadlineChange};
use otinish_domain::journal::JournalDraft;
use otinish_domain::lang::Names;
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::repo::{OpenCase, Store, StoredDeadline};
use otinish_domain::rulebook::RulebookSet;

/// A change of one day of the calendar: an edit to add or replace, or the removal of the
/// day's edit (the shipped calendar holds for it again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayChange {
    Set(DayEdit),
    Remove(NaiveDate),
}

impl DayChange {
    pub fn date(&self) -> NaiveDate {
        match self {
            DayChange::Set(e) => e.date,
            DayChange::Remove(d) => *d,
        }
    }
}

/// One term of one open card that the change moves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub card_id: i64,
    /// The number people know the case by.
    pub number: String,
    pub key: String,
    pub rule: String,
    /// What the term is for, in the three languages.
    pub what: Names,
    pub old_due: NaiveDate,
    pub new_due: NaiveDate,
}

/// The calendar is the deployment's: only its administrator (an administrator of no body)
/// changes it. Returns the actor the journal names.
pub fn editor(user: &StaffUser) -> Result<String, Error> {
    if user.has_role(Role::Admin) && user.body_id.is_none() {
        Ok(format!("staff:{}", user.id))
    } else {
        Err(Error::Forbidden)
    }
}

/// The change an administrator asks for: `date` as `YYYY-MM-DD`, `kind` `off` (a day off),
/// `working` (a working day) or `shipped` (remove the day's edit), and the decree that makes
/// the change (number and date; required unless removing). Every problem at once.
pub fn day_change(date: &str, kind: &str, reason: &str) -> Result<DayChange, Error> {
    let problem = |field, key| otinish_domain::appeal::FieldProblem { field, key };
    let mut p = Vec::new();
    let date = NaiveDate::parse_from_str(date.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| (2000..=2100).contains(&chrono::Datelike::year(d)));
    if date.is_none() {
        p.push(problem("date", "calendar-date-invalid"));
    }
    let reason = reason.trim();
    let working = match kind.trim() {
        "off" => Some(false),
        "working" => Some(true),
        "shipped" => None,
        _ => {
            p.push(problem("kind", "calendar-kind-invalid"));
            None
        }
    };
    if working.is_some() && reason.is_empty() {
        p.push(problem("reason", "calendar-reason-required"));
    } else if reason.chars().count() > 300 {
        p.push(problem("reason", "appeal-field-too-long"));
    }
    match (date, p.is_empty(), working) {
        (Some(date), true, Some(working)) => Ok(DayChange::Set(DayEdit {
            date,
            working,
            reason: reason.to_owned(),
        })),
        (Some(date), true, None) => Ok(DayChange::Remove(date)),
        _ => Err(Error::Invalid(p)),
    }
}

/// What a calendar change did (or, for a preview, would do).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecomputeReport {
    pub open_cases_checked: u64,
    pub cases_changed: u64,
    pub deadlines_changed: u64,
}

/// The calendar after `change`, given the edits stored now.
async fn changed_calendar(
    store: &dyn Store,
    base: &WorkingCalendar,
    change: &DayChange,
) -> Result<WorkingCalendar, Error> {
    let mut edits = store.calendar_edits(base.jurisdiction()).await?;
    edits.retain(|e| e.date != change.date());
    if let DayChange::Set(e) = change {
        if e.reason.trim().is_empty() {
            return Err(Error::Invalid(vec![crate::admin::problem(
                "reason",
                "calendar-reason-required",
            )]));
        }
        edits.push(e.clone());
    }
    base.with_edits(edits)
        .map_err(|e| Error::Internal(format!("calendar: {e}")))
}

/// The card's terms on `cal` and the ones that differ from those stored; `None` when they
/// cannot be computed (logged, left as they are).
fn moves(
    case: &OpenCase,
    books: &RulebookSet,
    cal: &WorkingCalendar,
    today: NaiveDate,
) -> Option<(Vec<Deadline>, Vec<Move>)> {
    let facts = CaseFacts {
        channel: case.card.channel,
        kind: case.card.kind,
        received_at: case.card.received_at,
        registered_at: case.card.registered_at,
        events: case.events.clone(),
    };
    let new = match case_deadlines(&facts, books, cal, today) {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(card = case.card.id, error = %e, "terms not recomputed");
            return None;
        }
    };
    let moved = new
        .iter()
        .filter_map(|n| {
            let old = case.deadlines.iter().find(|o| o.key == n.key)?;
            (old.due_on != n.due_on).then(|| Move {
                card_id: case.card.id,
                number: case.card.reference(),
                key: n.key.clone(),
                rule: n.rule.clone(),
                what: n.explanation.description.clone(),
                old_due: old.due_on,
                new_due: n.due_on,
            })
        })
        .collect();
    Some((new, moved))
}

/// The terms `change` would move, without writing anything: up to `limit` moves, and the
/// report of the whole.
pub async fn preview(
    store: &dyn Store,
    books: &RulebookSet,
    base: &WorkingCalendar,
    change: &DayChange,
    now: DateTime<Utc>,
    limit: usize,
) -> Result<(Vec<Move>, RecomputeReport), Error> {
    let cal = changed_calendar(store, base, change).await?;
    let today = cal.zone().local_date(now);
    let mut report = RecomputeReport::default();
    let mut out = Vec::new();
    let mut after = 0;
    loop {
        let batch = store.open_cases(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.card.id;
        for case in &batch {
            report.open_cases_checked += 1;
            let Some((_, moved)) = moves(case, books, &cal, today) else {
                continue;
            };
            if moved.is_empty() {
                continue;
            }
            report.cases_changed += 1;
            report.deadlines_changed += moved.len() as u64;
            let room = limit.saturating_sub(out.len());
            out.extend(moved.into_iter().take(room));
        }
    }
    Ok((out, report))
}

/// Applies `change`: stores it (journaled) and recomputes the terms of every open card on
/// the new calendar, which it returns with the report. `progress` hears after each batch.
pub async fn apply(
    store: &dyn Store,
    books: &RulebookSet,
    base: &WorkingCalendar,
    change: &DayChange,
    actor: &str,
    now: DateTime<Utc>,
    mut progress: impl FnMut(&RecomputeReport),
) -> Result<(WorkingCalendar, RecomputeReport), Error> {
    let cal = changed_calendar(store, base, change).await?;
    let jurisdiction = base.jurisdiction().to_owned();
    let journal = JournalDraft::new(
        now,
        actor,
        format!("calendar:{jurisdiction}"),
        "calendar_edit",
    );
    match change {
        DayChange::Set(edit) => {
            // The edit as it is stored: date, working, reason.
            let details =
                serde_json::to_string(edit).map_err(|e| Error::Internal(e.to_string()))?;
            store
                .put_calendar_edit(&jurisdiction, edit, journal.details(details))
                .await?;
        }
        DayChange::Remove(date) => {
            let details = format!("{{\"date\":\"{date}\",\"removed\":true}}");
            if !store
                .remove_calendar_edit(&jurisdiction, *date, journal.details(details))
                .await?
            {
                return Err(Error::NotFound(format!("calendar edit of {date}")));
            }
        }
    }
    let report = recompute_open_deadlines(store, books, &cal, actor, now, &mut progress).await?;
    Ok((cal, report))
}

/// Recomputes the terms of all open cards on `cal`; replaces those that moved (journaled).
pub async fn recompute_open_deadlines(
    store: &dyn Store,
    books: &RulebookSet,
    cal: &WorkingCalendar,
    actor: &str,
    now: DateTime<Utc>,
    progress: &mut impl FnMut(&RecomputeReport),
) -> Result<RecomputeReport, Error> {
    let today = cal.zone().local_date(now);
    let mut report = RecomputeReport::default();
    let mut after = 0;
    loop {
        let batch = store.open_cases(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.card.id;
        for case in batch {
            report.open_cases_checked += 1;
            let Some((new, moved)) = moves(&case, books, cal, today) else {
                continue;
            };
            if moved.is_empty() {
                continue;
            }
            let changes: Vec<DeadlineChange> = moved
                .iter()
                .map(|m| DeadlineChange {
                    key: m.key.clone(),
                    rule: m.rule.clone(),
                    old_due: m.old_due,
                    new_due: m.new_due,
                })
                .collect();
            let stored: Vec<StoredDeadline> = new.iter().map(StoredDeadline::from).collect();
            let journal = JournalDraft::new(
                now,
                actor,
                format!("card:{}", case.card.id),
                "deadlines_recomputed",
            )
            .details(format!(
                "{{\"reason\":\"calendar_changed\",\"changes\":{}}}",
                serde_json::to_string(&changes).map_err(|e| Error::Internal(e.to_string()))?
            ));
            store
                .replace_deadlines(case.card.id, &stored, journal)
                .await?;
            report.cases_changed += 1;
            report.deadlines_changed += moved.len() as u64;
        }
        progress(&report);
    }
    Ok(report)
}

/// Gives the store the deployment's time zone, by whose local months the statistics' tally
/// counts cards (`TallyRepo`); when the zone is new or changed the tally is counted afresh
/// from the cards, once. Every command that opens the store calls it first.
pub async fn keep_tally_zone(
    store: &dyn Store,
    zone: &otinish_domain::calendar::Zone,
) -> Result<(), otinish_domain::repo::StoreError> {
    let started = std::time::Instant::now();
    if store.sync_tally_zone(&zone.offsets()).await? {
        tracing::info!(
            zone = zone.name(),
            seconds = started.elapsed().as_secs_f64(),
            "the statistics' tally counted afresh in the deployment's time zone"
        );
    }
    Ok(())
}

impl crate::Service {
    /// Applies an admin's calendar change and swaps in the new calendar for this process.
    pub async fn change_calendar_day(
        &self,
        base: &WorkingCalendar,
        change: &DayChange,
        actor: &str,
    ) -> Result<RecomputeReport, crate::Error> {
        let (cal, report) = apply(
            self.store.as_ref(),
            &self.rulebooks,
            base,
            change,
            actor,
            self.clock.now(),
            |_| {},
        )
        .await?;
        *self.calendar.write().await = std::sync::Arc::new(cal);
        Ok(report)
    }
}
