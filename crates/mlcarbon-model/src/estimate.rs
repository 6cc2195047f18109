//! The core model: energy = Σ(power × count × utilization) × hours × PUE;
//! emissions = energy × grid intensity. Every figure carries a range.

pub use mlcarbon_data::Basis;
use serde::Serialize;

use crate::units::{GramsPerKwh, Hours, KgCo2e, KilowattHours, Ranged, Watts, combine};

/// How a figure was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Read from a hardware counter or a meter.
    Measured,
    /// Derived from a data row (rated power × utilization, a zone's yearly average, ...).
    Estimated,
    /// A fallback used because nothing more specific was given or known.
    Defaulted,
    /// Given by the user on the command line.
    Given,
}

impl Origin {
    pub fn label(self) -> &'static str {
        match self {
            Origin::Measured => "measured",
            Origin::Estimated => "estimated",
            Origin::Defaulted => "defaulted",
            Origin::Given => "given",
        }
    }
}

/// Where one input figure came from: the data row, its source and year, and how it was obtained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Provenance {
    /// What the figure is (`device power`, `grid intensity`, `PUE`, ...).
    pub quantity: String,
    /// The figure as shown to people, with its unit.
    pub value: String,
    pub origin: Origin,
    /// Dataset table and row key, e.g. `hardware.csv` / `nvidia-a100-sxm4-80gb`.
    pub table: Option<String>,
    pub row: Option<String>,
    /// Source id, title, licence and year of the figure.
    pub source: Option<String>,
    pub source_title: Option<String>,
    pub license: Option<String>,
    pub year: Option<u16>,
    pub note: String,
}

impl Provenance {
    pub fn given(quantity: &str, value: String) -> Self {
        Provenance {
            quantity: quantity.to_string(),
            value,
            origin: Origin::Given,
            table: None,
            row: None,
            source: None,
            source_title: None,
            license: None,
            year: None,
            note: "given on the command line".to_string(),
        }
    }
}

/// A factor with its range and provenance (PUE, grid intensity).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor<T> {
    pub range: Ranged<T>,
    pub provenance: Provenance,
}

/// One kind of powered part of the job (the accelerators, the host CPUs, the RAM).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Component {
    /// `gpu`, `cpu` or `ram`.
    pub kind: String,
    /// What it is, e.g. `A100 SXM4 80GB`.
    pub label: String,
    /// Power of one unit at full load.
    pub unit_power: Watts,
    /// Number of units (devices, sockets, or GB of RAM).
    pub count: f64,
    /// Fraction of `unit_power` drawn on average.
    pub utilization: f64,
    /// Range of the true mean draw relative to `unit_power × utilization`.
    pub low_factor: f64,
    pub high_factor: f64,
    /// Where `unit_power` comes from.
    pub provenance: Provenance,
    /// Where `utilization` (or the amount, for RAM) comes from.
    pub utilization_provenance: Provenance,
}

impl Component {
    pub fn mean_power(&self) -> Watts {
        self.unit_power.scale(self.count * self.utilization)
    }
}

/// The IT load of a job: modelled from components, or an energy figure given outright.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Load {
    Components {
        components: Vec<Component>,
    },
    Energy {
        it_energy: KilowattHours,
        provenance: Provenance,
    },
}

/// What ran, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Job {
    pub load: Load,
    /// Wall time; for an `Energy` load, it only labels the result.
    pub hours: Hours,
}

/// Where it ran: grid intensity and PUE with their ranges, and the provider's offset claim.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Location {
    pub label: String,
    /// What the grid intensity counts (life-cycle by default); comparisons stay on it.
    pub basis: Basis,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
    pub intensity: Factor<GramsPerKwh>,
    pub pue: Factor<f64>,
    /// Share of emissions the provider says it offsets or matches, percent.
    pub offset_percent: Option<f64>,
    pub offset_provenance: Option<Provenance>,
}

/// Energy of one component before PUE.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ComponentEnergy {
    pub mean_power: Watts,
    pub it_energy: Ranged<KilowattHours>,
}

/// The result of the model for one job at one location.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    pub hours: Hours,
    /// Per component, in the order of the job's components (empty for an `Energy` load).
    pub components: Vec<ComponentEnergy>,
    pub it_energy: Ranged<KilowattHours>,
    /// Facility energy: IT energy × PUE.
    pub energy: Ranged<KilowattHours>,
    pub pue: Ranged<f64>,
    pub intensity: Ranged<GramsPerKwh>,
    pub emissions: Ranged<KgCo2e>,
    /// Reported beside `emissions`, never subtracted from it.
    pub offset: Option<KgCo2e>,
    /// The basis of `intensity`: alternatives to this estimate are computed on it.
    pub basis: Basis,
}

