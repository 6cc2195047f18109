//! One total per distributed job, from the runs that carry its `job_key`: every host counted
//! once, whichever backend stored the runs.
//!
//! On each host the runs that measured the whole machine are what counts; only where a host
//! has none are its runs' process shares added up. So a job whose local-rank-0 processes
//! measured their machines while the other ranks recorded a link (or, by mistake, a process
//! share of the same machine) counts every machine once.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::{Attribution, RunRecord, RunStatus, Store, StoreError};

/// The total of one distributed job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobTotal {
    pub job_key: String,
    /// Where the job stands: running while any counted run runs; else failed, else
    /// interrupted, else finished.
    pub status: RunStatus,
    /// The first run's start and the last run's end (none while running), RFC 3339.
    pub started_at: String,
    pub ended_at: Option<String>,
    /// Energy with PUE, kWh, and emissions, kg CO2e, of every host counted once.
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    /// The job's processes, as the largest `world_size` any run gave, else the number of runs.
    pub world_size: u32,
    pub runs: usize,
    pub projects: Vec<String>,
    /// One entry per host, by host name.
    pub nodes: Vec<HostShare>,
}

/// What one host of a job counted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostShare {
    pub host: String,
    /// How this host's figure was counted: `machine` (one tracker measured it), `process`
    /// (the runs' process shares added), or `link` (no run measured anything).
    pub counted_as: Attribution,
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    /// Ids of the host's runs, counted or not.
    pub run_ids: Vec<i64>,
    /// Global ranks of the host's runs, where known.
    pub ranks: Vec<u32>,
}

impl JobTotal {
    /// The total of `job_key` over `runs` (the runs carrying it, statuses as readers see
    /// them); `None` when there are none.
    pub fn from_runs(job_key: &str, runs: &[RunRecord]) -> Option<JobTotal> {
        let first = runs.iter().min_by(|a, b| start_order(a, b))?;
        let mut by_host: BTreeMap<&str, Vec<&RunRecord>> = BTreeMap::new();
        for run in runs {
            by_host.entry(run.hostname.as_str()).or_default().push(run);
        }
        let nodes: Vec<HostShare> = by_host
            .into_iter()
            .map(|(host, runs)| host_share(host, &runs))
            .collect();
        let counted_status = |status: RunStatus| runs.iter().any(|run| run.status == status);
        let status = [
            RunStatus::Running,
            RunStatus::Failed,
            RunStatus::Interrupted,
        ]
        .into_iter()
        .find(|status| counted_status(*status))
        .unwrap_or(RunStatus::Finished);
        let ended_at = if status == RunStatus::Running {
            None
        } else {
            runs.iter()
                .filter_map(|run| run.ended_at.as_deref())
                .max_by(|a, b| instant_order(a, b))
                .map(str::to_string)
        };
        let mut projects: Vec<String> = runs.iter().map(|run| run.project.clone()).collect();
        projects.sort();
        projects.dedup();
        let world_size = runs
            .iter()
            .filter_map(|run| run.placement.world_size)
            .max()
            .unwrap_or(u32::try_from(runs.len()).unwrap_or(u32::MAX));
        Some(JobTotal {
            job_key: job_key.to_string(),
            status,
            started_at: first.started_at.clone(),
            ended_at,
            energy_kwh: nodes.iter().map(|node| node.energy_kwh).sum(),
            emissions_kg: nodes.iter().map(|node| node.emissions_kg).sum(),
            world_size,
            runs: runs.len(),
            projects,
            nodes,
        })
    }
}

fn host_share(host: &str, runs: &[&RunRecord]) -> HostShare {
    let machine: Vec<&&RunRecord> = runs
        .iter()
        .filter(|run| run.attribution == Attribution::Machine)
        .collect();
    let process: Vec<&&RunRecord> = runs
        .iter()
        .filter(|run| run.attribution == Attribution::Process)
        .collect();
    // Two machine-wide runs of one job on one host measured the same machine over (mostly)
    // the same time: the larger is counted, never their sum.
    let (counted_as, energy_kwh, emissions_kg) = if !machine.is_empty() {
        let largest = machine
            .iter()
            .max_by(|a, b| a.energy_kwh.total_cmp(&b.energy_kwh))
            .map(|run| (run.energy_kwh, run.emissions_kg))
            .unwrap_or((0.0, 0.0));
        (Attribution::Machine, largest.0, largest.1)
    } else if !process.is_empty() {
        (
            Attribution::Process,
            process.iter().map(|run| run.energy_kwh).sum(),
            process.iter().map(|run| run.emissions_kg).sum(),
        )
    } else {
        (Attribution::Link, 0.0, 0.0)
    };
    let mut ranks: Vec<u32> = runs.iter().filter_map(|run| run.placement.rank).collect();
    ranks.sort_unstable();
    HostShare {
        host: host.to_string(),
        counted_as,
        energy_kwh,
        emissions_kg,
        run_ids: runs.iter().map(|run| run.id).collect(),
        ranks,
    }
}

fn start_order(a: &RunRecord, b: &RunRecord) -> std::cmp::Ordering {
    instant_order(&a.started_at, &b.started_at)
}

/// RFC 3339 instants in time order (text order misorders offsets), to the second, then by text;
/// unparsable ones (never stored: the store checks them) sort by text.
fn instant_order(a: &str, b: &str) -> std::cmp::Ordering {
    match (
        mlcarbon_time::UtcTime::parse(a),
        mlcarbon_time::UtcTime::parse(b),
    ) {
        (Ok(time_a), Ok(time_b)) => time_a.cmp(&time_b).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

impl Store {
    /// The total of one job; `None` when no run carries `job_key`.
    pub fn job(&self, job_key: &str) -> Result<Option<JobTotal>, StoreError> {
        let runs = self.runs(&crate::RunFilter {
            job_key: Some(job_key.to_string()),
            ..crate::RunFilter::default()
        })?;
        Ok(JobTotal::from_runs(job_key, &runs))
    }

    /// The totals of the `limit` most recently started jobs, newest first.
    pub fn jobs(&self, limit: usize) -> Result<Vec<JobTotal>, StoreError> {
        let mut jobs = Vec::new();
        for key in self.job_keys(limit)? {
            jobs.extend(self.job(&key)?);
        }
        Ok(jobs)
    }
}
