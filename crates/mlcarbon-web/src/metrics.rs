//! `/metrics` in the Prometheus text format (version 0.0.4): energy, emissions and power of the
//! stored runs (active and finished) by run, component and method, each labelled with its host,
//! job and project, and the server's own request counters by route and status.
//!
//! `job` is the run's job key. Prometheus sets a `job` label of its own on what it scrapes and
//! renames ours `exported_job`, unless the scrape config says `honor_labels: true`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;

use mlcarbon_store::{
    ComponentRecord, RunFilter, RunRecord, RunStatus, RunStore, StoreError, Visibility,
};

/// The finished runs reported besides every running one: the most recent ones.
pub const MAX_FINISHED_RUNS: usize = 500;

/// Requests served, by (route template, method, status).
#[derive(Debug, Default)]
pub struct RequestCounters {
    counts: Mutex<BTreeMap<(String, String, u16), u64>>,
}

impl RequestCounters {
    pub fn record(&self, route: &str, method: &str, status: u16) {
        let mut counts = self
            .counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // Look up first: no allocation on the hot path once a key exists.
        if let Some(n) = counts.get_mut(&(route.to_string(), method.to_string(), status)) {
            *n += 1;
        } else {
            counts.insert((route.to_string(), method.to_string(), status), 1);
        }
    }

    fn snapshot(&self) -> BTreeMap<(String, String, u16), u64> {
        self.counts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }
}

/// Escapes a label value: backslash, double quote and line feed.
pub fn escape_label(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            _ => out.push(c),
        }
    }
    out
}

/// A sample value: Prometheus spells the special values `NaN`, `+Inf`, `-Inf`.
fn value(x: f64) -> String {
    if x.is_nan() {
        "NaN".to_string()
    } else if x == f64::INFINITY {
        "+Inf".to_string()
    } else if x == f64::NEG_INFINITY {
        "-Inf".to_string()
    } else {
        x.to_string()
    }
}

fn labels(pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let inner: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}=\"{}\"", escape_label(v)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

struct Family {
    name: &'static str,
    help: &'static str,
    kind: &'static str,
    lines: Vec<String>,
}

impl Family {
    fn new(name: &'static str, kind: &'static str, help: &'static str) -> Self {
        Family {
            name,
            help,
            kind,
            lines: Vec::new(),
        }
    }

    fn push(&mut self, pairs: &[(&str, &str)], x: f64) {
        self.lines
            .push(format!("{}{} {}", self.name, labels(pairs), value(x)));
    }

    fn write(&self, out: &mut String) {
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} {}", self.name, self.kind);
        for line in &self.lines {
            out.push_str(line);
            out.push('\n');
        }
    }
}

/// The runs `/metrics` reports: every running one and the most recent others.
/// Only those a reader with `visible` may see (see [`crate::accounts::reader`]).
pub fn load_runs(
    store: &dyn RunStore,
    visible: &Visibility,
) -> Result<Vec<(RunRecord, Vec<ComponentRecord>)>, StoreError> {
    let mut runs = store.runs(&RunFilter {
        status: Some(RunStatus::Running),
        visible_to: visible.clone(),
        ..RunFilter::default()
    })?;
    let recent = store.runs(&RunFilter {
        limit: Some(MAX_FINISHED_RUNS),
        visible_to: visible.clone(),
        ..RunFilter::default()
    })?;
    runs.extend(
        recent
            .into_iter()
            .filter(|r| r.status != RunStatus::Running),
    );
    runs.sort_by_key(|r| r.id);
    runs.into_iter()
        .map(|r| {
            let components = store.components(r.id)?;
            Ok((r, components))
        })
        .collect()
}

