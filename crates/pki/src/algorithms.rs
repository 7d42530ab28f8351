//! Digests and signature algorithms: which mathematics an algorithm identifier names, and the
//! check itself. RSA and ECDSA through `ring`; GOST R 34.10-2012 through [`crate::gost`].

use crate::gost;
use crate::{oid, VerifyError};
use const_oid::ObjectIdentifier;
use sha2::Digest;

/// A digest algorithm a signature may use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Hash {
    Sha256,
    Sha384,
    Sha512,
    Streebog(gost::Streebog),
}

impl Hash {
    pub(crate) fn from_oid(o: &ObjectIdentifier) -> Result<Self, VerifyError> {
        match *o {
            oid::SHA256 => Ok(Hash::Sha256),
            oid::SHA384 => Ok(Hash::Sha384),
            oid::SHA512 => Ok(Hash::Sha512),
            oid::SHA1 => Err(VerifyError::UnsupportedAlgorithm("SHA-1 (too weak)".into())),
            other => gost::Streebog::from_oid(&other)
                .map(Hash::Streebog)
                .ok_or_else(|| VerifyError::UnsupportedAlgorithm(format!("digest {other}"))),
        }
    }

    pub(crate) fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
            Hash::Streebog(s) => s.digest(data),
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Hash::Sha256 => "SHA-256",
            Hash::Sha384 => "SHA-384",
            Hash::Sha512 => "SHA-512",
            Hash::Streebog(s) => s.name(),
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
/// `alg` (a signature algorithm, or `rsaEncryption`/`ecPublicKey`/a GOST key with `digest`).
/// Returns the algorithm's name.
pub(crate) fn verify_raw(
    spki: &x509_cert::spki::SubjectPublicKeyInfoOwned,
    alg: &x509_cert::spki::AlgorithmIdentifierOwned,
    digest: Option<&ObjectIdentifier>,
    message: &[u8],
    signature: &[u8],
) -> Result<&'static str, VerifyError> {
    if gost::is_gost_key(&spki.algorithm.oid) {
        return verify_gost(spki, alg, digest, message, signature);
    }
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
            h @ Hash::Streebog(_) => {
                return Err(VerifyError::UnsupportedAlgorithm(format!(
                    "RSA with {}",
                    h.name()
                )))
            }
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
                Hash::Streebog(_) => 0,
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
                Hash::Streebog(_) => {
                    return Err(VerifyError::UnsupportedAlgorithm(
                        "RSA-PSS with Streebog".into(),
                    ))
                }
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

/// GOST R 34.10-2012: the layout of the value from the family of the identifier in the
/// signature-algorithm field (NCA's signature OID, TC26's, or — as OpenSSL writes in CMS — the
/// key's), the digest from it or from the CMS digest algorithm, else by the key's size.
fn verify_gost(
    spki: &x509_cert::spki::SubjectPublicKeyInfoOwned,
    alg: &x509_cert::spki::AlgorithmIdentifierOwned,
    digest: Option<&ObjectIdentifier>,
    message: &[u8],
    signature: &[u8],
) -> Result<&'static str, VerifyError> {
    let (layout, named) = gost::algorithm(&alg.oid).ok_or_else(|| {
        VerifyError::UnsupportedAlgorithm(format!(
            "signature {} with a GOST key {}",
            alg.oid, spki.algorithm.oid
        ))
    })?;
    let key = gost::PublicKey::from_spki(spki)?;
    let by_size = if key.bits() == 512 {
        gost::Streebog::S512
    } else {
        gost::Streebog::S256
    };
    let streebog = match (named, digest) {
        (Some(s), _) => s,
        (None, Some(d)) => gost::Streebog::from_oid(d).ok_or_else(|| {
            VerifyError::UnsupportedAlgorithm(format!("GOST signature with digest {d}"))
        })?,
        (None, None) => by_size,
    };
    if streebog != by_size {
        return Err(VerifyError::UnsupportedAlgorithm(format!(
            "a {}-bit GOST key with {}",
            key.bits(),
            streebog.name()
        )));
    }
    if !key.verify_digest(&streebog.digest(message), signature, layout) {
        return Err(VerifyError::BadSignature);
    }
    Ok(match (key.bits(), layout) {
        (512, gost::Layout::Nca) => "GOST R 34.10-2015 512-bit, Streebog-512 (NCA RK)",
        (512, gost::Layout::Tc26) => "GOST R 34.10-2012 512-bit, Streebog-512",
        (_, gost::Layout::Nca) => "GOST R 34.10-2015 256-bit, Streebog-256 (NCA RK)",
        (_, gost::Layout::Tc26) => "GOST R 34.10-2012 256-bit, Streebog-256",
    })
}
