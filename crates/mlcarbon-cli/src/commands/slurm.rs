//! `mlcarbon slurm report`: sacct output streamed through the Slurm crate's report, rendered.

use std::io::{BufRead, BufReader};
use std::path::Path;

use anyhow::{Context, Result, bail};
use mlcarbon_data::Dataset;
use mlcarbon_model::statement::{human_energy, human_mass};
use mlcarbon_slurm::ga4hpc::parse_cluster_info;
use mlcarbon_slurm::report::{GroupTotals, MethodDifference, TopJob};
use mlcarbon_slurm::{
    Cluster, GroupBy, JobFilter, Method, ReportOptions, SlurmReport, Totals, difference,
    report_sacct,
};
use serde::Serialize;

use crate::cli::{SlurmCommand, SlurmCompat, SlurmGroupBy, SlurmReportArgs, TableFormat};
use crate::files;
use crate::output::{self, Table};

pub fn run(data: &Dataset, command: &SlurmCommand) -> Result<String> {
    match command {
        SlurmCommand::Report(args) => report(data, args),
    }
}

fn open_input(path: &Path) -> Result<Box<dyn BufRead>> {
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::with_capacity(
            1 << 16,
            std::io::stdin().lock(),
        )));
    }
    let file = std::fs::File::open(path)
        .with_context(|| format!("sacct output {}: cannot read it", path.display()))?;
    Ok(Box::new(BufReader::with_capacity(1 << 16, file)))
}

fn day(text: &Option<String>, flag: &str) -> Result<Option<String>> {
    match text {
        None => Ok(None),
        Some(t) if mlcarbon_time::parse_date(t).is_some() => Ok(Some(t.clone())),
        Some(t) => bail!("{flag} `{t}`: expected a day as YYYY-MM-DD, e.g. 2026-01-31"),
    }
}

/// What `--format json` prints: the report, and in compat mode mlcarbon's own totals on the
/// same file and how far they are from the compat ones, when `--cluster` is given too.
#[derive(Serialize)]
struct Output<'a> {
    #[serde(flatten)]
    report: &'a SlurmReport,
    #[serde(skip_serializing_if = "Option::is_none")]
    mlcarbon_totals: Option<&'a Totals>,
    #[serde(skip_serializing_if = "Option::is_none")]
    mlcarbon_minus_compat: Option<MethodDifference>,
}

fn report(data: &Dataset, args: &SlurmReportArgs) -> Result<String> {
    let filter = JobFilter {
        since: day(&args.since, "--since")?,
        until: day(&args.until, "--until")?,
    };
    let by: Vec<GroupBy> = args
        .by
        .iter()
        .map(|b| match b {
            SlurmGroupBy::User => GroupBy::User,
            SlurmGroupBy::Account => GroupBy::Account,
            SlurmGroupBy::Partition => GroupBy::Partition,
            SlurmGroupBy::Month => GroupBy::Month,
            SlurmGroupBy::State => GroupBy::State,
        })
        .collect();
    let cluster = match &args.cluster {
        Some(path) => {
            let text = files::read_text(path, "--cluster", files::MAX_SHORT_BYTES * 64)?;
            Some(
                Cluster::parse(&text, data)
                    .with_context(|| format!("--cluster {}", path.display()))?,
            )
        }
        None => None,
    };
    let options = |method| ReportOptions {
        method,
        filter: filter.clone(),
        by: by.clone(),
        top: args.top,
    };
    let (main, own) = match args.compat {
        Some(SlurmCompat::Ga4hpc) => {
            let Some(path) = &args.cluster_info else {
                bail!(
                    "--compat ga4hpc needs --cluster-info cluster_info.yaml (GA4HPC's cluster description)"
                );
            };
            let text = files::read_text(path, "--cluster-info", files::MAX_SHORT_BYTES * 64)?;
            let info = parse_cluster_info(&text)
                .with_context(|| format!("--cluster-info {}", path.display()))?;
            let compat = report_sacct(open_input(&args.file)?, options(Method::Ga4hpc(&info)))?;
            // mlcarbon's figures for the same jobs need a second read: not possible from stdin.
            let own = match &cluster {
                Some(cluster) if args.file != Path::new("-") => Some(report_sacct(
                    open_input(&args.file)?,
                    options(Method::Mlcarbon(cluster)),
                )?),
                _ => None,
            };
            (compat, own)
        }
        None => {
            if args.cluster_info.is_some() {
                bail!(
                    "--cluster-info is GA4HPC's format: add --compat ga4hpc, or describe the cluster with --cluster cluster.toml"
                );
            }
            let Some(cluster) = &cluster else {
                bail!(
                    "give --cluster cluster.toml (docs/slurm.md; docs/examples/cluster.toml is a start), or --compat ga4hpc --cluster-info cluster_info.yaml"
                );
            };
            (
                report_sacct(open_input(&args.file)?, options(Method::Mlcarbon(cluster)))?,
                None,
            )
        }
    };
    let out = Output {
        report: &main,
        mlcarbon_totals: own.as_ref().map(|r| &r.totals),
        mlcarbon_minus_compat: own.as_ref().map(|r| difference(&main.totals, &r.totals)),
    };
    match args.format {
        TableFormat::Json => output::json(&out),
        TableFormat::Csv => groups_table(&main).csv(),
        TableFormat::Markdown => Ok(format!(
            "{}\n{}\n{}",
            groups_table(&main).markdown(),
            top_table(&main.top_jobs).markdown(),
            partitions_table(&main).markdown()
        )),
        TableFormat::Human => Ok(human(&out)),
    }
}

