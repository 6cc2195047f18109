//! `slurm report` on the Slurm crate's fixtures: the JSON fields, GA4HPC's totals, standard
//! input, and the one-line errors.

use assert_cmd::Command;

use super::{app_error, json_of, mlcarbon, num, text};

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mlcarbon-slurm/tests/fixtures"
);

pub(super) fn fixture(name: &str) -> String {
    format!("{FIXTURES}/{name}")
}

#[test]
fn ga4hpc_compat_prints_its_totals_in_the_documented_fields() {
    let json = json_of(&[
        "slurm",
        "report",
        &fixture("ga4hpc_user.psv"),
        "--compat",
        "ga4hpc",
        "--cluster-info",
        &fixture("ga4hpc_cluster_info.yaml"),
        "--format",
        "json",
    ]);
    assert_eq!(text(&json, "/method"), "ga4hpc");
    // GA4HPC's own output for this file (see the Slurm crate's test of the same name).
    let close = |pointer: &str, expected: f64| {
        let value = num(&json, pointer);
        assert!(
            (value - expected).abs() <= 1e-9 * expected,
            "{pointer}: {value}"
        );
    };
    close("/totals/energy_kwh", 11.931647330208335);
    close("/totals/emissions_kg", 2.3863294660416664);
    close("/totals/cpu_energy_kwh", 0.4793833333333334);
    close("/totals/gpu_energy_kwh", 6.9);
    close("/totals/ram_energy_kwh", 0.5750482201388889);
    assert_eq!(num(&json, "/totals/jobs"), 7.0);
    assert_eq!(num(&json, "/totals/failed_jobs"), 3.0);
    assert!(json.pointer("/mlcarbon_totals").is_none());
}

#[test]
fn the_default_method_reads_standard_input_and_groups() {
    let input = std::fs::read(fixture("traps.psv")).expect("fixture");
    let output = mlcarbon()
        .args([
            "slurm",
            "report",
            "-",
            "--cluster",
            &fixture("cluster.toml"),
            "--by",
            "state",
            "--format",
            "json",
        ])
        .write_stdin(input)
        .output()
        .expect("mlcarbon starts");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(num(&json, "/totals/jobs"), 8.0);
    assert_eq!(num(&json, "/unfinished_jobs_skipped"), 2.0);
    assert_eq!(text(&json, "/groups/0/key/0"), "CANCELLED");
    assert_eq!(text(&json, "/top_jobs/0/id"), "1002");
    assert_eq!(text(&json, "/partitions/1/gpu/name"), "A100 SXM4 80GB");
}

#[test]
fn compat_with_a_cluster_says_how_far_mlcarbon_is() {
    let json = json_of(&[
        "slurm",
        "report",
        &fixture("ga4hpc_user.psv"),
        "--compat",
        "ga4hpc",
        "--cluster-info",
        &fixture("ga4hpc_cluster_info.yaml"),
        "--cluster",
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../docs/examples/cluster.toml"
        ),
        "--format",
        "json",
    ]);
    let own = num(&json, "/mlcarbon_totals/energy_kwh");
    let compat = num(&json, "/totals/energy_kwh");
    let percent = num(&json, "/mlcarbon_minus_compat/energy_percent");
    assert!(((own - compat) / compat * 100.0 - percent).abs() < 1e-9);
}

#[test]
fn mistakes_get_one_line_with_the_fix() {
    let traps = fixture("traps.psv");
    let cluster = fixture("cluster.toml");
    let missing = app_error(&["slurm", "report", &traps]);
    assert!(missing.contains("give --cluster cluster.toml"), "{missing}");
    let date = app_error(&[
        "slurm",
        "report",
        &traps,
        "--cluster",
        &cluster,
        "--since",
        "January",
    ]);
    assert!(date.contains("YYYY-MM-DD"), "{date}");
    let no_info = app_error(&["slurm", "report", &traps, "--compat", "ga4hpc"]);
    assert!(no_info.contains("--cluster-info"), "{no_info}");
    let unknown = app_error(&[
        "slurm",
        "report",
        &traps,
        "--compat",
        "ga4hpc",
        "--cluster-info",
        &fixture("ga4hpc_cluster_info.yaml"),
    ]);
    assert!(
        unknown.contains("partition `whole` is not in cluster_info.yaml"),
        "{unknown}"
    );
    let not_sacct = app_error(&["slurm", "report", &cluster, "--cluster", &cluster]);
    assert!(not_sacct.contains("no JobID column"), "{not_sacct}");
    let mut cmd = Command::cargo_bin("mlcarbon").expect("binary");
    let out = cmd
        .args(["slurm", "report", "-", "--cluster", &cluster])
        .write_stdin("")
        .output()
        .expect("starts");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty input"));
}

