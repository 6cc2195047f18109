//! The one place where readings become energy.
//!
//! Per component and sample: a counter gives the wrap-aware difference since its last reading;
//! power is integrated by trapezoids, (p_prev + p_cur) / 2 × dt, exact for power that changes
//! linearly between readings. The first reading of a component only sets its baseline.
//! Anchored readings integrate power between counter reads, and at each counter read credit
//! what the counter says was used since the previous one, less what power already credited: at
//! every counter read the component's total equals the counter's (or, where power ran ahead,
//! stays there until the counter catches up; nothing is ever taken back).
//!
//! With a [`ProcessTree`] attached, each component's energy is also split by the job's share:
//! CPU by the tree's CPU ticks over the machine's busy ticks, RAM by the tree's resident memory
//! over the memory in use, GPUs by the sensor's per-process utilization. Where no share can be
//! told (an idle machine, a sensor that cannot attribute), the whole energy is attributed: a
//! job is never silently under-counted.

use crate::process::{ProcessTree, TreeSample};
use crate::{ComponentInfo, ComponentKind, Method, Reading, ReadingValue, Sensor, counter};
use serde::Serialize;
use std::time::Instant;

/// One component in one sample.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SampledComponent {
    pub key: String,
    pub kind: ComponentKind,
    pub method: Method,
    /// False once its sensor failed: it contributes nothing from then on.
    pub active: bool,
    /// Mean power since the component's previous reading (0 on the first sample). For anchored
    /// readings, the mean of the power readings: the counter's corrections go to energy only.
    pub power_w: f64,
    /// Energy since the component's previous reading.
    pub energy_j: f64,
    /// Energy since the first sample.
    pub cumulative_j: f64,
    /// Busy fraction (0–1), where the sensor reports it.
    pub utilization: Option<f64>,
    /// The job's share (0–1) with process attribution; `None`: the whole component.
    pub share: Option<f64>,
    /// energy_j × share.
    pub attributed_j: f64,
    pub cumulative_attributed_j: f64,
}

/// Sums over the components.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Totals {
    pub power_w: f64,
    pub energy_j: f64,
    pub cumulative_j: f64,
    pub attributed_j: f64,
    pub cumulative_attributed_j: f64,
}

/// What one call of [`Sampler::sample`] found.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SampleOut {
    /// Seconds since the previous sample (0 for the first).
    pub interval_s: f64,
    /// Seconds since the first sample.
    pub elapsed_s: f64,
    pub components: Vec<SampledComponent>,
    pub total: Totals,
    /// The job's process tree, with process attribution.
    pub process: Option<TreeSample>,
    /// Problems that arose in this sample, each reported once (a sensor that failed, an
    /// attribution that cannot be done).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Last {
    Nothing,
    Counter(u64),
    Power(f64),
    Anchored {
        watts: Option<f64>,
        counter: Option<u64>,
        /// Energy power credited since the last counter read.
        credited_since_counter_j: f64,
        /// Energy power credited beyond what the counter showed at its last read.
        ahead_of_counter_j: f64,
    },
}

struct Slot {
    sensor: usize,
    component: usize,
    last: Last,
    last_time: Option<Instant>,
    /// Set once the sensor said it cannot attribute this component to processes.
    no_share: bool,
}

struct Entry {
    sensor: Box<dyn Sensor>,
    first_slot: usize,
    active: bool,
}

/// Turns the readings of its sensors into energy, one sample at a time.
pub struct Sampler {
    entries: Vec<Entry>,
    slots: Vec<Slot>,
    components: Vec<ComponentInfo>,
    tree: Option<ProcessTree>,
    readings: Vec<Reading>,
    out: SampleOut,
    first: Option<Instant>,
    last: Option<Instant>,
}

impl std::fmt::Debug for Sampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sampler")
            .field("components", &self.components)
            .field("tree", &self.tree)
            .finish_non_exhaustive()
    }
}

