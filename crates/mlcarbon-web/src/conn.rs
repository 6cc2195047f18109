//! The accept loop: every connection gets a header-read deadline (which is also the idle
//! timeout of a kept-alive connection), every request body a read deadline, and the number of
//! connections served at once is capped, so that a few slow, idle or half-sent clients cannot
//! hold the descriptors and threads others need.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::error::{ApiError, WebError};

/// Bounds on what one client may hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// A request's line and headers must arrive whole within this, counted from the
    /// connection's opening or from its previous answer: also the idle timeout of a kept-alive
    /// connection.
    pub header_read_timeout: Duration,
    /// A request's body must arrive whole within this once its headers have (408 otherwise).
    pub body_read_timeout: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
}

/// The cap when the descriptor limit cannot be read.
const DEFAULT_MAX_CONNECTIONS: usize = 512;
/// Descriptors left for the database, the data and the listener under a low limit.
const RESERVED_DESCRIPTORS: usize = 32;

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: Duration::from_secs(10),
            body_read_timeout: Duration::from_secs(10),
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl ConnectionLimits {
    /// The defaults, with the cap lowered below this process's open-file limit so that the
    /// server refuses a connection with 503 before it runs out of descriptors.
    pub fn for_this_process() -> Self {
        let soft_limit = std::fs::read_to_string("/proc/self/limits")
            .ok()
            .and_then(|text| open_files_limit(&text));
        let mut limits = ConnectionLimits::default();
        if let Some(limit) = soft_limit {
            limits.max_connections = limits
                .max_connections
                .min(limit.saturating_sub(RESERVED_DESCRIPTORS))
                .max(1);
        }
        limits
    }
}

/// The soft "Max open files" of `/proc/self/limits` (`unlimited`: none).
fn open_files_limit(limits: &str) -> Option<usize> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The answer to a connection over the cap, written without reading its request.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 85\r\nconnection: close\r\nretry-after: 1\r\n\r\n{\"error\":\"the server is serving its maximum of connections; try again\",\"field\":null}\n";

/// Reads the whole body (bounded by the body limit) before the handler runs, within the
/// deadline; a body that trickles in slower is a 408.
async fn read_body_in_time(
    State(deadline): State<Duration>,
    request: Request,
    next: Next,
) -> Response {
    let (parts, body) = request.into_parts();
    if axum::body::HttpBody::size_hint(&body).exact() == Some(0) {
        return next.run(Request::from_parts(parts, body)).await;
    }
    let limit = crate::body_limit(&parts.method, parts.uri.path());
    let read = axum::body::to_bytes(body, limit + 1);
    let bytes = match tokio::time::timeout(deadline, read).await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("the request body is larger than {limit} bytes or was cut off"),
                Some("body"),
            )
            .into_response();
        }
        Err(_) => {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} s",
                    deadline.as_secs_f64()
                ),
                Some("body"),
            )
            .into_response();
        }
    };
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Serves `router` on `listener` within `limits` until `shutdown` completes; connections then
/// finish their current request.
pub async fn serve_limited(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), WebError> {
    let router = router.layer(middleware::from_fn_with_state(
        limits.body_read_timeout,
        read_body_in_time,
    ));
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(pair) => pair,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) if is_out_of_descriptors(&e) => {
                    // Out of descriptors despite the cap (other files open): wait for some.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(e) => return Err(WebError::Serve(e)),
            },
            () = &mut shutdown => break,
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            tokio::spawn(refuse(stream));
            continue;
        };
        let router = router.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let service = TowerToHyperService::new(
                // The client's address, for handlers that record who wrote (CodeCarbon runs).
                router.map_request(move |request: axum::http::Request<Incoming>| {
                    let mut request = request.map(Body::new);
                    request.extensions_mut().insert(ConnectInfo(peer));
                    request
                }),
            );
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .keep_alive(true);
            let connection = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(connection);
            let stopping = tokio::select! {
                _ = connection.as_mut() => false,
                // A dropped sender means the loop is gone: stop as well.
                _ = stop.wait_for(|stopped| *stopped) => true,
            };
            if stopping {
                connection.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(limits.body_read_timeout, connection).await;
            }
            drop(permit);
        });
    }
    let _ = stop_tx.send(true);
    // Connections finish their current request; every permit back means every one has closed.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(limits.body_read_timeout, permits.acquire_many(all)).await;
    Ok(())
}

/// Over the cap: a short 503 (if the client takes it within a second) and the connection closed.
async fn refuse(stream: TcpStream) {
    // The answer fits in a fresh socket's send buffer: one write is enough.
    if let Ok(Ok(())) = tokio::time::timeout(Duration::from_secs(1), stream.writable()).await {
        let _ = stream.try_write(BUSY);
    }
}

/// Errors of one connection that was being accepted, not of the listener.
fn is_connection_error(error: &std::io::Error) -> bool {
    matches!(
        error.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// EMFILE or ENFILE: the process or the system is out of file descriptors.
fn is_out_of_descriptors(error: &std::io::Error) -> bool {
    matches!(error.raw_os_error(), Some(23 | 24))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_file_limit_is_read_from_proc() {
        let text = "Limit                     Soft Limit           Hard Limit           Units     \nMax cpu time              unlimited            unlimited            seconds   \nMax open files            256                  1048576              files     \n";
        assert_eq!(open_files_limit(text), Some(256));
        assert_eq!(
            open_files_limit("Max open files            unlimited  unlimited  files"),
            None
        );
    }

    #[test]
    fn the_busy_answer_is_well_formed() {
        let text = std::str::from_utf8(BUSY).expect("ASCII");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(
            head.contains(&format!("content-length: {}", body.len())),
            "{head}"
        );
        let parsed: serde_json::Value = serde_json::from_str(body).expect("JSON");
        assert!(parsed["error"].is_string());
    }
}
