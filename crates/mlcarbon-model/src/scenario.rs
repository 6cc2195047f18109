//! Turns data rows into model inputs with their ranges and provenance: which row, which source,
//! which year, and whether a figure was estimated from data, given or defaulted.

use mlcarbon_data::{
    Constant, Cpu, Dataset, Hardware, PowerKind, Provider, Region, RegionFigure, Zone, ZoneFigure,
    ZoneKind, constant_ids,
};

use crate::estimate::{Basis, Component, Factor, Location, Origin, Provenance};
use crate::units::{GramsPerKwh, Ranged, Watts};

/// Why inputs could not be turned into a scenario.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    #[error("dataset `{dataset}` lacks constant `{id}`")]
    MissingConstant { dataset: String, id: String },
    #[error("region {region} names zone `{zone}`, which the dataset does not have")]
    MissingZone { region: String, zone: String },
    #[error("{0}")]
    Invalid(String),
    #[error("{place} has no {basis} grid intensity in the data; use --basis {other}", basis = basis.as_str(), other = match basis { Basis::Lifecycle => "direct", Basis::Direct => "lifecycle" })]
    NoFigure { place: String, basis: Basis },
    /// A device of the table whose vendor publishes no power figure (TPU v5e/v5p/v6e).
    #[error("{vendor} publishes no power figure for {device}; give --watts W")]
    NoPower { device: String, vendor: String },
}

/// The rated power of `hardware` and its kind, or the error asking for the user's figure.
pub fn rated_power(hardware: &Hardware) -> Result<(f64, PowerKind), ScenarioError> {
    hardware
        .rated_power()
        .ok_or_else(|| ScenarioError::NoPower {
            device: hardware
                .name
                .strip_suffix(" (chip)")
                .unwrap_or(&hardware.name)
                .to_string(),
            vendor: hardware.vendor.to_string(),
        })
}

fn constant<'d>(data: &'d Dataset, id: &str) -> Result<&'d Constant, ScenarioError> {
    data.constant(id)
        .ok_or_else(|| ScenarioError::MissingConstant {
            dataset: data.name.clone(),
            id: id.to_string(),
        })
}

/// Provenance of a data row, with its source's title and licence looked up.
/// A data row: its table, key, source id and year.
pub struct RowRef<'a> {
    pub table: &'a str,
    pub row: &'a str,
    pub source: &'a str,
    pub year: u16,
}

pub fn row_provenance(
    data: &Dataset,
    quantity: &str,
    value: String,
    origin: Origin,
    at: RowRef<'_>,
    note: String,
) -> Provenance {
    let RowRef {
        table,
        row,
        source,
        year,
    } = at;
    let found = data.source(source);
    Provenance {
        quantity: quantity.to_string(),
        value,
        origin,
        table: Some(table.to_string()),
        row: Some(row.to_string()),
        source: Some(source.to_string()),
        source_title: found.map(|s| s.title.to_string()),
        license: found.map(|s| s.license.to_string()),
        year: Some(year),
        note,
    }
}

fn constant_provenance(data: &Dataset, c: &Constant, quantity: &str, origin: Origin) -> Provenance {
    row_provenance(
        data,
        quantity,
        format!("{} {}", c.value, c.unit),
        origin,
        RowRef {
            table: "constants.csv",
            row: &c.id,
            source: &c.source,
            year: c.year,
        },
        c.notes.to_string(),
    )
}

/// The range of a device's true mean draw relative to the central figure: the spread of the
/// measured mean draws of training jobs around their median (`gpu_draw_ratio_training`).
pub fn draw_factors(data: &Dataset) -> Result<(f64, f64), ScenarioError> {
    let ratio = constant(data, constant_ids::GPU_DRAW_RATIO)?;
    let low = ratio.low.unwrap_or(ratio.value) / ratio.value;
    let high = ratio.high.unwrap_or(ratio.value) / ratio.value;
    Ok((low.min(1.0), high.max(1.0)))
}

