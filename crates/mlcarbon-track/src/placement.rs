//! Where a process sits in a distributed job, from the variables its launcher set: the job
//! key every rank on every host shares, its rank, its local rank and the world size.
//!
//! Launchers and what they set (read, never written):
//! - Slurm (`srun`, `sbatch`): `SLURM_JOB_ID`, `SLURM_STEP_ID`, `SLURM_ARRAY_JOB_ID` and
//!   `SLURM_ARRAY_TASK_ID` for array tasks, `SLURM_PROCID`, `SLURM_LOCALID`, `SLURM_NTASKS`;
//!   the key `slurm:JOB[.STEP]` names the job as `sacct` does (`123_4` for an array task).
//! - torchrun / torch elastic: `TORCHELASTIC_RUN_ID` (the rendezvous id; `none` when torchrun
//!   was given no `--rdzv-id`, which is then ignored), `RANK`, `LOCAL_RANK`, `WORLD_SIZE`.
//! - A plain `torch.distributed` launch (also `accelerate`, DeepSpeed): `MASTER_ADDR` and
//!   `MASTER_PORT` name the job's rendezvous, but the same address and port serve job after
//!   job; the start time, to the 10-minute window, tells them apart. Ranks that start in two
//!   different windows get two keys: pass `--job` (or set the launcher's run id) to be sure.

use mlcarbon_model::run::{Attribution, JobPlacement};
use mlcarbon_store::RunId;
use mlcarbon_time::UtcTime;

/// Width of the start-time window of a `MASTER_ADDR:MASTER_PORT` key, seconds.
pub const MASTER_WINDOW_S: i64 = 600;

/// The variables a job's placement is read from, for documentation and tests.
pub const VARIABLES: &[&str] = &[
    "SLURM_JOB_ID",
    "SLURM_STEP_ID",
    "SLURM_ARRAY_JOB_ID",
    "SLURM_ARRAY_TASK_ID",
    "SLURM_PROCID",
    "SLURM_LOCALID",
    "SLURM_NTASKS",
    "TORCHELASTIC_RUN_ID",
    "MASTER_ADDR",
    "MASTER_PORT",
    "RANK",
    "LOCAL_RANK",
    "WORLD_SIZE",
];

/// The placement of this process: `job` (a `--job` flag) names the job when given, else the
/// launcher's variables as `var` reads them (`|name| std::env::var(name).ok()` in use);
/// `started_at` dates a `MASTER_ADDR:MASTER_PORT` key.
pub fn detect(
    job: Option<&str>,
    var: impl Fn(&str) -> Option<String>,
    started_at: UtcTime,
) -> JobPlacement {
    let value = |name: &str| {
        var(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let number = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| value(name)?.parse::<u32>().ok())
    };
    let job_key = job
        .map(str::trim)
        .filter(|j| !j.is_empty())
        .map(str::to_string)
        .or_else(|| slurm_key(&value))
        .or_else(|| {
            value("TORCHELASTIC_RUN_ID")
                .filter(|id| id != "none")
                .map(|id| format!("torchelastic:{id}"))
        })
        .or_else(|| {
            let addr = value("MASTER_ADDR")?;
            let port = value("MASTER_PORT")?;
            let window = started_at.unix_seconds().div_euclid(MASTER_WINDOW_S) * MASTER_WINDOW_S;
            let window = UtcTime::from_unix_seconds(window);
            Some(format!("master:{addr}:{port}@{window}"))
        });
    JobPlacement {
        job_key,
        rank: number(&["RANK", "SLURM_PROCID"]),
        local_rank: number(&["LOCAL_RANK", "SLURM_LOCALID"]),
        world_size: number(&["WORLD_SIZE", "SLURM_NTASKS"]),
    }
}

/// Why a run counts less of the machine than it was asked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Downgrade {
    /// Not local rank 0 of its job: local rank 0 measures this host for the whole job.
    NotLocalRankZero {
        local_rank: u32,
        job_key: Option<String>,
    },
    /// Another live run on this host (`run`, tracked by process `pid`) already measures the
    /// whole machine.
    HostMeasured { run: RunId, pid: u32 },
}

impl std::fmt::Display for Downgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Downgrade::NotLocalRankZero {
                local_rank,
                job_key,
            } => write!(
                f,
                "local rank {local_rank} of job {}: local rank 0 measures this machine; this run records only its link to the job",
                job_key.as_deref().unwrap_or("(no job key)")
            ),
            Downgrade::HostMeasured { run, pid } => write!(
                f,
                "run {run} (pid {pid}) already measures this machine's whole energy; this run counts only its own processes, so the machine is not counted twice"
            ),
        }
    }
}

/// What a run counts, and why when it is less than asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributionChoice {
    pub attribution: Attribution,
    pub because: Option<Downgrade>,
}

/// The one rule every front end applies at a run's start: a machine-wide run by a job's local
/// rank other than 0 records only its link (local rank 0 measures the host for the job);
/// otherwise, when `machine_tracker` (a live machine-wide run on this host, its id and pid,
/// from [`mlcarbon_store::Store::machine_tracker_on`]) exists, the run counts its own processes'
/// share. Whoever cannot follow its processes records a link instead.
pub fn choose_attribution(
    requested: Attribution,
    placement: &JobPlacement,
    machine_tracker: Option<(RunId, u32)>,
) -> AttributionChoice {
    if requested != Attribution::Machine {
        return AttributionChoice {
            attribution: requested,
            because: None,
        };
    }
    if !placement.measures_host() {
        return AttributionChoice {
            attribution: Attribution::Link,
            because: Some(Downgrade::NotLocalRankZero {
                local_rank: placement.local_rank.unwrap_or(0),
                job_key: placement.job_key.clone(),
            }),
        };
    }
    match machine_tracker {
        Some((run, pid)) => AttributionChoice {
            attribution: Attribution::Process,
            because: Some(Downgrade::HostMeasured { run, pid }),
        },
        None => AttributionChoice {
            attribution: Attribution::Machine,
            because: None,
        },
    }
}

