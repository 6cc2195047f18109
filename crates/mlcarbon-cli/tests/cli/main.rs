//! End-to-end tests of the `mlcarbon` binary: arguments in, text or JSON out, exit codes.
//!
//! Nothing here touches the network; `--data-dir` tests write their tables under
//! `CARGO_TARGET_TMPDIR`. Snapshots live in `tests/cli/snapshots/`; the commands of each area are modules beside this file.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/// The built binary, isolated from the caller's environment.
fn mlcarbon() -> Command {
    let mut cmd = Command::cargo_bin("mlcarbon").expect("the mlcarbon binary is built");
    cmd.env_remove("MLCARBON_DATA_DIR")
        // A panic would print a backtrace, which the error tests reject.
        .env("RUST_BACKTRACE", "1");
    cmd
}

/// Runs `mlcarbon args` with `cmd`, requires success and an empty stderr, returns stdout.
fn stdout_with(mut cmd: Command, args: &[&str]) -> String {
    let output = cmd.args(args).output().expect("mlcarbon starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "mlcarbon {args:?} failed ({}): {stderr}",
        output.status
    );
    assert!(
        stderr.is_empty(),
        "mlcarbon {args:?} wrote to stderr: {stderr}"
    );
    String::from_utf8(output.stdout).expect("stdout is UTF-8")
}

fn stdout_of(args: &[&str]) -> String {
    stdout_with(mlcarbon(), args)
}

fn json_of(args: &[&str]) -> Value {
    let text = stdout_of(args);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("mlcarbon {args:?} printed invalid JSON ({e}): {text}"))
}

/// The number at a JSON pointer (`/emissions_kg_low`).
fn num(value: &Value, pointer: &str) -> f64 {
    value
        .pointer(pointer)
        .and_then(Value::as_f64)
        .unwrap_or_else(|| panic!("no number at {pointer} in {value:#}"))
}

/// The string at a JSON pointer.
fn text<'v>(value: &'v Value, pointer: &str) -> &'v str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string at {pointer} in {value:#}"))
}

fn array<'v>(value: &'v Value, pointer: &str) -> &'v Vec<Value> {
    value
        .pointer(pointer)
        .and_then(Value::as_array)
        .unwrap_or_else(|| panic!("no array at {pointer} in {value:#}"))
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    let tolerance = 1e-9 * expected.abs().max(1.0);
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not {expected}"
    );
}

/// Runs a command that must fail on bad input; checks what every such failure shares (exit code
/// 2, nothing on stdout, `error:` first on stderr and only once, no panic, no backtrace) and
/// returns stderr. Lines after the first may only be clap's usage hint.
fn failure_with(mut cmd: Command, args: &[&str]) -> String {
    let output = cmd.args(args).output().expect("mlcarbon starts");
    let stderr = String::from_utf8(output.stderr).expect("stderr is UTF-8");
    assert_eq!(
        output.status.code(),
        Some(2),
        "mlcarbon {args:?}: exit status {}; stderr: {stderr}",
        output.status
    );
    assert!(
        output.stdout.is_empty(),
        "mlcarbon {args:?} printed to stdout on error: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let first = stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("error: ") && first.len() > "error: ".len(),
        "mlcarbon {args:?}: stderr does not start with an error line: {stderr}"
    );
    assert_eq!(
        stderr.lines().filter(|l| l.contains("error:")).count(),
        1,
        "mlcarbon {args:?}: more than one error line: {stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.to_lowercase().contains("backtrace"),
        "mlcarbon {args:?} panicked: {stderr}"
    );
    for line in stderr.lines().skip(1) {
        assert!(
            line.is_empty()
                || line.starts_with("Usage: ")
                || line.starts_with("For more information")
                || line.starts_with("  tip:")
                || line.starts_with("  [possible values:"),
            "mlcarbon {args:?}: unexpected stderr line {line:?} in: {stderr}"
        );
    }
    stderr
}

/// A failure reported by mlcarbon itself (not clap): exactly one line on stderr.
fn app_error_with(cmd: Command, args: &[&str]) -> String {
    let stderr = failure_with(cmd, args);
    assert_eq!(
        stderr.lines().count(),
        1,
        "mlcarbon {args:?}: expected exactly one line on stderr: {stderr}"
    );
    stderr
}

fn app_error(args: &[&str]) -> String {
    app_error_with(mlcarbon(), args)
}

/// A failure reported by clap while parsing: an error line, perhaps a usage hint.
fn usage_error(args: &[&str]) -> String {
    failure_with(mlcarbon(), args)
}

/// A fresh, empty folder for one test.
fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create a temporary folder");
    dir
}

/// The header of the built-in hardware table.
fn hardware_header() -> &'static str {
    include_str!("../../../mlcarbon-data/data/hardware.csv")
        .lines()
        .next()
        .expect("hardware.csv has a header")
}

const V100_CENTRALUS_MLCO2: &[&str] = &[
    "estimate",
    "--hardware",
    "Tesla V100-PCIE-16GB",
    "--hours",
    "100",
    "--provider",
    "azure",
    "--region",
    "centralus",
    "--compat",
    "mlco2",
];

