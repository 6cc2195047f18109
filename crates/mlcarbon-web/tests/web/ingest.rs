//! The tracker ingest through the router: a pushed run's start, batches of samples sent twice
//! and overlapping, windows and the end, each stored once; the token required; an unknown run
//! and a mismatched uuid refused.

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::support::{Answer, Db, new_run, post, samples, send};

const TOKEN: &str = "ingest-token";

async fn put(app: &Router, uri: &str, body: &serde_json::Value, token: Option<&str>) -> Answer {
    let mut request = Request::put(uri).header("content-type", "application/json");
    if let Some(t) = token {
        request = request.header("authorization", format!("Bearer {t}"));
    }
    send(
        app,
        request.body(Body::from(body.to_string())).expect("request"),
    )
    .await
}

fn batch(from: usize, to: usize) -> String {
    let all = samples(20, "2024-02-01T09:00");
    json!({ "samples": all[from..to] }).to_string()
}

#[tokio::test]
async fn a_pushed_run_is_stored_once_whatever_is_retried() {
    let db = Db::new();
    let app = db.router(Some(TOKEN));
    let uuid = "0f0e0d0c-0000-4000-8000-00000000abcd";
    let mut run = new_run(uuid, "lab", "2024-02-01T09:00:00Z");
    run.start.hostname = "host-a".into();
    run.start.placement.job_key = Some("job-1".into());
    let body = serde_json::to_value(&run).expect("json");

    let first = put(&app, &format!("/api/runs/{uuid}"), &body, Some(TOKEN)).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert_eq!(first.json()["created"], true);
    let again = put(&app, &format!("/api/runs/{uuid}"), &body, Some(TOKEN)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["id"], first.json()["id"]);

    let samples_uri = format!("/api/runs/{uuid}/samples");
    let a = post(&app, &samples_uri, &batch(0, 12), Some(TOKEN)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.body);
    assert_eq!(a.json(), json!({ "received": 12, "stored": 12 }));
    let repeat = post(&app, &samples_uri, &batch(0, 12), Some(TOKEN)).await;
    assert_eq!(repeat.json(), json!({ "received": 12, "stored": 0 }));
    let overlap = post(&app, &samples_uri, &batch(8, 20), Some(TOKEN)).await;
    assert_eq!(overlap.json(), json!({ "received": 12, "stored": 8 }));

    let window = json!({ "windows": [{ "position": 0, "name": "epoch 1",
        "started_at": "2024-02-01T09:00:00Z", "ended_at": "2024-02-01T09:00:10Z",
        "start_t_s": 0.0, "end_t_s": 10.0, "energy_kwh": 0.001, "emissions_kg": 0.0001 }] });
    let windows_uri = format!("/api/runs/{uuid}/windows");
    let w = post(&app, &windows_uri, &window.to_string(), Some(TOKEN)).await;
    assert_eq!(w.json(), json!({ "received": 1, "stored": 1 }));
    let w = post(&app, &windows_uri, &window.to_string(), Some(TOKEN)).await;
    assert_eq!(w.json(), json!({ "received": 1, "stored": 0 }));

    let end = json!({ "ended_at": "2024-02-01T09:00:21Z", "duration_s": 21.0,
        "exit_code": 0, "signal": null, "status": "finished" });
    let ended = put(&app, &format!("/api/runs/{uuid}/end"), &end, Some(TOKEN)).await;
    assert_eq!(ended.status, StatusCode::OK, "{}", ended.body);
    assert_eq!(ended.json()["status"], "finished");

    let id = first.json()["id"].as_i64().expect("id");
    let shown = crate::support::get(&app, &format!("/api/runs/{id}"))
        .await
        .json();
    assert_eq!(shown["samples"], 20);
    assert_eq!(shown["run"]["uuid"], uuid);
    assert_eq!(shown["run"]["hostname"], "host-a");
    assert_eq!(shown["run"]["job_key"], "job-1");
    let all = samples(20, "2024-02-01T09:00");
    assert_eq!(shown["run"]["energy_kwh"], json!(all[19].energy_kwh));
}

