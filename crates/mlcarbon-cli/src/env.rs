//! Every environment variable mlcarbon reads or sets, in one place.

/// Folder of replacement tables (same as `--data-dir`).
pub const DATA_DIR: &str = "MLCARBON_DATA_DIR";
/// SQLite database of tracked runs (same as `--db`); where it defaults to is the store's rule,
/// shared with the Python package.
pub use mlcarbon_store::paths::{DB, default_db};
/// Set by `mlcarbon run` for the child: a file where it may write its progress (0 to 1).
pub const PROGRESS_FILE: &str = "MLCARBON_PROGRESS_FILE";
/// Set by `mlcarbon run` for the child: the id of the tracked run.
pub const RUN_ID: &str = "MLCARBON_RUN_ID";
/// The write token of `mlcarbon serve` (same as --token, without showing it in the process list),
/// and the one trackers send to it; the team server trackers push their runs to (same as
/// `run --server`); the configuration file's location, and the file itself: the tracker
/// library's, shared with the Python package.
pub use mlcarbon_track::config::{CONFIG, SERVER, TOKEN, config_file};
/// Set by Slurm for prologs and epilogs: the job's id, and the cluster's name.
pub const SLURM_JOB_ID: &str = "SLURM_JOB_ID";
pub const SLURM_CLUSTER_NAME: &str = "SLURM_CLUSTER_NAME";
/// Language of statements (same as `statement --lang`): en or de.
pub const LANG: &str = "MLCARBON_LANG";

/// Every `MLCARBON_*` variable any part of mlcarbon reads or sets: this module's, and the meter's
/// roots of the hardware trees it reads (`mlcarbon_meter::env`).
#[cfg(test)]
pub const ALL: &[&str] = &[
    DATA_DIR,
    DB,
    mlcarbon_store::paths::HOST,
    PROGRESS_FILE,
    RUN_ID,
    TOKEN,
    SERVER,
    CONFIG,
    LANG,
    mlcarbon_meter::env::POWERCAP_ROOT,
    mlcarbon_meter::env::HWMON_ROOT,
    mlcarbon_meter::env::PROC_ROOT,
    mlcarbon_meter::env::NVML_LIBRARY,
    // Read by the throwaway PostgreSQL cluster of the tests (mlcarbon-store-pg's `throwaway`
    // feature): PostgreSQL's binaries, and whether their absence fails the tests.
    "MLCARBON_PG_BIN",
    "MLCARBON_REQUIRE_POSTGRES",
];

#[cfg(test)]
mod tests {
    /// No crate reads an `MLCARBON_*` variable this list does not name (tests' own switches
    /// aside).
    #[test]
    fn every_variable_read_is_listed() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut unlisted = Vec::new();
        let mut stack = vec![crates];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    // Library and binary sources only: tests name their own switches.
                    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    if !matches!(
                        name,
                        "target" | "tests" | "benches" | "examples" | "build-data"
                    ) {
                        stack.push(path);
                    }
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap_or_default();
                    // Spelled in two parts, so that this line is not a match of its own.
                    for (i, _) in text.match_indices(concat!("\"MLCARBON", "_")) {
                        let name: String = text[i + 1..]
                            .chars()
                            .take_while(|c| c.is_ascii_uppercase() || *c == '_')
                            .collect();
                        if !super::ALL.contains(&name.as_str()) {
                            unlisted.push(format!("{name} in {}", path.display()));
                        }
                    }
                }
            }
        }
        assert!(unlisted.is_empty(), "not in env::ALL: {unlisted:?}");
    }
}
