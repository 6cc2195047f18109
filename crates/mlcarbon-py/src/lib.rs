//! The Python package's native layer. Each call takes the keyword arguments as a JSON object
//! and answers the CLI's `--format json` document, so Python, the CLI and the web API print the
//! same figures from the same library calls. The PyO3 wrappers live in [`python`], behind the
//! `python` feature that maturin enables.

use mlcarbon_data::Dataset;
use mlcarbon_model::advise_report::{AdviseQuery, advise_report};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::params;
use mlcarbon_model::prediction_report::{PredictionQuery, estimate_with_prediction};
use mlcarbon_model::report::{CompareBy, compare_report};
use mlcarbon_model::request::{EstimateRequest, RequestError, resolve};
use mlcarbon_model::schedule_report::{ScheduleQuery, schedule_report};
use mlcarbon_model::search_report::{PlanSearchQuery, plan_search_report};
use mlcarbon_model::statement::StatementStyle;
use mlcarbon_model::statement_report::request_statements;
use mlcarbon_model::subject::JobSource;
use serde::Serialize;
use serde_json::{Map, Value};

#[cfg(feature = "python")]
mod python;
pub mod tracking;

/// Why a call failed: bad input (Python `ValueError`) or the tool itself.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// A bad argument; the message is the CLI's one line.
    #[error("{0}")]
    Input(String),
    /// The built-in data or the answer's encoding failed.
    #[error("{0}")]
    Internal(String),
}

impl From<RequestError> for CallError {
    fn from(e: RequestError) -> Self {
        CallError::Input(e.message)
    }
}

/// Whether `name` is one of the request's own arguments (the model's parameter descriptions).
fn is_request_field(name: &str) -> bool {
    params::JOB
        .iter()
        .chain(params::LOCATION)
        .chain(params::ESTIMATE_EXTRA)
        .any(|p| p.name == name)
}

pub(crate) fn data() -> Result<&'static Dataset, CallError> {
    Dataset::builtin().map_err(|e| CallError::Internal(format!("built-in data: {e}")))
}

/// Splits the arguments into the request and the call's own options, refusing names neither knows
/// (a misspelt keyword must not silently fall back to a default).
fn split_args(
    args_json: &str,
    extra: &[&str],
) -> Result<(EstimateRequest, Map<String, Value>), CallError> {
    let args: Map<String, Value> =
        serde_json::from_str(args_json).map_err(|e| CallError::Input(format!("arguments: {e}")))?;
    let mut request = Map::new();
    let mut options = Map::new();
    for (name, value) in args {
        if value.is_null() {
            continue;
        }
        if is_request_field(&name) {
            request.insert(name, value);
        } else if extra.contains(&name.as_str()) {
            options.insert(name, value);
        } else {
            let mut known: Vec<&str> = params::JOB
                .iter()
                .chain(params::LOCATION)
                .chain(params::ESTIMATE_EXTRA)
                .map(|p| p.name)
                .chain(extra.iter().copied())
                .collect();
            known.sort_unstable();
            return Err(CallError::Input(format!(
                "unknown argument `{name}`; the arguments are: {}",
                known.join(", ")
            )));
        }
    }
    let request: EstimateRequest = serde_json::from_value(Value::Object(request))
        .map_err(|e| CallError::Input(format!("arguments: {e}")))?;
    Ok((request, options))
}

fn option<T: serde::de::DeserializeOwned>(
    options: &Map<String, Value>,
    name: &str,
) -> Result<Option<T>, CallError> {
    options
        .get(name)
        .map(|v| serde_json::from_value(v.clone()))
        .transpose()
        .map_err(|e| CallError::Input(format!("{name}: {e}")))
}

fn to_json(value: &impl Serialize) -> Result<String, CallError> {
    serde_json::to_string(value).map_err(|e| CallError::Internal(e.to_string()))
}

/// `mlcarbon estimate --format json`.
pub fn estimate_json(args_json: &str) -> Result<String, CallError> {
    let (request, _) = split_args(args_json, &[])?;
    let answer = estimate_with_prediction(data()?, &request, &PredictionQuery::default())?;
    to_json(&answer)
}

/// `mlcarbon compare --format json`: `by`, `limit` (15), `with` (a list of names), `all_zones`.
pub fn compare_json(args_json: &str) -> Result<String, CallError> {
    let (request, options) = split_args(
        args_json,
        &["by", "limit", "with", "all_zones", "candidates"],
    )?;
    let data = data()?;
    let by: Option<CompareBy> = option(&options, "by")?;
    let limit: usize = option(&options, "limit")?.unwrap_or(15);
    let with: Vec<String> = option(&options, "with")?.unwrap_or_default();
    let all_zones: bool = option(&options, "all_zones")?.unwrap_or(false);
    let candidates: Vec<String> = option(&options, "candidates")?.unwrap_or_default();
    let resolved = resolve(data, &request)?;
    let report = compare_report(
        data,
        &request,
        &resolved,
        by,
        limit,
        &with,
        all_zones,
        &candidates,
    )?;
    to_json(&report)
}

