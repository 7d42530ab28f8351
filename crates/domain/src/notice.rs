//! Notices to applicants (EA-07, GEN-07) and their delivery policy: every notice is written
//! in the same transaction as the change that causes it, shown in the personal cabinet, and
//! delivered by a background job (see [`crate::job`]) with retries; the delivery log is what the cabinet shows, so the
//! portal, email and SMS never disagree silently.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

string_enum!(
    /// EA-07: the five notices (the fifth split into its two outcomes); VC-10, VC-11, VC-14: the
    /// notices of a VKS reception (hearing, appointment, refusal, change).
    NoticeKind {
        Receipt = "receipt",
        Refused = "refused",
        Registered = "registered",
        SentForExecution = "sent_for_execution",
        Result = "result",
        Redirected = "redirected",
        /// GEN-08: the appeal belongs to another procedure and is closed with that ground.
        OutOfScope = "out_of_scope",
        /// GEN-09: the intended adverse decision and the day by which to state a position.
        Hearing = "hearing",
        /// VC-10: the VKS hearing notice as sent before GEN-09 made it one for every channel.
        VksHearing = "vks_hearing",
        VksAppointed = "vks_appointed",
        VksRefused = "vks_refused",
        VksChanged = "vks_changed",
        PrQueued = "pr_queued",
        PrDateTime = "pr_date_time",
        PrRefused = "pr_refused",
        PrSurvey = "pr_survey",
    }
);

string_enum!(
    /// How a notice reaches the applicant (GEN-07).
    NoticeChannel {
        Cabinet = "cabinet",
        Email = "email",
        Sms = "sms",
        Post = "post",
    }
);

string_enum!(
    /// Where a notice is in its delivery.
    NoticeStatus {
        Pending = "pending",
        Delivered = "delivered",
        Failed = "failed",
        Dead = "dead",
    }
);

/// A notice about to be written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewNotice {
    pub card_id: i64,
    pub applicant_id: i64,
    pub kind: NoticeKind,
    pub channel: NoticeChannel,
    pub address: Option<String>,
    pub lang: crate::Lang,
    pub subject: String,
    pub body: String,
}

/// A notice as stored, with its delivery state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notice {
    pub id: i64,
    pub card_id: i64,
    pub applicant_id: i64,
    pub kind: NoticeKind,
    pub channel: NoticeChannel,
    pub address: Option<String>,
    pub lang: crate::Lang,
    pub subject: String,
    pub body: String,
    pub status: NoticeStatus,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} #{} ({}, {})",
            self.kind, self.id, self.channel, self.status
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_parse() {
        assert_eq!(NoticeKind::parse("result"), Some(NoticeKind::Result));
    }
}
