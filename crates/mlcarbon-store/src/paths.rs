//! Where the run database lives and what this host is called, read from the environment in
//! one place, so that the CLI and the Python package (and anything else that tracks runs)
//! write to the same file and name the host alike.

use std::path::PathBuf;

/// The run database (same as the CLI's `--db`).
pub const DB: &str = "MLCARBON_DB";
/// This host's name as runs record it, instead of the kernel's (containers, tests).
pub const HOST: &str = "MLCARBON_HOST";

fn non_empty(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_DATA_HOME/mlcarbon`, else `~/.local/share/mlcarbon`.
pub fn data_dir() -> Option<PathBuf> {
    non_empty("XDG_DATA_HOME")
        .or_else(|| non_empty("HOME").map(|h| h.join(".local").join("share")))
        .map(|d| d.join("mlcarbon"))
}

/// The runs database: `$MLCARBON_DB`, else `runs.sqlite` in the data dir; `None` when neither
/// is set and there is no home folder.
pub fn default_db() -> Option<PathBuf> {
    non_empty(DB).or_else(|| data_dir().map(|d| d.join("runs.sqlite")))
}
