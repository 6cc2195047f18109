//! `mlcarbon run -- CMD`: measure a command's energy from hardware counters while it runs, store
//! every sample, and summarize; exit with the command's exit code.

use std::sync::mpsc::RecvTimeoutError;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use mlcarbon_data::Dataset;
use mlcarbon_meter::{ProcessTree, Roots};
use mlcarbon_store::{Attribution, RunStatus};

use crate::cli::{AttributionArg, RunArgs};
use crate::config::Config;
use crate::output::stderr_line;
use crate::{child, env, tracking};

/// Returns the exit code to leave with (the child's).
pub fn run(data: &Dataset, args: &RunArgs, config: &Config) -> Result<i32> {
    let Some((program, program_args)) = args.command.split_first() else {
        bail!("missing command: `mlcarbon run [OPTIONS] -- CMD [ARGS...]`");
    };
    let mut session = tracking::start(
        data,
        &args.track,
        args.command.clone(),
        match args.attribution {
            AttributionArg::Machine => Attribution::Machine,
            AttributionArg::Process => Attribution::Process,
        },
        config,
    )?;
    let mut extra_env = vec![(env::RUN_ID.to_string(), session.tracker.uuid().to_string())];
    if let Some(path) = session.tracker.progress_file() {
        extra_env.push((env::PROGRESS_FILE.to_string(), path.display().to_string()));
    }
    // The child is started before its tree can be followed; the tree is attached right after.
    let running = match child::spawn(program, program_args, &extra_env) {
        Ok(running) => running,
        Err(e) => {
            // The start error decides the exit code (127, 126); a failure to record it is a warning.
            if let Err(finish) = session.finish(None, None, RunStatus::Failed) {
                stderr_line!(
                    "mlcarbon: warning: the failed start could not be recorded: {finish:#}"
                );
            }
            return Err(e);
        }
    };
    if session.attribution == Attribution::Process {
        match ProcessTree::new(&Roots::from_env(), running.pid) {
            Ok(tree) => {
                session.tracker.sampler_mut().attach_process_tree(tree);
                session.tracker.count_processes_only(true);
            }
            Err(e) => stderr_line!(
                "mlcarbon: warning: cannot follow the command's processes ({e}); counting the whole machine"
            ),
        }
    }
    let interval = session.interval;
    session.tracker.begin();
    let mut next = Instant::now() + interval;
    let exit = loop {
        let wait = next.saturating_duration_since(Instant::now());
        match running.exited.recv_timeout(wait) {
            Ok(status) => break status,
            Err(RecvTimeoutError::Timeout) => {
                session.sample();
                next += interval;
                if next < Instant::now() {
                    next = Instant::now() + interval;
                }
            }
            Err(RecvTimeoutError::Disconnected) => bail!("lost track of the command's process"),
        }
    };
    session.sample_last();
    let (code, signal) = match exit {
        Ok(status) => child::exit_code(status),
        Err(e) => {
            session.finish(None, None, RunStatus::Failed)?;
            return Err(e).context("waiting for the command");
        }
    };
    let status = if code == 0 {
        RunStatus::Finished
    } else {
        RunStatus::Failed
    };
    // From here on the command has run: its exit code is ours whatever else fails.
    if let Err(e) = session.finish(Some(code), signal, status) {
        stderr_line!("mlcarbon: warning: the run's end could not be recorded: {e:#}");
    }
    if let Err(e) = session.print_summary(data) {
        stderr_line!("mlcarbon: warning: no summary: {e:#}");
    }
    Ok(code)
}
