//! GOST R 34.10-2012 (= GOST R 34.10-2015, and ST RK GOST R 34.10-2015 as NCA RK issues it)
//! signatures on the 512-bit and 256-bit curves, with Streebog (GOST R 34.11-2012) digests.
//!
//! Two families of object identifiers name the same mathematics with different byte layouts
//! (see `shared/fixtures/kz-gost/PROVENANCE.md`, confirmed on NCA's own signatures):
//!
//! | | NCA RK (1.2.398.3.10.…) | TC26 / RFC 4491, 9215 (1.2.643.7.1.…), what OpenSSL's gost engine writes |
//! |---|---|---|
//! | signature value | `r ‖ s`, each little-endian | `s ‖ r`, each big-endian (the exact byte reversal) |
//! | public key | `x ‖ y`, each little-endian, in an OCTET STRING | the same |
//! | digest → e | the Streebog output read little-endian, mod q | the same |
//!
//! Verification: with `e` (1 if 0), `v = e⁻¹`, `z₁ = s·v`, `z₂ = −r·v` (mod q), the signature
//! holds when `x(z₁·G + z₂·Q) mod q = r`, with `0 < r, s < q`.

mod curve;
mod field;

use crate::VerifyError;
use const_oid::ObjectIdentifier as Oid;
use crypto_bigint::Uint;
use curve::{Affine, Curve};
use der::{Decode, Encode};
use digest::Digest;
use std::sync::LazyLock;

pub(crate) mod oid {
    use const_oid::ObjectIdentifier as O;
    // NCA RK (Kazakhstan).
    /// GOST 34.10-2015 512-bit public key.
    pub const NCA_KEY_512: O = O::new_unwrap("1.2.398.3.10.1.1.2.2");
    /// Its curve (the same as TC26 512 paramSetA).
    pub const NCA_CURVE_512_A: O = O::new_unwrap("1.2.398.3.10.1.1.2.2.1");
    /// GOST 34.10-2015 512-bit signature with Streebog-512.
    pub const NCA_SIG_512: O = O::new_unwrap("1.2.398.3.10.1.1.2.3.2");
    /// GOST 34.10-2015 256-bit signature with Streebog-256 (named in DOMAIN.md; no sample).
    pub const NCA_SIG_256: O = O::new_unwrap("1.2.398.3.10.1.1.2.3.1");
    /// Streebog-512 as a digest algorithm.
    pub const NCA_STREEBOG_512: O = O::new_unwrap("1.2.398.3.10.1.3.3");
    /// Streebog-256 as a digest algorithm (named by NCA's numbering; no sample).
    pub const NCA_STREEBOG_256: O = O::new_unwrap("1.2.398.3.10.1.3.2");
    // TC26 (RFC 9215).
    pub const TC26_KEY_256: O = O::new_unwrap("1.2.643.7.1.1.1.1");
    pub const TC26_KEY_512: O = O::new_unwrap("1.2.643.7.1.1.1.2");
    pub const TC26_STREEBOG_256: O = O::new_unwrap("1.2.643.7.1.1.2.2");
    pub const TC26_STREEBOG_512: O = O::new_unwrap("1.2.643.7.1.1.2.3");
    pub const TC26_SIG_256: O = O::new_unwrap("1.2.643.7.1.1.3.2");
    pub const TC26_SIG_512: O = O::new_unwrap("1.2.643.7.1.1.3.3");
    pub const TC26_256_A: O = O::new_unwrap("1.2.643.7.1.2.1.1.1");
    pub const TC26_256_B: O = O::new_unwrap("1.2.643.7.1.2.1.1.2");
    pub const TC26_256_C: O = O::new_unwrap("1.2.643.7.1.2.1.1.3");
    pub const TC26_256_D: O = O::new_unwrap("1.2.643.7.1.2.1.1.4");
    pub const TC26_512_A: O = O::new_unwrap("1.2.643.7.1.2.1.2.1");
    pub const TC26_512_B: O = O::new_unwrap("1.2.643.7.1.2.1.2.2");
    pub const TC26_512_C: O = O::new_unwrap("1.2.643.7.1.2.1.2.3");
    // CryptoPro's names of the 256-bit curves (RFC 4357), still used with 2012 keys.
    pub const CRYPTOPRO_A: O = O::new_unwrap("1.2.643.2.2.35.1");
    pub const CRYPTOPRO_B: O = O::new_unwrap("1.2.643.2.2.35.2");
    pub const CRYPTOPRO_C: O = O::new_unwrap("1.2.643.2.2.35.3");
    pub const CRYPTOPRO_XCH_A: O = O::new_unwrap("1.2.643.2.2.36.0");
    pub const CRYPTOPRO_XCH_B: O = O::new_unwrap("1.2.643.2.2.36.1");
}

