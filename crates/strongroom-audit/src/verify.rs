//! Verifying a trail: every segment in order, every line's sequence number
//! and MAC, every segment's link to the one before, and the chain's end
//! against the chain head anchor (`HEAD`); the first problem is reported
//! with its file, line and kind.
//!
//! What the chain proves, and what it cannot: without the key nobody can
//! modify, insert, remove or reorder a record, or remove a segment from the
//! middle, without `verify` naming the place. Removing whole segments from
//! the *old* end looks exactly like retention (by design: retention must
//! verify). Removing whole lines from the *new* end (or the newest
//! segments) leaves a shorter, intact chain; `HEAD`, rewritten after every
//! durable batch and MACed, names the record the chain reached, so a chain
//! ending before it (or holding another record there) is reported as
//! [`TamperKind::TruncatedBeforeHead`] (or [`TamperKind::HeadMismatch`]),
//! and a missing or forged `HEAD` beside records is reported too. What
//! remains undetectable without a copy kept elsewhere: cutting the chain
//! back *and* putting back an older genuine `HEAD` (from a backup, say).

use crate::Sequence;
use crate::head::{self, HEAD_FILE};
use crate::key::{AuditKey, macs_equal};
use crate::scan::{self, Link};
use std::fmt;
use std::path::{Path, PathBuf};

/// Verifies the trail in `dir` under `key`.
///
/// Returns a report when the chain is intact from its first remaining
/// segment to the newest, or the first problem found.
///
/// Without the key, nobody can modify, insert, remove or reorder a record,
/// or remove a segment from the middle, without this naming the place.
/// Removing whole segments from the old end looks exactly like retention
/// (and is reported as [`VerifyReport::starts_at_retention_boundary`]).
/// Removing whole lines or segments from the new end is caught by `HEAD`
/// (read first, so that a log appended to meanwhile only goes beyond it):
/// a chain that ends before HEAD's record is
/// [`TamperKind::TruncatedBeforeHead`], named at the line where it ends.
/// A chain going beyond HEAD is fine (HEAD trails the data by at most a
/// batch after a crash). Only an older genuine HEAD put back together with
/// the cut escapes it.
///
/// Run it on a quiet log:
/// a batch being written shows as a torn last line. A torn last line left by
/// a crash is reported as [`TamperKind::Truncated`] until the log is opened
/// again (opening repairs it). NUL padding after the last complete line (the
/// writer's preallocated space) is the end of the data, not a problem; a
/// line cut by a NUL, with whatever follows, is a torn tail
/// ([`TamperKind::Truncated`]), and `HEAD` tells whether acknowledged
/// records were lost with it.
pub fn verify(dir: &Path, key: &AuditKey) -> Result<VerifyReport, Tamper> {
    // Read first, reported after the segments: with the wrong key, the
    // first segment's header is the more telling place.
    let head = head::read(dir, key);
    let probe = match &head {
        Ok(Some(h)) if h.seq > 0 => Some(h.seq),
        _ => None,
    };
    // HEAD's record as found: file, line, MAC.
    let mut probed = None;
    // Where the chain ends: file, line, sequence number.
    let mut end = (dir.to_owned(), 0, 0);
    let segments = scan::list_segments(dir).map_err(|e| Tamper {
        file: dir.to_owned(),
        line: 0,
        kind: TamperKind::Unreadable {
            message: e.to_string(),
        },
    })?;
    let mut report = VerifyReport::default();
    let mut prev: Option<(u64, Link)> = None;
    for segment in &segments {
        let Some(number) = segment.number else {
            return Err(Tamper {
                file: segment.path.clone(),
                line: 0,
                kind: TamperKind::UnexpectedSegmentName,
            });
        };
        if let Some((prev_number, _)) = prev
            && number != prev_number + 1
        {
            return Err(Tamper {
                file: segment.path.clone(),
                line: 0,
                kind: TamperKind::MissingSegment {
                    expected: prev_number + 1,
                    found: number,
                },
            });
        }
        let scan = scan::scan_segment(
            &segment.path,
            number,
            key,
            prev.map(|(_, link)| link),
            probe,
        )?;
        if let Some((line, mac)) = scan.probed {
            probed = Some((segment.path.clone(), line, mac));
        }
        if let Some(line) = scan.torn_line {
            return Err(Tamper {
                file: segment.path.clone(),
                line,
                kind: TamperKind::Truncated,
            });
        }
        let Some(header) = &scan.header else {
            // `scan_segment` returns no header only with a torn first line.
            return Err(Tamper {
                file: segment.path.clone(),
                line: 1,
                kind: TamperKind::Truncated,
            });
        };
        if report.first_segment.is_none() {
            report.first_segment = Some(number);
            report.starts_at_retention_boundary = number > 1;
        }
        if scan.records > 0 {
            report.first_seq.get_or_insert(Sequence(header.first_seq));
            report.last_seq = Some(Sequence(scan.last_seq));
        }
        report.last_segment = Some(number);
        report.segments += 1;
        end = (segment.path.clone(), scan.records + 1, scan.last_seq);
        report.records += scan.records;
        prev = Some((
            number,
            Link {
                last_seq: scan.last_seq,
                last_mac: scan.last_mac,
            },
        ));
    }
    let head = head?;
    let (end_file, end_line, end_seq) = end;
    let tamper = |file: PathBuf, line: u64, kind: TamperKind| Err(Tamper { file, line, kind });
    match head {
        None if report.records > 0 => {
            return tamper(dir.join(HEAD_FILE), 0, TamperKind::HeadMissing);
        }
        None => {}
        Some(head) if head.seq == 0 => {}
        Some(head) if end_seq < head.seq => {
            return tamper(
                end_file,
                end_line,
                TamperKind::TruncatedBeforeHead {
                    head_seq: head.seq,
                    last_seq: end_seq,
                },
            );
        }
        Some(head) => {
            report.head_seq = Some(Sequence(head.seq));
            // Not found: retention deleted HEAD's segment since; nothing to compare.
            if let Some((file, line, mac)) = probed
                && !macs_equal(&mac, &head.mac)
            {
                return tamper(file, line, TamperKind::HeadMismatch { seq: head.seq });
            }
        }
    }
    Ok(report)
}

