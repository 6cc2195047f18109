//! Hyperparameter search planning: how many trials a grid, a random search and successive halving
//! take, and what each emits given the emissions of one full trial.
//!
//! - Grid search trains every combination: `n_grid = Π_d |values_d|`.
//! - Random search (Bergstra & Bengio 2012, JMLR 13:281–305) draws configurations independently;
//!   the chance that at least one of `n` lands in the best fraction `q` of the space is
//!   `1 − (1 − q)^n`, so reaching probability `p` takes `n = ⌈ln(1 − p) / ln(1 − q)⌉` trials
//!   (q = 0.05, p = 0.95 → 59), whatever the number of hyperparameters. Bergstra & Bengio show
//!   that random search finds models as good as grid search in a small fraction of the
//!   computation; the 59-trial reading of their result is A. Zheng's (2015).
//! - Successive halving (Jamieson & Talwalkar 2016, AISTATS; the inner loop of Hyperband, Li et
//!   al. 2018, JMLR 18(185)) trains `n` configurations on a small budget, keeps the best `1/η`,
//!   and repeats with `η` times the budget until one run gets the full budget.

use serde::Serialize;

use crate::estimate::Estimate;
use crate::units::{KgCo2e, KilowattHours, Ranged};

/// Hyperband's and successive halving's customary reduction factor (Li et al. 2018).
pub const DEFAULT_REDUCTION: f64 = 3.0;
/// Most rungs a successive-halving plan may have: budgets below `η^-64` of a trial mean nothing.
pub const MAX_RUNGS: usize = 64;

/// Why a search could not be planned.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SearchError {
    #[error(
        "the grid is empty; give dimensions as name=count or name=a|b|c, e.g. lr=5,batch=4,wd=3"
    )]
    EmptyGrid,
    #[error("grid term {position} `{term}`: {reason}")]
    BadDimension {
        position: usize,
        term: String,
        reason: String,
    },
    #[error("grid dimension `{0}` is given twice")]
    DuplicateDimension(String),
    #[error("the grid has more than {} combinations", u64::MAX)]
    GridTooLarge,
    #[error("{name} must be {range}, not {value}")]
    OutOfRange {
        name: &'static str,
        range: &'static str,
        value: f64,
    },
    #[error("{0}")]
    TooManyTrials(String),
}

/// One hyperparameter of a grid and how many values it takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridDimension {
    pub name: String,
    pub values: u64,
}

/// A grid of hyperparameter values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GridSpec {
    pub dimensions: Vec<GridDimension>,
}

impl GridSpec {
    /// Reads `name=count` or `name=v1|v2|…` terms separated by commas: `lr=5,batch=4,wd=3`,
    /// `lr=1e-3|1e-4,batch=32|64`. A count is the number of values; a list is counted (each value
    /// once).
    pub fn parse(spec: &str) -> Result<Self, SearchError> {
        let mut dimensions: Vec<GridDimension> = Vec::new();
        for (index, term) in spec.split(',').enumerate() {
            let term = term.trim();
            let bad = |reason: &str| SearchError::BadDimension {
                position: index + 1,
                term: term.to_string(),
                reason: reason.to_string(),
            };
            if term.is_empty() {
                if spec.trim().is_empty() {
                    return Err(SearchError::EmptyGrid);
                }
                return Err(bad(
                    "empty term (two commas in a row, or a trailing comma?)",
                ));
            }
            let Some((name, values)) = term.split_once('=') else {
                return Err(bad("expected name=count or name=a|b|c"));
            };
            let (name, values) = (name.trim(), values.trim());
            if name.is_empty() {
                return Err(bad("the name before `=` is empty"));
            }
            let count = if values.contains('|') {
                let items: Vec<&str> = values.split('|').map(str::trim).collect();
                if items.iter().any(|v| v.is_empty()) {
                    return Err(bad("a value in the list is empty"));
                }
                for (i, item) in items.iter().enumerate() {
                    if items[..i].contains(item) {
                        return Err(bad(&format!("value `{item}` is listed twice")));
                    }
                }
                items.len() as u64
            } else {
                match values.parse::<u64>() {
                    Ok(0) => return Err(bad("a dimension needs at least 1 value")),
                    Ok(n) => n,
                    Err(_) => {
                        return Err(bad(
                            "after `=`, give a whole count of values (lr=5) or the values separated by | (lr=1e-3|1e-4)",
                        ));
                    }
                }
            };
            if dimensions.iter().any(|d| d.name == name) {
                return Err(SearchError::DuplicateDimension(name.to_string()));
            }
            dimensions.push(GridDimension {
                name: name.to_string(),
                values: count,
            });
        }
        Ok(GridSpec { dimensions })
    }