/// The whole text of `/metrics`.
pub fn render(
    runs: &[(RunRecord, Vec<ComponentRecord>)],
    counters: &RequestCounters,
    has_store: bool,
) -> String {
    let mut run_energy = Family::new(
        "mlcarbon_run_energy_kwh",
        "gauge",
        "Energy of a run so far, IT energy x PUE, kWh.",
    );
    let mut run_emissions = Family::new(
        "mlcarbon_run_emissions_kg",
        "gauge",
        "Emissions of a run so far, kg CO2e.",
    );
    let mut run_power = Family::new(
        "mlcarbon_run_power_watts",
        "gauge",
        "Mean IT power of a run over its sampled time, W (before PUE).",
    );
    let mut run_duration = Family::new(
        "mlcarbon_run_duration_seconds",
        "gauge",
        "Time a run lasted, or has lasted so far, s.",
    );
    let mut run_active = Family::new(
        "mlcarbon_run_active",
        "gauge",
        "1 while a run is running, 0 once it ended.",
    );
    let mut comp_energy = Family::new(
        "mlcarbon_component_energy_kwh",
        "gauge",
        "IT energy of one component of a run, kWh (before PUE); method says whether it was measured (counter, integrated_power), modelled (model) or reported by a CodeCarbon client (reported).",
    );
    let mut comp_power = Family::new(
        "mlcarbon_component_power_watts",
        "gauge",
        "Mean IT power of one component of a run over its sampled time, W.",
    );
    let mut by_status: BTreeMap<&str, u64> = BTreeMap::new();
    for (run, components) in runs {
        let id = run.id.to_string();
        // Every run series says where it ran (host), which distributed job it is part of (its
        // job key; empty for a run of no job) and its project, so that a dashboard can sum by
        // any of them; `run` keeps two runs of one host and job apart.
        let job = run.placement.job_key.as_deref().unwrap_or("");
        let who = [
            ("run", id.as_str()),
            ("host", run.hostname.as_str()),
            ("job", job),
            ("project", run.project.as_str()),
        ];
        let base = [
            who[0],
            who[1],
            who[2],
            who[3],
            ("status", run.status.as_str()),
        ];
        run_energy.push(&base, run.energy_kwh);
        run_emissions.push(&base, run.emissions_kg);
        run_power.push(&base, run.cpu_power_w + run.gpu_power_w + run.ram_power_w);
        run_duration.push(&base, run.elapsed_s());
        run_active.push(
            &who,
            if run.status == RunStatus::Running {
                1.0
            } else {
                0.0
            },
        );
        *by_status.entry(run.status.as_str()).or_default() += 1;
        for c in components {
            let pairs = [
                who[0],
                who[1],
                who[2],
                who[3],
                ("component", c.key.as_str()),
                ("kind", c.kind.as_str()),
                ("method", c.method.as_str()),
                ("label", c.label.as_str()),
            ];
            comp_energy.push(&pairs, c.energy_kwh);
            comp_power.push(&pairs, c.mean_power_w);
        }
    }
    let mut runs_family = Family::new(
        "mlcarbon_runs",
        "gauge",
        "Runs reported here, by status (every running run and the most recent others).",
    );
    for (s, n) in &by_status {
        runs_family.push(&[("status", s)], *n as f64);
    }
    let mut db = Family::new(
        "mlcarbon_run_database",
        "gauge",
        "1 when the server has a run database.",
    );
    db.push(&[], if has_store { 1.0 } else { 0.0 });
    let mut requests = Family::new(
        "mlcarbon_http_requests_total",
        "counter",
        "HTTP requests served by this server, by route template, method and status.",
    );
    for ((route, method, code), n) in counters.snapshot() {
        let code = code.to_string();
        requests.push(
            &[("route", &route), ("method", &method), ("status", &code)],
            n as f64,
        );
    }
    let mut out = String::new();
    for family in [
        &db,
        &runs_family,
        &run_active,
        &run_energy,
        &run_emissions,
        &run_power,
        &run_duration,
        &comp_energy,
        &comp_power,
        &requests,
    ] {
        family.write(&mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape_label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        assert_eq!(labels(&[("x", "q\"")]), "{x=\"q\\\"\"}");
    }

    #[test]
    fn special_values() {
        assert_eq!(value(f64::NAN), "NaN");
        assert_eq!(value(f64::INFINITY), "+Inf");
        assert_eq!(value(1.5), "1.5");
    }
}
