//! `mlcarbon estimate`: the calculator.

use std::collections::HashSet;

use anyhow::Result;
use mlcarbon_data::Dataset;
use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition};
use mlcarbon_model::compare::{self, Alternative};
use mlcarbon_model::equivalents::{EquivalentAmount, equivalents};
use mlcarbon_model::statement::human_number;
use mlcarbon_model::{Estimate, Job, Load, Location, Provenance, estimate};
use serde::Serialize;

use crate::cli::{DatasetName, EstimateArgs, Format};
use crate::commands::compat;
use crate::commands::statement::{statement_input, write_statement};
use crate::inputs::{ResolvedJob, ResolvedLocation, provenance_of, resolve_job, resolve_location};
use crate::output::{Table, json};

#[derive(Serialize)]
pub struct LowHigh {
    pub low: f64,
    pub high: f64,
}

#[derive(Serialize)]
pub struct RangeReport {
    pub energy_kwh: LowHigh,
    pub emissions_kg: LowHigh,
    pub intensity_g_per_kwh: LowHigh,
    pub pue: LowHigh,
}

#[derive(Serialize)]
pub struct ComponentReport {
    pub kind: String,
    pub label: String,
    pub count: f64,
    pub utilization: f64,
    pub mean_power_w: f64,
    pub it_energy_kwh: f64,
    pub it_energy_kwh_low: f64,
    pub it_energy_kwh_high: f64,
}

#[derive(Serialize)]
pub struct OptionReport {
    pub label: String,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub hardware: Option<String>,
    pub hours: f64,
    pub emissions_kg: f64,
    pub emissions_kg_low: f64,
    pub emissions_kg_high: f64,
    pub saving_kg: f64,
    pub saving_percent: f64,
    pub note: String,
}

impl From<&Alternative> for OptionReport {
    fn from(a: &Alternative) -> Self {
        OptionReport {
            label: a.label.clone(),
            provider: a.provider.clone(),
            region: a.region.clone(),
            zone: a.zone.clone(),
            hardware: a.hardware.clone(),
            hours: a.hours.0,
            emissions_kg: a.estimate.emissions.value.0,
            emissions_kg_low: a.estimate.emissions.low.0,
            emissions_kg_high: a.estimate.emissions.high.0,
            saving_kg: a.saving.0,
            saving_percent: a.saving_percent,
            note: a.note.clone(),
        }
    }
}

#[derive(Serialize)]
pub struct LocationReport {
    pub label: String,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
}

/// The JSON of `estimate` (documented in docs/cli.md; fields are only ever added).
#[derive(Serialize)]
pub struct EstimateReport {
    pub mlcarbon_version: &'static str,
    pub dataset: String,
    pub mode: &'static str,
    pub job: String,
    pub hardware: Option<String>,
    pub count: u32,
    pub hours: f64,
    pub location: LocationReport,
    pub energy_kwh: f64,
    pub it_energy_kwh: f64,
    pub emissions_kg: f64,
    pub offset_kg: Option<f64>,
    pub offset_percent: Option<f64>,
    pub intensity_g_per_kwh: f64,
    pub pue: f64,
    pub range: RangeReport,
    pub components: Vec<ComponentReport>,
    pub provenance: Vec<Provenance>,
    pub equivalents: Vec<EquivalentAmount>,
    pub greener_options: Vec<OptionReport>,
    pub caveats: Vec<String>,
    /// What the published calculator gives for the same job, where it knows device and region.
    pub mlco2: Option<compat::Mlco2Comparison>,
}

/// The paper's caveat that goes with every piece of region advice.
pub const REGION_CAVEAT: &str = "Moving a job to a cleaner grid lowers its own attributed emissions; \
    the grid as a whole gets cleaner by less, since others then use the remaining fossil supply \
    (Lacoste et al. 2019, discussion of global load balancing).";

