//! The tracked command: started as a child, its signals passed on as a shell would, its exit
//! status turned into ours.

use std::process::{Child, Command, ExitStatus};
use std::sync::mpsc::{self, Receiver};
use std::thread;

use anyhow::{Context, Result};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use signal_hook::consts::{SIGHUP, SIGINT, SIGQUIT, SIGTERM};
use signal_hook::iterator::SignalsInfo;
use signal_hook::iterator::exfiltrator::WithOrigin;

/// Signals passed on to the child.
const FORWARDED: [i32; 4] = [SIGINT, SIGTERM, SIGHUP, SIGQUIT];

/// A running child: its pid and a channel that yields its exit status once.
pub struct Running {
    pub pid: u32,
    pub exited: Receiver<std::io::Result<ExitStatus>>,
}

/// The command could not be started. Its exit code follows `env`, shells and container runners:
/// 127 when it is not found, 126 when it cannot be executed, so that a script can tell these
/// from the command's own codes and from mlcarbon's (125).
#[derive(Debug)]
pub struct StartError {
    pub exit_code: u8,
    message: String,
}

/// `run`'s code for a command that was not found.
pub const NOT_FOUND: u8 = 127;
/// `run`'s code for a command that was found but cannot be executed.
pub const NOT_EXECUTABLE: u8 = 126;

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for StartError {}

/// Starts `program args…` with the extra environment, and two small threads: one waits for the
/// child, one passes signals on to it.
pub fn spawn(program: &str, args: &[String], env: &[(String, String)]) -> Result<Running> {
    // Handlers go in before the child starts, so a Ctrl-C in between cannot kill us alone.
    let mut signals =
        SignalsInfo::<WithOrigin>::new(FORWARDED).context("installing signal handlers")?;
    let mut command = Command::new(program);
    command.args(args);
    for (k, v) in env {
        command.env(k, v);
    }
    let mut child: Child = command.spawn().map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => StartError {
            exit_code: NOT_FOUND,
            message: format!("command not found: `{program}`; check the name and PATH"),
        },
        std::io::ErrorKind::PermissionDenied => StartError {
            exit_code: NOT_EXECUTABLE,
            message: format!(
                "cannot execute `{program}`: permission denied (is it executable? `chmod +x {program}`)"
            ),
        },
        _ => StartError {
            exit_code: NOT_EXECUTABLE,
            message: format!("cannot start `{program}`: {e}"),
        },
    })?;
    let pid = child.id();
    let (exit_tx, exit_rx) = mpsc::channel();
    thread::Builder::new()
        .name("child-wait".into())
        .spawn(move || {
            let _ = exit_tx.send(child.wait());
        })
        .context("starting the wait thread")?;
    let handle = signals.handle();
    thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            for info in signals.forever() {
                // A signal from the terminal (no sending process) already reached the child, which
                // shares our process group; one sent to mlcarbon alone is passed on.
                if info.process.is_some()
                    && let Ok(signal) = Signal::try_from(info.signal)
                {
                    let _ = kill(Pid::from_raw(pid as i32), signal);
                }
            }
        })
        .context("starting the signal thread")?;
    // The handle is kept alive by the thread's iterator; closing it is not needed before exit.
    drop(handle);
    Ok(Running {
        pid,
        exited: exit_rx,
    })
}

/// The exit code a shell reports: the child's own, or 128 + n when signal n killed it.
pub fn exit_code(status: ExitStatus) -> (i32, Option<i32>) {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => (code, None),
        (None, Some(signal)) => (128 + signal, Some(signal)),
        (None, None) => (1, None),
    }
}
