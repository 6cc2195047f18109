//! `mlcarbon run -- CMD` and `mlcarbon monitor`: measure energy from hardware counters while a
//! command runs (or until Ctrl-C), store every sample as it comes, and summarize.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use mlcarbon_data::{Dataset, constant_ids};
use mlcarbon_meter::{
    ComponentKind, DiscoverOptions, ProcessTree, ReplaySensor, Roots, SampleOut, Sampler, Sensor,
    count_cpus, cpu_model_name, discover,
};
use mlcarbon_model::predict::{self, Checkpoint, PartialRun, Progress};
use mlcarbon_model::schedule::IntensityProfile;
use mlcarbon_model::statement::{human_energy, human_mass, human_number};
use mlcarbon_model::units::{GramsPerKwh, Hours, KilowattHours, Ranged};
use mlcarbon_model::{Location, scenario};
use mlcarbon_store::{
    ComponentSample, IntensityOrigin, NewComponent, NewRun, Prediction, RunEnd, RunId, RunStart,
    RunStatus, SampleRow, Store, liveness,
};

use crate::cli::{AttributionArg, LocationArgs, MonitorArgs, RunArgs, TrackArgs};
use crate::commands::runs::{open_store, summary_with};
use crate::config::Config;
use crate::inputs::{ResolvedLocation, read_profile, resolve_location, system_now, user_error};
use crate::output::{stderr_line, to_stderr};
use crate::{child, clock, env};
use mlcarbon_model::profiles::{ProfileChoice, no_profile, text_profile, zone_profile};

/// The location of a tracked run: flags, else the configuration file, else the world average
/// (flagged as defaulted).
pub fn tracked_location<'d>(
    data: &'d Dataset,
    flags: &LocationArgs,
    config: &Config,
) -> Result<ResolvedLocation<'d>> {
    let given = flags.provider.is_some()
        || flags.region.is_some()
        || flags.zone.is_some()
        || flags.intensity.is_some();
    let mut args = flags.clone();
    if !given {
        args.provider = config.get("provider").map(str::to_string);
        args.region = config.get("region").map(str::to_string);
        args.zone = config.get("zone").map(str::to_string);
        args.intensity = match config.get("intensity") {
            Some(text) => Some(
                text.parse::<f64>()
                    .ok()
                    .filter(|g| g.is_finite() && *g >= 0.0)
                    .with_context(|| {
                        format!("config: intensity `{text}` is not a number of g/kWh")
                    })?,
            ),
            None => None,
        };
    }
    if args.pue.is_none()
        && let Some(text) = config.get("pue")
    {
        args.pue = Some(
            text.parse::<f64>()
                .ok()
                .filter(|p| (1.0..=5.0).contains(p))
                .with_context(|| format!("config: pue `{text}` is not a PUE between 1 and 5"))?,
        );
    }
    let any = args.provider.is_some()
        || args.region.is_some()
        || args.zone.is_some()
        || args.intensity.is_some();
    if any {
        return resolve_location(data, &args).context("location");
    }
    let mut location = scenario::default_location(data)?;
    if let Some(pue) = args.pue {
        location.pue = scenario::given_pue(pue);
    }
    location.intensity.provenance.note = format!(
        "world average: no location given; set one with `mlcarbon config set zone FR` (or --zone, --provider/--region). {}",
        location.intensity.provenance.note
    );
    Ok(ResolvedLocation {
        location,
        provider: None,
        region: None,
    })
}

/// The ISO alpha-3 code CodeCarbon writes (`USA`), from a zone's country.
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

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

fn ram_total_gb(roots: &Roots) -> f64 {
    let meminfo = std::fs::read_to_string(roots.proc_root.join("meminfo")).unwrap_or_default();
    meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemTotal:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0 / 1024.0)
}

