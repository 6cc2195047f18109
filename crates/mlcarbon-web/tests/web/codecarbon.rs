//! The endpoints CodeCarbon's API client posts to: `POST /runs` and `POST /emissions`, with
//! the bodies CodeCarbon 3.3.2 sends.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::support::{Answer, Db, get, send};

const TOKEN: &str = "cc-token";

async fn post_cc(app: &axum::Router, uri: &str, body: &str, token: Option<&str>) -> Answer {
    let mut request = Request::post(uri).header("content-type", "application/json");
    if let Some(t) = token {
        request = request.header("x-api-token", t);
    }
    send(
        app,
        request.body(Body::from(body.to_string())).expect("request"),
    )
    .await
}

/// A `RunCreate` as CodeCarbon 3.3.2 sends it.
fn run_body(experiment: &str) -> String {
    serde_json::json!({
        "timestamp": "2024-01-10T09:00:00.123456+01:00",
        "experiment_id": experiment,
        "os": "Linux-6.1.0-x86_64-with-glibc2.36",
        "python_version": "3.11.2",
        "codecarbon_version": "3.3.2",
        "cpu_count": 16,
        "cpu_model": "AMD EPYC 7763 64-Core Processor",
        "gpu_count": 0,
        "gpu_model": "",
        "longitude": null,
        "latitude": null,
        "region": "quebec",
        "provider": null,
        "ram_total_size": 64.0,
        "tracking_mode": "machine"
    })
    .to_string()
}

/// An `EmissionCreate` for an interval of `duration` s ending at 08:00:`second` UTC.
fn emission_body(run_id: &str, second: u32, duration: u32, cpu_kwh: f64, ram_kwh: f64) -> String {
    let energy = cpu_kwh + ram_kwh;
    serde_json::json!({
        "timestamp": format!("2024-01-10T09:00:{second:02}.5+01:00"),
        "run_id": run_id,
        "duration": duration,
        "emissions_sum": energy * 0.032,
        "emissions_rate": energy * 0.032 / f64::from(duration),
        "cpu_power": 42.5,
        "gpu_power": 0.0,
        "ram_power": 20.0,
        "cpu_energy": cpu_kwh,
        "gpu_energy": 0.0,
        "ram_energy": ram_kwh,
        "energy_consumed": energy,
        "cpu_utilization_percent": 12.5,
        "gpu_utilization_percent": 0.0,
        "ram_utilization_percent": 25.0,
        "wue": 0.0
    })
    .to_string()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * b.abs().max(1.0)
}

/// The run with this uuid in `/api/runs?project=codecarbon`.
async fn listed(app: &axum::Router, uuid: &str) -> serde_json::Value {
    let runs = get(app, "/api/runs?project=codecarbon").await.json();
    runs.as_array()
        .and_then(|runs| runs.iter().find(|r| r["uuid"] == uuid))
        .cloned()
        .unwrap_or_else(|| panic!("run {uuid} not listed: {runs}"))
}

