//! NVIDIA GPUs through NVML. `nvml-wrapper` loads `libnvidia-ml.so` at run time, so nothing of
//! CUDA or the driver is needed to build, and a machine without them just has no NVML sensor.
//!
//! Each visible GPU is its own sensor, so one GPU falling off the bus does not stop the others.
//! Volta and newer have a total-energy counter (mJ since the driver loaded), preferred; older
//! GPUs only report power (mW), which the sampler integrates.

use crate::{
    ComponentInfo, ComponentKind, Method, Reading, ReadingValue, Roots, Sensor, SensorError,
};
use nvml_wrapper::error::NvmlError;
use nvml_wrapper::{Device, Nvml};
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

const SENSOR: &str = "NVML";

/// Which NVML reading to use for a GPU's energy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GpuMethod {
    /// The energy counter where the GPU has one (read every [`COUNTER_EVERY`], with power
    /// filling the reads between), power otherwise.
    #[default]
    Auto,
    /// Only the energy counter; GPUs without one are left out (with a warning).
    Counter,
    /// Only power, integrated by the sampler (to compare the two on real hardware).
    Power,
}

/// One entry of `CUDA_VISIBLE_DEVICES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuSelector {
    /// An NVML index. CUDA numbers GPUs fastest first unless `CUDA_DEVICE_ORDER=PCI_BUS_ID`,
    /// NVML in PCI bus order; on machines with mixed GPUs the two may differ, UUIDs never do.
    Index(u32),
    /// A `GPU-…` UUID or a unique prefix of one, as CUDA accepts.
    Uuid(String),
    /// A `MIG-…` instance: NVML has no energy per MIG instance.
    Mig(String),
}

/// The GPUs `CUDA_VISIBLE_DEVICES` lets a job use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GpuSelection {
    /// Unset: every GPU.
    All,
    /// The listed GPUs (none for an empty value). Like CUDA, the list ends at the first entry
    /// that is not an index or a UUID; `ignored` holds the rest.
    Listed {
        gpus: Vec<GpuSelector>,
        ignored: Option<String>,
    },
}

/// Parses `CUDA_VISIBLE_DEVICES` as CUDA does: `0,2`, `GPU-8f3…`, `MIG-…`; an empty value hides
/// every GPU; the list stops at the first invalid entry (`0,-1,1` means GPU 0 only).
pub fn parse_cuda_visible_devices(value: Option<&str>) -> GpuSelection {
    let Some(value) = value else {
        return GpuSelection::All;
    };
    let mut gpus = Vec::new();
    let entries: Vec<&str> = value.split(',').map(str::trim).collect();
    for (position, entry) in entries.iter().enumerate() {
        let selector = if let Ok(index) = entry.parse::<u32>() {
            Some(GpuSelector::Index(index))
        } else if entry.starts_with("GPU-") {
            Some(GpuSelector::Uuid(entry.to_string()))
        } else if entry.starts_with("MIG-") {
            Some(GpuSelector::Mig(entry.to_string()))
        } else {
            None
        };
        match selector {
            Some(selector) => {
                if !gpus.contains(&selector) {
                    gpus.push(selector);
                }
            }
            None => {
                let ignored = entries[position..].join(",");
                return GpuSelection::Listed {
                    gpus,
                    ignored: (!ignored.is_empty()).then_some(ignored),
                };
            }
        }
    }
    GpuSelection::Listed {
        gpus,
        ignored: None,
    }
}

fn init_error(e: &NvmlError, roots: &Roots) -> SensorError {
    let reason = match e {
        NvmlError::LibloadingError(_) | NvmlError::LibraryNotFound => match &roots.nvml_library {
            Some(path) => format!(
                "cannot load {} (set by {}): {e}",
                path.display(),
                crate::env::NVML_LIBRARY
            ),
            None => format!(
                "libnvidia-ml.so not found (no NVIDIA driver?); if it is installed elsewhere, \
                 set {} to its path",
                crate::env::NVML_LIBRARY
            ),
        },
        NvmlError::DriverNotLoaded => "the NVIDIA driver is not loaded".to_string(),
        NvmlError::NoPermission => "no permission to talk to the NVIDIA driver".to_string(),
        other => other.to_string(),
    };
    SensorError::Unavailable {
        sensor: SENSOR,
        reason,
    }
}

