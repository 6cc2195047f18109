//! The report of a stream of jobs: totals, totals per group (user, account, partition, month,
//! state, in any combination), failed jobs apart, the top jobs by emissions. Memory: one total
//! per group and the top jobs, whatever the number of jobs.

use crate::cluster::{Cluster, ClusterError};
use crate::ga4hpc::ga4hpc_job;
use crate::job::{GroupingCounts, SlurmJob};
use mlcarbon_model::cluster::{EnergyMethod, JobEnergy, JobUsage, PartitionPower, job_energy};
use mlcarbon_model::ga4hpc::{Ga4hpcCluster, Ga4hpcError, ga4hpc_job_energy};
use mlcarbon_model::units::{Hours, KilowattHours, Ranged};
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

use crate::tracked::TrackedJobs;
use mlcarbon_store::slurm::{SlurmJobNumbers, SlurmSums, from_nano, nano};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("job {job}: {error}")]
    Cluster { job: String, error: ClusterError },
    #[error("job {job}: {error}")]
    Ga4hpc { job: String, error: Ga4hpcError },
    #[error("job {job}: no stored figures; compute them with a cluster description")]
    NotStored { job: String },
}

/// What totals are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    User,
    Account,
    Partition,
    Month,
    State,
}

impl GroupBy {
    pub fn label(self) -> &'static str {
        match self {
            GroupBy::User => "user",
            GroupBy::Account => "account",
            GroupBy::Partition => "partition",
            GroupBy::Month => "month",
            GroupBy::State => "state",
        }
    }

    fn key<'a>(self, job: &JobKeys<'a>) -> &'a str {
        let text = match self {
            GroupBy::User => job.user,
            GroupBy::Account => job.account,
            GroupBy::Partition => job.partition.split(',').next().unwrap_or(""),
            GroupBy::Month => job.day.get(..7).unwrap_or(""),
            GroupBy::State => job.state,
        };
        if text.is_empty() { "(none)" } else { text }
    }
}

/// What a report groups, filters and lists a job by: the job's own fields, or the same fields
/// stored with its figures.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobKeys<'a> {
    pub id: &'a str,
    pub user: &'a str,
    pub account: &'a str,
    /// As sacct printed it (a comma list for jobs that never started).
    pub partition: &'a str,
    /// The state's label, empty when sacct printed only steps.
    pub state: &'a str,
    pub end: &'a str,
    /// `YYYY-MM-DD` the job counts on (its end, else start, else submission), empty if none.
    pub day: &'a str,
    pub gpus: u32,
}

impl SlurmJob {
    pub fn keys(&self) -> JobKeys<'_> {
        JobKeys {
            id: &self.id,
            user: &self.user,
            account: &self.account,
            partition: &self.partition,
            state: self.state.map_or("", |s| s.label()),
            end: &self.end,
            day: self.day().unwrap_or(""),
            gpus: self.gpus,
        }
    }
}

/// Which jobs count: by the day they ended (else started, else were submitted), inclusive.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JobFilter {
    /// `YYYY-MM-DD`
    pub since: Option<String>,
    pub until: Option<String>,
}

impl JobFilter {
    fn keeps(&self, day: &str) -> bool {
        self.since.as_deref().is_none_or(|s| day >= s)
            && self.until.as_deref().is_none_or(|u| day <= u)
    }

    /// Whether the window starts on a month's first day and ends on a month's last (or is
    /// open): then every month is wholly in it or wholly out, and totals kept per month answer.
    pub fn on_month_boundaries(&self) -> bool {
        let first = |day: &str| day.len() == 10 && day.ends_with("-01");
        let last = |day: &str| {
            mlcarbon_time::parse_date(day)
                .is_some_and(|n| mlcarbon_time::format_day(n + 1).ends_with("-01"))
        };
        self.since.as_deref().is_none_or(first) && self.until.as_deref().is_none_or(last)
    }

