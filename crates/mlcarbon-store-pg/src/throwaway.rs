//! A throwaway PostgreSQL cluster for tests: `initdb` into a temp folder, a server on a free
//! loopback port with its socket in that folder, stopped and removed when dropped. Run as
//! root, the server runs as the `postgres` user (PostgreSQL refuses root).
//!
//! Where no PostgreSQL binaries are found, [`Cluster::start`] answers `Ok(None)` and the test
//! should say "skipped: PostgreSQL not installed" and pass, unless `MLCARBON_REQUIRE_POSTGRES=1`
//! ([`require`]), where CI installs them.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The environment variable that makes a missing PostgreSQL a failure.
pub const REQUIRE_VAR: &str = "MLCARBON_REQUIRE_POSTGRES";

/// The role the cluster is made with (trust authentication on loopback).
pub const ROLE: &str = "mlcarbon";

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("cannot make the cluster's folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("`{command}` failed: {output}")]
    Command { command: String, output: String },
    #[error("cannot create database `{name}`: {source}")]
    CreateDatabase {
        name: String,
        source: postgres::Error,
    },
}

/// A running throwaway cluster.
#[derive(Debug)]
pub struct Cluster {
    bin: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    run_as: Option<String>,
}

/// Whether the tests must find PostgreSQL (`MLCARBON_REQUIRE_POSTGRES=1`).
pub fn require() -> bool {
    std::env::var(REQUIRE_VAR).is_ok_and(|v| v == "1")
}

/// The folder of `initdb` and `pg_ctl`: `$MLCARBON_PG_BIN`, else `pg_config --bindir`, else
/// Debian's `/usr/lib/postgresql/N/bin` (the newest), else the PATH.
pub fn bin_dir() -> Option<PathBuf> {
    let has_initdb = |dir: &Path| dir.join("initdb").is_file();
    if let Some(dir) = std::env::var_os("MLCARBON_PG_BIN").map(PathBuf::from) {
        return has_initdb(&dir).then_some(dir);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && has_initdb(&dir) {
            return Some(dir);
        }
    }
    let mut debian: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = entry.path().join("bin");
            has_initdb(&bin).then_some((version, bin))
        })
        .collect();
    debian.sort();
    if let Some((_, bin)) = debian.pop() {
        return Some(bin);
    }
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).find(|dir| has_initdb(dir)))
}

impl Cluster {
    /// Starts a cluster for a test; `None`, after saying the test is skipped, where
    /// PostgreSQL is not installed and not [`require`]d. Panics otherwise: only for tests.
    pub fn for_test() -> Option<Cluster> {
        match Cluster::start() {
            Ok(Some(cluster)) => Some(cluster),
            Ok(None) if !require() => {
                eprintln!(
                    "skipped: PostgreSQL not installed (set {REQUIRE_VAR}=1 to fail instead)"
                );
                None
            }
            Ok(None) => panic!("PostgreSQL not installed, and {REQUIRE_VAR}=1"),
            Err(e) => panic!("cannot start a throwaway PostgreSQL cluster: {e}"),
        }
    }

