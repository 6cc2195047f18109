//! Every environment variable mlcarbon reads or sets, in one place.

use std::path::PathBuf;

/// Folder of replacement tables (same as `--data-dir`).
pub const DATA_DIR: &str = "MLCARBON_DATA_DIR";
/// SQLite database of tracked runs (same as `--db`).
pub const DB: &str = "MLCARBON_DB";
/// Set by `mlcarbon run` for the child: a file where it may write its progress (0 to 1).
pub const PROGRESS_FILE: &str = "MLCARBON_PROGRESS_FILE";
/// Set by `mlcarbon run` for the child: the id of the tracked run.
pub const RUN_ID: &str = "MLCARBON_RUN_ID";
/// The write token of `mlcarbon serve` (same as --token, without showing it in the process list).
pub const TOKEN: &str = "MLCARBON_TOKEN";
/// Overrides the configuration file's location.
pub const CONFIG: &str = "MLCARBON_CONFIG";

fn non_empty(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

fn home() -> Option<PathBuf> {
    non_empty("HOME")
}

/// `$XDG_CONFIG_HOME/mlcarbon`, else `~/.config/mlcarbon`.
pub fn config_dir() -> Option<PathBuf> {
    non_empty("XDG_CONFIG_HOME")
        .or_else(|| home().map(|h| h.join(".config")))
        .map(|d| d.join("mlcarbon"))
}

/// `$XDG_DATA_HOME/mlcarbon`, else `~/.local/share/mlcarbon`.
pub fn data_dir() -> Option<PathBuf> {
    non_empty("XDG_DATA_HOME")
        .or_else(|| home().map(|h| h.join(".local").join("share")))
        .map(|d| d.join("mlcarbon"))
}

/// The configuration file: `$MLCARBON_CONFIG`, else `config` in the config dir.
pub fn config_file() -> Option<PathBuf> {
    non_empty(CONFIG).or_else(|| config_dir().map(|d| d.join("config")))
}

/// The runs database: `$MLCARBON_DB`, else `runs.sqlite` in the data dir.
pub fn default_db() -> Option<PathBuf> {
    non_empty(DB).or_else(|| data_dir().map(|d| d.join("runs.sqlite")))
}