/// The GPU's energy counter (mJ): the value probed at opening if not used yet, else a new read.
fn counter_millijoules(
    probed: &mut Option<u64>,
    device: &Device<'_>,
    index: u32,
) -> Result<u64, SensorError> {
    match probed.take() {
        Some(millijoules) => Ok(millijoules),
        None => device
            .total_energy_consumption()
            .map_err(|e| device_error(index, e)),
    }
}

fn device_error(index: u32, e: NvmlError) -> SensorError {
    SensorError::Device {
        sensor: SENSOR,
        message: format!("gpu:{index}: {e}"),
    }
}

/// NVML indices of the GPUs that `selection` names, with a warning for each it cannot match.
fn resolve(nvml: &Nvml, selection: &GpuSelection, warnings: &mut Vec<String>) -> Vec<u32> {
    let count = nvml.device_count().unwrap_or(0);
    let (gpus, ignored) = match selection {
        GpuSelection::All => return (0..count).collect(),
        GpuSelection::Listed { gpus, ignored } => (gpus, ignored),
    };
    if let Some(ignored) = ignored {
        warnings.push(format!(
            "{}: `{ignored}` is not a GPU index or UUID; CUDA ignores it and what follows, so \
             does mlcarbon",
            crate::env::CUDA_VISIBLE_DEVICES
        ));
    }
    let uuids: Vec<Option<String>> = (0..count)
        .map(|i| nvml.device_by_index(i).and_then(|d| d.uuid()).ok())
        .collect();
    let mut indices = Vec::new();
    for gpu in gpus {
        let index = match gpu {
            GpuSelector::Index(i) if *i < count => Some(*i),
            GpuSelector::Index(i) => {
                warnings.push(format!(
                    "{}: GPU {i} does not exist ({count} found)",
                    crate::env::CUDA_VISIBLE_DEVICES
                ));
                None
            }
            GpuSelector::Uuid(prefix) => {
                let matches: Vec<u32> = (0..count)
                    .filter(|&i| {
                        uuids[i as usize]
                            .as_deref()
                            .is_some_and(|uuid| uuid.starts_with(prefix.as_str()))
                    })
                    .collect();
                if let [only] = matches[..] {
                    Some(only)
                } else {
                    warnings.push(format!(
                        "{}: `{prefix}` matches {} GPUs; not measured",
                        crate::env::CUDA_VISIBLE_DEVICES,
                        matches.len()
                    ));
                    None
                }
            }
            GpuSelector::Mig(uuid) => {
                warnings.push(format!(
                    "{}: `{uuid}` is a MIG instance; NVML has no energy per MIG instance, so it \
                     is not measured (measure the whole GPU by listing its GPU- UUID instead)",
                    crate::env::CUDA_VISIBLE_DEVICES
                ));
                None
            }
        };
        if let Some(index) = index
            && !indices.contains(&index)
        {
            indices.push(index);
        }
    }
    indices
}

/// With [`GpuMethod::Auto`], the energy counter is read at most this often, and power (a
/// driver-cached value, ~1 µs) on every read: the counter read costs ~4 ms of CPU on an H100
/// host against ~1 µs for power (`hardware_nvml_call_costs`), and the two agree within 0.6 %
/// there (`hardware_nvml_counter_vs_integrated_power`). The counter still sets the energy: at
/// each counter read the GPU's total is the counter's (see the sampler's anchored readings).
pub const COUNTER_EVERY: Duration = Duration::from_secs(30);

/// With process attribution, NVML's per-process utilization is asked for at most this often
/// and its share reused in between: the query costs ~2 ms of CPU on an H100 host
/// (`hardware_nvml_call_costs`), and it returns every sample since the previous query anyway.
pub const PROCESS_SHARE_EVERY: Duration = Duration::from_secs(5);

static KEEP_LOADED: OnceLock<Arc<Nvml>> = OnceLock::new();

