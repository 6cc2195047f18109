//! Inference: energy and emissions per request, per 1,000 requests and per day, and the lifetime
//! view that spreads a model's training emissions over the requests it serves.
//!
//! Energy per request is either measured (Wh per request, e.g. from the ML.ENERGY leaderboard or
//! one's own meter) or derived from a serving replica's power and throughput. A replica that
//! serves `C` requests/s when busy and receives `λ` requests/s is busy a share `b = λ / C` of the
//! time (with `N = ⌈λ / C⌉` replicas when one is not enough, each busy `λ / (N C)`), and idle the
//! rest, when it still draws idle power:
//!
//! ```text
//! power          = N × (b × P_busy + (1 − b) × P_idle)          [W]
//! energy/request = power × 1 h / (λ × 3,600)                     [Wh]
//! ```
//!
//! then × PUE and × grid intensity as for training (Luccioni, Jernite & Strubell 2024 measure
//! inference the same way). Idle power comes from `idle_power.csv` where published, else from
//! `gpu_idle_fraction_of_rated_power` × the rated power.

use mlcarbon_data::{Dataset, Hardware, constant_ids};
use serde::Serialize;

use crate::estimate::{Factor, Origin, Provenance};
use crate::scenario::{self, RowRef, ScenarioError, row_provenance};
use crate::units::{GramsPerKwh, Hours, KgCo2e, KilowattHours, Ranged, Watts, combine};

pub const SECONDS_PER_DAY: f64 = 86_400.0;

/// Why an inference figure could not be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum InferenceError {
    #[error("{name} must be {range}, not {value}")]
    OutOfRange {
        name: &'static str,
        range: &'static str,
        value: f64,
    },
    #[error("energy from power and throughput needs a request rate; give requests per second")]
    RateNeeded,
    #[error("dataset `{dataset}` lacks constant `{id}`")]
    MissingConstant { dataset: String, id: String },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}

fn positive(name: &'static str, value: f64) -> Result<f64, InferenceError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(InferenceError::OutOfRange {
            name,
            range: "a positive number",
            value,
        })
    }
}

/// Idle power of one device: the published figure for this hardware, else the documented
/// fraction of its rated power (flagged as defaulted).
pub fn device_idle_power(
    data: &Dataset,
    hardware: &Hardware,
) -> Result<Factor<Watts>, InferenceError> {
    if let Some(row) = data.idle_power(&hardware.id) {
        let value = row.idle_w;
        return Ok(Factor {
            range: Ranged {
                value: Watts(value),
                low: Watts(row.low.unwrap_or(value).min(value)),
                high: Watts(row.high.unwrap_or(value).max(value)),
            },
            provenance: row_provenance(
                data,
                "idle power",
                format!("{value} W per device"),
                Origin::Estimated,
                RowRef {
                    table: "idle_power.csv",
                    row: &row.hardware.join("|"),
                    source: &row.source,
                    year: row.year,
                },
                row.notes.to_string(),
            ),
        });
    }
    let c = data
        .constant(constant_ids::GPU_IDLE_FRACTION)
        .ok_or_else(|| InferenceError::MissingConstant {
            dataset: data.name.clone(),
            id: constant_ids::GPU_IDLE_FRACTION.to_string(),
        })?;
    let (rated, _) = crate::scenario::rated_power(hardware)?;
    let mut provenance = row_provenance(
        data,
        "idle power",
        format!(
            "{:.0} W per device ({:.0} % of {rated} W)",
            c.value * rated,
            c.value * 100.0
        ),
        Origin::Defaulted,
        RowRef {
            table: "constants_act.csv",
            row: &c.id,
            source: &c.source,
            year: c.year,
        },
        String::new(),
    );
    provenance.note = format!(
        "no idle figure published for {}: a fraction of rated power. {}",
        hardware.name, c.notes
    );
    Ok(Factor {
        range: Ranged {
            value: Watts(c.value * rated),
            low: Watts(c.low.unwrap_or(c.value).min(c.value) * rated),
            high: Watts(c.high.unwrap_or(c.value).max(c.value) * rated),
        },
        provenance,
    })
}

