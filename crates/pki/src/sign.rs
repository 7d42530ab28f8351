//! Signing on the server: the server's own key signs what the system issues (delivery receipts,
//! EA-07.1, and the verification page), and in demo mode demo signers sign for applicants and
//! staff ("sign with demo key"). Real people sign on their own machines (NCALayer, eGov
//! mobile); the server only verifies.
//!
//! Signatures are CMS SignedData with CAdES-BES signed attributes (content type, message
//! digest, signing time), certificates included: ECDSA P-256 with SHA-256 for the server's own
//! key, GOST R 34.10-2015 512-bit with Streebog-512 in NCA RK's layout for demo signers.

use crate::gost;
use crate::oid;
use chrono::{DateTime, Datelike, Utc};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{OctetString, SetOfVec};
use der::{Any, Decode, Encode};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, DnValue, IsCa, Issuer, KeyPair, KeyUsagePurpose,
};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING};
use sha2::Digest;
use std::path::Path;
use x509_cert::attr::{Attribute, AttributeValue};
use x509_cert::spki::AlgorithmIdentifierOwned;
use x509_cert::Certificate;

#[derive(Debug, thiserror::Error)]
pub enum SignError {
    #[error("key: {0}")]
    Key(String),
    #[error("certificate: {0}")]
    Certificate(String),
    #[error("encoding: {0}")]
    Encoding(String),
    #[error("storage: {0}")]
    Io(String),
}

fn enc(e: der::Error) -> SignError {
    SignError::Encoding(e.to_string())
}

enum Key {
    Ecdsa(EcdsaKeyPair),
    Gost(gost::PrivateKey),
}

