//! The reports of `estimate` and `compare` as data: what `mlcarbon estimate --format json` prints
//! and what the web API answers, built in one place.

use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Edition, Mlco2Gpu};
use mlcarbon_data::{Dataset, Hardware, HardwareKind};
use serde::Serialize;

use crate::compare::{self, Alternative};
use crate::compat::{Mlco2Intensity, Mlco2Result, mlco2_estimate};
use crate::embodied::{self, EmbodiedError, EmbodiedPart, HostSpec, device_figure, host_figure};
use crate::equivalents::{EquivalentAmount, equivalents};
use crate::estimate::{Estimate, Job, Load, Location, Provenance, estimate};
use crate::format::human_number;
use crate::request::{
    EstimateRequest, RequestError, Resolved, ResolvedJob, ResolvedLocation, build_job,
    provenance_of, resolve_hardware,
};
use crate::units::Hours;

#[derive(Debug, Clone, Serialize)]
pub struct LowHigh {
    pub low: f64,
    pub high: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RangeReport {
    pub energy_kwh: LowHigh,
    pub emissions_kg: LowHigh,
    pub intensity_g_per_kwh: LowHigh,
    pub pue: LowHigh,
}

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LocationReport {
    pub label: String,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
}

impl From<&Location> for LocationReport {
    fn from(location: &Location) -> Self {
        LocationReport {
            label: location.label.clone(),
            provider: location.provider.clone(),
            region: location.region.clone(),
            zone: location.zone.clone(),
        }
    }
}

/// The JSON of `estimate` (documented in docs/cli.md; fields are only ever added).
#[derive(Debug, Clone, Serialize)]
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
    /// Every range in mlcarbon's JSON is a pair of fields beside the value: `X_low`, `X_high`.
    pub energy_kwh_low: f64,
    pub energy_kwh_high: f64,
    pub it_energy_kwh: f64,
    pub emissions_kg: f64,
    pub emissions_kg_low: f64,
    pub emissions_kg_high: f64,
    pub offset_kg: Option<f64>,
    pub offset_percent: Option<f64>,
    pub intensity_g_per_kwh: f64,
    pub intensity_g_per_kwh_low: f64,
    pub intensity_g_per_kwh_high: f64,
    /// What `intensity_g_per_kwh` counts: `lifecycle` or `direct`.
    pub basis: &'static str,
    pub pue: f64,
    pub pue_low: f64,
    pub pue_high: f64,
    /// The same ranges as nested `{low, high}` objects, as the first releases wrote them: kept
    /// so that readers of those keep working (fields are only ever added); read the flat ones.
    pub range: RangeReport,
    pub components: Vec<ComponentReport>,
    pub provenance: Vec<Provenance>,
    pub equivalents: Vec<EquivalentAmount>,
    pub greener_options: Vec<OptionReport>,
    pub caveats: Vec<String>,
    /// On-site water the data centre evaporates for the job's IT energy, litres: the provider's
    /// published WUE × IT energy; `null` where none is published (never a guessed average).
    pub water_l: Option<f64>,
    /// Water used off site to generate the electricity, litres: `null` while the data holds no
    /// sourced grid water intensity.
    pub water_offsite_l: Option<f64>,
    /// Where the water figures come from, or why there are none.
    pub water_note: String,
    /// What the published calculator gives for the same job, where it knows device and region.
    pub mlco2: Option<Mlco2Comparison>,
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
) -> Result<Vec<Alternative>, RequestError> {
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
    options.extend(compare::cleanest_zones(
        data,
        job,
        result,
        &resolved.location.pue,
        2,
        // cleanest_zones built the rankings this reads: no error is left to meet here.
        |z| compare::hosts_a_region(data, z).unwrap_or(false),
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
    mlco2: Option<Mlco2Comparison>,
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
    let water = on_site_water(data, location, result);
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
        location: LocationReport::from(location),
        energy_kwh: result.energy.value.0,
        it_energy_kwh: result.it_energy.value.0,
        emissions_kg: result.emissions.value.0,
        offset_kg: result.offset.map(|o| o.0),
        offset_percent: location.offset_percent,
        intensity_g_per_kwh: result.intensity.value.0,
        basis: result.basis.as_str(),
        pue: result.pue.value,
        energy_kwh_low: result.energy.low.0,
        energy_kwh_high: result.energy.high.0,
        emissions_kg_low: result.emissions.low.0,
        emissions_kg_high: result.emissions.high.0,
        intensity_g_per_kwh_low: result.intensity.low.0,
        intensity_g_per_kwh_high: result.intensity.high.0,
        pue_low: result.pue.low,
        pue_high: result.pue.high,
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
        water_l: water.as_ref().map(|(litres, _)| *litres),
        water_offsite_l: None,
        water_note: match water {
            Some((_, note)) => note,
            None => match &location.provider {
                Some(p) => format!(
                    "no water figure: {p} publishes no water usage effectiveness (WUE) in the data"
                ),
                None => "no water figure: on-site water needs a provider's published water usage effectiveness (WUE)".to_string(),
            },
        } + "; off-site water (for generating the electricity) needs a grid water intensity, which the data does not hold",
        mlco2,
    }
}

/// On-site water of a job: the provider's (or region's) published WUE × IT energy, with a note
/// naming the figure's source and year.
fn on_site_water(data: &Dataset, location: &Location, result: &Estimate) -> Option<(f64, String)> {
    let wue = data.wue(location.provider.as_deref()?, location.region.as_deref())?;
    let litres = wue.wue_l_per_kwh * result.it_energy.value.0;
    Some((
        litres,
        format!(
            "on-site water: WUE {} L/kWh × {} kWh of IT energy ({}{}, {}, water.csv)",
            wue.wue_l_per_kwh,
            human_number(result.it_energy.value.0),
            wue.provider,
            if wue.region.is_empty() {
                String::new()
            } else {
                format!(" {}", wue.region)
            },
            wue.year
        ),
    ))
}

/// The calculator's provider ids differ from ours in one place.
fn mlco2_provider_id(ours: &str) -> &str {
    match ours {
        "ovhcloud" => "ovh",
        other => other,
    }
}

fn same_name(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect::<String>()
    };
    norm(a) == norm(b)
}