const A100X8_AWS: &[&str] = &[
    "estimate",
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

fn with(base: &[&'static str], extra: &[&'static str]) -> Vec<&'static str> {
    base.iter().chain(extra).copied().collect()
}

// ---------------------------------------------------------------------------------------------
// estimate --compat mlco2: the published calculator, to the cent
// ---------------------------------------------------------------------------------------------

#[test]
fn compat_v100_azure_centralus_is_22_2_kg_fully_offset() {
    let report = json_of(&with(V100_CENTRALUS_MLCO2, &["--format", "json"]));
    assert_eq!(text(&report, "/mode"), "compat-mlco2");
    assert_eq!(text(&report, "/device"), "Tesla V100-PCIE-16GB");
    assert_eq!(num(&report, "/energy_kwh"), 30.0);
    assert_eq!(num(&report, "/emissions_kg"), 22.2);
    assert_eq!(num(&report, "/offset_kg"), 22.2);
    assert_eq!(num(&report, "/offset_percent"), 100.0);
}

#[test]
fn compat_v100_azure_centralus_names_canadaeast_as_cleanest() {
    let report = json_of(&with(V100_CENTRALUS_MLCO2, &["--format", "json"]));
    assert_eq!(text(&report, "/cleanest_region/region"), "azure/canadaeast");
    assert_eq!(num(&report, "/cleanest_region/emissions_kg"), 0.6);
    assert_close(
        num(&report, "/cleanest_region/saving_kg"),
        22.2 - 0.6,
        "saving of the cleanest region",
    );
}

#[test]
fn compat_v100_azure_canadaeast_is_0_6_kg() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "Tesla V100-PCIE-16GB",
        "--hours",
        "100",
        "--provider",
        "azure",
        "--region",
        "canadaeast",
        "--compat",
        "mlco2",
        "--format",
        "json",
    ]);
    assert_eq!(num(&report, "/emissions_kg"), 0.6);
    assert_eq!(num(&report, "/offset_kg"), 0.6);
}

fn compat_a100_montreal(hours: &'static str) -> Value {
    json_of(&[
        "estimate",
        "--hardware",
        "A100 PCIe 40/80GB",
        "--hours",
        hours,
        "--provider",
        "gcp",
        "--region",
        "northamerica-northeast1",
        "--compat",
        "mlco2",
        "--format",
        "json",
    ])
}

#[test]
fn compat_a100_gcp_montreal_3_hours_is_0_02_kg() {
    let report = compat_a100_montreal("3");
    assert_eq!(text(&report, "/device"), "A100 PCIe 40/80GB");
    assert_eq!(num(&report, "/emissions_kg"), 0.02);
    assert_eq!(num(&report, "/offset_percent"), 100.0);
}

#[test]
fn compat_a100_gcp_montreal_10_5_hours_is_0_08_kg() {
    let report = compat_a100_montreal("10.5");
    assert_eq!(num(&report, "/hours"), 10.5);
    assert_eq!(num(&report, "/emissions_kg"), 0.08);
    assert_eq!(num(&report, "/offset_percent"), 100.0);
}

// ---------------------------------------------------------------------------------------------
// estimate: default mode JSON
// ---------------------------------------------------------------------------------------------

const ORIGINS: [&str; 4] = ["measured", "estimated", "defaulted", "given"];

/// What every default-mode estimate report must hold.
fn check_estimate_report(report: &Value) {
    for key in [
        "energy_kwh",
        "emissions_kg",
        "offset_kg",
        "intensity_g_per_kwh",
        "pue",
        "range",
        "provenance",
    ] {
        assert!(report.get(key).is_some(), "no `{key}` in {report:#}");
    }
    for quantity in ["emissions_kg", "energy_kwh"] {
        let value = num(report, &format!("/{quantity}"));
        let low = num(report, &format!("/{quantity}_low"));
        let high = num(report, &format!("/{quantity}_high"));
        assert!(
            low <= value && value <= high,
            "{quantity}: {value} outside its range {low}–{high}"
        );
        assert!(value > 0.0, "{quantity} is {value}");
    }
    // emissions = energy × intensity; energy = IT energy × PUE.
    assert_close(
        num(report, "/emissions_kg"),
        num(report, "/energy_kwh") * num(report, "/intensity_g_per_kwh") / 1000.0,
        "emissions = energy × intensity",
    );
    assert_close(
        num(report, "/energy_kwh"),
        num(report, "/it_energy_kwh") * num(report, "/pue"),
        "energy = IT energy × PUE",
    );
    let provenance = array(report, "/provenance");
    assert!(!provenance.is_empty(), "empty provenance");
    for entry in provenance {
        let origin = text(entry, "/origin");
        assert!(
            ORIGINS.contains(&origin),
            "origin `{origin}` not one of {ORIGINS:?} in {entry:#}"
        );
        assert!(!text(entry, "/quantity").is_empty(), "no quantity: {entry}");
    }
}