/// One NVIDIA GPU's energy: counter or power.
pub struct NvmlSensor {
    nvml: Arc<Nvml>,
    index: u32,
    report_utilization: bool,
    utilization: Option<f64>,
    /// Power on every read and the counter every [`COUNTER_EVERY`] (Auto on a GPU with a
    /// counter), instead of the method's one reading on every read.
    anchored: bool,
    last_counter_read: Option<Instant>,
    /// The counter (mJ) read when the GPU was opened, used as the first reading.
    probed_counter: Option<u64>,
    /// NVML's timestamp (µs) of the newest per-process sample already used.
    last_seen_us: u64,
    /// When the per-process utilization was last asked for, and the share it gave.
    share_asked: Option<(Instant, Option<f64>)>,
    /// `/proc` of this pid namespace, to tell whether NVML's pids are ours to see.
    proc_root: PathBuf,
    /// Queries in a row in which none of NVML's pids was visible.
    unseen_pids_streak: u32,
    components: [ComponentInfo; 1],
}

impl std::fmt::Debug for NvmlSensor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NvmlSensor")
            .field("index", &self.index)
            .field("component", &self.components[0])
            .finish_non_exhaustive()
    }
}

impl NvmlSensor {
    /// Loads NVML and opens every GPU visible through `CUDA_VISIBLE_DEVICES`. A GPU that
    /// cannot be measured is left out with a warning. NVML missing, or no visible GPU:
    /// [`SensorError::Unavailable`].
    pub fn open_all(
        roots: &Roots,
        method: GpuMethod,
        report_utilization: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Vec<NvmlSensor>, SensorError> {
        let selection = parse_cuda_visible_devices(roots.cuda_visible_devices.as_deref());
        if matches!(&selection, GpuSelection::Listed { gpus, .. } if gpus.is_empty()) {
            return Err(SensorError::Unavailable {
                sensor: SENSOR,
                reason: format!(
                    "{} lists no GPU: none is visible to the job",
                    crate::env::CUDA_VISIBLE_DEVICES
                ),
            });
        }
        let mut builder = Nvml::builder();
        if let Some(path) = &roots.nvml_library {
            builder.lib_path(path.as_os_str());
        }
        let nvml = Arc::new(builder.init().map_err(|e| init_error(&e, roots))?);
        // NVML stays loaded until the process exits: shutting it down and unloading the library
        // costs more CPU than tracking a short job, and the driver cleans up after an exiting
        // process as after a killed one.
        let _ = KEEP_LOADED.set(Arc::clone(&nvml));
        let mut sensors = Vec::new();
        for index in resolve(&nvml, &selection, warnings) {
            match Self::open_device(&nvml, index, method, report_utilization, &roots.proc_root) {
                Ok(sensor) => sensors.push(sensor),
                Err(e) => warnings.push(format!("gpu:{index} not measured: {e}")),
            }
        }
        if sensors.is_empty() {
            return Err(SensorError::Unavailable {
                sensor: SENSOR,
                reason: "no NVIDIA GPU that can be measured".to_string(),
            });
        }
        Ok(sensors)
    }

    fn open_device(
        nvml: &Arc<Nvml>,
        index: u32,
        method: GpuMethod,
        report_utilization: bool,
        proc_root: &Path,
    ) -> Result<Self, SensorError> {
        let device = nvml
            .device_by_index(index)
            .map_err(|e| device_error(index, e))?;
        let name = device.name().unwrap_or_else(|_| "NVIDIA GPU".to_string());
        // The probe's counter value is the first reading: each counter read costs ~4 ms of CPU.
        let mut probed_counter = None;
        let mut counter = || {
            device.total_energy_consumption().map(|mj| {
                probed_counter = Some(mj);
                Method::Counter
            })
        };
        let power = || device.power_usage().map(|_| Method::IntegratedPower);
        let chosen = match method {
            GpuMethod::Auto => counter().or_else(|_| power()),
            GpuMethod::Counter => counter(),
            GpuMethod::Power => power(),
        }
        .map_err(|e| device_error(index, e))?;
        let anchored = method == GpuMethod::Auto && chosen == Method::Counter && power().is_ok();
        Ok(NvmlSensor {
            nvml: Arc::clone(nvml),
            index,
            report_utilization,
            utilization: None,
            anchored,
            last_counter_read: None,
            probed_counter,
            last_seen_us: 0,
            share_asked: None,
            proc_root: proc_root.to_path_buf(),
            unseen_pids_streak: 0,
            components: [ComponentInfo {
                key: format!("gpu:{index}"),
                kind: ComponentKind::Gpu,
                label: name,
                method: chosen,
            }],
        })
    }

    /// NVML index of this GPU.
    pub fn index(&self) -> u32 {
        self.index
    }
}

impl Sensor for NvmlSensor {
    fn name(&self) -> &str {
        SENSOR
    }

