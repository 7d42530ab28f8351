//! Electronic signatures: verification of CMS / CAdES signatures (attached or detached, DER,
//! PEM or base64) with every signer checked, RFC 3161 timestamps inside them, the certificate
//! path to configured trust anchors, validity at signing time and now, key usage and NCA RK
//! roles, revocation by CRL, and the signer's identity from a Kazakhstan-style certificate
//! subject (IIN, BIN, surname, patronymic, organisation).
//!
//! Every failure is a distinct [`VerifyError`] with a sentence a person can act on; EA-07 item 2
//! shows it to the applicant. Parsing is RustCrypto's `cms`/`x509-cert`. Algorithms: GOST R
//! 34.10-2015/2012 on the 512- and 256-bit curves with Streebog ([`gost`], both NCA RK's and
//! TC26's identifiers), RSA PKCS#1 v1.5 and PSS with SHA-2, ECDSA P-256 and P-384 (`ring`).

mod algorithms;
mod cms_check;
pub mod gost;
pub mod gost_ca;
mod identity;
pub mod ocsp;
pub mod sign;
mod trust;

mod role;

pub use identity::SignerIdentity;
pub use role::{CertificateRole, EmployeeRole, SubjectKind};
pub use trust::{
    ca_certificates, crl_status, nca_production, nca_test, parse_certificates,
    parse_crl as trust_crl, CaCertificate, CaFileError, CertPath, Revocation, TrustError,
    TrustStore,
};

use chrono::{DateTime, Utc};

pub(crate) mod oid {
    use const_oid::ObjectIdentifier as O;
    pub const SIGNED_DATA: O = O::new_unwrap("1.2.840.113549.1.7.2");
    pub const DATA: O = O::new_unwrap("1.2.840.113549.1.7.1");
    pub const CONTENT_TYPE: O = O::new_unwrap("1.2.840.113549.1.9.3");
    pub const MESSAGE_DIGEST: O = O::new_unwrap("1.2.840.113549.1.9.4");
    pub const SIGNING_TIME: O = O::new_unwrap("1.2.840.113549.1.9.5");
    pub const SHA1: O = O::new_unwrap("1.3.14.3.2.26");
    pub const SHA256: O = O::new_unwrap("2.16.840.1.101.3.4.2.1");
    pub const SHA384: O = O::new_unwrap("2.16.840.1.101.3.4.2.2");
    pub const SHA512: O = O::new_unwrap("2.16.840.1.101.3.4.2.3");
    pub const RSA: O = O::new_unwrap("1.2.840.113549.1.1.1");
    pub const RSA_SHA256: O = O::new_unwrap("1.2.840.113549.1.1.11");
    pub const RSA_SHA384: O = O::new_unwrap("1.2.840.113549.1.1.12");
    pub const RSA_SHA512: O = O::new_unwrap("1.2.840.113549.1.1.13");
    pub const RSA_PSS: O = O::new_unwrap("1.2.840.113549.1.1.10");
    pub const EC_PUBLIC_KEY: O = O::new_unwrap("1.2.840.10045.2.1");
    pub const ECDSA_SHA256: O = O::new_unwrap("1.2.840.10045.4.3.2");
    pub const ECDSA_SHA384: O = O::new_unwrap("1.2.840.10045.4.3.3");
    pub const ECDSA_SHA512: O = O::new_unwrap("1.2.840.10045.4.3.4");
    pub const P256: O = O::new_unwrap("1.2.840.10045.3.1.7");
    pub const P384: O = O::new_unwrap("1.3.132.0.34");
    pub const KEY_USAGE: O = O::new_unwrap("2.5.29.15");
    pub const BASIC_CONSTRAINTS: O = O::new_unwrap("2.5.29.19");
    pub const SUBJECT_KEY_ID: O = O::new_unwrap("2.5.29.14");
    pub const TIMESTAMP_TOKEN: O = O::new_unwrap("1.2.840.113549.1.9.16.2.14");
    pub const TST_INFO: O = O::new_unwrap("1.2.840.113549.1.9.16.1.4");
    pub const SIGNING_CERTIFICATE_V2: O = O::new_unwrap("1.2.840.113549.1.9.16.2.47");
}

