//! `advise` as one call: candidates for the job (a cleaner region of the same provider, another
//! provider, other hardware, a later start, a GPU power limit, random search instead of a grid),
//! ranked by [`advise`], which keeps only justified savings. [`AdviseReport`] is the JSON of
//! `mlcarbon advise --format json` and `/api/advise` (documented in docs/cli.md).

use mlcarbon_data::{Dataset, Hardware, HardwareKind};
use serde::Serialize;

use crate::advise::{Action, ActionKind, AdviceOptions, Candidate, Rejected, advise};
use crate::compare::{self, Alternative};
use crate::estimate::{Estimate, Job, Load, Provenance, estimate};
use crate::params;
use crate::power_cap::{PowerCapEffect, best_power_cap, capped_job};
use crate::profiles::{now_or, profile_zones, zone_profile};
use crate::report::{LocationReport, REGION_CAVEAT};
use crate::request::{RequestError, build_job};
use crate::scenario::ScenarioError;
use crate::schedule::{ScheduleRequest, schedule};
use crate::search::{SearchOptions, plan_search};
use crate::search_report::{
    DEFAULT_PROBABILITY, DEFAULT_TOP, check_search_options, parse_grid, search_error,
};
use crate::statement::human_number;
use crate::subject::{JobSource, Subject, subject};
use crate::time::UtcTime;
use crate::units::{Hours, KgCo2e, KilowattHours};

/// The most extra run time, percent, accepted for a GPU power limit, unless told.
pub const DEFAULT_MAX_SLOWDOWN: f64 = 10.0;

/// The inputs of `advise`, named like its flags.
#[derive(Debug, Clone, PartialEq)]
pub struct AdviseQuery {
    /// The job: an estimate request or a measured run.
    pub job: JobSource,
    /// The job must finish within this many hours of `now`: consider starting later.
    pub deadline: Option<f64>,
    /// RFC 3339; the clock passed to [`advise_report`] when absent.
    pub now: Option<String>,
    /// The most extra run time, percent, accepted for a GPU power limit.
    pub max_slowdown: f64,
    /// The job is one trial of a grid search over these values: consider random search.
    pub grid: Option<String>,
    /// With `grid`: the best fraction q of the space a random search should reach.
    pub top: f64,
    /// With `grid`: the probability p of reaching it.
    pub probability: f64,
    /// The places the job could move to (`--candidates`); empty: the listed providers' regions.
    pub candidates: Vec<String>,
}

impl Default for AdviseQuery {
    fn default() -> Self {
        AdviseQuery {
            job: JobSource::default(),
            deadline: None,
            now: None,
            max_slowdown: DEFAULT_MAX_SLOWDOWN,
            grid: None,
            top: DEFAULT_TOP,
            probability: DEFAULT_PROBABILITY,
            candidates: Vec::new(),
        }
    }
}

/// The job as given: one run (one trial, with a grid).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineReport {
    pub hours: f64,
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    pub emissions_kg_low: f64,
    pub emissions_kg_high: f64,
}

/// The JSON of `advise`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdviseReport {
    pub mlcarbon_version: &'static str,
    pub dataset: String,
    pub job: String,
    pub location: LocationReport,
    pub baseline: BaselineReport,
    /// With a grid: its trials. Every action's `before` and `after` are then for the whole
    /// search (the run's figures × this many trials).
    pub search_trials: Option<u64>,
    /// Ranked, most kg saved first; each with a justified saving.
    pub actions: Vec<Action>,
    /// Candidates left out, and why.
    pub rejected: Vec<Rejected>,
    /// Caveats that go with the actions (the load-balancing caveat of Lacoste et al. 2019).
    pub caveats: Vec<String>,
    /// Actions not considered, and why.
    pub notes: Vec<String>,
}

fn place_basis(alternative: &Alternative) -> String {
    format!(
        "{}: grid intensity {} g CO2e/kWh, PUE {:.2} (regions.csv, zones.csv, providers.csv)",
        alternative.label,
        human_number(alternative.estimate.intensity.value.0),
        alternative.estimate.pue.value
    )
}