#[tokio::test]
async fn a_codecarbon_run_and_its_intervals_become_a_run_with_totals() {
    let db = Db::new();
    let app = db.router_at(Some(TOKEN), "2024-01-10T08:00:30Z");
    let created = post_cc(&app, "/runs", &run_body("exp-1"), Some(TOKEN)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let uuid = created.json()["id"]
        .as_str()
        .expect("the id is the run's uuid")
        .to_string();
    for (second, cpu, ram) in [(5, 0.001, 0.0002), (10, 0.003, 0.0004)] {
        let answer = post_cc(
            &app,
            "/emissions",
            &emission_body(&uuid, second, 5, cpu, ram),
            Some(TOKEN),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
        assert!(answer.json()["id"].is_number());
    }
    let run = listed(&app, &uuid).await;
    let energy = 0.001 + 0.0002 + 0.003 + 0.0004;
    assert!(close(run["energy_kwh"].as_f64().expect("energy"), energy));
    assert!(close(
        run["emissions_kg"].as_f64().expect("emissions"),
        energy * 0.032
    ));
    assert!(close(run["cpu_energy_kwh"].as_f64().expect("cpu"), 0.004));
    assert!(close(run["ram_energy_kwh"].as_f64().expect("ram"), 0.0006));
    assert!(close(
        run["intensity_g_per_kwh"].as_f64().expect("intensity"),
        32.0
    ));
    assert_eq!(run["intensity_origin"], "reported");
    assert_eq!(run["experiment"], "exp-1");
    assert_eq!(run["started_at"], "2024-01-10T08:00:00Z");
    assert_eq!(run["last_sample_at"], "2024-01-10T08:00:10Z");
    assert_eq!(run["last_t_s"], 10.0);
    assert_eq!(run["samples"], 2);
    assert_eq!(run["location_label"], "quebec");
    assert_eq!(run["cpu_utilization"], 12.5);
    assert_eq!(run["ram_used_gb"], 16.0);
    assert_eq!(run["status"], "running");
    let tags: Vec<&str> = run["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t.as_str())
        .collect();
    assert_eq!(run["attribution"], "machine", "CodeCarbon's tracking_mode");
    assert!(tags.contains(&"codecarbon-version:3.3.2"), "{tags:?}");
    // A loopback client without a socket (oneshot): no address to record.
    assert_eq!(run["hostname"], "codecarbon@unknown");

    let detail = get(&app, &format!("/api/runs/{}", run["id"])).await.json();
    let components = detail["components"].as_array().expect("components");
    let keys: Vec<&str> = components
        .iter()
        .filter_map(|c| c["key"].as_str())
        .collect();
    assert_eq!(keys, ["cpu", "ram"], "no GPU was reported");
    assert!(components.iter().all(|c| c["method"] == "reported"));
    assert_eq!(components[0]["label"], "AMD EPYC 7763 64-Core Processor");
}

#[tokio::test]
async fn no_end_of_run_call_is_needed() {
    let db = Db::new();
    let app = db.router_at(Some(TOKEN), "2024-01-10T08:00:30Z");
    let uuid = post_cc(&app, "/runs", &run_body("exp-2"), Some(TOKEN))
        .await
        .json()["id"]
        .as_str()
        .expect("uuid")
        .to_string();
    let answer = post_cc(
        &app,
        "/emissions",
        &emission_body(&uuid, 10, 10, 0.001, 0.0),
        Some(TOKEN),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    // 10 s intervals: abandoned after max(30, 15) + 60 s without one.
    let soon = db.router_at(Some(TOKEN), "2024-01-10T08:01:39Z");
    assert_eq!(listed(&soon, &uuid).await["status"], "running");
    let later = db.router_at(Some(TOKEN), "2024-01-10T08:01:41Z");
    let run = listed(&later, &uuid).await;
    assert_eq!(run["status"], "interrupted");
    assert_eq!(run["ended_at"], "2024-01-10T08:00:10Z");
    assert_eq!(run["duration_s"], 10.0);
}

#[tokio::test]
async fn a_base_url_ending_in_a_slash_is_served_too() {
    let db = Db::new();
    let app = db.router(Some(TOKEN));
    let created = post_cc(&app, "//runs", &run_body("exp-3"), Some(TOKEN)).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let uuid = created.json()["id"].as_str().expect("uuid").to_string();
    let answer = post_cc(
        &app,
        "//emissions",
        &emission_body(&uuid, 5, 5, 0.001, 0.0),
        Some(TOKEN),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
}

#[tokio::test]
async fn tokens_are_checked() {
    let db = Db::new();
    let app = db.router(Some(TOKEN));
    for token in [None, Some("wrong"), Some("")] {
        let answer = post_cc(&app, "/runs", &run_body("exp"), token).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{token:?}");
        assert!(
            answer.json()["error"]
                .as_str()
                .is_some_and(|e| e.contains("x-api-token"))
        );
    }
    // A bearer token is the mlcarbon API's way, not CodeCarbon's.
    let mut request = Request::post("/runs").header("authorization", format!("Bearer {TOKEN}"));
    request = request.header("content-type", "application/json");
    let answer = send(
        &app,
        request.body(Body::from(run_body("e"))).expect("request"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    let read_only = db.router(None);
    let answer = post_cc(&read_only, "/runs", &run_body("exp"), Some(TOKEN)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    let answer = post_cc(&read_only, "/emissions", "{}", Some(TOKEN)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_bodies_name_their_field() {
    let db = Db::new();
    let app = db.router(Some(TOKEN));
    let mut body: serde_json::Value = serde_json::from_str(&run_body("exp")).expect("JSON");
    body.as_object_mut()
        .expect("object")
        .remove("experiment_id");
    let answer = post_cc(&app, "/runs", &body.to_string(), Some(TOKEN)).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("experiment_id"), "{}", answer.body);
    body["experiment_id"] = "exp".into();
    body["timestamp"] = "yesterday".into();
    let answer = post_cc(&app, "/runs", &body.to_string(), Some(TOKEN)).await;
    assert_eq!(answer.field().as_deref(), Some("timestamp"));
    body["timestamp"] = "2024-01-10T09:00:00+01:00".into();
    body["cpu_count"] = "many".into();
    let answer = post_cc(&app, "/runs", &body.to_string(), Some(TOKEN)).await;
    assert_eq!(answer.field().as_deref(), Some("cpu_count"));
    let answer = post_cc(&app, "/runs", "not json", Some(TOKEN)).await;
    assert_eq!(answer.field().as_deref(), Some("body"));

    let unknown = emission_body("no-such-run", 5, 5, 0.001, 0.0);
    let answer = post_cc(&app, "/emissions", &unknown, Some(TOKEN)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    let uuid = post_cc(&app, "/runs", &run_body("exp"), Some(TOKEN))
        .await
        .json()["id"]
        .as_str()
        .expect("uuid")
        .to_string();
    let mut negative: serde_json::Value =
        serde_json::from_str(&emission_body(&uuid, 5, 5, 0.001, 0.0)).expect("JSON");
    negative["cpu_energy"] = (-0.001).into();
    let answer = post_cc(&app, "/emissions", &negative.to_string(), Some(TOKEN)).await;
    assert_eq!(
        answer.field().as_deref(),
        Some("cpu_energy"),
        "{}",
        answer.body
    );
}

/// A management request with the server's token as a bearer token, as CodeCarbon's CLI sends.
async fn manage(app: &axum::Router, method: &str, uri: &str, body: Option<&str>) -> Answer {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .header("content-type", "application/json")
        .header("authorization", format!("Bearer {TOKEN}"));
    let body = body.map_or_else(Body::empty, |b| Body::from(b.to_string()));
    send(app, request.body(body).expect("request")).await
}

fn id_of(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    answer.json()["id"].as_str().expect("an id").to_string()
}

#[tokio::test]
async fn organisations_projects_experiments_and_project_tokens() {
    let db = Db::new();
    let app = db.router(Some(TOKEN));
    assert_eq!(
        manage(&app, "GET", "/auth/check", None).await.status,
        StatusCode::OK
    );
    let anonymous = get(&app, "/organizations").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let org_body = r#"{"name": "Lab", "description": "a lab"}"#;
    let org = id_of(&manage(&app, "POST", "/organizations", Some(org_body)).await);
    let again = manage(&app, "POST", "/organizations", Some(org_body)).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let listed = manage(&app, "GET", "/organizations", None).await.json();
    assert_eq!(listed[0]["name"], "Lab");
    assert_eq!(
        manage(&app, "GET", &format!("/organizations/{org}"), None)
            .await
            .json()["id"],
        org.as_str()
    );

    let project_body =
        format!(r#"{{"name": "vision", "description": "", "organization_id": "{org}"}}"#);
    let project = id_of(&manage(&app, "POST", "/projects", Some(&project_body)).await);
    let orphan = r#"{"name": "x", "description": "", "organization_id": "nope"}"#;
    let answer = manage(&app, "POST", "/projects", Some(orphan)).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND, "{}", answer.body);
    let projects = manage(&app, "GET", &format!("/organizations/{org}/projects"), None).await;
    assert_eq!(projects.json()[0]["id"], project.as_str());

    let experiment_body = format!(
        r#"{{"timestamp": "2024-01-10T09:00:00+01:00", "name": "resnet", "description": "d",
            "on_cloud": false, "project_id": "{project}", "country_name": null}}"#
    );
    let experiment = id_of(&manage(&app, "POST", "/experiments", Some(&experiment_body)).await);
    let experiments = manage(
        &app,
        "GET",
        &format!("/projects/{project}/experiments"),
        None,
    )
    .await;
    assert_eq!(experiments.json()[0]["name"], "resnet");
    assert_eq!(
        manage(&app, "GET", &format!("/experiments/{experiment}"), None)
            .await
            .json()["project_id"],
        project.as_str()
    );

    // What `codecarbon get-token` sends.
    let token_body =
        format!(r#"{{"project_id": "{project}", "name": "api token", "x_token": "???"}}"#);
    let issued = manage(
        &app,
        "POST",
        &format!("/projects/{project}/api-tokens"),
        Some(&token_body),
    )
    .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let token = issued.json()["token"].as_str().expect("token").to_string();
    assert!(token.starts_with("mlcc_"), "{token}");
    assert_ne!(token, TOKEN);

    // The project token writes runs of its project's experiments.
    let run = post_cc(&app, "/runs", &run_body(&experiment), Some(&token)).await;
    let uuid = id_of(&run);
    let answer = post_cc(
        &app,
        "/emissions",
        &emission_body(&uuid, 5, 5, 0.001, 0.0),
        Some(&token),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.body);
    let stored = get(&app, "/api/runs?project=vision").await.json();
    assert_eq!(stored[0]["uuid"], uuid.as_str());
    assert_eq!(stored[0]["experiment"], experiment.as_str());
    // An experiment it names first joins its project.
    let fresh = id_of(&post_cc(&app, "/runs", &run_body("new-exp"), Some(&token)).await);
    let listed = get(&app, "/api/runs?project=vision&experiment=new-exp")
        .await
        .json();
    assert_eq!(listed[0]["uuid"], fresh.as_str());

    // Not another project's experiment, nor its runs.
    let other = id_of(&post_cc(&app, "/runs", &run_body("server-exp"), Some(TOKEN)).await);
    let refused = post_cc(&app, "/runs", &run_body("server-exp"), Some(&token)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let refused = post_cc(
        &app,
        "/emissions",
        &emission_body(&other, 5, 5, 0.001, 0.0),
        Some(&token),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    // A wrong secret is a wrong token.
    let (selector, _) = token.rsplit_once('_').expect("mlcc_ID_SECRET");
    let forged = format!("{selector}_{}", "0".repeat(64));
    let answer = post_cc(&app, "/runs", &run_body(&experiment), Some(&forged)).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);

    // The secret is kept nowhere on disk, only its hash.
    let secret = token.rsplit_once('_').expect("secret").1;
    for entry in std::fs::read_dir(db.dir.path()).expect("the database folder") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("readable");
        assert!(
            !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
            "the token's secret is stored in plain text"
        );
    }
}
