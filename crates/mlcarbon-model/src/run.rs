//! The vocabulary of measured runs, in one place for the meter, the store, the web and the CLI:
//! what a component is, how its energy is known, where a run stands, and where its grid
//! intensity came from (stored and serialized as the stable snake_case strings of `as_str`);
//! and what a run's samples mean: energy with PUE, emissions, and the prediction of its end.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::estimate::Origin;
use crate::predict::{Checkpoint, PartialRun, Prediction, Progress, predict};
use crate::schedule::IntensityProfile;
use crate::time::UtcTime;
use crate::units::{GramsPerKwh, Hours, KilowattHours, Ranged};

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
    /// Reported by another tracker with its own figures (a CodeCarbon client posting to the
    /// server): how that tracker knew them is not sent, so it is not claimed as measured.
    Reported,
}

named!(Method, "measuring method", {
    Counter => "counter",
    IntegratedPower => "integrated_power",
    Model => "model",
    Reported => "reported",
});

impl Method {
    /// Read from the hardware (a counter or measured power), not modelled.
    pub fn is_measured(self) -> bool {
        matches!(self, Method::Counter | Method::IntegratedPower)
    }

    /// For people: how the energy is known.
    pub fn label(self) -> &'static str {
        match self {
            Method::Counter => "measured (energy counter)",
            Method::IntegratedPower => "measured (power, integrated)",
            Method::Model => "modelled (rated power × utilization)",
            Method::Reported => "reported by CodeCarbon (measured or modelled there)",
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
    /// Reported by another tracker with its figures: a CodeCarbon client's emissions ÷ energy
    /// of each interval it posts (its own intensity data, not mlcarbon's).
    Reported,
}

named!(IntensityOrigin, "intensity origin", {
    Estimated => "estimated",
    Defaulted => "defaulted",
    Given => "given",
    Profile => "profile",
    Measured => "measured",
    Reported => "reported",
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
            // The client chose its figure; to mlcarbon it is given, as `--intensity` is.
            IntensityOrigin::Reported => Origin::Given,
        }
    }
}

/// What share of the machine a run counts. One tracker per host measures the whole machine;
/// the other ranks of a distributed job on that host record only their link to the job (or
/// their own processes' share), so a job's total counts every machine once.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Attribution {
    /// The whole machine's components.
    #[default]
    Machine,
    /// The share of the measured command's process tree (`--attribution process`).
    Process,
    /// Nothing measured: this run only says it belongs to a job whose machine another tracker
    /// on the same host measures.
    Link,
}

named!(Attribution, "attribution", {
    Machine => "machine",
    Process => "process",
    Link => "link",
});

impl Attribution {
    /// CodeCarbon's `tracking_mode` column: `machine` or `process` (a link counts nothing, and
    /// is exported as the process share it is, zero).
    pub fn tracking_mode(self) -> &'static str {
        match self {
            Attribution::Machine => "machine",
            Attribution::Process | Attribution::Link => "process",
        }
    }
}

/// Where a run sits in a distributed job: the job it belongs to and its rank. Every field is
/// optional: a single-process run has none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JobPlacement {
    /// The same for every run of one job on every host (`slurm:1234.0`, `torchelastic:ID`,
    /// or what `--job` gave).
    pub job_key: Option<String>,
    /// Global rank of this process (`RANK`, `SLURM_PROCID`).
    pub rank: Option<u32>,
    /// Rank on this host (`LOCAL_RANK`, `SLURM_LOCALID`): local rank 0 measures the machine.
    pub local_rank: Option<u32>,
    /// Number of processes in the job (`WORLD_SIZE`, `SLURM_NTASKS`).
    pub world_size: Option<u32>,
}

impl JobPlacement {
    /// Whether this process is the one that should measure its host: local rank 0, or no
    /// local rank known.
    pub fn measures_host(&self) -> bool {
        self.local_rank.unwrap_or(0) == 0
    }
}

/// What the samples of a run mean: cumulative IT energy (joules, from the meter) in; the run's
/// energy with PUE, its emissions and the intensity used out. With an intensity profile each
/// sample's new energy is counted at its own hour's intensity; outside the profile (and without
/// one) at the location's yearly figure.
#[derive(Debug, Clone)]
pub struct RunAccount {
    pue: f64,
    yearly_intensity: f64,
    profile: Option<IntensityProfile>,
    energy_kwh: f64,
    emissions_kg: f64,
}

