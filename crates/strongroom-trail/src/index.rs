//! The LookupEvents index: a SQLite file of postings, kept by one follower
//! thread from the audit log's tap.
//!
//! Cost on the hot path is what shapes it. A row per (attribute, event)
//! would be ~10 B-tree inserts per audited call; instead the follower
//! gathers events for up to [`FLUSH_INTERVAL`] and writes one row per
//! posting key per flush, its entries (time, seq, segment, offset) packed
//! in a blob. EventIds, unique per event, share 256 buckets per account
//! with a fingerprint per entry. The records themselves stay in the
//! segments; a lookup reads its hits back with `read_at`.
//!
//! It is derived data (WAL, `synchronous=OFF`): a missing, corrupt or
//! foreign index is rebuilt from the segments.

use crate::attrs::{EventView, PassThrough, PostingKey, unpack_postings};
use crate::stdout::StdoutCopy;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::HashMap;
use std::hash::BuildHasherDefault;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use strongroom_audit::{Committed, Sequence, read_at, read_entries_from, segment_numbers};

/// The schema's version in `meta`; another one is rebuilt.
const SCHEMA_VERSION: i64 = 1;
/// Events gathered before a flush at most this long (a lookup asks for an
/// immediate flush).
pub(crate) const FLUSH_INTERVAL: Duration = Duration::from_millis(250);
/// Or this many, whichever comes first (bounds memory during catch-up).
const FLUSH_EVENTS: usize = 100_000;
/// How often postings of segments deleted by retention are pruned.
const PRUNE_INTERVAL: Duration = Duration::from_secs(600);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS postings(
    id INTEGER PRIMARY KEY,
    key INTEGER NOT NULL,
    max_time INTEGER NOT NULL,
    max_seq INTEGER NOT NULL,
    min_time INTEGER NOT NULL,
    max_segment INTEGER NOT NULL,
    entries BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS postings_by_key ON postings(key, max_time, max_seq, min_time, max_segment);
";

/// Why the index could not be opened or written.
#[derive(Debug, thiserror::Error)]
#[error("audit index {}: {what}: {source}", .path.display())]
pub struct IndexError {
    /// The index file.
    pub path: PathBuf,
    /// What was being done.
    pub what: &'static str,
    /// SQLite's error.
    #[source]
    pub source: rusqlite::Error,
}

/// One posting entry: an event's place in the trail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Hit {
    pub time: i64,
    pub seq: u64,
    pub segment: u64,
    pub offset: u64,
    /// EventId buckets only (0 elsewhere).
    pub fingerprint: u32,
}

/// How far the index is, shared between the follower and lookups.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    state: Mutex<ProgressState>,
    changed: Condvar,
}

#[derive(Debug, Default, Clone, Copy)]
struct ProgressState {
    indexed: u64,
    stopped: bool,
}

impl Progress {
    fn publish(&self, indexed: u64, stopped: bool) {
        if let Ok(mut state) = self.state.lock() {
            state.indexed = state.indexed.max(indexed);
            state.stopped |= stopped;
        }
        self.changed.notify_all();
    }

    /// Waits until `seq` is indexed (or the follower stopped, or `timeout`).
    pub(crate) fn wait_for(&self, seq: u64, timeout: Duration) -> bool {
        let Ok(guard) = self.state.lock() else {
            return false;
        };
        match self
            .changed
            .wait_timeout_while(guard, timeout, |s| s.indexed < seq && !s.stopped)
        {
            Ok((state, _)) => state.indexed >= seq,
            Err(_) => false,
        }
    }
}

fn err(path: &Path, what: &'static str) -> impl FnOnce(rusqlite::Error) -> IndexError {
    let path = path.to_owned();
    move |source| IndexError { path, what, source }
}

/// Opens a connection with the index's settings.
fn connect(path: &Path, read_only: bool) -> Result<Connection, IndexError> {
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(err(path, "opening"))?;
    // Derived data: losing the newest postings to a crash only means
    // re-indexing them from the segments.
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;",
    )
    .map_err(err(path, "configuring"))?;
    Ok(conn)
}

