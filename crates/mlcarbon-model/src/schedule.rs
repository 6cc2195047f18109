//! When to run: the start time within a window that gives a job the lowest mean grid intensity,
//! from an hourly series or a typical day (by hour, or by month and hour).
//!
//! The intensity is a step function of time, constant within each hour of the profile. A job of
//! `H` hours starting at `s` sees the mean `(F(s + H) − F(s)) / H`, where `F` is the integral of
//! the profile, kept as prefix sums of the hourly values so that each start costs O(1) and a
//! whole window O(n) (Cormen et al., *Introduction to Algorithms*, prefix sums). `F` is linear
//! within each hour, so the mean is piecewise linear in `s` with breaks where the start or the end
//! crosses an hour boundary: its minimum lies at one of those breaks or at an end of the window,
//! and only those O(n) starts are examined. A fraction of an hour at either end of the job counts
//! that hour's value in proportion. Emissions assume a constant draw over the job: energy × mean
//! intensity.

use mlcarbon_data::{HourlyProfile, MonthHourProfile};
use serde::Serialize;

use crate::time::{SECONDS_PER_HOUR, UtcTime, days_in_month};
use crate::units::{GramsPerKwh, Hours, KgCo2e, KilowattHours, Ranged};

/// The longest window searched: five years of hours, far beyond any useful delay, and a bound on
/// the memory a cyclic profile expands into.
pub const MAX_WINDOW_HOURS: f64 = 5.0 * 8_784.0;

/// A grid intensity that no grid reaches (coal plants emit about 1,000 g/kWh over their life
/// cycle): a value above it is taken for a unit mistake (g/MWh, lb/MWh).
pub const MAX_PLAUSIBLE_G_PER_KWH: f64 = 3_000.0;

/// Why a profile cannot be built or read.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    #[error("line {line}: {message}")]
    Line { line: usize, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// Why no schedule could be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScheduleError {
    #[error("the job must last a positive number of hours, not {0}")]
    JobHours(f64),
    #[error("the window ({window} h) is shorter than the job ({job} h); give a longer window")]
    WindowShorterThanJob { window: f64, job: f64 },
    #[error("a window of {0} h is longer than the {MAX_WINDOW_HOURS} h searched at most")]
    WindowTooLong(f64),
    #[error(
        "the profile starts at {start}, after {now}; give a time within the profile or use a month × hour profile"
    )]
    BeforeProfile { start: UtcTime, now: UtcTime },
    #[error(
        "only {available:.2} h of the profile remain after {now} (it ends at {end}), fewer than the job's {job} h"
    )]
    ProfileTooShort {
        now: UtcTime,
        end: UtcTime,
        available: f64,
        job: f64,
    },
}

/// Grid carbon intensity over time.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IntensityProfile {
    /// Consecutive hourly values, the first one for the hour from `start`; finite in time.
    Hourly { start: UtcTime, g_per_kwh: Vec<f64> },
    /// The same 24 UTC hours every day.
    HourOfDay { g_per_kwh: [f64; 24] },
    /// 24 UTC hours for each month, `g_per_kwh[month - 1][hour]`; repeats every year.
    MonthHour { g_per_kwh: Box<[[f64; 24]; 12]> },
}

fn check_value(value: f64) -> Result<f64, String> {
    if !value.is_finite() || value < 0.0 {
        Err(format!("{value} is not a non-negative intensity"))
    } else if value > MAX_PLAUSIBLE_G_PER_KWH {
        Err(format!(
            "{value} g/kWh is above any grid ({MAX_PLAUSIBLE_G_PER_KWH} g/kWh); is it in g/kWh?"
        ))
    } else {
        Ok(value)
    }
}

impl IntensityProfile {
    /// An hourly series; refused when empty or holding a value that is not an intensity.
    pub fn hourly(start: UtcTime, g_per_kwh: Vec<f64>) -> Result<Self, ProfileError> {
        if g_per_kwh.is_empty() {
            return Err(ProfileError::Invalid(
                "an hourly profile needs at least one value".to_string(),
            ));
        }
        for (i, &v) in g_per_kwh.iter().enumerate() {
            check_value(v).map_err(|m| ProfileError::Invalid(format!("hour {i}: {m}")))?;
        }
        Ok(IntensityProfile::Hourly { start, g_per_kwh })
    }

