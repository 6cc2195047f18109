//! Plain data going in and out of the store. Field names are also the JSON field names of the
//! exporters, so renaming one is a breaking change of `--format json`.

use serde::{Deserialize, Serialize};

/// Row id of a run in the database.
pub type RunId = i64;

pub use mlcarbon_model::run::{
    Attribution, ComponentKind, IntensityOrigin, JobPlacement, Method, RunStatus,
};

/// A random (version 4) UUID as runs carry it, from 16 random bytes.
pub fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// What a run starts with: what runs, where, on which hardware, at which carbon intensity.
/// [`NewRun`] adds the components that will report; [`RunRecord`] adds how far the run got.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunStart {
    /// Globally unique id chosen by the caller; `run_id` in CodeCarbon's CSV.
    pub uuid: String,
    pub project: String,
    pub experiment: Option<String>,
    pub tags: Vec<String>,
    /// The measured command and its arguments.
    pub command: Vec<String>,
    /// RFC 3339, UTC (`2024-01-01T12:00:00Z`, fractions allowed).
    pub started_at: String,
    /// Process id of the process that writes this run (mlcarbon itself, not the measured child):
    /// [`crate::Store::recover_interrupted`] asks whether it is still alive.
    pub pid: u32,
    pub hostname: String,
    pub os: String,
    pub mlcarbon_version: String,
    /// Where the run is, for people: "aws/us-east-1 (Virginia)", "FR".
    pub location_label: String,
    /// Grid zone id (`US-VA`, `FR`).
    pub zone: Option<String>,
    /// Cloud provider id (`aws`), none on premises.
    pub provider: Option<String>,
    /// Cloud region (`us-east-1`).
    pub region: Option<String>,
    /// ISO 3166 country code as the caller knows it (CodeCarbon writes alpha-3; see `export`).
    pub country_iso: Option<String>,
    pub country_name: Option<String>,
    /// Grid carbon intensity at the start, g CO2e/kWh.
    pub intensity_g_per_kwh: f64,
    pub intensity_origin: IntensityOrigin,
    /// Data row or source of the intensity.
    pub intensity_source: Option<String>,
    pub pue: f64,
    pub cpu_model: Option<String>,
    pub cpu_count: u32,
    pub gpu_model: Option<String>,
    pub gpu_count: u32,
    pub ram_total_gb: f64,
    /// Sampling interval, seconds.
    pub interval_s: f64,
    /// How much of the machine the run counts (schema v5; older runs read as `machine`).
    #[serde(default)]
    pub attribution: Attribution,
    /// The distributed job the run belongs to, and its rank (schema v5; none for older runs).
    #[serde(flatten, default)]
    pub placement: JobPlacement,
}

/// A run as it starts, with every component its samples will report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewRun {
    #[serde(flatten)]
    pub start: RunStart,
    /// Every component that samples will report; a sample naming another key is refused.
    pub components: Vec<NewComponent>,
}

/// One measured device or group of devices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewComponent {
    /// Unique within the run: "cpu:package-0", "gpu:0", "ram".
    pub key: String,
    /// Decides which run total its energy adds to.
    pub kind: ComponentKind,
    /// For people: "Intel Xeon Gold 6248 (package 0)", "NVIDIA A100-SXM4-80GB".
    pub label: String,
    pub method: Method,
}

/// One sample of a run, as the sampler produced it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRow {
    /// 0, 1, 2, ... within the run; unique.
    pub seq: u64,
    /// Seconds since the run started.
    pub t_s: f64,
    /// RFC 3339, UTC.
    pub timestamp: String,
    /// Grid carbon intensity used for this sample, g CO2e/kWh.
    pub intensity_g_per_kwh: f64,
    /// This sample's component readings, in the order the sampler gives them.
    pub components: Vec<ComponentSample>,
    /// Sum of the components' power, W (IT power, no PUE).
    pub total_power_w: f64,
    /// Cumulative energy of the run so far: IT energy × PUE, kWh.
    pub energy_kwh: f64,
    /// Cumulative emissions of the run so far, kg CO2e.
    pub emissions_kg: f64,
    /// Host CPU utilization, percent of all cores (0–100).
    pub cpu_utilization: Option<f64>,
    /// Mean utilization of the measured GPUs, percent (0–100).
    pub gpu_utilization: Option<f64>,
    pub ram_used_gb: Option<f64>,
}

