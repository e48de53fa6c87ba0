//! The appending side: [`AuditLog`], its single writer thread (group
//! commit), rotation, retention, the chain head anchor (`HEAD`), the tap
//! for followers, and recovery when a log is opened.
//!
//! Architecture Invariant: an append resolves `Ok` only after its line is
//! written and (with `sync`) fdatasynced; every append of a batch resolves
//! with the batch's one outcome, and the bytes of a failed batch are taken
//! back out of the file before anything else is written, so a record whose
//! append failed is not followed by records whose appends succeeded.
//!
//! Architecture Invariant: one writer per directory (an exclusive lock on
//! `audit.lock`), and the chain state (next sequence number, last MAC) lives
//! only on the writer thread, advanced only after a batch is durable.
//!
//! Architecture Invariant: `HEAD` and the tap only ever name durable
//! records: both are updated after the batch's fdatasync, never before.
//!
//! Architecture Invariant: with `sync`, the active segment is kept
//! preallocated: zeros are written (and synced) ahead of the chain's end a
//! chunk at a time, and batches overwrite them, so that a batch's
//! fdatasync finds the file size unchanged and writes no inode (measured:
//! ~120 µs instead of ~190 µs per fdatasync on ext4). Without `sync`
//! nothing is preallocated (there is no fdatasync to make cheaper).
//! Everything past
//! `Active::len` is NUL bytes or an unacknowledged batch's; readers stop at
//! a NUL at the start of a line. A segment is cut back to its data when it
//! is closed by rotation and when the log closes; after a crash the newest
//! one may keep its padding.

use crate::error::AuditError;
use crate::format;
use crate::head::{self, ChainEnd, HeadFile};
use crate::key::{AuditKey, GENESIS_MAC, Mac};
use crate::scan;
use crate::{AuditOptions, Sequence};
use serde::Serialize;
use std::fs::{self, File, OpenOptions};
use std::future::Future;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::SystemTime;
use tokio::sync::oneshot;

/// Most records committed together: bounds the first one's wait.
const MAX_BATCH: usize = 4096;
/// Most bytes of records committed together (one `write`).
const MAX_BATCH_BYTES: usize = 16 << 20;
/// The lock file inside the audit directory.
const LOCK_FILE: &str = "audit.lock";
/// The active segment is preallocated this much at a time (see the module
/// docs). Writing and syncing the zeros stalls the writer: 256 KiB kept the
/// p99 of appends near what it was without preallocation, where 1 MiB
/// doubled it, for the same throughput (append_bench, 16 and 64 tasks).
const PREALLOC_CHUNK: u64 = 256 << 10;
/// What preallocation writes from.
static ZEROS: [u8; 1 << 16] = [0; 1 << 16];

/// What the writer thread receives.
enum Msg {
    /// A record to append.
    Append(Job),
    /// Commit what came before, then stop.
    Shutdown,
}

/// One durable record, as the writer hands it to a follower (an index, a
/// copy to stdout) through the tap of [`AuditLog::open_with_tap`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Committed {
    /// Its sequence number.
    pub seq: Sequence,
    /// The segment holding it.
    pub segment: u64,
    /// The byte offset of its line in the segment file (for [`crate::read_at`]).
    pub offset: u64,
    /// The record's JSON, exactly as stored and MACed.
    pub record: String,
    /// The tags it was appended with (empty for [`AuditLog::append_json`]).
    pub tags: Vec<u64>,
}

/// One queued append.
struct Job {
    /// The record's compact JSON, without newline.
    record: Vec<u8>,
    /// Opaque words for the tap's follower (see [`AuditLog::append_json_tagged`]).
    tags: Vec<u64>,
    /// Where its outcome goes.
    done: oneshot::Sender<Result<Sequence, AuditError>>,
}

/// A durable, tamper-evident, append-only log of JSON records in a
/// directory of JSON Lines segments (see the crate docs for the format).
///
/// Appends from any number of tasks are queued to one writer thread, which
/// writes each batch with one positioned `write` (into preallocated space)
/// and one fdatasync and only then
/// resolves every append of the batch. Dropping the log (or [`close`])
/// commits what is queued and stops the writer.
///
/// [`close`]: AuditLog::close
pub struct AuditLog {
    /// The audit directory.
    dir: PathBuf,
    /// The writer's queue. `Sender` is `Sync`, so appends take no lock.
    sender: mpsc::Sender<Msg>,
    /// The writer thread, until `close` joins it.
    writer: Mutex<Option<JoinHandle<()>>>,
    /// The highest sequence number known durable (0: none yet).
    durable: Arc<AtomicU64>,
    /// False from a failed batch until the next one succeeds.
    healthy: Arc<AtomicBool>,
    /// The exclusive lock on `audit.lock`, held until `close` has stopped the writer.
    lock: Mutex<Option<File>>,
}

