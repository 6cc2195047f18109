//! `schedule` as one call: the profile chosen for the request (a zone's, a region's zone's, or
//! the user's own from its text), the best start within the window, and with the job's energy
//! the emissions of each start. [`ScheduleReport`] is the JSON of `mlcarbon schedule --format
//! json` and `/api/schedule` (documented in docs/cli.md).

use mlcarbon_data::Dataset;
use serde::Serialize;

use crate::estimate::{Basis, Figures, estimate_with};
use crate::params;
use crate::profiles::{ProfileChoice, ProfileInfo, no_profile, now_or, text_profile, zone_profile};
use crate::request::{self, EstimateRequest, RequestError};
use crate::scenario;
use crate::schedule::{Schedule, ScheduleRequest, Window, schedule};
use crate::time::UtcTime;
use crate::units::{GramsPerKwh, Hours, KilowattHours, Ranged};

/// How many good windows a schedule lists, unless told.
pub const DEFAULT_WINDOWS: usize = 5;

/// A user's profile: the name it was given by (a file) and its CSV text.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProfileText {
    pub name: String,
    pub text: String,
}

/// The inputs of `schedule`, named like its flags.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleQuery {
    /// The job (`hours` required; its energy from `hardware`, `energy_kwh`, `cpu`, `ram_gb`
    /// when given) and the location (`zone` or `provider`/`region`, `pue`).
    pub job: EstimateRequest,
    /// A profile of the user's own, instead of the zone's.
    pub profile: Option<ProfileText>,
    /// The job must finish within this many hours of `now`.
    pub within: Option<f64>,
    /// RFC 3339; the clock passed to [`schedule_report`] when absent.
    pub now: Option<String>,
    /// How many good windows to list (at least one).
    pub windows: usize,
}

