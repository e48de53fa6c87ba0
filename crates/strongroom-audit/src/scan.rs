//! Listing segments and walking one segment's chain: shared by [`crate::verify`]
//! and by recovery in [`crate::AuditLog::open`], so the writer never continues a
//! chain that the verifier would reject.

use crate::format::{self, FileKind, Header};
use crate::key::{AuditKey, GENESIS_MAC, Mac, macs_equal};
use crate::verify::{Tamper, TamperKind};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

/// Read buffer for segment scans: large enough that a 64 MiB segment takes
/// few `read` calls.
const READ_BUFFER: usize = 1 << 20;

/// A segment file in the audit directory.
#[derive(Debug, Clone)]
pub(crate) struct SegmentFile {
    /// Its number, or `None` when the name is digits + `.jsonl` but not
    /// canonical (the verifier reports those; the writer ignores them).
    pub number: Option<u64>,
    /// Its path.
    pub path: PathBuf,
}

/// The segment files of `dir`, canonical ones sorted by number, then the
/// non-canonical ones. Files that do not look like segments are left out.
pub(crate) fn list_segments(dir: &Path) -> io::Result<Vec<SegmentFile>> {
    let mut segments = Vec::new();
    let mut odd = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        match format::classify_file_name(name) {
            FileKind::Segment(n) => segments.push(SegmentFile {
                number: Some(n),
                path: entry.path(),
            }),
            FileKind::NonCanonicalSegment => odd.push(SegmentFile {
                number: None,
                path: entry.path(),
            }),
            FileKind::Other => {}
        }
    }
    segments.sort_by_key(|s| s.number);
    segments.extend(odd);
    Ok(segments)
}

/// Where a segment's chain ended.
#[derive(Debug, Clone)]
pub(crate) struct SegmentScan {
    /// The header, or `None` when the file holds no complete line (a
    /// rotation interrupted before its first write finished).
    pub header: Option<Header>,
    /// Intact records in the segment.
    pub records: u64,
    /// Sequence number of the last intact record (`first_seq - 1` if none).
    pub last_seq: u64,
    /// MAC of the last intact record (the header's `prev_mac` if none).
    pub last_mac: Mac,
    /// Bytes of complete, intact lines: where a torn tail or the NUL
    /// padding begins.
    pub valid_len: u64,
    /// The file goes on after `valid_len` (and after a torn line) in NUL
    /// bytes only: space the writer preallocated.
    pub padded: bool,
    /// The number of a final line that ends without `\n`, if any: a write
    /// cut short (no append of it was acknowledged) or a truncation.
    pub torn_line: Option<u64>,
    /// The line and MAC of the record asked for with `probe`, if reached.
    pub probed: Option<(u64, Mac)>,
}

/// What the previous segment's chain ended with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Link {
    /// Its last sequence number.
    pub last_seq: u64,
    /// Its last MAC.
    pub last_mac: Mac,
}

