//! `plan-search` as one call: a grid (or a planned number of trials) against random search and
//! successive halving, costed with one trial's estimate. [`PlanReport`] is the JSON of
//! `mlcarbon plan-search --format json` and `/api/plan-search` (documented in docs/cli.md).

use mlcarbon_data::Dataset;
use serde::Serialize;

use crate::estimate::estimate;
use crate::request::RequestError;
use crate::search::random_trials;
use crate::search::{
    DEFAULT_REDUCTION, GridDimension, GridSpec, SearchError, SearchOptions, SearchPlan, plan_search,
};
use crate::subject::{JobSource, subject};

/// The best fraction q of the space a random search should reach, unless told.
pub const DEFAULT_TOP: f64 = 0.05;
/// The probability p of reaching it, unless told.
pub const DEFAULT_PROBABILITY: f64 = 0.95;

/// The inputs of `plan-search`, named like its flags.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSearchQuery {
    /// One trial: a request (its `hours` are those of one full trial) or a measured run.
    pub job: JobSource,
    /// `lr=5,batch=4,wd=3` or `lr=1e-3|1e-4,batch=32|64`; wins over `trials`.
    pub grid: Option<String>,
    /// A planned number of trials, instead of a grid.
    pub trials: Option<u64>,
    pub top: f64,
    pub probability: f64,
    /// Add successive halving over the random configurations.
    pub halving: bool,
    /// Its reduction factor η (default 3).
    pub eta: Option<f64>,
    /// Its first rung's budget as a fraction of a trial (default η^-3).
    pub min_budget: Option<f64>,
}

impl Default for PlanSearchQuery {
    fn default() -> Self {
        PlanSearchQuery {
            job: JobSource::default(),
            grid: None,
            trials: None,
            top: DEFAULT_TOP,
            probability: DEFAULT_PROBABILITY,
            halving: false,
            eta: None,
            min_budget: None,
        }
    }
}

/// One trial's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrialReport {
    pub job: String,
    pub location: String,
    pub hours: f64,
    pub energy_kwh: f64,
    pub energy_kwh_low: f64,
    pub energy_kwh_high: f64,
    pub emissions_kg: f64,
    pub emissions_kg_low: f64,
    pub emissions_kg_high: f64,
}

/// The JSON of `plan-search`: the plan's own fields, flattened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanReport {
    pub mlcarbon_version: &'static str,
    pub dataset: String,
    /// `grid` (a grid given) or `trials` (a planned number of trials).
    pub planned_from: &'static str,
    pub trial: TrialReport,
    #[serde(flatten)]
    pub plan: SearchPlan,
    pub method: Vec<&'static str>,
}

const METHOD: [&str; 3] = [
    "random trials n = ⌈ln(1 − p) / ln(1 − q)⌉: at least one of n independent draws lands in the best q of the space with probability p (Bergstra & Bengio 2012, JMLR 13; the 60-trial reading is A. Zheng's, 2015)",
    "successive halving: rung i trains n_i configurations at r_i = min(1, r_0 η^i) of a trial, keeping the best 1/η (Jamieson & Talwalkar 2016; Li et al. 2018, Hyperband)",
    "each strategy costs (full trials) × the energy and emissions of one trial",
];

/// A search error, named by the parameter it is about.
pub fn search_error(error: SearchError) -> RequestError {
    let field = match &error {
        SearchError::OutOfRange { name, .. } => match *name {
            "the top fraction q" => "top",
            "the probability p" => "probability",
            "the reduction factor η" => "eta",
            "the minimum budget" => "min_budget",
            _ => "grid",
        },
        _ => "grid",
    };
    RequestError::new(field, error.to_string())
}

/// `top` and `probability` in range (checked even where no search uses them: a bad value is
/// a mistake to report, not to ignore).
pub fn check_search_options(top: f64, probability: f64) -> Result<(), RequestError> {
    random_trials(top, probability)
        .map(|_| ())
        .map_err(search_error)
}

/// The grid of a `--grid` spec.
pub fn parse_grid(spec: &str) -> Result<GridSpec, RequestError> {
    GridSpec::parse(spec).map_err(|e| RequestError::new("grid", format!("--grid: {e}")))
}

/// The plan of the query's search, costed with one trial.
pub fn plan_search_report(
    data: &Dataset,
    query: &PlanSearchQuery,
) -> Result<PlanReport, RequestError> {
    if query.grid.is_some() && query.trials.is_some() {
        return Err(RequestError::new(
            "trials",
            "give the search as --grid or as --trials, not both",
        ));
    }
    if !query.halving {
        for (field, given) in [("eta", query.eta), ("min_budget", query.min_budget)] {
            if given.is_some() {
                let flag = field.replace('_', "-");
                return Err(RequestError::new(
                    field,
                    format!("--{flag} is a setting of successive halving: add --halving"),
                ));
            }
        }
    }
    let (grid, planned_from) = match (&query.grid, query.trials) {
        (Some(spec), _) => (parse_grid(spec)?, "grid"),
        (None, Some(0)) => {
            return Err(RequestError::new(
                "trials",
                "`0` is not a whole number of trials ≥ 1; e.g. --trials 100",
            ));
        }
        (None, Some(n)) => (
            GridSpec {
                dimensions: vec![GridDimension {
                    name: "trials".to_string(),
                    values: n,
                }],
            },
            "trials",
        ),
        (None, None) => {
            return Err(RequestError::new(
                "grid",
                "give the search: --grid lr=5,batch=4,wd=3 or --trials N",
            ));
        }
    };
    let subject = subject(data, &query.job)?;
    let per_trial = estimate(&subject.job, &subject.location.location);
    let halving = if query.halving {
        let eta = query.eta.unwrap_or(DEFAULT_REDUCTION);
        let min_budget = query.min_budget.unwrap_or_else(|| {
            if eta > 1.0 {
                eta.powi(-3)
            } else {
                // Refused by the plan with its own message.
                0.0
            }
        });
        Some((eta, min_budget))
    } else {
        None
    };
    let options = SearchOptions {
        top_fraction: query.top,
        probability: query.probability,
        halving,
    };
    let plan = plan_search(&grid, &options, &per_trial).map_err(search_error)?;
    Ok(PlanReport {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        dataset: data.name.clone(),
        planned_from,
        trial: TrialReport {
            job: subject.description.clone(),
            location: subject.location.location.label.clone(),
            hours: per_trial.hours.0,
            energy_kwh: per_trial.energy.value.0,
            energy_kwh_low: per_trial.energy.low.0,
            energy_kwh_high: per_trial.energy.high.0,
            emissions_kg: per_trial.emissions.value.0,
            emissions_kg_low: per_trial.emissions.low.0,
            emissions_kg_high: per_trial.emissions.high.0,
        },
        plan,
        method: METHOD.to_vec(),
    })
}
