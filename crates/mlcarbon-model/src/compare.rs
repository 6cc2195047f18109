//! The same job elsewhere or on other hardware, sorted, with what each choice saves.

use mlcarbon_data::{Dataset, Hardware, Provider, Zone, ZoneKind};
use serde::Serialize;

use crate::estimate::{Estimate, Job, Load, Location, estimate, estimate_with};
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
        let f = scenario::region_figures(data, provider, region)?;
        let result = estimate_with(job, f.intensity, f.pue, f.offset_percent);
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
        out.push(alternative(baseline, label, place, result, String::new()));
    }
    sort(&mut out);
    Ok(out)
}

/// The cleanest region of every provider, cleanest first.
pub fn cleanest_per_provider(
    data: &Dataset,
    job: &Job,
    baseline: &Estimate,
) -> Result<Vec<Alternative>, ScenarioError> {
    let mut out = Vec::new();
    for provider in data.providers.iter() {
        if let Some(best) = provider_regions(data, job, baseline, provider)?
            .into_iter()
            .next()
        {
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
    // Hundreds of zones: rank on the figures, then label only the ones kept.
    let mut ranked = Vec::new();
    for zone in data
        .zones
        .iter()
        .filter(|z| z.kind != ZoneKind::World && keep(z))
    {
        let f = scenario::zone_figures(data, zone, pue.range)?;
        ranked.push((zone, estimate_with(job, f.intensity, f.pue, None)));
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

/// Hours the same work takes on other hardware, assuming time scales inversely with peak
/// throughput (the same count of devices, the same fraction of peak reached).
pub fn same_work_hours(hours: Hours, from_tflops: f64, to_tflops: f64) -> Hours {
    Hours(hours.0 * from_tflops / to_tflops)
}

/// The job on each of `candidates` instead of `from`, at the same location, for the same work.
/// `rebuild` makes the job for a device and a duration (it keeps count and utilization).
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
        if to.id == from.id {
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