/// Walks segment `number` at `path`, checking its header (against `link`,
/// the previous segment's end, when there is one) and every record's
/// sequence number and MAC. Returns the first problem, or where the chain
/// ends. A torn final line is reported in [`SegmentScan::torn_line`], not as
/// an error: the verifier and recovery judge it differently. The data ends
/// at the first NUL byte: what follows must be NUL bytes only (the padding
/// the writer preallocates), or the segment is [`TamperKind::Malformed`]; a
/// line cut short by the padding is a torn line. The line and
/// MAC of record `probe` are kept in [`SegmentScan::probed`] (for checking
/// the chain head).
pub(crate) fn scan_segment(
    path: &Path,
    number: u64,
    key: &AuditKey,
    link: Option<Link>,
    probe: Option<u64>,
) -> Result<SegmentScan, Tamper> {
    let tamper = |line: u64, kind: TamperKind| Tamper {
        file: path.to_owned(),
        line,
        kind,
    };
    let unreadable = |line: u64, e: io::Error| {
        tamper(
            line,
            TamperKind::Unreadable {
                message: e.to_string(),
            },
        )
    };
    let file = File::open(path).map_err(|e| unreadable(0, e))?;
    let mut reader = BufReader::with_capacity(READ_BUFFER, file);
    let mut line = Vec::with_capacity(4096);

    let end = read_line(&mut reader, &mut line).map_err(|e| unreadable(1, e))?;
    let n = line.len();
    if end != LineEnd::Newline {
        // Data after the padding is a header written out of order by a
        // crash (see below): the header is cut short all the same.
        let padded =
            end == LineEnd::Nul && rest_is_nul(&mut reader).map_err(|e| unreadable(1, e))?;
        // Empty (or padding only), or the header itself was cut short.
        return Ok(SegmentScan {
            header: None,
            records: 0,
            last_seq: 0,
            last_mac: GENESIS_MAC,
            valid_len: 0,
            padded,
            torn_line: Some(1),
            probed: None,
        });
    }
    let header = format::parse_header(&line[..n - 1])
        .map_err(|reason| tamper(1, TamperKind::Malformed { reason }))?;
    if header.segment != number {
        return Err(tamper(
            1,
            TamperKind::HeaderNamesOtherSegment {
                header: header.segment,
            },
        ));
    }
    let expected_header_mac = key.header_mac(header.segment, header.first_seq, &header.prev_mac);
    if !macs_equal(&expected_header_mac, &header.mac) {
        return Err(tamper(1, TamperKind::BadHeaderMac));
    }
    // Where the chain must continue from: the previous segment's end, or,
    // for segment 1, the genesis. A first segment numbered above 1 is the
    // retention boundary: its (authenticated) header is the anchor.
    let required = match link {
        Some(l) => Some((l.last_seq + 1, l.last_mac)),
        None if number == 1 => Some((1, GENESIS_MAC)),
        None => None,
    };
    if let Some((first_seq, prev_mac)) = required
        && (header.first_seq != first_seq || !macs_equal(&header.prev_mac, &prev_mac))
    {
        return Err(tamper(
            1,
            TamperKind::BrokenLink {
                expected_first_seq: first_seq,
                found_first_seq: header.first_seq,
            },
        ));
    }

    let mut scan = SegmentScan {
        records: 0,
        last_seq: header.first_seq.wrapping_sub(1),
        last_mac: header.prev_mac,
        valid_len: n as u64,
        padded: false,
        torn_line: None,
        probed: None,
        header: Some(header),
    };
    let mut line_no = 1u64;
    loop {
        let end = read_line(&mut reader, &mut line).map_err(|e| unreadable(line_no + 1, e))?;
        let n = line.len();
        if end == LineEnd::Nul {
            if !rest_is_nul(&mut reader).map_err(|e| unreadable(line_no + 1, e))? {
                // Bytes after a NUL: a batch overwriting the preallocated
                // zeros reaches the disk in no particular order, so a power
                // loss before its fdatasync can leave a later page of it
                // behind zeros. None of its appends was acknowledged: a torn
                // tail like any other (recovery cuts it; `HEAD` tells a cut
                // into acknowledged records apart).
                scan.torn_line = Some(line_no + 1);
                return Ok(scan);
            }
            scan.padded = true;
        }
        if n == 0 {
            return Ok(scan);
        }
        line_no += 1;
        if end != LineEnd::Newline {
            scan.torn_line = Some(line_no);
            return Ok(scan);
        }
        let rec = format::parse_record(&line[..n - 1])
            .map_err(|reason| tamper(line_no, TamperKind::Malformed { reason }))?;
        let expected = scan.last_seq.wrapping_add(1);
        if rec.seq != expected {
            let kind = misplaced(&mut reader, line_no, expected, rec.seq);
            return Err(tamper(line_no, kind));
        }
        let mac = key.record_mac(&scan.last_mac, rec.seq, rec.record);
        if !macs_equal(&mac, &rec.mac) {
            return Err(tamper(line_no, TamperKind::BadMac { seq: rec.seq }));
        }
        if probe == Some(rec.seq) {
            scan.probed = Some((line_no, rec.mac));
        }
        scan.records += 1;
        scan.last_seq = rec.seq;
        scan.last_mac = rec.mac;
        scan.valid_len += n as u64;
    }
}

/// How [`read_line`] stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEnd {
    /// At a newline (the last byte read).
    Newline,
    /// Before a NUL byte (not consumed): the padding, or damage.
    Nul,
    /// At the end of the file.
    Eof,
}

/// Reads into `line` (cleared first) up to and including the next newline,
/// or up to the next NUL byte (left unread), or to the end of the file.
pub(crate) fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> io::Result<LineEnd> {
    line.clear();
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(LineEnd::Eof);
        }
        match buf.iter().position(|&b| b == b'\n' || b == 0) {
            Some(i) if buf[i] == b'\n' => {
                line.extend_from_slice(&buf[..=i]);
                reader.consume(i + 1);
                return Ok(LineEnd::Newline);
            }
            Some(i) => {
                line.extend_from_slice(&buf[..i]);
                reader.consume(i);
                return Ok(LineEnd::Nul);
            }
            None => {
                let len = buf.len();
                line.extend_from_slice(buf);
                reader.consume(len);
            }
        }
    }
}

/// Reads the rest of the file; true when it is all NUL bytes.
pub(crate) fn rest_is_nul(reader: &mut impl BufRead) -> io::Result<bool> {
    loop {
        let buf = match reader.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok(true);
        }
        if buf.iter().any(|&b| b != 0) {
            return Ok(false);
        }
        let len = buf.len();
        reader.consume(len);
    }
}

/// Names what a sequence number out of place means: looks for the expected
/// record further down the file to tell reordered lines from removed ones.
fn misplaced(reader: &mut impl BufRead, line_no: u64, expected: u64, found: u64) -> TamperKind {
    if found < expected {
        return TamperKind::Repeated { expected, found };
    }
    let mut line = Vec::new();
    let mut at = line_no;
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => return TamperKind::Removed { expected, found },
            Ok(_) => {}
        }
        at += 1;
        if format::peek_seq(&line) == Some(expected) {
            return TamperKind::Reordered {
                expected,
                found,
                expected_at_line: at,
            };
        }
    }
}