/// One component's reading within a sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentSample {
    pub key: String,
    /// Mean power over this sample's interval, W (IT power, no PUE).
    pub power_w: f64,
    /// Energy of this sample's interval only (not cumulative), J (IT energy, no PUE).
    pub energy_j: f64,
}

/// One interval of a run as another tracker reports it with its own figures (a CodeCarbon
/// client's `POST /emissions`): the energy and emissions of this interval only, which
/// [`crate::Store::add_reported_interval`] numbers and adds to the run's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportedInterval {
    /// When the interval ended, RFC 3339 (UTC, as the store keeps instants).
    pub timestamp: String,
    /// Seconds the interval lasted.
    pub duration_s: f64,
    /// Energy of this interval, kWh, as the tracker counted it (its PUE included).
    pub energy_kwh: f64,
    /// Emissions of this interval, kg CO2e.
    pub emissions_kg: f64,
    /// Each declared component's energy in this interval (J) and mean power over it (W).
    pub components: Vec<ComponentSample>,
    /// Host CPU utilization, percent (0–100).
    pub cpu_utilization: Option<f64>,
    pub gpu_utilization: Option<f64>,
    pub ram_used_gb: Option<f64>,
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunEnd {
    /// RFC 3339, UTC.
    pub ended_at: String,
    pub duration_s: f64,
    pub exit_code: Option<i32>,
    /// Signal that ended the child, on Unix.
    pub signal: Option<i32>,
    /// Finished, failed or interrupted.
    pub status: RunStatus,
}

/// A live forecast of where the run will end.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// Fraction of the job done, 0..=1.
    pub progress: f64,
    pub predicted_energy_kwh: f64,
    pub predicted_emissions_kg: f64,
}

/// Which runs [`crate::Store::runs`] returns; the default returns all of them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RunFilter {
    pub project: Option<String>,
    pub experiment: Option<String>,
    /// Runs carrying this tag among theirs.
    pub tag: Option<String>,
    /// Runs started at or after this instant (RFC 3339).
    pub since: Option<String>,
    /// Runs started strictly before this instant (RFC 3339).
    pub until: Option<String>,
    pub status: Option<RunStatus>,
    /// Runs of this distributed job (their `job_key`).
    pub job_key: Option<String>,
    /// At most this many runs, newest first.
    pub limit: Option<usize>,
    /// Only runs a reader of these teams (ids) may see: of their projects or of projects of
    /// no team (see `accounts`); `None`: every run. Set by the server, never from a request.
    #[serde(skip)]
    pub visible_to: Option<Vec<String>>,
}

/// A stored run: what it started with, how far it got or how it ended, and its totals.
///
/// Component energies (`cpu_energy_kwh`, ...) are IT energy as the devices drew it, without PUE;
/// `energy_kwh` is the run's total with PUE, as the sampler reported it in its last sample.
/// Mean powers are component energy over the time the samples cover (`last_t_s`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub id: RunId,
    /// Everything the run started with (its fields read as the record's own through `Deref`).
    #[serde(flatten)]
    pub start: RunStart,

    pub status: RunStatus,
    pub ended_at: Option<String>,
    pub duration_s: Option<f64>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,

    /// Cumulative energy with PUE, kWh (from the last sample).
    pub energy_kwh: f64,
    /// Cumulative emissions, kg CO2e (from the last sample).
    pub emissions_kg: f64,
    /// IT energy of the CPU components, kWh, no PUE.
    pub cpu_energy_kwh: f64,
    pub gpu_energy_kwh: f64,
    pub ram_energy_kwh: f64,
    /// Mean IT power of the CPU components over the sampled time, W.
    pub cpu_power_w: f64,
    pub gpu_power_w: f64,
    pub ram_power_w: f64,
    /// Mean of the samples' utilization, percent; none when no sample had one.
    pub cpu_utilization: Option<f64>,
    pub gpu_utilization: Option<f64>,
    /// Mean of the samples' RAM in use, GB.
    pub ram_used_gb: Option<f64>,
    /// `t_s` of the last sample.
    pub last_t_s: Option<f64>,
    /// `timestamp` of the last sample.
    pub last_sample_at: Option<String>,
    pub samples: u64,

    pub progress: Option<f64>,
    pub predicted_energy_kwh: Option<f64>,
    pub predicted_emissions_kg: Option<f64>,
}

