//! Runs from the database: list, filters, one run, samples, exports.

use axum::http::StatusCode;

use crate::support::{Db, get};

#[tokio::test]
async fn lists_and_filters_runs() {
    let db = Db::new();
    let app = db.router(None);
    let all = get(&app, "/api/runs").await;
    assert_eq!(all.status, StatusCode::OK);
    let ids: Vec<i64> = all
        .json()
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|r| r["id"].as_i64())
        .collect();
    assert_eq!(ids, vec![2, 1], "newest first");
    let count = |uri: &'static str| {
        let app = app.clone();
        async move { get(&app, uri).await.json().as_array().map_or(0, Vec::len) }
    };
    assert_eq!(count("/api/runs?project=bert").await, 1);
    assert_eq!(count("/api/runs?tag=sweep").await, 1);
    assert_eq!(count("/api/runs?since=2024-01-05").await, 1);
    assert_eq!(count("/api/runs?until=2024-01-03").await, 1);
    assert_eq!(count("/api/runs?since=2024-01-03T10:00:00Z").await, 2);
    assert_eq!(count("/api/runs?status=running").await, 1);
    assert_eq!(count("/api/runs?limit=1").await, 1);
    let bad = get(&app, "/api/runs?since=yesterday").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.field().as_deref(), Some("since"));
    let bad = get(&app, "/api/runs?status=sleeping").await;
    assert_eq!(bad.field().as_deref(), Some("status"));
}

#[tokio::test]
async fn one_run_with_components_and_samples() {
    let db = Db::new();
    let app = db.router(None);
    let shown = get(&app, "/api/runs/1").await;
    assert_eq!(shown.status, StatusCode::OK);
    let mut value = shown.json();
    // Stable across machines: nothing in the run depends on the clock or the host.
    insta::assert_json_snapshot!("run_1", value.take());
    let last = get(&app, "/api/runs/last").await.json();
    assert_eq!(last["run"]["id"], 2);
    let samples = get(&app, "/api/runs/1/samples").await.json();
    assert_eq!(samples.as_array().map(Vec::len), Some(10));
    assert_eq!(samples[0]["components"][0]["key"], "gpu:0");
    let csv = get(&app, "/api/runs/1/samples?format=csv").await;
    assert!(csv.content_type().starts_with("text/csv"));
    assert_eq!(csv.body.lines().count(), 11, "{}", csv.body);
    assert_eq!(
        get(&app, "/api/runs/99").await.status,
        StatusCode::NOT_FOUND
    );
    let bad = get(&app, "/api/runs/abc").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.field().as_deref(), Some("id"));
    assert_eq!(
        get(&app, "/api/runs/99999999999999999999999").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn exports_codecarbon_csv_and_json() {
    let db = Db::new();
    let app = db.router(None);
    let cc = get(&app, "/api/runs/1/export?format=codecarbon").await;
    assert_eq!(cc.status, StatusCode::OK);
    assert!(
        cc.body
            .starts_with("timestamp,project_name,run_id,experiment_id,duration,emissions")
    );
    assert!(
        cc.headers["content-disposition"]
            .to_str()
            .is_ok_and(|d| d.contains("emissions.csv"))
    );
    let all = get(&app, "/api/runs/export?format=json").await.json();
    assert_eq!(all.as_array().map(Vec::len), Some(2));
    assert_eq!(all[0]["id"], 1, "oldest first");
    let filtered = get(&app, "/api/runs/export?format=csv&project=bert").await;
    assert_eq!(filtered.body.lines().count(), 2);
}

#[tokio::test]
async fn without_a_database_runs_are_404_with_the_fix() {
    let app = crate::support::bare();
    let answer = get(&app, "/api/runs/1").await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert!(answer.body.contains("--db"));
    let page = get(&app, "/runs").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("id=\"no-db\""));
}

/// GET with a bearer token.
async fn get_with_token(app: &axum::Router, uri: &str, token: &str) -> crate::support::Answer {
    let request = axum::http::Request::get(uri)
        .header("authorization", format!("Bearer {token}"))
        .body(axum::body::Body::empty())
        .expect("request");
    crate::support::send(app, request).await
}

#[tokio::test]
async fn command_lines_are_shown_only_with_the_token_or_when_made_public() {
    let db = Db::new();
    let command = serde_json::json!(["python", "train.py"]);
    let hidden = serde_json::json!([]);
    let read_only = db.router(None);
    assert_eq!(
        get(&read_only, "/api/runs").await.json()[0]["command"],
        hidden
    );
    assert_eq!(
        get(&read_only, "/api/runs/1").await.json()["run"]["command"],
        hidden
    );
    let export = get(&read_only, "/api/runs/export?format=json").await.json();
    assert_eq!(export[0]["command"], hidden);
    let page = get(&read_only, "/runs/1").await.body;
    assert!(
        !page.contains("train.py") && page.contains("hidden"),
        "{page}"
    );
    assert!(!get(&read_only, "/runs").await.body.contains("train.py"));

    let app = db.router(Some("s3cret"));
    assert_eq!(get(&app, "/api/runs").await.json()[0]["command"], hidden);
    let wrong = get_with_token(&app, "/api/runs", "s3creT").await.json();
    assert_eq!(wrong[0]["command"], hidden, "a wrong token sees none");
    let right = get_with_token(&app, "/api/runs", "s3cret").await.json();
    assert_eq!(right[0]["command"], command);
    let one = get_with_token(&app, "/api/runs/1", "s3cret").await.json();
    assert_eq!(one["run"]["command"], command);

    let store = mlcarbon_store::Store::open(&db.path()).expect("store");
    let state = mlcarbon_web::AppState::with(crate::support::data(), Some(store), None, None);
    state.set_public_commands(true);
    let public = mlcarbon_web::app(state);
    assert_eq!(
        get(&public, "/api/runs").await.json()[0]["command"],
        command
    );
    assert!(
        get(&public, "/runs/1")
            .await
            .body
            .contains("python train.py")
    );
}

