//! Pushed runs (schema v6) against real SQLite files: a tracker's database as the spool of what
//! a server has not acknowledged, and the server's idempotent ingest — the same batch twice
//! changes nothing, overlapping batches count each sample once, an unknown run is refused.

use mlcarbon_store::{
    Ack, Attribution, ComponentKind, ComponentSample, IntensityOrigin, JobPlacement, Method,
    NewComponent, NewRun, PositionedWindow, RunEnd, RunRecord, RunStart, RunStatus, RunWindow,
    SampleRow, Store, StoreError, TrackerCheck,
};

fn open(dir: &tempfile::TempDir, name: &str) -> Store {
    let mut store = Store::open(&dir.path().join(name)).expect("store");
    store.set_tracker_check(TrackerCheck::Off);
    store
}

fn pushed_run(uuid: &str) -> NewRun {
    NewRun {
        start: RunStart {
            uuid: uuid.into(),
            project: "lab".into(),
            experiment: Some("e1".into()),
            tags: vec!["t".into()],
            command: vec!["train.py".into()],
            started_at: "2026-12-03T10:00:00.5Z".into(),
            pid: 4242,
            hostname: "host-a".into(),
            os: "linux".into(),
            mlcarbon_version: "test".into(),
            location_label: "FR".into(),
            zone: Some("FR".into()),
            provider: None,
            region: None,
            country_iso: Some("FRA".into()),
            country_name: Some("France".into()),
            intensity_g_per_kwh: 50.0,
            intensity_origin: IntensityOrigin::Estimated,
            intensity_source: None,
            pue: 1.2,
            cpu_model: None,
            cpu_count: 8,
            gpu_model: Some("A100".into()),
            gpu_count: 1,
            ram_total_gb: 16.0,
            interval_s: 1.0,
            attribution: Attribution::Machine,
            placement: JobPlacement {
                job_key: Some("job-7".into()),
                rank: Some(2),
                local_rank: Some(0),
                world_size: Some(4),
            },
        },
        components: vec![
            NewComponent {
                key: "cpu".into(),
                kind: ComponentKind::Cpu,
                label: "cpu".into(),
                method: Method::Counter,
            },
            NewComponent {
                key: "gpu:0".into(),
                kind: ComponentKind::Gpu,
                label: "A100".into(),
                method: Method::Counter,
            },
        ],
    }
}

/// Sample `seq` of a run drawing 100 W of CPU and 200 W of GPU, one second each.
fn sample(seq: u64) -> SampleRow {
    let joules = 300.0 * seq as f64;
    SampleRow {
        seq,
        t_s: seq as f64,
        timestamp: format!("2026-12-03T10:00:{:02}Z", seq % 60),
        intensity_g_per_kwh: 50.0,
        components: vec![
            ComponentSample {
                key: "cpu".into(),
                power_w: 100.0,
                energy_j: 100.0,
            },
            ComponentSample {
                key: "gpu:0".into(),
                power_w: 200.0,
                energy_j: 200.0,
            },
        ],
        total_power_w: 300.0,
        energy_kwh: joules * 1.2 / 3.6e6,
        emissions_kg: joules * 1.2 / 3.6e6 * 0.05,
        cpu_utilization: Some(50.0),
        gpu_utilization: None,
        ram_used_gb: None,
    }
}

fn samples(seqs: std::ops::RangeInclusive<u64>) -> Vec<SampleRow> {
    seqs.map(sample).collect()
}

fn stored(store: &Store, uuid: &str) -> RunRecord {
    let id = store.run_id_by_uuid(uuid).expect("read").expect("stored");
    store.run(id).expect("run")
}

#[test]
fn the_same_batch_twice_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = open(&dir, "server.sqlite");
    let first = server.ingest_run(&pushed_run("u1")).expect("start");
    assert!(first.created);
    let again = server.ingest_run(&pushed_run("u1")).expect("start again");
    assert_eq!((again.id, again.created), (first.id, false));

    assert_eq!(
        server
            .ingest_samples("u1", &samples(1..=10))
            .expect("batch"),
        10
    );
    let once = stored(&server, "u1");
    assert_eq!(
        server
            .ingest_samples("u1", &samples(1..=10))
            .expect("again"),
        0
    );
    let twice = stored(&server, "u1");
    assert_eq!(once, twice);
    assert_eq!(twice.samples, 10);
    assert_eq!(server.samples(twice.id).expect("samples"), samples(1..=10));
    assert!((twice.cpu_energy_kwh - 1000.0 / 3.6e6).abs() < 1e-15);
}

#[test]
fn overlapping_and_reordered_batches_count_each_sample_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = open(&dir, "server.sqlite");
    server.ingest_run(&pushed_run("u2")).expect("start");
    assert_eq!(server.ingest_samples("u2", &samples(1..=6)).expect("a"), 6);
    assert_eq!(server.ingest_samples("u2", &samples(4..=12)).expect("b"), 6);
    // An old batch retried after a newer one: nothing new, the totals do not move back.
    assert_eq!(server.ingest_samples("u2", &samples(2..=5)).expect("c"), 0);
    // Out of order within a batch, with a repeat inside it.
    let mut shuffled = samples(13..=15);
    shuffled.reverse();
    shuffled.push(sample(14));
    assert_eq!(server.ingest_samples("u2", &shuffled).expect("d"), 3);

    let run = stored(&server, "u2");
    assert_eq!(run.samples, 15);
    assert_eq!(run.last_t_s, Some(15.0));
    assert_eq!(run.energy_kwh, sample(15).energy_kwh);
    assert_eq!(run.emissions_kg, sample(15).emissions_kg);
    assert!((run.gpu_energy_kwh - 15.0 * 200.0 / 3.6e6).abs() < 1e-15);
    assert_eq!(run.cpu_utilization, Some(50.0));
    let components = server.components(run.id).expect("components");
    assert!((components[0].energy_kwh - 15.0 * 100.0 / 3.6e6).abs() < 1e-15);
}

