//! `mlcarbon run` and friends: exit codes, signals, durability, stored figures, exports.
//! Each test has its own database and configuration file under `CARGO_TARGET_TMPDIR`; energy
//! comes from replayed traces, so the figures do not depend on this machine.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A test's own folder, database and configuration.
pub(crate) struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    pub(crate) fn new(name: &str) -> Self {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("tracking")
            .join(name);
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create the sandbox");
        Sandbox { dir }
    }

    pub(crate) fn db(&self) -> PathBuf {
        self.dir.join("runs.sqlite")
    }

    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlcarbon"));
        cmd.env_remove("MLCARBON_DATA_DIR")
            .env("MLCARBON_DB", self.db())
            .env("MLCARBON_CONFIG", self.dir.join("config"))
            .env("RUST_BACKTRACE", "1")
            .current_dir(&self.dir);
        cmd
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().expect("mlcarbon starts")
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "mlcarbon {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("JSON")
    }

    /// A trace of constant power per component, one hour long.
    pub(crate) fn trace(&self, rows: &[(&str, &str, f64)]) -> String {
        let mut text = String::from("t_s,key,kind,watts\n");
        for (key, kind, watts) in rows {
            text.push_str(&format!(
                "0,{key},{kind},{watts}\n3600,{key},{kind},{watts}\n"
            ));
        }
        let path = self.dir.join("trace.csv");
        std::fs::write(&path, text).expect("write trace");
        path.display().to_string()
    }

    fn runs(&self) -> Vec<Value> {
        self.json(&["runs", "--format", "json"])
            .as_array()
            .expect("array")
            .clone()
    }
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("mlcarbon exits, not killed")
}

#[test]
fn run_exits_with_the_commands_code_and_keeps_its_stdout() {
    let s = Sandbox::new("exit-code");
    let trace = s.trace(&[("gpu:0", "gpu", 100.0)]);
    let out = s.run(&[
        "run",
        "-q",
        "--replay",
        &trace,
        "--zone",
        "FR",
        "--",
        "sh",
        "-c",
        "echo out; echo err >&2; exit 7",
    ]);
    assert_eq!(code(&out), 7);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "out\n",
        "the child's stdout is untouched"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "err\n",
        "with -q, stderr is the child's only"
    );
    let runs = s.runs();
    assert_eq!(runs[0]["status"], "failed");
    assert_eq!(runs[0]["exit_code"], 7);
}

#[test]
fn a_child_killed_by_a_signal_gives_128_plus_n() {
    let s = Sandbox::new("signal-death");
    let trace = s.trace(&[("gpu:0", "gpu", 100.0)]);
    let out = s.run(&[
        "run",
        "-q",
        "--replay",
        &trace,
        "--zone",
        "FR",
        "--",
        "sh",
        "-c",
        "kill -TERM $$",
    ]);
    assert_eq!(code(&out), 128 + 15);
    assert_eq!(s.runs()[0]["signal"], 15);
}

