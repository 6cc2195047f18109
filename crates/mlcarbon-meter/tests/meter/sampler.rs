use crate::fake::{FakeMachine, Ticks};
use crate::{assert_close, at};
use mlcarbon_meter::{
    ComponentInfo, ComponentKind, Method, ProcessTree, Reading, ReadingValue, Sampler, Sensor,
    SensorError,
};
use std::collections::{HashSet, VecDeque};
use std::time::Instant;

/// A sensor that plays back a script of results, one per read.
struct Scripted {
    components: Vec<ComponentInfo>,
    script: VecDeque<Result<Vec<ReadingValue>, &'static str>>,
    share: Option<Result<Option<f64>, &'static str>>,
}

impl Scripted {
    fn new(
        key: &str,
        kind: ComponentKind,
        script: Vec<Result<Vec<ReadingValue>, &'static str>>,
    ) -> Self {
        Scripted {
            components: vec![ComponentInfo {
                key: key.to_string(),
                kind,
                label: key.to_string(),
                method: Method::IntegratedPower,
            }],
            script: script.into(),
            share: None,
        }
    }
}

impl Sensor for Scripted {
    fn name(&self) -> &str {
        "scripted"
    }
    fn components(&self) -> &[ComponentInfo] {
        &self.components
    }
    fn read(&mut self, _now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError> {
        match self.script.pop_front() {
            Some(Ok(values)) => {
                out.extend(values.into_iter().map(|value| Reading {
                    component: 0,
                    value,
                }));
                Ok(())
            }
            Some(Err(message)) => Err(SensorError::Device {
                sensor: "scripted",
                message: message.to_string(),
            }),
            None => Ok(()),
        }
    }
    fn process_share(
        &mut self,
        component: usize,
        pids: &HashSet<u32>,
    ) -> Result<Option<f64>, SensorError> {
        match self.share {
            Some(Ok(share)) => {
                assert_eq!(component, 0);
                assert!(pids.contains(&100), "the tree's pids are passed");
                Ok(share)
            }
            Some(Err(message)) => Err(SensorError::Device {
                sensor: "scripted",
                message: message.to_string(),
            }),
            None => Err(SensorError::Unsupported {
                sensor: "scripted".to_string(),
                what: "per-process attribution",
            }),
        }
    }
}

fn watts(w: f64) -> Vec<ReadingValue> {
    vec![ReadingValue::Power { watts: w }]
}

#[test]
fn failing_sensor_is_reported_once_and_counts_nothing_after() {
    let flaky = Scripted::new(
        "gpu:0",
        ComponentKind::Gpu,
        vec![
            Ok(watts(100.0)),
            Ok(watts(100.0)),
            Err("GPU fell off the bus"),
            Ok(watts(100.0)),
        ],
    );
    let steady = Scripted::new(
        "ram",
        ComponentKind::Ram,
        (0..5).map(|_| Ok(watts(10.0))).collect(),
    );
    let mut sampler = Sampler::new(vec![Box::new(flaky), Box::new(steady)]);
    let t0 = Instant::now();
    sampler.sample(t0);
    let out = sampler.sample(at(t0, 1.0));
    assert_close(out.total.energy_j, 110.0, 1e-9, "both");
    assert!(out.warnings.is_empty());

    let out = sampler.sample(at(t0, 2.0));
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    let warning = &out.warnings[0];
    assert!(
        warning.contains("GPU fell off the bus") && warning.contains("gpu:0"),
        "{warning}"
    );
    assert!(!out.components[0].active);
    assert_close(out.total.energy_j, 10.0, 1e-9, "only the RAM");

    let out = sampler.sample(at(t0, 3.0));
    assert!(out.warnings.is_empty(), "reported once");
    assert_eq!(out.components[0].energy_j, 0.0);
    assert_close(
        out.components[0].cumulative_j,
        100.0,
        1e-9,
        "kept what it measured",
    );
    assert_close(out.total.cumulative_j, 130.0, 1e-9, "total");
}

#[test]
fn a_missed_reading_is_integrated_over_both_intervals() {
    let sensor = Scripted::new(
        "gpu:0",
        ComponentKind::Gpu,
        vec![Ok(watts(100.0)), Ok(vec![]), Ok(watts(300.0))],
    );
    let mut sampler = Sampler::new(vec![Box::new(sensor)]);
    let t0 = Instant::now();
    sampler.sample(t0);
    assert_eq!(sampler.sample(at(t0, 1.0)).total.energy_j, 0.0);
    let out = sampler.sample(at(t0, 2.0));
    assert_close(out.total.energy_j, 400.0, 1e-9, "(100 + 300) / 2 × 2 s");
    assert_close(out.total.power_w, 200.0, 1e-9, "mean over the 2 s");
}

#[test]
fn broken_power_readings_are_skipped() {
    let sensor = Scripted::new(
        "gpu:0",
        ComponentKind::Gpu,
        vec![
            Ok(watts(100.0)),
            Ok(watts(f64::NAN)),
            Ok(watts(-5.0)),
            Ok(watts(100.0)),
        ],
    );
    let mut sampler = Sampler::new(vec![Box::new(sensor)]);
    let t0 = Instant::now();
    for i in 0..=3 {
        sampler.sample(at(t0, f64::from(i)));
    }
    assert_close(
        sampler.last_sample().total.cumulative_j,
        300.0,
        1e-9,
        "100 W for 3 s",
    );
}

#[test]
fn gpu_shares_from_the_sensor_or_whole_when_it_cannot_tell() {
    let m = FakeMachine::new();
    m.proc_stat(2, 100, 0, 1000);
    m.meminfo(1024 * 1024, 512 * 1024);
    m.process(100, 1, Ticks::own(1, 0), 10, true);

    let mut shared = Scripted::new(
        "gpu:0",
        ComponentKind::Gpu,
        (0..3).map(|_| Ok(watts(100.0))).collect(),
    );
    shared.share = Some(Ok(Some(0.25)));
    let unsupported = Scripted::new(
        "gpu:1",
        ComponentKind::Gpu,
        (0..3).map(|_| Ok(watts(100.0))).collect(),
    );
    let mut sampler = Sampler::new(vec![Box::new(shared), Box::new(unsupported)])
        .with_process_tree(ProcessTree::new(&m.roots, 100).expect("tree"));
    let t0 = Instant::now();
    let out = sampler.sample(t0);
    assert_eq!(out.warnings.len(), 1, "{:?}", out.warnings);
    assert!(out.warnings[0].contains("gpu:1") && out.warnings[0].contains("whole energy"));

    let out = sampler.sample(at(t0, 1.0));
    assert!(out.warnings.is_empty(), "reported once: {:?}", out.warnings);
    assert_eq!(out.components[0].share, Some(0.25));
    assert_close(
        out.components[0].attributed_j,
        25.0,
        1e-9,
        "a quarter of gpu:0",
    );
    assert_eq!(out.components[1].share, None);
    assert_close(out.components[1].attributed_j, 100.0, 1e-9, "all of gpu:1");
    assert_close(out.total.attributed_j, 125.0, 1e-9, "total attributed");
    assert_close(out.total.energy_j, 200.0, 1e-9, "total measured");
}

#[test]
fn sample_out_serializes_with_snake_case_names() {
    let sensor = Scripted::new("gpu:0", ComponentKind::Gpu, vec![Ok(watts(1.0))]);
    let mut sampler = Sampler::new(vec![Box::new(sensor)]);
    let out = sampler.sample(Instant::now());
    let json = serde_json::to_value(out).expect("serializes");
    assert_eq!(json["components"][0]["method"], "integrated_power");
    assert_eq!(json["components"][0]["kind"], "gpu");
    assert_eq!(json["total"]["cumulative_j"], 0.0);
    assert_eq!(
        serde_json::to_value(Method::Counter).expect("serializes"),
        "counter"
    );
    assert_eq!(
        serde_json::to_value(Method::Model).expect("serializes"),
        "model"
    );
}

/// `mlcarbon run` may sample on a thread of its own.
#[test]
fn sampler_and_sensors_can_move_to_a_sampling_thread() {
    fn assert_send<T: Send>() {}
    assert_send::<Sampler>();
    assert_send::<mlcarbon_meter::Discovery>();
    assert_send::<mlcarbon_meter::NvmlSensor>();
    assert_send::<mlcarbon_meter::ProcessTree>();
}

fn anchored(watts: f64, counter_joules: Option<u64>) -> Vec<ReadingValue> {
    vec![ReadingValue::Anchored {
        watts,
        counter_microjoules: counter_joules.map(|j| j * 1_000_000),
    }]
}

#[test]
fn anchored_power_fills_in_and_the_counter_sets_the_total() {
    // Power says 100 W; the counter says 330 J were used over the 3 s.
    let sensor = Scripted::new(
        "gpu:0",
        ComponentKind::Gpu,
        vec![
            Ok(anchored(100.0, Some(1_000))),
            Ok(anchored(100.0, None)),
            Ok(anchored(100.0, None)),
            Ok(anchored(100.0, Some(1_330))),
        ],
    );
    let mut sampler = Sampler::new(vec![Box::new(sensor)]);
    let t0 = Instant::now();
    sampler.sample(t0);
    assert_close(
        sampler.sample(at(t0, 1.0)).total.energy_j,
        100.0,
        1e-9,
        "power",
    );
    assert_close(
        sampler.sample(at(t0, 2.0)).total.energy_j,
        100.0,
        1e-9,
        "power",
    );
    let out = sampler.sample(at(t0, 3.0));
    assert_close(
        out.total.energy_j,
        130.0,
        1e-9,
        "the counter's 330 J less 200 J",
    );
    assert_close(out.total.cumulative_j, 330.0, 1e-9, "the counter's total");
}

#[test]
fn anchored_power_ahead_of_the_counter_is_not_taken_back_but_absorbed() {
    // Power says 100 W, the counter only 80 J over 2 s, then 300 J over the next 2 s.
    let sensor = Scripted::new(
        "gpu:0",
        ComponentKind::Gpu,
        vec![
            Ok(anchored(100.0, Some(0))),
            Ok(anchored(100.0, None)),
            Ok(anchored(100.0, Some(80))),
            Ok(anchored(100.0, None)),
            Ok(anchored(100.0, Some(380))),
        ],
    );
    let mut sampler = Sampler::new(vec![Box::new(sensor)]);
    let t0 = Instant::now();
    sampler.sample(t0);
    sampler.sample(at(t0, 1.0));
    let out = sampler.sample(at(t0, 2.0));
    assert_eq!(out.total.energy_j, 0.0, "never negative");
    assert_close(
        out.total.cumulative_j,
        100.0,
        1e-9,
        "20 J ahead of the counter",
    );
    let out = sampler.sample(at(t0, 3.0));
    assert_close(out.total.cumulative_j, 200.0, 1e-9, "power goes on");
    let out = sampler.sample(at(t0, 4.0));
    assert_close(out.total.cumulative_j, 380.0, 1e-9, "back on the counter");
}

proptest::proptest! {
    /// Whatever power says, at every counter read the total becomes the counter's energy, or
    /// stays where power took it when that is more; it never goes down.
    #[test]
    fn anchored_totals_follow_the_counter(
        steps in proptest::collection::vec((0.0f64..800.0, 0u64..900, proptest::bool::ANY), 1..60)
    ) {
        let mut counter = 5_000u64;
        let mut script = vec![Ok(anchored(0.0, Some(counter)))];
        let mut counters = vec![Some(counter)];
        for &(watts, used, read_counter) in &steps {
            counter += used;
            let reading = read_counter.then_some(counter);
            script.push(Ok(anchored(watts, reading)));
            counters.push(reading);
        }
        let sensor = Scripted::new("gpu:0", ComponentKind::Gpu, script);
        let mut sampler = Sampler::new(vec![Box::new(sensor)]);
        let t0 = Instant::now();
        let mut before = 0.0;
        for (i, reading) in counters.iter().enumerate() {
            let out = sampler.sample(at(t0, i as f64));
            proptest::prop_assert!(out.total.energy_j >= 0.0);
            if let Some(now) = reading {
                let by_counter = (now - 5_000) as f64;
                let expected = by_counter.max(before);
                proptest::prop_assert!((out.total.cumulative_j - expected).abs() < 1e-6);
            }
            before = out.total.cumulative_j;
        }
    }
}

/// Reads power, and its counter only on the first read and when told the next read is the last.
struct CounterWhenAsked {
    components: Vec<ComponentInfo>,
    reads: u32,
    asked: bool,
}

impl Sensor for CounterWhenAsked {
    fn name(&self) -> &str {
        "counter when asked"
    }
    fn components(&self) -> &[ComponentInfo] {
        &self.components
    }
    fn read(&mut self, _now: Instant, out: &mut Vec<Reading>) -> Result<(), SensorError> {
        // 100 W by power; the counter says 130 J per second.
        let counter = (self.reads == 0 || self.asked).then(|| u64::from(self.reads) * 130_000_000);
        self.reads += 1;
        out.push(Reading {
            component: 0,
            value: ReadingValue::Anchored {
                watts: 100.0,
                counter_microjoules: counter,
            },
        });
        Ok(())
    }
    fn before_last_read(&mut self) {
        self.asked = true;
    }
}

#[test]
fn the_last_sample_ends_on_the_counter() {
    let sensor = CounterWhenAsked {
        components: vec![ComponentInfo {
            key: "gpu:0".into(),
            kind: ComponentKind::Gpu,
            label: "gpu".into(),
            method: Method::Counter,
        }],
        reads: 0,
        asked: false,
    };
    let mut sampler = Sampler::new(vec![Box::new(sensor)]);
    let t0 = Instant::now();
    sampler.sample(t0);
    sampler.sample(at(t0, 1.0));
    assert_close(
        sampler.sample(at(t0, 2.0)).total.cumulative_j,
        200.0,
        1e-9,
        "power",
    );
    let out = sampler.sample_last(at(t0, 3.0));
    assert_close(
        out.total.cumulative_j,
        390.0,
        1e-9,
        "the counter's 3 × 130 J",
    );
}
