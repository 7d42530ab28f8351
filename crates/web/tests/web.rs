//! The web layer driven in-process: the real router on a fresh SQLite database.

#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)] // tests fail loudly

use axum::body::Body;
use axum::http::{header, Request, Response, StatusCode};
use chrono::{DateTime, TimeZone, Utc};
use http_body_util::BodyExt;
use otinish_domain::calendar::{DayEdit, WorkingCalendar};
use otinish_domain::deadline::case_deadlines;
use otinish_domain::journal::JournalDraft;
use otinish_domain::model::{AppealKind, CardState, Channel, Contacts, NewBody, NewCard, Role};
use otinish_domain::repo::{NewStaff, Store, StoredDeadline};
use otinish_domain::rulebook::RulebookSet;
use otinish_domain::{Lang, Names};
use otinish_store::SqliteStore;
use otinish_web::{App, Clock, WebConfig};
use std::sync::Arc;
use tower::ServiceExt;

/// A clock the test sets.
struct FixedClock(std::sync::Mutex<DateTime<Utc>>);

impl FixedClock {
    fn new(now: DateTime<Utc>) -> Self {
        Self(std::sync::Mutex::new(now))
    }

    fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap() = now;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
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
        (
            "VC-2023",
            include_str!("../../../rulebooks/editions/VC-2023.toml"),
        ),
        (
            "VC-2026",
            include_str!("../../../rulebooks/editions/VC-2026.toml"),
        ),
        (
            "PR-2023",
            include_str!("../../../rulebooks/editions/PR-2023.toml"),
        ),
    ];
    RulebookSet::from_toml_files(files).unwrap_or_else(|e| panic!("{e}"))
}

/// A server key and two demo signers under a test CA, as `serve --demo` makes them.
fn test_pki(dir: &std::path::Path, now: DateTime<Utc>) -> otinish_web::Pki {
    use otinish_pki::gost_ca::Purpose;
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
        &[
            ("person".into(), person, Purpose::Signing),
            ("org".into(), org, Purpose::Signing),
        ],
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
            label: if slug == "person" {
                "Ахметов Бауыржан".into()
            } else {
                "ТОО «Тест»".into()
            },
            slug,
            key,
        })
        .collect();
    otinish_web::Pki {
        trust: otinish_web::Trust::new(otinish_pki::TrustStore::from_dir(&trust_dir).unwrap()),
        server_key,
        demo_signers,
        revocation: otinish_web::revocation::Revocation::new(Default::default(), None),
        demo_keys: Some((dir.join("keys"), trust_dir.clone())),
    }
}

struct TestApp {
    app: Arc<App>,
    router: axum::Router,
    clock: Arc<FixedClock>,
    _dir: tempfile::TempDir,
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    text: String,
    bytes: Vec<u8>,
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
        bytes: bytes.to_vec(),
    }
}

/// A PostgreSQL database made for one test.
struct PgDatabase {
    store: otinish_store::PgStore,
    admin_url: String,
    name: String,
}

impl PgDatabase {
    async fn drop_it(self) {
        self.store.pool().close().await;
        if let Ok(admin) = otinish_store::PgStore::connect(&self.admin_url, 1).await {
            let _ = sqlx::raw_sql(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .execute(admin.pool())
            .await;
        }
    }
}

impl TestApp {
    async fn new() -> Self {
        Self::new_with(|_, _| {}).await
    }

    /// A test app whose signatures set-up `adjust` changes first (given the data folder).
    async fn new_with(adjust: impl FnOnce(&mut otinish_web::Pki, &std::path::Path)) -> Self {
        Self::configured(adjust, |_| {}).await
    }

    /// A test app whose signatures `adjust` changes first and whose settings `config` changes
    /// before it serves.
    async fn configured(
        adjust: impl FnOnce(&mut otinish_web::Pki, &std::path::Path),
        config: impl FnOnce(&mut App),
    ) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let s = SqliteStore::open(&dir.path().join("t.db"))
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        s.migrate().await.unwrap_or_else(|e| panic!("{e}"));
        Self::on_store(Arc::new(s), dir, adjust, config).await
    }

    /// The same app on a fresh PostgreSQL database at `OTINISH_TEST_POSTGRES_URL` (dropped by
    /// [`PgDatabase::drop_it`]); `None`, said on stderr, when the variable is not set.
    async fn on_postgres(test: &str) -> Option<(Self, PgDatabase)> {
        let Ok(url) = std::env::var("OTINISH_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_POSTGRES").is_none(),
                "OTINISH_REQUIRE_POSTGRES is set but OTINISH_TEST_POSTGRES_URL is not"
            );
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED on PostgreSQL: {test} (OTINISH_TEST_POSTGRES_URL is not set)"
            );
            return None;
        };
        let name = format!(
            "otinish_w_{}_{}",
            std::process::id(),
            Utc::now().timestamp_subsec_micros()
        );
        let admin = otinish_store::PgStore::connect(&url, 1)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
        sqlx::raw_sql(&format!("CREATE DATABASE {name}"))
            .execute(admin.pool())
            .await
            .unwrap_or_else(|e| panic!("create database: {e}"));
        admin.pool().close().await;
        let (base, _) = url.rsplit_once('/').unwrap_or((&url, ""));
        let s = otinish_store::PgStore::connect(&format!("{base}/{name}"), 5)
            .await
            .unwrap_or_else(|e| panic!("connect: {e}"));
        s.migrate().await.unwrap_or_else(|e| panic!("migrate: {e}"));
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let db = PgDatabase {
            store: s.clone(),
            admin_url: url.clone(),
            name,
        };
        Some((
            Self::on_store(Arc::new(s), dir, |_, _| {}, |_| {}).await,
            db,
        ))
    }

    async fn on_store(
        store: Arc<dyn Store>,
        dir: tempfile::TempDir,
        adjust: impl FnOnce(&mut otinish_web::Pki, &std::path::Path),
        config: impl FnOnce(&mut App),
    ) -> Self {
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
                    position: String::new(),
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
        let mut pki = test_pki(dir.path(), now);
        adjust(&mut pki, dir.path());
        let clock = Arc::new(FixedClock::new(now));
        let web_config = WebConfig {
            staff_passwords: true,
            ..WebConfig::default()
        };
        let calendar = WorkingCalendar::from_toml(KZ).unwrap_or_else(|e| panic!("{e}"));
        otinish_app::calendar::keep_tally_zone(store.as_ref(), calendar.zone())
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let settings = otinish_app::Settings {
            demo: true,
            public_url: "http://otinish.test".into(),
            ..Default::default()
        };
        let mut app = App {
            service: otinish_app::Service {
                store,
                files: Arc::new(otinish_store::files::FileStore::new(
                    dir.path().join("files"),
                )),
                pki,
                limits: Default::default(),
                rulebooks: books(),
                calendar: tokio::sync::RwLock::new(Arc::new(calendar)),
                clock: clock.clone(),
                settings,
                started_at: now,
                announcements: Default::default(),
                mailer: None,
                mail_route: None,
                sms: None,
                sms_route: None,
                editions_confirmed: Default::default(),
            },
            config: web_config,
            metrics: Default::default(),
        };
        config(&mut app);
        let app = Arc::new(app);
        Self {
            router: otinish_web::router(app.clone()),
            app,
            clock,
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

    async fn put_json(&self, uri: &str, cookies: &str, json: &str) -> Reply {
        let req = Request::put(uri)
            .header(header::COOKIE, cookies)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_owned()))
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

    /// A call to the staff's JSON API with the session of `jar` as its bearer token (the API
    /// never reads the cookie).
    async fn api(&self, method: &str, uri: &str, jar: &str, json: &str) -> Reply {
        let token = jar
            .split("; ")
            .find_map(|c| c.strip_prefix("otinish_session="))
            .unwrap_or_default();
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(json.to_owned()))
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
        let csp = r.headers["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(
            r.headers.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
    }
    let m = t.get("/metrics", "").await;
    assert!(
        m.text
            .contains("otinish_jobs{kind=\"notice\",state=\"dead\"} 0"),
        "{}",
        m.text
    );
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
    // Behind TLS (Secure cookies), every answer carries HSTS.
    let t = TestApp::rebuild(t, |a| a.config.secure_cookies = true);
    let r = t.get("/", "").await;
    assert_eq!(
        r.headers
            .get("strict-transport-security")
            .map(|v| v.as_bytes()),
        Some(&b"max-age=31536000; includeSubDomains"[..])
    );
}

/// Overload: with every place taken by a request in flight (here a sign-in waiting for the
/// database, which the test holds locked), the next request is refused with 503 and
/// Retry-After without being admitted, after the configured pause; health checks still answer,
/// and as soon as that request ends the server serves again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overload_sheds_with_503_and_retry_after_then_recovers() {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = TestApp::rebuild(TestApp::new().await, |a| {
        a.config.max_in_flight = 1;
        a.config.shed_pause = Duration::from_millis(300);
    });
    t.staff("reg", vec![Role::Registrar], "MJ").await;
    let csrf = t
        .get("/staff/login", "")
        .await
        .cookie("otinish_csrf")
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = t.router.clone();
    tokio::spawn(async move { axum::serve(listener, router).await });
    let exchange = move |req: String| async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    };
    let get = |path: &str| exchange(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n"));
    assert!(get("/bodies").await.starts_with("HTTP/1.0 200"));

    // Someone else holds the database's write lock: a sign-in (which writes its session) waits.
    let db = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(
            sqlx::sqlite::SqliteConnectOptions::new().filename(t._dir.path().join("t.db")),
        )
        .await
        .unwrap();
    let mut lock = db.acquire().await.unwrap();
    sqlx::raw_sql("BEGIN IMMEDIATE")
        .execute(&mut *lock)
        .await
        .unwrap();
    let form = format!("csrf={csrf}&login=reg&password=pw");
    let sign_in = format!(
        "POST /staff/login HTTP/1.0\r\nHost: x\r\nCookie: otinish_csrf={csrf}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    );
    // Sent again while a page below holds the one place, until it takes the place itself.
    let waiting = tokio::spawn(async move {
        loop {
            let r = exchange(sign_in.clone()).await;
            if !r.starts_with("HTTP/1.0 503") {
                return r;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    // Until the sign-in has taken the one place (on a busy machine that may take a while).
    let mut refused = String::new();
    for _ in 0..600 {
        refused = get("/bodies").await;
        if refused.starts_with("HTTP/1.0 503") || waiting.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if waiting.is_finished() {
        panic!(
            "the sign-in did not wait for the lock: {}",
            waiting.await.unwrap()
        );
    }
    assert!(refused.starts_with("HTTP/1.0 503"), "{refused}");
    assert!(
        refused.to_ascii_lowercase().contains("retry-after: 1"),
        "{refused}"
    );
    assert!(
        refused.contains("повторите через несколько секунд"),
        "{refused}"
    );
    // The refusal is held for the pause before it is sent (a client retrying in a loop is
    // slowed to it); it holds no place meanwhile.
    let asked = std::time::Instant::now();
    let again = get("/bodies").await;
    assert!(again.starts_with("HTTP/1.0 503"), "{again}");
    assert!(asked.elapsed() >= Duration::from_millis(300));
    assert!(get("/healthz").await.starts_with("HTTP/1.0 200"));
    let metrics = get("/metrics").await;
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("otinish_http_shed_total ") && !l.ends_with(" 0")),
        "{metrics}"
    );

    // The lock is let go: the sign-in finishes, and the next request is served.
    sqlx::raw_sql("ROLLBACK").execute(&mut *lock).await.unwrap();
    drop(lock);
    let signed_in = waiting.await.unwrap();
    assert!(signed_in.starts_with("HTTP/1.0 303"), "{signed_in}");
    assert!(get("/bodies").await.starts_with("HTTP/1.0 200"));
}

/// Bodies that arrive slowly hold nothing but their own connection: thirty clients that
/// announce 100 KB and send a byte now and then take no place in flight (pages and a sign-in
/// are served meanwhile, with room for only two requests at once), and are cut off with 408
/// once the grace is over and their pace is below the minimum. One client address may hold
/// only so many requests at once (429 beyond, X-Forwarded-For from an untrusted peer
/// notwithstanding); and bodies held in memory are capped: past the cap a request with a body
/// is refused with 503 before its body is read, while requests without one go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_bodies_hold_nothing_but_their_own_connection() {
    use std::time::Duration;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let t = TestApp::rebuild(TestApp::new().await, |a| {
        a.config.max_in_flight = 2;
        a.config.max_per_client = 40;
        a.config.max_body_memory = 4 << 20;
        a.config.body_pace = otinish_web::shed::BodyPace {
            grace: Duration::from_secs(2),
            min_rate: 1024,
        };
    });
    t.staff("reg", vec![Role::Registrar], "MJ").await;
    let csrf = t
        .get("/staff/login", "")
        .await
        .cookie("otinish_csrf")
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = t.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
    });
    let exchange = |req: String| async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(req.as_bytes()).await.unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out).await.unwrap();
        String::from_utf8_lossy(&out).into_owned()
    };
    let get = |path: &str| exchange(format!("GET {path} HTTP/1.0\r\nHost: x\r\n\r\n"));
    let head = |len: usize| {
        format!(
            "POST /staff/login HTTP/1.0\r\nHost: x\r\nX-Forwarded-For: 10.9.8.7\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\n\r\n"
        )
    };
    // Thirty slow clients: the head, then a byte every 300 ms.
    let slow: Vec<_> = (0..30)
        .map(|_| {
            let head = head(100_000);
            tokio::spawn(async move {
                let s = tokio::net::TcpStream::connect(addr).await.unwrap();
                let (mut r, mut w) = s.into_split();
                w.write_all(head.as_bytes()).await.unwrap();
                let trickle = tokio::spawn(async move {
                    for _ in 0..40 {
                        if w.write_all(b"x").await.is_err() {
                            break;
                        }
                        tokio::time::sleep(Duration::from_millis(300)).await;
                    }
                });
                let mut out = Vec::new();
                let _ =
                    tokio::time::timeout(Duration::from_secs(10), r.read_to_end(&mut out)).await;
                trickle.abort();
                String::from_utf8_lossy(&out).into_owned()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Meanwhile pages and a whole sign-in are served.
    for _ in 0..5 {
        let r = get("/bodies").await;
        assert!(r.starts_with("HTTP/1.0 200"), "{}", &r[..r.len().min(200)]);
    }
    let form = format!("csrf={csrf}&login=reg&password=pw");
    let signed_in = exchange(format!(
        "POST /staff/login HTTP/1.0\r\nHost: x\r\nCookie: otinish_csrf={csrf}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{form}",
        form.len()
    ))
    .await;
    assert!(signed_in.starts_with("HTTP/1.0 303"), "{signed_in}");
    // The slow ones are cut off, told why.
    for s in slow {
        let answer = s.await.unwrap();
        assert!(answer.starts_with("HTTP/1.0 408"), "{answer}");
        assert!(answer.contains("слишком медленно"), "{answer}");
    }

    // One address, at most forty at once: the forty-first is refused at once.
    let mut held = Vec::new();
    for _ in 0..40 {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        s.write_all(head(1000).as_bytes()).await.unwrap();
        held.push(s);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = get("/bodies").await;
    assert!(refused.starts_with("HTTP/1.0 429"), "{refused}");
    assert!(refused.to_ascii_lowercase().contains("retry-after: 1"));
    drop(held);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(get("/bodies").await.starts_with("HTTP/1.0 200"));

    // All but 40 KB of the 4 MB budget held by one body still arriving: a request with a
    // 100 KB body is refused before it is read, one without a body is served.
    let mut big = tokio::net::TcpStream::connect(addr).await.unwrap();
    big.write_all(head(4 << 20).as_bytes()).await.unwrap();
    big.write_all(&vec![b'x'; (4 << 20) - 40 * 1024])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let refused = exchange(head(100_000)).await;
    assert!(refused.starts_with("HTTP/1.0 503"), "{refused}");
    assert!(get("/bodies").await.starts_with("HTTP/1.0 200"));
    drop(big);
}

/// Staff sign-in is throttled per login and address: after 5 failures in 15 minutes that pair
/// waits (even with the right password), told why in Russian, with Retry-After; the same
/// login from another address, and other logins from the same address, still sign in; the
/// wait ends with the window.
#[tokio::test]
async fn staff_sign_in_throttled_without_locking_out_others() {
    let t = TestApp::new().await;
    t.staff("reg", vec![Role::Registrar], "MJ").await;
    t.staff("exec", vec![Role::Executor], "MJ").await;
    let csrf = t
        .get("/staff/login", "")
        .await
        .cookie("otinish_csrf")
        .unwrap();
    let jar = format!("otinish_csrf={csrf}");
    let from = |ip: [u8; 4], login: &str, password: &str| {
        let req = Request::post("/staff/login")
            .header(header::COOKIE, &jar)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                ip, 40000,
            ))))
            .body(Body::from(format!(
                "csrf={csrf}&login={login}&password={password}"
            )))
            .unwrap();
        let router = t.router.clone();
        async move { reply(router.oneshot(req).await.unwrap_or_else(|e| match e {})).await }
    };
    let attacker = [10, 0, 0, 66];
    for _ in 0..5 {
        assert_eq!(
            from(attacker, "reg", "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let refused = from(attacker, "reg", "pw").await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        refused
            .text
            .contains("Слишком много неудачных попыток входа с этим логином"),
        "{}",
        refused.text
    );
    assert_eq!(
        refused.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"900"[..])
    );
    assert!(refused.cookie("otinish_session").is_none());
    // The real user, elsewhere, is not locked out; other logins from that address still work.
    assert_eq!(
        from([10, 0, 0, 7], "reg", "pw").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        from(attacker, "exec", "pw").await.status,
        StatusCode::SEE_OTHER
    );
    // The window passes.
    t.clock.set(t.clock.now() + chrono::Duration::minutes(16));
    assert_eq!(
        from(attacker, "reg", "pw").await.status,
        StatusCode::SEE_OTHER
    );
}

/// The authorisation matrix: every route of the router's own table (`routes::rules`), every
/// method, called as every kind of user — anonymous, an applicant, and staff of each role of
/// the body that owns the case — and each answer checked against the route's rule. A route
/// added without a rule cannot exist (the router is built from the table); a method served
/// but not in the table fails here (it must answer 405). Resource routes are called on a real
/// resource of the Ministry (an appeal, schedules of both kinds, a sign-up), first by the staff
/// of another body in every body-bound role and by another applicant — all refused — then by
/// the Ministry's own callers of every role.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn authorisation_matrix_covers_every_route() {
    use otinish_domain::repo::NewBranch;
    use otinish_web::routes::{rules, Access};
    let t = TestApp::new().await;
    let now = t.app.clock.now();
    let branch = t
        .app
        .store
        .create_branch(&NewBranch {
            code: "AST-1".into(),
            name: Names::new("Астана", "ЦОН Астана", "Astana PSC"),
            region: Names::new("Астана", "Астана", "Astana"),
            address: Names::new("Мәңгілік Ел 8", "Мангилик Ел 8", "Mangilik El 8"),
            vks_equipment: true,
            booths: 1,
            phone: None,
        })
        .await
        .unwrap();
    // Staff of every role, of the body where their role works (the executor created first
    // is the one the appeal below is assigned to).
    let mj_body = t.app.store.body_by_code("MJ").await.unwrap();
    for role in Role::ALL {
        t.app
            .store
            .create_staff(
                &NewStaff {
                    position: String::new(),
                    login: format!("m.{}", role.as_str()),
                    full_name: format!("{} of the matrix", role.as_str()),
                    email: None,
                    body_id: role.needs_body().then_some(mj_body.id),
                    branch_id: (*role == Role::BranchOperator).then_some(branch.id),
                    roles: vec![*role],
                    password_hash: otinish_web::auth::hash_password("pw").unwrap(),
                    lang: Lang::Ru,
                },
                JournalDraft::new(now, "test", "", "create_staff"),
            )
            .await
            .unwrap();
    }
    let (jar, csrf) = t.applicant("person").await;
    let mj = mj_body.id.to_string();
    let card = card_id_of(
        &t.post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "matrix"),
                ("recipient", mj.as_str()),
                ("kind", "statement"),
                ("postal_address", "Астана"),
                ("content", "Прошу разъяснить"),
                ("demo_sign", "1"),
            ],
            &[],
        )
        .await,
    );
    // Who calls: (name, cookie jar, csrf, roles). The anonymous caller has the CSRF cookie
    // every visitor gets with the first page.
    let anon_csrf = t.get("/", "").await.cookie("otinish_csrf").unwrap();
    let mut callers: Vec<(String, String, String, Vec<Role>)> = vec![
        (
            "anonymous".into(),
            format!("otinish_csrf={anon_csrf}"),
            anon_csrf,
            vec![],
        ),
        ("applicant".into(), jar.clone(), csrf.clone(), vec![]),
    ];
    for role in Role::ALL {
        let (jar, csrf) = t.login(&format!("m.{}", role.as_str())).await;
        callers.push((format!("staff:{}", role.as_str()), jar, csrf, vec![*role]));
    }

    // Resources of the Ministry other than the appeal: a draft schedule of receptions by
    // videoconference, a draft schedule of personal receptions, a personal-reception sign-up.
    let id_in = |r: &Reply, prefix: &str| -> i64 {
        let location = r.headers[header::LOCATION].to_str().unwrap().to_owned();
        location
            .strip_prefix(prefix)
            .and_then(|rest| rest.split(['?', '&', '/']).next())
            .and_then(|id| id.parse().ok())
            .unwrap_or_else(|| panic!("no id after {prefix} in {location}"))
    };
    let (sec, sec_csrf) = t.login("m.reception_secretary").await;
    let vks_schedule = id_in(
        &t.post_form(
            "/staff/schedules",
            &sec,
            &format!("csrf={sec_csrf}&quarter=2026-Q2"),
        )
        .await,
        "/staff/schedules/",
    );
    let pr_schedule = id_in(
        &t.post_form(
            "/staff/pr/schedules",
            &sec,
            &format!("csrf={sec_csrf}&centers=0&month=2026-04"),
        )
        .await,
        "/staff/pr/schedules/",
    );
    let (cc, cc_csrf) = t.login("m.call_center_operator").await;
    let signup = id_in(
        &t.post_multipart(
            "/staff/pr/take",
            &cc,
            &[
                ("csrf", cc_csrf.as_str()),
                ("source", "call_center"),
                ("body", "MJ"),
                ("full_name", "Ахметов Бауыржан"),
                ("iin", "791028302728"),
                ("phone", "+77011234567"),
                ("citizenship", "kz"),
                ("lang", "ru"),
                ("question", "Вопрос о регистрации недвижимости"),
            ],
            &[],
        )
        .await,
        "/staff/pr/take?source=call_center&done=",
    );
    let resource_path = |path: &str| -> String {
        let id = if path.starts_with("/staff/schedules/") {
            vks_schedule
        } else if path.starts_with("/staff/pr/schedules/") {
            pr_schedule
        } else if path.starts_with("/staff/pr/{id}") {
            signup
        } else {
            card
        };
        // The console's API acts on staff by id: an id no one has, so that no caller of the
        // matrix is deactivated by it.
        let id = if path.starts_with("/api/v1/admin/staff/") {
            999_999
        } else {
            id
        };
        path.replace("{id}", &id.to_string())
            .replace("{file_id}", "1")
            .replace("{hearing}", "1")
            .replace("{file}", "receipt.p7s")
            .replace("{action}", "noop")
            .replace("{code}", "MJ")
            .replace("{token}", "not-a-secret")
    };

    // Someone else's: every route on a resource of the Ministry, called by the staff of another
    // body in each role bound to a body, and by another applicant, is refused (403, or 404
    // that reveals nothing), whatever the role would allow on their own. Done first, on the
    // resources as they were made.
    t.second_body().await;
    let mut others: Vec<(String, String, String)> = Vec::new();
    for role in Role::ALL.iter().filter(|r| r.needs_body()) {
        let (jar, csrf) = t
            .staff(&format!("o.{}", role.as_str()), vec![*role], "AST")
            .await;
        others.push((
            format!("staff:{} of another body", role.as_str()),
            jar,
            csrf,
        ));
    }
    let (org_jar, org_csrf) = t.applicant("org").await;
    others.push(("another applicant".into(), org_jar, org_csrf));
    let mut checked = 0;
    let mut wrong = Vec::new();
    let mut own_resources = 0;
    for rule in rules().iter().filter(|r| {
        r.path.contains("{id}")
            && !matches!(r.access, Access::Public | Access::Secret | Access::Session)
    }) {
        own_resources += 1;
        let path = resource_path(rule.path);
        for (who, jar, csrf) in &others {
            let r = if otinish_web::context::is_staff_api(rule.path) {
                t.api(rule.method, &path, jar, "{}").await
            } else if rule.method == "GET" {
                t.get(&path, jar).await
            } else {
                t.post_form(&path, jar, &format!("csrf={csrf}")).await
            };
            checked += 1;
            let status = r.status.as_u16();
            let location = r
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let refused = matches!(status, 401 | 403 | 404)
                || ((300..400).contains(&status)
                    && (location.starts_with("/staff/login") || location.starts_with("/signin")));
            if !refused {
                wrong.push(format!(
                    "{} {path} as {who}: {status} {location}",
                    rule.method
                ));
            }
        }
    }
    assert!(own_resources >= 20, "{own_resources} resource routes");

    // Resources a role may open in general but not this one: the Ministry's own schedule of
    // personal receptions is its secretary's and head's, while the government office keeps
    // the schedules of the reception centers (PR-01, PR-03).
    // The reception secretary opens only the cards of receptions by videoconference (VC-04),
    // not the body's other appeals.
    let out_of_scope = |path: &str, who: &str| {
        (path.starts_with("/staff/pr/schedules/{id}") && who == "staff:government_office")
            || (path == "/staff/cards/{id}" && who == "staff:reception_secretary")
    };

    // Signing out ends the callers' sessions: those routes go last.
    let mut table = rules();
    table.sort_by_key(|r| match r.path {
        "/api/v1/staff/signout" => 1,
        p if p.ends_with("logout") || p == "/signout" => 2,
        _ => 0,
    });
    for rule in &table {
        let path = resource_path(rule.path);
        for (who, jar, csrf, roles) in &callers {
            let r = match rule.method {
                _ if otinish_web::context::is_staff_api(rule.path) => {
                    t.api(rule.method, &path, jar, "{}").await
                }
                "GET" => t.get(&path, jar).await,
                "PUT" => t.put_json(&path, jar, "{}").await,
                _ => t.post_form(&path, jar, &format!("csrf={csrf}")).await,
            };
            checked += 1;
            let location = r
                .headers
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let status = r.status.as_u16();
            assert!(
                status < 500,
                "{} {path} as {who}: {status} {}",
                rule.method,
                r.text
            );
            // Refused: 401, 403, or sent to a sign-in page; a 404 for a resource reveals
            // nothing and counts as refused too.
            let refused = matches!(status, 401 | 403 | 410)
                || (status == 404 && rule.path.contains('{'))
                || ((300..400).contains(&status)
                    && (location.starts_with("/staff/login") || location.starts_with("/signin")));
            let expected = match rule.access {
                // Signing in is open to all; its 401 means wrong credentials, not a closed door.
                Access::Session => continue,
                Access::Public => true,
                Access::Secret => false,
                Access::Applicant => who == "applicant",
                Access::AnyStaff => !roles.is_empty(),
                Access::Staff(allowed) => roles.iter().any(|r| allowed.contains(r)),
            };
            // Allowed callers may still be told "no such case" (404) or "not this action"
            // (422, 409, 400); what matters is that nobody outside the rule gets in.
            let consistent = if expected {
                !refused || status == 404 || (status == 403 && out_of_scope(rule.path, who))
            } else {
                refused || (matches!(status, 400 | 415) && rule.method == "POST")
            };
            if !consistent {
                wrong.push(format!(
                    "{} {} as {who}: {status} {location} (rule {:?})",
                    rule.method, rule.path, rule.access
                ));
            }
        }
        // Methods the table does not list answer 405: nothing is served without a rule.
        for method in ["GET", "POST"] {
            if table
                .iter()
                .any(|r| r.path == rule.path && r.method == method)
            {
                continue;
            }
            let r = if method == "GET" {
                t.get(&path, "").await
            } else {
                t.post_form(&path, "", "").await
            };
            if r.status != StatusCode::METHOD_NOT_ALLOWED {
                wrong.push(format!(
                    "{method} {} is served without a rule: {}",
                    rule.path, r.status
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {checked} calls disagree with the rules:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert!(
        table.len() >= 90 && checked > 1000,
        "{} rules, {checked} calls",
        table.len()
    );
}

/// Behind a trusted reverse proxy, sign-in limits count per client named in X-Forwarded-For:
/// one client's failures through the proxy do not lock out another behind the same proxy.
#[tokio::test]
async fn sign_in_limits_count_clients_behind_a_trusted_proxy() {
    let t = TestApp::rebuild(TestApp::new().await, |a| {
        a.config.trusted_proxies = vec!["10.0.0.1".parse().unwrap()]
    });
    t.staff("reg", vec![Role::Registrar], "MJ").await;
    let csrf = t
        .get("/staff/login", "")
        .await
        .cookie("otinish_csrf")
        .unwrap();
    let jar = format!("otinish_csrf={csrf}");
    let through_proxy = |client: &str, password: &str| {
        let req = Request::post("/staff/login")
            .header(header::COOKIE, &jar)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", client)
            .extension(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                [10, 0, 0, 1],
                443,
            ))))
            .body(Body::from(format!(
                "csrf={csrf}&login=reg&password={password}"
            )))
            .unwrap();
        let router = t.router.clone();
        async move { reply(router.oneshot(req).await.unwrap_or_else(|e| match e {})).await }
    };
    for _ in 0..5 {
        through_proxy("203.0.113.66", "guess").await;
    }
    assert_eq!(
        through_proxy("203.0.113.66", "pw").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        through_proxy("203.0.113.7", "pw").await.status,
        StatusCode::SEE_OTHER,
        "another client behind the same proxy is not locked out"
    );
}

/// Signing out everywhere ends every session of the staff member (a lost laptop), not only
/// the one on this computer, and not anyone else's.
#[tokio::test]
async fn staff_sign_out_everywhere_ends_every_session() {
    let t = TestApp::new().await;
    t.staff("reg", vec![Role::Registrar], "MJ").await;
    let (laptop, _) = t.login("reg").await;
    let (office, office_csrf) = t.login("reg").await;
    let (other, _) = t.staff("exec", vec![Role::Executor], "MJ").await;
    for jar in [&laptop, &office, &other] {
        assert_eq!(t.get("/staff", jar).await.status, StatusCode::OK);
    }
    let home = t.get("/staff", &office).await;
    assert!(
        home.text.contains("id=\"sign-out-everywhere\""),
        "{}",
        home.text
    );
    let r = t
        .post_form(
            "/staff/logout",
            &office,
            &format!("csrf={office_csrf}&everywhere=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for jar in [&laptop, &office] {
        assert_eq!(t.get("/staff", jar).await.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(t.get("/staff", &other).await.status, StatusCode::OK);
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
    // A new CSRF token with the session: the one from before signing in no longer works.
    let old_csrf = csrf.clone();
    let csrf = ok
        .cookie("otinish_csrf")
        .unwrap_or_else(|| panic!("new CSRF cookie"));
    assert_ne!(csrf, old_csrf);
    let stale = t
        .post_form(
            "/staff/logout",
            &format!("otinish_csrf={csrf}; otinish_session={session}"),
            &format!("csrf={old_csrf}"),
        )
        .await;
    assert_eq!(stale.status, StatusCode::FORBIDDEN);
    let jar = format!("otinish_csrf={csrf}; otinish_session={session}");
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
    // A language outside the documented three is refused, not silently replaced.
    for lang in ["xx", "%09ru", "RU"] {
        let bad = t
            .get(
                &format!("/api/v1/calendar/due?from=2026-03-19&working_days=3&lang={lang}"),
                "otinish_lang=ru",
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{lang}");
        let v: serde_json::Value = serde_json::from_str(&bad.text).unwrap_or_default();
        assert_eq!(v["error"]["fields"][0]["field"], "lang");
        assert_eq!(v["error"]["fields"][0]["message"], "Язык: kk, ru или en.");
    }

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
    assert!(
        !page.text.contains("calendar-unconfirmed"),
        "2026 is confirmed"
    );
    // GEN-02: a term in a year whose transfers do not name their acts says so.
    let page = t
        .get(
            "/calendar?from=2021-06-28&working_days=5",
            "otinish_lang=ru",
        )
        .await;
    assert!(
        page.text.contains("id=\"calendar-unconfirmed\"")
            && page
                .text
                .contains("Календарь на 2021 год ещё не подтверждён"),
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
    // Outside the documented bounds: refused in the envelope, naming the parameter.
    let r = t
        .get("/api/v1/bodies?limit=501&offset=2000000&lang=ru", "")
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap_or_default();
    assert_eq!(v["error"]["fields"][0]["field"], "limit", "{v}");
    assert_eq!(v["error"]["fields"][1]["field"], "offset", "{v}");
    assert!(r.text.contains("от 1 до 500"), "{}", r.text);
    // A body that is not JSON is refused in the same envelope, not as plain text.
    let req = Request::post("/api/v1/auth/signin")
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("not json at all"))
        .unwrap();
    let r = reply(
        t.router
            .clone()
            .oneshot(req)
            .await
            .unwrap_or_else(|e| match e {}),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap_or_default();
    assert_eq!(v["error"]["code"], "bad_body", "{}", r.text);
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
    // Query parameters are documented as such, and the appeal's number as a path parameter.
    assert_eq!(
        v["paths"]["/api/v1/bodies"]["get"]["parameters"][0]["in"],
        "query"
    );
    assert_eq!(
        v["paths"]["/api/v1/appeals/{id}"]["get"]["parameters"][0]["name"],
        "id"
    );
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
    let change = otinish_app::calendar::DayChange::Set(edit);
    // The preview names the open card's term and how it moves, and writes nothing.
    let (moves, preview) = otinish_app::calendar::preview(
        store.as_ref(),
        &t.app.rulebooks,
        &base,
        &change,
        received,
        100,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        moves
            .iter()
            .map(|m| (
                m.card_id,
                m.key.as_str(),
                m.old_due.to_string(),
                m.new_due.to_string()
            ))
            .collect::<Vec<_>>(),
        [(ids[0], "answer", "2026-09-15".into(), "2026-09-14".into())]
    );
    assert_eq!(
        store.calendar_edits("KZ").await.map(|e| e.len()).ok(),
        Some(0)
    );
    let report = t
        .app
        .change_calendar_day(&base, &change, "staff:1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report, preview, "the preview foretold what was applied");
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
    // Removing the edit puts the shipped day back, and the term with it.
    let removed = otinish_app::calendar::DayChange::Remove(
        chrono::NaiveDate::from_ymd_opt(2026, 8, 31).unwrap_or_default(),
    );
    let report = t
        .app
        .change_calendar_day(&base, &removed, "staff:1")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(report.cases_changed, 1);
    assert_eq!(
        answer(store.deadlines(ids[0]).await.unwrap_or_default()),
        Some("2026-09-15".into())
    );
    assert!(matches!(
        t.app.change_calendar_day(&base, &removed, "staff:1").await,
        Err(otinish_app::Error::NotFound(_))
    ));
}

// ---------------------------------------------------------------------------------------
// E-appeals end to end, in-process.

fn multipart(fields: &[(&str, &str)], files: &[(&str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "otinish-test-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    for (name, bytes) in files {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend(*bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl TestApp {
    fn rebuild(t: TestApp, change: impl FnOnce(&mut App)) -> TestApp {
        let TestApp {
            app,
            router,
            clock,
            _dir,
        } = t;
        drop(router);
        let mut app = Arc::try_unwrap(app).unwrap_or_else(|_| panic!("the app is still shared"));
        change(&mut app);
        let app = Arc::new(app);
        TestApp {
            router: otinish_web::router(app.clone()),
            app,
            clock,
            _dir,
        }
    }

    fn with_clock(t: TestApp, now: DateTime<Utc>) -> TestApp {
        t.clock.set(now);
        t
    }

    fn without_demo(t: TestApp) -> TestApp {
        Self::rebuild(t, |a| a.settings.demo = false)
    }

    async fn post_multipart(
        &self,
        uri: &str,
        cookies: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &[u8])],
    ) -> Reply {
        let (ct, body) = multipart(fields, files);
        let req = Request::post(uri)
            .header(header::COOKIE, cookies)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        reply(
            self.router
                .clone()
                .oneshot(req)
                .await
                .unwrap_or_else(|e| match e {}),
        )
        .await
    }

    /// Signs in a demo applicant; returns the cookie jar and the CSRF token.
    async fn applicant(&self, signer: &str) -> (String, String) {
        let page = self.get("/signin", "").await;
        let csrf = page.cookie("otinish_csrf").unwrap();
        let jar = format!("otinish_csrf={csrf}");
        let r = self
            .post_form(
                "/signin/demo",
                &jar,
                &format!("csrf={csrf}&signer={signer}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        let token = r.cookie("otinish_applicant").unwrap();
        // Signing in gives a new CSRF token.
        let fresh = r.cookie("otinish_csrf").unwrap();
        assert_ne!(fresh, csrf, "the CSRF token is renewed at sign-in");
        (
            format!("otinish_csrf={fresh}; otinish_applicant={token}"),
            fresh,
        )
    }

    async fn staff(&self, login: &str, roles: Vec<Role>, body_code: &str) -> (String, String) {
        let body = self.app.store.body_by_code(body_code).await.unwrap();
        let now = self.app.clock.now();
        self.app
            .store
            .create_staff(
                &NewStaff {
                    position: String::new(),
                    login: login.into(),
                    full_name: format!("{login} full name"),
                    email: None,
                    body_id: Some(body.id),
                    branch_id: None,
                    roles,
                    password_hash: otinish_web::auth::hash_password("pw").unwrap(),
                    lang: Lang::Ru,
                },
                JournalDraft::new(now, "test", "", "create_staff"),
            )
            .await
            .unwrap();
        self.register_identity(login).await;
        self.login(login).await
    }

    /// A staff member of no body (the deployment's administrator, the call center), signed in.
    async fn staff_of_no_body(&self, login: &str, roles: Vec<Role>) -> (String, String) {
        self.app
            .store
            .create_staff(
                &NewStaff {
                    position: String::new(),
                    login: login.into(),
                    full_name: format!("{login} full name"),
                    email: None,
                    body_id: None,
                    branch_id: None,
                    roles,
                    password_hash: otinish_web::auth::hash_password("pw").unwrap(),
                    lang: Lang::Ru,
                },
                JournalDraft::new(self.app.clock.now(), "test", "", "create_staff"),
            )
            .await
            .unwrap();
        self.login(login).await
    }

    /// EA-09: the staff member's IIN (a made-up twelve digits, unique per login) and their
    /// body's BIN, so that they can sign with their (demo) key.
    async fn register_identity(&self, login: &str) {
        use std::hash::{Hash, Hasher};
        let now = self.app.clock.now();
        let staff = self.app.store.staff_credentials(login).await.unwrap().0;
        let mut h = std::collections::hash_map::DefaultHasher::new();
        login.hash(&mut h);
        let iin = otinish_domain::ids::Iin::from_certificate(&format!(
            "{:012}",
            h.finish() % 1_000_000_000_000
        ))
        .unwrap();
        self.app
            .store
            .set_staff_iin(
                staff.id,
                Some(&iin),
                JournalDraft::new(now, "test", "", "set_staff_iin"),
            )
            .await
            .unwrap();
        if let Some(body_id) = staff.body_id {
            let body = self.app.store.body(body_id).await.unwrap();
            if body.bin.is_none() {
                let bin =
                    otinish_domain::ids::Bin::from_certificate(&format!("9401400{:05}", body_id))
                        .unwrap();
                self.app
                    .store
                    .set_body_bin(
                        body_id,
                        Some(&bin),
                        JournalDraft::new(now, "test", "", "set_body_bin"),
                    )
                    .await
                    .unwrap();
            }
        }
    }

    async fn login(&self, login: &str) -> (String, String) {
        let csrf = self
            .get("/staff/login", "")
            .await
            .cookie("otinish_csrf")
            .unwrap();
        let jar = format!("otinish_csrf={csrf}");
        let r = self
            .post_form(
                "/staff/login",
                &jar,
                &format!("csrf={csrf}&login={login}&password=pw"),
            )
            .await;
        let session = r
            .cookie("otinish_session")
            .unwrap_or_else(|| panic!("{login} not signed in: {}", r.text));
        // Signing in gives a new CSRF token.
        let csrf = r.cookie("otinish_csrf").unwrap();
        (
            format!("otinish_csrf={csrf}; otinish_session={session}"),
            csrf,
        )
    }

    /// Signs a staff member in with their key (the staff sign-in challenge signed by `key`);
    /// returns the cookie jar and the CSRF token.
    async fn key_login(&self, key: &otinish_pki::sign::SigningKey) -> (String, String) {
        use base64::Engine;
        let login = self.get("/staff/login", "").await;
        let csrf = login.cookie("otinish_csrf").unwrap();
        let challenge = login
            .text
            .split("name=\"challenge\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned();
        let cms = key
            .sign_cms(challenge.as_bytes(), true, self.app.clock.now())
            .unwrap();
        let sig = base64::engine::general_purpose::STANDARD
            .encode(cms)
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D");
        let r = self
            .post_form(
                "/staff/login/key",
                &format!("otinish_csrf={csrf}"),
                &format!(
                    "csrf={csrf}&challenge={}&signature={sig}",
                    challenge.replace(':', "%3A")
                ),
            )
            .await;
        let session = r
            .cookie("otinish_session")
            .unwrap_or_else(|| panic!("not signed in by key: {}", r.text));
        let csrf = r.cookie("otinish_csrf").unwrap();
        (
            format!("otinish_csrf={csrf}; otinish_session={session}"),
            csrf,
        )
    }

    async fn second_body(&self) -> i64 {
        let now = self.app.clock.now();
        self.app
            .store
            .create_body(
                &NewBody {
                    code: "AST".into(),
                    name: Names::new("Астана әкімдігі", "Акимат Астаны", "Akimat of Astana"),
                    parent_code: None,
                    competence: vec!["housing".into()],
                    vks_connected: false,
                    video_appeal_connected: false,
                    contacts: Contacts::default(),
                    time_zone: "Asia/Almaty".into(),
                },
                JournalDraft::new(now, "test", "", "create_body"),
            )
            .await
            .unwrap()
            .id
    }
}

/// A staff step of a card whose journal entry keeps the signed document: the signature,
/// verified, and the entry's details.
async fn signed_journal_step(
    t: &TestApp,
    card: i64,
    action: &str,
) -> (otinish_pki::Verified, serde_json::Value) {
    use base64::Engine;
    let entry = t
        .app
        .store
        .journal_for(&format!("card:{card}"))
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.draft.action == action)
        .unwrap_or_else(|| panic!("no {action} in the journal"));
    let d: serde_json::Value = serde_json::from_str(&entry.draft.details).unwrap();
    let cms = base64::engine::general_purpose::STANDARD
        .decode(d["signed"]["signature"].as_str().unwrap())
        .unwrap();
    let v = otinish_pki::verify(&cms, None, &t.app.pki.trust.get(), t.app.clock.now()).unwrap();
    (v, d)
}

fn card_id_of(r: &Reply) -> i64 {
    let loc = r
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    loc.split('?')
        .next()
        .and_then(|path| path.rsplit('/').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no card id in {loc}: {}",
                between(&r.text, "<main", "</main>")
            )
        })
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let i = text.find(start).map(|i| i + start.len()).unwrap_or(0);
    let j = text[i..].find(end).map(|j| i + j).unwrap_or(text.len());
    &text[i..j]
}

/// EA-01 … EA-11, EA-14, and EA-05's three stages (the applicant sends; the body receives
/// and processes; the applicant receives the answer): an individual signs in with a signature, files an appeal with an
/// attachment, gets a signed receipt that verifies publicly; it is registered automatically
/// with a number and an executor; it is sent for execution, decided, signed by the head and
/// the registrar, and the answer and every notice reach the cabinet. A second appeal is
/// redirected to the competent body.
#[tokio::test]
async fn ea_01_to_ea_11_appeal_end_to_end() {
    let t = TestApp::new().await;
    let ast = t.second_body().await;
    let (jar, csrf) = t.applicant("person").await;
    let cabinet = t.get("/cabinet", &jar).await;
    assert!(
        cabinet.text.contains("АХМЕТОВ БАУЫРЖАН СЕРІКҰЛЫ"),
        "identity comes from the certificate"
    );
    let form = t.get("/cabinet/appeals/new", &jar).await;
    assert!(
        form.text.contains("791028302728") && form.text.contains("readonly"),
        "EA-03: IIN read-only"
    );
    let mj = t.app.store.body_by_code("MJ").await.unwrap();
    let (registrar, rcsrf) = t.staff("reg", vec![Role::Registrar], "MJ").await;
    let (executor, ecsrf) = t.staff("exec", vec![Role::Executor], "MJ").await;
    let (head, hcsrf) = t.staff("head", vec![Role::Head], "MJ").await;
    let recipient = mj.id.to_string();
    let fields = |key: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("idempotency_key", key.to_string()),
            ("recipient", recipient.clone()),
            ("kind", "statement".to_string()),
            ("postal_address", "с. Коктал, ул. Абая 1".to_string()),
            (
                "content",
                format!("Прошу разъяснить порядок получения справки ({key})"),
            ),
            ("demo_sign", "1".to_string()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| {
        v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>()
    };

    // EA-02: without a signature the appeal cannot be sent, and the page says why.
    let unsigned: Vec<(&str, String)> = as_refs(&fields("u"))
        .into_iter()
        .filter(|(k, _)| *k != "demo_sign")
        .collect();
    let unsigned: Vec<(&str, &str)> = unsigned.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = t
        .post_multipart("/cabinet/appeals", &jar, &unsigned, &[])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Обращение без подписи отправить нельзя"),
        "{}",
        r.text
    );

    let f1 = as_refs(&fields("first"));
    let f1: Vec<(&str, &str)> = f1.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let pdf = b"%PDF-1.4 the attached scan".to_vec();
    let r = t
        .post_multipart("/cabinet/appeals", &jar, &f1, &[("scan.pdf", &pdf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id = card_id_of(&r);
    // A retry with the same idempotency key returns the same appeal.
    let again = t
        .post_multipart("/cabinet/appeals", &jar, &f1, &[("scan.pdf", &pdf)])
        .await;
    assert_eq!(card_id_of(&again), id);

    // EA-07.1, EA-08: registered automatically, with a number and an executor; a signed receipt.
    let page = t.get(&format!("/cabinet/appeals/{id}"), &jar).await;
    assert!(
        page.text.contains("Зарегистрировано") && page.text.contains("MJ-2026-000001"),
        "{}",
        page.text
    );
    assert!(page.text.contains("scan.pdf"));
    // EA-14, GEN-04: the terms from the rulebook, in words the applicant can check: what, by
    // when, how counted and from what, the days not counted and why; no codes.
    for words in [
        "Административная процедура (ст. 76 АППК) — до 14.04.2026 включительно",
        "15 рабочих дней со дня поступления (19.03.2026)",
        "Наурыз мейрамы",
    ] {
        assert!(page.text.contains(words), "{words}: {}", page.text);
    }
    assert!(
        !page.text.contains("VC-19") && !page.text.contains("APPC-2021"),
        "no clause IDs or rulebook codes on a page a person reads"
    );
    let code = between(&page.text, "/verify/", "\"").to_owned();
    assert_eq!(code.len(), 20, "{code}");
    assert!(page.text.contains("<svg"), "the receipt carries a QR code");
    let card = t.app.store.card(id).await.unwrap();
    let exec_user = t.app.store.staff_credentials("exec").await.unwrap().0;
    assert_eq!(card.executor_id, Some(exec_user.id));

    // The receipt is a signed document that verifies with the deployment's trust anchors.
    let p7s = t
        .get(
            &format!("/cabinet/appeals/{id}/documents/receipt.p7s"),
            &jar,
        )
        .await;
    let req = Request::get(format!("/cabinet/appeals/{id}/documents/receipt.p7s"))
        .header(header::COOKIE, &jar)
        .body(Body::empty())
        .unwrap();
    let resp = t
        .router
        .clone()
        .oneshot(req)
        .await
        .unwrap_or_else(|e| match e {});
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(p7s.status, StatusCode::OK);
    let v = otinish_pki::verify(&bytes, None, &t.app.pki.trust.get(), Utc::now()).unwrap();
    let receipt: serde_json::Value = serde_json::from_slice(&v.content).unwrap();
    // It names the appeal by what the applicant signed, and the code leads to the card.
    let stored = t.app.store.appeal(id).await.unwrap();
    assert_eq!(receipt["otinish"], "receipt/2");
    assert_eq!(
        receipt["document_sha256"],
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            stored.signed_document.as_bytes()
        ))
        .as_str()
    );
    assert_eq!(receipt["verification_code"], code.as_str());

    // The receipt as a PDF to keep: read back by poppler's pdftotext (not ours), in Russian
    // and in Kazakh, with the number, the due day and the verification code; the font is
    // embedded, so it reads the same on a machine without it.
    let pdf = t
        .get(
            &format!("/cabinet/appeals/{id}/documents/receipt.pdf"),
            &jar,
        )
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
    assert!(pdf.bytes.starts_with(b"%PDF-"));
    assert!(pdf.bytes.len() < 120_000, "{} bytes", pdf.bytes.len());
    if let Some(text) = read_pdf(&pdf.bytes) {
        for words in [
            "Квитанция о приёме обращения",
            "MJ-2026-000001",
            "Ответ будет дан не позднее",
            "14.04.2026",
            "АХМЕТОВ",
            code.as_str(),
        ] {
            assert!(text.contains(words), "{words}: {text}");
        }
    }
    let kk = t
        .get(
            &format!("/cabinet/appeals/{id}/documents/receipt.pdf?lang=kk"),
            &jar,
        )
        .await;
    if let Some(text) = read_pdf(&kk.bytes) {
        assert!(
            text.contains("Өтініштің қабылданғаны туралы түбіртек") && text.contains("14.04.2026"),
            "{text}"
        );
    }
    assert_eq!(
        t.get(&format!("/cabinet/appeals/{id}/documents/answer.pdf"), &jar)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "no answer yet"
    );

    // The public page: authentic, when, by which body — nothing personal.
    let public = t.get(&format!("/verify/{code}"), "").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(
        public.text.contains("Документ подлинный")
            && public.text.contains("Министерство юстиции")
            && public.text.contains("MJ-2026-000001")
    );
    assert!(!public.text.contains("АХМЕТОВ") && !public.text.contains("791028302728"));
    assert_eq!(
        t.get("/verify/NOSUCHCODE0000000000", "").await.status,
        StatusCode::NOT_FOUND
    );

    // Another applicant cannot see it.
    let (other_jar, _) = t.applicant("org").await;
    assert_eq!(
        t.get(&format!("/cabinet/appeals/{id}"), &other_jar)
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // The registrar's inbox shows it registered; a staff member of another body cannot open it.
    let inbox = t.get("/staff/inbox", &registrar).await;
    assert!(
        inbox.text.contains("MJ-2026-000001") && inbox.text.contains("Зарегистрировано"),
        "{}",
        inbox.text
    );
    let (stranger, _) = t.staff("ast.reg", vec![Role::Registrar], "AST").await;
    assert_eq!(
        t.get(&format!("/staff/cards/{id}"), &stranger).await.status,
        StatusCode::FORBIDDEN
    );
    // VC-20: the executor sees the cards assigned to them, not the body's whole inbox.
    assert_eq!(
        t.get("/staff/inbox", &executor).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(t
        .get("/staff/my", &executor)
        .await
        .text
        .contains("MJ-2026-000001"));
    let (other_exec, _) = t.staff("exec2", vec![Role::Executor], "MJ").await;
    assert_eq!(
        t.get(&format!("/staff/cards/{id}"), &other_exec)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    // An executor may not send for execution (registrar or head only).
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/send"),
            &executor,
            &format!("csrf={ecsrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/send"),
            &registrar,
            &format!("csrf={rcsrf}&executor={}", exec_user.id),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // EA-10: the execution card records progress.
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/progress"),
            &executor,
            &format!("csrf={ecsrf}&note=Запрошены+сведения+в+ЦОН"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/progress"),
            &executor,
            &format!("csrf={ecsrf}&note="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(t
        .get(&format!("/staff/cards/{id}"), &executor)
        .await
        .text
        .contains("Запрошены сведения в ЦОН"));
    // EA-10: the executor decides with a decision the rulebook allows.
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/decide"),
            &executor,
            &format!("csrf={ecsrf}&decision=appoint_reception&answer=Текст+ответа+исполнителя"),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not an allowed decision for a portal appeal"
    );
    // Refused on the card itself, with the reason, and the typed answer is not lost.
    assert!(
        r.text.contains("role=\"alert\"")
            && r.text.contains(">Текст ответа исполнителя</textarea>"),
        "{}",
        r.text
    );
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/decide"),
            &executor,
            &format!("csrf={ecsrf}&decision=explained&answer=Справку+выдает+ЦОН"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    // VA-12: a repeated appeal on the same question joins the first: its term runs from the
    // first, and its applicant is told the result with it.
    let f3 = as_refs(&fields("third"));
    let f3: Vec<(&str, &str)> = f3.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let third = card_id_of(&t.post_multipart("/cabinet/appeals", &jar, &f3, &[]).await);
    let r = t
        .post_form(
            &format!("/staff/cards/{third}/attach"),
            &registrar,
            &format!("csrf={rcsrf}&main={third}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "not to itself");
    let r = t
        .post_form(
            &format!("/staff/cards/{third}/attach"),
            &registrar,
            &format!("csrf={rcsrf}&main={id}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        t.app.store.card(third).await.unwrap().state,
        CardState::Attached
    );
    let due = |ds: Vec<otinish_domain::repo::StoredDeadline>| {
        ds.into_iter().find(|d| d.key == "answer").map(|d| d.due_at)
    };
    assert_eq!(
        due(t.app.store.deadlines(third).await.unwrap()),
        due(t.app.store.deadlines(id).await.unwrap())
    );

    // EA-09: the head and the registrar sign with their own keys; then the answer goes out.
    // The answer document is what they sign: the card shows it.
    let page = t.get(&format!("/staff/cards/{id}"), &head).await;
    let document = t
        .app
        .answer_document(&t.app.store.card(id).await.unwrap())
        .await
        .unwrap()
        .0;
    assert!(
        page.text.contains("id=\"answer-document\""),
        "{}",
        page.text
    );
    let head_user = t.app.store.staff_credentials("head").await.unwrap().0;
    let body = t.app.store.body(mj.id).await.unwrap();
    let key = |slug: &str, iin: &str, bin: Option<&str>, purpose| {
        otinish_pki::sign::demo_key(
            &t._dir.path().join("keys"),
            &t._dir.path().join("trust"),
            slug,
            &otinish_pki::sign::KzSubject {
                surname: "БАСШЫ".into(),
                name: "ТЕСТ".into(),
                patronymic: None,
                iin: iin.into(),
                organization: Some(body.name.ru.clone()),
                bin: bin.map(str::to_owned),
                email: None,
            },
            purpose,
            t.app.clock.now(),
        )
        .unwrap()
    };
    let sign_with = |k: otinish_pki::sign::SigningKey| {
        use base64::Engine;
        let cms = k
            .sign_cms(document.as_bytes(), true, t.app.clock.now())
            .unwrap();
        base64::engine::general_purpose::STANDARD.encode(cms)
    };
    use otinish_pki::gost_ca::Purpose;
    let head_iin = head_user.iin.clone().unwrap();
    let bin = body.bin.clone().unwrap();
    for (k, want) in [
        // Someone else's key of the same body.
        (
            key("t-other", "850315400124", Some(&bin), Purpose::Signing),
            "ключ принадлежит другому человеку",
        ),
        // The head's own personal key: not an employee's of this body.
        (
            key("t-personal", &head_iin, None, Purpose::Signing),
            "не является ключом сотрудника этого органа",
        ),
        // The head's employee key without the right to sign.
        (
            key("t-employee", &head_iin, Some(&bin), Purpose::Employee),
            "первый руководитель или лицо с правом подписи",
        ),
    ] {
        let sig = sign_with(k);
        let r = t
            .post_form(
                &format!("/staff/cards/{id}/sign"),
                &head,
                &format!(
                    "csrf={hcsrf}&signature={}",
                    sig.replace('+', "%2B")
                        .replace('/', "%2F")
                        .replace('=', "%3D")
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{want}");
        assert!(
            r.text.contains(want),
            "{want}: {}",
            between(&r.text, "<main", "</main>")
        );
    }
    assert!(t.app.store.answer_signatures(id).await.unwrap().is_empty());
    // The head's first-head key of this body: accepted.
    let sig = sign_with(key("t-head", &head_iin, Some(&bin), Purpose::Signing));
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/sign"),
            &head,
            &format!(
                "csrf={hcsrf}&signature={}",
                sig.replace('+', "%2B")
                    .replace('/', "%2F")
                    .replace('=', "%3D")
            ),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        between(&r.text, "<main", "</main>")
    );
    assert_eq!(
        t.app.store.card(id).await.unwrap().state,
        CardState::Decided,
        "one signature is not enough"
    );
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/sign"),
            &registrar,
            &format!("csrf={rcsrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.app.store.card(id).await.unwrap().state,
        CardState::Answered
    );
    // The signed answer is one SignedData with both signatures, the head's and the
    // registrar's (their registered IINs), over the document they were shown.
    let answer = t
        .app
        .store
        .signed_documents(id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.kind == "answer")
        .unwrap();
    assert_eq!(answer.document, document);
    let v = otinish_pki::verify(
        &answer.signature,
        None,
        &t.app.pki.trust.get(),
        t.app.clock.now(),
    )
    .unwrap();
    let mut iins: Vec<String> = v
        .signers
        .iter()
        .map(|s| s.identity.iin.as_ref().unwrap().to_string())
        .collect();
    iins.sort();
    let registrar_iin = t
        .app
        .store
        .staff_credentials("reg")
        .await
        .unwrap()
        .0
        .iin
        .unwrap();
    let mut want = vec![head_iin.clone(), registrar_iin];
    want.sort();
    assert_eq!(iins, want);
    assert!(v
        .signers
        .iter()
        .all(|s| s.identity.bin.as_ref().map(|b| b.as_str()) == Some(bin.as_str())));

    // The answer letter has its own outgoing number (the body's register of outgoing letters),
    // its date, the incoming number it answers, and who signed it with their positions.
    let letter = t
        .get(&format!("/staff/cards/{id}/letter"), &registrar)
        .await;
    assert_eq!(letter.status, StatusCode::OK);
    for words in [
        "Исх. № MJ-2026/00001 от ",
        "На вх. № MJ-2026-000001 от 19.03.2026",
        "Руководитель / заместитель — ",
        "Регистратор (канцелярия) — ",
    ] {
        assert!(letter.text.contains(words), "{words}: {}", letter.text);
    }
    let answer_doc = t
        .app
        .store
        .signed_documents(id)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.kind == "answer")
        .unwrap();
    assert_eq!(
        answer_doc.outgoing,
        Some(otinish_domain::repo::OutgoingNumber { year: 2026, seq: 1 })
    );

    // EA-10: the case goes to the archive.
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/archive"),
            &registrar,
            &format!("csrf={rcsrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.app.store.card(id).await.unwrap().state,
        CardState::Archived
    );
    let joined = t.app.store.card(third).await.unwrap();
    assert_eq!(
        joined.state,
        CardState::Archived,
        "considered with the main appeal"
    );
    assert!(t
        .app
        .store
        .notices_of_card(third)
        .await
        .unwrap()
        .iter()
        .any(|n| n.kind == otinish_domain::notice::NoticeKind::Result));

    // The applicant sees the answer and every notice (EA-07: receipt, registration,
    // execution, result), each by cabinet and email.
    let page = t.get(&format!("/cabinet/appeals/{id}"), &jar).await;
    assert!(
        page.text.contains("В архиве") && page.text.contains("Справку выдает ЦОН"),
        "{}",
        page.text
    );
    assert!(page.text.contains("id=\"doc-answer\""));
    // The answer as a PDF, read back by pdftotext: the number, the decision, the text.
    let pdf = t
        .get(&format!("/cabinet/appeals/{id}/documents/answer.pdf"), &jar)
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    if let Some(text) = read_pdf(&pdf.bytes) {
        for words in [
            "Ответ на обращение",
            "MJ-2026-000001",
            "№ MJ-2026/00001 от",
            "Разъяснено",
            "Справку выдает ЦОН",
            "Руководитель / заместитель — ",
        ] {
            assert!(text.contains(words), "{words}: {text}");
        }
    }
    let notices = t.app.store.notices_of_card(id).await.unwrap();
    let kinds: Vec<_> = notices
        .iter()
        .filter(|n| n.channel == otinish_domain::notice::NoticeChannel::Cabinet)
        .map(|n| n.kind.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["receipt", "registered", "sent_for_execution", "result"]
    );
    let result = notices
        .iter()
        .find(|n| n.kind == otinish_domain::notice::NoticeKind::Result)
        .unwrap();
    assert!(
        result.body.contains("разъяснено") && result.body.contains("exec full name"),
        "{}",
        result.body
    );

    // EA-11: a second appeal is redirected; the applicant is told, the other body registers it.
    let f2 = as_refs(&fields("second"));
    let f2: Vec<(&str, &str)> = f2.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let second = card_id_of(&t.post_multipart("/cabinet/appeals", &jar, &f2, &[]).await);
    let r = t
        .post_form(
            &format!("/staff/cards/{second}/redirect"),
            &executor,
            &format!("csrf={ecsrf}&to_body={ast}&reason=housing+is+the+akimat%27s"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        t.app.store.card(second).await.unwrap().state,
        CardState::Redirected
    );
    let there = t
        .app
        .store
        .inbox(
            ast,
            &[CardState::Registered],
            otinish_domain::repo::PageRequest::default(),
        )
        .await
        .unwrap();
    assert_eq!(there.total, 1);
    assert_eq!(
        there.items[0].reg_number.as_ref().map(|n| n.to_string()),
        Some("AST-2026-000001".to_string())
    );
    let redirected = t.app.store.notices_of_card(second).await.unwrap();
    assert!(redirected
        .iter()
        .any(|n| n.kind == otinish_domain::notice::NoticeKind::Redirected
            && n.body.contains("Акимат Астаны")));

    // EA-13: form 1-OL counts them: three received, all closed in term (one answered, one
    // redirected, one attached and answered with it).
    let report = t.get("/staff/reports/1-ol?year=2026", &registrar).await;
    assert_eq!(report.status, StatusCode::OK);
    assert!(
        report.text.contains("Форма 1-ОЛ") && report.text.contains("рассмотрено в срок"),
        "{}",
        report.text
    );
    let csv = t
        .get("/staff/reports/1-ol?year=2026&format=csv", &registrar)
        .await;
    // indicator, Kazakh label, Russian label, the body's column, the total.
    let figure = |key: &str| -> String {
        csv.text
            .lines()
            .find(|l| l.starts_with(&format!("{key},")))
            .and_then(|l| l.rsplit(',').next())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(
        csv.text.contains("\"Поступило\"") && csv.text.contains("\"Түсті\""),
        "{}",
        csv.text
    );
    assert_eq!(figure("received"), "3", "{}", csv.text);
    assert_eq!(figure("resolution.redirected"), "1");
    assert_eq!(
        figure("resolution.attached"),
        "1",
        "answered with the main one"
    );
    assert_eq!(figure("resolution.in_progress"), "0");
    assert_eq!(figure("repeated"), "1");
    assert_eq!(figure("resolution.explained"), "1");
    assert_eq!(figure("term.closed_in_term"), "3");
    assert_eq!(figure("applicant.individual"), "3");
    assert_eq!(
        t.get("/staff/reports/1-ol", &executor).await.status,
        StatusCode::FORBIDDEN
    );

    // The whole story is in the journal, and the chain holds.
    assert!(otinish_store::verify_journal(t.app.store.as_ref(), |_| {})
        .await
        .is_ok());
}

/// EA-04: a legal entity's appeal with 256 characters of short content is refused with the
/// seed's message; 255 are accepted.
#[tokio::test]
async fn ea_04_legal_entity_256_characters_refused_with_seed_message() {
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("org").await;
    let form = t.get("/cabinet/appeals/new", &jar).await;
    assert!(form.text.contains("940140000385") && form.text.contains("short_content"));
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let submit = |short: String, key: &'static str| {
        let csrf = csrf.clone();
        let mj = mj.clone();
        let jar = jar.clone();
        let t = &t;
        async move {
            let fields = [
                ("csrf", csrf.as_str()),
                ("idempotency_key", key),
                ("signer_surname", "Жанболатов"),
                ("signer_name", "Ерлан"),
                ("org_name", "ТОО «Ромашка»"),
                ("outgoing_number", "12/345"),
                ("outgoing_date", "2026-03-18"),
                ("postal_address", "Астана, Мангилик Ел 8"),
                ("recipient", mj.as_str()),
                ("kind", "request"),
                ("short_content", short.as_str()),
                ("demo_sign", "1"),
            ];
            t.post_multipart("/cabinet/appeals", &jar, &fields, &[])
                .await
        }
    };
    let r = submit("ж".repeat(256), "a").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("Количество символов превышено, оформите обращение во вложении"),
        "{}",
        r.text
    );
    assert!(r.text.contains("aria-invalid=\"true\""));
    let r = submit("ж".repeat(255), "b").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

/// EA-15: the author deletes an appeal from their space; the body keeps its record.
#[tokio::test]
async fn ea_15_delete_from_cabinet_keeps_the_record() {
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", "k"),
        ("recipient", mj.as_str()),
        ("kind", "proposal"),
        ("postal_address", "Астана"),
        ("content", "Предлагаю"),
        ("demo_sign", "1"),
    ];
    let filed = t
        .post_multipart("/cabinet/appeals", &jar, &fields, &[])
        .await;
    let id = card_id_of(&filed);
    // The filing is confirmed: the registration number large, the body, what happens next.
    let location = filed.headers[header::LOCATION].to_str().unwrap().to_owned();
    let confirmed = t.get(&location, &jar).await;
    assert!(
        confirmed.text.contains("Обращение принято"),
        "{}",
        confirmed.text
    );
    let number = t
        .app
        .store
        .card(id)
        .await
        .unwrap()
        .reg_number
        .map(|n| n.to_string());
    match number {
        Some(n) => assert!(confirmed
            .text
            .contains(&format!("id=\"filed-number\">{n}<"))),
        None => assert!(confirmed.text.contains("будет присвоен при регистрации")),
    }
    assert!(confirmed.text.contains("Что дальше"));
    assert!(!t
        .get(&format!("/cabinet/appeals/{id}"), &jar)
        .await
        .text
        .contains("Обращение принято"));
    // Without the confirmation nothing is removed and the page says what removal does.
    let r = t
        .post_form(
            &format!("/cabinet/appeals/{id}/delete"),
            &jar,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("не отзывается"), "{}", r.text);
    assert_eq!(
        t.get(&format!("/cabinet/appeals/{id}"), &jar).await.status,
        StatusCode::OK
    );
    let r = t
        .post_form(
            &format!("/cabinet/appeals/{id}/delete"),
            &jar,
            &format!("csrf={csrf}&confirm=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.get(&format!("/cabinet/appeals/{id}"), &jar).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(!t
        .get("/cabinet", &jar)
        .await
        .text
        .contains(&format!("/cabinet/appeals/{id}\"")));
    assert_eq!(t.app.store.card(id).await.unwrap().id, id);
}

/// GEN-08: an appeal governed by criminal procedure is outside the appeals rules: the registrar
/// closes it with that ground, the applicant is told which procedure applies, and 1-OL counts it
/// as outside the rules. The ground is required; executors and other bodies cannot do it.
#[tokio::test]
async fn gen_08_appeal_outside_the_rules_closed_with_that_reason() {
    let t = TestApp::new().await;
    t.second_body().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", "gen08"),
        ("recipient", mj.as_str()),
        ("kind", "complaint"),
        ("postal_address", "Астана"),
        (
            "content",
            "Прошу отменить постановление следователя о прекращении уголовного дела",
        ),
        ("demo_sign", "1"),
    ];
    let id = card_id_of(
        &t.post_multipart("/cabinet/appeals", &jar, &fields, &[])
            .await,
    );
    assert_eq!(
        t.app.store.card(id).await.unwrap().state,
        CardState::Registered
    );
    let (registrar, rcsrf) = t.staff("reg", vec![Role::Registrar], "MJ").await;
    let (executor, ecsrf) = t.staff("exec", vec![Role::Executor], "MJ").await;
    let (stranger, scsrf) = t.staff("ast.reg", vec![Role::Registrar], "AST").await;
    let url = format!("/staff/cards/{id}/out-of-scope");
    let body = |csrf: &str, ground: &str| {
        format!("csrf={csrf}&ground={ground}&explanation=Обжалуйте+постановление+прокурору")
    };

    // The card page offers the action to the registrar, with the three procedures.
    let page = t.get(&format!("/staff/cards/{id}"), &registrar).await;
    assert!(
        page.text.contains("id=\"action-out-of-scope\"")
            && page.text.contains("value=\"criminal_procedure\""),
        "{}",
        page.text
    );
    // An executor and another body's registrar may not close it.
    let r = t
        .post_form(&url, &executor, &body(&ecsrf, "criminal_procedure"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(&url, &stranger, &body(&scsrf, "criminal_procedure"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The ground is required and must be one of the three; the page says so in Russian.
    for ground in ["", "tax_procedure"] {
        let r = t.post_form(&url, &registrar, &body(&rcsrf, ground)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{ground}");
        assert!(
            r.text
                .contains("Выберите порядок, которым регулируется обращение"),
            "{}",
            r.text
        );
    }
    let r = t
        .post_form(
            &url,
            &registrar,
            &format!("csrf={rcsrf}&ground=criminal_procedure&explanation=+"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "explanation");
    assert_eq!(
        t.app.store.card(id).await.unwrap().state,
        CardState::Registered,
        "nothing changed on refused input"
    );

    let r = t
        .post_form(&url, &registrar, &body(&rcsrf, "criminal_procedure"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let card = t.app.store.card(id).await.unwrap();
    assert_eq!(
        (card.state, card.decision.as_deref()),
        (CardState::ClosedOutOfScope, Some("criminal_procedure"))
    );
    // Closed once: a second attempt is refused and changes nothing.
    let again = t
        .post_form(&url, &registrar, &body(&rcsrf, "civil_procedure"))
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.app.store.card(id).await.unwrap().decision.as_deref(),
        Some("criminal_procedure")
    );

    // The applicant is told which procedure applies and what to do.
    let notice = t
        .app
        .store
        .notices_of_card(id)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.kind == otinish_domain::notice::NoticeKind::OutOfScope)
        .expect("a notice of the closing");
    assert!(
        notice
            .body
            .contains("уголовно-процессуальным законодательством")
            && notice.body.contains("Обжалуйте постановление прокурору"),
        "{}",
        notice.body
    );
    let cabinet = t.get(&format!("/cabinet/appeals/{id}"), &jar).await;
    assert!(
        cabinet
            .text
            .contains("уголовно-процессуальным законодательством"),
        "{}",
        cabinet.text
    );
    // The decision and the explanation are shown up front, not only in the notices.
    let outcome = between(&cabinet.text, "<dd id=\"outcome\">", "</dd>");
    assert!(
        outcome.contains("регулируется уголовно-процессуальным законодательством")
            && outcome.contains("Обжалуйте постановление прокурору"),
        "{outcome}"
    );
    // The staff card names the ground; the journal records who closed it and why.
    let page = t.get(&format!("/staff/cards/{id}"), &registrar).await;
    assert!(
        page.text
            .contains("регулируется уголовно-процессуальным законодательством")
            && page.text.contains("закрыто: относится к иной процедуре")
            && !page.text.contains("close_out_of_scope"),
        "{}",
        page.text
    );
    // 1-OL counts it as outside the rules, and closed.
    let report = t
        .get(
            "/staff/reports/1-ol?body=MJ&from=2026-01-01&to=2026-12-31&format=json",
            &registrar,
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&report.text).unwrap();
    assert_eq!(v["total"]["by_resolution"]["out_of_scope"], 1, "{v}");
    assert_eq!(v["total"]["received"], 1, "{v}");
}

/// VC-20: each opening of an applicant's personal data by staff is recorded before it is shown
/// (who, when, which card, what), and the body's security officer — only theirs — reviews the
/// record, which names no applicant.
#[tokio::test]
async fn vc_20_access_to_personal_data_is_recorded_and_reviewed() {
    let t = TestApp::new().await;
    t.second_body().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", "vc20"),
        ("recipient", mj.as_str()),
        ("kind", "statement"),
        ("postal_address", "Астана"),
        ("content", "Прошу разъяснить порядок получения справки"),
        ("demo_sign", "1"),
    ];
    let pdf = b"%PDF-1.4 scan".to_vec();
    let id = card_id_of(
        &t.post_multipart("/cabinet/appeals", &jar, &fields, &[("scan.pdf", &pdf)])
            .await,
    );
    let (registrar, _) = t.staff("reg", vec![Role::Registrar], "MJ").await;
    let (security, _) = t.staff("sec", vec![Role::SecurityOfficer], "MJ").await;
    let (other_security, _) = t.staff("ast.sec", vec![Role::SecurityOfficer], "AST").await;
    let (stranger, _) = t.staff("ast.reg", vec![Role::Registrar], "AST").await;

    // Nothing is recorded until someone opens the data; a refused opening records nothing.
    let log = t.get("/staff/access-log", &security).await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(
        log.text.contains("Обращений к данным не записано"),
        "{}",
        log.text
    );
    assert_eq!(
        t.get(&format!("/staff/cards/{id}"), &stranger).await.status,
        StatusCode::FORBIDDEN
    );
    let card = t.get(&format!("/staff/cards/{id}"), &registrar).await;
    assert_eq!(card.status, StatusCode::OK);
    let file_id = between(&card.text, &format!("/staff/cards/{id}/files/"), "\"").to_owned();
    let file = t
        .get(&format!("/staff/cards/{id}/files/{file_id}"), &registrar)
        .await;
    assert_eq!(file.status, StatusCode::OK);

    let log = t.get("/staff/access-log", &security).await;
    assert_eq!(log.status, StatusCode::OK);
    let table = between(&log.text, "<tbody>", "</tbody>");
    assert_eq!(table.matches("<tr>").count(), 2, "{table}");
    assert!(
        table.contains("reg full name")
            && table.contains(&format!(">{id}</a>"))
            && table.contains("скачан файл")
            && table.contains("открыта карточка"),
        "{table}"
    );
    assert!(
        table.find("скачан файл") < table.find("открыта карточка"),
        "newest first: {table}"
    );
    // The record names the staff member and the card, never the applicant.
    assert!(
        !log.text.contains("АХМЕТОВ") && !log.text.contains("791028302728"),
        "{}",
        log.text
    );
    // Filtered by card; a filter that is not a number is refused with the reason.
    let by_card = t
        .get(&format!("/staff/access-log?card={id}"), &security)
        .await;
    assert_eq!(
        by_card.text.matches("<tr>").count(),
        3,
        "header and two rows"
    );
    let bad = t.get("/staff/access-log?card=1%20OR%201", &security).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("целые числа больше нуля"), "{}", bad.text);

    // Another body's security officer sees none of it; others may not look at all.
    let other = t.get("/staff/access-log", &other_security).await;
    assert!(
        other.status == StatusCode::OK && !other.text.contains("reg full name"),
        "{}",
        other.text
    );
    assert_eq!(
        t.get("/staff/access-log", &registrar).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/staff/access-log", "").await.status,
        StatusCode::SEE_OTHER
    );
    let home = t.get("/staff", &security).await;
    assert!(home.text.contains("/staff/access-log"), "{}", home.text);
}

/// Hostile input: script in every text field of an appeal is shown as text to the applicant
/// and the staff; a file name that climbs folders is flattened; malformed UTF-8, an oversized
/// form and SQL metacharacters get a 4xx with a reason, never a 500 or a leak.
#[tokio::test]
async fn hostile_input_is_escaped_refused_or_harmless() {
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let (registrar, _) = t.staff("reg", vec![Role::Registrar], "MJ").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let script = "<script>alert(1)</script>";
    let attr = "\"><img src=x onerror=alert(2)>";
    let content = format!("Прошу {script} разъяснить {attr}");
    let address = format!("Астана {attr}");
    let pdf = b"%PDF-1.4 scan".to_vec();
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "hostile"),
                ("recipient", mj.as_str()),
                ("kind", "statement"),
                ("postal_address", address.as_str()),
                ("content", content.as_str()),
                ("demo_sign", "1"),
            ],
            &[("../../etc/<b>passwd</b>.pdf", &pdf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let id = card_id_of(&r);
    for (who, page) in [
        (
            "applicant",
            t.get(&format!("/cabinet/appeals/{id}"), &jar).await,
        ),
        (
            "registrar",
            t.get(&format!("/staff/cards/{id}"), &registrar).await,
        ),
        ("inbox", t.get("/staff/inbox", &registrar).await),
    ] {
        assert_eq!(page.status, StatusCode::OK, "{who}");
        assert!(
            !page.text.contains(script)
                && !page.text.contains("<img src=x")
                && !page.text.contains("<b>passwd"),
            "{who} shows markup from the input: {}",
            page.text
        );
        assert!(
            page.text.contains("&#60;script&#62;alert(1)")
                || page.text.contains("&lt;script&gt;alert(1)"),
            "{who}: {}",
            page.text
        );
    }
    let files = t.app.store.attachments(id).await.unwrap();
    assert!(
        !files[0].file_name.contains('/') && !files[0].file_name.contains(".."),
        "{}",
        files[0].file_name
    );

    // Malformed UTF-8 and an oversized form: refused with a 4xx.
    let login_csrf = t
        .get("/staff/login", "")
        .await
        .cookie("otinish_csrf")
        .unwrap();
    let req = Request::post("/staff/login")
        .header(header::COOKIE, format!("otinish_csrf={login_csrf}"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(vec![
            b'l', b'o', b'g', b'i', b'n', b'=', 0xff, 0xfe, 0xfd,
        ]))
        .unwrap();
    let bad = reply(
        t.router
            .clone()
            .oneshot(req)
            .await
            .unwrap_or_else(|e| match e {}),
    )
    .await;
    assert!(
        bad.status.is_client_error(),
        "malformed UTF-8: {}",
        bad.status
    );
    let huge = format!("csrf={login_csrf}&login=x&password={}", "a".repeat(3 << 20));
    let big = t
        .post_form("/staff/login", &format!("otinish_csrf={login_csrf}"), &huge)
        .await;
    assert_eq!(big.status, StatusCode::PAYLOAD_TOO_LARGE);

    // SQL metacharacters are only text.
    for q in ["' OR 1=1 --", "\"; DROP TABLE card; --", "%_\\"] {
        let r = t
            .get(
                &format!(
                    "/staff/search?q={}",
                    q.bytes().map(|b| format!("%{b:02X}")).collect::<String>()
                ),
                &registrar,
            )
            .await;
        assert!(
            r.status == StatusCode::OK || r.status.is_client_error(),
            "{q}: {}",
            r.status
        );
        assert!(
            !r.text.contains(&format!("/staff/cards/{id}\"")),
            "{q} matched everything"
        );
    }
    let r = t
        .post_form(
            "/staff/login",
            &format!("otinish_csrf={login_csrf}"),
            &format!("csrf={login_csrf}&login=reg%27--&password=x"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        t.app.store.card(id).await.is_ok(),
        "the card table is still there"
    );
}

/// A tiny SMTP server that records what it receives.
async fn smtp_server() -> (String, Arc<tokio::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got = Arc::new(tokio::sync::Mutex::new(Vec::new()));
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
                    let answer: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                        b"250 test\r\n"
                    } else if upper.starts_with("DATA") {
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
    (format!("smtp://{addr}"), got)
}

/// One round of the job worker over the test app, with `mailer` for email.
async fn run_jobs(
    app: &Arc<App>,
    mailer: Option<Arc<dyn otinish_app::notify::Mailer>>,
    limit: u32,
) -> otinish_app::jobs::Round {
    otinish_app::jobs::Worker::new(
        app.store.clone(),
        app.clock.clone(),
        mailer,
        app.sms.clone(),
    )
    .run_due(limit)
    .await
    .unwrap()
}

/// Claims the notice jobs due at `at` and gives up the one delivering to `address` as after
/// its last try (its job dead, the notice dead with `reason`); returns that notice.
async fn give_up_notice(
    app: &App,
    at: DateTime<Utc>,
    address: &str,
    reason: &str,
) -> otinish_domain::notice::Notice {
    let jobs = app
        .store
        .claim_jobs(
            otinish_domain::job::JobKind::ALL,
            "test-worker",
            at,
            at + chrono::Duration::minutes(5),
            50,
        )
        .await
        .unwrap();
    for job in &jobs {
        let id = otinish_domain::job::notice_of(&job.payload).unwrap();
        let notice = app.store.notice(id).await.unwrap();
        if notice.address.as_deref() == Some(address) {
            app.store.notice_failed(id, reason, None).await.unwrap();
            assert!(app
                .store
                .job_failed(job.id, "test-worker", reason, None)
                .await
                .unwrap());
            return notice;
        }
    }
    panic!("no notice job for {address}: {jobs:?}")
}

/// EA-07, GEN-07: email notices leave through a real SMTP conversation; a failed delivery is
/// retried later and shows in the delivery log meanwhile.
#[tokio::test]
async fn ea_07_notices_are_emailed_over_smtp() {
    use otinish_web::notify::SmtpMailer;
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", "k"),
        ("recipient", mj.as_str()),
        ("kind", "statement"),
        ("postal_address", "Астана"),
        ("content", "Прошу"),
        ("demo_sign", "1"),
    ];
    let id = card_id_of(
        &t.post_multipart("/cabinet/appeals", &jar, &fields, &[])
            .await,
    );
    // No mailer: the notices fail with a reason and wait for a retry.
    let round = run_jobs(&t.app, None, 10).await;
    assert_eq!((round.done, round.failed), (0, 2));
    // The applicant sees that delivery is retried, in their language; the staff see why.
    let page = t.get(&format!("/cabinet/appeals/{id}"), &jar).await;
    assert!(page.text.contains("не доставлено, повтор"), "{}", page.text);
    assert!(
        !page.text.contains("SMTP"),
        "no transport errors for the applicant"
    );
    let (registrar, _) = t.staff("reg.mj", vec![Role::Registrar], "MJ").await;
    let card = t.get(&format!("/staff/cards/{id}"), &registrar).await;
    assert!(
        card.text
            .contains("техническая причина: no SMTP server is configured"),
        "the staff's delivery log shows why: {}",
        card.text
    );
    // With a server, once the retry is due, both emails go out.
    let (url, got) = smtp_server().await;
    let mailer = SmtpMailer::new(&url, "Otinish <noreply@otinish.test>").unwrap();
    let later = TestApp::with_clock(t, Utc.with_ymd_and_hms(2026, 3, 19, 7, 0, 0).unwrap());
    let round = run_jobs(&later.app, Some(Arc::new(mailer)), 10).await;
    assert_eq!((round.done, round.failed), (2, 0));
    let mails = got.lock().await.clone();
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().all(|m| m.contains("akhmetov@demo.example.kz")));
    assert!(mails.iter().any(|m| m.contains("Subject:")));
    let statuses: Vec<_> = later
        .app
        .store
        .notices_of_card(id)
        .await
        .unwrap()
        .iter()
        .map(|n| n.status)
        .collect();
    assert!(
        statuses
            .iter()
            .all(|s| *s == otinish_domain::notice::NoticeStatus::Delivered),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn demo_signing_is_refused_outside_demo_mode() {
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let t = TestApp::without_demo(t);
    let r = t
        .post_form("/signin/demo", &jar, &format!("csrf={csrf}&signer=person"))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[("csrf", csrf.as_str()), ("demo_sign", "1")],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(!t.get("/signin", "").await.text.contains("/signin/demo"));
}

/// EA-12, EA-07.2: an appeal signed with a sound signature whose certificate is not trusted is
/// received, not registered, and the applicant is told why; a damaged signature is not an
/// appeal at all (EA-02). This is the NCALayer path: the browser sends the signature.
#[tokio::test]
async fn ea_12_refusal_with_reason_when_the_certificate_fails() {
    use otinish_pki::sign::{KzSubject, LocalCa};
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id;
    let untrusted = LocalCa::generate("Someone else's CA", t.app.clock.now()).unwrap();
    let key = untrusted
        .issue(
            &KzSubject {
                surname: "АХМЕТОВ".into(),
                name: "БАУЫРЖАН".into(),
                patronymic: None,
                iin: "791028302728".into(),
                organization: None,
                bin: None,
                email: None,
            },
            t.app.clock.now(),
        )
        .unwrap();
    let (_, applicant) = t
        .app
        .store
        .applicant_by_tax_id("791028302728")
        .await
        .unwrap();
    let mut form = serde_json::Map::new();
    for (k, v) in [
        ("recipient", mj.to_string()),
        ("kind", "complaint".into()),
        ("postal_address", "Астана".into()),
        ("content", "Жалоба".into()),
    ] {
        form.insert(k.into(), serde_json::Value::String(v));
    }
    let doc = otinish_app::Service::appeal_document(&applicant, form, &[]);
    let cms = key
        .sign_cms(doc.as_bytes(), true, t.app.clock.now())
        .unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&cms);
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "x"),
                ("signature", b64.as_str()),
            ],
            &[],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        between(&r.text, "<main", "</main>")
    );
    let id = card_id_of(&r);
    let card = t.app.store.card(id).await.unwrap();
    assert_eq!(card.state, CardState::Refused);
    assert_eq!(card.reg_number, None);
    let refused = t.app.store.notices_of_card(id).await.unwrap();
    let n = refused
        .iter()
        .find(|n| n.kind == otinish_domain::notice::NoticeKind::Refused)
        .unwrap();
    assert!(
        n.body.contains("недоверенным удостоверяющим центром"),
        "{}",
        n.body
    );
    assert!(t
        .get(&format!("/cabinet/appeals/{id}"), &jar)
        .await
        .text
        .contains("Не принято"));

    // A damaged signature is turned away with the reason, and nothing is stored.
    let mut bad = cms.clone();
    let n = bad.len();
    bad[n - 3] ^= 0x55;
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bad);
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "y"),
                ("signature", b64.as_str()),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("подпись не соответствует ключу подписанта"),
        "{}",
        between(&r.text, "<main", "</main>")
    );
    // Someone else's valid signature is not accepted as this applicant's.
    let (_, other) = t
        .app
        .store
        .applicant_by_tax_id("791028302728")
        .await
        .unwrap();
    let org_key = &t
        .app
        .pki
        .demo_signers
        .iter()
        .find(|s| s.slug == "org")
        .unwrap()
        .key;
    let cms = org_key
        .sign_cms(
            otinish_app::Service::appeal_document(&other, serde_json::Map::new(), &[]).as_bytes(),
            true,
            t.app.clock.now(),
        )
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&cms);
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "z"),
                ("signature", b64.as_str()),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("подпись принадлежит не тому"));
}

/// EA-16: a planned outage is announced on every portal page during its window (and a week
/// ahead), in the reader's language.
#[tokio::test]
async fn ea_16_outages_are_announced_on_the_portal() {
    let t = TestApp::new().await;
    let now = t.app.clock.now();
    let text = Names::new(
        "Жоспарлы жұмыстар: 21 наурыз 02:00–04:00",
        "Плановые работы: 21 марта 02:00–04:00",
        "Planned maintenance: 21 March 02:00–04:00",
    );
    t.app
        .store
        .add_announcement(
            now + chrono::Duration::days(2),
            now + chrono::Duration::days(2) + chrono::Duration::hours(2),
            &text,
            JournalDraft::new(now, "admin", "", "announce"),
        )
        .await
        .unwrap();
    // The cache is read again after 30 seconds; a fresh app reads it at once.
    let t = TestApp::with_clock(t, now + chrono::Duration::minutes(1));
    assert!(t
        .get("/", "otinish_lang=ru")
        .await
        .text
        .contains("Плановые работы"));
    assert!(t
        .get("/bodies", "otinish_lang=kk")
        .await
        .text
        .contains("Жоспарлы жұмыстар"));
    let after = TestApp::with_clock(t, now + chrono::Duration::days(3));
    assert!(
        !after
            .get("/", "otinish_lang=en")
            .await
            .text
            .contains("Planned maintenance"),
        "gone after its window"
    );
}

impl TestApp {
    async fn json(
        &self,
        method: &str,
        uri: &str,
        headers: &[(&str, &str)],
        body: serde_json::Value,
    ) -> (StatusCode, serde_json::Value) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let r = reply(
            self.router
                .clone()
                .oneshot(req.body(Body::from(body.to_string())).unwrap())
                .await
                .unwrap_or_else(|e| match e {}),
        )
        .await;
        (
            r.status,
            serde_json::from_str(&r.text).unwrap_or(serde_json::Value::Null),
        )
    }
}

/// EA-02, EA-08, and idempotent submission through the JSON API: sign in by signing a
/// challenge, file a signed appeal with a file, retry it, follow it.
#[tokio::test]
async fn ea_api_sign_in_submit_idempotent_follow() {
    use base64::Engine;
    let t = TestApp::new().await;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let key = &t
        .app
        .pki
        .demo_signers
        .iter()
        .find(|s| s.slug == "person")
        .unwrap()
        .key;
    let now = t.app.clock.now();
    let (s, v) = t
        .json("POST", "/api/v1/auth/challenge", &[], serde_json::json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let challenge = v["challenge"].as_str().unwrap().to_owned();
    let sig = key.sign_cms(challenge.as_bytes(), true, now).unwrap();
    let (s, v) = t
        .json(
            "POST",
            "/api/v1/auth/signin",
            &[],
            serde_json::json!({ "challenge": challenge, "signature": b64(&sig) }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let bearer = format!("Bearer {}", v["token"].as_str().unwrap());
    // The same challenge cannot be used twice.
    let (s, v) = t
        .json(
            "POST",
            "/api/v1/auth/signin",
            &[],
            serde_json::json!({ "challenge": challenge, "signature": b64(&sig) }),
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("bad_challenge"))
    );

    let (_, applicant) = t
        .app
        .store
        .applicant_by_tax_id("791028302728")
        .await
        .unwrap();
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id;
    let mut form = serde_json::Map::new();
    for (k, v) in [
        ("recipient", mj.to_string()),
        ("kind", "request".into()),
        ("postal_address", "Астана".into()),
        ("content", "Прошу".into()),
    ] {
        form.insert(k.into(), serde_json::Value::String(v));
    }
    let png = b"\x89PNG\r\n\x1a\n....".to_vec();
    let doc = otinish_app::Service::appeal_document(
        &applicant,
        form,
        &[("photo.png".into(), png.clone())],
    );
    let cms = key.sign_cms(doc.as_bytes(), true, now).unwrap();
    let body = serde_json::json!({ "signature": b64(&cms), "files": [{ "name": "photo.png", "content_base64": b64(&png) }] });

    let (s, v) = t.json("POST", "/api/v1/appeals", &[], body.clone()).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    let (s, v) = t
        .json(
            "POST",
            "/api/v1/appeals",
            &[("authorization", &bearer)],
            body.clone(),
        )
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "Idempotency-Key is required: {v}"
    );
    let (s, first) = t
        .json(
            "POST",
            "/api/v1/appeals",
            &[("authorization", &bearer), ("idempotency-key", "abc")],
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{first}");
    assert_eq!(first["state"], "registered");
    assert_eq!(first["registration_number"], "MJ-2026-000001");
    assert!(first["receipt_code"]
        .as_str()
        .is_some_and(|c| c.len() == 20));
    assert!(first["deadlines"]
        .as_array()
        .is_some_and(|d| d.iter().any(|d| d["rule"] == "EA-14")));
    let (s, again) = t
        .json(
            "POST",
            "/api/v1/appeals",
            &[("authorization", &bearer), ("idempotency-key", "abc")],
            body.clone(),
        )
        .await;
    assert_eq!(
        (s, again["id"].clone(), again["created"].clone()),
        (
            StatusCode::OK,
            first["id"].clone(),
            serde_json::json!(false)
        )
    );
    assert_eq!(again["sent_before"], false);
    // A replay: the same signed appeal under a new key is the first appeal, and says so.
    let (s, replay) = t
        .json(
            "POST",
            "/api/v1/appeals",
            &[("authorization", &bearer), ("idempotency-key", "a-new-key")],
            body.clone(),
        )
        .await;
    assert_eq!(
        (s, replay["id"].clone(), replay["created"].clone()),
        (
            StatusCode::OK,
            first["id"].clone(),
            serde_json::json!(false)
        ),
        "{replay}"
    );
    assert_eq!(replay["sent_before"], true);
    // A key outside its documented alphabet is refused, saying what it may be.
    let (s, v) = t
        .json(
            "POST",
            "/api/v1/appeals",
            &[
                ("authorization", &bearer),
                ("idempotency-key", "two words"),
                ("accept-language", "ru"),
            ],
            body.clone(),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["fields"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("от 1 до 200")));
    // Files not listed in the signed card are refused.
    let tampered = serde_json::json!({ "signature": b64(&cms), "files": [{ "name": "photo.png", "content_base64": b64(b"\x89PNG\r\n\x1a\nother") }] });
    let (s, v) = t
        .json(
            "POST",
            "/api/v1/appeals",
            &[("authorization", &bearer), ("idempotency-key", "def")],
            tampered,
        )
        .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("files_mismatch"))
    );

    let (s, list) = t
        .json(
            "GET",
            "/api/v1/appeals",
            &[("authorization", &bearer)],
            serde_json::json!(null),
        )
        .await;
    assert_eq!((s, list["total"].as_i64()), (StatusCode::OK, Some(1)));
    let id = first["id"].as_i64().unwrap();
    let (s, one) = t
        .json(
            "GET",
            &format!("/api/v1/appeals/{id}"),
            &[("authorization", &bearer)],
            serde_json::json!(null),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(one["notices"].as_array().is_some_and(|n| n.len() >= 4));
    assert_eq!(
        t.json(
            "GET",
            "/api/v1/appeals/999",
            &[("authorization", &bearer)],
            serde_json::json!(null)
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );
    let doc = t.get("/api/v1/openapi.json", "").await;
    assert!(doc.text.contains("/api/v1/appeals") && doc.text.contains("bearer"));
}

/// A body over the API's limit (96 MB, files in base64) is refused with 413 before it is read,
/// in the API's JSON envelope and the reader's language, as the OpenAPI document says.
#[tokio::test]
async fn api_bodies_over_the_limit_get_the_envelope() {
    let t = TestApp::new().await;
    for (uri, lang, words) in [
        ("/api/v1/appeals", "ru", "не более 96 МБ"),
        ("/api/v1/auth/signin", "kk", "ең көбі 96 МБ"),
    ] {
        let req = Request::builder()
            .method("POST")
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/json")
            .header(header::ACCEPT_LANGUAGE, lang)
            .header(header::CONTENT_LENGTH, (96 * 1024 * 1024 + 1).to_string())
            .body(Body::from("{}"))
            .unwrap();
        let r = reply(
            t.router
                .clone()
                .oneshot(req)
                .await
                .unwrap_or_else(|e| match e {}),
        )
        .await;
        assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{uri}");
        let v: serde_json::Value = serde_json::from_str(&r.text).unwrap_or_else(|e| {
            panic!("{uri}: not the JSON envelope ({e}): {}", r.text);
        });
        assert_eq!(v["error"]["code"], "too_large", "{uri}");
        assert!(
            v["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(words)),
            "{uri}: {v}"
        );
    }
    let doc: serde_json::Value =
        serde_json::from_str(&t.get("/api/v1/openapi.json", "").await.text).unwrap();
    let submit = &doc["paths"]["/api/v1/appeals"]["post"];
    assert!(submit["responses"]["413"].is_object(), "{submit}");
    let key = submit["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Idempotency-Key")
        .unwrap();
    assert_eq!(
        (key["in"].as_str(), key["required"].as_bool()),
        (Some("header"), Some(true))
    );
    assert_eq!(key["schema"]["maxLength"], 200);
    assert_eq!(key["schema"]["pattern"], "^[!-~]{1,200}$");
    let due = &doc["paths"]["/api/v1/calendar/due"]["get"]["parameters"];
    let param = |name: &str| {
        due.as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()["schema"]
            .clone()
    };
    assert_eq!(param("from")["format"], "date");
    assert_eq!(
        (
            param("working_days")["minimum"].as_i64(),
            param("working_days")["maximum"].as_i64()
        ),
        (Some(1), Some(400))
    );
}

/// The due list and the search: each staff member sees only the cards they may see (VC-20),
/// overdue first; a query without words is explained in the user's language.
#[tokio::test]
async fn due_list_and_search_are_scoped_and_explain_errors() {
    use otinish_domain::repo::ImportCard;
    let t = TestApp::new().await;
    let ast = t.second_body().await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id;
    let (registrar, _) = t.staff("reg.mj", vec![Role::Registrar], "MJ").await;
    let (executor, _) = t.staff("ex.mj", vec![Role::Executor], "MJ").await;
    let (_, _) = t.staff("ex2.mj", vec![Role::Executor], "MJ").await;
    let (operator, _) = t.staff("op.mj", vec![Role::Operator], "MJ").await;
    let id_of = |login: &str| {
        let store = t.app.store.clone();
        let login = login.to_owned();
        async move { store.staff_credentials(&login).await.unwrap().0.id }
    };
    let (ex, ex2) = (id_of("ex.mj").await, id_of("ex2.mj").await);
    let zone = *t.app.calendar.read().await.zone();
    let card = |body_id: i64, executor_id: i64, summary: &str, due: &str| {
        let day = chrono::NaiveDate::parse_from_str(due, "%Y-%m-%d").unwrap();
        ImportCard {
            body_id,
            channel: Channel::Paper,
            kind: AppealKind::Statement,
            state: CardState::InExecution,
            applicant_id: None,
            summary: summary.into(),
            received_at: Utc.with_ymd_and_hms(2026, 3, 2, 5, 0, 0).unwrap(),
            registered_at: Some(Utc.with_ymd_and_hms(2026, 3, 2, 6, 0, 0).unwrap()),
            reg_year: Some(2026),
            executor_id: Some(executor_id),
            rulebook_id: "APPC-2021".into(),
            decision: None,
            closed_at: None,
            archived_at: None,
            collective: false,
            deadlines: vec![StoredDeadline {
                key: "answer".into(),
                rule: "VC-19".into(),
                rulebook: "APPC-2021".into(),
                due_at: zone.end_of_day(day),
                due_on: day,
                paused: false,
                explanation: "{}".into(),
            }],
        }
    };
    let mut cards = vec![
        card(mj, ex, "Жер учаскесі Ақкөл ауылында", "2026-03-19"),
        card(mj, ex, "Земельный участок в селе", "2026-03-16"),
        card(mj, ex2, "Земельный спор соседей", "2026-03-19"),
        card(mj, ex, "Ремонт дороги", "2026-03-25"),
        card(ast, ex, "Земельный участок в Астане", "2026-03-19"),
    ];
    let akhmetova = t
        .app
        .store
        .upsert_applicant(&otinish_domain::model::Applicant::Individual {
            iin: otinish_domain::ids::Iin::parse("791028302728").unwrap(),
            surname: "Ахметова".into(),
            name: "Жанар".into(),
            patronymic: None,
            email: None,
            phone: None,
            address: "Астана".into(),
            lang: Lang::Kk,
        })
        .await
        .unwrap();
    cards[3].applicant_id = Some(akhmetova);
    t.app
        .store
        .import_cards(
            &cards,
            JournalDraft::new(t.app.clock.now(), "test", "", "import"),
        )
        .await
        .unwrap();
    let order = |text: &str, wanted: &[&str]| {
        let at: Vec<Option<usize>> = wanted.iter().map(|w| text.find(w)).collect();
        assert!(at.iter().all(Option::is_some), "{wanted:?} all shown");
        assert!(
            at.windows(2).all(|w| w[0] < w[1]),
            "{wanted:?} in this order"
        );
    };

    // Due by the end of today (19.03.2026), overdue first.
    let mine = t.get("/staff/due", &executor).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.text.contains("19.03.2026"));
    order(&mine.text, &["Земельный участок в селе", "Жер учаскесі"]);
    assert!(mine.text.contains("class=\"overdue\""));
    for hidden in ["Земельный спор", "Ремонт дороги", "в Астане"] {
        assert!(
            !mine.text.contains(hidden),
            "{hidden} is not the executor's today"
        );
    }
    let body = t.get("/staff/due", &registrar).await;
    order(
        &body.text,
        &["Земельный участок в селе", "Жер учаскесі", "Земельный спор"],
    );
    assert!(!body.text.contains("в Астане") && !body.text.contains("Ремонт дороги"));

    // Search: prefixes, any case, Russian and Kazakh, within what the user may see.
    let found = t
        .get("/staff/search?q=%D0%97%D0%95%D0%9C%D0%95%D0%9B", &registrar)
        .await; // ЗЕМЕЛ
    assert_eq!(found.status, StatusCode::OK);
    order(&found.text, &["Земельный спор", "Земельный участок в селе"]);
    assert!(!found.text.contains("в Астане"));
    let own = t
        .get("/staff/search?q=%D0%B7%D0%B5%D0%BC%D0%B5%D0%BB", &executor)
        .await; // земел
    assert!(own.text.contains("Земельный участок в селе"));
    assert!(!own.text.contains("Земельный спор") && !own.text.contains("в Астане"));
    let kk = t
        .get("/staff/search?q=%D0%B6%D0%B5%D1%80", &registrar)
        .await; // жер
    assert!(kk.text.contains("Жер учаскесі Ақкөл ауылында"));
    // The inbox narrows and orders; the choice is in the URL and survives the state tabs.
    let inbox = |q: String| {
        let t = &t;
        let registrar = registrar.clone();
        async move {
            t.get(&format!("/staff/inbox?state=in_execution{q}"), &registrar)
                .await
        }
    };
    let by_term = inbox("&sort=term".into()).await;
    assert_eq!(by_term.status, StatusCode::OK);
    order(
        &by_term.text,
        &["Земельный участок в селе", "Жер учаскесі", "Ремонт дороги"],
    );
    assert!(by_term
        .text
        .replace("&#38;", "&")
        .contains("?state=received&sort=term\""));
    let theirs = inbox(format!("&executor={ex2}")).await;
    assert!(theirs.text.contains("Земельный спор"));
    assert!(!theirs.text.contains("Ремонт дороги"));
    let overdue = inbox("&due=overdue".into()).await;
    assert!(overdue.text.contains("Земельный участок в селе"));
    for not_yet in ["Жер учаскесі", "Земельный спор", "Ремонт дороги"]
    {
        assert!(!overdue.text.contains(not_yet), "{not_yet} is not overdue");
    }
    let week = inbox("&due=week&sort=term".into()).await;
    order(
        &week.text,
        &["Земельный участок в селе", "Жер учаскесі", "Земельный спор"],
    );
    assert!(!week.text.contains("Ремонт дороги"), "due on the 25th");
    assert!(week.text.contains("<option value=\"week\" selected>"));
    let none = inbox("&kind=complaint".into()).await;
    assert!(none.text.contains("Под выбранный отбор ничего не подходит"));
    // A choice the list does not offer is refused before the page is built, saying why.
    let odd = inbox("&kind=%3Cb%3E&executor=999&sort=x&due=soon".into()).await;
    assert_eq!(
        odd.status,
        StatusCode::BAD_REQUEST,
        "unknown choices are refused"
    );
    assert!(
        odd.text
            .contains("значение, которое эта страница не принимает")
            && !odd.text.contains("<b>")
    );
    // An executor who is not (or no longer) in the body is a known kind of value: ignored.
    let gone = inbox("&executor=999".into()).await;
    assert_eq!(gone.status, StatusCode::OK);
    assert!(gone.text.contains("Ремонт дороги"));

    // The executor's own list narrows and orders the same way, with no choice of executor.
    let mine = t.get("/staff/my?sort=term", &executor).await;
    assert_eq!(mine.status, StatusCode::OK);
    order(
        &mine.text,
        &["Земельный участок в селе", "Жер учаскесі", "Ремонт дороги"],
    );
    assert!(!mine.text.contains("Земельный спор") && !mine.text.contains("name=\"executor\""));
    let mine_overdue = t.get("/staff/my?due=overdue", &executor).await;
    assert!(mine_overdue.text.contains("Земельный участок в селе"));
    assert!(!mine_overdue.text.contains("Ремонт дороги"));

    // By registration number (whole or its number), by the applicant's IIN and name.
    for q in [
        "MJ-2026-000004",
        "000004",
        "791028302728",
        "%D0%B0%D1%85%D0%BC%D0%B5%D1%82%D0%BE%D0%B2%D0%B0%20%D0%B6%D0%B0%D0%BD%D0%B0%D1%80",
    ] {
        let r = t.get(&format!("/staff/search?q={q}"), &registrar).await;
        assert!(r.text.contains("Ремонт дороги"), "{q}: {}", r.text);
        assert!(!r.text.contains("Земельный"), "{q} finds only its card");
    }
    assert!(!t
        .get("/staff/search?q=791028302728", &operator)
        .await
        .text
        .contains("Ремонт дороги"));
    let none = t
        .get("/staff/search?q=%D0%B3%D0%B0%D0%B7", &registrar)
        .await; // газ
    assert_eq!(none.status, StatusCode::OK);
    assert!(none.text.contains("Ничего не найдено"));

    // A query without letters or digits is explained in each language.
    for (lang, text) in [
        ("ru", "Введите слово для поиска"),
        ("kk", "Іздеу үшін сөз енгізіңіз"),
        ("en", "Type a word to search for"),
    ] {
        let r = t
            .get(&format!("/staff/search?q=%21%3F&lang={lang}"), &registrar)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains(text), "{lang}: {}", r.text);
        assert!(r.text.contains("aria-invalid=\"true\""));
    }
    let long = t
        .get(&format!("/staff/search?q={}", "a+".repeat(150)), &registrar)
        .await;
    assert_eq!(long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(long.text.contains("не более 200 символов"));

    // Only those who handle cards have these lists.
    assert_eq!(
        t.get("/staff/due", &operator).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/staff/search?q=x", &operator).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.get("/staff/due", "").await.status, StatusCode::SEE_OTHER);
}

/// VC-01, VC-05, VC-06: the reception secretary drafts the quarter's schedule, the first head
/// approves it, the authorized body agrees and publishes it, and the public sees its free VKS
/// receptions. Each step is checked by role; wrong rows are explained and kept as typed.
#[tokio::test]
async fn vc_05_schedule_drafted_approved_agreed_published() {
    use otinish_domain::model::OfficialRank;
    use otinish_domain::repo::NewOfficial;
    let t = TestApp::new().await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id;
    let official = |name: &str, rank: OfficialRank| NewOfficial {
        body_id: mj,
        full_name: name.into(),
        position: Names::new("Министр", "Министр", "Minister"),
        rank,
        seniority: i32::from(rank == OfficialRank::Deputy),
    };
    let head = t
        .app
        .store
        .add_official(&official("Асқаров Ерлан", OfficialRank::FirstHead))
        .await
        .unwrap();
    let deputy = t
        .app
        .store
        .add_official(&official("Бекова Әлия", OfficialRank::Deputy))
        .await
        .unwrap();
    let (secretary, scsrf) = t
        .staff("sec.mj", vec![Role::ReceptionSecretary], "MJ")
        .await;
    let (head_jar, hcsrf) = t.staff("head.mj", vec![Role::Head], "MJ").await;
    let (operator, ocsrf) = t.staff("op.mj", vec![Role::Operator], "MJ").await;

    let list = t.get("/staff/schedules", &secretary).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.text.contains("value=\"2026-Q2\""),
        "the next quarter is offered"
    );
    let r = t
        .post_form(
            "/staff/schedules",
            &secretary,
            &format!("csrf={scsrf}&quarter=2026-Q2"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let url = r
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let again = t
        .post_form(
            "/staff/schedules",
            &secretary,
            &format!("csrf={scsrf}&quarter=2026-Q2"),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text.contains("График на этот квартал уже есть"));
    let past = t
        .post_form(
            "/staff/schedules",
            &secretary,
            &format!("csrf={scsrf}&quarter=2025-Q4&lang=en"),
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);

    // VC-01: a deputy's slot beside a present first head is refused; on a day the head is
    // recorded away (3 Apr, a business trip) the deputy conducts.
    let beside = t
        .post_form(
            &format!("{url}/slots"),
            &secretary,
            &format!(
                "csrf={scsrf}&date_0=2026-04-02&time_0=10:00&minutes_0=30&official_0={}&vks_0=1\
                 &date_1=2026-04-02&time_1=11:00&minutes_1=30&official_1={}&vks_1=1",
                head.id, deputy.id
            ),
        )
        .await;
    assert_eq!(beside.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        beside
            .text
            .contains("только в день, когда отмечено отсутствие"),
        "{}",
        beside.text
    );
    t.app
        .store
        .add_absence(
            head.id,
            &otinish_domain::model::Absence {
                from: chrono::NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(),
                to: chrono::NaiveDate::from_ymd_opt(2026, 4, 3).unwrap(),
                reason: "командировка".into(),
            },
            JournalDraft::new(t.app.clock.now(), "test", "", "absence"),
        )
        .await
        .unwrap();
    // Rows: the first head on 2 Apr, the deputy on 3 Apr; then a deputy on 1 May (a holiday).
    let rows = |extra: &str| {
        format!(
            "csrf={scsrf}&date_0=2026-04-02&time_0=10:00&minutes_0=30&official_0={}&vks_0=1\
             &date_1=2026-04-03&time_1=11:00&minutes_1=30&official_1={}&vks_1=1{extra}",
            head.id, deputy.id
        )
    };
    let bad = t
        .post_form(
            &format!("{url}/slots"),
            &secretary,
            &rows(&format!(
                "&date_2=2026-05-01&time_2=10:00&minutes_2=30&official_2={}",
                deputy.id
            )),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Этот день не рабочий"), "{}", bad.text);
    assert!(
        bad.text.contains("value=\"2026-05-01\""),
        "what was typed is kept"
    );
    let ok = t
        .post_form(&format!("{url}/slots"), &secretary, &rows(""))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = t.get(&url, &secretary).await;
    assert!(page.text.contains("value=\"2026-04-02\"") && page.text.contains("Черновик"));
    // VC-06 under VC-2026: 15 calendar days before the quarter.
    assert!(page.text.contains("17.03.2026"), "{}", page.text);

    // Steps by role: the secretary cannot approve; the head can; the operator agrees, publishes.
    let app = &t;
    let step_url = format!("{url}/step");
    let step_url = &step_url;
    let step = |jar: &str, csrf: &str, action: &str| {
        let (jar, body) = (jar.to_owned(), format!("csrf={csrf}&action={action}"));
        async move { app.post_form(step_url, &jar, &body).await.status }
    };
    assert_eq!(
        step(&secretary, &scsrf, "approve").await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        step(&operator, &ocsrf, "agree").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "not approved yet"
    );
    assert_eq!(
        step(&head_jar, &hcsrf, "approve").await,
        StatusCode::SEE_OTHER
    );
    let locked = t
        .post_form(&format!("{url}/slots"), &secretary, &rows(""))
        .await;
    assert_eq!(
        locked.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "slots are fixed once approved"
    );
    assert_eq!(
        step(&head_jar, &hcsrf, "agree").await,
        StatusCode::FORBIDDEN
    );
    let queue = t.get("/staff/schedules", &operator).await;
    assert!(
        queue.text.contains("2026-Q2") && queue.text.contains("Утверждён первым руководителем")
    );
    assert_eq!(
        step(&operator, &ocsrf, "agree").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        step(&operator, &ocsrf, "publish").await,
        StatusCode::SEE_OTHER
    );
    assert!(t.get(&url, &secretary).await.text.contains("Опубликован"));

    // The public schedule, in each language, without signing in.
    let public = t.get("/bodies/MJ/schedule", "").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.text.contains("02.04.2026 10:00") && public.text.contains("Асқаров Ерлан"));
    assert!(public.text.contains("свободно"));
    assert!(t
        .get("/bodies/MJ/schedule?lang=kk", "")
        .await
        .text
        .contains("бос"));
    assert!(t
        .get("/bodies/MJ/schedule?lang=en", "")
        .await
        .text
        .contains("free"));
    assert_eq!(
        t.get("/bodies/NOPE/schedule", "").await.status,
        StatusCode::NOT_FOUND
    );

    // VC-01: a schedule of deputies only is not approved.
    let r = t
        .post_form(
            "/staff/schedules",
            &secretary,
            &format!("csrf={scsrf}&quarter=2026-Q3"),
        )
        .await;
    let q3 = r
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    t.app
        .store
        .add_absence(
            head.id,
            &otinish_domain::model::Absence {
                from: chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap(),
                to: chrono::NaiveDate::from_ymd_opt(2026, 7, 3).unwrap(),
                reason: "отпуск".into(),
            },
            JournalDraft::new(t.app.clock.now(), "test", "", "absence"),
        )
        .await
        .unwrap();
    let deputies = format!(
        "csrf={scsrf}&date_0=2026-07-02&time_0=10:00&minutes_0=30&official_0={}&vks_0=1",
        deputy.id
    );
    assert_eq!(
        t.post_form(&format!("{q3}/slots"), &secretary, &deputies)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let refused = t
        .post_form(
            &format!("{q3}/step"),
            &head_jar,
            &format!("csrf={hcsrf}&action=approve"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text.contains("приёмы первого руководителя"));
    // Another body's staff see nothing of it.
    t.second_body().await;
    let (other, _) = t
        .staff("sec.ast", vec![Role::ReceptionSecretary], "AST")
        .await;
    assert_eq!(t.get(&q3, &other).await.status, StatusCode::FORBIDDEN);
}

/// VC-02, VC-03, VC-04, VC-07: an applicant's signed request books a published VKS slot and
/// becomes a card of the body; the slot is then taken; drafts, other people's keys, altered
/// documents and incomplete forms are refused with the reason.
#[tokio::test]
async fn vc_02_signed_request_books_a_published_slot() {
    use chrono::NaiveDateTime;
    use otinish_domain::model::{Applicant, OfficialRank};
    use otinish_domain::repo::{NewBranch, NewOfficial, ScheduleStep};
    use otinish_domain::vks::{Quarter, ScheduleState as S, SlotDraft};
    use otinish_web::vks::{request_document, VksError};
    let t = TestApp::new().await;
    let store = &t.app.store;
    let now = t.app.clock.now();
    let j = |a: &str| JournalDraft::new(now, "test", "", a);
    let mj = store.body_by_code("MJ").await.unwrap().id;
    let head = store
        .add_official(&NewOfficial {
            body_id: mj,
            full_name: "Асқаров Ерлан".into(),
            position: Names::new("Министр", "Министр", "Minister"),
            rank: OfficialRank::FirstHead,
            seniority: 0,
        })
        .await
        .unwrap();
    let branch = store
        .create_branch(&NewBranch {
            code: "AST-1".into(),
            name: Names::new("Астана", "ЦОН Астана", "Astana PSC"),
            region: Names::new("Астана", "Астана", "Astana"),
            address: Names::new("Мәңгілік Ел 8", "Мангилик Ел 8", "Mangilik El 8"),
            vks_equipment: true,
            booths: 1,
            phone: None,
        })
        .await
        .unwrap();
    let (_, _) = t
        .staff("sec.mj", vec![Role::ReceptionSecretary], "MJ")
        .await;
    let sec = store.staff_credentials("sec.mj").await.unwrap().0;
    let at = |v: &str| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M").unwrap();
    let slot = |v: &str| SlotDraft {
        official_id: head.id,
        starts: at(v),
        minutes: 30,
        vks: true,
    };
    let published = store
        .create_schedule(
            mj,
            Quarter::parse("2026-Q2").unwrap(),
            sec.id,
            None,
            j("draft"),
        )
        .await
        .unwrap();
    store
        .replace_slots(
            published.id,
            S::Draft,
            &[slot("2026-04-02 10:00"), slot("2026-04-02 11:00")],
            j("slots"),
        )
        .await
        .unwrap();
    for (from, to) in [
        (S::Draft, S::Approved),
        (S::Approved, S::Agreed),
        (S::Agreed, S::Published),
    ] {
        store
            .move_schedule(
                published.id,
                from,
                to,
                &ScheduleStep {
                    by: sec.id,
                    at: now,
                },
                j("step"),
            )
            .await
            .unwrap();
    }
    let draft = store
        .create_schedule(
            mj,
            Quarter::parse("2026-Q3").unwrap(),
            sec.id,
            None,
            j("draft"),
        )
        .await
        .unwrap();
    store
        .replace_slots(draft.id, S::Draft, &[slot("2026-07-02 10:00")], j("slots"))
        .await
        .unwrap();
    let open = store.slots(published.id).await.unwrap();
    let closed = store.slots(draft.id).await.unwrap();

    let applicant_id = store
        .upsert_applicant(&Applicant::Individual {
            iin: otinish_domain::ids::Iin::parse("791028302728").unwrap(),
            surname: "АХМЕТОВ".into(),
            name: "БАУЫРЖАН".into(),
            patronymic: Some("СЕРІКҰЛЫ".into()),
            email: None,
            phone: None,
            address: "Коктал".into(),
            lang: Lang::Kk,
        })
        .await
        .unwrap();
    let form = |slot_id: i64, question: &str| {
        let v = serde_json::json!({
            "address": "Астана, Коктал 5", "email": "akhmetov@example.kz",
            "phones": "+77011234567", "branch": branch.id.to_string(), "workplace": "ТОО Дала",
            "position": "инженер", "lang": "kk", "question": question, "slot": slot_id.to_string(),
        });
        request_document(v.as_object().unwrap())
    };
    let key = |slug: &str| {
        &t.app
            .pki
            .demo_signers
            .iter()
            .find(|s| s.slug == slug)
            .unwrap()
            .key
    };
    let sign = |doc: &str, slug: &str| key(slug).sign_cms(doc.as_bytes(), true, now).unwrap();

    let card_id = t
        .app
        .book_reception(
            applicant_id,
            &sign(&form(open[0].id, "Жер учаскесін беру мерзімі"), "person"),
        )
        .await
        .unwrap();
    let card = store.card(card_id).await.unwrap();
    assert_eq!(
        (card.body_id, card.channel, card.state),
        (mj, Channel::Vks, CardState::Received)
    );
    assert_eq!(card.summary, "Жер учаскесін беру мерзімі");
    assert!(store.slot(open[0].id).await.unwrap().booked);
    assert!(
        !store.deadlines(card_id).await.unwrap().is_empty(),
        "the request's terms are set"
    );

    let again = t
        .app
        .book_reception(applicant_id, &sign(&form(open[0].id, "Тағы"), "person"))
        .await;
    assert!(matches!(again, Err(VksError::SlotTaken)), "{again:?}");
    let draft_slot = t
        .app
        .book_reception(applicant_id, &sign(&form(closed[0].id, "Тағы"), "person"))
        .await;
    assert!(
        matches!(draft_slot, Err(VksError::SlotClosed)),
        "{draft_slot:?}"
    );
    let theirs = t
        .app
        .book_reception(applicant_id, &sign(&form(open[1].id, "Тағы"), "org"))
        .await;
    assert!(
        matches!(theirs, Err(VksError::NotYourSignature)),
        "{theirs:?}"
    );
    let mut altered = sign(&form(open[1].id, "Тағы"), "person");
    let n = altered.len();
    altered[n / 2] ^= 0x01;
    assert!(t.app.book_reception(applicant_id, &altered).await.is_err());
    let empty = t
        .app
        .book_reception(applicant_id, &sign(&form(open[1].id, " "), "person"))
        .await;
    match empty {
        Err(VksError::Invalid(p)) => {
            assert_eq!(p.iter().map(|x| x.field).collect::<Vec<_>>(), ["question"])
        }
        other => panic!("{other:?}"),
    }
    let not_request = t
        .app
        .book_reception(applicant_id, &sign("{\"otinish\":\"appeal/1\"}", "person"))
        .await;
    assert!(matches!(not_request, Err(VksError::NotARequest)));
    assert!(!store.slot(open[1].id).await.unwrap().booked);

    // Through the cabinet: the body, its free times, the form, signed with the demo key.
    let (jar, csrf) = t.applicant("person").await;
    let bodies = t.get("/cabinet/receptions/new", &jar).await;
    assert!(bodies.text.contains("/cabinet/receptions/new?body=MJ"));
    let form = t.get("/cabinet/receptions/new?body=MJ", &jar).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.text.contains("02.04.2026 11:00") && !form.text.contains("02.04.2026 10:00"),
        "only free times"
    );
    assert!(
        form.text.contains("791028302728"),
        "the IIN comes from the signature"
    );
    let fields = |question: &str| {
        format!(
            "csrf={csrf}&body=MJ&demo_sign=1&slot={}&branch={}&address=Astana&email=a%40example.kz             &phones=%2B77011234567&workplace=Dala&position=engineer&lang=ru&question={question}",
            open[1].id, branch.id
        )
    };
    let missing = t.post_form("/cabinet/receptions", &jar, &fields("")).await;
    assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        missing.text.contains("id=\"question-error\""),
        "{}",
        missing.text
    );
    assert!(
        missing.text.contains("value=\"engineer\""),
        "what was typed is kept"
    );
    let booked = t
        .post_form(
            "/cabinet/receptions",
            &jar,
            &fields("%D0%97%D0%B5%D0%BC%D0%BB%D1%8F"),
        )
        .await;
    assert_eq!(booked.status, StatusCode::SEE_OTHER);
    let mine = t
        .get(
            booked
                .headers
                .get(header::LOCATION)
                .unwrap()
                .to_str()
                .unwrap(),
            &jar,
        )
        .await;
    assert!(mine.text.contains("02.04.2026 11:00") && mine.text.contains("class=\"ok\""));
    let taken = t
        .post_form("/cabinet/receptions", &jar, &fields("%D0%97"))
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(
        taken.text.contains("Это время только что заняли") || taken.text.contains("Бұл уақытты")
    );

    // VC-04: the requests wait in the secretary's online reception.
    let (secretary, _) = t
        .staff("sec2.mj", vec![Role::ReceptionSecretary], "MJ")
        .await;
    let inbox = t.get("/staff/receptions", &secretary).await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.text.contains("Земля") && inbox.text.contains("Жер учаскесін беру мерзімі"));
    // VC-20: the secretary opens the request's card (a VKS card), not other cards of the body.
    assert_eq!(
        t.get(&format!("/staff/cards/{card_id}"), &secretary)
            .await
            .status,
        StatusCode::OK
    );
    let paper = store
        .create_card(
            &otinish_domain::model::NewCard {
                body_id: mj,
                channel: Channel::Paper,
                kind: AppealKind::Statement,
                applicant_id: None,
                addressee: None,
                summary: "Бумажное обращение".into(),
                received_at: now,
                rulebook_id: "APPC-2021".into(),
                collective: false,
            },
            &[],
            j("receive"),
        )
        .await
        .unwrap();
    assert_eq!(
        t.get(&format!("/staff/cards/{}", paper.id), &secretary)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let (registrar, _) = t.staff("reg2.mj", vec![Role::Registrar], "MJ").await;
    assert_eq!(
        t.get("/staff/receptions", &registrar).await.status,
        StatusCode::FORBIDDEN
    );
}

/// VC-07 … VC-18 through the web layer: the secretary registers the request, the head
/// appoints one reception and refuses another only after a hearing; the time changes and a
/// late change is refused; the month's timetable is sent and published; the operator checks
/// the equipment; the branch checks the applicant in; the head records the reception and
/// instructs an executor, whose answer is signed and sent. VC-01: a deputy stands in for the
/// absent first head. VC-20: who sees what.
#[tokio::test]
async fn vc_07_to_vc_18_reception_from_request_to_answer() {
    use chrono::NaiveDateTime;
    use otinish_domain::model::{Applicant, OfficialRank};
    use otinish_domain::notice::{NoticeChannel, NoticeKind};
    use otinish_domain::reception::ReceptionState as R;
    use otinish_domain::repo::{NewBranch, NewOfficial, ScheduleStep};
    use otinish_domain::vks::{Quarter, ScheduleState as S, SlotDraft};
    use otinish_web::vks::request_document;
    let t = TestApp::new().await;
    let store = &t.app.store;
    let local = |v: &str| {
        // Almaty time (UTC+5) to UTC.
        NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M")
            .unwrap()
            .and_utc()
            - chrono::Duration::hours(5)
    };
    let now = t.app.clock.now();
    let j = |a: &str| JournalDraft::new(now, "test", "", a);
    let mj = store.body_by_code("MJ").await.unwrap().id;
    let head_official = store
        .add_official(&NewOfficial {
            body_id: mj,
            full_name: "Асқаров Ерлан".into(),
            position: Names::new("Министр", "Министр", "Minister"),
            rank: OfficialRank::FirstHead,
            seniority: 0,
        })
        .await
        .unwrap();
    let branch = store
        .create_branch(&NewBranch {
            code: "AST-1".into(),
            name: Names::new("Астана ХҚКО", "ЦОН Астана", "Astana PSC"),
            region: Names::new("Астана", "Астана", "Astana"),
            address: Names::new("Мәңгілік Ел 8", "Мангилик Ел 8", "Mangilik El 8"),
            vks_equipment: true,
            booths: 1,
            phone: None,
        })
        .await
        .unwrap();
    let other_branch = store
        .create_branch(&NewBranch {
            code: "ALA-1".into(),
            name: Names::new("Алматы ХҚКО", "ЦОН Алматы", "Almaty PSC"),
            region: Names::new("Алматы", "Алматы", "Almaty"),
            address: Names::new("Абай 1", "Абая 1", "Abai 1"),
            vks_equipment: true,
            booths: 1,
            phone: None,
        })
        .await
        .unwrap();
    let (sec, sec_csrf) = t
        .staff("sec.mj", vec![Role::ReceptionSecretary], "MJ")
        .await;
    let (head, head_csrf) = t.staff("head.mj", vec![Role::Head], "MJ").await;
    let (_, _) = t.staff("exec.mj", vec![Role::Executor], "MJ").await;
    let executor = store.staff_credentials("exec.mj").await.unwrap().0;
    let (operator, op_csrf) = t.staff("op", vec![Role::Operator], "MJ").await;
    for (login, b) in [("psc.ast", branch.id), ("psc.ala", other_branch.id)] {
        store
            .create_staff(
                &NewStaff {
                    position: String::new(),
                    login: login.into(),
                    full_name: format!("{login} operator"),
                    email: None,
                    body_id: None,
                    branch_id: Some(b),
                    roles: vec![Role::BranchOperator],
                    password_hash: otinish_web::auth::hash_password("pw").unwrap(),
                    lang: Lang::Ru,
                },
                j("create_staff"),
            )
            .await
            .unwrap();
    }
    let (psc_other, _) = t.login("psc.ala").await;
    let sec_user = store.staff_credentials("sec.mj").await.unwrap().0;
    let at = |v: &str| NaiveDateTime::parse_from_str(v, "%Y-%m-%d %H:%M").unwrap();
    let slot = |v: &str| SlotDraft {
        official_id: head_official.id,
        starts: at(v),
        minutes: 30,
        vks: true,
    };
    let sched = store
        .create_schedule(
            mj,
            Quarter::parse("2026-Q2").unwrap(),
            sec_user.id,
            None,
            j("draft"),
        )
        .await
        .unwrap();
    store
        .replace_slots(
            sched.id,
            S::Draft,
            &[
                slot("2026-04-02 10:00"),
                slot("2026-04-02 11:00"),
                slot("2026-04-07 10:00"),
                slot("2026-04-09 10:00"),
            ],
            j("slots"),
        )
        .await
        .unwrap();
    for (from, to) in [
        (S::Draft, S::Approved),
        (S::Approved, S::Agreed),
        (S::Agreed, S::Published),
    ] {
        let step = ScheduleStep {
            by: sec_user.id,
            at: now,
        };
        store
            .move_schedule(sched.id, from, to, &step, j("step"))
            .await
            .unwrap();
    }
    let slots = store.slots(sched.id).await.unwrap();
    let applicant_id = store
        .upsert_applicant(&Applicant::Individual {
            iin: otinish_domain::ids::Iin::parse("791028302728").unwrap(),
            surname: "АХМЕТОВ".into(),
            name: "БАУЫРЖАН".into(),
            patronymic: None,
            email: None,
            phone: None,
            address: "Коктал".into(),
            lang: Lang::Ru,
        })
        .await
        .unwrap();
    let key = &t
        .app
        .pki
        .demo_signers
        .iter()
        .find(|s| s.slug == "person")
        .unwrap()
        .key;
    let book = |slot_id: i64, question: &str| {
        let v = serde_json::json!({
            "address": "Астана, Коктал 5", "email": "akhmetov@example.kz",
            "phones": "+77011234567", "branch": branch.id.to_string(), "workplace": "ТОО Дала",
            "position": "инженер", "lang": "ru", "question": question, "slot": slot_id.to_string(),
        });
        key.sign_cms(
            request_document(v.as_object().unwrap()).as_bytes(),
            true,
            now,
        )
        .unwrap()
    };
    let card1 = t
        .app
        .book_reception(applicant_id, &book(slots[0].id, "Сроки выделения участка"))
        .await
        .unwrap();
    let card2 = t
        .app
        .book_reception(applicant_id, &book(slots[1].id, "Ремонт дороги в селе"))
        .await
        .unwrap();
    let r1 = store.booking_of_card(card1).await.unwrap().id;
    let r2 = store.booking_of_card(card2).await.unwrap().id;
    // GEN-01: the card names the edition that governs it while that edition awaits the
    // administrator's confirmation (VC-2026, a reading of the acts), and no longer once it is
    // confirmed. VKS requests themselves were open under VC-2023, so they are taken meanwhile.
    let marked = t.get(&format!("/staff/cards/{card1}"), &head).await;
    assert!(
        marked.text.contains("edition-unconfirmed")
            && marked.text.contains("ждут подтверждения администратором"),
        "{}",
        marked.text
    );
    let (root, root_csrf) = t.staff_of_no_body("root.admin", vec![Role::Admin]).await;
    assert_eq!(
        t.post_form(
            "/staff/admin/editions/VC-2026/confirm",
            &root,
            &format!("csrf={root_csrf}")
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let unmarked = t.get(&format!("/staff/cards/{card1}"), &head).await;
    assert!(!unmarked.text.contains("edition-unconfirmed"));
    let tref = &t;
    let post = move |uri: String, jar: &str, csrf: &str, extra: &str| {
        let form = format!("csrf={csrf}{extra}");
        let jar = jar.to_owned();
        async move { tref.post_form(&uri, &jar, &form).await }
    };
    let step = |id: i64, action: &str| format!("/staff/receptions/{id}/{action}");

    // VC-20: the body's secretary sees the applicant's data; the operator sees the time and
    // place only; another branch sees nothing.
    let page = t.get(&format!("/staff/receptions/{r1}"), &sec).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("791028302728") && page.text.contains("ТОО Дала"));
    let op_page = t.get(&format!("/staff/receptions/{r1}"), &operator).await;
    assert_eq!(op_page.status, StatusCode::OK);
    assert!(op_page.text.contains("02.04.2026 10:00") && !op_page.text.contains("791028302728"));
    assert_eq!(
        t.get(&format!("/staff/receptions/{r1}"), &psc_other)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // VC-07: the head decides only once the secretary has registered the card.
    let early = post(step(r1, "appoint"), &head, &head_csrf, "").await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        early.text.contains("Сначала зарегистрируйте"),
        "{}",
        early.text
    );
    for r in [r1, r2] {
        let reg = post(step(r, "register"), &sec, &sec_csrf, "").await;
        assert_eq!(reg.status, StatusCode::SEE_OTHER, "{}", reg.text);
    }
    assert_eq!(
        store.card(card1).await.unwrap().state,
        CardState::Registered
    );

    // VC-09, VC-11: appointed; the applicant (cabinet, email), the operator and the branch
    // are told.
    let appointed = post(step(r1, "appoint"), &head, &head_csrf, "").await;
    assert_eq!(
        appointed.status,
        StatusCode::SEE_OTHER,
        "{}",
        appointed.text
    );
    let b1 = store.booking(r1).await.unwrap();
    assert_eq!(b1.state, R::Appointed);
    // The head signed the decision with their own key: the journal entry keeps the document
    // and the signature, which verifies and is the head's.
    let (v, d) = signed_journal_step(&t, card1, "vks_appoint").await;
    let head_iin = store.staff_credentials("head.mj").await.unwrap().0.iin;
    assert_eq!(v.signer.iin.map(|i| i.to_string()), head_iin);
    assert!(String::from_utf8_lossy(&v.content).contains("\"decision\":\"appoint_reception\""));
    assert_eq!(
        d["signed"]["document"].as_str().unwrap().as_bytes(),
        v.content.as_slice()
    );
    assert!(b1
        .room
        .as_deref()
        .unwrap_or_default()
        .starts_with("otinish-mj-"));
    let notices = store.notices_of_card(card1).await.unwrap();
    let appointed_notices: Vec<_> = notices
        .iter()
        .filter(|n| n.kind == NoticeKind::VksAppointed)
        .map(|n| n.channel)
        .collect();
    assert_eq!(
        appointed_notices,
        [NoticeChannel::Cabinet, NoticeChannel::Email]
    );
    assert!(notices
        .iter()
        .any(|n| n.kind == NoticeKind::VksAppointed && n.body.contains("02.04.2026 10:00")));
    assert_eq!(store.vks_messages(None).await.unwrap().len(), 1);
    assert_eq!(store.vks_messages(Some(branch.id)).await.unwrap().len(), 1);
    assert!(store
        .vks_messages(Some(other_branch.id))
        .await
        .unwrap()
        .is_empty());

    // VC-10, GEN-09: under VC-2026 a refusal needs a hearing notified 3 working days before;
    // the applicant's silence after the day set does not block it once it is recorded.
    let refused = post(step(r2, "refuse"), &head, &head_csrf, "").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.text.contains("предложите заслушивание"),
        "{}",
        refused.text
    );
    let page = t.get(&format!("/staff/receptions/{r2}"), &sec).await;
    assert!(page.text.contains("id=\"action-hearing-notify\""));
    let hearing = post(
        step(r2, "hearing-notify"),
        &sec,
        &sec_csrf,
        "&intended=refuse_out_of_competence&respond_by=",
    )
    .await;
    assert_eq!(hearing.status, StatusCode::SEE_OTHER, "{}", hearing.text);
    let again = post(
        step(r2, "hearing-notify"),
        &sec,
        &sec_csrf,
        "&intended=refuse_out_of_competence&respond_by=",
    )
    .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    // The applicant is told by the cabinet, email and SMS: the intended decision, the day for
    // the position (26 March) and the first day of the decision (27 March).
    let told: Vec<_> = store
        .notices_of_card(card2)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == NoticeKind::Hearing)
        .collect();
    assert_eq!(
        told.iter().map(|n| n.channel).collect::<Vec<_>>(),
        [
            NoticeChannel::Cabinet,
            NoticeChannel::Email,
            NoticeChannel::Sms
        ]
    );
    assert!(
        told[0].body.contains("26.03.2026") && told[0].body.contains("27.03.2026"),
        "{}",
        told[0].body
    );
    let too_soon = post(step(r2, "refuse"), &head, &head_csrf, "").await;
    assert_eq!(too_soon.status, StatusCode::UNPROCESSABLE_ENTITY);
    // 20 March, then Nauryz (23-25 March), then 26 and 27 March.
    assert!(too_soon.text.contains("27.03.2026"), "{}", too_soon.text);
    // Silence cannot be recorded while the applicant may still answer.
    let early = post(step(r2, "hearing-silence"), &sec, &sec_csrf, "&hearing=").await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text.contains("26.03.2026"), "{}", early.text);

    // VC-14: the time changes; the applicant gets the change by email and SMS too.
    let moved = post(
        step(r1, "reschedule"),
        &sec,
        &sec_csrf,
        &format!("&slot={}", slots[2].id),
    )
    .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    assert_eq!(store.booking(r1).await.unwrap().slot.id, slots[2].id);
    assert!(!store.slot(slots[0].id).await.unwrap().booked);
    let changed: Vec<_> = store
        .notices_of_card(card1)
        .await
        .unwrap()
        .iter()
        .filter(|n| n.kind == NoticeKind::VksChanged)
        .map(|n| n.channel)
        .collect();
    assert_eq!(
        changed,
        [
            NoticeChannel::Cabinet,
            NoticeChannel::Email,
            NoticeChannel::Sms
        ]
    );

    // VC-01: the first head is away on the reception's day; the deputy conducts it.
    store
        .add_official(&NewOfficial {
            body_id: mj,
            full_name: "Бекова Алма".into(),
            position: Names::new("Вице-министр", "Вице-министр", "Vice minister"),
            rank: OfficialRank::Deputy,
            seniority: 1,
        })
        .await
        .unwrap();
    let absence = |from: &str, to: &str| {
        format!(
            "csrf={sec_csrf}&official={}&absence_from={from}&absence_to={to}&absence_reason=trip",
            head_official.id
        )
    };
    let url = format!("/staff/schedules/{}/absence", sched.id);
    let wrong = t
        .post_form(&url, &sec, &absence("2026-04-08", "2026-04-07"))
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text.contains("Последний день"), "{}", wrong.text);
    let away = t
        .post_form(&url, &sec, &absence("2026-04-07", "2026-04-07"))
        .await;
    assert_eq!(away.status, StatusCode::SEE_OTHER, "{}", away.text);
    assert_eq!(
        t.post_form(
            &url,
            &operator,
            &format!("csrf={op_csrf}&official={}&absence_from=2026-04-07&absence_to=2026-04-07&absence_reason=x", head_official.id),
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let page = t.get(&format!("/staff/receptions/{r1}"), &sec).await;
    assert!(
        page.text.contains("Бекова Алма") && !page.text.contains("Асқаров Ерлан, Министр"),
        "{}",
        page.text
    );

    // VC-12, VC-13: the month's timetable goes to the operator, who publishes it.
    let sent = t
        .post_form(
            "/staff/vks/timetables",
            &sec,
            &format!("csrf={sec_csrf}&month=2026-04"),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let again = t
        .post_form(
            "/staff/vks/timetables",
            &sec,
            &format!("csrf={sec_csrf}&month=2026-04"),
        )
        .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let past = t
        .post_form(
            "/staff/vks/timetables",
            &sec,
            &format!("csrf={sec_csrf}&month=2026-03"),
        )
        .await;
    assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
    let tt = store.timetables(Some(mj)).await.unwrap();
    assert_eq!(tt.len(), 1);
    // Sent on 19 March: due 3 days before April; published within 1 working day of receipt
    // (20 March).
    assert_eq!(
        (tt[0].due_on, tt[0].publish_due_on),
        (
            Some(chrono::NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()),
            Some(chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap())
        )
    );
    let desk = t.get("/staff/vks", &operator).await;
    assert!(desk.text.contains(&format!("action-publish-{}", tt[0].id)));
    assert_eq!(
        t.post_form(
            &format!("/staff/vks/timetables/{}/publish", tt[0].id),
            &sec,
            &format!("csrf={sec_csrf}"),
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "only the operator publishes"
    );
    let published = t
        .post_form(
            &format!("/staff/vks/timetables/{}/publish", tt[0].id),
            &operator,
            &format!("csrf={op_csrf}"),
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let public = t.get("/vks/timetable?lang=kk", "").await;
    assert!(
        public.text.contains("07.04.2026 10:00") && public.text.contains("Астана ХҚКО"),
        "{}",
        public.text
    );
    assert!(
        !public.text.contains("АХМЕТОВ"),
        "no applicant on the portal"
    );

    // VC-15: the operator records the equipment check; a fault needs a note.
    let fault = post(step(r1, "equipment"), &operator, &op_csrf, "&ok=0&note=").await;
    assert_eq!(fault.status, StatusCode::UNPROCESSABLE_ENTITY);
    let checked = post(step(r1, "equipment"), &operator, &op_csrf, "&ok=1&note=").await;
    assert_eq!(checked.status, StatusCode::SEE_OTHER);
    assert_eq!(store.booking(r1).await.unwrap().equipment_ok, Some(true));
    assert_eq!(
        post(step(r1, "equipment"), &sec, &sec_csrf, "&ok=1")
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // VC-10, GEN-09: three working days after the notice, with the day for the position passed
    // in silence, the silence is recorded and the refusal goes through; the slot is free.
    t.clock.set(local("2026-03-27 11:00"));
    let (head, head_csrf) = t.login("head.mj").await;
    let (sec, sec_csrf) = t.login("sec.mj").await;
    let unrecorded = post(step(r2, "refuse"), &head, &head_csrf, "").await;
    assert_eq!(unrecorded.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        unrecorded.text.contains("позиция не представлена"),
        "{}",
        unrecorded.text
    );
    let page = t.get(&format!("/staff/receptions/{r2}"), &sec).await;
    assert!(
        page.text.contains("action-hearing-silence-"),
        "{}",
        page.text
    );
    let silence = post(step(r2, "hearing-silence"), &sec, &sec_csrf, "&hearing=").await;
    assert_eq!(silence.status, StatusCode::SEE_OTHER, "{}", silence.text);
    let hearings = store.hearings(card2).await.unwrap();
    assert_eq!(
        hearings[0].position.as_ref().map(|p| p.kind),
        Some(otinish_domain::hearing::PositionKind::NoneGiven)
    );
    let refused = post(step(r2, "refuse"), &head, &head_csrf, "").await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER, "{}", refused.text);
    assert_eq!(
        store.card(card2).await.unwrap().state,
        CardState::ClosedOutOfScope
    );
    assert!(!store.slot(slots[1].id).await.unwrap().booked);

    // VC-14: on the day of the reception a change is too late.
    t.clock.set(local("2026-04-07 08:00"));
    let (sec, sec_csrf) = t.login("sec.mj").await;
    let late = post(
        step(r1, "reschedule"),
        &sec,
        &sec_csrf,
        &format!("&slot={}", slots[3].id),
    )
    .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(late.text.contains("06.04.2026"), "{}", late.text);

    // VC-16: the branch checks the applicant in, 20 minutes early.
    t.clock.set(local("2026-04-07 09:40"));
    let (psc, psc_csrf) = t.login("psc.ast").await;
    let (psc_other, psc_other_csrf) = t.login("psc.ala").await;
    assert_eq!(
        post(
            step(r1, "check_in"),
            &psc_other,
            &psc_other_csrf,
            "&document=ID"
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let no_doc = post(step(r1, "check_in"), &psc, &psc_csrf, "&document=+").await;
    assert_eq!(no_doc.status, StatusCode::UNPROCESSABLE_ENTITY);
    let in_ = post(
        step(r1, "check_in"),
        &psc,
        &psc_csrf,
        "&document=ID+041234567",
    )
    .await;
    assert_eq!(in_.status, StatusCode::SEE_OTHER, "{}", in_.text);
    let b1 = store.booking(r1).await.unwrap();
    assert_eq!(
        (b1.state, b1.arrived_at),
        (R::CheckedIn, Some(at("2026-04-07 09:40")))
    );
    let branch_page = t.get(&format!("/staff/receptions/{r1}"), &psc).await;
    assert!(branch_page.text.contains("20"), "minutes early shown");

    // VC-17, VC-18: the head records the reception; the instruction sends the card for
    // execution to the executor, under the answer term.
    t.clock.set(local("2026-04-07 10:30"));
    let (head, head_csrf) = t.login("head.mj").await;
    let incomplete = post(
        step(r1, "record"),
        &head,
        &head_csrf,
        "&introduction=%D0%90&question=&executor=",
    )
    .await;
    assert_eq!(incomplete.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(incomplete.text.contains("value=") || incomplete.text.contains(">А<"));
    let full = format!(
        "&introduction=Akhmetov&question=Land&clarifications=Which+plot&discussion=Plot+12\
         &summary=Consider&decision=Instruct+the+land+department&executor={}\
         &instruction=Prepare+the+answer",
        executor.id
    );
    let recorded = post(step(r1, "record"), &head, &head_csrf, &full).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
    // VC-17: the record is signed by the head too; the signed document holds what was typed.
    let (v, _) = signed_journal_step(&t, card1, "vks_record").await;
    let content = String::from_utf8_lossy(&v.content).into_owned();
    assert!(
        content.contains("vks-record/1") && content.contains("Instruct the land department"),
        "{content}"
    );
    let card = store.card(card1).await.unwrap();
    assert_eq!(
        (card.state, card.executor_id),
        (CardState::InExecution, Some(executor.id))
    );
    assert_eq!(store.booking(r1).await.unwrap().state, R::Held);
    // VC-19: the answer term runs from receipt, 15 working days.
    assert!(store
        .deadlines(card1)
        .await
        .unwrap()
        .iter()
        .any(|d| d.rule == "VC-19"));

    // The executor answers; the head and the registrar sign; the answer reaches the applicant.
    let (ex, ex_csrf) = t.login("exec.mj").await;
    let decided = t
        .post_form(
            &format!("/staff/cards/{card1}/decide"),
            &ex,
            &format!("csrf={ex_csrf}&decision=explained&answer=Plot+12+is+allocated"),
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text);
    let (reg, reg_csrf) = t.staff("reg.mj", vec![Role::Registrar], "MJ").await;
    for (jar, csrf) in [(&head, &head_csrf), (&reg, &reg_csrf)] {
        let signed = t
            .post_form(
                &format!("/staff/cards/{card1}/sign"),
                jar,
                &format!("csrf={csrf}"),
            )
            .await;
        assert_eq!(signed.status, StatusCode::SEE_OTHER, "{}", signed.text);
    }
    assert_eq!(store.card(card1).await.unwrap().state, CardState::Answered);
    assert!(store
        .notices_of_card(card1)
        .await
        .unwrap()
        .iter()
        .any(|n| n.kind == NoticeKind::Result));
}

/// The Jitsi provider's join links carry a JWT whose HS256 signature the `openssl` command
/// computes the same; its claims name the room, the audience and the moderator. The `none`
/// provider gives no links.
#[test]
fn vc_jitsi_join_link_signed_as_openssl_computes() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use otinish_web::conference::{Conference, Participant};
    let until = Utc.with_ymd_and_hms(2026, 4, 7, 12, 0, 0).unwrap();
    let jitsi = Conference::Jitsi {
        url: "https://meet.example.kz/".into(),
        app_id: "otinish".into(),
        secret: "s3cret-key".into(),
    };
    let link = jitsi
        .join_link("otinish-mj-1-ab", Participant::Head, "Асқаров Ерлан", until)
        .unwrap();
    let (base, token) = link.split_once("?jwt=").unwrap();
    assert_eq!(base, "https://meet.example.kz/otinish-mj-1-ab");
    let (signing_input, signature) = token.rsplit_once('.').unwrap();
    let out = std::process::Command::new("openssl")
        .args(["dgst", "-sha256", "-hmac", "s3cret-key", "-binary"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(signing_input.as_bytes())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(out.status.success());
    assert_eq!(signature, URL_SAFE_NO_PAD.encode(&out.stdout));
    let claims: serde_json::Value = serde_json::from_slice(
        &URL_SAFE_NO_PAD
            .decode(signing_input.split('.').nth(1).unwrap())
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["room"], "otinish-mj-1-ab");
    assert_eq!(claims["iss"], "otinish");
    assert_eq!(claims["aud"], "jitsi");
    assert_eq!(claims["moderator"], true);
    assert_eq!(claims["exp"], until.timestamp());
    assert_eq!(claims["context"]["user"]["name"], "Асқаров Ерлан");
    let branch = jitsi
        .join_link("otinish-mj-1-ab", Participant::Branch, "ЦОН", until)
        .unwrap();
    assert_ne!(branch, link);
    assert!(Conference::None
        .join_link("otinish-mj-1-ab", Participant::Head, "x", until)
        .is_none());
}

fn booth_upload(fields: &[(&str, &str)], recording: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "otinish-booth-boundary";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some(bytes) = recording {
        body.extend(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"recording\"; filename=\"appeal.webm\"\r\nContent-Type: video/webm\r\n\r\n").as_bytes(),
        );
        body.extend(bytes);
        body.extend(b"\r\n");
    }
    body.extend(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// VA-01 … VA-13 through the web layer: the operator of a branch with booths identifies the
/// applicant and opens a booth session (the journal is searchable and exported); the booth
/// sends the form and the recording, which the server measures itself (too long, forged, not a
/// video: refused, nothing stored); the receipt carries the code; the body plays, registers and
/// answers; the answer is seen by the code, and guessing is limited. VA-07: an appeal without
/// its essence is left without consideration.
#[tokio::test]
async fn va_01_to_va_13_booth_to_answer_by_code() {
    use otinish_domain::repo::{NewBranch, PageRequest};
    let t = TestApp::new().await;
    let store = &t.app.store;
    let now = t.app.clock.now();
    let j = |a: &str| JournalDraft::new(now, "test", "", a);
    let vid = store
        .create_body(
            &NewBody {
                code: "VID".into(),
                name: Names::new("Видео органы", "Орган видеообращений", "Video body"),
                parent_code: None,
                competence: vec![],
                vks_connected: false,
                video_appeal_connected: true,
                contacts: Contacts::default(),
                time_zone: "Asia/Almaty".into(),
            },
            j("create_body"),
        )
        .await
        .unwrap();
    let branch = |code: &str, booths: i32| NewBranch {
        code: code.into(),
        name: Names::new(code, code, code),
        region: Names::new("Астана", "Астана", "Astana"),
        address: Names::new("Абай 1", "Абая 1", "Abai 1"),
        vks_equipment: false,
        booths,
        phone: None,
    };
    let with_booths = store.create_branch(&branch("PSC-B", 2)).await.unwrap();
    let without = store.create_branch(&branch("PSC-N", 0)).await.unwrap();
    for (login, b) in [("psc.b", with_booths.id), ("psc.n", without.id)] {
        store
            .create_staff(
                &NewStaff {
                    position: String::new(),
                    login: login.into(),
                    full_name: login.into(),
                    email: None,
                    body_id: None,
                    branch_id: Some(b),
                    roles: vec![Role::BranchOperator],
                    password_hash: otinish_web::auth::hash_password("pw").unwrap(),
                    lang: Lang::Ru,
                },
                j("create_staff"),
            )
            .await
            .unwrap();
    }
    let (op, op_csrf) = t.login("psc.b").await;
    let (no_booths, _) = t.login("psc.n").await;
    // VA-01: only branches offering the service.
    assert_eq!(
        t.get("/staff/va", &no_booths).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(t.get("/staff/va", &op).await.status, StatusCode::OK);

    // VA-02: the identity document goes to the journal and opens a booth session.
    let entry = |iin: &str| {
        format!(
            "csrf={op_csrf}&document_kind=id_card&document_number=041234567&iin={iin}&full_name=Ахметов+Бауыржан"
        )
    };
    let bad = t.post_form("/staff/va", &op, &entry("123")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("12-значный ИИН"), "{}", bad.text);
    let opened = t.post_form("/staff/va", &op, &entry("791028302728")).await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER);
    let location = opened.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let token = location.split("session=").nth(1).unwrap().to_owned();
    let journal = t.get(&location, &op).await;
    assert!(
        journal.text.contains("АХМЕТОВ БАУЫРЖАН")
            && journal.text.contains(&format!("/booth/{token}"))
    );
    let found = t
        .get("/staff/va?q=%D0%B0%D1%85%D0%BC%D0%B5%D1%82", &op)
        .await;
    assert!(found.text.contains("791028302728"));
    let none = t.get("/staff/va?q=zzz", &op).await;
    assert!(!none.text.contains("791028302728"));
    let csv = t.get("/staff/va/journal.csv", &op).await;
    assert!(csv.text.contains("\"АХМЕТОВ БАУЫРЖАН\"") && csv.text.contains("id_card"));

    // The booth: the session opens the form; an unknown one does not.
    assert_eq!(
        t.get(&format!("/booth/{token}"), "").await.status,
        StatusCode::OK
    );
    assert_eq!(
        t.get("/booth/not-a-session", "").await.status,
        StatusCode::GONE
    );
    let page = t.get(&format!("/booth/{token}"), "").await;
    // A kiosk: no way out to the site, no sign-in for staff or applicants.
    for away in ["href=\"/\"", "/staff/login", "/signin", "main-nav"] {
        assert!(!page.text.contains(away), "the booth shows {away}");
    }
    let csrf = page.cookie("otinish_csrf").unwrap();
    let jar = format!("otinish_csrf={csrf}");
    let fields = |email: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("applicant_kind", "individual".to_owned()),
            ("surname", "Ахметов".to_owned()),
            ("name", "Бауыржан".to_owned()),
            ("postal_address", "с. Коктал, ул. Абая 1".to_owned()),
            ("email", email.to_owned()),
            ("body", "VID".to_owned()),
            ("kind", "statement".to_owned()),
        ]
    };
    let fixture = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../domain/tests/fixtures")
                .join(name),
        )
        .unwrap()
    };
    let send = |fields: Vec<(&'static str, String)>, rec: Option<Vec<u8>>| {
        let (ct, body) = booth_upload(
            &fields
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
            rec.as_deref(),
        );
        let req = Request::post(format!("/booth/{token}/appeals"))
            .header(header::COOKIE, &jar)
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        let router = t.router.clone();
        async move { reply(router.oneshot(req).await.unwrap_or_else(|e| match e {})).await }
    };
    let files_dir = t._dir.path().join("files");
    let stored_files = || walk(&files_dir);
    fn walk(p: &std::path::Path) -> usize {
        std::fs::read_dir(p)
            .map(|rd| {
                rd.filter_map(Result::ok)
                    .map(|e| {
                        if e.path().is_dir() {
                            walk(&e.path())
                        } else {
                            1
                        }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    // VA-04: too long, forged, not a video, no picture: refused with the reason, nothing kept.
    for (file, says) in [
        ("long.webm", "199"),
        ("forged.webm", "199"),
        ("mismatch.webm", "не совпадает"),
        ("audio.webm", "нет изображения"),
        ("truncated.webm", "повреждена"),
    ] {
        let r = send(fields("a@example.kz"), Some(fixture(file))).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{file}: {}",
            r.text
        );
        assert!(r.text.contains(says), "{file}: {}", r.text);
    }
    let not_video = send(
        fields("a@example.kz"),
        Some(b"%PDF-1.4 not a video".to_vec()),
    )
    .await;
    assert!(
        not_video.text.contains("не является видеозаписью"),
        "{}",
        not_video.text
    );
    let no_email = send(fields(""), Some(fixture("ok.webm"))).await;
    assert_eq!(no_email.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        no_email.text.contains("\"field\":\"email\""),
        "{}",
        no_email.text
    );
    assert_eq!(stored_files(), 0, "nothing refused is stored");
    assert_eq!(
        store
            .cards_of_body(vid.id, PageRequest::new(Some(10), None))
            .await
            .unwrap()
            .total,
        0
    );

    // GEN-01: in 2026 video appeals rest on VC-2026, a reading of the acts marked "to be
    // confirmed": until the deployment's administrator confirms it the booth is closed, says
    // why, and keeps nothing. A body's administrator may not confirm it; the deployment's may.
    let closed = send(fields("akhmetov@example.kz"), Some(fixture("ok.webm"))).await;
    assert_eq!(
        closed.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        closed.text
    );
    assert!(closed.text.contains("подтвердит"), "{}", closed.text);
    assert_eq!(stored_files(), 0, "nothing refused is stored");
    let (vid_admin, vid_admin_csrf) = t.staff("vid.admin", vec![Role::Admin], "VID").await;
    assert_eq!(
        t.post_form(
            "/staff/admin/editions/VC-2026/confirm",
            &vid_admin,
            &format!("csrf={vid_admin_csrf}")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let (root, root_csrf) = t.staff_of_no_body("root.admin", vec![Role::Admin]).await;
    let page = t.get("/staff/admin/calendar", &root).await;
    assert!(
        page.text.contains("id=\"confirm-VC-2026\"")
            && !page.text.contains("id=\"confirm-VC-2023\""),
        "only an edition to be confirmed offers confirmation"
    );
    assert_eq!(
        t.post_form(
            "/staff/admin/editions/VC-2023/confirm",
            &root,
            &format!("csrf={root_csrf}")
        )
        .await
        .status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a published text needs no confirmation"
    );
    let r = t
        .post_form(
            "/staff/admin/editions/VC-2026/confirm",
            &root,
            &format!("csrf={root_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = t.get("/staff/admin/calendar", &root).await;
    assert!(!page.text.contains("id=\"confirm-VC-2026\""));
    assert!(
        page.text.contains("root.admin"),
        "who confirmed it is shown"
    );
    let entries = store.journal_for("edition:VC-2026").await.unwrap();
    assert_eq!(entries.len(), 1, "the confirmation is journaled once");

    // VA-05, VA-08: sent; the receipt has the moment, the code, the answer day and a barcode.
    let sent = send(fields("akhmetov@example.kz"), Some(fixture("ok.webm"))).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let receipt: serde_json::Value = serde_json::from_str(&sent.text).unwrap();
    let code = receipt["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 14, "twelve digits in three groups");
    assert!(receipt["barcode"].as_str().unwrap().starts_with("<svg"));
    assert!(!receipt["due"].as_str().unwrap().is_empty());
    let card_id = receipt["number"].as_i64().unwrap();
    let card = store.card(card_id).await.unwrap();
    assert_eq!(
        (card.channel, card.state),
        (Channel::VideoAppeal, CardState::Received)
    );
    assert_eq!(stored_files(), 1);
    let entries = store
        .va_journal(Some(with_booths.id), None, PageRequest::new(Some(10), None))
        .await
        .unwrap();
    assert_eq!(
        entries.items[0].cards,
        [card_id],
        "the journal shows where the session led"
    );

    // VA-09: the registrar plays and registers it.
    let (reg, reg_csrf) = t.staff("reg.vid", vec![Role::Registrar], "VID").await;
    let card_page = t.get(&format!("/staff/cards/{card_id}"), &reg).await;
    assert!(
        card_page.text.contains("id=\"recording\"") && card_page.text.contains("action-register")
    );
    let video = t
        .get(&format!("/staff/cards/{card_id}/recording"), &reg)
        .await;
    assert_eq!(video.status, StatusCode::OK);
    assert_eq!(video.headers[header::CONTENT_TYPE], "video/webm");
    let registered = t
        .post_form(
            &format!("/staff/cards/{card_id}/register"),
            &reg,
            &format!("csrf={reg_csrf}"),
        )
        .await;
    assert_eq!(
        registered.status,
        StatusCode::SEE_OTHER,
        "{}",
        registered.text
    );
    assert_eq!(
        store.card(card_id).await.unwrap().state,
        CardState::Registered
    );

    // VA-13: by the code, the state before the answer, the answer after it.
    // The code goes in the form's body, never in the URL.
    let anonymous_csrf = t.get("/answer", "").await.cookie("otinish_csrf").unwrap();
    let lookup = |c: &str| {
        let body = format!("csrf={anonymous_csrf}&code={}", c.replace(' ', "+"));
        let jar = format!("otinish_csrf={anonymous_csrf}");
        let t = &t;
        async move { t.post_form("/answer", &jar, &body).await }
    };
    let before = lookup(&code).await;
    assert_eq!(before.status, StatusCode::OK);
    let in_url = t
        .get(&format!("/answer?code={}", code.replace(' ', "+")), "")
        .await;
    assert!(
        in_url.status == StatusCode::OK && !in_url.text.contains("id=\"found\""),
        "a code in the URL is not looked up"
    );
    assert!(before.text.contains("id=\"no-answer\""), "{}", before.text);
    let (ex, ex_csrf) = t.staff("ex.vid", vec![Role::Executor], "VID").await;
    let ex_user = store.staff_credentials("ex.vid").await.unwrap().0;
    let (head, head_csrf) = t.staff("head.vid", vec![Role::Head], "VID").await;
    let sent_for = t
        .post_form(
            &format!("/staff/cards/{card_id}/send"),
            &reg,
            &format!("csrf={reg_csrf}&executor={}", ex_user.id),
        )
        .await;
    assert_eq!(sent_for.status, StatusCode::SEE_OTHER);
    let decided = t
        .post_form(
            &format!("/staff/cards/{card_id}/decide"),
            &ex,
            &format!("csrf={ex_csrf}&decision=explained&answer=The+road+is+repaired+in+May"),
        )
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.text);
    for (jar, csrf) in [(&head, &head_csrf), (&reg, &reg_csrf)] {
        t.post_form(
            &format!("/staff/cards/{card_id}/sign"),
            jar,
            &format!("csrf={csrf}"),
        )
        .await;
    }
    assert_eq!(
        store.card(card_id).await.unwrap().state,
        CardState::Answered
    );
    let after = lookup(&code).await;
    assert!(
        after.text.contains("The road is repaired in May"),
        "{}",
        after.text
    );
    // The answer also goes by email to the address given in the booth.
    assert!(store
        .notices_of_card(card_id)
        .await
        .unwrap()
        .iter()
        .any(|n| n.address.as_deref() == Some("akhmetov@example.kz")));

    // VA-07: the second appeal of the session states nothing: left without consideration.
    let second = send(fields("akhmetov@example.kz"), Some(fixture("live.webm"))).await;
    let second_id = serde_json::from_str::<serde_json::Value>(&second.text).unwrap()["number"]
        .as_i64()
        .unwrap();
    let left = t
        .post_form(
            &format!("/staff/cards/{second_id}/leave"),
            &reg,
            &format!("csrf={reg_csrf}&reason=The+recording+states+no+question"),
        )
        .await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.text);
    let card = store.card(second_id).await.unwrap();
    assert_eq!(
        (card.state, card.decision.as_deref()),
        (CardState::Refused, Some("left_without_consideration"))
    );

    // VA-10: outside the competence: forwarded within 3 working days, the applicant told.
    // The same recording sent twice is one appeal: no second code is given.
    let third = send(fields("akhmetov@example.kz"), Some(fixture("ok.webm"))).await;
    assert_eq!(third.status, StatusCode::CONFLICT, "{}", third.text);
    assert!(
        third.text.contains(&format!("№ {card_id}")),
        "{}",
        third.text
    );
    let other = send(
        vec![
            ("csrf", csrf.clone()),
            ("applicant_kind", "legal_entity".to_owned()),
            ("org_name", "ТОО Дала".to_owned()),
            ("postal_address", "Астана".to_owned()),
            ("email", "dala@example.kz".to_owned()),
            ("body", "MJ".to_owned()),
            ("kind", "statement".to_owned()),
        ],
        Some(fixture("mismatch.webm")),
    )
    .await;
    assert!(
        other.text.contains("подключённый к сервису"),
        "MJ takes no video appeals: {}",
        other.text
    );
    let fourth = send(
        vec![
            ("csrf", csrf.clone()),
            ("applicant_kind", "legal_entity".to_owned()),
            ("org_name", "ТОО Дала".to_owned()),
            ("postal_address", "Астана".to_owned()),
            ("email", "dala@example.kz".to_owned()),
            ("body", "VID".to_owned()),
            ("kind", "statement".to_owned()),
        ],
        {
            // Another recording: ok.webm with one byte of a frame changed.
            let mut b = fixture("ok.webm");
            let n = b.len();
            b[n - 10] ^= 1;
            Some(b)
        },
    )
    .await;
    assert_eq!(fourth.status, StatusCode::OK, "{}", fourth.text);
    let fourth_id = serde_json::from_str::<serde_json::Value>(&fourth.text).unwrap()["number"]
        .as_i64()
        .unwrap();
    assert!(store
        .deadlines(fourth_id)
        .await
        .unwrap()
        .iter()
        .any(|d| d.rule == "VA-10"));
    assert!(store
        .card(fourth_id)
        .await
        .unwrap()
        .summary
        .starts_with("ТОО Дала"));
    t.post_form(
        &format!("/staff/cards/{fourth_id}/register"),
        &reg,
        &format!("csrf={reg_csrf}"),
    )
    .await;
    let mj = store.body_by_code("MJ").await.unwrap();
    let redirected = t
        .post_form(
            &format!("/staff/cards/{fourth_id}/redirect"),
            &reg,
            &format!("csrf={reg_csrf}&to_body={}&reason=Notary+matters", mj.id),
        )
        .await;
    assert_eq!(
        redirected.status,
        StatusCode::SEE_OTHER,
        "{}",
        redirected.text
    );
    assert_eq!(
        store.card(fourth_id).await.unwrap().state,
        CardState::Redirected
    );
    assert!(store
        .notices_of_card(fourth_id)
        .await
        .unwrap()
        .iter()
        .any(|n| n.kind == otinish_domain::notice::NoticeKind::Redirected));
    // EA-11, VA-10: the competent body receives it as a video appeal — the recording, the
    // branch and the applicant's code go with it — so it is answered the same way and the
    // applicant finds it by the code from the booth.
    let fourth_code = serde_json::from_str::<serde_json::Value>(&fourth.text).unwrap()["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let moved = store
        .cards_of_body(mj.id, PageRequest::new(Some(100), None))
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|c| c.summary.starts_with("ТОО Дала"))
        .expect("the competent body has the appeal");
    assert_eq!(moved.channel, Channel::VideoAppeal);
    assert_eq!(
        store.video_appeal(moved.id).await.unwrap().branch_id,
        with_booths.id
    );
    assert!(store.video_appeal(fourth_id).await.is_err());
    let (mj_reg, _) = t.staff("reg.mj.va", vec![Role::Registrar], "MJ").await;
    let moved_page = t.get(&format!("/staff/cards/{}", moved.id), &mj_reg).await;
    assert!(
        moved_page.text.contains("id=\"recording\""),
        "{}",
        moved_page.text
    );
    let found = lookup(&fourth_code).await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text);
    assert!(found.text.contains("id=\"found\""), "{}", found.text);

    // VA-13: guessing is limited: after ten wrong codes even the right one waits.
    for i in 0..10 {
        let wrong = lookup(&format!("0000 0000 00{i:02}")).await;
        assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    }
    let limited = lookup(&code).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.text.contains("15"));
}

/// VA-04, VA-09: with the files in S3 (through the object_store client, a local S3-compatible
/// server in CI), the booth's recording is stored there and played back from there; a refused
/// recording leaves nothing in the bucket.
#[tokio::test]
async fn va_04_recording_in_object_storage() {
    use otinish_domain::repo::NewBranch;
    use sha2::Digest;
    let Ok(url) = std::env::var("OTINISH_TEST_S3_URL") else {
        assert!(
            std::env::var_os("OTINISH_REQUIRE_S3").is_none(),
            "OTINISH_REQUIRE_S3 is set but OTINISH_TEST_S3_URL is not"
        );
        eprintln!("SKIPPED S3: OTINISH_TEST_S3_URL is not set");
        return;
    };
    let files = otinish_store::files::FileStore::s3(&url).unwrap();
    let t = TestApp::rebuild(TestApp::new().await, |a| a.files = Arc::new(files.clone()));
    let store = &t.app.store;
    let now = t.app.clock.now();
    let j = |a: &str| JournalDraft::new(now, "test", "", a);
    // Video appeals in 2026 rest on VC-2026, confirmed by the administrator (GEN-01).
    store
        .confirm_edition(
            &otinish_domain::repo::EditionConfirmation {
                edition: "VC-2026".into(),
                confirmed_at: now,
                confirmed_by: "root.admin".into(),
            },
            j("edition_confirmed"),
        )
        .await
        .unwrap();
    t.app.reload_editions().await.unwrap();
    let body = NewBody {
        code: "VS3".into(),
        name: Names::new("S3", "S3", "S3"),
        parent_code: None,
        competence: vec![],
        vks_connected: false,
        video_appeal_connected: true,
        contacts: Contacts::default(),
        time_zone: "Asia/Almaty".into(),
    };
    store.create_body(&body, j("create_body")).await.unwrap();
    let branch = store
        .create_branch(&NewBranch {
            code: "PSC-S3".into(),
            name: Names::new("S3", "S3", "S3"),
            region: Names::new("A", "A", "A"),
            address: Names::new("A", "A", "A"),
            vks_equipment: false,
            booths: 1,
            phone: None,
        })
        .await
        .unwrap();
    store
        .create_staff(
            &NewStaff {
                position: String::new(),
                login: "psc.s3".into(),
                full_name: "psc".into(),
                email: None,
                body_id: None,
                branch_id: Some(branch.id),
                roles: vec![Role::BranchOperator],
                password_hash: otinish_web::auth::hash_password("pw").unwrap(),
                lang: Lang::Ru,
            },
            j("create_staff"),
        )
        .await
        .unwrap();
    let (op, op_csrf) = t.login("psc.s3").await;
    let opened = t
        .post_form(
            "/staff/va",
            &op,
            &format!("csrf={op_csrf}&document_kind=passport&document_number=N123&iin=791028302728&full_name=A"),
        )
        .await;
    let location = opened.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    let token = location.split("session=").nth(1).unwrap().to_owned();
    let page = t.get(&format!("/booth/{token}"), "").await;
    let csrf = page.cookie("otinish_csrf").unwrap();
    let fixture = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../domain/tests/fixtures")
                .join(name),
        )
        .unwrap()
    };
    let send = |rec: Vec<u8>| {
        let (ct, body) = booth_upload(
            &[
                ("csrf", csrf.as_str()),
                ("applicant_kind", "individual"),
                ("surname", "A"),
                ("name", "B"),
                ("postal_address", "C"),
                ("email", "a@example.kz"),
                ("body", "VS3"),
                ("kind", "request"),
            ],
            Some(&rec),
        );
        let req = Request::post(format!("/booth/{token}/appeals"))
            .header(header::COOKIE, format!("otinish_csrf={csrf}"))
            .header(header::CONTENT_TYPE, ct)
            .body(Body::from(body))
            .unwrap();
        let router = t.router.clone();
        async move { reply(router.oneshot(req).await.unwrap_or_else(|e| match e {})).await }
    };
    let long = fixture("long.webm");
    let refused = send(long.clone()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let sha = hex::encode(sha2::Sha256::digest(&long));
    assert!(
        files.get(&format!("{}/{sha}", &sha[..2])).await.is_err(),
        "nothing refused reaches the bucket"
    );
    // A recording unique to this run, so the bucket cannot hold it from before.
    let mut ok = fixture("ok.webm");
    let n = ok.len();
    ok[n - 7] ^= (std::process::id() % 255 + 1) as u8;
    let sent = send(ok.clone()).await;
    assert_eq!(sent.status, StatusCode::OK, "{}", sent.text);
    let card_id = serde_json::from_str::<serde_json::Value>(&sent.text).unwrap()["number"]
        .as_i64()
        .unwrap();
    let sha = hex::encode(sha2::Sha256::digest(&ok));
    assert_eq!(
        files.get(&format!("{}/{sha}", &sha[..2])).await.unwrap(),
        ok
    );
    let (reg, _) = t.staff("reg.s3", vec![Role::Registrar], "VS3").await;
    let played = t
        .get(&format!("/staff/cards/{card_id}/recording"), &reg)
        .await;
    assert_eq!(played.status, StatusCode::OK);
    assert_eq!(played.text.len(), String::from_utf8_lossy(&ok).len());
}

/// PR-01 … PR-15: personal reception through the pages: schedules of centers (PR-03 gaps,
/// PR-04 form, PR-05 publication and poster) and of a body's office (PR-01); sign-up from the
/// call center at 18:45 on the Friday before Nauryz, taken and registered on Thursday 26 March
/// with its terms (PR-02, PR-08, PR-11); oral, paper and "E-appeals" sign-ups; reference notes
/// and a refusal (PR-09); material requests (PR-12); the secrecy regime (PR-06); queue-order
/// distribution with capacity (PR-10) and the date-and-time notice (PR-11); participants
/// (PR-07); the reception, the survey and the phone survey (PR-13); the call center with the
/// file store down (PR-14); the quarterly report (PR-15).
#[tokio::test]
async fn pr_01_to_pr_15_personal_reception() {
    use otinish_domain::model::OfficialRank;
    use otinish_domain::notice::NoticeKind;
    use otinish_domain::personal::SignupState;
    use otinish_domain::repo::NewOfficial;
    let t = TestApp::new().await;
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let store = t.app.store.clone();
    let mj = store.body_by_code("MJ").await.unwrap().id;
    let head_official = store
        .add_official(&NewOfficial {
            body_id: mj,
            full_name: "Асқаров Ерлан".into(),
            position: Names::new("Әділет министрі", "Министр юстиции", "Minister of Justice"),
            rank: OfficialRank::FirstHead,
            seniority: 0,
        })
        .await
        .unwrap();
    let (gov, gov_csrf) = t.staff("gov", vec![Role::GovernmentOffice], "MJ").await;
    t.staff("cc", vec![Role::CallCenterOperator], "MJ").await;
    let (sec, sec_csrf) = t.staff("sec", vec![Role::ReceptionSecretary], "MJ").await;
    let (head, head_csrf) = t.staff("head", vec![Role::Head], "MJ").await;
    t.staff("so", vec![Role::SecurityOfficer], "MJ").await;
    t.staff("reg2", vec![Role::Registrar], "MJ").await;
    t.staff("unit", vec![Role::Executor], "MJ").await;
    let sec_id = store.staff_credentials("sec").await.unwrap().0.id;
    let unit_id = store.staff_credentials("unit").await.unwrap().0.id;
    let loc = |r: &Reply| {
        r.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };

    // PR-03, PR-04: the government office's schedule of centers for April; the first head
    // without a reception is flagged until a row names him.
    let r = t
        .post_form(
            "/staff/pr/schedules",
            &gov,
            &format!("csrf={gov_csrf}&centers=1&month=2026-04"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let centers = loc(&r);
    let page = t.get(&centers, &gov).await;
    assert!(
        between(&page.text, "id=\"gaps\"", "</div>").contains("Асқаров Ерлан"),
        "{}",
        page.text
    );
    let row = |starts: &str, cap: u32| {
        format!(
            "csrf={gov_csrf}&official={}&starts={starts}&minutes=180&location=ЦПГ+Астана&phone=%2B77172740000&email=priem%40example.kz&capacity={cap}",
            head_official.id
        )
    };
    // A Saturday is refused with the reason.
    let r = t
        .post_form(
            &format!("{centers}/rows"),
            &gov,
            &row("2026-04-18T10:00", 1),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("нерабочий"), "{}", r.text);
    let r = t
        .post_form(
            &format!("{centers}/rows"),
            &gov,
            &row("2026-04-15T10:00", 1),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = t.get(&centers, &gov).await;
    assert!(
        page.text.contains("id=\"gaps\"")
            && !between(&page.text, "id=\"gaps\"", "</p>").contains("Асқаров")
    );
    // Only the government office approves its schedule.
    let r = t
        .post_form(
            &format!("{centers}/approve"),
            &head,
            &format!("csrf={head_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for step in ["approve", "publish"] {
        let r = t
            .post_form(
                &format!("{centers}/{step}"),
                &gov,
                &format!("csrf={gov_csrf}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{step}: {}", r.text);
    }
    // PR-01: the ministry's own public reception office, approved by its head.
    let r = t
        .post_form(
            "/staff/pr/schedules",
            &sec,
            &format!("csrf={sec_csrf}&centers=0&month=2026-04"),
        )
        .await;
    let office = loc(&r);
    let r = t
        .post_form(
            &format!("{office}/rows"),
            &sec,
            &row("2026-04-22T15:00", 5).replace(&gov_csrf, &sec_csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t
        .post_form(
            &format!("{office}/approve"),
            &sec,
            &format!("csrf={sec_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            &format!("{office}/approve"),
            &head,
            &format!("csrf={head_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form(
            &format!("{office}/publish"),
            &sec,
            &format!("csrf={sec_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // PR-05: published in Kazakh and Russian, and as a printable poster.
    let public = t.get("/reception-centers", "").await;
    assert!(public.text.contains("Қазақша") && public.text.contains("Русский"));
    assert!(public.text.contains("Асқаров Ерлан") && public.text.contains("15.04.2026 10:00"));
    let id = centers.rsplit('/').next().unwrap();
    let poster = t.get(&format!("/reception-centers/{id}/poster"), "").await;
    assert_eq!(poster.status, StatusCode::OK);
    assert!(
        poster.text.contains("Азаматтарды жеке қабылдау кестесі")
            && poster.text.contains("График личного приёма граждан")
    );
    // Each version names the position in its own language.
    let kk = between(
        &poster.text,
        "Азаматтарды жеке қабылдау кестесі",
        "График личного приёма граждан",
    );
    assert!(
        kk.contains("Әділет министрі") && !kk.contains("Министр юстиции"),
        "{kk}"
    );
    assert!(poster.text.contains("Министр юстиции"));

    // PR-02, PR-08, PR-11: the call center at 18:45 on Friday 20 March 2026.
    t.clock.set(at("2026-03-20T18:45:00+05:00"));

    // Sessions expire: everyone signs in again after the clock moves.
    let (gov, cc, sec, head, so, reg, unit) = (
        t.login("gov").await,
        t.login("cc").await,
        t.login("sec").await,
        t.login("head").await,
        t.login("so").await,
        t.login("reg2").await,
        t.login("unit").await,
    );
    let (gov, gov_csrf, cc, cc_csrf, sec, sec_csrf, head, head_csrf) =
        (gov.0, gov.1, cc.0, cc.1, sec.0, sec.1, head.0, head.1);
    let (so, so_csrf, reg, reg_csrf, unit, unit_csrf) = (so.0, so.1, reg.0, reg.1, unit.0, unit.1);
    let _ = (
        &gov, &gov_csrf, &cc, &cc_csrf, &sec, &sec_csrf, &head, &head_csrf, &so, &so_csrf, &reg,
        &reg_csrf, &unit, &unit_csrf,
    );
    let take = |csrf: &str, source: &str, name: &str, iin: &str, extra: &[(&str, &str)]| {
        let mut f: Vec<(String, String)> = vec![
            ("csrf".into(), csrf.into()),
            ("source".into(), source.into()),
            ("body".into(), "MJ".into()),
            ("full_name".into(), name.into()),
            ("iin".into(), iin.into()),
            ("phone".into(), "+77011234567".into()),
            ("citizenship".into(), "kz".into()),
            ("lang".into(), "ru".into()),
            (
                "question".into(),
                "Вопрос о регистрации недвижимости".into(),
            ),
        ];
        for (k, v) in extra {
            f.retain(|(x, _)| x != k);
            f.push(((*k).into(), (*v).into()));
        }
        f
    };
    let post = |f: Vec<(String, String)>, jar: String, files: Vec<(&'static str, Vec<u8>)>| {
        let t = &t;
        async move {
            let fields: Vec<(&str, &str)> =
                f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            let files: Vec<(&str, &[u8])> = files.iter().map(|(n, b)| (*n, b.as_slice())).collect();
            t.post_multipart("/staff/pr/take", &jar, &fields, &files)
                .await
        }
    };
    // Bad input is refused field by field, in the user's language.
    let r = post(
        take(&cc_csrf, "call_center", "", "123", &[("phone", "")]),
        cc.clone(),
        vec![],
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", loc(&r));
    assert!(
        r.text.contains("ИИН — 12 цифр") && r.text.contains("Обязательное поле"),
        "{}",
        r.text
    );
    let r = post(
        take(
            &cc_csrf,
            "call_center",
            "Ахметов Бауыржан",
            "791028302728",
            &[],
        ),
        cc.clone(),
        vec![],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let l = loc(&r);
    assert!(l.contains("queued=1") && l.contains("26.03.2026"), "{l}");
    let friday: i64 = between(&l, "done=", "&").parse().unwrap();
    let screen = t.get(&l, &cc).await;
    assert!(
        screen.text.contains(&format!("№ {friday}")) && screen.text.contains("26.03.2026 09:00")
    );
    let s = store.pr_signup(friday).await.unwrap();
    assert_eq!(s.card.received_at, at("2026-03-26T09:00:00+05:00"));
    assert_eq!(s.card.channel, Channel::CallCenter);
    let told = store.notices_of_card(friday).await.unwrap();
    assert!(told
        .iter()
        .any(|n| n.kind == NoticeKind::PrQueued && n.body.contains("26.03.2026 09:00")));
    let due = |id: i64, key: &'static str| {
        let store = store.clone();
        async move {
            store
                .deadlines(id)
                .await
                .unwrap()
                .into_iter()
                .find(|d| d.key == key)
                .map(|d| d.due_on.to_string())
        }
    };
    assert_eq!(
        due(friday, "registration").await.as_deref(),
        Some("2026-03-26")
    );
    // Not registered before it is taken.
    t.clock.set(at("2026-03-20T18:50:00+05:00"));

    // Sessions expire: everyone signs in again after the clock moves.
    let (gov, cc, sec, head, so, reg, unit) = (
        t.login("gov").await,
        t.login("cc").await,
        t.login("sec").await,
        t.login("head").await,
        t.login("so").await,
        t.login("reg2").await,
        t.login("unit").await,
    );
    let (gov, gov_csrf, cc, cc_csrf, sec, sec_csrf, head, head_csrf) =
        (gov.0, gov.1, cc.0, cc.1, sec.0, sec.1, head.0, head.1);
    let (so, so_csrf, reg, reg_csrf, unit, unit_csrf) = (so.0, so.1, reg.0, reg.1, unit.0, unit.1);
    let _ = (
        &gov, &gov_csrf, &cc, &cc_csrf, &sec, &sec_csrf, &head, &head_csrf, &so, &so_csrf, &reg,
        &reg_csrf, &unit, &unit_csrf,
    );
    // Before it counts as received, the sign-up page says so beside a disabled button.
    let page = t.get(&format!("/staff/pr/{friday}"), &reg).await;
    assert!(
        page.text.contains("id=\"action-register\" disabled")
            && page.text.contains("считается поступившей 26.03.2026 09:00"),
        "{}",
        page.text
    );
    // No responsible chosen: refused on the same page, nothing pre-chosen.
    let r = t
        .post_form(
            &format!("/staff/pr/{friday}/register"),
            &reg,
            &format!("csrf={reg_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("role=\"alert\"") && r.text.contains("id=\"responsible\""),
        "{}",
        r.text
    );
    // Too early: the refusal comes back on the sign-up, with the choice kept.
    let r = t
        .post_form(
            &format!("/staff/pr/{friday}/register"),
            &reg,
            &format!("csrf={reg_csrf}&responsible={sec_id}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("следующего рабочего дня"), "{}", r.text);
    assert!(
        r.text
            .contains(&format!("<option value=\"{sec_id}\" selected>")),
        "{}",
        r.text
    );
    // Thursday 26 March, after Nauryz: registered the day it is taken, routed to the worker.
    t.clock.set(at("2026-03-26T10:00:00+05:00"));

    // Sessions expire: everyone signs in again after the clock moves.
    let (gov, cc, sec, head, so, reg, unit) = (
        t.login("gov").await,
        t.login("cc").await,
        t.login("sec").await,
        t.login("head").await,
        t.login("so").await,
        t.login("reg2").await,
        t.login("unit").await,
    );
    let (gov, gov_csrf, cc, cc_csrf, sec, sec_csrf, head, head_csrf) =
        (gov.0, gov.1, cc.0, cc.1, sec.0, sec.1, head.0, head.1);
    let (so, so_csrf, reg, reg_csrf, unit, unit_csrf) = (so.0, so.1, reg.0, reg.1, unit.0, unit.1);
    let _ = (
        &gov, &gov_csrf, &cc, &cc_csrf, &sec, &sec_csrf, &head, &head_csrf, &so, &so_csrf, &reg,
        &reg_csrf, &unit, &unit_csrf,
    );
    let r = t
        .post_form(
            &format!("/staff/pr/{friday}/register"),
            &reg,
            &format!("csrf={reg_csrf}&responsible={sec_id}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let s = store.pr_signup(friday).await.unwrap();
    assert_eq!(
        (s.state, s.card.state, s.responsible_id),
        (SignupState::Routed, CardState::InExecution, Some(sec_id))
    );
    assert_eq!(
        due(friday, "reception_date_notice").await.as_deref(),
        Some("2026-04-16")
    );
    let journal = store.journal_for(&format!("card:{friday}")).await.unwrap();
    assert!(journal
        .iter()
        .any(|e| e.draft.action == "register" && e.draft.details.contains("\"late\":false")));

    // Oral (needs the applicant's confirmation) and paper (needs the scan) sign-ups by staff.
    let r = post(
        take(&reg_csrf, "oral", "Иванова Анна", "880101400126", &[]),
        reg.clone(),
        vec![],
    )
    .await;
    assert!(r.text.contains("подтверждения заявителя"), "{}", r.text);
    let r = post(
        take(
            &reg_csrf,
            "oral",
            "Иванова Анна",
            "880101400126",
            &[("confirmed", "1")],
        ),
        reg.clone(),
        vec![],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let oral: i64 = between(&loc(&r), "done=", "&").parse().unwrap();
    let r = post(
        take(&reg_csrf, "paper", "Сериков Арман", "900202300115", &[]),
        reg.clone(),
        vec![],
    )
    .await;
    assert!(r.text.contains("скан"), "{}", r.text);
    let scan = b"%PDF-1.4 paper sign-up".to_vec();
    let r = post(
        take(&reg_csrf, "paper", "Сериков Арман", "900202300115", &[]),
        reg.clone(),
        vec![("letter.pdf", scan.clone())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let paper: i64 = between(&loc(&r), "done=", "&").parse().unwrap();
    let got = t.get(&format!("/staff/pr/{paper}/scan"), &reg).await;
    assert_eq!(got.text.as_bytes(), scan.as_slice());
    // A call-center operator takes sign-ups only from the call center.
    let r = post(
        take(&cc_csrf, "paper", "X Y", "900202300115", &[]),
        cc.clone(),
        vec![],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // PR-06: a foreigner's sign-up is under the secrecy regime.
    let r = post(
        take(
            &cc_csrf,
            "call_center",
            "Smith John",
            "950505500124",
            &[("citizenship", "foreign")],
        ),
        cc.clone(),
        vec![],
    )
    .await;
    let foreign: i64 = between(&loc(&r), "done=", "&").parse().unwrap();
    for id in [oral, paper] {
        let r = t
            .post_form(
                &format!("/staff/pr/{id}/register"),
                &reg,
                &format!("csrf={reg_csrf}&responsible={sec_id}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    assert_eq!(
        t.get(&format!("/staff/pr/{foreign}"), &reg).await.status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .post_form(
            &format!("/staff/pr/{foreign}/register"),
            &sec,
            &format!("csrf={sec_csrf}&responsible={sec_id}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let list = t.get("/staff/pr?state=routed", &reg).await;
    assert!(list.text.contains("ограничено") && !list.text.contains("Smith John"));

    // PR-09: notes, due 5 working days before the first reception (15 April → 8 April).
    for id in [friday, foreign, paper] {
        let r = t
            .post_form(
                &format!("/staff/pr/{id}/note"),
                &sec,
                &format!("csrf={sec_csrf}&note=Справка+по+вопросу&proposal=set_date"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    assert_eq!(
        store
            .pr_signup(friday)
            .await
            .unwrap()
            .note_due
            .map(|d| d.to_string())
            .as_deref(),
        Some("2026-04-08")
    );
    // Only the responsible worker writes the note; the head confirms a proposed refusal.
    let r = t
        .post_form(
            &format!("/staff/pr/{oral}/note"),
            &reg,
            &format!("csrf={reg_csrf}&note=x&proposal=refuse"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            &format!("/staff/pr/{oral}/note"),
            &sec,
            &format!("csrf={sec_csrf}&note=Не+в+компетенции&proposal=refuse"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    // GEN-09: the refusal closes the card as refused, so the applicant is heard first: without
    // a hearing it is refused; notified on Thursday 26 March, the position is due by Monday 30
    // and the refusal may come from Tuesday 31 March.
    let refuse = format!("csrf={head_csrf}&reason=Вопрос+не+относится+к+компетенции");
    let r = t
        .post_form(&format!("/staff/pr/{oral}/refuse"), &head, &refuse)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("предложите заслушивание"), "{}", r.text);
    let page = t.get(&format!("/staff/pr/{oral}"), &sec).await;
    assert!(page.text.contains("action-hearing-notify"), "{}", page.text);
    assert_eq!(
        t.post_form(
            &format!("/staff/pr/{oral}/hearing-notify"),
            &reg,
            &format!("csrf={reg_csrf}&intended=refused&respond_by="),
        )
        .await
        .status,
        StatusCode::FORBIDDEN,
        "not the responsible worker"
    );
    let r = t
        .post_form(
            &format!("/staff/pr/{oral}/hearing-notify"),
            &sec,
            &format!("csrf={sec_csrf}&intended=refused&respond_by="),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let h = &store.hearings(oral).await.unwrap()[0];
    assert_eq!(h.notice.respond_by.to_string(), "2026-03-30");
    let r = t
        .post_form(&format!("/staff/pr/{oral}/refuse"), &head, &refuse)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("31.03.2026"), "{}", r.text);

    // PR-12: a material request binds the unit; its member answers.
    let r = t.post_form(&format!("/staff/pr/{friday}/request"), &sec, &format!("csrf={sec_csrf}&unit=Департамент+регистрации&assignee={unit_id}&text=Сведения&due=2026-03-20")).await;
    assert!(r.text.contains("в прошлом"), "{}", r.text);
    let r = t.post_form(&format!("/staff/pr/{friday}/request"), &sec, &format!("csrf={sec_csrf}&unit=Департамент+регистрации&assignee={unit_id}&text=Сведения&due=2026-04-01")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let tasks = t.get("/staff/pr", &unit).await;
    assert!(
        tasks.text.contains("Департамент регистрации"),
        "{}",
        tasks.text
    );
    let task = store.pr_tasks(Some(friday), None).await.unwrap()[0].id;
    let r = t
        .post_form(
            &format!("/staff/pr/tasks/{task}"),
            &unit,
            &format!("csrf={unit_csrf}&answer=Право+зарегистрировано"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(t
        .get(&format!("/staff/pr/{friday}"), &sec)
        .await
        .text
        .contains("Право зарегистрировано"));

    // PR-10, PR-11: queue order; the uncleared secrecy case waits; capacity holds.
    let r = t
        .post_form("/staff/pr/distribute", &sec, &format!("csrf={sec_csrf}"))
        .await;
    assert!(loc(&r).contains("placed=2&waiting=1"), "{}", loc(&r));
    let first = store.pr_signup(friday).await.unwrap();
    let second = store.pr_signup(paper).await.unwrap();
    let slot_of = |s: &otinish_domain::repo::Signup| s.slot_id.unwrap();
    assert_eq!(
        store
            .pr_slot(slot_of(&first))
            .await
            .unwrap()
            .slot
            .starts
            .to_string(),
        "2026-04-15 10:00:00"
    );
    assert_eq!(
        store
            .pr_slot(slot_of(&second))
            .await
            .unwrap()
            .slot
            .starts
            .to_string(),
        "2026-04-22 15:00:00"
    );
    let notice = store
        .notices_of_card(friday)
        .await
        .unwrap()
        .into_iter()
        .find(|n| n.kind == NoticeKind::PrDateTime)
        .unwrap();
    assert!(notice.body.contains("15.04.2026 10:00") && notice.body.contains("Асқаров Ерлан"));
    assert!(store
        .notices_of_card(friday)
        .await
        .unwrap()
        .iter()
        .any(|n| n.kind == NoticeKind::PrDateTime
            && n.channel == otinish_domain::notice::NoticeChannel::Sms));
    let r = t
        .post_form(
            &format!("/staff/pr/{foreign}/clear"),
            &sec,
            &format!("csrf={sec_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            &format!("/staff/pr/{foreign}/clear"),
            &so,
            &format!("csrf={so_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t
        .post_form("/staff/pr/distribute", &sec, &format!("csrf={sec_csrf}"))
        .await;
    assert!(loc(&r).contains("placed=1&waiting=0"), "{}", loc(&r));

    // PR-07: volunteers only on reception days; a representative with the question.
    let part = |day: &str, kind: &str, card: &str| {
        format!("csrf={sec_csrf}&day={day}&kind={kind}&name=Серикова+Дана&organisation=Акимат&card={card}")
    };
    let r = t
        .post_form(
            "/staff/pr/participants",
            &sec,
            &part("2026-04-16", "volunteer", ""),
        )
        .await;
    assert!(r.text.contains("только в дни приёма"), "{}", r.text);
    let r = t
        .post_form(
            "/staff/pr/participants",
            &sec,
            &part("2026-04-15", "volunteer", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t
        .post_form(
            "/staff/pr/participants",
            &sec,
            &part("2026-04-15", "body_representative", ""),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(
            "/staff/pr/participants",
            &sec,
            &part("2026-04-15", "body_representative", &friday.to_string()),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // The reception: not before it begins; then held, the card answered, the survey sent.
    t.clock.set(at("2026-04-15T09:00:00+05:00"));

    // Sessions expire: everyone signs in again after the clock moves.
    let (gov, cc, sec, head, so, reg, unit) = (
        t.login("gov").await,
        t.login("cc").await,
        t.login("sec").await,
        t.login("head").await,
        t.login("so").await,
        t.login("reg2").await,
        t.login("unit").await,
    );
    let (gov, gov_csrf, cc, cc_csrf, sec, sec_csrf, head, head_csrf) =
        (gov.0, gov.1, cc.0, cc.1, sec.0, sec.1, head.0, head.1);
    let (so, so_csrf, reg, reg_csrf, unit, unit_csrf) = (so.0, so.1, reg.0, reg.1, unit.0, unit.1);
    let _ = (
        &gov, &gov_csrf, &cc, &cc_csrf, &sec, &sec_csrf, &head, &head_csrf, &so, &so_csrf, &reg,
        &reg_csrf, &unit, &unit_csrf,
    );
    let held =
        format!("csrf={head_csrf}&outcome=consultation&outcome_text=Разъяснён+порядок+регистрации");
    let r = t
        .post_form(&format!("/staff/pr/{friday}/held"), &head, &held)
        .await;
    assert!(r.text.contains("Приём ещё не начался"), "{}", r.text);
    t.clock.set(at("2026-04-15T10:30:00+05:00"));

    // Sessions expire: everyone signs in again after the clock moves.
    let (gov, cc, sec, head, so, reg, unit) = (
        t.login("gov").await,
        t.login("cc").await,
        t.login("sec").await,
        t.login("head").await,
        t.login("so").await,
        t.login("reg2").await,
        t.login("unit").await,
    );
    let (gov, gov_csrf, cc, cc_csrf, sec, sec_csrf, head, head_csrf) =
        (gov.0, gov.1, cc.0, cc.1, sec.0, sec.1, head.0, head.1);
    let (so, so_csrf, reg, reg_csrf, unit, unit_csrf) = (so.0, so.1, reg.0, reg.1, unit.0, unit.1);
    let _ = (
        &gov, &gov_csrf, &cc, &cc_csrf, &sec, &sec_csrf, &head, &head_csrf, &so, &so_csrf, &reg,
        &reg_csrf, &unit, &unit_csrf,
    );
    // GEN-09: the day for the position passed in silence; it is recorded, then the head's
    // refusal goes through and the applicant is told why.
    let refuse = format!("csrf={head_csrf}&reason=Вопрос+не+относится+к+компетенции");
    let r = t
        .post_form(&format!("/staff/pr/{oral}/refuse"), &head, &refuse)
        .await;
    assert!(r.text.contains("позиция не представлена"), "{}", r.text);
    let r = t
        .post_form(
            &format!("/staff/pr/{oral}/hearing-silence"),
            &sec,
            &format!("csrf={sec_csrf}&hearing="),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t
        .post_form(&format!("/staff/pr/{oral}/refuse"), &head, &refuse)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        store.pr_signup(oral).await.unwrap().state,
        SignupState::Refused
    );
    assert!(store
        .notices_of_card(oral)
        .await
        .unwrap()
        .iter()
        .any(|n| n.kind == NoticeKind::PrRefused));

    // GEN-09: a partial satisfaction at the reception needs the hearing too.
    let partial =
        format!("csrf={head_csrf}&outcome=partially_satisfied&outcome_text=Частично+удовлетворено");
    let r = t
        .post_form(&format!("/staff/pr/{friday}/held"), &head, &partial)
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("предложите заслушивание"), "{}", r.text);
    let held =
        format!("csrf={head_csrf}&outcome=consultation&outcome_text=Разъяснён+порядок+регистрации");
    let r = t
        .post_form(&format!("/staff/pr/{friday}/held"), &head, &held)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(store.card(friday).await.unwrap().state, CardState::Answered);
    let survey = store
        .notices_of_card(friday)
        .await
        .unwrap()
        .into_iter()
        .find(|n| {
            n.kind == NoticeKind::PrSurvey
                && n.channel == otinish_domain::notice::NoticeChannel::Sms
        })
        .unwrap();
    let link = survey
        .body
        .split_whitespace()
        .find(|w| w.contains("/survey/"))
        .unwrap();
    let path = link.trim_start_matches("http://otinish.test");
    let form = t.get(path, "").await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.cookie("otinish_csrf").unwrap();
    let jar = format!("otinish_csrf={csrf}");
    let r = t
        .post_form(path, &jar, &format!("csrf={csrf}&rating=7"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = t
        .post_form(path, &jar, &format!("csrf={csrf}&rating=5&comment=Спасибо"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(store.pr_signup(friday).await.unwrap().rating, Some(5));
    assert!(t.get(path, "").await.text.contains("Опрос уже пройден"));
    // PR-13: the phone survey lists the consultation (a full sample) and a withdrawal.
    let r = t
        .post_form(
            &format!("/staff/pr/{paper}/decline"),
            &sec,
            &format!("csrf={sec_csrf}&reason=Вопрос+решён+до+приёма"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let phone = t.get("/staff/pr?percent=100", &sec).await;
    let list = between(&phone.text, "id=\"phone-list\"", "</table>");
    assert!(
        list.contains("Ахметов Бауыржан") && list.contains("Сериков Арман"),
        "{list}"
    );
    let r = t
        .post_form(
            &format!("/staff/pr/{paper}/phone"),
            &sec,
            &format!("csrf={sec_csrf}&result=reached&rating=4"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let phone = t.get("/staff/pr?percent=100", &sec).await;
    assert!(!between(&phone.text, "id=\"phone-list\"", "</table>").contains("Сериков Арман"));

    // PR-15: the quarterly report of Q1 (every sign-up here was taken in March).
    let csv = t
        .get("/staff/pr/report?year=2026&quarter=1&format=csv", &gov)
        .await;
    let line = csv
        .text
        .lines()
        .find(|l| l.starts_with("MJ,"))
        .unwrap_or_default()
        .to_owned();
    // body, signups, portal, e_appeals, paper, oral, call_center, registered_late, notice_late,
    // held, consultations, satisfied, no_show, refused, declined, waiting, secrecy, surveys,
    // rating, phone_surveys
    assert_eq!(
        line, "MJ,4,0,0,1,1,2,0,0,1,1,0,0,1,1,1,1,2,4.5,1",
        "{}",
        csv.text
    );
    let html = t.get("/staff/pr/report?year=2026&quarter=1", &gov).await;
    assert!(html.text.contains("id=\"report-total\""));
    assert_eq!(
        t.get("/staff/pr/report", &cc).await.status,
        StatusCode::FORBIDDEN
    );

    // PR-02: the "E-appeals" intake (JSON and CSV), idempotent on its id; a token is required.
    let t = TestApp::rebuild(t, |a| {
        a.config.e_appeals_token = Some("secret-token".into())
    });
    let api = |body: &str, ct: &str, token: &str| {
        Request::post("/api/v1/pr/signups")
            .header(header::CONTENT_TYPE, ct)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .body(Body::from(body.to_owned()))
            .unwrap()
    };
    let send = |req| {
        let router = t.router.clone();
        async move { reply(router.oneshot(req).await.unwrap_or_else(|e| match e {})).await }
    };
    let json = r#"[{"external_id":"EA-7","body":"MJ","full_name":"Нұрланов Ерболат","iin":"791028302728","phone":"+77011234567","question":"Жер учаскесі"},
                   {"external_id":"EA-8","body":"MJ","full_name":"","iin":"1","phone":"","question":""}]"#;
    assert_eq!(
        send(api(json, "application/json", "wrong")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = send(api(json, "application/json", "secret-token")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(v["results"][0]["status"], "accepted");
    assert_eq!(v["results"][1]["status"], "refused");
    let again: serde_json::Value = serde_json::from_str(
        &send(api(json, "application/json", "secret-token"))
            .await
            .text,
    )
    .unwrap();
    assert_eq!(
        (
            again["results"][0]["status"].clone(),
            again["results"][0]["card_id"].clone()
        ),
        ("known".into(), v["results"][0]["card_id"].clone())
    );
    let csv = "external_id,body,full_name,iin,phone,question\nEA-9,MJ,\"Ли, Анна\",880101400126,+77011234567,\"Вопрос \"\"о пенсии\"\"\"\n";
    let r: serde_json::Value =
        serde_json::from_str(&send(api(csv, "text/csv", "secret-token")).await.text).unwrap();
    assert_eq!(r["results"][0]["status"], "accepted", "{r}");
    let id = r["results"][0]["card_id"].as_i64().unwrap();
    let s = t.app.store.pr_signup(id).await.unwrap();
    assert_eq!(
        (s.full_name.as_str(), s.question.as_str()),
        ("Ли, Анна", "Вопрос \"о пенсии\"")
    );

    // PR-14: with the file store unusable, the call center still takes sign-ups; a paper scan
    // is refused with a clear message.
    let t = TestApp::rebuild(t, |a| {
        a.files = Arc::new(otinish_store::files::FileStore::new(
            "/proc/otinish-no-files",
        ))
    });
    let (cc, cc_csrf) = t.login("cc").await;
    let (reg, reg_csrf) = t.login("reg2").await;
    let fields = take(
        &cc_csrf,
        "call_center",
        "Ахметов Бауыржан",
        "791028302728",
        &[],
    );
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t.post_multipart("/staff/pr/take", &cc, &f, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let fields = take(&reg_csrf, "paper", "Сериков Арман", "900202300115", &[]);
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t
        .post_multipart("/staff/pr/take", &reg, &f, &[("scan.pdf", b"%PDF-1.4")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Не удалось сохранить скан"), "{}", r.text);

    // PR-08: a sign-up not registered on the day it was taken says the registration term is
    // broken — first that it is overdue, then, registered on a later day, that it was late (and
    // the report counts it); the PR-11 term still counts from the registration.
    let fields = take(&cc_csrf, "call_center", "Омаров Ерлан", "791028302728", &[]);
    let f: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = t.post_multipart("/staff/pr/take", &cc, &f, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let late: i64 = between(&loc(&r), "done=", "&").parse().unwrap();
    let cal = t.app.calendar.read().await.clone();
    let taken_on = cal
        .zone()
        .local_date(store.pr_signup(late).await.unwrap().card.received_at);
    let later = cal.add_working_days(taken_on, 2).unwrap().due;
    t.clock
        .set(cal.zone().utc(later.and_hms_opt(10, 0, 0).unwrap()));
    let (reg, reg_csrf) = t.login("reg2").await;
    let page = t.get(&format!("/staff/pr/{late}"), &reg).await;
    assert!(
        page.text.contains("id=\"registration-late\"")
            && page.text.contains("не зарегистрирована в тот же день"),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            &format!("/staff/pr/{late}/register"),
            &reg,
            &format!("csrf={reg_csrf}&responsible={sec_id}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = t.get(&format!("/staff/pr/{late}"), &reg).await;
    assert!(
        page.text.contains("id=\"registration-late\"")
            && page.text.contains("зарегистрирована позже"),
        "{}",
        page.text
    );
    let notice_due = cal.add_working_days(later, 15).unwrap().due;
    assert_eq!(
        store
            .deadlines(late)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.key == "reception_date_notice")
            .map(|d| d.due_on),
        Some(notice_due),
        "PR-11 counts from the registration"
    );
    let (gov, _) = t.login("gov").await;
    use chrono::Datelike;
    let quarter = (taken_on.month0() / 3) + 1;
    let csv = t
        .get(
            &format!(
                "/staff/pr/report?year={}&quarter={quarter}&format=csv",
                taken_on.year()
            ),
            &gov,
        )
        .await;
    let registered_late: u32 = csv
        .text
        .lines()
        .find(|l| l.starts_with("MJ,"))
        .and_then(|l| l.split(',').nth(7))
        .and_then(|n| n.parse().ok())
        .unwrap_or_default();
    assert!(registered_late >= 1, "{}", csv.text);
}

/// The text of a PDF as poppler's `pdftotext` reads it; `None` when the tool is missing
/// (CI installs it and sets OTINISH_REQUIRE_TOOLS).
fn read_pdf(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("document.pdf");
    std::fs::write(&path, bytes).unwrap();
    let fonts = std::process::Command::new("pdffonts").arg(&path).output();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output();
    match (out, fonts) {
        (Ok(o), Ok(f)) if o.status.success() => {
            let fonts = String::from_utf8_lossy(&f.stdout).into_owned();
            // name type encoding emb sub uni: the one font is embedded, a subset, with ToUnicode.
            assert!(
                fonts.lines().skip(2).all(|l| l.contains("yes yes yes")),
                "{fonts}"
            );
            Some(String::from_utf8_lossy(&o.stdout).into_owned())
        }
        other => {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_TOOLS").is_none(),
                "OTINISH_REQUIRE_TOOLS is set but pdftotext could not read the PDF: {other:?}"
            );
            eprintln!("SKIPPED the PDF reading: no pdftotext (poppler-utils)");
            None
        }
    }
}

/// Reads an XLSX file with Python's openpyxl (a spreadsheet reader that is not ours) and
/// returns its first sheet's cells as rows of strings; `None` when no Python has openpyxl
/// (CI installs it and sets OTINISH_REQUIRE_XLSX_READER).
fn read_xlsx(bytes: &[u8]) -> Option<Vec<Vec<String>>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.xlsx");
    std::fs::write(&path, bytes).unwrap();
    let script = "import json, sys, openpyxl\n\
                  ws = openpyxl.load_workbook(sys.argv[1]).worksheets[0]\n\
                  print(json.dumps([[('' if c is None else str(c)) for c in row] for row in ws.iter_rows(values_only=True)]))";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output();
    match out {
        Ok(o) if o.status.success() => Some(serde_json::from_slice(&o.stdout).unwrap()),
        other => {
            assert!(
                std::env::var_os("OTINISH_REQUIRE_XLSX_READER").is_none(),
                "OTINISH_REQUIRE_XLSX_READER is set but openpyxl could not read the file: {other:?}"
            );
            eprintln!("SKIPPED the XLSX reading: no python3 with openpyxl");
            None
        }
    }
}

/// EA-13, GEN-04, PR-13: form 1-OL over a hand-counted fixture (a redirect inside the ministry
/// counted once, where it ended; a card of the year before left out; an overdue card) as a
/// page, CSV, JSON and an XLSX read back by openpyxl; the roll-up over the department; the
/// dashboard with the overdue card; the open statistics with small counts withheld; who may
/// read what.
#[tokio::test]
async fn ea_13_gen_04_one_ol_exports_dashboard_and_open_statistics() {
    let t = TestApp::new().await;
    let store = t.app.store.clone();
    let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
    let j = |when: &str| JournalDraft::new(at(when), "test", "", "fixture");
    let mj = store.body_by_code("MJ").await.unwrap();
    let new_body = |code: &str, parent: Option<&str>| NewBody {
        code: code.into(),
        name: Names::new(
            &format!("{code} департаменті"),
            &format!("Департамент {code}"),
            &format!("{code} department"),
        ),
        parent_code: parent.map(str::to_owned),
        competence: vec![],
        vks_connected: false,
        video_appeal_connected: false,
        contacts: Contacts::default(),
        time_zone: "Asia/Almaty".into(),
    };
    let dep = store
        .create_body(&new_body("MJD", Some("MJ")), j("2026-01-05T10:00:00+05:00"))
        .await
        .unwrap();
    store
        .create_body(&new_body("AST", None), j("2026-01-05T10:00:00+05:00"))
        .await
        .unwrap();
    let card = |body: i64, received: &str, due: &str| {
        let (received, due) = (received.to_owned(), due.to_owned());
        let store = store.clone();
        async move {
            let c = NewCard {
                body_id: body,
                channel: Channel::Portal,
                kind: AppealKind::Statement,
                applicant_id: None,
                addressee: None,
                summary: "Вопрос".into(),
                received_at: at(&received),
                rulebook_id: "APPC-2021".into(),
                collective: false,
            };
            let d = StoredDeadline {
                key: "answer".into(),
                rule: "EA-07".into(),
                rulebook: "APPC-2021".into(),
                due_at: at(&due),
                due_on: at(&due).date_naive(),
                paused: false,
                explanation: "{}".into(),
            };
            store.create_card(&c, &[d], j(&received)).await.unwrap().id
        }
    };
    // MJ: answered in term; redirected to the department (whose card is open, in term); one
    // of the year before. The department: one overdue on 19 March, five more in term.
    let c1 = card(
        mj.id,
        "2026-02-02T10:00:00+05:00",
        "2026-03-01T18:00:00+05:00",
    )
    .await;
    store
        .transition_card(
            c1,
            CardState::Received,
            CardState::Answered,
            &otinish_domain::repo::CardUpdate {
                decision: Some("satisfied".into()),
                ..otinish_domain::repo::CardUpdate::default()
            },
            &[],
            j("2026-02-10T10:00:00+05:00"),
        )
        .await
        .unwrap();
    let c2 = card(
        mj.id,
        "2026-02-03T10:00:00+05:00",
        "2026-03-02T18:00:00+05:00",
    )
    .await;
    store
        .transition_card(
            c2,
            CardState::Received,
            CardState::Redirected,
            &otinish_domain::repo::CardUpdate {
                redirected_to_body_id: Some(dep.id),
                ..otinish_domain::repo::CardUpdate::default()
            },
            &[],
            j("2026-02-04T10:00:00+05:00"),
        )
        .await
        .unwrap();
    card(
        dep.id,
        "2026-02-04T10:00:00+05:00",
        "2026-03-20T18:00:00+05:00",
    )
    .await;
    card(
        mj.id,
        "2025-12-31T10:00:00+05:00",
        "2026-01-30T18:00:00+05:00",
    )
    .await;
    let overdue = card(
        dep.id,
        "2026-03-02T10:00:00+05:00",
        "2026-03-10T18:00:00+05:00",
    )
    .await;
    for day in 10..15 {
        card(
            dep.id,
            &format!("2026-03-{day}T10:00:00+05:00"),
            "2026-04-20T18:00:00+05:00",
        )
        .await;
    }
    let (registrar, _) = t.staff("reg.mj", vec![Role::Registrar], "MJ").await;

    // The ministry alone: c1 and c2 (the redirect leaves it, and it says so).
    let one = t
        .get(
            "/staff/reports/1-ol?body=MJ&from=2026-01-01&to=2026-12-31&format=json",
            &registrar,
        )
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.text);
    let v: serde_json::Value = serde_json::from_str(&one.text).unwrap();
    assert_eq!(v["total"]["received"], 2, "{v}");
    assert_eq!(v["total"]["by_resolution"]["satisfied"], 1);
    assert_eq!(v["total"]["by_resolution"]["redirected"], 1);
    assert_eq!(
        v["total"]["closed_in_term"], 2,
        "answered and redirected in term"
    );
    // Rolled up with the department: the redirect once, where it ended.
    let rolled = t
        .get(
            "/staff/reports/1-ol?body=MJ&from=2026-01-01&to=2026-12-31&rollup=1&format=json",
            &registrar,
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&rolled.text).unwrap();
    assert_eq!(v["total"]["received"], 8, "{v}");
    assert_eq!(v["total"]["by_resolution"].get("redirected"), None);
    assert_eq!(
        (
            v["total"]["open_in_term"].as_i64(),
            v["total"]["open_overdue"].as_i64()
        ),
        (Some(6), Some(1))
    );
    assert_eq!(v["columns"].as_array().map(Vec::len), Some(2));
    // The period's edge: the card of 31 December 2025 is in 2025's form only.
    let last_year = t
        .get(
            "/staff/reports/1-ol?body=MJ&year=2025&format=json",
            &registrar,
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(&last_year.text).unwrap();
    assert_eq!(v["total"]["received"], 1);
    // The page itself, in Kazakh too.
    let page = t
        .get(
            "/staff/reports/1-ol?body=MJ&from=2026-01-01&to=2026-12-31&rollup=1&lang=kk",
            &registrar,
        )
        .await;
    assert!(
        page.text.contains("1-ОЛ нысаны") && page.text.contains("MJD"),
        "{}",
        page.text
    );
    let bad = t
        .get(
            "/staff/reports/1-ol?from=2026-05-01&to=2026-01-01",
            &registrar,
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text.contains("Период указан неверно"), "{}", bad.text);

    // XLSX as an official form, read back by a spreadsheet reader.
    let xlsx = t
        .get(
            "/staff/reports/1-ol?body=MJ&from=2026-01-01&to=2026-12-31&rollup=1&format=xlsx",
            &registrar,
        )
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    assert!(xlsx.bytes.starts_with(b"PK"), "a zip container");
    if let Some(rows) = read_xlsx(&xlsx.bytes) {
        assert!(rows[0][0].starts_with("1-ОЛ нысаны"), "{:?}", rows[0]);
        assert!(rows[1][0].starts_with("Форма 1-ОЛ"), "{:?}", rows[1]);
        assert!(
            rows[2][0].contains("01.01.2026 – 31.12.2026"),
            "{:?}",
            rows[2]
        );
        assert_eq!(&rows[4][1..3], ["Көрсеткіш", "Показатель"]);
        assert!(
            rows[4][3].starts_with("MJ\n") && rows[4][4].starts_with("MJD\n"),
            "{:?}",
            rows[4]
        );
        assert_eq!(rows[4][5], "Барлығы / Всего");
        let line = |ru: &str| {
            rows.iter()
                .find(|r| r.get(2).map(String::as_str) == Some(ru))
                .cloned()
                .unwrap_or_else(|| panic!("no row {ru}: {rows:?}"))
        };
        let nums = |r: Vec<String>| {
            r[3..6]
                .iter()
                .map(|c| c.parse::<f64>().unwrap_or(-1.0) as i64)
                .collect::<Vec<_>>()
        };
        // MJ alone 2, the department alone 7, the whole 8 (the redirect once).
        assert_eq!(nums(line("Поступило")), vec![2, 7, 8]);
        assert_eq!(nums(line("направлено по компетенции")), vec![1, 0, 0]);
        assert_eq!(nums(line("удовлетворено полностью")), vec![1, 0, 1]);
        assert_eq!(nums(line("на рассмотрении, срок истёк")), vec![0, 1, 1]);
        assert_eq!(line("Поступило")[1], "Түсті");
    }
    let csv = t
        .get(
            "/staff/reports/1-ol?body=MJD&from=2026-01-01&to=2026-12-31&format=csv",
            &registrar,
        )
        .await;
    assert!(
        csv.text
            .lines()
            .any(|l| l.starts_with("received,") && l.ends_with(",7,7")),
        "{}",
        csv.text
    );

    // GEN-04: the dashboard flags the department's overdue card.
    let dash = t.get("/staff/dashboard?body=MJD", &registrar).await;
    assert_eq!(dash.status, StatusCode::OK, "{}", dash.text);
    assert!(
        dash.text.contains(&format!("/staff/cards/{overdue}")),
        "{}",
        dash.text
    );
    assert!(dash.text.contains("id=\"overdue\">1<"), "{}", dash.text);
    assert!(dash.text.contains("<svg") && dash.text.contains("Поступление по месяцам"));

    // Who may read: not an executor, not another body's registrar, not a stranger.
    let (executor, _) = t.staff("exec", vec![Role::Executor], "MJ").await;
    assert_eq!(
        t.get("/staff/reports/1-ol", &executor).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/staff/dashboard", &executor).await.status,
        StatusCode::FORBIDDEN
    );
    let (ast, _) = t.staff("ast.reg", vec![Role::Registrar], "AST").await;
    assert_eq!(
        t.get("/staff/reports/1-ol?body=MJ", &ast).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/staff/dashboard?body=MJD", &ast).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/staff/dashboard", "").await.status,
        StatusCode::SEE_OTHER
    );
    let (gov, _) = t.staff("gov", vec![Role::GovernmentOffice], "AST").await;
    assert_eq!(
        t.get("/staff/reports/1-ol?body=MJ&rollup=1", &gov)
            .await
            .status,
        StatusCode::OK
    );

    // Open statistics: anyone; counts under five withheld (the ministry's two), the
    // department's seven published.
    let open = t.get("/statistics?year=2026&format=json", "").await;
    assert_eq!(open.status, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&open.text).unwrap();
    let line = |code: &str| {
        v["bodies"]
            .as_array()
            .and_then(|b| b.iter().find(|l| l["code"] == code))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(line("MJ")["received"], serde_json::Value::Null, "{v}");
    assert_eq!(line("MJD")["received"], 7);
    assert_eq!(line("MJD")["in_progress"], 7);
    assert!(!open.text.contains("Вопрос"), "no appeal text in open data");
    let html = t.get("/statistics?year=2026", "").await;
    assert!(
        html.text.contains("&lt;5") && html.text.contains("<svg"),
        "{}",
        html.text
    );
    let csv = t.get("/statistics?year=2026&format=csv", "").await;
    assert!(
        csv.text.contains("MJD,\"Департамент MJD\",7,"),
        "{}",
        csv.text
    );
    assert_eq!(
        t.get("/statistics?year=1999", "").await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

/// Object storage down: appeals without files are taken, registered and answered as always;
/// one with files is refused at once with a reason in the applicant's language (503, nothing
/// stored, the form kept), and a stored file that cannot be read says why instead of failing.
#[tokio::test]
async fn object_storage_down_text_intake_goes_on_and_uploads_fail_clearly() {
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id;
    let fields = |key: &str| -> Vec<(&'static str, String)> {
        vec![
            ("csrf", csrf.clone()),
            ("idempotency_key", key.to_owned()),
            ("recipient", mj.to_string()),
            ("kind", "statement".to_owned()),
            ("postal_address", "Астана".to_owned()),
            ("content", format!("Прошу разъяснить порядок ({key})")),
            ("demo_sign", "1".to_owned()),
        ]
    };
    let refs = |f: &[(&'static str, String)]| -> Vec<(&'static str, String)> { f.to_vec() };
    let pdf = b"%PDF-1.4 scan".to_vec();
    // A file stored while the store was up.
    let before = refs(&fields("before"));
    let before: Vec<(&str, &str)> = before.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let with_file = card_id_of(
        &t.post_multipart("/cabinet/appeals", &jar, &before, &[("scan.pdf", &pdf)])
            .await,
    );

    // The bucket's server does not answer (nothing listens on port 1).
    let down = otinish_store::files::FileStore::s3_from(
        otinish_store::files::AmazonS3Builder::new()
            .with_bucket_name("otinish-down")
            .with_endpoint("http://127.0.0.1:1")
            .with_allow_http(true)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test"),
    )
    .unwrap();
    let t = TestApp::rebuild(t, |a| a.files = Arc::new(down));
    let cards = |t: &TestApp| {
        let store = t.app.store.clone();
        async move {
            store
                .cards_of_body(mj, otinish_domain::repo::PageRequest::default())
                .await
                .map(|p| p.total)
                .unwrap()
        }
    };
    let stored_before = cards(&t).await;

    let text = fields("text-only");
    let text: Vec<(&str, &str)> = text.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let taken = t.post_multipart("/cabinet/appeals", &jar, &text, &[]).await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.text);
    let id = card_id_of(&taken);
    let page = t.get(&format!("/cabinet/appeals/{id}"), &jar).await;
    assert!(page.text.contains("Прошу разъяснить порядок (text-only)"));

    let files = fields("with-files");
    let files: Vec<(&str, &str)> = files.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = t
        .post_multipart("/cabinet/appeals", &jar, &files, &[("scan.pdf", &pdf)])
        .await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        refused.text.contains(
            "Приложенные файлы сейчас не удаётся сохранить, поэтому обращение не отправлено"
        ),
        "{}",
        refused.text
    );
    assert!(
        refused
            .text
            .contains("Прошу разъяснить порядок (with-files)"),
        "the form keeps what was written"
    );
    assert_eq!(
        cards(&t).await,
        stored_before + 1,
        "only the text appeal is stored"
    );

    // Staff opening a file stored earlier are told the store is not answering.
    let (registrar, _) = t.staff("reg.down", vec![Role::Registrar], "MJ").await;
    let card = t
        .get(&format!("/staff/cards/{with_file}"), &registrar)
        .await;
    let file_id = between(
        &card.text,
        &format!("/staff/cards/{with_file}/files/"),
        "\"",
    )
    .to_owned();
    let file = t
        .get(
            &format!("/staff/cards/{with_file}/files/{file_id}"),
            &registrar,
        )
        .await;
    assert_eq!(file.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        file.text.contains("Хранилище файлов сейчас не отвечает"),
        "{}",
        file.text
    );
}

/// One applicant files at most `appeals_per_hour` new appeals in an hour through the cabinet
/// (and the API, which shares the intake): beyond it they are asked, in their language, to send
/// it a little later (429, the form kept); a retry of one already stored still returns it; an
/// hour later they may file again. A CSRF token planted before sign-in is refused after it.
#[tokio::test]
async fn an_applicant_files_a_limited_number_of_appeals_an_hour() {
    let t = TestApp::rebuild(TestApp::new().await, |a| a.limits.appeals_per_hour = 3);
    // The token the browser held before signing in (planted there, say, by a sibling site).
    let planted = t.get("/signin", "").await.cookie("otinish_csrf").unwrap();
    let signed = t
        .post_form(
            "/signin/demo",
            &format!("otinish_csrf={planted}"),
            &format!("csrf={planted}&signer=person"),
        )
        .await;
    let csrf = signed.cookie("otinish_csrf").unwrap();
    let jar = format!(
        "otinish_csrf={csrf}; otinish_applicant={}",
        signed.cookie("otinish_applicant").unwrap()
    );
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    async fn file(t: &TestApp, jar: &str, csrf: &str, mj: &str, key: &str) -> Reply {
        file_text(t, jar, csrf, mj, key, key).await
    }
    async fn file_text(
        t: &TestApp,
        jar: &str,
        csrf: &str,
        mj: &str,
        key: &str,
        label: &str,
    ) -> Reply {
        let content = format!("Прошу разъяснить порядок ({label})");
        let fields = [
            ("csrf", csrf),
            ("idempotency_key", key),
            ("recipient", mj),
            ("kind", "statement"),
            ("postal_address", "Астана"),
            ("content", content.as_str()),
            ("demo_sign", "1"),
        ];
        t.post_multipart("/cabinet/appeals", jar, &fields, &[])
            .await
    }
    assert_eq!(
        file(&t, &jar, &planted, &mj, "stale").await.status,
        StatusCode::FORBIDDEN,
        "the token from before sign-in"
    );
    let mut first = 0;
    for i in 0..3 {
        let r = file(&t, &jar, &csrf, &mj, &format!("k{i}")).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        if i == 0 {
            first = card_id_of(&r);
        }
    }
    let over = file(&t, &jar, &csrf, &mj, "k3").await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(
        over.text
            .contains("За последний час вы подали 3 обращений — это предел для одного заявителя"),
        "{}",
        over.text
    );
    assert!(
        over.text.contains("Прошу разъяснить порядок (k3)"),
        "the form is kept"
    );
    let retry = file(&t, &jar, &csrf, &mj, "k0").await;
    assert_eq!(
        retry.status,
        StatusCode::SEE_OTHER,
        "a retry is no new appeal"
    );
    assert_eq!(card_id_of(&retry), first);
    // A replay: the same appeal signed again and sent under a new key is the first one, and
    // its page says so; it does not count as a new appeal either.
    let replay = file_text(&t, &jar, &csrf, &mj, "k0-again", "k0").await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER, "{}", replay.text);
    assert_eq!(card_id_of(&replay), first);
    let location = replay
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(location.ends_with("?sent_before=1"), "{location}");
    let page = t.get(&location, &jar).await;
    assert!(
        page.text
            .contains("Вы уже отправляли это подписанное обращение: повторно оно не подано."),
        "{}",
        page.text
    );

    let later = TestApp::with_clock(t, Utc.with_ymd_and_hms(2026, 3, 19, 7, 0, 1).unwrap());
    let r = file(&later, &jar, &csrf, &mj, "k3").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
}

/// EA-06: an appeal whose signer's revocation list cannot be fetched is accepted — the
/// deployment chose so — with a mark on the card; once the list can be fetched, the re-check
/// settles the mark (journaled) and the card says which list vouched; later appeals use the
/// fetched list at once. The certificates are GOST-512 ones of a CA whose list is served on
/// loopback.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ea_06_unreachable_revocation_accepted_with_a_mark_then_checked_again() {
    use otinish_pki::gost_ca::{GostCa, Purpose};
    use otinish_web::revocation::{Mode, OnUnreachable, Policy, Revocation};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let now = Utc.with_ymd_and_hms(2026, 3, 19, 6, 0, 0).unwrap();
    // The list's address; nothing listens there yet.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let mut ca = GostCa::generate("Loopback GOST CA", now - chrono::Duration::days(30)).unwrap();
    ca.publish_at(Some(format!("http://127.0.0.1:{port}/ca.crl")), None);
    let subject = |iin: &str| otinish_pki::sign::KzSubject {
        surname: "АХМЕТОВ".into(),
        name: "БАУЫРЖАН".into(),
        patronymic: None,
        iin: iin.into(),
        organization: None,
        bin: None,
        email: None,
    };
    let good = ca
        .issue(
            &subject("791028302728"),
            Purpose::Signing,
            now - chrono::Duration::days(2),
        )
        .unwrap();
    let root = ca.root_der().to_vec();
    let t = TestApp::new_with(|pki, _| {
        pki.trust
            .add_certificate(otinish_pki::parse_certificates(&root).unwrap().remove(0));
        pki.revocation = Revocation::new(
            Policy {
                mode: Mode::Crl,
                on_unreachable: OnUnreachable::AcceptMarked,
            },
            None,
        );
    })
    .await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id;
    let (_, applicant) = t
        .app
        .store
        .applicant_by_tax_id("791028302728")
        .await
        .unwrap();
    let submit = |key: &otinish_pki::sign::SigningKey, idem: &str| {
        let mut form = serde_json::Map::new();
        for (k, v) in [
            ("recipient", mj.to_string()),
            ("kind", "complaint".into()),
            ("postal_address", "Астана".into()),
            ("content", format!("Жалоба {idem}")),
        ] {
            form.insert(k.into(), serde_json::Value::String(v));
        }
        let doc = otinish_app::Service::appeal_document(&applicant, form, &[]);
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .encode(key.sign_cms(doc.as_bytes(), true, now).unwrap())
    };
    let b64 = submit(&good, "first");
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "rv-1"),
                ("signature", b64.as_str()),
            ],
            &[],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        between(&r.text, "<main", "</main>")
    );
    let id = card_id_of(&r);
    let a = t.app.store.appeal(id).await.unwrap();
    let check = a.signature_check.clone().unwrap();
    assert!(check.revocation.is_pending(), "{check:?}");
    assert_eq!(check.roles, ["individual"]);
    assert!(check.algorithm.starts_with("GOST R 34.10-2015 512-bit"));
    // The card says so, in the registrar's language.
    let (staff, _) = t.staff("reg-rv", vec![Role::Registrar], "MJ").await;
    let card = t.get(&format!("/staff/cards/{id}"), &staff).await;
    assert!(
        card.text.contains("проверка будет повторена"),
        "{}",
        between(&card.text, "<dl", "</dl>")
    );
    // Still unreachable: the mark stays.
    assert_eq!(t.app.recheck_pending_signatures().await.unwrap(), 0);

    // The list is published (not naming this certificate): the re-check settles it.
    let crl = ca
        .crl(
            &[],
            now - chrono::Duration::hours(1),
            now + chrono::Duration::days(1),
        )
        .unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let served = std::sync::Arc::new(std::sync::Mutex::new(crl));
    let body = served.clone();
    let server = tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 2048];
            let _ = s.read(&mut buf).await;
            let crl = body.lock().unwrap().clone();
            let mut reply = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                crl.len()
            )
            .into_bytes();
            reply.extend(crl);
            let _ = s.write_all(&reply).await;
        }
    });
    let (before, _) = t.app.store.journal_head().await.unwrap();
    assert_eq!(t.app.recheck_pending_signatures().await.unwrap(), 1);
    let check = t
        .app
        .store
        .appeal(id)
        .await
        .unwrap()
        .signature_check
        .unwrap();
    assert!(
        matches!(&check.revocation, otinish_domain::signature::RevocationCheck::Crl { issuer, .. } if issuer == "Loopback GOST CA"),
        "{check:?}"
    );
    assert_eq!(t.app.store.journal_head().await.unwrap().0, before + 1);
    let card = t.get(&format!("/staff/cards/{id}"), &staff).await;
    assert!(
        card.text
            .contains("не отозван — список отозванных сертификатов Loopback GOST CA"),
        "{}",
        between(&card.text, "<dl", "</dl>")
    );
    // A fresh appeal now is checked at once by the fetched list.
    let b64 = submit(&good, "second");
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "rv-2"),
                ("signature", b64.as_str()),
            ],
            &[],
        )
        .await;
    let second = card_id_of(&r);
    assert!(!t
        .app
        .store
        .appeal(second)
        .await
        .unwrap()
        .signature_check
        .unwrap()
        .revocation
        .is_pending());
    server.abort();
}

fn form_b64(s: &str) -> String {
    s.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

async fn mgov_start(t: &TestApp, jar: &str, csrf: &str, doc: &[u8]) -> Reply {
    use base64::Engine;
    let doc = base64::engine::general_purpose::STANDARD.encode(doc);
    t.post_form(
        "/sign/mobile",
        jar,
        &format!("csrf={csrf}&purpose=signin&document={}", form_b64(&doc)),
    )
    .await
}

async fn mgov_poll(t: &TestApp, id: &str) -> serde_json::Value {
    let r = t.get(&format!("/sign/mobile/{id}"), "").await;
    serde_json::from_str(&r.text).unwrap()
}

/// The phone's request with its bearer token.
async fn phone(t: &TestApp, method: &str, uri: &str, bearer: &str, body: &str) -> Reply {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer {bearer}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    reply(
        t.router
            .clone()
            .oneshot(req)
            .await
            .unwrap_or_else(|e| match e {}),
    )
    .await
}

/// Signing with eGov mobile by QR, with a scripted phone: the page registers the sign-in
/// challenge and gets the QR text `mobileSign:<link>`; the phone reads the link (description,
/// expiry, organisation, documents' address and a bearer token, given once), fetches the
/// document with the token, signs it with its key and sends the CMS back with PUT; the page's
/// poll hands the signature over and signing in goes through. A link lasts 180 seconds: after
/// that the phone is turned away and the page told it expired; a wrong token is refused.
#[tokio::test]
async fn mgov_sign_in_through_a_scripted_phone() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let t = TestApp::new().await;
    let page = t.get("/signin", "").await;
    let csrf = page.cookie("otinish_csrf").unwrap();
    let jar = format!("otinish_csrf={csrf}");
    assert!(
        page.text.contains("id=\"sign-mgov\""),
        "the button is there"
    );
    let challenge = between(&page.text, "name=\"challenge\" value=\"", "\"").to_owned();
    // Without the page's CSRF token nothing is registered.
    let r = mgov_start(&t, &jar, &"0".repeat(64), challenge.as_bytes()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = mgov_start(&t, &jar, &csrf, challenge.as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let started: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let qr = started["qr"].as_str().unwrap();
    assert!(started["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let link = qr
        .strip_prefix("mobileSign:http://otinish.test")
        .unwrap()
        .to_owned();
    let id = started["id"].as_str().unwrap().to_owned();
    assert_eq!(mgov_poll(&t, &id).await["state"], "waiting");

    // The phone: API 1, the link.
    let r = t.get(&link, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let api1: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(api1["description"], "Вход в портал обращений");
    assert!(api1["expiry_date"].as_str().unwrap().contains("+05:00"));
    assert_eq!(api1["organisation"]["nameRu"], "Otinish");
    assert_eq!(api1["document"]["auth_type"], "Token");
    let token = api1["document"]["auth_token"].as_str().unwrap().to_owned();
    let docs = api1["document"]["uri"]
        .as_str()
        .unwrap()
        .strip_prefix("http://otinish.test")
        .unwrap()
        .to_owned();
    assert_eq!(
        t.get(&link, "").await.status,
        StatusCode::GONE,
        "the link is read once"
    );
    // API 2: the documents, with the bearer token.
    assert_eq!(
        phone(&t, "GET", &docs, "wrong", "").await.status,
        StatusCode::UNAUTHORIZED
    );
    let r = phone(&t, "GET", &docs, &token, "").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let api2: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(api2["signMethod"], "CMS_WITH_DATA");
    let data = b64
        .decode(
            api2["documentsToSign"][0]["document"]["file"]["data"]
                .as_str()
                .unwrap(),
        )
        .unwrap();
    assert_eq!(data, challenge.as_bytes());
    // The phone signs with its owner's key and sends the CMS back.
    let key = t
        .app
        .pki
        .demo_signers
        .iter()
        .find(|s| s.slug == "person")
        .unwrap();
    let cms = key.key.sign_cms(&data, true, t.app.clock.now()).unwrap();
    let mut back = api2.clone();
    back["documentsToSign"][0]["document"]["file"]["data"] =
        serde_json::Value::String(b64.encode(&cms));
    let back = back.to_string();
    assert_eq!(
        phone(&t, "PUT", &docs, "wrong", &back).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        phone(&t, "PUT", &docs, &token, &back).await.status,
        StatusCode::OK
    );
    assert_eq!(
        phone(&t, "PUT", &docs, &token, &back).await.status,
        StatusCode::CONFLICT,
        "once"
    );
    // The page's poll gets the signature and the form signs in with it.
    let state = mgov_poll(&t, &id).await;
    assert_eq!(state["state"], "signed");
    let signature = state["signature"].as_str().unwrap();
    let r = t
        .post_form(
            "/signin",
            &jar,
            &format!(
                "csrf={csrf}&challenge={challenge}&signature={}",
                form_b64(signature)
            ),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "{}",
        between(&r.text, "<main", "</main>")
    );
    assert!(r.cookie("otinish_applicant").is_some());

    // Another: left to expire.
    let r = mgov_start(&t, &jar, &csrf, b"otinish-sign-in:late").await;
    let started: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    let link = started["qr"]
        .as_str()
        .unwrap()
        .strip_prefix("mobileSign:http://otinish.test")
        .unwrap()
        .to_owned();
    let now = t.app.clock.now();
    t.clock.set(now + chrono::Duration::seconds(181));
    assert_eq!(t.get(&link, "").await.status, StatusCode::GONE);
    assert_eq!(
        mgov_poll(&t, started["id"].as_str().unwrap()).await["state"],
        "expired"
    );
    t.clock.set(now);
    // One address starts at most 60 in a quarter of an hour; then it is told to wait.
    let mut refused = None;
    for i in 0..70 {
        let r = mgov_start(&t, &jar, &csrf, b"otinish-sign-in:again").await;
        if r.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some((i, r.text));
            break;
        }
    }
    let (i, text) = refused.expect("a limit");
    assert!(i <= 60, "{i}");
    assert!(text.contains("подождите 15 минут"), "{text}");
}

/// A card of `channel` taken in as that channel does (a paper letter registered from the
/// post, a video appeal from a booth): an appeal record with its applicant, received now.
async fn taken_in(t: &TestApp, channel: Channel, key: &str) -> i64 {
    taken_in_with(t, channel, key, Some("b@example.kz")).await
}

/// As [`taken_in`], the applicant giving `email` (or none).
async fn taken_in_with(t: &TestApp, channel: Channel, key: &str, email: Option<&str>) -> i64 {
    use otinish_domain::model::Applicant;
    use otinish_domain::repo::NewAppeal;
    let mj = t.app.store.body_by_code("MJ").await.unwrap();
    let now = t.app.clock.now();
    let appeal = NewAppeal {
        card: NewCard {
            body_id: mj.id,
            channel,
            kind: AppealKind::Statement,
            applicant_id: None,
            addressee: None,
            summary: "Прошу выдать справку".into(),
            received_at: now,
            rulebook_id: "APPC-2021".into(),
            collective: false,
        },
        applicant: Applicant::Individual {
            iin: otinish_domain::ids::Iin::parse("791028302728").unwrap(),
            surname: "АХМЕТОВ".into(),
            name: "БАУЫРЖАН".into(),
            patronymic: Some("СЕРІКҰЛЫ".into()),
            email: email.and_then(|e| otinish_domain::ids::Email::parse(e).ok()),
            phone: None,
            address: "Коктал".into(),
            lang: Lang::Ru,
        },
        content: "Прошу выдать справку о составе семьи".into(),
        outgoing_number: None,
        outgoing_date: None,
        postal_address: "с. Коктал, ул. Абая 1".into(),
        email: email.map(str::to_owned),
        phone: None,
        lang: Lang::Ru,
        signed_document: String::new(),
        signature: Vec::new(),
        signer_serial: String::new(),
        signed_at: None,
        signature_check: None,
        idempotency_key: key.into(),
        signed_digest: None,
        size_bytes: 40,
        attachments: vec![],
        deadlines: vec![],
        admission: None,
    };
    let (id, _) = t
        .app
        .store
        .submit_appeal(
            &appeal,
            JournalDraft::new(now, "test", "", format!("receive_{channel}")),
        )
        .await
        .unwrap();
    id
}

/// GEN-09 on the channels whose cards the executor decides (the portal, paper, video appeals;
/// personal reception and VKS are in their own tests): no adverse decision without a hearing;
/// the notice gives the day for the position and the first day of the decision; the applicant
/// answers in the cabinet, signed, or staff take the position down, or record silence once the
/// day has passed; only then, and not before the term, is the decision taken.
async fn hearing_on_every_channel(t: TestApp) {
    let store = t.app.store.clone();
    let mj = store.body_by_code("MJ").await.unwrap();
    let (reg, reg_csrf) = t.staff("reg", vec![Role::Registrar], "MJ").await;
    t.staff("exec", vec![Role::Executor], "MJ").await;
    let (head, head_csrf) = t.staff("head", vec![Role::Head], "MJ").await;
    let exec_id = store.staff_credentials("exec").await.unwrap().0.id;
    let (exec, exec_csrf) = t.login("exec").await;

    // The portal appeal, signed in the cabinet; a paper one and a video appeal.
    let (jar, csrf) = t.applicant("person").await;
    let recipient = mj.id.to_string();
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", &csrf),
                ("idempotency_key", "gen09"),
                ("recipient", &recipient),
                ("kind", "statement"),
                ("postal_address", "с. Коктал, ул. Абая 1"),
                ("content", "Прошу выдать справку о составе семьи"),
                ("demo_sign", "1"),
            ],
            &[],
        )
        .await;
    let portal = card_id_of(&r);
    let paper = taken_in(&t, Channel::Paper, "gen09-paper").await;
    let video = taken_in(&t, Channel::VideoAppeal, "gen09-video").await;
    let post = |uri: String, jar: &str, form: String| {
        let jar = jar.to_owned();
        let t = &t;
        async move { t.post_form(&uri, &jar, &form).await }
    };
    for id in [portal, paper, video] {
        t.app.register_automatically(id).await.unwrap();
        let r = post(
            format!("/staff/cards/{id}/send"),
            &reg,
            format!("csrf={reg_csrf}&executor={exec_id}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        // No adverse decision without the hearing, on any channel.
        for decision in ["refused", "partially_satisfied"] {
            let r = post(
                format!("/staff/cards/{id}/decide"),
                &exec,
                format!("csrf={exec_csrf}&decision={decision}&answer=Отказать"),
            )
            .await;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{id} {decision}"
            );
            assert!(r.text.contains("предложите заслушивание"), "{}", r.text);
        }
        let page = t.get(&format!("/staff/cards/{id}"), &exec).await;
        assert!(page.text.contains("id=\"action-hearing-notify\""));
        // No consequential answer is chosen beforehand: the decision starts empty.
        assert!(
            page.text.contains(
                "<select id=\"decision\" name=\"decision\" required><option value=\"\">—</option>"
            ),
            "{}",
            page.text
        );
        let r = post(
            format!("/staff/cards/{id}/decide"),
            &exec,
            format!("csrf={exec_csrf}&decision=&answer=x"),
        )
        .await;
        assert!(r.text.contains("Выберите решение"), "{}", r.text);
        assert!(
            page.text
                .contains("<option value=\"partially_satisfied\">удовлетворено частично"),
            "{}",
            page.text
        );
    }
    // A registrar does not hear the applicant; the executor and the head do.
    let r = post(
        format!("/staff/cards/{portal}/hearing-notify"),
        &reg,
        format!("csrf={reg_csrf}&intended=refused&respond_by="),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // The day for the position is checked and explained.
    for (day, says) in [
        ("2026-03-19", "с 20.03.2026 по 18.05.2026"),
        ("завтра", "Укажите день для позиции датой"),
    ] {
        let r = post(
            format!("/staff/cards/{portal}/hearing-notify"),
            &exec,
            format!("csrf={exec_csrf}&intended=refused&respond_by={day}"),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text.contains(says), "{says}: {}", r.text);
    }
    let r = post(
        format!("/staff/cards/{portal}/hearing-notify"),
        &exec,
        format!("csrf={exec_csrf}&intended=satisfied&respond_by="),
    )
    .await;
    assert!(r.text.contains("заслушивание не требуется"), "{}", r.text);

    // Portal: notified on Thursday 19 March, the position is due by Thursday 26 (Nauryz is
    // 23-25 March) and the refusal may come from Friday 27.
    let r = post(
        format!("/staff/cards/{portal}/hearing-notify"),
        &exec,
        format!("csrf={exec_csrf}&intended=refused&respond_by="),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let told: Vec<_> = store
        .notices_of_card(portal)
        .await
        .unwrap()
        .into_iter()
        .filter(|n| n.kind == otinish_domain::notice::NoticeKind::Hearing)
        .collect();
    assert_eq!(
        told[0].channel,
        otinish_domain::notice::NoticeChannel::Cabinet
    );
    assert!(
        told[0].body.contains("26.03.2026") && told[0].body.contains("27.03.2026"),
        "{}",
        told[0].body
    );
    let hid = store.hearings(portal).await.unwrap()[0].id;
    // The applicant sees it in the cabinet and answers there, signed.
    let page = t.get(&format!("/cabinet/appeals/{portal}"), &jar).await;
    assert!(
        page.text.contains(&format!("id=\"hearing-form-{hid}\""))
            && page.text.contains("26.03.2026"),
        "{}",
        page.text
    );
    let answer = |jar: String, csrf: String, text: &'static str| {
        let t = &t;
        async move {
            t.post_form(
                &format!("/cabinet/appeals/{portal}/hearings/{hid}"),
                &jar,
                &format!("csrf={csrf}&demo_sign=1&position={text}"),
            )
            .await
        }
    };
    let unsigned = t
        .post_form(
            &format!("/cabinet/appeals/{portal}/hearings/{hid}"),
            &jar,
            &format!("csrf={csrf}&position=x"),
        )
        .await;
    assert_eq!(unsigned.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (other, other_csrf) = t.applicant("org").await;
    assert_eq!(
        answer(other, other_csrf, "x").await.status,
        StatusCode::NOT_FOUND,
        "not their appeal"
    );
    let r = answer(
        jar.clone(),
        csrf.clone(),
        "%D0%9F%D1%80%D0%BE%D1%88%D1%83+%D1%83%D1%87%D0%B5%D1%81%D1%82%D1%8C+%D1%81%D0%BF%D1%80%D0%B0%D0%B2%D0%BA%D1%83",
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let h = &store.hearings(portal).await.unwrap()[0];
    let p = h.position.as_ref().unwrap();
    assert_eq!(p.text.as_deref(), Some("Прошу учесть справку"));
    assert!(p.by.starts_with("applicant:"));
    let v = otinish_pki::verify(
        p.signature.as_deref().unwrap(),
        None,
        &t.app.pki.trust.get(),
        t.app.clock.now(),
    )
    .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&v.content).unwrap();
    assert_eq!(
        (doc["otinish"].as_str(), doc["position"].as_str()),
        (Some("hearing-position/1"), Some("Прошу учесть справку"))
    );
    let again = answer(jar.clone(), csrf.clone(), "x").await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    let staff_page = t.get(&format!("/staff/cards/{portal}"), &exec).await;
    assert!(staff_page.text.contains("Прошу учесть справку"));
    // Heard, but the notice was today: not before the 27th.
    let r = post(
        format!("/staff/cards/{portal}/decide"),
        &exec,
        format!("csrf={exec_csrf}&decision=refused&answer=Отказать"),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("27.03.2026"), "{}", r.text);

    // Paper: the head announces a partial satisfaction, with a later day for the position.
    let r = post(
        format!("/staff/cards/{paper}/hearing-notify"),
        &head,
        format!("csrf={head_csrf}&intended=partially_satisfied&respond_by=2026-03-31"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(store
        .notices_of_card(paper)
        .await
        .unwrap()
        .iter()
        .any(|n| n.kind == otinish_domain::notice::NoticeKind::Hearing
            && n.channel == otinish_domain::notice::NoticeChannel::Email
            && n.body.contains("удовлетворено частично")
            && n.body.contains("31.03.2026")));
    // Video appeal: the executor takes the applicant's position down.
    let r = post(
        format!("/staff/cards/{video}/hearing-notify"),
        &exec,
        format!("csrf={exec_csrf}&intended=refused&respond_by="),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = post(
        format!("/staff/cards/{video}/hearing-position"),
        &exec,
        format!("csrf={exec_csrf}&hearing=&position="),
    )
    .await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty position"
    );
    let r = post(
        format!("/staff/cards/{video}/hearing-position"),
        &exec,
        format!("csrf={exec_csrf}&hearing=&position=%D0%9D%D0%B5+%D1%81%D0%BE%D0%B3%D0%BB%D0%B0%D1%81%D0%B5%D0%BD"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(store.hearings(video).await.unwrap()[0]
        .position
        .as_ref()
        .is_some_and(|p| p.by.starts_with("staff:") && p.text.as_deref() == Some("Не согласен")));

    // Friday 27 March: the portal and video refusals go ahead; the paper one waits for its day.
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 27, 5, 0, 0).unwrap());
    let (exec, exec_csrf) = t.login("exec").await;
    for id in [portal, video] {
        let r = post(
            format!("/staff/cards/{id}/decide"),
            &exec,
            format!("csrf={exec_csrf}&decision=refused&answer=Отказать"),
        )
        .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        assert_eq!(
            store.card(id).await.unwrap().decision.as_deref(),
            Some("refused")
        );
    }
    let r = post(
        format!("/staff/cards/{paper}/decide"),
        &exec,
        format!("csrf={exec_csrf}&decision=partially_satisfied&answer=Частично"),
    )
    .await;
    assert!(r.text.contains("31.03.2026"), "{}", r.text);
    let r = post(
        format!("/staff/cards/{paper}/hearing-silence"),
        &exec,
        format!("csrf={exec_csrf}&hearing="),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("31.03.2026"), "{}", r.text);

    // Wednesday 1 April: the day passed in silence; it is recorded, then the decision is taken.
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 4, 1, 5, 0, 0).unwrap());
    let (exec, exec_csrf) = t.login("exec").await;
    let r = post(
        format!("/staff/cards/{paper}/decide"),
        &exec,
        format!("csrf={exec_csrf}&decision=partially_satisfied&answer=Частично"),
    )
    .await;
    assert!(r.text.contains("позиция не представлена"), "{}", r.text);
    let page = t.get(&format!("/staff/cards/{paper}"), &exec).await;
    assert!(
        page.text.contains("action-hearing-silence-"),
        "{}",
        page.text
    );
    let r = post(
        format!("/staff/cards/{paper}/hearing-silence"),
        &exec,
        format!("csrf={exec_csrf}&hearing="),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = post(
        format!("/staff/cards/{paper}/decide"),
        &exec,
        format!("csrf={exec_csrf}&decision=partially_satisfied&answer=Частично"),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let actions: Vec<String> = store
        .journal_for(&format!("card:{paper}"))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.draft.action)
        .collect();
    for a in ["hearing_notified", "hearing_no_position", "decide"] {
        assert!(actions.iter().any(|x| x == a), "{a} in {actions:?}");
    }
    // The card's journal reads in words, with names: who did what.
    let page = t.get(&format!("/staff/cards/{paper}"), &exec).await.text;
    for words in [
        "head full name: заявитель уведомлён о предполагаемом решении и заслушивании",
        "exec full name: отмечено: позиция не представлена",
    ] {
        assert!(page.contains(words), "{words}: {page}");
    }
    assert!(!page.contains("hearing_no_position") && !page.contains("staff:"));
    // A decided card takes no new hearing.
    let (head, head_csrf) = t.login("head").await;
    let r = post(
        format!("/staff/cards/{paper}/hearing-notify"),
        &head,
        format!("csrf={head_csrf}&intended=refused&respond_by="),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
}

#[tokio::test]
async fn gen_09_hearing_before_adverse_decisions_on_every_channel_sqlite() {
    hearing_on_every_channel(TestApp::new().await).await;
}

#[tokio::test]
async fn gen_09_hearing_before_adverse_decisions_on_every_channel_postgres() {
    if let Some((t, db)) =
        TestApp::on_postgres("gen_09_hearing_before_adverse_decisions_on_every_channel").await
    {
        hearing_on_every_channel(t).await;
        db.drop_it().await;
    }
}

/// GEN-04: one rule (`otinish_domain::deadline::current_term`, `term_state`) decides a case's
/// current term and whether it is overdue, and every view agrees: the inbox, "my cards", due
/// today, the card page, the dashboard, form 1-OL and the applicant's cabinet. Cards in every
/// state — received, registered, in execution, decided, answered — each with a registration
/// term (1 working day), a forwarding term (3 working days) and the answer term (15).
#[tokio::test]
async fn gen_04_every_view_agrees_on_the_current_term_and_overdue() {
    let t = TestApp::new().await;
    let store = t.app.store.clone();
    let mj = store.body_by_code("MJ").await.unwrap();
    let (reg, reg_csrf) = t.staff("reg", vec![Role::Registrar], "MJ").await;
    t.staff("exec", vec![Role::Executor], "MJ").await;
    t.staff("head", vec![Role::Head], "MJ").await;
    let exec_id = store.staff_credentials("exec").await.unwrap().0.id;
    let (jar, csrf) = t.applicant("person").await;
    let recipient = mj.id.to_string();
    let mut portal = Vec::new();
    for key in ["t1", "t2", "t3", "t4"] {
        let content = format!("Прошу выдать справку ({key})");
        let r = t
            .post_multipart(
                "/cabinet/appeals",
                &jar,
                &[
                    ("csrf", &csrf),
                    ("idempotency_key", key),
                    ("recipient", &recipient),
                    ("kind", "statement"),
                    ("postal_address", "с. Коктал"),
                    ("content", &content),
                    ("demo_sign", "1"),
                ],
                &[],
            )
            .await;
        portal.push(card_id_of(&r));
    }
    let [registered, in_execution, decided, answered] = portal[..] else {
        panic!("four appeals")
    };
    let mut terms = store.deadlines(registered).await.unwrap();
    let keys: Vec<&str> = terms.iter().map(|d| d.key.as_str()).collect();
    for k in ["redirect", "answer"] {
        assert!(keys.contains(&k), "{k} in {keys:?}");
    }
    // The registration term of one working day (EA-08), as a portal edition sets it.
    if !keys.contains(&"registration") {
        let redirect = terms.iter().find(|d| d.key == "redirect").unwrap().clone();
        terms.push(otinish_domain::repo::StoredDeadline {
            key: "registration".into(),
            rule: "EA-08".into(),
            due_on: chrono::NaiveDate::from_ymd_opt(2026, 3, 20).unwrap(),
            due_at: Utc.with_ymd_and_hms(2026, 3, 20, 18, 59, 59).unwrap(),
            ..redirect
        });
    }
    for id in &portal {
        store
            .replace_deadlines(
                *id,
                &terms,
                JournalDraft::new(t.app.clock.now(), "test", "", "deadlines"),
            )
            .await
            .unwrap();
    }
    // A paper letter taken in and not yet registered, with the same terms.
    let received = taken_in(&t, Channel::Paper, "t5").await;
    store
        .replace_deadlines(
            received,
            &terms,
            JournalDraft::new(t.app.clock.now(), "test", "", "deadlines"),
        )
        .await
        .unwrap();
    let (exec, exec_csrf) = t.login("exec").await;
    for id in [in_execution, decided, answered] {
        let r = t
            .post_form(
                &format!("/staff/cards/{id}/send"),
                &reg,
                &format!("csrf={reg_csrf}&executor={exec_id}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    for id in [decided, answered] {
        let r = t
            .post_form(
                &format!("/staff/cards/{id}/decide"),
                &exec,
                &format!("csrf={exec_csrf}&decision=explained&answer=Справку+выдает+ЦОН"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    for login in ["head", "reg"] {
        let (jar, csrf) = t.login(login).await;
        let r = t
            .post_form(
                &format!("/staff/cards/{answered}/sign"),
                &jar,
                &format!("csrf={csrf}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{login}: {}", r.text);
    }
    assert_eq!(
        store.card(answered).await.unwrap().state,
        CardState::Answered
    );
    let open = [received, registered, in_execution, decided];

    // What each view says: (the lists' overdue rows, due today, the dashboard, 1-OL, the
    // cabinet's overdue rows).
    async fn views(t: &TestApp, cards: &[i64]) -> (Vec<i64>, i64, i64, i64, Vec<i64>) {
        let (reg, _) = t.login("reg").await;
        let (exec, _) = t.login("exec").await;
        let (jar, _) = t.applicant("person").await;
        let overdue_rows = |html: &str| -> Vec<i64> {
            cards
                .iter()
                .copied()
                .filter(|id| {
                    html.split("<tr").any(|row| {
                        row.contains(&format!("/staff/cards/{id}\""))
                            && row.contains("class=\"overdue\"")
                    })
                })
                .collect()
        };
        let mut listed = overdue_rows(&t.get("/staff/inbox", &reg).await.text);
        let mine = overdue_rows(&t.get("/staff/my", &exec).await.text);
        for id in mine {
            if !listed.contains(&id) {
                listed.push(id);
            }
        }
        listed.sort_unstable();
        let due = t.get("/staff/due", &reg).await;
        let due_n = cards
            .iter()
            .filter(|id| due.text.contains(&format!("/staff/cards/{id}\"")))
            .count() as i64;
        let dash = t.get("/staff/dashboard", &reg).await;
        let tile: i64 = between(&dash.text, "id=\"overdue\">", "<")
            .trim()
            .parse()
            .unwrap();
        let report = t
            .get(
                "/staff/reports/1-ol?body=MJ&from=2026-01-01&to=2026-12-31&format=json",
                &reg,
            )
            .await;
        let v: serde_json::Value = serde_json::from_str(&report.text).unwrap();
        let one_ol = v["total"]["open_overdue"].as_i64().unwrap();
        let cabinet = t.get("/cabinet", &jar).await.text;
        let mut cab: Vec<i64> = cards
            .iter()
            .copied()
            .filter(|id| {
                cabinet.split("<tr").any(|row| {
                    row.contains(&format!("/cabinet/appeals/{id}\""))
                        && row.contains("class=\"overdue\"")
                })
            })
            .collect();
        cab.sort_unstable();
        (listed, due_n, tile, one_ol, cab)
    }

    // Tuesday 31 March: the registration (20 March) and forwarding (26 March) terms have
    // passed, the answer term (14 April) has not. No view calls any card overdue; each list
    // shows the answer term; the card page says which stage terms are behind the case.
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 3, 31, 5, 0, 0).unwrap());
    let all = [received, registered, in_execution, decided, answered];
    assert_eq!(views(&t, &all).await, (vec![], 0, 0, 0, vec![]));
    let (reg, _) = t.login("reg").await;
    let inbox = t.get("/staff/inbox", &reg).await.text;
    assert!(
        !inbox.contains("26.03.2026") && !inbox.contains("20.03.2026"),
        "no stage term in the term column: {inbox}"
    );
    let card = t
        .get(&format!("/staff/cards/{in_execution}"), &reg)
        .await
        .text;
    assert!(card.contains("этап пройден"), "{card}");
    assert!(!card.contains("class=\"overdue\""), "{card}");
    // A registered card whose forwarding term passed: that term is overdue on the card (the
    // case is not, its answer term runs).
    let card = t
        .get(&format!("/staff/cards/{registered}"), &reg)
        .await
        .text;
    assert!(card.contains("просрочен"), "{card}");

    // Tuesday 14 April, the answer term's last day: the four open cards are due today, on the
    // dashboard as on the staff home page (a term ends at the last second of its day).
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 4, 14, 5, 0, 0).unwrap());
    let (reg, _) = t.login("reg").await;
    let dash = t.get("/staff/dashboard", &reg).await.text;
    let tile = |id: &str| -> i64 {
        between(&dash, &format!("id=\"{id}\">"), "<")
            .trim()
            .parse()
            .unwrap_or(-1)
    };
    assert_eq!((tile("due-today"), tile("overdue")), (4, 0), "{dash}");
    let home = t.get("/staff", &reg).await.text;
    assert!(
        home.contains("id=\"count-due-today\"><span class=\"tile-n\">4<"),
        "{home}"
    );

    // Wednesday 15 April: the answer term has passed. Every view counts the same four open
    // cards overdue, and not the one answered in its term.
    t.clock
        .set(Utc.with_ymd_and_hms(2026, 4, 15, 5, 0, 0).unwrap());
    let (listed, due_n, tile, one_ol, cab) = views(&t, &all).await;
    let mut want = open.to_vec();
    want.sort_unstable();
    assert_eq!(listed, want, "the inbox and my cards");
    assert_eq!(due_n, 4, "due today");
    assert_eq!(tile, 4, "the dashboard");
    assert_eq!(one_ol, 4, "form 1-OL");
    assert_eq!(
        cab, want,
        "the cabinet (the paper letter is the same person's)"
    );
    let (reg, _) = t.login("reg").await;
    let card = t.get(&format!("/staff/cards/{answered}"), &reg).await.text;
    assert!(
        !card.contains("class=\"overdue\""),
        "closed in term: {card}"
    );
    // The staff home page counts the same, each count a link to its list.
    let home = t.get("/staff", &reg).await.text;
    let count = |id: &str| -> i64 {
        between(&home, &format!("id=\"{id}\"><span class=\"tile-n\">"), "<")
            .parse()
            .unwrap_or(-1)
    };
    assert_eq!(count("count-overdue"), 4, "{home}");
    assert_eq!(count("count-due-today"), 0, "{home}");
    assert!(
        home.contains("href=\"/staff/due\" id=\"count-overdue\""),
        "{home}"
    );
}

/// EA-09: the signing queue. A decided answer waits in the head's and the registrar's "to
/// sign" lists, each saying who has signed and who signs after; after the head signs it leaves
/// the head's list and the registrar's says the registrar is next; the card says the same.
#[tokio::test]
async fn ea_09_signing_queue_says_who_signs_next() {
    let t = TestApp::new().await;
    let store = t.app.store.clone();
    let mj = store.body_by_code("MJ").await.unwrap();
    let (reg, reg_csrf) = t.staff("reg", vec![Role::Registrar], "MJ").await;
    let (exec, exec_csrf) = t.staff("exec", vec![Role::Executor], "MJ").await;
    let (head, head_csrf) = t.staff("head", vec![Role::Head], "MJ").await;
    let exec_id = store.staff_credentials("exec").await.unwrap().0.id;
    let (jar, csrf) = t.applicant("person").await;
    let recipient = mj.id.to_string();
    let id = card_id_of(
        &t.post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", &csrf),
                ("idempotency_key", "sign-q"),
                ("recipient", &recipient),
                ("kind", "statement"),
                ("postal_address", "с. Коктал"),
                ("content", "Прошу выдать справку"),
                ("demo_sign", "1"),
            ],
            &[],
        )
        .await,
    );
    assert_eq!(
        t.get("/staff/to-sign", &exec).await.status,
        StatusCode::FORBIDDEN,
        "an executor signs no answer"
    );
    let empty = t.get("/staff/to-sign", &head).await;
    assert!(empty.text.contains("Ответов, ожидающих вашей подписи, нет"));
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/send"),
            &reg,
            &format!("csrf={reg_csrf}&executor={exec_id}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/decide"),
            &exec,
            &format!("csrf={exec_csrf}&decision=explained&answer=Справку+выдает+ЦОН"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for jar in [&head, &reg] {
        let q = t.get("/staff/to-sign", jar).await.text;
        assert!(
            q.contains(&format!("/staff/cards/{id}\""))
                && q.contains("Ещё никто не подписал")
                && q.contains(
                    "Осталось подписать: Руководитель / заместитель, Регистратор (канцелярия)"
                ),
            "{q}"
        );
    }
    let home = t.get("/staff", &head).await.text;
    assert!(
        home.contains("id=\"count-to-sign\"><span class=\"tile-n\">1<"),
        "{home}"
    );
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/sign"),
            &head,
            &format!("csrf={head_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let q = t.get("/staff/to-sign", &head).await.text;
    assert!(!q.contains(&format!("/staff/cards/{id}\"")), "{q}");
    let q = t.get("/staff/to-sign", &reg).await.text;
    assert!(
        q.contains("Подписали: head full name (Руководитель / заместитель")
            && q.contains("Осталось подписать: Регистратор (канцелярия)"),
        "{q}"
    );
    let card = t.get(&format!("/staff/cards/{id}"), &reg).await.text;
    assert!(
        card.contains("Осталось подписать: Регистратор (канцелярия)"),
        "{card}"
    );
    let r = t
        .post_form(
            &format!("/staff/cards/{id}/sign"),
            &reg,
            &format!("csrf={reg_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(store.card(id).await.unwrap().state, CardState::Answered);
    let q = t.get("/staff/to-sign", &reg).await.text;
    assert!(!q.contains(&format!("/staff/cards/{id}\"")), "{q}");
}

/// The home page leads to every service a person may come for, and each link opens; a
/// document's code typed by hand opens the same check as its QR code.
#[tokio::test]
async fn home_page_leads_to_every_service_and_verify_takes_a_typed_code() {
    let t = TestApp::new().await;
    let home = t.get("/?lang=kk", "").await;
    assert_eq!(home.status, StatusCode::OK);
    for href in [
        "/cabinet/appeals/new",
        "/cabinet/receptions/new",
        "/vks/timetable",
        "/reception-centers",
        "/answer",
        "/verify",
        "/cabinet",
    ] {
        assert!(
            home.text.contains(&format!("href=\"{href}\"")),
            "the home page links {href}"
        );
        let r = t.get(href, "").await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::SEE_OTHER,
            "{href} opens: {}",
            r.status
        );
    }
    assert!(home.text.contains("Құжатты тексеру"));

    let blank = t.get("/verify", "").await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(blank.text.contains("name=\"code\"") && !blank.text.contains("role=\"alert\""));
    let typed = t.get("/verify?code=+AB12-cd+", "").await;
    assert_eq!(typed.status, StatusCode::SEE_OTHER);
    assert_eq!(typed.headers[header::LOCATION], "/verify/AB12-cd");
    let unknown = t.get("/verify/AB12-cd", "").await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    assert!(
        unknown.text.contains("value=\"AB12-cd\""),
        "the code stays in the form"
    );
    let odd = t.get("/verify?code=%3Cscript%3E", "").await;
    assert_eq!(odd.status, StatusCode::NOT_FOUND);
    assert!(!odd.text.contains("<script>") && odd.text.contains("role=\"alert\""));
}

/// The words a person reads on a page: the text between tags and the labels that assistive
/// technology reads out, without scripts and styles, with the common entities decoded.
fn visible_text(html: &str) -> String {
    let mut s = html.to_owned();
    for (open, close) in [("<script", "</script>"), ("<style", "</style>")] {
        while let Some(a) = s.find(open) {
            let b = s[a..]
                .find(close)
                .map(|b| a + b + close.len())
                .unwrap_or(s.len());
            s.replace_range(a..b, " ");
        }
    }
    let mut out = String::new();
    let mut rest = s.as_str();
    while let Some(a) = rest.find('<') {
        out.push_str(&rest[..a]);
        out.push(' ');
        let Some(b) = rest[a..].find('>') else { break };
        let tag = &rest[a..a + b];
        for attr in ["aria-label=\"", "placeholder=\"", "title=\"", "alt=\""] {
            if let Some(i) = tag.find(attr) {
                let v = &tag[i + attr.len()..];
                out.push_str(&v[..v.find('"').unwrap_or(v.len())]);
                out.push(' ');
            }
        }
        rest = &rest[a + b + 1..];
    }
    out.push_str(rest);
    out.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
}

/// What on a page betrays the machinery: a raw message key, a clause ID, an ISO date, and on
/// Kazakh and Russian pages, English words.
fn leaks(text: &str, lang: &str, keys: &std::collections::HashSet<String>) -> Vec<String> {
    // Latin words a Kazakh or Russian reader expects: names of things that have no other.
    const LATIN_OK: &[&str] = &[
        "NCALayer", "eGov", "mobile", "email", "e-mail", "Otinish", "demo", "admin", "OpenSSL",
        "http", "https", "www", "WebRTC", "Business", "English", "Tab", "Ctrl", "Enter",
    ];
    let mut out = Vec::new();
    for raw in text.split(|c: char| c.is_whitespace() || ",;:()«»\"“”!?[]{}|·—–/".contains(c))
    {
        let w = raw.trim_matches(|c: char| c == '.' || c == '\'' || c == '’');
        if w.is_empty() {
            continue;
        }
        if keys.contains(w) {
            out.push(format!("message key `{w}`"));
        }
        if let Some((pre, num)) = w.split_once('-') {
            if ["EA", "VC", "VA", "PR", "GEN"].contains(&pre)
                && num.len() == 2
                && num.chars().all(|c| c.is_ascii_digit())
            {
                out.push(format!("clause ID `{w}`"));
            }
        }
        let b = w.as_bytes();
        if (0..b.len().saturating_sub(9)).any(|i| {
            let d = |j: usize| b[i + j].is_ascii_digit();
            d(0) && d(1)
                && d(2)
                && d(3)
                && b[i + 4] == b'-'
                && d(5)
                && d(6)
                && b[i + 7] == b'-'
                && d(8)
                && d(9)
        }) {
            out.push(format!("ISO date `{w}`"));
        }
        // Capitals only: an acronym or a document's code, not a word.
        let code = w
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        if lang != "en"
            && !code
            && w.chars().filter(|c| c.is_ascii_alphabetic()).count() >= 3
            && w.chars().all(|c| c.is_ascii_alphabetic() || c == '-')
            && !LATIN_OK.iter().any(|ok| ok.eq_ignore_ascii_case(w))
        {
            out.push(format!("English `{w}`"));
        }
        // A Latin abbreviation where the reader's language has its own (MB, not МБ). A
        // body's code (MJ) is data: the prefix of its registration numbers. A receipt's
        // verification code is data too: twenty random capitals (and sometimes no digit), far
        // longer than any abbreviation.
        const ABBR_OK: &[&str] = &[
            "MJ", "PDF", "QR", "ID", "URL", "SMS", "XLSX", "CSV", "JSON", "DOCX", "TXT", "PNG",
            "JPEG", "WebM", "RSA", "ECDSA", "GOST", "CMS", "OCSP", "CRL", "UTC", "API",
        ];
        if lang != "en"
            && code
            && (2..=8).contains(&w.len())
            && w.chars().all(|c| c.is_ascii_uppercase())
            && !ABBR_OK.contains(&w)
        {
            out.push(format!("Latin abbreviation `{w}`"));
        }
    }
    out
}

/// Every page a person can reach by following links — anonymous, the applicant, and each staff
/// role — in Kazakh, Russian and English, shows no raw message keys, no clause IDs, no ISO
/// dates, and on Kazakh and Russian pages no English.
#[tokio::test]
async fn every_reachable_page_speaks_the_readers_language() {
    let t = TestApp::new().await;
    let keys: std::collections::HashSet<String> = include_str!("../../app/locales/en/main.ftl")
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .filter(|k| k.contains('-') && !k.starts_with('#') && !k.contains(' '))
        .map(str::to_owned)
        .collect();
    // An appeal with its card, so that the card pages are reachable.
    let (applicant, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let fields = [
        ("csrf", csrf.as_str()),
        ("idempotency_key", "crawl"),
        ("recipient", mj.as_str()),
        ("kind", "complaint"),
        ("postal_address", "Астана, ул. Достык, 1"),
        (
            "content",
            "Прошу проверить начисление платы за вывоз мусора",
        ),
        ("demo_sign", "1"),
    ];
    let card = card_id_of(
        &t.post_multipart("/cabinet/appeals", &applicant, &fields, &[])
            .await,
    );
    let applicant_csrf = csrf.clone();
    let mut csrfs = std::collections::HashMap::new();
    // Staff with names as people have them, one per role.
    let mut people = vec![("anonymous".to_owned(), String::new(), "/".to_owned())];
    people.push(("applicant".into(), applicant, "/cabinet".into()));
    for (login, name, role) in [
        ("reg.crawl", "Айгерім Тіркеуова", Role::Registrar),
        ("ex.crawl", "Бекзат Орындаушиев", Role::Executor),
        ("head.crawl", "Ерлан Басшыбаев", Role::Head),
        ("sec.crawl", "Гүлнар Хатшыбаева", Role::ReceptionSecretary),
        ("op.crawl", "Дәурен Операторов", Role::Operator),
        ("sb.crawl", "Сәуле Қауіпсізова", Role::SecurityOfficer),
        ("cc.crawl", "Арман Байланысов", Role::CallCenterOperator),
        ("go.crawl", "Нұржан Үкіметов", Role::GovernmentOffice),
        ("adm.crawl", "Әлия Әкімшіева", Role::Admin),
    ] {
        let body = t.app.store.body_by_code("MJ").await.unwrap();
        t.app
            .store
            .create_staff(
                &NewStaff {
                    position: String::new(),
                    login: login.into(),
                    full_name: name.into(),
                    email: None,
                    body_id: Some(body.id),
                    branch_id: None,
                    roles: vec![role],
                    password_hash: otinish_web::auth::hash_password("pw").unwrap(),
                    lang: Lang::Ru,
                },
                JournalDraft::new(t.app.clock.now(), "test", "", "create_staff"),
            )
            .await
            .unwrap();
        let (jar, csrf) = t.login(login).await;
        csrfs.insert(login, (jar.clone(), csrf));
        people.push((role.as_str().to_owned(), jar, "/staff".into()));
    }
    let skip = [
        "/static/",
        "/files/",
        "/documents/",
        ".p7s",
        ".csv",
        ".pdf",
        ".xlsx",
        ".json",
        "/signout",
        "/logout",
        "lang=",
        "/metrics",
        "/healthz",
        "/readyz",
        "/api/",
        "/export",
        "/download",
        "/recording",
        "/poster",
    ];
    let mut found = std::collections::BTreeSet::new();
    let mut pages = 0;
    for (who, jar, start) in &people {
        for lang in ["kk", "ru", "en"] {
            let jar = format!("{jar}; otinish_lang={lang}");
            let mut seen = std::collections::HashSet::new();
            let mut queue = std::collections::VecDeque::from([start.clone(), "/".to_owned()]);
            while let Some(path) = queue.pop_front() {
                if seen.len() >= 80 || !seen.insert(path.clone()) {
                    continue;
                }
                let r = t.get(&path, &jar).await;
                let html = r
                    .headers
                    .get(header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("text/html"));
                if r.status != StatusCode::OK || !html {
                    continue;
                }
                pages += 1;
                for l in leaks(&visible_text(&r.text), lang, &keys) {
                    found.insert(format!("{lang} {path} ({who}): {l}"));
                }
                let mut rest = r.text.as_str();
                while let Some(i) = rest.find("href=\"") {
                    rest = &rest[i + 6..];
                    let href = &rest[..rest.find('"').unwrap_or(0)];
                    let href = href.replace("&#38;", "&").replace("&amp;", "&");
                    let href = href.split('#').next().unwrap_or_default().to_owned();
                    if href.starts_with('/')
                        && !href.starts_with("//")
                        && !skip.iter().any(|s| href.contains(s))
                    {
                        queue.push_back(href);
                    }
                }
            }
        }
    }
    assert!(pages > 100, "the crawl reached {pages} pages");
    // Refused steps come back on their own page with the reason in the reader's language:
    // steps that are not possible now, and forms sent without what they need.
    let mj_id = t.app.store.body_by_code("MJ").await.unwrap().id;
    let (reg_jar, reg_csrf) = csrfs["reg.crawl"].clone();
    let refused: Vec<(String, String, String)> = vec![
        (
            format!("/staff/cards/{card}/register"),
            reg_jar.clone(),
            format!("csrf={reg_csrf}"),
        ),
        (
            format!("/staff/cards/{card}/redirect"),
            reg_jar.clone(),
            format!("csrf={reg_csrf}&to_body={mj_id}&reason=x"),
        ),
        (
            format!("/staff/cards/{card}/sign"),
            reg_jar.clone(),
            format!("csrf={reg_csrf}"),
        ),
        (
            format!("/staff/cards/{card}/decide"),
            reg_jar.clone(),
            format!("csrf={reg_csrf}&decision=&answer="),
        ),
        (
            "/cabinet/personal-reception".into(),
            people[1].1.clone(),
            format!("csrf={applicant_csrf}&body=MJ&question=&demo_sign=1"),
        ),
        (
            "/cabinet/receptions".into(),
            people[1].1.clone(),
            format!("csrf={applicant_csrf}&demo_sign=1"),
        ),
    ];
    for lang in ["kk", "ru", "en"] {
        for (path, jar, form) in &refused {
            let r = t
                .post_form(path, &format!("{jar}; otinish_lang={lang}"), form)
                .await;
            assert!(
                r.status.is_client_error(),
                "{lang} {path}: {} {}",
                r.status,
                r.text
            );
            assert!(
                r.text.contains("role=\"alert\""),
                "{lang} {path}: {}",
                r.text
            );
            for l in leaks(&visible_text(&r.text), lang, &keys) {
                found.insert(format!("{lang} POST {path}: {l}"));
            }
        }
    }
    assert!(
        found.is_empty(),
        "{} leaks:\n{}",
        found.len(),
        found.into_iter().collect::<Vec<_>>().join("\n")
    );
}

/// PR-02 on the portal: a signed-in applicant signs up for a personal reception with their own
/// key; a missing question comes back on the form with what was typed; a signature that is
/// not theirs, or not a signature, is refused; the sign-up reaches the body's list marked as
/// signed by the applicant; the confirmation is shown only to its applicant.
#[tokio::test]
async fn pr_02_portal_sign_up_signed_by_the_applicant() {
    use base64::Engine;
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let form = t.get("/cabinet/personal-reception", &jar).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.text.contains("Запись на личный приём к руководителю")
            && form.text.contains("791028302728"),
        "{}",
        form.text
    );
    // Nothing asked: back on the form, with the choice and the phone kept.
    let r = t
        .post_form(
            "/cabinet/personal-reception",
            &jar,
            &format!(
                "csrf={csrf}&body=MJ&phone=%2B77011234567&citizenship=kz&question=&demo_sign=1"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("role=\"alert\"")
            && r.text.contains("Суть вопроса")
            && r.text.contains("<option value=\"MJ\" selected>")
            && r.text.contains("value=\"+77011234567\""),
        "{}",
        r.text
    );
    // Signed by someone else (the organisation's key): refused.
    let doc =
        serde_json::json!({"otinish": "pr-signup/1", "form": {"body": "MJ", "question": "Вопрос"}})
            .to_string();
    let org = t
        .app
        .pki
        .demo_signers
        .iter()
        .find(|s| s.slug == "org")
        .unwrap();
    let cms = org
        .key
        .sign_cms(doc.as_bytes(), true, t.app.clock.now())
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&cms);
    for (signature, words) in [
        (b64.as_str(), "подпись принадлежит не тому"),
        ("bm90IGEgc2lnbmF0dXJl", "Подпись не прошла проверку"),
    ] {
        let r = t
            .post_form(
                "/cabinet/personal-reception",
                &jar,
                &format!(
                    "csrf={csrf}&body=MJ&question=%D0%92%D0%BE%D0%BF%D1%80%D0%BE%D1%81&signature={}",
                    signature.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
                ),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{words}");
        assert!(
            r.text.to_lowercase().contains(&words.to_lowercase()),
            "{words}: {}",
            r.text
        );
    }
    // Signed with the applicant's own key: taken, and said so.
    let r = t
        .post_form(
            "/cabinet/personal-reception",
            &jar,
            &format!(
                "csrf={csrf}&body=MJ&phone=%2B77011234567&citizenship=kz&question=%D0%9E+%D0%B7%D0%B5%D0%BC%D0%B5%D0%BB%D1%8C%D0%BD%D0%BE%D0%BC+%D1%83%D1%87%D0%B0%D1%81%D1%82%D0%BA%D0%B5&demo_sign=1"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let to = r.headers[header::LOCATION].to_str().unwrap().to_owned();
    let id: i64 = to.rsplit('=').next().unwrap().parse().unwrap();
    let done = t.get(&to, &jar).await;
    assert!(
        done.text.contains(&format!("Запись № {id} принята")),
        "{}",
        done.text
    );
    let s = t.app.store.pr_signup(id).await.unwrap();
    assert_eq!(s.source, otinish_domain::personal::SignupSource::Portal);
    assert_eq!(
        (s.iin.as_str(), s.question.as_str()),
        ("791028302728", "О земельном участке")
    );
    assert!(s
        .signed_form
        .as_deref()
        .is_some_and(|f| f.contains("pr-signup/1") && f.contains("О земельном участке")));
    // The body's registrar sees it, signed by the applicant.
    let (reg, _) = t.staff("portal.reg", vec![Role::Registrar], "MJ").await;
    let page = t.get(&format!("/staff/pr/{id}"), &reg).await;
    assert!(
        page.text
            .contains("подписано заявителем его ключом ЭЦП на портале"),
        "{}",
        page.text
    );
    // Another applicant is not told about it.
    let (other, _) = t.applicant("org").await;
    let theirs = t.get(&to, &other).await;
    assert!(!theirs.text.contains("принята"), "{}", theirs.text);
}

/// Staff sign in with their own key: a fresh challenge signed by the key of a registered,
/// active staff member, for a body's employee one issued to that body's BIN. A used
/// challenge, someone else's key, a personal key of a body's employee and a key of nobody on
/// the staff are refused on the same page with the reason; where passwords are switched off,
/// the password form is gone and a password is refused.
#[tokio::test]
async fn staff_sign_in_with_their_own_key() {
    use base64::Engine;
    let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
    let urlencoding = |s: &str| {
        s.replace('%', "%25")
            .replace('+', "%2B")
            .replace('/', "%2F")
            .replace('=', "%3D")
            .replace(':', "%3A")
    };
    let t = TestApp::new().await;
    t.register_identity("registrar").await;
    let staff = t.app.store.staff_credentials("registrar").await.unwrap().0;
    let body = t.app.store.body(staff.body_id.unwrap()).await.unwrap();
    let page = t.get("/staff/login?lang=ru", "").await;
    let csrf = page.cookie("otinish_csrf").unwrap();
    let jar = format!("otinish_csrf={csrf}; otinish_lang=ru");
    let challenge_of = |html: &str| {
        html.split("name=\"challenge\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .unwrap()
            .to_owned()
    };
    assert!(
        page.text.contains("Вход с электронной цифровой подписью"),
        "{}",
        page.text
    );
    let send = |challenge: String, cms: Vec<u8>| {
        let jar = jar.clone();
        let csrf = csrf.clone();
        let t = &t;
        async move {
            let form = format!(
                "csrf={csrf}&challenge={}&signature={}",
                urlencoding(&challenge),
                urlencoding(&b64(&cms))
            );
            t.post_form("/staff/login/key", &jar, &form).await
        }
    };
    let now = t.app.clock.now();
    let own = t.app.demo_staff_key(&staff, &body).unwrap();
    let challenge = challenge_of(&page.text);
    let cms = own.sign_cms(challenge.as_bytes(), true, now).unwrap();
    let r = send(challenge.clone(), cms.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(r.headers[header::LOCATION], "/staff");
    let session = r.cookie("otinish_session").unwrap();
    let fresh = r.cookie("otinish_csrf").unwrap();
    let home = t
        .get(
            "/staff",
            &format!("otinish_csrf={fresh}; otinish_session={session}"),
        )
        .await;
    assert_eq!(home.status, StatusCode::OK);
    assert!(home.text.contains("Айгерім Тіркеуова"), "{}", home.text);
    // The same challenge again: used.
    let r = send(challenge, cms).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("устарел или уже использован"), "{}", r.text);
    // A citizen's key: nobody on the staff.
    let page = t.get("/staff/login", &jar).await;
    let challenge = challenge_of(&page.text);
    let person = &t
        .app
        .pki
        .demo_signers
        .iter()
        .find(|s| s.slug == "person")
        .unwrap()
        .key;
    let r = send(
        challenge.clone(),
        person.sign_cms(challenge.as_bytes(), true, now).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text.contains("не принадлежит действующему сотруднику")
            && r.text.contains("role=\"alert\""),
        "{}",
        r.text
    );
    // The registrar's personal key (no BIN): not a key of the body's employee.
    let page = t.get("/staff/login", &jar).await;
    let challenge = challenge_of(&page.text);
    let personal = t.app.demo_person_key(&staff, None).unwrap();
    let r = send(
        challenge.clone(),
        personal.sign_cms(challenge.as_bytes(), true, now).unwrap(),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(
        r.text.contains("БИН") || r.text.contains("орган"),
        "{}",
        r.text
    );
    // Not a signature at all.
    let page = t.get("/staff/login", &jar).await;
    let r = send(challenge_of(&page.text), b"not a signature".to_vec()).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert!(r.text.contains("role=\"alert\""), "{}", r.text);

    // A deployment without passwords: the form is gone and a password does not sign in.
    let t = TestApp::configured(|_, _| {}, |a| a.config.staff_passwords = false).await;
    let page = t.get("/staff/login?lang=ru", "").await;
    assert!(!page.text.contains("type=\"password\""), "{}", page.text);
    let csrf = page.cookie("otinish_csrf").unwrap();
    let r = t
        .post_form(
            "/staff/login",
            &format!("otinish_csrf={csrf}; otinish_lang=ru"),
            &format!("csrf={csrf}&login=registrar&password=correct+horse"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.cookie("otinish_session").is_none());
    assert!(
        r.text.contains("Вход по паролю здесь выключен"),
        "{}",
        r.text
    );
}

/// The administration console: the deployment's administrator creates bodies (BIN checked,
/// code unique) and adds staff by IIN, who then sign in with their own key; a refused form
/// comes back with every reason and what was typed; a body's administrator manages only their
/// body and the bodies below it; nobody else reaches the console.
#[tokio::test]
async fn admin_console_creates_bodies_and_staff_within_its_scope() {
    let t = TestApp::new().await;
    let (root, root_csrf) = t.staff_of_no_body("root.admin", vec![Role::Admin]).await;
    let page = t.get("/staff/admin/bodies?lang=ru", &root).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Министерство юстиции"), "{}", page.text);
    // Refused: every reason, the input kept.
    let r = t
        .post_form(
            "/staff/admin/bodies",
            &root,
            &format!("csrf={root_csrf}&code=MJ-AST&name_kk=&name_ru=%D0%94%D0%B5%D0%BF&bin=940140000386&parent=MJ"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("role=\"alert\"")
            && r.text
                .contains("Наименование на казахском: Заполните это поле.")
            && r.text.contains("БИН: это не БИН")
            && r.text.contains("value=\"MJ-AST\"")
            && r.text.contains("<option value=\"MJ\" selected>"),
        "{}",
        r.text
    );
    let body_form = |code: &str, parent: &str, bin: &str| {
        format!(
            "csrf={root_csrf}&code={code}&name_kk=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0+{code}&name_ru=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0+{code}&bin={bin}&parent={parent}&competence=notary%2C+housing&vks=on"
        )
    };
    let r = t
        .post_form(
            "/staff/admin/bodies",
            &root,
            &body_form("MJ-AST", "MJ", "940140000385"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let created = t.app.store.body_by_code("MJ-AST").await.unwrap();
    assert_eq!(created.bin.as_deref(), Some("940140000385"));
    assert_eq!(created.competence, vec!["notary", "housing"]);
    assert!(created.vks_connected && !created.video_appeal_connected);
    let list = t
        .get(r.headers[header::LOCATION].to_str().unwrap(), &root)
        .await;
    assert!(list.text.contains("id=\"created\""), "{}", list.text);
    // The same code, or the same BIN, again: refused on the form.
    let r = t
        .post_form("/staff/admin/bodies", &root, &body_form("MJ-AST", "MJ", ""))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("этот код уже у другого органа"),
        "{}",
        r.text
    );
    let r = t
        .post_form(
            "/staff/admin/bodies",
            &root,
            &body_form("MJ-ALA", "MJ", "940140000385"),
        )
        .await;
    assert!(
        r.text.contains("этот БИН уже у другого органа"),
        "{}",
        r.text
    );
    // A top-level body of its own, for the scope below.
    let r = t
        .post_form("/staff/admin/bodies", &root, &body_form("AST", "", ""))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);

    // A staff member by IIN: no IIN, no role, refused; then added, and signs in by key.
    let r = t
        .post_form(
            "/staff/admin/staff",
            &root,
            &format!("csrf={root_csrf}&iin=123&full_name=&body=MJ-AST"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("ИИН: это не ИИН")
            && r.text.contains("Роли: отметьте хотя бы одну роль")
            && r.text.contains("<option value=\"MJ-AST\" selected>"),
        "{}",
        r.text
    );
    let r = t
        .post_form(
            "/staff/admin/staff",
            &root,
            &format!(
                "csrf={root_csrf}&iin=881105300560&full_name=%D0%95%D1%80%D0%BB%D0%B0%D0%BD+%D0%96%D0%B0%D0%BD%D0%B1%D0%BE%D0%BB%D0%B0%D1%82%D0%BE%D0%B2&body=MJ-AST&role_registrar=on&role_executor=on&lang=kk"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let added = t.app.store.staff_by_iin("881105300560").await.unwrap();
    assert_eq!(added.login, "881105300560");
    assert_eq!(added.body_id, Some(created.id));
    assert_eq!(added.roles, vec![Role::Executor, Role::Registrar]);
    let again = t
        .post_form(
            "/staff/admin/staff",
            &root,
            &format!("csrf={root_csrf}&iin=881105300560&full_name=X&login=other&body=MJ-AST&role_executor=on"),
        )
        .await;
    assert!(
        again.text.contains("сотрудник с этим ИИН уже есть"),
        "{}",
        again.text
    );
    let key = t.app.demo_staff_key(&added, &created).unwrap();
    t.key_login(&key).await;

    // A body's administrator: MJ and what is below it, nothing else.
    let (body_admin, ba_csrf) = t.staff("mj.admin", vec![Role::Admin], "MJ").await;
    let page = t.get("/staff/admin/bodies", &body_admin).await;
    assert!(
        page.text.contains(">MJ-AST<") && !page.text.contains(">AST<"),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            "/staff/admin/bodies",
            &body_admin,
            &body_form("MJ-KAR", "", "").replace(&root_csrf, &ba_csrf),
        )
        .await;
    assert!(r.text.contains("укажите вышестоящий орган"), "{}", r.text);
    let r = t
        .post_form(
            "/staff/admin/staff",
            &body_admin,
            &format!("csrf={ba_csrf}&iin=791028302728&full_name=X&body=AST&role_executor=on"),
        )
        .await;
    assert!(r.text.contains("такого органа нет среди тех"), "{}", r.text);
    let staff = t.get("/staff/admin/staff?q=881105", &body_admin).await;
    assert!(staff.text.contains("881105300560"), "{}", staff.text);
    assert!(!t
        .get("/staff/admin/staff", &body_admin)
        .await
        .text
        .contains("root.admin"));
    // Nobody else: a registrar is refused.
    let reg = t.staff("reg.two", vec![Role::Registrar], "MJ").await.0;
    assert_eq!(
        t.get("/staff/admin/bodies", &reg).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Deactivating a staff member ends their sessions at once and their key no longer signs them
/// in; reactivating lets them back. An administrator cannot deactivate themselves, nor staff
/// outside their scope.
#[tokio::test]
async fn admin_deactivates_staff_and_their_sessions_end_at_once() {
    let t = TestApp::new().await;
    let (root, root_csrf) = t.staff_of_no_body("root.admin", vec![Role::Admin]).await;
    let (reg, _) = t.staff("reg.gone", vec![Role::Registrar], "MJ").await;
    assert_eq!(t.get("/staff/inbox", &reg).await.status, StatusCode::OK);
    let target = t.app.store.staff_credentials("reg.gone").await.unwrap().0;
    let page = t.get("/staff/admin/staff?lang=ru", &root).await;
    assert!(
        page.text.contains(&format!("id=\"active-{}\"", target.id)),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/active", target.id),
            &root,
            &format!("csrf={root_csrf}&active=0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let back = t
        .get(
            r.headers[header::LOCATION].to_str().unwrap(),
            &format!("{root}; otinish_lang=ru"),
        )
        .await;
    assert!(
        back.text.contains("все его сеансы завершены"),
        "{}",
        back.text
    );
    // The open session is gone, and the key does not sign them in.
    let after = t.get("/staff/inbox", &reg).await;
    assert_eq!(
        after.status,
        StatusCode::SEE_OTHER,
        "signed out, not merely refused"
    );
    assert_eq!(after.headers[header::LOCATION], "/staff/login");
    assert!(!t.app.store.staff(target.id).await.unwrap().active);
    assert!(matches!(
        t.app.demo_staff_sign_in("reg.gone").await,
        Err(otinish_web::eappeal::AppealError::StaffSignature(
            otinish_domain::signature::StaffSignatureProblem::NotStaff
        ))
    ));
    // Back again.
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/active", target.id),
            &root,
            &format!("csrf={root_csrf}&active=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(t.app.demo_staff_sign_in("reg.gone").await.is_ok());
    // Not themselves; not outside their scope.
    let me = t.app.store.staff_credentials("root.admin").await.unwrap().0;
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/active", me.id),
            &format!("{root}; otinish_lang=ru"),
            &format!("csrf={root_csrf}&active=0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Нельзя деактивировать самого себя"),
        "{}",
        r.text
    );
    let (body_admin, ba_csrf) = t.staff("mj.admin", vec![Role::Admin], "MJ").await;
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/active", me.id),
            &body_admin,
            &format!("csrf={ba_csrf}&active=0"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(t.app.store.staff(me.id).await.unwrap().active);
}

/// The register of bodies and the staff list import from CSV: the file is checked and shown
/// first (every problem with its line, nothing written), then imported whole on confirmation;
/// a body's administrator cannot reach another branch of the tree.
#[tokio::test]
async fn admin_imports_bodies_and_staff_from_csv_after_a_preview() {
    let t = TestApp::new().await;
    let (root, root_csrf) = t.staff_of_no_body("root.admin", vec![Role::Admin]).await;
    let count = || async {
        t.app
            .store
            .bodies(otinish_domain::repo::PageRequest::new(Some(1), None))
            .await
            .unwrap()
            .total
    };
    let before = count().await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap();
    t.app
        .store
        .set_body_bin(
            mj.id,
            Some(&otinish_domain::ids::Bin::parse("940140000385").unwrap()),
            JournalDraft::new(t.app.clock.now(), "test", "", "set_bin"),
        )
        .await
        .unwrap();
    // The template is a file the import takes as it is.
    let template = t.get("/staff/admin/bodies/import", &root).await;
    assert_eq!(template.status, StatusCode::OK);
    assert!(template.headers[header::CONTENT_TYPE]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let r = t
        .post_multipart(
            "/staff/admin/bodies/import?lang=ru",
            &root,
            &[("csrf", root_csrf.as_str())],
            &[("bodies.csv", template.text.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("будет создано органов — 1"), "{}", r.text);
    // Problems: a bad BIN, a duplicate, an unknown parent, each by line; nothing written.
    let bad = "bin;name_kk;name_ru;parent_bin\n\
               000740001307;Бір;Один;940140000385\n\
               000740001308;Екі;Два;\n\
               000740001307;Үш;Три;\n\
               860140000010;Төрт;Четыре;990140000018\n";
    let r = t
        .post_multipart(
            "/staff/admin/bodies/import?lang=ru",
            &root,
            &[("csrf", root_csrf.as_str())],
            &[("bodies.csv", bad.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let rows: Vec<&str> = r
        .text
        .split("<tr>")
        .skip(2)
        .map(|row| row.split("</tr>").next().unwrap_or(""))
        .collect();
    assert!(
        rows[0].contains(">3<") && rows[0].contains("это не БИН"),
        "{rows:?}"
    );
    assert!(
        rows.iter()
            .any(|r| r.contains(">4<") && r.contains("уже есть в одной из предыдущих строк")),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.contains(">5<")
            && r.contains(">БИН вышестоящего органа<")
            && r.contains("такого органа нет")),
        "{rows:?}"
    );
    assert!(!r.text.contains("id=\"import-apply\""), "no way to apply");
    // Applying it anyway (a forged confirmation) imports nothing.
    let forged = t
        .post_multipart(
            "/staff/admin/bodies/import",
            &root,
            &[("csrf", root_csrf.as_str()), ("apply", "1"), ("csv", bad)],
            &[],
        )
        .await;
    assert_eq!(forged.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count().await, before, "nothing half-imported");
    // A good file under the Ministry (BIN 940140000385): preview, then confirm.
    // Headed in Russian, as a spreadsheet saved from the template would be.
    let good =
        "БИН;Наименование (каз.);Наименование (рус.);БИН вышестоящего органа;Код;Приём по ВКС\n\
                000740001307;Астана департаменті;Департамент Астаны;940140000385;MJ-AST2;да\n\
                000740001409;Есіл бөлімі;Отдел Есиль;000740001307;;нет\n";
    let r = t
        .post_multipart(
            "/staff/admin/bodies/import?lang=ru",
            &root,
            &[("csrf", root_csrf.as_str())],
            &[("bodies.csv", good.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("Отдел Есиль") && r.text.contains("id=\"import-apply\""));
    assert_eq!(count().await, before, "a preview writes nothing");
    let carried = r
        .text
        .split("<textarea name=\"csv\" hidden>")
        .nth(1)
        .and_then(|s| s.split("</textarea>").next())
        .unwrap()
        .replace("&#59;", ";")
        .replace("&#x3b;", ";");
    let r = t
        .post_multipart(
            "/staff/admin/bodies/import",
            &root,
            &[
                ("csrf", root_csrf.as_str()),
                ("apply", "1"),
                ("csv", &carried),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(count().await, before + 2);
    let list = t
        .get(
            &format!("{}&lang=ru", r.headers[header::LOCATION].to_str().unwrap()),
            &root,
        )
        .await;
    assert!(list.text.contains("Загружено органов: 2."), "{}", list.text);
    let dept = t.app.store.body_by_code("MJ-AST2").await.unwrap();
    let unit = t.app.store.body_by_code("000740001409").await.unwrap();
    assert_eq!(unit.parent_id, Some(dept.id));
    assert!(dept.vks_connected && !unit.vks_connected);

    // Staff of the new department; its own administrator comes with them.
    let staff = "iin,full_name,body_bin,roles,lang\n\
                 870412300129,Ерлан Ахметов,000740001307,Тіркеуші (ҚҚБ);executor,қазақша\n\
                 881105300560,Дана Әкімова,000740001307,admin,ru\n";
    let r = t
        .post_multipart(
            "/staff/admin/staff/import?lang=kk",
            &root,
            &[("csrf", root_csrf.as_str())],
            &[("staff.csv", staff.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("2 қызметкер қосылады"), "{}", r.text);
    let r = t
        .post_multipart(
            "/staff/admin/staff/import",
            &root,
            &[("csrf", root_csrf.as_str()), ("apply", "1"), ("csv", staff)],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let registrar = t.app.store.staff_by_iin("870412300129").await.unwrap();
    assert_eq!(registrar.body_id, Some(dept.id));
    assert_eq!(registrar.roles, vec![Role::Registrar, Role::Executor]);

    // The department's administrator: below their body, yes; the Ministry's level, no.
    let dept_admin = t.app.store.staff_by_iin("881105300560").await.unwrap();
    let key = t.app.demo_staff_key(&dept_admin, &dept).unwrap();
    let (jar, csrf) = t.key_login(&key).await;
    let theirs = "bin;name_kk;name_ru;parent_bin\n000740001508;Бөлім;Отдел;940140000385\n";
    let r = t
        .post_multipart(
            "/staff/admin/bodies/import?lang=ru",
            &jar,
            &[("csrf", csrf.as_str())],
            &[("b.csv", theirs.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text
        .contains("такого органа нет среди тех, которыми вы управляете"));
    // No CSRF token, no import; a registrar may not import at all.
    let r = t
        .post_multipart(
            "/staff/admin/bodies/import",
            &root,
            &[("apply", "1"), ("csv", good)],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let reg_key = t.app.demo_staff_key(&registrar, &dept).unwrap();
    let (reg, reg_csrf) = t.key_login(&reg_key).await;
    let r = t
        .post_multipart(
            "/staff/admin/staff/import",
            &reg,
            &[("csrf", reg_csrf.as_str())],
            &[("s.csv", staff.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// GEN-02/GEN-04: the deployment's administrator changes a day of the calendar from the
/// console; the preview lists the open card whose term moves, from what day to what day, and
/// writes nothing; applying moves it; a body's administrator may not change the calendar.
#[tokio::test]
async fn admin_calendar_change_shows_the_terms_it_moves_before_moving_them() {
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap();
    let card = card_id_of(
        &t.post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "calendar"),
                ("recipient", mj.id.to_string().as_str()),
                ("kind", "statement"),
                ("postal_address", "Астана"),
                ("content", "Прошу разъяснить"),
                ("demo_sign", "1"),
            ],
            &[],
        )
        .await,
    );
    let due = |ds: Vec<StoredDeadline>| {
        ds.into_iter()
            .find(|d| d.key == "answer")
            .map(|d| d.due_on)
            .unwrap()
    };
    let was = due(t.app.store.deadlines(card).await.unwrap());
    let (root, root_csrf) = t.staff_of_no_body("root.admin", vec![Role::Admin]).await;
    let page = t.get("/staff/admin/calendar?lang=ru", &root).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("действует встроенный календарь"));
    // No source: refused on the form, in the reader's language.
    let r = t
        .post_form(
            "/staff/admin/calendar?lang=ru",
            &root,
            &format!("csrf={root_csrf}&date={was}&kind=off&reason="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("укажите постановление"), "{}", r.text);
    // The due day itself becomes a day off: the preview shows the card and the move.
    let form =
        format!("csrf={root_csrf}&date={was}&kind=off&reason=%E2%84%96+77+%D0%BE%D1%82+01.03.2026");
    let r = t
        .post_form("/staff/admin/calendar?lang=ru", &root, &form)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let card_row = format!("href=\"/staff/cards/{card}\"");
    assert!(
        r.text.contains(&card_row) && r.text.contains(&was.format("%d.%m.%Y").to_string()),
        "{}",
        r.text
    );
    assert!(r.text.contains("id=\"calendar-apply\""));
    assert_eq!(due(t.app.store.deadlines(card).await.unwrap()), was);
    assert!(t.app.store.calendar_edits("KZ").await.unwrap().is_empty());
    // A body's administrator: refused.
    let (mj_admin, mj_csrf) = t.staff("mj.admin", vec![Role::Admin], "MJ").await;
    assert_eq!(
        t.get("/staff/admin/calendar", &mj_admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            "/staff/admin/calendar",
            &mj_admin,
            &format!("csrf={mj_csrf}&date={was}&kind=off&reason=x&confirm=1")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Applied: the term moves past the new day off, the card's history says so.
    let r = t
        .post_form("/staff/admin/calendar", &root, &format!("{form}&confirm=1"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let now_due = due(t.app.store.deadlines(card).await.unwrap());
    assert!(now_due > was, "{now_due} after {was}");
    let list = t
        .get(
            &format!("{}&lang=ru", r.headers[header::LOCATION].to_str().unwrap()),
            &root,
        )
        .await;
    assert!(
        list.text.contains("сдвинуты сроки открытых карточек: 1") && list.text.contains("№ 77"),
        "{}",
        list.text
    );
    let history = t
        .app
        .store
        .journal_for(&format!("card:{card}"))
        .await
        .unwrap();
    assert_eq!(
        history.last().map(|e| e.draft.action.as_str()),
        Some("deadlines_recomputed")
    );
}

/// Sessions: a staff member sees where they are signed in (this session marked) and ends
/// another of theirs, which stops working at once; a body's administrator ends every session
/// of their staff, never of another body's; ending one's own session signs one out.
#[tokio::test]
async fn staff_see_and_end_their_sessions_and_admins_end_their_staffs() {
    let t = TestApp::new().await;
    let (first, csrf) = t.staff("reg.sessions", vec![Role::Registrar], "MJ").await;
    let (second, _) = t.login("reg.sessions").await;
    let me = t
        .app
        .store
        .staff_credentials("reg.sessions")
        .await
        .unwrap()
        .0;
    let hash_of = |jar: &str| {
        let token = jar
            .split("otinish_session=")
            .nth(1)
            .and_then(|s| s.split(';').next())
            .unwrap();
        otinish_web::context::token_hash(token)
    };
    let page = t.get("/staff/sessions?lang=ru", &first).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.text.matches("name=\"session\"").count(),
        2,
        "{}",
        page.text
    );
    assert_eq!(page.text.matches("этот сеанс").count(), 1);
    assert!(
        page.text.contains("не записан"),
        "where it was opened: {}",
        page.text
    );
    // The other session ends; it no longer opens anything.
    let r = t
        .post_form(
            "/staff/sessions",
            &first,
            &format!("csrf={csrf}&session={}", hash_of(&second)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers[header::LOCATION].to_str().unwrap(),
        "/staff/sessions?ended=1"
    );
    let gone = t.get("/staff", &second).await;
    assert_eq!(
        gone.status,
        StatusCode::SEE_OTHER,
        "the ended session opens nothing"
    );
    assert_eq!(t.get("/staff", &first).await.status, StatusCode::OK);
    // Someone else's session cannot be ended from one's own page.
    let (other, other_csrf) = t.staff("exec.sessions", vec![Role::Executor], "MJ").await;
    let r = t
        .post_form(
            "/staff/sessions",
            &other,
            &format!("csrf={other_csrf}&session={}", hash_of(&first)),
        )
        .await;
    assert_eq!(
        r.headers[header::LOCATION].to_str().unwrap(),
        "/staff/sessions?ended=0"
    );
    assert_eq!(t.get("/staff", &first).await.status, StatusCode::OK);
    // Nor through the administration pages without being an administrator of their body.
    assert_eq!(
        t.get(&format!("/staff/admin/staff/{}/sessions", me.id), &other)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    t.second_body().await;
    let (ast_admin, ast_csrf) = t.staff("ast.admin", vec![Role::Admin], "AST").await;
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/sessions", me.id),
            &ast_admin,
            &format!("csrf={ast_csrf}&all=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(t.get("/staff", &first).await.status, StatusCode::OK);
    // The Ministry's administrator sees them and ends them all, journaled.
    let (mj_admin, mj_csrf) = t.staff("mj.sessions.admin", vec![Role::Admin], "MJ").await;
    let list = t
        .get(
            &format!("/staff/admin/staff/{}/sessions?lang=ru", me.id),
            &mj_admin,
        )
        .await;
    assert!(
        list.text
            .contains("Где выполнен вход: reg.sessions full name"),
        "{}",
        list.text
    );
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/sessions", me.id),
            &mj_admin,
            &format!("csrf={mj_csrf}&all=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(t.get("/staff", &first).await.status, StatusCode::SEE_OTHER);
    let journal = t
        .app
        .store
        .journal_for(&format!("staff:{}", me.id))
        .await
        .unwrap();
    let ends: Vec<_> = journal
        .iter()
        .filter(|e| e.draft.action.starts_with("end_"))
        .map(|e| e.draft.action.as_str())
        .collect();
    assert_eq!(ends, ["end_session", "end_all_sessions"]);
    // Ending one's own sessions signs one out.
    let (again, again_csrf) = t.login("reg.sessions").await;
    let r = t
        .post_form(
            "/staff/sessions",
            &again,
            &format!("csrf={again_csrf}&all=1"),
        )
        .await;
    assert_eq!(
        r.headers[header::LOCATION].to_str().unwrap(),
        "/staff/login"
    );
    assert_eq!(t.get("/staff", &again).await.status, StatusCode::SEE_OTHER);
}

/// A deactivated executor's open cards are listed for handing over and handed to another
/// executor of the body in one action, each card journaled; only an active executor of the
/// same body may take them, and only an administrator of that body may hand them over.
#[tokio::test]
async fn deactivated_executors_cards_are_handed_over_in_one_action() {
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap();
    let (registrar, rcsrf) = t.staff("reg.handover", vec![Role::Registrar], "MJ").await;
    t.staff("leaving.exec", vec![Role::Executor], "MJ").await;
    t.staff("taking.exec", vec![Role::Executor], "MJ").await;
    let leaving = t
        .app
        .store
        .staff_credentials("leaving.exec")
        .await
        .unwrap()
        .0;
    let taking = t
        .app
        .store
        .staff_credentials("taking.exec")
        .await
        .unwrap()
        .0;
    let mut cards = Vec::new();
    for key in ["h1", "h2"] {
        let id = card_id_of(
            &t.post_multipart(
                "/cabinet/appeals",
                &jar,
                &[
                    ("csrf", csrf.as_str()),
                    ("idempotency_key", key),
                    ("recipient", mj.id.to_string().as_str()),
                    ("kind", "statement"),
                    ("postal_address", "Астана"),
                    ("content", format!("Прошу разъяснить ({key})").as_str()),
                    ("demo_sign", "1"),
                ],
                &[],
            )
            .await,
        );
        let r = t
            .post_form(
                &format!("/staff/cards/{id}/send"),
                &registrar,
                &format!("csrf={rcsrf}&executor={}", leaving.id),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        cards.push(id);
    }
    let (admin, acsrf) = t.staff("mj.handover.admin", vec![Role::Admin], "MJ").await;
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/active", leaving.id),
            &admin,
            &format!("csrf={acsrf}&active=0"),
        )
        .await;
    let to = r.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(
        to,
        format!("/staff/admin/staff/{}/cards?deactivated=1", leaving.id)
    );
    let page = t.get(&format!("{to}&lang=ru"), &admin).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Сотрудник деактивирован")
            && page.text.contains("Передать все карточки (2)")
            && page
                .text
                .contains(&format!("href=\"/staff/cards/{}\"", cards[0]))
            && page
                .text
                .contains("taking.exec full name (открытых карточек: 0)")
            && !page.text.contains("reg.handover full name ("),
        "only executors of the body, with their load: {}",
        page.text
    );
    // A registrar is not an executor: refused on the form, nothing moved.
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/cards?lang=ru", leaving.id),
            &admin,
            &format!(
                "csrf={acsrf}&executor={}",
                t.app
                    .store
                    .staff_credentials("reg.handover")
                    .await
                    .unwrap()
                    .0
                    .id
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r
        .text
        .contains("выберите действующего исполнителя того же органа"));
    // Another body's administrator may not.
    t.second_body().await;
    let (ast_admin, ast_csrf) = t
        .staff("ast.handover.admin", vec![Role::Admin], "AST")
        .await;
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/cards", leaving.id),
            &ast_admin,
            &format!("csrf={ast_csrf}&executor={}", taking.id),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Handed over.
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}/cards", leaving.id),
            &admin,
            &format!("csrf={acsrf}&executor={}", taking.id),
        )
        .await;
    assert_eq!(
        r.headers[header::LOCATION].to_str().unwrap(),
        format!("/staff/admin/staff/{}/cards?moved=2", leaving.id)
    );
    for id in &cards {
        assert_eq!(
            t.app.store.card(*id).await.unwrap().executor_id,
            Some(taking.id)
        );
        let history = t
            .app
            .store
            .journal_for(&format!("card:{id}"))
            .await
            .unwrap();
        assert_eq!(
            history.last().map(|e| e.draft.action.as_str()),
            Some("reassign_executor")
        );
    }
    let after = t
        .get(
            &format!("/staff/admin/staff/{}/cards?lang=ru", leaving.id),
            &admin,
        )
        .await;
    assert!(
        after.text.contains("Открытых карточек нет."),
        "{}",
        after.text
    );
}

/// EA-16 from the console: the deployment's administrator publishes an announcement (shown on
/// the portal at once, in the reader's language) and withdraws it; a refused form says why; a
/// body's administrator may not announce for the whole deployment.
#[tokio::test]
async fn ea_16_admin_publishes_and_withdraws_announcements() {
    let t = TestApp::new().await;
    let (root, csrf) = t.staff_of_no_body("root.announce", vec![Role::Admin]).await;
    let local = |d: chrono::Duration| {
        (t.app.clock.now() + d)
            .with_timezone(&chrono::FixedOffset::east_opt(5 * 3600).unwrap())
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let page = t.get("/staff/admin/announcements?lang=ru", &root).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Сейчас объявлений нет"), "{}", page.text);
    // The end before the start, and no Kazakh text: refused, the input kept.
    let r = t
        .post_form(
            "/staff/admin/announcements?lang=ru",
            &root,
            &format!(
                "csrf={csrf}&from={}&to={}&kk=&ru=%D0%A0%D0%B0%D0%B1%D0%BE%D1%82%D1%8B",
                local(chrono::Duration::hours(5)),
                local(chrono::Duration::hours(1))
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("Текст на казахском: Заполните это поле.")
            && r.text.contains("До: конец должен быть позже начала")
            && r.text.contains(">Работы</textarea>"),
        "{}",
        r.text
    );
    let r = t
        .post_form(
            "/staff/admin/announcements",
            &root,
            &format!(
                "csrf={csrf}&from={}&to={}&kk=%D0%96%D2%B1%D0%BC%D1%8B%D1%81%D1%82%D0%B0%D1%80&ru=%D0%9F%D0%BB%D0%B0%D0%BD%D0%BE%D0%B2%D1%8B%D0%B5+%D1%80%D0%B0%D0%B1%D0%BE%D1%82%D1%8B&en=",
                local(chrono::Duration::zero()),
                local(chrono::Duration::hours(3))
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(t
        .get("/", "otinish_lang=ru")
        .await
        .text
        .contains("Плановые работы"));
    assert!(
        t.get("/", "otinish_lang=en")
            .await
            .text
            .contains("Плановые работы"),
        "English defaults to Russian"
    );
    let list = t.get("/staff/admin/announcements?lang=kk", &root).await;
    assert!(list.text.contains("Жұмыстар"), "{}", list.text);
    let id: i64 = list
        .text
        .split("/staff/admin/announcements/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    // A body's administrator: not theirs to announce or withdraw.
    let (mj_admin, mj_csrf) = t.staff("mj.announce", vec![Role::Admin], "MJ").await;
    assert_eq!(
        t.post_form(
            &format!("/staff/admin/announcements/{id}/withdraw"),
            &mj_admin,
            &format!("csrf={mj_csrf}")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .post_form(
            &format!("/staff/admin/announcements/{id}/withdraw"),
            &root,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(!t
        .get("/", "otinish_lang=ru")
        .await
        .text
        .contains("Плановые работы"));
    let journal = t
        .app
        .store
        .journal_for(&format!("announcement:{id}"))
        .await
        .unwrap();
    assert_eq!(
        journal
            .iter()
            .map(|e| e.draft.action.as_str())
            .collect::<Vec<_>>(),
        ["announce", "withdraw_announcement"]
    );
}

/// Bodies are edited in the console: names, BIN, parent, competence and connections change
/// (journaled; the code stays); a body cannot be put below itself; a body's administrator edits
/// their own body but cannot move it, and cannot reach another branch of the tree.
#[tokio::test]
async fn admin_edits_bodies_within_their_scope() {
    let t = TestApp::new().await;
    let (root, csrf) = t.staff_of_no_body("root.edit", vec![Role::Admin]).await;
    let form = |csrf: &str, parent: &str, name_ru: &str| {
        format!(
            "csrf={csrf}&name_kk=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0&name_ru={name_ru}&bin=940140000385&parent={parent}&competence=notary%3B+housing&video=on"
        )
    };
    let r = t
        .post_form(
            "/staff/admin/bodies",
            &root,
            &format!("csrf={csrf}&code=MJ-AST&name_kk=A&name_ru=A&parent=MJ"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = t.get("/staff/admin/bodies/MJ-AST?lang=ru", &root).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("<option value=\"MJ\" selected>"),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            "/staff/admin/bodies/MJ-AST",
            &root,
            &form(&csrf, "MJ", "Astana"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let b = t.app.store.body_by_code("MJ-AST").await.unwrap();
    assert_eq!(b.name.ru, "Astana");
    assert_eq!(b.bin.as_deref(), Some("940140000385"));
    assert_eq!(b.competence, ["notary", "housing"]);
    assert!(b.video_appeal_connected && !b.vks_connected);
    let journal = t
        .app
        .store
        .journal_for(&format!("body:{}", b.id))
        .await
        .unwrap();
    assert_eq!(
        journal.last().map(|e| e.draft.action.as_str()),
        Some("edit_body")
    );
    // The Ministry below its own department: refused, nothing changed.
    let r = t
        .post_form(
            "/staff/admin/bodies/MJ?lang=ru",
            &root,
            &form(&csrf, "MJ-AST", "X"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("такого органа нет среди тех"), "{}", r.text);
    assert_ne!(t.app.store.body_by_code("MJ").await.unwrap().name.ru, "X");
    // The department's own administrator: edits it, cannot move it.
    let (dept_admin, dcsrf) = t.staff("ast.dept.admin", vec![Role::Admin], "MJ-AST").await;
    let r = t
        .post_form(
            "/staff/admin/bodies/MJ-AST",
            &dept_admin,
            &form(&dcsrf, "MJ", "Astana dept"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(
        t.app.store.body_by_code("MJ-AST").await.unwrap().name.ru,
        "Astana dept"
    );
    let r = t
        .post_form(
            "/staff/admin/bodies/MJ-AST?lang=ru",
            &dept_admin,
            &form(&dcsrf, "", "Moved"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("ваш собственный орган остаётся на своём месте"),
        "{}",
        r.text
    );
    assert_eq!(
        t.get("/staff/admin/bodies/MJ", &dept_admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            "/staff/admin/bodies/MJ",
            &dept_admin,
            &form(&dcsrf, "", "X")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/staff/admin/bodies/NOPE", &root).await.status,
        StatusCode::NOT_FOUND
    );
}

/// A staff member's name, position, body and roles are changed in the console and apply from
/// their next page (journaled); an administrator keeps their own role and moves staff only
/// among the bodies they manage.
#[tokio::test]
async fn admin_changes_staff_roles_position_and_body() {
    let t = TestApp::new().await;
    let (reg, _) = t.staff("reg.edit", vec![Role::Registrar], "MJ").await;
    let target = t.app.store.staff_credentials("reg.edit").await.unwrap().0;
    assert_eq!(t.get("/staff/inbox", &reg).await.status, StatusCode::OK);
    let (admin, csrf) = t.staff("mj.edit.admin", vec![Role::Admin], "MJ").await;
    let me = t
        .app
        .store
        .staff_credentials("mj.edit.admin")
        .await
        .unwrap()
        .0;
    let page = t
        .get(&format!("/staff/admin/staff/{}?lang=ru", target.id), &admin)
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text
            .contains("name=\"role_registrar\" value=\"on\" checked"),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}", target.id),
            &admin,
            &format!(
                "csrf={csrf}&full_name=Reg+Renamed&position=%D0%93%D0%BB%D0%B0%D0%B2%D0%BD%D1%8B%D0%B9+%D1%81%D0%BF%D0%B5%D1%86%D0%B8%D0%B0%D0%BB%D0%B8%D1%81%D1%82&body=MJ&role_executor=on&lang=kk"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let after = t.app.store.staff(target.id).await.unwrap();
    assert_eq!(
        (
            after.full_name.as_str(),
            after.position.as_str(),
            after.roles.clone(),
            after.lang
        ),
        (
            "Reg Renamed",
            "Главный специалист",
            vec![Role::Executor],
            Lang::Kk
        )
    );
    assert_eq!(after.login, target.login, "the login stays");
    assert_eq!(
        t.get("/staff/inbox", &reg).await.status,
        StatusCode::FORBIDDEN,
        "no longer a registrar, from the next page"
    );
    let journal = t
        .app
        .store
        .journal_for(&format!("staff:{}", target.id))
        .await
        .unwrap();
    assert_eq!(
        journal.last().map(|e| e.draft.action.as_str()),
        Some("edit_staff")
    );
    // Not to a body outside their scope; not without the administrator's own role.
    t.second_body().await;
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}?lang=ru", target.id),
            &admin,
            &format!("csrf={csrf}&full_name=X&body=AST&role_executor=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("такого органа нет среди тех"), "{}", r.text);
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}?lang=ru", me.id),
            &admin,
            &format!("csrf={csrf}&full_name=Me&body=MJ&role_executor=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("нельзя снять роль администратора с самого себя"),
        "{}",
        r.text
    );
    // Another body's administrator cannot even see them.
    let (ast_admin, _) = t.staff("ast.edit.admin", vec![Role::Admin], "AST").await;
    assert_eq!(
        t.get(&format!("/staff/admin/staff/{}", target.id), &ast_admin)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The deployment's administrator sees the trusted certificates (validity, fingerprint) and
/// the revocation lists, a stale one with a warning; nobody else does.
#[tokio::test]
async fn admin_sees_trust_anchors_and_stale_revocation_lists() {
    let t = TestApp::new().await;
    let (root, _) = t.staff_of_no_body("root.trust", vec![Role::Admin]).await;
    let now = t.app.clock.now();
    let page = t.get("/staff/admin/trust?lang=ru", &root).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("корневой") && page.text.contains("class=\"fingerprint\""),
        "{}",
        page.text
    );
    assert!(!page.text.contains("id=\"trust-stale\""));
    t.app
        .store
        .put_crl(&otinish_domain::repo::CachedCrl {
            url: "http://crl.example.kz/nca_gost.crl".into(),
            der: vec![0x30, 0x00],
            this_update: now - chrono::Duration::days(3),
            next_update: Some(now - chrono::Duration::days(1)),
            fetched_at: now - chrono::Duration::days(3),
        })
        .await
        .unwrap();
    let page = t.get("/staff/admin/trust?lang=ru", &root).await;
    assert!(
        page.text.contains("Устаревших списков отзыва: 1")
            && page.text.contains("http://crl.example.kz/nca_gost.crl"),
        "{}",
        page.text
    );
    let (mj_admin, _) = t.staff("mj.trust", vec![Role::Admin], "MJ").await;
    assert_eq!(
        t.get("/staff/admin/trust", &mj_admin).await.status,
        StatusCode::FORBIDDEN
    );
}

/// Background jobs: a worker killed while it holds leases (its task aborted mid-send, so it
/// gives nothing back) leaves its jobs running until the leases end; then another worker
/// claims and finishes them, each notice sent once. A job that keeps failing is tried with a
/// growing pause, is dead after its maximum of tries, and shows on the administrator's page
/// (the address in its reason masked), where it is sent again.
#[tokio::test]
async fn jobs_survive_a_killed_worker_and_dead_ones_show_to_the_administrator() {
    use otinish_app::notify::Mailer;
    use otinish_domain::job::JobState;
    /// A mail server that takes the message and never answers.
    struct Hangs;
    #[async_trait::async_trait]
    impl Mailer for Hangs {
        async fn send(&self, _: &str, _: &str, _: &str, _: &str) -> Result<(), String> {
            std::future::pending().await
        }
    }
    /// A mail server that takes everything and remembers it.
    #[derive(Default)]
    struct Takes(std::sync::Mutex<Vec<String>>);
    #[async_trait::async_trait]
    impl Mailer for Takes {
        async fn send(&self, key: &str, _: &str, _: &str, _: &str) -> Result<(), String> {
            self.0.lock().unwrap().push(key.to_owned());
            Ok(())
        }
    }
    /// A mail server that refuses the address.
    struct Refuses;
    #[async_trait::async_trait]
    impl Mailer for Refuses {
        async fn send(&self, _: &str, to: &str, _: &str, _: &str) -> Result<(), String> {
            Err(format!("550 <{to}>: no such user"))
        }
    }
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    for i in 0..3 {
        let key = format!("kill-{i}");
        let content = format!("Прошу разъяснить {i}");
        let r = t
            .post_multipart(
                "/cabinet/appeals",
                &jar,
                &[
                    ("csrf", csrf.as_str()),
                    ("idempotency_key", key.as_str()),
                    ("recipient", mj.as_str()),
                    ("kind", "statement"),
                    ("postal_address", "Астана"),
                    ("content", content.as_str()),
                    ("demo_sign", "1"),
                ],
                &[],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    }
    let store = t.app.store.clone();
    let running = || async {
        store
            .job_counts()
            .await
            .unwrap()
            .iter()
            .filter(|c| c.state == JobState::Running)
            .map(|c| c.count)
            .sum::<i64>()
    };
    let waiting = store.job_counts().await.unwrap()[0].count;
    assert!(
        waiting >= 3,
        "each appeal's email notices are jobs: {waiting}"
    );
    let doomed = otinish_app::jobs::Worker::new(
        store.clone(),
        t.app.clock.clone(),
        Some(Arc::new(Hangs)),
        None,
    );
    let task = tokio::spawn(async move { doomed.run_due(100).await });
    for _ in 0..200 {
        if running().await == waiting {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(running().await, waiting, "the worker holds every lease");
    task.abort(); // killed: nothing given back, nothing recorded
    assert!(task.await.unwrap_err().is_cancelled());
    assert_eq!(running().await, waiting, "still leased to the dead worker");
    let takes = Arc::new(Takes::default());
    let mailer: Arc<dyn Mailer> = takes.clone();
    let early = run_jobs(&t.app, Some(mailer.clone()), 100).await;
    assert_eq!(early.done, 0, "no one takes a job while its lease lasts");
    let start = t.app.clock.now();
    t.clock.set(start + chrono::Duration::minutes(3));
    let round = run_jobs(&t.app, Some(mailer.clone()), 100).await;
    assert_eq!(round.done as i64, waiting, "{round:?}");
    let mut sent = takes.0.lock().unwrap().clone();
    sent.sort();
    let n = sent.len();
    sent.dedup();
    assert_eq!(
        (n, sent.len() as i64),
        (sent.len(), waiting),
        "each sent once"
    );
    assert!(
        store.job_counts().await.unwrap().is_empty(),
        "done jobs are gone"
    );

    // One more appeal, its email refused every time: dead after eight tries.
    t.clock.set(start + chrono::Duration::minutes(10));
    let r = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "refused"),
                ("recipient", mj.as_str()),
                ("kind", "statement"),
                ("postal_address", "Астана"),
                ("email", "aigerim@example.kz"),
                ("content", "Прошу ответить письмом"),
                ("demo_sign", "1"),
            ],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let refuses: Arc<dyn Mailer> = Arc::new(Refuses);
    let mut tries = 0;
    let mut dead = 0;
    while dead == 0 {
        let round = run_jobs(&t.app, Some(refuses.clone()), 100).await;
        tries += 1;
        dead = round.dead;
        assert!(tries <= 8, "never dead: {round:?}");
        t.clock.set(t.app.clock.now() + chrono::Duration::hours(1));
    }
    assert_eq!(tries, 8, "dead after its maximum");
    let (root, root_csrf) = t.staff_of_no_body("root.jobs", vec![Role::Admin]).await;
    let page = t.get("/staff/admin/jobs?lang=ru", &root).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("Доставка уведомления")
            && page
                .text
                .contains("550 &#60;a***@example.kz&#62;: no such user")
            && page.text.contains("попыток: 8")
            && !page.text.contains("aigerim@"),
        "{}",
        page.text
    );
    let dead_jobs = store
        .dead_jobs(otinish_domain::repo::PageRequest::default())
        .await
        .unwrap();
    assert_eq!(dead_jobs.total, 2, "its receipt and registration notices");
    let (id, other) = (dead_jobs.items[0].id, dead_jobs.items[1].id);
    assert!(page.text.contains(&format!("id=\"job-{id}\"")));
    assert!(page.text.contains(&format!("id=\"job-{other}\"")));
    let (mj_admin, mj_csrf) = t.staff("mj.jobs", vec![Role::Admin], "MJ").await;
    assert_eq!(
        t.get("/staff/admin/jobs", &mj_admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            &format!("/staff/admin/jobs/{id}/retry"),
            &mj_admin,
            &format!("csrf={mj_csrf}")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.get("/staff/admin/jobs?done=%3Cb%3E", &root).await.status,
        StatusCode::BAD_REQUEST,
        "an unknown value is refused"
    );
    let r = t
        .post_form(
            &format!("/staff/admin/jobs/{id}/retry"),
            &root,
            &format!("csrf={root_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = t
        .post_form(
            &format!("/staff/admin/jobs/{other}/dismiss"),
            &root,
            &format!("csrf={root_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = t.get("/staff/admin/jobs?done=retried&lang=kk", &root).await;
    assert!(
        page.text.contains("Тапсырма қазір қайта орындалады")
            && page.text.contains("Тоқтатылған тапсырма жоқ"),
        "{}",
        page.text
    );
    let round = run_jobs(&t.app, Some(mailer), 100).await;
    assert_eq!(round.done, 1, "sent again once the cause is gone");
    let journal = store.journal_for(&format!("job:{id}")).await.unwrap();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].draft.action, "retry_job");
}

/// GEN-07: the deployment's administrator sees notices given up for good — the address and
/// any copy of it in the reason masked — and sends one again or dismisses it; no one else can.
#[tokio::test]
async fn admin_sends_dead_notices_again_or_dismisses_them() {
    let t = TestApp::new().await;
    let now = t.app.clock.now();
    let claimed = {
        let (jar, csrf) = t.applicant("person").await;
        let mj = t.app.store.body_by_code("MJ").await.unwrap();
        t.post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "dead"),
                ("recipient", mj.id.to_string().as_str()),
                ("kind", "statement"),
                ("postal_address", "Астана"),
                ("email", "aigerim@example.kz"),
                ("content", "Прошу разъяснить"),
                ("demo_sign", "1"),
            ],
            &[],
        )
        .await;
        give_up_notice(
            &t.app,
            now + chrono::Duration::minutes(1),
            "aigerim@example.kz",
            "550 <aigerim@example.kz>: no such user",
        )
        .await
    };
    let email = &claimed;
    let (root, csrf) = t.staff_of_no_body("root.notices", vec![Role::Admin]).await;
    let page = t.get("/staff/admin/notices?lang=ru", &root).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("a***@example.kz")
            && page
                .text
                .contains("550 &#60;a***@example.kz&#62;: no such user")
            && !page.text.contains("aigerim@"),
        "{}",
        page.text
    );
    let (mj_admin, mj_csrf) = t.staff("mj.notices", vec![Role::Admin], "MJ").await;
    assert_eq!(
        t.get("/staff/admin/notices", &mj_admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            &format!("/staff/admin/notices/{}/retry", email.id),
            &mj_admin,
            &format!("csrf={mj_csrf}")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let r = t
        .post_form(
            &format!("/staff/admin/notices/{}/retry", email.id),
            &root,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let card_notices = t.app.store.notices_of_card(email.card_id).await.unwrap();
    let again = card_notices.iter().find(|n| n.id == email.id).unwrap();
    assert_eq!(
        (again.status, again.attempts),
        (otinish_domain::notice::NoticeStatus::Pending, 0)
    );
    let page = t.get("/staff/admin/notices?lang=ru", &root).await;
    assert!(
        page.text.contains("Все уведомления доставлены"),
        "{}",
        page.text
    );
    // Sent again twice is refused the second time: it is no longer dead.
    assert_eq!(
        t.post_form(
            &format!("/staff/admin/notices/{}/dismiss", email.id),
            &root,
            &format!("csrf={csrf}")
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

/// Branches (public service centers) are kept by the deployment's administrator: created,
/// refused with reasons, edited (their code stays); a branch operator is added with their
/// branch and cannot be added without one; a body's administrator keeps no branch.
#[tokio::test]
async fn admin_keeps_branches_and_gives_branch_operators_theirs() {
    let t = TestApp::new().await;
    let (root, csrf) = t.staff_of_no_body("root.branches", vec![Role::Admin]).await;
    let form = |booths: &str| {
        format!(
            "csrf={csrf}&code=ast-7&name_kk=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0+%D0%A5%D2%9A%D0%9A%D0%9E&name_ru=%D0%A6%D0%9E%D0%9D+%D0%90%D1%81%D1%82%D0%B0%D0%BD%D1%8B&region_kk=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0&region_ru=%D0%90%D1%81%D1%82%D0%B0%D0%BD%D0%B0&address_kk=%D0%A2%D2%B1%D1%80%D0%B0%D0%BD+1&address_ru=%D0%A2%D1%83%D1%80%D0%B0%D0%BD+1&vks=on&booths={booths}"
        )
    };
    let r = t
        .post_form("/staff/admin/branches?lang=ru", &root, &form("500"))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text
            .contains("Кабины видеообращений: целое число от 0 до 50"),
        "{}",
        r.text
    );
    let r = t
        .post_form("/staff/admin/branches", &root, &form("2"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = t
        .post_form("/staff/admin/branches?lang=ru", &root, &form("2"))
        .await;
    assert!(
        r.text.contains("этот код уже у другого филиала"),
        "{}",
        r.text
    );
    let list = t
        .get(
            "/staff/admin/branches?q=%D0%90%D1%81%D1%82%D0%B0%D0%BD&lang=ru",
            &root,
        )
        .await;
    assert!(
        list.text.contains(">AST-7<") && list.text.contains("ЦОН Астаны"),
        "{}",
        list.text
    );
    // Edited: one booth more, the code kept.
    let r = t
        .post_form(
            "/staff/admin/branches/AST-7",
            &root,
            &form("3").replace("code=ast-7", "code=OTHER"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let branch = t
        .app
        .store
        .branches(otinish_domain::repo::PageRequest::default())
        .await
        .unwrap()
        .items
        .into_iter()
        .find(|b| b.code == "AST-7")
        .unwrap();
    assert_eq!(branch.booths, 3);
    let journal = t
        .app
        .store
        .journal_for(&format!("branch:{}", branch.id))
        .await
        .unwrap();
    assert_eq!(
        journal
            .iter()
            .map(|e| e.draft.action.as_str())
            .collect::<Vec<_>>(),
        ["create_branch", "edit_branch"]
    );
    // A branch operator: without a branch refused, with it added.
    let operator = |branch: &str| {
        format!("csrf={csrf}&iin=881105300560&full_name=%D0%9E%D0%BF%D0%B5%D1%80%D0%B0%D1%82%D0%BE%D1%80&role_branch_operator=on&branch={branch}")
    };
    let r = t
        .post_form("/staff/admin/staff?lang=ru", &root, &operator(""))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("выберите филиал"), "{}", r.text);
    let r = t
        .post_form("/staff/admin/staff", &root, &operator("AST-7"))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let added = t.app.store.staff_by_iin("881105300560").await.unwrap();
    assert_eq!((added.branch_id, added.body_id), (Some(branch.id), None));
    // Edited, the operator stays one with their branch (offered on the form), and cannot lose it.
    let page = t
        .get(&format!("/staff/admin/staff/{}", added.id), &root)
        .await;
    assert!(
        page.text.contains("<option value=\"AST-7\" selected>"),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}", added.id),
            &root,
            &format!("csrf={csrf}&full_name=Operator+2&role_branch_operator=on&branch=AST-7"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let edited = t.app.store.staff(added.id).await.unwrap();
    assert_eq!(
        (edited.full_name.as_str(), edited.branch_id),
        ("Operator 2", Some(branch.id))
    );
    let r = t
        .post_form(
            &format!("/staff/admin/staff/{}?lang=ru", added.id),
            &root,
            &format!("csrf={csrf}&full_name=Operator+3&role_branch_operator=on&branch="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        t.app.store.staff(added.id).await.unwrap().branch_id,
        Some(branch.id)
    );
    // Not a body administrator's to keep.
    let (mj_admin, mj_csrf) = t.staff("mj.branches", vec![Role::Admin], "MJ").await;
    assert_eq!(
        t.get("/staff/admin/branches", &mj_admin).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            "/staff/admin/branches",
            &mj_admin,
            &form("1").replace(&csrf, &mj_csrf)
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

/// Branches import from CSV as bodies and staff do: a bad line is named and nothing is
/// written; a correct file, previewed, imports whole.
#[tokio::test]
async fn admin_imports_branches_from_csv() {
    let t = TestApp::new().await;
    let (root, csrf) = t
        .staff_of_no_body("root.branch.import", vec![Role::Admin])
        .await;
    let count = || async {
        t.app
            .store
            .branches(otinish_domain::repo::PageRequest::new(Some(500), None))
            .await
            .unwrap()
            .total
    };
    let before = count().await;
    let template = t.get("/staff/admin/branches/import?lang=kk", &root).await;
    assert!(
        template.text.contains("Өңір (қазақша)"),
        "{}",
        template.text
    );
    let bad = "Код;Наименование (каз.);Наименование (рус.);Регион (каз.);Регион (рус.);Адрес (каз.);Адрес (рус.);Кабины\n\
               KRG-1;Қарағанды ХҚКО;ЦОН Караганды;Қарағанды;Караганда;Бұқар жырау 1;Бухар жырау 1;2\n\
               KRG-2;Теміртау ХҚКО;ЦОН Темиртау;Қарағанды;Караганда;Республика 1;Республики 1;много\n\
               KRG-1;Қарағанды ХҚКО;ЦОН Караганды;Қарағанды;Караганда;Бұқар жырау 1;Бухар жырау 1;2\n";
    let r = t
        .post_multipart(
            "/staff/admin/branches/import?lang=ru",
            &root,
            &[("csrf", csrf.as_str())],
            &[("b.csv", bad.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("целое число от 0 до 50")
            && r.text
                .contains("этот код уже есть в одной из предыдущих строк"),
        "{}",
        r.text
    );
    assert_eq!(count().await, before);
    let good = "Код;Наименование (каз.);Наименование (рус.);Регион (каз.);Регион (рус.);Адрес (каз.);Адрес (рус.);Кабины\n\
                KRG-1;Қарағанды ХҚКО;ЦОН Караганды;Қарағанды;Караганда;Бұқар жырау 1;Бухар жырау 1;2\n\
                KRG-2;Теміртау ХҚКО;ЦОН Темиртау;Қарағанды;Караганда;Республика 1;Республики 1;1\n";
    let r = t
        .post_multipart(
            "/staff/admin/branches/import?lang=ru",
            &root,
            &[("csrf", csrf.as_str())],
            &[("b.csv", good.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("будет создано филиалов — 2"), "{}", r.text);
    let r = t
        .post_multipart(
            "/staff/admin/branches/import",
            &root,
            &[("csrf", csrf.as_str()), ("apply", "1"), ("csv", good)],
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(count().await, before + 2);
    let (mj_admin, mj_csrf) = t.staff("mj.branch.import", vec![Role::Admin], "MJ").await;
    let r = t
        .post_multipart(
            "/staff/admin/branches/import",
            &mj_admin,
            &[("csrf", mj_csrf.as_str())],
            &[("b.csv", good.as_bytes())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// A mailer that keeps what it is given, or refuses everything with a server's answer.
struct TestMailer {
    sent: std::sync::Mutex<Vec<(String, String)>>,
    refuse: Option<String>,
}

#[async_trait::async_trait]
impl otinish_web::notify::Mailer for TestMailer {
    async fn send(&self, _key: &str, to: &str, subject: &str, _body: &str) -> Result<(), String> {
        if let Some(r) = &self.refuse {
            return Err(r.clone());
        }
        self.sent
            .lock()
            .unwrap()
            .push((to.to_owned(), subject.to_owned()));
        Ok(())
    }
}

/// The deployment's administrator sees which server email goes out through (never its
/// password) and sends a test message, seeing the server's answer; journaled; no one else may.
#[tokio::test]
async fn admin_sends_a_test_message_through_the_mail_server() {
    let mailer = Arc::new(TestMailer {
        sent: Default::default(),
        refuse: None,
    });
    let t = TestApp::rebuild(TestApp::new().await, |a| {
        a.mailer = Some(mailer.clone());
        a.mail_route = Some((
            otinish_web::admin_mail::without_credentials("smtps://notices:s3cret@mail.gov.kz:465"),
            "otinish@mail.gov.kz".into(),
        ));
    });
    let (root, csrf) = t.staff_of_no_body("root.mail", vec![Role::Admin]).await;
    let page = t.get("/staff/admin/mail?lang=ru", &root).await;
    assert!(
        page.text.contains("smtps://mail.gov.kz:465") && !page.text.contains("s3cret"),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            "/staff/admin/mail?lang=ru",
            &root,
            &format!("csrf={csrf}&to=nobody"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("это не адрес электронной почты"));
    let r = t
        .post_form(
            "/staff/admin/mail?lang=ru",
            &root,
            &format!("csrf={csrf}&to=kense%40mj.gov.kz"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.text.contains("Сервер принял письмо для kense@mj.gov.kz"),
        "{}",
        r.text
    );
    assert_eq!(
        mailer.sent.lock().unwrap().clone(),
        [(
            "kense@mj.gov.kz".to_owned(),
            "Өтініш: проверочное письмо".to_owned()
        )]
    );
    let journal = t.app.store.journal_for("mail").await.unwrap();
    assert_eq!(
        journal.last().map(|e| e.draft.action.as_str()),
        Some("mail_test")
    );
    let (mj_admin, mj_csrf) = t.staff("mj.mail", vec![Role::Admin], "MJ").await;
    assert_eq!(
        t.post_form(
            "/staff/admin/mail",
            &mj_admin,
            &format!("csrf={mj_csrf}&to=a%40b.kz")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // A server that refuses: its answer is shown.
    let t = TestApp::rebuild(t, |a| {
        a.mailer = Some(Arc::new(TestMailer {
            sent: Default::default(),
            refuse: Some("535 authentication failed".into()),
        }));
    });
    let r = t
        .post_form(
            "/staff/admin/mail?lang=ru",
            &root,
            &format!("csrf={csrf}&to=kense%40mj.gov.kz"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(
        r.text
            .contains("Сервер не принял письмо: 535 authentication failed"),
        "{}",
        r.text
    );
    // None configured: said so.
    let t = TestApp::rebuild(t, |a| {
        a.mailer = None;
        a.mail_route = None;
    });
    let page = t.get("/staff/admin/mail?lang=ru", &root).await;
    assert!(
        page.text.contains("Почтовый сервер не настроен"),
        "{}",
        page.text
    );
}

/// A closed body leaves every list of recipients and takes no new appeal; its staff are signed
/// out at once. Closing is refused while it holds open cards, for one's own body, and without
/// the confirmation; reopening lists it again. Branches close and reopen the same way.
#[tokio::test]
async fn admin_closes_bodies_and_branches_and_no_one_can_address_them() {
    let t = TestApp::new().await;
    let (root, csrf) = t.staff_of_no_body("root.closing", vec![Role::Admin]).await;
    let ast = t.second_body().await;
    let (registrar, _) = t.staff("reg.ast", vec![Role::Registrar], "AST").await;
    assert_eq!(
        t.get("/staff/inbox", &registrar).await.status,
        StatusCode::OK
    );

    // The body's page explains closing; without the box ticked nothing happens.
    let page = t.get("/staff/admin/bodies/AST?lang=ru", &root).await;
    assert!(page.text.contains("id=\"closing\""), "{}", page.text);
    let r = t
        .post_form(
            "/staff/admin/bodies/AST/close?lang=ru",
            &root,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text.contains("отметьте «Я понимаю последствия закрытия»"),
        "{}",
        r.text
    );
    assert!(t.app.store.body(ast).await.unwrap().is_open());

    // A body's administrator cannot close their own body, nor one outside their tree.
    let (mj_admin, mj_csrf) = t.staff("mj.closing", vec![Role::Admin], "MJ").await;
    let r = t
        .post_form(
            "/staff/admin/bodies/MJ/close?lang=ru",
            &mj_admin,
            &format!("csrf={mj_csrf}&confirm=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text
            .contains("Нельзя закрыть орган, которым вы управляете."),
        "{}",
        r.text
    );
    let r = t
        .post_form(
            "/staff/admin/bodies/AST/close",
            &mj_admin,
            &format!("csrf={mj_csrf}&confirm=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // Closed: listed as closed in the console, the registrar is signed out and cannot sign
    // back in, and the journal has it.
    let r = t
        .post_form(
            "/staff/admin/bodies/AST/close",
            &root,
            &format!("csrf={csrf}&confirm=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let done = t
        .get(
            &format!("{}&lang=ru", r.headers[header::LOCATION].to_str().unwrap()),
            &root,
        )
        .await;
    assert!(
        done.text.contains("Орган закрыт.") && done.text.contains("id=\"reopen\""),
        "{}",
        done.text
    );
    let list = t.get("/staff/admin/bodies?q=AST&lang=ru", &root).await;
    assert!(
        list.text.contains("class=\"closed\">закрыт "),
        "{}",
        list.text
    );
    assert_ne!(
        t.get("/staff/inbox", &registrar).await.status,
        StatusCode::OK
    );
    let journal = t
        .app
        .store
        .journal_for(&format!("body:{ast}"))
        .await
        .unwrap();
    assert_eq!(
        journal.last().map(|e| e.draft.action.as_str()),
        Some("close_body")
    );

    // No one can address it: not in the public list, the API, the appeal form or a
    // redirect, and an appeal sent to it anyway is refused with the reason.
    let public = t.get("/bodies?lang=ru", "").await;
    assert!(
        public.text.contains("Министерство юстиции") && !public.text.contains("Акимат Астаны"),
        "{}",
        public.text
    );
    let api = t.get("/api/v1/bodies?limit=100", "").await;
    assert!(!api.text.contains("\"AST\""), "{}", api.text);
    let schedule = t.get("/bodies/AST/schedule?lang=ru", "").await;
    assert_eq!(schedule.status, StatusCode::GONE);
    assert!(
        schedule.text.contains("этот государственный орган закрыт"),
        "{}",
        schedule.text
    );
    let (jar, acsrf) = t.applicant("person").await;
    let form = t.get("/cabinet/appeals/new?lang=ru", &jar).await;
    assert!(
        form.text.contains("Министерство юстиции") && !form.text.contains("Акимат Астаны"),
        "{}",
        form.text
    );
    let file = |to: i64, key: &'static str| {
        let to = to.to_string();
        let (jar, acsrf) = (jar.clone(), acsrf.clone());
        let t = &t;
        async move {
            t.post_multipart(
                "/cabinet/appeals?lang=ru",
                &jar,
                &[
                    ("csrf", acsrf.as_str()),
                    ("idempotency_key", key),
                    ("recipient", to.as_str()),
                    ("kind", "statement"),
                    ("postal_address", "Астана"),
                    ("content", "Прошу разъяснить порядок"),
                    ("demo_sign", "1"),
                ],
                &[],
            )
            .await
        }
    };
    let refused = file(ast, "to-closed").await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER);
    assert!(
        refused.text.contains("этот государственный орган закрыт"),
        "{}",
        refused.text
    );
    assert_eq!(
        t.app
            .store
            .inbox(
                ast,
                CardState::ALL,
                otinish_domain::repo::PageRequest::default()
            )
            .await
            .unwrap()
            .total,
        0
    );
    // Nor can a body be created under it or staff added to it.
    let r = t
        .post_form(
            "/staff/admin/bodies?lang=ru",
            &root,
            &format!("csrf={csrf}&code=AST-1&name_kk=A&name_ru=A&parent=AST"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("этот орган закрыт: выберите действующий"),
        "{}",
        r.text
    );

    // Opened again: listed again; its staff stay deactivated until reactivated.
    let r = t
        .post_form(
            "/staff/admin/bodies/AST/reopen",
            &root,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(t
        .get("/api/v1/bodies?limit=100", "")
        .await
        .text
        .contains("\"AST\""));
    let (reg, _) = t.app.store.staff_credentials("reg.ast").await.unwrap();
    assert!(!reg.active);

    // With an open card it cannot close: the page says why and how many.
    let filed = file(ast, "to-open").await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.text);
    let page = t.get("/staff/admin/bodies/AST?lang=ru", &root).await;
    assert!(
        page.text.contains("В нём ещё есть незакрытые карточки: 1."),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            "/staff/admin/bodies/AST/close?lang=ru",
            &root,
            &format!("csrf={csrf}&confirm=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(
        r.text.contains("сначала завершите или перенаправьте их"),
        "{}",
        r.text
    );
    assert!(t.app.store.body(ast).await.unwrap().is_open());

    // A branch: closed, it leaves the public lists; opened again, it is back.
    let branch = t
        .app
        .store
        .create_branch(&otinish_domain::repo::NewBranch {
            code: "AST-9".into(),
            name: Names::new("Астана", "ЦОН Астана", "Astana PSC"),
            region: Names::new("Астана", "Астана", "Astana"),
            address: Names::new("Мәңгілік Ел 8", "Мангилик Ел 8", "Mangilik El 8"),
            vks_equipment: true,
            booths: 1,
            phone: None,
        })
        .await
        .unwrap();
    let code = branch.code.clone();
    let r = t
        .post_form(
            &format!("/staff/admin/branches/{code}/close"),
            &root,
            &format!("csrf={csrf}&confirm=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let api = t.get("/api/v1/branches?limit=100", "").await;
    assert!(!api.text.contains(&format!("\"{code}\"")), "{}", api.text);
    let page = t
        .get(
            &format!("/staff/admin/branches/{code}?closed=1&lang=ru"),
            &root,
        )
        .await;
    assert!(
        page.text.contains("Филиал закрыт.") && page.text.contains("id=\"reopen\""),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            &format!("/staff/admin/branches/{code}/close?lang=ru"),
            &root,
            &format!("csrf={csrf}&confirm=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.text.contains("Уже закрыт."), "{}", r.text);
    let r = t
        .post_form(
            &format!("/staff/admin/branches/{code}/reopen"),
            &root,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(t
        .get("/api/v1/branches?limit=100", "")
        .await
        .text
        .contains(&format!("\"{code}\"")));
    // Branches are the deployment administrator's only.
    let r = t
        .post_form(
            &format!("/staff/admin/branches/{code}/close"),
            &mj_admin,
            &format!("csrf={mj_csrf}&confirm=on"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The deployment's administrator trusts NCA's real root and issuing CA from a file, withdraws
/// a root (signatures under it are refused at once), trusts it again, and cannot withdraw the
/// last root; files that are not a CA's certificates are refused with the reason. A change made
/// on another node is taken at the next reload.
#[tokio::test]
async fn admin_adds_and_withdraws_trust_anchors() {
    let t = TestApp::new().await;
    let (root, csrf) = t.staff_of_no_body("root.anchors", vec![Role::Admin]).await;
    let nca = |name: &str| {
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("../pki/tests/fixtures/kz-gost/prod")
                .join(name),
        )
        .unwrap()
    };
    let upload = |bytes: Vec<u8>, jar: String, csrf: String| {
        let t = &t;
        async move {
            t.post_multipart(
                "/staff/admin/trust?lang=ru",
                &jar,
                &[("csrf", csrf.as_str())],
                &[("file", bytes.as_slice())],
            )
            .await
        }
    };
    // Refused, with the reason, and nothing trusted.
    let r = upload(b"hello".to_vec(), root.clone(), csrf.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("В файле нет сертификата (PEM или DER)."),
        "{}",
        r.text
    );
    let person = t.app.pki.demo_signers[0].key.certificate_der().to_vec();
    let r = upload(person, root.clone(), csrf.clone()).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text.contains("выдан не удостоверяющему центру"),
        "{}",
        r.text
    );
    assert!(t.app.store.trust_anchors().await.unwrap().is_empty());

    // NCA's production root and issuing CA, as NCA publishes them, in one PEM chain.
    let mut chain = nca("root_gost_2022.pem");
    chain.extend(nca("nca_gost_2022.pem"));
    let before = t.app.pki.trust.get().certificates().len();
    let r = upload(chain, root.clone(), csrf.clone()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert_eq!(t.app.pki.trust.get().certificates().len(), before + 2);
    let page = t.get("/staff/admin/trust?added=2&lang=ru", &root).await;
    assert!(
        page.text.contains("Добавлено доверенных сертификатов: 2.")
            && page.text.contains("добавлен на этой странице"),
        "{}",
        page.text
    );
    let journal = t.app.store.journal_after(0, 10_000).await.unwrap();
    assert_eq!(
        journal
            .iter()
            .filter(|e| e.draft.action == "trust_certificate" && e.draft.actor.starts_with("staff:"))
            .count(),
        2
    );

    // The demo applicant's signature verifies under its root; withdrawn, the root vouches
    // for nothing at once; trusted again, it verifies again.
    let signer = &t.app.pki.demo_signers[0].key;
    let now = t.app.clock.now();
    let cms = signer.sign_cms(b"test", true, now).unwrap();
    let v = otinish_pki::verify(&cms, None, &t.app.pki.trust.get(), now).unwrap();
    let anchor = v.chain.last().unwrap().clone();
    let fingerprint = t
        .app
        .pki
        .trust
        .get()
        .certificates()
        .into_iter()
        .find(|(c, _, root)| *root && c.serial == anchor.serial && c.subject == anchor.subject)
        .map(|(_, fp, _)| fp)
        .unwrap();
    let r = t
        .post_form(
            &format!("/staff/admin/trust/{fingerprint}/withdraw"),
            &root,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(otinish_pki::verify(&cms, None, &t.app.pki.trust.get(), now).is_err());
    let page = t.get("/staff/admin/trust?lang=ru", &root).await;
    assert!(
        page.text.contains("id=\"trust-withdrawn\"")
            && page.text.contains(&format!("id=\"restore-{fingerprint}\"")),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            &format!("/staff/admin/trust/{fingerprint}/restore"),
            &root,
            &format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(otinish_pki::verify(&cms, None, &t.app.pki.trust.get(), now).is_ok());

    // Every root withdrawn but one: the last one stays, and the page says why.
    let roots: Vec<String> = t
        .app
        .pki
        .trust
        .get()
        .certificates()
        .into_iter()
        .filter(|(_, _, root)| *root)
        .map(|(_, fp, _)| fp)
        .collect();
    assert!(roots.len() >= 2, "{roots:?}");
    for (i, fp) in roots.iter().enumerate() {
        let r = t
            .post_form(
                &format!("/staff/admin/trust/{fp}/withdraw?lang=ru"),
                &root,
                &format!("csrf={csrf}"),
            )
            .await;
        if i + 1 < roots.len() {
            assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
        } else {
            assert_eq!(r.status, StatusCode::CONFLICT);
            assert!(
                r.text
                    .contains("Это последний доверенный корневой сертификат"),
                "{}",
                r.text
            );
        }
    }
    for fp in &roots[..roots.len() - 1] {
        t.app
            .store
            .set_trust_anchor(
                &otinish_domain::repo::TrustAnchorRecord {
                    fingerprint: fp.clone(),
                    der: None,
                    subject: String::new(),
                    trusted: true,
                    changed_at: now,
                    changed_by: "another node".into(),
                },
                JournalDraft::new(now, "test", "", "trust_certificate"),
            )
            .await
            .unwrap();
    }
    // Made on "another node": in force here after the reload.
    assert!(otinish_pki::verify(&cms, None, &t.app.pki.trust.get(), now).is_err());
    t.app.reload_trust().await.unwrap();
    assert!(otinish_pki::verify(&cms, None, &t.app.pki.trust.get(), now).is_ok());

    // A body's administrator has no part in it.
    let (mj_admin, mj_csrf) = t.staff("mj.anchors", vec![Role::Admin], "MJ").await;
    let r = upload(nca("root_gost_2022.cer"), mj_admin.clone(), mj_csrf.clone()).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = t
        .post_form(
            &format!("/staff/admin/trust/{fingerprint}/withdraw"),
            &mj_admin,
            &format!("csrf={mj_csrf}"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The console's JSON API: a staff member signs in with their own key and gets a bearer token
/// (the cookie is never taken); the body's administrator lists, creates, edits and closes
/// bodies within their tree, imports a register (checked, then whole or nothing), adds and
/// deactivates staff — each refusal in the error envelope with its reason; a registrar gets
/// 403; signing out ends the token.
#[tokio::test]
async fn console_json_api_with_a_key_signed_bearer_token() {
    use base64::Engine;
    use serde_json::json;
    let t = TestApp::new().await;
    t.second_body().await;
    let (cookie_jar, _) = t.staff("mj.api", vec![Role::Admin], "MJ").await;
    let (r, e) = t
        .json("GET", "/api/v1/admin/bodies?lang=ru", &[], json!(null))
        .await;
    assert_eq!(
        (r, e["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("unauthorized"))
    );
    assert!(e["error"]["message"]
        .as_str()
        .unwrap()
        .contains("POST /api/v1/staff/challenge"));
    let (r, _) = t
        .json(
            "GET",
            "/api/v1/admin/bodies",
            &[("cookie", cookie_jar.as_str())],
            json!(null),
        )
        .await;
    assert_eq!(
        r,
        StatusCode::UNAUTHORIZED,
        "the session cookie opens no API"
    );

    // Sign-in: the challenge signed with the administrator's own key.
    let mj = t.app.store.body_by_code("MJ").await.unwrap();
    let admin = t.app.store.staff_credentials("mj.api").await.unwrap().0;
    let key = t.app.demo_staff_key(&admin, &mj).unwrap();
    let sign_in = |key: otinish_pki::sign::SigningKey| {
        let t = &t;
        async move {
            let (_, c) = t
                .json("POST", "/api/v1/staff/challenge", &[], json!({}))
                .await;
            let challenge = c["challenge"].as_str().unwrap().to_owned();
            let cms = key
                .sign_cms(challenge.as_bytes(), true, t.app.clock.now())
                .unwrap();
            t.json(
                "POST",
                "/api/v1/staff/signin",
                &[],
                json!({"challenge": challenge, "signature": base64::engine::general_purpose::STANDARD.encode(cms)}),
            )
            .await
        }
    };
    let (r, s) = sign_in(key).await;
    assert_eq!(r, StatusCode::OK, "{s}");
    assert_eq!(s["staff"]["login"], "mj.api");
    let bearer = format!("Bearer {}", s["token"].as_str().unwrap());
    let auth = [("authorization", bearer.as_str())];
    let call = |method: &'static str, uri: &'static str, body: serde_json::Value| {
        let t = &t;
        async move { t.json(method, uri, &auth, body).await }
    };

    // Their tree only.
    let (r, list) = call("GET", "/api/v1/admin/bodies", json!(null)).await;
    assert_eq!(r, StatusCode::OK);
    let codes: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["code"].as_str().unwrap())
        .collect();
    assert!(
        codes.contains(&"MJ") && !codes.contains(&"AST"),
        "{codes:?}"
    );

    // Created under MJ; every problem named by its field first.
    let (r, e) = call(
        "POST",
        "/api/v1/admin/bodies?lang=ru",
        json!({"code": "MJ-API", "name_kk": "", "name_ru": "Департамент", "bin": "123", "parent": "MJ"}),
    )
    .await;
    assert_eq!(r, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name_kk", "bin"]);
    let (r, b) = call(
        "POST",
        "/api/v1/admin/bodies",
        json!({"code": "MJ-API", "name_kk": "Департамент", "name_ru": "Департамент", "bin": "940140000385",
               "parent": "MJ", "competence": ["notary"], "vks": true}),
    )
    .await;
    assert_eq!(r, StatusCode::CREATED, "{b}");
    assert_eq!(
        (b["parent"].as_str(), b["vks"].as_bool()),
        (Some("MJ"), Some(true))
    );
    let (r, b) = call(
        "PUT",
        "/api/v1/admin/bodies/MJ-API",
        json!({"name_kk": "Департамент 2", "name_ru": "Департамент 2", "bin": "940140000385", "parent": "MJ"}),
    )
    .await;
    assert_eq!(
        (r, b["name_ru"].as_str()),
        (StatusCode::OK, Some("Департамент 2"))
    );
    let created = t.app.store.body_by_code("MJ-API").await.unwrap();
    let journal = t
        .app
        .store
        .journal_for(&format!("body:{}", created.id))
        .await
        .unwrap();
    assert_eq!(
        journal
            .iter()
            .map(|e| (e.draft.action.as_str(), e.draft.actor.clone()))
            .collect::<Vec<_>>(),
        [
            ("create_body", format!("staff:{}", admin.id)),
            ("edit_body", format!("staff:{}", admin.id))
        ]
    );

    // An import: checked line by line, then written whole or not at all.
    let import = |uri: &'static str, csv: &'static str| {
        let t = &t;
        let bearer = bearer.clone();
        async move {
            let req = Request::post(uri)
                .header(header::AUTHORIZATION, bearer)
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(csv))
                .unwrap();
            let r = reply(
                t.router
                    .clone()
                    .oneshot(req)
                    .await
                    .unwrap_or_else(|e| match e {}),
            )
            .await;
            (
                r.status,
                serde_json::from_str::<serde_json::Value>(&r.text).unwrap_or_default(),
            )
        }
    };
    let bad = "bin;name_kk;name_ru;parent_bin\n000740001508;Бөлім;Отдел;940140000385\n123;Б;Б;940140000385\n";
    let (r, plan) = import("/api/v1/admin/import/bodies?lang=ru", bad).await;
    assert_eq!(r, StatusCode::OK);
    assert_eq!(
        (plan["rows"].as_u64(), plan["applied"].as_bool()),
        (Some(0), Some(false))
    );
    assert_eq!(plan["problems"][0]["line"], 3);
    assert_eq!(plan["problems"][0]["column"], "bin");
    let (r, plan) = import("/api/v1/admin/import/bodies?apply=true", bad).await;
    assert_eq!(
        (r, plan["applied"].as_bool()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some(false))
    );
    assert!(
        t.app.store.body_by_code("000740001508").await.is_err(),
        "nothing written"
    );
    let good = "bin;name_kk;name_ru;parent_bin\n000740001508;Бөлім;Отдел;940140000385\n";
    let (r, done) = import("/api/v1/admin/import/bodies?apply=true", good).await;
    assert_eq!(
        (r, done["rows"].as_u64(), done["applied"].as_bool()),
        (StatusCode::OK, Some(1), Some(true))
    );
    let (r, _) = import("/api/v1/admin/import/nothing", good).await;
    assert_eq!(r, StatusCode::NOT_FOUND);

    // Staff: added by IIN, listed, deactivated; not the administrator themselves.
    let (r, s) = call(
        "POST",
        "/api/v1/admin/staff",
        json!({"iin": "881105300560", "full_name": "Ерлан Жанболатов", "body": "MJ-API", "roles": ["registrar"], "lang": "kk"}),
    )
    .await;
    assert_eq!(r, StatusCode::CREATED, "{s}");
    assert_eq!(
        (s["body"].as_str(), s["roles"][0].as_str()),
        (Some("MJ-API"), Some("registrar"))
    );
    let id = s["id"].as_i64().unwrap();
    let (_, l) = call("GET", "/api/v1/admin/staff?q=881105", json!(null)).await;
    assert_eq!(l["items"].as_array().map(Vec::len), Some(1));
    let uri: &'static str =
        Box::leak(format!("/api/v1/admin/staff/{id}/deactivate").into_boxed_str());
    let (r, s) = call("POST", uri, json!(null)).await;
    assert_eq!((r, s["active"].as_bool()), (StatusCode::OK, Some(false)));
    let uri: &'static str =
        Box::leak(format!("/api/v1/admin/staff/{}/deactivate?lang=ru", admin.id).into_boxed_str());
    let (r, e) = call("POST", uri, json!(null)).await;
    assert_eq!(
        (r, e["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("admin_not_yourself"))
    );

    // Closing: the new body closes; their own body does not, and says why.
    let (r, b) = call(
        "POST",
        "/api/v1/admin/bodies/000740001508/close",
        json!(null),
    )
    .await;
    assert_eq!(r, StatusCode::OK, "{b}");
    assert!(b["closed_at"].is_string());
    let (r, e) = call("POST", "/api/v1/admin/bodies/MJ/close?lang=ru", json!(null)).await;
    assert_eq!(r, StatusCode::CONFLICT);
    assert_eq!(e["error"]["code"], "admin_close_own_body");
    assert_eq!(
        e["error"]["message"],
        "Нельзя закрыть орган, которым вы управляете."
    );
    // Branches are the deployment administrator's.
    let (r, _) = call("GET", "/api/v1/admin/branches", json!(null)).await;
    assert_eq!(r, StatusCode::FORBIDDEN);

    // A registrar's token opens nothing here.
    let (_, _) = t.staff("reg.api", vec![Role::Registrar], "MJ").await;
    let reg = t.app.store.staff_credentials("reg.api").await.unwrap().0;
    let (r, s) = sign_in(t.app.demo_staff_key(&reg, &mj).unwrap()).await;
    assert_eq!(r, StatusCode::OK, "{s}");
    let reg_bearer = format!("Bearer {}", s["token"].as_str().unwrap());
    let (r, e) = t
        .json(
            "GET",
            "/api/v1/admin/bodies",
            &[("authorization", reg_bearer.as_str())],
            json!(null),
        )
        .await;
    assert_eq!(
        (r, e["error"]["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("forbidden"))
    );

    // A signature that is not a signature: refused, no token.
    let (r, e) = t
        .json(
            "POST",
            "/api/v1/staff/signin",
            &[],
            json!({"challenge": "x", "signature": "AAAA"}),
        )
        .await;
    assert_eq!(
        (r, e["error"]["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("sign_in_refused"))
    );

    // The OpenAPI document describes the staff API.
    let (_, doc) = t
        .json("GET", "/api/v1/openapi.json", &[], json!(null))
        .await;
    assert!(doc["paths"]["/api/v1/admin/import/{kind}"]["post"].is_object());
    assert!(doc["paths"]["/api/v1/staff/signin"]["post"].is_object());

    // Signed out: the token is worthless.
    let (r, _) = call("POST", "/api/v1/staff/signout", json!(null)).await;
    assert_eq!(r, StatusCode::NO_CONTENT);
    let (r, _) = call("GET", "/api/v1/admin/bodies", json!(null)).await;
    assert_eq!(r, StatusCode::UNAUTHORIZED);
}

/// A stand-in SMS gateway on loopback: it keeps each request (its Authorization header and
/// JSON body) and answers with the status it is told to.
async fn sms_gateway(
    status: u16,
) -> (
    String,
    Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>>,
) {
    use axum::routing::post;
    let seen: Arc<std::sync::Mutex<Vec<(String, serde_json::Value)>>> = Arc::default();
    let keep = seen.clone();
    let router = axum::Router::new().route(
        "/send",
        post(move |headers: axum::http::HeaderMap, body: String| {
            let keep = keep.clone();
            async move {
                let auth = headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_owned();
                keep.lock()
                    .unwrap()
                    .push((auth, serde_json::from_str(&body).unwrap_or_default()));
                (StatusCode::from_u16(status).unwrap(), "busy")
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, router).await });
    (format!("http://{addr}/send?key=s3cret"), seen)
}

/// GEN-07 by SMS: text notices go out through the HTTP gateway (JSON, bearer token) and the
/// administrator checks the gateway with a test message, its answer shown; a refusal is shown
/// with the gateway's reason, and a gateway's key in its URL is never shown.
#[tokio::test]
async fn gen_07_text_notices_go_out_through_the_sms_gateway() {
    use otinish_domain::notice::{NewNotice, NoticeChannel, NoticeKind};
    let (url, seen) = sms_gateway(200).await;
    let gateway =
        Arc::new(otinish_web::notify::HttpSmsGateway::new(&url, Some("tok-1".into())).unwrap());
    let t = TestApp::rebuild(TestApp::new().await, |a| {
        a.sms = Some(gateway.clone());
        a.sms_route = Some(otinish_web::admin_mail::without_credentials(&url));
    });
    let (root, csrf) = t.staff_of_no_body("root.sms", vec![Role::Admin]).await;
    let page = t.get("/staff/admin/mail?lang=ru", &root).await;
    assert!(
        page.text.contains("id=\"sms-route\"") && !page.text.contains("s3cret"),
        "{}",
        page.text
    );
    let r = t
        .post_form(
            "/staff/admin/sms?lang=ru",
            &root,
            &format!("csrf={csrf}&phone=abc"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("Это не номер телефона"), "{}", r.text);
    let r = t
        .post_form(
            "/staff/admin/sms?lang=ru",
            &root,
            &format!("csrf={csrf}&phone=%2B77011234567"),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(
        r.text.contains("Шлюз принял сообщение для +77011234567"),
        "{}",
        r.text
    );
    {
        let got = seen.lock().unwrap();
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].0, "Bearer tok-1");
        assert_eq!(got[0].1["to"], "+77011234567");
        assert!(got[0].1["text"]
            .as_str()
            .unwrap()
            .starts_with("Өтініш: проверочное сообщение"));
    }

    // A text notice of a card goes out through the gateway, once.
    let now = t.app.clock.now();
    let applicant = t
        .app
        .store
        .upsert_applicant(&otinish_domain::model::Applicant::Individual {
            iin: otinish_domain::ids::Iin::parse("791028302728").unwrap(),
            surname: "Ахметова".into(),
            name: "Жанар".into(),
            patronymic: None,
            email: None,
            phone: None,
            address: "Астана".into(),
            lang: Lang::Kk,
        })
        .await
        .unwrap();
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id;
    let card = t
        .app
        .store
        .create_card(
            &NewCard {
                body_id: mj,
                channel: Channel::Paper,
                kind: AppealKind::Statement,
                applicant_id: Some(applicant),
                addressee: None,
                summary: "Прошу разъяснить".into(),
                received_at: now,
                rulebook_id: "APPC-2021".into(),
                collective: false,
            },
            &[],
            JournalDraft::new(now, "test", "", "receive"),
        )
        .await
        .unwrap();
    let notice = move |_: &otinish_domain::model::RegNumber| {
        vec![NewNotice {
            card_id: card.id,
            applicant_id: applicant,
            kind: NoticeKind::Registered,
            channel: NoticeChannel::Sms,
            address: Some("+77011234567".into()),
            lang: Lang::Kk,
            subject: "Өтінішіңіз тіркелді".into(),
            body: "Тіркеу нөмірі MJ-1".into(),
        }]
    };
    t.app
        .store
        .register_card(
            card.id,
            CardState::Received,
            2026,
            now,
            None,
            &[],
            &notice,
            JournalDraft::new(now, "test", "", "register"),
        )
        .await
        .unwrap();
    let round = run_jobs(&t.app, None, 10).await;
    assert_eq!(round.done, 1, "{round:?}");
    {
        let got = seen.lock().unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1["text"], "Өтінішіңіз тіркелді\nТіркеу нөмірі MJ-1");
        assert!(got[1].1["id"]
            .as_str()
            .unwrap()
            .starts_with("otinish-notice-"));
    }
    let sent = t.app.store.notices_of_card(card.id).await.unwrap();
    assert!(sent.iter().all(|n| n.delivered_at.is_some()), "{sent:?}");

    // A gateway that refuses: the reason is shown, and the notice waits with it.
    let (busy_url, _) = sms_gateway(503).await;
    let busy = Arc::new(otinish_web::notify::HttpSmsGateway::new(&busy_url, None).unwrap());
    let t = TestApp::rebuild(t, |a| a.sms = Some(busy.clone()));
    let r = t
        .post_form(
            "/staff/admin/sms?lang=ru",
            &root,
            &format!("csrf={csrf}&phone=%2B77011234567"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_GATEWAY);
    assert!(
        r.text
            .contains("Шлюз не принял сообщение: шлюз ответил 503: busy")
            && r.text.contains("busy")
            && !r.text.contains("s3cret"),
        "{}",
        r.text
    );
    // No gateway: said so, nothing sent.
    let t = TestApp::rebuild(t, |a| {
        a.sms = None;
        a.sms_route = None;
    });
    let page = t.get("/staff/admin/mail?lang=ru", &root).await;
    assert!(page.text.contains("SMS-шлюз не настроен"), "{}", page.text);
    // Only the deployment's administrator.
    let (mj_admin, mj_csrf) = t.staff("mj.sms", vec![Role::Admin], "MJ").await;
    let r = t
        .post_form(
            "/staff/admin/sms",
            &mj_admin,
            &format!("csrf={mj_csrf}&phone=%2B77011234567"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The deployment administrator's part of the console's JSON API: a calendar change previewed
/// (the open card's term that moves) and applied, an announcement published and withdrawn, the
/// trust store read, a certificate added and withdrawn, and a dead notice sent again.
#[tokio::test]
async fn console_json_api_for_the_deployment_administrator() {
    use base64::Engine;
    use serde_json::json;
    let t = TestApp::new().await;
    let (root_jar, _) = t.staff_of_no_body("root.api", vec![Role::Admin]).await;
    // Any staff session's token is a bearer token of the API (signing in through the API by
    // key is `console_json_api_with_a_key_signed_bearer_token`); here the administrator's.
    let token = root_jar
        .split("; ")
        .find_map(|c| c.strip_prefix("otinish_session="))
        .unwrap()
        .to_owned();
    let bearer = format!("Bearer {token}");
    let auth = [("authorization", bearer.as_str())];

    // An open card with an answer term, filed through the portal.
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let filed = t
        .post_multipart(
            "/cabinet/appeals",
            &jar,
            &[
                ("csrf", csrf.as_str()),
                ("idempotency_key", "api-cal"),
                ("recipient", mj.as_str()),
                ("kind", "statement"),
                ("postal_address", "Астана"),
                ("email", "aigerim@example.kz"),
                ("content", "Прошу разъяснить"),
                ("demo_sign", "1"),
            ],
            &[],
        )
        .await;
    let card = card_id_of(&filed);
    let answer = t
        .app
        .store
        .deadlines(card)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.key == "answer")
        .unwrap();
    let due = answer.due_on.to_string();

    // The calendar: the due day made a day off moves the term, first shown, then done.
    let (r, e) = t
        .json(
            "POST",
            "/api/v1/admin/calendar/preview?lang=ru",
            &auth,
            json!({"date": "31.12.2026", "kind": "holiday"}),
        )
        .await;
    assert_eq!(r, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = e["error"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["date", "kind"]);
    let change = json!({"date": due, "kind": "off", "reason": "Постановление № 1 от 01.01.2026"});
    let (r, p) = t
        .json(
            "POST",
            "/api/v1/admin/calendar/preview",
            &auth,
            change.clone(),
        )
        .await;
    assert_eq!(r, StatusCode::OK, "{p}");
    let mv = p["moves"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["card_id"] == card)
        .unwrap_or_else(|| panic!("{p}"));
    assert_eq!(mv["old_due"], due);
    assert_ne!(mv["new_due"], due);
    assert_eq!(
        t.app
            .store
            .deadlines(card)
            .await
            .unwrap()
            .iter()
            .find(|d| d.key == "answer")
            .unwrap()
            .due_on,
        answer.due_on,
        "a preview changes nothing"
    );
    let (r, a) = t
        .json("POST", "/api/v1/admin/calendar/apply", &auth, change)
        .await;
    assert_eq!(
        (r, a["applied"].as_bool()),
        (StatusCode::OK, Some(true)),
        "{a}"
    );
    let moved = t
        .app
        .store
        .deadlines(card)
        .await
        .unwrap()
        .into_iter()
        .find(|d| d.key == "answer")
        .unwrap();
    assert_eq!(moved.due_on.to_string(), mv["new_due"].as_str().unwrap());

    // Announcements.
    let now = t.app.clock.now();
    let (r, c) = t
        .json(
            "POST",
            "/api/v1/admin/announcements",
            &auth,
            json!({"ends_at": (now + chrono::Duration::hours(2)).to_rfc3339(),
                   "kk": "Жұмыс уақытша тоқтайды", "ru": "Плановые работы"}),
        )
        .await;
    assert_eq!(r, StatusCode::CREATED, "{c}");
    let (_, l) = t
        .json("GET", "/api/v1/admin/announcements", &auth, json!(null))
        .await;
    assert_eq!(l["items"][0]["ru"], "Плановые работы");
    let id = c["id"].as_i64().unwrap();
    let (r, _) = t
        .json(
            "POST",
            &format!("/api/v1/admin/announcements/{id}/withdraw"),
            &auth,
            json!(null),
        )
        .await;
    assert_eq!(r, StatusCode::NO_CONTENT);
    let (r, e) = t
        .json(
            "POST",
            "/api/v1/admin/announcements",
            &auth,
            json!({"kk": "А", "ru": "Б"}),
        )
        .await;
    assert_eq!(r, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(e["error"]["fields"][0]["field"], "ends_at");

    // Trust: NCA's root added as its file, listed as added here, then withdrawn.
    let root_cer = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../pki/tests/fixtures/kz-gost/prod/root_gost_2022.cer"),
    )
    .unwrap();
    let req = Request::post("/api/v1/admin/trust")
        .header(header::AUTHORIZATION, bearer.as_str())
        .header(header::CONTENT_TYPE, "application/octet-stream")
        .body(Body::from(root_cer))
        .unwrap();
    let r = reply(
        t.router
            .clone()
            .oneshot(req)
            .await
            .unwrap_or_else(|e| match e {}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let fp = serde_json::from_str::<serde_json::Value>(&r.text).unwrap()["fingerprints"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, tr) = t
        .json("GET", "/api/v1/admin/trust", &auth, json!(null))
        .await;
    assert!(tr["certificates"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["fingerprint"] == fp.as_str() && c["added_here"] == true));
    let (r, _) = t
        .json(
            "POST",
            &format!("/api/v1/admin/trust/{fp}/withdraw"),
            &auth,
            json!(null),
        )
        .await;
    assert_eq!(r, StatusCode::NO_CONTENT);
    let (_, tr) = t
        .json("GET", "/api/v1/admin/trust", &auth, json!(null))
        .await;
    assert_eq!(tr["withdrawn"][0], fp.as_str());
    let garbage = Request::post("/api/v1/admin/trust?lang=ru")
        .header(header::AUTHORIZATION, bearer.as_str())
        .body(Body::from(
            base64::engine::general_purpose::STANDARD.encode("nope"),
        ))
        .unwrap();
    let r = reply(
        t.router
            .clone()
            .oneshot(garbage)
            .await
            .unwrap_or_else(|e| match e {}),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text.contains("В файле нет сертификата"), "{}", r.text);

    // A notice given up for good: listed masked, sent again.
    let email = give_up_notice(
        &t.app,
        now + chrono::Duration::minutes(1),
        "aigerim@example.kz",
        "550 <aigerim@example.kz>: no such user",
    )
    .await;
    let (r, d) = t
        .json("GET", "/api/v1/admin/notices/dead", &auth, json!(null))
        .await;
    assert_eq!(r, StatusCode::OK);
    assert_eq!(d["items"][0]["address"], "a***@example.kz");
    assert!(!d.to_string().contains("aigerim@"), "{d}");
    // The same, as a background job: counted, listed dead with its notice, reason masked.
    let (r, jobs) = t
        .json("GET", "/api/v1/admin/jobs", &auth, json!(null))
        .await;
    assert_eq!(r, StatusCode::OK);
    assert_eq!(jobs["dead_total"], 1, "{jobs}");
    assert_eq!(jobs["dead"][0]["kind"], "notice");
    assert_eq!(jobs["dead"][0]["notice_id"], d["items"][0]["id"]);
    assert_eq!(
        jobs["dead"][0]["reason"],
        "550 <a***@example.kz>: no such user"
    );
    assert!(jobs["counts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["state"] == "dead" && c["count"] == 1));
    let (r, _) = t
        .json(
            "POST",
            &format!("/api/v1/admin/notices/{}/retry", email.id),
            &auth,
            json!(null),
        )
        .await;
    assert_eq!(r, StatusCode::NO_CONTENT);
    let (_, d) = t
        .json("GET", "/api/v1/admin/notices/dead", &auth, json!(null))
        .await;
    assert_eq!(d["total"], 0);

    // A body's administrator: none of it is theirs.
    let (mj_jar, _) = t.staff("mj.api2", vec![Role::Admin], "MJ").await;
    let mj_bearer = format!(
        "Bearer {}",
        mj_jar
            .split("; ")
            .find_map(|c| c.strip_prefix("otinish_session="))
            .unwrap()
    );
    for (m, uri) in [
        ("GET", "/api/v1/admin/trust"),
        ("GET", "/api/v1/admin/announcements"),
        ("GET", "/api/v1/admin/notices/dead"),
    ] {
        let (r, _) = t
            .json(
                m,
                uri,
                &[("authorization", mj_bearer.as_str())],
                json!(null),
            )
            .await;
        assert_eq!(r, StatusCode::FORBIDDEN, "{uri}");
    }
}

/// Files one appeal of the signed-in applicant `jar` to the Ministry, with a file if given.
async fn file_one(t: &TestApp, jar: &str, csrf: &str, key: &str, pdf: Option<&[u8]>) -> Reply {
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let files: Vec<(&str, &[u8])> = pdf.map(|p| vec![("scan.pdf", p)]).unwrap_or_default();
    // Each appeal says something of its own: the same signed text again is the first appeal.
    let content = format!("Прошу разъяснить ({key})");
    t.post_multipart(
        "/cabinet/appeals?lang=ru",
        jar,
        &[
            ("csrf", csrf),
            ("idempotency_key", key),
            ("recipient", mj.as_str()),
            ("kind", "statement"),
            ("postal_address", "Астана"),
            ("content", content.as_str()),
            ("demo_sign", "1"),
        ],
        &files,
    )
    .await
}

/// The limits hold under concurrency: 60 appeals of one applicant sent at once against a limit
/// of 30 an hour file exactly 30 (the rest are told why); 14 appeals with a 10 KB file sent at
/// once against 50 KB of space left never store more than the space. The counts are taken in
/// the transaction that stores the appeal.
async fn limits_hold_under_concurrency(t: TestApp, quota: TestApp) {
    let t = TestApp::rebuild(t, |a| a.limits.appeals_per_hour = 30);
    let (jar, csrf) = t.applicant("person").await;
    let keys: Vec<String> = (0..60).map(|i| format!("rush-{i}")).collect();
    let sent: Vec<StatusCode> =
        futures_util::future::join_all(keys.iter().map(|k| file_one(&t, &jar, &csrf, k, None)))
            .await
            .into_iter()
            .map(|r| r.status)
            .collect();
    let filed = sent.iter().filter(|s| **s == StatusCode::SEE_OTHER).count();
    let refused = sent
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((filed, refused), (30, 30), "{sent:?}");
    let (person, _) = t
        .app
        .store
        .applicant_by_tax_id("791028302728")
        .await
        .unwrap();
    let stored = t
        .app
        .store
        .appeals_of_applicant(person, otinish_domain::repo::PageRequest::default())
        .await
        .unwrap()
        .total;
    assert_eq!(stored, 30);

    // The space: one appeal filed first, then the quota set 50 KB above what it holds.
    let (jar, csrf) = quota.applicant("person").await;
    let first = file_one(&quota, &jar, &csrf, "space-first", None).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.text);
    let (person, _) = quota
        .app
        .store
        .applicant_by_tax_id("791028302728")
        .await
        .unwrap();
    let held = u64::try_from(
        quota
            .app
            .store
            .applicant_storage_used(person)
            .await
            .unwrap(),
    )
    .unwrap();
    let t = TestApp::rebuild(quota, |a| {
        a.limits.appeals_per_hour = 0;
        a.limits.storage_quota_bytes = held + 50 * 1024;
    });
    let pdfs: Vec<Vec<u8>> = (0..14)
        .map(|i| {
            let mut p = format!("%PDF-1.4\n% {i}\n").into_bytes();
            p.resize(10 * 1024, b' ');
            p
        })
        .collect();
    let keys: Vec<String> = (0..14).map(|i| format!("space-{i}")).collect();
    let sent: Vec<Reply> = futures_util::future::join_all(
        keys.iter()
            .zip(&pdfs)
            .map(|(k, p)| file_one(&t, &jar, &csrf, k, Some(p.as_slice()))),
    )
    .await;
    let statuses: Vec<StatusCode> = sent.iter().map(|r| r.status).collect();
    let filed = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    // Each takes its 10 KB file and its signed text: four fit in 50 KB, a fifth does not.
    assert_eq!(filed, 4, "{statuses:?}");
    for r in sent.iter().filter(|r| r.status != StatusCode::SEE_OTHER) {
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.text.contains("Место в личном кабинете закончилось"),
            "{}",
            r.text
        );
    }
    let used = u64::try_from(t.app.store.applicant_storage_used(person).await.unwrap()).unwrap();
    assert!(
        used <= held + 50 * 1024,
        "{used} bytes stored of {}",
        held + 50 * 1024
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appeal_limits_hold_under_concurrency_sqlite() {
    limits_hold_under_concurrency(TestApp::new().await, TestApp::new().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appeal_limits_hold_under_concurrency_postgres() {
    let Some((t, db)) = TestApp::on_postgres("appeal_limits_hold_under_concurrency").await else {
        return;
    };
    let Some((quota, db2)) = TestApp::on_postgres("appeal_limits_hold_under_concurrency").await
    else {
        return;
    };
    limits_hold_under_concurrency(t, quota).await;
    db.drop_it().await;
    db2.drop_it().await;
}

/// A database that does not answer is an outage (503), never a 4xx: a signed-in staff member
/// or applicant is not sent to the sign-in page, and a bearer token of the applicant's or the staff's API
/// is not called unknown, and a booth link is not called ended.
#[tokio::test]
async fn a_database_outage_is_never_answered_as_the_callers_fault() {
    use base64::Engine;
    let Some((t, db)) =
        TestApp::on_postgres("a_database_outage_is_never_answered_as_the_callers_fault").await
    else {
        return;
    };
    let (staff, _) = t.staff("reg.outage", vec![Role::Registrar], "MJ").await;
    let (root, _) = t.staff_of_no_body("root.outage", vec![Role::Admin]).await;
    let staff_bearer = format!(
        "Bearer {}",
        root.split("; ")
            .find_map(|c| c.strip_prefix("otinish_session="))
            .unwrap()
    );
    let key = &t
        .app
        .pki
        .demo_signers
        .iter()
        .find(|s| s.slug == "person")
        .unwrap()
        .key;
    let (_, c) = t
        .json("POST", "/api/v1/auth/challenge", &[], serde_json::json!({}))
        .await;
    let challenge = c["challenge"].as_str().unwrap().to_owned();
    let cms = key
        .sign_cms(challenge.as_bytes(), true, t.app.clock.now())
        .unwrap();
    let (r, s) = t
        .json(
            "POST",
            "/api/v1/auth/signin",
            &[],
            serde_json::json!({"challenge": challenge,
                "signature": base64::engine::general_purpose::STANDARD.encode(cms)}),
        )
        .await;
    assert_eq!(r, StatusCode::OK, "{s}");
    let applicant_bearer = format!("Bearer {}", s["token"].as_str().unwrap());
    let (cabinet, _) = t.applicant("person").await;
    assert_eq!(t.get("/staff/inbox", &staff).await.status, StatusCode::OK);
    assert_eq!(t.get("/cabinet", &cabinet).await.status, StatusCode::OK);
    // A booth link nobody opened is an ended session while the database answers.
    let booth = format!("/booth/{}", "ab".repeat(32));
    assert_eq!(t.get(&booth, "").await.status, StatusCode::GONE);

    // The database goes away.
    db.store.pool().close().await;
    for (uri, jar) in [
        ("/staff/inbox", &staff),
        ("/cabinet", &cabinet),
        (booth.as_str(), &String::new()),
    ] {
        let page = t.get(uri, jar).await;
        assert_eq!(
            page.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}: {:?}",
            page.headers
        );
    }
    let (r, e) = t
        .json(
            "GET",
            "/api/v1/appeals",
            &[("authorization", applicant_bearer.as_str())],
            serde_json::Value::Null,
        )
        .await;
    assert!(r.is_server_error(), "{r} {e}");
    let (r, e) = t
        .json(
            "GET",
            "/api/v1/admin/bodies",
            &[("authorization", staff_bearer.as_str())],
            serde_json::Value::Null,
        )
        .await;
    assert!(r.is_server_error(), "{r} {e}");
    db.drop_it().await;
}

/// Personal-data pages, API answers and downloads are never kept by a browser or a proxy
/// (`Cache-Control: no-store`); only the stylesheet and scripts may be cached.
#[tokio::test]
async fn personal_data_is_never_cached() {
    let t = TestApp::new().await;
    let (staff, _) = t.staff("reg.cache", vec![Role::Registrar], "MJ").await;
    let (jar, _) = t.applicant("person").await;
    let cc = |r: &Reply| {
        r.headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    for (uri, cookies) in [
        ("/staff/inbox", staff.as_str()),
        ("/cabinet", jar.as_str()),
        ("/api/v1/bodies", ""),
        ("/staff/login", ""),
    ] {
        let r = t.get(uri, cookies).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
        assert_eq!(cc(&r), "no-store", "{uri}");
    }
    let css = t.get("/static/style.css", "").await;
    assert!(cc(&css).starts_with("public"), "{}", cc(&css));
}

/// The CSRF token is the session's own: a token planted in the browser (a sibling site can set
/// a cookie) passes neither for staff nor for an applicant, even sent in the form as well;
/// the session's token does.
#[tokio::test]
async fn a_planted_csrf_token_passes_for_no_session() {
    let t = TestApp::new().await;
    let planted = "ab".repeat(32);
    let (staff, csrf) = t.staff("reg.planted", vec![Role::Registrar], "MJ").await;
    let session = staff
        .split("; ")
        .find(|c| c.starts_with("otinish_session="))
        .unwrap();
    let r = t
        .post_form(
            "/staff/sessions",
            &format!("otinish_csrf={planted}; {session}"),
            &format!("csrf={planted}&all=1"),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    // The page puts the session's token in its forms and the cookie back in step.
    let page = t
        .get(
            "/staff/sessions",
            &format!("otinish_csrf={planted}; {session}"),
        )
        .await;
    assert!(
        page.text.contains(&format!("value=\"{csrf}\"")),
        "{}",
        page.text
    );
    assert_eq!(page.cookie("otinish_csrf").as_deref(), Some(csrf.as_str()));

    let (jar, acsrf) = t.applicant("person").await;
    let applicant = jar
        .split("; ")
        .find(|c| c.starts_with("otinish_applicant="))
        .unwrap();
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let fields = |csrf: &str| {
        vec![
            ("csrf".to_owned(), csrf.to_owned()),
            ("idempotency_key".to_owned(), format!("planted-{csrf}")),
            ("recipient".to_owned(), mj.clone()),
            ("kind".to_owned(), "statement".to_owned()),
            ("postal_address".to_owned(), "Астана".to_owned()),
            ("content".to_owned(), "Прошу разъяснить".to_owned()),
            ("demo_sign".to_owned(), "1".to_owned()),
        ]
    };
    let send = |cookies: String, csrf: String| {
        let t = &t;
        let f = fields(&csrf);
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            t.post_multipart("/cabinet/appeals", &cookies, &f, &[])
                .await
                .status
        }
    };
    assert_eq!(
        send(
            format!("otinish_csrf={planted}; {applicant}"),
            planted.clone()
        )
        .await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        send(
            format!("otinish_csrf={planted}; {applicant}"),
            acsrf.clone()
        )
        .await,
        StatusCode::SEE_OTHER,
        "the session's token passes whatever the cookie says"
    );
}

/// Markup sent in every query parameter the pages read never comes back as markup: every GET
/// route of the table, called anonymously, as an applicant, as the deployment's administrator
/// and as a registrar, with the probe in all parameters at once and — where that request is
/// refused as a whole — in each parameter alone.
#[tokio::test]
async fn markup_in_query_parameters_never_comes_back_as_markup() {
    use otinish_web::routes::rules;
    let t = TestApp::new().await;
    let (root, _) = t.staff_of_no_body("root.probe", vec![Role::Admin]).await;
    let (registrar, _) = t
        .staff("reg.probe", vec![Role::Registrar, Role::Head], "MJ")
        .await;
    let (applicant, _) = t.applicant("person").await;
    // Every field of the pages' query structures (crates/web/src, `…Query`).
    const PARAMS: &[&str] = &[
        "added",
        "applied",
        "apply",
        "at",
        "body",
        "booked",
        "branches_page",
        "card",
        "centers",
        "changed",
        "channel",
        "closed",
        "code",
        "confirmed",
        "created",
        "deactivated",
        "done",
        "due",
        "ended",
        "executor",
        "filed",
        "format",
        "from",
        "imported",
        "kind",
        "lang",
        "limit",
        "moved",
        "offset",
        "page",
        "percent",
        "placed",
        "q",
        "quarter",
        "queued",
        "reopened",
        "restored",
        "rollup",
        "saved",
        "sent_before",
        "session",
        "sort",
        "source",
        "staff",
        "state",
        "to",
        "waiting",
        "withdrawn",
        "working_days",
        "year",
        "tab",
        "date",
        "month",
    ];
    let probe = "%22%3E%3Cx-otinish-probe%3E";
    let callers = [
        ("anonymous", ""),
        ("applicant", applicant.as_str()),
        ("admin", root.as_str()),
        ("registrar", registrar.as_str()),
    ];
    let mut checked = 0;
    let mut reflected = Vec::new();
    // Pages that do show what was typed (a search box) show it escaped: the probe reached them.
    let mut echoed_escaped = Vec::new();
    for rule in rules().iter().filter(|r| r.method == "GET") {
        if rule.path.starts_with("/static") || rule.path.contains("{file") {
            continue;
        }
        let path = rule
            .path
            .replace("{id}", "1")
            .replace("{code}", "MJ")
            .replace("{token}", "probe")
            .replace("{hearing}", "1")
            .replace("{kind}", "bodies")
            .replace("{fingerprint}", "00");
        for (who, jar) in callers {
            let all: Vec<String> = PARAMS.iter().map(|p| format!("{p}={probe}")).collect();
            let r = t.get(&format!("{path}?{}", all.join("&")), jar).await;
            checked += 1;
            let mut replies = vec![("*", r)];
            if replies[0].1.status == StatusCode::BAD_REQUEST {
                for p in PARAMS {
                    let r = t.get(&format!("{path}?{p}={probe}"), jar).await;
                    checked += 1;
                    replies.push((p, r));
                }
            }
            for (param, r) in replies {
                if r.text.contains("<x-otinish-probe>") {
                    reflected.push(format!("{path} ({param}) as {who}: {}", r.status));
                }
                if r.text.contains("&#60;x-otinish-probe&#62;") {
                    echoed_escaped.push(format!("{path} as {who}"));
                }
            }
        }
    }
    assert!(
        reflected.is_empty(),
        "markup came back:\n{}",
        reflected.join("\n")
    );
    assert!(checked > 300, "{checked} requests");
    assert!(
        echoed_escaped.len() >= 5,
        "the probe reached few pages: {echoed_escaped:?}"
    );
}

/// GEN-07: a notice to an applicant who gave a postal address and no email goes by post: a
/// letter in the applicant's language waits in the registrar's "to post" queue (no worker
/// takes it), the registrar opens it (recorded as an access to personal data), prints it and
/// marks it sent, which delivers it and journals it on the card. Another body's registrar and
/// an executor cannot touch it; a letter is marked sent once.
#[tokio::test]
async fn gen_07_notices_without_email_become_letters_to_post() {
    use otinish_domain::notice::{NoticeChannel, NoticeStatus};
    let t = TestApp::new().await;
    let store = t.app.store.clone();
    // A letter from the post, with a postal address and no email; registered, the applicant
    // is told — by post.
    let card = taken_in_with(&t, Channel::Paper, "post-1", None).await;
    t.app.register_automatically(card).await.unwrap();
    let notices = store.notices_of_card(card).await.unwrap();
    assert!(
        notices.iter().all(|n| n.channel != NoticeChannel::Email),
        "no email was given"
    );
    let letters: Vec<_> = notices
        .iter()
        .filter(|n| n.channel == NoticeChannel::Post)
        .collect();
    assert!(!letters.is_empty(), "{notices:?}");
    assert!(letters
        .iter()
        .all(|n| n.address.as_deref() == Some("с. Коктал, ул. Абая 1")
            && n.status == NoticeStatus::Pending));
    let letter = letters[0].id;
    // No delivery worker takes a letter: the registrar posts it.
    let now = t.app.clock.now();
    let claimed = store
        .claim_jobs(
            otinish_domain::job::JobKind::ALL,
            "test-worker",
            now,
            now + chrono::Duration::minutes(5),
            100,
        )
        .await
        .unwrap();
    assert!(claimed
        .iter()
        .all(|j| otinish_domain::job::notice_of(&j.payload) != Some(letter)));
    let letter_row = store.notice(letter).await.unwrap();
    assert_eq!(
        letter_row.status,
        NoticeStatus::Pending,
        "no job touched it"
    );

    let (reg, reg_csrf) = t.staff("reg.post", vec![Role::Registrar], "MJ").await;
    let queue = t.get("/staff/post", &reg).await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(
        queue.text.contains(&format!("id=\"letter-{letter}\"")),
        "{}",
        queue.text
    );
    let opened = t.get(&format!("/staff/post/{letter}"), &reg).await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text);
    assert!(
        opened.text.contains("с. Коктал, ул. Абая 1")
            && opened.text.contains("АХМЕТОВ")
            && opened.text.contains("lang=\"ru\"")
            && opened.text.contains(&letters[0].subject),
        "{}",
        opened.text
    );
    let mj = store.body_by_code("MJ").await.unwrap().id;
    let log = store
        .access_log(
            mj,
            &otinish_domain::repo::AccessFilter {
                staff_id: None,
                card_id: Some(card),
            },
            otinish_domain::repo::PageRequest::new(Some(50), None),
        )
        .await
        .unwrap();
    assert!(
        log.items
            .iter()
            .any(|e| e.kind == otinish_domain::model::AccessKind::LetterPrinted),
        "the opening is recorded"
    );
    // An executor is not the registry; another body's registrar sees none of it.
    let (exec, _) = t.staff("exec.post", vec![Role::Executor], "MJ").await;
    assert_eq!(
        t.get("/staff/post", &exec).await.status,
        StatusCode::FORBIDDEN
    );
    t.second_body().await;
    let (other, other_csrf) = t.staff("reg.ast", vec![Role::Registrar], "AST").await;
    assert!(!t
        .get("/staff/post", &other)
        .await
        .text
        .contains(&format!("letter-{letter}")));
    assert_eq!(
        t.get(&format!("/staff/post/{letter}"), &other).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.post_form(
            &format!("/staff/post/{letter}/sent"),
            &other,
            &format!("csrf={other_csrf}")
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // Posted: delivered, journaled on the card, gone from the queue; once only.
    let sent = t
        .post_form(
            &format!("/staff/post/{letter}/sent"),
            &reg,
            &format!("csrf={reg_csrf}"),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text);
    let n = store.notice(letter).await.unwrap();
    assert_eq!(n.status, NoticeStatus::Delivered);
    assert!(n.delivered_at.is_some());
    assert!(store
        .journal_for(&format!("card:{card}"))
        .await
        .unwrap()
        .iter()
        .any(|e| e.draft.action == "letter_posted"));
    assert!(!t
        .get("/staff/post", &reg)
        .await
        .text
        .contains(&format!("id=\"letter-{letter}\"")));
    assert_eq!(
        t.post_form(
            &format!("/staff/post/{letter}/sent"),
            &reg,
            &format!("csrf={reg_csrf}")
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    // The card's delivery log says it went by post, delivered.
    let (head, _) = t.staff("head.post", vec![Role::Head], "MJ").await;
    let page = t.get(&format!("/staff/cards/{card}"), &head).await;
    assert!(page.text.contains("почта"), "{}", page.text);
}

/// GEN-01 through the staff API: the deployment's administrator lists the editions — VC-2026
/// awaiting confirmation with its reason, reckoned dates marked approximate — and confirms it
/// once (a published text is a 409, an unknown edition a 404); a body's administrator may not.
/// Video appeals open at once on this node.
#[tokio::test]
async fn gen_01_editions_confirmed_over_the_staff_api() {
    let t = TestApp::new().await;
    let (root, _) = t.staff_of_no_body("root.admin", vec![Role::Admin]).await;
    let list = t.api("GET", "/api/v1/admin/editions", &root, "").await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);
    let v: serde_json::Value = serde_json::from_str(&list.text).unwrap();
    let item = |v: &serde_json::Value, id: &str| {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("{id} listed"))
    };
    let vc2026 = item(&v, "VC-2026");
    assert_eq!(vc2026["status"], "awaiting");
    assert!(vc2026["reason"].as_str().unwrap().contains("213/НҚ"));
    assert_eq!(item(&v, "VC-2023")["effective_from_approximate"], true);
    assert_eq!(item(&v, "APPC-2021")["status"], "published");
    let (body_admin, _) = t.staff("mj.admin", vec![Role::Admin], "MJ").await;
    assert_eq!(
        t.api(
            "POST",
            "/api/v1/admin/editions/VC-2026/confirm",
            &body_admin,
            ""
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.api("POST", "/api/v1/admin/editions/VC-2023/confirm", &root, "")
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        t.api("POST", "/api/v1/admin/editions/NOPE/confirm", &root, "")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let today = t
        .app
        .calendar
        .read()
        .await
        .zone()
        .local_date(t.app.clock.now());
    assert!(!t.app.rulebooks.channel_open(
        Channel::VideoAppeal,
        today,
        &t.app.confirmed_editions()
    ));
    for _ in 0..2 {
        assert_eq!(
            t.api("POST", "/api/v1/admin/editions/VC-2026/confirm", &root, "")
                .await
                .status,
            StatusCode::NO_CONTENT
        );
    }
    assert!(t
        .app
        .rulebooks
        .channel_open(Channel::VideoAppeal, today, &t.app.confirmed_editions()));
    let v: serde_json::Value =
        serde_json::from_str(&t.api("GET", "/api/v1/admin/editions", &root, "").await.text)
            .unwrap();
    let vc2026 = item(&v, "VC-2026");
    assert_eq!(vc2026["status"], "confirmed");
    assert_eq!(vc2026["confirmed_by"], "root.admin");
    assert_eq!(
        t.app
            .store
            .journal_for("edition:VC-2026")
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A file's name cannot disguise what it is: `inv\u{202E}fdp.hta` holding a PDF — shown as
/// "invath.pdf" by the override, saved as `.hta` — is refused on the same form, the override
/// stripped and the extension compared with the contents; nothing is stored. A Cyrillic name
/// downloads with a plain ASCII `filename` and the real one in RFC 6266's `filename*`.
#[tokio::test]
async fn file_names_cannot_disguise_their_type() {
    let t = TestApp::new().await;
    let (jar, csrf) = t.applicant("person").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap().id.to_string();
    let send = |key: &'static str, name: &'static str| {
        let (t, jar, csrf, mj) = (&t, jar.clone(), csrf.clone(), mj.clone());
        async move {
            t.post_multipart(
                "/cabinet/appeals?lang=ru",
                &jar,
                &[
                    ("csrf", csrf.as_str()),
                    ("idempotency_key", key),
                    ("recipient", mj.as_str()),
                    ("kind", "statement"),
                    ("postal_address", "Астана"),
                    ("content", "Прошу разъяснить"),
                    ("demo_sign", "1"),
                ],
                &[(name, b"%PDF-1.4 a small scan".as_slice())],
            )
            .await
        }
    };
    let disguised = send("bidi-1", "inv\u{202E}fdp.hta").await;
    assert_eq!(
        disguised.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        disguised.text
    );
    assert!(
        disguised
            .text
            .contains("Расширение в имени файла не соответствует"),
        "{}",
        disguised.text
    );
    let ok = send("bidi-2", "скан заявления.pdf").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    let location = ok
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let card: i64 = location
        .trim_start_matches("/cabinet/appeals/")
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap_or_default()
        .parse()
        .unwrap_or_else(|_| panic!("a card in {location}"));
    let files = t.app.store.attachments(card).await.unwrap();
    assert_eq!(files.len(), 1);
    let got = t
        .get(
            &format!("/cabinet/appeals/{card}/files/{}", files[0].id),
            &jar,
        )
        .await;
    assert_eq!(got.status, StatusCode::OK);
    let disposition = got
        .headers
        .get(header::CONTENT_DISPOSITION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(
        disposition,
        "attachment; filename=\"____ _________.pdf\"; \
         filename*=UTF-8''%D1%81%D0%BA%D0%B0%D0%BD%20%D0%B7%D0%B0%D1%8F%D0%B2%D0%BB%D0%B5%D0%BD%D0%B8%D1%8F.pdf"
    );
}

/// A value a page does not offer (a state, a kind, an order, a page number, a format) is
/// refused with 400 before the page is built, in the reader's language; never carried into it.
/// (Markup in every parameter of every route: `markup_in_query_parameters_never_comes_back_as_markup`.)
#[tokio::test]
async fn query_values_a_page_does_not_offer_are_refused() {
    let t = TestApp::new().await;
    let (reg, _) = t
        .staff("reg.values", vec![Role::Registrar, Role::Head], "MJ")
        .await;
    const MARKUP: &str = "\"><meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">";
    let encoded: String = MARKUP
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    // The inbox refuses what it does not offer, before building the page, in Russian.
    for q in [
        format!("state={encoded}"),
        "state=archive".to_owned(),
        "sort=nonsense".to_owned(),
        "kind=petition".to_owned(),
        "page=-1".to_owned(),
    ] {
        let r = t.get(&format!("/staff/inbox?{q}"), &reg).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(
            r.text
                .contains("значение, которое эта страница не принимает"),
            "{q}: {}",
            r.text
        );
    }
    assert_eq!(
        t.get("/staff/inbox?state=archived&sort=term", &reg)
            .await
            .status,
        StatusCode::OK
    );
    // So do the other lists and the reports, for their pages and formats.
    for (uri, jar) in [
        ("/staff/due?page=2x", reg.as_str()),
        ("/staff/reports/1-ol?format=exe", reg.as_str()),
        ("/statistics?format=exe", ""),
        ("/statistics?format=%3Cb%3E", ""),
    ] {
        let r = t.get(uri, jar).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{uri}");
    }
    assert_eq!(
        t.get("/statistics?format=csv", "").await.status,
        StatusCode::OK
    );
    // A query the framework cannot read at all is refused in the reader's language too.
    let r = t.get("/api/v1/calendar/due?from=2026-03-02", "").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let v: serde_json::Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(v["error"]["code"], "bad_request", "{v}");
}

/// EA-07, EA-08: an e-appeal is filed in one transaction — the appeal, its card registered with
/// its number and executor, the terms, the signed receipt, the notices and the journal entries
/// are one commit, so a crash at any moment leaves all of them or none. A retry of it files
/// nothing more.
async fn intake_in_one_transaction(t: TestApp) {
    t.staff("exec", vec![Role::Executor], "MJ").await;
    let mj = t.app.store.body_by_code("MJ").await.unwrap();
    let (jar, csrf) = t.applicant("person").await;
    let recipient = mj.id.to_string();
    let form = |key: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("idempotency_key", key.to_owned()),
            ("recipient", recipient.clone()),
            ("kind", "statement".to_owned()),
            ("postal_address", "с. Коктал, ул. Абая 1".to_owned()),
            ("content", "Прошу выдать справку о составе семьи".to_owned()),
            ("demo_sign", "1".to_owned()),
        ]
    };
    let send = |key: &'static str| {
        let fields = form(key);
        let jar = jar.clone();
        let t = &t;
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            t.post_multipart("/cabinet/appeals", &jar, &fields, &[])
                .await
        }
    };
    let before = t.app.store.commits();
    let r = send("one-tx").await;
    let id = card_id_of(&r);
    assert_eq!(
        t.app.store.commits() - before,
        1,
        "filing an appeal is one commit ({})",
        t.app.store.backend()
    );
    let card = t.app.store.card(id).await.unwrap();
    assert_eq!(card.state, CardState::Registered);
    assert!(card.reg_number.is_some() && card.executor_id.is_some());
    assert!(!t.app.store.deadlines(id).await.unwrap().is_empty());
    let docs = t.app.store.signed_documents(id).await.unwrap();
    assert_eq!(docs.iter().filter(|d| d.kind == "receipt").count(), 1);
    let journal = t
        .app
        .store
        .journal_for(&format!("card:{id}"))
        .await
        .unwrap();
    let steps: Vec<&str> = journal.iter().map(|e| e.draft.action.as_str()).collect();
    assert_eq!(steps, ["receive", "receipt_issued", "register"]);
    assert!(
        journal.windows(2).all(|w| w[1].seq == w[0].seq + 1),
        "the three entries were written together"
    );

    // A retry files nothing more (it waits for the first filing to be on disk, as a commit).
    let head = t.app.store.journal_head().await.unwrap();
    assert_eq!(card_id_of(&send("one-tx").await), id);
    assert_eq!(
        t.app.store.journal_head().await.unwrap(),
        head,
        "a retry files nothing"
    );

    // EA-11: a redirect is one commit too — the card leaves, and the competent body has it
    // registered — so the appeal is never between the two.
    let ast = t.second_body().await;
    t.staff("exec.ast", vec![Role::Executor], "AST").await;
    let exec = t.app.store.staff_credentials("exec").await.unwrap().0;
    let before = t.app.store.commits();
    let moved = t
        .app
        .redirect(&exec, id, ast, "housing is the akimat's")
        .await
        .unwrap();
    assert_eq!(
        t.app.store.commits() - before,
        1,
        "a redirect is one commit"
    );
    assert_eq!(
        t.app.store.card(id).await.unwrap().state,
        CardState::Redirected
    );
    let there = t.app.store.card(moved).await.unwrap();
    assert_eq!((there.body_id, there.state), (ast, CardState::Registered));
    assert!(there.executor_id.is_some() && there.reg_number.is_some());
}

#[tokio::test]
async fn intake_is_one_transaction_sqlite() {
    intake_in_one_transaction(TestApp::new().await).await;
}

#[tokio::test]
async fn intake_is_one_transaction_postgres() {
    if let Some((t, db)) = TestApp::on_postgres("intake_is_one_transaction").await {
        intake_in_one_transaction(t).await;
        db.drop_it().await;
    }
}
