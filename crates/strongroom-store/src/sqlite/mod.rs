//! The embedded SQLite backend: one file in the data directory, WAL mode,
//! `synchronous=FULL` (each commit is fsynced before it is acknowledged).
//!
//! Writes go to one writer thread that drains its queue into a single
//! transaction, each job inside its own SAVEPOINT, and commits once: N
//! concurrent writers cost one fsync (group commit). Reads run on the
//! caller's thread on a pooled read-only connection.

mod schema;
mod tx;

use crate::{ReadTx, Store, StoreError, WriteCompletion, WriteJob};
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::mpsc;
use tx::SqliteTx;

/// Most jobs committed together; bounds the latency of the first in a batch.
const MAX_BATCH: usize = 1024;
/// Read connections kept for reuse.
const MAX_IDLE_READERS: usize = 16;

pub struct SqliteStore {
    path: PathBuf,
    writer: Mutex<Option<mpsc::Sender<WriteJob>>>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    readers: Mutex<Vec<Connection>>,
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
    conn.execute_batch(
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=10000;",
    )
    .map_err(db_err("configuring the connection"))?;
    if read_only {
        conn.execute_batch("PRAGMA query_only=ON;")
            .map_err(db_err("configuring the connection"))?;
    }
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and starts the writer.
    pub fn open(path: &Path) -> Result<SqliteStore, StoreError> {
        let mut conn = open_connection(path, false)?;
        schema::migrate(&mut conn)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
        }
        let (sender, receiver) = mpsc::channel::<WriteJob>();
        let handle = std::thread::Builder::new()
            .name("strongroom-sqlite-writer".into())
            .spawn(move || writer_loop(conn, receiver))
            .map_err(|e| StoreError::Open {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        Ok(SqliteStore {
            path: path.to_owned(),
            writer: Mutex::new(Some(sender)),
            writer_thread: Mutex::new(Some(handle)),
            readers: Mutex::new(Vec::new()),
        })
    }

    /// Stops accepting writes, lets queued ones commit, and joins the writer.
    pub fn close(&self) {
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
    /// The server holds the data directory's lock file, so it is the only
    /// writer of this database.
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
        let result = f(&SqliteTx { conn: &conn });
        let end = conn
            .execute_batch("COMMIT")
            .map_err(db_err("ending a read"));
        if end.is_ok() {
            self.return_reader(conn);
        }
        result.and(end)
    }

    fn submit_write(&self, job: WriteJob) {
        let sender = self.writer.lock().ok().and_then(|w| w.clone());
        let rejected = match sender {
            Some(s) => s.send(job).err().map(|e| e.0),
            None => Some(job),
        };
        if let Some(job) = rejected {
            // Run nothing; tell the caller the store is closed.
            drop(job);
        }
    }
}

fn writer_loop(conn: Connection, receiver: mpsc::Receiver<WriteJob>) {
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match receiver.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run_batch(&conn, batch);
    }
}

/// Runs every job of `batch` in one transaction and reports the commit's
/// outcome to each. A failing job rolls back only its own savepoint.
fn run_batch(conn: &Connection, batch: Vec<WriteJob>) {
    let mut completions: Vec<WriteCompletion> = Vec::with_capacity(batch.len());
    if let Err(e) = conn.execute_batch("BEGIN IMMEDIATE") {
        let err = db_err("starting a write")(e);
        // Each job still has to answer: run none, fail all.
        for job in batch {
            drop(job);
        }
        tracing::error!(error = %err, "cannot start write transaction");
        return;
    }
    for job in batch {
        if conn.execute_batch("SAVEPOINT job").is_err() {
            drop(job);
            continue;
        }
        let mut tx = SqliteTx { conn };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut tx)));
        let (ok, completion) = match outcome {
            Ok(pair) => pair,
            Err(_) => {
                let _ = conn.execute_batch("ROLLBACK TO job; RELEASE job");
                tracing::error!("write job panicked; rolled back");
                continue;
            }
        };
        let end = if ok {
            "RELEASE job"
        } else {
            "ROLLBACK TO job; RELEASE job"
        };
        if let Err(e) = conn.execute_batch(end) {
            completion(Some(db_err("ending a write job")(e)));
            continue;
        }
        completions.push(completion);
    }
    let commit = conn.execute_batch("COMMIT").map_err(db_err("committing"));
    if commit.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let err = commit.err();
    for completion in completions {
        completion(err.clone());
    }
}

#[cfg(test)]
mod tests;
