//! CMS signatures and certificates: any bytes, as an uploaded .p7s, base64 from NCALayer or
//! eGov mobile, a PEM, a trust-folder certificate or CRL, or an OCSP responder's answer, must
//! parse or be refused, never crash. Seeded with NCA RK's GOST-512 material, so the GOST
//! arithmetic meets damaged keys and signatures too.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let trust = otinish_pki::TrustStore::new();
    let now = chrono::Utc::now();
    let _ = otinish_pki::verify(data, None, &trust, now);
    let _ = otinish_pki::verify(data, Some(b"document"), &trust, now);
    let _ = otinish_pki::verify_ignoring_trust(data, None);
    if let Ok(der) = otinish_pki::decode_signature(data) {
        let _ = otinish_pki::verify_ignoring_trust(&der, None);
    }
    let _ = otinish_pki::parse_certificates(data);
    let _ = otinish_pki::trust_crl(data);
    if let Some(issuer) = otinish_pki::parse_certificates(ISSUER)
        .ok()
        .and_then(|mut c| c.pop())
    {
        let serial = issuer.tbs_certificate.serial_number.clone();
        let _ = otinish_pki::ocsp::check(data, &serial, &issuer, None, now);
        let _ = otinish_pki::ocsp::check(data, &serial, &issuer, Some(b"nonce"), now);
    }
});

/// NCA RK's TEST issuing CA: the issuer OCSP answers are checked against.
const ISSUER: &[u8] = include_bytes!("../../crates/pki/anchors/nca-gost-test/nca_gost2022_test.cer");