    /// A built-in hourly series (`Dataset::hourly_profile`).
    pub fn from_hourly(profile: &HourlyProfile) -> Result<Self, ProfileError> {
        IntensityProfile::hourly(
            UtcTime::from_unix_seconds(profile.start_unix_seconds),
            profile.g_per_kwh.clone(),
        )
    }

    /// A built-in month × hour-of-day table (`Dataset::month_hour_profile`).
    pub fn from_month_hour(profile: &MonthHourProfile) -> Result<Self, ProfileError> {
        for (m, row) in profile.g_per_kwh.iter().enumerate() {
            for (h, &v) in row.iter().enumerate() {
                check_value(v)
                    .map_err(|e| ProfileError::Invalid(format!("month {} hour {h}: {e}", m + 1)))?;
            }
        }
        Ok(IntensityProfile::MonthHour {
            g_per_kwh: Box::new(profile.g_per_kwh),
        })
    }

    /// The same pattern scaled so that its mean is `mean` (another grid's hour-by-hour shape at
    /// this grid's level); unchanged when the profile's own mean is zero.
    pub fn scaled_to_mean(&self, mean: GramsPerKwh) -> Self {
        let own = self.mean().0;
        if own <= 0.0 || !mean.0.is_finite() || mean.0 < 0.0 {
            return self.clone();
        }
        let factor = mean.0 / own;
        match self {
            IntensityProfile::Hourly { start, g_per_kwh } => IntensityProfile::Hourly {
                start: *start,
                g_per_kwh: g_per_kwh.iter().map(|v| v * factor).collect(),
            },
            IntensityProfile::HourOfDay { g_per_kwh } => IntensityProfile::HourOfDay {
                g_per_kwh: g_per_kwh.map(|v| v * factor),
            },
            IntensityProfile::MonthHour { g_per_kwh } => IntensityProfile::MonthHour {
                g_per_kwh: Box::new(g_per_kwh.map(|row| row.map(|v| v * factor))),
            },
        }
    }

    /// Whether the profile repeats (a typical day or year) rather than covering one stretch of time.
    pub fn is_cyclic(&self) -> bool {
        !matches!(self, IntensityProfile::Hourly { .. })
    }

    /// Start and end of an hourly series; `None` for a repeating profile.
    pub fn span(&self) -> Option<(UtcTime, UtcTime)> {
        match self {
            IntensityProfile::Hourly { start, g_per_kwh } => {
                Some((*start, start.plus_hours(g_per_kwh.len() as f64)))
            }
            _ => None,
        }
    }

    /// The intensity during the hour that holds `time`; `None` outside an hourly series.
    pub fn value_at(&self, time: UtcTime) -> Option<GramsPerKwh> {
        match self {
            IntensityProfile::Hourly { start, g_per_kwh } => {
                let offset = time.unix_seconds() - start.unix_seconds();
                if offset < 0 {
                    return None;
                }
                let index = usize::try_from(offset / SECONDS_PER_HOUR).ok()?;
                g_per_kwh.get(index).copied().map(GramsPerKwh)
            }
            IntensityProfile::HourOfDay { g_per_kwh } => g_per_kwh
                .get(time.hour() as usize)
                .copied()
                .map(GramsPerKwh),
            IntensityProfile::MonthHour { g_per_kwh } => g_per_kwh
                .get(time.month() as usize - 1)
                .and_then(|row| row.get(time.hour() as usize))
                .copied()
                .map(GramsPerKwh),
        }
    }

    /// The time-weighted mean: over all hours of a series; over the 24 hours of a typical day;
    /// over a 365-day year for a month × hour table (each month weighted by its days).
    pub fn mean(&self) -> GramsPerKwh {
        match self {
            IntensityProfile::Hourly { g_per_kwh, .. } => {
                GramsPerKwh(g_per_kwh.iter().sum::<f64>() / g_per_kwh.len() as f64)
            }
            IntensityProfile::HourOfDay { g_per_kwh } => {
                GramsPerKwh(g_per_kwh.iter().sum::<f64>() / 24.0)
            }
            IntensityProfile::MonthHour { g_per_kwh } => {
                let mut total = 0.0;
                for (m, row) in g_per_kwh.iter().enumerate() {
                    let days = f64::from(days_in_month(2001, m as u32 + 1));
                    total += days * row.iter().sum::<f64>() / 24.0;
                }
                GramsPerKwh(total / 365.0)
            }
        }
    }
}