/// The calculator's device that one of our rows stands for (our aliases keep its names).
pub fn mlco2_device_for<'m>(mlco2: &'m Mlco2Dataset, hardware: &Hardware) -> Option<&'m Mlco2Gpu> {
    mlco2.gpus.iter().find(|g| {
        same_name(&g.name, &hardware.name) || hardware.aliases.iter().any(|a| same_name(a, &g.name))
    })
}

/// What the published calculator gives for the same job, and why ours differs.
#[derive(Debug, Clone, Serialize)]
pub struct Mlco2Comparison {
    pub result: Mlco2Result,
    pub differences: String,
}

pub fn compare_with_mlco2(
    mlco2: &Mlco2Dataset,
    job: &ResolvedJob<'_>,
    location: &ResolvedLocation<'_>,
    ours: &Estimate,
) -> Option<Mlco2Comparison> {
    let hardware = job.hardware?;
    let gpu = mlco2_device_for(mlco2, hardware)?;
    let provider = location.provider?;
    let region = location.region?;
    let row = mlco2
        .provider_regions(mlco2_provider_id(&provider.id))
        .find(|r| r.region.eq_ignore_ascii_case(&region.region))?;
    let result = mlco2_estimate(
        &gpu.name,
        gpu.tdp_watts,
        job.hours.0,
        Mlco2Intensity::Region(row),
    )
    .ok()?;
    let mut differences = vec![format!(
        "it takes {} W at 100 % (ours: {} W × {:.0} % utilization)",
        gpu.tdp_watts,
        hardware.power_w?,
        match &job.job.load {
            Load::Components { components } =>
                components.first().map_or(100.0, |c| c.utilization * 100.0),
            Load::Energy { .. } => 100.0,
        }
    )];
    if job.count != 1 {
        differences.push(format!("it has no device count (ours: {})", job.count));
    }
    differences.push(format!(
        "its intensity is {} g/kWh, `{}` truncated, source {} (ours: {} g/kWh)",
        result.impact_g_per_kwh,
        row.impact_text,
        if row.source.is_empty() {
            "not given"
        } else {
            row.source.as_str()
        },
        human_number(ours.intensity.value.0)
    ));
    differences.push(format!("it has no PUE (ours: {:.2})", ours.pue.value));
    differences.push("it rounds every step to 0.01".to_string());
    Some(Mlco2Comparison {
        result,
        differences: differences.join("; "),
    })
}

/// The whole `estimate` report of a resolved request: figures, provenance, equivalents, greener
/// options, and what the published calculator gives for the same job.
pub fn estimate_report(
    data: &Dataset,
    resolved: &Resolved<'_>,
) -> Result<EstimateReport, RequestError> {
    let result = estimate(&resolved.job.job, &resolved.location.location);
    let options = greener_options(data, &resolved.job.job, &result, &resolved.location)?;
    let mlco2 = Mlco2Dataset::shared(Mlco2Edition::Current)
        .ok()
        .and_then(|mlco2| compare_with_mlco2(mlco2, &resolved.job, &resolved.location, &result));
    Ok(build_report(
        data,
        &resolved.job,
        &resolved.location,
        &result,
        &options,
        mlco2,
    ))
}

