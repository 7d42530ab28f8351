//! The check of a CMS SignedData: its content, then every signer in turn — the signed
//! attributes, the signature, the timestamp it carries, the certificate's key usage and its
//! path to a trust anchor. One signer that fails fails the whole.

use crate::algorithms::{verify_raw, Hash};
use crate::role::{may_stamp_time, CertificateRole};
use crate::trust::{self, display_name, TrustStore};
use crate::{oid, to_utc, SignerIdentity, SignerReport, Timestamp, Verified, VerifyError};
use chrono::{DateTime, Utc};
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier, SignerInfo};
use const_oid::ObjectIdentifier;
use der::asn1::OctetString;
use der::{Decode, Encode, Reader, Tagged};
use x509_cert::Certificate;

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

fn unsigned_attr(si: &SignerInfo, id: ObjectIdentifier) -> Option<&der::Any> {
    si.unsigned_attrs
        .as_ref()?
        .iter()
        .find(|a| a.oid == id)
        .and_then(|a| a.values.iter().next())
}

/// A SignedData and its content: the attached content, or the detached one given.
fn open(
    signature: &[u8],
    detached_content: Option<&[u8]>,
) -> Result<(SignedData, Vec<u8>), VerifyError> {
    let der = crate::decode_signature(signature)?;
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
    Ok((sd, content))
}

/// The certificates a SignedData carries.
fn carried_certificates(sd: &SignedData) -> Vec<Certificate> {
    sd.certificates
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
        .unwrap_or_default()
}

pub(crate) fn check(
    signature: &[u8],
    detached_content: Option<&[u8]>,
    trust: Option<&TrustStore>,
    now: DateTime<Utc>,
) -> Result<Verified, VerifyError> {
    if signature.len() > crate::MAX_SIGNATURE_BYTES {
        return Err(crate::too_large());
    }
    let (sd, content) = open(signature, detached_content)?;
    let certs = carried_certificates(&sd);
    let total = sd.signer_infos.0.len();
    if total == 0 {
        return Err(VerifyError::NoSigner);
    }
    let mut signers = Vec::with_capacity(total);
    for (i, si) in sd.signer_infos.0.iter().enumerate() {
        match check_signer(si, &sd, &content, &certs, trust, now) {
            Ok(s) => signers.push(s),
            Err(e) if total == 1 => return Err(e),
            Err(e) => {
                return Err(VerifyError::CoSigner {
                    index: i + 1,
                    total,
                    source: Box::new(e),
                })
            }
        }
    }
    let first = signers[0].clone();
    Ok(Verified {
        signer: first.identity,
        chain: first.chain,
        signing_time: first.signing_time,
        content,
        digest_algorithm: first.digest_algorithm,
        signature_algorithm: first.signature_algorithm,
        role: first.role,
        timestamp: first.timestamp,
        revocation: first.revocation,
        signers,
    })
}

/// ESSCertIDv2 (RFC 5035): the hash of the signer's certificate, SHA-256 unless named.
#[derive(der::Sequence)]
struct EssCertIdV2 {
    #[asn1(optional = "true")]
    hash_algorithm: Option<x509_cert::spki::AlgorithmIdentifierOwned>,
    cert_hash: OctetString,
    #[asn1(optional = "true")]
    issuer_serial: Option<der::Any>,
}

#[derive(der::Sequence)]
struct SigningCertificateV2 {
    certs: Vec<EssCertIdV2>,
    #[asn1(optional = "true")]
    policies: Option<der::Any>,
}