#[test]
fn sigterm_to_mlcarbon_reaches_the_child() {
    let s = Sandbox::new("forward-term");
    let trace = s.trace(&[("gpu:0", "gpu", 100.0)]);
    let marker = s.dir.join("got-term");
    let script = format!(
        "trap 'touch {}; exit 42' TERM; sleep 30 & wait",
        marker.display()
    );
    let mut child = s
        .command()
        .args([
            "run", "-q", "--replay", &trace, "--zone", "FR", "--", "sh", "-c", &script,
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("start");
    std::thread::sleep(Duration::from_millis(800));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "mlcarbon did not end after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(
        status.code(),
        Some(42),
        "exit code is the child's (its trap)"
    );
    assert!(marker.exists(), "the child's TERM trap ran");
}

#[test]
fn sigkill_loses_at_most_the_last_samples_and_the_run_is_marked_interrupted() {
    let s = Sandbox::new("sigkill");
    let trace = s.trace(&[("gpu:0", "gpu", 360.0)]);
    let mut child = s
        .command()
        .args([
            "run",
            "-q",
            "--interval",
            "0.1",
            "--commit-every",
            "0.5",
            "--replay",
            &trace,
            "--zone",
            "FR",
            "--",
            "sleep",
            "30",
        ])
        .spawn()
        .expect("start");
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().expect("SIGKILL mlcarbon");
    let _ = child.wait();
    // The orphaned `sleep 30` is left to finish on its own; it holds nothing of ours.
    let out = s.run(&[
        "run", "-q", "--replay", &trace, "--zone", "FR", "--", "true",
    ]);
    assert_eq!(code(&out), 0);
    let runs = s.runs();
    let killed = runs
        .iter()
        .find(|r| r["command"][0] == "sleep")
        .expect("the killed run");
    assert_eq!(killed["status"], "interrupted");
    let samples = killed["samples"].as_u64().expect("samples");
    assert!(samples >= 8, "{samples} samples kept of ~14");
    // 360 W = 0.1 Wh per second: the stored energy matches the stored samples' time.
    let t = killed["last_t_s"].as_f64().expect("last_t_s");
    let kwh = killed["energy_kwh"].as_f64().expect("energy");
    let expected = 360.0 * (t - 0.0) / 3.6e6 * killed["pue"].as_f64().expect("pue");
    assert!(
        (kwh - expected).abs() / expected < 0.1,
        "{kwh} kWh vs {expected} kWh over {t} s"
    );
}

#[test]
fn replayed_power_gives_the_energy_it_implies() {
    let s = Sandbox::new("replay-energy");
    let trace = s.trace(&[("gpu:0", "gpu", 300.0), ("cpu", "cpu", 60.0)]);
    let out = s.run(&[
        "run", "-q", "--replay", &trace, "--zone", "FR", "--pue", "1", "--", "sleep", "1.2",
    ]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let shown = s.json(&["show", "last", "--format", "json"]);
    let run = &shown["run"];
    let t = run["last_t_s"].as_f64().expect("t");
    let expected_kwh = 360.0 * t / 3.6e6;
    let kwh = run["energy_kwh"].as_f64().expect("energy");
    assert!(
        (kwh - expected_kwh).abs() / expected_kwh < 0.02,
        "{kwh} vs {expected_kwh}"
    );
    let intensity = run["intensity_g_per_kwh"].as_f64().expect("intensity");
    let kg = run["emissions_kg"].as_f64().expect("kg");
    assert!((kg - kwh * intensity / 1000.0).abs() < 1e-12);
    let components = shown["components"].as_array().expect("components");
    assert_eq!(components.len(), 2);
    assert!(components.iter().all(|c| c["method"] == "integrated_power"));
}

#[test]
fn a_progress_file_yields_a_prediction() {
    let s = Sandbox::new("progress");
    let trace = s.trace(&[("gpu:0", "gpu", 100.0)]);
    let out = s.run(&[
        "run",
        "-q",
        "--interval",
        "0.2",
        "--replay",
        &trace,
        "--zone",
        "FR",
        "--",
        "sh",
        "-c",
        "echo 25% > \"$MLCARBON_PROGRESS_FILE\"; sleep 1",
    ]);
    assert_eq!(code(&out), 0);
    let run = &s.runs()[0];
    assert_eq!(run["progress"].as_f64(), Some(0.25));
    let predicted = run["predicted_energy_kwh"].as_f64().expect("prediction");
    assert!(
        predicted > run["energy_kwh"].as_f64().expect("energy") * 3.0,
        "{run:#}"
    );
}

#[test]
fn the_location_comes_from_flags_then_config_then_the_world_average() {
    let s = Sandbox::new("location");
    let trace = s.trace(&[("gpu:0", "gpu", 100.0)]);
    s.run(&["run", "-q", "--replay", &trace, "--", "true"]);
    assert_eq!(s.runs()[0]["intensity_origin"], "defaulted");
    assert_eq!(s.runs()[0]["zone"], "WORLD");
    let out = s.run(&["config", "set", "zone", "FR"]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        String::from_utf8_lossy(&s.run(&["config", "get", "zone"]).stdout),
        "FR\n"
    );
    s.run(&["run", "-q", "--replay", &trace, "--", "true"]);
    assert_eq!(s.runs()[0]["zone"], "FR");
    s.run(&[
        "run", "-q", "--replay", &trace, "--zone", "PL", "--", "true",
    ]);
    assert_eq!(s.runs()[0]["zone"], "PL");
    let bad = s.run(&["config", "set", "colour", "blue"]);
    assert_eq!(code(&bad), 2);
    // A number that is not one is refused when set, and a hand-edited one at the run.
    let bad = s.run(&["config", "set", "interval", "NaN"]);
    assert_eq!(code(&bad), 2);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("a number above 0"));
    std::fs::write(s.dir.join("config"), "interval = abc\n").expect("edit config");
    let bad = s.run(&["run", "-q", "--replay", &trace, "--", "true"]);
    assert_eq!(code(&bad), 125, "run's own error");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("config `interval` is `abc`"));
}

