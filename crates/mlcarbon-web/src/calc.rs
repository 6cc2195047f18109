//! The calculator behind `/api/estimate`, `/api/compare`, `/api/statement` and the page `/`:
//! the model's own request resolution and reports (`mlcarbon_model::request` and `::report`),
//! so the API answers what `mlcarbon estimate --format json` prints. The published
//! calculator's mode (`compat=mlco2`, `dataset=mlco2|mlco2-2019`) is built here with
//! `mlcarbon_model::compat`, in the JSON shape of `mlcarbon estimate --compat mlco2 --format json`.

use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition, Mlco2Gpu, Mlco2Region};
use mlcarbon_data::{Dataset, LookupError, Source};
use mlcarbon_model::compat::{
    Mlco2Intensity, Mlco2Result, mlco2_cleanest_region, mlco2_estimate, mlco2_exact,
};
use mlcarbon_model::report::{
    CompareBy, CompareReport, EstimateReport, compare_report, estimate_report, mlco2_device_for,
};
use mlcarbon_model::request::{EstimateRequest, RequestError, Resolved, provenance_of, resolve};
use mlcarbon_model::statement::{self, StatementInput};
use mlcarbon_model::{Estimate, estimate};
use serde::Serialize;

use crate::error::ApiError;
use crate::query::{ESTIMATE_PARAMS, Params};
use crate::state::AppState;

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        ApiError::bad(e.field, e.message)
    }
}

/// Parameters of `/api/estimate` besides the job's.
pub const ESTIMATE_EXTRA: [&str; 3] = ["compat", "dataset", "format"];
/// Parameters of `/api/compare` besides the job's.
pub const COMPARE_EXTRA: [&str; 4] = ["by", "limit", "with", "format"];
/// Parameters of `/api/statement` besides the job's.
pub const STATEMENT_EXTRA: [&str; 2] = ["activity", "format"];

/// The most rows a comparison returns.
pub const MAX_LIMIT: usize = 1000;

/// Which tables and arithmetic an estimate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// mlcarbon's data, exact arithmetic, ranges.
    Mlcarbon,
    /// The published calculator's data; `rounding`: its arithmetic too (`compat=mlco2`).
    Mlco2 {
        edition: Mlco2Edition,
        rounding: bool,
    },
}

pub fn mode(params: &Params) -> Result<Mode, ApiError> {
    let compat = params.choice("compat", &["mlco2"])?.is_some();
    let dataset = params.choice("dataset", &["mlcarbon", "mlco2", "mlco2-2019"])?;
    Ok(match (compat, dataset) {
        (_, Some("mlco2-2019")) => Mode::Mlco2 {
            edition: Mlco2Edition::Paper2019,
            rounding: compat,
        },
        (true, _) | (false, Some("mlco2")) => Mode::Mlco2 {
            edition: Mlco2Edition::Current,
            rounding: compat,
        },
        _ => Mode::Mlcarbon,
    })
}

/// What an estimate answers: mlcarbon's report, or the published calculator's.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum EstimateAnswer {
    Report(Box<EstimateReport>),
    Compat(Box<CompatReport>),
}

/// `/api/estimate` and the page's result.
pub fn estimate_answer(state: &AppState, params: &Params) -> Result<EstimateAnswer, ApiError> {
    let request = params.estimate_request()?;
    match mode(params)? {
        Mode::Mlcarbon => {
            let data = state.data();
            let resolved = resolve(data, &request)?;
            Ok(EstimateAnswer::Report(Box::new(estimate_report(
                data, &resolved,
            )?)))
        }
        Mode::Mlco2 { edition, rounding } => {
            let mlco2 = state.mlco2(edition).ok_or_else(|| {
                ApiError::internal("the published calculator's data could not be read")
            })?;
            Ok(EstimateAnswer::Compat(Box::new(compat_report(
                state.data(),
                mlco2,
                &request,
                rounding,
            )?)))
        }
    }
}

/// `/api/compare`: `by`, `limit` (default 15), `with` (repeatable).
pub fn compare_answer(
    data: &Dataset,
    params: &Params,
    default_limit: usize,
) -> Result<CompareReport, ApiError> {
    let request = params.estimate_request()?;
    let by = params.compare_by()?;
    let limit = params.limit("limit", default_limit, MAX_LIMIT)?;
    let with = params.texts("with", 50)?;
    compare_with(data, &request, by, limit, &with)
}

