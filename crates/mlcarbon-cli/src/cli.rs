//! Command-line types. Only this binary knows clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mlcarbon_model::duration::{DurationUnit, parse_duration};
use mlcarbon_model::params as p;

#[derive(Debug, Parser)]
#[command(
    name = "mlcarbon",
    version,
    about = "Energy and carbon emissions of machine-learning jobs, with sources for every number",
    long_about = "Energy and carbon emissions of machine-learning jobs, with sources for every number.\n\n\
        emissions = device power × count × utilization × hours × PUE × grid carbon intensity \
        (Lacoste et al. 2019). Every figure comes with a range and says which data row it rests on.",
    after_help = "Examples:\n  mlcarbon estimate --hardware \"A100 SXM4 80GB\" --count 8 --hours 72 --provider aws --region us-east-1\n  \
        mlcarbon estimate --hardware \"V100 PCIe 16GB\" --hours 100 --zone US-IA\n  \
        mlcarbon estimate --hardware \"Tesla V100-PCIE-16GB\" --hours 100 --provider azure --region centralus --compat mlco2\n  \
        mlcarbon compare --hardware h100 --hours 24 --provider gcp --region us-central1 --by hardware\n  \
        mlcarbon hardware a100"
)]
pub struct Cli {
    /// Read tables from this folder (same file names and columns as the built-in data; missing
    /// files fall back to the built-in ones).
    #[arg(long, global = true, value_name = "DIR", env = crate::env::DATA_DIR)]
    pub data_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Energy and emissions of a job from hardware, count, hours and location.
    Estimate(EstimateArgs),
    /// The same job across regions, providers, grid zones or hardware, with savings.
    Compare(CompareArgs),
    /// A paragraph for a paper or model card (Markdown, LaTeX, BibTeX).
    Statement(StatementArgs),
    /// List or search accelerators and their power.
    Hardware(ListArgs),
    /// List or search grid zones and their carbon intensity.
    Zones(ZoneListArgs),
    /// List cloud regions with their grid zone, intensity and PUE.
    Regions(RegionListArgs),
    /// The data sources, their years and licences.
    Sources(FormatOnly),
    /// Run a command and measure its energy and emissions from hardware counters.
    Run(RunArgs),
    /// Measure the whole machine until Ctrl-C or --duration.
    Monitor(MonitorArgs),
    /// List tracked runs.
    Runs(RunsArgs),
    /// One tracked run in detail: components, power over time, emissions (or a job: `job:KEY`).
    Show(ShowArgs),
    /// Distributed jobs: the runs sharing a job key, each host counted once.
    Jobs(JobsArgs),
    /// Export tracked runs (CodeCarbon-compatible CSV, CSV, JSON, JSON lines).
    Export(ExportArgs),
    /// Defaults for tracked runs (location, PUE, project), stored in the XDG config dir.
    Config(ConfigArgs),
    /// The web calculator, dashboard, JSON API and Prometheus metrics.
    Serve(ServeArgs),
    /// Send a team server the runs it has not received in full (a tracker killed or cut off
    /// from it included); nothing is sent twice.
    Push(PushArgs),
    /// Ranked actions that cut a job's emissions: region, provider, hardware, start time, power
    /// limit, search; each with the kg it saves, what it costs and its caveat.
    Advise(AdviseArgs),
    /// A hyperparameter search: grid vs random search vs successive halving, in trials, energy
    /// and emissions.
    PlanSearch(PlanSearchArgs),
    /// The best time to start a job within a window, from the grid's hourly intensity profile.
    Schedule(ScheduleArgs),
    /// Slurm accounting: energy and emissions of a cluster's jobs from sacct output.
    #[command(subcommand)]
    Slurm(SlurmCommand),
}

/// Options shared by `run` and `monitor`.
#[derive(Debug, Clone, Args)]
pub struct TrackArgs {
    #[command(flatten)]
    pub location: LocationArgs,
    /// Project name stored with the run [default: config `project`, else "default"].
    #[arg(long)]
    pub project: Option<String>,
    /// Experiment name stored with the run.
    #[arg(long)]
    pub experiment: Option<String>,
    /// A tag stored with the run (repeatable).
    #[arg(long)]
    pub tag: Vec<String>,
    /// Seconds between samples (or with a unit: 2m) [default: config `interval`, else 1].
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds, allow_negative_numbers = true)]
    pub interval: Option<f64>,
    /// Runs database [default: $MLCARBON_DB, else the XDG data dir's mlcarbon/runs.sqlite].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// No live status line, no warnings and no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
    /// Host CPU model for the CPU power model when there are no RAPL counters [default: from /proc/cpuinfo].
    #[arg(long, value_name = "NAME")]
    pub cpu: Option<String>,
    /// Play a recorded power/energy trace instead of reading this machine (tests, demos):
    /// a CSV file (format in docs/cli.md), or `demo` for the built-in one.
    #[arg(long, value_name = "TRACE.csv|demo")]
    pub replay: Option<PathBuf>,
    /// Seconds between commits of samples to the database: a kill loses at most this much;
    /// longer periods cost less CPU.
    #[arg(long, value_name = "SECONDS", default_value_t = mlcarbon_track::DEFAULT_COMMIT_EVERY_S, value_parser = parse_seconds, allow_negative_numbers = true)]
    pub commit_every: f64,
    /// Give each sample the grid intensity of its hour instead of the yearly average: a profile
    /// file (CSV `timestamp,g_per_kwh`, `hour,g_per_kwh` or `month,hour,g_per_kwh`) or `builtin`
    /// (the zone's month × hour-of-day profile).
    #[arg(long, value_name = "FILE|builtin")]
    pub intensity_profile: Option<String>,
    /// The distributed job this run belongs to, the same on every host and rank (default: from
    /// SLURM_JOB_ID and its step, TORCHELASTIC_RUN_ID, or MASTER_ADDR:MASTER_PORT and the start
    /// time). Only local rank 0 of each host measures the machine.
    #[arg(long, value_name = "ID")]
    pub job: Option<String>,
    /// Also push the run to this team server as it goes (`mlcarbon serve` with a token), and
    /// this host's runs it has not received yet [default: $MLCARBON_SERVER, else config
    /// `server`]. The run is stored in the local database first, which is the spool: while the
    /// server is down the job runs on and unsent samples wait there (bounded only by its disk,
    /// a few hundred bytes per sample), sent when the server answers or by `mlcarbon push`.
    #[arg(long, value_name = "http://HOST:PORT")]
    pub server: Option<String>,
    /// The server's write token, from this file's first line [default: $MLCARBON_TOKEN].
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
}