/// A key with its certificate and the chain up to (and including) its root.
pub struct SigningKey {
    key: Key,
    pkcs8: Vec<u8>,
    cert: Certificate,
    cert_der: Vec<u8>,
    chain: Vec<Certificate>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("cert_der_len", &self.cert_der.len())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A key from its PKCS#8 bytes, its certificate and the chain above it (all DER).
    pub fn from_der(
        pkcs8: &[u8],
        cert_der: &[u8],
        chain_der: &[Vec<u8>],
    ) -> Result<Self, SignError> {
        let key = match gost_key_from_pkcs8(pkcs8) {
            Ok(k) => Key::Gost(k),
            Err(_) => {
                let rng = SystemRandom::new();
                Key::Ecdsa(
                    EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &rng)
                        .map_err(|e| SignError::Key(e.to_string()))?,
                )
            }
        };
        let cert =
            Certificate::from_der(cert_der).map_err(|e| SignError::Certificate(e.to_string()))?;
        let chain = chain_der
            .iter()
            .map(|d| Certificate::from_der(d).map_err(|e| SignError::Certificate(e.to_string())))
            .collect::<Result<_, _>>()?;
        Ok(Self {
            key,
            pkcs8: pkcs8.to_vec(),
            cert,
            cert_der: cert_der.to_vec(),
            chain,
        })
    }

    /// A GOST key with its certificate and the chain above it.
    pub fn from_gost(
        key: gost::PrivateKey,
        cert: Certificate,
        chain: Vec<Certificate>,
    ) -> Result<Self, SignError> {
        Ok(Self {
            pkcs8: gost_pkcs8(&key)?,
            key: Key::Gost(key),
            cert_der: cert.to_der().map_err(enc)?,
            cert,
            chain,
        })
    }

    pub fn certificate_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The certificates above the key's own, up to its root.
    pub fn chain(&self) -> &[Certificate] {
        &self.chain
    }

    /// Whether this is a GOST key.
    pub fn is_gost(&self) -> bool {
        matches!(self.key, Key::Gost(_))
    }

    /// Signs `content` as CMS SignedData (attached when `attach`), at moment `at`.
    pub fn sign_cms(
        &self,
        content: &[u8],
        attach: bool,
        at: DateTime<Utc>,
    ) -> Result<Vec<u8>, SignError> {
        let (signer_info, digest_alg) = self.signer_info(content, at)?;
        let mut digests = SetOfVec::new();
        digests.insert(digest_alg).map_err(enc)?;
        let mut certs = SetOfVec::new();
        self.add_certificates(&mut certs)?;
        let mut infos = SetOfVec::new();
        infos.insert(signer_info).map_err(enc)?;
        let econtent = if attach {
            Some(Any::encode_from(&OctetString::new(content.to_vec()).map_err(enc)?).map_err(enc)?)
        } else {
            None
        };
        let sd = SignedData {
            version: CmsVersion::V1,
            digest_algorithms: digests,
            encap_content_info: EncapsulatedContentInfo {
                econtent_type: oid::DATA,
                econtent,
            },
            certificates: Some(CertificateSet(certs)),
            crls: None,
            signer_infos: SignerInfos(infos),
        };
        let ci = ContentInfo {
            content_type: oid::SIGNED_DATA,
            content: Any::encode_from(&sd).map_err(enc)?,
        };
        ci.to_der().map_err(enc)
    }

    /// Adds this key's signature to an existing attached SignedData (a co-signature over the
    /// same content: the head's and the registrar's on one answer, EA-09).
    pub fn co_sign(&self, cms: &[u8], at: DateTime<Utc>) -> Result<Vec<u8>, SignError> {
        let der = crate::decode_signature(cms).map_err(|e| SignError::Encoding(e.to_string()))?;
        let ci = ContentInfo::from_der(&der).map_err(enc)?;
        let mut sd: SignedData = ci.content.decode_as().map_err(enc)?;
        let content = sd
            .encap_content_info
            .econtent
            .as_ref()
            .ok_or_else(|| {
                SignError::Encoding("a detached signature cannot be co-signed here".into())
            })?
            .decode_as::<OctetString>()
            .map_err(enc)?
            .into_bytes();
        let (signer_info, digest_alg) = self.signer_info(&content, at)?;
        if !sd.digest_algorithms.iter().any(|d| d.oid == digest_alg.oid) {
            sd.digest_algorithms.insert(digest_alg).map_err(enc)?;
        }
        let mut certs = sd.certificates.take().map(|c| c.0).unwrap_or_default();
        self.add_certificates(&mut certs)?;
        sd.certificates = Some(CertificateSet(certs));
        sd.signer_infos.0.insert(signer_info).map_err(enc)?;
        ContentInfo {
            content_type: oid::SIGNED_DATA,
            content: Any::encode_from(&sd).map_err(enc)?,
        }
        .to_der()
        .map_err(enc)
    }

    /// This key's certificate and its chain, each once.
    fn add_certificates(&self, certs: &mut SetOfVec<CertificateChoices>) -> Result<(), SignError> {
        for c in std::iter::once(&self.cert).chain(self.chain.iter()) {
            let choice = CertificateChoices::Certificate(c.clone());
            if !certs.iter().any(|x| x == &choice) {
                certs.insert(choice).map_err(enc)?;
            }
        }
        Ok(())
    }

    /// A SignerInfo over `content` with CAdES-BES signed attributes, and its digest algorithm.
    fn signer_info(
        &self,
        content: &[u8],
        at: DateTime<Utc>,
    ) -> Result<(SignerInfo, AlgorithmIdentifierOwned), SignError> {
        let (digest_alg, signature_alg) = match &self.key {
            Key::Ecdsa(_) => (
                AlgorithmIdentifierOwned {
                    oid: oid::SHA256,
                    parameters: None,
                },
                AlgorithmIdentifierOwned {
                    oid: oid::ECDSA_SHA256,
                    parameters: None,
                },
            ),
            // As KalkanCrypt writes them: NCA's identifiers with NULL parameters.
            Key::Gost(_) => (
                AlgorithmIdentifierOwned {
                    oid: gost::oid::NCA_STREEBOG_512,
                    parameters: Some(Any::null()),
                },
                AlgorithmIdentifierOwned {
                    oid: gost::oid::NCA_SIG_512,
                    parameters: Some(Any::null()),
                },
            ),
        };
        let digest = match &self.key {
            Key::Ecdsa(_) => sha2::Sha256::digest(content).to_vec(),
            Key::Gost(_) => gost::Streebog::S512.digest(content),
        };
        let time = signing_time(at)?;
        let attr = |id, value: Any| -> Result<Attribute, SignError> {
            let mut values: SetOfVec<AttributeValue> = SetOfVec::new();
            values.insert(value).map_err(enc)?;
            Ok(Attribute { oid: id, values })
        };
        let mut attrs: SetOfVec<Attribute> = SetOfVec::new();
        attrs
            .insert(attr(
                oid::CONTENT_TYPE,
                Any::encode_from(&oid::DATA).map_err(enc)?,
            )?)
            .map_err(enc)?;
        attrs
            .insert(attr(
                oid::MESSAGE_DIGEST,
                Any::encode_from(&OctetString::new(digest).map_err(enc)?).map_err(enc)?,
            )?)
            .map_err(enc)?;
        attrs
            .insert(attr(
                oid::SIGNING_TIME,
                Any::encode_from(&time).map_err(enc)?,
            )?)
            .map_err(enc)?;
        let to_sign = attrs.to_der().map_err(enc)?;
        let signature: Vec<u8> = match &self.key {
            Key::Ecdsa(k) => k
                .sign(&SystemRandom::new(), &to_sign)
                .map_err(|e| SignError::Key(e.to_string()))?
                .as_ref()
                .to_vec(),
            Key::Gost(k) => k
                .sign_digest(&gost::Streebog::S512.digest(&to_sign))
                .ok_or_else(|| SignError::Key("GOST signing failed".into()))?,
        };
        let signer_info = SignerInfo {
            version: CmsVersion::V1,
            sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
                issuer: self.cert.tbs_certificate.issuer.clone(),
                serial_number: self.cert.tbs_certificate.serial_number.clone(),
            }),
            digest_alg: digest_alg.clone(),
            signed_attrs: Some(attrs),
            signature_algorithm: signature_alg,
            signature: OctetString::new(signature).map_err(enc)?,
            unsigned_attrs: None,
        };
        Ok((signer_info, digest_alg))
    }
}

