//! Text shared by several commands' human output: the embodied-emissions line and the
//! prediction sentence (the figures come from the model; this is wording only).

use mlcarbon_model::predict::{Prediction, RangeBasis};
use mlcarbon_model::report::EmbodiedReport;
use mlcarbon_model::statement::{human_energy, human_mass, human_number};

/// "1.2 kg CO2e (range …) manufacturing share of …", or why it was not estimated.
pub fn embodied_line(report: &EmbodiedReport) -> String {
    if report.parts.is_empty() {
        return format!(
            "not estimated: {}",
            report.notes.first().map_or("no figure", String::as_str)
        );
    }
    format!(
        "{} CO2e  (range {}–{}) manufacturing share of {}: {} h of {}; reported beside the emissions above, not in them",
        human_mass(report.total_kg),
        human_mass(report.total_kg_low),
        human_mass(report.total_kg_high),
        report.parts_text(),
        human_number(report.run_hours),
        report.lifetimes_text()
    )
}

fn range_or_nothing(low: f64, high: f64, value: f64, unit: fn(f64) -> String) -> String {
    if (high - low).abs() <= 1e-12 * value.abs().max(1.0) {
        String::new()
    } else {
        format!(" (range {}–{})", unit(low), unit(high))
    }
}

/// "14 h", or "2:05" (minutes and seconds) under an hour.
fn duration_text(hours: f64) -> String {
    if hours >= 1.0 {
        format!("{} h", human_number(hours))
    } else {
        crate::clock::duration(hours * 3600.0)
    }
}

/// "at completion ~X kWh, Y kg CO2e; the remaining 75 % would add ~Z kg CO2e over ~T".
pub fn prediction_text(p: &Prediction) -> String {
    let remaining = 1.0 - p.progress;
    let mut text = format!(
        "at completion ~{}{}, {} CO2e{}",
        human_energy(p.total_energy.value.0),
        range_or_nothing(
            p.total_energy.low.0,
            p.total_energy.high.0,
            p.total_energy.value.0,
            human_energy
        ),
        human_mass(p.total_emissions.value.0),
        range_or_nothing(
            p.total_emissions.low.0,
            p.total_emissions.high.0,
            p.total_emissions.value.0,
            human_mass
        ),
    );
    if remaining > 0.0 {
        text.push_str(&format!(
            "; the remaining {:.0} % would add ~{} CO2e{} over ~{}",
            remaining * 100.0,
            human_mass(p.remaining_emissions.value.0),
            range_or_nothing(
                p.remaining_emissions.low.0,
                p.remaining_emissions.high.0,
                p.remaining_emissions.value.0,
                human_mass
            ),
            duration_text(p.remaining_hours.value.0)
        ));
    }
    if matches!(p.range_basis, RangeBasis::SingleSegment) && remaining > 0.0 {
        text.push_str(
            " (one progress report: the ranges are those of the grid intensity and PUE only)",
        );
    }
    text
}
