//! `statement --format model-card` read back by the Hugging Face Hub's own client: its
//! metadata loader must find `co2_eq_emissions` with the run's emissions in grams. The client
//! (PyPI `huggingface_hub`) is installed by `.ci/run` into `target/hf-venv`; without it the
//! test says so and skips, unless MLCARBON_REQUIRE_HF=1.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const READ_CARD: &str = r#"
import sys
from huggingface_hub import ModelCard, metadata_load
meta = metadata_load(sys.argv[1])
card = ModelCard.load(sys.argv[1])
e = meta["co2_eq_emissions"]
assert card.data.co2_eq_emissions == e, (card.data.co2_eq_emissions, e)
assert "\n## Environmental Impact\n" in card.text
print(repr(float(e["emissions"])))
for key in ("source", "training_type", "geographical_location", "hardware_used"):
    print(e[key])
"#;

fn python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/hf-venv/bin/python");
    let works = |python: &Path| {
        Command::new(python)
            .args(["-c", "import huggingface_hub"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if works(&venv) {
        return Some(venv);
    }
    let system = PathBuf::from("python3");
    works(&system).then_some(system)
}

fn mlcarbon(home: &Path, args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_mlcarbon"))
        .args(args)
        .current_dir(home)
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("MLCARBON_DB", home.join("runs.sqlite"))
        .env_remove("MLCARBON_DATA_DIR")
        .output()
        .expect("mlcarbon starts");
    assert!(
        output.status.success(),
        "mlcarbon {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// The card's fields as the Hub's loader reads them: grams first.
fn load(python: &Path, card: &str, home: &Path, name: &str) -> (f64, Vec<String>) {
    let path = home.join(name);
    std::fs::write(&path, card).expect("card written");
    let output = Command::new(python)
        .args(["-c", READ_CARD])
        .arg(&path)
        .output()
        .expect("python starts");
    assert!(
        output.status.success(),
        "huggingface_hub refused the card:\n{card}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let mut lines = text.lines().map(str::to_string);
    let grams = lines
        .next()
        .and_then(|g| g.parse().ok())
        .expect("grams first");
    (grams, lines.collect())
}

fn close(actual: f64, expected: f64) -> bool {
    (actual - expected).abs() <= 1e-5 * expected.abs()
}

#[test]
fn a_model_card_loads_with_the_hubs_metadata_loader_in_grams() {
    let Some(python) = python() else {
        assert!(
            std::env::var("MLCARBON_REQUIRE_HF").is_err(),
            "MLCARBON_REQUIRE_HF is set but huggingface_hub is not importable"
        );
        eprintln!(
            "skipped: huggingface_hub is not installed (.ci/run installs it into target/hf-venv)"
        );
        return;
    };
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("model-card-home");
    let _ = std::fs::remove_dir_all(&home);
    std::fs::create_dir_all(&home).expect("a temp folder");

    // A measured run: the card's grams are the stored run's kg × 1000.
    mlcarbon(
        &home,
        &[
            "run", "--quiet", "--replay", "demo", "--zone", "FR", "--", "sleep", "1",
        ],
    );
    let runs: Value =
        serde_json::from_str(&mlcarbon(&home, &["runs", "--format", "json"])).expect("JSON");
    let kg = runs[0]["emissions_kg"]
        .as_f64()
        .expect("the run's emissions");
    assert!(kg > 0.0);
    let card = mlcarbon(
        &home,
        &[
            "statement",
            "--run",
            "last",
            "--format",
            "model-card",
            "--activity",
            "fine-tuning",
        ],
    );
    let (grams, fields) = load(&python, &card, &home, "run-card.md");
    assert!(close(grams, kg * 1000.0), "{grams} g against {kg} kg");
    assert!(fields[0].contains("measured"), "{fields:?}");
    assert_eq!(fields[1], "fine-tuning");
    assert_eq!(fields[2], "France (FR)");
    assert!(fields[3].contains("Replayed A100"), "{fields:?}");

    // An estimate: the same against `estimate --format json`.
    let job = [
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
    ];
    let estimate: Value = serde_json::from_str(&mlcarbon(
        &home,
        &[&["estimate"][..], &job, &["--format", "json"]].concat(),
    ))
    .expect("JSON");
    let kg = estimate["emissions_kg"].as_f64().expect("emissions");
    let card = mlcarbon(
        &home,
        &[&["statement"][..], &job, &["--format", "model-card"]].concat(),
    );
    let (grams, fields) = load(&python, &card, &home, "estimate-card.md");
    assert!(close(grams, kg * 1000.0), "{grams} g against {kg} kg");
    assert_eq!(fields[1], "pre-training");
    assert!(fields[3].contains("8 × A100 SXM4 80GB"), "{fields:?}");
}
