//! `mlcarbon advise`: what to do about a job's emissions. Candidates from the model (a cleaner
//! region of the same provider, another provider, other hardware, a later start, a GPU power
//! limit, random search instead of a grid), ranked by `advise::advise`, which keeps only
//! justified savings.

use anyhow::{Result, anyhow};
use mlcarbon_data::{Dataset, Hardware, HardwareKind};
use mlcarbon_model::advise::{
    Action, ActionCost, ActionKind, AdviceOptions, Candidate, Rejected, advise,
};
use mlcarbon_model::compare::{self, Alternative};
use mlcarbon_model::power_cap::{PowerCapEffect, best_power_cap, capped_job};
use mlcarbon_model::report::REGION_CAVEAT;
use mlcarbon_model::request::build_job;
use mlcarbon_model::schedule::{ScheduleRequest, schedule};
use mlcarbon_model::search::{GridSpec, SearchOptions, plan_search};
use mlcarbon_model::statement::{human_mass, human_number};
use mlcarbon_model::units::{Hours, KilowattHours};
use mlcarbon_model::{Estimate, Job, Load, estimate};
use serde::Serialize;

use crate::cli::{AdviseArgs, TableFormat};
use crate::commands::act::{Subject, now_or, profile_zones, subject, zone_profile};
use crate::output::{Table, json};

#[derive(Debug, Serialize)]
struct LocationReport {
    label: String,
    provider: Option<String>,
    region: Option<String>,
    zone: Option<String>,
}

/// The job as given: one run (one trial, with --grid).
#[derive(Debug, Serialize)]
struct BaselineReport {
    hours: f64,
    energy_kwh: f64,
    emissions_kg: f64,
    emissions_kg_low: f64,
    emissions_kg_high: f64,
}

