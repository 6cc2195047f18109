//! The JSON API under `/api/`. Query parameters are named like the CLI flags; `POST` bodies of
//! `/api/estimate`, `/api/compare` and `/api/statement` are JSON objects of the same names.

use axum::body::{Body, Bytes};
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use mlcarbon_data::{Dataset, Hardware, LookupError, Zone, ZoneKind};
use mlcarbon_store::export::{RunsFormat, RunsWriter, SamplesFormat, SamplesWriter, published_wue};
use mlcarbon_store::{
    NewRun, Order, RunDetail, RunEnd, RunId, RunRecord, RunStatus, RunStore, SampleRow,
    SqliteRunStore, StoreError,
};
use serde::{Deserialize, Serialize};

use crate::calc;
use crate::error::ApiError;
use crate::query::ESTIMATE_PARAMS;
use crate::query::Params;
use crate::runs::{self, RUN_FILTER_PARAMS};
use crate::state::AppState;

/// A body of bytes with a content type.
pub fn bytes(content_type: &'static str, body: impl Into<Bytes>) -> Response {
    let mut response = body.into().into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// Compact JSON with a trailing newline (`?pretty` indents it: see `pretty`).
pub fn json<T: Serialize>(value: &T) -> Result<Response, ApiError> {
    Ok(bytes("application/json", json_bytes(value)?))
}

pub type ApiResult = Result<Response, ApiError>;

pub fn body_params(body: &Bytes) -> Result<Params, ApiError> {
    if body.is_empty() {
        return Ok(Params::default());
    }
    Params::from_json(body)
}

// --- estimate, compare, statement ------------------------------------------------------------

/// A cached answer, or `compute`'s, kept for next time.
fn cached(
    state: &AppState,
    key: String,
    compute: impl FnOnce() -> Result<Vec<u8>, ApiError>,
) -> ApiResult {
    if let Some(body) = state.cache().get(&key) {
        return Ok(bytes("application/json", body));
    }
    let body = Bytes::from(compute()?);
    state.cache().put(key, body.clone());
    Ok(bytes("application/json", body))
}

fn json_bytes<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    // Sized for an estimate (~7 kB compact) so that writing it does not grow the buffer.
    let mut body = Vec::with_capacity(8 * 1024);
    serde_json::to_writer(&mut body, value)
        .map_err(|e| ApiError::internal(format!("cannot write JSON: {e}")))?;
    body.push(b'\n');
    // The cache counts lengths: a kept answer should not hold more than it says.
    body.shrink_to_fit();
    Ok(body)
}

fn estimate(state: &AppState, params: &Params) -> ApiResult {
    params.only(&ESTIMATE_PARAMS, &calc::known_estimate())?;
    params.choice("format", &["json"])?;
    cached(state, format!("estimate?{}", params.canonical()), || {
        json_bytes(&calc::estimate_answer(state, params)?)
    })
}

pub async fn estimate_get(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    estimate(&state, &Params::parse(q.as_deref()))
}

pub async fn estimate_post(State(state): State<AppState>, body: Bytes) -> ApiResult {
    estimate(&state, &body_params(&body)?)
}

fn compare(state: &AppState, params: &Params) -> ApiResult {
    params.only(
        &[
            ESTIMATE_PARAMS[0],
            ESTIMATE_PARAMS[1],
            ESTIMATE_PARAMS[2],
            mlcarbon_model::params::COMPARE_EXTRA,
        ],
        &calc::known_compare(),
    )?;
    params.choice("format", &["json"])?;
    cached(state, format!("compare?{}", params.canonical()), || {
        json_bytes(&calc::compare_answer(state.data(), params, 15)?)
    })
}

pub async fn compare_get(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    compare(&state, &Params::parse(q.as_deref()))
}

pub async fn compare_post(State(state): State<AppState>, body: Bytes) -> ApiResult {
    compare(&state, &body_params(&body)?)
}

