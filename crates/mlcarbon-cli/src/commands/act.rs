//! What the "act" commands share: the current time, grid-intensity profiles (built-in or a
//! user's file), embodied emissions beside an estimate, and predictions from a partial run.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, anyhow};
use mlcarbon_data::{Dataset, Hardware};
use mlcarbon_model::predict::{Prediction, RangeBasis};
use mlcarbon_model::report::EmbodiedReport;
use mlcarbon_model::schedule::{IntensityProfile, parse_profile_csv};
use mlcarbon_model::statement::{human_energy, human_mass, human_number};
use mlcarbon_model::time::UtcTime;
use mlcarbon_model::units::GramsPerKwh;

// ---------------------------------------------------------------------------------------------
// Time
// ---------------------------------------------------------------------------------------------

/// The system clock as a UTC instant (whole seconds).
pub fn system_now() -> UtcTime {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    UtcTime::from_unix_seconds(seconds)
}

/// `--now TIME`, else the system clock.
pub fn now_or(text: Option<&str>) -> Result<UtcTime> {
    match text {
        Some(text) => UtcTime::parse(text).map_err(|e| anyhow!("--now: {e}")),
        None => Ok(system_now()),
    }
}

// ---------------------------------------------------------------------------------------------
// Intensity profiles
// ---------------------------------------------------------------------------------------------

