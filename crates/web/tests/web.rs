//! The web layer driven in-process: the real router on a fresh SQLite database.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use otinish_domain::calendar::{DayEdit, WorkingCalendar};
use otinish_domain::deadline::case_deadlines;
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{AppealKind, Channel, Contacts, NewBody, NewCard, Role};
use otinish_domain::repo::{NewStaff, Store, StoredDeadline};
use otinish_domain::rulebook::RulebookSet;
use otinish_domain::{Lang, Names};
use otinish_store::SqliteStore;
use otinish_web::{App, Clock, WebConfig};
use std::sync::Arc;
use tower::ServiceExt;

struct FixedClock(DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

const KZ: &str = include_str!("../../../rulebooks/calendars/kz.toml");

fn books() -> RulebookSet {
    let files = [
        (
            "APPC-2021",
            include_str!("../../../rulebooks/editions/APPC-2021.toml"),
        ),
        (
            "LAW-221",
            include_str!("../../../rulebooks/editions/LAW-221.toml"),
        ),
    ];
    RulebookSet::from_toml_files(files).unwrap_or_else(|e| panic!("{e}"))
}

/// A server key and two demo signers under a test CA, as `serve --demo` makes them.
fn test_pki(dir: &std::path::Path, now: DateTime<Utc>) -> otinish_web::Pki {
    use otinish_pki::sign::{ensure_demo_signers, ensure_server_key, KzSubject};
    let trust_dir = dir.join("trust");
    let server_key = ensure_server_key(&dir.join("keys"), &trust_dir, now).unwrap();
    let person = KzSubject {
        surname: "АХМЕТОВ".into(),
        name: "БАУЫРЖАН".into(),
        patronymic: Some("СЕРІКҰЛЫ".into()),
        iin: "791028302728".into(),
        organization: None,
        bin: None,
        email: Some("akhmetov@demo.example.kz".into()),
    };
    let org = KzSubject {
        surname: "ЖАНБОЛАТОВ".into(),
        name: "ЕРЛАН".into(),
        patronymic: None,
        iin: "881105300560".into(),
        organization: Some("ТОО «Ромашка»".into()),
        bin: Some("940140000385".into()),
        email: Some("office@romashka.example.kz".into()),
    };
    let keys = ensure_demo_signers(
        &dir.join("keys"),
        &trust_dir,
        &[("person".into(), person), ("org".into(), org)],
        now,
    )
    .unwrap();
    let demo_signers = keys
        .into_iter()
        .map(|(slug, key)| otinish_web::DemoSigner {
            tax_id: if slug == "person" {
                "791028302728".into()
            } else {
                "940140000385".into()
            },
            label: slug.clone(),
            slug,
            key,
        })
        .collect();
    otinish_web::Pki {
        trust: otinish_pki::TrustStore::from_dir(&trust_dir).unwrap(),
        server_key,
        demo_signers,
    }
}

struct TestApp {
    app: Arc<App>,
    router: axum::Router,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
}

impl Reply {
    fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|c| {
                c.split(';')
                    .next()?
                    .strip_prefix(&format!("{name}="))
                    .map(str::to_owned)
            })
    }
}

