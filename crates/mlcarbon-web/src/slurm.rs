//! `/api/slurm`: the Slurm jobs imported into the server's database, totalled from the figures
//! stored with them (`mlcarbon slurm import --cluster`, `slurm recompute`): the clusters, and the
//! totals in all and per user, account, partition, month or state, with the top jobs. The server
//! has no cluster description: jobs imported without one are counted, not totalled.

use std::collections::BTreeSet;
use std::fmt::Write;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use mlcarbon_slurm::report::ReportBuilder;
use mlcarbon_slurm::stored::add_stored;
use mlcarbon_slurm::{GroupBy, GroupingCounts, JobFilter, Method, SlurmReport};
use mlcarbon_store::{RunStore, StoreError};
use serde::Serialize;

use crate::api::{ApiResult, json};
use crate::error::ApiError;
use crate::pages::{Nav, error_page, escape, html, layout, table};
use crate::query::Params;
use crate::state::AppState;

/// The parameters of `/api/slurm`.
pub const SLURM_PARAMS: [&str; 5] = ["cluster", "since", "until", "by", "top"];

/// The groups `by` may name.
pub const GROUPS: [&str; 5] = ["user", "account", "partition", "month", "state"];

/// One cluster and its stored jobs.
#[derive(Debug, Serialize)]
struct ClusterJobs {
    name: String,
    jobs: u64,
}

#[derive(Debug, Serialize)]
struct SlurmAnswer {
    clusters: Vec<ClusterJobs>,
    /// Jobs stored without figures (imported without a cluster description): not in the totals.
    jobs_without_figures: u64,
    /// The fingerprints of the cluster descriptions the totalled figures were computed with.
    descriptions: Vec<String>,
    #[serde(flatten)]
    report: SlurmReport,
}

fn group(name: &str) -> Option<GroupBy> {
    Some(match name {
        "user" => GroupBy::User,
        "account" => GroupBy::Account,
        "partition" => GroupBy::Partition,
        "month" => GroupBy::Month,
        "state" => GroupBy::State,
        _ => return None,
    })
}

fn day(params: &Params, name: &str) -> Result<Option<String>, ApiError> {
    match params.text(name)? {
        None => Ok(None),
        Some(text) if mlcarbon_time::parse_date(&text).is_some() => Ok(Some(text)),
        Some(text) => Err(ApiError::bad(
            name,
            format!("{name}: `{text}` is not a day as YYYY-MM-DD, e.g. 2026-01-31"),
        )),
    }
}

/// What `/api/slurm` and `/slurm` were asked.
struct Request {
    cluster: Option<String>,
    filter: JobFilter,
    by: Vec<GroupBy>,
    top: usize,
}

fn request(params: &Params) -> Result<Request, ApiError> {
    params.only(&[], &[&SLURM_PARAMS])?;
    let cluster = params.text("cluster")?;
    let filter = JobFilter {
        since: day(params, "since")?,
        until: day(params, "until")?,
    };
    let mut by = Vec::new();
    for name in params.all("by").iter().flat_map(|v| v.split(',')) {
        let name = name.trim();
        if name.is_empty() {
            continue;
        }
        let Some(g) = group(name) else {
            return Err(ApiError::bad(
                "by",
                format!("by: `{name}` is not one of {}", GROUPS.join(", ")),
            ));
        };
        if !by.contains(&g) {
            by.push(g);
        }
    }
    let top = params.limit("top", 10, 100)?;
    Ok(Request {
        cluster,
        filter,
        by,
        top,
    })
}

/// `GET /api/slurm?cluster=&since=&until=&by=account,month&top=`
pub async fn api(State(state): State<AppState>, RawQuery(q): RawQuery) -> ApiResult {
    // Accounts: any token holder reads the cluster-wide totals (no runs of a project here).
    crate::accounts::reader()?;
    let r = request(&Params::parse(q.as_deref()))?;
    let answer = state
        .with_store(move |store| totals(store, r.cluster.as_deref(), r.filter, r.by, r.top))
        .await?;
    json(&answer)
}

fn totals(
    store: &dyn RunStore,
    cluster: Option<&str>,
    filter: JobFilter,
    by: Vec<GroupBy>,
    top: usize,
) -> Result<SlurmAnswer, StoreError> {
    let mut builder = ReportBuilder::new(Method::Stored, filter, by, top);
    let mut without = 0;
    let mut descriptions = BTreeSet::new();
    let (clusters, jobs) = if store.has_slurm_tables()? {
        let clusters = store
            .slurm_clusters()?
            .into_iter()
            .filter(|(name, _)| cluster.is_none_or(|c| c == name))
            .map(|(name, jobs)| ClusterJobs { name, jobs })
            .collect();
        let jobs = store.each_slurm_figures(cluster, &mut |row| {
            if row.description.is_empty() {
                without += 1;
            } else {
                if !descriptions.contains(row.description) {
                    descriptions.insert(row.description.to_string());
                }
                add_stored(&mut builder, row);
            }
            Ok(())
        })?;
        (clusters, jobs)
    } else {
        (Vec::new(), 0)
    };
    Ok(SlurmAnswer {
        clusters,
        jobs_without_figures: without,
        descriptions: descriptions.into_iter().collect(),
        report: builder.finish(GroupingCounts {
            rows: jobs,
            jobs,
            repeated_rows: 0,
        }),
    })
}

