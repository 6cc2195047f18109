//! `mlcarbon schedule`: the best time to start a job within a window, from a zone's intensity
//! profile (built-in month × hour-of-day means, the hourly 2022 series for times in 2022) or a
//! user's profile file.

use anyhow::{Result, anyhow, bail};
use mlcarbon_data::Dataset;
use mlcarbon_model::estimate::estimate_with;
use mlcarbon_model::scenario;
use mlcarbon_model::schedule::{Schedule, ScheduleRequest, Window, schedule};
use mlcarbon_model::statement::{human_mass, human_number};
use mlcarbon_model::time::UtcTime;
use mlcarbon_model::units::{GramsPerKwh, Hours, KilowattHours, Ranged};
use serde::Serialize;

use crate::cli::{LocationArgs, ScheduleArgs, TableFormat};
use crate::commands::act::{ProfileChoice, file_profile, no_profile, now_or, zone_profile};
use crate::inputs::{ResolvedLocation, resolve_job, resolve_location};
use crate::output::{Table, json};

#[derive(Debug, Serialize)]
struct ProfileInfo {
    kind: &'static str,
    label: String,
    zone: Option<String>,
    source: Option<String>,
    year: Option<u16>,
    file: Option<String>,
    /// The zone whose hour-by-hour pattern a state borrows (profile_proxies.csv).
    #[serde(skip_serializing_if = "Option::is_none")]
    pattern_of: Option<String>,
}

#[derive(Debug, Serialize)]
struct WindowReport {
    start: UtcTime,
    end: UtcTime,
    wait_hours: f64,
    intensity_g_per_kwh: f64,
    emissions_kg: Option<f64>,
}

#[derive(Debug, Serialize)]
struct EmissionsReport {
    /// Facility energy of the job (IT energy × PUE), kWh.
    energy_kwh: f64,
    energy_kwh_low: f64,
    energy_kwh_high: f64,
    pue: f64,
    best_kg: f64,
    best_kg_low: f64,
    best_kg_high: f64,
    now_kg: f64,
    now_kg_low: f64,
    now_kg_high: f64,
    average_kg: f64,
    average_kg_low: f64,
    average_kg_high: f64,
    saving_vs_now_kg: f64,
    saving_vs_average_kg: f64,
}

/// The JSON of `schedule` (documented in docs/cli.md).
#[derive(Debug, Serialize)]
struct ScheduleReport {
    mlcarbon_version: &'static str,
    profile: ProfileInfo,
    now: UtcTime,
    job_hours: f64,
    within_hours: f64,
    searched_until: UtcTime,
    truncated: bool,
    best_start: UtcTime,
    best_end: UtcTime,
    best_wait_hours: f64,
    best_intensity_g_per_kwh: f64,
    now_intensity_g_per_kwh: f64,
    window_average_intensity_g_per_kwh: f64,
    average_intensity_g_per_kwh: f64,
    saving_vs_now_percent: f64,
    saving_vs_average_percent: f64,
    windows: Vec<WindowReport>,
    emissions: Option<EmissionsReport>,
    notes: Vec<String>,
}

/// The location flags of `schedule`, when any is given.
fn location_of<'d>(data: &'d Dataset, args: &ScheduleArgs) -> Result<Option<ResolvedLocation<'d>>> {
    if args.zone.is_none() && args.provider.is_none() && args.region.is_none() {
        return Ok(None);
    }
    let flags = LocationArgs {
        provider: args.provider.clone(),
        region: args.region.clone(),
        zone: args.zone.clone(),
        pue: args.pue,
        ..LocationArgs::default()
    };
    resolve_location(data, &flags).map(Some)
}

