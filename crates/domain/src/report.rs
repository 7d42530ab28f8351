//! Form 1-OL "On consideration of appeals of individuals and legal entities" (EA-13).
//! The form's exact rows are not public in our sources (shared/DOMAIN.md): the report is built
//! from the decision kinds, channels, kinds of appeal, terms kept and broken, redirects,
//! repeated and collective appeals, per body and period.

use crate::model::{AppealKind, CardState, Channel};
use serde::Serialize;
use std::collections::BTreeMap;

/// Whether the answer term was kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TermOutcome {
    /// No answer term (e.g. refused on arrival).
    NoTerm,
    /// Closed within the term, or open and not yet due.
    Kept,
    /// Closed late, or open and overdue.
    Broken,
}

/// One group of cards as counted by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportGroup {
    pub kind: AppealKind,
    pub channel: Channel,
    pub state: CardState,
    pub decision: Option<String>,
    pub collective: bool,
    /// Attached to a main appeal (VA-12), whatever its state now.
    pub repeated: bool,
    /// Forwarded to another body, whatever its state now.
    pub redirected: bool,
    pub term: TermOutcome,
    pub count: i64,
}

/// The 1-OL figures for one body (or all) and one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OneOl {
    pub received: i64,
    pub by_kind: BTreeMap<String, i64>,
    pub by_channel: BTreeMap<String, i64>,
    pub by_decision: BTreeMap<String, i64>,
    pub by_state: BTreeMap<String, i64>,
    pub redirected: i64,
    pub repeated_attached: i64,
    pub collective: i64,
    pub refused_registration: i64,
    pub closed_in_term: i64,
    pub closed_late: i64,
    pub open_in_term: i64,
    pub open_overdue: i64,
}

impl OneOl {
    pub fn from_groups(groups: &[ReportGroup]) -> Self {
        let mut r = OneOl::default();
        for g in groups {
            let n = g.count;
            r.received += n;
            *r.by_kind.entry(g.kind.as_str().to_owned()).or_default() += n;
            *r.by_channel
                .entry(g.channel.as_str().to_owned())
                .or_default() += n;
            *r.by_state.entry(g.state.as_str().to_owned()).or_default() += n;
            if let Some(d) = g
                .decision
                .as_deref()
                .filter(|d| !d.is_empty() && !d.starts_with("signature:"))
            {
                *r.by_decision.entry(d.to_owned()).or_default() += n;
            }
            if g.redirected || g.state == CardState::Redirected {
                r.redirected += n;
            }
            if g.repeated || g.state == CardState::Attached {
                r.repeated_attached += n;
            }
            if g.state == CardState::Refused {
                r.refused_registration += n;
            }
            if g.collective {
                r.collective += n;
            }
            let closed = g.state.is_closed();
            match (closed, g.term) {
                (true, TermOutcome::Kept) => r.closed_in_term += n,
                (true, TermOutcome::Broken) => r.closed_late += n,
                (false, TermOutcome::Kept) => r.open_in_term += n,
                (false, TermOutcome::Broken) => r.open_overdue += n,
                (_, TermOutcome::NoTerm) => {}
            }
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// EA-13: the 1-OL figures add up by kind, channel, decision and terms.
    #[test]
    fn ea_13_one_ol_totals() {
        let g = |kind, state, decision: Option<&str>, term, count| ReportGroup {
            kind,
            channel: Channel::Portal,
            state,
            decision: decision.map(str::to_owned),
            collective: false,
            repeated: false,
            redirected: false,
            term,
            count,
        };
        let r = OneOl::from_groups(&[
            g(
                AppealKind::Statement,
                CardState::Answered,
                Some("satisfied"),
                TermOutcome::Kept,
                5,
            ),
            g(
                AppealKind::Statement,
                CardState::Answered,
                Some("refused"),
                TermOutcome::Broken,
                1,
            ),
            g(
                AppealKind::Complaint,
                CardState::InExecution,
                None,
                TermOutcome::Broken,
                2,
            ),
            g(
                AppealKind::Complaint,
                CardState::Redirected,
                None,
                TermOutcome::Kept,
                3,
            ),
            g(
                AppealKind::Request,
                CardState::Refused,
                Some("signature:expired"),
                TermOutcome::NoTerm,
                1,
            ),
            ReportGroup {
                collective: true,
                ..g(
                    AppealKind::Proposal,
                    CardState::Registered,
                    None,
                    TermOutcome::Kept,
                    4,
                )
            },
        ]);
        assert_eq!(r.received, 16);
        assert_eq!(r.by_kind.get("statement"), Some(&6));
        assert_eq!(r.by_decision.get("satisfied"), Some(&5));
        assert_eq!(r.by_decision.get("signature:expired"), None);
        assert_eq!(
            (
                r.closed_in_term,
                r.closed_late,
                r.open_in_term,
                r.open_overdue
            ),
            (8, 1, 4, 2)
        );
        assert_eq!(
            (r.redirected, r.refused_registration, r.collective),
            (3, 1, 4)
        );
    }
}
