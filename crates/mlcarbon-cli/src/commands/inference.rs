//! `mlcarbon estimate --requests N` (and `--rate`, `--throughput`, `--energy-per-request-wh`,
//! `--training-kg`, `--training-run`): inference energy and emissions per request, per 1,000 and
//! per day, and the lifetime view: training amortized over the requests, and the break-even.

use anyhow::{Result, anyhow, bail};
use mlcarbon_data::Dataset;
use mlcarbon_model::Provenance;
use mlcarbon_model::inference::{
    Amortized, BreakEven, InferenceError, RequestEnergy, SECONDS_PER_DAY, Totals, amortize,
    break_even, inference_estimate, serving_replica,
};
use mlcarbon_model::request::resolve_hardware;
use mlcarbon_model::statement::{human_energy, human_mass, human_number};
use mlcarbon_model::units::{KgCo2e, KilowattHours, Ranged};
use serde::Serialize;

use crate::cli::{EstimateArgs, Format};
use crate::commands::runs::{find_run, open_store};
use crate::inputs::resolve_location;
use crate::output::{Table, json};

#[derive(Debug, Clone, Serialize)]
struct TotalsReport {
    requests: f64,
    energy_kwh: f64,
    energy_kwh_low: f64,
    energy_kwh_high: f64,
    emissions_kg: f64,
    emissions_kg_low: f64,
    emissions_kg_high: f64,
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

#[derive(Debug, Serialize)]
struct LocationReport {
    label: String,
    provider: Option<String>,
    region: Option<String>,
    zone: Option<String>,
}

#[derive(Debug, Serialize)]
struct TrainingReport {
    emissions_kg: f64,
    emissions_kg_low: f64,
    emissions_kg_high: f64,
    /// `given` (--training-kg) or `run N` (--training-run).
    source: String,
}

/// The JSON of `estimate --requests` (documented in docs/cli.md).
#[derive(Debug, Serialize)]
struct InferenceReport {
    mlcarbon_version: &'static str,
    dataset: String,
    mode: &'static str,
    /// `measured` (--energy-per-request-wh) or `serving` (--hardware, --throughput, --rate).
    energy_source: &'static str,
    serving: String,
    location: LocationReport,
    pue: f64,
    intensity_g_per_kwh: f64,
    rate_per_second: Option<f64>,
    /// IT energy of one request (PUE not included), Wh.
    it_energy_per_request_wh: f64,
    it_energy_per_request_wh_low: f64,
    it_energy_per_request_wh_high: f64,
    replicas: Option<u64>,
    busy_share: Option<f64>,
    per_request: TotalsReport,
    per_thousand: TotalsReport,
    per_day: Option<TotalsReport>,
    /// The --requests served.
    total: Option<TotalsReport>,
    training: Option<TrainingReport>,
    amortized: Option<Amortized>,
    break_even: Option<BreakEven>,
    provenance: Vec<Provenance>,
    notes: Vec<String>,
}

fn model_error(e: InferenceError) -> anyhow::Error {
    match e {
        InferenceError::RateNeeded => anyhow!(
            "energy from power and throughput needs the request rate: give --rate RPS (requests per second)"
        ),
        other => anyhow!("{other}"),
    }
}

/// Training emissions from --training-kg or --training-run.
fn training(args: &EstimateArgs) -> Result<Option<(Ranged<KgCo2e>, String)>> {
    if let Some(kg) = args.serving.training_kg {
        return Ok(Some((Ranged::exact(KgCo2e(kg)), "given".to_string())));
    }
    let Some(name) = &args.serving.training_run else {
        return Ok(None);
    };
    let (store, _) = open_store(args.db.as_deref())?;
    let run = find_run(&store, name)?;
    if run.emissions_kg <= 0.0 {
        bail!(
            "run {} recorded no emissions to spread over requests; give --training-kg",
            run.id
        );
    }
    Ok(Some((
        Ranged::exact(KgCo2e(run.emissions_kg)),
        format!("run {} ({})", run.id, run.uuid),
    )))
}

/// "2.49 mg CO2e (range 0.765 mg–4.08 mg)": the value, its unit label, and its range if any.
fn ranged(value: f64, low: f64, high: f64, unit: fn(f64) -> String, label: &str) -> String {
    if (high - low).abs() <= 1e-12 * value.abs().max(1e-30) {
        format!("{}{label}", unit(value))
    } else {
        format!(
            "{}{label} (range {}–{})",
            unit(value),
            unit(low),
            unit(high)
        )
    }
}

fn totals_line(t: &TotalsReport) -> String {
    format!(
        "{}; {}",
        ranged(
            t.emissions_kg,
            t.emissions_kg_low,
            t.emissions_kg_high,
            human_mass,
            " CO2e"
        ),
        ranged(
            t.energy_kwh,
            t.energy_kwh_low,
            t.energy_kwh_high,
            human_energy,
            ""
        ),
    )
}

fn count_text(n: f64) -> String {
    if n >= 1e9 {
        format!("{} billion", human_number(n / 1e9))
    } else if n >= 1e6 {
        format!("{} million", human_number(n / 1e6))
    } else {
        format!("{n:.0}")
    }
}

fn human(r: &InferenceReport) -> String {
    let mut out = format!("Inference: {} in {}\n\n", r.serving, r.location.label);
    let mut t = Table::new(&[("", false), ("", false)]);
    t.push(vec![
        "per request".into(),
        format!(
            "{} (IT energy {}, before PUE)",
            totals_line(&r.per_request),
            ranged(
                r.it_energy_per_request_wh / 1000.0,
                r.it_energy_per_request_wh_low / 1000.0,
                r.it_energy_per_request_wh_high / 1000.0,
                human_energy,
                ""
            ),
        ),
    ]);
    t.push(vec!["per 1,000".into(), totals_line(&r.per_thousand)]);
    if let Some(day) = &r.per_day {
        t.push(vec![
            "per day".into(),
            format!(
                "{} ({} requests at {} per second)",
                totals_line(day),
                count_text(day.requests),
                human_number(r.rate_per_second.unwrap_or(0.0))
            ),
        ]);
    }
    if let Some(total) = &r.total {
        t.push(vec![
            format!("{} requests", count_text(total.requests)),
            totals_line(total),
        ]);
    }
    if let (Some(replicas), Some(busy)) = (r.replicas, r.busy_share) {
        t.push(vec![
            "replicas".into(),
            format!(
                "{replicas}, each busy {:.0} % of the time (idle power counted the rest)",
                busy * 100.0
            ),
        ]);
    }
    t.push(vec![
        "grid and PUE".into(),
        format!(
            "{} g CO2e/kWh, PUE {:.2}",
            human_number(r.intensity_g_per_kwh),
            r.pue
        ),
    ]);
    out.push_str(t.human().split_once('\n').map_or("", |(_, rest)| rest));
    if let Some(training) = &r.training {
        out.push_str(&format!(
            "\nLifetime view (training {} CO2e, {})\n",
            human_mass(training.emissions_kg),
            training.source
        ));
        if let Some(a) = &r.amortized {
            out.push_str(&format!(
                "  over {} requests: training {} CO2e per request + inference {} = {} CO2e per request; training is {:.1} % of the lifetime emissions\n",
                count_text(a.requests),
                human_mass(a.training_per_request.value.0),
                human_mass(r.per_request.emissions_kg),
                human_mass(a.total_per_request.value.0),
                a.training_share_percent
            ));
        }
        if let Some(b) = &r.break_even {
            let spread = |low: f64, high: f64, text: &dyn Fn(f64) -> String| {
                if (high - low).abs() <= 1e-9 * high.abs() {
                    String::new()
                } else {
                    format!(" (range {}–{})", text(low), text(high))
                }
            };
            let days = b
                .days
                .map(|d| {
                    format!(
                        ", after {} days at this rate{}",
                        human_number(d.value),
                        spread(d.low, d.high, &|x| human_number(x))
                    )
                })
                .unwrap_or_default();
            out.push_str(&format!(
                "  break-even: inference emits as much as training after {} requests{}{days}\n",
                count_text(b.requests.value),
                spread(b.requests.low, b.requests.high, &|x| count_text(x))
            ));
        }
    }
    out.push_str("\nInputs\n");
    for p in &r.provenance {
        let row = match (&p.table, &p.row) {
            (Some(t), Some(row)) => format!(" [{t}:{row}]"),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {}: {} ({}){row}\n",
            p.quantity,
            p.value,
            p.origin.label()
        ));
    }
    for note in &r.notes {
        out.push_str(&format!("Note: {note}\n"));
    }
    out
}

