//! The published calculator's answer for a request, as data: what `mlcarbon estimate --compat
//! mlco2 --format json` prints and `/api/estimate?compat=mlco2` answers, built in one place.

use crate::format::localize;
use crate::lang::{Lang, Msg, say};
use mlcarbon_data::Dataset;
use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Gpu, Mlco2Region};
use serde::Serialize;

use crate::compat::{
    Mlco2Intensity, Mlco2Result, mlco2_cleanest_region, mlco2_estimate, mlco2_exact,
};
use crate::report::mlco2_device_for;
use crate::request::{EstimateRequest, RequestError, validate};

#[derive(Debug, Clone, Serialize)]
pub struct Mlco2Provenance {
    pub device_row: String,
    pub tdp_w: f64,
    pub region_row: Option<String>,
    pub impact_cell: Option<String>,
    pub impact_source: Option<String>,
    pub data: &'static str,
    pub license: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CleanestRegion {
    pub region: String,
    pub emissions_kg: f64,
    pub saving_kg: f64,
}

/// The published calculator's figure for one job (docs/cli.md, `--compat mlco2`).
#[derive(Debug, Clone, Serialize)]
pub struct Mlco2Report {
    pub mlcarbon_version: &'static str,
    pub dataset: &'static str,
    /// `compat-mlco2` (its arithmetic) or `exact` (its data, exact arithmetic).
    pub mode: &'static str,
    pub device: String,
    pub tdp_w: f64,
    pub hours: f64,
    pub location: String,
    pub energy_kwh: f64,
    /// The calculator gives no range: both ends equal the value (the layout of every report).
    pub energy_kwh_low: f64,
    pub energy_kwh_high: f64,
    pub kg_per_kwh: f64,
    pub intensity_g_per_kwh: f64,
    pub emissions_kg: f64,
    pub emissions_kg_low: f64,
    pub emissions_kg_high: f64,
    pub offset_percent: f64,
    pub offset_kg: f64,
    pub pue: f64,
    pub provenance: Mlco2Provenance,
    pub cleanest_region: Option<CleanestRegion>,
    pub notes: Vec<String>,
}

/// What the calculator cannot take: its field, and why.
fn reject_unsupported(r: &EstimateRequest) -> Result<(), RequestError> {
    let conflicts = [
        (
            r.count.is_some_and(|c| c != 1),
            "count",
            "--count (it has one device only)",
        ),
        (
            r.utilization.is_some(),
            "utilization",
            "--utilization (it assumes 100 % of TDP)",
        ),
        (
            r.cpu.is_some(),
            "cpu",
            "--cpu (it counts the accelerator only)",
        ),
        (
            r.ram_gb.is_some(),
            "ram_gb",
            "--ram-gb (it counts the accelerator only)",
        ),
        (r.energy_kwh.is_some(), "energy_kwh", "--energy-kwh"),
        (r.pue.is_some(), "pue", "--pue (it has no PUE)"),
        (
            r.zone.is_some(),
            "zone",
            "--zone (it knows cloud regions and custom intensities only)",
        ),
        (
            r.lifetime_years.is_some(),
            "lifetime_years",
            "--lifetime-years (it has no embodied emissions)",
        ),
    ];
    match conflicts.iter().find(|(bad, _, _)| *bad) {
        Some((_, field, what)) => Err(RequestError::new(
            field,
            format!(
                "the published calculator has no {what}; drop it or leave out --compat/--dataset mlco2"
            ),
        )),
        None => Ok(()),
    }
}

fn find_device<'m>(
    data: &Dataset,
    mlco2: &'m Mlco2Dataset,
    name: &str,
) -> Result<&'m Mlco2Gpu, RequestError> {
    mlco2.find_gpu(name).or_else(|e| {
        // One of our names for a device it lists under another (`V100 PCIe 16GB`).
        data.find_hardware(name)
            .ok()
            .and_then(|h| mlco2_device_for(mlco2, h))
            .ok_or_else(|| {
                RequestError::new(
                    "hardware",
                    format!(
                        "{e} (the published calculator lists {} devices; `mlcarbon hardware` shows which of ours it knows)",
                        mlco2.gpus.len()
                    ),
                )
            })
    })
}

fn find_region<'m>(
    mlco2: &'m Mlco2Dataset,
    provider: Option<&str>,
    region: &str,
) -> Result<&'m Mlco2Region, RequestError> {
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
        return Err(RequestError::new(
            "provider",
            format!(
                "the published calculator has no provider `{p}`; it knows {}",
                known.join(", ")
            ),
        ));
    }
    mlco2
        .find_region(provider.as_deref(), region)
        .map_err(|e| RequestError::new("region", format!("{e} in the published calculator's data")))
}