/// Which layout a signature value has, from the family of the identifier that names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// `r_le ‖ s_le` (NCA RK, KalkanCrypt).
    Nca,
    /// `s_be ‖ r_be` (RFC 4491, OpenSSL).
    Tc26,
}

/// The Streebog digest a GOST signature is computed over.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Streebog {
    S256,
    S512,
}

impl Streebog {
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Streebog::S256 => streebog::Streebog256::digest(data).to_vec(),
            Streebog::S512 => streebog::Streebog512::digest(data).to_vec(),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Streebog::S256 => "Streebog-256",
            Streebog::S512 => "Streebog-512",
        }
    }

    /// The digest named by a digest-algorithm identifier of either family.
    pub fn from_oid(o: &Oid) -> Option<Self> {
        match *o {
            oid::NCA_STREEBOG_512 | oid::TC26_STREEBOG_512 => Some(Streebog::S512),
            oid::NCA_STREEBOG_256 | oid::TC26_STREEBOG_256 => Some(Streebog::S256),
            _ => None,
        }
    }
}

/// What a signature-algorithm field (or, as OpenSSL writes in CMS, a key-algorithm field)
/// says: the layout of the value and the digest, when the identifier is a GOST one.
pub fn algorithm(o: &Oid) -> Option<(Layout, Option<Streebog>)> {
    match *o {
        oid::NCA_SIG_512 => Some((Layout::Nca, Some(Streebog::S512))),
        oid::NCA_SIG_256 => Some((Layout::Nca, Some(Streebog::S256))),
        oid::NCA_KEY_512 => Some((Layout::Nca, None)),
        oid::TC26_SIG_512 => Some((Layout::Tc26, Some(Streebog::S512))),
        oid::TC26_SIG_256 => Some((Layout::Tc26, Some(Streebog::S256))),
        oid::TC26_KEY_512 | oid::TC26_KEY_256 => Some((Layout::Tc26, None)),
        _ => None,
    }
}

/// Whether a public-key algorithm is a GOST 34.10-2012 key.
pub fn is_gost_key(o: &Oid) -> bool {
    matches!(*o, oid::NCA_KEY_512 | oid::TC26_KEY_512 | oid::TC26_KEY_256)
}

// Constants of R 1323565.1.024-2019 (big-endian), as PyPI gostcrypto 1.2.5 lists them.
static C512A: LazyLock<Option<Curve<8>>> = LazyLock::new(|| {
    Curve::new(
        "id-tc26-gost-3410-12-512-paramSetA",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4",
        "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275",
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000003",
        "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4",
    )
});

static C512B: LazyLock<Option<Curve<8>>> = LazyLock::new(|| {
    Curve::new(
        "id-tc26-gost-3410-12-512-paramSetB",
        "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006F",
        "8000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000006C",
        "687D1B459DC841457E3E06CF6F5E2517B97C7D614AF138BCBF85DC806C4B289F3E965D2DB1416D217F8B276FAD1AB69C50F78BEE1FA3106EFB8CCBC7C5140116",
        "800000000000000000000000000000000000000000000000000000000000000149A1EC142565A545ACFDB77BD9D40CFA8B996712101BEA0EC6346C54374F25BD",
        "00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002",
        "1A8F7EDA389B094C2C071E3647A8940F3C123B697578C213BE6DD9E6C8EC7335DCB228FD1EDF4A39152CBCAAF8C0398828041055F94CEEEC7E21340780FE41BD",
    )
});

