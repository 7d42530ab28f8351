//! A GOST R 34.10-2015 (512-bit) certification authority of our own, issuing certificates laid
//! out as NCA RK's are (its identifiers, `x_le ‖ y_le` keys, `r_le ‖ s_le` signatures, a
//! Kazakhstan-style subject, NCA's role OIDs in the extended key usage). Used for the demo's
//! signers and staff ("sign with demo key", so the demo exercises the real algorithm) and by
//! tests; never for anything a real person signs.

use crate::gost::{self, oid as g, PrivateKey};
use crate::sign::{KzSubject, SignError, SigningKey};
use chrono::{DateTime, Datelike, Utc};
use const_oid::ObjectIdentifier as Oid;
use der::asn1::{
    BitString, Ia5StringRef, OctetString, PrintableStringRef, SetOfVec, Utf8StringRef,
};
use der::{Any, Decode, Encode};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::certificate::{TbsCertificate, Version};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::{Name, RdnSequence, RelativeDistinguishedName};
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::Certificate;

fn enc(e: der::Error) -> SignError {
    SignError::Encoding(e.to_string())
}

/// NCA's role identifiers a demo certificate may carry.
pub mod role_oid {
    use const_oid::ObjectIdentifier as O;
    pub const INDIVIDUAL: O = O::new_unwrap("1.2.398.3.3.4.1.1");
    pub const LEGAL_ENTITY: O = O::new_unwrap("1.2.398.3.3.4.1.2");
    pub const FIRST_HEAD: O = O::new_unwrap("1.2.398.3.3.4.1.2.1");
    pub const RIGHT_TO_SIGN: O = O::new_unwrap("1.2.398.3.3.4.1.2.2");
    pub const EMPLOYEE: O = O::new_unwrap("1.2.398.3.3.4.1.2.5");
    pub const EMAIL_PROTECTION: O = O::new_unwrap("1.3.6.1.5.5.7.3.4");
    pub const CLIENT_AUTH: O = O::new_unwrap("1.3.6.1.5.5.7.3.2");
}

/// What a certificate is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A signing key (digitalSignature, nonRepudiation) of an individual, or of a legal
    /// entity's first head when the subject has a BIN.
    Signing,
    /// A legal entity's ordinary employee (no right to sign for it).
    Employee,
    /// A key that only signs in (clientAuth, digitalSignature and keyEncipherment).
    Authentication,
}

fn algorithm(o: Oid, params: Option<Any>) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: o,
        parameters: params,
    }
}

fn signature_algorithm() -> AlgorithmIdentifierOwned {
    algorithm(g::NCA_SIG_512, Some(Any::null()))
}

/// The SubjectPublicKeyInfo of a 512-bit key, as NCA writes it.
pub(crate) fn spki(xy_le: &[u8]) -> Result<SubjectPublicKeyInfoOwned, SignError> {
    #[derive(der::Sequence)]
    struct Params {
        curve: Oid,
        digest: Oid,
    }
    let params = Any::encode_from(&Params {
        curve: g::NCA_CURVE_512_A,
        digest: g::NCA_STREEBOG_512,
    })
    .map_err(enc)?;
    Ok(SubjectPublicKeyInfoOwned {
        algorithm: algorithm(g::NCA_KEY_512, Some(params)),
        subject_public_key: BitString::from_bytes(&gost::encode_public_key(xy_le).map_err(enc)?)
            .map_err(enc)?,
    })
}

fn rdn(o: Oid, value: Any) -> Result<RelativeDistinguishedName, SignError> {
    let mut set = SetOfVec::new();
    set.insert(AttributeTypeAndValue { oid: o, value })
        .map_err(enc)?;
    Ok(RelativeDistinguishedName(set))
}

fn utf8(s: &str) -> Result<Any, SignError> {
    Any::encode_from(&Utf8StringRef::new(s).map_err(enc)?).map_err(enc)
}

fn printable(s: &str) -> Result<Any, SignError> {
    Any::encode_from(&PrintableStringRef::new(s).map_err(enc)?).map_err(enc)
}

