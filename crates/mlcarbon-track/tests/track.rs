//! The tracker against a real SQLite store and a replayed trace: samples kept while the database
//! is full and written when it takes them again, totals equal to the sum of their parts, and
//! the progress a job reports turned into a prediction.

use std::path::Path;
use std::time::Duration;

use mlcarbon_data::Dataset;
use mlcarbon_meter::Roots;
use mlcarbon_model::scenario;
use mlcarbon_store::{RunStatus, Store};
use mlcarbon_track::{PendingSamples, RunSettings, Tracker, replay_sampler};

fn trace(dir: &Path) -> std::path::PathBuf {
    // Many components, so that each sample needs new database pages.
    let path = dir.join("trace.csv");
    let mut text =
        String::from("t_s,key,kind,watts\n0,cpu:package-0,cpu,50\n3600,cpu:package-0,cpu,50\n");
    for gpu in 0..64 {
        text.push_str(&format!("0,gpu:{gpu},gpu,300\n3600,gpu:{gpu},gpu,300\n"));
    }
    std::fs::write(&path, text).expect("trace written");
    path
}

fn settings(dir: &Path) -> RunSettings {
    RunSettings {
        project: "test".to_string(),
        experiment: None,
        tags: vec![],
        command: vec!["train".to_string()],
        interval: Duration::from_millis(50),
        commit_every: Duration::from_millis(50),
        hostname: Some("test-host".to_string()),
        progress_dir_of: Some(dir.join("runs.sqlite")),
        attribution: Default::default(),
        placement: Default::default(),
    }
}

fn tracker(dir: &Path) -> Tracker {
    let data = Dataset::builtin().expect("data");
    let store = Store::open(&dir.join("runs.sqlite")).expect("store");
    let location = scenario::default_location(data).expect("location");
    Tracker::start(
        data,
        store,
        &location,
        None,
        replay_sampler(&std::fs::read_to_string(trace(dir)).expect("trace")).expect("replay"),
        &settings(dir),
        &Roots::from_env(),
    )
    .expect("started")
}

fn assert_totals_add_up(tracker: &Tracker) {
    let (record, components) = tracker.record().expect("record");
    let parts: f64 = components.iter().map(|c| c.energy_kwh).sum();
    let it = record.it_energy_kwh();
    assert!((parts - it).abs() <= 1e-12 * it.max(1.0), "{parts} vs {it}");
    // The run's total is its IT energy × PUE: nothing went missing between samples.
    assert!(
        (record.energy_kwh - it * record.pue).abs() <= 1e-9 * record.energy_kwh.max(1e-9),
        "{} vs {} × {}",
        record.energy_kwh,
        it,
        record.pue
    );
}

#[test]
fn samples_survive_a_full_database_and_are_written_when_it_has_room() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut tracker = tracker(dir.path());
    tracker.begin();
    let mut taken = 0;
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(20));
        tracker.sample();
        taken += 1;
    }
    // The disk fills: every commit fails from here on.
    tracker.store().limit_size(Some(1)).expect("capped");
    let mut warnings = Vec::new();
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(20));
        warnings.extend(tracker.sample().warnings);
        taken += 1;
    }
    assert!(
        warnings.iter().any(|w| w.contains("kept in memory")),
        "{warnings:?}"
    );
    let stored_while_full = tracker
        .store()
        .samples(tracker.run_id())
        .expect("samples")
        .len();
    assert!(stored_while_full < taken, "{stored_while_full} of {taken}");
    // Room again: the kept samples go with the next commit, and the user hears so.
    tracker.store().limit_size(None).expect("uncapped");
    std::thread::sleep(Duration::from_millis(60));
    let recovered = tracker.sample().warnings;
    taken += 1;
    assert!(
        recovered.iter().any(|w| w.contains("stored again")),
        "{recovered:?}"
    );
    tracker.sample_last();
    taken += 1;
    let warnings = tracker
        .finish(Some(0), None, RunStatus::Finished)
        .expect("finished");
    assert!(warnings.is_empty(), "{warnings:?}");
    let stored = tracker.store().samples(tracker.run_id()).expect("samples");
    assert_eq!(stored.len(), taken, "every sample stored exactly once");
    assert_totals_add_up(&tracker);
}