impl Default for ScheduleQuery {
    fn default() -> Self {
        ScheduleQuery {
            job: EstimateRequest::default(),
            profile: None,
            within: None,
            now: None,
            windows: DEFAULT_WINDOWS,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowReport {
    pub start: UtcTime,
    pub end: UtcTime,
    pub wait_hours: f64,
    pub intensity_g_per_kwh: f64,
    pub emissions_kg: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleEmissionsReport {
    /// Facility energy of the job (IT energy × PUE), kWh.
    pub energy_kwh: f64,
    pub energy_kwh_low: f64,
    pub energy_kwh_high: f64,
    pub pue: f64,
    pub best_kg: f64,
    pub best_kg_low: f64,
    pub best_kg_high: f64,
    pub now_kg: f64,
    pub now_kg_low: f64,
    pub now_kg_high: f64,
    pub average_kg: f64,
    pub average_kg_low: f64,
    pub average_kg_high: f64,
    pub saving_vs_now_kg: f64,
    pub saving_vs_average_kg: f64,
}

/// The JSON of `schedule`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleReport {
    pub mlcarbon_version: &'static str,
    pub profile: ProfileInfo,
    pub now: UtcTime,
    pub job_hours: f64,
    pub within_hours: f64,
    pub searched_until: UtcTime,
    pub truncated: bool,
    pub best_start: UtcTime,
    pub best_end: UtcTime,
    pub best_wait_hours: f64,
    pub best_intensity_g_per_kwh: f64,
    pub now_intensity_g_per_kwh: f64,
    pub window_average_intensity_g_per_kwh: f64,
    pub average_intensity_g_per_kwh: f64,
    pub saving_vs_now_percent: f64,
    pub saving_vs_average_percent: f64,
    pub windows: Vec<WindowReport>,
    pub emissions: Option<ScheduleEmissionsReport>,
    pub notes: Vec<String>,
}

/// The location of the request, when it names one.
fn location_of<'d>(
    data: &'d Dataset,
    job: &EstimateRequest,
) -> Result<Option<request::ResolvedLocation<'d>>, RequestError> {
    if job.zone.is_none() && job.provider.is_none() && job.region.is_none() {
        return Ok(None);
    }
    request::resolve_location(data, job).map(Some)
}

/// The facility energy of the job and its PUE, when its energy or hardware is given.
fn job_energy(
    data: &Dataset,
    job: &EstimateRequest,
    location: Option<&request::ResolvedLocation<'_>>,
) -> Result<Option<(Ranged<KilowattHours>, f64)>, RequestError> {
    if job.hardware.is_none()
        && job.energy_kwh.is_none()
        && job.cpu.is_none()
        && job.ram_gb.is_none()
    {
        return Ok(None);
    }
    let resolved = request::resolve_job(data, job)?;
    let pue = match (location, job.pue) {
        (Some(l), _) => l.location.pue.range,
        (None, Some(p)) => Ranged::exact(p),
        (None, None) => scenario::default_pue(data)?.range,
    };
    let result = estimate_with(
        &resolved.job,
        &Figures {
            intensity: Ranged::exact(GramsPerKwh(0.0)),
            pue,
            offset_percent: None,
            basis: job.basis.unwrap_or(Basis::Lifecycle),
        },
    );
    Ok(Some((result.energy, pue.value)))
}

/// The profile the query asks for.
fn choose_profile(
    data: &Dataset,
    query: &ScheduleQuery,
    location: Option<&request::ResolvedLocation<'_>>,
    now: UtcTime,
) -> Result<ProfileChoice, RequestError> {
    if let Some(own) = &query.profile {
        let mut choice = text_profile(&own.text, &own.name, "profile")?;
        choice.zone = location.and_then(|l| l.location.zone.clone());
        return Ok(choice);
    }
    let Some(l) = location else {
        return Err(RequestError::new(
            "zone",
            format!(
                "give a zone with a profile (--zone, e.g. {}), --provider/--region, or --profile FILE",
                data.month_hour_zones()
                    .first()
                    .copied()
                    .unwrap_or("US-CAL-CISO")
            ),
        ));
    };
    let Some(zone) = l.location.zone.as_deref() else {
        return Err(RequestError::new(
            "zone",
            "this location has no grid zone; give --zone Z or --profile FILE",
        ));
    };
    zone_profile(data, zone, now)?.ok_or_else(|| no_profile(data, zone, "--profile FILE"))
}

fn window_report(w: &Window, energy: Option<Ranged<KilowattHours>>) -> WindowReport {
    WindowReport {
        start: w.start,
        end: w.end,
        wait_hours: w.wait.0,
        intensity_g_per_kwh: w.mean_intensity.0,
        emissions_kg: energy.map(|e| (e.value * w.mean_intensity).0),
    }
}

/// The best start of the query's job; `clock` is the current time when the query gives none.
pub fn schedule_report(
    data: &Dataset,
    query: &ScheduleQuery,
    clock: UtcTime,
) -> Result<ScheduleReport, RequestError> {
    let Some(hours) = query.job.hours else {
        return Err(RequestError::new(
            "hours",
            "missing --hours: how long the job runs, e.g. --hours 6",
        ));
    };
    let Some(within) = query.within else {
        return Err(RequestError::new(
            "within",
            "missing --within: the hours from now within which the job must finish, e.g. --within 24",
        ));
    };
    params::WITHIN.check(Some(within))?;
    params::WINDOWS.check(Some(query.windows as f64))?;
    request::validate(&query.job)?;
    let now = now_or(query.now.as_deref(), clock)?;
    let location = location_of(data, &query.job)?;
    let choice = choose_profile(data, query, location.as_ref(), now)?;
    let energy = job_energy(data, &query.job, location.as_ref())?;
    let request = ScheduleRequest {
        now,
        job: Hours(hours),
        window: Hours(within),
        windows: query.windows.max(1),
    };
    let result = schedule(&choice.profile, &request)
        .map_err(|e| RequestError::new("within", e.to_string()))?;
    Ok(build(&choice, now, &result, energy))
}

fn build(
    choice: &ProfileChoice,
    now: UtcTime,
    s: &Schedule,
    energy: Option<(Ranged<KilowattHours>, f64)>,
) -> ScheduleReport {
    let mut notes = choice.notes.clone();
    if s.truncated {
        notes.push(format!(
            "the profile ends at {}: the window was searched up to there only",
            s.searched_until
        ));
    }
    if energy.is_some() {
        notes.push(
            "emissions = facility energy × mean intensity of the window (a constant draw assumed)"
                .to_string(),
        );
    }
    let emissions = energy.map(|(e, pue)| {
        let em = s.emissions(e);
        ScheduleEmissionsReport {
            energy_kwh: e.value.0,
            energy_kwh_low: e.low.0,
            energy_kwh_high: e.high.0,
            pue,
            best_kg: em.best.value.0,
            best_kg_low: em.best.low.0,
            best_kg_high: em.best.high.0,
            now_kg: em.start_now.value.0,
            now_kg_low: em.start_now.low.0,
            now_kg_high: em.start_now.high.0,
            average_kg: em.profile_mean.value.0,
            average_kg_low: em.profile_mean.low.0,
            average_kg_high: em.profile_mean.high.0,
            saving_vs_now_kg: em.saving_vs_now.0,
            saving_vs_average_kg: em.saving_vs_average.0,
        }
    });
    let e = energy.map(|(e, _)| e);
    ScheduleReport {
        mlcarbon_version: env!("CARGO_PKG_VERSION"),
        profile: choice.info(),
        now,
        job_hours: s.job.0,
        within_hours: s.window.0,
        searched_until: s.searched_until,
        truncated: s.truncated,
        best_start: s.best.start,
        best_end: s.best.end,
        best_wait_hours: s.best.wait.0,
        best_intensity_g_per_kwh: s.best.mean_intensity.0,
        now_intensity_g_per_kwh: s.start_now.mean_intensity.0,
        window_average_intensity_g_per_kwh: s.window_mean.0,
        average_intensity_g_per_kwh: s.profile_mean.0,
        saving_vs_now_percent: s.saving_vs_now_percent,
        saving_vs_average_percent: s.saving_vs_average_percent,
        windows: s.windows.iter().map(|w| window_report(w, e)).collect(),
        emissions,
        notes,
    }
}