/// The origin of the provenance entry for `quantity` ("grid intensity", "PUE").
fn origin_of<'v>(report: &'v Value, quantity: &str) -> &'v str {
    let entry = array(report, "/provenance")
        .iter()
        .find(|p| p.get("quantity").and_then(Value::as_str) == Some(quantity))
        .unwrap_or_else(|| panic!("no provenance for {quantity} in {report:#}"));
    text(entry, "/origin")
}

#[test]
fn estimate_json_zone_fr_has_the_documented_fields_and_no_offset() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "10",
        "--zone",
        "FR",
        "--format",
        "json",
    ]);
    check_estimate_report(&report);
    assert_eq!(report.get("offset_kg"), Some(&Value::Null));
    assert_eq!(text(&report, "/location/zone"), "FR");
}

#[test]
fn estimate_json_cloud_region_is_consistent_and_reports_an_offset() {
    let report = json_of(&with(A100X8_AWS, &["--format", "json"]));
    check_estimate_report(&report);
    let offset = num(&report, "/offset_kg");
    let percent = num(&report, "/offset_percent");
    assert_close(
        offset,
        num(&report, "/emissions_kg") * percent / 100.0,
        "offset = emissions × offset %",
    );
}

#[test]
fn estimate_json_zone_world_marks_grid_intensity_defaulted() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "10",
        "--zone",
        "WORLD",
        "--format",
        "json",
    ]);
    check_estimate_report(&report);
    assert_eq!(origin_of(&report, "grid intensity"), "defaulted");
}

#[test]
fn estimate_json_given_pue_is_marked_given() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "10",
        "--zone",
        "FR",
        "--pue",
        "1.0",
        "--format",
        "json",
    ]);
    check_estimate_report(&report);
    assert_eq!(num(&report, "/pue"), 1.0);
    assert_eq!(origin_of(&report, "PUE"), "given");
    // A zone's figure is not the user's.
    assert_ne!(origin_of(&report, "grid intensity"), "given");
}

#[test]
fn estimate_json_with_every_factor_given_is_exact() {
    // 400 W × 1 × 10 h = 4 kWh; × PUE 1 × 100 g/kWh = 0.4 kg.
    let report = json_of(&[
        "estimate",
        "--intensity",
        "100",
        "--pue",
        "1",
        "--utilization",
        "1",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "10",
        "--format",
        "json",
    ]);
    check_estimate_report(&report);
    assert_eq!(num(&report, "/energy_kwh"), 4.0);
    assert_eq!(num(&report, "/emissions_kg"), 0.4);
    assert_eq!(num(&report, "/intensity_g_per_kwh"), 100.0);
    assert_eq!(origin_of(&report, "grid intensity"), "given");
    assert_eq!(origin_of(&report, "PUE"), "given");
}

#[test]
fn estimate_range_stays_within_rated_power_at_full_utilization() {
    let report = json_of(&[
        "estimate",
        "--intensity",
        "100",
        "--pue",
        "1",
        "--utilization",
        "1",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "10",
        "--format",
        "json",
    ]);
    // A device's mean draw cannot exceed its rated limit: 400 W × 10 h = 4 kWh at most.
    let high = num(&report, "/energy_kwh_high");
    assert!(high <= 4.0 + 1e-9, "energy range high {high} kWh > 4 kWh");
}

#[test]
fn estimate_that_overflows_is_rejected() {
    // One error line, exit code 2, nothing on stdout.
    usage_error(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--count",
        "4000000000",
        "--hours",
        "1e300",
        "--zone",
        "FR",
        "--format",
        "json",
    ]);
}

// ---------------------------------------------------------------------------------------------
// Lookups by name, alias, code
// ---------------------------------------------------------------------------------------------

fn estimate_at_fr(hardware: &str) -> Value {
    json_of(&[
        "estimate",
        "--hardware",
        hardware,
        "--hours",
        "1",
        "--zone",
        "FR",
        "--format",
        "json",
    ])
}

fn estimate_in_zone(zone: &str) -> Value {
    json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--zone",
        zone,
        "--format",
        "json",
    ])
}

#[test]
fn hardware_resolves_case_insensitively() {
    let report = estimate_at_fr("a100 sxm4 80gb");
    assert_eq!(text(&report, "/hardware"), "nvidia-a100-sxm4-80gb");
}

#[test]
fn hardware_resolves_tpu_v3() {
    let report = estimate_at_fr("tpu v3");
    assert_eq!(text(&report, "/hardware"), "google-tpu-v3");
}

#[test]
fn a_tpu_without_published_power_asks_for_watts_in_one_line() {
    for name in ["TPU v5e", "TPU v5p", "Trillium"] {
        let error = app_error(&[
            "estimate",
            "--hardware",
            name,
            "--hours",
            "1",
            "--zone",
            "FR",
        ]);
        assert!(
            error.contains("Google publishes no power figure for TPU v")
                && error.contains("give --watts W"),
            "{error}"
        );
    }
}

