//! Predicting a running job's total energy and emissions from what it has used so far.
//!
//! Linear extrapolation in progress: the work left, `1 − f`, costs the recent rate of energy per
//! unit of progress,
//!
//! ```text
//! rate      = (E_now − E_k) / (f − p_k)      over the last (up to 5) segments between checkpoints
//! E_total   = E_now + (1 − f) × rate
//! range     = E_now + (1 − f) × [min, max] of the segment rates and of the whole-run rate E_now / f
//! ```
//!
//! and the same for time. The range is the variability of the rate actually seen: with no
//! checkpoint there is a single segment and no range (the prediction says so). Energy is IT
//! energy as a meter reads it; PUE and grid intensity apply as in the estimate.

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::units::{GramsPerKwh, Hours, KgCo2e, KilowattHours, Ranged, combine};

/// Segments between checkpoints that set the recent rate.
pub const RECENT_SEGMENTS: usize = 5;

/// Why no prediction could be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PredictError {
    #[error("progress must be in (0, 1], not {0}")]
    Progress(f64),
    #[error("epochs done ({done}) must be above 0 and at most the total ({total})")]
    Epochs { done: f64, total: f64 },
    #[error("{name} must be {range}, not {value}")]
    OutOfRange {
        name: &'static str,
        range: &'static str,
        value: f64,
    },
    #[error("checkpoint {index}: {reason}")]
    Checkpoint { index: usize, reason: String },
}

/// How far the job is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Progress {
    /// Fraction of the work done, in (0, 1].
    Fraction(f64),
    /// Epochs (or steps) done out of the total.
    Epochs { done: f64, total: f64 },
}

impl Progress {
    pub fn fraction(self) -> Result<f64, PredictError> {
        match self {
            Progress::Fraction(f) if f > 0.0 && f <= 1.0 => Ok(f),
            Progress::Fraction(f) => Err(PredictError::Progress(f)),
            Progress::Epochs { done, total }
                if done > 0.0 && total.is_finite() && done <= total =>
            {
                Ok(done / total)
            }
            Progress::Epochs { done, total } => Err(PredictError::Epochs { done, total }),
        }
    }
}

/// Cumulative readings at an earlier point of the run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Checkpoint {
    /// Fraction of the work done then.
    pub progress: f64,
    pub elapsed: Hours,
    pub it_energy: KilowattHours,
}

/// A run so far.
#[derive(Debug, Clone, PartialEq)]
pub struct PartialRun {
    pub progress: Progress,
    pub elapsed: Hours,
    /// IT energy used so far (what a meter reads).
    pub it_energy: KilowattHours,
    /// Earlier readings, in order; more of them make the range.
    pub checkpoints: Vec<Checkpoint>,
}

/// What the range rests on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RangeBasis {
    /// The spread of the rates of these many recent segments and of the whole run.
    RecentRates { segments: usize },
    /// One segment only: no variability seen, so no range.
    SingleSegment,
}

/// Prediction of the whole run. Its JSON writes each range flat, `X` with `X_low` and `X_high`
/// beside it and the unit in the name (`total_emissions_kg`, `total_emissions_kg_low`, ...), as
/// every report does.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    pub progress: f64,
    pub total_it_energy: Ranged<KilowattHours>,
    pub remaining_it_energy: Ranged<KilowattHours>,
    pub total_hours: Ranged<Hours>,
    pub remaining_hours: Ranged<Hours>,
    /// Facility energy (× PUE).
    pub total_energy: Ranged<KilowattHours>,
    pub emissions_so_far: Ranged<KgCo2e>,
    pub total_emissions: Ranged<KgCo2e>,
    pub remaining_emissions: Ranged<KgCo2e>,
    pub range_basis: RangeBasis,
}

impl Prediction {
    /// The ranges under their JSON names (with the unit), in the order they are written.
    pub fn ranges(&self) -> [(&'static str, Ranged<f64>); 8] {
        let kwh = |r: Ranged<KilowattHours>| r.map(|e| e.0);
        let hours = |r: Ranged<Hours>| r.map(|h| h.0);
        let kg = |r: Ranged<KgCo2e>| r.map(|m| m.0);
        [
            ("total_it_energy_kwh", kwh(self.total_it_energy)),
            ("remaining_it_energy_kwh", kwh(self.remaining_it_energy)),
            ("total_hours", hours(self.total_hours)),
            ("remaining_hours", hours(self.remaining_hours)),
            ("total_energy_kwh", kwh(self.total_energy)),
            ("emissions_so_far_kg", kg(self.emissions_so_far)),
            ("total_emissions_kg", kg(self.total_emissions)),
            ("remaining_emissions_kg", kg(self.remaining_emissions)),
        ]
    }
}

impl Serialize for Prediction {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let ranges = self.ranges();
        let mut map = serializer.serialize_map(Some(2 + 3 * ranges.len()))?;
        map.serialize_entry("progress", &self.progress)?;
        for (name, range) in ranges {
            map.serialize_entry(name, &range.value)?;
            map.serialize_entry(&format!("{name}_low"), &range.low)?;
            map.serialize_entry(&format!("{name}_high"), &range.high)?;
        }
        map.serialize_entry("range_basis", &self.range_basis)?;
        map.end()
    }
}