    /// Every combination: the product of the value counts.
    pub fn trials(&self) -> Result<u64, SearchError> {
        self.dimensions
            .iter()
            .try_fold(1u64, |product, d| product.checked_mul(d.values))
            .ok_or(SearchError::GridTooLarge)
    }
}

/// Grid trials of a spec such as `lr=5,batch=4,wd=3` (60).
pub fn grid_trials(spec: &str) -> Result<u64, SearchError> {
    GridSpec::parse(spec)?.trials()
}

/// Random trials needed so that, with probability `probability`, at least one lands in the best
/// `top_fraction` of the space: `⌈ln(1 − p) / ln(1 − q)⌉`, at least 1.
///
/// A ratio within 1e-9 (relative) of a whole number is that number: `ln` rounds, and an exact
/// answer such as q = 0.5, p = 0.75 → 2 must not become 3.
pub fn random_trials(top_fraction: f64, probability: f64) -> Result<u64, SearchError> {
    if !(top_fraction > 0.0 && top_fraction <= 1.0) {
        return Err(SearchError::OutOfRange {
            name: "the top fraction q",
            range: "in (0, 1]",
            value: top_fraction,
        });
    }
    if !(probability > 0.0 && probability < 1.0) {
        return Err(SearchError::OutOfRange {
            name: "the probability p",
            range: "in (0, 1)",
            value: probability,
        });
    }
    if top_fraction == 1.0 {
        return Ok(1);
    }
    // ln_1p keeps precision when q or p is small.
    let ratio = (-probability).ln_1p() / (-top_fraction).ln_1p();
    let nearest = ratio.round();
    let trials = if (ratio - nearest).abs() <= 1e-9 * nearest.max(1.0) {
        nearest
    } else {
        ratio.ceil()
    };
    if trials >= u64::MAX as f64 {
        return Err(SearchError::TooManyTrials(format!(
            "q = {top_fraction}, p = {probability} need more than {} trials",
            u64::MAX
        )));
    }
    Ok((trials as u64).max(1))
}

/// One rung of successive halving.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rung {
    /// Configurations trained in this rung.
    pub trials: u64,
    /// Budget of each, as a fraction of a full trial (epochs, steps).
    pub budget: f64,
}

/// A successive-halving plan and its total budget in full trials.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HalvingPlan {
    pub reduction: f64,
    pub min_budget: f64,
    pub rungs: Vec<Rung>,
    /// `Σ_i n_i × r_i`: every rung trains its configurations from scratch to `r_i`, as the
    /// Hyperband reference code counts it ("without reuse").
    pub total_budget: f64,
    /// `Σ_i n_i × (r_i − r_{i−1})`: survivors resume from their checkpoint.
    pub total_budget_with_reuse: f64,
}