/// Joins signatures of the same attached content, each made apart (a head's and a
/// registrar's, each by NCALayer on their own machine), into one SignedData with every signer
/// (EA-09): the digest algorithms, certificates and signer infos of all.
pub fn join_signatures(signatures: &[&[u8]]) -> Result<Vec<u8>, SignError> {
    let parse = |cms: &[u8]| -> Result<SignedData, SignError> {
        let der = crate::decode_signature(cms).map_err(|e| SignError::Encoding(e.to_string()))?;
        let ci = ContentInfo::from_der(&der).map_err(enc)?;
        ci.content.decode_as().map_err(enc)
    };
    let (first, rest) = signatures
        .split_first()
        .ok_or_else(|| SignError::Encoding("no signature to join".into()))?;
    let mut sd = parse(first)?;
    for other in rest {
        let o = parse(other)?;
        if o.encap_content_info != sd.encap_content_info {
            return Err(SignError::Encoding(
                "the signatures are not over the same content".into(),
            ));
        }
        for d in o.digest_algorithms.iter() {
            if !sd.digest_algorithms.iter().any(|x| x == d) {
                sd.digest_algorithms.insert(d.clone()).map_err(enc)?;
            }
        }
        let mut certs = sd.certificates.take().map(|c| c.0).unwrap_or_default();
        for c in o.certificates.iter().flat_map(|c| c.0.iter()) {
            if !certs.iter().any(|x| x == c) {
                certs.insert(c.clone()).map_err(enc)?;
            }
        }
        sd.certificates = Some(CertificateSet(certs));
        for si in o.signer_infos.0.iter() {
            sd.signer_infos.0.insert(si.clone()).map_err(enc)?;
        }
    }
    ContentInfo {
        content_type: oid::SIGNED_DATA,
        content: Any::encode_from(&sd).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

fn signing_time(at: DateTime<Utc>) -> Result<x509_cert::time::Time, SignError> {
    let secs = u64::try_from(at.timestamp())
        .map_err(|_| SignError::Encoding("time before 1970".into()))?;
    let dt =
        der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(enc)?;
    // RFC 5652: UTCTime for 1950–2049, GeneralizedTime otherwise.
    if (1950..2050).contains(&at.year()) {
        Ok(x509_cert::time::Time::UtcTime(
            der::asn1::UtcTime::from_date_time(dt).map_err(enc)?,
        ))
    } else {
        Ok(x509_cert::time::Time::GeneralTime(
            der::asn1::GeneralizedTime::from_date_time(dt),
        ))
    }
}

/// Subject of a Kazakhstan-style certificate (shared/DOMAIN.md).
#[derive(Debug, Clone)]
pub struct KzSubject {
    pub surname: String,
    pub name: String,
    pub patronymic: Option<String>,
    pub iin: String,
    pub organization: Option<String>,
    pub bin: Option<String>,
    pub email: Option<String>,
}

fn kz_params(
    s: &KzSubject,
    not_before: DateTime<Utc>,
    years: i32,
) -> Result<CertificateParams, SignError> {
    let mut p = CertificateParams::new(Vec::<String>::new())
        .map_err(|e| SignError::Certificate(e.to_string()))?;
    let dn = &mut p.distinguished_name;
    dn.push(
        DnType::CountryName,
        DnValue::PrintableString(
            "KZ".try_into()
                .map_err(|_| SignError::Certificate("C".into()))?,
        ),
    );
    dn.push(DnType::CommonName, format!("{} {}", s.surname, s.name));
    dn.push(DnType::CustomDnType(vec![2, 5, 4, 4]), s.surname.clone());
    dn.push(
        DnType::CustomDnType(vec![2, 5, 4, 5]),
        format!("IIN{}", s.iin),
    );
    if let Some(p) = &s.patronymic {
        dn.push(DnType::CustomDnType(vec![2, 5, 4, 42]), p.clone());
    }
    if let Some(o) = &s.organization {
        dn.push(DnType::OrganizationName, o.clone());
    }
    if let Some(b) = &s.bin {
        dn.push(DnType::OrganizationalUnitName, format!("BIN{b}"));
    }
    if let Some(e) = &s.email {
        dn.push(
            DnType::CustomDnType(vec![1, 2, 840, 113549, 1, 9, 1]),
            DnValue::Ia5String(
                e.clone()
                    .try_into()
                    .map_err(|_| SignError::Certificate("email".into()))?,
            ),
        );
    }
    p.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::ContentCommitment,
    ];
    set_validity(&mut p, not_before, years)?;
    Ok(p)
}

fn set_validity(
    p: &mut CertificateParams,
    not_before: DateTime<Utc>,
    years: i32,
) -> Result<(), SignError> {
    let nb = time_from(not_before)?;
    p.not_before = nb;
    p.not_after = nb
        .replace_year(nb.year() + years)
        .map_err(|e| SignError::Certificate(e.to_string()))?;
    Ok(())
}

fn time_from(t: DateTime<Utc>) -> Result<time::OffsetDateTime, SignError> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp())
        .map_err(|e| SignError::Certificate(e.to_string()))
}

