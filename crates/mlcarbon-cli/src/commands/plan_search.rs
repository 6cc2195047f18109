//! `mlcarbon plan-search`: a grid against random search (and successive halving), in trials,
//! energy and emissions, from the cost of one trial (`mlcarbon_model::search_report`).

use anyhow::Result;
use mlcarbon_data::Dataset;
use mlcarbon_model::format::{Scale, common_scale, energy_scale, mass_scale, range_suffix};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::search::SearchCost;
use mlcarbon_model::search_report::{PlanReport, PlanSearchQuery, plan_search_report};
use mlcarbon_model::statement::{human_energy, human_mass, human_number};

use crate::cli::{PlanSearchArgs, TableFormat};
use crate::db::job_source;
use crate::inputs::user_error;
use crate::output::{Table, json};
use crate::render::{job_in_place, mass_with_range};

/// The units of the table's energy and emissions columns: one each, from every row's cost.
struct Columns {
    energy: Scale,
    mass: Scale,
}

fn columns(costs: &[&SearchCost]) -> Columns {
    Columns {
        energy: common_scale(costs.iter().map(|c| c.energy.value.0), energy_scale),
        mass: common_scale(costs.iter().map(|c| c.emissions.value.0), mass_scale),
    }
}

fn cost_cells(cost: &SearchCost, columns: &Columns) -> (String, String) {
    let mass = columns.mass;
    (
        columns.energy.show(cost.energy.value.0, Lang::En),
        format!(
            "{} CO2e{}",
            mass.show(cost.emissions.value.0, Lang::En),
            range_suffix(mass, cost.emissions.low.0, cost.emissions.high.0)
        ),
    )
}

fn saving_cell(kg: f64, percent: f64) -> String {
    if kg > 0.0 {
        format!("{} ({percent:.0} %)", human_mass(kg))
    } else if kg < 0.0 {
        format!("none: {} more", human_mass(-kg))
    } else {
        "none".to_string()
    }
}

fn grid_label(report: &PlanReport) -> String {
    if report.planned_from == "trials" {
        return format!("{} planned trials", report.plan.grid_trials);
    }
    let dims: Vec<String> = report
        .plan
        .grid
        .dimensions
        .iter()
        .map(|d| format!("{} {}", d.values, d.name))
        .collect();
    format!("grid: {}", dims.join(" × "))
}

fn table(report: &PlanReport) -> Table {
    let plan = &report.plan;
    let mut t = Table::new(&[
        ("strategy", false),
        ("configurations", true),
        ("full trials", true),
        ("energy", true),
        ("emissions", true),
        ("saves", true),
    ]);
    let costs: Vec<&SearchCost> = [Some(&plan.grid_cost), Some(&plan.random_cost)]
        .into_iter()
        .chain([plan.halving_cost.as_ref()])
        .flatten()
        .collect();
    let units = columns(&costs);
    let (e, kg) = cost_cells(&plan.grid_cost, &units);
    t.push(vec![
        grid_label(report),
        plan.grid_cost.configurations.to_string(),
        human_number(plan.grid_cost.full_trials),
        e,
        kg,
        "-".to_string(),
    ]);
    let (e, kg) = cost_cells(&plan.random_cost, &units);
    t.push(vec![
        format!(
            "random search (best {} % with p = {} %)",
            human_number(plan.top_fraction * 100.0),
            human_number(plan.probability * 100.0)
        ),
        plan.random_cost.configurations.to_string(),
        human_number(plan.random_cost.full_trials),
        e,
        kg,
        saving_cell(plan.random_saving.0, plan.random_saving_percent),
    ]);
    if let (Some(h), Some(cost)) = (&plan.halving, &plan.halving_cost) {
        let (e, kg) = cost_cells(cost, &units);
        t.push(vec![
            format!(
                "successive halving (η = {}, first rung {} of a trial)",
                human_number(h.reduction),
                human_number(h.min_budget)
            ),
            cost.configurations.to_string(),
            human_number(cost.full_trials),
            e,
            kg,
            saving_cell(
                plan.halving_saving.map_or(0.0, |s| s.0),
                plan.halving_saving_percent.unwrap_or(0.0),
            ),
        ]);
    }
    t
}

fn human(report: &PlanReport) -> String {
    let trial = &report.trial;
    let mut out = format!(
        "One trial: {} — {}, {}\n\n",
        job_in_place(&trial.job, trial.hours, &trial.location),
        human_energy(trial.energy_kwh),
        mass_with_range(
            trial.emissions_kg,
            trial.emissions_kg_low,
            trial.emissions_kg_high
        ),
    );
    out.push_str(&table(report).human());
    let plan = &report.plan;
    out.push_str(&format!(
        "\ngrid trials: {}; random trials: {} = ⌈ln(1 − {}) / ln(1 − {})⌉\n",
        plan.grid_trials,
        plan.random_trials,
        human_number(plan.probability),
        human_number(plan.top_fraction)
    ));
    if let Some(h) = &plan.halving {
        let rungs: Vec<String> = h
            .rungs
            .iter()
            .map(|r| format!("{} × {} %", r.trials, human_number(r.budget * 100.0)))
            .collect();
        out.push_str(&format!(
            "halving budget: {} full trials over {} rungs (configurations × budget, each trained from scratch: {}); {} with checkpoint reuse\n",
            human_number(h.total_budget),
            h.rungs.len(),
            rungs.join(", "),
            human_number(h.total_budget_with_reuse)
        ));
    }
    for note in &plan.notes {
        if report.planned_from == "trials" && note.starts_with("the grid has") {
            out.push_str(&format!(
                "Note: {} planned trials are no more than the {} random trials that reach the best {} % with probability {} %: random search saves nothing here\n",
                plan.grid_trials,
                plan.random_trials,
                human_number(plan.top_fraction * 100.0),
                human_number(plan.probability * 100.0)
            ));
        } else {
            out.push_str(&format!("Note: {note}\n"));
        }
    }
    out.push_str(
        "Random search finds a configuration in the best q of the space, not the grid's best point; \
         Bergstra & Bengio (2012) show it matches grid search in a fraction of the trials when few \
         hyperparameters matter.\n",
    );
    out
}

pub fn run(data: &Dataset, args: &PlanSearchArgs) -> Result<String> {
    let query = PlanSearchQuery {
        job: job_source(
            &args.job,
            &args.location,
            args.run.as_deref(),
            args.db.as_deref(),
        )?,
        grid: args.grid.clone(),
        trials: args.trials,
        top: args.top,
        probability: args.probability,
        halving: args.halving,
        eta: args.eta,
        min_budget: args.min_budget,
    };
    let report = plan_search_report(data, &query).map_err(user_error)?;
    match args.format {
        TableFormat::Json => json(&report),
        TableFormat::Csv => table(&report).csv(),
        TableFormat::Markdown => Ok(table(&report).markdown()),
        TableFormat::Human => Ok(human(&report)),
    }
}
