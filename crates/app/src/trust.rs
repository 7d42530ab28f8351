//! What the administrator is told about the deployment's trust anchors and revocation lists:
//! whether a certificate is valid now, and whether a list is out of date (a stale list refuses
//! the signatures it would vouch for, so the console warns before staff and applicants meet
//! it). Only the deployment's administrator sees them.

use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::model::{Role, StaffUser};

/// A certificate's validity at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    NotYet,
    Valid,
    Expired,
}

pub fn validity(
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Validity {
    if now < not_before {
        Validity::NotYet
    } else if now > not_after {
        Validity::Expired
    } else {
        Validity::Valid
    }
}

/// A revocation list is stale when its next update is past: it vouches for nothing until a
/// newer one is fetched.
pub fn stale(next_update: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
    next_update.is_some_and(|n| n < now)
}

/// Trust is the deployment's: only its administrator (of no body) sees the anchors.
pub fn viewer(user: &StaffUser) -> Result<(), Error> {
    if user.has_role(Role::Admin) && user.body_id.is_none() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validity_and_staleness_at_the_edges() {
        let at = |d| chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 1, d, 0, 0, 0).unwrap();
        assert_eq!(validity(at(2), at(4), at(1)), Validity::NotYet);
        assert_eq!(validity(at(2), at(4), at(2)), Validity::Valid);
        assert_eq!(validity(at(2), at(4), at(4)), Validity::Valid);
        assert_eq!(validity(at(2), at(4), at(5)), Validity::Expired);
        assert!(stale(Some(at(2)), at(3)));
        assert!(!stale(Some(at(3)), at(3)));
        assert!(
            !stale(None, at(3)),
            "a list without a next update never goes stale"
        );
    }
}