impl AuditLog {
    /// Opens (creating if needed, mode 0700) the audit directory `dir` and
    /// starts its writer.
    ///
    /// Recovery: the newest segment's chain is checked. A torn last line
    /// (a batch cut short by a crash: none of its appends resolved) is
    /// truncated, and a newest segment without a complete header (a rotation
    /// cut short) is removed; the chain continues from the last intact
    /// record. Any other damage in the newest segment is refused with
    /// [`AuditError::Damaged`] rather than built upon, and so is a chain
    /// that ends before (or differs from) the record `HEAD` names, or
    /// records without a valid `HEAD`: building on a cut-back chain would
    /// launder the cut. `HEAD` is then rewritten to the recovered end (and
    /// synced). Retention is applied.
    pub fn open(dir: &Path, key: AuditKey, options: AuditOptions) -> Result<AuditLog, AuditError> {
        Self::open_inner(dir, key, options, None, false)
    }

    /// [`open`](Self::open), and after each durable batch the writer sends
    /// its records to `tap`, in sequence order. The writer never waits for
    /// the follower: a batch the (bounded) tap has no room for is dropped,
    /// and the follower fills such a gap from the segments. A send to a
    /// follower that is gone is ignored. Records already in the log are not sent: read them with
    /// [`crate::read_entries_from`] up to [`last_durable`](Self::last_durable)
    /// as it is right after opening.
    pub fn open_with_tap(
        dir: &Path,
        key: AuditKey,
        options: AuditOptions,
        tap: mpsc::SyncSender<Vec<Committed>>,
    ) -> Result<AuditLog, AuditError> {
        Self::open_inner(dir, key, options, Some(tap), false)
    }

    fn open_inner(
        dir: &Path,
        key: AuditKey,
        options: AuditOptions,
        tap: Option<mpsc::SyncSender<Vec<Committed>>>,
        reanchor: bool,
    ) -> Result<AuditLog, AuditError> {
        create_dir(dir)?;
        let lock_path = dir.join(LOCK_FILE);
        let lock = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(AuditError::io("creating", &lock_path))?;
        lock.try_lock().map_err(|e| match e {
            fs::TryLockError::WouldBlock => AuditError::Locked {
                dir: dir.to_owned(),
            },
            fs::TryLockError::Error(e) => AuditError::io("locking", &lock_path)(e),
        })?;
        // Read before recovery changes anything.
        let head = head::read(dir, &key);
        let recovered = recover(dir, &key, options.sync)?;
        let checked = head.and_then(|head| {
            let (file, line) = match &recovered.active {
                Some(active) => (active.path.as_path(), active.records + 1),
                None => (dir, 0),
            };
            let end = ChainEnd {
                last_seq: recovered.next_seq - 1,
                last_mac: &recovered.last_mac,
                file,
                line,
            };
            head::check(dir, &key, head.as_ref(), &end)
        });
        if let Err(tamper) = checked {
            if !reanchor {
                return Err(AuditError::Damaged(tamper));
            }
            tracing::error!(finding = %tamper, "audit HEAD re-anchored at the end of the chain as it is, on the operator's request");
        }
        let head_file = HeadFile::open(dir, options.sync)?;
        let head_segment = recovered.active.as_ref().map_or(0, |a| {
            // A segment with a header only: the record is in the one before.
            if a.records == 0 {
                a.number - 1
            } else {
                a.number
            }
        });
        head_file
            .write(
                &key,
                recovered.next_seq - 1,
                &recovered.last_mac,
                head_segment,
            )
            .map_err(AuditError::io("writing", head_file.path()))?;
        if options.sync {
            head_file.sync()?;
        }
        let durable = Arc::new(AtomicU64::new(recovered.next_seq - 1));
        let healthy = Arc::new(AtomicBool::new(true));
        let writer = Writer {
            dir: dir.to_owned(),
            key,
            options,
            active: recovered.active,
            next_segment: recovered.next_segment,
            next_seq: recovered.next_seq,
            last_mac: recovered.last_mac,
            buf: Vec::with_capacity(1 << 16),
            durable: Arc::clone(&durable),
            healthy: Arc::clone(&healthy),
            head: head_file,
            head_failing: false,
            offsets: Vec::new(),
            tap,
        };
        writer.apply_retention();
        let (sender, receiver) = mpsc::channel();
        let handle = std::thread::Builder::new()
            .name("strongroom-audit-writer".into())
            .spawn(move || writer.run(receiver))
            .map_err(AuditError::io("starting the writer thread for", dir))?;
        Ok(AuditLog {
            dir: dir.to_owned(),
            sender,
            writer: Mutex::new(Some(handle)),
            durable,
            healthy,
            lock: Mutex::new(Some(lock)),
        })
    }

