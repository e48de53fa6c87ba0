//! The audit log's error: what failed and on which file. Cloneable, because
//! one failed batch hands the same error to every append in it.

use crate::verify::Tamper;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why opening, appending to or reading the audit log failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AuditError {
    /// A file system operation failed (read-only or removed file, full disk,
    /// I/O error). For an append, nothing of its batch was acknowledged;
    /// later appends try again.
    #[error("audit log: {what} {}: {source}", .path.display())]
    Io {
        /// The operation, as a gerund phrase ("writing to", "syncing").
        what: &'static str,
        /// The file or directory it was applied to.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: Arc<io::Error>,
    },
    /// Another process (or another `AuditLog` in this one) has the directory open.
    #[error("audit log {}: already open in another process or handle", .dir.display())]
    Locked {
        /// The audit directory.
        dir: PathBuf,
    },
    /// The newest segment's chain is broken, or the chain ends before (or
    /// differs from) what `HEAD` says was durable, so the log refuses to
    /// append to it (run `verify` for the whole picture).
    #[error(
        "audit log cannot continue a damaged chain: {0} (run `strongroom admin audit verify` for the whole picture)"
    )]
    Damaged(#[from] Tamper),
    /// The newest segment has no complete header and no older segment
    /// remains to continue the chain from.
    #[error("audit log {}: cannot continue the chain: {reason}", .dir.display())]
    Unrecoverable {
        /// The audit directory.
        dir: PathBuf,
        /// What is missing.
        reason: &'static str,
    },
    /// The record cannot be stored as one JSON line.
    #[error("audit record rejected: {reason}")]
    InvalidRecord {
        /// Why (serde_json's message, which does not echo values).
        reason: String,
    },
    /// A line the reader cannot parse.
    #[error("audit segment {}, line {line}: {reason}", .path.display())]
    Malformed {
        /// The segment file.
        path: PathBuf,
        /// 1-based line number.
        line: u64,
        /// Which part failed to parse.
        reason: &'static str,
    },
    /// The log was closed (or its writer thread is gone); nothing was written.
    #[error("the audit log is closed")]
    Closed,
}

impl AuditError {
    /// True for an [`AuditError::Io`] whose file was not found (e.g. a
    /// segment deleted by retention).
    pub fn is_not_found(&self) -> bool {
        matches!(self, AuditError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }

    /// An [`AuditError::Io`] for `what` on `path`.
    pub(crate) fn io(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> AuditError {
        let path = path.to_owned();
        move |source| AuditError::Io {
            what,
            path,
            source: Arc::new(source),
        }
    }
}
