//! Pushing runs to a team server (`mlcarbon run --server URL`, `mlcarbon push`). The local
//! database is the spool: a tracker stores its run there exactly as without a server, and the
//! pusher sends what the server has not acknowledged — the run's start, its samples in batches
//! of [`BATCH_SAMPLES`] in `seq` order, its windows, its end — recording each acknowledgement
//! in the database ([`mlcarbon_store::Ack`]). The server stores each sample once however often
//! it comes, so whatever was not seen acknowledged is simply sent again: after a failure, by
//! the next pass, the next tracker on this host, or `mlcarbon push`.
//!
//! [`BackgroundPusher`] runs the passes on a thread of its own with its own connection to the
//! database, so a slow or dead server never delays sampling; it backs off from 1 s to 30 s
//! while the server cannot be reached. Nothing waits in memory: unsent samples are rows of the
//! local database, bounded by its disk like every run.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use mlcarbon_store::{Ack, Delivery, PositionedWindow, RunEnd, RunId, Store, StoreError};
use serde::Deserialize;

use crate::http::{Answer, request};
pub use crate::http::{BadUrl, ServerUrl};

/// Samples per request: about 150 kB of JSON for a machine of three components.
pub const BATCH_SAMPLES: usize = 500;
/// The first wait after a failed pass, doubled after each further one up to [`MAX_BACKOFF`].
pub const FIRST_BACKOFF: Duration = Duration::from_secs(1);
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Why a push did not get through.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    #[error(transparent)]
    BadUrl(#[from] BadUrl),
    /// Worth retrying: the server is down, unreachable, or failed on its side.
    #[error("cannot reach the server {server}: {reason}")]
    Unreachable { server: String, reason: String },
    /// Not worth retrying as it is: the server refused the request (a bad token, a read-only
    /// server, another run under the same uuid).
    #[error("the server {server} refused {what} ({status}): {message}")]
    Refused {
        server: String,
        what: String,
        status: u16,
        message: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl PushError {
    /// Whether a later attempt may succeed as things are (the server may come back).
    pub fn is_transient(&self) -> bool {
        matches!(self, PushError::Unreachable { .. })
    }
}

/// A team server and the write token it wants.
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub server: ServerUrl,
    pub token: Option<String>,
}

/// What a push sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PushReport {
    /// Runs whose end the server acknowledged in this push: delivered in full.
    pub runs_delivered: usize,
    /// Runs with samples still to come (their tracker runs): sent as far as they go.
    pub runs_in_progress: usize,
    /// Samples sent, and how many of those the server did not have yet.
    pub samples_sent: u64,
    pub samples_new: u64,
    pub windows_sent: u64,
    /// Runs the server refused (each with why): left undelivered, tried again next time.
    pub refused: Vec<String>,
    /// Stopped at the deadline before everything was sent.
    pub cut_short: bool,
}

impl PushReport {
    fn add(&mut self, other: PushReport) {
        self.runs_delivered += other.runs_delivered;
        self.runs_in_progress = other.runs_in_progress;
        self.samples_sent += other.samples_sent;
        self.samples_new += other.samples_new;
        self.windows_sent += other.windows_sent;
        self.refused = other.refused;
        self.cut_short = other.cut_short;
    }
}

#[derive(Deserialize)]
struct BatchAnswer {
    stored: u64,
}

/// One pass: sends `target` everything it has not acknowledged of the runs marked for it
/// (of `hostname` only, when given), oldest run first, until done or `deadline`. A server that
/// cannot be reached ends the pass with [`PushError::Unreachable`], what was acknowledged so
/// far kept; a run the server refuses is skipped and named in [`PushReport::refused`].
pub fn push_pending(
    store: &Store,
    target: &PushTarget,
    hostname: Option<&str>,
    deadline: Option<Instant>,
) -> Result<PushReport, PushError> {
    let mut report = PushReport::default();
    for delivery in store.undelivered(Some(target.server.as_str()), hostname)? {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            report.cut_short = true;
            break;
        }
        match push_run(store, target, &delivery, deadline, &mut report) {
            Ok(()) => {}
            Err(e @ PushError::Refused { .. }) => report.refused.push(e.to_string()),
            Err(e) => return Err(e),
        }
    }
    Ok(report)
}

