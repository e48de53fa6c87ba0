//! Helpers shared by the integration tests: a key, records, and raw access
//! to segment files for tampering with them.

#![allow(dead_code)] // each test binary uses its own subset

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use strongroom_audit::{AuditKey, AuditLog, AuditOptions, Sequence};

/// The chain key of every test trail.
pub fn key() -> AuditKey {
    AuditKey::derive(&[7u8; 32])
}

/// A record shaped a little like a CloudTrail event; `i` tells them apart.
pub fn record(i: u64) -> Value {
    json!({"eventName": "GetSecretValue", "i": i, "pad": "x".repeat(64)})
}

/// Options that rotate after three records (a 200-byte header, 202-byte lines) of [`record`]'s size.
pub fn small_segments() -> AuditOptions {
    AuditOptions {
        segment_size: 700,
        ..AuditOptions::default()
    }
}

/// The segment files in `dir`, oldest first.
pub fn segments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    files
}

/// The lines of a file, without their newlines.
pub fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .expect("read segment")
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Writes `lines` back, each with a newline.
pub fn write_lines(path: &Path, lines: &[String]) {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    std::fs::write(path, text).expect("write segment");
}

/// The `seq` of a record line.
pub fn seq_of(line: &str) -> u64 {
    let v: Value = serde_json::from_str(line).expect("record line is JSON");
    v["seq"].as_u64().expect("record line has a seq")
}

/// Appends records `from..to` one after the other (one batch each).
pub async fn append_range(log: &AuditLog, from: u64, to: u64) -> Vec<Sequence> {
    let mut seqs = Vec::new();
    for i in from..to {
        seqs.push(log.append(record(i)).await.expect("append"));
    }
    seqs
}

/// A closed trail of `n` records in `dir` with [`small_segments`].
pub async fn build_trail(dir: &Path, n: u64) {
    let log = AuditLog::open(dir, key(), small_segments()).expect("open");
    append_range(&log, 1, n + 1).await;
    log.close();
}
