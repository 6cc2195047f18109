//! `/api/slurm`: stored Slurm job figures totalled per group, jobs without figures counted apart,
//! bad parameters named.

use mlcarbon_store::Store;
use mlcarbon_store::slurm::{SlurmJobNumbers, StoredSlurmFigures, StoredSlurmJob};
use mlcarbon_web::{AppState, app};

use crate::support::{Db, data, get};

fn job(id: &str, account: &str, day: &str, emissions_kg: f64, figures: bool) -> StoredSlurmJob {
    StoredSlurmJob {
        cluster: "hpc".into(),
        job_id: id.into(),
        user: "alice".into(),
        account: account.into(),
        partition: "gpu".into(),
        state: Some("COMPLETED".into()),
        end: format!("{day}T10:00:00"),
        all_completed: true,
        figures: figures.then(|| StoredSlurmFigures {
            description: "v1-test".into(),
            day: day.into(),
            numbers: SlurmJobNumbers {
                energy_kwh: emissions_kg * 10.0,
                energy_low_kwh: emissions_kg * 8.0,
                energy_high_kwh: emissions_kg * 12.0,
                emissions_kg,
                emissions_low_kg: emissions_kg * 0.8,
                emissions_high_kg: emissions_kg * 1.2,
                gpu_kwh: emissions_kg * 10.0,
                embodied_kg: 0.5,
                elapsed_hours: 1.0,
                ..SlurmJobNumbers::default()
            },
        }),
        ..StoredSlurmJob::default()
    }
}

#[tokio::test]
async fn stored_figures_are_totalled_per_group_and_jobs_without_them_counted() {
    let db = Db::new();
    let store = Store::open(&db.path()).expect("store");
    store
        .import_slurm_jobs::<String>(
            [
                Ok(job("1", "physics", "2026-01-05", 2.0, true)),
                Ok(job("2", "physics", "2026-02-05", 3.0, true)),
                Ok(job("3", "chemistry", "2026-01-07", 5.0, true)),
                Ok(job("4", "chemistry", "2026-01-08", 7.0, false)),
            ],
            10,
        )
        .expect("import")
        .expect("jobs");
    let router = app(AppState::with(data(), Some(store), Some(db.path()), None));
    let answer = get(&router, "/api/slurm?by=account,month&top=2").await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let json = answer.json();
    assert_eq!(json["clusters"][0]["name"], "hpc");
    assert_eq!(json["clusters"][0]["jobs"], 4);
    assert_eq!(json["jobs_without_figures"], 1);
    assert_eq!(json["descriptions"][0], "v1-test");
    assert_eq!(json["totals"]["jobs"], 3);
    assert!((json["totals"]["emissions_kg"].as_f64().expect("kg") - 10.0).abs() < 1e-9);
    assert!((json["totals"]["embodied_kg"].as_f64().expect("kg") - 1.5).abs() < 1e-9);
    let groups = json["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 3);
    assert_eq!(
        groups[0]["key"],
        serde_json::json!(["chemistry", "2026-01"])
    );
    assert_eq!(json["top_jobs"][0]["id"], "3");
    assert_eq!(json["top_jobs"].as_array().expect("top").len(), 2);
    // A window, and another cluster's name.
    let january = get(&router, "/api/slurm?since=2026-01-01&until=2026-01-31")
        .await
        .json();
    assert_eq!(january["totals"]["jobs"], 2);
    assert_eq!(january["jobs_outside_window"], 1);
    let other = get(&router, "/api/slurm?cluster=other").await.json();
    assert_eq!(other["totals"]["jobs"], 0);
    // Bad parameters are named.
    let bad = get(&router, "/api/slurm?by=colour").await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.field().as_deref(), Some("by"));
    let bad_day = get(&router, "/api/slurm?since=January").await;
    assert_eq!(bad_day.field().as_deref(), Some("since"));
}

#[tokio::test]
async fn the_cluster_page_shows_totals_groups_and_top_jobs() {
    let db = Db::new();
    let store = Store::open(&db.path()).expect("store");
    let empty = app(AppState::with(data(), Some(store), Some(db.path()), None));
    let page = get(&empty, "/slurm").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(r#"id="empty""#), "{}", page.body);
    // Every page links to it; this one is the current page.
    assert!(
        page.body
            .contains(r#"<a href="/slurm" aria-current="page">Slurm</a>"#),
        "{}",
        page.body
    );
    let calculator = get(&empty, "/").await;
    assert!(calculator.body.contains(r#"<a href="/slurm">Slurm</a>"#));
    let store = Store::open(&db.path()).expect("store");
    store
        .import_slurm_jobs::<String>(
            [
                Ok(job("1", "physics", "2026-01-05", 2.0, true)),
                Ok(job("2", "<b>lab</b>", "2026-02-05", 3.0, true)),
                Ok(job("4", "chemistry", "2026-01-08", 7.0, false)),
            ],
            10,
        )
        .expect("import")
        .expect("jobs");
    let router = app(AppState::with(data(), Some(store), Some(db.path()), None));
    let page = get(&router, "/slurm?by=account").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("hpc (3 jobs)"), "{}", page.body);
    assert!(
        page.body.contains("2 jobs: 50.0000 kWh, 5.0000 kg CO2e"),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"id="without""#));
    assert!(page.body.contains("&lt;b&gt;lab&lt;/b&gt;"));
    assert!(!page.body.contains("<b>lab</b>"));
    // By month unless asked otherwise.
    let monthly = get(&router, "/slurm").await;
    assert!(monthly.body.contains("<th>month</th>"), "{}", monthly.body);
    let bad = get(&router, "/slurm?by=colour").await;
    assert_eq!(bad.status, 400);
}