fn method_line(report: &SlurmReport) -> &'static str {
    if report.method == "ga4hpc" {
        "GA4HPC's formula (--compat ga4hpc): CPU time × TDP per core, GPUs at 100 % of TDP, requested memory × 0.3725 W/GB, × PUE × CI"
    } else {
        "mlcarbon: Slurm's node energy where a job had whole nodes, else CPU time × W per core, GPUs × power × utilisation, allocated memory × W/GB; × PUE × grid intensity"
    }
}

fn human(out: &Output<'_>) -> String {
    let r = out.report;
    let t = &r.totals;
    let mut text = format!(
        "Slurm report: {} jobs from {} rows\nmethod: {}\n\n",
        t.jobs,
        r.rows,
        method_line(r)
    );
    let range = |low: f64, high: f64, unit: fn(f64) -> String| {
        let (low, high) = (unit(low), unit(high));
        if low == high {
            String::new()
        } else {
            format!("  (range {low}–{high})")
        }
    };
    text += &format!(
        "  emissions    {} CO2e{}\n",
        human_mass(t.emissions_kg),
        range(t.emissions_low_kg, t.emissions_high_kg, human_mass)
    );
    text += &format!(
        "  energy       {}{} (with PUE)\n",
        human_energy(t.energy_kwh),
        range(t.energy_low_kwh, t.energy_high_kwh, human_energy)
    );
    text += &format!(
        "  IT energy    CPU {} · GPU {} · memory {}{}\n",
        human_energy(t.cpu_energy_kwh),
        human_energy(t.gpu_energy_kwh),
        human_energy(t.ram_energy_kwh),
        if t.measured_node_energy_kwh > 0.0 {
            format!(
                " · measured nodes {}",
                human_energy(t.measured_node_energy_kwh)
            )
        } else {
            String::new()
        }
    );
    if r.method != "ga4hpc" {
        text += &format!(
            "  method       {} measured · {} modelled · {} mixed jobs; {:.0} % of IT energy measured by Slurm; GPU utilisation recorded for {} jobs (else the default draw)\n",
            t.measured_jobs,
            t.modelled_jobs,
            t.mixed_jobs,
            t.measured_share() * 100.0,
            r.jobs_with_recorded_gpu_utilisation
        );
    }
    text += &format!(
        "  failed jobs  {} jobs: {}, {} CO2e (included above)\n",
        t.failed_jobs,
        human_energy(t.failed_energy_kwh),
        human_mass(t.failed_emissions_kg)
    );
    text += &format!(
        "  left out     {} unfinished jobs (RUNNING, PENDING: accounting not final); {} outside --since/--until; {} rows of jobs seen twice\n",
        r.unfinished_jobs_skipped, r.jobs_outside_window, r.repeated_rows
    );
    if let (Some(own), Some(diff)) = (out.mlcarbon_totals, out.mlcarbon_minus_compat) {
        let percent = |p: Option<f64>| p.map_or(String::new(), |p| format!(" ({p:+.0} %)"));
        text += &format!(
            "\nmlcarbon's method on the same file (--cluster): {} CO2e{}, {}{}\n  GA4HPC counts GPUs at 100 % of TDP and the memory requested; mlcarbon uses recorded GPU utilisation (else the measured training draw), Slurm's measured node energy for whole nodes, and the cluster's grid data\n",
            human_mass(own.emissions_kg),
            percent(diff.emissions_percent),
            human_energy(own.energy_kwh),
            percent(diff.energy_percent),
        );
    }
    if !r.groups.is_empty() {
        text += "\n";
        text += &groups_table(r).human();
    }
    if !r.top_jobs.is_empty() {
        text += "\nTop jobs\n";
        text += &top_table(&r.top_jobs).human();
    }
    if !r.partitions.is_empty() {
        text += "\nInputs per partition\n";
        text += &partitions_table(r).human();
    }
    text
}

