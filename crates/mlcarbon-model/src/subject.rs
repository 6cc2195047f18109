//! The job a capability is about: an estimate request (hardware × count × hours at a location)
//! or a measured run. A measured run arrives as plain data ([`MeasuredRun`]): the front ends
//! convert their stored record to it, so the model knows nothing of storage.

use crate::run::IntensityOrigin;
use mlcarbon_data::{Dataset, Hardware};

use crate::embodied::HostSpec;
use crate::estimate::{Basis, Factor, Job, Load, Location, Origin, Provenance};
use crate::predict::{PartialRun, Prediction, Progress, predict};
use crate::report::{EmbodiedInput, EmbodiedReport, embodied_report};
use crate::request::{self, EstimateRequest, RequestError, ResolvedJob, ResolvedLocation};
use crate::statement::human_number;
use crate::units::{GramsPerKwh, Hours, KilowattHours, Ranged};

/// A tracked run's measured figures and where it ran, as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeasuredRun {
    pub id: i64,
    pub uuid: String,
    /// The mlcarbon that measured it.
    pub mlcarbon_version: String,
    /// Wall-clock duration, hours.
    pub hours: f64,
    /// IT energy of the GPUs, kWh (before PUE).
    pub gpu_energy_kwh: f64,
    /// IT energy of every component, kWh (before PUE).
    pub it_energy_kwh: f64,
    /// Facility energy (IT × PUE), kWh.
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    pub location_label: String,
    pub provider: Option<String>,
    pub region: Option<String>,
    pub zone: Option<String>,
    /// The intensity stored with the run, g/kWh.
    pub intensity_g_per_kwh: f64,
    /// `given`, `defaulted`, `profile` (each sample at its hour's intensity) or estimated.
    pub intensity_origin: IntensityOrigin,
    pub intensity_source: Option<String>,
    pub pue: f64,
    pub gpu_model: Option<String>,
    pub gpu_count: u32,
    pub cpu_model: Option<String>,
    pub ram_total_gb: f64,
    /// The last progress reported (0–1), if any.
    pub progress: Option<f64>,
}

impl MeasuredRun {
    /// The intensity the run's emissions imply: the stored one, or for a run with an intensity
    /// profile (each sample at its hour's intensity) emissions / energy.
    pub fn effective_intensity(&self) -> f64 {
        if self.intensity_origin == IntensityOrigin::Profile && self.energy_kwh > 0.0 {
            self.emissions_kg / self.energy_kwh * 1000.0
        } else {
            self.intensity_g_per_kwh
        }
    }

    /// The run as model inputs: its IT energy, and its location's figures as stored.
    pub fn job_and_location(&self) -> (Job, Location) {
        let it = self.it_energy_kwh;
        let job = Job {
            load: Load::Energy {
                it_energy: KilowattHours(it),
                provenance: Provenance {
                    quantity: "IT energy".to_string(),
                    value: format!("{} kWh", human_number(it)),
                    origin: Origin::Measured,
                    table: Some("runs".to_string()),
                    row: Some(self.id.to_string()),
                    source: None,
                    source_title: None,
                    license: None,
                    year: None,
                    note: format!(
                        "run {} ({}), measured by mlcarbon {}",
                        self.id, self.uuid, self.mlcarbon_version
                    ),
                },
            },
            hours: Hours(self.hours),
        };
        let origin = self.intensity_origin.provenance_origin();
        let intensity = self.effective_intensity();
        let location = Location {
            label: self.location_label.clone(),
            // Tracked runs record their intensity figure; the trackers use life-cycle figures.
            basis: Basis::Lifecycle,
            provider: self.provider.clone(),
            region: self.region.clone(),
            zone: self.zone.clone(),
            intensity: Factor {
                range: Ranged::exact(GramsPerKwh(intensity)),
                provenance: Provenance {
                    quantity: "grid intensity".to_string(),
                    value: if self.intensity_origin == IntensityOrigin::Profile {
                        format!(
                            "{} g/kWh (mean over the run's samples, each at its hour's intensity)",
                            human_number(intensity)
                        )
                    } else {
                        format!("{} g/kWh", self.intensity_g_per_kwh)
                    },
                    origin,
                    table: None,
                    row: self.zone.clone(),
                    source: self.intensity_source.clone(),
                    source_title: None,
                    license: None,
                    year: None,
                    note: "as stored with the run".to_string(),
                },
            },
            pue: Factor {
                range: Ranged::exact(self.pue),
                provenance: Provenance::given("PUE", format!("{}", self.pue)),
            },
            offset_percent: None,
            offset_provenance: None,
        };
        (job, location)
    }

