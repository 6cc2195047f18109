//! `advise`, `plan-search`, `schedule`, `estimate --requests` (inference), embodied emissions,
//! `estimate --epochs` (prediction) and `run --intensity-profile`. Profiles are synthetic files
//! with a known optimum; `--now` fixes the clock so the answers do not depend on the day.

use std::path::PathBuf;
use std::process::Command as StdCommand;

use serde_json::Value;

use super::{app_error, array, assert_close, json_of, num, stdout_of, temp_dir, text, usage_error};

fn close(actual: f64, expected: f64, relative: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= relative * expected.abs().max(1e-12),
        "{what}: {actual} is not {expected}"
    );
}

/// A file in a fresh folder of this test.
fn write_file(test: &str, name: &str, content: &str) -> PathBuf {
    let path = temp_dir(&format!("act-{test}")).join(name);
    std::fs::write(&path, content).expect("write the file");
    path
}

/// `hour,g_per_kwh`: 500 g/kWh except 22:00–02:00 UTC at 50 (the optimum crosses midnight).
fn night_profile() -> String {
    let mut text = String::from("# synthetic: clean from 22:00 to 02:00 UTC\nhour,g_per_kwh\n");
    for hour in 0..24 {
        let g = if (2..22).contains(&hour) { 500 } else { 50 };
        text.push_str(&format!("{hour},{g}\n"));
    }
    text
}

// ---------------------------------------------------------------------------------------------
// plan-search
// ---------------------------------------------------------------------------------------------

const TRIAL: &[&str] = &[
    "--hardware",
    "A100 SXM4 80GB",
    "--hours",
    "2",
    "--intensity",
    "100",
    "--pue",
    "1",
    "--utilization",
    "1",
];

fn plan(extra: &[&str]) -> Value {
    let mut args = vec!["plan-search"];
    args.extend_from_slice(TRIAL);
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--format", "json"]);
    json_of(&args)
}

#[test]
fn plan_search_defaults_give_59_random_trials_against_a_60_trial_grid() {
    let report = plan(&["--grid", "lr=5,batch=4,wd=3"]);
    assert_eq!(num(&report, "/grid_trials"), 60.0);
    assert_eq!(num(&report, "/random_trials"), 59.0);
    assert_eq!(num(&report, "/top_fraction"), 0.05);
    assert_eq!(num(&report, "/probability"), 0.95);
    // One trial: 400 W × 2 h = 0.8 kWh at 100 g/kWh = 0.08 kg.
    assert_close(num(&report, "/trial/emissions_kg"), 0.08, "one trial");
    close(
        num(&report, "/grid_cost/emissions/value"),
        60.0 * 0.08,
        1e-12,
        "grid",
    );
    close(
        num(&report, "/random_cost/emissions/value"),
        59.0 * 0.08,
        1e-12,
        "random",
    );
    close(num(&report, "/random_saving"), 0.08, 1e-9, "saving");
    assert!(report["halving"].is_null());
    let human = stdout_of(&[
        "plan-search",
        "--grid",
        "lr=5,batch=4,wd=3",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "2",
        "--zone",
        "DE",
    ]);
    assert!(human.contains("grid trials: 60"), "{human}");
    assert!(human.contains("random trials: 59"), "{human}");
}

#[test]
fn plan_search_takes_q_p_trials_and_successive_halving() {
    let report = plan(&["--trials", "100", "--top", "0.5", "--probability", "0.75"]);
    assert_eq!(num(&report, "/grid_trials"), 100.0);
    assert_eq!(num(&report, "/random_trials"), 2.0);
    assert_eq!(text(&report, "/planned_from"), "trials");

    let report = plan(&["--grid", "lr=5,batch=4,wd=3", "--halving"]);
    let rungs = array(&report, "/halving/rungs");
    let trials: Vec<f64> = rungs.iter().map(|r| num(r, "/trials")).collect();
    assert_eq!(trials, [59.0, 19.0, 6.0, 2.0], "η = 3 from 1/27 of a trial");
    let budget = num(&report, "/halving/total_budget");
    close(
        budget,
        59.0 / 27.0 + 19.0 / 9.0 + 6.0 / 3.0 + 2.0,
        1e-9,
        "budget",
    );
    close(
        num(&report, "/halving_cost/emissions/value"),
        budget * 0.08,
        1e-9,
        "halving emissions",
    );

    let report = plan(&[
        "--trials",
        "81",
        "--top",
        "0.01",
        "--halving",
        "--eta",
        "3",
        "--min-budget",
        "0.012345679012345678",
    ]);
    assert!(num(&report, "/random_trials") > 81.0);
}

