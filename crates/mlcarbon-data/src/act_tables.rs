//! Row types of the tables behind the "act" features: embodied emissions, GPU idle power,
//! power-limit measurements and grid-intensity profiles (schema: `data/SCHEMA.md`).

use serde::{Deserialize, Serialize};

use crate::tables::{List, Text, pipe_list};

/// What an embodied-emissions figure counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EmbodiedScope {
    /// One accelerator card; `matches` holds `kind:<hardware kind>` or hardware id globs.
    Device,
    /// A server without its accelerators; `matches` holds instance-type globs, `*` for the generic one.
    Host,
    /// A whole server, accelerators included; `matches` holds instance-type globs.
    Server,
    /// One add-on of a host (`cpu`, `dram_gb`, `ssd`, `hdd`), per unit.
    Component,
}

impl EmbodiedScope {
    pub fn label(self) -> &'static str {
        match self {
            EmbodiedScope::Device => "device",
            EmbodiedScope::Host => "host",
            EmbodiedScope::Server => "server",
            EmbodiedScope::Component => "component",
        }
    }
}

/// Manufacturing (cradle-to-gate) emissions of one unit, with the lifetime its source pairs it with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Embodied {
    pub id: Text,
    pub applies_to: EmbodiedScope,
    #[serde(deserialize_with = "pipe_list")]
    pub matches: List,
    pub unit: Text,
    pub kg_co2e: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub lifetime_years: f64,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

/// Power a GPU draws with no work, per device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdlePower {
    /// Hardware ids or globs over them (`nvidia-tesla-v100-*`).
    #[serde(deserialize_with = "pipe_list")]
    pub hardware: List,
    pub idle_w: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

/// GPU energy and training time at one power limit, relative to the maximum limit: medians over
/// measured training jobs with their spread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PowerCap {
    /// The measured GPU model (`V100`).
    pub gpu: Text,
    /// Hardware ids or globs the measurement stands for.
    #[serde(deserialize_with = "pipe_list")]
    pub hardware: List,
    pub max_power_limit_w: f64,
    pub cap_w: f64,
    /// `cap_w / max_power_limit_w`.
    pub cap_fraction: f64,
    pub energy_change_percent: f64,
    pub energy_low: f64,
    pub energy_high: f64,
    pub time_change_percent: f64,
    pub time_low: f64,
    pub time_high: f64,
    /// Number of training jobs behind the medians.
    pub workloads: u16,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

/// Mean grid intensity of one zone in one month at one UTC hour of the day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthHourCell {
    pub zone: Text,
    /// 1–12.
    pub month: u16,
    /// 0–23, UTC.
    pub hour: u16,
    pub g_per_kwh: f64,
    pub source: Text,
    pub year: u16,
}

/// A zone without a profile of its own that borrows the hour-by-hour pattern of another (a US
/// state, that of the balancing authority serving its data centres), scaled to its own mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileProxy {
    pub zone: Text,
    pub profile_zone: Text,
    pub source: Text,
    pub year: u16,
    #[serde(default)]
    pub notes: Text,
}

/// One day of hourly intensities (raw row of `profiles_hourly_2022.csv`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct HourlyDay {
    pub zone: String,
    pub date_utc: String,
    /// 24 `|`-separated values for 00:00–23:00 UTC; an empty value is a missing hour.
    pub g_per_kwh: String,
    pub source: String,
    pub year: u16,
}