    /// Appends `record`; resolves to its sequence number once it is durable,
    /// or to the error that failed its batch (then it is not in the log).
    ///
    /// The record is queued when `append` is called, so appends made one
    /// after the other by one task get increasing sequence numbers; the
    /// future only waits for the outcome, and dropping it does not withdraw
    /// the record.
    pub fn append(&self, record: serde_json::Value) -> Appended {
        self.append_json(&record)
    }

    /// [`append`](Self::append) for any serializable record, without
    /// building a `serde_json::Value` first.
    pub fn append_json<T: Serialize + ?Sized>(&self, record: &T) -> Appended {
        self.append_json_tagged(record, Vec::new())
    }

    /// [`append_json`](Self::append_json) with `tags`: words the log does
    /// not store but hands to the tap's follower with the record
    /// ([`Committed::tags`]), so that it need not parse the record to learn
    /// what its caller already knew (the trail's index keys).
    pub fn append_json_tagged<T: Serialize + ?Sized>(
        &self,
        record: &T,
        tags: Vec<u64>,
    ) -> Appended {
        // Serialized here, on the caller's thread, so that the one writer
        // thread only MACs and copies bytes.
        match encode(record).and_then(|bytes| self.enqueue(bytes, tags)) {
            Ok(outcome) => Appended(AppendedState::Queued(outcome)),
            Err(err) => Appended(AppendedState::Failed(Some(err))),
        }
    }

    fn enqueue(
        &self,
        record: Vec<u8>,
        tags: Vec<u64>,
    ) -> Result<oneshot::Receiver<Result<Sequence, AuditError>>, AuditError> {
        let (done, outcome) = oneshot::channel();
        self.sender
            .send(Msg::Append(Job { record, tags, done }))
            .map_err(|_| AuditError::Closed)?;
        Ok(outcome)
    }

    /// Re-anchors `HEAD` at the end of the chain as it is, for a log that
    /// [`open`](Self::open) refuses because the chain ends before `HEAD` (or
    /// `HEAD` is missing or invalid): once the operator has run `verify` and
    /// recorded its finding, this accepts the cut so that the log can be
    /// opened again. Recovers like `open` (torn tail), logs the finding at
    /// error level, and returns the sequence number anchored. Never called
    /// by the log itself.
    pub fn reanchor(
        dir: &Path,
        key: AuditKey,
        options: AuditOptions,
    ) -> Result<Option<Sequence>, AuditError> {
        let log = Self::open_inner(dir, key, options, None, true)?;
        let last = log.last_durable();
        log.close();
        Ok(last)
    }

    /// The highest sequence number whose append is durable, if any: a reader
    /// of the files (an index) should not go beyond it, since a batch being
    /// written may still fail and be taken back out.
    pub fn last_durable(&self) -> Option<Sequence> {
        match self.durable.load(Ordering::Acquire) {
            0 => None,
            n => Some(Sequence(n)),
        }
    }

    /// False once a batch has failed (nothing of it was acknowledged), true
    /// again once a batch succeeds: for health checks and alerts.
    pub fn is_healthy(&self) -> bool {
        self.healthy.load(Ordering::Acquire)
    }

    /// The audit directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Commits what is queued, stops the writer, waits for it and releases
    /// the directory. Appends made afterwards fail with [`AuditError::Closed`].
    pub fn close(&self) {
        let _ = self.sender.send(Msg::Shutdown);
        let handle = self.writer.lock().ok().and_then(|mut w| w.take());
        if let Some(handle) = handle {
            let _ = handle.join();
        }
        // Only now may another log open the directory.
        if let Ok(mut lock) = self.lock.lock() {
            lock.take();
        }
    }
}

/// The outcome of one [`AuditLog::append`]: resolves once its batch is
/// durable (or failed). Holds no borrow of the log.
#[derive(Debug)]
#[must_use = "the record is queued either way; await this to know it is durable"]
pub struct Appended(AppendedState);

#[derive(Debug)]
enum AppendedState {
    /// Queued; the writer answers here.
    Queued(oneshot::Receiver<Result<Sequence, AuditError>>),
    /// Refused before queueing (taken when polled).
    Failed(Option<AuditError>),
}

impl Future for Appended {
    type Output = Result<Sequence, AuditError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            // A dropped sender means the writer stopped without answering.
            AppendedState::Queued(outcome) => Pin::new(outcome)
                .poll(cx)
                .map(|r| r.unwrap_or(Err(AuditError::Closed))),
            AppendedState::Failed(err) => {
                Poll::Ready(Err(err.take().unwrap_or(AuditError::Closed)))
            }
        }
    }
}

