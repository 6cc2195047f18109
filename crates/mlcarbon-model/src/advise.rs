//! Advice: candidate actions (another region, provider or device, a later start, a power limit,
//! a cheaper search), each with the emissions before and after, ranked by the kilograms they
//! save. An action is kept only with a positive saving above rounding and a stated basis: a job
//! already in the cleanest region gets no region advice. The caller builds the candidates from
//! `compare`, `schedule`, `power_cap` and `search`; this module only checks and ranks them.

use serde::Serialize;

use crate::compare::Alternative;
use crate::estimate::Estimate;
use crate::power_cap::PowerCapEffect;
use crate::schedule::Schedule;
use crate::search::SearchPlan;
use crate::units::{Hours, KgCo2e, KilowattHours, Ranged};

/// What an action changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Region,
    Provider,
    Hardware,
    Schedule,
    PowerLimit,
    Search,
}

impl ActionKind {
    pub fn label(self) -> &'static str {
        match self {
            ActionKind::Region => "region",
            ActionKind::Provider => "provider",
            ActionKind::Hardware => "hardware",
            ActionKind::Schedule => "schedule",
            ActionKind::PowerLimit => "power limit",
            ActionKind::Search => "search",
        }
    }
}

/// What an action costs besides carbon: time, and device-hours as a proxy for money.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct ActionCost {
    /// Waiting before the start.
    pub delay: Option<Hours>,
    /// Change of the run's wall time, percent.
    pub run_time_change_percent: Option<f64>,
    /// Change of the device-hours billed, percent (a proxy for money; prices differ).
    pub device_hours_change_percent: Option<f64>,
}

/// A possible action with the emissions it leads to.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub kind: ActionKind,
    pub label: String,
    /// Emissions without the action (central value).
    pub before: KgCo2e,
    /// Emissions with it.
    pub after: KgCo2e,
    pub cost: ActionCost,
    /// What to keep in mind (e.g. the grid-level effect of moving load).
    pub caveat: String,
    /// Where the saving comes from: the data or publication behind the "after" figure.
    pub basis: String,
}

/// A kept, ranked action.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    pub kind: ActionKind,
    pub label: String,
    pub before: KgCo2e,
    pub after: KgCo2e,
    pub saving: KgCo2e,
    pub saving_percent: f64,
    pub cost: ActionCost,
    pub caveat: String,
    pub basis: String,
}

/// A candidate left out, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    pub kind: ActionKind,
    pub label: String,
    pub reason: String,
}

/// Ranked actions, most kilograms saved first, and the candidates left out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Advice {
    pub actions: Vec<Action>,
    pub rejected: Vec<Rejected>,
}

/// How strict the ranking is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdviceOptions {
    /// A saving below this fraction of `before` is rounding, not a saving (0.001: 0.1 %).
    pub min_saving_fraction: f64,
    /// Keep at most this many actions of one kind (the best ones); 0 keeps all.
    pub max_per_kind: usize,
}

impl Default for AdviceOptions {
    fn default() -> Self {
        AdviceOptions {
            min_saving_fraction: 0.001,
            max_per_kind: 1,
        }
    }
}

fn check(candidate: &Candidate, options: &AdviceOptions) -> Result<(KgCo2e, f64), String> {
    let (before, after) = (candidate.before.0, candidate.after.0);
    if !(before.is_finite() && after.is_finite() && before >= 0.0 && after >= 0.0) {
        return Err(format!(
            "emissions must be non-negative numbers (before {before}, after {after})"
        ));
    }
    if candidate.basis.trim().is_empty() {
        return Err("no basis given for the saving".to_string());
    }
    let saving = before - after;
    if saving <= 0.0 {
        return Err(format!(
            "no saving: {after:.3} kg after against {before:.3} kg before"
        ));
    }
    let fraction = saving / before;
    if fraction < options.min_saving_fraction {
        return Err(format!(
            "saves {:.3} %, under the {:.1} % that the inputs can tell apart",
            fraction * 100.0,
            options.min_saving_fraction * 100.0
        ));
    }
    Ok((KgCo2e(saving), fraction * 100.0))
}

/// Checks and ranks the candidates: keeps those with a justified positive saving, most kg saved
/// first (ties: larger percent, then kind and label), at most `max_per_kind` of each kind.
pub fn advise(candidates: Vec<Candidate>, options: &AdviceOptions) -> Advice {
    let mut actions = Vec::new();
    let mut rejected = Vec::new();
    for c in candidates {
        match check(&c, options) {
            Ok((saving, saving_percent)) => actions.push(Action {
                kind: c.kind,
                label: c.label,
                before: c.before,
                after: c.after,
                saving,
                saving_percent,
                cost: c.cost,
                caveat: c.caveat,
                basis: c.basis,
            }),
            Err(reason) => rejected.push(Rejected {
                kind: c.kind,
                label: c.label,
                reason,
            }),
        }
    }
    actions.sort_by(|a, b| {
        b.saving
            .0
            .total_cmp(&a.saving.0)
            .then(b.saving_percent.total_cmp(&a.saving_percent))
            .then(a.kind.cmp(&b.kind))
            .then(a.label.cmp(&b.label))
    });
    if options.max_per_kind > 0 {
        let mut kept: Vec<Action> = Vec::with_capacity(actions.len());
        for action in actions {
            let same_kind = kept.iter().filter(|k| k.kind == action.kind).count();
            if same_kind < options.max_per_kind {
                kept.push(action);
            } else {
                rejected.push(Rejected {
                    kind: action.kind,
                    label: action.label,
                    reason: format!(
                        "a better {} action is listed (at most {} per kind)",
                        action.kind.label(),
                        options.max_per_kind
                    ),
                });
            }
        }
        actions = kept;
    }
    Advice { actions, rejected }
}

