//! `mlcarbon compare`: the same job across regions, providers, zones or hardware.

use anyhow::{Result, anyhow};
use mlcarbon_data::Dataset;
use mlcarbon_model::format::{mass_scale, range_suffix};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::report::{self, compare_report};
use mlcarbon_model::statement::human_number;

use crate::cli::{CompareArgs, CompareBy, TableFormat};
use crate::inputs::resolve;
use crate::output::{Table, json};

pub fn run(data: &Dataset, args: &CompareArgs) -> Result<String> {
    let (request, resolved) = resolve(data, &args.job, &args.location)?;
    let by = args.by.map(|b| match b {
        CompareBy::Regions => report::CompareBy::Regions,
        CompareBy::Providers => report::CompareBy::Providers,
        CompareBy::Zones => report::CompareBy::Zones,
        CompareBy::Hardware => report::CompareBy::Hardware,
    });
    let report = compare_report(
        data,
        &request,
        &resolved,
        by,
        args.limit,
        &args.with_hardware,
        args.all_zones,
        &args.candidates,
    )
    .map_err(|e| anyhow!(e.message))?;
    let name = report.by;
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
            let baseline = mass_scale(report.baseline.emissions_kg);
            let mut out = format!(
                "Baseline: {} — {} CO2e{}\nCompared by {name}",
                report.baseline.label,
                baseline.show(report.baseline.emissions_kg, Lang::En),
                range_suffix(
                    baseline,
                    report.baseline.emissions_kg_low,
                    report.baseline.emissions_kg_high
                ),
            );
            if let Some(a) = &report.assumption {
                out.push_str(&format!("; {a}"));
            }
            out.push_str("\n\n");
            out.push_str(&t.human());
            if let Some(caveat) = report.caveat {
                out.push_str(&format!("\n{caveat}\n"));
            }
            Ok(out)
        }
    }
}