/// `mlcarbon statement --format json`: `activity` (default "training"), `long` (false), `lang`
/// ("en" or "de").
pub fn statement_json(args_json: &str) -> Result<String, CallError> {
    let (request, options) = split_args(args_json, &["activity", "long", "lang"])?;
    let activity: String = option(&options, "activity")?.unwrap_or_else(|| "training".into());
    let long: bool = option(&options, "long")?.unwrap_or(false);
    let lang = match option::<String>(&options, "lang")? {
        None => Lang::En,
        Some(code) => Lang::parse(&code).ok_or_else(|| {
            CallError::Input(format!("lang: unknown language `{code}`; use en or de"))
        })?,
    };
    let style = StatementStyle { long, lang };
    to_json(&request_statements(data()?, &request, &activity, style)?)
}

/// `mlcarbon plan-search --format json` for one trial given as a request: `grid` or `trials`,
/// `top`, `probability`, `halving`, `eta`, `min_budget`.
pub fn plan_search_json(args_json: &str) -> Result<String, CallError> {
    let (request, options) = split_args(
        args_json,
        &[
            "grid",
            "trials",
            "top",
            "probability",
            "halving",
            "eta",
            "min_budget",
        ],
    )?;
    let defaults = PlanSearchQuery::default();
    let query = PlanSearchQuery {
        job: JobSource::Request(request),
        grid: option(&options, "grid")?,
        trials: option(&options, "trials")?,
        top: option(&options, "top")?.unwrap_or(defaults.top),
        probability: option(&options, "probability")?.unwrap_or(defaults.probability),
        halving: option(&options, "halving")?.unwrap_or(false),
        eta: option(&options, "eta")?,
        min_budget: option(&options, "min_budget")?,
    };
    to_json(&plan_search_report(data()?, &query)?)
}

/// `mlcarbon schedule --format json`: `within` (hours), `now` (RFC 3339, else the clock), `windows`.
pub fn schedule_json(args_json: &str) -> Result<String, CallError> {
    let (request, options) = split_args(args_json, &["within", "now", "windows"])?;
    let query = ScheduleQuery {
        job: request,
        profile: None,
        within: option(&options, "within")?,
        now: option(&options, "now")?,
        windows: option(&options, "windows")?.unwrap_or(ScheduleQuery::default().windows),
    };
    to_json(&schedule_report(data()?, &query, mlcarbon_time::now())?)
}

/// `mlcarbon advise --format json` for a job given as a request: `deadline`, `now`,
/// `max_slowdown`, `grid`, `top`, `probability`.
pub fn advise_json(args_json: &str) -> Result<String, CallError> {
    let (request, options) = split_args(
        args_json,
        &[
            "deadline",
            "now",
            "max_slowdown",
            "grid",
            "top",
            "probability",
        ],
    )?;
    let defaults = AdviseQuery::default();
    let query = AdviseQuery {
        job: JobSource::Request(request),
        deadline: option(&options, "deadline")?,
        now: option(&options, "now")?,
        max_slowdown: option(&options, "max_slowdown")?.unwrap_or(defaults.max_slowdown),
        grid: option(&options, "grid")?,
        top: option(&options, "top")?.unwrap_or(defaults.top),
        probability: option(&options, "probability")?.unwrap_or(defaults.probability),
        candidates: option(&options, "candidates")?.unwrap_or_default(),
    };
    to_json(&advise_report(data()?, &query, mlcarbon_time::now())?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimate_answers_the_reports_json() {
        let json =
            estimate_json(r#"{"hardware":"A100 SXM4 80GB","count":2,"hours":10,"zone":"FR"}"#)
                .expect("estimate");
        let value: Value = serde_json::from_str(&json).expect("json");
        // The CLI's figures for the same job (`mlcarbon estimate ... --format json`).
        assert_eq!(value["hardware"], "nvidia-a100-sxm4-80gb");
        assert_eq!(value["emissions_kg"].as_f64(), Some(0.3608693088));
    }

    #[test]
    fn unknown_argument_is_bad_input_naming_it() {
        let err = estimate_json(r#"{"hardwre":"A100"}"#).expect_err("refused");
        assert!(matches!(&err, CallError::Input(m) if m.contains("`hardwre`")));
    }

    #[test]
    fn unknown_hardware_is_bad_input() {
        let err =
            estimate_json(r#"{"hardware":"Z9000","hours":1,"zone":"FR"}"#).expect_err("refused");
        assert!(matches!(err, CallError::Input(_)));
    }

    #[test]
    fn compare_options_are_read() {
        let json =
            compare_json(r#"{"hardware":"V100","hours":5,"zone":"US-IA","by":"zones","limit":3}"#)
                .expect("compare");
        let value: Value = serde_json::from_str(&json).expect("json");
        assert_eq!(value["alternatives"].as_array().map(Vec::len), Some(3));
    }
}
