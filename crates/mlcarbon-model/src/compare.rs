//! The same job elsewhere or on other hardware, sorted, with what each choice saves.

use std::collections::HashSet;

use mlcarbon_data::{Dataset, Hardware, Provider, Region, Zone, ZoneKind};
use serde::Serialize;

use crate::estimate::{Basis, Estimate, Job, Load, Location, estimate, estimate_with};
use crate::scenario::{self, ScenarioError};
use crate::units::{Hours, KgCo2e};

/// One alternative to the user's job, with its saving against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    pub label: String,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub hardware: Option<String>,
    pub hours: Hours,
    pub estimate: Estimate,
    /// Baseline emissions minus this alternative's (negative when it emits more).
    pub saving: KgCo2e,
    pub saving_percent: f64,
    pub note: String,
}

/// Where an alternative runs, by id.
#[derive(Debug, Clone, Default)]
struct Place {
    provider: Option<String>,
    region: Option<String>,
    zone: Option<String>,
}

impl Place {
    fn of(location: &Location) -> Self {
        Place {
            provider: location.provider.clone(),
            region: location.region.clone(),
            zone: location.zone.clone(),
        }
    }
}

fn alternative(
    baseline: &Estimate,
    label: String,
    place: Place,
    estimate: Estimate,
    note: String,
) -> Alternative {
    let saving = KgCo2e(baseline.emissions.value.0 - estimate.emissions.value.0);
    let saving_percent = if baseline.emissions.value.0 > 0.0 {
        saving.0 / baseline.emissions.value.0 * 100.0
    } else {
        0.0
    };
    Alternative {
        label,
        provider: place.provider,
        region: place.region,
        zone: place.zone,
        hardware: None,
        hours: estimate.hours,
        estimate,
        saving,
        saving_percent,
        note,
    }
}

fn sort(alternatives: &mut [Alternative]) {
    alternatives.sort_by(|a, b| {
        a.estimate
            .emissions
            .value
            .0
            .total_cmp(&b.estimate.emissions.value.0)
            .then_with(|| a.label.cmp(&b.label))
    });
}

