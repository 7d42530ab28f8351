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

/// A signature larger than any real one (a good one with megabytes of junk after it, or as
/// base64) is refused before it is parsed, saying so.
#[test]
fn an_oversized_signature_is_refused_before_parsing() {
    let mut big = read("good-attached.p7s");
    assert!(big.len() < otinish_pki::MAX_SIGNATURE_BYTES);
    big.resize(otinish_pki::MAX_SIGNATURE_BYTES + 1, 0);
    let refused = verify(&big, None, &trust(), now()).unwrap_err();
    assert!(
        matches!(&refused, VerifyError::NotCms(m) if m.contains("1024 KB")),
        "{refused}"
    );
    let text = vec![b'A'; otinish_pki::MAX_SIGNATURE_BYTES * 2];
    assert!(matches!(
        otinish_pki::decode_signature(&text),
        Err(VerifyError::NotCms(m)) if m.contains("1024 KB")
    ));
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

// ---------------------------------------------------------------------------------------
// GOST R 34.10-2015 (512) and the NCA RK PKI, on material made by NCA's own tools
// (tests/fixtures/kz-gost, see its PROVENANCE.md).

mod kz_gost {
    use chrono::{DateTime, TimeZone, Utc};
    use otinish_pki::gost::{Layout, PublicKey, Streebog};
    use otinish_pki::{verify, SubjectKind, TrustStore, VerifyError};
    use std::path::PathBuf;

    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/kz-gost")
    }

    fn read(name: &str) -> Vec<u8> {
        std::fs::read(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// The TEST PKI's root and issuing CA (its CRLs are from 2025: out of date now).
    fn test_pki() -> TrustStore {
        let mut t = TrustStore::new();
        for f in ["root_test_gost_2022.cer", "nca_gost2022_test.cer"] {
            for c in otinish_pki::parse_certificates(&read(&format!("test-pki/{f}"))).unwrap() {
                t.add_certificate(c);
            }
        }
        t
    }

    /// Inside the TEST individual's certificate (2026-05-08 – 2027-05-08).
    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 30, 12, 0, 0).unwrap()
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// The fixtures are the files their provenance describes: every SHA-256 in SHA256SUMS.
    #[test]
    fn fixtures_are_the_recorded_ones() {
        use sha2::Digest;
        let sums = String::from_utf8(read("SHA256SUMS")).unwrap();
        let mut n = 0;
        for line in sums.lines() {
            let (sum, file) = line.split_once("  ").unwrap();
            let file = file.trim_start_matches("./");
            assert_eq!(hex::encode(sha2::Sha256::digest(read(file))), sum, "{file}");
            n += 1;
        }
        assert!(n > 80, "{n} files");
    }

    /// RFC 6986's examples M1 and M2, both digest sizes (RustCrypto's streebog).
    #[test]
    fn streebog_vectors() {
        let text = String::from_utf8(read("vectors/streebog_rfc6986.txt")).unwrap();
        let get = |k: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{k} = ")))
                .unwrap_or_else(|| panic!("{k}"))
                .trim()
                .to_owned()
        };
        for m in ["M1", "M2"] {
            let input = read(&format!("vectors/streebog_{m}.bin"));
            assert_eq!(input, hex(&get(&format!("{m}.hex"))));
            assert_eq!(
                Streebog::S512.digest(&input),
                hex(&get(&format!("{m}.streebog512.digest_bytes")))
            );
            assert_eq!(
                Streebog::S256.digest(&input),
                hex(&get(&format!("{m}.streebog256.digest_bytes")))
            );
        }
    }

    /// Every real NCA RK signature in the fixtures (certificates of the production and TEST
    /// roots and CAs, the production TSA, TEST signers, CRLs, the OCSP response, the CMS
    /// signer infos and their timestamp tokens, the XMLDSig) verifies in NCA's layout and in
    /// RFC 4491's, from the signed bytes; each fails with one bit flipped, in the signature or
    /// in the signed bytes.
    #[test]
    fn real_nca_signatures_and_one_bit_flipped() {
        let json: serde_json::Value =
            serde_json::from_slice(&read("vectors/kz_real_signatures.json")).unwrap();
        let vectors = json["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 40, "{}", vectors.len());
        let curve = const_oid::ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2.1");
        for v in vectors {
            let name = v["name"].as_str().unwrap();
            let s = |k: &str| hex(v[k].as_str().unwrap_or_else(|| panic!("{name}: {k}")));
            let key = PublicKey::from_xy_le(&curve, &s("pub_kz")).unwrap();
            let signed = s("signed_data_hex");
            let digest = Streebog::S512.digest(&signed);
            assert_eq!(digest, s("streebog512"), "{name}");
            let sig = s("sig_kz");
            assert!(key.verify_digest(&digest, &sig, Layout::Nca), "{name}");
            assert!(
                key.verify_digest(&digest, &s("sig_rfc4491_s_r"), Layout::Tc26),
                "{name} (RFC 4491 layout)"
            );
            for bit in [0, 7, 300, 1023] {
                let mut flipped = sig.clone();
                flipped[bit / 8] ^= 1 << (bit % 8);
                assert!(
                    !key.verify_digest(&digest, &flipped, Layout::Nca),
                    "{name}: bit {bit}"
                );
            }
            let mut changed = signed.clone();
            let last = changed.len() - 1;
            changed[last] ^= 0x01;
            assert!(
                !key.verify_digest(&Streebog::S512.digest(&changed), &sig, Layout::Nca),
                "{name}: changed document"
            );
        }
    }

    /// Certificates on the path, through the trust store: the production issuing CA and TSA
    /// chain to the production root; the TEST chain to the TEST root; the shipped anchors
    /// are these very certificates.
    #[test]
    fn certificates_chain_to_their_roots_and_the_shipped_anchors_are_nca_s() {
        let shipped = otinish_pki::nca_production().certificates();
        let fingerprints: Vec<&str> = shipped.iter().map(|(_, fp, _)| fp.as_str()).collect();
        assert!(fingerprints
            .contains(&"af77725f8328bb24f89d81da3acdf7cee4324248538b7ba2cd2a860517fb9dca"));
        assert!(fingerprints
            .contains(&"32c7d233a42703a327f3025543a05b930e3f39a786c68dfa196baa86d5618524"));
        assert_eq!(otinish_pki::nca_test().certificates().len(), 2);
    }

    fn cms(name: &str) -> Result<otinish_pki::Verified, VerifyError> {
        let content = read("cms/individual_document.txt");
        let detached = name.contains("detached");
        verify(
            &read(&format!("cms/{name}")),
            detached.then_some(content.as_slice()),
            &test_pki(),
            now(),
        )
    }

    /// KalkanCrypt's CMS, attached and detached: signer IIN 123456789011, an individual,
    /// the production TSA's timestamp (its time is the signing time), TEST CRL consulted.
    #[test]
    fn kalkan_cms_verifies_with_role_and_timestamp() {
        for name in ["individual_attached.der", "individual_detached.der"] {
            let v = cms(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(
                v.signer.iin.as_ref().map(|i| i.as_str()),
                Some("123456789011")
            );
            assert_eq!(v.signer.surname.as_deref(), Some("ТЕСТОВ"));
            assert_eq!(v.role.kind, SubjectKind::Individual);
            assert!(!v.role.authentication_only);
            let ts = v
                .timestamp
                .as_ref()
                .unwrap_or_else(|| panic!("{name}: timestamp"));
            assert_eq!(ts.time, Utc.with_ymd_and_hms(2026, 7, 20, 9, 8, 7).unwrap());
            assert_eq!(v.signing_time, Some(ts.time));
            assert_eq!(ts.authority, "TIME-STAMPING AUTHORITY");
            assert_eq!(v.digest_algorithm, "Streebog-512");
            assert!(v
                .signature_algorithm
                .starts_with("GOST R 34.10-2015 512-bit"));
            assert_eq!(v.chain.len(), 3, "{name}: signer, TEST CA, TEST root");
            assert_eq!(v.content, read("cms/individual_document.txt"));
            assert!(v.require_document_signer().is_ok());
        }
    }

    /// With the production anchors instead of the TEST PKI, the TEST signer's issuer is not
    /// trusted.
    #[test]
    fn production_anchors_do_not_trust_the_test_pki() {
        let e = verify(
            &read("cms/individual_attached.der"),
            None,
            otinish_pki::nca_production(),
            now(),
        )
        .unwrap_err();
        assert!(matches!(e, VerifyError::UntrustedIssuer { .. }), "{e}");
    }

    /// A changed document, a flipped bit in the signature value and in the timestamp each
    /// fail with their own reason.
    #[test]
    fn tampering_each_has_its_reason() {
        let mut doc = read("cms/individual_document.txt");
        doc[0] ^= 1;
        let e = verify(
            &read("cms/individual_detached.der"),
            Some(&doc),
            &test_pki(),
            now(),
        )
        .unwrap_err();
        assert_eq!(e, VerifyError::ContentTampered);

        let der = read("cms/individual_attached.der");
        // The SignerInfo's signature value, found where it sits in the file.
        let value = {
            use der::Decode;
            let ci = cms::content_info::ContentInfo::from_der(&der).unwrap();
            let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
            sd.signer_infos
                .0
                .iter()
                .next()
                .unwrap()
                .signature
                .as_bytes()
                .to_vec()
        };
        let at = der.windows(value.len()).position(|w| w == value).unwrap();
        let mut flipped = der.clone();
        flipped[at + 17] ^= 0x10;
        let e = verify(&flipped, None, &test_pki(), now()).unwrap_err();
        assert_eq!(e, VerifyError::BadSignature);

        // A flipped bit inside the timestamp token's TSTInfo (its genTime).
        let gen = der
            .windows(15)
            .position(|w| w == b"20260720090807Z")
            .unwrap();
        let mut stamped = der.clone();
        stamped[gen + 13] ^= 0x01;
        let e = verify(&stamped, None, &test_pki(), now()).unwrap_err();
        assert!(matches!(e, VerifyError::BadTimestamp(_)), "{e}");
    }

    /// A published TEST key (d from vectors/test_p12_keys.json, which the fixture oracle took
    /// out of the p12 file) with its certificate and the TEST CA above it.
    fn test_key(id: &str) -> otinish_pki::sign::SigningKey {
        use der::Decode;
        let json: serde_json::Value =
            serde_json::from_slice(&read("vectors/test_p12_keys.json")).unwrap();
        let entry = json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["file"].as_str().unwrap().contains(id))
            .unwrap_or_else(|| panic!("{id}"));
        let d = hex(entry["d_le"].as_str().unwrap());
        let curve = const_oid::ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2.1");
        let key = otinish_pki::gost::PrivateKey::from_le_bytes(&curve, &d).unwrap();
        let cert = x509_cert::Certificate::from_der(&read(&format!("p12-certs/GOST512_{id}.cer")))
            .unwrap();
        let ca = x509_cert::Certificate::from_der(&read("test-pki/nca_gost2022_test.cer")).unwrap();
        otinish_pki::sign::SigningKey::from_gost(key, cert, vec![ca]).unwrap()
    }

    /// Inside the TEST p12 keys' validity (Oct 2024 – Oct 2025) and the TEST CRL's (Apr – Oct
    /// 2025).
    fn in_2025() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 6, 1, 12, 0, 0).unwrap()
    }

    fn with_crls() -> TrustStore {
        let mut t = test_pki();
        for f in ["nca_gost2022_test.crl", "nca_gost2022_d_test.crl"] {
            t.add_crl(otinish_pki::trust_crl(&read(&format!("test-pki/{f}"))).unwrap());
        }
        t
    }

    /// A published TEST key signs: verified now, its certificate has expired; at a moment
    /// inside its validity, with NCA's TEST CRL, the signature holds and says which list was
    /// consulted. A key NCA revoked is refused as revoked, with the date from NCA's list.
    #[test]
    fn test_keys_expired_now_valid_then_and_revoked_by_nca_s_crl() {
        let signed_at = Utc.with_ymd_and_hms(2025, 5, 30, 9, 0, 0).unwrap();
        let key = test_key("0d79679f360a2da49a631a0b1ac76f76c34b6f24");
        let cms = key.sign_cms("Өтініш".as_bytes(), true, signed_at).unwrap();
        let e = verify(&cms, None, &with_crls(), now()).unwrap_err();
        assert!(matches!(e, VerifyError::Expired { .. }), "{e}");
        let v = verify(&cms, None, &with_crls(), in_2025()).unwrap();
        assert_eq!(
            v.signer.iin.as_ref().map(|i| i.as_str()),
            Some("123456789011")
        );
        match &v.revocation {
            Some(otinish_pki::Revocation::Crl { issuer, .. }) => {
                assert!(issuer.contains("(GOST) TEST 2022"), "{issuer}")
            }
            other => panic!("{other:?}"),
        }
        let revoked = test_key("145fc4910ee07ff689aeceee0f1d09d2441d0670");
        let cms = revoked
            .sign_cms("Өтініш".as_bytes(), true, signed_at)
            .unwrap();
        let e = verify(&cms, None, &with_crls(), in_2025()).unwrap_err();
        match e {
            VerifyError::Revoked { revoked_at, .. } => assert_eq!(
                revoked_at,
                Utc.with_ymd_and_hms(2024, 10, 29, 12, 25, 16).unwrap()
            ),
            e => panic!("{e}"),
        }
    }

    /// Roles from NCA's extended key usage: a legal entity's first head may sign for it, an
    /// employee without the right to sign may not (said why); an authentication-only key may
    /// sign in but not sign a document.
    #[test]
    fn roles_decide_who_may_sign_for_an_organisation() {
        let at = Utc.with_ymd_and_hms(2025, 5, 30, 9, 0, 0).unwrap();
        let head = test_key("10f5125fb9e52f84c42cbad8e451c68f10a5e869");
        let v = verify(
            &head.sign_cms(b"x", true, at).unwrap(),
            None,
            &test_pki(),
            in_2025(),
        )
        .unwrap();
        assert_eq!(v.role.kind, SubjectKind::LegalEntity);
        assert!(v.role.roles.contains(&otinish_pki::EmployeeRole::FirstHead));
        assert_eq!(
            v.signer.bin.as_ref().map(|b| b.as_str()),
            Some("123456789021")
        );
        assert!(v.require_document_signer().is_ok());

        let employee = test_key("4d4503d38ba20f0af98e07568cb67379d537def7");
        let v = verify(
            &employee.sign_cms(b"x", true, at).unwrap(),
            None,
            &test_pki(),
            in_2025(),
        )
        .unwrap();
        assert_eq!(v.role.roles, [otinish_pki::EmployeeRole::Employee]);
        let e = v.require_document_signer().unwrap_err();
        assert_eq!(e.code(), "role_not_allowed");
        assert!(e.to_string().contains("АО \"ТЕСТ\""), "{e}");

        let now = Utc::now();
        let ca = otinish_pki::gost_ca::GostCa::generate("Test GOST CA", now).unwrap();
        let mut trust = TrustStore::new();
        trust.add_certificate(
            otinish_pki::parse_certificates(ca.root_der())
                .unwrap()
                .remove(0),
        );
        let auth = ca
            .issue(
                &person(),
                otinish_pki::gost_ca::Purpose::Authentication,
                now,
            )
            .unwrap();
        let v = verify(
            &auth.sign_cms(b"challenge", true, now).unwrap(),
            None,
            &trust,
            now,
        )
        .unwrap();
        assert!(v.role.authentication_only);
        assert_eq!(
            v.require_document_signer().unwrap_err().code(),
            "authentication_only"
        );
    }

    fn person() -> otinish_pki::sign::KzSubject {
        otinish_pki::sign::KzSubject {
            surname: "ӘБІЛҚАСЫМОВА".into(),
            name: "ДИНАРА".into(),
            patronymic: Some("СЕРІКҚЫЗЫ".into()),
            iin: "791028302728".into(),
            organization: None,
            bin: None,
            email: Some("d.abilkassymova@example.kz".into()),
        }
    }

    /// Co-signatures: every signer is checked; one that fails fails the whole.
    #[test]
    fn every_signer_is_checked() {
        use der::{Decode, Encode};
        let now = Utc::now();
        let ca = otinish_pki::gost_ca::GostCa::generate("Test GOST CA", now).unwrap();
        let stranger = otinish_pki::gost_ca::GostCa::generate("Stranger CA", now).unwrap();
        let mut trust = TrustStore::new();
        trust.add_certificate(
            otinish_pki::parse_certificates(ca.root_der())
                .unwrap()
                .remove(0),
        );
        let a = ca
            .issue(&person(), otinish_pki::gost_ca::Purpose::Signing, now)
            .unwrap();
        let b = stranger
            .issue(&person(), otinish_pki::gost_ca::Purpose::Signing, now)
            .unwrap();
        let doc = b"the answer";
        let first = a.sign_cms(doc, true, now).unwrap();
        let both = a.co_sign(&first, now).unwrap();
        let v = verify(&both, None, &trust, now).unwrap();
        assert_eq!(v.signers.len(), 2);
        // The stranger's co-signature joins: the whole fails, naming it.
        let mixed = b.co_sign(&first, now).unwrap();
        let e = verify(&mixed, None, &trust, now).unwrap_err();
        assert!(
            matches!(&e, VerifyError::CoSigner { total: 2, source, .. } if matches!(**source, VerifyError::UntrustedIssuer { .. })),
            "{e}"
        );
        // Both signatures are over the same content.
        let ci = cms::content_info::ContentInfo::from_der(&both).unwrap();
        let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
        assert_eq!(sd.signer_infos.0.len(), 2);
        assert!(sd.to_der().is_ok());
    }

    /// Signatures made by OpenSSL's gost engine (TC26 identifiers, `s ‖ r` big-endian, the
    /// key's identifier in SignerInfo.signatureAlgorithm) verify: the committed examples, and
    /// when the engine is installed, a fresh CA, certificate and CMS made by it now.
    #[test]
    fn openssl_gost_engine_signatures_verify() {
        let content = read("openssl-gost/example_msg.txt");
        for (f, detached) in [
            ("example_attached.p7s", false),
            ("example_detached.p7s", true),
        ] {
            let v = otinish_pki::verify_ignoring_trust(
                &read(&format!("openssl-gost/{f}")),
                detached.then_some(content.as_slice()),
            )
            .unwrap_or_else(|e| panic!("{f}: {e}"));
            assert_eq!(
                v.signature_algorithm,
                "GOST R 34.10-2012 512-bit, Streebog-512"
            );
            assert_eq!(v.signer.common_name, "GOST512 openssl example");
        }
        // The raw primitive: Streebog-512 of the message, signature s_be ‖ r_be.
        let cert = otinish_pki::parse_certificates(&read("openssl-gost/example_cert.pem")).unwrap();
        let key = PublicKey::from_spki(&cert[0].tbs_certificate.subject_public_key_info).unwrap();
        let digest = read("openssl-gost/example_msg.streebog512");
        assert_eq!(digest, Streebog::S512.digest(&content));
        let sig = read("openssl-gost/example_msg.sig_s_r");
        assert!(key.verify_digest(&digest, &sig, Layout::Tc26));
        let mut flipped = sig.clone();
        flipped[40] ^= 2;
        assert!(!key.verify_digest(&digest, &flipped, Layout::Tc26));

        let Some(conf) = gost_engine() else { return };
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let run = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(d)
                .env("OPENSSL_CONF", &conf)
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        std::fs::write(d.join("ext.cnf"), "[ca]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n[ee]\nkeyUsage=critical,digitalSignature,nonRepudiation\n").unwrap();
        std::fs::write(d.join("doc.txt"), "Өтініш, подписанное OpenSSL").unwrap();
        run(&[
            "genpkey",
            "-algorithm",
            "gost2012_512",
            "-pkeyopt",
            "paramset:A",
            "-out",
            "ca.key",
        ]);
        run(&[
            "req",
            "-new",
            "-x509",
            "-key",
            "ca.key",
            "-md_gost12_512",
            "-days",
            "30",
            "-subj",
            "/C=KZ/CN=OpenSSL GOST CA",
            "-extensions",
            "ca",
            "-config",
            "ext.cnf",
            "-out",
            "ca.pem",
        ]);
        run(&[
            "genpkey",
            "-algorithm",
            "gost2012_512",
            "-pkeyopt",
            "paramset:A",
            "-out",
            "ee.key",
        ]);
        run(&[
            "req",
            "-new",
            "-key",
            "ee.key",
            "-md_gost12_512",
            "-subj",
            "/C=KZ/CN=ӘБІЛҚАСЫМОВА ДИНАРА/SN=ӘБІЛҚАСЫМОВА/serialNumber=IIN791028302728",
            "-utf8",
            "-out",
            "ee.csr",
        ]);
        run(&[
            "x509",
            "-req",
            "-in",
            "ee.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-md_gost12_512",
            "-days",
            "30",
            "-extfile",
            "ext.cnf",
            "-extensions",
            "ee",
            "-out",
            "ee.pem",
        ]);
        run(&[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-md",
            "md_gost12_512",
            "-in",
            "doc.txt",
            "-signer",
            "ee.pem",
            "-inkey",
            "ee.key",
            "-outform",
            "DER",
            "-out",
            "doc.p7s",
        ]);
        let mut trust = TrustStore::new();
        trust.add_certificate(
            otinish_pki::parse_certificates(&std::fs::read(d.join("ca.pem")).unwrap())
                .unwrap()
                .remove(0),
        );
        let v = verify(
            &std::fs::read(d.join("doc.p7s")).unwrap(),
            None,
            &trust,
            Utc::now(),
        )
        .unwrap_or_else(|e| panic!("fresh OpenSSL CMS: {e}"));
        assert_eq!(
            v.signer.iin.as_ref().map(|i| i.as_str()),
            Some("791028302728")
        );
        assert_eq!(v.chain.len(), 2);
    }

    /// The configuration that loads OpenSSL's gost engine, when the engine is installed
    /// (Debian libengine-gost-openssl); CI requires it.
    fn gost_engine() -> Option<PathBuf> {
        let present = std::path::Path::new("/usr/lib/x86_64-linux-gnu/engines-3/gost.so").exists();
        if !present {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_TOOLS").is_none(),
                "OTINISH_REQUIRE_TOOLS is set but OpenSSL's gost engine is not installed"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED OpenSSL gost engine cross-check (apt-get install libengine-gost-openssl)"
            );
            return None;
        }
        Some(dir().join("openssl-gost/gost.cnf"))
    }

    /// What our own GOST signer makes (a demo CA's certificate, a signer's certificate, a CMS
    /// signer info) verifies with three verifiers that are not ours: PyPI gostcrypto, plain
    /// affine arithmetic, and OpenSSL's gost engine after the documented mapping
    /// (tests/oracle_check.py); and with our own, through the whole CMS check.
    #[test]
    fn our_gost_signatures_verify_with_openssl_and_the_oracle() {
        use der::{Decode, Encode};
        let now = Utc::now();
        let ca = otinish_pki::gost_ca::GostCa::generate("Otinish Demo CA", now).unwrap();
        let key = ca
            .issue(&person(), otinish_pki::gost_ca::Purpose::Signing, now)
            .unwrap();
        let cms = key.sign_cms("Өтініш".as_bytes(), true, now).unwrap();
        let mut trust = TrustStore::new();
        trust.add_certificate(
            otinish_pki::parse_certificates(ca.root_der())
                .unwrap()
                .remove(0),
        );
        let v = verify(&cms, None, &trust, now).unwrap();
        assert_eq!(v.role.kind, SubjectKind::Individual);

        // The three signatures as (key, signed bytes, r_le ‖ s_le).
        let root = x509_cert::Certificate::from_der(ca.root_der()).unwrap();
        let leaf = x509_cert::Certificate::from_der(key.certificate_der()).unwrap();
        let pub_of = |c: &x509_cert::Certificate| {
            der::asn1::OctetString::from_der(
                c.tbs_certificate
                    .subject_public_key_info
                    .subject_public_key
                    .raw_bytes(),
            )
            .unwrap()
            .as_bytes()
            .to_vec()
        };
        let ci = cms::content_info::ContentInfo::from_der(&cms).unwrap();
        let sd: cms::signed_data::SignedData = ci.content.decode_as().unwrap();
        let si = sd.signer_infos.0.iter().next().unwrap();
        let tuples = [
            (
                "demo CA self-signature",
                pub_of(&root),
                root.tbs_certificate.to_der().unwrap(),
                root.signature.raw_bytes().to_vec(),
            ),
            (
                "signer certificate by the demo CA",
                pub_of(&root),
                leaf.tbs_certificate.to_der().unwrap(),
                leaf.signature.raw_bytes().to_vec(),
            ),
            (
                "CMS signer info",
                pub_of(&leaf),
                si.signed_attrs.as_ref().unwrap().to_der().unwrap(),
                si.signature.as_bytes().to_vec(),
            ),
        ];
        let json: Vec<serde_json::Value> = tuples
            .iter()
            .map(|(name, p, signed, sig)| serde_json::json!({"name": name, "pub_le": hex::encode(p), "signed": hex::encode(signed), "sig_kz": hex::encode(sig)}))
            .collect();
        let Some(conf) = gost_engine() else { return };
        let has_gostcrypto = std::process::Command::new("python3")
            .args(["-c", "import gostcrypto"])
            .status()
            .is_ok_and(|s| s.success());
        if !has_gostcrypto {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_TOOLS").is_none(),
                "OTINISH_REQUIRE_TOOLS is set but PyPI gostcrypto is not installed"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED the gostcrypto oracle (pip install gostcrypto)"
            );
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("signatures.json");
        std::fs::write(&file, serde_json::to_vec(&json).unwrap()).unwrap();
        let out = std::process::Command::new("python3")
            .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/oracle_check.py"))
            .arg(&file)
            .arg(&conf)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text.matches("OK  ").count(), 9, "{text}");
    }

    /// NCA's TEST OCSP responder's real answer: signed by «OCSP RESPONDER», which the TEST CA
    /// certified for OCSP signing; about serial 0FF06211…, put on hold; with NCA's nonce. The
    /// answer's signature fails with a bit flipped, and it is not an answer about another
    /// certificate.
    #[test]
    fn nca_ocsp_response_is_checked() {
        use der::Decode;
        let resp = read("ocsp/ocsp_response_individual_2015.bin");
        let ca = x509_cert::Certificate::from_der(&read("test-pki/nca_gost2022_test.cer")).unwrap();
        let serial = x509_cert::serial_number::SerialNumber::new(&hex(
            "0ff06211dc82beb00253ffa000f1de84abef454f",
        ))
        .unwrap();
        let at = Utc.with_ymd_and_hms(2022, 9, 2, 17, 0, 0).unwrap();
        let a = otinish_pki::ocsp::check(&resp, &serial, &ca, None, at).unwrap();
        assert_eq!(a.responder, "OCSP RESPONDER");
        assert_eq!(
            a.produced_at,
            Utc.with_ymd_and_hms(2022, 9, 2, 16, 58, 34).unwrap()
        );
        assert!(
            matches!(&a.status, otinish_pki::ocsp::OcspStatus::Revoked { reason: Some(r), .. } if r.contains("Hold")),
            "{:?}",
            a.status
        );
        // Its nonce is NCA's: ours would not match (a replayed answer).
        let e = otinish_pki::ocsp::check(&resp, &serial, &ca, Some(&[1, 2, 3]), at).unwrap_err();
        assert!(e.to_string().contains("another nonce"), "{e}");
        // Another serial: not this certificate's answer.
        let other = x509_cert::serial_number::SerialNumber::new(&[0x42]).unwrap();
        assert!(otinish_pki::ocsp::check(&resp, &other, &ca, None, at).is_err());
        // A day later without a nonce: too old.
        assert!(otinish_pki::ocsp::check(
            &resp,
            &serial,
            &ca,
            None,
            at + chrono::Duration::days(2)
        )
        .is_err());
        // One bit of the answer's signature flipped: the signature value follows the first
        // occurrence of NCA's signature algorithm (BasicOCSPResponse.signatureAlgorithm; the
        // response data names none), after the BIT STRING's 4-byte header.
        let mut flipped = resp.clone();
        let n = flipped.len();
        let alg = hex("060a2a830e030a01010203020500");
        let places: Vec<usize> = flipped
            .windows(alg.len())
            .enumerate()
            .filter(|(_, w)| *w == alg.as_slice())
            .map(|(i, _)| i)
            .collect();
        let sig_at = places[0] + alg.len() + 4 + 30;
        assert!(sig_at < n);
        flipped[sig_at] ^= 1;
        let e = otinish_pki::ocsp::check(&flipped, &serial, &ca, None, at).unwrap_err();
        assert!(e.to_string().contains("signature"), "{e}");
    }

    /// The URLs a certificate publishes for its revocation: NCA's CRL, delta CRL and OCSP.
    /// What the console accepts as a trust anchor: NCA's own root and issuing CA (PEM and
    /// DER, one at a time or as a chain), never a person's certificate, a file of no
    /// certificate, or a root whose self-signature was tampered with.
    #[test]
    fn certificate_authority_files_for_the_console() {
        use otinish_pki::{ca_certificates, CaFileError};
        let root = ca_certificates(&read("prod/root_gost_2022.cer")).unwrap();
        assert_eq!(root.len(), 1);
        assert!(root[0].root);
        let issuing = ca_certificates(&read("prod/nca_gost_2022.pem")).unwrap();
        assert!(!issuing[0].root);
        // A chain in one PEM file: both, in order, the same fingerprints as one by one.
        let mut chain = read("prod/root_gost_2022.pem");
        chain.extend(read("prod/nca_gost_2022.pem"));
        let both = ca_certificates(&chain).unwrap();
        assert_eq!(
            both.iter()
                .map(|c| c.fingerprint.as_str())
                .collect::<Vec<_>>(),
            [
                root[0].fingerprint.as_str(),
                issuing[0].fingerprint.as_str()
            ]
        );
        // The fingerprint is SHA-256 of the DER, as `openssl x509 -fingerprint -sha256` says.
        use sha2::Digest;
        assert_eq!(
            root[0].fingerprint,
            hex_of(&sha2::Sha256::digest(read("prod/root_gost_2022.cer")))
        );
        let person = std::fs::read_dir(dir().join("p12-certs"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "cer"))
            .unwrap();
        assert!(matches!(
            ca_certificates(&std::fs::read(person).unwrap()),
            Err(CaFileError::NotCa { .. })
        ));
        assert!(matches!(
            ca_certificates(b"not a certificate"),
            Err(CaFileError::NotCertificate(_))
        ));
        // The root with one byte of its signature changed.
        let mut forged = read("prod/root_gost_2022.cer");
        let last = forged.len() - 1;
        forged[last] ^= 0x01;
        assert!(matches!(
            ca_certificates(&forged),
            Err(CaFileError::BadSelfSignature { .. })
        ));
        // A store without a withdrawn root no longer lists it.
        let mut t = TrustStore::new();
        t.add_der(&root[0].der).unwrap();
        t.add_der(&issuing[0].der).unwrap();
        t.add_der(&root[0].der).unwrap();
        assert_eq!(t.certificates().len(), 2, "added once");
        let without = t.without(std::slice::from_ref(&root[0].fingerprint));
        assert_eq!(
            without
                .certificates()
                .into_iter()
                .map(|(_, fp, root)| (fp, root))
                .collect::<Vec<_>>(),
            [(issuing[0].fingerprint.clone(), false)]
        );
    }

    fn hex_of(b: &[u8]) -> String {
        b.iter().map(|x| format!("{x:02x}")).collect()
    }

    #[test]
    fn revocation_urls_of_an_nca_certificate() {
        use der::Decode;
        let c = x509_cert::Certificate::from_der(&read("cms/individual_signer.cer")).unwrap();
        let (full, delta) = otinish_pki::ocsp::crl_urls(&c);
        assert_eq!(full, ["http://test.pki.gov.kz/crl/nca_gost2022_test.crl"]);
        assert_eq!(
            delta,
            ["http://test.pki.gov.kz/crl/nca_gost2022_d_test.crl"]
        );
        assert_eq!(
            otinish_pki::ocsp::responder_urls(&c),
            ["http://test.pki.gov.kz/ocsp/"]
        );
    }

    /// The TEST key expired: verified now it is refused as expired; at a moment inside its
    /// validity the same p12 certificate's chain holds (see the signing tests below).
    #[test]
    fn expired_and_revoked_by_crl() {
        // Verify the individual signature as if in 2027-06 (after 2027-05-08).
        let later = Utc.with_ymd_and_hms(2027, 6, 1, 0, 0, 0).unwrap();
        let e = verify(
            &read("cms/individual_attached.der"),
            None,
            &test_pki(),
            later,
        )
        .unwrap_err();
        assert!(matches!(e, VerifyError::Expired { .. }), "{e}");
    }
}
