//! [`Trail`]: the audit log, its optional copy to stdout, and the
//! LookupEvents index kept by a follower thread.

use crate::attrs;
use crate::event::TrailEvent;
use crate::index::{self, IndexError, Indexer, Progress};
use crate::lookup::{self, LookupError, LookupPage, LookupQuery};
use crate::stdout::StdoutCopy;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;
use std::time::Duration;
use strongroom_audit::{Appended, AuditError, AuditKey, AuditLog, AuditOptions};

/// How long a lookup waits for the index to reach what was durable when it
/// was asked (then it answers from what is indexed).
const CATCH_UP_WAIT: Duration = Duration::from_secs(2);

/// Where durable records go besides the audit files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AuditMode {
    /// The audit files only.
    #[default]
    File,
    /// The files, and each durable record's JSON (the [`TrailEvent`]) as
    /// one line on stdout, for log shippers.
    Stdout,
}

/// How a [`Trail`] stores.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrailOptions {
    /// Files only, or files and stdout.
    pub mode: AuditMode,
    /// The audit log's rotation, retention and sync.
    pub audit: AuditOptions,
    /// How many batches the tap holds for the index follower before it
    /// drops them (the follower then reads them back from the segments);
    /// `None`: 1024.
    pub tap_batches: Option<usize>,
}

/// Why a trail could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum TrailError {
    /// The audit log refused to open.
    #[error(transparent)]
    Audit(#[from] AuditError),
    /// The index could not be opened, even afresh.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// The follower thread could not be started.
    #[error("starting the audit index thread: {0}")]
    Thread(#[source] std::io::Error),
}

/// The CloudTrail trail: records events durably, copies them to stdout if
/// asked, and answers LookupEvents from an index a follower thread keeps.
pub struct Trail {
    log: AuditLog,
    audit_dir: PathBuf,
    index_path: PathBuf,
    /// Lookups' connection (WAL: they read while the follower writes).
    reader: Mutex<Connection>,
    progress: Arc<Progress>,
    /// Wakes the follower at once (a lookup waiting); dropped on close so
    /// that the follower ends.
    nudge: Mutex<Option<mpsc::Sender<u64>>>,
    follower: Mutex<Option<JoinHandle<()>>>,
}

/// Batches the tap holds for the follower (a batch is one group commit,
/// typically tens of records; the follower takes them every 250 ms).
const TAP_BATCHES: usize = 4096;

impl Trail {
    /// Opens the trail: the audit log in `audit_dir` (`DATA_DIR/audit`) and
    /// the index at `index_path` (`DATA_DIR/audit-index.db`), which is
    /// created, or rebuilt when missing, corrupt or of another trail. The
    /// follower first indexes what the index lacks (in the background:
    /// lookups meanwhile wait up to 2 s, then answer from what is indexed).
    pub fn open(
        audit_dir: &Path,
        index_path: &Path,
        key: AuditKey,
        options: TrailOptions,
    ) -> Result<Trail, TrailError> {
        // Bounded: a follower that lags costs no memory beyond this; the
        // batches it misses it reads back from the segments.
        let (tap, tapped) = mpsc::sync_channel(options.tap_batches.unwrap_or(TAP_BATCHES));
        let (nudge, nudges) = mpsc::channel();
        let log = AuditLog::open_with_tap(audit_dir, key, options.audit, tap)?;
        let durable = log.last_durable().map_or(0, |s| s.0);
        let progress = Arc::new(Progress::default());
        let stdout = match options.mode {
            AuditMode::Stdout => Some(StdoutCopy::start(durable).map_err(TrailError::Thread)?),
            AuditMode::File => None,
        };
        let indexer = Indexer::open(
            index_path,
            audit_dir,
            durable,
            stdout,
            Arc::clone(&progress),
        )?;
        let reader = index::open_reader(index_path)?;
        let follower = std::thread::Builder::new()
            .name("audit-index".into())
            .spawn(move || indexer.run(tapped, nudges, durable))
            .map_err(TrailError::Thread)?;
        Ok(Trail {
            log,
            audit_dir: audit_dir.to_owned(),
            index_path: index_path.to_owned(),
            reader: Mutex::new(reader),
            progress,
            nudge: Mutex::new(Some(nudge)),
            follower: Mutex::new(Some(follower)),
        })
    }

    /// Queues `event`; the returned future resolves once it is durable.
    pub fn record(&self, event: &TrailEvent) -> Appended {
        // The index keys are computed here, from the struct, rather than
        // by the follower parsing the record back.
        let tags = attrs::pack_postings(attrs::EventView::of(event).postings());
        self.log.append_json_tagged(event, tags)
    }

    /// False while the audit log cannot write (see [`AuditLog::is_healthy`]).
    pub fn is_healthy(&self) -> bool {
        self.log.is_healthy()
    }

    /// Answers LookupEvents for `account`. Blocking (run it with
    /// `spawn_blocking`): waits up to 2 s for the index to reach what was
    /// durable when called, then answers from the index and the segments.
    pub fn lookup(&self, account: &str, query: &LookupQuery) -> Result<LookupPage, LookupError> {
        if let Some(durable) = self.log.last_durable() {
            if let Ok(nudge) = self.nudge.lock()
                && let Some(nudge) = nudge.as_ref()
            {
                let _ = nudge.send(durable.0);
            }
            if !self.progress.wait_for(durable.0, CATCH_UP_WAIT) {
                tracing::warn!(
                    durable = durable.0,
                    "audit index is behind; LookupEvents answers from what is indexed"
                );
            }
        }
        let conn = self
            .reader
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        lookup::lookup(&conn, &self.index_path, &self.audit_dir, account, query)
    }

    /// The audit log (its directory, `last_durable`, …).
    pub fn log(&self) -> &AuditLog {
        &self.log
    }

    /// Commits and indexes what is queued, then stops the writer and the
    /// follower. Records made afterwards fail; lookups still answer.
    pub fn close(&self) {
        self.log.close();
        if let Ok(mut nudge) = self.nudge.lock() {
            nudge.take();
        }
        let follower = self.follower.lock().ok().and_then(|mut f| f.take());
        if let Some(follower) = follower {
            let _ = follower.join();
        }
    }
}

impl Drop for Trail {
    fn drop(&mut self) {
        self.close();
    }
}
