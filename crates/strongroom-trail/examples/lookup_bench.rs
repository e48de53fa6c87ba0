//! Ingest rate and LookupEvents latency over a large trail.
//!
//! `cargo run --release -p strongroom-trail --example lookup_bench [DIR] [EVENTS] [TASKS]`
//!
//! Records EVENTS (default 1,000,000) GetSecretValue-sized events over
//! 1,000 secret names and 8 users from TASKS (default 64) concurrent tasks
//! into a fresh trail under DIR (default: the current directory, so that
//! the disk is a real one), reports the rate and the index thread's CPU
//! time, then times lookups by ResourceName, Username, EventId and none.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark, not library code

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use strongroom_audit::AuditKey;
use strongroom_trail::{
    LookupAttributeKey as K, LookupQuery, Resource, Trail, TrailEvent, TrailOptions, UserIdentity,
};

const ACCOUNT: &str = "123456789012";
const SECRETS: u64 = 1_000;
const T0: i64 = 1_796_083_200; // 2026-12-01T00:00:00Z

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let base = args
        .next()
        .map_or_else(|| PathBuf::from("."), PathBuf::from);
    let events: u64 = args
        .next()
        .map_or(1_000_000, |s| s.parse().expect("EVENTS"));
    let tasks_n: u64 = args.next().map_or(64, |s| s.parse().expect("TASKS"));
    let tmp = tempfile::tempdir_in(&base).expect("temporary directory");
    let audit = tmp.path().join("audit");
    let index = tmp.path().join("audit-index.db");
    let trail = Arc::new(
        Trail::open(
            &audit,
            &index,
            AuditKey::derive(&[1; 32]),
            TrailOptions::default(),
        )
        .expect("open"),
    );

    let cpu0 = thread_cpu();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for t in 0..tasks_n {
        let trail = Arc::clone(&trail);
        tasks.push(tokio::spawn(async move {
            let mut i = t;
            while i < events {
                trail.record(&event(i)).await.expect("record");
                i += tasks_n;
            }
        }));
    }
    for task in tasks {
        task.await.expect("task");
    }
    let recorded = started.elapsed();
    // Wait for the index: a lookup waits for what is durable.
    let _ = trail.lookup(ACCOUNT, &query(None, 1));
    let indexed = started.elapsed();
    let cpu1 = thread_cpu();
    println!(
        "recorded {events} events in {recorded:.2?} ({:.0}/s, {tasks_n} tasks, fdatasync on); indexed by {indexed:.2?}",
        events as f64 / recorded.as_secs_f64()
    );
    for (name, secs) in &cpu1 {
        let before = cpu0
            .iter()
            .find(|(n, _)| n == name)
            .map_or(0.0, |(_, s)| *s);
        println!(
            "  thread {name:<16} CPU {:.2} s ({:.1} µs/event)",
            secs - before,
            (secs - before) * 1e6 / events as f64
        );
    }
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let audit_bytes: u64 = std::fs::read_dir(&audit)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum();
    println!(
        "  audit files {:.1} MiB, index {:.1} MiB (+ WAL {:.1} MiB)",
        audit_bytes as f64 / 1048576.0,
        size(&index) as f64 / 1048576.0,
        size(&tmp.path().join("audit-index.db-wal")) as f64 / 1048576.0
    );

    let trail2 = Arc::clone(&trail);
    tokio::task::spawn_blocking(move || {
        let trail = trail2;
        let bench = |label: &str, queries: Vec<LookupQuery>| {
            let mut times = Vec::new();
            let mut found = 0;
            for q in &queries {
                let t = Instant::now();
                let page = trail.lookup(ACCOUNT, q).expect("lookup");
                times.push(t.elapsed());
                found += page.events.len();
            }
            times.sort_unstable();
            let pct = |p: f64| times[((times.len() as f64 - 1.0) * p) as usize];
            println!(
                "lookup {label:<34} x{:<4} p50 {:>9.2?}  p99 {:>9.2?}  max {:>9.2?}  ({:.1} events/page)",
                times.len(),
                pct(0.5),
                pct(0.99),
                times[times.len() - 1],
                found as f64 / times.len() as f64
            );
        };
        let by_name: Vec<_> = (0..200)
            .map(|k| query(Some((K::ResourceName, format!("app/secret-{}", k * 37 % SECRETS))), 50))
            .collect();
        bench("ResourceName (name), 50", by_name);
        let by_arn: Vec<_> = (0..200)
            .map(|k| query(Some((K::ResourceName, arn(k * 53 % SECRETS))), 50))
            .collect();
        bench("ResourceName (ARN), 50", by_arn);
        let mut ranged: Vec<_> = (0..200)
            .map(|k| query(Some((K::ResourceName, format!("app/secret-{}", k * 37 % SECRETS))), 50))
            .collect();
        for q in &mut ranged {
            // An hour in the middle of the trail.
            q.start_time = Some(T0 + 3600);
            q.end_time = Some(T0 + 7200);
        }
        bench("ResourceName, 1 h window, 50", ranged);
        let by_user: Vec<_> = (0..100)
            .map(|k| query(Some((K::Username, format!("user-{}", k % 8))), 50))
            .collect();
        bench("Username, 50", by_user);
        let by_id: Vec<_> = (0..200)
            .map(|k| query(Some((K::EventId, event_id(k * 4999 % events))), 50))
            .collect();
        bench("EventId", by_id);
        bench("(none), 50", (0..100).map(|_| query(None, 50)).collect());
        // Paging deep: ten pages of one name.
        let t = Instant::now();
        let mut q = query(Some((K::ResourceName, "app/secret-7".to_owned())), 50);
        let mut n = 0;
        for _ in 0..10 {
            let page = trail.lookup(ACCOUNT, &q).expect("lookup");
            n += page.events.len();
            match page.next_token {
                Some(token) => q.next_token = Some(token),
                None => break,
            }
        }
        println!("lookup ResourceName, 10 pages of 50: {:.2?} ({n} events)", t.elapsed());
    })
    .await
    .expect("lookups");
    trail.close();
    // Reopening with the index in place costs nothing; rebuilding it all:
    drop(trail);
    std::fs::remove_file(&index).expect("remove index");
    let _ = std::fs::remove_file(tmp.path().join("audit-index.db-wal"));
    let _ = std::fs::remove_file(tmp.path().join("audit-index.db-shm"));
    let t = Instant::now();
    let trail = Trail::open(
        &audit,
        &index,
        AuditKey::derive(&[1; 32]),
        TrailOptions::default(),
    )
    .expect("open");
    let opened = t.elapsed();
    let page = tokio::task::spawn_blocking(move || {
        let mut page = trail.lookup(ACCOUNT, &query(None, 1)).expect("lookup");
        while page.events.is_empty() {
            std::thread::sleep(Duration::from_millis(100));
            page = trail.lookup(ACCOUNT, &query(None, 1)).expect("lookup");
        }
        trail.close();
        page
    })
    .await
    .expect("rebuild");
    println!(
        "rebuild of the index from the segments: open {opened:.2?}, caught up after {:.2?} (newest event {})",
        t.elapsed(),
        page.events.first().map_or(0, |e| e.event_time)
    );
}

