//! Writing needs the server's token: `Authorization: Bearer TOKEN`, compared in constant time.
//! CodeCarbon clients send theirs, or a project token the server issued, as `x-api-token`
//! instead ([`codecarbon_writer`]).

use axum::http::{HeaderMap, StatusCode, header};
use subtle::{Choice, ConstantTimeEq};

use crate::error::ApiError;

/// The header CodeCarbon's API client puts its `api_key` in.
pub const API_TOKEN_HEADER: &str = "x-api-token";

/// Who writes through the CodeCarbon endpoints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiWriter {
    /// The bearer of the server's write token (`--token`, `MLCARBON_TOKEN`).
    Server,
    /// The bearer of a token of this CodeCarbon project (`POST /projects/{id}/api-tokens`):
    /// writes runs of that project's experiments only.
    Project(String),
}

/// How project tokens start: `mlcc_<token id>_<secret>`.
pub const PROJECT_TOKEN_PREFIX: &str = "mlcc_";

/// A project token's id and the SHA-256 of its secret, if `token` has a project token's shape.
pub fn split_project_token(token: &str) -> Option<(&str, [u8; 32])> {
    use sha2::{Digest, Sha256};
    let (id, secret) = token.strip_prefix(PROJECT_TOKEN_PREFIX)?.split_once('_')?;
    if id.is_empty() || secret.is_empty() {
        return None;
    }
    Some((id, Sha256::digest(secret.as_bytes()).into()))
}

/// What a CodeCarbon client's `x-api-token` presents: the server's write token, or a
/// project token's id and the SHA-256 of its secret (which the caller looks up in the store:
/// `crate::codecarbon` turns it into its writer). The one place that reads the header: 403
/// when the server is read-only, 401 without the header or with a token of neither shape.
pub fn codecarbon_credential(
    headers: &HeaderMap,
    server_token: Option<&str>,
) -> Result<Credential, ApiError> {
    let Some(expected) = server_token else {
        return Err(read_only());
    };
    let given = headers
        .get(API_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim);
    match given {
        Some(token) if tokens_match(token.as_bytes(), expected.as_bytes()) => {
            Ok(Credential::Server)
        }
        Some(token) => split_project_token(token)
            .map(|(id, secret_sha256)| Credential::ProjectToken {
                id: id.to_string(),
                secret_sha256,
            })
            .ok_or_else(wrong_codecarbon_token),
        None => Err(unauthorized(
            "missing `x-api-token` header: set CodeCarbon's api_key to this server's write token",
        )),
    }
}

/// A CodeCarbon client's token as presented, before the store is asked about a project token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Server,
    ProjectToken { id: String, secret_sha256: [u8; 32] },
}

/// 401 for an `x-api-token` that is neither the server's token nor one it issued.
pub fn wrong_codecarbon_token() -> ApiError {
    unauthorized(
        "wrong x-api-token: CodeCarbon's api_key must be this server's write token or a project token it issued",
    )
}

fn read_only() -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "this server is read-only: start it with a token (MLCARBON_TOKEN or --token-file PATH) to allow writing",
        None,
    )
}

/// Whether `given` equals `expected`, in time that depends on `expected`'s length only: every
/// byte of the expected token is compared, whatever the given one holds.
pub fn tokens_match(given: &[u8], expected: &[u8]) -> bool {
    let mut same: Choice = (given.len() as u64).ct_eq(&(expected.len() as u64));
    for (i, e) in expected.iter().enumerate() {
        let g = given.get(i).copied().unwrap_or(0);
        same &= g.ct_eq(e);
    }
    bool::from(same)
}

/// 403 when the server has no token (read-only), 401 without the right bearer token.
pub fn require_token(headers: &HeaderMap, expected: Option<&str>) -> Result<(), ApiError> {
    let Some(expected) = expected else {
        return Err(read_only());
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, token) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
        });
    match given {
        Some(token) if tokens_match(token.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(unauthorized("wrong token")),
        None => Err(unauthorized(
            "missing `Authorization: Bearer TOKEN` header (the server's token)",
        )),
    }
}

fn unauthorized(message: &str) -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, message, Some("authorization"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_tokens_only() {
        assert!(tokens_match(b"secret", b"secret"));
        assert!(!tokens_match(b"secreT", b"secret"));
        assert!(!tokens_match(b"secret1", b"secret"));
        assert!(!tokens_match(b"secre", b"secret"));
        assert!(!tokens_match(b"", b"secret"));
        assert!(tokens_match(b"", b""));
    }

    #[test]
    fn headers() {
        let mut h = HeaderMap::new();
        assert_eq!(
            require_token(&h, None).expect_err("read-only").status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            require_token(&h, Some("t")).expect_err("missing").status,
            StatusCode::UNAUTHORIZED
        );
        h.insert(header::AUTHORIZATION, "Bearer t".parse().expect("header"));
        assert!(require_token(&h, Some("t")).is_ok());
        h.insert(header::AUTHORIZATION, "bearer  u ".parse().expect("header"));
        assert!(require_token(&h, Some("t")).is_err());
    }
}
