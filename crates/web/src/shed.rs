//! Admission, overload and time limits.
//!
//! A request is admitted in steps, each refusing at once rather than queueing:
//!
//! 1. When every place for requests in flight is taken, the answer is 503 with `Retry-After`
//!    before anything else is read (shedding early keeps the admitted requests moving), sent
//!    after a short pause (`shed_pause`) so clients retrying in a loop are slowed down.
//! 2. One client address may have at most `max_per_client` requests at once (429 beyond).
//! 3. The body is read in full **before** the request takes a place in flight, so a client
//!    sending its body slowly holds only its own connection: after a grace period a body must
//!    keep arriving at a minimum average rate, or it is cut off with 408. The bytes of bodies
//!    held at once are capped process-wide (`max_body_memory`); past the cap, 503 before the
//!    body is read.
//! 4. At most `max_in_flight` requests are worked on at once (503 with `Retry-After` beyond),
//!    so a burst never queues without bound and the server recovers as soon as the load drops.
//!
//! Health checks and metrics always answer, so a load balancer can tell a busy node from a
//! dead one. Each request also has a time limit ([`time_limit`]): long for uploads on a slow
//! line, short for everything else.

use crate::App;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// How slowly a body may arrive.
#[derive(Debug, Clone, Copy)]
pub struct BodyPace {
    /// Until then any pace is accepted, and no more than this may pass without a byte.
    pub grace: Duration,
    /// After the grace period: the least average rate, in bytes per second, since the body began.
    pub min_rate: u64,
}

impl Default for BodyPace {
    /// Ten seconds, then 1 KB/s on average: a 64 MB upload on a line of 20 KB/s passes, a
    /// client sending a byte every two seconds does not.
    fn default() -> Self {
        Self {
            grace: Duration::from_secs(10),
            min_rate: 1024,
        }
    }
}

/// What admission counts: places in flight, requests per client, bytes of bodies held.
#[derive(Clone)]
pub struct Shedder {
    permits: Arc<Semaphore>,
    /// Requests at once per client address (0: no limit).
    per_client: usize,
    clients: Clients,
    /// Bytes of bodies held in memory at once (`None`: no limit).
    body_bytes: Option<Arc<Semaphore>>,
    pace: BodyPace,
    app: Arc<App>,
}

impl Shedder {
    /// Limits of 0 mean none (tests and tools that build the router themselves).
    pub fn new(app: Arc<App>) -> Self {
        let c = &app.config;
        let n = if c.max_in_flight == 0 {
            Semaphore::MAX_PERMITS
        } else {
            c.max_in_flight.min(Semaphore::MAX_PERMITS)
        };
        Self {
            permits: Arc::new(Semaphore::new(n)),
            per_client: c.max_per_client,
            clients: Arc::default(),
            body_bytes: (c.max_body_memory > 0)
                .then(|| Arc::new(Semaphore::new(c.max_body_memory.min(u32::MAX as usize)))),
            pace: c.body_pace,
            app: app.clone(),
        }
    }

    /// A place for one more request of `client`, given back when the guard is dropped; none
    /// when the client already has as many as it may.
    fn enter(&self, client: &str) -> Option<ClientSlot> {
        if self.per_client == 0 {
            return Some(ClientSlot(None));
        }
        let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
        let n = clients.entry(client.to_owned()).or_insert(0);
        if *n >= self.per_client {
            return None;
        }
        *n += 1;
        Some(ClientSlot(Some((self.clients.clone(), client.to_owned()))))
    }
}

/// Requests in flight per client address.
type Clients = Arc<Mutex<HashMap<String, usize>>>;

/// A client's place, given back on drop.
struct ClientSlot(Option<(Clients, String)>);

impl Drop for ClientSlot {
    fn drop(&mut self) {
        if let Some((clients, client)) = self.0.take() {
            let mut clients = clients.lock().unwrap_or_else(|p| p.into_inner());
            if let Some(n) = clients.get_mut(&client) {
                *n -= 1;
                if *n == 0 {
                    clients.remove(&client);
                }
            }
        }
    }
}

/// Bytes of the body budget held by one request, given back on drop.
struct HeldBytes(Option<Arc<Semaphore>>, u32);

impl HeldBytes {
    /// Takes `n` more bytes of the budget, or says there are not that many free.
    fn take(&mut self, n: usize) -> bool {
        let Some(budget) = &self.0 else {
            return true;
        };
        let Ok(n) = u32::try_from(n) else {
            return false;
        };
        match budget.try_acquire_many(n) {
            Ok(p) => {
                p.forget();
                self.1 += n;
                true
            }
            Err(_) => false,
        }
    }
}

impl Drop for HeldBytes {
    fn drop(&mut self) {
        if let Some(budget) = &self.0 {
            budget.add_permits(self.1 as usize);
        }
    }
}

