//! Row types of the project's own tables (schema: `data/SCHEMA.md`).

use serde::{Deserialize, Deserializer, Serialize};

fn pipe_list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok(text
        .split('|')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect())
}

/// Where a figure comes from; `id` is what the `source` column of every other table names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Source {
    pub id: String,
    pub title: String,
    pub publisher: String,
    pub url: String,
    pub license: String,
    pub year: Option<u16>,
    #[serde(default)]
    pub notes: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HardwareKind {
    Gpu,
    Tpu,
    Accelerator,
    Cpu,
}

/// What kind of figure a rated power is; it decides how wide the power range is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerKind {
    /// Thermal design power (the vendor's sustained power limit).
    Tdp,
    /// Total board / graphics power (TBP, TGP).
    BoardPower,
    /// A measured mean draw under a real workload.
    MeasuredMean,
}

impl PowerKind {
    pub fn label(self) -> &'static str {
        match self {
            PowerKind::Tdp => "TDP",
            PowerKind::BoardPower => "board power",
            PowerKind::MeasuredMean => "measured mean",
        }
    }
}

/// An accelerator (or one of the few CPUs the published calculator lists beside them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hardware {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "pipe_list")]
    pub aliases: Vec<String>,
    pub vendor: String,
    pub kind: HardwareKind,
    pub power_w: f64,
    pub power_kind: PowerKind,
    pub memory_gb: Option<f64>,
    pub fp32_tflops: Option<f64>,
    pub fp16_tflops_dense: Option<f64>,
    pub bf16_tflops_dense: Option<f64>,
    pub release_year: Option<u16>,
    pub source: String,
    pub year: u16,
    #[serde(default)]
    pub notes: String,
}

impl Hardware {
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = vec![self.id.as_str(), self.name.as_str()];
        keys.extend(self.aliases.iter().map(String::as_str));
        keys
    }

    /// Peak dense throughput used to compare devices for the same work: the lowest-precision
    /// tensor figure published (BF16, else FP16), else FP32; with the name of the figure.
    pub fn peak_tflops(&self) -> Option<(f64, &'static str)> {
        self.bf16_tflops_dense
            .map(|t| (t, "BF16 dense"))
            .or(self.fp16_tflops_dense.map(|t| (t, "FP16 dense")))
            .or(self.fp32_tflops.map(|t| (t, "FP32")))
            .filter(|(t, _)| *t > 0.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cpu {
    pub name: String,
    pub tdp_w: f64,
    pub cores: Option<u32>,
    pub source: String,
    pub year: u16,
}

impl Cpu {
    pub(crate) fn keys(&self) -> Vec<&str> {
        vec![self.name.as_str()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZoneKind {
    World,
    Country,
    State,
    Province,
    Territory,
    BalancingAuthority,
    BiddingZone,
    Region,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntensityBasis {
    Lifecycle,
    Direct,
    Unknown,
}

/// A grid zone with its yearly average carbon intensity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Zone {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "pipe_list")]
    pub aliases: Vec<String>,
    pub kind: ZoneKind,
    pub country: String,
    pub intensity_g_per_kwh: f64,
    pub low: f64,
    pub high: f64,
    pub basis: IntensityBasis,
    pub year: u16,
    pub source: String,
    #[serde(default)]
    pub notes: String,
    /// Which file the row came from (`zones.csv` or the share-alike `zones_odbl.csv`).
    #[serde(skip_deserializing, default)]
    pub table: String,
}

impl Zone {
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = vec![self.id.as_str(), self.name.as_str()];
        keys.extend(self.aliases.iter().map(String::as_str));
        keys
    }
}

/// A cloud provider: fleet PUE and its published offset or renewable-matching claim.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provider {
    pub id: String,
    pub name: String,
    #[serde(deserialize_with = "pipe_list")]
    pub aliases: Vec<String>,
    pub pue: Option<f64>,
    pub pue_low: Option<f64>,
    pub pue_high: Option<f64>,
    pub offset_percent: Option<f64>,
    #[serde(default)]
    pub claim: String,
    pub claim_year: Option<u16>,
    pub source: String,
    pub year: u16,
    #[serde(default)]
    pub notes: String,
}

impl Provider {
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = vec![self.id.as_str(), self.name.as_str()];
        keys.extend(self.aliases.iter().map(String::as_str));
        keys
    }
}

/// A cloud region mapped to its grid zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Region {
    pub provider: String,
    pub region: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub location: String,
    pub zone: String,
    pub pue: Option<f64>,
    pub provider_intensity_g_per_kwh: Option<f64>,
    pub cfe_percent: Option<f64>,
    pub offset_percent: Option<f64>,
    pub claim_year: Option<u16>,
    pub source: String,
    pub year: u16,
    #[serde(default)]
    pub notes: String,
}

impl Region {
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = vec![self.region.as_str()];
        if !self.name.is_empty() {
            keys.push(self.name.as_str());
        }
        keys
    }

    /// `provider/region`, the label used in lists and errors.
    pub fn label(&self) -> String {
        format!("{}/{}", self.provider, self.region)
    }
}

/// A model parameter with its spread and source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constant {
    pub id: String,
    pub value: f64,
    pub unit: String,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub source: String,
    pub year: u16,
    #[serde(default)]
    pub notes: String,
}

/// Grams of CO2e of one unit of something familiar (a km by car, a smartphone charge).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Equivalent {
    pub id: String,
    pub name: String,
    pub g_co2e_per_unit: f64,
    pub unit: String,
    pub source: String,
    pub year: u16,
    #[serde(default)]
    pub notes: String,
}
