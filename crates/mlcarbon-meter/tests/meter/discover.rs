use crate::fake::{FakeMachine, Ticks};
use mlcarbon_meter::{Attribution, ComponentKind, DiscoverOptions, Method, discover};
use std::time::Instant;

fn keys(found: &mlcarbon_meter::Discovery) -> Vec<String> {
    found.components().map(|c| c.key.clone()).collect()
}

#[test]
fn rapl_amdgpu_and_no_ram_model_when_dram_is_measured() {
    let m = FakeMachine::typical();
    let found = discover(&m.roots, &DiscoverOptions::default());
    assert_eq!(
        keys(&found),
        ["cpu:package-0", "ram:dram-0", "cpu:package-1", "gpu:amd0"]
    );
    assert!(found.warnings.is_empty(), "{:?}", found.warnings);
    assert!(
        found.notes.iter().any(|n| n.contains("NVIDIA")),
        "no NVML here is a note: {:?}",
        found.notes
    );
    assert!(found.process_tree.is_none());
    let mut sampler = found.into_sampler();
    assert_eq!(sampler.sample(Instant::now()).components.len(), 4);
}

#[test]
fn without_rapl_the_cpu_model_with_a_warning() {
    let m = FakeMachine::typical();
    std::fs::remove_dir_all(&m.roots.powercap).expect("remove powercap");
    let options = DiscoverOptions {
        cpu_tdp_w: Some(150.0),
        ..DiscoverOptions::default()
    };
    let found = discover(&m.roots, &options);
    assert_eq!(keys(&found), ["cpu", "gpu:amd0", "ram"]);
    let cpu = found.components().next().expect("cpu");
    assert_eq!(cpu.method, Method::Model);
    assert!(
        cpu.label.contains("300 W"),
        "2 sockets × 150 W: {}",
        cpu.label
    );
    assert_eq!(found.warnings.len(), 1, "{:?}", found.warnings);
    assert!(
        found.warnings[0].contains("TDP × utilization"),
        "{:?}",
        found.warnings
    );
    assert!(
        found.warnings[0].contains("no RAPL"),
        "{:?}",
        found.warnings
    );
}

#[test]
fn without_rapl_or_tdp_the_cpu_is_not_silently_zero() {
    let m = FakeMachine::typical();
    std::fs::remove_dir_all(&m.roots.powercap).expect("remove powercap");
    let found = discover(&m.roots, &DiscoverOptions::default());
    assert!(!found.components().any(|c| c.kind == ComponentKind::Cpu));
    assert!(
        found
            .warnings
            .iter()
            .any(|w| w.contains("CPU energy not counted")),
        "{:?}",
        found.warnings
    );
}

#[test]
fn explicit_nvml_library_that_fails_is_a_warning() {
    let mut m = FakeMachine::typical();
    m.roots.nvml_library = Some(m.dir.path().join("libnvidia-ml.so.1"));
    let found = discover(&m.roots, &DiscoverOptions::default());
    assert!(
        found
            .warnings
            .iter()
            .any(|w| w.contains("NVIDIA GPUs not measured")),
        "{:?}",
        found.warnings
    );
}

#[test]
fn process_attribution_builds_the_tree_or_warns() {
    let m = FakeMachine::typical();
    m.process(100, 1, Ticks::own(1, 0), 10, true);
    let found = discover(
        &m.roots,
        &DiscoverOptions {
            attribution: Attribution::Process { root_pid: 100 },
            ..DiscoverOptions::default()
        },
    );
    assert_eq!(found.process_tree.as_ref().map(|t| t.root_pid()), Some(100));

    let found = discover(
        &m.roots,
        &DiscoverOptions {
            attribution: Attribution::Process { root_pid: 4242 },
            ..DiscoverOptions::default()
        },
    );
    assert!(found.process_tree.is_none());
    assert!(
        found.warnings.iter().any(|w| w.contains("whole-machine")),
        "{:?}",
        found.warnings
    );
}
