//! The HTTP face of Otinish: JSON API under `/api/v1` (OpenAPI generated from the code), HTML
//! pages in Kazakh, Russian and English, staff sign-in, database sessions, CSRF protection,
//! security headers, health and metrics. It holds no business rule: handlers parse input,
//! call the domain and the store (through [`services`]), and render.

pub mod access;
pub mod admin_announce;
pub mod admin_branches;
pub mod admin_calendar;
pub mod admin_handover;
pub mod admin_import;
pub mod admin_jobs;
pub mod admin_mail;
pub mod admin_notices;
pub mod admin_pages;
pub mod admin_trust;
pub mod api;
pub mod api_admin;
pub mod api_appeals;
pub mod auth;
pub mod cabinet;
pub mod conference;
pub mod context;
pub mod desk;
pub mod eappeal;
pub mod error;
pub mod extract;
pub mod hearing;
pub mod i18n;
pub mod metrics;
pub mod mgov;
pub use otinish_app::notify;
pub mod pages;
pub mod pdf;
pub mod post_letters;
pub mod pr;
pub mod pr_pages;
pub mod reception;
pub mod reception_pages;
pub mod reports;
pub mod revocation;
pub mod routes;
pub mod services;
pub mod sessions_pages;
pub mod shed;
pub mod video;
pub mod vks;

use axum::http::{header, HeaderValue};
use axum::Router;
use chrono::{DateTime, Utc};
use otinish_domain::calendar::WorkingCalendar;
use otinish_domain::repo::Store;
use otinish_domain::rulebook::RulebookSet;
use std::sync::Arc;
use tokio::sync::RwLock;
use tower_http::set_header::SetResponseHeaderLayer;

pub use otinish_app::clock::{Clock, ShiftedClock, SystemClock};

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Demo mode: shows the demo banner with the demo logins.
    pub demo: bool,
    /// Staff may sign in with a password (a deployment switches it on for staff without
    /// keys); otherwise only with their own key.
    pub staff_passwords: bool,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Logins listed in the demo banner, and their shared password.
    /// Demo only: each login and its roles, named on the demo banner.
    pub demo_logins: Vec<(String, Vec<otinish_domain::model::Role>)>,
    pub demo_password: String,
    /// The address people reach the portal at (for QR codes and links in emails).
    pub public_url: String,
    /// Adds `POST /api/v1/echo` (returns the body): the HTTP ceiling the benchmarks compare
    /// intake against. Off unless `serve --bench-endpoints`.
    pub bench_endpoints: bool,
    /// Requests worked on at once; beyond it the server sheds load with 503 and Retry-After.
    pub max_in_flight: usize,
    /// Requests at once from one client address (0: no limit); beyond it 429.
    pub max_per_client: usize,
    /// Bytes of request bodies held in memory at once, process-wide (0: no limit); beyond it
    /// a request with a body is refused with 503 before its body is read.
    pub max_body_memory: usize,
    /// How slowly a request's body may arrive (see [`shed::BodyPace`]).
    pub body_pace: shed::BodyPace,
    /// Reverse proxies in front of the server: from them, X-Forwarded-For names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The conference provider of VKS receptions.
    pub conference: conference::Conference,
    /// PR-02: the bearer token of the "E-appeals" import endpoint; none closes it.
    pub e_appeals_token: Option<String>,
    /// Where the pages reach NCALayer: `wss://127.0.0.1:13579/` (tests point it at a mock).
    pub ncalayer_url: String,
    /// Who runs the deployment, as the eGov mobile app shows it when asked to sign.
    pub operator: Operator,
}

/// The organisation that runs the deployment.
#[derive(Debug, Clone)]
pub struct Operator {
    pub name: otinish_domain::Names,
    /// Its BIN (empty when not set).
    pub bin: String,
}

impl Default for Operator {
    fn default() -> Self {
        Self {
            name: otinish_domain::Names::new("Otinish", "Otinish", "Otinish"),
            bin: String::new(),
        }
    }
}

/// Where NCALayer listens on a person's machine.
pub const NCALAYER_URL: &str = "wss://127.0.0.1:13579/";

/// The largest request body of any route: the JSON API's, whose files travel in base64 (a third
/// larger than the 64 MB an upload takes). Each route's own limit, never above it, is set in
/// the route table; a body over it is refused with 413 before it is read.
pub const MAX_BODY: usize = 96 * 1024 * 1024;