impl std::ops::Deref for RunRecord {
    type Target = RunStart;

    fn deref(&self) -> &RunStart {
        &self.start
    }
}

impl RunRecord {
    /// Seconds the run lasted, or has lasted so far (time covered by its samples).
    pub fn elapsed_s(&self) -> f64 {
        self.duration_s.or(self.last_t_s).unwrap_or(0.0)
    }

    /// Seconds of a finished run that its stored samples do not cover (their writes failed, or
    /// the tracker died between commits); 0 when the samples reach the end within two
    /// sampling intervals.
    pub fn unsampled_s(&self) -> f64 {
        let covered = self.last_t_s.unwrap_or(0.0);
        match self.duration_s {
            Some(total) if total - covered > 2.0 * self.interval_s + 1.0 => total - covered,
            _ => 0.0,
        }
    }

    /// IT energy of all components, kWh, without PUE.
    pub fn it_energy_kwh(&self) -> f64 {
        self.cpu_energy_kwh + self.gpu_energy_kwh + self.ram_energy_kwh
    }
}

/// A named interval of a run ("epoch 3", "evaluation"), with the energy and emissions of the
/// run between its start and end. Windows may nest or overlap; they are views of the run's
/// totals, never added to them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunWindow {
    pub name: String,
    /// RFC 3339, UTC.
    pub started_at: String,
    pub ended_at: String,
    /// Seconds since the run started, at the window's start and end.
    pub start_t_s: f64,
    pub end_t_s: f64,
    /// Energy with PUE, kWh, and emissions, kg CO2e, of the run within the window.
    pub energy_kwh: f64,
    pub emissions_kg: f64,
}

/// Totals of one component over a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentRecord {
    pub key: String,
    pub kind: ComponentKind,
    pub label: String,
    pub method: Method,
    /// IT energy, kWh, no PUE.
    pub energy_kwh: f64,
    /// Mean IT power over the sampled time, W.
    pub mean_power_w: f64,
}

/// One run as `mlcarbon show --format json` prints it and `/api/runs/{id}` answers: the run,
/// its components and windows, and its number of samples.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunDetail {
    pub run: RunRecord,
    pub components: Vec<ComponentRecord>,
    /// Absent from the answers of servers older than windows on the API: none then.
    #[serde(default)]
    pub windows: Vec<RunWindow>,
    pub samples: u64,
}

/// The order of runs handed out by [`crate::Store::each_run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Latest start first, as lists show runs.
    NewestFirst,
    /// Earliest start first, as a log grows (exports).
    OldestFirst,
}

/// A run's power and emissions over time, downsampled ([`crate::Store::power_series`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PowerSeries {
    pub points: Vec<PowerPoint>,
    /// Highest `total_power_w` of any sample, W; none for a run without samples, or one
    /// stored before mlcarbon kept it and not migrated.
    pub peak_w: Option<f64>,
    /// Samples of the run (not only those the points average).
    pub samples: u64,
}

/// A slice of consecutive samples summarized.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerPoint {
    /// `t_s` of the last sample averaged.
    pub t_s: f64,
    /// Mean IT power of the samples averaged, W.
    pub mean_w: f64,
    /// Cumulative emissions at the last sample averaged, kg CO2e.
    pub emissions_kg: f64,
    /// Samples averaged.
    pub samples: u64,
    /// Mean power of each component with readings in these samples, in declaration order.
    pub components: Vec<ComponentPower>,
}

/// One component's mean power within a [`PowerPoint`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComponentPower {
    pub key: String,
    pub mean_w: f64,
}
