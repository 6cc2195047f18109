//! What `run` and `monitor` share: the tracker (from `mlcarbon-track`) started with the settings
//! the settings module resolves, the live status line, and the summary at the end.

use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use mlcarbon_data::Dataset;
use mlcarbon_meter::Roots;
use mlcarbon_model::Location;
use mlcarbon_model::profiles::{ProfileChoice, no_profile, text_profile, zone_profile};
use mlcarbon_model::statement::{human_energy, human_mass};
use mlcarbon_store::{Attribution, RunStatus};
use mlcarbon_track::push::{BackgroundPusher, PushSummary, PushTarget, ServerUrl};
use mlcarbon_track::{
    Downgrade, RunSettings, Tick, Tracker, choose_attribution, link_sampler, machine_sampler,
    recover_interrupted, replay_sampler,
};

use crate::cli::TrackArgs;
use crate::clock;
use crate::config::Config;
use crate::db::open_store_writable;
use crate::inputs::{read_profile, system_now, user_error};
use crate::output::{count, stderr_line, to_stderr};
use crate::render::summary_with;
use crate::settings::{sampling_interval, tracked_location};

/// The intensity profile of `--intensity-profile FILE|builtin` for a run at `location`.
fn intensity_profile(data: &Dataset, spec: &str, location: &Location) -> Result<ProfileChoice> {
    if spec.eq_ignore_ascii_case("builtin") {
        let Some(zone) = location.zone.as_deref() else {
            bail!(
                "--intensity-profile builtin needs a grid zone (--zone or --provider/--region); the location has none"
            );
        };
        return zone_profile(data, zone, system_now())
            .map_err(user_error)?
            .ok_or_else(|| user_error(no_profile(data, zone, "--intensity-profile FILE")));
    }
    let file = read_profile(Path::new(spec), "--intensity-profile")?;
    text_profile(&file.text, &file.name, "intensity_profile").map_err(user_error)
}

/// A tracked run and how it talks to the terminal.
pub struct Session {
    /// What the run counts, as decided at its start (`Process` when another tracker already
    /// measures this machine, `Link` for a job's other local ranks).
    pub attribution: Attribution,
    pub tracker: Tracker,
    /// Between samples: --interval, else config `interval`, else 1 s; checked.
    pub interval: Duration,
    quiet: bool,
    status_line: bool,
    /// Pushes the run (and this host's older undelivered ones) to a team server.
    pusher: Option<BackgroundPusher>,
    /// Where the push stood at the end, for the summary.
    pushed: Option<(ServerUrl, PushSummary)>,
    server: Option<ServerUrl>,
}

/// How long a run's end waits for its last samples to reach the team server: what is left is
/// sent later (`mlcarbon push`, or the next tracker on this host).
const PUSH_DRAIN: Duration = Duration::from_secs(5);

/// Starts tracking: location, sensors, database, the run's first record.
pub fn start(
    data: &Dataset,
    args: &TrackArgs,
    command: Vec<String>,
    requested: Attribution,
    config: &Config,
) -> Result<Session> {
    let location = tracked_location(data, &args.location, config)?;
    let placement = mlcarbon_track::placement::detect(
        args.job.as_deref(),
        |name| std::env::var(name).ok(),
        mlcarbon_time::now(),
    );
    let profile = args
        .intensity_profile
        .as_deref()
        .map(|spec| intensity_profile(data, spec, &location.location))
        .transpose()?;
    let interval = sampling_interval(args.interval, config)?;
    mlcarbon_track::check_periods(interval, args.commit_every)?;
    let server = crate::settings::push_server(args.server.as_deref(), config)?;
    let token = match &server {
        Some(_) => crate::settings::push_token(args.token_file.as_deref())?,
        None => None,
    };
    let (store, db_path) = open_store_writable(args.db.as_deref())?;
    let host = mlcarbon_track::hostname();
    let recovered = recover_interrupted(&store, &host)?;
    if !args.quiet {
        for id in recovered {
            stderr_line!(
                "mlcarbon: run {id} had been stopped without finishing; it is marked interrupted with what it had"
            );
        }
    }
    let machine_tracker = match requested {
        Attribution::Machine => store.machine_tracker_on(&host)?.map(|r| (r.id, r.pid)),
        _ => None,
    };
    // Local rank 0 measures this host for the whole job; the other ranks only say they belong
    // to it, and a second machine-wide tracker on a host counts only its command's processes.
    let choice = choose_attribution(requested, &placement, machine_tracker);
    match &choice.because {
        Some(Downgrade::HostMeasured { run, pid }) if command == ["monitor"] => bail!(
            "run {run} (pid {pid}) already measures this machine's whole energy: a second monitor would count it twice; stop that one first, or measure one command with `mlcarbon run --attribution process -- CMD`"
        ),
        Some(why @ Downgrade::NotLocalRankZero { .. }) if !args.quiet => {
            stderr_line!("mlcarbon: {why} (--attribution process counts this rank's processes)")
        }
        Some(why) if !args.quiet => stderr_line!("mlcarbon: warning: {why}"),
        _ => {}
    }
    let attribution = choice.attribution;
    let roots = Roots::from_env();
    let sensors = match &args.replay {
        // A link measures nothing, whatever would have been read.
        _ if attribution == Attribution::Link => link_sampler(),
        // `demo` is the built-in trace; a file of that name is `./demo`.
        Some(trace) if trace.as_os_str() == mlcarbon_track::DEMO_TRACE_NAME => {
            replay_sampler(mlcarbon_track::DEMO_TRACE).context("--replay demo")?
        }
        Some(trace) => {
            let text = crate::files::read_text(trace, "--replay", crate::files::MAX_INPUT_BYTES)?;
            replay_sampler(&text).with_context(|| format!("--replay {}", trace.display()))?
        }
        None => machine_sampler(data, args.cpu.as_deref(), &roots)?,
    };
    if !args.quiet {
        for warning in &sensors.warnings {
            stderr_line!("mlcarbon: warning: {warning}");
        }
    }
    let settings = RunSettings {
        project: args
            .project
            .clone()
            .or_else(|| config.get("project").map(str::to_string))
            .unwrap_or_else(|| "default".to_string()),
        experiment: args.experiment.clone(),
        tags: args.tag.clone(),
        command,
        interval: Duration::from_secs_f64(interval),
        commit_every: Duration::from_secs_f64(args.commit_every),
        hostname: Some(host.clone()),
        progress_dir_of: Some(db_path.clone()),
        attribution,
        placement,
    };
    let tracker = Tracker::start(
        data,
        store,
        &location.location,
        profile.as_ref(),
        sensors,
        &settings,
        &roots,
    )?;
    // The run is in the local database; the pusher sends it, and what this host's earlier
    // runs left unsent, from there.
    let pusher = match &server {
        Some(server) => {
            tracker
                .store()
                .enroll_delivery(tracker.run_id(), server.as_str())?;
            Some(BackgroundPusher::spawn(
                db_path,
                PushTarget {
                    server: server.clone(),
                    token,
                },
                Some(host),
                Some(tracker.run_id()),
                settings.commit_every.max(Duration::from_secs(1)),
            ))
        }
        None => None,
    };
    Ok(Session {
        attribution,
        tracker,
        interval: settings.interval,
        quiet: args.quiet,
        status_line: !args.quiet && std::io::stderr().is_terminal(),
        pusher,
        pushed: None,
        server,
    })
}

