//! CMS signatures and certificates: any bytes, as an uploaded .p7s, base64 from NCALayer, a
//! PEM, or a trust-folder certificate or CRL, must parse or be refused, never crash.
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
});