impl Drop for AuditLog {
    fn drop(&mut self) {
        self.close();
    }
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("dir", &self.dir)
            .field("last_durable", &self.last_durable())
            .finish_non_exhaustive()
    }
}

/// A record's bytes as they will be MACed and stored.
fn encode<T: Serialize + ?Sized>(record: &T) -> Result<Vec<u8>, AuditError> {
    let bytes = serde_json::to_vec(record).map_err(|e| AuditError::InvalidRecord {
        reason: e.to_string(),
    })?;
    // Compact serde_json output escapes every control character, but a
    // `RawValue` inside `T` is copied as is: one line per record is the
    // format's one rule, so check it.
    if bytes.contains(&b'\n') {
        return Err(AuditError::InvalidRecord {
            reason: "the serialized record contains a raw newline".to_owned(),
        });
    }
    Ok(bytes)
}

fn create_dir(dir: &Path) -> Result<(), AuditError> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        // The trail says who did what: for the server's user only.
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(AuditError::io("creating the directory", dir))
}

/// Makes a new directory entry durable: without it, a new segment could
/// vanish in a power loss even though its data was fdatasynced.
fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(AuditError::io("syncing the directory", dir))
}

/// Tells whether a path still names the file we wrote (not a copy put in
/// its place).
#[cfg(unix)]
fn file_identity(meta: &fs::Metadata) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    (meta.dev(), meta.ino())
}

#[cfg(not(unix))]
fn file_identity(_meta: &fs::Metadata) -> (u64, u64) {
    (0, 0)
}

/// The segment being appended to.
#[derive(Debug)]
struct Active {
    /// Its number.
    number: u64,
    /// Its path.
    path: PathBuf,
    /// Its length as far as the chain goes: everything up to here is ours
    /// and acknowledged.
    len: u64,
    /// The file's length: `len` plus the NUL padding preallocated after it
    /// (known durable with `sync`).
    allocated: u64,
    /// Preallocate when the padding runs out (with `sync` only); cleared for
    /// the rest of the segment when preallocating failed.
    prealloc: bool,
    /// Records in it; a segment is rotated only once it holds one.
    records: u64,
    /// A failed batch may have left bytes past `len` (its truncation failed
    /// too); they are cut before the next write.
    dirty: bool,
    /// (device, inode) of the file, to notice it being replaced.
    identity: (u64, u64),
    /// The descriptor batches are written through, once the segment has
    /// been opened and checked (see [`Writer::open_active`]).
    file: Option<File>,
}

/// The writer thread's state: the only place the chain advances.
struct Writer {
    dir: PathBuf,
    key: AuditKey,
    options: AuditOptions,
    /// The segment appended to; `None` when the next batch starts a new one
    /// (empty directory, or the active one was removed or changed by someone else).
    active: Option<Active>,
    /// The number the next new segment gets: one above the newest we know.
    next_segment: u64,
    /// The sequence number of the next record.
    next_seq: u64,
    /// The MAC of the last durable record (the genesis MAC before any).
    last_mac: Mac,
    /// The batch being written, reused across batches.
    buf: Vec<u8>,
    /// Shared with [`AuditLog::last_durable`].
    durable: Arc<AtomicU64>,
    /// Shared with [`AuditLog::is_healthy`].
    healthy: Arc<AtomicBool>,
    /// `dir/HEAD`, overwritten after each durable batch.
    head: HeadFile,
    /// HEAD's last update failed (logged once per streak).
    head_failing: bool,
    /// The byte offset of each record line of the batch (kept for the tap only).
    offsets: Vec<u64>,
    /// Where durable records go, if anyone follows.
    tap: Option<mpsc::SyncSender<Vec<Committed>>>,
}

impl Writer {
    fn run(mut self, receiver: mpsc::Receiver<Msg>) {
        let mut jobs: Vec<Job> = Vec::with_capacity(256);
        while let Ok(Msg::Append(first)) = receiver.recv() {
            let mut bytes = first.record.len();
            jobs.push(first);
            let mut shutdown = false;
            // Whatever queued up while the previous batch was syncing goes
            // into this one: N concurrent appends, one fdatasync.
            while jobs.len() < MAX_BATCH && bytes < MAX_BATCH_BYTES {
                match receiver.try_recv() {
                    Ok(Msg::Append(job)) => {
                        bytes += job.record.len();
                        jobs.push(job);
                    }
                    Ok(Msg::Shutdown) => {
                        shutdown = true;
                        break;
                    }
                    Err(_) => break,
                }
            }
            self.commit(&mut jobs);
            if shutdown {
                break;
            }
        }
        // A closed log's segments are plain JSON Lines: the padding goes.
        if let Some(active) = self.active.as_mut() {
            active.trim(self.options.sync);
        }
        // HEAD is overwritten unsynced per batch; a clean close leaves it
        // on the disk.
        if let Err(e) = self.head.sync() {
            tracing::warn!(error = %e, "audit HEAD not synced on close");
        }
        // Appends still queued are dropped with the receiver; their callers
        // see `AuditError::Closed`.
    }

