//! `--compat mlco2`: the published ML Emissions Calculator's arithmetic, to the cent.
//!
//! The page computes, with JavaScript numbers:
//! kWh = round2(TDP × hours / 1000); kg/kWh = round2(parseInt(g/kWh) / 1000);
//! kg = round2(kWh × kg/kWh); offset = round2(kg × offsetRatio / 100),
//! where round2(x) = Number(x.toFixed(2)).

use mlcarbon_data::mlco2::{Mlco2Dataset, Mlco2Region};
use serde::Serialize;

/// JavaScript's `Number(x.toFixed(2))`: rounds the exact binary value of `x` to two decimals,
/// an exact tie going to the larger magnitude, then reads the decimal back as the nearest double.
pub fn js_round2(x: f64) -> f64 {
    if !x.is_finite() || x.abs() >= 1e21 {
        // toFixed falls back to exponential notation there; the value is returned as is.
        return x;
    }
    let sign = if x.is_sign_negative() { -1.0 } else { 1.0 };
    let magnitude = x.abs();
    if magnitude == 0.0 {
        return 0.0;
    }
    let bits = magnitude.to_bits();
    let exponent_bits = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1u64 << 52) - 1);
    // magnitude = mantissa × 2^exponent, exactly.
    let (mantissa, exponent) = if exponent_bits == 0 {
        (fraction, -1074)
    } else {
        (fraction | (1u64 << 52), exponent_bits - 1075)
    };
    let hundredths: u128 = if exponent >= 0 {
        // An integer: nothing to round.
        return sign * magnitude;
    } else {
        let shift = (-exponent) as u32;
        let scaled = u128::from(mantissa) * 100;
        if shift >= 127 {
            // Below 2^-74 × 100: far under half a hundredth.
            0
        } else {
            let whole = scaled >> shift;
            let remainder = scaled & ((1u128 << shift) - 1);
            let half = 1u128 << (shift - 1);
            if remainder >= half { whole + 1 } else { whole }
        }
    };
    // Below 2^53 the division of two exact doubles rounds once: the nearest double to the decimal,
    // as Number() reads it. Above, the integer itself is inexact; parsing the decimal is.
    if hundredths < (1u128 << 53) {
        sign * (hundredths as f64 / 100.0)
    } else {
        let text = format!("{}.{:02}", hundredths / 100, hundredths % 100);
        sign * text.parse::<f64>().unwrap_or(magnitude)
    }
}

/// Where the calculator's intensity comes from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mlco2Intensity<'a> {
    /// A row of its `impact.csv`: g/kWh truncated by `parseInt`, then rounded to 0.01 kg/kWh.
    Region(&'a Mlco2Region),
    /// "Private infrastructure": a custom figure in g/kWh, used as given.
    Custom { g_per_kwh: f64, offset_percent: f64 },
}

/// The calculator's result, every figure as the page shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Mlco2Result {
    pub device: String,
    pub tdp_w: f64,
    pub hours: f64,
    pub location: String,
    pub impact_g_per_kwh: f64,
    pub kwh: f64,
    pub kg_per_kwh: f64,
    pub kg: f64,
    pub offset_percent: f64,
    pub offset_kg: f64,
}

/// Why the calculator cannot compute a result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CompatError {
    #[error("the calculator's row for {0} has no integer intensity (`parseInt` gives NaN)")]
    NoIntensity(String),
}

pub fn mlco2_estimate(
    device: &str,
    tdp_w: f64,
    hours: f64,
    intensity: Mlco2Intensity<'_>,
) -> Result<Mlco2Result, CompatError> {
    let kwh = js_round2(tdp_w * hours / 1000.0);
    let (location, impact, kg_per_kwh, offset_percent) = match intensity {
        Mlco2Intensity::Region(row) => {
            let impact = row
                .impact_truncated_g_per_kwh()
                .ok_or_else(|| CompatError::NoIntensity(row.label()))?;
            (
                row.label(),
                impact,
                js_round2(impact / 1000.0),
                row.offset_ratio,
            )
        }
        Mlco2Intensity::Custom {
            g_per_kwh,
            offset_percent,
        } => (
            "custom intensity".to_string(),
            g_per_kwh,
            g_per_kwh / 1000.0,
            offset_percent,
        ),
    };
    let kg = js_round2(kwh * kg_per_kwh);
    let offset_kg = js_round2(kg * offset_percent / 100.0);
    Ok(Mlco2Result {
        device: device.to_string(),
        tdp_w,
        hours,
        location,
        impact_g_per_kwh: impact,
        kwh,
        kg_per_kwh,
        kg,
        offset_percent,
        offset_kg,
    })
}

/// The calculator's data with exact arithmetic: no `parseInt`, no rounding (`--dataset mlco2`
/// without `--compat`), to show how much of a difference the rounding makes.
pub fn mlco2_exact(
    device: &str,
    tdp_w: f64,
    hours: f64,
    row: &Mlco2Region,
) -> Result<Mlco2Result, CompatError> {
    let impact = row
        .impact_g_per_kwh()
        .ok_or_else(|| CompatError::NoIntensity(row.label()))?;
    let kwh = tdp_w * hours / 1000.0;
    let kg = kwh * impact / 1000.0;
    Ok(Mlco2Result {
        device: device.to_string(),
        tdp_w,
        hours,
        location: row.label(),
        impact_g_per_kwh: impact,
        kwh,
        kg_per_kwh: impact / 1000.0,
        kg,
        offset_percent: row.offset_ratio,
        offset_kg: kg * row.offset_ratio / 100.0,
    })
}

/// The calculator's "cleanest region of the provider", as its page computes it: the first row
/// of the provider with the strictly lowest `parseInt` intensity, and for it
/// round2(kWh × g/kWh / 1000), where kWh is already rounded but the intensity is not.
pub fn mlco2_cleanest_region<'a>(
    data: &'a Mlco2Dataset,
    provider: &'a str,
    device: &str,
    tdp_w: f64,
    hours: f64,
) -> Option<(&'a Mlco2Region, Mlco2Result)> {
    let mut best: Option<(&Mlco2Region, f64)> = None;
    for row in data.provider_regions(provider) {
        let Some(impact) = row.impact_truncated_g_per_kwh() else {
            continue;
        };
        if best.is_none_or(|(_, lowest)| impact < lowest) {
            best = Some((row, impact));
        }
    }
    let (row, impact) = best?;
    let kwh = js_round2(tdp_w * hours / 1000.0);
    let kg = js_round2(kwh * impact / 1000.0);
    Some((
        row,
        Mlco2Result {
            device: device.to_string(),
            tdp_w,
            hours,
            location: row.label(),
            impact_g_per_kwh: impact,
            kwh,
            kg_per_kwh: impact / 1000.0,
            kg,
            offset_percent: row.offset_ratio,
            offset_kg: js_round2(kg * row.offset_ratio / 100.0),
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_exact_binary_value_ties_up() {
        assert_eq!(js_round2(2.625), 2.63); // exactly representable tie: up
        assert_eq!(js_round2(1.005), 1.0); // 1.005 is 1.00499999999999989... in binary
        assert_eq!(js_round2(0.125), 0.13);
        assert_eq!(js_round2(0.0789), 0.08);
        assert_eq!(js_round2(22.098), 22.1);
        assert_eq!(js_round2(-2.625), -2.63);
        assert_eq!(js_round2(0.0), 0.0);
        assert_eq!(js_round2(1e-300), 0.0);
        assert_eq!(js_round2(30.0), 30.0);
        assert_eq!(js_round2(1.0e20 + 0.5), 1.0e20);
    }
}
