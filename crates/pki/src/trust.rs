//! Trust anchors, intermediates and revocation lists, and the certificate path check.

use crate::algorithms::verify_raw;
use crate::{oid, to_utc, ChainLink, VerifyError};
use chrono::{DateTime, Utc};
use der::{Decode, Encode};
use std::path::Path;
use x509_cert::crl::CertificateList;
use x509_cert::ext::pkix::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use x509_cert::Certificate;

/// The roots a deployment trusts, intermediates it knows, and the CRLs it has.
#[derive(Debug, Clone, Default)]
pub struct TrustStore {
    anchors: Vec<Certificate>,
    intermediates: Vec<Certificate>,
    crls: Vec<CertificateList>,
}

#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    #[error("cannot read {path}: {message}")]
    Read { path: String, message: String },
    #[error("{path} is not a certificate or CRL: {message}")]
    Parse { path: String, message: String },
}

/// Every certificate in a PEM or DER file.
/// Text before the first PEM block (as `openssl ca` writes without `-notext`) is skipped.
pub fn parse_certificates(bytes: &[u8]) -> Result<Vec<Certificate>, String> {
    if let Some(at) = bytes.windows(10).position(|w| w == b"-----BEGIN") {
        Certificate::load_pem_chain(&bytes[at..]).map_err(|e| e.to_string())
    } else {
        Certificate::from_der(bytes)
            .map(|c| vec![c])
            .map_err(|e| e.to_string())
    }
}

/// A CRL in PEM or DER.
pub fn parse_crl(bytes: &[u8]) -> Result<CertificateList, String> {
    if bytes.trim_ascii_start().starts_with(b"-----BEGIN") {
        let (_, der) = der::pem::decode_vec(bytes.trim_ascii()).map_err(|e| e.to_string())?;
        CertificateList::from_der(&der).map_err(|e| e.to_string())
    } else {
        CertificateList::from_der(bytes).map_err(|e| e.to_string())
    }
}

pub(crate) fn subject_key_id(c: &Certificate) -> Option<Vec<u8>> {
    extension(c, oid::SUBJECT_KEY_ID)
        .and_then(|v| SubjectKeyIdentifier::from_der(v).ok())
        .map(|s| s.0.as_bytes().to_vec())
}

/// The value of a certificate's extension `id`.
pub(crate) fn extension(c: &Certificate, id: const_oid::ObjectIdentifier) -> Option<&[u8]> {
    c.tbs_certificate
        .extensions
        .as_ref()?
        .iter()
        .find(|e| e.extn_id == id)
        .map(|e| e.extn_value.as_bytes())
}

pub(crate) fn display_name(name: &x509_cert::name::Name) -> String {
    crate::identity::attribute(name, const_oid::db::rfc4519::CN).unwrap_or_else(|| name.to_string())
}

fn is_self_issued(c: &Certificate) -> bool {
    c.tbs_certificate.issuer == c.tbs_certificate.subject
}

fn link(c: &Certificate) -> ChainLink {
    ChainLink {
        subject: display_name(&c.tbs_certificate.subject),
        serial: hex::encode(c.tbs_certificate.serial_number.as_bytes()),
        not_before: to_utc(&c.tbs_certificate.validity.not_before),
        not_after: to_utc(&c.tbs_certificate.validity.not_after),
    }
}

/// Whether `issuer`'s key signed `cert`.
fn signed_by(cert: &Certificate, issuer: &Certificate) -> bool {
    let Ok(tbs) = cert.tbs_certificate.to_der() else {
        return false;
    };
    verify_raw(
        &issuer.tbs_certificate.subject_public_key_info,
        &cert.signature_algorithm,
        None,
        &tbs,
        cert.signature.raw_bytes(),
    )
    .is_ok()
}

fn check_validity(
    c: &Certificate,
    at_signing: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), VerifyError> {
    let l = link(c);
    if at_signing < l.not_before {
        return Err(VerifyError::NotYetValid {
            subject: l.subject,
            not_before: l.not_before,
        });
    }
    if at_signing > l.not_after || now > l.not_after {
        return Err(VerifyError::Expired {
            subject: l.subject,
            not_after: l.not_after,
        });
    }
    Ok(())
}

/// The signer's certificate must allow signing: digitalSignature or nonRepudiation.
pub(crate) fn check_signing_key_usage(c: &Certificate) -> Result<(), VerifyError> {
    let ok = extension(c, oid::KEY_USAGE)
        .and_then(|v| KeyUsage::from_der(v).ok())
        .is_some_and(|ku| ku.digital_signature() || ku.non_repudiation());
    if ok {
        Ok(())
    } else {
        Err(VerifyError::KeyUsageNotForSigning {
            subject: display_name(&c.tbs_certificate.subject),
        })
    }
}

