use crate::fake::FakeMachine;
use crate::{assert_close, at};
use mlcarbon_meter::{AmdGpuSensor, Method, Sampler, Sensor};
use std::time::Instant;

#[test]
fn amdgpu_power1_average_is_integrated() {
    let m = FakeMachine::new();
    m.hwmon(0, "coretemp", &[("temp1_input", 40_000)]);
    m.hwmon(2, "amdgpu", &[("power1_average", 100_000_000)]);
    let mut warnings = Vec::new();
    let gpus = AmdGpuSensor::open_all(&m.roots.hwmon, &mut warnings);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(gpus.len(), 1, "only the amdgpu directory");
    let info = &gpus[0].components()[0];
    assert_eq!(info.key, "gpu:amd0");
    assert_eq!(info.method, Method::IntegratedPower);
    assert_eq!(info.label, "AMD GPU 0");

    let mut sampler = Sampler::new(gpus.into_iter().map(|g| Box::new(g) as _).collect());
    let t0 = Instant::now();
    sampler.sample(t0);
    m.set_hwmon(2, "power1_average", 300_000_000);
    let out = sampler.sample(at(t0, 2.0));
    // Trapezoid: (100 + 300) / 2 W × 2 s.
    assert_close(out.total.energy_j, 400.0, 1e-9, "energy");
    assert_close(out.components[0].power_w, 200.0, 1e-9, "mean power");
}

#[test]
fn amdgpu_energy_counter_preferred_and_power1_input_fallback() {
    let m = FakeMachine::new();
    m.hwmon(
        1,
        "amdgpu",
        &[("energy1_input", 5_000_000), ("power1_average", 1)],
    );
    m.hwmon(3, "amdgpu", &[("power1_input", 50_000_000)]);
    m.hwmon(4, "amdgpu", &[("temp1_input", 50_000)]);
    std::fs::create_dir_all(m.roots.hwmon.join("hwmon1/device")).expect("device dir");
    std::fs::write(
        m.roots.hwmon.join("hwmon1/device/product_name"),
        "Instinct MI210\n",
    )
    .expect("product name");
    let mut warnings = Vec::new();
    let gpus = AmdGpuSensor::open_all(&m.roots.hwmon, &mut warnings);
    let infos: Vec<_> = gpus.iter().map(|g| g.components()[0].clone()).collect();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[0].key, "gpu:amd0");
    assert_eq!(infos[0].method, Method::Counter);
    assert_eq!(infos[0].label, "Instinct MI210");
    assert_eq!(infos[1].key, "gpu:amd1");
    assert_eq!(infos[1].method, Method::IntegratedPower);
    assert_eq!(warnings.len(), 1, "hwmon4 has no power: {warnings:?}");
    assert!(warnings[0].contains("hwmon4"), "{warnings:?}");

    let mut sampler = Sampler::new(gpus.into_iter().map(|g| Box::new(g) as _).collect());
    let t0 = Instant::now();
    sampler.sample(t0);
    m.set_hwmon(1, "energy1_input", 5_000_000 + 250_000_000);
    let out = sampler.sample(at(t0, 1.0));
    assert_close(out.components[0].energy_j, 250.0, 1e-9, "counter energy");
    assert_close(
        out.components[1].energy_j,
        50.0,
        1e-9,
        "power1_input energy",
    );
}

/// NVML's per-process samples `(host pid, SM %)` turned into the job's share.
#[test]
fn gpu_process_share_and_pid_namespaces() {
    use mlcarbon_meter::share_of;
    use std::collections::HashSet;
    let ours: HashSet<u32> = [100, 101].into();
    let everyone = |_pid: u32| true;
    // Two of our processes and a neighbour: 60 of 100.
    let share = share_of(&[(100, 40), (101, 20), (200, 40)], &ours, everyone);
    assert_eq!(share, Ok(Some(0.6)));
    // Nobody used the GPU: no basis for a share.
    assert_eq!(share_of(&[(100, 0), (200, 0)], &ours, everyone), Ok(None));
    assert_eq!(share_of(&[], &ours, everyone), Ok(None));
    // Only a visible neighbour used it: a measured 0.
    assert_eq!(share_of(&[(200, 50)], &ours, everyone), Ok(Some(0.0)));
    // None of NVML's pids is visible here (a container's pid namespace): no answer, not 0.
    let nobody = |_pid: u32| false;
    assert!(share_of(&[(4242, 90)], &ours, nobody).is_err());
    // Our own pid showing up is enough to trust the pids.
    assert_eq!(
        share_of(&[(100, 30), (4242, 90)], &ours, nobody),
        Ok(Some(0.25))
    );
}
