//! Durations written by people: `90m`, `1.5h`, `1h30m`, `2d`, `45s`, or a plain number in the
//! unit the flag has always taken (hours for `--hours`, seconds for `monitor --duration`), so
//! existing scripts keep their meaning.

/// The unit of a plain number, and the unit the parsed value is returned in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DurationUnit {
    Seconds,
    Hours,
}

impl DurationUnit {
    fn seconds(self) -> f64 {
        match self {
            DurationUnit::Seconds => 1.0,
            DurationUnit::Hours => 3600.0,
        }
    }

    /// The unit's name for messages ("hours").
    pub fn name(self) -> &'static str {
        match self {
            DurationUnit::Seconds => "seconds",
            DurationUnit::Hours => "hours",
        }
    }
}

/// Seconds in one of the suffixes, largest first: parts must come in this order, each once.
const SUFFIXES: [(char, f64); 4] = [('d', 86_400.0), ('h', 3_600.0), ('m', 60.0), ('s', 1.0)];

/// Reads `text` as a duration and returns it in `unit`. A plain number is already in `unit`
/// (and may be negative or zero: the caller's range check says why that is refused, in the
/// flag's own words); parts with suffixes must be ≥ 0. The error names the unit of plain numbers.
pub fn parse_duration(text: &str, unit: DurationUnit) -> Result<f64, String> {
    let trimmed = text.trim();
    if let Ok(plain) = trimmed.parse::<f64>() {
        return Ok(plain);
    }
    let refuse = || {
        format!(
            "`{text}` is not a duration; give {} as a plain number, or a number with a unit \
             (d, h, m, s), e.g. 90m, 1.5h, 1h30m, 2d, 45s",
            unit.name()
        )
    };
    if trimmed.is_empty() {
        return Err(refuse());
    }
    let mut total_s = 0.0;
    let mut next_suffix = 0; // index into SUFFIXES: later parts must use smaller units
    let mut rest = trimmed;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .ok_or_else(refuse)?;
        let (number, tail) = rest.split_at(digits);
        let value: f64 = number.parse().map_err(|_| refuse())?;
        let suffix = tail.chars().next().ok_or_else(refuse)?;
        let position = SUFFIXES[next_suffix..]
            .iter()
            .position(|(s, _)| *s == suffix.to_ascii_lowercase())
            .ok_or_else(refuse)?
            + next_suffix;
        total_s += value * SUFFIXES[position].1;
        next_suffix = position + 1;
        rest = tail[suffix.len_utf8()..].trim_start();
    }
    if !total_s.is_finite() {
        return Err(refuse());
    }
    Ok(total_s / unit.seconds())
}

#[cfg(test)]
mod tests {
    use super::*;
    use DurationUnit::{Hours, Seconds};

    #[test]
    fn units_and_plain_numbers() {
        assert_eq!(parse_duration("90m", Hours), Ok(1.5));
        assert_eq!(parse_duration("1.5h", Hours), Ok(1.5));
        assert_eq!(parse_duration("1h30m", Hours), Ok(1.5));
        assert_eq!(parse_duration("1h 30m", Hours), Ok(1.5));
        assert_eq!(parse_duration("2d", Hours), Ok(48.0));
        assert_eq!(parse_duration("45s", Seconds), Ok(45.0));
        assert_eq!(parse_duration("24", Hours), Ok(24.0));
        assert_eq!(parse_duration(" 30 ", Seconds), Ok(30.0));
        assert_eq!(parse_duration("2m", Seconds), Ok(120.0));
        assert_eq!(parse_duration("-3", Hours), Ok(-3.0));
    }

    #[test]
    fn refusals_name_the_plain_unit() {
        for bad in [
            "", "h", "1x", "30m1h", "1h1h", "-1h", "1..5h", "1h30", "abc", "1 h x",
        ] {
            let error = parse_duration(bad, Hours).expect_err(bad);
            assert!(
                error.contains("give hours as a plain number"),
                "{bad}: {error}"
            );
        }
        assert!(
            parse_duration("soon", Seconds)
                .expect_err("text")
                .contains("give seconds as a plain number")
        );
    }
}