impl Sampler {
    pub fn new(sensors: Vec<Box<dyn Sensor>>) -> Self {
        let mut entries = Vec::with_capacity(sensors.len());
        let mut slots = Vec::new();
        let mut components = Vec::new();
        for (index, sensor) in sensors.into_iter().enumerate() {
            let first_slot = slots.len();
            for (component, info) in sensor.components().iter().enumerate() {
                slots.push(Slot {
                    sensor: index,
                    component,
                    last: Last::Nothing,
                    last_time: None,
                    no_share: false,
                });
                components.push(info.clone());
            }
            entries.push(Entry {
                sensor,
                first_slot,
                active: true,
            });
        }
        let out = SampleOut {
            components: components
                .iter()
                .map(|info| SampledComponent {
                    key: info.key.clone(),
                    kind: info.kind,
                    method: info.method,
                    active: true,
                    power_w: 0.0,
                    energy_j: 0.0,
                    cumulative_j: 0.0,
                    utilization: None,
                    share: None,
                    attributed_j: 0.0,
                    cumulative_attributed_j: 0.0,
                })
                .collect(),
            ..SampleOut::default()
        };
        Sampler {
            entries,
            slots,
            components,
            tree: None,
            readings: Vec::with_capacity(16),
            out,
            first: None,
            last: None,
        }
    }

    /// Splits every component's energy by the share of `tree` from the next sample on.
    pub fn attach_process_tree(&mut self, tree: ProcessTree) {
        self.tree = Some(tree);
    }

    pub fn with_process_tree(mut self, tree: ProcessTree) -> Self {
        self.attach_process_tree(tree);
        self
    }

    /// Every component of every sensor, in the order of [`SampleOut::components`].
    pub fn components(&self) -> &[ComponentInfo] {
        &self.components
    }

    /// The result of the last [`Sampler::sample`].
    pub fn last_sample(&self) -> &SampleOut {
        &self.out
    }

    /// The last sample of a run: sensors read their exact sources ([`Sensor::before_last_read`]).
    pub fn sample_last(&mut self, now: Instant) -> &SampleOut {
        for entry in &mut self.entries {
            entry.sensor.before_last_read();
        }
        self.sample(now)
    }

    /// Reads every sensor at `now` and returns the energy since the previous sample. Call it
    /// once right after setup (the baselines: zero energy), then once per interval.
    pub fn sample(&mut self, now: Instant) -> &SampleOut {
        let out = &mut self.out;
        out.warnings.clear();
        let first = *self.first.get_or_insert(now);
        out.interval_s = self.last.map_or(0.0, |last| {
            now.saturating_duration_since(last).as_secs_f64()
        });
        out.elapsed_s = now.saturating_duration_since(first).as_secs_f64();
        for c in &mut out.components {
            c.power_w = 0.0;
            c.energy_j = 0.0;
            c.utilization = None;
            c.share = None;
            c.attributed_j = 0.0;
        }

        for entry in &mut self.entries {
            if !entry.active {
                continue;
            }
            let count = entry.sensor.components().len();
            let slots = entry.first_slot..entry.first_slot + count;
            self.readings.clear();
            if let Err(e) = entry.sensor.read(now, &mut self.readings) {
                entry.active = false;
                let keys: Vec<&str> = self.components[slots.clone()]
                    .iter()
                    .map(|c| c.key.as_str())
                    .collect();
                out.warnings.push(format!(
                    "{} stopped: {e}; {} count no energy from here on",
                    entry.sensor.name(),
                    keys.join(", ")
                ));
                for c in &mut out.components[slots] {
                    c.active = false;
                }
                continue;
            }
            for reading in &self.readings {
                // A reading for a component the sensor does not have is the sensor's bug;
                // dropping it beats crediting the wrong component.
                if reading.component >= count {
                    continue;
                }
                let index = entry.first_slot + reading.component;
                let (energy_j, power_w) = integrate(&mut self.slots[index], reading.value, now);
                let c = &mut out.components[index];
                c.energy_j = energy_j;
                c.power_w = power_w;
            }
            for (component, c) in out.components[slots].iter_mut().enumerate() {
                c.utilization = entry.sensor.utilization(component);
            }
        }

        if let Some(tree) = &mut self.tree {
            match tree.refresh(now) {
                Ok(process) => {
                    out.process = Some(process);
                    for (slot, c) in self.slots.iter_mut().zip(out.components.iter_mut()) {
                        c.share = match c.kind {
                            ComponentKind::Cpu => process.cpu_share,
                            ComponentKind::Ram => process.ram_share,
                            ComponentKind::Gpu if slot.no_share || !c.active => None,
                            ComponentKind::Gpu => {
                                let sensor = &mut self.entries[slot.sensor].sensor;
                                match sensor.process_share(slot.component, tree.pids()) {
                                    Ok(share) => share.map(|s| s.clamp(0.0, 1.0)),
                                    Err(e) => {
                                        slot.no_share = true;
                                        out.warnings.push(format!(
                                            "{}: {e}; its whole energy is attributed to the job",
                                            c.key
                                        ));
                                        None
                                    }
                                }
                            }
                        };
                    }
                }
                Err(e) => {
                    out.warnings.push(format!(
                        "process attribution stopped: {e}; whole components are counted from \
                         here on"
                    ));
                    out.process = None;
                    self.tree = None;
                }
            }
        }

        let mut total = Totals::default();
        for c in &mut out.components {
            c.attributed_j = c.energy_j * c.share.unwrap_or(1.0);
            c.cumulative_j += c.energy_j;
            c.cumulative_attributed_j += c.attributed_j;
            total.power_w += c.power_w;
            total.energy_j += c.energy_j;
            total.cumulative_j += c.cumulative_j;
            total.attributed_j += c.attributed_j;
            total.cumulative_attributed_j += c.cumulative_attributed_j;
        }
        out.total = total;
        self.last = Some(now);
        &self.out
    }
}

