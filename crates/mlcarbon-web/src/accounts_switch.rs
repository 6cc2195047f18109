//! Whether accounts are on, cached for [`crate::accounts`]: once on they stay on (tokens are
//! revoked, never deleted); "off" is believed for [`OFF_RECHECK`], then the store is asked
//! again.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How long "no user token yet" is believed before the store is asked again (a token created
/// by `mlcarbon serve token create` while the server runs takes effect within this).
pub(crate) const OFF_RECHECK: Duration = Duration::from_secs(1);

#[derive(Debug, Default)]
pub(crate) struct Switch {
    on: AtomicBool,
    off_checked: Mutex<Option<Instant>>,
}

impl Switch {
    /// The answer still believed, if any.
    pub(crate) fn cached(&self) -> Option<bool> {
        if self.on.load(Ordering::Relaxed) {
            return Some(true);
        }
        self.lock()
            .is_some_and(|checked| checked.elapsed() < OFF_RECHECK)
            .then_some(false)
    }

    /// What the store answered.
    pub(crate) fn record(&self, on: bool) {
        if on {
            self.on.store(true, Ordering::Relaxed);
        } else {
            *self.lock() = Some(Instant::now());
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Instant>> {
        self.off_checked
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
