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

use std::collections::BTreeMap;
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
use mlcarbon_track::config::{self, Config};
use mlcarbon_track::push::{BackgroundPusher, PushTarget, ServerUrl};
use mlcarbon_track::{
    DEFAULT_COMMIT_EVERY_S, DEMO_TRACE, DEMO_TRACE_NAME, Downgrade, RunSettings, Tick, Tracker,
    choose_attribution, link_sampler, machine_sampler, replay_sampler,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::{CallError, data};

/// A replayed trace bigger than this is not a trace (the CLI's bound on an input file).
const MAX_TRACE_BYTES: u64 = 64 << 20;
/// How long stopping waits for the team server to take what is left (as `mlcarbon run`).
const PUSH_DRAIN: Duration = Duration::from_secs(5);
/// Added to the name of a window still open when its run stopped: it was closed then, at the
/// run's last sample, not where the program meant to close it.
pub const OPEN_AT_STOP: &str = " [open at stop]";

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
    /// The team server the run is pushed to; else `$MLCARBON_SERVER`, else config `server`.
    server: Option<String>,
    /// The configuration file, instead of `$MLCARBON_CONFIG` or the XDG one (the CLI's).
    config: Option<PathBuf>,
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

impl Mark {
    /// The run's figures as of `tick`, taken now.
    fn now(tick: &Tick) -> Mark {
        Mark {
            at: mlcarbon_time::now_rfc3339(),
            t_s: tick.t_s,
            energy_kwh: tick.energy_kwh,
            emissions_kg: tick.emissions_kg,
        }
    }
}

struct State {
    tracker: Tracker,
    energy_kwh: f64,
    emissions_kg: f64,
    /// Windows entered and not yet left, by the key [`LiveRun::open_window`] gave them.
    open: BTreeMap<u64, (String, Mark)>,
    next_window: u64,
    /// Windows the run's stop closed, by their key, for when they are left afterwards.
    closed_at_stop: BTreeMap<u64, RunWindow>,
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
    /// The team server's pusher and its address, while the run is pushed.
    pusher: Mutex<Option<(BackgroundPusher, ServerUrl)>>,
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

fn config_error(e: config::ConfigError) -> CallError {
    CallError::Input(e.to_string())
}

/// The config's location where the arguments give none (any of `zone`, `provider`, `region`,
/// `intensity` given replaces all of the config's), and its PUE where none is given.
fn apply_config(request: &mut EstimateRequest, config: &Config) -> Result<(), CallError> {
    let given = request.provider.is_some()
        || request.region.is_some()
        || request.zone.is_some()
        || request.intensity.is_some();
    if !given {
        request.provider = config.get("provider").map(str::to_string);
        request.region = config.get("region").map(str::to_string);
        request.zone = config.get("zone").map(str::to_string);
        request.intensity = config.intensity().map_err(config_error)?;
    }
    if request.pue.is_none() {
        request.pue = config.pue().map_err(config_error)?;
    }
    Ok(())
}

/// The team server: `server=`, else `$MLCARBON_SERVER`, else config `server`; none: the run
/// stays local.
fn push_server(given: Option<&str>, config: &Config) -> Result<Option<ServerUrl>, CallError> {
    let from_env = std::env::var(config::SERVER)
        .ok()
        .filter(|text| !text.trim().is_empty());
    let (text, origin) = match (given, from_env, config.get("server")) {
        (Some(text), _, _) => (text.to_string(), "server"),
        (None, Some(text), _) => (text, config::SERVER),
        (None, None, Some(text)) => (text.to_string(), "config `server`"),
        (None, None, None) => return Ok(None),
    };
    ServerUrl::parse(&text)
        .map(Some)
        .map_err(|e| CallError::Input(format!("{origin}: {e}")))
}

/// The token sent to the server: `$MLCARBON_TOKEN` (a server without one refuses writes,
/// which the pusher says).
fn push_token() -> Option<String> {
    std::env::var(config::TOKEN)
        .ok()
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

impl LiveRun {
    /// Starts a run as `mlcarbon run` would (same location rules, database, attribution
    /// decision) and its sampling thread.
    pub fn start(args_json: &str) -> Result<LiveRun, CallError> {
        let args: Map<String, Value> = serde_json::from_str(args_json)
            .map_err(|e| CallError::Input(format!("arguments: {e}")))?;
        let (location, rest) = split_location(args);
        let mut request: EstimateRequest = serde_json::from_value(Value::Object(location))
            .map_err(|e| CallError::Input(format!("location: {e}")))?;
        let args: TrackArgs = serde_json::from_value(Value::Object(rest))
            .map_err(|e| CallError::Input(format!("track(): {e}")))?;
        // The CLI's configuration file, with its precedence: an argument, else the
        // environment, else the file, else the default.
        let config = match &args.config {
            Some(path) => Config::load(path),
            None => Config::load_default(),
        }
        .map_err(config_error)?;
        apply_config(&mut request, &config)?;
        let data = data()?;
        let location = tracked_location(data, &request)?;
        let interval_s = match args.interval {
            Some(seconds) => seconds,
            None => config.interval().map_err(config_error)?.unwrap_or(1.0),
        };
        let server = push_server(args.server.as_deref(), &config)?;
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
            project: args
                .project
                .or_else(|| config.get("project").map(str::to_string))
                .unwrap_or_else(|| "default".to_string()),
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
        // As `mlcarbon run --server`: the local database is the spool the pusher sends from.
        let pusher = match server {
            Some(server) => {
                tracker
                    .store()
                    .enroll_delivery(tracker.run_id(), server.as_str())
                    .map_err(|e| CallError::Internal(e.to_string()))?;
                let pusher = BackgroundPusher::spawn(
                    db.clone(),
                    PushTarget {
                        server: server.clone(),
                        token: push_token(),
                    },
                    Some(host.clone()),
                    Some(tracker.run_id()),
                    settings.commit_every.max(Duration::from_secs(1)),
                );
                Some((pusher, server))
            }
            None => None,
        };
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
                open: BTreeMap::new(),
                next_window: 0,
                closed_at_stop: BTreeMap::new(),
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
            pusher: Mutex::new(pusher),
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
        mark_in(&mut self.shared.lock())
    }

    /// Opens a window named `name` at a fresh reading; returns its key for
    /// [`LiveRun::close_window`]. A window still open when the run stops is closed then.
    pub fn open_window(&self, name: &str) -> Result<u64, CallError> {
        if name.trim().is_empty() || name.len() > MAX_WINDOW_NAME {
            return Err(CallError::Input(format!(
                "a window's name has 1 to {MAX_WINDOW_NAME} characters"
            )));
        }
        let mut state = self.shared.lock();
        let start = mark_in(&mut state)?;
        let key = state.next_window;
        state.next_window += 1;
        state.open.insert(key, (name.to_string(), start));
        Ok(key)
    }

    /// Closes the window opened as `key`: a fresh reading, the difference kept with the run
    /// (stored by the sampling thread, or at the end). A window the run's stop closed already
    /// answers as it was closed then (and `true`: closed by the stop).
    pub fn close_window(&self, key: u64) -> Result<(RunWindow, bool), CallError> {
        let mut state = self.shared.lock();
        if let Some(window) = state.closed_at_stop.get(&key) {
            return Ok((window.clone(), true));
        }
        let Some((name, start)) = state.open.get(&key).cloned() else {
            return Err(CallError::Input(
                "this window is not open: enter it first (`with run.window(name):`)".to_string(),
            ));
        };
        let end = mark_in(&mut state)?;
        state.open.remove(&key);
        let window = window_between(name, &start, end);
        state.unstored.push(window.clone());
        state.windows.push(window.clone());
        Ok((window, false))
    }

    /// The windows closed so far, in order.
    pub fn windows(&self) -> Vec<RunWindow> {
        self.shared.lock().windows.clone()
    }

    /// Warnings since the last call (sensor trouble, a store that cannot write).
    pub fn take_warnings(&self) -> Vec<String> {
        let mut warnings = std::mem::take(&mut self.shared.lock().warnings);
        if let Some((pusher, _)) = self
            .pusher
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
        {
            warnings.extend(pusher.notices());
        }
        warnings
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

    /// The run's Hugging Face model card (the `co2_eq_emissions` metadata block and its
    /// section), as `mlcarbon statement --run RUN --format model-card` writes it: the samples
    /// taken so far are committed first.
    pub fn model_card(&self, activity: &str) -> Result<String, CallError> {
        let record = {
            let mut state = self.shared.lock();
            if let Some(warning) = state.tracker.commit_now() {
                state.warnings.push(warning);
            }
            state.tracker.store().run(state.tracker.run_id())
        }
        .map_err(|e| CallError::Internal(e.to_string()))?;
        let statements = mlcarbon_model::statement_report::run_statements(
            data()?,
            &record.measured(),
            activity,
            Default::default(),
        )?;
        Ok(statements.model_card.text())
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
            // Windows still open end here, at the run's last sample, and say so in their name.
            let end = Mark::now(&tick);
            state.note(tick);
            for (key, (name, start)) in std::mem::take(&mut state.open) {
                let window = window_between(open_at_stop_name(&name), &start, end.clone());
                state.unstored.push(window.clone());
                state.windows.push(window.clone());
                state.closed_at_stop.insert(key, window);
            }
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
        drop(state);
        // The end is pushed even when recording it failed: the server gets what is stored.
        let pushing = self
            .pusher
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some((pusher, server)) = pushing {
            let summary = pusher.finish(PUSH_DRAIN);
            warnings.extend(summary.report.refused.iter().cloned());
            if !(summary.run_delivered && summary.unsent_samples == 0) {
                warnings.push(format!(
                    "not all of the run reached {server} yet: {} samples wait in the local database; `mlcarbon push` sends them, as does the next tracker pushing from this host",
                    summary.unsent_samples
                ));
            }
        }
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

/// A window's name is at most this long (bytes), as the store takes it.
const MAX_WINDOW_NAME: usize = 200;

/// A fresh reading of a run that has not stopped.
fn mark_in(state: &mut State) -> Result<Mark, CallError> {
    if state.ended.is_some() {
        return Err(CallError::Input(
            "the run has stopped: windows belong inside `with track(...)`".to_string(),
        ));
    }
    let tick = state.tracker.sample_boundary();
    let mark = Mark::now(&tick);
    state.note(tick);
    Ok(mark)
}

fn window_between(name: String, start: &Mark, end: Mark) -> RunWindow {
    RunWindow {
        name,
        started_at: start.at.clone(),
        ended_at: end.at,
        start_t_s: start.t_s,
        end_t_s: end.t_s,
        energy_kwh: (end.energy_kwh - start.energy_kwh).max(0.0),
        emissions_kg: (end.emissions_kg - start.emissions_kg).max(0.0),
    }
}

/// `name` marked as closed by the run's stop, within the store's limit on a name's length.
fn open_at_stop_name(name: &str) -> String {
    let mut keep = MAX_WINDOW_NAME - OPEN_AT_STOP.len();
    while !name.is_char_boundary(keep.min(name.len())) {
        keep -= 1;
    }
    format!("{}{OPEN_AT_STOP}", &name[..keep.min(name.len())])
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
            r#"{{"project":"p","zone":"FR","replay":"demo","interval":0.05,"db":{},"config":{},"command":["python","t.py"]{extra}}}"#,
            serde_json::to_string(&db).expect("path"),
            serde_json::to_string(&dir.join("no-config")).expect("path")
        );
        LiveRun::start(&json).expect("started")
    }

    #[test]
    fn a_run_samples_on_its_thread_and_keeps_its_windows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = start_in(dir.path(), "");
        let open = run.open_window("epoch 1").expect("opened");
        std::thread::sleep(Duration::from_millis(200));
        let (window, closed_by_stop) = run.close_window(open).expect("window");
        assert!(!closed_by_stop);
        assert!(run.close_window(open).is_err(), "closed once");
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
    fn a_window_open_at_stop_is_closed_then_and_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let run = start_in(dir.path(), "");
        let done = run.open_window("warm-up").expect("opened");
        run.close_window(done).expect("closed");
        let open = run.open_window("epoch 1").expect("opened");
        let long = run.open_window(&"é".repeat(100)).expect("a 200-byte name");
        std::thread::sleep(Duration::from_millis(120));
        run.stop(RunStatus::Failed, None).expect("stopped");
        let (window, closed_by_stop) = run.close_window(open).expect("answered");
        assert!(closed_by_stop);
        assert_eq!(window.name, "epoch 1 [open at stop]");
        assert!(window.energy_kwh > 0.0 && window.end_t_s > window.start_t_s);
        let summary = run.summary().expect("summary");
        let (long_window, _) = run.close_window(long).expect("answered");
        assert!(long_window.name.len() <= 200 && long_window.name.ends_with(OPEN_AT_STOP));
        assert!((window.end_t_s - summary.run.duration_s.unwrap_or(0.0)).abs() < 0.1);
        let store = Store::open(&dir.path().join("runs.sqlite")).expect("store");
        let stored = store.windows(summary.run.id).expect("windows");
        let names: Vec<&str> = stored.iter().map(|w| w.name.as_str()).collect();
        assert_eq!(names.len(), 3);
        assert_eq!(names[..2], ["warm-up", "epoch 1 [open at stop]"]);
        assert!(run.open_window("late").is_err(), "the run has stopped");
    }

    #[test]
    fn the_config_gives_the_location_and_pue_the_arguments_do_not() {
        let config = Config::parse("zone = FR\npue = 1.3\nproject = cfg\n").expect("config");
        let mut none = EstimateRequest::default();
        apply_config(&mut none, &config).expect("applied");
        assert_eq!(none.zone.as_deref(), Some("FR"));
        assert_eq!(none.pue, Some(1.3));
        let mut given = EstimateRequest {
            provider: Some("aws".into()),
            region: Some("us-east-1".into()),
            pue: Some(1.1),
            ..EstimateRequest::default()
        };
        apply_config(&mut given, &config).expect("applied");
        assert_eq!(
            (given.zone, given.pue),
            (None, Some(1.1)),
            "an argument wins"
        );
        let bad = Config::parse("pue = 9\n").expect("config");
        let err = apply_config(&mut EstimateRequest::default(), &bad).expect_err("bad pue");
        assert!(
            err.to_string().contains("not a PUE between 1 and 5"),
            "{err}"
        );
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
        let config = serde_json::to_string(&dir.path().join("no-config")).expect("path");
        let run = LiveRun::start(&format!(
            r#"{{"replay":"demo","db":{db},"config":{config}}}"#
        ))
        .expect("started");
        run.stop(RunStatus::Finished, None).expect("stopped");
        let summary = run.summary().expect("summary");
        assert_eq!(summary.run.zone.as_deref(), Some("WORLD"));
        assert_eq!(
            summary.run.intensity_origin,
            mlcarbon_store::IntensityOrigin::Defaulted
        );
    }
}
