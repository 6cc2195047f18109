//! The same inputs given to the binary (`--format json`) and to the web API (`/api/advise`,
//! `/api/schedule`, `/api/plan-search`, `/api/inference`, answered in-process with `oneshot`)
//! give the same JSON, and the same one-line error. `--now` is fixed so that the answers do not
//! depend on the day; stored runs come from a database the binary writes.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use mlcarbon_data::Dataset;
use mlcarbon_store::Store;
use mlcarbon_web::{AppState, app};
use serde_json::Value;
use tower::ServiceExt;

use super::temp_dir;

/// A database holding one run tracked in Iowa from a one-hour trace of a 360 W GPU.
fn database(name: &str) -> PathBuf {
    let dir = temp_dir(&format!("api-parity-{name}"));
    let trace = dir.join("trace.csv");
    std::fs::write(
        &trace,
        "t_s,key,kind,watts\n0,gpu:0,gpu,360\n3600,gpu:0,gpu,360\n",
    )
    .expect("write trace");
    let db = dir.join("runs.sqlite");
    let out = binary(Some(&db))
        .args(["run", "-q", "--interval", "0.2", "--replay"])
        .arg(&trace)
        .args(["--zone", "US-IA", "--", "sh", "-c", "true"])
        .output()
        .expect("mlcarbon starts");
    assert!(
        out.status.success(),
        "mlcarbon run: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

fn binary(db: Option<&Path>) -> StdCommand {
    let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_mlcarbon"));
    cmd.env_remove("MLCARBON_DATA_DIR")
        .env_remove("MLCARBON_DB")
        .env("RUST_BACKTRACE", "1");
    if let Some(db) = db {
        cmd.env("MLCARBON_DB", db)
            .env("MLCARBON_CONFIG", db.with_file_name("config"));
    }
    cmd
}

/// `--flag value` pairs as a query string (`flag=value`); a flag without a value is `=true`.
fn query_of(flags: &[&str]) -> String {
    let mut pairs = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        let name = flags[i].trim_start_matches("--");
        match flags.get(i + 1).filter(|v| !v.starts_with("--")) {
            Some(value) => {
                pairs.push(format!("{name}={}", encode(value)));
                i += 2;
            }
            None => {
                pairs.push(format!("{name}=true"));
                i += 1;
            }
        }
    }
    pairs.join("&")
}

fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The binary's output: its JSON on success, else its error line.
fn cli(db: Option<&Path>, command: &[&str], flags: &[&str]) -> Result<Value, String> {
    let out = binary(db)
        .args(command)
        .args(flags)
        .args(["--format", "json"])
        .output()
        .expect("mlcarbon starts");
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout).expect("the binary prints JSON"))
    } else {
        Err(String::from_utf8_lossy(&out.stderr)
            .trim()
            .trim_start_matches("error: ")
            .to_string())
    }
}

/// The API's answer: its JSON on 200, else its error text.
fn api(db: Option<&Path>, path: &str, flags: &[&str]) -> Result<Value, String> {
    let data = Dataset::builtin().expect("built-in data");
    let state = match db {
        Some(db) => AppState::with(
            data,
            Some(Store::open(db).expect("store")),
            Some(db.to_path_buf()),
            None,
        ),
        None => AppState::new(data),
    };
    let uri = format!("{path}?{}", query_of(flags));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let response = app(state)
            .oneshot(Request::get(&uri).body(Body::empty()).expect("request"))
            .await
            .expect("an answer");
        let status = response.status();
        let bytes = response
            .into_body()
            .collect()
            .await
            .expect("body")
            .to_bytes();
        let body: Value = serde_json::from_slice(&bytes).expect("the API answers JSON");
        if status == StatusCode::OK {
            Ok(body)
        } else {
            Err(body["error"].as_str().unwrap_or_default().to_string())
        }
    })
}

/// The binary and the API agree on `flags`; returns the JSON.
fn same(db: Option<&Path>, command: &[&str], path: &str, flags: &[&str]) -> Value {
    let from_cli = cli(db, command, flags);
    let from_api = api(db, path, flags);
    assert_eq!(
        from_cli, from_api,
        "{command:?} {flags:?}: the CLI (left) and {path} (right) differ"
    );
    from_cli.unwrap_or_else(|e| panic!("{command:?} {flags:?} failed: {e}"))
}