/// Utilization when none is given: for a rated limit (TDP, board power) the median measured mean
/// draw of training jobs as a fraction of that limit, flagged as defaulted; a measured mean is
/// used as it is.
pub fn default_utilization(
    data: &Dataset,
    hardware: &Hardware,
) -> Result<(f64, Provenance), ScenarioError> {
    match rated_power(hardware)?.1 {
        PowerKind::MeasuredMean => Ok((
            1.0,
            row_provenance(
                data,
                "utilization",
                "100 %".to_string(),
                Origin::Estimated,
                RowRef {
                    table: "hardware.csv",
                    row: &hardware.id,
                    source: &hardware.source,
                    year: hardware.year,
                },
                "the device power is already a measured mean draw".to_string(),
            ),
        )),
        PowerKind::Tdp | PowerKind::BoardPower => rated_limit_utilization(
            data,
            "median mean draw of measured training runs relative to the power limit; \
             the published calculator assumes 100 %; give --utilization",
        ),
    }
}

/// The default utilization of a rated limit: the median measured mean draw of training jobs as a
/// fraction of the limit, defaulted, with `note`.
fn rated_limit_utilization(data: &Dataset, note: &str) -> Result<(f64, Provenance), ScenarioError> {
    let ratio = constant(data, constant_ids::GPU_DRAW_RATIO)?;
    let mut provenance = constant_provenance(data, ratio, "utilization", Origin::Defaulted);
    provenance.value = format!("{:.0} % of rated power", ratio.value * 100.0);
    provenance.note = note.to_string();
    Ok((ratio.value, provenance))
}

fn given_utilization(quantity: &str, utilization: f64) -> Provenance {
    Provenance::given(quantity, format!("{:.0} %", utilization * 100.0))
}

/// Accelerators of one type.
pub fn accelerator_component(
    data: &Dataset,
    hardware: &Hardware,
    count: u32,
    utilization: Option<f64>,
) -> Result<Component, ScenarioError> {
    let (util, utilization_provenance) = match utilization {
        Some(u) => (u, given_utilization("utilization", u)),
        None => default_utilization(data, hardware)?,
    };
    let (low_factor, mut high_factor) = draw_factors(data)?;
    let (rated_w, power_kind) = rated_power(hardware)?;
    if matches!(power_kind, PowerKind::Tdp | PowerKind::BoardPower) {
        // A rated limit bounds the mean draw: the high end never exceeds it.
        high_factor = high_factor.min(1.0 / util).max(1.0);
    }
    Ok(Component {
        kind: "gpu".to_string(),
        label: hardware.name.to_string(),
        unit_power: Watts(rated_w),
        count: f64::from(count),
        utilization: util,
        low_factor,
        high_factor,
        provenance: row_provenance(
            data,
            "device power",
            format!("{rated_w} W ({})", power_kind.label()),
            Origin::Estimated,
            RowRef {
                table: "hardware.csv",
                row: &hardware.id,
                source: &hardware.source,
                year: hardware.year,
            },
            hardware.notes.to_string(),
        ),
        utilization_provenance,
    })
}

/// Accelerators the table does not hold, of a power the user gives (`--watts`): taken as a
/// rated limit, so the default utilization applies as for a TDP.
pub fn given_accelerator_component(
    data: &Dataset,
    label: &str,
    watts: f64,
    count: u32,
    utilization: Option<f64>,
) -> Result<Component, ScenarioError> {
    let (util, utilization_provenance) = match utilization {
        Some(u) => (u, given_utilization("utilization", u)),
        None => rated_limit_utilization(
            data,
            "the given power is taken as a rated limit; median mean draw of measured training runs relative to the limit; give --utilization",
        )?,
    };
    let (low_factor, high_factor) = draw_factors(data)?;
    Ok(Component {
        kind: "gpu".to_string(),
        label: label.to_string(),
        unit_power: Watts(watts),
        count: f64::from(count),
        utilization: util,
        low_factor,
        high_factor: high_factor.min(1.0 / util).max(1.0),
        provenance: Provenance::given("device power", format!("{watts} W (given)")),
        utilization_provenance,
    })
}

