//! Trackers pushing to a team server, end to end with real processes on loopback: the real
//! `mlcarbon serve` (token, SQLite database) stopped and restarted under two trackers of one
//! distributed job on two hosts (`MLCARBON_HOST`), and a tracker killed with SIGKILL while the
//! server is down, its samples delivered afterwards by `mlcarbon push`. Every sample must reach
//! the server exactly once, and the job's total must be the sum of its runs.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mlcarbon_store::{RunRecord, RunStatus, Store, TrackerCheck};

const TOKEN: &str = "team-token";
const JOB: &str = "job-push-test";

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mlcarbon"))
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A free loopback port: bound, read, released.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `mlcarbon` with none of the caller's mlcarbon settings.
fn mlcarbon(dir: &Path) -> Command {
    let mut cmd = Command::new(binary());
    for name in [
        "MLCARBON_DB",
        "MLCARBON_HOST",
        "MLCARBON_SERVER",
        "MLCARBON_TOKEN",
        "MLCARBON_DATA_DIR",
        "SLURM_JOB_ID",
        "TORCHELASTIC_RUN_ID",
        "MASTER_ADDR",
        "MASTER_PORT",
        "LOCAL_RANK",
        "RANK",
    ] {
        cmd.env_remove(name);
    }
    cmd.env("MLCARBON_CONFIG", dir.join("no-config"));
    cmd
}

/// The real server on `port` over `db`, up and answering when this returns.
fn start_server(dir: &Path, port: u16, db: &Path) -> Child {
    let child = mlcarbon(dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}"), "--db"])
        .arg(db)
        .env("MLCARBON_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mlcarbon serve starts");
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "the server did not come up");
        std::thread::sleep(Duration::from_millis(50));
    }
    child
}

fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// A tracker of job [`JOB`] on `host` running `sleep seconds`, pushing to `port`.
fn start_tracker(dir: &Path, host: &str, port: u16, seconds: &str) -> Child {
    let stderr = std::fs::File::create(dir.join(format!("{host}.stderr"))).expect("log");
    mlcarbon(dir)
        .args(["run", "--replay", "demo", "--job", JOB])
        .args(["--interval", "0.2", "--commit-every", "0.2"])
        .args(["--server", &format!("http://127.0.0.1:{port}")])
        .arg("--db")
        .arg(dir.join(format!("{host}.sqlite")))
        .args(["--", "sleep", seconds])
        .env("MLCARBON_HOST", host)
        .env("MLCARBON_TOKEN", TOKEN)
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .expect("mlcarbon run starts")
}

/// The body of `GET path` on the server.
fn http_get(port: u16, path: &str) -> serde_json::Value {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .expect("request");
    let mut raw = String::new();
    stream.read_to_string(&mut raw).expect("answer");
    let (head, body) = raw.split_once("\r\n\r\n").expect("headers");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}\n{body}");
    serde_json::from_str(body).expect("JSON")
}

fn open(path: &Path) -> Store {
    let mut store = Store::open_read_only(path).expect("database");
    store.set_tracker_check(TrackerCheck::Off);
    store
}

fn only_run(store: &Store) -> RunRecord {
    let runs = store.runs(&Default::default()).expect("runs");
    assert_eq!(runs.len(), 1, "{runs:?}");
    runs.into_iter().next().expect("one run")
}

/// The local run of `local` is on the server whole: the same start, every sample once and
/// identical, the same totals. Returns the server's copy.
fn assert_delivered(local: &Path, server: &Store) -> RunRecord {
    let local = open(local);
    let mine = only_run(&local);
    let id = server
        .run_id_by_uuid(&mine.uuid)
        .expect("read")
        .expect("the server has the run");
    let theirs = server.run(id).expect("run");
    assert_eq!(theirs.start, mine.start);
    assert_eq!(theirs.status, mine.status);
    assert!(mine.samples > 10, "{} samples", mine.samples);
    assert_eq!(theirs.samples, mine.samples);
    assert_eq!(
        server.samples(id).expect("server samples"),
        local.samples(mine.id).expect("local samples")
    );
    assert_eq!(theirs.energy_kwh, mine.energy_kwh);
    assert_eq!(theirs.emissions_kg, mine.emissions_kg);
    assert!((theirs.it_energy_kwh() - mine.it_energy_kwh()).abs() <= 1e-12 * mine.it_energy_kwh());
    theirs
}

