use crate::fake::{FakeMachine, Ticks};
use crate::{assert_close, at};
use mlcarbon_meter::{
    CpuModelSensor, Method, ProcessTree, RamModelSensor, Sampler, Sensor, cpu_model_name,
    cpu_socket_count,
};
use std::time::Instant;

const GIB_KB: u64 = 1024 * 1024;

#[test]
fn cpu_model_name_and_sockets_from_cpuinfo() {
    let m = FakeMachine::typical();
    assert_eq!(
        cpu_model_name(&m.roots).as_deref(),
        Some("Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz")
    );
    assert_eq!(cpu_socket_count(&m.roots), Some(2));
    let bare = FakeMachine::new();
    assert_eq!(cpu_model_name(&bare.roots), None);
    assert_eq!(cpu_socket_count(&bare.roots), None);
}

#[test]
fn cpu_model_is_tdp_times_machine_utilization() {
    let m = FakeMachine::new();
    m.proc_stat(4, 800, 200, 10_000);
    let cpu = CpuModelSensor::open(&m.roots.proc_root, 100.0).expect("CPU model");
    assert_eq!(cpu.components()[0].key, "cpu");
    assert_eq!(cpu.components()[0].method, Method::Model);
    let mut sampler = Sampler::new(vec![Box::new(cpu)]);
    let t0 = Instant::now();
    sampler.sample(t0);
    // +300 busy, +100 idle ticks: 75 % busy for 2 s at 100 W.
    m.proc_stat(4, 1000, 300, 10_100);
    let out = sampler.sample(at(t0, 2.0));
    assert_close(out.total.energy_j, 150.0, 1e-3, "energy");
    assert_close(out.total.power_w, 75.0, 1e-3, "power");
    assert_eq!(out.components[0].utilization, Some(0.75));
}

#[test]
fn ram_model_is_watts_per_gb_in_use() {
    let m = FakeMachine::new();
    m.meminfo(16 * GIB_KB, 8 * GIB_KB);
    let ram = RamModelSensor::open(&m.roots.proc_root, 0.5).expect("RAM model");
    let mut sampler = Sampler::new(vec![Box::new(ram)]);
    let t0 = Instant::now();
    sampler.sample(t0);
    let out = sampler.sample(at(t0, 10.0));
    // 8 GiB in use × 0.5 W/GB = 4 W for 10 s.
    assert_close(out.total.energy_j, 40.0, 1e-9, "energy");
    assert_eq!(out.components[0].utilization, Some(0.5));
}

#[test]
fn models_refuse_nonsense_rates_and_missing_files() {
    let m = FakeMachine::new();
    m.proc_stat(1, 1, 1, 1);
    assert!(CpuModelSensor::open(&m.roots.proc_root, f64::NAN).is_err());
    assert!(CpuModelSensor::open(&m.roots.proc_root, -1.0).is_err());
    let err = RamModelSensor::open(&m.roots.proc_root, 0.4).expect_err("no meminfo");
    assert!(err.to_string().contains("meminfo"), "{err}");
}

/// The machine's busy ticks and a job tree's ticks advance together; the tree:
/// 100 ─┬─ 101
///      └─ 102 ── 103 (forked by 102's second thread, 105)
fn job_machine(children_files: bool) -> FakeMachine {
    let m = FakeMachine::new();
    m.proc_stat(4, 1000, 0, 10_000);
    m.meminfo(16 * GIB_KB, 8 * GIB_KB);
    m.process(100, 1, Ticks::own(10, 0), 1000, children_files);
    m.process(101, 100, Ticks::own(5, 0), 500, children_files);
    m.process(102, 100, Ticks::default(), 250, children_files);
    m.process(103, 102, Ticks::own(1, 1), 250, children_files);
    m.process(900, 1, Ticks::own(5000, 0), 9999, children_files); // not the job's
    if children_files {
        m.set_children(100, 100, &[101, 102]);
        m.set_children(102, 105, &[103]);
    }
    m
}