async fn reply(r: Response<Body>) -> Reply {
    let status = r.status();
    let headers = r.headers().clone();
    let bytes = r
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    Reply {
        status,
        headers,
        text: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

impl TestApp {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = SqliteStore::open(&dir.path().join("t.db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        s.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        let store: Arc<dyn Store> = Arc::new(s);
        let now = Utc.with_ymd_and_hms(2026, 3, 19, 6, 0, 0).unwrap();
        let j = || JournalDraft::new(now, "test", "", "seed");
        let body = store
            .create_body(
                &NewBody {
                    code: "MJ".into(),
                    name: Names::new(
                        "Әділет министрлігі",
                        "Министерство юстиции",
                        "Ministry of Justice",
                    ),
                    parent_code: None,
                    competence: vec!["notary".into()],
                    vks_connected: true,
                    video_appeal_connected: false,
                    contacts: Contacts::default(),
                    time_zone: "Asia/Almaty".into(),
                },
                j(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        store
            .create_staff(
                &NewStaff {
                    login: "registrar".into(),
                    full_name: "Айгерім Тіркеуова".into(),
                    email: None,
                    body_id: Some(body.id),
                    branch_id: None,
                    roles: vec![Role::Registrar],
                    password_hash: otinish_web::auth::hash_password("correct horse")
                        .unwrap_or_default(),
                    lang: Lang::Ru,
                },
                j(),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let pki = test_pki(dir.path(), now);
        let app = Arc::new(App {
            store,
            files: otinish_store::files::FileStore::new(dir.path().join("files")),
            pki,
            limits: Default::default(),
            rulebooks: books(),
            calendar: tokio::sync::RwLock::new(
                WorkingCalendar::from_toml(KZ).unwrap_or_else(|e| panic!("{e}")),
            ),
            clock: Arc::new(FixedClock(now)),
            config: WebConfig {
                demo: true,
                public_url: "http://otinish.test".into(),
                ..WebConfig::default()
            },
            metrics: Default::default(),
            started_at: now,
        });
        Self {
            router: otinish_web::router(app.clone()),
            app,
            _dir: dir,
        }
    }

    async fn get(&self, uri: &str, cookies: &str) -> Reply {
        let req = Request::get(uri)
            .header(header::COOKIE, cookies)
            .body(Body::empty())
            .unwrap_or_default();
        reply(
            self.router
                .clone()
                .oneshot(req)
                .await
                .unwrap_or_else(|e| match e {}),
        )
        .await
    }

    async fn post_form(&self, uri: &str, cookies: &str, form: &str) -> Reply {
        let req = Request::post(uri)
            .header(header::COOKIE, cookies)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form.to_owned()))
            .unwrap_or_default();
        reply(
            self.router
                .clone()
                .oneshot(req)
                .await
                .unwrap_or_else(|e| match e {}),
        )
        .await
    }
}

#[tokio::test]
async fn health_ready_metrics_and_security_headers() {
    let t = TestApp::new().await;
    let r = t.get("/healthz", "").await;
    assert_eq!((r.status, r.text.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(t.get("/readyz", "").await.status, StatusCode::OK);
    for path in ["/", "/healthz", "/nope", "/api/v1/bodies"] {
        let r = t.get(path, "").await;
        assert_eq!(
            r.headers
                .get("x-content-type-options")
                .map(|v| v.as_bytes()),
            Some(&b"nosniff"[..]),
            "{path}"
        );
        assert_eq!(
            r.headers.get("x-frame-options").map(|v| v.as_bytes()),
            Some(&b"DENY"[..]),
            "{path}"
        );
        assert!(r.headers.get("content-security-policy").is_some(), "{path}");
    }
    let m = t.get("/metrics", "").await;
    assert!(
        m.text
            .contains("otinish_http_requests_total{method=\"GET\",status=\"2xx\"}"),
        "{}",
        m.text
    );
    assert!(
        m.text
            .contains("otinish_http_requests_total{method=\"GET\",status=\"4xx\"} 1"),
        "{}",
        m.text
    );
    assert!(m.text.contains("backend=\"sqlite\""));
}

#[tokio::test]
async fn pages_in_three_languages_with_switch() {
    let t = TestApp::new().await;
    let kk = t.get("/bodies?lang=kk", "").await;
    assert_eq!(kk.status, StatusCode::OK);
    assert!(kk.text.contains("<html lang=\"kk\">") && kk.text.contains("Әділет министрлігі"));
    assert_eq!(kk.cookie("otinish_lang").as_deref(), Some("kk"));
    assert!(
        kk.text.contains("Нотариат"),
        "competence topics are translated: {}",
        kk.text
    );
    // The switch keeps the page and its query.
    let calc = t
        .get("/calendar?from=2026-03-19&working_days=3&lang=ru", "")
        .await;
    assert!(
        calc.text
            .contains("href=\"/calendar?from=2026-03-19&#38;working_days=3&#38;lang=en\""),
        "{}",
        calc.text
    );
    // The cookie keeps the choice on the next page.
    let home = t.get("/", "otinish_lang=kk").await;
    assert!(
        home.text.contains("Мемлекеттік органға өтініш"),
        "{}",
        home.text
    );
    let en = t.get("/", "otinish_lang=en").await;
    assert!(en.text.contains("Appeal to a state body"));
    let ru = t.get("/bodies", "").await;
    assert!(ru.text.contains("<html lang=\"ru\">") && ru.text.contains("Министерство юстиции"));
    // Accept-Language is honoured when nothing else says.
    let req = Request::get("/")
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.8")
        .body(Body::empty())
        .unwrap_or_default();
    let r = reply(
        t.router
            .clone()
            .oneshot(req)
            .await
            .unwrap_or_else(|e| match e {}),
    )
    .await;
    assert!(r.text.contains("<html lang=\"en\">"));
    let missing = t.get("/no/such/page?lang=en", "").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("This page does not exist."));
}

#[tokio::test]
async fn staff_sign_in_with_csrf_and_session() {
    let t = TestApp::new().await;
    let form = t.get("/staff/login", "").await;
    let csrf = form
        .cookie("otinish_csrf")
        .unwrap_or_else(|| panic!("a CSRF cookie is set"));
    assert!(form
        .text
        .contains(&format!("name=\"csrf\" value=\"{csrf}\"")));
    let jar = format!("otinish_csrf={csrf}");

    // No token, or someone else's: refused with an explanation, never signed in.
    let r = t
        .post_form(
            "/staff/login",
            &jar,
            "login=registrar&password=correct+horse",
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.text.contains("Форма устарела"));
    let r = t
        .post_form(
            "/staff/login",
            &jar,
            &format!(
                "csrf={}&login=registrar&password=correct+horse",
                "0".repeat(64)
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Wrong password and unknown login look the same.
    let wrong = t
        .post_form(
            "/staff/login",
            &jar,
            &format!("csrf={csrf}&login=registrar&password=nope"),
        )
        .await;
    let unknown = t
        .post_form(
            "/staff/login",
            &jar,
            &format!("csrf={csrf}&login=ghost&password=nope"),
        )
        .await;
    assert_eq!(
        (wrong.status, unknown.status),
        (StatusCode::UNAUTHORIZED, StatusCode::UNAUTHORIZED)
    );
    assert!(
        wrong.text.contains("Неверный логин или пароль.")
            && unknown.text.contains("Неверный логин или пароль.")
    );
    let empty = t
        .post_form(
            "/staff/login",
            &format!("{jar}; otinish_lang=en"),
            &format!("csrf={csrf}&login=&password="),
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty
        .text
        .contains("Enter both the login and the password."));

    let ok = t
        .post_form(
            "/staff/login",
            &jar,
            &format!("csrf={csrf}&login=registrar&password=correct+horse"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let session = ok
        .cookie("otinish_session")
        .unwrap_or_else(|| panic!("session cookie"));
    let set = ok
        .headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(set.contains("HttpOnly"));
    let jar = format!("{jar}; otinish_session={session}");
    let home = t.get("/staff", &jar).await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(
        home.text.contains("Айгерім Тіркеуова")
            && home.text.contains("Регистратор (канцелярия)")
            && home.text.contains("Министерство юстиции")
    );
    // The token is stored hashed: the cookie value is not in the database.
    assert!(t
        .app
        .store
        .session(&session, t.app.clock.now())
        .await
        .is_err());

    let out = t
        .post_form("/staff/logout", &jar, &format!("csrf={csrf}"))
        .await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let after = t.get("/staff", &jar).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "signed out: back to the sign-in page"
    );
}

/// GEN-03: the public calculator and its API explain the days skipped; bad input gets a
/// specific message in the reader's language, never a 500.
#[tokio::test]
async fn gen_03_calendar_calculator_page_and_api() {
    let t = TestApp::new().await;
    let r = t
        .get(
            "/api/v1/calendar/due?from=2026-03-19&working_days=3&lang=en",
            "",
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap_or_default();
    assert_eq!(v["due"], "2026-03-27");
    assert_eq!(v["due_at"], "2026-03-27T18:59:59+00:00");
    assert_eq!(v["skipped"].as_array().map(Vec::len), Some(5));
    assert!(v["skipped"][3]["reason"]
        .as_str()
        .unwrap_or_default()
        .contains("moved from 21 Mar 2026"));

    let bad = t
        .get(
            "/api/v1/calendar/due?from=19.03.2026&working_days=0&lang=kk",
            "",
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = serde_json::from_str(&bad.text).unwrap_or_default();
    assert_eq!(v["error"]["code"], "invalid_input");
    assert_eq!(v["error"]["fields"][0]["field"], "from");
    assert_eq!(
        v["error"]["fields"][0]["message"],
        "Күнді ЖЖЖЖ-АА-КК пішімінде енгізіңіз."
    );
    assert_eq!(v["error"]["fields"][1]["field"], "working_days");

    let page = t
        .get(
            "/calendar?from=2026-03-19&working_days=3",
            "otinish_lang=ru",
        )
        .await;
    assert!(
        page.text.contains("27.03.2026") && page.text.contains("Наурыз"),
        "{}",
        page.text
    );
    let page = t.get("/calendar?from=garbage&working_days=abc", "").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("aria-invalid=\"true\"") && page.text.contains("Введите дату"));
}

#[tokio::test]
async fn api_lists_page_and_openapi_describes_them() {
    let t = TestApp::new().await;
    let r = t.get("/api/v1/bodies?limit=1&lang=en", "").await;
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap_or_default();
    assert_eq!(
        (v["total"].as_i64(), v["limit"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(v["items"][0]["name"], "Ministry of Justice");
    let r = t.get("/api/v1/branches", "").await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = t.get("/api/v1/openapi.json", "").await;
    let v: serde_json::Value = serde_json::from_str(&doc.text).unwrap_or_default();
    for p in [
        "/healthz",
        "/readyz",
        "/api/v1/bodies",
        "/api/v1/branches",
        "/api/v1/calendar/due",
    ] {
        assert!(v["paths"][p].is_object(), "OpenAPI lacks {p}");
    }
    assert!(v["components"]["schemas"]["ErrorEnvelope"].is_object());
}

/// GEN-04, GEN-06: an admin's calendar change recomputes the open deadlines it affects, with a
/// journal entry per case; closed cases keep theirs.
#[tokio::test]
async fn gen_04_calendar_edit_recomputes_open_deadlines_only() {
    let t = TestApp::new().await;
    let store = &t.app.store;
    let body = store
        .body_by_code("MJ")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let received = Utc.with_ymd_and_hms(2026, 8, 24, 6, 0, 0).unwrap();
    let base = t.app.calendar.read().await.clone();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let card = NewCard {
            body_id: body.id,
            channel: Channel::Portal,
            kind: AppealKind::Statement,
            applicant_id: None,
            addressee: None,
            summary: "test".into(),
            received_at: received,
            rulebook_id: "APPC-2021".into(),
            collective: false,
        };
        let facts = otinish_domain::deadline::CaseFacts {
            channel: card.channel,
            kind: card.kind,
            received_at: received,
            registered_at: None,
            events: vec![],
        };
        let ds: Vec<StoredDeadline> = case_deadlines(
            &facts,
            &t.app.rulebooks,
            &base,
            base.zone().local_date(received),
        )
        .unwrap_or_else(|e| panic!("{e}"))
        .iter()
        .map(StoredDeadline::from)
        .collect();
        let c = store
            .create_card(
                &card,
                &ds,
                JournalDraft::new(received, "test", "", "receive"),
            )
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        ids.push(c.id);
    }
    store
        .transition_card(
            ids[1],
            otinish_domain::model::CardState::Received,
            otinish_domain::model::CardState::Refused,
            &otinish_domain::repo::CardUpdate::default(),
            &[],
            JournalDraft::new(received, "test", "", "refuse"),
        )
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let edit = DayEdit {
        date: chrono::NaiveDate::from_ymd_opt(2026, 8, 31).unwrap_or_default(),
        working: true,
        reason: "Constitution Day abolished".into(),
    };
    let report = t
        .app
        .edit_calendar_day(&base, edit, "staff:1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        (
            report.open_cases_checked,
            report.cases_changed,
            report.deadlines_changed
        ),
        (1, 1, 1)
    );
    let answer = |ds: Vec<StoredDeadline>| {
        ds.into_iter()
            .find(|d| d.key == "answer")
            .map(|d| d.due_on.to_string())
    };
    assert_eq!(
        answer(store.deadlines(ids[0]).await.unwrap_or_default()),
        Some("2026-09-14".into())
    );
    assert_eq!(
        answer(store.deadlines(ids[1]).await.unwrap_or_default()),
        Some("2026-09-15".into()),
        "closed case untouched"
    );
    let journal = store
        .journal_for(&format!("card:{}", ids[0]))
        .await
        .unwrap_or_default();
    let last = journal.last().unwrap_or_else(|| panic!("journaled"));
    assert_eq!(last.draft.action, "deadlines_recomputed");
    assert!(
        last.draft
            .details
            .contains("\"old_due\":\"2026-09-15\",\"new_due\":\"2026-09-14\""),
        "{}",
        last.draft.details
    );
    assert!(t
        .app
        .calendar
        .read()
        .await
        .is_working_day(chrono::NaiveDate::from_ymd_opt(2026, 8, 31).unwrap_or_default()));
    let cal_journal = store.journal_for("calendar:KZ").await.unwrap_or_default();
    assert_eq!(cal_journal.len(), 1);
}