/// What to schedule.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduleRequest {
    /// The earliest start.
    pub now: UtcTime,
    /// How long the job runs.
    pub job: Hours,
    /// The job must finish within this many hours from `now`.
    pub window: Hours,
    /// How many good windows to list (the best one included).
    pub windows: usize,
}

/// One possible run of the job.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Window {
    pub start: UtcTime,
    pub end: UtcTime,
    /// Hours between the request's `now` and the start.
    pub wait: Hours,
    /// Time-weighted mean intensity over the run.
    pub mean_intensity: GramsPerKwh,
}

/// The best start, starting now, and the next good windows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Schedule {
    pub job: Hours,
    pub window: Hours,
    /// End of the searched window: `now + window`, or the end of an hourly series when that
    /// comes first (then `truncated` is true).
    pub searched_until: UtcTime,
    pub truncated: bool,
    pub best: Window,
    pub start_now: Window,
    /// Non-overlapping windows, lowest mean intensity first (ties: earliest); the first is `best`.
    pub windows: Vec<Window>,
    /// Mean intensity over the whole searched window.
    pub window_mean: GramsPerKwh,
    /// Mean intensity of the whole profile ([`IntensityProfile::mean`]).
    pub profile_mean: GramsPerKwh,
    /// `1 − best / start_now`, percent.
    pub saving_vs_now_percent: f64,
    /// `1 − best / profile_mean`, percent.
    pub saving_vs_average_percent: f64,
}

/// Emissions of the job at the best start, starting now, and at the profile's mean intensity.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ScheduleEmissions {
    pub best: Ranged<KgCo2e>,
    pub start_now: Ranged<KgCo2e>,
    pub profile_mean: Ranged<KgCo2e>,
    /// Central values: starting now minus the best start.
    pub saving_vs_now: KgCo2e,
    pub saving_vs_average: KgCo2e,
}

fn percent_below(better: f64, reference: f64) -> f64 {
    if reference > 0.0 {
        (1.0 - better / reference) * 100.0
    } else {
        0.0
    }
}

impl Schedule {
    /// Emissions of a job that uses `energy` (facility energy, PUE included) at a constant draw.
    pub fn emissions(&self, energy: Ranged<KilowattHours>) -> ScheduleEmissions {
        let at = |intensity: GramsPerKwh| energy.map(|e| e * intensity);
        let best = at(self.best.mean_intensity);
        let start_now = at(self.start_now.mean_intensity);
        let profile_mean = at(self.profile_mean);
        ScheduleEmissions {
            best,
            start_now,
            profile_mean,
            saving_vs_now: KgCo2e(start_now.value.0 - best.value.0),
            saving_vs_average: KgCo2e(profile_mean.value.0 - best.value.0),
        }
    }
}

/// Hourly values from `origin` with their running integral.
struct Integral {
    origin: UtcTime,
    values: Vec<f64>,
    /// `prefix[i]` = sum of `values[..i]` (intensity × hours).
    prefix: Vec<f64>,
}

impl Integral {
    fn new(origin: UtcTime, values: Vec<f64>) -> Self {
        let mut prefix = Vec::with_capacity(values.len() + 1);
        let mut sum = 0.0;
        prefix.push(sum);
        for v in &values {
            sum += v;
            prefix.push(sum);
        }
        Integral {
            origin,
            values,
            prefix,
        }
    }

    /// ∫ intensity from the origin to `x` hours after it, for 0 ≤ x ≤ len.
    fn at(&self, x: f64) -> f64 {
        let n = self.values.len();
        let whole = x.floor();
        if whole < 0.0 {
            return 0.0;
        }
        let i = whole as usize;
        if i >= n {
            return self.prefix[n];
        }
        self.prefix[i] + (x - whole) * self.values[i]
    }

    fn mean(&self, from: f64, hours: f64) -> f64 {
        let to = from + hours;
        let (first, last) = (from.floor(), to.floor());
        if first >= 0.0 && last - first <= 2.0 {
            // A short span: the mean of the (at most three) hours it touches, weighted by their
            // overlaps and divided by their sum, so that a span of a fraction of a second is not
            // the difference of two running sums far larger than it (whose rounding put it
            // outside its hours' values).
            let (mut weighted, mut weights) = (0.0, 0.0);
            let mut hour = first;
            while hour <= last {
                if let Some(value) = self.values.get(hour as usize) {
                    let overlap = to.min(hour + 1.0) - from.max(hour);
                    if overlap > 0.0 {
                        weighted += overlap * value;
                        weights += overlap;
                    }
                }
                hour += 1.0;
            }
            if weights > 0.0 {
                return weighted / weights;
            }
        }
        (self.at(to) - self.at(from)) / hours
    }

