//! The job pages: `/jobs` (the jobs, newest first) and `/jobs/{key}` (one job: its total,
//! each host and how it was counted, its runs).

use std::fmt::Write;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use mlcarbon_model::statement::{human_energy, human_mass};
use mlcarbon_store::RunRecord;

use crate::error::ApiError;
use crate::jobs::{DEFAULT_JOBS, job_key, load_job, load_jobs};
use crate::pages::{Nav, error_page, escape, html, layout, table};
use crate::query::encode;
use crate::state::AppState;

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
<p class="headline"><output id="job-emissions">{kg} CO<sub>2</sub>e</output> <span class="muted">{kwh} over {hosts}, {runs}, world size {world}</span></p>
<p class="note">Each host is counted once: the run that measured its whole machine, else the sum of its runs' process shares. Runs that only link to the job count nothing.</p>
"#,
        key = escape(&job.job_key),
        status = escape(job.status.as_str()),
        kg = escape(&human_mass(job.emissions_kg)),
        kwh = escape(&human_energy(job.energy_kwh)),
        hosts = super::count(job.nodes.len(), "host", "hosts"),
        runs = super::count(job.runs, "run", "runs"),
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