/// The facility energy of the job, when its energy or hardware is given.
fn job_energy(
    data: &Dataset,
    args: &ScheduleArgs,
    location: Option<&ResolvedLocation<'_>>,
) -> Result<Option<(Ranged<KilowattHours>, f64)>> {
    let job = &args.job;
    if job.hardware.is_none()
        && job.energy_kwh.is_none()
        && job.cpu.is_none()
        && job.ram_gb.is_none()
    {
        return Ok(None);
    }
    let resolved = resolve_job(data, job)?;
    let pue = match (location, args.pue) {
        (Some(l), _) => l.location.pue.range,
        (None, Some(p)) => Ranged::exact(p),
        (None, None) => scenario::default_pue(data)?.range,
    };
    let result = estimate_with(&resolved.job, Ranged::exact(GramsPerKwh(0.0)), pue, None);
    Ok(Some((result.energy, pue.value)))
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
        EmissionsReport {
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
        profile: ProfileInfo {
            kind: choice.kind,
            label: choice.label.clone(),
            zone: choice.zone.clone(),
            source: choice.source.clone(),
            year: choice.year,
            file: choice.file.clone(),
            pattern_of: choice.pattern_of.clone(),
        },
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

fn less_or_more(percent: f64) -> String {
    if percent >= 0.0 {
        format!("{percent:.0} % less")
    } else {
        format!("{:.0} % more", -percent)
    }
}

fn g(value: f64) -> String {
    format!("{} g CO2e/kWh", human_number(value))
}

fn wait_text(hours: f64) -> String {
    if hours <= 0.0 {
        "now".to_string()
    } else {
        format!("in {} h", human_number(hours))
    }
}

fn windows_table(report: &ScheduleReport) -> Table {
    let with_kg = report.emissions.is_some();
    let mut headers = vec![
        ("start (UTC)", false),
        ("end (UTC)", false),
        ("wait", true),
        ("g CO2e/kWh", true),
    ];
    if with_kg {
        headers.push(("emissions", true));
    }
    let mut t = Table::new(&headers);
    for w in &report.windows {
        let mut row = vec![
            w.start.to_string(),
            w.end.to_string(),
            format!("{} h", human_number(w.wait_hours)),
            human_number(w.intensity_g_per_kwh),
        ];
        if let Some(kg) = w.emissions_kg {
            row.push(human_mass(kg));
        }
        t.push(row);
    }
    t
}

fn human(report: &ScheduleReport) -> String {
    let mut out = format!(
        "A job of {} h, to finish within {} h of {} — {}\n\n",
        human_number(report.job_hours),
        human_number(report.within_hours),
        report.now,
        report.profile.label
    );
    let mut t = Table::new(&[("", false), ("", false)]);
    t.push(vec![
        "best start".into(),
        format!(
            "{} ({}), until {}: {}",
            report.best_start,
            wait_text(report.best_wait_hours),
            report.best_end,
            g(report.best_intensity_g_per_kwh)
        ),
    ]);
    t.push(vec![
        "starting now".into(),
        format!(
            "{}: {} — the best start is {}",
            report.now,
            g(report.now_intensity_g_per_kwh),
            less_or_more(report.saving_vs_now_percent)
        ),
    ]);
    t.push(vec![
        "profile average".into(),
        format!(
            "{} — the best start is {}",
            g(report.average_intensity_g_per_kwh),
            less_or_more(report.saving_vs_average_percent)
        ),
    ]);
    t.push(vec![
        "window average".into(),
        format!(
            "{} (until {})",
            g(report.window_average_intensity_g_per_kwh),
            report.searched_until
        ),
    ]);
    if let Some(e) = &report.emissions {
        t.push(vec![
            "emissions".into(),
            format!(
                "{} at the best start · {} starting now · {} at the average ({} of energy, PUE {:.2})",
                human_mass(e.best_kg),
                human_mass(e.now_kg),
                human_mass(e.average_kg),
                mlcarbon_model::statement::human_energy(e.energy_kwh),
                e.pue
            ),
        ]);
        t.push(vec![
            "saves".into(),
            format!(
                "{} CO2e against starting now, {} against the average",
                human_mass(e.saving_vs_now_kg),
                human_mass(e.saving_vs_average_kg)
            ),
        ]);
    }
    out.push_str(t.human().split_once('\n').map_or("", |(_, rest)| rest));
    out.push_str("\nGood windows (not overlapping, lowest intensity first)\n");
    for line in windows_table(report).human().lines() {
        out.push_str(&format!("  {line}\n"));
    }
    if !report.notes.is_empty() {
        out.push('\n');
        for note in &report.notes {
            out.push_str(&format!("Note: {note}\n"));
        }
    }
    out
}

pub fn run(data: &Dataset, args: &ScheduleArgs) -> Result<String> {
    let Some(hours) = args.job.hours else {
        bail!("missing --hours: how long the job runs, e.g. --hours 6");
    };
    let now = now_or(args.now.as_deref())?;
    let location = location_of(data, args)?;
    let choice = match (&args.profile, &location) {
        (Some(path), _) => {
            let mut choice = file_profile(path, "--profile")?;
            choice.zone = location.as_ref().and_then(|l| l.location.zone.clone());
            choice
        }
        (None, Some(l)) => {
            let Some(zone) = l.location.zone.as_deref() else {
                bail!("this location has no grid zone; give --zone Z or --profile FILE");
            };
            zone_profile(data, zone, now)?
                .ok_or_else(|| no_profile(data, zone, "--profile FILE"))?
        }
        (None, None) => bail!(
            "give a zone with a profile (--zone, e.g. {}), --provider/--region, or --profile FILE",
            data.month_hour_zones()
                .first()
                .copied()
                .unwrap_or("US-CAL-CISO")
        ),
    };
    let energy = job_energy(data, args, location.as_ref())?;
    let request = ScheduleRequest {
        now,
        job: Hours(hours),
        window: Hours(args.within),
        windows: args.windows.max(1),
    };
    let result = schedule(&choice.profile, &request).map_err(|e| anyhow!("{e}"))?;
    let report = build(&choice, now, &result, energy);
    match args.format {
        TableFormat::Json => json(&report),
        TableFormat::Csv => windows_table(&report).csv(),
        TableFormat::Markdown => Ok(windows_table(&report).markdown()),
        TableFormat::Human => Ok(human(&report)),
    }
}