/// The cleanest region of the job's own provider (its own region included: then no saving).
fn region_candidate(
    data: &Dataset,
    s: &Subject<'_>,
    baseline: &Estimate,
    notes: &mut Vec<String>,
) -> Result<Option<Candidate>, RequestError> {
    let Some(provider) = s.location.provider else {
        notes.push(
            "region: the job has no cloud provider; give --provider/--region to compare its regions"
                .to_string(),
        );
        return Ok(None);
    };
    let regions = compare::provider_regions(data, &s.job, baseline, provider)?;
    Ok(regions.first().map(|best| {
        let mut c =
            Candidate::from_alternative(ActionKind::Region, baseline, best, place_basis(best));
        let own = best.region.is_some() && best.region == s.location.location.region;
        c.label = if own {
            format!(
                "stay: {} is already the cleanest region of {}",
                best.label, provider.id
            )
        } else {
            format!("move to {}", best.label)
        };
        c
    }))
}

/// The cleanest region of another provider.
fn provider_candidate(
    data: &Dataset,
    s: &Subject<'_>,
    baseline: &Estimate,
) -> Result<Option<Candidate>, RequestError> {
    let own = s.location.provider.map(|p| p.id.to_string());
    let options = compare::cleanest_per_provider(data, &s.job, baseline)?;
    Ok(options
        .iter()
        .find(|a| own.is_none() || a.provider != own)
        .map(|best| {
            let mut c = Candidate::from_alternative(
                ActionKind::Provider,
                baseline,
                best,
                place_basis(best),
            );
            c.label = match &own {
                Some(_) => format!("move to another provider: {}", best.label),
                None => format!("run in the cloud at {}", best.label),
            };
            c
        }))
}

/// The cleanest of the places the user listed (`--candidates`): a region move when it is one
/// of the job's provider's regions, else a move to that place.
fn listed_candidate(
    data: &Dataset,
    s: &Subject<'_>,
    baseline: &Estimate,
    listed: &[String],
) -> Result<Option<Candidate>, RequestError> {
    let places = crate::request::resolve_candidates(data, listed)?;
    let options =
        compare::candidate_places(data, &s.job, baseline, &s.location.location.pue, &places)?;
    let own_provider = s.location.provider.map(|p| p.id.to_string());
    Ok(options.first().map(|best| {
        let same_provider = best.provider.is_some() && best.provider == own_provider;
        let kind = if same_provider {
            ActionKind::Region
        } else {
            ActionKind::Provider
        };
        let mut c = Candidate::from_alternative(kind, baseline, best, place_basis(best));
        let here = best.region.is_some() && best.region == s.location.location.region
            || best.region.is_none()
                && s.location.location.region.is_none()
                && best.zone == s.location.location.zone;
        c.label = if here {
            format!(
                "stay: {} is already the cleanest of your candidates",
                best.label
            )
        } else {
            format!("move to {}, the cleanest of your candidates", best.label)
        };
        c
    }))
}

/// The cleanest other accelerator for the same work.
fn hardware_candidate(
    data: &Dataset,
    s: &Subject<'_>,
    baseline: &Estimate,
    notes: &mut Vec<String>,
) -> Result<Option<Candidate>, RequestError> {
    let (Some(request), Some(from)) = (&s.request, s.hardware) else {
        notes.push(if s.run.is_some() {
            "hardware: not considered for a measured run (its energy cannot be rescaled to other devices); `mlcarbon compare --by hardware` with its hardware and hours can".to_string()
        } else {
            "hardware: the job names no accelerator (--hardware)".to_string()
        });
        return Ok(None);
    };
    // Only devices compared on the job's own headline precision: a tensor-core GPU compared on
    // FP32 with a device that publishes no tensor figure would claim a saving nobody measured.
    let headline = from.peak_tflops().map(|(_, metric)| metric);
    let candidates: Vec<&Hardware> = data
        .hardware
        .iter()
        .filter(|h| h.kind != HardwareKind::Cpu)
        .filter(|h| {
            compare::comparable_throughput(from, h).map(|(_, _, metric)| metric) == headline
        })
        .collect();
    let alternatives = compare::other_hardware(
        baseline,
        &s.location.location,
        from,
        s.job.hours,
        &candidates,
        |h, hours: Hours| {
            build_job(data, request, Some(h), hours).map_err(|e| ScenarioError::Invalid(e.message))
        },
    )?;
    let Some(best) = alternatives.first() else {
        notes.push(format!(
            "hardware: no other accelerator publishes the {} throughput of {} to compare with",
            headline.unwrap_or("peak"),
            from.name
        ));
        return Ok(None);
    };
    let mut c = Candidate::from_alternative(
        ActionKind::Hardware,
        baseline,
        best,
        format!(
            "hardware.csv: rated power and peak dense throughput of {} and {}",
            from.name, best.label
        ),
    );
    c.label = format!(
        "use {} × {} instead of {} ({} h instead of {} h)",
        s.count,
        best.label,
        from.name,
        human_number(best.hours.0),
        human_number(s.job.hours.0)
    );
    c.caveat = format!(
        "{}; time scales inversely with peak throughput (the same fraction of peak reached), an assumption, not a measured speed",
        best.note
    );
    Ok(Some(c))
}