#[test]
fn imported_jobs_report_as_the_file_does_and_importing_twice_adds_nothing() {
    let db = super::temp_dir("slurm-import").join("runs.sqlite");
    let db = db.to_str().expect("UTF-8 path");
    let traps = fixture("traps.psv");
    let first = super::stdout_of(&[
        "slurm",
        "import",
        &traps,
        "--cluster-name",
        "hpc",
        "--cluster",
        &fixture("cluster.toml"),
        "--db",
        db,
    ]);
    assert!(first.starts_with("imported 10 jobs (18 rows)"), "{first}");
    let again = super::stdout_of(&[
        "slurm",
        "import",
        &traps,
        "--cluster-name",
        "hpc",
        "--cluster",
        &fixture("cluster.toml"),
        "--db",
        db,
    ]);
    assert!(
        again.contains("10 were already stored and were replaced"),
        "{again}"
    );
    let cluster = fixture("cluster.toml");
    let from_db = json_of(&[
        "slurm",
        "report",
        "--from-db",
        "--db",
        db,
        "--cluster-name",
        "hpc",
        "--cluster",
        &cluster,
        "--by",
        "account",
        "--format",
        "json",
    ]);
    let from_file = json_of(&[
        "slurm",
        "report",
        &traps,
        "--cluster",
        &cluster,
        "--by",
        "account",
        "--format",
        "json",
    ]);
    assert_eq!(from_db["totals"], from_file["totals"]);
    assert_eq!(from_db["groups"], from_file["groups"]);
    assert_eq!(from_db["top_jobs"], from_file["top_jobs"]);
    let none = app_error(&[
        "slurm",
        "report",
        "--from-db",
        "--db",
        db,
        "--cluster-name",
        "other",
        "--cluster",
        &cluster,
    ]);
    assert!(
        none.contains("no Slurm jobs stored for cluster `other`"),
        "{none}"
    );
}

/// The report of the trap fixture from the file, with a cluster description.
fn file_report(cluster: &str, by: &str) -> serde_json::Value {
    json_of(&[
        "slurm",
        "report",
        &fixture("traps.psv"),
        "--cluster",
        cluster,
        "--by",
        by,
        "--format",
        "json",
    ])
}

/// The report of the jobs stored in `db`, and what it said on standard error.
fn db_report(db: &str, cluster: &str, by: &str) -> (serde_json::Value, String) {
    let output = mlcarbon()
        .args([
            "slurm",
            "report",
            "--from-db",
            "--db",
            db,
            "--cluster",
            cluster,
            "--by",
            by,
            "--format",
            "json",
        ])
        .output()
        .expect("mlcarbon starts");
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(output.status.success(), "{stderr}");
    let json = serde_json::from_slice(&output.stdout).expect("JSON");
    (json, stderr)
}

fn assert_same_report(a: &serde_json::Value, b: &serde_json::Value) {
    for part in [
        "totals",
        "groups",
        "top_jobs",
        "unfinished_jobs_skipped",
        "jobs_with_recorded_gpu_utilisation",
    ] {
        assert_eq!(a[part], b[part], "{part}");
    }
}

/// `slurm report --format json` grouped by everything, with `extra` arguments.
fn report_json(source: &[&str], cluster: &str, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["slurm", "report"];
    args.extend_from_slice(source);
    args.extend_from_slice(&["--cluster", cluster, "--top", "4", "--format", "json"]);
    for by in ["account", "month", "state", "partition", "user"] {
        args.extend_from_slice(&["--by", by]);
    }
    args.extend_from_slice(extra);
    json_of(&args)
}