/// `CN, SN, SERIALNUMBER=IIN…, C=KZ, O, OU=BIN…, G (patronymic), E` as NCA orders them.
pub(crate) fn kz_name(s: &KzSubject) -> Result<Name, SignError> {
    use const_oid::db::rfc4519 as n;
    let mut rdns = vec![
        rdn(n::CN, utf8(&format!("{} {}", s.surname, s.name))?)?,
        rdn(n::SN, utf8(&s.surname)?)?,
        rdn(n::SERIAL_NUMBER, printable(&format!("IIN{}", s.iin))?)?,
        rdn(n::C, printable("KZ")?)?,
    ];
    if let Some(o) = &s.organization {
        rdns.push(rdn(n::O, utf8(o)?)?);
    }
    if let Some(b) = &s.bin {
        rdns.push(rdn(n::OU, printable(&format!("BIN{b}"))?)?);
    }
    if let Some(p) = &s.patronymic {
        rdns.push(rdn(n::GIVEN_NAME, utf8(p)?)?);
    }
    if let Some(e) = &s.email {
        rdns.push(rdn(
            Oid::new_unwrap("1.2.840.113549.1.9.1"),
            Any::encode_from(&Ia5StringRef::new(e).map_err(enc)?).map_err(enc)?,
        )?);
    }
    Ok(RdnSequence(rdns))
}

fn ca_name(common_name: &str) -> Result<Name, SignError> {
    use const_oid::db::rfc4519 as n;
    Ok(RdnSequence(vec![
        rdn(n::CN, utf8(common_name)?)?,
        rdn(n::O, utf8("Otinish")?)?,
        rdn(n::C, printable("KZ")?)?,
    ]))
}

fn time(t: DateTime<Utc>) -> Result<Time, SignError> {
    let secs = u64::try_from(t.timestamp()).map_err(|_| SignError::Encoding("time".into()))?;
    let dt =
        der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(enc)?;
    Ok(if (1950..2050).contains(&t.year()) {
        Time::UtcTime(der::asn1::UtcTime::from_date_time(dt).map_err(enc)?)
    } else {
        Time::GeneralTime(der::asn1::GeneralizedTime::from_date_time(dt))
    })
}

fn extension(o: Oid, critical: bool, value: &impl Encode) -> Result<Extension, SignError> {
    Ok(Extension {
        extn_id: o,
        critical,
        extn_value: OctetString::new(value.to_der().map_err(enc)?).map_err(enc)?,
    })
}

/// The key identifier of a public key (SHA-1-free: the first 20 bytes of its Streebog-256).
fn key_id(xy_le: &[u8]) -> Vec<u8> {
    gost::Streebog::S256.digest(xy_le)[..20].to_vec()
}

fn random_serial() -> Result<SerialNumber, SignError> {
    use ring::rand::SecureRandom;
    let mut b = [0u8; 16];
    ring::rand::SystemRandom::new()
        .fill(&mut b)
        .map_err(|_| SignError::Key("no randomness".into()))?;
    b[0] &= 0x7f;
    b[0] |= 0x01;
    SerialNumber::new(&b).map_err(enc)
}

/// Signs `tbs` with `key`: the certificate.
fn sign_tbs(tbs: TbsCertificate, key: &PrivateKey) -> Result<Certificate, SignError> {
    let der = tbs.to_der().map_err(enc)?;
    let sig = key
        .sign_digest(&gost::Streebog::S512.digest(&der))
        .ok_or_else(|| SignError::Key("GOST signing failed".into()))?;
    Ok(Certificate {
        tbs_certificate: tbs,
        signature_algorithm: signature_algorithm(),
        signature: BitString::from_bytes(&sig).map_err(enc)?,
    })
}

/// A self-contained GOST certification authority (a root that issues end-entity keys).
pub struct GostCa {
    key: PrivateKey,
    name: Name,
    key_id: Vec<u8>,
    root: Certificate,
    root_der: Vec<u8>,
    /// Where the certificates it issues say its revocation list and OCSP responder are.
    crl_url: Option<String>,
    ocsp_url: Option<String>,
}

