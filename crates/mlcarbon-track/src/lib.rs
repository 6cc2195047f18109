//! A measured run as it goes, for every front end that tracks (the `mlcarbon run` and
//! `monitor` commands, the Python package): the sensors this machine offers, each sample turned
//! into energy and emissions by the model's [`RunAccount`], samples written to the run store in
//! batches and kept in memory while the store cannot take them, progress reports turned into a
//! prediction of the run's end. The sampling loop and what is printed belong to the front end.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mlcarbon_data::{Dataset, LookupError, constant_ids};
use mlcarbon_meter::{
    DiscoverOptions, ReplaySensor, Roots, SampleOut, Sampler, Sensor, SensorError, count_cpus,
    cpu_model_name, discover, parse_meminfo,
};
use mlcarbon_model::Location;
use mlcarbon_model::predict::Prediction;
use mlcarbon_model::profiles::ProfileChoice;
use mlcarbon_model::run::{ComponentKind, ProgressLog, RunAccount, parse_progress};
use mlcarbon_store::{
    Attribution, ComponentRecord, IntensityOrigin, JobPlacement, NewComponent, NewRun, RunEnd,
    RunId, RunRecord, RunStart, RunStatus, SampleRow, Store, StoreError, liveness,
};

pub mod config;
mod http;
mod pending;
pub mod placement;
pub mod push;
pub mod remote;

pub use pending::{MAX_PENDING_SAMPLES, PendingSamples};
pub use placement::{AttributionChoice, Downgrade, choose_attribution};

