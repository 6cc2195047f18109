//! Distributed jobs: `/api/jobs` and `/api/jobs/{key}` (JSON), `/jobs` and `/jobs/{key}`
//! (pages). A job is the runs that carry one job key, every host counted once
//! ([`mlcarbon_store::JobTotal`]).

use std::fmt::Write;

use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use mlcarbon_model::statement::{human_energy, human_mass};
use mlcarbon_store::{JobTotal, RunFilter, RunRecord};

use crate::api::{ApiResult, json};
use crate::error::ApiError;
use crate::pages::{Nav, error_page, escape, html, layout, table};
use crate::query::{Params, encode};
use crate::state::AppState;

/// Jobs listed when no `limit` is given, and the most a request may ask for.
const DEFAULT_JOBS: usize = 50;
const MAX_JOBS: usize = 1000;

/// The longest job key accepted in a path (keys are stored up to 200 characters).
const MAX_KEY_CHARS: usize = 200;

fn job_key(key: &str) -> Result<String, ApiError> {
    let key = key.trim();
    if key.is_empty() || key.chars().count() > MAX_KEY_CHARS || key.chars().any(char::is_control) {
        return Err(ApiError::bad(
            "key",
            "a job key is 1 to 200 printable characters, as `mlcarbon jobs` lists them",
        ));
    }
    Ok(key.to_string())
}

async fn load_jobs(state: &AppState, limit: usize) -> Result<Vec<JobTotal>, ApiError> {
    state.with_store(move |store| store.jobs(limit)).await
}

async fn load_job(state: &AppState, key: String) -> Result<(JobTotal, Vec<RunRecord>), ApiError> {
    let missing = format!("no job `{key}`: `mlcarbon jobs` or /api/jobs lists the stored ones");
    let found = state
        .with_store(move |store| {
            let runs = store.runs(&RunFilter {
                job_key: Some(key.clone()),
                ..RunFilter::default()
            })?;
            Ok(JobTotal::from_runs(&key, &runs).map(|job| (job, runs)))
        })
        .await?;
    found.ok_or_else(|| ApiError::not_found(missing))
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

fn job_link(key: &str) -> String {
    format!(
        r#"<a href="/jobs/{}">{}</a>"#,
        escape(&encode(key)),
        escape(key)
    )
}

/// `/jobs`: the jobs, newest first.
pub async fn list_page(State(state): State<AppState>) -> Response {
    if !state.has_store() {
        return error_page(&ApiError::not_found(
            "this server has no run database: start it with --db PATH",
        ));
    }
    let jobs = match load_jobs(&state, DEFAULT_JOBS).await {
        Ok(jobs) => jobs,
        Err(e) => return error_page(&e),
    };
    let mut body = String::from("<h1>Jobs</h1>");
    if jobs.is_empty() {
        body.push_str(
            r#"<p id="no-jobs" class="note">No distributed jobs yet. Runs belong to a job when they carry a job key: <code>mlcarbon run --job ID -- CMD</code> on every host, or detected from Slurm (<code>SLURM_JOB_ID</code>) and torchrun (<code>TORCHELASTIC_RUN_ID</code>).</p>"#,
        );
    } else {
        let rows: Vec<Vec<String>> = jobs
            .iter()
            .map(|job| {
                vec![
                    job_link(&job.job_key),
                    escape(job.status.as_str()),
                    escape(&job.started_at),
                    job.nodes.len().to_string(),
                    job.runs.to_string(),
                    escape(&human_energy(job.energy_kwh)),
                    escape(&human_mass(job.emissions_kg)),
                ]
            })
            .collect();
        body.push_str(&table(
            "jobs",
            "runs",
            &[
                "job", "status", "started", "hosts", "runs", "energy", "CO2e",
            ],
            &rows,
        ));
    }
    html(StatusCode::OK, layout("Jobs", Nav::Runs, &body))
}

/// `/jobs/{key}`: one job: its total, each host and how it was counted, its runs.
pub async fn job_page(State(state): State<AppState>, Path(key): Path<String>) -> Response {
    let key = match job_key(&key) {
        Ok(key) => key,
        Err(e) => return error_page(&e),
    };
    let (job, runs) = match load_job(&state, key).await {
        Ok(found) => found,
        Err(e) => return error_page(&e),
    };
    let mut body = String::new();
    let _ = write!(
        body,
        r#"<h1 id="job-title">Job <code>{key}</code> <span class="status {status}">{status}</span></h1>
<p class="headline"><output id="job-emissions">{kg} CO<sub>2</sub>e</output> <span class="muted">{kwh} over {hosts} host(s), {runs} run(s), world size {world}</span></p>
<p class="note">Each host is counted once: the run that measured its whole machine, else the sum of its runs' process shares. Runs that only link to the job count nothing.</p>
"#,
        key = escape(&job.job_key),
        status = escape(job.status.as_str()),
        kg = escape(&human_mass(job.emissions_kg)),
        kwh = escape(&human_energy(job.energy_kwh)),
        hosts = job.nodes.len(),
        runs = job.runs,
        world = job.world_size,
    );
    let node_rows: Vec<Vec<String>> = job
        .nodes
        .iter()
        .map(|node| {
            vec![
                escape(&node.host),
                escape(node.counted_as.as_str()),
                escape(&human_energy(node.energy_kwh)),
                escape(&human_mass(node.emissions_kg)),
                node.ranks
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            ]
        })
        .collect();
    body.push_str("<h2>Hosts</h2>");
    body.push_str(&table(
        "job-nodes",
        "runs",
        &["host", "counted as", "energy", "CO2e", "ranks"],
        &node_rows,
    ));
    let run_rows: Vec<Vec<String>> = runs
        .iter()
        .map(|run| {
            vec![
                format!(r#"<a href="/runs/{id}">{id}</a>"#, id = run.id),
                escape(&run.hostname),
                run.placement
                    .rank
                    .map(|r| r.to_string())
                    .unwrap_or_default(),
                escape(run.attribution.as_str()),
                escape(run.status.as_str()),
                escape(&human_energy(run.energy_kwh)),
                escape(&human_mass(run.emissions_kg)),
            ]
        })
        .collect();
    body.push_str("<h2>Runs</h2>");
    body.push_str(&table(
        "job-runs",
        "runs",
        &["run", "host", "rank", "counts", "status", "energy", "CO2e"],
        &run_rows,
    ));
    html(
        StatusCode::OK,
        layout(&format!("Job {}", job.job_key), Nav::Runs, &body),
    )
}

/// The job row of a run's page: a link to its job, with its rank.
pub fn run_job_html(run: &RunRecord) -> Option<String> {
    let key = run.placement.job_key.as_deref()?;
    let rank = match (run.placement.rank, run.placement.world_size) {
        (Some(rank), Some(world)) => format!(", rank {rank} of {world}"),
        (Some(rank), None) => format!(", rank {rank}"),
        _ => String::new(),
    };
    Some(format!(
        "{}{}; counts {}",
        job_link(key),
        escape(&rank),
        escape(run.attribution.as_str())
    ))
}
