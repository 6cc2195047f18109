//! Embodied emissions: the manufacturing (cradle-to-gate) emissions of the hardware, amortized
//! linearly over its lifetime and charged to a run for the hours it holds the hardware:
//!
//! ```text
//! embodied_for_run = kg × run_hours × count / lifetime_hours      lifetime_hours = years × 8,760
//! ```
//!
//! as Cloud Carbon Footprint does (4-year lifetime, 150 kg per GPU card, 1,000 kg per base server
//! plus components) and as Luccioni et al. (2022) do for BLOOM. The result is reported beside the
//! operational emissions of an [`Estimate`](crate::Estimate) and never added to them.

use mlcarbon_data::{Dataset, Embodied, Hardware, constant_ids};
use serde::Serialize;

use crate::estimate::{Origin, Provenance};
use crate::scenario::{RowRef, row_provenance};
use crate::units::{Hours, KgCo2e, Ranged};

/// Hours in a 365-day year: CCF's 4-year server lifespan is 35,040 h.
pub const HOURS_PER_YEAR: f64 = 8_760.0;

/// Why no embodied figure could be given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EmbodiedError {
    #[error("no embodied figure for {0} in the data; give one with its source")]
    NoFigure(String),
    #[error("dataset `{dataset}` lacks constant `{id}`")]
    MissingConstant { dataset: String, id: String },
    #[error("{name} must be {range}, not {value}")]
    OutOfRange {
        name: &'static str,
        range: &'static str,
        value: f64,
    },
}

/// Manufacturing emissions of one unit, with the lifetime its source amortizes it over.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbodiedFigure {
    /// What the unit is (`A100 SXM4 80GB card`, `host: commodity server`).
    pub label: String,
    pub per_unit: Ranged<KgCo2e>,
    /// The source's lifetime for this figure.
    pub lifetime: Hours,
    pub provenance: Provenance,
}

/// A host's parts beyond CCF's base server (one CPU, 16 GB of DRAM, no drives).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HostSpec {
    pub cpus: u32,
    pub dram_gb: f64,
    pub ssds: u32,
    pub hdds: u32,
}

/// DRAM included in CCF's base server (`DRAM_THRESHOLD`).
pub const BASE_SERVER_DRAM_GB: f64 = 16.0;

/// One part's share of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbodiedShare {
    pub figure: EmbodiedFigure,
    pub count: f64,
    pub lifetime: Ranged<Hours>,
    /// `kg × run_hours × count / lifetime_hours`, ends paired so the range is widest.
    pub for_run: Ranged<KgCo2e>,
}

/// Embodied emissions charged to one run: beside the operational estimate, never inside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmbodiedEstimate {
    pub run_hours: Hours,
    pub parts: Vec<EmbodiedShare>,
    pub total: Ranged<KgCo2e>,
}

fn figure_from_row(data: &Dataset, row: &Embodied, label: String) -> EmbodiedFigure {
    let value = row.kg_co2e;
    EmbodiedFigure {
        label,
        per_unit: Ranged {
            value: KgCo2e(value),
            low: KgCo2e(row.low.unwrap_or(value).min(value)),
            high: KgCo2e(row.high.unwrap_or(value).max(value)),
        },
        lifetime: Hours(row.lifetime_years * HOURS_PER_YEAR),
        provenance: row_provenance(
            data,
            "embodied emissions",
            format!("{value} {}", row.unit),
            Origin::Estimated,
            RowRef {
                table: "embodied.csv",
                row: &row.id,
                source: &row.source,
                year: row.year,
            },
            row.notes.to_string(),
        ),
    }
}

/// One accelerator card of this hardware.
pub fn device_figure(data: &Dataset, hardware: &Hardware) -> Result<EmbodiedFigure, EmbodiedError> {
    let row = data
        .embodied_device(hardware)
        .ok_or_else(|| EmbodiedError::NoFigure(hardware.name.to_string()))?;
    Ok(figure_from_row(
        data,
        row,
        format!("{} card", hardware.name),
    ))
}

/// A whole server (accelerators included) by instance type, e.g. `p4d.24xlarge`.
pub fn server_figure(data: &Dataset, instance: &str) -> Result<EmbodiedFigure, EmbodiedError> {
    let row = data
        .embodied_server(instance)
        .ok_or_else(|| EmbodiedError::NoFigure(format!("server `{instance}`")))?;
    Ok(figure_from_row(data, row, format!("server {instance}")))
}

/// A named host without its accelerators (e.g. `p5.48xlarge`).
pub fn named_host_figure(data: &Dataset, name: &str) -> Result<EmbodiedFigure, EmbodiedError> {
    let row = data
        .embodied_host(Some(name))
        .ok_or_else(|| EmbodiedError::NoFigure(format!("host `{name}`")))?;
    Ok(figure_from_row(data, row, format!("host {name}")))
}