/// What a comparison varies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CompareBy {
    /// Every region of the job's provider.
    Regions,
    /// The cleanest region of each provider.
    Providers,
    /// The cleanest grid zones, with the job's PUE.
    Zones,
    /// Other accelerators for the same work.
    Hardware,
}

impl CompareBy {
    pub fn name(self) -> &'static str {
        match self {
            CompareBy::Regions => "regions",
            CompareBy::Providers => "providers",
            CompareBy::Zones => "zones",
            CompareBy::Hardware => "hardware",
        }
    }
}

/// The JSON of `compare`.
#[derive(Debug, Clone, Serialize)]
pub struct CompareReport {
    pub by: &'static str,
    pub baseline: OptionReport,
    pub assumption: Option<String>,
    pub alternatives: Vec<OptionReport>,
    pub caveat: Option<&'static str>,
}

/// The same job across regions, providers, zones or hardware. `by` defaults to regions with a
/// provider, else zones; `with` names the accelerators to compare with (default: all with
/// published throughput). A non-empty `candidates` list (see
/// [`crate::request::resolve_candidates`]) compares exactly its places instead.
#[allow(clippy::too_many_arguments)] // the CLI's flags, one by one; callers name each
pub fn compare_report(
    data: &Dataset,
    request: &EstimateRequest,
    resolved: &Resolved<'_>,
    by: Option<CompareBy>,
    limit: usize,
    with: &[String],
    all_zones: bool,
    candidates: &[String],
) -> Result<CompareReport, RequestError> {
    let job = &resolved.job;
    let location = &resolved.location;
    let baseline = estimate(&job.job, &location.location);
    if !candidates.is_empty() {
        if let Some(by) = by {
            return Err(RequestError::new(
                "candidates",
                format!(
                    "--candidates compares exactly the places it lists; leave out --by {}",
                    by.name()
                ),
            ));
        }
        let places = crate::request::resolve_candidates(data, candidates)?;
        let alternatives =
            compare::candidate_places(data, &job.job, &baseline, &location.location.pue, &places)?;
        return Ok(CompareReport {
            by: "candidates",
            baseline: baseline_option(resolved, &baseline),
            assumption: Some(
                "only the places you listed: a region with its provider's PUE, a zone with the job's"
                    .to_string(),
            ),
            alternatives: alternatives.iter().map(OptionReport::from).collect(),
            caveat: None,
        });
    }
    let by = by.unwrap_or(if location.provider.is_some() {
        CompareBy::Regions
    } else {
        CompareBy::Zones
    });
    let (mut alternatives, assumption) = match by {
        CompareBy::Regions => {
            let Some(provider) = location.provider else {
                return Err(RequestError::new(
                    "by",
                    "comparing by regions needs a provider and region; compare by zones or providers without one",
                ));
            };
            (
                compare::provider_regions(data, &job.job, &baseline, provider)?,
                None,
            )
        }
        CompareBy::Providers => (
            compare::cleanest_per_provider(data, &job.job, &baseline)?,
            None,
        ),
        CompareBy::Zones => (
            compare::cleanest_zones(
                data,
                &job.job,
                &baseline,
                &location.location.pue,
                limit,
                // Places where compute can be rented, unless every zone is asked for.
                |z| all_zones || compare::hosts_a_region(data, z).unwrap_or(false),
            )?,
            Some(if all_zones {
                "the job's PUE is kept for every zone; every zone, also those without a listed data centre".to_string()
            } else {
                "the job's PUE is kept for every zone; only zones that host cloud regions of listed providers (--all-zones for every zone)".to_string()
            }),
        ),
        CompareBy::Hardware => {
            let Some(from) = job.hardware else {
                return Err(RequestError::new(
                    "hardware",
                    "comparing by hardware needs the job's hardware",
                ));
            };
            let candidates: Vec<&Hardware> = if with.is_empty() {
                data.hardware
                    .iter()
                    .filter(|h| h.kind != HardwareKind::Cpu)
                    .collect()
            } else {
                with.iter()
                    .map(|n| resolve_hardware(data, n))
                    .collect::<Result<_, _>>()?
            };
            let alternatives = compare::other_hardware(
                &baseline,
                &location.location,
                from,
                job.hours,
                &candidates,
                |h, hours: Hours| {
                    build_job(data, request, Some(h), hours)
                        .map_err(|e| crate::scenario::ScenarioError::Invalid(e.message))
                },
            )?;
            if alternatives.is_empty() {
                return Err(RequestError::new(
                    "hardware",
                    format!(
                        "no other hardware has published throughput comparable with {}",
                        from.name
                    ),
                ));
            }
            let mut assumption = "same work: time scales inversely with peak dense throughput (the same count of devices, \
                 the same fraction of peak reached); energy per unit of work, not measured speed"
                .to_string();
            if let Some(skipped) = compare::without_power(from, &candidates) {
                assumption = format!("{assumption}; {skipped}");
            }
            (alternatives, Some(assumption))
        }
    };
    alternatives.truncate(limit);
    Ok(CompareReport {
        by: by.name(),
        baseline: baseline_option(resolved, &baseline),
        assumption,
        alternatives: alternatives.iter().map(OptionReport::from).collect(),
        caveat: (by != CompareBy::Hardware).then_some(REGION_CAVEAT),
    })
}

