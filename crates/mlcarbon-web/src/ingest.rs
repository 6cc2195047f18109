//! Runs pushed by trackers as they go (`mlcarbon run --server URL`), every request idempotent so
//! that a tracker retries whatever it did not see acknowledged: `PUT /api/runs/{uuid}` stores
//! or confirms the run's start, `POST /api/runs/{uuid}/samples` stores each sample of a batch
//! once (by its `seq`), `POST /api/runs/{uuid}/windows` each window once (by its position), and
//! `PUT /api/runs/{uuid}/end` records the end. All need the server's token.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use mlcarbon_store::{NewRun, PositionedWindow, RunEnd, RunStore, SampleRow, StoreError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::accounts;
use crate::api::{ApiResult, json, json_body};
use crate::error::ApiError;
use crate::state::AppState;

/// Largest body of an ingest request: a batch of [`MAX_BATCH`] samples of a machine with
/// many components fits.
pub const MAX_INGEST_BODY_BYTES: usize = 8 * 1024 * 1024;
/// Samples or windows in one request at most.
pub const MAX_BATCH: usize = 5000;

/// A run's uuid as a path segment: what `mlcarbon run` gives runs (hex and dashes), or any
/// id of letters, digits, `-`, `_` and `.` up to 64 characters.
fn checked_uuid(uuid: &str) -> Result<String, ApiError> {
    let fits = !uuid.is_empty()
        && uuid.len() <= 64
        && uuid
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if fits {
        Ok(uuid.to_string())
    } else {
        Err(ApiError::bad(
            "uuid",
            format!("`{uuid}` is not a run uuid: 1 to 64 letters, digits, `-`, `_` or `.`"),
        ))
    }
}

#[derive(Serialize)]
struct RunAnswer {
    id: mlcarbon_store::RunId,
    created: bool,
}

/// `PUT /api/runs/{uuid}`: the run's start (a `NewRun`); 201 when stored now, 200 when an
/// earlier push stored the same run.
pub async fn put_run(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let writer = accounts::require_writer(&state, &headers)?;
    let uuid = checked_uuid(&uuid)?;
    let run: NewRun = json_body(&body)?;
    if run.start.uuid != uuid {
        return Err(ApiError::bad(
            "uuid",
            format!(
                "the body's uuid `{}` is not the path's `{uuid}`",
                run.start.uuid
            ),
        ));
    }
    if run.start.command.len() > 1000 || run.start.tags.len() > 100 {
        return Err(ApiError::bad(
            "run",
            "at most 1000 command words and 100 tags",
        ));
    }
    let ingested = state
        .with_store(move |store| {
            if let Err(refused) = accounts::check_project(store, &writer, &run.start.project)? {
                return Ok(Err(refused));
            }
            store.ingest_run(&run).map(Ok)
        })
        .await??;
    let mut response = json(&RunAnswer {
        id: ingested.id,
        created: ingested.created,
    })?;
    if ingested.created {
        *response.status_mut() = StatusCode::CREATED;
    }
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SampleBatch {
    samples: Vec<SampleRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowBatch {
    windows: Vec<PositionedWindow>,
}

/// What a batch did: how many items came, how many were new (the rest were stored before).
#[derive(Serialize)]
struct BatchAnswer {
    received: usize,
    stored: usize,
}

fn check_batch(field: &str, len: usize) -> Result<(), ApiError> {
    if len > MAX_BATCH {
        return Err(ApiError::bad(
            field,
            format!("{len} {field} in one request; send at most {MAX_BATCH}"),
        ));
    }
    Ok(())
}

/// A batch of a pushed run's items (`field`: "samples" or "windows"), each stored at most once
/// by `store`, which answers how many were new.
async fn ingest_batch<B, F>(
    state: AppState,
    uuid: &str,
    headers: &HeaderMap,
    body: &Bytes,
    field: &'static str,
    items: fn(&B) -> usize,
    store: F,
) -> ApiResult
where
    B: DeserializeOwned + Send + 'static,
    F: FnOnce(&dyn RunStore, &str, B) -> Result<usize, StoreError> + Send + 'static,
{
    let writer = accounts::require_writer(&state, headers)?;
    let uuid = checked_uuid(uuid)?;
    let batch: B = json_body(body)?;
    let received = items(&batch);
    check_batch(field, received)?;
    let stored = state
        .with_store(move |run_store| {
            if let Err(refused) = accounts::check_run(run_store, &writer, &uuid)? {
                return Ok(Err(refused));
            }
            store(run_store, &uuid, batch).map(Ok)
        })
        .await??;
    json(&BatchAnswer { received, stored })
}

/// `POST /api/runs/{uuid}/samples` with `{"samples": [SampleRow, ...]}`.
pub async fn post_samples(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    ingest_batch(
        state,
        &uuid,
        &headers,
        &body,
        "samples",
        |batch: &SampleBatch| batch.samples.len(),
        |store, uuid, batch| store.ingest_samples(uuid, &batch.samples),
    )
    .await
}

/// `POST /api/runs/{uuid}/windows` with `{"windows": [{"position": 0, ...RunWindow}, ...]}`.
pub async fn post_windows(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    ingest_batch(
        state,
        &uuid,
        &headers,
        &body,
        "windows",
        |batch: &WindowBatch| batch.windows.len(),
        |store, uuid, batch| store.ingest_windows(uuid, &batch.windows),
    )
    .await
}

/// `PUT /api/runs/{uuid}/end` with a `RunEnd`.
pub async fn put_end(
    State(state): State<AppState>,
    Path(uuid): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult {
    let writer = accounts::require_writer(&state, &headers)?;
    let uuid = checked_uuid(&uuid)?;
    let end: RunEnd = json_body(&body)?;
    let (id, status) = state
        .with_store(move |store| {
            if let Err(refused) = accounts::check_run(store, &writer, &uuid)? {
                return Ok(Err(refused));
            }
            let id = store.ingest_end(&uuid, &end)?;
            Ok(Ok((id, store.run(id)?.status)))
        })
        .await??;
    #[derive(Serialize)]
    struct Ended {
        id: mlcarbon_store::RunId,
        status: mlcarbon_store::RunStatus,
    }
    json(&Ended { id, status })
}
