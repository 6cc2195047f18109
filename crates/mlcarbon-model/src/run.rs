//! The vocabulary of measured runs, in one place for the meter, the store, the web and the CLI:
//! what a component is, how its energy is known, where a run stands, and where its grid
//! intensity came from. Stored and serialized as the stable snake_case strings of `as_str`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::estimate::Origin;

/// A text that is none of an enum's stable names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not a {what}; expected one of: {expected}")]
pub struct UnknownName {
    pub what: &'static str,
    pub value: String,
    pub expected: String,
}

/// The stable names of an enum, parsing and display through them.
macro_rules! named {
    ($type:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $type {
            pub const ALL: &'static [$type] = &[$($type::$variant),+];

            /// The name stored in databases and written in JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $name),+
                }
            }
        }

        impl FromStr for $type {
            type Err = UnknownName;

            fn from_str(text: &str) -> Result<Self, UnknownName> {
                match text {
                    $($name => Ok($type::$variant),)+
                    _ => Err(UnknownName {
                        what: $what,
                        value: text.to_string(),
                        expected: [$($name),+].join(", "),
                    }),
                }
            }
        }

        impl fmt::Display for $type {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// What part of the machine a measured component is; decides which run total its energy adds to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    Cpu,
    Gpu,
    Ram,
}

named!(ComponentKind, "component kind", { Cpu => "cpu", Gpu => "gpu", Ram => "ram" });

/// How a component's energy is known, from best to worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// A hardware energy counter (RAPL `energy_uj`, NVML total energy, hwmon `energy1_input`).
    Counter,
    /// Measured power, integrated over time by the sampler (NVML power, amdgpu `power1_average`).
    IntegratedPower,
    /// Estimated: rated power × utilization (CPU TDP model, RAM W/GB model).
    Model,
}

named!(Method, "measuring method", {
    Counter => "counter",
    IntegratedPower => "integrated_power",
    Model => "model",
});

impl Method {
    /// Read from the hardware (a counter or measured power), not modelled.
    pub fn is_measured(self) -> bool {
        !matches!(self, Method::Model)
    }

    /// For people: how the energy is known.
    pub fn label(self) -> &'static str {
        match self {
            Method::Counter => "measured (energy counter)",
            Method::IntegratedPower => "measured (power, integrated)",
            Method::Model => "modelled (rated power × utilization)",
        }
    }
}

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Its tracker is writing it.
    Running,
    /// The command exited 0 (or the monitor was stopped).
    Finished,
    /// The command exited non-zero, died of a signal or could not start.
    Failed,
    /// Its tracker stopped without finishing it (killed); it keeps what it had.
    Interrupted,
}

named!(RunStatus, "run status", {
    Running => "running",
    Finished => "finished",
    Failed => "failed",
    Interrupted => "interrupted",
});

impl RunStatus {
    /// A status a run can end with.
    pub fn is_final(self) -> bool {
        self != RunStatus::Running
    }
}

/// Where a run's grid intensity came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntensityOrigin {
    /// A zone's or region's yearly figure from the data.
    #[default]
    Estimated,
    /// The world average, as no location was given.
    Defaulted,
    /// Given by the user (`--intensity`).
    Given,
    /// Each sample at its hour's figure from an intensity profile.
    Profile,
    /// Read from a meter (not produced by mlcarbon's trackers today; kept for imports).
    Measured,
}

named!(IntensityOrigin, "intensity origin", {
    Estimated => "estimated",
    Defaulted => "defaulted",
    Given => "given",
    Profile => "profile",
    Measured => "measured",
});

impl From<Origin> for IntensityOrigin {
    fn from(origin: Origin) -> Self {
        match origin {
            Origin::Measured => IntensityOrigin::Measured,
            Origin::Estimated => IntensityOrigin::Estimated,
            Origin::Defaulted => IntensityOrigin::Defaulted,
            Origin::Given => IntensityOrigin::Given,
        }
    }
}

impl IntensityOrigin {
    /// The model's provenance origin of a run's intensity (a profile's figures are estimates).
    pub fn provenance_origin(self) -> Origin {
        match self {
            IntensityOrigin::Estimated | IntensityOrigin::Profile => Origin::Estimated,
            IntensityOrigin::Defaulted => Origin::Defaulted,
            IntensityOrigin::Given => Origin::Given,
            IntensityOrigin::Measured => Origin::Measured,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        fn check<T>(all: &[T])
        where
            T: Copy + PartialEq + fmt::Debug + fmt::Display + FromStr + Serialize,
            <T as FromStr>::Err: fmt::Debug,
        {
            for value in all {
                let name = value.to_string();
                assert_eq!(name.parse::<T>().ok(), Some(*value));
                let json = serde_json::to_string(value).expect("serializes");
                assert_eq!(json, format!("\"{name}\""));
            }
        }
        check(ComponentKind::ALL);
        check(Method::ALL);
        check(RunStatus::ALL);
        check(IntensityOrigin::ALL);
        let error = "disk".parse::<ComponentKind>().expect_err("unknown");
        assert_eq!(
            error.to_string(),
            "`disk` is not a component kind; expected one of: cpu, gpu, ram"
        );
    }
}