/// Greener options shown after an estimate: the cleanest regions of the same provider and of the
/// others, and the cleanest grid zones, each only if it saves something.
pub fn greener_options(
    data: &Dataset,
    job: &Job,
    result: &Estimate,
    resolved: &ResolvedLocation<'_>,
) -> Result<Vec<Alternative>> {
    // The cleanest region of each provider: the job's own provider first, then two others.
    let per_provider = compare::cleanest_per_provider(data, job, result)?;
    let own = resolved.provider.map(|p| p.id.as_ref());
    let mut options: Vec<Alternative> = per_provider
        .iter()
        .filter(|a| own.is_some() && a.provider.as_deref() == own)
        .cloned()
        .collect();
    options.extend(
        per_provider
            .into_iter()
            .filter(|a| a.provider.as_deref() != own)
            .take(2),
    );
    // Zones advice only for grids where compute can be rented (a region of some provider).
    let hosting: HashSet<&str> = data.regions.iter().map(|r| r.zone.as_ref()).collect();
    options.extend(compare::cleanest_zones(
        data,
        job,
        result,
        &resolved.location.pue,
        2,
        |z| hosting.contains(z.id.as_ref()),
    )?);
    // Only real savings; the job's own region or zone is never an option.
    let here = &resolved.location;
    options.retain(|a| {
        let same_region =
            here.region.is_some() && a.provider == here.provider && a.region == here.region;
        let same_zone = a.region.is_none() && a.zone.is_some() && a.zone == here.zone;
        a.saving.0 > 0.0 && !same_region && !same_zone
    });
    options.sort_by(|a, b| {
        a.estimate
            .emissions
            .value
            .0
            .total_cmp(&b.estimate.emissions.value.0)
    });
    Ok(options)
}

pub fn build_report(
    data: &Dataset,
    resolved_job: &ResolvedJob<'_>,
    resolved: &ResolvedLocation<'_>,
    result: &Estimate,
    options: &[Alternative],
    mlco2: Option<compat::Mlco2Comparison>,
) -> EstimateReport {
    let location: &Location = &resolved.location;
    let components = match &resolved_job.job.load {
        Load::Components { components } => components
            .iter()
            .zip(&result.components)
            .map(|(c, e)| ComponentReport {
                kind: c.kind.clone(),
                label: c.label.clone(),
                count: c.count,
                utilization: c.utilization,
                mean_power_w: e.mean_power.0,
                it_energy_kwh: e.it_energy.value.0,
                it_energy_kwh_low: e.it_energy.low.0,
                it_energy_kwh_high: e.it_energy.high.0,
            })
            .collect(),
        Load::Energy { .. } => Vec::new(),
    };
    let mut caveats = Vec::new();
    if options.iter().any(|o| o.zone.is_some()) {
        caveats.push(REGION_CAVEAT.to_string());
    }
    EstimateReport {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        dataset: data.name.clone(),
        mode: "estimate",
        job: resolved_job.description.clone(),
        hardware: resolved_job.hardware.map(|h| h.id.to_string()),
        count: resolved_job.count,
        hours: result.hours.0,
        location: LocationReport {
            label: location.label.clone(),
            provider: location.provider.clone(),
            region: location.region.clone(),
            zone: location.zone.clone(),
        },
        energy_kwh: result.energy.value.0,
        it_energy_kwh: result.it_energy.value.0,
        emissions_kg: result.emissions.value.0,
        offset_kg: result.offset.map(|o| o.0),
        offset_percent: location.offset_percent,
        intensity_g_per_kwh: result.intensity.value.0,
        pue: result.pue.value,
        range: RangeReport {
            energy_kwh: LowHigh {
                low: result.energy.low.0,
                high: result.energy.high.0,
            },
            emissions_kg: LowHigh {
                low: result.emissions.low.0,
                high: result.emissions.high.0,
            },
            intensity_g_per_kwh: LowHigh {
                low: result.intensity.low.0,
                high: result.intensity.high.0,
            },
            pue: LowHigh {
                low: result.pue.low,
                high: result.pue.high,
            },
        },
        components,
        provenance: provenance_of(&resolved_job.job, location),
        equivalents: equivalents(result.emissions.value, &data.equivalents),
        greener_options: options.iter().map(OptionReport::from).collect(),
        caveats,
        mlco2,
    }
}

