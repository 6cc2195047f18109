//! What a GPU power limit does to a training job's energy and time, from the power traces of Zeus
//! (You, Chung & Chowdhury, NSDI 2023): for V100, A40, Quadro RTX 6000 and P100, the median change
//! of GPU energy per epoch and of epoch time across six training jobs at 50–92 % of the maximum
//! power limit (`power_caps.csv`). Epochs to reach the target accuracy do not depend on the power
//! limit, so the per-epoch ratios are the ratios for the whole job.
//!
//! Between two measured limits (or the highest one and the maximum, where the change is zero by
//! definition) the change is interpolated linearly; below the lowest measured limit nothing is
//! claimed (below about half the maximum, energy rises again on some GPUs). A GPU that Zeus did not
//! measure gets the median over the measured GPUs at that fraction, flagged as such. The figures
//! are GPU energy only: the host keeps drawing for the longer run, which [`capped_job`] counts.

use mlcarbon_data::{Dataset, Hardware, PowerCap};
use serde::Serialize;

use crate::estimate::{Job, Load, Origin, Provenance};
use crate::scenario::{RowRef, row_provenance};
use crate::units::{Hours, Ranged};

/// Why no power-limit figure could be given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PowerCapError {
    #[error("the power limit must be a fraction of the maximum in (0, 1], not {0}")]
    Fraction(f64),
    #[error("no power-limit measurements in the data")]
    NoData,
    #[error(
        "{gpu} was measured at {min:.0}-{max:.0} % of its maximum power limit; {fraction:.0} % is outside, and nothing is claimed there"
    )]
    OutsideMeasured {
        gpu: String,
        fraction: f64,
        min: f64,
        max: f64,
    },
}

/// The change of GPU energy and of run time at one power limit, relative to the maximum limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PowerCapEffect {
    /// The measured GPU the figures come from (`V100`), or `measured GPUs` for a median over all.
    pub measured_gpu: String,
    /// Whether the figures were measured on this device's model.
    pub measured_on_device: bool,
    /// Power limit as a fraction of the maximum.
    pub cap_fraction: f64,
    /// GPU energy change, percent (negative saves): median, and the range over the jobs.
    pub energy_change_percent: Ranged<f64>,
    /// Run time change, percent (positive is slower).
    pub time_change_percent: Ranged<f64>,
    pub provenance: Provenance,
}

impl PowerCapEffect {
    /// One line for advice: "a 70 % power limit saves ~16 % GPU energy for ~9 % more time
    /// (Zeus, NSDI'23)".
    pub fn summary(&self) -> String {
        let limit = format!("a {:.0} % power limit", self.cap_fraction * 100.0);
        let energy = self.energy_change_percent.value;
        let time = self.time_change_percent.value;
        let time_text = if time >= 0.0 {
            format!("~{time:.0} % more time")
        } else {
            format!("~{:.0} % less time", -time)
        };
        let measured = if self.measured_on_device {
            String::new()
        } else {
            " — median of the GPUs measured, not this one".to_string()
        };
        if energy < 0.0 {
            format!(
                "{limit} saves ~{:.0} % GPU energy for {time_text} (Zeus, NSDI'23{measured})",
                -energy
            )
        } else {
            format!("{limit} saves no GPU energy (Zeus, NSDI'23{measured})")
        }
    }
}

fn lerp(a: f64, b: f64, t: f64) -> f64 {
    a + (b - a) * t
}

/// Energy and time change at one power limit.
#[derive(Debug, Clone, Copy)]
struct CapPoint {
    fraction: f64,
    energy: Ranged<f64>,
    time: Ranged<f64>,
}

