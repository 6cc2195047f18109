//! `mlcarbon.track()`: a measured run inside the Python process. An `mlcarbon_track::Tracker`
//! samples on a Rust thread of its own (it never needs the interpreter), writing to the same
//! store as the CLI; the Python side only starts it, marks windows, reads figures and stops it.
//!
//! Windows are measured from a fresh reading at each boundary ([`Tracker::sample_boundary`]),
//! not from the last periodic sample: the cumulative figures the tracker holds are up to one
//! interval old (1 s by default), which would shift every window's edges by up to a second and
//! misplace short windows (an evaluation of two seconds) entirely. A reading costs the sensors'
//! reads and no database write (the boundary sample is committed with the next regular one;
//! finished windows are written by the sampling thread), so marking stays well under a
//! millisecond.

use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mlcarbon_meter::{ProcessTree, Roots};
use mlcarbon_model::params;
use mlcarbon_model::request::{EstimateRequest, tracked_location};
use mlcarbon_store::{
    Attribution, ComponentRecord, JobPlacement, RunId, RunRecord, RunStatus, RunWindow, Store,
    paths,
};
use mlcarbon_track::{
    DEFAULT_COMMIT_EVERY_S, DEMO_TRACE, DEMO_TRACE_NAME, Downgrade, RunSettings, Tick, Tracker,
    choose_attribution, link_sampler, machine_sampler, replay_sampler,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{CallError, data};

/// A replayed trace bigger than this is not a trace (the CLI's bound on an input file).
const MAX_TRACE_BYTES: u64 = 64 << 20;

/// What `track()` takes besides the location (the location's names are the estimate's:
/// `provider`, `region`, `zone`, `intensity`, `pue`, `basis`, `offset_percent`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrackArgs {
    project: Option<String>,
    experiment: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    /// The measured program as `runs` shows it (`["python", ...sys.argv]`).
    #[serde(default)]
    command: Vec<String>,
    /// Seconds between samples (1).
    interval: Option<f64>,
    /// Seconds between commits of samples to the store (5).
    commit_every: Option<f64>,
    /// The runs database; `MLCARBON_DB`, else the XDG data dir.
    db: Option<PathBuf>,
    /// The distributed job's key, instead of the launcher's variables.
    job: Option<String>,
    /// `machine` (the default) or `process`.
    attribution: Option<Attribution>,
    /// `demo` (the built-in trace) or a trace file played back instead of this machine.
    replay: Option<String>,
    /// The CPU's name in the CPU table, for its TDP.
    cpu: Option<String>,
    /// The CPU's power at full load, W (CodeCarbon's `force_cpu_power`), instead of a name.
    cpu_watts: Option<f64>,
}

/// What the run counts and why, for the Python side's one warning.
#[derive(Debug, Clone, Serialize)]
pub struct Started {
    pub id: RunId,
    pub uuid: String,
    pub attribution: Attribution,
    pub placement: JobPlacement,
    pub hostname: String,
    /// The process that started the run.
    pub pid: u32,
    /// Sensor fallbacks, recovered runs, the attribution's downgrade: say each once.
    pub warnings: Vec<String>,
}

/// The store's record of a run as `mlcarbon show --format json` prints it, with its windows.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub run: RunRecord,
    pub components: Vec<ComponentRecord>,
    pub samples: u64,
    pub windows: Vec<RunWindow>,
}

/// A point of the run a window starts or ends at.
#[derive(Debug, Clone)]
pub struct Mark {
    pub at: String,
    pub t_s: f64,
    pub energy_kwh: f64,
    pub emissions_kg: f64,
}

struct State {
    tracker: Tracker,
    energy_kwh: f64,
    emissions_kg: f64,
    /// Windows closed and not yet stored; the sampling thread writes them.
    unstored: Vec<RunWindow>,
    windows: Vec<RunWindow>,
    /// What the samples and the store had to say since the Python side last asked.
    warnings: Vec<String>,
    stopping: bool,
    /// The end, once recorded; stopping again answers it.
    ended: Option<RunStatus>,
}

impl State {
    fn note(&mut self, tick: Tick) {
        self.energy_kwh = tick.energy_kwh;
        self.emissions_kg = tick.emissions_kg;
        self.warnings.extend(tick.warnings);
    }
}

struct Shared {
    state: Mutex<State>,
    wake: Condvar,
    run: RunId,
    /// A connection of its own for windows, so that writing them never holds the state a
    /// window boundary waits for.
    window_store: Mutex<Store>,
}