/// Both refuse `flags` with the same message.
fn same_error(command: &[&str], path: &str, flags: &[&str]) -> String {
    let from_cli = cli(None, command, flags).expect_err("the CLI refuses");
    let from_api = api(None, path, flags).expect_err("the API refuses");
    assert_eq!(from_cli, from_api, "{command:?} {flags:?}");
    from_cli
}

#[test]
fn advise_answers_the_same_on_the_api() {
    let a100 = same(
        None,
        &["advise"],
        "/api/advise",
        &[
            "--hardware",
            "A100 SXM4 80GB",
            "--count",
            "8",
            "--hours",
            "72",
            "--provider",
            "aws",
            "--region",
            "us-east-1",
        ],
    );
    assert!(!a100["actions"].as_array().expect("actions").is_empty());
    same(
        None,
        &["advise"],
        "/api/advise",
        &[
            "--hardware",
            "V100 SXM2 32GB",
            "--hours",
            "6",
            "--zone",
            "US-CAL-CISO",
            "--deadline",
            "24",
            "--now",
            "2022-07-01T00:00:00Z",
            "--grid",
            "lr=5,batch=4,wd=3",
            "--max-slowdown",
            "20",
        ],
    );
    same(
        None,
        &["advise"],
        "/api/advise",
        &[
            "--energy-kwh",
            "120",
            "--hours",
            "10",
            "--zone",
            "US-TEX-ERCO",
            "--deadline",
            "48",
            "--now",
            "2026-03-01T12:00:00Z",
        ],
    );
    let db = database("advise");
    let run = same(Some(&db), &["advise"], "/api/advise", &["--run", "last"]);
    assert!(run["job"].as_str().is_some_and(|j| j.starts_with("run ")));
}

#[test]
fn schedule_answers_the_same_on_the_api() {
    same(
        None,
        &["schedule"],
        "/api/schedule",
        &[
            "--zone",
            "US-CAL-CISO",
            "--hours",
            "6",
            "--within",
            "48",
            "--now",
            "2026-03-01T12:00:00Z",
        ],
    );
    let hourly = same(
        None,
        &["schedule"],
        "/api/schedule",
        &[
            "--zone",
            "US-TEX-ERCO",
            "--hours",
            "8",
            "--within",
            "24",
            "--now",
            "2022-07-01T00:00:00Z",
            "--hardware",
            "A100 SXM4 80GB",
            "--count",
            "8",
            "--windows",
            "3",
        ],
    );
    assert_eq!(hourly["profile"]["kind"], "hourly");
    assert!(hourly["emissions"]["best_kg"].as_f64().is_some());
    same(
        None,
        &["schedule"],
        "/api/schedule",
        &[
            "--provider",
            "aws",
            "--region",
            "us-east-1",
            "--hours",
            "3",
            "--within",
            "24",
            "--energy-kwh",
            "40",
            "--pue",
            "1.2",
            "--now",
            "2026-06-01T00:00:00Z",
        ],
    );
}

#[test]
fn plan_search_answers_the_same_on_the_api() {
    same(
        None,
        &["plan-search"],
        "/api/plan-search",
        &[
            "--grid",
            "lr=5,batch=4,wd=3",
            "--hardware",
            "A100 SXM4 80GB",
            "--hours",
            "2",
            "--zone",
            "DE",
        ],
    );
    let halving = same(
        None,
        &["plan-search"],
        "/api/plan-search",
        &[
            "--trials",
            "200",
            "--halving",
            "--hardware",
            "H100 SXM5 80GB",
            "--count",
            "8",
            "--hours",
            "1",
            "--provider",
            "gcp",
            "--region",
            "us-central1",
        ],
    );
    assert!(halving["halving"].is_object());
    same(
        None,
        &["plan-search"],
        "/api/plan-search",
        &[
            "--grid",
            "lr=1e-3|1e-4,batch=32|64|128",
            "--energy-kwh",
            "3",
            "--zone",
            "FR",
            "--top",
            "0.1",
            "--probability",
            "0.9",
            "--halving",
            "--eta",
            "2",
        ],
    );
    let db = database("plan-search");
    same(
        Some(&db),
        &["plan-search"],
        "/api/plan-search",
        &["--grid", "a=2,b=2", "--run", "last"],
    );
}