/// A reader connection for lookups.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, IndexError> {
    connect(path, true)
}

/// The follower's side of the index.
pub(crate) struct Indexer {
    conn: Connection,
    path: PathBuf,
    audit_dir: PathBuf,
    /// The last sequence number indexed (committed to SQLite).
    last: LastIndexed,
    /// Events gathered since the last flush, by posting key.
    pending: HashMap<PostingKey, Vec<Hit>, BuildHasherDefault<PassThrough>>,
    /// The newest event gathered (becomes `last` on flush).
    pending_last: Option<LastIndexed>,
    pending_events: usize,
    /// The copy on stdout, in stdout mode.
    stdout: Option<StdoutCopy>,
    progress: Arc<Progress>,
    last_prune: Instant,
    /// A flush failed: its events are not in the index, so the stored
    /// progress stays before them (the next start re-indexes from there;
    /// lookups skip the duplicates that makes).
    progress_frozen: bool,
}

/// The newest indexed event, to recognise the same trail on the next start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct LastIndexed {
    seq: u64,
    segment: u64,
    offset: u64,
    /// A hash of its record.
    hash: i64,
}

impl Indexer {
    /// Opens (or creates, or rebuilds) the index at `path` for the trail
    /// in `audit_dir`, whose last durable record is `durable`.
    pub(crate) fn open(
        path: &Path,
        audit_dir: &Path,
        durable: u64,
        stdout: Option<StdoutCopy>,
        progress: Arc<Progress>,
    ) -> Result<Indexer, IndexError> {
        let conn = match Self::open_existing(path) {
            Ok(conn) => conn,
            Err(e) => {
                tracing::warn!(error = %e, "audit index unusable; rebuilding it from the segments");
                remove_index_files(path);
                Self::open_existing(path)?
            }
        };
        let mut indexer = Indexer {
            conn,
            path: path.to_owned(),
            audit_dir: audit_dir.to_owned(),
            last: LastIndexed::default(),
            pending: HashMap::default(),
            pending_last: None,
            pending_events: 0,
            stdout,
            progress,
            last_prune: Instant::now(),
            progress_frozen: false,
        };
        indexer.last = indexer.read_last()?;
        if !indexer.same_trail(durable) {
            tracing::warn!(
                indexed = indexer.last.seq,
                durable,
                "the audit index is not of this trail (it restarted); rebuilding it"
            );
            indexer
                .conn
                .execute_batch("DELETE FROM postings; DELETE FROM meta WHERE k <> 'version';")
                .map_err(err(path, "clearing"))?;
            indexer.last = LastIndexed::default();
        }
        indexer.prune();
        indexer.progress.publish(indexer.last.seq, false);
        Ok(indexer)
    }

    fn open_existing(path: &Path) -> Result<Connection, IndexError> {
        let conn = connect(path, false)?;
        conn.execute_batch(SCHEMA)
            .map_err(err(path, "creating the schema"))?;
        let version: Option<i64> = conn
            .query_row("SELECT v FROM meta WHERE k = 'version'", [], |r| r.get(0))
            .optional()
            .map_err(err(path, "reading the version"))?;
        match version {
            Some(SCHEMA_VERSION) => {}
            None => {
                conn.execute(
                    "INSERT INTO meta(k, v) VALUES ('version', ?1)",
                    [SCHEMA_VERSION],
                )
                .map_err(err(path, "writing the version"))?;
            }
            Some(_) => {
                return Err(IndexError {
                    path: path.to_owned(),
                    what: "unknown schema version",
                    source: rusqlite::Error::InvalidQuery,
                });
            }
        }
        Ok(conn)
    }