impl Shared {
    /// Writes the windows closed since the last call; a failure is a warning, not an error.
    fn store_windows(&self) {
        let windows = std::mem::take(&mut self.lock().unstored);
        if windows.is_empty() {
            return;
        }
        let store = self
            .window_store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let failed: Vec<String> = windows
            .iter()
            .filter_map(|window| {
                store
                    .add_window(self.run, window)
                    .err()
                    .map(|e| format!("window `{}` not stored: {e}", window.name))
            })
            .collect();
        drop(store);
        if !failed.is_empty() {
            self.lock().warnings.extend(failed);
        }
    }

    /// The state, also after a panic elsewhere (the figures stay usable).
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A run being tracked by a thread of this process.
pub struct LiveRun {
    shared: Arc<Shared>,
    sampler: Mutex<Option<JoinHandle<()>>>,
    started: Started,
}

/// The location's own arguments, apart from the rest.
fn split_location(args: Map<String, Value>) -> (Map<String, Value>, Map<String, Value>) {
    let (location, rest) = args
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .partition(|(name, _)| {
            params::LOCATION.iter().any(|p| p.name == name.as_str()) || name == "basis"
        });
    (location, rest)
}

fn read_trace(spec: &str) -> Result<String, CallError> {
    if spec == DEMO_TRACE_NAME {
        return Ok(DEMO_TRACE.to_string());
    }
    let too_big = std::fs::metadata(spec)
        .map_err(|e| CallError::Input(format!("replay {spec}: {e}")))?
        .len()
        > MAX_TRACE_BYTES;
    if too_big {
        return Err(CallError::Input(format!(
            "replay {spec}: bigger than {MAX_TRACE_BYTES} bytes; a trace is a small CSV"
        )));
    }
    std::fs::read_to_string(spec).map_err(|e| CallError::Input(format!("replay {spec}: {e}")))
}

fn track_error(e: mlcarbon_track::TrackError) -> CallError {
    match e {
        mlcarbon_track::TrackError::Store(e) => CallError::Internal(e.to_string()),
        other => CallError::Input(other.to_string()),
    }
}

impl LiveRun {
    /// Starts a run as `mlcarbon run` would (same location rules, database, attribution
    /// decision) and its sampling thread.
    pub fn start(args_json: &str) -> Result<LiveRun, CallError> {
        let args: Map<String, Value> = serde_json::from_str(args_json)
            .map_err(|e| CallError::Input(format!("arguments: {e}")))?;
        let (location, rest) = split_location(args);
        let request: EstimateRequest = serde_json::from_value(Value::Object(location))
            .map_err(|e| CallError::Input(format!("location: {e}")))?;
        let args: TrackArgs = serde_json::from_value(Value::Object(rest))
            .map_err(|e| CallError::Input(format!("track(): {e}")))?;
        let data = data()?;
        let location = tracked_location(data, &request)?;
        let interval_s = args.interval.unwrap_or(1.0);
        let commit_every_s = args.commit_every.unwrap_or(DEFAULT_COMMIT_EVERY_S);
        mlcarbon_track::check_periods(interval_s, commit_every_s).map_err(track_error)?;
        let placement = mlcarbon_track::placement::detect(
            args.job.as_deref(),
            |name| std::env::var(name).ok(),
            mlcarbon_time::now(),
        );
        let db = match args.db {
            Some(path) => path,
            None => paths::default_db().ok_or_else(|| {
                CallError::Input(format!(
                    "no place for the runs database: pass db=PATH or set {} (HOME is not set)",
                    paths::DB
                ))
            })?,
        };
        let open = || {
            Store::open(&db)
                .map_err(|e| CallError::Internal(format!("runs database {}: {e}", db.display())))
        };
        let store = open()?;
        let window_store = open()?;
        let host = mlcarbon_track::hostname();
        let me = std::process::id();
        // Unlike the CLI's rule, this process may hold other live runs (nested or parallel
        // `track()`s): a run of its own pid is alive.
        let recovered = {
            let alive = mlcarbon_store::liveness::on_this_host(&host);
            store
                .recover_interrupted(|pid, h| (pid == me && h == host) || alive(pid, h))
                .map_err(|e| CallError::Internal(e.to_string()))?
        };
        let mut warnings: Vec<String> = recovered
            .iter()
            .map(|id| {
                format!(
                    "run {id} had been stopped without finishing; it is marked interrupted with what it had"
                )
            })
            .collect();
        let requested = args.attribution.unwrap_or_default();
        let machine_tracker = match requested {
            Attribution::Machine => store
                .machine_tracker_on(&host)
                .map_err(|e| CallError::Internal(e.to_string()))?
                .map(|r| (r.id, r.pid)),
            _ => None,
        };
        let choice = choose_attribution(requested, &placement, machine_tracker);
        let roots = Roots::from_env();
        let mut attribution = choice.attribution;
        // The process share is this interpreter's process tree (its dataloader workers too).
        let tree = match attribution {
            Attribution::Process => match ProcessTree::new(&roots, me) {
                Ok(tree) => Some(tree),
                Err(e) => {
                    warnings.push(format!(
                        "cannot follow this process's share ({e}); this run records only its link to the machine another run measures"
                    ));
                    attribution = Attribution::Link;
                    None
                }
            },
            _ => None,
        };
        match &choice.because {
            Some(why @ Downgrade::NotLocalRankZero { .. }) => warnings.push(format!(
                "{why} (attribution=\"process\" counts this rank's processes)"
            )),
            Some(why) => warnings.push(why.to_string()),
            None => {}
        }
        let sensors = match args.replay.as_deref() {
            Some(spec) => replay_sampler(&read_trace(spec)?).map_err(track_error)?,
            None if attribution == Attribution::Link => link_sampler(),
            None => match args.cpu_watts {
                Some(watts) => mlcarbon_track::machine_sampler_cpu_watts(data, watts, &roots)
                    .map_err(track_error)?,
                None => machine_sampler(data, args.cpu.as_deref(), &roots).map_err(track_error)?,
            },
        };
        warnings.extend(sensors.warnings.iter().cloned());
        let settings = RunSettings {
            project: args.project.unwrap_or_else(|| "default".to_string()),
            experiment: args.experiment,
            tags: args.tags,
            command: if args.command.is_empty() {
                vec!["python".to_string()]
            } else {
                args.command
            },
            interval: Duration::from_secs_f64(interval_s),
            commit_every: Duration::from_secs_f64(commit_every_s),
            hostname: Some(host.clone()),
            // The progress file is `mlcarbon run`'s protocol with its child; not offered here.
            progress_dir_of: None,
            attribution,
            placement: placement.clone(),
        };
        let mut tracker = Tracker::start(
            data,
            store,
            &location.location,
            None,
            sensors,
            &settings,
            &roots,
        )
        .map_err(track_error)?;
        if let Some(tree) = tree {
            tracker.sampler_mut().attach_process_tree(tree);
            tracker.count_processes_only(true);
        }
        tracker.begin();
        let started = Started {
            id: tracker.run_id(),
            uuid: tracker.uuid().to_string(),
            attribution,
            placement,
            hostname: host,
            pid: me,
            warnings,
        };
        let shared = Arc::new(Shared {
            state: Mutex::new(State {
                tracker,
                energy_kwh: 0.0,
                emissions_kg: 0.0,
                unstored: Vec::new(),
                windows: Vec::new(),
                warnings: Vec::new(),
                stopping: false,
                ended: None,
            }),
            wake: Condvar::new(),
            run: started.id,
            window_store: Mutex::new(window_store),
        });
        let interval = settings.interval;
        let for_thread = Arc::clone(&shared);
        let sampler = std::thread::Builder::new()
            .name("mlcarbon-sampler".to_string())
            .spawn(move || sample_until_stopped(&for_thread, interval))
            .map_err(|e| CallError::Internal(format!("cannot start the sampling thread: {e}")))?;
        Ok(LiveRun {
            shared,
            sampler: Mutex::new(Some(sampler)),
            started,
        })
    }