    /// Writes `jobs` as one batch and resolves each with the outcome.
    fn commit(&mut self, jobs: &mut Vec<Job>) {
        match self.write_batch(jobs) {
            Ok(first) => {
                self.healthy.store(true, Ordering::Release);
                let segment = self.active.as_ref().map_or(0, |a| a.number);
                // Before the appends resolve: once a caller is answered,
                // HEAD covers its record (a verify run right after sees it).
                self.update_head(segment);
                let tapping = self.tap.is_some();
                let mut committed = Vec::with_capacity(if tapping { jobs.len() } else { 0 });
                for (i, job) in jobs.drain(..).enumerate() {
                    let seq = Sequence(first + i as u64);
                    let _ = job.done.send(Ok(seq));
                    if let Some(&offset) = self.offsets.get(i).filter(|_| tapping) {
                        committed.push(Committed {
                            seq,
                            segment,
                            offset,
                            // serde_json wrote it: UTF-8, so no copy is made.
                            record: String::from_utf8(job.record).unwrap_or_else(|e| {
                                String::from_utf8_lossy(e.as_bytes()).into_owned()
                            }),
                            tags: job.tags,
                        });
                    }
                }
                if let Some(tap) = &self.tap {
                    // Never waits for the follower: a full tap drops the
                    // batch, and the follower, seeing the gap, reads it
                    // back from the segment. A follower that is gone does
                    // not concern the log either.
                    let _ = tap.try_send(committed);
                }
            }
            Err(err) => {
                self.healthy.store(false, Ordering::Release);
                tracing::error!(error = %err, records = jobs.len(), "audit batch not written; its appends fail");
                for job in jobs.drain(..) {
                    let _ = job.done.send(Err(err.clone()));
                }
            }
        }
    }

    /// Anchors HEAD at the batch just made durable. A failure is logged,
    /// not returned: the batch is durable, and a HEAD left behind only
    /// weakens the truncation check until the next update.
    fn update_head(&mut self, segment: u64) {
        let last = self.next_seq - 1;
        match self.head.write(&self.key, last, &self.last_mac, segment) {
            Ok(()) if self.head_failing => {
                self.head_failing = false;
                tracing::info!(seq = last, "audit HEAD updated again");
            }
            Ok(()) => {}
            Err(e) if !self.head_failing => {
                self.head_failing = true;
                tracing::error!(error = %e, path = %self.head.path().display(), "audit HEAD not updated; it lags behind the chain until an update succeeds");
            }
            Err(_) => {}
        }
    }

    /// Chains, writes and syncs one batch; returns the first sequence number.
    /// The chain state advances only on success.
    fn write_batch(&mut self, jobs: &[Job]) -> Result<u64, AuditError> {
        let file = self.open_active()?;
        let number = match (&file, &self.active) {
            (Some(_), Some(active)) => active.number,
            _ => self.next_segment,
        };
        let first_seq = self.next_seq;
        let mut prev = self.last_mac;
        self.buf.clear();
        self.offsets.clear();
        let base = match (&file, &self.active) {
            (Some(_), Some(active)) => active.len,
            _ => 0,
        };
        if file.is_none() {
            let mac = self.key.header_mac(number, first_seq, &prev);
            format::push_header(&mut self.buf, number, first_seq, &prev, &mac);
        }
        let mut seq = first_seq;
        for job in jobs {
            if self.tap.is_some() {
                self.offsets.push(base + self.buf.len() as u64);
            }
            let mac = self.key.record_mac(&prev, seq, &job.record);
            format::push_record(&mut self.buf, seq, &mac, &job.record);
            prev = mac;
            seq += 1;
        }
        let records = jobs.len() as u64;
        match (file, self.active.as_mut()) {
            (Some(file), Some(active)) => {
                append_to_active(
                    active,
                    file,
                    &self.buf,
                    self.options.sync,
                    self.options.segment_size,
                    records,
                )?;
            }
            _ => self.start_segment(number, records)?,
        }
        self.next_seq = seq;
        self.last_mac = prev;
        self.durable.store(seq - 1, Ordering::Release);
        Ok(first_seq)
    }