#[test]
fn a_tpu_without_published_power_takes_the_users_watts_as_given() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "TPU v5e",
        "--watts",
        "200",
        "--hours",
        "10",
        "--zone",
        "FR",
        "--format",
        "json",
    ]);
    assert_eq!(origin_of(&report, "device power"), "given");
    // 200 W × 10 h at the default utilization, before PUE: at most 2 kWh of IT energy.
    let it = num(&report, "/it_energy_kwh");
    assert!(it > 0.0 && it <= 2.0, "{it}");
}

#[test]
fn hardware_comparison_skips_devices_without_power_with_a_note() {
    let report = json_of(&[
        "compare",
        "--by",
        "hardware",
        "--hardware",
        "TPU v4",
        "--hours",
        "10",
        "--zone",
        "FR",
        "--format",
        "json",
    ]);
    let assumption = text(&report, "/assumption");
    assert!(
        assumption.contains("no published power figure: TPU v5e (chip)"),
        "{assumption}"
    );
    for option in array(&report, "/alternatives") {
        assert!(!text(option, "/label").contains("v5"), "{option}");
    }
}

#[test]
fn hardware_resolves_the_published_calculators_name() {
    let report = estimate_at_fr("Tesla V100-PCIE-16GB");
    assert_eq!(text(&report, "/hardware"), "nvidia-tesla-v100-pcie-16gb");
}

#[test]
fn zone_resolves_province_name() {
    assert_eq!(text(&estimate_in_zone("Quebec"), "/location/zone"), "CA-QC");
}

#[test]
fn zone_resolves_alpha3_code() {
    assert_eq!(text(&estimate_in_zone("FRA"), "/location/zone"), "FR");
}

#[test]
fn zone_resolves_country_name() {
    assert_eq!(text(&estimate_in_zone("France"), "/location/zone"), "FR");
}

#[test]
fn region_without_provider_resolves_to_its_provider() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--region",
        "us-east-1",
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/location/provider"), "aws");
    assert_eq!(text(&report, "/location/region"), "us-east-1");
}

#[test]
fn ambiguous_hardware_lists_its_candidates() {
    // A family name with a model number (`v100`) resolves to one variant; words without one
    // still list the candidates.
    let stderr = app_error(&[
        "estimate",
        "--hardware",
        "tesla v",
        "--hours",
        "1",
        "--zone",
        "FR",
    ]);
    for candidate in [
        "Tesla V100 PCIe 16GB",
        "Tesla V100 PCIe 32GB",
        "Tesla V100 SXM2 16GB",
        "Tesla V100 SXM2 32GB",
    ] {
        assert!(
            stderr.contains(candidate),
            "`{candidate}` missing: {stderr}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Bad input: one clear line, exit code 2
// ---------------------------------------------------------------------------------------------

#[test]
fn unknown_hardware_suggests_names() {
    let stderr = app_error(&[
        "estimate",
        "--hardware",
        "A100 SXMM4 80GB",
        "--hours",
        "1",
        "--zone",
        "FR",
    ]);
    assert!(stderr.contains("did you mean"), "{stderr}");
    assert!(stderr.contains("A100 SXM4 80GB"), "{stderr}");
}

#[test]
fn negative_hours_are_rejected() {
    let stderr = usage_error(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "-5",
        "--zone",
        "FR",
    ]);
    assert!(stderr.contains("--hours"), "{stderr}");
    assert!(stderr.contains("positive"), "{stderr}");
}

#[test]
fn zero_hours_are_rejected() {
    let stderr = usage_error(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "0",
        "--zone",
        "FR",
    ]);
    assert!(stderr.contains("--hours"), "{stderr}");
}

#[test]
fn non_numeric_hours_are_rejected() {
    let stderr = usage_error(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "abc",
        "--zone",
        "FR",
    ]);
    assert!(stderr.contains("not a duration; give hours"), "{stderr}");
}

#[test]
fn durations_take_units_and_plain_numbers_keep_theirs() {
    let estimate = |hours: &str| -> Value {
        let args = [
            "estimate",
            "--hardware",
            "A100 SXM4 80GB",
            "--hours",
            hours,
            "--zone",
            "FR",
            "--format",
            "json",
        ];
        serde_json::from_str(&stdout_with(mlcarbon(), &args)).expect("JSON")
    };
    let plain = estimate("1.5");
    for written in ["90m", "1h30m", "1h 30m", "5400s"] {
        assert_eq!(
            estimate(written)["emissions_kg"],
            plain["emissions_kg"],
            "{written}"
        );
    }
    // `monitor --duration` counts seconds: its refusal says so.
    let stderr = usage_error(&["monitor", "--duration", "soon", "--replay", "demo"]);
    assert!(stderr.contains("give seconds"), "{stderr}");
    let stderr = usage_error(&["schedule", "--zone", "FR", "--hours", "2", "--within", "1x"]);
    assert!(stderr.contains("give hours"), "{stderr}");
}

