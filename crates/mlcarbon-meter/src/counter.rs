//! Differences of cumulative energy counters that wrap or reset.
//!
//! RAPL's `energy_uj` counts up to `max_energy_range_uj` and starts again from 0, so a counter
//! holds the true energy modulo `wrap_at`. Between two reads at most one wrap can be told apart
//! from none, so the sampling interval must be shorter than one full range (RAPL packages:
//! 262 kJ, about 15 minutes at 300 W; 1 s sampling is far inside that).
//!
//! NVML's and hwmon's counters have no published range: they only go back when the driver is
//! reloaded or the device is reset, and then restart from 0. With no wrap known, a decrease is
//! taken as such a reset: the energy since the reset is the new value itself.

/// Energy in µJ counted between readings `prev` and `cur` of one counter.
///
/// - `cur >= prev`: `cur - prev`.
/// - `cur < prev`, `wrap_at` known: the counter passed `wrap_at` once: `wrap_at - prev + cur`.
/// - `cur < prev`, `wrap_at` unknown: a reset to 0 happened: `cur`.
pub fn delta_microjoules(prev: u64, cur: u64, wrap_at: Option<u64>) -> u64 {
    if cur >= prev {
        return cur - prev;
    }
    match wrap_at {
        // Saturating: a `prev` above the range (a corrupt read) must not underflow.
        Some(wrap_at) => wrap_at.saturating_sub(prev).saturating_add(cur),
        None => cur,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_increase() {
        assert_eq!(delta_microjoules(100, 250, Some(1000)), 150);
        assert_eq!(delta_microjoules(100, 100, None), 0);
    }

    #[test]
    fn wrap_at_known_range() {
        // 900 → (1000 = 0) → 50: 100 + 50.
        assert_eq!(delta_microjoules(900, 50, Some(1000)), 150);
    }

    #[test]
    fn reset_without_range() {
        assert_eq!(delta_microjoules(900, 50, None), 50);
    }

    #[test]
    fn corrupt_previous_value_does_not_underflow() {
        assert_eq!(delta_microjoules(2000, 50, Some(1000)), 50);
    }
}
