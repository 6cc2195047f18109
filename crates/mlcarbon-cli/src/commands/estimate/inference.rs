//! `mlcarbon estimate --requests N` (and `--rate`, `--throughput`, `--energy-per-request-wh`,
//! `--training-kg`, `--training-run`): inference energy and emissions per request, per 1,000 and
//! per day, and the lifetime view: training amortized over the requests, and the break-even.
//! The model computes the report (`mlcarbon_model::inference_report`); this module renders it.

use anyhow::{Result, bail};
use mlcarbon_data::Dataset;
use mlcarbon_model::inference_report::{
    InferenceQuery, InferenceReport, TotalsReport, Training, inference_report,
};
use mlcarbon_model::statement::{human_energy, human_mass, human_number};

use crate::cli::{EstimateArgs, Format};
use crate::db::measured_run;
use crate::inputs::{estimate_request, user_error};
use crate::output::{Table, json};

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
    if args.prediction.any() {
        bail!("--epochs/--progress predict a training run; they do not go with --requests");
    }
    if !matches!(args.format, Format::Human | Format::Json) {
        bail!("inference figures print as human text or JSON (--format human|json)");
    }
    let serving = &args.serving;
    let training = match (serving.training_kg, &serving.training_run) {
        (Some(kg), _) => Some(Training::Given(kg)),
        (None, Some(name)) => Some(Training::Run(Box::new(measured_run(
            name,
            args.db.as_deref(),
        )?))),
        (None, None) => None,
    };
    let query = InferenceQuery {
        job: estimate_request(&args.job, &args.location),
        requests: serving.requests,
        rate: serving.rate,
        throughput: serving.throughput,
        energy_per_request_wh: serving.energy_per_request_wh,
        training,
    };
    let report = inference_report(data, &query).map_err(user_error)?;
    match args.format {
        Format::Json => json(&report),
        _ => Ok(human(&report)),
    }
}
