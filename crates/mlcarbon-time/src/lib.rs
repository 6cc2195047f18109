//! The one home of time in mlcarbon: the proleptic Gregorian calendar (days since 1970-01-01 to
//! and from dates, H. Hinnant's "chrono-Compatible Low-Level Date Algorithms"), UTC instants read
//! from and written as RFC 3339, and the clock. No date library: the crates need this little.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Serialize, Serializer};

pub const SECONDS_PER_DAY: i64 = 86_400;

/// Days since 1970-01-01 of a date (`month` 1–12; `day` is not checked against the month).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let shifted_month = i64::from((month + 9) % 12);
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The date (year, month 1–12, day 1–31) `days` after 1970-01-01; the inverse of
/// [`days_from_civil`].
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    // Both within 1..=31 and 1..=12 by construction.
    let day = (day_of_year - (153 * shifted_month + 2) / 5 + 1) as u32;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

/// Days in `month` (1–12) of `year`; 0 for a month that does not exist.
pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether year-month-day is a date of the calendar.
pub fn is_date(year: i64, month: u32, day: u32) -> bool {
    day >= 1 && day <= days_in_month(year, month)
}

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

/// Whether `text` is an RFC 3339 instant exactly as SQLite's date functions read it:
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` with an upper-case `T` and seconds up to 59. The
/// store keeps only such text, so that its filters and ordering can use SQLite's functions.
pub fn parse_strict_rfc3339(text: &str) -> Option<UtcTime> {
    let bytes = text.as_bytes();
    let separators_ok = bytes.len() >= 20
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes[10] == b'T'
        && bytes[13] == b':'
        && bytes[16] == b':';
    if !separators_ok || !text.is_ascii() || bytes[17..19].iter().any(|b| !b.is_ascii_digit()) {
        return None;
    }
    let second: u32 = text.get(17..19)?.parse().ok()?;
    if second > 59 {
        return None;
    }
    UtcTime::parse(text).ok()
}

/// `YYYY-MM-DD` as a day number, if it is a real date.
pub fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit());
    if !shape {
        return None;
    }
    let year: i64 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(5..7)?.parse().ok()?;
    let day: u32 = text.get(8..10)?.parse().ok()?;
    is_date(year, month, day).then(|| days_from_civil(year, month, day))
}

/// `YYYY-MM-DD` of a day number.
pub fn format_day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// The Monday that starts the ISO week of a day.
pub fn week_start(days: i64) -> i64 {
    // 1970-01-01 was a Thursday: (days + 3) mod 7 is 0 on Mondays.
    days - (days + 3).rem_euclid(7)
}

/// The start of a `since` filter: a date (`2024-01-31`) means its midnight UTC; other text is
/// returned as given, for the caller to check as an instant.
pub fn since_bound(text: &str) -> String {
    match parse_date(text) {
        Some(_) => format!("{text}T00:00:00Z"),
        None => text.to_string(),
    }
}

/// The end of an `until` filter: a date includes that whole day (until the midnight after it,
/// UTC); other text is returned as given.
pub fn until_bound(text: &str) -> String {
    match parse_date(text) {
        Some(days) => format!("{}T00:00:00Z", format_day(days + 1)),
        None => text.to_string(),
    }
}

/// `2026-11-26T13:49:50.123Z` for a time since the epoch (millisecond precision).
pub fn rfc3339_millis(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let whole = UtcTime(i64::try_from(since.as_secs()).unwrap_or(i64::MAX));
    let c = whole.civil();
    // Written digit by digit: a tracker stamps every sample, once a second from cold caches,
    // where the formatting machinery cost more than the rest of the stamp (measured).
    let Ok(year @ 0..=9999) = u32::try_from(c.year) else {
        return format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
            c.year,
            c.month,
            c.day,
            c.hour,
            c.minute,
            c.second,
            since.subsec_millis()
        );
    };
    let mut text = String::with_capacity(24);
    let fields = [
        (year, 4, '-'),
        (c.month, 2, '-'),
        (c.day, 2, 'T'),
        (c.hour, 2, ':'),
        (c.minute, 2, ':'),
        (c.second, 2, '.'),
        (since.subsec_millis(), 3, 'Z'),
    ];
    for (value, width, after) in fields {
        for place in (0..width).rev() {
            let digit = value / 10u32.pow(place) % 10;
            text.push(char::from(b'0' + digit as u8));
        }
        text.push(after);
    }
    text
}

/// The wall clock now, as [`rfc3339_millis`] writes it.
pub fn now_rfc3339() -> String {
    rfc3339_millis(SystemTime::now())
}

/// The wall clock now, to the second.
pub fn now() -> UtcTime {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UtcTime(i64::try_from(seconds).unwrap_or(i64::MAX))
}

impl UtcTime {
    /// `YYYY-MM-DDTHH:MM:SS` in UTC, no zone: the form of CodeCarbon's `timestamp` column.
    pub fn naive_utc(self) -> String {
        let c = self.civil();
        format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            c.year, c.month, c.day, c.hour, c.minute, c.second
        )
    }

    /// Days since 1970-01-01 of this instant's UTC date.
    pub fn utc_day(self) -> i64 {
        self.0.div_euclid(SECONDS_PER_DAY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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

    #[test]
    fn strict_form_is_what_sqlite_reads() {
        assert!(parse_strict_rfc3339("2024-02-29T23:59:59.123456789Z").is_some());
        assert_eq!(
            parse_strict_rfc3339("2024-01-01T01:30:00+02:00")
                .map(UtcTime::naive_utc)
                .as_deref(),
            Some("2023-12-31T23:30:00")
        );
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
            assert_eq!(parse_strict_rfc3339(text), None, "{text}");
        }
    }

    #[test]
    fn days_weeks_and_clock_text() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("2024-02-29").map(format_day).as_deref(),
            Some("2024-02-29")
        );
        for bad in ["2023-02-29", "2023-13-01", "20x3-01-01", "2023-1-01"] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        let wed = parse_date("2024-01-03").expect("date");
        assert_eq!(format_day(week_start(wed)), "2024-01-01");
        assert_eq!(
            t("2024-01-01T23:30:00-02:00").utc_day(),
            parse_date("2024-01-02").expect("date")
        );
        assert_eq!(since_bound("2024-01-31"), "2024-01-31T00:00:00Z");
        assert_eq!(until_bound("2024-01-31"), "2024-02-01T00:00:00Z");
        assert_eq!(until_bound("2024-01-31T12:00:00Z"), "2024-01-31T12:00:00Z");
        assert_eq!(rfc3339_millis(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let at = UNIX_EPOCH + std::time::Duration::from_millis(1_795_700_990_123);
        assert_eq!(rfc3339_millis(at), "2026-11-26T13:49:50.123Z");
        // Digit by digit as `format!` would write it, past year 9999 too.
        for millis in (0..400_000_000_000_000u64).step_by(7_919_999_999_917) {
            let time = UNIX_EPOCH + std::time::Duration::from_millis(millis);
            let c = UtcTime::from_unix_seconds((millis / 1000) as i64).civil();
            let expected = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
                c.year,
                c.month,
                c.day,
                c.hour,
                c.minute,
                c.second,
                millis % 1000
            );
            assert_eq!(rfc3339_millis(time), expected);
        }
    }

    #[test]
    fn known_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(civil_from_days(19_358), (2023, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(days_in_month(2024, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(2023, 13), 0);
        assert!(!is_date(2023, 2, 29) && is_date(2024, 2, 29));
    }

    proptest! {
        #[test]
        fn days_and_dates_round_trip(days in -1_000_000i64..1_000_000) {
            let (year, month, day) = civil_from_days(days);
            prop_assert!(is_date(year, month, day));
            prop_assert_eq!(days_from_civil(year, month, day), days);
            // The next day is the next date.
            let next = civil_from_days(days + 1);
            prop_assert!(next > (year, month, day));
        }
    }
}
