//! The configuration file (`mlcarbon config set KEY VALUE`): defaults for tracked runs
//! (location, PUE, project, interval, team server), one `key = value` per line in the XDG
//! config dir. Every front end that tracks reads it here, alike: the CLI's `run`, `monitor` and
//! `push`, and the Python package's `track()`. Each value is checked where it is read, with the
//! message the user can act on.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Overrides the configuration file's location.
pub const CONFIG: &str = "MLCARBON_CONFIG";
/// The team server trackers push their runs to (same as `run --server`).
pub const SERVER: &str = "MLCARBON_SERVER";
/// The write token trackers send to their server (and `mlcarbon serve` checks).
pub const TOKEN: &str = "MLCARBON_TOKEN";

/// A configuration file is a few lines; a bigger file is the wrong file.
pub const MAX_CONFIG_BYTES: u64 = 64 * 1024;

/// Keys the configuration accepts, with what they mean.
pub const KEYS: [(&str, &str); 8] = [
    ("zone", "grid zone of this machine (FR, US-IA, CA-QC, ...)"),
    (
        "provider",
        "cloud provider of this machine (aws, gcp, azure, ...)",
    ),
    (
        "region",
        "cloud region of this machine (us-east-1, europe-west4, ...)",
    ),
    ("intensity", "grid carbon intensity in g CO2e/kWh"),
    ("pue", "power usage effectiveness of the facility"),
    ("project", "project name stored with each run"),
    ("interval", "sampling interval in seconds"),
    (
        "server",
        "team server tracked runs are pushed to (http://HOST:PORT)",
    ),
];

/// The keys that say where the machine is; any of them given replaces all of the config's.
pub const LOCATION_KEYS: [&str; 4] = ["zone", "provider", "region", "intensity"];

/// Why the configuration cannot be read, changed or used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {path}: cannot read it ({source})")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "config file {path}: larger than {} KiB; mlcarbon reads at most that from such a file (is it the right file?)",
        MAX_CONFIG_BYTES / 1024
    )]
    TooBig { path: PathBuf },
    #[error("config file {path}: not UTF-8 text; give a text file")]
    NotText { path: PathBuf },
    #[error("{}config line {line}: expected `key = value`, found `{text}`", in_file(.path))]
    Line {
        path: Option<PathBuf>,
        line: usize,
        text: String,
    },
    #[error("unknown config key `{key}`; use one of {}", known_keys())]
    UnknownKey { key: String },
    #[error(
        "config `{key}` is a number above 0 (0 allowed for intensity), not `{value}`; e.g. `mlcarbon config set {key} 1`"
    )]
    NotPositive { key: String, value: String },
    #[error("config: intensity `{0}` is not a number of g/kWh")]
    Intensity(String),
    #[error("config: pue `{0}` is not a PUE between 1 and 5")]
    Pue(String),
    #[error(
        "config `interval` is `{0}`, not a number of seconds; `mlcarbon config set interval 1`"
    )]
    Interval(String),
    #[error("{what} {path}: {source}")]
    Write {
        what: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
}

fn in_file(path: &Option<PathBuf>) -> String {
    path.as_ref()
        .map_or(String::new(), |p| format!("{}: ", p.display()))
}

fn known_keys() -> String {
    KEYS.iter().map(|(k, _)| *k).collect::<Vec<_>>().join(", ")
}