#[test]
fn missing_location_is_rejected() {
    let stderr = app_error(&["estimate", "--hardware", "A100 SXM4 80GB", "--hours", "5"]);
    assert!(stderr.contains("missing location"), "{stderr}");
    assert!(stderr.contains("--zone"), "{stderr}");
}

#[test]
fn zone_and_intensity_together_are_rejected() {
    let stderr = usage_error(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "5",
        "--zone",
        "FR",
        "--intensity",
        "100",
    ]);
    assert!(
        stderr.contains("--zone") && stderr.contains("--intensity"),
        "{stderr}"
    );
}

#[test]
fn compat_mlco2_rejects_a_device_count() {
    let stderr = app_error(&with(V100_CENTRALUS_MLCO2, &["--count", "2"]));
    assert!(stderr.contains("--count"), "{stderr}");
}

#[test]
fn unknown_region_is_rejected() {
    let stderr = app_error(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "5",
        "--provider",
        "aws",
        "--region",
        "mars-north-1",
    ]);
    assert!(stderr.contains("mars-north-1"), "{stderr}");
}

#[test]
fn unknown_hardware_fails_through_assert_cmd_too() {
    // The same contract through assert_cmd's assertions.
    mlcarbon()
        .args([
            "estimate",
            "--hardware",
            "Quantum Flux 9000",
            "--hours",
            "1",
            "--zone",
            "FR",
        ])
        .assert()
        .code(2)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::starts_with("error: unknown hardware"))
        .stderr(predicate::str::contains("panicked").not());
}

// ---------------------------------------------------------------------------------------------
// compare
// ---------------------------------------------------------------------------------------------

/// Alternatives sorted by emissions, cleanest first; each saving = baseline − alternative.
fn check_compare_report(report: &Value) -> &Vec<Value> {
    let baseline = num(report, "/baseline/emissions_kg");
    assert!(baseline > 0.0, "baseline emissions {baseline}");
    let alternatives = array(report, "/alternatives");
    assert!(!alternatives.is_empty(), "no alternatives: {report:#}");
    let emissions: Vec<f64> = alternatives
        .iter()
        .map(|a| num(a, "/emissions_kg"))
        .collect();
    assert!(
        emissions.windows(2).all(|w| w[0] <= w[1]),
        "alternatives not sorted by emissions: {emissions:?}"
    );
    for a in alternatives {
        let label = text(a, "/label");
        assert_close(
            num(a, "/saving_kg"),
            baseline - num(a, "/emissions_kg"),
            &format!("saving of {label}"),
        );
        assert_close(
            num(a, "/saving_percent"),
            (baseline - num(a, "/emissions_kg")) / baseline * 100.0,
            &format!("saving % of {label}"),
        );
        let (low, value, high) = (
            num(a, "/emissions_kg_low"),
            num(a, "/emissions_kg"),
            num(a, "/emissions_kg_high"),
        );
        assert!(
            low <= value && value <= high,
            "{label}: {low} {value} {high}"
        );
    }
    alternatives
}