#[test]
fn a_batch_for_an_unknown_run_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = open(&dir, "server.sqlite");
    assert!(matches!(
        server.ingest_samples("nobody", &samples(1..=2)),
        Err(StoreError::UnknownRun(uuid)) if uuid == "nobody"
    ));
    assert!(matches!(
        server.ingest_end("nobody", &end()),
        Err(StoreError::UnknownRun(_))
    ));
    // A different run under a stored uuid is not the same run.
    server.ingest_run(&pushed_run("u3")).expect("start");
    let mut other = pushed_run("u3");
    other.start.hostname = "host-b".into();
    assert!(matches!(
        server.ingest_run(&other),
        Err(StoreError::DuplicateRun(_))
    ));
    // A bad sample refuses its whole batch.
    let mut batch = samples(1..=3);
    batch[2].components[0].key = "gpu:9".into();
    assert!(server.ingest_samples("u3", &batch).is_err());
    assert_eq!(stored(&server, "u3").samples, 0);
}

fn end() -> RunEnd {
    RunEnd {
        ended_at: "2026-12-03T10:01:00Z".into(),
        duration_s: 60.0,
        exit_code: Some(0),
        signal: None,
        status: RunStatus::Finished,
    }
}

#[test]
fn a_pushed_run_keeps_its_identity_job_and_windows() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = open(&dir, "server.sqlite");
    let run = pushed_run("u4");
    server.ingest_run(&run).expect("start");
    let window = |name: &str| RunWindow {
        name: name.into(),
        started_at: "2026-12-03T10:00:00Z".into(),
        ended_at: "2026-12-03T10:00:30Z".into(),
        start_t_s: 0.0,
        end_t_s: 30.0,
        energy_kwh: 0.001,
        emissions_kg: 0.0001,
    };
    let windows = vec![
        PositionedWindow {
            position: 0,
            window: window("epoch 1"),
        },
        PositionedWindow {
            position: 1,
            window: window("epoch 2"),
        },
    ];
    assert_eq!(server.ingest_windows("u4", &windows[..1]).expect("w"), 1);
    assert_eq!(server.ingest_windows("u4", &windows).expect("w"), 1);
    server.ingest_end("u4", &end()).expect("end");
    server.ingest_end("u4", &end()).expect("end again");

    let record = stored(&server, "u4");
    assert_eq!(record.start, run.start);
    assert_eq!(record.status, RunStatus::Finished);
    let names: Vec<String> = server
        .windows(record.id)
        .expect("windows")
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names, ["epoch 1", "epoch 2"]);
}

#[test]
fn the_spool_hands_out_what_the_server_has_not_acknowledged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = open(&dir, "local.sqlite");
    let run = local.start_run(&pushed_run("u5")).expect("start");
    local.add_samples(run, &samples(1..=7)).expect("samples");
    let other = local.start_run(&pushed_run("u6")).expect("start");
    local.enroll_delivery(run, "http://s:1").expect("enroll");
    local
        .enroll_delivery(run, "http://s:1")
        .expect("enroll again");

    let pending = local.undelivered(None, Some("host-a")).expect("pending");
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].uuid, "u5");
    assert_eq!(
        (pending[0].started, pending[0].samples_through),
        (false, None)
    );
    assert!(
        local
            .undelivered(None, Some("host-b"))
            .expect("none")
            .is_empty()
    );
    assert_eq!(local.unsent_samples(None, None).expect("unsent"), 7);

    assert_eq!(
        local.samples_after(run, None, 3).expect("first"),
        samples(1..=3)
    );
    assert_eq!(
        local.samples_after(run, Some(5), 10).expect("rest"),
        samples(6..=7)
    );
    assert!(
        local
            .samples_after(other, None, 10)
            .expect("none")
            .is_empty()
    );
    assert!(matches!(
        local.samples_after(99, None, 1),
        Err(StoreError::NotFound(99))
    ));

    local
        .acknowledge(run, "http://s:1", Ack::Started)
        .expect("ack");
    local
        .acknowledge(run, "http://s:1", Ack::SamplesThrough(5))
        .expect("ack");
    // A slower pusher's older acknowledgement does not move it back.
    local
        .acknowledge(run, "http://s:1", Ack::SamplesThrough(3))
        .expect("ack");
    let pending = local
        .undelivered(Some("http://s:1"), None)
        .expect("pending");
    assert_eq!(
        (pending[0].started, pending[0].samples_through),
        (true, Some(5))
    );
    assert_eq!(local.unsent_samples(None, None).expect("unsent"), 2);
    assert_eq!(local.new_run_of(run).expect("new run"), pushed_run("u5"));

    local
        .acknowledge(run, "http://s:1", Ack::Ended)
        .expect("ack");
    assert!(local.undelivered(None, None).expect("none").is_empty());
    local
        .acknowledge(run, "http://s:1", Ack::Forgotten)
        .expect("ack");
    assert_eq!(
        local.undelivered(None, None).expect("again")[0].samples_through,
        None
    );
}