    fn read_last(&self) -> Result<LastIndexed, IndexError> {
        let get = |k: &str| -> Result<i64, IndexError> {
            self.conn
                .query_row("SELECT v FROM meta WHERE k = ?1", [k], |r| r.get(0))
                .optional()
                .map(Option::unwrap_or_default)
                .map_err(err(&self.path, "reading progress"))
        };
        Ok(LastIndexed {
            seq: to_u64(get("last_seq")?),
            segment: to_u64(get("last_segment")?),
            offset: to_u64(get("last_offset")?),
            hash: get("last_hash")?,
        })
    }

    /// Whether the index's newest event is still in the trail, as it was.
    fn same_trail(&self, durable: u64) -> bool {
        if self.last.seq == 0 {
            return true;
        }
        if self.last.seq > durable {
            return false;
        }
        match read_at(&self.audit_dir, self.last.segment, self.last.offset) {
            Ok(entry) => {
                entry.seq.0 == self.last.seq && record_hash(&entry.record) == self.last.hash
            }
            // Deleted by retention since: nothing left to compare.
            Err(e) if e.is_not_found() => true,
            Err(_) => false,
        }
    }

    /// The follower thread's loop: catch up from the segments to
    /// `durable`, then every [`FLUSH_INTERVAL`] (or at once when a lookup
    /// nudges) take what the tap holds, index it in one transaction, and
    /// go back to sleep; until the trail drops its nudge sender.
    ///
    /// Polling rather than waiting on the tap: the writer's sends then never
    /// wake this thread, and the work comes in a few long runs instead of a
    /// wake-up per group commit (which, measured, cost more than the
    /// indexing itself under load).
    ///
    /// A nudge carries what was durable when the lookup came: if the tap
    /// dropped the last batches before it (and none came since to show the
    /// gap), they are read back from the segments.
    pub(crate) fn run(
        mut self,
        tap: Receiver<Vec<Committed>>,
        nudges: Receiver<u64>,
        durable: u64,
    ) {
        self.catch_up(durable, false);
        loop {
            let (stop, wanted) = match nudges.recv_timeout(FLUSH_INTERVAL) {
                Ok(wanted) => (false, wanted),
                Err(RecvTimeoutError::Timeout) => (false, 0),
                Err(RecvTimeoutError::Disconnected) => (true, 0),
            };
            // Empty or disconnected (the log closed): either way, done.
            while let Ok(batch) = tap.try_recv() {
                self.take_batch(batch);
                if self.pending_events >= FLUSH_EVENTS {
                    self.flush();
                }
            }
            self.flush();
            if self.last.seq < wanted {
                self.catch_up(wanted, true);
            }
            if stop {
                break;
            }
        }
        self.progress.publish(self.last.seq, true);
        // Fold the WAL into the database and empty it: the trail's read-only
        // lookup connection may outlive this one, and it cannot checkpoint
        // on close, so a clean stop would otherwise leave the WAL behind.
        if let Err(e) = self.conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);") {
            tracing::warn!(error = %e, "audit index: no checkpoint on close");
        }
    }

    /// Indexes what became durable while no tap followed (the previous
    /// run's tail, or everything after a rebuild).
    /// With `echo`, the records read are copied to stdout too (a gap the
    /// tap dropped, in stdout mode).
    fn catch_up(&mut self, durable: u64, echo: bool) {
        if self.last.seq >= durable {
            return;
        }
        let entries = match read_entries_from(&self.audit_dir, Sequence(self.last.seq + 1)) {
            Ok(entries) => entries,
            Err(e) => {
                tracing::error!(error = %e, "audit index: cannot read the segments to catch up");
                return;
            }
        };
        let started = Instant::now();
        let from = self.last.seq;
        for entry in entries {
            match entry {
                Ok(entry) if entry.seq.0 > durable => break,
                Ok(entry) => {
                    // The copy skips what it has queued already.
                    if echo && let Some(stdout) = &mut self.stdout {
                        stdout.copy([(entry.seq.0, entry.record.as_str())]);
                    }
                    self.add(
                        entry.seq.0,
                        entry.segment,
                        entry.offset,
                        &entry.record,
                        &[],
                        true,
                    );
                    if self.pending_events >= FLUSH_EVENTS {
                        self.flush();
                    }
                }
                Err(e) => tracing::warn!(error = %e, "audit index: skipping an unreadable record"),
            }
        }
        self.flush();
        tracing::info!(
            from,
            to = self.last.seq,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "audit index caught up"
        );
    }

    /// The newest sequence number indexed or gathered for the next flush.
    fn newest_known(&self) -> u64 {
        self.pending_last.map_or(self.last.seq, |l| l.seq)
    }

    /// Takes a tapped batch.
    fn take_batch(&mut self, batch: Vec<Committed>) {
        let Some(first) = batch.first().map(|c| c.seq.0) else {
            return;
        };
        // The tap dropped batches while this thread lagged: read them back.
        let known = self.newest_known();
        if first > known + 1 {
            self.catch_up(first - 1, true);
        }
        if let Some(stdout) = &mut self.stdout {
            stdout.copy(batch.iter().map(|c| (c.seq.0, c.record.as_str())));
        }
        let n = batch.len();
        for (i, c) in batch.iter().enumerate() {
            self.add(c.seq.0, c.segment, c.offset, &c.record, &c.tags, i + 1 == n);
        }
    }

    /// Files one event's postings in `pending`: from `tags` when the
    /// recorder packed them ([`crate::attrs::pack_postings`]), else from the
    /// record itself. Only the last event of a flush needs the record's hash.
    fn add(&mut self, seq: u64, segment: u64, offset: u64, record: &str, tags: &[u64], last: bool) {
        if seq <= self.newest_known() {
            return; // indexed already (catch-up and tap overlap)
        }
        self.pending_last = Some(LastIndexed {
            seq,
            segment,
            offset,
            hash: if last { record_hash(record) } else { 0 },
        });
        self.pending_events += 1;
        let postings = match unpack_postings(tags) {
            Some(postings) => postings,
            None => match EventView::parse(record) {
                Ok(view) => view.postings(),
                Err(e) => {
                    tracing::warn!(seq, error = %e, "audit index: record is not a trail event; not indexed");
                    return;
                }
            },
        };
        // Kept in the files, but LookupEvents answers per account.
        let Some((time, keys)) = postings else {
            return;
        };
        for key in keys {
            // One row per EventId bucket, not per event: the fingerprint
            // goes with each hit, the row is keyed by the bucket alone.
            let row = PostingKey {
                key: key.key,
                fingerprint: key.fingerprint.map(|_| 0),
            };
            self.pending.entry(row).or_default().push(Hit {
                time,
                seq,
                segment,
                offset,
                fingerprint: key.fingerprint.unwrap_or(0),
            });
        }
    }

    /// Writes `pending` in one transaction and publishes the progress.
    fn flush(&mut self) {
        let Some(last) = self.pending_last else {
            return;
        };
        if let Err(e) = self.write_pending(last) {
            // The events stay in the segments; the next start catches up.
            tracing::error!(error = %e, "audit index: flush failed; these events are indexed on the next start");
            self.progress_frozen = true;
        }
        self.last = last;
        // Published either way: waiting would not bring them back.
        self.progress.publish(last.seq, false);
        self.pending.clear();
        self.pending_last = None;
        self.pending_events = 0;
        if self.last_prune.elapsed() >= PRUNE_INTERVAL {
            self.prune();
        }
    }

    fn write_pending(&mut self, last: LastIndexed) -> Result<(), IndexError> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction()
            .map_err(err(&path, "starting a transaction"))?;
        {
            let mut insert = tx
                .prepare_cached(
                    "INSERT INTO postings(key, max_time, max_seq, min_time, max_segment, entries) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                )
                .map_err(err(&path, "preparing"))?;
            let mut blob = Vec::new();
            for (key, hits) in &mut self.pending {
                hits.sort_unstable();
                let (Some(first), Some(last_hit)) = (hits.first(), hits.last()) else {
                    continue;
                };
                let max_seq = hits.iter().map(|h| h.seq).max().unwrap_or(last_hit.seq);
                let max_segment = hits.iter().map(|h| h.segment).max().unwrap_or(0);
                blob.clear();
                encode(&mut blob, hits, key.fingerprint.is_some());
                insert
                    .execute(params![
                        key.key,
                        last_hit.time,
                        to_i64(max_seq),
                        first.time,
                        to_i64(max_segment),
                        &blob
                    ])
                    .map_err(err(&path, "inserting postings"))?;
            }
            if !self.progress_frozen {
                let mut meta = tx
                    .prepare_cached("INSERT OR REPLACE INTO meta(k, v) VALUES (?1, ?2)")
                    .map_err(err(&path, "preparing"))?;
                for (k, v) in [
                    ("last_seq", to_i64(last.seq)),
                    ("last_segment", to_i64(last.segment)),
                    ("last_offset", to_i64(last.offset)),
                    ("last_hash", last.hash),
                ] {
                    meta.execute(params![k, v])
                        .map_err(err(&path, "writing progress"))?;
                }
            }
        }
        tx.commit().map_err(err(&path, "committing"))
    }

    /// Deletes the rows whose events are all in segments retention deleted.
    fn prune(&mut self) {
        self.last_prune = Instant::now();
        let oldest = match segment_numbers(&self.audit_dir) {
            Ok(numbers) => numbers.first().copied(),
            Err(e) => {
                tracing::warn!(error = %e, "audit index: cannot list segments to prune");
                return;
            }
        };
        let Some(oldest) = oldest else { return };
        if let Err(e) = self.conn.execute(
            "DELETE FROM postings WHERE max_segment < ?1",
            [to_i64(oldest)],
        ) {
            tracing::warn!(error = %e, "audit index: pruning failed");
        }
    }
}

