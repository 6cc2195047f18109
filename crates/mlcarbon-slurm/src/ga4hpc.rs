//! GA4HPC's cluster description (`cluster_info.yaml`) and its view of a job, for
//! `--compat ga4hpc`. The formula itself is the model's (`mlcarbon_model::ga4hpc`).

use crate::job::SlurmJob;
use mlcarbon_model::ga4hpc::{Ga4hpcCluster, Ga4hpcJob, Ga4hpcPartition, PartitionKind};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum ClusterInfoError {
    #[error("cluster_info.yaml: {0}")]
    Yaml(String),
    #[error("cluster_info.yaml, partition `{partition}`: {message}")]
    Partition { partition: String, message: String },
}

#[derive(Debug, Deserialize)]
struct ClusterInfoFile {
    partitions: BTreeMap<String, PartitionEntry>,
    #[serde(rename = "PUE")]
    pue: f64,
    #[serde(rename = "CI")]
    ci: f64,
}

#[derive(Debug, Deserialize)]
struct PartitionEntry {
    #[serde(rename = "type")]
    kind: String,
    #[serde(rename = "TDP")]
    tdp: f64,
    #[serde(rename = "TDP_CPU")]
    tdp_cpu: Option<f64>,
}

/// Reads GA4HPC's `cluster_info.yaml` (other keys, such as `institution`, are ignored).
pub fn parse_cluster_info(text: &str) -> Result<Ga4hpcCluster, ClusterInfoError> {
    let file: ClusterInfoFile = serde_norway::from_str(text).map_err(|e| {
        ClusterInfoError::Yaml(format!(
            "{e}; expected GA4HPC's format: partitions (type, TDP, TDP_CPU), PUE, CI"
        ))
    })?;
    if !(1.0..=5.0).contains(&file.pue) {
        return Err(ClusterInfoError::Yaml(format!(
            "PUE {} is outside 1.0-5.0",
            file.pue
        )));
    }
    if !(0.0..=2000.0).contains(&file.ci) {
        return Err(ClusterInfoError::Yaml(format!(
            "CI {} g/kWh is outside 0-2000",
            file.ci
        )));
    }
    let mut partitions = BTreeMap::new();
    for (name, entry) in file.partitions {
        let bad = |message: String| ClusterInfoError::Partition {
            partition: name.clone(),
            message,
        };
        let kind = match entry.kind.to_ascii_uppercase().as_str() {
            "CPU" => PartitionKind::Cpu,
            "GPU" => PartitionKind::Gpu,
            other => return Err(bad(format!("type `{other}`: expected CPU or GPU"))),
        };
        if !(entry.tdp >= 0.0 && entry.tdp < 5000.0) {
            return Err(bad(format!("TDP {}: expected 0-5000 W", entry.tdp)));
        }
        if kind == PartitionKind::Gpu && entry.tdp_cpu.is_none() {
            return Err(bad(
                "a GPU partition needs TDP_CPU (W per host CPU core)".into()
            ));
        }
        partitions.insert(
            name,
            Ga4hpcPartition {
                kind,
                tdp_w: entry.tdp,
                tdp_cpu_w: entry.tdp_cpu,
            },
        );
    }
    Ok(Ga4hpcCluster {
        partitions,
        pue: file.pue,
        ci_g_per_kwh: file.ci,
    })
}

/// GA4HPC's view of a job: every value the largest over its rows; failed unless every row is
/// COMPLETED. `None` for a job GA4HPC drops (a row still pending, running or requeued).
pub fn ga4hpc_job(job: &SlurmJob) -> Option<Ga4hpcJob> {
    if job.largest.any_running {
        return None;
    }
    Some(Ga4hpcJob {
        elapsed_hours: job.largest.elapsed_s / 3600.0,
        total_cpu_hours: job.largest.total_cpu_s / 3600.0,
        cpu_time_hours: job.largest.cpu_time_s / 3600.0,
        gpus: job.largest.gpus,
        requested_memory_gb: job.largest.requested_memory_gb,
        failed: !job.largest.all_completed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_documented_format_and_refuses_a_gpu_partition_without_host_tdp() {
        let text = "institution: \"X\"\npartitions:\n  cpu:\n    type: CPU\n    model: \"Xeon\"\n    TDP: 12\n  gpu:\n    type: GPU\n    TDP: 300\n    TDP_CPU: 10\nPUE: 1.5\nCI: 200\ndefault_unit_RSS: 'K'\n";
        let cluster = parse_cluster_info(text).expect("valid");
        assert_eq!(cluster.partitions["gpu"].tdp_cpu_w, Some(10.0));
        assert_eq!(cluster.pue, 1.5);
        let missing = text.replace("    TDP_CPU: 10\n", "");
        assert!(parse_cluster_info(&missing).is_err());
        assert!(parse_cluster_info("PUE: 1.2").is_err());
    }
}
