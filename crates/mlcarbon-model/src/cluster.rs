//! Energy and emissions of batch jobs on a cluster (Slurm accounting), each job with the method
//! that gave its figure: measured where the scheduler measured whole nodes, modelled from the
//! job's CPU time, GPU count and memory allocation elsewhere. Plain data in, plain data out; the
//! Slurm crate reads the files and feeds these functions.

use serde::Serialize;

use crate::estimate::Factor;
use crate::units::{GramsPerKwh, Hours, KgCo2e, KilowattHours, Ranged, Watts, combine};

/// A GPU model of a partition with its rated power.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClusterGpu {
    pub name: String,
    pub power: Factor<Watts>,
    /// The share of `power` drawn when Slurm recorded no utilisation, with its range.
    pub default_draw: Factor<f64>,
}

/// What a partition's nodes draw, and where they run; each figure with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionPower {
    pub name: String,
    /// Power of one CPU core at full load (TDP divided by cores, or given).
    pub cpu_core: Factor<Watts>,
    pub gpu: Option<ClusterGpu>,
    /// Cores of one node, when known: a job holding them all had whole nodes.
    pub cores_per_node: Option<u32>,
    pub memory_per_gb: Factor<Watts>,
    pub pue: Factor<f64>,
    pub intensity: Factor<GramsPerKwh>,
    /// What `intensity` counts: `lifecycle` or `direct` for a grid zone's figure, `given` for
    /// the description's own figure (its basis is the cluster owner's to know).
    pub basis: &'static str,
    /// Nodes are given to one job at a time, so a node's energy is the job's.
    pub exclusive: bool,
}

/// What Slurm recorded about one finished job, in the model's units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JobUsage {
    pub elapsed: Hours,
    /// CPU time used by its processes, summed over cores (core-hours).
    pub cpu_core_hours: Hours,
    pub cpus: u32,
    pub nodes: u32,
    /// Memory allocated to the job, GB.
    pub memory_gb: f64,
    pub gpus: u32,
    /// The share of a whole GPU each counted GPU is: 1, or a MIG slice's share (1g.10gb is
    /// 1/7 of an A100).
    pub gpu_share: f64,
    /// Mean GPU utilisation recorded by Slurm (`gres/gpuutil`), 0-1.
    pub gpu_utilisation: Option<f64>,
    /// Energy Slurm measured on the job's nodes (`ConsumedEnergyRaw`).
    pub node_energy: Option<KilowattHours>,
}

/// How a job's energy was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EnergyMethod {
    /// Slurm's node energy counter, the job holding whole nodes and no GPU.
    Measured,
    /// CPU time × power per core, GPUs × power × utilisation, memory × power per GB.
    Modelled,
    /// Measured nodes plus modelled GPUs (Slurm's node counter does not see NVIDIA GPUs).
    Mixed,
    /// mlcarbon's own tracker measured the job's nodes (`srun mlcarbon run`, job key
    /// `slurm:JOB`): its IT energy, with the cluster's PUE and grid.
    Tracked,
}

impl EnergyMethod {
    pub fn label(self) -> &'static str {
        match self {
            EnergyMethod::Measured => "measured",
            EnergyMethod::Modelled => "modelled",
            EnergyMethod::Mixed => "mixed",
            EnergyMethod::Tracked => "tracked",
        }
    }
}

/// The energy and emissions of one job. Component energies are IT energy (before PUE);
/// `energy` includes PUE.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JobEnergy {
    pub method: EnergyMethod,
    pub cpu: Ranged<KilowattHours>,
    pub gpu: Ranged<KilowattHours>,
    pub ram: Ranged<KilowattHours>,
    /// Energy Slurm measured on whole nodes (CPU, memory and the rest of the board).
    pub measured_nodes: KilowattHours,
    /// Whether the GPUs' utilisation came from Slurm's record (else the default ratio).
    pub gpu_utilisation_recorded: bool,
    pub it_energy: Ranged<KilowattHours>,
    pub energy: Ranged<KilowattHours>,
    pub emissions: Ranged<KgCo2e>,
}

impl JobEnergy {
    pub const ZERO: JobEnergy = JobEnergy {
        method: EnergyMethod::Modelled,
        cpu: ZERO_KWH,
        gpu: ZERO_KWH,
        ram: ZERO_KWH,
        measured_nodes: KilowattHours(0.0),
        gpu_utilisation_recorded: false,
        it_energy: ZERO_KWH,
        energy: ZERO_KWH,
        emissions: Ranged {
            value: KgCo2e(0.0),
            low: KgCo2e(0.0),
            high: KgCo2e(0.0),
        },
    };
}

const ZERO_KWH: Ranged<KilowattHours> = Ranged {
    value: KilowattHours(0.0),
    low: KilowattHours(0.0),
    high: KilowattHours(0.0),
};

/// Whether the job had its nodes to itself, so the nodes' measured energy is its own.
pub fn had_whole_nodes(usage: &JobUsage, partition: &PartitionPower) -> bool {
    partition.exclusive
        || partition
            .cores_per_node
            .is_some_and(|cores| cores > 0 && usage.cpus >= cores * usage.nodes.max(1))
}