    /// Whether the jobs of a month (`YYYY-MM`, or empty for jobs with no date) are in the
    /// window, for a window on month boundaries: a day-less job is in only an open window,
    /// as [`JobFilter::keeps`] has it.
    fn keeps_month(&self, month: &str) -> bool {
        if month.is_empty() {
            return self.keeps("");
        }
        self.since
            .as_deref()
            .is_none_or(|s| month >= s.get(..7).unwrap_or(s))
            && self
                .until
                .as_deref()
                .is_none_or(|u| month <= u.get(..7).unwrap_or(u))
    }
}

/// How the figures were computed.
pub enum Method<'a> {
    /// mlcarbon's: measured where Slurm measured whole nodes, modelled elsewhere.
    Mlcarbon(&'a Cluster),
    /// GA4HPC's formula and its cluster_info.yaml.
    Ga4hpc(&'a Ga4hpcCluster),
    /// mlcarbon's, computed earlier and stored: jobs come with their figures
    /// ([`ReportBuilder::add_figures`]); a job without figures is an error.
    Stored,
}

/// Sums over jobs, in the field names of the JSON output. Components are IT energy (before
/// PUE); `energy_kwh` and `emissions_kg` include PUE.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Totals {
    pub jobs: u64,
    pub failed_jobs: u64,
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    pub cpu_energy_kwh: f64,
    pub gpu_energy_kwh: f64,
    pub ram_energy_kwh: f64,
    /// Energy Slurm measured on whole nodes (mlcarbon's method only).
    pub measured_node_energy_kwh: f64,
    pub energy_low_kwh: f64,
    pub energy_high_kwh: f64,
    pub emissions_low_kg: f64,
    pub emissions_high_kg: f64,
    pub failed_energy_kwh: f64,
    pub failed_emissions_kg: f64,
    pub measured_jobs: u64,
    pub modelled_jobs: u64,
    pub mixed_jobs: u64,
    pub elapsed_hours: f64,
    /// Emissions of making the hardware, the job's share of it (mlcarbon's method, where the
    /// cluster description gives a figure); not in `emissions_kg`.
    pub embodied_kg: f64,
    /// Jobs whose energy mlcarbon's own tracker measured (runs with the job key `slurm:JOB`),
    /// used instead of Slurm's counter or the model; not in the three counts above.
    pub tracked_jobs: u64,
    /// Their IT energy as the tracker measured it (before PUE), not in the components above.
    pub tracked_energy_kwh: f64,
}

impl Totals {
    /// Totals of integer sums (see [`SlurmSums`]: sums that do not depend on the order of
    /// the jobs, so a report read from per-group totals equals one that adds every job).
    pub fn of_sums(s: &SlurmSums) -> Totals {
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        Totals {
            jobs: count(s.jobs),
            failed_jobs: count(s.failed_jobs),
            energy_kwh: from_nano(s.energy_nano_kwh),
            emissions_kg: from_nano(s.emissions_nano_kg),
            cpu_energy_kwh: from_nano(s.cpu_nano_kwh),
            gpu_energy_kwh: from_nano(s.gpu_nano_kwh),
            ram_energy_kwh: from_nano(s.ram_nano_kwh),
            measured_node_energy_kwh: from_nano(s.measured_node_nano_kwh),
            energy_low_kwh: from_nano(s.energy_low_nano_kwh),
            energy_high_kwh: from_nano(s.energy_high_nano_kwh),
            emissions_low_kg: from_nano(s.emissions_low_nano_kg),
            emissions_high_kg: from_nano(s.emissions_high_nano_kg),
            failed_energy_kwh: from_nano(s.failed_energy_nano_kwh),
            failed_emissions_kg: from_nano(s.failed_emissions_nano_kg),
            measured_jobs: count(s.measured_jobs),
            modelled_jobs: count(s.modelled_jobs),
            mixed_jobs: count(s.mixed_jobs),
            elapsed_hours: from_nano(s.elapsed_nano_hours),
            embodied_kg: from_nano(s.embodied_nano_kg),
            tracked_jobs: 0,
            tracked_energy_kwh: 0.0,
        }
    }

