//! Green Algorithms for HPC (GA4HPC) compatible mode: its per-job formula, so a cluster that
//! already reports with it gets the same totals from mlcarbon.
//!
//! E_CPU = CPU hours (TotalCPU, or CPUTime when TotalCPU is 0) × TDP per core (on GPU
//! partitions the host CPU's, `TDP_CPU`); E_GPU = Elapsed hours × GPUs × TDP per GPU (GPUs at
//! 100 %, GPU partitions only); E_mem = Elapsed hours × requested memory (decimal GB) ×
//! 0.3725 W/GB; energy = (E_CPU + E_GPU + E_mem) × PUE; CO2e = energy × CI.
//! GA4HPC: <https://github.com/GreenAlgorithms/GreenAlgorithms4HPC> (`backend/__init__.py`,
//! `backend/slurm_extract.py`); memory power from its `fixed_parameters.yaml`.

use serde::Serialize;
use std::collections::BTreeMap;

/// GA4HPC's memory power, W per GB (`power_memory_perGB` of its fixed parameters).
pub const MEMORY_W_PER_GB: f64 = 0.3725;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum PartitionKind {
    Cpu,
    Gpu,
}

/// One partition of GA4HPC's `cluster_info.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ga4hpcPartition {
    pub kind: PartitionKind,
    /// W per core on CPU partitions, W per GPU on GPU partitions (`TDP`).
    pub tdp_w: f64,
    /// W per host CPU core on GPU partitions (`TDP_CPU`).
    pub tdp_cpu_w: Option<f64>,
}

/// GA4HPC's description of a cluster.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Ga4hpcCluster {
    pub partitions: BTreeMap<String, Ga4hpcPartition>,
    pub pue: f64,
    /// Carbon intensity, g CO2e/kWh (`CI`).
    pub ci_g_per_kwh: f64,
}

/// One job as GA4HPC aggregates it: each value the largest over the job's rows.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Ga4hpcJob {
    pub elapsed_hours: f64,
    pub total_cpu_hours: f64,
    pub cpu_time_hours: f64,
    pub gpus: u32,
    pub requested_memory_gb: f64,
    pub failed: bool,
}

/// One job's figures: components before PUE, energy after.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Ga4hpcEnergy {
    pub cpu_kwh: f64,
    pub gpu_kwh: f64,
    pub ram_kwh: f64,
    pub energy_kwh: f64,
    pub emissions_kg: f64,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Ga4hpcError {
    #[error(
        "partition `{partition}` is not in cluster_info.yaml; add it under `partitions:` (known: {known})"
    )]
    UnknownPartition { partition: String, known: String },
    #[error(
        "GPU partition `{partition}` has no `TDP_CPU` (W per host CPU core) in cluster_info.yaml"
    )]
    MissingCpuTdp { partition: String },
}

impl Ga4hpcCluster {
    pub fn partition(&self, name: &str) -> Result<&Ga4hpcPartition, Ga4hpcError> {
        self.partitions
            .get(name)
            .ok_or_else(|| Ga4hpcError::UnknownPartition {
                partition: name.to_string(),
                known: self
                    .partitions
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

/// GA4HPC's energy and emissions of one job on `partition`.
pub fn ga4hpc_job_energy(
    job: &Ga4hpcJob,
    partition_name: &str,
    cluster: &Ga4hpcCluster,
) -> Result<Ga4hpcEnergy, Ga4hpcError> {
    let partition = cluster.partition(partition_name)?;
    let (cpu_w, gpu_w) = match partition.kind {
        PartitionKind::Cpu => (partition.tdp_w, 0.0),
        PartitionKind::Gpu => (
            partition
                .tdp_cpu_w
                .ok_or_else(|| Ga4hpcError::MissingCpuTdp {
                    partition: partition_name.to_string(),
                })?,
            partition.tdp_w,
        ),
    };
    // TotalCPU of 0 means Slurm did not record usage: GA4HPC then counts every core busy.
    let cpu_hours = if job.total_cpu_hours == 0.0 {
        job.cpu_time_hours
    } else {
        job.total_cpu_hours
    };
    let gpu_hours = match partition.kind {
        PartitionKind::Gpu => job.elapsed_hours * f64::from(job.gpus),
        PartitionKind::Cpu => 0.0,
    };
    let cpu_kwh = cpu_hours * cpu_w / 1000.0;
    let gpu_kwh = gpu_hours * gpu_w / 1000.0;
    let ram_kwh = job.elapsed_hours * job.requested_memory_gb * MEMORY_W_PER_GB / 1000.0;
    let energy_kwh = (cpu_kwh + gpu_kwh + ram_kwh) * cluster.pue;
    Ok(Ga4hpcEnergy {
        cpu_kwh,
        gpu_kwh,
        ram_kwh,
        energy_kwh,
        emissions_kg: energy_kwh * cluster.ci_g_per_kwh / 1000.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> Ga4hpcCluster {
        let mut partitions = BTreeMap::new();
        partitions.insert(
            "cpu".to_string(),
            Ga4hpcPartition {
                kind: PartitionKind::Cpu,
                tdp_w: 12.0,
                tdp_cpu_w: None,
            },
        );
        partitions.insert(
            "gpu".to_string(),
            Ga4hpcPartition {
                kind: PartitionKind::Gpu,
                tdp_w: 300.0,
                tdp_cpu_w: Some(10.0),
            },
        );
        Ga4hpcCluster {
            partitions,
            pue: 1.5,
            ci_g_per_kwh: 200.0,
        }
    }

    #[test]
    fn cpu_time_falls_back_to_core_wallclock_when_total_cpu_is_zero() {
        let job = Ga4hpcJob {
            elapsed_hours: 2.0,
            total_cpu_hours: 0.0,
            cpu_time_hours: 8.0,
            gpus: 0,
            requested_memory_gb: 10.0,
            failed: false,
        };
        let e = ga4hpc_job_energy(&job, "cpu", &cluster()).expect("valid");
        assert!((e.cpu_kwh - 8.0 * 12.0 / 1000.0).abs() < 1e-15);
        assert!((e.ram_kwh - 2.0 * 10.0 * 0.3725 / 1000.0).abs() < 1e-15);
        assert!((e.energy_kwh - (e.cpu_kwh + e.ram_kwh) * 1.5).abs() < 1e-15);
        assert!((e.emissions_kg - e.energy_kwh * 0.2).abs() < 1e-15);
    }

    #[test]
    fn gpu_partitions_count_gpus_at_full_tdp_and_the_host_cpu_tdp() {
        let job = Ga4hpcJob {
            elapsed_hours: 3.0,
            total_cpu_hours: 1.0,
            cpu_time_hours: 24.0,
            gpus: 2,
            requested_memory_gb: 0.0,
            failed: true,
        };
        let e = ga4hpc_job_energy(&job, "gpu", &cluster()).expect("valid");
        assert!((e.cpu_kwh - 0.01).abs() < 1e-15);
        assert!((e.gpu_kwh - 1.8).abs() < 1e-12);
        assert!(matches!(
            ga4hpc_job_energy(&job, "bigmem", &cluster()),
            Err(Ga4hpcError::UnknownPartition { .. })
        ));
    }
}
