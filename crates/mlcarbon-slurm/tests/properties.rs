//! Property tests of the duration and size parsers: whatever sacct could print reads back to
//! the value it stands for, and no text makes them panic.

use mlcarbon_slurm::fields::{SizeUnit, parse_duration, parse_requested_memory, parse_size};
use proptest::prelude::*;

/// sacct's own layout: `D-HH:MM:SS` from a day up, `HH:MM:SS` below, and `MM:SS.mmm` for CPU
/// times under an hour.
fn sacct_duration(seconds: u64, millis: Option<u32>) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds % 86_400 / 3_600,
        seconds % 3_600 / 60,
        seconds % 60,
    );
    match millis {
        Some(ms) if seconds < 3_600 => format!("{m:02}:{s:02}.{ms:03}"),
        Some(ms) if d == 0 => format!("{h:02}:{m:02}:{s:02}.{ms:03}"),
        Some(ms) => format!("{d}-{h:02}:{m:02}:{s:02}.{ms:03}"),
        None if d == 0 => format!("{h:02}:{m:02}:{s:02}"),
        None => format!("{d}-{h:02}:{m:02}:{s:02}"),
    }
}

proptest! {
    #[test]
    fn durations_read_back(seconds in 0u64..400 * 86_400, millis in proptest::option::of(0u32..1000)) {
        let text = sacct_duration(seconds, millis);
        let expected = seconds as f64 + f64::from(millis.unwrap_or(0)) / 1000.0;
        let parsed = parse_duration(&text).expect("valid").expect("present");
        prop_assert!((parsed - expected).abs() < 1e-6, "{text}: {parsed} vs {expected}");
    }

    #[test]
    fn durations_never_panic(text in "\\PC{0,24}") {
        let _ = parse_duration(&text);
    }

    #[test]
    fn sizes_read_back(number in 0u64..10_000_000, unit in 0usize..5) {
        let letters = ["K", "M", "G", "T", "P"];
        let text = format!("{number}{}", letters[unit]);
        let size = parse_size(&text, SizeUnit::K).expect("valid").expect("present");
        let expected = number as f64 * 1024f64.powi(unit as i32 + 1);
        prop_assert!((size.bytes() - expected).abs() <= expected * 1e-12);
        let decimal = number as f64 * 1000f64.powi(unit as i32 - 2);
        prop_assert!((size.decimal_gb() - decimal).abs() <= decimal * 1e-12);
    }

    #[test]
    fn bare_sizes_take_the_given_unit(number in 0u64..10_000_000) {
        let size = parse_size(&number.to_string(), SizeUnit::K).expect("valid").expect("present");
        prop_assert_eq!(size.bytes(), number as f64 * 1024.0);
    }

    #[test]
    fn requested_memory_multiplies_out(number in 1u64..1_000_000, cpus in 1u32..512, nodes in 1u32..64, per in 0usize..3) {
        let suffix = ["", "c", "n"][per];
        let request = parse_requested_memory(&format!("{number}M{suffix}")).expect("valid").expect("present");
        let factor = [1.0, f64::from(cpus), f64::from(nodes)][per];
        prop_assert_eq!(request.multiplier(nodes, cpus), factor);
        prop_assert_eq!(request.size.bytes(), number as f64 * 1_048_576.0);
    }

    #[test]
    fn sizes_never_panic(text in "\\PC{0,16}") {
        let _ = parse_size(&text, SizeUnit::K);
        let _ = parse_requested_memory(&text);
    }
}