    fn with_tracked(mut self, t: &TrackedSums) -> Totals {
        self.tracked_jobs = u64::try_from(t.jobs).unwrap_or(0);
        self.tracked_energy_kwh = from_nano(t.it_nano_kwh);
        self
    }

    /// IT energy of every job, kWh: modelled, measured by Slurm, measured by the tracker.
    fn it_energy_kwh(&self) -> f64 {
        self.cpu_energy_kwh
            + self.gpu_energy_kwh
            + self.ram_energy_kwh
            + self.measured_node_energy_kwh
            + self.tracked_energy_kwh
    }

    /// Share of the IT energy that Slurm measured, 0-1.
    pub fn measured_share(&self) -> f64 {
        share(self.measured_node_energy_kwh, self.it_energy_kwh())
    }

    /// Share of the IT energy that mlcarbon's tracker measured, 0-1.
    pub fn tracked_share(&self) -> f64 {
        share(self.tracked_energy_kwh, self.it_energy_kwh())
    }
}

fn share(part: f64, whole: f64) -> f64 {
    if whole > 0.0 { part / whole } else { 0.0 }
}

/// The tracked jobs of a group, in integer units as [`SlurmSums`] keeps its sums (so the
/// order jobs are added in does not change the result).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct TrackedSums {
    jobs: i64,
    it_nano_kwh: i64,
}

/// The figures of one finished job, as a report adds them up. `slurm import --cluster` stores
/// them, so a report from the database adds stored numbers instead of modelling every job again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobFigures {
    pub energy: JobEnergy,
    pub failed: bool,
    pub elapsed_hours: f64,
    /// The job's share of the hardware's embodied emissions, 0 where none is described.
    pub embodied_kg: f64,
}

/// A job's figures in the store's columns.
pub fn numbers_of(f: &JobFigures) -> SlurmJobNumbers {
    let e = &f.energy;
    SlurmJobNumbers {
        unfinished: false,
        failed: f.failed,
        method: match e.method {
            EnergyMethod::Modelled => 0,
            EnergyMethod::Measured => 1,
            EnergyMethod::Mixed => 2,
            EnergyMethod::Tracked => 3,
        },
        gpu_utilisation_recorded: e.gpu_utilisation_recorded,
        elapsed_hours: f.elapsed_hours,
        cpu_kwh: e.cpu.value.0,
        gpu_kwh: e.gpu.value.0,
        ram_kwh: e.ram.value.0,
        measured_node_kwh: e.measured_nodes.0,
        energy_kwh: e.energy.value.0,
        energy_low_kwh: e.energy.low.0,
        energy_high_kwh: e.energy.high.0,
        emissions_kg: e.emissions.value.0,
        emissions_low_kg: e.emissions.low.0,
        emissions_high_kg: e.emissions.high.0,
        embodied_kg: f.embodied_kg,
    }
}

