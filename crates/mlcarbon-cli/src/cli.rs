//! Command-line types. Only this binary knows clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

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
    #[arg(long, global = true, value_name = "DIR", env = "MLCARBON_DATA_DIR")]
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
}

/// What ran.
#[derive(Debug, Clone, Args)]
pub struct JobArgs {
    /// Accelerator by name, id or alias ("A100 SXM4 80GB", "tpu v3", "Tesla V100-PCIE-16GB").
    #[arg(long, value_name = "NAME")]
    pub hardware: Option<String>,
    /// Number of accelerators.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_count)]
    pub count: u32,
    /// Wall-clock duration of the job in hours.
    #[arg(long, value_name = "H", value_parser = parse_hours, allow_negative_numbers = true)]
    pub hours: Option<f64>,
    /// IT energy already known (e.g. metered), in kWh, instead of hardware × hours.
    #[arg(long, value_name = "E", value_parser = parse_energy, allow_negative_numbers = true, conflicts_with_all = ["hardware", "cpu", "ram_gb"])]
    pub energy_kwh: Option<f64>,
    /// Mean accelerator draw as a fraction of rated power, 0–1 [default: the median measured in
    /// training runs for rated figures; 1 for measured means].
    #[arg(long, value_name = "U", value_parser = parse_fraction, allow_negative_numbers = true)]
    pub utilization: Option<f64>,
    /// Host CPU model (from the CPU power table), to count the host too.
    #[arg(long, value_name = "NAME")]
    pub cpu: Option<String>,
    /// Number of CPU sockets.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_count, requires = "cpu")]
    pub cpu_count: u32,
    /// Mean CPU load as a fraction of TDP, 0–1 [default: 1].
    #[arg(long, value_name = "U", value_parser = parse_fraction, allow_negative_numbers = true, requires = "cpu")]
    pub cpu_utilization: Option<f64>,
    /// Host memory in GB, counted at a fixed power per GB.
    #[arg(long, value_name = "GB", value_parser = parse_non_negative, allow_negative_numbers = true)]
    pub ram_gb: Option<f64>,
}

/// Where it ran.
#[derive(Debug, Clone, Args)]
pub struct LocationArgs {
    /// Cloud provider (aws, gcp, azure, ovhcloud, scaleway, alibaba, coreweave, ...).
    #[arg(long, value_name = "P", conflicts_with_all = ["zone", "intensity"])]
    pub provider: Option<String>,
    /// Cloud region code or name (us-east-1, europe-west4, canadaeast).
    #[arg(long, value_name = "R", conflicts_with_all = ["zone", "intensity"])]
    pub region: Option<String>,
    /// Grid zone: country (FR, FRA, France), state or province (US-IA, CA-QC), grid (US-CAL-CISO),
    /// or WORLD for the world average.
    #[arg(long, value_name = "Z", conflicts_with = "intensity")]
    pub zone: Option<String>,
    /// Grid carbon intensity in g CO2e/kWh (private infrastructure).
    #[arg(long, value_name = "G", value_parser = parse_non_negative, allow_negative_numbers = true)]
    pub intensity: Option<f64>,
    /// Share of emissions offset or matched by your provider, percent (with --intensity).
    #[arg(long, value_name = "PCT", value_parser = parse_percent, allow_negative_numbers = true, requires = "intensity")]
    pub offset_percent: Option<f64>,
    /// Power usage effectiveness of the facility [default: the provider's, else the industry average].
    #[arg(long, value_name = "X", value_parser = parse_pue, allow_negative_numbers = true)]
    pub pue: Option<f64>,
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
    /// Rows to show.
    #[arg(long, value_name = "N", default_value_t = 15)]
    pub limit: usize,
    /// Accelerators to compare with (repeatable) [default: all with published throughput].
    #[arg(long = "with", value_name = "NAME")]
    pub with_hardware: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    pub format: TableFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatementFormat {
    Markdown,
    Latex,
    Bibtex,
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
    /// Markdown paragraph, LaTeX paragraph, or the BibTeX entries it cites.
    #[arg(long, value_enum, default_value = "markdown")]
    pub format: StatementFormat,
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

/// A century of compute: far past any real job, well inside f64 arithmetic.
const MAX_HOURS: f64 = 1_000_000.0;
const MAX_COUNT: u32 = 10_000_000;

fn parse_hours(text: &str) -> Result<f64, String> {
    let value = parse_number(text, "hours as a positive number, e.g. 24 or 0.5")?;
    if value <= 0.0 {
        return Err(format!(
            "hours must be positive, not {text}; e.g. --hours 24"
        ));
    }
    if value > MAX_HOURS {
        return Err(format!(
            "{text} hours is over a century; give the duration in hours, at most {MAX_HOURS}"
        ));
    }
    Ok(value)
}

fn parse_energy(text: &str) -> Result<f64, String> {
    let value = parse_number(text, "kWh as a positive number, e.g. 12.5")?;
    if value < 0.0 {
        return Err(format!("energy cannot be negative ({text} kWh)"));
    }
    if value > 1e15 {
        return Err(format!(
            "{text} kWh is more than the world uses in a decade; give the job's energy in kWh"
        ));
    }
    Ok(value)
}

fn parse_non_negative(text: &str) -> Result<f64, String> {
    let value = parse_number(text, "a number ≥ 0")?;
    if value < 0.0 {
        return Err(format!("must be ≥ 0, not {text}"));
    }
    if value > 1e9 {
        return Err(format!("{text} is implausibly large here"));
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

fn parse_percent(text: &str) -> Result<f64, String> {
    let value = parse_number(text, "a percentage between 0 and 100")?;
    if !(0.0..=100.0).contains(&value) {
        return Err(format!("must be between 0 and 100, not {text}"));
    }
    Ok(value)
}

fn parse_pue(text: &str) -> Result<f64, String> {
    let value = parse_number(text, "a PUE of at least 1.0, e.g. 1.1")?;
    if !(1.0..=5.0).contains(&value) {
        return Err(format!(
            "PUE is total facility power over IT power, between 1.0 and 5.0, not {text}"
        ));
    }
    Ok(value)
}

fn parse_count(text: &str) -> Result<u32, String> {
    let value: u32 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a whole number ≥ 1; e.g. --count 8"))?;
    if value == 0 {
        return Err("count must be at least 1".to_string());
    }
    if value > MAX_COUNT {
        return Err(format!(
            "count {value} is more than {MAX_COUNT} devices; give the number of devices of the job"
        ));
    }
    Ok(value)
}
