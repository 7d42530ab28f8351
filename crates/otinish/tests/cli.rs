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
    assert!(
        stdout(&o).contains("journal intact: 22 entries verified"),
        "{}",
        stdout(&o)
    );

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
        "migrate",
        "demo",
        "calendar",
        "verify-journal",
        "verify",
        "announce",
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

/// EA-16: an outage is announced from the command line; a bad window is refused.
#[test]
fn ea_16_announce_command() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = otinish(
        dir.path(),
        &[
            "announce",
            "--from",
            "2026-12-01T02:00:00+05:00",
            "--to",
            "2026-12-01T04:00:00+05:00",
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
            "2026-12-01T04:00:00+05:00",
            "--to",
            "2026-12-01T02:00:00+05:00",
            "--ru",
            "x",
            "--kk",
            "y",
        ],
    );
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--to must be after --from"));
}