/// The figures of one job by a method; `None` for a job still pending or running (its
/// accounting is not final).
pub fn job_figures(method: &Method<'_>, job: &SlurmJob) -> Result<Option<JobFigures>, ReportError> {
    Ok(Some(match method {
        Method::Stored => {
            return Err(ReportError::NotStored {
                job: job.id.clone(),
            });
        }
        Method::Mlcarbon(cluster) => {
            if job.is_unfinished() {
                return Ok(None);
            }
            let partition =
                cluster
                    .partition(&job.partition)
                    .map_err(|error| ReportError::Cluster {
                        job: job.id.clone(),
                        error,
                    })?;
            if job.gpus > 0 && partition.gpu.is_none() {
                return Err(ReportError::Cluster {
                    job: job.id.clone(),
                    error: ClusterError::Partition {
                        partition: partition.name.clone(),
                        message: format!(
                            "the job had {} GPUs but the partition names no `gpu` model; add gpu = \"...\"",
                            job.gpus
                        ),
                    },
                });
            }
            let usage = usage_of(job, partition);
            JobFigures {
                energy: job_energy(&usage, partition),
                failed: job.is_failed(),
                elapsed_hours: job.elapsed_s / 3600.0,
                embodied_kg: cluster.embodied_kg(&job.partition, &usage),
            }
        }
        Method::Ga4hpc(cluster) => {
            let Some(compat) = ga4hpc_job(job) else {
                return Ok(None);
            };
            let partition = job.partition.split(',').next().unwrap_or("");
            let e = ga4hpc_job_energy(&compat, partition, cluster).map_err(|error| {
                ReportError::Ga4hpc {
                    job: job.id.clone(),
                    error,
                }
            })?;
            let exact = |kwh: f64| mlcarbon_model::Ranged::exact(KilowattHours(kwh));
            JobFigures {
                energy: JobEnergy {
                    method: EnergyMethod::Modelled,
                    cpu: exact(e.cpu_kwh),
                    gpu: exact(e.gpu_kwh),
                    ram: exact(e.ram_kwh),
                    it_energy: exact(e.cpu_kwh + e.gpu_kwh + e.ram_kwh),
                    energy: exact(e.energy_kwh),
                    emissions: mlcarbon_model::Ranged::exact(mlcarbon_model::KgCo2e(
                        e.emissions_kg,
                    )),
                    ..JobEnergy::ZERO
                },
                failed: compat.failed,
                elapsed_hours: compat.elapsed_hours,
                embodied_kg: 0.0,
            }
        }
    }))
}

/// One group's totals.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupTotals {
    /// One value per `--by`, in order.
    pub key: Vec<String>,
    #[serde(flatten)]
    pub totals: Totals,
}

/// One of the jobs that emitted most.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopJob {
    pub id: String,
    pub user: String,
    pub account: String,
    pub partition: String,
    pub state: String,
    pub end: String,
    pub elapsed_hours: f64,
    pub gpus: u32,
    pub method: EnergyMethod,
    pub energy_kwh: f64,
    pub emissions_kg: f64,
}

impl TrackedSums {
    fn add(&mut self, other: &TrackedSums) {
        self.jobs = self.jobs.saturating_add(other.jobs);
        self.it_nano_kwh = self.it_nano_kwh.saturating_add(other.it_nano_kwh);
    }
}

struct Ranked(TopJob);

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Ranked {}
impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ranked {
    /// Reversed, so the heap's top is the smallest kept job.
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .0
            .emissions_kg
            .total_cmp(&self.0.emissions_kg)
            .then_with(|| self.0.id.cmp(&other.0.id))
    }
}

/// A finished report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlurmReport {
    /// `mlcarbon` or `ga4hpc`.
    pub method: &'static str,
    pub totals: Totals,
    pub by: Vec<GroupBy>,
    pub groups: Vec<GroupTotals>,
    pub top_jobs: Vec<TopJob>,
    /// Rows read, jobs formed, rows of jobs seen twice.
    pub rows: u64,
    pub repeated_rows: u64,
    /// Jobs still pending or running (their accounting is not final): left out.
    pub unfinished_jobs_skipped: u64,
    /// Jobs outside `--since`/`--until`.
    pub jobs_outside_window: u64,
    /// Jobs whose GPU utilisation Slurm recorded (else the default draw was used).
    pub jobs_with_recorded_gpu_utilisation: u64,
    /// Jobs in the report whose figures were replaced by what mlcarbon's tracker measured
    /// (`totals.tracked_jobs`, said at the top level too).
    pub tracked_jobs: u64,
    /// The inputs of each partition, with provenance (mlcarbon's method).
    pub partitions: Vec<PartitionPower>,
}