/// The energy of one job on a partition. The measured node energy is used when the job held
/// whole nodes and Slurm recorded a positive figure; GPU energy is always modelled, since
/// Slurm's energy plugins read nothing from NVIDIA GPUs.
pub fn job_energy(usage: &JobUsage, partition: &PartitionPower) -> JobEnergy {
    let measured = usage
        .node_energy
        .filter(|e| e.0 > 0.0 && had_whole_nodes(usage, partition));
    let (cpu, ram, measured_nodes) = match measured {
        Some(energy) => (ZERO_KWH, ZERO_KWH, energy),
        None => {
            let cpu = partition.cpu_core.range.map(|w| w * usage.cpu_core_hours);
            let ram = partition
                .memory_per_gb
                .range
                .map(|w| w.scale(usage.memory_gb) * usage.elapsed);
            (cpu, ram, KilowattHours(0.0))
        }
    };
    let recorded = usage.gpu_utilisation.map(|u| u.clamp(0.0, 1.0));
    let gpu = match (&partition.gpu, usage.gpus) {
        (Some(gpu), n) if n > 0 => {
            let utilisation = recorded.map_or(gpu.default_draw.range, Ranged::exact);
            combine(gpu.power.range, utilisation, |w, u| {
                w.scale(f64::from(n) * usage.gpu_share * u) * usage.elapsed
            })
        }
        _ => ZERO_KWH,
    };
    let method = match (measured.is_some(), gpu.value.0 > 0.0) {
        (true, false) => EnergyMethod::Measured,
        (true, true) => EnergyMethod::Mixed,
        (false, _) => EnergyMethod::Modelled,
    };
    let it_energy = cpu + gpu + ram + Ranged::exact(measured_nodes);
    let energy = combine(it_energy, partition.pue.range, |e, p| e.scale(p));
    let emissions = combine(energy, partition.intensity.range, |e, i| e * i);
    JobEnergy {
        method,
        cpu,
        gpu,
        ram,
        measured_nodes,
        gpu_utilisation_recorded: recorded.is_some() && gpu.value.0 > 0.0,
        it_energy,
        energy,
        emissions,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::estimate::{Origin, Provenance};

    fn provenance(quantity: &str) -> Provenance {
        Provenance {
            quantity: quantity.into(),
            value: String::new(),
            origin: Origin::Estimated,
            table: None,
            row: None,
            source: None,
            source_title: None,
            license: None,
            year: None,
            note: String::new(),
        }
    }

    fn factor<T: Copy>(value: T, low: T, high: T) -> Factor<T> {
        Factor {
            range: Ranged { value, low, high },
            provenance: provenance("test"),
        }
    }

    fn partition(exclusive: bool, gpu: bool) -> PartitionPower {
        PartitionPower {
            name: "p".into(),
            cpu_core: factor(Watts(5.0), Watts(5.0), Watts(5.0)),
            gpu: gpu.then(|| ClusterGpu {
                name: "A100".into(),
                power: factor(Watts(400.0), Watts(400.0), Watts(400.0)),
                default_draw: factor(0.65, 0.13, 0.97),
            }),
            cores_per_node: Some(64),
            memory_per_gb: factor(Watts(0.3725), Watts(0.3725), Watts(0.392)),
            pue: factor(1.5, 1.5, 1.5),
            intensity: factor(GramsPerKwh(100.0), GramsPerKwh(80.0), GramsPerKwh(120.0)),
            basis: "given",
            exclusive,
        }
    }

    #[test]
    fn modelled_job_adds_cpu_time_gpu_and_memory() {
        let usage = JobUsage {
            elapsed: Hours(2.0),
            cpu_core_hours: Hours(10.0),
            cpus: 8,
            nodes: 1,
            memory_gb: 100.0,
            gpus: 2,
            gpu_share: 1.0,
            gpu_utilisation: None,
            node_energy: Some(KilowattHours(9.0)),
        };
        let e = job_energy(&usage, &partition(false, true));
        assert_eq!(e.method, EnergyMethod::Modelled);
        assert!((e.cpu.value.0 - 0.05).abs() < 1e-12);
        assert!((e.gpu.value.0 - 2.0 * 400.0 * 0.65 * 2.0 / 1000.0).abs() < 1e-12);
        assert!((e.ram.value.0 - 100.0 * 0.3725 * 2.0 / 1000.0).abs() < 1e-12);
        let it = e.cpu.value.0 + e.gpu.value.0 + e.ram.value.0;
        assert!((e.energy.value.0 - it * 1.5).abs() < 1e-12);
        assert!((e.emissions.value.0 - it * 1.5 * 0.1).abs() < 1e-12);
        assert!(
            e.emissions.low.0 < e.emissions.value.0 && e.emissions.value.0 < e.emissions.high.0
        );
    }

    #[test]
    fn whole_nodes_use_the_measured_energy_and_model_only_the_gpus() {
        let usage = JobUsage {
            elapsed: Hours(1.0),
            cpu_core_hours: Hours(64.0),
            cpus: 64,
            nodes: 1,
            memory_gb: 10.0,
            gpus: 0,
            gpu_share: 1.0,
            gpu_utilisation: None,
            node_energy: Some(KilowattHours(0.5)),
        };
        let measured = job_energy(&usage, &partition(false, false));
        assert_eq!(measured.method, EnergyMethod::Measured);
        assert_eq!(measured.it_energy.value, KilowattHours(0.5));
        let with_gpus = JobUsage {
            gpus: 4,
            gpu_utilisation: Some(0.5),
            cpus: 8,
            ..usage
        };
        let mixed = job_energy(&with_gpus, &partition(true, true));
        assert_eq!(mixed.method, EnergyMethod::Mixed);
        assert!(mixed.gpu_utilisation_recorded);
        assert!((mixed.gpu.value.0 - 4.0 * 400.0 * 0.5 / 1000.0).abs() < 1e-12);
        assert_eq!(mixed.measured_nodes, KilowattHours(0.5));
    }
}
