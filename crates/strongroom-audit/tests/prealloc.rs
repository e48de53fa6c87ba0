//! Preallocation: the active segment ends in NUL padding while the log is
//! open (with `sync`). Readers, `verify` and recovery stop at it; closed
//! segments (rotation, clean close) have none; NULs are no hiding place.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns too

mod common;

use common::{append_range, key, lines, record, segments};
use std::path::Path;
use strongroom_audit::{
    AuditError, AuditLog, AuditOptions, Sequence, TamperKind, read_at, read_entries,
    read_entries_from, verify,
};

/// The bytes of the file after its last newline, and whether it has a NUL
/// before that.
fn padding_of(path: &Path) -> (usize, bool) {
    let bytes = std::fs::read(path).unwrap();
    let data_end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    (bytes.len() - data_end, bytes[..data_end].contains(&0))
}

/// Copies the segments and HEAD of `from` (an open log) into `to`: what a
/// crash of the process (or the machine, after the syncs) leaves.
fn copy_trail(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap();
        if name != "audit.lock" {
            std::fs::copy(&path, to.join(name)).unwrap();
        }
    }
}

fn ids(dir: &Path) -> Vec<u64> {
    read_entries(dir)
        .unwrap()
        .map(|e| e.unwrap().value().unwrap()["i"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_padded_segment_verifies_reads_back_and_recovers_after_a_crash() {
    let live = tempfile::tempdir().unwrap();
    let crashed = tempfile::tempdir().unwrap();
    let log = AuditLog::open(live.path(), key(), AuditOptions::default()).unwrap();
    append_range(&log, 1, 11).await;
    let segment = segments(live.path()).pop().unwrap();
    let (padding, nul_inside) = padding_of(&segment);
    assert!(
        padding > 0 && !nul_inside,
        "the open segment is preallocated"
    );
    assert!(
        std::fs::metadata(&segment).unwrap().len() >= 64 << 10,
        "a chunk ahead"
    );
    copy_trail(live.path(), crashed.path());
    let dir = crashed.path();

    // Read and verified as it is, padding and all.
    assert_eq!(verify(dir, &key()).unwrap().records, 10);
    assert_eq!(ids(dir), (1..=10).collect::<Vec<_>>());
    let from: Vec<_> = read_entries_from(dir, Sequence(7))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        from.iter().map(|e| e.seq.0).collect::<Vec<_>>(),
        [7, 8, 9, 10]
    );
    for e in &from {
        assert_eq!(read_at(dir, e.segment, e.offset).unwrap().seq, e.seq);
    }
    // Where the data ends, and inside the padding: no record.
    let file_len = std::fs::metadata(&segment).unwrap().len();
    let data_end = file_len - padding as u64;
    for offset in [data_end, data_end + 100] {
        assert!(matches!(
            read_at(dir, 1, offset),
            Err(AuditError::Malformed { .. })
        ));
    }

    // Recovery continues the chain in the padding.
    let reopened = AuditLog::open(dir, key(), AuditOptions::default()).unwrap();
    assert_eq!(reopened.last_durable(), Some(Sequence(10)));
    assert_eq!(
        append_range(&reopened, 11, 13).await,
        [Sequence(11), Sequence(12)]
    );
    reopened.close();
    assert_eq!(verify(dir, &key()).unwrap().records, 12);
    assert_eq!(ids(dir), (1..=12).collect::<Vec<_>>());
    let copied = dir.join(segment.file_name().unwrap());
    assert_eq!(
        padding_of(&copied),
        (0, false),
        "closed cleanly: no padding"
    );

    // The original, closed cleanly: plain JSON Lines.
    log.close();
    assert_eq!(padding_of(&segment), (0, false));
    assert_eq!(verify(live.path(), &key()).unwrap().records, 10);
}

#[tokio::test]
async fn a_torn_line_followed_by_padding_is_cut_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    let log = AuditLog::open(tmp.path(), key(), AuditOptions::default()).unwrap();
    append_range(&log, 1, 6).await;
    log.close();
    let segment = segments(tmp.path()).pop().unwrap();
    let intact_len = std::fs::metadata(&segment).unwrap().len();
    // A batch cut short by a crash, inside the preallocated space.
    let mut bytes = std::fs::read(&segment).unwrap();
    bytes.extend_from_slice(br#"{"seq":6,"mac":"0123abc"#);
    bytes.resize(bytes.len() + 5000, 0);
    std::fs::write(&segment, &bytes).unwrap();
    let tamper = verify(tmp.path(), &key()).unwrap_err();
    assert_eq!((tamper.kind, tamper.line), (TamperKind::Truncated, 7));
    assert_eq!(ids(tmp.path()), [1, 2, 3, 4, 5]);

    let log = AuditLog::open(tmp.path(), key(), AuditOptions::default()).unwrap();
    assert_eq!(
        std::fs::metadata(&segment).unwrap().len(),
        intact_len,
        "the torn line and the padding are cut"
    );
    assert_eq!(log.last_durable(), Some(Sequence(5)));
    append_range(&log, 6, 9).await;
    log.close();
    assert_eq!(verify(tmp.path(), &key()).unwrap().records, 8);
    assert_eq!(ids(tmp.path()), (1..=8).collect::<Vec<_>>());
}

#[tokio::test]
async fn data_after_padding_is_a_torn_tail_and_a_nul_inside_a_record_a_cut() {
    let tmp = tempfile::tempdir().unwrap();
    let log = AuditLog::open(tmp.path(), key(), AuditOptions::default()).unwrap();
    append_range(&log, 1, 6).await;
    log.close();
    let segment = segments(tmp.path()).pop().unwrap();
    let original = std::fs::read(&segment).unwrap();
    let last_line = lines(&segment).pop().unwrap();

    // A later page of an unacknowledged batch reached the disk, an earlier
    // one did not (a power loss while overwriting the padding): a torn
    // tail, which verify names until the log is opened and cuts it.
    let mut hidden = original.clone();
    hidden.resize(original.len() + 300, 0);
    hidden.extend_from_slice(last_line.as_bytes());
    hidden.push(b'\n');
    hidden.resize(hidden.len() + 300, 0);
    std::fs::write(&segment, &hidden).unwrap();
    let tamper = verify(tmp.path(), &key()).unwrap_err();
    assert!(matches!(tamper.kind, TamperKind::Truncated), "{tamper}");
    assert_eq!(tamper.line, 7);
    let log = AuditLog::open(tmp.path(), key(), AuditOptions::default()).unwrap();
    assert_eq!(log.last_durable(), Some(Sequence(5)));
    append_range(&log, 6, 7).await;
    log.close();
    assert_eq!(verify(tmp.path(), &key()).unwrap().records, 6);

    // A NUL in the middle of an acknowledged record: the chain would end
    // before HEAD, so the log refuses to open.
    std::fs::write(&segment, &original).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let log = AuditLog::open(fresh.path(), key(), AuditOptions::default()).unwrap();
    append_range(&log, 1, 6).await;
    log.close();
    let segment = segments(fresh.path()).pop().unwrap();
    let original = std::fs::read(&segment).unwrap();
    let last_line = lines(&segment).pop().unwrap();
    let mut edited = original.clone();
    let at = original.len() - last_line.len() / 2;
    edited[at] = 0;
    std::fs::write(&segment, &edited).unwrap();
    assert!(verify(fresh.path(), &key()).is_err());
    assert!(matches!(
        AuditLog::open(fresh.path(), key(), AuditOptions::default()),
        Err(AuditError::Damaged(_))
    ));

    // Put back, it verifies.
    std::fs::write(&segment, &original).unwrap();
    assert_eq!(verify(fresh.path(), &key()).unwrap().records, 5);
}

#[tokio::test]
async fn the_newest_records_replaced_with_zeros_are_a_truncation() {
    let tmp = tempfile::tempdir().unwrap();
    let log = AuditLog::open(tmp.path(), key(), AuditOptions::default()).unwrap();
    append_range(&log, 1, 9).await;
    log.close();
    let segment = segments(tmp.path()).pop().unwrap();
    let all = lines(&segment);
    let mut bytes = std::fs::read(&segment).unwrap();
    let cut: usize = all[all.len() - 2..].iter().map(|l| l.len() + 1).sum();
    let len = bytes.len();
    bytes[len - cut..].fill(0);
    std::fs::write(&segment, &bytes).unwrap();

    let tamper = verify(tmp.path(), &key()).unwrap_err();
    assert_eq!(
        tamper.kind,
        TamperKind::TruncatedBeforeHead {
            head_seq: 8,
            last_seq: 6
        }
    );
    assert_eq!(tamper.file, segment);
    assert!(matches!(
        AuditLog::open(tmp.path(), key(), AuditOptions::default()),
        Err(AuditError::Damaged(_))
    ));
    assert_eq!(ids(tmp.path()), (1..=6).collect::<Vec<_>>());
}

#[tokio::test]
async fn rotation_leaves_closed_segments_without_padding() {
    let tmp = tempfile::tempdir().unwrap();
    let options = AuditOptions {
        segment_size: 8 << 10,
        ..AuditOptions::default()
    };
    let log = AuditLog::open(tmp.path(), key(), options.clone()).unwrap();
    let mut next = 1;
    for round in 0..20u64 {
        // Batches of a few records at once.
        let batch: Vec<_> = (next..next + 5 + round)
            .map(|i| log.append(record(i)))
            .collect();
        for appended in batch {
            appended.await.unwrap();
        }
        next += 5 + round;
    }
    // Up to a rotation, so that the newest segment is a fresh one.
    let rotated = segments(tmp.path()).len();
    while segments(tmp.path()).len() == rotated {
        log.append(record(next)).await.unwrap();
        next += 1;
    }
    let files = segments(tmp.path());
    assert!(files.len() >= 4, "{} segments", files.len());
    for file in &files[..files.len() - 1] {
        let (padding, nul_inside) = padding_of(file);
        assert_eq!((padding, nul_inside), (0, false), "{}", file.display());
    }
    let newest = files.last().unwrap();
    let (padding, nul_inside) = padding_of(newest);
    assert!(
        padding > 0 && !nul_inside,
        "the active segment is preallocated"
    );
    assert!(std::fs::metadata(newest).unwrap().len() <= options.segment_size);
    log.close();
    assert_eq!(
        padding_of(newest),
        (0, false),
        "a clean close cuts the padding"
    );
    let report = verify(tmp.path(), &key()).unwrap();
    assert_eq!(report.records, next - 1);
    assert_eq!(ids(tmp.path()), (1..next).collect::<Vec<_>>());
}

#[tokio::test]
async fn without_sync_nothing_is_preallocated() {
    let tmp = tempfile::tempdir().unwrap();
    let options = AuditOptions {
        sync: false,
        ..AuditOptions::default()
    };
    let log = AuditLog::open(tmp.path(), key(), options).unwrap();
    append_range(&log, 1, 4).await;
    let segment = segments(tmp.path()).pop().unwrap();
    assert_eq!(padding_of(&segment), (0, false));
    log.close();
}
