//! The chain head anchor, `dir/HEAD`: where the chain had got to when the
//! last batch became durable, MACed with the chain key.
//!
//! The chain alone cannot show that its newest lines or segments were
//! removed: what is left is a shorter, intact chain. HEAD can: a chain that
//! ends before HEAD's record, or holds another record at its sequence
//! number, was cut back. HEAD is rewritten after every durable batch (one
//! overwrite in place, not synced: it trails the data, never leads it) and
//! synced when the log closes. A HEAD older than the chain's end (a crash
//! between a batch and its HEAD update) is fine.
//!
//! What HEAD cannot show: an old, genuine HEAD copied back over the current
//! one together with the cut. Only a copy of the chain head kept elsewhere
//! catches that.

use crate::error::AuditError;
use crate::format::{self, HEAD_LEN, Head};
use crate::key::{AuditKey, Mac, macs_equal};
use crate::scan;
use crate::verify::{Tamper, TamperKind};
use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// The chain head file's name inside the audit directory.
pub(crate) const HEAD_FILE: &str = "HEAD";

/// Reads and authenticates `dir/HEAD`; `None` when there is none.
pub(crate) fn read(dir: &Path, key: &AuditKey) -> Result<Option<Head>, Tamper> {
    let path = dir.join(HEAD_FILE);
    let bad = |reason: &'static str| Tamper {
        file: path.clone(),
        line: 1,
        kind: TamperKind::BadHead { reason },
    };
    let bytes = match fs::read(&path) {
        // Empty: created, then a crash before its first write (open writes
        // it before any batch, so records with an empty HEAD still fail
        // the check as a missing HEAD).
        Ok(bytes) if bytes.is_empty() => return Ok(None),
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Tamper {
                file: path.clone(),
                line: 0,
                kind: TamperKind::Unreadable {
                    message: e.to_string(),
                },
            });
        }
    };
    let head = format::parse_head(&bytes).map_err(bad)?;
    let expected = key.head_mac(head.seq, &head.mac, head.segment);
    if !macs_equal(&expected, &head.head_mac) {
        return Err(bad(
            "its MAC does not verify (edited or forged, or not this trail's key)",
        ));
    }
    Ok(Some(head))
}

/// Where a chain ends, as recovery or verify found it.
pub(crate) struct ChainEnd<'a> {
    /// The last intact record's sequence number (0: no record).
    pub last_seq: u64,
    /// Its MAC.
    pub last_mac: &'a Mac,
    /// The file and line holding it (the directory and 0 without a record).
    pub file: &'a Path,
    /// 1-based line number in `file`.
    pub line: u64,
}

/// Checks a chain's end against HEAD: a chain that ends before HEAD's
/// record, or holds another MAC at its sequence number, was cut back. When
/// the chain goes beyond HEAD, the segment HEAD names is scanned for the
/// record (skipped when retention has deleted it).
pub(crate) fn check(
    dir: &Path,
    key: &AuditKey,
    head: Option<&Head>,
    end: &ChainEnd<'_>,
) -> Result<(), Tamper> {
    let Some(head) = head else {
        if end.last_seq == 0 {
            return Ok(());
        }
        return Err(Tamper {
            file: dir.join(HEAD_FILE),
            line: 0,
            kind: TamperKind::HeadMissing,
        });
    };
    if head.seq == 0 {
        return Ok(());
    }
    if end.last_seq < head.seq {
        return Err(Tamper {
            file: end.file.to_owned(),
            line: end.line,
            kind: TamperKind::TruncatedBeforeHead {
                head_seq: head.seq,
                last_seq: end.last_seq,
            },
        });
    }
    let mismatch = |file: &Path, line: u64| Tamper {
        file: file.to_owned(),
        line,
        kind: TamperKind::HeadMismatch { seq: head.seq },
    };
    if end.last_seq == head.seq {
        return match macs_equal(end.last_mac, &head.mac) {
            true => Ok(()),
            false => Err(mismatch(end.file, end.line)),
        };
    }
    let path = dir.join(format::segment_file_name(head.segment));
    if !path.exists() {
        return Ok(());
    }
    let scan = scan::scan_segment(&path, head.segment, key, None, Some(head.seq))?;
    match scan.probed {
        Some((_, mac)) if macs_equal(&mac, &head.mac) => Ok(()),
        Some((line, _)) => Err(mismatch(&path, line)),
        // The segment ends before HEAD's record although later ones go on.
        None => Err(Tamper {
            file: path,
            line: scan.records + 1,
            kind: TamperKind::TruncatedBeforeHead {
                head_seq: head.seq,
                last_seq: scan.last_seq,
            },
        }),
    }
}

/// `dir/HEAD`, open for the writer's overwrites.
pub(crate) struct HeadFile {
    file: File,
    path: PathBuf,
}

impl HeadFile {
    /// Opens (creating, mode 0600) `dir/HEAD`; a new file's directory entry
    /// is synced when `sync` is set.
    pub(crate) fn open(dir: &Path, sync: bool) -> Result<HeadFile, AuditError> {
        let path = dir.join(HEAD_FILE);
        let existed = path.exists();
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options
            .open(&path)
            .map_err(AuditError::io("opening", &path))?;
        let head = HeadFile { file, path };
        if !existed && sync {
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(AuditError::io("syncing the directory", dir))?;
        }
        Ok(head)
    }

    /// Overwrites HEAD with record `seq` (MAC `mac`) in `segment`.
    pub(crate) fn write(
        &self,
        key: &AuditKey,
        seq: u64,
        mac: &Mac,
        segment: u64,
    ) -> io::Result<()> {
        let head = Head {
            seq,
            mac: *mac,
            segment,
            head_mac: key.head_mac(seq, mac, segment),
        };
        let bytes: [u8; HEAD_LEN] = format::head_bytes(&head);
        write_at_start(&self.file, &bytes)
    }

    /// Syncs HEAD's content to the disk.
    pub(crate) fn sync(&self) -> Result<(), AuditError> {
        self.file
            .sync_data()
            .map_err(AuditError::io("syncing", &self.path))
    }

    /// Its path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(unix)]
fn write_at_start(file: &File, bytes: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    // One pwrite: the file keeps its fixed size, so nothing else changes.
    file.write_all_at(bytes, 0)
}

#[cfg(not(unix))]
fn write_at_start(mut file: &File, bytes: &[u8]) -> io::Result<()> {
    use std::io::{Seek, SeekFrom, Write};
    file.seek(SeekFrom::Start(0))?;
    file.write_all(bytes)
}
