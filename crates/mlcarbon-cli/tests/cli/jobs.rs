//! Distributed jobs end to end: ranks of a Slurm step on two (simulated) hosts, one of them
//! measuring each host; `runs --job`, `jobs`, `show job:KEY`; and a second machine-wide tracker
//! on a host that does not count the machine again.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::tracking::Sandbox;

const JOB: &str = "slurm:77.0";

/// `mlcarbon run` as rank `rank` (local rank `local`) of a 4-task Slurm step on `host`.
fn rank(s: &Sandbox, trace: &str, host: &str, rank: u32, local: u32) -> std::process::Output {
    s.command()
        .env("MLCARBON_HOST", host)
        .env("SLURM_JOB_ID", "77")
        .env("SLURM_STEP_ID", "0")
        .env("SLURM_PROCID", rank.to_string())
        .env("SLURM_LOCALID", local.to_string())
        .env("SLURM_NTASKS", "4")
        .args([
            "run",
            "--replay",
            trace,
            "--zone",
            "FR",
            "--pue",
            "1",
            "--interval",
            "0.1",
            "--",
            "sleep",
            "0.4",
        ])
        .output()
        .expect("mlcarbon starts")
}

#[test]
fn a_slurm_step_on_two_hosts_counts_each_host_once() {
    let s = Sandbox::new("jobs-slurm");
    let trace = s.trace(&[("cpu", "cpu", 100.0), ("gpu:0", "gpu", 300.0)]);
    for (host, r, local) in [
        ("host-a", 0, 0),
        ("host-a", 1, 1),
        ("host-b", 2, 0),
        ("host-b", 3, 1),
    ] {
        let out = rank(&s, &trace, host, r, local);
        assert!(
            out.status.success(),
            "rank {r}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.contains("records only its link"),
            local != 0,
            "rank {r} says whether it measures: {stderr}"
        );
    }
    let runs = s.json(&["runs", "--job", JOB, "--format", "json"]);
    let runs = runs.as_array().expect("array");
    assert_eq!(runs.len(), 4);
    let mut measured = 0.0;
    for run in runs {
        assert_eq!(run["job_key"], JOB);
        assert_eq!(run["world_size"], 4);
        let local = run["local_rank"].as_u64().expect("local rank");
        let energy = run["energy_kwh"].as_f64().expect("energy");
        if local == 0 {
            assert_eq!(run["attribution"], "machine");
            assert!(energy > 0.0);
            measured += energy;
        } else {
            assert_eq!(run["attribution"], "link");
            assert_eq!(energy, 0.0, "a link counts nothing");
        }
    }

    let jobs = s.json(&["jobs", "--format", "json"]);
    let job = &jobs[0];
    assert_eq!(jobs.as_array().map(Vec::len), Some(1));
    assert_eq!(job["job_key"], JOB);
    assert_eq!(job["status"], "finished");
    let total = job["energy_kwh"].as_f64().expect("total");
    assert!(
        (total - measured).abs() <= 1e-3 * measured,
        "{total} vs {measured}"
    );
    let nodes: Vec<(&str, &str)> = job["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            (
                n["host"].as_str().unwrap_or(""),
                n["counted_as"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(nodes, [("host-a", "machine"), ("host-b", "machine")]);
    assert_eq!(
        s.json(&["show", &format!("job:{JOB}"), "--format", "json"]),
        *job
    );

    let shown = s.run(&["show", &format!("job:{JOB}")]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        text.contains("job slurm:77.0") && text.contains("host-b"),
        "{text}"
    );
    let listed = String::from_utf8_lossy(&s.run(&["jobs"]).stdout).to_string();
    assert!(listed.contains(JOB), "{listed}");
    let run_text = String::from_utf8_lossy(&s.run(&["show", "1"]).stdout).to_string();
    assert!(
        run_text.contains("rank 0 of 4; counts machine"),
        "{run_text}"
    );

    let missing = s.run(&["show", "job:nope"]);
    assert!(!missing.status.success());
    let message = String::from_utf8_lossy(&missing.stderr);
    assert!(
        message.contains("no job `nope`") && message.contains("mlcarbon jobs"),
        "{message}"
    );
    assert_eq!(message.trim().lines().count(), 1, "{message}");
}

#[test]
fn a_second_machine_wide_tracker_on_a_host_does_not_count_it_again() {
    let s = Sandbox::new("jobs-second-tracker");
    let trace = s.trace(&[("cpu", "cpu", 50.0)]);
    let mut first = s
        .command()
        .args([
            "run", "-q", "--replay", &trace, "--zone", "FR", "--", "sleep", "4",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the first tracker starts");
    let deadline = Instant::now() + Duration::from_secs(10);
    // Until the first tracker has made the database, `runs` fails; then it lists nothing.
    loop {
        let out = s.run(&["runs", "--status", "running", "--format", "json"]);
        let listed: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        if out.status.success() && listed.as_array().is_some_and(|runs| !runs.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "the first run never showed up");
        std::thread::sleep(Duration::from_millis(50));
    }

    let monitor = s.run(&[
        "monitor",
        "--replay",
        &trace,
        "--zone",
        "FR",
        "--duration",
        "1",
    ]);
    assert!(!monitor.status.success());
    let message = String::from_utf8_lossy(&monitor.stderr);
    assert!(
        message.contains("already measures this machine")
            && message.contains("--attribution process"),
        "{message}"
    );

    let second = s.run(&["run", "--replay", &trace, "--zone", "FR", "--", "true"]);
    assert!(second.status.success());
    let warning = String::from_utf8_lossy(&second.stderr);
    assert!(
        warning.contains("counts only its own processes"),
        "{warning}"
    );
    let _ = first.wait();
    let runs = s.json(&["runs", "--format", "json"]);
    let attributions: Vec<&str> = runs
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["attribution"].as_str().unwrap_or(""))
        .collect();
    // Newest first: the second run counted its processes, the first the machine.
    assert_eq!(attributions, ["process", "machine"]);
}

/// A team server's PostgreSQL URL given where a local database is meant is refused in one line
/// (without repeating a password), and no local file of that name is made.
#[test]
fn a_postgresql_url_is_not_a_local_database() {
    let s = Sandbox::new("jobs-pg-url");
    for args in [
        vec!["run", "--replay", "demo", "--", "true"],
        vec!["runs"],
        vec!["jobs"],
    ] {
        let out = s
            .command()
            .env("MLCARBON_DB", "postgresql://team:secret@127.0.0.1/runs")
            .args(&args)
            .output()
            .expect("mlcarbon starts");
        assert!(!out.status.success(), "{args:?}");
        let message = String::from_utf8_lossy(&out.stderr);
        assert!(
            message.contains("only `mlcarbon serve --db` opens"),
            "{message}"
        );
        assert!(!message.contains("secret"), "{message}");
        assert_eq!(message.trim().lines().count(), 1, "{message}");
    }
    assert!(!s.db().with_file_name("postgresql:").exists());
    let leftovers: Vec<_> = std::fs::read_dir(s.db().parent().expect("dir"))
        .expect("dir")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("postgres"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
