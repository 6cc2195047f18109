//! Text shared by several commands' human output: the embodied-emissions line, the prediction
//! sentence and a stored run's summary (the figures come from the model; this is wording only).

use anyhow::Result;
use mlcarbon_data::Dataset;
use mlcarbon_model::compare;
use mlcarbon_model::format::{
    Scale, common_scale, energy_scale, human_hours, mass_scale, power_scale, range_suffix,
};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::predict::{Prediction, RangeBasis};
use mlcarbon_model::report::EmbodiedReport;
use mlcarbon_model::statement::{human_energy, human_mass, human_number};
use mlcarbon_model::units::Ranged;
use mlcarbon_model::{Job, Location, estimate};
use mlcarbon_store::{ComponentRecord, IntensityOrigin, Method, RunRecord, RunStatus};

use crate::clock;
use crate::inputs::user_error;
use crate::output::Table;

/// `8 × A100 SXM4 80GB for 24 h in France (FR)`: a job, its hours where known, and its place.
pub fn job_in_place(job: &str, hours: f64, place: &str) -> String {
    let hours = if hours > 0.0 {
        format!(" for {} h", human_number(hours))
    } else {
        String::new()
    };
    format!("{job}{hours} in {place}")
}

/// `12.3 kg CO2e (range 10–15 kg)`: emissions and their range, in the unit the value picks.
pub fn mass_with_range(kg: f64, low: f64, high: f64) -> String {
    let mass = mass_scale(kg);
    format!(
        "{} CO2e{}",
        mass.show(kg, Lang::En),
        range_suffix(mass, low, high)
    )
}

/// "1.2 kg CO2e (range …) manufacturing share of …", or why it was not estimated.
pub fn embodied_line(report: &EmbodiedReport) -> String {
    if report.parts.is_empty() {
        return format!(
            "not estimated: {}",
            report.notes.first().map_or("no figure", String::as_str)
        );
    }
    format!(
        "{}  manufacturing share of {}: {} of {}; reported beside the emissions above, not in them",
        mass_with_range(report.total_kg, report.total_kg_low, report.total_kg_high),
        report.parts_text(),
        human_hours(report.run_hours, Lang::En),
        report.lifetimes_text()
    )
}

