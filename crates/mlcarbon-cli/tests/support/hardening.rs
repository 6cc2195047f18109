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