#[test]
fn a_database_full_to_the_end_says_what_it_could_not_store() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut tracker = tracker(dir.path());
    tracker.begin();
    std::thread::sleep(Duration::from_millis(60));
    tracker.sample();
    tracker.store().limit_size(Some(1)).expect("capped");
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(60));
        tracker.sample();
    }
    tracker.sample_last();
    // The end itself is a small update in place; it is the samples that find no room.
    let warnings = tracker
        .finish(Some(0), None, RunStatus::Finished)
        .expect("finished");
    assert!(
        warnings.iter().any(|w| w.contains("could not be stored")),
        "{warnings:?}"
    );
    assert_totals_add_up(&tracker);
}

#[test]
fn kept_samples_are_merged_past_the_bound_without_losing_energy() {
    use mlcarbon_store::{ComponentSample, SampleRow};
    let mut pending = PendingSamples::with_limit(3);
    let row = |seq: u64| SampleRow {
        seq,
        t_s: seq as f64,
        timestamp: format!("2024-01-01T00:00:{seq:02}Z"),
        intensity_g_per_kwh: 100.0,
        components: vec![ComponentSample {
            key: "gpu:0".to_string(),
            power_w: 10.0,
            energy_j: 10.0,
        }],
        total_power_w: 10.0,
        energy_kwh: seq as f64 * 10.0 / 3.6e6,
        emissions_kg: 0.0,
        cpu_utilization: None,
        gpu_utilization: None,
        ram_used_gb: None,
    };
    for seq in 1..=10 {
        pending.push(row(seq));
    }
    assert_eq!(pending.len(), 3);
    let mut written = Vec::new();
    pending.commit(|samples| {
        written = samples.to_vec();
        Ok(())
    });
    let energy: f64 = written.iter().map(|s| s.components[0].energy_j).sum();
    assert_eq!(energy, 100.0);
    assert_eq!(written.last().map(|s| s.seq), Some(10));
    assert!(written.windows(2).all(|w| w[0].seq < w[1].seq));
}

#[test]
fn progress_reports_become_a_prediction() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut tracker = tracker(dir.path());
    let progress = tracker
        .progress_file()
        .expect("progress file")
        .to_path_buf();
    tracker.begin();
    std::thread::sleep(Duration::from_millis(60));
    tracker.sample();
    std::fs::write(&progress, "25%").expect("progress written");
    std::thread::sleep(Duration::from_millis(60));
    tracker.sample();
    assert_eq!(tracker.progress(), Some(0.25));
    let (record, _) = tracker.record().expect("record");
    assert_eq!(record.progress, Some(0.25));
    let predicted = record.predicted_energy_kwh.expect("predicted");
    assert!(
        predicted > record.energy_kwh * 3.0,
        "{predicted} vs {}",
        record.energy_kwh
    );
    tracker
        .finish(Some(0), None, RunStatus::Finished)
        .expect("finished");
    assert!(
        !progress.exists(),
        "the progress file is removed at the end"
    );
}

#[test]
fn uuids_are_version_4_and_differ() {
    let (a, b) = (mlcarbon_track::new_uuid(), mlcarbon_track::new_uuid());
    assert_eq!(a.len(), 36);
    assert_eq!(&a[14..15], "4");
    assert_ne!(a, b);
}

#[test]
fn boundary_readings_fold_into_the_next_sample_and_keep_the_totals() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut tracker = tracker(dir.path());
    tracker.begin();
    let mut boundary_energy = Vec::new();
    for _ in 0..3 {
        std::thread::sleep(Duration::from_millis(20));
        boundary_energy.push(tracker.sample_boundary().energy_kwh);
        std::thread::sleep(Duration::from_millis(20));
        boundary_energy.push(tracker.sample_boundary().energy_kwh);
        std::thread::sleep(Duration::from_millis(20));
        tracker.sample();
    }
    tracker.sample_last();
    assert!(
        boundary_energy.windows(2).all(|w| w[0] < w[1]),
        "each boundary is a fresh reading: {boundary_energy:?}"
    );
    tracker
        .finish(Some(0), None, RunStatus::Finished)
        .expect("finished");
    let (record, _) = tracker.record().expect("record");
    // Three regular samples and the last one: the six boundaries added no rows.
    assert_eq!(record.samples, 4);
    assert!(record.energy_kwh > *boundary_energy.last().expect("a boundary"));
    assert_totals_add_up(&tracker);
}
