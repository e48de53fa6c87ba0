//! Following the log: the tap of durable batches, random access with
//! `read_at`, `read_entries_from`, and the health flag.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns too

mod common;

use common::{append_range, build_trail, key, record, segments, small_segments};
use std::sync::mpsc;
use strongroom_audit::{
    AuditError, AuditLog, AuditOptions, Committed, Sequence, read_at, read_entries,
    read_entries_from,
};

#[tokio::test]
async fn the_tap_gets_every_durable_record_with_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 2).await; // records before opening are not tapped
    let (tx, rx) = mpsc::sync_channel(1024);
    let log = AuditLog::open_with_tap(tmp.path(), key(), small_segments(), tx).unwrap();
    // One batch each, so that segments rotate in between.
    append_range(&log, 3, 13).await;
    log.close();
    let committed: Vec<Committed> = rx.iter().flatten().collect();
    let seqs: Vec<u64> = committed.iter().map(|c| c.seq.0).collect();
    assert_eq!(seqs, (3..=12).collect::<Vec<_>>());
    assert!(
        committed.last().unwrap().segment > committed[0].segment,
        "rotated"
    );
    for c in &committed {
        let entry = read_at(tmp.path(), c.segment, c.offset).unwrap();
        assert_eq!(
            (entry.seq, entry.segment, entry.offset),
            (c.seq, c.segment, c.offset)
        );
        assert_eq!(entry.record, c.record);
        assert_eq!(
            entry.value().unwrap()["i"].as_u64(),
            Some(c.seq.0),
            "the record as appended"
        );
    }
}

#[tokio::test]
async fn entries_carry_offsets_that_read_at_takes() {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 10).await;
    let entries: Vec<_> = read_entries(tmp.path())
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(entries.len(), 10);
    for e in &entries {
        let at = read_at(tmp.path(), e.segment, e.offset).unwrap();
        assert_eq!((at.seq, &at.record, at.line), (e.seq, &e.record, 0));
    }
    // Not the start of a record line: the header, or mid-line.
    let first = &entries[0];
    assert!(matches!(
        read_at(tmp.path(), first.segment, 0),
        Err(AuditError::Malformed { .. })
    ));
    assert!(matches!(
        read_at(tmp.path(), first.segment, first.offset + 1),
        Err(AuditError::Malformed { .. })
    ));
    assert!(matches!(
        read_at(tmp.path(), first.segment, 1 << 20),
        Err(AuditError::Malformed { .. })
    ));
    // A segment deleted by retention.
    let missing = read_at(tmp.path(), 999, 0).unwrap_err();
    assert!(missing.is_not_found(), "{missing}");
}

#[tokio::test]
async fn read_entries_from_skips_older_segments_unread() {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 12).await;
    let files = segments(tmp.path());
    // An older segment read would show as a malformed line.
    std::fs::write(&files[0], "garbage\nmore garbage\n").unwrap();
    let all: Vec<_> = read_entries_from(tmp.path(), Sequence(8))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let seqs: Vec<u64> = all.iter().map(|e| e.seq.0).collect();
    assert_eq!(seqs, (8..=12).collect::<Vec<_>>());
    for e in &all {
        assert_eq!(read_at(tmp.path(), e.segment, e.offset).unwrap().seq, e.seq);
    }
    // Beyond the end: nothing.
    assert_eq!(
        read_entries_from(tmp.path(), Sequence(13)).unwrap().count(),
        0
    );
}

/// A failed batch (the next segment's path is taken by a directory) makes
/// the log unhealthy until a batch succeeds again.
#[tokio::test]
async fn health_flips_with_failed_and_successful_batches() {
    let tmp = tempfile::tempdir().unwrap();
    let options = AuditOptions {
        segment_size: 1,
        ..AuditOptions::default()
    };
    let log = AuditLog::open(tmp.path(), key(), options).unwrap();
    assert!(log.is_healthy());
    append_range(&log, 1, 3).await;
    assert!(log.is_healthy());
    let blocker = tmp.path().join(format!("{:012}.jsonl", 3));
    std::fs::create_dir(&blocker).unwrap();
    assert!(log.append(record(3)).await.is_err());
    assert!(!log.is_healthy());
    std::fs::remove_dir(&blocker).unwrap();
    log.append(record(4)).await.unwrap();
    assert!(log.is_healthy());
    log.close();
}
