//! Background jobs: work a change causes that need not be done before its answer (delivering a
//! notice, today). A job is written in the same transaction as the change that causes it, so
//! it exists if and only if the change does; workers claim due jobs with a lease, run them, and
//! record the outcome. A job whose worker dies is claimed again when its lease ends; a job that
//! keeps failing is tried again with a growing pause and, after its maximum number of tries, is
//! dead: it stays, visible to the deployment's administrator, who sends it again or dismisses it.
//!
//! Handlers run at least once: a worker killed after the work was done but before it was
//! recorded leaves the job to be run again, so a handler checks whether its work is done.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

string_enum!(
    /// What a job does; each kind has one handler.
    JobKind {
        /// Deliver one notice by email or SMS (EA-07, GEN-07); the payload names the notice.
        Notice = "notice",
    }
);

string_enum!(
    /// Where a job is. A job that is done is deleted: the change it served keeps the record
    /// (a notice its delivery time, say).
    JobState {
        /// Waiting for its `run_after`.
        Ready = "ready",
        /// Leased by a worker until `lease_until`; after that any worker may claim it again.
        Running = "running",
        /// Every try failed; waits for the administrator.
        Dead = "dead",
    }
);

/// A job about to be enqueued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: JobKind,
    /// What the handler needs, as JSON (an id, usually: the rest is read when it runs).
    pub payload: String,
    pub run_after: DateTime<Utc>,
    pub max_attempts: i64,
}

impl NewJob {
    /// A job of `kind` due at once, with the kind's maximum of tries.
    pub fn now(kind: JobKind, payload: String, now: DateTime<Utc>) -> Self {
        Self {
            kind,
            payload,
            run_after: now,
            max_attempts: kind.max_attempts(),
        }
    }

    /// The job that delivers notice `id`.
    pub fn notice(id: i64, now: DateTime<Utc>) -> Self {
        Self::now(JobKind::Notice, notice_payload(id), now)
    }
}

/// The payload of the job delivering notice `id`.
pub fn notice_payload(id: i64) -> String {
    format!("{{\"notice\":{id}}}")
}

/// The notice a notice job's payload names.
pub fn notice_of(payload: &str) -> Option<i64> {
    #[derive(Deserialize)]
    struct P {
        notice: i64,
    }
    serde_json::from_str::<P>(payload).ok().map(|p| p.notice)
}

impl JobKind {
    /// How many tries before a job of this kind is dead.
    pub fn max_attempts(self) -> i64 {
        match self {
            // About four hours of tries (30 s, 1 min, 2 min … 1 h), so a mail server down for a
            // morning is waited out; after that the administrator looks.
            JobKind::Notice => 8,
        }
    }
}

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Job {
    pub id: i64,
    pub kind: JobKind,
    pub payload: String,
    pub state: JobState,
    pub run_after: DateTime<Utc>,
    pub lease_until: Option<DateTime<Utc>>,
    /// The worker holding (or that last held) the lease.
    pub leased_by: Option<String>,
    /// Tries begun, counting the one under way: a worker that dies mid-try has used one.
    pub attempts: i64,
    pub max_attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl Job {
    /// Whether the try under way is the last: if it fails, the job is dead.
    pub fn last_try(&self) -> bool {
        self.attempts >= self.max_attempts
    }

    /// When to try again after the try under way failed, or `None` when that was the last:
    /// 30 s doubled after each failed try, at most an hour.
    pub fn retry_at(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.last_try() {
            return None;
        }
        let failed = (self.attempts - 1).clamp(0, 20);
        Some(now + Duration::seconds(30i64.saturating_mul(1 << failed).min(3600)))
    }
}

/// How many jobs of a kind are in a state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobCount {
    pub kind: JobKind,
    pub state: JobState,
    pub count: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(attempts: i64) -> Job {
        let t = DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default();
        Job {
            id: 1,
            kind: JobKind::Notice,
            payload: notice_payload(7),
            state: JobState::Running,
            run_after: t,
            lease_until: None,
            leased_by: None,
            attempts,
            max_attempts: 8,
            last_error: None,
            created_at: t,
        }
    }

    #[test]
    fn a_failing_job_waits_longer_each_time_and_dies_at_its_maximum() {
        let now = DateTime::<Utc>::from_timestamp(1_000, 0).unwrap_or_default();
        assert_eq!(job(1).retry_at(now), Some(now + Duration::seconds(30)));
        assert_eq!(job(2).retry_at(now), Some(now + Duration::seconds(60)));
        assert_eq!(job(4).retry_at(now), Some(now + Duration::seconds(240)));
        assert_eq!(job(7).retry_at(now), Some(now + Duration::seconds(1920)));
        assert_eq!(job(8).retry_at(now), None);
        assert_eq!(job(9).retry_at(now), None);
    }

    #[test]
    fn a_notice_job_names_its_notice() {
        assert_eq!(notice_of(&notice_payload(42)), Some(42));
        assert_eq!(notice_of("{}"), None);
        assert_eq!(notice_of("not json"), None);
        let t = DateTime::<Utc>::from_timestamp(0, 0).unwrap_or_default();
        assert_eq!(NewJob::notice(3, t).max_attempts, 8);
        assert_eq!(JobKind::parse("notice"), Some(JobKind::Notice));
    }
}