/// One serving replica (IT power, before PUE).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ServingReplica {
    /// Draw while serving at its throughput.
    pub busy_power: Ranged<Watts>,
    /// Draw while waiting for requests.
    pub idle_power: Ranged<Watts>,
    /// Requests per second it serves when busy.
    pub throughput: f64,
}

/// A replica of `count` devices of `hardware` with its inputs' provenance (device power,
/// utilization, idle power).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplicaInputs {
    pub replica: ServingReplica,
    pub provenance: Vec<Provenance>,
}

/// A replica of `count` devices serving `throughput` requests/s when busy at `utilization` of
/// their rated power (default: the training draw ratio, flagged as defaulted), idle otherwise.
pub fn serving_replica(
    data: &Dataset,
    hardware: &Hardware,
    count: u32,
    utilization: Option<f64>,
    throughput: f64,
) -> Result<ReplicaInputs, InferenceError> {
    positive("the throughput", throughput)?;
    if count == 0 {
        return Err(InferenceError::OutOfRange {
            name: "the device count",
            range: "at least 1",
            value: 0.0,
        });
    }
    let busy = scenario::accelerator_component(data, hardware, count, utilization)?;
    let mean = busy.mean_power();
    let idle = device_idle_power(data, hardware)?;
    let devices = f64::from(count);
    Ok(ReplicaInputs {
        replica: ServingReplica {
            busy_power: Ranged {
                value: mean,
                low: mean.scale(busy.low_factor),
                high: mean.scale(busy.high_factor),
            },
            idle_power: idle.range.map(|w| w.scale(devices)),
            throughput,
        },
        provenance: vec![
            busy.provenance,
            busy.utilization_provenance,
            idle.provenance,
        ],
    })
}

/// Where the energy of a request comes from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RequestEnergy {
    /// Measured IT energy per request (Wh given → kWh here), PUE not included.
    Measured { it_energy: Ranged<KilowattHours> },
    /// A replica's power and throughput; needs the request rate.
    Serving { replica: ServingReplica },
}

/// Energy and emissions of a stream of requests.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Totals {
    pub requests: f64,
    pub energy: Ranged<KilowattHours>,
    pub emissions: Ranged<KgCo2e>,
}

/// Per request, per 1,000 requests and, with a rate, per day.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct InferenceEstimate {
    /// IT energy of one request, PUE not included.
    pub it_energy_per_request: Ranged<KilowattHours>,
    pub per_request: Totals,
    pub per_thousand: Totals,
    pub per_day: Option<Totals>,
    /// Replicas needed for the rate (power and throughput only).
    pub replicas: Option<u64>,
    /// Share of the time each replica is busy (power and throughput only).
    pub busy_share: Option<f64>,
}

fn totals(
    requests: f64,
    it_energy_per_request: Ranged<KilowattHours>,
    pue: Ranged<f64>,
    intensity: Ranged<GramsPerKwh>,
) -> Totals {
    let energy = combine(it_energy_per_request, pue, |e, p| e.scale(p * requests));
    Totals {
        requests,
        energy,
        emissions: combine(energy, intensity, |e, i| e * i),
    }
}

