//! Personal reception and citizen reception centers (PR): when a sign-up counts as received
//! (PR-02: working days, working hours, the lunch break), whether every first head receives in a
//! center each month (PR-03), and the distribution of the sign-up list into the approved
//! schedule in queue order (PR-10).

use crate::calendar::{CalendarError, WorkingCalendar};
use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime};

/// The hours sign-up is taken on a working day, with the lunch break (PR-02).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkingHours {
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    pub lunch_from: NaiveTime,
    pub lunch_to: NaiveTime,
}

impl Default for WorkingHours {
    /// 09:00–18:30 with lunch 13:00–14:30, the common schedule of state bodies.
    fn default() -> Self {
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default();
        Self {
            opens: t(9, 0),
            closes: t(18, 30),
            lunch_from: t(13, 0),
            lunch_to: t(14, 30),
        }
    }
}

impl WorkingHours {
    /// Checks the hours make sense: opening before the lunch, the lunch before closing.
    pub fn new(
        opens: NaiveTime,
        lunch_from: NaiveTime,
        lunch_to: NaiveTime,
        closes: NaiveTime,
    ) -> Option<Self> {
        (opens < lunch_from && lunch_from <= lunch_to && lunch_to < closes).then_some(Self {
            opens,
            closes,
            lunch_from,
            lunch_to,
        })
    }
}

/// Where a sign-up stands on arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Intake {
    /// The local moment it counts as received: the arrival itself in working hours, otherwise
    /// the next opening (after the lunch break, or the next working day).
    pub accepted_at: NaiveDateTime,
    /// It arrived outside working hours and waits; the applicant is told when it is taken.
    pub queued: bool,
}

/// PR-02, PR-08: when a sign-up that arrived at local `at` is taken: at once on a working day
/// in working hours; after the lunch break if it came during it; otherwise at the opening of
/// the next working day, so that its registration (the same day) and every term count from
/// there.
pub fn intake(
    at: NaiveDateTime,
    hours: &WorkingHours,
    cal: &WorkingCalendar,
) -> Result<Intake, CalendarError> {
    let day = at.date();
    let time = at.time();
    if cal.is_working_day(day) {
        if time >= hours.opens && time < hours.lunch_from
            || time >= hours.lunch_to && time < hours.closes
        {
            return Ok(Intake {
                accepted_at: at,
                queued: false,
            });
        }
        if time < hours.opens {
            return Ok(Intake {
                accepted_at: day.and_time(hours.opens),
                queued: true,
            });
        }
        if time < hours.lunch_to {
            return Ok(Intake {
                accepted_at: day.and_time(hours.lunch_to),
                queued: true,
            });
        }
    }
    let next = cal.next_working_day_from(day.succ_opt().ok_or(CalendarError::OutOfRange)?)?;
    Ok(Intake {
        accepted_at: next.and_time(hours.opens),
        queued: true,
    })
}

/// A reception of a first head in a citizen reception center, as scheduled (PR-03, PR-04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CenterReception {
    pub official_id: i64,
    pub day: NaiveDate,
}

/// PR-03: the months of `from` … `to` (first days) in which a first head of `first_heads` has
/// no reception in a center: (official, month's first day).
pub fn monthly_gaps(
    first_heads: &[i64],
    receptions: &[CenterReception],
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<(i64, NaiveDate)> {
    let mut months = Vec::new();
    let mut m = crate::reception::month_start(from);
    while m <= to {
        months.push(m);
        m = crate::reception::next_month(m);
    }
    let mut out = Vec::new();
    for head in first_heads {
        for month in &months {
            let covered = receptions.iter().any(|r| {
                r.official_id == *head
                    && r.day.year() == month.year()
                    && r.day.month() == month.month()
            });
            if !covered {
                out.push((*head, *month));
            }
        }
    }
    out
}

/// A place in the approved schedule: a reception time and how many applicants it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub id: i64,
    pub starts: NaiveDateTime,
    pub capacity: u32,
}

/// A sign-up waiting for a reception: its id and when it was registered (its place in the
/// queue), and the earliest moment it may be received (the reference note's term, PR-09).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiting {
    pub id: i64,
    pub registered_at: NaiveDateTime,
    pub not_before: NaiveDateTime,
}

/// PR-10: the list distributed into the schedule in queue order: the earliest registered first,
/// each to the earliest place with room that it may take. Returns (sign-up, place); sign-ups
/// without a place are left out (they wait for the next schedule).
pub fn distribute(waiting: &[Waiting], places: &[Place]) -> Vec<(i64, i64)> {
    let mut queue: Vec<&Waiting> = waiting.iter().collect();
    queue.sort_by_key(|w| (w.registered_at, w.id));
    let mut ordered: Vec<(&Place, u32)> = places.iter().map(|p| (p, p.capacity)).collect();
    ordered.sort_by_key(|(p, _)| (p.starts, p.id));
    let mut out = Vec::new();
    for w in queue {
        if let Some((p, left)) = ordered
            .iter_mut()
            .find(|(p, left)| *left > 0 && p.starts >= w.not_before)
        {
            *left -= 1;
            out.push((w.id, p.id));
        }
    }
    out
}
