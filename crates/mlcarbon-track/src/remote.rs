//! Reading a team server: the jobs, runs and run details its JSON API answers (`/api/jobs`,
//! `/api/jobs/{key}`, `/api/runs`, `/api/runs/{id}`, `/api/runs/{id}/power`), read into the
//! store's own types, so that a front end renders them exactly as it renders its local
//! database's. A job measured on several hosts is whole only on the server its trackers pushed to.

use mlcarbon_store::{JobTotal, PowerSeries, RunDetail, RunFilter, RunRecord};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::http::{Answer, ServerUrl, encode, get};

/// Why a read from a team server failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// No answer: the server is down, unreachable, or its answer could not be read.
    #[error("cannot read from the team server {server}: {reason}")]
    Unreachable { server: String, reason: String },
    /// 401 or 403: no token, a token the server does not accept, or one without read access.
    #[error("the team server {server} refused to answer ({status}): {message}")]
    Denied {
        server: String,
        status: u16,
        message: String,
    },
    /// Not found (404). `field` is the part of the request the server could not find: `key`
    /// for a job key it does not know; none when it is something else (no run database).
    #[error("the team server {server}: {message}")]
    NotFound {
        server: String,
        field: Option<String>,
        message: String,
    },
    /// Any other refusal or failure (a bad filter: 400; the server's trouble: 5xx).
    #[error("the team server {server} answered {status}: {message}")]
    Failed {
        server: String,
        status: u16,
        message: String,
    },
    /// A 2xx answer that is not the JSON asked for: not an mlcarbon server, or another version.
    #[error(
        "the team server {server} answered {path} with JSON this mlcarbon cannot read ({reason}); is it an mlcarbon server of the same version?"
    )]
    BadAnswer {
        server: String,
        path: String,
        reason: String,
    },
}

/// The body of an API error: `{"error", "field"}`.
#[derive(Deserialize)]
struct ErrorAnswer {
    field: Option<String>,
}

/// A team server read with an optional token, sent as `Authorization: Bearer` (reads of a
/// server without accounts need none; a token is sent whenever one is given).
#[derive(Debug, Clone)]
pub struct TeamReader {
    server: ServerUrl,
    token: Option<String>,
}

impl TeamReader {
    pub fn new(server: ServerUrl, token: Option<String>) -> TeamReader {
        TeamReader { server, token }
    }

    pub fn server(&self) -> &ServerUrl {
        &self.server
    }

    /// `/api/jobs`: the `limit` most recently started jobs, newest first.
    pub fn jobs(&self, limit: usize) -> Result<Vec<JobTotal>, ReadError> {
        self.read(&format!("/api/jobs?limit={limit}"))
    }

    /// `/api/jobs/{key}`: one job's total with each host.
    pub fn job(&self, key: &str) -> Result<JobTotal, ReadError> {
        self.read(&format!("/api/jobs/{}", encode(key)))
    }

    /// `/api/runs`: the runs `filter` selects, newest first (the server caps `limit`).
    pub fn runs(&self, filter: &RunFilter) -> Result<Vec<RunRecord>, ReadError> {
        self.read(&format!("/api/runs{}", run_query(filter)))
    }

    /// `/api/runs/{reference}`: a run by its id on the server, `last`, or its uuid.
    pub fn run(&self, reference: &str) -> Result<RunDetail, ReadError> {
        self.read(&format!("/api/runs/{}", encode(reference)))
    }

    /// `/api/runs/{reference}/power`: the run's power downsampled to at most `points` points.
    pub fn power(&self, reference: &str, points: usize) -> Result<PowerSeries, ReadError> {
        self.read(&format!(
            "/api/runs/{}/power?points={points}",
            encode(reference)
        ))
    }

    fn read<T: DeserializeOwned>(&self, path: &str) -> Result<T, ReadError> {
        let server = self.server.to_string();
        let answer = get(&self.server, path, self.token.as_deref()).map_err(|reason| {
            ReadError::Unreachable {
                server: server.clone(),
                reason,
            }
        })?;
        if (200..300).contains(&answer.status) {
            return serde_json::from_slice(&answer.body).map_err(|e| ReadError::BadAnswer {
                server,
                path: path.split('?').next().unwrap_or(path).to_string(),
                reason: e.to_string(),
            });
        }
        Err(refusal(server, &answer))
    }
}

fn refusal(server: String, answer: &Answer) -> ReadError {
    let message = answer.message();
    match answer.status {
        401 | 403 => ReadError::Denied {
            server,
            status: answer.status,
            message,
        },
        404 => ReadError::NotFound {
            server,
            field: serde_json::from_slice::<ErrorAnswer>(&answer.body)
                .ok()
                .and_then(|e| e.field),
            message,
        },
        status => ReadError::Failed {
            server,
            status,
            message,
        },
    }
}

/// The query string of `/api/runs` for `filter`: its parameters are named like the filter's
/// fields (`job` for the job key), empty when nothing filters.
fn run_query(filter: &RunFilter) -> String {
    let pairs: Vec<String> = [
        ("project", filter.project.clone()),
        ("experiment", filter.experiment.clone()),
        ("tag", filter.tag.clone()),
        ("since", filter.since.clone()),
        ("until", filter.until.clone()),
        ("status", filter.status.map(|s| s.as_str().to_string())),
        ("job", filter.job_key.clone()),
        ("limit", filter.limit.map(|n| n.to_string())),
    ]
    .into_iter()
    .filter_map(|(name, value)| value.map(|v| format!("{name}={}", encode(&v))))
    .collect();
    if pairs.is_empty() {
        String::new()
    } else {
        format!("?{}", pairs.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlcarbon_store::RunStatus;

    #[test]
    fn run_filters_become_the_apis_query() {
        assert_eq!(run_query(&RunFilter::default()), "");
        let filter = RunFilter {
            project: Some("vision & nlp".into()),
            status: Some(RunStatus::Failed),
            job_key: Some("slurm:77.0".into()),
            since: Some("2026-01-01T00:00:00Z".into()),
            limit: Some(5),
            ..RunFilter::default()
        };
        assert_eq!(
            run_query(&filter),
            "?project=vision%20%26%20nlp&since=2026-01-01T00%3A00%3A00Z&status=failed&job=slurm%3A77.0&limit=5"
        );
    }

    #[test]
    fn refusals_say_which() {
        let answer = |status: u16, body: &str| Answer {
            status,
            body: body.as_bytes().to_vec(),
        };
        let server = || "http://h:1".to_string();
        assert!(matches!(
            refusal(server(), &answer(401, r#"{"error":"missing token","field":null}"#)),
            ReadError::Denied { status: 401, message, .. } if message == "missing token"
        ));
        assert!(matches!(
            refusal(server(), &answer(404, r#"{"error":"no job `x`","field":"key"}"#)),
            ReadError::NotFound { field: Some(field), .. } if field == "key"
        ));
        assert!(matches!(
            refusal(server(), &answer(404, "not JSON")),
            ReadError::NotFound { field: None, message, .. } if message == "not JSON"
        ));
        assert!(matches!(
            refusal(server(), &answer(502, "")),
            ReadError::Failed { status: 502, .. }
        ));
    }
}
