//! The little calendar arithmetic the dashboard needs: RFC 3339 to UTC days, the Monday of a
//! week, and date-only filters (`2024-01-31`) to the instants the store compares.

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = if month <= 2 {
        yoe + era * 400 + 1
    } else {
        yoe + era * 400
    };
    (year, month, day)
}

fn number(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// `YYYY-MM-DD` as a day number, if it is a real date.
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let (y, m, d) = (number(y)?, number(m)?, number(d)?);
    if !(1..=12).contains(&m) || d < 1 {
        return None;
    }
    let days = days_from_civil(y, m, d);
    (civil_from_days(days) == (y, m, d)).then_some(days)
}

/// The UTC day of an RFC 3339 instant (`2024-01-01T23:30:00-02:00` is 2024-01-02).
pub fn utc_day(text: &str) -> Option<i64> {
    let text = text.trim();
    let date = parse_date(text.get(..10)?)?;
    let rest = text.get(10..)?;
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let hour = number(rest.get(..2)?)?;
    let minute = number(rest.get(3..5)?)?;
    let zone = rest.get(8..)?;
    let zone = zone.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset_min = match zone {
        "Z" | "z" => 0,
        z if z.len() == 6 && (z.starts_with('+') || z.starts_with('-')) => {
            let h = number(z.get(1..3)?)?;
            let m = number(z.get(4..6)?)?;
            let sign = if z.starts_with('-') { -1 } else { 1 };
            sign * (h * 60 + m)
        }
        _ => return None,
    };
    let minutes = date * 1440 + hour * 60 + minute - offset_min;
    Some(minutes.div_euclid(1440))
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

/// A `since` filter: a date means its midnight UTC; anything else goes to the store as is.
pub fn since_filter(text: &str) -> String {
    match parse_date(text) {
        Some(_) => format!("{text}T00:00:00Z"),
        None => text.to_string(),
    }
}

/// An `until` filter: a date includes that whole day (until midnight after it, UTC).
pub fn until_filter(text: &str) -> String {
    match parse_date(text) {
        Some(days) => format!("{}T00:00:00Z", format_day(days + 1)),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(
            parse_date("2024-02-29").map(format_day).as_deref(),
            Some("2024-02-29")
        );
        assert_eq!(parse_date("2023-02-29"), None);
        assert_eq!(parse_date("2023-13-01"), None);
        assert_eq!(parse_date("20x3-01-01"), None);
    }

    #[test]
    fn offsets_move_the_day() {
        let d = parse_date("2024-01-02");
        assert_eq!(utc_day("2024-01-01T23:30:00-02:00"), d);
        assert_eq!(
            utc_day("2024-01-02T00:30:00.5+01:00"),
            parse_date("2024-01-01")
        );
        assert_eq!(utc_day("2024-01-02T10:00:00Z"), d);
        assert_eq!(utc_day("garbage"), None);
        assert_eq!(utc_day("2024-01-02"), None);
    }

    #[test]
    fn weeks_start_on_monday() {
        // 2024-01-03 was a Wednesday; its week starts on Monday 2024-01-01.
        let wed = parse_date("2024-01-03").expect("date");
        assert_eq!(format_day(week_start(wed)), "2024-01-01");
        let mon = parse_date("2024-01-01").expect("date");
        assert_eq!(week_start(mon), mon);
    }

    #[test]
    fn date_filters() {
        assert_eq!(since_filter("2024-01-31"), "2024-01-31T00:00:00Z");
        assert_eq!(until_filter("2024-01-31"), "2024-02-01T00:00:00Z");
        assert_eq!(until_filter("2024-01-31T12:00:00Z"), "2024-01-31T12:00:00Z");
    }
}
