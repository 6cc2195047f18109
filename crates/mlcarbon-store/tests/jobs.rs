//! Distributed jobs and run windows (schema v5) against a real SQLite file: every host of a
//! job counted once whatever its ranks recorded, windows read back in order, bad windows
//! refused, and a machine-wide tracker seen by the next one on its host.

use mlcarbon_store::{
    Attribution, ComponentKind, ComponentSample, IntensityOrigin, JobPlacement, Method,
    NewComponent, NewRun, RunEnd, RunFilter, RunId, RunStart, RunStatus, RunWindow, SampleRow,
    Store, StoreError, TrackerCheck,
};

fn store() -> Store {
    let mut store = Store::open_in_memory().expect("in-memory store");
    store.set_tracker_check(TrackerCheck::Off);
    store
}

fn start(uuid: &str, host: &str, attribution: Attribution, rank: Option<u32>) -> NewRun {
    NewRun {
        start: RunStart {
            uuid: uuid.into(),
            project: "lab".into(),
            experiment: None,
            tags: vec![],
            command: vec!["train.py".into()],
            started_at: "2026-12-03T10:00:00Z".into(),
            pid: 1,
            hostname: host.into(),
            os: "linux".into(),
            mlcarbon_version: "test".into(),
            location_label: "FR".into(),
            zone: Some("FR".into()),
            provider: None,
            region: None,
            country_iso: None,
            country_name: None,
            intensity_g_per_kwh: 100.0,
            intensity_origin: IntensityOrigin::Estimated,
            intensity_source: None,
            pue: 1.0,
            cpu_model: None,
            cpu_count: 1,
            gpu_model: None,
            gpu_count: 0,
            ram_total_gb: 1.0,
            interval_s: 1.0,
            attribution,
            placement: JobPlacement {
                job_key: Some("slurm:42.0".into()),
                rank,
                local_rank: rank.map(|r| r % 2),
                world_size: Some(4),
            },
        },
        components: vec![NewComponent {
            key: "cpu".into(),
            kind: ComponentKind::Cpu,
            label: "cpu".into(),
            method: Method::Counter,
        }],
    }
}

/// A run of `kwh` (IT energy = energy, PUE 1) ended at `ended_at`.
fn stored(store: &Store, run: &NewRun, kwh: f64, ended_at: &str) -> RunId {
    let id = store.start_run(run).expect("run started");
    let joules = kwh * 3.6e6;
    store
        .add_samples(
            id,
            &[SampleRow {
                seq: 1,
                t_s: 60.0,
                timestamp: "2026-12-03T10:01:00Z".into(),
                intensity_g_per_kwh: 100.0,
                components: vec![ComponentSample {
                    key: "cpu".into(),
                    power_w: joules / 60.0,
                    energy_j: joules,
                }],
                total_power_w: joules / 60.0,
                energy_kwh: kwh,
                emissions_kg: kwh * 0.1,
                cpu_utilization: None,
                gpu_utilization: None,
                ram_used_gb: None,
            }],
        )
        .expect("sample stored");
    store
        .finish_run(
            id,
            &RunEnd {
                ended_at: ended_at.into(),
                duration_s: 60.0,
                exit_code: Some(0),
                signal: None,
                status: RunStatus::Finished,
            },
        )
        .expect("run finished");
    id
}

