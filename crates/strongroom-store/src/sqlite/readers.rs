//! The reader threads behind `Store::submit_read`: a few threads, each with
//! its own read-only connection, take jobs from one queue. Async callers
//! hand a read over and await its answer, so a slow SQLite read stalls one
//! of these threads, never a tokio worker; and the number of concurrent
//! reads (and connections) is bounded by the number of threads.

use super::{db_err, open_connection, tx::SqliteTx};
use crate::{ReadJob, StoreError};
use rusqlite::Connection;
use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::thread::JoinHandle;

/// Reader threads: twice the cores (reads also wait on the disk), 4 to 16.
pub(super) fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(4, |n| n.get() * 2)
        .clamp(4, 16)
}

pub(super) struct Readers {
    queue: Arc<Queue>,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

struct Queue {
    state: Mutex<State>,
    ready: Condvar,
}

#[derive(Default)]
struct State {
    jobs: VecDeque<ReadJob>,
    closed: bool,
}

impl Readers {
    pub(super) fn start(path: &Path, threads: usize) -> Result<Readers, StoreError> {
        let queue = Arc::new(Queue {
            state: Mutex::new(State::default()),
            ready: Condvar::new(),
        });
        let readers = Readers {
            queue: queue.clone(),
            threads: Mutex::new(Vec::with_capacity(threads)),
        };
        for i in 0..threads.max(1) {
            let (queue, own_path) = (queue.clone(), path.to_owned());
            let spawned = std::thread::Builder::new()
                .name(format!("strongroom-sqlite-reader-{i}"))
                .spawn(move || reader_loop(&queue, &own_path));
            match spawned {
                Ok(handle) => readers
                    .threads
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(handle),
                Err(e) => {
                    readers.close();
                    return Err(StoreError::Open {
                        path: path.display().to_string(),
                        message: format!("starting a reader thread: {e}"),
                    });
                }
            }
        }
        Ok(readers)
    }

    /// Queues `job`; after [`close`](Self::close) it is told the store is closed.
    pub(super) fn submit(&self, job: ReadJob) {
        let mut state = self.queue.lock();
        if state.closed {
            drop(state);
            job(Err(StoreError::Closed));
            return;
        }
        state.jobs.push_back(job);
        drop(state);
        self.queue.ready.notify_one();
    }

    /// Lets queued reads finish, then stops and joins the threads (except
    /// the calling one, if a read's closure dropped the last handle).
    pub(super) fn close(&self) {
        self.queue.lock().closed = true;
        self.queue.ready.notify_all();
        let threads =
            std::mem::take(&mut *self.threads.lock().unwrap_or_else(PoisonError::into_inner));
        let me = std::thread::current().id();
        for handle in threads {
            if handle.thread().id() != me {
                let _ = handle.join();
            }
        }
    }
}

impl Queue {
    /// The queue's lock. A poisoned lock only means a thread panicked while
    /// holding it; the queue itself is still consistent.
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next job, or `None` once closed and drained.
    fn next(&self) -> Option<ReadJob> {
        let mut state = self.lock();
        loop {
            if let Some(job) = state.jobs.pop_front() {
                return Some(job);
            }
            if state.closed {
                return None;
            }
            state = self
                .ready
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

fn reader_loop(queue: &Queue, path: &Path) {
    // Opened on first use, and again after a failure.
    let mut conn: Option<Connection> = None;
    while let Some(job) = queue.next() {
        let c = match conn.take() {
            Some(c) => c,
            None => match open_connection(path, true) {
                Ok(c) => c,
                Err(e) => {
                    job(Err(e));
                    continue;
                }
            },
        };
        if let Err(e) = c.execute_batch("BEGIN").map_err(db_err("starting a read")) {
            job(Err(e));
            continue;
        }
        // `read_async` catches a closure's panic; this keeps the thread
        // alive should a job given to `submit_read` directly panic.
        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            job(Ok(&SqliteTx {
                conn: &c,
                scrub: None,
                // Listing pages run through `read` (the store's own limits);
                // a listing given to these threads gets the defaults.
                listing: super::ListingLimits::default(),
            }))
        }));
        if ran.is_err() {
            tracing::error!("a read job panicked");
        }
        // Ending a read-only transaction cannot undo what it read; a
        // connection that cannot end one is replaced.
        match c.execute_batch("COMMIT") {
            Ok(()) => conn = Some(c),
            Err(e) => tracing::warn!(error = %e, "ending a read failed; reopening the connection"),
        }
    }
}