/// Issue 11, D3: a run whose tracker stopped writing (no sample for longer than
/// `stale_after_s`) reads as interrupted everywhere (the API, its export, the pages, /metrics),
/// ended at its last sample, while the database still says `running`: readers never write.
#[tokio::test]
async fn a_run_whose_tracker_is_gone_reads_as_interrupted_without_a_write() {
    let db = Db::new();
    // Run 2's last sample is at 08:00:03; an hour later its tracker is long gone.
    let app = db.router_at(None, "2024-01-10T09:00:00Z");
    let one = get(&app, "/api/runs/2").await.json();
    assert_eq!(one["run"]["status"], "interrupted");
    assert_eq!(one["run"]["ended_at"], "2024-01-10T08:00:03Z");
    assert_eq!(one["run"]["duration_s"], one["run"]["last_t_s"]);
    let listed = get(&app, "/api/runs?status=interrupted").await.json();
    assert_eq!(listed.as_array().map(Vec::len), Some(1));
    assert_eq!(listed[0]["id"], 2);
    let running = get(&app, "/api/runs?status=running").await.json();
    assert_eq!(running.as_array().map(Vec::len), Some(0));
    let export = get(&app, "/api/runs/export?format=jsonl").await.body;
    assert!(export.contains(r#""status":"interrupted""#), "{export}");
    assert!(!export.contains(r#""status":"running""#), "{export}");
    let page = get(&app, "/runs/2").await.body;
    assert!(page.contains(r#"<span class="status interrupted">interrupted</span>"#));
    let metrics = get(&app, "/metrics").await.body;
    assert!(
        metrics.contains(
            r#"mlcarbon_run_active{run="2",host="gpu-box",job="",project="team \"x\"\\y"} 0"#
        ),
        "{metrics}"
    );

    // Nothing was written: as stored, and for a reader while the tracker writes, it runs.
    let mut stored = mlcarbon_store::Store::open(&db.path()).expect("store");
    stored.set_tracker_check(mlcarbon_store::TrackerCheck::Off);
    assert_eq!(
        stored.run(2).expect("run 2").status,
        mlcarbon_store::RunStatus::Running
    );
    let live = get(&db.router(None), "/api/runs/2").await.json();
    assert_eq!(live["run"]["status"], "running");
}

/// Two runs of one job on two hosts (stored directly): `/api/jobs`, `/api/jobs/{key}`, the job
/// page and the run page's link to it; unknown and malformed keys.
#[tokio::test]
async fn jobs_total_their_hosts_and_link_their_runs() {
    use mlcarbon_store::{JobPlacement, Store};

    use crate::support::{new_run, samples};

    let db = Db::new();
    {
        let store = Store::open(&db.path()).expect("store");
        for (uuid, host, rank) in [("job-a", "node-a", 0), ("job-b", "node-b", 1)] {
            let mut run = new_run(uuid, "llm", "2024-01-11T09:00:00Z");
            run.start.hostname = host.to_string();
            run.start.placement = JobPlacement {
                job_key: Some("torchelastic:abc/1".to_string()),
                rank: Some(rank),
                local_rank: Some(0),
                world_size: Some(2),
            };
            let id = store.start_run(&run).expect("run");
            store
                .add_samples(id, &samples(5, "2024-01-11T09:00"))
                .expect("samples");
        }
    }
    let app = db.router(None);
    let jobs = get(&app, "/api/jobs").await;
    assert_eq!(jobs.status, StatusCode::OK);
    let jobs = jobs.json();
    let job = &jobs[0];
    assert_eq!(job["job_key"], "torchelastic:abc/1");
    let hosts: Vec<&str> = job["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["host"].as_str())
        .collect();
    assert_eq!(hosts, ["node-a", "node-b"]);
    let each: f64 = job["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["energy_kwh"].as_f64())
        .sum();
    assert!(each > 0.0 && (job["energy_kwh"].as_f64().unwrap_or(0.0) - each).abs() < 1e-12);

    // The key holds a `/`: percent-encoded in the path.
    let one = get(&app, "/api/jobs/torchelastic%3Aabc%2F1").await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json(), *job);
    let missing = get(&app, "/api/jobs/nope").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(
        missing.json()["error"]
            .as_str()
            .unwrap_or("")
            .contains("/api/jobs")
    );
    let bad = get(&app, "/api/jobs?limit=0").await;
    assert_eq!(bad.field().as_deref(), Some("limit"));

    let page = get(&app, "/jobs/torchelastic%3Aabc%2F1").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("node-b") && page.body.contains(r#"id="job-nodes""#));
    let list = get(&app, "/jobs").await;
    assert!(
        list.body.contains("torchelastic%3Aabc%2F1"),
        "{}",
        list.body
    );
    let run_page = get(&app, "/runs/3").await;
    assert!(run_page.body.contains(r#"id="run-job""#) && run_page.body.contains("rank 0 of 2"));
}
