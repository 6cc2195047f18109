//! `slurm report` with runs that `srun mlcarbon run` stored (job keys `slurm:JOB[.STEP]`): the
//! tracker's measured energy replaces exactly those jobs' figures, from a file with `--db` and
//! from the database, and the totals are the sum.

use std::collections::BTreeMap;

use serde_json::Value;

use super::num;
use super::slurm::fixture;
use crate::tracking::Sandbox;

/// The fixture cluster's PUE and grid intensity (kg per kWh).
const CLUSTER_PUE: f64 = 1.2;
const CLUSTER_KG_PER_KWH: f64 = 0.1;

/// `mlcarbon run` inside a Slurm job on `host`, with the Slurm variables in `slurm`.
fn tracked_run(s: &Sandbox, trace: &str, host: &str, slurm: &[(&str, &str)]) {
    let mut cmd = s.command();
    cmd.env("MLCARBON_HOST", host);
    for (name, value) in slurm {
        cmd.env(name, value);
    }
    let out = cmd
        .args([
            "run",
            "--replay",
            trace,
            "--zone",
            "FR",
            "--pue",
            "1.5",
            "--interval",
            "0.1",
            "--",
            "sleep",
            "0.3",
        ])
        .output()
        .expect("mlcarbon starts");
    assert!(
        out.status.success(),
        "{host} {slurm:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `slurm report` in JSON with every job listed on top.
fn report(s: &Sandbox, source: &[&str], extra: &[&str]) -> Value {
    report_top(s, source, extra, "50")
}

fn report_top(s: &Sandbox, source: &[&str], extra: &[&str], top: &str) -> Value {
    let cluster = fixture("cluster.toml");
    let mut args = vec!["slurm", "report"];
    args.extend_from_slice(source);
    args.extend_from_slice(&["--cluster", &cluster, "--top", top, "--format", "json"]);
    args.extend_from_slice(extra);
    s.json(&args)
}

/// The top jobs by id: (method, energy, emissions).
fn jobs_of(report: &Value) -> BTreeMap<String, (String, f64, f64)> {
    report["top_jobs"]
        .as_array()
        .expect("top jobs")
        .iter()
        .map(|j| {
            (
                j["id"].as_str().expect("id").to_string(),
                (
                    j["method"].as_str().expect("method").to_string(),
                    j["energy_kwh"].as_f64().expect("energy"),
                    j["emissions_kg"].as_f64().expect("emissions"),
                ),
            )
        })
        .collect()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-6 + 1e-9 * b.abs(), "{what}: {a} vs {b}");
}

#[test]
fn tracked_jobs_replace_their_figures_and_the_rest_stay() {
    let s = Sandbox::new("slurm-tracked");
    let trace = s.trace(&[("cpu", "cpu", 100.0), ("gpu:0", "gpu", 300.0)]);
    // Job 1001: step 0 on host-a (rank 0 measures the machine, rank 1 only links), its batch
    // script on host-b; array task 1003_1 on host-a; job 9999 is not in the sacct file.
    let step = |rank: &'static str, local: &'static str| {
        [
            ("SLURM_JOB_ID", "1001"),
            ("SLURM_STEP_ID", "0"),
            ("SLURM_PROCID", rank),
            ("SLURM_LOCALID", local),
            ("SLURM_NTASKS", "2"),
        ]
    };
    tracked_run(&s, &trace, "host-a", &step("0", "0"));
    tracked_run(&s, &trace, "host-a", &step("1", "1"));
    tracked_run(&s, &trace, "host-b", &[("SLURM_JOB_ID", "1001")]);
    tracked_run(
        &s,
        &trace,
        "host-a",
        &[
            ("SLURM_JOB_ID", "1010"),
            ("SLURM_ARRAY_JOB_ID", "1003"),
            ("SLURM_ARRAY_TASK_ID", "1"),
        ],
    );
    tracked_run(&s, &trace, "host-c", &[("SLURM_JOB_ID", "9999")]);

    // What the tracker measured, as IT energy (each run's own PUE, 1.5, taken out).
    let runs = s.json(&["runs", "--format", "json"]);
    let mut it = BTreeMap::<String, f64>::new();
    for run in runs.as_array().expect("runs") {
        let key = run["job_key"].as_str().expect("job key");
        let job = key
            .trim_start_matches("slurm:")
            .split('.')
            .next()
            .expect("id");
        *it.entry(job.to_string()).or_default() += num(run, "/energy_kwh") / 1.5;
    }
    assert!(it["1001"] > 0.0 && it["1003_1"] > 0.0, "{it:?}");

    let file = fixture("traps.psv");
    let db = s.db();
    let db = db.to_str().expect("UTF-8 path");
    // Without --db, a file's report reads no runs.
    let plain = report(&s, &[&file], &[]);
    assert_eq!(plain["tracked_jobs"], 0);
    let tracked = report(&s, &[&file, "--db", db], &["--by", "account"]);
    assert_eq!(tracked["tracked_jobs"], 2, "1001 and 1003_1, not 9999");
    assert_eq!(num(&tracked, "/totals/tracked_jobs"), 2.0);
    assert_eq!(tracked["totals"]["jobs"], plain["totals"]["jobs"]);

    let before = jobs_of(&plain);
    let after = jobs_of(&tracked);
    assert_eq!(before.len(), after.len());
    let mut expected_energy = num(&plain, "/totals/energy_kwh");
    let mut expected_emissions = num(&plain, "/totals/emissions_kg");
    for (id, (method, energy, emissions)) in &after {
        match it.get(id) {
            Some(measured) => {
                assert_eq!(method, "tracked", "{id}");
                close(*energy, measured * CLUSTER_PUE, id);
                close(*emissions, measured * CLUSTER_PUE * CLUSTER_KG_PER_KWH, id);
                expected_energy += energy - before[id].1;
                expected_emissions += emissions - before[id].2;
            }
            None => assert_eq!(before[id], after[id], "{id} is unchanged"),
        }
    }
    close(
        num(&tracked, "/totals/energy_kwh"),
        expected_energy,
        "energy",
    );
    close(
        num(&tracked, "/totals/emissions_kg"),
        expected_emissions,
        "emissions",
    );
    close(
        num(&tracked, "/totals/tracked_energy_kwh"),
        it["1001"] + it["1003_1"],
        "tracked IT energy",
    );
    // Each group counts its own tracked jobs: 1001 is physics', 1003_1 bio's.
    let tracked_in = |account: &str| {
        tracked["groups"]
            .as_array()
            .expect("groups")
            .iter()
            .find(|g| g["key"][0] == account)
            .map(|g| g["tracked_jobs"].clone())
    };
    assert_eq!(tracked_in("physics"), Some(1.into()));
    assert_eq!(tracked_in("bio"), Some(1.into()));
    assert_eq!(tracked_in("vision"), Some(0.into()));

    // The same jobs imported into the database report the same, the totals kept per group
    // (a window on month boundaries) and job by job (a window inside months) alike.
    let cluster = fixture("cluster.toml");
    let imported = s.run(&[
        "slurm",
        "import",
        &file,
        "--cluster-name",
        "hpc",
        "--cluster",
        &cluster,
        "--db",
        db,
    ]);
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let stored = report(&s, &["--from-db", "--db", db], &["--by", "account"]);
    for part in ["totals", "groups", "top_jobs", "tracked_jobs"] {
        assert_eq!(stored[part], tracked[part], "{part}");
    }
    // A month window and a short top list: tracked jobs re-ranked from the totals per group.
    for top in ["1", "2", "3"] {
        let window = [
            "--since",
            "2026-01-01",
            "--until",
            "2026-01-31",
            "--by",
            "user",
        ];
        let stored = report_top(&s, &["--from-db", "--db", db], &window, top);
        let file = report_top(&s, &[&file, "--db", db], &window, top);
        for part in ["totals", "groups", "top_jobs", "tracked_jobs"] {
            assert_eq!(stored[part], file[part], "{part}, top {top}");
        }
    }
    let window = ["--since", "2026-01-02"];
    let stored_inside = report(&s, &["--from-db", "--db", db], &window);
    let file_inside = report(&s, &[&file, "--db", db], &window);
    for part in ["totals", "top_jobs", "tracked_jobs"] {
        assert_eq!(stored_inside[part], file_inside[part], "{part}");
    }

    let human = s.run(&["slurm", "report", &file, "--db", db, "--cluster", &cluster]);
    let csv = s.run(&[
        "slurm",
        "report",
        &file,
        "--db",
        db,
        "--cluster",
        &cluster,
        "--format",
        "csv",
    ]);
    let csv = String::from_utf8_lossy(&csv.stdout);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let row: Vec<&str> = lines.next().expect("totals row").split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "tracked_jobs")
        .expect("tracked_jobs column");
    assert_eq!(row[column], "2", "{csv}");
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(
        text.contains("tracked      2 jobs measured by mlcarbon's tracker"),
        "{text}"
    );
}
