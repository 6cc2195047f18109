use std::path::PathBuf;

use crate::RunId;

/// Everything that can go wrong opening, writing, reading or exporting the run database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the folder `{path}` for the run database: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot open the run database `{path}`: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },

    #[error(
        "the run database has schema version {found}, newer than this mlcarbon knows ({supported}); \
         upgrade mlcarbon, or point it at another database"
    )]
    NewerSchema { found: u32, supported: u32 },

    #[error("no run with id {0}")]
    NotFound(RunId),

    #[error("a run with uuid `{0}` is already stored")]
    DuplicateRun(String),

    #[error("sample {seq} of run {run} is already stored")]
    DuplicateSample { run: RunId, seq: u64 },

    #[error("sample {seq} of run {run} names component `{key}`, which the run did not declare")]
    UnknownComponent { run: RunId, seq: u64, key: String },

    #[error("invalid {field}: {reason}")]
    Invalid { field: &'static str, reason: String },

    #[error("invalid timestamp `{value}` in {field}: expected RFC 3339, like 2024-01-01T12:00:00Z")]
    Timestamp { field: &'static str, value: String },

    #[error("stored {field} of run {run} is unreadable: {reason}")]
    Corrupt {
        run: RunId,
        field: &'static str,
        reason: String,
    },

    #[error("run database error: {0}")]
    Sqlite(#[from] rusqlite::Error),

    #[error("cannot write CSV: {0}")]
    Csv(#[from] csv::Error),

    #[error("cannot write JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl StoreError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        StoreError::Invalid {
            field,
            reason: reason.into(),
        }
    }
}
