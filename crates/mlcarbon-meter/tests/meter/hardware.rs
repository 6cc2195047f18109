//! Tests on real hardware, `#[ignore]`d: run them with
//! `cargo test -p mlcarbon-meter -- --ignored hardware_ --nocapture` on a machine that has it.

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

    let t0 = Instant::now();
    let interval = Duration::from_millis(100);
    let mut sample_cost = Duration::ZERO;
    let mut samples = 0u32;
    while t0.elapsed() < Duration::from_secs(10) {
        let now = Instant::now();
        counter_sampler.sample(now);
        power_sampler.sample(now);
        sample_cost += now.elapsed();
        samples += 1;
        std::thread::sleep(interval);
    }
    let now = Instant::now();
    let by_counter = counter_sampler.sample(now).clone();
    let by_power = power_sampler.sample(now);
    println!(
        "{samples} samples over {:.1} s; one counter + one power sample of all GPUs: {:.0} µs",
        by_counter.elapsed_s,
        sample_cost.as_secs_f64() * 1e6 / f64::from(samples)
    );
    println!("gpu                                   counter J  integrated-power J  ratio");
    for ((label, c), p) in labels
        .iter()
        .zip(&by_counter.components)
        .zip(&by_power.components)
    {
        let ratio = c.cumulative_j / p.cumulative_j;
        println!(
            "{label:<36} {:>10.1}  {:>18.1}  {ratio:.4}",
            c.cumulative_j, p.cumulative_j
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
    let rapl = RaplSensor::open(&roots.powercap).expect("RAPL");
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