/// A commodity host without accelerators, as Cloud Carbon Footprint builds it: the base server
/// plus 100 kg per CPU beyond the first, 1.388 kg per GB of DRAM above 16 GB, 100 kg per SSD and
/// 50 kg per HDD (each figure read from `embodied.csv`).
pub fn host_figure(data: &Dataset, host: &HostSpec) -> Result<EmbodiedFigure, EmbodiedError> {
    if !(host.dram_gb.is_finite() && host.dram_gb >= 0.0) {
        return Err(EmbodiedError::OutOfRange {
            name: "DRAM",
            range: "a non-negative number of GB",
            value: host.dram_gb,
        });
    }
    let base = data
        .embodied_host(None)
        .ok_or_else(|| EmbodiedError::NoFigure("a generic host".to_string()))?;
    let mut figure = figure_from_row(data, base, "host (commodity server)".to_string());
    let extras = [
        (
            "cpu",
            f64::from(host.cpus.saturating_sub(1)),
            "CPUs beyond the first",
        ),
        (
            "dram_gb",
            (host.dram_gb - BASE_SERVER_DRAM_GB).max(0.0),
            "GB of DRAM above 16",
        ),
        ("ssd", f64::from(host.ssds), "SSDs"),
        ("hdd", f64::from(host.hdds), "HDDs"),
    ];
    let mut parts = Vec::new();
    for (component, count, what) in extras {
        if count == 0.0 {
            continue;
        }
        let row = data
            .embodied_component(component)
            .ok_or_else(|| EmbodiedError::NoFigure(format!("host component `{component}`")))?;
        let add = |k: KgCo2e, per: Option<f64>| KgCo2e(k.0 + per.unwrap_or(row.kg_co2e) * count);
        figure.per_unit = Ranged {
            value: add(figure.per_unit.value, Some(row.kg_co2e)),
            low: add(figure.per_unit.low, row.low),
            high: add(figure.per_unit.high, row.high),
        };
        parts.push(format!("{count} {what} × {} kg ({})", row.kg_co2e, row.id));
    }
    if !parts.is_empty() {
        figure.provenance.value = format!("{:.0} kgCO2e per server", figure.per_unit.value.0);
        figure.provenance.note = format!(
            "base server {} kg + {}; {}",
            base.kg_co2e,
            parts.join(" + "),
            figure.provenance.note
        );
    }
    Ok(figure)
}

/// The amortization lifetime: the years given (exact), else the figure's own lifetime with the
/// range of published lifetimes (`embodied_lifetime_years`, 3–6 years).
pub fn lifetime(
    data: &Dataset,
    figure: &EmbodiedFigure,
    given_years: Option<f64>,
) -> Result<Ranged<Hours>, EmbodiedError> {
    if let Some(years) = given_years {
        if !(years.is_finite() && years > 0.0) {
            return Err(EmbodiedError::OutOfRange {
                name: "the lifetime",
                range: "a positive number of years",
                value: years,
            });
        }
        return Ok(Ranged::exact(Hours(years * HOURS_PER_YEAR)));
    }
    let c = data
        .constant(constant_ids::EMBODIED_LIFETIME_YEARS)
        .ok_or_else(|| EmbodiedError::MissingConstant {
            dataset: data.name.clone(),
            id: constant_ids::EMBODIED_LIFETIME_YEARS.to_string(),
        })?;
    let value = figure.lifetime.0;
    Ok(Ranged {
        value: Hours(value),
        low: Hours((c.low.unwrap_or(c.value) * HOURS_PER_YEAR).min(value)),
        high: Hours((c.high.unwrap_or(c.value) * HOURS_PER_YEAR).max(value)),
    })
}

/// The bare formula: `kg × run_hours × count / lifetime_hours`.
pub fn embodied_for_run(per_unit: KgCo2e, count: f64, run_hours: Hours, lifetime: Hours) -> KgCo2e {
    KgCo2e(per_unit.0 * run_hours.0 * count / lifetime.0)
}

/// Charges `count` units of `figure` to a run of `run_hours` over `lifetime`. The low end pairs
/// the low figure with the longest lifetime, the high end the high figure with the shortest.
pub fn share(
    figure: EmbodiedFigure,
    count: f64,
    run_hours: Hours,
    lifetime: Ranged<Hours>,
) -> Result<EmbodiedShare, EmbodiedError> {
    if !(count.is_finite() && count >= 0.0) {
        return Err(EmbodiedError::OutOfRange {
            name: "the count",
            range: "a non-negative number",
            value: count,
        });
    }
    if !(run_hours.0.is_finite() && run_hours.0 >= 0.0) {
        return Err(EmbodiedError::OutOfRange {
            name: "the run time",
            range: "a non-negative number of hours",
            value: run_hours.0,
        });
    }
    if !(lifetime.low.0 > 0.0 && lifetime.value.0 > 0.0 && lifetime.high.0.is_finite()) {
        return Err(EmbodiedError::OutOfRange {
            name: "the lifetime",
            range: "a positive number of hours",
            value: lifetime.low.0,
        });
    }
    let for_run = Ranged {
        value: embodied_for_run(figure.per_unit.value, count, run_hours, lifetime.value),
        low: embodied_for_run(figure.per_unit.low, count, run_hours, lifetime.high),
        high: embodied_for_run(figure.per_unit.high, count, run_hours, lifetime.low),
    };
    Ok(EmbodiedShare {
        figure,
        count,
        lifetime,
        for_run,
    })
}

/// The units charged to a run: what, how many, over which lifetime.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbodiedPart {
    pub figure: EmbodiedFigure,
    pub count: f64,
    pub lifetime: Ranged<Hours>,
}

/// Every part's share of a run of `run_hours`, and their sum.
pub fn embodied_estimate(
    run_hours: Hours,
    parts: Vec<EmbodiedPart>,
) -> Result<EmbodiedEstimate, EmbodiedError> {
    let shares = parts
        .into_iter()
        .map(|p| share(p.figure, p.count, run_hours, p.lifetime))
        .collect::<Result<Vec<_>, _>>()?;
    let total = shares
        .iter()
        .fold(Ranged::exact(KgCo2e(0.0)), |sum, part| sum + part.for_run);
    Ok(EmbodiedEstimate {
        run_hours,
        parts: shares,
        total,
    })
}
