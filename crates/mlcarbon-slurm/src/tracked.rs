//! Jobs that mlcarbon's own tracker measured: runs started by `srun mlcarbon run -- ...` carry
//! the job key `slurm:JOB` or `slurm:JOB.STEP` (`mlcarbon-track`'s placement), and a report
//! uses their measured energy for those jobs instead of Slurm's counter or the model.

use std::collections::{BTreeMap, HashMap};

use mlcarbon_store::JobTotal;
use mlcarbon_store::{RunFilter, RunRecord, Store, StoreError};

/// The prefix of the job keys the tracker gives runs inside a Slurm job.
pub const SLURM_KEY_PREFIX: &str = "slurm:";

/// What the tracker measured for one Slurm job, over all its keys (the job's and its steps').
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct TrackedJob {
    /// IT energy, kWh: each run's energy with its own PUE taken out again, every host of each
    /// key counted once ([`JobTotal::from_runs`]), the keys added up.
    pub it_energy_kwh: f64,
    pub runs: usize,
    /// Hosts counted, summed over the job's keys.
    pub hosts: usize,
}

/// The tracked jobs by Slurm job id as sacct names it (`123`, `123_4`, `123+0`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackedJobs {
    by_id: HashMap<String, TrackedJob>,
}

impl TrackedJobs {
    /// The tracked jobs of `runs`; runs without a `slurm:` key are ignored.
    pub fn from_runs(runs: &[RunRecord]) -> TrackedJobs {
        let mut by_key: BTreeMap<&str, Vec<RunRecord>> = BTreeMap::new();
        for run in runs {
            let Some(key) = run.placement.job_key.as_deref() else {
                continue;
            };
            if key.starts_with(SLURM_KEY_PREFIX) {
                by_key.entry(key).or_default().push(it_only(run));
            }
        }
        let mut by_id: HashMap<String, TrackedJob> = HashMap::new();
        for (key, runs) in by_key {
            let Some(total) = JobTotal::from_runs(key, &runs) else {
                continue;
            };
            let job = job_id_of(key);
            if job.is_empty() {
                continue;
            }
            let entry = by_id.entry(job.to_string()).or_default();
            entry.it_energy_kwh += total.energy_kwh;
            entry.runs += total.runs;
            entry.hosts += total.nodes.len();
        }
        TrackedJobs { by_id }
    }

    /// The tracked jobs among the runs of `store`.
    pub fn from_store(store: &Store) -> Result<TrackedJobs, StoreError> {
        let runs = store.runs(&RunFilter::default())?;
        Ok(TrackedJobs::from_runs(&runs))
    }

    pub fn get(&self, job_id: &str) -> Option<&TrackedJob> {
        self.by_id.get(job_id)
    }

    /// The Slurm job ids tracked.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        self.by_id.keys().map(String::as_str)
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }
}

/// The Slurm job id of a tracker's job key: `slurm:123.0` → `123`, `slurm:4242_8` → `4242_8`.
pub fn job_id_of(key: &str) -> &str {
    let rest = key.strip_prefix(SLURM_KEY_PREFIX).unwrap_or(key);
    rest.split('.').next().unwrap_or(rest)
}

/// The run with its energy as IT energy: the tracker multiplied its own PUE in, and the
/// report applies the cluster description's instead, as for every other job.
fn it_only(run: &RunRecord) -> RunRecord {
    let mut run = run.clone();
    run.energy_kwh = if run.start.pue > 0.0 {
        run.energy_kwh / run.start.pue
    } else {
        run.cpu_energy_kwh + run.gpu_energy_kwh + run.ram_energy_kwh
    };
    run
}

#[cfg(test)]
mod tests {
    use super::job_id_of;

    #[test]
    fn steps_belong_to_their_job() {
        assert_eq!(job_id_of("slurm:123.0"), "123");
        assert_eq!(job_id_of("slurm:123.batch"), "123");
        assert_eq!(job_id_of("slurm:4242_8"), "4242_8");
        assert_eq!(job_id_of("slurm:77+1.2"), "77+1");
    }
}