#[tokio::test]
async fn ingest_needs_the_token_a_known_run_and_a_matching_uuid() {
    let db = Db::new();
    let app = db.router(Some(TOKEN));
    let uuid = "run-x";
    let body = serde_json::to_value(new_run(uuid, "lab", "2024-02-01T09:00:00Z")).expect("json");
    let anonymous = put(&app, &format!("/api/runs/{uuid}"), &body, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let read_only = db.router(None);
    let refused = put(&read_only, &format!("/api/runs/{uuid}"), &body, Some(TOKEN)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let other = put(&app, "/api/runs/run-y", &body, Some(TOKEN)).await;
    assert_eq!(other.status, StatusCode::BAD_REQUEST);
    assert_eq!(other.field().as_deref(), Some("uuid"));
    let bad = put(&app, "/api/runs/a%20b", &body, Some(TOKEN)).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);

    let unknown = post(&app, "/api/runs/nobody/samples", &batch(0, 2), Some(TOKEN)).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND, "{}", unknown.body);
    assert!(
        unknown.json()["error"]
            .as_str()
            .expect("text")
            .contains("nobody")
    );
    let malformed = post(
        &app,
        "/api/runs/nobody/samples",
        "{\"samples\": [1]}",
        Some(TOKEN),
    )
    .await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.field().as_deref(), Some("samples[0]"));
}

/// A batch of 500 samples is larger than the API's usual 64 KiB body: the samples route takes it.
#[tokio::test]
async fn a_full_batch_fits() {
    let db = Db::new();
    let app = db.router(Some(TOKEN));
    let uuid = "big-batch";
    let body = serde_json::to_value(new_run(uuid, "lab", "2024-02-01T09:00:00Z")).expect("json");
    assert_eq!(
        put(&app, &format!("/api/runs/{uuid}"), &body, Some(TOKEN))
            .await
            .status,
        StatusCode::CREATED
    );
    // The fixture's timestamps stop at the minute's end: its 50 samples, ten times over.
    let base = samples(50, "2024-02-01T09:00");
    let many: Vec<_> = (0..500u64)
        .map(|seq| {
            let mut sample = base[(seq % 50) as usize].clone();
            sample.seq = seq;
            sample
        })
        .collect();
    let text = json!({ "samples": many }).to_string();
    assert!(text.len() > 64 * 1024);
    let answer = post(
        &app,
        &format!("/api/runs/{uuid}/samples"),
        &text,
        Some(TOKEN),
    )
    .await;
    assert_eq!(answer.json(), json!({ "received": 500, "stored": 500 }));
}

/// The same full batch through the real server on loopback: the connection layer, which reads
/// every body before the router, must let a tracker's batch through as the route does (it
/// refused any body over 64 KiB with a 413, so a tracker with a backlog never caught up).
#[test]
fn a_full_batch_fits_through_the_served_connection_layer() {
    use std::io::{Read, Write};

    let db = Db::new();
    let state = mlcarbon_web::AppState::with(
        crate::support::data(),
        Some(db.store_at(crate::support::FIXTURE_NOW)),
        Some(db.path()),
        Some(TOKEN.to_string()),
    );
    let addr = crate::support::serve_on_loopback(state, mlcarbon_web::ConnectionLimits::default());
    let exchange = |method: &str, path: &str, body: &str| -> String {
        let mut stream = std::net::TcpStream::connect(addr).expect("connects");
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nhost: test\r\nauthorization: Bearer {TOKEN}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .expect("sends");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("reads");
        answer
    };
    let uuid = "served-big-batch";
    let run = serde_json::to_string(&new_run(uuid, "lab", "2024-02-01T09:00:00Z")).expect("json");
    let started = exchange("PUT", &format!("/api/runs/{uuid}"), &run);
    assert!(started.starts_with("HTTP/1.1 201"), "{started}");
    let base = samples(50, "2024-02-01T09:00");
    let many: Vec<_> = (0..500u64)
        .map(|seq| {
            let mut sample = base[(seq % 50) as usize].clone();
            sample.seq = seq;
            sample
        })
        .collect();
    let text = json!({ "samples": many }).to_string();
    assert!(text.len() > 64 * 1024);
    let answer = exchange("POST", &format!("/api/runs/{uuid}/samples"), &text);
    assert!(
        answer.starts_with("HTTP/1.1 200"),
        "{}",
        &answer[..answer.len().min(300)]
    );
    assert!(answer.contains(r#""stored":500"#), "{answer}");
    // Other routes keep the usual limit.
    let refused = exchange("POST", "/api/runs", &" ".repeat(70 * 1024));
    assert!(refused.starts_with("HTTP/1.1 413"), "{refused}");
}