fn statement(state: &AppState, params: &Params) -> ApiResult {
    params.only(&ESTIMATE_PARAMS, &calc::known_statement())?;
    let format = params
        .choice("format", &["markdown", "latex", "bibtex", "json"])?
        .unwrap_or("markdown");
    let activity = calc::activity(params)?;
    let request = params.estimate_request()?;
    let s = calc::statements(
        state.data(),
        &request,
        &activity,
        calc::statement_style(params)?,
    )?;
    Ok(match format {
        "latex" => bytes("application/x-latex; charset=utf-8", s.latex),
        "bibtex" => bytes("application/x-bibtex; charset=utf-8", s.bibtex),
        "json" => json(&s)?,
        _ => bytes("text/markdown; charset=utf-8", s.markdown),
    })
}

pub async fn statement_get(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    statement(&state, &Params::parse(q.as_deref()))
}

pub async fn statement_post(State(state): State<AppState>, body: Bytes) -> ApiResult {
    statement(&state, &body_params(&body)?)
}

// --- the data ---------------------------------------------------------------------------------

/// A search that names one row exactly shows that row; otherwise the rows matching every word;
/// nothing at all is the lookup's own error with its suggestions (as the CLI lists do).
fn pick<'r, T>(
    exact: Result<&'r T, LookupError>,
    matching: Vec<&'r T>,
    list: &str,
) -> Result<Vec<&'r T>, ApiError> {
    match exact {
        Ok(row) => Ok(vec![row]),
        Err(_) if !matching.is_empty() => Ok(matching),
        Err(error) => Err(ApiError::lookup("search", &error, list)),
    }
}

pub async fn hardware(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["search", "format"]])?;
    params.choice("format", &["json"])?;
    let data = state.data();
    let rows: Vec<&Hardware> = match params.text("search")? {
        Some(search) => pick(
            data.find_hardware(&search),
            data.search_hardware(&search),
            "hardware",
        )?,
        None => data.hardware.iter().collect(),
    };
    json(&rows)
}

pub async fn zones(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["search", "kind", "cleanest", "format"]])?;
    params.choice("format", &["json"])?;
    let data = state.data();
    let mut rows: Vec<&Zone> = match params.text("search")? {
        Some(search) => pick(data.find_zone(&search), data.search_zones(&search), "zones")?,
        None => data.zones.iter().collect(),
    };
    if let Some(kind) = params.text("kind")? {
        let kind = ZoneKind::parse(&kind).map_err(|e| ApiError::bad("kind", e))?;
        rows.retain(|z| z.kind == kind);
    }
    if params
        .choice("cleanest", &["true", "false", "1", "0", "yes", "no"])?
        .is_some_and(|v| matches!(v, "true" | "1" | "yes"))
    {
        rows.sort_by(|a, b| a.intensity_g_per_kwh.total_cmp(&b.intensity_g_per_kwh));
    }
    json(&rows)
}

pub async fn regions(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["search", "provider", "format"]])?;
    params.choice("format", &["json"])?;
    let data = state.data();
    let provider = match params.text("provider")? {
        Some(p) => Some(
            data.find_provider(&p)
                .map_err(|e| ApiError::lookup("provider", &e, "regions"))?,
        ),
        None => None,
    };
    let search = params.text("search")?.unwrap_or_default();
    let rows = data.search_regions(provider, &search);
    json(&rows)
}

pub async fn sources(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["format"]])?;
    params.choice("format", &["json"])?;
    json(&state.data().sources.iter().collect::<Vec<_>>())
}

pub async fn openapi() -> ApiResult {
    json(&crate::openapi::document())
}

// --- runs -------------------------------------------------------------------------------------

pub async fn runs_list(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&RUN_FILTER_PARAMS, &["format"]])?;
    params.choice("format", &["json"])?;
    let filter = runs::filter(&params, 50)?;
    let mut found = state.with_store(move |store| store.runs(&filter)).await?;
    runs::hide_commands_unless(state.shows_commands(Some(&headers)), &mut found);
    json(&found)
}

