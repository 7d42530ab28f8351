//! Electronic signatures: verification of CMS / CAdES-BES signatures (attached or detached,
//! DER, PEM or base64), the certificate path to configured trust anchors, validity at signing
//! time and now, key usage, revocation by CRL, and the signer's identity from a
//! Kazakhstan-style certificate subject (IIN, BIN, surname, patronymic, organisation).
//!
//! Every failure is a distinct [`VerifyError`] with a sentence a person can act on; EA-07 item 2
//! shows it to the applicant. The math is `ring`'s; parsing is RustCrypto's `cms`/`x509-cert`.
//! Algorithms: RSA PKCS#1 v1.5 and PSS (salt = hash length) with SHA-256/384/512, ECDSA P-256
//! and P-384. Other algorithms (GOST) are refused by name, so one can be added.

mod identity;
pub mod sign;
mod trust;

pub use identity::SignerIdentity;
pub use trust::{parse_certificates, parse_crl as trust_crl, TrustError, TrustStore};

use chrono::{DateTime, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode};
use sha2::Digest;
use x509_cert::Certificate;

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

/// A signature that passed every check.
#[derive(Debug, Clone)]
pub struct Verified {
    pub signer: SignerIdentity,
    /// From the signer up to the trust anchor.
    pub chain: Vec<ChainLink>,
    pub signing_time: Option<DateTime<Utc>>,
    /// The signed document (the attached content, or the detached content given).
    pub content: Vec<u8>,
    pub digest_algorithm: &'static str,
    pub signature_algorithm: &'static str,
}

/// Decodes a signature file given as DER, PEM (`-----BEGIN CMS-----` / `PKCS7`) or base64.
pub fn decode_signature(bytes: &[u8]) -> Result<Vec<u8>, VerifyError> {
    use base64::Engine;
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

pub(crate) fn to_utc(t: &x509_cert::time::Time) -> DateTime<Utc> {
    let d = t.to_unix_duration();
    DateTime::from_timestamp(i64::try_from(d.as_secs()).unwrap_or(i64::MAX), 0).unwrap_or_default()
}

#[derive(Clone, Copy)]
enum Hash {
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_oid(o: &ObjectIdentifier) -> Result<Self, VerifyError> {
        match *o {
            oid::SHA256 => Ok(Hash::Sha256),
            oid::SHA384 => Ok(Hash::Sha384),
            oid::SHA512 => Ok(Hash::Sha512),
            oid::SHA1 => Err(VerifyError::UnsupportedAlgorithm("SHA-1 (too weak)".into())),
            other => Err(VerifyError::UnsupportedAlgorithm(format!("digest {other}"))),
        }
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
        }
    }
}

#[derive(der::Sequence)]
struct PssParams {
    #[asn1(context_specific = "0", tag_mode = "EXPLICIT", optional = "true")]
    hash: Option<x509_cert::spki::AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "1", tag_mode = "EXPLICIT", optional = "true")]
    mgf: Option<x509_cert::spki::AlgorithmIdentifierOwned>,
    #[asn1(context_specific = "2", tag_mode = "EXPLICIT", optional = "true")]
    salt: Option<u32>,
    #[asn1(context_specific = "3", tag_mode = "EXPLICIT", optional = "true")]
    trailer: Option<u32>,
}

