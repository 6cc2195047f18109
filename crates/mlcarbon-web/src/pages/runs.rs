//! The dashboard: `/runs` (runs with filters, totals per week and per project, exports) and
//! `/runs/{id}` (power and cumulative emissions over time, the components, measured or modelled).

use std::collections::BTreeSet;
use std::fmt::Write;

use axum::http::StatusCode;
use axum::response::Response;
use mlcarbon_model::format::{common_scale, energy_scale, mass_scale, power_scale};
use mlcarbon_model::lang::Lang;
use mlcarbon_model::statement::{human_energy, human_mass, human_number};
use mlcarbon_store::{ComponentRecord, PowerSeries, RunFilter, RunRecord};

use crate::error::ApiError;
use crate::pages::{Nav, error_page, escape, html, layout, table};
use crate::query::{Params, encode};
use crate::runs::{self, Summary};
use crate::state::AppState;
use crate::svg::{Bar, NARROW, Series, WIDE, bar_chart, line_chart};

fn duration(seconds: f64) -> String {
    if !seconds.is_finite() || seconds <= 0.0 {
        return "0 s".to_string();
    }
    let s = seconds.round() as u64;
    if s < 60 {
        format!("{s} s")
    } else if s < 3600 {
        format!("{} min {} s", s / 60, s % 60)
    } else {
        format!("{} h {} min", s / 3600, (s % 3600) / 60)
    }
}

fn started(text: &str) -> String {
    text.chars().take(19).collect::<String>().replace('T', " ")
}

fn no_store_page() -> Response {
    html(
        StatusCode::OK,
        layout(
            "Runs",
            Nav::Runs,
            r#"<h1>Runs</h1><p id="no-db" class="note">This server has no run database. Start it with <code>mlcarbon serve --db PATH</code> (runs are recorded by <code>mlcarbon run -- CMD</code>).</p>"#,
        ),
    )
}

/// The query string of the filters, for export links.
fn filter_query(params: &Params) -> String {
    let mut parts = Vec::new();
    for name in ["project", "tag", "since", "until", "status"] {
        if let Some(v) = params.get(name) {
            parts.push(format!("{name}={}", encode(v)));
        }
    }
    parts.join("&")
}