fn push_run(
    store: &Store,
    target: &PushTarget,
    delivery: &Delivery,
    deadline: Option<Instant>,
    report: &mut PushReport,
) -> Result<(), PushError> {
    let (run, server) = (delivery.run, target.server.as_str());
    let uuid = &delivery.uuid;
    if !delivery.started {
        let body = json_body(&store.new_run_of(run)?)?;
        send(
            target,
            "PUT",
            &format!("/api/runs/{uuid}"),
            &body,
            "the run",
        )?;
        store.acknowledge(run, server, Ack::Started)?;
    }
    // Read before the samples: an end read after them could follow samples committed in
    // between, which this pass would not send.
    let record = store.run(run)?;
    let mut through = delivery.samples_through;
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            report.cut_short = true;
            return Ok(());
        }
        let batch = store.samples_after(run, through, BATCH_SAMPLES)?;
        let Some(last) = batch.last().map(|s| s.seq) else {
            break;
        };
        let body = json_body(&serde_json::json!({ "samples": batch }))?;
        let answer = match send(
            target,
            "POST",
            &format!("/api/runs/{uuid}/samples"),
            &body,
            "samples",
        ) {
            // The server no longer has the run (its database was replaced): start it again.
            Err(PushError::Refused { status: 404, .. }) => {
                store.acknowledge(run, server, Ack::Forgotten)?;
                return Err(PushError::Unreachable {
                    server: server.to_string(),
                    reason: format!("it no longer has run {uuid}; sending it again"),
                });
            }
            other => other?,
        };
        let stored =
            serde_json::from_slice::<BatchAnswer>(&answer.body).map_or(0, |answer| answer.stored);
        store.acknowledge(run, server, Ack::SamplesThrough(last))?;
        report.samples_sent += batch.len() as u64;
        report.samples_new += stored;
        through = Some(last);
    }
    let windows = store.windows(run)?;
    let first_unsent = usize::try_from(delivery.windows_sent).unwrap_or(usize::MAX);
    if windows.len() > first_unsent {
        let positioned: Vec<PositionedWindow> = windows
            .into_iter()
            .enumerate()
            .skip(first_unsent)
            .map(|(position, window)| PositionedWindow {
                position: u32::try_from(position).unwrap_or(u32::MAX),
                window,
            })
            .collect();
        let count = positioned.len();
        let body = json_body(&serde_json::json!({ "windows": positioned }))?;
        send(
            target,
            "POST",
            &format!("/api/runs/{uuid}/windows"),
            &body,
            "windows",
        )?;
        store.acknowledge(
            run,
            server,
            Ack::WindowsSent(delivery.windows_sent + u32::try_from(count).unwrap_or(u32::MAX)),
        )?;
        report.windows_sent += count as u64;
    }
    if !record.status.is_final() {
        report.runs_in_progress += 1;
        return Ok(());
    }
    let end = RunEnd {
        ended_at: record
            .ended_at
            .clone()
            .unwrap_or_else(|| record.started_at.clone()),
        duration_s: record.duration_s.unwrap_or(0.0),
        exit_code: record.exit_code,
        signal: record.signal,
        status: record.status,
    };
    send(
        target,
        "PUT",
        &format!("/api/runs/{uuid}/end"),
        &json_body(&end)?,
        "the run's end",
    )?;
    store.acknowledge(run, server, Ack::Ended)?;
    report.runs_delivered += 1;
    Ok(())
}

fn json_body<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, PushError> {
    serde_json::to_vec(value).map_err(|e| PushError::Store(StoreError::Json(e)))
}

/// Sends one request; a 2xx answer is the server's acknowledgement. A 5xx is the server's
/// trouble, retried like an unreachable server; a 4xx is a refusal.
fn send(
    target: &PushTarget,
    method: &str,
    path: &str,
    body: &[u8],
    what: &str,
) -> Result<Answer, PushError> {
    let answer =
        request(&target.server, method, path, target.token.as_deref(), body).map_err(|reason| {
            PushError::Unreachable {
                server: target.server.to_string(),
                reason,
            }
        })?;
    if (200..300).contains(&answer.status) {
        return Ok(answer);
    }
    let message = answer.message();
    if answer.status >= 500 {
        return Err(PushError::Unreachable {
            server: target.server.to_string(),
            reason: format!("it failed on {what} ({}): {message}", answer.status),
        });
    }
    Err(PushError::Refused {
        server: target.server.to_string(),
        what: what.to_string(),
        status: answer.status,
        message,
    })
}

/// Where a background pusher stands once stopped.
#[derive(Debug, Clone, Default)]
pub struct PushSummary {
    /// Everything its passes sent.
    pub report: PushReport,
    /// Whether the run it was started for reached the server in full, end included.
    pub run_delivered: bool,
    /// Samples of this host's runs the server has still not acknowledged.
    pub unsent_samples: u64,
    /// The last failure, when the final pass did not get everything through.
    pub last_error: Option<String>,
}

struct Signal {
    stop: Mutex<bool>,
    wake: Condvar,
}

/// A pusher on its own thread: a pass every period, backing off while the server cannot be
/// reached, warnings for the user in [`BackgroundPusher::notices`].
pub struct BackgroundPusher {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<PushSummary>>,
    notices: Receiver<String>,
    drain: Arc<Mutex<Duration>>,
}

/// What the pusher's thread is given.
struct Job {
    db: PathBuf,
    target: PushTarget,
    hostname: Option<String>,
    run: Option<RunId>,
    every: Duration,
}

