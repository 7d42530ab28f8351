//! Prometheus metrics at /metrics: request counts by method and status class, uptime.

use crate::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "OTHER"];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];

#[derive(Debug, Default)]
pub struct Metrics {
    requests: [[AtomicU64; 5]; 5],
    /// Requests refused with 503 because the server was full (see `shed`).
    pub shed: AtomicU64,
}

impl Metrics {
    pub fn record(&self, method: &str, status: u16) {
        let m = METHODS.iter().position(|x| *x == method).unwrap_or(4);
        let c = usize::from(status / 100).saturating_sub(1).min(4);
        self.requests[m][c].fetch_add(1, Ordering::Relaxed);
    }
}

pub async fn render(State(app): State<AppState>) -> impl IntoResponse {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# HELP otinish_http_requests_total HTTP requests by method and status class."
    );
    let _ = writeln!(out, "# TYPE otinish_http_requests_total counter");
    for (mi, m) in METHODS.iter().enumerate() {
        for (ci, c) in CLASSES.iter().enumerate() {
            let n = app.metrics.requests[mi][ci].load(Ordering::Relaxed);
            if n > 0 {
                let _ = writeln!(
                    out,
                    "otinish_http_requests_total{{method=\"{m}\",status=\"{c}\"}} {n}"
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "# HELP otinish_http_shed_total Requests refused with 503 because the server was full."
    );
    let _ = writeln!(out, "# TYPE otinish_http_shed_total counter");
    let _ = writeln!(
        out,
        "otinish_http_shed_total {}",
        app.metrics.shed.load(Ordering::Relaxed)
    );
    let up = (app.clock.now() - app.started_at).num_seconds().max(0);
    let _ = writeln!(
        out,
        "# HELP otinish_uptime_seconds Seconds since the server started."
    );
    let _ = writeln!(out, "# TYPE otinish_uptime_seconds gauge");
    let _ = writeln!(out, "otinish_uptime_seconds {up}");
    let _ = writeln!(out, "# HELP otinish_info Build and backend.");
    let _ = writeln!(out, "# TYPE otinish_info gauge");
    let _ = writeln!(
        out,
        "otinish_info{{version=\"{}\",backend=\"{}\"}} 1",
        env!("CARGO_PKG_VERSION"),
        app.store.backend()
    );
    let _ = writeln!(
        out,
        "# HELP otinish_store_commits_total Write transactions committed by this node."
    );
    let _ = writeln!(out, "# TYPE otinish_store_commits_total counter");
    let _ = writeln!(out, "otinish_store_commits_total {}", app.store.commits());
    // The queue of background jobs (shared by every node); left out when the database does not
    // answer, so the rest still does.
    if let Ok(counts) = app.store.job_counts().await {
        use otinish_domain::job::{JobKind, JobState};
        let _ = writeln!(
            out,
            "# HELP otinish_jobs Background jobs by kind and state (ready, running, dead)."
        );
        let _ = writeln!(out, "# TYPE otinish_jobs gauge");
        for kind in JobKind::ALL {
            for state in JobState::ALL {
                let n: i64 = counts
                    .iter()
                    .filter(|c| c.kind == *kind && c.state == *state)
                    .map(|c| c.count)
                    .sum();
                let _ = writeln!(out, "otinish_jobs{{kind=\"{kind}\",state=\"{state}\"}} {n}");
            }
        }
    }
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
