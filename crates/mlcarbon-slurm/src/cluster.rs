//! The cluster description, `cluster.toml`: per partition, what its nodes draw (CPU model or
//! W per core, GPU model and count per node, memory power), its PUE and grid, and whether nodes
//! are exclusive. Device and zone names resolve through the dataset's tables; every figure keeps
//! its provenance. Documented in `docs/slurm.md`.

use mlcarbon_data::{Basis, Dataset, LookupError};
use mlcarbon_model::cluster::{ClusterGpu, JobUsage, PartitionPower, had_whole_nodes};
use mlcarbon_model::embodied::device_figure;
use mlcarbon_model::estimate::{Factor, Origin, Provenance};
use mlcarbon_model::scenario::{
    self, RowRef, ScenarioError, accelerator_component, default_utilization, draw_factors,
    ram_component, row_provenance,
};
use mlcarbon_model::units::{GramsPerKwh, Ranged, Watts};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cluster description: {0}")]
    Toml(String),
    #[error("cluster description, partition `{partition}`: {message}")]
    Partition { partition: String, message: String },
    #[error("cluster description, partition `{partition}`: {error}")]
    Lookup {
        partition: String,
        error: LookupError,
    },
    #[error("cluster description: {0}")]
    Data(String),
    #[error(
        "partition `{partition}` is not in the cluster description; add a [[partition]] with name = \"{partition}\" (known: {known}) or a [default] section"
    )]
    UnknownPartition { partition: String, known: String },
}

impl From<ScenarioError> for ClusterError {
    fn from(e: ScenarioError) -> Self {
        ClusterError::Data(e.to_string())
    }
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ClusterFile {
    name: Option<String>,
    pue: Option<f64>,
    zone: Option<String>,
    intensity_g_per_kwh: Option<f64>,
    memory_w_per_gb: Option<f64>,
    #[serde(default)]
    partition: Vec<PartitionFields>,
    default: Option<PartitionFields>,
}

/// Where the nodes run and what their memory draws: the file's top level, which a partition
/// may override.
#[derive(Debug, Default, Clone)]
struct SiteFields {
    pue: Option<f64>,
    zone: Option<String>,
    intensity_g_per_kwh: Option<f64>,
    memory_w_per_gb: Option<f64>,
    /// The basis asked for (`--basis`) for the zone's figure; `None`: life-cycle where the zone
    /// has one, as estimate does.
    basis: Option<Basis>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
struct PartitionFields {
    name: Option<String>,
    #[serde(default)]
    names: Vec<String>,
    /// Informational: the nodes of the partition (`gpu[01-16]`).
    nodes: Option<String>,
    cpu: Option<String>,
    cpu_cores: Option<u32>,
    cpu_w_per_core: Option<f64>,
    cores_per_node: Option<u32>,
    gpu: Option<String>,
    gpus_per_node: Option<u32>,
    #[serde(default)]
    exclusive: bool,
    pue: Option<f64>,
    zone: Option<String>,
    intensity_g_per_kwh: Option<f64>,
    memory_w_per_gb: Option<f64>,
    /// Embodied emissions of a node (its host, without GPUs), kg CO2e per node-hour held.
    embodied_kg_per_node_hour: Option<f64>,
    /// Embodied emissions of one GPU, kg CO2e per GPU-hour [default: the GPU's card figure
    /// from embodied.csv over its lifetime].
    embodied_kg_per_gpu_hour: Option<f64>,
}

impl PartitionFields {
    /// This partition's site fields, each falling back to the file's.
    fn site(&self, file: &SiteFields) -> SiteFields {
        SiteFields {
            pue: self.pue.or(file.pue),
            zone: self.zone.clone().or(file.zone.clone()),
            intensity_g_per_kwh: self.intensity_g_per_kwh.or(file.intensity_g_per_kwh),
            memory_w_per_gb: self.memory_w_per_gb.or(file.memory_w_per_gb),
            basis: file.basis,
        }
    }
}

/// A resolved cluster: the model's inputs for every partition.
#[derive(Debug, Clone)]
pub struct Cluster {
    pub name: String,
    pub partitions: BTreeMap<String, PartitionPower>,
    /// Nodes as the file names them, per partition (informational).
    pub node_lists: BTreeMap<String, String>,
    pub gpus_per_node: BTreeMap<String, u32>,
    /// Used for partitions the file does not list.
    pub fallback: Option<PartitionPower>,
    /// Embodied emissions per partition (and for the fallback), where known.
    pub embodied: BTreeMap<String, PartitionEmbodied>,
    pub fallback_embodied: Option<PartitionEmbodied>,
}

/// A partition's embodied emissions per hour of hardware held, each with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionEmbodied {
    /// kg CO2e per node-hour (given in the description only: no cited per-node default).
    pub per_node_hour: Option<Factor<f64>>,
    /// kg CO2e per GPU-hour.
    pub per_gpu_hour: Option<Factor<f64>>,
}

/// Bumped when the way a job's figures are computed changes, so that stored figures of an
/// older mlcarbon are computed again.
const FIGURES_VERSION: u32 = 1;

impl Cluster {
    /// Parses and resolves `cluster.toml` text against the dataset, each zone on its default
    /// basis (life-cycle where the zone has a life-cycle figure).
    pub fn parse(text: &str, data: &Dataset) -> Result<Cluster, ClusterError> {
        Cluster::parse_on_basis(text, data, None)
    }

