//! Tests on real hardware, `#[ignore]`d: run them with
//! `cargo test -p mlcarbon-meter -- --ignored hardware_ --nocapture` on a machine that has it;
//! `bench/device/gpu_check.sh` runs them, with a tracked GPU job, where there is no Rust.

use mlcarbon_meter::{
    DiscoverOptions, GpuMethod, NvmlSensor, RaplSensor, Roots, Sampler, Sensor, discover,
};
use std::time::{Duration, Instant};

/// Samples each GPU's energy counter and its power side by side for ~10 s under whatever load
/// there is, and prints counter energy vs integrated-power energy. NVML's power is a ~1 s
/// average, so the two agree closely only at a steady load; a ratio far from 1 (×1000, ×0.001)
/// would mean a unit error.
#[test]
#[ignore = "needs an NVIDIA GPU (Volta or newer) and its driver"]
fn hardware_nvml_counter_vs_integrated_power() {
    let roots = Roots::from_env();
    let mut warnings = Vec::new();
    let counters = NvmlSensor::open_all(&roots, GpuMethod::Counter, false, &mut warnings)
        .expect("NVML with energy counters");
    let powers =
        NvmlSensor::open_all(&roots, GpuMethod::Power, false, &mut warnings).expect("NVML power");
    let autos =
        NvmlSensor::open_all(&roots, GpuMethod::Auto, false, &mut warnings).expect("NVML auto");
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let labels: Vec<String> = counters
        .iter()
        .map(|s| format!("{} ({})", s.components()[0].key, s.components()[0].label))
        .collect();
    let mut counter_sampler =
        Sampler::new(counters.into_iter().map(|s| Box::new(s) as _).collect());
    let mut power_sampler = Sampler::new(powers.into_iter().map(|s| Box::new(s) as _).collect());
    let mut auto_sampler = Sampler::new(autos.into_iter().map(|s| Box::new(s) as _).collect());

    let t0 = Instant::now();
    let interval = Duration::from_millis(100);
    let mut sample_cost = Duration::ZERO;
    let mut samples = 0u32;
    while t0.elapsed() < Duration::from_secs(10) {
        let now = Instant::now();
        counter_sampler.sample(now);
        power_sampler.sample(now);
        sample_cost += now.elapsed();
        auto_sampler.sample(now);
        samples += 1;
        std::thread::sleep(interval);
    }
    let now = Instant::now();
    let by_counter = counter_sampler.sample(now).clone();
    let by_power = power_sampler.sample(now).clone();
    let by_auto = auto_sampler.sample(now);
    println!(
        "{samples} samples over {:.1} s; one counter + one power sample of all GPUs: {:.0} µs",
        by_counter.elapsed_s,
        sample_cost.as_secs_f64() * 1e6 / f64::from(samples)
    );
    println!("gpu                                   counter J  integrated-power J  ratio   auto J");
    for (((label, c), p), a) in labels
        .iter()
        .zip(&by_counter.components)
        .zip(&by_power.components)
        .zip(&by_auto.components)
    {
        let ratio = c.cumulative_j / p.cumulative_j;
        println!(
            "{label:<36} {:>10.1}  {:>18.1}  {ratio:.4}  {:>7.1}",
            c.cumulative_j, p.cumulative_j, a.cumulative_j
        );
        assert!(c.cumulative_j > 0.0, "{label}: a powered GPU uses energy");
        assert!(
            (0.5..2.0).contains(&ratio),
            "{label}: counter and integrated power disagree by more than 2×: a unit error?"
        );
    }
}

/// Reads the real powercap tree (root, or counters made readable).
#[test]
#[ignore = "needs RAPL counters readable by this user"]
fn hardware_rapl_counts_energy() {
    let roots = Roots::from_env();
    // Run beside the GPU tests on machines that may have no RAPL at all (VMs): say so and stop.
    let rapl = match RaplSensor::open(&roots.powercap) {
        Ok(rapl) => rapl,
        Err(e @ mlcarbon_meter::SensorError::Unavailable { .. }) => {
            println!("no RAPL on this machine, nothing to check: {e}");
            return;
        }
        Err(e) => panic!("RAPL: {e}"),
    };
    let mut sampler = Sampler::new(vec![Box::new(rapl)]);
    sampler.sample(Instant::now());
    std::thread::sleep(Duration::from_secs(1));
    let out = sampler.sample(Instant::now());
    for c in &out.components {
        println!("{:<16} {:>8.2} W", c.key, c.power_w);
    }
    assert!(out.total.energy_j > 0.0);
}

