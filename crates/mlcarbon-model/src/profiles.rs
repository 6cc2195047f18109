//! Which grid-intensity profile a job is scheduled against: a zone's own built-in one (the
//! hourly 2022 series for a time in 2022, else month × hour-of-day means), the pattern of the
//! zone it borrows one from (`profile_proxies.csv`) scaled to its own yearly mean, or a user's
//! CSV profile given as text (the front end reads the file).

use mlcarbon_data::Dataset;
use serde::Serialize;

use crate::request::RequestError;
use crate::schedule::{IntensityProfile, parse_profile_csv};
use crate::statement::human_number;
use crate::time::UtcTime;
use crate::units::GramsPerKwh;

/// A profile with what it is, for people and JSON.
#[derive(Debug, Clone)]
pub struct ProfileChoice {
    pub profile: IntensityProfile,
    /// `month_hour`, `hourly` or `hour_of_day`.
    pub kind: &'static str,
    /// "US-CAL-CISO mean intensity by month and UTC hour of 2022", "profile my.csv".
    pub label: String,
    pub zone: Option<String>,
    pub source: Option<String>,
    pub year: Option<u16>,
    pub file: Option<String>,
    /// The zone whose pattern this one borrows (`profile_proxies.csv`), scaled to its own mean.
    pub pattern_of: Option<String>,
    pub notes: Vec<String>,
}

/// What a report says of the profile it used (the JSON `profile` object of `schedule`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProfileInfo {
    pub kind: &'static str,
    pub label: String,
    pub zone: Option<String>,
    pub source: Option<String>,
    pub year: Option<u16>,
    pub file: Option<String>,
    /// The zone whose hour-by-hour pattern a state borrows (profile_proxies.csv).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern_of: Option<String>,
}

impl ProfileChoice {
    pub fn info(&self) -> ProfileInfo {
        ProfileInfo {
            kind: self.kind,
            label: self.label.clone(),
            zone: self.zone.clone(),
            source: self.source.clone(),
            year: self.year,
            file: self.file.clone(),
            pattern_of: self.pattern_of.clone(),
        }
    }

    /// The tables a built-in profile comes from, and its source: the basis of a saving.
    pub fn basis(&self) -> String {
        format!(
            "{} ({}{}, {})",
            self.label,
            if self.kind == "hourly" {
                "profiles_hourly_2022.csv"
            } else {
                "profiles_month_hour.csv"
            },
            if self.pattern_of.is_some() {
                ", profile_proxies.csv"
            } else {
                ""
            },
            self.source.as_deref().unwrap_or("built-in")
        )
    }
}

fn kind_of(profile: &IntensityProfile) -> &'static str {
    match profile {
        IntensityProfile::Hourly { .. } => "hourly",
        IntensityProfile::HourOfDay { .. } => "hour_of_day",
        IntensityProfile::MonthHour { .. } => "month_hour",
    }
}

/// The zones with a built-in profile, for error messages: their own, or borrowed.
pub fn profile_zones(data: &Dataset) -> String {
    let mut zones = data.month_hour_zones();
    zones.extend(data.profile_proxy_zones());
    zones.join(", ")
}

/// The error for a zone without a profile, listing those with one; `alternative` is the way
/// the front end takes a profile of the user's own (`--profile FILE`).
pub fn no_profile(data: &Dataset, zone: &str, alternative: &str) -> RequestError {
    RequestError::new(
        "zone",
        format!(
            "zone {zone} has no intensity profile; built-in profiles: {}; or give {alternative}",
            profile_zones(data)
        ),
    )
}

fn data_error(what: &str, error: impl std::fmt::Display) -> RequestError {
    RequestError::new("data", format!("{what}: {error}"))
}

