//! Properties of the duration parser every duration flag and query parameter goes through.

use mlcarbon_model::duration::{DurationUnit, parse_duration};
use proptest::prelude::*;

proptest! {
    /// Days, hours, minutes and seconds written as parts add up to the same number of seconds,
    /// and the same duration read in hours is that divided by 3600.
    #[test]
    fn parts_add_up(d in 0u32..100, h in 0u32..24, m in 0u32..60, s in 0u32..60, spaced in any::<bool>()) {
        let gap = if spaced { " " } else { "" };
        let text = format!("{d}d{gap}{h}h{gap}{m}m{gap}{s}s");
        let seconds = f64::from(d) * 86_400.0 + f64::from(h) * 3_600.0 + f64::from(m) * 60.0 + f64::from(s);
        prop_assert_eq!(parse_duration(&text, DurationUnit::Seconds), Ok(seconds));
        let hours = parse_duration(&text, DurationUnit::Hours).expect("valid");
        prop_assert!((hours - seconds / 3600.0).abs() <= 1e-9 * seconds.max(1.0));
    }

    /// A plain number keeps the flag's unit.
    #[test]
    fn plain_numbers_keep_their_unit(value in 0.0f64..1e6) {
        let text = value.to_string();
        prop_assert_eq!(parse_duration(&text, DurationUnit::Hours), Ok(value));
        prop_assert_eq!(parse_duration(&text, DurationUnit::Seconds), Ok(value));
    }

    /// A decimal number of hours with a unit equals its minutes with a unit.
    #[test]
    fn units_convert(minutes in 0u32..100_000) {
        let via_minutes = parse_duration(&format!("{minutes}m"), DurationUnit::Hours).expect("valid");
        prop_assert!((via_minutes - f64::from(minutes) / 60.0).abs() < 1e-9);
    }

    /// Any text gets a value or a message, never a panic; a message names the plain unit.
    #[test]
    fn never_panics(text in "\\PC{0,12}") {
        if let Err(message) = parse_duration(&text, DurationUnit::Seconds) {
            prop_assert!(message.contains("give seconds"), "{}", message);
        }
    }
}