/// Why a signature is not accepted. Each variant is one reason, told in plain words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the file is not an electronic signature (CMS): {0}")]
    NotCms(String),
    #[error("the file is a CMS message but not a signed one")]
    NotSigned,
    #[error("the signature contains no signer")]
    NoSigner,
    #[error("the signature is detached and the signed document was not provided")]
    DetachedWithoutContent,
    #[error("the document was changed after it was signed (its digest does not match the signed digest)")]
    ContentTampered,
    #[error(
        "the signature does not match the signer's key (signed with a different key, or damaged)"
    )]
    BadSignature,
    #[error("the signer's certificate is not included in the signature")]
    SignerCertificateMissing,
    #[error("the signature uses an algorithm that is not supported: {0}")]
    UnsupportedAlgorithm(String),
    #[error("the signed attributes are malformed: {0}")]
    BadAttributes(String),
    #[error("the certificate of {subject} expired on {not_after}")]
    Expired {
        subject: String,
        not_after: DateTime<Utc>,
    },
    #[error("the certificate of {subject} is valid only from {not_before}")]
    NotYetValid {
        subject: String,
        not_before: DateTime<Utc>,
    },
    #[error("the certificate of {subject} was revoked on {revoked_at}")]
    Revoked {
        subject: String,
        revoked_at: DateTime<Utc>,
    },
    #[error("the certificate of {subject} was not issued by a trusted certification authority")]
    UntrustedIssuer { subject: String },
    #[error("the certificate of {subject} is not allowed to sign documents (key usage lacks digitalSignature and nonRepudiation)")]
    KeyUsageNotForSigning { subject: String },
    #[error("the issuer {subject} is not a certification authority")]
    IssuerNotCa { subject: String },
    #[error("the revocation list of {issuer} is out of date (next update was {next_update})")]
    CrlOutdated {
        issuer: String,
        next_update: DateTime<Utc>,
    },
    #[error("the certificate's IIN/BIN is not valid: {0}")]
    BadIdentity(String),
    #[error("the timestamp in the signature is not valid: {0}")]
    BadTimestamp(String),
    #[error("the signed attributes name another certificate than the one that signed")]
    SigningCertificateMismatch,
    #[error("the certificate of {subject} is for signing in only (authentication), not for signing documents")]
    AuthenticationOnly { subject: String },
    #[error("{subject} may not sign for {organisation}: the certificate gives neither the first head's role nor the right to sign")]
    RoleNotAllowed {
        subject: String,
        organisation: String,
    },
    #[error("the revocation of the certificate of {subject} could not be checked: {reason}")]
    RevocationUnknown { subject: String, reason: String },
    #[error("signature {index} of {total}: {source}")]
    CoSigner {
        index: usize,
        total: usize,
        source: Box<VerifyError>,
    },
}

impl VerifyError {
    /// A stable key for translations and logs.
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::NotCms(_) => "not_cms",
            VerifyError::NotSigned => "not_signed",
            VerifyError::NoSigner => "no_signer",
            VerifyError::DetachedWithoutContent => "detached_without_content",
            VerifyError::ContentTampered => "content_tampered",
            VerifyError::BadSignature => "bad_signature",
            VerifyError::SignerCertificateMissing => "signer_certificate_missing",
            VerifyError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            VerifyError::BadAttributes(_) => "bad_attributes",
            VerifyError::Expired { .. } => "expired",
            VerifyError::NotYetValid { .. } => "not_yet_valid",
            VerifyError::Revoked { .. } => "revoked",
            VerifyError::UntrustedIssuer { .. } => "untrusted_issuer",
            VerifyError::KeyUsageNotForSigning { .. } => "key_usage",
            VerifyError::IssuerNotCa { .. } => "issuer_not_ca",
            VerifyError::CrlOutdated { .. } => "crl_outdated",
            VerifyError::BadIdentity(_) => "bad_identity",
            VerifyError::BadTimestamp(_) => "bad_timestamp",
            VerifyError::SigningCertificateMismatch => "signing_certificate_mismatch",
            VerifyError::AuthenticationOnly { .. } => "authentication_only",
            VerifyError::RoleNotAllowed { .. } => "role_not_allowed",
            VerifyError::RevocationUnknown { .. } => "revocation_unknown",
            VerifyError::CoSigner { source, .. } => source.code(),
        }
    }
}

/// One certificate of the verified path, for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainLink {
    pub subject: String,
    pub serial: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// A timestamp (RFC 3161) a signature carries, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timestamp {
    /// The moment the authority vouches for: the signing time.
    pub time: DateTime<Utc>,
    /// The timestamping authority's name.
    pub authority: String,
    pub serial: String,
    pub policy: String,
}

/// One signer of a signature that passed every check.
#[derive(Debug, Clone)]
pub struct SignerReport {
    pub identity: SignerIdentity,
    /// From the signer up to the trust anchor (empty when trust was not checked).
    pub chain: Vec<ChainLink>,
    pub role: CertificateRole,
    /// The timestamp's time when there is one, else the signed attribute's.
    pub signing_time: Option<DateTime<Utc>>,
    pub timestamp: Option<Timestamp>,
    /// How the signer's certificate was checked for revocation (None: no CRL or OCSP answer
    /// for its issuer was at hand).
    pub revocation: Option<Revocation>,
    pub digest_algorithm: &'static str,
    pub signature_algorithm: &'static str,
    /// The signer's certificate (DER).
    pub certificate: Vec<u8>,
    /// Its issuer's certificate (DER), when trust was checked: what an OCSP request or a
    /// fetched CRL is checked against.
    pub issuer: Option<Vec<u8>>,
}