/// `mlcarbon push`.
#[derive(Debug, Args)]
pub struct PushArgs {
    /// The team server [default: $MLCARBON_SERVER, else config `server`, else every server a
    /// run was tracked for].
    #[arg(long, value_name = "http://HOST:PORT")]
    pub server: Option<String>,
    /// Runs database [default: $MLCARBON_DB, else the XDG data dir's mlcarbon/runs.sqlite].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The server's write token, from this file's first line [default: $MLCARBON_TOKEN].
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Also send every run of the database the server has not received, not only those
    /// tracked with --server.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AttributionArg {
    /// Everything the machine's components use.
    #[default]
    Machine,
    /// The command's processes' share of CPU, memory and (with NVML) GPUs.
    Process,
}

#[derive(Debug, Args)]
#[command(
    after_help = "The command gets MLCARBON_PROGRESS_FILE: writing a number from 0 to 1 (or a percentage) there \
    lets mlcarbon predict the energy and emissions at completion.\n\n\
    Exit codes: the command's own (128+n if it died of signal n), whatever happens to mlcarbon's \
    output after the command started; 125 when mlcarbon itself fails before (a bad flag, an unreadable \
    trace or profile, a database it cannot open); 126 when the command cannot be executed; 127 when it \
    is not found (as `env` and container runners)."
)]
pub struct RunArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    /// Whose energy to count.
    #[arg(long, value_enum, default_value = "machine")]
    pub attribution: AttributionArg,
    /// The command to run and its arguments (after `--`).
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        required = true,
        value_name = "CMD"
    )]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    #[command(flatten)]
    pub track: TrackArgs,
    /// Stop after this many seconds (or with a unit: 90m, 2h, 1d).
    #[arg(long, value_name = "SECONDS", value_parser = parse_positive_seconds, allow_negative_numbers = true)]
    pub duration: Option<f64>,
}