pub async fn list_page(state: &AppState, query: Option<&str>) -> Response {
    if !state.has_store() {
        return no_store_page();
    }
    // Accounts: a page without a token is the 401 page, before any filter falls back.
    let visible = match crate::accounts::reader() {
        Ok(visible) => visible,
        Err(e) => return error_page(&e),
    };
    let params = Params::parse(query);
    let filter = runs::filter(&params, 500);
    let (filter, filter_error) = match filter {
        Ok(f) => (f, None),
        Err(e) => (
            RunFilter {
                visible_to: visible.clone(),
                ..RunFilter::default()
            },
            Some(e),
        ),
    };
    let loaded = state
        .with_store(move |store| {
            // The project list from the index, not from every run (100k runs: 2 s a view).
            let mut projects = store.projects()?;
            if let Some(teams) = &visible {
                let hidden: std::collections::HashSet<String> = store
                    .project_teams()?
                    .into_iter()
                    .filter(|(_, team)| !teams.contains(team))
                    .map(|(project, _)| project)
                    .collect();
                projects.retain(|p| !hidden.contains(p));
            }
            let runs = store.runs(&filter)?;
            Ok((projects, runs))
        })
        .await;
    let (projects, mut shown, error) = match (loaded, filter_error) {
        (Ok((projects, shown)), None) => (projects, shown, None),
        (Ok((projects, _)), Some(e)) => (projects, Vec::new(), Some(e)),
        (Err(e), _) if e.status.is_client_error() => (Vec::new(), Vec::new(), Some(e)),
        (Err(e), _) => return error_page(&e),
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    runs::hide_commands_unless(state.shows_commands(None), &mut shown);
    let projects: BTreeSet<&str> = projects.iter().map(String::as_str).collect();
    let mut body = String::from(
        r#"<h1>Runs</h1><p class="muted">Runs of several hosts or ranks: <a id="jobs-link" href="/jobs">jobs</a>, each counted once.</p>"#,
    );
    body.push_str(&filter_form(&params, &projects));
    if let Some(e) = &error {
        let _ = write!(
            body,
            r#"<p class="error" id="error" role="alert" data-field="{}">{}</p>"#,
            escape(e.body.field.as_deref().unwrap_or("")),
            escape(&e.body.error)
        );
    }
    let q = filter_query(&params);
    let _ = write!(
        body,
        r#"<p class="exports">Export these runs: <a class="button" id="export-codecarbon" href="/api/runs/export?format=codecarbon&amp;{q}" download="emissions.csv">CodeCarbon CSV</a> <a class="button" id="export-csv" href="/api/runs/export?format=csv&amp;{q}" download="runs.csv">CSV</a> <a class="button" id="export-json" href="/api/runs/export?format=json&amp;{q}" download="runs.json">JSON</a></p>"#,
        q = escape(&q)
    );
    body.push_str(&summary_html(&runs::summary(&shown)));
    body.push_str(&runs_table(&shown));
    html(status, layout("Runs", Nav::Runs, &body))
}

fn filter_form(params: &Params, projects: &BTreeSet<&str>) -> String {
    let mut options = String::from(r#"<option value="">all projects</option>"#);
    for p in projects {
        let selected = if params.get("project") == Some(*p) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            options,
            r#"<option value="{v}"{selected}>{v}</option>"#,
            v = escape(p)
        );
    }
    let mut statuses = String::from(r#"<option value="">any status</option>"#);
    for s in ["running", "finished", "interrupted", "failed"] {
        let selected = if params.get("status") == Some(s) {
            " selected"
        } else {
            ""
        };
        let _ = write!(statuses, r#"<option{selected}>{s}</option>"#);
    }
    let v = |name: &str| escape(params.get(name).unwrap_or(""));
    format!(
        r#"<form id="run-filters" class="filters" method="get" action="/runs">
<label>Project <select id="f-project" name="project">{options}</select></label>
<label>Tag <input id="f-tag" name="tag" value="{tag}"></label>
<label>From <input id="f-since" name="since" type="date" value="{since}"></label>
<label>To <input id="f-until" name="until" type="date" value="{until}"></label>
<label>Status <select id="f-status" name="status">{statuses}</select></label>
<button type="submit">Filter</button> <a href="/runs">clear</a>
</form>"#,
        tag = v("tag"),
        since = v("since"),
        until = v("until"),
    )
}

fn summary_html(s: &Summary) -> String {
    let mut out = format!(
        r#"<section id="totals"><p class="headline-small">{} · <b id="total-emissions">{} CO<sub>2</sub>e</b> · {} · {}</p>"#,
        super::count(
            usize::try_from(s.total.runs).unwrap_or(usize::MAX),
            "run",
            "runs"
        ),
        escape(&human_mass(s.total.emissions_kg)),
        escape(&human_energy(s.total.energy_kwh)),
        escape(&duration(s.total.duration_s)),
    );
    if s.total.runs == 0 {
        out.push_str("</section>");
        return out;
    }
    let week_bars: Vec<Bar> = s
        .by_week
        .iter()
        .map(|(week, t)| Bar {
            label: format!("week of {week}"),
            value: t.emissions_kg,
            low: t.emissions_kg,
            high: t.emissions_kg,
            highlight: false,
        })
        .collect();
    out.push_str(r#"<div class="two">"#);
    out.push_str("<div>");
    out.push_str(&bar_chart(
        "weeks-chart",
        "Emissions per week (CO2e)",
        &human_mass,
        &week_bars,
        NARROW,
    ));
    let energy = common_scale(s.by_week.values().map(|t| t.energy_kwh), energy_scale);
    let mass = common_scale(s.by_week.values().map(|t| t.emissions_kg), mass_scale);
    let rows: Vec<Vec<String>> = s
        .by_week
        .iter()
        .map(|(week, t)| {
            vec![
                escape(week),
                t.runs.to_string(),
                escape(&energy.show(t.energy_kwh, Lang::En)),
                escape(&mass.show(t.emissions_kg, Lang::En)),
            ]
        })
        .collect();
    out.push_str(&table(
        "weeks",
        "data",
        &["week (Monday, UTC)", "runs", "energy", "emissions"],
        &rows,
    ));
    out.push_str("</div><div>");
    let project_bars: Vec<Bar> = s
        .by_project
        .iter()
        .map(|(p, t)| Bar {
            label: p.clone(),
            value: t.emissions_kg,
            low: t.emissions_kg,
            high: t.emissions_kg,
            highlight: false,
        })
        .collect();
    out.push_str(&bar_chart(
        "projects-chart",
        "Emissions per project (CO2e)",
        &human_mass,
        &project_bars,
        NARROW,
    ));
    let energy = common_scale(s.by_project.values().map(|t| t.energy_kwh), energy_scale);
    let mass = common_scale(s.by_project.values().map(|t| t.emissions_kg), mass_scale);
    let rows: Vec<Vec<String>> = s
        .by_project
        .iter()
        .map(|(p, t)| {
            vec![
                escape(p),
                t.runs.to_string(),
                escape(&energy.show(t.energy_kwh, Lang::En)),
                escape(&mass.show(t.emissions_kg, Lang::En)),
            ]
        })
        .collect();
    out.push_str(&table(
        "projects",
        "data",
        &["project", "runs", "energy", "emissions"],
        &rows,
    ));
    out.push_str("</div></div></section>");
    out
}

fn runs_table(runs: &[RunRecord]) -> String {
    if runs.is_empty() {
        return r#"<p id="no-runs">No runs match. <code>mlcarbon run -- CMD</code> records one.</p>"#
            .to_string();
    }
    let energy = common_scale(runs.iter().map(|r| r.energy_kwh), energy_scale);
    let mass = common_scale(runs.iter().map(|r| r.emissions_kg), mass_scale);
    let rows: Vec<Vec<String>> = runs
        .iter()
        .map(|r| {
            vec![
                format!(
                    r#"<a class="run-link" href="/runs/{id}">{id}</a>"#,
                    id = r.id
                ),
                escape(&started(&r.started_at)),
                escape(&r.project),
                escape(&r.tags.join(", ")),
                format!(
                    r#"<span class="status {s}">{s}</span>"#,
                    s = escape(r.status.as_str())
                ),
                escape(&duration(r.elapsed_s())),
                escape(&energy.show(r.energy_kwh, Lang::En)),
                escape(&mass.show(r.emissions_kg, Lang::En)),
                escape(&r.location_label),
                command_html(&r.command),
            ]
        })
        .collect();
    table(
        "runs",
        "data",
        &[
            "run",
            "started (UTC)",
            "project",
            "tags",
            "status",
            "duration",
            "energy",
            "CO2e",
            "where",
            "command",
        ],
        &rows,
    )
}

/// A command line, or why it is not shown (`hide_commands_unless` emptied it).
fn command_html(command: &[String]) -> String {
    if command.is_empty() {
        r#"<span class="muted" title="command lines can hold secrets; `mlcarbon serve --public-commands` shows them">hidden</span>"#.to_string()
    } else {
        format!("<code>{}</code>", escape(&command.join(" ")))
    }
}

type Loaded = (RunRecord, Vec<ComponentRecord>, PowerSeries);

/// Points of the run page's charts; the database averages the samples down to them.
const CHART_POINTS: usize = 600;

pub async fn run_page(state: &AppState, id: &str) -> Response {
    if !state.has_store() {
        return no_store_page();
    }
    let reference = match runs::run_ref(id) {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let visible = match crate::accounts::reader() {
        Ok(visible) => visible,
        Err(e) => return error_page(&e),
    };
    let loaded: Result<Loaded, ApiError> = state
        .with_store(move |store| {
            let run = reference.find(store, &visible)?;
            let components = store.components(run.id)?;
            let series = store.power_series(run.id, CHART_POINTS)?;
            Ok((run, components, series))
        })
        .await;
    match loaded {
        Ok((mut run, components, series)) => {
            runs::hide_commands_unless(state.shows_commands(None), std::slice::from_mut(&mut run));
            html(
                StatusCode::OK,
                layout(
                    &format!("Run {}", run.id),
                    Nav::Runs,
                    &run_html(&run, &components, &series),
                ),
            )
        }
        Err(e) => error_page(&e),
    }
}

fn run_html(run: &RunRecord, components: &[ComponentRecord], series: &PowerSeries) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<h1 id="run-title">Run {id} <span class="status {status}">{status}</span></h1>
<p class="headline"><output id="run-emissions">{kg} CO<sub>2</sub>e</output> <span class="muted">{kwh} (IT {it} × PUE {pue:.2}) at {g} g CO<sub>2</sub>e/kWh ({origin})</span></p>
<dl class="figures">
<dt>Project</dt><dd id="run-project">{project}{experiment}</dd>
<dt>Tags</dt><dd>{tags}</dd>
<dt>Command</dt><dd>{command}</dd>
<dt>Where</dt><dd>{location}</dd>
<dt>Started</dt><dd>{started} UTC on {host} ({os})</dd>{job}
<dt>Duration</dt><dd>{duration}{ended}</dd>
<dt>Samples</dt><dd>{samples} every {interval} s</dd>
<dt>uuid</dt><dd><code>{uuid}</code></dd>
</dl>
"#,
        id = run.id,
        status = escape(run.status.as_str()),
        kg = escape(&human_mass(run.emissions_kg)),
        kwh = escape(&human_energy(run.energy_kwh)),
        it = escape(&human_energy(run.it_energy_kwh())),
        pue = run.pue,
        g = escape(&human_number(run.intensity_g_per_kwh)),
        origin = escape(run.intensity_origin.as_str()),
        project = escape(&run.project),
        experiment = run
            .experiment
            .as_deref()
            .map(|e| format!(" / {}", escape(e)))
            .unwrap_or_default(),
        tags = escape(&run.tags.join(", ")),
        command = command_html(&run.command),
        location = escape(&run.location_label),
        started = escape(&started(&run.started_at)),
        host = escape(&run.hostname),
        os = escape(&run.os),
        job = crate::pages::jobs::run_job_html(run)
            .map(|job| format!("\n<dt>Job</dt><dd id=\"run-job\">{job}</dd>"))
            .unwrap_or_default(),
        duration = escape(&duration(run.elapsed_s())),
        ended = match (&run.exit_code, &run.signal) {
            (Some(code), _) => format!(", exit code {code}"),
            (None, Some(sig)) => format!(", signal {sig}"),
            _ => String::new(),
        },
        samples = run.samples,
        interval = escape(&human_number(run.interval_s)),
        uuid = escape(&run.uuid),
    );
    if let (Some(p), Some(kwh), Some(kg)) = (
        run.progress,
        run.predicted_energy_kwh,
        run.predicted_emissions_kg,
    ) && run.status != mlcarbon_store::RunStatus::Finished
    {
        let _ = write!(
            out,
            r#"<p id="prediction" class="note">{:.0} % done; at completion about {} and {} CO<sub>2</sub>e.</p>"#,
            p * 100.0,
            escape(&human_energy(kwh)),
            escape(&human_mass(kg))
        );
    }
    let _ = write!(
        out,
        r#"<p class="exports">Export: <a class="button" id="export-codecarbon" href="/api/runs/{id}/export?format=codecarbon" download="emissions.csv">CodeCarbon CSV</a> <a class="button" id="export-csv" href="/api/runs/{id}/export?format=csv" download="run-{id}.csv">CSV</a> <a class="button" id="export-json" href="/api/runs/{id}/export?format=json" download="run-{id}.json">JSON</a> <a class="button" id="export-samples" href="/api/runs/{id}/samples?format=csv" download="run-{id}-samples.csv">Samples CSV</a></p>"#,
        id = run.id
    );
    // Power over time: the total and each component, each point the mean of a slice of samples
    // (see Store::power_series).
    let samples = &series.points;
    let mut lines = vec![Series {
        name: "total (IT)".to_string(),
        points: samples.iter().map(|p| (p.t_s, p.mean_w)).collect(),
    }];
    for c in components {
        lines.push(Series {
            name: c.label.clone(),
            points: samples
                .iter()
                .filter_map(|p| {
                    p.components
                        .iter()
                        .find(|r| r.key == c.key)
                        .map(|r| (p.t_s, r.mean_w))
                })
                .collect(),
        });
    }
    out.push_str(r#"<section class="charts">"#);
    out.push_str(&line_chart(
        "power-chart",
        "Power over time (W, before PUE)",
        "W",
        &lines,
    ));
    // Emissions in the unit that reads best for this run's total.
    let peak = samples
        .iter()
        .map(|p| p.emissions_kg)
        .filter(|x| x.is_finite())
        .fold(0.0_f64, f64::max);
    let (scale, unit) = if peak >= 1.0 || peak == 0.0 {
        (1.0, "kg CO2e")
    } else if peak >= 1e-3 {
        (1e3, "g CO2e")
    } else {
        (1e6, "mg CO2e")
    };
    out.push_str(&line_chart(
        "emissions-chart",
        &format!("Cumulative emissions ({unit})"),
        unit,
        &[Series {
            name: "emissions".to_string(),
            points: samples
                .iter()
                .map(|p| (p.t_s, p.emissions_kg * scale))
                .collect(),
        }],
    ));
    out.push_str("</section>");
    // Components: measured or modelled.
    let measured: f64 = components
        .iter()
        .filter(|c| c.method.is_measured())
        .map(|c| c.energy_kwh)
        .sum();
    let total: f64 = components.iter().map(|c| c.energy_kwh).sum();
    let modelled = total - measured;
    let share = |x: f64| {
        if total > 0.0 {
            format!("{:.0} %", x / total * 100.0)
        } else {
            "—".to_string()
        }
    };
    let _ = write!(
        out,
        r#"<section id="breakdown"><h2>By component</h2><p id="measured-share">Measured: <b>{}</b> ({}) · modelled: <b>{}</b> ({}), IT energy before PUE.</p>"#,
        escape(&human_energy(measured)),
        share(measured),
        escape(&human_energy(modelled)),
        share(modelled),
    );
    let bars: Vec<Bar> = components
        .iter()
        .map(|c| Bar {
            label: format!(
                "{} ({})",
                c.label,
                if c.method.is_measured() {
                    "measured"
                } else {
                    "modelled"
                }
            ),
            value: c.energy_kwh,
            low: c.energy_kwh,
            high: c.energy_kwh,
            highlight: c.method.is_measured(),
        })
        .collect();
    out.push_str(&bar_chart(
        "components-chart",
        "Energy by component (before PUE; measured highlighted)",
        &human_energy,
        &bars,
        WIDE,
    ));
    let power = common_scale(components.iter().map(|c| c.mean_power_w), power_scale);
    let energy = common_scale(components.iter().map(|c| c.energy_kwh), energy_scale);
    let rows: Vec<Vec<String>> = components
        .iter()
        .map(|c| {
            vec![
                escape(&c.label),
                format!("<code>{}</code>", escape(&c.key)),
                escape(c.kind.as_str()),
                format!(
                    r#"<span class="method {}">{}</span>"#,
                    if c.method.is_measured() {
                        "measured"
                    } else {
                        "modelled"
                    },
                    escape(c.method.label())
                ),
                escape(&power.show(c.mean_power_w, Lang::En)),
                escape(&energy.show(c.energy_kwh, Lang::En)),
                share(c.energy_kwh),
            ]
        })
        .collect();
    out.push_str(&table(
        "components",
        "data",
        &[
            "component",
            "key",
            "kind",
            "how",
            "mean power",
            "energy",
            "share",
        ],
        &rows,
    ));
    out.push_str("</section>");
    out
}
