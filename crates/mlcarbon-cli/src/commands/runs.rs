//! Stored runs: `mlcarbon runs`, `show` and `export`.

use std::io::Write;

use anyhow::{Result, bail};
use mlcarbon_data::Dataset;
use mlcarbon_model::format::{common_scale, energy_scale, mass_scale};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::statement::{human_energy, human_mass, human_number};
use mlcarbon_store::export::{RunsFormat, RunsWriter, SamplesFormat, SamplesWriter};
use mlcarbon_store::{
    JobTotal, Order, RunDetail, RunFilter, RunRecord, RunWindow, Store, StoreError, export,
};

use crate::cli::{ExportArgs, ExportFormat, JobsArgs, RunsArgs, ShowArgs, TableFormat};
use crate::clock;
use crate::db::{find_run, open_store};
use crate::output::{Table, count, json, printable};
use crate::render::{sparkline, summary};
use crate::team::{Asked, Source, source};
use mlcarbon_track::push::ServerUrl;

/// Points of the power sparkline of `show`, one per character.
const SPARKLINE_WIDTH: usize = 60;

/// The filters given, as typed (`--project p --status failed`), for "No runs match …".
fn filters(args: &RunsArgs) -> Option<String> {
    let given: Vec<String> = [
        ("project", args.project.as_deref()),
        ("tag", args.tag.as_deref()),
        ("since", args.since.as_deref()),
        ("until", args.until.as_deref()),
        ("status", args.status.map(|s| s.as_str())),
        ("job", args.job.as_deref()),
    ]
    .into_iter()
    .filter_map(|(flag, value)| value.map(|v| format!("--{flag} {}", printable(v))))
    .collect();
    (!given.is_empty()).then(|| given.join(" "))
}

pub fn list(args: &RunsArgs) -> Result<String> {
    let filter = RunFilter {
        project: args.project.clone(),
        experiment: None,
        tag: args.tag.clone(),
        since: args.since.as_deref().map(mlcarbon_time::since_bound),
        until: args.until.as_deref().map(mlcarbon_time::until_bound),
        status: args.status,
        job_key: args.job.clone(),
        limit: Some(args.limit),
        ..RunFilter::default()
    };
    let (runs, team) = match source(args.db.as_deref(), &args.team)? {
        Source::Local(store) => (store.runs(&filter)?, None),
        Source::Team(team) => match team.reader.runs(&filter) {
            Ok(runs) => (runs, Some(team)),
            Err(e) => return Err(team.explain(e, Asked::List)),
        },
    };
    let mut t = Table::new(&[
        ("id", true),
        ("started", false),
        ("duration", true),
        ("status", false),
        ("project", false),
        ("energy", true),
        ("CO2e", true),
        ("command", false),
    ]);
    let energy = common_scale(runs.iter().map(|r| r.energy_kwh), energy_scale);
    let mass = common_scale(runs.iter().map(|r| r.emissions_kg), mass_scale);
    for r in &runs {
        t.push(vec![
            r.id.to_string(),
            r.started_at
                .chars()
                .take(19)
                .collect::<String>()
                .replace('T', " "),
            clock::duration(r.elapsed_s()),
            r.status.to_string(),
            printable(&r.project).into_owned(),
            energy.show(r.energy_kwh, Lang::En),
            mass.show(r.emissions_kg, Lang::En),
            printable(&r.command.join(" ")).into_owned(),
        ]);
    }
    match args.format {
        TableFormat::Json => json(&runs),
        TableFormat::Csv => Ok(export::runs_csv(&runs)?),
        TableFormat::Markdown => Ok(t.markdown()),
        TableFormat::Human if runs.is_empty() => Ok(match (filters(args), team) {
            (Some(filters), _) => format!("No runs match {filters}.\n"),
            (None, Some(team)) => format!(
                "No runs visible on the team server {} (a token sees its teams' projects): `mlcarbon run --server {} -- CMD` sends one there.\n",
                team.server(),
                team.server()
            ),
            (None, None) => "No runs stored yet: `mlcarbon run -- CMD` tracks one.\n".to_string(),
        }),
        TableFormat::Human => Ok(t.human()),
    }
}

/// `mlcarbon jobs`: the distributed jobs, newest first, each host counted once.
pub fn jobs(args: &JobsArgs) -> Result<String> {
    let (jobs, team) = match source(args.db.as_deref(), &args.team)? {
        Source::Local(store) => (store.jobs(args.limit)?, None),
        Source::Team(team) => match team.reader.jobs(args.limit) {
            Ok(jobs) => (jobs, Some(team)),
            Err(e) => return Err(team.explain(e, Asked::List)),
        },
    };
    let mut t = Table::new(&[
        ("job", false),
        ("status", false),
        ("started", false),
        ("hosts", true),
        ("runs", true),
        ("energy", true),
        ("CO2e", true),
    ]);
    let energy = common_scale(jobs.iter().map(|j| j.energy_kwh), energy_scale);
    let mass = common_scale(jobs.iter().map(|j| j.emissions_kg), mass_scale);
    for job in &jobs {
        t.push(vec![
            printable(&job.job_key).into_owned(),
            job.status.to_string(),
            started(&job.started_at),
            job.nodes.len().to_string(),
            job.runs.to_string(),
            energy.show(job.energy_kwh, Lang::En),
            mass.show(job.emissions_kg, Lang::En),
        ]);
    }
    match args.format {
        TableFormat::Json => json(&jobs),
        TableFormat::Csv => t.csv(),
        TableFormat::Markdown => Ok(t.markdown()),
        TableFormat::Human if jobs.is_empty() => Ok(format!(
            "No distributed jobs {}: runs join one with `mlcarbon run --job ID -- CMD` on each host, or under Slurm or torchrun by themselves.\n",
            match &team {
                Some(team) => format!("on the team server {}", team.server()),
                None => "stored".to_string(),
            }
        )),
        TableFormat::Human => Ok(t.human()),
    }
}

