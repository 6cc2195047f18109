//! The runs database a command uses, and runs named on the command line.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use mlcarbon_model::subject::{JobSource, MeasuredRun};
use mlcarbon_store::{RunRecord, Store};

use crate::cli::{JobArgs, LocationArgs, StoredRunArgs};
use crate::inputs::estimate_request;

/// The database for a command that writes runs (`run`, `monitor`): created, user-only, when
/// missing.
pub fn open_store_writable(flag: Option<&Path>) -> Result<(Store, PathBuf)> {
    let path = local_db_path(flag)?;
    let store = Store::open(&path).with_context(|| format!("runs database {}", path.display()))?;
    Ok((store, path))
}

/// Where `slurm import` writes: the local SQLite file, or a team server's PostgreSQL.
pub enum SlurmStore {
    Local(Store),
    Team(Box<mlcarbon_store_pg::PgStore>),
}

/// The database of `--db`/`MLCARBON_DB` for `slurm import`, PostgreSQL URLs included; with
/// where it is for messages (a URL without its password).
pub fn open_slurm_store(flag: Option<&Path>) -> Result<(SlurmStore, String)> {
    let path = crate::settings::db_path(flag)?;
    let text = path.to_string_lossy();
    if mlcarbon_store_pg::is_postgres_url(&text) {
        let store = mlcarbon_store_pg::PgStore::connect(&text)?;
        let location = mlcarbon_store::RunStore::location(&store);
        return Ok((SlurmStore::Team(Box::new(store)), location));
    }
    let (store, path) = open_store_writable(flag)?;
    Ok((SlurmStore::Local(store), path.display().to_string()))
}

/// A team server's PostgreSQL when `--db`/`MLCARBON_DB` names one (with where it is, without
/// the password), for the commands that read it besides `serve`: `slurm report --from-db`.
pub fn team_store(flag: Option<&Path>) -> Result<Option<(mlcarbon_store_pg::PgStore, String)>> {
    let path = crate::settings::db_path(flag)?;
    let text = path.to_string_lossy();
    if !mlcarbon_store_pg::is_postgres_url(&text) {
        return Ok(None);
    }
    let store = mlcarbon_store_pg::PgStore::connect(&text)?;
    let location = mlcarbon_store::RunStore::location(&store);
    Ok(Some((store, location)))
}

/// The database for a command that only reads runs: never created (a mistyped `--db` is an
/// error naming the path), and readable where the user cannot write.
pub fn open_store(flag: Option<&Path>) -> Result<(Store, PathBuf)> {
    let path = local_db_path(flag)?;
    // The store's error names the path and what to check.
    let store = Store::open_read_only(&path)?;
    Ok((store, path))
}

/// The local SQLite file of `--db`/`MLCARBON_DB`. A team server's PostgreSQL URL is refused
/// here: only `serve`, `slurm import` ([`open_slurm_store`]) and `slurm report --from-db`
/// ([`team_store`]) open one (without this, `run`
/// would make a local file of that name).
fn local_db_path(flag: Option<&Path>) -> Result<PathBuf> {
    let path = crate::settings::db_path(flag)?;
    if mlcarbon_store_pg::is_postgres_url(&path.to_string_lossy()) {
        // The URL is not repeated: it may hold a password.
        bail!(
            "--db (or MLCARBON_DB) names a team server's PostgreSQL database, which only `mlcarbon serve --db` opens (and `mlcarbon slurm import|report --db` write and read Slurm jobs in); track to a local file and send runs with `--server URL` (or `mlcarbon push`), read them from the server's /api/runs"
        );
    }
    Ok(path)
}

/// A run named by id, `last`, or a uuid prefix.
pub fn find_run(store: &Store, name: &str) -> Result<RunRecord> {
    let name = name.trim();
    if name.eq_ignore_ascii_case("last") || name.eq_ignore_ascii_case("latest") {
        return store
            .latest_run()?
            .ok_or_else(|| anyhow!("no runs stored yet; track one with `mlcarbon run -- CMD`"));
    }
    if let Ok(id) = name.parse::<i64>() {
        return store
            .run(id)
            .map_err(|_| anyhow!("no run {id}; `mlcarbon runs` lists them"));
    }
    let lower = name.to_lowercase();
    // Two are enough to tell "one" from "ambiguous" without reading every run.
    let mut matches = store.runs_by_uuid_prefix(&lower, 2)?.into_iter();
    match (matches.next(), matches.next()) {
        (Some(run), None) => Ok(run),
        (None, _) => bail!(
            "no run `{name}`: give a run id, `last`, or the start of a uuid (`mlcarbon runs` lists them)"
        ),
        (Some(_), Some(_)) => {
            bail!("`{name}` starts more than one run uuid; give more of it or the run id")
        }
    }
}

/// A stored run named by `--run` (id, `last`, uuid prefix), as the model's measured run.
pub fn measured_run(name: &str, db: Option<&Path>) -> Result<MeasuredRun> {
    let (store, _) = open_store(db)?;
    let record = find_run(&store, name)?;
    Ok(record.measured())
}

/// The job of `--run RUN` (from `--db`), else of the estimate flags.
impl StoredRunArgs {
    /// The job: the stored run `--run` names, else the one the flags describe.
    pub fn job_source(&self, job: &JobArgs, location: &LocationArgs) -> Result<JobSource> {
        job_source(job, location, self.run.as_deref(), self.db.as_deref())
    }
}

pub fn job_source(
    job: &JobArgs,
    location: &LocationArgs,
    run: Option<&str>,
    db: Option<&Path>,
) -> Result<JobSource> {
    Ok(match run {
        Some(name) => JobSource::Run(measured_run(name, db)?),
        None => JobSource::Request(estimate_request(job, location)),
    })
}
