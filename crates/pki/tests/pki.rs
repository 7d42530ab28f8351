//! Signature verification on fixtures made by the `openssl` command (tests/fixtures/make.sh):
//! an independent signer, so these tests check the verifier against the outside world.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use chrono::{DateTime, TimeZone, Utc};
use otinish_pki::{verify, TrustStore, VerifyError};
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("out").join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The moment the tests judge validity at: inside every good certificate's validity.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 6, 1, 12, 0, 0).unwrap()
}

fn trust() -> TrustStore {
    let mut t = TrustStore::from_dir(&fixtures().join("trust")).unwrap();
    t.add_crl(otinish_pki::trust_crl(&read("inter.crl")).unwrap());
    t
}

fn check(name: &str) -> Result<otinish_pki::Verified, VerifyError> {
    verify(&read(name), None, &trust(), now())
}

/// EA-06: a good attached signature verifies, with the signer's identity from the subject
/// and the whole chain.
#[test]
fn ea_06_good_attached_signature_and_identity() {
    let v = check("good-attached.p7s").unwrap();
    assert_eq!(v.content, read("content.txt"));
    assert_eq!(
        v.signer.iin.as_ref().map(|i| i.as_str()),
        Some("791028302728")
    );
    assert_eq!(v.signer.surname.as_deref(), Some("АХМЕТОВ"));
    assert_eq!(v.signer.name.as_deref(), Some("БАУЫРЖАН"));
    assert_eq!(v.signer.patronymic.as_deref(), Some("СЕРІКҰЛЫ"));
    assert_eq!(v.signer.email.as_deref(), Some("b.akhmetov@example.kz"));
    assert_eq!(v.signer.bin, None);
    let chain: Vec<_> = v.chain.iter().map(|l| l.subject.as_str()).collect();
    assert_eq!(
        chain,
        [
            "АХМЕТОВ БАУЫРЖАН",
            "Otinish Test Signing CA",
            "Otinish Test Root CA"
        ]
    );
    assert!(v.signing_time.is_some());
    assert_eq!(v.signature_algorithm, "RSA PKCS#1 v1.5 SHA-256");
}

#[test]
fn pem_and_base64_forms_verify() {
    assert!(check("good-pem.p7s").is_ok());
    assert!(check("good-attached.b64").is_ok());
}

/// EA-04: an organisation's certificate gives its BIN and name; ECDSA P-256.
#[test]
fn ea_04_legal_entity_signer_ecdsa_p256() {
    let v = check("legal-attached.p7s").unwrap();
    assert_eq!(
        v.signer.bin.as_ref().map(|b| b.as_str()),
        Some("940140000385")
    );
    assert_eq!(
        v.signer.iin.as_ref().map(|i| i.as_str()),
        Some("061211600012")
    );
    assert_eq!(v.signer.organization.as_deref(), Some("ТОО «Ромашка»"));
    assert_eq!(v.signature_algorithm, "ECDSA P-256 SHA-256");
}

#[test]
fn other_algorithms_p384_and_pss() {
    assert_eq!(
        check("p384-sha384.p7s").unwrap().signature_algorithm,
        "ECDSA P-384 SHA-384"
    );
    assert_eq!(
        check("pss-sha512.p7s").unwrap().signature_algorithm,
        "RSA-PSS SHA-512"
    );
}

/// EA-06: a detached signature needs its document, and detects a changed one.
#[test]
fn ea_06_detached_signature_content_and_tampering() {
    let sig = read("good-detached.p7s");
    assert_eq!(
        verify(&sig, None, &trust(), now()).unwrap_err(),
        VerifyError::DetachedWithoutContent
    );
    assert!(verify(&sig, Some(&read("content.txt")), &trust(), now()).is_ok());
    assert_eq!(
        verify(&sig, Some(&read("tampered.txt")), &trust(), now()).unwrap_err(),
        VerifyError::ContentTampered
    );
    // Attached content that differs from the document presented is also refused.
    assert_eq!(
        verify(
            &read("good-attached.p7s"),
            Some(&read("tampered.txt")),
            &trust(),
            now()
        )
        .unwrap_err(),
        VerifyError::ContentTampered
    );
}