/// Successive halving of `trials` configurations: rung `i` trains `n_i` configurations at budget
/// `r_i = min(1, r_0 η^i)` of a full trial, from `n_0 = trials` and `r_0 = min_budget`, keeping
/// `n_{i+1} = max(1, ⌊n_i / η⌋)`, until a rung reaches the full budget. Total budget in full
/// trials: `Σ_i n_i × r_i`.
pub fn successive_halving(
    trials: u64,
    reduction: f64,
    min_budget: f64,
) -> Result<HalvingPlan, SearchError> {
    if trials == 0 {
        return Err(SearchError::OutOfRange {
            name: "the number of configurations",
            range: "at least 1",
            value: 0.0,
        });
    }
    if !(reduction.is_finite() && reduction > 1.0) {
        return Err(SearchError::OutOfRange {
            name: "the reduction factor η",
            range: "above 1 (3 is customary)",
            value: reduction,
        });
    }
    if !(min_budget > 0.0 && min_budget <= 1.0) {
        return Err(SearchError::OutOfRange {
            name: "the minimum budget",
            range: "a fraction of a full trial in (0, 1]",
            value: min_budget,
        });
    }
    let mut rungs = Vec::new();
    let mut n = trials;
    let mut budget = min_budget;
    loop {
        // A budget within rounding of a full trial is a full trial (1/81 × 3^4 = 1).
        let full = budget >= 1.0 - 1e-9;
        let rung_budget = if full { 1.0 } else { budget };
        rungs.push(Rung {
            trials: n,
            budget: rung_budget,
        });
        if full {
            break;
        }
        if rungs.len() >= MAX_RUNGS {
            return Err(SearchError::OutOfRange {
                name: "the minimum budget",
                range: "large enough to reach a full trial within 64 rungs",
                value: min_budget,
            });
        }
        n = ((n as f64 / reduction) + 1e-9).floor().max(1.0) as u64;
        budget *= reduction;
    }
    let total_budget = rungs.iter().map(|r| r.trials as f64 * r.budget).sum();
    let mut previous = 0.0;
    let mut total_budget_with_reuse = 0.0;
    for r in &rungs {
        total_budget_with_reuse += r.trials as f64 * (r.budget - previous);
        previous = r.budget;
    }
    Ok(HalvingPlan {
        reduction,
        min_budget,
        rungs,
        total_budget,
        total_budget_with_reuse,
    })
}

/// One bracket of Hyperband.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bracket {
    pub s: u32,
    pub rungs: Vec<Rung>,
}

/// How Hyperband rounds the configurations of a bracket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HyperbandCounting {
    /// `n = ⌈(B / R) η^s / (s + 1)⌉`, the formula of the paper (R = 81, η = 3: 81/34/15/8/5).
    Paper,
    /// `n = ⌈⌊B / R / (s + 1)⌋ η^s⌉`, as the authors' reference code truncates (81/27/9/6/5).
    ReferenceCode,
}

/// Hyperband's brackets and total budget in full trials (Li et al. 2018): with maximum resource
/// `R` in units of the smallest budget and integer `η`, `s_max = ⌊log_η R⌋` and `B = (s_max + 1) R`;
/// bracket `s` (from `s_max` down to 0) starts `n` configurations at `r = R η^−s` and rung `i`
/// trains `⌊n η^−i⌋` of them at `r η^i`. Budgets are fractions of `R`; the total counts every rung
/// from scratch.
pub fn hyperband(
    max_resource: u64,
    reduction: u64,
    counting: HyperbandCounting,
) -> Result<(Vec<Bracket>, f64), SearchError> {
    if reduction < 2 {
        return Err(SearchError::OutOfRange {
            name: "the reduction factor η",
            range: "a whole number of at least 2",
            value: reduction as f64,
        });
    }
    if !(1..=1_000_000_000).contains(&max_resource) {
        return Err(SearchError::OutOfRange {
            name: "the maximum resource R",
            range: "a whole number from 1 to 10^9",
            value: max_resource as f64,
        });
    }
    let mut s_max = 0u32;
    while reduction.pow(s_max + 1) <= max_resource {
        s_max += 1;
    }
    let r_max = max_resource as f64;
    // B / R, a whole number.
    let budget_in_r = u64::from(s_max + 1);
    let mut brackets = Vec::new();
    let mut total = 0.0;
    for s in (0..=s_max).rev() {
        let spread = u64::from(s + 1);
        let mut n = match counting {
            HyperbandCounting::Paper => (budget_in_r * reduction.pow(s)).div_ceil(spread),
            HyperbandCounting::ReferenceCode => budget_in_r / spread * reduction.pow(s),
        };
        let r = r_max / reduction.pow(s) as f64;
        let mut rungs = Vec::new();
        for i in 0..=s {
            if n == 0 {
                break;
            }
            let budget = r * reduction.pow(i) as f64 / r_max;
            total += n as f64 * budget;
            rungs.push(Rung { trials: n, budget });
            n /= reduction;
        }
        brackets.push(Bracket { s, rungs });
    }
    Ok((brackets, total))
}