/// Why a run could not be tracked.
#[derive(Debug, thiserror::Error)]
pub enum TrackError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Sensor(#[from] SensorError),
    #[error("{0}")]
    Lookup(String),
    #[error(transparent)]
    Data(#[from] mlcarbon_data::DataError),
    #[error("{what} must be between {min} and {max} seconds, not {value}")]
    Interval {
        what: &'static str,
        min: f64,
        max: f64,
        value: f64,
    },
}

impl From<LookupError> for TrackError {
    fn from(error: LookupError) -> Self {
        TrackError::Lookup(mlcarbon_model::request::lookup_message(
            &error,
            "hardware --cpus",
        ))
    }
}

/// Samples are committed every `commit_every` seconds (default 5) or as many samples, whichever
/// comes first: a SIGKILL loses at most that much. A commit costs more CPU than anything else
/// the tracker controls (the `cold_sample_cost` example, loaded 2-vCPU VM: ~0.25 ms per commit
/// from cold caches, ~0.05 ms per 1 s sample at the default), so a longer period trades
/// durability for overhead.
pub const DEFAULT_COMMIT_EVERY_S: f64 = 5.0;
/// The sampling interval's bounds, seconds.
pub const MIN_INTERVAL_S: f64 = 0.05;
pub const MAX_INTERVAL_S: f64 = 3600.0;

/// Checks a sampling interval and a commit period (seconds).
pub fn check_periods(interval_s: f64, commit_every_s: f64) -> Result<(), TrackError> {
    if !(MIN_INTERVAL_S..=MAX_INTERVAL_S).contains(&interval_s) {
        return Err(TrackError::Interval {
            what: "the sampling interval (--interval or config `interval`)",
            min: MIN_INTERVAL_S,
            max: MAX_INTERVAL_S,
            value: interval_s,
        });
    }
    if !(commit_every_s > 0.0 && commit_every_s <= MAX_INTERVAL_S) {
        return Err(TrackError::Interval {
            what: "--commit-every",
            min: 0.0,
            max: MAX_INTERVAL_S,
            value: commit_every_s,
        });
    }
    Ok(())
}

/// The sensors of a run and what a user should hear about them.
pub struct SamplerChoice {
    pub sampler: Sampler,
    /// The CPU model the machine reports, when it does.
    pub cpu_model: Option<String>,
    /// Fallbacks and failures, each with its fix; print each once.
    pub warnings: Vec<String>,
}

/// The name `--replay` takes for the built-in [`DEMO_TRACE`].
pub const DEMO_TRACE_NAME: &str = "demo";
/// A made-up trace shipped with the tool so that the README's tour runs anywhere: an A100 at
/// 250 → 300 W and its host CPU at 65 W (format: `mlcarbon_meter::replay`).
pub const DEMO_TRACE: &str = include_str!("demo_trace.csv");

/// A recorded power/energy trace (its CSV text) played back instead of this machine (tests,
/// demos).
pub fn replay_sampler(trace: &str) -> Result<SamplerChoice, TrackError> {
    let sensor = ReplaySensor::from_csv(trace)?;
    let sensors: Vec<Box<dyn Sensor>> = vec![Box::new(sensor)];
    Ok(SamplerChoice {
        sampler: Sampler::new(sensors),
        cpu_model: None,
        warnings: Vec::new(),
    })
}

/// No sensors: a run that only records its link to a job whose machine another tracker on
/// this host measures ([`Attribution::Link`]).
pub fn link_sampler() -> SamplerChoice {
    SamplerChoice {
        sampler: Sampler::new(Vec::new()),
        cpu_model: None,
        warnings: Vec::new(),
    }
}

/// What this machine offers: RAPL, NVML, amdgpu and the CPU/RAM models, with the CPU's TDP from
/// `cpu` (a name in the CPU table), else from the model name the machine reports, else its
/// logical CPUs at the data's per-vCPU figure (defaulted, said in a warning).
pub fn machine_sampler(
    data: &Dataset,
    cpu: Option<&str>,
    roots: &Roots,
) -> Result<SamplerChoice, TrackError> {
    let given = match cpu {
        Some(name) => Some(data.find_cpu(name)??.tdp_w),
        None => None,
    };
    sampler_with_cpu_tdp(data, given, roots)
}

/// [`machine_sampler`] with the CPU's power at full load given in watts (CodeCarbon's
/// `force_cpu_power`), used where the CPU has no RAPL counters.
pub fn machine_sampler_cpu_watts(
    data: &Dataset,
    cpu_w: f64,
    roots: &Roots,
) -> Result<SamplerChoice, TrackError> {
    if !(cpu_w.is_finite() && cpu_w > 0.0 && cpu_w <= MAX_CPU_W) {
        return Err(TrackError::Lookup(format!(
            "the CPU's power must be between 0 and {MAX_CPU_W} W, not {cpu_w}"
        )));
    }
    sampler_with_cpu_tdp(data, Some(cpu_w), roots)
}

/// A given CPU power above this is a typo (the largest server CPUs are rated at 500 W).
pub const MAX_CPU_W: f64 = 2000.0;

fn sampler_with_cpu_tdp(
    data: &Dataset,
    given_tdp_w: Option<f64>,
    roots: &Roots,
) -> Result<SamplerChoice, TrackError> {
    let model = cpu_model_name(roots);
    let tdp = given_tdp_w.or_else(|| {
        model
            .as_deref()
            .and_then(|m| data.cpu_for_model_name(m).ok().flatten())
            .map(|c| c.tdp_w)
    });
    // A CPU the table does not know (a VM's generic name, or none): its logical CPUs at the
    // data's per-vCPU full-load figure, for the whole machine (one "socket"), defaulted.
    let fallback = match (tdp, data.constant(constant_ids::CPU_W_PER_VCPU)) {
        (None, Some(per_vcpu)) => {
            // The CPUs /proc/stat lists: the ones the utilization is measured over.
            std::fs::read_to_string(roots.proc_root.join("stat"))
                .ok()
                .map(|stat| count_cpus(&stat))
                .filter(|&n| n > 0)
                .or_else(|| {
                    std::thread::available_parallelism()
                        .ok()
                        .and_then(|n| u32::try_from(n.get()).ok())
                })
                .map(|n| (per_vcpu.value, n))
        }
        _ => None,
    };
    let ram_w_per_gb = data
        .constant(constant_ids::RAM_W_PER_GB)
        .map_or(0.3725, |c| c.value);
    let found = discover(
        roots,
        &DiscoverOptions {
            cpu_tdp_w: tdp.or(fallback.map(|(w, n)| w * f64::from(n))),
            cpu_sockets: fallback.map(|_| 1),
            ram_w_per_gb,
            ..DiscoverOptions::default()
        },
    );
    let mut warnings = found.warnings.clone();
    if let Some((w, n)) = fallback {
        warnings.push(format!(
            "CPU {} is not in the CPU table: modelled as {n} logical CPUs × {w} W at full load (Cloud Carbon Footprint's average per vCPU, defaulted); give --cpu NAME (`mlcarbon hardware --cpus` lists them) for its own TDP",
            model
                .as_deref()
                .map_or("model unknown".to_string(), |m| format!("`{m}`"))
        ));
    } else if let (None, Some(name)) = (tdp, model.as_deref()) {
        warnings.push(format!(
            "CPU `{name}` is not in the CPU table: give --cpu NAME (`mlcarbon hardware --cpus` lists them) to count the CPU"
        ));
    }
    Ok(SamplerChoice {
        sampler: found.into_sampler(),
        cpu_model: model,
        warnings,
    })
}

/// This machine's name, as runs record it (the store's reader of it, which its liveness
/// check compares with).
pub fn hostname() -> String {
    liveness::this_hostname()
}

fn ram_total_gb(roots: &Roots) -> f64 {
    std::fs::read(roots.proc_root.join("meminfo"))
        .ok()
        .and_then(|text| parse_meminfo(&text))
        .map_or(0.0, |m| m.total_bytes as f64 / f64::from(1u32 << 30))
}

/// The ISO alpha-3 code CodeCarbon writes (`USA`) and the country's name, from a zone.
fn country_codes(data: &Dataset, location: &Location) -> (Option<String>, Option<String>) {
    let Some(zone) = location.zone.as_deref().and_then(|id| data.zone(id)) else {
        return (None, None);
    };
    let Some(country) = data.zone(&zone.country) else {
        return (None, None);
    };
    let alpha3 = country
        .aliases
        .iter()
        .find(|a| a.len() == 3 && a.chars().all(|c| c.is_ascii_uppercase()))
        .map(|a| a.to_string());
    (alpha3, Some(country.name.to_string()))
}

/// Marks the runs of this host whose tracker is gone as interrupted (keeping what they had);
/// returns their ids. Our own pid cannot be an older run still going (pids are reused, e.g.
/// pid 1 in containers).
pub fn recover_interrupted(store: &Store, host: &str) -> Result<Vec<RunId>, StoreError> {
    let me = std::process::id();
    let alive = liveness::on_this_host(host);
    store.recover_interrupted(|pid, h| pid != me && alive(pid, h))
}

/// What a tracked run records besides its measurements.
#[derive(Debug, Clone)]
pub struct RunSettings {
    pub project: String,
    pub experiment: Option<String>,
    pub tags: Vec<String>,
    /// The measured command and its arguments (`["monitor"]` for the whole machine).
    pub command: Vec<String>,
    /// Between samples.
    pub interval: Duration,
    /// Between commits of samples to the store.
    pub commit_every: Duration,
    /// The host's name as recorded; `None`: this machine's.
    pub hostname: Option<String>,
    /// Where the database lives: a progress file for the job is made beside it when given.
    pub progress_dir_of: Option<PathBuf>,
    /// How much of the machine the run counts.
    pub attribution: Attribution,
    /// The distributed job the run belongs to ([`placement::detect`]).
    pub placement: JobPlacement,
}

/// One sample's figures, for a status line.
#[derive(Debug, Clone, PartialEq)]
pub struct Tick {
    /// Seconds since the run started.
    pub t_s: f64,
    /// IT power of the sample, W.
    pub total_power_w: f64,
    /// The run so far, with PUE.
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    /// What the user should hear now (sensor trouble, a store that cannot write, ...).
    pub warnings: Vec<String>,
}

/// One tracked run: its sensors, its accounting, its store.
pub struct Tracker {
    store: Store,
    run: RunId,
    uuid: String,
    sampler: Sampler,
    process_mode: bool,
    account: RunAccount,
    progress: ProgressLog,
    warned_profile: bool,
    seq: u64,
    started: Instant,
    progress_file: Option<PathBuf>,
    pending: PendingSamples,
    last_flush: Instant,
    commit_every: Duration,
    commit_samples: usize,
}

impl Tracker {
    /// Records the run's start in `store` and returns its tracker.
    pub fn start(
        data: &Dataset,
        store: Store,
        location: &Location,
        profile: Option<&ProfileChoice>,
        sensors: SamplerChoice,
        settings: &RunSettings,
        roots: &Roots,
    ) -> Result<Tracker, TrackError> {
        let interval_s = settings.interval.as_secs_f64();
        check_periods(interval_s, settings.commit_every.as_secs_f64())?;
        let sampler = sensors.sampler;
        let uuid = new_uuid();
        let (country_iso, country_name) = country_codes(data, location);
        let gpus: Vec<&mlcarbon_meter::ComponentInfo> = sampler
            .components()
            .iter()
            .filter(|c| c.kind == ComponentKind::Gpu)
            .collect();
        let account = RunAccount::new(
            location.pue.range.value,
            location.intensity.range.value.0,
            profile.map(|p| p.profile.clone()),
        );
        let start = RunStart {
            uuid: uuid.clone(),
            project: settings.project.clone(),
            experiment: settings.experiment.clone(),
            tags: settings.tags.clone(),
            command: settings.command.clone(),
            started_at: mlcarbon_time::now_rfc3339(),
            pid: std::process::id(),
            hostname: settings.hostname.clone().unwrap_or_else(hostname),
            os: std::env::consts::OS.to_string(),
            mlcarbon_version: env!("CARGO_PKG_VERSION").to_string(),
            location_label: location.label.clone(),
            zone: location.zone.clone(),
            provider: location.provider.clone(),
            region: location.region.clone(),
            country_iso,
            country_name,
            intensity_g_per_kwh: account.intensity_at(mlcarbon_time::now()),
            intensity_origin: match profile {
                Some(_) => IntensityOrigin::Profile,
                None => location.intensity.provenance.origin.into(),
            },
            intensity_source: match profile {
                Some(p) => Some(
                    p.file
                        .clone()
                        .or_else(|| p.source.clone())
                        .unwrap_or_else(|| p.label.clone()),
                ),
                None => location.intensity.provenance.source.clone(),
            },
            pue: location.pue.range.value,
            cpu_model: sensors.cpu_model,
            cpu_count: std::thread::available_parallelism()
                .map_or(1, |n| u32::try_from(n.get()).unwrap_or(u32::MAX)),
            gpu_model: gpus.first().map(|g| g.label.clone()),
            gpu_count: u32::try_from(gpus.len()).unwrap_or(u32::MAX),
            ram_total_gb: ram_total_gb(roots),
            interval_s,
            attribution: settings.attribution,
            placement: settings.placement.clone(),
        };
        let new_run = NewRun {
            start,
            components: sampler
                .components()
                .iter()
                .map(|c| NewComponent {
                    key: c.key.clone(),
                    kind: c.kind,
                    label: c.label.clone(),
                    method: c.method,
                })
                .collect(),
        };
        let run = store.start_run(&new_run)?;
        let progress_file = settings
            .progress_dir_of
            .as_deref()
            .and_then(|db| progress_path(db, &uuid));
        let commit_every = settings.commit_every;
        Ok(Tracker {
            store,
            run,
            uuid,
            sampler,
            process_mode: false,
            account,
            progress: ProgressLog::default(),
            warned_profile: false,
            seq: 0,
            started: Instant::now(),
            progress_file,
            pending: PendingSamples::default(),
            last_flush: Instant::now(),
            commit_every,
            // As many samples as the period holds at this interval, at least one.
            commit_samples: ((commit_every.as_secs_f64() / interval_s).round() as usize).max(1),
        })
    }

    pub fn run_id(&self) -> RunId {
        self.run
    }

    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The file the job may write its progress to (0 to 1, or a percentage).
    pub fn progress_file(&self) -> Option<&Path> {
        self.progress_file.as_deref()
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The sensors, e.g. to attach the job's process tree.
    pub fn sampler_mut(&mut self) -> &mut Sampler {
        &mut self.sampler
    }

    /// Count the attached process tree's share of each component instead of the machine.
    pub fn count_processes_only(&mut self, on: bool) {
        self.process_mode = on;
    }

    /// The first reading, which every later sample is measured from.
    pub fn begin(&mut self) {
        self.sampler.sample(Instant::now());
    }

    /// The latest prediction of the run's end, with its range.
    pub fn prediction(&self) -> Option<&Prediction> {
        self.progress.prediction()
    }

    /// The fraction of its work the job last reported.
    pub fn progress(&self) -> Option<f64> {
        self.progress.progress()
    }

    /// Takes a sample, keeps it for the store (committing when the period is up), and returns
    /// the run's figures so far.
    pub fn sample(&mut self) -> Tick {
        self.take_sample(false, true)
    }

    /// A sample at a boundary the user marks (a window's start or end): a fresh reading, kept
    /// and folded into the next sample (so windows add no rows to the store), never committed
    /// here, so that marking costs a reading and no database write.
    pub fn sample_boundary(&mut self) -> Tick {
        self.take_sample(false, false)
    }

    /// The run's last sample: sensors read their exact sources (the NVML counter) for it.
    pub fn sample_last(&mut self) -> Tick {
        self.take_sample(true, true)
    }

    fn take_sample(&mut self, last: bool, may_commit: bool) -> Tick {
        let process_mode = self.process_mode;
        // Borrowed, not copied: the loop should allocate as little as it can.
        let now = Instant::now();
        let out: &SampleOut = if last {
            self.sampler.sample_last(now)
        } else {
            self.sampler.sample(now)
        };
        let mut warnings = out.warnings.clone();
        let energy_j = if process_mode {
            out.total.cumulative_attributed_j
        } else {
            out.total.cumulative_j
        };
        let accounted = self.account.add(energy_j, mlcarbon_time::now());
        if accounted.outside_profile && !self.warned_profile {
            warnings.push(format!(
                "the intensity profile does not cover this time; using the yearly average ({} g/kWh)",
                mlcarbon_model::statement::human_number(accounted.intensity_g_per_kwh)
            ));
            self.warned_profile = true;
        }
        self.seq += 1;
        let row = sample_row(
            self.seq,
            self.started.elapsed().as_secs_f64(),
            out,
            process_mode,
            &accounted,
        );
        let tick = Tick {
            t_s: row.t_s,
            total_power_w: row.total_power_w,
            energy_kwh: accounted.energy_kwh,
            emissions_kg: accounted.emissions_kg,
            warnings,
        };
        if may_commit {
            self.pending.push(row);
        } else {
            self.pending.push_boundary(row);
        }
        let mut tick = tick;
        if may_commit
            && (self.pending.len() >= self.commit_samples
                || self.last_flush.elapsed() >= self.commit_every)
        {
            if let Some(warning) = self.flush() {
                tick.warnings.push(warning);
            }
            self.read_progress();
        }
        tick
    }

    /// Commits the kept samples now (a front end's explicit flush); a warning when the store
    /// cannot take them (they stay kept).
    pub fn commit_now(&mut self) -> Option<String> {
        self.flush()
    }

    /// Hands the kept samples to the store. When it cannot take them (a full disk) they stay
    /// kept, in order, and go with the next commit; the first failure and the recovery each
    /// return a warning.
    fn flush(&mut self) -> Option<String> {
        self.last_flush = Instant::now();
        let (run, store) = (self.run, &self.store);
        self.pending
            .commit(|samples| store.add_samples(run, samples))
    }

    fn read_progress(&mut self) {
        let Some(path) = &self.progress_file else {
            return;
        };
        // A job writes a number; anything longer is not a progress report.
        let Some(progress) = read_small(path).and_then(|t| parse_progress(&t)) else {
            return;
        };
        let hours = self.started.elapsed().as_secs_f64() / 3600.0;
        let end = self.progress.report(progress, hours, &self.account);
        let _ = self.store.set_prediction(
            self.run,
            &mlcarbon_store::Prediction {
                progress: end.progress,
                predicted_energy_kwh: end.energy_kwh,
                predicted_emissions_kg: end.emissions_kg,
            },
        );
    }

    /// Commits what is kept, reads the last progress report and records how the run ended.
    /// Samples the store still cannot take are reported in the error: the stored run then ends
    /// at its last stored sample.
    pub fn finish(
        &mut self,
        exit_code: Option<i32>,
        signal: Option<i32>,
        status: RunStatus,
    ) -> Result<Vec<String>, TrackError> {
        let mut warnings: Vec<String> = self.flush().into_iter().collect();
        self.read_progress();
        if let Some(unsaved) = self.pending.unsaved_message() {
            warnings.push(unsaved);
        }
        self.store.finish_run(
            self.run,
            &RunEnd {
                ended_at: mlcarbon_time::now_rfc3339(),
                duration_s: self.started.elapsed().as_secs_f64(),
                exit_code,
                signal,
                status,
            },
        )?;
        if let Some(path) = &self.progress_file {
            let _ = std::fs::remove_file(path);
        }
        Ok(warnings)
    }

    /// The run as stored, with its components.
    pub fn record(&self) -> Result<(RunRecord, Vec<ComponentRecord>), StoreError> {
        Ok((self.store.run(self.run)?, self.store.components(self.run)?))
    }
}

/// A sample as the store keeps it.
fn sample_row(
    seq: u64,
    t_s: f64,
    out: &SampleOut,
    process_mode: bool,
    accounted: &mlcarbon_model::run::Accounted,
) -> SampleRow {
    let gpu_utilization = {
        let (sum, n) = out
            .components
            .iter()
            .filter(|c| c.kind == ComponentKind::Gpu)
            .filter_map(|c| c.utilization)
            .fold((0.0, 0usize), |(sum, n), u| (sum + u, n + 1));
        (n > 0).then(|| sum / n as f64 * 100.0)
    };
    let cpu_utilization = out
        .components
        .iter()
        .find(|c| c.kind == ComponentKind::Cpu)
        .and_then(|c| c.utilization)
        .map(|u| u * 100.0);
    SampleRow {
        seq,
        t_s,
        timestamp: mlcarbon_time::now_rfc3339(),
        intensity_g_per_kwh: accounted.intensity_g_per_kwh,
        components: out
            .components
            .iter()
            .map(|c| mlcarbon_store::ComponentSample {
                key: c.key.clone(),
                power_w: if process_mode {
                    c.power_w * c.share.unwrap_or(1.0)
                } else {
                    c.power_w
                },
                energy_j: if process_mode {
                    c.attributed_j
                } else {
                    c.energy_j
                },
            })
            .collect(),
        total_power_w: if process_mode && out.interval_s > 0.0 {
            out.total.attributed_j / out.interval_s
        } else {
            out.total.power_w
        },
        energy_kwh: accounted.energy_kwh,
        emissions_kg: accounted.emissions_kg,
        cpu_utilization,
        gpu_utilization,
        ram_used_gb: None,
    }
}

/// A file's text when it is small (a progress report), else nothing.
fn read_small(path: &Path) -> Option<String> {
    use std::io::Read;
    let mut text = String::new();
    std::fs::File::open(path)
        .ok()?
        .take(64)
        .read_to_string(&mut text)
        .ok()?;
    Some(text)
}

/// The progress file of a run, beside the database (`progress/<uuid>`), empty at start.
fn progress_path(db: &Path, uuid: &str) -> Option<PathBuf> {
    let dir = db.parent()?.join("progress");
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(uuid);
    std::fs::write(&path, "").ok()?;
    Some(path)
}

/// A random (version 4) UUID from the kernel's generator; the time and pid if it cannot be read.
pub fn new_uuid() -> String {
    use std::io::Read;
    use std::time::{SystemTime, UNIX_EPOCH};
    let mut bytes = [0u8; 16];
    let filled = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .is_ok();
    if !filled {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .as_nanos();
        bytes = (nanos ^ (u128::from(std::process::id()) << 96)).to_le_bytes();
    }
    mlcarbon_store::uuid_v4(bytes)
}
