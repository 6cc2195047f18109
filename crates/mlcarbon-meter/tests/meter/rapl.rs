use crate::fake::FakeMachine;
use crate::{assert_close, at};
use mlcarbon_meter::{ComponentKind, Method, RaplSensor, Sampler, Sensor, SensorError};
use std::time::Instant;

const MAX: u64 = 262_143_328_850;

fn keys(sensor: &RaplSensor) -> Vec<&str> {
    sensor.components().iter().map(|c| c.key.as_str()).collect()
}

#[test]
fn packages_and_dram_without_double_counting() {
    let m = FakeMachine::typical();
    let rapl = RaplSensor::open(&m.roots.powercap).expect("RAPL");
    // core sub-zones are inside their package; the MMIO package-0 duplicates the MSR one.
    assert_eq!(
        keys(&rapl),
        ["cpu:package-0", "ram:dram-0", "cpu:package-1"]
    );
    assert!(rapl.covers_ram());
    let kinds: Vec<ComponentKind> = rapl.components().iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [ComponentKind::Cpu, ComponentKind::Ram, ComponentKind::Cpu]
    );
    assert!(
        rapl.components()
            .iter()
            .all(|c| c.method == Method::Counter)
    );

    let mut sampler = Sampler::new(vec![Box::new(rapl)]);
    let t0 = Instant::now();
    assert_eq!(sampler.sample(t0).total.energy_j, 0.0, "baseline");
    m.set_energy("intel-rapl:0", 1_000_000 + 60_000_000); // +60 J
    m.set_energy("intel-rapl:0:0", 500_000 + 40_000_000); // inside package-0: ignored
    m.set_energy("intel-rapl:0:1", 200_000 + 5_000_000); // +5 J
    m.set_energy("intel-rapl:1", 2_000_000 + 50_000_000); // +50 J
    m.set_energy("intel-rapl-mmio:0", 1_000_000 + 60_000_000); // duplicate: ignored
    let out = sampler.sample(at(t0, 1.0));
    assert_close(out.total.energy_j, 115.0, 1e-9, "total energy");
    assert_close(out.total.power_w, 115.0, 1e-9, "total power");
    let package0 = &out.components[0];
    assert_eq!(package0.key, "cpu:package-0");
    assert_close(package0.energy_j, 60.0, 1e-9, "package-0");
}

#[test]
fn psys_alone_when_present() {
    let m = FakeMachine::typical();
    m.rapl_zone("intel-rapl:2", "psys", 9_000_000, MAX);
    let rapl = RaplSensor::open(&m.roots.powercap).expect("RAPL");
    assert_eq!(keys(&rapl), ["cpu:psys"]);
    assert!(rapl.covers_ram(), "psys includes memory");
}

#[test]
fn energy_uj_wraps_at_max_energy_range() {
    let m = FakeMachine::new();
    m.rapl_zone("intel-rapl:0", "package-0", MAX - 10_000_000, MAX);
    let mut sampler = Sampler::new(vec![Box::new(
        RaplSensor::open(&m.roots.powercap).expect("RAPL"),
    )]);
    let t0 = Instant::now();
    sampler.sample(t0);
    // 10 J to the top of the range, then 25 J past 0.
    m.set_energy("intel-rapl:0", 25_000_000);
    let out = sampler.sample(at(t0, 1.0));
    assert_close(out.total.energy_j, 35.0, 1e-9, "energy across the wrap");
    m.set_energy("intel-rapl:0", 45_000_000);
    let out = sampler.sample(at(t0, 2.0));
    assert_close(out.total.energy_j, 20.0, 1e-9, "after the wrap");
    assert_close(out.total.cumulative_j, 55.0, 1e-9, "cumulative");
}

#[test]
fn sub_zones_nested_only_inside_their_package_are_found() {
    let m = FakeMachine::new();
    m.rapl_zone("intel-rapl:0", "package-0", 1, MAX);
    m.rapl_zone("intel-rapl:0/intel-rapl:0:0", "core", 1, MAX);
    m.rapl_zone("intel-rapl:0/intel-rapl:0:1", "dram", 1, MAX);
    let rapl = RaplSensor::open(&m.roots.powercap).expect("RAPL");
    assert_eq!(keys(&rapl), ["cpu:package-0", "ram:dram-0"]);
}

#[test]
fn mmio_package_used_when_it_is_the_only_one() {
    let m = FakeMachine::new();
    m.rapl_zone("intel-rapl-mmio:0", "package-0", 1, MAX);
    let rapl = RaplSensor::open(&m.roots.powercap).expect("RAPL");
    assert_eq!(keys(&rapl), ["cpu:package-0"]);
}

#[test]
fn no_zones_is_unavailable() {
    let m = FakeMachine::new();
    let err = RaplSensor::open(&m.roots.powercap).expect_err("no zones");
    assert!(matches!(err, SensorError::Unavailable { .. }), "{err:?}");
    let err = RaplSensor::open(&m.dir.path().join("missing")).expect_err("no tree");
    assert!(err.to_string().contains("no powercap tree"), "{err}");
}

/// Real permissions: `chmod 000` on `energy_uj`. As root (as these tests run here and in CI)
/// the kernel lets root read anyway, so there the denial is checked through the opener seam
/// instead (`rapl::tests::permission_denied_through_the_opener_seam`), and this test only
/// checks that a readable counter opens.
#[test]
fn permission_denied_energy_uj() {
    use std::os::unix::fs::PermissionsExt;
    let m = FakeMachine::new();
    m.rapl_zone("intel-rapl:0", "package-0", 1, MAX);
    let path = m.zone_dir("intel-rapl:0").join("energy_uj");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).expect("chmod");
    let can_still_read = std::fs::read(&path).is_ok();
    let result = RaplSensor::open(&m.roots.powercap);
    if can_still_read {
        eprintln!("running with CAP_DAC_OVERRIDE (root): chmod 000 denies nothing here");
        assert!(result.is_ok());
    } else {
        match result {
            Err(SensorError::PermissionDenied { fix, .. }) => {
                assert!(fix.contains("sudo chmod o+r"), "{fix}")
            }
            other => panic!("expected PermissionDenied, got {other:?}"),
        }
    }
}

/// A counter that cannot be read as a number (here a directory in place of the file) fails
/// at open, not in the middle of a run.
#[test]
fn unreadable_energy_uj_fails_at_open() {
    let m = FakeMachine::new();
    let zone = m.zone_dir("intel-rapl:0");
    std::fs::create_dir_all(zone.join("energy_uj")).expect("dir");
    std::fs::write(zone.join("name"), "package-0\n").expect("name");
    let err = RaplSensor::open(&m.roots.powercap).expect_err("directory");
    assert!(matches!(err, SensorError::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("energy_uj"), "{err}");
}
