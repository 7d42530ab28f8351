//! Form 1-OL "On consideration of appeals of individuals and legal entities" (EA-13), the
//! figures of the dashboards and the open statistics.
//!
//! The form's exact rows are not public in our sources (shared/DOMAIN.md): the report is built
//! from the kinds of appeal, channels, applicant types, how each appeal was resolved, terms kept
//! and broken, redirects, repeated and collective appeals, per body and rolled up the hierarchy.
//!
//! Counting rules, each tested below:
//! - an appeal is counted in the period in which its card was received;
//! - a redirected appeal is counted once, where it ends: when the body it was sent to is inside
//!   the report, the sender's card is left out (the receiver's card counts); otherwise the
//!   sender counts it as "redirected";
//! - a repeated appeal attached to an earlier one counts as received and resolved "attached";
//! - every received appeal has exactly one resolution, so the resolutions add up to the total.

use crate::model::{AppealKind, CardState, Channel};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

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

string_enum!(
    /// Who appealed: a person or an organisation (from the applicant's record).
    ApplicantType {
        Individual = "individual",
        LegalEntity = "legal_entity",
    }
);

string_enum!(
    /// How an appeal was resolved, as form 1-OL counts it.
    Resolution {
        Satisfied = "satisfied",
        PartiallySatisfied = "partially_satisfied",
        Refused = "refused",
        Explained = "explained",
        Terminated = "terminated",
        LeftWithoutConsideration = "left_without_consideration",
        Redirected = "redirected",
        /// A repeated appeal attached to the earlier one (considered with it).
        Attached = "attached",
        /// Closed as outside these rules (offences, criminal and civil procedure; 000 §2).
        OutOfScope = "out_of_scope",
        /// Not accepted on arrival (e.g. an invalid signature, EA-12).
        NotAccepted = "not_accepted",
        /// Closed with a decision the form has no row for.
        Other = "other",
        /// Not resolved yet.
        InProgress = "in_progress",
    }
);

impl Resolution {
    /// The resolution of a card from its state, decision, whether it was forwarded and whether
    /// it was attached to an earlier appeal (answered with it, it has no decision of its own).
    pub fn of(state: CardState, decision: Option<&str>, redirected: bool, repeated: bool) -> Self {
        if redirected || state == CardState::Redirected {
            return Self::Redirected;
        }
        match state {
            CardState::Attached => Self::Attached,
            CardState::Refused => Self::NotAccepted,
            CardState::ClosedOutOfScope => Self::OutOfScope,
            // A decision not yet signed and sent is still under consideration.
            s if !s.is_closed() => Self::InProgress,
            _ => match decision.unwrap_or_default() {
                "satisfied" => Self::Satisfied,
                "partially_satisfied" => Self::PartiallySatisfied,
                "refused" | "refuse_out_of_competence" => Self::Refused,
                "explained" | "consultation" => Self::Explained,
                "terminated" => Self::Terminated,
                "left_without_consideration" => Self::LeftWithoutConsideration,
                "" if repeated => Self::Attached,
                _ => Self::Other,
            },
        }
    }
}

/// One group of cards as counted by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportGroup {
    pub body_id: i64,
    pub kind: AppealKind,
    pub channel: Channel,
    pub applicant: ApplicantType,
    pub state: CardState,
    pub decision: Option<String>,
    pub collective: bool,
    /// Attached to a main appeal (VA-12), whatever its state now.
    pub repeated: bool,
    /// The body the appeal was forwarded to, whatever the card's state now.
    pub redirected_to: Option<i64>,
    pub term: TermOutcome,
    pub count: i64,
}

/// What a read of the tally keeps apart ([`crate::repo::TallyRepo::tally_groups`]). The body
/// and the body a card was forwarded to are always kept (they decide where a card counts);
/// a property a cut merges over reads as the first value of its kind and must not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TallyCut {
    /// Every property: what 1-OL counts.
    Full,
    /// How cards ended: state, decision, attachment and term (kind, channel, applicant and
    /// collectiveness merged).
    Outcomes,
    /// What cards were and how they came: kind and channel (the rest merged).
    Origins,
}

