//! `mlcarbon serve --db postgresql://...` on a real, throwaway PostgreSQL cluster: a run posted
//! to the API reads back from the API and the dashboard; a server that cannot be reached, or a
//! malformed URL, is one line of error.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use mlcarbon_store::conformance::{new_run, sample};
use mlcarbon_store::{RunEnd, RunStatus};
use mlcarbon_store_pg::throwaway::Cluster;

fn sandbox(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("postgres")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the sandbox");
    dir
}

fn mlcarbon(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mlcarbon"));
    cmd.env_remove("MLCARBON_DATA_DIR")
        .env_remove("MLCARBON_TOKEN")
        .env_remove("MLCARBON_DB")
        .env("HOME", dir)
        .env("XDG_DATA_HOME", dir.join("data"))
        .env("XDG_CONFIG_HOME", dir.join("config"));
    cmd
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// One HTTP/1.1 exchange: (status, body).
fn http(port: u16, method: &str, path: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let auth = token.map_or(String::new(), |t| format!("Authorization: Bearer {t}\r\n"));
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, body.to_string())
}

/// The server, killed when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `mlcarbon serve` on `db` (a URL or a file, from the environment as a team server's unit
/// file would give it), once it listens; and its port.
fn serve(dir: &Path, db: &str) -> (Server, u16) {
    let port = free_port();
    let child = mlcarbon(dir)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("MLCARBON_DB", db)
        .env("MLCARBON_TOKEN", "team-token")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mlcarbon serve starts");
    let mut server = Server(child);
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.0.try_wait() {
            let mut text = String::new();
            if let Some(mut err) = server.0.stderr.take() {
                let _ = err.read_to_string(&mut text);
            }
            panic!("mlcarbon serve exited ({status}): {text}");
        }
        assert!(Instant::now() < deadline, "the server never listened");
        std::thread::sleep(Duration::from_millis(100));
    }
    (server, port)
}

#[test]
fn serve_on_postgres_records_and_shows_a_posted_run() {
    let Some(cluster) = Cluster::for_test() else {
        return;
    };
    let url = cluster.create_database("serve").expect("create database");
    let dir = sandbox("serve");
    let (_server, port) = serve(&dir, &url);

    let posted = serde_json::json!({
        "run": new_run("pg-served-run", "team", "2024-03-01T10:00:00Z"),
        "samples": (0..20).map(sample).collect::<Vec<_>>(),
        "end": RunEnd {
            ended_at: "2024-03-01T10:00:20Z".into(),
            duration_s: 20.0,
            exit_code: Some(0),
            signal: None,
            status: RunStatus::Finished,
        },
    })
    .to_string();
    let (status, body) = http(port, "POST", "/api/runs", Some("team-token"), &posted);
    assert_eq!(status, 201, "{body}");
    let created: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(created["samples"], 20);
    assert_eq!(created["status"], "finished");
    let id = created["id"].as_i64().expect("an id");

    // The same run again: the uuid is taken (409), nothing doubled.
    let (status, _) = http(port, "POST", "/api/runs", Some("team-token"), &posted);
    assert_eq!(status, 409);

    let (status, body) = http(port, "GET", "/api/runs", None, "");
    assert_eq!(status, 200, "{body}");
    let listed: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    let runs = listed.as_array().expect("a list of runs");
    assert_eq!(runs.len(), 1, "{body}");
    assert_eq!(runs[0]["uuid"], "pg-served-run");
    assert_eq!(runs[0]["samples"], 20);
    let energy = runs[0]["energy_kwh"].as_f64().expect("energy");
    assert!((energy - sample(19).energy_kwh).abs() < 1e-12, "{energy}");

    let (status, body) = http(port, "GET", &format!("/api/runs/{id}/samples"), None, "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body.matches("\"seq\"").count(), 20, "{body}");

    let (status, page) = http(port, "GET", "/runs", None, "");
    assert_eq!(status, 200);
    assert!(
        page.contains("team"),
        "the dashboard lists the run's project"
    );
    let (status, page) = http(port, "GET", &format!("/runs/{id}"), None, "");
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("pg-served-run"), "the run page names the run");

    // Accounts on PostgreSQL, made by the admin commands while the server runs: the first user
    // token turns them on (within a second), and the run's project given to another team
    // hides it from that token.
    let admin = |args: &[&str]| {
        let output = mlcarbon(&dir)
            .arg("serve")
            .args(args)
            .env("MLCARBON_DB", &url)
            .output()
            .expect("mlcarbon starts");
        assert!(output.status.success(), "{args:?}: {output:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let token = admin(&[
        "token", "create", "--user", "ada", "--team", "vision", "--scope", "write",
    ]);
    let token = token.trim();
    assert!(token.starts_with("mlct_"), "{token}");
    admin(&["project", "assign", "team", "--team", "owners"]);
    assert!(admin(&["token", "list"]).contains("ada"));
    std::thread::sleep(Duration::from_millis(1500));
    let (status, body) = http(port, "GET", "/api/runs", None, "");
    assert_eq!(status, 401, "{body}");
    let (status, body) = http(port, "GET", "/api/runs", Some(token), "");
    assert_eq!(
        (status, body.trim()),
        (200, "[]"),
        "another team's run is hidden"
    );
    let (status, body) = http(port, "GET", &format!("/api/runs/{id}"), Some(token), "");
    assert_eq!(status, 404, "{body}");
    let again = serde_json::json!({
        "run": new_run("pg-ada-run", "team", "2024-03-02T10:00:00Z"),
        "samples": [],
    })
    .to_string();
    let (status, body) = http(port, "POST", "/api/runs", Some(token), &again);
    assert_eq!(status, 403, "{body}");
    assert!(body.contains("owners"), "{body}");
    let (status, body) = http(port, "GET", "/api/runs", Some("team-token"), "");
    assert_eq!(status, 200, "{body}");
    assert!(
        body.contains("pg-served-run"),
        "the server's token reads everything"
    );
}

