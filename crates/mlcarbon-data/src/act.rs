//! The tables behind the "act" features and their lookups: embodied emissions per device, host and
//! server; GPU idle power; GPU energy and time under power limits (Zeus traces); grid-intensity
//! profiles by month × hour of day and, parsed only when asked for, hourly for a whole year.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

use crate::act_tables::{
    Embodied, EmbodiedScope, HourlyDay, IdlePower, MonthHourCell, PowerCap, ProfileProxy,
};
use crate::{DataError, Dataset, Hardware, HardwareKind, Table, generated, table_or_builtin};

/// The built-in hourly profiles: about 580 kB of text, parsed on first use only.
const PROFILES_HOURLY_2022: &str = include_str!("../data/profiles_hourly_2022.csv");

const HOURS_PER_DAY: usize = 24;
const SECONDS_PER_DAY: i64 = 86_400;

/// A year (or any run of whole days) of hourly grid intensity for one zone.
#[derive(Debug, Clone, PartialEq)]
pub struct HourlyProfile {
    pub zone: String,
    /// First day, `YYYY-MM-DD` (UTC); the first value is the hour from 00:00 UTC.
    pub start_date: String,
    /// The first hour as seconds since 1970-01-01T00:00:00Z.
    pub start_unix_seconds: i64,
    /// One value per hour, gCO2e/kWh.
    pub g_per_kwh: Vec<f64>,
    /// Hours (indexes into `g_per_kwh`) missing in the table and filled by linear interpolation
    /// between the nearest known hours (the nearest one at either end).
    pub filled_hours: Vec<usize>,
    pub source: String,
    pub year: u16,
}

/// Mean intensity of one zone by month (1–12) and UTC hour of day (0–23).
#[derive(Debug, Clone, PartialEq)]
pub struct MonthHourProfile {
    pub zone: String,
    /// `g_per_kwh[month - 1][hour]`.
    pub g_per_kwh: [[f64; 24]; 12],
    pub source: String,
    pub year: u16,
}

/// The act tables of a dataset.
#[derive(Debug)]
pub(crate) struct ActTables {
    embodied: Cow<'static, [Embodied]>,
    idle_power: Cow<'static, [IdlePower]>,
    power_caps: Cow<'static, [PowerCap]>,
    month_hour: Cow<'static, [MonthHourCell]>,
    profile_proxies: Cow<'static, [ProfileProxy]>,
    /// A user's hourly table; `None` for the built-in one.
    hourly_text: Option<String>,
    hourly: OnceLock<Result<Vec<HourlyProfile>, DataError>>,
}

impl ActTables {
    pub(crate) fn builtin() -> Self {
        ActTables {
            embodied: Cow::Borrowed(generated::EMBODIED),
            idle_power: Cow::Borrowed(generated::IDLE_POWER),
            power_caps: Cow::Borrowed(generated::POWER_CAPS),
            month_hour: Cow::Borrowed(generated::PROFILES_MONTH_HOUR),
            profile_proxies: Cow::Borrowed(generated::PROFILE_PROXIES),
            hourly_text: None,
            hourly: OnceLock::new(),
        }
    }

    pub(crate) fn from_texts(
        text_of: &impl Fn(Table) -> Option<String>,
    ) -> Result<Self, DataError> {
        Ok(ActTables {
            embodied: table_or_builtin(
                Table::Embodied,
                text_of(Table::Embodied),
                generated::EMBODIED,
            )?,
            idle_power: table_or_builtin(
                Table::IdlePower,
                text_of(Table::IdlePower),
                generated::IDLE_POWER,
            )?,
            power_caps: table_or_builtin(
                Table::PowerCaps,
                text_of(Table::PowerCaps),
                generated::POWER_CAPS,
            )?,
            month_hour: table_or_builtin(
                Table::ProfilesMonthHour,
                text_of(Table::ProfilesMonthHour),
                generated::PROFILES_MONTH_HOUR,
            )?,
            profile_proxies: table_or_builtin(
                Table::ProfileProxies,
                text_of(Table::ProfileProxies),
                generated::PROFILE_PROXIES,
            )?,
            hourly_text: text_of(Table::ProfilesHourly),
            hourly: OnceLock::new(),
        })
    }
}

