//! Property tests: over random sequences of increments with wraps, the sum of the counter's
//! differences is the true energy.

use mlcarbon_meter::counter::delta_microjoules;
use proptest::prelude::*;

proptest! {
    /// A counter holding the true energy modulo `wrap_at`, read after each increment
    /// (each below one full range, as with any sampling interval shorter than a wrap).
    #[test]
    fn deltas_sum_to_the_true_energy_across_wraps(
        wrap_at in 1u64..=u64::MAX / 2,
        start_fraction in 0.0f64..1.0,
        fractions in proptest::collection::vec(0.0f64..1.0, 1..200),
    ) {
        let start = ((wrap_at as f64 * start_fraction) as u64).min(wrap_at - 1);
        let mut counter = start;
        let mut truth: u128 = 0;
        let mut measured: u128 = 0;
        for fraction in fractions {
            let increment = ((wrap_at as f64 * fraction) as u64).min(wrap_at - 1);
            truth += u128::from(increment);
            let next = ((u128::from(counter) + u128::from(increment)) % u128::from(wrap_at)) as u64;
            measured += u128::from(delta_microjoules(counter, next, Some(wrap_at)));
            counter = next;
        }
        prop_assert_eq!(measured, truth);
    }

    /// RAPL-like ranges: small increments, many wraps.
    #[test]
    fn rapl_like_counter(
        increments in proptest::collection::vec(0u64..400_000_000, 1..500),
        start in 0u64..262_143_328_850,
    ) {
        let wrap_at = 262_143_328_850u64;
        let (mut counter, mut truth, mut measured) = (start, 0u64, 0u64);
        for increment in increments {
            truth += increment;
            let next = (counter + increment) % wrap_at;
            measured += delta_microjoules(counter, next, Some(wrap_at));
            counter = next;
        }
        prop_assert_eq!(measured, truth);
    }

    /// With no known range, a counter that resets to 0 loses only what it counted before the
    /// reset within that interval: the energy after the reset is kept.
    #[test]
    fn resets_without_range_keep_the_energy_after_the_reset(
        steps in proptest::collection::vec((0u64..1_000_000, any::<bool>()), 1..200),
    ) {
        let (mut counter, mut measured, mut expected) = (5_000_000u64, 0u64, 0u64);
        for (increment, reset) in steps {
            let next = if reset { increment } else { counter + increment };
            // A reset that lands above the old value cannot be told from growth.
            expected += if reset && next < counter { increment } else { next - counter };
            measured += delta_microjoules(counter, next, None);
            counter = next;
        }
        prop_assert_eq!(measured, expected);
    }
}