/// EA-07 item 2: every failure has its own reason.
#[test]
fn ea_07_each_failure_has_a_distinct_reason() {
    let cases = [
        ("expired.p7s", "expired"),
        ("future.p7s", "not_yet_valid"),
        ("revoked.p7s", "revoked"),
        ("nokeyusage.p7s", "key_usage"),
        ("stranger.p7s", "untrusted_issuer"),
        ("badiin.p7s", "bad_identity"),
    ];
    let mut messages = Vec::new();
    for (file, code) in cases {
        let e = check(file).unwrap_err();
        assert_eq!(e.code(), code, "{file}: {e}");
        messages.push(e.to_string());
    }
    assert!(
        messages[0].contains("expired on 2025-01-01"),
        "{}",
        messages[0]
    );
    assert!(
        messages[1].contains("valid only from 2040-01-01"),
        "{}",
        messages[1]
    );
    assert!(messages[2].contains("revoked"), "{}", messages[2]);
    let e = check("expired.p7s").unwrap_err();
    assert!(matches!(e, VerifyError::Expired { ref subject, .. } if subject == "ЕСКІ СЕРТИФИКАТ"));
}

/// A signature by a key that is not the certificate's: the signer's certificate is swapped for
/// one with the same issuer and serial but another key (both made by openssl).
#[test]
fn wrong_key_is_a_bad_signature() {
    let mut sig = read("good-attached.p7s");
    let good = pem_to_der(&read("individual.crt"));
    let impostor = pem_to_der(&read("impostor.crt"));
    let at = sig
        .windows(good.len())
        .position(|w| w == good.as_slice())
        .expect("signer certificate inside");
    assert_eq!(
        good.len(),
        impostor.len(),
        "the fixtures differ only in their keys"
    );
    sig.splice(at..at + good.len(), impostor);
    assert_eq!(
        verify(&sig, None, &trust(), now()).unwrap_err(),
        VerifyError::BadSignature
    );
}

#[test]
fn damaged_signature_value_and_garbage() {
    let mut sig = read("good-attached.p7s");
    let n = sig.len();
    sig[n - 5] ^= 0x01;
    assert_eq!(
        verify(&sig, None, &trust(), now()).unwrap_err(),
        VerifyError::BadSignature
    );
    assert_eq!(
        verify(b"hello", None, &trust(), now()).unwrap_err().code(),
        "not_cms"
    );
    assert_eq!(
        verify(&[0x30, 0x03, 0x02, 0x01, 0x00], None, &trust(), now())
            .unwrap_err()
            .code(),
        "not_cms"
    );
}

/// Without the CRL the revoked certificate is not known to be revoked; with an outdated CRL
/// the answer is "out of date", not "valid".
#[test]
fn crl_is_what_reveals_revocation() {
    let no_crl = TrustStore::from_dir(&fixtures().join("trust")).unwrap();
    assert!(verify(&read("revoked.p7s"), None, &no_crl, now()).is_ok());
    let far_future = Utc.with_ymd_and_hms(2130, 1, 1, 0, 0, 0).unwrap();
    let e = verify(&read("good-attached.p7s"), None, &trust(), far_future).unwrap_err();
    assert!(
        matches!(
            e,
            VerifyError::Expired { .. } | VerifyError::CrlOutdated { .. }
        ),
        "{e}"
    );
}

fn pem_to_der(pem: &[u8]) -> Vec<u8> {
    let (_, der) = der::pem::decode_vec(pem.trim_ascii()).unwrap();
    der
}