/// The JSON of `advise` (documented in docs/cli.md).
#[derive(Debug, Serialize)]
struct AdviseReport {
    mlcarbon_version: &'static str,
    dataset: String,
    job: String,
    location: LocationReport,
    baseline: BaselineReport,
    /// With --grid: the trials of the grid. Every action's `before` and `after` are then for
    /// the whole search (the run's figures × this many trials).
    search_trials: Option<u64>,
    /// Ranked, most kg saved first; each with a justified saving.
    actions: Vec<Action>,
    /// Candidates left out, and why.
    rejected: Vec<Rejected>,
    /// Caveats that go with the actions (the load-balancing caveat of Lacoste et al. 2019).
    caveats: Vec<String>,
    /// Actions not considered, and why.
    notes: Vec<String>,
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
) -> Result<Option<Candidate>> {
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
) -> Result<Option<Candidate>> {
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

/// The cleanest other accelerator for the same work.
fn hardware_candidate(
    data: &Dataset,
    s: &Subject<'_>,
    baseline: &Estimate,
    notes: &mut Vec<String>,
) -> Result<Option<Candidate>> {
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
            build_job(data, request, Some(h), hours)
                .map_err(|e| mlcarbon_model::scenario::ScenarioError::Invalid(e.message))
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
    args: &AdviseArgs,
    notes: &mut Vec<String>,
) -> Result<Option<Candidate>> {
    let Some(deadline) = args.deadline else {
        notes.push(
            "start time: give --deadline HOURS (when the job must be done) to consider starting later"
                .to_string(),
        );
        return Ok(None);
    };
    let now = now_or(args.now.as_deref())?;
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
    let hours = baseline.hours.0;
    if hours <= 0.0 {
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
        Ok(result) => {
            let basis = format!(
                "{} ({}{}, {})",
                choice.label,
                if choice.kind == "hourly" {
                    "profiles_hourly_2022.csv"
                } else {
                    "profiles_month_hour.csv"
                },
                if choice.pattern_of.is_some() {
                    ", profile_proxies.csv"
                } else {
                    ""
                },
                choice.source.as_deref().unwrap_or("built-in")
            );
            Ok(Some(Candidate::from_schedule(
                &result,
                baseline.energy,
                basis,
            )))
        }
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
    let rest = (run.it_energy_kwh() - gpu).max(0.0);
    let it = gpu * energy_factor + rest * time_factor;
    let provenance = match &s.job.load {
        Load::Energy { provenance, .. } => provenance.clone(),
        Load::Components { .. } => mlcarbon_model::Provenance::given("IT energy", String::new()),
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

/// With --grid, the search and its trial count.
fn search_candidate(args: &AdviseArgs, baseline: &Estimate) -> Result<Option<(Candidate, u64)>> {
    let Some(spec) = &args.grid else {
        return Ok(None);
    };
    let grid = GridSpec::parse(spec).map_err(|e| anyhow!("--grid: {e}"))?;
    let options = SearchOptions {
        top_fraction: args.top,
        probability: args.probability,
        halving: None,
    };
    let plan = plan_search(&grid, &options, baseline).map_err(|e| anyhow!("{e}"))?;
    Ok(Some((Candidate::from_search(&plan), plan.grid_trials)))
}

/// A per-run action applied to every trial of the search.
fn for_every_trial(mut c: Candidate, trials: u64) -> Candidate {
    let n = trials as f64;
    c.before = mlcarbon_model::units::KgCo2e(c.before.0 * n);
    c.after = mlcarbon_model::units::KgCo2e(c.after.0 * n);
    if c.kind == ActionKind::Schedule {
        c.caveat = format!(
            "{}; for the whole search, every trial must run in that window (in parallel)",
            c.caveat
        );
    }
    c
}

fn cost_text(cost: &ActionCost) -> String {
    let mut parts = Vec::new();
    if let Some(delay) = cost.delay {
        parts.push(format!("wait {} h", human_number(delay.0)));
    }
    match (
        cost.run_time_change_percent,
        cost.device_hours_change_percent,
    ) {
        (Some(t), Some(d)) if (t - d).abs() < 0.5 => {
            parts.push(format!("{t:+.0} % run time and device-hours"));
        }
        (t, d) => {
            if let Some(t) = t {
                parts.push(format!("{t:+.0} % run time"));
            }
            if let Some(d) = d {
                parts.push(format!("{d:+.0} % device-hours"));
            }
        }
    }
    if parts.is_empty() {
        "no extra time".to_string()
    } else {
        parts.join(", ")
    }
}

fn table(report: &AdviseReport, with_details: bool) -> Table {
    let mut headers = vec![
        ("#", true),
        ("action", false),
        ("saves", true),
        ("saves %", true),
        ("cost in time", false),
    ];
    if with_details {
        headers.push(("caveat", false));
        headers.push(("basis", false));
    }
    let mut t = Table::new(&headers);
    for (i, a) in report.actions.iter().enumerate() {
        let mut row = vec![
            (i + 1).to_string(),
            a.label.clone(),
            format!("{} CO2e", human_mass(a.saving.0)),
            format!("{:.0} %", a.saving_percent),
            cost_text(&a.cost),
        ];
        if with_details {
            row.push(a.caveat.clone());
            row.push(a.basis.clone());
        }
        t.push(row);
    }
    t
}

fn human(report: &AdviseReport) -> String {
    let b = &report.baseline;
    let mut out = format!(
        "Advice for {}{} in {}: {} CO2e (range {}–{})\n",
        report.job,
        if b.hours > 0.0 {
            format!(" for {} h", human_number(b.hours))
        } else {
            String::new()
        },
        report.location.label,
        human_mass(b.emissions_kg),
        human_mass(b.emissions_kg_low),
        human_mass(b.emissions_kg_high),
    );
    if let Some(n) = report.search_trials {
        out.push_str(&format!(
            "as one trial of a grid search of {n} trials: {} CO2e for the search; every saving below is for the whole search\n",
            human_mass(b.emissions_kg * n as f64)
        ));
    }
    out.push('\n');
    if report.actions.is_empty() {
        out.push_str("No action with a saving the data can justify.\n");
    } else {
        out.push_str(&table(report, false).human());
        out.push('\n');
        for (i, a) in report.actions.iter().enumerate() {
            out.push_str(&format!(
                "{}. {} ({})\n   caveat: {}\n   basis: {}\n",
                i + 1,
                a.kind.label(),
                a.label,
                a.caveat,
                a.basis
            ));
        }
    }
    for caveat in &report.caveats {
        out.push_str(&format!("\n{caveat}\n"));
    }
    if !report.rejected.is_empty() {
        out.push_str("\nNot advised\n");
        for r in &report.rejected {
            out.push_str(&format!(
                "  {}: {} — {}\n",
                r.kind.label(),
                r.label,
                r.reason
            ));
        }
    }
    if !report.notes.is_empty() {
        out.push_str("\nNot considered\n");
        for note in &report.notes {
            out.push_str(&format!("  {note}\n"));
        }
    }
    out
}

pub fn run(data: &Dataset, args: &AdviseArgs) -> Result<String> {
    let s = subject(
        data,
        &args.job,
        &args.location,
        args.run.as_deref(),
        args.db.as_deref(),
    )?;
    let baseline = estimate(&s.job, &s.location.location);
    let mut notes = Vec::new();
    let mut candidates = Vec::new();
    candidates.extend(region_candidate(data, &s, &baseline, &mut notes)?);
    candidates.extend(provider_candidate(data, &s, &baseline)?);
    candidates.extend(hardware_candidate(data, &s, &baseline, &mut notes)?);
    candidates.extend(schedule_candidate(data, &s, &baseline, args, &mut notes)?);
    candidates.extend(power_candidate(
        data,
        &s,
        &baseline,
        args.max_slowdown,
        &mut notes,
    ));
    let search_trials = match search_candidate(args, &baseline)? {
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
    let location = &s.location.location;
    let report = AdviseReport {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        dataset: data.name.clone(),
        job: s.description.clone(),
        location: LocationReport {
            label: location.label.clone(),
            provider: location.provider.clone(),
            region: location.region.clone(),
            zone: location.zone.clone(),
        },
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
    };
    match args.format {
        TableFormat::Json => json(&report),
        TableFormat::Csv => table(&report, true).csv(),
        TableFormat::Markdown => Ok(table(&report, true).markdown()),
        TableFormat::Human => Ok(human(&report)),
    }
}