static C512C: LazyLock<Option<Curve<8>>> = LazyLock::new(|| {
    Curve::new(
        "id-tc26-gost-3410-2012-512-paramSetC",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7",
        "DC9203E514A721875485A529D2C722FB187BC8980EB866644DE41C68E143064546E861C0E2C9EDD92ADE71F46FCF50FF2AD97F951FDA9F2A2EB6546F39689BD3",
        "B4C4EE28CEBC6C2C8AC12952CF37F16AC7EFB6A9F69F4B57FFDA2E4F0DE5ADE038CBC2FFF719D2C18DE0284B8BFEF3B52B8CC7A5F5BF0A3C8D2319A5312557E1",
        "3FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC98CDBA46506AB004C33A9FF5147502CC8EDA9E7A769A12694623CEF47F023ED",
        "E2E31EDFC23DE7BDEBE241CE593EF5DE2295B7A9CBAEF021D385F7074CEA043AA27272A7AE602BF2A7B9033DB9ED3610C6FB85487EAE97AAC5BC7928C1950148",
        "F5CE40D95B5EB899ABBCCFF5911CB8577939804D6527378B8C108C3D2090FF9BE18E2D33E3021ED2EF32D85822423B6304F726AA854BAE07D0396E9A9ADDC40F",
    )
});

static C256A: LazyLock<Option<Curve<4>>> = LazyLock::new(|| {
    Curve::new(
        "id-tc26-gost-3410-2012-256-paramSetA",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
        "C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335",
        "295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513",
        "400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67",
        "91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28",
        "32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C",
    )
});

static C256B: LazyLock<Option<Curve<4>>> = LazyLock::new(|| {
    Curve::new(
        "id-tc26-gost-3410-2012-256-paramSetB (CryptoPro-A)",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94",
        "00000000000000000000000000000000000000000000000000000000000000A6",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893",
        "0000000000000000000000000000000000000000000000000000000000000001",
        "8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14",
    )
});

static C256C: LazyLock<Option<Curve<4>>> = LazyLock::new(|| {
    Curve::new(
        "id-tc26-gost-3410-2012-256-paramSetC (CryptoPro-B)",
        "8000000000000000000000000000000000000000000000000000000000000C99",
        "8000000000000000000000000000000000000000000000000000000000000C96",
        "3E1AF419A269A5F866A7D3C25C3DF80AE979259373FF2B182F49D4CE7E1BBC8B",
        "800000000000000000000000000000015F700CFFF1A624E5E497161BCC8A198F",
        "0000000000000000000000000000000000000000000000000000000000000001",
        "3FA8124359F96680B83D1C3EB2C070E5C545C9858D03ECFB744BF8D717717EFC",
    )
});

static C256D: LazyLock<Option<Curve<4>>> = LazyLock::new(|| {
    Curve::new(
        "id-tc26-gost-3410-2012-256-paramSetD (CryptoPro-C)",
        "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D759B",
        "9B9F605F5A858107AB1EC85E6B41C8AACF846E86789051D37998F7B9022D7598",
        "000000000000000000000000000000000000000000000000000000000000805A",
        "9B9F605F5A858107AB1EC85E6B41C8AA582CA3511EDDFB74F02F3A6598980BB9",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "41ECE55743711A8C3CBF3783CD08C0EE4D4DC440D4641A8F366E550DFDB3BB67",
    )
});

