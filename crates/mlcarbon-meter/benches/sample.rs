//! One sample of the sampler over fake sysfs/procfs trees.
//! `cargo bench -p mlcarbon-meter`; `examples/sample_cost.rs` prints CPU time per sample too.

#[path = "../tests/meter/fake.rs"]
mod fake;

use criterion::{Criterion, criterion_group, criterion_main};
use fake::{FakeMachine, Ticks};
use mlcarbon_meter::{Attribution, DiscoverOptions, Sampler, discover};
use std::hint::black_box;
use std::time::{Duration, Instant};

fn run(c: &mut Criterion, name: &str, mut sampler: Sampler) {
    let t0 = Instant::now();
    sampler.sample(t0);
    let mut second = 0u64;
    c.bench_function(name, |b| {
        b.iter(|| {
            second += 1;
            black_box(
                sampler
                    .sample(t0 + Duration::from_secs(second))
                    .total
                    .energy_j,
            )
        })
    });
}

fn samples(c: &mut Criterion) {
    let rapl = FakeMachine::typical();
    run(
        c,
        "sample: RAPL x3 + amdgpu",
        discover(&rapl.roots, &DiscoverOptions::default()).into_sampler(),
    );

    let models = FakeMachine::typical();
    std::fs::remove_dir_all(&models.roots.powercap).expect("remove powercap");
    for (pid, ppid) in [(100, 1), (101, 100), (102, 100), (103, 102), (104, 102)] {
        models.process(pid, ppid, Ticks::own(10, 1), 1000, true);
    }
    models.set_children(100, 100, &[101, 102]);
    models.set_children(102, 102, &[103, 104]);
    let options = DiscoverOptions {
        cpu_tdp_w: Some(150.0),
        attribution: Attribution::Process { root_pid: 100 },
        ..DiscoverOptions::default()
    };
    run(
        c,
        "sample: CPU + RAM models + amdgpu, 5-process tree",
        discover(&models.roots, &options).into_sampler(),
    );
}

criterion_group!(benches, samples);
criterion_main!(benches);
