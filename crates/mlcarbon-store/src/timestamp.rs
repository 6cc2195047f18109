//! The little of RFC 3339 the store needs: check a timestamp before it is stored (SQLite's date
//! functions must be able to read it, for filters and ordering) and write it as CodeCarbon does.
//! A date crate would do more than this and cost a dependency.

use mlcarbon_time::{SECONDS_PER_DAY, civil_from_days, days_from_civil, is_date};

/// An instant parsed from RFC 3339 text, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Instant {
    /// Seconds since 1970-01-01T00:00:00Z, fractions dropped.
    unix_seconds: i64,
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`. Accepts exactly what SQLite's date
/// functions read too: an upper-case `T`, seconds up to 59.
pub(crate) fn parse(text: &str) -> Option<Instant> {
    let bytes = text.as_bytes();
    if bytes.len() < 20 {
        return None;
    }
    let number = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = bytes.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let separators_ok = bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':';
    if !separators_ok {
        return None;
    }
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let (month, day) = (u32::try_from(month).ok()?, u32::try_from(day).ok()?);
    let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
    if !is_date(year, month, day) || hour > 23 || minute > 59 || second > 59 {
        return None;
    }

    let mut rest = &bytes[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset_seconds = match rest {
        b"Z" | b"z" => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [*h1, *h2, *m1, *m2];
            if !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let hours = i64::from((h1 - b'0') * 10 + (h2 - b'0'));
            let minutes = i64::from((m1 - b'0') * 10 + (m2 - b'0'));
            if hours > 23 || minutes > 59 {
                return None;
            }
            let magnitude = hours * 3600 + minutes * 60;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return None,
    };

    let local =
        days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second;
    Some(Instant {
        unix_seconds: local - offset_seconds,
    })
}

impl Instant {
    /// `YYYY-MM-DDTHH:MM:SS` in UTC, no zone: the form of CodeCarbon's `timestamp` column.
    pub(crate) fn naive_utc_seconds(self) -> String {
        let days = self.unix_seconds.div_euclid(SECONDS_PER_DAY);
        let second_of_day = self.unix_seconds.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            second_of_day / 3600,
            second_of_day % 3600 / 60,
            second_of_day % 60
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(text: &str) -> Option<String> {
        parse(text).map(Instant::naive_utc_seconds)
    }

    #[test]
    fn utc_timestamps_keep_their_wall_clock() {
        assert_eq!(
            naive("2024-01-01T12:00:00Z").as_deref(),
            Some("2024-01-01T12:00:00")
        );
        assert_eq!(
            naive("2024-02-29T23:59:59.123456789Z").as_deref(),
            Some("2024-02-29T23:59:59")
        );
        assert_eq!(
            naive("1970-01-01T00:00:00+00:00").as_deref(),
            Some("1970-01-01T00:00:00")
        );
    }

    #[test]
    fn offsets_move_to_utc_across_days_and_years() {
        assert_eq!(
            naive("2024-01-01T01:30:00+02:00").as_deref(),
            Some("2023-12-31T23:30:00")
        );
        assert_eq!(
            naive("2023-12-31T22:00:00-05:30").as_deref(),
            Some("2024-01-01T03:30:00")
        );
        assert_eq!(
            naive("2100-02-28T23:00:00-01:00").as_deref(),
            Some("2100-03-01T00:00:00")
        );
    }

    #[test]
    fn malformed_timestamps_are_refused() {
        for text in [
            "",
            "2024-01-01",
            "2024-01-01T12:00:00",
            "2024-01-01 12:00:00Z",
            "2024-01-01t12:00:00Z",
            "2024-13-01T12:00:00Z",
            "2023-02-29T12:00:00Z",
            "2024-01-01T24:00:00Z",
            "2024-01-01T12:00:60Z",
            "2024-01-01T12:00:00.Z",
            "2024-01-01T12:00:00+0200",
            "2024-01-01T12:00:00Zjunk",
            "２024-01-01T12:00:00Z",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    #[test]
    fn day_numbers_round_trip() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }
}
