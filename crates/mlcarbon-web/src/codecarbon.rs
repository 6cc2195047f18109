//! The endpoints CodeCarbon's API client posts to, so that an unchanged CodeCarbon tracker
//! (`api_endpoint = http://HOST:PORT`, `api_key` = a write token) records its runs here.
//!
//! - `POST /runs` (once per tracker): a new mlcarbon run, its uuid answered as `{"id": ...}`.
//! - `POST /emissions` (every `api_call_interval` measurements, on flush and stop): one sample
//!   of that run, whose energy and emissions are those of the interval since the last post,
//!   added to the run's totals by [`mlcarbon_store::Store::add_reported_interval`].
//!
//! Both answer exactly 201 (CodeCarbon takes any other status as a failure) and take the token
//! in `x-api-token` ([`codecarbon_writer`]). A base URL ending in `/` puts `//runs`
//! on the wire: both paths are also served with a doubled slash.
//!
//! CodeCarbon sends no hostname and no end of run. A run is stored under the client's address
//! (`codecarbon@127.0.0.1`, which no real hostname can equal, as `@` is not allowed in one)
//! with pid 0, so readers judge it as a run of another host: running while its intervals keep
//! coming, interrupted once none came for [`mlcarbon_store::stale_after_s`] of the longest
//! interval it reported (at least 75 s), ended at its last interval.

use std::net::SocketAddr;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use mlcarbon_store::{
    Attribution, CcExperiment, ComponentKind, ComponentSample, IntensityOrigin, JobPlacement,
    Method, NewComponent, NewRun, ReportedInterval, RunStart, RunStore, StoreError,
};
use mlcarbon_time::UtcTime;
use serde::Deserialize;

use crate::accounts;
pub(crate) use crate::accounts::hex;
use crate::api::{ApiResult, json, json_body};
use crate::auth::{self, ApiWriter, Credential};
use crate::error::ApiError;
use crate::state::AppState;

/// The project of runs whose experiment belongs to no project the server knows.
pub const DEFAULT_PROJECT: &str = "codecarbon";

/// A run's sampling interval until its first interval arrives: CodeCarbon's defaults,
/// `measure_power_secs` 15 × `api_call_interval` 8.
const FIRST_INTERVAL_S: f64 = 120.0;

/// Longest text kept from a client's field.
const MAX_TEXT: usize = 200;

const JOULES_PER_KWH: f64 = 3.6e6;

/// The body of `POST /runs` (CodeCarbon's `RunCreate`). Unknown fields are ignored: newer
/// clients may send more.
#[derive(Debug, Deserialize)]
pub struct RunCreate {
    pub timestamp: String,
    pub experiment_id: String,
    pub os: Option<String>,
    pub python_version: Option<String>,
    pub codecarbon_version: Option<String>,
    pub cpu_count: Option<u32>,
    pub cpu_model: Option<String>,
    pub gpu_count: Option<u32>,
    pub gpu_model: Option<String>,
    pub region: Option<String>,
    pub provider: Option<String>,
    /// GB.
    pub ram_total_size: Option<f64>,
    /// `machine` or `process`.
    pub tracking_mode: Option<String>,
}

/// The body of `POST /emissions` (CodeCarbon's `EmissionCreate`): energies and emissions of
/// the interval since the previous post, powers and utilizations averaged since the start.
#[derive(Debug, Deserialize)]
pub struct EmissionCreate {
    pub timestamp: String,
    pub run_id: String,
    /// Seconds of this interval (CodeCarbon sends a whole number ≥ 1).
    pub duration: f64,
    /// kg CO2e of this interval.
    pub emissions_sum: f64,
    /// kWh of this interval.
    pub cpu_energy: f64,
    pub gpu_energy: f64,
    pub ram_energy: f64,
    pub energy_consumed: f64,
    pub cpu_utilization_percent: Option<f64>,
    pub gpu_utilization_percent: Option<f64>,
    pub ram_utilization_percent: Option<f64>,
}