    /// Opens the active segment for this batch, or returns `None` when the
    /// batch must start a new segment: none yet, the active one is full, or
    /// it was removed or changed behind our back. A changed segment is left
    /// as it is for `verify` to report, and the chain continues (from the
    /// last MAC we wrote) in the next segment.
    ///
    /// The segment is opened by path and checked once (after a start, a
    /// rotation or a failed batch), then its descriptor is kept: an open,
    /// fstat and close per batch cost more than the batch's own write at
    /// high rates. A segment removed or replaced behind the writer's back
    /// afterwards is not noticed until the next failure or rotation; the
    /// chain and `HEAD` make `verify` report it.
    fn open_active(&mut self) -> Result<Option<File>, AuditError> {
        let segment_size = self.options.segment_size;
        let sync = self.options.sync;
        let Some(active) = self.active.as_mut() else {
            return Ok(None);
        };
        if active.records > 0 && active.len >= segment_size {
            // Closed: cut to its data, so that only the active segment
            // (and, after a crash, the newest) ends in padding.
            active.trim(sync);
            active.file = None;
            return Ok(None);
        }
        if !active.dirty
            && let Some(file) = active.file.take()
        {
            return Ok(Some(file));
        }
        let file = match OpenOptions::new().write(true).open(&active.path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                tracing::warn!(path = %active.path.display(), "the active audit segment was removed; continuing the chain in a new segment");
                self.active = None;
                return Ok(None);
            }
            Err(e) => return Err(AuditError::io("opening", &active.path)(e)),
        };
        let meta = file
            .metadata()
            .map_err(AuditError::io("inspecting", &active.path))?;
        let same_file = file_identity(&meta) == active.identity;
        if same_file && active.dirty && meta.len() > active.len {
            // The rest of a failed batch (none of its appends resolved Ok),
            // and the padding with it.
            file.set_len(active.len).map_err(AuditError::io(
                "truncating a failed batch from",
                &active.path,
            ))?;
            if sync {
                file.sync_data()
                    .map_err(AuditError::io("syncing", &active.path))?;
            }
            active.allocated = active.len;
        } else if !same_file
            || (active.dirty && meta.len() != active.len)
            || (!active.dirty && meta.len() != active.allocated)
        {
            tracing::warn!(
                path = %active.path.display(),
                expected_len = active.len,
                found_len = meta.len(),
                "the active audit segment was changed by someone else; leaving it for verify and continuing the chain in a new segment"
            );
            self.active = None;
            return Ok(None);
        }
        if active.dirty {
            active.allocated = active.len;
        }
        active.dirty = false;
        Ok(Some(file))
    }

    /// Creates segment `number` holding the header and batch in `buf`,
    /// syncs it and its directory entry, makes it the active segment and
    /// applies retention. On failure the new file is removed if possible
    /// (the next attempt overwrites it anyway).
    fn start_segment(&mut self, number: u64, records: u64) -> Result<(), AuditError> {
        let path = self.dir.join(format::segment_file_name(number));
        let created = self.create_segment(&path);
        let identity = match created {
            Ok(identity) => identity,
            Err(err) => {
                let _ = fs::remove_file(&path);
                return Err(err);
            }
        };
        let (identity, allocated, prealloc) = identity;
        self.active = Some(Active {
            number,
            path,
            len: self.buf.len() as u64,
            allocated,
            prealloc,
            records,
            dirty: false,
            identity,
            file: None,
        });
        self.next_segment = number + 1;
        self.apply_retention();
        Ok(())
    }

    /// Creates the file and writes `buf` to it, preallocated (with `sync`)
    /// ahead of that; returns its identity, its length with the padding,
    /// and whether preallocating worked.
    fn create_segment(&self, path: &Path) -> Result<((u64, u64), u64, bool), AuditError> {
        let mut options = OpenOptions::new();
        // A file already at this path is ours: the remains of a failed
        // attempt at this very segment (numbers only grow, and we hold the
        // lock), so it is overwritten.
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options
            .open(path)
            .map_err(AuditError::io("creating", path))?;
        file.write_all(&self.buf)
            .map_err(AuditError::io("writing to", path))?;
        let len = self.buf.len() as u64;
        let mut allocated = len;
        let mut prealloc = true;
        if self.options.sync {
            // Synced with the data below: one metadata write for both.
            let target = prealloc_target(len, len, self.options.segment_size);
            match fill_zeros(&file, len, target) {
                Ok(()) => allocated = target,
                Err(e) => {
                    prealloc = false;
                    tracing::warn!(error = %e, path = %path.display(), "cannot preallocate the new audit segment; appending without");
                    file.set_len(len)
                        .map_err(AuditError::io("truncating the preallocation of", path))?;
                }
            }
            file.sync_data().map_err(AuditError::io("syncing", path))?;
            sync_dir(&self.dir)?;
        }
        let meta = file
            .metadata()
            .map_err(AuditError::io("inspecting", path))?;
        Ok((file_identity(&meta), allocated, prealloc))
    }

    /// Deletes the oldest segments beyond `max_segments`, and those last
    /// written longer than `max_age` ago, never the active one. Deletes only
    /// from the oldest end and stops at the first failure, so the remaining
    /// segments stay contiguous and `verify` sees a retention boundary, not
    /// a gap. Failures are logged, not returned: the records are durable
    /// either way.
    fn apply_retention(&self) {
        let retention = &self.options.retention;
        if retention.max_segments.is_none() && retention.max_age.is_none() {
            return;
        }
        let Some(active) = &self.active else { return };
        let segments = match scan::list_segments(&self.dir) {
            Ok(segments) => segments,
            Err(e) => {
                tracing::warn!(error = %e, dir = %self.dir.display(), "audit retention: cannot list segments");
                return;
            }
        };
        let older: Vec<_> = segments
            .iter()
            .filter(|s| s.number.is_some_and(|n| n < active.number))
            .collect();
        let mut excess = retention
            .max_segments
            .map_or(0, |max| (older.len() + 1).saturating_sub(max.max(1)));
        let now = SystemTime::now();
        let mut removed = false;
        for segment in older {
            let too_old = retention.max_age.is_some_and(|max_age| {
                fs::metadata(&segment.path)
                    .and_then(|m| m.modified())
                    .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > max_age))
            });
            if excess == 0 && !too_old {
                break;
            }
            if let Err(e) = fs::remove_file(&segment.path) {
                tracing::warn!(error = %e, path = %segment.path.display(), "audit retention: cannot delete segment");
                break;
            }
            excess = excess.saturating_sub(1);
            removed = true;
        }
        if removed && self.options.sync && sync_dir(&self.dir).is_err() {
            tracing::warn!(dir = %self.dir.display(), "audit retention: cannot sync the directory");
        }
    }
}