impl BackgroundPusher {
    /// Starts pushing the runs of `hostname` marked for `target` in the database at `db`
    /// (`run`, this tracker's, among them) every `every`.
    pub fn spawn(
        db: PathBuf,
        target: PushTarget,
        hostname: Option<String>,
        run: Option<RunId>,
        every: Duration,
    ) -> BackgroundPusher {
        let signal = Arc::new(Signal {
            stop: Mutex::new(false),
            wake: Condvar::new(),
        });
        let (notify, notices) = channel();
        let drain = Arc::new(Mutex::new(Duration::ZERO));
        let job = Job {
            db,
            target,
            hostname,
            run,
            every,
        };
        let thread = {
            let (signal, drain) = (signal.clone(), drain.clone());
            std::thread::Builder::new()
                .name("mlcarbon-push".into())
                .spawn(move || push_loop(&job, &signal, &notify, &drain))
                .ok()
        };
        BackgroundPusher {
            signal,
            thread,
            notices,
            drain,
        }
    }

    /// Warnings since the last call: the server became unreachable, or reachable again.
    pub fn notices(&self) -> Vec<String> {
        self.notices.try_iter().collect()
    }

    /// Stops the passes, then tries for at most `drain_for` to send what is left (the run's
    /// end included), and says where things stand.
    pub fn finish(mut self, drain_for: Duration) -> PushSummary {
        *self.drain.lock().unwrap_or_else(|p| p.into_inner()) = drain_for;
        *self.signal.stop.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.signal.wake.notify_all();
        match self.thread.take().map(JoinHandle::join) {
            Some(Ok(summary)) => summary,
            _ => PushSummary {
                last_error: Some("the pusher thread could not run".into()),
                ..PushSummary::default()
            },
        }
    }
}

/// Waits `wait` or until told to stop; true when told to stop.
fn wait_or_stop(signal: &Signal, wait: Duration) -> bool {
    let stop = signal.stop.lock().unwrap_or_else(|p| p.into_inner());
    let (stop, _) = signal
        .wake
        .wait_timeout_while(stop, wait, |stop| !*stop)
        .unwrap_or_else(|p| p.into_inner());
    *stop
}

fn push_loop(
    job: &Job,
    signal: &Signal,
    notify: &Sender<String>,
    drain: &Mutex<Duration>,
) -> PushSummary {
    let server = job.target.server.as_str();
    let store = match Store::open(&job.db) {
        Ok(store) => store,
        Err(e) => {
            let _ = notify.send(format!(
                "cannot push to {server}: {e}; `mlcarbon push` sends the run later"
            ));
            return PushSummary {
                last_error: Some(e.to_string()),
                ..PushSummary::default()
            };
        }
    };
    let host = job.hostname.as_deref();
    let mut summary = PushSummary::default();
    let mut failing: Option<String> = None;
    let mut backoff: Option<Duration> = None;
    while !wait_or_stop(signal, backoff.unwrap_or(job.every)) {
        match push_pending(&store, &job.target, host, None) {
            Ok(report) => {
                if failing.take().is_some() {
                    let _ = notify.send(format!(
                        "the server {server} is reachable again; sending what waited in the local database"
                    ));
                }
                for refused in report
                    .refused
                    .iter()
                    .filter(|r| !summary.report.refused.contains(r))
                {
                    let _ = notify.send(refused.clone());
                }
                summary.report.add(report);
                backoff = None;
            }
            Err(e) => {
                if failing.is_none() {
                    let _ = notify.send(format!(
                        "{e}; the run goes on, its samples wait in the local database and are sent when the server answers (retrying every {} s at most)",
                        MAX_BACKOFF.as_secs()
                    ));
                }
                failing = Some(e.to_string());
                backoff = Some(backoff.map_or(FIRST_BACKOFF, |b| (b * 2).min(MAX_BACKOFF)));
            }
        }
    }
    // The final passes: the run's last samples and its end, until done or out of time.
    let drain_for = *drain.lock().unwrap_or_else(|p| p.into_inner());
    let deadline = Instant::now() + drain_for;
    summary.last_error = failing;
    loop {
        match push_pending(&store, &job.target, host, Some(deadline)) {
            Ok(report) => {
                let done = !report.cut_short;
                summary.report.add(report);
                if done {
                    summary.last_error = None;
                    break;
                }
            }
            Err(e) => summary.last_error = Some(e.to_string()),
        }
        if Instant::now() + FIRST_BACKOFF / 2 >= deadline {
            break;
        }
        std::thread::sleep(FIRST_BACKOFF / 2);
    }
    let undelivered = store.undelivered(Some(server), host).unwrap_or_default();
    summary.run_delivered = job
        .run
        .is_some_and(|run| !undelivered.iter().any(|d| d.run == run));
    summary.unsent_samples = store.unsent_samples(Some(server), host).unwrap_or(0);
    summary
}
