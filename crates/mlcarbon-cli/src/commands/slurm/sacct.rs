//! Running `sacct` for `slurm import --since` (a window, week by week: sacct servers refuse or
//! time out on wide ranges, and slurmdbd's `MaxQueryTimeRange` may forbid them) and for
//! `slurm epilog` (one job, bounded in time so that a slow slurmdbd never holds a node).

use std::io::{BufReader, Read};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The fields the readers use, in sacct's names.
pub const FORMAT: &str = "JobID,User,Account,Partition,State,Submit,Start,End,Elapsed,TotalCPU,CPUTime,NCPUS,NNodes,ReqMem,MaxRSS,AllocTRES,TRESUsageInTot,ConsumedEnergyRaw,NodeList";

/// The program: `sacct` on PATH.
const SACCT: &str = "sacct";

/// Days per sacct query.
const WINDOW_DAYS: i64 = 7;

/// One sacct query's time window, as sacct's `--starttime`/`--endtime` read them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    pub start: String,
    pub end: String,
}

/// The weeks from the day `since` to the day `until` (both included, as days since the epoch),
/// the last one shorter when the span is not whole weeks.
pub fn weeks(since: i64, until: i64) -> Vec<Window> {
    let midnight = |day: i64| format!("{}T00:00:00", mlcarbon_time::format_day(day));
    let mut windows = Vec::new();
    let mut start = since;
    while start <= until {
        let end = (start + WINDOW_DAYS).min(until + 1);
        windows.push(Window {
            start: midnight(start),
            end: midnight(end),
        });
        start = end;
    }
    windows
}

/// sacct's arguments for every job (and step) of a window, all users.
pub fn window_args(window: &Window) -> Vec<String> {
    [
        "--allusers",
        "--parsable2",
        "--starttime",
        &window.start,
        "--endtime",
        &window.end,
        "--format",
        FORMAT,
    ]
    .map(String::from)
    .to_vec()
}

/// sacct's arguments for one job and its steps.
pub fn job_args(job_id: &str) -> Vec<String> {
    [
        "--allusers",
        "--parsable2",
        "--jobs",
        job_id,
        "--format",
        FORMAT,
    ]
    .map(String::from)
    .to_vec()
}

/// sacct's standard error, read as it comes (so a chatty sacct never blocks on a full pipe)
/// and kept for the error message.
type Messages = std::thread::JoinHandle<String>;

fn spawn(args: &[String]) -> Result<(Child, ChildStdout, Messages)> {
    let mut child = Command::new(SACCT)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => anyhow::anyhow!(
                "cannot run `sacct`: not found on PATH; run this where Slurm's client commands are installed, or save sacct's output to a file and import that"
            ),
            _ => anyhow::Error::new(e).context("cannot run `sacct`"),
        })?;
    let stdout = child
        .stdout
        .take()
        .context("sacct's standard output was not captured")?;
    let mut stderr = child
        .stderr
        .take()
        .context("sacct's standard error was not captured")?;
    let messages = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    Ok((child, stdout, messages))
}

fn check(status: ExitStatus, what: &str, messages: Messages) -> Result<()> {
    let messages = messages.join().unwrap_or_default();
    if !status.success() {
        // The last lines say why; one line, as every mlcarbon error.
        let said: Vec<&str> = messages.lines().filter(|l| !l.trim().is_empty()).collect();
        let said = said[said.len().saturating_sub(2)..].join(" / ");
        bail!(
            "sacct {what} failed ({status}){}; check that slurmdbd answers (`sacct --starttime now-1hour` by hand)",
            if said.is_empty() {
                String::new()
            } else {
                format!(": {said}")
            }
        );
    }
    Ok(())
}

/// Runs sacct and hands its standard output to `read` as it comes; fails when sacct does.
pub fn stream<T>(
    args: &[String],
    what: &str,
    read: impl FnOnce(BufReader<ChildStdout>) -> Result<T>,
) -> Result<T> {
    let (mut child, stdout, messages) = spawn(args)?;
    let result = read(BufReader::with_capacity(1 << 16, stdout));
    if result.is_err() {
        // Its output is no longer read: do not wait for it to fill a pipe nobody drains.
        let _ = child.kill();
    }
    let status = child.wait().context("waiting for sacct")?;
    if result.is_err() && std::os::unix::process::ExitStatusExt::signal(&status) == Some(9) {
        // Killed above: the reader's error is the story.
        return result;
    }
    // sacct's own failure explains an unreadable (often empty) output better than the reader.
    check(status, what, messages)?;
    result
}

/// Runs sacct and returns its whole output, killing it past `timeout`.
pub fn output_within(args: &[String], what: &str, timeout: Duration) -> Result<Vec<u8>> {
    let (mut child, mut stdout, messages) = spawn(args)?;
    let reader = std::thread::spawn(move || {
        let mut text = Vec::new();
        stdout.read_to_end(&mut text).map(|_| text)
    });
    let deadline = Instant::now() + timeout;
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for sacct")? {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!("sacct {what} did not answer within {} s", timeout.as_secs());
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let text = reader
        .join()
        .map_err(|_| anyhow::anyhow!("reading sacct's output failed"))?
        .context("reading sacct's output")?;
    check(status, what, messages)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_cut_into_weeks_with_a_shorter_last_one() {
        let day = |t: &str| mlcarbon_time::parse_date(t).expect("date");
        let w = weeks(day("2026-01-01"), day("2026-01-20"));
        assert_eq!(w.len(), 3);
        assert_eq!(w[0].start, "2026-01-01T00:00:00");
        assert_eq!(w[0].end, "2026-01-08T00:00:00");
        assert_eq!(w[2].start, "2026-01-15T00:00:00");
        assert_eq!(w[2].end, "2026-01-21T00:00:00");
        assert_eq!(weeks(day("2026-01-01"), day("2026-01-01")).len(), 1);
        assert!(weeks(day("2026-01-02"), day("2026-01-01")).is_empty());
    }
}
