//! `estimate --requests …` as one call: the energy and emissions of serving requests (from a
//! measured energy per request, or from serving replicas' power and throughput), per request,
//! per 1,000, per day and in total, and the lifetime view with the training emissions.
//! [`InferenceReport`] is the JSON of `mlcarbon estimate --requests … --format json` and
//! `/api/inference` (documented in docs/cli.md).

use mlcarbon_data::Dataset;
use serde::Serialize;

use crate::estimate::Provenance;
use crate::inference::{
    Amortized, BreakEven, InferenceError, RequestEnergy, SECONDS_PER_DAY, Totals, amortize,
    break_even, inference_estimate, serving_replica,
};
use crate::params;
use crate::report::LocationReport;
use crate::request::{self, EstimateRequest, RequestError, resolve_hardware};
use crate::statement::human_number;
use crate::subject::MeasuredRun;
use crate::units::{KgCo2e, KilowattHours, Ranged};

/// The training emissions spread over the requests.
#[derive(Debug, Clone, PartialEq)]
pub enum Training {
    /// `--training-kg`.
    Given(f64),
    /// `--training-run`: a measured run's emissions.
    Run(Box<MeasuredRun>),
}

/// The inputs of inference, named like the flags of `estimate`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct InferenceQuery {
    /// The serving hardware (`hardware`, `count`, `utilization`) and the location; `hours`,
    /// `energy_kwh`, `cpu` and `ram_gb` describe training and are refused.
    pub job: EstimateRequest,
    /// Requests served in all.
    pub requests: Option<f64>,
    /// Requests per second.
    pub rate: Option<f64>,
    /// Requests per second one replica serves when busy.
    pub throughput: Option<f64>,
    /// Measured IT energy of one request, Wh.
    pub energy_per_request_wh: Option<f64>,
    pub training: Option<Training>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TotalsReport {
    pub requests: f64,
    pub energy_kwh: f64,
    pub energy_kwh_low: f64,
    pub energy_kwh_high: f64,
    pub emissions_kg: f64,
    pub emissions_kg_low: f64,
    pub emissions_kg_high: f64,
}