/// " (range …)" in the unit `scale` picks for the value; nothing when it reads as one number.
fn range_or_nothing<T: Copy>(
    range: Ranged<T>,
    to_f64: fn(T) -> f64,
    scale: fn(f64) -> Scale,
) -> String {
    let range = range.map(to_f64);
    range_suffix(scale(range.value), range.low, range.high)
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
        range_or_nothing(p.total_energy, |e| e.0, energy_scale),
        human_mass(p.total_emissions.value.0),
        range_or_nothing(p.total_emissions, |m| m.0, mass_scale),
    );
    if remaining > 0.0 {
        text.push_str(&format!(
            "; the remaining {:.0} % would add ~{} CO2e{} over ~{}",
            remaining * 100.0,
            human_mass(p.remaining_emissions.value.0),
            range_or_nothing(p.remaining_emissions, |m| m.0, mass_scale),
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

/// The intensity a run's emissions imply (see `MeasuredRun::effective_intensity`).
pub fn effective_intensity(run: &RunRecord) -> f64 {
    run.measured().effective_intensity()
}

/// Embodied emissions of a tracked run (see `MeasuredRun::embodied`).
pub fn run_embodied(data: &Dataset, run: &RunRecord) -> Result<EmbodiedReport> {
    run.measured().embodied(data).map_err(user_error)
}

/// The prediction of a stored run from its progress (see `MeasuredRun::prediction`).
pub fn run_prediction(run: &RunRecord) -> Option<Prediction> {
    run.measured().prediction()
}

/// A measured run as model inputs: its IT energy, and its location's figures as stored.
pub fn run_as_job(run: &RunRecord) -> (Job, Location) {
    run.measured().job_and_location()
}

pub fn sparkline(values: &[f64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    if values.is_empty() {
        return String::new();
    }
    let buckets = width.min(values.len()).max(1);
    let means: Vec<f64> = (0..buckets)
        .map(|b| {
            let start = b * values.len() / buckets;
            let end = ((b + 1) * values.len() / buckets).max(start + 1);
            values[start..end].iter().sum::<f64>() / (end - start) as f64
        })
        .collect();
    let max = means.iter().cloned().fold(0.0, f64::max);
    means
        .iter()
        .map(|v| {
            if max <= 0.0 {
                BARS[0]
            } else {
                BARS[((v / max) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
        })
        .collect()
}

/// The text shown after a run and by `show`.
pub fn summary(data: &Dataset, run: &RunRecord, components: &[ComponentRecord]) -> Result<String> {
    summary_with(data, run, components, None)
}

/// The summary, with the live prediction of the tracker (its range comes from the progress
/// reports seen during the run) when there is one.
pub fn summary_with(
    data: &Dataset,
    run: &RunRecord,
    components: &[ComponentRecord],
    live: Option<&Prediction>,
) -> Result<String> {
    let mut out = format!(
        "\nmlcarbon run {} — {} in {} — {}\n",
        run.id,
        clock::duration(run.elapsed_s()),
        crate::output::printable(&run.location_label),
        run.status
    );
    let mut t = Table::new(&[
        ("  component", false),
        ("how", false),
        ("mean power", true),
        ("energy", true),
    ]);
    let power = common_scale(components.iter().map(|c| c.mean_power_w), power_scale);
    let energy = common_scale(components.iter().map(|c| c.energy_kwh), energy_scale);
    for c in components {
        t.push(vec![
            format!("  {}", crate::output::printable(&c.label)),
            c.method.label().to_string(),
            power.show(c.mean_power_w, Lang::En),
            energy.show(c.energy_kwh, Lang::En),
        ]);
    }
    out.push_str(&t.human());
    let (job, location) = run_as_job(run);
    let result = estimate(&job, &location);
    out.push_str(&format!(
        "  energy     {} (IT {} × PUE {:.2})\n  emissions  {} CO2e at {} g CO2e/kWh ({})\n",
        human_energy(run.energy_kwh),
        human_energy(run.it_energy_kwh()),
        run.pue,
        human_mass(run.emissions_kg),
        human_number(effective_intensity(run)),
        if run.intensity_origin == IntensityOrigin::Profile {
            "mean of the samples, each at its hour's intensity from the profile"
        } else {
            run.intensity_origin.as_str()
        }
    ));
    if let Ok(embodied) = run_embodied(data, run)
        && !embodied.parts.is_empty()
    {
        out.push_str(&format!("  embodied   {}\n", embodied_line(&embodied)));
    }
    // A prediction matters while a run goes on, or for one cut short.
    if run.status != RunStatus::Finished
        && let Some(p) = run.progress
    {
        let computed = run_prediction(run);
        match live.or(computed.as_ref()) {
            Some(prediction) => out.push_str(&format!(
                "  progress   {:.0} % reported; {}\n",
                p * 100.0,
                prediction_text(prediction)
            )),
            None => {
                if let (Some(kwh), Some(kg)) =
                    (run.predicted_energy_kwh, run.predicted_emissions_kg)
                {
                    out.push_str(&format!(
                        "  progress   {:.0} % reported; at completion ~{}, {} CO2e\n",
                        p * 100.0,
                        human_energy(kwh),
                        human_mass(kg)
                    ));
                }
            }
        }
    }
    let unsampled = run.unsampled_s();
    if unsampled > 0.0 {
        out.push_str(&format!(
            "  The stored samples cover {} of the run's {}: the last {} could not be stored, so the figures above stop there.\n",
            clock::duration(run.elapsed_s() - unsampled),
            clock::duration(run.elapsed_s()),
            clock::duration(unsampled)
        ));
    }
    if components.iter().any(|c| c.method == Method::Model) {
        out.push_str("  Modelled parts are estimates from rated power; measured parts come from counters or power readings.\n");
    }
    if run.intensity_origin == IntensityOrigin::Defaulted {
        out.push_str("  The grid intensity is the world average: set your location with `mlcarbon config set zone XX`.\n");
    }
    if run.energy_kwh > 0.0 {
        let mut options = compare::cleanest_per_provider(data, &job, &result)?;
        options.retain(|a| a.saving.0 > 0.0);
        if let Some(best) = options.first() {
            out.push_str(&format!(
                "  Greener: the same energy in {} would emit {} ({:.0} % less); `mlcarbon compare --energy-kwh {} --zone ...` for more.\n",
                best.label,
                human_mass(best.estimate.emissions.value.0),
                best.saving_percent,
                human_number(run.it_energy_kwh())
            ));
        }
    }
    Ok(out)
}
