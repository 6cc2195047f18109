//! The run database of `mlcarbon run`: every measured run and its samples in SQLite, written as
//! the run goes, and exporters of what it holds.
//!
//! Samples are committed in batches the writer chooses (each batch appended and added to the
//! run's totals in one short transaction), so a writer killed with SIGKILL loses at most the
//! batch it had not yet handed over; the next start calls [`Store::recover_interrupted`] and the
//! run becomes `interrupted` with the energy and emissions it had. The database is in WAL mode with a 5 s busy timeout, and every write
//! takes the write lock up front, so several runs (threads or processes, each with its own
//! [`Store`]) can write to one file at once.
//!
//! The schema is versioned by `PRAGMA user_version` and migrated on open ([`schema`]); a database
//! from a newer mlcarbon is refused with [`StoreError::NewerSchema`].

mod accounts;
mod codecarbon;
#[cfg(feature = "conformance")]
pub mod conformance;
mod error;
pub mod export;
mod ingest;
mod jobs;
pub mod liveness;
pub mod measured;
pub mod paths;
mod reported;
mod run_store;
pub mod schema;
pub mod slurm;
mod spool;
mod store;
mod types;
pub mod validate;

pub use accounts::{TokenHolder, TokenListing, TokenScope, User, UserToken, Visibility};
pub use codecarbon::{CcExperiment, CcOrganization, CcProject, CcProjectToken};
pub use error::StoreError;
pub use ingest::{IngestedRun, PositionedWindow};
pub use jobs::{HostShare, JobTotal};
pub use run_store::{RunStore, SqliteRunStore};
pub use schema::SCHEMA_VERSION;
pub use spool::{Ack, Delivery};
pub use store::{POINT_WINDOW, Store, TrackerCheck, stale_after_s};
pub use types::{
    Attribution, ComponentKind, ComponentPower, ComponentRecord, ComponentSample, IntensityOrigin,
    JobPlacement, Method, NewComponent, NewRun, Order, PowerPoint, PowerSeries, Prediction,
    ReportedInterval, RunDetail, RunEnd, RunFilter, RunId, RunRecord, RunStart, RunStatus,
    RunWindow, SampleRow, uuid_v4,
};