/// A zone's built-in profile (see [`own_zone_profile`]), else the pattern of the zone it borrows
/// one from (`profile_proxies.csv`: a US state, its balancing authority's) scaled to the zone's
/// yearly mean; `None` when it has neither.
pub fn zone_profile(
    data: &Dataset,
    zone: &str,
    now: UtcTime,
) -> Result<Option<ProfileChoice>, RequestError> {
    if let Some(own) = own_zone_profile(data, zone, now)? {
        return Ok(Some(own));
    }
    let (Some(proxy), Some(row)) = (data.profile_proxy(zone), data.zone(zone)) else {
        return Ok(None);
    };
    let Some(borrowed) = own_zone_profile(data, &proxy.profile_zone, now)? else {
        return Ok(None);
    };
    let mean = GramsPerKwh(row.intensity_g_per_kwh);
    let mut notes = vec![format!(
        "{zone} has no hourly data of its own; this is the {} scaled from its mean of {} to {zone}'s yearly {} g/kWh ({} {}): {}",
        borrowed.label,
        human_number(borrowed.profile.mean().0),
        human_number(mean.0),
        row.source,
        row.year,
        proxy.notes
    )];
    notes.extend(borrowed.notes);
    Ok(Some(ProfileChoice {
        kind: borrowed.kind,
        profile: borrowed.profile.scaled_to_mean(mean),
        label: format!("{zone}, with {}'s hour-by-hour pattern", proxy.profile_zone),
        zone: Some(zone.to_string()),
        source: Some(proxy.source.to_string()),
        year: Some(proxy.year),
        file: None,
        pattern_of: Some(proxy.profile_zone.to_string()),
        notes,
    }))
}

/// A zone's own built-in profile: the hourly 2022 series when `now` is in 2022 (and the data has
/// it), else the month × hour-of-day means; `None` when the zone has neither.
fn own_zone_profile(
    data: &Dataset,
    zone: &str,
    now: UtcTime,
) -> Result<Option<ProfileChoice>, RequestError> {
    if now.civil().year == 2022
        && let Some(hourly) = data
            .hourly_profile(zone)
            .map_err(|e| data_error("hourly profiles", e))?
    {
        let profile = IntensityProfile::from_hourly(hourly)
            .map_err(|e| data_error(&format!("hourly profile of {zone}"), e))?;
        let mut notes = Vec::new();
        if !hourly.filled_hours.is_empty() {
            notes.push(format!(
                "{} hours missing from the {} series were filled by linear interpolation",
                hourly.filled_hours.len(),
                hourly.year
            ));
        }
        return Ok(Some(ProfileChoice {
            kind: kind_of(&profile),
            profile,
            label: format!("{zone} hourly intensity of {}", hourly.year),
            zone: Some(zone.to_string()),
            source: Some(hourly.source.clone()),
            year: Some(hourly.year),
            file: None,
            pattern_of: None,
            notes,
        }));
    }
    let Some(table) = data
        .month_hour_profile(zone)
        .map_err(|e| data_error("month × hour profiles", e))?
    else {
        return Ok(None);
    };
    let profile = IntensityProfile::from_month_hour(&table)
        .map_err(|e| data_error(&format!("month × hour profile of {zone}"), e))?;
    Ok(Some(ProfileChoice {
        kind: kind_of(&profile),
        profile,
        label: format!(
            "{zone} mean intensity by month and UTC hour of {}",
            table.year
        ),
        zone: Some(zone.to_string()),
        source: Some(table.source.clone()),
        year: Some(table.year),
        file: None,
        pattern_of: None,
        notes: vec![format!(
            "a typical pattern (means of {} by month and hour), not a forecast",
            table.year
        )],
    }))
}

/// A user's profile, from the text of its CSV file (see [`parse_profile_csv`]); `name` is the
/// file as the user gave it, `field` the parameter that named it (for the error).
pub fn text_profile(
    text: &str,
    name: &str,
    field: &'static str,
) -> Result<ProfileChoice, RequestError> {
    let flag = field.replace('_', "-");
    let profile = parse_profile_csv(text)
        .map_err(|e| RequestError::new(field, format!("--{flag} {name}: {e}")))?;
    Ok(ProfileChoice {
        kind: kind_of(&profile),
        label: format!("profile {name}"),
        profile,
        zone: None,
        source: None,
        year: None,
        file: Some(name.to_string()),
        pattern_of: None,
        notes: Vec::new(),
    })
}

/// `--now` as given (RFC 3339), else `clock` (the front end's system clock).
pub fn now_or(text: Option<&str>, clock: UtcTime) -> Result<UtcTime, RequestError> {
    match text {
        Some(text) => {
            UtcTime::parse(text).map_err(|e| RequestError::new("now", format!("--now: {e}")))
        }
        None => Ok(clock),
    }
}