/// The 1-OL figures for one body, or a set of bodies, and one period.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OneOl {
    pub received: i64,
    pub by_kind: BTreeMap<String, i64>,
    pub by_channel: BTreeMap<String, i64>,
    pub by_applicant: BTreeMap<String, i64>,
    pub by_resolution: BTreeMap<String, i64>,
    pub repeated: i64,
    pub collective: i64,
    pub closed_in_term: i64,
    pub closed_late: i64,
    pub open_in_term: i64,
    pub open_overdue: i64,
}

impl OneOl {
    /// Counts `groups` of the bodies in `scope`, each appeal once, where it ends (module doc).
    pub fn from_groups(groups: &[ReportGroup], scope: &BTreeSet<i64>) -> Self {
        let mut r = OneOl::default();
        for g in groups.iter().filter(|g| scope.contains(&g.body_id)) {
            if g.redirected_to.is_some_and(|to| scope.contains(&to)) {
                continue;
            }
            r.add(g);
        }
        r
    }

    fn add(&mut self, g: &ReportGroup) {
        let n = g.count;
        self.received += n;
        *self.by_kind.entry(g.kind.as_str().to_owned()).or_default() += n;
        *self
            .by_channel
            .entry(g.channel.as_str().to_owned())
            .or_default() += n;
        *self
            .by_applicant
            .entry(g.applicant.as_str().to_owned())
            .or_default() += n;
        let resolution = Resolution::of(
            g.state,
            g.decision.as_deref(),
            g.redirected_to.is_some(),
            g.repeated,
        );
        *self
            .by_resolution
            .entry(resolution.as_str().to_owned())
            .or_default() += n;
        if g.repeated || g.state == CardState::Attached {
            self.repeated += n;
        }
        if g.collective {
            self.collective += n;
        }
        let closed = resolution != Resolution::InProgress;
        match (closed, g.term) {
            (true, TermOutcome::Kept) => self.closed_in_term += n,
            (true, TermOutcome::Broken) => self.closed_late += n,
            (false, TermOutcome::Kept) => self.open_in_term += n,
            (false, TermOutcome::Broken) => self.open_overdue += n,
            (_, TermOutcome::NoTerm) => {}
        }
    }

    /// The form's rows in order: (indicator key, count). Every kind, channel, applicant type
    /// and resolution has its row, zero or not, so forms of different bodies line up.
    pub fn rows(&self) -> Vec<(String, i64)> {
        let get = |m: &BTreeMap<String, i64>, k: &str| m.get(k).copied().unwrap_or(0);
        let mut rows = vec![("received".to_owned(), self.received)];
        rows.extend(AppealKind::ALL.iter().map(|k| {
            (
                format!("kind.{}", k.as_str()),
                get(&self.by_kind, k.as_str()),
            )
        }));
        rows.push(("collective".into(), self.collective));
        rows.push(("repeated".into(), self.repeated));
        rows.extend(ApplicantType::ALL.iter().map(|a| {
            (
                format!("applicant.{}", a.as_str()),
                get(&self.by_applicant, a.as_str()),
            )
        }));
        rows.extend(Channel::ALL.iter().map(|c| {
            (
                format!("channel.{}", c.as_str()),
                get(&self.by_channel, c.as_str()),
            )
        }));
        rows.extend(Resolution::ALL.iter().map(|x| {
            (
                format!("resolution.{}", x.as_str()),
                get(&self.by_resolution, x.as_str()),
            )
        }));
        rows.extend([
            ("term.closed_in_term".to_owned(), self.closed_in_term),
            ("term.closed_late".to_owned(), self.closed_late),
            ("term.open_in_term".to_owned(), self.open_in_term),
            ("term.open_overdue".to_owned(), self.open_overdue),
        ]);
        rows
    }
}

/// A body as the hierarchy knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyNode {
    pub id: i64,
    pub parent: Option<i64>,
}

/// The body and every body below it, however deep (a cycle in bad data ends the walk).
pub fn subtree(bodies: &[BodyNode], root: i64) -> BTreeSet<i64> {
    let mut out = BTreeSet::from([root]);
    loop {
        let before = out.len();
        for b in bodies {
            if b.parent.is_some_and(|p| out.contains(&p)) {
                out.insert(b.id);
            }
        }
        if out.len() == before {
            return out;
        }
    }
}

