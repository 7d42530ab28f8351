//! Application services: the few operations that sequence domain decisions and store calls.
//! The decisions themselves are the domain's; these functions only carry them out.

use crate::App;
use chrono::{DateTime, Utc};
use otinish_domain::calendar::DayEdit;
use otinish_domain::calendar::WorkingCalendar;
use otinish_domain::deadline::{case_deadlines, CaseFacts, Deadline};
use otinish_domain::journal::JournalDraft;
use otinish_domain::repo::{Store, StoreError, StoredDeadline};
use otinish_domain::rulebook::RulebookSet;

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Domain(String),
}

/// What a calendar edit did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RecomputeReport {
    pub open_cases_checked: u64,
    pub cases_changed: u64,
    pub deadlines_changed: u64,
}

/// GEN-02/GEN-04: records an admin's edit of a calendar day, then recomputes the deadlines of
/// every open case on the new calendar. Each case whose deadlines move gets them replaced with
/// a journal entry naming old and new due days; closed cases are never touched.
pub async fn edit_calendar_day(
    store: &dyn Store,
    books: &RulebookSet,
    base: &WorkingCalendar,
    edit: DayEdit,
    actor: &str,
    now: DateTime<Utc>,
    mut progress: impl FnMut(&RecomputeReport),
) -> Result<(WorkingCalendar, RecomputeReport), ServiceError> {
    let jurisdiction = base.jurisdiction().to_owned();
    let mut edits = store.calendar_edits(&jurisdiction).await?;
    edits.retain(|e| e.date != edit.date);
    edits.push(edit.clone());
    let new_cal = base
        .with_edits(edits)
        .map_err(|e| ServiceError::Domain(e.to_string()))?;
    let details = format!(
        "{{\"date\":\"{}\",\"working\":{},\"reason\":{}}}",
        edit.date,
        edit.working,
        serde_json::to_string(&edit.reason).unwrap_or_default()
    );
    store
        .put_calendar_edit(
            &jurisdiction,
            &edit,
            JournalDraft::new(
                now,
                actor,
                format!("calendar:{jurisdiction}"),
                "calendar_edit",
            )
            .details(details),
        )
        .await?;
    let report =
        recompute_open_deadlines(store, books, &new_cal, actor, now, &mut progress).await?;
    Ok((new_cal, report))
}

/// Recomputes the deadlines of all open cases on `cal`; replaces those that moved (journaled).
pub async fn recompute_open_deadlines(
    store: &dyn Store,
    books: &RulebookSet,
    cal: &WorkingCalendar,
    actor: &str,
    now: DateTime<Utc>,
    progress: &mut impl FnMut(&RecomputeReport),
) -> Result<RecomputeReport, ServiceError> {
    let today = cal.zone().local_date(now);
    let mut report = RecomputeReport::default();
    let mut after = 0;
    loop {
        let batch = store.open_cases(after, 500).await?;
        let Some(last) = batch.last() else { break };
        after = last.card.id;
        for case in batch {
            report.open_cases_checked += 1;
            let facts = CaseFacts {
                channel: case.card.channel,
                kind: case.card.kind,
                received_at: case.card.received_at,
                registered_at: case.card.registered_at,
                events: case.events.clone(),
            };
            let new: Vec<Deadline> = match case_deadlines(&facts, books, cal, today) {
                Ok(d) => d,
                Err(e) => {
                    tracing::warn!(card = case.card.id, error = %e, "deadlines not recomputed");
                    continue;
                }
            };
            let moved: Vec<String> = new
                .iter()
                .filter_map(|n| {
                    let old = case.deadlines.iter().find(|o| o.key == n.key)?;
                    (old.due_on != n.due_on).then(|| {
                        format!("{{\"key\":\"{}\",\"rule\":\"{}\",\"old_due\":\"{}\",\"new_due\":\"{}\"}}", n.key, n.rule, old.due_on, n.due_on)
                    })
                })
                .collect();
            if moved.is_empty() {
                continue;
            }
            let stored: Vec<StoredDeadline> = new.iter().map(StoredDeadline::from).collect();
            let journal = JournalDraft::new(
                now,
                actor,
                format!("card:{}", case.card.id),
                "deadlines_recomputed",
            )
            .details(format!(
                "{{\"reason\":\"calendar_changed\",\"changes\":[{}]}}",
                moved.join(",")
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

impl App {
    /// Applies an admin's calendar edit and swaps in the new calendar for this process.
    pub async fn edit_calendar_day(
        &self,
        base: &WorkingCalendar,
        edit: DayEdit,
        actor: &str,
    ) -> Result<RecomputeReport, ServiceError> {
        let (cal, report) = edit_calendar_day(
            self.store.as_ref(),
            &self.rulebooks,
            base,
            edit,
            actor,
            self.clock.now(),
            |_| {},
        )
        .await?;
        *self.calendar.write().await = std::sync::Arc::new(cal);
        Ok(report)
    }
}
