//! Faults around the binary: unwritable or closed standard streams, exit codes that tell the
//! job's failures from mlcarbon's, oversized inputs, file permissions.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A test's own folder, with the database and configuration inside it.
fn sandbox(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("hardening")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the sandbox");
    dir
}

fn mlcarbon(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlcarbon"));
    cmd.env_remove("MLCARBON_DATA_DIR")
        .env_remove("MLCARBON_TOKEN")
        .env("MLCARBON_DB", dir.join("runs.sqlite"))
        .env("MLCARBON_CONFIG", dir.join("config").join("config"))
        .current_dir(dir)
        .stdin(Stdio::null());
    cmd
}

/// A replayed trace of 100 W, so that runs do not depend on this machine's sensors.
fn trace(dir: &Path) -> String {
    let path = dir.join("trace.csv");
    std::fs::write(
        &path,
        "t_s,key,kind,watts\n0,gpu:0,gpu,100\n3600,gpu:0,gpu,100\n",
    )
    .expect("write trace");
    path.display().to_string()
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("mlcarbon exits, not killed")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The write end of a pipe whose reader is already gone: every write fails with EPIPE.
fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    writer
}

/// `mlcarbon run` with a summary and warnings to write, the job exiting 3.
fn tracked_exit_3(dir: &Path) -> Command {
    let mut cmd = mlcarbon(dir);
    cmd.args(["run", "--replay", &trace(dir), "--zone", "FR", "--"])
        .args(["sh", "-c", "echo out; exit 3"]);
    cmd
}

#[test]
fn run_passes_the_jobs_code_through_when_stderr_is_full() {
    let dir = sandbox("stderr-full");
    let out = tracked_exit_3(&dir)
        .stderr(File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 3, "the job's code, not a panic's 101");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n", "the job ran");
}

#[test]
fn run_passes_the_jobs_code_through_when_stderr_is_a_closed_pipe() {
    let dir = sandbox("stderr-closed");
    let out = tracked_exit_3(&dir)
        .stderr(closed_pipe())
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 3, "the job's code, not a panic's 101");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n", "the job ran");
}