fn non_empty(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// `$XDG_CONFIG_HOME/mlcarbon`, else `~/.config/mlcarbon`.
pub fn config_dir() -> Option<PathBuf> {
    non_empty("XDG_CONFIG_HOME")
        .or_else(|| non_empty("HOME").map(|h| h.join(".config")))
        .map(|d| d.join("mlcarbon"))
}

/// The configuration file: `$MLCARBON_CONFIG`, else `config` in the config dir.
pub fn config_file() -> Option<PathBuf> {
    non_empty(CONFIG).or_else(|| config_dir().map(|d| d.join("config")))
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Config {
    pub values: BTreeMap<String, String>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Config, ConfigError> {
        let mut values = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                return Err(ConfigError::Line {
                    path: None,
                    line: number + 1,
                    text: line.to_string(),
                });
            };
            values.insert(
                key.trim().to_string(),
                value.trim().trim_matches('"').to_string(),
            );
        }
        Ok(Config { values })
    }

    /// The file's settings, or none when it does not exist.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        if !path.exists() {
            return Ok(Config::default());
        }
        let read = |source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .map_err(read)?
            .take(MAX_CONFIG_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(read)?;
        if bytes.len() as u64 > MAX_CONFIG_BYTES {
            return Err(ConfigError::TooBig {
                path: path.to_path_buf(),
            });
        }
        let text = String::from_utf8(bytes).map_err(|_| ConfigError::NotText {
            path: path.to_path_buf(),
        })?;
        Config::parse(&text).map_err(|e| match e {
            ConfigError::Line { line, text, .. } => ConfigError::Line {
                path: Some(path.to_path_buf()),
                line,
                text,
            },
            other => other,
        })
    }

    /// The settings of [`config_file`], or none when there is no such file (or no home).
    pub fn load_default() -> Result<Config, ConfigError> {
        match config_file() {
            Some(path) => Config::load(&path),
            None => Ok(Config::default()),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    /// Whether the config names a location (any of [`LOCATION_KEYS`]).
    pub fn has_location(&self) -> bool {
        LOCATION_KEYS
            .iter()
            .any(|key| self.values.contains_key(*key))
    }

    /// `intensity`, g/kWh (0 or more).
    pub fn intensity(&self) -> Result<Option<f64>, ConfigError> {
        self.number("intensity", |g| g >= 0.0, ConfigError::Intensity)
    }

    /// `pue`, between 1 and 5.
    pub fn pue(&self) -> Result<Option<f64>, ConfigError> {
        self.number("pue", |p| (1.0..=5.0).contains(&p), ConfigError::Pue)
    }

    /// `interval`, seconds; its range is the tracker's to check
    /// ([`crate::check_periods`]).
    pub fn interval(&self) -> Result<Option<f64>, ConfigError> {
        self.number("interval", |_| true, ConfigError::Interval)
    }

    fn number(
        &self,
        key: &str,
        fits: impl Fn(f64) -> bool,
        error: fn(String) -> ConfigError,
    ) -> Result<Option<f64>, ConfigError> {
        let Some(text) = self.get(key) else {
            return Ok(None);
        };
        text.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && fits(*v))
            .map(Some)
            .ok_or_else(|| error(text.to_string()))
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<(), ConfigError> {
        if !KEYS.iter().any(|(k, _)| *k == key) {
            return Err(ConfigError::UnknownKey {
                key: key.to_string(),
            });
        }
        // Numbers are checked when set, not found wrong at the next run.
        if ["intensity", "pue", "interval"].contains(&key)
            && !value
                .trim()
                .parse::<f64>()
                .is_ok_and(|v| v.is_finite() && (v > 0.0 || (key == "intensity" && v == 0.0)))
        {
            return Err(ConfigError::NotPositive {
                key: key.to_string(),
                value: value.to_string(),
            });
        }
        // The location keys exclude each other, as the flags do.
        if LOCATION_KEYS.contains(&key) {
            let keep: &[&str] = match key {
                "provider" => &["provider", "region"],
                "region" => &["provider", "region"],
                other => &[other][..],
            };
            for other in LOCATION_KEYS {
                if !keep.contains(&other) {
                    self.values.remove(other);
                }
            }
        }
        self.values.insert(key.to_string(), value.to_string());
        Ok(())
    }

    pub fn unset(&mut self, key: &str) -> bool {
        self.values.remove(key).is_some()
    }

    pub fn to_text(&self) -> String {
        let mut out = String::from("# mlcarbon configuration (`mlcarbon config set KEY VALUE`)\n");
        for (k, v) in &self.values {
            out.push_str(&format!("{k} = {v}\n"));
        }
        out
    }

    /// Writes through a temporary file so that a crash never leaves half a file. The file is
    /// the user's only (0600), in a folder created user-only (0700): it names where the user
    /// works and what they run.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        let failed = |what, path: &Path| {
            let path = path.to_path_buf();
            move |source| ConfigError::Write { what, path, source }
        };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .map_err(failed("creating", parent))?;
        }
        let temp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&temp);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .and_then(|mut file| file.write_all(self.to_text().as_bytes()))
            .map_err(failed("writing", &temp))?;
        std::fs::rename(&temp, path).map_err(failed("writing", path))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let config = Config::parse("# c\nzone = FR\n\nproject = \"demo\"\n").expect("parses");
        assert_eq!(config.get("zone"), Some("FR"));
        assert_eq!(config.get("project"), Some("demo"));
        assert_eq!(Config::parse(&config.to_text()).expect("again"), config);
    }

    #[test]
    fn a_new_location_replaces_the_old_one() {
        let mut config = Config::default();
        config.set("provider", "aws").expect("set");
        config.set("region", "us-east-1").expect("set");
        config.set("zone", "FR").expect("set");
        assert_eq!(config.get("provider"), None);
        assert_eq!(config.get("zone"), Some("FR"));
        let unknown = config.set("colour", "blue").expect_err("unknown key");
        assert!(
            unknown.to_string().contains("use one of zone, provider"),
            "{unknown}"
        );
    }

    #[test]
    fn a_line_without_equals_is_an_error_naming_the_file() {
        assert!(Config::parse("zone FR").is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("config");
        std::fs::write(&path, "zone = FR\nzone FR\n").expect("write");
        let error = Config::load(&path).expect_err("bad line");
        assert_eq!(
            error.to_string(),
            format!(
                "{}: config line 2: expected `key = value`, found `zone FR`",
                path.display()
            )
        );
    }

    #[test]
    fn numbers_are_checked_where_they_are_read() {
        let config = Config::parse("pue = 0.5\nintensity = -3\ninterval = soon\n").expect("parses");
        assert_eq!(
            config.pue().expect_err("pue").to_string(),
            "config: pue `0.5` is not a PUE between 1 and 5"
        );
        assert!(matches!(config.intensity(), Err(ConfigError::Intensity(_))));
        assert!(matches!(config.interval(), Err(ConfigError::Interval(_))));
        let good = Config::parse("pue = 1.2\nintensity = 0\n").expect("parses");
        assert_eq!(good.pue().expect("pue"), Some(1.2));
        assert_eq!(good.intensity().expect("intensity"), Some(0.0));
        assert_eq!(good.interval().expect("none"), None);
        assert!(good.has_location());
    }

    #[test]
    fn a_missing_file_is_an_empty_config_and_a_saved_one_reads_back() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("sub").join("config");
        assert_eq!(Config::load(&path).expect("none"), Config::default());
        let mut config = Config::default();
        config.set("zone", "FR").expect("set");
        config.save(&path).expect("saved");
        assert_eq!(Config::load(&path).expect("loaded"), config);
    }
}
