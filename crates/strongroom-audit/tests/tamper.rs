//! Tampering with a trail: each edit makes `verify` fail and name the file,
//! line and kind of the first problem; an untouched trail, or one whose
//! oldest segments were removed (retention), verifies.

#![allow(clippy::unwrap_used)] // helpers outside #[test] fns too

mod common;

use common::{build_trail, key, lines, segments, seq_of, write_lines};
use std::path::{Path, PathBuf};
use strongroom_audit::{Tamper, TamperKind, verify};

/// A closed trail of 12 records over several segments, and its files.
async fn trail() -> (tempfile::TempDir, Vec<PathBuf>) {
    let tmp = tempfile::tempdir().unwrap();
    build_trail(tmp.path(), 12).await;
    let files = segments(tmp.path());
    assert!(files.len() >= 3);
    for file in &files[..files.len() - 1] {
        assert!(
            lines(file).len() >= 4,
            "each full segment: a header and 3+ records"
        );
    }
    verify(tmp.path(), &key()).expect("the untouched trail verifies");
    (tmp, files)
}

fn tamper_of(dir: &Path) -> Tamper {
    match verify(dir, &key()) {
        Ok(report) => panic!("tampering went unnoticed: {report:?}"),
        Err(tamper) => tamper,
    }
}

fn at(tamper: &Tamper) -> (PathBuf, u64) {
    (tamper.file.clone(), tamper.line)
}

#[tokio::test]
async fn editing_one_byte_of_a_record_is_named() {
    let (tmp, files) = trail().await;
    let mut text = lines(&files[1]);
    let seq = seq_of(&text[2]);
    // Inside the record's JSON: one `x` of the padding becomes `y`.
    let pos = text[2].rfind('x').unwrap();
    text[2].replace_range(pos..=pos, "y");
    write_lines(&files[1], &text);
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[1].clone(), 3));
    assert_eq!(tamper.kind, TamperKind::BadMac { seq });
    let message = tamper.to_string();
    assert!(
        message.contains("line 3") && message.contains("modified"),
        "{message}"
    );
}

#[tokio::test]
async fn editing_any_single_byte_of_a_line_is_noticed() {
    let (tmp, files) = trail().await;
    let original = std::fs::read(&files[1]).unwrap();
    let first_newline = original.iter().position(|&b| b == b'\n').unwrap();
    // Every byte of the first record line, header line's end included.
    let second_newline = first_newline
        + 1
        + original[first_newline + 1..]
            .iter()
            .position(|&b| b == b'\n')
            .unwrap();
    for i in 0..second_newline {
        let mut edited = original.clone();
        edited[i] = if edited[i] == b'1' { b'2' } else { b'1' };
        std::fs::write(&files[1], &edited).unwrap();
        let tamper = tamper_of(tmp.path());
        assert_eq!(tamper.file, files[1], "byte {i}");
        assert!(tamper.line <= 2, "byte {i}: {tamper}");
    }
}

#[tokio::test]
async fn deleting_a_line_is_named_as_removed_records() {
    let (tmp, files) = trail().await;
    let mut text = lines(&files[0]);
    let removed = text.remove(2);
    write_lines(&files[0], &text);
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[0].clone(), 3));
    let expected = seq_of(&removed);
    assert_eq!(
        tamper.kind,
        TamperKind::Removed {
            expected,
            found: expected + 1
        }
    );
}

#[tokio::test]
async fn swapping_two_lines_is_named_as_reordered() {
    let (tmp, files) = trail().await;
    let mut text = lines(&files[1]);
    let (a, b) = (seq_of(&text[1]), seq_of(&text[2]));
    text.swap(1, 2);
    write_lines(&files[1], &text);
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[1].clone(), 2));
    assert_eq!(
        tamper.kind,
        TamperKind::Reordered {
            expected: a,
            found: b,
            expected_at_line: 3
        }
    );
}

#[tokio::test]
async fn an_inserted_forged_line_is_named() {
    let (tmp, files) = trail().await;
    let mut text = lines(&files[1]);
    // Someone without the key adds a record where the next one is due,
    // renumbering nothing: its MAC cannot be right.
    let due = seq_of(&text[2]);
    let forged = format!(
        r#"{{"seq":{due},"mac":"{}","record":{{"eventName":"GetSecretValue","i":0}}}}"#,
        "5".repeat(64)
    );
    text.insert(2, forged);
    write_lines(&files[1], &text);
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[1].clone(), 3));
    assert_eq!(tamper.kind, TamperKind::BadMac { seq: due });
}

