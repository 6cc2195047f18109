//! The tests every [`RunStore`] backend passes, run by each backend's own test suite against a
//! real database: `run_all(&mut |check| make a fresh, empty store reading runs with check)`.
//! Each check panics with the scenario's name and what differed.

use crate::{
    Attribution, CcExperiment, CcOrganization, CcProject, CcProjectToken, ComponentKind,
    ComponentSample, IntensityOrigin, JobPlacement, Method, NewComponent, NewRun, Order,
    PositionedWindow, Prediction, ReportedInterval, RunEnd, RunFilter, RunStart, RunStatus,
    RunStore, RunWindow, SampleRow, StoreError, TokenScope, TrackerCheck, User, UserToken,
};

/// Makes a fresh, empty store that reads runs with the given check.
pub type MakeStore<'a> = dyn FnMut(TrackerCheck) -> Box<dyn RunStore> + 'a;

/// One scenario: checks a fresh store (or several) from `make`.
pub type Scenario = fn(&mut MakeStore<'_>);

/// Every scenario, by name.
pub const SCENARIOS: &[(&str, Scenario)] = &[
    ("round_trip", round_trip),
    (
        "retried_batches_are_stored_once",
        retried_batches_are_stored_once,
    ),
    (
        "a_batch_stores_what_its_samples_store_one_by_one",
        a_batch_stores_what_its_samples_store_one_by_one,
    ),
    ("bad_input_is_refused_whole", bad_input_is_refused_whole),
    ("finishing_and_predicting", finishing_and_predicting),
    ("lists_filters_and_order", lists_filters_and_order),
    ("power_series_points", power_series_points),
    ("recovering_interrupted_runs", recovering_interrupted_runs),
    (
        "a_gone_tracker_reads_interrupted",
        a_gone_tracker_reads_interrupted,
    ),
    ("jobs_across_hosts", jobs_across_hosts),
    ("pushed_runs_arrive_once", pushed_runs_arrive_once),
    ("windows_of_a_run", windows_of_a_run),
    ("reported_intervals", reported_intervals),
    (
        "codecarbon_hierarchy_and_tokens",
        codecarbon_hierarchy_and_tokens,
    ),
    ("accounts_teams_and_tokens", accounts_teams_and_tokens),
    ("projects_visible_to_teams", projects_visible_to_teams),
];

/// Runs every scenario, each on a store of its own; prints each name as it starts.
pub fn run_all(make: &mut MakeStore<'_>) {
    for (name, scenario) in SCENARIOS {
        eprintln!("conformance: {name}");
        scenario(make);
    }
}

const HOST: &str = "conformance-host";
const CPU_J: f64 = 10.0;
const GPU_J: f64 = 50.0;
const RAM_J: f64 = 2.0;

/// A run of project `project` started at `started_at`.
pub fn new_run(uuid: &str, project: &str, started_at: &str) -> NewRun {
    NewRun {
        start: RunStart {
            uuid: uuid.into(),
            project: project.into(),
            experiment: Some("sweep".into()),
            tags: vec!["baseline".into(), format!("p-{project}")],
            command: vec!["python".into(), "train.py".into(), "--lr=3e-4".into()],
            started_at: started_at.into(),
            pid: 4242,
            hostname: HOST.into(),
            os: "Linux-6.1-x86_64".into(),
            mlcarbon_version: "0.1.0".into(),
            location_label: "FR".into(),
            zone: Some("FR".into()),
            provider: None,
            region: None,
            country_iso: Some("FRA".into()),
            country_name: Some("France".into()),
            intensity_g_per_kwh: 50.0,
            intensity_origin: IntensityOrigin::Estimated,
            intensity_source: Some("zones.csv:FR".into()),
            pue: 1.2,
            cpu_model: Some("Test CPU".into()),
            cpu_count: 8,
            gpu_model: Some("Test GPU".into()),
            gpu_count: 1,
            ram_total_gb: 64.0,
            interval_s: 1.0,
            attribution: Attribution::Machine,
            placement: JobPlacement::default(),
        },
        components: vec![
            component("cpu:0", ComponentKind::Cpu, Method::Counter),
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

/// Sample `seq`, one second after the previous, with a reading of each component.
pub fn sample(seq: u64) -> SampleRow {
    let n = (seq + 1) as f64;
    let it_kwh = n * (CPU_J + GPU_J + RAM_J) / 3.6e6;
    SampleRow {
        seq,
        t_s: n,
        timestamp: format!("2024-03-01T10:{:02}:{:02}Z", (seq + 1) / 60, (seq + 1) % 60),
        intensity_g_per_kwh: 50.0,
        components: vec![
            reading("cpu:0", CPU_J),
            reading("gpu:0", GPU_J + seq as f64),
            reading("ram", RAM_J),
        ],
        total_power_w: CPU_J + GPU_J + RAM_J + seq as f64,
        energy_kwh: it_kwh * 1.2,
        emissions_kg: it_kwh * 1.2 * 0.05,
        cpu_utilization: Some(50.0),
        gpu_utilization: seq.is_multiple_of(2).then_some(90.0),
        ram_used_gb: Some(12.0),
    }
}

fn reading(key: &str, energy_j: f64) -> ComponentSample {
    ComponentSample {
        key: key.into(),
        power_w: energy_j,
        energy_j,
    }
}

fn end(status: RunStatus, duration_s: f64) -> RunEnd {
    RunEnd {
        ended_at: "2024-03-01T11:00:00Z".into(),
        duration_s,
        exit_code: Some(0),
        signal: None,
        status,
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1e-12)
}

#[track_caller]
fn assert_close(a: f64, b: f64, what: &str) {
    assert!(close(a, b), "{what}: {a} != {b}");
}

#[track_caller]
fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{what}: {e}"),
    }
}

fn round_trip(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    assert_eq!(ok(store.latest_run(), "latest of none"), None);
    let run = new_run("round-trip", "demo", "2024-03-01T10:00:00Z");
    let id = ok(store.start_run(&run), "start");
    let samples: Vec<SampleRow> = (0..5).map(sample).collect();
    ok(store.add_samples(id, &samples[..3]), "first batch");
    ok(store.add_sample(id, &samples[3]), "one sample");
    ok(store.add_samples(id, &samples[4..]), "last batch");

    let record = ok(store.run(id), "run");
    assert_eq!(record.start, run.start);
    assert_eq!(record.status, RunStatus::Running);
    assert_eq!(record.samples, 5);
    assert_eq!(record.last_t_s, Some(5.0));
    assert_eq!(
        record.last_sample_at.as_deref(),
        Some("2024-03-01T10:00:05Z")
    );
    assert_close(record.energy_kwh, samples[4].energy_kwh, "energy");
    assert_close(record.emissions_kg, samples[4].emissions_kg, "emissions");
    assert_close(record.cpu_energy_kwh, 5.0 * CPU_J / 3.6e6, "cpu energy");
    assert_close(
        record.gpu_energy_kwh,
        (5.0 * GPU_J + 10.0) / 3.6e6,
        "gpu energy",
    );
    assert_close(record.ram_energy_kwh, 5.0 * RAM_J / 3.6e6, "ram energy");
    assert_close(record.cpu_power_w, CPU_J, "cpu power");
    assert_eq!(record.cpu_utilization, Some(50.0));
    assert_eq!(record.gpu_utilization, Some(90.0));
    assert_eq!(record.ram_used_gb, Some(12.0));

    assert_eq!(ok(store.samples(id), "samples"), samples);
    let mut streamed = Vec::new();
    ok(
        store.each_sample(id, &mut |s| {
            streamed.push(s.seq);
            Ok(())
        }),
        "each sample",
    );
    assert_eq!(streamed, vec![0, 1, 2, 3, 4]);

    let components = ok(store.components(id), "components");
    let keys: Vec<&str> = components.iter().map(|c| c.key.as_str()).collect();
    assert_eq!(keys, ["cpu:0", "gpu:0", "ram"]);
    assert_eq!(components[1].kind, ComponentKind::Gpu);
    assert_eq!(components[2].method, Method::Model);
    assert_close(
        components[0].energy_kwh,
        5.0 * CPU_J / 3.6e6,
        "cpu:0 energy",
    );
    assert_close(components[0].mean_power_w, CPU_J, "cpu:0 power");

    assert_eq!(ok(store.latest_run(), "latest"), Some(record.clone()));
    assert_eq!(
        ok(store.runs_by_uuid_prefix("round", 5), "prefix"),
        vec![record]
    );
    assert!(ok(store.runs_by_uuid_prefix("x", 5), "no prefix").is_empty());
    assert!(ok(store.schema_version(), "version") >= 4);
    assert!(!store.location().is_empty());

    // A run without components or samples reads back too.
    let mut bare = new_run("bare", "demo", "2024-03-01T09:00:00Z");
    bare.components.clear();
    bare.start.experiment = None;
    bare.start.tags.clear();
    let bare_id = ok(store.start_run(&bare), "bare start");
    let bare_record = ok(store.run(bare_id), "bare run");
    assert_eq!(bare_record.start, bare.start);
    assert_eq!(bare_record.cpu_utilization, None);
    assert!(ok(store.samples(bare_id), "bare samples").is_empty());
    assert_eq!(
        ok(store.power_series(bare_id, 10), "bare series").points,
        []
    );

    // No Slurm jobs yet: the tables are there and empty.
    assert!(ok(store.has_slurm_tables(), "slurm tables"));
    assert!(ok(store.slurm_clusters(), "slurm clusters").is_empty());
    let mut seen = 0;
    let jobs = ok(
        store.each_slurm_figures(None, &mut |_| {
            seen += 1;
            Ok(())
        }),
        "slurm figures",
    );
    assert_eq!((jobs, seen), (0, 0));
}

fn retried_batches_are_stored_once(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let id = ok(
        store.start_run(&new_run("retry", "demo", "2024-03-01T10:00:00Z")),
        "start",
    );
    let batch: Vec<SampleRow> = (0..4).map(sample).collect();
    ok(store.add_samples(id, &batch), "batch");
    let once = ok(store.run(id), "run");
    let components_once = ok(store.components(id), "components");
    ok(store.add_samples(id, &batch), "the same batch again");
    assert_eq!(ok(store.run(id), "run after retry"), once);
    assert_eq!(
        ok(store.components(id), "components after retry"),
        components_once
    );
    assert_eq!(ok(store.samples(id), "samples after retry"), batch);

    // A retry that overlaps new samples: only the new ones count.
    let overlapping: Vec<SampleRow> = (2..7).map(sample).collect();
    ok(store.add_samples(id, &overlapping), "overlapping batch");
    let record = ok(store.run(id), "run after overlap");
    assert_eq!(record.samples, 7);
    assert_close(record.cpu_energy_kwh, 7.0 * CPU_J / 3.6e6, "cpu energy");
    assert_close(record.energy_kwh, sample(6).energy_kwh, "energy");
    assert_eq!(ok(store.samples(id), "samples").len(), 7);

    // An old batch arriving late leaves the latest figures as they are.
    ok(store.add_samples(id, &[sample(1)]), "late retry");
    assert_eq!(ok(store.run(id), "run after late retry"), record);

    // A seq repeated within one batch is stored once, as first given.
    let mut twice = sample(7);
    let first = twice.clone();
    twice.total_power_w += 100.0;
    ok(
        store.add_samples(id, &[first.clone(), twice]),
        "repeated seq",
    );
    let stored = ok(store.samples(id), "samples");
    assert_eq!(stored.len(), 8);
    assert_eq!(stored[7], first);
    assert_eq!(ok(store.run(id), "run").samples, 8);
}

/// A backend may write a batch of new samples its own way (SQLite: a few multi-row statements);
/// what it stores must equal what the same samples store one at a time, also where the batch
/// is older than a stored sample, skips seqs, goes back in time or lacks a reading.
fn a_batch_stores_what_its_samples_store_one_by_one(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let mut batch: Vec<SampleRow> = [0, 1, 2, 5, 6, 9, 10].into_iter().map(sample).collect();
    batch[3].t_s = 2.5; // earlier than the sample before it
    batch[4].cpu_utilization = None;
    batch[4].ram_used_gb = None;
    batch[5].components.pop(); // no RAM reading
    batch[6].total_power_w = 500.0;
    batch[6].t_s = 7.0; // the batch's last, not its newest
    let mut late = sample(20);
    late.t_s = 8.0; // stored first, later than most of the batch
    let mut ids = Vec::new();
    for (uuid, whole) in [("batched", true), ("one-by-one", false)] {
        let id = ok(
            store.start_run(&new_run(uuid, "demo", "2024-03-01T10:00:00Z")),
            "start",
        );
        ok(store.add_sample(id, &late), "late sample");
        if whole {
            ok(store.add_samples(id, &batch), "batch");
        } else {
            for one in &batch {
                ok(store.add_sample(id, one), "one sample");
            }
        }
        ids.push(id);
    }
    let [batched, single] = [ids[0], ids[1]].map(|id| ok(store.run(id), "run"));
    assert_eq!(batched.samples, 8);
    assert_eq!(
        (batched.samples, batched.last_t_s, &batched.last_sample_at),
        (single.samples, single.last_t_s, &single.last_sample_at)
    );
    assert_eq!(batched.last_t_s, Some(10.0), "the newest sample leads");
    for (a, b, what) in [
        (batched.energy_kwh, single.energy_kwh, "energy"),
        (batched.emissions_kg, single.emissions_kg, "emissions"),
        (batched.cpu_energy_kwh, single.cpu_energy_kwh, "cpu energy"),
        (batched.gpu_energy_kwh, single.gpu_energy_kwh, "gpu energy"),
        (batched.ram_energy_kwh, single.ram_energy_kwh, "ram energy"),
        (batched.cpu_power_w, single.cpu_power_w, "cpu power"),
    ] {
        assert_close(a, b, what);
    }
    for (a, b, what) in [
        (batched.cpu_utilization, single.cpu_utilization, "cpu use"),
        (batched.gpu_utilization, single.gpu_utilization, "gpu use"),
        (batched.ram_used_gb, single.ram_used_gb, "ram in use"),
    ] {
        assert!(a.is_some() && b.is_some(), "{what}: {a:?} {b:?}");
        assert_close(a.unwrap_or(0.0), b.unwrap_or(0.0), what);
    }
    assert_eq!(
        ok(store.samples(ids[0]), "batched samples"),
        ok(store.samples(ids[1]), "single samples")
    );
    let components = [ids[0], ids[1]].map(|id| ok(store.components(id), "components"));
    assert_eq!(components[0].len(), components[1].len());
    for (a, b) in components[0].iter().zip(&components[1]) {
        assert_eq!(a.key, b.key);
        assert_close(a.energy_kwh, b.energy_kwh, &format!("{} energy", a.key));
    }
    let series = [ids[0], ids[1]].map(|id| ok(store.power_series(id, 100), "series"));
    assert_eq!(series[0].points.len(), series[1].points.len());
}

fn bad_input_is_refused_whole(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let id = ok(
        store.start_run(&new_run("errors", "demo", "2024-03-01T10:00:00Z")),
        "start",
    );
    ok(store.add_sample(id, &sample(0)), "sample");
    let missing = id + 1000;
    assert!(matches!(store.run(missing), Err(StoreError::NotFound(m)) if m == missing));
    assert!(matches!(
        store.samples(missing),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.components(missing),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.power_series(missing, 5),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.add_sample(missing, &sample(0)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.finish_run(missing, &end(RunStatus::Finished, 1.0)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.start_run(&new_run("errors", "demo", "2024-03-01T10:00:00Z")),
        Err(StoreError::DuplicateRun(uuid)) if uuid == "errors"
    ));

    // A batch with one bad sample is refused whole: nothing of it is stored.
    let before = ok(store.run(id), "run");
    let mut unknown = sample(2);
    unknown.components.push(reading("gpu:7", 1.0));
    let refused = store.add_samples(id, &[sample(1), unknown]);
    assert!(
        matches!(refused, Err(StoreError::UnknownComponent { ref key, seq: 2, .. }) if key == "gpu:7"),
        "{refused:?}"
    );
    let mut nan = sample(1);
    nan.total_power_w = f64::NAN;
    assert!(matches!(
        store.add_samples(id, &[sample(1), nan]),
        Err(StoreError::Invalid { .. })
    ));
    let mut bad_time = sample(1);
    bad_time.timestamp = "yesterday".into();
    assert!(matches!(
        store.add_sample(id, &bad_time),
        Err(StoreError::Timestamp { .. })
    ));
    assert_eq!(ok(store.run(id), "run after refusals"), before);
    assert_eq!(ok(store.samples(id), "samples").len(), 1);

    let mut twice = new_run("twice", "demo", "2024-03-01T10:00:00Z");
    twice.components.push(twice.components[0].clone());
    assert!(matches!(
        store.start_run(&twice),
        Err(StoreError::Invalid { .. })
    ));
    let mut bad_start = new_run("bad-start", "demo", "2024-03-01T10:00:00Z");
    bad_start.start.started_at = "2024-13-01".into();
    assert!(matches!(
        store.start_run(&bad_start),
        Err(StoreError::Timestamp { .. })
    ));
    assert!(matches!(
        store.finish_run(id, &end(RunStatus::Running, 1.0)),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.runs(&RunFilter {
            since: Some("last week".into()),
            ..RunFilter::default()
        }),
        Err(StoreError::Timestamp { .. })
    ));
    assert_eq!(ok(store.runs(&RunFilter::default()), "runs").len(), 1);
}

fn finishing_and_predicting(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let id = ok(
        store.start_run(&new_run("finish", "demo", "2024-03-01T10:00:00Z")),
        "start",
    );
    let prediction = Prediction {
        progress: 0.25,
        predicted_energy_kwh: 2.0,
        predicted_emissions_kg: 0.1,
    };
    ok(store.set_prediction(id, &prediction), "prediction");
    assert!(matches!(
        store.set_prediction(
            id,
            &Prediction {
                progress: 1.5,
                ..prediction.clone()
            }
        ),
        Err(StoreError::Invalid { .. })
    ));
    let ended = RunEnd {
        ended_at: "2024-03-01T10:30:00.5Z".into(),
        duration_s: 1800.5,
        exit_code: Some(3),
        signal: Some(9),
        status: RunStatus::Failed,
    };
    ok(store.finish_run(id, &ended), "finish");
    let record = ok(store.run(id), "run");
    assert_eq!(record.status, RunStatus::Failed);
    assert_eq!(record.ended_at.as_deref(), Some("2024-03-01T10:30:00.5Z"));
    assert_eq!(record.duration_s, Some(1800.5));
    assert_eq!((record.exit_code, record.signal), (Some(3), Some(9)));
    assert_eq!(record.progress, Some(0.25));
    assert_eq!(record.predicted_energy_kwh, Some(2.0));
    assert_eq!(record.predicted_emissions_kg, Some(0.1));
}

fn lists_filters_and_order(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    // Starts whose text order is not their time order (an offset, a fraction).
    let runs = [
        ("a", "zeta", "2024-03-01T10:00:00Z"),
        ("b", "alpha", "2024-03-01T12:30:00+02:00"), // 10:30 UTC
        ("c", "zeta", "2024-03-01T11:00:00.25Z"),
        ("d", "Beta", "2024-03-01T09:00:00Z"),
    ];
    let mut ids = Vec::new();
    for (uuid, project, started_at) in runs {
        ids.push(ok(
            store.start_run(&new_run(uuid, project, started_at)),
            "start",
        ));
    }
    let uuids = |filter: &RunFilter| -> Vec<String> {
        ok(store.runs(filter), "runs")
            .into_iter()
            .map(|r| r.uuid.clone())
            .collect()
    };
    assert_eq!(uuids(&RunFilter::default()), ["c", "b", "a", "d"]);
    let mut oldest = Vec::new();
    ok(
        store.each_run(&RunFilter::default(), Order::OldestFirst, &mut |r| {
            oldest.push(r.uuid.clone());
            Ok(())
        }),
        "each run",
    );
    assert_eq!(oldest, ["d", "a", "b", "c"]);
    let project = |p: &str| RunFilter {
        project: Some(p.into()),
        ..RunFilter::default()
    };
    assert_eq!(uuids(&project("zeta")), ["c", "a"]);
    assert_eq!(
        uuids(&RunFilter {
            tag: Some("p-alpha".into()),
            ..RunFilter::default()
        }),
        ["b"]
    );
    assert_eq!(
        uuids(&RunFilter {
            since: Some("2024-03-01T10:00:00Z".into()),
            until: Some("2024-03-01T11:00:00.25Z".into()),
            ..RunFilter::default()
        }),
        ["b", "a"]
    );
    assert_eq!(
        uuids(&RunFilter {
            limit: Some(2),
            ..RunFilter::default()
        }),
        ["c", "b"]
    );
    assert_eq!(
        uuids(&RunFilter {
            experiment: Some("other".into()),
            ..RunFilter::default()
        }),
        Vec::<String>::new()
    );
    ok(
        store.finish_run(ids[2], &end(RunStatus::Finished, 5.0)),
        "finish",
    );
    let finished = uuids(&RunFilter {
        status: Some(RunStatus::Finished),
        ..RunFilter::default()
    });
    assert_eq!(finished, ["c"]);
    assert_eq!(
        uuids(&RunFilter {
            status: Some(RunStatus::Running),
            limit: Some(2),
            ..RunFilter::default()
        }),
        ["b", "a"]
    );
    // Byte order, as SQLite sorts: capitals first.
    assert_eq!(ok(store.projects(), "projects"), ["Beta", "alpha", "zeta"]);
    assert_eq!(
        ok(store.latest_run(), "latest").map(|r| r.uuid.clone()),
        Some("c".to_string())
    );
    // A callback's error stops the walk and comes back as it was.
    let mut seen = 0;
    let stopped = store.each_run(&RunFilter::default(), Order::NewestFirst, &mut |_| {
        seen += 1;
        Err(StoreError::NotFound(-1))
    });
    assert!(matches!(stopped, Err(StoreError::NotFound(-1))));
    assert_eq!(seen, 1);
}

fn power_series_points(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let id = ok(
        store.start_run(&new_run("series", "demo", "2024-03-01T10:00:00Z")),
        "start",
    );
    let samples: Vec<SampleRow> = (0..100).map(sample).collect();
    ok(store.add_samples(id, &samples), "samples");
    let series = ok(store.power_series(id, 10), "series");
    assert_eq!(series.samples, 100);
    assert_eq!(series.peak_w, Some(CPU_J + GPU_J + RAM_J + 99.0));
    assert_eq!(series.points.len(), 10);
    // Point k: samples 10k..10k+9, their mean power and the last one's time and emissions.
    for (k, point) in series.points.iter().enumerate() {
        let slice = &samples[10 * k..10 * k + 10];
        let mean = slice.iter().map(|s| s.total_power_w).sum::<f64>() / 10.0;
        assert_eq!(point.samples, 10);
        assert_close(point.mean_w, mean, "mean power");
        assert_close(point.t_s, slice[9].t_s, "time");
        assert_close(point.emissions_kg, slice[9].emissions_kg, "emissions");
        let keys: Vec<&str> = point.components.iter().map(|c| c.key.as_str()).collect();
        assert_eq!(keys, ["cpu:0", "gpu:0", "ram"]);
        assert_close(point.components[0].mean_w, CPU_J, "cpu mean");
    }
    // More points than samples: one per sample. Long slices: the first POINT_WINDOW each.
    assert_eq!(ok(store.power_series(id, 500), "fine").points.len(), 100);
    let coarse = ok(store.power_series(id, 2), "coarse");
    assert_eq!(coarse.points.len(), 2);
    assert_eq!(coarse.points[1].samples, crate::POINT_WINDOW as u64);
    assert_close(
        coarse.points[1].t_s,
        50.0 + crate::POINT_WINDOW as f64,
        "window end",
    );
}

fn recovering_interrupted_runs(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let dead = ok(
        store.start_run(&new_run("dead", "demo", "2024-03-01T10:00:00Z")),
        "start dead",
    );
    ok(store.add_samples(dead, &[sample(0), sample(1)]), "samples");
    let mut alive_run = new_run("alive", "demo", "2024-03-01T10:00:00Z");
    alive_run.start.pid = 7;
    let alive = ok(store.start_run(&alive_run), "start alive");
    let done = ok(
        store.start_run(&new_run("done", "demo", "2024-03-01T10:00:00Z")),
        "start done",
    );
    ok(
        store.finish_run(done, &end(RunStatus::Finished, 3.0)),
        "finish",
    );

    let marked = ok(
        store.recover_interrupted(&|pid, host| pid == 7 && host == HOST),
        "recover",
    );
    assert_eq!(marked, vec![dead]);
    let record = ok(store.run(dead), "dead run");
    assert_eq!(record.status, RunStatus::Interrupted);
    assert_eq!(record.ended_at.as_deref(), Some("2024-03-01T10:00:02Z"));
    assert_eq!(record.duration_s, Some(2.0));
    assert_eq!(record.samples, 2);
    assert_eq!(ok(store.run(alive), "alive run").status, RunStatus::Running);
    assert_eq!(ok(store.run(done), "done run").status, RunStatus::Finished);
    // The writer was not dead after all: it still finishes its run.
    ok(
        store.finish_run(dead, &end(RunStatus::Finished, 9.0)),
        "late finish",
    );
    assert_eq!(ok(store.run(dead), "dead run").status, RunStatus::Finished);
    assert!(ok(store.recover_interrupted(&|_, _| false), "again") == vec![alive]);
}

fn a_gone_tracker_reads_interrupted(make: &mut MakeStore<'_>) {
    let now = mlcarbon_time::UtcTime::parse("2024-03-01T12:00:00Z");
    let Ok(now) = now else {
        panic!("a fixed instant parses");
    };
    let store = make(TrackerCheck::On {
        this_host: "the-server".into(),
        now: Some(now),
    });
    let stale = ok(
        store.start_run(&new_run("stale", "demo", "2024-03-01T10:00:00Z")),
        "start stale",
    );
    ok(store.add_samples(stale, &[sample(0), sample(1)]), "samples");
    let fresh = ok(
        store.start_run(&new_run("fresh", "demo", "2024-03-01T11:59:50Z")),
        "start fresh",
    );
    let record = ok(store.run(stale), "stale run");
    assert_eq!(record.status, RunStatus::Interrupted);
    assert_eq!(record.ended_at.as_deref(), Some("2024-03-01T10:00:02Z"));
    assert_eq!(ok(store.run(fresh), "fresh run").status, RunStatus::Running);
    let interrupted = ok(
        store.runs(&RunFilter {
            status: Some(RunStatus::Interrupted),
            ..RunFilter::default()
        }),
        "interrupted",
    );
    assert_eq!(interrupted.len(), 1);
    assert_eq!(interrupted[0].id, stale);
    let running = ok(
        store.runs(&RunFilter {
            status: Some(RunStatus::Running),
            ..RunFilter::default()
        }),
        "running",
    );
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].id, fresh);
    // Nothing was written: the stored status is still `running`, so recovery finds it.
    assert_eq!(
        ok(store.recover_interrupted(&|_, _| false), "recover").len(),
        2
    );
    assert_eq!(
        store.tracker_check(),
        TrackerCheck::On {
            this_host: "the-server".into(),
            now: Some(now),
        }
    );
}

/// A run of job `job` on `host` with `rank`, counting `attribution`.
fn job_run(uuid: &str, job: &str, host: &str, rank: u32, attribution: Attribution) -> NewRun {
    let mut run = new_run(uuid, "team", "2024-03-01T10:00:00Z");
    run.start.hostname = host.into();
    run.start.attribution = attribution;
    run.start.placement = JobPlacement {
        job_key: Some(job.into()),
        rank: Some(rank),
        local_rank: Some(rank % 2),
        world_size: Some(4),
    };
    run
}

fn jobs_across_hosts(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let runs = [
        job_run("r0", "slurm:7.0", "node-a", 0, Attribution::Machine),
        job_run("r1", "slurm:7.0", "node-a", 1, Attribution::Link),
        job_run("r2", "slurm:7.0", "node-b", 2, Attribution::Machine),
        job_run("r3", "slurm:7.0", "node-b", 3, Attribution::Link),
    ];
    let mut ids = Vec::new();
    for run in &runs {
        let id = ok(store.start_run(run), "start");
        ids.push(id);
        if run.start.attribution == Attribution::Machine {
            ok(store.add_samples(id, &[sample(0), sample(1)]), "samples");
        }
    }
    let mut other = new_run("solo", "team", "2024-03-01T11:00:00Z");
    other.start.placement.job_key = Some("torchelastic:x".into());
    let solo = ok(store.start_run(&other), "start solo");
    ok(store.add_sample(solo, &sample(0)), "solo sample");

    let record = ok(store.run(ids[1]), "run");
    assert_eq!(
        record.start, runs[1].start,
        "placement and attribution read back"
    );
    assert_eq!(ok(store.run_id_by_uuid("r2"), "by uuid"), Some(ids[2]));
    assert_eq!(ok(store.run_id_by_uuid("nope"), "by uuid"), None);
    let of_job = ok(
        store.runs(&RunFilter {
            job_key: Some("slurm:7.0".into()),
            ..RunFilter::default()
        }),
        "runs of the job",
    );
    assert_eq!(of_job.len(), 4);

    assert_eq!(
        ok(store.job_keys(10), "job keys"),
        ["torchelastic:x", "slurm:7.0"]
    );
    assert_eq!(ok(store.job_keys(1), "job keys").len(), 1);
    let Some(job) = ok(store.job("slurm:7.0"), "job") else {
        panic!("the job has runs");
    };
    assert_eq!(job.nodes.len(), 2);
    assert_eq!(job.runs, 4);
    assert_eq!(job.world_size, 4);
    assert_close(job.energy_kwh, 2.0 * sample(1).energy_kwh, "job energy");
    assert_eq!(ok(store.job("none"), "no job"), None);
    assert_eq!(ok(store.jobs(10), "jobs").len(), 2);

    assert_eq!(
        ok(store.machine_tracker_on("node-b"), "tracker on b").map(|r| r.id),
        Some(ids[2])
    );
    ok(
        store.finish_run(ids[2], &end(RunStatus::Finished, 2.0)),
        "finish",
    );
    assert_eq!(ok(store.machine_tracker_on("node-b"), "tracker on b"), None);
    assert_eq!(ok(store.machine_tracker_on("node-z"), "no host"), None);
}

/// A tracker's push, retried in every way (issue 15): the run, samples, windows and end each
/// stored once; a run of another host under the same uuid and an unknown run refused.
fn pushed_runs_arrive_once(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let run = new_run("pushed", "lab", "2024-03-01T10:00:00Z");
    let first = ok(store.ingest_run(&run), "first push");
    assert!(first.created);
    let again = ok(store.ingest_run(&run), "the start again");
    assert_eq!((again.id, again.created), (first.id, false));
    let mut other = run.clone();
    other.start.hostname = "another-host".into();
    assert!(matches!(
        store.ingest_run(&other),
        Err(StoreError::DuplicateRun(_))
    ));

    let batch: Vec<SampleRow> = (0..5).map(sample).collect();
    assert_eq!(ok(store.ingest_samples("pushed", &batch), "batch"), 5);
    assert_eq!(ok(store.ingest_samples("pushed", &batch), "batch again"), 0);
    let overlapping: Vec<SampleRow> = (3..8).map(sample).collect();
    assert_eq!(
        ok(store.ingest_samples("pushed", &overlapping), "overlap"),
        3
    );
    let record = ok(store.run(first.id), "run");
    assert_eq!(record.samples, 8);
    assert_close(record.energy_kwh, sample(7).energy_kwh, "energy");
    assert!(matches!(
        store.ingest_samples("never-pushed", &batch),
        Err(StoreError::UnknownRun(_))
    ));

    let window = |position: u32, name: &str| PositionedWindow {
        position,
        window: RunWindow {
            name: name.into(),
            started_at: "2024-03-01T10:00:00Z".into(),
            ended_at: "2024-03-01T10:00:01Z".into(),
            start_t_s: 0.0,
            end_t_s: 1.0,
            energy_kwh: 0.001,
            emissions_kg: 0.0001,
        },
    };
    let windows = [window(0, "epoch 1"), window(1, "epoch 2")];
    assert_eq!(ok(store.ingest_windows("pushed", &windows), "windows"), 2);
    assert_eq!(
        ok(store.ingest_windows("pushed", &windows), "windows again"),
        0
    );
    let names: Vec<String> = ok(store.windows(first.id), "windows")
        .into_iter()
        .map(|w| w.name)
        .collect();
    assert_eq!(names, ["epoch 1", "epoch 2"]);

    let ended = end(RunStatus::Finished, 4.0);
    assert_eq!(ok(store.ingest_end("pushed", &ended), "end"), first.id);
    assert_eq!(
        ok(store.ingest_end("pushed", &ended), "end again"),
        first.id
    );
    assert_eq!(ok(store.run(first.id), "ended").status, RunStatus::Finished);
}

fn windows_of_a_run(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let id = ok(
        store.start_run(&new_run("windows", "demo", "2024-03-01T10:00:00Z")),
        "start",
    );
    let window = |name: &str, start: f64, end: f64| RunWindow {
        name: name.into(),
        started_at: "2024-03-01T10:00:01Z".into(),
        ended_at: "2024-03-01T10:00:03Z".into(),
        start_t_s: start,
        end_t_s: end,
        energy_kwh: 0.5,
        emissions_kg: 0.025,
    };
    assert!(ok(store.windows(id), "none yet").is_empty());
    ok(store.add_window(id, &window("epoch 1", 1.0, 3.0)), "window");
    ok(store.add_window(id, &window("eval", 2.0, 2.5)), "window");
    let windows = ok(store.windows(id), "windows");
    let names: Vec<&str> = windows.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["epoch 1", "eval"]);
    assert_eq!(windows[0], window("epoch 1", 1.0, 3.0));
    assert!(matches!(
        store.add_window(id, &window("backwards", 3.0, 1.0)),
        Err(StoreError::Invalid { .. })
    ));
    assert!(matches!(
        store.add_window(id + 1000, &window("lost", 1.0, 2.0)),
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.windows(id + 1000),
        Err(StoreError::NotFound(_))
    ));
}

fn reported_intervals(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let mut run = new_run("reported", "demo", "2024-03-01T10:00:00Z");
    run.start.intensity_g_per_kwh = 0.0;
    let id = ok(store.start_run(&run), "start");
    let interval = |energy_kwh: f64, duration_s: f64| ReportedInterval {
        timestamp: "2024-03-01T10:00:15Z".into(),
        duration_s,
        energy_kwh,
        emissions_kg: energy_kwh * 0.1,
        components: vec![reading("cpu:0", 100.0)],
        cpu_utilization: Some(20.0),
        gpu_utilization: None,
        ram_used_gb: None,
    };
    let first = ok(
        store.add_reported_interval(id, &interval(0.002, 15.0)),
        "first",
    );
    assert_eq!(first.seq, 0);
    assert_close(first.intensity_g_per_kwh, 100.0, "intensity from the ratio");
    let second = ok(
        store.add_reported_interval(id, &interval(0.001, 30.0)),
        "second",
    );
    assert_eq!(second.seq, 1);
    assert_close(second.t_s, 45.0, "time");
    assert_close(second.energy_kwh, 0.003, "cumulative energy");
    let record = ok(store.run(id), "run");
    assert_eq!(record.samples, 2);
    assert_close(record.energy_kwh, 0.003, "run energy");
    assert_close(record.intensity_g_per_kwh, 100.0, "run intensity");
    assert_close(record.interval_s, 30.0, "longest interval");
    assert_eq!(ok(store.samples(id), "samples"), vec![first, second]);
    assert!(matches!(
        store.add_reported_interval(id + 1000, &interval(0.001, 1.0)),
        Err(StoreError::NotFound(_))
    ));
}

fn codecarbon_hierarchy_and_tokens(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let at = "2024-03-01T10:00:00Z".to_string();
    let org = |id: &str, name: &str| CcOrganization {
        id: id.into(),
        name: name.into(),
        description: "lab".into(),
        created_at: at.clone(),
    };
    ok(store.add_cc_organization(&org("o2", "zoo")), "org");
    ok(store.add_cc_organization(&org("o1", "Lab")), "org");
    assert!(matches!(
        store.add_cc_organization(&org("o3", "zoo")),
        Err(StoreError::Exists { .. })
    ));
    assert!(matches!(
        store.add_cc_organization(&org("o1", "other")),
        Err(StoreError::Exists { .. })
    ));
    let names: Vec<String> = ok(store.cc_organizations(), "orgs")
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(names, ["Lab", "zoo"]);
    assert_eq!(
        ok(store.cc_organization("o1"), "org"),
        Some(org("o1", "Lab"))
    );
    assert_eq!(ok(store.cc_organization("none"), "no org"), None);

    let project = |id: &str, org: &str, name: &str| CcProject {
        id: id.into(),
        organization_id: org.into(),
        name: name.into(),
        description: "p".into(),
        created_at: at.clone(),
    };
    ok(
        store.add_cc_project(&project("p1", "o1", "vision")),
        "project",
    );
    assert!(matches!(
        store.add_cc_project(&project("p2", "o1", "vision")),
        Err(StoreError::Exists { .. })
    ));
    assert!(matches!(
        store.add_cc_project(&project("p3", "nowhere", "nlp")),
        Err(StoreError::Unknown { .. })
    ));
    // A project's name maps runs to one team: unique on the server (schema v10).
    assert!(matches!(
        store.add_cc_project(&project("p4", "o2", "vision")),
        Err(StoreError::Exists { .. })
    ));
    ok(
        store.add_cc_project(&project("p4", "o2", "speech")),
        "another name elsewhere",
    );
    assert_eq!(
        ok(store.cc_projects("o1"), "projects"),
        vec![project("p1", "o1", "vision")]
    );
    assert_eq!(
        ok(store.cc_project("p4"), "project").map(|p| p.organization_id),
        Some("o2".into())
    );

    let experiment = CcExperiment {
        id: "e1".into(),
        project_id: Some("p1".into()),
        name: "baseline".into(),
        description: "e".into(),
        created_at: at.clone(),
    };
    ok(store.add_cc_experiment(&experiment), "experiment");
    assert!(matches!(
        store.add_cc_experiment(&experiment),
        Err(StoreError::Exists { .. })
    ));
    assert!(matches!(
        store.add_cc_experiment(&CcExperiment {
            id: "e2".into(),
            project_id: Some("nope".into()),
            ..experiment.clone()
        }),
        Err(StoreError::Unknown { .. })
    ));
    assert_eq!(
        ok(store.cc_experiments("p1"), "experiments"),
        vec![experiment.clone()]
    );
    let seen = ok(store.ensure_cc_experiment("e9", &at), "first seen");
    assert_eq!((seen.project_id, seen.name.as_str()), (None, "e9"));
    assert_eq!(
        ok(store.ensure_cc_experiment("e1", &at), "known"),
        experiment
    );

    let token = CcProjectToken {
        token_id: "t1".into(),
        project_id: "p1".into(),
        name: "ci".into(),
        secret_sha256: [7; 32],
        created_at: at.clone(),
    };
    ok(store.add_cc_project_token(&token), "token");
    assert!(matches!(
        store.add_cc_project_token(&CcProjectToken {
            token_id: "t2".into(),
            project_id: "nope".into(),
            ..token.clone()
        }),
        Err(StoreError::Unknown { .. })
    ));
    assert_eq!(
        ok(store.cc_project_of_token("t1", &[7; 32]), "right secret"),
        Some("p1".to_string())
    );
    assert_eq!(
        ok(store.cc_project_of_token("t1", &[8; 32]), "wrong secret"),
        None
    );
    assert_eq!(
        ok(store.cc_project_of_token("t9", &[7; 32]), "unknown id"),
        None
    );
}

fn team(id: &str, name: &str) -> CcOrganization {
    CcOrganization {
        id: id.into(),
        name: name.into(),
        description: "team".into(),
        created_at: "2024-03-01T10:00:00Z".into(),
    }
}

fn team_project(id: &str, team_id: &str, name: &str) -> CcProject {
    CcProject {
        id: id.into(),
        organization_id: team_id.into(),
        name: name.into(),
        description: "p".into(),
        created_at: "2024-03-01T10:00:00Z".into(),
    }
}

fn accounts_teams_and_tokens(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    let at = "2024-03-01T10:00:00Z";
    assert!(!ok(store.has_user_tokens(), "none yet"));
    ok(store.add_cc_organization(&team("ta", "alpha")), "team a");
    ok(store.add_cc_organization(&team("tb", "beta")), "team b");
    let ada = User {
        id: "u1".into(),
        name: "ada".into(),
        created_at: at.into(),
    };
    ok(store.add_user(&ada), "user");
    assert!(matches!(
        store.add_user(&User {
            id: "u2".into(),
            ..ada.clone()
        }),
        Err(StoreError::Exists { .. })
    ));
    assert_eq!(ok(store.user_by_name("ada"), "by name"), Some(ada.clone()));
    assert_eq!(ok(store.user_by_name("bob"), "no such user"), None);

    let token = UserToken {
        token_id: "k1".into(),
        user_id: "u1".into(),
        team_id: "ta".into(),
        scope: TokenScope::Read,
        name: "laptop".into(),
        secret_sha256: [3; 32],
        created_at: at.into(),
    };
    // Not a member yet.
    assert!(matches!(
        store.add_user_token(&token),
        Err(StoreError::Unknown { .. })
    ));
    assert!(matches!(
        store.add_team_member("nope", "u1"),
        Err(StoreError::Unknown { .. })
    ));
    assert!(matches!(
        store.add_team_member("ta", "nobody"),
        Err(StoreError::Unknown { .. })
    ));
    ok(store.add_team_member("tb", "u1"), "member of b");
    ok(store.add_team_member("ta", "u1"), "member of a");
    ok(store.add_team_member("ta", "u1"), "again, harmlessly");
    assert_eq!(ok(store.user_team_ids("u1"), "teams"), ["ta", "tb"]);
    ok(store.add_user_token(&token), "token");
    assert!(matches!(
        store.add_user_token(&token),
        Err(StoreError::Exists { .. })
    ));
    ok(
        store.add_user_token(&UserToken {
            token_id: "k2".into(),
            team_id: "tb".into(),
            scope: TokenScope::Write,
            name: "ci".into(),
            secret_sha256: [4; 32],
            created_at: "2024-03-01T11:00:00Z".into(),
            ..token.clone()
        }),
        "second token",
    );
    assert!(ok(store.has_user_tokens(), "some"));

    let holder = ok(store.user_token("k1", &[3; 32]), "right secret").expect("a holder");
    assert_eq!(
        (
            holder.user.as_str(),
            holder.team.as_str(),
            holder.team_id.as_str(),
            holder.scope
        ),
        ("ada", "alpha", "ta", TokenScope::Read)
    );
    assert_eq!(holder.teams, ["ta", "tb"]);
    assert_eq!(ok(store.user_token("k1", &[4; 32]), "wrong secret"), None);
    assert_eq!(ok(store.user_token("k9", &[3; 32]), "unknown id"), None);

    assert!(ok(store.revoke_user_token("k1", at), "revoke"));
    assert!(!ok(store.revoke_user_token("k1", at), "revoked before"));
    assert!(matches!(
        store.revoke_user_token("k9", at),
        Err(StoreError::Unknown { .. })
    ));
    assert_eq!(ok(store.user_token("k1", &[3; 32]), "revoked"), None);
    assert!(
        ok(store.has_user_tokens(), "revoked still count"),
        "revoking must not turn accounts off"
    );
    let listed = ok(store.user_tokens(), "list");
    let rows: Vec<(&str, &str, &str, TokenScope, bool)> = listed
        .iter()
        .map(|t| {
            (
                t.token_id.as_str(),
                t.user.as_str(),
                t.team.as_str(),
                t.scope,
                t.revoked_at.is_some(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("k1", "ada", "alpha", TokenScope::Read, true),
            ("k2", "ada", "beta", TokenScope::Write, false)
        ]
    );
    assert_eq!(listed[0].name, "laptop");
}

fn projects_visible_to_teams(make: &mut MakeStore<'_>) {
    let store = make(TrackerCheck::Off);
    ok(store.add_cc_organization(&team("ta", "alpha")), "team a");
    ok(store.add_cc_organization(&team("tb", "beta")), "team b");
    ok(
        store.add_cc_project(&team_project("pa", "ta", "vision")),
        "project of a",
    );
    // Runs written before the project has a team stay in no team when claimed.
    ok(
        store.start_run(&new_run("old", "legacy", "2024-03-01T09:00:00Z")),
        "legacy run",
    );
    assert_eq!(
        ok(
            store.claim_project(&team_project("pl", "tb", "legacy")),
            "claim legacy"
        ),
        None
    );
    assert_eq!(
        ok(
            store.claim_project(&team_project("pn", "tb", "speech")),
            "claim new"
        ),
        Some("tb".into())
    );
    assert_eq!(
        ok(
            store.claim_project(&team_project("px", "ta", "speech")),
            "claimed before"
        ),
        Some("tb".into())
    );
    assert_eq!(
        ok(store.project_team("vision"), "team of vision"),
        Some("ta".into())
    );
    assert_eq!(ok(store.project_team("legacy"), "no team"), None);
    for (uuid, project, at) in [
        ("a", "vision", "2024-03-01T10:00:00Z"),
        ("b", "speech", "2024-03-01T11:00:00Z"),
    ] {
        ok(store.start_run(&new_run(uuid, project, at)), "run");
    }
    let uuids = |teams: Option<&[&str]>| -> Vec<String> {
        let filter = RunFilter {
            visible_to: teams.map(|t| t.iter().map(|s| s.to_string()).collect()),
            ..RunFilter::default()
        };
        ok(store.runs(&filter), "runs")
            .into_iter()
            .map(|r| r.uuid.clone())
            .collect()
    };
    assert_eq!(uuids(None), ["b", "a", "old"]);
    assert_eq!(uuids(Some(&["ta"])), ["a", "old"]);
    assert_eq!(uuids(Some(&["tb"])), ["b", "old"]);
    assert_eq!(uuids(Some(&["ta", "tb"])), ["b", "a", "old"]);
    assert_eq!(uuids(Some(&[])), ["old"]);
    let limited = RunFilter {
        visible_to: Some(vec!["ta".into()]),
        limit: Some(1),
        ..RunFilter::default()
    };
    assert_eq!(
        ok(store.runs(&limited), "limited")
            .into_iter()
            .map(|r| r.uuid.clone())
            .collect::<Vec<_>>(),
        ["a"],
        "the limit counts visible runs only"
    );

    // Moving a project to another team.
    assert_eq!(
        ok(
            store.assign_project(&team_project("unused", "tb", "vision")),
            "move"
        ),
        Some("ta".into())
    );
    assert_eq!(
        ok(
            store.assign_project(&team_project("pl2", "ta", "legacy")),
            "assign"
        ),
        None
    );
    assert!(matches!(
        store.assign_project(&team_project("p9", "nope", "x")),
        Err(StoreError::Unknown { .. })
    ));
    assert_eq!(
        ok(store.project_teams(), "assignments"),
        [
            ("legacy".to_string(), "ta".to_string()),
            ("speech".into(), "tb".into()),
            ("vision".into(), "tb".into())
        ]
    );
    assert_eq!(uuids(Some(&["ta"])), ["old"]);
}