#[test]
fn run_codes_tell_the_job_from_mlcarbon() {
    let dir = sandbox("run-codes");
    let trace = trace(&dir);
    let not_executable = dir.join("script.sh");
    std::fs::write(&not_executable, "#!/bin/sh\nexit 0\n").expect("write script");
    let not_executable = not_executable.display().to_string();
    let cases: [(&[&str], i32, &str); 6] = [
        (&["sh", "-c", "exit 2"], 2, "the job's own 2"),
        (&["sh", "-c", "exit 125"], 125, "the job's own 125"),
        (&["no-such-command-mlcarbon"], 127, "not found"),
        (&[&not_executable], 126, "not executable"),
        (
            &["--interval", "abc", "--", "true"],
            125,
            "a bad flag of run",
        ),
        (
            &["--interval", "0", "--", "true"],
            125,
            "a flag run refuses",
        ),
    ];
    for (tail, expected, what) in cases {
        let out = mlcarbon(&dir)
            .args(["run", "-q", "--replay", &trace, "--zone", "FR"])
            .args(if tail[0].starts_with("--") {
                &[][..]
            } else {
                &["--"][..]
            })
            .args(tail)
            .output()
            .expect("mlcarbon starts");
        assert_eq!(code(&out), expected, "{what}: {}", stderr(&out));
        if expected >= 125 && !tail.starts_with(&["sh"]) {
            assert!(
                stderr(&out).starts_with("error: "),
                "{what}: {}",
                stderr(&out)
            );
        }
    }
    let out = mlcarbon(&dir)
        .args(["run", "-q", "--replay", "missing-trace.csv", "--", "true"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 125, "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    // Other commands keep 2 for bad input and usage errors.
    let out = mlcarbon(&dir)
        .args(["estimate", "--hours", "abc"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 2);
}

#[test]
fn a_full_disk_on_stdout_is_an_error_and_a_closed_pipe_is_not() {
    let dir = sandbox("stdout");
    let out = mlcarbon(&dir)
        .args(["zones"])
        .stdout(File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(
        stderr(&out).starts_with("error: writing standard output"),
        "{}",
        stderr(&out)
    );
    assert_eq!(stderr(&out).lines().count(), 1);
    let out = mlcarbon(&dir)
        .args(["zones"])
        .stdout(closed_pipe())
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "a reader that stopped is not reported");
    // Neither stream writable: still no panic.
    let out = mlcarbon(&dir)
        .args([
            "estimate",
            "--hardware",
            "nonsense-gpu",
            "--hours",
            "1",
            "--zone",
            "FR",
        ])
        .stdout(File::create("/dev/full").expect("/dev/full"))
        .stderr(File::create("/dev/full").expect("/dev/full"))
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 2);
}

/// `mlcarbon serve` with `args` against a port that is already taken, so that it stops right
/// after checking its token: (exit code, stderr).
fn serve_on_a_taken_port(dir: &Path, args: &[&str], env_token: Option<&str>) -> (i32, String) {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
    let addr = taken.local_addr().expect("address").to_string();
    let mut cmd = mlcarbon(dir);
    cmd.args(["serve", "--bind", &addr]).args(args);
    if let Some(token) = env_token {
        cmd.env("MLCARBON_TOKEN", token);
    }
    let out = cmd.output().expect("mlcarbon starts");
    (code(&out), stderr(&out))
}

#[test]
fn serve_takes_its_token_from_a_file_or_the_environment_and_refuses_an_empty_one() {
    let dir = sandbox("serve-token");
    let token_file = dir.join("token");
    std::fs::write(&token_file, "s3cret\n").expect("write token");
    let empty_file = dir.join("empty-token");
    std::fs::write(&empty_file, "\n").expect("write token");
    let token_path = token_file.display().to_string();
    let empty_path = empty_file.display().to_string();

    // A good token from a file or the environment: no warning; the server then finds the port taken.
    for (args, env_token) in [
        (vec!["--token-file", token_path.as_str()], None),
        (vec![], Some("s3cret")),
    ] {
        let (status, text) = serve_on_a_taken_port(&dir, &args, env_token);
        assert_eq!(status, 2, "{text}");
        assert!(text.contains("already in use"), "{text}");
        assert!(!text.contains("warning"), "{text}");
    }
    // On the command line it works but warns that `ps` shows it.
    let (status, text) = serve_on_a_taken_port(&dir, &["--token", "s3cret"], None);
    assert_eq!(status, 2);
    assert!(
        text.contains("warning: --token on the command line is visible"),
        "{text}"
    );
    assert!(text.contains("already in use"), "{text}");
    // Empty, however given: refused before listening.
    for (args, env_token, origin) in [
        (vec!["--token", ""], None, "--token"),
        (
            vec!["--token-file", empty_path.as_str()],
            None,
            "--token-file",
        ),
        (vec![], Some(""), "MLCARBON_TOKEN"),
    ] {
        let (status, text) = serve_on_a_taken_port(&dir, &args, env_token);
        assert_eq!(status, 2, "{text}");
        let last = text.lines().last().unwrap_or_default();
        assert!(
            last.starts_with(&format!("error: the token from {origin}"))
                && last.contains("is empty"),
            "{text}"
        );
        assert!(
            !text.contains("already in use"),
            "refused before listening: {text}"
        );
    }
    let (status, text) = serve_on_a_taken_port(&dir, &["--token-file", "/dev/zero"], None);
    assert_eq!(status, 2);
    assert!(text.contains("larger than 4 KiB"), "{text}");
}

#[test]
fn user_files_are_read_with_a_bound() {
    let dir = sandbox("bounded");
    let schedule = mlcarbon(&dir)
        .args([
            "schedule",
            "--profile",
            "/dev/zero",
            "--hours",
            "1",
            "--within",
            "24",
        ])
        .args(["--energy-kwh", "1", "--now", "2026-01-01T00:00:00Z"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&schedule), 2);
    assert_eq!(
        stderr(&schedule),
        "error: --profile /dev/zero: larger than 64 MiB; mlcarbon reads at most that from such a file (is it the right file?)\n"
    );
    let replay = mlcarbon(&dir)
        .args([
            "run",
            "-q",
            "--replay",
            "/dev/zero",
            "--zone",
            "FR",
            "--",
            "true",
        ])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&replay), 125);
    assert!(stderr(&replay).contains("--replay /dev/zero: larger than 64 MiB"));
    let config = mlcarbon(&dir)
        .env("MLCARBON_CONFIG", "/dev/zero")
        .args(["config", "list"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&config), 2);
    assert!(
        stderr(&config).contains("config file /dev/zero: larger than"),
        "{}",
        stderr(&config)
    );
    let data_dir = dir.join("tables");
    std::fs::create_dir_all(&data_dir).expect("tables dir");
    std::os::unix::fs::symlink("/dev/zero", data_dir.join("hardware.csv")).expect("symlink");
    let tables = mlcarbon(&dir)
        .args(["--data-dir", &data_dir.display().to_string(), "hardware"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&tables), 2);
    assert!(
        stderr(&tables).contains("hardware.csv: larger than 64 MiB"),
        "{}",
        stderr(&tables)
    );
}

