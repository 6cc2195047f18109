//! An estimate with a prediction from a partial run (`estimate --epochs/--progress`): how much
//! energy and emissions the run will have used at completion, from its IT energy and time so
//! far. [`EstimateWithPrediction`] is the JSON of `mlcarbon estimate --format json` (the
//! `prediction` field only with a progress).

use mlcarbon_data::Dataset;
use serde::Serialize;

use crate::predict::{PartialRun, Prediction, Progress, predict};
use crate::report::{EstimateOutput, estimate_output};
use crate::request::{self, EstimateRequest, RequestError};
use crate::units::{Hours, KilowattHours};

/// How far a partial run is: the flags `--epochs DONE/TOTAL`, `--progress F`,
/// `--elapsed-hours H` (the request's `hours` when absent).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PredictionQuery {
    pub epochs: Option<(f64, f64)>,
    pub progress: Option<f64>,
    pub elapsed_hours: Option<f64>,
}

impl PredictionQuery {
    /// Whether any prediction flag is given.
    pub fn any(&self) -> bool {
        self.epochs.is_some() || self.progress.is_some() || self.elapsed_hours.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictionReport {
    pub elapsed_hours: f64,
    pub it_energy_so_far_kwh: f64,
    #[serde(flatten)]
    pub prediction: Prediction,
}

/// The JSON of `estimate`: the model's report with the embodied emissions (what `/api/estimate`
/// answers) and, with a progress, the prediction (fields only ever added; docs/cli.md).
#[derive(Debug, Clone, Serialize)]
pub struct EstimateWithPrediction {
    #[serde(flatten)]
    pub output: EstimateOutput,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<PredictionReport>,
}

/// How far the run is, its elapsed hours and IT energy so far, with the checks a prediction needs.
fn progress_of(
    request: &EstimateRequest,
    query: &PredictionQuery,
) -> Result<Option<(Progress, f64, f64)>, RequestError> {
    if !query.any() {
        return Ok(None);
    }
    let progress = match (query.epochs, query.progress) {
        (Some((done, total)), _) => Progress::Epochs { done, total },
        (None, Some(f)) => Progress::Fraction(f),
        (None, None) => {
            return Err(RequestError::new(
                "progress",
                "--elapsed-hours goes with --epochs DONE/TOTAL or --progress F (how far the run is)",
            ));
        }
    };
    let Some(energy) = request.energy_kwh else {
        return Err(RequestError::new(
            "energy_kwh",
            "a prediction needs the IT energy used so far: --energy-kwh E (from a meter or `mlcarbon show`)",
        ));
    };
    let Some(elapsed) = query.elapsed_hours.or(request.hours) else {
        return Err(RequestError::new(
            "elapsed_hours",
            "a prediction needs the time so far: --elapsed-hours H",
        ));
    };
    Ok(Some((progress, elapsed, energy)))
}

/// The request with the run's elapsed hours as its hours when it gives none (a partial run).
pub fn with_elapsed_hours(
    request: &EstimateRequest,
    query: &PredictionQuery,
) -> Result<EstimateRequest, RequestError> {
    let mut request = request.clone();
    if let Some((_, elapsed, _)) = progress_of(&request, query)?
        && request.hours.is_none()
    {
        request.hours = Some(elapsed);
    }
    Ok(request)
}

/// The estimate of the request and, with a progress, the prediction at completion.
pub fn estimate_with_prediction(
    data: &Dataset,
    request: &EstimateRequest,
    query: &PredictionQuery,
) -> Result<EstimateWithPrediction, RequestError> {
    let progress = progress_of(request, query)?;
    let request = with_elapsed_hours(request, query)?;
    let resolved = request::resolve(data, &request)?;
    let output = estimate_output(data, &request, &resolved)?;
    let prediction = match progress {
        Some((progress, elapsed, energy)) => {
            let location = &resolved.location.location;
            let prediction = predict(
                &PartialRun {
                    progress,
                    elapsed: Hours(elapsed),
                    it_energy: KilowattHours(energy),
                    checkpoints: Vec::new(),
                },
                location.pue.range,
                location.intensity.range,
            )
            .map_err(|e| RequestError::new("progress", e.to_string()))?;
            Some(PredictionReport {
                elapsed_hours: elapsed,
                it_energy_so_far_kwh: energy,
                prediction,
            })
        }
        None => None,
    };
    Ok(EstimateWithPrediction { output, prediction })
}