    /// Starts a cluster; `Ok(None)` where PostgreSQL is not installed.
    pub fn start() -> Result<Option<Cluster>, ClusterError> {
        let Some(bin) = bin_dir() else {
            return Ok(None);
        };
        let dir = tempfile::Builder::new().prefix("mlcarbon-pg-").tempdir()?;
        // PostgreSQL will not run as root: hand the folder to `postgres` and run as it.
        let run_as = running_as_root(dir.path())?.then(|| "postgres".to_string());
        if run_as.is_some() {
            chown_to_postgres(dir.path())?;
        }
        let port = free_port()?;
        let mut cluster = Cluster {
            bin,
            dir,
            port,
            run_as,
        };
        let data = cluster.data_dir();
        cluster.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                ROLE,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        )?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60",
            cluster.dir.path().display()
        );
        let log = cluster.dir.path().join("server.log");
        let started = cluster.run(
            "pg_ctl",
            &[
                "-D",
                &data,
                "-o",
                &options,
                "-l",
                &log.display().to_string(),
                "-w",
                "-t",
                "60",
                "start",
            ],
        );
        if let Err(e) = started {
            let log = std::fs::read_to_string(&log).unwrap_or_default();
            // Not stopped by Drop's pg_ctl if it never started; the folder still goes.
            cluster.port = 0;
            return Err(ClusterError::Command {
                command: "pg_ctl start".into(),
                output: format!("{e}\n{log}"),
            });
        }
        Ok(Some(cluster))
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// The URL of database `db` on this cluster.
    pub fn url(&self, db: &str) -> String {
        format!("postgresql://{ROLE}@127.0.0.1:{}/{db}", self.port)
    }

    /// Creates an empty database and returns its URL.
    pub fn create_database(&self, name: &str) -> Result<String, ClusterError> {
        let create = || -> Result<(), postgres::Error> {
            let mut client = postgres::Client::connect(&self.url("postgres"), postgres::NoTls)?;
            client.batch_execute(&format!("CREATE DATABASE \"{name}\""))?;
            Ok(())
        };
        // The synchronous client runs a runtime of its own: on a thread of its own, so that
        // an async test may call this too.
        let created = std::thread::scope(|scope| scope.spawn(create).join());
        match created {
            Ok(Ok(())) => Ok(self.url(name)),
            Ok(Err(source)) => Err(ClusterError::CreateDatabase {
                name: name.into(),
                source,
            }),
            Err(_) => Err(ClusterError::Command {
                command: format!("CREATE DATABASE {name}"),
                output: "the thread panicked".into(),
            }),
        }
    }

    /// Stops the server (fast shutdown), for tests of a server going away; [`Cluster::restart`]
    /// brings it back on the same port.
    pub fn stop(&self) -> Result<(), ClusterError> {
        let data = self.data_dir();
        self.run("pg_ctl", &["-D", &data, "-m", "fast", "-w", "stop"])
            .map(drop)
    }

    pub fn restart(&self) -> Result<(), ClusterError> {
        let data = self.data_dir();
        let log = self.dir.path().join("server.log").display().to_string();
        self.run("pg_ctl", &["-D", &data, "-l", &log, "-w", "start"])
            .map(drop)
    }

    fn data_dir(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<Output, ClusterError> {
        let path = self.bin.join(program);
        let mut command = match &self.run_as {
            Some(user) => {
                let mut command = Command::new("runuser");
                command.args(["-u", user, "--"]).arg(&path);
                command
            }
            None => Command::new(&path),
        };
        command.args(args).current_dir(self.dir.path());
        let output = command.output()?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(ClusterError::Command {
                command: format!("{} {}", path.display(), args.join(" ")),
                output: format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                ),
            })
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if self.port != 0 {
            let data = self.data_dir();
            let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "-w", "stop"]);
        }
    }
}

/// Whether files this process creates belong to root: the owner of a new file is the
/// effective user, read without `unsafe` or a libc call.
fn running_as_root(dir: &Path) -> Result<bool, ClusterError> {
    use std::os::unix::fs::MetadataExt;
    let probe = dir.join(".owner");
    std::fs::write(&probe, b"")?;
    let uid = std::fs::metadata(&probe)?.uid();
    std::fs::remove_file(&probe)?;
    Ok(uid == 0)
}

fn chown_to_postgres(dir: &Path) -> Result<(), ClusterError> {
    let output = Command::new("chown").arg("postgres:").arg(dir).output()?;
    if output.status.success() {
        Ok(())
    } else {
        Err(ClusterError::Command {
            command: format!("chown postgres: {}", dir.display()),
            output: String::from_utf8_lossy(&output.stderr).into_owned(),
        })
    }
}

/// A loopback port nothing listens on now.
fn free_port() -> Result<u16, ClusterError> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}
