//! What the administrator is told about the deployment's trust anchors and revocation lists:
//! whether a certificate is valid now, and whether a list is out of date (a stale list refuses
//! the signatures it would vouch for, so the console warns before staff and applicants meet
//! it). Only the deployment's administrator sees them.

use crate::Error;
use chrono::{DateTime, Utc};
use otinish_domain::appeal::FieldProblem;
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{Role, StaffUser};
use otinish_domain::repo::{Store, TrustAnchorRecord};
use otinish_pki::{CaCertificate, CaFileError, TrustStore};

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

/// The trust store in force: `base` (the national PKI's anchors and the trust folder's) with
/// the certificates added from the console, less every one withdrawn. Every node builds the
/// same store from the same records.
pub fn effective(base: &TrustStore, records: &[TrustAnchorRecord]) -> TrustStore {
    let mut store = base.clone();
    for r in records.iter().filter(|r| r.trusted) {
        if let Some(der) = &r.der {
            if let Err(e) = store.add_der(der) {
                tracing::error!(fingerprint = %r.fingerprint, error = %e, "a trusted certificate does not parse");
            }
        }
    }
    let withdrawn: Vec<String> = records
        .iter()
        .filter(|r| !r.trusted)
        .map(|r| r.fingerprint.clone())
        .collect();
    store.without(&withdrawn)
}

/// The largest certificate file the console takes (a chain of a few certificates is a few KB).
pub const MAX_FILE_BYTES: usize = 256 * 1024;

fn file_problem(key: &'static str) -> Error {
    Error::Invalid(vec![FieldProblem { field: "file", key }])
}

/// Trusts every certificate of an uploaded file (PEM or DER): each must be a certificate
/// authority's, a root's self-signature must verify, and none may have expired. Returns the
/// certificates trusted; every node takes them at its next reload.
pub async fn add(
    store: &dyn Store,
    user: &StaffUser,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<Vec<CaCertificate>, Error> {
    viewer(user)?;
    if bytes.is_empty() {
        return Err(file_problem("trust-file-required"));
    }
    if bytes.len() > MAX_FILE_BYTES {
        return Err(file_problem("trust-file-too-large"));
    }
    let certs = otinish_pki::ca_certificates(bytes).map_err(|e| {
        file_problem(match e {
            CaFileError::NotCertificate(_) => "trust-file-not-certificate",
            CaFileError::NotCa { .. } => "trust-file-not-ca",
            CaFileError::BadSelfSignature { .. } => "trust-file-bad-signature",
        })
    })?;
    if certs
        .iter()
        .any(|c| validity(c.link.not_before, c.link.not_after, now) == Validity::Expired)
    {
        return Err(file_problem("trust-file-expired"));
    }
    for c in &certs {
        store
            .set_trust_anchor(
                &TrustAnchorRecord {
                    fingerprint: c.fingerprint.clone(),
                    der: Some(c.der.clone()),
                    subject: c.link.subject.clone(),
                    trusted: true,
                    changed_at: now,
                    changed_by: format!("staff:{}", user.id),
                },
                JournalDraft::new(now, format!("staff:{}", user.id), "", "trust_certificate"),
            )
            .await?;
    }
    Ok(certs)
}

/// Withdraws the certificate with `fingerprint` from `current` (the store in force): it no
/// longer vouches for any signature, on every node. The last root cannot be withdrawn (no
/// signature would verify).
pub async fn withdraw(
    store: &dyn Store,
    user: &StaffUser,
    current: &TrustStore,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    viewer(user)?;
    let all = current.certificates();
    let Some((link, _, root)) = all.iter().find(|(_, fp, _)| fp == fingerprint) else {
        return Err(Error::NotFound(format!("certificate {fingerprint}")));
    };
    if *root && all.iter().filter(|(_, _, r)| *r).count() == 1 {
        return Err(Error::Refused {
            key: "trust-last-root",
            detail: "the last trusted root cannot be withdrawn".into(),
        });
    }
    Ok(store
        .set_trust_anchor(
            &TrustAnchorRecord {
                fingerprint: fingerprint.to_owned(),
                der: None,
                subject: link.subject.clone(),
                trusted: false,
                changed_at: now,
                changed_by: format!("staff:{}", user.id),
            },
            JournalDraft::new(
                now,
                format!("staff:{}", user.id),
                "",
                "withdraw_certificate",
            ),
        )
        .await?)
}

/// Trusts again a certificate withdrawn earlier (one of the base's, or one added here).
pub async fn restore(
    store: &dyn Store,
    user: &StaffUser,
    fingerprint: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    viewer(user)?;
    let Some(r) = store
        .trust_anchors()
        .await?
        .into_iter()
        .find(|r| r.fingerprint == fingerprint && !r.trusted)
    else {
        return Err(Error::NotFound(format!(
            "withdrawn certificate {fingerprint}"
        )));
    };
    Ok(store
        .set_trust_anchor(
            &TrustAnchorRecord {
                trusted: true,
                der: None,
                changed_at: now,
                changed_by: format!("staff:{}", user.id),
                ..r
            },
            JournalDraft::new(now, format!("staff:{}", user.id), "", "trust_certificate"),
        )
        .await?)
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
