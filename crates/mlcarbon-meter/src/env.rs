//! Every environment variable the meter reads, in one place.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Root of the powercap class (RAPL zones). Default `/sys/class/powercap`.
pub const POWERCAP_ROOT: &str = "MLCARBON_POWERCAP_ROOT";
/// Root of the hwmon class (amdgpu power and energy). Default `/sys/class/hwmon`.
pub const HWMON_ROOT: &str = "MLCARBON_HWMON_ROOT";
/// Root of procfs (CPU times, memory, process tree). Default `/proc`.
pub const PROC_ROOT: &str = "MLCARBON_PROC_ROOT";
/// Path of `libnvidia-ml.so` when the loader cannot find it by name.
pub const NVML_LIBRARY: &str = "MLCARBON_NVML_LIBRARY";
/// The GPUs a CUDA job may use: indices or `GPU-` UUIDs, comma separated; empty means none.
pub const CUDA_VISIBLE_DEVICES: &str = "CUDA_VISIBLE_DEVICES";

pub const DEFAULT_POWERCAP_ROOT: &str = "/sys/class/powercap";
pub const DEFAULT_HWMON_ROOT: &str = "/sys/class/hwmon";
pub const DEFAULT_PROC_ROOT: &str = "/proc";

/// Where the sensors look. Built from the environment by [`Roots::from_env`]; tests build it
/// directly, pointing at fake trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roots {
    pub powercap: PathBuf,
    pub hwmon: PathBuf,
    pub proc_root: PathBuf,
    pub nvml_library: Option<PathBuf>,
    /// `None` when unset (every GPU is visible); `Some("")` hides every GPU, as CUDA does.
    pub cuda_visible_devices: Option<String>,
}

impl Default for Roots {
    fn default() -> Self {
        Roots {
            powercap: PathBuf::from(DEFAULT_POWERCAP_ROOT),
            hwmon: PathBuf::from(DEFAULT_HWMON_ROOT),
            proc_root: PathBuf::from(DEFAULT_PROC_ROOT),
            nvml_library: None,
            cuda_visible_devices: None,
        }
    }
}

impl Roots {
    /// The real system's roots, overridden by the `MLCARBON_*` variables of this process.
    pub fn from_env() -> Self {
        Self::from_lookup(|name| std::env::var_os(name))
    }

    /// Like [`Roots::from_env`] with variables from `lookup`, so tests need not mutate the
    /// process environment. An empty root variable counts as unset; an empty
    /// `CUDA_VISIBLE_DEVICES` does not (it means "no GPU").
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Self {
        let path = |name: &str, default: &str| {
            lookup(name)
                .filter(|value| !value.is_empty())
                .map_or_else(|| PathBuf::from(default), PathBuf::from)
        };
        Roots {
            powercap: path(POWERCAP_ROOT, DEFAULT_POWERCAP_ROOT),
            hwmon: path(HWMON_ROOT, DEFAULT_HWMON_ROOT),
            proc_root: path(PROC_ROOT, DEFAULT_PROC_ROOT),
            nvml_library: lookup(NVML_LIBRARY)
                .filter(|value| !value.is_empty())
                .map(PathBuf::from),
            cuda_visible_devices: lookup(CUDA_VISIBLE_DEVICES)
                .map(|value| value.to_string_lossy().into_owned()),
        }
    }

    /// A fake machine laid out under one folder: `DIR/powercap`, `DIR/hwmon`, `DIR/proc`;
    /// NVML left to its default and every GPU visible.
    pub fn under(dir: &Path) -> Self {
        Roots {
            powercap: dir.join("powercap"),
            hwmon: dir.join("hwmon"),
            proc_root: dir.join("proc"),
            nvml_library: None,
            cuda_visible_devices: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn roots(vars: &[(&str, &str)]) -> Roots {
        let vars: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        Roots::from_lookup(|name| vars.get(name).cloned())
    }

    #[test]
    fn defaults_when_unset() {
        assert_eq!(roots(&[]), Roots::default());
    }

    #[test]
    fn variables_override_and_empty_roots_count_as_unset() {
        let r = roots(&[
            (POWERCAP_ROOT, "/tmp/pc"),
            (HWMON_ROOT, ""),
            (PROC_ROOT, "/tmp/proc"),
            (NVML_LIBRARY, "/opt/libnvidia-ml.so.1"),
            (CUDA_VISIBLE_DEVICES, ""),
        ]);
        assert_eq!(r.powercap, PathBuf::from("/tmp/pc"));
        assert_eq!(r.hwmon, PathBuf::from(DEFAULT_HWMON_ROOT));
        assert_eq!(r.proc_root, PathBuf::from("/tmp/proc"));
        assert_eq!(
            r.nvml_library,
            Some(PathBuf::from("/opt/libnvidia-ml.so.1"))
        );
        assert_eq!(r.cuda_visible_devices.as_deref(), Some(""));
    }
}