/// One point of the run: progress, hours, kWh.
#[derive(Debug, Clone, Copy)]
struct Point {
    progress: f64,
    hours: f64,
    kwh: f64,
}

/// `so_far + (1 − f) × rate`, the rate's range from the segments.
fn extrapolate(so_far: f64, left: f64, central: f64, rates: &[f64]) -> Ranged<f64> {
    let low = rates.iter().copied().fold(central, f64::min);
    let high = rates.iter().copied().fold(central, f64::max);
    Ranged {
        value: so_far + left * central,
        low: so_far + left * low,
        high: so_far + left * high,
    }
}

fn non_negative(name: &'static str, value: f64) -> Result<f64, PredictError> {
    if value.is_finite() && value >= 0.0 {
        Ok(value)
    } else {
        Err(PredictError::OutOfRange {
            name,
            range: "a non-negative number",
            value,
        })
    }
}

/// Predicts the total from a partial run.
pub fn predict(
    run: &PartialRun,
    pue: Ranged<f64>,
    intensity: Ranged<GramsPerKwh>,
) -> Result<Prediction, PredictError> {
    let f = run.progress.fraction()?;
    let now = Point {
        progress: f,
        hours: non_negative("the elapsed time", run.elapsed.0)?,
        kwh: non_negative("the energy so far", run.it_energy.0)?,
    };
    let mut points = vec![Point {
        progress: 0.0,
        hours: 0.0,
        kwh: 0.0,
    }];
    for (i, c) in run.checkpoints.iter().enumerate() {
        let index = i + 1;
        let bad = |reason: String| PredictError::Checkpoint { index, reason };
        let point = Point {
            progress: c.progress,
            hours: c.elapsed.0,
            kwh: c.it_energy.0,
        };
        let Some(&previous) = points.last() else {
            continue;
        };
        if !(point.progress > previous.progress && point.progress < f) {
            return Err(bad(format!(
                "progress {} must be above the previous ({}) and below the current ({f})",
                point.progress, previous.progress
            )));
        }
        if !(point.hours.is_finite() && point.hours >= previous.hours && point.hours <= now.hours) {
            return Err(bad(format!(
                "elapsed {} h must lie between the previous ({} h) and the current ({} h)",
                point.hours, previous.hours, now.hours
            )));
        }
        if !(point.kwh.is_finite() && point.kwh >= previous.kwh && point.kwh <= now.kwh) {
            return Err(bad(format!(
                "energy {} kWh must lie between the previous ({} kWh) and the current ({} kWh)",
                point.kwh, previous.kwh, now.kwh
            )));
        }
        points.push(point);
    }
    points.push(now);

    let segments: Vec<(Point, Point)> = points.windows(2).map(|w| (w[0], w[1])).collect();
    let recent = &segments[segments.len().saturating_sub(RECENT_SEGMENTS)..];
    let rate =
        |a: Point, b: Point, of: fn(Point) -> f64| (of(b) - of(a)) / (b.progress - a.progress);
    let kwh = |p: Point| p.kwh;
    let hours = |p: Point| p.hours;
    let recent_start = recent.first().map_or(points[0], |s| s.0);
    let left = 1.0 - f;
    let rates_of = |of: fn(Point) -> f64| -> (f64, Vec<f64>) {
        let central = rate(recent_start, now, of);
        let mut spread: Vec<f64> = recent.iter().map(|&(a, b)| rate(a, b, of)).collect();
        spread.push(of(now) / f);
        (central, spread)
    };
    let (energy_rate, energy_rates) = rates_of(kwh);
    let (time_rate, time_rates) = rates_of(hours);
    let total_it = extrapolate(now.kwh, left, energy_rate, &energy_rates).map(KilowattHours);
    let total_hours = extrapolate(now.hours, left, time_rate, &time_rates).map(Hours);
    let so_far_it = Ranged::exact(KilowattHours(now.kwh));
    let remaining_it = total_it.map(|e| KilowattHours(e.0 - now.kwh));
    let facility = |e: Ranged<KilowattHours>| combine(e, pue, |e, p| e.scale(p));
    let emissions = |e: Ranged<KilowattHours>| combine(facility(e), intensity, |e, i| e * i);
    let total_energy = facility(total_it);
    Ok(Prediction {
        progress: f,
        total_it_energy: total_it,
        remaining_it_energy: remaining_it,
        total_hours,
        remaining_hours: total_hours.map(|h| Hours(h.0 - now.hours)),
        total_energy,
        emissions_so_far: emissions(so_far_it),
        total_emissions: emissions(total_it),
        remaining_emissions: emissions(remaining_it),
        range_basis: if segments.len() > 1 {
            RangeBasis::RecentRates {
                segments: recent.len(),
            }
        } else {
            RangeBasis::SingleSegment
        },
    })
}
