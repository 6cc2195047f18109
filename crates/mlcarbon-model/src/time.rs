//! UTC instants for intensity profiles and schedules: seconds since 1970-01-01T00:00:00Z, read
//! from RFC 3339 (`2022-01-01T00:00:00Z`, `2022-01-01T01:00:00+01:00`) or `YYYY-MM-DD HH:MM`
//! (taken as UTC), shown as RFC 3339 in UTC. The calendar is the proleptic Gregorian one.

use std::fmt;

use mlcarbon_time::{SECONDS_PER_DAY, civil_from_days, days_from_civil};
pub use mlcarbon_time::{days_in_month, is_leap_year};
use serde::{Serialize, Serializer};

pub const SECONDS_PER_HOUR: i64 = 3_600;

/// Why a text is not a timestamp.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{text}` is not a timestamp: {reason} (use RFC 3339, e.g. 2022-01-01T00:00:00Z, or YYYY-MM-DD HH:MM in UTC)"
)]
pub struct TimeError {
    pub text: String,
    pub reason: String,
}

/// A UTC instant, to the second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UtcTime(i64);

/// The calendar fields of a [`UtcTime`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl UtcTime {
    pub const fn from_unix_seconds(seconds: i64) -> Self {
        UtcTime(seconds)
    }

    pub const fn unix_seconds(self) -> i64 {
        self.0
    }

    /// An instant from calendar fields, `None` when a field is out of range.
    pub fn from_civil(civil: Civil) -> Option<Self> {
        let Civil {
            year,
            month,
            day,
            hour,
            minute,
            second,
        } = civil;
        let valid = (1..=9999).contains(&year)
            && (1..=12).contains(&month)
            && (1..=days_in_month(year, month)).contains(&day)
            && hour < 24
            && minute < 60
            && second <= 60;
        valid.then(|| {
            UtcTime(
                days_from_civil(year, month, day) * SECONDS_PER_DAY
                    + i64::from(hour) * SECONDS_PER_HOUR
                    + i64::from(minute) * 60
                    + i64::from(second),
            )
        })
    }

    pub fn civil(self) -> Civil {
        let days = self.0.div_euclid(SECONDS_PER_DAY);
        let second_of_day = self.0.rem_euclid(SECONDS_PER_DAY);
        let (year, month, day) = civil_from_days(days);
        Civil {
            year,
            month,
            day,
            hour: (second_of_day / SECONDS_PER_HOUR) as u32,
            minute: (second_of_day % SECONDS_PER_HOUR / 60) as u32,
            second: (second_of_day % 60) as u32,
        }
    }

    /// Month of the year, 1–12.
    pub fn month(self) -> u32 {
        self.civil().month
    }

    /// Hour of the day, 0–23.
    pub fn hour(self) -> u32 {
        (self.0.rem_euclid(SECONDS_PER_DAY) / SECONDS_PER_HOUR) as u32
    }

    /// The start of the hour this instant falls in.
    pub fn floor_hour(self) -> Self {
        UtcTime(self.0 - self.0.rem_euclid(SECONDS_PER_HOUR))
    }

    /// This instant plus a (possibly fractional) number of hours, to the nearest second.
    pub fn plus_hours(self, hours: f64) -> Self {
        UtcTime(self.0 + (hours * SECONDS_PER_HOUR as f64).round() as i64)
    }

    /// Hours from `earlier` to this instant (negative when `earlier` is later).
    pub fn hours_since(self, earlier: UtcTime) -> f64 {
        (self.0 - earlier.0) as f64 / SECONDS_PER_HOUR as f64
    }

    /// Reads RFC 3339 (`T`, `t` or a space between date and time; seconds and fraction
    /// optional; `Z` or `±HH:MM`) or `YYYY-MM-DD HH:MM`; without an offset the time is UTC.
    /// Fractions of a second are dropped.
    pub fn parse(text: &str) -> Result<Self, TimeError> {
        let fail = |reason: &str| TimeError {
            text: text.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = text.trim();
        if !trimmed.is_ascii() {
            return Err(fail("only ASCII digits and separators are expected"));
        }
        let bytes = trimmed.as_bytes();
        let digits = |from: usize, len: usize| -> Option<u32> {
            let part = trimmed.get(from..from + len)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let at = |i: usize| bytes.get(i).copied();
        let (Some(year), Some(month), Some(day)) = (digits(0, 4), digits(5, 2), digits(8, 2))
        else {
            return Err(fail("the date must be YYYY-MM-DD"));
        };
        if at(4) != Some(b'-') || at(7) != Some(b'-') {
            return Err(fail("the date must be YYYY-MM-DD"));
        }
        if !matches!(at(10), Some(b'T' | b't' | b' ')) {
            return Err(fail("a time must follow the date after `T` or a space"));
        }
        let (Some(hour), Some(minute)) = (digits(11, 2), digits(14, 2)) else {
            return Err(fail("the time must be HH:MM or HH:MM:SS"));
        };
        if at(13) != Some(b':') {
            return Err(fail("the time must be HH:MM or HH:MM:SS"));
        }
        let mut i = 16;
        let mut second = 0;
        if at(i) == Some(b':') {
            second = digits(i + 1, 2).ok_or_else(|| fail("seconds must be two digits"))?;
            i += 3;
            if at(i) == Some(b'.') {
                i += 1;
                let start = i;
                while at(i).is_some_and(|b| b.is_ascii_digit()) {
                    i += 1;
                }
                if i == start {
                    return Err(fail("a fraction of a second needs digits"));
                }
            }
        }
        let offset_seconds = match at(i) {
            None => 0,
            Some(b'Z' | b'z') if i + 1 == bytes.len() => 0,
            Some(sign @ (b'+' | b'-')) if i + 6 == bytes.len() && at(i + 3) == Some(b':') => {
                let (Some(oh), Some(om)) = (digits(i + 1, 2), digits(i + 4, 2)) else {
                    return Err(fail("the offset must be ±HH:MM"));
                };
                if oh > 23 || om > 59 {
                    return Err(fail("the offset must be ±HH:MM"));
                }
                let magnitude = i64::from(oh) * SECONDS_PER_HOUR + i64::from(om) * 60;
                if sign == b'+' { magnitude } else { -magnitude }
            }
            Some(_) => return Err(fail("unexpected text after the time (offset: Z or ±HH:MM)")),
        };
        let civil = Civil {
            year: i64::from(year),
            month,
            day,
            hour,
            minute,
            second,
        };
        let local = UtcTime::from_civil(civil).ok_or_else(|| {
            fail("a field is out of range (month 1-12, a day the month has, hour 0-23, minute 0-59, second 0-60)")
        })?;
        Ok(UtcTime(local.0 - offset_seconds))
    }
}

impl fmt::Display for UtcTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = self.civil();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }
}