#[test]
fn reports_from_the_totals_kept_per_group_equal_job_by_job_reports() {
    let db = super::temp_dir("slurm-totals").join("runs.sqlite");
    let db = db.to_str().expect("UTF-8 path");
    let cluster = fixture("cluster.toml");
    let traps = fixture("traps.psv");
    let import = [
        "slurm",
        "import",
        &traps,
        "--cluster-name",
        "hpc",
        "--cluster",
        &cluster,
        "--db",
        db,
    ];
    // Twice: the second import replaces every job, taking it out of its group's totals first.
    super::stdout_of(&import);
    super::stdout_of(&import);
    let stored = ["--from-db", "--db", db];
    let file = [traps.as_str()];
    let same = |a: &serde_json::Value, b: &serde_json::Value| {
        assert_same_report(a, b);
        assert_eq!(a["jobs_outside_window"], b["jobs_outside_window"]);
    };
    // Windows on month boundaries (or none) are answered from the totals per group; the file
    // is reported job by job.
    for window in [
        &[][..],
        &["--since", "2026-02-01", "--until", "2026-02-28"][..],
        &["--since", "2026-01-01"][..],
        &["--until", "2026-01-31"][..],
    ] {
        let from_groups = report_json(&stored, &cluster, window);
        same(&from_groups, &report_json(&file, &cluster, window));
        assert!(num(&from_groups, "/totals/jobs") > 0.0, "{window:?}");
    }
    // A window inside a month reads the stored jobs one by one: the same figures again, and
    // the same as the totals per group for a window that holds the same jobs.
    let inside = ["--since", "2026-01-02", "--until", "2026-03-01"];
    same(
        &report_json(&stored, &cluster, &inside),
        &report_json(&file, &cluster, &inside),
    );
    same(
        &report_json(&stored, &cluster, &["--since", "2025-12-31"]),
        &report_json(&stored, &cluster, &["--since", "2025-12-01"]),
    );
}

#[test]
fn figures_stored_at_import_report_as_the_file_does_until_the_description_changes() {
    let db = super::temp_dir("slurm-figures").join("runs.sqlite");
    let db = db.to_str().expect("UTF-8 path");
    let cluster = fixture("cluster.toml");
    let other = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../docs/examples/cluster.toml"
    );
    let traps = fixture("traps.psv");
    super::stdout_of(&[
        "slurm",
        "import",
        &traps,
        "--cluster-name",
        "hpc",
        "--cluster",
        &cluster,
        "--db",
        db,
    ]);
    // Stored figures: no note, the file's numbers.
    let (stored, note) = db_report(db, &cluster, "month");
    assert!(note.is_empty(), "{note}");
    let from_file = file_report(&cluster, "month");
    assert_same_report(&stored, &from_file);
    // The A100 partition has the embodied.csv card figure per GPU-hour by default.
    assert!(num(&stored, "/totals/embodied_kg") > 0.0);
    // Another description: every job computed again, said, and still the file's numbers.
    let (recomputed, note) = db_report(db, other, "account");
    assert!(note.contains("mlcarbon slurm recompute"), "{note}");
    assert_same_report(&recomputed, &file_report(other, "account"));
    let done = super::stdout_of(&[
        "slurm",
        "recompute",
        "--cluster",
        other,
        "--cluster-name",
        "hpc",
        "--db",
        db,
    ]);
    assert!(
        done.starts_with("computed and stored the figures of 10 jobs"),
        "{done}"
    );
    let (after, note) = db_report(db, other, "account");
    assert!(note.is_empty(), "{note}");
    assert_same_report(&after, &recomputed);
    // Importing without a description leaves the jobs' figures out of date again.
    super::stdout_of(&[
        "slurm",
        "import",
        &traps,
        "--cluster-name",
        "hpc",
        "--db",
        db,
    ]);
    let (_, note) = db_report(db, other, "account");
    assert!(note.contains("recompute"), "{note}");
}