/// `/api/runs/export`: the runs a filter selects, oldest first, as a file, streamed as the
/// database reads them: every run the filter selects (no cap), or `limit` of them.
pub async fn runs_export(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&RUN_FILTER_PARAMS, &["format"]])?;
    let format = export_format(&params)?;
    let mut filter = runs::filter(&params, runs::MAX_RUNS)?;
    if params.get("limit").is_none() {
        filter.limit = None;
    }
    // Oldest first: with a limit, the newest `limit` runs, oldest of them first.
    let (order, skip_to_newest) = match filter.limit {
        Some(limit) => (Order::NewestFirst, Some(limit)),
        None => (Order::OldestFirst, None),
    };
    let shown = state.shows_commands(Some(&headers));
    let (content_type, name) = runs_file(format, "runs");
    let data = state.data();
    let body = state.stream_from_store(move |store, out| {
        let mut writer = RunsWriter::new(format, out)?.with_wue(published_wue(data));
        let mut write = |mut run: RunRecord| {
            runs::hide_commands_unless(shown, std::slice::from_mut(&mut run));
            writer.write(&run)
        };
        match skip_to_newest {
            // At most `limit` (≤ MAX_RUNS) runs: read newest first, written oldest first.
            Some(_) => {
                let mut newest = store.runs(&filter)?;
                newest.reverse();
                newest.into_iter().try_for_each(&mut write)?;
            }
            None => store.each_run(&filter, order, &mut write)?,
        }
        writer.finish()?;
        Ok(())
    })?;
    Ok(download_body(content_type, &name, body))
}

/// The content type and file name of a run export.
fn runs_file(format: RunsFormat, stem: &str) -> (&'static str, String) {
    match format {
        RunsFormat::Csv => ("text/csv; charset=utf-8", format!("{stem}.csv")),
        RunsFormat::Json => ("application/json", format!("{stem}.json")),
        RunsFormat::Jsonl => ("application/jsonl", format!("{stem}.jsonl")),
        RunsFormat::Codecarbon => ("text/csv; charset=utf-8", "emissions.csv".to_string()),
    }
}

fn download_body(content_type: &'static str, name: &str, body: Body) -> Response {
    let mut response = body.into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response
            .headers_mut()
            .insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

fn export_format(params: &Params) -> Result<RunsFormat, ApiError> {
    Ok(
        match params.choice("format", &["codecarbon", "csv", "json", "jsonl"])? {
            Some("csv") => RunsFormat::Csv,
            Some("json") => RunsFormat::Json,
            Some("jsonl") => RunsFormat::Jsonl,
            _ => RunsFormat::Codecarbon,
        },
    )
}

fn export_runs(
    data: &'static Dataset,
    format: RunsFormat,
    found: &[RunRecord],
    stem: &str,
) -> ApiResult {
    let (content_type, name) = runs_file(format, stem);
    let mut writer = RunsWriter::new(format, Vec::new())
        .map_err(ApiError::store)?
        .with_wue(published_wue(data));
    for run in found {
        writer.write(run).map_err(ApiError::store)?;
    }
    let bytes = writer.finish().map_err(ApiError::store)?;
    Ok(download_body(content_type, &name, Body::from(bytes)))
}

pub async fn run_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["format"]])?;
    params.choice("format", &["json"])?;
    let reference = runs::run_ref(&id)?;
    let visible = crate::accounts::reader()?;
    let mut shown = state
        .with_store(move |store| {
            let run = reference.find(store, &visible)?;
            Ok(RunDetail {
                components: store.components(run.id)?,
                windows: store.windows(run.id)?,
                samples: run.samples,
                run,
            })
        })
        .await?;
    runs::hide_commands_unless(
        state.shows_commands(Some(&headers)),
        std::slice::from_mut(&mut shown.run),
    );
    json(&shown)
}

pub async fn run_export(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["format"]])?;
    let format = export_format(&params)?;
    let reference = runs::run_ref(&id)?;
    let visible = crate::accounts::reader()?;
    let mut run = state
        .with_store(move |store| reference.find(store, &visible))
        .await?;
    runs::hide_commands_unless(
        state.shows_commands(Some(&headers)),
        std::slice::from_mut(&mut run),
    );
    let stem = format!("run-{}", run.id);
    export_runs(state.data(), format, &[run], &stem)
}

/// Points of `/api/runs/{id}/power` unless `points` says, and the most it may ask for.
const DEFAULT_POWER_POINTS: usize = 60;
const MAX_POWER_POINTS: usize = 2000;

/// `/api/runs/{id}/power`: the run's power over time, downsampled by the database to `points`
/// (what `mlcarbon show` draws as its sparkline).
pub async fn run_power(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["points", "format"]])?;
    params.choice("format", &["json"])?;
    let points = params.limit("points", DEFAULT_POWER_POINTS, MAX_POWER_POINTS)?;
    let reference = runs::run_ref(&id)?;
    let visible = crate::accounts::reader()?;
    let series = state
        .with_store(move |store| {
            let run = reference.find(store, &visible)?;
            store.power_series(run.id, points)
        })
        .await?;
    json(&series)
}