/// A signingCertificateV2 attribute, when present, must name the certificate that signed.
fn check_signing_certificate(si: &SignerInfo, signer: &Certificate) -> Result<(), VerifyError> {
    let Some(value) = attr(si, oid::SIGNING_CERTIFICATE_V2) else {
        return Ok(());
    };
    let sc = value
        .decode_as::<SigningCertificateV2>()
        .map_err(|e| VerifyError::BadAttributes(format!("signing certificate: {e}")))?;
    let Some(first) = sc.certs.first() else {
        return Err(VerifyError::BadAttributes(
            "signing certificate attribute is empty".into(),
        ));
    };
    let hash = match &first.hash_algorithm {
        None => Hash::Sha256,
        Some(a) => match Hash::from_oid(&a.oid) {
            Ok(h) => h,
            // An algorithm we do not know proves nothing either way.
            Err(_) => return Ok(()),
        },
    };
    let der = signer
        .to_der()
        .map_err(|e| VerifyError::BadAttributes(e.to_string()))?;
    if hash.digest(&der) != first.cert_hash.as_bytes() {
        return Err(VerifyError::SigningCertificateMismatch);
    }
    Ok(())
}

fn check_signer(
    si: &SignerInfo,
    sd: &SignedData,
    content: &[u8],
    certs: &[Certificate],
    trust: Option<&TrustStore>,
    now: DateTime<Utc>,
) -> Result<SignerReport, VerifyError> {
    let signer = find_signer_cert(certs, &si.sid).ok_or(VerifyError::SignerCertificateMissing)?;
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
            if md.as_bytes() != digest_alg.digest(content).as_slice() {
                return Err(VerifyError::ContentTampered);
            }
            if let Some(t) = attr(si, oid::SIGNING_TIME) {
                let t = t
                    .to_der()
                    .and_then(|d| x509_cert::time::Time::from_der(&d))
                    .map_err(|e| VerifyError::BadAttributes(format!("signing time: {e}")))?;
                signing_time = Some(to_utc(&t));
            }
            check_signing_certificate(si, signer)?;
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
            content.to_vec()
        }
    };
    let signature_algorithm = verify_raw(
        &signer.tbs_certificate.subject_public_key_info,
        &si.signature_algorithm,
        Some(&si.digest_alg.oid),
        &signed_message,
        si.signature.as_bytes(),
    )?;

    // A timestamp over the signature (NCALayer adds one) gives the signing time.
    let timestamp = match unsigned_attr(si, oid::TIMESTAMP_TOKEN) {
        Some(token) => Some(check_timestamp(token, si.signature.as_bytes(), trust, now)?),
        None => None,
    };
    if let Some(ts) = &timestamp {
        signing_time = Some(ts.time);
    }

    let (chain, revocation, issuer) = match trust {
        Some(trust) => {
            // The signer may sign: digitalSignature or nonRepudiation.
            trust::check_signing_key_usage(signer)?;
            // Path, validity (at signing time and now), CA flags, revocation.
            let at_signing = signing_time.unwrap_or(now).min(now);
            let path = trust.validate_path(signer, certs, at_signing, now)?;
            (path.chain, path.revocation, path.issuer.to_der().ok())
        }
        None => (Vec::new(), None, None),
    };
    Ok(SignerReport {
        identity: SignerIdentity::from_certificate(signer)?,
        chain,
        role: CertificateRole::of(signer),
        signing_time,
        timestamp,
        revocation,
        digest_algorithm: digest_alg.name(),
        signature_algorithm,
        certificate: signer.to_der().unwrap_or_default(),
        issuer,
    })
}

/// MessageImprint (RFC 3161 §2.4.1).
#[derive(der::Sequence)]
struct MessageImprint {
    hash_algorithm: x509_cert::spki::AlgorithmIdentifierOwned,
    hashed_message: OctetString,
}

/// The leading fields of TSTInfo (RFC 3161 §2.4.2) that the check needs.
struct TstInfo {
    policy: ObjectIdentifier,
    imprint: MessageImprint,
    serial: Vec<u8>,
    gen_time: DateTime<Utc>,
}