/// Accumulates jobs one at a time.
pub struct ReportBuilder<'a> {
    method: Method<'a>,
    filter: JobFilter,
    by: Vec<GroupBy>,
    top: usize,
    totals: SlurmSums,
    tracked_totals: TrackedSums,
    groups: BTreeMap<Vec<String>, (SlurmSums, TrackedSums)>,
    /// Jobs the tracker measured: their figures replace the computed ones (mlcarbon's method).
    tracked: Option<&'a TrackedJobs>,
    /// The group key of the job being added, reused so that a known group costs no allocation.
    scratch_key: Vec<String>,
    heap: BinaryHeap<Ranked>,
    unfinished: u64,
    outside: u64,
}

impl<'a> ReportBuilder<'a> {
    pub fn new(method: Method<'a>, filter: JobFilter, by: Vec<GroupBy>, top: usize) -> Self {
        ReportBuilder {
            method,
            filter,
            by,
            top,
            totals: SlurmSums::default(),
            tracked_totals: TrackedSums::default(),
            groups: BTreeMap::new(),
            tracked: None,
            scratch_key: Vec::new(),
            heap: BinaryHeap::new(),
            unfinished: 0,
            outside: 0,
        }
    }

    /// Replaces the figures of the jobs in `tracked` by what the tracker measured, with mlcarbon's
    /// method (GA4HPC's formula is reproduced as it is). The report must then add jobs one by
    /// one: per-group totals kept at import do not know which jobs were tracked.
    pub fn with_tracked(mut self, tracked: Option<&'a TrackedJobs>) -> Self {
        self.tracked = tracked.filter(|t| !t.is_empty());
        self
    }

    /// Whether some jobs' figures are replaced by the tracker's ([`ReportBuilder::with_tracked`]).
    pub fn has_tracked(&self) -> bool {
        self.tracked.is_some()
    }

    /// The figures of a job the tracker measured: its IT energy with the partition's PUE and
    /// grid intensity, as every other job of the report gets them; `None` when the tracker did
    /// not measure it (or its partition is not in the description: the figures stay).
    fn tracked_figures(
        &self,
        job: &JobKeys<'_>,
        figures: &JobFigures,
    ) -> Option<(JobFigures, f64)> {
        let (Method::Mlcarbon(cluster), Some(tracked)) = (&self.method, self.tracked) else {
            return None;
        };
        let it = tracked.get(job.id)?.it_energy_kwh;
        let partition = cluster.partition(job.partition).ok()?;
        let it_energy = Ranged::exact(KilowattHours(it));
        // The tracker measured the energy: its range is the facility's and the grid's only.
        let pue = partition.pue.range;
        let energy = Ranged {
            value: KilowattHours(it).scale(pue.value),
            low: KilowattHours(it).scale(pue.low),
            high: KilowattHours(it).scale(pue.high),
        };
        let intensity = partition.intensity.range;
        let emissions = Ranged {
            value: energy.value * intensity.value,
            low: energy.low * intensity.low,
            high: energy.high * intensity.high,
        };
        Some((
            JobFigures {
                energy: JobEnergy {
                    method: EnergyMethod::Tracked,
                    it_energy,
                    energy,
                    emissions,
                    ..JobEnergy::ZERO
                },
                ..*figures
            },
            it,
        ))
    }

    /// Adds one job (skipped when unfinished or outside the window).
    pub fn add(&mut self, job: &SlurmJob) -> Result<(), ReportError> {
        match job_figures(&self.method, job)? {
            None => self.add_unfinished(),
            Some(figures) => self.add_figures(&job.keys(), &figures),
        }
        Ok(())
    }

    /// Counts a job left out as unfinished.
    pub fn add_unfinished(&mut self) {
        self.unfinished += 1;
    }

