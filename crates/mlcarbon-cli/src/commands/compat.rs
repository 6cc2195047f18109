//! `estimate --compat mlco2` and `--dataset mlco2`: the published calculator's data and arithmetic.

use anyhow::{Result, anyhow, bail};
use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition, Mlco2Gpu, Mlco2Region};
use mlcarbon_data::{Dataset, LookupError};
use mlcarbon_model::compat::{
    Mlco2Intensity, Mlco2Result, mlco2_cleanest_region, mlco2_estimate, mlco2_exact,
};
use mlcarbon_model::statement::human_number;
use serde::Serialize;

use crate::cli::{EstimateArgs, Format};
use crate::output::{Table, json};
use mlcarbon_model::report::mlco2_device_for;

fn find_device<'m>(data: &Dataset, mlco2: &'m Mlco2Dataset, name: &str) -> Result<&'m Mlco2Gpu> {
    match mlco2.find_gpu(name) {
        Ok(gpu) => Ok(gpu),
        Err(LookupError::Ambiguous { .. }) | Err(LookupError::NotFound { .. })
            if data
                .find_hardware(name)
                .ok()
                .and_then(|h| mlco2_device_for(mlco2, h))
                .is_some() =>
        {
            data.find_hardware(name)
                .ok()
                .and_then(|h| mlco2_device_for(mlco2, h))
                .ok_or_else(|| anyhow!("unknown device `{name}`"))
        }
        Err(e) => Err(anyhow!(
            "{e} (the published calculator lists {} devices; `mlcarbon hardware` shows which of ours it knows)",
            mlco2.gpus.len()
        )),
    }
}

fn find_region<'m>(
    mlco2: &'m Mlco2Dataset,
    provider: Option<&str>,
    region: &str,
) -> Result<&'m Mlco2Region> {
    let provider = provider.map(|p| match p.to_ascii_lowercase().as_str() {
        "ovhcloud" => "ovh".to_string(),
        "google" | "google cloud" | "google cloud platform" => "gcp".to_string(),
        "amazon" | "amazon web services" => "aws".to_string(),
        "microsoft" | "microsoft azure" => "azure".to_string(),
        other => other.to_string(),
    });
    if let Some(p) = &provider
        && !mlco2.regions.iter().any(|r| &r.provider == p)
    {
        let mut known: Vec<&str> = mlco2.regions.iter().map(|r| r.provider.as_str()).collect();
        known.dedup();
        bail!(
            "the published calculator has no provider `{p}`; it knows {}",
            known.join(", ")
        );
    }
    mlco2
        .find_region(provider.as_deref(), region)
        .map_err(|e| anyhow!("{e} in the published calculator's data"))
}

#[derive(Serialize)]
struct LowHigh {
    low: f64,
    high: f64,
}

#[derive(Serialize)]
struct CompatRange {
    emissions_kg: LowHigh,
    energy_kwh: LowHigh,
}

#[derive(Serialize)]
struct CompatProvenance {
    device_row: String,
    tdp_w: f64,
    region_row: Option<String>,
    impact_cell: Option<String>,
    impact_source: Option<String>,
    data: &'static str,
    license: &'static str,
}

#[derive(Serialize)]
struct CleanestReport {
    region: String,
    emissions_kg: f64,
    saving_kg: f64,
}

#[derive(Serialize)]
struct CompatReport {
    mlcarbon_version: &'static str,
    dataset: &'static str,
    mode: &'static str,
    device: String,
    tdp_w: f64,
    hours: f64,
    location: String,
    energy_kwh: f64,
    kg_per_kwh: f64,
    intensity_g_per_kwh: f64,
    emissions_kg: f64,
    offset_percent: f64,
    offset_kg: f64,
    pue: f64,
    range: CompatRange,
    provenance: CompatProvenance,
    cleanest_region: Option<CleanestReport>,
    notes: Vec<String>,
}

fn reject_unsupported(args: &EstimateArgs) -> Result<()> {
    let job = &args.job;
    let loc = &args.location;
    let conflicts = [
        (job.count != 1, "--count (it has one device only)"),
        (
            job.utilization.is_some(),
            "--utilization (it assumes 100 % of TDP)",
        ),
        (
            job.cpu.is_some() || job.ram_gb.is_some(),
            "--cpu/--ram-gb (it counts the accelerator only)",
        ),
        (job.energy_kwh.is_some(), "--energy-kwh"),
        (loc.pue.is_some(), "--pue (it has no PUE)"),
        (
            loc.zone.is_some(),
            "--zone (it knows cloud regions and custom intensities only)",
        ),
    ];
    if let Some((_, flag)) = conflicts.iter().find(|(bad, _)| *bad) {
        bail!(
            "the published calculator has no {flag}; drop it or leave out --compat/--dataset mlco2"
        );
    }
    Ok(())
}