/// Verifies `signature` made by the key in `spki` over `message`, choosing the algorithm from
/// `alg` (a signature algorithm, or `rsaEncryption`/`ecPublicKey` with `digest`).
pub(crate) fn verify_raw(
    spki: &x509_cert::spki::SubjectPublicKeyInfoOwned,
    alg: &x509_cert::spki::AlgorithmIdentifierOwned,
    digest: Option<&ObjectIdentifier>,
    message: &[u8],
    signature: &[u8],
) -> Result<&'static str, VerifyError> {
    use ring::signature as s;
    let key_oid = spki.algorithm.oid;
    let key = spki.subject_public_key.raw_bytes();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
    let hash = |d: Option<&ObjectIdentifier>| -> Result<Hash, VerifyError> {
        Hash::from_oid(d.ok_or_else(|| VerifyError::UnsupportedAlgorithm("missing digest".into()))?)
    };
    let (algorithm, name): (&dyn s::VerificationAlgorithm, &'static str) = match (alg.oid, key_oid)
    {
        (oid::RSA_SHA256, oid::RSA) => (&s::RSA_PKCS1_2048_8192_SHA256, "RSA PKCS#1 v1.5 SHA-256"),
        (oid::RSA_SHA384, oid::RSA) => (&s::RSA_PKCS1_2048_8192_SHA384, "RSA PKCS#1 v1.5 SHA-384"),
        (oid::RSA_SHA512, oid::RSA) => (&s::RSA_PKCS1_2048_8192_SHA512, "RSA PKCS#1 v1.5 SHA-512"),
        (oid::RSA, oid::RSA) => match hash(digest)? {
            Hash::Sha256 => (&s::RSA_PKCS1_2048_8192_SHA256, "RSA PKCS#1 v1.5 SHA-256"),
            Hash::Sha384 => (&s::RSA_PKCS1_2048_8192_SHA384, "RSA PKCS#1 v1.5 SHA-384"),
            Hash::Sha512 => (&s::RSA_PKCS1_2048_8192_SHA512, "RSA PKCS#1 v1.5 SHA-512"),
        },
        (oid::RSA_PSS, oid::RSA | oid::RSA_PSS) => {
            let params = alg
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<PssParams>().ok())
                .ok_or_else(|| {
                    VerifyError::UnsupportedAlgorithm("RSA-PSS without parameters".into())
                })?;
            let h = params.hash.map(|a| a.oid).unwrap_or(oid::SHA1);
            let h = Hash::from_oid(&h)?;
            let expected_salt = match h {
                Hash::Sha256 => 32,
                Hash::Sha384 => 48,
                Hash::Sha512 => 64,
            };
            if params.salt.unwrap_or(20) != expected_salt {
                return Err(VerifyError::UnsupportedAlgorithm(
                    "RSA-PSS with a salt length other than the hash length".into(),
                ));
            }
            let _ = (params.mgf, params.trailer);
            match h {
                Hash::Sha256 => (&s::RSA_PSS_2048_8192_SHA256, "RSA-PSS SHA-256"),
                Hash::Sha384 => (&s::RSA_PSS_2048_8192_SHA384, "RSA-PSS SHA-384"),
                Hash::Sha512 => (&s::RSA_PSS_2048_8192_SHA512, "RSA-PSS SHA-512"),
            }
        }
        (
            a @ (oid::ECDSA_SHA256 | oid::ECDSA_SHA384 | oid::ECDSA_SHA512 | oid::EC_PUBLIC_KEY),
            oid::EC_PUBLIC_KEY,
        ) => {
            let h = match a {
                oid::ECDSA_SHA256 => Hash::Sha256,
                oid::ECDSA_SHA384 => Hash::Sha384,
                oid::ECDSA_SHA512 => Hash::Sha512,
                _ => hash(digest)?,
            };
            match (curve, h) {
                (Some(oid::P256), Hash::Sha256) => {
                    (&s::ECDSA_P256_SHA256_ASN1, "ECDSA P-256 SHA-256")
                }
                (Some(oid::P256), Hash::Sha384) => {
                    (&s::ECDSA_P256_SHA384_ASN1, "ECDSA P-256 SHA-384")
                }
                (Some(oid::P384), Hash::Sha384) => {
                    (&s::ECDSA_P384_SHA384_ASN1, "ECDSA P-384 SHA-384")
                }
                (Some(oid::P384), Hash::Sha256) => {
                    (&s::ECDSA_P384_SHA256_ASN1, "ECDSA P-384 SHA-256")
                }
                (c, h) => {
                    return Err(VerifyError::UnsupportedAlgorithm(format!(
                        "ECDSA on curve {} with {}",
                        c.map(|c| c.to_string()).unwrap_or_default(),
                        h.name()
                    )))
                }
            }
        }
        (a, k) => {
            return Err(VerifyError::UnsupportedAlgorithm(format!(
                "signature {a} with key {k}"
            )))
        }
    };
    s::UnparsedPublicKey::new(algorithm, key)
        .verify(message, signature)
        .map(|()| name)
        .map_err(|_| VerifyError::BadSignature)
}

fn find_signer_cert<'a>(
    certs: &'a [Certificate],
    sid: &SignerIdentifier,
) -> Option<&'a Certificate> {
    certs.iter().find(|c| match sid {
        SignerIdentifier::IssuerAndSerialNumber(iasn) => {
            c.tbs_certificate.issuer == iasn.issuer
                && c.tbs_certificate.serial_number == iasn.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(ski) => {
            trust::subject_key_id(c).as_deref() == Some(ski.0.as_bytes())
        }
    })
}

fn attr(si: &SignerInfo, id: ObjectIdentifier) -> Option<&der::Any> {
    si.signed_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == id)
        .and_then(|a| a.values.iter().next())
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
    check(signature, detached_content, Some(trust), now)
}

/// Checks the signature's structure, digest and mathematics only — not the certificate's
/// trust, validity, key usage or revocation. Used to tell an applicant *why* an appeal whose
/// signature is genuine but whose certificate fails is refused (EA-07.2, EA-12); never to
/// accept anything.
pub fn verify_ignoring_trust(
    signature: &[u8],
    detached_content: Option<&[u8]>,
) -> Result<Verified, VerifyError> {
    check(signature, detached_content, None, Utc::now())
}