/// `*` (any run) and `?` (any one character) globs, ignoring ASCII case.
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let text: Vec<char> = text.chars().map(|c| c.to_ascii_lowercase()).collect();
    let (mut p, mut t) = (0, 0);
    // Where the last `*` was, and the text position it currently swallows up to.
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == '?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == '*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

/// How specific a pattern is: an exact name beats any glob, a longer glob beats a shorter one.
fn specificity(pattern: &str) -> usize {
    let literal = pattern.chars().filter(|c| !matches!(c, '*' | '?')).count();
    if literal == pattern.chars().count() {
        usize::MAX
    } else {
        literal
    }
}

/// The most specific of `rows` whose patterns match `name`.
fn best_match<'a, T>(
    rows: impl Iterator<Item = &'a T>,
    patterns: impl Fn(&T) -> &[crate::Text],
    name: &str,
) -> Option<&'a T> {
    rows.filter_map(|row| {
        patterns(row)
            .iter()
            .filter(|p| glob_matches(p, name))
            .map(|p| specificity(p))
            .max()
            .map(|score| (score, row))
    })
    // On equal specificity the first row of the table wins, as a linear scan would find it.
    .fold(None, |best: Option<(usize, &T)>, (score, row)| match best {
        Some((best_score, _)) if best_score >= score => best,
        _ => Some((score, row)),
    })
    .map(|(_, row)| row)
}

