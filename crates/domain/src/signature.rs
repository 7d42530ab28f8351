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

/// Who signs an answer for the body (EA-09).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signatory {
    /// The head (or a deputy acting for them): signs for the body.
    Head,
    /// The documentation office: certifies the dispatch.
    Registrar,
}

impl Signatory {
    /// EA-09: who signs an answer, in the order they usually sign: the head for the body, then
    /// the registrar who certifies the dispatch.
    pub const ANSWER: [Signatory; 2] = [Signatory::Head, Signatory::Registrar];

    /// The key stored with a signature.
    pub fn as_str(self) -> &'static str {
        match self {
            Signatory::Head => "head",
            Signatory::Registrar => "registrar",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ANSWER.into_iter().find(|x| x.as_str() == s)
    }

    /// The staff role that signs as this signatory.
    pub fn role(self) -> crate::model::Role {
        match self {
            Signatory::Head => crate::model::Role::Head,
            Signatory::Registrar => crate::model::Role::Registrar,
        }
    }

    /// EA-09: who still has to sign an answer that `signed` (stored keys) have signed.
    pub fn missing_from(signed: &[&str]) -> Vec<Signatory> {
        Self::ANSWER
            .into_iter()
            .filter(|s| !signed.contains(&s.as_str()))
            .collect()
    }
}

/// Why a staff member's signature does not fit them, their body or their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffSignatureProblem {
    /// No IIN is registered for the staff member: nobody's key can be theirs yet.
    NoIinRegistered,
    /// The body has no BIN registered: its employees' keys cannot be told apart.
    NoBinRegistered,
    /// The certificate is another person's.
    NotTheirKey,
    /// The certificate is not an employee's of this body (another BIN, or a personal key).
    NotThisBody,
    /// Signing for the body needs the first head's role or the right to sign.
    NoRightToSign,
    /// A sign-in key cannot sign documents.
    AuthenticationOnly,
    /// One signature per signatory: a signature with several signers is not theirs alone.
    NotAlone,
    /// Sign-in: the certificate's IIN is no active staff member's.
    NotStaff,
}

impl StaffSignatureProblem {
    /// A stable key for translations.
    pub fn key(self) -> &'static str {
        match self {
            StaffSignatureProblem::NoIinRegistered => "staff-sig-no-iin",
            StaffSignatureProblem::NoBinRegistered => "staff-sig-no-bin",
            StaffSignatureProblem::NotTheirKey => "staff-sig-not-their-key",
            StaffSignatureProblem::NotThisBody => "staff-sig-not-this-body",
            StaffSignatureProblem::NoRightToSign => "staff-sig-no-right-to-sign",
            StaffSignatureProblem::AuthenticationOnly => "staff-sig-authentication-only",
            StaffSignatureProblem::NotAlone => "staff-sig-not-alone",
            StaffSignatureProblem::NotStaff => "staff-sig-not-staff",
        }
    }
}

/// EA-09: whether a certificate (its IIN, BIN and NCA role keys, as [`SignatureCheck::roles`])
/// may sign for `signatory`, the staff member with `staff_iin` of the body with `body_bin`.
/// The role comes from the product; the certificate must be the person's own, an employee's
/// of that body, and for the head one that may sign for it.
pub fn staff_signature_fits(
    signatory: Signatory,
    staff_iin: Option<&str>,
    body_bin: Option<&str>,
    cert_iin: Option<&str>,
    cert_bin: Option<&str>,
    cert_roles: &[String],
) -> Result<(), StaffSignatureProblem> {
    let iin = staff_iin.ok_or(StaffSignatureProblem::NoIinRegistered)?;
    let bin = body_bin.ok_or(StaffSignatureProblem::NoBinRegistered)?;
    if cert_iin != Some(iin) {
        return Err(StaffSignatureProblem::NotTheirKey);
    }
    if cert_roles.iter().any(|r| r == "authentication_only") {
        return Err(StaffSignatureProblem::AuthenticationOnly);
    }
    if cert_bin != Some(bin) {
        return Err(StaffSignatureProblem::NotThisBody);
    }
    let may_sign = cert_roles
        .iter()
        .any(|r| r == "first_head" || r == "right_to_sign");
    if signatory == Signatory::Head && !may_sign {
        return Err(StaffSignatureProblem::NoRightToSign);
    }
    Ok(())
}

