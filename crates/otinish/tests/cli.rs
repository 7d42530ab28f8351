//! The `otinish` binary, run as a person would run it.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use std::path::Path;
use std::process::{Command, Output};

fn otinish(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_otinish"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("OTINISH_DATABASE_URL")
        .env_remove("OTINISH_CONFIG")
        .output()
        .unwrap_or_else(|e| panic!("cannot run otinish: {e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// GEN-03: the calendar command prints the due date and each skipped day with its reason.
#[test]
fn gen_03_calendar_due_prints_due_date_and_skipped_days() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = otinish(
        dir.path(),
        &[
            "calendar",
            "due",
            "--from",
            "2026-03-19",
            "--working-days",
            "3",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = stdout(&o);
    assert!(out.starts_with("due: 2026-03-27"), "{out}");
    assert!(
        out.contains("24.03.2026 — day off moved from 21 Mar 2026 (Nauryz fell on a weekend)"),
        "{out}"
    );
    let o = otinish(
        dir.path(),
        &[
            "calendar",
            "due",
            "--from",
            "2026-03-19",
            "--working-days",
            "3",
            "--lang",
            "kk",
        ],
    );
    assert!(stdout(&o).contains("Наурыз"));
    let o = otinish(
        dir.path(),
        &[
            "calendar",
            "due",
            "--from",
            "2026-04-01",
            "--calendar-days",
            "15",
            "--before",
        ],
    );
    assert!(stdout(&o).starts_with("due: 2026-03-17"), "{}", stdout(&o));
    let o = otinish(
        dir.path(),
        &[
            "calendar",
            "due",
            "--from",
            "yesterday",
            "--working-days",
            "3",
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--from"));
    let o = otinish(
        dir.path(),
        &["calendar", "days-off", "--year", "2025", "--lang", "ru"],
    );
    assert!(
        stdout(&o).contains("2025-01-03 перенесённый выходной"),
        "{}",
        stdout(&o)
    );
}

/// GEN-06: `verify-journal` passes on an intact journal and, after a row is altered in the
/// database, fails with status 1 naming the entry.
#[test]
fn gen_06_verify_journal_names_the_tampered_entry() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = otinish(dir.path(), &["demo"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("demo data loaded"));
    assert!(
        stdout(&otinish(dir.path(), &["demo"])).contains("already present"),
        "loading twice changes nothing"
    );
    let o = otinish(dir.path(), &["verify-journal"]);
    assert!(o.status.success());
    // 22 entries for bodies, officials and staff, then the demo's reception schedules (their
    // number depends on how much of the quarter is left).
    let entries: u64 = stdout(&o)
        .strip_prefix("journal intact: ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{}", stdout(&o)));
    assert!(entries >= 22, "{}", stdout(&o));

    let db = dir.path().join("otinish.db");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        sqlx::raw_sql(
            "DROP TRIGGER journal_no_update; UPDATE journal SET actor = 'mallory' WHERE seq = 7;",
        )
        .execute(&pool)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
        pool.close().await;
    });
    let o = otinish(dir.path(), &["verify-journal"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("entry 7: its content does not match its hash"),
        "{}",
        stdout(&o)
    );
}

/// GEN-02, GEN-04: `calendar set-day` records the edit (journaled) and reports the recomputation.
#[test]
fn gen_02_calendar_set_day_is_journaled() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = otinish(
        dir.path(),
        &[
            "calendar",
            "set-day",
            "--date",
            "2026-08-31",
            "--working",
            "--reason",
            "new Constitution",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("2026-08-31 is now a working day"));
    let o = otinish(
        dir.path(),
        &[
            "calendar",
            "due",
            "--from",
            "2026-08-28",
            "--working-days",
            "1",
        ],
    );
    assert!(
        stdout(&o).starts_with("due: 2026-08-31"),
        "the edit is applied: {}",
        stdout(&o)
    );
    assert!(stdout(&otinish(dir.path(), &["verify-journal"])).contains("1 entries verified"));
    let o = otinish(
        dir.path(),
        &[
            "calendar",
            "set-day",
            "--date",
            "2026-08-31",
            "--reason",
            " ",
        ],
    );
    assert!(!o.status.success());
}

#[test]
fn help_for_every_subcommand() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for sub in [
        "serve",
        "init",
        "migrate",
        "demo",
        "calendar",
        "verify-journal",
        "verify",
        "demo-sign",
        "announce",
        "report",
    ] {
        let o = otinish(dir.path(), &[sub, "--help"]);
        assert!(
            o.status.success() && stdout(&o).contains("Usage: otinish"),
            "{sub}"
        );
    }
}

fn pki_fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../pki/tests/fixtures")
        .join(name)
}

/// EA-06, EA-07: `otinish verify` on openssl-made signatures: 0 and the signer for a valid one,
/// 1 and the reason otherwise.
#[test]
fn ea_06_verify_command_prints_signer_chain_and_verdict() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let trust = pki_fixture("trust");
    let trust = trust.to_str().unwrap_or_default();
    let sig = pki_fixture("out/legal-attached.p7s");
    let o = otinish(
        dir.path(),
        &[
            "verify",
            sig.to_str().unwrap_or_default(),
            "--trust-dir",
            trust,
        ],
    );
    let out = stdout(&o);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.contains("verdict: VALID")
            && out.contains("BIN: 940140000385")
            && out.contains("IIN: 061211600012"),
        "{out}"
    );
    assert!(
        out.contains("1: Otinish Test Signing CA") && out.contains("2: Otinish Test Root CA"),
        "{out}"
    );

    let detached = pki_fixture("out/good-detached.p7s");
    let o = otinish(
        dir.path(),
        &[
            "verify",
            detached.to_str().unwrap_or_default(),
            "--trust-dir",
            trust,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o)
        .contains("reason: the signature is detached and the signed document was not provided"));
    let tampered = pki_fixture("out/tampered.txt");
    let o = otinish(
        dir.path(),
        &[
            "verify",
            detached.to_str().unwrap_or_default(),
            "--content",
            tampered.to_str().unwrap_or_default(),
            "--trust-dir",
            trust,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("changed after it was signed"),
        "{}",
        stdout(&o)
    );

    let revoked = pki_fixture("out/revoked.p7s");
    let crl = pki_fixture("out/inter.crl");
    let o = otinish(
        dir.path(),
        &[
            "verify",
            revoked.to_str().unwrap_or_default(),
            "--trust-dir",
            trust,
            "--crl",
            crl.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("was revoked on"), "{}", stdout(&o));

    // Without --trust-dir the deployment's folder is used: empty here, so nothing is trusted.
    std::fs::create_dir_all(dir.path().join("trust")).unwrap_or_default();
    let o = otinish(dir.path(), &["verify", sig.to_str().unwrap_or_default()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("not issued by a trusted certification authority"),
        "{}",
        stdout(&o)
    );
}

fn kz_gost(name: &str) -> std::path::PathBuf {
    pki_fixture("kz-gost").join(name)
}

/// EA-06: `otinish verify` on NCA RK's own GOST-512 signatures (KalkanCrypt, with the
/// production TSA's timestamp): with the TEST PKI trusted it exits 0 and prints the IIN, the
/// role, the timestamp and how revocation went (NCA's servers are not reachable from here:
/// said so, accepted by choice); a changed document, a flipped byte, an expired key and a key
/// NCA revoked each exit 1 with their own reason; with only the production anchors it exits 1,
/// untrusted.
#[test]
fn ea_06_verify_nca_gost_signatures() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let test_pki = dir.path().join("test-pki");
    std::fs::create_dir_all(&test_pki).unwrap_or_default();
    for f in ["root_test_gost_2022.cer", "nca_gost2022_test.cer"] {
        std::fs::copy(kz_gost(&format!("test-pki/{f}")), test_pki.join(f)).unwrap_or_default();
    }
    let document = kz_gost("cms/individual_document.txt");
    for (file, detached) in [
        ("individual_attached.der", false),
        ("individual_detached.der", true),
    ] {
        let sig = kz_gost(&format!("cms/{file}"));
        let mut args = vec![
            "verify".to_owned(),
            sig.display().to_string(),
            "--trust-dir".into(),
            test_pki.display().to_string(),
            "--revocation-unreachable".into(),
            "accept".into(),
        ];
        if detached {
            args.extend(["--content".into(), document.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = otinish(dir.path(), &args);
        let out = stdout(&o);
        assert!(
            o.status.success(),
            "{file}: {out}{}",
            String::from_utf8_lossy(&o.stderr)
        );
        for want in [
            "verdict: VALID",
            "IIN: 123456789011",
            "role: individual",
            "signed at: 2026-07-20T09:08:07+00:00 (timestamp by TIME-STAMPING AUTHORITY",
            "algorithm: GOST R 34.10-2015 512-bit, Streebog-512 (NCA RK)",
            "revocation: could not be checked (http://test.pki.gov.kz/ocsp/",
        ] {
            assert!(out.contains(want), "{file}: no {want:?} in\n{out}");
        }
        // By default an unreachable responder refuses.
        let strict: Vec<&str> = args
            .iter()
            .copied()
            .filter(|a| *a != "--revocation-unreachable" && *a != "accept")
            .collect();
        let o = otinish(dir.path(), &strict);
        assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
        assert!(
            stdout(&o).contains("could not be checked"),
            "{}",
            stdout(&o)
        );
    }
    // Each failure with its own reason: a changed document, a flipped byte of the signature,
    // the key expired (NCA's TEST certificate ends on 2027-05-08).
    let changed = dir.path().join("changed.txt");
    let mut text = std::fs::read(&document).unwrap_or_default();
    text[0] ^= 0x20;
    std::fs::write(&changed, text).unwrap_or_default();
    let base = |sig: &std::path::Path| {
        vec![
            "verify".to_owned(),
            sig.display().to_string(),
            "--trust-dir".into(),
            test_pki.display().to_string(),
            "--revocation".into(),
            "none".into(),
        ]
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        otinish(dir.path(), &args)
    };
    let mut a = base(&kz_gost("cms/individual_detached.der"));
    a.extend(["--content".into(), changed.display().to_string()]);
    let o = run(a);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("changed after it was signed"),
        "{}",
        stdout(&o)
    );
    let der = std::fs::read(kz_gost("cms/individual_attached.der")).unwrap_or_default();
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
    let at = der
        .windows(value.len())
        .position(|w| w == value)
        .unwrap_or_default();
    let mut flipped = der.clone();
    flipped[at + 40] ^= 0x01;
    let flipped_file = dir.path().join("flipped.der");
    std::fs::write(&flipped_file, flipped).unwrap_or_default();
    let o = run(base(&flipped_file));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("does not match the signer's key"),
        "{}",
        stdout(&o)
    );
    let mut a = base(&kz_gost("cms/individual_attached.der"));
    a.extend(["--at".into(), "2027-06-01T00:00:00Z".into()]);
    let o = run(a);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("expired on 2027-05-08"),
        "{}",
        stdout(&o)
    );
    // NCA's published TEST keys (expired in 2025): one signs; verified now it has expired,
    // as of June 2025 with NCA's TEST CRL it holds; another, which NCA revoked, is refused
    // as revoked, with the date from NCA's list.
    let crl = kz_gost("test-pki/nca_gost2022_test.crl")
        .display()
        .to_string();
    let signed_at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2025, 5, 30, 9, 0, 0).unwrap();
    for (id, file) in [
        ("0d79679f360a2da49a631a0b1ac76f76c34b6f24", "good-2025.p7s"),
        (
            "145fc4910ee07ff689aeceee0f1d09d2441d0670",
            "revoked-2025.p7s",
        ),
    ] {
        let cms = browser::nca_test_key(id)
            .sign_cms("Өтініш".as_bytes(), true, signed_at)
            .unwrap();
        std::fs::write(dir.path().join(file), cms).unwrap_or_default();
    }
    let good = dir.path().join("good-2025.p7s");
    let o = run(base(&good));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("expired on 2025-10-29"),
        "{}",
        stdout(&o)
    );
    let mut a = base(&good);
    a.extend([
        "--crl".into(),
        crl.clone(),
        "--at".into(),
        "2025-06-01T12:00:00Z".into(),
    ]);
    let o = run(a);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains(
            "revocation: not revoked — CRL of ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022"
        ),
        "{}",
        stdout(&o)
    );
    let mut a = base(&dir.path().join("revoked-2025.p7s"));
    a.extend([
        "--crl".into(),
        crl,
        "--at".into(),
        "2025-06-01T12:00:00Z".into(),
    ]);
    let o = run(a);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("was revoked on 2024-10-29"),
        "{}",
        stdout(&o)
    );

    // The production anchors (shipped in the binary) do not trust the TEST PKI.
    let empty = dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap_or_default();
    let o = otinish(
        dir.path(),
        &[
            "verify",
            kz_gost("cms/individual_attached.der")
                .to_str()
                .unwrap_or_default(),
            "--trust-dir",
            empty.to_str().unwrap_or_default(),
            "--pki",
            "production",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("not issued by a trusted certification authority"),
        "{}",
        stdout(&o)
    );
    // With `--pki test` the shipped TEST anchors are enough.
    let o = otinish(
        dir.path(),
        &[
            "verify",
            kz_gost("cms/individual_attached.der")
                .to_str()
                .unwrap_or_default(),
            "--trust-dir",
            empty.to_str().unwrap_or_default(),
            "--pki",
            "test",
            "--revocation",
            "none",
        ],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("revocation: not checked (--revocation none)"),
        "{}",
        stdout(&o)
    );
}

/// A tiny HTTP server for the tests: serves the files of a folder (CRLs) until dropped.
struct FileServer {
    port: u16,
    _task: tokio::task::JoinHandle<()>,
}

impl FileServer {
    async fn start(root: std::path::PathBuf) -> Self {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let task = tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let root = root.clone();
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
                    let path = head
                        .split_whitespace()
                        .nth(1)
                        .unwrap_or("/")
                        .trim_start_matches('/')
                        .to_owned();
                    let reply = match std::fs::read(root.join(&path)) {
                        Ok(body) => {
                            let mut r = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len()).into_bytes();
                            r.extend(body);
                            r
                        }
                        Err(_) => b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".to_vec(),
                    };
                    let _ = s.write_all(&reply).await;
                });
            }
        });
        Self { port, _task: task }
    }
}

impl Drop for FileServer {
    fn drop(&mut self) {
        self._task.abort();
    }
}

