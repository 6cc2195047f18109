//! Finding what this machine can measure, with a fallback and a warning for what it cannot.

use crate::amdgpu::AmdGpuSensor;
use crate::nvml::{GpuMethod, NvmlSensor};
use crate::procfs::{CpuModelSensor, RamModelSensor, cpu_socket_count};
use crate::rapl::RaplSensor;
use crate::{ComponentInfo, ProcessTree, Roots, Sampler, Sensor, SensorError};

/// Whose energy to count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Attribution {
    /// Every measured component of the machine, whole.
    #[default]
    Machine,
    /// The share of each component used by `root_pid` and its descendants.
    Process { root_pid: u32 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct DiscoverOptions {
    /// Rated power of one CPU socket, for the CPU model when there are no RAPL counters
    /// (the CLI looks [`crate::cpu_model_name`] up in mlcarbon-data's CPU table).
    pub cpu_tdp_w: Option<f64>,
    /// CPU sockets; `None`: counted from `/proc/cpuinfo`, 1 if it does not say.
    pub cpu_sockets: Option<u32>,
    /// Watts per GB of memory in use (mlcarbon-data's `ram_w_per_gb`).
    pub ram_w_per_gb: f64,
    pub attribution: Attribution,
    pub gpu_method: GpuMethod,
    /// Ask NVML for GPU utilization each sample (one more driver call per GPU).
    pub gpu_utilization: bool,
}

impl Default for DiscoverOptions {
    fn default() -> Self {
        DiscoverOptions {
            cpu_tdp_w: None,
            cpu_sockets: None,
            // mlcarbon-data's `ram_w_per_gb` at the time of writing; callers pass the table's.
            ram_w_per_gb: 0.3725,
            attribution: Attribution::Machine,
            gpu_method: GpuMethod::Auto,
            gpu_utilization: true,
        }
    }
}

/// What [`discover`] found.
pub struct Discovery {
    pub sensors: Vec<Box<dyn Sensor>>,
    /// The job's process tree, with [`Attribution::Process`].
    pub process_tree: Option<ProcessTree>,
    /// Fallbacks and failures a user should know about, each with what to do; print each once.
    pub warnings: Vec<String>,
    /// What is simply absent (no NVIDIA driver on a machine without NVIDIA GPUs): for verbose
    /// output.
    pub notes: Vec<String>,
}

impl std::fmt::Debug for Discovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Discovery")
            .field("components", &self.components().collect::<Vec<_>>())
            .field("process_tree", &self.process_tree)
            .field("warnings", &self.warnings)
            .field("notes", &self.notes)
            .finish()
    }
}

impl Discovery {
    pub fn components(&self) -> impl Iterator<Item = &ComponentInfo> {
        self.sensors.iter().flat_map(|s| s.components().iter())
    }

    /// A sampler over the sensors, attributing to the process tree if there is one.
    pub fn into_sampler(self) -> Sampler {
        let mut sampler = Sampler::new(self.sensors);
        if let Some(tree) = self.process_tree {
            sampler.attach_process_tree(tree);
        }
        sampler
    }
}

/// Tries, in order: RAPL (else the CPU model, with a warning saying why), NVML, amdgpu hwmon,
/// and the RAM model (unless RAPL measures memory). Never fails: what cannot be measured is a
/// warning.
pub fn discover(roots: &Roots, options: &DiscoverOptions) -> Discovery {
    let mut found = Discovery {
        sensors: Vec::new(),
        process_tree: None,
        warnings: Vec::new(),
        notes: Vec::new(),
    };

    let mut ram_measured = false;
    match RaplSensor::open(&roots.powercap) {
        Ok(rapl) => {
            ram_measured = rapl.covers_ram();
            found.sensors.push(Box::new(rapl));
        }
        Err(e) => {
            let why = match &e {
                SensorError::Unavailable { reason, .. } => format!("no RAPL counters ({reason})"),
                other => other.to_string(),
            };
            cpu_model(roots, options, &why, &mut found);
        }
    }

    let mut nvml_warnings = Vec::new();
    match NvmlSensor::open_all(
        roots,
        options.gpu_method,
        options.gpu_utilization,
        &mut nvml_warnings,
    ) {
        Ok(gpus) => found
            .sensors
            .extend(gpus.into_iter().map(|s| Box::new(s) as Box<dyn Sensor>)),
        // A machine without NVIDIA GPUs has no NVML: worth a note, not a warning, unless the
        // user pointed at a library that does not load.
        Err(e @ SensorError::Unavailable { .. }) if roots.nvml_library.is_none() => {
            found.notes.push(format!("NVIDIA GPUs not measured: {e}"));
        }
        Err(e) => found
            .warnings
            .push(format!("NVIDIA GPUs not measured: {e}")),
    }
    found.warnings.append(&mut nvml_warnings);

    for gpu in AmdGpuSensor::open_all(&roots.hwmon, &mut found.warnings) {
        found.sensors.push(Box::new(gpu));
    }

    if ram_measured {
        found
            .notes
            .push("RAM measured by RAPL (dram or psys zone); no RAM model".to_string());
    } else {
        match RamModelSensor::open(&roots.proc_root, options.ram_w_per_gb) {
            Ok(ram) => found.sensors.push(Box::new(ram)),
            Err(e) => found.warnings.push(format!("RAM energy not counted: {e}")),
        }
    }

    if let Attribution::Process { root_pid } = options.attribution {
        match ProcessTree::new(roots, root_pid) {
            Ok(tree) => found.process_tree = Some(tree),
            Err(e) => found.warnings.push(format!(
                "per-process attribution unavailable ({e}); whole-machine energy is counted"
            )),
        }
    }
    found
}

fn cpu_model(roots: &Roots, options: &DiscoverOptions, why: &str, found: &mut Discovery) {
    let Some(tdp_w) = options.cpu_tdp_w else {
        found.warnings.push(format!(
            "CPU energy not counted: {why}, and no TDP is known for this CPU (the TDP × \
             utilization model needs one)"
        ));
        return;
    };
    let sockets = options
        .cpu_sockets
        .or_else(|| cpu_socket_count(roots))
        .unwrap_or(1);
    match CpuModelSensor::open(&roots.proc_root, tdp_w * f64::from(sockets)) {
        Ok(model) => {
            found.warnings.push(format!(
                "CPU energy estimated as TDP × utilization ({tdp_w} W × {sockets} socket(s)): {why}"
            ));
            found.sensors.push(Box::new(model));
        }
        Err(e) => found.warnings.push(format!(
            "CPU energy not counted: {why}; the CPU model failed too: {e}"
        )),
    }
}