pub fn run(data: &Dataset, args: &EstimateArgs) -> Result<String> {
    let serving = &args.serving;
    let job = &args.job;
    if job.hours.is_some() {
        bail!(
            "--hours describes a training job; for inference give --requests/--rate, and the training emissions with --training-kg or --training-run"
        );
    }
    if job.energy_kwh.is_some() {
        bail!("--energy-kwh is a job's energy; for inference give --energy-per-request-wh");
    }
    if job.cpu.is_some() || job.ram_gb.is_some() {
        bail!(
            "the serving model counts accelerators only (--hardware, --count); include the host in --energy-per-request-wh"
        );
    }
    if args.prediction.any() {
        bail!("--epochs/--progress predict a training run; they do not go with --requests");
    }
    if !matches!(args.format, Format::Human | Format::Json) {
        bail!("inference figures print as human text or JSON (--format human|json)");
    }
    let location = resolve_location(data, &args.location)?;
    let mut provenance = Vec::new();
    let mut notes = Vec::new();
    let (energy, serving_text, energy_source) = match (
        serving.energy_per_request_wh,
        &job.hardware,
        serving.throughput,
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
            let hardware = resolve_hardware(data, name).map_err(|e| anyhow!(e.message))?;
            let replica = serving_replica(data, hardware, job.count, job.utilization, throughput)
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
                    "{} × {} serving {} requests/s when busy",
                    job.count,
                    hardware.name,
                    human_number(throughput)
                ),
                "serving",
            )
        }
        (None, Some(_), None) => bail!(
            "give --throughput RPS (requests per second one replica serves when busy) or --energy-per-request-wh"
        ),
        (None, None, _) => bail!(
            "give the energy of a request: --energy-per-request-wh E, or --hardware with --throughput and --rate"
        ),
    };
    if matches!(energy, RequestEnergy::Serving { .. }) && serving.rate.is_none() {
        bail!(
            "energy from power and throughput needs the request rate: give --rate RPS (requests per second)"
        );
    }
    provenance.push(location.location.intensity.provenance.clone());
    provenance.push(location.location.pue.provenance.clone());
    let result = inference_estimate(
        &energy,
        serving.rate,
        location.location.pue.range,
        location.location.intensity.range,
    )
    .map_err(model_error)?;
    let per_request = result.per_request;
    let total = serving.requests.map(|n| Totals {
        requests: n,
        energy: per_request.energy.map(|e| e.scale(n)),
        emissions: per_request.emissions.map(|e| e.scale(n)),
    });
    let training = training(args)?;
    let (amortized, break_even_result) = match &training {
        Some((kg, _)) => {
            let amortized = match serving.requests {
                Some(n) => Some(amortize(*kg, per_request.emissions, n).map_err(model_error)?),
                None => {
                    notes.push(
                        "give --requests N to spread the training over the requests served"
                            .to_string(),
                    );
                    None
                }
            };
            let per_day = serving.rate.map(|r| r * SECONDS_PER_DAY);
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
            if serving.requests.is_some() {
                notes.push(
                    "give --training-kg KG or --training-run RUN for the lifetime view (training per request, break-even)"
                        .to_string(),
                );
            }
            (None, None)
        }
    };
    let l = &location.location;
    let report = InferenceReport {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        dataset: data.name.clone(),
        mode: "inference",
        energy_source,
        serving: serving_text,
        location: LocationReport {
            label: l.label.clone(),
            provider: l.provider.clone(),
            region: l.region.clone(),
            zone: l.zone.clone(),
        },
        pue: l.pue.range.value,
        intensity_g_per_kwh: l.intensity.range.value.0,
        rate_per_second: serving.rate,
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
    };
    match args.format {
        Format::Json => json(&report),
        _ => Ok(human(&report)),
    }
}
