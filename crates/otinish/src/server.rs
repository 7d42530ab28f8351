//! The HTTP server: HTTP/1.1 on a TCP listener, with what `axum::serve` does not offer.
//!
//! * A client must send a request's headers within [`HEADER_TIMEOUT`]; one that trickles them
//!   byte by byte to hold a connection open (slowloris) is cut off.
//! * Each request knows the client's address (rate limits per address).
//! * On shutdown the listener closes at once and the requests in flight are finished.
//! * A request runs to its end even when its client hangs up.

use axum::extract::connect_info::ConnectInfo;
use axum::response::IntoResponse;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long a client may take to send a request's headers.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `router` until `shutdown` resolves, then waits for the requests in flight.
pub async fn serve(listener: TcpListener, router: Router, shutdown: impl Future<Output = ()>) {
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
        });
    }
    drop(listener);
    graceful.shutdown().await;
}
