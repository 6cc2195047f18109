//! Errors: [`ApiError`] is what a request gets back (a status and a JSON body naming the field),
//! [`WebError`] is why the server could not start.

use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use mlcarbon_data::LookupError;
use mlcarbon_store::StoreError;
use serde::Serialize;

/// Why `serve` could not start or stopped.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error(
        "{addr} is already in use: another server listens there; stop it or give another address, e.g. --bind 127.0.0.1:8081"
    )]
    AddressInUse { addr: SocketAddr },
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("runs database {}: {source}", path.display())]
    Store { path: PathBuf, source: StoreError },
    #[error("the server stopped: {0}")]
    Serve(std::io::Error),
    #[error("cannot start the server's runtime: {0}")]
    Runtime(std::io::Error),
    #[error(
        "the token is empty: writing would be refused to everyone; give a secret (e.g. `head -c 32 /dev/urandom | base64 > token` and --token-file token) or none for a read-only server"
    )]
    EmptyToken,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        ApiError::internal(self.to_string()).into_response()
    }
}

/// The JSON body of every error answer: `{"error": "...", "field": "..."}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorBody {
    pub error: String,
    /// The query parameter or body field at fault; null when no single one is.
    pub field: Option<String>,
}

/// An error answer of the API (and, rendered as HTML, of the pages).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: ErrorBody,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>, field: Option<&str>) -> Self {
        ApiError {
            status,
            body: ErrorBody {
                error: error.into(),
                field: field.map(str::to_string),
            },
        }
    }

    /// 400: bad input in `field`.
    pub fn bad(field: &str, error: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, error, Some(field))
    }

    /// 400 without one field to blame (e.g. two locations at once).
    pub fn bad_request(error: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, error, None)
    }

    pub fn not_found(error: impl Into<String>) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, error, None)
    }

    /// 500: something on the server's side (the database file is broken); never bad input.
    pub fn internal(error: impl Into<String>) -> Self {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, error, None)
    }

    /// A lookup that found no row, or several: the client named something the data lacks.
    pub fn lookup(field: &str, error: &LookupError, list: &str) -> Self {
        let text = match error {
            LookupError::NotFound { suggestions, .. } if suggestions.is_empty() => {
                format!("{error}; /api/{list} lists them")
            }
            _ => error.to_string(),
        };
        ApiError::bad(field, text)
    }

    /// Store errors: bad input is the client's (400/404/409); the rest is the server's.
    pub fn store(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(id) => ApiError::not_found(format!("no run with id {id}")),
            StoreError::Invalid { field, reason } => {
                ApiError::bad(field, format!("invalid {field}: {reason}"))
            }
            StoreError::Timestamp { field, value } => ApiError::bad(
                field,
                format!(
                    "invalid timestamp `{value}` in {field}: expected a date (2024-01-31) or RFC 3339 (2024-01-31T12:00:00Z)"
                ),
            ),
            StoreError::DuplicateRun(uuid) => ApiError::new(
                StatusCode::CONFLICT,
                format!("a run with uuid `{uuid}` is already stored"),
                Some("run.uuid"),
            ),
            e @ StoreError::DuplicateSample { .. } => {
                ApiError::new(StatusCode::CONFLICT, e.to_string(), Some("samples"))
            }
            e @ StoreError::UnknownComponent { .. } => ApiError::bad("samples", e.to_string()),
            e @ StoreError::Exists { .. } => {
                ApiError::new(StatusCode::CONFLICT, e.to_string(), None)
            }
            e @ StoreError::Unknown { .. } => ApiError::not_found(e.to_string()),
            other => ApiError::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
