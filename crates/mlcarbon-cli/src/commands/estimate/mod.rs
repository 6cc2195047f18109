//! `mlcarbon estimate`: the calculator.

mod compat;
mod inference;

use anyhow::{Result, bail};
use mlcarbon_data::Dataset;
use mlcarbon_data::mlco2::Mlco2Edition;
use mlcarbon_model::Provenance;
use mlcarbon_model::format::{
    Scale, common_scale, energy_scale, human_energy, human_hours, human_mass, mass_scale,
    power_scale,
};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::prediction_report::{
    PredictionQuery, PredictionReport, estimate_with_prediction, with_elapsed_hours,
};
use mlcarbon_model::report::{EmbodiedReport, EstimateReport};
use mlcarbon_model::statement::{StatementStyle, human_number};
use mlcarbon_model::statement_report::request_statements;

use crate::cli::{DatasetName, EstimateArgs, Format};
use crate::inputs::{estimate_request, user_error};
use crate::output::{Table, json};
use crate::render::{embodied_line, prediction_text};

/// Short wording for the equivalents shown in one line.
fn equivalent_label(id: &str, unit: &str) -> String {
    match id {
        "car_km" => "km by car".to_string(),
        "flight_passenger_km" => "km by plane (one passenger)".to_string(),
        "smartphone_charge" => "smartphone charges".to_string(),
        "tree_year" => "tree-years of CO2 uptake".to_string(),
        _ => unit.to_string(),
    }
}

/// "3.32 kg CO2e  (range 0.66–10.5)": the value's unit (from `scale`) for all three.
fn range_text(scale: fn(f64) -> Scale, value: f64, low: f64, high: f64, suffix: &str) -> String {
    let unit = scale(value);
    format!(
        "{} {}{suffix}  (range {}–{})",
        unit.number(value, Lang::En),
        unit.unit,
        unit.number(low, Lang::En),
        unit.number(high, Lang::En)
    )
}

fn intensity_scale(_: f64) -> Scale {
    Scale {
        unit: "g CO2e/kWh",
        per_unit: 1.0,
    }
}

fn human(
    report: &EstimateReport,
    embodied: Option<&EmbodiedReport>,
    prediction: Option<&PredictionReport>,
) -> String {
    let mut out = String::new();
    let hours = if report.hours > 0.0 {
        format!(" for {} h", human_number(report.hours))
    } else {
        String::new()
    };
    out.push_str(&format!(
        "{}{hours} in {}\n\n",
        report.job, report.location.label
    ));
    let mut t = Table::new(&[("", false), ("", false)]);
    t.push(vec![
        "emissions".into(),
        range_text(
            mass_scale,
            report.emissions_kg,
            report.emissions_kg_low,
            report.emissions_kg_high,
            " CO2e",
        ),
    ]);
    t.push(vec![
        "energy".into(),
        format!(
            "{}   IT {} × PUE {:.2}",
            range_text(
                energy_scale,
                report.energy_kwh,
                report.energy_kwh_low,
                report.energy_kwh_high,
                ""
            ),
            human_energy(report.it_energy_kwh),
            report.pue
        ),
    ]);
    t.push(vec![
        "grid intensity".into(),
        format!(
            "{}  {} basis",
            range_text(
                intensity_scale,
                report.intensity_g_per_kwh,
                report.intensity_g_per_kwh_low,
                report.intensity_g_per_kwh_high,
                "",
            ),
            report.basis
        ),
    ]);
    t.push(vec![
        "offset claim".into(),
        match (report.offset_kg, report.offset_percent) {
            (Some(kg), Some(p)) => format!(
                "{} CO2e ({p:.0} % offset or matched by the provider; not subtracted above)",
                human_mass(kg)
            ),
            _ => "unknown".to_string(),
        },
    ]);
    let eq: Vec<String> = report
        .equivalents
        .iter()
        .filter(|e| {
            [
                "car_km",
                "flight_passenger_km",
                "smartphone_charge",
                "tree_year",
            ]
            .contains(&e.id.as_str())
        })
        .map(|e| {
            format!(
                "{} {}",
                human_number(e.amount),
                equivalent_label(&e.id, &e.unit)
            )
        })
        .collect();
    if !eq.is_empty() {
        t.push(vec!["equivalent to".into(), eq.join(" · ")]);
    }
    if let Some(embodied) = embodied {
        t.push(vec!["embodied".into(), embodied_line(embodied)]);
    }
    if let Some(litres) = report.water_l {
        t.push(vec![
            "water".into(),
            format!(
                "{} L on site ({}); off site not known",
                human_number(litres),
                report
                    .water_note
                    .split_once("; ")
                    .map_or(report.water_note.as_str(), |(on_site, _)| on_site)
                    .trim_start_matches("on-site water: ")
            ),
        ]);
    }
    if let Some(p) = prediction {
        t.push(vec![
            "prediction".into(),
            format!(
                "{:.0} % done after {} and {} of IT energy: {}",
                p.prediction.progress * 100.0,
                human_hours(p.elapsed_hours, Lang::En),
                human_energy(p.it_energy_so_far_kwh),
                prediction_text(&p.prediction)
            ),
        ]);
    }
    // The two-column table has empty headers: drop its header line.
    out.push_str(t.human().split_once('\n').map_or("", |(_, rest)| rest));

    if report.components.len() > 1 {
        out.push_str("\nBy component (IT energy, before PUE)\n");
        let mut c = Table::new(&[("  part", false), ("mean power", true), ("energy", true)]);
        let power = common_scale(
            report.components.iter().map(|c| c.mean_power_w),
            power_scale,
        );
        let energy = common_scale(
            report.components.iter().map(|c| c.it_energy_kwh),
            energy_scale,
        );
        for comp in &report.components {
            c.push(vec![
                format!("  {}", comp.label),
                power.show(comp.mean_power_w, Lang::En),
                energy.show(comp.it_energy_kwh, Lang::En),
            ]);
        }
        out.push_str(&c.human());
    }

    out.push_str("\nInputs\n");
    let mut p = Table::new(&[
        ("  quantity", false),
        ("value", false),
        ("how", false),
        ("data row", false),
        ("source", false),
    ]);
    for prov in &report.provenance {
        let row = match (&prov.table, &prov.row) {
            (Some(t), Some(r)) => format!("{t}:{r}"),
            _ => "-".to_string(),
        };
        let source = match (&prov.source_title, prov.year) {
            (Some(s), Some(y)) => format!("{s} ({y})"),
            (Some(s), None) => s.clone(),
            (None, _) => prov.source.clone().unwrap_or_else(|| "-".to_string()),
        };
        p.push(vec![
            format!("  {}", prov.quantity),
            prov.value.clone(),
            prov.origin.label().to_string(),
            row,
            source,
        ]);
    }
    out.push_str(&p.human());
    let notes: Vec<&Provenance> = report
        .provenance
        .iter()
        .filter(|p| !p.note.is_empty())
        .collect();
    for prov in notes {
        out.push_str(&format!("  note on {}: {}\n", prov.quantity, prov.note));
    }

    if let Some(m) = &report.mlco2 {
        out.push_str(&format!(
            "\nThe published calculator (mlco2) gives {} kg CO2e for one device of this job: {}\n",
            m.result.kg, m.differences
        ));
    }

    if report.greener_options.is_empty() {
        out.push_str("\nGreener options: none found that save emissions.\n");
    } else {
        out.push_str("\nGreener options (same job)\n");
        let mut g = Table::new(&[
            ("  where", false),
            ("emissions", true),
            ("saves", true),
            ("", true),
        ]);
        let options = &report.greener_options;
        let emitted = common_scale(options.iter().map(|o| o.emissions_kg), mass_scale);
        let saved = common_scale(options.iter().map(|o| o.saving_kg), mass_scale);
        for o in options {
            g.push(vec![
                format!("  {}", o.label),
                emitted.show(o.emissions_kg, Lang::En),
                saved.show(o.saving_kg, Lang::En),
                format!("{:.0} %", o.saving_percent),
            ]);
        }
        out.push_str(&g.human());
        for caveat in &report.caveats {
            out.push_str(&format!("  {caveat}\n"));
        }
        out.push_str("  `mlcarbon compare` with the same flags lists more.\n");
    }
    out
}