pub fn compare_with(
    data: &Dataset,
    request: &EstimateRequest,
    by: Option<CompareBy>,
    limit: usize,
    with: &[String],
) -> Result<CompareReport, ApiError> {
    let resolved = resolve(data, request)?;
    Ok(compare_report(data, request, &resolved, by, limit, with)?)
}

/// The inputs of a statement, as `mlcarbon statement` gathers them.
pub fn statement_input<'a>(
    data: &'a Dataset,
    resolved: &'a Resolved<'_>,
    result: &'a Estimate,
    activity: &str,
) -> StatementInput<'a> {
    let location = &resolved.location.location;
    let provenance = provenance_of(&resolved.job.job, location);
    let mut sources: Vec<&Source> = Vec::new();
    for p in &provenance {
        if let Some(source) = p.source.as_deref().and_then(|id| data.source(id))
            && !sources.iter().any(|s| s.id == source.id)
        {
            sources.push(source);
        }
    }
    StatementInput {
        hardware: resolved.job.description.clone(),
        activity: activity.to_string(),
        location,
        estimate: result,
        provenance,
        sources,
        tool_version: env!("CARGO_PKG_VERSION"),
        dataset: &data.name,
        measured: false,
    }
}

/// The statement texts of one request.
#[derive(Debug, Clone, Serialize)]
pub struct Statements {
    pub markdown: String,
    pub latex: String,
    pub bibtex: String,
}

pub fn statements(
    data: &Dataset,
    request: &EstimateRequest,
    activity: &str,
) -> Result<Statements, ApiError> {
    let resolved = resolve(data, request)?;
    let result = estimate(&resolved.job.job, &resolved.location.location);
    let input = statement_input(data, &resolved, &result, activity);
    Ok(Statements {
        markdown: statement::markdown(&input),
        latex: statement::latex(&input),
        bibtex: statement::bibtex(&input),
    })
}

/// `activity`: what the figure covers; plain words only, at most 60 characters.
pub fn activity(params: &Params) -> Result<String, ApiError> {
    let text = params.get("activity").unwrap_or("training");
    if text.chars().count() > 60 || text.chars().any(char::is_control) {
        return Err(ApiError::bad(
            "activity",
            "activity: at most 60 characters of text, e.g. fine-tuning",
        ));
    }
    Ok(text.to_string())
}

/// The parameter sets of the three endpoints, for [`Params::only`].
pub fn known_estimate() -> [&'static [&'static str]; 2] {
    [&ESTIMATE_PARAMS, &ESTIMATE_EXTRA]
}
pub fn known_compare() -> [&'static [&'static str]; 2] {
    [&ESTIMATE_PARAMS, &COMPARE_EXTRA]
}
pub fn known_statement() -> [&'static [&'static str]; 2] {
    [&ESTIMATE_PARAMS, &STATEMENT_EXTRA]
}

// --- the published calculator's mode -------------------------------------------------------

