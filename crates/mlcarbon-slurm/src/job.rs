//! Rows grouped into jobs. sacct prints a job's row and then its steps' rows; a job's own row
//! already totals its steps (TotalCPU, energy), so a job is counted once, from its own row, and
//! its steps only fill in what that row lacks (MaxRSS, GPU utilisation).

use crate::SlurmError;
use crate::fields::{JobState, StepKind};
use crate::row::SacctRow;
use std::collections::HashSet;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};

/// One job (an array task and a heterogeneous component are jobs of their own).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SlurmJob {
    pub id: String,
    pub user: String,
    pub account: String,
    pub partition: String,
    /// The job's own state (its row's), `None` when only steps were printed.
    pub state: Option<JobState>,
    pub submit: String,
    pub start: String,
    pub end: String,
    pub node_list: String,
    pub elapsed_s: f64,
    /// CPU time used by the job's processes: the job row's TotalCPU, else the sum over steps.
    pub total_cpu_s: f64,
    pub cpu_time_s: f64,
    pub cpus: u32,
    pub nodes: u32,
    /// Requested memory for the whole job, in bytes.
    pub requested_memory_bytes: Option<f64>,
    /// Largest MaxRSS of any step, in bytes.
    pub max_rss_bytes: Option<f64>,
    pub gpus: u32,
    pub gpu_type: Option<String>,
    /// Mean utilisation of the job's GPUs, 0-100, when Slurm recorded `gres/gpuutil`.
    pub gpu_util_percent: Option<f64>,
    /// Joules Slurm measured on the job's nodes.
    pub energy_joules: Option<f64>,
    pub steps: u32,
    /// What GA4HPC reads: every value the largest over the job's rows.
    pub largest: RowMaxima,
}

/// The largest value of each field over all of a job's rows, and the states of those rows
/// (GA4HPC's aggregation).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RowMaxima {
    pub elapsed_s: f64,
    pub total_cpu_s: f64,
    pub cpu_time_s: f64,
    /// Requested memory in GA4HPC's decimal GB (per-CPU and per-node requests multiplied out).
    pub requested_memory_gb: f64,
    pub cpus: u32,
    pub nodes: u32,
    pub gpus: u32,
    pub any_unfinished: bool,
    /// A row PENDING, RUNNING or REQUEUED: GA4HPC drops the job.
    pub any_running: bool,
    pub all_completed: bool,
}

impl SlurmJob {
    pub fn is_unfinished(&self) -> bool {
        self.state.is_some_and(JobState::is_unfinished) || self.largest.any_unfinished
    }

    /// Failed: finished in any state other than COMPLETED.
    pub fn is_failed(&self) -> bool {
        !self.is_unfinished() && self.state != Some(JobState::Completed)
    }

    /// The month of the job (`YYYY-MM`) from its end, else its start, else its submission.
    pub fn month(&self) -> Option<&str> {
        [&self.end, &self.start, &self.submit]
            .into_iter()
            .find(|t| t.len() >= 7 && t.as_bytes()[4] == b'-')
            .map(|t| &t[..7])
    }

    /// The day the job counts on (`YYYY-MM-DD`), for `--since` and `--until`.
    pub fn day(&self) -> Option<&str> {
        [&self.end, &self.start, &self.submit]
            .into_iter()
            .find(|t| t.len() >= 10 && t.as_bytes()[4] == b'-')
            .map(|t| &t[..10])
    }

    fn absorb(&mut self, row: SacctRow, step_cpu_s: &mut f64, step_energy: &mut StepEnergy) {
        let is_job_row = row.is_job();
        let largest = &mut self.largest;
        largest.elapsed_s = largest.elapsed_s.max(row.elapsed_s.unwrap_or(0.0));
        largest.total_cpu_s = largest.total_cpu_s.max(row.total_cpu_s.unwrap_or(0.0));
        largest.cpu_time_s = largest.cpu_time_s.max(row.cpu_time_s.unwrap_or(0.0));
        largest.cpus = largest.cpus.max(row.cpus.unwrap_or(0));
        largest.nodes = largest.nodes.max(row.nodes.unwrap_or(0));
        largest.gpus = largest.gpus.max(row.allocated.gpus());
        if let Some(request) = row.requested_memory {
            let gb = request.size.decimal_gb()
                * request.multiplier(row.nodes.unwrap_or(0), row.cpus.unwrap_or(0));
            largest.requested_memory_gb = largest.requested_memory_gb.max(gb);
        }
        if let Some(state) = row.state {
            largest.any_unfinished |= state.is_unfinished();
            largest.any_running |= matches!(
                state,
                JobState::Running | JobState::Pending | JobState::Requeued
            );
            largest.all_completed &= state == JobState::Completed;
        }
        if let Some(rss) = row.max_rss {
            let bytes = rss.bytes();
            self.max_rss_bytes = Some(self.max_rss_bytes.map_or(bytes, |b| b.max(bytes)));
        }
        if let Some(util) = row.usage.gpu_util_percent
            && self.gpu_util_percent.is_none()
        {
            self.gpu_util_percent = Some(util);
        }
        if is_job_row {
            self.user = row.user;
            self.account = row.account;
            self.partition = row.partition;
            self.state = row.state;
            self.submit = row.submit;
            self.start = row.start;
            self.end = row.end;
            self.node_list = row.node_list;
            self.elapsed_s = row.elapsed_s.unwrap_or(0.0);
            self.total_cpu_s = row.total_cpu_s.unwrap_or(0.0);
            self.cpu_time_s = row.cpu_time_s.unwrap_or(0.0);
            self.cpus = row.cpus.unwrap_or(0);
            self.nodes = row.nodes.unwrap_or(0);
            self.requested_memory_bytes = row.requested_memory.map(|r| {
                r.size.bytes() * r.multiplier(row.nodes.unwrap_or(0), row.cpus.unwrap_or(0))
            });
            self.gpus = row.allocated.gpus();
            self.gpu_type = row.allocated.gpu_type;
            self.energy_joules = row.energy_joules.or(row.usage.energy_joules);
            if row.allocated.gpu_util_percent.is_some() {
                self.gpu_util_percent = row.allocated.gpu_util_percent;
            }
        } else {
            self.steps += 1;
            *step_cpu_s += row.total_cpu_s.unwrap_or(0.0);
            if let Some(j) = row.energy_joules.or(row.usage.energy_joules) {
                match row.step {
                    Some(StepKind::Extern) => step_energy.extern_j = step_energy.extern_j.max(j),
                    _ => step_energy.steps_j += j,
                }
                step_energy.any = true;
            }
            // A file of steps only (no job row) still names its user and partition.
            if self.user.is_empty() {
                self.user = row.user;
            }
            if self.partition.is_empty() {
                self.partition = row.partition;
            }
        }
    }
}

