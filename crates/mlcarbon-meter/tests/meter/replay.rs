//! Integration accuracy on replayed traces of known energy: within 0.5 % of the true value.
//!
//! Assumption: power traces are sampled at the trace's own points (every second, as the
//! sampler runs by default), or at any points for piecewise-linear traces, whose trapezoids
//! are exact. A power trace says nothing of what happens between its rows, so only there can
//! integration be held to a true value.

use crate::at;
use mlcarbon_meter::{ComponentKind, Method, ReplaySensor, Sampler, Sensor};
use std::f64::consts::PI;
use std::fmt::Write;
use std::time::Instant;

/// Energy the sampler integrates from `trace`, sampled every `step_s` for `duration_s`.
fn integrate(trace: &str, step_s: f64, duration_s: f64) -> f64 {
    let replay = ReplaySensor::from_csv(trace).expect("valid trace");
    let mut sampler = Sampler::new(vec![Box::new(replay)]);
    let t0 = Instant::now();
    let steps = (duration_s / step_s).ceil() as u64;
    let mut last = 0.0;
    for i in 0..=steps {
        let out = sampler.sample(at(t0, (i as f64 * step_s).min(duration_s)));
        if i == 0 {
            assert_eq!(out.total.energy_j, 0.0, "the first sample is the baseline");
        }
        last = out.total.cumulative_j;
    }
    last
}

fn assert_within_half_percent(measured: f64, truth: f64, what: &str) {
    let error = (measured - truth).abs() / truth;
    eprintln!("{what}: error {:.5} %", error * 100.0);
    assert!(
        error < 0.005,
        "{what}: integrated {measured:.3} J, true {truth:.3} J, error {:.4} %",
        error * 100.0
    );
}

fn power_trace(points: impl IntoIterator<Item = (f64, f64)>) -> String {
    let mut trace = String::from("t_s,key,kind,watts\n");
    for (t, w) in points {
        writeln!(trace, "{t},gpu:0,gpu,{w}").expect("write to string");
    }
    trace
}

#[test]
fn ramps_100_to_300_w() {
    // A triangle wave: 100 → 300 W over 60 s and back, for an hour; rows at the corners only.
    let trace = power_trace((0..=60).map(|i| {
        let t = f64::from(i) * 60.0;
        (t, if i % 2 == 0 { 100.0 } else { 300.0 })
    }));
    let truth = 200.0 * 3600.0;
    assert_within_half_percent(integrate(&trace, 1.0, 3600.0), truth, "1 s sampling");
    // Sampling points that miss the corners cut each corner a little.
    assert_within_half_percent(integrate(&trace, 0.7, 3600.0), truth, "0.7 s sampling");
    assert_within_half_percent(integrate(&trace, 7.0, 3600.0), truth, "7 s sampling");
}

#[test]
fn steps_between_100_and_300_w() {
    // 30 s at 100 W, 30 s at 300 W, for an hour; two rows at one time make a step.
    let mut points = vec![(0.0, 100.0)];
    for i in 1..120 {
        let t = f64::from(i) * 30.0;
        let (before, after) = if i % 2 == 1 {
            (100.0, 300.0)
        } else {
            (300.0, 100.0)
        };
        points.push((t, before));
        points.push((t, after));
    }
    points.push((3600.0, 300.0));
    let truth = 200.0 * 3600.0;
    assert_within_half_percent(integrate(&power_trace(points), 1.0, 3600.0), truth, "steps");
}

#[test]
fn sine_sampled_every_second_for_an_hour() {
    let (w1, w2) = (2.0 * PI / 600.0, 2.0 * PI / 37.0);
    let power = |t: f64| 200.0 + 100.0 * (w1 * t).sin() + 50.0 * (w2 * t).sin();
    let trace = power_trace((0..=3600).map(|i| (f64::from(i), power(f64::from(i)))));
    let duration: f64 = 3600.0;
    let truth = 200.0 * duration
        + 100.0 * (1.0 - (w1 * duration).cos()) / w1
        + 50.0 * (1.0 - (w2 * duration).cos()) / w2;
    assert_within_half_percent(integrate(&trace, 1.0, duration), truth, "sine");
}

#[test]
fn counters_with_wraps() {
    // 100–400 W, recorded each second as a counter that wraps every kJ.
    let wrap: u64 = 1_000_000_000;
    let mut trace = String::from("t_s,key,kind,microjoules,wrap_microjoules\n");
    let mut truth_uj: u64 = 0;
    let mut wraps = 0;
    for i in 0..=3600u64 {
        if i > 0 {
            let watts = 100 + (i * 7919) % 301;
            let before = truth_uj % wrap;
            truth_uj += watts * 1_000_000;
            wraps += u64::from(truth_uj % wrap < before);
        }
        writeln!(trace, "{i},cpu:package-0,cpu,{},{wrap}", truth_uj % wrap).expect("write");
    }
    assert!(wraps > 500, "the trace wraps often ({wraps} times)");
    let truth = truth_uj as f64 / 1e6;
    let measured = integrate(&trace, 1.0, 3600.0);
    assert!(
        (measured - truth).abs() < 1e-3,
        "every sample at a row: exact ({measured} vs {truth})"
    );
    // Every other row: at most 800 J between samples, under one wrap.
    assert_within_half_percent(integrate(&trace, 2.0, 3600.0), truth, "2 s sampling");
}

#[test]
fn the_documented_example_parses() {
    let trace = "\
# a GPU ramping from 100 to 300 W over a minute, and a RAPL package that wraps
t_s,key,kind,watts,microjoules,wrap_microjoules
0,gpu:0,gpu,100,,
60,gpu:0,gpu,300,,
0,cpu:package-0,cpu,,262143000000,262143328850
1,cpu:package-0,cpu,,150000000,262143328850
";
    let replay = ReplaySensor::from_csv(trace).expect("valid");
    let infos = replay.components();
    assert_eq!(infos.len(), 2);
    assert_eq!(infos[0].key, "gpu:0");
    assert_eq!(infos[0].method, Method::IntegratedPower);
    assert_eq!(infos[1].kind, ComponentKind::Cpu);
    assert_eq!(infos[1].method, Method::Counter);
    assert_eq!(replay.duration_s(), 60.0);

    let mut sampler = Sampler::new(vec![Box::new(replay)]);
    let t0 = Instant::now();
    sampler.sample(t0);
    let out = sampler.sample(at(t0, 1.0));
    // The counter: 328 850 µJ to the top of the range, then 150 J.
    crate::assert_close(
        out.components[1].energy_j,
        150.328_85,
        1e-9,
        "wrapped counter",
    );
    crate::assert_close(
        out.components[0].energy_j,
        (100.0 + 100.0 + 200.0 / 60.0) / 2.0,
        1e-9,
        "ramp",
    );
}