#[derive(Debug, Clone, Serialize)]
pub struct LowHigh {
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompatRange {
    pub emissions_kg: LowHigh,
    pub energy_kwh: LowHigh,
}

#[derive(Debug, Clone, Serialize)]
pub struct CompatProvenance {
    pub device_row: String,
    pub tdp_w: f64,
    pub region_row: Option<String>,
    pub impact_cell: Option<String>,
    pub impact_source: Option<String>,
    pub data: &'static str,
    pub license: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CleanestReport {
    pub region: String,
    pub emissions_kg: f64,
    pub saving_kg: f64,
}

/// The JSON of `mlcarbon estimate --compat mlco2 --format json` (docs/cli.md).
#[derive(Debug, Clone, Serialize)]
pub struct CompatReport {
    pub mlcarbon_version: &'static str,
    pub dataset: &'static str,
    pub mode: &'static str,
    pub device: String,
    pub tdp_w: f64,
    pub hours: f64,
    pub location: String,
    pub energy_kwh: f64,
    pub kg_per_kwh: f64,
    pub intensity_g_per_kwh: f64,
    pub emissions_kg: f64,
    pub offset_percent: f64,
    pub offset_kg: f64,
    pub pue: f64,
    pub range: CompatRange,
    pub provenance: CompatProvenance,
    pub cleanest_region: Option<CleanestReport>,
    pub notes: Vec<String>,
}

fn reject_unsupported(r: &EstimateRequest) -> Result<(), ApiError> {
    let conflicts = [
        (
            r.count.is_some_and(|c| c != 1),
            "count",
            "a device count (it has one device only)",
        ),
        (
            r.utilization.is_some(),
            "utilization",
            "utilization (it assumes 100 % of TDP)",
        ),
        (
            r.cpu.is_some(),
            "cpu",
            "host CPU (it counts the accelerator only)",
        ),
        (
            r.ram_gb.is_some(),
            "ram_gb",
            "RAM (it counts the accelerator only)",
        ),
        (r.energy_kwh.is_some(), "energy_kwh", "energy_kwh"),
        (r.pue.is_some(), "pue", "PUE"),
        (
            r.zone.is_some(),
            "zone",
            "grid zones (it knows cloud regions and custom intensities only)",
        ),
    ];
    if let Some((_, field, what)) = conflicts.iter().find(|(bad, _, _)| *bad) {
        return Err(ApiError::bad(
            field,
            format!(
                "the published calculator has no {what}; drop {field} or leave out compat/dataset mlco2"
            ),
        ));
    }
    Ok(())
}

fn find_device<'m>(
    data: &Dataset,
    mlco2: &'m Mlco2Dataset,
    name: &str,
) -> Result<&'m Mlco2Gpu, ApiError> {
    match mlco2.find_gpu(name) {
        Ok(gpu) => Ok(gpu),
        Err(e) => data
            .find_hardware(name)
            .ok()
            .and_then(|h| mlco2_device_for(mlco2, h))
            .ok_or_else(|| {
                ApiError::bad(
                    "hardware",
                    format!(
                        "{e} (the published calculator lists {} devices)",
                        mlco2.gpus.len()
                    ),
                )
            }),
    }
}

fn find_region<'m>(
    mlco2: &'m Mlco2Dataset,
    provider: Option<&str>,
    region: &str,
) -> Result<&'m Mlco2Region, ApiError> {
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
        return Err(ApiError::bad(
            "provider",
            format!(
                "the published calculator has no provider `{p}`; it knows {}",
                known.join(", ")
            ),
        ));
    }
    mlco2
        .find_region(provider.as_deref(), region)
        .map_err(|e: LookupError| {
            ApiError::bad("region", format!("{e} in the published calculator's data"))
        })
}

/// The published calculator's figure for a request, with its data and (with `rounding`) its
/// arithmetic, as `mlcarbon estimate --compat mlco2` computes it.
pub fn compat_report(
    data: &Dataset,
    mlco2: &Mlco2Dataset,
    r: &EstimateRequest,
    rounding: bool,
) -> Result<CompatReport, ApiError> {
    mlcarbon_model::request::validate(r)?;
    reject_unsupported(r)?;
    let edition = mlco2.edition;
    let Some(name) = &r.hardware else {
        return Err(ApiError::bad(
            "hardware",
            "missing hardware: a device of the published calculator, e.g. Tesla V100-PCIE-16GB",
        ));
    };
    let Some(hours) = r.hours else {
        return Err(ApiError::bad(
            "hours",
            "missing hours: how long the job runs, e.g. 100",
        ));
    };
    let gpu = find_device(data, mlco2, name)?;
    let (result, row) = match (&r.region, r.intensity) {
        (Some(region), None) => {
            let row = find_region(mlco2, r.provider.as_deref(), region)?;
            let result = if rounding {
                mlco2_estimate(&gpu.name, gpu.tdp_watts, hours, Mlco2Intensity::Region(row))
            } else {
                mlco2_exact(&gpu.name, gpu.tdp_watts, hours, row)
            }
            .map_err(|e| ApiError::bad("region", e.to_string()))?;
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
            .map_err(|e| ApiError::bad("intensity", e.to_string()))?;
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
            return Err(ApiError::bad(
                "region",
                "missing region: the published calculator needs a region of the provider",
            ));
        }
        _ => {
            return Err(ApiError::bad(
                "region",
                "missing location: give provider and region, or intensity (g/kWh)",
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
        best.map(|(region, kg)| CleanestReport {
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
    Ok(CompatReport {
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
    })
}
