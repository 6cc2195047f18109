//! The store against real SQLite files: round trips, running totals, filters, recovery of killed
//! runs (a real SIGKILL), concurrent writers, migrations, and the exporters.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use mlcarbon_store::export::{
    CODECARBON_HEADER, RUNS_CSV_HEADER, codecarbon_csv, runs_csv, runs_json, runs_jsonl,
    samples_csv, samples_jsonl,
};
use mlcarbon_store::{
    ComponentKind, ComponentSample, IntensityOrigin, Method, NewComponent, NewRun, Prediction,
    RunEnd, RunFilter, RunId, RunRecord, RunStart, RunStatus, SCHEMA_VERSION, SampleRow, Store,
    StoreError, TrackerCheck, liveness,
};
use proptest::prelude::*;

// ---------------------------------------------------------------------------------------------
// Helpers

/// A database file in the temp folder, removed with its WAL files when dropped.
struct TempDb {
    dir: PathBuf,
}

impl TempDb {
    fn new(name: &str) -> TempDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir = std::env::temp_dir().join(format!(
            "mlcarbon-store-test-{name}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        TempDb { dir }
    }

    /// Inside a folder that does not exist yet: `Store::open` must create it.
    fn path(&self) -> PathBuf {
        self.dir.join("nested").join("runs.db")
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Opens the database reading runs as stored: these tests' runs are of a made-up host with
/// samples of 2024, which the default [`TrackerCheck`] would read as interrupted. The tests of
/// that check open with it.
fn open_stored(path: &Path) -> Result<Store, StoreError> {
    let mut store = Store::open(path)?;
    store.set_tracker_check(TrackerCheck::Off);
    Ok(store)
}

const PUE: f64 = 1.2;
const INTENSITY: f64 = 250.0;
const HOST: &str = "test-host";

fn new_run(uuid: &str) -> NewRun {
    NewRun {
        start: RunStart {
            uuid: uuid.into(),
            project: "demo".into(),
            experiment: Some("lr-sweep".into()),
            tags: vec!["baseline".into(), "a100".into()],
            command: vec![
                "python".into(),
                "train.py".into(),
                "--epochs".into(),
                "3".into(),
            ],
            started_at: "2024-03-01T10:00:00Z".into(),
            pid: 4242,
            hostname: HOST.into(),
            os: "Linux-6.1-x86_64".into(),
            mlcarbon_version: "0.1.0".into(),
            location_label: "aws/us-east-1 (Virginia)".into(),
            zone: Some("US-VA".into()),
            provider: Some("aws".into()),
            region: Some("us-east-1".into()),
            country_iso: Some("USA".into()),
            country_name: Some("United States".into()),
            intensity_g_per_kwh: INTENSITY,
            intensity_origin: IntensityOrigin::Estimated,
            intensity_source: Some("zones.csv:US-VA".into()),
            pue: PUE,
            cpu_model: Some("Intel Xeon Gold 6248".into()),
            cpu_count: 40,
            gpu_model: Some("NVIDIA A100-SXM4-80GB".into()),
            gpu_count: 1,
            ram_total_gb: 256.0,
            interval_s: 0.5,
            attribution: Default::default(),
            placement: Default::default(),
        },
        components: vec![
            component("cpu:package-0", ComponentKind::Cpu, Method::Counter),
            component("gpu:0", ComponentKind::Gpu, Method::Counter),
            component("ram", ComponentKind::Ram, Method::Model),
        ],
    }
}

fn component(key: &str, kind: ComponentKind, method: Method) -> NewComponent {
    NewComponent {
        key: key.into(),
        kind,
        label: format!("{key} label"),
        method,
    }
}

/// Energy of one sample, per component, J.
const CPU_J: f64 = 10.0;
const GPU_J: f64 = 50.0;
const RAM_J: f64 = 2.0;

/// Sample `seq` of a run drawing CPU_J + GPU_J + RAM_J every 0.5 s.
fn sample(seq: u64) -> SampleRow {
    let t_s = (seq + 1) as f64 * 0.5;
    let millis = (seq + 1) * 500;
    let energy_kwh = (seq + 1) as f64 * (CPU_J + GPU_J + RAM_J) / 3.6e6 * PUE;
    SampleRow {
        seq,
        t_s,
        timestamp: format!(
            "2024-03-01T{:02}:{:02}:{:02}.{:03}Z",
            10 + millis / 3_600_000,
            millis / 60_000 % 60,
            millis / 1000 % 60,
            millis % 1000
        ),
        intensity_g_per_kwh: INTENSITY,
        components: vec![
            reading("cpu:package-0", CPU_J),
            reading("gpu:0", GPU_J),
            reading("ram", RAM_J),
        ],
        total_power_w: (CPU_J + GPU_J + RAM_J) / 0.5,
        energy_kwh,
        emissions_kg: energy_kwh * INTENSITY / 1000.0,
        cpu_utilization: Some(40.0 + (seq % 3) as f64),
        gpu_utilization: if seq.is_multiple_of(2) {
            Some(90.0)
        } else {
            None
        },
        ram_used_gb: Some(64.0),
    }
}

fn reading(key: &str, energy_j: f64) -> ComponentSample {
    ComponentSample {
        key: key.into(),
        power_w: energy_j / 0.5,
        energy_j,
    }
}

fn end(status: RunStatus) -> RunEnd {
    RunEnd {
        ended_at: "2024-03-01T10:00:02Z".into(),
        duration_s: 2.0,
        exit_code: Some(0),
        signal: None,
        status,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

fn assert_close(a: f64, b: f64, what: &str) {
    assert!(close(a, b), "{what}: {a} != {b}");
}

/// The run's fields that come straight from `NewRun`.
fn assert_same_start(record: &RunRecord, run: &NewRun) {
    assert_eq!(record.start, run.start);
}

/// The samples are 0..n without a gap and the run's totals are those of its last sample.
fn assert_consistent(store: &Store, id: RunId) -> Vec<SampleRow> {
    let record = store.run(id).expect("run");
    let samples = store.samples(id).expect("samples");
    assert_eq!(record.samples, samples.len() as u64);
    for (index, s) in samples.iter().enumerate() {
        assert_eq!(s, &sample(index as u64), "sample {index}");
    }
    let n = samples.len() as f64;
    assert_close(record.cpu_energy_kwh, n * CPU_J / 3.6e6, "cpu energy");
    assert_close(record.gpu_energy_kwh, n * GPU_J / 3.6e6, "gpu energy");
    assert_close(record.ram_energy_kwh, n * RAM_J / 3.6e6, "ram energy");
    if let Some(last) = samples.last() {
        assert_eq!(record.energy_kwh, last.energy_kwh);
        assert_eq!(record.emissions_kg, last.emissions_kg);
        assert_eq!(record.last_t_s, Some(last.t_s));
        assert_eq!(record.last_sample_at.as_ref(), Some(&last.timestamp));
    }
    samples
}

// ---------------------------------------------------------------------------------------------
// Round trips and totals

#[test]
fn a_run_and_its_samples_read_back_as_written() {
    let db = TempDb::new("round-trip");
    let store = open_stored(&db.path()).expect("open");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);

    let run = new_run("round-trip");
    let id = store.start_run(&run).expect("start");
    let written: Vec<SampleRow> = (0..5).map(sample).collect();
    for s in &written {
        store.add_sample(id, s).expect("sample");
    }
    drop(store);

    let store = open_stored(&db.path()).expect("reopen");
    let record = store.run(id).expect("run");
    assert_same_start(&record, &run);
    assert_eq!(record.status, RunStatus::Running);
    assert_eq!(record.ended_at, None);
    assert_eq!(store.samples(id).expect("samples"), written);

    let components = store.components(id).expect("components");
    let keys: Vec<&str> = components.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["cpu:package-0", "gpu:0", "ram"]);
    assert_eq!(components[1].kind, ComponentKind::Gpu);
    assert_eq!(components[1].label, "gpu:0 label");
    assert_eq!(components[2].method, Method::Model);
}

#[test]
fn every_sample_updates_the_running_totals() {
    let store = Store::open_in_memory().expect("open");
    let id = store.start_run(&new_run("totals")).expect("start");

    let fresh = store.run(id).expect("run");
    assert_eq!(
        (fresh.samples, fresh.energy_kwh, fresh.cpu_power_w),
        (0, 0.0, 0.0)
    );
    assert_eq!(fresh.cpu_utilization, None);

    for seq in 0..4 {
        store.add_sample(id, &sample(seq)).expect("sample");
        let record = store.run(id).expect("run");
        assert_eq!(record.samples, seq + 1);
        assert_consistent(&store, id);
        // 10 J every 0.5 s is 20 W, whatever the number of samples.
        assert_close(record.cpu_power_w, CPU_J / 0.5, "cpu power");
        assert_close(record.gpu_power_w, GPU_J / 0.5, "gpu power");
        assert_close(record.ram_power_w, RAM_J / 0.5, "ram power");
        assert_close(
            record.it_energy_kwh() * PUE,
            record.energy_kwh,
            "IT energy × PUE",
        );
    }

    let record = store.run(id).expect("run");
    assert_close(
        record.cpu_utilization.expect("cpu util"),
        40.75,
        "mean of 40, 41, 42, 40",
    );
    // Only the even samples carried a GPU utilization.
    assert_eq!(record.gpu_utilization, Some(90.0));
    assert_eq!(record.ram_used_gb, Some(64.0));

    let components = store.components(id).expect("components");
    assert_close(
        components[0].energy_kwh,
        4.0 * CPU_J / 3.6e6,
        "cpu component",
    );
    assert_close(
        components[1].mean_power_w,
        GPU_J / 0.5,
        "gpu component power",
    );
}

#[test]
fn finishing_and_predicting_are_recorded() {
    let store = Store::open_in_memory().expect("open");
    let id = store.start_run(&new_run("finish")).expect("start");
    store.add_sample(id, &sample(0)).expect("sample");
    assert_eq!(store.run(id).expect("run").progress, None);

    let prediction = Prediction {
        progress: 0.25,
        predicted_energy_kwh: 1.5,
        predicted_emissions_kg: 0.375,
    };
    store.set_prediction(id, &prediction).expect("prediction");
    let mut finish = end(RunStatus::Failed);
    finish.exit_code = Some(3);
    finish.signal = Some(15);
    store.finish_run(id, &finish).expect("finish");

    let record = store.run(id).expect("run");
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(record.ended_at.as_deref(), Some("2024-03-01T10:00:02Z"));
    assert_eq!(record.duration_s, Some(2.0));
    assert_eq!((record.exit_code, record.signal), (Some(3), Some(15)));
    assert_eq!(record.progress, Some(0.25));
    assert_eq!(record.predicted_energy_kwh, Some(1.5));
    assert_eq!(record.predicted_emissions_kg, Some(0.375));
    assert_eq!(record.elapsed_s(), 2.0);
    // The energy is untouched by the end.
    assert_eq!(record.energy_kwh, sample(0).energy_kwh);
}

#[test]
fn bad_input_is_refused_with_the_field_named_and_nothing_half_written() {
    let store = Store::open_in_memory().expect("open");
    let id = store.start_run(&new_run("errors")).expect("start");
    store.add_sample(id, &sample(0)).expect("sample");

    assert!(matches!(store.run(99), Err(StoreError::NotFound(99))));
    assert!(matches!(store.samples(99), Err(StoreError::NotFound(99))));
    assert!(matches!(
        store.components(99),
        Err(StoreError::NotFound(99))
    ));
    assert!(matches!(
        store.add_sample(99, &sample(0)),
        Err(StoreError::NotFound(99))
    ));
    assert!(matches!(
        store.finish_run(99, &end(RunStatus::Finished)),
        Err(StoreError::NotFound(99))
    ));
    assert!(matches!(
        store.start_run(&new_run("errors")),
        Err(StoreError::DuplicateRun(uuid)) if uuid == "errors"
    ));
    // A sample stored already (a retried batch) is skipped, its totals counted once.
    let before = store.run(id).expect("run");
    store
        .add_sample(id, &sample(0))
        .expect("a repeated sample is accepted");
    assert_eq!(store.run(id).expect("run"), before);

    // An unknown component after two known ones: the whole sample is refused.
    let mut unknown = sample(1);
    unknown.components.push(reading("gpu:7", 1.0));
    let refused = store.add_sample(id, &unknown);
    assert!(matches!(refused, Err(StoreError::UnknownComponent { ref key, .. }) if key == "gpu:7"));
    assert_consistent(&store, id);
    assert_eq!(store.run(id).expect("run").samples, 1);
    // Its transaction was rolled back: the same connection takes the next batch.
    store
        .add_samples(id, &[sample(1), sample(2)])
        .expect("the connection writes again");
    assert_consistent(&store, id);
    assert_eq!(store.run(id).expect("run").samples, 3);

    let mut nan = sample(1);
    nan.components[0].power_w = f64::NAN;
    assert!(matches!(
        store.add_sample(id, &nan),
        Err(StoreError::Invalid {
            field: "component power_w",
            ..
        })
    ));
    let mut bad_time = sample(1);
    bad_time.timestamp = "yesterday".into();
    assert!(matches!(
        store.add_sample(id, &bad_time),
        Err(StoreError::Timestamp { .. })
    ));

    // A kind outside the vocabulary cannot even be written down as a `NewRun`.
    let mut bad_kind = serde_json::to_value(new_run("bad-kind")).expect("json");
    bad_kind["components"][0]["kind"] = "disk".into();
    assert!(serde_json::from_value::<NewRun>(bad_kind).is_err());
    let mut twice = new_run("twice");
    twice
        .components
        .push(component("ram", ComponentKind::Ram, Method::Model));
    assert!(matches!(
        store.start_run(&twice),
        Err(StoreError::Invalid {
            field: "component key",
            ..
        })
    ));
    assert!(matches!(
        store.finish_run(id, &end(RunStatus::Running)),
        Err(StoreError::Invalid {
            field: "status",
            ..
        })
    ));
    let too_far = Prediction {
        progress: 1.5,
        predicted_energy_kwh: 1.0,
        predicted_emissions_kg: 1.0,
    };
    assert!(store.set_prediction(id, &too_far).is_err());
    let filter = RunFilter {
        since: Some("2024-13-01".into()),
        ..RunFilter::default()
    };
    assert!(matches!(
        store.runs(&filter),
        Err(StoreError::Timestamp { field: "since", .. })
    ));
    assert_eq!(store.runs(&RunFilter::default()).expect("runs").len(), 1);
}

// ---------------------------------------------------------------------------------------------
// Listing

#[test]
fn runs_are_listed_newest_first_and_filtered() {
    let store = Store::open_in_memory().expect("open");
    let add = |uuid: &str, project: &str, tags: &[&str], started_at: &str| -> RunId {
        let mut run = new_run(uuid);
        run.start.project = project.into();
        run.start.tags = tags.iter().map(|t| t.to_string()).collect();
        run.start.started_at = started_at.into();
        store.start_run(&run).expect("start")
    };
    let jan = add("jan", "vision", &["baseline"], "2024-01-15T08:00:00Z");
    let feb = add("feb", "vision", &["sweep", "a100"], "2024-02-15T08:00:00Z");
    // Half a second after `feb`, written with an offset: only julianday() orders it right.
    let feb_later = add(
        "feb-later",
        "nlp",
        &["sweep"],
        "2024-02-15T09:00:00.5+01:00",
    );
    let mar = add("mar", "nlp", &[], "2024-03-15T08:00:00.25Z");
    store
        .finish_run(jan, &end(RunStatus::Finished))
        .expect("finish");

    let uuids = |filter: RunFilter| -> Vec<String> {
        store
            .runs(&filter)
            .expect("runs")
            .into_iter()
            .map(|r| r.start.uuid)
            .collect()
    };
    assert_eq!(
        uuids(RunFilter::default()),
        ["mar", "feb-later", "feb", "jan"]
    );
    let project = |p: &str| RunFilter {
        project: Some(p.into()),
        ..RunFilter::default()
    };
    assert_eq!(uuids(project("vision")), ["feb", "jan"]);
    assert_eq!(uuids(project("none")), Vec::<String>::new());
    let tag = RunFilter {
        tag: Some("sweep".into()),
        ..RunFilter::default()
    };
    assert_eq!(uuids(tag), ["feb-later", "feb"]);
    // A tag is matched whole, not as a substring of the JSON.
    let partial = RunFilter {
        tag: Some("swe".into()),
        ..RunFilter::default()
    };
    assert!(uuids(partial).is_empty());
    let window = RunFilter {
        since: Some("2024-02-15T08:00:00Z".into()),
        until: Some("2024-03-15T08:00:00.25Z".into()),
        ..RunFilter::default()
    };
    assert_eq!(uuids(window), ["feb-later", "feb"]);
    let finished = RunFilter {
        status: Some(RunStatus::Finished),
        ..RunFilter::default()
    };
    assert_eq!(uuids(finished), ["jan"]);
    let limited = RunFilter {
        status: Some(RunStatus::Running),
        limit: Some(2),
        ..RunFilter::default()
    };
    assert_eq!(uuids(limited), ["mar", "feb-later"]);
    let experiment = RunFilter {
        experiment: Some("lr-sweep".into()),
        limit: Some(0),
        ..RunFilter::default()
    };
    assert!(uuids(experiment).is_empty());
    assert_eq!(store.run(feb).expect("run").uuid, "feb");
    assert_eq!(store.run(mar).expect("run").tags, Vec::<String>::new());
    assert_eq!(store.run(feb_later).expect("run").project, "nlp");
}

// ---------------------------------------------------------------------------------------------
// Recovery, durability, concurrency

#[test]
fn runs_of_dead_writers_become_interrupted_with_their_energy() {
    let db = TempDb::new("recover");
    let store = open_stored(&db.path()).expect("open");
    let mut alive_run = new_run("alive");
    alive_run.start.pid = 1000;
    let mut dead_run = new_run("dead");
    dead_run.start.pid = 2000;
    let mut quiet_run = new_run("dead-without-samples");
    quiet_run.start.pid = 3000;
    let alive = store.start_run(&alive_run).expect("start");
    let dead = store.start_run(&dead_run).expect("start");
    let quiet = store.start_run(&quiet_run).expect("start");
    let done = store.start_run(&new_run("finished")).expect("start");
    for seq in 0..3 {
        store.add_sample(alive, &sample(seq)).expect("sample");
        store.add_sample(dead, &sample(seq)).expect("sample");
    }
    store
        .finish_run(done, &end(RunStatus::Finished))
        .expect("finish");
    let before = store.run(dead).expect("run");

    let asked = std::cell::RefCell::new(Vec::new());
    let marked = store
        .recover_interrupted(|pid, hostname| {
            asked.borrow_mut().push((pid, hostname.to_owned()));
            pid == 1000
        })
        .expect("recover");
    assert_eq!(marked, [dead, quiet]);
    // Only running runs are asked about.
    assert_eq!(asked.borrow().len(), 3);
    assert!(asked.borrow().iter().all(|(_, host)| host == HOST));

    let after = store.run(dead).expect("run");
    assert_eq!(after.status, RunStatus::Interrupted);
    assert_eq!(after.energy_kwh, before.energy_kwh);
    assert_eq!(after.emissions_kg, before.emissions_kg);
    assert!(after.energy_kwh > 0.0);
    assert_eq!(after.ended_at, before.last_sample_at);
    assert_eq!(after.duration_s, Some(1.5));
    assert_eq!(store.samples(dead).expect("samples").len(), 3);

    let quiet_after = store.run(quiet).expect("run");
    assert_eq!(quiet_after.status, RunStatus::Interrupted);
    assert_eq!(
        quiet_after.ended_at.as_deref(),
        Some("2024-03-01T10:00:00Z")
    );
    assert_eq!(quiet_after.duration_s, Some(0.0));

    assert_eq!(store.run(alive).expect("run").status, RunStatus::Running);
    assert_eq!(store.run(done).expect("run").status, RunStatus::Finished);
    assert!(
        store
            .recover_interrupted(|_, _| false)
            .expect("recover")
            .iter()
            .all(|id| *id == alive)
    );

    // A writer that was wrongly given up on may still record its real end.
    store
        .finish_run(dead, &end(RunStatus::Finished))
        .expect("finish");
    assert_eq!(store.run(dead).expect("run").status, RunStatus::Finished);
}

/// Set by `a_sigkill_loses_at_most_the_sample_being_written` for the child it starts.
const WRITER_DB_ENV: &str = "MLCARBON_STORE_TEST_WRITER_DB";
const KILLED_UUID: &str = "killed-by-sigkill";

/// Not a test of its own: the body of the child process that the SIGKILL test starts (this test
/// binary, run again with `--exact sigkill_writer_child`). Without the variable it returns.
#[test]
fn sigkill_writer_child() {
    let Some(db) = std::env::var_os(WRITER_DB_ENV) else {
        return;
    };
    let store = open_stored(Path::new(&db)).expect("open in child");
    let mut run = new_run(KILLED_UUID);
    run.start.pid = std::process::id();
    let id = store.start_run(&run).expect("start in child");
    // Bounded, so that a parent that failed to kill it does not leave it running for long.
    for seq in 0..6000 {
        store.add_sample(id, &sample(seq)).expect("sample in child");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[cfg(unix)]
#[test]
fn a_sigkill_loses_at_most_the_sample_being_written() {
    use std::process::{Command, Stdio};

    let db = TempDb::new("sigkill");
    let path = db.path();
    let exe = std::env::current_exe().expect("test binary");
    /// Kills the writer if the test fails before it does.
    struct Writer(std::process::Child);
    impl Drop for Writer {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    let mut writer = Writer(
        Command::new(exe)
            .args(["--exact", "sigkill_writer_child", "--test-threads=1"])
            .env(WRITER_DB_ENV, &path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the writer"),
    );
    let child_pid = writer.0.id();

    // Wait until the child has committed some samples, then kill it mid-stream.
    let deadline = Instant::now() + Duration::from_secs(60);
    let (store, id, committed_before_kill) = loop {
        assert!(
            Instant::now() < deadline,
            "the writer wrote nothing in 60 s"
        );
        std::thread::sleep(Duration::from_millis(20));
        if !path.exists() {
            continue;
        }
        let store = open_stored(&path).expect("open beside the writer");
        let Some(run) = store
            .runs(&RunFilter::default())
            .expect("runs")
            .into_iter()
            .find(|r| r.uuid == KILLED_UUID)
        else {
            continue;
        };
        if run.samples >= 25 {
            writer.0.kill().expect("SIGKILL the writer");
            break (store, run.id, run.samples);
        }
    };
    writer.0.wait().expect("reap the writer");

    let before_recovery = store.run(id).expect("run");
    assert_eq!(before_recovery.status, RunStatus::Running);
    assert_eq!(before_recovery.pid, child_pid);
    // Everything committed before the kill is there, plus at most what was being written then;
    // the totals agree with the samples: no sample is half-written.
    assert!(before_recovery.samples >= committed_before_kill);
    let samples = assert_consistent(&store, id);
    drop(store);

    let store = open_stored(&path).expect("reopen after the kill");
    let marked = store
        .recover_interrupted(liveness::on_this_host(HOST))
        .expect("recover");
    assert_eq!(marked, [id]);
    let recovered = store.run(id).expect("run");
    assert_eq!(recovered.status, RunStatus::Interrupted);
    assert_eq!(recovered.samples, samples.len() as u64);
    let last = samples.last().expect("samples before the kill");
    assert_eq!(recovered.energy_kwh, last.energy_kwh);
    assert_eq!(recovered.emissions_kg, last.emissions_kg);
    assert_eq!(recovered.ended_at.as_ref(), Some(&last.timestamp));
    assert_eq!(recovered.duration_s, Some(last.t_s));
}

#[test]
fn two_writers_on_one_file_lose_nothing() {
    const SAMPLES: u64 = 200;
    let db = TempDb::new("concurrent");
    let path = db.path();
    // Both open the new file at the same moment: creation and migration race too.
    let start = std::sync::Barrier::new(2);
    let ids: Vec<RunId> = std::thread::scope(|scope| {
        let writers: Vec<_> = ["writer-a", "writer-b"]
            .into_iter()
            .map(|uuid| {
                let (path, start) = (&path, &start);
                scope.spawn(move || {
                    start.wait();
                    let store = open_stored(path).expect("open");
                    let id = store.start_run(&new_run(uuid)).expect("start");
                    for seq in 0..SAMPLES {
                        store.add_sample(id, &sample(seq)).expect("sample");
                    }
                    store
                        .finish_run(id, &end(RunStatus::Finished))
                        .expect("finish");
                    id
                })
            })
            .collect();
        writers
            .into_iter()
            .map(|w| w.join().expect("writer thread"))
            .collect()
    });

    let store = open_stored(&path).expect("open");
    assert_eq!(store.runs(&RunFilter::default()).expect("runs").len(), 2);
    for id in ids {
        let samples = assert_consistent(&store, id);
        assert_eq!(samples.len() as u64, SAMPLES);
        assert_eq!(store.run(id).expect("run").status, RunStatus::Finished);
    }
}

// ---------------------------------------------------------------------------------------------
// Schema versions

/// Version 1 of the schema as released, frozen here: what an old mlcarbon left on disk.
const V1_SCHEMA: &str = r#"
CREATE TABLE runs (
    id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE, project TEXT NOT NULL, experiment TEXT,
    tags TEXT NOT NULL, command TEXT NOT NULL, started_at TEXT NOT NULL, pid INTEGER NOT NULL,
    hostname TEXT NOT NULL, os TEXT NOT NULL, mlcarbon_version TEXT NOT NULL,
    location_label TEXT NOT NULL, zone TEXT, provider TEXT, region TEXT, country_iso TEXT,
    country_name TEXT, intensity_g_per_kwh REAL NOT NULL, intensity_origin TEXT NOT NULL,
    intensity_source TEXT, pue REAL NOT NULL, cpu_model TEXT, cpu_count INTEGER NOT NULL,
    gpu_model TEXT, gpu_count INTEGER NOT NULL, ram_total_gb REAL NOT NULL,
    interval_s REAL NOT NULL, status TEXT NOT NULL DEFAULT 'running', ended_at TEXT,
    duration_s REAL, exit_code INTEGER, signal INTEGER,
    energy_kwh REAL NOT NULL DEFAULT 0, emissions_kg REAL NOT NULL DEFAULT 0,
    cpu_energy_kwh REAL NOT NULL DEFAULT 0, gpu_energy_kwh REAL NOT NULL DEFAULT 0,
    ram_energy_kwh REAL NOT NULL DEFAULT 0,
    cpu_utilization_sum REAL NOT NULL DEFAULT 0, cpu_utilization_n INTEGER NOT NULL DEFAULT 0,
    gpu_utilization_sum REAL NOT NULL DEFAULT 0, gpu_utilization_n INTEGER NOT NULL DEFAULT 0,
    ram_used_gb_sum REAL NOT NULL DEFAULT 0, ram_used_gb_n INTEGER NOT NULL DEFAULT 0,
    last_t_s REAL, last_sample_at TEXT, sample_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX runs_by_start ON runs (started_at);
CREATE INDEX runs_by_status ON runs (status);
CREATE INDEX runs_by_project ON runs (project);
CREATE TABLE run_components (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    key TEXT NOT NULL, kind TEXT NOT NULL, label TEXT NOT NULL, method TEXT NOT NULL,
    energy_j REAL NOT NULL DEFAULT 0, UNIQUE (run_id, key)
);
CREATE TABLE samples (
    run_id INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    t_s REAL NOT NULL, timestamp TEXT NOT NULL, intensity_g_per_kwh REAL NOT NULL,
    total_power_w REAL NOT NULL, energy_kwh REAL NOT NULL, emissions_kg REAL NOT NULL,
    cpu_utilization REAL, gpu_utilization REAL, ram_used_gb REAL,
    PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
CREATE TABLE sample_components (
    run_id INTEGER NOT NULL, seq INTEGER NOT NULL, position INTEGER NOT NULL,
    component_id INTEGER NOT NULL REFERENCES run_components (id) ON DELETE CASCADE,
    power_w REAL NOT NULL, energy_j REAL NOT NULL,
    PRIMARY KEY (run_id, seq, position),
    FOREIGN KEY (run_id, seq) REFERENCES samples (run_id, seq) ON DELETE CASCADE
) WITHOUT ROWID;
PRAGMA user_version = 1;

INSERT INTO runs (id, uuid, project, experiment, tags, command, started_at, pid, hostname, os,
    mlcarbon_version, location_label, zone, intensity_g_per_kwh, intensity_origin, pue,
    cpu_count, gpu_count, ram_total_gb, interval_s, status, ended_at, duration_s, exit_code,
    energy_kwh, emissions_kg, cpu_energy_kwh, last_t_s, last_sample_at, sample_count)
VALUES (7, 'old-run', 'legacy', NULL, '["v1"]', '["make","train"]', '2023-06-01T00:00:00Z',
    77, 'old-host', 'Linux', '0.0.9', 'FR', 'FR', 56.0, 'defaulted', 1.0, 8, 0, 32.0, 1.0,
    'finished', '2023-06-01T00:00:10Z', 10.0, 0, 0.001, 0.000056, 0.001, 10.0,
    '2023-06-01T00:00:10Z', 1);
INSERT INTO run_components (id, run_id, key, kind, label, method, energy_j)
VALUES (1, 7, 'cpu:package-0', 'cpu', 'old cpu', 'counter', 3600.0);
INSERT INTO samples VALUES (7, 0, 10.0, '2023-06-01T00:00:10Z', 56.0, 360.0, 0.001, 0.000056,
    NULL, NULL, NULL);
INSERT INTO sample_components VALUES (7, 0, 0, 1, 360.0, 3600.0);
"#;

#[test]
fn a_version_1_database_is_migrated_with_its_rows() {
    let db = TempDb::new("migrate");
    let path = db.path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.execute_batch(V1_SCHEMA).expect("build a v1 database");
    }

    let store = open_stored(&path).expect("open and migrate");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let old = store.run(7).expect("old run");
    assert_eq!(old.uuid, "old-run");
    assert_eq!(old.tags, ["v1"]);
    assert_eq!(old.command, ["make", "train"]);
    assert_eq!(old.status, RunStatus::Finished);
    assert_eq!(old.energy_kwh, 0.001);
    assert_close(old.cpu_power_w, 360.0, "old cpu power");
    assert_eq!(old.progress, None);
    assert_eq!(old.predicted_energy_kwh, None);
    let samples = store.samples(7).expect("old samples");
    assert_eq!(samples.len(), 1);
    assert_eq!(samples[0].components[0].key, "cpu:package-0");
    assert_eq!(samples[0].components[0].energy_j, 3600.0);

    // The new columns work on old rows, and new runs go in beside them.
    let prediction = Prediction {
        progress: 1.0,
        predicted_energy_kwh: 0.001,
        predicted_emissions_kg: 0.000056,
    };
    store.set_prediction(7, &prediction).expect("prediction");
    assert_eq!(store.run(7).expect("run").progress, Some(1.0));
    let id = store.start_run(&new_run("new-beside-old")).expect("start");
    store.add_sample(id, &sample(0)).expect("sample");
    assert_eq!(store.runs(&RunFilter::default()).expect("runs").len(), 2);

    // Opening again finds nothing to do.
    drop(store);
    assert_eq!(
        open_stored(&path)
            .expect("reopen")
            .schema_version()
            .expect("version"),
        SCHEMA_VERSION
    );
}

#[test]
fn a_database_from_a_newer_mlcarbon_is_refused() {
    let db = TempDb::new("newer");
    let path = db.path();
    drop(open_stored(&path).expect("create"));
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .expect("pretend to be newer");
    }
    match open_stored(&path) {
        Err(error @ StoreError::NewerSchema { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            assert!(error.to_string().contains("upgrade mlcarbon"), "{error}");
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

#[test]
fn open_makes_folders_and_uses_wal() {
    let db = TempDb::new("wal");
    let path = db.path();
    drop(open_stored(&path).expect("open"));
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |row| row.get(0))
        .expect("journal mode");
    assert_eq!(mode, "wal");
}

// ---------------------------------------------------------------------------------------------
// Exporters

fn finished_run(store: &Store, uuid: &str) -> RunRecord {
    let id = store.start_run(&new_run(uuid)).expect("start");
    for seq in 0..4 {
        store.add_sample(id, &sample(seq)).expect("sample");
    }
    store
        .finish_run(id, &end(RunStatus::Finished))
        .expect("finish");
    store.run(id).expect("run")
}

fn parse_csv(text: &str) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .collect::<Result<_, _>>()
        .expect("CSV that parses")
}

#[test]
fn codecarbon_csv_has_codecarbon_3_3_2_columns_and_units() {
    let expected = "timestamp,project_name,run_id,experiment_id,duration,emissions,\
        emissions_rate,cpu_power,gpu_power,ram_power,cpu_energy,gpu_energy,ram_energy,\
        energy_consumed,water_consumed,country_name,country_iso_code,region,cloud_provider,\
        cloud_region,os,python_version,codecarbon_version,cpu_count,cpu_model,gpu_count,\
        gpu_model,longitude,latitude,ram_total_size,tracking_mode,cpu_utilization_percent,\
        gpu_utilization_percent,ram_utilization_percent,ram_used_gb,on_cloud,pue,wue";
    assert_eq!(CODECARBON_HEADER.join(","), expected);

    let store = Store::open_in_memory().expect("open");
    let run = finished_run(&store, "cc");
    let text = codecarbon_csv(std::slice::from_ref(&run)).expect("export");
    assert_eq!(text.lines().next(), Some(expected));
    let rows = parse_csv(&text);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1].len(), 38);
    let field = |name: &str| -> &str {
        let index = CODECARBON_HEADER
            .iter()
            .position(|h| *h == name)
            .expect("column");
        &rows[1][index]
    };
    let number = |name: &str| -> f64 { field(name).parse().expect(name) };

    assert_eq!(field("timestamp"), "2024-03-01T10:00:02");
    assert_eq!(field("run_id"), "cc");
    assert_eq!(field("experiment_id"), "lr-sweep");
    assert_eq!(number("duration"), 2.0);
    assert_eq!(number("emissions"), run.emissions_kg);
    assert_close(number("emissions_rate"), run.emissions_kg / 2.0, "kg/s");
    assert_close(number("gpu_power"), GPU_J / 0.5, "W");
    assert_close(
        number("cpu_energy") + number("gpu_energy") + number("ram_energy"),
        number("energy_consumed"),
        "components with PUE add up to the total",
    );
    assert_eq!(number("water_consumed"), 0.0);
    assert_eq!(field("country_iso_code"), "USA");
    assert_eq!(field("region"), "US-VA");
    assert_eq!(field("cloud_provider"), "aws");
    assert_eq!(field("cloud_region"), "us-east-1");
    assert_eq!(field("python_version"), "");
    assert_eq!(field("codecarbon_version"), "mlcarbon 0.1.0");
    assert_eq!(field("cpu_count"), "40");
    assert_eq!(number("ram_total_size"), 256.0);
    assert_eq!(field("tracking_mode"), "machine");
    assert_close(number("ram_utilization_percent"), 25.0, "64 of 256 GB");
    assert_eq!(field("on_cloud"), "Y");
    assert_eq!(number("pue"), PUE);
    assert_eq!(field("longitude"), "");

    let header_only = codecarbon_csv(&[]).expect("export nothing");
    assert_eq!(header_only, format!("{expected}\n"));
}

#[test]
fn run_and_sample_exports_read_back() {
    let store = Store::open_in_memory().expect("open");
    let runs = vec![finished_run(&store, "one"), finished_run(&store, "two")];

    let csv_rows = parse_csv(&runs_csv(&runs).expect("runs csv"));
    assert_eq!(csv_rows.len(), 3);
    assert!(csv_rows.iter().all(|r| r.len() == RUNS_CSV_HEADER.len()));
    assert_eq!(&csv_rows[2][1], "two");
    assert_eq!(&csv_rows[1][5], r#"["python","train.py","--epochs","3"]"#);

    let from_json: Vec<RunRecord> =
        serde_json::from_str(&runs_json(&runs).expect("json")).expect("parse json");
    assert_eq!(from_json, runs);
    let from_lines: Vec<RunRecord> = runs_jsonl(&runs)
        .expect("jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("parse line"))
        .collect();
    assert_eq!(from_lines, runs);

    // The CSV header is the JSON's field names, in the same order.
    let json = serde_json::to_value(&runs[0]).expect("json value");
    let json_names: Vec<&str> = json
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut sorted_header = RUNS_CSV_HEADER.to_vec();
    sorted_header.sort_unstable();
    let mut sorted_json = json_names.clone();
    sorted_json.sort_unstable();
    assert_eq!(sorted_header, sorted_json);

    let mut samples = store.samples(runs[0].id).expect("samples");
    // A sample without the GPU reading leaves its cells empty.
    samples[1].components.retain(|c| c.key != "gpu:0");
    let sample_rows = parse_csv(&samples_csv(&samples).expect("samples csv"));
    assert_eq!(sample_rows.len(), 5);
    assert_eq!(sample_rows[0].len(), 16);
    assert_eq!(&sample_rows[0][10], "cpu:package-0 power_w");
    assert_eq!(&sample_rows[0][13], "gpu:0 energy_j");
    assert_eq!(&sample_rows[1][13], "50");
    assert_eq!(&sample_rows[2][13], "");
    assert_eq!(&sample_rows[2][8], "", "no GPU utilization in odd samples");
    let from_sample_lines: Vec<SampleRow> = samples_jsonl(&samples)
        .expect("samples jsonl")
        .lines()
        .map(|line| serde_json::from_str(line).expect("parse line"))
        .collect();
    assert_eq!(from_sample_lines, samples);
}

// ---------------------------------------------------------------------------------------------
// Properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_text_round_trips_and_exports_as_parseable_csv(
        project in any::<String>(),
        experiment in proptest::option::of(any::<String>()),
        command in proptest::collection::vec(any::<String>(), 0..5),
        tags in proptest::collection::vec(any::<String>(), 1..4),
        label in any::<String>(),
    ) {
        let store = Store::open_in_memory().expect("open");
        let mut run = new_run("any-text");
        run.start.project = project.clone();
        run.start.experiment = experiment;
        run.start.command = command;
        run.start.tags = tags.clone();
        run.start.location_label = label.clone();
        run.start.cpu_model = Some(label);
        let id = store.start_run(&run).expect("start");
        store.add_sample(id, &sample(0)).expect("sample");
        let record = store.run(id).expect("run");
        assert_same_start(&record, &run);

        let by_tag = RunFilter { tag: Some(tags[0].clone()), ..RunFilter::default() };
        prop_assert_eq!(store.runs(&by_tag).expect("runs").len(), 1);
        let by_project = RunFilter { project: Some(project), ..RunFilter::default() };
        prop_assert_eq!(store.runs(&by_project).expect("runs").len(), 1);

        let records = [record];
        let codecarbon = parse_csv(&codecarbon_csv(&records).expect("codecarbon"));
        prop_assert_eq!(codecarbon.len(), 2);
        prop_assert!(codecarbon.iter().all(|r| r.len() == 38));
        let runs = parse_csv(&runs_csv(&records).expect("runs csv"));
        prop_assert_eq!(runs.len(), 2);
        prop_assert!(runs.iter().all(|r| r.len() == RUNS_CSV_HEADER.len()));
        prop_assert_eq!(&runs[1][2], records[0].project.as_str());
        let parsed: Vec<String> = serde_json::from_str(&runs[1][5]).expect("command JSON");
        prop_assert_eq!(&parsed, &records[0].command);
        let back: Vec<RunRecord> =
            serde_json::from_str(&runs_json(&records).expect("json")).expect("parse json");
        prop_assert_eq!(&back[..], &records[..]);
    }
}

/// A sample from arbitrary figures: a time, which readings it has, utilizations or none.
fn varied_sample(seq: u64, t_s: f64, parts: u8, utilization: Option<f64>) -> SampleRow {
    let mut row = sample(seq);
    row.t_s = t_s;
    row.cpu_utilization = utilization;
    row.ram_used_gb = utilization.map(|u| u / 2.0);
    row.total_power_w = t_s * 3.0;
    // Keep the readings whose bit is set, in their order.
    let mut bit = 0;
    row.components.retain(|_| {
        bit += 1;
        parts & (1 << (bit - 1)) != 0
    });
    for reading in &mut row.components {
        reading.energy_j += t_s;
    }
    row
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// However a tracker's samples are cut into commits, and whatever is sent twice, the store
    /// holds what the same samples hold when added one at a time (the batch path and the
    /// row-by-row path agree).
    #[test]
    fn batches_store_what_single_samples_store(
        figures in proptest::collection::vec(
            (1u64..4, 0.0f64..1e4, 0u8..8, proptest::option::of(0.0f64..100.0)),
            1..40,
        ),
        cuts in proptest::collection::vec(1usize..9, 1..12),
        resend in proptest::collection::vec((0usize..40, 1usize..6), 0..4),
    ) {
        let mut seq = 0;
        let samples: Vec<SampleRow> = figures
            .iter()
            .map(|&(gap, t_s, parts, utilization)| {
                seq += gap;
                varied_sample(seq, t_s, parts, utilization)
            })
            .collect();
        let store = Store::open_in_memory().expect("open");
        let batched = store.start_run(&new_run("batched")).expect("start");
        let single = store.start_run(&new_run("single")).expect("start");
        let mut start = 0;
        for cut in cuts.iter().cycle() {
            if start >= samples.len() {
                break;
            }
            let end = (start + cut).min(samples.len());
            store.add_samples(batched, &samples[start..end]).expect("batch");
            start = end;
        }
        for &(from, len) in &resend {
            let from = from % samples.len();
            let end = (from + len).min(samples.len());
            store.add_samples(batched, &samples[from..end]).expect("resent batch");
        }
        for one in &samples {
            store.add_sample(single, one).expect("sample");
        }
        let (a, b) = (store.run(batched).expect("run"), store.run(single).expect("run"));
        prop_assert_eq!(a.samples, b.samples);
        prop_assert_eq!(a.last_t_s, b.last_t_s);
        prop_assert_eq!(&a.last_sample_at, &b.last_sample_at);
        for (x, y) in [
            (a.energy_kwh, b.energy_kwh),
            (a.emissions_kg, b.emissions_kg),
            (a.cpu_energy_kwh, b.cpu_energy_kwh),
            (a.gpu_energy_kwh, b.gpu_energy_kwh),
            (a.ram_energy_kwh, b.ram_energy_kwh),
            (a.cpu_utilization.unwrap_or(-1.0), b.cpu_utilization.unwrap_or(-1.0)),
            (a.ram_used_gb.unwrap_or(-1.0), b.ram_used_gb.unwrap_or(-1.0)),
            (a.gpu_utilization.unwrap_or(-1.0), b.gpu_utilization.unwrap_or(-1.0)),
        ] {
            prop_assert!(close(x, y), "{} != {}", x, y);
        }
        prop_assert_eq!(store.samples(batched).expect("samples"), samples.clone());
        prop_assert_eq!(store.samples(single).expect("samples"), samples);
        let (ca, cb) = (
            store.components(batched).expect("components"),
            store.components(single).expect("components"),
        );
        for (x, y) in ca.iter().zip(&cb) {
            prop_assert!(close(x.energy_kwh, y.energy_kwh), "{}: {} != {}", x.key, x.energy_kwh, y.energy_kwh);
        }
        let (pa, pb) = (
            store.power_series(batched, 1000).expect("series"),
            store.power_series(single, 1000).expect("series"),
        );
        prop_assert_eq!(pa.points.len(), pb.points.len());
    }
}

#[test]
fn the_latest_run_is_the_last_started() {
    let store = Store::open_in_memory().expect("open");
    assert_eq!(store.latest_run().expect("query").map(|r| r.id), None);
    let first = store.start_run(&new_run("first")).expect("start");
    let second = store.start_run(&new_run("second")).expect("start");
    assert_ne!(first, second);
    assert_eq!(
        store.latest_run().expect("query").map(|r| r.id),
        Some(second)
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 11: migration of today's files, readers' view of dead trackers, read-only opening,
// streaming exporters, downsampled power

/// A database as the release before schema v3 wrote it (the v1 and v2 steps, then rows written
/// by its code): opened, it is migrated in place, keeps every row, and gains the start index
/// and the peak power of its runs.
#[test]
fn a_version_2_database_is_migrated_in_place_with_its_peaks() {
    let db = TempDb::new("migrate-v2");
    let path = db.path();
    std::fs::create_dir_all(path.parent().expect("parent")).expect("folder");
    {
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        for sql in &mlcarbon_store::schema::MIGRATIONS[..2] {
            conn.execute_batch(sql).expect("an old step");
        }
        conn.pragma_update(None, "user_version", 2)
            .expect("version 2");
    }
    {
        // Rows as the v2 store wrote them: a finished run of 4 samples at 100, 250, 175, 50 W.
        let conn = rusqlite::Connection::open(&path).expect("raw open");
        conn.execute_batch(
            "INSERT INTO runs (id, uuid, project, tags, command, started_at, pid, hostname, os,
                 mlcarbon_version, location_label, intensity_g_per_kwh, intensity_origin, pue,
                 cpu_count, gpu_count, ram_total_gb, interval_s, status, ended_at, duration_s,
                 last_t_s, last_sample_at, sample_count)
             VALUES (1, 'written-by-v2', 'p', '[]', '[\"make\"]', '2024-06-01T00:00:00Z', 1,
                 'h', 'linux', '0.1.0', 'FR', 56.0, 'estimated', 1.2, 1, 0, 8.0, 1.0,
                 'finished', '2024-06-01T00:00:04Z', 4.0, 4.0, '2024-06-01T00:00:04Z', 4);
             INSERT INTO samples (run_id, seq, t_s, timestamp, intensity_g_per_kwh,
                 total_power_w, energy_kwh, emissions_kg)
             VALUES (1, 0, 1.0, '2024-06-01T00:00:01Z', 56.0, 100.0, 0.0, 0.0),
                    (1, 1, 2.0, '2024-06-01T00:00:02Z', 56.0, 250.0, 0.0, 0.0),
                    (1, 2, 3.0, '2024-06-01T00:00:03Z', 56.0, 175.0, 0.0, 0.0),
                    (1, 3, 4.0, '2024-06-01T00:00:04Z', 56.0, 50.0, 0.0, 0.0);",
        )
        .expect("v2 rows");
    }
    let store = open_stored(&path).expect("open and migrate");
    assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    let run = store.latest_run().expect("runs").expect("the old run");
    assert_eq!(run.uuid, "written-by-v2");
    assert_eq!(run.samples, 4);
    let power = store.power_series(run.id, 60).expect("power");
    assert_eq!(power.peak_w, Some(250.0));
    assert_eq!(power.points.len(), 4);
    let conn = rusqlite::Connection::open(&path).expect("raw open");
    let indexes: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 'runs_by_start_time'",
            [],
            |r| r.get(0),
        )
        .expect("schema");
    assert_eq!(indexes, 1);
}

fn this_host() -> String {
    liveness::this_hostname()
}

/// Issue 11, D3: what every reader sees of a `running` run whose tracker is gone.
#[test]
fn a_run_whose_tracker_is_gone_reads_as_interrupted_and_nothing_is_written() {
    let db = TempDb::new("effective-status");
    let mut store = Store::open(&db.path()).expect("open");
    let dead_pid = {
        let mut child = std::process::Command::new("true").spawn().expect("`true`");
        let pid = child.id();
        child.wait().expect("reaped");
        pid
    };
    let mut dead_here = new_run("dead-here");
    dead_here.start.hostname = this_host();
    dead_here.start.pid = dead_pid;
    let mut alive_here = new_run("alive-here");
    alive_here.start.hostname = this_host();
    alive_here.start.pid = std::process::id();
    let elsewhere = new_run("elsewhere"); // HOST, samples from 10:00:00.5 to 10:00:02
    let dead_here = store.start_run(&dead_here).expect("start");
    let alive_here = store.start_run(&alive_here).expect("start");
    let elsewhere = store.start_run(&elsewhere).expect("start");
    for id in [dead_here, alive_here, elsewhere] {
        for seq in 0..4 {
            store.add_sample(id, &sample(seq)).expect("sample");
        }
    }
    let at = |now: &str| TrackerCheck::On {
        this_host: this_host(),
        now: Some(mlcarbon_time::UtcTime::parse(now).expect("instant")),
    };
    // 75 s (3 × 5 s + 60 s) after the last sample of a 0.5 s-interval run: still alive.
    store.set_tracker_check(at("2024-03-01T10:01:17Z"));
    assert_eq!(
        store.run(dead_here).expect("run").status,
        RunStatus::Interrupted
    );
    assert_eq!(
        store.run(alive_here).expect("run").status,
        RunStatus::Running
    );
    assert_eq!(
        store.run(elsewhere).expect("run").status,
        RunStatus::Running
    );
    store.set_tracker_check(at("2024-03-01T10:01:18Z"));
    let gone = store.run(elsewhere).expect("run");
    assert_eq!(gone.status, RunStatus::Interrupted);
    assert_eq!(gone.ended_at.as_deref(), Some("2024-03-01T10:00:02.000Z"));
    assert_eq!(gone.duration_s, Some(2.0));
    assert_eq!(gone.unsampled_s(), 0.0);

    let status = |status| RunFilter {
        status: Some(status),
        ..RunFilter::default()
    };
    let ids = |filter: &RunFilter| -> Vec<RunId> {
        store
            .runs(filter)
            .expect("runs")
            .iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(ids(&status(RunStatus::Running)), [alive_here]);
    assert_eq!(ids(&status(RunStatus::Interrupted)), [elsewhere, dead_here]);
    assert_eq!(
        ids(&RunFilter {
            limit: Some(1),
            ..status(RunStatus::Interrupted)
        }),
        [elsewhere]
    );

    // Readers wrote nothing: as stored, every run is still running.
    store.set_tracker_check(TrackerCheck::Off);
    assert!(
        store
            .runs(&RunFilter::default())
            .expect("runs")
            .iter()
            .all(|r| r.status == RunStatus::Running)
    );
}

#[test]
fn opening_read_only_creates_nothing_and_names_the_path() {
    let db = TempDb::new("read-only");
    let missing = db.path();
    match Store::open_read_only(&missing) {
        Err(error @ StoreError::Missing(_)) => {
            assert!(error.to_string().contains(&missing.display().to_string()));
        }
        other => panic!("expected Missing, got {other:?}"),
    }
    assert!(!db.dir.exists(), "a folder was created");

    std::fs::create_dir_all(missing.parent().expect("parent")).expect("folder");
    std::fs::write(&missing, "not sqlite at all, just some text\n").expect("write");
    assert!(matches!(
        Store::open_read_only(&missing),
        Err(StoreError::NotADatabase { .. })
    ));
    std::fs::remove_file(&missing).expect("remove");

    let store = open_stored(&missing).expect("create");
    let id = finished_run(&store, "read-back").id;
    drop(store);
    let reader = Store::open_read_only(&missing).expect("read-only");
    assert_eq!(reader.run(id).expect("run").uuid, "read-back");
    assert!(matches!(
        reader.start_run(&new_run("refused")),
        Err(StoreError::Sqlite(_))
    ));
}

#[cfg(unix)]
#[test]
fn new_databases_are_user_only() {
    use std::os::unix::fs::PermissionsExt;
    let db = TempDb::new("modes");
    drop(Store::open(&db.path()).expect("open"));
    let mode = |p: &Path| std::fs::metadata(p).expect("exists").permissions().mode() & 0o777;
    assert_eq!(mode(&db.path()), 0o600);
    assert_eq!(mode(db.path().parent().expect("folder")), 0o700);
    assert_eq!(mode(&db.dir), 0o700);
}

/// The streaming writers write what serde writes for the whole list at once.
#[test]
fn streaming_writers_match_whole_documents() {
    use mlcarbon_store::export::{RunsFormat, RunsWriter, SamplesFormat, SamplesWriter};
    let db = TempDb::new("writers");
    let store = open_stored(&db.path()).expect("open");
    let runs: Vec<RunRecord> = (0..3)
        .map(|i| finished_run(&store, &format!("w{i}")))
        .collect();
    for n in [0, 1, 3] {
        let mut writer = RunsWriter::new(RunsFormat::Json, Vec::new()).expect("writer");
        for run in &runs[..n] {
            writer.write(run).expect("write");
        }
        let text = String::from_utf8(writer.finish().expect("finish")).expect("UTF-8");
        let whole = serde_json::to_string_pretty(&runs[..n]).expect("serde") + "\n";
        assert_eq!(text, whole, "{n} runs");
    }
    let samples = store.samples(runs[0].id).expect("samples");
    let mut writer = SamplesWriter::new(SamplesFormat::Json, vec![], Vec::new()).expect("writer");
    store
        .each_sample(runs[0].id, |s| writer.write(&s))
        .expect("each");
    let text = String::from_utf8(writer.finish().expect("finish")).expect("UTF-8");
    assert_eq!(text, serde_json::to_string(&samples).expect("serde"));
    let mut oldest_first = Vec::new();
    store
        .each_run(
            &RunFilter::default(),
            mlcarbon_store::Order::OldestFirst,
            |r| {
                oldest_first.push(r.uuid.clone());
                Ok::<(), StoreError>(())
            },
        )
        .expect("each run");
    assert_eq!(oldest_first, ["w0", "w1", "w2"]);
}

#[test]
fn power_is_downsampled_by_slices_of_consecutive_samples() {
    let db = TempDb::new("power");
    let store = open_stored(&db.path()).expect("open");
    let id = store.start_run(&new_run("power")).expect("start");
    let mut rows: Vec<SampleRow> = (0..100).map(sample).collect();
    for (i, row) in rows.iter_mut().enumerate() {
        row.total_power_w = i as f64;
    }
    store.add_samples(id, &rows).expect("samples");
    // Enough points: one per sample, exact.
    let all = store.power_series(id, 500).expect("series");
    assert_eq!(all.points.len(), 100);
    assert_eq!(all.peak_w, Some(99.0));
    assert_eq!(all.samples, 100);
    assert!(
        all.points
            .iter()
            .enumerate()
            .all(|(i, p)| p.mean_w == i as f64)
    );
    assert_eq!(all.points[0].components.len(), 3);
    assert_eq!(all.points[0].components[1].key, "gpu:0");
    assert_eq!(
        all.points[0].components[1].mean_w,
        rows[0].components[1].power_w
    );
    // Four slices of 25: each point the mean of its slice (25 ≤ POINT_WINDOW).
    let four = store.power_series(id, 4).expect("series");
    let means: Vec<f64> = four.points.iter().map(|p| p.mean_w).collect();
    assert_eq!(means, [12.0, 37.0, 62.0, 87.0]);
    assert_eq!(four.points[3].t_s, rows[99].t_s);
    assert_eq!(four.points[3].emissions_kg, rows[99].emissions_kg);
    // One slice of 100: the first POINT_WINDOW samples of it.
    let one = store.power_series(id, 1).expect("series");
    let window = mlcarbon_store::POINT_WINDOW as f64;
    assert_eq!(one.points[0].mean_w, (window - 1.0) / 2.0);
    assert_eq!(one.peak_w, Some(99.0));
    // A run without samples has no points.
    let empty = store.start_run(&new_run("empty")).expect("start");
    assert_eq!(store.power_series(empty, 60).expect("series").points, []);
}