fn hardware_kind_label(kind: HardwareKind) -> &'static str {
    match kind {
        HardwareKind::Gpu => "gpu",
        HardwareKind::Tpu => "tpu",
        HardwareKind::Accelerator => "accelerator",
        HardwareKind::Cpu => "cpu",
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` date; `None` when it is not one.
fn parse_date(text: &str) -> Option<i64> {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let year: i64 = text.get(0..4)?.parse().ok()?;
    let month: u32 = text.get(5..7)?.parse().ok()?;
    let day: u32 = text.get(8..10)?.parse().ok()?;
    mlcarbon_time::is_date(year, month, day)
        .then(|| mlcarbon_time::days_from_civil(year, month, day))
}

/// Fills missing hours by linear interpolation between the nearest known hours (the nearest
/// known hour at either end); returns the values and the filled indexes, or `None` when no hour
/// is known.
fn fill_gaps(raw: &[Option<f64>]) -> Option<(Vec<f64>, Vec<usize>)> {
    let known: Vec<(usize, f64)> = raw
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let (&first, &last) = (known.first()?, known.last()?);
    let mut values = Vec::with_capacity(raw.len());
    let mut filled = Vec::new();
    for (i, value) in raw.iter().enumerate() {
        if let Some(value) = value {
            values.push(*value);
            continue;
        }
        filled.push(i);
        let value = if i < first.0 {
            first.1
        } else if i > last.0 {
            last.1
        } else {
            // A gap strictly inside: known hours exist on both sides.
            let next = known.partition_point(|&(k, _)| k < i);
            let ((i0, v0), (i1, v1)) = (known[next - 1], known[next]);
            v0 + (v1 - v0) * (i - i0) as f64 / (i1 - i0) as f64
        };
        values.push(value);
    }
    Some((values, filled))
}

fn parse_hourly(text: &str) -> Result<Vec<HourlyProfile>, DataError> {
    let table = Table::ProfilesHourly.file_name();
    let error = |line: u64, message: String| DataError::Parse {
        table: table.to_string(),
        line,
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    // Per zone, in the table's order: the profile so far and its raw hours.
    let mut order: Vec<String> = Vec::new();
    let mut zones: HashMap<String, (HourlyProfile, i64, Vec<Option<f64>>)> = HashMap::new();
    let headers = reader
        .headers()
        .map_err(|e| error(e.position().map_or(0, csv::Position::line), e.to_string()))?
        .clone();
    for record in reader.records() {
        let record = record
            .map_err(|e| error(e.position().map_or(0, csv::Position::line), e.to_string()))?;
        let line = record.position().map_or(0, csv::Position::line);
        let day: HourlyDay = record
            .deserialize(Some(&headers))
            .map_err(|e| error(line, e.to_string()))?;
        let date = parse_date(&day.date_utc).ok_or_else(|| {
            error(
                line,
                format!("date `{}` is not a date (YYYY-MM-DD)", day.date_utc),
            )
        })?;
        let mut hours = Vec::with_capacity(HOURS_PER_DAY);
        for (i, cell) in day.g_per_kwh.split('|').enumerate() {
            let cell = cell.trim();
            if cell.is_empty() {
                hours.push(None);
                continue;
            }
            match cell.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 => hours.push(Some(v)),
                _ => {
                    return Err(error(
                        line,
                        format!("hour {i}: `{cell}` is not a non-negative number"),
                    ));
                }
            }
        }
        if hours.len() != HOURS_PER_DAY {
            return Err(error(
                line,
                format!(
                    "{} values for {}; a day has 24 (00:00-23:00 UTC, separated by `|`)",
                    hours.len(),
                    day.date_utc
                ),
            ));
        }
        match zones.get_mut(&day.zone) {
            Some((_, last_date, raw)) => {
                if date != *last_date + 1 {
                    return Err(error(
                        line,
                        format!(
                            "zone {}: {} does not follow the previous day; days must be consecutive",
                            day.zone, day.date_utc
                        ),
                    ));
                }
                *last_date = date;
                raw.extend(hours);
            }
            None => {
                order.push(day.zone.clone());
                let profile = HourlyProfile {
                    zone: day.zone.clone(),
                    start_date: day.date_utc.clone(),
                    start_unix_seconds: date * SECONDS_PER_DAY,
                    g_per_kwh: Vec::new(),
                    filled_hours: Vec::new(),
                    source: day.source.clone(),
                    year: day.year,
                };
                zones.insert(day.zone.clone(), (profile, date, hours));
            }
        }
    }
    let mut profiles = Vec::with_capacity(order.len());
    for zone in order {
        let Some((mut profile, _, raw)) = zones.remove(&zone) else {
            continue;
        };
        let (values, filled) = fill_gaps(&raw).ok_or_else(|| DataError::Invalid {
            table: table.to_string(),
            message: format!("zone {zone}: no hour has a value"),
        })?;
        profile.g_per_kwh = values;
        profile.filled_hours = filled;
        profiles.push(profile);
    }
    Ok(profiles)
}

impl Dataset {
    /// Embodied-emissions figures (`embodied.csv`).
    pub fn embodied(&self) -> &[Embodied] {
        &self.act.embodied
    }

    /// GPU idle power per device (`idle_power.csv`).
    pub fn idle_powers(&self) -> &[IdlePower] {
        &self.act.idle_power
    }

    /// GPU energy and time at power limits (`power_caps.csv`).
    pub fn power_caps(&self) -> &[PowerCap] {
        &self.act.power_caps
    }

    /// Month × hour-of-day cells of every zone (`profiles_month_hour.csv`).
    pub fn month_hour_cells(&self) -> &[MonthHourCell] {
        &self.act.month_hour
    }

    fn embodied_rows(&self, scope: EmbodiedScope) -> impl Iterator<Item = &Embodied> {
        self.act
            .embodied
            .iter()
            .filter(move |e| e.applies_to == scope)
    }

    /// The manufacturing figure of one accelerator card: a row naming its id (or a glob over it)
    /// before a row for its whole kind (`kind:gpu`).
    pub fn embodied_device(&self, hardware: &Hardware) -> Option<&Embodied> {
        best_match(
            self.embodied_rows(EmbodiedScope::Device),
            |e| &e.matches,
            &hardware.id,
        )
        .or_else(|| {
            let kind = format!("kind:{}", hardware_kind_label(hardware.kind));
            self.embodied_rows(EmbodiedScope::Device)
                .find(|e| e.matches.iter().any(|m| m.eq_ignore_ascii_case(&kind)))
        })
    }

    /// A host (server without accelerators): the named instance type or server model, else the
    /// generic commodity server (`*`).
    pub fn embodied_host(&self, name: Option<&str>) -> Option<&Embodied> {
        match name {
            Some(name) => best_match(
                self.embodied_rows(EmbodiedScope::Host)
                    .filter(|e| e.matches.iter().all(|m| m != "*")),
                |e| &e.matches,
                name,
            ),
            None => self
                .embodied_rows(EmbodiedScope::Host)
                .find(|e| e.matches.iter().any(|m| m == "*")),
        }
    }

    /// A whole server, accelerators included, by instance type (`p4d.24xlarge`).
    pub fn embodied_server(&self, name: &str) -> Option<&Embodied> {
        best_match(
            self.embodied_rows(EmbodiedScope::Server),
            |e| &e.matches,
            name,
        )
    }

    /// A host add-on per unit: `cpu` (beyond the first), `dram_gb` (above the base), `ssd`, `hdd`.
    pub fn embodied_component(&self, component: &str) -> Option<&Embodied> {
        self.embodied_rows(EmbodiedScope::Component)
            .find(|e| e.matches.iter().any(|m| m.eq_ignore_ascii_case(component)))
    }

    /// Idle power of one device of this hardware id, where published.
    pub fn idle_power(&self, hardware_id: &str) -> Option<&IdlePower> {
        best_match(self.act.idle_power.iter(), |r| &r.hardware, hardware_id)
    }

    /// Power-limit measurements of the GPU model that stands for this hardware id, lowest limit
    /// first; empty when none was measured.
    pub fn power_caps_for(&self, hardware_id: &str) -> Vec<&PowerCap> {
        match best_match(self.act.power_caps.iter(), |r| &r.hardware, hardware_id) {
            Some(row) => self.power_caps_of(&row.gpu),
            None => Vec::new(),
        }
    }

    /// Power-limit measurements of one measured GPU model (`V100`), lowest limit first.
    pub fn power_caps_of(&self, gpu: &str) -> Vec<&PowerCap> {
        let mut rows: Vec<&PowerCap> = self
            .act
            .power_caps
            .iter()
            .filter(|r| r.gpu == gpu)
            .collect();
        rows.sort_by(|a, b| a.cap_fraction.total_cmp(&b.cap_fraction));
        rows
    }

    /// The measured GPU models of the power-limit table, in table order.
    pub fn power_cap_gpus(&self) -> Vec<&str> {
        let mut gpus: Vec<&str> = Vec::new();
        for row in self.act.power_caps.iter() {
            if !gpus.contains(&row.gpu.as_ref()) {
                gpus.push(&row.gpu);
            }
        }
        gpus
    }

    /// Zones with a month × hour-of-day profile, sorted.
    pub fn month_hour_zones(&self) -> Vec<&str> {
        let mut zones: Vec<&str> = self
            .act
            .month_hour
            .iter()
            .map(|c| c.zone.as_ref())
            .collect();
        zones.sort_unstable();
        zones.dedup();
        zones
    }

    /// A zone's month × hour-of-day profile; `None` when the zone has none, an error when its
    /// cells are incomplete, repeated or out of range.
    pub fn month_hour_profile(&self, zone: &str) -> Result<Option<MonthHourProfile>, DataError> {
        let table = Table::ProfilesMonthHour.file_name();
        let invalid = |message: String| DataError::Invalid {
            table: table.to_string(),
            message: format!("zone {zone}: {message}"),
        };
        let mut cells = [[None::<f64>; HOURS_PER_DAY]; 12];
        let mut first: Option<&MonthHourCell> = None;
        for cell in self.act.month_hour.iter().filter(|c| c.zone == zone) {
            first.get_or_insert(cell);
            let (month, hour) = (usize::from(cell.month), usize::from(cell.hour));
            if !(1..=12).contains(&month) || hour >= HOURS_PER_DAY {
                return Err(invalid(format!(
                    "month {} hour {} is out of range (1-12, 0-23)",
                    cell.month, cell.hour
                )));
            }
            if !cell.g_per_kwh.is_finite() || cell.g_per_kwh < 0.0 {
                return Err(invalid(format!(
                    "month {month} hour {hour}: {} is not a non-negative intensity",
                    cell.g_per_kwh
                )));
            }
            if cells[month - 1][hour].replace(cell.g_per_kwh).is_some() {
                return Err(invalid(format!("month {month} hour {hour} is given twice")));
            }
        }
        let Some(first) = first else {
            return Ok(None);
        };
        let mut g_per_kwh = [[0.0; HOURS_PER_DAY]; 12];
        for (m, row) in cells.iter().enumerate() {
            for (h, value) in row.iter().enumerate() {
                g_per_kwh[m][h] =
                    value.ok_or_else(|| invalid(format!("month {} hour {h} is missing", m + 1)))?;
            }
        }
        Ok(Some(MonthHourProfile {
            zone: zone.to_string(),
            g_per_kwh,
            source: first.source.to_string(),
            year: first.year,
        }))
    }

    /// Zones that borrow another's pattern (`profile_proxies.csv`), in table order.
    pub fn profile_proxy_zones(&self) -> Vec<&str> {
        self.act
            .profile_proxies
            .iter()
            .map(|p| p.zone.as_ref())
            .collect()
    }

    /// The zone whose hour-by-hour pattern `zone` borrows, when it has none of its own.
    pub fn profile_proxy(&self, zone: &str) -> Option<&ProfileProxy> {
        self.act.profile_proxies.iter().find(|p| p.zone == zone)
    }

    /// Every hourly profile, parsed on first use.
    pub fn hourly_profiles(&self) -> Result<&[HourlyProfile], DataError> {
        self.act
            .hourly
            .get_or_init(|| {
                parse_hourly(
                    self.act
                        .hourly_text
                        .as_deref()
                        .unwrap_or(PROFILES_HOURLY_2022),
                )
            })
            .as_ref()
            .map(Vec::as_slice)
            .map_err(Clone::clone)
    }

    /// A zone's hourly profile, parsed (with every other zone's) on first use.
    pub fn hourly_profile(&self, zone: &str) -> Result<Option<&HourlyProfile>, DataError> {
        Ok(self.hourly_profiles()?.iter().find(|p| p.zone == zone))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_match_as_shells_do() {
        assert!(glob_matches(
            "nvidia-tesla-v100-*",
            "nvidia-tesla-v100-pcie-16gb"
        ));
        assert!(!glob_matches(
            "nvidia-tesla-v100-*",
            "nvidia-tesla-v100s-pcie-32gb"
        ));
        assert!(glob_matches("g4dn.*", "G4DN.xlarge"));
        assert!(glob_matches("a?c", "abc"));
        assert!(glob_matches("*", ""));
        assert!(glob_matches("*a*b", "xxaxxb"));
        assert!(!glob_matches("*a*b", "xxaxxbc"));
        assert!(!glob_matches("abc", "abcd"));
    }

    #[test]
    fn an_exact_name_beats_a_glob() {
        assert!(specificity("nvidia-a40") > specificity("nvidia-*"));
        assert!(specificity("nvidia-tesla-*") > specificity("nvidia-*"));
    }

    #[test]
    fn dates_count_days_from_1970() {
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2022-01-01"), Some(18_993));
        assert_eq!(parse_date("2000-03-01"), Some(11_017));
        assert_eq!(parse_date("2022-02-29"), None);
        assert_eq!(parse_date("2024-02-29"), Some(19_782));
        assert_eq!(parse_date("2022-13-01"), None);
        assert_eq!(parse_date("22-1-1"), None);
    }

    #[test]
    fn gaps_are_interpolated_and_reported() {
        let raw = [None, Some(10.0), None, None, Some(40.0), None];
        let (values, filled) = fill_gaps(&raw).expect("some hours known");
        assert_eq!(values, vec![10.0, 10.0, 20.0, 30.0, 40.0, 40.0]);
        assert_eq!(filled, vec![0, 2, 3, 5]);
        assert!(fill_gaps(&[None, None]).is_none());
    }
}