/// A self-contained certification authority with its own root, used for the server's key and,
/// in demo mode, for demo signers. Its root goes into the deployment's trust folder.
pub struct LocalCa {
    params: CertificateParams,
    key: KeyPair,
    root_der: Vec<u8>,
}

impl LocalCa {
    pub fn generate(common_name: &str, now: DateTime<Utc>) -> Result<Self, SignError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| SignError::Key(e.to_string()))?;
        let mut params = CertificateParams::new(Vec::<String>::new())
            .map_err(|e| SignError::Certificate(e.to_string()))?;
        params.distinguished_name.push(
            DnType::CountryName,
            DnValue::PrintableString(
                "KZ".try_into()
                    .map_err(|_| SignError::Certificate("C".into()))?,
            ),
        );
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Otinish");
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        set_validity(&mut params, now - chrono::Duration::days(1), 30)?;
        let root = params
            .self_signed(&key)
            .map_err(|e| SignError::Certificate(e.to_string()))?;
        Ok(Self {
            root_der: root.der().to_vec(),
            params,
            key,
        })
    }

    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// Issues a signing certificate with a Kazakhstan-style subject.
    pub fn issue(&self, subject: &KzSubject, now: DateTime<Utc>) -> Result<SigningKey, SignError> {
        let params = kz_params(subject, now - chrono::Duration::days(1), 5)?;
        self.issue_with(params)
    }

    /// Issues the server's own signing certificate (for receipts and answers).
    pub fn issue_server(
        &self,
        common_name: &str,
        now: DateTime<Utc>,
    ) -> Result<SigningKey, SignError> {
        let mut p = CertificateParams::new(Vec::<String>::new())
            .map_err(|e| SignError::Certificate(e.to_string()))?;
        p.distinguished_name.push(
            DnType::CountryName,
            DnValue::PrintableString(
                "KZ".try_into()
                    .map_err(|_| SignError::Certificate("C".into()))?,
            ),
        );
        p.distinguished_name
            .push(DnType::OrganizationName, "Otinish");
        p.distinguished_name.push(DnType::CommonName, common_name);
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::ContentCommitment,
        ];
        set_validity(&mut p, now - chrono::Duration::days(1), 10)?;
        self.issue_with(p)
    }

    fn issue_with(&self, params: CertificateParams) -> Result<SigningKey, SignError> {
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| SignError::Key(e.to_string()))?;
        let issuer = Issuer::new(self.params.clone(), &self.key);
        let cert = params
            .signed_by(&key, &issuer)
            .map_err(|e| SignError::Certificate(e.to_string()))?;
        SigningKey::from_der(
            &key.serialize_der(),
            cert.der(),
            std::slice::from_ref(&self.root_der),
        )
    }
}

