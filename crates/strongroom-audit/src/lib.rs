//! The audit trail's storage: a durable, tamper-evident, append-only log of
//! JSON records, one line each, in a directory of JSON Lines segments.
//!
//! Records are opaque JSON values here; the caller guarantees they hold no
//! secrets. This crate knows nothing of CloudTrail, HTTP or the store.
//!
//! # On disk
//!
//! `dir/000000000001.jsonl`, `dir/000000000002.jsonl`, … (the segment
//! number, zero padded to 12 digits), plus `dir/audit.lock` and the chain
//! head anchor `dir/HEAD`. Each segment starts with a header line, then one
//! line per record:
//!
//! ```text
//! {"strongroom_audit":1,"segment":2,"first_seq":5001,"prev_mac":"<64 hex>","mac":"<64 hex>"}
//! {"seq":5001,"mac":"<64 hex>","record":{...}}
//! ```
//!
//! - `record` is the record's compact JSON, and exactly those bytes are MACed.
//! - Record MAC: `HMAC-SHA-256(key, prev_mac ‖ seq as u64 big-endian ‖ record bytes)`,
//!   `prev_mac` being the previous record's MAC, in this segment or the one
//!   before (32 zero bytes before record 1). Sequence numbers start at 1 and
//!   have no gaps.
//! - Header MAC: `HMAC-SHA-256(key, "strongroom audit segment header v1\0" ‖
//!   segment u64 BE ‖ first_seq u64 BE ‖ prev_mac)`. The header repeats where
//!   the chain continues from, so that once retention has deleted the older
//!   segments, the oldest remaining one can still be verified (its header is
//!   authenticated) and is told apart from a segment missing in the middle.
//! - `HEAD` is one line, padded with spaces to 256 bytes:
//!   `{"seq":N,"mac":"<64 hex>","segment":S,"head_mac":"<64 hex>"}`, naming
//!   the last durable record (its seq, MAC and segment; 0, zeros and 0 before
//!   the first), with `head_mac = HMAC-SHA-256(key, "strongroom audit head
//!   v1\0" ‖ seq u64 BE ‖ mac ‖ segment u64 BE)`. The writer overwrites it in
//!   place after every durable batch (not synced each time: it may lag the
//!   data after a crash, never lead it) and syncs it on close.
//! - The key is [`AuditKey::derive`]d from the root key (HKDF-SHA256), so
//!   rewriting the chain takes the root key, not just write access to the files.
//! - A segment may end in NUL padding that the writer preallocated (zeros
//!   written ahead of the data, so that a batch's fdatasync need not update
//!   the file size); readers stop at the first NUL at the start of a line.
//!   Only the segment being written has padding while the log is open; it
//!   is cut off when the segment is closed by rotation and when the log is
//!   closed, so after a crash only the newest segment may have it. The
//!   data never contains a NUL: a line cut short by a NUL, and whatever
//!   follows it, is a torn tail (a power loss can leave a later page of an
//!   unacknowledged batch on disk behind zeros; opening cuts it). Records
//!   overwritten with zeros, or cut by a NUL, read as records removed from
//!   the end, which `HEAD` catches.
//!
//! # Writing
//!
//! [`AuditLog::append`] queues the record to one writer thread, which takes
//! everything queued, chains it, writes it with one positioned `write`
//! (into the preallocated space, with `sync`) and one fdatasync (group
//! commit), and then resolves every append of the batch.
//! A failed batch fails all its appends and is cut back out of the file; the
//! next batch tries again ([`AuditLog::is_healthy`] is false until one
//! succeeds). Segments rotate once they reach [`AuditOptions::segment_size`];
//! [`Retention`] deletes the oldest ones. Followers (an index) get each
//! durable batch's records with their places through
//! [`AuditLog::open_with_tap`], and read records back with [`read_at`] and
//! [`read_entries_from`].
//!
//! # Checking
//!
//! [`verify`] walks every segment and names the first problem by file, line
//! and kind ([`Tamper`]). Removing the newest lines or segments leaves an
//! intact, shorter chain; `HEAD` catches that
//! ([`TamperKind::TruncatedBeforeHead`]), and [`AuditLog::open`] refuses to
//! build on such a chain until the operator accepts it with
//! [`AuditLog::reanchor`]. What no file in the directory can show (an older
//! genuine `HEAD` put back together with the cut) is spelled out there.

#![warn(missing_docs)]

mod error;
mod format;
mod head;
mod key;
mod log;
mod read;
mod scan;
mod verify;

pub use error::AuditError;
pub use key::AuditKey;
pub use log::{Appended, AuditLog, Committed};
pub use read::{Entries, Entry, read_at, read_entries, read_entries_from, segment_numbers};
pub use verify::{Tamper, TamperKind, VerifyReport, verify};

use std::time::Duration;

/// A record's position in the chain: 1 for the first record ever written,
/// then one more per record, across segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Sequence(pub u64);

impl std::fmt::Display for Sequence {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// How the log rotates, retains and syncs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditOptions {
    /// A segment that has reached this many bytes is closed, and the next
    /// batch starts a new one (a segment can exceed it by one batch).
    /// Default: 64 MiB.
    pub segment_size: u64,
    /// Which old segments to delete. Default: keep all.
    pub retention: Retention,
    /// Fdatasync each batch (and the directory after creating a segment)
    /// before acknowledging it. Default: true. Without it an append is
    /// acknowledged once written to the OS: it survives a crash of the
    /// process, not of the machine; after a machine crash `HEAD` may name
    /// records that were lost, and [`AuditLog::open`] then refuses until
    /// [`AuditLog::reanchor`].
    pub sync: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            segment_size: 64 << 20,
            retention: Retention::default(),
            sync: true,
        }
    }
}

/// Which old segments are deleted, after each rotation and when the log is
/// opened. Only ever the oldest, never the active one; either limit alone
/// deletes a segment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retention {
    /// Keep at most this many segments, the active one included (at least 1).
    pub max_segments: Option<usize>,
    /// Delete segments last written longer ago than this (by the file's
    /// modification time).
    pub max_age: Option<Duration>,
}