/// Host CPUs from the CPU power table.
pub fn cpu_component(
    data: &Dataset,
    cpu: &Cpu,
    sockets: u32,
    utilization: Option<f64>,
) -> Result<Component, ScenarioError> {
    let util = utilization.unwrap_or(1.0);
    let utilization_provenance = match utilization {
        Some(u) => given_utilization("CPU utilization", u),
        None => {
            let mut p = Provenance::given("CPU utilization", "100 %".to_string());
            p.origin = Origin::Defaulted;
            p.note = "100 % of TDP assumed (an upper bound); give --cpu-utilization".to_string();
            p
        }
    };
    // No measured CPU draw ratio in the data: the accelerators' spread is borrowed.
    let (low_factor, high_factor) = draw_factors(data)?;
    let high_factor = high_factor.min(1.0 / util).max(1.0);
    Ok(Component {
        kind: "cpu".to_string(),
        label: cpu.name.to_string(),
        unit_power: Watts(cpu.tdp_w),
        count: f64::from(sockets),
        utilization: util,
        low_factor,
        high_factor,
        provenance: row_provenance(
            data,
            "CPU power",
            format!("{} W (TDP)", cpu.tdp_w),
            Origin::Estimated,
            RowRef {
                table: "cpus.csv",
                row: &cpu.name,
                source: &cpu.source,
                year: cpu.year,
            },
            String::new(),
        ),
        utilization_provenance,
    })
}

/// Memory power: watts per GB × GB.
pub fn ram_component(data: &Dataset, gigabytes: f64) -> Result<Component, ScenarioError> {
    let c = constant(data, constant_ids::RAM_W_PER_GB)?;
    let low = c.low.unwrap_or(c.value) / c.value;
    let high = c.high.unwrap_or(c.value) / c.value;
    Ok(Component {
        kind: "ram".to_string(),
        label: format!("{gigabytes} GB RAM"),
        unit_power: Watts(c.value),
        count: gigabytes,
        utilization: 1.0,
        low_factor: low.min(1.0),
        high_factor: high.max(1.0),
        provenance: constant_provenance(data, c, "RAM power per GB", Origin::Estimated),
        utilization_provenance: Provenance::given("RAM", format!("{gigabytes} GB")),
    })
}

fn widen(value: f64, low: f64, high: f64) -> Ranged<f64> {
    Ranged {
        value,
        low: low.min(value),
        high: high.max(value),
    }
}

/// A zone's figure on `basis`; an error naming the zone where the data holds none.
fn zone_figure(zone: &Zone, basis: Basis) -> Result<ZoneFigure<'_>, ScenarioError> {
    zone.figure(basis).ok_or_else(|| ScenarioError::NoFigure {
        place: format!("zone {}", zone.id),
        basis,
    })
}

/// An intensity range: the spread of a figure's references, or the documented default relative
/// spread where the data holds one figure only. The flag says which.
fn figure_range(
    data: &Dataset,
    figure: &ZoneFigure<'_>,
) -> Result<(Ranged<GramsPerKwh>, bool), ScenarioError> {
    let value = figure.g_per_kwh;
    if figure.low < figure.high {
        return Ok((widen(value, figure.low, figure.high).map(GramsPerKwh), true));
    }
    let spread = constant(data, constant_ids::INTENSITY_SPREAD)?.value;
    Ok((
        widen(value, value * (1.0 - spread), value * (1.0 + spread)).map(GramsPerKwh),
        false,
    ))
}

/// The table a zone's row lives in (both bases' figures are on the same row).
fn zone_table(zone: &Zone) -> &str {
    if zone.table.is_empty() {
        "zones.csv"
    } else {
        &zone.table
    }
}