impl WebConfig {
    /// NCALayer's address, the default when none is set.
    pub fn ncalayer(&self) -> &str {
        if self.ncalayer_url.is_empty() {
            NCALAYER_URL
        } else {
            &self.ncalayer_url
        }
    }
}

/// The trust store in force and what it is built from: the national PKI's anchors and the
/// trust folder's (`base`, read at start) with the certificates the administrator trusted or
/// withdrew from the console (kept in the database). Replaced whole when those change — on
/// this node at once, on the others at their next reload — so a verification in flight keeps
/// the store it began with.
pub struct Trust {
    base: otinish_pki::TrustStore,
    current: std::sync::RwLock<Arc<otinish_pki::TrustStore>>,
}

impl Trust {
    pub fn new(base: otinish_pki::TrustStore) -> Self {
        Self {
            current: std::sync::RwLock::new(Arc::new(base.clone())),
            base,
        }
    }

    /// The store in force now.
    pub fn get(&self) -> Arc<otinish_pki::TrustStore> {
        self.current
            .read()
            .map(|c| Arc::clone(&c))
            .unwrap_or_else(|poisoned| Arc::clone(&poisoned.into_inner()))
    }

    /// The national PKI's anchors and the trust folder's, before the console's changes.
    pub fn base(&self) -> &otinish_pki::TrustStore {
        &self.base
    }

    /// Rebuilds the store in force from the base and the console's records.
    pub fn apply(&self, records: &[otinish_domain::repo::TrustAnchorRecord]) {
        let next = Arc::new(otinish_app::trust::effective(&self.base, records));
        match self.current.write() {
            Ok(mut c) => *c = next,
            Err(poisoned) => *poisoned.into_inner() = next,
        }
    }

    /// Adds a certificate to the base (tests and start-up only).
    pub fn add_certificate(&mut self, c: x509_cert::Certificate) {
        self.base.add_certificate(c);
        self.current = std::sync::RwLock::new(Arc::new(self.base.clone()));
    }
}

/// Signatures: what the deployment trusts, the server's own key, and (demo mode only) the
/// demo signers that sign on the server for a newcomer.
pub struct Pki {
    pub trust: Trust,
    pub server_key: otinish_pki::sign::SigningKey,
    pub demo_signers: Vec<DemoSigner>,
    /// Revocation of signers' certificates beyond the trust folder's lists (CRLs fetched from
    /// distribution points, OCSP).
    pub revocation: revocation::Revocation,
    /// Demo mode only: where demo keys are kept and the trust folder their CA's root goes
    /// to, so a demo staff member's key can be issued when first needed.
    pub demo_keys: Option<(std::path::PathBuf, std::path::PathBuf)>,
}

/// A demo applicant whose key the server holds (demo mode only).
pub struct DemoSigner {
    pub slug: String,
    /// IIN or BIN of the certificate: the applicant this key signs for.
    pub tax_id: String,
    pub label: String,
    pub key: otinish_pki::sign::SigningKey,
}

/// Everything a request handler may use.
pub struct App {
    pub store: Arc<dyn Store>,
    pub files: otinish_store::files::FileStore,
    pub pki: Pki,
    pub limits: otinish_domain::appeal::AppealLimits,
    pub rulebooks: RulebookSet,
    /// The editions marked "to be confirmed" that the administrator has confirmed (GEN-01);
    /// replaced whole at each reload, like the calendar.
    pub editions_confirmed: std::sync::RwLock<Arc<otinish_domain::rulebook::Confirmed>>,
    /// The calendar with the admin's edits applied; replaced when an admin edits a day.
    /// The calendar in force; replaced whole (never edited in place) so readers take a cheap
    /// `Arc` clone instead of copying its tables.
    pub calendar: RwLock<Arc<WorkingCalendar>>,
    pub clock: Arc<dyn Clock>,
    pub config: WebConfig,
    pub metrics: metrics::Metrics,
    pub started_at: DateTime<Utc>,
    /// EA-16: announcements, cached for a short while (the database is the source).
    pub announcements: RwLock<AnnouncementCache>,
    /// Email out (none: no SMTP server configured); the notice worker and the console's test
    /// message use it.
    pub mailer: Option<Arc<dyn notify::Mailer>>,
    /// Where email goes out through, for the console: the server's address without its
    /// credentials, and the sender.
    pub mail_route: Option<(String, String)>,
    /// The SMS gateway text notices go out through, if one is configured.
    pub sms: Option<Arc<dyn notify::SmsGateway>>,
    /// Its address as the console shows it (no credentials, no query).
    pub sms_route: Option<String>,
}