/// A curve of either size.
#[derive(Clone, Copy)]
enum AnyCurve {
    C512(&'static Curve<8>),
    C256(&'static Curve<4>),
}

impl AnyCurve {
    fn from_oid(o: &Oid) -> Option<Self> {
        let c512 = |c: &'static LazyLock<Option<Curve<8>>>| c.as_ref().map(AnyCurve::C512);
        let c256 = |c: &'static LazyLock<Option<Curve<4>>>| c.as_ref().map(AnyCurve::C256);
        match *o {
            oid::NCA_CURVE_512_A | oid::TC26_512_A => c512(&C512A),
            oid::TC26_512_B => c512(&C512B),
            oid::TC26_512_C => c512(&C512C),
            oid::TC26_256_A => c256(&C256A),
            oid::TC26_256_B | oid::CRYPTOPRO_A | oid::CRYPTOPRO_XCH_A => c256(&C256B),
            oid::TC26_256_C | oid::CRYPTOPRO_B => c256(&C256C),
            oid::TC26_256_D | oid::CRYPTOPRO_C | oid::CRYPTOPRO_XCH_B => c256(&C256D),
            _ => None,
        }
    }

    fn bytes(self) -> usize {
        match self {
            AnyCurve::C512(_) => 64,
            AnyCurve::C256(_) => 32,
        }
    }

    fn name(self) -> &'static str {
        match self {
            AnyCurve::C512(c) => c.name,
            AnyCurve::C256(c) => c.name,
        }
    }
}

/// GOST key parameters in a SubjectPublicKeyInfo (RFC 9215 §4.2.2; NCA writes the same shape).
#[derive(der::Sequence)]
struct KeyParams {
    curve: Oid,
    digest: Option<Oid>,
}

/// A GOST public key: its curve and point.
#[derive(Clone, Copy)]
pub struct PublicKey {
    curve: AnyCurve,
    point: AnyPoint,
}

#[derive(Clone, Copy)]
enum AnyPoint {
    P512(Affine<8>),
    P256(Affine<4>),
}

/// A little-endian byte string as an integer of `N` limbs (`None` when it is longer).
fn le_uint<const N: usize>(bytes: &[u8]) -> Option<Uint<N>> {
    if bytes.len() > 8 * N {
        return None;
    }
    let mut buf = vec![0u8; 8 * N];
    buf[..bytes.len()].copy_from_slice(bytes);
    Some(Uint::from_le_slice(&buf))
}

impl PublicKey {
    /// The key of a SubjectPublicKeyInfo whose algorithm is a GOST key.
    pub fn from_spki(
        spki: &x509_cert::spki::SubjectPublicKeyInfoOwned,
    ) -> Result<Self, VerifyError> {
        let unsupported = |m: &str| VerifyError::UnsupportedAlgorithm(format!("GOST key: {m}"));
        let params = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<KeyParams>().ok())
            .ok_or_else(|| unsupported("no curve parameters"))?;
        let curve = AnyCurve::from_oid(&params.curve)
            .ok_or_else(|| unsupported(&format!("curve {}", params.curve)))?;
        let _ = params.digest;
        let raw = der::asn1::OctetString::from_der(spki.subject_public_key.raw_bytes())
            .map_err(|_| unsupported("the key is not an OCTET STRING"))?;
        Self::from_le_coordinates(curve, raw.as_bytes())
    }

    /// The key `x_le ‖ y_le` on the curve named by `curve_oid` (either family's name).
    pub fn from_xy_le(curve_oid: &Oid, xy: &[u8]) -> Result<Self, VerifyError> {
        let curve = AnyCurve::from_oid(curve_oid).ok_or_else(|| {
            VerifyError::UnsupportedAlgorithm(format!("GOST key: curve {curve_oid}"))
        })?;
        Self::from_le_coordinates(curve, xy)
    }

    fn from_le_coordinates(curve: AnyCurve, xy: &[u8]) -> Result<Self, VerifyError> {
        let n = curve.bytes();
        let bad = || VerifyError::UnsupportedAlgorithm(format!("GOST key not on {}", curve.name()));
        if xy.len() != 2 * n {
            return Err(bad());
        }
        let point = match curve {
            AnyCurve::C512(c) => AnyPoint::P512(affine(c, &xy[..n], &xy[n..]).ok_or_else(bad)?),
            AnyCurve::C256(c) => AnyPoint::P256(affine(c, &xy[..n], &xy[n..]).ok_or_else(bad)?),
        };
        Ok(Self { curve, point })
    }

    /// The curve's name, for display.
    pub fn curve_name(&self) -> &'static str {
        self.curve.name()
    }

    /// Size of the key in bits (256 or 512).
    pub fn bits(&self) -> usize {
        8 * self.curve.bytes()
    }

    /// Whether `signature` (in `layout`) is this key's over a message with digest `digest`
    /// (the Streebog output bytes as emitted).
    pub fn verify_digest(&self, digest: &[u8], signature: &[u8], layout: Layout) -> bool {
        let n = self.curve.bytes();
        if signature.len() != 2 * n {
            return false;
        }
        // Bring both layouts to NCA's r_le ‖ s_le.
        let sig: Vec<u8> = match layout {
            Layout::Nca => signature.to_vec(),
            Layout::Tc26 => signature.iter().rev().copied().collect(),
        };
        let (r, s) = sig.split_at(n);
        match (self.curve, self.point) {
            (AnyCurve::C512(c), AnyPoint::P512(q)) => verify_on(c, &q, digest, r, s),
            (AnyCurve::C256(c), AnyPoint::P256(q)) => verify_on(c, &q, digest, r, s),
            _ => false,
        }
    }
}

