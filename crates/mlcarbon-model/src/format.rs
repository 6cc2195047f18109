//! Numbers for people: significant figures that suit a reader, and energy and mass in the unit
//! that reads best. Every human output (statements, reports, the CLI, the page) writes them so.

/// Significant figures that suit a reader: 3 for most values, no trailing zeros.
pub fn human_number(value: f64) -> String {
    let text = rounded_for_reading(value);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Energy in the unit that reads best: kWh, else Wh, else J.
pub fn human_energy(kwh: f64) -> String {
    let magnitude = kwh.abs();
    if magnitude >= 1.0 || magnitude == 0.0 {
        format!("{} kWh", human_number(kwh))
    } else if magnitude >= 1e-3 {
        format!("{} Wh", human_number(kwh * 1e3))
    } else {
        format!("{} J", human_number(kwh * 3.6e6))
    }
}

/// A mass of CO2e in the unit that reads best: t, kg, g or mg.
pub fn human_mass(kg: f64) -> String {
    let magnitude = kg.abs();
    if magnitude >= 1000.0 {
        format!("{} t", human_number(kg / 1000.0))
    } else if magnitude >= 1.0 || magnitude == 0.0 {
        format!("{} kg", human_number(kg))
    } else if magnitude >= 1e-3 {
        format!("{} g", human_number(kg * 1e3))
    } else {
        format!("{} mg", human_number(kg * 1e6))
    }
}

fn rounded_for_reading(value: f64) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 {
        "0".to_string()
    } else if magnitude >= 100.0 {
        format!("{value:.0}")
    } else if magnitude >= 10.0 {
        format!("{value:.1}")
    } else if magnitude >= 1.0 {
        format!("{value:.2}")
    } else {
        let digits = (-magnitude.log10().floor()) as usize + 2;
        format!("{value:.digits$}")
    }
}
