//! `mlcarbon push`: send a team server what it has not acknowledged of the local runs — runs
//! whose tracker was killed or cut off from the server, or (with --all) runs tracked without
//! one. The server stores each sample once, so a push repeated or overlapping a tracker's own
//! sends nothing twice.

use anyhow::{Result, bail};
use mlcarbon_track::push::{PushError, PushTarget, ServerUrl, push_pending};

use crate::cli::PushArgs;
use crate::config::Config;
use crate::db::open_store_writable;
use crate::output::count;
use crate::settings::{push_server, push_token};

pub fn run(args: &PushArgs, config: &Config) -> Result<String> {
    let (store, _) = open_store_writable(args.db.as_deref())?;
    // A killed tracker's run reads `running` until marked: marked, its end can be sent.
    let host = mlcarbon_track::hostname();
    mlcarbon_track::recover_interrupted(&store, &host)?;
    let token = push_token(args.token_file.as_deref())?;
    let servers: Vec<ServerUrl> = match push_server(args.server.as_deref(), config)? {
        Some(server) => vec![server],
        None if args.all => bail!(
            "--all needs a server: give --server http://HOST:PORT (or set {} or config `server`)",
            crate::env::SERVER
        ),
        None => {
            let mut named: Vec<String> = store
                .undelivered(None, None)?
                .into_iter()
                .map(|d| d.server)
                .collect();
            named.sort();
            named.dedup();
            named
                .iter()
                .map(|s| ServerUrl::parse(s))
                .collect::<Result<_, _>>()?
        }
    };
    if servers.is_empty() {
        return Ok(
            "nothing to push: every run tracked with --server has reached its server (push runs tracked without one with `mlcarbon push --all --server URL`)\n"
                .to_string(),
        );
    }
    let mut out = String::new();
    let mut failures = Vec::new();
    for server in servers {
        if args.all {
            store.enroll_all(server.as_str())?;
        }
        let target = PushTarget {
            server: server.clone(),
            token: token.clone(),
        };
        match push_pending(&store, &target, None, None) {
            Ok(report) => {
                out.push_str(&format!(
                    "{server}: {} delivered, {} sent ({} new to the server), {}",
                    count(report.runs_delivered as u64, "run", "runs"),
                    count(report.samples_sent, "sample", "samples"),
                    report.samples_new,
                    count(report.windows_sent, "window", "windows")
                ));
                if report.runs_in_progress > 0 {
                    out.push_str(&format!(
                        "; {} still running, sent so far",
                        count(report.runs_in_progress as u64, "run", "runs")
                    ));
                }
                out.push('\n');
                failures.extend(report.refused);
            }
            Err(e @ PushError::Unreachable { .. }) => failures.push(format!(
                "{e}; nothing is lost: the runs stay in the local database, run `mlcarbon push` again when the server is up"
            )),
            Err(e) => failures.push(e.to_string()),
        }
    }
    if !failures.is_empty() {
        crate::output::to_stderr(&out);
        bail!("{}", failures.join("\n"));
    }
    Ok(out)
}