/// `/api/runs/{id}/samples`: every sample of the run, streamed as the database reads them.
pub async fn run_samples(
    State(state): State<AppState>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let params = Params::parse(q.as_deref());
    params.only(&[], &[&["format"]])?;
    let format = params
        .choice("format", &["json", "csv", "jsonl"])?
        .unwrap_or("json");
    let reference = runs::run_ref(&id)?;
    let visible = crate::accounts::reader()?;
    // Found first, so that an unknown run is a 404 before any byte is sent.
    let (run_id, keys): (RunId, Vec<String>) = state
        .with_store(move |store| {
            let run = reference.find(store, &visible)?;
            let keys = store.components(run.id)?.into_iter().map(|c| c.key);
            Ok((run.id, keys.collect()))
        })
        .await?;
    let (format, content_type, name) = match format {
        "csv" => (
            SamplesFormat::Csv,
            "text/csv; charset=utf-8",
            Some(format!("run-{run_id}-samples.csv")),
        ),
        "jsonl" => (
            SamplesFormat::Jsonl,
            "application/jsonl",
            Some(format!("run-{run_id}-samples.jsonl")),
        ),
        _ => (SamplesFormat::Json, "application/json", None),
    };
    let body = state.stream_from_store(move |store, out| {
        let mut writer = SamplesWriter::new(format, keys, out)?;
        store.each_sample(run_id, &mut |sample| writer.write(&sample))?;
        let out = writer.finish()?;
        if format == SamplesFormat::Json {
            out.write_all(b"\n").map_err(StoreError::Write)?;
        }
        Ok(())
    })?;
    Ok(match name {
        Some(name) => download_body(content_type, &name, body),
        None => {
            let mut response = body.into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            response
        }
    })
}

/// A JSON body read into `T`; 400 naming the path of the first bad value (`run.uuid`), or
/// `body` when the body itself is not JSON.
pub fn json_body<T: serde::de::DeserializeOwned>(body: &Bytes) -> Result<T, ApiError> {
    let deserializer = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." || path.is_empty() {
            "body".to_string()
        } else {
            path
        };
        ApiError::bad(&field, format!("{field}: {}", e.inner()))
    })
}

/// The body of `POST /api/runs`: a run as it started, its samples, and how it ended (if it did).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostedRun {
    pub run: NewRun,
    #[serde(default)]
    pub samples: Vec<SampleRow>,
    pub end: Option<RunEnd>,
}

#[derive(Serialize)]
struct Created {
    id: RunId,
    samples: usize,
    status: RunStatus,
}

fn record(store: &dyn RunStore, posted: &PostedRun) -> Result<Created, StoreError> {
    let id = store.start_run(&posted.run)?;
    store.add_samples(id, &posted.samples)?;
    if let Some(end) = &posted.end {
        store.finish_run(id, end)?;
    }
    let run = store.run(id)?;
    Ok(Created {
        id,
        samples: posted.samples.len(),
        status: run.status,
    })
}

/// `POST /api/runs` (token required): records a run measured elsewhere, e.g. on a machine that
/// cannot reach the database.
pub async fn runs_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let writer = crate::accounts::require_writer(&state, &headers)?;
    let posted: PostedRun = json_body(&body)?;
    if posted.run.start.command.len() > 1000 || posted.run.start.tags.len() > 100 {
        return Err(ApiError::bad(
            "run",
            "at most 1000 command words and 100 tags",
        ));
    }
    let created = state
        .with_store(move |store| {
            // A rehearsal in a scratch database first: a run that would fail halfway (a sample
            // naming an undeclared component, a bad timestamp) is refused before anything is
            // written to the real one.
            let scratch = SqliteRunStore::open_in_memory()?;
            record(&scratch, &posted)?;
            let project = &posted.run.start.project;
            if let Err(refused) = crate::accounts::check_project(store, &writer, project)? {
                return Ok(Err(refused));
            }
            record(store, &posted).map(Ok)
        })
        .await??;
    let mut response = json(&created)?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}
