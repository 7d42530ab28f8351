//! The HTTP server: HTTP/1.1 on a TCP listener, with what `axum::serve` does not offer.
//!
//! * A client must send a request's headers within [`HEADER_TIMEOUT`]; one that trickles them
//!   byte by byte to hold a connection open (slowloris) is cut off.
//! * Each request knows the client's address (rate limits per address).
//! * One client address holds at most [`ConnectionCap::per_client`] connections, idle or not:
//!   one more is answered 429 and closed before anything is read from it, so a single
//!   machine cannot hold every socket open (the requests they carry are capped in web's shed).
//! * On shutdown the listener closes at once and the requests in flight are finished.
//! * A request runs to its end even when its client hangs up.

use axum::extract::connect_info::ConnectInfo;
use axum::response::IntoResponse;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;

/// How long a client may take to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How many connections one client address may hold open at once.
#[derive(Debug, Clone, Default)]
pub struct ConnectionCap {
    /// 0: no limit.
    pub per_client: usize,
    /// Reverse proxies: every client behind them shares their address, so they are not counted.
    pub exempt: Vec<IpAddr>,
}

/// The answer to a connection over the cap, written without reading anything.
const TOO_MANY: &[u8] = b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 5\r\n\
    Content-Type: text/plain; charset=utf-8\r\nContent-Length: 34\r\nConnection: close\r\n\r\n\
    too many connections from this IP\n";

/// Open connections per client address.
#[derive(Clone, Default)]
struct Open(Arc<Mutex<HashMap<IpAddr, usize>>>);

/// One counted connection; uncounted when the connection ends.
struct Held(Open, IpAddr);

impl Open {
    fn take(&self, ip: IpAddr, cap: usize) -> Option<Held> {
        let mut open = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let n = open.entry(ip).or_insert(0);
        if *n >= cap {
            return None;
        }
        *n += 1;
        Some(Held(self.clone(), ip))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut open = (self.0).0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(n) = open.get_mut(&self.1) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.1);
            }
        }
    }
}

/// Serves `router` until `shutdown` resolves, then waits for the requests in flight.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    cap: ConnectionCap,
    shutdown: impl Future<Output = ()>,
) {
    let open = Open::default();
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment, do not spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let ip = addr.ip().to_canonical();
        let held = if cap.per_client == 0 || cap.exempt.contains(&ip) {
            None
        } else {
            match open.take(ip, cap.per_client) {
                Some(h) => Some(h),
                None => {
                    // Never waits on the client: what the socket takes at once, then closed.
                    let _ = stream.try_write(TOO_MANY);
                    tracing::debug!(%addr, "connection over the per-client cap refused");
                    continue;
                }
            }
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let service = TowerToHyperService::new(tower::service_fn(
            move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(addr));
                // The request runs as a task of its own, to its end: a client that hangs up
                // drops only the wait for the answer, never the request's database work
                // half-way (a phone losing signal must not leave a transaction open).
                let work = tokio::spawn(tower::ServiceExt::oneshot(router.clone(), req));
                async move {
                    match work.await {
                        Ok(answer) => answer,
                        Err(e) => {
                            tracing::error!(error = %e, "a request's task ended abnormally");
                            Ok(axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response())
                        }
                    }
                }
            },
        ));
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_TIMEOUT)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %addr, "connection ended");
            }
            drop(held);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