impl GostCa {
    pub fn generate(common_name: &str, now: DateTime<Utc>) -> Result<Self, SignError> {
        let key = PrivateKey::generate(&g::NCA_CURVE_512_A)
            .ok_or_else(|| SignError::Key("GOST key generation failed".into()))?;
        let public = key.public_le();
        let name = ca_name(common_name)?;
        let kid = key_id(&public);
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: random_serial()?,
            signature: signature_algorithm(),
            issuer: name.clone(),
            // Long-lived, as roots are: a demo run as of an earlier day (`--demo-now`) still
            // trusts it.
            validity: Validity {
                not_before: time(now - chrono::Duration::days(365 * 10))?,
                not_after: time(now + chrono::Duration::days(365 * 30))?,
            },
            subject: name.clone(),
            subject_public_key_info: spki(&public)?,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(vec![
                extension(
                    const_oid::db::rfc5280::ID_CE_BASIC_CONSTRAINTS,
                    true,
                    &BasicConstraints {
                        ca: true,
                        path_len_constraint: Some(0),
                    },
                )?,
                extension(
                    const_oid::db::rfc5280::ID_CE_KEY_USAGE,
                    true,
                    &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
                )?,
                extension(
                    const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
                    false,
                    &SubjectKeyIdentifier(OctetString::new(kid.clone()).map_err(enc)?),
                )?,
            ]),
        };
        let root = sign_tbs(tbs, &key)?;
        Ok(Self {
            root_der: root.to_der().map_err(enc)?,
            root,
            key,
            name,
            key_id: kid,
            crl_url: None,
            ocsp_url: None,
        })
    }

    /// Certificates issued from now on name these as their CRL distribution point and OCSP
    /// responder (as NCA's name pki.gov.kz's).
    pub fn publish_at(&mut self, crl_url: Option<String>, ocsp_url: Option<String>) {
        self.crl_url = crl_url;
        self.ocsp_url = ocsp_url;
    }

    /// A revocation list of this CA naming `revoked` (certificate DER, revocation time).
    pub fn crl(
        &self,
        revoked: &[(&[u8], DateTime<Utc>)],
        this_update: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<Vec<u8>, SignError> {
        use x509_cert::crl::{CertificateList, RevokedCert, TbsCertList};
        let mut entries = Vec::new();
        for (der, at) in revoked {
            let c =
                Certificate::from_der(der).map_err(|e| SignError::Certificate(e.to_string()))?;
            entries.push(RevokedCert {
                serial_number: c.tbs_certificate.serial_number.clone(),
                revocation_date: time(*at)?,
                crl_entry_extensions: None,
            });
        }
        let tbs = TbsCertList {
            version: Version::V2,
            signature: signature_algorithm(),
            issuer: self.name.clone(),
            this_update: time(this_update)?,
            next_update: Some(time(next_update)?),
            revoked_certificates: (!entries.is_empty()).then_some(entries),
            crl_extensions: None,
        };
        let der = tbs.to_der().map_err(enc)?;
        let sig = self
            .key
            .sign_digest(&gost::Streebog::S512.digest(&der))
            .ok_or_else(|| SignError::Key("GOST signing failed".into()))?;
        CertificateList {
            tbs_cert_list: tbs,
            signature_algorithm: signature_algorithm(),
            signature: BitString::from_bytes(&sig).map_err(enc)?,
        }
        .to_der()
        .map_err(enc)
    }

    pub fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The root's private key, kept as NCA's PKCS#8 (see [`SigningKey::pkcs8`]).
    pub fn load(pkcs8: &[u8], root_der: &[u8]) -> Result<Self, SignError> {
        let key = crate::sign::gost_key_from_pkcs8(pkcs8)?;
        let root =
            Certificate::from_der(root_der).map_err(|e| SignError::Certificate(e.to_string()))?;
        Ok(Self {
            key_id: key_id(&key.public_le()),
            name: root.tbs_certificate.subject.clone(),
            root_der: root_der.to_vec(),
            root,
            key,
            crl_url: None,
            ocsp_url: None,
        })
    }

    /// The root's key as NCA-style PKCS#8, to keep the CA across restarts.
    pub fn key_pkcs8(&self) -> Result<Vec<u8>, SignError> {
        crate::sign::gost_pkcs8(&self.key)
    }

    /// Issues a key for `subject`, valid for a year from yesterday (as NCA's are).
    pub fn issue(
        &self,
        subject: &KzSubject,
        purpose: Purpose,
        now: DateTime<Utc>,
    ) -> Result<SigningKey, SignError> {
        self.issue_valid(
            subject,
            purpose,
            now - chrono::Duration::days(1),
            now + chrono::Duration::days(365),
        )
    }

    /// Issues a key for `subject` valid from `not_before` to `not_after`.
    pub fn issue_valid(
        &self,
        subject: &KzSubject,
        purpose: Purpose,
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
    ) -> Result<SigningKey, SignError> {
        use role_oid as r;
        let key = PrivateKey::generate(&g::NCA_CURVE_512_A)
            .ok_or_else(|| SignError::Key("GOST key generation failed".into()))?;
        let public = key.public_le();
        let legal = subject.bin.is_some();
        let (usage, eku) = match purpose {
            Purpose::Signing | Purpose::Employee => {
                let mut eku = vec![r::EMAIL_PROTECTION];
                match (legal, purpose) {
                    (false, _) => eku.push(r::INDIVIDUAL),
                    (true, Purpose::Signing) => eku.extend([r::LEGAL_ENTITY, r::FIRST_HEAD]),
                    (true, _) => eku.extend([r::LEGAL_ENTITY, r::EMPLOYEE]),
                }
                (KeyUsages::DigitalSignature | KeyUsages::NonRepudiation, eku)
            }
            Purpose::Authentication => {
                let mut eku = vec![r::CLIENT_AUTH];
                eku.push(if legal {
                    r::LEGAL_ENTITY
                } else {
                    r::INDIVIDUAL
                });
                (
                    KeyUsages::DigitalSignature | KeyUsages::KeyEncipherment,
                    eku,
                )
            }
        };
        let mut published = Vec::new();
        if let Some(url) = &self.crl_url {
            use x509_cert::ext::pkix::crl::dp::DistributionPoint;
            use x509_cert::ext::pkix::name::{DistributionPointName, GeneralName};
            let dp = vec![DistributionPoint {
                distribution_point: Some(DistributionPointName::FullName(vec![
                    GeneralName::UniformResourceIdentifier(
                        der::asn1::Ia5String::new(url).map_err(enc)?,
                    ),
                ])),
                reasons: None,
                crl_issuer: None,
            }];
            published.push(extension(
                const_oid::db::rfc5280::ID_CE_CRL_DISTRIBUTION_POINTS,
                false,
                &dp,
            )?);
        }
        if let Some(url) = &self.ocsp_url {
            use x509_cert::ext::pkix::name::GeneralName;
            use x509_cert::ext::pkix::{AccessDescription, AuthorityInfoAccessSyntax};
            let aia = AuthorityInfoAccessSyntax(vec![AccessDescription {
                access_method: const_oid::db::rfc5280::ID_AD_OCSP,
                access_location: GeneralName::UniformResourceIdentifier(
                    der::asn1::Ia5String::new(url).map_err(enc)?,
                ),
            }]);
            published.push(extension(
                const_oid::db::rfc5280::ID_PE_AUTHORITY_INFO_ACCESS,
                false,
                &aia,
            )?);
        }
        let tbs = TbsCertificate {
            version: Version::V3,
            serial_number: random_serial()?,
            signature: signature_algorithm(),
            issuer: self.name.clone(),
            validity: Validity {
                not_before: time(not_before)?,
                not_after: time(not_after)?,
            },
            subject: kz_name(subject)?,
            subject_public_key_info: spki(&public)?,
            issuer_unique_id: None,
            subject_unique_id: None,
            extensions: Some(
                vec![
                    extension(
                        const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE,
                        false,
                        &ExtendedKeyUsage(eku),
                    )?,
                    extension(
                        const_oid::db::rfc5280::ID_CE_KEY_USAGE,
                        true,
                        &KeyUsage(usage),
                    )?,
                    extension(
                        const_oid::db::rfc5280::ID_CE_SUBJECT_KEY_IDENTIFIER,
                        false,
                        &SubjectKeyIdentifier(OctetString::new(key_id(&public)).map_err(enc)?),
                    )?,
                    extension(
                        const_oid::db::rfc5280::ID_CE_AUTHORITY_KEY_IDENTIFIER,
                        false,
                        &AuthorityKeyIdentifier {
                            key_identifier: Some(
                                OctetString::new(self.key_id.clone()).map_err(enc)?,
                            ),
                            authority_cert_issuer: None,
                            authority_cert_serial_number: None,
                        },
                    )?,
                ]
                .into_iter()
                .chain(published)
                .collect(),
            ),
        };
        let cert = sign_tbs(tbs, &self.key)?;
        SigningKey::from_gost(key, cert, vec![self.root.clone()])
    }
}