/// One sample's figures, cumulative over the run so far.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Accounted {
    /// IT energy × PUE, kWh.
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    /// The intensity this sample's energy was counted at, g CO2e/kWh.
    pub intensity_g_per_kwh: f64,
    /// A profile was given but does not cover this sample's time: the yearly figure was used.
    pub outside_profile: bool,
}

pub const JOULES_PER_KWH: f64 = 3.6e6;

impl RunAccount {
    pub fn new(
        pue: f64,
        yearly_intensity_g_per_kwh: f64,
        profile: Option<IntensityProfile>,
    ) -> Self {
        RunAccount {
            pue,
            yearly_intensity: yearly_intensity_g_per_kwh,
            profile,
            energy_kwh: 0.0,
            emissions_kg: 0.0,
        }
    }

    pub fn pue(&self) -> f64 {
        self.pue
    }

    /// The intensity a run starts with: its hour's in the profile, else the yearly one.
    pub fn intensity_at(&self, at: UtcTime) -> f64 {
        self.profile
            .as_ref()
            .and_then(|p| p.value_at(at))
            .map_or(self.yearly_intensity, |g| g.0)
    }

    /// Counts the run up to a new sample taken at `at` whose cumulative IT energy is
    /// `cumulative_it_j`. Energy never goes back: a smaller figure than the last adds nothing.
    pub fn add(&mut self, cumulative_it_j: f64, at: UtcTime) -> Accounted {
        let energy_kwh = (cumulative_it_j / JOULES_PER_KWH * self.pue).max(self.energy_kwh);
        let delta = energy_kwh - self.energy_kwh;
        let (intensity, outside_profile) = match &self.profile {
            None => (self.yearly_intensity, false),
            Some(profile) => match profile.value_at(at) {
                Some(g) => (g.0, false),
                None => (self.yearly_intensity, true),
            },
        };
        self.emissions_kg += delta * intensity / 1000.0;
        self.energy_kwh = energy_kwh;
        Accounted {
            energy_kwh,
            emissions_kg: self.emissions_kg,
            intensity_g_per_kwh: intensity,
            outside_profile,
        }
    }

    /// The run's mean intensity so far (the yearly one before any energy).
    pub fn mean_intensity(&self) -> f64 {
        if self.energy_kwh > 0.0 {
            self.emissions_kg / self.energy_kwh * 1000.0
        } else {
            self.yearly_intensity
        }
    }
}

/// Most progress checkpoints kept for a prediction (its recent rate uses the last five).
const MAX_CHECKPOINTS: usize = 8;

/// The progress a running job reports (a fraction of its work done), remembered as checkpoints
/// so that the prediction of where it ends has a range from its recent rate.
#[derive(Debug, Clone, Default)]
pub struct ProgressLog {
    progress: Option<f64>,
    /// The readings when the current progress value was first reported.
    first_seen: Option<Checkpoint>,
    /// Earlier reports, each as first seen.
    checkpoints: Vec<Checkpoint>,
    prediction: Option<Prediction>,
}

/// Where a run is predicted to end, as the store keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictedEnd {
    pub progress: f64,
    pub energy_kwh: f64,
    pub emissions_kg: f64,
}

impl ProgressLog {
    pub fn progress(&self) -> Option<f64> {
        self.progress
    }

    /// The latest prediction, with its range.
    pub fn prediction(&self) -> Option<&Prediction> {
        self.prediction.as_ref()
    }

    /// Takes a progress report made `hours` into the run, with the run's figures then.
    pub fn report(&mut self, progress: f64, hours: f64, account: &RunAccount) -> PredictedEnd {
        let it_energy = account.energy_kwh / account.pue;
        let seen = Checkpoint {
            progress,
            elapsed: Hours(hours),
            it_energy: KilowattHours(it_energy),
        };
        match self.progress {
            // A new report: the previous one becomes a checkpoint, as first seen.
            Some(previous) if progress > previous => {
                if let Some(first) = self.first_seen {
                    self.checkpoints.push(first);
                    if self.checkpoints.len() > MAX_CHECKPOINTS {
                        self.checkpoints.remove(0);
                    }
                }
                self.first_seen = Some(seen);
            }
            // Progress went back (a restart): earlier reports no longer describe this run.
            Some(previous) if progress < previous => {
                self.checkpoints.clear();
                self.first_seen = Some(seen);
            }
            Some(_) => {}
            None => self.first_seen = Some(seen),
        }
        self.progress = Some(progress);
        // The rest of the run at the mean intensity so far (the yearly one without a profile).
        let prediction = predict(
            &PartialRun {
                progress: Progress::Fraction(progress),
                elapsed: Hours(hours),
                it_energy: KilowattHours(it_energy),
                checkpoints: self.checkpoints.clone(),
            },
            Ranged::exact(account.pue),
            Ranged::exact(GramsPerKwh(account.mean_intensity())),
        )
        .ok();
        let end = match &prediction {
            Some(p) => PredictedEnd {
                progress,
                energy_kwh: p.total_energy.value.0,
                emissions_kg: account.emissions_kg + p.remaining_emissions.value.0,
            },
            None => PredictedEnd {
                progress,
                energy_kwh: account.energy_kwh / progress,
                emissions_kg: account.emissions_kg / progress,
            },
        };
        self.prediction = prediction;
        end
    }
}

