//! The checks every backend makes before writing, so that SQLite and PostgreSQL refuse the
//! same input with the same words.

use crate::{NewRun, Prediction, RunEnd, RunWindow, SampleRow, StoreError};

/// An RFC 3339 timestamp, strictly.
pub fn timestamp(field: &'static str, value: &str) -> Result<(), StoreError> {
    crate::store::check_timestamp(field, value)
}

/// A figure stored in a NOT NULL column: finite and non-negative.
pub fn finite_non_negative(field: &'static str, value: f64) -> Result<(), StoreError> {
    crate::store::finite_non_negative(field, value)
}

/// A run to start: its timestamp, its figures, and component keys each declared once.
pub fn new_run(run: &NewRun) -> Result<(), StoreError> {
    crate::store::validate_new_run(run)
}

/// A sample to add: its timestamp and every figure finite and non-negative.
pub fn sample(sample: &SampleRow) -> Result<(), StoreError> {
    crate::store::validate_sample(sample)
}

/// A run window: a name, timestamps, figures, an end not before its start.
pub fn window(window: &RunWindow) -> Result<(), StoreError> {
    crate::store::validate_window(window)
}

pub fn prediction(prediction: &Prediction) -> Result<(), StoreError> {
    crate::store::validate_prediction(prediction)
}

/// How a run ended: a final status, a timestamp, a duration.
pub fn run_end(end: &RunEnd) -> Result<(), StoreError> {
    crate::store::validate_run_end(end)
}

/// Mean power of `energy_j` over `seconds`; 0 before any time has passed.
pub fn mean_power(energy_j: f64, seconds: Option<f64>) -> f64 {
    crate::store::mean_power(energy_j, seconds)
}