fn zone_intensity(
    data: &Dataset,
    zone: &Zone,
    origin: Origin,
    basis: Basis,
) -> Result<Factor<GramsPerKwh>, ScenarioError> {
    let figure = zone_figure(zone, basis)?;
    let (range, from_data) = figure_range(data, &figure)?;
    let value = figure.g_per_kwh;
    let spread_note = if from_data {
        "range: spread of this zone's recent figures across sources and years"
    } else {
        "range: default relative spread (one figure only)"
    };
    let mut note = format!("{} basis; {spread_note}", figure.basis.as_str());
    if !zone.notes.is_empty() && figure.basis == zone.default_figure().basis {
        note = format!("{note}; {}", zone.notes);
    }
    Ok(Factor {
        range,
        provenance: row_provenance(
            data,
            "grid intensity",
            format!("{value} g/kWh ({}, {})", zone.name, figure.year),
            origin,
            RowRef {
                table: zone_table(zone),
                row: &zone.id,
                source: figure.source,
                year: figure.year,
            },
            note,
        ),
    })
}

/// The region's PUE where published, else the provider's fleet figure, with the provider's spread.
fn provider_pue_range(provider: &Provider, region: Option<&Region>) -> Option<Ranged<f64>> {
    let fleet = provider.pue?;
    let value = region.and_then(|r| r.pue).unwrap_or(fleet);
    Some(widen(
        value,
        provider.pue_low.unwrap_or(value),
        provider.pue_high.unwrap_or(value),
    ))
}

fn pue_from_provider<'a>(
    data: &Dataset,
    provider: &'a Provider,
    region: Option<&'a Region>,
) -> Option<Factor<f64>> {
    let range = provider_pue_range(provider, region)?;
    let or = |specific: &'a str, fallback: &'a str| {
        if specific.is_empty() {
            fallback
        } else {
            specific
        }
    };
    let provenance = match region.filter(|r| r.pue.is_some()) {
        Some(r) => row_provenance(
            data,
            "PUE",
            format!("{}", range.value),
            Origin::Estimated,
            RowRef {
                table: "regions.csv",
                row: &r.label(),
                source: or(&r.pue_source, &r.source),
                year: r.year,
            },
            "region PUE".to_string(),
        ),
        None => row_provenance(
            data,
            "PUE",
            format!("{}", range.value),
            Origin::Estimated,
            RowRef {
                table: "providers.csv",
                row: &provider.id,
                source: or(&provider.pue_source, &provider.source),
                year: provider.year,
            },
            "provider fleet PUE".to_string(),
        ),
    };
    Some(Factor { range, provenance })
}

/// PUE where nothing is known about the facility: the industry average, flagged as defaulted,
/// with a range down to 1.0 (a machine with no facility overhead).
pub fn default_pue(data: &Dataset) -> Result<Factor<f64>, ScenarioError> {
    let c = constant(data, constant_ids::PUE_UNKNOWN)?;
    let mut provenance = constant_provenance(data, c, "PUE", Origin::Defaulted);
    provenance.note = format!(
        "industry average used because the facility is unknown; give --pue (1.0 for a desktop). {}",
        c.notes
    );
    Ok(Factor {
        range: default_pue_range(data)?,
        provenance,
    })
}

fn default_pue_range(data: &Dataset) -> Result<Ranged<f64>, ScenarioError> {
    let c = constant(data, constant_ids::PUE_UNKNOWN)?;
    Ok(widen(
        c.value,
        c.low.unwrap_or(1.0),
        c.high.unwrap_or(c.value),
    ))
}

pub fn given_pue(pue: f64) -> Factor<f64> {
    Factor {
        range: Ranged::exact(pue),
        provenance: Provenance::given("PUE", format!("{pue}")),
    }
}

pub use crate::estimate::Figures;