/// Writes the batch `buf` at the end of the active segment's data (into
/// its preallocated space, extending that first when it is too small) and
/// syncs it. On failure, cuts the batch back out, with the padding (or
/// leaves that to the next batch).
fn append_to_active(
    active: &mut Active,
    file: File,
    buf: &[u8],
    sync: bool,
    segment_size: u64,
    records: u64,
) -> Result<(), AuditError> {
    let end = active.len + buf.len() as u64;
    if sync && active.prealloc && end > active.allocated {
        active.preallocate(&file, end, segment_size);
    }
    let written =
        write_at(&file, buf, active.len).map_err(AuditError::io("writing to", &active.path));
    let synced = written.and_then(|()| {
        if sync {
            file.sync_data()
                .map_err(AuditError::io("syncing", &active.path))
        } else {
            Ok(())
        }
    });
    if let Err(err) = synced {
        active.dirty = true;
        if file.set_len(active.len).is_ok() && (!sync || file.sync_data().is_ok()) {
            active.dirty = false;
            active.allocated = active.len;
        }
        return Err(err);
    }
    active.len = end;
    active.allocated = active.allocated.max(end);
    active.records += records;
    active.file = Some(file);
    Ok(())
}

/// Where preallocation should extend a segment to hold data up to `end`:
/// the next chunk boundary, but not beyond `segment_size` (the segment
/// rotates there), and at least `end`. `len` is where the data ends now.
fn prealloc_target(len: u64, end: u64, segment_size: u64) -> u64 {
    let chunked = end.div_ceil(PREALLOC_CHUNK).saturating_mul(PREALLOC_CHUNK);
    // A segment that has reached its size takes no more batches.
    let cap = if len >= segment_size {
        end
    } else {
        segment_size
    };
    chunked.min(cap).max(end)
}

/// Writes NUL bytes over `from..to` of `file` (not synced).
fn fill_zeros(file: &File, from: u64, to: u64) -> io::Result<()> {
    let mut at = from;
    while at < to {
        let n = (to - at).min(ZEROS.len() as u64);
        write_at(file, &ZEROS[..n as usize], at)?;
        at += n;
    }
    Ok(())
}

/// One positioned write of all of `buf` at `offset`.
#[cfg(unix)]
fn write_at(file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.write_all_at(buf, offset)
}

#[cfg(not(unix))]
fn write_at(mut file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    file.seek(SeekFrom::Start(offset))?;
    file.write_all(buf)
}