/// Files a [`SigningKey`] is kept in: `<name>.key` (PKCS#8), `<name>.crt` and `<name>.chain`
/// (DER certificates, the chain concatenated).
pub fn save_key(dir: &Path, name: &str, k: &SigningKey) -> Result<(), SignError> {
    let io = |e: std::io::Error| SignError::Io(e.to_string());
    std::fs::create_dir_all(dir).map_err(io)?;
    std::fs::write(dir.join(format!("{name}.key")), &k.pkcs8).map_err(io)?;
    std::fs::write(dir.join(format!("{name}.crt")), &k.cert_der).map_err(io)?;
    let mut chain = Vec::new();
    for c in &k.chain {
        chain.extend(c.to_der().map_err(enc)?);
    }
    std::fs::write(dir.join(format!("{name}.chain")), chain).map_err(io)?;
    Ok(())
}

pub fn load_key(dir: &Path, name: &str) -> Result<SigningKey, SignError> {
    let io = |e: std::io::Error| SignError::Io(e.to_string());
    let pkcs8 = std::fs::read(dir.join(format!("{name}.key"))).map_err(io)?;
    let cert = std::fs::read(dir.join(format!("{name}.crt"))).map_err(io)?;
    let chain_bytes = std::fs::read(dir.join(format!("{name}.chain"))).map_err(io)?;
    let mut chain = Vec::new();
    let mut rest: &[u8] = &chain_bytes;
    while !rest.is_empty() {
        let c = Certificate::from_der_partial(rest)
            .map_err(|e| SignError::Certificate(e.to_string()))?;
        chain.push(c.0.to_der().map_err(enc)?);
        rest = c.1;
    }
    SigningKey::from_der(&pkcs8, &cert, &chain)
}