/// The sensors: a replayed trace, or what this machine offers.
fn build_sampler(
    data: &Dataset,
    args: &TrackArgs,
    roots: &Roots,
    quiet: bool,
) -> Result<(Sampler, Option<String>)> {
    if let Some(trace) = &args.replay {
        let sensor = ReplaySensor::from_path(trace)
            .with_context(|| format!("--replay {}", trace.display()))?;
        let sensors: Vec<Box<dyn Sensor>> = vec![Box::new(sensor)];
        return Ok((Sampler::new(sensors), None));
    }
    let model = cpu_model_name(roots);
    let tdp = match &args.cpu {
        Some(name) => Some(
            data.find_cpu(name)?
                .map_err(|e| crate::inputs::lookup_error(e, "hardware --cpus"))?
                .tdp_w,
        ),
        None => model
            .as_deref()
            .and_then(|m| data.cpu_for_model_name(m).ok().flatten())
            .map(|c| c.tdp_w),
    };
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
    if !quiet {
        for warning in &found.warnings {
            stderr_line!("mlcarbon: warning: {warning}");
        }
        if let Some((w, n)) = fallback {
            stderr_line!(
                "mlcarbon: warning: CPU {} is not in the CPU table: modelled as {n} logical CPUs × {w} W at full load (Cloud Carbon Footprint's average per vCPU, defaulted); give --cpu NAME (`mlcarbon hardware --cpus` lists them) for its own TDP",
                model
                    .as_deref()
                    .map_or("model unknown".to_string(), |m| format!("`{m}`"))
            );
        } else if tdp.is_none() && model.is_some() && args.cpu.is_none() {
            stderr_line!(
                "mlcarbon: warning: CPU `{}` is not in the CPU table: give --cpu NAME (`mlcarbon hardware --cpus` lists them) to count the CPU",
                model.as_deref().unwrap_or_default()
            );
        }
    }
    Ok((found.into_sampler(), model))
}

/// A progress fraction written by the child: a number in (0, 1], or a percentage with `%`.
pub fn parse_progress(text: &str) -> Option<f64> {
    let text = text.trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    (value.is_finite() && value > 0.0 && value <= 1.0).then_some(value)
}

/// The intensity profile of `--intensity-profile FILE|builtin` for a run at `location`.
fn intensity_profile(data: &Dataset, spec: &str, location: &Location) -> Result<ProfileChoice> {
    if spec.eq_ignore_ascii_case("builtin") {
        let Some(zone) = location.zone.as_deref() else {
            bail!(
                "--intensity-profile builtin needs a grid zone (--zone or --provider/--region); the location has none"
            );
        };
        return zone_profile(data, zone, system_now())
            .map_err(user_error)?
            .ok_or_else(|| user_error(no_profile(data, zone, "--intensity-profile FILE")));
    }
    let file = read_profile(Path::new(spec), "--intensity-profile")?;
    text_profile(&file.text, &file.name, "intensity_profile").map_err(user_error)
}

/// Most progress checkpoints kept for the prediction (its recent rate uses the last five).
const MAX_CHECKPOINTS: usize = 8;

/// One tracked run: sampler, store and the figures that turn joules into emissions.
struct Tracker {
    store: Option<Store>,
    run: RunId,
    sampler: Sampler,
    process_mode: bool,
    pue: f64,
    /// The location's yearly intensity (and the fallback outside an hourly profile).
    intensity: f64,
    /// With --intensity-profile: each sample's energy at the intensity of its hour.
    profile: Option<IntensityProfile>,
    warned_profile: bool,
    /// Cumulative energy (with PUE) and emissions at the previous sample.
    last_energy_kwh: f64,
    emissions_kg: f64,
    seq: u64,
    started: Instant,
    progress_file: Option<PathBuf>,
    progress: Option<f64>,
    /// The readings when the current progress value was first reported.
    first_seen: Option<Checkpoint>,
    /// Earlier progress reports (progress, hours, IT kWh), each when first seen.
    checkpoints: Vec<Checkpoint>,
    /// The latest prediction, with its range.
    prediction: Option<predict::Prediction>,
    status_line: bool,
    warned_store: bool,
    /// Samples not yet committed: the database is written every few seconds, not every sample.
    pending: Vec<SampleRow>,
    last_flush: Instant,
    commit_every: Duration,
    commit_samples: usize,
}

/// Samples are committed every `commit_every` seconds (default 5) or as many samples, whichever
/// comes first: a SIGKILL loses at most that much. Waking the database costs more CPU than
/// everything else the tracker does (measured on a 2-core VM: ~14 ms per commit against ~1 ms for
/// the rest of a sample), so a longer period trades durability for overhead.
pub const DEFAULT_COMMIT_EVERY_S: f64 = 5.0;

impl Tracker {
    /// Takes a sample, stores it, updates the status line; returns energy (kWh, with PUE) and kg.
    fn sample(&mut self) -> (f64, f64) {
        self.take_sample(false)
    }

    /// The run's last sample: sensors read their exact sources (the NVML counter) for it.
    fn sample_last(&mut self) -> (f64, f64) {
        self.take_sample(true)
    }