fn started(text: &str) -> String {
    text.chars().take(19).collect::<String>().replace('T', " ")
}

/// A job's total from the local database's runs of it.
fn local_job(store: &Store, key: &str) -> Result<JobTotal> {
    let runs = store.runs(&RunFilter {
        job_key: Some(key.to_string()),
        ..RunFilter::default()
    })?;
    match JobTotal::from_runs(key, &runs) {
        Some(job) => Ok(job),
        None => bail!(
            "no job `{}` in the database; `mlcarbon jobs` lists the stored ones",
            printable(key)
        ),
    }
}

/// `show job:KEY`: a job's total, each host and how it was counted, its runs.
fn show_job(job: &JobTotal, format: TableFormat) -> Result<String> {
    if format == TableFormat::Json {
        return json(job);
    }
    let mut out = format!(
        "job {}: {} CO2e, {} ({}), {}, {}, world size {}\n  started    {}{}\n",
        printable(&job.job_key),
        human_mass(job.emissions_kg),
        human_energy(job.energy_kwh),
        job.status,
        count(job.nodes.len() as u64, "host", "hosts"),
        count(job.runs as u64, "run", "runs"),
        job.world_size,
        started(&job.started_at),
        job.ended_at
            .as_deref()
            .map(|end| format!(", ended {}", started(end)))
            .unwrap_or_default(),
    );
    let mut hosts = Table::new(&[
        ("host", false),
        ("counted as", false),
        ("energy", true),
        ("CO2e", true),
        ("runs", false),
        ("ranks", false),
    ]);
    let energy = common_scale(job.nodes.iter().map(|n| n.energy_kwh), energy_scale);
    let mass = common_scale(job.nodes.iter().map(|n| n.emissions_kg), mass_scale);
    for node in &job.nodes {
        let list = |items: Vec<String>| items.join(",");
        hosts.push(vec![
            printable(&node.host).into_owned(),
            node.counted_as.to_string(),
            energy.show(node.energy_kwh, Lang::En),
            mass.show(node.emissions_kg, Lang::En),
            list(node.run_ids.iter().map(i64::to_string).collect()),
            list(node.ranks.iter().map(u32::to_string).collect()),
        ]);
    }
    out.push_str(&hosts.human());
    out.push_str(
        "Each host counts once: its machine-wide run, else its runs' process shares; links count nothing.\n",
    );
    Ok(out)
}

/// The job and windows lines of `show` for a run (read from `server`, when one is given).
fn job_and_windows(run: &RunRecord, windows: &[RunWindow], server: Option<&ServerUrl>) -> String {
    let mut out = String::new();
    if let Some(key) = &run.placement.job_key {
        let rank = match (run.placement.rank, run.placement.world_size) {
            (Some(rank), Some(world)) => format!(", rank {rank} of {world}"),
            (Some(rank), None) => format!(", rank {rank}"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  job        {}{rank}; counts {} (`mlcarbon show job:{}{}`)\n",
            printable(key),
            run.attribution,
            printable(key),
            server.map(|s| format!(" --server {s}")).unwrap_or_default()
        ));
    } else if run.attribution != mlcarbon_store::Attribution::Machine {
        out.push_str(&format!("  counts     {}\n", run.attribution));
    }
    for window in windows {
        out.push_str(&format!(
            "  window     {}: {} CO2e, {} ({} → {})\n",
            printable(&window.name),
            human_mass(window.emissions_kg),
            human_energy(window.energy_kwh),
            clock::duration(window.start_t_s),
            clock::duration(window.end_t_s)
        ));
    }
    out
}