#[test]
fn plan_search_from_a_stored_run() {
    let s = Sandbox::new("plan-search-run");
    s.track(&["--zone", "FR"], "true");
    let report = s.json(&[
        "plan-search",
        "--grid",
        "a=2,b=2",
        "--run",
        "last",
        "--format",
        "json",
    ]);
    assert_eq!(num(&report, "/grid_trials"), 4.0);
    assert!(num(&report, "/trial/emissions_kg") > 0.0);
}

// ---------------------------------------------------------------------------------------------
// schedule
// ---------------------------------------------------------------------------------------------

#[test]
fn schedule_finds_the_known_optimum_across_midnight() {
    let profile = write_file("night", "night.csv", &night_profile());
    let report = json_of(&[
        "schedule",
        "--profile",
        profile.to_str().expect("path"),
        "--hours",
        "4",
        "--within",
        "24",
        "--now",
        "2026-01-01T12:00:00Z",
        "--energy-kwh",
        "10",
        "--pue",
        "1",
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/best_start"), "2026-01-01T22:00:00Z");
    assert_eq!(text(&report, "/best_end"), "2026-01-02T02:00:00Z");
    assert_eq!(num(&report, "/best_wait_hours"), 10.0);
    assert_eq!(num(&report, "/best_intensity_g_per_kwh"), 50.0);
    assert_eq!(num(&report, "/now_intensity_g_per_kwh"), 500.0);
    close(
        num(&report, "/average_intensity_g_per_kwh"),
        (4.0 * 50.0 + 20.0 * 500.0) / 24.0,
        1e-12,
        "profile average",
    );
    close(
        num(&report, "/saving_vs_now_percent"),
        90.0,
        1e-12,
        "vs now",
    );
    // 10 kWh × 50 g/kWh = 0.5 kg; starting now 5 kg.
    close(num(&report, "/emissions/best_kg"), 0.5, 1e-12, "best");
    close(num(&report, "/emissions/now_kg"), 5.0, 1e-12, "now");
    close(
        num(&report, "/emissions/saving_vs_now_kg"),
        4.5,
        1e-12,
        "saving",
    );
    assert_eq!(text(&report, "/profile/kind"), "hour_of_day");
    let windows = array(&report, "/windows");
    assert_eq!(text(&windows[0], "/start"), "2026-01-01T22:00:00Z");
    assert!(windows.len() > 1);
}

#[test]
fn schedule_with_a_fractional_now_and_the_end_of_an_hourly_profile() {
    // A 48-hour series: 300 g/kWh, then its last 3 hours at 100 (the best window is at the end).
    let mut csv = String::from("timestamp,g_per_kwh\n");
    for h in 0..48 {
        let g = if h >= 45 { 100 } else { 300 };
        csv.push_str(&format!(
            "2026-05-{:02}T{:02}:00:00Z,{g}\n",
            1 + h / 24,
            h % 24
        ));
    }
    let profile = write_file("series", "series.csv", &csv);
    let path = profile.to_str().expect("path");
    let report = json_of(&[
        "schedule",
        "--profile",
        path,
        "--hours",
        "3",
        "--within",
        "72",
        "--now",
        "2026-05-01T10:30:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/best_start"), "2026-05-02T21:00:00Z");
    assert_eq!(
        report["truncated"], true,
        "the window runs past the profile"
    );
    assert_eq!(text(&report, "/searched_until"), "2026-05-03T00:00:00Z");
    assert_eq!(num(&report, "/best_intensity_g_per_kwh"), 100.0);
    assert_eq!(text(&report, "/profile/kind"), "hourly");
    // Before the series starts: one line, exit 2.
    let stderr = app_error(&[
        "schedule",
        "--profile",
        path,
        "--hours",
        "3",
        "--within",
        "24",
        "--now",
        "2026-04-01T00:00:00Z",
    ]);
    assert!(stderr.contains("profile starts"), "{stderr}");
}

#[test]
fn schedule_uses_the_built_in_profiles() {
    let report = json_of(&[
        "schedule",
        "--zone",
        "US-CAL-CISO",
        "--hours",
        "6",
        "--within",
        "48",
        "--now",
        "2026-03-01T12:00:00Z",
        "--format",
        "json",
    ]);
    for key in [
        "best_start",
        "best_intensity_g_per_kwh",
        "now_intensity_g_per_kwh",
        "average_intensity_g_per_kwh",
        "windows",
    ] {
        assert!(report.get(key).is_some(), "no {key} in {report:#}");
    }
    assert_eq!(text(&report, "/profile/kind"), "month_hour");
    assert!(num(&report, "/best_intensity_g_per_kwh") <= num(&report, "/now_intensity_g_per_kwh"));
    // In 2022 the hourly series is used; an alias names the zone.
    let report = json_of(&[
        "schedule",
        "--zone",
        "CISO",
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
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/profile/kind"), "hourly");
    assert_eq!(text(&report, "/profile/zone"), "US-CAL-CISO");
    assert!(num(&report, "/emissions/best_kg") < num(&report, "/emissions/now_kg"));
    let human = stdout_of(&[
        "schedule",
        "--zone",
        "US-TEX-ERCO",
        "--hours",
        "3",
        "--within",
        "24",
        "--now",
        "2026-08-01T00:00:00Z",
    ]);
    assert!(human.contains("best start"), "{human}");
    assert!(human.contains("Good windows"), "{human}");
}

#[test]
fn schedule_refuses_a_zone_without_a_profile_listing_those_with_one() {
    let stderr = app_error(&["schedule", "--zone", "FR", "--hours", "3", "--within", "24"]);
    assert!(stderr.contains("US-CAL-CISO"), "{stderr}");
    // Chicago's region: Illinois borrows no pattern (MISO's would be the wrong grid's).
    let stderr = app_error(&[
        "schedule",
        "--provider",
        "azure",
        "--region",
        "westus2",
        "--hours",
        "3",
        "--within",
        "24",
    ]);
    assert!(stderr.contains("US-NW-GCPD"), "{stderr}");
}

#[test]
fn schedule_in_a_state_borrows_its_balancing_authoritys_pattern() {
    // Cloud regions map to balancing authorities now; a state zone still borrows one's pattern.
    let run = |now: &str| {
        json_of(&[
            "schedule", "--zone", "US-VA", "--hours", "6", "--within", "24", "--now", now,
            "--format", "json",
        ])
    };
    let report = run("2026-11-26T16:00:00Z");
    assert_eq!(text(&report, "/profile/zone"), "US-VA");
    assert_eq!(text(&report, "/profile/pattern_of"), "US-MIDA-PJM");
    assert_eq!(text(&report, "/profile/kind"), "month_hour");
    // PJM's shape at Virginia's level: the profile's mean is the state's yearly figure.
    close(
        num(&report, "/average_intensity_g_per_kwh"),
        244.76,
        0.01,
        "Virginia's yearly mean",
    );
    assert!(num(&report, "/best_intensity_g_per_kwh") <= num(&report, "/now_intensity_g_per_kwh"));
    assert!(
        array(&report, "/notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("US-MIDA-PJM") && n.contains("SustainDC"))),
        "{report:#}"
    );
    // Hour by hour, the same ranking as PJM's own: which window is best does not change.
    let pjm = json_of(&[
        "schedule",
        "--zone",
        "US-MIDA-PJM",
        "--hours",
        "6",
        "--within",
        "24",
        "--now",
        "2026-11-26T16:00:00Z",
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/best_start"), text(&pjm, "/best_start"));
    // In 2022, the hourly series, scaled the same way.
    let report = run("2022-07-01T00:00:00Z");
    assert_eq!(text(&report, "/profile/kind"), "hourly");
}

// ---------------------------------------------------------------------------------------------
// advise
// ---------------------------------------------------------------------------------------------

fn advise(args: &[&str]) -> Value {
    let mut all = vec!["advise"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--format", "json"]);
    json_of(&all)
}

/// Every action has a positive saving that is `before − after`, ranked most kg first.
fn check_actions(report: &Value) -> &Vec<Value> {
    let actions = array(report, "/actions");
    let mut previous = f64::INFINITY;
    for a in actions {
        let (before, after, saving) = (num(a, "/before"), num(a, "/after"), num(a, "/saving"));
        assert!(saving > 0.0 && after >= 0.0, "{a:#}");
        close(saving, before - after, 1e-9, "saving");
        close(
            num(a, "/saving_percent"),
            saving / before * 100.0,
            1e-9,
            "percent",
        );
        assert!(saving <= previous, "not ranked: {actions:#?}");
        previous = saving;
        assert!(!text(a, "/caveat").is_empty() && !text(a, "/basis").is_empty());
    }
    actions
}

fn kinds(actions: &[Value]) -> Vec<&str> {
    actions.iter().map(|a| text(a, "/kind")).collect()
}

#[test]
fn advise_ranks_justified_actions_with_the_papers_caveat() {
    let report = advise(&[
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
    ]);
    let actions = check_actions(&report);
    let kinds = kinds(actions);
    for kind in ["region", "provider", "power_limit"] {
        assert!(kinds.contains(&kind), "no {kind} action: {kinds:?}");
    }
    assert!(
        array(&report, "/caveats")
            .iter()
            .any(|c| c.as_str().is_some_and(|c| c.contains("Lacoste"))),
        "{report:#}"
    );
    let human = stdout_of(&[
        "advise",
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
    ]);
    assert!(
        human.contains("saves %") && human.contains("cost in time"),
        "{human}"
    );
    assert!(human.contains("Lacoste et al. 2019"), "{human}");
}

#[test]
fn advise_gives_no_region_advice_in_the_providers_cleanest_region() {
    let compared = json_of(&[
        "compare",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "6",
        "--provider",
        "gcp",
        "--region",
        "us-central1",
        "--by",
        "regions",
        "--format",
        "json",
    ]);
    let cleanest = text(&array(&compared, "/alternatives")[0], "/region").to_string();
    let report = advise(&[
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "6",
        "--provider",
        "gcp",
        "--region",
        &cleanest,
    ]);
    let actions = check_actions(&report);
    assert!(
        !kinds(actions).contains(&"region"),
        "region advice in {cleanest}: {actions:#?}"
    );
    assert!(
        array(&report, "/rejected")
            .iter()
            .any(|r| r["kind"] == "region"),
        "the region candidate is listed as not advised: {report:#}"
    );
    // Elsewhere there is one.
    let report = advise(&[
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "6",
        "--provider",
        "gcp",
        "--region",
        "us-central1",
    ]);
    assert!(kinds(check_actions(&report)).contains(&"region"));
}

#[test]
fn advise_considers_a_later_start_and_a_cheaper_search() {
    let report = advise(&[
        "--hardware",
        "V100 SXM2 32GB",
        "--hours",
        "6",
        "--zone",
        "US-CAL-CISO",
        "--deadline",
        "24",
        "--now",
        "2026-03-01T12:00:00Z",
        "--grid",
        "lr=5,batch=4,wd=3",
    ]);
    let actions = check_actions(&report);
    let schedule = actions
        .iter()
        .find(|a| a["kind"] == "schedule")
        .expect("a schedule action");
    assert!(num(schedule, "/cost/delay") > 0.0);
    let search = actions
        .iter()
        .find(|a| a["kind"] == "search")
        .expect("a search action");
    assert!(text(search, "/label").contains("59"));
    assert_eq!(num(&report, "/search_trials"), 60.0);
    // Every saving is for the whole search: the grid's 60 trials.
    let one = num(&report, "/baseline/emissions_kg");
    close(num(search, "/before"), 60.0 * one, 1e-9, "grid");
    // A zone without a profile: the start time is not considered, and the output says why.
    let report = advise(&[
        "--hardware",
        "V100 SXM2 32GB",
        "--hours",
        "6",
        "--zone",
        "DE",
        "--deadline",
        "24",
    ]);
    assert!(!kinds(check_actions(&report)).contains(&"schedule"));
    assert!(
        array(&report, "/notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("no intensity profile"))),
        "{report:#}"
    );
}

#[test]
fn advise_on_a_stored_run() {
    let s = Sandbox::new("advise-run");
    s.track(&["--zone", "US-IA"], "true");
    let report = s.json(&["advise", "--run", "last", "--format", "json"]);
    assert!(text(&report, "/job").starts_with("run "));
    let actions = array(&report, "/actions");
    assert!(
        actions.iter().any(|a| a["kind"] == "provider"),
        "a cleaner provider for a run in Iowa: {report:#}"
    );
}

// ---------------------------------------------------------------------------------------------
// estimate --requests: inference
// ---------------------------------------------------------------------------------------------

#[test]
fn inference_with_measured_energy_amortizes_training_and_breaks_even() {
    // 0.3 Wh per request, PUE 1, 100 g/kWh: 0.03 g per request; 30 kg of training breaks even
    // after 1,000,000 requests; at 1 request/s, 1e6 / 86,400 days.
    let report = json_of(&[
        "estimate",
        "--requests",
        "1000000",
        "--energy-per-request-wh",
        "0.3",
        "--rate",
        "1",
        "--intensity",
        "100",
        "--pue",
        "1",
        "--training-kg",
        "30",
        "--format",
        "json",
    ]);
    assert_eq!(text(&report, "/mode"), "inference");
    close(
        num(&report, "/per_request/emissions_kg"),
        3e-5,
        1e-12,
        "per request",
    );
    close(
        num(&report, "/per_thousand/emissions_kg"),
        0.03,
        1e-12,
        "per 1,000",
    );
    close(
        num(&report, "/per_day/requests"),
        86_400.0,
        1e-12,
        "requests per day",
    );
    close(
        num(&report, "/total/emissions_kg"),
        30.0,
        1e-12,
        "the requests served",
    );
    close(
        num(&report, "/break_even/requests/value"),
        1e6,
        1e-9,
        "break-even",
    );
    close(
        num(&report, "/break_even/days/value"),
        1e6 / 86_400.0,
        1e-9,
        "break-even days",
    );
    close(
        num(&report, "/amortized/training_per_request/value"),
        3e-5,
        1e-9,
        "training per request",
    );
    close(
        num(&report, "/amortized/training_share_percent"),
        50.0,
        1e-9,
        "share",
    );
    let human = stdout_of(&[
        "estimate",
        "--requests",
        "1000000",
        "--energy-per-request-wh",
        "0.3",
        "--intensity",
        "100",
        "--training-kg",
        "30",
    ]);
    assert!(human.contains("break-even"), "{human}");
}

#[test]
fn inference_from_power_and_throughput_counts_idle_power() {
    let serve = |rate: &'static str| {
        json_of(&[
            "estimate",
            "--hardware",
            "A100 SXM4 80GB",
            "--utilization",
            "0.5",
            "--throughput",
            "20",
            "--rate",
            rate,
            "--intensity",
            "100",
            "--pue",
            "1",
            "--format",
            "json",
        ])
    };
    let report = serve("5");
    // Busy 25 % at 200 W, idle 75 % at 46 W (idle_power.csv): 84.5 W for 5 requests/s.
    close(
        num(&report, "/it_energy_per_request_wh"),
        84.5 / (5.0 * 3600.0),
        1e-9,
        "Wh per request",
    );
    assert_eq!(num(&report, "/replicas"), 1.0);
    close(num(&report, "/busy_share"), 0.25, 1e-12, "busy share");
    let idle = serve("1");
    assert!(
        num(&idle, "/per_request/energy_kwh") > num(&report, "/per_request/energy_kwh"),
        "an under-used replica spends more per request"
    );
    assert_eq!(num(&serve("50"), "/replicas"), 3.0);
}

#[test]
fn inference_with_a_training_run_and_bad_inputs() {
    let s = Sandbox::new("inference-run");
    s.track(&["--zone", "FR"], "true");
    let report = s.json(&[
        "estimate",
        "--requests",
        "1000",
        "--energy-per-request-wh",
        "1",
        "--zone",
        "FR",
        "--training-run",
        "last",
        "--format",
        "json",
    ]);
    assert!(text(&report, "/training/source").starts_with("run "));
    assert!(report["break_even"]["requests"]["value"].as_f64().is_some());
    for args in [
        vec![
            "estimate",
            "--requests",
            "10",
            "--hardware",
            "A100 SXM4 80GB",
            "--zone",
            "FR",
        ],
        vec![
            "estimate",
            "--requests",
            "10",
            "--hardware",
            "A100 SXM4 80GB",
            "--throughput",
            "5",
            "--zone",
            "FR",
        ],
        vec![
            "estimate",
            "--requests",
            "10",
            "--energy-per-request-wh",
            "1",
            "--hours",
            "3",
            "--zone",
            "FR",
        ],
    ] {
        app_error(&args);
    }
}

// ---------------------------------------------------------------------------------------------
// Embodied emissions: beside the operational ones, never in them
// ---------------------------------------------------------------------------------------------

#[test]
fn embodied_emissions_are_reported_beside_and_never_added() {
    // 8 × 400 W at 100 % for 72 h = 230.4 kWh; PUE 1, 100 g/kWh: 23.04 kg, embodied or not.
    let report = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--count",
        "8",
        "--hours",
        "72",
        "--intensity",
        "100",
        "--pue",
        "1",
        "--utilization",
        "1",
        "--format",
        "json",
    ]);
    close(
        num(&report, "/emissions_kg"),
        23.04,
        1e-12,
        "operational emissions",
    );
    let embodied = &report["embodied"];
    assert_eq!(embodied["included_in_emissions"], false);
    let parts = array(embodied, "/parts");
    assert_eq!(parts.len(), 1, "the cards only: no host described");
    // 150 kg per card × 8 × 72 h / 35,040 h (4 years).
    close(
        num(&parts[0], "/for_run_kg"),
        150.0 * 8.0 * 72.0 / 35_040.0,
        1e-12,
        "amortized share",
    );
    close(
        num(embodied, "/total_kg"),
        num(&parts[0], "/for_run_kg"),
        1e-12,
        "total",
    );
    assert!(num(embodied, "/total_kg_low") < num(embodied, "/total_kg"));
    assert!(num(embodied, "/total_kg_high") > num(embodied, "/total_kg"));
    assert_eq!(text(&parts[0], "/provenance/table"), "embodied.csv");

    // A given lifetime; a host described with --cpu and --ram-gb.
    let two_years = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--count",
        "8",
        "--hours",
        "72",
        "--zone",
        "FR",
        "--cpu",
        "AMD EPYC 7763",
        "--cpu-count",
        "2",
        "--ram-gb",
        "1024",
        "--lifetime-years",
        "2",
        "--format",
        "json",
    ]);
    let parts = array(&two_years, "/embodied/parts");
    assert_eq!(parts.len(), 2, "cards and host");
    close(
        num(&parts[0], "/for_run_kg"),
        150.0 * 8.0 * 72.0 / (2.0 * 8_760.0),
        1e-12,
        "two-year life",
    );
    // Host: 1000 kg + 100 kg for the second CPU + 1.388 kg × (1024 − 16) GB.
    close(
        num(&parts[1], "/per_unit_kg"),
        1000.0 + 100.0 + 1.388 * 1008.0,
        1e-9,
        "host",
    );

    // No figure for a TPU: no parts, and a note saying so.
    let tpu = json_of(&[
        "estimate",
        "--hardware",
        "tpu v3",
        "--hours",
        "10",
        "--zone",
        "FR",
        "--format",
        "json",
    ]);
    assert!(array(&tpu, "/embodied/parts").is_empty());
    assert_eq!(num(&tpu, "/embodied/total_kg"), 0.0);

    let human = stdout_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--count",
        "8",
        "--hours",
        "72",
        "--zone",
        "FR",
    ]);
    assert!(
        human
            .lines()
            .any(|l| l.starts_with("embodied") && l.contains("not in them")),
        "{human}"
    );
    let statement = stdout_of(&[
        "statement",
        "--hardware",
        "A100 SXM4 80GB",
        "--count",
        "8",
        "--hours",
        "72",
        "--zone",
        "FR",
        "--long",
    ]);
    assert!(
        statement.contains("Manufacturing") && statement.contains("reported separately"),
        "{statement}"
    );
}

#[test]
fn estimate_json_without_the_new_flags_only_gains_embodied() {
    let report = json_of(&[
        "estimate",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--zone",
        "FR",
        "--format",
        "json",
    ]);
    assert!(report.get("prediction").is_none());
    assert_eq!(text(&report, "/mode"), "estimate");
    assert!(report["embodied"].is_object());
}

// ---------------------------------------------------------------------------------------------
// Prediction
// ---------------------------------------------------------------------------------------------

#[test]
fn estimate_predicts_a_partial_run_from_epochs() {
    // 40 kWh in 6 h for 3 of 10 epochs: 133.3 kWh and 20 h in all; PUE 1, 100 g/kWh.
    let report = json_of(&[
        "estimate",
        "--energy-kwh",
        "40",
        "--epochs",
        "3/10",
        "--elapsed-hours",
        "6",
        "--intensity",
        "100",
        "--pue",
        "1",
        "--format",
        "json",
    ]);
    let p = &report["prediction"];
    close(num(p, "/progress"), 0.3, 1e-12, "progress");
    // One layout for ranges: `X` with `X_low` and `X_high` beside it, never a nested object.
    for (key, value) in p.as_object().expect("prediction object") {
        assert!(!value.is_object() || key == "range_basis", "{key} nested");
    }
    assert!(num(p, "/total_emissions_kg_low") <= num(p, "/total_emissions_kg"));
    assert!(num(p, "/total_emissions_kg") <= num(p, "/total_emissions_kg_high"));
    close(
        num(p, "/total_it_energy_kwh"),
        400.0 / 3.0,
        1e-12,
        "total energy",
    );
    close(num(p, "/total_hours"), 20.0, 1e-12, "total time");
    close(num(p, "/remaining_hours"), 14.0, 1e-12, "time left");
    close(
        num(p, "/total_emissions_kg"),
        400.0 / 3.0 * 0.1,
        1e-9,
        "total kg",
    );
    close(
        num(p, "/remaining_emissions_kg"),
        (400.0 / 3.0 - 40.0) * 0.1,
        1e-9,
        "kg left",
    );
    assert_eq!(
        num(&report, "/hours"),
        6.0,
        "the estimate is of the run so far"
    );
    let same = json_of(&[
        "estimate",
        "--energy-kwh",
        "40",
        "--progress",
        "0.3",
        "--hours",
        "6",
        "--intensity",
        "100",
        "--pue",
        "1",
        "--format",
        "json",
    ]);
    close(
        num(&same, "/prediction/total_it_energy_kwh"),
        400.0 / 3.0,
        1e-12,
        "--progress",
    );
    app_error(&[
        "estimate",
        "--epochs",
        "3/10",
        "--elapsed-hours",
        "6",
        "--zone",
        "FR",
    ]);
    app_error(&[
        "estimate",
        "--energy-kwh",
        "40",
        "--epochs",
        "3/10",
        "--zone",
        "FR",
    ]);
}

// ---------------------------------------------------------------------------------------------
// Bad input: one line, exit 2
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_act_inputs_are_one_line_and_exit_2() {
    // A value out of its described range is refused as the flag is read (a usage error), with
    // the model's own words.
    let stderr = usage_error(&[
        "plan-search",
        "--grid",
        "lr=2",
        "--top",
        "2",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--zone",
        "FR",
    ]);
    assert!(stderr.contains("must be a fraction in (0, 1]"), "{stderr}");
    let bad_profile = write_file("bad-profile", "bad.csv", "hour,g_per_kwh\n0,100\n0,200\n");
    let bad = bad_profile.to_str().expect("path");
    for args in [
        vec![
            "plan-search",
            "--grid",
            "lr=0",
            "--hardware",
            "A100 SXM4 80GB",
            "--hours",
            "1",
            "--zone",
            "FR",
        ],
        vec!["plan-search", "--grid", "lr=2", "--zone", "FR"],
        vec![
            "schedule",
            "--zone",
            "US-CAL-CISO",
            "--hours",
            "6",
            "--within",
            "2",
        ],
        vec!["schedule", "--zone", "US-CAL-CISO", "--within", "24"],
        vec![
            "schedule",
            "--zone",
            "US-CAL-CISO",
            "--hours",
            "6",
            "--within",
            "24",
            "--now",
            "yesterday",
        ],
        vec![
            "schedule",
            "--profile",
            bad,
            "--hours",
            "1",
            "--within",
            "24",
        ],
        vec!["schedule", "--hours", "1", "--within", "24"],
        vec!["advise", "--hardware", "A100 SXM4 80GB", "--hours", "1"],
        vec![
            "advise",
            "--hardware",
            "A100 SXM4 80GB",
            "--hours",
            "1",
            "--zone",
            "FR",
            "--grid",
            "lr",
        ],
        vec!["estimate", "--requests", "10", "--zone", "FR"],
        vec![
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
            "--lifetime-years",
            "3",
        ],
    ] {
        let stderr = app_error(&args);
        if args.contains(&bad) {
            assert!(stderr.contains("line 3"), "the bad line is named: {stderr}");
        }
    }
    app_error(&[
        "plan-search",
        "--hardware",
        "A100 SXM4 80GB",
        "--hours",
        "1",
        "--zone",
        "FR",
    ]);
    super::usage_error(&[
        "estimate",
        "--epochs",
        "11/10",
        "--energy-kwh",
        "1",
        "--zone",
        "FR",
    ]);
}

// ---------------------------------------------------------------------------------------------
// run --intensity-profile
// ---------------------------------------------------------------------------------------------

/// A test's own database and configuration for the commands that read or write runs.
struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new(name: &str) -> Self {
        let dir = temp_dir(&format!("act-sandbox-{name}"));
        let trace = "t_s,key,kind,watts\n0,gpu:0,gpu,360\n3600,gpu:0,gpu,360\n";
        std::fs::write(dir.join("trace.csv"), trace).expect("write trace");
        Sandbox { dir }
    }

    fn command(&self) -> StdCommand {
        let mut cmd = StdCommand::new(env!("CARGO_BIN_EXE_mlcarbon"));
        cmd.env_remove("MLCARBON_DATA_DIR")
            .env("MLCARBON_DB", self.dir.join("runs.sqlite"))
            .env("MLCARBON_CONFIG", self.dir.join("config"))
            .env("RUST_BACKTRACE", "1")
            .current_dir(&self.dir);
        cmd
    }

    /// `mlcarbon run -q --replay trace.csv FLAGS -- sh -c SCRIPT`, which must succeed.
    fn track(&self, flags: &[&str], script: &str) {
        let trace = self.dir.join("trace.csv");
        let mut args = vec![
            "run",
            "-q",
            "--interval",
            "0.2",
            "--replay",
            trace.to_str().expect("path"),
        ];
        args.extend_from_slice(flags);
        args.extend_from_slice(&["--", "sh", "-c", script]);
        let out = self
            .command()
            .args(&args)
            .output()
            .expect("mlcarbon starts");
        assert!(
            out.status.success(),
            "mlcarbon {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn json(&self, args: &[&str]) -> Value {
        let out = self.command().args(args).output().expect("mlcarbon starts");
        assert!(
            out.status.success(),
            "mlcarbon {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    }
}

#[test]
fn a_run_with_an_intensity_profile_charges_each_sample_its_hours_intensity() {
    let s = Sandbox::new("profile-run");
    let mut flat = String::from("hour,g_per_kwh\n");
    for hour in 0..24 {
        flat.push_str(&format!("{hour},123\n"));
    }
    let profile = s.dir.join("flat.csv");
    std::fs::write(&profile, flat).expect("write profile");
    // The yearly average of FR is far from 123 g/kWh: the profile is what counts.
    s.track(
        &[
            "--zone",
            "FR",
            "--intensity-profile",
            profile.to_str().expect("path"),
        ],
        "sleep 1",
    );
    let shown = s.json(&["show", "last", "--format", "json"]);
    let run = &shown["run"];
    assert_eq!(text(run, "/intensity_origin"), "profile");
    assert_eq!(num(run, "/intensity_g_per_kwh"), 123.0);
    close(
        num(run, "/emissions_kg"),
        num(run, "/energy_kwh") * 0.123,
        1e-9,
        "emissions = Σ energy × 123 g/kWh",
    );
    let out = s
        .command()
        .args(["export", "last", "--samples", "--format", "jsonl"])
        .output()
        .expect("export");
    let samples = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(samples.lines().count() >= 3, "{samples}");
    for line in samples.lines() {
        let sample: Value = serde_json::from_str(line).expect("JSON line");
        assert_eq!(num(&sample, "/intensity_g_per_kwh"), 123.0, "{line}");
    }
    // The built-in profile of a balancing authority; none for FR (one line, exit 2, before the
    // command starts).
    s.track(
        &["--zone", "US-CAL-CISO", "--intensity-profile", "builtin"],
        "true",
    );
    let runs = s.json(&["runs", "--format", "json"]);
    assert_eq!(runs[0]["intensity_origin"], "profile");
    let out = s
        .command()
        .args([
            "run",
            "-q",
            "--zone",
            "FR",
            "--intensity-profile",
            "builtin",
            "--",
            "touch",
            "ran",
        ])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(out.status.code(), Some(125), "run's own error");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("US-CAL-CISO"), "{stderr}");
    assert!(!s.dir.join("ran").exists(), "the command did not start");
}

#[test]
fn the_summary_of_a_run_shows_embodied_and_what_the_rest_will_emit() {
    let s = Sandbox::new("summary");
    let trace = s.dir.join("trace.csv");
    let out = s
        .command()
        .args([
            "run",
            "--interval",
            "0.2",
            "--replay",
            trace.to_str().expect("path"),
            "--zone",
            "FR",
            "--",
            "sh",
            "-c",
            "echo 10% > \"$MLCARBON_PROGRESS_FILE\"; sleep 0.7; echo 20% > \"$MLCARBON_PROGRESS_FILE\"; sleep 0.7; exit 1",
        ])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("  embodied "), "{stderr}");
    assert!(stderr.contains("the remaining 80 % would add"), "{stderr}");
    let shown = s.command().args(["show", "last"]).output().expect("show");
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains("the remaining 80 % would add"), "{text}");
    let statement = s
        .command()
        .args(["statement", "--run", "last", "--long"])
        .output()
        .expect("statement");
    let statement = String::from_utf8_lossy(&statement.stdout);
    assert!(statement.contains("reported separately"), "{statement}");
}