#[test]
fn a_job_of_a_fraction_of_a_second_is_scheduled_without_nan() {
    let dir = sandbox("schedule-tiny");
    let args = [
        "schedule",
        "--zone",
        "US-CA",
        "--hours",
        "1e-5",
        "--within",
        "1e-5",
        "--energy-kwh",
        "1",
        "--now",
        "2026-01-01T00:00:00Z",
    ];
    let human = mlcarbon(&dir).args(args).output().expect("mlcarbon starts");
    assert_eq!(code(&human), 0, "{}", stderr(&human));
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(!text.contains("NaN") && !text.contains("inf"), "{text}");
    assert!(!text.contains("100 % less"), "{text}");
    let json = mlcarbon(&dir)
        .args(args)
        .args(["--format", "json"])
        .output()
        .expect("mlcarbon starts");
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    let window = report["window_average_intensity_g_per_kwh"].as_f64();
    assert!(window.is_some_and(|g| g > 0.0), "{report}");
    assert_eq!(
        report["best_intensity_g_per_kwh"].as_f64(),
        report["now_intensity_g_per_kwh"].as_f64()
    );
}

/// The error line `run` gives for a configuration file holding `line`.
fn run_error_with_config(dir: &Path, line: &str) -> String {
    let config = dir.join("config").join("config");
    std::fs::create_dir_all(dir.join("config")).expect("config dir");
    std::fs::write(&config, format!("{line}\n")).expect("write config");
    let out = mlcarbon(dir)
        .args(["run", "-q", "--replay", &trace(dir), "--", "true"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 125, "run refuses `{line}`: {}", stderr(&out));
    std::fs::remove_file(&config).expect("remove config");
    stderr(&out)
}

#[test]
fn config_set_refuses_what_run_would_refuse_with_the_same_message() {
    let dir = sandbox("config-set");
    for (key, value) in [
        ("zone", "Atlantis"),
        ("pue", "0.5"),
        ("region", "nowhere-1"),
        ("interval", "0.001"),
    ] {
        let expected = run_error_with_config(&dir, &format!("{key} = {value}"));
        let out = mlcarbon(&dir)
            .args(["config", "set", key, value])
            .output()
            .expect("mlcarbon starts");
        assert_eq!(code(&out), 2, "config set {key} {value}");
        assert_eq!(stderr(&out), expected, "config set {key} {value}");
        assert!(
            !dir.join("config").join("config").exists(),
            "nothing written for {key} {value}"
        );
    }
    // A provider alone is a step towards provider and region: its name is checked.
    let out = mlcarbon(&dir)
        .args(["config", "set", "provider", "nope"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).starts_with("error: location: "),
        "{}",
        stderr(&out)
    );
    for (key, value) in [("provider", "aws"), ("region", "us-east-1"), ("pue", "1.2")] {
        let out = mlcarbon(&dir)
            .args(["config", "set", key, value])
            .output()
            .expect("mlcarbon starts");
        assert_eq!(code(&out), 0, "config set {key} {value}: {}", stderr(&out));
    }
}

#[test]
fn the_config_file_is_created_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = sandbox("config-mode");
    let out = mlcarbon(&dir)
        .args(["config", "set", "project", "secret-project"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mode = |path: PathBuf| {
        std::fs::metadata(&path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(dir.join("config")), 0o700);
    assert_eq!(mode(dir.join("config").join("config")), 0o600);
}

// ---------------------------------------------------------------------------------------------
// Stored runs read back (issue 11: D3, D6, D13)

/// A run started by a tracker on `hostname` with pid `pid` that never finished, its text fields
/// as given; returns its id. Written with the store, as a tracker would.
fn stored_running_run(db: &Path, hostname: &str, pid: u32, text: &str) -> i64 {
    use mlcarbon_store::{
        ComponentKind, IntensityOrigin, Method, NewComponent, NewRun, RunStart, SampleRow, Store,
    };
    let store = Store::open(db).expect("the database");
    let run = NewRun {
        start: RunStart {
            uuid: format!("0123abcd-{pid}"),
            project: format!("proj{text}"),
            experiment: None,
            tags: vec![format!("tag{text}")],
            command: vec!["python".into(), format!("train{text}.py")],
            started_at: "2024-05-01T10:00:00Z".into(),
            pid,
            hostname: hostname.into(),
            os: "linux".into(),
            mlcarbon_version: "0.1.0".into(),
            location_label: format!("FR{text}"),
            zone: Some("FR".into()),
            provider: None,
            region: None,
            country_iso: None,
            country_name: None,
            intensity_g_per_kwh: 56.0,
            intensity_origin: IntensityOrigin::Estimated,
            intensity_source: None,
            pue: 1.2,
            cpu_model: None,
            cpu_count: 1,
            gpu_model: None,
            gpu_count: 0,
            ram_total_gb: 8.0,
            interval_s: 1.0,
            attribution: Default::default(),
            placement: Default::default(),
        },
        components: vec![NewComponent {
            key: "cpu".into(),
            kind: ComponentKind::Cpu,
            label: format!("cpu{text}"),
            method: Method::Model,
        }],
    };
    let id = store.start_run(&run).expect("start");
    let sample = SampleRow {
        seq: 0,
        t_s: 1.0,
        timestamp: "2024-05-01T10:00:01Z".into(),
        intensity_g_per_kwh: 56.0,
        components: vec![mlcarbon_store::ComponentSample {
            key: "cpu".into(),
            power_w: 50.0,
            energy_j: 50.0,
        }],
        total_power_w: 50.0,
        energy_kwh: 50.0 * 1.2 / 3.6e6,
        emissions_kg: 50.0 * 1.2 / 3.6e6 * 0.056,
        cpu_utilization: None,
        gpu_utilization: None,
        ram_used_gb: None,
    };
    store.add_sample(id, &sample).expect("sample");
    id
}

/// A pid that ran on this machine and is gone (a reaped child).
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("`true` runs");
    let pid = child.id();
    child.wait().expect("reaped");
    pid
}

fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}

#[test]
fn a_run_whose_tracker_died_reads_as_interrupted_without_a_write() {
    let dir = sandbox("dead-tracker");
    let db = dir.join("runs.sqlite");
    let id = stored_running_run(&db, &this_host(), dead_pid(), "");
    let out = mlcarbon(&dir).args(["runs"]).output().expect("runs");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(listed.contains("interrupted"), "{listed}");
    assert!(!listed.contains("running"), "{listed}");
    let out = mlcarbon(&dir)
        .args(["show", "last"])
        .output()
        .expect("show");
    let shown = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        shown
            .lines()
            .next()
            .is_some_and(|l| l.ends_with("— interrupted")),
        "{shown}"
    );
    let out = mlcarbon(&dir)
        .args(["export", "--all", "--format", "jsonl"])
        .output()
        .expect("export");
    let exported = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(exported.contains(r#""status":"interrupted""#), "{exported}");
    assert!(
        exported.contains(r#""ended_at":"2024-05-01T10:00:01Z""#),
        "{exported}"
    );

    // The database still says what the tracker wrote.
    let mut store = mlcarbon_store::Store::open(&db).expect("the database");
    store.set_tracker_check(mlcarbon_store::TrackerCheck::Off);
    assert_eq!(
        store.run(id).expect("the run").status,
        mlcarbon_store::RunStatus::Running
    );
}

#[test]
fn control_characters_of_stored_runs_are_escaped_on_the_terminal() {
    let dir = sandbox("escapes");
    // ESC sequences (colour, title), CR, a C1 CSI and DEL.
    let nasty = "\u{1b}[31mred\u{1b}]0;title\u{7}\rback\u{9b}2J\u{7f}";
    stored_running_run(
        &dir.join("runs.sqlite"),
        &this_host(),
        std::process::id(),
        nasty,
    );
    let escaped = r"\x1b[31mred\x1b]0;title\x07\rback\u{9b}2J\x7f";
    for args in [
        &["runs"][..],
        &["runs", "--format", "markdown"],
        &["show", "last"],
    ] {
        let out = mlcarbon(&dir).args(args).output().expect("mlcarbon starts");
        assert_eq!(code(&out), 0, "{args:?}: {}", stderr(&out));
        let text = String::from_utf8(out.stdout).expect("UTF-8");
        assert!(
            !text.chars().any(|c| c.is_control() && c != '\n'),
            "{args:?} printed a control character: {text:?}"
        );
        assert!(text.contains(&format!("proj{escaped}")), "{args:?}: {text}");
        assert!(
            text.contains(&format!("train{escaped}.py")),
            "{args:?}: {text}"
        );
    }
    let shown = String::from_utf8(
        mlcarbon(&dir)
            .args(["show", "last"])
            .output()
            .expect("show")
            .stdout,
    )
    .expect("UTF-8");
    for field in ["tag", "FR", "cpu"] {
        assert!(
            shown.contains(&format!("{field}{escaped}")),
            "{field}: {shown}"
        );
    }
    // Machine output keeps the text as stored (JSON escapes it its own way).
    let json = mlcarbon(&dir)
        .args(["runs", "--format", "json"])
        .output()
        .expect("runs");
    let runs: serde_json::Value = serde_json::from_slice(&json.stdout).expect("JSON");
    assert_eq!(runs[0]["project"], format!("proj{nasty}"));
}

#[test]
fn read_only_commands_never_create_a_database() {
    let dir = sandbox("mistyped-db");
    let missing = dir.join("no-such-folder").join("runs.sqlite");
    let missing_text = missing.display().to_string();
    for args in [
        &["runs"][..],
        &["show", "last"],
        &["export", "--all"],
        &["statement", "--run", "last"],
    ] {
        let out = mlcarbon(&dir)
            .args(args)
            .args(["--db", &missing_text])
            .output()
            .expect("mlcarbon starts");
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        let error = stderr(&out);
        assert!(error.contains(&missing_text), "{args:?}: {error}");
        assert!(error.contains("no run database"), "{args:?}: {error}");
        assert_eq!(error.lines().count(), 1, "{args:?}: {error}");
    }
    assert!(!dir.join("no-such-folder").exists(), "a folder was created");
    // A file that is not a database is named as such, and left alone.
    let not_db = dir.join("notes.txt");
    std::fs::write(&not_db, "my notes\n").expect("write");
    let out = mlcarbon(&dir)
        .args(["runs", "--db", &not_db.display().to_string()])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 2);
    assert!(
        stderr(&out).contains("is not a run database"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&not_db).expect("read"),
        "my notes\n"
    );
}

#[test]
fn the_database_is_created_user_only_and_read_in_a_read_only_folder() {
    use std::os::unix::fs::PermissionsExt;
    let dir = sandbox("db-mode");
    let folder = dir.join("data");
    let out = mlcarbon(&dir)
        .args([
            "run",
            "--replay",
            &trace(&dir),
            "--zone",
            "FR",
            "-q",
            "--db",
        ])
        .arg(folder.join("runs.sqlite"))
        .args(["--", "true"])
        .output()
        .expect("mlcarbon starts");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let mode = |path: &Path| {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(&folder), 0o700);
    assert_eq!(mode(&folder.join("runs.sqlite")), 0o600);

    // The folder made read-only (another user's, a read-only mount): still listed. (Run as
    // root, as in some CI containers, the modes do not bind and this reads as any database.)
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o500)).expect("chmod");
    std::fs::set_permissions(
        folder.join("runs.sqlite"),
        std::fs::Permissions::from_mode(0o400),
    )
    .expect("chmod");
    let out = mlcarbon(&dir)
        .args(["runs", "--db"])
        .arg(folder.join("runs.sqlite"))
        .output()
        .expect("mlcarbon starts");
    let listed = String::from_utf8_lossy(&out.stdout).into_owned();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).expect("chmod");
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(listed.contains("finished"), "{listed}");
}