impl Session {
    pub fn sample(&mut self) {
        let tick = self.tracker.sample();
        self.show(&tick);
    }

    /// The run's last sample: sensors read their exact sources (the NVML counter) for it.
    pub fn sample_last(&mut self) {
        let tick = self.tracker.sample_last();
        self.show(&tick);
        if self.status_line {
            to_stderr("\r\x1b[2K");
        }
    }

    /// Prints a status line (on a terminal) and the warnings of a sample.
    fn show(&self, tick: &Tick) {
        let mut tick = std::borrow::Cow::Borrowed(tick);
        if let Some(pusher) = &self.pusher {
            let notices = pusher.notices();
            if !notices.is_empty() {
                tick.to_mut().warnings.extend(notices);
            }
        }
        let tick = tick.as_ref();
        if !tick.warnings.is_empty() && self.status_line {
            to_stderr("\r\x1b[2K");
        }
        for warning in &tick.warnings {
            stderr_line!("mlcarbon: warning: {warning}");
        }
        if !self.status_line {
            return;
        }
        let mut line = format!(
            "\r\x1b[2Kmlcarbon {}  {}  {}  {} CO2e",
            clock::duration(tick.t_s),
            mlcarbon_model::format::human_power(tick.total_power_w),
            human_energy(tick.energy_kwh),
            human_mass(tick.emissions_kg)
        );
        if let (Some(p), Some(prediction)) = (self.tracker.progress(), self.tracker.prediction()) {
            line.push_str(&format!(
                "  {:.0} % done, the rest ~{}, at the end ~{}, {}",
                p * 100.0,
                human_mass(prediction.remaining_emissions.value.0),
                human_energy(prediction.total_energy.value.0),
                human_mass(prediction.total_emissions.value.0)
            ));
        }
        to_stderr(&line);
    }

    /// Records the end; a failure to record it is said, as the job's exit code matters more.
    pub fn finish(
        &mut self,
        exit_code: Option<i32>,
        signal: Option<i32>,
        status: RunStatus,
    ) -> Result<()> {
        let finished = self.tracker.finish(exit_code, signal, status);
        // The end is pushed even when recording it failed: the server gets what is stored.
        if let (Some(pusher), Some(server)) = (self.pusher.take(), self.server.clone()) {
            let summary = pusher.finish(PUSH_DRAIN);
            if !self.quiet {
                for notice in summary.report.refused.iter() {
                    stderr_line!("mlcarbon: warning: {notice}");
                }
            }
            self.pushed = Some((server, summary));
        }
        let warnings = finished?;
        if !self.quiet {
            for warning in warnings {
                stderr_line!("mlcarbon: warning: {warning}");
            }
        }
        Ok(())
    }

    /// The run's summary on standard error.
    pub fn print_summary(&self, data: &Dataset) -> Result<()> {
        if self.quiet {
            return Ok(());
        }
        let (record, components) = self.tracker.record()?;
        to_stderr(&summary_with(
            data,
            &record,
            &components,
            self.tracker.prediction(),
        )?);
        if let Some((server, pushed)) = &self.pushed {
            to_stderr(&push_line(server, pushed, record.samples));
        }
        Ok(())
    }
}

/// The summary's line on the team server: whether the run reached it in full.
fn push_line(server: &ServerUrl, pushed: &PushSummary, samples: u64) -> String {
    if pushed.run_delivered && pushed.unsent_samples == 0 {
        return format!(
            "  pushed     all {} and the end to {server}\n",
            count(samples, "sample", "samples")
        );
    }
    let why = pushed
        .last_error
        .as_deref()
        .map(|e| format!(" ({e})"))
        .unwrap_or_default();
    format!(
        "  pushed     not all yet to {server}{why}: {} in the local database; `mlcarbon push` sends them, as does the next `mlcarbon run --server` on this host\n",
        match pushed.unsent_samples {
            1 => "1 sample waits".to_string(),
            n => format!("{n} samples wait"),
        }
    )
}
