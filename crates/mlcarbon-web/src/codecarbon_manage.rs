//! The management endpoints of CodeCarbon's API that its CLI calls (`codecarbon config`,
//! `codecarbon get-token`): organisations, their projects, the projects' experiments, and
//! project tokens for trackers. They take the server's token as `Authorization: Bearer`.
//!
//! Until mlcarbon has accounts these live in small tables of their own (schema v7): an
//! experiment's runs are stored in the mlcarbon project of the experiment's project name, and
//! a project token (`mlcc_<id>_<secret>`, shown once, kept as the SHA-256 of its secret) lets
//! a tracker write runs of that project's experiments only, never with the server's token.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use mlcarbon_store::{
    CcExperiment, CcOrganization, CcProject, CcProjectToken, RunStore, StoreError,
};
use serde::{Deserialize, Serialize};

use crate::accounts;
use crate::api::{ApiResult, json, json_body};
use crate::auth::{self, PROJECT_TOKEN_PREFIX};
use crate::codecarbon::{created_with, hex, new_uuid, random_bytes, text};
use crate::error::ApiError;
use crate::state::AppState;

/// The body of `POST /organizations`.
#[derive(Debug, Deserialize)]
pub struct OrganizationCreate {
    pub name: String,
    pub description: Option<String>,
}

/// The body of `POST /projects`.
#[derive(Debug, Deserialize)]
pub struct ProjectCreate {
    pub name: String,
    pub description: Option<String>,
    pub organization_id: String,
}

/// The body of `POST /experiments` (CodeCarbon's `ExperimentCreate`; its location fields are
/// not kept: a run says where it ran).
#[derive(Debug, Deserialize)]
pub struct ExperimentCreate {
    pub name: String,
    pub description: Option<String>,
    pub project_id: String,
}

/// The body of `POST /projects/{id}/api-tokens`; CodeCarbon's CLI also sends fields this
/// server does not need.
#[derive(Debug, Deserialize)]
pub struct TokenCreate {
    pub name: Option<String>,
}

/// A new project token: the only time its secret is shown.
#[derive(Debug, Serialize)]
struct IssuedToken {
    id: String,
    project_id: String,
    name: String,
    token: String,
    created_at: String,
}

/// A name: 1 to 200 characters once trimmed.
fn name(field: &str, value: &str) -> Result<String, ApiError> {
    text(field, Some(&value.to_string()))?
        .ok_or_else(|| ApiError::bad(field, format!("{field}: must not be empty")))
}

fn description(value: Option<&String>) -> Result<String, ApiError> {
    Ok(text("description", value)?.unwrap_or_default())
}

/// `GET /auth/check`: whether the bearer token is the server's.
pub async fn auth_check(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    auth::require_token(&headers, state.token())?;
    json(&serde_json::json!({ "authenticated": true, "token": "the server's token" }))
}

/// Every organisation; with accounts on, a user token's teams only.
pub async fn organizations(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let member = accounts::manager(&state, &headers)?;
    let mut all = state.with_store(|store| store.cc_organizations()).await?;
    if let Some(holder) = member {
        all.retain(|o| holder.teams.contains(&o.id));
    }
    json(&all)
}

/// The team (organisation id) that `id` belongs to, for [`one`].
type TeamOf = fn(&dyn RunStore, &str) -> Result<Option<String>, StoreError>;

fn organization_team(_: &dyn RunStore, id: &str) -> Result<Option<String>, StoreError> {
    Ok(Some(id.to_string()))
}

fn project_team(store: &dyn RunStore, id: &str) -> Result<Option<String>, StoreError> {
    Ok(store.cc_project(id)?.map(|p| p.organization_id))
}

fn experiment_team(store: &dyn RunStore, id: &str) -> Result<Option<String>, StoreError> {
    match store.cc_experiment(id)?.and_then(|e| e.project_id) {
        Some(project) => project_team(store, &project),
        None => Ok(None),
    }
}

/// What `read` finds for `id` (the server's token required; with accounts on, also a user
/// token of the team `team_of` names); 404 naming `what` for nothing or another team's.
async fn one<T: Serialize + Send + 'static>(
    state: &AppState,
    headers: &HeaderMap,
    what: &str,
    id: String,
    team_of: TeamOf,
    read: fn(&dyn RunStore, &str) -> Result<Option<T>, StoreError>,
) -> ApiResult {
    let member = accounts::manager(state, headers)?;
    let key = id.clone();
    let value = state
        .with_store(move |store| {
            if let Some(holder) = member {
                let team = team_of(store, &key)?;
                if !team.is_some_and(|t| holder.teams.contains(&t)) {
                    return Ok(None);
                }
            }
            read(store, &key)
        })
        .await?;
    match value {
        Some(value) => json(&value),
        None => Err(ApiError::not_found(format!(
            "no {what} with id `{}`",
            id.chars().take(100).collect::<String>()
        ))),
    }
}