/// Short wording for the equivalents shown in one line.
fn equivalent_label(id: &str, unit: &str) -> String {
    match id {
        "car_km" => "km by car".to_string(),
        "flight_passenger_km" => "km by plane (one passenger)".to_string(),
        "smartphone_charge" => "smartphone charges".to_string(),
        "tree_year" => "tree-years of CO2 uptake".to_string(),
        _ => unit.to_string(),
    }
}

fn range_text(value: f64, low: f64, high: f64, unit: &str) -> String {
    format!(
        "{} {unit}  (range {}–{})",
        human_number(value),
        human_number(low),
        human_number(high)
    )
}

pub fn human(report: &EstimateReport) -> String {
    let mut out = String::new();
    let hours = if report.hours > 0.0 {
        format!(" for {} h", human_number(report.hours))
    } else {
        String::new()
    };
    out.push_str(&format!(
        "{}{hours} in {}\n\n",
        report.job, report.location.label
    ));
    let mut t = Table::new(&[("", false), ("", false)]);
    t.push(vec![
        "emissions".into(),
        range_text(
            report.emissions_kg,
            report.range.emissions_kg.low,
            report.range.emissions_kg.high,
            "kg CO2e",
        ),
    ]);
    t.push(vec![
        "energy".into(),
        format!(
            "{}   IT {} kWh × PUE {:.2}",
            range_text(
                report.energy_kwh,
                report.range.energy_kwh.low,
                report.range.energy_kwh.high,
                "kWh"
            ),
            human_number(report.it_energy_kwh),
            report.pue
        ),
    ]);
    t.push(vec![
        "grid intensity".into(),
        range_text(
            report.intensity_g_per_kwh,
            report.range.intensity_g_per_kwh.low,
            report.range.intensity_g_per_kwh.high,
            "g CO2e/kWh",
        ),
    ]);
    t.push(vec![
        "offset claim".into(),
        match (report.offset_kg, report.offset_percent) {
            (Some(kg), Some(p)) => format!(
                "{} kg CO2e ({p:.0} % offset or matched by the provider; not subtracted above)",
                human_number(kg)
            ),
            _ => "unknown".to_string(),
        },
    ]);
    let eq: Vec<String> = report
        .equivalents
        .iter()
        .filter(|e| {
            [
                "car_km",
                "flight_passenger_km",
                "smartphone_charge",
                "tree_year",
            ]
            .contains(&e.id.as_str())
        })
        .map(|e| {
            format!(
                "{} {}",
                human_number(e.amount),
                equivalent_label(&e.id, &e.unit)
            )
        })
        .collect();
    if !eq.is_empty() {
        t.push(vec!["equivalent to".into(), eq.join(" · ")]);
    }
    // The two-column table has empty headers: drop its header line.
    out.push_str(t.human().split_once('\n').map_or("", |(_, rest)| rest));

    if report.components.len() > 1 {
        out.push_str("\nBy component (IT energy, before PUE)\n");
        let mut c = Table::new(&[("  part", false), ("mean power", true), ("energy", true)]);
        for comp in &report.components {
            c.push(vec![
                format!("  {}", comp.label),
                format!("{} W", human_number(comp.mean_power_w)),
                format!("{} kWh", human_number(comp.it_energy_kwh)),
            ]);
        }
        out.push_str(&c.human());
    }

    out.push_str("\nInputs\n");
    let mut p = Table::new(&[
        ("  quantity", false),
        ("value", false),
        ("how", false),
        ("data row", false),
        ("source", false),
    ]);
    for prov in &report.provenance {
        let row = match (&prov.table, &prov.row) {
            (Some(t), Some(r)) => format!("{t}:{r}"),
            _ => "-".to_string(),
        };
        let source = match (&prov.source_title, prov.year) {
            (Some(s), Some(y)) => format!("{s} ({y})"),
            (Some(s), None) => s.clone(),
            (None, _) => prov.source.clone().unwrap_or_else(|| "-".to_string()),
        };
        p.push(vec![
            format!("  {}", prov.quantity),
            prov.value.clone(),
            prov.origin.label().to_string(),
            row,
            source,
        ]);
    }
    out.push_str(&p.human());
    let notes: Vec<&Provenance> = report
        .provenance
        .iter()
        .filter(|p| !p.note.is_empty())
        .collect();
    for prov in notes {
        out.push_str(&format!("  note on {}: {}\n", prov.quantity, prov.note));
    }

    if let Some(m) = &report.mlco2 {
        out.push_str(&format!(
            "\nThe published calculator (mlco2) gives {} kg CO2e for one device of this job: {}\n",
            m.result.kg, m.differences
        ));
    }

    if report.greener_options.is_empty() {
        out.push_str("\nGreener options: none found that save emissions.\n");
    } else {
        out.push_str("\nGreener options (same job)\n");
        let mut g = Table::new(&[
            ("  where", false),
            ("emissions", true),
            ("saves", true),
            ("", true),
        ]);
        for o in &report.greener_options {
            g.push(vec![
                format!("  {}", o.label),
                format!("{} kg", human_number(o.emissions_kg)),
                format!("{} kg", human_number(o.saving_kg)),
                format!("{:.0} %", o.saving_percent),
            ]);
        }
        out.push_str(&g.human());
        for caveat in &report.caveats {
            out.push_str(&format!("  {caveat}\n"));
        }
        out.push_str("  `mlcarbon compare` with the same flags lists more.\n");
    }
    out
}