fn csv_row(report: &EstimateReport) -> Result<String> {
    let mut t = Table::new(&[
        ("job", false),
        ("hours", true),
        ("location", false),
        ("energy_kwh", true),
        ("energy_kwh_low", true),
        ("energy_kwh_high", true),
        ("emissions_kg", true),
        ("emissions_kg_low", true),
        ("emissions_kg_high", true),
        ("offset_kg", true),
        ("intensity_g_per_kwh", true),
        ("pue", true),
        ("dataset", false),
    ]);
    t.push(vec![
        report.job.clone(),
        report.hours.to_string(),
        report.location.label.clone(),
        report.energy_kwh.to_string(),
        report.energy_kwh_low.to_string(),
        report.energy_kwh_high.to_string(),
        report.emissions_kg.to_string(),
        report.emissions_kg_low.to_string(),
        report.emissions_kg_high.to_string(),
        report.offset_kg.map(|o| o.to_string()).unwrap_or_default(),
        report.intensity_g_per_kwh.to_string(),
        report.pue.to_string(),
        report.dataset.clone(),
    ]);
    t.csv()
}

pub fn run(data: &Dataset, args: &EstimateArgs) -> Result<String> {
    let mlco2_edition = match (args.compat, args.dataset) {
        (_, DatasetName::Mlco2_2019) => Some(Mlco2Edition::Paper2019),
        (Some(_), _) | (None, DatasetName::Mlco2) => Some(Mlco2Edition::Current),
        (None, DatasetName::Mlcarbon) => None,
    };
    if let Some(edition) = mlco2_edition {
        if args.serving.any() || args.prediction.any() || args.lifetime_years.is_some() {
            bail!(
                "inference (--requests ...), prediction (--epochs, --progress) and --lifetime-years are mlcarbon's own; \
                 the published calculator has none: drop --compat/--dataset"
            );
        }
        return compat::run(data, args, edition, args.compat.is_some());
    }
    if args.serving.any() {
        return inference::run(data, args);
    }
    let prediction = PredictionQuery {
        epochs: args.prediction.epochs,
        progress: args.prediction.progress,
        elapsed_hours: args.prediction.elapsed_hours,
    };
    let mut request = estimate_request(&args.job, &args.location);
    request.lifetime_years = args.lifetime_years;
    if matches!(args.format, Format::Markdown | Format::Latex) {
        let request = with_elapsed_hours(&request, &prediction).map_err(user_error)?;
        let statements = request_statements(data, &request, "training", StatementStyle::default())
            .map_err(user_error)?;
        return Ok(if args.format == Format::Latex {
            statements.latex
        } else {
            statements.markdown
        });
    }
    let answer = estimate_with_prediction(data, &request, &prediction).map_err(user_error)?;
    match args.format {
        Format::Json => json(&answer),
        Format::Csv => csv_row(&answer.output.report),
        _ => Ok(human(
            &answer.output.report,
            Some(&answer.output.embodied),
            answer.prediction.as_ref(),
        )),
    }
}