/// `GET /slurm`: the cluster page. The same parameters as `/api/slurm`; `by` defaults to month.
pub async fn page(State(state): State<AppState>, RawQuery(q): RawQuery) -> Response {
    if let Err(e) = crate::accounts::reader() {
        return error_page(&e);
    }
    let query = match q.as_deref() {
        Some(q) if Params::parse(Some(q)).get("by").is_some() => q.to_string(),
        Some(q) if !q.is_empty() => format!("{q}&by=month"),
        _ => "by=month".to_string(),
    };
    let request = match request(&Params::parse(Some(&query))) {
        Ok(r) => r,
        Err(e) => return error_page(&e),
    };
    let answer = state
        .with_store(move |s| {
            totals(
                s,
                request.cluster.as_deref(),
                request.filter,
                request.by,
                request.top,
            )
        })
        .await;
    match answer {
        Ok(answer) => html(
            StatusCode::OK,
            layout("Slurm", Nav::Slurm, &render(&answer)),
        ),
        Err(e) => error_page(&e),
    }
}

fn render(a: &SlurmAnswer) -> String {
    let t = &a.report.totals;
    let kwh = |v: f64| escape(&format!("{v:.4}"));
    let mut body = String::from("<h1>Slurm jobs</h1>");
    if a.clusters.is_empty() {
        body.push_str(
            r#"<p id="empty">No Slurm jobs in this database: store some with <code>mlcarbon slurm import FILE --cluster-name NAME --cluster cluster.toml</code>.</p>"#,
        );
        return body;
    }
    let clusters: Vec<String> = a
        .clusters
        .iter()
        .map(|c| format!("{} ({} jobs)", escape(&c.name), c.jobs))
        .collect();
    let _ = write!(
        body,
        r#"<p id="clusters">Clusters: {}</p><p id="totals">{} jobs: {} kWh, {} kg CO2e (range {}–{}), embodied {} kg CO2e; {} failed jobs ({} kWh); {} measured · {} modelled · {} mixed jobs; {:.0} % of IT energy measured by Slurm.</p>"#,
        clusters.join(", "),
        t.jobs,
        kwh(t.energy_kwh),
        kwh(t.emissions_kg),
        kwh(t.emissions_low_kg),
        kwh(t.emissions_high_kg),
        kwh(t.embodied_kg),
        t.failed_jobs,
        kwh(t.failed_energy_kwh),
        t.measured_jobs,
        t.modelled_jobs,
        t.mixed_jobs,
        t.measured_share() * 100.0
    );
    if a.jobs_without_figures > 0 {
        let _ = write!(
            body,
            r#"<p class="note" id="without">{} jobs were stored without figures and are not counted: <code>mlcarbon slurm recompute --cluster cluster.toml</code> computes them.</p>"#,
            a.jobs_without_figures
        );
    }
    let mut headers: Vec<&str> = a.report.by.iter().map(|b| b.label()).collect();
    headers.extend([
        "jobs",
        "failed",
        "energy kWh",
        "kg CO2e",
        "embodied kg",
        "measured %",
    ]);
    let rows: Vec<Vec<String>> = a
        .report
        .groups
        .iter()
        .map(|g| {
            let mut row: Vec<String> = g.key.iter().map(|k| escape(k)).collect();
            row.extend([
                g.totals.jobs.to_string(),
                g.totals.failed_jobs.to_string(),
                kwh(g.totals.energy_kwh),
                kwh(g.totals.emissions_kg),
                kwh(g.totals.embodied_kg),
                format!("{:.0}", g.totals.measured_share() * 100.0),
            ]);
            row
        })
        .collect();
    body.push_str("<h2>By group</h2>");
    body.push_str(&table("groups", "numbers", &headers, &rows));
    let top: Vec<Vec<String>> = a
        .report
        .top_jobs
        .iter()
        .map(|j| {
            vec![
                escape(&j.id),
                escape(&j.user),
                escape(&j.account),
                escape(&j.partition),
                escape(&j.state),
                j.method.label().to_string(),
                kwh(j.energy_kwh),
                kwh(j.emissions_kg),
            ]
        })
        .collect();
    body.push_str("<h2>Top jobs</h2>");
    body.push_str(&table(
        "top",
        "numbers",
        &[
            "job",
            "user",
            "account",
            "partition",
            "state",
            "method",
            "energy kWh",
            "kg CO2e",
        ],
        &top,
    ));
    body.push_str(r#"<p><a href="/api/slurm?by=month">This as JSON</a> · <a href="/slurm?by=account,month">By account and month</a> · <a href="/slurm?by=user">By user</a></p>"#);
    body
}
