//! Stored runs: `mlcarbon runs`, `show` and `export`.

use std::io::Write;

use anyhow::{Result, bail};
use mlcarbon_data::Dataset;
use mlcarbon_model::format::{common_scale, energy_scale, mass_scale};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::statement::human_number;
use mlcarbon_store::export::{RunsFormat, RunsWriter, SamplesFormat, SamplesWriter};
use mlcarbon_store::{ComponentRecord, Order, RunFilter, RunRecord, StoreError, export};

use crate::cli::{ExportArgs, ExportFormat, RunsArgs, ShowArgs, TableFormat};
use crate::clock;
use crate::db::{find_run, open_store};
use crate::output::{Table, json, printable};
use crate::render::{sparkline, summary};

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
    ]
    .into_iter()
    .filter_map(|(flag, value)| value.map(|v| format!("--{flag} {}", printable(v))))
    .collect();
    (!given.is_empty()).then(|| given.join(" "))
}

pub fn list(args: &RunsArgs) -> Result<String> {
    let (store, _) = open_store(args.db.as_deref())?;
    let runs = store.runs(&RunFilter {
        project: args.project.clone(),
        experiment: None,
        tag: args.tag.clone(),
        since: args.since.as_deref().map(mlcarbon_time::since_bound),
        until: args.until.as_deref().map(mlcarbon_time::until_bound),
        status: args.status,
        limit: Some(args.limit),
    })?;
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
        TableFormat::Human if runs.is_empty() => Ok(match filters(args) {
            Some(filters) => format!("No runs match {filters}.\n"),
            None => "No runs stored yet: `mlcarbon run -- CMD` tracks one.\n".to_string(),
        }),
        TableFormat::Human => Ok(t.human()),
    }
}

pub fn show(data: &Dataset, args: &ShowArgs) -> Result<String> {
    let (store, _) = open_store(args.db.as_deref())?;
    let run = find_run(&store, &args.run)?;
    let components = store.components(run.id)?;
    if args.format == TableFormat::Json {
        #[derive(serde::Serialize)]
        struct Shown<'a> {
            run: &'a RunRecord,
            components: &'a [ComponentRecord],
            samples: u64,
        }
        return json(&Shown {
            run: &run,
            components: &components,
            samples: run.samples,
        });
    }
    let mut out = summary(data, &run, &components)?;
    // Downsampled by the database: a run of a million samples draws in milliseconds.
    let power = store.power_series(run.id, SPARKLINE_WIDTH)?;
    if !power.points.is_empty() {
        let means: Vec<f64> = power.points.iter().map(|p| p.mean_w).collect();
        // Every migrated run has its peak; the means' highest is the next best thing.
        let peak = power
            .peak_w
            .unwrap_or_else(|| means.iter().copied().fold(0.0, f64::max));
        out.push_str(&format!(
            "  power      {}  (peak {} W, {} samples)\n",
            sparkline(&means, SPARKLINE_WIDTH),
            human_number(peak),
            power.samples
        ));
    }
    out.push_str(&format!(
        "  command    {}\n  started    {}  pid {} on {}\n  project    {}{}\n  uuid       {}\n",
        printable(&run.command.join(" ")),
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
    Ok(out.trim_start().to_string())
}

/// Writes the export to `out` as the database hands out runs or samples: memory stays
/// constant whatever the number of runs or samples.
pub fn export(args: &ExportArgs, out: &mut dyn Write) -> Result<()> {
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
    let mut writer = RunsWriter::new(format, out)?;
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
