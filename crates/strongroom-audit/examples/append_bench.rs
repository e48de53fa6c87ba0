//! Appends per second with 16 (or TASKS) concurrent tasks, fdatasync on and off.
//!
//! `cargo run --release -p strongroom-audit --example append_bench [DIR] [SECONDS] [TASKS]`
//!
//! DIR (default: a temporary directory under the current one, so that the
//! numbers are those of a real disk rather than a tmpfs `/tmp`) gets one
//! fresh sub-directory per run. Each task builds a CloudTrail-sized record
//! (about 900 bytes of JSON) per append, as the server will.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark, not library code

use serde_json::json;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use strongroom_audit::{AuditKey, AuditLog, AuditOptions, verify};

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let seconds: u64 = args.next().map_or(3, |s| s.parse().expect("SECONDS"));
    let tasks_n: usize = args.next().map_or(16, |s| s.parse().expect("TASKS"));
    let tmp = tempfile::tempdir_in(&base).expect("temporary directory");
    let key = AuditKey::derive(&[42u8; 32]);
    for sync in [true, false] {
        let dir = tmp.path().join(if sync { "sync" } else { "nosync" });
        let options = AuditOptions {
            sync,
            ..AuditOptions::default()
        };
        let log = Arc::new(AuditLog::open(&dir, key.clone(), options).expect("open"));
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for t in 0..tasks_n {
            let log = Arc::clone(&log);
            tasks.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut i = 0u64;
                while Instant::now() < deadline {
                    let t0 = Instant::now();
                    log.append(event(t, i)).await.expect("append");
                    latencies.push(t0.elapsed());
                    i += 1;
                }
                latencies
            }));
        }
        let mut latencies = Vec::new();
        for task in tasks {
            latencies.extend(task.await.expect("task"));
        }
        let elapsed = started.elapsed();
        log.close();
        latencies.sort_unstable();
        let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize];
        let report = verify(&dir, &key).expect("the trail verifies");
        let bytes: u64 = std::fs::read_dir(&dir)
            .expect("read dir")
            .map(|e| e.expect("entry").metadata().expect("metadata").len())
            .sum();
        println!(
            "sync={sync:<5} {tasks_n} tasks: {:>9.0} appends/s  p50 {:>7.1?}  p99 {:>7.1?}  ({} records, {:.1} MiB, {} segment(s), verified)",
            latencies.len() as f64 / elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.99),
            report.records,
            bytes as f64 / (1 << 20) as f64,
            report.segments,
        );
    }
}

/// A record shaped and sized like a CloudTrail GetSecretValue event.
fn event(task: usize, i: u64) -> serde_json::Value {
    json!({
        "eventVersion": "1.08",
        "userIdentity": {
            "type": "IAMUser",
            "principalId": "AIDAEXAMPLEPRINCIPAL01",
            "arn": format!("arn:aws:iam::123456789012:user/bench-{task}"),
            "accountId": "123456789012",
            "accessKeyId": "AKIAEXAMPLEACCESSKEY",
            "userName": format!("bench-{task}")
        },
        "eventTime": "2026-12-01T12:00:00Z",
        "eventSource": "secretsmanager.amazonaws.com",
        "eventName": "GetSecretValue",
        "awsRegion": "us-east-1",
        "sourceIPAddress": "127.0.0.1",
        "userAgent": "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0",
        "requestParameters": {"secretId": format!("db/prod/{task}")},
        "responseElements": null,
        "requestID": format!("0f9e7a52-6d7b-4c9e-9a0b-{task:04}{i:08}"),
        "eventID": format!("6c0c2a4e-5f1b-4a1c-8f5e-{i:012}"),
        "readOnly": true,
        "resources": [{
            "accountId": "123456789012",
            "type": "AWS::SecretsManager::Secret",
            "ARN": format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:db/prod/{task}-AbCdEf")
        }],
        "eventType": "AwsApiCall",
        "managementEvent": true,
        "recipientAccountId": "123456789012",
        "eventCategory": "Management"
    })
}
