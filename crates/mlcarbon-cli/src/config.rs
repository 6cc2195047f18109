//! `mlcarbon config`: defaults for tracked runs (location, PUE, project), one `key = value` per
//! line in the XDG config dir.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};

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

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Config {
    pub values: BTreeMap<String, String>,
}

impl Config {
    pub fn parse(text: &str) -> Result<Config> {
        let mut values = BTreeMap::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                bail!(
                    "config line {}: expected `key = value`, found `{line}`",
                    number + 1
                );
            };
            values.insert(
                key.trim().to_string(),
                value.trim().trim_matches('"').to_string(),
            );
        }
        Ok(Config { values })
    }

    /// The file's settings, or none when it does not exist.
    pub fn load(path: &Path) -> Result<Config> {
        if !path.exists() {
            return Ok(Config::default());
        }
        let text =
            crate::files::read_text(path, "config file", crate::files::MAX_SHORT_BYTES * 16)?;
        Config::parse(&text).with_context(|| path.display().to_string())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn set(&mut self, key: &str, value: &str) -> Result<()> {
        if !KEYS.iter().any(|(k, _)| *k == key) {
            let known: Vec<&str> = KEYS.iter().map(|(k, _)| *k).collect();
            bail!(
                "unknown config key `{key}`; use one of {}",
                known.join(", ")
            );
        }
        // Numbers are checked when set, not found wrong at the next run.
        if ["intensity", "pue", "interval"].contains(&key)
            && !value
                .trim()
                .parse::<f64>()
                .is_ok_and(|v| v.is_finite() && (v > 0.0 || (key == "intensity" && v == 0.0)))
        {
            bail!(
                "config `{key}` is a number above 0 (0 allowed for intensity), not `{value}`; e.g. `mlcarbon config set {key} 1`"
            );
        }
        // The location keys exclude each other, as the flags do.
        let location = ["zone", "provider", "region", "intensity"];
        if location.contains(&key) {
            let keep: &[&str] = match key {
                "provider" => &["provider", "region"],
                "region" => &["provider", "region"],
                other => &[other][..],
            };
            for other in location {
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
    pub fn save(&self, path: &Path) -> Result<()> {
        use std::io::Write;
        use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(parent)
                .with_context(|| format!("creating {}", parent.display()))?;
        }
        let temp = path.with_extension("tmp");
        let _ = std::fs::remove_file(&temp);
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .and_then(|mut file| file.write_all(self.to_text().as_bytes()))
            .with_context(|| format!("writing {}", temp.display()))?;
        std::fs::rename(&temp, path).with_context(|| format!("writing {}", path.display()))?;
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
        assert!(config.set("colour", "blue").is_err());
    }

    #[test]
    fn a_line_without_equals_is_an_error() {
        assert!(Config::parse("zone FR").is_err());
    }
}
