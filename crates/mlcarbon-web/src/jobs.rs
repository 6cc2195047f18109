//! Distributed jobs on the API: `/api/jobs` and `/api/jobs/{key}`, and the loading the job
//! pages (`crate::pages::jobs`) share. A job is the runs that carry one job key, every host
//! counted once ([`mlcarbon_store::JobTotal`]).

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use mlcarbon_store::{JobTotal, RunFilter, RunRecord};

use crate::api::{ApiResult, json};
use crate::error::ApiError;
use crate::query::Params;
use crate::state::AppState;

/// Jobs listed when no `limit` is given, and the most a request may ask for.
pub(crate) const DEFAULT_JOBS: usize = 50;
const MAX_JOBS: usize = 1000;

/// The longest job key accepted in a path (keys are stored up to 200 characters).
const MAX_KEY_CHARS: usize = 200;

pub(crate) fn job_key(key: &str) -> Result<String, ApiError> {
    let key = key.trim();
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS || key.chars().any(char::is_control) {
        return Err(ApiError::bad(
            "key",
            "a job key is 1 to 200 printable characters, as `mlcarbon jobs` lists them",
        ));
    }
    Ok(key.to_string())
}

/// The jobs a reader may see (see [`crate::accounts::reader`]): totalled over the runs it may
/// see, a job with none left out (so a reader of few teams may get fewer than `limit`).
pub(crate) async fn load_jobs(state: &AppState, limit: usize) -> Result<Vec<JobTotal>, ApiError> {
    let visible = crate::accounts::reader()?;
    state
        .with_store(move |store| {
            if visible.is_none() {
                return store.jobs(limit);
            }
            let mut jobs = Vec::new();
            for key in store.job_keys(limit)? {
                let runs = store.runs(&RunFilter {
                    job_key: Some(key.clone()),
                    visible_to: visible.clone(),
                    ..RunFilter::default()
                })?;
                jobs.extend(JobTotal::from_runs(&key, &runs));
            }
            Ok(jobs)
        })
        .await
}

pub(crate) async fn load_job(
    state: &AppState,
    key: String,
) -> Result<(JobTotal, Vec<RunRecord>), ApiError> {
    let missing = format!("no job `{key}`: `mlcarbon jobs` or /api/jobs lists the stored ones");
    let visible = crate::accounts::reader()?;
    let found = state
        .with_store(move |store| {
            let runs = store.runs(&RunFilter {
                job_key: Some(key.clone()),
                visible_to: visible,
                ..RunFilter::default()
            })?;
            Ok(JobTotal::from_runs(&key, &runs).map(|job| (job, runs)))
        })
        .await?;
    // `field` names what was not found, so that a client tells an unknown job from a server
    // without a database (also 404).
    found.ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, missing, Some("key")))
}

/// `/api/jobs`: the most recently started jobs, newest first.
pub async fn jobs_list(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["limit", "format"]])?;
    params.choice("format", &["json"])?;
    let limit = params.limit("limit", DEFAULT_JOBS, MAX_JOBS)?;
    json(&load_jobs(&state, limit).await?)
}

/// `/api/jobs/{key}`: one job's total with its hosts.
pub async fn job_get(
    State(state): State<AppState>,
    Path(key): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["format"]])?;
    params.choice("format", &["json"])?;
    let (job, _) = load_job(&state, job_key(&key)?).await?;
    json(&job)
}