/// EA-06: revocation the way NCA RK publishes it, against real servers on loopback: an OCSP
/// responder run by the `openssl ocsp` command and a CRL server, named in the certificates'
/// Authority Information Access and CRL Distribution Points (made by the `openssl` command).
/// A good certificate verifies through each; a revoked one is refused through each with its
/// own reason; with both servers gone the signature is refused, or accepted with the reason
/// when the deployment so chooses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ea_06_revocation_by_ocsp_and_crl_from_loopback_servers() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let d = dir.path().to_owned();
    let crl_server = FileServer::start(d.clone()).await;
    let ocsp_port = free_port();
    let run = |args: &[&str]| {
        let o = std::process::Command::new("openssl")
            .args(args)
            .current_dir(&d)
            .output()
            .unwrap_or_else(|e| panic!("openssl: {e}"));
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    std::fs::write(
        d.join("ca.cnf"),
        format!(
            "[ca]\ndefault_ca = ca\n[ca]\ndir = .\ndatabase = index.txt\nserial = serial\ncrlnumber = crlnumber\n\
             new_certs_dir = .\ncertificate = ca.crt\nprivate_key = ca.key\ndefault_md = sha256\npolicy = any\n\
             default_crl_days = 30\ncopy_extensions = none\nunique_subject = no\n[any]\ncommonName = supplied\n\
             [v3_ca]\nbasicConstraints = critical,CA:true\nkeyUsage = critical,keyCertSign,cRLSign\n\
             [v3_sign]\nkeyUsage = critical,digitalSignature,nonRepudiation\n\
             authorityInfoAccess = OCSP;URI:http://127.0.0.1:{ocsp_port}/\n\
             crlDistributionPoints = URI:http://127.0.0.1:{}/ca.crl\n",
            crl_server.port
        ),
    )
    .unwrap_or_default();
    std::fs::write(d.join("index.txt"), "").unwrap_or_default();
    std::fs::write(d.join("serial"), "1000\n").unwrap_or_default();
    std::fs::write(d.join("crlnumber"), "1000\n").unwrap_or_default();
    std::fs::write(d.join("doc.txt"), "Өтініш").unwrap_or_default();
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "30",
        "-subj",
        "/CN=Loopback CA",
        "-config",
        "ca.cnf",
        "-extensions",
        "v3_ca",
    ]);
    for (name, iin) in [("good", "791028302728"), ("revoked", "850315400124")] {
        run(&[
            "req",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            &format!("{name}.key"),
            "-out",
            &format!("{name}.csr"),
            "-utf8",
            "-subj",
            &format!("/CN=ТЕСТ {name}/serialNumber=IIN{iin}"),
        ]);
        run(&[
            "ca",
            "-batch",
            "-notext",
            "-utf8",
            "-config",
            "ca.cnf",
            "-in",
            &format!("{name}.csr"),
            "-out",
            &format!("{name}.crt"),
            "-extensions",
            "v3_sign",
            "-days",
            "30",
        ]);
        run(&[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-in",
            "doc.txt",
            "-signer",
            &format!("{name}.crt"),
            "-inkey",
            &format!("{name}.key"),
            "-outform",
            "DER",
            "-out",
            &format!("{name}.p7s"),
        ]);
    }
    run(&[
        "ca",
        "-config",
        "ca.cnf",
        "-revoke",
        "revoked.crt",
        "-crl_reason",
        "keyCompromise",
    ]);
    run(&["ca", "-config", "ca.cnf", "-gencrl", "-out", "ca.crl.pem"]);
    run(&[
        "crl",
        "-in",
        "ca.crl.pem",
        "-outform",
        "DER",
        "-out",
        "ca.crl",
    ]);
    let trust = d.join("trust");
    std::fs::create_dir_all(&trust).unwrap_or_default();
    std::fs::copy(d.join("ca.crt"), trust.join("ca.pem")).unwrap_or_default();
    // The responder serves one connection at a time: it is waited for by what it prints, not
    // by connecting to it.
    let responder_log = d.join("ocsp.log");
    let responder = Killed(
        std::process::Command::new("openssl")
            .args([
                "ocsp",
                "-index",
                "index.txt",
                "-port",
                &ocsp_port.to_string(),
                "-rsigner",
                "ca.crt",
                "-rkey",
                "ca.key",
                "-CA",
                "ca.crt",
                "-nmin",
                "5",
            ])
            .current_dir(&d)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&responder_log).unwrap_or_else(|e| panic!("{e}")))
            .spawn()
            .unwrap_or_else(|e| panic!("openssl ocsp: {e}")),
    );
    for _ in 0..200 {
        if std::fs::read_to_string(&responder_log)
            .is_ok_and(|l| l.contains("waiting for OCSP client"))
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    let data = d.join("data");
    let verify = |name: &str, extra: &[&str]| {
        let sig = d.join(format!("{name}.p7s"));
        let mut args = vec![
            "verify",
            sig.to_str().unwrap_or_default(),
            "--trust-dir",
            trust.to_str().unwrap_or_default(),
            "--pki",
            "none",
        ];
        args.extend_from_slice(extra);
        otinish(&data, &args)
    };
    let o = verify("good", &["--revocation", "ocsp"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("revocation: not revoked — OCSP responder Loopback CA"),
        "{}",
        stdout(&o)
    );
    let o = verify("good", &["--revocation", "crl"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("revocation: not revoked — CRL of Loopback CA"),
        "{}",
        stdout(&o)
    );
    for mode in ["ocsp", "crl", "both"] {
        let o = verify("revoked", &["--revocation", mode]);
        assert_eq!(o.status.code(), Some(1), "{mode}: {}", stdout(&o));
        assert!(
            stdout(&o).contains("was revoked on"),
            "{mode}: {}",
            stdout(&o)
        );
    }
    // Both servers gone.
    drop(responder);
    drop(crl_server);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let o = verify("good", &["--revocation", "both"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("could not be checked"),
        "{}",
        stdout(&o)
    );
    let o = verify(
        "good",
        &["--revocation", "both", "--revocation-unreachable", "accept"],
    );
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("revocation: could not be checked"),
        "{}",
        stdout(&o)
    );
}

/// EA-16: an outage is announced from the command line; a bad window is refused.
#[test]
fn ea_16_announce_command() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = otinish(
        dir.path(),
        &[
            "announce",
            "--from",
            "2036-12-01T02:00:00+05:00",
            "--to",
            "2036-12-01T04:00:00+05:00",
            "--ru",
            "Плановые работы",
            "--kk",
            "Жоспарлы жұмыстар",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout(&o).contains("announcement 1"));
    let o = otinish(
        dir.path(),
        &[
            "announce",
            "--from",
            "2036-12-01T04:00:00+05:00",
            "--to",
            "2036-12-01T02:00:00+05:00",
            "--ru",
            "x",
            "--kk",
            "y",
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--to must be after --from"));
    // A window already over would never show.
    let o = otinish(
        dir.path(),
        &[
            "announce",
            "--from",
            "2020-12-01T02:00:00+05:00",
            "--to",
            "2020-12-01T04:00:00+05:00",
            "--ru",
            "x",
            "--kk",
            "y",
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("would never show"));
}

/// EA-13: `otinish report 1-ol` on generated cards: JSON, CSV and XLSX agree; a whole year
/// (read from the tally) equals its two halves (read from the cards); a body that does not
/// exist and a period backwards are refused with the reason.
#[test]
fn ea_13_report_command_writes_one_ol_in_three_formats() {
    let dir = tempfile::tempdir().unwrap();
    let o = otinish(dir.path(), &["demo", "--cards", "300", "--seed", "7"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let year = chrono::Utc::now()
        .format("%Y")
        .to_string()
        .parse::<i32>()
        .unwrap()
        - 1;
    let (from, to) = (format!("{year}-01-01"), format!("{year}-12-31"));
    let args = |extra: &[&str]| {
        let mut a = vec![
            "report", "1-ol", "--body", "MJ", "--from", &from, "--to", &to,
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        otinish(
            dir.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
        )
    };
    let json = run(&["--format", "json"]);
    assert!(
        json.status.success(),
        "{}",
        String::from_utf8_lossy(&json.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let received = v["total"]["received"].as_i64().unwrap();
    assert!(received > 0, "the generated year has cards of MJ: {v}");
    let resolved: i64 = v["total"]["by_resolution"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(|n| n.as_i64())
        .sum();
    assert_eq!(resolved, received, "every appeal has one resolution");
    // A whole year is read from the tally; the same year as two halves from the cards. Every
    // figure of every column, and of the total, adds up the same.
    let half = |from: &str, to: &str| -> serde_json::Value {
        let o = otinish(
            dir.path(),
            &[
                "report", "1-ol", "--body", "MJ", "--from", from, "--to", to, "--format", "json",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice(&o.stdout).unwrap()
    };
    fn add(a: &serde_json::Value, b: &serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                Value::from(x.as_i64().unwrap() + y.as_i64().unwrap())
            }
            (Value::Object(x), Value::Object(y)) => {
                let mut out = x.clone();
                for (k, v) in y {
                    let sum = match x.get(k) {
                        Some(w) => add(w, v),
                        None => v.clone(),
                    };
                    out.insert(k.clone(), sum);
                }
                Value::Object(out)
            }
            (x, _) => x.clone(),
        }
    }
    let (h1, h2) = (
        half(&from, &format!("{year}-06-30")),
        half(&format!("{year}-07-01"), &to),
    );
    assert_eq!(add(&h1["total"], &h2["total"]), v["total"]);
    let columns = v["columns"].as_array().unwrap();
    for (i, c) in columns.iter().enumerate() {
        assert_eq!(
            add(&h1["columns"][i]["figures"], &h2["columns"][i]["figures"]),
            c["figures"],
            "{}",
            c["code"]
        );
    }
    let csv = stdout(&run(&[]));
    let line = csv
        .lines()
        .find(|l| l.starts_with("received,"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(line.ends_with(&format!(",{received},{received}")), "{line}");
    let out = dir.path().join("1-ol.xlsx");
    let x = run(&["--out", out.to_str().unwrap()]);
    assert!(x.status.success(), "{}", String::from_utf8_lossy(&x.stderr));
    assert!(stdout(&x).contains(&format!("{received} received")));
    assert!(std::fs::read(&out).unwrap().starts_with(b"PK"));

    let o = otinish(
        dir.path(),
        &[
            "report", "1-ol", "--body", "NOPE", "--from", &from, "--to", &to,
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown body NOPE"));
    let o = otinish(
        dir.path(),
        &[
            "report", "1-ol", "--body", "MJ", "--from", &to, "--to", &from,
        ],
    );
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("the period must end on or after its start")
    );
    let o = run(&["--format", "xlsx"]);
    assert!(String::from_utf8_lossy(&o.stderr).contains("give --out FILE.xlsx"));
}

/// A child process killed when the test ends, however it ends.
struct Killed(std::process::Child);
impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// A tiny SMTP server that records each message it receives (headers and body).
async fn smtp_server() -> (u16, std::sync::Arc<tokio::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = std::sync::Arc::new(tokio::sync::Mutex::new(Vec::new()));
    let sink = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 test SMTP\r\n").await;
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buf) = data.as_mut() {
                        if line == "." {
                            sink.lock().await.push(std::mem::take(buf));
                            data = None;
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else {
                            buf.push_str(&line);
                            buf.push('\n');
                        }
                        continue;
                    }
                    let upper = line.to_ascii_uppercase();
                    let answer: &[u8] = if upper.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go ahead\r\n"
                    } else if upper.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        break;
                    } else {
                        b"250 ok\r\n"
                    };
                    let _ = w.write_all(answer).await;
                }
            });
        }
    });
    (port, got)
}

/// A new, empty PostgreSQL database on the test server, named after the test; `None` (the test
/// is skipped, and says so) when no server is configured, unless CI requires one.
async fn postgres_database(name: &str) -> Option<String> {
    let Ok(url) = std::env::var("OTINISH_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("OTINISH_REQUIRE_POSTGRES").is_none(),
            "OTINISH_REQUIRE_POSTGRES is set but OTINISH_TEST_POSTGRES_URL is not"
        );
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED {name}: OTINISH_TEST_POSTGRES_URL is not set"
        );
        return None;
    };
    use sqlx::Connection;
    let name = format!("{name}_{}", std::process::id());
    let mut admin = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    Some(format!("{base}/{name}"))
}

/// Drops a database made by [`postgres_database`] once its test is done with it.
async fn drop_postgres_database(db_url: &str) {
    use sqlx::Connection;
    let (Ok(url), Some((_, name))) = (
        std::env::var("OTINISH_TEST_POSTGRES_URL"),
        db_url.rsplit_once('/'),
    ) else {
        return;
    };
    if let Ok(mut admin) = sqlx::PgConnection::connect(&url).await {
        let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut admin)
            .await;
    }
}

// ---------------------------------------------------------------------------------------
// The browser test: the real binary, headless Chromium through chromedriver, and a real
// SMTP conversation with a server started here.

mod browser {
    use super::*;
    use fantoccini::{Client, ClientBuilder, Locator};
    use std::process::Stdio;
    use std::time::Duration;
    use tokio::io::AsyncWriteExt;

    async fn wait_http(url: &str) {
        for _ in 0..200 {
            if let Ok(mut s) = tokio::net::TcpStream::connect(url).await {
                let _ = s.write_all(b"GET /healthz HTTP/1.0\r\n\r\n").await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{url} did not come up");
    }

    /// Clicks something that submits a form, and waits until the browser is on the next page.
    async fn click_nav(c: &Client, locator: Locator<'_>) {
        let before = c.current_url().await.unwrap();
        c.find(locator)
            .await
            .unwrap_or_else(|e| panic!("{e}: {}", before))
            .click()
            .await
            .unwrap();
        for _ in 0..100 {
            if c.current_url().await.map(|u| u != before).unwrap_or(false) {
                let _ = c.wait().for_element(Locator::Css("footer")).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no navigation from {before}: {}", page(c).await);
    }

    async fn text(c: &Client, css: &str) -> String {
        c.find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .text()
            .await
            .unwrap_or_default()
    }

    async fn page(c: &Client) -> String {
        c.source().await.unwrap_or_default()
    }

    async fn shot(c: &Client, name: &str) {
        if let Ok(png) = c.screenshot().await {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
            let _ = std::fs::write(dir.join(format!("{name}.png")), png);
        }
    }

    async fn staff_login(c: &Client, base: &str, login: &str) {
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/staff/login?lang=ru"))
            .await
            .unwrap();
        // Staff sign in with their own key: here the demo key of the login, signing the
        // page's challenge on the server.
        c.find(Locator::Id("demo-login"))
            .await
            .unwrap()
            .send_keys(login)
            .await
            .unwrap();
        click_nav(c, Locator::Id("demo-key-submit")).await;
        assert_eq!(
            c.current_url().await.unwrap().path(),
            "/staff",
            "{}",
            page(c).await
        );
    }

    async fn file_appeal(
        c: &Client,
        base: &str,
        body_name: &str,
        content: &str,
        attach: Option<&Path>,
    ) -> String {
        c.goto(&format!("{base}/cabinet/appeals/new"))
            .await
            .unwrap();
        c.find(Locator::XPath(&format!(
            "//select[@id='recipient']/option[text()='{body_name}']"
        )))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        c.find(Locator::Css("select#kind option[value=statement]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.find(Locator::Id("postal_address"))
            .await
            .unwrap()
            .send_keys("Алматы обл., с. Коктал, ул. Абая 1")
            .await
            .unwrap();
        c.find(Locator::Id("content"))
            .await
            .unwrap()
            .send_keys(content)
            .await
            .unwrap();
        if let Some(p) = attach {
            c.find(Locator::Id("file"))
                .await
                .unwrap()
                .send_keys(p.to_str().unwrap_or_default())
                .await
                .unwrap();
        }
        click_nav(c, Locator::Id("demo-sign")).await;
        let url = c.current_url().await.unwrap();
        assert!(
            url.path().starts_with("/cabinet/appeals/"),
            "{}",
            page(c).await
        );
        url.path().rsplit('/').next().unwrap_or_default().to_owned()
    }

    /// Clicks something that submits a form and waits for the next document, even when it
    /// has the same address (a page that posts back to itself).
    async fn click_load(c: &Client, locator: Locator<'_>) {
        c.execute("window.__before_click = true;", vec![])
            .await
            .unwrap();
        let url = c.current_url().await.unwrap();
        c.find(locator)
            .await
            .unwrap_or_else(|e| panic!("{e}: {url}"))
            .click()
            .await
            .unwrap();
        for _ in 0..200 {
            let old = c
                .execute(
                    "return window.__before_click === true && document.readyState;",
                    vec![],
                )
                .await
                .unwrap_or(serde_json::Value::Null);
            if old == serde_json::Value::Bool(false) {
                let _ = c.wait().for_element(Locator::Css("footer")).await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no new page after the click on {url}: {}", page(c).await);
    }

    /// Sets form fields by script (date and time inputs do not take typed text the same way
    /// in every locale) and picks options by their visible text.
    async fn set(c: &Client, name: &str, value: &str) {
        c.execute(
            "const e = document.querySelector(`[name='${arguments[0]}']`); e.value = arguments[1];",
            vec![name.into(), value.into()],
        )
        .await
        .unwrap_or_else(|e| panic!("{name}: {e}"));
    }

    async fn choose(c: &Client, name: &str, text_part: &str) {
        let found = c
            .execute(
                "const s = document.querySelector(`select[name='${arguments[0]}']`);\
                 const o = [...s.options].find(o => o.text.includes(arguments[1]));\
                 if (!o) return false; s.value = o.value; return true;",
                vec![name.into(), text_part.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            found,
            serde_json::Value::Bool(true),
            "no option {text_part} in {name}: {}",
            page(c).await
        );
    }

    fn server(dir: &Path, port: u16, extra: &[&str]) -> Killed {
        Killed(
            Command::new(env!("CARGO_BIN_EXE_otinish"))
                .arg("--data-dir")
                .arg(dir)
                .args([
                    "serve",
                    "--demo",
                    "--demo-cards",
                    "0",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                ])
                .args(extra)
                .env_remove("OTINISH_DATABASE_URL")
                .env("OTINISH_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        )
    }

    fn chromedriver() -> Option<std::path::PathBuf> {
        let found = std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("chromedriver"))
                .find(|p| p.exists())
        });
        if found.is_none() {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_BROWSER").is_none(),
                "OTINISH_REQUIRE_BROWSER is set but chromedriver is not on PATH"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED browser test: chromedriver is not on PATH"
            );
        }
        found
    }

    async fn browser(driver: &Path, profile: &Path) -> (Client, Killed) {
        browser_with(driver, profile, &[]).await
    }

    async fn browser_with(driver: &Path, profile: &Path, extra: &[&str]) -> (Client, Killed) {
        let driver_port = free_port();
        let chromedriver = Killed(
            Command::new(driver)
                .arg(format!("--port={driver_port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_http(&format!("127.0.0.1:{driver_port}")).await;
        let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=ru",
                         format!("--user-data-dir={}", profile.display())]
            }
        }))
        .unwrap();
        let mut caps = caps;
        if let Some(args) = caps
            .get_mut("goog:chromeOptions")
            .and_then(|o| o.get_mut("args"))
            .and_then(|a| a.as_array_mut())
        {
            args.extend(extra.iter().map(|a| serde_json::Value::from(*a)));
        }
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .unwrap();
        (c, chromedriver)
    }

    /// What the stand-in NCALayer does with the next request.
    #[derive(Clone)]
    enum Nca {
        /// Not running: connections are closed at once.
        Down,
        /// The person closes the window without choosing a key.
        Cancel,
        /// Signs with this key (module kz.gov.pki.knca.basics).
        Sign(std::sync::Arc<otinish_pki::sign::SigningKey>),
        /// An old NCALayer: refuses "basics", signs through kz.gov.pki.knca.commonUtils.
        Old(std::sync::Arc<otinish_pki::sign::SigningKey>),
    }

    /// A stand-in for NCALayer on loopback: a WebSocket server that greets as NCALayer does and
    /// answers its two signing calls in their real message shapes (shared/DOMAIN.md;
    /// sigex-kz/ncalayer-js-client), signing with whatever key the test gives it. It records
    /// every request.
    struct MockNcaLayer {
        port: u16,
        mode: std::sync::Arc<std::sync::Mutex<Nca>>,
        requests: std::sync::Arc<std::sync::Mutex<Vec<serde_json::Value>>>,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for MockNcaLayer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    /// One WebSocket frame's payload (text), unmasked; `None` at a close or the end.
    async fn ws_read(s: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
        use tokio::io::AsyncReadExt;
        let mut h = [0u8; 2];
        s.read_exact(&mut h).await.ok()?;
        if h[0] & 0x0f == 8 {
            return None;
        }
        let mut len = u64::from(h[1] & 0x7f);
        if len == 126 {
            let mut b = [0u8; 2];
            s.read_exact(&mut b).await.ok()?;
            len = u64::from(u16::from_be_bytes(b));
        } else if len == 127 {
            let mut b = [0u8; 8];
            s.read_exact(&mut b).await.ok()?;
            len = u64::from_be_bytes(b);
        }
        let mut mask = [0u8; 4];
        if h[1] & 0x80 != 0 {
            s.read_exact(&mut mask).await.ok()?;
        }
        let mut data = vec![0u8; usize::try_from(len).ok()?];
        s.read_exact(&mut data).await.ok()?;
        for (i, b) in data.iter_mut().enumerate() {
            *b ^= mask[i % 4];
        }
        Some(data)
    }

    async fn ws_send(s: &mut tokio::net::TcpStream, text: &str) {
        let b = text.as_bytes();
        let mut frame = vec![0x81u8];
        if b.len() < 126 {
            frame.push(b.len() as u8);
        } else if b.len() < 65536 {
            frame.push(126);
            frame.extend((b.len() as u16).to_be_bytes());
        } else {
            frame.push(127);
            frame.extend((b.len() as u64).to_be_bytes());
        }
        frame.extend_from_slice(b);
        let _ = s.write_all(&frame).await;
    }

    impl MockNcaLayer {
        async fn start() -> Self {
            use base64::Engine;
            use tokio::io::AsyncReadExt;
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let mode = std::sync::Arc::new(std::sync::Mutex::new(Nca::Down));
            let requests = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let (m, r) = (mode.clone(), requests.clone());
            let task = tokio::spawn(async move {
                while let Ok((mut s, _)) = listener.accept().await {
                    let mode = m.lock().unwrap().clone();
                    let requests = r.clone();
                    tokio::spawn(async move {
                        if matches!(mode, Nca::Down) {
                            return; // dropped: the page's WebSocket fails
                        }
                        // The opening handshake (RFC 6455 §4.2.2).
                        let mut head = Vec::new();
                        let mut byte = [0u8; 1];
                        while !head.ends_with(b"\r\n\r\n") {
                            if s.read_exact(&mut byte).await.is_err() {
                                return;
                            }
                            head.push(byte[0]);
                        }
                        let head = String::from_utf8_lossy(&head).into_owned();
                        let Some(key) = head.lines().find_map(|l| {
                            let (k, v) = l.split_once(':')?;
                            k.eq_ignore_ascii_case("sec-websocket-key")
                                .then(|| v.trim().to_owned())
                        }) else {
                            return;
                        };
                        let digest = ring::digest::digest(
                            &ring::digest::SHA1_FOR_LEGACY_USE_ONLY,
                            format!("{key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11").as_bytes(),
                        );
                        let accept =
                            base64::engine::general_purpose::STANDARD.encode(digest.as_ref());
                        let _ = s
                            .write_all(
                                format!(
                                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
                                     Connection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
                                )
                                .as_bytes(),
                            )
                            .await;
                        ws_send(&mut s, r#"{"result":{"version":"1.4"}}"#).await;
                        while let Some(msg) = ws_read(&mut s).await {
                            let Ok(req) = serde_json::from_slice::<serde_json::Value>(&msg) else {
                                continue;
                            };
                            requests.lock().unwrap().push(req.clone());
                            let module = req["module"].as_str().unwrap_or_default();
                            let data = if module == "kz.gov.pki.knca.basics" {
                                req["args"]["data"].as_str()
                            } else {
                                req["args"][2].as_str()
                            }
                            .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
                            .unwrap_or_default();
                            let sign = |k: &otinish_pki::sign::SigningKey| {
                                base64::engine::general_purpose::STANDARD
                                    .encode(k.sign_cms(&data, true, chrono::Utc::now()).unwrap())
                            };
                            let reply = match (&mode, module) {
                                (Nca::Cancel, _) => serde_json::json!({"status": true, "body": {}}),
                                (Nca::Sign(k), "kz.gov.pki.knca.basics") => {
                                    serde_json::json!({"status": true, "body": {"result": [sign(k)]}})
                                }
                                (Nca::Old(_), "kz.gov.pki.knca.basics") => serde_json::json!({
                                    "status": false, "code": "500",
                                    "message": "module kz.gov.pki.knca.basics not found"
                                }),
                                (Nca::Old(k) | Nca::Sign(k), "kz.gov.pki.knca.commonUtils") => {
                                    serde_json::json!({"code": "200", "responseObject": sign(k)})
                                }
                                _ => {
                                    serde_json::json!({"status": false, "code": "500", "message": "unknown"})
                                }
                            };
                            ws_send(&mut s, &reply.to_string()).await;
                        }
                    });
                }
            });
            Self {
                port,
                mode,
                requests,
                task,
            }
        }

        fn set(&self, mode: Nca) {
            *self.mode.lock().unwrap() = mode;
        }

        fn requests(&self) -> Vec<serde_json::Value> {
            self.requests.lock().unwrap().clone()
        }
    }

    /// axe-core (from the npm registry; CI installs it and sets OTINISH_AXE_JS to its
    /// axe.min.js) on the page at `path`: no serious or critical accessibility violation.
    /// Then the same page at 390 px wide must not scroll sideways.
    async fn page_checks(c: &Client, base: &str, path: &str) {
        c.goto(&format!("{base}{path}")).await.unwrap();
        let _ = c.wait().for_element(Locator::Css("footer")).await;
        match std::env::var_os("OTINISH_AXE_JS") {
            Some(js) => {
                let src = std::fs::read_to_string(&js)
                    .unwrap_or_else(|e| panic!("{}: {e}", Path::new(&js).display()));
                c.execute(&format!("{src}\nreturn true;"), vec![])
                    .await
                    .unwrap();
                let found = c
                    .execute(
                        "return axe.run(document, {resultTypes: ['violations']}).then(r => r.violations\
                         .filter(v => v.impact === 'serious' || v.impact === 'critical')\
                         .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)\
                         .map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n')[1]).join(' | ')));",
                        vec![],
                    )
                    .await
                    .unwrap();
                assert_eq!(
                    found,
                    serde_json::json!([]),
                    "axe-core on {path}: {found:#}"
                );
            }
            None => {
                assert!(
                    std::env::var_os("OTINISH_REQUIRE_BROWSER").is_none(),
                    "OTINISH_REQUIRE_BROWSER is set but OTINISH_AXE_JS (axe-core) is not"
                );
                eprintln!("SKIPPED axe-core on {path}: OTINISH_AXE_JS is not set");
            }
        }
        c.set_window_size(390, 844).await.unwrap();
        c.refresh().await.unwrap();
        let _ = c.wait().for_element(Locator::Css("footer")).await;
        let widths = c
            .execute(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth, \
                 [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > \
                 document.documentElement.clientWidth + 1 && !e.closest('.table-wrap')).slice(0, 5)\
                 .map(e => e.tagName + '.' + e.className + ' ' + (e.id || ''))];",
                vec![],
            )
            .await
            .unwrap();
        let name = path.trim_matches('/').replace(['/', '?', '=', '&'], "-");
        shot(c, &format!("390-{name}")).await;
        c.set_window_size(1280, 1000).await.unwrap();
        assert!(
            widths[0].as_i64() <= widths[1].as_i64(),
            "{path} scrolls sideways at 390 px: {widths}"
        );
    }

    /// Fetches a download with the browser's own session and returns its bytes.
    async fn download(c: &Client, href: &str) -> Vec<u8> {
        use base64::Engine;
        let got = c
            .execute(
                "return fetch(arguments[0], {credentials: 'same-origin'}).then(r => r.arrayBuffer())\
                 .then(b => { let s = ''; new Uint8Array(b).forEach(x => s += String.fromCharCode(x)); return btoa(s); });",
                vec![href.into()],
            )
            .await
            .unwrap();
        base64::engine::general_purpose::STANDARD
            .decode(got.as_str().unwrap_or_default())
            .unwrap()
    }

    /// The text of a PDF as poppler's pdftotext reads it, if the tool is here (CI has it).
    fn pdf_text(bytes: &[u8]) -> Option<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.pdf");
        std::fs::write(&path, bytes).unwrap();
        match Command::new("pdftotext").arg(&path).arg("-").output() {
            Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
            other => {
                assert!(
                    std::env::var_os("OTINISH_REQUIRE_TOOLS").is_none(),
                    "OTINISH_REQUIRE_TOOLS is set but pdftotext failed: {other:?}"
                );
                None
            }
        }
    }

    /// Types `query` into the staff search and returns the page.
    async fn staff_search(c: &Client, base: &str, query: &str) -> String {
        c.goto(&format!("{base}/staff/search")).await.unwrap();
        c.find(Locator::Id("q"))
            .await
            .unwrap()
            .send_keys(query)
            .await
            .unwrap();
        click_nav(c, Locator::Css("form.search button[type=submit]")).await;
        page(c).await
    }

    /// The shown error of a signing form once it appears.
    async fn sign_error(c: &Client) -> String {
        for _ in 0..100 {
            let shown = c
                .execute(
                    "const e = document.querySelector('.js-sign-error'); \
                     return e && !e.hidden ? e.textContent : '';",
                    vec![],
                )
                .await
                .unwrap_or_default();
            if let Some(t) = shown.as_str().filter(|t| !t.is_empty()) {
                return t.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no signing error shown: {}", page(c).await);
    }

    /// A published NCA TEST key (vectors/test_p12_keys.json) with its certificate and the TEST
    /// CA above it.
    pub(super) fn nca_test_key(id: &str) -> otinish_pki::sign::SigningKey {
        use der::Decode;
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(kz_gost("vectors/test_p12_keys.json")).unwrap())
                .unwrap();
        let d = json["keys"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["file"].as_str().unwrap_or_default().contains(id))
            .and_then(|k| k["d_le"].as_str())
            .unwrap()
            .to_owned();
        let d: Vec<u8> = (0..d.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&d[i..i + 2], 16).unwrap())
            .collect();
        let curve = const_oid::ObjectIdentifier::new_unwrap("1.2.398.3.10.1.1.2.2.1");
        let key = otinish_pki::gost::PrivateKey::from_le_bytes(&curve, &d).unwrap();
        let cert = x509_cert::Certificate::from_der(
            &std::fs::read(kz_gost(&format!("p12-certs/GOST512_{id}.cer"))).unwrap(),
        )
        .unwrap();
        let ca = x509_cert::Certificate::from_der(
            &std::fs::read(kz_gost("test-pki/nca_gost2022_test.cer")).unwrap(),
        )
        .unwrap();
        otinish_pki::sign::SigningKey::from_gost(key, cert, vec![ca]).unwrap()
    }

    /// EA-06, EA-09 through NCALayer in a browser, against a stand-in NCALayer that speaks its
    /// protocol: with NCALayer not running, and with the window closed unsigned, the page says
    /// each in Russian; an applicant holding a published NCA TEST key (GOST-512; the demo's
    /// clock set inside its validity, the TEST PKI trusted) signs in with the authentication
    /// usage asked for, and files an appeal through an old NCALayer (the commonUtils fallback);
    /// the head and the registrar sign the answer each with their own key; the signed answer
    /// carries both signatures and `otinish verify` accepts it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ea_browser_ncalayer_signing_with_own_keys() {
        let Some(driver) = chromedriver() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let nca = MockNcaLayer::start().await;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let ncalayer = format!("ws://127.0.0.1:{}/", nca.port);
        let _server = server(
            dir.path(),
            port,
            &[
                "--demo-now",
                "2025-05-30T10:00:00+05:00",
                "--pki",
                "test",
                "--revocation-unreachable",
                "accept",
                "--ncalayer-url",
                &ncalayer,
            ],
        );
        wait_http(&format!("127.0.0.1:{port}")).await;
        let profile = tempfile::tempdir().unwrap();
        let (c, _driver) = browser(&driver, profile.path()).await;

        // NCALayer not running; then the window closed without a key.
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        c.find(Locator::Id("sign-ncalayer"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let e = sign_error(&c).await;
        assert!(e.contains("NCALayer не запущен"), "{e}");
        nca.set(Nca::Cancel);
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        c.find(Locator::Id("sign-ncalayer"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let e = sign_error(&c).await;
        assert!(e.contains("Подписание отменено"), "{e}");
        shot(&c, "ncalayer-cancelled").await;

        // The applicant signs in with the TEST individual's key.
        let person = std::sync::Arc::new(nca_test_key("0d79679f360a2da49a631a0b1ac76f76c34b6f24"));
        nca.set(Nca::Sign(person.clone()));
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_nav(&c, Locator::Id("sign-ncalayer")).await;
        let h1 = text(&c, "h1").await;
        assert!(h1.contains("ТЕСТОВ ТЕСТ"), "{h1}: {}", page(&c).await);
        let signin = nca.requests().pop().unwrap();
        assert_eq!(signin["module"], "kz.gov.pki.knca.basics");
        assert_eq!(signin["method"], "sign");
        assert_eq!(signin["args"]["format"], "cms");
        assert_eq!(signin["args"]["signingParams"]["encapsulate"], true);
        assert_eq!(
            signin["args"]["signerParams"]["extKeyUsageOids"][0],
            "1.3.6.1.5.5.7.3.2"
        );

        // The appeal, through an old NCALayer.
        nca.set(Nca::Old(person));
        c.goto(&format!("{base}/cabinet/appeals/new"))
            .await
            .unwrap();
        choose(&c, "recipient", "Министерство юстиции").await;
        choose(&c, "kind", "Заявление").await;
        set(&c, "postal_address", "г. Астана, ул. Бейбитшилик 1").await;
        set(
            &c,
            "content",
            "Прошу разъяснить порядок апостилирования документов",
        )
        .await;
        click_nav(&c, Locator::Id("sign-ncalayer")).await;
        let url = c.current_url().await.unwrap();
        assert!(
            url.path().starts_with("/cabinet/appeals/"),
            "{}",
            page(&c).await
        );
        let id = url.path().rsplit('/').next().unwrap_or_default().to_owned();
        let asked: Vec<String> = nca
            .requests()
            .iter()
            .rev()
            .take(2)
            .map(|r| r["module"].as_str().unwrap_or_default().to_owned())
            .collect();
        assert_eq!(
            asked,
            ["kz.gov.pki.knca.commonUtils", "kz.gov.pki.knca.basics"]
        );

        // Sent for execution and answered; then the head and the registrar sign with their own
        // keys: employees' keys of the body (its BIN), with their registered IINs.
        staff_login(&c, &base, "registrar.mj").await;
        act(&c, &format!("{base}/staff/cards/{id}"), "action-send").await;
        let card = page(&c).await;
        assert!(
            card.contains("ГОСТ Р 34.10-2015, 512 бит") && card.contains("физическое лицо"),
            "{card}"
        );
        staff_login(&c, &base, "executor.mj").await;
        c.goto(&format!("{base}/staff/cards/{id}")).await.unwrap();
        set(&c, "decision", "explained").await;
        set(&c, "answer", "Апостиль проставляется в ЦОН.").await;
        click_nav(&c, Locator::Id("action-decide")).await;
        let db = format!("sqlite://{}", dir.path().join("otinish.db").display());
        let staff_key = |login: &'static str, purpose| {
            let db = db.clone();
            let keys = dir.path().join("keys");
            async move {
                use sqlx::Connection;
                let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
                let (iin, bin, body): (String, String, String) = sqlx::query_as(
                    "SELECT s.iin, b.bin, b.name_ru FROM staff s JOIN body b ON b.id = s.body_id WHERE s.login = $1",
                )
                .bind(login)
                .fetch_one(&mut conn)
                .await
                .unwrap();
                let ca = otinish_pki::gost_ca::GostCa::load(
                    &std::fs::read(keys.join("demo-ca.key")).unwrap(),
                    &std::fs::read(keys.join("demo-ca.crt")).unwrap(),
                )
                .unwrap();
                let at =
                    |y| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, y, 1, 1, 0, 0, 0).unwrap();
                std::sync::Arc::new(
                    ca.issue_valid(
                        &otinish_pki::sign::KzSubject {
                            surname: login.to_uppercase(),
                            name: "ТЕСТ".into(),
                            patronymic: None,
                            iin,
                            organization: Some(body),
                            bin: Some(bin),
                            email: None,
                        },
                        purpose,
                        at(2024),
                        at(2028),
                    )
                    .unwrap(),
                )
            }
        };
        use otinish_pki::gost_ca::Purpose;
        for (login, purpose) in [
            ("head.mj", Purpose::Signing),
            ("registrar.mj", Purpose::Employee),
        ] {
            nca.set(Nca::Sign(staff_key(login, purpose).await));
            staff_login(&c, &base, login).await;
            c.goto(&format!("{base}/staff/cards/{id}")).await.unwrap();
            click_load(&c, Locator::Id("sign-ncalayer")).await;
            let eku =
                nca.requests().pop().unwrap()["args"]["signerParams"]["extKeyUsageOids"][0].clone();
            assert_eq!(eku, "1.3.6.1.5.5.7.3.4");
        }
        assert_eq!(
            text(&c, "#state").await,
            "Ответ направлен",
            "{}",
            page(&c).await
        );
        shot(&c, "answer-signed-by-both").await;
        c.close().await.unwrap();

        // The signed answer, as stored, checked by `otinish verify` as of that day.
        let answer: Vec<u8> = {
            use sqlx::Connection;
            let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
            sqlx::query_scalar(
                "SELECT signature FROM signed_document WHERE card_id = $1 AND kind = 'answer'",
            )
            .bind(id.parse::<i64>().unwrap())
            .fetch_one(&mut conn)
            .await
            .unwrap()
        };
        let file = dir.path().join("answer.p7s");
        std::fs::write(&file, answer).unwrap();
        let o = otinish(
            dir.path(),
            &[
                "verify",
                file.to_str().unwrap(),
                "--pki",
                "test",
                "--revocation",
                "none",
                "--at",
                "2025-05-30T10:05:00+05:00",
            ],
        );
        let out = stdout(&o);
        assert!(o.status.success(), "{out}");
        assert!(out.contains("co-signer 2:"), "{out}");
        assert!(
            out.contains("first head") || out.contains("employee"),
            "{out}"
        );
    }

    /// A real deployment from an empty database, in a browser, without `--demo`: `otinish init`
    /// on NCA's TEST PKI names the administrator by the IIN of a published TEST key (the clock
    /// set inside its validity) and installs the deployment's own staging CA; the administrator
    /// signs in with that key through NCALayer, imports the register of bodies and the staff
    /// list from CSV (a bad file first: refused by line, nothing written); a citizen files an
    /// appeal with their TEST key; the registrar signs in with their own key (issued on the
    /// body's BIN) and sends the registered appeal for execution; once deactivated they are
    /// refused at once; a calendar change shows the card's term moving, then moves it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn real_deployment_from_an_empty_database_in_a_browser() {
        use otinish_pki::gost_ca::{GostCa, Purpose};
        let Some(driver) = chromedriver() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let at = |y| chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, y, 1, 1, 0, 0, 0).unwrap();
        // The deployment's own staging CA, trusted through `--trust-from`.
        let ca = GostCa::generate("Otinish staging CA", at(2024)).unwrap();
        let trust = dir.path().join("trust-from");
        std::fs::create_dir_all(&trust).unwrap();
        std::fs::write(trust.join("staging-ca.cer"), ca.root_der()).unwrap();
        let otinish_real = |args: &[&str]| {
            Command::new(env!("CARGO_BIN_EXE_otinish"))
                .arg("--data-dir")
                .arg(&data)
                .args(["--pki", "test"])
                .args(args)
                .env_remove("OTINISH_CONFIG")
                .env_remove("OTINISH_DATABASE_URL")
                .env_remove("OTINISH_DEMO")
                .env_remove("OTINISH_STAFF_PASSWORDS")
                .env("OTINISH_LOG", "warn")
                .output()
                .unwrap()
        };
        let init = otinish_real(&[
            "init",
            "--name-kk",
            "Сынақ министрлігінің өтініштері",
            "--name-ru",
            "Обращения в Министерство примера",
            "--admin-iin",
            "123456789011",
            "--admin-name",
            "ТЕСТОВ ТЕСТ",
            "--trust-from",
            trust.to_str().unwrap(),
        ]);
        assert!(init.status.success(), "{init:?}");

        let nca = MockNcaLayer::start().await;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let _server = Killed(
            Command::new(env!("CARGO_BIN_EXE_otinish"))
                .arg("--data-dir")
                .arg(&data)
                .args([
                    "--pki",
                    "test",
                    "serve",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                    "--demo-now",
                    "2025-05-30T10:00:00+05:00",
                    "--revocation-unreachable",
                    "accept",
                    "--ncalayer-url",
                    &format!("ws://127.0.0.1:{}/", nca.port),
                ])
                .env_remove("OTINISH_CONFIG")
                .env_remove("OTINISH_DATABASE_URL")
                .env_remove("OTINISH_DEMO")
                .env_remove("OTINISH_STAFF_PASSWORDS")
                .env("OTINISH_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_http(&format!("127.0.0.1:{port}")).await;
        let profile = tempfile::tempdir().unwrap();
        let (c, _driver) = browser(&driver, profile.path()).await;
        let sign_in_with = |key: std::sync::Arc<otinish_pki::sign::SigningKey>| {
            let (c, base, nca) = (&c, &base, &nca);
            async move {
                c.delete_all_cookies().await.unwrap();
                nca.set(Nca::Sign(key));
                c.goto(&format!("{base}/staff/login?lang=ru"))
                    .await
                    .unwrap();
                assert!(
                    !page(c).await.contains("demo-key"),
                    "no demo keys without --demo"
                );
                c.find(Locator::Id("sign-ncalayer"))
                    .await
                    .unwrap()
                    .click()
                    .await
                    .unwrap();
            }
        };
        let until_on = |path: &'static str| {
            let c = &c;
            async move {
                for _ in 0..100 {
                    if c.current_url()
                        .await
                        .map(|u| u.path() == path)
                        .unwrap_or(false)
                    {
                        let _ = c.wait().for_element(Locator::Css("footer")).await;
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                panic!("not on {path}: {}", page(c).await);
            }
        };

        // The administrator: a published NCA TEST key (an individual's, IIN 123456789011).
        let admin_key =
            std::sync::Arc::new(nca_test_key("0d79679f360a2da49a631a0b1ac76f76c34b6f24"));
        sign_in_with(admin_key.clone()).await;
        until_on("/staff").await;

        // The register of bodies: a bad file is refused by line; the good one imports whole.
        let files = dir.path().join("csv");
        std::fs::create_dir_all(&files).unwrap();
        let bad = files.join("bad.csv");
        std::fs::write(
            &bad,
            "БИН;Наименование (каз.);Наименование (рус.);БИН вышестоящего органа\n\
             940140000385;Мысал министрлігі;Министерство примера;\n\
             000740001308;Бөлім;Отдел;940140000385\n",
        )
        .unwrap();
        let bodies = files.join("bodies.csv");
        std::fs::write(
            &bodies,
            "БИН;Наименование (каз.);Наименование (рус.);БИН вышестоящего органа;Код;Компетенция\n\
             000740001307;Астана департаменті;Департамент по Астане;940140000385;MP-AST;notary\n\
             940140000385;Мысал министрлігі;Министерство примера;;MP;notary;housing\n",
        )
        .unwrap();
        let upload = |path: std::path::PathBuf, to: &'static str| {
            let (c, base) = (&c, &base);
            async move {
                c.goto(&format!("{base}{to}?lang=ru")).await.unwrap();
                c.find(Locator::Id("import-file"))
                    .await
                    .unwrap()
                    .send_keys(path.to_str().unwrap())
                    .await
                    .unwrap();
                click_load(c, Locator::Id("import-preview")).await;
                text(c, "#import-summary").await
            }
        };
        let summary = upload(bad, "/staff/admin/bodies").await;
        assert!(summary.contains("Найдено ошибок: 1"), "{summary}");
        let problems = text(&c, "#import-problems").await;
        assert!(
            problems.contains('3') && problems.contains("это не БИН"),
            "{problems}"
        );
        shot(&c, "real-import-refused").await;
        let summary = upload(bodies, "/staff/admin/bodies").await;
        assert!(summary.contains("будет создано органов — 2"), "{summary}");
        click_load(&c, Locator::Id("import-apply-button")).await;
        assert_eq!(text(&c, "#created").await, "Загружено органов: 2.");

        // The staff list: the department's registrar and executor.
        let staff = files.join("staff.csv");
        std::fs::write(
            &staff,
            "ИИН;ФИО;БИН органа;Роли\n\
             881105300560;Дана Тіркеуова;000740001307;Регистратор (канцелярия)\n\
             870412300129;Ерлан Орындаушиев;000740001307;Исполнитель\n",
        )
        .unwrap();
        let summary = upload(staff, "/staff/admin/staff").await;
        assert!(
            summary.contains("будет добавлено сотрудников — 2"),
            "{summary}"
        );
        click_load(&c, Locator::Id("import-apply-button")).await;
        assert_eq!(text(&c, "#created").await, "Загружено сотрудников: 2.");
        shot(&c, "real-staff-imported").await;

        // A citizen with a TEST key files an appeal to the department.
        c.delete_all_cookies().await.unwrap();
        let citizen = std::sync::Arc::new(nca_test_key("145fc4910ee07ff689aeceee0f1d09d2441d0670"));
        nca.set(Nca::Sign(citizen));
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_nav(&c, Locator::Id("sign-ncalayer")).await;
        c.goto(&format!("{base}/cabinet/appeals/new"))
            .await
            .unwrap();
        choose(&c, "recipient", "Департамент по Астане").await;
        choose(&c, "kind", "Заявление").await;
        set(&c, "postal_address", "г. Астана, ул. Бейбитшилик 1").await;
        set(
            &c,
            "content",
            "Прошу разъяснить порядок нотариального заверения",
        )
        .await;
        click_nav(&c, Locator::Id("sign-ncalayer")).await;
        let url = c.current_url().await.unwrap();
        assert!(
            url.path().starts_with("/cabinet/appeals/"),
            "{}",
            page(&c).await
        );
        let id = url.path().rsplit('/').next().unwrap_or_default().to_owned();

        // The registrar signs in with their own key, issued on the department's BIN.
        let registrar_key = std::sync::Arc::new(
            ca.issue_valid(
                &otinish_pki::sign::KzSubject {
                    surname: "ТІРКЕУОВА".into(),
                    name: "ДАНА".into(),
                    patronymic: None,
                    iin: "881105300560".into(),
                    organization: Some("Департамент по Астане".into()),
                    bin: Some("000740001307".into()),
                    email: None,
                },
                Purpose::Authentication,
                at(2024),
                at(2028),
            )
            .unwrap(),
        );
        sign_in_with(registrar_key.clone()).await;
        until_on("/staff").await;
        let registrar_cookies = c.get_all_cookies().await.unwrap();
        c.goto(&format!("{base}/staff/cards/{id}")).await.unwrap();
        let card = page(&c).await;
        assert!(card.contains("MP-AST-"), "registered on arrival: {card}");
        click_load(&c, Locator::Id("action-send")).await;
        let state = text(&c, "#state").await;
        assert!(state.contains("исполнен"), "{state}: {}", page(&c).await);

        // The administrator deactivates the registrar: their session ends, their key is refused.
        sign_in_with(admin_key.clone()).await;
        until_on("/staff").await;
        c.goto(&format!("{base}/staff/admin/staff?q=881105300560&lang=ru"))
            .await
            .unwrap();
        let button = c
            .find(Locator::Css("form[action$='/active'] button"))
            .await
            .unwrap();
        button.click().await.unwrap();
        let _ = c.wait().for_element(Locator::Css("#created")).await;
        assert!(text(&c, "#created").await.contains("деактивирован"));
        let admin_cookies = c.get_all_cookies().await.unwrap();
        c.delete_all_cookies().await.unwrap();
        for cookie in registrar_cookies {
            c.add_cookie(cookie).await.unwrap();
        }
        c.goto(&format!("{base}/staff/cards/{id}")).await.unwrap();
        assert_eq!(
            c.current_url().await.unwrap().path(),
            "/staff/login",
            "the session ended at once"
        );
        sign_in_with(registrar_key).await;
        until_on("/staff/login/key").await;
        let e = text(&c, "#login-error").await;
        assert!(e.contains("не принадлежит действующему сотруднику"), "{e}");

        // A calendar change: the preview names the card and its term, then applying moves it.
        c.delete_all_cookies().await.unwrap();
        for cookie in admin_cookies {
            c.add_cookie(cookie).await.unwrap();
        }
        let db = format!("sqlite://{}", data.join("otinish.db").display());
        let due = || {
            let db = db.clone();
            let id = id.clone();
            async move {
                use sqlx::Connection;
                let mut conn = sqlx::SqliteConnection::connect(&db).await.unwrap();
                sqlx::query_scalar::<_, String>(
                    "SELECT due_on FROM card_deadline WHERE card_id = $1 AND key = 'answer'",
                )
                .bind(id.parse::<i64>().unwrap())
                .fetch_one(&mut conn)
                .await
                .unwrap()
            }
        };
        let was = due().await;
        c.goto(&format!("{base}/staff/admin/calendar?lang=ru"))
            .await
            .unwrap();
        set(&c, "date", &was).await;
        choose(&c, "kind", "выходным").await;
        set(
            &c,
            "reason",
            "Постановление Правительства № 77 от 20.05.2025",
        )
        .await;
        click_load(&c, Locator::Id("calendar-preview-button")).await;
        let moves = text(&c, "#calendar-moves").await;
        let was_dmy = chrono::NaiveDate::parse_from_str(&was, "%Y-%m-%d")
            .unwrap()
            .format("%d.%m.%Y")
            .to_string();
        assert!(
            moves.contains("MP-AST-") && moves.contains(&was_dmy),
            "{moves}"
        );
        assert_eq!(due().await, was, "the preview moved nothing");
        shot(&c, "real-calendar-preview").await;
        click_load(&c, Locator::Id("calendar-apply-button")).await;
        assert!(
            text(&c, "#calendar-applied").await.contains(": 1"),
            "{}",
            page(&c).await
        );
        let now_due = due().await;
        assert!(now_due > was, "{now_due} after {was}");
        c.close().await.unwrap();
    }

    /// The QR text the page shows once eGov mobile signing started.
    async fn shown_qr(c: &Client) -> String {
        for _ in 0..100 {
            let qr = c
                .execute(
                    "const e = document.getElementById('mgov-qr'); \
                     return e && !e.hidden ? (e.getAttribute('data-qr') || '') : '';",
                    vec![],
                )
                .await
                .unwrap_or_default();
            if let Some(q) = qr.as_str().filter(|q| !q.is_empty()) {
                return q.to_owned();
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no QR code shown: {}", page(c).await);
    }

    /// One HTTP/1.0 request of the scripted phone: (status, body).
    async fn phone_request(
        port: u16,
        method: &str,
        path: &str,
        bearer: Option<&str>,
        body: &str,
    ) -> (u16, String) {
        use tokio::io::AsyncReadExt;
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let auth = bearer
            .map(|b| format!("Authorization: Bearer {b}\r\n"))
            .unwrap_or_default();
        let req = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = text
            .split_once("\r\n\r\n")
            .map(|(_, b)| b.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// Signing in with eGov mobile in a browser, with a scripted phone: the page shows the QR
    /// code; the phone reads the link, fetches the document with its token, signs it with the
    /// applicant's key and sends it back; the page goes on into the cabinet by itself.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ea_browser_mgov_qr_sign_in_with_a_scripted_phone() {
        use base64::Engine;
        let b64 = base64::engine::general_purpose::STANDARD;
        let Some(driver) = chromedriver() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let _server = server(dir.path(), port, &["--public-url", &base]);
        wait_http(&format!("127.0.0.1:{port}")).await;
        let profile = tempfile::tempdir().unwrap();
        let (c, _driver) = browser(&driver, profile.path()).await;
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        c.find(Locator::Id("sign-mgov"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let qr = shown_qr(&c).await;
        shot(&c, "mgov-qr").await;
        let link = qr
            .strip_prefix(&format!("mobileSign:{base}"))
            .unwrap_or_else(|| panic!("{qr}"));
        // The phone.
        let (status, api1) = phone_request(port, "GET", link, None, "").await;
        assert_eq!(status, 200, "{api1}");
        let api1: serde_json::Value = serde_json::from_str(&api1).unwrap();
        assert_eq!(api1["description"], "Вход в портал обращений");
        let token = api1["document"]["auth_token"].as_str().unwrap().to_owned();
        let docs = api1["document"]["uri"]
            .as_str()
            .unwrap()
            .strip_prefix(&base)
            .unwrap()
            .to_owned();
        let (status, api2) = phone_request(port, "GET", &docs, Some(&token), "").await;
        assert_eq!(status, 200, "{api2}");
        let mut api2: serde_json::Value = serde_json::from_str(&api2).unwrap();
        let data = b64
            .decode(
                api2["documentsToSign"][0]["document"]["file"]["data"]
                    .as_str()
                    .unwrap(),
            )
            .unwrap();
        assert!(data.starts_with(b"otinish-sign-in:"));
        let key = otinish_pki::sign::load_key(&dir.path().join("keys"), "demo-ivanova").unwrap();
        let cms = key.sign_cms(&data, true, chrono::Utc::now()).unwrap();
        api2["documentsToSign"][0]["document"]["file"]["data"] =
            serde_json::Value::String(b64.encode(cms));
        let (status, reply) =
            phone_request(port, "PUT", &docs, Some(&token), &api2.to_string()).await;
        assert_eq!(status, 200, "{reply}");
        // The page goes on by itself.
        for _ in 0..100 {
            if c.current_url()
                .await
                .map(|u| u.path() == "/cabinet")
                .unwrap_or(false)
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = c.wait().for_element(Locator::Css("footer")).await;
        let h1 = text(&c, "h1").await;
        assert!(h1.contains("ИВАНОВА ЕЛЕНА"), "{h1}: {}", page(&c).await);
        c.close().await.unwrap();
    }

    /// Opens a staff page and clicks the button `id` on it.
    async fn act(c: &Client, url: &str, id: &str) {
        c.goto(url).await.unwrap();
        click_load(c, Locator::Id(id)).await;
    }

    /// VC-01 … VC-20 in a browser: the secretary drafts the quarter's schedule with the first
    /// head's reception, the head approves it, the authorized body agrees and publishes it; the
    /// demo applicant books the time and signs; the secretary registers; the head appoints. On
    /// the day (the demo clock set to 09:40 local) the branch checks the applicant in, the head
    /// records the reception and instructs the executor, whose answer is signed and delivered.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn vc_browser_reception_from_schedule_to_answer() {
        let Some(driver) = chromedriver() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let first = server(dir.path(), port, &[]);
        wait_http(&format!("127.0.0.1:{port}")).await;
        let profile = tempfile::tempdir().unwrap();
        let (c, _chromedriver) = browser(&driver, profile.path()).await;

        // VC-05: the secretary drafts 2027-Q2 with a reception of the first head by VKS.
        staff_login(&c, &base, "secretary.mj").await;
        c.goto(&format!("{base}/staff/schedules")).await.unwrap();
        set(&c, "quarter", "2027-Q2").await;
        click_load(&c, Locator::Css("form.inline-form button[type=submit]")).await;
        let schedule_url = c.current_url().await.unwrap().to_string();
        assert!(
            schedule_url.contains("/staff/schedules/"),
            "{}",
            page(&c).await
        );
        set(&c, "date_0", "2027-04-06").await;
        set(&c, "time_0", "10:00").await;
        set(&c, "minutes_0", "30").await;
        choose(&c, "official_0", "Первый руководитель").await;
        c.execute(
            "document.querySelector(\"[name='vks_0']\").checked = true;",
            vec![],
        )
        .await
        .unwrap();
        click_load(
            &c,
            Locator::XPath("//form[contains(@action,'/slots')]//button"),
        )
        .await;
        assert!(
            page(&c).await.contains("value=\"2027-04-06\""),
            "{}",
            page(&c).await
        );
        // The head approves; the authorized body agrees and publishes.
        for (login, action) in [
            ("head.mj", "approve"),
            ("operator.mddiai", "agree"),
            ("operator.mddiai", "publish"),
        ] {
            staff_login(&c, &base, login).await;
            c.goto(&schedule_url).await.unwrap();
            click_load(
                &c,
                Locator::XPath(&format!(
                    "//input[@name='action' and @value='{action}']/following-sibling::button"
                )),
            )
            .await;
        }
        assert!(page(&c).await.contains("Опубликован"), "{}", page(&c).await);
        shot(&c, "vks-schedule-published").await;

        // VC-02, VC-03: the applicant books the time at a PSC and signs.
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_load(&c, Locator::Id("demo-akhmetov")).await;
        c.goto(&format!("{base}/cabinet/receptions/new?body=MJ"))
            .await
            .unwrap();
        // The day first, then the time on that day.
        let narrowed = c
            .execute(
                "const d = document.getElementById('slot_day'); d.value = '06.04.2027'; \
                 d.dispatchEvent(new Event('change')); \
                 const s = document.getElementById('slot'); \
                 const shown = [...s.options].filter(o => o.value && !o.hidden); \
                 const ten = shown.find(o => o.textContent.startsWith('10:00')); \
                 if (ten) s.value = ten.value; \
                 return shown.length > 0 && shown.length < s.options.length - 1 && !!ten \
                   && shown.every(o => /^\\d\\d:\\d\\d /.test(o.textContent));",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            narrowed,
            serde_json::Value::Bool(true),
            "{}",
            page(&c).await
        );
        choose(&c, "branch", "ЦОН №1 г. Астаны").await;
        choose(&c, "lang", "Рус").await;
        for (name, value) in [
            ("address", "Астана, ул. Абая 1"),
            ("email", "akhmetov@demo.example.kz"),
            ("phones", "+77011234567"),
            ("workplace", "ТОО Дала"),
            ("position", "инженер"),
            ("question", "Сроки выделения земельного участка"),
        ] {
            set(&c, name, value).await;
        }
        shot(&c, "vks-booking-form").await;
        click_load(&c, Locator::Id("demo-sign")).await;
        let mine = page(&c).await;
        assert!(
            mine.contains("06.04.2027 10:00") && mine.contains("class=\"ok\""),
            "{mine}"
        );
        for path in ["/cabinet/receptions", "/cabinet/receptions/new?body=MJ"] {
            page_checks(&c, &base, path).await;
        }

        // VC-04, VC-07: the request is in the secretary's online reception; she registers it.
        staff_login(&c, &base, "secretary.mj").await;
        c.goto(&format!("{base}/staff/receptions")).await.unwrap();
        click_load(&c, Locator::XPath("//a[contains(@href,'/staff/cards/')]")).await;
        click_load(&c, Locator::Id("reception-link")).await;
        let reception_url = c.current_url().await.unwrap().to_string();
        assert!(
            page(&c).await.contains("791028302728"),
            "VC-20: the secretary sees the IIN"
        );
        click_load(&c, Locator::Id("action-register")).await;
        let reception_path = reception_url[reception_url.find("/staff").unwrap_or(0)..].to_owned();
        for path in [
            "/staff/receptions",
            "/staff/schedules",
            reception_path.as_str(),
        ] {
            page_checks(&c, &base, path).await;
        }
        // VC-09, VC-11: the head appoints the reception.
        staff_login(&c, &base, "head.mj").await;
        act(&c, &reception_url, "action-appoint").await;
        assert!(page(&c).await.contains("Назначен"), "{}", page(&c).await);
        shot(&c, "vks-appointed").await;
        // The applicant's cabinet says it as it now stands: when, where, what to bring.
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_load(&c, Locator::Id("demo-akhmetov")).await;
        c.goto(&format!("{base}/cabinet/receptions")).await.unwrap();
        let state = text(&c, ".reception-state").await;
        assert!(
            state.starts_with("Приём назначен на 06.04.2027 в 10:00: ЦОН №1 г. Астаны")
                && state.contains("удостоверение личности"),
            "{state}"
        );
        drop(first);

        // On the day: the same data, the demo clock at 09:40 in Astana.
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let reception_url = reception_url.replace(
            &reception_url[..reception_url.find("/staff").unwrap_or(0)],
            &base,
        );
        let _second = server(
            dir.path(),
            port,
            &["--demo-now", "2027-04-06T09:40:00+05:00"],
        );
        wait_http(&format!("127.0.0.1:{port}")).await;
        // VC-16: the branch checks the applicant in.
        staff_login(&c, &base, "operator.con").await;
        c.goto(&format!("{base}/staff/vks")).await.unwrap();
        assert!(
            page(&c).await.contains("06.04.2027 10:00"),
            "{}",
            page(&c).await
        );
        page_checks(&c, &base, "/staff/vks").await;
        c.goto(&reception_url).await.unwrap();
        c.find(Locator::Id("document"))
            .await
            .unwrap()
            .send_keys("Удостоверение личности 041234567")
            .await
            .unwrap();
        click_load(&c, Locator::Id("action-check-in")).await;
        assert!(
            page(&c).await.contains("Заявитель отмечен в ЦОН"),
            "{}",
            page(&c).await
        );
        shot(&c, "vks-checked-in").await;

        // VC-17, VC-18: the head records the reception and instructs the executor.
        staff_login(&c, &base, "head.mj").await;
        c.goto(&reception_url).await.unwrap();
        for (name, value) in [
            ("introduction", "Ахметов Бауыржан, ТОО Дала"),
            ("question", "Сроки выделения земельного участка"),
            ("clarifications", "Какой участок: №12 в с. Коктал"),
            ("discussion", "Предложено рассмотреть участок №12"),
            ("summary", "Вопрос будет рассмотрен в установленный срок"),
            ("decision", "Поручить подготовку ответа"),
            ("instruction", "Подготовить ответ о сроках"),
        ] {
            c.find(Locator::Id(name))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        choose(&c, "executor", "Даурен Орындаев").await;
        shot(&c, "vks-record-form").await;
        click_load(&c, Locator::Id("action-record")).await;
        assert!(page(&c).await.contains("Состоялся"), "{}", page(&c).await);
        click_load(&c, Locator::XPath("//a[contains(@href,'/staff/cards/')]")).await;
        let card_url = c.current_url().await.unwrap().to_string();
        assert_eq!(text(&c, "#state").await, "На исполнении");

        // The executor answers; the head and the registrar sign; the answer is sent.
        staff_login(&c, &base, "executor.mj").await;
        c.goto(&card_url).await.unwrap();
        c.find(Locator::Css("select#decision option[value=explained]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.find(Locator::Id("answer"))
            .await
            .unwrap()
            .send_keys("Участок №12 будет предоставлен в течение месяца.")
            .await
            .unwrap();
        click_load(&c, Locator::Id("action-decide")).await;
        for login in ["head.mj", "registrar.mj"] {
            staff_login(&c, &base, login).await;
            act(&c, &card_url, "action-sign").await;
        }
        assert_eq!(text(&c, "#state").await, "Ответ направлен");

        // The applicant sees the answer.
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_load(&c, Locator::Id("demo-akhmetov")).await;
        let card_id = card_url.rsplit('/').next().unwrap_or_default().to_owned();
        c.goto(&format!("{base}/cabinet/appeals/{card_id}"))
            .await
            .unwrap();
        let answered = page(&c).await;
        assert!(
            answered.contains("Участок №12 будет предоставлен"),
            "{answered}"
        );
        shot(&c, "vks-answer").await;
        c.close().await.unwrap();
    }

    /// VA-01 … VA-13 in a browser with Chromium's fake camera and microphone: the branch
    /// operator writes the journal entry and opens the booth; the booth records a few seconds
    /// through MediaRecorder and sends them; the receipt shows the code and the barcode; the
    /// body registers and answers; the answer is seen by the code.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn va_browser_booth_recording_to_answer_by_code() {
        let Some(driver) = chromedriver() else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let _server = server(dir.path(), port, &[]);
        wait_http(&format!("127.0.0.1:{port}")).await;
        let profile = tempfile::tempdir().unwrap();
        let (c, _chromedriver) = browser_with(
            &driver,
            profile.path(),
            &[
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        .await;

        // VA-02: the operator identifies the applicant and opens the booth.
        staff_login(&c, &base, "operator.con").await;
        c.goto(&format!("{base}/staff/va")).await.unwrap();
        for (id, value) in [
            ("document_number", "041234567"),
            ("iin", "791028302728"),
            ("full_name", "Ахметов Бауыржан Серікұлы"),
        ] {
            c.find(Locator::Id(id))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        click_load(&c, Locator::Id("action-identify")).await;
        assert!(
            page(&c).await.contains("АХМЕТОВ БАУЫРЖАН"),
            "{}",
            page(&c).await
        );
        shot(&c, "va-journal").await;
        click_load(&c, Locator::Id("booth-link")).await;
        let booth_path = c.current_url().await.unwrap().path().to_owned();
        page_checks(&c, &base, &booth_path).await;
        c.goto(&format!("{base}/staff/va")).await.unwrap();
        page_checks(&c, &base, "/staff/va").await;
        c.goto(&format!("{base}{booth_path}")).await.unwrap();

        // VA-03, VA-04, VA-08: the booth's form and a few seconds of recording.
        for (name, value) in [
            ("surname", "Ахметов"),
            ("name", "Бауыржан"),
            ("postal_address", "Алматинская обл., с. Коктал, ул. Абая 1"),
            ("email", "akhmetov@demo.example.kz"),
        ] {
            c.find(Locator::Id(name))
                .await
                .unwrap()
                .send_keys(value)
                .await
                .unwrap();
        }
        choose(&c, "body", "Министерство юстиции").await;
        choose(&c, "kind", "Заявление").await;
        c.find(Locator::Id("record-start"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(4)).await;
        let left = text(&c, "#countdown").await;
        assert!(left.starts_with("2:5"), "the countdown runs: {left}");
        shot(&c, "va-booth-recording").await;
        c.find(Locator::Id("record-stop"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        let mut code = String::new();
        for _ in 0..200 {
            code = text(&c, "#receipt-code").await;
            if !code.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(code.len(), 14, "{}", page(&c).await);
        let number = text(&c, "#receipt-number").await;
        let barcode = page(&c).await;
        assert!(
            barcode.contains("<svg")
                && barcode.contains(&format!("aria-label=\"{}\"", code.replace(' ', "")))
        );
        shot(&c, "va-receipt").await;

        // The booth's session ends by itself once the receipt has been left alone (the limit
        // shortened here to 2 s): the page starts clean, with no trace of the last person.
        let booth_url = c.current_url().await.unwrap();
        c.execute(
            "window.__last_person = true; document.getElementById('booth').dataset.idleReceipt = '2';",
            vec![],
        )
        .await
        .unwrap();
        let mut clean = serde_json::Value::Null;
        for _ in 0..100 {
            clean = c
                .execute(
                    "return window.__last_person !== true && document.readyState === 'complete' \
                     && document.getElementById('receipt').hidden \
                     && document.getElementById('receipt-code').textContent === '' \
                     && document.getElementById('surname').value === '';",
                    vec![],
                )
                .await
                .unwrap_or(serde_json::Value::Null);
            if clean == serde_json::Value::Bool(true) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(clean, serde_json::Value::Bool(true), "{}", page(&c).await);
        assert_eq!(c.current_url().await.unwrap().path(), booth_url.path());
        assert!(!page(&c).await.contains(&code));

        // VA-09: the registrar plays and registers it; the executor answers; both sign.
        staff_login(&c, &base, "registrar.mj").await;
        let card_url = format!("{base}/staff/cards/{number}");
        c.goto(&card_url).await.unwrap();
        let ready = c
            .execute(
                "const v = document.getElementById('recording'); return new Promise(r => { \
                 if (v.readyState >= 1) r(true); v.onloadedmetadata = () => r(true); v.onerror = () => r(false); \
                 setTimeout(() => r(v.readyState >= 1), 5000); });",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(
            ready,
            serde_json::Value::Bool(true),
            "the browser plays the stored recording"
        );
        click_load(&c, Locator::Id("action-register")).await;
        click_load(&c, Locator::Id("action-send")).await;
        staff_login(&c, &base, "executor.mj").await;
        c.goto(&card_url).await.unwrap();
        c.find(Locator::Css("select#decision option[value=explained]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.find(Locator::Id("answer"))
            .await
            .unwrap()
            .send_keys("Справка выдаётся в ЦОН в течение одного дня.")
            .await
            .unwrap();
        click_load(&c, Locator::Id("action-decide")).await;
        for login in ["head.mj", "registrar.mj"] {
            staff_login(&c, &base, login).await;
            act(&c, &card_url, "action-sign").await;
        }
        assert_eq!(text(&c, "#state").await, "Ответ направлен");

        // VA-13: the answer by the code, as typed from the receipt.
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/answer?lang=ru")).await.unwrap();
        c.find(Locator::Id("code"))
            .await
            .unwrap()
            .send_keys(&code)
            .await
            .unwrap();
        click_load(&c, Locator::Id("lookup")).await;
        assert!(
            text(&c, "#answer").await.contains("Справка выдаётся в ЦОН"),
            "{}",
            page(&c).await
        );
        shot(&c, "va-answer").await;
        c.close().await.unwrap();
    }

    /// EA-01 … EA-11 in a browser: a demo individual signs in, files an appeal with an
    /// attachment and sees the receipt; the registrar's inbox shows it registered; the executor
    /// redirects one appeal and answers another; the head signs; the applicant sees the answer
    /// and the notices, and receives the emails.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn ea_browser_appeal_from_sign_in_to_answer() {
        let Some(driver) = std::env::var_os("PATH").and_then(|p| {
            std::env::split_paths(&p)
                .map(|d| d.join("chromedriver"))
                .find(|p| p.exists())
        }) else {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_BROWSER").is_none(),
                "OTINISH_REQUIRE_BROWSER is set but chromedriver is not on PATH"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED browser test: chromedriver is not on PATH"
            );
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let (smtp_port, mails) = smtp_server().await;
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let server = Command::new(env!("CARGO_BIN_EXE_otinish"))
            .arg("--data-dir")
            .arg(dir.path())
            .args([
                "--smtp-url",
                &format!("smtp://127.0.0.1:{smtp_port}"),
                "serve",
                "--demo",
                "--demo-cards",
                "0",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .env_remove("OTINISH_DATABASE_URL")
            .env("OTINISH_LOG", "warn")
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let _server = Killed(server);
        wait_http(&format!("127.0.0.1:{port}")).await;
        let driver_port = free_port();
        let chromedriver = Command::new(driver)
            .arg(format!("--port={driver_port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let _chromedriver = Killed(chromedriver);
        wait_http(&format!("127.0.0.1:{driver_port}")).await;
        let profile = tempfile::tempdir().unwrap();
        let caps: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
            "goog:chromeOptions": {
                "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--disable-dev-shm-usage", "--window-size=1280,1000", "--lang=ru",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }))
        .unwrap();
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{driver_port}"))
            .await
            .unwrap();
        let scan = dir.path().join("scan.pdf");
        std::fs::write(&scan, b"%PDF-1.4\n% a scanned document\n").unwrap();

        // The applicant signs in with the demo key and files two appeals.
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_nav(&c, Locator::Id("demo-akhmetov")).await;
        let h1 = text(&c, "h1").await;
        assert!(h1.contains("АХМЕТОВ БАУЫРЖАН"), "{h1}: {}", page(&c).await);
        let first = file_appeal(
            &c,
            &base,
            "Министерство юстиции РК",
            "Прошу разъяснить порядок получения справки о несудимости",
            Some(&scan),
        )
        .await;
        assert_eq!(text(&c, "#state").await, "Зарегистрировано");
        let number = text(&c, "#reg-number").await;
        assert!(number.starts_with("MJ-"), "{number}");
        assert!(
            page(&c).await.contains("Квитанция о доставке") && page(&c).await.contains("scan.pdf")
        );
        // The confirmation first: the number in large type, the due day, what happens next.
        assert_eq!(text(&c, "#filed-title").await, "Обращение принято");
        assert_eq!(text(&c, "#filed-number").await, number);
        let due = text(&c, "#filed-due").await;
        assert!(due.starts_with("Ответ — не позднее "), "{due}");
        let due_day = due
            .trim_start_matches("Ответ — не позднее ")
            .trim_end_matches('.');
        shot(&c, "appeal-receipt").await;
        // The PDF receipt, downloaded with the applicant's session and read by pdftotext.
        let href = c
            .find(Locator::Id("filed-pdf"))
            .await
            .unwrap()
            .attr("href")
            .await
            .unwrap()
            .unwrap_or_default();
        let pdf = download(&c, &href).await;
        assert!(
            pdf.starts_with(b"%PDF-"),
            "{}",
            String::from_utf8_lossy(&pdf)
        );
        if let Some(t) = pdf_text(&pdf) {
            assert!(
                t.contains(&number) && t.contains(due_day),
                "{number} {due_day}: {t}"
            );
        }
        let second = file_appeal(
            &c,
            &base,
            "Министерство юстиции РК",
            "Прошу отремонтировать дорогу в селе Коктал",
            None,
        )
        .await;

        for path in [
            "/cabinet".to_owned(),
            "/cabinet/appeals/new".to_owned(),
            "/cabinet/personal-reception".to_owned(),
            format!("/cabinet/appeals/{first}"),
        ] {
            page_checks(&c, &base, &path).await;
        }

        // The registrar sees both registered and sends them for execution.
        staff_login(&c, &base, "registrar.mj").await;
        // The desk finds the card by part of its number, by the applicant's IIN and name.
        let tail = number.rsplit('-').next().unwrap_or_default().to_owned();
        for query in [tail.as_str(), "791028302728", "Ахметов"] {
            let found = staff_search(&c, &base, query).await;
            assert!(
                found.contains(&format!(">{number}</a>")),
                "{query}: {found}"
            );
        }
        // The inbox sorts by term, and the choice stays in the address.
        c.goto(&format!("{base}/staff/inbox")).await.unwrap();
        choose(&c, "sort", "сроку").await;
        click_nav(&c, Locator::Css("form.list-filter button[type=submit]")).await;
        let url = c.current_url().await.unwrap();
        assert!(
            url.query().unwrap_or_default().contains("sort=term"),
            "{url}"
        );
        assert_eq!(
            c.find(Locator::Css("select[name=sort] option:checked"))
                .await
                .unwrap()
                .attr("value")
                .await
                .unwrap()
                .as_deref(),
            Some("term")
        );
        for path in [
            "/staff".to_owned(),
            "/staff/inbox".to_owned(),
            format!("/staff/search?q={tail}"),
            format!("/staff/cards/{first}"),
        ] {
            page_checks(&c, &base, &path).await;
        }
        c.goto(&format!("{base}/staff/inbox")).await.unwrap();
        let inbox = page(&c).await;
        assert!(
            inbox.contains(&number) && inbox.contains("Зарегистрировано"),
            "{inbox}"
        );
        shot(&c, "registrar-inbox").await;
        for id in [&first, &second] {
            c.goto(&format!("{base}/staff/cards/{id}")).await.unwrap();
            click_nav(&c, Locator::Id("action-send")).await;
            assert_eq!(text(&c, "#state").await, "На исполнении");
        }

        // The executor redirects the second and answers the first.
        staff_login(&c, &base, "executor.mj").await;
        c.goto(&format!("{base}/staff/cards/{second}"))
            .await
            .unwrap();
        c.find(Locator::XPath(
            "//select[@id='to_body']/option[text()='Акимат города Астаны']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
        c.find(Locator::Id("reason"))
            .await
            .unwrap()
            .send_keys("Дороги — в ведении акимата")
            .await
            .unwrap();
        click_nav(&c, Locator::Id("action-redirect")).await;
        assert_eq!(text(&c, "#state").await, "Направлено по компетенции");
        c.goto(&format!("{base}/staff/cards/{first}"))
            .await
            .unwrap();
        c.find(Locator::Css("select#decision option[value=explained]"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        c.find(Locator::Id("answer"))
            .await
            .unwrap()
            .send_keys("Справка выдаётся в ЦОН в течение одного дня.")
            .await
            .unwrap();
        click_nav(&c, Locator::Id("action-decide")).await;
        assert_eq!(text(&c, "#state").await, "Решение принято");

        page_checks(&c, &base, "/staff/my").await;

        // The head and the registrar sign the answer from their "to sign" queues; after the
        // head, the queue says who signs next.
        for (login, next) in [("head.mj", "Осталось подписать"), ("registrar.mj", "")]
        {
            staff_login(&c, &base, login).await;
            c.goto(&format!("{base}/staff/to-sign")).await.unwrap();
            let queue = page(&c).await;
            assert!(queue.contains(&number), "{login}: {queue}");
            if login == "registrar.mj" {
                assert!(queue.contains("Осталось подписать: Регистратор"), "{queue}");
            }
            page_checks(&c, &base, "/staff/to-sign").await;
            c.goto(&format!("{base}/staff/to-sign")).await.unwrap();
            click_nav(&c, Locator::LinkText(&number)).await;
            click_nav(&c, Locator::Id("action-sign")).await;
            if !next.is_empty() {
                let after = page(&c).await;
                assert!(after.contains(next), "{after}");
            }
        }
        assert_eq!(text(&c, "#state").await, "Ответ направлен");

        // The applicant sees the answer and the notices.
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_nav(&c, Locator::Id("demo-akhmetov")).await;
        c.goto(&format!("{base}/cabinet/appeals/{first}"))
            .await
            .unwrap();
        let answered = page(&c).await;
        assert!(
            answered.contains("Ответ направлен") && answered.contains("Справка выдаётся в ЦОН"),
            "{answered}"
        );
        assert!(
            answered.contains("Ответ на обращение №"),
            "the result notice is in the delivery log"
        );
        shot(&c, "applicant-answer").await;
        c.goto(&format!("{base}/cabinet/appeals/{second}"))
            .await
            .unwrap();
        assert!(page(&c).await.contains("направлено по компетенции"));
        // EA-15: removing it from the cabinet asks first and says it is not withdrawn.
        c.find(Locator::Css("#delete summary"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        assert!(
            text(&c, "#delete").await.contains("не отзывается"),
            "{}",
            page(&c).await
        );
        click_nav(&c, Locator::Id("delete-confirm")).await;
        let cabinet = page(&c).await;
        assert!(
            !cabinet.contains(&format!("/cabinet/appeals/{second}\""))
                && cabinet.contains(&format!("/cabinet/appeals/{first}\"")),
            "{cabinet}"
        );

        // Anyone's pages, signed out.
        c.delete_all_cookies().await.unwrap();
        for path in [
            "/?lang=ru",
            "/signin",
            "/staff/login",
            "/verify",
            "/answer",
            "/vks/timetable",
            "/reception-centers",
        ] {
            page_checks(&c, &base, path).await;
        }
        c.close().await.unwrap();

        // And the emails arrive: receipt, registration, execution and result for the first,
        // receipt, registration, execution and redirection for the second.
        let mut count = 0;
        for _ in 0..100 {
            count = mails
                .lock()
                .await
                .iter()
                .filter(|m| m.contains("akhmetov@demo.example.kz"))
                .count();
            if count >= 8 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(count >= 8, "{count} emails: {:?}", mails.lock().await);
    }

    /// Sends keys to whatever has the focus, as a person at the keyboard does, and returns
    /// the id of the element that has the focus afterwards.
    async fn keys(c: &Client, k: &str) -> String {
        let el = c.active_element().await.unwrap();
        el.send_keys(k).await.unwrap();
        c.active_element()
            .await
            .unwrap()
            .attr("id")
            .await
            .unwrap()
            .unwrap_or_default()
    }

    /// PR-01 … PR-15 in a browser: on Monday 1 February 2027 at 10:00 the call-center operator
    /// signs an applicant up by keyboard alone; the registrar registers the sign-up the same day
    /// and routes it to the reception secretary, who writes the reference note and distributes
    /// the list into the published center schedule; the applicant reads the date and time in
    /// the cabinet. On 15 February (the demo clock moved) the head holds the reception, the
    /// applicant answers the survey from the link in the notice, and the government office's
    /// quarterly report counts it.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pr_browser_call_center_sign_up_to_quarterly_report() {
        let Some(driver) = chromedriver() else {
            return;
        };
        const TAB: &str = "\u{e004}";
        const CTRL_ENTER: &str = "\u{e009}\u{e007}\u{e000}";
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let first = server(
            dir.path(),
            port,
            &["--demo-now", "2027-02-01T10:00:00+05:00"],
        );
        wait_http(&format!("127.0.0.1:{port}")).await;
        let profile = tempfile::tempdir().unwrap();
        let (c, _chromedriver) = browser(&driver, profile.path()).await;

        // PR-02: the call center, keyboard only. The body field has the focus on arrival;
        // Tab walks the fields in order; Ctrl+Enter sends.
        staff_login(&c, &base, "callcenter").await;
        c.goto(&format!("{base}/staff/pr/take?source=call_center"))
            .await
            .unwrap();
        let focused = c.active_element().await.unwrap().attr("id").await.unwrap();
        assert_eq!(focused.as_deref(), Some("body"), "{}", page(&c).await);
        for (typed, next) in [
            ("MJ", "full_name"),
            ("Серикбаев Нурлан Асанович", "iin"),
            ("791028302728", "phone"),
            ("+77011234567", "email"),
            ("akhmetov@demo.example.kz", "citizenship"),
            ("", "lang"),
            ("Р", "question"),
        ] {
            assert_eq!(
                keys(&c, &format!("{typed}{TAB}")).await,
                next,
                "after {typed:?}"
            );
        }
        keys(&c, "Земельный участок в с. Коктал не выделен третий год").await;
        let lang = c
            .execute("return document.getElementById('lang').value;", vec![])
            .await
            .unwrap();
        assert_eq!(
            lang,
            serde_json::Value::from("ru"),
            "type-ahead picks Russian"
        );
        shot(&c, "pr-call-center").await;
        let before = c.current_url().await.unwrap();
        keys(&c, CTRL_ENTER).await;
        for _ in 0..100 {
            if c.current_url().await.map(|u| u != before).unwrap_or(false) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let _ = c.wait().for_element(Locator::Id("message")).await;
        let taken = c.current_url().await.unwrap();
        let done = taken
            .query_pairs()
            .find(|(k, _)| k == "done")
            .map(|(_, v)| v.into_owned());
        let Some(id) = done else {
            panic!("no sign-up number in {taken}: {}", page(&c).await);
        };
        assert!(
            text(&c, "#message").await.contains(&format!("№ {id}")),
            "{}",
            page(&c).await
        );
        // The form is empty again with the cursor in its first field, for the next call.
        assert_eq!(
            c.active_element()
                .await
                .unwrap()
                .attr("id")
                .await
                .unwrap()
                .as_deref(),
            Some("body")
        );
        let signup_url = format!("{base}/staff/pr/{id}");
        for path in ["/staff/pr/take?source=call_center", "/staff"] {
            page_checks(&c, &base, path).await;
        }

        // PR-08: the registrar registers it the same day and routes it to the secretary.
        staff_login(&c, &base, "registrar.mj").await;
        c.goto(&signup_url).await.unwrap();
        choose(&c, "responsible", "Мадина Хатшыева").await;
        click_load(&c, Locator::Id("action-register")).await;
        assert!(
            text(&c, "#deadlines").await.contains("01.02.2027"),
            "registered on the day of receipt: {}",
            page(&c).await
        );

        // PR-09: the responsible secretary writes the reference note proposing a date;
        // PR-10: she distributes the list into the published center schedule.
        staff_login(&c, &base, "secretary.mj").await;
        c.goto(&signup_url).await.unwrap();
        c.find(Locator::Id("note"))
            .await
            .unwrap()
            .send_keys("Заявитель обращался в акимат дважды; предлагается принять.")
            .await
            .unwrap();
        // Nothing is proposed until the secretary chooses.
        c.find(Locator::Id("proposal-date"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click_load(&c, Locator::Id("action-note")).await;
        act(&c, &format!("{base}/staff/pr"), "action-distribute").await;
        assert!(
            text(&c, "#message").await.contains("Распределено: 1"),
            "{}",
            page(&c).await
        );
        c.goto(&signup_url).await.unwrap();
        assert!(
            page(&c).await.contains("15.02.2027 10:00"),
            "{}",
            page(&c).await
        );
        shot(&c, "pr-distributed").await;
        for path in [format!("/staff/pr/{id}"), "/staff/pr".to_owned()] {
            page_checks(&c, &base, &path).await;
        }

        // PR-11: the applicant reads the date and time in the cabinet.
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_load(&c, Locator::Id("demo-akhmetov")).await;
        c.goto(&format!("{base}/cabinet")).await.unwrap();
        let cabinet = page(&c).await;
        // Named by its registration number, as the notices name registered cases.
        assert!(
            cabinet.contains("Дата и время личного приёма: № MJ-2027-")
                && cabinet.contains("15.02.2027 10:00"),
            "{cabinet}"
        );
        drop(first);

        // The reception day: the same data, the demo clock at 10:30 on 15 February.
        let port = free_port();
        let base = format!("http://127.0.0.1:{port}");
        let signup_url = format!("{base}/staff/pr/{id}");
        let _second = server(
            dir.path(),
            port,
            &["--demo-now", "2027-02-15T10:30:00+05:00"],
        );
        wait_http(&format!("127.0.0.1:{port}")).await;
        staff_login(&c, &base, "head.mj").await;
        c.goto(&signup_url).await.unwrap();
        choose(&c, "outcome", "Консультация").await;
        c.find(Locator::Id("outcome_text"))
            .await
            .unwrap()
            .send_keys("Разъяснён порядок выделения участка через акимат района.")
            .await
            .unwrap();
        click_load(&c, Locator::Id("action-held")).await;
        assert!(
            page(&c).await.contains("class=\"ok\""),
            "{}",
            page(&c).await
        );

        // PR-13: the survey link arrives with the notice; the applicant answers it.
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/signin?lang=ru")).await.unwrap();
        click_load(&c, Locator::Id("demo-akhmetov")).await;
        c.goto(&format!("{base}/cabinet")).await.unwrap();
        let cabinet = page(&c).await;
        let at = cabinet
            .find("/survey/")
            .unwrap_or_else(|| panic!("no survey link: {cabinet}"));
        let token: String = cabinet[at + "/survey/".len()..]
            .chars()
            .take_while(|ch| ch.is_ascii_alphanumeric() || *ch == '-' || *ch == '_')
            .collect();
        c.goto(&format!("{base}/survey/{token}?lang=ru"))
            .await
            .unwrap();
        c.find(Locator::Id("rating-5"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        click_load(&c, Locator::Id("action-survey")).await;
        assert!(
            text(&c, "#message").await.contains("Спасибо"),
            "{}",
            page(&c).await
        );
        shot(&c, "pr-survey").await;

        // PR-15: the government office's quarterly report counts the sign-up, the reception
        // and the survey.
        staff_login(&c, &base, "govoffice").await;
        c.goto(&format!("{base}/staff/pr/report?year=2027&quarter=1"))
            .await
            .unwrap();
        let total = c
            .execute(
                "const h = [...document.querySelectorAll('#report thead th')].map(e => e.textContent);\
                 const v = [...document.querySelectorAll('#report-total > *')].map(e => e.textContent);\
                 return Object.fromEntries(h.map((k, i) => [k, v[i]]));",
                vec![],
            )
            .await
            .unwrap();
        for (column, expected) in [
            ("Записи", "1"),
            ("Call-центр", "1"),
            ("Принято", "1"),
            ("Консультация", "1"),
            ("Регистрация просрочена", "0"),
            ("Уведомление просрочено", "0"),
            ("Опросы", "1"),
            ("Оценка", "5.0"),
        ] {
            assert_eq!(
                total.get(column).and_then(|v| v.as_str()),
                Some(expected),
                "{column} in {total}"
            );
        }
        assert!(
            text(&c, "#report tbody").await.contains("MJ — "),
            "the line is named by the body: {}",
            page(&c).await
        );
        shot(&c, "pr-report").await;

        // PR-13, GEN-04, EA-13: the dashboard shows the reception's rating, the terms and the
        // charts, drawn by the server; the public statistics page too, without signing in.
        c.goto(&format!("{base}/staff/dashboard?body=MJ"))
            .await
            .unwrap();
        assert_eq!(text(&c, "#rating").await, "5.0", "{}", page(&c).await);
        let drawn = |id: &str| {
            format!(
                "const s = document.querySelector('#{id} svg');                  return !!s && s.getBoundingClientRect().width > 200 && [...s.querySelectorAll('rect')].filter(r => Number(r.getAttribute('height')) > 0).length;"
            )
        };
        let bars = c.execute(&drawn("rating-chart"), vec![]).await.unwrap();
        assert_eq!(bars, serde_json::Value::from(1), "one rating given");
        shot(&c, "dashboard").await;
        c.delete_all_cookies().await.unwrap();
        c.goto(&format!("{base}/statistics?year=2027&lang=ru"))
            .await
            .unwrap();
        assert!(
            text(&c, "h1").await.contains("Открытая статистика"),
            "{}",
            page(&c).await
        );
        let bars = c.execute(&drawn("month-chart"), vec![]).await.unwrap();
        assert_eq!(
            bars,
            serde_json::Value::from(0),
            "one appeal a month is withheld, not drawn"
        );
        assert!(text(&c, "#stats-bodies").await.contains("<5"));
        shot(&c, "statistics").await;
        c.close().await.unwrap();
    }
}

// ---------------------------------------------------------------------------------------
// Two server processes on one PostgreSQL.

mod two_nodes {
    use super::{free_port, Killed};
    use std::process::{Command, Stdio};
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A plain HTTP/1.0 request; returns the status, the headers and the body.
    async fn http(port: u16, method: &str, path: &str, cookie: &str, form: &str) -> (u16, String) {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let req = format!(
            "{method} {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
            form.len()
        );
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    fn cookie(reply: &str, name: &str) -> String {
        reply
            .lines()
            .filter_map(|l| l.strip_prefix("set-cookie: "))
            .find_map(|c| c.split(';').next()?.strip_prefix(&format!("{name}=")))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no cookie {name} in {reply}"))
    }

    async fn wait_up(port: u16) {
        for _ in 0..300 {
            if let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
                let _ = s.write_all(b"GET /readyz HTTP/1.0\r\n\r\n").await;
                let mut out = Vec::new();
                let _ = s.read_to_end(&mut out).await;
                if out.starts_with(b"HTTP/1.0 200") || out.starts_with(b"HTTP/1.1 200") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("node on {port} did not come up");
    }

    /// Email notices not delivered, once the workers have had the time to send them: as long
    /// as they keep making progress (a backlog after heavy load takes a while), and at most
    /// fifteen seconds without any.
    pub(super) async fn undelivered_emails(db_url: &str) -> i64 {
        let sql = "SELECT COUNT(*) FROM notice WHERE channel = 'email' AND status <> 'delivered'";
        let mut left = i64::MAX;
        let mut progress = std::time::Instant::now();
        while progress.elapsed() < Duration::from_secs(15) {
            let now = crate::crash::counts(db_url, &[sql]).await[0];
            if now == 0 {
                return 0;
            }
            if now < left {
                left = now;
                progress = std::time::Instant::now();
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        left
    }

    /// Notices through two nodes on one PostgreSQL: forty appeals filed alternately on each
    /// node give email notices that both nodes' workers deliver; each goes out exactly once
    /// (claimed under a lease with SKIP LOCKED), none twice, none missed.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn notices_go_out_once_through_two_nodes() {
        use crate::crash::{counts, serve_with, wait_ready, Applicant};
        let Some(db_url) = super::postgres_database("otinish_notices").await else {
            return;
        };
        let (smtp_port, mails) = super::smtp_server().await;
        let smtp = format!("smtp://127.0.0.1:{smtp_port}");
        let dir = tempfile::tempdir().unwrap();
        let (p1, p2) = (free_port(), free_port());
        let mut n1 = serve_with(dir.path(), p1, Some(&db_url), &["--smtp-url", &smtp]);
        wait_ready(p1, &mut n1).await;
        let mut n2 = serve_with(dir.path(), p2, Some(&db_url), &["--smtp-url", &smtp]);
        wait_ready(p2, &mut n2).await;
        let applicant = Applicant::sign_in(p1).await;
        for i in 0..40 {
            let port = if i % 2 == 0 { p1 } else { p2 };
            applicant
                .submit(port, &format!("two-nodes-{i}"), &format!("Обращение {i}"))
                .await
                .unwrap();
        }
        assert_eq!(
            undelivered_emails(&db_url).await,
            0,
            "email notices still undelivered"
        );
        let db = counts(
            &db_url,
            &[
                "SELECT COUNT(*) FROM notice WHERE channel = 'email'",
                "SELECT COUNT(*) FROM notice WHERE channel = 'email' AND attempts <> 1",
            ],
        )
        .await;
        assert!(
            db[0] >= 80,
            "two email notices per appeal at least: {}",
            db[0]
        );
        assert_eq!(db[1], 0, "a notice was sent more than once");
        // A moment for a duplicate to arrive, were there one.
        tokio::time::sleep(Duration::from_secs(3)).await;
        let got = mails.lock().await.clone();
        // The Subject header with its folded continuation lines.
        let subject = |m: &str| -> Option<String> {
            let mut lines = m.lines().skip_while(|l| !l.starts_with("Subject:"));
            let first = lines.next()?.to_owned();
            Some(
                lines
                    .take_while(|l| l.starts_with(' ') || l.starts_with('\t'))
                    .fold(first, |acc, l| acc + l.trim()),
            )
        };
        // A notice is told apart by its subject and its text (a receipt's subject names only the
        // body; its text carries the receipt's own code).
        let mut subjects: Vec<String> = got
            .iter()
            .filter_map(|m| {
                let text = m.split_once("\r\n\r\n").or_else(|| m.split_once("\n\n"))?.1;
                Some(format!("{}\n{text}", subject(m)?))
            })
            .collect();
        assert_eq!(subjects.len(), got.len(), "every message has a subject");
        subjects.sort_unstable();
        subjects.dedup();
        assert_eq!(
            (got.len() as i64, subjects.len() as i64),
            (db[0], db[0]),
            "each notice arrives once"
        );
        crate::crash::record(&serde_json::json!({
            "figure": "nodes",
            "what": "notices",
            "nodes": 2,
            "tried": 40,
            "expected": db[0],
            "effects": got.len(),
            "twice": got.len() as i64 - subjects.len() as i64,
        }));
        drop((n1, n2));
        super::drop_postgres_database(&db_url).await;
    }

    /// A node killed in the middle of sending notices: its leases run out, and another node
    /// sends them. Node 1's mail server takes the connection and never answers, so node 1 hangs
    /// holding the notices it claimed, and is killed with SIGKILL; node 2 starts with its clock
    /// three minutes ahead (past the two-minute lease) and delivers every one of them, once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_killed_nodes_notices_are_sent_by_another_after_the_lease() {
        use crate::crash::{counts, serve_with, wait_ready, Applicant};
        let Some(db_url) = super::postgres_database("otinish_lease").await else {
            return;
        };
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_url = format!("smtp://{}", silent.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((sock, _)) = silent.accept().await {
                held.push(sock); // accepted, never answered
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let p1 = free_port();
        let mut n1 = serve_with(dir.path(), p1, Some(&db_url), &["--smtp-url", &silent_url]);
        wait_ready(p1, &mut n1).await;
        let applicant = Applicant::sign_in(p1).await;
        for i in 0..3 {
            applicant
                .submit(p1, &format!("lease-{i}"), &format!("Обращение {i}"))
                .await
                .unwrap();
        }
        let stuck_sql = "SELECT COUNT(*) FROM job WHERE kind = 'notice' AND state = 'running'";
        let mut stuck = 0;
        for _ in 0..100 {
            stuck = counts(&db_url, &[stuck_sql]).await[0];
            if stuck > 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(stuck > 0, "node 1 never claimed a notice");
        drop(n1); // SIGKILL, holding the claims
        assert_eq!(counts(&db_url, &[stuck_sql]).await[0], stuck);

        let (smtp_port, mails) = super::smtp_server().await;
        let ahead = (chrono::Utc::now() + chrono::Duration::minutes(3)).to_rfc3339();
        let p2 = free_port();
        let mut n2 = serve_with(
            dir.path(),
            p2,
            Some(&db_url),
            &[
                "--smtp-url",
                &format!("smtp://127.0.0.1:{smtp_port}"),
                "--demo-now",
                &ahead,
            ],
        );
        wait_ready(p2, &mut n2).await;
        assert_eq!(
            undelivered_emails(&db_url).await,
            0,
            "node 2 did not finish node 1's notices"
        );
        let emails = counts(
            &db_url,
            &["SELECT COUNT(*) FROM notice WHERE channel = 'email'"],
        )
        .await[0];
        assert_eq!(mails.lock().await.len() as i64, emails, "each sent once");
        crate::crash::record(&serde_json::json!({
            "figure": "nodes",
            "what": "lease",
            "nodes": 2,
            "tried": stuck,
            "expected": emails,
            "effects": mails.lock().await.len(),
            "twice": 0,
        }));
        drop(n2);
        super::drop_postgres_database(&db_url).await;
    }

    /// VC-02: fifty simultaneous bookings of one time, sent alternately to two server
    /// processes on one PostgreSQL, give exactly one booking; the others are told the time is
    /// taken.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn vc_02_fifty_bookings_through_two_nodes_give_one() {
        let Some(db_url) = super::postgres_database("otinish_two_nodes").await else {
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let node = |port: u16| {
            Command::new(env!("CARGO_BIN_EXE_otinish"))
                .arg("--data-dir")
                .arg(dir.path())
                .args([
                    "--database-url",
                    &db_url,
                    "serve",
                    "--demo",
                    "--demo-cards",
                    "0",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                ])
                .env_remove("OTINISH_CONFIG")
                .env("OTINISH_LOG", "warn")
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        };
        // The first node migrates and loads the demo data (and its demo keys, which both
        // nodes share through the data folder); then the second starts.
        let (p1, p2) = (free_port(), free_port());
        let n1 = Killed(node(p1));
        wait_up(p1).await;
        let n2 = Killed(node(p2));
        wait_up(p2).await;

        use sqlx::Connection;
        let mut db = sqlx::PgConnection::connect(&db_url).await.unwrap();
        let (slot_id, body_code): (i64, String) = sqlx::query_as(
            "SELECT s.id, b.code FROM reception_slot s JOIN reception_schedule r ON r.id = s.schedule_id \
             JOIN body b ON b.id = r.body_id \
             WHERE r.state = 'published' AND s.vks AND s.starts > to_char(now() + interval '1 day', 'YYYY-MM-DD\"T\"HH24:MI') \
             ORDER BY s.starts LIMIT 1",
        )
        .fetch_one(&mut db)
        .await
        .unwrap();
        let (branch_id,): (i64,) =
            sqlx::query_as("SELECT id FROM branch WHERE vks_equipment ORDER BY id LIMIT 1")
                .fetch_one(&mut db)
                .await
                .unwrap();

        // The demo applicant signs in on the first node; the session holds on both.
        let (_, page) = http(p1, "GET", "/signin", "", "").await;
        let csrf = cookie(&page, "otinish_csrf");
        let jar = format!("otinish_csrf={csrf}");
        let (status, reply) = http(
            p1,
            "POST",
            "/signin/demo",
            &jar,
            &format!("csrf={csrf}&signer=akhmetov"),
        )
        .await;
        assert_eq!(status, 303, "{reply}");
        // Signing in renews the CSRF token.
        let csrf = cookie(&reply, "otinish_csrf");
        let jar = format!(
            "otinish_csrf={csrf}; otinish_applicant={}",
            cookie(&reply, "otinish_applicant")
        );

        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let jar = jar.clone();
                let form = format!(
                    "csrf={csrf}&body={body_code}&demo_sign=1&slot={slot_id}&branch={branch_id}\
                     &address=Astana&email=a%40example.kz&phones=%2B77011234567&workplace=Dala\
                     &position=engineer&lang=ru&question=Question+{i}"
                );
                let port = if i % 2 == 0 { p1 } else { p2 };
                tokio::spawn(async move {
                    http(port, "POST", "/cabinet/receptions", &jar, &form)
                        .await
                        .0
                })
            })
            .collect();
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        let booked = statuses.iter().filter(|s| **s == 303).count();
        let taken = statuses.iter().filter(|s| **s == 409).count();
        assert_eq!((booked, taken), (1, 49), "{statuses:?}");
        let (live,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM vks_booking WHERE slot_id = $1 AND NOT cancelled")
                .bind(slot_id)
                .fetch_one(&mut db)
                .await
                .unwrap();
        assert_eq!(live, 1);
        let (cards,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM card WHERE channel = 'vks'")
            .fetch_one(&mut db)
            .await
            .unwrap();
        assert_eq!(cards, 1, "the refused attempts left no cards");
        crate::crash::record(&serde_json::json!({
            "figure": "nodes",
            "what": "bookings",
            "nodes": 2,
            "tried": 50,
            "expected": 1,
            "effects": live,
            "twice": live - 1,
        }));

        drop((n1, n2));
        db.close().await.unwrap();
        super::drop_postgres_database(&db_url).await;
    }
}

// ---------------------------------------------------------------------------------------
// Crash consistency: the real server killed with SIGKILL under load, again and again.

mod crash {
    use super::{free_port, Killed};
    use std::path::Path;
    use std::process::{Command, Stdio};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// One HTTP/1.0 exchange; an error when the server is gone (that is expected here).
    async fn exchange(port: u16, head: &str, body: &[u8]) -> std::io::Result<(u16, String)> {
        let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
        s.write_all(head.as_bytes()).await?;
        s.write_all(body).await?;
        let mut out = Vec::new();
        s.read_to_end(&mut out).await?;
        let text = String::from_utf8_lossy(&out).into_owned();
        let status = text
            .split_whitespace()
            .nth(1)
            .and_then(|c| c.parse().ok())
            .ok_or_else(|| std::io::Error::other("no status line"))?;
        Ok((status, text))
    }

    async fn get(port: u16, path: &str, cookie: &str) -> std::io::Result<(u16, String)> {
        exchange(
            port,
            &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n"),
            b"",
        )
        .await
    }

    async fn post_form(
        port: u16,
        path: &str,
        cookie: &str,
        form: &str,
    ) -> std::io::Result<(u16, String)> {
        exchange(
            port,
            &format!(
                "POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
                form.len()
            ),
            form.as_bytes(),
        )
        .await
    }

    /// A multipart form request: its head and body.
    fn multipart(path: &str, cookie: &str, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
        let boundary = "otinishcrashboundary";
        let mut body = String::new();
        for (k, v) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
            ));
        }
        body.push_str(&format!("--{boundary}--\r\n"));
        let head = format!(
            "POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\
             Content-Type: multipart/form-data; boundary={boundary}\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        );
        (head, body.into_bytes())
    }

    fn cookie(reply: &str, name: &str) -> String {
        reply
            .lines()
            .filter_map(|l| l.strip_prefix("set-cookie: "))
            .find_map(|c| c.split(';').next()?.strip_prefix(&format!("{name}=")))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("no cookie {name} in {reply}"))
    }

    pub(super) async fn wait_ready(port: u16, server: &mut Killed) {
        for _ in 0..600 {
            if let Ok((200, _)) = get(port, "/readyz", "").await {
                return;
            }
            if let Ok(Some(status)) = server.0.try_wait() {
                panic!("the server exited while starting: {status}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server on {port} did not come up");
    }

    /// The server on `dir` (and `database_url`, else the embedded store), in demo mode.
    fn serve(dir: &Path, port: u16, database_url: Option<&str>) -> Killed {
        serve_with(dir, port, database_url, &[])
    }

    pub(super) fn serve_with(
        dir: &Path,
        port: u16,
        database_url: Option<&str>,
        extra: &[&str],
    ) -> Killed {
        let mut c = Command::new(env!("CARGO_BIN_EXE_otinish"));
        c.arg("--data-dir").arg(dir);
        if let Some(u) = database_url {
            c.args(["--database-url", u]);
        }
        Killed(
            c.args([
                "serve",
                "--demo",
                "--demo-cards",
                "0",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            // Thousands of appeals from one applicant: no hourly limit here.
            .args(["--appeals-per-hour", "0"])
            .args(extra)
            .env_remove("OTINISH_CONFIG")
            .env_remove("OTINISH_DATABASE_URL")
            .env("OTINISH_LOG", "error")
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
        )
    }

    /// One machine cannot hold every socket: with a cap of three connections per address, three
    /// idle connections from 127.0.0.2 (they send nothing, as an attacker's would) leave a
    /// fourth from the same address answered 429 and closed at once, while another address
    /// is served; when one of the three closes, the address is served again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_address_cannot_hold_every_connection() {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut server = serve_with(
            dir.path(),
            port,
            None,
            &["--max-connections-per-client", "3"],
        );
        wait_ready(port, &mut server).await;
        let from = |ip: &'static str| async move {
            let s = tokio::net::TcpSocket::new_v4()?;
            s.bind(format!("{ip}:0").parse().map_err(std::io::Error::other)?)?;
            s.connect(([127, 0, 0, 1], port).into()).await
        };
        let mut idle = Vec::new();
        for _ in 0..3 {
            idle.push(from("127.0.0.2").await.unwrap());
        }
        // Accepted in order: the three are counted before the fourth arrives.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut fourth = from("127.0.0.2").await.unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), fourth.read_to_end(&mut answer))
            .await
            .expect("the connection over the cap was left open")
            .unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
        // Another address is served meanwhile.
        let (status, _) = get(port, "/healthz", "").await.unwrap();
        assert_eq!(status, 200);
        // One of the three goes: the address is served again.
        drop(idle.pop());
        let mut served = false;
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            let mut s = from("127.0.0.2").await.unwrap();
            s.write_all(b"GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                .await
                .unwrap();
            let mut out = Vec::new();
            let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut out)).await;
            if String::from_utf8_lossy(&out).split_whitespace().nth(1) == Some("200") {
                served = true;
                break;
            }
        }
        assert!(
            served,
            "the address was not served after one connection closed"
        );
        drop(idle);
        drop(server);
    }

    /// `otinish verify-journal` on the data in `dir` (or `database_url`) succeeds.
    fn verify_journal(dir: &Path, database_url: Option<&str>) {
        let mut verify = Command::new(env!("CARGO_BIN_EXE_otinish"));
        verify.arg("--data-dir").arg(dir);
        if let Some(u) = database_url {
            verify.args(["--database-url", u]);
        }
        let journal = verify
            .arg("verify-journal")
            .env_remove("OTINISH_CONFIG")
            .env_remove("OTINISH_DATABASE_URL")
            .output()
            .unwrap();
        assert!(
            journal.status.success(),
            "the journal does not verify: {}",
            String::from_utf8_lossy(&journal.stdout)
        );
    }

    /// The demo applicant, signed in: sessions live in the database, across restarts.
    #[derive(Clone)]
    pub(super) struct Applicant {
        jar: String,
        csrf: String,
        recipient: String,
    }

    impl Applicant {
        pub(super) async fn sign_in(port: u16) -> Self {
            let (_, page) = get(port, "/signin", "").await.unwrap();
            let csrf = cookie(&page, "otinish_csrf");
            let jar = format!("otinish_csrf={csrf}");
            let (status, reply) = post_form(
                port,
                "/signin/demo",
                &jar,
                &format!("csrf={csrf}&signer=akhmetov"),
            )
            .await
            .unwrap();
            assert_eq!(status, 303, "{reply}");
            // Signing in renews the CSRF token.
            let csrf = cookie(&reply, "otinish_csrf");
            let jar = format!(
                "otinish_csrf={csrf}; otinish_applicant={}",
                cookie(&reply, "otinish_applicant")
            );
            let (_, form) = get(port, "/cabinet/appeals/new", &jar).await.unwrap();
            let recipient = form
                .split("name=\"recipient\"")
                .nth(1)
                .and_then(|s| s.split("<option value=\"").nth(2))
                .and_then(|s| s.split('"').next())
                .unwrap_or_else(|| panic!("no recipient in {form}"))
                .to_owned();
            Self {
                jar,
                csrf,
                recipient,
            }
        }

        /// The request that files a signed appeal: its head and body.
        fn submission(&self, key: &str, content: &str) -> (String, Vec<u8>) {
            multipart(
                "/cabinet/appeals",
                &self.jar,
                &[
                    ("csrf", &self.csrf),
                    ("idempotency_key", key),
                    ("recipient", &self.recipient),
                    ("kind", "statement"),
                    ("postal_address", "Астана"),
                    ("content", content),
                    ("demo_sign", "1"),
                ],
            )
        }

        /// The appeal's number in the answer that acknowledged it.
        fn number(answer: &str) -> i64 {
            answer
                .lines()
                .find_map(|l| l.strip_prefix("location: /cabinet/appeals/"))
                .and_then(|id| id.trim().split('?').next()?.parse().ok())
                .unwrap_or_else(|| panic!("no appeal number in {answer}"))
        }

        /// Files a signed appeal; its number once the receipt is returned, an error when the
        /// server is gone. Any refusal fails the test.
        pub(super) async fn submit(
            &self,
            port: u16,
            key: &str,
            content: &str,
        ) -> std::io::Result<i64> {
            let (head, body) = self.submission(key, content);
            let (status, text) = exchange(port, &head, &body).await?;
            assert_eq!(status, 303, "an appeal was refused: {text}");
            Ok(Self::number(&text))
        }

        /// The appeal is in the cabinet with the text that was sent.
        async fn sees(&self, port: u16, a: &Acknowledged) -> bool {
            matches!(
                get(port, &format!("/cabinet/appeals/{}", a.card), &self.jar).await,
                Ok((200, page)) if page.contains(&a.content)
            )
        }
    }

    /// What a whole store satisfies however it was stopped or copied: every appeal has its
    /// card, receipt, journal entry and deadlines; registration numbers have no gap.
    const WHOLE: [(&str, &str); 7] = [
        (
            "appeals of the portal left unregistered",
            "SELECT COUNT(*) FROM card c WHERE c.channel = 'portal' AND c.state = 'received'",
        ),
        (
            "cards of the portal without their appeal",
            "SELECT COUNT(*) FROM card c WHERE c.channel = 'portal' \
             AND NOT EXISTS (SELECT 1 FROM appeal a WHERE a.card_id = c.id)",
        ),
        (
            "appeals without their signed receipt",
            "SELECT COUNT(*) FROM appeal a WHERE NOT EXISTS \
             (SELECT 1 FROM signed_document d WHERE d.card_id = a.card_id AND d.kind = 'receipt')",
        ),
        (
            "appeals of the portal without the notice of their receipt",
            "SELECT COUNT(*) FROM card c WHERE c.channel = 'portal' AND NOT EXISTS \
             (SELECT 1 FROM notice n WHERE n.card_id = c.id AND n.kind = 'receipt')",
        ),
        (
            "appeals without their journal entry",
            "SELECT COUNT(*) FROM appeal a WHERE NOT EXISTS \
             (SELECT 1 FROM journal j WHERE j.subject = 'card:' || a.card_id)",
        ),
        (
            "appeals without deadlines",
            "SELECT COUNT(*) FROM appeal a WHERE NOT EXISTS \
             (SELECT 1 FROM card_deadline d WHERE d.card_id = a.card_id)",
        ),
        (
            "body-years whose registration numbers have a gap",
            "SELECT COUNT(*) FROM (SELECT body_id, reg_year FROM card WHERE reg_seq IS NOT NULL \
             GROUP BY body_id, reg_year HAVING COUNT(*) <> MAX(reg_seq)) g",
        ),
    ];

    /// Fails on anything half-written; returns (half-written, appeals stored).
    async fn whole(url: &str, what: &str) -> (i64, i64) {
        let mut sql: Vec<&str> = WHOLE.iter().map(|c| c.1).collect();
        sql.push("SELECT COUNT(*) FROM appeal");
        let counts = counts(url, &sql).await;
        for ((check, _), n) in WHOLE.iter().zip(&counts) {
            assert_eq!(*n, 0, "{check}: {n} ({what})");
        }
        (counts[..WHOLE.len()].iter().sum(), counts[WHOLE.len()])
    }

    /// A small xorshift: the kill moments are random, and the seed is printed to redo a run.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// An appeal whose receipt was returned: its number and the text sent.
    struct Acknowledged {
        card: i64,
        content: String,
    }

    /// Appends one line of figures to the file `bench/reliability` reads, when it runs.
    pub(super) fn record(figures: &serde_json::Value) {
        eprintln!("{figures}");
        if let Ok(out) = std::env::var("OTINISH_RELIABILITY_OUT") {
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(out)
                .unwrap();
            writeln!(f, "{figures}").unwrap();
        }
    }

    fn seed() -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64)
            | 1
    }

    /// The messages the mail server received: (all, distinct Message-IDs).
    fn messages(mails: &[String]) -> (usize, usize) {
        let mut ids: Vec<&str> = mails
            .iter()
            .filter_map(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("Message-ID: "))
                    .map(str::trim)
            })
            .collect();
        assert_eq!(ids.len(), mails.len(), "every message has a Message-ID");
        ids.sort_unstable();
        ids.dedup();
        (mails.len(), ids.len())
    }

    /// Submits appeals from `clients` concurrent connections spread over `nodes` server
    /// processes on one store, and `kills` times kills a random choice of them (one, several or
    /// all at once) with SIGKILL at a random moment, restarting them; a client whose node is gone
    /// turns to the next, as behind a load balancer. The nodes send their email notices to a
    /// recording mail server. Then checks that every appeal whose receipt was returned is there
    /// and intact, that no appeal is half-written, that registration numbers have no gap, that
    /// the audit journal verifies, and that every notice reached the mail server — again only
    /// when a kill fell between the server's acceptance and its recording (same Message-ID).
    async fn run(backend: &str, database_url: Option<String>, nodes: usize) {
        let kills: usize = std::env::var("OTINISH_CRASH_KILLS")
            .ok()
            .and_then(|k| k.parse().ok())
            .unwrap_or(20);
        let clients = 8;
        let seed = seed();
        let mut rng = Rng(seed);
        let (smtp_port, mails) = super::smtp_server().await;
        let smtp = format!("smtp://127.0.0.1:{smtp_port}");
        let dir = tempfile::tempdir().unwrap();
        let ports: Vec<u16> = (0..nodes).map(|_| free_port()).collect();
        let start = |dir: &Path, port: u16| {
            serve_with(dir, port, database_url.as_deref(), &["--smtp-url", &smtp])
        };
        // The first node migrates and loads the demo data; then the others start.
        let mut servers = Vec::new();
        for &port in &ports {
            let mut s = start(dir.path(), port);
            wait_ready(port, &mut s).await;
            servers.push(s);
        }
        let ports = Arc::new(ports);

        let applicant = Applicant::sign_in(ports[0]).await;
        let acknowledged = Arc::new(Mutex::new(Vec::<Acknowledged>::new()));
        let sent = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let started = Instant::now();
        let mut restart_ms = Vec::new();
        let mut node_kills = 0;
        let mut all_at_once = 0;
        for round in 0..kills {
            let acknowledged_before = acknowledged.lock().unwrap().len();
            let stop = Arc::new(AtomicBool::new(false));
            let tasks: Vec<_> = (0..clients)
                .map(|c| {
                    let (stop, acknowledged, sent) =
                        (stop.clone(), acknowledged.clone(), sent.clone());
                    let (applicant, ports) = (applicant.clone(), ports.clone());
                    tokio::spawn(async move {
                        let mut node = c % ports.len();
                        let mut i = 0;
                        while !stop.load(Ordering::Relaxed) {
                            i += 1;
                            let key = format!("crash-{seed}-{round}-{c}-{i}");
                            let content = format!("Обращение {key}: прошу разъяснить порядок");
                            sent.fetch_add(1, Ordering::Relaxed);
                            match applicant.submit(ports[node], &key, &content).await {
                                Ok(card) => {
                                    acknowledged
                                        .lock()
                                        .unwrap()
                                        .push(Acknowledged { card, content });
                                }
                                Err(_) => {
                                    node = (node + 1) % ports.len();
                                    tokio::time::sleep(Duration::from_millis(20)).await;
                                }
                            }
                        }
                    })
                })
                .collect();
            // Kill at a random moment between 0.2 and 1.2 s into the load, once this round has
            // had an appeal acknowledged (on a busy machine intake may take a while to start
            // again after a restart; a kill before any appeal flowed would test nothing): one
            // node, or with several nodes any non-empty choice of them, all at the same moment.
            let flowing = tokio::time::Instant::now() + Duration::from_secs(30);
            while acknowledged.lock().unwrap().len() <= acknowledged_before
                && tokio::time::Instant::now() < flowing
            {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            tokio::time::sleep(Duration::from_millis(200 + rng.below(1000))).await;
            let chosen = 1 + rng.below((1 << nodes) - 1);
            let victims: Vec<usize> = (0..nodes).filter(|n| chosen & (1 << n) != 0).collect();
            for &n in &victims {
                let _ = servers[n].0.kill(); // SIGKILL
            }
            for &n in &victims {
                let _ = servers[n].0.wait();
            }
            node_kills += victims.len();
            all_at_once += usize::from(victims.len() == nodes && nodes > 1);
            stop.store(true, Ordering::Relaxed);
            for t in tasks {
                t.await.unwrap();
            }
            let t = Instant::now();
            for &n in &victims {
                servers[n] = start(dir.path(), ports[n]);
            }
            for &n in &victims {
                wait_ready(ports[n], &mut servers[n]).await;
            }
            restart_ms.push(t.elapsed().as_millis());
        }
        let load_seconds = started.elapsed().as_secs_f64();
        // Appeals stored when a kill came, before their receipt and registration, are
        // finished by the server once no intake can still be running on them (a minute), and
        // notices claimed by a killed node are sent once their lease (two minutes) is over: the
        // last start runs three minutes ahead, so it finishes them all.
        drop(servers);
        let ahead = (chrono::Utc::now() + chrono::Duration::minutes(3)).to_rfc3339();
        let port = ports[0];
        let mut server = serve_with(
            dir.path(),
            port,
            database_url.as_deref(),
            &["--smtp-url", &smtp, "--demo-now", &ahead],
        );
        wait_ready(port, &mut server).await;

        // Every acknowledged appeal is there, with the text that was sent, on the restarted
        // server, as its applicant sees it.
        let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
        assert!(
            acknowledged.len() >= kills,
            "too few appeals acknowledged to mean anything: {}",
            acknowledged.len()
        );
        let mut lost = Vec::new();
        for a in &acknowledged {
            if !applicant.sees(port, a).await {
                lost.push(a.card);
            }
        }
        let url = database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("otinish.db").display()));
        let undelivered = super::two_nodes::undelivered_emails(&url).await;
        drop(server);

        // Nothing half-written: each appeal has its card, receipt, journal entry and
        // deadlines; registration numbers have no gap; the journal verifies.
        let (half_written, stored) = whole(&url, &format!("{backend}, seed {seed}")).await;
        verify_journal(dir.path(), database_url.as_deref());
        assert!(
            lost.is_empty(),
            "{} acknowledged appeals lost or changed on {backend} (seed {seed}): {lost:?}",
            lost.len()
        );
        // Every email notice reached the mail server; one was sent twice only when a kill
        // came between the server's 250 and the delivery's record, so at most as many per
        // killed node as a worker sends at a time (otinish_web::notify::CONCURRENT_SENDS).
        let emails = counts(
            &url,
            &["SELECT COUNT(*) FROM notice WHERE channel = 'email'"],
        )
        .await[0];
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (received, distinct) = messages(&mails.lock().await);
        assert_eq!(
            undelivered, 0,
            "email notices left undelivered (seed {seed})"
        );
        assert_eq!(
            distinct as i64, emails,
            "each notice reached the mail server"
        );
        assert!(
            received - distinct <= node_kills * 8,
            "{} notices sent again after {node_kills} kills",
            received - distinct
        );
        restart_ms.sort_unstable();
        record(&serde_json::json!({
            "figure": "crash",
            "backend": backend,
            "nodes": nodes,
            "kills": kills,
            "node_kills": node_kills,
            "all_at_once": all_at_once,
            "clients": clients,
            "sent": sent.load(Ordering::Relaxed),
            "acknowledged": acknowledged.len(),
            "checked": acknowledged.len(),
            "stored": stored,
            "lost": lost.len(),
            "half_written": half_written,
            "journal_verified": true,
            "notices": emails,
            "notices_resent": received - distinct,
            "restart_p50_ms": restart_ms[restart_ms.len() / 2],
            "restart_max_ms": restart_ms.last().copied().unwrap_or(0),
            "seconds": load_seconds,
            "seed": seed,
        }));
    }

    /// How one request ended for its client.
    enum Outcome {
        /// A whole answer with this status.
        Answered(u16, String),
        /// No connection (the listener is closed).
        Refused,
        /// Connected, then closed without a byte: the request was never read.
        Unread,
        /// Some of an answer, then nothing: never acceptable.
        Broken(String),
    }

    /// One exchange, classified; the answer is whole when its head is complete and its body as
    /// long as it says.
    async fn outcome(port: u16, head: &str, body: &[u8]) -> Outcome {
        let Ok(mut s) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await else {
            return Outcome::Refused;
        };
        let _ = s.write_all(head.as_bytes()).await;
        let _ = s.write_all(body).await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        if out.is_empty() {
            return Outcome::Unread;
        }
        let text = String::from_utf8_lossy(&out).into_owned();
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            return Outcome::Broken(text);
        };
        let length = head.lines().find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length: ")
                .and_then(|n| n.trim().parse::<usize>().ok())
        });
        let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok());
        match (status, length) {
            (Some(status), Some(n)) if n == body.len() => Outcome::Answered(status, text),
            (Some(status), None) => Outcome::Answered(status, text),
            _ => Outcome::Broken(text),
        }
    }

    /// Graceful shutdown under load, `OTINISH_SHUTDOWN_ROUNDS` times (5 by default): eight
    /// clients file appeals as fast as they are answered, the notice worker holds claims on a
    /// mail server that takes the connection and never answers, and SIGTERM comes at a random
    /// moment. Every request the server had taken is answered whole, the server gives its
    /// notice leases back and exits with status 0, and afterwards nothing is half-written —
    /// without the start-up sweep's help — and every acknowledged appeal is there.
    async fn shutdown_run(backend: &str, database_url: Option<String>) {
        let rounds: usize = std::env::var("OTINISH_SHUTDOWN_ROUNDS")
            .ok()
            .and_then(|k| k.parse().ok())
            .unwrap_or(5);
        let clients = 8;
        let seed = seed();
        let mut rng = Rng(seed);
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let silent_url = format!("smtp://{}", silent.local_addr().unwrap());
        tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((sock, _)) = silent.accept().await {
                held.push(sock); // accepted, never answered
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let url = database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("otinish.db").display()));
        let start = || {
            serve_with(
                dir.path(),
                port,
                database_url.as_deref(),
                &["--smtp-url", &silent_url],
            )
        };
        let mut server = start();
        wait_ready(port, &mut server).await;
        let applicant = Applicant::sign_in(port).await;
        let sending = "SELECT COUNT(*) FROM job WHERE state = 'running'";
        let acknowledged = Arc::new(Mutex::new(Vec::<Acknowledged>::new()));
        let tally = Arc::new(Mutex::new([0usize; 3])); // answered in flight, refused, unread
        let (mut held, mut exit_ms) = (0, Vec::new());
        for round in 0..rounds {
            let stop = Arc::new(AtomicBool::new(false));
            let tasks: Vec<_> = (0..clients)
                .map(|c| {
                    let (stop, acknowledged, tally) =
                        (stop.clone(), acknowledged.clone(), tally.clone());
                    let applicant = applicant.clone();
                    tokio::spawn(async move {
                        let mut i = 0;
                        while !stop.load(Ordering::Relaxed) {
                            i += 1;
                            let key = format!("term-{seed}-{round}-{c}-{i}");
                            let content = format!("Обращение {key}: прошу разъяснить порядок");
                            let (head, body) = applicant.submission(&key, &content);
                            match outcome(port, &head, &body).await {
                                Outcome::Answered(303, text) => {
                                    let card = Applicant::number(&text);
                                    acknowledged
                                        .lock()
                                        .unwrap()
                                        .push(Acknowledged { card, content });
                                }
                                Outcome::Answered(status, text) => {
                                    panic!("an appeal was answered {status}: {text}")
                                }
                                Outcome::Broken(text) => panic!("a broken answer: {text}"),
                                Outcome::Refused => {
                                    tally.lock().unwrap()[1] += 1;
                                    tokio::time::sleep(Duration::from_millis(20)).await;
                                }
                                Outcome::Unread => tally.lock().unwrap()[2] += 1,
                            }
                        }
                    })
                })
                .collect();
            // SIGTERM at a random moment between 1 and 3 s of load (the worker claims notices
            // within two seconds of their arrival).
            tokio::time::sleep(Duration::from_millis(1000 + rng.below(2000))).await;
            held += counts(&url, &[sending]).await[0];
            let before = acknowledged.lock().unwrap().len();
            let term = Instant::now();
            assert!(Command::new("kill")
                .args(["-TERM", &server.0.id().to_string()])
                .status()
                .unwrap()
                .success());
            let mut status = None;
            while term.elapsed() < Duration::from_secs(20) {
                status = server.0.try_wait().unwrap();
                if status.is_some() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            exit_ms.push(term.elapsed().as_millis());
            stop.store(true, Ordering::Relaxed);
            for t in tasks {
                t.await.unwrap();
            }
            assert_eq!(
                status.map(|s| s.code()),
                Some(Some(0)),
                "exit status after SIGTERM ({backend}, seed {seed})"
            );
            // Answered after SIGTERM: the requests in flight when it came.
            tally.lock().unwrap()[0] += acknowledged.lock().unwrap().len() - before;
            assert_eq!(
                counts(&url, &[sending]).await[0],
                0,
                "notices left leased after a graceful exit ({backend})"
            );
            server = start();
            wait_ready(port, &mut server).await;
        }
        // No sweep is needed after a graceful exit: the store is whole as it stands.
        drop(server);
        let (half_written, stored) = whole(&url, &format!("{backend} shutdown, seed {seed}")).await;
        verify_journal(dir.path(), database_url.as_deref());
        let mut server = start();
        wait_ready(port, &mut server).await;
        let acknowledged = std::mem::take(&mut *acknowledged.lock().unwrap());
        let mut lost = 0;
        for a in &acknowledged {
            lost += usize::from(!applicant.sees(port, a).await);
        }
        drop(server);
        assert_eq!(
            lost, 0,
            "acknowledged appeals lost ({backend}, seed {seed})"
        );
        assert!(held > 0, "the worker never held a notice when SIGTERM came");
        let [in_flight, refused, unread] = *tally.lock().unwrap();
        exit_ms.sort_unstable();
        record(&serde_json::json!({
            "figure": "shutdown",
            "backend": backend,
            "rounds": rounds,
            "clients": clients,
            "acknowledged": acknowledged.len(),
            "stored": stored,
            "lost": lost,
            "half_written": half_written,
            "answered_after_sigterm": in_flight,
            "refused_after_close": refused,
            "closed_unread": unread,
            "broken": 0,
            "leases_held": held,
            "leases_left": 0,
            "exit_p50_ms": exit_ms[exit_ms.len() / 2],
            "exit_max_ms": exit_ms.last().copied().unwrap_or(0),
            "seed": seed,
        }));
    }

    /// One count per statement, on either backend.
    pub(super) async fn counts(url: &str, statements: &[&str]) -> Vec<i64> {
        use sqlx::Connection;
        let mut out = Vec::new();
        if url.starts_with("postgres") {
            let mut db = sqlx::PgConnection::connect(url).await.unwrap();
            for s in statements {
                out.push(sqlx::query_scalar(s).fetch_one(&mut db).await.unwrap());
            }
        } else {
            let mut db = sqlx::SqliteConnection::connect(url).await.unwrap();
            for s in statements {
                out.push(sqlx::query_scalar(s).fetch_one(&mut db).await.unwrap());
            }
        }
        out
    }

    fn backup(data: &Path, to: &Path, extra: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_otinish"))
            .arg("--data-dir")
            .arg(data)
            .args(extra)
            .arg("backup")
            .arg("--to")
            .arg(to)
            .env_remove("OTINISH_CONFIG")
            .env_remove("OTINISH_DATABASE_URL")
            .output()
            .unwrap()
    }

    /// `otinish backup` copies the embedded store while appeals keep arriving; the copy's
    /// journal verifies, nothing in it is half-written, and a server started on it shows an
    /// appeal acknowledged before the copy. PostgreSQL is pointed to pg_dump; a backup never
    /// writes into a folder that holds something.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn backup_online_copy_restores_and_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let copy = dir.path().join("copy");
        let port = free_port();
        let mut server = serve(&data, port, None);
        wait_ready(port, &mut server).await;
        let applicant = Applicant::sign_in(port).await;
        let before = Acknowledged {
            card: 0,
            content: "Обращение до копии: прошу разъяснить порядок".into(),
        };
        let before = Acknowledged {
            card: applicant
                .submit(port, "before-backup", &before.content)
                .await
                .unwrap(),
            ..before
        };
        // Appeals keep arriving while the copy is made.
        let stop = Arc::new(AtomicBool::new(false));
        let load = {
            let (stop, applicant) = (stop.clone(), applicant.clone());
            tokio::spawn(async move {
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    n += 1;
                    let text = format!("Обращение во время копии {n}");
                    applicant
                        .submit(port, &format!("during-{n}"), &text)
                        .await
                        .unwrap();
                }
                n
            })
        };
        tokio::time::sleep(Duration::from_millis(300)).await;
        let out = tokio::task::spawn_blocking({
            let (data, copy) = (data.clone(), copy.clone());
            move || backup(&data, &copy, &[])
        })
        .await
        .unwrap();
        stop.store(true, Ordering::Relaxed);
        let during = load.await.unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("journal entries verified"),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(during > 0, "no appeal arrived during the copy");
        drop(server);

        // Never into a folder that holds something; PostgreSQL has its own tools.
        let again = backup(&data, &copy, &[]);
        assert!(!again.status.success());
        assert!(String::from_utf8_lossy(&again.stderr).contains("not empty"));
        let pg = backup(
            &data,
            &dir.path().join("pg"),
            &["--database-url", "postgres://postgres@127.0.0.1:1/none"],
        );
        assert!(!pg.status.success());
        assert!(String::from_utf8_lossy(&pg.stderr).contains("pg_dump"));

        // A server started on the copy serves it; an intake the snapshot caught half-way is
        // finished by it (its clock two minutes ahead, as after a later restore). Then the
        // copy is whole and its journal verifies.
        let port = free_port();
        let ahead = (chrono::Utc::now() + chrono::Duration::minutes(2)).to_rfc3339();
        let mut restored = serve_with(&copy, port, None, &["--demo-now", &ahead]);
        wait_ready(port, &mut restored).await;
        let seen = applicant.sees(port, &before).await;
        drop(restored);
        let copied = format!("sqlite://{}", copy.join("otinish.db").display());
        let (_, stored) = whole(&copied, "backup").await;
        let (_, original) = whole(
            &format!("sqlite://{}", data.join("otinish.db").display()),
            "original",
        )
        .await;
        assert!(
            stored >= 1 && stored <= original,
            "copy {stored}, original {original}"
        );
        verify_journal(&copy, None);
        assert!(seen, "the appeal acknowledged before the copy is in it");
    }

    /// Graceful shutdown: on SIGTERM the server stops taking connections, finishes the request
    /// in flight (here a sign-in whose body is still arriving) and exits with status 0.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sigterm_finishes_the_request_in_flight_then_exits() {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut server = serve(dir.path(), port, None);
        wait_ready(port, &mut server).await;
        let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        let body = "login=nobody&password=nothing&csrf=none";
        slow.write_all(
            format!(
                "POST /staff/login HTTP/1.0\r\nHost: x\r\n\
                 Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{}",
                body.len(),
                &body[..10]
            )
            .as_bytes(),
        )
        .await
        .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let term = Command::new("kill")
            .args(["-TERM", &server.0.id().to_string()])
            .status()
            .unwrap();
        assert!(term.success());
        // New connections are no longer taken.
        let mut refused = false;
        for _ in 0..50 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                refused = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(refused, "still accepting connections after SIGTERM");
        assert!(
            server.0.try_wait().unwrap().is_none(),
            "exited with a request in flight"
        );
        // The request in flight is answered in full.
        slow.write_all(&body.as_bytes()[10..]).await.unwrap();
        let mut answer = Vec::new();
        slow.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.0 "), "{answer}");
        assert!(answer.contains("</html>"), "the whole page: {answer}");
        let mut status = None;
        for _ in 0..100 {
            status = server.0.try_wait().unwrap();
            if status.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(status.map(|s| s.code()), Some(Some(0)), "exit status");
    }

    /// Slowloris: a client that trickles a request's headers, a byte at a time, is cut off once
    /// the header time limit (10 s) has passed; others are served meanwhile.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn trickled_headers_are_cut_off() {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut server = serve(dir.path(), port, None);
        wait_ready(port, &mut server).await;
        let mut slow = tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .unwrap();
        slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        let started = Instant::now();
        let mut served_meanwhile = false;
        let mut buf = [0u8; 512];
        let cut_off = loop {
            if started.elapsed() > Duration::from_secs(40) {
                break false;
            }
            if slow.write_all(b"a").await.is_err() {
                break true;
            }
            match tokio::time::timeout(Duration::from_millis(500), slow.read(&mut buf)).await {
                Ok(Ok(_)) | Ok(Err(_)) => break true, // closed (or told 408 and closed)
                Err(_) => {}                          // still open
            }
            if !served_meanwhile {
                served_meanwhile = matches!(get(port, "/healthz", "").await, Ok((200, _)));
            }
        };
        assert!(cut_off, "a connection trickling its headers was kept open");
        assert!(served_meanwhile, "others were not served meanwhile");
    }

    /// Logs name ids, never the applicant: the server at its most talkative setting takes an
    /// appeal, registers it, sends its notices and shows it to the applicant and a registrar;
    /// nothing it logged holds the applicant's IIN, name, email or the appeal's text.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn logs_never_carry_iin_names_or_appeal_text() {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let (smtp_port, _mails) = super::smtp_server().await;
        let log = dir.path().join("server.log");
        let mut server = Killed(
            Command::new(env!("CARGO_BIN_EXE_otinish"))
                .arg("--data-dir")
                .arg(dir.path().join("data"))
                .args([
                    "serve",
                    "--demo",
                    "--demo-cards",
                    "0",
                    "--listen",
                    &format!("127.0.0.1:{port}"),
                ])
                .args(["--smtp-url", &format!("smtp://127.0.0.1:{smtp_port}")])
                .env_remove("OTINISH_CONFIG")
                .env_remove("OTINISH_DATABASE_URL")
                .env("OTINISH_LOG", "debug")
                .stdout(Stdio::null())
                .stderr(std::fs::File::create(&log).unwrap())
                .spawn()
                .unwrap(),
        );
        wait_ready(port, &mut server).await;
        // To the Ministry of Justice, whose demo registrar opens the card below.
        let url = format!("sqlite://{}", dir.path().join("data/otinish.db").display());
        let mj: i64 = {
            use sqlx::Connection;
            let mut db = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::query_scalar("SELECT id FROM body WHERE code = 'MJ'")
                .fetch_one(&mut db)
                .await
                .unwrap()
        };
        let applicant = Applicant {
            recipient: mj.to_string(),
            ..Applicant::sign_in(port).await
        };
        let text = "Прошу проверить начисление пособия Zhuldyz-Qwerty-4711";
        let card = applicant.submit(port, "logs", text).await.unwrap();
        let seen = Acknowledged {
            card,
            content: text.into(),
        };
        assert!(applicant.sees(port, &seen).await);
        // The Ministry's registrar opens the card.
        let staff = staff_session(port, "registrar.mj").await;
        let (status, card_page) = get(port, &format!("/staff/cards/{card}"), &staff)
            .await
            .unwrap();
        assert_eq!(status, 200);
        assert!(card_page.contains("Zhuldyz-Qwerty-4711"));
        // Notices delivered, so their sending was logged too.
        assert_eq!(super::two_nodes::undelivered_emails(&url).await, 0);
        drop(server);
        // Without the terminal colours the log may carry.
        let raw = std::fs::read_to_string(&log).unwrap();
        let mut logged = String::with_capacity(raw.len());
        let mut rest = raw.as_str();
        while let Some(at) = rest.find('\u{1b}') {
            logged.push_str(&rest[..at]);
            rest = &rest[at..];
            rest = rest.find('m').map_or("", |m| &rest[m + 1..]);
        }
        logged.push_str(rest);
        assert!(
            logged.lines().count() > 20 && logged.contains(&format!("/staff/cards/{card}")),
            "the server logged its work by ids: {logged}"
        );
        for secret in [
            "791028302728",
            "АХМЕТОВ",
            "Ахметов",
            "БАУЫРЖАН",
            "akhmetov@demo.example.kz",
            "Zhuldyz-Qwerty-4711",
        ] {
            let line = logged.lines().find(|l| l.contains(secret));
            assert!(line.is_none(), "the log holds {secret}: {line:?}");
        }
    }

    /// A demo staff member's session (password `demo`), as cookies to send.
    async fn staff_session(port: u16, login: &str) -> String {
        let (_, page) = get(port, "/staff/login", "").await.unwrap();
        let csrf = cookie(&page, "otinish_csrf");
        let (status, reply) = post_form(
            port,
            "/staff/login",
            &format!("otinish_csrf={csrf}"),
            &format!("csrf={csrf}&login={login}&password=demo"),
        )
        .await
        .unwrap();
        assert_eq!(status, 303, "{reply}");
        format!(
            "otinish_csrf={}; otinish_session={}",
            cookie(&reply, "otinish_csrf"),
            cookie(&reply, "otinish_session")
        )
    }

    /// The README's demo starts with appeals to look at: three months of cards in every stage
    /// (received, in execution, answered, archived) spread over several executors of each body
    /// with invented names, and a banner that says what each login is for.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn demo_server_starts_with_cards_in_every_stage() {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut server = Killed(
            Command::new(env!("CARGO_BIN_EXE_otinish"))
                .arg("--data-dir")
                .arg(dir.path())
                .args(["serve", "--demo", "--listen", &format!("127.0.0.1:{port}")])
                .env_remove("OTINISH_CONFIG")
                .env_remove("OTINISH_DATABASE_URL")
                .env("OTINISH_LOG", "error")
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_ready(port, &mut server).await;
        let (_, page) = get(port, "/staff/login?lang=ru", "").await.unwrap();
        assert!(
            page.contains("registrar.mj (Регистратор (канцелярия))"),
            "the banner names each login's role"
        );
        let staff = staff_session(port, "registrar.mj").await;
        for state in ["received", "in_execution", "answered", "archived"] {
            let (status, list) = get(port, &format!("/staff/inbox?state={state}"), &staff)
                .await
                .unwrap();
            assert_eq!(status, 200);
            assert!(
                list.contains("href=\"/staff/cards/"),
                "the demo has cards in {state}"
            );
        }
        let (_, list) = get(port, "/staff/inbox?state=in_execution", &staff)
            .await
            .unwrap();
        let executors = list
            .split("<select name=\"executor\">")
            .nth(1)
            .and_then(|s| s.split("</select>").next())
            .unwrap_or_default()
            .matches("<option")
            .count();
        assert!(executors > 3, "several executors to choose from: {list}");
        assert!(!list.contains("Орындаушы MJ"), "invented names, not codes");
        // Portal appeals filed and moved on through the service itself: one waits for the
        // signatures, one is answered and visible to its author.
        let (_, portal) = get(port, "/staff/inbox?channel=portal", &staff)
            .await
            .unwrap();
        assert!(portal.contains("href=\"/staff/cards/"), "{portal}");
        let head = staff_session(port, "head.mj").await;
        let (_, queue) = get(port, "/staff/to-sign", &head).await.unwrap();
        assert!(
            queue.contains("MJ-"),
            "the head has an answer to sign: {queue}"
        );
        let (_, answered) = get(port, "/staff/inbox?state=answered&channel=portal", &staff)
            .await
            .unwrap();
        assert!(answered.contains("href=\"/staff/cards/"), "{answered}");
        let db = format!("sqlite://{}", dir.path().join("otinish.db").display());
        let n = counts(
            &db,
            &[
                "SELECT COUNT(*) FROM card WHERE channel = 'portal' AND state = 'answered'",
                "SELECT COUNT(*) FROM card WHERE channel = 'portal' AND state = 'decided'",
                "SELECT COUNT(*) FROM card WHERE channel = 'portal' AND state = 'in_execution'",
                "SELECT COUNT(*) FROM signed_document WHERE kind = 'answer' AND out_seq IS NOT NULL",
                "SELECT COUNT(*) FROM card WHERE channel = 'vks' AND state = 'registered'",
                // Booth recordings: one waiting for the registrar, one with its executor.
                "SELECT COUNT(*) FROM card WHERE channel = 'video_appeal' AND state = 'received'",
                "SELECT COUNT(*) FROM card WHERE channel = 'video_appeal' AND state = 'in_execution'",
                "SELECT COUNT(*) FROM video_appeal",
                "SELECT COUNT(*) FROM card WHERE channel = 'call_center'",
                "SELECT COUNT(*) FROM card WHERE channel = 'paper'",
            ],
        )
        .await;
        assert!(n.iter().all(|c| *c >= 1), "{n:?}");
    }

    /// The README's "Running for real": its two commands, run as written (the data folder
    /// and the address swapped for the test's): `init` on an empty folder, then `serve`
    /// without the demo — staff sign in with their key, no password form, no demo banner. A
    /// second `init` changes nothing; `--demo` is refused on the real deployment, a demo
    /// database without `--demo` and a database never set up are refused, each saying why.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn running_for_real_as_the_readme_says() {
        running_for_real(None).await;
        // A folder never set up, and a demo folder started without --demo.
        let empty = tempfile::tempdir().unwrap();
        let o = crate::otinish(empty.path(), &["serve", "--listen", "127.0.0.1:0"]);
        assert!(!o.status.success());
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("otinish init"),
            "{o:?}"
        );
        let demo_dir = tempfile::tempdir().unwrap();
        let o = crate::otinish(demo_dir.path(), &["demo"]);
        assert!(o.status.success(), "{o:?}");
        let o = crate::otinish(demo_dir.path(), &["serve", "--listen", "127.0.0.1:0"]);
        assert!(!o.status.success());
        assert!(
            String::from_utf8_lossy(&o.stderr).contains("demo data set"),
            "{o:?}"
        );
    }

    /// The same on an empty PostgreSQL database, `--database-url` given before the command
    /// as the README says.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn running_for_real_as_the_readme_says_on_postgres() {
        let Some(url) = crate::postgres_database("otinish_readme_real").await else {
            return;
        };
        running_for_real(Some(url.clone())).await;
        crate::drop_postgres_database(&url).await;
    }

    /// The README's two commands, run as written (on `database_url` when given).
    async fn running_for_real(database_url: Option<String>) {
        let readme = include_str!("../../../README.md");
        let section = readme
            .split("### Running for real")
            .nth(1)
            .and_then(|s| s.split("```sh").nth(1))
            .and_then(|s| s.split("```").next())
            .expect("the README has a Running for real section with commands");
        let commands: Vec<Vec<String>> = section
            .lines()
            .filter(|l| l.starts_with("otinish "))
            .map(shell_words)
            .collect();
        assert_eq!(commands.len(), 2, "{section}");
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("otinish");
        let port = free_port();
        let args = |c: &[String]| -> Vec<String> {
            let db = database_url
                .iter()
                .flat_map(|u| ["--database-url".to_owned(), u.clone()]);
            db.chain(c[1..].iter().map(|a| match a.as_str() {
                "/srv/otinish" => data.display().to_string(),
                "0.0.0.0:8080" => format!("127.0.0.1:{port}"),
                other => other.to_owned(),
            }))
            .collect()
        };
        let run = |a: &[String]| {
            Command::new(env!("CARGO_BIN_EXE_otinish"))
                .args(a)
                .env_remove("OTINISH_CONFIG")
                .env_remove("OTINISH_DATABASE_URL")
                .env_remove("OTINISH_DEMO")
                .env_remove("OTINISH_STAFF_PASSWORDS")
                .env("OTINISH_LOG", "error")
                .output()
                .unwrap()
        };
        let init = run(&args(&commands[0]));
        assert!(
            init.status.success(),
            "{}",
            String::from_utf8_lossy(&init.stderr)
        );
        assert!(
            String::from_utf8_lossy(&init.stdout).contains("791028302728"),
            "{init:?}"
        );
        // Once only.
        let again = run(&args(&commands[0]));
        assert!(!again.status.success());
        assert!(
            String::from_utf8_lossy(&again.stderr).contains("set up already"),
            "{again:?}"
        );
        // The demo may not start on it.
        let mut demo = args(&commands[1]);
        demo.push("--demo".into());
        let refused = run(&demo);
        assert!(!refused.status.success());
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("real deployment"),
            "{refused:?}"
        );
        let mut server = Killed(
            Command::new(env!("CARGO_BIN_EXE_otinish"))
                .args(args(&commands[1]))
                .env_remove("OTINISH_CONFIG")
                .env_remove("OTINISH_DATABASE_URL")
                .env_remove("OTINISH_DEMO")
                .env_remove("OTINISH_STAFF_PASSWORDS")
                .env("OTINISH_LOG", "error")
                .stdout(Stdio::null())
                .spawn()
                .unwrap(),
        );
        wait_ready(port, &mut server).await;
        let (status, page) = get(port, "/staff/login?lang=ru", "").await.unwrap();
        assert_eq!(status, 200);
        assert!(
            page.contains("action=\"/staff/login/key\"") && page.contains("id=\"sign-ncalayer\""),
            "{page}"
        );
        assert!(
            !page.contains("type=\"password\""),
            "no password form: {page}"
        );
        assert!(!page.contains("demo-key"), "no demo keys: {page}");
        assert!(!page.contains("Демонстрационный режим"), "no demo banner");
        drop(server);
    }

    /// A command line split as a POSIX shell would for the README's commands: words, and
    /// double-quoted strings as one word.
    fn shell_words(line: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut word = String::new();
        let mut quoted = false;
        let mut any = false;
        for c in line.chars() {
            match c {
                '"' => {
                    quoted = !quoted;
                    any = true;
                }
                c if c.is_whitespace() && !quoted => {
                    if any {
                        out.push(std::mem::take(&mut word));
                        any = false;
                    }
                }
                c => {
                    word.push(c);
                    any = true;
                }
            }
        }
        if any {
            out.push(word);
        }
        out
    }

    /// Clients that hang up with appeals in flight (a phone losing signal, a load generator
    /// stopping): `OTINISH_CUTOFF_ROUNDS` times (6 by default), 256 connections send a signed
    /// appeal each and are all cut off at a random moment a few milliseconds later, some
    /// before, some during and some after the server's database work. Afterwards the server is
    /// still ready, takes a sign-in challenge and files an appeal at once; the log never shows
    /// a connection left inside a transaction.
    async fn cutoff_run(backend: &str, database_url: Option<String>) {
        let rounds: usize = std::env::var("OTINISH_CUTOFF_ROUNDS")
            .ok()
            .and_then(|k| k.parse().ok())
            .unwrap_or(6);
        let seed = seed();
        let mut rng = Rng(seed);
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let log = dir.path().join("server.log");
        let mut c = Command::new(env!("CARGO_BIN_EXE_otinish"));
        c.arg("--data-dir").arg(dir.path().join("data"));
        if let Some(u) = &database_url {
            c.args(["--database-url", u]);
        }
        let mut server = Killed(
            c.args([
                "serve",
                "--demo",
                "--demo-cards",
                "0",
                "--listen",
                &format!("127.0.0.1:{port}"),
            ])
            .args(["--appeals-per-hour", "0"])
            // The 256 connections stand for as many people but come from one address.
            .args(["--max-per-client", "0", "--max-connections-per-client", "0"])
            .env_remove("OTINISH_CONFIG")
            .env_remove("OTINISH_DATABASE_URL")
            .env("OTINISH_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap(),
        );
        wait_ready(port, &mut server).await;
        let applicant = Applicant::sign_in(port).await;
        let mut cut = 0;
        for round in 0..rounds {
            let mut inflight = tokio::task::JoinSet::new();
            for i in 0..256 {
                let (head, body) = applicant
                    .submission(&format!("cut-{round}-{i}"), &format!("Обрыв {round} {i}"));
                inflight.spawn(async move {
                    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
                    s.write_all(head.as_bytes()).await?;
                    s.write_all(&body).await?;
                    let mut out = Vec::new();
                    s.read_to_end(&mut out).await
                });
            }
            // Cut every connection at once, between 2 and 400 ms after they began.
            tokio::time::sleep(Duration::from_millis(2 + rng.below(400))).await;
            cut += inflight.len();
            inflight.abort_all();
            while inflight.join_next().await.is_some() {}
        }
        // The requests of the clients that hung up still run to their end; while they do,
        // the server may shed new ones (503, Retry-After). Then it is ready, takes a
        // challenge and files an appeal.
        let (head, body) = applicant.submission("after-the-cut-offs", "Обращение после обрывов");
        let mut answers = Vec::new();
        for (head, body) in [
            (
                "GET /readyz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".to_owned(),
                Vec::new(),
            ),
            (
                "POST /api/v1/auth/challenge HTTP/1.0\r\nHost: 127.0.0.1\r\n\
                 Content-Type: application/json\r\nContent-Length: 2\r\n\r\n"
                    .to_owned(),
                b"{}".to_vec(),
            ),
            (head, body),
        ] {
            let deadline = Instant::now() + Duration::from_secs(60);
            loop {
                let (status, reply) = exchange(port, &head, &body).await.unwrap();
                if status != 503 || Instant::now() > deadline {
                    answers.push((status, reply));
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        assert_eq!(
            answers[0].0, 200,
            "not ready after the cut-offs: {}",
            answers[0].1
        );
        assert_eq!(answers[1].0, 200, "no sign-in challenge: {}", answers[1].1);
        assert_eq!(answers[2].0, 303, "no appeal filed: {}", answers[2].1);
        let number = Applicant::number(&answers[2].1);
        let page = get(port, &format!("/cabinet/appeals/{number}"), &applicant.jar)
            .await
            .unwrap();
        assert_eq!(page.0, 200);
        assert!(page.1.contains("Обращение после обрывов"));
        drop(server);
        let log = std::fs::read_to_string(&log).unwrap();
        assert!(
            !log.contains("transaction depth") && !log.contains("panicked"),
            "the server log shows a broken connection: {log}"
        );
        record(&serde_json::json!({
            "figure": "cut_off_submissions",
            "backend": backend,
            "rounds": rounds,
            "connections_cut": cut,
            "seed": seed,
        }));
    }

    /// Cut-off submissions on the embedded SQLite store (one write connection).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cut_off_submissions_never_stop_writes_sqlite() {
        cutoff_run("sqlite", None).await;
    }

    /// Cut-off submissions on PostgreSQL.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cut_off_submissions_never_stop_writes_postgres() {
        let Some(db_url) = super::postgres_database("otinish_cutoff").await else {
            return;
        };
        cutoff_run("postgres", Some(db_url.clone())).await;
        super::drop_postgres_database(&db_url).await;
    }

    /// The crash harness on the embedded SQLite store.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn crash_sigkill_under_load_loses_no_acknowledged_appeal_sqlite() {
        run("sqlite", None, 1).await;
    }

    /// The crash harness on PostgreSQL (a database of its own on the test server).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn crash_sigkill_under_load_loses_no_acknowledged_appeal_postgres() {
        let Some(db_url) = super::postgres_database("otinish_crash").await else {
            return;
        };
        run("postgres", Some(db_url.clone()), 1).await;
        super::drop_postgres_database(&db_url).await;
    }

    /// The crash harness on three nodes sharing one PostgreSQL, killed one, two or all three
    /// at a time: registration numbers stay gap-free across nodes, and the notices a killed
    /// node had claimed are sent by another.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn crash_sigkill_three_nodes_loses_no_acknowledged_appeal_postgres() {
        let Some(db_url) = super::postgres_database("otinish_crash3").await else {
            return;
        };
        run("postgres", Some(db_url.clone()), 3).await;
        super::drop_postgres_database(&db_url).await;
    }

    /// Graceful shutdown under load on the embedded SQLite store.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn crash_sigterm_under_load_answers_in_flight_and_releases_leases_sqlite() {
        shutdown_run("sqlite", None).await;
    }

    /// Graceful shutdown under load on PostgreSQL.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn crash_sigterm_under_load_answers_in_flight_and_releases_leases_postgres() {
        let Some(db_url) = super::postgres_database("otinish_sigterm").await else {
            return;
        };
        shutdown_run("postgres", Some(db_url.clone())).await;
        super::drop_postgres_database(&db_url).await;
    }
}
