//! The runs database a command uses, and runs named on the command line.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use mlcarbon_store::{RunFilter, RunRecord, Store};

pub fn open_store(flag: Option<&Path>) -> Result<(Store, PathBuf)> {
    let path = crate::settings::db_path(flag)?;
    let store = Store::open(&path).with_context(|| format!("runs database {}", path.display()))?;
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
    let matches: Vec<RunRecord> = store
        .runs(&RunFilter::default())?
        .into_iter()
        .filter(|r| r.uuid.starts_with(&lower))
        .collect();
    match matches.len() {
        1 => Ok(matches.into_iter().next().expect("one match")),
        0 => bail!(
            "no run `{name}`: give a run id, `last`, or the start of a uuid (`mlcarbon runs` lists them)"
        ),
        n => bail!("`{name}` starts {n} run uuids; give more of it or the run id"),
    }
}
