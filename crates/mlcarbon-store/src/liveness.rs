//! Is the process that writes a run still there? For [`crate::Store::recover_interrupted`].

/// A liveness check for runs written on `this_hostname`: a run from another host is taken as
/// alive (nothing here can see that host's processes), a local one is alive while its pid runs.
///
/// Call it before starting your own run. In a container mlcarbon often gets the same pid every
/// time (1, or a low number); a killed run then looks alive to the next start, whose own pid it
/// is. A caller that has not started a run yet may treat `std::process::id()` as dead.
pub fn on_this_host(this_hostname: &str) -> impl Fn(u32, &str) -> bool + '_ {
    move |pid, hostname| hostname != this_hostname || pid_is_running(pid)
}

/// This machine's name as runs record it: `$MLCARBON_HOST` when set (containers that all get
/// the same name, tests of several hosts), else `/proc/sys/kernel/hostname`, `localhost` where
/// it cannot be read.
pub fn this_hostname() -> String {
    std::env::var(crate::paths::HOST)
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

/// Whether a process with this pid exists on this machine and is not a zombie.
///
/// Linux reads `/proc/PID/stat`; other Unix systems ask `ps -p PID`; elsewhere the answer is
/// "running", so that no run is ever marked interrupted on a guess.
pub fn pid_is_running(pid: u32) -> bool {
    if pid == 0 {
        return false;
    }
    platform::pid_is_running(pid)
}

#[cfg(target_os = "linux")]
mod platform {
    pub(super) fn pid_is_running(pid: u32) -> bool {
        match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
            // The state follows the command name, which is in parentheses and may hold spaces
            // and parentheses itself: take the text after the last `)`.
            Ok(stat) => match stat.rsplit_once(')') {
                Some((_, after)) => !matches!(after.trim_start().chars().next(), Some('Z' | 'X')),
                None => true,
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            // Present but unreadable (hidepid, permissions): it exists.
            Err(_) => true,
        }
    }
}

#[cfg(all(unix, not(target_os = "linux")))]
mod platform {
    use std::process::{Command, Stdio};

    pub(super) fn pid_is_running(pid: u32) -> bool {
        match Command::new("ps")
            .args(["-p", &pid.to_string(), "-o", "stat="])
            .stderr(Stdio::null())
            .output()
        {
            Ok(output) if output.status.success() => !String::from_utf8_lossy(&output.stdout)
                .trim_start()
                .starts_with('Z'),
            // `ps -p` exits non-zero when no such process exists.
            Ok(_) => false,
            // No `ps` to ask: do not guess that it died.
            Err(_) => true,
        }
    }
}

#[cfg(not(unix))]
mod platform {
    pub(super) fn pid_is_running(_pid: u32) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_runs_and_pid_zero_does_not() {
        assert!(pid_is_running(std::process::id()));
        assert!(!pid_is_running(0));
    }

    #[test]
    fn runs_of_other_hosts_count_as_alive() {
        let alive = on_this_host("here");
        assert!(alive(u32::MAX - 1, "elsewhere"));
        assert!(alive(std::process::id(), "here"));
    }

    #[cfg(unix)]
    #[test]
    fn a_reaped_child_is_gone() {
        let Ok(mut child) = std::process::Command::new("true").spawn() else {
            return; // no `true` binary: nothing to check with
        };
        let pid = child.id();
        assert!(child.wait().is_ok());
        assert!(!pid_is_running(pid));
    }
}
