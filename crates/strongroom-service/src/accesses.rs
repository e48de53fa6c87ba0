//! LastAccessedDate, off the request path. AWS keeps it per day (midnight
//! UTC), so only a secret's first read of a day changes it. A read notes
//! (secret, version, day) here, in memory; a background task
//! (`strongroom-server`'s `jobs.rs`) writes what is noted through the
//! store's writer every second, many accesses per transaction
//! ([`Service::flush_accesses`]), and once more at shutdown.
//!
//! What answers with LastAccessedDate (DescribeSecret, ListSecretVersionIds,
//! ListSecrets) first writes what is noted for the secrets it shows, so it
//! shows every access made before it. A crash loses what was noted since
//! the last flush: at most one interval's first reads of the day.
//!
//! A noted access stays noted until the write that records it commits
//! (it is forgotten afterwards), so "nothing noted for X" always means
//! "X's accesses are in the store".
//!
//! A flush that moves a secret's own date invalidates the secret's read
//! cache entries (DescribeSecret shows that date). One that moves only a
//! version's (a new version's first read, after the secret's first read of
//! the day) does not: only ListSecretVersionIds shows version dates, and it
//! reads the store; GetSecretValue's entries keep the version's old date,
//! and [`Accesses::recorded`] tells reads that it is written, so that they
//! do not note it again (a write per new version, not also a cache miss).

use crate::{Service, ServiceError};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use strongroom_domain::Timestamp;

/// Accesses noted at most; beyond, new ones are dropped (and counted) until
/// a flush makes room. A flush is asked for early at [`FLUSH_SOON`].
const MAX_NOTED: usize = 100_000;
const FLUSH_SOON: usize = 10_000;
/// Accesses written per transaction: a long transaction would hold up the
/// writes queued behind it.
const PER_TRANSACTION: usize = 1_000;
/// Bound of [`Accesses::recorded`], in bytes.
const RECORDED_BYTES: u64 = 8 << 20;

pub(crate) struct Accesses {
    noted: Mutex<Noted>,
    /// One flush at a time, so a reader that waits for one knows that what
    /// was noted before it is written when it returns.
    flushing: tokio::sync::Mutex<()>,
    /// Wakes the background flush early when many accesses are noted.
    soon: tokio::sync::Notify,
    /// (secret ARN, version id) → the latest day written for it.
    written: quick_cache::sync::Cache<(String, String), Timestamp, ByLength>,
    /// Counts flushes that forgot what they wrote.
    flushes: AtomicU64,
}

impl Default for Accesses {
    fn default() -> Self {
        Accesses {
            noted: Mutex::default(),
            flushing: tokio::sync::Mutex::default(),
            soon: tokio::sync::Notify::default(),
            written: quick_cache::sync::Cache::with_weighter(
                (RECORDED_BYTES / 160) as usize,
                RECORDED_BYTES,
                ByLength,
            ),
            flushes: AtomicU64::new(0),
        }
    }
}

/// Weighs an entry of [`Accesses::written`] by its strings plus bookkeeping.
#[derive(Clone)]
struct ByLength;

impl quick_cache::Weighter<(String, String), Timestamp> for ByLength {
    fn weight(&self, key: &(String, String), _: &Timestamp) -> u64 {
        (key.0.len() + key.1.len() + 96) as u64
    }
}

/// `(String, String)` borrowed, hashing as the tuple does.
#[derive(Hash)]
struct VersionRef<'a>(&'a str, &'a str);