/// Energy (J) and mean power (W) since the slot's previous reading; updates the slot.
fn integrate(slot: &mut Slot, value: ReadingValue, now: Instant) -> (f64, f64) {
    let seconds = slot.last_time.map_or(0.0, |last| {
        now.saturating_duration_since(last).as_secs_f64()
    });
    // (energy, the energy that sets the reported power, next state)
    let (energy_j, power_basis_j, next) = match value {
        ReadingValue::Counter {
            microjoules,
            wrap_at_microjoules,
        } => {
            let energy = match slot.last {
                Last::Counter(prev) => {
                    counter::delta_microjoules(prev, microjoules, wrap_at_microjoules) as f64 / 1e6
                }
                _ => 0.0,
            };
            (energy, energy, Last::Counter(microjoules))
        }
        ReadingValue::Power { watts } => {
            // A negative or non-finite power is a broken reading: skip it, keep the baseline.
            if !(watts.is_finite() && watts >= 0.0) {
                return (0.0, 0.0);
            }
            let energy = match slot.last {
                Last::Power(prev) => (prev + watts) / 2.0 * seconds,
                _ => 0.0,
            };
            (energy, energy, Last::Power(watts))
        }
        // Power as the sensor read it: a counter's correction is energy that power missed
        // earlier (NVML's power is a lagging 1 s average), not a spike at this moment.
        ReadingValue::Anchored {
            watts,
            counter_microjoules,
        } => integrate_anchored(slot.last, watts, counter_microjoules, seconds),
    };
    slot.last = next;
    slot.last_time = Some(now);
    let power_w = if seconds > 0.0 {
        power_basis_j / seconds
    } else {
        0.0
    };
    (energy_j, power_w)
}

/// One anchored reading: the energy to credit, the energy by power alone, and the slot's next
/// state.
fn integrate_anchored(
    last: Last,
    watts: f64,
    counter_microjoules: Option<u64>,
    seconds: f64,
) -> (f64, f64, Last) {
    let (last_watts, last_counter, credited, ahead) = match last {
        Last::Anchored {
            watts,
            counter,
            credited_since_counter_j,
            ahead_of_counter_j,
        } => (watts, counter, credited_since_counter_j, ahead_of_counter_j),
        _ => (None, None, 0.0, 0.0),
    };
    // A negative or non-finite power is a broken reading: no power credit, keep the baseline.
    let watts = (watts.is_finite() && watts >= 0.0).then_some(watts);
    let by_power = match (last_watts, watts) {
        (Some(prev), Some(now)) => (prev + now) / 2.0 * seconds,
        _ => 0.0,
    };
    let watts = watts.or(last_watts);
    // (energy to credit, energy credited since the counter's last read, ahead of the counter)
    let (energy_j, credited_next, ahead_next) = match (counter_microjoules, last_counter) {
        (Some(now), Some(prev)) => {
            let by_counter = counter::delta_microjoules(prev, now, None) as f64 / 1e6;
            let owed = by_counter - credited - ahead;
            (owed.max(0.0), 0.0, (-owed).max(0.0))
        }
        // The first counter read is the baseline: what power credited before it stays.
        (Some(_), None) => (by_power, 0.0, 0.0),
        (None, Some(_)) => (by_power, credited + by_power, ahead),
        (None, None) => (by_power, 0.0, ahead),
    };
    let next = Last::Anchored {
        watts,
        counter: counter_microjoules.or(last_counter),
        credited_since_counter_j: credited_next,
        ahead_of_counter_j: ahead_next,
    };
    (energy_j, by_power, next)
}