    fn time(&self, x: f64) -> UtcTime {
        self.origin.plus_hours(x)
    }
}

/// A repeating profile's value at `time` (a series has none outside its span: 0 is never used,
/// as only the cyclic branch of [`integral_over`] calls this).
fn cyclic_value(profile: &IntensityProfile, time: UtcTime) -> f64 {
    match profile {
        IntensityProfile::HourOfDay { g_per_kwh } => g_per_kwh[time.hour() as usize],
        IntensityProfile::MonthHour { g_per_kwh } => {
            g_per_kwh[time.month() as usize - 1][time.hour() as usize]
        }
        IntensityProfile::Hourly { .. } => 0.0,
    }
}

/// Hours needed to cover `seconds` (rounded up; `i64::div_ceil` is not stable).
fn whole_hours_covering(seconds: i64) -> i64 {
    -(-seconds).div_euclid(SECONDS_PER_HOUR)
}

/// The profile's hourly values over `[now, end)` (hour-aligned), and the end actually covered.
fn integral_over(
    profile: &IntensityProfile,
    now: UtcTime,
    end: UtcTime,
) -> Result<(Integral, UtcTime), ScheduleError> {
    match profile {
        IntensityProfile::Hourly { start, g_per_kwh } => {
            let profile_end = start.plus_hours(g_per_kwh.len() as f64);
            if now < *start {
                return Err(ScheduleError::BeforeProfile { start: *start, now });
            }
            let covered_end = end.min(profile_end);
            let first = ((now.unix_seconds() - start.unix_seconds()) / SECONDS_PER_HOUR) as usize;
            let last = whole_hours_covering(covered_end.unix_seconds() - start.unix_seconds())
                .max(0) as usize;
            let values = g_per_kwh
                .get(first.min(g_per_kwh.len())..last.min(g_per_kwh.len()))
                .unwrap_or_default()
                .to_vec();
            let origin = start.plus_hours(first as f64);
            Ok((Integral::new(origin, values), covered_end))
        }
        IntensityProfile::HourOfDay { .. } | IntensityProfile::MonthHour { .. } => {
            let origin = now.floor_hour();
            let hours = whole_hours_covering(end.unix_seconds() - origin.unix_seconds());
            let values = (0..hours.max(0))
                .map(|k| {
                    let t =
                        UtcTime::from_unix_seconds(origin.unix_seconds() + k * SECONDS_PER_HOUR);
                    cyclic_value(profile, t)
                })
                .collect();
            Ok((Integral::new(origin, values), end))
        }
    }
}

/// Starts worth examining between `first` and `last` (hours from the origin), in increasing
/// order: both ends, every hour boundary, and every start whose end falls on a boundary.
fn candidate_starts(first: f64, last: f64, job: f64) -> Vec<f64> {
    let mut starts = Vec::with_capacity(2 * (last - first).max(0.0) as usize + 4);
    starts.push(first);
    let mut k = first.floor() + 1.0;
    while k < last {
        starts.push(k);
        k += 1.0;
    }
    let mut k = (first + job).floor() + 1.0;
    while k - job < last {
        starts.push(k - job);
        k += 1.0;
    }
    starts.push(last);
    starts.sort_by(f64::total_cmp);
    starts.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
    starts
}

/// Whether `a` is lower than `b` by more than rounding noise.
fn clearly_lower(a: f64, b: f64) -> bool {
    a < b - 1e-9 * b.abs().max(1.0)
}