pub fn run(
    data: &Dataset,
    args: &EstimateArgs,
    edition: Mlco2Edition,
    rounding: bool,
) -> Result<String> {
    reject_unsupported(args)?;
    let mlco2 = Mlco2Dataset::builtin(edition)?;
    let Some(name) = &args.job.hardware else {
        bail!(
            "missing --hardware: a device of the published calculator, e.g. --hardware \"Tesla V100-PCIE-16GB\""
        );
    };
    let Some(hours) = args.job.hours else {
        bail!("missing --hours: how long the job runs, e.g. --hours 100");
    };
    let gpu = find_device(data, &mlco2, name)?;
    let loc = &args.location;
    let (result, row) = match (&loc.region, loc.intensity) {
        (Some(region), None) => {
            let row = find_region(&mlco2, loc.provider.as_deref(), region)?;
            let result = if rounding {
                mlco2_estimate(&gpu.name, gpu.tdp_watts, hours, Mlco2Intensity::Region(row))?
            } else {
                mlco2_exact(&gpu.name, gpu.tdp_watts, hours, row)?
            };
            (result, Some(row))
        }
        (None, Some(g)) => {
            let offset_percent = loc.offset_percent.unwrap_or(0.0);
            let result = mlco2_estimate(
                &gpu.name,
                gpu.tdp_watts,
                hours,
                Mlco2Intensity::Custom {
                    g_per_kwh: g,
                    offset_percent,
                },
            )?;
            let result = if rounding {
                result
            } else {
                let kwh = gpu.tdp_watts * hours / 1000.0;
                let kg = kwh * g / 1000.0;
                Mlco2Result {
                    kwh,
                    kg,
                    offset_kg: kg * offset_percent / 100.0,
                    ..result
                }
            };
            (result, None)
        }
        (None, None) if loc.provider.is_some() => {
            bail!("missing --region: the published calculator needs a region of the provider")
        }
        _ => bail!("missing location: give --provider P --region R or --intensity G (g/kWh)"),
    };
    let cleanest = row.and_then(|row| {
        let best = if rounding {
            mlco2_cleanest_region(&mlco2, &row.provider, &gpu.name, gpu.tdp_watts, hours)
                .map(|(r, res)| (r.label(), res.kg))
        } else {
            mlco2
                .provider_regions(&row.provider)
                .filter_map(|r| {
                    mlco2_exact(&gpu.name, gpu.tdp_watts, hours, r)
                        .ok()
                        .map(|res| (r.label(), res.kg))
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
        };
        best.map(|(region, kg)| CleanestReport {
            region,
            emissions_kg: kg,
            saving_kg: result.kg - kg,
        })
    });
    let mut notes = vec![format!(
        "{}: its data ({}) and arithmetic{}; no device count, no PUE, 100 % of TDP",
        if rounding {
            "--compat mlco2".to_string()
        } else {
            format!("--dataset {}", edition.dataset_name())
        },
        edition.description(),
        if rounding {
            " (parseInt of g/kWh, every step rounded to 0.01 as JavaScript toFixed does)"
        } else {
            ", exact (no truncation or rounding)"
        }
    )];
    notes.push(
        "run without --compat/--dataset for mlcarbon's current data, PUE, utilization and ranges"
            .to_string(),
    );
    let report = CompatReport {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        dataset: edition.dataset_name(),
        mode: if rounding { "compat-mlco2" } else { "exact" },
        device: gpu.name.clone(),
        tdp_w: gpu.tdp_watts,
        hours,
        location: result.location.clone(),
        energy_kwh: result.kwh,
        kg_per_kwh: result.kg_per_kwh,
        intensity_g_per_kwh: result.impact_g_per_kwh,
        emissions_kg: result.kg,
        offset_percent: result.offset_percent,
        offset_kg: result.offset_kg,
        pue: 1.0,
        range: CompatRange {
            emissions_kg: LowHigh {
                low: result.kg,
                high: result.kg,
            },
            energy_kwh: LowHigh {
                low: result.kwh,
                high: result.kwh,
            },
        },
        provenance: CompatProvenance {
            device_row: gpu.name.clone(),
            tdp_w: gpu.tdp_watts,
            region_row: row.map(Mlco2Region::label),
            impact_cell: row.map(|r| r.impact_text.clone()),
            impact_source: row.map(|r| r.source.clone()),
            data: edition.description(),
            license: "MIT (mlco2/impact)",
        },
        cleanest_region: cleanest,
        notes,
    };
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

fn human(r: &CompatReport) -> String {
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
