//! AMD GPUs through the amdgpu driver's hwmon directories: `energy1_input` (µJ, cumulative)
//! where the GPU has it, else `power1_average` or `power1_input` (µW).

use crate::sysfs::{PolledFile, read_trimmed};
use crate::{ComponentInfo, ComponentKind, Method, Reading, ReadingValue, Sensor, SensorError};
use std::path::{Path, PathBuf};
use std::time::Instant;

const SENSOR: &str = "amdgpu";

/// One AMD GPU's energy counter or power, kept open.
#[derive(Debug)]
pub struct AmdGpuSensor {
    file: PolledFile,
    components: [ComponentInfo; 1],
}

fn fix() -> String {
    "hwmon files are normally readable by everyone; check the permissions of /sys/class/hwmon"
        .to_string()
}

/// `hwmonN` directories sorted by N, so GPU numbers follow the kernel's order.
fn hwmon_dirs(root: &Path) -> Vec<(u32, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut dirs: Vec<(u32, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let number = entry
                .file_name()
                .to_str()?
                .strip_prefix("hwmon")?
                .parse()
                .ok()?;
            Some((number, entry.path()))
        })
        .collect();
    dirs.sort();
    dirs
}

impl AmdGpuSensor {
    /// Every amdgpu hwmon directory under `hwmon_root` that has energy or power. A directory
    /// whose files cannot be read is left out with a warning; none at all is no error.
    pub fn open_all(hwmon_root: &Path, warnings: &mut Vec<String>) -> Vec<AmdGpuSensor> {
        let mut sensors = Vec::new();
        for (_, dir) in hwmon_dirs(hwmon_root) {
            if read_trimmed(&dir.join("name")).as_deref() != Some("amdgpu") {
                continue;
            }
            let ordinal = sensors.len();
            match Self::open(&dir, ordinal) {
                Ok(Some(sensor)) => sensors.push(sensor),
                Ok(None) => warnings.push(format!(
                    "AMD GPU at {} has neither energy1_input nor power1_average/power1_input; \
                     not measured",
                    dir.display()
                )),
                Err(e) => warnings.push(format!("AMD GPU not measured: {e}")),
            }
        }
        sensors
    }

    fn open(dir: &Path, ordinal: usize) -> Result<Option<Self>, SensorError> {
        let choices = [
            ("energy1_input", Method::Counter),
            ("power1_average", Method::IntegratedPower),
            ("power1_input", Method::IntegratedPower),
        ];
        let Some((file_name, method)) = choices
            .into_iter()
            .find(|(name, _)| dir.join(name).is_file())
        else {
            return Ok(None);
        };
        let path = dir.join(file_name);
        let file =
            PolledFile::open(path.clone()).map_err(|e| SensorError::from_io(&path, e, fix))?;
        file.read_u64(fix)?;
        let label = read_trimmed(&dir.join("device/product_name"))
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| format!("AMD GPU {ordinal}"));
        Ok(Some(AmdGpuSensor {
            file,
            components: [ComponentInfo {
                key: format!("gpu:amd{ordinal}"),
                kind: ComponentKind::Gpu,
                label,
                method,
            }],
        }))
    }
}

impl Sensor for AmdGpuSensor {
    fn name(&self) -> &str {
        SENSOR
    }

    fn components(&self) -> &[ComponentInfo] {
        &self.components
    }

    fn read(&mut self, _now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError> {
        let raw = self.file.read_u64(fix)?;
        let value = match self.components[0].method {
            // The hwmon ABI publishes no range for energy counters: a decrease is a reset.
            Method::Counter => ReadingValue::Counter {
                microjoules: raw,
                wrap_at_microjoules: None,
            },
            _ => ReadingValue::Power {
                watts: raw as f64 / 1e6,
            },
        };
        out.push(Reading {
            component: 0,
            value,
        });
        Ok(())
    }
}