/// An intact trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Segment files verified.
    pub segments: u64,
    /// Records verified.
    pub records: u64,
    /// Number of the oldest remaining segment.
    pub first_segment: Option<u64>,
    /// Number of the newest segment.
    pub last_segment: Option<u64>,
    /// Sequence number of the oldest remaining record.
    pub first_seq: Option<Sequence>,
    /// Sequence number of the newest record.
    pub last_seq: Option<Sequence>,
    /// True when the oldest remaining segment is not segment 1: older ones
    /// were deleted (by retention, as far as the chain can tell), and the
    /// chain was checked from that segment's authenticated header on.
    pub starts_at_retention_boundary: bool,
    /// The record `HEAD` names, which the chain reaches with the same MAC
    /// (`None` without a `HEAD`, or one written before the first record).
    pub head_seq: Option<Sequence>,
}

/// The first problem `verify` found, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tamper {
    /// The segment file (or the directory, for an unreadable one).
    pub file: PathBuf,
    /// 1-based line number in `file` (the header is line 1); 0 when the
    /// problem is the file as a whole.
    pub line: u64,
    /// What is wrong.
    pub kind: TamperKind,
}

impl fmt::Display for Tamper {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.kind)
        } else {
            write!(
                f,
                "{}, line {}: {}",
                self.file.display(),
                self.line,
                self.kind
            )
        }
    }
}

impl std::error::Error for Tamper {}

