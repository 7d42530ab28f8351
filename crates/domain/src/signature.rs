//! What was established about an applicant's electronic signature when it arrived (EA-06),
//! kept with the appeal and shown on the card: the algorithm, the certificate's role, the
//! timestamp that fixes the signing time, and how the certificate was checked for revocation —
//! or that it could not be, and will be checked again.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a signer's certificate was checked for revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RevocationCheck {
    /// Not on the issuer's revocation list of `this_update`.
    Crl {
        issuer: String,
        this_update: DateTime<Utc>,
    },
    /// The issuer's OCSP responder said "good".
    Ocsp {
        responder: String,
        produced_at: DateTime<Utc>,
    },
    /// The certificate names no revocation list or responder, and the trust folder has none.
    NotPublished,
    /// The deployment checks no revocation (`--revocation none`).
    NotChecked,
    /// The list and the responder could not be reached; accepted by the deployment's choice
    /// and to be checked again.
    Pending {
        reason: String,
        since: DateTime<Utc>,
    },
    /// A later check found the certificate revoked at `revoked_at` (before or after signing:
    /// compare with the signing time).
    FoundRevoked {
        revoked_at: DateTime<Utc>,
        found_at: DateTime<Utc>,
    },
}

impl RevocationCheck {
    /// Whether it waits for another check.
    pub fn is_pending(&self) -> bool {
        matches!(self, RevocationCheck::Pending { .. })
    }

    /// A stable key for translations.
    pub fn key(&self) -> &'static str {
        match self {
            RevocationCheck::Crl { .. } => "sigcheck-revocation-crl",
            RevocationCheck::Ocsp { .. } => "sigcheck-revocation-ocsp",
            RevocationCheck::NotPublished => "sigcheck-revocation-not-published",
            RevocationCheck::NotChecked => "sigcheck-revocation-not-checked",
            RevocationCheck::Pending { .. } => "sigcheck-revocation-pending",
            RevocationCheck::FoundRevoked { .. } => "sigcheck-revocation-found-revoked",
        }
    }
}

/// The signature's check, as stored with the appeal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignatureCheck {
    /// E.g. "GOST R 34.10-2015 512-bit, Streebog-512 (NCA RK)".
    pub algorithm: String,
    /// Role keys of the certificate: `individual`, `legal_entity`, `first_head`,
    /// `right_to_sign`, `employee`, … (see the PKI's roles).
    pub roles: Vec<String>,
    /// The timestamp authority's time and name, when the signature carries one.
    pub timestamp: Option<(DateTime<Utc>, String)>,
    pub revocation: RevocationCheck,
}