    fn components(&self) -> &[ComponentInfo] {
        &self.components
    }

    fn read(&mut self, now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError> {
        let index = self.index;
        let device = self
            .nvml
            .device_by_index(index)
            .map_err(|e| device_error(index, e))?;
        let value = if self.anchored {
            let due = self
                .last_counter_read
                .is_none_or(|last| now.saturating_duration_since(last) >= COUNTER_EVERY);
            let counter_microjoules = if due {
                self.last_counter_read = Some(now);
                let millijoules = counter_millijoules(&mut self.probed_counter, &device, index)?;
                Some(millijoules.saturating_mul(1000))
            } else {
                None
            };
            let milliwatts = device.power_usage().map_err(|e| device_error(index, e))?;
            ReadingValue::Anchored {
                watts: f64::from(milliwatts) / 1000.0,
                counter_microjoules,
            }
        } else if self.components[0].method == Method::Counter {
            let millijoules = counter_millijoules(&mut self.probed_counter, &device, index)?;
            ReadingValue::Counter {
                microjoules: millijoules.saturating_mul(1000),
                wrap_at_microjoules: None,
            }
        } else {
            let milliwatts = device.power_usage().map_err(|e| device_error(index, e))?;
            ReadingValue::Power {
                watts: f64::from(milliwatts) / 1000.0,
            }
        };
        if self.report_utilization {
            // Utilization only decorates the report; its failure must not stop the energy.
            self.utilization = device
                .utilization_rates()
                .ok()
                .map(|u| f64::from(u.gpu) / 100.0);
        }
        out.push(Reading {
            component: 0,
            value,
        });
        Ok(())
    }

    fn before_last_read(&mut self) {
        // The run ends on the counter, not on power integrated since its last read.
        self.last_counter_read = None;
    }

    fn utilization(&self, _component: usize) -> Option<f64> {
        self.utilization
    }

    /// The processes' share of the GPU's SM (compute) utilization, from
    /// `nvmlDeviceGetProcessUtilization` (asked every [`PROCESS_SHARE_EVERY`]). NVML reports host
    /// pids: inside a container's pid namespace none of them is visible, and the sensor says it
    /// cannot attribute (the whole GPU is then counted, with a warning) rather than answer 0.
    fn process_share(
        &mut self,
        _component: usize,
        pids: &HashSet<u32>,
    ) -> Result<Option<f64>, SensorError> {
        if let Some((asked, share)) = self.share_asked
            && asked.elapsed() < PROCESS_SHARE_EVERY
        {
            return Ok(share);
        }
        let share = self.ask_process_share(pids)?;
        self.share_asked = Some((Instant::now(), share));
        Ok(share)
    }
}

impl NvmlSensor {
    /// The processes' share of SM utilization in NVML's samples since the previous query.
    fn ask_process_share(&mut self, pids: &HashSet<u32>) -> Result<Option<f64>, SensorError> {
        let index = self.index;
        let device = self
            .nvml
            .device_by_index(index)
            .map_err(|e| device_error(index, e))?;
        let samples = match device.process_utilization_stats(self.last_seen_us) {
            Ok(samples) => samples,
            // No process ran on the GPU since `last_seen_us`.
            Err(NvmlError::NotFound) => return Ok(None),
            Err(NvmlError::NotSupported) => {
                return Err(SensorError::Unsupported {
                    sensor: format!("NVML on gpu:{index}"),
                    what: "per-process utilization",
                });
            }
            Err(e) => return Err(device_error(index, e)),
        };
        let mut used = Vec::with_capacity(samples.len());
        for sample in &samples {
            self.last_seen_us = self.last_seen_us.max(sample.timestamp);
            used.push((sample.pid, sample.sm_util));
        }
        let proc_root = &self.proc_root;
        match share_of(&used, pids, |pid| proc_root.join(pid.to_string()).exists()) {
            Ok(share) => {
                self.unseen_pids_streak = 0;
                Ok(share)
            }
            // A process that just exited is not visible either: only a repeated miss means a
            // pid namespace. Meanwhile the whole GPU counts (no share), as the sampler does.
            Err(_) if self.unseen_pids_streak < 2 => {
                self.unseen_pids_streak += 1;
                Ok(None)
            }
            Err(what) => Err(SensorError::Unsupported {
                sensor: format!("NVML on gpu:{index}"),
                what,
            }),
        }
    }
}

/// The share of SM utilization that `ours` used in NVML's `(pid, sm_util)` samples; `None` when
/// nothing used the GPU. NVML names host pids: when none of them is a process this namespace
/// can see (`visible`), we are in a container's pid namespace, and a share of 0 would be a wrong
/// answer, not a measured one.
pub fn share_of(
    samples: &[(u32, u32)],
    ours: &HashSet<u32>,
    visible: impl Fn(u32) -> bool,
) -> Result<Option<f64>, &'static str> {
    let all: u64 = samples.iter().map(|&(_, sm)| u64::from(sm)).sum();
    let mine: u64 = samples
        .iter()
        .filter(|(pid, _)| ours.contains(pid))
        .map(|&(_, sm)| u64::from(sm))
        .sum();
    if all == 0 {
        return Ok(None);
    }
    if mine == 0 && !samples.iter().any(|&(pid, sm)| sm > 0 && visible(pid)) {
        return Err("per-process utilization inside a pid namespace (NVML names host pids)");
    }
    Ok(Some(mine as f64 / all as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(gpus: Vec<GpuSelector>, ignored: Option<&str>) -> GpuSelection {
        GpuSelection::Listed {
            gpus,
            ignored: ignored.map(str::to_string),
        }
    }

    #[test]
    fn cuda_visible_devices() {
        use GpuSelector::*;
        assert_eq!(parse_cuda_visible_devices(None), GpuSelection::All);
        assert_eq!(parse_cuda_visible_devices(Some("")), listed(vec![], None));
        assert_eq!(
            parse_cuda_visible_devices(Some("0, 2,2")),
            listed(vec![Index(0), Index(2)], None)
        );
        assert_eq!(
            parse_cuda_visible_devices(Some("GPU-8f3a,1")),
            listed(vec![Uuid("GPU-8f3a".into()), Index(1)], None)
        );
        assert_eq!(
            parse_cuda_visible_devices(Some("0,-1,1")),
            listed(vec![Index(0)], Some("-1,1"))
        );
        assert_eq!(
            parse_cuda_visible_devices(Some("MIG-abc")),
            listed(vec![Mig("MIG-abc".into())], None)
        );
        assert_eq!(
            parse_cuda_visible_devices(Some("-1")),
            listed(vec![], Some("-1"))
        );
    }

    #[test]
    fn missing_library_is_unavailable() {
        let roots = Roots {
            nvml_library: Some("/nonexistent/libnvidia-ml.so.1".into()),
            ..Roots::default()
        };
        let mut warnings = Vec::new();
        let err = NvmlSensor::open_all(&roots, GpuMethod::Auto, true, &mut warnings)
            .expect_err("no library at that path");
        assert!(
            matches!(err, SensorError::Unavailable { sensor: "NVML", .. }),
            "{err:?}"
        );
        assert!(
            err.to_string().contains("/nonexistent/libnvidia-ml.so.1"),
            "{err}"
        );
    }

    #[test]
    fn empty_cuda_visible_devices_hides_every_gpu() {
        let roots = Roots {
            cuda_visible_devices: Some(String::new()),
            ..Roots::default()
        };
        let err = NvmlSensor::open_all(&roots, GpuMethod::Auto, true, &mut Vec::new())
            .expect_err("no GPU visible");
        assert!(err.to_string().contains("lists no GPU"), "{err}");
    }
}
