//! A read-through cache for the hot read operations (GetSecretValue,
//! DescribeSecret). It holds what a read transaction returned (metadata and
//! ciphertext, never plaintext), bounded by an estimate of its bytes
//! (quick_cache with a weighter), and a write to a secret invalidates only
//! that secret's entries.
//!
//! Only used when this process is the store's only writer
//! (`Store::exclusive_writer`), since invalidation happens here.
//!
//! Invariant: an entry is answered only if it holds what the store held
//! after the last write to its secret whose caller was answered. How:
//! - `sequence` counts invalidations. A reader takes a [`Ticket`] (the
//!   current `sequence`) before it starts its store read, and the entry it
//!   inserts carries it.
//! - After a write to secret X commits, and before its caller is answered,
//!   `invalidate(X)` increments `sequence` to `s` and raises X's slot in
//!   `invalidated` to at least `s`.
//! - `get` answers an entry only if neither its secret's slot nor
//!   `everything` was raised past the entry's ticket.
//!
//! A read that began before the commit took its ticket before the
//! increment, so its ticket is < `s` and its entry is refused from the
//! moment the writer's caller can be answered, whenever the reader inserts
//! it (before or after the invalidation). A read whose ticket is >= `s`
//! took it after the increment, which follows the commit, so it read the
//! committed state. Secrets share slots by hash: a write to one secret may
//! also refuse another's entries (a spurious miss), never the reverse.
//!
//! What a key means can change only through a write to the secret it found
//! (delete) or the creation of another secret (a new name, or an ARN that a
//! partial ARN now matches exactly): creation invalidates everything.

use quick_cache::Weighter;
use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::atomic::{AtomicU64, Ordering::SeqCst};

/// Invalidation slots that secrets are spread over by hash.
const SLOTS: usize = 16_384;
/// What an entry costs beyond what [`Weigh`] counts: the cache's own
/// bookkeeping, the `Arc` and the key's allocations.
const ENTRY_OVERHEAD: u64 = 160;
/// Average entry size, to size the cache's tables.
const TYPICAL_ENTRY: u64 = 2048;

/// An estimate of the bytes a value holds, for the cache's bound.
pub(crate) trait Weigh {
    fn weight(&self) -> u64;
    /// The ARN of the secret the value came from.
    fn arn(&self) -> &str;
}

/// Taken before a store read; see the module's invariant.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ticket(u64);

pub(crate) struct ReadCache<K, V> {
    /// `None` when the cache is off.
    entries: Option<quick_cache::sync::Cache<K, Entry<V>, ByBytes>>,
    sequence: AtomicU64,
    /// Per slot, the `sequence` value of the last invalidation of a secret
    /// in that slot.
    invalidated: Box<[AtomicU64]>,
    /// The `sequence` value of the last invalidation of everything.
    everything: AtomicU64,
    hasher: RandomState,
}

#[derive(Clone)]
pub(crate) struct Entry<V> {
    value: V,
    ticket: u64,
    slot: usize,
    weight: u64,
}

#[derive(Clone)]
pub(crate) struct ByBytes;

impl<K: KeyBytes, V> Weighter<K, Entry<V>> for ByBytes {
    fn weight(&self, key: &K, entry: &Entry<V>) -> u64 {
        key.bytes() + entry.weight
    }
}

/// The bytes a key holds.
pub(crate) trait KeyBytes {
    fn bytes(&self) -> u64;
}