impl quick_cache::Equivalent<(String, String)> for VersionRef<'_> {
    fn equivalent(&self, key: &(String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

#[derive(Default)]
struct Noted {
    /// Secret ARN → version id → day of the latest access.
    by_secret: HashMap<String, HashMap<String, Timestamp>>,
    count: usize,
    dropped: u64,
}

/// One access to write: secret ARN, version id, day.
type Access = (String, String, Timestamp);

impl Accesses {
    fn noted(&self) -> MutexGuard<'_, Noted> {
        // A panic elsewhere while holding the lock leaves the map usable.
        self.noted.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Notes that version `version_id` of secret `arn` was read on `day`.
    pub fn note(&self, arn: &str, version_id: &str, day: Timestamp) {
        let mut guard = self.noted();
        let noted = &mut *guard;
        let full = noted.count >= MAX_NOTED;
        if !noted.by_secret.contains_key(arn) {
            if full {
                noted.dropped += 1;
                return;
            }
            noted.by_secret.insert(arn.to_owned(), HashMap::new());
        }
        let Some(versions) = noted.by_secret.get_mut(arn) else {
            return;
        };
        match versions.get_mut(version_id) {
            Some(d) => *d = (*d).max(day),
            None if full => {
                noted.dropped += 1;
                return;
            }
            None => {
                versions.insert(version_id.to_owned(), day);
                noted.count += 1;
            }
        }
        if noted.count >= FLUSH_SOON {
            self.soon.notify_one();
        }
    }

    /// Whether an access to version `version_id` of `arn` on `day` (or
    /// later) is known to be written.
    pub fn recorded(&self, arn: &str, version_id: &str, day: Timestamp) -> bool {
        self.written
            .get(&VersionRef(arn, version_id))
            .is_some_and(|d| d >= day)
    }

    /// Counts flushes that completed: a read that began before a flush
    /// completed may lack what it wrote.
    pub fn flushes(&self) -> u64 {
        self.flushes.load(Ordering::SeqCst)
    }

    /// Whether an access to `arn` is noted and not yet written.
    pub fn pending(&self, arn: &str) -> bool {
        self.noted().by_secret.contains_key(arn)
    }

    pub fn any_pending(&self) -> bool {
        self.noted().count > 0
    }

    /// Everything noted, to write.
    fn snapshot(&self) -> (Vec<Access>, u64) {
        let mut noted = self.noted();
        let dropped = std::mem::take(&mut noted.dropped);
        let all = noted
            .by_secret
            .iter()
            .flat_map(|(arn, versions)| {
                versions
                    .iter()
                    .map(|(v, day)| (arn.clone(), v.clone(), *day))
            })
            .collect();
        (all, dropped)
    }

    /// Forgets the accesses written, unless a later day was noted meanwhile,
    /// and remembers them as written.
    fn forget(&self, written: &[Access]) {
        for (arn, version_id, day) in written {
            if !self.recorded(arn, version_id, *day) {
                self.written.insert((arn.clone(), version_id.clone()), *day);
            }
        }
        let mut guard = self.noted();
        let noted = &mut *guard;
        for (arn, version_id, day) in written {
            let Some(versions) = noted.by_secret.get_mut(arn) else {
                continue;
            };
            if versions.get(version_id).is_some_and(|d| d <= day) {
                versions.remove(version_id);
                let empty = versions.is_empty();
                noted.count -= 1;
                if empty {
                    noted.by_secret.remove(arn);
                }
            }
        }
        drop(guard);
        self.flushes.fetch_add(1, Ordering::SeqCst);
    }
}

impl Service {
    /// Writes every noted access (see the module's comment), a thousand per
    /// transaction; returns how many. Waits for a flush under way first.
    /// What cannot be written stays noted for the next flush.
    pub async fn flush_accesses(&self) -> Result<usize, ServiceError> {
        let _one_at_a_time = self.accesses.flushing.lock().await;
        let (all, dropped) = self.accesses.snapshot();
        if dropped > 0 {
            tracing::warn!(
                dropped,
                "LastAccessedDate: accesses dropped, too many noted between flushes"
            );
        }
        let mut written = 0;
        let mut all = all.into_iter().peekable();
        while all.peek().is_some() {
            let chunk: Vec<Access> = all.by_ref().take(PER_TRANSACTION).collect();
            let chunk = self
                .write(move |tx, changes| {
                    changes.none();
                    for (arn, version_id, day) in &chunk {
                        // A version's date alone is in no cached answer.
                        if tx.record_access(arn, version_id, *day)?.secret {
                            changes.secret(arn);
                        }
                    }
                    Ok(chunk)
                })
                .await?;
            self.accesses.forget(&chunk);
            written += chunk.len();
        }
        Ok(written)
    }

    /// Resolves when a flush should not wait for the next tick (many
    /// accesses noted). For the background task.
    pub async fn accesses_waiting(&self) {
        self.accesses.soon.notified().await;
    }

    /// Writes the noted accesses to `arn`, if any, so that a read that
    /// follows shows them. True if it wrote.
    pub(crate) async fn settle_accesses_of(&self, arn: &str) -> Result<bool, ServiceError> {
        if !self.accesses.pending(arn) {
            return Ok(false);
        }
        self.flush_accesses().await?;
        Ok(true)
    }

    /// Writes every noted access, so that a listing that follows shows them
    /// (ListSecrets: its dates and its `last-accessed-date` order).
    pub async fn settle_accesses(&self) -> Result<(), ServiceError> {
        if self.accesses.any_pending() {
            self.flush_accesses().await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400_000;

    #[test]
    fn notes_are_kept_per_secret_and_version_at_the_latest_day() {
        let a = Accesses::default();
        a.note("X", "v1", Timestamp(DAY));
        a.note("X", "v1", Timestamp(DAY));
        a.note("X", "v2", Timestamp(DAY));
        a.note("X", "v1", Timestamp(2 * DAY));
        a.note("X", "v1", Timestamp(DAY)); // an older day does not go back
        assert!(a.pending("X"));
        assert!(!a.pending("Y"));
        let (mut all, dropped) = a.snapshot();
        all.sort();
        assert_eq!(dropped, 0);
        assert_eq!(
            all,
            vec![
                ("X".into(), "v1".into(), Timestamp(2 * DAY)),
                ("X".into(), "v2".into(), Timestamp(DAY)),
            ]
        );
        // Written v2 only, and v1 at an older day than is noted now.
        a.forget(&[
            ("X".into(), "v1".into(), Timestamp(DAY)),
            ("X".into(), "v2".into(), Timestamp(DAY)),
        ]);
        assert!(a.pending("X"), "v1's later day is still to write");
        a.forget(&[("X".into(), "v1".into(), Timestamp(2 * DAY))]);
        assert!(!a.pending("X"));
        assert!(!a.any_pending());
    }

    #[test]
    fn notes_are_bounded() {
        let a = Accesses::default();
        for i in 0..MAX_NOTED + 10 {
            a.note(&format!("S{i}"), "v", Timestamp(DAY));
        }
        // A known secret's new version is dropped too, a known one updated.
        a.note("S0", "other", Timestamp(DAY));
        a.note("S0", "v", Timestamp(2 * DAY));
        let (all, dropped) = a.snapshot();
        assert_eq!(all.len(), MAX_NOTED);
        assert_eq!(dropped, 11);
        assert!(all.contains(&("S0".into(), "v".into(), Timestamp(2 * DAY))));
        assert_eq!(a.snapshot().1, 0, "the count is reported once");
    }
}