    /// Adds a finished job's figures (skipped when outside the window).
    pub fn add_figures(&mut self, job: &JobKeys<'_>, figures: &JobFigures) {
        if !self.filter.keeps(job.day) {
            self.outside += 1;
            return;
        }
        let (figures, tracked) = match self.tracked_figures(job, figures) {
            Some((replaced, it)) => (
                replaced,
                TrackedSums {
                    jobs: 1,
                    it_nano_kwh: nano(it),
                },
            ),
            None => (*figures, TrackedSums::default()),
        };
        self.add_to_groups(job, &SlurmSums::of_job(&numbers_of(&figures)), &tracked, 1);
        self.consider_top(job, &figures);
    }

    /// The jobs whose figures the tracker's replace ([`ReportBuilder::with_tracked`]).
    pub fn tracked(&self) -> Option<&'a TrackedJobs> {
        self.tracked
    }

    /// For a report from the totals kept per group: a tracked job's stored figures, already in
    /// its group's sums, are taken out and the tracker's put in; the job is considered for the
    /// top jobs with the figures it counts with (the caller leaves tracked jobs out of the
    /// stored top list). A job outside the window (its month not added) changes nothing.
    pub fn replace_stored(&mut self, job: &JobKeys<'_>, stored: &JobFigures) {
        if !self.filter.keeps(job.day) {
            return;
        }
        match self.tracked_figures(job, stored) {
            Some((replaced, it)) => {
                self.add_to_groups(
                    job,
                    &SlurmSums::of_job(&numbers_of(stored)),
                    &TrackedSums::default(),
                    -1,
                );
                let tracked = TrackedSums {
                    jobs: 1,
                    it_nano_kwh: nano(it),
                };
                self.add_to_groups(job, &SlurmSums::of_job(&numbers_of(&replaced)), &tracked, 1);
                self.consider_top(job, &replaced);
            }
            None => self.consider_top(job, stored),
        }
    }

    /// Adds the totals of a group of jobs kept at import: `keys.day` is their month
    /// (`YYYY-MM`, or empty), `unfinished` the jobs of the group left out as unfinished. The
    /// window must start and end on month boundaries ([`JobFilter::on_month_boundaries`]), so
    /// that a month is wholly in or out. Top jobs are not taken from groups: add them with
    /// [`ReportBuilder::consider_top`].
    pub fn add_group_sums(&mut self, keys: &JobKeys<'_>, sums: &SlurmSums, unfinished: u64) {
        self.unfinished += unfinished;
        if !self.filter.keeps_month(keys.day) {
            self.outside += u64::try_from(sums.jobs).unwrap_or(0);
            return;
        }
        if sums.jobs != 0 {
            self.add_to_groups(keys, sums, &TrackedSums::default(), 1);
        }
    }

    /// Adds `sign` times a job's (or a group's) sums: -1 takes a replaced job out again.
    fn add_to_groups(
        &mut self,
        job: &JobKeys<'_>,
        sums: &SlurmSums,
        tracked: &TrackedSums,
        sign: i64,
    ) {
        self.totals.add_times(sums, sign);
        self.tracked_totals.add(tracked);
        if !self.by.is_empty() {
            self.scratch_key.resize(self.by.len(), String::new());
            for (slot, by) in self.scratch_key.iter_mut().zip(&self.by) {
                slot.clear();
                slot.push_str(by.key(job));
            }
            match self.groups.get_mut(&self.scratch_key) {
                Some((totals, tracked_totals)) => {
                    totals.add_times(sums, sign);
                    tracked_totals.add(tracked);
                }
                None => {
                    let mut totals = SlurmSums::default();
                    totals.add_times(sums, sign);
                    self.groups
                        .insert(self.scratch_key.clone(), (totals, *tracked));
                }
            }
        }
    }

    /// Keeps a finished job among the top ones if it emitted more than the least of them.
    pub fn consider_top(&mut self, job: &JobKeys<'_>, figures: &JobFigures) {
        if self.top > 0 {
            let candidate = figures.energy.emissions.value.0;
            let beats_smallest = self.heap.len() < self.top
                || self
                    .heap
                    .peek()
                    .is_some_and(|smallest| candidate > smallest.0.emissions_kg);
            if beats_smallest {
                self.heap.push(Ranked(TopJob {
                    id: job.id.to_string(),
                    user: job.user.to_string(),
                    account: job.account.to_string(),
                    partition: job.partition.to_string(),
                    state: job.state.to_string(),
                    end: job.end.to_string(),
                    elapsed_hours: figures.elapsed_hours,
                    gpus: job.gpus,
                    method: figures.energy.method,
                    energy_kwh: figures.energy.energy.value.0,
                    emissions_kg: candidate,
                }));
                if self.heap.len() > self.top {
                    self.heap.pop();
                }
            }
        }
    }

    /// The window the report counts jobs in.
    pub fn filter(&self) -> &JobFilter {
        &self.filter
    }

    /// How many top jobs the report lists.
    pub fn top(&self) -> usize {
        self.top
    }

    pub fn finish(self, counts: GroupingCounts) -> SlurmReport {
        let mut top_jobs: Vec<TopJob> = self.heap.into_iter().map(|r| r.0).collect();
        top_jobs.sort_by(|a, b| {
            b.emissions_kg
                .total_cmp(&a.emissions_kg)
                .then_with(|| a.id.cmp(&b.id))
        });
        let (method, partitions) = match self.method {
            Method::Mlcarbon(cluster) => ("mlcarbon", cluster.all_partitions().cloned().collect()),
            Method::Ga4hpc(_) => ("ga4hpc", Vec::new()),
            Method::Stored => ("mlcarbon", Vec::new()),
        };
        SlurmReport {
            method,
            totals: Totals::of_sums(&self.totals).with_tracked(&self.tracked_totals),
            by: self.by,
            groups: self
                .groups
                .into_iter()
                .map(|(key, (sums, tracked))| GroupTotals {
                    key,
                    totals: Totals::of_sums(&sums).with_tracked(&tracked),
                })
                .collect(),
            top_jobs,
            rows: counts.rows,
            repeated_rows: counts.repeated_rows,
            unfinished_jobs_skipped: self.unfinished,
            jobs_outside_window: self.outside,
            jobs_with_recorded_gpu_utilisation: u64::try_from(
                self.totals.recorded_utilisation_jobs,
            )
            .unwrap_or(0),
            tracked_jobs: u64::try_from(self.tracked_totals.jobs).unwrap_or(0),
            partitions,
        }
    }
}