#[test]
fn serve_and_slurm_import_name_an_unreachable_or_malformed_postgres_url_in_one_line() {
    let dir = sandbox("unreachable");
    let closed = free_port();
    for (url, expected) in [
        (
            format!("postgresql://team:secret@127.0.0.1:{closed}/runs"),
            format!(
                "cannot connect to the run database at postgresql://team@127.0.0.1:{closed}/runs"
            ),
        ),
        (
            "postgresql://team@127.0.0.1:notaport/runs".to_string(),
            "postgresql://USER@HOST[:PORT]/DB".to_string(),
        ),
    ] {
        let serve = vec![
            "serve".to_string(),
            "--bind".into(),
            format!("127.0.0.1:{}", free_port()),
        ];
        let import = [
            "slurm",
            "import",
            &format!("{SLURM_FIXTURES}/traps.psv"),
            "--cluster-name",
            "hpc",
        ]
        .map(String::from)
        .to_vec();
        for command in [serve, import] {
            let out = mlcarbon(&dir)
                .args(&command)
                .args(["--db", &url])
                .output()
                .expect("mlcarbon starts");
            let text = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{command:?}: {text}");
            assert_eq!(text.lines().count(), 1, "{text}");
            assert!(text.starts_with("error: "), "{text}");
            assert!(text.contains(&expected), "{text}");
            assert!(!text.contains("secret"), "{text}");
        }
    }
}

const SLURM_FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../mlcarbon-slurm/tests/fixtures"
);