impl VerifyError {
    /// Whether the signature itself is sound and only the certificate fails (expired, revoked,
    /// untrusted, not for signing): the body refuses registration with this reason (EA-12).
    pub fn is_certificate_problem(&self) -> bool {
        matches!(
            self,
            VerifyError::Expired { .. }
                | VerifyError::NotYetValid { .. }
                | VerifyError::Revoked { .. }
                | VerifyError::UntrustedIssuer { .. }
                | VerifyError::KeyUsageNotForSigning { .. }
                | VerifyError::IssuerNotCa { .. }
                | VerifyError::CrlOutdated { .. }
        )
    }
}

fn check(
    signature: &[u8],
    detached_content: Option<&[u8]>,
    trust: Option<&TrustStore>,
    now: DateTime<Utc>,
) -> Result<Verified, VerifyError> {
    let der = decode_signature(signature)?;
    let ci = ContentInfo::from_der(&der).map_err(|e| VerifyError::NotCms(e.to_string()))?;
    if ci.content_type != oid::SIGNED_DATA {
        return Err(VerifyError::NotSigned);
    }
    let sd: SignedData = ci
        .content
        .decode_as()
        .map_err(|e| VerifyError::NotCms(e.to_string()))?;
    let attached: Option<Vec<u8>> = match &sd.encap_content_info.econtent {
        Some(any) => Some(
            any.decode_as::<OctetString>()
                .map_err(|e| VerifyError::NotCms(format!("content: {e}")))?
                .into_bytes(),
        ),
        None => None,
    };
    let content = match (attached, detached_content) {
        (Some(a), Some(d)) if a != d => return Err(VerifyError::ContentTampered),
        (Some(a), _) => a,
        (None, Some(d)) => d.to_vec(),
        (None, None) => return Err(VerifyError::DetachedWithoutContent),
    };
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or(VerifyError::NoSigner)?;
    let certs: Vec<Certificate> = sd
        .certificates
        .as_ref()
        .map(|set| {
            set.0
                .iter()
                .filter_map(|c| match c {
                    cms::cert::CertificateChoices::Certificate(c) => Some(c.clone()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let signer = find_signer_cert(&certs, &si.sid)
        .ok_or(VerifyError::SignerCertificateMissing)?
        .clone();
    let digest_alg = Hash::from_oid(&si.digest_alg.oid)?;

    // Signed attributes: content type, message digest, signing time (CAdES-BES).
    let mut signing_time = None;
    let signed_message: Vec<u8> = match &si.signed_attrs {
        Some(attrs) => {
            let ct = attr(si, oid::CONTENT_TYPE)
                .and_then(|a| a.decode_as::<ObjectIdentifier>().ok())
                .ok_or_else(|| VerifyError::BadAttributes("no content-type attribute".into()))?;
            if ct != sd.encap_content_info.econtent_type {
                return Err(VerifyError::BadAttributes(
                    "content type does not match".into(),
                ));
            }
            let md = attr(si, oid::MESSAGE_DIGEST)
                .and_then(|a| a.decode_as::<OctetString>().ok())
                .ok_or_else(|| VerifyError::BadAttributes("no message-digest attribute".into()))?;
            if md.as_bytes() != digest_alg.digest(&content).as_slice() {
                return Err(VerifyError::ContentTampered);
            }
            if let Some(t) = attr(si, oid::SIGNING_TIME) {
                let t = t
                    .to_der()
                    .and_then(|d| x509_cert::time::Time::from_der(&d))
                    .map_err(|e| VerifyError::BadAttributes(format!("signing time: {e}")))?;
                signing_time = Some(to_utc(&t));
            }
            attrs
                .to_der()
                .map_err(|e| VerifyError::BadAttributes(e.to_string()))?
        }
        None => {
            if sd.encap_content_info.econtent_type != oid::DATA {
                return Err(VerifyError::BadAttributes(
                    "signed attributes are required for this content type".into(),
                ));
            }
            content.clone()
        }
    };
    let signature_algorithm = verify_raw(
        &signer.tbs_certificate.subject_public_key_info,
        &si.signature_algorithm,
        Some(&si.digest_alg.oid),
        &signed_message,
        si.signature.as_bytes(),
    )?;

    let chain = match trust {
        Some(trust) => {
            // The signer may sign documents.
            trust::check_signing_key_usage(&signer)?;
            // Path, validity (at signing time and now), CA flags, revocation.
            let at_signing = signing_time.unwrap_or(now).min(now);
            trust.validate_path(&signer, &certs, at_signing, now)?
        }
        None => Vec::new(),
    };
    let identity = SignerIdentity::from_certificate(&signer)?;
    Ok(Verified {
        signer: identity,
        chain,
        signing_time,
        content,
        digest_algorithm: digest_alg.name(),
        signature_algorithm,
    })
}
