//! `/api/advise`, `/api/schedule`, `/api/plan-search` and `/api/inference`: the parameters of
//! the CLI's flags (kebab-case or snake_case) turned into the model's queries, answered with the
//! model's reports — the JSON that `mlcarbon advise|schedule|plan-search|estimate --requests …
//! --format json` prints for the same inputs. `run` and `training_run` name a stored run (an id
//! or `last`) of the server's database.

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use mlcarbon_model::advise_report::{AdviseQuery, DEFAULT_MAX_SLOWDOWN, advise_report};
use mlcarbon_model::inference_report::{InferenceQuery, Training, inference_report};
use mlcarbon_model::request::{EstimateRequest, MAX_CANDIDATES};
use mlcarbon_model::schedule_report::{
    DEFAULT_WINDOWS, ProfileText, ScheduleQuery, schedule_report,
};
use mlcarbon_model::search_report::{
    DEFAULT_PROBABILITY, DEFAULT_TOP, PlanSearchQuery, plan_search_report,
};
use mlcarbon_model::subject::{JobSource, MeasuredRun};

use crate::api::{ApiResult, body_params, json};
use crate::error::ApiError;
use crate::query::Params;
use crate::runs::run_ref;
use crate::state::AppState;
use mlcarbon_model::params::{self as p, Param};

/// Every capability also takes `format=json` (its only format here).
const FORMAT: [&str; 1] = ["format"];

/// Parameters that describe the job, which a stored run replaces (as the CLI's `--run`
/// conflicts with them).
const REPLACED_BY_A_RUN: [&str; 9] = [
    "hardware",
    "energy_kwh",
    "hours",
    "cpu",
    "ram_gb",
    "zone",
    "provider",
    "region",
    "intensity",
];

/// The job's and the location's parameters as the model's request; `count` and `cpu_count`
/// default to 1 as the CLI's flags do.
pub(crate) fn estimate_request(params: &Params) -> Result<EstimateRequest, ApiError> {
    let mut request = params.estimate_request()?;
    request.count = request.count.or(Some(1));
    request.cpu_count = request.cpu_count.or(Some(1));
    Ok(request)
}

/// The stored run `field` names (an id or `last`), as the model's measured run.
async fn stored_run(
    state: &AppState,
    params: &Params,
    field: &str,
) -> Result<Option<MeasuredRun>, ApiError> {
    let Some(name) = params.text(field)? else {
        return Ok(None);
    };
    let reference = run_ref(&name).map_err(|e| ApiError::bad(field, e.body.error))?;
    let visible = crate::accounts::reader()?;
    let record = state
        .with_store(move |store| reference.find(store, &visible))
        .await?;
    Ok(Some(record.measured()))
}

/// The job of `run`, else of the job's parameters.
async fn job_source(state: &AppState, params: &Params) -> Result<JobSource, ApiError> {
    match stored_run(state, params, "run").await? {
        Some(run) => {
            if let Some(name) = REPLACED_BY_A_RUN.iter().find(|n| params.get(n).is_some()) {
                return Err(ApiError::bad(
                    "run",
                    format!("run describes the job: give either run or {name}, not both"),
                ));
            }
            Ok(JobSource::Run(run))
        }
        None => Ok(JobSource::Request(estimate_request(params)?)),
    }
}

fn check(params: &Params, described: &[&[Param]], more: &[&str]) -> Result<(), ApiError> {
    params.only(described, &[&FORMAT, more])?;
    params.choice("format", &["json"])?;
    Ok(())
}

/// An endpoint's GET (query string) and POST (a JSON object of the same names) handlers.
macro_rules! get_and_post {
    ($get:ident, $post:ident, $answer:ident) => {
        pub async fn $get(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
            $answer(&state, Params::parse(q.as_deref())).await
        }

        pub async fn $post(State(state): State<AppState>, body: Bytes) -> ApiResult {
            $answer(&state, body_params(&body)?).await
        }
    };
}

get_and_post!(advise_get, advise_post, advise);
get_and_post!(plan_search_get, plan_search_post, plan_search);
get_and_post!(schedule_get, schedule_post, schedule);
get_and_post!(inference_get, inference_post, inference);