/// The job as it is, first line of a comparison.
fn baseline_option(resolved: &Resolved<'_>, baseline: &Estimate) -> OptionReport {
    let (job, location) = (&resolved.job, &resolved.location);
    OptionReport {
        label: format!("{} in {}", job.description, location.location.label),
        provider: location.location.provider.clone(),
        region: location.location.region.clone(),
        zone: location.location.zone.clone(),
        hardware: job.hardware.map(|h| h.id.to_string()),
        hours: job.hours.0,
        emissions_kg: baseline.emissions.value.0,
        emissions_kg_low: baseline.emissions.low.0,
        emissions_kg_high: baseline.emissions.high.0,
        saving_kg: 0.0,
        saving_percent: 0.0,
        note: "your job".to_string(),
    }
}

// --- embodied emissions ------------------------------------------------------------------------

/// What a run holds: devices, a host, for how long.
pub struct EmbodiedInput<'a> {
    pub devices: Option<(&'a Hardware, u32)>,
    pub host: Option<HostSpec>,
    pub run_hours: f64,
    pub lifetime_years: Option<f64>,
}

/// One part of `embodied` in JSON.
#[derive(Debug, Clone, Serialize)]
pub struct EmbodiedPartReport {
    pub label: String,
    pub count: f64,
    pub per_unit_kg: f64,
    pub per_unit_kg_low: f64,
    pub per_unit_kg_high: f64,
    pub lifetime_hours: f64,
    pub lifetime_hours_low: f64,
    pub lifetime_hours_high: f64,
    pub for_run_kg: f64,
    pub for_run_kg_low: f64,
    pub for_run_kg_high: f64,
    pub provenance: Provenance,
}

/// Embodied (manufacturing) emissions charged to a run: beside the operational ones, never in them.
#[derive(Debug, Clone, Serialize)]
pub struct EmbodiedReport {
    pub run_hours: f64,
    pub total_kg: f64,
    pub total_kg_low: f64,
    pub total_kg_high: f64,
    /// Always false: embodied emissions are reported beside `emissions_kg`, never added to it.
    pub included_in_emissions: bool,
    pub parts: Vec<EmbodiedPartReport>,
    pub notes: Vec<String>,
}

const EMBODIED_METHOD: &str = "manufacturing emissions amortized linearly: kg × run hours × count / lifetime hours (Cloud Carbon Footprint; Luccioni et al. 2022); reported beside the operational emissions, never added to them";

impl EmbodiedReport {
    /// The lifetimes of the parts, "a 4-year life" or "4-/3-year lives".
    pub fn lifetimes_text(&self) -> String {
        let mut lives: Vec<String> = self
            .parts
            .iter()
            .map(|p| human_number(p.lifetime_hours / embodied::HOURS_PER_YEAR))
            .collect();
        lives.dedup();
        if lives.len() == 1 {
            format!("a {}-year life", lives[0])
        } else {
            format!("{}-year lives", lives.join("-/"))
        }
    }

    /// What the parts are, in a few words: "8 × A100 SXM4 80GB card + host (commodity server)".
    pub fn parts_text(&self) -> String {
        self.parts
            .iter()
            .map(|p| {
                if p.count == 1.0 {
                    p.label.clone()
                } else {
                    format!("{} × {}", human_number(p.count), p.label)
                }
            })
            .collect::<Vec<_>>()
            .join(" + ")
    }
}