/// A signature that passed every check: every signer's, and the document.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The first signer in the signature's encoding (SignerInfos is a SET, so for a
    /// co-signed document this is not necessarily who signed first; `signers` has them all).
    pub signer: SignerIdentity,
    /// The first signer's path, from the signer up to the trust anchor.
    pub chain: Vec<ChainLink>,
    pub signing_time: Option<DateTime<Utc>>,
    /// The signed document (the attached content, or the detached content given).
    pub content: Vec<u8>,
    pub digest_algorithm: &'static str,
    pub signature_algorithm: &'static str,
    pub role: CertificateRole,
    pub timestamp: Option<Timestamp>,
    pub revocation: Option<Revocation>,
    /// Every signer, in the order of the signature's encoding.
    pub signers: Vec<SignerReport>,
}

impl Verified {
    /// A document (an appeal, a booking, an answer) needs a signing key, and a legal entity's
    /// signer needs the first head's role or the right to sign. Signing in needs neither.
    pub fn require_document_signer(&self) -> Result<(), VerifyError> {
        for s in &self.signers {
            let subject = s.identity.common_name.clone();
            if s.role.authentication_only {
                return Err(VerifyError::AuthenticationOnly { subject });
            }
            if s.identity.bin.is_some() && !s.role.may_sign_for_organisation() {
                return Err(VerifyError::RoleNotAllowed {
                    subject,
                    organisation: s.identity.organization.clone().unwrap_or_default(),
                });
            }
        }
        Ok(())
    }
}

/// Decodes a signature file given as DER, PEM (`-----BEGIN CMS-----` / `PKCS7`) or base64.
pub fn decode_signature(bytes: &[u8]) -> Result<Vec<u8>, VerifyError> {
    use base64::Engine;
    // Base64 is a third longer than the DER it carries, and may be wrapped.
    if bytes.len() > MAX_SIGNATURE_BYTES * 3 / 2 {
        return Err(too_large());
    }
    // DER is binary: never trim it (its last byte may well be a "whitespace" byte).
    if bytes.first() == Some(&0x30) {
        return Ok(bytes.to_vec());
    }
    let trimmed = bytes.trim_ascii();
    let text = std::str::from_utf8(trimmed)
        .map_err(|_| VerifyError::NotCms("neither DER nor text".into()))?;
    let body: String = if text.starts_with("-----BEGIN") {
        text.lines().filter(|l| !l.starts_with("-----")).collect()
    } else {
        text.chars().filter(|c| !c.is_whitespace()).collect()
    };
    base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|e| VerifyError::NotCms(format!("bad base64: {e}")))
}

/// The largest signature taken (its DER): an appeal's signed document (at most a few tens of
/// kilobytes of text and file digests), the chain and a timestamp fit many times over. Anything
/// larger is refused before it is parsed.
pub const MAX_SIGNATURE_BYTES: usize = 1 << 20;

pub(crate) fn too_large() -> VerifyError {
    VerifyError::NotCms(format!(
        "larger than {} KB, more than any signature",
        MAX_SIGNATURE_BYTES / 1024
    ))
}

pub(crate) fn to_utc(t: &x509_cert::time::Time) -> DateTime<Utc> {
    let d = t.to_unix_duration();
    DateTime::from_timestamp(i64::try_from(d.as_secs()).unwrap_or(i64::MAX), 0).unwrap_or_default()
}

/// Checks a signature completely. `detached_content` is the document for a detached
/// signature (ignored, but compared, when the signature carries its content). `now` is
/// passed in: validity and revocation are judged at that moment and at the signing time.
pub fn verify(
    signature: &[u8],
    detached_content: Option<&[u8]>,
    trust: &TrustStore,
    now: DateTime<Utc>,
) -> Result<Verified, VerifyError> {
    cms_check::check(signature, detached_content, Some(trust), now)
}

/// Checks the signature's structure, digest and mathematics only — not the certificate's
/// trust, validity, key usage or revocation. Used to tell an applicant *why* an appeal whose
/// signature is genuine but whose certificate fails is refused (EA-07.2, EA-12); never to
/// accept anything.
pub fn verify_ignoring_trust(
    signature: &[u8],
    detached_content: Option<&[u8]>,
) -> Result<Verified, VerifyError> {
    cms_check::check(signature, detached_content, None, Utc::now())
}

impl VerifyError {
    /// Whether the signature itself is sound and only the certificate fails (expired, revoked,
    /// untrusted, not for signing): the body refuses registration with this reason (EA-12).
    pub fn is_certificate_problem(&self) -> bool {
        if let VerifyError::CoSigner { source, .. } = self {
            return source.is_certificate_problem();
        }
        matches!(
            self,
            VerifyError::Expired { .. }
                | VerifyError::NotYetValid { .. }
                | VerifyError::Revoked { .. }
                | VerifyError::UntrustedIssuer { .. }
                | VerifyError::KeyUsageNotForSigning { .. }
                | VerifyError::IssuerNotCa { .. }
                | VerifyError::CrlOutdated { .. }
                | VerifyError::RevocationUnknown { .. }
        )
    }
}