/// Moving load to a cleaner grid lowers the job's attributed emissions more than the grid's
/// (Lacoste et al. 2019, on global load balancing).
pub const MOVE_CAVEAT: &str = "moving a job lowers its attributed emissions; the grid as a whole gains less, since others then use the remaining fossil supply (Lacoste et al. 2019)";

impl Candidate {
    /// The job elsewhere or on other hardware (`compare`), against the baseline estimate.
    /// For hardware, the run-time and device-hours change follow from the alternative's hours.
    pub fn from_alternative(
        kind: ActionKind,
        baseline: &Estimate,
        alternative: &Alternative,
        basis: String,
    ) -> Candidate {
        let time_change = if baseline.hours.0 > 0.0 {
            Some((alternative.hours.0 / baseline.hours.0 - 1.0) * 100.0)
        } else {
            None
        };
        let (cost, caveat) = match kind {
            ActionKind::Hardware => (
                ActionCost {
                    delay: None,
                    run_time_change_percent: time_change,
                    device_hours_change_percent: time_change,
                },
                alternative.note.clone(),
            ),
            _ => (ActionCost::default(), MOVE_CAVEAT.to_string()),
        };
        Candidate {
            kind,
            label: alternative.label.clone(),
            before: baseline.emissions.value,
            after: alternative.estimate.emissions.value,
            cost,
            caveat,
            basis,
        }
    }

    /// Starting at the best time instead of now, for a job using `energy` (facility energy).
    pub fn from_schedule(
        schedule: &Schedule,
        energy: Ranged<KilowattHours>,
        basis: String,
    ) -> Candidate {
        let emissions = schedule.emissions(energy);
        Candidate {
            kind: ActionKind::Schedule,
            label: format!(
                "start at {} (in {:.1} h) instead of now",
                schedule.best.start, schedule.best.wait.0
            ),
            before: emissions.start_now.value,
            after: emissions.best.value,
            cost: ActionCost {
                delay: Some(schedule.best.wait),
                ..ActionCost::default()
            },
            caveat: "the profile is a typical or past pattern, not a forecast; the job must be able to wait".to_string(),
            basis,
        }
    }

    /// Running under a power limit: `capped` is the estimate of [`crate::power_cap::capped_job`].
    pub fn from_power_cap(
        baseline: &Estimate,
        capped: &Estimate,
        effect: &PowerCapEffect,
    ) -> Candidate {
        let time = effect.time_change_percent.value;
        Candidate {
            kind: ActionKind::PowerLimit,
            label: format!(
                "limit GPU power to {:.0} % of the maximum",
                effect.cap_fraction * 100.0
            ),
            before: baseline.emissions.value,
            after: capped.emissions.value,
            cost: ActionCost {
                delay: None,
                run_time_change_percent: Some(time),
                device_hours_change_percent: Some(time),
            },
            caveat: format!(
                "{}; energy change over the measured jobs {:+.1} to {:+.1} %",
                effect.summary(),
                effect.energy_change_percent.low,
                effect.energy_change_percent.high
            ),
            basis: effect
                .provenance
                .source_title
                .clone()
                .or_else(|| effect.provenance.source.clone())
                .unwrap_or_default(),
        }
    }

    /// Random search (or successive halving, when planned and cheaper) instead of the grid.
    pub fn from_search(plan: &SearchPlan) -> Candidate {
        let grid = plan.grid_cost;
        let (label, after, basis) = match plan.halving_cost {
            Some(halving) if halving.emissions.value.0 < plan.random_cost.emissions.value.0 => (
                format!(
                    "successive halving over {} random configurations instead of {} grid trials",
                    plan.random_trials, plan.grid_trials
                ),
                halving,
                "Jamieson & Talwalkar 2016; Li et al. 2018 (Hyperband); Bergstra & Bengio 2012",
            ),
            _ => (
                format!(
                    "random search with {} trials instead of {} grid trials",
                    plan.random_trials, plan.grid_trials
                ),
                plan.random_cost,
                "Bergstra & Bengio 2012 (JMLR 13): random search finds models as good as grid search in a fraction of the computation",
            ),
        };
        let device_hours = if grid.full_trials > 0.0 {
            Some((after.full_trials / grid.full_trials - 1.0) * 100.0)
        } else {
            None
        };
        Candidate {
            kind: ActionKind::Search,
            label,
            before: grid.emissions.value,
            after: after.emissions.value,
            cost: ActionCost {
                delay: None,
                run_time_change_percent: device_hours,
                device_hours_change_percent: device_hours,
            },
            caveat: format!(
                "finds a configuration in the best {:.0} % of the space with probability {:.0} %, not the grid's best point",
                plan.top_fraction * 100.0,
                plan.probability * 100.0
            ),
            basis: basis.to_string(),
        }
    }
}
