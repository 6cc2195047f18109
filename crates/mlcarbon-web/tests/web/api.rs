//! The JSON API: the CLI's JSON, errors that name their field, bounds.

use axum::http::StatusCode;

use crate::support::{Db, bare, get, post, read_snapshot, redact_version};

const A100_AWS: &str =
    "/api/estimate?hardware=A100%20SXM4%2080GB&count=8&hours=72&provider=aws&region=us-east-1";

#[tokio::test]
async fn estimate_answers_the_cli_json() {
    let app = bare();
    let answer = get(&app, A100_AWS).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type(), "application/json");
    let report = redact_version(answer.json());
    assert_eq!(
        report["emissions_kg"].as_f64().map(|x| (x * 10.0).round()),
        Some(719.0)
    );
    // The CLI's own snapshot of the same job, where this checkout has it.
    let cli = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../mlcarbon-cli/tests/snapshots/cli__estimate_a100x8_aws_us_east_1_json.snap");
    match read_snapshot(&cli) {
        Some(expected) => assert_eq!(report, expected, "the API differs from the CLI's JSON"),
        None => eprintln!(
            "no CLI snapshot at {}; compared with our own only",
            cli.display()
        ),
    }
    insta::assert_json_snapshot!("estimate_a100x8_aws_us_east_1", report);
}

#[tokio::test]
async fn estimate_spreads_embodied_emissions_over_the_lifetime_given() {
    let app = bare();
    let host = "&cpu=AMD%20EPYC%207763&ram_gb=512";
    let default = get(&app, &format!("{A100_AWS}{host}")).await.json();
    let five = get(&app, &format!("{A100_AWS}{host}&lifetime-years=5"))
        .await
        .json();
    let parts = &five["embodied"]["parts"];
    assert_eq!(
        parts.as_array().map(Vec::len),
        Some(2),
        "cards and host: {five}"
    );
    assert_eq!(parts[0]["lifetime_hours"].as_f64(), Some(5.0 * 8760.0));
    // 4 years (the figures' own) against 5: the share is 5/4 as large.
    let ratio = default["embodied"]["total_kg"].as_f64().unwrap_or(0.0)
        / five["embodied"]["total_kg"].as_f64().unwrap_or(1.0);
    assert!((ratio - 1.25).abs() < 1e-9, "{ratio}");
    assert_eq!(default["emissions_kg"], five["emissions_kg"], "never added");
}

#[tokio::test]
async fn kebab_and_snake_names_and_post_bodies_agree() {
    let app = bare();
    let a = get(&app, "/api/estimate?energy-kwh=120&zone=DE").await;
    let b = get(&app, "/api/estimate?energy_kwh=120&zone=DE").await;
    let c = post(
        &app,
        "/api/estimate",
        r#"{"energy-kwh": 120, "zone": "DE"}"#,
        None,
    )
    .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.body, b.body);
    assert_eq!(a.body, c.body);
}

#[tokio::test]
async fn repeated_and_reordered_queries_get_the_same_answer() {
    let app = bare();
    let first = get(&app, A100_AWS).await;
    let again = get(&app, A100_AWS).await;
    let reordered = get(
        &app,
        "/api/estimate?region=us-east-1&provider=aws&hours=72&count=8&hardware=A100%20SXM4%2080GB",
    )
    .await;
    assert_eq!(first.body, again.body);
    assert_eq!(first.body, reordered.body);
    let other = get(&app, &A100_AWS.replace("hours=72", "hours=73")).await;
    assert_ne!(first.body, other.body);
    let exact = get(
        &app,
        "/api/estimate?hardware=Tesla%20V100-PCIE-16GB&hours=100&provider=azure&region=centralus&dataset=mlco2",
    )
    .await
    .json();
    assert_eq!(exact["mode"], "exact");
    assert_eq!(exact["intensity_g_per_kwh"], 736.6);
}

#[tokio::test]
async fn compat_mlco2_reproduces_the_calculator() {
    let app = bare();
    let answer = get(
        &app,
        "/api/estimate?hardware=Tesla%20V100-PCIE-16GB&hours=100&provider=azure&region=centralus&compat=mlco2",
    )
    .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let report = redact_version(answer.json());
    assert_eq!(report["emissions_kg"], 22.2);
    assert_eq!(report["kg_per_kwh"], 0.74);
    assert_eq!(report["cleanest_region"]["region"], "azure/canadaeast");
    insta::assert_json_snapshot!("estimate_compat_mlco2_v100_centralus", report);
}

