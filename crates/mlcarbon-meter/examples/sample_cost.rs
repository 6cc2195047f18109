//! CPU cost of one sample: 10,000 samples over fake trees (and over this machine's real
//! /proc), timed by wall clock and by the CPU time of this thread.
//!
//! `cargo run --release -p mlcarbon-meter --example sample_cost`

#[path = "../tests/meter/fake.rs"]
mod fake;

use fake::{FakeMachine, Ticks};
use mlcarbon_meter::{
    Attribution, CpuModelSensor, DiscoverOptions, ProcessTree, RamModelSensor, Roots, Sampler,
    discover,
};
use std::time::{Duration, Instant};

const SAMPLES: u32 = 10_000;

/// CPU time of this thread, from the scheduler's statistics (ns), where the kernel has them.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}

fn measure(name: &str, mut sampler: Sampler) {
    let t0 = Instant::now();
    sampler.sample(t0);
    let (wall0, cpu0) = (Instant::now(), thread_cpu());
    for i in 1..=SAMPLES {
        // Sampler time advances by 1 s per sample, as at the default interval.
        let out = sampler.sample(t0 + Duration::from_secs(u64::from(i)));
        assert!(out.warnings.is_empty(), "{name}: {:?}", out.warnings);
    }
    let wall = wall0.elapsed();
    let per = |d: Duration| d.as_secs_f64() * 1e6 / f64::from(SAMPLES);
    let cpu = cpu0.and_then(|c0| Some(thread_cpu()? - c0));
    let components = sampler.components().len();
    match cpu {
        Some(cpu) => println!(
            "{name:<52} {components} components  {:>6.2} µs/sample wall  {:>6.2} µs/sample CPU  → {:.3} CPU-s per hour at 1 s",
            per(wall),
            per(cpu),
            per(cpu) * 3600.0 / 1e6
        ),
        None => println!(
            "{name:<52} {components} components  {:>6.2} µs/sample wall",
            per(wall)
        ),
    }
}

fn main() {
    // 1. RAPL (2 packages + dram, core zones and an MMIO duplicate skipped) + amdgpu power.
    let m = FakeMachine::typical();
    let found = discover(&m.roots, &DiscoverOptions::default());
    measure("fake: RAPL ×3 + amdgpu (machine)", found.into_sampler());

    // 2. No RAPL: CPU model + RAM model + amdgpu.
    let m = FakeMachine::typical();
    std::fs::remove_dir_all(&m.roots.powercap).expect("remove powercap");
    let options = DiscoverOptions {
        cpu_tdp_w: Some(150.0),
        ..DiscoverOptions::default()
    };
    measure(
        "fake: CPU model + RAM model + amdgpu (machine)",
        discover(&m.roots, &options).into_sampler(),
    );

    // 3. The same with process attribution over a tree of 5 processes.
    for (pid, ppid) in [(100, 1), (101, 100), (102, 100), (103, 102), (104, 102)] {
        m.process(pid, ppid, Ticks::own(10, 1), 1000, true);
    }
    m.set_children(100, 100, &[101, 102]);
    m.set_children(102, 102, &[103, 104]);
    let options = DiscoverOptions {
        attribution: Attribution::Process { root_pid: 100 },
        ..options
    };
    measure(
        "fake: CPU + RAM models + amdgpu, 5-process tree",
        discover(&m.roots, &options).into_sampler(),
    );

    // 4. This machine's real /proc: CPU and RAM models, and this process as the tree.
    let roots = Roots::default();
    let sensors: Vec<Box<dyn mlcarbon_meter::Sensor>> = vec![
        Box::new(CpuModelSensor::open(&roots.proc_root, 150.0).expect("real /proc/stat")),
        Box::new(RamModelSensor::open(&roots.proc_root, 0.3725).expect("real /proc/meminfo")),
    ];
    measure("real /proc: CPU model + RAM model", Sampler::new(sensors));
    let sensors: Vec<Box<dyn mlcarbon_meter::Sensor>> = vec![
        Box::new(CpuModelSensor::open(&roots.proc_root, 150.0).expect("real /proc/stat")),
        Box::new(RamModelSensor::open(&roots.proc_root, 0.3725).expect("real /proc/meminfo")),
    ];
    let tree = ProcessTree::new(&roots, std::process::id()).expect("this process");
    measure(
        "real /proc: CPU + RAM models, this process as tree",
        Sampler::new(sensors).with_process_tree(tree),
    );
}