/// A measured GPU's figures at `fraction`, linear between the two limits around it. The maximum
/// limit itself (fraction 1) is the baseline, with no change by definition, so limits between the
/// highest measured one and the maximum are interpolated towards zero.
fn interpolate(
    rows: &[&PowerCap],
    fraction: f64,
) -> Option<(Ranged<f64>, Ranged<f64>, &'static str)> {
    const TOLERANCE: f64 = 1e-6;
    let mut points: Vec<CapPoint> = rows
        .iter()
        .map(|r| CapPoint {
            fraction: r.cap_fraction,
            energy: Ranged {
                value: r.energy_change_percent,
                low: r.energy_low,
                high: r.energy_high,
            },
            time: Ranged {
                value: r.time_change_percent,
                low: r.time_low,
                high: r.time_high,
            },
        })
        .collect();
    if points.is_empty() {
        return None;
    }
    points.push(CapPoint {
        fraction: 1.0,
        energy: Ranged::exact(0.0),
        time: Ranged::exact(0.0),
    });
    if let Some(p) = points
        .iter()
        .find(|p| (p.fraction - fraction).abs() < TOLERANCE)
    {
        let how = if p.fraction == 1.0 {
            "the maximum limit: no change"
        } else {
            "measured at this limit"
        };
        return Some((p.energy, p.time, how));
    }
    let upper = points.iter().position(|p| p.fraction > fraction)?;
    let (a, b) = (points.get(upper.checked_sub(1)?)?, points[upper]);
    let t = (fraction - a.fraction) / (b.fraction - a.fraction);
    let mix = |x: Ranged<f64>, y: Ranged<f64>| Ranged {
        value: lerp(x.value, y.value, t),
        low: lerp(x.low, y.low, t),
        high: lerp(x.high, y.high, t),
    };
    Some((
        mix(a.energy, b.energy),
        mix(a.time, b.time),
        "interpolated between the two measured limits around it",
    ))
}

/// The median of the central values, and the lowest low and highest high: the figures of
/// several GPUs taken together.
fn median_of(figures: impl Iterator<Item = Ranged<f64>>) -> Ranged<f64> {
    let figures: Vec<Ranged<f64>> = figures.collect();
    let mut values: Vec<f64> = figures.iter().map(|f| f.value).collect();
    values.sort_by(f64::total_cmp);
    let n = values.len();
    let value = match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    };
    Ranged {
        value,
        low: figures.iter().map(|f| f.low).fold(f64::INFINITY, f64::min),
        high: figures
            .iter()
            .map(|f| f.high)
            .fold(f64::NEG_INFINITY, f64::max),
    }
}

/// The effect of limiting `hardware` to `cap_fraction` of its maximum power.
pub fn power_cap_effect(
    data: &Dataset,
    hardware: &Hardware,
    cap_fraction: f64,
) -> Result<PowerCapEffect, PowerCapError> {
    if !(cap_fraction > 0.0 && cap_fraction <= 1.0) {
        return Err(PowerCapError::Fraction(cap_fraction));
    }
    let own = data.power_caps_for(&hardware.id);
    if let Some(first) = own.first() {
        let (min, max) = (first.cap_fraction, own[own.len() - 1].cap_fraction);
        let (energy, time, how) =
            interpolate(&own, cap_fraction).ok_or_else(|| PowerCapError::OutsideMeasured {
                gpu: first.gpu.to_string(),
                fraction: cap_fraction * 100.0,
                min: min * 100.0,
                max: max * 100.0,
            })?;
        let provenance = row_provenance(
            data,
            "power-limit effect",
            format!(
                "GPU energy {:+.1} %, time {:+.1} % at {:.0} % of the maximum limit",
                energy.value,
                time.value,
                cap_fraction * 100.0
            ),
            Origin::Estimated,
            RowRef {
                table: "power_caps.csv",
                row: &format!(
                    "{} {:.0} W",
                    first.gpu,
                    cap_fraction * first.max_power_limit_w
                ),
                source: &first.source,
                year: first.year,
            },
            format!(
                "measured on {} ({how}); median over {} training jobs, range over the jobs; GPU energy only",
                first.gpu, first.workloads
            ),
        );
        return Ok(PowerCapEffect {
            measured_gpu: first.gpu.to_string(),
            measured_on_device: true,
            cap_fraction,
            energy_change_percent: energy,
            time_change_percent: time,
            provenance,
        });
    }
    // Not measured on this model: the median over the GPUs that were, each at this fraction.
    let gpus = data.power_cap_gpus();
    if gpus.is_empty() {
        return Err(PowerCapError::NoData);
    }
    let mut found: Vec<(&str, Ranged<f64>, Ranged<f64>)> = Vec::new();
    let mut example: Option<&PowerCap> = None;
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    for gpu in &gpus {
        let rows = data.power_caps_of(gpu);
        if let (Some(first), Some(last)) = (rows.first(), rows.last()) {
            min = min.min(first.cap_fraction);
            max = max.max(last.cap_fraction);
        }
        if let Some((energy, time, _)) = interpolate(&rows, cap_fraction) {
            found.push((gpu, energy, time));
            example = example.or(rows.first().copied());
        }
    }
    let Some(example) = example else {
        return Err(PowerCapError::OutsideMeasured {
            gpu: "every measured GPU".to_string(),
            fraction: cap_fraction * 100.0,
            min: min * 100.0,
            max: max * 100.0,
        });
    };
    let energy = median_of(found.iter().map(|x| x.1));
    let time = median_of(found.iter().map(|x| x.2));
    let names: Vec<&str> = found.iter().map(|x| x.0).collect();
    let provenance = row_provenance(
        data,
        "power-limit effect",
        format!(
            "GPU energy {:+.1} %, time {:+.1} % at {:.0} % of the maximum limit",
            energy.value,
            time.value,
            cap_fraction * 100.0
        ),
        Origin::Estimated,
        RowRef {
            table: "power_caps.csv",
            row: &names.join(", "),
            source: &example.source,
            year: example.year,
        },
        format!(
            "{} was not measured: median over the measured GPUs ({}), range over their jobs; GPU energy only",
            hardware.name,
            names.join(", ")
        ),
    );
    Ok(PowerCapEffect {
        measured_gpu: "measured GPUs".to_string(),
        measured_on_device: false,
        cap_fraction,
        energy_change_percent: energy,
        time_change_percent: time,
        provenance,
    })
}

