//! `mlcarbon monitor`: measure the whole machine until Ctrl-C, SIGTERM or `--duration`.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use mlcarbon_data::Dataset;
use mlcarbon_store::{Attribution, RunStatus};
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

use crate::cli::MonitorArgs;
use crate::config::Config;
use crate::output::stderr_line;
use crate::tracking;

pub fn monitor(data: &Dataset, args: &MonitorArgs, config: &Config) -> Result<i32> {
    // A signal arrives on a channel, so the loop sleeps until the next sample or the signal,
    // whichever comes first: one wake per interval.
    let (stop_tx, stop) = mpsc::channel::<()>();
    let mut signals =
        Signals::new([SIGINT, SIGTERM, SIGHUP]).context("installing signal handlers")?;
    std::thread::spawn(move || {
        if signals.forever().next().is_some() {
            let _ = stop_tx.send(());
        }
    });
    let mut session = tracking::start(
        data,
        &args.track,
        vec!["monitor".to_string()],
        Attribution::Machine,
        config,
    )?;
    let interval = session.interval;
    let deadline = args
        .duration
        .map(|s| Instant::now() + Duration::from_secs_f64(s));
    if !args.track.quiet {
        stderr_line!(
            "mlcarbon: monitoring this machine (run {}); Ctrl-C to stop",
            session.tracker.run_id()
        );
    }
    session.tracker.begin();
    let mut next = Instant::now() + interval;
    loop {
        let until = deadline.map_or(next, |d| d.min(next));
        match stop.recv_timeout(until.saturating_duration_since(Instant::now())) {
            Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
            Err(RecvTimeoutError::Timeout) => {}
        }
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        if Instant::now() >= next {
            session.sample();
            next += interval;
            if next < Instant::now() {
                next = Instant::now() + interval;
            }
        }
    }
    session.sample_last();
    session.finish(Some(0), None, RunStatus::Finished)?;
    session.print_summary(data)?;
    Ok(0)
}