/// The best start for a job within a window, the mean intensity of starting now, and up to
/// `request.windows` non-overlapping good windows. O(n) in the hours of the window, plus a sort
/// of the candidate starts for the list of windows.
pub fn schedule(
    profile: &IntensityProfile,
    request: &ScheduleRequest,
) -> Result<Schedule, ScheduleError> {
    let job = request.job.0;
    let window = request.window.0;
    if !(job.is_finite() && job > 0.0) {
        return Err(ScheduleError::JobHours(job));
    }
    if !window.is_finite() || window < job {
        return Err(ScheduleError::WindowShorterThanJob { window, job });
    }
    if window > MAX_WINDOW_HOURS {
        return Err(ScheduleError::WindowTooLong(window));
    }
    let now = request.now;
    // Whole seconds, rounded up: a window shorter than half a second rounded to the nearest one
    // ended at `now`, covered no hour, and its means were 0 (the job's) and 0/0 (the window's).
    let end = UtcTime::from_unix_seconds(
        now.unix_seconds() + (window * SECONDS_PER_HOUR as f64).ceil() as i64,
    );
    let (integral, covered_end) = integral_over(profile, now, end)?;
    let available = covered_end.hours_since(now);
    // The end is kept to whole seconds: up to half a second short is rounding, not a short
    // profile; but some time must be left, or no mean exists.
    if available <= 0.0 || available < job - 0.5 / SECONDS_PER_HOUR as f64 {
        return Err(ScheduleError::ProfileTooShort {
            now,
            end: covered_end,
            available: available.max(0.0),
            job,
        });
    }
    let first = now.hours_since(integral.origin);
    let last = first + (available - job).max(0.0);
    let starts = candidate_starts(first, last, job);
    let means: Vec<f64> = starts.iter().map(|&s| integral.mean(s, job)).collect();

    let window_at = |i: usize| Window {
        start: integral.time(starts[i]),
        end: integral.time(starts[i] + job),
        wait: Hours(starts[i] - first),
        mean_intensity: GramsPerKwh(means[i]),
    };
    // Starts are in time order, so the earliest of equal means wins.
    let mut best = 0;
    for i in 1..means.len() {
        if clearly_lower(means[i], means[best]) {
            best = i;
        }
    }
    let mut order: Vec<usize> = (0..starts.len()).collect();
    order.sort_by(|&a, &b| means[a].total_cmp(&means[b]).then(a.cmp(&b)));
    let mut chosen: Vec<usize> = vec![best];
    for i in order {
        if chosen.len() >= request.windows.max(1) {
            break;
        }
        let overlaps = chosen
            .iter()
            .any(|&c| (starts[i] - starts[c]).abs() < job - 1e-9);
        if !overlaps {
            chosen.push(i);
        }
    }
    let profile_mean = profile.mean();
    let best_window = window_at(best);
    let start_now = window_at(0);
    Ok(Schedule {
        job: request.job,
        window: request.window,
        searched_until: covered_end,
        truncated: covered_end < end,
        best: best_window,
        start_now,
        windows: chosen.into_iter().map(window_at).collect(),
        window_mean: GramsPerKwh(integral.mean(first, available)),
        profile_mean,
        saving_vs_now_percent: percent_below(
            best_window.mean_intensity.0,
            start_now.mean_intensity.0,
        ),
        saving_vs_average_percent: percent_below(best_window.mean_intensity.0, profile_mean.0),
    })
}

/// The header forms [`parse_profile_csv`] accepts.
pub const PROFILE_CSV_FORMS: [&str; 3] = [
    "timestamp,g_per_kwh",
    "hour,g_per_kwh",
    "month,hour,g_per_kwh",
];

fn unquote(field: &str) -> &str {
    let field = field.trim();
    field
        .strip_prefix('"')
        .and_then(|f| f.strip_suffix('"'))
        .unwrap_or(field)
        .trim()
}

