//! Overload: at most `max_in_flight` requests are worked on at once. Beyond that the answer is
//! 503 with `Retry-After` at once, so a burst never queues without bound, memory stays bounded,
//! and the server recovers as soon as the load drops. Health checks and metrics always answer,
//! so a load balancer can tell a busy node from a dead one.

use crate::App;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use tokio::sync::Semaphore;

/// The permits of the requests in flight.
#[derive(Clone)]
pub struct Shedder {
    permits: Arc<Semaphore>,
    app: Arc<App>,
}

impl Shedder {
    /// `max_in_flight` 0 means no limit (tests and tools that build the router themselves).
    pub fn new(max_in_flight: usize, app: Arc<App>) -> Self {
        let n = if max_in_flight == 0 {
            Semaphore::MAX_PERMITS
        } else {
            max_in_flight.min(Semaphore::MAX_PERMITS)
        };
        Self {
            permits: Arc::new(Semaphore::new(n)),
            app,
        }
    }
}

/// Paths that answer even when the server is full.
fn always_answered(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

pub async fn middleware(State(s): State<Shedder>, req: Request, next: Next) -> Response {
    if always_answered(req.uri().path()) {
        return next.run(req).await;
    }
    match s.permits.clone().try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(req).await;
            drop(permit);
            response
        }
        Err(_) => {
            s.app.metrics.shed.fetch_add(1, Ordering::Relaxed);
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [
                    (header::RETRY_AFTER, HeaderValue::from_static("1")),
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; charset=utf-8"),
                    ),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                "Сервис перегружен, повторите через несколько секунд.\n\
                 Қызмет шамадан тыс жүктелген, бірнеше секундтан кейін қайталаңыз.\n\
                 The service is busy: please try again in a few seconds.\n",
            )
                .into_response()
        }
    }
}