    /// Like [`Cluster::parse`], with the zones' figures on `basis` (`--basis`); a partition's
    /// own `intensity_g_per_kwh` is kept as given whatever the basis.
    pub fn parse_on_basis(
        text: &str,
        data: &Dataset,
        basis: Option<Basis>,
    ) -> Result<Cluster, ClusterError> {
        let file: ClusterFile =
            toml::from_str(text).map_err(|e| ClusterError::Toml(e.to_string().trim().into()))?;
        if file.partition.is_empty() && file.default.is_none() {
            return Err(ClusterError::Toml(
                "no [[partition]] and no [default]: describe at least one partition".into(),
            ));
        }
        let site = SiteFields {
            pue: file.pue,
            zone: file.zone.clone(),
            intensity_g_per_kwh: file.intensity_g_per_kwh,
            memory_w_per_gb: file.memory_w_per_gb,
            basis,
        };
        let mut cluster = Cluster {
            name: file.name.unwrap_or_else(|| "cluster".to_string()),
            partitions: BTreeMap::new(),
            node_lists: BTreeMap::new(),
            gpus_per_node: BTreeMap::new(),
            fallback: None,
            embodied: BTreeMap::new(),
            fallback_embodied: None,
        };
        for fields in &file.partition {
            let mut names = fields.names.clone();
            names.extend(fields.name.clone());
            if names.is_empty() {
                return Err(ClusterError::Toml(
                    "a [[partition]] needs `name` or `names`".into(),
                ));
            }
            for name in names {
                let power = resolve_partition(&name, fields, &fields.site(&site), data)?;
                cluster
                    .embodied
                    .insert(name.clone(), resolve_embodied(&name, fields, data)?);
                if let Some(nodes) = &fields.nodes {
                    cluster.node_lists.insert(name.clone(), nodes.clone());
                }
                if let Some(n) = fields.gpus_per_node {
                    cluster.gpus_per_node.insert(name.clone(), n);
                }
                if cluster.partitions.insert(name.clone(), power).is_some() {
                    return Err(ClusterError::Partition {
                        partition: name,
                        message: "described twice".into(),
                    });
                }
            }
        }
        if let Some(fields) = &file.default {
            cluster.fallback = Some(resolve_partition(
                "default",
                fields,
                &fields.site(&site),
                data,
            )?);
            cluster.fallback_embodied = Some(resolve_embodied("default", fields, data)?);
        }
        Ok(cluster)
    }

    /// A fingerprint of the resolved description (every figure a job's energy, emissions and
    /// embodied share depend on) and of the way figures are computed: stored figures with
    /// another fingerprint are out of date.
    pub fn fingerprint(&self) -> String {
        let resolved = serde_json::to_string(&(
            FIGURES_VERSION,
            &self.partitions,
            &self.fallback,
            &self.embodied,
            &self.fallback_embodied,
        ))
        .unwrap_or_default();
        // FNV-1a: stable across Rust releases, unlike the standard library's hasher.
        let hash = resolved.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
        format!("v{FIGURES_VERSION}-{hash:016x}")
    }