fn csv_row(report: &EstimateReport) -> Result<String> {
    let mut t = Table::new(&[
        ("job", false),
        ("hours", true),
        ("location", false),
        ("energy_kwh", true),
        ("energy_kwh_low", true),
        ("energy_kwh_high", true),
        ("emissions_kg", true),
        ("emissions_kg_low", true),
        ("emissions_kg_high", true),
        ("offset_kg", true),
        ("intensity_g_per_kwh", true),
        ("pue", true),
        ("dataset", false),
    ]);
    t.push(vec![
        report.job.clone(),
        report.hours.to_string(),
        report.location.label.clone(),
        report.energy_kwh.to_string(),
        report.range.energy_kwh.low.to_string(),
        report.range.energy_kwh.high.to_string(),
        report.emissions_kg.to_string(),
        report.range.emissions_kg.low.to_string(),
        report.range.emissions_kg.high.to_string(),
        report.offset_kg.map(|o| o.to_string()).unwrap_or_default(),
        report.intensity_g_per_kwh.to_string(),
        report.pue.to_string(),
        report.dataset.clone(),
    ]);
    t.csv()
}

pub fn run(data: &Dataset, args: &EstimateArgs) -> Result<String> {
    let mlco2_edition = match (args.compat, args.dataset) {
        (_, DatasetName::Mlco2_2019) => Some(Mlco2Edition::Paper2019),
        (Some(_), _) | (None, DatasetName::Mlco2) => Some(Mlco2Edition::Current),
        (None, DatasetName::Mlcarbon) => None,
    };
    if let Some(edition) = mlco2_edition {
        return compat::run(data, args, edition, args.compat.is_some());
    }
    let resolved_job = resolve_job(data, &args.job)?;
    let resolved = resolve_location(data, &args.location)?;
    let result = estimate(&resolved_job.job, &resolved.location);
    if matches!(args.format, Format::Markdown | Format::Latex) {
        let input = statement_input(data, &resolved_job, &resolved.location, &result, "training")?;
        return Ok(write_statement(&input, args.format));
    }
    let options = greener_options(data, &resolved_job.job, &result, &resolved)?;
    let mlco2 = match Mlco2Dataset::builtin(Mlco2Edition::Current) {
        Ok(mlco2) => compat::compare_with_mlco2(&mlco2, &resolved_job, &resolved, &result),
        Err(_) => None,
    };
    let report = build_report(data, &resolved_job, &resolved, &result, &options, mlco2);
    match args.format {
        Format::Json => json(&report),
        Format::Csv => csv_row(&report),
        _ => Ok(human(&report)),
    }
}