/// A progress fraction written by a job: a number in (0, 1], or a percentage with `%`.
pub fn parse_progress(text: &str) -> Option<f64> {
    let text = text.trim();
    let value = match text.strip_suffix('%') {
        Some(percent) => percent.trim().parse::<f64>().ok()? / 100.0,
        None => text.parse::<f64>().ok()?,
    };
    (value.is_finite() && value > 0.0 && value <= 1.0).then_some(value)
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
        assert_eq!(parse_progress("50%"), Some(0.5));
        assert_eq!(parse_progress(" 0.25\n"), Some(0.25));
        assert_eq!(parse_progress("1.5"), None);
        assert_eq!(parse_progress("NaN"), None);
        assert_eq!(
            error.to_string(),
            "`disk` is not a component kind; expected one of: cpu, gpu, ram"
        );
    }
}

#[cfg(test)]
mod accounting {
    use super::*;
    use proptest::prelude::*;

    fn at(hour: i64) -> UtcTime {
        UtcTime::from_unix_seconds(1_656_633_600 + hour * 3600)
    }

    #[test]
    fn a_profile_prices_each_hour_and_falls_back_outside_it() {
        let profile = IntensityProfile::Hourly {
            start: at(0),
            g_per_kwh: vec![100.0, 300.0],
        };
        let mut account = RunAccount::new(1.5, 200.0, Some(profile));
        // 1 kWh of IT energy in each of three hours; the third is past the profile.
        let first = account.add(JOULES_PER_KWH, at(0));
        assert_eq!((first.energy_kwh, first.emissions_kg), (1.5, 0.15));
        let second = account.add(2.0 * JOULES_PER_KWH, at(1));
        assert!((second.emissions_kg - 0.6).abs() < 1e-12);
        let third = account.add(3.0 * JOULES_PER_KWH, at(2));
        assert!(third.outside_profile);
        assert!((third.emissions_kg - 0.9).abs() < 1e-12);
        assert!((account.mean_intensity() - 200.0).abs() < 1e-9);
    }

    #[test]
    fn progress_reports_predict_the_end() {
        let mut account = RunAccount::new(1.0, 400.0, None);
        let mut log = ProgressLog::default();
        account.add(JOULES_PER_KWH, at(0));
        let end = log.report(0.25, 1.0, &account);
        assert!((end.energy_kwh - 4.0).abs() < 1e-9, "{end:?}");
        assert!((end.emissions_kg - 1.6).abs() < 1e-9, "{end:?}");
        account.add(2.0 * JOULES_PER_KWH, at(1));
        let end = log.report(0.5, 2.0, &account);
        assert!((end.energy_kwh - 4.0).abs() < 1e-9, "{end:?}");
        assert_eq!(log.progress(), Some(0.5));
        assert!(log.prediction().is_some());
    }

    proptest! {
        /// Totals never go back and equal the sum of what each sample added.
        #[test]
        fn totals_are_monotone_sums(steps in prop::collection::vec((0.0f64..5e6, 0u32..48), 1..50)) {
            let profile = IntensityProfile::Hourly {
                start: at(0),
                g_per_kwh: (0..24).map(|h| 50.0 + f64::from(h) * 10.0).collect(),
            };
            let mut account = RunAccount::new(1.2, 300.0, Some(profile));
            let (mut joules, mut last, mut summed) = (0.0, None::<Accounted>, 0.0);
            for (add, hour) in steps {
                joules += add;
                let before = last.map_or(0.0, |a| a.energy_kwh);
                let now = account.add(joules, at(i64::from(hour)));
                prop_assert!(now.energy_kwh >= before);
                summed += (now.energy_kwh - before) * now.intensity_g_per_kwh / 1000.0;
                prop_assert!((now.emissions_kg - summed).abs() <= 1e-9 * summed.max(1.0));
                prop_assert!(now.emissions_kg.is_finite());
                last = Some(now);
            }
        }
    }
}