    /// The job's share of its partition's embodied emissions, kg CO2e: node-hours held (whole
    /// nodes, else its share of a node's cores when the cores per node are known) times the
    /// per-node-hour figure, plus GPU-hours times the per-GPU-hour figure; 0 where the
    /// description gives neither.
    pub fn embodied_kg(&self, partition: &str, usage: &JobUsage) -> f64 {
        let first = partition.split(',').next().unwrap_or("").trim();
        let (Some(embodied), Ok(power)) = (
            self.embodied.get(first).or(self.fallback_embodied.as_ref()),
            self.partition(partition),
        ) else {
            return 0.0;
        };
        let hours = usage.elapsed.0;
        let nodes = f64::from(usage.nodes.max(1));
        let node_share = match power.cores_per_node {
            Some(cores) if cores > 0 && !had_whole_nodes(usage, power) => {
                (f64::from(usage.cpus) / f64::from(cores)).min(nodes)
            }
            _ => nodes,
        };
        let node = embodied
            .per_node_hour
            .as_ref()
            .map_or(0.0, |f| f.range.value * node_share * hours);
        let gpu = embodied.per_gpu_hour.as_ref().map_or(0.0, |f| {
            f.range.value * f64::from(usage.gpus) * usage.gpu_share * hours
        });
        node + gpu
    }

