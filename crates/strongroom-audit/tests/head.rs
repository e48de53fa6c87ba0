//! The chain head anchor (`HEAD`): cutting the newest lines or segments is
//! named by `verify` and refused by `open`; a HEAD left behind by a crash is
//! fine; a fresh directory and retention are unaffected.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns too

mod common;

use common::{
    append_range, build_trail, key, lines, record, segments, small_segments, write_lines,
};
use std::path::Path;
use strongroom_audit::{
    AuditError, AuditLog, AuditOptions, Retention, Sequence, TamperKind, verify,
};

fn head_path(dir: &Path) -> std::path::PathBuf {
    dir.join("HEAD")
}

#[tokio::test]
async fn a_fresh_directory_gets_a_head_and_verifies() {
    let tmp = tempfile::tempdir().unwrap();
    let log = AuditLog::open(tmp.path(), key(), AuditOptions::default()).unwrap();
    log.close();
    assert_eq!(std::fs::metadata(head_path(tmp.path())).unwrap().len(), 256);
    let report = verify(tmp.path(), &key()).unwrap();
    assert_eq!((report.records, report.head_seq), (0, None));
    // And it opens again.
    AuditLog::open(tmp.path(), key(), AuditOptions::default())
        .unwrap()
        .close();
}

#[tokio::test]
async fn head_follows_every_batch() {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 12).await;
    let report = verify(tmp.path(), &key()).unwrap();
    assert_eq!(report.head_seq, Some(Sequence(12)));
    assert_eq!(report.last_seq, Some(Sequence(12)));
}

#[tokio::test]
async fn removing_the_newest_lines_is_named_and_refused_on_open() {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 12).await;
    let newest = segments(tmp.path()).pop().unwrap();
    let mut text = lines(&newest);
    assert!(text.len() >= 3, "a header and 2+ records");
    text.pop();
    write_lines(&newest, &text);

    let tamper = verify(tmp.path(), &key()).unwrap_err();
    assert_eq!(
        tamper.kind,
        TamperKind::TruncatedBeforeHead {
            head_seq: 12,
            last_seq: 11
        }
    );
    assert_eq!(
        (tamper.file.clone(), tamper.line),
        (newest.clone(), text.len() as u64)
    );
    assert!(tamper.to_string().contains("removed"), "{tamper}");

    let err = AuditLog::open(tmp.path(), key(), small_segments()).unwrap_err();
    assert!(matches!(err, AuditError::Damaged(_)), "{err}");
    assert!(
        err.to_string().contains("strongroom admin audit verify"),
        "{err}"
    );
    // Nothing was changed by the refusal.
    assert_eq!(lines(&newest), text);

    // The operator accepts the finding; the log opens and continues.
    let anchored = AuditLog::reanchor(tmp.path(), key(), small_segments()).unwrap();
    assert_eq!(anchored, Some(Sequence(11)));
    let log = AuditLog::open(tmp.path(), key(), small_segments()).unwrap();
    assert_eq!(append_range(&log, 100, 101).await, [Sequence(12)]);
    log.close();
    let report = verify(tmp.path(), &key()).unwrap();
    assert_eq!(report.head_seq, Some(Sequence(12)));
}

#[tokio::test]
async fn removing_the_newest_segment_is_named_at_the_end_of_the_one_before() {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 12).await;
    let mut files = segments(tmp.path());
    let newest = files.pop().unwrap();
    std::fs::remove_file(&newest).unwrap();
    let before = files.pop().unwrap();
    let n_lines = lines(&before).len() as u64;

    let tamper = verify(tmp.path(), &key()).unwrap_err();
    assert_eq!((tamper.file.clone(), tamper.line), (before, n_lines));
    assert!(
        matches!(tamper.kind, TamperKind::TruncatedBeforeHead { head_seq: 12, last_seq } if last_seq < 12),
        "{tamper}"
    );
    assert!(matches!(
        AuditLog::open(tmp.path(), key(), small_segments()),
        Err(AuditError::Damaged(_))
    ));
}

#[tokio::test]
async fn removing_every_segment_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 5).await;
    for file in segments(tmp.path()) {
        std::fs::remove_file(file).unwrap();
    }
    let tamper = verify(tmp.path(), &key()).unwrap_err();
    assert_eq!(
        tamper.kind,
        TamperKind::TruncatedBeforeHead {
            head_seq: 5,
            last_seq: 0
        }
    );
    assert!(AuditLog::open(tmp.path(), key(), small_segments()).is_err());
}