    /// The run's GPUs as the hardware table knows them (none when it does not).
    pub fn hardware<'d>(&self, data: &'d Dataset) -> Option<&'d Hardware> {
        self.gpu_model
            .as_deref()
            .filter(|_| self.gpu_count > 0)
            .and_then(|g| data.find_hardware(g).ok())
    }

    /// "2 × NVIDIA A100-SXM4-80GB", else the CPU, else "this machine".
    pub fn machine(&self) -> String {
        match (&self.gpu_model, self.gpu_count) {
            (Some(gpu), n) if n > 0 => format!("{n} × {gpu}"),
            _ => self
                .cpu_model
                .clone()
                .unwrap_or_else(|| "this machine".to_string()),
        }
    }

    /// The prediction at completion from the run's last progress report: its IT energy and
    /// time so far, linear in progress (one report, so no range beyond the location's).
    pub fn prediction(&self) -> Option<Prediction> {
        let progress = self.progress?;
        let (job, location) = self.job_and_location();
        predict(
            &PartialRun {
                progress: Progress::Fraction(progress),
                elapsed: job.hours,
                it_energy: KilowattHours(self.it_energy_kwh),
                checkpoints: Vec::new(),
            },
            location.pue.range,
            location.intensity.range,
        )
        .ok()
    }

    /// Embodied emissions of the run: its GPUs (where the hardware table knows them) and its
    /// host (one commodity server with the machine's memory), for the run's hours.
    pub fn embodied(&self, data: &Dataset) -> Result<EmbodiedReport, RequestError> {
        let hardware = self.hardware(data);
        let mut report = embodied_report(
            data,
            &EmbodiedInput {
                devices: hardware.map(|h| (h, self.gpu_count)),
                host: Some(HostSpec {
                    cpus: 1,
                    dram_gb: self.ram_total_gb,
                    ssds: 0,
                    hdds: 0,
                }),
                run_hours: self.hours,
                lifetime_years: None,
            },
        )
        .map_err(|e| RequestError::new("data", e.to_string()))?;
        if hardware.is_none() {
            report.notes.retain(|n| !n.starts_with("no hardware given"));
            if let (Some(gpu), n) = (&self.gpu_model, self.gpu_count)
                && n > 0
            {
                report.notes.insert(
                    0,
                    format!(
                        "GPU `{gpu}` is not in the hardware table: its manufacturing is not counted"
                    ),
                );
            }
        }
        report.notes.insert(
            0,
            "host: one commodity server with this machine's memory and one CPU socket (sockets are not recorded)"
                .to_string(),
        );
        Ok(report)
    }
}

/// The job a capability is about: the estimate request, else a measured run.
#[derive(Debug, Clone, PartialEq)]
pub enum JobSource {
    Request(EstimateRequest),
    Run(MeasuredRun),
}

impl Default for JobSource {
    fn default() -> Self {
        JobSource::Request(EstimateRequest::default())
    }
}

/// A job from an estimate request or a measured run, resolved.
pub struct Subject<'d> {
    /// "8 × A100 SXM4 80GB", "run 12 (measured, 2 × NVIDIA A100-SXM4-80GB)".
    pub description: String,
    pub job: Job,
    pub hardware: Option<&'d Hardware>,
    pub count: u32,
    pub location: ResolvedLocation<'d>,
    /// The request behind an estimate (to rebuild the job on other hardware); none for a run.
    pub request: Option<EstimateRequest>,
    /// The measured run, for one.
    pub run: Option<MeasuredRun>,
}

/// Resolves the job of a request or a measured run against the data.
pub fn subject<'d>(data: &'d Dataset, source: &JobSource) -> Result<Subject<'d>, RequestError> {
    let run = match source {
        JobSource::Request(request) => {
            let resolved = request::resolve(data, request)?;
            let ResolvedJob {
                job,
                hardware,
                count,
                description,
                ..
            } = resolved.job;
            return Ok(Subject {
                description,
                job,
                hardware,
                count,
                location: resolved.location,
                request: Some(request.clone()),
                run: None,
            });
        }
        JobSource::Run(run) => run,
    };
    let (job, location) = run.job_and_location();
    let provider = run.provider.as_deref().and_then(|p| data.provider(p));
    let region = match (provider, run.region.as_deref()) {
        (Some(p), Some(r)) => data.find_region(Some(p), r).ok(),
        _ => None,
    };
    Ok(Subject {
        description: format!("run {} (measured, {})", run.id, run.machine()),
        job,
        hardware: run.hardware(data),
        count: run.gpu_count,
        location: ResolvedLocation {
            location,
            provider,
            region,
        },
        request: None,
        run: Some(run.clone()),
    })
}
