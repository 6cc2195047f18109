use std::path::PathBuf;

use crate::RunId;

/// Everything that can go wrong opening, writing, reading or exporting the run database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the folder `{}` for the run database: {source}", .path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot create the run database `{}`: {source}", .path.display())]
    CreateFile {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "no run database at `{}`: check the path (--db, MLCARBON_DB), or track a run first with `mlcarbon run -- CMD`",
        .0.display()
    )]
    Missing(PathBuf),

    #[error("`{}` is not a run database ({reason}): check the path (--db, MLCARBON_DB)", .path.display())]
    NotADatabase { path: PathBuf, reason: String },

    #[error(
        "the run database `{}` has schema version {found}, too old to read without migrating, and it is not writable here: open it once with a writing command (`mlcarbon run`) as its owner",
        .path.display()
    )]
    NeedsMigration { path: PathBuf, found: u32 },

    #[error("cannot open the run database `{}`: {source}", .path.display())]
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

    #[error("no run with uuid `{0}`: its start must be stored first")]
    UnknownRun(String),

    #[error("sample {seq} of run {run} is already stored")]
    DuplicateSample { run: RunId, seq: u64 },

    #[error("sample {seq} of run {run} names component `{key}`, which the run did not declare")]
    UnknownComponent { run: RunId, seq: u64, key: String },

    #[error("{what} `{name}` already exists")]
    Exists { what: &'static str, name: String },

    #[error("no {what} with id `{id}`")]
    Unknown { what: &'static str, id: String },

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

    /// A database server (PostgreSQL) could not be reached or logged into; `location` is its
    /// URL without the password.
    #[error("cannot connect to the run database at {location}: {reason}")]
    Connect { location: String, reason: String },

    /// An error a database server (PostgreSQL) answered with.
    #[error("run database error: {0}")]
    Server(#[source] Box<dyn std::error::Error + Send + Sync>),

    #[error("cannot write the export: {0}")]
    Write(#[source] std::io::Error),

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
