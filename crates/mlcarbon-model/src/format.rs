//! Numbers for people: significant figures that suit a reader, and energy, mass, power and
//! durations in the unit that reads best for their magnitude. Every human output (statements,
//! reports, the CLI, the page) writes them through here; JSON and CSV keep plain numbers.

use crate::lang::Lang;

/// Significant figures that suit a reader: 3 for most values, no trailing zeros.
pub fn human_number(value: f64) -> String {
    let text = rounded_for_reading(value);
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// [`human_number`] as readers of `lang` write numbers. German: a decimal comma, and digits of
/// numbers from 10 000 up grouped in threes by a narrow no-break space (DIN 5008 style).
pub fn number_in(value: f64, lang: Lang) -> String {
    localize(&human_number(value), lang)
}

/// A number already written the English way ("1234.5"), written as `lang` writes it.
pub fn localize(english: &str, lang: Lang) -> String {
    match lang {
        Lang::En => english.to_string(),
        Lang::De => {
            let (sign, unsigned) = match english.strip_prefix('-') {
                Some(rest) => ("-", rest),
                None => ("", english),
            };
            let (whole, fraction) = match unsigned.split_once('.') {
                Some((w, f)) => (w, Some(f)),
                None => (unsigned, None),
            };
            let mut out = String::from(sign);
            if whole.len() >= 5 && whole.chars().all(|c| c.is_ascii_digit()) {
                for (i, digit) in whole.chars().enumerate() {
                    if i > 0 && (whole.len() - i) % 3 == 0 {
                        out.push('\u{202F}');
                    }
                    out.push(digit);
                }
            } else {
                out.push_str(whole);
            }
            if let Some(fraction) = fraction {
                out.push(',');
                out.push_str(fraction);
            }
            out
        }
    }
}

/// A unit chosen for a magnitude: values are divided by `per_unit` (in the base unit) to be
/// written in `unit`. Figures shown together (a value and its range, a table column) share one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    pub unit: &'static str,
    pub per_unit: f64,
}

impl Scale {
    /// `value` (in the base unit) as a number in this unit.
    pub fn number(&self, value: f64, lang: Lang) -> String {
        number_in(value / self.per_unit, lang)
    }

    /// `value` with this unit, e.g. "12.3 Wh".
    pub fn show(&self, value: f64, lang: Lang) -> String {
        format!("{} {}", self.number(value, lang), self.unit)
    }
}