/// Starting later within the deadline, from the zone's profile.
fn schedule_candidate(
    data: &Dataset,
    s: &Subject<'_>,
    baseline: &Estimate,
    query: &AdviseQuery,
    clock: UtcTime,
    notes: &mut Vec<String>,
) -> Result<Option<Candidate>, RequestError> {
    let Some(deadline) = query.deadline else {
        notes.push(
            "start time: give --deadline HOURS (when the job must be done) to consider starting later"
                .to_string(),
        );
        return Ok(None);
    };
    let now = now_or(query.now.as_deref(), clock)?;
    let Some(zone) = s.location.location.zone.as_deref() else {
        notes.push("start time: the location has no grid zone with a profile".to_string());
        return Ok(None);
    };
    let Some(choice) = zone_profile(data, zone, now)? else {
        notes.push(format!(
            "start time: zone {zone} has no intensity profile (built-in profiles: {}); `mlcarbon schedule --profile FILE` takes your own",
            profile_zones(data)
        ));
        return Ok(None);
    };
    if baseline.hours.0 <= 0.0 {
        notes.push("start time: needs the job's duration (--hours)".to_string());
        return Ok(None);
    }
    let request = ScheduleRequest {
        now,
        job: baseline.hours,
        window: Hours(deadline),
        windows: 1,
    };
    match schedule(&choice.profile, &request) {
        Ok(result) => Ok(Some(Candidate::from_schedule(
            &result,
            baseline.energy,
            choice.basis(),
        ))),
        Err(e) => {
            notes.push(format!("start time: {e}"));
            Ok(None)
        }
    }
}

/// A measured run under a power limit: the GPUs use `1 + ΔE` of their energy, the rest of the
/// machine draws as before for `1 + ΔT` of the time.
fn capped_run(s: &Subject<'_>, effect: &PowerCapEffect) -> Job {
    let energy_factor = 1.0 + effect.energy_change_percent.value / 100.0;
    let time_factor = 1.0 + effect.time_change_percent.value / 100.0;
    let Some(run) = &s.run else {
        return capped_job(&s.job, effect);
    };
    let gpu = run.gpu_energy_kwh;
    let rest = (run.it_energy_kwh - gpu).max(0.0);
    let it = gpu * energy_factor + rest * time_factor;
    let provenance = match &s.job.load {
        Load::Energy { provenance, .. } => provenance.clone(),
        Load::Components { .. } => Provenance::given("IT energy", String::new()),
    };
    Job {
        load: Load::Energy {
            it_energy: KilowattHours(it),
            provenance,
        },
        hours: Hours(s.job.hours.0 * time_factor),
    }
}

