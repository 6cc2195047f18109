//! Slurm accounting for mlcarbon: `sacct --parsable2` and `sacct --json` read as streams of
//! rows, rows grouped into jobs without counting a job and its steps twice, the cluster
//! description (`cluster.toml`) that says what the nodes draw and where they run, GA4HPC's
//! `cluster_info.yaml`, and the report that feeds each job to the model.

pub mod cluster;
pub mod fields;
pub mod ga4hpc;
pub mod job;
pub mod json;
pub mod report;
pub mod row;
pub mod stored;
pub mod tracked;

pub use cluster::{Cluster, ClusterError, PartitionEmbodied};
pub use fields::JobState;
pub use job::{Grouper, GroupingCounts, Jobs, SlurmJob};
pub use json::read_json_rows;
pub use report::{
    GroupBy, JobFigures, JobFilter, JobKeys, Method, ReportError, ReportOptions, SacctReportError,
    SlurmReport, Totals, difference, job_figures, report_sacct,
};
pub use row::{ParsableReader, SacctRow};
pub use tracked::{TrackedJob, TrackedJobs};

/// A value sacct printed that could not be read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what} `{text}`: {hint}")]
pub struct FieldError {
    pub what: String,
    pub text: String,
    pub hint: String,
}

impl FieldError {
    pub fn new(what: &str, text: &str, hint: &str) -> Self {
        FieldError {
            what: what.to_string(),
            text: text.chars().take(80).collect(),
            hint: hint.to_string(),
        }
    }
}

/// Why sacct output could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SlurmError {
    #[error("cannot read sacct output: {0}")]
    Read(#[source] std::io::Error),
    #[error(
        "empty input: expected sacct output with a header line (sacct --parsable2 --format ...)"
    )]
    MissingHeader,
    #[error(
        "the first line has no JobID column (`{header}`): run sacct with --parsable2 and without --noheader, and include JobID in --format"
    )]
    NoJobIdColumn { header: String },
    #[error("line {line}: {error}")]
    Line { line: u64, error: FieldError },
    #[error("sacct JSON: {0}")]
    Json(String),
    #[error("sacct JSON: job {index} (counting from 0): {error}")]
    JsonJob { index: usize, error: FieldError },
}