/// GeneralizedTime as a TSA writes it: `YYYYMMDDHHMMSS[.f…]Z`.
fn generalized_time(bytes: &[u8]) -> Option<DateTime<Utc>> {
    let s = std::str::from_utf8(bytes).ok()?;
    let s = s.strip_suffix('Z')?;
    let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
    let t = chrono::NaiveDateTime::parse_from_str(whole, "%Y%m%d%H%M%S").ok()?;
    let nanos: u32 = if fraction.is_empty() {
        0
    } else {
        let digits: String = fraction.chars().take(9).collect();
        let n: u32 = digits.parse().ok()?;
        n * 10u32.pow(9 - digits.len() as u32)
    };
    Some(t.and_utc() + chrono::Duration::nanoseconds(i64::from(nanos)))
}

fn parse_tst_info(der: &[u8]) -> Result<TstInfo, der::Error> {
    let mut r = der::SliceReader::new(der)?;
    r.sequence(|r| {
        let _version: der::asn1::Int = r.decode()?;
        let policy: ObjectIdentifier = r.decode()?;
        let imprint: MessageImprint = r.decode()?;
        let serial: der::asn1::Int = r.decode()?;
        let gen: der::Any = r.decode()?;
        let gen_time = if gen.tag() == der::Tag::GeneralizedTime {
            generalized_time(gen.value())
        } else {
            None
        }
        .ok_or_else(|| der::Error::from(der::ErrorKind::DateTime))?;
        // accuracy, ordering, nonce, tsa, extensions: not needed.
        while !r.is_finished() {
            let _: der::Any = r.decode()?;
        }
        Ok(TstInfo {
            policy,
            imprint,
            serial: serial.as_bytes().to_vec(),
            gen_time,
        })
    })
}

/// An RFC 3161 timestamp token over `signature`: a SignedData of TSTInfo by a timestamping
/// authority (extended key usage timeStamping) whose path leads to a trusted root — the
/// deployment's, or NCA RK's production roots (NCA's TSA stamps test signatures too) — and
/// whose message imprint is the digest of the signature value.
fn check_timestamp(
    token: &der::Any,
    signature: &[u8],
    trust: Option<&TrustStore>,
    now: DateTime<Utc>,
) -> Result<Timestamp, VerifyError> {
    let bad = |m: String| VerifyError::BadTimestamp(m);
    let der = token.to_der().map_err(|e| bad(e.to_string()))?;
    let (sd, content) = open(&der, None).map_err(|e| bad(e.to_string()))?;
    if sd.encap_content_info.econtent_type != oid::TST_INFO {
        return Err(bad("the token does not hold a TSTInfo".into()));
    }
    let tst = parse_tst_info(&content).map_err(|e| bad(format!("TSTInfo: {e}")))?;
    let hash = Hash::from_oid(&tst.imprint.hash_algorithm.oid).map_err(|e| bad(e.to_string()))?;
    if hash.digest(signature) != tst.imprint.hashed_message.as_bytes() {
        return Err(bad(
            "it stamps another signature (the message imprint differs)".into(),
        ));
    }
    let certs = carried_certificates(&sd);
    let si = sd
        .signer_infos
        .0
        .iter()
        .next()
        .ok_or_else(|| bad("the token has no signer".into()))?;
    // The token's own signature; then the authority's path, to the deployment's roots or NCA
    // RK's production roots.
    check_signer(si, &sd, &content, &certs, None, now).map_err(|e| bad(e.to_string()))?;
    let tsa = find_signer_cert(&certs, &si.sid).ok_or_else(|| bad("no TSA certificate".into()))?;
    if !may_stamp_time(tsa) {
        return Err(bad("its signer is not a timestamping authority".into()));
    }
    if let Some(t) = trust {
        let at = tst.gen_time.min(now);
        trust::validate_path_in(&[t, trust::nca_production()], tsa, &certs, at, now)
            .map_err(|e| bad(format!("the authority's certificate: {e}")))?;
    }
    Ok(Timestamp {
        time: tst.gen_time,
        authority: display_name(&tsa.tbs_certificate.subject),
        serial: hex::encode(&tst.serial),
        policy: tst.policy.to_string(),
    })
}