/// The job in every region of one provider, cleanest first.
pub fn provider_regions(
    data: &Dataset,
    job: &Job,
    baseline: &Estimate,
    provider: &Provider,
) -> Result<Vec<Alternative>, ScenarioError> {
    let mut out = Vec::new();
    for region in data.provider_regions(&provider.id) {
        // A region without a figure on the job's basis cannot be compared with it.
        match region_alternative(data, job, baseline, provider, region) {
            Ok(alternative) => out.push(alternative),
            Err(ScenarioError::NoFigure { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    sort(&mut out);
    Ok(out)
}

/// Relative closeness under which two figures count as tied, so that the exact comparison decides.
const TIE: f64 = 1e-9;

/// Which places can be the cleanest does not depend on the job: every region of a job shares its
/// IT energy, so regions rank by PUE × intensity and zones (with the job's PUE) by intensity. The
/// rankings are computed once per dataset; a comparison then runs the model on the few candidates.
struct Rankings {
    /// Per provider (in `providers` order), the regions tied for its lowest PUE × intensity.
    provider_best: Vec<Vec<usize>>,
    /// Zones other than the world average, by intensity, lowest first.
    zones_by_intensity: Vec<(usize, f64)>,
    /// Zones where some provider has a region: where compute can be rented.
    hosting_zones: HashSet<Box<str>>,
}

/// The rankings on each basis: figures of two bases are never compared.
/// Each computed on first use: most processes only ever ask for the life-cycle one.
#[derive(Default)]
struct RankingsByBasis {
    lifecycle: std::sync::OnceLock<Result<Rankings, ScenarioError>>,
    direct: std::sync::OnceLock<Result<Rankings, ScenarioError>>,
}

fn compute_rankings(data: &Dataset, basis: Basis) -> Result<Rankings, ScenarioError> {
    let mut provider_best = Vec::with_capacity(data.providers.len());
    for provider in data.providers.iter() {
        let mut scored = Vec::new();
        for (i, region) in data
            .regions
            .iter()
            .enumerate()
            .filter(|(_, r)| r.provider == provider.id)
        {
            match scenario::region_figures(data, provider, region, basis) {
                Ok(f) => scored.push((i, f.pue.value * f.intensity.value.0)),
                Err(ScenarioError::NoFigure { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let lowest = scored.iter().map(|(_, p)| *p).fold(f64::INFINITY, f64::min);
        provider_best.push(
            scored
                .into_iter()
                .filter(|(_, p)| *p <= lowest + lowest.abs() * TIE)
                .map(|(i, _)| i)
                .collect(),
        );
    }
    let mut zones_by_intensity: Vec<(usize, f64)> = data
        .zones
        .iter()
        .enumerate()
        .filter(|(_, z)| z.kind != ZoneKind::World)
        .filter_map(|(i, z)| z.figure(basis).map(|f| (i, f.g_per_kwh)))
        .collect();
    zones_by_intensity.sort_by(|a, b| a.1.total_cmp(&b.1));
    let hosting_zones = data
        .regions
        .iter()
        .map(|r| r.zone.as_ref().into())
        .collect();
    Ok(Rankings {
        provider_best,
        zones_by_intensity,
        hosting_zones,
    })
}

fn rankings(data: &Dataset, basis: Basis) -> Result<&Rankings, ScenarioError> {
    match data.derived(RankingsByBasis::default) {
        Some(by_basis) => {
            let cell = match basis {
                Basis::Lifecycle => &by_basis.lifecycle,
                Basis::Direct => &by_basis.direct,
            };
            cell.get_or_init(|| compute_rankings(data, basis))
                .as_ref()
                .map_err(Clone::clone)
        }
        None => Err(ScenarioError::Invalid(
            "dataset cache holds another type".to_string(),
        )),
    }
}

/// Whether some provider has a region in `zone` (compute can be rented there).
pub fn hosts_a_region(data: &Dataset, zone: &Zone) -> Result<bool, ScenarioError> {
    Ok(rankings(data, Basis::Lifecycle)?
        .hosting_zones
        .contains(zone.id.as_ref()))
}

fn region_alternative(
    data: &Dataset,
    job: &Job,
    baseline: &Estimate,
    provider: &Provider,
    region: &Region,
) -> Result<Alternative, ScenarioError> {
    let f = scenario::region_figures(data, provider, region, baseline.basis)?;
    let result = estimate_with(job, &f);
    let place = Place {
        provider: Some(provider.id.to_string()),
        region: Some(region.region.to_string()),
        zone: Some(region.zone.to_string()),
    };
    let label = if region.name.is_empty() {
        region.label()
    } else {
        format!("{} ({})", region.label(), region.name)
    };
    Ok(alternative(baseline, label, place, result, String::new()))
}

/// The cleanest region of every provider, cleanest first.
pub fn cleanest_per_provider(
    data: &Dataset,
    job: &Job,
    baseline: &Estimate,
) -> Result<Vec<Alternative>, ScenarioError> {
    let ranks = rankings(data, baseline.basis)?;
    let mut out = Vec::new();
    for (provider, candidates) in data.providers.iter().zip(&ranks.provider_best) {
        let mut tied = candidates
            .iter()
            .filter_map(|&i| data.regions.get(i))
            .map(|region| region_alternative(data, job, baseline, provider, region))
            .collect::<Result<Vec<_>, _>>()?;
        sort(&mut tied);
        if let Some(best) = tied.into_iter().next() {
            out.push(best);
        }
    }
    sort(&mut out);
    Ok(out)
}

/// The cleanest grid zones (countries and sub-national grids) with the job's own PUE, among
/// those `keep` accepts.
pub fn cleanest_zones(
    data: &Dataset,
    job: &Job,
    baseline: &Estimate,
    pue: &crate::estimate::Factor<f64>,
    limit: usize,
    keep: impl Fn(&Zone) -> bool,
) -> Result<Vec<Alternative>, ScenarioError> {
    let ranks = rankings(data, baseline.basis)?;
    // The first `limit` zones kept, and any tied with the last of them.
    let mut ranked = Vec::new();
    let mut last = None::<f64>;
    for &(i, intensity) in &ranks.zones_by_intensity {
        if let Some(cut) = last
            && intensity > cut + cut.abs() * TIE
        {
            break;
        }
        let Some(zone) = data.zones.get(i).filter(|z| keep(z)) else {
            continue;
        };
        let f = scenario::zone_figures(data, zone, pue.range, baseline.basis)?;
        ranked.push((zone, estimate_with(job, &f)));
        if ranked.len() >= limit && last.is_none() {
            last = Some(intensity);
        }
    }
    ranked.sort_by(|a, b| {
        a.1.emissions
            .value
            .0
            .total_cmp(&b.1.emissions.value.0)
            .then_with(|| a.0.id.cmp(&b.0.id))
    });
    Ok(ranked
        .into_iter()
        .take(limit)
        .map(|(zone, result)| {
            let place = Place {
                zone: Some(zone.id.to_string()),
                ..Place::default()
            };
            alternative(
                baseline,
                format!("{} ({})", zone.id, zone.name),
                place,
                result,
                String::new(),
            )
        })
        .collect())
}

/// A place a user can run at, named in a candidates list (`--candidates`): a provider's region,
/// compared with its own PUE, or a grid zone, compared with the job's.
#[derive(Debug, Clone, Copy)]
pub enum CandidatePlace<'d> {
    Region(&'d Provider, &'d Region),
    Zone(&'d Zone),
}

/// The job at each of `places`, cleanest first (the user's list, not the dataset's rankings).
/// A place without a figure on the job's basis is an error naming it: the user asked for it.
pub fn candidate_places(
    data: &Dataset,
    job: &Job,
    baseline: &Estimate,
    pue: &crate::estimate::Factor<f64>,
    places: &[CandidatePlace<'_>],
) -> Result<Vec<Alternative>, ScenarioError> {
    let mut out = Vec::with_capacity(places.len());
    for place in places {
        out.push(match *place {
            CandidatePlace::Region(provider, region) => {
                region_alternative(data, job, baseline, provider, region)?
            }
            CandidatePlace::Zone(zone) => {
                let f = scenario::zone_figures(data, zone, pue.range, baseline.basis)?;
                alternative(
                    baseline,
                    format!("{} ({})", zone.id, zone.name),
                    Place {
                        zone: Some(zone.id.to_string()),
                        ..Place::default()
                    },
                    estimate_with(job, &f),
                    String::new(),
                )
            }
        });
    }
    sort(&mut out);
    Ok(out)
}

/// Throughputs of two devices on the job's own headline precision (the lowest published for the
/// device it ran on), so that "same work" compares like with like; none when the other device
/// lacks that figure (falling back to FP32 would compare tensor-core training with plain FP32).
pub fn comparable_throughput(from: &Hardware, to: &Hardware) -> Option<(f64, f64, &'static str)> {
    let (a, metric) = from.peak_tflops()?;
    let b = match metric {
        "BF16 dense" => to.bf16_tflops_dense,
        "FP16 dense" => to.fp16_tflops_dense,
        _ => to.fp32_tflops,
    }?;
    (b > 0.0).then_some((a, b, metric))
}

/// The note naming the candidates a hardware comparison with `from` skipped for want of a
/// published power figure (those it could otherwise compare); `None` when there are none.
pub fn without_power(from: &Hardware, candidates: &[&Hardware]) -> Option<String> {
    let names: Vec<&str> = candidates
        .iter()
        .filter(|h| h.power_w.is_none() && comparable_throughput(from, h).is_some())
        .map(|h| h.name.as_ref())
        .collect();
    (!names.is_empty()).then(|| {
        format!(
            "skipped, no published power figure: {} (estimate them with --watts W)",
            names.join(", ")
        )
    })
}

/// Hours the same work takes on other hardware, assuming time scales inversely with peak
/// throughput (the same count of devices, the same fraction of peak reached).
pub fn same_work_hours(hours: Hours, from_tflops: f64, to_tflops: f64) -> Hours {
    Hours(hours.0 * from_tflops / to_tflops)
}

/// The job on each of `candidates` instead of `from`, at the same location, for the same work.
/// `rebuild` makes the job for a device and a duration (it keeps count and utilization).
/// Devices without a published power figure are skipped ([`without_power`] names them).
pub fn other_hardware(
    baseline: &Estimate,
    location: &Location,
    from: &Hardware,
    hours: Hours,
    candidates: &[&Hardware],
    rebuild: impl Fn(&Hardware, Hours) -> Result<Job, ScenarioError>,
) -> Result<Vec<Alternative>, ScenarioError> {
    let mut out = Vec::new();
    for to in candidates {
        if to.id == from.id || to.power_w.is_none() {
            continue;
        }
        let Some((a, b, metric)) = comparable_throughput(from, to) else {
            continue;
        };
        let new_hours = same_work_hours(hours, a, b);
        let job = rebuild(to, new_hours)?;
        if !matches!(job.load, Load::Components { .. }) {
            continue;
        }
        let result = estimate(&job, location);
        let mut alt = alternative(
            baseline,
            to.name.to_string(),
            Place::of(location),
            result,
            format!(
                "same work assumed: {:.1} h instead of {:.1} h ({metric} peak {b} vs {a} TFLOPS)",
                new_hours.0, hours.0
            ),
        );
        alt.hardware = Some(to.id.to_string());
        out.push(alt);
    }
    sort(&mut out);
    Ok(out)
}