pub fn show(data: &Dataset, args: &ShowArgs) -> Result<String> {
    let source = source(args.db.as_deref(), &args.team)?;
    if let Some(key) = args.run.strip_prefix("job:") {
        let job = match &source {
            Source::Local(store) => local_job(store, key)?,
            Source::Team(team) => team
                .reader
                .job(key)
                .map_err(|e| team.explain(e, Asked::Job(key)))?,
        };
        return show_job(&job, args.format);
    }
    let detail = match &source {
        Source::Local(store) => {
            let run = find_run(store, &args.run)?;
            RunDetail {
                components: store.components(run.id)?,
                windows: store.windows(run.id)?,
                samples: run.samples,
                run,
            }
        }
        Source::Team(team) => team
            .reader
            .run(&args.run)
            .map_err(|e| team.explain(e, Asked::Run))?,
    };
    if args.format == TableFormat::Json {
        return json(&detail);
    }
    let RunDetail {
        run,
        components,
        windows,
        ..
    } = &detail;
    let mut out = summary(data, run, components)?;
    // Downsampled by the database: a run of a million samples draws in milliseconds.
    let power = match &source {
        Source::Local(store) => store.power_series(run.id, SPARKLINE_WIDTH)?,
        // By the server's id of the run found, not by what was typed (`last` may have moved).
        Source::Team(team) => team
            .reader
            .power(&run.id.to_string(), SPARKLINE_WIDTH)
            .map_err(|e| team.explain(e, Asked::Run))?,
    };
    if !power.points.is_empty() {
        let means: Vec<f64> = power.points.iter().map(|p| p.mean_w).collect();
        // Every migrated run has its peak; the means' highest is the next best thing.
        let peak = power
            .peak_w
            .unwrap_or_else(|| means.iter().copied().fold(0.0, f64::max));
        out.push_str(&format!(
            "  power      {}  (peak {} W, {})\n",
            sparkline(&means, SPARKLINE_WIDTH),
            human_number(peak),
            count(power.samples, "sample", "samples")
        ));
    }
    let command = if run.command.is_empty() && matches!(source, Source::Team(_)) {
        // The API empties command lines (they can hold secrets) for requests without a token
        // it accepts.
        "(hidden by the server: shown to requests with a token it accepts)".to_string()
    } else {
        printable(&run.command.join(" ")).into_owned()
    };
    out.push_str(&format!(
        "  command    {}\n  started    {}  pid {} on {}\n  project    {}{}\n  uuid       {}\n",
        command,
        printable(&run.started_at),
        run.pid,
        printable(&run.hostname),
        printable(&run.project),
        if run.tags.is_empty() {
            String::new()
        } else {
            format!("  tags {}", printable(&run.tags.join(", ")))
        },
        printable(&run.uuid)
    ));
    if let Some(code) = run.exit_code {
        out.push_str(&format!("  exit code  {code}\n"));
    }
    let team = match &source {
        Source::Local(_) => None,
        Source::Team(team) => Some(team.server()),
    };
    out.push_str(&job_and_windows(run, windows, team));
    Ok(out.trim_start().to_string())
}

/// Writes the export to `out` as the database hands out runs or samples: memory stays
/// constant whatever the number of runs or samples.
pub fn export(data: &Dataset, args: &ExportArgs, out: &mut dyn Write) -> Result<()> {
    let (store, _) = open_store(args.db.as_deref())?;
    let named: Vec<RunRecord> = if args.all {
        Vec::new()
    } else if args.runs.is_empty() {
        bail!("name the runs to export (ids, `last`, uuid prefixes) or give --all");
    } else {
        args.runs
            .iter()
            .map(|r| find_run(&store, r))
            .collect::<Result<_>>()?
    };
    if args.samples {
        let [run] = named.as_slice() else {
            bail!("--samples exports the samples of one run; name exactly one");
        };
        let format = match args.format {
            ExportFormat::Jsonl | ExportFormat::Json => SamplesFormat::Jsonl,
            ExportFormat::Csv | ExportFormat::Codecarbon => SamplesFormat::Csv,
        };
        let keys = store
            .components(run.id)?
            .into_iter()
            .map(|c| c.key)
            .collect();
        let mut writer = SamplesWriter::new(format, keys, out)?;
        store.each_sample(run.id, |sample| writer.write(&sample))?;
        writer.finish()?;
        return Ok(());
    }
    let format = match args.format {
        ExportFormat::Codecarbon => RunsFormat::Codecarbon,
        ExportFormat::Csv => RunsFormat::Csv,
        ExportFormat::Json => RunsFormat::Json,
        ExportFormat::Jsonl => RunsFormat::Jsonl,
    };
    let mut writer = RunsWriter::new(format, out)?.with_wue(export::published_wue(data));
    if args.all {
        // Oldest first, as a log grows.
        store.each_run(&RunFilter::default(), Order::OldestFirst, |run| {
            writer.write(&run)
        })?;
    } else {
        for run in &named {
            writer.write(run)?;
        }
    }
    writer.finish()?;
    Ok(())
}

/// Whether an export failed only because its reader went away (`| head`): a quiet end, as
/// for every other command's output.
pub fn is_closed_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        let io = cause.downcast_ref::<std::io::Error>().or_else(|| {
            match cause.downcast_ref::<StoreError>() {
                Some(StoreError::Write(io)) => Some(io),
                _ => None,
            }
        });
        io.is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparkline_scales_to_the_peak() {
        assert_eq!(sparkline(&[0.0, 50.0, 100.0], 3), "▁▅█");
        assert_eq!(sparkline(&[], 10), "");
        assert_eq!(sparkline(&[1.0; 100], 10).chars().count(), 10);
    }
}