#[test]
fn process_tree_shares_and_exact_tick_accounting() {
    let m = job_machine(true);
    let mut tree = ProcessTree::new(&m.roots, 100).expect("tree");
    let t0 = Instant::now();
    let base = tree.refresh(t0).expect("baseline");
    assert_eq!(base.processes, 4, "100, 101, 102, 103; not 900");
    assert_eq!(base.cpu_ticks, 0);
    assert_eq!(base.cpu_share, None);
    assert_eq!(base.rss_bytes, 2000 * 4096);
    let mut pids: Vec<u32> = tree.pids().iter().copied().collect();
    pids.sort();
    assert_eq!(pids, [100, 101, 102, 103]);

    // 1 s: the tree uses 100 of the machine's 200 busy ticks.
    m.set_process(100, 1, Ticks::own(60, 0), 1000);
    m.set_process(101, 100, Ticks::own(35, 0), 500);
    m.set_process(103, 102, Ticks::own(21, 1), 250);
    m.proc_stat(4, 1200, 0, 10_200);
    let s = tree.refresh(at(t0, 1.0)).expect("refresh");
    assert_eq!(s.cpu_ticks, 100);
    assert_eq!(s.cpu_share, Some(0.5));
    assert_eq!(
        s.cpu_utilization,
        Some(0.25),
        "100 ticks of 4 CPUs × 100 Hz × 1 s"
    );
    assert_close(
        s.ram_share.expect("ram share"),
        2000.0 * 4096.0 / (8.0 * 1024.0 * 1024.0 * 1024.0),
        1e-12,
        "ram share",
    );

    // A new child 104 (7 ticks so far) appears; it is found at the next membership search,
    // with all its ticks.
    m.process(104, 100, Ticks::own(7, 0), 100, true);
    m.set_children(100, 100, &[101, 102, 104]);
    let mut total = 0;
    for i in 2..=5 {
        total += tree
            .refresh(at(t0, f64::from(i)))
            .expect("refresh")
            .cpu_ticks;
    }
    assert_eq!(total, 7, "104's ticks, counted once");
    assert_eq!(tree.pids().len(), 5);

    // 103 (22 ticks when last seen) ends at 25 and 102 reaps it: 102's cutime gains 25.
    // Only the 3 ticks 103 used since the last sample are new.
    m.end_process(103);
    m.set_children(102, 105, &[]);
    m.set_process(
        102,
        100,
        Ticks {
            cutime: 24,
            cstime: 1,
            ..Ticks::default()
        },
        250,
    );
    let s = tree.refresh(at(t0, 6.0)).expect("refresh");
    assert_eq!(s.cpu_ticks, 3);
    assert_eq!(s.processes, 4);

    // The root exits; its orphan 101 is still the job's and is still followed.
    m.end_process(100);
    m.set_process(101, 1, Ticks::own(45, 0), 500);
    let s = tree.refresh(at(t0, 7.0)).expect("refresh");
    assert_eq!(s.cpu_ticks, 10);
    assert!(tree.pids().contains(&101));
    assert!(!tree.pids().contains(&100));
}

/// The parent reaps the child between the two reads of one refresh: the child is gone, the
/// parent's cutime does not show it yet. The ticks taken back are carried, not lost.
#[test]
fn reaping_seen_late_is_carried_to_the_next_refresh() {
    let m = job_machine(true);
    let mut tree = ProcessTree::new(&m.roots, 100).expect("tree");
    let t0 = Instant::now();
    tree.refresh(t0).expect("baseline");
    m.end_process(103); // 2 ticks when last seen, 2 at the end
    let s = tree.refresh(at(t0, 1.0)).expect("refresh");
    assert_eq!(s.cpu_ticks, 0, "2 ticks owed");
    m.set_process(
        102,
        100,
        Ticks {
            cutime: 1,
            cstime: 1,
            ..Ticks::default()
        },
        250,
    );
    m.set_process(101, 100, Ticks::own(9, 0), 500); // +4
    let s = tree.refresh(at(t0, 2.0)).expect("refresh");
    assert_eq!(s.cpu_ticks, 4, "+2 from the reaping, −2 owed, +4 from 101");
}