/// Removes an index file and its WAL companions.
fn remove_index_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

/// A record's hash, to recognise it on the next start.
fn record_hash(record: &str) -> i64 {
    let h = crate::attrs::fingerprint(&[record.as_bytes()]);
    i64::from_ne_bytes(h.to_ne_bytes())
}

/// Sequence numbers, segments and offsets stay far below 2^63.
pub(crate) fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

pub(crate) fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

// Entries: sorted by (time, seq); each is time − min_time, seq, segment and
// offset as deltas from the previous entry (zigzag where they can shrink),
// plus the fingerprint in EventId buckets, all LEB128 varints.

fn encode(out: &mut Vec<u8>, hits: &[Hit], with_fingerprint: bool) {
    let Some(min_time) = hits.first().map(|h| h.time) else {
        return;
    };
    let (mut seq, mut segment, mut offset) = (0u64, 0u64, 0u64);
    for hit in hits {
        put(out, hit.time.abs_diff(min_time));
        put(out, zigzag(hit.seq.wrapping_sub(seq)));
        put(out, zigzag(hit.segment.wrapping_sub(segment)));
        put(out, zigzag(hit.offset.wrapping_sub(offset)));
        if with_fingerprint {
            put(out, u64::from(hit.fingerprint));
        }
        (seq, segment, offset) = (hit.seq, hit.segment, hit.offset);
    }
}