/// Trials, energy and emissions of one way of searching.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SearchCost {
    /// Configurations tried.
    pub configurations: u64,
    /// Compute in full trials.
    pub full_trials: f64,
    pub energy: Ranged<KilowattHours>,
    pub emissions: Ranged<KgCo2e>,
}

impl SearchCost {
    fn of(configurations: u64, full_trials: f64, per_trial: &Estimate) -> Self {
        SearchCost {
            configurations,
            full_trials,
            energy: per_trial.energy.map(|e| e.scale(full_trials)),
            emissions: per_trial.emissions.map(|e| e.scale(full_trials)),
        }
    }
}

/// What to compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchOptions {
    /// q: the fraction of the space that counts as a good configuration (0.05).
    pub top_fraction: f64,
    /// p: the wanted chance that random search finds one (0.95).
    pub probability: f64,
    /// Successive halving over the random search's configurations: (η, minimum budget as a
    /// fraction of a full trial); `None` leaves it out.
    pub halving: Option<(f64, f64)>,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            top_fraction: 0.05,
            probability: 0.95,
            halving: None,
        }
    }
}

/// Grid search against random search (and successive halving) for one job.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchPlan {
    pub grid: GridSpec,
    pub grid_trials: u64,
    pub random_trials: u64,
    pub top_fraction: f64,
    pub probability: f64,
    pub grid_cost: SearchCost,
    pub random_cost: SearchCost,
    pub halving: Option<HalvingPlan>,
    pub halving_cost: Option<SearchCost>,
    /// Grid minus random emissions (central values); negative when the grid is the smaller.
    pub random_saving: KgCo2e,
    pub random_saving_percent: f64,
    /// Grid minus successive-halving emissions.
    pub halving_saving: Option<KgCo2e>,
    pub halving_saving_percent: Option<f64>,
    /// Facts a reader should know (a grid smaller than the random search, the budget rule).
    pub notes: Vec<String>,
}

fn saving(before: &SearchCost, after: &SearchCost) -> (KgCo2e, f64) {
    let kg = before.emissions.value.0 - after.emissions.value.0;
    let percent = if before.emissions.value.0 > 0.0 {
        kg / before.emissions.value.0 * 100.0
    } else {
        0.0
    };
    (KgCo2e(kg), percent)
}

/// Plans a search given the estimate of one full trial (one training run of one configuration).
pub fn plan_search(
    grid: &GridSpec,
    options: &SearchOptions,
    per_trial: &Estimate,
) -> Result<SearchPlan, SearchError> {
    let grid_trials = grid.trials()?;
    let random = random_trials(options.top_fraction, options.probability)?;
    let grid_cost = SearchCost::of(grid_trials, grid_trials as f64, per_trial);
    let random_cost = SearchCost::of(random, random as f64, per_trial);
    let mut notes = Vec::new();
    if random >= grid_trials {
        notes.push(format!(
            "the grid has {grid_trials} combinations, no more than the {random} random trials: search it whole"
        ));
    }
    let (halving, halving_cost) = match options.halving {
        Some((reduction, min_budget)) => {
            let plan = successive_halving(random, reduction, min_budget)?;
            let cost = SearchCost::of(random, plan.total_budget, per_trial);
            notes.push(format!(
                "successive halving counts every rung trained from scratch ({:.2} full trials); resuming survivors from checkpoints takes {:.2}",
                plan.total_budget, plan.total_budget_with_reuse
            ));
            (Some(plan), Some(cost))
        }
        None => (None, None),
    };
    let (random_saving, random_saving_percent) = saving(&grid_cost, &random_cost);
    let halving_saving = halving_cost.as_ref().map(|c| saving(&grid_cost, c));
    Ok(SearchPlan {
        grid: grid.clone(),
        grid_trials,
        random_trials: random,
        top_fraction: options.top_fraction,
        probability: options.probability,
        grid_cost,
        random_cost,
        halving,
        halving_cost,
        random_saving,
        random_saving_percent,
        halving_saving: halving_saving.map(|s| s.0),
        halving_saving_percent: halving_saving.map(|s| s.1),
        notes,
    })
}