/// The numbers of a location without their provenance: what comparisons over hundreds of
/// places need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Figures {
    pub intensity: Ranged<GramsPerKwh>,
    pub pue: Ranged<f64>,
    pub offset_percent: Option<f64>,
    pub basis: Basis,
}

fn component_energy(component: &Component, hours: Hours) -> ComponentEnergy {
    let mean_power = component.mean_power();
    let value = mean_power * hours;
    ComponentEnergy {
        mean_power,
        it_energy: Ranged {
            value,
            low: value.scale(component.low_factor),
            high: value.scale(component.high_factor),
        },
    }
}

/// Runs the model. Pure arithmetic: ranges multiply end by end, since every factor is positive.
pub fn estimate(job: &Job, location: &Location) -> Estimate {
    estimate_with(
        job,
        &Figures {
            intensity: location.intensity.range,
            pue: location.pue.range,
            offset_percent: location.offset_percent,
            basis: location.basis,
        },
    )
}

/// The model on bare figures (what comparisons over many places use).
pub fn estimate_with(job: &Job, figures: &Figures) -> Estimate {
    let Figures {
        intensity,
        pue,
        offset_percent,
        basis,
    } = *figures;
    let (components, it_energy) = match &job.load {
        Load::Components { components } => {
            let energies: Vec<ComponentEnergy> = components
                .iter()
                .map(|c| component_energy(c, job.hours))
                .collect();
            let total = energies
                .iter()
                .fold(Ranged::exact(KilowattHours(0.0)), |sum, e| {
                    sum + e.it_energy
                });
            (energies, total)
        }
        Load::Energy { it_energy, .. } => (Vec::new(), Ranged::exact(*it_energy)),
    };
    let energy = combine(it_energy, pue, |e, p| e.scale(p));
    let emissions = combine(energy, intensity, |e, i| e * i);
    let offset = offset_percent.map(|percent| emissions.value.scale(percent / 100.0));
    Estimate {
        hours: job.hours,
        components,
        it_energy,
        energy,
        pue,
        intensity,
        emissions,
        offset,
        basis,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn gpu(watts: f64, count: f64) -> Component {
        Component {
            kind: "gpu".into(),
            label: "test".into(),
            unit_power: Watts(watts),
            count,
            utilization: 1.0,
            low_factor: 0.5,
            high_factor: 1.0,
            provenance: Provenance::given("device power", format!("{watts} W")),
            utilization_provenance: Provenance::given("utilization", "100 %".into()),
        }
    }

    pub(crate) fn place(intensity: f64, pue: f64) -> Location {
        Location {
            label: "test".into(),
            basis: Basis::Lifecycle,
            provider: None,
            region: None,
            zone: None,
            intensity: Factor {
                range: Ranged {
                    value: GramsPerKwh(intensity),
                    low: GramsPerKwh(intensity * 0.9),
                    high: GramsPerKwh(intensity * 1.1),
                },
                provenance: Provenance::given("grid intensity", String::new()),
            },
            pue: Factor {
                range: Ranged::exact(pue),
                provenance: Provenance::given("PUE", String::new()),
            },
            offset_percent: Some(100.0),
            offset_provenance: None,
        }
    }

    #[test]
    fn paper_example_iowa() {
        // 300 W for 100 h at 736.6 g/kWh = 30 kWh × 0.7366 kg/kWh = 22.098 kg.
        let job = Job {
            load: Load::Components {
                components: vec![gpu(300.0, 1.0)],
            },
            hours: Hours(100.0),
        };
        let result = estimate(&job, &place(736.6, 1.0));
        assert!((result.energy.value.0 - 30.0).abs() < 1e-12);
        assert!((result.emissions.value.0 - 22.098).abs() < 1e-9);
        assert_eq!(result.offset, Some(result.emissions.value));
        assert!((result.emissions.low.0 - 15.0 * 0.7366 * 0.9).abs() < 1e-9);
    }

    #[test]
    fn pue_and_count_multiply() {
        let job = Job {
            load: Load::Components {
                components: vec![gpu(400.0, 8.0)],
            },
            hours: Hours(10.0),
        };
        let result = estimate(&job, &place(100.0, 1.1));
        assert!((result.energy.value.0 - 35.2).abs() < 1e-9);
        assert!((result.emissions.value.0 - 3.52).abs() < 1e-9);
    }

    #[test]
    fn energy_load_skips_components() {
        let job = Job {
            load: Load::Energy {
                it_energy: KilowattHours(12.0),
                provenance: Provenance::given("IT energy", "12 kWh".into()),
            },
            hours: Hours(0.0),
        };
        let result = estimate(&job, &place(50.0, 1.5));
        assert!(result.components.is_empty());
        assert!((result.energy.value.0 - 18.0).abs() < 1e-12);
        assert!((result.emissions.value.0 - 0.9).abs() < 1e-12);
    }
}