/// A job's record in the model's units. The memory is the job's request (its allocation);
/// GPU utilisation is Slurm's `gres/gpuutil`, a percentage summed over the job's GPUs.
pub fn usage_of(job: &SlurmJob, partition: &PartitionPower) -> JobUsage {
    let gpus = if partition.gpu.is_some() { job.gpus } else { 0 };
    JobUsage {
        elapsed: Hours(job.elapsed_s / 3600.0),
        cpu_core_hours: Hours(job.total_cpu_s / 3600.0),
        cpus: job.cpus,
        nodes: job.nodes,
        memory_gb: job.requested_memory_bytes.unwrap_or(0.0) / 1e9,
        gpus,
        gpu_share: job.gpu_type.as_deref().and_then(mig_share).unwrap_or(1.0),
        gpu_utilisation: job
            .gpu_util_percent
            .filter(|_| gpus > 0)
            .map(|p| p / (100.0 * f64::from(gpus))),
        node_energy: job.energy_joules.map(|j| KilowattHours(j / 3.6e6)),
    }
}

/// A MIG profile's share of its GPU: `3g.40gb` is 3 of the 7 compute slices of an A100 or
/// H100 (NVIDIA MIG user guide, supported profiles). `None` for a whole GPU's type.
pub fn mig_share(gpu_type: &str) -> Option<f64> {
    let (slices, memory) = gpu_type.split_once("g.")?;
    let slices: u32 = slices.parse().ok()?;
    let memory_ok = memory
        .strip_suffix("gb")
        .is_some_and(|m| !m.is_empty() && m.bytes().all(|b| b.is_ascii_digit()));
    (memory_ok && (1..=7).contains(&slices)).then(|| f64::from(slices) / 7.0)
}