fn check_ca(c: &Certificate) -> Result<(), VerifyError> {
    let is_ca = extension(c, oid::BASIC_CONSTRAINTS)
        .and_then(|v| BasicConstraints::from_der(v).ok())
        .is_some_and(|b| b.ca);
    let may_sign_certs = extension(c, oid::KEY_USAGE)
        .and_then(|v| KeyUsage::from_der(v).ok())
        .is_none_or(|ku| ku.key_cert_sign());
    if is_ca && may_sign_certs {
        Ok(())
    } else {
        Err(VerifyError::IssuerNotCa {
            subject: display_name(&c.tbs_certificate.subject),
        })
    }
}

impl TrustStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Loads every `.pem`, `.crt`, `.cer` and `.der` certificate in `dir`: self-signed ones
    /// are trust anchors, the others intermediates; `.crl` files are revocation lists.
    pub fn from_dir(dir: &Path) -> Result<Self, TrustError> {
        let mut s = Self::new();
        let read_err = |p: &Path, e: std::io::Error| TrustError::Read {
            path: p.display().to_string(),
            message: e.to_string(),
        };
        let mut paths: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| read_err(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        paths.sort();
        for p in paths {
            let ext = p
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or("")
                .to_ascii_lowercase();
            if !matches!(ext.as_str(), "pem" | "crt" | "cer" | "der" | "crl") {
                continue;
            }
            let bytes = std::fs::read(&p).map_err(|e| read_err(&p, e))?;
            let parse_err = |message: String| TrustError::Parse {
                path: p.display().to_string(),
                message,
            };
            if ext == "crl" {
                s.add_crl(parse_crl(&bytes).map_err(parse_err)?);
            } else {
                for c in parse_certificates(&bytes).map_err(parse_err)? {
                    s.add_certificate(c);
                }
            }
        }
        Ok(s)
    }

    /// Adds a certificate: self-signed ones become anchors, the rest intermediates.
    pub fn add_certificate(&mut self, c: Certificate) {
        if is_self_issued(&c) {
            self.anchors.push(c);
        } else {
            self.intermediates.push(c);
        }
    }

    pub fn add_crl(&mut self, crl: CertificateList) {
        self.crls.push(crl);
    }

    pub fn anchors(&self) -> usize {
        self.anchors.len()
    }

    /// Revocation of `cert` (issued by `issuer`) by the CRLs this store holds: how it was
    /// checked, if it could be.
    fn check_revocation(
        &self,
        cert: &Certificate,
        issuer: &Certificate,
        now: DateTime<Utc>,
    ) -> Result<Option<Revocation>, VerifyError> {
        crl_status(self.crls.iter(), cert, issuer, now)
    }

    /// Builds and checks the path from `signer` to a trust anchor, using certificates carried
    /// in the signature (`carried`) and the store's intermediates.
    pub(crate) fn validate_path(
        &self,
        signer: &Certificate,
        carried: &[Certificate],
        at_signing: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<CertPath, VerifyError> {
        validate_path_in(&[self], signer, carried, at_signing, now)
    }

    /// Adds every anchor, intermediate and CRL of `other`.
    pub fn extend(&mut self, other: &TrustStore) {
        self.anchors.extend(other.anchors.iter().cloned());
        self.intermediates
            .extend(other.intermediates.iter().cloned());
        self.crls.extend(other.crls.iter().cloned());
    }

    /// The trusted roots and known intermediates, for display: (subject, serial, not before,
    /// not after, SHA-256 fingerprint, whether a root).
    pub fn certificates(&self) -> Vec<(ChainLink, String, bool)> {
        self.anchors
            .iter()
            .map(|c| (c, true))
            .chain(self.intermediates.iter().map(|c| (c, false)))
            .map(|(c, root)| (link(c), fingerprint(c), root))
            .collect()
    }

    /// Adds the certificate `der` unless one with its fingerprint is here already.
    pub fn add_der(&mut self, der: &[u8]) -> Result<(), String> {
        let c = Certificate::from_der(der).map_err(|e| e.to_string())?;
        let fp = fingerprint(&c);
        if !self
            .anchors
            .iter()
            .chain(self.intermediates.iter())
            .any(|x| fingerprint(x) == fp)
        {
            self.add_certificate(c);
        }
        Ok(())
    }

    /// This store without the certificates whose SHA-256 fingerprints (lowercase hex) are
    /// given: withdrawn anchors and intermediates no longer vouch for anyone.
    pub fn without(&self, fingerprints: &[String]) -> TrustStore {
        let keep = |c: &&Certificate| !fingerprints.contains(&fingerprint(c));
        TrustStore {
            anchors: self.anchors.iter().filter(keep).cloned().collect(),
            intermediates: self.intermediates.iter().filter(keep).cloned().collect(),
            crls: self.crls.clone(),
        }
    }
}

/// A certificate's SHA-256 fingerprint, lowercase hex.
fn fingerprint(c: &Certificate) -> String {
    use sha2::Digest;
    c.to_der()
        .map(|d| hex::encode(sha2::Sha256::digest(d)))
        .unwrap_or_default()
}

/// A certificate authority's certificate read from a file, ready to be trusted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaCertificate {
    pub der: Vec<u8>,
    pub link: ChainLink,
    /// SHA-256 of the DER, lowercase hex.
    pub fingerprint: String,
    /// Self-signed: a root; otherwise an intermediate.
    pub root: bool,
}