fn query(attribute: Option<(K, String)>, max_results: usize) -> LookupQuery {
    LookupQuery {
        attribute,
        max_results,
        ..LookupQuery::default()
    }
}

fn arn(secret: u64) -> String {
    format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app/secret-{secret}-AbCdEf")
}

fn event_id(i: u64) -> String {
    format!("6c0c2a4e-5f1b-4a1c-8f5e-{i:012}")
}

/// Event `i`: a GetSecretValue of one of 1,000 secrets by one of 8 users,
/// about 70 a second of event time.
fn event(i: u64) -> TrailEvent {
    let secret = i * 7919 % SECRETS;
    let user = format!("user-{}", i % 8);
    let secs = (i / 70) as i64;
    TrailEvent {
        event_version: "1.09".into(),
        user_identity: UserIdentity {
            kind: "IAMUser".into(),
            principal_id: Some("AIDAEXAMPLEPRINCIPAL01".into()),
            arn: Some(format!("arn:aws:iam::{ACCOUNT}:user/{user}")),
            account_id: Some(ACCOUNT.into()),
            access_key_id: Some(format!("AKIAEXAMPLE{:09}", i % 8)),
            user_name: Some(user),
            ..UserIdentity::default()
        },
        event_time: format!(
            "2026-12-{:02}T{:02}:{:02}:{:02}Z",
            1 + secs / 86400,
            secs / 3600 % 24,
            secs / 60 % 60,
            secs % 60
        ),
        event_source: "secretsmanager.amazonaws.com".into(),
        event_name: "GetSecretValue".into(),
        aws_region: "us-east-1".into(),
        source_ip_address: "127.0.0.1".into(),
        user_agent: "aws-sdk-rust/1.3.9 os/linux lang/rust/1.95.0".into(),
        error_code: None,
        error_message: None,
        request_parameters: Some(serde_json::json!({"secretId": format!("app/secret-{secret}")})),
        response_elements: None,
        additional_event_data: None,
        request_id: Some(format!("0f9e7a52-6d7b-4c9e-9a0b-{i:012}")),
        event_id: event_id(i),
        read_only: true,
        resources: vec![Resource {
            arn: arn(secret),
            account_id: ACCOUNT.into(),
            kind: "AWS::SecretsManager::Secret".into(),
        }],
        event_type: "AwsApiCall".into(),
        management_event: true,
        recipient_account_id: Some(ACCOUNT.into()),
        event_category: "Management".into(),
    }
}

/// CPU seconds per thread of this process (Linux: /proc), by name.
fn thread_cpu() -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return out;
    };
    for task in tasks.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // Fields after the ")" that ends the name: utime and stime are 14 and 15.
        let Some(rest) = stat.rsplit(')').next() else {
            continue;
        };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks: f64 = fields
            .get(11..13)
            .map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
            .unwrap_or(0.0);
        let name = comm.trim().to_owned();
        let name = if name.starts_with("tokio") || name == "lookup_bench" {
            "tokio+main".to_owned()
        } else {
            name
        };
        match out.iter_mut().find(|(n, _)| *n == name) {
            Some((_, s)) => *s += ticks / 100.0,
            None => out.push((name, ticks / 100.0)),
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}