#[cfg(test)]
mod tests {
    use super::mig_share;

    #[test]
    fn mig_profiles_are_sevenths_of_a_gpu() {
        assert_eq!(mig_share("1g.10gb"), Some(1.0 / 7.0));
        assert_eq!(mig_share("3g.40gb"), Some(3.0 / 7.0));
        assert_eq!(mig_share("a100"), None);
        assert_eq!(mig_share("9g.80gb"), None);
    }
}

/// What a report reads and how it computes.
pub struct ReportOptions<'a> {
    pub method: Method<'a>,
    pub filter: JobFilter,
    pub by: Vec<GroupBy>,
    pub top: usize,
    /// Jobs mlcarbon's tracker measured, whose figures replace the computed ones.
    pub tracked: Option<&'a TrackedJobs>,
}

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum SacctReportError {
    #[error(transparent)]
    Input(#[from] crate::SlurmError),
    #[error(transparent)]
    Job(#[from] ReportError),
}

/// The report of sacct output, streamed: `--json` output when the input starts with `{`,
/// else `--parsable2` with its header line.
pub fn report_sacct<R: std::io::BufRead>(
    mut input: R,
    options: ReportOptions<'_>,
) -> Result<SlurmReport, SacctReportError> {
    let mut builder = ReportBuilder::new(options.method, options.filter, options.by, options.top)
        .with_tracked(options.tracked);
    if starts_with_brace(&mut input)? {
        let mut grouper = crate::job::Grouper::new();
        let mut failure = None;
        crate::json::read_json_rows(input, |rows| {
            for row in rows {
                if let Some(job) = grouper.push(row)
                    && let Err(e) = builder.add(&job)
                {
                    failure = Some(e);
                }
            }
            Ok(())
        })?;
        if let Some(e) = failure {
            return Err(e.into());
        }
        if let Some(job) = grouper.finish() {
            builder.add(&job)?;
        }
        return Ok(builder.finish(grouper.counts()));
    }
    let mut jobs = crate::job::Jobs::new(crate::row::ParsableReader::new(input)?);
    for job in jobs.by_ref() {
        builder.add(&job?)?;
    }
    Ok(builder.finish(jobs.counts()))
}

fn starts_with_brace<R: std::io::BufRead>(input: &mut R) -> Result<bool, crate::SlurmError> {
    loop {
        let buffer = input.fill_buf().map_err(crate::SlurmError::Read)?;
        if buffer.is_empty() {
            return Ok(false);
        }
        let skip = buffer
            .iter()
            .take_while(|b| b.is_ascii_whitespace())
            .count();
        if skip < buffer.len() {
            let brace = buffer[skip] == b'{';
            input.consume(skip);
            return Ok(brace);
        }
        let all = buffer.len();
        input.consume(all);
    }
}

/// How far two methods' totals are apart on the same jobs (`b` relative to `a`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MethodDifference {
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    /// (b − a) / a, percent; `None` when `a` is 0.
    pub energy_percent: Option<f64>,
    pub emissions_percent: Option<f64>,
}

pub fn difference(a: &Totals, b: &Totals) -> MethodDifference {
    let percent = |x: f64, y: f64| (x != 0.0).then(|| (y - x) / x * 100.0);
    MethodDifference {
        energy_kwh: b.energy_kwh - a.energy_kwh,
        emissions_kg: b.emissions_kg - a.emissions_kg,
        energy_percent: percent(a.energy_kwh, b.energy_kwh),
        emissions_percent: percent(a.emissions_kg, b.emissions_kg),
    }
}