/// The grid zone a region maps to; a data error when the zones table lacks it.
fn region_zone<'d>(data: &'d Dataset, region: &Region) -> Result<&'d Zone, ScenarioError> {
    data.zone(&region.zone)
        .ok_or_else(|| ScenarioError::MissingZone {
            region: region.label(),
            zone: region.zone.to_string(),
        })
}

/// A region's grid figure on `basis`: its zone's, the range widened by the zones it may draw
/// from and by the provider's own figure on the same basis (`Dataset::region_figure`).
fn region_figure<'d>(
    data: &'d Dataset,
    region: &'d Region,
    basis: Basis,
) -> Result<RegionFigure<'d>, ScenarioError> {
    region_zone(data, region)?;
    data.region_figure(region, basis)
        .ok_or_else(|| ScenarioError::NoFigure {
            place: region.label(),
            basis,
        })
}

pub fn region_figures(
    data: &Dataset,
    provider: &Provider,
    region: &Region,
    basis: Basis,
) -> Result<Figures, ScenarioError> {
    let figure = region_figure(data, region, basis)?;
    let (intensity, _) = figure_range(data, &figure.figure)?;
    let pue = match provider_pue_range(provider, Some(region)) {
        Some(p) => p,
        None => default_pue_range(data)?,
    };
    Ok(Figures {
        intensity,
        pue,
        offset_percent: region.offset_percent.or(provider.offset_percent),
        basis,
    })
}

/// A zone with a given PUE and no offset claim.
pub fn zone_figures(
    data: &Dataset,
    zone: &Zone,
    pue: Ranged<f64>,
    basis: Basis,
) -> Result<Figures, ScenarioError> {
    Ok(Figures {
        intensity: figure_range(data, &zone_figure(zone, basis)?)?.0,
        pue,
        offset_percent: None,
        basis,
    })
}

/// A cloud region on `basis`: its grid zone's figure (never the provider's own, which only
/// widens the range when it is on the same basis and is named in the note either way).
pub fn region_location(
    data: &Dataset,
    provider: &Provider,
    region: &Region,
    basis: Basis,
) -> Result<Location, ScenarioError> {
    let figure = region_figure(data, region, basis)?;
    let zone = figure.zone;
    let mut intensity = zone_intensity(data, zone, Origin::Estimated, basis)?;
    intensity.range = figure_range(data, &figure.figure)?.0;
    let mut notes = Vec::new();
    let drawn_from: Vec<&str> = region
        .range_zones
        .iter()
        .filter(|id| data.zone(id).and_then(|z| z.figure(basis)).is_some())
        .map(|id| id.as_ref())
        .collect();
    if !drawn_from.is_empty() {
        notes.push(format!(
            "the range also covers {} (grids the region may draw from)",
            drawn_from.join(", ")
        ));
    }
    if let Some(g) = region.provider_intensity_g_per_kwh {
        let provider_basis = region.provider_basis.unwrap_or(Basis::Direct);
        notes.push(if figure.provider_g_per_kwh.is_some() {
            format!(
                "{} publishes {g} g/kWh for this region ({}, {}), inside the range",
                provider.name,
                provider_basis.as_str(),
                region.year
            )
        } else {
            format!(
                "{} publishes {g} g/kWh for this region on the {} basis ({}): not compared with {} figures",
                provider.name,
                provider_basis.as_str(),
                region.year,
                basis.as_str()
            )
        });
    }
    if !notes.is_empty() {
        intensity.provenance.note = format!(
            "{}; {}",
            intensity.provenance.note.trim_end_matches('.'),
            notes.join("; ")
        );
    }
    let pue = match pue_from_provider(data, provider, Some(region)) {
        Some(p) => p,
        None => default_pue(data)?,
    };
    let offset = region.offset_percent.or(provider.offset_percent);
    let offset_provenance = offset.map(|p| {
        let (table, row, source, year) = match region.offset_percent {
            Some(_) => (
                "regions.csv",
                region.label(),
                region.source.as_ref(),
                region.claim_year.unwrap_or(region.year),
            ),
            None => (
                "providers.csv",
                provider.id.to_string(),
                if provider.claim_source.is_empty() {
                    provider.source.as_ref()
                } else {
                    provider.claim_source.as_ref()
                },
                provider.claim_year.unwrap_or(provider.year),
            ),
        };
        row_provenance(
            data,
            "offset claim",
            format!("{p} %"),
            Origin::Estimated,
            RowRef {
                table,
                row: &row,
                source,
                year,
            },
            if provider.claim.is_empty() {
                "provider claim".to_string()
            } else {
                provider.claim.to_string()
            },
        )
    });
    Ok(Location {
        label: format!("{} {} ({})", provider.name, region.region, zone.name),
        basis,
        provider: Some(provider.id.to_string()),
        region: Some(region.region.to_string()),
        zone: Some(zone.id.to_string()),
        intensity,
        pue,
        offset_percent: offset,
        offset_provenance,
    })
}

