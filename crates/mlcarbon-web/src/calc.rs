//! The calculator behind `/api/estimate`, `/api/compare`, `/api/statement` and the page `/`:
//! the model's own request resolution and reports (`mlcarbon_model::request` and `::report`),
//! so the API answers what `mlcarbon estimate --format json` prints. The published
//! calculator's mode (`compat=mlco2`, `dataset=mlco2|mlco2-2019`) is `mlcarbon_model::mlco2_report`,
//! as `mlcarbon estimate --compat mlco2 --format json` prints it.

use mlcarbon_data::Dataset;
use mlcarbon_data::mlco2::Mlco2Edition;
use mlcarbon_model::lang::Lang;
use mlcarbon_model::mlco2_report::{Mlco2Report, mlco2_report};
use mlcarbon_model::report::{
    CompareBy, CompareReport, EstimateOutput, compare_report, estimate_output,
};
use mlcarbon_model::request::{EstimateRequest, MAX_CANDIDATES, RequestError, resolve};
use mlcarbon_model::statement::{StatementStyle, Statements};
use mlcarbon_model::statement_report::request_statements;
use serde::Serialize;

use crate::error::ApiError;
use crate::query::Params;
use crate::state::AppState;

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        ApiError::bad(e.field, e.message)
    }
}

/// Parameters of `/api/estimate` besides the job's.
pub const ESTIMATE_EXTRA: [&str; 3] = ["compat", "dataset", "format"];
/// Parameters of `/api/compare` besides the job's.
pub const COMPARE_EXTRA: [&str; 4] = ["by", "limit", "with", "format"];
/// Parameters of `/api/statement` besides the job's.
pub const STATEMENT_EXTRA: [&str; 4] = ["activity", "format", "long", "lang"];

/// The most rows a comparison returns.
pub const MAX_LIMIT: usize = 1000;

/// Which tables and arithmetic an estimate uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// mlcarbon's data, exact arithmetic, ranges.
    Mlcarbon,
    /// The published calculator's data; `rounding`: its arithmetic too (`compat=mlco2`).
    Mlco2 {
        edition: Mlco2Edition,
        rounding: bool,
    },
}

pub fn mode(params: &Params) -> Result<Mode, ApiError> {
    let compat = params.choice("compat", &["mlco2"])?.is_some();
    let dataset = params.choice("dataset", &["mlcarbon", "mlco2", "mlco2-2019"])?;
    Ok(match (compat, dataset) {
        (_, Some("mlco2-2019")) => Mode::Mlco2 {
            edition: Mlco2Edition::Paper2019,
            rounding: compat,
        },
        (true, _) | (false, Some("mlco2")) => Mode::Mlco2 {
            edition: Mlco2Edition::Current,
            rounding: compat,
        },
        _ => Mode::Mlcarbon,
    })
}

/// What an estimate answers: mlcarbon's report, or the published calculator's.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum EstimateAnswer {
    Report(Box<EstimateOutput>),
    Compat(Box<Mlco2Report>),
}

/// `/api/estimate` and the page's result.
pub fn estimate_answer(state: &AppState, params: &Params) -> Result<EstimateAnswer, ApiError> {
    let request = params.estimate_request()?;
    match mode(params)? {
        Mode::Mlcarbon => {
            let data = state.data();
            let resolved = resolve(data, &request)?;
            Ok(EstimateAnswer::Report(Box::new(estimate_output(
                data, &request, &resolved,
            )?)))
        }
        Mode::Mlco2 { edition, rounding } => {
            let mlco2 = state.mlco2(edition).ok_or_else(|| {
                ApiError::internal("the published calculator's data could not be read")
            })?;
            Ok(EstimateAnswer::Compat(Box::new(mlco2_report(
                state.data(),
                mlco2,
                &request,
                rounding,
            )?)))
        }
    }
}

/// `/api/compare`: `by`, `limit` (default 15), `with` (repeatable).
pub fn compare_answer(
    data: &Dataset,
    params: &Params,
    default_limit: usize,
) -> Result<CompareReport, ApiError> {
    let request = params.estimate_request()?;
    let by = params.compare_by()?;
    let limit = params.limit("limit", default_limit, MAX_LIMIT)?;
    let with = params.texts("with", 50)?;
    let all_zones = params.switch(&mlcarbon_model::params::ALL_ZONES)?;
    let candidates = params.texts("candidates", MAX_CANDIDATES)?;
    compare_with(data, &request, by, limit, &with, all_zones, &candidates)
}

pub fn compare_with(
    data: &Dataset,
    request: &EstimateRequest,
    by: Option<CompareBy>,
    limit: usize,
    with: &[String],
    all_zones: bool,
    candidates: &[String],
) -> Result<CompareReport, ApiError> {
    let resolved = resolve(data, request)?;
    Ok(compare_report(
        data, request, &resolved, by, limit, with, all_zones, candidates,
    )?)
}

/// The statement of one request in its three forms, as `mlcarbon statement` writes them (the
/// embodied sentence included).
pub fn statements(
    data: &Dataset,
    request: &EstimateRequest,
    activity: &str,
    style: StatementStyle,
) -> Result<Statements, ApiError> {
    Ok(request_statements(data, request, activity, style)?)
}

/// `lang`: en (the default) or de.
pub fn lang(params: &Params) -> Result<Lang, ApiError> {
    let code = params.choice("lang", &["en", "de"])?.unwrap_or("en");
    Ok(Lang::parse(code).unwrap_or_default())
}

/// `long=true` and `lang`: which statement.
pub fn statement_style(params: &Params) -> Result<StatementStyle, ApiError> {
    let long = params.choice("long", &["true", "false"])? == Some("true");
    Ok(StatementStyle {
        long,
        lang: lang(params)?,
    })
}

/// `activity`: what the figure covers; plain words only, at most 60 characters.
pub fn activity(params: &Params) -> Result<String, ApiError> {
    let text = params.get("activity").unwrap_or("training");
    if text.chars().count() > 60 || text.chars().any(char::is_control) {
        return Err(ApiError::bad(
            "activity",
            "activity: at most 60 characters of text, e.g. fine-tuning",
        ));
    }
    Ok(text.to_string())
}

/// The parameter sets of the three endpoints beside the described ones
/// ([`crate::query::ESTIMATE_PARAMS`]),
/// for [`Params::only`].
pub fn known_estimate() -> [&'static [&'static str]; 1] {
    [&ESTIMATE_EXTRA]
}
pub fn known_compare() -> [&'static [&'static str]; 1] {
    [&COMPARE_EXTRA]
}
pub fn known_statement() -> [&'static [&'static str]; 1] {
    [&STATEMENT_EXTRA]
}