/// The median of durations in whole hours, or nothing for no data.
pub fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    values.sort_unstable();
    let mid = values.len() / 2;
    Some(if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2
    })
}

/// Counts below this are not published in open statistics.
pub const SMALL_COUNT: i64 = 5;

/// Open statistics: counts from 1 to [`SMALL_COUNT`] − 1 are withheld so that no person can
/// be singled out. Where a breakdown adds up to a published total and only one cell is
/// withheld, the next smallest cell is withheld too, or the total would give the first away.
pub fn suppress(values: &[i64]) -> Vec<Option<i64>> {
    let small = |v: i64| (1..SMALL_COUNT).contains(&v);
    let mut out: Vec<Option<i64>> = values.iter().map(|v| (!small(*v)).then_some(*v)).collect();
    if out.iter().filter(|v| v.is_none()).count() == 1 {
        if let Some((i, _)) = values
            .iter()
            .enumerate()
            .filter(|(i, v)| out[*i].is_some() && **v > 0)
            .min_by_key(|(_, v)| **v)
        {
            out[i] = None;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(
        body_id: i64,
        state: CardState,
        decision: Option<&str>,
        term: TermOutcome,
        count: i64,
    ) -> ReportGroup {
        ReportGroup {
            body_id,
            kind: AppealKind::Statement,
            channel: Channel::Portal,
            applicant: ApplicantType::Individual,
            state,
            decision: decision.map(str::to_owned),
            collective: false,
            repeated: false,
            redirected_to: None,
            term,
            count,
        }
    }

    /// EA-13: the 1-OL figures add up by kind, channel, applicant, resolution and terms; the
    /// resolutions add up to what was received.
    #[test]
    fn ea_13_one_ol_totals() {
        let scope = BTreeSet::from([1]);
        let r = OneOl::from_groups(
            &[
                g(
                    1,
                    CardState::Answered,
                    Some("satisfied"),
                    TermOutcome::Kept,
                    5,
                ),
                g(
                    1,
                    CardState::Archived,
                    Some("refused"),
                    TermOutcome::Broken,
                    1,
                ),
                ReportGroup {
                    kind: AppealKind::Complaint,
                    applicant: ApplicantType::LegalEntity,
                    ..g(1, CardState::InExecution, None, TermOutcome::Broken, 2)
                },
                ReportGroup {
                    redirected_to: Some(9),
                    ..g(1, CardState::Redirected, None, TermOutcome::Kept, 3)
                },
                g(
                    1,
                    CardState::Refused,
                    Some("signature:expired"),
                    TermOutcome::NoTerm,
                    1,
                ),
                ReportGroup {
                    collective: true,
                    channel: Channel::Vks,
                    ..g(1, CardState::Registered, None, TermOutcome::Kept, 4)
                },
                // Another body's cards are not in this report.
                g(
                    2,
                    CardState::Answered,
                    Some("explained"),
                    TermOutcome::Kept,
                    7,
                ),
            ],
            &scope,
        );
        assert_eq!(r.received, 16);
        assert_eq!(r.by_kind.get("statement"), Some(&14));
        assert_eq!(r.by_applicant.get("legal_entity"), Some(&2));
        assert_eq!(r.by_channel.get("vks"), Some(&4));
        assert_eq!(r.by_resolution.get("satisfied"), Some(&5));
        assert_eq!(r.by_resolution.get("refused"), Some(&1));
        assert_eq!(r.by_resolution.get("redirected"), Some(&3));
        assert_eq!(r.by_resolution.get("not_accepted"), Some(&1));
        assert_eq!(r.by_resolution.get("in_progress"), Some(&6));
        assert_eq!(r.by_resolution.values().sum::<i64>(), r.received);
        assert_eq!(
            (
                r.closed_in_term,
                r.closed_late,
                r.open_in_term,
                r.open_overdue
            ),
            (8, 1, 4, 2)
        );
        assert_eq!(r.collective, 4);
        // The form's rows: every row present, in a fixed order, first the total.
        let rows = r.rows();
        assert_eq!(rows[0], ("received".to_owned(), 16));
        assert!(rows.contains(&("resolution.terminated".to_owned(), 0)));
        assert_eq!(
            rows.len(),
            1 + AppealKind::ALL.len()
                + 2
                + ApplicantType::ALL.len()
                + Channel::ALL.len()
                + Resolution::ALL.len()
                + 4
        );
    }

    /// EA-13: a redirect inside the report counts once, at the body it reached; a redirect to
    /// a body outside it counts at the sender as "redirected".
    #[test]
    fn ea_13_redirects_count_once_where_they_end() {
        let sent = ReportGroup {
            redirected_to: Some(2),
            ..g(1, CardState::Redirected, None, TermOutcome::Kept, 1)
        };
        let got = g(
            2,
            CardState::Answered,
            Some("explained"),
            TermOutcome::Kept,
            1,
        );
        let groups = [sent, got];
        let both = OneOl::from_groups(&groups, &BTreeSet::from([1, 2]));
        assert_eq!(both.received, 1);
        assert_eq!(both.by_resolution.get("explained"), Some(&1));
        assert_eq!(both.by_resolution.get("redirected"), None);
        let sender = OneOl::from_groups(&groups, &BTreeSet::from([1]));
        assert_eq!(
            (sender.received, sender.by_resolution.get("redirected")),
            (1, Some(&1))
        );
        let receiver = OneOl::from_groups(&groups, &BTreeSet::from([2]));
        assert_eq!(receiver.received, 1);
    }

    #[test]
    fn resolutions_of_states_and_decisions() {
        use CardState as S;
        assert_eq!(
            Resolution::of(S::Attached, None, false, false),
            Resolution::Attached
        );
        assert_eq!(
            Resolution::of(S::ClosedOutOfScope, None, false, false),
            Resolution::OutOfScope
        );
        assert_eq!(
            Resolution::of(S::Answered, Some("consultation"), false, false),
            Resolution::Explained
        );
        assert_eq!(
            Resolution::of(S::Answered, Some("appoint_reception"), false, false),
            Resolution::Other
        );
        assert_eq!(
            Resolution::of(S::Answered, Some("terminated"), false, false),
            Resolution::Terminated
        );
        assert_eq!(
            Resolution::of(S::Decided, Some("terminated"), false, false),
            Resolution::InProgress
        );
        assert_eq!(
            Resolution::of(S::InExecution, None, false, false),
            Resolution::InProgress
        );
        // Answered with the earlier appeal it was attached to.
        assert_eq!(
            Resolution::of(S::Answered, None, false, true),
            Resolution::Attached
        );
        // Forwarded and then archived: still redirected.
        assert_eq!(
            Resolution::of(S::Archived, None, true, false),
            Resolution::Redirected
        );
    }

    #[test]
    fn subtree_walks_the_hierarchy_and_survives_a_cycle() {
        let b = |id, parent| BodyNode { id, parent };
        let bodies = [
            b(1, None),
            b(2, Some(1)),
            b(3, Some(2)),
            b(4, None),
            b(5, Some(6)),
            b(6, Some(5)),
        ];
        assert_eq!(subtree(&bodies, 1), BTreeSet::from([1, 2, 3]));
        assert_eq!(subtree(&bodies, 3), BTreeSet::from([3]));
        assert_eq!(subtree(&bodies, 5), BTreeSet::from([5, 6]));
    }

    #[test]
    fn median_of_odd_even_and_none() {
        assert_eq!(median(vec![]), None);
        assert_eq!(median(vec![5, 1, 3]), Some(3));
        assert_eq!(median(vec![4, 1, 3, 10]), Some(3));
    }

    /// Open statistics: small counts withheld, and a lone withheld cell protected by a second.
    #[test]
    fn small_counts_are_suppressed_with_a_complement() {
        assert_eq!(suppress(&[0, 5, 12]), vec![Some(0), Some(5), Some(12)]);
        assert_eq!(
            suppress(&[3, 40, 7, 0]),
            vec![None, Some(40), None, Some(0)]
        );
        assert_eq!(suppress(&[1, 2, 30]), vec![None, None, Some(30)]);
        assert_eq!(suppress(&[4]), vec![None]);
    }
}