#[derive(Debug, Args)]
pub struct RunsArgs {
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub team: TeamReadArgs,
    /// Only runs of this project.
    #[arg(long)]
    pub project: Option<String>,
    /// Only runs with this tag.
    #[arg(long)]
    pub tag: Option<String>,
    /// Only runs started at or after this time (RFC 3339, e.g. 2026-11-01T00:00:00Z, or a date: its midnight UTC).
    #[arg(long)]
    pub since: Option<String>,
    /// Only runs started before this time (RFC 3339, or a date: that whole day included).
    #[arg(long)]
    pub until: Option<String>,
    /// Only runs with this status (running, finished, failed, interrupted).
    #[arg(long, value_parser = parse_status)]
    pub status: Option<mlcarbon_store::RunStatus>,
    /// Only runs of this distributed job (its job key, as `mlcarbon jobs` lists them).
    #[arg(long, value_name = "KEY")]
    pub job: Option<String>,
    /// At most this many runs, newest first (1 or more).
    #[arg(long, default_value_t = 50, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Run id, `last`, the start of its uuid, or `job:KEY` for a distributed job (with
    /// --server: the server's run id, `last`, the whole uuid, or `job:KEY`).
    pub run: String,
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub team: TeamReadArgs,
    /// Output format (human or json).
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    #[command(flatten)]
    pub team: TeamReadArgs,
    /// At most this many jobs, the most recently started first (1 or more).
    #[arg(long, default_value_t = 50, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub limit: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

/// Reading a team server instead of the local database (`runs`, `show`, `jobs`).
#[derive(Debug, Clone, Default, Args)]
pub struct TeamReadArgs {
    /// Read the team server at this address instead of the local database: a job's total
    /// over all its hosts is there. Only this flag reads a server ($MLCARBON_SERVER and config
    /// `server` say where trackers push).
    #[arg(long, value_name = "http://HOST:PORT", conflicts_with = "db")]
    pub server: Option<String>,
    /// The token to read the server with, from this file's first line [default:
    /// $MLCARBON_TOKEN]; sent as `Authorization: Bearer`.
    #[arg(long, value_name = "PATH", requires = "server")]
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// CodeCarbon's emissions.csv: its 38 columns, order and units.
    Codecarbon,
    Csv,
    Json,
    Jsonl,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Runs to export: ids, `last`, or uuid prefixes.
    pub runs: Vec<String>,
    /// Every stored run, oldest first.
    #[arg(long, conflicts_with = "runs")]
    pub all: bool,
    #[arg(long, value_enum, default_value = "codecarbon")]
    pub format: ExportFormat,
    /// The samples of one run instead of run totals (csv or jsonl).
    #[arg(long)]
    pub samples: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub action: ConfigAction,
}

#[derive(Debug, Subcommand)]
pub enum ConfigAction {
    /// Set a key: zone, provider, region, intensity, pue, project, interval.
    ///
    /// A value `run` would refuse (an unknown zone or region, a PUE outside 1–5, an interval
    /// outside 0.05–3600 s) is refused here, with run's message. The file is created user-only
    /// (0600, in a 0700 folder).
    Set { key: String, value: String },
    /// Print one key's value.
    Get { key: String },
    /// Remove a key.
    Unset { key: String },
    /// Print every setting.
    List,
    /// Print the configuration file's path.
    Path,
}

/// What ran.
#[derive(Debug, Clone, Args)]
pub struct JobArgs {
    #[arg(long, value_name = p::HARDWARE.value_name, help = p::HARDWARE.help)]
    pub hardware: Option<String>,
    #[arg(long, allow_negative_numbers = true, value_parser = described::watts, value_name = p::WATTS.value_name, help = p::WATTS.help)]
    pub watts: Option<f64>,
    #[arg(long, default_value_t = 1, value_parser = described::count, value_name = p::COUNT.value_name, help = p::COUNT.help)]
    pub count: u32,
    #[arg(long, allow_negative_numbers = true, value_parser = described::hours, value_name = p::HOURS.value_name, help = p::HOURS.help)]
    pub hours: Option<f64>,
    #[arg(long, allow_negative_numbers = true, conflicts_with_all = ["hardware", "watts", "cpu", "ram_gb"], value_parser = described::energy_kwh, value_name = p::ENERGY_KWH.value_name, help = p::ENERGY_KWH.help)]
    pub energy_kwh: Option<f64>,
    #[arg(long, allow_negative_numbers = true, value_parser = described::utilization, value_name = p::UTILIZATION.value_name, help = p::UTILIZATION.help)]
    pub utilization: Option<f64>,
    #[arg(long, value_name = p::CPU.value_name, help = p::CPU.help)]
    pub cpu: Option<String>,
    #[arg(long, default_value_t = 1, requires = "cpu", value_parser = described::cpu_count, value_name = p::CPU_COUNT.value_name, help = p::CPU_COUNT.help)]
    pub cpu_count: u32,
    #[arg(long, allow_negative_numbers = true, requires = "cpu", value_parser = described::cpu_utilization, value_name = p::CPU_UTILIZATION.value_name, help = p::CPU_UTILIZATION.help)]
    pub cpu_utilization: Option<f64>,
    #[arg(long, allow_negative_numbers = true, value_parser = described::ram_gb, value_name = p::RAM_GB.value_name, help = p::RAM_GB.help)]
    pub ram_gb: Option<f64>,
}

/// Where it ran.
#[derive(Debug, Clone, Default, Args)]
pub struct LocationArgs {
    #[arg(long, conflicts_with_all = ["zone", "intensity"], value_name = p::PROVIDER.value_name, help = p::PROVIDER.help)]
    pub provider: Option<String>,
    #[arg(long, conflicts_with_all = ["zone", "intensity"], value_name = p::REGION.value_name, help = p::REGION.help)]
    pub region: Option<String>,
    #[arg(long, conflicts_with = "intensity", value_name = p::ZONE.value_name, help = p::ZONE.help)]
    pub zone: Option<String>,
    #[arg(long, allow_negative_numbers = true, value_parser = described::intensity, value_name = p::INTENSITY.value_name, help = p::INTENSITY.help)]
    pub intensity: Option<f64>,
    #[arg(long, allow_negative_numbers = true, requires = "intensity", value_parser = described::offset_percent, value_name = p::OFFSET_PERCENT.value_name, help = p::OFFSET_PERCENT.help)]
    pub offset_percent: Option<f64>,
    #[arg(long, allow_negative_numbers = true, value_parser = described::pue, value_name = p::PUE.value_name, help = p::PUE.help)]
    pub pue: Option<f64>,
    #[arg(long, value_parser = mlcarbon_data::Basis::parse, value_name = p::BASIS.value_name, help = p::BASIS.help)]
    pub basis: Option<mlcarbon_data::Basis>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Compat {
    /// The published ML Emissions Calculator (mlco2.github.io/impact), to the cent.
    Mlco2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DatasetName {
    /// mlcarbon's own tables (default).
    Mlcarbon,
    /// The published calculator's tables as it fetches them today.
    Mlco2,
    /// The published calculator's tables of 2019 (the paper's appendix).
    #[value(name = "mlco2-2019")]
    Mlco2_2019,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum Format {
    /// Aligned text for people.
    #[default]
    Human,
    Json,
    Csv,
    Markdown,
    Latex,
}

#[derive(Debug, Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub job: JobArgs,
    #[command(flatten)]
    pub location: LocationArgs,
    /// Reproduce another calculator's arithmetic and data.
    #[arg(long, value_enum)]
    pub compat: Option<Compat>,
    /// Which tables to use.
    #[arg(long, value_enum, default_value = "mlcarbon")]
    pub dataset: DatasetName,
    /// Output format (markdown and latex print the citable statement).
    #[arg(long, value_enum, default_value = "human")]
    pub format: Format,
    #[command(flatten)]
    pub serving: ServingArgs,
    #[command(flatten)]
    pub prediction: PredictionArgs,
    #[arg(long, allow_negative_numbers = true, value_parser = described::lifetime_years, value_name = p::LIFETIME_YEARS.value_name, help = p::LIFETIME_YEARS.help)]
    pub lifetime_years: Option<f64>,
    /// Runs database, with --training-run.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// Inference: `estimate --requests N`.
#[derive(Debug, Clone, Default, Args)]
pub struct ServingArgs {
    #[arg(long, allow_negative_numbers = true, value_parser = described::requests, value_name = p::REQUESTS.value_name, help = p::REQUESTS.help)]
    pub requests: Option<f64>,
    #[arg(long, allow_negative_numbers = true, value_parser = described::rate, value_name = p::RATE.value_name, help = p::RATE.help)]
    pub rate: Option<f64>,
    #[arg(long, allow_negative_numbers = true, requires = "hardware", conflicts_with = "energy_per_request_wh", value_parser = described::throughput, value_name = p::THROUGHPUT.value_name, help = p::THROUGHPUT.help)]
    pub throughput: Option<f64>,
    #[arg(long, allow_negative_numbers = true, conflicts_with = "hardware", value_parser = described::energy_per_request_wh, value_name = p::ENERGY_PER_REQUEST_WH.value_name, help = p::ENERGY_PER_REQUEST_WH.help)]
    pub energy_per_request_wh: Option<f64>,
    #[arg(long, allow_negative_numbers = true, value_parser = described::training_kg, value_name = p::TRAINING_KG.value_name, help = p::TRAINING_KG.help)]
    pub training_kg: Option<f64>,
    #[arg(long, conflicts_with = "training_kg", value_name = p::TRAINING_RUN.value_name, help = p::TRAINING_RUN.help)]
    pub training_run: Option<String>,
}

impl ServingArgs {
    pub fn any(&self) -> bool {
        self.requests.is_some()
            || self.rate.is_some()
            || self.throughput.is_some()
            || self.energy_per_request_wh.is_some()
            || self.training_kg.is_some()
            || self.training_run.is_some()
    }
}

/// Prediction from a partial run: `estimate --epochs 3/10 --elapsed-hours 6 --energy-kwh 40`.
#[derive(Debug, Clone, Default, Args)]
pub struct PredictionArgs {
    /// Epochs (or steps) done out of the total, e.g. 3/10: predict the whole run from
    /// --energy-kwh used so far.
    #[arg(long, value_name = "DONE/TOTAL", value_parser = parse_epochs, conflicts_with = "progress")]
    pub epochs: Option<(f64, f64)>,
    /// Fraction of the work done, 0–1 (instead of --epochs).
    #[arg(long, value_name = "F", value_parser = parse_fraction, allow_negative_numbers = true)]
    pub progress: Option<f64>,
    /// Hours the run has taken so far (or with a unit: 90m) [default: --hours].
    #[arg(long, value_name = "H", value_parser = described::hours, allow_negative_numbers = true)]
    pub elapsed_hours: Option<f64>,
}

impl PredictionArgs {
    pub fn any(&self) -> bool {
        self.epochs.is_some() || self.progress.is_some() || self.elapsed_hours.is_some()
    }
}

/// A stored run instead of the job's flags: `--run ID` and its `--db` (advise, plan-search).
#[derive(Debug, Args)]
pub struct StoredRunArgs {
    #[arg(long, conflicts_with_all = ["hardware", "energy_kwh", "hours", "cpu", "ram_gb", "zone", "provider", "region", "intensity"], value_name = p::RUN.value_name, help = p::RUN.help)]
    pub run: Option<String>,
    /// Runs database, with --run.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    mlcarbon advise --hardware \"A100 SXM4 80GB\" --count 8 --hours 72 --provider aws --region us-east-1\n  \
    mlcarbon advise --hardware \"V100 SXM2 32GB\" --hours 6 --zone US-CAL-CISO --deadline 24 --grid lr=5,batch=4,wd=3\n  \
    mlcarbon advise --run last")]
pub struct AdviseArgs {
    #[command(flatten)]
    pub job: JobArgs,
    #[command(flatten)]
    pub location: LocationArgs,
    #[command(flatten)]
    pub stored: StoredRunArgs,
    #[arg(long, allow_negative_numbers = true, value_parser = described::deadline, value_name = p::DEADLINE.value_name, help = p::DEADLINE.help)]
    pub deadline: Option<f64>,
    #[arg(long, value_name = p::NOW.value_name, help = p::NOW.help)]
    pub now: Option<String>,
    #[arg(long, default_value_t = mlcarbon_model::advise_report::DEFAULT_MAX_SLOWDOWN, allow_negative_numbers = true, value_parser = described::max_slowdown, value_name = p::MAX_SLOWDOWN.value_name, help = p::MAX_SLOWDOWN.help)]
    pub max_slowdown: f64,
    #[arg(long, value_name = p::GRID.value_name, help = p::GRID.help)]
    pub grid: Option<String>,
    #[arg(long, default_value_t = mlcarbon_model::search_report::DEFAULT_TOP, allow_negative_numbers = true, value_parser = described::top, value_name = p::TOP.value_name, help = p::TOP.help)]
    pub top: f64,
    #[arg(long, default_value_t = mlcarbon_model::search_report::DEFAULT_PROBABILITY, allow_negative_numbers = true, value_parser = described::probability, value_name = p::PROBABILITY.value_name, help = p::PROBABILITY.help)]
    pub probability: f64,
    #[arg(long, value_name = p::CANDIDATES.value_name, help = p::CANDIDATES.help)]
    pub candidates: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  \
    mlcarbon plan-search --grid lr=5,batch=4,wd=3 --hardware \"A100 SXM4 80GB\" --hours 2 --zone DE\n  \
    mlcarbon plan-search --trials 200 --halving --hardware \"H100 SXM5 80GB\" --count 8 --hours 1 --provider gcp --region us-central1\n  \
    mlcarbon plan-search --grid 'lr=1e-3|1e-4,batch=32|64|128' --run last")]
pub struct PlanSearchArgs {
    /// One trial: --hours is the duration of one full trial.
    #[command(flatten)]
    pub job: JobArgs,
    #[command(flatten)]
    pub location: LocationArgs,
    #[arg(long, value_name = p::GRID.value_name, help = p::GRID.help)]
    pub grid: Option<String>,
    #[arg(long, conflicts_with = "grid", value_parser = described::trials, value_name = p::TRIALS.value_name, help = p::TRIALS.help)]
    pub trials: Option<u64>,
    #[arg(long, default_value_t = mlcarbon_model::search_report::DEFAULT_TOP, allow_negative_numbers = true, value_parser = described::top, value_name = p::TOP.value_name, help = p::TOP.help)]
    pub top: f64,
    #[arg(long, default_value_t = mlcarbon_model::search_report::DEFAULT_PROBABILITY, allow_negative_numbers = true, value_parser = described::probability, value_name = p::PROBABILITY.value_name, help = p::PROBABILITY.help)]
    pub probability: f64,
    #[arg(long, help = p::HALVING.help)]
    pub halving: bool,
    #[arg(long, requires = "halving", allow_negative_numbers = true, value_parser = described::eta, value_name = p::ETA.value_name, help = p::ETA.help)]
    pub eta: Option<f64>,
    #[arg(long, requires = "halving", allow_negative_numbers = true, value_parser = described::min_budget, value_name = p::MIN_BUDGET.value_name, help = p::MIN_BUDGET.help)]
    pub min_budget: Option<f64>,
    #[command(flatten)]
    pub stored: StoredRunArgs,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
#[command(
    after_help = "Built-in profiles (month × UTC hour means of 2022; the hourly 2022 series when --now is in 2022): \
    US-CAL-CISO, US-NW-BPAT, US-SW-AZPS, US-TEX-ERCO, US-MIDW-MISO, US-NY-NYIS, US-MIDA-PJM, US-SE-SOCO.\n\n\
    Examples:\n  \
    mlcarbon schedule --zone US-CAL-CISO --hours 6 --within 48\n  \
    mlcarbon schedule --zone US-TEX-ERCO --hours 8 --within 24 --now 2022-07-01T00:00:00Z --hardware \"A100 SXM4 80GB\" --count 8\n  \
    mlcarbon schedule --profile my-grid.csv --hours 3 --within 24 --energy-kwh 40"
)]
pub struct ScheduleArgs {
    #[arg(long, conflicts_with_all = ["provider", "region"], value_name = p::ZONE.value_name, help = p::ZONE.help)]
    pub zone: Option<String>,
    #[arg(long, value_name = p::PROVIDER.value_name, help = p::PROVIDER.help)]
    pub provider: Option<String>,
    #[arg(long, value_name = p::REGION.value_name, help = p::REGION.help)]
    pub region: Option<String>,
    /// Your own profile (CSV `timestamp,g_per_kwh`, `hour,g_per_kwh` or `month,hour,g_per_kwh`).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// What runs and how long: --hours (required), and optionally --energy-kwh or the hardware
    /// for the emissions.
    #[command(flatten)]
    pub job: JobArgs,
    #[arg(long, allow_negative_numbers = true, value_parser = described::within, value_name = p::WITHIN.value_name, help = p::WITHIN.help)]
    pub within: f64,
    #[arg(long, value_name = p::NOW.value_name, help = p::NOW.help)]
    pub now: Option<String>,
    #[arg(long, default_value_t = mlcarbon_model::schedule_report::DEFAULT_WINDOWS, value_parser = described::windows, value_name = p::WINDOWS.value_name, help = p::WINDOWS.help)]
    pub windows: usize,
    #[arg(long, allow_negative_numbers = true, value_parser = described::pue, value_name = p::PUE.value_name, help = p::PUE.help)]
    pub pue: Option<f64>,
    #[arg(long, value_parser = mlcarbon_data::Basis::parse, value_name = p::BASIS.value_name, help = p::BASIS.help)]
    pub basis: Option<mlcarbon_data::Basis>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

/// Formats of tables (lists and comparisons).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum TableFormat {
    /// Aligned text for people.
    #[default]
    Human,
    Json,
    Csv,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompareBy {
    /// Every region of the job's provider.
    Regions,
    /// The cleanest region of each provider.
    Providers,
    /// The cleanest grid zones, with the job's PUE.
    Zones,
    /// Other accelerators for the same work (time scaled by peak throughput).
    Hardware,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub job: JobArgs,
    #[command(flatten)]
    pub location: LocationArgs,
    /// What to vary [default: regions with a provider, else zones].
    #[arg(long, value_enum)]
    pub by: Option<CompareBy>,
    /// Rows to show (1 or more).
    #[arg(long, value_name = "N", default_value_t = 15, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub limit: usize,
    /// Accelerators to compare with (repeatable) [default: all with published throughput].
    #[arg(long = "with", value_name = "NAME")]
    pub with_hardware: Vec<String>,
    #[arg(long, help = p::ALL_ZONES.help)]
    pub all_zones: bool,
    #[arg(long, value_name = p::CANDIDATES.value_name, help = p::CANDIDATES.help)]
    pub candidates: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatementFormat {
    Markdown,
    Latex,
    Bibtex,
    /// A Hugging Face model card's `co2_eq_emissions` metadata block (grams) and its
    /// "Environmental Impact" section.
    ModelCard,
}

#[derive(Debug, Args)]
pub struct StatementArgs {
    #[command(flatten)]
    pub job: JobArgs,
    #[command(flatten)]
    pub location: LocationArgs,
    /// What the figure covers ("training", "fine-tuning", "inference", ...).
    #[arg(long, default_value = "training")]
    pub activity: String,
    /// Markdown paragraph, LaTeX paragraph, the BibTeX entries it cites, or a model card's
    /// metadata block and "Environmental Impact" section.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: StatementFormat,
    /// Use the measured figures of a tracked run (id, `last`, uuid prefix) instead of an estimate.
    #[arg(long, value_name = "RUN", conflicts_with_all = ["hardware", "energy_kwh", "zone", "provider", "region", "intensity"])]
    pub run: Option<String>,
    /// Runs database, with --run.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// The full text: ranges, the formula, embodied emissions, every input and source (the
    /// default is a short paragraph citing the method and the grid intensity's source).
    #[arg(long)]
    pub long: bool,
    /// Language of the text: en or de (German: decimal comma, German wording).
    #[arg(long, value_name = "LANG", default_value = "en", value_parser = parse_lang, env = crate::env::LANG)]
    pub lang: mlcarbon_model::lang::Lang,
}

impl StatementArgs {
    pub fn style(&self) -> mlcarbon_model::statement::StatementStyle {
        mlcarbon_model::statement::StatementStyle {
            long: self.long,
            lang: self.lang,
        }
    }
}

fn parse_lang(text: &str) -> Result<mlcarbon_model::lang::Lang, String> {
    mlcarbon_model::lang::Lang::parse(text)
        .ok_or_else(|| format!("unknown language `{text}`; use en or de"))
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Words to search for in names, ids, aliases and vendors.
    pub search: Option<String>,
    /// List the CPU power table instead (the models --cpu accepts).
    #[arg(long)]
    pub cpus: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct ZoneListArgs {
    /// Words to search for in ids, names and aliases.
    pub search: Option<String>,
    /// Only zones of this kind (country, state, province, balancing_authority, bidding_zone, ...).
    #[arg(long)]
    pub kind: Option<String>,
    /// Sort by intensity, cleanest first.
    #[arg(long)]
    pub cleanest: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct RegionListArgs {
    /// Words to search for in region codes, names, locations and zones.
    pub search: Option<String>,
    /// Only this provider's regions (aws, gcp, azure, ...).
    #[arg(long, value_name = "P")]
    pub provider: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Args)]
pub struct FormatOnly {
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

fn parse_number(text: &str, what: &str) -> Result<f64, String> {
    let value: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number; give {what}"))?;
    if !value.is_finite() {
        return Err(format!("`{text}` is not a finite number; give {what}"));
    }
    Ok(value)
}

/// Seconds for `--interval` and `--commit-every`: a plain number is seconds, units are taken
/// (`2m`, `1h`).
fn parse_seconds(text: &str) -> Result<f64, String> {
    let value = parse_duration(text, DurationUnit::Seconds)?;
    if !(value.is_finite() && value >= 0.0) {
        return Err(format!(
            "must be a number of seconds ≥ 0 (or 2m, 1h), not {text}"
        ));
    }
    if value > 1e9 {
        return Err(format!(
            "{text} is over 30 years; give seconds, e.g. 10 or 5m"
        ));
    }
    Ok(value)
}

/// `monitor --duration`: a positive duration, plain numbers in seconds.
fn parse_positive_seconds(text: &str) -> Result<f64, String> {
    let value = parse_seconds(text)?;
    if value == 0.0 {
        return Err(format!(
            "must be a positive number of seconds (or 90m, 2h), not {text}"
        ));
    }
    Ok(value)
}

fn parse_fraction(text: &str) -> Result<f64, String> {
    let value = parse_number(text, "a fraction between 0 and 1, e.g. 0.8")?;
    if !(value > 0.0 && value <= 1.0) {
        return Err(format!(
            "must be a fraction in (0, 1], not {text}; for 80 % write 0.8"
        ));
    }
    Ok(value)
}

/// `3/10`: epochs (or steps) done out of the total.
fn parse_epochs(text: &str) -> Result<(f64, f64), String> {
    let hint = "give epochs done/total, e.g. --epochs 3/10";
    let (done, total) = text
        .split_once('/')
        .ok_or_else(|| format!("`{text}` is not DONE/TOTAL; {hint}"))?;
    let done = parse_number(done, hint)?;
    let total = parse_number(total, hint)?;
    if !(done > 0.0 && total > 0.0 && done <= total) {
        return Err(format!(
            "epochs done must be above 0 and at most the total, not {text}; {hint}"
        ));
    }
    Ok((done, total))
}

fn parse_status(text: &str) -> Result<mlcarbon_store::RunStatus, String> {
    text.trim()
        .to_ascii_lowercase()
        .parse()
        .map_err(|e: mlcarbon_model::run::UnknownName| e.to_string())
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct ServeArgs {
    /// Manage a team server's accounts instead of serving (see docs/team-server.md).
    #[command(subcommand)]
    pub admin: Option<ServeAdmin>,
    /// Address and port to listen on.
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:8080")]
    pub bind: std::net::SocketAddr,
    /// Runs database for the dashboard: a SQLite file, or a team server's PostgreSQL as
    /// postgresql://USER@HOST[:PORT]/DB [default: $MLCARBON_DB, else the XDG data dir's].
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<PathBuf>,
    /// Allow writes (POST /api/runs) with `Authorization: Bearer TOKEN`; read-only without it.
    /// Every local user sees a command line's arguments (`ps`): prefer MLCARBON_TOKEN or
    /// --token-file [default: $MLCARBON_TOKEN].
    #[arg(long, value_name = "TOKEN", conflicts_with = "token_file")]
    pub token: Option<String>,
    /// Read the token from this file (its first line; keep it user-only, `chmod 600`).
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// Show runs' command lines to every client; without it only requests with the token see
    /// them (command lines can hold secrets passed as arguments).
    #[arg(long)]
    pub public_commands: bool,
}

/// `mlcarbon serve token|project ...`: a team server's accounts, in its database.
#[derive(Debug, Subcommand)]
pub enum ServeAdmin {
    /// Users' tokens: create (printed once), list, revoke.
    #[command(subcommand)]
    Token(TokenAction),
    /// Which team a project's runs belong to.
    #[command(subcommand)]
    Project(ProjectAction),
}

/// The database an account command works on.
#[derive(Debug, Args)]
pub struct AdminDb {
    /// The server's database: a SQLite file or postgresql://USER@HOST[:PORT]/DB
    /// [default: $MLCARBON_DB, else the XDG data dir's].
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum TokenAction {
    /// Creates a token for USER in TEAM (both created when missing) and prints it once on
    /// standard output; the server keeps only its SHA-256. The first token turns accounts on.
    Create {
        #[arg(long, value_name = "NAME")]
        user: String,
        #[arg(long, value_name = "TEAM")]
        team: String,
        /// `read`: the team's runs; `write`: also push runs to the team's projects.
        #[arg(long, default_value = "read", value_parser = ["read", "write"])]
        scope: String,
        /// A label to tell tokens apart in `serve token list`.
        #[arg(long, value_name = "LABEL", default_value = "token")]
        name: String,
        #[command(flatten)]
        db: AdminDb,
    },
    /// Every token issued (never a secret): id, user, team, scope, label, created, revoked.
    List {
        #[command(flatten)]
        db: AdminDb,
    },
    /// Revokes the token with this id (as `serve token list` shows it).
    Revoke {
        id: String,
        #[command(flatten)]
        db: AdminDb,
    },
}

#[derive(Debug, Subcommand)]
pub enum ProjectAction {
    /// Gives PROJECT (the `project` of runs) to TEAM (created when missing): its runs are then
    /// visible to TEAM's members only and written by TEAM's write tokens.
    Assign {
        project: String,
        #[arg(long, value_name = "TEAM")]
        team: String,
        #[command(flatten)]
        db: AdminDb,
    },
    /// Every project that belongs to a team.
    List {
        #[command(flatten)]
        db: AdminDb,
    },
}

/// Value parsers of the flags the model describes (`mlcarbon_model::params`): its ranges and
/// messages, so that the CLI and the web refuse the same values with the same words.
mod described {
    use mlcarbon_model::params as p;

    pub fn watts(text: &str) -> Result<f64, String> {
        p::WATTS.parse_number(text)
    }

    pub fn count(text: &str) -> Result<u32, String> {
        p::COUNT.parse_whole(text).map(|n| n as u32)
    }

    pub fn hours(text: &str) -> Result<f64, String> {
        p::HOURS.parse_number(text)
    }

    pub fn energy_kwh(text: &str) -> Result<f64, String> {
        p::ENERGY_KWH.parse_number(text)
    }

    pub fn utilization(text: &str) -> Result<f64, String> {
        p::UTILIZATION.parse_number(text)
    }

    pub fn cpu_count(text: &str) -> Result<u32, String> {
        p::CPU_COUNT.parse_whole(text).map(|n| n as u32)
    }

    pub fn cpu_utilization(text: &str) -> Result<f64, String> {
        p::CPU_UTILIZATION.parse_number(text)
    }

    pub fn ram_gb(text: &str) -> Result<f64, String> {
        p::RAM_GB.parse_number(text)
    }

    pub fn intensity(text: &str) -> Result<f64, String> {
        p::INTENSITY.parse_number(text)
    }

    pub fn offset_percent(text: &str) -> Result<f64, String> {
        p::OFFSET_PERCENT.parse_number(text)
    }

    pub fn pue(text: &str) -> Result<f64, String> {
        p::PUE.parse_number(text)
    }

    pub fn lifetime_years(text: &str) -> Result<f64, String> {
        p::LIFETIME_YEARS.parse_number(text)
    }

    pub fn deadline(text: &str) -> Result<f64, String> {
        p::DEADLINE.parse_number(text)
    }

    pub fn max_slowdown(text: &str) -> Result<f64, String> {
        p::MAX_SLOWDOWN.parse_number(text)
    }

    pub fn top(text: &str) -> Result<f64, String> {
        p::TOP.parse_number(text)
    }

    pub fn probability(text: &str) -> Result<f64, String> {
        p::PROBABILITY.parse_number(text)
    }

    pub fn trials(text: &str) -> Result<u64, String> {
        p::TRIALS.parse_whole(text)
    }

    pub fn eta(text: &str) -> Result<f64, String> {
        p::ETA.parse_number(text)
    }

    pub fn min_budget(text: &str) -> Result<f64, String> {
        p::MIN_BUDGET.parse_number(text)
    }

    pub fn within(text: &str) -> Result<f64, String> {
        p::WITHIN.parse_number(text)
    }

    pub fn windows(text: &str) -> Result<usize, String> {
        p::WINDOWS.parse_whole(text).map(|n| n as usize)
    }

    pub fn requests(text: &str) -> Result<f64, String> {
        p::REQUESTS.parse_number(text)
    }

    pub fn rate(text: &str) -> Result<f64, String> {
        p::RATE.parse_number(text)
    }

    pub fn throughput(text: &str) -> Result<f64, String> {
        p::THROUGHPUT.parse_number(text)
    }

    pub fn energy_per_request_wh(text: &str) -> Result<f64, String> {
        p::ENERGY_PER_REQUEST_WH.parse_number(text)
    }

    pub fn training_kg(text: &str) -> Result<f64, String> {
        p::TRAINING_KG.parse_number(text)
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use mlcarbon_model::params::{self as p, Kind, Param};

    use super::Cli;

    /// Each command's flags that the model describes, and the descriptions.
    fn described_commands() -> Vec<(&'static str, Vec<&'static [Param]>)> {
        vec![
            (
                "estimate",
                vec![p::JOB, p::LOCATION, p::ESTIMATE_EXTRA, p::INFERENCE_EXTRA],
            ),
            ("compare", vec![p::JOB, p::LOCATION, p::COMPARE_EXTRA]),
            ("advise", vec![p::JOB, p::LOCATION, p::ADVISE_EXTRA]),
            (
                "plan-search",
                vec![p::JOB, p::LOCATION, p::PLAN_SEARCH_EXTRA],
            ),
            ("schedule", vec![p::JOB, p::SCHEDULE_EXTRA]),
        ]
    }

    fn parses(command: &str, flag: &str, value: f64) -> bool {
        let value = if value.fract() == 0.0 && value.abs() < 1e15 {
            format!("{value:.0}")
        } else {
            value.to_string()
        };
        // Only the flag's own parser is asked: other errors (missing flags) do not count.
        match Cli::try_parse_from_for_test(command, flag, &value) {
            Ok(()) => true,
            Err(kind) => kind != clap::error::ErrorKind::ValueValidation,
        }
    }

    impl Cli {
        fn try_parse_from_for_test(
            command: &str,
            flag: &str,
            value: &str,
        ) -> Result<(), clap::error::ErrorKind> {
            let flag = format!("--{flag}");
            Cli::command()
                .try_get_matches_from(["mlcarbon", command, flag.as_str(), value])
                .map(|_| ())
                .map_err(|e| e.kind())
        }
    }

    /// The flags take their help, value names and ranges from the model's descriptions: a flag
    /// that drifts from its description fails here.
    #[test]
    fn flags_follow_the_parameter_descriptions() {
        let cli = Cli::command();
        for (name, lists) in described_commands() {
            let command = cli
                .find_subcommand(name)
                .unwrap_or_else(|| panic!("no command {name}"));
            for param in lists.iter().flat_map(|l| l.iter()) {
                let flag = param.flag();
                let arg = command
                    .get_arguments()
                    .find(|a| a.get_long() == Some(flag.as_str()))
                    .unwrap_or_else(|| panic!("{name} has no --{flag}"));
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                assert_eq!(help, param.help, "{name} --{flag}: help");
                if param.kind != Kind::Switch {
                    let value_names: Vec<String> = arg
                        .get_value_names()
                        .unwrap_or_default()
                        .iter()
                        .map(ToString::to_string)
                        .collect();
                    assert_eq!(value_names, [param.value_name], "{name} --{flag}");
                }
                if let Some((min, min_open, max, max_open)) = param.bounds() {
                    let inside = if min_open {
                        min + (max - min).min(1.0) / 2.0
                    } else {
                        min
                    };
                    assert!(
                        parses(name, &flag, inside),
                        "{name} --{flag} refuses {inside}"
                    );
                    if min_open || min > 0.0 {
                        let below = if min_open { min } else { min - 1.0 };
                        assert!(!parses(name, &flag, below), "{name} --{flag} takes {below}");
                    }
                    if max < 1e12 {
                        let above = if max_open { max } else { max + 1.0 };
                        assert!(!parses(name, &flag, above), "{name} --{flag} takes {above}");
                    }
                }
            }
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum SlurmCommand {
    /// Energy and emissions of the jobs in sacct output, in total, per group and per top job.
    #[command(after_help = "Examples:\n  \
        sacct -a -X --parsable2 -S 2026-01-01 -E 2026-02-01 --format JobID,User,Account,Partition,State,Start,End,Elapsed,TotalCPU,CPUTime,NCPUS,NNodes,ReqMem,MaxRSS,AllocTRES,TRESUsageInTot,ConsumedEnergyRaw > jobs.txt\n  \
        mlcarbon slurm report jobs.txt --cluster cluster.toml --by account --by month\n  \
        mlcarbon slurm report jobs.txt --compat ga4hpc --cluster-info cluster_info.yaml --format json")]
    Report(SlurmReportArgs),
    /// Store the jobs of sacct output in the database (a job imported twice is stored once).
    #[command(after_help = "Examples:\n  \
        mlcarbon slurm import jan.txt --cluster-name hpc1\n  \
        mlcarbon slurm import --since 2026-01-01 --until 2026-12-31 --cluster-name hpc1 --cluster cluster.toml\n  \
        mlcarbon slurm report --from-db --cluster-name hpc1 --cluster cluster.toml --by account --by month")]
    Import(SlurmImportArgs),
    /// Compute the stored jobs' figures again with a cluster description and store them, so
    /// that `slurm report --from-db` with that description adds stored numbers.
    #[command(after_help = "Examples:\n  \
        mlcarbon slurm recompute --cluster cluster.toml --cluster-name hpc1")]
    Recompute(SlurmRecomputeArgs),
    /// For Slurm's `Epilog` or `EpilogSlurmctld`: store the job that just ended ($SLURM_JOB_ID),
    /// asking sacct for it. Never fails the node: any problem is a line on standard error and
    /// exit status 0.
    #[command(after_help = "slurm.conf (docs/slurm.md):\n  \
        EpilogSlurmctld=/etc/slurm/mlcarbon-epilog.sh\n\
        with the script:\n  \
        #!/bin/sh\n  \
        exec /usr/local/bin/mlcarbon slurm epilog --db /var/lib/mlcarbon/runs.sqlite --cluster /etc/slurm/cluster.toml")]
    Epilog(SlurmEpilogArgs),
}

#[derive(Debug, Args)]
pub struct SlurmEpilogArgs {
    /// The cluster's name [default: $SLURM_CLUSTER_NAME, set by Slurm].
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// The cluster description: the job's figures are stored with it.
    #[arg(long, value_name = "PATH")]
    pub cluster: Option<PathBuf>,
    /// Basis of the grid figure of the description's zones: `lifecycle` (the default where the
    /// zone has one) or `direct` (combustion only); a partition's own `intensity_g_per_kwh` is
    /// kept as given.
    #[arg(long, value_parser = mlcarbon_data::Basis::parse, value_name = p::BASIS.value_name)]
    pub basis: Option<mlcarbon_data::Basis>,
    /// Database [default: $MLCARBON_DB, else the XDG data dir's mlcarbon/runs.sqlite].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Seconds to wait for sacct before giving up.
    #[arg(long, value_name = "SECONDS", default_value_t = 20)]
    pub timeout: u64,
}

#[derive(Debug, Args)]
pub struct SlurmRecomputeArgs {
    /// The cluster description (docs/slurm.md).
    #[arg(long, value_name = "PATH")]
    pub cluster: PathBuf,
    /// Basis of the grid figure of the description's zones: `lifecycle` (the default where the
    /// zone has one) or `direct` (combustion only); a partition's own `intensity_g_per_kwh` is
    /// kept as given.
    #[arg(long, value_parser = mlcarbon_data::Basis::parse, value_name = p::BASIS.value_name)]
    pub basis: Option<mlcarbon_data::Basis>,
    /// Only this cluster's jobs [default: every cluster stored].
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// Database [default: $MLCARBON_DB, else the XDG data dir's mlcarbon/runs.sqlite].
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct SlurmImportArgs {
    /// sacct output: `--parsable2` with its header line, or `--json`; `-` for standard input.
    /// Without it, `--since` runs sacct.
    #[arg(
        value_name = "FILE",
        required_unless_present = "since",
        conflicts_with = "since"
    )]
    pub file: Option<PathBuf>,
    /// Run `sacct` (on PATH) for every job from this day (YYYY-MM-DD) on, one week per query:
    /// sacct servers refuse or time out on wide ranges.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// With --since: the last day, included [default: today].
    #[arg(long, value_name = "DATE", requires = "since")]
    pub until: Option<String>,
    /// The cluster the jobs ran on (job ids are unique per cluster).
    #[arg(long, value_name = "NAME")]
    pub cluster_name: String,
    /// The cluster description (docs/slurm.md): each job's figures are computed now and
    /// stored, so reports from the database with this description are fast.
    #[arg(long, value_name = "PATH")]
    pub cluster: Option<PathBuf>,
    /// Basis of the grid figure of the description's zones: `lifecycle` (the default where the
    /// zone has one) or `direct` (combustion only); a partition's own `intensity_g_per_kwh` is
    /// kept as given.
    #[arg(long, value_parser = mlcarbon_data::Basis::parse, value_name = p::BASIS.value_name)]
    pub basis: Option<mlcarbon_data::Basis>,
    /// Database: a SQLite file, or a team server's PostgreSQL as
    /// postgresql://USER@HOST[:PORT]/DB [default: $MLCARBON_DB, else the XDG data dir's
    /// mlcarbon/runs.sqlite].
    #[arg(long, value_name = "PATH|URL")]
    pub db: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SlurmCompat {
    /// Green Algorithms for HPC: its formula and its cluster_info.yaml.
    Ga4hpc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SlurmGroupBy {
    User,
    Account,
    Partition,
    Month,
    State,
}

#[derive(Debug, Args)]
pub struct SlurmReportArgs {
    /// sacct output: `--parsable2` with its header line, or `--json`; `-` for standard input.
    /// Without it, the jobs imported into the database (`--from-db`).
    #[arg(
        value_name = "FILE",
        required_unless_present = "from_db",
        conflicts_with = "from_db"
    )]
    pub file: Option<PathBuf>,
    /// Report the jobs stored by `slurm import` instead of a file.
    #[arg(long)]
    pub from_db: bool,
    /// The database [default with --from-db: $MLCARBON_DB, else the XDG data dir's file]. Jobs
    /// that `srun mlcarbon run` measured there (job keys `slurm:JOB[.STEP]`) get the tracker's
    /// energy instead of the computed one (method `tracked`); a FILE's report reads runs only
    /// from a database named here.
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// With --from-db: only this cluster's jobs [default: every cluster stored].
    #[arg(long, value_name = "NAME", requires = "from_db")]
    pub cluster_name: Option<String>,
    /// The cluster description (docs/slurm.md): per partition, CPU and GPU power, PUE, grid.
    #[arg(long, value_name = "PATH")]
    pub cluster: Option<PathBuf>,
    /// Basis of the grid figure of the description's zones: `lifecycle` (the default where the
    /// zone has one) or `direct` (combustion only); a partition's own `intensity_g_per_kwh` is
    /// kept as given.
    #[arg(long, value_parser = mlcarbon_data::Basis::parse, value_name = p::BASIS.value_name)]
    pub basis: Option<mlcarbon_data::Basis>,
    /// Compute as another tool does.
    #[arg(long, value_enum)]
    pub compat: Option<SlurmCompat>,
    /// GA4HPC's cluster_info.yaml (with --compat ga4hpc).
    #[arg(long, value_name = "PATH")]
    pub cluster_info: Option<PathBuf>,
    /// Totals per group; repeat for nested groups (--by account --by month).
    #[arg(long, value_enum)]
    pub by: Vec<SlurmGroupBy>,
    /// Jobs that ended on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Jobs that ended on or before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// How many of the most emitting jobs to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}