trait FromDerPartial: Sized {
    fn from_der_partial(bytes: &[u8]) -> Result<(Self, &[u8]), der::Error>;
}

impl FromDerPartial for Certificate {
    fn from_der_partial(bytes: &[u8]) -> Result<(Self, &[u8]), der::Error> {
        let mut reader = der::SliceReader::new(bytes)?;
        let c = <Certificate as der::Decode>::decode(&mut reader)?;
        let used =
            usize::try_from(u32::from(der::Reader::position(&reader))).unwrap_or(bytes.len());
        Ok((c, &bytes[used.min(bytes.len())..]))
    }
}

/// PEM text of a DER certificate.
pub fn certificate_pem(der: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The server's signing key, made on first start: a local CA whose root is written to the
/// trust folder (so `otinish verify` accepts receipts), and a key it certifies. Kept in
/// `keys_dir` across restarts.
pub fn ensure_server_key(
    keys_dir: &Path,
    trust_dir: &Path,
    now: DateTime<Utc>,
) -> Result<SigningKey, SignError> {
    if let Ok(k) = load_key(keys_dir, "server") {
        return Ok(k);
    }
    let io = |e: std::io::Error| SignError::Io(e.to_string());
    let ca = LocalCa::generate("Otinish Server CA", now)?;
    let key = ca.issue_server("Otinish receipts and answers", now)?;
    std::fs::create_dir_all(trust_dir).map_err(io)?;
    std::fs::write(
        trust_dir.join("otinish-server-ca.pem"),
        certificate_pem(ca.root_der()),
    )
    .map_err(io)?;
    save_key(keys_dir, "server", &key)?;
    Ok(key)
}

/// The PKCS#8 of a GOST key as NCA RK writes it: algorithm 1.2.398.3.10.1.1.2.2 with the
/// curve and digest, and the key an OCTET STRING holding `d` little-endian.
pub(crate) fn gost_pkcs8(key: &gost::PrivateKey) -> Result<Vec<u8>, SignError> {
    #[derive(der::Sequence)]
    struct Params {
        curve: const_oid::ObjectIdentifier,
        digest: const_oid::ObjectIdentifier,
    }
    #[derive(der::Sequence)]
    struct PrivateKeyInfo {
        version: u8,
        algorithm: AlgorithmIdentifierOwned,
        private_key: OctetString,
    }
    let inner = OctetString::new(key.d_le().to_vec()).map_err(enc)?;
    PrivateKeyInfo {
        version: 0,
        algorithm: AlgorithmIdentifierOwned {
            oid: gost::oid::NCA_KEY_512,
            parameters: Some(
                Any::encode_from(&Params {
                    curve: gost::oid::NCA_CURVE_512_A,
                    digest: gost::oid::NCA_STREEBOG_512,
                })
                .map_err(enc)?,
            ),
        },
        private_key: OctetString::new(inner.to_der().map_err(enc)?).map_err(enc)?,
    }
    .to_der()
    .map_err(enc)
}

/// A GOST key from NCA-style PKCS#8 (an error for any other key).
pub(crate) fn gost_key_from_pkcs8(der: &[u8]) -> Result<gost::PrivateKey, SignError> {
    #[derive(der::Sequence)]
    struct Params {
        curve: const_oid::ObjectIdentifier,
        #[asn1(optional = "true")]
        digest: Option<const_oid::ObjectIdentifier>,
    }
    #[derive(der::Sequence)]
    struct PrivateKeyInfo {
        version: u8,
        algorithm: AlgorithmIdentifierOwned,
        private_key: OctetString,
    }
    let not_gost = || SignError::Key("not a GOST key".into());
    let info = PrivateKeyInfo::from_der(der).map_err(|_| not_gost())?;
    if !gost::is_gost_key(&info.algorithm.oid) {
        return Err(not_gost());
    }
    let _ = info.version;
    let params = info
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.decode_as::<Params>().ok())
        .ok_or_else(not_gost)?;
    let _ = params.digest;
    let d = OctetString::from_der(info.private_key.as_bytes()).map_err(|_| not_gost())?;
    gost::PrivateKey::from_le_bytes(&params.curve, d.as_bytes()).ok_or_else(not_gost)
}

