//! OCSP (RFC 6960) as NCA RK runs it: a request for one certificate, identified by SHA-256
//! hashes of its issuer's name and key and its serial number, with a nonce; the answer is a
//! BasicOCSPResponse signed by the issuer or by a responder the issuer certified for OCSP
//! signing (NCA's «OCSP RESPONDER»). Building the request and checking the answer are here;
//! sending it is the caller's (the server's revocation service, `otinish verify`).

use crate::algorithms::{verify_raw, Hash};
use crate::role::may_sign_ocsp;
use crate::trust::display_name;
use crate::trust::extension;
use crate::VerifyError;
use chrono::{DateTime, Utc};
use const_oid::ObjectIdentifier as Oid;
use der::asn1::OctetString;
use der::{Decode, Encode};
use x509_cert::ext::Extension;
use x509_cert::Certificate;
use x509_ocsp::{
    BasicOcspResponse, CertId, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus, Request,
    ResponderId, TbsRequest,
};

const BASIC: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.1");
const NONCE: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1.2");

/// A request ready to send, and the nonce the answer must carry.
#[derive(Debug, Clone)]
pub struct OcspQuery {
    pub der: Vec<u8>,
    pub nonce: Vec<u8>,
}

/// What the responder says of the certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OcspStatus {
    Good,
    Revoked {
        at: DateTime<Utc>,
        reason: Option<String>,
    },
    Unknown,
}

/// A checked answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OcspAnswer {
    pub status: OcspStatus,
    pub produced_at: DateTime<Utc>,
    pub this_update: DateTime<Utc>,
    pub next_update: Option<DateTime<Utc>>,
    /// Who signed the answer.
    pub responder: String,
}

fn bad(m: impl Into<String>) -> VerifyError {
    VerifyError::RevocationUnknown {
        subject: String::new(),
        reason: m.into(),
    }
}

fn utc(t: &x509_ocsp::OcspGeneralizedTime) -> DateTime<Utc> {
    let d = t.0.to_unix_duration();
    DateTime::from_timestamp(i64::try_from(d.as_secs()).unwrap_or(i64::MAX), 0).unwrap_or_default()
}

/// The identifier of a certificate (by its serial) issued by `issuer`, hashed with `hash`.
fn cert_id(
    issuer: &Certificate,
    serial: &x509_cert::serial_number::SerialNumber,
    hash: Hash,
    alg: x509_cert::spki::AlgorithmIdentifierOwned,
) -> Result<CertId, VerifyError> {
    let name = issuer
        .tbs_certificate
        .subject
        .to_der()
        .map_err(|e| bad(e.to_string()))?;
    let key = issuer
        .tbs_certificate
        .subject_public_key_info
        .subject_public_key
        .raw_bytes();
    Ok(CertId {
        hash_algorithm: alg,
        issuer_name_hash: OctetString::new(hash.digest(&name)).map_err(|e| bad(e.to_string()))?,
        issuer_key_hash: OctetString::new(hash.digest(key)).map_err(|e| bad(e.to_string()))?,
        serial_number: serial.clone(),
    })
}

/// A request for `cert` (issued by `issuer`) with a fresh 16-byte nonce.
pub fn request(cert: &Certificate, issuer: &Certificate) -> Result<OcspQuery, VerifyError> {
    use ring::rand::SecureRandom;
    let mut nonce = vec![0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| bad("no randomness for the nonce"))?;
    let id = cert_id(
        issuer,
        &cert.tbs_certificate.serial_number,
        Hash::Sha256,
        x509_cert::spki::AlgorithmIdentifierOwned {
            oid: crate::oid::SHA256,
            parameters: None,
        },
    )?;
    let value = OctetString::new(nonce.clone())
        .and_then(|n| n.to_der())
        .and_then(OctetString::new)
        .map_err(|e| bad(e.to_string()))?;
    let req = OcspRequest {
        tbs_request: TbsRequest {
            version: Default::default(),
            requestor_name: None,
            request_list: vec![Request {
                req_cert: id,
                single_request_extensions: None,
            }],
            request_extensions: Some(vec![Extension {
                extn_id: NONCE,
                critical: false,
                extn_value: value,
            }]),
        },
        optional_signature: None,
    };
    Ok(OcspQuery {
        der: req.to_der().map_err(|e| bad(e.to_string()))?,
        nonce,
    })
}