#[test]
fn two_hosts_push_through_a_server_restart_and_every_sample_arrives_once() {
    let dir = temp_dir("team-push-restart");
    let port = free_port();
    let server_db = dir.join("server.sqlite");
    let server = start_server(&dir, port, &server_db);
    let a = start_tracker(&dir, "host-a", port, "25");
    let b = start_tracker(&dir, "host-b", port, "25");

    std::thread::sleep(Duration::from_secs(5));
    stop(server);
    std::thread::sleep(Duration::from_secs(10));
    let server = start_server(&dir, port, &server_db);

    for (host, child) in [("host-a", a), ("host-b", b)] {
        let status = child.wait_with_output().expect("tracker ends").status;
        let log = std::fs::read_to_string(dir.join(format!("{host}.stderr"))).unwrap_or_default();
        assert!(status.success(), "{host}: {status}\n{log}");
        assert!(log.contains("cannot reach the server"), "{host}:\n{log}");
        assert!(log.contains("reachable again"), "{host}:\n{log}");
        assert!(log.contains("pushed     all"), "{host}:\n{log}");
    }

    let listed = http_get(port, &format!("/api/runs?job={JOB}"));
    let mut hosts: Vec<&str> = listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|run| run["hostname"].as_str().expect("host"))
        .collect();
    hosts.sort_unstable();
    assert_eq!(hosts, ["host-a", "host-b"]);
    stop(server);

    let server = open(&server_db);
    let runs = [
        assert_delivered(&dir.join("host-a.sqlite"), &server),
        assert_delivered(&dir.join("host-b.sqlite"), &server),
    ];
    let job = server.job(JOB).expect("job").expect("the job has runs");
    let sum: f64 = runs.iter().map(|r| r.energy_kwh).sum();
    assert!(
        (job.energy_kwh - sum).abs() <= 0.001 * sum,
        "job {} kWh, runs {} kWh",
        job.energy_kwh,
        sum
    );
    let emissions: f64 = runs.iter().map(|r| r.emissions_kg).sum();
    assert!((job.emissions_kg - emissions).abs() <= 0.001 * emissions);
    assert_eq!(job.nodes.len(), 2);
}

#[test]
fn a_tracker_killed_while_the_server_is_down_is_delivered_by_push() {
    let dir = temp_dir("team-push-killed");
    let port = free_port();
    let server_db = dir.join("server.sqlite");
    let server = start_server(&dir, port, &server_db);
    let mut tracker = start_tracker(&dir, "host-k", port, "12");
    std::thread::sleep(Duration::from_secs(3));
    stop(server);
    std::thread::sleep(Duration::from_secs(3));
    tracker.kill().expect("SIGKILL");
    tracker.wait().expect("reaped");

    let server = start_server(&dir, port, &server_db);
    let pushed = mlcarbon(&dir)
        .arg("push")
        .arg("--db")
        .arg(dir.join("host-k.sqlite"))
        .env("MLCARBON_HOST", "host-k")
        .env("MLCARBON_TOKEN", TOKEN)
        .output()
        .expect("mlcarbon push runs");
    let out = String::from_utf8_lossy(&pushed.stdout);
    assert!(
        pushed.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&pushed.stderr)
    );
    assert!(out.contains(": 1 run delivered, "), "{out}");
    // Nothing is left: a second push sends nothing.
    let again = mlcarbon(&dir)
        .arg("push")
        .arg("--db")
        .arg(dir.join("host-k.sqlite"))
        .env("MLCARBON_HOST", "host-k")
        .output()
        .expect("mlcarbon push runs");
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("nothing to push"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    stop(server);

    let server = open(&server_db);
    let run = assert_delivered(&dir.join("host-k.sqlite"), &server);
    assert_eq!(run.status, RunStatus::Interrupted);
}

