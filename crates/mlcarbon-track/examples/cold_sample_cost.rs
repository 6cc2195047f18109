//! What one sample costs, part by part, on this machine's real sensors and a real SQLite store:
//! not a test. Four threads run side by side over the same period (so they see the same load),
//! each waking every INTERVAL as a tracker's sampling thread does, then doing
//!
//! - `wake`: nothing (the cost of waking up alone);
//! - `raw`: `/proc/stat` and `/proc/meminfo` read into a buffer, nothing parsed (the floor of
//!   any tracker that models CPU and RAM from procfs each sample);
//! - `sensors`: the machine's sensors read and integrated (`Sampler::sample`);
//! - `tracker`: a whole `Tracker::sample` (accounting, the stored row) without commits;
//! - `commits`: the same, committing every 5 samples as the default 1 s / 5 s does.
//!
//! Each line is the thread's CPU time (`/proc/thread-self/schedstat`) per sample. With `hot`,
//! the threads do not wait between samples: the same work from warm caches.
//!
//!     cargo run --release -p mlcarbon-track --example cold_sample_cost -- [INTERVAL_S] [SAMPLES] [hot]

use std::path::Path;
use std::time::{Duration, Instant};

use mlcarbon_data::Dataset;
use mlcarbon_meter::Roots;
use mlcarbon_model::request::{EstimateRequest, tracked_location};
use mlcarbon_store::{Attribution, RunStatus, Store};
use mlcarbon_track::{RunSettings, Tracker, machine_sampler};

/// CPU time this thread has used, ns (the first field of its schedstat).
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|text| text.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

fn tracker(dir: &Path, interval: Duration, commit_every: Duration) -> Tracker {
    let data = Dataset::builtin().expect("built-in data");
    let request = EstimateRequest {
        zone: Some("FR".to_string()),
        ..EstimateRequest::default()
    };
    let location = tracked_location(data, &request).expect("location");
    let roots = Roots::from_env();
    let sensors = machine_sampler(data, None, &roots).expect("sensors");
    let settings = RunSettings {
        project: "cold-sample-cost".to_string(),
        experiment: None,
        tags: Vec::new(),
        command: vec!["cold_sample_cost".to_string()],
        interval,
        commit_every,
        hostname: None,
        progress_dir_of: None,
        attribution: Attribution::Machine,
        placement: Default::default(),
    };
    let store = Store::open(&dir.join("runs.sqlite")).expect("store");
    let mut tracker = Tracker::start(
        data,
        store,
        &location.location,
        None,
        sensors,
        &settings,
        &roots,
    )
    .expect("tracker");
    tracker.begin();
    tracker
}

fn main() {
    let mut args = std::env::args().skip(1);
    let interval_s: f64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(0.1);
    let samples: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    let hot = args.next().as_deref() == Some("hot");
    let interval = Duration::from_secs_f64(interval_s);
    let modes = ["wake", "raw", "sensors", "tracker", "commits"];
    let threads: Vec<_> = modes
        .iter()
        .enumerate()
        .map(|(index, &mode)| {
            std::thread::spawn(move || {
                let dir = tempfile::tempdir().expect("tempdir");
                let commit_every = match mode {
                    "commits" => interval * 5,
                    _ => Duration::from_secs(3600),
                };
                let mut tracker = tracker(dir.path(), interval, commit_every);
                // Staggered, so that the threads do not wake at the same instant.
                std::thread::sleep(interval.mul_f64(index as f64 / modes.len() as f64));
                let procfs = ["/proc/stat", "/proc/meminfo"].map(std::fs::File::open);
                let lock = std::sync::Mutex::new(());
                let wake = std::sync::Condvar::new();
                let mut next = Instant::now() + interval;
                let before = thread_cpu_ns();
                for _ in 0..samples {
                    if !hot {
                        // The wait of the Python package's sampling thread.
                        let guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                        let wait = next.saturating_duration_since(Instant::now());
                        drop(wake.wait_timeout(guard, wait));
                        next += interval;
                    }
                    match mode {
                        "raw" => {
                            use std::os::unix::fs::FileExt;
                            let mut buffer = [0u8; 512];
                            for file in procfs.iter().flatten() {
                                std::hint::black_box(file.read_at(&mut buffer, 0).ok());
                            }
                        }
                        "sensors" => {
                            tracker.sampler_mut().sample(Instant::now());
                        }
                        "tracker" | "commits" => {
                            std::hint::black_box(tracker.sample());
                        }
                        _ => {}
                    }
                }
                let per_sample_us = (thread_cpu_ns() - before) as f64 / f64::from(samples) / 1000.0;
                let _ = tracker.finish(Some(0), None, RunStatus::Finished);
                (mode, per_sample_us)
            })
        })
        .collect();
    match hot {
        true => println!("{samples} samples back to back (hot); CPU per sample:"),
        false => println!("{samples} samples every {interval_s} s; CPU per sample:"),
    }
    for thread in threads {
        let (mode, us) = thread.join().expect("thread");
        println!("  {mode:8} {us:8.1} µs");
    }
}
