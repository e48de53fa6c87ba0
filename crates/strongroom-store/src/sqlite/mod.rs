//! The embedded SQLite backend: one file in the data directory, WAL mode,
//! `synchronous=FULL` (each commit is fsynced before it is acknowledged).
//!
//! Writes go to one writer thread that drains its queue into a single
//! transaction, each job inside its own SAVEPOINT, and commits once: N
//! concurrent writers cost one fsync (group commit). Reads submitted with
//! `submit_read` (`read_async`) run on a few reader threads
//! (`readers.rs`), each with its own read-only connection; `read_dyn` runs
//! on the caller's thread on a pooled read-only connection.

mod grants;
mod iam;
mod kms;
mod listing;
mod probe;
mod readers;
pub mod rewrap;
mod rotation;
mod schema;
mod tx;
mod words;

pub use listing::ListingLimits;

use crate::{ReadJob, ReadTx, Store, StoreError, WriteCompletion, WriteJob};
use probe::Probe;
use rusqlite::Connection;
use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use tx::SqliteTx;

/// Most jobs committed together; bounds the latency of the first in a batch.
const MAX_BATCH: usize = 1024;
/// Read connections kept for reuse.
const MAX_IDLE_READERS: usize = 16;
/// Prepared statements kept per connection (see `connect`).
const STATEMENT_CACHE_CAPACITY: usize = 256;

/// The exclusive lock on a database's `<db>.lock` file.
#[derive(Debug)]
pub struct StoreLock(std::fs::File);

pub struct SqliteStore {
    path: PathBuf,
    /// An exclusive lock on `<db>.lock`, held while the store is open: one
    /// process writes this database, which is what lets the service cache
    /// reads (`exclusive_writer`).
    _lock: std::fs::File,
    writer: Mutex<Option<mpsc::Sender<WriteJob>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// Idle connections for `read_dyn` (reads on the caller's thread).
    readers: Mutex<Vec<Connection>>,
    /// Shared with the writer thread; see `probe.rs`.
    #[cfg_attr(not(test), allow(dead_code))]
    probe: Arc<Probe>,
    listing: ListingLimits,
    /// The reader threads of `submit_read`.
    reader_threads: readers::Readers,
}

fn db_err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::Database {
        context,
        message: e.to_string(),
    }
}

fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    let conn = Connection::open(path).map_err(|e| StoreError::Open {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    // secure_delete: deleted rows (a purged secret's ciphertext and
    // wrapped keys) are overwritten with zeros, not left in free space.
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000; PRAGMA secure_delete=ON;",
    )
    .map_err(db_err("configuring the connection"))?;
    if read_only {
        conn.execute_batch("PRAGMA query_only=ON;")
            .map_err(db_err("configuring the connection"))?;
    }
    // Every statement the store runs stays prepared: about 150 distinct
    // ones (secrets, IAM, KMS, grants, rotation, listings), and an LRU
    // smaller than the set they cycle through re-parses on every miss.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and starts the writer.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        SqliteStore::open_locked(path, SqliteStore::lock(path)?)
    }

    /// Takes the database's lock (`<db>.lock`, exclusive, held until the
    /// returned lock or the store opened with it is dropped), without
    /// opening it: start-up checks the root key in between.
    pub fn lock(path: &Path) -> Result<StoreLock, StoreError> {
        let lock_path = path.with_extension("lock");
        let open_err = |message: String| StoreError::Open {
            path: path.display().to_string(),
            message,
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| open_err(format!("creating {}: {e}", lock_path.display())))?;
        lock.try_lock().map_err(|_| {
            open_err("another process (a strongroom server?) has this database open".to_owned())
        })?;
        Ok(StoreLock(lock))
    }

    /// [`open`](Self::open) with the lock already taken by [`lock`](Self::lock).
    pub fn open_locked(path: &Path, lock: StoreLock) -> Result<SqliteStore, StoreError> {
        let lock = lock.0;
        let mut conn = open_connection(path, false)?;
        schema::migrate(&mut conn)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        let reader_threads = readers::Readers::start(path, readers::default_threads())?;
        let (sender, receiver) = mpsc::channel::<WriteJob>();
        let probe = Arc::new(Probe::default());
        let writer_probe = probe.clone();
        let handle = std::thread::Builder::new()
            .name("strongroom-sqlite-writer".into())
            .spawn(move || writer_loop(conn, receiver, &writer_probe))
            .map_err(|e| {
                reader_threads.close();
                StoreError::Open {
                    path: path.display().to_string(),
                    message: e.to_string(),
                }
            })?;
        Ok(SqliteStore {
            path: path.to_owned(),
            _lock: lock,
            writer: Mutex::new(Some(sender)),
            writer_thread: Mutex::new(Some(handle)),
            readers: Mutex::new(Vec::new()),
            probe,
            reader_threads,
            listing: ListingLimits::default(),
        })
    }

    /// Bounds the work of one listing page differently (tests use small
    /// bounds to take every path on little data).
    pub fn with_listing_limits(mut self, limits: ListingLimits) -> SqliteStore {
        self.listing = limits;
        self
    }

    /// Stops accepting writes, lets queued ones commit, and joins the writer;
    /// lets queued reads finish and joins the reader threads.
    pub fn close(&self) {
        self.reader_threads.close();
        if let Ok(mut w) = self.writer.lock() {
            w.take();
        }
        if let Ok(mut t) = self.writer_thread.lock()
            && let Some(handle) = t.take()
        {
            let _ = handle.join();
        }
    }

    fn take_reader(&self) -> Result<Connection, StoreError> {
        if let Some(c) = self.readers.lock().ok().and_then(|mut r| r.pop()) {
            return Ok(c);
        }
        open_connection(&self.path, true)
    }

    fn return_reader(&self, conn: Connection) {
        if let Ok(mut r) = self.readers.lock()
            && r.len() < MAX_IDLE_READERS
        {
            r.push(conn);
        }
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        self.close();
    }
}