/// `mlcarbon ARGS --server` of the server on `port`: its status, stdout and stderr.
fn read_server(dir: &Path, port: u16, args: &[&str]) -> (bool, String, String) {
    let out = mlcarbon(dir)
        .args(args)
        .args(["--server", &format!("http://127.0.0.1:{port}")])
        .output()
        .expect("mlcarbon starts");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn read_json(dir: &Path, port: u16, args: &[&str]) -> serde_json::Value {
    let (ok, stdout, stderr) = read_server(dir, port, args);
    assert!(ok, "mlcarbon {args:?} --server: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    serde_json::from_str(&stdout).expect("JSON")
}

#[test]
fn the_team_total_of_a_job_is_read_from_the_server() {
    let dir = temp_dir("team-read");
    let port = free_port();
    let server = start_server(&dir, port, &dir.join("server.sqlite"));
    for (host, child) in [
        ("host-a", start_tracker(&dir, "host-a", port, "1")),
        ("host-b", start_tracker(&dir, "host-b", port, "1.5")),
    ] {
        let status = child.wait_with_output().expect("tracker ends").status;
        let log = std::fs::read_to_string(dir.join(format!("{host}.stderr"))).unwrap_or_default();
        assert!(
            status.success() && log.contains("pushed     all"),
            "{host}:\n{log}"
        );
    }

    // The job as the server totals it, through the CLI: the same JSON as the API's.
    let job = read_json(
        &dir,
        port,
        &["show", &format!("job:{JOB}"), "--format", "json"],
    );
    assert_eq!(job, http_get(port, &format!("/api/jobs/{JOB}")));
    let hosts: Vec<&str> = job["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["host"].as_str().expect("host"))
        .collect();
    assert_eq!(hosts, ["host-a", "host-b"]);
    let jobs = read_json(&dir, port, &["jobs", "--format", "json"]);
    assert_eq!(jobs, http_get(port, "/api/jobs"));
    assert_eq!(jobs[0], job);

    // The runs of both hosts, and the total is their sum.
    let runs = read_json(&dir, port, &["runs", "--job", JOB, "--format", "json"]);
    assert_eq!(runs, http_get(port, &format!("/api/runs?job={JOB}")));
    let runs = runs.as_array().expect("runs");
    assert_eq!(runs.len(), 2);
    let sum: f64 = runs
        .iter()
        .map(|r| r["energy_kwh"].as_f64().expect("kWh"))
        .sum();
    let total = job["energy_kwh"].as_f64().expect("kWh");
    assert!((total - sum).abs() <= 1e-9 * sum, "{total} vs {sum}");

    // Each host's own database knows only its own run of the job; MLCARBON_SERVER says where
    // trackers push and does not turn the read into one of the server.
    let local = mlcarbon(&dir)
        .args(["jobs", "--format", "json", "--db"])
        .arg(dir.join("host-a.sqlite"))
        .env("MLCARBON_SERVER", format!("http://127.0.0.1:{port}"))
        .output()
        .expect("mlcarbon jobs");
    let local: serde_json::Value = serde_json::from_slice(&local.stdout).expect("JSON");
    assert_eq!(local[0]["nodes"].as_array().map(Vec::len), Some(1));

    // Human output, rendered as the local commands render theirs.
    let (ok, text, _) = read_server(&dir, port, &["show", &format!("job:{JOB}")]);
    assert!(ok && text.contains(&format!("job {JOB}:")), "{text}");
    assert!(
        text.contains("2 hosts, 2 runs") && text.contains("host-b"),
        "{text}"
    );
    let (ok, text, _) = read_server(&dir, port, &["jobs"]);
    assert!(ok && text.contains(JOB), "{text}");
    let (ok, text, _) = read_server(&dir, port, &["runs", "--job", JOB, "--limit", "1"]);
    assert!(
        ok && text.lines().count() == 2,
        "one run under the header: {text}"
    );

    // A run by its uuid, the same on the tracker's host and on the server.
    let uuid = runs[0]["uuid"].as_str().expect("uuid");
    let shown = read_json(&dir, port, &["show", uuid, "--format", "json"]);
    assert_eq!(shown, http_get(port, &format!("/api/runs/{uuid}")));
    assert_eq!(shown["run"]["uuid"], uuid);
    let (ok, text, stderr) = read_server(&dir, port, &["show", uuid]);
    assert!(ok, "{stderr}");
    assert!(
        text.contains("  power      ") && text.contains(&format!("uuid       {uuid}")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "`mlcarbon show job:{JOB} --server http://127.0.0.1:{port}`"
        )),
        "{text}"
    );

    // The token is sent: the server shows command lines only to requests bearing it.
    assert!(
        text.contains("command    (hidden by the server"),
        "without a token: {text}"
    );
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n")).expect("token file");
    let with_file = mlcarbon(&dir)
        .args([
            "show",
            uuid,
            "--server",
            &format!("http://127.0.0.1:{port}"),
        ])
        .arg("--token-file")
        .arg(&token_file)
        .output()
        .expect("mlcarbon show");
    let text = String::from_utf8_lossy(&with_file.stdout);
    assert!(
        text.contains("command    sleep "),
        "with --token-file: {text}"
    );
    let with_env = mlcarbon(&dir)
        .args(["runs", "--job", JOB, "--format", "json"])
        .args(["--server", &format!("http://127.0.0.1:{port}")])
        .env("MLCARBON_TOKEN", TOKEN)
        .output()
        .expect("mlcarbon runs");
    let listed: serde_json::Value = serde_json::from_slice(&with_env.stdout).expect("JSON");
    assert_eq!(listed[0]["command"][0], "sleep", "with MLCARBON_TOKEN");

    // A job or run the server does not have: one line naming the command that lists them.
    let (ok, _, stderr) = read_server(&dir, port, &["show", "job:nope"]);
    assert!(!ok);
    assert!(
        stderr.contains("no job `nope` on the team server")
            && stderr.contains(&format!("`mlcarbon jobs --server http://127.0.0.1:{port}`")),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    let (ok, _, stderr) = read_server(&dir, port, &["show", "999"]);
    assert!(!ok && stderr.contains("mlcarbon runs --server"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    stop(server);
}

#[test]
fn reading_a_server_that_is_down_fails_in_one_line() {
    let dir = temp_dir("team-read-down");
    let port = free_port();
    for args in [
        vec!["jobs"],
        vec!["show", "job:any"],
        vec!["show", "last"],
        vec!["runs", "--job", "any"],
    ] {
        let (ok, stdout, stderr) = read_server(&dir, port, &args);
        assert!(!ok, "{args:?}: {stdout}");
        assert!(
            stderr.contains(&format!(
                "cannot read from the team server http://127.0.0.1:{port}"
            )) && stderr.contains("mlcarbon serve"),
            "{args:?}: {stderr}"
        );
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    }
}