    fn take_sample(&mut self, last: bool) -> (f64, f64) {
        let process_mode = self.process_mode;
        // Borrowed, not copied: the loop should allocate as little as it can.
        let now = Instant::now();
        let out: &SampleOut = if last {
            self.sampler.sample_last(now)
        } else {
            self.sampler.sample(now)
        };
        for warning in &out.warnings {
            stderr_line!("mlcarbon: warning: {warning}");
        }
        let energy_j = if process_mode {
            out.total.cumulative_attributed_j
        } else {
            out.total.cumulative_j
        };
        let energy_kwh = energy_j / 3.6e6 * self.pue;
        let (intensity, emissions_kg) = match &self.profile {
            None => (self.intensity, energy_kwh * self.intensity / 1000.0),
            Some(profile) => {
                let intensity = match profile.value_at(system_now()) {
                    Some(g) => g.0,
                    None => {
                        if !self.warned_profile {
                            stderr_line!(
                                "mlcarbon: warning: the intensity profile does not cover this time; using the yearly average ({} g/kWh)",
                                human_number(self.intensity)
                            );
                            self.warned_profile = true;
                        }
                        self.intensity
                    }
                };
                // This sample's energy at its hour's intensity, added to the run so far.
                let delta = (energy_kwh - self.last_energy_kwh).max(0.0);
                self.emissions_kg += delta * intensity / 1000.0;
                (intensity, self.emissions_kg)
            }
        };
        self.last_energy_kwh = energy_kwh;
        self.seq += 1;
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
        let row = SampleRow {
            seq: self.seq,
            t_s: self.started.elapsed().as_secs_f64(),
            timestamp: clock::now(),
            intensity_g_per_kwh: intensity,
            components: out
                .components
                .iter()
                .map(|c| ComponentSample {
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
            energy_kwh,
            emissions_kg,
            cpu_utilization,
            gpu_utilization,
            ram_used_gb: None,
        };
        let (t_s, total_power_w) = (row.t_s, row.total_power_w);
        self.pending.push(row);
        if self.pending.len() >= self.commit_samples
            || self.last_flush.elapsed() >= self.commit_every
        {
            self.flush();
            self.read_progress(energy_kwh, emissions_kg);
        }
        if self.status_line {
            let mut line = format!(
                "\r\x1b[2Kmlcarbon {}  {} W  {}  {} CO2e",
                clock::duration(t_s),
                human_number(total_power_w),
                human_energy(energy_kwh),
                human_mass(emissions_kg)
            );
            if let (Some(p), Some(prediction)) = (self.progress, &self.prediction) {
                line.push_str(&format!(
                    "  {:.0} % done, the rest ~{}, at the end ~{}, {}",
                    p * 100.0,
                    human_mass(prediction.remaining_emissions.value.0),
                    human_energy(prediction.total_energy.value.0),
                    human_mass(prediction.total_emissions.value.0)
                ));
            }
            let mut stderr = std::io::stderr().lock();
            let _ = stderr.write_all(line.as_bytes());
            let _ = stderr.flush();
        }
        (energy_kwh, emissions_kg)
    }

    fn flush(&mut self) {
        self.last_flush = Instant::now();
        if self.pending.is_empty() {
            return;
        }
        if let Some(store) = &self.store
            && let Err(e) = store.add_samples(self.run, &self.pending)
            && !self.warned_store
        {
            stderr_line!("mlcarbon: warning: could not store samples ({e}); the run goes on");
            self.warned_store = true;
        }
        self.pending.clear();
    }

    fn read_progress(&mut self, energy_kwh: f64, emissions_kg: f64) {
        let Some(path) = &self.progress_file else {
            return;
        };
        let Some(progress) = std::fs::read_to_string(path)
            .ok()
            .and_then(|t| parse_progress(&t))
        else {
            return;
        };
        let hours = self.started.elapsed().as_secs_f64() / 3600.0;
        let it_energy = energy_kwh / self.pue;
        match self.progress {
            // A new report: the previous one becomes a checkpoint, as first seen.
            Some(previous) if progress > previous => {
                if let Some(first) = self.first_seen {
                    self.checkpoints.push(first);
                    if self.checkpoints.len() > MAX_CHECKPOINTS {
                        self.checkpoints.remove(0);
                    }
                }
                self.first_seen = Some(Checkpoint {
                    progress,
                    elapsed: Hours(hours),
                    it_energy: KilowattHours(it_energy),
                });
            }
            Some(previous) if progress < previous => {
                // Progress went back (a restart): earlier reports no longer describe this run.
                self.checkpoints.clear();
                self.first_seen = Some(Checkpoint {
                    progress,
                    elapsed: Hours(hours),
                    it_energy: KilowattHours(it_energy),
                });
            }
            Some(_) => {}
            None => {
                self.first_seen = Some(Checkpoint {
                    progress,
                    elapsed: Hours(hours),
                    it_energy: KilowattHours(it_energy),
                });
            }
        }
        self.progress = Some(progress);
        // The rest of the run at the mean intensity so far (the yearly one without a profile).
        let intensity = if energy_kwh > 0.0 {
            emissions_kg / energy_kwh * 1000.0
        } else {
            self.intensity
        };
        let prediction = predict::predict(
            &PartialRun {
                progress: Progress::Fraction(progress),
                elapsed: Hours(hours),
                it_energy: KilowattHours(it_energy),
                checkpoints: self.checkpoints.clone(),
            },
            Ranged::exact(self.pue),
            Ranged::exact(GramsPerKwh(intensity)),
        )
        .ok();
        let (predicted_energy_kwh, predicted_emissions_kg) = match &prediction {
            Some(p) => (
                p.total_energy.value.0,
                emissions_kg + p.remaining_emissions.value.0,
            ),
            None => (energy_kwh / progress, emissions_kg / progress),
        };
        self.prediction = prediction;
        if let Some(store) = &self.store {
            let _ = store.set_prediction(
                self.run,
                &Prediction {
                    progress,
                    predicted_energy_kwh,
                    predicted_emissions_kg,
                },
            );
        }
    }

    fn clear_status(&self) {
        if self.status_line {
            to_stderr("\r\x1b[2K");
        }
    }

    fn finish(
        &mut self,
        exit_code: Option<i32>,
        signal: Option<i32>,
        run_status: RunStatus,
    ) -> Result<()> {
        let last = self.pending.last().map(|r| (r.energy_kwh, r.emissions_kg));
        self.flush();
        if let Some((energy_kwh, emissions_kg)) = last {
            self.read_progress(energy_kwh, emissions_kg);
        }
        if let Some(store) = &self.store {
            store.finish_run(
                self.run,
                &RunEnd {
                    ended_at: clock::now(),
                    duration_s: self.started.elapsed().as_secs_f64(),
                    exit_code,
                    signal,
                    status: run_status,
                },
            )?;
        }
        Ok(())
    }
}

/// The progress file of a run, beside the database (`progress/<uuid>`), empty at start.
fn progress_path(db: &Path, uuid: &str) -> Option<PathBuf> {
    let dir = db.parent()?.join("progress");
    std::fs::create_dir_all(&dir).ok()?;
    let path = dir.join(uuid);
    std::fs::write(&path, "").ok()?;
    Some(path)
}

struct Prepared<'d> {
    tracker: Tracker,
    /// Between samples: --interval, else config `interval`, else 1 s; checked.
    interval: Duration,
    uuid: String,
    location: ResolvedLocation<'d>,
}

fn prepare<'d>(
    data: &'d Dataset,
    args: &TrackArgs,
    command: Vec<String>,
    config: &Config,
) -> Result<Prepared<'d>> {
    let location = tracked_location(data, &args.location, config)?;
    let profile = args
        .intensity_profile
        .as_deref()
        .map(|spec| intensity_profile(data, spec, &location.location))
        .transpose()?;
    let interval = match (args.interval, config.get("interval")) {
        (Some(seconds), _) => seconds,
        (None, Some(text)) => text.trim().parse::<f64>().map_err(|_| {
            anyhow!(
                "config `interval` is `{text}`, not a number of seconds; `mlcarbon config set interval 1`"
            )
        })?,
        (None, None) => 1.0,
    };
    if !(0.05..=3600.0).contains(&interval) {
        bail!(
            "the sampling interval (--interval or config `interval`) must be between 0.05 and 3600 seconds, not {interval}"
        );
    }
    let commit_every = args.commit_every;
    if !(0.0..=3600.0).contains(&commit_every) || commit_every == 0.0 {
        bail!("--commit-every must be between 0 and 3600 seconds, not {commit_every}");
    }
    let roots = Roots::from_env();
    let (sampler, cpu_model) = build_sampler(data, args, &roots, args.quiet)?;
    let (store, db_path) = open_store(args.db.as_deref())?;
    let me = std::process::id();
    let host = hostname();
    // Our own pid cannot be an older run still going (pids are reused, e.g. pid 1 in containers).
    let recovered = {
        let alive = liveness::on_this_host(&host);
        store.recover_interrupted(|pid, h| pid != me && alive(pid, h))?
    };
    if !args.quiet {
        for id in recovered {
            stderr_line!(
                "mlcarbon: run {id} had been stopped without finishing; it is marked interrupted with what it had"
            );
        }
    }
    let uuid = clock::new_uuid();
    let (country_iso, country_name) = country_codes(data, &location.location);
    let gpus: Vec<&mlcarbon_meter::ComponentInfo> = sampler
        .components()
        .iter()
        .filter(|c| c.kind == ComponentKind::Gpu)
        .collect();
    let cpu_count = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
    let start = RunStart {
        uuid: uuid.clone(),
        project: args
            .project
            .clone()
            .or_else(|| config.get("project").map(str::to_string))
            .unwrap_or_else(|| "default".to_string()),
        experiment: args.experiment.clone(),
        tags: args.tag.clone(),
        command,
        started_at: clock::now(),
        pid: me,
        hostname: host,
        os: std::env::consts::OS.to_string(),
        mlcarbon_version: env!("CARGO_PKG_VERSION").to_string(),
        location_label: location.location.label.clone(),
        zone: location.location.zone.clone(),
        provider: location.location.provider.clone(),
        region: location.location.region.clone(),
        country_iso,
        country_name,
        intensity_g_per_kwh: profile
            .as_ref()
            .and_then(|p| p.profile.value_at(system_now()))
            .map_or(location.location.intensity.range.value.0, |g| g.0),
        intensity_origin: match &profile {
            Some(_) => IntensityOrigin::Profile,
            None => location.location.intensity.provenance.origin.into(),
        },
        intensity_source: match &profile {
            Some(p) => Some(
                p.file
                    .clone()
                    .or_else(|| p.source.clone())
                    .unwrap_or_else(|| p.label.clone()),
            ),
            None => location.location.intensity.provenance.source.clone(),
        },
        pue: location.location.pue.range.value,
        cpu_model,
        cpu_count,
        gpu_model: gpus.first().map(|g| g.label.clone()),
        gpu_count: gpus.len() as u32,
        ram_total_gb: ram_total_gb(&roots),
        interval_s: interval,
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
    let progress_file = progress_path(&db_path, &uuid);
    let tracker = Tracker {
        store: Some(store),
        run,
        sampler,
        process_mode: false,
        pue: location.location.pue.range.value,
        intensity: location.location.intensity.range.value.0,
        profile: profile.map(|p| p.profile),
        warned_profile: false,
        last_energy_kwh: 0.0,
        emissions_kg: 0.0,
        seq: 0,
        started: Instant::now(),
        progress_file,
        progress: None,
        first_seen: None,
        checkpoints: Vec::new(),
        prediction: None,
        status_line: !args.quiet && std::io::stderr().is_terminal(),
        warned_store: false,
        pending: Vec::new(),
        last_flush: Instant::now(),
        commit_every: Duration::from_secs_f64(commit_every),
        // As many samples as the period holds at this interval, at least one.
        commit_samples: ((commit_every / interval).round() as usize).max(1),
    };
    Ok(Prepared {
        tracker,
        interval: Duration::from_secs_f64(interval),
        uuid,
        location,
    })
}