fn power_candidate(
    data: &Dataset,
    s: &Subject<'_>,
    baseline: &Estimate,
    max_slowdown: f64,
    notes: &mut Vec<String>,
) -> Option<Candidate> {
    let Some(hardware) = s.hardware.filter(|h| h.kind == HardwareKind::Gpu) else {
        notes.push(
            "power limit: needs a GPU model (--hardware, or a run that recorded its GPUs)"
                .to_string(),
        );
        return None;
    };
    let Some(effect) = best_power_cap(data, hardware, max_slowdown) else {
        notes.push(format!(
            "power limit: no measured limit saves GPU energy within +{} % run time (--max-slowdown)",
            human_number(max_slowdown)
        ));
        return None;
    };
    let capped = estimate(&capped_run(s, &effect), &s.location.location);
    Some(Candidate::from_power_cap(baseline, &capped, &effect))
}

/// With a grid, the search and its trial count.
fn search_candidate(
    query: &AdviseQuery,
    baseline: &Estimate,
) -> Result<Option<(Candidate, u64)>, RequestError> {
    let Some(spec) = &query.grid else {
        return Ok(None);
    };
    let grid = parse_grid(spec)?;
    let options = SearchOptions {
        top_fraction: query.top,
        probability: query.probability,
        halving: None,
    };
    let plan = plan_search(&grid, &options, baseline).map_err(search_error)?;
    Ok(Some((Candidate::from_search(&plan), plan.grid_trials)))
}

/// A per-run action applied to every trial of the search.
fn for_every_trial(mut c: Candidate, trials: u64) -> Candidate {
    let n = trials as f64;
    c.before = KgCo2e(c.before.0 * n);
    c.after = KgCo2e(c.after.0 * n);
    if c.kind == ActionKind::Schedule {
        c.caveat = format!(
            "{}; for the whole search, every trial must run in that window (in parallel)",
            c.caveat
        );
    }
    c
}

/// What to do about the query's job; `clock` is the current time when the query gives none.
pub fn advise_report(
    data: &Dataset,
    query: &AdviseQuery,
    clock: UtcTime,
) -> Result<AdviseReport, RequestError> {
    params::DEADLINE.check(query.deadline)?;
    params::MAX_SLOWDOWN.check(Some(query.max_slowdown))?;
    check_search_options(query.top, query.probability)?;
    let s = subject(data, &query.job)?;
    let baseline = estimate(&s.job, &s.location.location);
    let mut notes = Vec::new();
    let mut candidates = Vec::new();
    if query.candidates.is_empty() {
        candidates.extend(region_candidate(data, &s, &baseline, &mut notes)?);
        candidates.extend(provider_candidate(data, &s, &baseline)?);
    } else {
        candidates.extend(listed_candidate(data, &s, &baseline, &query.candidates)?);
    }
    candidates.extend(hardware_candidate(data, &s, &baseline, &mut notes)?);
    candidates.extend(schedule_candidate(
        data, &s, &baseline, query, clock, &mut notes,
    )?);
    candidates.extend(power_candidate(
        data,
        &s,
        &baseline,
        query.max_slowdown,
        &mut notes,
    ));
    let search_trials = match search_candidate(query, &baseline)? {
        Some((search, trials)) => {
            candidates = candidates
                .into_iter()
                .map(|c| for_every_trial(c, trials))
                .collect();
            candidates.push(search);
            Some(trials)
        }
        None => {
            notes.push(
                "search: if this job is one trial of a grid search, give --grid (e.g. lr=5,batch=4,wd=3)"
                    .to_string(),
            );
            None
        }
    };
    let advice = advise(candidates, &AdviceOptions::default());
    let mut caveats = Vec::new();
    if advice
        .actions
        .iter()
        .any(|a| matches!(a.kind, ActionKind::Region | ActionKind::Provider))
    {
        caveats.push(REGION_CAVEAT.to_string());
    }
    Ok(AdviseReport {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        dataset: data.name.clone(),
        job: s.description.clone(),
        location: LocationReport::from(&s.location.location),
        baseline: BaselineReport {
            hours: baseline.hours.0,
            energy_kwh: baseline.energy.value.0,
            emissions_kg: baseline.emissions.value.0,
            emissions_kg_low: baseline.emissions.low.0,
            emissions_kg_high: baseline.emissions.high.0,
        },
        search_trials,
        actions: advice.actions,
        rejected: advice.rejected,
        caveats,
        notes,
    })
}