/// `POST /runs`.
pub async fn runs_post(
    State(state): State<AppState>,
    peer: Option<Extension<ConnectInfo<SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (writer, member) = codecarbon_writer(&state, &headers).await?;
    let posted: RunCreate = json_body(&body)?;
    let uuid = new_uuid()?;
    let host = client_host(peer.map(|Extension(ConnectInfo(addr))| addr));
    let mut run = new_run(&posted, uuid.clone(), host)?;
    let now = mlcarbon_time::now_rfc3339();
    state
        .with_store(move |store| {
            let experiment = posted.experiment_id.trim();
            run.start.project = match experiment_project(store, &writer, experiment, &now)? {
                Ok(project) => project,
                Err(refused) => return Ok(Err(refused)),
            };
            if let Err(refused) = accounts::check_project(store, &member, &run.start.project)? {
                return Ok(Err(refused));
            }
            store.start_run(&run).map(Ok)
        })
        .await??;
    created(&uuid)
}

/// The name of the project that `experiment_id` belongs to ([`DEFAULT_PROJECT`] for none),
/// the experiment recorded on first use: under the writer's project for a project token, else
/// without one. A project token may not write to another project's experiment (403).
fn experiment_project(
    store: &dyn RunStore,
    writer: &ApiWriter,
    experiment_id: &str,
    now: &str,
) -> Result<Result<String, ApiError>, StoreError> {
    let project_id = match (store.cc_experiment(experiment_id)?, writer) {
        (Some(found), ApiWriter::Project(own)) if found.project_id.as_ref() != Some(own) => {
            return Ok(Err(other_project("experiment_id")));
        }
        (Some(found), _) => found.project_id,
        (None, ApiWriter::Server) => store.ensure_cc_experiment(experiment_id, now)?.project_id,
        (None, ApiWriter::Project(own)) => {
            store.add_cc_experiment(&CcExperiment {
                id: experiment_id.to_string(),
                project_id: Some(own.clone()),
                name: experiment_id.to_string(),
                description: FIRST_SEEN.to_string(),
                created_at: now.to_string(),
            })?;
            Some(own.clone())
        }
    };
    let project = match project_id {
        Some(id) => store.cc_project(&id)?.map(|p| p.name),
        None => None,
    };
    Ok(Ok(project.unwrap_or_else(|| DEFAULT_PROJECT.to_string())))
}

/// What an experiment first named by a tracker is described as.
pub const FIRST_SEEN: &str = "first seen in a run";

fn other_project(field: &str) -> ApiError {
    ApiError::new(
        StatusCode::FORBIDDEN,
        format!(
            "{field}: this project token's project does not own it; use the token of its project"
        ),
        Some(field),
    )
}

/// `POST /emissions`.
pub async fn emissions_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let (writer, member) = codecarbon_writer(&state, &headers).await?;
    let posted: EmissionCreate = json_body(&body)?;
    let timestamp = instant("timestamp", &posted.timestamp)?;
    for (field, value) in [
        ("duration", posted.duration),
        ("emissions_sum", posted.emissions_sum),
        ("cpu_energy", posted.cpu_energy),
        ("gpu_energy", posted.gpu_energy),
        ("ram_energy", posted.ram_energy),
        ("energy_consumed", posted.energy_consumed),
    ] {
        if !(value.is_finite() && value >= 0.0) {
            return Err(ApiError::bad(
                field,
                format!("{field}: {value} is not a finite number ≥ 0"),
            ));
        }
    }
    let uuid = posted.run_id.clone();
    let stored = state
        .with_store(move |store| {
            let Some(id) = store.run_id_by_uuid(&uuid)? else {
                return Ok(Err(ApiError::not_found(
                    "run_id: no run with this id; POST /runs first (CodeCarbon does so itself)",
                )));
            };
            let run = store.run(id)?;
            if let Err(refused) = accounts::check_project(store, &member, &run.project)? {
                return Ok(Err(refused));
            }
            if let ApiWriter::Project(own) = &writer {
                let experiment = match &run.experiment {
                    Some(e) => store.cc_experiment(e)?,
                    None => None,
                };
                if experiment.and_then(|e| e.project_id).as_ref() != Some(own) {
                    return Ok(Err(other_project("run_id")));
                }
            }
            let declared = store.components(id)?;
            let interval = interval(&posted, timestamp, run.ram_total_gb, |key| {
                declared.iter().any(|c| c.key == key)
            });
            store.add_reported_interval(id, &interval).map(Ok)
        })
        .await??;
    created(&stored.seq)
}

/// 201 with `{"id": ...}`: CodeCarbon takes any other status as a failure.
pub(crate) fn created(id: &impl serde::Serialize) -> ApiResult {
    created_with(&serde_json::json!({ "id": id }))
}