#[test]
fn inference_answers_the_same_on_the_api() {
    same(
        None,
        &["estimate"],
        "/api/inference",
        &[
            "--requests",
            "1000000",
            "--energy-per-request-wh",
            "0.3",
            "--zone",
            "FR",
            "--training-kg",
            "500",
            "--rate",
            "20",
        ],
    );
    let serving = same(
        None,
        &["estimate"],
        "/api/inference",
        &[
            "--hardware",
            "A100 SXM4 80GB",
            "--count",
            "2",
            "--throughput",
            "50",
            "--rate",
            "20",
            "--provider",
            "aws",
            "--region",
            "us-east-1",
            "--requests",
            "1e9",
        ],
    );
    assert_eq!(serving["energy_source"], "serving");
    let db = database("inference");
    let lifetime = same(
        Some(&db),
        &["estimate"],
        "/api/inference",
        &[
            "--energy-per-request-wh",
            "2",
            "--intensity",
            "300",
            "--requests",
            "1e6",
            "--training-run",
            "last",
        ],
    );
    assert!(
        lifetime["training"]["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("run "))
    );
}

#[test]
fn the_api_refuses_what_the_cli_refuses_with_the_same_line() {
    let message = same_error(
        &["schedule"],
        "/api/schedule",
        &["--zone", "FR", "--hours", "3", "--within", "24"],
    );
    assert!(message.contains("no intensity profile"), "{message}");
    same_error(
        &["plan-search"],
        "/api/plan-search",
        &["--hardware", "T4", "--hours", "1"],
    );
    same_error(
        &["estimate"],
        "/api/inference",
        &[
            "--requests",
            "1000",
            "--hardware",
            "A100 SXM4 80GB",
            "--zone",
            "FR",
        ],
    );
    same_error(
        &["advise"],
        "/api/advise",
        &[
            "--hardware",
            "A100 SXM4 80GB",
            "--hours",
            "3",
            "--zone",
            "Frnace",
        ],
    );
}

/// `--candidates` restricts the places compared and advised to the user's list, on the CLI and
/// the API alike; a place not in the data is refused naming it.
#[test]
fn candidates_are_the_only_places_compared_and_advised() {
    let job = [
        "--hardware",
        "A100 SXM4 80GB",
        "--count",
        "8",
        "--hours",
        "24",
        "--provider",
        "aws",
        "--region",
        "us-east-1",
        "--candidates",
        "aws/eu-north-1,FR,gcp/europe-west4",
    ];
    let compared = same(None, &["compare"], "/api/compare", &job);
    assert_eq!(compared["by"], "candidates");
    let rows = compared["alternatives"].as_array().expect("alternatives");
    let places: Vec<String> = rows
        .iter()
        .map(|r| {
            let zone = r["zone"].as_str().unwrap_or("");
            match (r["provider"].as_str(), r["region"].as_str()) {
                (Some(p), Some(reg)) => format!("{p}/{reg}"),
                _ => zone.to_string(),
            }
        })
        .collect();
    let mut sorted = places.clone();
    sorted.sort();
    assert_eq!(sorted, ["FR", "aws/eu-north-1", "gcp/europe-west4"]);
    let kg: Vec<f64> = rows
        .iter()
        .filter_map(|r| r["emissions_kg"].as_f64())
        .collect();
    assert!(
        kg.windows(2).all(|w| w[0] <= w[1]),
        "cleanest first: {kg:?}"
    );

    let advised = same(None, &["advise"], "/api/advise", &job);
    let first = &advised["actions"][0];
    let label = first["label"].as_str().unwrap_or("");
    assert!(
        label.contains(&places[0]) && label.contains("the cleanest of your candidates"),
        "{label}"
    );

    let message = same_error(
        &["compare"],
        "/api/compare",
        &[
            "--hardware",
            "T4",
            "--hours",
            "1",
            "--zone",
            "DE",
            "--candidates",
            "FR,atlantis",
        ],
    );
    assert!(message.contains("candidate `atlantis`"), "{message}");
}