/// Among the measured limits, the one that saves the most GPU energy while slowing the run by at
/// most `max_time_increase_percent` (median); `None` when no limit qualifies or saves energy.
pub fn best_power_cap(
    data: &Dataset,
    hardware: &Hardware,
    max_time_increase_percent: f64,
) -> Option<PowerCapEffect> {
    let own = data.power_caps_for(&hardware.id);
    let fractions: Vec<f64> = if own.is_empty() {
        data.power_caps().iter().map(|r| r.cap_fraction).collect()
    } else {
        own.iter().map(|r| r.cap_fraction).collect()
    };
    fractions
        .into_iter()
        .filter_map(|f| power_cap_effect(data, hardware, f).ok())
        .filter(|e| {
            e.time_change_percent.value <= max_time_increase_percent
                && e.energy_change_percent.value < 0.0
        })
        .min_by(|a, b| {
            a.energy_change_percent
                .value
                .total_cmp(&b.energy_change_percent.value)
                .then(b.cap_fraction.total_cmp(&a.cap_fraction))
        })
}

/// The job under the power limit (central figures): accelerators use `1 + ΔE` times their energy
/// over `1 + ΔT` times the hours (so their mean draw scales by `(1 + ΔE) / (1 + ΔT)`); the host
/// CPUs and memory draw as before for the longer run. A metered energy is all scaled by `1 + ΔE`
/// (its split is unknown) and its hours by `1 + ΔT`.
pub fn capped_job(job: &Job, effect: &PowerCapEffect) -> Job {
    let energy_factor = 1.0 + effect.energy_change_percent.value / 100.0;
    let time_factor = 1.0 + effect.time_change_percent.value / 100.0;
    let hours = Hours(job.hours.0 * time_factor);
    let load = match &job.load {
        Load::Components { components } => Load::Components {
            components: components
                .iter()
                .map(|c| {
                    let mut c = c.clone();
                    if c.kind == "gpu" {
                        c.utilization *= energy_factor / time_factor;
                    }
                    c
                })
                .collect(),
        },
        Load::Energy {
            it_energy,
            provenance,
        } => Load::Energy {
            it_energy: it_energy.scale(energy_factor),
            provenance: provenance.clone(),
        },
    };
    Job { load, hours }
}