#[test]
fn compare_by_regions_lists_the_providers_regions_cleanest_first() {
    let report = json_of(&[
        "compare",
        "--hardware",
        "A100 SXM4 80GB",
        "--count",
        "8",
        "--hours",
        "24",
        "--provider",
        "gcp",
        "--region",
        "us-central1",
        "--by",
        "regions",
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/by"), "regions");
    assert_eq!(text(&report, "/baseline/region"), "us-central1");
    let alternatives = check_compare_report(&report);
    for a in alternatives {
        assert_eq!(text(a, "/provider"), "gcp", "{a}");
    }
}

#[test]
fn compare_by_hardware_lists_other_accelerators_cleanest_first() {
    let report = json_of(&[
        "compare",
        "--hardware",
        "V100 SXM2 32GB",
        "--hours",
        "100",
        "--zone",
        "US-IA",
        "--by",
        "hardware",
        "--limit",
        "5",
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/by"), "hardware");
    let baseline_hardware = text(&report, "/baseline/hardware");
    assert_eq!(baseline_hardware, "nvidia-tesla-v100-sxm2-32gb");
    let alternatives = check_compare_report(&report);
    assert!(alternatives.len() <= 5, "--limit 5 ignored");
    for a in alternatives {
        assert_ne!(text(a, "/hardware"), baseline_hardware, "{a}");
        assert!(num(a, "/hours") > 0.0, "{a}");
    }
}

// ---------------------------------------------------------------------------------------------
// statement
// ---------------------------------------------------------------------------------------------

/// 400 W × 3 × 10 h = 12 kWh; × 321 g/kWh = 3.852 kg, shown as 3.85.
fn statement(format: &'static str) -> String {
    stdout_of(&[
        "statement",
        "--hardware",
        "A100 SXM4 80GB",
        "--count",
        "3",
        "--hours",
        "10",
        "--intensity",
        "321",
        "--pue",
        "1",
        "--utilization",
        "1",
        "--format",
        format,
    ])
}

#[test]
fn statement_markdown_gives_the_figure_and_cites_lacoste() {
    let text = statement("markdown");
    assert!(text.contains("3.85 kg CO2e"), "{text}");
    assert!(text.contains("12 kWh"), "{text}");
    assert!(text.contains("Lacoste"), "{text}");
}

#[test]
fn statement_latex_gives_the_figure_and_cites_lacoste() {
    let text = statement("latex");
    assert!(text.contains("3.85 kg CO$_2$e"), "{text}");
    // In LaTeX the name comes from the BibTeX entry through the citation key.
    assert!(text.contains("\\citet{lacoste2019quantifying}"), "{text}");
    assert!(!text.contains(" % "), "unescaped percent sign: {text}");
}

#[test]
fn statement_bibtex_has_the_lacoste_entry() {
    let text = statement("bibtex");
    assert!(text.contains("@article{lacoste2019quantifying,"), "{text}");
    assert!(text.contains("Lacoste, Alexandre"), "{text}");
    assert_eq!(
        text.matches('{').count(),
        text.matches('}').count(),
        "unbalanced braces: {text}"
    );
}

// ---------------------------------------------------------------------------------------------
// Listing commands
// ---------------------------------------------------------------------------------------------

fn ids(rows: &[Value], key: &str) -> Vec<String> {
    rows.iter()
        .map(|r| text(r, &format!("/{key}")).to_string())
        .collect()
}

#[test]
fn hardware_lists_at_least_60_accelerators_with_power() {
    let rows = json_of(&["hardware", "--format", "json"]);
    let rows = array(&rows, "");
    assert!(rows.len() >= 60, "only {} hardware rows", rows.len());
    let mut without_power = 0;
    for row in rows {
        // null only where the vendor publishes none (TPU v5e/v5p/v6e), and the notes say so.
        if row["power_w"].is_null() {
            without_power += 1;
            assert!(
                text(row, "/notes").contains("publishes no power figure"),
                "{row}"
            );
        } else {
            assert!(num(row, "/power_w") > 0.0, "{row}");
        }
        assert!(!text(row, "/name").is_empty(), "{row}");
    }
    assert!(
        rows.len() - without_power >= 60,
        "{without_power} without power"
    );
}

#[test]
fn hardware_search_finds_only_matches() {
    let rows = json_of(&["hardware", "a100", "--format", "json"]);
    let names = ids(array(&rows, ""), "name");
    assert!(names.contains(&"A100 SXM4 80GB".to_string()), "{names:?}");
    assert!(names.iter().all(|n| n.contains("A100")), "{names:?}");
}

#[test]
fn zones_lists_at_least_300_zones() {
    let rows = json_of(&["zones", "--format", "json"]);
    let rows = array(&rows, "");
    assert!(rows.len() >= 300, "only {} zones", rows.len());
    let ids = ids(rows, "id");
    for id in ["FR", "US-IA", "CA-QC", "WORLD"] {
        assert!(ids.contains(&id.to_string()), "zone {id} missing");
    }
}

#[test]
fn regions_list_at_least_150_regions_each_in_a_listed_zone() {
    let regions = json_of(&["regions", "--format", "json"]);
    let regions = array(&regions, "");
    assert!(regions.len() >= 150, "only {} regions", regions.len());
    let zones = json_of(&["zones", "--format", "json"]);
    let zones = ids(array(&zones, ""), "id");
    for r in regions {
        let zone = text(r, "/zone");
        assert!(zones.iter().any(|z| z == zone), "unknown zone in {r}");
    }
}

#[test]
fn regions_of_gcp_are_only_gcp() {
    let rows = json_of(&["regions", "--provider", "gcp", "--format", "json"]);
    let rows = array(&rows, "");
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| text(r, "/provider") == "gcp"),
        "other providers listed"
    );
    assert!(ids(rows, "region").contains(&"us-central1".to_string()));
}

#[test]
fn sources_list_every_source_the_tables_cite() {
    let sources = json_of(&["sources", "--format", "json"]);
    let sources = array(&sources, "");
    assert!(!sources.is_empty());
    let known = ids(sources, "id");
    let hardware = json_of(&["hardware", "--format", "json"]);
    let regions = json_of(&["regions", "--format", "json"]);
    for row in array(&hardware, "").iter().chain(array(&regions, "")) {
        let source = text(row, "/source");
        assert!(
            known.iter().any(|k| k == source),
            "unlisted source in {row}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// --data-dir
// ---------------------------------------------------------------------------------------------

fn custom_hardware_dir(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let csv = format!(
        "{}\ntest-accelerator,Test Accelerator,Test Acc,TestCo,accelerator,123,tdp,,,,,,2024,,nvidia-a100-datasheet,2024,a row for tests\n",
        hardware_header()
    );
    fs::write(dir.join("hardware.csv"), csv).expect("write hardware.csv");
    dir
}

#[test]
fn data_dir_hardware_table_is_used() {
    let dir = custom_hardware_dir("data_dir_hardware_table_is_used");
    let dir = dir.to_str().expect("UTF-8 path");
    // 123 W × 10 h = 1.23 kWh; × 100 g/kWh = 0.123 kg.
    let report = json_of(&[
        "--data-dir",
        dir,
        "estimate",
        "--hardware",
        "Test Accelerator",
        "--hours",
        "10",
        "--intensity",
        "100",
        "--pue",
        "1",
        "--utilization",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/hardware"), "test-accelerator");
    assert_close(num(&report, "/energy_kwh"), 1.23, "energy");
    assert_close(num(&report, "/emissions_kg"), 0.123, "emissions");

    let listed = json_of(&["hardware", "--data-dir", dir, "--format", "json"]);
    assert_eq!(ids(array(&listed, ""), "id"), ["test-accelerator"]);
}

#[test]
fn data_dir_hardware_table_replaces_the_built_in_one() {
    let dir = custom_hardware_dir("data_dir_hardware_table_replaces_the_built_in_one");
    let dir = dir.to_str().expect("UTF-8 path");
    let stderr = app_error(&[
        "--data-dir",
        dir,
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--zone",
        "FR",
    ]);
    assert!(stderr.contains("A100 SXM4 80GB"), "{stderr}");
}

#[test]
fn data_dir_from_the_environment_is_used() {
    let dir = custom_hardware_dir("data_dir_from_the_environment_is_used");
    let mut cmd = mlcarbon();
    cmd.env("MLCARBON_DATA_DIR", &dir);
    let rows: Value = serde_json::from_str(&stdout_with(cmd, &["hardware", "--format", "json"]))
        .expect("hardware --format json prints JSON");
    assert_eq!(ids(array(&rows, ""), "name"), ["Test Accelerator"]);
}

#[test]
fn data_dir_with_a_malformed_csv_is_a_clear_error() {
    let dir = temp_dir("data_dir_with_a_malformed_csv_is_a_clear_error");
    let csv = format!(
        "{}\nbroken,Broken,,V,gpu,not-a-number,tdp,,,,,2020,nvidia-a100-datasheet,2020,\n",
        hardware_header()
    );
    fs::write(dir.join("hardware.csv"), csv).expect("write hardware.csv");
    let dir = dir.to_str().expect("UTF-8 path");
    let stderr = app_error(&[
        "--data-dir",
        dir,
        "estimate",
        "--hardware",
        "Broken",
        "--hours",
        "1",
        "--zone",
        "FR",
    ]);
    assert!(stderr.contains("hardware.csv"), "{stderr}");
    assert!(stderr.contains("--data-dir"), "{stderr}");
}

#[test]
fn data_dir_with_ragged_rows_is_a_clear_error() {
    let dir = temp_dir("data_dir_with_ragged_rows_is_a_clear_error");
    fs::write(
        dir.join("hardware.csv"),
        format!("{}\nonly,three,fields\n", hardware_header()),
    )
    .expect("write hardware.csv");
    let dir = dir.to_str().expect("UTF-8 path");
    let stderr = app_error(&["--data-dir", dir, "hardware"]);
    assert!(stderr.contains("hardware.csv"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Snapshots
// ---------------------------------------------------------------------------------------------

#[test]
fn snapshot_compat_mlco2_human() {
    insta::assert_snapshot!(
        "estimate_compat_mlco2_v100_centralus_human",
        stdout_of(V100_CENTRALUS_MLCO2)
    );
}

#[test]
fn snapshot_estimate_a100x8_aws_json() {
    let mut report = json_of(&with(A100X8_AWS, &["--format", "json"]));
    let version = report
        .get_mut("mlcarbon_version")
        .expect("the report has mlcarbon_version");
    assert_eq!(version.as_str(), Some(env!("CARGO_PKG_VERSION")));
    *version = Value::from("[version]");
    // The model's report with the embodied emissions beside it: the web API answers the same,
    // and compares itself with this snapshot.
    assert!(report.get("embodied").is_some(), "the report has embodied");
    insta::assert_json_snapshot!("estimate_a100x8_aws_us_east_1_json", report);
}

#[test]
fn snapshot_hardware_a100_human() {
    insta::assert_snapshot!("hardware_a100_human", stdout_of(&["hardware", "a100"]));
}

// ---------------------------------------------------------------------------------------------
// Review follow-ups
// ---------------------------------------------------------------------------------------------

#[test]
fn offset_percent_without_intensity_is_rejected() {
    let stderr = app_error(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--zone",
        "FR",
        "--offset-percent",
        "50",
    ]);
    assert!(stderr.contains("--intensity"), "{stderr}");
}

#[test]
fn greener_options_after_a_zone_include_cleaner_zones() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "10",
        "--zone",
        "DE",
        "--format",
        "json",
    ]);
    let options = array(&report, "/greener_options");
    assert!(
        options
            .iter()
            .any(|o| o["zone"].is_string() && o["region"].is_null()),
        "no zone among the options: {options:?}"
    );
    assert!(
        options
            .iter()
            .all(|o| o["zone"].as_str() != Some("DE") || !o["region"].is_null()),
        "the job's own zone is offered: {options:?}"
    );
}

#[test]
fn default_utilization_is_its_own_defaulted_input() {
    let report = estimate_at_fr("A100 SXM4 80GB");
    assert_eq!(origin_of(&report, "device power"), "estimated");
    assert_eq!(origin_of(&report, "utilization"), "defaulted");
    let given = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--zone",
        "FR",
        "--utilization",
        "0.8",
        "--format",
        "json",
    ]);
    assert_eq!(origin_of(&given, "utilization"), "given");
}

#[test]
fn a_search_that_names_one_zone_lists_only_it() {
    let rows = json_of(&["zones", "US-IA", "--format", "json"]);
    let rows = rows.as_array().expect("array");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["id"], "US-IA");
    let rows = json_of(&["hardware", "A100SXM480GB", "--format", "json"]);
    assert_eq!(rows.as_array().expect("array").len(), 1);
}

#[test]
fn the_cpu_table_is_listed_and_searchable() {
    let rows = json_of(&["hardware", "--cpus", "epyc 7763", "--format", "json"]);
    let rows = rows.as_array().expect("array");
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r["name"].as_str().is_some_and(|n| n.contains("7763"))),
        "{rows:?}"
    );
    let report = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--zone",
        "FR",
        "--cpu",
        "AMD EPYC 7763",
        "--ram-gb",
        "512",
        "--format",
        "json",
    ]);
    assert_eq!(array(&report, "/components").len(), 3);
}