impl Active {
    /// Extends the preallocated space to hold data up to `end`, writing
    /// zeros and syncing them: the one metadata update per chunk. On
    /// failure (no space, a file size limit), preallocation stops for this
    /// segment and the batch extends the file as it is written.
    fn preallocate(&mut self, file: &File, end: u64, segment_size: u64) {
        let target = prealloc_target(self.len, end, segment_size);
        let filled = fill_zeros(file, self.allocated, target).and_then(|()| file.sync_data());
        match filled {
            Ok(()) => self.allocated = target,
            Err(e) => {
                tracing::warn!(error = %e, path = %self.path.display(), "cannot preallocate the active audit segment; appending without for the rest of it");
                self.prealloc = false;
                // Zeros are harmless past `len`, but the file must have the
                // length we expect when it is next opened by path.
                match file.set_len(self.allocated) {
                    Ok(()) => {}
                    Err(_) => self.dirty = true,
                }
            }
        }
    }

    /// Cuts the segment back to its data (dropping the padding, and any
    /// failed batch's remains) and syncs that; a failure is logged (readers
    /// stop at the padding anyway).
    fn trim(&mut self, sync: bool) {
        if self.allocated == self.len && !self.dirty {
            return;
        }
        let file = match self.file.take() {
            Some(file) => Ok(file),
            None => OpenOptions::new()
                .write(true)
                .open(&self.path)
                .and_then(|file| {
                    let same = file
                        .metadata()
                        .map(|m| file_identity(&m) == self.identity)?;
                    if same {
                        Ok(file)
                    } else {
                        Err(io::Error::other("the segment was replaced"))
                    }
                }),
        };
        let trimmed = file.and_then(|file| {
            file.set_len(self.len)?;
            if sync {
                file.sync_data()?;
            }
            self.file = Some(file);
            Ok(())
        });
        match trimmed {
            Ok(()) => {
                self.allocated = self.len;
                self.dirty = false;
            }
            Err(e) => {
                tracing::warn!(error = %e, path = %self.path.display(), "cannot cut the padding from an audit segment; readers stop at it");
            }
        }
    }
}

/// The writer's starting state, recovered from the newest segment.
struct Recovered {
    active: Option<Active>,
    next_segment: u64,
    next_seq: u64,
    last_mac: Mac,
}

/// Finds where the chain ends (see [`AuditLog::open`]).
fn recover(dir: &Path, key: &AuditKey, sync: bool) -> Result<Recovered, AuditError> {
    let mut numbered: Vec<(u64, PathBuf)> = scan::list_segments(dir)
        .map_err(AuditError::io("listing", dir))?
        .into_iter()
        .filter_map(|s| s.number.map(|n| (n, s.path)))
        .collect();
    while let Some((number, path)) = numbered.pop() {
        let scan = scan::scan_segment(&path, number, key, None, None)?;
        if scan.header.is_none() {
            // A rotation cut short before its first write completed: no
            // append in it resolved, and the previous segment still ends
            // the chain. Without a previous segment, only segment 1 can
            // start over from the genesis; a later one's continuation was
            // in the header that is lost.
            if numbered.is_empty() && number > 1 {
                return Err(AuditError::Unrecoverable {
                    dir: dir.to_owned(),
                    reason: "the only segment left has no complete header",
                });
            }
            fs::remove_file(&path)
                .map_err(AuditError::io("removing the incomplete segment", &path))?;
            if sync {
                sync_dir(dir)?;
            }
            tracing::warn!(path = %path.display(), "removed an audit segment without a complete header (interrupted rotation)");
            continue;
        }
        if let Some(line) = scan.torn_line {
            let file = OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(AuditError::io("opening", &path))?;
            file.set_len(scan.valid_len)
                .map_err(AuditError::io("truncating a torn line from", &path))?;
            if sync {
                file.sync_data().map_err(AuditError::io("syncing", &path))?;
            }
            tracing::warn!(path = %path.display(), line, "truncated a torn last line (a batch cut short; none of its appends was acknowledged)");
        }
        let meta = fs::metadata(&path).map_err(AuditError::io("inspecting", &path))?;
        // Padding left by a crash (or a failed trim) is used again; past
        // `valid_len` the file is all zeros now (a torn line was cut).
        return Ok(Recovered {
            active: Some(Active {
                number,
                path,
                len: scan.valid_len,
                allocated: meta.len(),
                prealloc: true,
                records: scan.records,
                dirty: false,
                identity: file_identity(&meta),
                file: None,
            }),
            next_segment: number + 1,
            next_seq: scan.last_seq + 1,
            last_mac: scan.last_mac,
        });
    }
    Ok(Recovered {
        active: None,
        next_segment: 1,
        next_seq: 1,
        last_mac: GENESIS_MAC,
    })
}