impl<K, V> ReadCache<K, V>
where
    K: Eq + std::hash::Hash + KeyBytes,
    V: Weigh + Clone,
{
    /// A cache of at most about `bytes` bytes; off if `enabled` is false or
    /// `bytes` is 0.
    pub fn new(enabled: bool, bytes: u64) -> Self {
        let entries = (enabled && bytes > 0).then(|| {
            let items = usize::try_from(bytes / TYPICAL_ENTRY)
                .unwrap_or(usize::MAX)
                .max(16);
            quick_cache::sync::Cache::with_weighter(items, bytes, ByBytes)
        });
        ReadCache {
            entries,
            sequence: AtomicU64::new(0),
            invalidated: (0..SLOTS).map(|_| AtomicU64::new(0)).collect(),
            everything: AtomicU64::new(0),
            hasher: RandomState::new(),
        }
    }

    fn slot(&self, arn: &str) -> usize {
        // The modulo keeps the index in range; the remainder fits usize.
        (self.hasher.hash_one(arn) % SLOTS as u64) as usize
    }

    /// Whether no invalidation since `ticket` concerns the secret in `slot`.
    fn current(&self, slot: usize, ticket: u64) -> bool {
        self.invalidated[slot].load(SeqCst) <= ticket && self.everything.load(SeqCst) <= ticket
    }

    /// The cached value for `key`, if it is still current, and the ticket
    /// its store read took.
    pub fn get<Q>(&self, key: &Q) -> Option<(V, Ticket)>
    where
        Q: std::hash::Hash + quick_cache::Equivalent<K> + ?Sized,
    {
        let entries = self.entries.as_ref()?;
        let entry = entries.get(key)?;
        if self.current(entry.slot, entry.ticket) {
            return Some((entry.value, Ticket(entry.ticket)));
        }
        // Stale: make room, unless a newer entry took its place meanwhile.
        entries.remove_if(key, |e| e.ticket == entry.ticket);
        None
    }

    /// To take before reading the store, for [`ReadCache::insert`] and
    /// [`ReadCache::is_current`].
    pub fn ticket(&self) -> Ticket {
        Ticket(self.sequence.load(SeqCst))
    }

    /// Whether no write to the secret `arn` was invalidated since `ticket`
    /// was taken: then a read that began after taking it saw every such
    /// write whose caller has been answered. Kept even when the cache is
    /// off (callers use it to order their reads after writes).
    pub fn is_current(&self, arn: &str, ticket: Ticket) -> bool {
        self.current(self.slot(arn), ticket.0)
    }

    /// Caches what a store read that began after `ticket` was taken found.
    pub fn insert(&self, ticket: Ticket, key: K, value: V) {
        let Some(entries) = &self.entries else {
            return;
        };
        let slot = self.slot(value.arn());
        // Already stale: not worth the room (`get` would refuse it anyway).
        if !self.current(slot, ticket.0) {
            return;
        }
        let weight = value.weight() + ENTRY_OVERHEAD;
        entries.insert(
            key,
            Entry {
                value,
                ticket: ticket.0,
                slot,
                weight,
            },
        );
    }

    /// Refuses every entry of the secret `arn` read before now. Called after
    /// a write to it commits, before its caller is answered.
    pub fn invalidate(&self, arn: &str) {
        let now = self.sequence.fetch_add(1, SeqCst) + 1;
        self.invalidated[self.slot(arn)].fetch_max(now, SeqCst);
    }

    /// Refuses every entry read before now, and frees their room.
    pub fn invalidate_all(&self) {
        let now = self.sequence.fetch_add(1, SeqCst) + 1;
        self.everything.fetch_max(now, SeqCst);
        if let Some(entries) = &self.entries {
            entries.clear();
        }
    }

    /// The estimated bytes held (tests).
    #[cfg(test)]
    pub fn weight(&self) -> u64 {
        self.entries.as_ref().map_or(0, |e| e.weight())
    }
}

