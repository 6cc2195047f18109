//! `estimate --compat mlco2` and `--dataset mlco2`: the published calculator's data and arithmetic.

use anyhow::{Result, anyhow};
use mlcarbon_data::Dataset;
use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition};
use mlcarbon_model::mlco2_report::{Mlco2Report, mlco2_report};
use mlcarbon_model::statement::human_number;

use crate::cli::{EstimateArgs, Format};
use crate::inputs::estimate_request;
use crate::output::{Table, json};

pub fn run(
    data: &Dataset,
    args: &EstimateArgs,
    edition: Mlco2Edition,
    rounding: bool,
) -> Result<String> {
    let mlco2 = Mlco2Dataset::builtin(edition)?;
    let request = estimate_request(&args.job, &args.location);
    let report = mlco2_report(data, &mlco2, &request, rounding).map_err(|e| anyhow!(e.message))?;
    match args.format {
        Format::Json => json(&report),
        Format::Csv => {
            let mut t = Table::new(&[
                ("device", false),
                ("hours", true),
                ("location", false),
                ("energy_kwh", true),
                ("kg_per_kwh", true),
                ("emissions_kg", true),
                ("offset_kg", true),
            ]);
            t.push(vec![
                report.device.clone(),
                report.hours.to_string(),
                report.location.clone(),
                report.energy_kwh.to_string(),
                report.kg_per_kwh.to_string(),
                report.emissions_kg.to_string(),
                report.offset_kg.to_string(),
            ]);
            t.csv()
        }
        _ => Ok(human(&report)),
    }
}

fn human(r: &Mlco2Report) -> String {
    let mut out = format!(
        "{} ({} W) for {} h on {} — {}\n\n",
        r.device,
        r.tdp_w,
        r.hours,
        r.location,
        if r.mode == "exact" {
            "the calculator's data, exact arithmetic"
        } else {
            "as the published ML Emissions Calculator computes it"
        }
    );
    out.push_str(&format!("  energy        {} kWh\n", r.energy_kwh));
    out.push_str(&format!(
        "  intensity     {} kg CO2eq/kWh ({} g/kWh{})\n",
        r.kg_per_kwh,
        r.intensity_g_per_kwh,
        r.provenance
            .impact_cell
            .as_ref()
            .map(|c| format!(", cell `{c}`"))
            .unwrap_or_default()
    ));
    out.push_str(&format!("  emissions     {} kg CO2eq\n", r.emissions_kg));
    out.push_str(&format!(
        "  offset        {} kg CO2eq ({} % offset by the provider)\n",
        r.offset_kg, r.offset_percent
    ));
    if let Some(c) = &r.cleanest_region {
        if c.saving_kg > 0.0 {
            out.push_str(&format!(
                "\n  Cleanest region of this provider: {} with {} kg CO2eq ({} kg less)\n",
                c.region,
                c.emissions_kg,
                human_number(c.saving_kg)
            ));
        } else {
            out.push_str(&format!(
                "\n  {} is already this provider's cleanest region.\n",
                r.location
            ));
        }
    }
    out.push('\n');
    for note in &r.notes {
        out.push_str(&format!("  {note}\n"));
    }
    out
}