/// A profile with what it is, for people and JSON.
#[derive(Debug, Clone)]
pub struct ProfileChoice {
    pub profile: IntensityProfile,
    /// `month_hour`, `hourly` or `hour_of_day`.
    pub kind: &'static str,
    /// "US-CAL-CISO month × hour-of-day means (EIA-930 2022)", "file my.csv".
    pub label: String,
    pub zone: Option<String>,
    pub source: Option<String>,
    pub year: Option<u16>,
    pub file: Option<String>,
    /// The zone whose pattern this one borrows (`profile_proxies.csv`), scaled to its own mean.
    pub pattern_of: Option<String>,
    pub notes: Vec<String>,
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

/// A zone's built-in profile (see [`own_zone_profile`]), else the pattern of the zone it borrows
/// one from (`profile_proxies.csv`: a US state, its balancing authority's) scaled to the zone's
/// yearly mean; `None` when it has neither.
pub fn zone_profile(data: &Dataset, zone: &str, now: UtcTime) -> Result<Option<ProfileChoice>> {
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
fn own_zone_profile(data: &Dataset, zone: &str, now: UtcTime) -> Result<Option<ProfileChoice>> {
    if now.civil().year == 2022
        && let Some(hourly) = data.hourly_profile(zone).context("hourly profiles")?
    {
        let profile = IntensityProfile::from_hourly(hourly)
            .map_err(|e| anyhow!("hourly profile of {zone}: {e}"))?;
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
        .context("month × hour profiles")?
    else {
        return Ok(None);
    };
    let profile = IntensityProfile::from_month_hour(&table)
        .map_err(|e| anyhow!("month × hour profile of {zone}: {e}"))?;
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

/// The error for a zone without a profile, listing those with one.
pub fn no_profile(data: &Dataset, zone: &str, alternative: &str) -> anyhow::Error {
    anyhow!(
        "zone {zone} has no intensity profile; built-in profiles: {}; or give {alternative}",
        profile_zones(data)
    )
}

/// A user's profile file.
pub fn file_profile(path: &Path, flag: &str) -> Result<ProfileChoice> {
    let text = crate::files::read_text(path, flag, crate::files::MAX_INPUT_BYTES)?;
    let profile =
        parse_profile_csv(&text).map_err(|e| anyhow!("{flag} {}: {e}", path.display()))?;
    Ok(ProfileChoice {
        kind: kind_of(&profile),
        label: format!("profile {}", path.display()),
        profile,
        zone: None,
        source: None,
        year: None,
        file: Some(path.display().to_string()),
        pattern_of: None,
        notes: Vec::new(),
    })
}

// ---------------------------------------------------------------------------------------------
// Embodied emissions
// ---------------------------------------------------------------------------------------------

pub fn embodied_line(report: &EmbodiedReport) -> String {
    if report.parts.is_empty() {
        return format!(
            "not estimated: {}",
            report.notes.first().map_or("no figure", String::as_str)
        );
    }
    format!(
        "{} CO2e  (range {}–{}) manufacturing share of {}: {} h of {}; reported beside the emissions above, not in them",
        human_mass(report.total_kg),
        human_mass(report.total_kg_low),
        human_mass(report.total_kg_high),
        report.parts_text(),
        human_number(report.run_hours),
        report.lifetimes_text()
    )
}

// ---------------------------------------------------------------------------------------------
// Predictions
// ---------------------------------------------------------------------------------------------

fn range_or_nothing(low: f64, high: f64, value: f64, unit: fn(f64) -> String) -> String {
    if (high - low).abs() <= 1e-12 * value.abs().max(1.0) {
        String::new()
    } else {
        format!(" (range {}–{})", unit(low), unit(high))
    }
}

/// "14 h", or "2:05" (minutes and seconds) under an hour.
fn duration_text(hours: f64) -> String {
    if hours >= 1.0 {
        format!("{} h", human_number(hours))
    } else {
        crate::clock::duration(hours * 3600.0)
    }
}

/// "at completion ~X kWh, Y kg CO2e; the remaining 75 % would add ~Z kg CO2e over ~T".
pub fn prediction_text(p: &Prediction) -> String {
    let remaining = 1.0 - p.progress;
    let mut text = format!(
        "at completion ~{}{}, {} CO2e{}",
        human_energy(p.total_energy.value.0),
        range_or_nothing(
            p.total_energy.low.0,
            p.total_energy.high.0,
            p.total_energy.value.0,
            human_energy
        ),
        human_mass(p.total_emissions.value.0),
        range_or_nothing(
            p.total_emissions.low.0,
            p.total_emissions.high.0,
            p.total_emissions.value.0,
            human_mass
        ),
    );
    if remaining > 0.0 {
        text.push_str(&format!(
            "; the remaining {:.0} % would add ~{} CO2e{} over ~{}",
            remaining * 100.0,
            human_mass(p.remaining_emissions.value.0),
            range_or_nothing(
                p.remaining_emissions.low.0,
                p.remaining_emissions.high.0,
                p.remaining_emissions.value.0,
                human_mass
            ),
            duration_text(p.remaining_hours.value.0)
        ));
    }
    if matches!(p.range_basis, RangeBasis::SingleSegment) && remaining > 0.0 {
        text.push_str(
            " (one progress report: the ranges are those of the grid intensity and PUE only)",
        );
    }
    text
}

// ---------------------------------------------------------------------------------------------
// The job a command is about: estimate flags or a tracked run
// ---------------------------------------------------------------------------------------------

/// A job from the estimate flags or a stored run, resolved.
pub struct Subject<'d> {
    /// "8 × A100 SXM4 80GB", "run 12 (measured, 2 × NVIDIA A100-SXM4-80GB)".
    pub description: String,
    pub job: mlcarbon_model::Job,
    pub hardware: Option<&'d Hardware>,
    pub count: u32,
    pub location: crate::inputs::ResolvedLocation<'d>,
    /// The request behind an estimate (to rebuild the job on other hardware); none for a run.
    pub request: Option<mlcarbon_model::request::EstimateRequest>,
    /// The stored run, with `--run`.
    pub run: Option<mlcarbon_store::RunRecord>,
}

/// The job of `--run RUN` (from `--db`), else of the estimate flags.
pub fn subject<'d>(
    data: &'d Dataset,
    job: &crate::cli::JobArgs,
    location: &crate::cli::LocationArgs,
    run: Option<&str>,
    db: Option<&Path>,
) -> Result<Subject<'d>> {
    use crate::commands::runs::{find_run, open_store, run_as_job};
    let Some(name) = run else {
        let (request, resolved) = crate::inputs::resolve(data, job, location)?;
        return Ok(Subject {
            description: resolved.job.description.clone(),
            job: resolved.job.job.clone(),
            hardware: resolved.job.hardware,
            count: resolved.job.count,
            location: resolved.location,
            request: Some(request),
            run: None,
        });
    };
    let (store, _) = open_store(db)?;
    let record = find_run(&store, name)?;
    let (job, location) = run_as_job(&record);
    let provider = record.provider.as_deref().and_then(|p| data.provider(p));
    let region = match (provider, record.region.as_deref()) {
        (Some(p), Some(r)) => data.find_region(Some(p), r).ok(),
        _ => None,
    };
    let hardware = record
        .gpu_model
        .as_deref()
        .filter(|_| record.gpu_count > 0)
        .and_then(|g| data.find_hardware(g).ok());
    let description = match (&record.gpu_model, record.gpu_count) {
        (Some(gpu), n) if n > 0 => format!("run {} (measured, {n} × {gpu})", record.id),
        _ => format!(
            "run {} (measured, {})",
            record.id,
            record.cpu_model.as_deref().unwrap_or("this machine")
        ),
    };
    Ok(Subject {
        description,
        job,
        hardware,
        count: record.gpu_count,
        location: crate::inputs::ResolvedLocation {
            location,
            provider,
            region,
        },
        request: None,
        run: Some(record),
    })
}