/// Announcements as last read, and when.
#[derive(Debug, Default)]
pub struct AnnouncementCache {
    pub fetched_at: Option<DateTime<Utc>>,
    pub items: Vec<otinish_domain::repo::Announcement>,
}

impl App {
    /// Re-reads announcements when the cached copy is older than 30 seconds.
    pub async fn refresh_announcements(&self) {
        let now = self.clock.now();
        let stale = self
            .announcements
            .read()
            .await
            .fetched_at
            .is_none_or(|t| now - t > chrono::Duration::seconds(30) || now < t);
        if stale {
            match self
                .store
                .current_announcements(now, chrono::Duration::days(7))
                .await
            {
                Ok(items) => {
                    *self.announcements.write().await = AnnouncementCache {
                        fetched_at: Some(now),
                        items,
                    }
                }
                Err(e) => tracing::warn!(error = %e, "announcements not refreshed"),
            }
        }
    }

    /// Drops this process's copy of the announcements (one was just made or withdrawn here),
    /// so the next page reads them again.
    pub async fn forget_announcements(&self) {
        self.announcements.write().await.fetched_at = None;
    }

    /// The editions confirmed so far (a cheap `Arc` clone).
    pub fn confirmed_editions(&self) -> Arc<otinish_domain::rulebook::Confirmed> {
        match self.editions_confirmed.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Re-reads the editions the administrator has confirmed (at start, after a confirmation
    /// here, and every few minutes for confirmations made on other nodes).
    pub async fn reload_editions(&self) -> Result<usize, otinish_app::Error> {
        let confirmed = otinish_app::editions::confirmed(self.store.as_ref()).await?;
        let n = confirmed.len();
        match self.editions_confirmed.write() {
            Ok(mut c) => *c = Arc::new(confirmed),
            Err(poisoned) => *poisoned.into_inner() = Arc::new(confirmed),
        }
        Ok(n)
    }

    /// Rebuilds the trust store in force from the certificates trusted or withdrawn from the
    /// console (at start, after a change here, and every few minutes for changes made on other
    /// nodes). Returns how many certificates it holds.
    pub async fn reload_trust(&self) -> Result<usize, otinish_domain::repo::StoreError> {
        let records = self.store.trust_anchors().await?;
        self.pki.trust.apply(&records);
        Ok(self.pki.trust.get().certificates().len())
    }
}

#[derive(Clone)]
pub struct AppState(pub Arc<App>);

impl std::ops::Deref for AppState {
    type Target = App;
    fn deref(&self) -> &App {
        &self.0
    }
}

/// `scheme://host:port` of a URL (what a CSP source names).
fn state_origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("wss", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

/// The whole router with its layers.
pub fn router(app: Arc<App>) -> Router {
    let bench = app.config.bench_endpoints;
    // Served over TLS (the cookies are marked Secure): browsers are told to keep to HTTPS.
    let shedder = shed::Shedder::new(app.clone());
    let hsts = app
        .config
        .secure_cookies
        .then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    let state = AppState(app);
    // The pages talk to NCALayer on the person's own machine, and to nothing else outside.
    let ncalayer = state_origin(state.config.ncalayer());
    let csp = format!(
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; \
         connect-src 'self' {ncalayer}; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"
    );
    let csp = HeaderValue::from_str(&csp)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'self'"));
    routes::table(bench)
        .router(state.clone())
        .fallback(pages::not_found)
        // Inside the context, which turns the API's 413 into its JSON envelope.
        .layer(tower_http::limit::RequestBodyLimitLayer::new(MAX_BODY))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            context::middleware,
        ))
        .layer(axum::middleware::from_fn(shed::deadline))
        .layer(tower_http::compression::CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::response::Response| hsts.clone(),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Nothing is kept by a browser or a proxy unless its handler says it may be (the
        // stylesheet and scripts do): pages, API answers and downloads carry personal data.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("permissions-policy"),
            HeaderValue::from_static("geolocation=(), camera=(self), microphone=(self)"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("cross-origin-opener-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(axum::middleware::from_fn_with_state(
            shedder,
            shed::middleware,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}