fn print_summary(data: &Dataset, tracker: &Tracker, quiet: bool) -> Result<()> {
    if quiet {
        return Ok(());
    }
    if let Some(store) = &tracker.store {
        let record = store.run(tracker.run)?;
        let components = store.components(tracker.run)?;
        to_stderr(&summary_with(
            data,
            &record,
            &components,
            tracker.prediction.as_ref(),
        )?);
    }
    Ok(())
}

/// `mlcarbon run -- CMD`: returns the exit code to leave with (the child's).
pub fn run(data: &Dataset, args: &RunArgs, config: &Config) -> Result<i32> {
    let Some((program, program_args)) = args.command.split_first() else {
        bail!("missing command: `mlcarbon run [OPTIONS] -- CMD [ARGS...]`");
    };
    // The child is started before its tree can be followed; the tree is attached right after.
    let mut prepared = prepare(data, &args.track, args.command.clone(), config)?;
    let mut extra_env = vec![(env::RUN_ID.to_string(), prepared.uuid.clone())];
    if let Some(path) = &prepared.tracker.progress_file {
        extra_env.push((env::PROGRESS_FILE.to_string(), path.display().to_string()));
    }
    let running = match child::spawn(program, program_args, &extra_env) {
        Ok(running) => running,
        Err(e) => {
            // The start error decides the exit code (127, 126); a failure to record it is a warning.
            if let Err(finish) = prepared.tracker.finish(None, None, RunStatus::Failed) {
                stderr_line!(
                    "mlcarbon: warning: the failed start could not be recorded: {finish:#}"
                );
            }
            return Err(e);
        }
    };
    if args.attribution == AttributionArg::Process {
        match ProcessTree::new(&Roots::from_env(), running.pid) {
            Ok(tree) => {
                prepared.tracker.sampler.attach_process_tree(tree);
                prepared.tracker.process_mode = true;
            }
            Err(e) => stderr_line!(
                "mlcarbon: warning: cannot follow the command's processes ({e}); counting the whole machine"
            ),
        }
    }
    let interval = prepared.interval;
    let tracker = &mut prepared.tracker;
    tracker.sampler.sample(Instant::now());
    let mut next = Instant::now() + interval;
    let exit = loop {
        let wait = next.saturating_duration_since(Instant::now());
        match running.exited.recv_timeout(wait) {
            Ok(status) => break status,
            Err(RecvTimeoutError::Timeout) => {
                tracker.sample();
                next += interval;
                if next < Instant::now() {
                    next = Instant::now() + interval;
                }
            }
            Err(RecvTimeoutError::Disconnected) => bail!("lost track of the command's process"),
        }
    };
    tracker.sample_last();
    tracker.clear_status();
    let (code, signal) = match exit {
        Ok(status) => child::exit_code(status),
        Err(e) => {
            tracker.finish(None, None, RunStatus::Failed)?;
            return Err(e).context("waiting for the command");
        }
    };
    let run_status = if code == 0 {
        RunStatus::Finished
    } else {
        RunStatus::Failed
    };
    // From here on the command has run: its exit code is ours whatever else fails.
    if let Err(e) = tracker.finish(Some(code), signal, run_status) {
        stderr_line!("mlcarbon: warning: the run's end could not be recorded: {e:#}");
    }
    if let Some(path) = &tracker.progress_file {
        let _ = std::fs::remove_file(path);
    }
    if let Err(e) = print_summary(data, tracker, args.track.quiet) {
        stderr_line!("mlcarbon: warning: no summary: {e:#}");
    }
    let _ = &prepared.location;
    Ok(code)
}