#[test]
fn latex_is_refused_by_list_commands_at_parse_time() {
    usage_error(&["zones", "--format", "latex"]);
}

// ---------------------------------------------------------------------------------------------
// Tracking: `run`, `monitor`, `runs`, `show`, `export`, `config`
// ---------------------------------------------------------------------------------------------

mod tracking;

// Distributed jobs: `--job`, ranks, `jobs`, `show job:KEY`
mod jobs;

// ---------------------------------------------------------------------------------------------
// Acting on the estimate: `advise`, `plan-search`, `schedule`, inference, embodied, prediction
// ---------------------------------------------------------------------------------------------

mod act;

// ---------------------------------------------------------------------------------------------
// Faults: closed or full streams, exit codes, bounded inputs, permissions
// ---------------------------------------------------------------------------------------------

mod hardening;

// ---------------------------------------------------------------------------------------------
// The web API answers what the CLI prints: advise, schedule, plan-search, inference
// ---------------------------------------------------------------------------------------------

mod api_parity;

/// The published calculator's one provider whose only region has no code (Scaleway, Paris):
/// `--provider scaleway` alone is its whole location, as on the calculator's page.
#[test]
fn compat_mlco2_takes_a_single_region_provider_without_region() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "Tesla V100-PCIE-16GB",
        "--hours",
        "10",
        "--provider",
        "scaleway",
        "--compat",
        "mlco2",
        "--format",
        "json",
    ]);
    assert_eq!(report["emissions_kg"], 0.3, "{report}");
}