#[test]
fn a_job_counts_each_host_once_whatever_its_ranks_recorded() -> Result<(), StoreError> {
    let store = store();
    // Host a: rank 0 measured the machine, rank 1 (by mistake) its process share too.
    stored(
        &store,
        &start("a0", "a", Attribution::Machine, Some(0)),
        2.0,
        "2026-12-03T10:01:00Z",
    );
    stored(
        &store,
        &start("a1", "a", Attribution::Process, Some(1)),
        0.5,
        "2026-12-03T10:01:00Z",
    );
    // Host b: two ranks counted their process shares, nobody the machine.
    stored(
        &store,
        &start("b2", "b", Attribution::Process, Some(2)),
        0.75,
        "2026-12-03T10:02:00Z",
    );
    stored(
        &store,
        &start("b3", "b", Attribution::Process, Some(3)),
        0.25,
        "2026-12-03T10:01:30Z",
    );
    // Host c: only a link.
    stored(
        &store,
        &start("c4", "c", Attribution::Link, Some(4)),
        0.0,
        "2026-12-03T10:00:30Z",
    );

    let job = store.job("slurm:42.0")?.expect("the job");
    assert_eq!(job.runs, 5);
    assert_eq!(job.world_size, 4);
    assert_eq!(job.status, RunStatus::Finished);
    assert_eq!(job.ended_at.as_deref(), Some("2026-12-03T10:02:00Z"));
    let hosts: Vec<(&str, Attribution, f64)> = job
        .nodes
        .iter()
        .map(|n| (n.host.as_str(), n.counted_as, n.energy_kwh))
        .collect();
    assert_eq!(
        hosts,
        vec![
            ("a", Attribution::Machine, 2.0),
            ("b", Attribution::Process, 1.0),
            ("c", Attribution::Link, 0.0),
        ]
    );
    assert!((job.energy_kwh - 3.0).abs() < 1e-12, "{}", job.energy_kwh);
    assert!(
        (job.emissions_kg - 0.3).abs() < 1e-12,
        "{}",
        job.emissions_kg
    );
    assert_eq!(job.nodes[0].ranks, vec![0, 1]);

    assert_eq!(store.job("slurm:43")?, None);
    let listed = store.jobs(10)?;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], job);
    let of_job = store.runs(&RunFilter {
        job_key: Some("slurm:42.0".into()),
        ..RunFilter::default()
    })?;
    assert_eq!(of_job.len(), 5);
    assert!(of_job.iter().all(|r| r.placement.world_size == Some(4)));
    Ok(())
}

#[test]
fn windows_read_back_in_order_and_bad_ones_are_refused() -> Result<(), StoreError> {
    let store = store();
    let id = stored(
        &store,
        &start("w", "a", Attribution::Machine, None),
        1.0,
        "2026-12-03T10:01:00Z",
    );
    let window = |name: &str, from: f64, to: f64| RunWindow {
        name: name.into(),
        started_at: "2026-12-03T10:00:00Z".into(),
        ended_at: "2026-12-03T10:01:00Z".into(),
        start_t_s: from,
        end_t_s: to,
        energy_kwh: 0.25,
        emissions_kg: 0.025,
    };
    store.add_window(id, &window("epoch 2", 30.0, 60.0))?;
    store.add_window(id, &window("epoch 1", 0.0, 30.0))?;
    let names: Vec<String> = store.windows(id)?.into_iter().map(|w| w.name).collect();
    assert_eq!(names, ["epoch 2", "epoch 1"]);

    for bad in [
        window(" ", 0.0, 1.0),
        window("backwards", 5.0, 1.0),
        RunWindow {
            ended_at: "yesterday".into(),
            ..window("a", 0.0, 1.0)
        },
        RunWindow {
            energy_kwh: f64::NAN,
            ..window("a", 0.0, 1.0)
        },
    ] {
        let refused = store.add_window(id, &bad);
        assert!(
            matches!(
                refused,
                Err(StoreError::Invalid { .. }) | Err(StoreError::Timestamp { .. })
            ),
            "{bad:?}: {refused:?}"
        );
    }
    assert!(matches!(
        store.add_window(999, &window("x", 0.0, 1.0)),
        Err(StoreError::NotFound(999))
    ));
    assert!(matches!(store.windows(999), Err(StoreError::NotFound(999))));
    assert_eq!(store.windows(id)?.len(), 2, "nothing half written");
    Ok(())
}

#[test]
fn a_running_machine_tracker_is_found_on_its_host_only() -> Result<(), StoreError> {
    let store = store();
    assert!(store.machine_tracker_on("a")?.is_none());
    let process = store.start_run(&start("p", "a", Attribution::Process, None))?;
    assert!(
        store.machine_tracker_on("a")?.is_none(),
        "process shares do not count"
    );
    let machine = store.start_run(&start("m", "a", Attribution::Machine, None))?;
    assert_eq!(store.machine_tracker_on("a")?.map(|r| r.id), Some(machine));
    assert!(store.machine_tracker_on("b")?.is_none());
    assert_ne!(process, machine);
    Ok(())
}
