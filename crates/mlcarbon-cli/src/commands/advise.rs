//! `mlcarbon advise`: what to do about a job's emissions. The model builds the candidates (a
//! cleaner region of the same provider, another provider, other hardware, a later start, a GPU
//! power limit, random search instead of a grid) and ranks them (`mlcarbon_model::advise_report`);
//! this module renders the report.

use anyhow::Result;
use mlcarbon_data::Dataset;
use mlcarbon_model::advise::ActionCost;
use mlcarbon_model::advise_report::{AdviseQuery, AdviseReport, advise_report};
use mlcarbon_model::format::{common_scale, mass_scale};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::statement::{human_mass, human_number};

use crate::cli::{AdviseArgs, TableFormat};
use crate::db::job_source;
use crate::inputs::{system_now, user_error};
use crate::output::{Table, json};
use crate::render::{job_in_place, mass_with_range};

fn cost_text(cost: &ActionCost) -> String {
    let mut parts = Vec::new();
    if let Some(delay) = cost.delay {
        parts.push(format!("wait {} h", human_number(delay.0)));
    }
    match (
        cost.run_time_change_percent,
        cost.device_hours_change_percent,
    ) {
        (Some(t), Some(d)) if (t - d).abs() < 0.5 => {
            parts.push(format!("{t:+.0} % run time and device-hours"));
        }
        (t, d) => {
            if let Some(t) = t {
                parts.push(format!("{t:+.0} % run time"));
            }
            if let Some(d) = d {
                parts.push(format!("{d:+.0} % device-hours"));
            }
        }
    }
    if parts.is_empty() {
        "no extra time".to_string()
    } else {
        parts.join(", ")
    }
}

fn table(report: &AdviseReport, with_details: bool) -> Table {
    let mut headers = vec![
        ("#", true),
        ("action", false),
        ("saves", true),
        ("saves %", true),
        ("cost in time", false),
    ];
    if with_details {
        headers.push(("caveat", false));
        headers.push(("basis", false));
    }
    let mut t = Table::new(&headers);
    let saved = common_scale(report.actions.iter().map(|a| a.saving.0), mass_scale);
    for (i, a) in report.actions.iter().enumerate() {
        let mut row = vec![
            (i + 1).to_string(),
            a.label.clone(),
            format!("{} CO2e", saved.show(a.saving.0, Lang::En)),
            format!("{:.0} %", a.saving_percent),
            cost_text(&a.cost),
        ];
        if with_details {
            row.push(a.caveat.clone());
            row.push(a.basis.clone());
        }
        t.push(row);
    }
    t
}

fn human(report: &AdviseReport) -> String {
    let b = &report.baseline;
    let mut out = format!(
        "Advice for {}: {}\n",
        job_in_place(&report.job, b.hours, &report.location.label),
        mass_with_range(b.emissions_kg, b.emissions_kg_low, b.emissions_kg_high),
    );
    if let Some(n) = report.search_trials {
        out.push_str(&format!(
            "as one trial of a grid search of {n} trials: {} CO2e for the search; every saving below is for the whole search\n",
            human_mass(b.emissions_kg * n as f64)
        ));
    }
    out.push('\n');
    if report.actions.is_empty() {
        out.push_str("No action with a saving the data can justify.\n");
    } else {
        out.push_str(&table(report, false).human());
        out.push('\n');
        for (i, a) in report.actions.iter().enumerate() {
            out.push_str(&format!(
                "{}. {} ({})\n   caveat: {}\n   basis: {}\n",
                i + 1,
                a.kind.label(),
                a.label,
                a.caveat,
                a.basis
            ));
        }
    }
    for caveat in &report.caveats {
        out.push_str(&format!("\n{caveat}\n"));
    }
    if !report.rejected.is_empty() {
        out.push_str("\nNot advised\n");
        for r in &report.rejected {
            out.push_str(&format!(
                "  {}: {} — {}\n",
                r.kind.label(),
                r.label,
                r.reason
            ));
        }
    }
    if !report.notes.is_empty() {
        out.push_str("\nNot considered\n");
        for note in &report.notes {
            out.push_str(&format!("  {note}\n"));
        }
    }
    out
}

pub fn run(data: &Dataset, args: &AdviseArgs) -> Result<String> {
    let query = AdviseQuery {
        job: job_source(
            &args.job,
            &args.location,
            args.run.as_deref(),
            args.db.as_deref(),
        )?,
        deadline: args.deadline,
        now: args.now.clone(),
        max_slowdown: args.max_slowdown,
        grid: args.grid.clone(),
        top: args.top,
        probability: args.probability,
        candidates: args.candidates.clone(),
    };
    let report = advise_report(data, &query, system_now()).map_err(user_error)?;
    match args.format {
        TableFormat::Json => json(&report),
        TableFormat::Csv => table(&report, true).csv(),
        TableFormat::Markdown => Ok(table(&report, true).markdown()),
        TableFormat::Human => Ok(human(&report)),
    }
}