#[test]
fn codecarbon_export_has_its_38_columns() {
    let s = Sandbox::new("export");
    let trace = s.trace(&[("gpu:0", "gpu", 100.0)]);
    s.run(&[
        "run", "-q", "--replay", &trace, "--zone", "US-IA", "--", "true",
    ]);
    s.run(&[
        "run", "-q", "--replay", &trace, "--zone", "FR", "--", "true",
    ]);
    let out = s.run(&["export", "--all", "--format", "codecarbon"]);
    assert_eq!(code(&out), 0);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "timestamp,project_name,run_id,experiment_id,duration,emissions,emissions_rate,cpu_power,gpu_power,\
             ram_power,cpu_energy,gpu_energy,ram_energy,energy_consumed,water_consumed,country_name,country_iso_code,\
             region,cloud_provider,cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,\
             gpu_model,longitude,latitude,ram_total_size,tracking_mode,cpu_utilization_percent,gpu_utilization_percent,\
             ram_utilization_percent,ram_used_gb,on_cloud,pue,wue"
        )
    );
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 2);
    assert!(
        rows[0].contains(",USA,"),
        "oldest first, alpha-3 country: {}",
        rows[0]
    );
    // A cloud run gets its provider's published WUE and the on-site water it implies.
    s.run(&[
        "run",
        "-q",
        "--replay",
        &trace,
        "--provider",
        "aws",
        "--region",
        "us-east-1",
        "--",
        "sleep",
        "0.5",
    ]);
    let out = s.run(&["export", "last", "--format", "codecarbon"]);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let mut table = csv::Reader::from_reader(text.as_bytes());
    let header = table.headers().expect("header").clone();
    let row = table.records().next().expect("a row").expect("a record");
    let field = |name: &str| -> f64 {
        let at = header.iter().position(|h| h == name).expect("column");
        row[at].parse().expect("a number")
    };
    let run = &s.runs()[0];
    let it_kwh = run["cpu_energy_kwh"].as_f64().unwrap_or(0.0)
        + run["gpu_energy_kwh"].as_f64().unwrap_or(0.0)
        + run["ram_energy_kwh"].as_f64().unwrap_or(0.0);
    assert_eq!(field("wue"), 0.12, "aws's fleet WUE in water.csv");
    assert!(it_kwh > 0.0);
    assert!((field("water_consumed") - 0.12 * it_kwh).abs() < 1e-12);

    let written = s.dir.join("out.jsonl");
    let out = s.run(&[
        "export",
        "last",
        "--format",
        "jsonl",
        "--output",
        written.to_str().expect("path"),
    ]);
    assert_eq!(code(&out), 0);
    assert_eq!(
        std::fs::read_to_string(&written)
            .expect("file")
            .lines()
            .count(),
        1
    );
}

#[test]
fn monitor_stops_after_its_duration_and_stores_a_run() {
    let s = Sandbox::new("monitor");
    let trace = s.trace(&[("cpu", "cpu", 50.0)]);
    let started = Instant::now();
    let out = s.run(&[
        "monitor",
        "-q",
        "--duration",
        "1",
        "--interval",
        "0.2",
        "--replay",
        &trace,
        "--zone",
        "FR",
    ]);
    assert_eq!(code(&out), 0);
    assert!(started.elapsed() < Duration::from_secs(5));
    let run = &s.runs()[0];
    assert_eq!(run["command"][0], "monitor");
    assert_eq!(run["status"], "finished");
    assert!(run["samples"].as_u64().expect("samples") >= 4);
}