/// A crash after a batch's fdatasync but before its HEAD update leaves HEAD
/// behind the chain: that verifies and opens, and opening catches HEAD up.
#[tokio::test]
async fn a_head_left_behind_by_a_crash_is_fine() {
    let tmp = tempfile::tempdir().unwrap();
    let log = AuditLog::open(tmp.path(), key(), small_segments()).unwrap();
    append_range(&log, 1, 6).await;
    let old_head = std::fs::read(head_path(tmp.path())).unwrap();
    append_range(&log, 6, 13).await;
    log.close();
    std::fs::write(head_path(tmp.path()), &old_head).unwrap();

    let report = verify(tmp.path(), &key()).unwrap();
    assert_eq!(report.head_seq, Some(Sequence(5)));
    assert_eq!(report.last_seq, Some(Sequence(12)));
    let log = AuditLog::open(tmp.path(), key(), small_segments()).unwrap();
    log.close();
    assert_eq!(
        verify(tmp.path(), &key()).unwrap().head_seq,
        Some(Sequence(12))
    );
}

#[tokio::test]
async fn a_missing_or_forged_head_beside_records_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 5).await;
    let head = head_path(tmp.path());
    let genuine = std::fs::read(&head).unwrap();

    std::fs::remove_file(&head).unwrap();
    let tamper = verify(tmp.path(), &key()).unwrap_err();
    assert_eq!(
        (tamper.file.clone(), tamper.kind),
        (head.clone(), TamperKind::HeadMissing)
    );
    assert!(AuditLog::open(tmp.path(), key(), small_segments()).is_err());

    // An empty HEAD counts as missing.
    std::fs::write(&head, b"").unwrap();
    assert_eq!(
        verify(tmp.path(), &key()).unwrap_err().kind,
        TamperKind::HeadMissing
    );

    // Pointing HEAD elsewhere takes the key.
    let text = String::from_utf8(genuine).unwrap();
    let forged = text.replacen("{\"seq\":5,", "{\"seq\":3,", 1);
    assert_ne!(forged, text);
    std::fs::write(&head, forged).unwrap();
    let tamper = verify(tmp.path(), &key()).unwrap_err();
    assert_eq!(tamper.file, head);
    assert!(
        matches!(tamper.kind, TamperKind::BadHead { .. }),
        "{tamper}"
    );
    assert!(matches!(
        AuditLog::open(tmp.path(), key(), small_segments()),
        Err(AuditError::Damaged(_))
    ));
}

/// A chain cut back and continued with other records (as if the log had
/// been opened on the cut chain) holds another record at HEAD's seq.
#[tokio::test]
async fn a_chain_cut_back_and_continued_differs_from_head() {
    let original = tempfile::tempdir().unwrap();
    build_trail(original.path(), 12).await;
    let original_head = std::fs::read(head_path(original.path())).unwrap();

    for n in [12, 14] {
        let other = tempfile::tempdir().unwrap();
        let log = AuditLog::open(other.path(), key(), small_segments()).unwrap();
        for i in 0..n {
            log.append(record(1000 + i)).await.unwrap();
        }
        log.close();
        std::fs::write(head_path(other.path()), &original_head).unwrap();
        let tamper = verify(other.path(), &key()).unwrap_err();
        assert_eq!(tamper.kind, TamperKind::HeadMismatch { seq: 12 }, "n = {n}");
        assert!(matches!(
            AuditLog::open(other.path(), key(), small_segments()),
            Err(AuditError::Damaged(_))
        ));
    }
}

#[tokio::test]
async fn retention_keeps_head_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let options = AuditOptions {
        retention: Retention {
            max_segments: Some(2),
            max_age: None,
        },
        ..small_segments()
    };
    let log = AuditLog::open(tmp.path(), key(), options.clone()).unwrap();
    append_range(&log, 1, 20).await;
    log.close();
    assert_eq!(segments(tmp.path()).len(), 2);
    let report = verify(tmp.path(), &key()).unwrap();
    assert!(report.starts_at_retention_boundary);
    assert_eq!(report.head_seq, Some(Sequence(19)));
    AuditLog::open(tmp.path(), key(), options).unwrap().close();
}