#[derive(Default)]
struct StepEnergy {
    any: bool,
    steps_j: f64,
    /// The extern step spans the whole allocation, so it overlaps the others.
    extern_j: f64,
}

/// Counts of what the grouping saw, for the report's footnotes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupingCounts {
    pub rows: u64,
    pub jobs: u64,
    /// Rows of a job already seen earlier in the input (overlapping sacct windows), skipped.
    pub repeated_rows: u64,
}

/// Groups rows into jobs as they are pushed, one job in memory at a time, plus a 64-bit hash of
/// every job id seen, so that a job printed twice (two overlapping sacct windows) counts once.
#[derive(Default)]
pub struct Grouper {
    current: Option<(SlurmJob, f64, StepEnergy)>,
    seen: HashSet<u64, BuildHasherDefault<HashedAlready>>,
    counts: GroupingCounts,
}

impl Grouper {
    pub fn new() -> Self {
        Grouper::default()
    }

    pub fn counts(&self) -> GroupingCounts {
        self.counts
    }

    /// Takes one row; returns the previous job when this row starts a new one.
    pub fn push(&mut self, row: SacctRow) -> Option<SlurmJob> {
        self.counts.rows += 1;
        if let Some((job, cpu, energy)) = self.current.as_mut()
            && job.id == row.job
        {
            job.absorb(row, cpu, energy);
            return None;
        }
        if !self.seen.insert(hash_id(&row.job)) {
            self.counts.repeated_rows += 1;
            return None;
        }
        let mut row = row;
        let mut job = SlurmJob {
            // The row's copy is not read again: taken, not cloned.
            id: std::mem::take(&mut row.job),
            largest: RowMaxima {
                all_completed: true,
                ..RowMaxima::default()
            },
            ..SlurmJob::default()
        };
        let mut cpu = 0.0;
        let mut energy = StepEnergy::default();
        job.absorb(row, &mut cpu, &mut energy);
        let finished = self.finish();
        self.current = Some((job, cpu, energy));
        finished
    }

    /// The last job, once the input has ended.
    pub fn finish(&mut self) -> Option<SlurmJob> {
        let (mut job, step_cpu_s, step_energy) = self.current.take()?;
        if job.total_cpu_s == 0.0 {
            job.total_cpu_s = step_cpu_s;
        }
        if job.energy_joules.is_none() && step_energy.any {
            job.energy_joules = Some(step_energy.steps_j.max(step_energy.extern_j));
        }
        if job.elapsed_s == 0.0 {
            job.elapsed_s = job.largest.elapsed_s;
        }
        if job.cpus == 0 {
            job.cpus = job.largest.cpus;
        }
        if job.nodes == 0 {
            job.nodes = job.largest.nodes;
        }
        self.counts.jobs += 1;
        Some(job)
    }
}

/// The hasher of the set of job ids seen: its keys are 64-bit hashes already, so hashing
/// them again (SipHash, the default) would only cost time.
#[derive(Default)]
struct HashedAlready(u64);

impl Hasher for HashedAlready {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used (the set holds u64); any other input is folded in.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn hash_id(id: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    id.hash(&mut hasher);
    hasher.finish()
}

/// Jobs from an iterator of rows (the `--parsable2` reader); stops at the first error.
pub struct Jobs<I> {
    rows: I,
    grouper: Grouper,
    failed: bool,
}

impl<I: Iterator<Item = Result<SacctRow, SlurmError>>> Jobs<I> {
    pub fn new(rows: I) -> Self {
        Jobs {
            rows,
            grouper: Grouper::new(),
            failed: false,
        }
    }

    pub fn counts(&self) -> GroupingCounts {
        self.grouper.counts()
    }
}

impl<I: Iterator<Item = Result<SacctRow, SlurmError>>> Iterator for Jobs<I> {
    type Item = Result<SlurmJob, SlurmError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        loop {
            match self.rows.next() {
                None => return self.grouper.finish().map(Ok),
                Some(Err(e)) => {
                    self.failed = true;
                    return Some(Err(e));
                }
                Some(Ok(row)) => {
                    if let Some(job) = self.grouper.push(row) {
                        return Some(Ok(job));
                    }
                }
            }
        }
    }
}
