//! Stored runs: `mlcarbon runs`, `show`, `export`, the summary after a run, and the model inputs
//! of a measured run (for `statement --run`).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use mlcarbon_data::Dataset;
use mlcarbon_model::compare;
use mlcarbon_model::statement::{human_energy, human_mass, human_number};
use mlcarbon_model::{Job, Location, estimate};
use mlcarbon_store::{
    ComponentRecord, IntensityOrigin, Method, RunFilter, RunRecord, RunStatus, Store, export,
};

use crate::cli::{ExportArgs, ExportFormat, RunsArgs, ShowArgs, TableFormat};
use crate::output::{Table, json};
use crate::render::{embodied_line, prediction_text};
use crate::{clock, env};
use mlcarbon_model::predict::Prediction;
use mlcarbon_model::report::EmbodiedReport;
use mlcarbon_web::measured_run;

/// The intensity a run's emissions imply (see `MeasuredRun::effective_intensity`).
pub fn effective_intensity(run: &RunRecord) -> f64 {
    measured_run(run).effective_intensity()
}

/// Embodied emissions of a tracked run (see `MeasuredRun::embodied`).
pub fn run_embodied(data: &Dataset, run: &RunRecord) -> Result<EmbodiedReport> {
    Ok(measured_run(run).embodied(data)?)
}

/// The prediction of a stored run from its progress (see `MeasuredRun::prediction`).
pub fn run_prediction(run: &RunRecord) -> Option<Prediction> {
    measured_run(run).prediction()
}

/// The runs database: `--db`, else `$MLCARBON_DB`, else the XDG data dir.
pub fn db_path(flag: Option<&Path>) -> Result<PathBuf> {
    match flag {
        Some(path) => Ok(path.to_path_buf()),
        None => env::default_db().ok_or_else(|| {
            anyhow!(
                "no place for the runs database: set --db PATH or {} (HOME is not set)",
                env::DB
            )
        }),
    }
}

pub fn open_store(flag: Option<&Path>) -> Result<(Store, PathBuf)> {
    let path = db_path(flag)?;
    let store = Store::open(&path).with_context(|| format!("runs database {}", path.display()))?;
    Ok((store, path))
}

/// A run named by id, `last`, or a uuid prefix.
pub fn find_run(store: &Store, name: &str) -> Result<RunRecord> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("last") || name.eq_ignore_ascii_case("latest") {
        return store
            .latest_run()?
            .ok_or_else(|| anyhow!("no runs stored yet; track one with `mlcarbon run -- CMD`"));
    }
    if let Ok(id) = name.parse::<i64>() {
        return store
            .run(id)
            .map_err(|_| anyhow!("no run {id}; `mlcarbon runs` lists them"));
    }
    let lower = name.to_lowercase();
    let matches: Vec<RunRecord> = store
        .runs(&RunFilter::default())?
        .into_iter()
        .filter(|r| r.uuid.starts_with(&lower))
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().expect("one match")),
        0 => bail!(
            "no run `{name}`: give a run id, `last`, or the start of a uuid (`mlcarbon runs` lists them)"
        ),
        n => bail!("`{name}` starts {n} run uuids; give more of it or the run id"),
    }
}

/// A measured run as model inputs: its IT energy, and its location's figures as stored.
pub fn run_as_job(run: &RunRecord) -> (Job, Location) {
    measured_run(run).job_and_location()
}

fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() {
        return String::new();
    }
    let buckets = width.min(values.len()).max(1);
    let means: Vec<f64> = (0..buckets)
        .map(|b| {
            let start = b * values.len() / buckets;
            let end = ((b + 1) * values.len() / buckets).max(start + 1);
            values[start..end].iter().sum::<f64>() / (end - start) as f64
        })
        .collect();
    let max = means.iter().cloned().fold(0.0, f64::max);
    means
        .iter()
        .map(|v| {
            if max <= 0.0 {
                BARS[0]
            } else {
                BARS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

/// The text shown after a run and by `show`.
pub fn summary(data: &Dataset, run: &RunRecord, components: &[ComponentRecord]) -> Result<String> {
    summary_with(data, run, components, None)
}

/// The summary, with the live prediction of the tracker (its range comes from the progress
/// reports seen during the run) when there is one.
pub fn summary_with(
    data: &Dataset,
    run: &RunRecord,
    components: &[ComponentRecord],
    live: Option<&Prediction>,
) -> Result<String> {
    let mut out = format!(
        "\nmlcarbon run {} — {} in {} — {}\n",
        run.id,
        clock::duration(run.elapsed_s()),
        run.location_label,
        run.status
    );
    let mut t = Table::new(&[
        ("  component", false),
        ("how", false),
        ("mean power", true),
        ("energy", true),
    ]);
    for c in components {
        t.push(vec![
            format!("  {}", c.label),
            c.method.label().to_string(),
            format!("{} W", human_number(c.mean_power_w)),
            human_energy(c.energy_kwh),
        ]);
    }
    out.push_str(&t.human());
    let (job, location) = run_as_job(run);
    let result = estimate(&job, &location);
    out.push_str(&format!(
        "  energy     {} (IT {} × PUE {:.2})\n  emissions  {} CO2e at {} g CO2e/kWh ({})\n",
        human_energy(run.energy_kwh),
        human_energy(run.it_energy_kwh()),
        run.pue,
        human_mass(run.emissions_kg),
        human_number(effective_intensity(run)),
        if run.intensity_origin == IntensityOrigin::Profile {
            "mean of the samples, each at its hour's intensity from the profile"
        } else {
            run.intensity_origin.as_str()
        }
    ));
    if let Ok(embodied) = run_embodied(data, run)
        && !embodied.parts.is_empty()
    {
        out.push_str(&format!("  embodied   {}\n", embodied_line(&embodied)));
    }
    // A prediction matters while a run goes on, or for one cut short.
    if run.status != RunStatus::Finished
        && let Some(p) = run.progress
    {
        let computed = run_prediction(run);
        match live.or(computed.as_ref()) {
            Some(prediction) => out.push_str(&format!(
                "  progress   {:.0} % reported; {}\n",
                p * 100.0,
                prediction_text(prediction)
            )),
            None => {
                if let (Some(kwh), Some(kg)) =
                    (run.predicted_energy_kwh, run.predicted_emissions_kg)
                {
                    out.push_str(&format!(
                        "  progress   {:.0} % reported; at completion ~{}, {} CO2e\n",
                        p * 100.0,
                        human_energy(kwh),
                        human_mass(kg)
                    ));
                }
            }
        }
    }
    if components.iter().any(|c| c.method == Method::Model) {
        out.push_str("  Modelled parts are estimates from rated power; measured parts come from counters or power readings.\n");
    }
    if run.intensity_origin == IntensityOrigin::Defaulted {
        out.push_str("  The grid intensity is the world average: set your location with `mlcarbon config set zone XX`.\n");
    }
    if run.energy_kwh > 0.0 {
        let mut options = compare::cleanest_per_provider(data, &job, &result)?;
        options.retain(|a| a.saving.0 > 0.0);
        if let Some(best) = options.first() {
            out.push_str(&format!(
                "  Greener: the same energy in {} would emit {} ({:.0} % less); `mlcarbon compare --energy-kwh {} --zone ...` for more.\n",
                best.label,
                human_mass(best.estimate.emissions.value.0),
                best.saving_percent,
                human_number(run.it_energy_kwh())
            ));
        }
    }
    Ok(out)
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