/// Paths that answer even when the server is full.
fn always_answered(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// A refusal before admission: in the three languages at once (the reader's is not known yet),
/// never cached, with `Retry-After` where trying again soon may succeed.
fn refusal(status: StatusCode, retry_after: bool, text: &'static str) -> Response {
    let mut r = (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        text,
    )
        .into_response();
    if retry_after {
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    r
}

/// 503 for a full server, held for the configured pause first: it holds no place in flight
/// and reads nothing, but a client that retries the moment it is refused is slowed to the
/// pause, and the cores go to the requests already admitted.
async fn shed(s: &Shedder) -> Response {
    s.app.metrics.shed.fetch_add(1, Ordering::Relaxed);
    let pause = s.app.config.shed_pause;
    if !pause.is_zero() {
        tokio::time::sleep(pause).await;
    }
    refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        true,
        "Сервис перегружен, повторите через несколько секунд.\n\
         Қызмет шамадан тыс жүктелген, бірнеше секундтан кейін қайталаңыз.\n\
         The service is busy: please try again in a few seconds.\n",
    )
}

fn too_slow() -> Response {
    refusal(
        StatusCode::REQUEST_TIMEOUT,
        false,
        "Запрос передавался слишком медленно и прерван.\n\
         Сұрау тым баяу жіберілді және тоқтатылды.\n\
         The request arrived too slowly and was cut off.\n",
    )
}

/// The client's address as the rate limits see it (`local` in-process, where no limit counts).
fn client_of(s: &Shedder, req: &Request) -> String {
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|ConnectInfo(a)| a.ip());
    let forwarded = req
        .headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok());
    crate::video::client_address(peer, forwarded, &s.app.config.trusted_proxies)
}

/// Reads the body in full, within the memory budget, at the minimum pace and within the
/// request's time limit; the request with its body in memory, and the budget it holds. The
/// budget is taken as bytes arrive, so a slow body holds only what it has sent. A body declared
/// larger than any route takes is left unread for the route's limit to refuse.
async fn receive(s: &Shedder, req: Request) -> Result<(Request, HeldBytes), Response> {
    let mut held = HeldBytes(s.body_bytes.clone(), 0);
    let limit = time_limit(req.method(), req.uri().path());
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let chunked = req.headers().contains_key(header::TRANSFER_ENCODING);
    match declared {
        Some(0) => return Ok((req, held)),
        None if !chunked => return Ok((req, held)),
        Some(n) if n > crate::MAX_BODY => return Ok((req, held)),
        // Refused before it is read when the budget has not room for it now.
        Some(n)
            if s.body_bytes
                .as_ref()
                .is_some_and(|b| b.available_permits() < n) =>
        {
            return Err(shed(s).await)
        }
        _ => {}
    }
    let (parts, body) = req.into_parts();
    let mut buf = Vec::with_capacity(declared.unwrap_or(0));
    let mut stream = body.into_data_stream();
    let started = Instant::now();
    loop {
        let wait = s.pace.grace.min(limit.saturating_sub(started.elapsed()));
        let next = match tokio::time::timeout(wait, stream.next()).await {
            Err(_) => return Err(too_slow()),
            Ok(next) => next,
        };
        match next {
            None => break,
            Some(Err(_)) => {
                return Err(refusal(
                    StatusCode::BAD_REQUEST,
                    false,
                    "Запрос прерван.\nСұрау үзілді.\nThe request was cut short.\n",
                ))
            }
            Some(Ok(chunk)) => {
                let after = buf.len() + chunk.len();
                if after > crate::MAX_BODY || declared.is_some_and(|n| after > n) {
                    return Err(refusal(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        false,
                        "Запрос слишком велик.\nСұрау тым үлкен.\nThe request is too large.\n",
                    ));
                }
                if !held.take(chunk.len()) {
                    return Err(shed(s).await);
                }
                buf.extend_from_slice(&chunk);
            }
        }
        let elapsed = started.elapsed();
        if elapsed > s.pace.grace
            && (buf.len() as f64) < s.pace.min_rate as f64 * elapsed.as_secs_f64()
        {
            return Err(too_slow());
        }
    }
    Ok((Request::from_parts(parts, Body::from(buf)), held))
}

pub async fn middleware(State(s): State<Shedder>, req: Request, next: Next) -> Response {
    if always_answered(req.uri().path()) {
        return next.run(req).await;
    }
    // Full already: refused before anything else is read.
    if s.permits.available_permits() == 0 {
        return shed(&s).await;
    }
    let client = client_of(&s, &req);
    let Some(_slot) = (client == "local")
        .then_some(ClientSlot(None))
        .or_else(|| s.enter(&client))
    else {
        s.app.metrics.shed.fetch_add(1, Ordering::Relaxed);
        return refusal(
            StatusCode::TOO_MANY_REQUESTS,
            true,
            "С вашего адреса уже идёт слишком много запросов; повторите через несколько секунд.\n\
             Сіздің мекенжайыңыздан тым көп сұрау жүріп жатыр; бірнеше секундтан кейін қайталаңыз.\n\
             Too many requests from your address at once: please try again in a few seconds.\n",
        );
    };
    // The body arrives before the request takes a place in flight.
    let (req, _bytes) = match receive(&s, req).await {
        Ok(r) => r,
        Err(refused) => return refused,
    };
    match s.permits.clone().try_acquire_owned() {
        Ok(permit) => {
            let response = next.run(req).await;
            drop(permit);
            response
        }
        Err(_) => shed(&s).await,
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