    pub fn started(&self) -> &Started {
        &self.started
    }

    /// The run so far (with PUE): energy, kWh, and emissions, kg, as of the last sample or
    /// window boundary.
    pub fn figures(&self) -> (f64, f64) {
        let state = self.shared.lock();
        (state.energy_kwh, state.emissions_kg)
    }

    /// A fresh reading: where a window starts or ends.
    pub fn mark(&self) -> Result<Mark, CallError> {
        let mut state = self.shared.lock();
        if state.ended.is_some() {
            return Err(CallError::Input(
                "the run has stopped: windows belong inside `with track(...)`".to_string(),
            ));
        }
        let tick = state.tracker.sample_boundary();
        let mark = Mark {
            at: mlcarbon_time::now_rfc3339(),
            t_s: tick.t_s,
            energy_kwh: tick.energy_kwh,
            emissions_kg: tick.emissions_kg,
        };
        state.note(tick);
        Ok(mark)
    }

    /// Closes a window opened at `start`: a fresh reading, the difference kept with the run
    /// (stored by the sampling thread, or at the end).
    pub fn close_window(&self, name: &str, start: &Mark) -> Result<RunWindow, CallError> {
        if name.trim().is_empty() || name.len() > 200 {
            return Err(CallError::Input(
                "a window's name has 1 to 200 characters".to_string(),
            ));
        }
        let end = self.mark()?;
        let window = RunWindow {
            name: name.to_string(),
            started_at: start.at.clone(),
            ended_at: end.at,
            start_t_s: start.t_s,
            end_t_s: end.t_s,
            energy_kwh: (end.energy_kwh - start.energy_kwh).max(0.0),
            emissions_kg: (end.emissions_kg - start.emissions_kg).max(0.0),
        };
        let mut state = self.shared.lock();
        state.unstored.push(window.clone());
        state.windows.push(window.clone());
        Ok(window)
    }