#[tokio::test]
async fn a_replayed_line_is_named() {
    let (tmp, files) = trail().await;
    let mut text = lines(&files[1]);
    let copy = text[1].clone();
    let due = seq_of(&text[2]);
    text.insert(3, copy.clone());
    write_lines(&files[1], &text);
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[1].clone(), 4));
    assert_eq!(
        tamper.kind,
        TamperKind::Repeated {
            expected: due + 1,
            found: seq_of(&copy)
        }
    );
}

#[tokio::test]
async fn an_inserted_line_of_another_shape_is_named() {
    let (tmp, files) = trail().await;
    let mut text = lines(&files[0]);
    text.insert(2, r#"{"eventName":"DeleteSecret"}"#.to_owned());
    write_lines(&files[0], &text);
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[0].clone(), 3));
    assert!(
        matches!(tamper.kind, TamperKind::Malformed { .. }),
        "{tamper}"
    );
}

#[tokio::test]
async fn truncating_the_newest_segment_mid_line_is_named() {
    let (tmp, files) = trail().await;
    let newest = files.last().unwrap();
    let n_lines = lines(newest).len() as u64;
    let len = std::fs::metadata(newest).unwrap().len();
    std::fs::File::options()
        .write(true)
        .open(newest)
        .unwrap()
        .set_len(len - 10)
        .unwrap();
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (newest.clone(), n_lines));
    assert_eq!(tamper.kind, TamperKind::Truncated);
}

#[tokio::test]
async fn removing_a_middle_segment_is_named() {
    let (tmp, files) = trail().await;
    std::fs::remove_file(&files[1]).unwrap();
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[2].clone(), 0));
    assert_eq!(
        tamper.kind,
        TamperKind::MissingSegment {
            expected: 2,
            found: 3
        }
    );
}

#[tokio::test]
async fn removing_the_oldest_segments_is_a_retention_boundary_not_tampering() {
    let (tmp, files) = trail().await;
    std::fs::remove_file(&files[0]).unwrap();
    std::fs::remove_file(&files[1]).unwrap();
    let report = verify(tmp.path(), &key()).unwrap();
    assert!(report.starts_at_retention_boundary);
    assert_eq!(report.first_segment, Some(3));
    assert_eq!(report.segments, files.len() as u64 - 2);
    assert_eq!(report.last_seq.map(|s| s.0), Some(12));
}

#[tokio::test]
async fn removing_the_last_lines_of_an_older_segment_breaks_the_link() {
    let (tmp, files) = trail().await;
    let mut text = lines(&files[0]);
    let removed = text.pop().unwrap();
    write_lines(&files[0], &text);
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[1].clone(), 1));
    let seq = seq_of(&removed);
    assert_eq!(
        tamper.kind,
        TamperKind::BrokenLink {
            expected_first_seq: seq,
            found_first_seq: seq + 1
        }
    );
}

#[tokio::test]
async fn an_edited_header_is_named() {
    let (tmp, files) = trail().await;
    let mut text = lines(&files[2]);
    // Pointing the header at another place in the chain takes the key.
    text[0] = text[0].replacen("\"first_seq\":", "\"first_seq\":1", 1);
    write_lines(&files[2], &text);
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[2].clone(), 1));
    assert_eq!(tamper.kind, TamperKind::BadHeaderMac);
}

#[tokio::test]
async fn a_renamed_segment_is_named() {
    let (tmp, files) = trail().await;
    // Segment 2 renamed into segment 1's place after removing segment 1.
    std::fs::remove_file(&files[0]).unwrap();
    std::fs::rename(&files[1], &files[0]).unwrap();
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (files[0].clone(), 1));
    assert_eq!(
        tamper.kind,
        TamperKind::HeaderNamesOtherSegment { header: 2 }
    );
    // A copy under a name the writer never uses is named too.
    std::fs::rename(&files[0], tmp.path().join("2.jsonl")).unwrap();
    let tamper = tamper_of(tmp.path());
    assert_eq!(at(&tamper), (tmp.path().join("2.jsonl"), 0));
    assert_eq!(tamper.kind, TamperKind::UnexpectedSegmentName);
}

#[tokio::test]
async fn an_empty_directory_verifies_as_an_empty_trail() {
    let tmp = tempfile::tempdir().unwrap();
    let report = verify(tmp.path(), &key()).unwrap();
    assert_eq!((report.segments, report.records), (0, 0));
    assert_eq!(report.last_seq, None);
    let missing = verify(&tmp.path().join("nope"), &key()).unwrap_err();
    assert!(matches!(missing.kind, TamperKind::Unreadable { .. }));
}