/// `slurm import` of the trap fixture into `db` (a URL or a file); what it printed.
fn import_traps(dir: &Path, db: &str) -> String {
    let output = mlcarbon(dir)
        .args([
            "slurm",
            "import",
            &format!("{SLURM_FIXTURES}/traps.psv"),
            "--cluster-name",
            "hpc",
            "--cluster",
            &format!("{SLURM_FIXTURES}/cluster.toml"),
        ])
        .env("MLCARBON_DB", db)
        .output()
        .expect("mlcarbon starts");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// Every group of `slurm_job_totals`, owned and sorted, from either store.
fn totals_of(
    each: impl FnOnce(
        &mut dyn FnMut(&mlcarbon_store::slurm::SlurmTotalsRow<'_>) -> Result<(), ()>,
    ) -> u64,
) -> (u64, Vec<String>) {
    let mut groups = Vec::new();
    let jobs = each(&mut |group| {
        groups.push(format!("{group:?}"));
        Ok(())
    });
    groups.sort();
    (jobs, groups)
}

#[test]
fn slurm_import_into_postgres_stores_what_the_sqlite_import_stores() {
    let Some(cluster) = Cluster::for_test() else {
        return;
    };
    let url = cluster.create_database("slurm").expect("create database");
    let dir = sandbox("slurm-import");
    let sqlite = dir.join("runs.sqlite");
    let sqlite = sqlite.to_str().expect("UTF-8 path");

    let first = import_traps(&dir, &url);
    assert!(first.starts_with("imported 10 jobs (18 rows)"), "{first}");
    assert!(first.contains(" into postgresql://"), "{first}");
    // Again: every job replaced, leaving its group; nothing doubled.
    let again = import_traps(&dir, &url);
    assert!(
        again.contains("10 were already stored and were replaced"),
        "{again}"
    );
    import_traps(&dir, sqlite);

    let pg = mlcarbon_store_pg::PgStore::connect(&url).expect("connect");
    let local = mlcarbon_store::Store::open(Path::new(sqlite)).expect("open");
    let from_pg = totals_of(|each| {
        pg.each_slurm_totals(Some("hpc"), each)
            .expect("read")
            .expect("no error")
    });
    let from_sqlite = totals_of(|each| {
        local
            .each_slurm_totals(Some("hpc"), each)
            .expect("read")
            .expect("no error")
    });
    assert_eq!(from_pg.0, 10);
    assert!(!from_pg.1.is_empty());
    assert_eq!(from_pg, from_sqlite);
    drop(pg);

    // The report from the team server's PostgreSQL adds the same stored figures as the one
    // from SQLite (which may take its group totals' shortcut): the same JSON.
    let report = |db: &str, by: &[&str]| {
        let mut args = vec![
            "slurm".to_string(),
            "report".to_string(),
            "--from-db".to_string(),
            "--cluster-name".to_string(),
            "hpc".to_string(),
            "--cluster".to_string(),
            format!("{SLURM_FIXTURES}/cluster.toml"),
            "--format".to_string(),
            "json".to_string(),
        ];
        for b in by {
            args.push("--by".to_string());
            args.push(b.to_string());
        }
        let output = mlcarbon(&dir)
            .args(&args)
            .env("MLCARBON_DB", db)
            .output()
            .expect("mlcarbon starts");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{stderr}");
        serde_json::from_slice::<serde_json::Value>(&output.stdout).expect("JSON")
    };
    for by in [&["account"][..], &["month", "state"][..]] {
        let on_pg = report(&url, by);
        assert!(on_pg["totals"]["jobs"].as_u64() > Some(0), "{on_pg}");
        assert_eq!(on_pg, report(sqlite, by), "--by {by:?}");
    }
    let compat = mlcarbon(&dir)
        .args(["slurm", "report", "--from-db", "--compat", "ga4hpc"])
        .args([
            "--cluster-info",
            &format!("{SLURM_FIXTURES}/ga4hpc_cluster_info.yaml"),
        ])
        .env("MLCARBON_DB", &url)
        .output()
        .expect("mlcarbon starts");
    let stderr = String::from_utf8_lossy(&compat.stderr);
    assert!(!compat.status.success());
    assert!(stderr.contains("give the sacct file"), "{stderr}");
    assert!(!stderr.contains("password"), "{stderr}");

    let (_pg_server, pg_port) = serve(&dir, &url);
    let (_sqlite_server, sqlite_port) = serve(&dir, sqlite);
    for query in [
        "/api/slurm?cluster=hpc&by=account",
        "/api/slurm?by=month,state&top=20",
    ] {
        let (status, on_pg) = http(pg_port, "GET", query, None, "");
        assert_eq!(status, 200, "{on_pg}");
        let (status, on_sqlite) = http(sqlite_port, "GET", query, None, "");
        assert_eq!(status, 200, "{on_sqlite}");
        let on_pg: serde_json::Value = serde_json::from_str(&on_pg).expect("JSON");
        let on_sqlite: serde_json::Value = serde_json::from_str(&on_sqlite).expect("JSON");
        assert_eq!(on_pg["clusters"][0]["jobs"], 10, "{on_pg}");
        assert_eq!(on_pg, on_sqlite, "{query}");
    }
}
