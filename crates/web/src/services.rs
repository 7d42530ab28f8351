//! The process's side of the application layer's calendar edits: the use case is
//! `otinish_app::calendar`; this swaps the new calendar in for this process.

use crate::App;
use otinish_app::calendar::{self, DayChange, RecomputeReport};
use otinish_domain::calendar::WorkingCalendar;

impl App {
    /// Applies an admin's calendar change and swaps in the new calendar for this process.
    pub async fn change_calendar_day(
        &self,
        base: &WorkingCalendar,
        change: &DayChange,
        actor: &str,
    ) -> Result<RecomputeReport, otinish_app::Error> {
        let (cal, report) = calendar::apply(
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
