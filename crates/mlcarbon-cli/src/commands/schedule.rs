//! `mlcarbon schedule`: the best time to start a job within a window, from a zone's intensity
//! profile (built-in month × hour-of-day means, the hourly 2022 series for times in 2022) or a
//! user's profile file. The model chooses the profile and computes the report
//! (`mlcarbon_model::schedule_report`); this module reads the file and renders.

use anyhow::Result;
use mlcarbon_data::Dataset;
use mlcarbon_model::schedule_report::{ScheduleQuery, ScheduleReport, schedule_report};
use mlcarbon_model::statement::{human_mass, human_number};

use crate::cli::{LocationArgs, ScheduleArgs, TableFormat};
use crate::inputs::{estimate_request, read_profile, system_now, user_error};
use crate::output::{Table, json};

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

/// The query of the flags: the job's, the location's, the window's.
fn query(args: &ScheduleArgs) -> Result<ScheduleQuery> {
    let location = LocationArgs {
        provider: args.provider.clone(),
        region: args.region.clone(),
        zone: args.zone.clone(),
        pue: args.pue,
        basis: args.basis,
        ..LocationArgs::default()
    };
    Ok(ScheduleQuery {
        job: estimate_request(&args.job, &location),
        profile: match &args.profile {
            Some(path) => Some(read_profile(path, "--profile")?),
            None => None,
        },
        within: Some(args.within),
        now: args.now.clone(),
        windows: args.windows,
    })
}

pub fn run(data: &Dataset, args: &ScheduleArgs) -> Result<String> {
    let report = schedule_report(data, &query(args)?, system_now()).map_err(user_error)?;
    match args.format {
        TableFormat::Json => json(&report),
        TableFormat::Csv => windows_table(&report).csv(),
        TableFormat::Markdown => Ok(windows_table(&report).markdown()),
        TableFormat::Human => Ok(human(&report)),
    }
}
