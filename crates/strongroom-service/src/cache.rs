//! A read-through cache for the hot read operations (GetSecretValue,
//! DescribeSecret). It holds what a read transaction returned (metadata and
//! ciphertext, never plaintext) and is emptied after every write.
//!
//! Only used when this process is the store's only writer
//! (`Store::exclusive_writer`), since invalidation happens here.
//!
//! Race freedom: a reader notes the generation before it reads the store and
//! inserts only if no write finished meanwhile; writers bump the generation
//! and clear under the same lock, after their commit and before their ack.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, RwLock};

/// Entries kept per map before it starts over.
const MAX_ENTRIES: usize = 10_000;

pub(crate) struct ReadCache<K, V> {
    enabled: bool,
    inner: RwLock<Inner<K, V>>,
}

struct Inner<K, V> {
    generation: u64,
    entries: HashMap<K, Arc<V>>,
}

impl<K: Hash + Eq, V> ReadCache<K, V> {
    pub fn new(enabled: bool) -> Self {
        ReadCache {
            enabled,
            inner: RwLock::new(Inner {
                generation: 0,
                entries: HashMap::new(),
            }),
        }
    }

    pub fn get(&self, key: &K) -> Option<Arc<V>> {
        if !self.enabled {
            return None;
        }
        self.inner.read().ok()?.entries.get(key).cloned()
    }

    /// The generation to pass to [`ReadCache::insert`] after reading the store.
    pub fn generation(&self) -> u64 {
        self.inner.read().map(|i| i.generation).unwrap_or(u64::MAX)
    }

    pub fn insert(&self, seen_generation: u64, key: K, value: Arc<V>) {
        if !self.enabled {
            return;
        }
        if let Ok(mut inner) = self.inner.write()
            && inner.generation == seen_generation
        {
            if inner.entries.len() >= MAX_ENTRIES {
                inner.entries.clear();
            }
            inner.entries.insert(key, value);
        }
    }

    /// Forgets everything; called after every write.
    pub fn invalidate(&self) {
        if !self.enabled {
            return;
        }
        if let Ok(mut inner) = self.inner.write() {
            inner.generation = inner.generation.wrapping_add(1);
            inner.entries.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_reads_are_not_inserted() {
        let cache: ReadCache<u8, u8> = ReadCache::new(true);
        let seen = cache.generation();
        cache.invalidate(); // a write finished while we were reading
        cache.insert(seen, 1, Arc::new(1));
        assert!(cache.get(&1).is_none());
        let seen = cache.generation();
        cache.insert(seen, 1, Arc::new(2));
        assert_eq!(cache.get(&1).as_deref(), Some(&2));
        cache.invalidate();
        assert!(cache.get(&1).is_none());
        let off: ReadCache<u8, u8> = ReadCache::new(false);
        off.insert(off.generation(), 1, Arc::new(1));
        assert!(off.get(&1).is_none());
    }
}