/// A grid zone without a provider: PUE defaulted unless given.
pub fn zone_location(data: &Dataset, zone: &Zone, basis: Basis) -> Result<Location, ScenarioError> {
    let origin = if zone.kind == ZoneKind::World {
        Origin::Defaulted
    } else {
        Origin::Estimated
    };
    let mut intensity = zone_intensity(data, zone, origin, basis)?;
    if zone.kind == ZoneKind::World {
        intensity.provenance.note = format!(
            "world average used because no location was given; give --zone, --provider/--region or --intensity. {}",
            intensity.provenance.note
        );
    }
    Ok(Location {
        label: format!("{} ({})", zone.name, zone.id),
        basis,
        provider: None,
        region: None,
        zone: Some(zone.id.to_string()),
        intensity,
        pue: default_pue(data)?,
        offset_percent: None,
        offset_provenance: None,
    })
}

/// A location on the basis asked for; without one, life-cycle, else (a place the data holds
/// only direct figures for: US states, Chinese provinces, the world average) the direct figure,
/// said in the intensity's note. The location's basis is then direct, and so are its comparisons.
pub fn on_basis(
    asked: Option<Basis>,
    locate: impl Fn(Basis) -> Result<Location, ScenarioError>,
) -> Result<Location, ScenarioError> {
    match (asked, locate(asked.unwrap_or(Basis::Lifecycle))) {
        (None, Err(ScenarioError::NoFigure { place, .. })) => {
            let mut location = locate(Basis::Direct)?;
            location.intensity.provenance.note = format!(
                "{place} has no life-cycle figure in the data: its direct figure (combustion only, lower than a life-cycle one) is used, and comparisons stay on the direct basis; {}",
                location.intensity.provenance.note
            );
            Ok(location)
        }
        (_, result) => result,
    }
}

/// The world average, flagged as defaulted, on its default figure's basis.
pub fn default_location(data: &Dataset) -> Result<Location, ScenarioError> {
    let world = data
        .world_zone()
        .ok_or_else(|| ScenarioError::Invalid("the dataset has no world zone".to_string()))?;
    zone_location(data, world, world.default_figure().basis)
}

/// A custom intensity (private infrastructure).
pub fn intensity_location(
    data: &Dataset,
    g_per_kwh: f64,
    offset_percent: Option<f64>,
) -> Result<Location, ScenarioError> {
    Ok(Location {
        label: format!("custom intensity {g_per_kwh} g/kWh"),
        // A user's own figure: its basis is the user's to know; comparisons stay life-cycle.
        basis: Basis::Lifecycle,
        provider: None,
        region: None,
        zone: None,
        intensity: Factor {
            range: Ranged::exact(GramsPerKwh(g_per_kwh)),
            provenance: Provenance::given("grid intensity", format!("{g_per_kwh} g/kWh")),
        },
        pue: default_pue(data)?,
        offset_percent,
        offset_provenance: offset_percent
            .map(|p| Provenance::given("offset claim", format!("{p} %"))),
    })
}