/// The embodied emissions of what a run holds: each device and the host charged for the run's
/// hours; what has no figure in the data is named in `notes`, not guessed.
pub fn embodied_report(
    data: &Dataset,
    input: &EmbodiedInput<'_>,
) -> Result<EmbodiedReport, EmbodiedError> {
    let mut parts = Vec::new();
    let mut notes = Vec::new();
    let lifetime =
        |figure: &embodied::EmbodiedFigure| embodied::lifetime(data, figure, input.lifetime_years);
    match input.devices {
        Some((hardware, count)) => match device_figure(data, hardware) {
            Ok(figure) => parts.push(EmbodiedPart {
                lifetime: lifetime(&figure)?,
                figure,
                count: f64::from(count),
            }),
            Err(EmbodiedError::NoFigure(what)) => notes.push(format!(
                "no manufacturing figure for {what} in the data (embodied.csv has one per GPU card); its devices are not counted"
            )),
            Err(e) => return Err(e),
        },
        None => notes.push(
            "no hardware given (a metered energy): no device to charge manufacturing emissions to"
                .to_string(),
        ),
    }
    match &input.host {
        Some(spec) => match host_figure(data, spec) {
            Ok(figure) => parts.push(EmbodiedPart {
                lifetime: lifetime(&figure)?,
                figure,
                count: 1.0,
            }),
            Err(EmbodiedError::NoFigure(what)) => {
                notes.push(format!("no manufacturing figure for {what} in the data"));
            }
            Err(e) => return Err(e),
        },
        None if input.devices.is_some() => notes.push(
            "the host server is not counted: describe it with --cpu/--cpu-count/--ram-gb"
                .to_string(),
        ),
        None => {}
    }
    let estimate = embodied::embodied_estimate(Hours(input.run_hours), parts)?;
    notes.push(EMBODIED_METHOD.to_string());
    Ok(EmbodiedReport {
        run_hours: estimate.run_hours.0,
        total_kg: estimate.total.value.0,
        total_kg_low: estimate.total.low.0,
        total_kg_high: estimate.total.high.0,
        included_in_emissions: false,
        parts: estimate
            .parts
            .into_iter()
            .map(|p| EmbodiedPartReport {
                label: p.figure.label,
                count: p.count,
                per_unit_kg: p.figure.per_unit.value.0,
                per_unit_kg_low: p.figure.per_unit.low.0,
                per_unit_kg_high: p.figure.per_unit.high.0,
                lifetime_hours: p.lifetime.value.0,
                lifetime_hours_low: p.lifetime.low.0,
                lifetime_hours_high: p.lifetime.high.0,
                for_run_kg: p.for_run.value.0,
                for_run_kg_low: p.for_run.low.0,
                for_run_kg_high: p.for_run.high.0,
                provenance: p.figure.provenance,
            })
            .collect(),
        notes,
    })
}

/// What `mlcarbon estimate --format json` prints and `/api/estimate` answers: the report, and
/// beside it the embodied emissions (fields are only ever added; docs/cli.md).
#[derive(Debug, Clone, Serialize)]
pub struct EstimateOutput {
    #[serde(flatten)]
    pub report: EstimateReport,
    pub embodied: EmbodiedReport,
}

/// The embodied emissions of a request's devices and host (`cpu`, `ram_gb`) over its hours,
/// spread over `lifetime_years` when it gives one.
pub fn request_embodied(
    data: &Dataset,
    request: &EstimateRequest,
    job: &ResolvedJob<'_>,
) -> Result<EmbodiedReport, RequestError> {
    embodied_report(
        data,
        &EmbodiedInput {
            devices: job.hardware.map(|h| (h, job.count)),
            host: crate::request::host_spec(request),
            run_hours: job.hours.0,
            lifetime_years: request.lifetime_years,
        },
    )
    .map_err(|e| {
        let field = match &e {
            EmbodiedError::OutOfRange { name: "DRAM", .. } => "ram_gb",
            EmbodiedError::OutOfRange { .. } => "lifetime_years",
            EmbodiedError::NoFigure(_) | EmbodiedError::MissingConstant { .. } => "data",
        };
        RequestError::new(field, e.to_string())
    })
}

/// [`estimate_report`] with the embodied emissions of the request's devices and host.
pub fn estimate_output(
    data: &Dataset,
    request: &EstimateRequest,
    resolved: &Resolved<'_>,
) -> Result<EstimateOutput, RequestError> {
    let embodied = request_embodied(data, request, &resolved.job)?;
    Ok(EstimateOutput {
        report: estimate_report(data, resolved)?,
        embodied,
    })
}
