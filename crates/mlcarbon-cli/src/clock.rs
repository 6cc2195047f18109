//! Clock-style durations for people (`1:02:03`).

/// `1:02:03` or `2:03` for a duration in seconds.
pub fn duration(seconds: f64) -> String {
    let total = seconds.max(0.0).round() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_clocks() {
        assert_eq!(duration(5.0), "0:05");
        assert_eq!(duration(3723.4), "1:02:03");
    }
}