/// Stores `value` with `write` (the server's token required) and answers 201 with it.
async fn create<T: Serialize + Clone + Send + 'static>(
    state: &AppState,
    headers: &HeaderMap,
    value: Result<T, ApiError>,
    write: fn(&dyn RunStore, &T) -> Result<(), StoreError>,
) -> ApiResult {
    auth::require_token(headers, state.token())?;
    let value = value?;
    let stored = value.clone();
    state.with_store(move |store| write(store, &stored)).await?;
    created_with(&value)
}

pub async fn organization(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    one(
        &state,
        &headers,
        "organization",
        id,
        organization_team,
        |store, id| store.cc_organization(id),
    )
    .await
}

pub async fn organization_projects(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    one(
        &state,
        &headers,
        "organization",
        id,
        organization_team,
        |store, id| {
            Ok(match store.cc_organization(id)? {
                Some(_) => Some(store.cc_projects(id)?),
                None => None,
            })
        },
    )
    .await
}

pub async fn project(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    one(
        &state,
        &headers,
        "project",
        id,
        project_team,
        |store, id| store.cc_project(id),
    )
    .await
}

pub async fn project_experiments(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    one(
        &state,
        &headers,
        "project",
        id,
        project_team,
        |store, id| {
            Ok(match store.cc_project(id)? {
                Some(_) => Some(store.cc_experiments(id)?),
                None => None,
            })
        },
    )
    .await
}

pub async fn experiment(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> ApiResult {
    one(
        &state,
        &headers,
        "experiment",
        id,
        experiment_team,
        |store, id| store.cc_experiment(id),
    )
    .await
}

pub async fn organizations_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let org = (|| {
        let posted: OrganizationCreate = json_body(&body)?;
        Ok(CcOrganization {
            id: new_uuid()?,
            name: name("name", &posted.name)?,
            description: description(posted.description.as_ref())?,
            created_at: mlcarbon_time::now_rfc3339(),
        })
    })();
    create(&state, &headers, org, |store, new| {
        store.add_cc_organization(new)
    })
    .await
}

pub async fn projects_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let project = (|| {
        let posted: ProjectCreate = json_body(&body)?;
        Ok(CcProject {
            id: new_uuid()?,
            organization_id: name("organization_id", &posted.organization_id)?,
            name: name("name", &posted.name)?,
            description: description(posted.description.as_ref())?,
            created_at: mlcarbon_time::now_rfc3339(),
        })
    })();
    create(&state, &headers, project, |store, new| {
        store.add_cc_project(new)
    })
    .await
}

pub async fn experiments_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let experiment = (|| {
        let posted: ExperimentCreate = json_body(&body)?;
        Ok(CcExperiment {
            id: new_uuid()?,
            project_id: Some(name("project_id", &posted.project_id)?),
            name: name("name", &posted.name)?,
            description: description(posted.description.as_ref())?,
            created_at: mlcarbon_time::now_rfc3339(),
        })
    })();
    create(&state, &headers, experiment, |store, new| {
        store.add_cc_experiment(new)
    })
    .await
}

/// `POST /projects/{id}/api-tokens`: a new token for trackers of this project, answered once.
pub async fn project_tokens_post(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(project_id): Path<String>,
    body: Bytes,
) -> ApiResult {
    auth::require_token(&headers, state.token())?;
    let posted: TokenCreate = if body.is_empty() {
        TokenCreate { name: None }
    } else {
        json_body(&body)?
    };
    let token_id = hex(&random_bytes::<8>()?);
    let secret = hex(&random_bytes::<32>()?);
    let token = format!("{PROJECT_TOKEN_PREFIX}{token_id}_{secret}");
    let Some((_, secret_sha256)) = auth::split_project_token(&token) else {
        return Err(ApiError::internal("a new token does not parse"));
    };
    let issued = IssuedToken {
        id: token_id.clone(),
        project_id: project_id.clone(),
        name: text("name", posted.name.as_ref())?.unwrap_or_else(|| "api token".to_string()),
        token,
        created_at: mlcarbon_time::now_rfc3339(),
    };
    let stored = CcProjectToken {
        token_id,
        project_id,
        name: issued.name.clone(),
        secret_sha256,
        created_at: issued.created_at.clone(),
    };
    state
        .with_store(move |store| store.add_cc_project_token(&stored))
        .await?;
    created_with(&issued)
}