impl From<&Totals> for TotalsReport {
    fn from(t: &Totals) -> Self {
        TotalsReport {
            requests: t.requests,
            energy_kwh: t.energy.value.0,
            energy_kwh_low: t.energy.low.0,
            energy_kwh_high: t.energy.high.0,
            emissions_kg: t.emissions.value.0,
            emissions_kg_low: t.emissions.low.0,
            emissions_kg_high: t.emissions.high.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrainingReport {
    pub emissions_kg: f64,
    pub emissions_kg_low: f64,
    pub emissions_kg_high: f64,
    /// `given` (--training-kg) or `run N (uuid)` (--training-run).
    pub source: String,
}

/// The JSON of inference.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InferenceReport {
    pub mlcarbon_version: &'static str,
    pub dataset: String,
    pub mode: &'static str,
    /// `measured` (energy per request given) or `serving` (hardware, throughput, rate).
    pub energy_source: &'static str,
    pub serving: String,
    pub location: LocationReport,
    pub pue: f64,
    pub intensity_g_per_kwh: f64,
    pub rate_per_second: Option<f64>,
    /// IT energy of one request (PUE not included), Wh.
    pub it_energy_per_request_wh: f64,
    pub it_energy_per_request_wh_low: f64,
    pub it_energy_per_request_wh_high: f64,
    pub replicas: Option<u64>,
    pub busy_share: Option<f64>,
    pub per_request: TotalsReport,
    pub per_thousand: TotalsReport,
    pub per_day: Option<TotalsReport>,
    /// The requests served.
    pub total: Option<TotalsReport>,
    pub training: Option<TrainingReport>,
    pub amortized: Option<Amortized>,
    pub break_even: Option<BreakEven>,
    pub provenance: Vec<Provenance>,
    pub notes: Vec<String>,
}

const RATE_NEEDED: &str = "energy from power and throughput needs the request rate: give --rate RPS (requests per second)";

fn model_error(e: InferenceError) -> RequestError {
    match e {
        InferenceError::RateNeeded => RequestError::new("rate", RATE_NEEDED),
        other => RequestError::new("requests", other.to_string()),
    }
}

/// The flags of a training job, refused here with what to give instead.
fn refuse_training_inputs(job: &EstimateRequest) -> Result<(), RequestError> {
    if job.hours.is_some() {
        return Err(RequestError::new(
            "hours",
            "--hours describes a training job; for inference give --requests/--rate, and the training emissions with --training-kg or --training-run",
        ));
    }
    if job.energy_kwh.is_some() {
        return Err(RequestError::new(
            "energy_kwh",
            "--energy-kwh is a job's energy; for inference give --energy-per-request-wh",
        ));
    }
    if job.cpu.is_some() || job.ram_gb.is_some() {
        return Err(RequestError::new(
            if job.cpu.is_some() { "cpu" } else { "ram_gb" },
            "the serving model counts accelerators only (--hardware, --count); include the host in --energy-per-request-wh",
        ));
    }
    Ok(())
}

fn check_numbers(query: &InferenceQuery) -> Result<(), RequestError> {
    params::REQUESTS.check(query.requests)?;
    params::RATE.check(query.rate)?;
    params::THROUGHPUT.check(query.throughput)?;
    params::ENERGY_PER_REQUEST_WH.check(query.energy_per_request_wh)?;
    if let Some(Training::Given(kg)) = query.training {
        params::TRAINING_KG.check(Some(kg))?;
    }
    if query.throughput.is_some() && query.energy_per_request_wh.is_some() {
        return Err(RequestError::new(
            "throughput",
            "give either --throughput (with --hardware) or --energy-per-request-wh, not both",
        ));
    }
    Ok(())
}

/// The training emissions and where they come from.
fn training(training: &Training) -> Result<(Ranged<KgCo2e>, String), RequestError> {
    match training {
        Training::Given(kg) => Ok((Ranged::exact(KgCo2e(*kg)), "given".to_string())),
        Training::Run(run) => {
            if run.emissions_kg <= 0.0 {
                return Err(RequestError::new(
                    "training_run",
                    format!(
                        "run {} recorded no emissions to spread over requests; give --training-kg",
                        run.id
                    ),
                ));
            }
            Ok((
                Ranged::exact(KgCo2e(run.emissions_kg)),
                format!("run {} ({})", run.id, run.uuid),
            ))
        }
    }
}

/// The inference figures of the query.
pub fn inference_report(
    data: &Dataset,
    query: &InferenceQuery,
) -> Result<InferenceReport, RequestError> {
    let job = &query.job;
    refuse_training_inputs(job)?;
    check_numbers(query)?;
    request::validate(job)?;
    let location = request::resolve_location(data, job)?;
    let mut provenance = Vec::new();
    let mut notes = Vec::new();
    let (energy, serving_text, energy_source) = match (
        query.energy_per_request_wh,
        &job.hardware,
        query.throughput,
    ) {
        (Some(wh), _, _) => {
            provenance.push(Provenance::given(
                "IT energy per request",
                format!("{wh} Wh"),
            ));
            (
                RequestEnergy::Measured {
                    it_energy: Ranged::exact(KilowattHours(wh / 1000.0)),
                },
                format!(
                    "{} Wh of IT energy per request (measured)",
                    human_number(wh)
                ),
                "measured",
            )
        }
        (None, Some(name), Some(throughput)) => {
            let hardware = resolve_hardware(data, name)?;
            let count = job.count.unwrap_or(1);
            let replica = serving_replica(data, hardware, count, job.utilization, throughput)
                .map_err(model_error)?;
            provenance.extend(replica.provenance);
            notes.push(
                    "busy replicas draw rated power × utilization (the training default unless --utilization is given); idle replicas draw idle power"
                        .to_string(),
                );
            (
                RequestEnergy::Serving {
                    replica: replica.replica,
                },
                format!(
                    "{count} × {} serving {} requests/s when busy",
                    hardware.name,
                    human_number(throughput)
                ),
                "serving",
            )
        }
        (None, Some(_), None) => {
            return Err(RequestError::new(
                "throughput",
                "give --throughput RPS (requests per second one replica serves when busy) or --energy-per-request-wh",
            ));
        }
        (None, None, _) => {
            return Err(RequestError::new(
                "energy_per_request_wh",
                "give the energy of a request: --energy-per-request-wh E, or --hardware with --throughput and --rate",
            ));
        }
    };
    if matches!(energy, RequestEnergy::Serving { .. }) && query.rate.is_none() {
        return Err(RequestError::new("rate", RATE_NEEDED));
    }
    let l = &location.location;
    provenance.push(l.intensity.provenance.clone());
    provenance.push(l.pue.provenance.clone());
    let result = inference_estimate(&energy, query.rate, l.pue.range, l.intensity.range)
        .map_err(model_error)?;
    let per_request = result.per_request;
    let total = query.requests.map(|n| Totals {
        requests: n,
        energy: per_request.energy.map(|e| e.scale(n)),
        emissions: per_request.emissions.map(|e| e.scale(n)),
    });
    let training = query.training.as_ref().map(training).transpose()?;
    let (amortized, break_even_result) = match &training {
        Some((kg, _)) => {
            let amortized = match query.requests {
                Some(n) => Some(amortize(*kg, per_request.emissions, n).map_err(model_error)?),
                None => {
                    notes.push(
                        "give --requests N to spread the training over the requests served"
                            .to_string(),
                    );
                    None
                }
            };
            let per_day = query.rate.map(|r| r * SECONDS_PER_DAY);
            let be = match break_even(*kg, per_request.emissions, per_day) {
                Ok(b) => Some(b),
                Err(e) => {
                    notes.push(format!("no break-even: {e}"));
                    None
                }
            };
            (amortized, be)
        }
        None => {
            if query.requests.is_some() {
                notes.push(
                    "give --training-kg KG or --training-run RUN for the lifetime view (training per request, break-even)"
                        .to_string(),
                );
            }
            (None, None)
        }
    };
    Ok(InferenceReport {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        dataset: data.name.clone(),
        mode: "inference",
        energy_source,
        serving: serving_text,
        location: LocationReport::from(l),
        pue: l.pue.range.value,
        intensity_g_per_kwh: l.intensity.range.value.0,
        rate_per_second: query.rate,
        it_energy_per_request_wh: result.it_energy_per_request.value.0 * 1000.0,
        it_energy_per_request_wh_low: result.it_energy_per_request.low.0 * 1000.0,
        it_energy_per_request_wh_high: result.it_energy_per_request.high.0 * 1000.0,
        replicas: result.replicas,
        busy_share: result.busy_share,
        per_request: TotalsReport::from(&per_request),
        per_thousand: TotalsReport::from(&result.per_thousand),
        per_day: result.per_day.as_ref().map(TotalsReport::from),
        total: total.as_ref().map(TotalsReport::from),
        training: training.map(|(kg, source)| TrainingReport {
            emissions_kg: kg.value.0,
            emissions_kg_low: kg.low.0,
            emissions_kg_high: kg.high.0,
            source,
        }),
        amortized,
        break_even: break_even_result,
        provenance,
        notes,
    })
}