fn affine<const N: usize>(c: &Curve<N>, x_le: &[u8], y_le: &[u8]) -> Option<Affine<N>> {
    let p = c.f.modulus();
    let (x, y) = (le_uint::<N>(x_le)?, le_uint::<N>(y_le)?);
    if x >= p || y >= p {
        return None;
    }
    let a = Affine {
        x: c.f.element(&x),
        y: c.f.element(&y),
    };
    c.on_curve(&a).then_some(a)
}

/// `e`: the digest read little-endian, mod q, and 1 in place of 0.
fn digest_scalar<const N: usize>(c: &Curve<N>, digest: &[u8]) -> Option<Uint<N>> {
    let mut wide = digest.to_vec();
    wide.resize(8 * N, 0);
    let alpha = le_uint::<N>(&wide[..8 * N])?;
    let e = alpha.rem_vartime(&crypto_bigint::NonZero::new(c.q).into_option()?);
    Some(if e == Uint::ZERO { Uint::ONE } else { e })
}

fn verify_on<const N: usize>(
    c: &Curve<N>,
    key: &Affine<N>,
    digest: &[u8],
    r_le: &[u8],
    s_le: &[u8],
) -> bool {
    let (Some(r), Some(s), Some(e)) = (
        le_uint::<N>(r_le),
        le_uint::<N>(s_le),
        digest_scalar(c, digest),
    ) else {
        return false;
    };
    if r == Uint::ZERO || s == Uint::ZERO || r >= c.q || s >= c.q {
        return false;
    }
    let Some(v) = c.mod_q(&e).invert_vartime().into_option() else {
        return false;
    };
    let z1 = (c.mod_q(&s) * v).retrieve();
    let z2 = (-(c.mod_q(&r) * v)).retrieve();
    c.x_mod_q(&c.mul_add(&z1, &z2, key)) == Some(r)
}

/// A GOST private key (demo signers and test fixtures only: real keys never reach the
/// server). Signs in NCA's layout; [`Layout::Tc26`] is its byte reversal.
#[derive(Clone)]
pub struct PrivateKey {
    curve: AnyCurve,
    /// `d`, little-endian, as the key is stored in NCA's PKCS#8.
    d_le: Vec<u8>,
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PrivateKey")
            .field("curve", &self.curve.name())
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// The key `d` (little-endian bytes) on the curve named by `curve_oid`.
    pub fn from_le_bytes(curve_oid: &Oid, d_le: &[u8]) -> Option<Self> {
        let curve = AnyCurve::from_oid(curve_oid)?;
        if d_le.len() != curve.bytes() {
            return None;
        }
        Some(Self {
            curve,
            d_le: d_le.to_vec(),
        })
    }

    /// A new random key on the curve named by `curve_oid`.
    pub fn generate(curve_oid: &Oid) -> Option<Self> {
        let curve = AnyCurve::from_oid(curve_oid)?;
        let d = match curve {
            AnyCurve::C512(c) => random_scalar(c)?.to_le_bytes().as_ref().to_vec(),
            AnyCurve::C256(c) => random_scalar(c)?.to_le_bytes().as_ref().to_vec(),
        };
        Some(Self { curve, d_le: d })
    }

    pub fn d_le(&self) -> &[u8] {
        &self.d_le
    }