/// Decodes a row's entries; `None` for bytes the encoder did not write.
pub(crate) fn decode(mut bytes: &[u8], min_time: i64, with_fingerprint: bool) -> Option<Vec<Hit>> {
    let mut hits = Vec::new();
    let (mut seq, mut segment, mut offset) = (0u64, 0u64, 0u64);
    while !bytes.is_empty() {
        let time = min_time.checked_add(i64::try_from(get(&mut bytes)?).ok()?)?;
        seq = seq.wrapping_add(unzigzag(get(&mut bytes)?));
        segment = segment.wrapping_add(unzigzag(get(&mut bytes)?));
        offset = offset.wrapping_add(unzigzag(get(&mut bytes)?));
        let fingerprint = match with_fingerprint {
            true => u32::try_from(get(&mut bytes)?).ok()?,
            false => 0,
        };
        hits.push(Hit {
            time,
            seq,
            segment,
            offset,
            fingerprint,
        });
    }
    Some(hits)
}

/// A wrapping difference as a small unsigned number when it is small either way.
fn zigzag(d: u64) -> u64 {
    let d = i64::from_ne_bytes(d.to_ne_bytes());
    u64::from_ne_bytes(((d << 1) ^ (d >> 63)).to_ne_bytes())
}

fn unzigzag(z: u64) -> u64 {
    (z >> 1) ^ (z & 1).wrapping_neg()
}