/// Energy and emissions of requests served at `requests_per_second` (needed for a serving
/// replica; optional for a measured figure, where it only adds the daily totals).
pub fn inference_estimate(
    energy: &RequestEnergy,
    requests_per_second: Option<f64>,
    pue: Ranged<f64>,
    intensity: Ranged<GramsPerKwh>,
) -> Result<InferenceEstimate, InferenceError> {
    let rate = requests_per_second
        .map(|r| positive("the request rate", r))
        .transpose()?;
    let (it_energy_per_request, replicas, busy_share) = match energy {
        RequestEnergy::Measured { it_energy } => {
            if !(it_energy.low.0 >= 0.0
                && it_energy.value.0.is_finite()
                && it_energy.high.0.is_finite())
            {
                return Err(InferenceError::OutOfRange {
                    name: "the energy per request",
                    range: "a non-negative number",
                    value: it_energy.value.0,
                });
            }
            (*it_energy, None, None)
        }
        RequestEnergy::Serving { replica } => {
            let rate = rate.ok_or(InferenceError::RateNeeded)?;
            let capacity = positive("the throughput", replica.throughput)?;
            for w in [replica.busy_power.low, replica.idle_power.low] {
                if !(w.0.is_finite() && w.0 >= 0.0) {
                    return Err(InferenceError::OutOfRange {
                        name: "a replica's power",
                        range: "a non-negative number of watts",
                        value: w.0,
                    });
                }
            }
            // A ratio a rounding error above a whole number needs that number of replicas.
            let replicas = (rate / capacity * (1.0 - 1e-12)).ceil().max(1.0);
            let busy = rate / (replicas * capacity);
            let power = combine(replica.busy_power, replica.idle_power, |b, i| {
                Watts(replicas * (busy * b.0 + (1.0 - busy) * i.0))
            });
            // One hour of power over the requests of that hour.
            let per_request = power.map(|p| (p * Hours(1.0)).scale(1.0 / (rate * 3_600.0)));
            (per_request, Some(replicas as u64), Some(busy))
        }
    };
    Ok(InferenceEstimate {
        it_energy_per_request,
        per_request: totals(1.0, it_energy_per_request, pue, intensity),
        per_thousand: totals(1_000.0, it_energy_per_request, pue, intensity),
        per_day: rate.map(|r| totals(r * SECONDS_PER_DAY, it_energy_per_request, pue, intensity)),
        replicas,
        busy_share,
    })
}

/// Training emissions spread over the requests a model serves.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Amortized {
    pub requests: f64,
    /// Training emissions per request: `training / requests`.
    pub training_per_request: Ranged<KgCo2e>,
    /// Inference plus the training share, per request.
    pub total_per_request: Ranged<KgCo2e>,
    /// Inference emissions of all the requests.
    pub inference_total: Ranged<KgCo2e>,
    /// Training's share of the lifetime emissions, percent (central values).
    pub training_share_percent: f64,
}

/// Spreads `training` over `requests` served at `per_request` each.
pub fn amortize(
    training: Ranged<KgCo2e>,
    per_request: Ranged<KgCo2e>,
    requests: f64,
) -> Result<Amortized, InferenceError> {
    let requests = positive("the number of requests served", requests)?;
    let training_per_request = training.map(|t| t.scale(1.0 / requests));
    let inference_total = per_request.map(|e| e.scale(requests));
    let lifetime = training.value.0 + inference_total.value.0;
    Ok(Amortized {
        requests,
        training_per_request,
        total_per_request: training_per_request + per_request,
        inference_total,
        training_share_percent: if lifetime > 0.0 {
            training.value.0 / lifetime * 100.0
        } else {
            0.0
        },
    })
}

/// When inference has emitted as much as training did.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BreakEven {
    /// `training / per_request`; low pairs the low training figure with the high per-request one.
    pub requests: Ranged<f64>,
    /// `requests / requests_per_day`, with a rate.
    pub days: Option<Ranged<f64>>,
}

/// The number of requests (and days, at a daily rate) after which cumulative inference
/// emissions equal the training emissions.
pub fn break_even(
    training: Ranged<KgCo2e>,
    per_request: Ranged<KgCo2e>,
    requests_per_day: Option<f64>,
) -> Result<BreakEven, InferenceError> {
    for (name, v) in [
        ("the training emissions", training.low.0),
        ("the emissions per request", per_request.low.0),
    ] {
        positive(name, v)?;
    }
    let requests = Ranged {
        value: training.value.0 / per_request.value.0,
        low: training.low.0 / per_request.high.0,
        high: training.high.0 / per_request.low.0,
    };
    let days = requests_per_day
        .map(|r| positive("the requests per day", r))
        .transpose()?
        .map(|r| requests.map(|n| n / r));
    Ok(BreakEven { requests, days })
}