#[test]
fn a_database_without_slurm_jobs_gets_one_line_with_the_fix() {
    let dir = super::temp_dir("slurm-no-table");
    let cluster = fixture("cluster.toml");
    // Only a header: a database with the tables and no job.
    let empty = dir.join("empty.psv");
    std::fs::write(&empty, "JobID|User|State\n").expect("write");
    let db = dir.join("runs.sqlite");
    let db = db.to_str().expect("UTF-8 path");
    super::stdout_of(&[
        "slurm",
        "import",
        empty.to_str().expect("UTF-8 path"),
        "--cluster-name",
        "hpc",
        "--db",
        db,
    ]);
    let report = [
        "slurm",
        "report",
        "--from-db",
        "--db",
        db,
        "--cluster",
        &cluster,
    ];
    let none = app_error(&report);
    assert!(
        none.contains("no Slurm jobs stored; store some with `mlcarbon slurm import"),
        "{none}"
    );
    // The tables gone (a database another mlcarbon built): named, not a raw SQLite error.
    let conn = rusqlite::Connection::open(db).expect("open");
    conn.execute_batch("DROP TABLE slurm_job_figures; DROP TABLE slurm_jobs;")
        .expect("drop");
    drop(conn);
    let missing = app_error(&report);
    assert!(missing.contains("has no Slurm jobs tables"), "{missing}");
    assert!(missing.contains("mlcarbon slurm import"), "{missing}");
    assert!(!missing.contains("no such table"), "{missing}");
}

/// A stand-in `sacct` in a folder of its own: it appends its arguments to `args.log` there and
/// prints, in --parsable2, one job per query (dated by --starttime, or the job asked for).
fn fake_sacct(name: &str, exit_code: u8) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let dir = super::temp_dir(name);
    let log = dir.join("args.log");
    let _ = std::fs::remove_file(&log);
    let script = format!(
        r#"#!/bin/sh
echo "$*" >> "{log}"
start=""; job=""
while [ $# -gt 0 ]; do
  case "$1" in
    --starttime) start="$2"; shift ;;
    --jobs) job="$2"; shift ;;
  esac
  shift
done
if [ {exit_code} -ne 0 ]; then echo "sacct: error: Problem talking to the database" >&2; exit {exit_code}; fi
echo "JobID|User|Account|Partition|State|Submit|Start|End|Elapsed|TotalCPU|CPUTime|NCPUS|NNodes|ReqMem|MaxRSS|AllocTRES|TRESUsageInTot|ConsumedEnergyRaw|NodeList"
if [ -n "$job" ]; then id="$job"; day=2026-01-03; else day="${{start%%T*}}"; id="$(echo "$day" | tr -d -)"; fi
echo "$id|alice|physics|cpu|COMPLETED|${{day}}T09:00:00|${{day}}T09:00:00|${{day}}T10:00:00|01:00:00|01:00:00|01:00:00|1|1|1G||billing=1,cpu=1,mem=1G,node=1||0|cpu01"
echo "$id.batch||physics||COMPLETED|${{day}}T09:00:00|${{day}}T09:00:00|${{day}}T10:00:00|01:00:00|01:00:00|01:00:00|1|1||1000K|cpu=1,mem=1G,node=1|cpu=01:00:00||cpu01"
"#,
        log = log.display()
    );
    let path = dir.join("sacct");
    std::fs::write(&path, script).expect("write sacct");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    dir
}