/// A parent that ignores SIGCHLD never gets its children's times in cutime: the debt of a
/// vanished child is forgiven, never paid out of the parent's own work.
#[test]
fn children_never_reaped_into_cutime_do_not_swallow_later_work() {
    let m = job_machine(true);
    let mut tree = ProcessTree::new(&m.roots, 100).expect("tree");
    let t0 = Instant::now();
    tree.refresh(t0).expect("baseline");
    m.end_process(101); // 5 ticks when last seen; auto-reaped, 100's cutime unchanged
    let mut total = 0;
    for (i, utime) in [(1, 20), (2, 30), (3, 40)] {
        m.set_process(100, 1, Ticks::own(utime, 0), 1000);
        total += tree
            .refresh(at(t0, f64::from(i)))
            .expect("refresh")
            .cpu_ticks;
    }
    assert_eq!(total, 30, "the root's own 3 × 10 ticks, whole");
}

#[test]
fn process_tree_by_parent_scan_without_children_files() {
    let m = job_machine(false);
    let mut tree = ProcessTree::new(&m.roots, 100).expect("tree");
    let t0 = Instant::now();
    assert_eq!(tree.refresh(t0).expect("baseline").processes, 4);
    m.set_process(103, 102, Ticks::own(11, 1), 250);
    m.proc_stat(4, 1040, 0, 10_000);
    let s = tree.refresh(at(t0, 1.0)).expect("refresh");
    assert_eq!(s.cpu_ticks, 10);
    assert_eq!(s.cpu_share, Some(0.25));
}

#[test]
fn missing_root_process_is_unavailable() {
    let m = job_machine(true);
    let err = ProcessTree::new(&m.roots, 4242).expect_err("no such pid");
    assert!(err.to_string().contains("4242"), "{err}");
}

#[test]
fn sampler_attributes_model_cpu_and_ram_to_the_tree() {
    let m = job_machine(true);
    let cpu = CpuModelSensor::open(&m.roots.proc_root, 100.0).expect("cpu");
    let ram = RamModelSensor::open(&m.roots.proc_root, 0.5).expect("ram");
    let tree = ProcessTree::new(&m.roots, 100).expect("tree");
    let mut sampler = Sampler::new(vec![Box::new(cpu), Box::new(ram)]).with_process_tree(tree);
    let t0 = Instant::now();
    let base = sampler.sample(t0);
    assert_eq!(base.total.attributed_j, 0.0);
    // Machine: 200 of 400 ticks busy (50 %) for 1 s at 100 W = 50 J; the tree used 100 of the
    // 200 busy ticks, so 25 J are the job's: TDP × the tree's utilization (100 / 400).
    m.proc_stat(4, 1200, 0, 10_200);
    m.set_process(100, 1, Ticks::own(110, 0), 1000);
    let out = sampler.sample(at(t0, 1.0));
    let cpu = &out.components[0];
    assert_close(cpu.energy_j, 50.0, 1e-3, "machine CPU");
    assert_eq!(cpu.share, Some(0.5));
    assert_close(cpu.attributed_j, 25.0, 1e-3, "job CPU");
    let ram = &out.components[1];
    let rss = 2000.0 * 4096.0;
    let gib = 1024.0 * 1024.0 * 1024.0;
    assert_close(
        ram.attributed_j,
        0.5 * rss / gib,
        1e-9,
        "job RAM: W/GB × its GB",
    );
    let process = out.process.expect("process sample");
    assert_eq!(process.processes, 4);
    assert_close(
        out.total.attributed_j,
        cpu.attributed_j + ram.attributed_j,
        1e-9,
        "total",
    );
}