/// A demo signer's profile: its slug, subject and purpose.
pub type DemoProfile = (String, KzSubject, crate::gost_ca::Purpose);

/// The demo CA kept in `keys_dir` (`demo-ca.key`, `demo-ca.crt`), made on first use with its
/// root written to the trust folder.
fn demo_ca(
    keys_dir: &Path,
    trust_dir: &Path,
    now: DateTime<Utc>,
) -> Result<crate::gost_ca::GostCa, SignError> {
    let io = |e: std::io::Error| SignError::Io(e.to_string());
    match (
        std::fs::read(keys_dir.join("demo-ca.key")),
        std::fs::read(keys_dir.join("demo-ca.crt")),
    ) {
        (Ok(k), Ok(c)) => crate::gost_ca::GostCa::load(&k, &c),
        _ => {
            let ca = crate::gost_ca::GostCa::generate("Otinish Demo CA (not for real use)", now)?;
            std::fs::create_dir_all(keys_dir).map_err(io)?;
            std::fs::write(keys_dir.join("demo-ca.key"), ca.key_pkcs8()?).map_err(io)?;
            std::fs::write(keys_dir.join("demo-ca.crt"), ca.root_der()).map_err(io)?;
            std::fs::create_dir_all(trust_dir).map_err(io)?;
            std::fs::write(
                trust_dir.join("otinish-demo-ca.pem"),
                certificate_pem(ca.root_der()),
            )
            .map_err(io)?;
            Ok(ca)
        }
    }
}

/// A demo key (demo mode only) kept in `keys_dir` as `demo-<slug>`: loaded when it exists for
/// this subject and purpose, otherwise issued by the demo CA.
pub fn demo_key(
    keys_dir: &Path,
    trust_dir: &Path,
    slug: &str,
    subject: &KzSubject,
    purpose: crate::gost_ca::Purpose,
    now: DateTime<Utc>,
) -> Result<SigningKey, SignError> {
    let name = format!("demo-{slug}");
    if let Ok(k) = load_key(keys_dir, &name) {
        let same = crate::SignerIdentity::from_certificate(&k.cert).is_ok_and(|id| {
            id.iin.as_ref().map(|i| i.as_str()) == Some(subject.iin.as_str())
                && id.bin.as_ref().map(|b| b.as_str()) == subject.bin.as_deref()
        });
        if k.is_gost() && same {
            return Ok(k);
        }
    }
    let key = demo_ca(keys_dir, trust_dir, now)?.issue(subject, purpose, now)?;
    save_key(keys_dir, &name, &key)?;
    Ok(key)
}

/// Demo signers (demo mode only): GOST R 34.10-2015 512-bit keys under the demo CA, whose
/// root joins the trust folder, kept in `keys_dir` under `demo-<slug>`.
pub fn ensure_demo_signers(
    keys_dir: &Path,
    trust_dir: &Path,
    profiles: &[DemoProfile],
    now: DateTime<Utc>,
) -> Result<Vec<(String, SigningKey)>, SignError> {
    profiles
        .iter()
        .map(|(slug, subject, purpose)| {
            Ok((
                slug.clone(),
                demo_key(keys_dir, trust_dir, slug, subject, *purpose, now)?,
            ))
        })
        .collect()
}
