//! Stored runs as the API and the dashboard read them: filters from a query string, totals per
//! week and per project, and whether a component was measured or modelled.

use std::collections::BTreeMap;

use mlcarbon_store::{RunFilter, RunId, RunRecord, RunStatus, RunStore, StoreError, Visibility};
use serde::Serialize;

use crate::error::ApiError;
use crate::query::Params;

/// Parameters of the run lists.
pub const RUN_FILTER_PARAMS: [&str; 8] = [
    "project",
    "experiment",
    "job",
    "tag",
    "since",
    "until",
    "status",
    "limit",
];

/// The most runs one list returns.
pub const MAX_RUNS: usize = 10_000;

pub fn filter(params: &Params, default_limit: usize) -> Result<RunFilter, ApiError> {
    let names: Vec<&'static str> = RunStatus::ALL.iter().map(|s| s.as_str()).collect();
    let status = params
        .choice("status", &names)?
        .and_then(|name| name.parse::<RunStatus>().ok());
    // Checked here, before any answer starts: a streamed export cannot turn into a 400 later.
    let instant = |name: &str, bound: fn(&str) -> String| -> Result<Option<String>, ApiError> {
        match params.text(name)? {
            None => Ok(None),
            Some(text) => {
                let bound = bound(&text);
                match mlcarbon_time::parse_strict_rfc3339(&bound) {
                    Some(_) => Ok(Some(bound)),
                    None => Err(ApiError::bad(
                        name,
                        format!(
                            "{name}: `{text}` is not a date (2024-01-31) or an RFC 3339 time (2024-01-31T12:00:00Z)"
                        ),
                    )),
                }
            }
        }
    };
    Ok(RunFilter {
        project: params.text("project")?,
        experiment: params.text("experiment")?,
        tag: params.text("tag")?,
        since: instant("since", mlcarbon_time::since_bound)?,
        until: instant("until", mlcarbon_time::until_bound)?,
        status,
        job_key: params.text("job")?,
        limit: Some(params.limit("limit", default_limit, MAX_RUNS)?),
        // What the request may read (accounts): 401 without a token where one is needed.
        visible_to: crate::accounts::reader()?,
    })
}

/// Empties the runs' command lines unless `shown`: a command line can hold a secret passed as an
/// argument, and the run endpoints and pages answer without the token.
pub fn hide_commands_unless(shown: bool, runs: &mut [RunRecord]) {
    if !shown {
        for run in runs {
            run.start.command.clear();
        }
    }
}

/// A run named in a path: its id, `last`, or its uuid (the same on every host a pushed run
/// reached, where ids differ).
pub enum RunRef {
    Id(RunId),
    Last,
    Uuid(String),
}

impl RunRef {
    /// The run this names among those a reader with `visible` may see (see
    /// [`crate::accounts::reader`]): another team's run is as missing as one never stored;
    /// `NotFound(0)` for `last` when none is.
    pub fn find(
        &self,
        store: &dyn RunStore,
        visible: &Visibility,
    ) -> Result<RunRecord, StoreError> {
        // The error a run the reader may not see answers with: the one an unknown run gets.
        let (run, missing) = match self {
            RunRef::Last => {
                return store
                    .runs(&RunFilter {
                        limit: Some(1),
                        visible_to: visible.clone(),
                        ..RunFilter::default()
                    })?
                    .into_iter()
                    .next()
                    .ok_or(StoreError::NotFound(0));
            }
            RunRef::Id(id) => (store.run(*id)?, StoreError::NotFound(*id)),
            RunRef::Uuid(uuid) => {
                let unknown = || StoreError::Unknown {
                    what: "run",
                    id: uuid.clone(),
                };
                let id = store.run_id_by_uuid(uuid)?.ok_or_else(unknown)?;
                (store.run(id)?, unknown())
            }
        };
        if crate::accounts::may_see(store, visible, &run.project)? {
            Ok(run)
        } else {
            Err(missing)
        }
    }
}

pub fn run_ref(text: &str) -> Result<RunRef, ApiError> {
    if text.eq_ignore_ascii_case("last") || text.eq_ignore_ascii_case("latest") {
        return Ok(RunRef::Last);
    }
    if is_uuid(text) {
        return Ok(RunRef::Uuid(text.to_string()));
    }
    text.parse::<RunId>().map(RunRef::Id).map_err(|_| {
        ApiError::bad(
            "id",
            format!("`{text}` is not a run id (a whole number, `last` or the run's uuid)"),
        )
    })
}

/// Whether `text` is a uuid as runs carry them: 8-4-4-4-12 hexadecimal digits.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(group, len)| group.len() == len && group.chars().all(|c| c.is_ascii_hexdigit()))
}

/// `counter` and `integrated_power` read the hardware; `model` estimates from rated power.
/// Totals of a group of runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Totals {
    pub runs: u64,
    pub energy_kwh: f64,
    pub emissions_kg: f64,
    pub duration_s: f64,
}

impl Totals {
    fn add(&mut self, run: &RunRecord) {
        self.runs += 1;
        self.energy_kwh += run.energy_kwh;
        self.emissions_kg += run.emissions_kg;
        self.duration_s += run.elapsed_s();
    }
}

/// Totals per ISO week (Monday, `YYYY-MM-DD`, UTC) and per project, sorted by key.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub total: Totals,
    pub by_week: BTreeMap<String, Totals>,
    pub by_project: BTreeMap<String, Totals>,
}

pub fn summary(runs: &[RunRecord]) -> Summary {
    let mut out = Summary::default();
    for run in runs {
        out.total.add(run);
        let week = mlcarbon_time::UtcTime::parse(&run.started_at)
            .ok()
            .map(mlcarbon_time::UtcTime::utc_day)
            .map(|d| mlcarbon_time::format_day(mlcarbon_time::week_start(d)))
            .unwrap_or_else(|| "unknown".to_string());
        out.by_week.entry(week).or_default().add(run);
        out.by_project
            .entry(run.project.clone())
            .or_default()
            .add(run);
    }
    out
}
