//! Overload and time limits.
//!
//! At most `max_in_flight` requests are worked on at once. Beyond that the answer is 503 with
//! `Retry-After` at once, so a burst never queues without bound, memory stays bounded, and the
//! server recovers as soon as the load drops. Health checks and metrics always answer, so a
//! load balancer can tell a busy node from a dead one. Each request also has a time limit
//! ([`time_limit`]): long for uploads on a slow line, short for everything else.

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

/// How long a request may take: uploads (an appeal with its files, a booth recording, the API's
/// filing) may take 15 minutes on a slow line; everything else 30 seconds. Past it the answer
/// is 408 and the work is dropped (a store transaction not yet committed rolls back).
pub fn time_limit(method: &axum::http::Method, path: &str) -> std::time::Duration {
    let upload = method == axum::http::Method::POST
        && (path == "/cabinet/appeals"
            || path == "/api/v1/appeals"
            || (path.starts_with("/booth/") && path.ends_with("/appeals")));
    std::time::Duration::from_secs(if upload { 15 * 60 } else { 30 })
}

pub async fn deadline(req: Request, next: Next) -> Response {
    let limit = time_limit(req.method(), req.uri().path());
    match tokio::time::timeout(limit, next.run(req)).await {
        Ok(response) => response,
        Err(_) => (
            StatusCode::REQUEST_TIMEOUT,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            )],
            "Запрос не завершён вовремя.\nСұрау уақытында аяқталмады.\nThe request took too long.\n",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::time_limit;
    use axum::http::Method;

    #[test]
    fn uploads_get_fifteen_minutes_everything_else_thirty_seconds() {
        let secs = |m: &Method, p: &str| time_limit(m, p).as_secs();
        assert_eq!(secs(&Method::POST, "/cabinet/appeals"), 900);
        assert_eq!(secs(&Method::POST, "/booth/abc/appeals"), 900);
        assert_eq!(secs(&Method::POST, "/api/v1/appeals"), 900);
        assert_eq!(secs(&Method::GET, "/api/v1/appeals"), 30);
        assert_eq!(secs(&Method::POST, "/staff/login"), 30);
        assert_eq!(secs(&Method::GET, "/booth/abc"), 30);
    }
}