// ---------------------------------------------------------------------------------------------
// Slurm accounting: `slurm report`
// ---------------------------------------------------------------------------------------------

mod slurm;
/// `slurm report --basis`: the description's zones on the basis asked for.
mod slurm_basis;
/// `slurm report` with jobs that mlcarbon's own tracker measured.
mod slurm_tracked;

/// `serve --db postgresql://...` on a throwaway PostgreSQL cluster.
mod postgres;

// Accounts of a team server: `serve token ...`, `serve project ...`.
mod accounts;

#[test]
fn runs_says_which_filter_matched_nothing_and_refuses_limit_0() {
    let dir = temp_dir("runs-no-match");
    let db = dir.join("runs.sqlite");
    let db = db.to_str().expect("UTF-8 path");
    let mut cmd = mlcarbon();
    cmd.env("HOME", &dir);
    stdout_with(
        cmd,
        &[
            "run", "--quiet", "--db", db, "--replay", "demo", "--zone", "FR", "--", "true",
        ],
    );
    let out = stdout_with(
        mlcarbon(),
        &[
            "runs",
            "--db",
            db,
            "--project",
            "nope",
            "--status",
            "failed",
        ],
    );
    assert_eq!(out, "No runs match --project nope --status failed.\n");
    let out = stdout_with(mlcarbon(), &["runs", "--db", db]);
    assert!(out.contains("finished"), "{out}");
    let stderr = usage_error(&["runs", "--db", db, "--limit", "0"]);
    assert!(stderr.contains("--limit"), "{stderr}");
    let stderr = usage_error(&["runs", "--db", db, "--status", "bogus"]);
    assert!(stderr.contains("expected one of: running"), "{stderr}");
    // No rows asked for is a mistake, not an empty answer.
    let stderr = usage_error(&[
        "compare",
        "--hardware",
        "A100",
        "--hours",
        "1",
        "--zone",
        "FR",
        "--limit",
        "0",
    ]);
    assert!(stderr.contains("--limit"), "{stderr}");
}