/// What discovery finds on this machine, and the cost of one sample of all of it.
#[test]
#[ignore = "reads the real machine"]
fn hardware_discover_this_machine() {
    let roots = Roots::from_env();
    let found = discover(
        &roots,
        &DiscoverOptions {
            cpu_tdp_w: Some(100.0),
            ..DiscoverOptions::default()
        },
    );
    for c in found.components() {
        println!("{:<16} {:<18} {}", c.key, c.method.as_str(), c.label);
    }
    for w in &found.warnings {
        println!("warning: {w}");
    }
    for n in &found.notes {
        println!("note: {n}");
    }
    let mut sampler = found.into_sampler();
    sampler.sample(Instant::now());
    let started = Instant::now();
    let rounds = 1000u32;
    for _ in 0..rounds {
        sampler.sample(Instant::now());
    }
    println!(
        "one sample: {:.1} µs",
        started.elapsed().as_secs_f64() * 1e6 / f64::from(rounds)
    );
}

/// CPU time of this thread so far, from the scheduler's own account (ns resolution, unlike
/// the 10 ms ticks of /proc's utime).
fn thread_cpu() -> Duration {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").unwrap_or_default();
    let ns = text
        .split_whitespace()
        .next()
        .and_then(|t| t.parse().ok())
        .unwrap_or(0);
    Duration::from_nanos(ns)
}

/// What each NVML call a sample makes costs, in wall and CPU time, on the first GPU: on GPUs
/// whose driver runs on the GPU's own processor (GSP, every Hopper) a query is a round trip to
/// firmware, and these calls, not mlcarbon's arithmetic, set the cost of tracking a GPU.
#[test]
#[ignore = "needs an NVIDIA GPU and its driver"]
fn hardware_nvml_call_costs() {
    let started = Instant::now();
    let cpu_before = thread_cpu();
    let nvml = nvml_wrapper::Nvml::init().expect("NVML");
    println!(
        "{:<34} {:>9.1} µs wall {:>9.1} µs CPU",
        "nvmlInit",
        started.elapsed().as_secs_f64() * 1e6,
        (thread_cpu() - cpu_before).as_secs_f64() * 1e6
    );
    let rounds = 50u32;
    let time = |label: &str, call: &dyn Fn() -> bool| {
        let ok = call();
        let (wall0, cpu0) = (Instant::now(), thread_cpu());
        for _ in 0..rounds {
            call();
        }
        let wall = wall0.elapsed().as_secs_f64() * 1e6 / f64::from(rounds);
        let cpu = (thread_cpu() - cpu0).as_secs_f64() * 1e6 / f64::from(rounds);
        println!(
            "{label:<34} {wall:>9.1} µs wall {cpu:>9.1} µs CPU{}",
            if ok { "" } else { "  (failed)" }
        );
    };
    time("device_by_index", &|| nvml.device_by_index(0).is_ok());
    let device = nvml.device_by_index(0).expect("gpu 0");
    assert!(
        device.power_usage().is_ok(),
        "every supported GPU reports power"
    );
    time("total_energy_consumption", &|| {
        device.total_energy_consumption().is_ok()
    });
    time("power_usage", &|| device.power_usage().is_ok());
    time("utilization_rates", &|| device.utilization_rates().is_ok());
    time("process_utilization_stats", &|| {
        device.process_utilization_stats(0).is_ok()
    });
    time("memory_info", &|| device.memory_info().is_ok());
    // Back-to-back calls may find a value the driver still holds; a tracker calls once a
    // second. The same calls, one per 200 ms, as the tracker meets them.
    let spaced = |label: &str, call: &dyn Fn() -> bool| {
        let (mut wall, mut cpu) = (Duration::ZERO, Duration::ZERO);
        for _ in 0..5 {
            std::thread::sleep(Duration::from_millis(200));
            let (wall0, cpu0) = (Instant::now(), thread_cpu());
            call();
            wall += wall0.elapsed();
            cpu += thread_cpu() - cpu0;
        }
        println!(
            "{:<34} {:>9.1} µs wall {:>9.1} µs CPU",
            format!("{label}, 200 ms apart"),
            wall.as_secs_f64() * 1e6 / 5.0,
            cpu.as_secs_f64() * 1e6 / 5.0
        );
    };
    spaced("power_usage", &|| device.power_usage().is_ok());
    spaced("utilization_rates", &|| device.utilization_rates().is_ok());
    spaced("total_energy_consumption", &|| {
        device.total_energy_consumption().is_ok()
    });
    // NVML_FI_DEV_TOTAL_ENERGY_CONSUMPTION (83) and NVML_FI_DEV_POWER_INSTANT (186) in one call.
    use nvml_wrapper::structs::device::FieldId;
    time("field_values(energy)", &|| {
        device.field_values_for(&[FieldId(83)]).is_ok()
    });
    time("field_values(energy, power)", &|| {
        device
            .field_values_for(&[FieldId(83), FieldId(186)])
            .is_ok()
    });
    let (wall0, cpu0) = (Instant::now(), thread_cpu());
    drop(nvml);
    println!(
        "{:<34} {:>9.1} µs wall {:>9.1} µs CPU",
        "nvmlShutdown and unloading",
        wall0.elapsed().as_secs_f64() * 1e6,
        (thread_cpu() - cpu0).as_secs_f64() * 1e6
    );
}
