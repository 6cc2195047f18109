//! `/metrics`: Prometheus text with escaped labels and the server's own counters.

use axum::http::StatusCode;

use std::collections::BTreeMap;

use mlcarbon_store::JobPlacement;

use crate::support::{Db, get, new_run, samples};

#[tokio::test]
async fn metrics_text_snapshot() {
    let db = Db::new();
    let app = db.router(None);
    assert_eq!(get(&app, "/api/hardware").await.status, StatusCode::OK);
    assert_eq!(
        get(&app, "/api/runs/abc").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&app, "/no/such/page").await.status,
        StatusCode::NOT_FOUND
    );
    let metrics = get(&app, "/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    assert!(
        metrics
            .content_type()
            .starts_with("text/plain; version=0.0.4")
    );
    insta::assert_snapshot!("metrics", metrics.body);
}

#[tokio::test]
async fn every_line_parses_as_prometheus_text() {
    let db = Db::new();
    let app = db.router(None);
    let text = get(&app, "/metrics").await.body;
    for line in text.lines() {
        if line.starts_with('#') {
            assert!(
                line.starts_with("# HELP ") || line.starts_with("# TYPE "),
                "{line}"
            );
            continue;
        }
        // name{labels} value: the labels end at the last `}`, the value after a space.
        let (series, value) = line.rsplit_once(' ').expect("name and value");
        assert!(
            value.parse::<f64>().is_ok() || ["NaN", "+Inf", "-Inf"].contains(&value),
            "{line}"
        );
        let name_end = series.find('{').unwrap_or(series.len());
        assert!(
            series[..name_end]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_'),
            "{line}"
        );
        if name_end < series.len() {
            assert!(series.ends_with('}'), "{line}");
            // Inside the braces, quotes are balanced once escapes are removed.
            let inner = &series[name_end + 1..series.len() - 1];
            let unescaped = inner.replace("\\\\", "").replace("\\\"", "");
            assert_eq!(unescaped.matches('"').count() % 2, 0, "{line}");
            assert!(!inner.contains('\n'));
        }
    }
    assert!(text.contains(r#"project="team \"x\"\\y""#), "{text}");
    assert!(text.contains(r#"label="NVIDIA \"A100\"\\SXM4""#));
    assert!(text.contains(
        r#"mlcarbon_run_active{run="2",host="gpu-box",job="",project="team \"x\"\\y"} 1"#
    ));
}

#[tokio::test]
async fn counters_use_route_templates() {
    let app = crate::support::bare();
    for id in ["1", "2", "3"] {
        get(&app, &format!("/api/runs/{id}")).await;
    }
    let text = get(&app, "/metrics").await.body;
    assert!(
        text.contains(
            r#"mlcarbon_http_requests_total{route="/api/runs/{id}",method="GET",status="404"} 3"#
        ),
        "{text}"
    );
    assert!(!text.contains("/api/runs/1\""));
}

/// Each series line (`name{labels}`) of an exposition text with its value, in order.
fn series(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
        .map(|line| {
            let (series, value) = line.rsplit_once(' ').expect("name and value");
            (series.to_string(), value.to_string())
        })
        .collect()
}

#[tokio::test]
async fn runs_of_one_project_on_two_hosts_are_two_series_and_none_repeats() {
    let db = Db::new();
    let store = db.store_at(crate::support::FIXTURE_NOW);
    for (uuid, host) in [
        ("33333333-0000-0000-0000-000000000003", "node-a"),
        ("44444444-0000-0000-0000-000000000004", "node-b"),
    ] {
        let mut run = new_run(uuid, "llm", "2024-01-10T08:00:00Z");
        run.start.hostname = host.to_string();
        run.start.placement = JobPlacement {
            job_key: Some("slurm:77.0".to_string()),
            ..JobPlacement::default()
        };
        let id = store.start_run(&run).expect("run");
        store
            .add_samples(id, &samples(3, "2024-01-10T08:00"))
            .expect("samples");
    }
    drop(store);
    let text = get(&db.router(None), "/metrics").await.body;
    let lines = series(&text);
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (series, _) in &lines {
        *seen.entry(series.as_str()).or_default() += 1;
    }
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "series repeated: {repeated:?}");
    let energy: Vec<&str> = lines
        .iter()
        .map(|(s, _)| s.as_str())
        .filter(|s| s.starts_with("mlcarbon_run_energy_kwh{") && s.contains(r#"project="llm""#))
        .collect();
    assert_eq!(energy.len(), 2, "{energy:?}");
    for host in ["node-a", "node-b"] {
        assert!(
            energy
                .iter()
                .any(|s| s.contains(&format!(r#"host="{host}",job="slurm:77.0""#))),
            "{host}: {energy:?}"
        );
    }
    // Per-component series carry the same labels.
    assert!(text.contains(r#"mlcarbon_component_energy_kwh{run="4",host="node-b",job="slurm:77.0",project="llm",component="gpu:0""#), "{text}");
}