#[tokio::test]
async fn compare_by_regions_and_hardware() {
    let app = bare();
    let regions = get(
        &app,
        "/api/compare?hardware=H100%20SXM5%2080GB&count=8&hours=24&provider=gcp&region=us-central1&by=regions&limit=3",
    )
    .await;
    assert_eq!(regions.status, StatusCode::OK, "{}", regions.body);
    insta::assert_json_snapshot!("compare_h100x8_gcp_regions_limit3", regions.json());
    let hardware = get(
        &app,
        "/api/compare?hardware=TPU%20v3&hours=24&zone=DE&by=hardware&with=TPU%20v4&with=A100%20SXM4%2080GB",
    )
    .await;
    assert_eq!(hardware.status, StatusCode::OK, "{}", hardware.body);
    let labels: Vec<String> = hardware.json()["alternatives"]
        .as_array()
        .expect("alternatives")
        .iter()
        .map(|a| a["label"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(labels.len(), 2, "{labels:?}");
}

#[tokio::test]
async fn statements_in_three_formats() {
    let app = bare();
    let q = "hardware=A100%20SXM4%2080GB&count=8&hours=72&provider=aws&region=us-east-1";
    let md = get(&app, &format!("/api/statement?{q}&long=true")).await;
    assert_eq!(md.status, StatusCode::OK);
    assert!(md.content_type().starts_with("text/markdown"));
    assert!(
        md.body
            .starts_with("The training ran on 8 × A100 SXM4 80GB"),
        "{}",
        md.body
    );
    // As `mlcarbon statement` writes it: the embodied sentence closes the first paragraph, and
    // its figure's source is cited.
    assert!(
        md.body.contains(
            "Manufacturing the hardware (8 × A100 SXM4 80GB card) adds about 2.47 kg CO2e of embodied emissions"
        ),
        "{}",
        md.body
    );
    assert!(
        md.body.contains("Cloud Carbon Footprint coefficients"),
        "{}",
        md.body
    );
    let tex = get(
        &app,
        &format!("/api/statement?{q}&format=latex&activity=fine-tuning&long=true"),
    )
    .await;
    assert!(tex.body.contains("\\citet{lacoste2019quantifying}"));
    assert!(
        tex.body.contains("2.47 kg CO$_2$e of embodied emissions"),
        "{}",
        tex.body
    );
    assert!(tex.body.starts_with("The fine-tuning ran"));
    let bib = get(&app, &format!("/api/statement?{q}&format=bibtex")).await;
    assert!(bib.body.starts_with("@article{lacoste2019quantifying,"));
    // Short by default: the method and the grid intensity's source only.
    assert_eq!(bib.body.matches('@').count(), 2, "{}", bib.body);
    let de = get(&app, &format!("/api/statement?{q}&lang=de")).await;
    assert!(
        de.body
            .starts_with("Das Training lief 72 h lang auf 8 × A100 SXM4 80GB"),
        "{}",
        de.body
    );
    let bad = get(&app, &format!("/api/statement?{q}&lang=fr")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

/// (query, status, field)
const BAD: &[(&str, u16, Option<&str>)] = &[
    (
        "/api/estimate?hardware=A100%20SXM4%2080GB&hours=3&zone=FR&lifetime_years=0",
        400,
        Some("lifetime_years"),
    ),
    (
        "/api/estimate?hardware=Tesla%20V100-PCIE-16GB&hours=3&provider=gcp&region=us-central1&compat=mlco2&lifetime-years=5",
        400,
        Some("lifetime_years"),
    ),
    (
        "/api/estimate?hardware=A100%20SXM4%2080GB&hours=-3&zone=FR",
        400,
        Some("hours"),
    ),
    (
        "/api/estimate?hardware=tesla%20v&hours=3&zone=FR",
        400,
        Some("hardware"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=3&zone=Frnace",
        400,
        Some("zone"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=3",
        400,
        Some("zone"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&count=abc&hours=3&zone=FR",
        400,
        Some("count"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&count=0&hours=3&zone=FR",
        400,
        Some("count"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=3&zone=FR&pue=0.9",
        400,
        Some("pue"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=NaN&zone=FR",
        400,
        Some("hours"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=inf&zone=FR",
        400,
        Some("hours"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=3&zone=FR&intensity=3",
        400,
        Some("zone"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=3&zone=FR&colour=red",
        400,
        Some("colour"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=3&provider=aws",
        400,
        Some("region"),
    ),
    (
        "/api/estimate?hardware=H100%20SXM&hours=3&zone=FR&compat=yes",
        400,
        Some("compat"),
    ),
    (
        "/api/estimate?hardware=Tesla%20V100-PCIE-16GB&count=8&hours=3&provider=azure&region=centralus&compat=mlco2",
        400,
        Some("count"),
    ),
    (
        "/api/estimate?hardware=Tesla%20V100-PCIE-16GB&hours=3&zone=FR&compat=mlco2",
        400,
        Some("zone"),
    ),
    (
        "/api/compare?hardware=H100%20SXM&hours=3&zone=FR&by=regions",
        400,
        Some("by"),
    ),
    (
        "/api/compare?hardware=H100%20SXM&hours=3&zone=FR&by=colour",
        400,
        Some("by"),
    ),
    (
        "/api/compare?hardware=H100%20SXM&hours=3&zone=FR&limit=0",
        400,
        Some("limit"),
    ),
    (
        "/api/statement?hardware=H100%20SXM&hours=3&zone=FR&format=pdf",
        400,
        Some("format"),
    ),
    ("/api/hardware?search=zzzzqqq", 400, Some("search")),
    ("/api/zones?kind=planet", 400, Some("kind")),
    ("/api/regions?provider=nope", 400, Some("provider")),
    (
        "/api/advise?hardware=A100%20SXM4%2080GB&hours=3&zone=FR&deadline=-1",
        400,
        Some("deadline"),
    ),
    ("/api/advise?run=abc", 400, Some("run")),
    ("/api/advise?run=last", 404, None),
    (
        "/api/advise?hardware=T4&hours=3&zone=FR&max-slowdown=200",
        400,
        Some("max_slowdown"),
    ),
    (
        "/api/schedule?zone=US-CAL-CISO&hours=6",
        400,
        Some("within"),
    ),
    (
        "/api/schedule?zone=US-CAL-CISO&hours=6&within=48&now=yesterday",
        400,
        Some("now"),
    ),
    (
        "/api/schedule?zone=US-CAL-CISO&hours=6&within=48&intensity=3",
        400,
        Some("intensity"),
    ),
    ("/api/schedule?zone=FR&hours=6&within=48", 400, Some("zone")),
    (
        "/api/plan-search?hardware=T4&hours=1&zone=FR&grid=lr%3D",
        400,
        Some("grid"),
    ),
    (
        "/api/plan-search?hardware=T4&hours=1&zone=FR&trials=0",
        400,
        Some("trials"),
    ),
    (
        "/api/plan-search?hardware=T4&hours=1&zone=FR&trials=10&top=2",
        400,
        Some("top"),
    ),
    (
        "/api/inference?energy-per-request-wh=0.3&zone=FR&hours=3",
        400,
        Some("hours"),
    ),
    (
        "/api/inference?hardware=T4&throughput=10&zone=FR",
        400,
        Some("rate"),
    ),
    (
        "/api/inference?energy_per_request_wh=0.3&zone=FR&training_kg=1&training_run=last",
        400,
        Some("training_run"),
    ),
    ("/api/runs", 404, None),
    ("/api/nothing", 404, None),
];

#[tokio::test]
async fn bad_input_is_a_400_naming_the_field() {
    let app = bare();
    for (uri, status, field) in BAD {
        let answer = get(&app, uri).await;
        assert_eq!(answer.status.as_u16(), *status, "{uri}: {}", answer.body);
        assert_eq!(answer.content_type(), "application/json", "{uri}");
        let body = answer.json();
        assert!(
            body["error"].as_str().is_some_and(|e| !e.is_empty()),
            "{uri}"
        );
        assert_eq!(answer.field().as_deref(), *field, "{uri}: {}", answer.body);
    }
}

#[tokio::test]
async fn names_are_bounded() {
    let app = bare();
    let long = "a".repeat(201);
    let answer = get(
        &app,
        &format!("/api/estimate?hardware={long}&hours=3&zone=FR"),
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.field().as_deref(), Some("hardware"));
}

#[tokio::test]
async fn queries_and_bodies_are_bounded() {
    let app = bare();
    let long = format!("/api/estimate?hardware={}", "x".repeat(9000));
    let answer = get(&app, &long).await;
    assert_eq!(answer.status, StatusCode::URI_TOO_LONG);
    assert_eq!(answer.content_type(), "application/json");
    let body = format!(r#"{{"hardware": "{}"}}"#, "x".repeat(70 * 1024));
    let answer = post(&app, "/api/estimate", &body, None).await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    let answer = post(&app, "/api/estimate", "not json", None).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.field().as_deref(), Some("body"));
    let answer = post(&app, "/api/estimate", r#"{"hours": {"a": 1}}"#, None).await;
    assert_eq!(answer.field().as_deref(), Some("hours"));
}

#[tokio::test]
async fn data_lists_answer_the_cli_rows() {
    let app = bare();
    let one = get(&app, "/api/hardware?search=A100%20SXM4%2080GB").await;
    assert_eq!(one.status, StatusCode::OK);
    insta::assert_json_snapshot!("hardware_a100_sxm4_80gb", one.json());
    let all = get(&app, "/api/hardware").await.json();
    assert_eq!(
        all.as_array().map(Vec::len),
        Some(crate::support::data().hardware.len())
    );
    let cleanest = get(&app, "/api/zones?kind=country&cleanest=true")
        .await
        .json();
    let first = cleanest[0]["intensity_g_per_kwh"].as_f64().expect("number");
    let second = cleanest[1]["intensity_g_per_kwh"].as_f64().expect("number");
    assert!(first <= second);
    let gcp = get(&app, "/api/regions?provider=gcp&search=europe")
        .await
        .json();
    assert!(
        gcp.as_array()
            .is_some_and(|r| !r.is_empty() && r.iter().all(|x| x["provider"] == "gcp"))
    );
    let none = get(&app, "/api/regions?search=nowhere-at-all").await;
    assert_eq!(none.body.trim(), "[]");
    let sources = get(&app, "/api/sources").await.json();
    assert!(
        sources
            .as_array()
            .is_some_and(|s| s.iter().all(|x| x["license"].is_string()))
    );
}

#[tokio::test]
async fn openapi_lists_every_route() {
    let doc = get(&bare(), "/api/openapi.json").await.json();
    assert_eq!(doc["openapi"], "3.0.3");
    for path in [
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
        "/api/runs/export",
        "/api/runs/{id}",
        "/api/runs/{id}/samples",
        "/api/runs/{id}/export",
        "/api/runs/{id}/power",
        "/metrics",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
}

/// Every parameter the document lists for the CLI's capabilities is one the endpoint knows.
#[tokio::test]
async fn openapi_parameters_of_the_capabilities_are_accepted() {
    let app = bare();
    let doc = get(&app, "/api/openapi.json").await.json();
    for path in [
        "/api/advise",
        "/api/schedule",
        "/api/plan-search",
        "/api/inference",
    ] {
        let params = doc["paths"][path]["get"]["parameters"]
            .as_array()
            .unwrap_or_else(|| panic!("{path}: no parameters"));
        assert!(params.len() > 10, "{path}");
        for param in params {
            let name = param["name"].as_str().expect("a name");
            let answer = get(&app, &format!("{path}?{name}=1")).await;
            let error = answer.json()["error"].as_str().unwrap_or("").to_string();
            assert!(
                !error.starts_with("unknown parameter"),
                "{path}?{name}: {error}"
            );
        }
    }
}

#[tokio::test]
async fn writing_needs_the_token() {
    let db = Db::new();
    let body = serde_json::json!({
        "run": crate::support::new_run("33333333-0000-0000-0000-000000000003", "posted", "2024-02-01T00:00:00Z"),
        "samples": crate::support::samples(2, "2024-02-01T00:00"),
        "end": { "ended_at": "2024-02-01T00:00:02Z", "duration_s": 2.0, "exit_code": 0, "signal": null, "status": "finished" }
    })
    .to_string();
    let read_only = db.router(None);
    assert_eq!(
        post(&read_only, "/api/runs", &body, Some("t")).await.status,
        StatusCode::FORBIDDEN
    );
    let app = db.router(Some("s3cret"));
    let missing = post(&app, "/api/runs", &body, None).await;
    assert_eq!(missing.status, StatusCode::UNAUTHORIZED);
    assert_eq!(missing.field().as_deref(), Some("authorization"));
    assert_eq!(
        post(&app, "/api/runs", &body, Some("s3creT")).await.status,
        StatusCode::UNAUTHORIZED
    );
    let created = post(&app, "/api/runs", &body, Some("s3cret")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().expect("id");
    let shown = get(&app, &format!("/api/runs/{id}")).await.json();
    assert_eq!(shown["run"]["project"], "posted");
    assert_eq!(shown["run"]["status"], "finished");
    assert_eq!(shown["samples"], 2);
    let again = post(&app, "/api/runs", &body, Some("s3cret")).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    // A sample naming an undeclared component is refused before anything is written.
    let mut bad: serde_json::Value = serde_json::from_str(&body).expect("json");
    bad["run"]["uuid"] = "44444444-0000-0000-0000-000000000004".into();
    bad["samples"][0]["components"][0]["key"] = "gpu:9".into();
    let refused = post(&app, "/api/runs", &bad.to_string(), Some("s3cret")).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{}", refused.body);
    let runs = get(&app, "/api/runs?project=posted").await.json();
    assert_eq!(runs.as_array().map(Vec::len), Some(1));
    let wrong_type = post(&app, "/api/runs", r#"{"run": {"uuid": 3}}"#, Some("s3cret")).await;
    assert_eq!(wrong_type.status, StatusCode::BAD_REQUEST);
    // The run's own fields are read as one flattened group: the error names the group and what
    // is wrong in it.
    assert_eq!(wrong_type.field().as_deref(), Some("run"));
    let mut wrong_uuid: serde_json::Value = serde_json::from_str(&body).expect("json");
    wrong_uuid["run"]["uuid"] = 3.into();
    let wrong_uuid = post(&app, "/api/runs", &wrong_uuid.to_string(), Some("s3cret")).await;
    assert_eq!(wrong_uuid.status, StatusCode::BAD_REQUEST);
    assert!(
        wrong_uuid.body.contains("integer `3`"),
        "{}",
        wrong_uuid.body
    );
}

/// What `mlcarbon show --server` reads: a run by its uuid as well as its id, with its windows,
/// its power downsampled; and a job the server does not know is a 404 naming the key.
#[tokio::test]
async fn a_run_reads_by_uuid_with_its_windows_and_power() {
    let db = Db::new();
    let uuid = "55555555-0000-4000-8000-000000000005";
    let body = serde_json::json!({
        "run": crate::support::new_run(uuid, "read", "2024-02-01T00:00:00Z"),
        "samples": crate::support::samples(4, "2024-02-01T00:00"),
        "end": { "ended_at": "2024-02-01T00:00:04Z", "duration_s": 4.0, "exit_code": 0, "signal": null, "status": "finished" }
    })
    .to_string();
    let app = db.router(Some("s3cret"));
    let created = post(&app, "/api/runs", &body, Some("s3cret")).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let id = created.json()["id"].as_i64().expect("id");
    let by_id = get(&app, &format!("/api/runs/{id}")).await.json();
    assert_eq!(get(&app, &format!("/api/runs/{uuid}")).await.json(), by_id);
    assert_eq!(by_id["windows"], serde_json::json!([]));
    let missing = get(&app, "/api/runs/55555555-0000-4000-8000-000000000009").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let power = get(&app, &format!("/api/runs/{uuid}/power?points=2")).await;
    assert_eq!(power.status, StatusCode::OK, "{}", power.body);
    let power: mlcarbon_store::PowerSeries =
        serde_json::from_str(&power.body).expect("a power series");
    assert_eq!(power.samples, 4);
    assert!(
        !power.points.is_empty() && power.points.len() <= 2,
        "{power:?}"
    );
    let too_many = get(&app, &format!("/api/runs/{id}/power?points=0")).await;
    assert_eq!(too_many.field().as_deref(), Some("points"));
    let no_job = get(&app, "/api/jobs/none-such").await;
    assert_eq!(no_job.status, StatusCode::NOT_FOUND);
    assert_eq!(no_job.field().as_deref(), Some("key"));
}

#[tokio::test]
async fn a_taken_port_is_a_clear_error() {
    let taken = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let addr = taken.local_addr().expect("address");
    let error = mlcarbon_web::bind(addr).await.expect_err("taken");
    assert!(matches!(error, mlcarbon_web::WebError::AddressInUse { .. }));
    let text = error.to_string();
    assert!(
        text.contains("already in use") && text.contains("--bind"),
        "{text}"
    );
    let mut options = mlcarbon_web::ServeOptions::new(crate::support::data());
    options.bind = addr;
    options.quiet = true;
    assert!(matches!(
        mlcarbon_web::serve(options).await,
        Err(mlcarbon_web::WebError::AddressInUse { .. })
    ));
    assert_eq!(mlcarbon_web::DEFAULT_BIND.to_string(), "127.0.0.1:8080");
}

#[tokio::test]
async fn answers_are_compact_unless_pretty_is_asked() {
    let app = bare();
    let query =
        "/api/estimate?hardware=A100%20SXM4%2080GB&count=8&hours=72&provider=aws&region=us-east-1";
    let compact = get(&app, query).await;
    assert_eq!(compact.status, StatusCode::OK);
    assert_eq!(compact.body.lines().count(), 1, "one line of JSON");
    for pretty_query in ["&pretty", "&pretty=true", "&pretty=1"] {
        let pretty = get(&app, &format!("{query}{pretty_query}")).await;
        assert_eq!(pretty.status, StatusCode::OK, "{}", pretty.body);
        assert!(pretty.body.contains("\n  \""), "indented: {pretty_query}");
        assert_eq!(pretty.json(), compact.json(), "the same answer");
        assert!(
            pretty.body.starts_with("{\n  \"mlcarbon_version\": "),
            "field order kept"
        );
    }
    let not_pretty = get(&app, &format!("{query}&pretty=false")).await;
    assert_eq!(not_pretty.body, compact.body);
    let pretty_list = get(&app, "/api/sources?pretty").await;
    assert_eq!(pretty_list.status, StatusCode::OK);
    assert!(
        pretty_list.body.starts_with("[\n  {"),
        "{}",
        pretty_list.body
    );
    // Errors too, and the parameter alone is no unknown parameter.
    let error = get(&app, "/api/hardware?pretty&nonsense=1").await;
    assert_eq!(error.status, StatusCode::BAD_REQUEST);
    assert_eq!(error.field().as_deref(), Some("nonsense"));
}

#[tokio::test]
async fn serve_refuses_an_empty_token() {
    let mut options = mlcarbon_web::ServeOptions::new(crate::support::data());
    options.bind = "127.0.0.1:0".parse().expect("address");
    options.quiet = true;
    for empty in ["", "  "] {
        options.token = Some(empty.to_string());
        let error = mlcarbon_web::serve(options.clone())
            .await
            .expect_err("an empty token is refused");
        assert!(matches!(error, mlcarbon_web::WebError::EmptyToken));
        assert!(error.to_string().contains("--token-file"), "{error}");
    }
}

/// The capabilities take a JSON body of the query's names; `/api/schedule` takes a profile's
/// CSV text, as `mlcarbon schedule --profile FILE` takes the file.
#[tokio::test]
async fn capabilities_take_a_json_body_and_a_profiles_text() {
    let app = bare();
    let query = "/api/plan-search?grid=lr%3D5%2Cbatch%3D4&hardware=T4&hours=2&zone=FR&halving=true";
    let from_query = get(&app, query).await;
    assert_eq!(from_query.status, StatusCode::OK, "{}", from_query.body);
    let body =
        r#"{"grid": "lr=5,batch=4", "hardware": "T4", "hours": 2, "zone": "FR", "halving": true}"#;
    let from_body = post(&app, "/api/plan-search", body, None).await;
    assert_eq!(from_body.status, StatusCode::OK, "{}", from_body.body);
    assert_eq!(from_query.json(), from_body.json());

    let mut profile = String::from("hour,g_per_kwh\n");
    for hour in 0..24 {
        let g = if (2..5).contains(&hour) { 100 } else { 500 };
        profile.push_str(&format!("{hour},{g}\n"));
    }
    let body = serde_json::json!({
        "profile": profile, "hours": 3, "within": 24, "now": "2026-03-01T12:00:00Z"
    })
    .to_string();
    let answer = post(&app, "/api/schedule", &body, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let report = answer.json();
    assert_eq!(report["best_start"], "2026-03-02T02:00:00Z");
    assert_eq!(report["best_intensity_g_per_kwh"], 100.0);
    assert_eq!(report["profile"]["label"], "profile (given text)");
    let bad = post(
        &app,
        "/api/schedule",
        r#"{"profile": "hour,g_per_kwh\n0,abc", "hours": 3, "within": 24}"#,
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.field().as_deref(), Some("profile"));
}
