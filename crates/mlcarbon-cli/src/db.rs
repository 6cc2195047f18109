//! The runs database a command uses, and runs named on the command line.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use mlcarbon_store::{RunRecord, Store};

/// The database for a command that writes runs (`run`, `monitor`): created, user-only, when
/// missing.
pub fn open_store_writable(flag: Option<&Path>) -> Result<(Store, PathBuf)> {
    let path = crate::settings::db_path(flag)?;
    let store = Store::open(&path).with_context(|| format!("runs database {}", path.display()))?;
    Ok((store, path))
}

/// The database for a command that only reads runs: never created (a mistyped `--db` is an
/// error naming the path), and readable where the user cannot write.
pub fn open_store(flag: Option<&Path>) -> Result<(Store, PathBuf)> {
    let path = crate::settings::db_path(flag)?;
    // The store's error names the path and what to check.
    let store = Store::open_read_only(&path)?;
    Ok((store, path))
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