fn parse_index(
    text: &str,
    name: &str,
    range: std::ops::RangeInclusive<u32>,
) -> Result<usize, String> {
    match text.parse::<u32>() {
        Ok(v) if range.contains(&v) => Ok(v as usize),
        _ => Err(format!(
            "{name} `{text}` is not a whole number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

fn parse_intensity(text: &str) -> Result<f64, String> {
    let value: f64 = text
        .parse()
        .map_err(|_| format!("g_per_kwh `{text}` is not a number"))?;
    check_value(value)
}

/// Reads a profile from CSV text in one of three forms, told apart by the header:
/// `timestamp,g_per_kwh` (an hourly series: RFC 3339 or `YYYY-MM-DD HH:MM` UTC timestamps one
/// hour apart, in order, without gaps), `hour,g_per_kwh` (hours 0–23 UTC, each once) or
/// `month,hour,g_per_kwh` (months 1–12 × hours 0–23, each once). Blank lines and lines starting
/// with `#` are skipped; fields may be quoted. Errors name the line.
pub fn parse_profile_csv(text: &str) -> Result<IntensityProfile, ProfileError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim()))
        .filter(|(_, line)| !line.is_empty() && !line.starts_with('#'));
    let Some((header_line, header)) = lines.next() else {
        return Err(ProfileError::Invalid(format!(
            "the profile is empty; expected a header: {}",
            PROFILE_CSV_FORMS.join(" or ")
        )));
    };
    let columns: Vec<String> = header
        .split(',')
        .map(|c| unquote(c).to_ascii_lowercase())
        .collect();
    let form = PROFILE_CSV_FORMS
        .iter()
        .position(|f| f.split(',').eq(columns.iter().map(String::as_str)))
        .ok_or_else(|| ProfileError::Line {
            line: header_line,
            message: format!(
                "header `{header}` is none of {}",
                PROFILE_CSV_FORMS.map(|f| format!("`{f}`")).join(", ")
            ),
        })?;
    let width = columns.len();
    let mut hourly: Vec<f64> = Vec::new();
    let mut start: Option<UtcTime> = None;
    let mut previous: Option<UtcTime> = None;
    let mut cells: Vec<Option<f64>> = vec![None; if form == 1 { 24 } else { 12 * 24 }];
    for (line, row) in lines {
        let at = |message: String| ProfileError::Line { line, message };
        let fields: Vec<&str> = row.split(',').map(unquote).collect();
        if fields.len() != width {
            return Err(at(format!(
                "{} fields; `{}` has {width}",
                fields.len(),
                PROFILE_CSV_FORMS[form]
            )));
        }
        let value = parse_intensity(fields[width - 1]).map_err(at)?;
        match form {
            0 => {
                let time = UtcTime::parse(fields[0]).map_err(|e| at(e.to_string()))?;
                if let Some(prev) = previous {
                    let step = time.unix_seconds() - prev.unix_seconds();
                    if step != SECONDS_PER_HOUR {
                        let why = if step <= 0 {
                            "is not after".to_string()
                        } else if step % SECONDS_PER_HOUR == 0 {
                            format!("leaves {} hours missing after", step / SECONDS_PER_HOUR - 1)
                        } else {
                            "is not one hour after".to_string()
                        };
                        return Err(at(format!(
                            "{time} {why} the previous timestamp {prev}; give one value per hour, in order"
                        )));
                    }
                }
                start.get_or_insert(time);
                previous = Some(time);
                hourly.push(value);
            }
            _ => {
                let (month, hour) = if form == 1 {
                    (1, parse_index(fields[0], "hour", 0..=23).map_err(at)?)
                } else {
                    (
                        parse_index(fields[0], "month", 1..=12).map_err(at)?,
                        parse_index(fields[1], "hour", 0..=23).map_err(at)?,
                    )
                };
                let slot = &mut cells[(month - 1) * 24 + hour];
                if slot.replace(value).is_some() {
                    let what = if form == 1 {
                        format!("hour {hour}")
                    } else {
                        format!("month {month} hour {hour}")
                    };
                    return Err(at(format!("{what} is given twice")));
                }
            }
        }
    }
    if form == 0 {
        return match start {
            Some(start) => IntensityProfile::hourly(start, hourly),
            None => Err(ProfileError::Invalid(
                "the profile has a header but no values".to_string(),
            )),
        };
    }
    if let Some(missing) = cells.iter().position(Option::is_none) {
        let what = if form == 1 {
            format!("hour {missing}")
        } else {
            format!("month {} hour {}", missing / 24 + 1, missing % 24)
        };
        return Err(ProfileError::Invalid(format!(
            "{what} has no value; `{}` needs every one",
            PROFILE_CSV_FORMS[form]
        )));
    }
    let values: Vec<f64> = cells.into_iter().flatten().collect();
    if form == 1 {
        let mut day = [0.0; 24];
        day.copy_from_slice(&values);
        Ok(IntensityProfile::HourOfDay { g_per_kwh: day })
    } else {
        let mut table = [[0.0; 24]; 12];
        for (m, row) in table.iter_mut().enumerate() {
            row.copy_from_slice(&values[m * 24..(m + 1) * 24]);
        }
        Ok(IntensityProfile::MonthHour {
            g_per_kwh: Box::new(table),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidate_starts_include_ends_and_boundaries() {
        let starts = candidate_starts(0.25, 3.25, 1.5);
        assert_eq!(starts, vec![0.25, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.25]);
    }

    /// Every number of a schedule and of its emissions, as JSON: a NaN or an infinity shows as
    /// `null`, which no field of either may be.
    fn assert_all_numbers_finite(value: &serde_json::Value, path: &str) {
        match value {
            serde_json::Value::Null => panic!("{path} is null (NaN or infinite)"),
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    assert_all_numbers_finite(item, &format!("{path}[{i}]"));
                }
            }
            serde_json::Value::Object(fields) => {
                for (key, item) in fields {
                    assert_all_numbers_finite(item, &format!("{path}.{key}"));
                }
            }
            _ => {}
        }
    }

    fn job_hours() -> impl proptest::strategy::Strategy<Value = f64> {
        use proptest::prelude::*;
        // From a fraction of a second (the D10 case: 1e-5 h) to two days.
        prop_oneof![1e-9..1e-3f64, 1e-3..1.0f64, 1.0..48.0f64]
    }

    proptest::proptest! {
        /// No schedule holds a NaN or an infinity, whatever the job, window, start and profile,
        /// and every mean lies between the profile's lowest and highest hour.
        #[test]
        fn schedules_are_finite_and_within_the_profile(
            day in proptest::collection::vec(1.0..1000.0f64, 24),
            series in proptest::collection::vec(1.0..1000.0f64, 1..72),
            series_lead_s in 0i64..(72 * 3600),
            job in job_hours(),
            extra in proptest::prop_oneof![0.0..1e-6f64, 0.0..100.0f64],
            now_s in 1_600_000_000i64..1_900_000_000,
            hourly in proptest::bool::ANY,
        ) {
            let now = UtcTime::from_unix_seconds(now_s);
            let profile = if hourly {
                IntensityProfile::hourly(
                    UtcTime::from_unix_seconds(now_s - series_lead_s),
                    series.clone(),
                )
                .expect("a valid series")
            } else {
                let mut g_per_kwh = [0.0; 24];
                g_per_kwh.copy_from_slice(&day);
                IntensityProfile::HourOfDay { g_per_kwh }
            };
            let values = if hourly { &series } else { &day };
            let lowest = values.iter().copied().fold(f64::INFINITY, f64::min);
            let highest = values.iter().copied().fold(0.0, f64::max);
            let request = ScheduleRequest {
                now,
                job: Hours(job),
                window: Hours(job + extra),
                windows: 3,
            };
            if let Ok(schedule) = schedule(&profile, &request) {
                let energy = Ranged::exact(KilowattHours(1.0));
                let json = serde_json::json!({
                    "schedule": schedule,
                    "emissions": schedule.emissions(energy),
                });
                assert_all_numbers_finite(&json, "report");
                for window in std::iter::once(&schedule.best)
                    .chain(std::iter::once(&schedule.start_now))
                    .chain(schedule.windows.iter())
                    .chain(std::iter::once(&Window {
                        mean_intensity: schedule.window_mean,
                        ..schedule.best
                    }))
                {
                    let mean = window.mean_intensity.0;
                    proptest::prop_assert!(
                        mean >= lowest * (1.0 - 1e-9) && mean <= highest * (1.0 + 1e-9),
                        "mean {mean} outside [{lowest}, {highest}]"
                    );
                }
            }
        }
    }

    #[test]
    fn a_job_shorter_than_a_second_sees_the_hour_it_runs_in() {
        // The D10 case: 1e-5 h (0.036 s) within 1e-5 h gave a mean of 0 and a NaN window mean.
        let mut g_per_kwh = [300.0; 24];
        g_per_kwh[0] = 120.0;
        let profile = IntensityProfile::HourOfDay { g_per_kwh };
        let request = ScheduleRequest {
            now: UtcTime::from_unix_seconds(1_767_225_600), // 2026-01-01T00:00:00Z
            job: Hours(1e-5),
            window: Hours(1e-5),
            windows: 3,
        };
        let found = schedule(&profile, &request).expect("a schedule");
        assert_eq!(found.best.mean_intensity.0, 120.0);
        assert_eq!(found.window_mean.0, 120.0);
        assert_eq!(found.saving_vs_now_percent, 0.0);
    }

    #[test]
    fn the_integral_weighs_fractions_of_hours() {
        let integral = Integral::new(UtcTime::from_unix_seconds(0), vec![100.0, 300.0]);
        assert_eq!(integral.at(0.5), 50.0);
        assert_eq!(integral.at(1.5), 250.0);
        assert_eq!(integral.at(2.0), 400.0);
        assert_eq!(integral.at(9.0), 400.0);
        assert_eq!(integral.mean(0.5, 1.0), 200.0);
    }
}