fn path_with(dir: &std::path::Path) -> String {
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn import_since_runs_sacct_week_by_week_with_the_fields_it_reads() {
    let sacct = fake_sacct("slurm-sacct-weeks", 0);
    let db = sacct.join("runs.sqlite");
    let db = db.to_str().expect("UTF-8 path");
    let mut cmd = mlcarbon();
    cmd.env("PATH", path_with(&sacct));
    let out = super::stdout_with(
        cmd,
        &[
            "slurm",
            "import",
            "--since",
            "2026-01-01",
            "--until",
            "2026-01-20",
            "--cluster-name",
            "hpc",
            "--cluster",
            &fixture("cluster.toml"),
            "--db",
            db,
        ],
    );
    assert!(
        out.starts_with(
            "imported 3 jobs (6 rows) of cluster `hpc` from sacct (3 queries of a week at most)"
        ),
        "{out}"
    );
    let log = std::fs::read_to_string(sacct.join("args.log")).expect("log");
    let calls: Vec<&str> = log.lines().collect();
    assert_eq!(calls.len(), 3, "{log}");
    assert!(calls[0].contains("--starttime 2026-01-01T00:00:00 --endtime 2026-01-08T00:00:00"));
    assert!(calls[1].contains("--starttime 2026-01-08T00:00:00 --endtime 2026-01-15T00:00:00"));
    assert!(calls[2].contains("--starttime 2026-01-15T00:00:00 --endtime 2026-01-21T00:00:00"));
    for call in &calls {
        assert!(
            call.contains("--parsable2") && call.contains("--allusers"),
            "{call}"
        );
        assert!(
            call.contains("--format JobID,User,Account,Partition,State,")
                && call.contains("ConsumedEnergyRaw"),
            "{call}"
        );
    }
    let (report, _) = db_report(db, &fixture("cluster.toml"), "month");
    assert_eq!(num(&report, "/totals/jobs"), 3.0);
    // sacct failing stops the import with its window named.
    let broken = fake_sacct("slurm-sacct-broken", 1);
    let mut cmd = mlcarbon();
    cmd.env("PATH", path_with(&broken));
    let error = super::app_error_with(
        cmd,
        &[
            "slurm",
            "import",
            "--since",
            "2026-01-01",
            "--until",
            "2026-01-02",
            "--cluster-name",
            "hpc",
            "--db",
            db,
        ],
    );
    assert!(
        error.contains("sacct --starttime 2026-01-01T00:00:00"),
        "{error}"
    );
    assert!(error.contains("failed"), "{error}");
    let backwards = app_error(&[
        "slurm",
        "import",
        "--since",
        "2026-02-01",
        "--until",
        "2026-01-01",
        "--cluster-name",
        "hpc",
        "--db",
        db,
    ]);
    assert!(backwards.contains("is before --since"), "{backwards}");
}

#[test]
fn the_epilog_stores_the_ended_job_and_never_fails_the_node() {
    let sacct = fake_sacct("slurm-epilog", 0);
    let db = sacct.join("runs.sqlite");
    let db = db.to_str().expect("UTF-8 path");
    let epilog = |path: String, job: Option<&str>| {
        let mut cmd = mlcarbon();
        cmd.env("PATH", path)
            .env("SLURM_CLUSTER_NAME", "hpc")
            .env_remove("SLURM_JOB_ID");
        if let Some(job) = job {
            cmd.env("SLURM_JOB_ID", job);
        }
        let out = cmd
            .args([
                "slurm",
                "epilog",
                "--db",
                db,
                "--cluster",
                &fixture("cluster.toml"),
            ])
            .output()
            .expect("mlcarbon starts");
        assert_eq!(out.status.code(), Some(0));
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let stored = epilog(path_with(&sacct), Some("4242"));
    assert!(
        stored.contains("mlcarbon slurm epilog: job 4242 of cluster `hpc` stored"),
        "{stored}"
    );
    let log = std::fs::read_to_string(sacct.join("args.log")).expect("log");
    assert!(log.contains("--jobs 4242"), "{log}");
    let (report, note) = db_report(db, &fixture("cluster.toml"), "user");
    assert!(note.is_empty(), "{note}");
    assert_eq!(text(&report, "/top_jobs/0/id"), "4242");
    // Without Slurm's variables, without sacct, with a strange id: a line, exit 0.
    let no_job = epilog(path_with(&sacct), None);
    assert!(no_job.contains("SLURM_JOB_ID is not set"), "{no_job}");
    let empty = super::temp_dir("slurm-epilog-no-sacct");
    let no_sacct = epilog(empty.display().to_string(), Some("4243"));
    assert!(no_sacct.contains("cannot run `sacct`"), "{no_sacct}");
    let odd = epilog(path_with(&sacct), Some("42; rm -rf /"));
    assert!(odd.contains("is not a Slurm job id"), "{odd}");
}
