//! Answers of `/api/estimate` and `/api/compare` by their parameters. The dataset does not change
//! while the server runs and the model is pure, so an answer computed once is the answer; the
//! cache is bounded in bytes and emptied whole when full (simple, and it refills in a moment).

use std::collections::HashMap;
use std::sync::Mutex;

use axum::body::Bytes;

/// Most bytes of answers kept.
pub const MAX_CACHE_BYTES: usize = 32 * 1024 * 1024;
/// Largest single answer kept.
const MAX_ENTRY_BYTES: usize = 1024 * 1024;

#[derive(Debug, Default)]
pub struct AnswerCache {
    inner: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<String, Bytes>,
    bytes: usize,
}

impl AnswerCache {
    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .map
            .get(key)
            .cloned()
    }

    pub fn put(&self, key: String, body: Bytes) {
        let size = key.len() + body.len();
        if size > MAX_ENTRY_BYTES {
            return;
        }
        let mut entries = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if entries.bytes + size > MAX_CACHE_BYTES {
            entries.map.clear();
            entries.bytes = 0;
        }
        if let Some(old) = entries.map.insert(key.clone(), body) {
            entries.bytes -= key.len() + old.len();
        }
        entries.bytes += size;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_in_bytes() {
        let cache = AnswerCache::default();
        let big = Bytes::from(vec![0u8; MAX_ENTRY_BYTES / 2]);
        for i in 0..200 {
            cache.put(format!("k{i}"), big.clone());
        }
        let entries = cache.inner.lock().expect("lock");
        assert!(entries.bytes <= MAX_CACHE_BYTES);
        assert!(!entries.map.is_empty());
    }

    #[test]
    fn replacing_keeps_the_count_right() {
        let cache = AnswerCache::default();
        cache.put("a".into(), Bytes::from_static(b"123"));
        cache.put("a".into(), Bytes::from_static(b"12"));
        assert_eq!(cache.get("a"), Some(Bytes::from_static(b"12")));
        assert_eq!(cache.inner.lock().expect("lock").bytes, 3);
    }
}