/// The kinds of problem `verify` names. Messages say what most likely
/// happened; the chain alone cannot always tell an edit from a forgery.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TamperKind {
    /// The directory or a segment could not be read.
    #[error("cannot be read: {message}")]
    Unreadable {
        /// The I/O error.
        message: String,
    },
    /// A `<digits>.jsonl` file whose name the writer would never give (a
    /// segment renamed or copied).
    #[error("a segment file name the writer never uses (a renamed or copied segment)")]
    UnexpectedSegmentName,
    /// A segment number is skipped between two remaining segments.
    #[error(
        "segment {expected} is missing before segment {found}: segments were removed from the middle of the trail"
    )]
    MissingSegment {
        /// The number that should come next.
        expected: u64,
        /// The number found instead.
        found: u64,
    },
    /// The last line ends without a newline.
    #[error(
        "the line ends without a newline: the segment was truncated mid-line (or a write was cut short by a crash and the log not reopened since)"
    )]
    Truncated,
    /// A line that is not a header or record line as the writer writes them.
    #[error("not a line the writer wrote ({reason}): a line was edited or inserted")]
    Malformed {
        /// Which part failed to parse.
        reason: &'static str,
    },
    /// The header names another segment than the file name.
    #[error("the header names segment {header}: the file was renamed or replaced")]
    HeaderNamesOtherSegment {
        /// The number in the header.
        header: u64,
    },
    /// The header's MAC does not verify.
    #[error(
        "the segment header's MAC does not verify: the header was edited or forged, or this is not the key of this trail"
    )]
    BadHeaderMac,
    /// The segment does not continue where the previous one ended.
    #[error(
        "the segment does not continue the chain: it starts at seq {found_first_seq} where seq {expected_first_seq} (after the previous segment's last MAC) was due; records were removed from the end of the previous segment, or a segment was replaced"
    )]
    BrokenLink {
        /// The sequence number the previous segment's end calls for.
        expected_first_seq: u64,
        /// The header's `first_seq`.
        found_first_seq: u64,
    },
    /// A record's MAC does not verify.
    #[error(
        "the MAC of record {seq} does not verify: the record was modified, or the line was forged or inserted"
    )]
    BadMac {
        /// The line's sequence number.
        seq: u64,
    },
    /// Sequence numbers jump forward, and the skipped one is not further on.
    #[error(
        "expected seq {expected}, found {found}: the lines holding seq {expected} up to {} were removed",
        .found - 1
    )]
    Removed {
        /// The sequence number due.
        expected: u64,
        /// The one found.
        found: u64,
    },
    /// The due record is further down the file.
    #[error(
        "lines out of order: seq {found} stands where seq {expected} belongs, and seq {expected} is at line {expected_at_line}"
    )]
    Reordered {
        /// The sequence number due.
        expected: u64,
        /// The one found.
        found: u64,
        /// The line that holds the due one.
        expected_at_line: u64,
    },
    /// Records exist but the chain head file `HEAD` does not (or is empty).
    #[error(
        "the chain head file is missing although records exist: it was deleted, possibly to hide records removed from the end"
    )]
    HeadMissing,
    /// `HEAD` is not the writer's, or its MAC does not verify.
    #[error("the chain head file is not valid: {reason}")]
    BadHead {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The chain ends before the record `HEAD` names: the newest lines or
    /// segments were removed. Named at the last intact line.
    #[error(
        "the chain ends at seq {last_seq}, but HEAD says seq {head_seq} was durable: the newest records (lines or whole segments) were removed"
    )]
    TruncatedBeforeHead {
        /// The sequence number in `HEAD`.
        head_seq: u64,
        /// The last sequence number of the chain.
        last_seq: u64,
    },
    /// The record at `HEAD`'s sequence number has another MAC than `HEAD`
    /// says: the chain was cut back and written again from there.
    #[error(
        "record {seq} is not the one HEAD names (another MAC): the chain was cut back and continued with other records"
    )]
    HeadMismatch {
        /// The sequence number in `HEAD`.
        seq: u64,
    },
    /// A sequence number lower than due: a line repeated or moved back.
    #[error(
        "seq {found} comes again where seq {expected} was due: a line was duplicated, moved back or inserted"
    )]
    Repeated {
        /// The sequence number due.
        expected: u64,
        /// The one found.
        found: u64,
    },
}
