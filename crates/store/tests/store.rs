//! The store suite: every test runs on SQLite and, when `OTINISH_TEST_POSTGRES_URL` is set, on
//! PostgreSQL (a fresh database per test, dropped afterwards). Without the variable the
//! PostgreSQL half prints that it was skipped.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use otinish_domain::calendar::DayEdit;
use otinish_domain::deadline::TermEvent;
use otinish_domain::journal::{BrokenLink, JournalDraft};
use otinish_domain::model::*;
use otinish_domain::repo::*;
use otinish_domain::{Lang, Names};
use otinish_store::{verify_journal, JournalCheckError, PgStore, SqliteStore};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

/// A store under test and what it takes to tamper with it directly.
enum Db {
    Sqlite(SqliteStore, #[allow(dead_code)] tempfile::TempDir),
    Pg(PgStore, String, String),
}

impl Db {
    fn store(&self) -> Arc<dyn Store> {
        match self {
            Db::Sqlite(s, _) => Arc::new(s.clone()),
            Db::Pg(s, _, _) => Arc::new(s.clone()),
        }
    }

    /// Runs raw SQL as someone with direct database access would.
    async fn raw(&self, sql: &str) -> Result<(), sqlx::Error> {
        match self {
            Db::Sqlite(s, _) => sqlx::raw_sql(sql).execute(s.write_pool()).await.map(|_| ()),
            Db::Pg(s, _, _) => sqlx::raw_sql(sql).execute(s.pool()).await.map(|_| ()),
        }
    }

    async fn close(self) {
        if let Db::Pg(s, admin_url, name) = self {
            s.pool().close().await;
            if let Ok(admin) = PgStore::connect(&admin_url, 1).await {
                let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(admin.pool())
                    .await;
            }
        }
    }
}

async fn sqlite() -> Db {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let s = SqliteStore::open(&dir.path().join("test.db"))
        .await
        .unwrap_or_else(|e| panic!("open: {e}"));
    s.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
    Db::Sqlite(s, dir)
}

static PG_COUNTER: AtomicU32 = AtomicU32::new(0);

async fn postgres(test: &str) -> Option<Db> {
    let Ok(url) = std::env::var("OTINISH_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var_os("OTINISH_REQUIRE_POSTGRES").is_none(),
            "OTINISH_REQUIRE_POSTGRES is set but OTINISH_TEST_POSTGRES_URL is not"
        );
        // Written to the real stderr, past the test harness's capture: a skip is never silent.
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED on PostgreSQL: {test} (OTINISH_TEST_POSTGRES_URL is not set)"
        );
        return None;
    };
    let name = format!(
        "otinish_t_{}_{}_{}",
        std::process::id(),
        PG_COUNTER.fetch_add(1, Ordering::SeqCst),
        Utc::now().timestamp_subsec_micros()
    );
    let admin = PgStore::connect(&url, 1)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
    sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
        .execute(admin.pool())
        .await
        .unwrap_or_else(|e| panic!("create database: {e}"));
    admin.pool().close().await;
    let (base, _) = url.rsplit_once('/').unwrap_or((&url, ""));
    let s = PgStore::connect(&format!("{base}/{name}"), 10)
        .await
        .unwrap_or_else(|e| panic!("connect: {e}"));
    s.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
    Some(Db::Pg(s, url, name))
}