impl Store for SqliteStore {
    /// `open` took the database's lock file, so this is its only writer.
    fn exclusive_writer(&self) -> bool {
        true
    }

    fn read_dyn(
        &self,
        f: &mut dyn FnMut(&dyn ReadTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let conn = self.take_reader()?;
        // A deferred transaction gives the closure's queries one snapshot.
        conn.execute_batch("BEGIN")
            .map_err(db_err("starting a read"))?;
        let result = f(&SqliteTx {
            conn: &conn,
            scrub: None,
            listing: self.listing,
        });
        let end = conn
            .execute_batch("COMMIT")
            .map_err(db_err("ending a read"));
        if end.is_ok() {
            self.return_reader(conn);
        }
        result.and(end)
    }

    fn submit_read(&self, job: ReadJob) {
        self.reader_threads.submit(job);
    }

    fn submit_write(&self, job: WriteJob) {
        // After `close` (or if the writer died) the job is dropped unrun,
        // and its caller sees `StoreError::Closed`.
        if let Some(sender) = self.writer.lock().ok().and_then(|w| w.clone()) {
            let _ = sender.send(job);
        }
    }
}

fn writer_loop(conn: Connection, receiver: mpsc::Receiver<WriteJob>, probe: &Probe) {
    // Set while deleted ciphertext may still sit in the WAL.
    let scrub = Cell::new(false);
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        probe.before_batch(&conn);
        run_batch(&conn, batch, &scrub, probe);
    }
}

/// Copies the WAL into the database and truncates it to nothing, so the
/// page images it held (a deleted secret's ciphertext among them) are no
/// longer in the data directory. Clears `scrub` once that is done; readers
/// holding an old snapshot can delay it to a later batch.
fn scrub_wal(conn: &Connection, scrub: &Cell<bool>) {
    let outcome = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    });
    match outcome {
        Ok(0) => scrub.set(false),
        Ok(_) => tracing::warn!(
            "WAL checkpoint after a delete was blocked by readers; retrying after the next write"
        ),
        Err(e) => {
            tracing::warn!(error = %e, "WAL checkpoint after a delete failed; retrying after the next write")
        }
    }
}

/// Runs every job of `batch` in one transaction and reports the commit's
/// outcome to each. A failing job rolls back only its own savepoint.
///
/// If the transaction itself is lost mid-batch (SQLite rolls back on its own
/// after I/O or disk-full errors, or a savepoint cannot be ended), every job
/// in it so far is told it failed, and the rest of the batch starts a fresh
/// transaction: nothing is ever reported failed that was committed, or
/// committed that was reported failed.
///
/// When a job deleted a secret, the WAL is checkpointed and truncated after
/// the commit and before anyone is answered (`scrub_wal`).
fn run_batch(conn: &Connection, batch: Vec<WriteJob>, scrub: &Cell<bool>, probe: &Probe) {
    let mut open: Vec<WriteCompletion> = Vec::with_capacity(batch.len());
    let mut in_tx = false;
    for job in batch {
        if !in_tx {
            if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
                // The job is dropped unrun; its caller sees the store as failed.
                tracing::error!(error = %db_err("starting a write")(e), "cannot start write transaction");
                continue;
            }
            in_tx = true;
        }
        if let Err(e) = conn.execute_batch("SAVEPOINT job") {
            abandon(conn, &mut open, db_err("starting a write job")(e));
            in_tx = false;
            continue;
        }
        let mut tx = SqliteTx {
            conn,
            scrub: Some(scrub),
            listing: ListingLimits::default(),
        };
        // `write_then` catches its closure's panics; this catches the rest.
        let (ok, completion) =
            match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut tx))) {
                Ok(pair) => pair,
                Err(_) => {
                    tracing::error!("write job panicked; rolling it back");
                    if conn.execute_batch("ROLLBACK TO job; RELEASE job").is_err()
                        || conn.is_autocommit()
                    {
                        abandon(conn, &mut open, StoreError::JobPanicked);
                        in_tx = false;
                    }
                    continue;
                }
            };
        let end = if ok {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        let ended = conn
            .execute_batch(end)
            .map_err(db_err("ending a write job"));
        // `is_autocommit` means SQLite already rolled the whole transaction back.
        match ended {
            Ok(()) if !conn.is_autocommit() => open.push(completion),
            Ok(()) => {
                let err = StoreError::Database {
                    context: "running a write",
                    message: "the transaction was rolled back by the database".to_owned(),
                };
                open.push(completion);
                abandon(conn, &mut open, err);
                in_tx = false;
            }
            Err(err) => {
                open.push(completion);
                abandon(conn, &mut open, err);
                in_tx = false;
            }
        }
    }
    if in_tx {
        probe.before_commit(conn);
        let commit = conn.execute_batch("COMMIT").map_err(db_err("committing"));
        if commit.is_err() && !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        if commit.is_ok() {
            probe.committed();
        }
        let err = commit.err();
        if scrub.get() {
            scrub_wal(conn, scrub);
        }
        for completion in open.drain(..) {
            completion(err.clone());
        }
    }
}

/// Rolls back the open transaction (if SQLite has not already) and fails
/// every job that was part of it.
fn abandon(conn: &Connection, open: &mut Vec<WriteCompletion>, err: StoreError) {
    if !conn.is_autocommit() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    tracing::error!(error = %err, jobs = open.len(), "write transaction abandoned");
    for completion in open.drain(..) {
        completion(Some(err.clone()));
    }
}

#[cfg(test)]
mod tests;