fn groups_table(r: &SlurmReport) -> Table {
    let mut headers: Vec<(&str, bool)> = r.by.iter().map(|b| (b.label(), false)).collect();
    headers.extend([
        ("jobs", true),
        ("failed_jobs", true),
        ("energy_kwh", true),
        ("emissions_kg", true),
        ("cpu_energy_kwh", true),
        ("gpu_energy_kwh", true),
        ("ram_energy_kwh", true),
        ("measured_node_energy_kwh", true),
        ("failed_energy_kwh", true),
    ]);
    let mut table = Table::new(&headers);
    let row = |key: Vec<String>, t: &Totals| {
        let mut cells = key;
        cells.extend([
            t.jobs.to_string(),
            t.failed_jobs.to_string(),
            number(t.energy_kwh),
            number(t.emissions_kg),
            number(t.cpu_energy_kwh),
            number(t.gpu_energy_kwh),
            number(t.ram_energy_kwh),
            number(t.measured_node_energy_kwh),
            number(t.failed_energy_kwh),
        ]);
        cells
    };
    if r.by.is_empty() {
        table.push(row(Vec::new(), &r.totals));
    }
    for GroupTotals { key, totals } in &r.groups {
        table.push(row(key.clone(), totals));
    }
    table
}

/// Four significant figures for tables: enough to compare, short enough to read.
fn number(value: f64) -> String {
    if value == 0.0 {
        return "0".into();
    }
    let digits = (3 - value.abs().log10().floor() as i32).clamp(0, 9) as usize;
    format!("{value:.digits$}")
}

fn top_table(jobs: &[TopJob]) -> Table {
    let mut table = Table::new(&[
        ("job", false),
        ("user", false),
        ("account", false),
        ("partition", false),
        ("state", false),
        ("hours", true),
        ("gpus", true),
        ("method", false),
        ("energy_kwh", true),
        ("emissions_kg", true),
    ]);
    for j in jobs {
        table.push(vec![
            j.id.clone(),
            j.user.clone(),
            j.account.clone(),
            j.partition.clone(),
            j.state.clone(),
            number(j.elapsed_hours),
            j.gpus.to_string(),
            j.method.label().to_string(),
            number(j.energy_kwh),
            number(j.emissions_kg),
        ]);
    }
    table
}

fn partitions_table(r: &SlurmReport) -> Table {
    let mut table = Table::new(&[
        ("partition", false),
        ("CPU W/core", true),
        ("GPU", false),
        ("GPU W", true),
        ("PUE", true),
        ("g/kWh", true),
        ("exclusive", false),
        ("sources", false),
    ]);
    for p in &r.partitions {
        let source = |prov: &mlcarbon_model::Provenance| {
            let mut s = prov.origin.label().to_string();
            if let Some(row) = &prov.row {
                s += &format!(" {}:{row}", prov.table.as_deref().unwrap_or(""));
            }
            if let Some(year) = prov.year {
                s += &format!(" ({year})");
            }
            s
        };
        let mut sources = vec![
            format!("CPU {}", source(&p.cpu_core.provenance)),
            format!("PUE {}", source(&p.pue.provenance)),
            format!("grid {}", source(&p.intensity.provenance)),
        ];
        if let Some(gpu) = &p.gpu {
            sources.insert(1, format!("GPU {}", source(&gpu.power.provenance)));
        }
        table.push(vec![
            p.name.clone(),
            number(p.cpu_core.range.value.0),
            p.gpu.as_ref().map_or(String::new(), |g| g.name.clone()),
            p.gpu
                .as_ref()
                .map_or(String::new(), |g| number(g.power.range.value.0)),
            number(p.pue.range.value),
            number(p.intensity.range.value.0),
            if p.exclusive { "yes" } else { "no" }.to_string(),
            sources.join("; "),
        ]);
    }
    table
}
