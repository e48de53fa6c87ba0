//! Reading records back, oldest first, without checking MACs (that is
//! [`crate::verify`]'s job): for tests, exports and building an index.

use crate::Sequence;
use crate::error::AuditError;
use crate::format;
use crate::scan;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

/// One record as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Its sequence number.
    pub seq: Sequence,
    /// The segment that holds it.
    pub segment: u64,
    /// Its 1-based line in that segment (the header is line 1).
    pub line: u64,
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
/// being written, or torn by a crash) ends its segment. A line that does not
/// parse is yielded as [`AuditError::Malformed`] and skipped.
pub fn read_entries(dir: &Path) -> Result<Entries, AuditError> {
    let segments = scan::list_segments(dir)
        .map_err(AuditError::io("listing", dir))?
        .into_iter()
        .filter_map(|s| s.number.map(|n| (n, s.path)))
        .collect();
    Ok(Entries {
        segments,
        current: None,
        line: Vec::new(),
    })
}

/// The iterator [`read_entries`] returns.
#[derive(Debug)]
pub struct Entries {
    /// Segments not yet opened, oldest first.
    segments: VecDeque<(u64, PathBuf)>,
    /// The segment being read: its number, path, reader and last line number.
    current: Option<(u64, PathBuf, BufReader<File>, u64)>,
    /// The line buffer, reused.
    line: Vec<u8>,
}

impl Iterator for Entries {
    type Item = Result<Entry, AuditError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let Some((segment, path, reader, line_no)) = self.current.as_mut() else {
                let (segment, path) = self.segments.pop_front()?;
                match File::open(&path) {
                    Ok(file) => self.current = Some((segment, path, BufReader::new(file), 0)),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Some(Err(AuditError::io("opening", &path)(e))),
                }
                continue;
            };
            self.line.clear();
            match reader.read_until(b'\n', &mut self.line) {
                Err(e) => {
                    let err = AuditError::io("reading", path)(e);
                    self.current = None;
                    return Some(Err(err));
                }
                Ok(0) => {
                    self.current = None;
                    continue;
                }
                Ok(_) => {}
            }
            *line_no += 1;
            let Some(body) = self.line.strip_suffix(b"\n") else {
                self.current = None;
                continue;
            };
            if *line_no == 1 {
                // The header: chain bookkeeping, not a record.
                continue;
            }
            let malformed = |reason| AuditError::Malformed {
                path: path.clone(),
                line: *line_no,
                reason,
            };
            let entry = format::parse_record(body)
                .map_err(malformed)
                .and_then(|rec| {
                    let record = std::str::from_utf8(rec.record)
                        .map_err(|_| malformed("record is not UTF-8"))?;
                    Ok(Entry {
                        seq: Sequence(rec.seq),
                        segment: *segment,
                        line: *line_no,
                        record: record.to_owned(),
                    })
                });
            return Some(entry);
        }
    }
}