#[test]
fn a_statement_of_a_run_uses_the_measured_energy() {
    let s = Sandbox::new("statement");
    let trace = s.trace(&[("gpu:0", "gpu", 100.0)]);
    s.run(&[
        "run", "-q", "--replay", &trace, "--zone", "FR", "--", "true",
    ]);
    let out = s.run(&["statement", "--run", "last"]);
    assert_eq!(code(&out), 0, "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    // Said once, in a sentence that agrees with it ("a measured", never "an measured").
    assert_eq!(text.matches("measured").count(), 1, "{text}");
    assert!(text.contains("It used a measured "), "{text}");
    let out = s.run(&["statement", "--run", "last", "--long"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("IT energy"), "{text}");
    let out = s.run(&["statement", "--run", "last", "--lang", "de"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Der gemessene Stromverbrauch betrug "),
        "{text}"
    );
}

#[test]
fn bad_tracking_input_is_one_line_and_its_own_exit_code() {
    let s = Sandbox::new("bad-input");
    for (args, expected) in [
        (
            vec![
                "run",
                "-q",
                "--zone",
                "FR",
                "--",
                "no-such-command-mlcarbon",
            ],
            127,
        ),
        (vec!["show", "999"], 2),
        (vec!["export"], 2),
        (
            vec!["run", "-q", "--replay", "missing-trace.csv", "--", "true"],
            125,
        ),
    ] {
        let out = s.run(&args);
        assert_eq!(code(&out), expected, "mlcarbon {args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: "), "mlcarbon {args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "mlcarbon {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
    let out = s.run(&["run"]);
    assert_eq!(code(&out), 125, "a missing command is run's own error");
}

/// A CPU the table does not know (a VM's generic name): counted from its logical CPUs at the
/// data's per-vCPU figure, defaulted and said so, instead of left out.
#[test]
fn an_unknown_cpu_is_modelled_per_logical_cpu() {
    let s = Sandbox::new("unknown-cpu");
    let proc_root = s.dir.join("proc");
    std::fs::create_dir_all(&proc_root).expect("proc");
    let mut cpuinfo = String::new();
    for i in 0..4 {
        cpuinfo.push_str(&format!(
            "processor\t: {i}\nmodel name\t: Intel(R) Xeon(R) Processor\n\n"
        ));
    }
    std::fs::write(proc_root.join("cpuinfo"), cpuinfo).expect("cpuinfo");
    std::fs::write(
        proc_root.join("stat"),
        "cpu  100 0 100 800 0 0 0 0 0 0\n\
         cpu0 25 0 25 200 0 0 0 0 0 0\ncpu1 25 0 25 200 0 0 0 0 0 0\n\
         cpu2 25 0 25 200 0 0 0 0 0 0\ncpu3 25 0 25 200 0 0 0 0 0 0\n",
    )
    .expect("stat");
    std::fs::write(
        proc_root.join("meminfo"),
        "MemTotal:       16384000 kB\nMemAvailable:    8192000 kB\n",
    )
    .expect("meminfo");
    let empty = s.dir.join("empty");
    std::fs::create_dir_all(&empty).expect("empty");
    let out = s
        .command()
        .env("MLCARBON_PROC_ROOT", &proc_root)
        .env("MLCARBON_POWERCAP_ROOT", &empty)
        .env("MLCARBON_HWMON_ROOT", &empty)
        .env("CUDA_VISIBLE_DEVICES", "")
        .args(["run", "--zone", "FR", "--", "true"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 0);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("modelled as 4 logical CPUs × 3.5 W at full load")
            && stderr.contains("defaulted")
            && stderr.contains("--cpu NAME"),
        "{stderr}"
    );
    let shown = s.json(&["show", "last", "--format", "json"]);
    let labels: Vec<&str> = shown["components"]
        .as_array()
        .expect("components")
        .iter()
        .filter_map(|c| c["label"].as_str())
        .collect();
    assert!(
        labels.contains(&"CPU (14 W TDP × utilization)"),
        "{labels:?}"
    );
}