/// 201 with `value` as JSON.
pub(crate) fn created_with(value: &impl serde::Serialize) -> ApiResult {
    let mut response: Response = json(value)?;
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// The mlcarbon run a CodeCarbon `POST /runs` starts.
fn new_run(posted: &RunCreate, uuid: String, hostname: String) -> Result<NewRun, ApiError> {
    let started_at = instant("timestamp", &posted.timestamp)?;
    let experiment = text("experiment_id", Some(&posted.experiment_id))?
        .ok_or_else(|| ApiError::bad("experiment_id", "experiment_id: must not be empty"))?;
    let provider = text("provider", posted.provider.as_ref())?;
    let region = text("region", posted.region.as_ref())?;
    let cpu_model = text("cpu_model", posted.cpu_model.as_ref())?;
    let gpu_model = text("gpu_model", posted.gpu_model.as_ref())?;
    let ram_total_gb = posted.ram_total_size.unwrap_or(0.0);
    if !(ram_total_gb.is_finite() && ram_total_gb >= 0.0) {
        return Err(ApiError::bad(
            "ram_total_size",
            "ram_total_size: must be a finite number of GB ≥ 0",
        ));
    }
    let gpu_count = posted.gpu_count.unwrap_or(0);
    let mut tags = vec!["codecarbon".to_string()];
    for (name, value) in [
        ("codecarbon-version", &posted.codecarbon_version),
        ("python", &posted.python_version),
    ] {
        if let Some(value) = text(name, value.as_ref())? {
            tags.push(format!("{name}:{value}"));
        }
    }
    let location_label = match (&provider, &region) {
        (Some(p), Some(r)) => format!("{p}/{r}"),
        (None, Some(r)) => r.clone(),
        (Some(p), None) => p.clone(),
        (None, None) => "an unknown place (CodeCarbon sent no region)".to_string(),
    };
    let component = |key: &str, kind, label: String| NewComponent {
        key: key.to_string(),
        kind,
        label,
        method: Method::Reported,
    };
    let mut components = vec![component(
        "cpu",
        ComponentKind::Cpu,
        cpu_model.clone().unwrap_or_else(|| "CPU".to_string()),
    )];
    if gpu_count > 0 || gpu_model.is_some() {
        components.push(component(
            "gpu",
            ComponentKind::Gpu,
            gpu_model.clone().unwrap_or_else(|| "GPU".to_string()),
        ));
    }
    components.push(component(
        "ram",
        ComponentKind::Ram,
        format!("RAM ({ram_total_gb:.1} GB)"),
    ));
    Ok(NewRun {
        start: RunStart {
            uuid,
            project: DEFAULT_PROJECT.to_string(),
            experiment: Some(experiment),
            tags,
            command: Vec::new(),
            started_at: started_at.to_string(),
            pid: 0,
            hostname,
            os: text("os", posted.os.as_ref())?.unwrap_or_default(),
            mlcarbon_version: env!("CARGO_PKG_VERSION").to_string(),
            location_label,
            zone: None,
            provider,
            region,
            country_iso: None,
            country_name: None,
            // Set by the first interval that used energy (its emissions ÷ energy).
            intensity_g_per_kwh: 0.0,
            intensity_origin: IntensityOrigin::Reported,
            intensity_source: Some(format!(
                "CodeCarbon {}: emissions ÷ energy of each interval it posted",
                posted
                    .codecarbon_version
                    .as_deref()
                    .unwrap_or("(version not sent)")
            )),
            // CodeCarbon applies its own PUE (default 1.0) to every energy it reports.
            pue: 1.0,
            cpu_model,
            cpu_count: posted.cpu_count.unwrap_or(0),
            gpu_model,
            gpu_count,
            ram_total_gb,
            interval_s: FIRST_INTERVAL_S,
            attribution: attribution(posted.tracking_mode.as_deref())?,
            // CodeCarbon knows no distributed job.
            placement: JobPlacement::default(),
        },
        components,
    })
}

/// CodeCarbon's `tracking_mode`: the whole machine (its default) or the process's share.
fn attribution(tracking_mode: Option<&str>) -> Result<Attribution, ApiError> {
    match tracking_mode {
        None | Some("machine") => Ok(Attribution::Machine),
        Some("process") => Ok(Attribution::Process),
        Some(other) => Err(ApiError::bad(
            "tracking_mode",
            format!(
                "tracking_mode: `{}` is neither `machine` nor `process`",
                other.chars().take(50).collect::<String>()
            ),
        )),
    }
}

/// The sample a CodeCarbon `POST /emissions` becomes: components the run declared get their
/// interval energy and its mean power over the interval.
fn interval(
    posted: &EmissionCreate,
    timestamp: UtcTime,
    ram_total_gb: f64,
    declared: impl Fn(&str) -> bool,
) -> ReportedInterval {
    let components = [
        ("cpu", posted.cpu_energy),
        ("gpu", posted.gpu_energy),
        ("ram", posted.ram_energy),
    ]
    .into_iter()
    .filter(|(key, _)| declared(key))
    .map(|(key, kwh)| {
        let energy_j = kwh * JOULES_PER_KWH;
        ComponentSample {
            key: key.to_string(),
            power_w: if posted.duration > 0.0 {
                energy_j / posted.duration
            } else {
                0.0
            },
            energy_j,
        }
    })
    .collect();
    let percent = |value: Option<f64>| value.filter(|v| v.is_finite() && *v >= 0.0);
    ReportedInterval {
        timestamp: timestamp.to_string(),
        duration_s: posted.duration,
        energy_kwh: posted.energy_consumed,
        emissions_kg: posted.emissions_sum,
        components,
        cpu_utilization: percent(posted.cpu_utilization_percent),
        gpu_utilization: percent(posted.gpu_utilization_percent),
        ram_used_gb: percent(posted.ram_utilization_percent).map(|p| p / 100.0 * ram_total_gb),
    }
}

/// CodeCarbon's ISO 8601 time with an offset (`2026-12-03T10:20:00.123456+01:00`), in UTC.
fn instant(field: &str, value: &str) -> Result<UtcTime, ApiError> {
    UtcTime::parse(value).map_err(|e| ApiError::bad(field, format!("{field}: {e}")))
}

/// A client's text, trimmed; none when blank; 400 when longer than [`MAX_TEXT`].
pub(crate) fn text(field: &str, value: Option<&String>) -> Result<Option<String>, ApiError> {
    let Some(value) = value.map(|v| v.trim()).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    if value.chars().count() > MAX_TEXT {
        return Err(ApiError::bad(
            field,
            format!("{field}: longer than {MAX_TEXT} characters"),
        ));
    }
    Ok(Some(value.to_string()))
}

/// The host a client's runs are stored under: its address as this server saw it.
fn client_host(peer: Option<SocketAddr>) -> String {
    match peer {
        Some(addr) => format!("codecarbon@{}", addr.ip()),
        None => "codecarbon@unknown".to_string(),
    }
}

/// A random (version 4) UUID from the system's generator.
pub(crate) fn new_uuid() -> Result<String, ApiError> {
    Ok(mlcarbon_store::uuid_v4(random_bytes::<16>()?))
}

/// `N` bytes from the kernel's generator; a server that cannot read it refuses (500) rather
/// than hand out guessable ids.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], ApiError> {
    crate::accounts::urandom::<N>()
        .map_err(|e| ApiError::internal(format!("cannot read /dev/urandom: {e}")))
}

/// The writer that a CodeCarbon client's `x-api-token` names (see
/// [`auth::codecarbon_credential`]): the server, or the project whose token it is; with
/// accounts on, also a user's write token, which writes as the server does within its team's
/// projects (the second part; [`accounts::Writer::Anyone`] for the others).
async fn codecarbon_writer(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(ApiWriter, accounts::Writer), ApiError> {
    let project_token = headers
        .get(auth::API_TOKEN_HEADER)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim().starts_with(auth::PROJECT_TOKEN_PREFIX));
    if !project_token && let Some(member) = accounts::writer()? {
        return Ok((ApiWriter::Server, member));
    }
    let writer = match auth::codecarbon_credential(headers, state.token())? {
        Credential::Server => ApiWriter::Server,
        Credential::ProjectToken { id, secret_sha256 } => state
            .with_store(move |store| store.cc_project_of_token(&id, &secret_sha256))
            .await?
            .map(ApiWriter::Project)
            .ok_or_else(auth::wrong_codecarbon_token)?,
    };
    Ok((writer, accounts::Writer::Anyone))
}
