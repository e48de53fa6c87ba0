//! What the writer thread lets the store's own tests observe (how many
//! transactions it committed) and inject (a full disk, a failing COMMIT).
//! Outside `cfg(test)` this is an empty type whose methods do nothing.

use rusqlite::Connection;
#[cfg(test)]
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

#[derive(Debug, Default)]
pub(super) struct Probe {
    /// Transactions committed.
    #[cfg(test)]
    commits: AtomicU64,
    /// `PRAGMA max_page_count` applied before each batch: the database
    /// cannot grow past it, as on a full disk. 0 leaves the limit alone.
    #[cfg(test)]
    max_pages: AtomicU32,
    /// One more than the number of the commit (as `commits` counts them)
    /// that is made to fail inside SQLite; 0 fails none.
    #[cfg(test)]
    fail_commit: AtomicU64,
}

#[cfg(test)]
impl Probe {
    pub(super) fn commits(&self) -> u64 {
        self.commits.load(Ordering::SeqCst)
    }

    /// Caps the database at `pages` pages from the next batch on.
    pub(super) fn limit_pages(&self, pages: u32) {
        self.max_pages.store(pages, Ordering::SeqCst);
    }

    /// Makes the commit that would be the `n`th (from 0, as [`commits`]
    /// counts) fail; the batch after it commits again.
    ///
    /// [`commits`]: Probe::commits
    pub(super) fn fail_commit(&self, n: u64) {
        self.fail_commit.store(n + 1, Ordering::SeqCst);
    }
}

impl Probe {
    #[cfg_attr(not(test), inline(always))]
    pub(super) fn before_batch(&self, _conn: &Connection) {
        #[cfg(test)]
        {
            let pages = self.max_pages.load(Ordering::SeqCst);
            if pages > 0 {
                let _ = _conn.execute_batch(&format!("PRAGMA max_page_count = {pages}"));
            }
        }
    }

    /// Runs in the open transaction right before its COMMIT.
    #[cfg_attr(not(test), inline(always))]
    pub(super) fn before_commit(&self, _conn: &Connection) {
        #[cfg(test)]
        if self
            .fail_commit
            .compare_exchange(self.commits() + 1, 0, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            // A deferred foreign-key violation is only found by COMMIT, which
            // then fails and leaves the transaction open: the writer must
            // roll it back itself, as after a COMMIT that could not write.
            let _ = _conn.execute_batch(
                "PRAGMA defer_foreign_keys = ON;
                 INSERT INTO stages (secret_pk, stage, version_id) VALUES (-1, 'fault', 'fault');",
            );
        }
    }

    #[cfg_attr(not(test), inline(always))]
    pub(super) fn committed(&self) {
        #[cfg(test)]
        self.commits.fetch_add(1, Ordering::SeqCst);
    }
}