    /// The windows closed so far, in order.
    pub fn windows(&self) -> Vec<RunWindow> {
        self.shared.lock().windows.clone()
    }

    /// Warnings since the last call (sensor trouble, a store that cannot write).
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.shared.lock().warnings)
    }

    /// Commits the samples kept so far (CodeCarbon's `flush()`), so the stored run is current.
    pub fn commit(&self) {
        {
            let mut state = self.shared.lock();
            if state.ended.is_none()
                && let Some(warning) = state.tracker.commit_now()
            {
                state.warnings.push(warning);
            }
        }
        self.shared.store_windows();
    }

    /// The run as the store holds it, with its windows.
    pub fn summary(&self) -> Result<Summary, CallError> {
        let state = self.shared.lock();
        let internal = |e: mlcarbon_store::StoreError| CallError::Internal(e.to_string());
        let (run, components) = state.tracker.record().map_err(internal)?;
        Ok(Summary {
            samples: run.samples,
            run,
            components,
            windows: state.windows.clone(),
        })
    }

    /// Stops sampling, takes the last sample and records the end; stopping again changes
    /// nothing and answers the first end. Returns the status recorded and what to say.
    pub fn stop(
        &self,
        status: RunStatus,
        signal: Option<i32>,
    ) -> Result<(RunStatus, Vec<String>), CallError> {
        {
            let mut state = self.shared.lock();
            if let Some(ended) = state.ended {
                return Ok((ended, std::mem::take(&mut state.warnings)));
            }
            state.stopping = true;
        }
        self.shared.wake.notify_all();
        let thread = self
            .sampler
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(thread) = thread {
            // A panic in the thread leaves the state usable (see `Shared::lock`).
            let _ = thread.join();
        }
        {
            let mut state = self.shared.lock();
            let tick = state.tracker.sample_last();
            state.note(tick);
        }
        self.shared.store_windows();
        let mut state = self.shared.lock();
        let exit_code = match status {
            RunStatus::Finished => Some(0),
            RunStatus::Failed => Some(1),
            _ => None,
        };
        let finished = state.tracker.finish(exit_code, signal, status);
        state.ended = Some(status);
        let mut warnings = std::mem::take(&mut state.warnings);
        match finished {
            Ok(more) => warnings.extend(more),
            Err(e) => return Err(CallError::Internal(format!("the run's end: {e}"))),
        }
        Ok((status, warnings))
    }

    /// The stored run in CodeCarbon 3.3.2's `emissions.csv` row; with a water usage
    /// effectiveness (L/kWh), its `wue` and `water_consumed` (energy × WUE, L, as CodeCarbon
    /// computes it), else both 0.
    pub fn codecarbon_row(&self, wue: Option<f64>) -> Result<Vec<String>, CallError> {
        if let Some(wue) = wue.filter(|w| !(w.is_finite() && *w >= 0.0)) {
            return Err(CallError::Input(format!(
                "wue is litres per kWh, 0 or more, not {wue}"
            )));
        }
        let run = {
            let state = self.shared.lock();
            state.tracker.store().run(state.tracker.run_id())
        }
        .map_err(|e| CallError::Internal(e.to_string()))?;
        let mut row = mlcarbon_store::export::codecarbon_row(&run, None)
            .map(Vec::from)
            .map_err(|e| CallError::Internal(e.to_string()))?;
        if let Some(wue) = wue {
            let column = |name: &str| {
                mlcarbon_store::export::CODECARBON_HEADER
                    .iter()
                    .position(|c| *c == name)
            };
            if let (Some(water), Some(w)) = (column("water_consumed"), column("wue")) {
                row[water] = (run.energy_kwh * wue).to_string();
                row[w] = wue.to_string();
            }
        }
        Ok(row)
    }
}