/// The published calculator's figure for a request, with its data and (with `rounding`) its
/// arithmetic; without `rounding`, its data with exact arithmetic.
pub fn mlco2_report(
    data: &Dataset,
    mlco2: &Mlco2Dataset,
    r: &EstimateRequest,
    rounding: bool,
) -> Result<Mlco2Report, RequestError> {
    validate(r)?;
    reject_unsupported(r)?;
    let edition = mlco2.edition;
    let Some(name) = &r.hardware else {
        return Err(RequestError::new(
            "hardware",
            "missing --hardware: a device of the published calculator, e.g. --hardware \"Tesla V100-PCIE-16GB\"",
        ));
    };
    let Some(hours) = r.hours else {
        return Err(RequestError::new(
            "hours",
            "missing --hours: how long the job runs, e.g. --hours 100",
        ));
    };
    let gpu = find_device(data, mlco2, name)?;
    // A provider whose only region in the calculator has no code (Scaleway, Paris) needs none.
    let only_region = match (&r.region, r.intensity, r.provider.as_deref()) {
        (None, None, Some(provider)) => {
            let id = provider.trim().to_lowercase();
            let id = if id == "ovhcloud" {
                "ovh".to_string()
            } else {
                id
            };
            let rows: Vec<&Mlco2Region> =
                mlco2.regions.iter().filter(|r| r.provider == id).collect();
            match rows.as_slice() {
                [row] => Some(*row),
                _ => None,
            }
        }
        _ => None,
    };
    let (result, row) = match (&r.region, r.intensity) {
        (None, None) if only_region.is_some() => {
            let row = only_region.ok_or_else(|| RequestError::new("region", "no region"))?;
            let result = if rounding {
                mlco2_estimate(&gpu.name, gpu.tdp_watts, hours, Mlco2Intensity::Region(row))
            } else {
                mlco2_exact(&gpu.name, gpu.tdp_watts, hours, row)
            }
            .map_err(|e| RequestError::new("region", e.to_string()))?;
            (result, Some(row))
        }
        (Some(region), None) => {
            let row = find_region(mlco2, r.provider.as_deref(), region)?;
            let result = if rounding {
                mlco2_estimate(&gpu.name, gpu.tdp_watts, hours, Mlco2Intensity::Region(row))
            } else {
                mlco2_exact(&gpu.name, gpu.tdp_watts, hours, row)
            }
            .map_err(|e| RequestError::new("region", e.to_string()))?;
            (result, Some(row))
        }
        (None, Some(g)) => {
            let offset_percent = r.offset_percent.unwrap_or(0.0);
            let result = mlco2_estimate(
                &gpu.name,
                gpu.tdp_watts,
                hours,
                Mlco2Intensity::Custom {
                    g_per_kwh: g,
                    offset_percent,
                },
            )
            .map_err(|e| RequestError::new("intensity", e.to_string()))?;
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
        (None, None) if r.provider.is_some() => {
            return Err(RequestError::new(
                "region",
                "missing --region: the published calculator needs a region of the provider",
            ));
        }
        _ => {
            return Err(RequestError::new(
                "region",
                "missing location: give --provider P --region R or --intensity G (g/kWh)",
            ));
        }
    };
    let cleanest = row.and_then(|row| {
        let best = if rounding {
            mlco2_cleanest_region(mlco2, &row.provider, &gpu.name, gpu.tdp_watts, hours)
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
        best.map(|(region, kg)| CleanestRegion {
            region,
            emissions_kg: kg,
            saving_kg: result.kg - kg,
        })
    });
    let notes = vec![
        format!(
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
        ),
        "run without --compat/--dataset for mlcarbon's current data, PUE, utilization and ranges"
            .to_string(),
    ];
    Ok(Mlco2Report {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        dataset: edition.dataset_name(),
        mode: if rounding { "compat-mlco2" } else { "exact" },
        device: gpu.name.clone(),
        tdp_w: gpu.tdp_watts,
        hours,
        location: result.location.clone(),
        energy_kwh: result.kwh,
        energy_kwh_low: result.kwh,
        energy_kwh_high: result.kwh,
        kg_per_kwh: result.kg_per_kwh,
        intensity_g_per_kwh: result.impact_g_per_kwh,
        emissions_kg: result.kg,
        emissions_kg_low: result.kg,
        emissions_kg_high: result.kg,
        offset_percent: result.offset_percent,
        offset_kg: result.offset_kg,
        pue: 1.0,
        provenance: Mlco2Provenance {
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
    })
}

/// The LaTeX paragraph of a result in the published calculator's mode, in its figures (its
/// TDP, its kg/kWh, its rounding), citing the paper by the key `statement --format bibtex` uses.
pub fn mlco2_latex(r: &Mlco2Report, lang: Lang) -> String {
    let number = |value: f64| localize(&value.to_string(), lang);
    let offset = if r.offset_percent > 0.0 {
        say(
            lang,
            Msg::Mlco2Offset,
            &[("percent", &number(r.offset_percent))],
        )
    } else {
        String::new()
    };
    let plain = |text: &str| {
        text.replace('\\', "\\textbackslash{}")
            .replace('_', "\\_")
            .replace('&', "\\&")
            .replace('%', "\\%")
            .replace('#', "\\#")
    };
    say(
        lang,
        Msg::Mlco2Paragraph,
        &[
            ("hours", &number(r.hours)),
            ("device", &plain(&r.device)),
            ("tdp", &number(r.tdp_w)),
            ("location", &plain(&r.location)),
            ("kgkwh", &number(r.kg_per_kwh)),
            ("kg", &number(r.emissions_kg)),
            ("offset", &offset),
            ("version", r.mlcarbon_version),
        ],
    )
}
