//! Reading records back without checking MACs (that is [`crate::verify`]'s
//! job): all of them oldest first, those from a sequence number on, or one
//! at a byte offset: for tests, exports, and building and reading an index.

use crate::Sequence;
use crate::error::AuditError;
use crate::format;
use crate::scan;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// One record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its sequence number.
    pub seq: Sequence,
    /// The segment that holds it.
    pub segment: u64,
    /// Its 1-based line in that segment (the header is line 1); 0 when read
    /// with [`read_at`], which does not count lines.
    pub line: u64,
    /// The byte offset of its line in the segment file: what [`read_at`] takes.
    pub offset: u64,
    /// The record's JSON text, exactly as stored and MACed.
    pub record: String,
}

impl Entry {
    /// The record parsed as JSON.
    pub fn value(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_str(&self.record)
    }
}

/// Iterates over the records in `dir`, segment by segment.
///
/// The segments are listed when this is called; one deleted by retention
/// before it is reached is skipped. A final line without newline (a batch
/// being written, or torn by a crash) ends its segment, and so does a NUL
/// byte at the start of a line (the space the writer preallocates at the
/// end of the active segment). A line that does not parse is yielded as
/// [`AuditError::Malformed`] and skipped.
pub fn read_entries(dir: &Path) -> Result<Entries, AuditError> {
    Ok(Entries {
        segments: numbered_segments(dir)?.into(),
        current: None,
        line: Vec::new(),
        from: 0,
    })
}

/// Like [`read_entries`], but only records from sequence number `from` on,
/// and without reading the segments that end before it: the segment to
/// start from is found by the `first_seq` of segment headers, newest first.
pub fn read_entries_from(dir: &Path, from: Sequence) -> Result<Entries, AuditError> {
    let mut segments = numbered_segments(dir)?;
    let mut start = 0;
    for (i, (_, path)) in segments.iter().enumerate().rev() {
        // A header that cannot be read does not rule its segment out.
        if first_seq(path).is_none_or(|first| first <= from.0) {
            start = i;
            break;
        }
    }
    Ok(Entries {
        segments: segments.split_off(start).into(),
        current: None,
        line: Vec::new(),
        from: from.0,
    })
}

/// The numbers of the segments in `dir`, oldest first: e.g. to tell which
/// have been deleted by retention (those below the first).
pub fn segment_numbers(dir: &Path) -> Result<Vec<u64>, AuditError> {
    Ok(numbered_segments(dir)?
        .into_iter()
        .map(|(n, _)| n)
        .collect())
}

/// Reads the one record whose line starts at byte `offset` of `segment`
/// (an [`Entry::offset`]), with one positioned read for most records. Its
/// [`Entry::line`] is 0. A segment deleted by retention gives an
/// [`AuditError::Io`] for which [`AuditError::is_not_found`] holds; an
/// offset that is not the start of a complete record line gives
/// [`AuditError::Malformed`].
pub fn read_at(dir: &Path, segment: u64, offset: u64) -> Result<Entry, AuditError> {
    let path = dir.join(format::segment_file_name(segment));
    let mut file = File::open(&path).map_err(AuditError::io("opening", &path))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(AuditError::io("reading", &path))?;
    let malformed = |reason| AuditError::Malformed {
        path: path.clone(),
        line: 0,
        reason,
    };
    // Most records are a few KiB: one read; longer ones take more.
    let mut buf = Vec::with_capacity(READ_AT_CHUNK);
    let line_len = loop {
        let scanned = buf.len();
        let n = (&mut file)
            .take(READ_AT_CHUNK as u64)
            .read_to_end(&mut buf)
            .map_err(AuditError::io("reading", &path))?;
        // A record line holds no NUL: one is the padding after the last
        // line (or damage), so the line is not complete.
        if let Some(i) = buf[scanned..].iter().position(|&b| b == b'\n' || b == 0) {
            if buf[scanned + i] == 0 {
                return Err(malformed("no complete line at this offset"));
            }
            break scanned + i;
        }
        if n == 0 || buf.len() > MAX_LINE {
            return Err(malformed("no complete line at this offset"));
        }
    };
    let rec = format::parse_record(&buf[..line_len]).map_err(malformed)?;
    let record = std::str::from_utf8(rec.record).map_err(|_| malformed("record is not UTF-8"))?;
    Ok(Entry {
        seq: Sequence(rec.seq),
        segment,
        line: 0,
        offset,
        record: record.to_owned(),
    })
}

