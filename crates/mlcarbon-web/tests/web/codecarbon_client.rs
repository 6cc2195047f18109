//! CodeCarbon's own client (PyPI `codecarbon==3.3.2`, unchanged) against the real server on a
//! loopback socket: its tracker, pointed at the server's root URL with a write token, uploads
//! a run and its intervals, and the run is then listed by `/api/runs` with its emissions.
//!
//! The client lives in a virtual environment under `target/codecarbon-venv`, made here on first
//! use (pip needs PyPI then; later runs reuse it). Where it cannot be made the test is skipped,
//! saying why, unless `MLCARBON_REQUIRE_CODECARBON` is set (`.ci/run` sets it once it has
//! installed the client itself).

use std::path::{Path, PathBuf};
use std::process::Command;

use mlcarbon_store::Store;
use mlcarbon_web::{AppState, ConnectionLimits, app};

const TOKEN: &str = "codecarbon-client-token";
const VERSION: &str = "3.3.2";

fn venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/codecarbon-venv")
}

fn has_codecarbon(python: &Path) -> bool {
    Command::new(python)
        .args([
            "-c",
            &format!("import codecarbon, sys; sys.exit(codecarbon.__version__ != '{VERSION}')"),
        ])
        .output()
        .is_ok_and(|out| out.status.success())
}

/// The venv's Python with CodeCarbon installed, made if missing; why not, if it cannot be.
fn codecarbon_python() -> Result<PathBuf, String> {
    let venv = venv();
    let python = venv.join("bin/python");
    if has_codecarbon(&python) {
        return Ok(python);
    }
    let made = Command::new("python3")
        .arg("-m")
        .arg("venv")
        .arg(&venv)
        .output()
        .map_err(|e| format!("python3 cannot be run: {e}"))?;
    if !made.status.success() {
        return Err(format!(
            "python3 -m venv failed: {}",
            String::from_utf8_lossy(&made.stderr).trim()
        ));
    }
    let installed = Command::new(venv.join("bin/pip"))
        .args(["install", "-q", &format!("codecarbon=={VERSION}")])
        .output()
        .map_err(|e| format!("pip cannot be run: {e}"))?;
    if !installed.status.success() || !has_codecarbon(&python) {
        let stderr = String::from_utf8_lossy(&installed.stderr);
        let last = stderr.lines().last().unwrap_or_default().to_string();
        return Err(format!(
            "pip install codecarbon=={VERSION} failed (PyPI unreachable?): {last}"
        ));
    }
    Ok(python)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_codecarbon_client_records_its_run_and_emissions_here() {
    let required = std::env::var_os("MLCARBON_REQUIRE_CODECARBON").is_some();
    let python = match codecarbon_python() {
        Ok(python) => python,
        Err(why) => {
            assert!(
                !required,
                "MLCARBON_REQUIRE_CODECARBON is set but CodeCarbon is missing: {why}"
            );
            println!(
                "skipped: {why} (`python3 -m venv target/codecarbon-venv && target/codecarbon-venv/bin/pip install codecarbon=={VERSION}`, as .ci/run does)"
            );
            return;
        }
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("runs.sqlite");
    let store = Store::open(&db).expect("store");
    let state = AppState::with(
        crate::support::data(),
        Some(store),
        Some(db),
        Some(TOKEN.into()),
    );
    let addr = crate::support::serve_on_loopback(state.clone(), ConnectionLimits::default());
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/codecarbon/track.py");
    // A base URL with a trailing slash, as users write it: the client then posts `//runs`.
    let out = tokio::task::spawn_blocking(move || {
        Command::new(&python)
            .arg(&script)
            .arg(format!("http://{addr}/"))
            .arg(TOKEN)
            .arg("exp-real-client")
            .env("CODECARBON_LOG_LEVEL", "warning")
            .output()
    })
    .await
    .expect("joins")
    .expect("the script starts");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the tracker script failed:\n{stderr}");
    assert!(
        !stderr.contains("ApiClient Error"),
        "the client reported an API error:\n{stderr}"
    );
    let counted: serde_json::Value =
        serde_json::from_slice(out.stdout.trim_ascii()).expect("the script's JSON line");
    let client_kg = counted["emissions_kg"].as_f64().expect("emissions");

    let runs = crate::support::get(&app(state), "/api/runs?experiment=exp-real-client").await;
    let runs = runs.json();
    let [run] = runs.as_array().expect("a list").as_slice() else {
        panic!("expected one run of the experiment, found {runs}");
    };
    println!("CodeCarbon counted {counted}; the server has {run}");
    let kg = run["emissions_kg"].as_f64().expect("emissions");
    assert!(kg > 0.0, "{run}");
    assert!(run["energy_kwh"].as_f64().is_some_and(|e| e > 0.0), "{run}");
    // At least the interval `stop()` posts; on a loaded machine CodeCarbon's 1 s measuring
    // thread may not have posted another within the script's 3.5 s.
    assert!(run["samples"].as_u64().is_some_and(|n| n >= 1), "{run}");
    // The client does not send intervals shorter than a second: what it sent is at most what
    // it counted.
    assert!(kg <= client_kg * (1.0 + 1e-9), "{kg} > {client_kg}");
    assert_eq!(run["project"], "codecarbon");
    assert_eq!(run["hostname"], "codecarbon@127.0.0.1");
    assert_eq!(run["intensity_origin"], "reported");
    assert!(
        run["tags"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "codecarbon-version:3.3.2")),
        "{run}"
    );
}