/// Why a file cannot be trusted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaFileError {
    #[error("not a certificate: {0}")]
    NotCertificate(String),
    #[error("{subject} is not a certificate authority's certificate")]
    NotCa { subject: String },
    #[error("{subject} is self-signed but its signature does not verify")]
    BadSelfSignature { subject: String },
}

/// Every certificate of a PEM or DER file, each checked to be a certificate authority's
/// (basic constraints CA; key usage, when present, allowing certificate signing), a self-signed
/// one's signature verified: the first that is not is named.
pub fn ca_certificates(bytes: &[u8]) -> Result<Vec<CaCertificate>, CaFileError> {
    let certs = parse_certificates(bytes).map_err(CaFileError::NotCertificate)?;
    if certs.is_empty() {
        return Err(CaFileError::NotCertificate(
            "no certificate in the file".into(),
        ));
    }
    certs
        .iter()
        .map(|c| {
            let subject = display_name(&c.tbs_certificate.subject);
            check_ca(c).map_err(|_| CaFileError::NotCa {
                subject: subject.clone(),
            })?;
            let root = is_self_issued(c);
            if root && !signed_by(c, c) {
                return Err(CaFileError::BadSelfSignature { subject });
            }
            Ok(CaCertificate {
                der: c
                    .to_der()
                    .map_err(|e| CaFileError::NotCertificate(e.to_string()))?,
                link: link(c),
                fingerprint: fingerprint(c),
                root,
            })
        })
        .collect()
}

/// Revocation of `cert` (issued by `issuer`) by whichever of `crls` its issuer signed: an
/// error when a list names it revoked or is out of date; otherwise the newest list that
/// vouches for it (none when no list of its issuer is among them).
pub fn crl_status<'a>(
    crls: impl Iterator<Item = &'a CertificateList>,
    cert: &Certificate,
    issuer: &Certificate,
    now: DateTime<Utc>,
) -> Result<Option<Revocation>, VerifyError> {
    let mut checked = None;
    for crl in crls {
        if crl.tbs_cert_list.issuer != cert.tbs_certificate.issuer {
            continue;
        }
        let Ok(tbs) = crl.tbs_cert_list.to_der() else {
            continue;
        };
        let genuine = verify_raw(
            &issuer.tbs_certificate.subject_public_key_info,
            &crl.signature_algorithm,
            None,
            &tbs,
            crl.signature.raw_bytes(),
        )
        .is_ok();
        if !genuine {
            continue;
        }
        if let Some(next) = &crl.tbs_cert_list.next_update {
            let next = to_utc(next);
            if next < now {
                return Err(VerifyError::CrlOutdated {
                    issuer: display_name(&crl.tbs_cert_list.issuer),
                    next_update: next,
                });
            }
        }
        let revoked = crl
            .tbs_cert_list
            .revoked_certificates
            .iter()
            .flatten()
            .find(|r| r.serial_number == cert.tbs_certificate.serial_number);
        if let Some(r) = revoked {
            let at = to_utc(&r.revocation_date);
            if at <= now {
                return Err(VerifyError::Revoked {
                    subject: display_name(&cert.tbs_certificate.subject),
                    revoked_at: at,
                });
            }
        }
        let this_update = to_utc(&crl.tbs_cert_list.this_update);
        let newer = match &checked {
            Some(Revocation::Crl { this_update: t, .. }) => this_update > *t,
            _ => true,
        };
        if newer {
            checked = Some(Revocation::Crl {
                issuer: display_name(&crl.tbs_cert_list.issuer),
                this_update,
                next_update: crl.tbs_cert_list.next_update.as_ref().map(to_utc),
            });
        }
    }
    Ok(checked)
}

/// How a certificate's revocation was checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Revocation {
    /// Not on the issuer's revocation list of `this_update`.
    Crl {
        issuer: String,
        this_update: DateTime<Utc>,
        next_update: Option<DateTime<Utc>>,
    },
    /// The issuer's OCSP responder said "good".
    Ocsp {
        responder: String,
        produced_at: DateTime<Utc>,
    },
}

