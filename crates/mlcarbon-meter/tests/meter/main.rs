//! Tests of mlcarbon-meter on fake sysfs and procfs trees, one binary. Tests that need real
//! hardware are `#[ignore]`d and named `hardware_*`:
//! `cargo test -p mlcarbon-meter -- --ignored hardware_` on a machine that has it.

mod counter;
mod discover;
mod fake;
mod gpu;
mod hardware;
mod procfs;
mod rapl;
mod replay;
mod sampler;

use std::time::{Duration, Instant};

/// Instants `seconds` after `t0`.
pub fn at(t0: Instant, seconds: f64) -> Instant {
    t0 + Duration::from_secs_f64(seconds)
}

pub fn assert_close(actual: f64, expected: f64, tolerance: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not within {tolerance} of {expected}"
    );
}
