//! Compact JSON answers, indented on request: `?pretty` (or `pretty=true`, `pretty=1`) on any
//! JSON endpoint. Handlers write compact JSON; this layer takes the parameter off the query
//! before they see it and indents the answer after, keeping field order and number text as the
//! handler wrote them.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Whether the query asks for indented JSON, and the query without that parameter; a `pretty`
/// of another value is an error.
fn take_pretty(query: &str) -> Result<(bool, String), ApiError> {
    let mut pretty = false;
    let mut kept: Vec<&str> = Vec::new();
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let name = pair.split_once('=').map_or(pair, |(name, _)| name);
        if name != "pretty" {
            kept.push(pair);
            continue;
        }
        match pair {
            "pretty" | "pretty=" | "pretty=true" | "pretty=1" => pretty = true,
            "pretty=false" | "pretty=0" => pretty = false,
            _ => {
                return Err(ApiError::bad(
                    "pretty",
                    "pretty is true, false, 1 or 0 (or `?pretty` alone)",
                ));
            }
        }
    }
    Ok((pretty, kept.join("&")))
}

/// The layer: see the module's description.
pub async fn layer(mut request: Request, next: Next) -> Response {
    let Some(query) = request.uri().query() else {
        return next.run(request).await;
    };
    if !query.contains("pretty") {
        return next.run(request).await;
    }
    let (pretty, rest) = match take_pretty(query) {
        Ok(taken) => taken,
        Err(error) => return error.into_response(),
    };
    let path = request.uri().path();
    let path_and_query = if rest.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{rest}")
    };
    let mut parts = request.uri().clone().into_parts();
    parts.path_and_query = path_and_query.parse().ok();
    if let Ok(uri) = Uri::from_parts(parts) {
        *request.uri_mut() = uri;
    }
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let is_download = response.headers().contains_key(header::CONTENT_DISPOSITION);
    if !pretty || !is_json || is_download {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return ApiError::internal(format!("cannot read the answer: {e}")).into_response();
        }
    };
    let indented = indent(&bytes);
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    Response::from_parts(parts, Body::from(indented))
}

/// Compact JSON indented as `serde_json::to_string_pretty` does (two spaces, `": "`, `[]` and
/// `{}` when empty), with a final newline. Text inside strings is copied as it is.
pub fn indent(compact: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 2));
    };
    let mut i = 0;
    while i < compact.len() {
        let byte = compact[i];
        if in_string {
            out.push(byte);
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match byte {
            b'"' => {
                in_string = true;
                out.push(byte);
            }
            b'{' | b'[' => {
                let close = if byte == b'{' { b'}' } else { b']' };
                if compact.get(i + 1) == Some(&close) {
                    out.extend_from_slice(&[byte, close]);
                    i += 2;
                    continue;
                }
                out.push(byte);
                depth += 1;
                newline(&mut out, depth);
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                newline(&mut out, depth);
                out.push(byte);
            }
            b',' => {
                out.push(byte);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            b' ' | b'\n' | b'\r' | b'\t' => {}
            _ => out.push(byte),
        }
        i += 1;
    }
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_parameter_is_taken_off_the_query() {
        let taken = |q: &str| take_pretty(q).expect("a valid query");
        assert_eq!(taken("pretty"), (true, String::new()));
        assert_eq!(
            taken("hours=1&pretty=true&zone=FR"),
            (true, "hours=1&zone=FR".to_string())
        );
        assert_eq!(taken("pretty=0&a=1"), (false, "a=1".to_string()));
        assert_eq!(taken("prettyish=1"), (false, "prettyish=1".to_string()));
        let error = take_pretty("pretty=%0C").expect_err("not a flag value");
        assert_eq!(error.body.field.as_deref(), Some("pretty"));
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            ".*".prop_map(serde_json::Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(serde_json::Value::from),
                prop::collection::btree_map(".*", inner, 0..6)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Indenting compact JSON gives exactly what serde_json's pretty printer writes.
        #[test]
        fn indent_matches_serde_json_pretty(value in json_value()) {
            let compact = serde_json::to_vec(&value).expect("compact");
            let mut pretty = serde_json::to_vec_pretty(&value).expect("pretty");
            pretty.push(b'\n');
            let indented = indent(&compact);
            prop_assert_eq!(
                String::from_utf8_lossy(&indented),
                String::from_utf8_lossy(&pretty)
            );
        }
    }
}