    /// The public key, as `x_le ‖ y_le`.
    pub fn public_le(&self) -> Vec<u8> {
        fn public<const N: usize>(c: &Curve<N>, d_le: &[u8]) -> Vec<u8> {
            let Some(d) = le_uint::<N>(d_le) else {
                return Vec::new();
            };
            match c.to_affine(&c.mul_base(&d)) {
                Some(p) => {
                    let mut out = c.f.value(&p.x).to_le_bytes().as_ref().to_vec();
                    out.extend_from_slice(c.f.value(&p.y).to_le_bytes().as_ref());
                    out
                }
                None => Vec::new(),
            }
        }
        match self.curve {
            AnyCurve::C512(c) => public(c, &self.d_le),
            AnyCurve::C256(c) => public(c, &self.d_le),
        }
    }

    /// Signs `digest` with a fresh random `k`: `r_le ‖ s_le`.
    pub fn sign_digest(&self, digest: &[u8]) -> Option<Vec<u8>> {
        fn sign<const N: usize>(c: &Curve<N>, d_le: &[u8], digest: &[u8]) -> Option<Vec<u8>> {
            let d = le_uint::<N>(d_le)?;
            let e = digest_scalar(c, digest)?;
            let q = crypto_bigint::NonZero::new(c.q).into_option()?;
            for _ in 0..16 {
                let k = random_scalar(c)?;
                let r = c.x_mod_q(&c.mul_base(&k))?.rem_vartime(&q);
                if r == Uint::ZERO {
                    continue;
                }
                let s = (c.mod_q(&r) * c.mod_q(&d) + c.mod_q(&k) * c.mod_q(&e)).retrieve();
                if s == Uint::ZERO {
                    continue;
                }
                let mut out = r.to_le_bytes().as_ref().to_vec();
                out.extend_from_slice(s.to_le_bytes().as_ref());
                return Some(out);
            }
            None
        }
        match self.curve {
            AnyCurve::C512(c) => sign(c, &self.d_le, digest),
            AnyCurve::C256(c) => sign(c, &self.d_le, digest),
        }
    }
}

/// `r_le ‖ s_le` for the given `k` (the standard's worked example fixes it).
#[cfg(test)]
fn sign_with_k<const N: usize>(
    c: &Curve<N>,
    d: &Uint<N>,
    e: &Uint<N>,
    k: &Uint<N>,
) -> Option<(Uint<N>, Uint<N>)> {
    let q = crypto_bigint::NonZero::new(c.q).into_option()?;
    let r = c.x_mod_q(&c.mul_base(k))?.rem_vartime(&q);
    let s = (c.mod_q(&r) * c.mod_q(d) + c.mod_q(k) * c.mod_q(e)).retrieve();
    Some((r, s))
}

/// A uniformly random scalar in `[1, q)`.
fn random_scalar<const N: usize>(c: &Curve<N>) -> Option<Uint<N>> {
    use ring::rand::SecureRandom;
    let rng = ring::rand::SystemRandom::new();
    let bits = c.q.bit_width_vartime();
    for _ in 0..1000 {
        let mut buf = vec![0u8; 8 * N];
        rng.fill(&mut buf).ok()?;
        let k = Uint::<N>::from_le_slice(&buf).shr_vartime(8 * N as u32 * 8 - bits);
        if k != Uint::ZERO && k < c.q {
            return Some(k);
        }
    }
    None
}

/// The encoded public key of a SubjectPublicKeyInfo: an OCTET STRING of `x_le ‖ y_le`.
pub fn encode_public_key(xy_le: &[u8]) -> Result<Vec<u8>, der::Error> {
    der::asn1::OctetString::new(xy_le)?.to_der()
}