/// Staff sign-in by key (no document is signed, so a sign-in-only key serves): the
/// certificate is the person's own (`cert_iin` is the staff member's registered IIN); for a
/// body's employee (`body_bin` is `Some`), a key of that body's employee, its BIN in the
/// certificate. Staff of no body (a branch operator, the call center, the deployment's
/// administrator) may sign in with a personal key. The role comes from the product.
pub fn staff_sign_in_fits(
    staff_iin: Option<&str>,
    body_bin: Option<Option<&str>>,
    cert_iin: Option<&str>,
    cert_bin: Option<&str>,
) -> Result<(), StaffSignatureProblem> {
    let iin = staff_iin.ok_or(StaffSignatureProblem::NoIinRegistered)?;
    if cert_iin != Some(iin) {
        return Err(StaffSignatureProblem::NotTheirKey);
    }
    match body_bin {
        None => Ok(()),
        Some(None) => Err(StaffSignatureProblem::NoBinRegistered),
        Some(Some(bin)) if cert_bin == Some(bin) => Ok(()),
        Some(Some(_)) => Err(StaffSignatureProblem::NotThisBody),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_sign_in_takes_the_persons_own_key_of_their_body() {
        use StaffSignatureProblem::*;
        let (iin, bin) = (Some("791028302728"), Some("940140000385"));
        assert_eq!(staff_sign_in_fits(iin, Some(bin), iin, bin), Ok(()));
        // A personal key (no BIN) or another body's key does not sign a body's employee in.
        assert_eq!(
            staff_sign_in_fits(iin, Some(bin), iin, None),
            Err(NotThisBody)
        );
        assert_eq!(
            staff_sign_in_fits(iin, Some(bin), iin, Some("000740000728")),
            Err(NotThisBody)
        );
        assert_eq!(
            staff_sign_in_fits(iin, Some(None), iin, bin),
            Err(NoBinRegistered)
        );
        // Someone else's key, or a staff member with no IIN registered.
        assert_eq!(
            staff_sign_in_fits(iin, Some(bin), Some("800101300018"), bin),
            Err(NotTheirKey)
        );
        assert_eq!(
            staff_sign_in_fits(None, None, iin, None),
            Err(NoIinRegistered)
        );
        // Staff of no body: a personal key of theirs.
        assert_eq!(staff_sign_in_fits(iin, None, iin, None), Ok(()));
    }

    #[test]
    fn ea_09_staff_signatures_fit_the_person_the_body_and_the_role() {
        use Signatory::*;
        use StaffSignatureProblem::*;
        let roles = |r: &[&str]| r.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let head = roles(&["legal_entity", "first_head"]);
        let employee = roles(&["legal_entity", "employee"]);
        let ok = |s, r: &[String]| {
            staff_signature_fits(
                s,
                Some("791028302728"),
                Some("940140000385"),
                Some("791028302728"),
                Some("940140000385"),
                r,
            )
        };
        assert_eq!(ok(Head, &head), Ok(()));
        assert_eq!(ok(Registrar, &employee), Ok(()));
        assert_eq!(ok(Head, &employee), Err(NoRightToSign));
        assert_eq!(
            ok(
                Registrar,
                &roles(&["legal_entity", "employee", "authentication_only"])
            ),
            Err(AuthenticationOnly)
        );
        let f = |staff, body, cert_iin, cert_bin| {
            staff_signature_fits(Registrar, staff, body, cert_iin, cert_bin, &employee)
        };
        assert_eq!(
            f(
                None,
                Some("940140000385"),
                Some("791028302728"),
                Some("940140000385")
            ),
            Err(NoIinRegistered)
        );
        assert_eq!(
            f(
                Some("791028302728"),
                None,
                Some("791028302728"),
                Some("940140000385")
            ),
            Err(NoBinRegistered)
        );
        assert_eq!(
            f(
                Some("791028302728"),
                Some("940140000385"),
                Some("850315400124"),
                Some("940140000385")
            ),
            Err(NotTheirKey)
        );
        assert_eq!(
            f(
                Some("791028302728"),
                Some("940140000385"),
                Some("791028302728"),
                None
            ),
            Err(NotThisBody)
        );
        assert_eq!(
            f(
                Some("791028302728"),
                Some("940140000385"),
                Some("791028302728"),
                Some("123456789021")
            ),
            Err(NotThisBody)
        );
    }
}