/// What [`read_at`] reads at a time.
const READ_AT_CHUNK: usize = 8 << 10;
/// The longest line [`read_at`] looks for the end of (a writer batch's bytes).
const MAX_LINE: usize = 16 << 20;

fn numbered_segments(dir: &Path) -> Result<Vec<(u64, PathBuf)>, AuditError> {
    Ok(scan::list_segments(dir)
        .map_err(AuditError::io("listing", dir))?
        .into_iter()
        .filter_map(|s| s.number.map(|n| (n, s.path)))
        .collect())
}

/// The `first_seq` of a segment's header, if it can be read.
fn first_seq(path: &Path) -> Option<u64> {
    let mut reader = BufReader::with_capacity(512, File::open(path).ok()?);
    let mut line = Vec::with_capacity(256);
    reader.read_until(b'\n', &mut line).ok()?;
    let header = format::parse_header(line.strip_suffix(b"\n")?).ok()?;
    Some(header.first_seq)
}

/// The iterator [`read_entries`] returns.
#[derive(Debug)]
pub struct Entries {
    /// Segments not yet opened, oldest first.
    segments: VecDeque<(u64, PathBuf)>,
    /// The segment being read.
    current: Option<Current>,
    /// The line buffer, reused.
    line: Vec<u8>,
    /// Records below this sequence number are skipped.
    from: u64,
}

/// The segment an [`Entries`] is reading.
#[derive(Debug)]
struct Current {
    segment: u64,
    path: PathBuf,
    reader: BufReader<File>,
    /// The last line's number.
    line_no: u64,
    /// Where the next line starts.
    offset: u64,
}

impl Iterator for Entries {
    type Item = Result<Entry, AuditError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some(current) = self.current.as_mut() else {
                let (segment, path) = self.segments.pop_front()?;
                match File::open(&path) {
                    Ok(file) => {
                        self.current = Some(Current {
                            segment,
                            path,
                            reader: BufReader::with_capacity(1 << 16, file),
                            line_no: 0,
                            offset: 0,
                        });
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Some(Err(AuditError::io("opening", &path)(e))),
                }
                continue;
            };
            self.line.clear();
            let offset = current.offset;
            // A NUL where a line starts: the preallocated padding, the end
            // of the data (it is never read into memory).
            match current.reader.fill_buf() {
                Ok([0, ..]) => {
                    self.current = None;
                    continue;
                }
                Ok(_) => {}
                Err(e) => {
                    let err = AuditError::io("reading", &current.path)(e);
                    self.current = None;
                    return Some(Err(err));
                }
            }
            match current.reader.read_until(b'\n', &mut self.line) {
                Err(e) => {
                    let err = AuditError::io("reading", &current.path)(e);
                    self.current = None;
                    return Some(Err(err));
                }
                Ok(0) => {
                    self.current = None;
                    continue;
                }
                Ok(_) => {}
            }
            current.line_no += 1;
            current.offset += self.line.len() as u64;
            let Some(body) = self.line.strip_suffix(b"\n") else {
                self.current = None;
                continue;
            };
            if current.line_no == 1 {
                // The header: chain bookkeeping, not a record.
                continue;
            }
            if self.from > 0 && format::peek_seq(body).is_some_and(|seq| seq < self.from) {
                continue;
            }
            let malformed = |reason| AuditError::Malformed {
                path: current.path.clone(),
                line: current.line_no,
                reason,
            };
            let entry = format::parse_record(body)
                .map_err(malformed)
                .and_then(|rec| {
                    let record = std::str::from_utf8(rec.record)
                        .map_err(|_| malformed("record is not UTF-8"))?;
                    Ok(Entry {
                        seq: Sequence(rec.seq),
                        segment: current.segment,
                        line: current.line_no,
                        offset,
                        record: record.to_owned(),
                    })
                });
            return Some(entry);
        }
    }
}
