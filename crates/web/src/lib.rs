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
pub use otinish_app::conference;
pub mod context;
pub mod desk;
pub use otinish_app::eappeal;
pub mod error;
pub mod extract;
pub use otinish_app::hearing;
pub use otinish_app::i18n;
pub mod metrics;
pub mod mgov;
pub use otinish_app::notify;
pub mod pages;
pub mod pdf;
pub mod post_letters;
pub use otinish_app::pr;
pub mod pr_pages;
pub use otinish_app::reception;
pub mod reception_pages;
pub mod reports;
pub mod request;
pub use otinish_app::revocation;
pub mod routes;
pub mod sessions_pages;
pub mod shed;
pub mod video;
pub mod vks;

use axum::http::{header, HeaderValue};
use axum::Router;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

pub use otinish_app::clock::{Clock, ShiftedClock, SystemClock};
pub use otinish_app::service::{
    AnnouncementCache, DemoSigner, Operator, Pki, Service, Settings, Trust,
};

/// Settings of the web layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Staff may sign in with a password (a deployment switches it on for staff without
    /// keys); otherwise only with their own key.
    pub staff_passwords: bool,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Logins listed in the demo banner, and their shared password.
    /// Demo only: each login and its roles, named on the demo banner.
    pub demo_logins: Vec<(String, Vec<otinish_domain::model::Role>)>,
    pub demo_password: String,
    /// Adds `POST /api/v1/echo` (returns the body): the HTTP ceiling the benchmarks compare
    /// intake against. Off unless `serve --bench-endpoints`.
    pub bench_endpoints: bool,
    /// Requests worked on at once; beyond it the server sheds load with 503 and Retry-After.
    pub max_in_flight: usize,
    /// Requests at once from one client address (0: no limit); beyond it 429.
    pub max_per_client: usize,
    /// How long a 503 for a full server is held before it is sent (zero: at once), so a client
    /// that retries at once cannot spend the cores the admitted requests need.
    pub shed_pause: std::time::Duration,
    /// Bytes of request bodies held in memory at once, process-wide (0: no limit); beyond it
    /// a request with a body is refused with 503 before its body is read.
    pub max_body_memory: usize,
    /// How slowly a request's body may arrive (see [`shed::BodyPace`]).
    pub body_pace: shed::BodyPace,
    /// Reverse proxies in front of the server: from them, X-Forwarded-For names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// PR-02: the bearer token of the "E-appeals" import endpoint; none closes it.
    pub e_appeals_token: Option<String>,
    /// Where the pages reach NCALayer: `wss://127.0.0.1:13579/` (tests point it at a mock).
    pub ncalayer_url: String,
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

/// Everything a request handler may use: the application service (reached through `Deref`,
/// so `app.store` is the service's store) and what only HTTP needs.
pub struct App {
    pub service: Service,
    pub config: WebConfig,
    pub metrics: metrics::Metrics,
}

impl std::ops::Deref for App {
    type Target = Service;
    fn deref(&self) -> &Service {
        &self.service
    }
}

impl std::ops::DerefMut for App {
    fn deref_mut(&mut self) -> &mut Service {
        &mut self.service
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
            request::middleware,
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