impl std::fmt::Display for Revocation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Revocation::Crl {
                issuer,
                this_update,
                next_update,
            } => {
                write!(f, "CRL of {issuer} of {}", this_update.to_rfc3339())?;
                if let Some(n) = next_update {
                    write!(f, " (next update {})", n.to_rfc3339())?;
                }
                Ok(())
            }
            Revocation::Ocsp {
                responder,
                produced_at,
            } => write!(
                f,
                "OCSP responder {responder}, answer of {}",
                produced_at.to_rfc3339()
            ),
        }
    }
}

/// A checked certification path: the links from the signer to the anchor, and how the
/// signer's own certificate was checked for revocation (none when no CRL or responder of its
/// issuer was at hand).
#[derive(Debug, Clone)]
pub struct CertPath {
    pub chain: Vec<ChainLink>,
    pub revocation: Option<Revocation>,
    /// The signer's issuer (for an OCSP request).
    pub issuer: Certificate,
}

/// The path from `signer` to an anchor of any of `stores`.
pub(crate) fn validate_path_in(
    stores: &[&TrustStore],
    signer: &Certificate,
    carried: &[Certificate],
    at_signing: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<CertPath, VerifyError> {
    check_validity(signer, at_signing, now)?;
    let revocation_by = |cert: &Certificate, issuer: &Certificate| {
        let mut found = None;
        for s in stores {
            if let Some(r) = s.check_revocation(cert, issuer, now)? {
                found = Some(r);
            }
        }
        Ok::<_, VerifyError>(found)
    };
    let mut chain = vec![link(signer)];
    let mut current = signer.clone();
    let mut signer_revocation = None;
    let mut signer_issuer = None;
    for depth in 0..8 {
        let issuer_name = &current.tbs_certificate.issuer;
        let anchor = stores
            .iter()
            .flat_map(|s| s.anchors.iter())
            .find(|a| &a.tbs_certificate.subject == issuer_name && signed_by(&current, a));
        if let Some(anchor) = anchor {
            let r = revocation_by(&current, anchor)?;
            check_validity(anchor, at_signing, now)?;
            chain.push(link(anchor));
            if depth == 0 {
                signer_revocation = r;
                signer_issuer = Some(anchor.clone());
            }
            return Ok(CertPath {
                chain,
                revocation: signer_revocation,
                issuer: signer_issuer.unwrap_or_else(|| anchor.clone()),
            });
        }
        if is_self_issued(&current) {
            break;
        }
        let issuer = carried
            .iter()
            .chain(stores.iter().flat_map(|s| s.intermediates.iter()))
            .find(|c| {
                &c.tbs_certificate.subject == issuer_name
                    && !is_self_issued(c)
                    && signed_by(&current, c)
            })
            .cloned();
        let Some(issuer) = issuer else { break };
        check_ca(&issuer)?;
        let r = revocation_by(&current, &issuer)?;
        check_validity(&issuer, at_signing, now)?;
        chain.push(link(&issuer));
        if depth == 0 {
            signer_revocation = r;
            signer_issuer = Some(issuer.clone());
        }
        current = issuer;
    }
    Err(VerifyError::UntrustedIssuer {
        subject: display_name(&signer.tbs_certificate.subject),
    })
}

/// Certificates shipped with the binary: NCA RK's production GOST 2022 root and issuing CA
/// (`anchors/nca-gost`, see `anchors/README.md` for where they come from).
const NCA_PRODUCTION: [&[u8]; 2] = [
    include_bytes!("../anchors/nca-gost/root_gost_2022.cer"),
    include_bytes!("../anchors/nca-gost/nca_gost_2022.cer"),
];

/// NCA RK's TEST PKI (test.pki.gov.kz): its GOST 2022 root and issuing CA.
const NCA_TEST: [&[u8]; 2] = [
    include_bytes!("../anchors/nca-gost-test/root_test_gost_2022.cer"),
    include_bytes!("../anchors/nca-gost-test/nca_gost2022_test.cer"),
];

fn shipped(ders: &[&[u8]]) -> TrustStore {
    let mut s = TrustStore::new();
    for der in ders {
        // Shipped bytes, checked by a test; a failure here would be a build defect.
        if let Ok(c) = Certificate::from_der(der) {
            s.add_certificate(c);
        }
    }
    s
}

static PRODUCTION: std::sync::LazyLock<TrustStore> =
    std::sync::LazyLock::new(|| shipped(&NCA_PRODUCTION));
static TEST: std::sync::LazyLock<TrustStore> = std::sync::LazyLock::new(|| shipped(&NCA_TEST));

/// The production NCA RK GOST anchors (root and issuing CA), shipped with the binary.
pub fn nca_production() -> &'static TrustStore {
    &PRODUCTION
}

/// The NCA RK TEST PKI's anchors, for `--pki test`.
pub fn nca_test() -> &'static TrustStore {
    &TEST
}