/// JSON carries the RFC 3339 text, not the count of seconds.
impl Serialize for UtcTime {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(text: &str) -> UtcTime {
        UtcTime::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn reads_the_accepted_forms() {
        assert_eq!(t("1970-01-01T00:00:00Z").unix_seconds(), 0);
        assert_eq!(t("2022-01-01T00:00:00Z").unix_seconds(), 1_640_995_200);
        assert_eq!(t("2022-01-01 00:00"), t("2022-01-01T00:00:00Z"));
        assert_eq!(t("2022-01-01t01:00:00+01:00"), t("2022-01-01T00:00:00Z"));
        assert_eq!(
            t("2021-12-31T19:00:00.123-05:00"),
            t("2022-01-01T00:00:00z")
        );
        assert_eq!(
            t(" 2024-02-29 23:59:59 ").to_string(),
            "2024-02-29T23:59:59Z"
        );
        assert_eq!(t("2016-12-31T23:59:60Z"), t("2017-01-01T00:00:00Z"));
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in [
            "",
            "2022-01-01",
            "2022-1-01 00:00",
            "2022-02-29 00:00",
            "2022-01-01 24:00",
            "2022-01-01T00:00:00+0100",
            "2022-01-01T00:00:00ZZ",
            "2022-01-01T00:00:00.Z",
            "2022-01-01T00:60",
            "2022-01-01T00:00:00+24:00",
            "２０２２-01-01 00:00",
        ] {
            assert!(UtcTime::parse(bad).is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn calendar_round_trips() {
        for days in [-800_000, -1, 0, 59, 60, 11_016, 11_017, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        let time = t("2022-03-15T17:30:00Z");
        assert_eq!((time.month(), time.hour()), (3, 17));
        assert_eq!(time.floor_hour(), t("2022-03-15T17:00:00Z"));
        assert_eq!(time.plus_hours(1.5), t("2022-03-15T19:00:00Z"));
        assert_eq!(t("2022-03-15T19:00:00Z").hours_since(time), 1.5);
    }
}
