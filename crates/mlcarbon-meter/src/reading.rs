//! What sensors report: their components, and one reading per component per sample.

use crate::SensorError;
use serde::Serialize;
use std::collections::HashSet;
use std::time::Instant;

pub use mlcarbon_model::run::{ComponentKind, Method};

/// One measured part of the machine.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ComponentInfo {
    /// Stable id: `cpu:package-0`, `ram:dram-0`, `cpu`, `gpu:0`, `gpu:amd0`, `ram`.
    pub key: String,
    pub kind: ComponentKind,
    /// For people: `NVIDIA H100 80GB HBM3`, `CPU package 0 (RAPL)`.
    pub label: String,
    pub method: Method,
}

/// One reading of one component. `component` is the position of the component in the
/// sensor's [`Sensor::components`], so sampling allocates nothing; its key lives there.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    pub component: usize,
    pub value: ReadingValue,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReadingValue {
    /// A raw cumulative counter. It restarts from 0 after `wrap_at_microjoules` when that is
    /// known; when it is not, a decrease means the counter was reset (see [`crate::counter`]).
    Counter {
        microjoules: u64,
        wrap_at_microjoules: Option<u64>,
    },
    /// Power at the moment of the reading.
    Power { watts: f64 },
    /// Power on every read, and the component's energy counter (never wrapping) on the reads
    /// where the sensor read it: for sensors whose counter costs far more to read than power
    /// (NVML on GPUs whose driver runs in the GPU's firmware). The counter sets the energy;
    /// power fills the samples between counter reads.
    Anchored {
        watts: f64,
        counter_microjoules: Option<u64>,
    },
}

/// A source of readings. The [`crate::Sampler`] calls `read` once per sample and turns the
/// readings into energy; sensors never integrate power themselves.
pub trait Sensor: Send {
    /// Short name for messages: `RAPL`, `NVML`, `amdgpu`, `CPU model`, `RAM model`, `replay`.
    fn name(&self) -> &str;

    fn components(&self) -> &[ComponentInfo];

    /// Appends one reading per component that could be read to `out`. `now` is the sampler's
    /// clock for this sample: real sensors ignore it; models and replays use it. An error stops
    /// the whole sensor for the rest of the run (the sampler reports it once).
    fn read(&mut self, now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError>;

    /// The next read is the last of a run: a sensor that reads its exact source only now and
    /// then (an energy counter every 30 s) should read it then, so that the run ends on it.
    fn before_last_read(&mut self) {}

    /// Busy fraction (0–1) of `component` over the last interval, where the sensor knows it.
    fn utilization(&self, _component: usize) -> Option<f64> {
        None
    }

    /// Share (0–1) of `component` used by the processes `pids` over the last interval.
    /// `Ok(None)` when nothing used it in that interval (no basis for a share).
    fn process_share(
        &mut self,
        _component: usize,
        _pids: &HashSet<u32>,
    ) -> Result<Option<f64>, SensorError> {
        Err(SensorError::Unsupported {
            sensor: self.name().to_string(),
            what: "per-process attribution",
        })
    }
}