/// Declares a test that runs `$body(db)` once on SQLite and once on PostgreSQL.
macro_rules! on_both {
    ($(#[doc = $doc:literal])* $name:ident, $body:ident) => {
        mod $name {
            $(#[doc = $doc])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let db = super::sqlite().await;
                super::$body(&db).await;
                db.close().await;
            }
            $(#[doc = $doc])*
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(db) = super::postgres(stringify!($name)).await {
                    super::$body(&db).await;
                    db.close().await;
                }
            }
        }
    };
}

fn t(s: &str) -> DateTime<Utc> {
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default();
    Utc.from_utc_datetime(&d.and_hms_opt(5, 0, 0).unwrap_or_default())
}

fn j(action: &str) -> JournalDraft {
    JournalDraft::new(t("2026-03-02"), "test", "", action)
}

fn new_body(code: &str, parent: Option<&str>) -> NewBody {
    NewBody {
        code: code.into(),
        name: Names::new(
            &format!("{code} kk"),
            &format!("{code} ru"),
            &format!("{code} en"),
        ),
        parent_code: parent.map(str::to_owned),
        competence: vec!["housing".into(), "pensions".into()],
        vks_connected: true,
        video_appeal_connected: false,
        contacts: Contacts {
            phone: Some("+77172740000".into()),
            email: Some("info@example.kz".into()),
            address: Names::new("Астана", "Астана", "Astana"),
            website: None,
        },
        time_zone: "Asia/Almaty".into(),
    }
}

fn new_card(body_id: i64, received: &str) -> NewCard {
    NewCard {
        body_id,
        channel: Channel::Portal,
        kind: AppealKind::Statement,
        applicant_id: None,
        addressee: None,
        summary: "Прошу разъяснить порядок".into(),
        received_at: t(received),
        rulebook_id: "APPC-2021".into(),
        collective: false,
    }
}

fn no_notices(_: &RegNumber) -> Vec<otinish_domain::notice::NewNotice> {
    Vec::new()
}

fn deadline(key: &str, due: &str) -> StoredDeadline {
    StoredDeadline {
        key: key.into(),
        rule: "VC-19".into(),
        rulebook: "APPC-2021".into(),
        due_at: t(due),
        due_on: NaiveDate::parse_from_str(due, "%Y-%m-%d").unwrap_or_default(),
        paused: false,
        explanation: "{}".into(),
    }
}

async fn core_model(db: &Db) {
    let s = db.store();
    let parent = s
        .create_body(&new_body("GOV", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let child = s
        .create_body(&new_body("MJ", Some("GOV")), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(child.parent_id, Some(parent.id));
    assert_eq!(
        child.competence,
        vec!["housing".to_string(), "pensions".to_string()]
    );
    assert!(child.vks_connected && !child.video_appeal_connected);
    assert_eq!(
        s.body_by_code("MJ").await.map(|b| b.id).ok(),
        Some(child.id)
    );
    assert!(matches!(
        s.create_body(&new_body("MJ", None), j("create_body")).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        s.create_body(&new_body("X", Some("NOPE")), j("create_body"))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(s.body(9999).await, Err(StoreError::NotFound(_))));
    let page = s
        .bodies(PageRequest::new(Some(1), Some(1)))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((page.total, page.items.len()), (2, 1));

    // VC-01 through the store: officials and their absences.
    let head = s
        .add_official(&NewOfficial {
            body_id: child.id,
            full_name: "Асқаров Ерлан".into(),
            position: Names::new("Министр", "Министр", "Minister"),
            rank: OfficialRank::FirstHead,
            seniority: 0,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let deputy = s
        .add_official(&NewOfficial {
            body_id: child.id,
            full_name: "Серікова Айгүл".into(),
            position: Names::new("Вице-министр", "Вице-министр", "Vice minister"),
            rank: OfficialRank::Deputy,
            seniority: 1,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let second_head = s
        .add_official(&NewOfficial {
            body_id: child.id,
            full_name: "Another".into(),
            position: Names::default(),
            rank: OfficialRank::FirstHead,
            seniority: 0,
        })
        .await;
    assert!(
        matches!(second_head, Err(StoreError::Conflict(_))),
        "one first head per body"
    );
    let leave = Absence {
        from: NaiveDate::from_ymd_opt(2026, 4, 1).unwrap_or_default(),
        to: NaiveDate::from_ymd_opt(2026, 4, 3).unwrap_or_default(),
        reason: "leave".into(),
    };
    s.add_absence(head.id, &leave, j("add_absence"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let officials = s
        .officials(child.id)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(officials.len(), 2);
    let on = |d: u32| {
        presiding_official(
            &officials,
            NaiveDate::from_ymd_opt(2026, 4, d).unwrap_or_default(),
        )
        .map(|o| o.id)
    };
    assert_eq!(
        on(2),
        Ok(deputy.id),
        "VC-01: deputy while the first head is on leave"
    );
    assert_eq!(on(6), Ok(head.id));

    let branch = s
        .create_branch(&NewBranch {
            code: "AST-1".into(),
            name: Names::new("Астана №1", "ЦОН Астана №1", "Astana PSC 1"),
            region: Names::new("Астана", "Астана", "Astana"),
            address: Names::new("Мәңгілік Ел 8", "Мангилик Ел 8", "Mangilik El 8"),
            vks_equipment: true,
            booths: 2,
            phone: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(branch.booths, 2);
    assert_eq!(
        s.branches(PageRequest::default())
            .await
            .map(|p| p.total)
            .ok(),
        Some(1)
    );

    let staff = s
        .create_staff(
            &NewStaff {
                position: String::new(),
                login: "registrar.mj".into(),
                full_name: "Registrar".into(),
                email: None,
                body_id: Some(child.id),
                branch_id: None,
                roles: vec![Role::Registrar, Role::Executor],
                password_hash: "$argon2id$fake".into(),
                lang: Lang::Kk,
            },
            j("create_staff"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let (found, hash) = s
        .staff_credentials("registrar.mj")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(found, staff);
    assert_eq!(hash, "$argon2id$fake");
    assert!(found.has_role(Role::Executor) && !found.has_role(Role::Admin));
    assert_eq!(found.lang, Lang::Kk);

    let ind = Applicant::Individual {
        iin: otinish_domain::ids::Iin::parse("791028302728").unwrap_or_else(|e| panic!("{e}")),
        surname: "Ахметов".into(),
        name: "Бауыржан".into(),
        patronymic: None,
        email: None,
        phone: None,
        address: "Астана".into(),
        lang: Lang::Ru,
    };
    let id1 = s
        .upsert_applicant(&ind)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let id2 = s
        .upsert_applicant(&ind)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(id1, id2, "one applicant per IIN");
    assert_eq!(s.applicant(id1).await.ok(), Some(ind));
}

on_both!(
    /// GEN-05, VC-01: bodies with hierarchy and competence, officials with absences,
    /// branches, staff with roles, applicants.
    gen_05_core_model,
    core_model
);

async fn concurrent_registration(db: &Db) {
    let s = db.store();
    let a = s
        .create_body(&new_body("A", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let b = s
        .create_body(&new_body("B", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut ids = Vec::new();
    for i in 0..64 {
        let body = if i % 4 == 3 { b.id } else { a.id };
        let c = s
            .create_card(&new_card(body, "2026-03-02"), &[], j("receive"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        ids.push(c.id);
    }
    // 32 tasks register the 64 cards at once.
    let mut tasks = Vec::new();
    for chunk in ids.chunks(2) {
        let s = s.clone();
        let chunk = chunk.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut out = Vec::new();
            for id in chunk {
                let n = s
                    .register_card(
                        id,
                        CardState::Received,
                        2026,
                        t("2026-03-02"),
                        None,
                        &[deadline("answer", "2026-03-20")],
                        &no_notices,
                        j("register"),
                    )
                    .await;
                out.push(n);
            }
            out
        }));
    }
    let mut a_nums = Vec::new();
    let mut b_nums = Vec::new();
    for task in tasks {
        for n in task.await.unwrap_or_default() {
            let n = n.unwrap_or_else(|e| panic!("registration failed: {e}"));
            match n.body_code.as_str() {
                "A" => a_nums.push(n.seq),
                _ => b_nums.push(n.seq),
            }
        }
    }
    a_nums.sort_unstable();
    b_nums.sort_unstable();
    assert_eq!(
        a_nums,
        (1..=48).collect::<Vec<_>>(),
        "body A: gap-free and unique"
    );
    assert_eq!(
        b_nums,
        (1..=16).collect::<Vec<_>>(),
        "body B: its own sequence"
    );

    // A card already registered cannot be registered again, and no number is used up.
    let again = s
        .register_card(
            ids[0],
            CardState::Received,
            2026,
            t("2026-03-02"),
            None,
            &[],
            &no_notices,
            j("register"),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Stale(_))));
    let c = s
        .create_card(&new_card(a.id, "2026-03-03"), &[], j("receive"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let n = s
        .register_card(
            c.id,
            CardState::Received,
            2026,
            t("2026-03-03"),
            None,
            &[],
            &no_notices,
            j("register"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.to_string(), "A-2026-000049");
    // A new year starts again at 1.
    let c = s
        .create_card(&new_card(a.id, "2027-01-04"), &[], j("receive"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let n = s
        .register_card(
            c.id,
            CardState::Received,
            2027,
            t("2027-01-04"),
            None,
            &[],
            &no_notices,
            j("register"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(n.seq, 1);
    let card = s.card(c.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (card.state, card.reg_number),
        (CardState::Registered, Some(n))
    );
    assert_eq!(s.deadlines(ids[5]).await.map(|d| d.len()).ok(), Some(1));
    assert_eq!(
        s.cards_of_body(a.id, PageRequest::new(Some(10), None))
            .await
            .map(|p| (p.total, p.items.len()))
            .ok(),
        Some((50, 10))
    );
}

on_both!(
    /// GEN-05: 32 concurrent tasks registering 64 cards get gap-free, unique numbers per body
    /// and year.
    gen_05_concurrent_registration_is_gap_free,
    concurrent_registration
);

async fn journal_chain(db: &Db) {
    let s = db.store();
    let body = s
        .create_body(&new_body("J", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let card = s
        .create_card(&new_card(body.id, "2026-03-02"), &[], j("receive"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    s.register_card(
        card.id,
        CardState::Received,
        2026,
        t("2026-03-02"),
        None,
        &[],
        &no_notices,
        j("register"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let to = CardState::Registered
        .apply(CardAction::SendForExecution)
        .unwrap_or(CardState::Registered);
    s.transition_card(
        card.id,
        CardState::Registered,
        to,
        &CardUpdate::default(),
        &[],
        j("send_for_execution"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        s.transition_card(
            card.id,
            CardState::Registered,
            to,
            &CardUpdate::default(),
            &[],
            j("send_for_execution")
        )
        .await,
        Err(StoreError::Stale(_))
    ));
    let history = s
        .journal_for(&format!("card:{}", card.id))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let states: Vec<_> = history
        .iter()
        .map(|e| (e.draft.from_state.clone(), e.draft.to_state.clone()))
        .collect();
    assert_eq!(
        states,
        vec![
            (None, None),
            (Some("received".into()), Some("registered".into())),
            (Some("registered".into()), Some("in_execution".into()))
        ]
    );
    assert_eq!(verify_journal(s.as_ref(), |_| {}).await.ok(), Some(4));

    // The journal refuses changes through SQL...
    assert!(db
        .raw("UPDATE journal SET actor = 'mallory' WHERE seq = 2")
        .await
        .is_err());
    assert!(db.raw("DELETE FROM journal WHERE seq = 2").await.is_err());
    // ...and someone who disables that protection is still caught, by entry number.
    match db {
        Db::Sqlite(..) => {
            db.raw("DROP TRIGGER journal_no_update; DROP TRIGGER journal_no_delete;")
                .await
        }
        Db::Pg(..) => db.raw("DROP TRIGGER journal_no_update ON journal").await,
    }
    .unwrap_or_else(|e| panic!("{e}"));
    db.raw("UPDATE journal SET to_state = 'archived' WHERE seq = 3")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    match verify_journal(s.as_ref(), |_| {}).await {
        Err(JournalCheckError::Broken(BrokenLink::Altered { seq: 3 })) => {}
        other => panic!("tampering must be found at entry 3, got {other:?}"),
    }
    db.raw("UPDATE journal SET to_state = 'registered' WHERE seq = 3")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(verify_journal(s.as_ref(), |_| {}).await.ok(), Some(4));
    db.raw("DELETE FROM journal WHERE seq = 4")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        verify_journal(s.as_ref(), |_| {}).await,
        Err(JournalCheckError::Truncated {
            head_seq: 4,
            last_seq: 3
        })
    ));
}

on_both!(
    /// GEN-06: every change is journaled with its states; the chain verifies; tampering is
    /// refused by the database and, if forced, found and named.
    gen_06_journal_is_append_only_and_verifiable,
    journal_chain
);

async fn deadlines_events_calendar(db: &Db) {
    let s = db.store();
    let body = s
        .create_body(&new_body("D", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let open = s
        .create_card(
            &new_card(body.id, "2026-08-24"),
            &[deadline("answer", "2026-09-15")],
            j("receive"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let closed = s
        .create_card(
            &new_card(body.id, "2026-08-24"),
            &[deadline("answer", "2026-09-15")],
            j("receive"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    s.transition_card(
        closed.id,
        CardState::Received,
        CardState::Refused,
        &CardUpdate::default(),
        &[],
        j("refuse"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let ev = TermEvent::Paused {
        at: t("2026-08-26"),
        reason: "clarification".into(),
    };
    s.add_term_event(
        open.id,
        &ev,
        &[deadline("answer", "2026-09-18")],
        j("pause"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let cases = s.open_cases(0, 100).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cases.len(), 1, "closed cases are not listed");
    assert_eq!(cases[0].card.id, open.id);
    assert_eq!(cases[0].events, vec![ev]);
    assert_eq!(
        cases[0].deadlines[0].due_on,
        NaiveDate::from_ymd_opt(2026, 9, 18).unwrap_or_default()
    );
    s.replace_deadlines(open.id, &[deadline("answer", "2026-09-17")], j("recompute"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.deadlines(open.id)
            .await
            .map(|d| d[0].due_on.to_string())
            .ok(),
        Some("2026-09-17".into())
    );
    assert_eq!(
        s.open_cases(open.id, 100).await.map(|c| c.len()).ok(),
        Some(0),
        "keyset pagination"
    );

    let edit = DayEdit {
        date: NaiveDate::from_ymd_opt(2026, 8, 31).unwrap_or_default(),
        working: true,
        reason: "law changed".into(),
    };
    s.put_calendar_edit("KZ", &edit, j("calendar_edit"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let replaced = DayEdit {
        working: false,
        ..edit.clone()
    };
    s.put_calendar_edit("KZ", &replaced, j("calendar_edit"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.calendar_edits("KZ").await.ok(), Some(vec![replaced]));
    assert_eq!(s.calendar_edits("UZ").await.map(|v| v.len()).ok(), Some(0));
}

on_both!(
    /// GEN-04: deadlines are stored with the card, follow its term events, and open cases are
    /// listed for recomputation; GEN-02: calendar edits are kept and journaled.
    gen_04_deadlines_and_calendar_edits,
    deadlines_events_calendar
);

async fn sessions(db: &Db) {
    let s = db.store();
    let staff = s
        .create_staff(
            &NewStaff {
                position: String::new(),
                login: "admin".into(),
                full_name: "Admin".into(),
                email: None,
                body_id: None,
                branch_id: None,
                roles: vec![Role::Admin],
                password_hash: "x".into(),
                lang: Lang::En,
            },
            j("create_staff"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let rec = SessionRecord {
        token_hash: "h1".into(),
        staff_id: staff.id,
        csrf_token: "c1".into(),
        created_at: t("2026-03-02"),
        expires_at: t("2026-03-03"),
        client_ip: "10.1.2.3".into(),
        user_agent: "Mozilla/5.0 Chrome/131".into(),
    };
    s.create_session(&rec)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.session("h1", t("2026-03-02"))
            .await
            .map(|r| r.staff_id)
            .ok(),
        Some(staff.id)
    );
    assert!(
        matches!(
            s.session("h1", t("2026-03-04")).await,
            Err(StoreError::NotFound(_))
        ),
        "expired"
    );
    assert_eq!(
        s.delete_expired_sessions(t("2026-03-04")).await.ok(),
        Some(1)
    );
    assert!(s.session("h1", t("2026-03-02")).await.is_err());
    // Signed out everywhere: every session of the staff member ends, and only theirs.
    for h in ["h2", "h3"] {
        s.create_session(&SessionRecord {
            token_hash: h.into(),
            ..rec.clone()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    assert_eq!(s.delete_sessions_of(staff.id).await.ok(), Some(2));
    assert!(s.session("h2", t("2026-03-02")).await.is_err());
    assert_eq!(s.delete_sessions_of(staff.id).await.ok(), Some(0));
    // Listed newest first with where they were opened; ended one by one or all, journaled.
    for (h, at) in [("h4", "2026-03-01"), ("h5", "2026-03-02")] {
        s.create_session(&SessionRecord {
            token_hash: h.into(),
            created_at: t(at),
            ..rec.clone()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let listed = s.sessions_of(staff.id, t("2026-03-02")).await.unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|r| (
                r.token_hash.as_str(),
                r.client_ip.as_str(),
                r.user_agent.as_str()
            ))
            .collect::<Vec<_>>(),
        [
            ("h5", "10.1.2.3", "Mozilla/5.0 Chrome/131"),
            ("h4", "10.1.2.3", "Mozilla/5.0 Chrome/131")
        ]
    );
    assert!(
        s.sessions_of(staff.id, t("2026-03-04"))
            .await
            .unwrap()
            .is_empty(),
        "expired"
    );
    assert_eq!(
        s.end_sessions(staff.id + 1, Some("h4"), j("end_session"))
            .await
            .ok(),
        Some(0),
        "only the staff member's own session"
    );
    assert_eq!(
        s.end_sessions(staff.id, Some("h4"), j("end_session"))
            .await
            .ok(),
        Some(1)
    );
    assert!(s.session("h4", t("2026-03-02")).await.is_err());
    assert!(s.session("h5", t("2026-03-02")).await.is_ok());
    assert_eq!(
        s.end_sessions(staff.id, None, j("end_all_sessions"))
            .await
            .ok(),
        Some(1)
    );
    let journal = s.journal_for(&format!("staff:{}", staff.id)).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .map(|e| e.draft.action.as_str())
            .filter(|a| a.starts_with("end_"))
            .collect::<Vec<_>>(),
        ["end_session", "end_all_sessions"]
    );
    assert!(s.ping().await.is_ok());
}

on_both!(
    /// Sessions live in the database, expire, and are cleaned up.
    staff_sessions,
    sessions
);

fn legal_entity() -> Applicant {
    Applicant::LegalEntity {
        bin: otinish_domain::ids::Bin::parse("940140000385").unwrap(),
        org_name: "ТОО Дала".into(),
        signer_surname: "Ахметов".into(),
        signer_name: "Бауыржан".into(),
        email: None,
        phone: None,
        address: "Астана".into(),
        lang: Lang::Ru,
    }
}

fn individual() -> Applicant {
    Applicant::Individual {
        iin: otinish_domain::ids::Iin::parse("791028302728").unwrap(),
        surname: "АХМЕТОВ".into(),
        name: "БАУЫРЖАН".into(),
        patronymic: None,
        email: None,
        phone: None,
        address: "Коктал".into(),
        lang: Lang::Kk,
    }
}

fn new_appeal(body_id: i64, key: &str) -> NewAppeal {
    NewAppeal {
        card: new_card(body_id, "2026-03-02"),
        applicant: individual(),
        content: "Прошу отремонтировать дорогу".into(),
        outgoing_number: None,
        outgoing_date: None,
        postal_address: "с. Коктал".into(),
        email: Some("b@example.kz".into()),
        phone: None,
        lang: Lang::Kk,
        signed_document: "{\"content\":\"...\"}".into(),
        signature: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        signer_serial: "1000".into(),
        signed_at: Some(t("2026-03-02")),
        signature_check: None,
        idempotency_key: key.into(),
        signed_digest: None,
        size_bytes: 100,
        attachments: vec![NewAttachment {
            file_name: "photo.png".into(),
            mime: "image/png".into(),
            size_bytes: 2048,
            sha256: "ab".repeat(32),
            storage_key: format!("ab/{}", "ab".repeat(32)),
        }],
        deadlines: vec![deadline("answer", "2026-03-20")],
        admission: None,
    }
}

fn notice(
    card_id: i64,
    applicant_id: i64,
    channel: otinish_domain::notice::NoticeChannel,
) -> otinish_domain::notice::NewNotice {
    otinish_domain::notice::NewNotice {
        card_id,
        applicant_id,
        kind: otinish_domain::notice::NoticeKind::Receipt,
        channel,
        address: Some("b@example.kz".into()),
        lang: Lang::Kk,
        subject: "Өтініш қабылданды".into(),
        body: "...".into(),
    }
}

async fn appeals(db: &Db) {
    use otinish_domain::notice::{NoticeChannel, NoticeStatus};
    let s = db.store();
    let body = s
        .create_body(&new_body("EA", None), j("create_body"))
        .await
        .unwrap();
    let (id, created) = s
        .submit_appeal(&new_appeal(body.id, "k1"), j("submit"))
        .await
        .unwrap();
    assert!(created);
    // EA: a retried submission with the same key never makes a second appeal.
    let (again, created) = s
        .submit_appeal(&new_appeal(body.id, "k1"), j("submit"))
        .await
        .unwrap();
    assert_eq!((again, created), (id, false));
    let (other, _) = s
        .submit_appeal(&new_appeal(body.id, "k2"), j("submit"))
        .await
        .unwrap();
    assert_ne!(other, id);
    // Several in one transaction, with the same idempotency rule.
    let batch = s
        .submit_appeals(&[
            (new_appeal(body.id, "b1"), j("submit")),
            (new_appeal(body.id, "k1"), j("submit")),
            (new_appeal(body.id, "b2"), j("submit")),
        ])
        .await
        .unwrap();
    assert_eq!(
        batch.iter().map(|(_, c)| *c).collect::<Vec<_>>(),
        vec![true, false, true]
    );
    assert_eq!(batch[1].0, id);
    for (bid, _) in [batch[0], batch[2]] {
        let applicant_id = s.appeal(bid).await.unwrap().applicant_id;
        s.hide_appeal(bid, applicant_id, j("hide")).await.unwrap();
    }
    let a = s.appeal(id).await.unwrap();
    assert_eq!(a.card.state, CardState::Received);
    assert_eq!(a.applicant, individual());
    assert_eq!(a.signature, vec![0x30, 0x03, 0x02, 0x01, 0x01]);
    assert_eq!(s.attachments(id).await.unwrap().len(), 1);
    assert_eq!(s.deadlines(id).await.unwrap().len(), 1);
    assert_eq!(
        s.applicant_storage_used(a.applicant_id).await.unwrap(),
        2 * (100 + 2048)
    );

    // Receipt and notices in one transaction; the cabinet's notice is delivered at once.
    let n = [
        notice(id, a.applicant_id, NoticeChannel::Cabinet),
        notice(id, a.applicant_id, NoticeChannel::Email),
    ];
    let doc = s
        .add_signed_document(
            &NewSignedDocument {
                card_id: id,
                kind: "receipt".into(),
                code: "CODE123".into(),
                document: "receipt text".into(),
                signature: b"sig".to_vec(),
                at: t("2026-03-02"),
                outgoing: None,
            },
            &n,
            j("receipt"),
        )
        .await
        .unwrap();
    assert_eq!(s.signed_document_by_code("CODE123").await.unwrap(), doc);
    assert_eq!(doc.outgoing, None, "a receipt is not an outgoing letter");
    // Answer letters take the next number of the body's outgoing register, per year.
    let mut numbers = Vec::new();
    for (code, year) in [("OUT1", 2026), ("OUT2", 2026), ("OUT3", 2027)] {
        let d = s
            .add_signed_document(
                &NewSignedDocument {
                    card_id: id,
                    kind: "answer".into(),
                    code: code.into(),
                    document: "answer text".into(),
                    signature: b"sig".to_vec(),
                    at: t("2026-03-02"),
                    outgoing: Some((body.id, year)),
                },
                &[],
                j("answer_signed"),
            )
            .await
            .unwrap();
        assert_eq!(s.signed_document_by_code(code).await.unwrap(), d);
        numbers.push(d.outgoing.map(|o| (o.year, o.seq)));
    }
    assert_eq!(
        numbers,
        vec![Some((2026, 1)), Some((2026, 2)), Some((2027, 1))]
    );
    assert!(matches!(
        s.signed_document_by_code("nope").await,
        Err(StoreError::NotFound(_))
    ));
    let list = s.notices_of_card(id).await.unwrap();
    assert_eq!(
        list.iter().map(|n| n.status).collect::<Vec<_>>(),
        vec![NoticeStatus::Delivered, NoticeStatus::Pending]
    );

    // The email notice's delivery is a job: workers claim it with a lease, and a claimed job
    // is not handed out twice until the lease ends.
    let email = list[1].id;
    let kinds = otinish_domain::job::JobKind::ALL;
    let claimed = s
        .claim_jobs(kinds, "w1", t("2026-03-02"), t("2026-03-03"), 10)
        .await
        .unwrap();
    assert_eq!(claimed.len(), 1);
    assert_eq!(
        otinish_domain::job::notice_of(&claimed[0].payload),
        Some(email)
    );
    assert_eq!(claimed[0].attempts, 1);
    let job = claimed[0].id;
    assert!(s
        .claim_jobs(kinds, "w2", t("2026-03-02"), t("2026-03-03"), 10)
        .await
        .unwrap()
        .is_empty());
    // A stopping worker gives its claims back: due again at once, before the lease ends, the
    // try not counted; only the holder can give a job back, and only once.
    assert_eq!(s.release_jobs(&[job], "w2").await.unwrap(), 0);
    assert_eq!(s.release_jobs(&[job], "w1").await.unwrap(), 1);
    assert_eq!(s.release_jobs(&[job], "w1").await.unwrap(), 0);
    let back = s
        .claim_jobs(kinds, "w1", t("2026-03-02"), t("2026-03-03"), 10)
        .await
        .unwrap();
    assert_eq!(back.len(), 1, "released before the lease ended");
    assert_eq!((back[0].id, back[0].attempts), (job, 1));
    // w1 dies holding it: when the lease has ended w2 claims it, and w1's late word is void.
    let taken = s
        .claim_jobs(kinds, "w2", t("2026-03-04"), t("2026-03-05"), 10)
        .await
        .unwrap();
    assert_eq!(
        (
            taken.len(),
            taken[0].attempts,
            taken[0].leased_by.as_deref()
        ),
        (1, 2, Some("w2")),
        "lease expired"
    );
    assert!(!s.job_done(job, "w1").await.unwrap(), "w1 lost its lease");
    assert!(!s.job_failed(job, "w1", "late", None).await.unwrap());
    assert!(s
        .job_failed(job, "w2", "connection refused", Some(t("2026-03-06")))
        .await
        .unwrap());
    s.notice_failed(email, "connection refused", Some(t("2026-03-06")))
        .await
        .unwrap();
    assert!(s
        .claim_jobs(kinds, "w2", t("2026-03-05"), t("2026-03-05"), 10)
        .await
        .unwrap()
        .is_empty());
    let again = s
        .claim_jobs(kinds, "w2", t("2026-03-06"), t("2026-03-07"), 10)
        .await
        .unwrap();
    assert_eq!(again[0].last_error.as_deref(), Some("connection refused"));
    s.notice_delivered(email, t("2026-03-06")).await.unwrap();
    assert!(s.job_done(job, "w2").await.unwrap());
    assert!(
        matches!(s.job(job).await, Err(StoreError::NotFound(_))),
        "a done job is gone"
    );
    let delivered = s.notices_of_card(id).await.unwrap();
    assert_eq!(delivered[1].status, NoticeStatus::Delivered);
    assert_eq!(
        delivered[1].attempts, 2,
        "the notice counts the outcomes recorded, not a try whose lease ran out"
    );
    assert_eq!(
        delivered[1].last_error.as_deref(),
        Some("connection refused")
    );

    // EA-15: hiding removes the appeal and its notices from the applicant's space only.
    assert_eq!(
        s.appeals_of_applicant(a.applicant_id, PageRequest::default())
            .await
            .unwrap()
            .total,
        2
    );
    assert!(
        matches!(
            s.hide_appeal(id, a.applicant_id + 1, j("hide")).await,
            Err(StoreError::NotFound(_))
        ),
        "only the author"
    );
    s.hide_appeal(id, a.applicant_id, j("hide")).await.unwrap();
    assert_eq!(
        s.appeals_of_applicant(a.applicant_id, PageRequest::default())
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        s.notices_of_applicant(a.applicant_id, PageRequest::default())
            .await
            .unwrap()
            .total,
        0
    );
    assert_eq!(
        s.applicant_storage_used(a.applicant_id).await.unwrap(),
        100 + 2048
    );
    assert_eq!(s.card(id).await.unwrap().id, id, "the body's record stays");

    // Sign-in challenges are single-use and expire.
    s.create_nonce("n1", t("2026-03-02")).await.unwrap();
    assert!(
        matches!(
            s.use_nonce("n1", t("2026-03-03")).await,
            Err(StoreError::NotFound(_))
        ),
        "too old"
    );
    s.create_nonce("n2", t("2026-03-02")).await.unwrap();
    s.use_nonce("n2", t("2026-03-01")).await.unwrap();
    assert!(
        s.use_nonce("n2", t("2026-03-01")).await.is_err(),
        "used once only"
    );
    s.create_applicant_session("h", a.applicant_id, t("2026-03-02"), t("2026-03-03"))
        .await
        .unwrap();
    assert_eq!(
        s.applicant_session("h", t("2026-03-02")).await.unwrap(),
        a.applicant_id
    );
    assert!(s.applicant_session("h", t("2026-03-04")).await.is_err());
    assert_eq!(
        s.applicant_by_tax_id("791028302728").await.unwrap().0,
        a.applicant_id
    );
}

on_both!(
    /// EA-15, EA-07: appeals are stored idempotently with attachments and deadlines; receipts
    /// and notices are written together; the outbox leases and retries; the applicant's space.
    ea_15_appeals_notices_and_space,
    appeals
);

async fn report(db: &Db) {
    use otinish_domain::report::OneOl;
    use std::collections::BTreeSet;
    let store = db.store();
    let s = store.as_ref();
    let parent = s
        .create_body(&new_body("R", None), j("create_body"))
        .await
        .unwrap();
    let child = s
        .create_body(&new_body("RC", Some("R")), j("create_body"))
        .await
        .unwrap();
    let company = s.upsert_applicant(&legal_entity()).await.unwrap();
    let person = s.upsert_applicant(&individual()).await.unwrap();
    let card = |body: i64, day: &str, due: &str, applicant: i64| {
        let mut c = new_card(body, day);
        c.applicant_id = Some(applicant);
        (c, vec![deadline("answer", due)])
    };
    let make = |c: (NewCard, Vec<StoredDeadline>)| async move {
        s.create_card(&c.0, &c.1, j("receive")).await.unwrap().id
    };
    let step = |id: i64, from: CardState, to: CardState, u: CardUpdate, at: &str| {
        let at = at.to_owned();
        async move {
            s.transition_card(
                id,
                from,
                to,
                &u,
                &[],
                JournalDraft::new(t(&at), "test", "", "step"),
            )
            .await
            .unwrap()
        }
    };
    // The hand-counted fixture (period 2026; judged on 1 April 2026):
    // 1. R, 2 March, a person, answered "satisfied" on 10 March, term 20 March: in term.
    let a1 = make(card(parent.id, "2026-03-02", "2026-03-20", person)).await;
    step(
        a1,
        CardState::Received,
        CardState::Answered,
        CardUpdate {
            decision: Some("satisfied".into()),
            ..CardUpdate::default()
        },
        "2026-03-10",
    )
    .await;
    // 2. R, 3 March, a company, answered "refused" on 25 March: late.
    let a2 = make(card(parent.id, "2026-03-03", "2026-03-20", company)).await;
    step(
        a2,
        CardState::Received,
        CardState::Answered,
        CardUpdate {
            decision: Some("refused".into()),
            ..CardUpdate::default()
        },
        "2026-03-25",
    )
    .await;
    // 3. R, 4 March, redirected to RC on 5 March; RC's card of 5 March is still open, due
    //    20 April: in term. Inside the roll-up it counts once, at RC.
    let a3 = make(card(parent.id, "2026-03-04", "2026-03-20", person)).await;
    step(
        a3,
        CardState::Received,
        CardState::Redirected,
        CardUpdate {
            redirected_to_body_id: Some(child.id),
            ..CardUpdate::default()
        },
        "2026-03-05",
    )
    .await;
    let b3 = make(card(child.id, "2026-03-05", "2026-04-20", person)).await;
    // 4. RC, 6 March, a repeated appeal attached to RC's card of 5 March.
    let b4 = make(card(child.id, "2026-03-06", "2026-04-20", person)).await;
    step(
        b4,
        CardState::Received,
        CardState::Attached,
        CardUpdate {
            main_card_id: Some(b3),
            ..CardUpdate::default()
        },
        "2026-03-06",
    )
    .await;
    // 5. RC, 9 March, open, due 25 March: overdue on 1 April.
    make(card(child.id, "2026-03-09", "2026-03-25", company)).await;
    // 6. R, 30 December 2025 and RC, 1 January 2027: outside the period on either side.
    make(card(parent.id, "2025-12-30", "2026-01-20", person)).await;
    make(card(child.id, "2027-01-01", "2027-01-20", person)).await;

    let groups = s
        .report_groups(
            &[parent.id, child.id],
            t("2026-01-01"),
            t("2027-01-01"),
            t("2026-04-01"),
        )
        .await
        .unwrap();
    let only = |id| BTreeSet::from([id]);
    let r = OneOl::from_groups(&groups, &only(parent.id));
    assert_eq!(
        r.received, 3,
        "R alone: its three cards, the redirected one included"
    );
    assert_eq!(r.by_resolution.get("satisfied"), Some(&1));
    assert_eq!(r.by_resolution.get("refused"), Some(&1));
    assert_eq!(r.by_resolution.get("redirected"), Some(&1));
    assert_eq!(r.by_applicant.get("legal_entity"), Some(&1));
    assert_eq!((r.closed_in_term, r.closed_late), (2, 1));
    let c = OneOl::from_groups(&groups, &only(child.id));
    assert_eq!(c.received, 3);
    assert_eq!((c.repeated, c.by_resolution.get("attached")), (1, Some(&1)));
    assert_eq!(
        (c.open_in_term, c.open_overdue, c.closed_in_term),
        (1, 1, 1)
    );
    let both = OneOl::from_groups(&groups, &BTreeSet::from([parent.id, child.id]));
    assert_eq!(
        both.received, 5,
        "the redirect counted once, where it ended"
    );
    assert_eq!(both.by_resolution.get("redirected"), None);
    assert_eq!(both.by_resolution.get("in_progress"), Some(&2));
    assert_eq!(both.by_resolution.values().sum::<i64>(), both.received);
    assert_eq!(
        (
            both.by_applicant.get("individual"),
            both.by_applicant.get("legal_entity")
        ),
        (Some(&3), Some(&2))
    );
    let none = s
        .report_groups(
            &[parent.id],
            t("2025-01-01"),
            t("2025-12-30"),
            t("2026-04-01"),
        )
        .await
        .unwrap();
    assert!(none.is_empty(), "30 December is the first instant outside");

    // The dashboard's figures: receipts per month, hours to answer, survey ratings.
    let months = s
        .received_counts(
            &[parent.id, child.id],
            &[t("2026-02-01"), t("2026-03-01"), t("2026-04-01")],
        )
        .await
        .unwrap();
    assert_eq!(months, vec![0, 6]);
    let hours = s
        .answer_hours_middle(&[parent.id], t("2026-03-01"), t("2026-04-01"))
        .await
        .unwrap();
    assert_eq!(hours, (2, vec![8 * 24, 22 * 24]));
    assert_eq!(
        s.survey_ratings(&[parent.id], t("2026-01-01"), t("2027-01-01"))
            .await
            .unwrap(),
        [0; 5]
    );
}

on_both!(
    /// EA-13, GEN-04: the 1-OL groups come from the database on both backends: terms kept and
    /// broken (overdue reported), redirects counted once where they end, attached repeated
    /// appeals, the period's edges; the dashboard's monthly counts and hours to answer.
    ea_13_gen_04_report_groups_hand_counted,
    report
);

fn import(
    body_id: i64,
    state: CardState,
    executor_id: Option<i64>,
    summary: &str,
    answer_due: Option<(&str, bool)>,
) -> ImportCard {
    let registered = state != CardState::Received;
    ImportCard {
        body_id,
        channel: Channel::Paper,
        kind: AppealKind::Statement,
        state,
        applicant_id: None,
        summary: summary.into(),
        received_at: t("2026-02-20"),
        registered_at: registered.then(|| t("2026-02-21")),
        reg_year: registered.then_some(2026),
        executor_id,
        rulebook_id: "APPC-2021".into(),
        decision: None,
        closed_at: state.is_closed().then(|| t("2026-03-01")),
        archived_at: (state == CardState::Archived).then(|| t("2026-03-02")),
        collective: false,
        deadlines: answer_due
            .map(|(due, paused)| StoredDeadline {
                paused,
                ..deadline("answer", due)
            })
            .into_iter()
            .collect(),
    }
}

async fn import_due_search(db: &Db) {
    use otinish_domain::search::SearchQuery;
    let s = db.store();
    let body = s
        .create_body(&new_body("IM", None), j("create_body"))
        .await
        .unwrap();
    let other = s
        .create_body(&new_body("OT", None), j("create_body"))
        .await
        .unwrap();
    let staff = |login: &str, body_id: i64| NewStaff {
        position: String::new(),
        login: login.into(),
        full_name: login.into(),
        email: None,
        body_id: Some(body_id),
        branch_id: None,
        roles: vec![Role::Executor],
        password_hash: "$argon2id$fake".into(),
        lang: Lang::Ru,
    };
    let ex = s
        .create_staff(&staff("ex.im", body.id), j("create_staff"))
        .await
        .unwrap();
    // One card registered the ordinary way first: imported numbers continue after it.
    let first = s
        .create_card(&new_card(body.id, "2026-02-19"), &[], j("receive"))
        .await
        .unwrap();
    let n1 = s
        .register_card(
            first.id,
            CardState::Received,
            2026,
            t("2026-02-19"),
            None,
            &[],
            &no_notices,
            j("register"),
        )
        .await
        .unwrap();
    assert_eq!(n1.seq, 1);
    let (journal_before, _) = s.journal_head().await.unwrap();

    let cards = vec![
        import(
            body.id,
            CardState::InExecution,
            Some(ex.id),
            "Земельный участок в селе Акколь",
            Some(("2026-03-10", false)),
        ),
        import(
            body.id,
            CardState::InExecution,
            Some(ex.id),
            "Ремонт дороги",
            Some(("2026-03-20", false)),
        ),
        import(
            body.id,
            CardState::Archived,
            Some(ex.id),
            "Земля под огород",
            Some(("2026-03-05", false)),
        ),
        import(
            body.id,
            CardState::InExecution,
            Some(ex.id),
            "Вода в ауле",
            Some(("2026-03-04", true)),
        ),
        import(
            body.id,
            CardState::Registered,
            None,
            "Жер учаскесін беру туралы",
            Some(("2026-03-09", false)),
        ),
        import(
            body.id,
            CardState::Received,
            None,
            "Жерге орналастыру мәселесі",
            None,
        ),
        import(
            other.id,
            CardState::InExecution,
            None,
            "Земельный спор",
            Some(("2026-03-02", false)),
        ),
    ];
    let ids = s.import_cards(&cards, j("import")).await.unwrap();
    assert_eq!(ids.len(), cards.len());
    for (id, c) in ids.iter().zip(&cards) {
        let got = s.card(*id).await.unwrap();
        assert_eq!(
            (got.body_id, got.state, got.summary.as_str()),
            (c.body_id, c.state, c.summary.as_str())
        );
    }
    // Registration numbers: gap-free per body and year, in the order given, after the first.
    let seqs: Vec<Option<i64>> = {
        let mut v = Vec::new();
        for id in &ids {
            v.push(s.card(*id).await.unwrap().reg_number.map(|n| n.seq));
        }
        v
    };
    assert_eq!(
        seqs,
        [Some(2), Some(3), Some(4), Some(5), Some(6), None, Some(1)]
    );
    let next = s
        .create_card(&new_card(body.id, "2026-03-03"), &[], j("receive"))
        .await
        .unwrap();
    let n = s
        .register_card(
            next.id,
            CardState::Received,
            2026,
            t("2026-03-03"),
            None,
            &[],
            &no_notices,
            j("register"),
        )
        .await
        .unwrap();
    assert_eq!(n.seq, 7, "the counter continues after the imported numbers");
    // One journal entry for the whole batch (and one each for the card received and registered).
    let (journal_after, _) = s.journal_head().await.unwrap();
    assert_eq!(journal_after - journal_before, 3);
    assert!(verify_journal(s.as_ref(), |_| {}).await.is_ok());

    // The due list: open, not paused, answer term before the moment, soonest first.
    let until = t("2026-03-12");
    let mine = s
        .due_cards(
            CardScope {
                body_id: body.id,
                executor_id: Some(ex.id),
            },
            until,
            PageRequest::new(Some(10), None),
        )
        .await
        .unwrap();
    assert_eq!(
        mine.items.iter().map(|(c, _)| c.id).collect::<Vec<_>>(),
        [ids[0]]
    );
    assert_eq!(mine.items[0].1, t("2026-03-10"));
    assert_eq!(mine.total, 1);
    let all = s
        .due_cards(
            CardScope {
                body_id: body.id,
                executor_id: None,
            },
            until,
            PageRequest::new(Some(10), None),
        )
        .await
        .unwrap();
    assert_eq!(
        all.items.iter().map(|(c, _)| c.id).collect::<Vec<_>>(),
        [ids[4], ids[0]]
    );
    assert_eq!(all.total, 2);
    let paged = s
        .due_cards(
            CardScope {
                body_id: body.id,
                executor_id: None,
            },
            until,
            PageRequest::new(Some(1), Some(1)),
        )
        .await
        .unwrap();
    assert_eq!(
        (paged.items.len(), paged.items[0].0.id, paged.total),
        (1, ids[0], 2)
    );

    // Search: word prefixes in Russian and Kazakh, case folded, newest first, within the scope.
    let body_scope = CardScope {
        body_id: body.id,
        executor_id: None,
    };
    let find = |q: &str, scope: CardScope, limit: u32| {
        let s = s.clone();
        let q = SearchQuery::parse(q).unwrap();
        async move {
            let (cards, more) = s
                .search_cards(scope, &q, PageRequest::new(Some(limit), None))
                .await
                .unwrap();
            (cards.into_iter().map(|c| c.id).collect::<Vec<_>>(), more)
        }
    };
    assert_eq!(find("земел", body_scope, 10).await, (vec![ids[0]], false));
    assert_eq!(find("ЗЕМЛ", body_scope, 10).await, (vec![ids[2]], false));
    assert_eq!(
        find("жер", body_scope, 10).await,
        (vec![ids[5], ids[4]], false)
    );
    assert_eq!(find("жер", body_scope, 1).await, (vec![ids[5]], true));
    assert_eq!(
        find("учаскесін жер", body_scope, 10).await,
        (vec![ids[4]], false)
    );
    assert_eq!(
        find("мәселесі", body_scope, 10).await,
        (vec![ids[5]], false)
    );
    assert_eq!(find("участок село", body_scope, 10).await, (vec![], false));
    assert_eq!(
        find("участок сел", body_scope, 10).await,
        (vec![ids[0]], false)
    );
    let mine = CardScope {
        body_id: body.id,
        executor_id: Some(ex.id),
    };
    assert_eq!(find("жер", mine, 10).await, (vec![], false));
    assert_eq!(find("ремонт", mine, 10).await, (vec![ids[1]], false));
    // Cards received the ordinary way are indexed too; other bodies' cards are not found.
    assert_eq!(
        find("разъяснить", body_scope, 10).await,
        (vec![next.id, first.id], false)
    );
    assert_eq!(find("спор", body_scope, 10).await, (vec![], false));
    assert_eq!(
        find(
            "спор",
            CardScope {
                body_id: other.id,
                executor_id: None
            },
            10
        )
        .await,
        (vec![ids[6]], false)
    );

    // A page's deadlines in one read: the dates without the explanations.
    let dates = s.deadline_dates(&[ids[0], ids[5], ids[4]]).await.unwrap();
    let got: Vec<(i64, &str, DateTime<Utc>, &str)> = dates
        .iter()
        .map(|(id, d)| (*id, d.key.as_str(), d.due_at, d.explanation.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (ids[0], "answer", t("2026-03-10"), ""),
            (ids[4], "answer", t("2026-03-09"), "")
        ]
    );
    assert!(s.deadline_dates(&[]).await.unwrap().is_empty());

    // Inboxes merge their states newest first and page through them.
    let open = [CardState::Registered, CardState::InExecution];
    let p1 = s
        .inbox(body.id, &open, PageRequest::new(Some(2), None))
        .await
        .unwrap();
    let p2 = s
        .inbox(body.id, &open, PageRequest::new(Some(2), Some(2)))
        .await
        .unwrap();
    let got: Vec<i64> = p1.items.iter().chain(&p2.items).map(|c| c.id).collect();
    // The cards registered the ordinary way count too; the one after the import is the newest.
    assert_eq!(got, [next.id, ids[4], ids[3], ids[1]]);
    assert_eq!((p1.total, p2.total), (6, 6));
    let mine = s
        .cards_of_executor(ex.id, &open, PageRequest::new(Some(10), None))
        .await
        .unwrap();
    assert_eq!(
        mine.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [ids[3], ids[1], ids[0]]
    );
    // Counting stops past the cap.
    let many: Vec<ImportCard> = (0..=COUNT_CAP)
        .map(|_| import(other.id, CardState::Archived, None, "Архив", None))
        .collect();
    let many_ids = s.import_cards(&many, j("import")).await.unwrap();
    let archived = s
        .inbox(
            other.id,
            &[CardState::Archived, CardState::InExecution],
            PageRequest::new(Some(3), None),
        )
        .await
        .unwrap();
    assert_eq!(archived.total, COUNT_CAP + 1);
    assert_eq!(archived.items[0].id, many_ids[many_ids.len() - 1]);

    // By registration number, whole or in part, and by who applied: the applicant's IIN and
    // names, including after the applicant's record changes; a number outranks the words.
    let akhmetova = Applicant::Individual {
        iin: otinish_domain::ids::Iin::parse("791028302728").unwrap(),
        surname: "Ахметова".into(),
        name: "Жанар".into(),
        patronymic: None,
        email: None,
        phone: None,
        address: "Астана".into(),
        lang: Lang::Kk,
    };
    let who = s.upsert_applicant(&akhmetova).await.unwrap();
    let hers = s
        .create_card(
            &NewCard {
                applicant_id: Some(who),
                summary: "Прошу сообщить 000003 раз".into(),
                ..new_card(body.id, "2026-03-04")
            },
            &[],
            j("receive"),
        )
        .await
        .unwrap();
    let hers_no = s
        .register_card(
            hers.id,
            CardState::Received,
            2026,
            t("2026-03-04"),
            None,
            &[],
            &no_notices,
            j("register"),
        )
        .await
        .unwrap();
    assert_eq!(hers_no.to_string(), "IM-2026-000008");
    assert_eq!(
        find("IM-2026-000008", body_scope, 10).await,
        (vec![hers.id], false)
    );
    assert_eq!(find("000008", body_scope, 10).await, (vec![hers.id], false));
    assert_eq!(
        find("im 2026 8", body_scope, 10).await,
        (vec![hers.id], false)
    );
    assert_eq!(
        find("IM-2026-000004", body_scope, 10).await,
        (vec![ids[2]], false)
    );
    // "000003" is card 3's number and also a word in Akhmetova's summary: the number first.
    assert_eq!(
        find("000003", body_scope, 10).await,
        (vec![ids[1], hers.id], false)
    );
    assert_eq!(
        find("791028302728", body_scope, 10).await,
        (vec![hers.id], false)
    );
    assert_eq!(
        find("7910283", body_scope, 10).await,
        (vec![hers.id], false)
    );
    assert_eq!(
        find("ахметова жанар", body_scope, 10).await,
        (vec![hers.id], false)
    );
    assert_eq!(
        find(
            "ахметова",
            CardScope {
                body_id: other.id,
                executor_id: None
            },
            10
        )
        .await,
        (vec![], false)
    );
    let renamed = match akhmetova {
        Applicant::Individual { surname: _, .. } => Applicant::Individual {
            surname: "Сейтова".into(),
            iin: otinish_domain::ids::Iin::parse("791028302728").unwrap(),
            name: "Жанар".into(),
            patronymic: None,
            email: None,
            phone: None,
            address: "Астана".into(),
            lang: Lang::Kk,
        },
        other => other,
    };
    s.upsert_applicant(&renamed).await.unwrap();
    assert_eq!(find("ахметова", body_scope, 10).await, (vec![], false));
    assert_eq!(
        find("сейтова", body_scope, 10).await,
        (vec![hers.id], false)
    );

    // Staff lists filter and sort: by answer term (soonest first, none last), by executor, by
    // channel, by state; the filter and the order hold across pages.
    let open = [CardState::Registered, CardState::InExecution];
    let list = |filter: CardFilter, sort: CardSort, page: PageRequest| {
        let s = s.clone();
        async move {
            let p = s
                .card_list(body.id, &open, &filter, sort, page)
                .await
                .unwrap();
            (
                p.items.into_iter().map(|c| c.id).collect::<Vec<_>>(),
                p.total,
            )
        }
    };
    let all = PageRequest::new(Some(20), None);
    let by_term = vec![ids[3], ids[4], ids[0], ids[1], first.id, next.id, hers.id];
    assert_eq!(
        list(CardFilter::default(), CardSort::Term, all).await,
        (by_term.clone(), 7)
    );
    assert_eq!(
        list(
            CardFilter::default(),
            CardSort::Term,
            PageRequest::new(Some(2), Some(2))
        )
        .await,
        (by_term[2..4].to_vec(), 7)
    );
    // Due before the 10th: the paused term and the one ending on the 10th itself are not.
    assert_eq!(
        list(
            CardFilter {
                answer_due_before: Some(t("2026-03-10")),
                ..CardFilter::default()
            },
            CardSort::Term,
            all
        )
        .await,
        (vec![ids[4]], 1)
    );
    assert_eq!(
        list(
            CardFilter {
                executor_id: Some(ex.id),
                ..CardFilter::default()
            },
            CardSort::Executor,
            all
        )
        .await,
        (vec![ids[3], ids[1], ids[0]], 3)
    );
    assert_eq!(
        list(
            CardFilter {
                channel: Some(Channel::Portal),
                kind: Some(AppealKind::Statement),
                ..CardFilter::default()
            },
            CardSort::ReceivedOldest,
            all
        )
        .await,
        (vec![first.id, next.id, hers.id], 3)
    );
    assert_eq!(
        list(
            CardFilter {
                kind: Some(AppealKind::Complaint),
                ..CardFilter::default()
            },
            CardSort::Term,
            all
        )
        .await,
        (vec![], 0)
    );
    let (by_state, _) = list(CardFilter::default(), CardSort::State, all).await;
    let mut states = Vec::new();
    for id in &by_state {
        states.push(s.card(*id).await.unwrap().state);
    }
    let rank = |st: &CardState| CardState::ALL.iter().position(|x| x == st).unwrap();
    assert!(
        states.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "{states:?}"
    );
    assert_eq!(states.first(), Some(&CardState::Registered));
    assert_eq!(states.last(), Some(&CardState::InExecution));
}

on_both!(
    /// Importing cards keeps numbering gap-free and journals the batch; the due list and the
    /// full-text search (Russian and Kazakh) work on both backends.
    import_due_search_cards,
    import_due_search
);

/// SQLite group commit: every acknowledged write is covered by a flush of the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_group_commit_flushes_before_acknowledging() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("g.db")).await.unwrap();
    store.migrate().await.unwrap();
    let s: Arc<dyn Store> = Arc::new(store.clone());
    let body = s
        .create_body(&new_body("GC", None), j("create_body"))
        .await
        .unwrap();
    let (before, _) = store.flush_counts();
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let s = s.clone();
            tokio::spawn(async move {
                s.create_card(&new_card(body.id, "2026-03-02"), &[], j("receive"))
                    .await
                    .unwrap();
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let (flushed, flushes) = store.flush_counts();
    assert!(
        flushed >= before + 64,
        "all 64 acknowledged commits are flushed ({flushed})"
    );
    assert!(flushes >= 1);
    // Concurrent commits may share a flush (how often depends on the disk's speed); there are
    // never more flushes than commits.
    assert!(
        flushes <= flushed,
        "{flushes} flushes for {flushed} commits"
    );
    // The log really is where the commits went.
    assert!(dir.path().join("g.db-wal").metadata().unwrap().len() > 0);
}

/// PostgreSQL with `synchronous_commit = off` acknowledges commits before they are on disk:
/// the store refuses to open on it, saying why and how to go on, unless told to allow it.
#[tokio::test]
async fn postgres_without_synchronous_commit_is_refused() {
    let Some(db) = postgres("postgres_without_synchronous_commit_is_refused").await else {
        return;
    };
    let Db::Pg(_, _, name) = &db else {
        unreachable!()
    };
    let url = std::env::var("OTINISH_TEST_POSTGRES_URL").unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    let plain = format!("{base}/{name}");
    let dir = tempfile::tempdir().unwrap();
    otinish_store::open(Some(&plain), dir.path(), false, false)
        .await
        .unwrap();
    let off = format!("{plain}?options[synchronous_commit]=off");
    let refused = otinish_store::open(Some(&off), dir.path(), false, false)
        .await
        .err()
        .expect("refused");
    let why = refused.to_string();
    assert!(
        why.contains("synchronous_commit = off")
            && why.contains("power cut")
            && why.contains("--allow-async-commit"),
        "{why}"
    );
    otinish_store::open(Some(&off), dir.path(), false, true)
        .await
        .unwrap();
    db.close().await;
}

/// A failed fsync of the log is fatal: the write waiting for it is not acknowledged, and no
/// later write is — not even the retry of that appeal, which would otherwise find it committed
/// (but perhaps not on disk) and answer that it is stored. Reads go on; `failed` says why, for
/// the server to exit on, and the readiness probe fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_failed_flush_stops_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("f.db")).await.unwrap();
    store.migrate().await.unwrap();
    let s: Arc<dyn Store> = Arc::new(store.clone());
    let body = s
        .create_body(&new_body("FS", None), j("create_body"))
        .await
        .unwrap();
    assert_eq!(s.failed(), None);
    let (first, new) = s
        .submit_appeal(&new_appeal(body.id, "before"), j("submit"))
        .await
        .unwrap();
    assert!(new);

    store.inject_flush_failure();
    let lost = s
        .submit_appeal(&new_appeal(body.id, "during"), j("submit"))
        .await;
    assert!(
        matches!(&lost, Err(StoreError::Backend(m)) if m.contains("fsync failed")),
        "{lost:?}"
    );
    let why = s.failed().expect("the store says it failed");
    assert!(why.contains("no more writes"), "{why}");
    // The retry of the unacknowledged appeal is refused, not answered from the log.
    let retry = s
        .submit_appeal(&new_appeal(body.id, "during"), j("submit"))
        .await;
    assert!(matches!(retry, Err(StoreError::Backend(_))), "{retry:?}");
    // So is any other write, and the readiness probe.
    assert!(s
        .create_body(&new_body("FS2", None), j("create_body"))
        .await
        .is_err());
    assert!(s.ping().await.is_err());
    // What was acknowledged before is still read.
    assert_eq!(s.card(first).await.unwrap().id, first);
}

async fn vks_schedules_and_bookings(db: &Db) {
    use chrono::NaiveDateTime;
    use otinish_domain::vks::{Quarter, ScheduleState as S, SlotDraft};
    let s = db.store();
    let body = s
        .create_body(&new_body("VKS", None), j("create_body"))
        .await
        .unwrap();
    let head = s
        .add_official(&NewOfficial {
            body_id: body.id,
            full_name: "Асқаров Ерлан".into(),
            position: Names::new("Министр", "Министр", "Minister"),
            rank: OfficialRank::FirstHead,
            seniority: 0,
        })
        .await
        .unwrap();
    let branch = s
        .create_branch(&NewBranch {
            code: "AST-V".into(),
            name: Names::new("Астана", "ЦОН Астана", "Astana PSC"),
            region: Names::new("Астана", "Астана", "Astana"),
            address: Names::new("Мәңгілік Ел 8", "Мангилик Ел 8", "Mangilik El 8"),
            vks_equipment: true,
            booths: 1,
            phone: None,
        })
        .await
        .unwrap();
    let staff = s
        .create_staff(
            &NewStaff {
                position: String::new(),
                login: "secretary.vks".into(),
                full_name: "Secretary".into(),
                email: None,
                body_id: Some(body.id),
                branch_id: None,
                roles: vec![Role::ReceptionSecretary],
                password_hash: "$argon2id$fake".into(),
                lang: Lang::Ru,
            },
            j("create_staff"),
        )
        .await
        .unwrap();
    let q = Quarter::parse("2026-Q2").unwrap();
    let due = NaiveDate::from_ymd_opt(2026, 3, 17);
    let sched = s
        .create_schedule(body.id, q, staff.id, due, j("draft"))
        .await
        .unwrap();
    assert_eq!(
        (sched.state, sched.quarter, sched.due_on),
        (S::Draft, q, due)
    );
    assert!(matches!(
        s.create_schedule(body.id, q, staff.id, due, j("draft"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let at = |v: &str| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M").unwrap();
    let slot = |v: &str| SlotDraft {
        official_id: head.id,
        starts: at(v),
        minutes: 30,
        vks: true,
    };
    s.replace_slots(
        sched.id,
        S::Draft,
        &[slot("2026-04-02 11:00"), slot("2026-04-02 10:00")],
        j("slots"),
    )
    .await
    .unwrap();
    let slots = s.slots(sched.id).await.unwrap();
    assert_eq!(
        slots.iter().map(|x| x.starts).collect::<Vec<_>>(),
        [at("2026-04-02 10:00"), at("2026-04-02 11:00")]
    );
    assert!(slots.iter().all(|x| !x.booked && x.vks && x.minutes == 30));

    // The steps, each recording who and when; slots are fixed once approved.
    let step = |by: i64, day: &str| ScheduleStep { by, at: t(day) };
    s.move_schedule(
        sched.id,
        S::Draft,
        S::Approved,
        &step(staff.id, "2026-03-02"),
        j("approve"),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.replace_slots(sched.id, S::Draft, &[slot("2026-04-03 10:00")], j("slots"))
            .await,
        Err(StoreError::Stale(_))
    ));
    assert!(matches!(
        s.move_schedule(
            sched.id,
            S::Draft,
            S::Approved,
            &step(staff.id, "2026-03-02"),
            j("approve")
        )
        .await,
        Err(StoreError::Stale(_))
    ));
    s.move_schedule(
        sched.id,
        S::Approved,
        S::Agreed,
        &step(staff.id, "2026-03-10"),
        j("agree"),
    )
    .await
    .unwrap();
    s.move_schedule(
        sched.id,
        S::Agreed,
        S::Published,
        &step(staff.id, "2026-03-11"),
        j("publish"),
    )
    .await
    .unwrap();
    let got = s.schedule(sched.id).await.unwrap();
    assert_eq!(got.state, S::Published);
    assert_eq!(
        (got.approved_at, got.sent_at, got.published_at),
        (
            Some(t("2026-03-02")),
            Some(t("2026-03-10")),
            Some(t("2026-03-11"))
        )
    );
    assert_eq!(s.schedules_of_body(body.id).await.unwrap().len(), 1);
    assert_eq!(
        s.schedules_in_state(S::Published)
            .await
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>(),
        [sched.id]
    );
    assert!(s.schedules_in_state(S::Draft).await.unwrap().is_empty());

    // Booking: the first takes the slot, with a card; the second is refused.
    let applicant_id = s.upsert_applicant(&individual()).await.unwrap();
    let booking = |slot_id: i64, key: &str| NewBooking {
        slot_id,
        branch_id: branch.id,
        form: "{}".into(),
        appeal: NewAppeal {
            card: NewCard {
                channel: Channel::Vks,
                kind: AppealKind::Request,
                applicant_id: Some(applicant_id),
                ..new_card(body.id, "2026-03-12")
            },
            attachments: vec![],
            deadlines: vec![deadline("decision", "2026-03-17")],
            ..new_appeal(body.id, key)
        },
    };
    let card_id = s
        .book_slot(&booking(slots[0].id, "vks-1"), j("book"))
        .await
        .unwrap();
    // The same request again is the same booking.
    assert_eq!(
        s.book_slot(&booking(slots[0].id, "vks-1"), j("book"))
            .await
            .unwrap(),
        card_id
    );
    let card = s.card(card_id).await.unwrap();
    assert_eq!(
        (card.channel, card.state),
        (Channel::Vks, CardState::Received)
    );
    assert_eq!(s.deadlines(card_id).await.unwrap().len(), 1);
    assert!(s.slot(slots[0].id).await.unwrap().booked);
    assert!(matches!(
        s.book_slot(&booking(slots[0].id, "vks-2"), j("book")).await,
        Err(StoreError::Conflict(_))
    ));
    let mine = s.bookings_of_applicant(applicant_id).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].card.id, mine[0].slot.id, mine[0].branch_id),
        (card_id, slots[0].id, branch.id)
    );
    assert_eq!(s.booking_of_card(card_id).await.unwrap(), mine[0]);
    // VC-04: the body's inbox of VKS requests holds the card.
    let vks = s
        .channel_inbox(
            body.id,
            Channel::Vks,
            &[CardState::Received],
            PageRequest::new(Some(10), None),
        )
        .await
        .unwrap();
    assert_eq!(
        vks.items.iter().map(|c| c.id).collect::<Vec<_>>(),
        [card_id]
    );
    let paper = s
        .channel_inbox(
            body.id,
            Channel::Paper,
            &[CardState::Received],
            PageRequest::new(Some(10), None),
        )
        .await
        .unwrap();
    assert_eq!(paper.total, 0);

    // VC-02: fifty simultaneous bookings of one slot give exactly one.
    let tasks: Vec<_> = (0..50)
        .map(|i| {
            let s = s.clone();
            let b = booking(slots[1].id, &format!("race-{i}"));
            tokio::spawn(async move { s.book_slot(&b, j("book")).await })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(StoreError::Conflict(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(ok, 1);
    // The refused bookings left no cards behind: two cards in all.
    let all = s
        .cards_of_body(body.id, PageRequest::new(Some(100), None))
        .await
        .unwrap();
    assert_eq!(all.total, 2);

    // The reception's steps, each checked against the state it starts from.
    use otinish_domain::reception::ReceptionState as R;
    let first = s.booking_of_card(card_id).await.unwrap();
    assert_eq!(first.state, R::Requested);
    let to_operator = |kind: &str| NewVksMessage {
        branch_id: None,
        kind: kind.into(),
        text: "MJ 02.04.2026 10:00".into(),
    };
    let to_branch = |kind: &str| NewVksMessage {
        branch_id: Some(branch.id),
        kind: kind.into(),
        text: "MJ 02.04.2026 10:00".into(),
    };
    s.update_reception(
        first.id,
        R::Requested,
        R::Appointed,
        &ReceptionUpdate {
            decided_at: Some(t("2026-03-13")),
            room: Some("otinish-mj-1".into()),
            ..ReceptionUpdate::default()
        },
        Some(&CardMove {
            from: CardState::Received,
            to: CardState::Registered,
            update: CardUpdate::default(),
        }),
        &[notice(
            card_id,
            applicant_id,
            otinish_domain::notice::NoticeChannel::Cabinet,
        )],
        &[to_operator("appointed"), to_branch("appointed")],
        j("vks_appoint"),
    )
    .await
    .unwrap();
    // VC-11: the applicant, the operator and the branch are told.
    assert_eq!(s.vks_messages(None).await.unwrap().len(), 1);
    let at_branch = s.vks_messages(Some(branch.id)).await.unwrap();
    assert_eq!(
        (
            at_branch.len(),
            at_branch[0].booking_id,
            at_branch[0].kind.as_str()
        ),
        (1, Some(first.id), "appointed")
    );
    assert_eq!(s.card(card_id).await.unwrap().state, CardState::Registered);
    assert!(matches!(
        s.update_reception(
            first.id,
            R::Requested,
            R::Appointed,
            &ReceptionUpdate::default(),
            None,
            &[],
            &[],
            j("vks_appoint"),
        )
        .await,
        Err(StoreError::Stale(_))
    ));
    // VC-14: a change to a booked time is refused by the database, and nothing is written.
    assert!(matches!(
        s.update_reception(
            first.id,
            R::Appointed,
            R::Appointed,
            &ReceptionUpdate {
                slot_id: Some(slots[1].id),
                ..ReceptionUpdate::default()
            },
            None,
            &[],
            &[to_branch("changed")],
            j("vks_reschedule"),
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.vks_messages(Some(branch.id)).await.unwrap().len(), 1);
    // VC-16: checked in at the branch.
    let arrived = at("2026-04-02 09:40");
    s.update_reception(
        first.id,
        R::Appointed,
        R::CheckedIn,
        &ReceptionUpdate {
            arrived_at: Some(arrived),
            id_document: Some("ID card 041234567".into()),
            ..ReceptionUpdate::default()
        },
        None,
        &[],
        &[],
        j("vks_check_in"),
    )
    .await
    .unwrap();
    let got = s.booking(first.id).await.unwrap();
    assert_eq!(
        (
            got.state,
            got.arrived_at,
            got.room.as_deref(),
            got.decided_at
        ),
        (
            R::CheckedIn,
            Some(arrived),
            Some("otinish-mj-1"),
            Some(t("2026-03-13"))
        )
    );
    let day = |from: &str, to: &str, states: Vec<R>| ReceptionFilter {
        body_id: None,
        branch_id: Some(branch.id),
        from: at(from),
        to: at(to),
        states,
    };
    let listed = s
        .receptions(&day("2026-04-02 00:00", "2026-04-03 00:00", vec![]))
        .await
        .unwrap();
    assert_eq!(listed.len(), 2);
    let checked = s
        .receptions(&day(
            "2026-04-02 00:00",
            "2026-04-03 00:00",
            vec![R::CheckedIn],
        ))
        .await
        .unwrap();
    assert_eq!(checked.iter().map(|b| b.id).collect::<Vec<_>>(), [first.id]);
    assert!(s
        .receptions(&day("2026-04-03 00:00", "2026-04-04 00:00", vec![]))
        .await
        .unwrap()
        .is_empty());
    // VC-09 (2): a refusal frees the slot for somebody else.
    let other = listed.iter().find(|b| b.id != first.id).unwrap();
    s.update_reception(
        other.id,
        R::Requested,
        R::Refused,
        &ReceptionUpdate {
            decided_at: Some(t("2026-03-13")),
            ..ReceptionUpdate::default()
        },
        None,
        &[],
        &[],
        j("vks_refuse"),
    )
    .await
    .unwrap();
    assert!(!s.slot(slots[1].id).await.unwrap().booked);
    assert_eq!(s.booking(other.id).await.unwrap().state, R::Refused);
    s.book_slot(&booking(slots[1].id, "after-refusal"), j("book"))
        .await
        .unwrap();
    assert!(s.slot(slots[1].id).await.unwrap().booked);

    // VC-12, VC-13: a month's timetable is sent once and published once.
    let month = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    let tt = NewTimetable {
        body_id: body.id,
        month,
        due_on: Some(NaiveDate::from_ymd_opt(2026, 3, 27).unwrap()),
        sent_at: t("2026-03-20"),
        sent_by: staff.id,
        publish_due_on: Some(NaiveDate::from_ymd_opt(2026, 3, 23).unwrap()),
        entries: "[]".into(),
    };
    let tt_id = s
        .send_timetable(&tt, &[to_operator("timetable")], j("vks_timetable"))
        .await
        .unwrap();
    assert!(matches!(
        s.send_timetable(&tt, &[], j("vks_timetable")).await,
        Err(StoreError::Conflict(_))
    ));
    s.publish_timetable(tt_id, staff.id, t("2026-03-23"), j("publish"))
        .await
        .unwrap();
    assert!(matches!(
        s.publish_timetable(tt_id, staff.id, t("2026-03-23"), j("publish"))
            .await,
        Err(StoreError::Stale(_))
    ));
    let got = s.timetable(tt_id).await.unwrap();
    assert_eq!(
        (got.month, got.published_at, got.publish_due_on),
        (month, Some(t("2026-03-23")), tt.publish_due_on)
    );
    assert_eq!(s.timetables(Some(body.id)).await.unwrap().len(), 1);
    assert_eq!(s.timetables(None).await.unwrap().len(), 1);
    assert_eq!(s.vks_messages(None).await.unwrap().len(), 2);
}

on_both!(
    /// VC-02, VC-05, VC-06: schedules move through their steps; a slot is booked once, also
    /// under fifty simultaneous attempts. VC-09, VC-11, VC-12, VC-13, VC-14, VC-16: the
    /// reception's steps, messages and monthly timetables are stored as the domain decides.
    vc_02_vc_05_schedules_and_bookings,
    vks_schedules_and_bookings
);

async fn video_appeals(db: &Db) {
    let s = db.store();
    let body = s
        .create_body(&new_body("VID", None), j("create_body"))
        .await
        .unwrap();
    let branch = s
        .create_branch(&NewBranch {
            code: "AST-VA".into(),
            name: Names::new("Астана", "ЦОН Астана", "Astana PSC"),
            region: Names::new("Астана", "Астана", "Astana"),
            address: Names::new("Мәңгілік Ел 8", "Мангилик Ел 8", "Mangilik El 8"),
            vks_equipment: false,
            booths: 2,
            phone: None,
        })
        .await
        .unwrap();
    let operator = s
        .create_staff(
            &NewStaff {
                position: String::new(),
                login: "psc.va".into(),
                full_name: "Operator".into(),
                email: None,
                body_id: None,
                branch_id: Some(branch.id),
                roles: vec![Role::BranchOperator],
                password_hash: "$argon2id$fake".into(),
                lang: Lang::Ru,
            },
            j("create_staff"),
        )
        .await
        .unwrap();
    let entry = |name: &str, iin: &str, session: &str| NewVaEntry {
        branch_id: branch.id,
        staff_id: operator.id,
        document_kind: "id_card".into(),
        document_number: "041234567".into(),
        iin: iin.into(),
        full_name: name.into(),
        created_at: t("2026-03-02"),
        session_hash: session.into(),
    };
    let first = s
        .add_va_entry(&entry("АХМЕТОВ БАУЫРЖАН", "791028302728", "s1"), j("va"))
        .await
        .unwrap();
    s.add_va_entry(&entry("ИВАНОВА АННА", "880101400123", "s2"), j("va"))
        .await
        .unwrap();
    // A session token opens one entry only.
    assert!(matches!(
        s.add_va_entry(&entry("X", "1", "s1"), j("va")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.va_entry_by_session("s1").await.unwrap().id, first);
    assert!(matches!(
        s.va_entry_by_session("nope").await,
        Err(StoreError::NotFound(_))
    ));
    let all = PageRequest::new(Some(10), None);
    assert_eq!(
        s.va_journal(Some(branch.id), None, all)
            .await
            .unwrap()
            .total,
        2
    );
    let found = s
        .va_journal(Some(branch.id), Some("ахмет"), all)
        .await
        .unwrap();
    assert_eq!(
        found.items.iter().map(|e| e.id).collect::<Vec<_>>(),
        [first]
    );
    assert_eq!(
        s.va_journal(None, Some("880101"), all).await.unwrap().total,
        1
    );

    // VA-08: the appeal with its recording; the entry shows where it led.
    let video = |key: &str, code: &str| NewVideoAppeal {
        journal_id: first,
        branch_id: branch.id,
        recording_key: "ab/cd".into(),
        recording_sha256: "cd".repeat(32),
        recording_bytes: 11_719,
        duration_ms: 5_000,
        code_hash: code.into(),
        details: "{}".into(),
        appeal: NewAppeal {
            card: NewCard {
                channel: Channel::VideoAppeal,
                ..new_card(body.id, "2026-03-02")
            },
            attachments: vec![],
            ..new_appeal(body.id, key)
        },
    };
    let (card, fresh) = s
        .submit_video_appeal(&video("va-1", "code-1"), j("va_submit"))
        .await
        .unwrap();
    assert!(fresh);
    assert_eq!(
        s.submit_video_appeal(&video("va-1", "code-9"), j("va_submit"))
            .await
            .unwrap(),
        (card, false),
        "the same submission is one appeal"
    );
    assert!(
        s.video_appeal_by_code("code-9").await.is_err(),
        "and keeps its first code"
    );
    assert_eq!(s.va_entry(first).await.unwrap().cards, [card]);
    let got = s.video_appeal_by_code("code-1").await.unwrap();
    assert_eq!((got.card_id, got.duration_ms), (card, 5_000));
    assert_eq!(s.video_appeal(card).await.unwrap(), got);
    assert_eq!(s.card(card).await.unwrap().channel, Channel::VideoAppeal);
    assert!(matches!(
        s.video_appeal_by_code("code-2").await,
        Err(StoreError::NotFound(_))
    ));
    // VA-13: failed look-ups are counted per client within a window.
    for d in ["2026-03-02", "2026-03-03", "2026-03-03"] {
        s.note_failed_attempt("10.0.0.7", t(d)).await.unwrap();
    }
    assert_eq!(
        s.failed_attempts("10.0.0.7", t("2026-03-03"))
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        s.failed_attempts("10.0.0.8", t("2026-03-01"))
            .await
            .unwrap(),
        0
    );
}

on_both!(
    /// VA-02, VA-08, VA-13: the branch journal, the video appeal with its recording and code,
    /// and the count of failed look-ups.
    va_02_va_08_journal_video_appeals_and_lookups,
    video_appeals
);

/// Files: the same calls on the local disk, in an object store, and in S3 through the
/// `object_store` client when `OTINISH_TEST_S3_URL` names a bucket of a local S3-compatible
/// server (CI starts one); content-addressed, stored once, keys that could escape refused.
#[tokio::test]
async fn files_on_local_disk_and_object_storage() {
    use otinish_store::files::{FileError, FileStore};
    let dir = tempfile::tempdir().unwrap();
    let mut stores = vec![
        FileStore::new(dir.path()),
        FileStore::object(std::sync::Arc::new(object_store::memory::InMemory::new())),
    ];
    match std::env::var("OTINISH_TEST_S3_URL") {
        Ok(url) => stores.push(FileStore::s3(&url).unwrap_or_else(|e| panic!("{url}: {e}"))),
        Err(_) => {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_S3").is_none(),
                "OTINISH_REQUIRE_S3 is set but OTINISH_TEST_S3_URL is not"
            );
            eprintln!("SKIPPED S3: OTINISH_TEST_S3_URL is not set");
        }
    }
    for fs in &stores {
        let unique = format!("hello {} {}", fs.kind(), std::process::id());
        let a = fs.put(unique.as_bytes()).await.unwrap();
        assert_eq!(a.sha256.len(), 64);
        assert_eq!(a.key, format!("{}/{}", &a.sha256[..2], a.sha256));
        assert_eq!(fs.put(unique.as_bytes()).await.unwrap(), a);
        assert_eq!(fs.get(&a.key).await.unwrap(), unique.as_bytes());
        let fixed = fs.put(b"hello").await.unwrap();
        assert_eq!(
            fixed.sha256,
            "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
        );
        assert!(matches!(
            fs.get("../../etc/passwd").await,
            Err(FileError::BadKey)
        ));
        let missing = format!("00/{}", "0".repeat(64));
        assert!(fs.get(&missing).await.is_err());
    }
}

/// The same new attachment in twelve appeals at once is stored once, by every one of them
/// (each writer has a temporary file of its own); and a file left truncated under its final
/// name (a crash of an older version between write and sync) is found by its hash and
/// rewritten, not taken as stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_files_at_once_and_a_truncated_file_repaired() {
    use otinish_store::files::FileStore;
    let dir = tempfile::tempdir().unwrap();
    let fs = FileStore::new(dir.path());
    let pdf: Vec<u8> = b"%PDF-1.7\n"
        .iter()
        .copied()
        .chain((0..2_000_000u32).map(|i| (i % 251) as u8))
        .collect();
    let puts: Vec<_> = (0..12)
        .map(|_| {
            let fs = fs.clone();
            let pdf = pdf.clone();
            tokio::spawn(async move { fs.put(&pdf).await })
        })
        .collect();
    let mut stored = Vec::new();
    for put in puts {
        stored.push(put.await.unwrap().unwrap());
    }
    assert!(stored.iter().all(|s| s == &stored[0]));
    assert_eq!(fs.get(&stored[0].key).await.unwrap(), pdf);
    let folder = dir.path().join(&stored[0].key[..2]);
    let left: Vec<_> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(
        left,
        vec![stored[0].sha256.clone()],
        "no temporary file left"
    );

    // Truncated under its final name: the next put of the same bytes repairs it.
    let path = dir.path().join(&stored[0].key);
    std::fs::write(&path, &pdf[..4096]).unwrap();
    assert_eq!(fs.put(&pdf).await.unwrap(), stored[0]);
    assert_eq!(std::fs::read(&path).unwrap(), pdf);
}

async fn personal_reception(db: &Db) {
    use otinish_domain::personal::*;
    let s = db.store();
    let body = s
        .create_body(&new_body("PRB", None), j("create_body"))
        .await
        .unwrap();
    let staff = |login: &str, roles: Vec<Role>, body_id: Option<i64>| NewStaff {
        position: String::new(),
        login: login.into(),
        full_name: login.to_uppercase(),
        email: None,
        body_id,
        branch_id: None,
        roles,
        password_hash: "$argon2id$fake".into(),
        lang: Lang::Ru,
    };
    let gov = s
        .create_staff(&staff("gov", vec![Role::GovernmentOffice], None), j("s"))
        .await
        .unwrap();
    let worker = s
        .create_staff(
            &staff("pr.worker", vec![Role::ReceptionSecretary], Some(body.id)),
            j("s"),
        )
        .await
        .unwrap();
    let month = NaiveDate::from_ymd_opt(2026, 4, 1).unwrap();
    // PR-03, PR-04: the government office's schedule of centers, one per month.
    let sched = s
        .pr_create_schedule(None, month, gov.id, j("pr_schedule"))
        .await
        .unwrap();
    assert!(matches!(
        s.pr_create_schedule(None, month, gov.id, j("pr_schedule"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // PR-01: a body's own office has its own schedule for the same month.
    let own = s
        .pr_create_schedule(Some(body.id), month, worker.id, j("pr_schedule"))
        .await
        .unwrap();
    assert_eq!(s.pr_schedules(Some(body.id)).await.unwrap()[0].id, own);
    let at = |d: u32, h: u32| {
        NaiveDate::from_ymd_opt(2026, 4, d)
            .unwrap()
            .and_hms_opt(h, 0, 0)
            .unwrap()
    };
    let row = |starts, capacity| NewPrSlot {
        body_id: body.id,
        official_id: None,
        official_name: "Ахметов Б.".into(),
        position: "Министр".into(),
        first_head: true,
        starts,
        minutes: 120,
        location: "ЦПГ, Астана, Бейбітшілік 1".into(),
        phone: "+7 7172 00 00 00".into(),
        email: "pr@example.kz".into(),
        capacity,
    };
    let early = s
        .pr_add_slot(sched, &row(at(20, 10), 1), j("pr_slot"))
        .await
        .unwrap();
    let gone = s
        .pr_add_slot(sched, &row(at(21, 10), 3), j("pr_slot"))
        .await
        .unwrap();
    s.pr_remove_slot(gone, j("pr_slot")).await.unwrap();
    assert_eq!(s.pr_slots(sched).await.unwrap().len(), 1);
    // Not offered before it is published.
    assert!(s.pr_open_slots(body.id, at(1, 0)).await.unwrap().is_empty());
    assert!(matches!(
        s.pr_move_schedule(
            sched,
            "approved",
            "published",
            gov.id,
            t("2026-03-20"),
            j("m")
        )
        .await,
        Err(StoreError::Stale(_))
    ));
    s.pr_move_schedule(sched, "draft", "approved", gov.id, t("2026-03-20"), j("m"))
        .await
        .unwrap();
    s.pr_move_schedule(
        sched,
        "approved",
        "published",
        gov.id,
        t("2026-03-21"),
        j("m"),
    )
    .await
    .unwrap();
    let published = s.pr_schedule(sched).await.unwrap();
    assert_eq!(published.state, "published");
    assert_eq!(published.approved_by, Some(gov.id));
    assert!(published.published_at.is_some());
    assert!(matches!(
        s.pr_add_slot(sched, &row(at(22, 10), 1), j("pr_slot"))
            .await,
        Err(StoreError::Stale(_))
    ));
    assert_eq!(s.pr_published(month, month).await.unwrap().len(), 1);
    let open = s.pr_open_slots(body.id, at(1, 0)).await.unwrap();
    assert_eq!((open.len(), open[0].id, open[0].taken), (1, early, 0));
    assert!(s
        .pr_open_slots(body.id, at(20, 11))
        .await
        .unwrap()
        .is_empty());

    // PR-02: sign-ups; the "E-appeals" import is idempotent on its id.
    let signup = |name: &str, ext: Option<&str>, day: &str| NewSignup {
        card: NewCard {
            body_id: body.id,
            channel: Channel::PersonalReception,
            kind: AppealKind::Request,
            applicant_id: None,
            addressee: None,
            summary: format!("{name}: жилищный вопрос"),
            received_at: t(day),
            rulebook_id: "PR-2023".into(),
            collective: false,
        },
        source: if ext.is_some() {
            SignupSource::EAppeals
        } else {
            SignupSource::CallCenter
        },
        external_id: ext.map(str::to_owned),
        full_name: name.into(),
        iin: "791028302728".into(),
        phone: Some("+77011234567".into()),
        email: None,
        citizenship: Citizenship::Kazakhstan,
        question: "Жилищный вопрос".into(),
        arrived_at: t(day),
        queued: false,
        scan_key: None,
        taken_by: Some(worker.id),
        signed_form: None,
        signature: None,
        deadlines: vec![],
        notices: vec![],
    };
    let (a, new_a) = s
        .pr_submit(&signup("Первый", None, "2026-03-23"), j("pr_signup"))
        .await
        .unwrap();
    let (b, new_b) = s
        .pr_submit(
            &signup("Второй", Some("EA-1"), "2026-03-24"),
            j("pr_signup"),
        )
        .await
        .unwrap();
    let (again, new_again) = s
        .pr_submit(
            &signup("Второй", Some("EA-1"), "2026-03-24"),
            j("pr_signup"),
        )
        .await
        .unwrap();
    assert!(new_a && new_b && !new_again);
    assert_eq!(again, b);
    let got = s.pr_signup(a).await.unwrap();
    assert_eq!(
        (got.state, got.card.state, got.source),
        (
            SignupState::Received,
            CardState::Received,
            SignupSource::CallCenter
        )
    );
    // PR-08: registration takes a number and routes to the responsible worker at once.
    for id in [a, b] {
        s.pr_register(
            id,
            2026,
            t("2026-03-24"),
            worker.id,
            &[],
            &|_| vec![],
            j("reg"),
        )
        .await
        .unwrap();
    }
    assert!(matches!(
        s.pr_register(
            a,
            2026,
            t("2026-03-24"),
            worker.id,
            &[],
            &|_| vec![],
            j("reg")
        )
        .await,
        Err(StoreError::Stale(_))
    ));
    let got = s.pr_signup(a).await.unwrap();
    assert_eq!(
        (
            got.state,
            got.card.state,
            got.responsible_id,
            got.card.executor_id
        ),
        (
            SignupState::Routed,
            CardState::InExecution,
            Some(worker.id),
            Some(worker.id)
        )
    );
    assert!(got.card.reg_number.is_some());
    // PR-09: the notes.
    for id in [a, b] {
        s.pr_update(
            id,
            SignupState::Routed,
            &SignupUpdate {
                state: Some(SignupState::Noted),
                note: Some("Справка".into()),
                noted_at: Some(t("2026-03-25")),
                note_due: NaiveDate::from_ymd_opt(2026, 4, 13),
                ..Default::default()
            },
            &[],
            &[],
            j("pr_note"),
        )
        .await
        .unwrap();
    }
    // The same step twice is refused.
    assert!(matches!(
        s.pr_update(
            a,
            SignupState::Routed,
            &SignupUpdate::default(),
            &[],
            &[],
            j("x")
        )
        .await,
        Err(StoreError::Stale(_))
    ));
    // PR-10: a place never takes more than its capacity; a failed distribution leaves both
    // waiting.
    assert!(matches!(
        s.pr_distribute(
            &[(a, early, vec![]), (b, early, vec![])],
            t("2026-03-26"),
            j("d")
        )
        .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.pr_signup(b).await.unwrap().state, SignupState::Noted);
    s.pr_distribute(&[(a, early, vec![])], t("2026-03-26"), j("d"))
        .await
        .unwrap();
    let got = s.pr_signup(a).await.unwrap();
    assert_eq!(
        (got.state, got.slot_id, got.notified_at),
        (SignupState::Scheduled, Some(early), Some(t("2026-03-26")))
    );
    assert_eq!(s.pr_slot(early).await.unwrap().taken, 1);
    let queue = s
        .pr_signups(
            &SignupFilter {
                body_id: Some(body.id),
                states: vec![SignupState::Noted],
                ..Default::default()
            },
            true,
            PageRequest::new(Some(10), None),
        )
        .await
        .unwrap();
    assert_eq!((queue.total, queue.items[0].card.id), (1, b));
    // Held, with the card decided and answered in the same step, and the survey link.
    s.pr_update(
        a,
        SignupState::Scheduled,
        &SignupUpdate {
            state: Some(SignupState::Held),
            outcome: Some(ReceptionOutcome::Consultation),
            outcome_text: Some("Разъяснено".into()),
            closed_at: Some(t("2026-04-20")),
            survey_hash: Some("h1".into()),
            ..Default::default()
        },
        &[
            CardMove {
                from: CardState::InExecution,
                to: CardState::Decided,
                update: CardUpdate {
                    decision: Some("consultation".into()),
                    ..Default::default()
                },
            },
            CardMove {
                from: CardState::Decided,
                to: CardState::Answered,
                update: CardUpdate {
                    answer: Some("Разъяснено".into()),
                    ..Default::default()
                },
            },
        ],
        &[],
        j("pr_held"),
    )
    .await
    .unwrap();
    let by_survey = s.pr_signup_by_survey("h1").await.unwrap();
    assert_eq!(
        (by_survey.card.id, by_survey.card.state),
        (a, CardState::Answered)
    );
    s.pr_update(
        a,
        SignupState::Held,
        &SignupUpdate {
            rating: Some(5),
            surveyed_at: Some(t("2026-04-21")),
            ..Default::default()
        },
        &[],
        &[],
        j("pr_survey"),
    )
    .await
    .unwrap();
    assert_eq!(s.pr_signup(a).await.unwrap().rating, Some(5));
    // PR-12: material requests as tasks.
    let task = s
        .pr_add_task(
            &NewMaterialTask {
                card_id: b,
                unit: "Жилищный отдел".into(),
                assignee_id: worker.id,
                text: "Сведения об очереди".into(),
                due_on: NaiveDate::from_ymd_opt(2026, 4, 10).unwrap(),
                requested_by: worker.id,
                requested_at: t("2026-03-26"),
            },
            j("pr_task"),
        )
        .await
        .unwrap();
    s.pr_answer_task(task, "Очередь № 15", t("2026-03-27"), j("pr_task_answer"))
        .await
        .unwrap();
    assert!(matches!(
        s.pr_answer_task(task, "again", t("2026-03-27"), j("x"))
            .await,
        Err(StoreError::Stale(_))
    ));
    let tasks = s.pr_tasks(Some(b), None).await.unwrap();
    assert_eq!(tasks[0].answer.as_deref(), Some("Очередь № 15"));
    // PR-07: participants of a day.
    s.pr_add_participant(
        &NewParticipant {
            body_id: body.id,
            day: NaiveDate::from_ymd_opt(2026, 4, 20).unwrap(),
            kind: ParticipantKind::Psychologist,
            name: "Сериков А.".into(),
            organisation: String::new(),
            card_id: None,
        },
        j("pr_participant"),
    )
    .await
    .unwrap();
    let days = s
        .pr_participants(
            body.id,
            month,
            NaiveDate::from_ymd_opt(2026, 4, 30).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(days[0].p.kind, ParticipantKind::Psychologist);
    // GEN-06: every step is journaled on the card.
    let steps: Vec<String> = s
        .journal_for(&format!("card:{a}"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.draft.action)
        .collect();
    assert!(steps.contains(&"pr_routed".to_owned()) && steps.contains(&"pr_held".to_owned()));
}

on_both!(
    /// PR-01, PR-04, PR-07, PR-08, PR-10, PR-12, PR-13: schedules of centers and of a body's
    /// own office, sign-ups and their steps, material requests, participants and surveys are
    /// stored as the domain decides, with capacity held under the distribution.
    pr_01_to_pr_13_personal_reception_store,
    personal_reception
);

async fn access_log(db: &Db) {
    let s = db.store();
    let mj = s
        .create_body(&new_body("MJ", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let ast = s
        .create_body(&new_body("AST", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let staff = |login: &'static str, body_id: i64| NewStaff {
        position: String::new(),
        login: login.into(),
        full_name: format!("Сотрудник {login}"),
        email: None,
        body_id: Some(body_id),
        branch_id: None,
        roles: vec![Role::Registrar],
        password_hash: "x".into(),
        lang: Lang::Ru,
    };
    let reg = s
        .create_staff(&staff("reg", mj.id), j("create_staff"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let exec = s
        .create_staff(&staff("exec", mj.id), j("create_staff"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut cards = Vec::new();
    for body in [mj.id, mj.id, ast.id] {
        cards.push(
            s.create_card(&new_card(body, "2026-03-02"), &[], j("receive"))
                .await
                .unwrap_or_else(|e| panic!("{e}")),
        );
    }
    let entries = [
        (reg.id, 0, AccessKind::CardOpened, "2026-03-02"),
        (reg.id, 0, AccessKind::FileDownloaded, "2026-03-03"),
        (exec.id, 1, AccessKind::CardOpened, "2026-03-04"),
        (reg.id, 2, AccessKind::CardOpened, "2026-03-05"),
    ];
    for (staff_id, card, kind, at) in entries {
        let c = &cards[card];
        s.record_access(&NewAccess {
            at: t(at),
            staff_id,
            body_id: c.body_id,
            card_id: c.id,
            kind,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let all = s
        .access_log(mj.id, &AccessFilter::default(), PageRequest::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    // The ministry's record: its three entries, newest first; the other body's is not in it.
    assert_eq!(all.total, 3);
    assert_eq!(
        all.items
            .iter()
            .map(|e| (e.staff_name.as_str(), e.card_id, e.kind, e.at))
            .collect::<Vec<_>>(),
        vec![
            (
                "Сотрудник exec",
                cards[1].id,
                AccessKind::CardOpened,
                t("2026-03-04")
            ),
            (
                "Сотрудник reg",
                cards[0].id,
                AccessKind::FileDownloaded,
                t("2026-03-03")
            ),
            (
                "Сотрудник reg",
                cards[0].id,
                AccessKind::CardOpened,
                t("2026-03-02")
            ),
        ]
    );
    let by_staff = s
        .access_log(
            mj.id,
            &AccessFilter {
                staff_id: Some(reg.id),
                card_id: None,
            },
            PageRequest::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(by_staff.total, 2);
    let by_card = s
        .access_log(
            mj.id,
            &AccessFilter {
                staff_id: None,
                card_id: Some(cards[1].id),
            },
            PageRequest::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((by_card.total, by_card.items[0].staff_id), (1, exec.id));
    let second_page = s
        .access_log(
            mj.id,
            &AccessFilter::default(),
            PageRequest::new(Some(2), Some(2)),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            second_page.total,
            second_page.items.len(),
            second_page.items[0].kind
        ),
        (3, 1, AccessKind::CardOpened)
    );
    let other = s
        .access_log(ast.id, &AccessFilter::default(), PageRequest::default())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((other.total, other.items[0].card_id), (1, cards[2].id));
}

on_both!(
    /// VC-20: accesses to personal data are recorded per body and listed newest first, by
    /// staff member or card, page by page.
    vc_20_access_log,
    access_log
);

/// Readiness proves a write can begin: while another client holds the write lock (SQLite) or
/// the database takes no writes (PostgreSQL set read-only), `ping` fails; afterwards it
/// passes again, and the store writes.
async fn readiness_needs_a_write(db: &Db) {
    use sqlx::Connection;
    let s = db.store();
    s.ping()
        .await
        .unwrap_or_else(|e| panic!("ready at first: {e}"));
    match db {
        Db::Sqlite(_, dir) => {
            let url = format!("sqlite://{}", dir.path().join("test.db").display());
            let mut other = sqlx::SqliteConnection::connect(&url).await.unwrap();
            sqlx::raw_sql("BEGIN IMMEDIATE")
                .execute(&mut other)
                .await
                .unwrap();
            assert!(
                s.ping().await.is_err(),
                "ready while another holds the write lock"
            );
            sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
            other.close().await.unwrap();
        }
        Db::Pg(_, admin_url, name) => {
            let (base, _) = admin_url.rsplit_once('/').unwrap();
            let admin = PgStore::connect(admin_url, 1).await.unwrap();
            let set = |on: &str| {
                format!("ALTER DATABASE {name} SET default_transaction_read_only = {on}")
            };
            sqlx::raw_sql(&set("on"))
                .execute(admin.pool())
                .await
                .unwrap();
            let read_only = PgStore::connect(&format!("{base}/{name}"), 1)
                .await
                .unwrap();
            let refused = read_only.ping().await;
            read_only.pool().close().await;
            sqlx::raw_sql(&set("off"))
                .execute(admin.pool())
                .await
                .unwrap();
            admin.pool().close().await;
            assert!(refused.is_err(), "ready while the database is read-only");
        }
    }
    s.ping()
        .await
        .unwrap_or_else(|e| panic!("ready again: {e}"));
    s.create_body(&new_body("RDY", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("writes again: {e}"));
}

on_both!(
    /// /readyz fails when the database cannot take a write.
    readiness_probe_needs_a_write,
    readiness_needs_a_write
);

/// Revocation lists fetched from distribution points are kept for every node (replaced when
/// fetched again); an appeal whose signature's revocation could not be checked is listed
/// until a later check is recorded, and each check is journaled.
async fn revocation_lists_and_pending_checks(db: &Db) {
    use otinish_domain::signature::{RevocationCheck, SignatureCheck};
    let s = db.store();
    let crl = |der: u8, at: &str| CachedCrl {
        url: "http://test.pki.gov.kz/crl/nca_gost2022_test.crl".into(),
        der: vec![0x30, der],
        this_update: t(at),
        next_update: Some(t(at) + chrono::Duration::days(2)),
        fetched_at: t(at),
    };
    s.put_crl(&crl(1, "2026-03-02")).await.unwrap();
    s.put_crl(&crl(2, "2026-03-03")).await.unwrap();
    let mut delta = crl(3, "2026-03-03");
    delta.url = "http://test.pki.gov.kz/crl/nca_gost2022_d_test.crl".into();
    delta.next_update = None;
    s.put_crl(&delta).await.unwrap();
    let all = s.crls().await.unwrap();
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[1],
        crl(2, "2026-03-03"),
        "the newer copy replaced the older"
    );
    assert_eq!(all[0], delta);

    let body = s
        .create_body(&new_body("RV", None), j("create_body"))
        .await
        .unwrap();
    let check = |revocation| SignatureCheck {
        algorithm: "GOST R 34.10-2015 512-bit, Streebog-512 (NCA RK)".into(),
        roles: vec!["individual".into()],
        timestamp: Some((t("2026-03-02"), "TIME-STAMPING AUTHORITY".into())),
        revocation,
    };
    let pending = RevocationCheck::Pending {
        reason: "http://test.pki.gov.kz/ocsp/: no answer within 10 s".into(),
        since: t("2026-03-02"),
    };
    let mut a = new_appeal(body.id, "rv-1");
    a.signature_check = Some(check(pending.clone()));
    let (first, _) = s.submit_appeal(&a, j("receive")).await.unwrap();
    let mut b = new_appeal(body.id, "rv-2");
    b.signature_check = Some(check(RevocationCheck::NotPublished));
    let (second, _) = s.submit_appeal(&b, j("receive")).await.unwrap();
    let waiting = s.pending_signature_checks(10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0].card_id, first);
    assert_eq!(waiting[0].check.revocation, pending);
    assert_eq!(
        s.appeal(second).await.unwrap().signature_check,
        Some(check(RevocationCheck::NotPublished))
    );

    let (before, _) = s.journal_head().await.unwrap();
    let done = check(RevocationCheck::Crl {
        issuer: "ҰЛТТЫҚ КУӘЛАНДЫРУШЫ ОРТАЛЫҚ (GOST) TEST 2022".into(),
        this_update: t("2026-03-03"),
    });
    s.set_signature_check(first, &done, j("revocation_checked"))
        .await
        .unwrap();
    assert!(s.pending_signature_checks(10).await.unwrap().is_empty());
    assert_eq!(
        s.appeal(first).await.unwrap().signature_check,
        Some(done.clone())
    );
    assert_eq!(s.journal_head().await.unwrap().0, before + 1);
    assert!(matches!(
        s.set_signature_check(999_999, &done, j("revocation_checked"))
            .await,
        Err(StoreError::NotFound(_))
    ));
}

on_both!(
    /// EA-06: revocation lists shared by the nodes; signatures whose revocation check waits.
    ea_06_revocation_lists_and_pending_checks,
    revocation_lists_and_pending_checks
);

/// A signing by eGov mobile: stored, read back, signed once while it lasts, refused once
/// expired or already signed, swept an hour after expiry.
async fn mobile_signings(db: &Db) {
    let s = db.store();
    let at = t("2026-03-02");
    let m = MobileSigning {
        id_hash: "a".repeat(64),
        auth_token: "b".repeat(64),
        link_read: false,
        description: "Вход в Otinish".into(),
        document: b"otinish-sign-in:123".to_vec(),
        created_at: at,
        expires_at: at + chrono::Duration::seconds(180),
        signature: None,
        signed_at: None,
    };
    s.create_mobile_signing(&m).await.unwrap();
    assert_eq!(s.mobile_signing(&m.id_hash).await.unwrap(), m);
    assert!(matches!(
        s.mobile_signing("nope").await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        s.read_mobile_link(&m.id_hash).await.unwrap(),
        "the first reader"
    );
    assert!(
        !s.read_mobile_link(&m.id_hash).await.unwrap(),
        "only the first"
    );
    let late = at + chrono::Duration::seconds(200);
    assert!(
        !s.put_mobile_signature(&m.id_hash, b"cms", late)
            .await
            .unwrap(),
        "expired"
    );
    let on_time = at + chrono::Duration::seconds(60);
    assert!(s
        .put_mobile_signature(&m.id_hash, b"cms", on_time)
        .await
        .unwrap());
    assert!(
        !s.put_mobile_signature(&m.id_hash, b"other", on_time)
            .await
            .unwrap(),
        "once"
    );
    let got = s.mobile_signing(&m.id_hash).await.unwrap();
    assert_eq!(
        (got.signature, got.signed_at),
        (Some(b"cms".to_vec()), Some(on_time))
    );
    assert_eq!(
        s.delete_expired_mobile_signings(late).await.unwrap(),
        0,
        "kept an hour"
    );
    assert_eq!(
        s.delete_expired_mobile_signings(late + chrono::Duration::hours(2))
            .await
            .unwrap(),
        1
    );
}

on_both!(
    /// Signing with eGov mobile by QR: the exchange kept for every node.
    mobile_signing_by_qr,
    mobile_signings
);

async fn hearings(db: &Db) {
    use otinish_domain::hearing::PositionKind;
    use otinish_domain::notice::NoticeChannel;
    let s = db.store();
    let body = s
        .create_body(&new_body("HR", None), j("create_body"))
        .await
        .unwrap();
    let (card, _) = s
        .submit_appeal(&new_appeal(body.id, "h1"), j("submit"))
        .await
        .unwrap();
    let applicant = s.appeal(card).await.unwrap().applicant_id;
    assert!(s.hearings(card).await.unwrap().is_empty());
    let notice_day = NaiveDate::from_ymd_opt(2026, 3, 6).unwrap();
    let new = NewHearing {
        card_id: card,
        intended: "refused".into(),
        notified_at: t("2026-03-06"),
        notified_on: notice_day,
        respond_by: NaiveDate::from_ymd_opt(2026, 3, 11).unwrap(),
        notified_by: "staff:7".into(),
    };
    let mut n = notice(card, applicant, NoticeChannel::Email);
    n.kind = otinish_domain::notice::NoticeKind::Hearing;
    let id = s
        .notify_hearing(&new, &[n], j("hearing_notified"))
        .await
        .unwrap();
    // The notice is written with the hearing, in the same transaction.
    let notices = s.notices_of_card(card).await.unwrap();
    assert!(notices
        .iter()
        .any(|n| n.kind == otinish_domain::notice::NoticeKind::Hearing));
    // One hearing per intended decision.
    assert!(matches!(
        s.notify_hearing(&new, &[], j("hearing_notified")).await,
        Err(StoreError::Conflict(_))
    ));
    let partial = NewHearing {
        intended: "partially_satisfied".into(),
        ..new.clone()
    };
    let id2 = s
        .notify_hearing(&partial, &[], j("hearing_notified"))
        .await
        .unwrap();
    let got = s.hearings(card).await.unwrap();
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].id, &got[0].notice), (id, &new));
    assert_eq!(got[0].position, None);
    assert_eq!(got[1].id, id2);
    // The applicant's signed position, recorded once.
    let p = HearingPosition {
        kind: PositionKind::Given,
        text: Some("Прошу учесть справку".into()),
        by: format!("applicant:{applicant}"),
        signature: Some(vec![0x30, 0x01, 0x00]),
        at: t("2026-03-09"),
    };
    s.record_hearing_position(id, &p, j("hearing_position"))
        .await
        .unwrap();
    assert!(matches!(
        s.record_hearing_position(id, &p, j("hearing_position"))
            .await,
        Err(StoreError::Stale(_))
    ));
    assert!(matches!(
        s.record_hearing_position(9_999, &p, j("hearing_position"))
            .await,
        Err(StoreError::NotFound(_))
    ));
    let silence = HearingPosition {
        kind: PositionKind::NoneGiven,
        text: None,
        by: "staff:7".into(),
        signature: None,
        at: t("2026-03-12"),
    };
    s.record_hearing_position(id2, &silence, j("hearing_silence"))
        .await
        .unwrap();
    let got = s.hearings(card).await.unwrap();
    assert_eq!(got[0].position.as_ref(), Some(&p));
    assert_eq!(got[1].position.as_ref(), Some(&silence));
    assert_eq!(got[1].hearing().position, Some(PositionKind::NoneGiven));
    // Every step is in the card's journal.
    let actions: Vec<String> = s
        .journal_for(&format!("card:{card}"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.draft.action)
        .collect();
    for a in ["hearing_notified", "hearing_position", "hearing_silence"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
}

on_both!(
    /// GEN-09: hearings before adverse decisions: one per intended decision, written with the
    /// applicant's notices; the position (or "no position given") recorded once, journaled.
    gen_09_hearings_notified_and_positions_recorded,
    hearings
);

async fn signing_queue(db: &Db) {
    let s = db.store();
    let body = s
        .create_body(&new_body("SQ", None), j("create_body"))
        .await
        .unwrap();
    let head = s
        .create_staff(
            &NewStaff {
                position: String::new(),
                login: "head.sq".into(),
                full_name: "Head".into(),
                email: None,
                body_id: Some(body.id),
                branch_id: None,
                roles: vec![Role::Head],
                password_hash: "$argon2id$fake".into(),
                lang: Lang::Ru,
            },
            j("create_staff"),
        )
        .await
        .unwrap();
    let (decided, _) = s
        .submit_appeal(&new_appeal(body.id, "sq1"), j("submit"))
        .await
        .unwrap();
    let (open, _) = s
        .submit_appeal(&new_appeal(body.id, "sq2"), j("submit"))
        .await
        .unwrap();
    let page = || PageRequest::new(Some(10), None);
    let queue = |role: &'static str| {
        let s = s.clone();
        async move {
            s.to_sign(body.id, role, page())
                .await
                .unwrap()
                .items
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        }
    };
    assert!(queue("head").await.is_empty(), "nothing decided yet");
    s.transition_card(
        decided,
        CardState::Received,
        CardState::Decided,
        &CardUpdate::default(),
        &[],
        j("decide"),
    )
    .await
    .unwrap();
    assert_eq!(queue("head").await, [decided]);
    assert_eq!(queue("registrar").await, [decided]);
    s.add_answer_signature(decided, "head", head.id, t("2026-03-03"), None, j("sign"))
        .await
        .unwrap();
    assert!(queue("head").await.is_empty(), "the head has signed");
    assert_eq!(queue("registrar").await, [decided]);
    let _ = open;
}

on_both!(
    /// EA-09: the signing queue: decided answers the head or the registrar has not signed yet.
    ea_09_signing_queue,
    signing_queue
);

async fn deployment(db: &Db) {
    let s = db.store();
    assert_eq!(s.deployment().await.unwrap(), None);
    let d = Deployment {
        name: Names::new("Өтініштер жүйесі", "Система обращений", "Appeals system"),
        bin: Some("940140000385".into()),
        demo: false,
        created_at: t("2026-03-02"),
    };
    let admin = NewStaff {
        position: String::new(),
        login: "admin".into(),
        full_name: "Әлия Әкімшіева".into(),
        email: None,
        body_id: None,
        branch_id: None,
        roles: vec![Role::Admin],
        password_hash: String::new(),
        lang: Lang::Kk,
    };
    let iin = otinish_domain::ids::Iin::parse("791028302728").unwrap();
    let user = s
        .init_deployment(&d, &admin, &iin, j("init_deployment"))
        .await
        .unwrap();
    assert_eq!(user.iin.as_deref(), Some("791028302728"));
    assert_eq!(s.staff_by_iin("791028302728").await.unwrap().id, user.id);
    assert_eq!(s.deployment().await.unwrap(), Some(d.clone()));
    // Set up once: a second time, or the demo's mark, changes nothing.
    assert!(matches!(
        s.init_deployment(&d, &admin, &iin, j("init_deployment"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let demo = Deployment {
        demo: true,
        ..d.clone()
    };
    s.mark_demo(&demo, j("mark_demo")).await.unwrap();
    assert_eq!(s.deployment().await.unwrap(), Some(d));
    // A database with data is not empty, even without a deployment record.
    let other = match db {
        Db::Sqlite(..) => sqlite().await,
        Db::Pg(..) => match postgres("deployment_other").await {
            Some(db) => db,
            None => return,
        },
    };
    let o = other.store();
    o.create_body(&new_body("MJ", None), j("create_body"))
        .await
        .unwrap();
    assert!(matches!(
        o.init_deployment(&demo, &admin, &iin, j("init_deployment"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(o.deployment().await.unwrap(), None);
    o.mark_demo(&demo, j("mark_demo")).await.unwrap();
    assert!(o.deployment().await.unwrap().unwrap().demo);
    other.close().await;
}

on_both!(
    /// The deployment's record and its first administrator are written together, once, on an
    /// empty database only; the demo's mark never overwrites a real deployment.
    deployment_set_up_once_on_an_empty_database,
    deployment
);

async fn staff_activity(db: &Db) {
    let s = db.store();
    let body = s
        .create_body(&new_body("MJ", None), j("create_body"))
        .await
        .unwrap();
    let iin = otinish_domain::ids::Iin::parse("791028302728").unwrap();
    let staff = s
        .add_staff(
            &NewStaff {
                position: String::new(),
                login: "791028302728".into(),
                full_name: "Айгерім Тіркеуова".into(),
                email: None,
                body_id: Some(body.id),
                branch_id: None,
                roles: vec![Role::Registrar],
                password_hash: String::new(),
                lang: Lang::Ru,
            },
            &iin,
            j("create_staff"),
        )
        .await
        .unwrap();
    assert_eq!(staff.iin.as_deref(), Some("791028302728"));
    // The IIN is one person's.
    let twin = NewStaff {
        position: String::new(),
        login: "other".into(),
        full_name: "Другой".into(),
        email: None,
        body_id: Some(body.id),
        branch_id: None,
        roles: vec![Role::Executor],
        password_hash: String::new(),
        lang: Lang::Ru,
    };
    assert!(matches!(
        s.add_staff(&twin, &iin, j("create_staff")).await,
        Err(StoreError::Conflict(_))
    ));
    let now = t("2026-03-02");
    for token in ["a", "b"] {
        s.create_session(&SessionRecord {
            token_hash: token.into(),
            staff_id: staff.id,
            csrf_token: "c".into(),
            created_at: now,
            expires_at: now + chrono::Duration::hours(8),
            ..Default::default()
        })
        .await
        .unwrap();
    }
    s.set_staff_active(staff.id, false, j("deactivate_staff"))
        .await
        .unwrap();
    assert!(!s.staff(staff.id).await.unwrap().active);
    assert!(s.session("a", now).await.is_err(), "sessions end with it");
    assert!(s.session("b", now).await.is_err());
    s.set_staff_active(staff.id, true, j("activate_staff"))
        .await
        .unwrap();
    assert!(s.staff(staff.id).await.unwrap().active);
    assert!(matches!(
        s.set_staff_active(staff.id + 100, false, j("deactivate_staff"))
            .await,
        Err(StoreError::NotFound(_))
    ));
}

on_both!(
    /// Staff added with their IIN in one transaction (one IIN, one person); deactivation ends
    /// every session of theirs in the same transaction.
    staff_added_by_iin_and_deactivated_with_their_sessions,
    staff_activity
);

async fn imports(db: &Db) {
    let s = db.store();
    let bin = |b: &str| Some(otinish_domain::ids::Bin::parse(b).unwrap());
    let page = PageRequest::new(Some(10), None);
    // A parent and its child in one transaction, each journaled.
    let items = vec![
        (
            new_body("ROOT", None),
            bin("940140000385"),
            j("import_body"),
        ),
        (new_body("CHILD", Some("ROOT")), None, j("import_body")),
    ];
    s.import_bodies(&items).await.unwrap();
    let child = s.body_by_code("CHILD").await.unwrap();
    let root = s.body_by_code("ROOT").await.unwrap();
    assert_eq!(child.parent_id, Some(root.id));
    assert_eq!(root.bin.as_deref(), Some("940140000385"));
    assert_eq!(
        s.journal_for(&format!("body:{}", child.id))
            .await
            .unwrap()
            .len(),
        1
    );
    // A file whose last line conflicts writes none of its lines.
    let conflicting = vec![
        (new_body("NEW1", Some("ROOT")), None, j("import_body")),
        (
            new_body("NEW2", None),
            bin("940140000385"),
            j("import_body"),
        ),
    ];
    assert!(matches!(
        s.import_bodies(&conflicting).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(
        s.body_by_code("NEW1").await.is_err(),
        "nothing half-imported"
    );
    assert_eq!(s.bodies(page).await.unwrap().total, 2);
    // Staff likewise: a taken IIN on the second line leaves the first unwritten too.
    let staff = |login: &str| NewStaff {
        position: String::new(),
        login: login.into(),
        full_name: login.into(),
        email: None,
        body_id: Some(root.id),
        branch_id: None,
        roles: vec![Role::Executor],
        password_hash: String::new(),
        lang: Lang::Kk,
    };
    let iin = |i: &str| otinish_domain::ids::Iin::parse(i).unwrap();
    s.import_staff(&[(staff("one"), iin("791028302728"), j("import_staff"))])
        .await
        .unwrap();
    assert_eq!(s.staff_by_iin("791028302728").await.unwrap().login, "one");
    let twice = vec![
        (staff("two"), iin("850102300106"), j("import_staff")),
        (staff("three"), iin("791028302728"), j("import_staff")),
    ];
    assert!(matches!(
        s.import_staff(&twice).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(s.staff_by_iin("850102300106").await.is_err());
    assert_eq!(s.staff_list(page).await.unwrap().total, 1);
    // Branches likewise.
    let branch = |code: &str| otinish_domain::repo::NewBranch {
        code: code.into(),
        name: Names::new("ХҚКО", "ЦОН", "PSC"),
        region: Names::new("Астана", "Астана", "Astana"),
        address: Names::new("Тұран 1", "Туран 1", "Turan 1"),
        vks_equipment: false,
        booths: 1,
        phone: None,
    };
    s.import_branches(&[
        (branch("B-1"), j("import_branch")),
        (branch("B-2"), j("import_branch")),
    ])
    .await
    .unwrap();
    assert!(matches!(
        s.import_branches(&[
            (branch("B-3"), j("import_branch")),
            (branch("B-1"), j("import_branch"))
        ])
        .await,
        Err(StoreError::Conflict(_))
    ));
    let codes: Vec<String> = s
        .branches(page)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|b| b.code)
        .collect();
    assert!(
        codes.contains(&"B-2".to_owned()) && !codes.contains(&"B-3".to_owned()),
        "{codes:?}"
    );
    // GEN-02: a day's edit is removed (journaled) and the shipped calendar holds again.
    let edit = DayEdit {
        date: NaiveDate::from_ymd_opt(2026, 8, 31).unwrap(),
        working: true,
        reason: "decree".into(),
    };
    s.put_calendar_edit("KZ", &edit, j("calendar_edit"))
        .await
        .unwrap();
    assert!(s
        .remove_calendar_edit("KZ", edit.date, j("calendar_edit"))
        .await
        .unwrap());
    assert!(!s
        .remove_calendar_edit("KZ", edit.date, j("calendar_edit"))
        .await
        .unwrap());
    assert_eq!(s.calendar_edits("KZ").await.unwrap(), vec![]);
}

on_both!(
    /// Imports of bodies and staff are written whole or not at all; GEN-02: a calendar edit
    /// can be removed.
    imports_are_written_whole_or_not_at_all,
    imports
);

async fn announcements(db: &Db) {
    let s = db.store();
    let text = Names::new("Жұмыстар", "Работы", "Works");
    let a = s
        .add_announcement(t("2026-03-10"), t("2026-03-11"), &text, j("announce"))
        .await
        .unwrap();
    let b = s
        .add_announcement(t("2026-04-01"), t("2026-04-02"), &text, j("announce"))
        .await
        .unwrap();
    let shown = |now: &'static str, days: i64| {
        let s = s.clone();
        async move {
            s.current_announcements(t(now), chrono::Duration::days(days))
                .await
                .unwrap()
                .iter()
                .map(|x| x.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(shown("2026-03-05", 7).await, [a], "a week ahead");
    assert_eq!(shown("2026-03-05", 60).await, [a, b]);
    // Withdrawn before it began: gone from then on, journaled; a second withdrawal changes
    // nothing.
    assert!(s
        .end_announcement(a, t("2026-03-05"), j("withdraw_announcement"))
        .await
        .unwrap());
    assert_eq!(shown("2026-03-05", 60).await, [b]);
    assert!(!s
        .end_announcement(a, t("2026-03-05"), j("withdraw_announcement"))
        .await
        .unwrap());
    assert!(!s
        .end_announcement(b + 100, t("2026-03-05"), j("withdraw_announcement"))
        .await
        .unwrap());
    // Withdrawn while shown: it ends then.
    assert!(s
        .end_announcement(
            b,
            t("2026-04-01") + chrono::Duration::hours(1),
            j("withdraw_announcement")
        )
        .await
        .unwrap());
    assert_eq!(
        shown("2026-04-01", 1).await,
        [b],
        "shown until the hour it was withdrawn"
    );
    assert!(shown("2026-04-02", 1).await.is_empty());
    let journal = s.journal_for(&format!("announcement:{a}")).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .map(|e| e.draft.action.as_str())
            .collect::<Vec<_>>(),
        ["announce", "withdraw_announcement"]
    );
}

on_both!(
    /// EA-16: announcements show for their window and a week ahead, and are withdrawn early.
    ea_16_announcements_shown_and_withdrawn,
    announcements
);

async fn dead_notices(db: &Db) {
    let s = db.store();
    let body = s
        .create_body(&new_body("MJ", None), j("create_body"))
        .await
        .unwrap();
    let (id, _) = s
        .submit_appeal(&new_appeal(body.id, "k1"), j("submit"))
        .await
        .unwrap();
    let a = s.appeal(id).await.unwrap();
    s.add_signed_document(
        &NewSignedDocument {
            card_id: id,
            kind: "receipt".into(),
            code: "DEAD1".into(),
            document: "receipt text".into(),
            signature: b"sig".to_vec(),
            at: t("2026-03-02"),
            outgoing: None,
        },
        &[notice(
            id,
            a.applicant_id,
            otinish_domain::notice::NoticeChannel::Email,
        )],
        j("receipt"),
    )
    .await
    .unwrap();
    let kinds = otinish_domain::job::JobKind::ALL;
    let claimed = s
        .claim_jobs(kinds, "w", t("2026-03-02"), t("2026-03-03"), 10)
        .await
        .unwrap();
    let (job, nid) = (
        claimed[0].id,
        otinish_domain::job::notice_of(&claimed[0].payload).unwrap(),
    );
    assert!(s
        .dead_notices(PageRequest::default())
        .await
        .unwrap()
        .items
        .is_empty());
    // Given up for good: listed; sent again from now, its tries counted afresh.
    s.notice_failed(nid, "550 no such user", None)
        .await
        .unwrap();
    assert!(s
        .job_failed(job, "w", "550 no such user", None)
        .await
        .unwrap());
    let dead = s.dead_notices(PageRequest::default()).await.unwrap();
    assert_eq!((dead.total, dead.items[0].id), (1, nid));
    assert!(s
        .retry_notice(nid, t("2026-03-04"), j("retry_notice"))
        .await
        .unwrap());
    assert!(
        !s.retry_notice(nid, t("2026-03-04"), j("retry_notice"))
            .await
            .unwrap(),
        "no longer dead"
    );
    assert_eq!(
        s.notices_of_card(id).await.unwrap()[0].status,
        otinish_domain::notice::NoticeStatus::Pending,
        "shown as pending again"
    );
    let again = s
        .claim_jobs(kinds, "w", t("2026-03-04"), t("2026-03-05"), 10)
        .await
        .unwrap();
    assert_eq!((again.len(), again[0].attempts), (1, 1), "tries afresh");
    // Dead again, then dismissed: off the list, still undelivered on the card.
    s.notice_failed(nid, "550 no such user", None)
        .await
        .unwrap();
    assert!(s
        .job_failed(job, "w", "550 no such user", None)
        .await
        .unwrap());
    assert!(s
        .dismiss_notice(nid, t("2026-03-05"), j("dismiss_notice"))
        .await
        .unwrap());
    assert!(!s
        .dismiss_notice(nid, t("2026-03-05"), j("dismiss_notice"))
        .await
        .unwrap());
    assert!(
        !s.retry_notice(nid, t("2026-03-05"), j("retry_notice"))
            .await
            .unwrap(),
        "a dismissed notice stays as it is"
    );
    assert_eq!(
        s.dead_notices(PageRequest::default()).await.unwrap().total,
        0
    );
    assert_eq!(
        s.notices_of_card(id).await.unwrap()[0].status,
        otinish_domain::notice::NoticeStatus::Dead
    );
    let journal = s.journal_for(&format!("notice:{nid}")).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .map(|e| e.draft.action.as_str())
            .collect::<Vec<_>>(),
        ["retry_notice", "dismiss_notice"]
    );
}

on_both!(
    /// GEN-07: notices given up for good are listed for the administrator, sent again or
    /// dismissed (journaled).
    gen_07_dead_notices_retried_or_dismissed,
    dead_notices
);

async fn jobs(db: &Db) {
    use otinish_domain::job::{JobKind, JobState, NewJob};
    let s = Arc::new(db.store());
    let kinds = JobKind::ALL;
    let at = t("2026-03-02");
    // Forty jobs claimed by eight workers at once: each is handed to exactly one.
    for i in 0..40 {
        s.enqueue_job(&NewJob::notice(1000 + i, at), at)
            .await
            .unwrap();
    }
    let claims: Vec<_> = (0..8)
        .map(|w| {
            let s = s.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                loop {
                    let got = s
                        .claim_jobs(kinds, &format!("w{w}"), at, t("2026-03-03"), 3)
                        .await
                        .unwrap();
                    if got.is_empty() {
                        return mine;
                    }
                    mine.extend(got.into_iter().map(|j| j.id));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for c in claims {
        all.extend(c.await.unwrap());
    }
    all.sort_unstable();
    let n = all.len();
    all.dedup();
    assert_eq!((n, all.len()), (40, 40), "every job claimed once");
    let counts = s.job_counts().await.unwrap();
    assert_eq!(
        counts
            .iter()
            .map(|c| (c.kind, c.state, c.count))
            .collect::<Vec<_>>(),
        [(JobKind::Notice, JobState::Running, 40)]
    );

    // A job that keeps failing is tried again after a growing pause and is dead after its
    // maximum of tries.
    let mut job = NewJob::notice(7, at);
    job.max_attempts = 3;
    let id = s.enqueue_job(&job, at).await.unwrap();
    let mut now = t("2026-03-10");
    let mut pauses = Vec::new();
    loop {
        let claimed = s
            .claim_jobs(kinds, "w", now, now + chrono::Duration::minutes(2), 100)
            .await
            .unwrap();
        let mine = claimed.iter().find(|j| j.id == id).unwrap();
        for other in claimed.iter().filter(|j| j.id != id) {
            assert!(s.job_done(other.id, "w").await.unwrap());
        }
        let retry = mine.retry_at(now);
        assert!(s
            .job_failed(id, "w", &format!("try {}", mine.attempts), retry)
            .await
            .unwrap());
        match retry {
            Some(r) => {
                pauses.push((r - now).num_seconds());
                assert!(
                    s.claim_jobs(kinds, "w", r - chrono::Duration::seconds(1), r, 100)
                        .await
                        .unwrap()
                        .is_empty(),
                    "not before its time"
                );
                now = r;
            }
            None => break,
        }
    }
    assert_eq!(pauses, [30, 60]);
    let dead = s.job(id).await.unwrap();
    assert_eq!(
        (dead.state, dead.attempts, dead.last_error.as_deref()),
        (JobState::Dead, 3, Some("try 3"))
    );
    assert!(
        s.claim_jobs(kinds, "w", t("2027-01-01"), t("2027-01-02"), 100)
            .await
            .unwrap()
            .is_empty(),
        "a dead job is not claimed"
    );
    let listed = s.dead_jobs(PageRequest::default()).await.unwrap();
    assert_eq!((listed.total, listed.items[0].id), (1, id));
    assert!(s
        .job_counts()
        .await
        .unwrap()
        .iter()
        .any(|c| c.state == JobState::Dead && c.count == 1));
    // Sent again: ready from now with its tries afresh; then dead again and dismissed.
    assert!(s.retry_job(id, now, j("retry_job")).await.unwrap());
    assert!(
        !s.retry_job(id, now, j("retry_job")).await.unwrap(),
        "no longer dead"
    );
    let back = s
        .claim_jobs(kinds, "w", now, now + chrono::Duration::minutes(2), 10)
        .await
        .unwrap();
    assert_eq!((back.len(), back[0].attempts), (1, 1));
    assert!(s.job_failed(id, "w", "again", None).await.unwrap());
    assert!(s.dismiss_job(id, now, j("dismiss_job")).await.unwrap());
    assert!(!s.dismiss_job(id, now, j("dismiss_job")).await.unwrap());
    assert!(
        !s.retry_job(id, now, j("retry_job")).await.unwrap(),
        "dismissed stays"
    );
    assert_eq!(s.dead_jobs(PageRequest::default()).await.unwrap().total, 0);
    assert_eq!(
        s.journal_for(&format!("job:{id}"))
            .await
            .unwrap()
            .iter()
            .map(|e| e.draft.action.as_str())
            .collect::<Vec<_>>(),
        ["retry_job", "dismiss_job"]
    );
}

on_both!(
    /// Background jobs: claimed once under concurrent workers, leased, retried with a growing
    /// pause, dead after their maximum, sent again or dismissed by the administrator.
    jobs_are_claimed_once_retried_and_die_at_their_maximum,
    jobs
);

async fn closing_bodies_and_branches(db: &Db) {
    let s = db.store();
    let gov = s
        .create_body(&new_body("GOV", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mj = s
        .create_body(&new_body("MJ", Some("GOV")), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let branch = s
        .create_branch(&NewBranch {
            code: "AST-1".into(),
            name: Names::new("Астана №1", "ЦОН Астана №1", "Astana PSC 1"),
            region: Names::new("Астана", "Астана", "Astana"),
            address: Names::new("Мәңгілік Ел 8", "Мангилик Ел 8", "Mangilik El 8"),
            vks_equipment: true,
            booths: 2,
            phone: None,
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let staff = |login: &str, body_id: Option<i64>, branch_id: Option<i64>, role: Role| NewStaff {
        position: String::new(),
        login: login.into(),
        full_name: login.into(),
        email: None,
        body_id,
        branch_id,
        roles: vec![role],
        password_hash: "x".into(),
        lang: Lang::Ru,
    };
    let registrar = s
        .create_staff(
            &staff("reg", Some(mj.id), None, Role::Registrar),
            j("create_staff"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let other = s
        .create_staff(
            &staff("other", Some(gov.id), None, Role::Registrar),
            j("create_staff"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let operator = s
        .create_staff(
            &staff("op", None, Some(branch.id), Role::BranchOperator),
            j("create_staff"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for (h, id) in [("r", registrar.id), ("o", other.id), ("p", operator.id)] {
        s.create_session(&SessionRecord {
            token_hash: h.into(),
            staff_id: id,
            csrf_token: "c".into(),
            created_at: t("2026-03-02"),
            expires_at: t("2026-03-09"),
            ..SessionRecord::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    }
    let open_codes = |p: Page<Body>| p.items.into_iter().map(|b| b.code).collect::<Vec<_>>();
    assert_eq!(
        s.open_bodies(PageRequest::default())
            .await
            .map(open_codes)
            .ok(),
        Some(vec!["GOV".to_string(), "MJ".to_string()])
    );

    // Closing the body: it leaves the open list (not the full one), its staff are
    // deactivated and signed out, other bodies' staff are untouched; journaled.
    s.set_body_closed(mj.id, Some(t("2026-03-05")), j("close_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let closed = s.body(mj.id).await.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(closed.closed_at, Some(t("2026-03-05")));
    assert!(!closed.is_open());
    let open = s.open_bodies(PageRequest::default()).await.unwrap();
    assert_eq!(
        (open_codes(open.clone()), open.total),
        (vec!["GOV".to_string()], 1)
    );
    assert_eq!(
        s.bodies(PageRequest::default()).await.map(|p| p.total).ok(),
        Some(2)
    );
    assert!(!s.staff(registrar.id).await.unwrap().active);
    assert!(s.session("r", t("2026-03-05")).await.is_err());
    assert!(s.staff(other.id).await.unwrap().active);
    assert!(s.session("o", t("2026-03-05")).await.is_ok());
    assert!(
        matches!(
            s.set_body_closed(mj.id, Some(t("2026-03-06")), j("close_body"))
                .await,
            Err(StoreError::Stale(_))
        ),
        "closed already: the first closing day stays"
    );
    assert!(matches!(
        s.set_body_closed(mj.id + 100, Some(t("2026-03-06")), j("close_body"))
            .await,
        Err(StoreError::NotFound(_))
    ));
    // Opened again: listed again; its staff stay deactivated.
    s.set_body_closed(mj.id, None, j("reopen_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.body(mj.id).await.unwrap().is_open());
    assert_eq!(
        s.open_bodies(PageRequest::default())
            .await
            .map(|p| p.total)
            .ok(),
        Some(2)
    );
    assert!(!s.staff(registrar.id).await.unwrap().active);
    let actions: Vec<String> = s
        .journal_for(&format!("body:{}", mj.id))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.draft.action)
        .collect();
    assert!(
        actions.ends_with(&["close_body".to_string(), "reopen_body".to_string()]),
        "{actions:?}"
    );

    // A branch: the same, for its operators; no bookings are pending there.
    assert_eq!(s.live_bookings_at_branch(branch.id).await.ok(), Some(0));
    s.set_branch_closed(branch.id, Some(t("2026-03-05")), j("close_branch"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.open_branches(PageRequest::default())
            .await
            .map(|p| p.total)
            .ok(),
        Some(0)
    );
    assert_eq!(
        s.branches(PageRequest::default())
            .await
            .map(|p| p.items[0].closed_at)
            .ok(),
        Some(Some(t("2026-03-05")))
    );
    assert!(!s.staff(operator.id).await.unwrap().active);
    assert!(s.session("p", t("2026-03-05")).await.is_err());
    s.set_branch_closed(branch.id, None, j("reopen_branch"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        s.open_branches(PageRequest::default())
            .await
            .map(|p| p.total)
            .ok(),
        Some(1)
    );
    assert_eq!(
        s.journal_for(&format!("branch:{}", branch.id))
            .await
            .unwrap()
            .iter()
            .map(|e| e.draft.action.as_str())
            .collect::<Vec<_>>(),
        ["close_branch", "reopen_branch"]
    );
}

on_both!(
    /// A closed body or branch leaves the open lists, its staff are deactivated and signed out
    /// in the same transaction, and it can be opened again; each step journaled.
    bodies_and_branches_close,
    closing_bodies_and_branches
);

async fn trust_anchor_records(db: &Db) {
    let s = db.store();
    let rec = |fp: &str, der: Option<Vec<u8>>, trusted: bool, day: &str| TrustAnchorRecord {
        fingerprint: fp.into(),
        der,
        subject: format!("CA {fp}"),
        trusted,
        changed_at: t(day),
        changed_by: "staff:1".into(),
    };
    assert!(s.trust_anchors().await.unwrap().is_empty());
    s.set_trust_anchor(
        &rec("aa", Some(vec![0x30, 0x01]), true, "2026-03-01"),
        j("trust_certificate"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    s.set_trust_anchor(
        &rec("bb", None, false, "2026-03-02"),
        j("withdraw_certificate"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    // Withdrawn later: the certificate's DER stays, so it can be trusted again.
    s.set_trust_anchor(
        &rec("aa", None, false, "2026-03-03"),
        j("withdraw_certificate"),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let all = s.trust_anchors().await.unwrap();
    assert_eq!(
        all.iter()
            .map(|r| (r.fingerprint.as_str(), r.der.clone(), r.trusted))
            .collect::<Vec<_>>(),
        [("bb", None, false), ("aa", Some(vec![0x30, 0x01]), false)]
    );
    s.set_trust_anchor(&rec("aa", None, true, "2026-03-04"), j("trust_certificate"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let aa = s
        .trust_anchors()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.fingerprint == "aa")
        .unwrap();
    assert_eq!(
        (aa.der, aa.trusted, aa.changed_at),
        (Some(vec![0x30, 0x01]), true, t("2026-03-04"))
    );
    assert_eq!(
        s.journal_for("trust:aa")
            .await
            .unwrap()
            .iter()
            .map(|e| e.draft.action.as_str())
            .collect::<Vec<_>>(),
        [
            "trust_certificate",
            "withdraw_certificate",
            "trust_certificate"
        ]
    );
}

on_both!(
    /// Certificates trusted or withdrawn from the console: one row each, journaled, the DER
    /// kept through a withdrawal.
    trust_anchors_from_the_console,
    trust_anchor_records
);

/// EA-08's loads (how many open cards each executor holds) are kept by the database as cards
/// move, so choosing an executor costs the same however many cards are open; after a random
/// mix of every kind of move they equal a recount from the cards themselves.
async fn executor_loads_follow_every_move(db: &Db) {
    let s = db.store();
    let body = s
        .create_body(&new_body("LD", None), j("create_body"))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let mut executors = Vec::new();
    for i in 0..3 {
        let u = s
            .create_staff(
                &NewStaff {
                    position: String::new(),
                    login: format!("exec{i}"),
                    full_name: format!("Executor {i}"),
                    email: None,
                    body_id: Some(body.id),
                    branch_id: None,
                    roles: vec![Role::Executor],
                    password_hash: "$argon2id$fake".into(),
                    lang: Lang::Ru,
                },
                j("create_staff"),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        executors.push(u.id);
    }
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
        | 1;
    let mut x = seed;
    let mut below = |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    let recount = || async {
        let cards = s
            .cards_of_body(body.id, PageRequest::new(Some(500), Some(0)))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .items;
        executors
            .iter()
            .map(|e| {
                let n = cards
                    .iter()
                    .filter(|c| c.executor_id == Some(*e) && !c.state.is_closed())
                    .count();
                (*e, n as i64)
            })
            .collect::<Vec<_>>()
    };
    let loads = || async {
        s.executor_loads(body.id)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .into_iter()
            .map(|(u, n)| (u.id, n))
            .collect::<Vec<_>>()
    };
    let mut filed = 0;
    for step in 0..240 {
        let cards = s
            .cards_of_body(body.id, PageRequest::new(Some(500), Some(0)))
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .items;
        let pick = |r: u64| -> Option<&Card> {
            (!cards.is_empty()).then(|| &cards[r as usize % cards.len()])
        };
        let exec = executors[below(3) as usize];
        let r = below(1_000_000);
        let moved = match below(7) {
            0 => s
                .create_card(&new_card(body.id, "2026-03-02"), &[], j("receive"))
                .await
                .map(|_| ()),
            1 => {
                // Filed whole, registered to an executor on arrival.
                filed += 1;
                let notices = |_: i64, _: Option<&RegNumber>| Vec::new();
                s.file_appeal(
                    &new_appeal(body.id, &format!("load-{filed}")),
                    j("receive"),
                    &Arrival {
                        receipt: None,
                        outcome: ArrivalOutcome::Register {
                            year: 2026,
                            body_code: "LD".into(),
                            executor_id: Some(exec),
                            journal: j("register"),
                        },
                        redirected_from: None,
                        notices: &notices,
                    },
                )
                .await
                .map(|_| ())
            }
            2 => match pick(r).filter(|c| c.state == CardState::Received) {
                Some(c) => s
                    .register_card(
                        c.id,
                        CardState::Received,
                        2026,
                        t("2026-03-03"),
                        (r % 2 == 0).then_some(exec),
                        &[deadline("answer", "2026-03-20")],
                        &no_notices,
                        j("register"),
                    )
                    .await
                    .map(|_| ()),
                None => Ok(()),
            },
            3 => {
                let moves = [
                    (CardState::Received, CardState::Refused),
                    (CardState::Registered, CardState::InExecution),
                    (CardState::Registered, CardState::Redirected),
                    (CardState::InExecution, CardState::Decided),
                    (CardState::InExecution, CardState::Attached),
                    (CardState::Decided, CardState::Answered),
                    (CardState::Answered, CardState::Archived),
                ];
                match pick(r).and_then(|c| {
                    moves
                        .iter()
                        .find(|(from, _)| *from == c.state)
                        .map(|m| (c, *m))
                }) {
                    Some((c, (from, to))) => {
                        s.transition_card(
                            c.id,
                            from,
                            to,
                            &CardUpdate {
                                executor_id: (to == CardState::InExecution).then_some(exec),
                                ..CardUpdate::default()
                            },
                            &[],
                            j("move"),
                        )
                        .await
                    }
                    None => Ok(()),
                }
            }
            _ => {
                // A handover of some of one executor's open cards to another.
                let from = executors[below(3) as usize];
                let ids: Vec<i64> = cards
                    .iter()
                    .filter(|c| c.executor_id == Some(from) && r % 3 != 0)
                    .map(|c| c.id)
                    .collect();
                let open: Vec<CardState> = CardState::ALL
                    .iter()
                    .copied()
                    .filter(|s| !s.is_closed())
                    .collect();
                s.reassign_cards(from, exec, &ids, &open, j("handover"))
                    .await
                    .map(|_| ())
            }
        };
        moved.unwrap_or_else(|e| panic!("step {step} (seed {seed}): {e}"));
        if step % 40 == 39 {
            assert_eq!(loads().await, recount().await, "step {step}, seed {seed}");
        }
    }
    let total: i64 = loads().await.iter().map(|(_, n)| n).sum();
    assert!(
        total > 0,
        "the mix left open cards with executors (seed {seed})"
    );
}

on_both!(
    /// EA-08: the executors' loads equal a recount after a random mix of moves.
    executor_loads,
    executor_loads_follow_every_move
);

/// The public statistics and the dashboard read a tally the database keeps as cards move
/// (migration 0030): after a random mix of every kind of change — cards received on either
/// side of local month ends and of Astana's change from UTC+6 to UTC+5, registered with a
/// term, moved, redirected, attached, decided, answered late or in term, terms moved — the
/// tally gives exactly what a recount from the cards gives, for every year, month and moment
/// of judgement; and after a change of zone it is counted afresh.
async fn tally_follows_every_change(db: &Db) {
    use otinish_domain::calendar::Zone;
    use otinish_domain::report::{ApplicantType, ReportGroup, TallyCut, TermOutcome};
    // A recount's groups with what `cut` merges over merged: the first value of each kind.
    fn merged(groups: &[ReportGroup], cut: TallyCut) -> Vec<ReportGroup> {
        let mut out: Vec<ReportGroup> = Vec::new();
        for g in groups {
            let mut m = g.clone();
            if cut != TallyCut::Full {
                m.applicant = ApplicantType::ALL[0];
                m.collective = false;
            }
            if cut == TallyCut::Outcomes {
                m.kind = AppealKind::ALL[0];
                m.channel = Channel::ALL[0];
            }
            if cut == TallyCut::Origins {
                m.state = CardState::ALL[0];
                m.decision = None;
                m.repeated = false;
                m.term = TermOutcome::NoTerm;
            }
            let n = m.count;
            m.count = 0;
            match out.iter_mut().find(|o| {
                ReportGroup {
                    count: 0,
                    ..(*o).clone()
                } == m
            }) {
                Some(o) => o.count += n,
                None => out.push(ReportGroup { count: n, ..m }),
            }
        }
        out
    }
    let store = db.store();
    let s = store.as_ref();
    let zone = Zone::almaty();
    assert!(s.sync_tally_zone(&zone.offsets()).await.unwrap());
    assert!(
        !s.sync_tally_zone(&zone.offsets()).await.unwrap(),
        "the same zone again changes nothing"
    );
    let a = s
        .create_body(&new_body("TA", None), j("create_body"))
        .await
        .unwrap();
    let b = s
        .create_body(&new_body("TB", Some("TA")), j("create_body"))
        .await
        .unwrap();
    let company = s.upsert_applicant(&legal_entity()).await.unwrap();
    let person = s.upsert_applicant(&individual()).await.unwrap();
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64)
        | 1;
    let mut x = seed;
    let mut below = move |n: u64| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    };
    // Moments near the ends of local months (UTC+6 until 29 Feb 2024 18:00 UTC, +5 after).
    let month_ends = [
        Utc.with_ymd_and_hms(2023, 12, 31, 18, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 1, 31, 18, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 2, 29, 18, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 3, 31, 19, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2024, 12, 31, 19, 0, 0).unwrap(),
    ];
    let bodies = [a.id, b.id];
    // When each card was first closed (the store keeps the first).
    let closed = std::cell::RefCell::new(std::collections::HashMap::new());
    let closed = &closed;
    let check = |label: String| async move {
        let zone = Zone::almaty();
        let start = |y: i32, m: u32| {
            zone.utc(
                NaiveDate::from_ymd_opt(y, m, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
            )
        };
        let sorted = |mut g: Vec<otinish_domain::report::ReportGroup>| {
            g.sort_by_key(|g| format!("{g:?}"));
            g
        };
        for now in [
            Utc.with_ymd_and_hms(2024, 2, 20, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2025, 6, 1, 0, 0, 0).unwrap(),
        ] {
            for year in 2023..=2025 {
                let recount = s
                    .report_groups(&bodies, start(year, 1), start(year + 1, 1), now)
                    .await
                    .unwrap();
                for cut in [TallyCut::Full, TallyCut::Outcomes, TallyCut::Origins] {
                    let tally = s.tally_groups(&bodies, year, now, cut).await.unwrap();
                    assert_eq!(
                        sorted(tally),
                        sorted(merged(&recount, cut)),
                        "{label}, {year}, {now}, {cut:?}"
                    );
                }
            }
        }
        let from = NaiveDate::from_ymd_opt(2023, 11, 1).unwrap();
        let to = NaiveDate::from_ymd_opt(2025, 2, 1).unwrap();
        let months = s.tally_months(&bodies, from, to).await.unwrap();
        let bounds: Vec<DateTime<Utc>> = months
            .iter()
            .map(|m| start(m.0.year(), m.0.month()))
            .chain([start(2025, 2)])
            .collect();
        let counts = s.received_counts(&bodies, &bounds).await.unwrap();
        assert_eq!(
            months.iter().map(|m| m.1).collect::<Vec<_>>(),
            counts,
            "{label}: per month"
        );
        // The dashboard's one reading of the due lists agrees with the lists.
        for b in bodies {
            let scope = CardScope {
                body_id: b,
                executor_id: None,
            };
            let (x, y) = (start(2024, 2), start(2024, 3));
            let sum = s.due_summary(scope, x, y, 3).await.unwrap();
            let over = s
                .due_cards(scope, x, PageRequest::new(Some(3), None))
                .await
                .unwrap();
            let through = s
                .due_cards(scope, y, PageRequest::new(Some(1), None))
                .await
                .unwrap();
            assert_eq!(
                (sum.overdue, sum.due, sum.first_overdue),
                (over.total, through.total, over.items),
                "{label}: due"
            );
        }
        // The median time to answer from the middle the store picks, against every card's.
        let (from, to) = (start(2023, 11), start(2025, 6));
        let mut all = Vec::new();
        for b in bodies {
            for c in s
                .cards_of_body(b, PageRequest::new(Some(500), Some(0)))
                .await
                .unwrap()
                .items
            {
                let closed_at = closed.borrow().get(&c.id).copied();
                if matches!(c.state, CardState::Answered | CardState::Archived)
                    && c.redirected_to_body_id.is_none()
                    && closed_at.is_some_and(|t| t >= from && t < to)
                {
                    let closed = closed_at.unwrap_or(to);
                    all.push(
                        (closed - c.received_at).num_microseconds().unwrap_or(0) / 3_600_000_000,
                    );
                }
            }
        }
        let (n, middle) = s.answer_hours_middle(&bodies, from, to).await.unwrap();
        assert_eq!(n, all.len() as i64, "{label}: answered");
        assert_eq!(
            otinish_domain::report::median(middle),
            otinish_domain::report::median(all),
            "{label}: median"
        );
        counts.iter().sum::<i64>()
    };
    use chrono::Datelike;
    for step in 0..200 {
        let cards = s
            .cards_of_body(a.id, PageRequest::new(Some(500), Some(0)))
            .await
            .unwrap()
            .items
            .into_iter()
            .chain(
                s.cards_of_body(b.id, PageRequest::new(Some(500), Some(0)))
                    .await
                    .unwrap()
                    .items,
            )
            .collect::<Vec<_>>();
        let r = below(1_000_000);
        let pick = (!cards.is_empty()).then(|| cards[r as usize % cards.len()].clone());
        // Now and then closed at the very second its 15-day term ends: still in term.
        let late = if below(4) == 0 {
            chrono::Duration::days(15)
        } else {
            chrono::Duration::hours(below(24 * 40) as i64)
        };
        let at = |c: &Card| c.received_at + late;
        let mv = |c: &Card, to: CardState, u: CardUpdate| {
            let c = c.clone();
            let when = at(&c);
            if to.is_closed() {
                closed.borrow_mut().entry(c.id).or_insert(when);
            }
            async move {
                s.transition_card(
                    c.id,
                    c.state,
                    to,
                    &u,
                    &[],
                    JournalDraft::new(when, "test", "", "move"),
                )
                .await
            }
        };
        let due = |c: &Card, days: i64| StoredDeadline {
            due_at: c.received_at + chrono::Duration::days(days),
            ..deadline("answer", "2024-01-01")
        };
        let done = match below(8) {
            0 | 1 => {
                let near = month_ends[below(month_ends.len() as u64) as usize]
                    + chrono::Duration::minutes(below(240) as i64 - 120);
                let mut c = new_card(bodies[below(2) as usize], "2024-01-01");
                c.received_at = near;
                c.kind = [AppealKind::Statement, AppealKind::Complaint][below(2) as usize];
                c.channel = [Channel::Portal, Channel::Paper][below(2) as usize];
                c.collective = below(5) == 0;
                c.applicant_id = [None, Some(person), Some(company)][below(3) as usize];
                let terms = if below(2) == 0 {
                    vec![StoredDeadline {
                        due_at: near + chrono::Duration::days(15),
                        ..deadline("answer", "2024-01-01")
                    }]
                } else {
                    Vec::new()
                };
                s.create_card(&c, &terms, j("receive")).await.map(|_| ())
            }
            2 => match pick.filter(|c| c.state == CardState::Received) {
                Some(c) => s
                    .register_card(
                        c.id,
                        CardState::Received,
                        2024,
                        c.received_at,
                        None,
                        &[due(&c, 15)],
                        &no_notices,
                        j("register"),
                    )
                    .await
                    .map(|_| ()),
                None => Ok(()),
            },
            3 => match pick.filter(|c| !c.state.is_closed()) {
                // A term moved (an extension, a calendar edit) or set anew.
                Some(c) => {
                    s.replace_deadlines(c.id, &[due(&c, below(40) as i64 + 1)], j("recompute"))
                        .await
                }
                None => Ok(()),
            },
            4 => match pick {
                Some(c) if c.state == CardState::Registered => {
                    mv(
                        &c,
                        CardState::Redirected,
                        CardUpdate {
                            redirected_to_body_id: Some(if c.body_id == a.id {
                                b.id
                            } else {
                                a.id
                            }),
                            ..CardUpdate::default()
                        },
                    )
                    .await
                }
                Some(c) if c.state == CardState::InExecution => {
                    let main = cards.iter().find(|m| m.id != c.id).map(|m| m.id);
                    mv(
                        &c,
                        CardState::Attached,
                        CardUpdate {
                            main_card_id: main,
                            ..CardUpdate::default()
                        },
                    )
                    .await
                }
                _ => Ok(()),
            },
            _ => {
                let moves = [
                    (CardState::Received, CardState::Refused),
                    (CardState::Registered, CardState::InExecution),
                    (CardState::InExecution, CardState::Decided),
                    (CardState::Decided, CardState::Answered),
                    (CardState::Answered, CardState::Archived),
                ];
                match pick.and_then(|c| {
                    moves
                        .iter()
                        .find(|(from, _)| *from == c.state)
                        .map(|m| (c, m.1))
                }) {
                    Some((c, to)) => {
                        let decision = (to == CardState::Decided).then(|| {
                            ["satisfied", "refused", "explained"][below(3) as usize].to_owned()
                        });
                        mv(
                            &c,
                            to,
                            CardUpdate {
                                decision,
                                ..CardUpdate::default()
                            },
                        )
                        .await
                    }
                    None => Ok(()),
                }
            }
        };
        done.unwrap_or_else(|e| panic!("step {step} (seed {seed}): {e}"));
        if step % 50 == 49 {
            check(format!("step {step}, seed {seed}")).await;
        }
    }
    let total = check(format!("the end, seed {seed}")).await;
    assert!(total > 30, "the mix received cards (seed {seed}): {total}");
    // Another zone: every card counted afresh into its UTC month, and back again.
    let utc = Zone::parse("UTC").unwrap();
    assert!(s.sync_tally_zone(&utc.offsets()).await.unwrap());
    let early = s
        .tally_months(
            &bodies,
            NaiveDate::from_ymd_opt(2024, 2, 1).unwrap(),
            NaiveDate::from_ymd_opt(2024, 3, 1).unwrap(),
        )
        .await
        .unwrap();
    let in_utc = s
        .received_counts(
            &bodies,
            &[
                Utc.with_ymd_and_hms(2024, 2, 1, 0, 0, 0).unwrap(),
                Utc.with_ymd_and_hms(2024, 3, 1, 0, 0, 0).unwrap(),
            ],
        )
        .await
        .unwrap();
    assert_eq!(early[0].1, in_utc[0], "February in UTC (seed {seed})");
    assert!(s.sync_tally_zone(&zone.offsets()).await.unwrap());
    assert_eq!(check(format!("rebuilt, seed {seed}")).await, total);
}

on_both!(
    /// The statistics' tally equals a recount after a random mix of changes.
    tally,
    tally_follows_every_change
);