/// `mlcarbon monitor`: the whole machine until Ctrl-C or `--duration`.
pub fn monitor(data: &Dataset, args: &MonitorArgs, config: &Config) -> Result<i32> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    for signal in [SIGINT, SIGTERM, SIGHUP] {
        signal_hook::flag::register(signal, std::sync::Arc::clone(&stop))
            .context("installing signal handlers")?;
    }
    let mut prepared = prepare(data, &args.track, vec!["monitor".to_string()], config)?;
    let interval = prepared.interval;
    let tracker = &mut prepared.tracker;
    let deadline = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s));
    if !args.track.quiet && !tracker.status_line {
        stderr_line!(
            "mlcarbon: monitoring this machine (run {}); Ctrl-C to stop",
            tracker.run
        );
    }
    tracker.sampler.sample(Instant::now());
    let mut next = Instant::now() + interval;
    // Short sleeps so that a signal ends the loop promptly.
    let tick = Duration::from_millis(50).min(interval);
    loop {
        if stop.load(std::sync::atomic::Ordering::Relaxed)
            || deadline.is_some_and(|d| Instant::now() >= d)
        {
            break;
        }
        if Instant::now() >= next {
            tracker.sample();
            next += interval;
        }
        let until_next = next.saturating_duration_since(Instant::now());
        let until_end =
            deadline.map_or(until_next, |d| d.saturating_duration_since(Instant::now()));
        std::thread::sleep(until_next.min(until_end).min(tick));
    }
    tracker.sample_last();
    tracker.clear_status();
    tracker.finish(Some(0), None, RunStatus::Finished)?;
    print_summary(data, tracker, args.track.quiet)?;
    Ok(0)
}