    /// The description of the partition a job ran in (the first of a comma list, as sacct
    /// prints for jobs that never started).
    pub fn partition(&self, name: &str) -> Result<&PartitionPower, ClusterError> {
        let first = name.split(',').next().unwrap_or("").trim();
        self.partitions
            .get(first)
            .or(self.fallback.as_ref())
            .ok_or_else(|| ClusterError::UnknownPartition {
                partition: first.to_string(),
                known: self
                    .partitions
                    .keys()
                    .map(String::as_str)
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Every partition's inputs, for the report's provenance table.
    pub fn all_partitions(&self) -> impl Iterator<Item = &PartitionPower> {
        self.partitions.values().chain(self.fallback.iter())
    }
}

fn resolve_embodied(
    name: &str,
    fields: &PartitionFields,
    data: &Dataset,
) -> Result<PartitionEmbodied, ClusterError> {
    let given = |value: Option<f64>, field: &str, quantity: &str| match value {
        Some(kg) if (0.0..10.0).contains(&kg) => Ok(Some(Factor {
            range: Ranged::exact(kg),
            provenance: Provenance::given(quantity, format!("{kg} kg CO2e per hour")),
        })),
        Some(kg) => Err(invalid(
            name,
            format!("{field} = {kg}: expected 0-10 kg CO2e per hour"),
        )),
        None => Ok(None),
    };
    let per_node_hour = given(
        fields.embodied_kg_per_node_hour,
        "embodied_kg_per_node_hour",
        "embodied emissions per node-hour",
    )?;
    let mut per_gpu_hour = given(
        fields.embodied_kg_per_gpu_hour,
        "embodied_kg_per_gpu_hour",
        "embodied emissions per GPU-hour",
    )?;
    if per_gpu_hour.is_none()
        && let Some(model) = &fields.gpu
        && let Ok(hardware) = data.find_hardware(model)
        && let Ok(card) = device_figure(data, hardware)
    {
        let per_hour = card.per_unit.value.0 / card.lifetime.0;
        let mut provenance = card.provenance;
        provenance.quantity = "embodied emissions per GPU-hour".into();
        provenance.value = format!(
            "{per_hour:.5} kg CO2e ({} kg per card / {:.0} h lifetime)",
            card.per_unit.value.0, card.lifetime.0
        );
        per_gpu_hour = Some(Factor {
            range: Ranged::exact(per_hour),
            provenance,
        });
    }
    Ok(PartitionEmbodied {
        per_node_hour,
        per_gpu_hour,
    })
}

fn invalid(partition: &str, message: impl Into<String>) -> ClusterError {
    ClusterError::Partition {
        partition: partition.to_string(),
        message: message.into(),
    }
}

fn resolve_partition(
    name: &str,
    fields: &PartitionFields,
    site: &SiteFields,
    data: &Dataset,
) -> Result<PartitionPower, ClusterError> {
    let lookup = |error| ClusterError::Lookup {
        partition: name.to_string(),
        error,
    };
    let cpu_core = match (&fields.cpu, fields.cpu_w_per_core) {
        (_, Some(w)) if w > 0.0 && w < 1000.0 => Factor {
            range: Ranged::exact(Watts(w)),
            provenance: Provenance::given("CPU power per core", format!("{w} W")),
        },
        (_, Some(w)) => {
            return Err(invalid(
                name,
                format!("cpu_w_per_core = {w}: expected 0-1000 W"),
            ));
        }
        (Some(model), None) => {
            let cpu = data
                .find_cpu(model)
                .map_err(|e| ClusterError::Data(e.to_string()))?
                .map_err(lookup)?;
            let cores = fields.cpu_cores.or(cpu.cores).filter(|c| *c > 0).ok_or_else(|| {
                invalid(
                    name,
                    format!(
                        "the CPU table gives no core count for `{}`; add cpu_cores = N (cores per CPU) or cpu_w_per_core",
                        cpu.name
                    ),
                )
            })?;
            let per_core = cpu.tdp_w / f64::from(cores);
            Factor {
                range: Ranged::exact(Watts(per_core)),
                provenance: row_provenance(
                    data,
                    "CPU power per core",
                    format!("{per_core:.2} W ({} W TDP / {cores} cores)", cpu.tdp_w),
                    Origin::Estimated,
                    RowRef {
                        table: "cpus.csv",
                        row: &cpu.name,
                        source: &cpu.source,
                        year: cpu.year,
                    },
                    "TDP per core at full load, times the CPU time the job used".into(),
                ),
            }
        }
        (None, None) => {
            return Err(invalid(
                name,
                "give `cpu` (a CPU model from the CPU table) or `cpu_w_per_core`",
            ));
        }
    };
    let gpu = match &fields.gpu {
        None => None,
        Some(model) => {
            let hardware = data.find_hardware(model).map_err(lookup)?;
            let component = accelerator_component(data, hardware, 1, None)?;
            let (ratio, ratio_provenance) = default_utilization(data, hardware)?;
            let (low, high) = draw_factors(data)?;
            Some(ClusterGpu {
                name: hardware.name.to_string(),
                power: Factor {
                    range: Ranged::exact(component.unit_power),
                    provenance: component.provenance,
                },
                default_draw: Factor {
                    range: Ranged {
                        value: ratio,
                        low: ratio * low,
                        high: (ratio * high).min(1.0).max(ratio),
                    },
                    provenance: ratio_provenance,
                },
            })
        }
    };
    let memory_w = site.memory_w_per_gb;
    let memory_per_gb = match memory_w {
        Some(w) if (0.0..100.0).contains(&w) => Factor {
            range: Ranged::exact(Watts(w)),
            provenance: Provenance::given("memory power per GB", format!("{w} W/GB")),
        },
        Some(w) => {
            return Err(invalid(
                name,
                format!("memory_w_per_gb = {w}: expected 0-100"),
            ));
        }
        None => {
            let ram = ram_component(data, 1.0)?;
            Factor {
                range: Ranged {
                    value: ram.unit_power,
                    low: ram.unit_power.scale(ram.low_factor),
                    high: ram.unit_power.scale(ram.high_factor),
                },
                provenance: ram.provenance,
            }
        }
    };
    let pue = match site.pue {
        Some(p) if (1.0..=5.0).contains(&p) => scenario::given_pue(p),
        Some(p) => return Err(invalid(name, format!("pue = {p}: expected 1.0-5.0"))),
        None => scenario::default_pue(data)?,
    };
    let (intensity, basis) = match (site.intensity_g_per_kwh, site.zone.as_ref()) {
        (Some(g), _) if (0.0..=2000.0).contains(&g) => (
            Factor {
                range: Ranged::exact(GramsPerKwh(g)),
                provenance: Provenance::given("grid intensity", format!("{g} g/kWh")),
            },
            "given",
        ),
        (Some(g), _) => {
            return Err(invalid(
                name,
                format!("intensity_g_per_kwh = {g}: expected 0-2000"),
            ));
        }
        (None, zone) => {
            let zone = match zone {
                Some(zone) => data.find_zone(zone).map_err(lookup)?,
                None => data.world_zone().ok_or_else(|| {
                    ClusterError::Data("the dataset has no world zone".to_string())
                })?,
            };
            let location = scenario::on_basis(site.basis, |basis| {
                scenario::zone_location(data, zone, basis)
            })?;
            (location.intensity, location.basis.as_str())
        }
    };
    if fields.gpus_per_node == Some(0) && gpu.is_some() {
        return Err(invalid(name, "gpus_per_node = 0 with a gpu model"));
    }
    Ok(PartitionPower {
        name: name.to_string(),
        cpu_core,
        gpu,
        cores_per_node: fields.cores_per_node,
        memory_per_gb,
        pue,
        intensity,
        basis,
        exclusive: fields.exclusive,
    })
}