/// The server's own signatures (receipts, demo signers) verify with our verifier and with the
/// `openssl cms -verify` command, and carry the Kazakhstan-style identity.
#[test]
fn ea_07_server_signatures_verify_here_and_with_openssl() {
    use otinish_pki::sign::{load_key, save_key, KzSubject, LocalCa};
    let now = Utc::now();
    let ca = LocalCa::generate("Otinish Demo CA", now).unwrap();
    let subject = KzSubject {
        surname: "АХМЕТОВ".into(),
        name: "БАУЫРЖАН".into(),
        patronymic: Some("СЕРІКҰЛЫ".into()),
        iin: "791028302728".into(),
        organization: Some("ТОО «Ромашка»".into()),
        bin: Some("940140000385".into()),
        email: Some("b@example.kz".into()),
    };
    let key = ca.issue(&subject, now).unwrap();
    let content = "Квитанция о доставке: обращение принято".as_bytes();
    let cms = key.sign_cms(content, true, now).unwrap();
    let mut trust = TrustStore::new();
    for c in otinish_pki::parse_certificates(ca.root_der()).unwrap() {
        trust.add_certificate(c);
    }
    let v = verify(&cms, None, &trust, now).unwrap();
    assert_eq!(v.content, content);
    assert_eq!(
        v.signer.iin.as_ref().map(|i| i.as_str()),
        Some("791028302728")
    );
    assert_eq!(
        v.signer.bin.as_ref().map(|b| b.as_str()),
        Some("940140000385")
    );
    assert_eq!(v.signer.patronymic.as_deref(), Some("СЕРІКҰЛЫ"));
    assert_eq!(v.signer.email.as_deref(), Some("b@example.kz"));
    let detached = key.sign_cms(content, false, now).unwrap();
    assert!(verify(&detached, Some(content), &trust, now).is_ok());
    assert_eq!(
        verify(&detached, Some(b"other"), &trust, now).unwrap_err(),
        VerifyError::ContentTampered
    );

    // Keys survive a restart.
    let dir = tempfile::tempdir().unwrap();
    save_key(dir.path(), "k", &key).unwrap();
    let again = load_key(dir.path(), "k").unwrap();
    assert!(verify(&again.sign_cms(b"x", true, now).unwrap(), None, &trust, now).is_ok());

    // An independent verifier agrees.
    if std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_err()
    {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED openssl cross-check: no openssl command"
        );
        return;
    }
    std::fs::write(dir.path().join("s.p7s"), &cms).unwrap();
    let root_pem = format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        base64_lines(ca.root_der())
    );
    std::fs::write(dir.path().join("root.pem"), root_pem).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "cms", "-verify", "-binary", "-inform", "DER", "-purpose", "any",
        ])
        .arg("-in")
        .arg(dir.path().join("s.p7s"))
        .arg("-CAfile")
        .arg(dir.path().join("root.pem"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "openssl: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, content);
}

fn base64_lines(der: &[u8]) -> String {
    use base64::Engine;
    let b = base64::engine::general_purpose::STANDARD.encode(der);
    b.as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// DER is never trimmed: a signature whose last byte is 0x20 or 0x0a still verifies.
#[test]
fn der_ending_in_a_whitespace_byte_is_kept_whole() {
    use otinish_pki::sign::{KzSubject, LocalCa};
    let now = Utc::now();
    let ca = LocalCa::generate("CA", now).unwrap();
    let subject = KzSubject {
        surname: "А".into(),
        name: "Б".into(),
        patronymic: None,
        iin: "791028302728".into(),
        organization: None,
        bin: None,
        email: None,
    };
    let key = ca.issue(&subject, now).unwrap();
    let mut trust = TrustStore::new();
    trust.add_certificate(
        otinish_pki::parse_certificates(ca.root_der())
            .unwrap()
            .remove(0),
    );
    let mut seen = 0;
    for i in 0..3000 {
        let cms = key.sign_cms(format!("n{i}").as_bytes(), true, now).unwrap();
        if matches!(cms.last(), Some(b' ' | b'\n' | b'\r' | b'\t' | 0x0c)) {
            seen += 1;
            assert!(verify(&cms, None, &trust, now).is_ok());
            if seen == 3 {
                break;
            }
        }
    }
    assert!(
        seen > 0,
        "no signature ended in a whitespace byte in 3000 tries"
    );
}