impl KeyBytes for String {
    fn bytes(&self) -> u64 {
        self.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    struct Value {
        arn: String,
        bytes: usize,
        tag: u32,
    }

    impl Weigh for Arc<Value> {
        fn weight(&self) -> u64 {
            self.bytes as u64
        }
        fn arn(&self) -> &str {
            &self.arn
        }
    }

    fn value(arn: &str, tag: u32) -> Arc<Value> {
        Arc::new(Value {
            arn: arn.into(),
            bytes: 100,
            tag,
        })
    }

    type Cache = ReadCache<String, Arc<Value>>;

    /// A secret that does not share `arn`'s slot (1 in `SLOTS` would).
    fn other_slot(cache: &Cache, arn: &str) -> String {
        (0..)
            .map(|i| format!("other-{i}"))
            .find(|o| cache.slot(o) != cache.slot(arn))
            .unwrap_or_default()
    }

    fn new_cache() -> Cache {
        ReadCache::new(true, 1 << 20)
    }

    fn tag(cache: &Cache, key: &str) -> Option<u32> {
        cache.get(key).map(|(v, _)| v.tag)
    }

    #[test]
    fn a_write_invalidates_only_its_secret() {
        let cache = new_cache();
        let t = cache.ticket();
        cache.insert(t, "by-name-x".into(), value("X", 1));
        cache.insert(t, "by-arn-x".into(), value("X", 1));
        let y = other_slot(&cache, "X");
        cache.insert(t, "y".into(), value(&y, 2));
        cache.invalidate("X");
        assert_eq!(tag(&cache, "by-name-x"), None);
        assert_eq!(tag(&cache, "by-arn-x"), None);
        assert_eq!(tag(&cache, "y"), Some(2));
        // Read again after the write: cached again.
        let t = cache.ticket();
        cache.insert(t, "by-name-x".into(), value("X", 3));
        assert_eq!(tag(&cache, "by-name-x"), Some(3));
    }

    /// The interleavings of a reader with a writer to the same secret: a
    /// read that began before the write committed never becomes an answer
    /// after the write's invalidation, whether it is inserted before or
    /// after it; one that began after is cached.
    #[test]
    fn a_read_that_began_before_a_write_is_never_answered_after_it() {
        // Insert after the invalidation.
        let cache = new_cache();
        let before = cache.ticket(); // reader starts, reads the old value
        cache.invalidate("X"); // writer commits, invalidates, answers
        cache.insert(before, "x".into(), value("X", 1)); // reader inserts late
        assert_eq!(tag(&cache, "x"), None);

        // Insert before the invalidation.
        let cache = cache_with_other_entries();
        let before = cache.ticket();
        cache.insert(before, "x".into(), value("X", 1));
        assert_eq!(tag(&cache, "x"), Some(1), "current until the write");
        cache.invalidate("X");
        assert_eq!(tag(&cache, "x"), None);

        // Two readers around one write: the one that began after wins, even
        // if the one that began before inserts last.
        let cache = new_cache();
        let old = cache.ticket();
        cache.invalidate("X");
        let new = cache.ticket();
        cache.insert(new, "x".into(), value("X", 2));
        cache.insert(old, "x".into(), value("X", 1)); // refused: stale already
        assert_eq!(tag(&cache, "x"), Some(2));

        // Creation invalidates everything, also late inserts.
        let cache = new_cache();
        let before = cache.ticket();
        cache.insert(before, "y".into(), value("Y", 1));
        cache.invalidate_all();
        cache.insert(before, "z".into(), value("Z", 1));
        assert_eq!(tag(&cache, "y"), None);
        assert_eq!(tag(&cache, "z"), None);
    }

    fn cache_with_other_entries() -> Cache {
        let cache = new_cache();
        let t = cache.ticket();
        for i in 0..10 {
            cache.insert(t, format!("other-{i}"), value(&format!("O{i}"), i));
        }
        cache
    }

    /// Real threads: readers that read a "store" (an atomic) and insert,
    /// racing a writer that changes it and invalidates. Once the writer has
    /// invalidated, no answer is older than the value it wrote.
    #[test]
    fn racing_readers_never_see_an_older_value_after_the_write() {
        use std::sync::atomic::AtomicU32;
        let cache = Arc::new(new_cache());
        let store = Arc::new(AtomicU32::new(0));
        let readers: Vec<_> = (0..4)
            .map(|_| {
                let (cache, store) = (cache.clone(), store.clone());
                std::thread::spawn(move || {
                    for _ in 0..20_000 {
                        if cache.get("x").is_none() {
                            let t = cache.ticket();
                            let v = store.load(SeqCst);
                            cache.insert(t, "x".into(), value("X", v));
                        }
                    }
                })
            })
            .collect();
        for v in 1..=200 {
            store.store(v, SeqCst); // commit
            cache.invalidate("X"); // after commit, before the answer
            // Answered: from now on every read sees v or later.
            for _ in 0..50 {
                if let Some(seen) = tag(&cache, "x") {
                    assert!(seen >= v, "stale {seen} after write {v}");
                }
            }
        }
        for r in readers {
            r.join().expect("reader");
        }
    }

    #[test]
    fn the_cache_is_bounded_by_bytes() {
        let bound = 64 * 1024;
        let cache: Cache = ReadCache::new(true, bound);
        for i in 0..1000 {
            let big = Arc::new(Value {
                arn: format!("A{i}"),
                bytes: 4096,
                tag: i,
            });
            cache.insert(cache.ticket(), format!("k{i}"), big);
        }
        assert!(cache.weight() <= bound, "{} > {bound}", cache.weight());
        assert!(
            cache.weight() >= bound / 4,
            "should fill: {}",
            cache.weight()
        );
        // Far fewer than 1000 entries of ~4 KiB fit in 64 KiB.
        let held = (0..1000)
            .filter(|i| cache.get(&format!("k{i}")).is_some())
            .count();
        assert!((1..=16).contains(&held), "{held} entries held");
    }

    #[test]
    fn an_entry_larger_than_the_bound_is_not_kept() {
        let cache: Cache = ReadCache::new(true, 4096);
        let huge = Arc::new(Value {
            arn: "A".into(),
            bytes: 1 << 20,
            tag: 1,
        });
        cache.insert(cache.ticket(), "k".into(), huge);
        assert_eq!(tag(&cache, "k"), None);
        assert_eq!(cache.weight(), 0);
    }

    #[test]
    fn off_caches_nothing() {
        for off in [ReadCache::new(false, 1 << 20), ReadCache::new(true, 0)] {
            let off: Cache = off;
            let t = off.ticket();
            off.insert(t, "k".to_owned(), value("X", 1));
            assert_eq!(tag(&off, "k"), None);
            // Writes are still ordered for readers that check tickets.
            off.invalidate("X");
            assert!(!off.is_current("X", t));
            assert!(off.is_current("X", off.ticket()));
        }
    }

    #[test]
    fn tickets_tell_whether_a_secret_was_written_since() {
        let cache = new_cache();
        let t = cache.ticket();
        assert!(cache.is_current("X", t));
        cache.invalidate(&other_slot(&cache, "X"));
        assert!(cache.is_current("X", t), "another secret's write");
        cache.invalidate("X");
        assert!(!cache.is_current("X", t));
        let t = cache.ticket();
        assert!(cache.is_current("X", t));
        cache.invalidate_all();
        assert!(!cache.is_current("X", t));
    }
}