fn put(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn get(bytes: &mut &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let (&b, rest) = bytes.split_first()?;
        *bytes = rest;
        n |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            return Some(n);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A follower that lagged misses batches the bounded tap dropped: the
    /// next batch it gets starts past what it has, and it reads the gap
    /// back from the segments, so nothing goes unindexed.
    #[tokio::test]
    async fn a_gap_in_the_tap_is_read_back_from_the_segments() {
        let tmp = tempfile::tempdir().unwrap();
        let audit = tmp.path().join("audit");
        let index = tmp.path().join("index.db");
        let key = || strongroom_audit::AuditKey::from_bytes(&[7; 32]);
        let log = strongroom_audit::AuditLog::open(&audit, key(), Default::default()).unwrap();
        for i in 1..=10u32 {
            let event = serde_json::json!({
                "eventTime": format!("2026-12-01T00:00:{i:02}Z"),
                "eventSource": "secretsmanager.amazonaws.com",
                "eventName": "GetSecretValue",
                "eventID": format!("e{i}"),
                "readOnly": true,
                "userIdentity": {"type": "IAMUser", "userName": "alice"},
                "recipientAccountId": "111122223333",
            });
            log.append(event).await.unwrap();
        }
        log.close();
        // The tap delivered only 8..=10: 1..=7 were dropped.
        let batch: Vec<Committed> = read_entries_from(&audit, Sequence(8))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                Committed {
                    seq: e.seq,
                    segment: e.segment,
                    offset: e.offset,
                    record: e.record,
                    tags: Vec::new(),
                }
            })
            .collect();
        assert_eq!(batch.len(), 3);
        let progress = Arc::new(Progress::default());
        let mut indexer = Indexer::open(&index, &audit, 0, None, progress).unwrap();
        indexer.take_batch(batch);
        indexer.flush();
        let reader = open_reader(&index).unwrap();
        let query = crate::LookupQuery {
            max_results: 50,
            ..Default::default()
        };
        let page = crate::lookup::lookup(&reader, &index, &audit, "111122223333", &query).unwrap();
        let ids: Vec<_> = page.events.iter().map(|e| e.event_id.as_str()).collect();
        assert_eq!(
            ids,
            ["e10", "e9", "e8", "e7", "e6", "e5", "e4", "e3", "e2", "e1"]
        );
    }

    #[test]
    fn entries_round_trip() {
        let hits = vec![
            Hit {
                time: 100,
                seq: 7,
                segment: 2,
                offset: 900,
                fingerprint: 5,
            },
            Hit {
                time: 100,
                seq: 9,
                segment: 3,
                offset: 200,
                fingerprint: u32::MAX,
            },
            Hit {
                time: 101,
                seq: 8,
                segment: 2,
                offset: 1500,
                fingerprint: 0,
            },
        ];
        for with_fp in [true, false] {
            let mut blob = Vec::new();
            encode(&mut blob, &hits, with_fp);
            let decoded = decode(&blob, 100, with_fp).unwrap_or_default();
            let expected: Vec<Hit> = hits
                .iter()
                .map(|h| Hit {
                    fingerprint: if with_fp { h.fingerprint } else { 0 },
                    ..*h
                })
                .collect();
            assert_eq!(decoded, expected);
        }
        assert_eq!(decode(&[0x80], 0, false), None);
    }
}