/// The curve sizes the module knows, for tests: (512-bit curve OIDs, 256-bit curve OIDs).
pub fn known_curves() -> (Vec<Oid>, Vec<Oid>) {
    (
        vec![oid::TC26_512_A, oid::TC26_512_B, oid::TC26_512_C],
        vec![
            oid::TC26_256_A,
            oid::TC26_256_B,
            oid::TC26_256_C,
            oid::TC26_256_D,
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector(name: &str) -> std::collections::HashMap<String, String> {
        let path = format!(
            "{}/tests/fixtures/kz-gost/vectors/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect()
    }

    /// GOST R 34.10-2012 Appendix A.2 (RFC 7091): the 512-bit example on the standard's test
    /// curve — the public key from d, the signature from k, and its verification.
    #[test]
    fn gost_34_10_2012_512_example() {
        let v = vector("gost3410_2012_512_rfc7091_A2.txt");
        let h = |k: &str| Uint::<8>::from_be_hex(&v[k]);
        let c = Curve::<8>::new(
            "test",
            &v["p"],
            &format!("{:0>128}", v["a"]),
            &v["b"],
            &v["q"],
            &v["Gx"],
            &v["Gy"],
        )
        .unwrap_or_else(|| panic!("the test curve"));
        let q = c
            .to_affine(&c.mul_base(&h("d")))
            .unwrap_or_else(|| panic!("Q"));
        assert_eq!((c.f.value(&q.x), c.f.value(&q.y)), (h("Qx"), h("Qy")));
        // The same through the variable-base path.
        let q2 = c
            .to_affine(&c.mul_var(&h("d"), &c.g))
            .unwrap_or_else(|| panic!("Q"));
        assert_eq!(q, q2);
        let (r, s) = sign_with_k(&c, &h("d"), &h("e"), &h("k")).unwrap_or_else(|| panic!("sign"));
        assert_eq!((r, s), (h("r"), h("s")));
        let le = |x: Uint<8>| x.to_le_bytes().as_ref().to_vec();
        // e is given as a number; the digest is its little-endian byte string.
        let digest = le(h("e"));
        assert!(verify_on(&c, &q, &digest, &le(r), &le(s)));
        let mut other = digest.clone();
        other[0] ^= 1;
        assert!(!verify_on(&c, &q, &other, &le(r), &le(s)));
        let mut bad_s = le(s);
        bad_s[10] ^= 0x80;
        assert!(!verify_on(&c, &q, &digest, &le(r), &bad_s));
    }

    /// Every curve's constants hold together: G is on the curve and has order q.
    #[test]
    fn every_curve_has_its_base_point_of_order_q() {
        let (c512, c256) = known_curves();
        for o in c512.iter().chain(&c256) {
            match AnyCurve::from_oid(o).unwrap_or_else(|| panic!("{o}")) {
                AnyCurve::C512(c) => {
                    let q1 = c.q.wrapping_sub(&Uint::ONE);
                    let p = c
                        .to_affine(&c.mul_var(&q1, &c.g))
                        .unwrap_or_else(|| panic!("{o}"));
                    assert_eq!((p.x, c.f.neg(&p.y)), (c.g.x, c.g.y), "{o}: (q−1)·G = −G");
                    assert_eq!(c.to_affine(&c.mul_base(&q1)), Some(p), "{o}: the table");
                }
                AnyCurve::C256(c) => {
                    let q1 = c.q.wrapping_sub(&Uint::ONE);
                    let p = c
                        .to_affine(&c.mul_var(&q1, &c.g))
                        .unwrap_or_else(|| panic!("{o}"));
                    assert_eq!((p.x, c.f.neg(&p.y)), (c.g.x, c.g.y), "{o}: (q−1)·G = −G");
                    assert_eq!(c.to_affine(&c.mul_base(&q1)), Some(p), "{o}: the table");
                }
            }
        }
    }

    /// A key signs and verifies on every curve, in both layouts; a changed digest fails.
    #[test]
    fn sign_and_verify_on_every_curve() {
        let (c512, c256) = known_curves();
        for o in c512.iter().chain(&c256) {
            let key = PrivateKey::generate(o).unwrap_or_else(|| panic!("{o}"));
            let public =
                PublicKey::from_xy_le(o, &key.public_le()).unwrap_or_else(|e| panic!("{o}: {e}"));
            let digest = Streebog::S512.digest(o.to_string().as_bytes());
            let sig = key.sign_digest(&digest).unwrap_or_else(|| panic!("{o}"));
            assert!(public.verify_digest(&digest, &sig, Layout::Nca), "{o}");
            let reversed: Vec<u8> = sig.iter().rev().copied().collect();
            assert!(
                public.verify_digest(&digest, &reversed, Layout::Tc26),
                "{o}"
            );
            assert!(
                !public.verify_digest(&digest, &reversed, Layout::Nca),
                "{o}"
            );
            let mut other = digest.clone();
            other[3] ^= 4;
            assert!(!public.verify_digest(&other, &sig, Layout::Nca), "{o}");
        }
    }
}