/// Checks `response` for the certificate with `serial` issued by `issuer`: a successful basic
/// response, signed by the issuer or by a responder it certified for OCSP (valid `now`), for
/// this certificate, carrying `nonce` when one was sent, and current.
pub fn check(
    response: &[u8],
    serial: &x509_cert::serial_number::SerialNumber,
    issuer: &Certificate,
    nonce: Option<&[u8]>,
    now: DateTime<Utc>,
) -> Result<OcspAnswer, VerifyError> {
    let r =
        OcspResponse::from_der(response).map_err(|e| bad(format!("not an OCSP response: {e}")))?;
    if r.response_status != OcspResponseStatus::Successful {
        return Err(bad(format!(
            "the responder answered {:?}",
            r.response_status
        )));
    }
    let bytes = r
        .response_bytes
        .ok_or_else(|| bad("a successful answer without a response"))?;
    if bytes.response_type != BASIC {
        return Err(bad(format!("response type {}", bytes.response_type)));
    }
    let basic = BasicOcspResponse::from_der(bytes.response.as_bytes())
        .map_err(|e| bad(format!("basic response: {e}")))?;
    let tbs = basic
        .tbs_response_data
        .to_der()
        .map_err(|e| bad(e.to_string()))?;

    // Who signed: the issuer itself, or a responder certificate it issued for OCSP signing.
    let names = |c: &Certificate| match &basic.tbs_response_data.responder_id {
        ResponderId::ByName(n) => &c.tbs_certificate.subject == n,
        ResponderId::ByKey(k) => {
            use sha2::Digest;
            let key = c
                .tbs_certificate
                .subject_public_key_info
                .subject_public_key
                .raw_bytes();
            sha2::Sha256::digest(key).as_slice() == k.as_bytes()
                || Hash::Streebog(crate::gost::Streebog::S256).digest(key) == k.as_bytes()
                || ring::digest::digest(&ring::digest::SHA1_FOR_LEGACY_USE_ONLY, key).as_ref()
                    == k.as_bytes()
        }
    };
    let signer = if names(issuer) {
        issuer.clone()
    } else {
        let delegate = basic
            .certs
            .iter()
            .flatten()
            .find(|c| names(c))
            .ok_or_else(|| bad("the responder's certificate is not in the answer"))?;
        let delegate_tbs = delegate
            .tbs_certificate
            .to_der()
            .map_err(|e| bad(e.to_string()))?;
        verify_raw(
            &issuer.tbs_certificate.subject_public_key_info,
            &delegate.signature_algorithm,
            None,
            &delegate_tbs,
            delegate.signature.raw_bytes(),
        )
        .map_err(|_| bad("the responder was not certified by the certificate's issuer"))?;
        if !may_sign_ocsp(delegate) {
            return Err(bad("the responder's certificate is not for OCSP signing"));
        }
        let from = crate::to_utc(&delegate.tbs_certificate.validity.not_before);
        let to = crate::to_utc(&delegate.tbs_certificate.validity.not_after);
        if now < from || now > to {
            return Err(bad("the responder's certificate is not valid now"));
        }
        delegate.clone()
    };
    verify_raw(
        &signer.tbs_certificate.subject_public_key_info,
        &basic.signature_algorithm,
        None,
        &tbs,
        basic.signature.raw_bytes(),
    )
    .map_err(|_| bad("the answer's signature does not verify"))?;

    if let Some(sent) = nonce {
        let got = basic
            .nonce()
            .ok_or_else(|| bad("the answer carries no nonce"))?;
        if got.0.as_bytes() != sent {
            return Err(bad("the answer carries another nonce (a replay)"));
        }
    }

    // The single response for this certificate, whatever hash the responder used.
    let single = basic
        .tbs_response_data
        .responses
        .iter()
        .find(|s| {
            Hash::from_oid(&s.cert_id.hash_algorithm.oid).is_ok_and(|h| {
                cert_id(issuer, serial, h, s.cert_id.hash_algorithm.clone())
                    .is_ok_and(|id| id == s.cert_id)
            })
        })
        .ok_or_else(|| bad("the answer is about another certificate"))?;
    let this_update = utc(&single.this_update);
    let next_update = single.next_update.as_ref().map(utc);
    let skew = chrono::Duration::minutes(5);
    if this_update > now + skew {
        return Err(bad("the answer is dated in the future"));
    }
    match next_update {
        Some(n) if n + skew < now => return Err(bad("the answer is out of date")),
        None if nonce.is_none() && now - this_update > chrono::Duration::hours(24) => {
            return Err(bad("the answer is more than a day old"))
        }
        _ => {}
    }
    let status = match single.cert_status {
        CertStatus::Good(_) => OcspStatus::Good,
        CertStatus::Revoked(info) => OcspStatus::Revoked {
            at: utc(&info.revocation_time),
            reason: info.revocation_reason.map(|r| format!("{r:?}")),
        },
        CertStatus::Unknown(_) => OcspStatus::Unknown,
    };
    Ok(OcspAnswer {
        status,
        produced_at: utc(&basic.tbs_response_data.produced_at),
        this_update,
        next_update,
        responder: display_name(&signer.tbs_certificate.subject),
    })
}

/// The `http://` URLs of a certificate's OCSP responders (Authority Information Access).
pub fn responder_urls(c: &Certificate) -> Vec<String> {
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::AuthorityInfoAccessSyntax;
    const AIA: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.1.1");
    const OCSP: Oid = Oid::new_unwrap("1.3.6.1.5.5.7.48.1");
    extension(c, AIA)
        .and_then(|v| AuthorityInfoAccessSyntax::from_der(v).ok())
        .map(|aia| {
            aia.0
                .into_iter()
                .filter(|a| a.access_method == OCSP)
                .filter_map(|a| match a.access_location {
                    GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The URLs of a certificate's CRL (distribution points, 2.5.29.31) and of its delta CRL
/// (Freshest CRL, 2.5.29.46), as NCA RK publishes both.
pub fn crl_urls(c: &Certificate) -> (Vec<String>, Vec<String>) {
    use x509_cert::ext::pkix::crl::dp::DistributionPoint;
    use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
    let urls = |id: Oid| -> Vec<String> {
        extension(c, id)
            .and_then(|v| Vec::<DistributionPoint>::from_der(v).ok())
            .map(|dps| {
                dps.into_iter()
                    .filter_map(|dp| match dp.distribution_point {
                        Some(DistributionPointName::FullName(names)) => Some(names),
                        _ => None,
                    })
                    .flatten()
                    .filter_map(|n| match n {
                        GeneralName::UniformResourceIdentifier(u) => Some(u.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    (
        urls(Oid::new_unwrap("2.5.29.31")),
        urls(Oid::new_unwrap("2.5.29.46")),
    )
}