/// `schedule`'s own besides the described parameters: a profile's CSV text (what the CLI's
/// `--profile FILE` holds), and what the report calls it.
const PROFILE: &str = "profile";
const GIVEN_PROFILE: &str = "(given text)";

fn value_or(params: &Params, param: &Param, default: f64) -> Result<f64, ApiError> {
    Ok(params.value(param)?.unwrap_or(default))
}

async fn advise(state: &AppState, params: Params) -> ApiResult {
    check(&params, &[p::JOB, p::LOCATION, p::ADVISE_EXTRA], &[])?;
    let query = AdviseQuery {
        job: job_source(state, &params).await?,
        deadline: params.value(&p::DEADLINE)?,
        now: params.text("now")?,
        max_slowdown: value_or(&params, &p::MAX_SLOWDOWN, DEFAULT_MAX_SLOWDOWN)?,
        grid: params.text("grid")?,
        top: value_or(&params, &p::TOP, DEFAULT_TOP)?,
        probability: value_or(&params, &p::PROBABILITY, DEFAULT_PROBABILITY)?,
        candidates: params.texts(p::CANDIDATES.name, MAX_CANDIDATES)?,
    };
    json(&advise_report(state.data(), &query, mlcarbon_time::now())?)
}

async fn plan_search(state: &AppState, params: Params) -> ApiResult {
    check(&params, &[p::JOB, p::LOCATION, p::PLAN_SEARCH_EXTRA], &[])?;
    let trials = match params.get(p::TRIALS.name) {
        Some(text) => Some(
            p::TRIALS
                .parse_whole(text)
                .map_err(|problem| ApiError::bad(p::TRIALS.name, format!("trials {problem}")))?,
        ),
        None => None,
    };
    let halving = params.switch(&p::HALVING)?;
    let query = PlanSearchQuery {
        job: job_source(state, &params).await?,
        grid: params.text("grid")?,
        trials,
        top: value_or(&params, &p::TOP, DEFAULT_TOP)?,
        probability: value_or(&params, &p::PROBABILITY, DEFAULT_PROBABILITY)?,
        halving,
        eta: params.value(&p::ETA)?,
        min_budget: params.value(&p::MIN_BUDGET)?,
    };
    json(&plan_search_report(state.data(), &query)?)
}

async fn schedule(state: &AppState, params: Params) -> ApiResult {
    check(&params, &[p::JOB, p::SCHEDULE_EXTRA], &[PROFILE])?;
    let windows = match params.count(&p::WINDOWS)? {
        Some(n) => n as usize,
        None => DEFAULT_WINDOWS,
    };
    let query = ScheduleQuery {
        job: estimate_request(&params)?,
        profile: params.get(PROFILE).map(|text| ProfileText {
            name: GIVEN_PROFILE.to_string(),
            text: text.to_string(),
        }),
        within: params.value(&p::WITHIN)?,
        now: params.text("now")?,
        windows,
    };
    json(&schedule_report(
        state.data(),
        &query,
        mlcarbon_time::now(),
    )?)
}

async fn inference(state: &AppState, params: Params) -> ApiResult {
    check(&params, &[p::JOB, p::LOCATION, p::INFERENCE_EXTRA], &[])?;
    let training = match (params.value(&p::TRAINING_KG)?, params.get("training_run")) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad(
                "training_run",
                "give either training_kg or training_run, not both",
            ));
        }
        (Some(kg), None) => Some(Training::Given(kg)),
        (None, _) => stored_run(state, &params, "training_run")
            .await?
            .map(|run| Training::Run(Box::new(run))),
    };
    let query = InferenceQuery {
        job: estimate_request(&params)?,
        requests: params.value(&p::REQUESTS)?,
        rate: params.value(&p::RATE)?,
        throughput: params.value(&p::THROUGHPUT)?,
        energy_per_request_wh: params.value(&p::ENERGY_PER_REQUEST_WH)?,
        training,
    };
    json(&inference_report(state.data(), &query)?)
}
