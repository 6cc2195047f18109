//! `/metrics`: Prometheus text with escaped labels and the server's own counters.

use axum::http::StatusCode;

use crate::support::{Db, get};

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
    assert!(text.contains(r#"mlcarbon_run_active{run="2",project="team \"x\"\\y"} 1"#));
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