/// `slurm:JOB[.STEP]`, with an array task named `ARRAYJOB_TASK` as sacct names it.
fn slurm_key(value: &impl Fn(&str) -> Option<String>) -> Option<String> {
    let job = match (value("SLURM_ARRAY_JOB_ID"), value("SLURM_ARRAY_TASK_ID")) {
        (Some(array), Some(task)) => format!("{array}_{task}"),
        _ => value("SLURM_JOB_ID")?,
    };
    Some(match value("SLURM_STEP_ID") {
        Some(step) => format!("slurm:{job}.{step}"),
        None => format!("slurm:{job}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn detect_with(job: Option<&str>, vars: &[(&str, &str)]) -> JobPlacement {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let at = UtcTime::parse("2026-12-03T10:17:42Z").expect("a valid time");
        detect(job, |name| vars.get(name).cloned(), at)
    }

    #[test]
    fn local_rank_zero_measures_once_per_host_and_the_others_link_or_count_their_share() {
        let rank1 = detect_with(None, &[("LOCAL_RANK", "1"), ("TORCHELASTIC_RUN_ID", "j")]);
        let choice = choose_attribution(Attribution::Machine, &rank1, Some((4, 99)));
        assert_eq!(choice.attribution, Attribution::Link);
        assert!(
            choice
                .because
                .as_ref()
                .is_some_and(|d| d.to_string().contains("local rank 1 of job torchelastic:j"))
        );
        let rank0 = detect_with(None, &[("LOCAL_RANK", "0")]);
        let alone = choose_attribution(Attribution::Machine, &rank0, None);
        assert_eq!(
            (alone.attribution, alone.because),
            (Attribution::Machine, None)
        );
        let second = choose_attribution(Attribution::Machine, &rank0, Some((4, 99)));
        assert_eq!(second.attribution, Attribution::Process);
        assert_eq!(
            second.because,
            Some(Downgrade::HostMeasured { run: 4, pid: 99 })
        );
        let asked = choose_attribution(Attribution::Process, &rank1, Some((4, 99)));
        assert_eq!(
            (asked.attribution, asked.because),
            (Attribution::Process, None)
        );
    }

    #[test]
    fn a_lone_process_belongs_to_no_job() {
        let placement = detect_with(None, &[]);
        assert_eq!(placement, JobPlacement::default());
        assert!(placement.measures_host());
    }

    #[test]
    fn slurm_steps_and_array_tasks_are_named_as_sacct_names_them() {
        let srun = detect_with(
            None,
            &[
                ("SLURM_JOB_ID", "4242"),
                ("SLURM_STEP_ID", "0"),
                ("SLURM_PROCID", "5"),
                ("SLURM_LOCALID", "1"),
                ("SLURM_NTASKS", "8"),
            ],
        );
        assert_eq!(srun.job_key.as_deref(), Some("slurm:4242.0"));
        assert_eq!(
            (srun.rank, srun.local_rank, srun.world_size),
            (Some(5), Some(1), Some(8))
        );
        assert!(!srun.measures_host());
        let array = detect_with(
            None,
            &[
                ("SLURM_JOB_ID", "4250"),
                ("SLURM_ARRAY_JOB_ID", "4242"),
                ("SLURM_ARRAY_TASK_ID", "8"),
            ],
        );
        assert_eq!(array.job_key.as_deref(), Some("slurm:4242_8"));
    }

    #[test]
    fn torchrun_ranks_take_precedence_over_slurms_and_a_flag_over_every_variable() {
        let vars = [
            ("SLURM_JOB_ID", "7"),
            ("SLURM_PROCID", "0"),
            ("TORCHELASTIC_RUN_ID", "abc"),
            ("RANK", "3"),
            ("LOCAL_RANK", "0"),
            ("WORLD_SIZE", "4"),
        ];
        let placement = detect_with(None, &vars);
        assert_eq!(placement.job_key.as_deref(), Some("slurm:7"));
        assert_eq!(placement.rank, Some(3));
        assert!(placement.measures_host());
        let flagged = detect_with(Some(" exp-12 "), &vars);
        assert_eq!(flagged.job_key.as_deref(), Some("exp-12"));
        let no_slurm = detect_with(None, &vars[2..]);
        assert_eq!(no_slurm.job_key.as_deref(), Some("torchelastic:abc"));
    }

    #[test]
    fn a_master_address_key_carries_its_ten_minute_window_and_ignores_torchruns_none() {
        let placement = detect_with(
            None,
            &[
                ("TORCHELASTIC_RUN_ID", "none"),
                ("MASTER_ADDR", "node-1"),
                ("MASTER_PORT", "29500"),
                ("RANK", "x"),
            ],
        );
        assert_eq!(
            placement.job_key.as_deref(),
            Some("master:node-1:29500@2026-12-03T10:10:00Z")
        );
        assert_eq!(placement.rank, None, "an unreadable rank is unknown, not 0");
    }
}