/// The first of `steps` (largest first) whose unit the magnitude reaches, else the smallest.
fn pick(value: f64, steps: &[(f64, &'static str)], zero: (f64, &'static str)) -> Scale {
    let magnitude = value.abs();
    let (per_unit, unit) = if magnitude == 0.0 || !magnitude.is_finite() {
        zero
    } else {
        steps
            .iter()
            .copied()
            .find(|(per_unit, _)| magnitude >= *per_unit)
            .unwrap_or(steps[steps.len() - 1])
    };
    Scale { unit, per_unit }
}

/// Energy in kWh: GWh, MWh, kWh, Wh, or mWh below 1 Wh.
pub fn energy_scale(kwh: f64) -> Scale {
    pick(
        kwh,
        &[
            (1e6, "GWh"),
            (1e3, "MWh"),
            (1.0, "kWh"),
            (1e-3, "Wh"),
            (1e-6, "mWh"),
        ],
        (1.0, "kWh"),
    )
}

/// A mass of CO2e in kg: t, kg, g or mg.
pub fn mass_scale(kg: f64) -> Scale {
    pick(
        kg,
        &[(1e3, "t"), (1.0, "kg"), (1e-3, "g"), (1e-6, "mg")],
        (1.0, "kg"),
    )
}

/// Power in W: MW, kW, W or mW.
pub fn power_scale(watts: f64) -> Scale {
    pick(
        watts,
        &[(1e6, "MW"), (1e3, "kW"), (1.0, "W"), (1e-3, "mW")],
        (1.0, "W"),
    )
}

/// One unit for figures shown together (a table column, a value and its range): the unit of
/// the largest magnitude among them, so no column mixes kWh and Wh.
pub fn common_scale(values: impl IntoIterator<Item = f64>, scale: fn(f64) -> Scale) -> Scale {
    let largest = values
        .into_iter()
        .filter(|v| v.is_finite())
        .map(f64::abs)
        .fold(0.0, f64::max);
    scale(largest)
}

/// A value and its range in the value's unit: "3.32 kg (range 0.66–10.5 kg)", or the value
/// alone when the range, as written, is one number.
pub fn with_range(scale: fn(f64) -> Scale, value: f64, low: f64, high: f64) -> String {
    let unit = scale(value);
    format!(
        "{}{}",
        unit.show(value, Lang::En),
        range_suffix(unit, low, high)
    )
}

/// " (range 0.66–10.5 kg)" in `unit`, or nothing when the range, as written, is one number.
pub fn range_suffix(unit: Scale, low: f64, high: f64) -> String {
    let (low_text, high_text) = (unit.number(low, Lang::En), unit.number(high, Lang::En));
    if low_text == high_text {
        String::new()
    } else {
        format!(" (range {low_text}–{high_text} {})", unit.unit)
    }
}

/// Energy in the unit that reads best: MWh, kWh, Wh or mWh.
pub fn human_energy(kwh: f64) -> String {
    energy_scale(kwh).show(kwh, Lang::En)
}

/// A mass of CO2e in the unit that reads best: t, kg, g or mg.
pub fn human_mass(kg: f64) -> String {
    mass_scale(kg).show(kg, Lang::En)
}

/// Power in the unit that reads best: MW, kW, W or mW.
pub fn human_power(watts: f64) -> String {
    power_scale(watts).show(watts, Lang::En)
}

/// A duration in hours as people write it: "45 s", "12 min", "1.5 h", "2000 h".
pub fn human_hours(hours: f64, lang: Lang) -> String {
    let magnitude = hours.abs();
    let positive = magnitude > 0.0 && magnitude.is_finite();
    if positive && magnitude < 1.0 / 60.0 {
        format!("{} s", number_in(hours * 3600.0, lang))
    } else if positive && magnitude < 1.0 {
        format!("{} min", number_in(hours * 60.0, lang))
    } else {
        // Papers count jobs in hours (GPU-hours), however long they ran.
        format!("{} h", number_in(hours, lang))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_follow_the_magnitude() {
        assert_eq!(human_energy(1234.0), "1.23 MWh");
        assert_eq!(human_energy(166.0), "166 kWh");
        assert_eq!(human_energy(0.0123), "12.3 Wh");
        assert_eq!(human_energy(0.00065), "650 mWh");
        assert_eq!(human_energy(0.000_000_5), "0.5 mWh");
        assert_eq!(human_energy(0.0), "0 kWh");
        assert_eq!(human_mass(0.5), "500 g");
        assert_eq!(human_mass(2500.0), "2.5 t");
        assert_eq!(human_mass(180_434_654_400.0), "180434654 t");
        assert_eq!(human_mass(0.000_008_8), "8.8 mg");
        assert_eq!(human_power(1500.0), "1.5 kW");
        assert_eq!(human_power(0.25), "250 mW");
    }

    #[test]
    fn german_numbers_have_a_decimal_comma_and_grouped_thousands() {
        assert_eq!(number_in(3.32, Lang::De), "3,32");
        assert_eq!(number_in(1234.0, Lang::De), "1234");
        assert_eq!(number_in(12345.0, Lang::De), "12\u{202F}345");
        assert_eq!(number_in(-1234567.0, Lang::De), "-1\u{202F}234\u{202F}567");
        assert_eq!(number_in(0.0123, Lang::De), "0,0123");
        assert_eq!(energy_scale(0.0123).show(0.0123, Lang::De), "12,3 Wh");
    }

    #[test]
    fn figures_shown_together_share_one_unit() {
        let column = common_scale([0.0005, 2.5, 1800.0], energy_scale);
        assert_eq!(column.unit, "MWh");
        assert_eq!(column.show(2.5, Lang::En), "0.0025 MWh");
        assert_eq!(
            with_range(mass_scale, 3.32, 0.66, 10.5),
            "3.32 kg (range 0.66–10.5 kg)"
        );
        assert_eq!(
            with_range(mass_scale, 0.5, 0.2, 2.0),
            "500 g (range 200–2000 g)"
        );
        assert_eq!(
            with_range(energy_scale, 0.00065, 0.00065, 0.00065),
            "650 mWh"
        );
    }

    #[test]
    fn durations_read_in_their_unit() {
        assert_eq!(human_hours(72.0, Lang::En), "72 h");
        assert_eq!(human_hours(1.5, Lang::De), "1,5 h");
        assert_eq!(human_hours(0.25, Lang::En), "15 min");
        assert_eq!(human_hours(0.002, Lang::En), "7.2 s");
        assert_eq!(human_hours(2000.0, Lang::En), "2000 h");
    }
}
