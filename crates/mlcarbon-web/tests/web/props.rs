//! Random query strings and bodies: the API answers 2xx or 4xx, never 5xx, never a panic.

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use proptest::prelude::*;

use crate::support::{Db, send};

const ROUTES: &[&str] = &[
    "/api/estimate",
    "/api/compare",
    "/api/statement",
    "/api/hardware",
    "/api/zones",
    "/api/regions",
    "/api/sources",
    "/api/advise",
    "/api/schedule",
    "/api/plan-search",
    "/api/inference",
    "/api/runs",
    "/api/runs/1",
    "/api/runs/last",
    "/api/runs/1/samples",
    "/api/runs/1/export",
    "/api/runs/export",
    "/",
    "/runs",
    "/runs/1",
    "/data",
    "/metrics",
];

const NAMES: &[&str] = &[
    "hardware",
    "count",
    "hours",
    "energy-kwh",
    "energy_kwh",
    "utilization",
    "cpu",
    "cpu-count",
    "cpu-utilization",
    "ram-gb",
    "provider",
    "region",
    "zone",
    "intensity",
    "offset-percent",
    "pue",
    "compat",
    "dataset",
    "by",
    "limit",
    "with",
    "format",
    "activity",
    "search",
    "kind",
    "cleanest",
    "project",
    "tag",
    "since",
    "until",
    "status",
    "where",
    "run",
    "deadline",
    "now",
    "max-slowdown",
    "grid",
    "top",
    "probability",
    "trials",
    "halving",
    "eta",
    "min-budget",
    "within",
    "windows",
    "requests",
    "rate",
    "throughput",
    "energy-per-request-wh",
    "training-kg",
    "training-run",
    "profile",
    "q",
    "x",
];

const VALUES: &[&str] = &[
    "A100 SXM4 80GB",
    "H100 SXM",
    "TPU v3",
    "a100",
    "Tesla V100-PCIE-16GB",
    "AMD EPYC 7763",
    "aws",
    "gcp",
    "azure",
    "us-east-1",
    "centralus",
    "FR",
    "US-IA",
    "WORLD",
    "mlco2",
    "mlco2-2019",
    "regions",
    "providers",
    "zones",
    "hardware",
    "json",
    "csv",
    "latex",
    "bibtex",
    "0",
    "1",
    "8",
    "-1",
    "0.5",
    "1e308",
    "-0",
    "NaN",
    "inf",
    "1000000",
    "10000001",
    "2024-01-01",
    "2022-07-01T00:00:00Z",
    "US-CAL-CISO",
    "lr=5,batch=4,wd=3",
    "a=1e19,b=1e19",
    "last",
    "true",
    "",
    "%",
    "%zz",
    "\u{0}",
    "é",
    "☃",
];

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(VALUES).prop_map(str::to_string),
        any::<f64>().prop_map(|x| x.to_string()),
        any::<i64>().prop_map(|x| x.to_string()),
        "[ -~]{0,40}",
        ".{0,20}",
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::sample::select(NAMES).prop_map(str::to_string),
        1 => "[a-z_-]{1,12}",
    ]
}

fn query() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => proptest::collection::vec((name(), value()), 0..8).prop_map(|pairs| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>()))
                .collect::<Vec<_>>()
                .join("&")
        }),
        1 => "[ -~]{0,80}".prop_map(|s| s.replace([' ', '#'], "+")),
    ]
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        value().prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            proptest::collection::vec((name(), inner), 0..6)
                .prop_map(|pairs| { serde_json::Value::Object(pairs.into_iter().collect()) }),
        ]
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json_value().prop_map(|v| v.to_string().into_bytes()),
        proptest::collection::vec(any::<u8>(), 0..200),
    ]
}

fn check(
    runtime: &tokio::runtime::Runtime,
    app: &Router,
    request: Request<Body>,
) -> Result<(), TestCaseError> {
    let uri = request.uri().to_string();
    let answer = runtime.block_on(send(app, request));
    prop_assert!(
        answer.status.is_success() || answer.status.is_client_error(),
        "{} {}: {}",
        answer.status,
        uri,
        answer.body
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 384, failure_persistence: None, .. ProptestConfig::default() })]

    #[test]
    fn random_queries_get_2xx_or_4xx(route in proptest::sample::select(ROUTES), q in query()) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let db = Db::new();
        let app = db.router(Some("t"));
        let uri = format!("{route}?{q}");
        // A query that is not a valid URI is refused by the HTTP layer before the router.
        if let Ok(request) = Request::get(uri.as_str()).body(Body::empty()) {
            check(&runtime, &app, request)?;
        }
    }

    #[test]
    fn random_bodies_get_2xx_or_4xx(
        route in proptest::sample::select(&[
            "/api/estimate", "/api/compare", "/api/statement", "/api/runs",
            "/api/advise", "/api/schedule", "/api/plan-search", "/api/inference",
        ][..]),
        bytes in body(),
        token in proptest::option::of(proptest::sample::select(&["t", "u", ""][..])),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let db = Db::new();
        let app = db.router(Some("t"));
        let mut request = Request::post(route).header("content-type", "application/json");
        if let Some(t) = token {
            request = request.header("authorization", format!("Bearer {t}"));
        }
        check(&runtime, &app, request.body(Body::from(bytes)).expect("request"))?;
    }
}