impl Drop for LiveRun {
    /// A run dropped without being stopped (its last reference gone) ends interrupted, with
    /// what it had.
    fn drop(&mut self) {
        // A forked child (a data loader's worker) holds a copy without the sampling thread:
        // the run is its parent's to end.
        if std::process::id() == self.started.pid {
            let _ = self.stop(RunStatus::Interrupted, None);
        }
    }
}

/// The sampling thread: a sample every `interval` until stopped, finished windows stored.
fn sample_until_stopped(shared: &Shared, interval: Duration) {
    let mut next = Instant::now() + interval;
    loop {
        {
            let state = shared.lock();
            let wait = next.saturating_duration_since(Instant::now());
            let (mut state, _) = shared
                .wake
                .wait_timeout_while(state, wait, |s| !s.stopping)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if state.stopping {
                return;
            }
            if Instant::now() < next {
                continue;
            }
            let tick = state.tracker.sample();
            state.note(tick);
        }
        shared.store_windows();
        next += interval;
        let now = Instant::now();
        if next < now {
            next = now + interval;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start_in(dir: &std::path::Path, extra: &str) -> LiveRun {
        let db = dir.join("runs.sqlite");
        let json = format!(
            r#"{{"project":"p","zone":"FR","replay":"demo","interval":0.05,"db":{},"command":["python","t.py"]{extra}}}"#,
            serde_json::to_string(&db).expect("path")
        );
        LiveRun::start(&json).expect("started")
    }

    #[test]
    fn a_run_samples_on_its_thread_and_keeps_its_windows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = start_in(dir.path(), "");
        let open = run.mark().expect("mark");
        std::thread::sleep(Duration::from_millis(200));
        let window = run.close_window("epoch 1", &open).expect("window");
        assert!(window.energy_kwh > 0.0, "{window:?}");
        assert!(window.end_t_s > window.start_t_s);
        let (status, _) = run.stop(RunStatus::Finished, None).expect("stopped");
        assert_eq!(status, RunStatus::Finished);
        let (again, _) = run.stop(RunStatus::Failed, None).expect("idempotent");
        assert_eq!(again, RunStatus::Finished, "the first end stands");
        let summary = run.summary().expect("summary");
        assert_eq!(summary.run.command, ["python", "t.py"]);
        assert!(summary.samples >= 2, "samples: {}", summary.samples);
        assert!(summary.run.energy_kwh >= window.energy_kwh);
        let store = Store::open(&dir.path().join("runs.sqlite")).expect("store");
        assert_eq!(store.windows(summary.run.id).expect("windows"), [window]);
    }

    #[test]
    fn unknown_arguments_and_bad_locations_are_bad_input() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = serde_json::to_string(&dir.path().join("r.sqlite")).expect("path");
        let err = LiveRun::start(&format!(r#"{{"projet":"p","db":{db}}}"#))
            .err()
            .expect("refused");
        assert!(
            matches!(&err, CallError::Input(m) if m.contains("projet")),
            "{err}"
        );
        let err = LiveRun::start(&format!(r#"{{"zone":"Atlantis","db":{db}}}"#))
            .err()
            .expect("refused");
        assert!(matches!(err, CallError::Input(_)));
    }

    #[test]
    fn without_a_location_the_world_average_is_used_and_said() {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = serde_json::to_string(&dir.path().join("r.sqlite")).expect("path");
        let run = LiveRun::start(&format!(r#"{{"replay":"demo","db":{db}}}"#)).expect("started");
        run.stop(RunStatus::Finished, None).expect("stopped");
        let summary = run.summary().expect("summary");
        assert_eq!(summary.run.zone.as_deref(), Some("WORLD"));
        assert_eq!(
            summary.run.intensity_origin,
            mlcarbon_store::IntensityOrigin::Defaulted
        );
    }
}
