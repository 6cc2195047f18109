//! `mlcarbon compare`: the same job across regions, providers, zones or hardware.

use anyhow::{Result, bail};
use mlcarbon_data::{Dataset, Hardware};
use mlcarbon_model::compare::{self, Alternative};
use mlcarbon_model::statement::human_number;
use mlcarbon_model::{Hours, estimate};
use serde::Serialize;

use crate::cli::{CompareArgs, CompareBy, TableFormat};
use crate::commands::estimate::{OptionReport, REGION_CAVEAT};
use crate::inputs::{build_job, resolve_hardware, resolve_job, resolve_location};
use crate::output::{Table, json};

#[derive(Serialize)]
struct CompareReport {
    by: &'static str,
    baseline: OptionReport,
    assumption: Option<String>,
    alternatives: Vec<OptionReport>,
}

pub fn run(data: &Dataset, args: &CompareArgs) -> Result<String> {
    let job = resolve_job(data, &args.job)?;
    let location = resolve_location(data, &args.location)?;
    let baseline = estimate(&job.job, &location.location);
    let by = args.by.unwrap_or(if location.provider.is_some() {
        CompareBy::Regions
    } else {
        CompareBy::Zones
    });
    let (name, mut alternatives, assumption): (&str, Vec<Alternative>, Option<String>) = match by {
        CompareBy::Regions => {
            let Some(provider) = location.provider else {
                bail!(
                    "--by regions needs --provider/--region; use --by zones or --by providers without one"
                );
            };
            (
                "regions",
                compare::provider_regions(data, &job.job, &baseline, provider)?,
                None,
            )
        }
        CompareBy::Providers => (
            "providers",
            compare::cleanest_per_provider(data, &job.job, &baseline)?,
            None,
        ),
        CompareBy::Zones => (
            "zones",
            compare::cleanest_zones(
                data,
                &job.job,
                &baseline,
                &location.location.pue,
                args.limit,
                |_| true,
            )?,
            Some("the job's PUE is kept for every zone".to_string()),
        ),
        CompareBy::Hardware => {
            let Some(from) = job.hardware else {
                bail!("--by hardware needs --hardware");
            };
            let candidates: Vec<&Hardware> = if args.with_hardware.is_empty() {
                data.hardware
                    .iter()
                    .filter(|h| h.kind != mlcarbon_data::HardwareKind::Cpu)
                    .collect()
            } else {
                args.with_hardware
                    .iter()
                    .map(|n| resolve_hardware(data, n))
                    .collect::<Result<_>>()?
            };
            let alternatives = compare::other_hardware(
                &baseline,
                &location.location,
                from,
                job.hours,
                &candidates,
                |h, hours: Hours| {
                    build_job(data, &args.job, Some(h), hours).map_err(|e| {
                        mlcarbon_model::scenario::ScenarioError::Invalid(e.to_string())
                    })
                },
            )?;
            if alternatives.is_empty() {
                bail!(
                    "no other hardware has published throughput comparable with {}",
                    from.name
                );
            }
            (
                "hardware",
                alternatives,
                Some(
                    "same work: time scales inversely with peak dense throughput (the same count of devices, \
                     the same fraction of peak reached); energy per unit of work, not measured speed"
                        .to_string(),
                ),
            )
        }
    };
    alternatives.truncate(args.limit);
    let report = CompareReport {
        by: name,
        baseline: OptionReport {
            label: format!("{} in {}", job.description, location.location.label),
            provider: location.location.provider.clone(),
            region: location.location.region.clone(),
            zone: location.location.zone.clone(),
            hardware: job.hardware.map(|h| h.id.to_string()),
            hours: job.hours.0,
            emissions_kg: baseline.emissions.value.0,
            emissions_kg_low: baseline.emissions.low.0,
            emissions_kg_high: baseline.emissions.high.0,
            saving_kg: 0.0,
            saving_percent: 0.0,
            note: "your job".to_string(),
        },
        assumption,
        alternatives: alternatives.iter().map(OptionReport::from).collect(),
    };
    let mut t = Table::new(&[
        ("option", false),
        ("hours", true),
        ("kg CO2e", true),
        ("range", true),
        ("saves kg", true),
        ("saves %", true),
    ]);
    for o in &report.alternatives {
        t.push(vec![
            o.label.clone(),
            human_number(o.hours),
            human_number(o.emissions_kg),
            format!(
                "{}–{}",
                human_number(o.emissions_kg_low),
                human_number(o.emissions_kg_high)
            ),
            human_number(o.saving_kg),
            format!("{:.0}", o.saving_percent),
        ]);
    }
    match args.format {
        TableFormat::Json => json(&report),
        TableFormat::Csv => t.csv(),
        TableFormat::Markdown => Ok(t.markdown()),
        TableFormat::Human => {
            let mut out = format!(
                "Baseline: {} — {} kg CO2e (range {}–{})\nCompared by {name}",
                report.baseline.label,
                human_number(report.baseline.emissions_kg),
                human_number(report.baseline.emissions_kg_low),
                human_number(report.baseline.emissions_kg_high),
            );
            if let Some(a) = &report.assumption {
                out.push_str(&format!("; {a}"));
            }
            out.push_str("\n\n");
            out.push_str(&t.human());
            if matches!(
                by,
                CompareBy::Regions | CompareBy::Providers | CompareBy::Zones
            ) {
                out.push_str(&format!("\n{REGION_CAVEAT}\n"));
            }
            Ok(out)
        }
    }
}
