//! Stored runs: `mlcarbon runs`, `show` and `export`.

use anyhow::{Result, bail};
use mlcarbon_data::Dataset;
use mlcarbon_model::statement::{human_energy, human_mass, human_number};
use mlcarbon_store::{ComponentRecord, RunFilter, RunRecord, export};

use crate::cli::{ExportArgs, ExportFormat, RunsArgs, ShowArgs, TableFormat};
use crate::clock;
use crate::db::{find_run, open_store};
use crate::output::{Table, json};
use crate::render::{sparkline, summary};

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
            r.project.clone(),
            human_energy(r.energy_kwh),
            human_mass(r.emissions_kg),
            r.command.join(" "),
        ]);
    }
    match args.format {
        TableFormat::Json => json(&runs),
        TableFormat::Csv => Ok(export::runs_csv(&runs)?),
        TableFormat::Markdown => Ok(t.markdown()),
        TableFormat::Human if runs.is_empty() => {
            Ok("No runs stored yet: `mlcarbon run -- CMD` tracks one.\n".to_string())
        }
        TableFormat::Human => Ok(t.human()),
    }
}

pub fn show(data: &Dataset, args: &ShowArgs) -> Result<String> {
    let (store, _) = open_store(args.db.as_deref())?;
    let run = find_run(&store, &args.run)?;
    let components = store.components(run.id)?;
    let samples = store.samples(run.id)?;
    if args.format == TableFormat::Json {
        #[derive(serde::Serialize)]
        struct Shown<'a> {
            run: &'a RunRecord,
            components: &'a [ComponentRecord],
            samples: usize,
        }
        return json(&Shown {
            run: &run,
            components: &components,
            samples: samples.len(),
        });
    }
    let mut out = summary(data, &run, &components)?;
    let power: Vec<f64> = samples.iter().map(|s| s.total_power_w).collect();
    if !power.is_empty() {
        let peak = power.iter().cloned().fold(0.0, f64::max);
        out.push_str(&format!(
            "  power      {}  (peak {} W, {} samples)\n",
            sparkline(&power, 60),
            human_number(peak),
            samples.len()
        ));
    }
    out.push_str(&format!(
        "  command    {}\n  started    {}  pid {} on {}\n  project    {}{}\n  uuid       {}\n",
        run.command.join(" "),
        run.started_at,
        run.pid,
        run.hostname,
        run.project,
        if run.tags.is_empty() {
            String::new()
        } else {
            format!("  tags {}", run.tags.join(", "))
        },
        run.uuid
    ));
    if let Some(code) = run.exit_code {
        out.push_str(&format!("  exit code  {code}\n"));
    }
    Ok(out.trim_start().to_string())
}

pub fn export(args: &ExportArgs) -> Result<String> {
    let (store, _) = open_store(args.db.as_deref())?;
    let runs: Vec<RunRecord> = if args.all {
        let mut all = store.runs(&RunFilter::default())?;
        all.reverse(); // oldest first, as a log grows
        all
    } else if args.runs.is_empty() {
        bail!("name the runs to export (ids, `last`, uuid prefixes) or give --all");
    } else {
        args.runs
            .iter()
            .map(|r| find_run(&store, r))
            .collect::<Result<_>>()?
    };
    if args.samples {
        let [run] = runs.as_slice() else {
            bail!("--samples exports the samples of one run; name exactly one");
        };
        let samples = store.samples(run.id)?;
        return Ok(match args.format {
            ExportFormat::Jsonl | ExportFormat::Json => export::samples_jsonl(&samples)?,
            ExportFormat::Csv | ExportFormat::Codecarbon => export::samples_csv(&samples)?,
        });
    }
    Ok(match args.format {
        ExportFormat::Codecarbon => export::codecarbon_csv(&runs)?,
        ExportFormat::Csv => export::runs_csv(&runs)?,
        ExportFormat::Json => export::runs_json(&runs)?,
        ExportFormat::Jsonl => export::runs_jsonl(&runs)?,
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
