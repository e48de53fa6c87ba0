//! Recording through `Trail` and looking events up: every attribute,
//! account scoping, time ranges, paging, restart catch-up and rebuilds.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use strongroom_audit::{AuditKey, AuditOptions};
use strongroom_trail::{
    LookupAttributeKey as K, LookupError, LookupQuery, Resource, Trail, TrailEvent, TrailOptions,
    UserIdentity,
};

const ACCOUNT: &str = "111111111111";
const OTHER: &str = "222222222222";
/// 2026-01-01T00:00:00Z.
const T0: i64 = 1_767_225_600;

fn key() -> AuditKey {
    AuditKey::derive(&[9u8; 32])
}

fn time(t: i64) -> String {
    let secs = t - T0;
    format!(
        "2026-01-01T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Event `i`: GetSecretValue by alice on secret `s{i % 3}` (or
/// DeleteSecret by bob on a missing secret for every 5th), at T0 + i.
fn event(i: u64, account: &str) -> TrailEvent {
    let t = T0 + i as i64;
    let (name, user, read_only) = if i.is_multiple_of(5) {
        ("DeleteSecret", "bob", false)
    } else {
        ("GetSecretValue", "alice", true)
    };
    let secret = format!("s{}", i % 3);
    let resources = if i.is_multiple_of(5) {
        vec![]
    } else {
        vec![Resource {
            arn: format!("arn:aws:secretsmanager:us-east-1:{account}:secret:{secret}-AbCdEf"),
            account_id: account.to_owned(),
            kind: "AWS::SecretsManager::Secret".to_owned(),
        }]
    };
    TrailEvent {
        event_version: "1.09".into(),
        user_identity: UserIdentity {
            kind: "IAMUser".into(),
            arn: Some(format!("arn:aws:iam::{account}:user/{user}")),
            account_id: Some(account.to_owned()),
            access_key_id: Some(format!("AKIA{user}")),
            user_name: Some(user.into()),
            ..UserIdentity::default()
        },
        event_time: time(t),
        event_source: "secretsmanager.amazonaws.com".into(),
        event_name: name.into(),
        aws_region: "us-east-1".into(),
        source_ip_address: "127.0.0.1".into(),
        user_agent: "test".into(),
        error_code: None,
        error_message: None,
        request_parameters: Some(serde_json::json!({"secretId": secret})),
        response_elements: None,
        additional_event_data: None,
        request_id: None,
        event_id: format!("event-{account}-{i}"),
        read_only,
        resources,
        event_type: "AwsApiCall".into(),
        management_event: true,
        recipient_account_id: Some(account.to_owned()),
        event_category: "Management".into(),
    }
}

fn open(dir: &Path) -> Trail {
    let options = TrailOptions {
        audit: AuditOptions {
            segment_size: 4096,
            ..AuditOptions::default()
        },
        ..TrailOptions::default()
    };
    Trail::open(
        &dir.join("audit"),
        &dir.join("audit-index.db"),
        key(),
        options,
    )
    .unwrap()
}

async fn record_range(trail: &Trail, from: u64, to: u64, account: &str) {
    for i in from..to {
        trail.record(&event(i, account)).await.unwrap();
    }
}

fn query(attribute: Option<(K, &str)>) -> LookupQuery {
    LookupQuery {
        attribute: attribute.map(|(k, v)| (k, v.to_owned())),
        max_results: 50,
        ..LookupQuery::default()
    }
}

/// The `i`s of the events found (from their event ids), in order.
fn ids(trail: &Trail, account: &str, q: &LookupQuery) -> Vec<u64> {
    let page = trail.lookup(account, q).unwrap();
    page.events
        .iter()
        .map(|e| e.event_id.rsplit('-').next().unwrap().parse().unwrap())
        .collect()
}

fn expected(range: std::ops::Range<u64>, keep: impl Fn(u64) -> bool) -> Vec<u64> {
    range.rev().filter(|&i| keep(i)).collect()
}

#[tokio::test]
async fn every_attribute_finds_its_events_newest_first() {
    let tmp = tempfile::tempdir().unwrap();
    let trail = open(tmp.path());
    record_range(&trail, 1, 31, ACCOUNT).await;
    record_range(&trail, 1, 11, OTHER).await;
    let get = |i: u64| !i.is_multiple_of(5);
    let arn1 = format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s1-AbCdEf");
    type Case<'a> = (Option<(K, &'a str)>, Vec<u64>);
    let cases: Vec<Case> = vec![
        (None, expected(1..31, |_| true)),
        (
            Some((K::EventName, "DeleteSecret")),
            expected(1..31, |i| !get(i)),
        ),
        (Some((K::EventName, "GetSecretValue")), expected(1..31, get)),
        (Some((K::ReadOnly, "false")), expected(1..31, |i| !get(i))),
        (Some((K::ReadOnly, "true")), expected(1..31, get)),
        (Some((K::Username, "bob")), expected(1..31, |i| !get(i))),
        (Some((K::AccessKeyId, "AKIAalice")), expected(1..31, get)),
        (
            Some((K::EventSource, "secretsmanager.amazonaws.com")),
            expected(1..31, |_| true),
        ),
        (Some((K::EventId, "event-111111111111-7")), vec![7]),
        (Some((K::EventId, "event-222222222222-7")), vec![]),
        (
            Some((K::ResourceType, "AWS::SecretsManager::Secret")),
            expected(1..31, get),
        ),
        // By name: the resource's short name, and secretId for the
        // DeleteSecret calls that name no resource.
        (
            Some((K::ResourceName, "s1")),
            expected(1..31, |i| i % 3 == 1),
        ),
        (
            Some((K::ResourceName, &arn1)),
            expected(1..31, |i| i % 3 == 1 && get(i)),
        ),
        (Some((K::ResourceName, "nope")), vec![]),
    ];
    for (attribute, want) in cases {
        let mut q = query(attribute);
        q.max_results = 50;
        assert_eq!(ids(&trail, ACCOUNT, &q), want, "{attribute:?}");
    }
    // Account scoping.
    assert_eq!(ids(&trail, OTHER, &query(None)), expected(1..11, |_| true));
    assert_eq!(ids(&trail, "333333333333", &query(None)), Vec::<u64>::new());

    // What LookupEvents returns for one event.
    let page = trail
        .lookup(ACCOUNT, &query(Some((K::EventId, "event-111111111111-7"))))
        .unwrap();
    let e = &page.events[0];
    assert_eq!(e.event_name, "GetSecretValue");
    assert!(e.read_only);
    assert_eq!(e.event_time, T0 + 7);
    assert_eq!(e.username.as_deref(), Some("alice"));
    assert_eq!(e.access_key_id.as_deref(), Some("AKIAalice"));
    assert_eq!(e.event_source, "secretsmanager.amazonaws.com");
    assert_eq!(
        e.resources,
        [(
            "AWS::SecretsManager::Secret".to_owned(),
            format!("arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:s1-AbCdEf")
        )]
    );
    let stored: TrailEvent = serde_json::from_str(&e.cloud_trail_event).unwrap();
    assert_eq!(stored, event(7, ACCOUNT));
    trail.close();
}

#[tokio::test]
async fn time_ranges_are_inclusive_and_pages_follow_each_other() {
    let tmp = tempfile::tempdir().unwrap();
    let trail = open(tmp.path());
    record_range(&trail, 1, 41, ACCOUNT).await;
    let mut q = query(None);
    q.start_time = Some(T0 + 10);
    q.end_time = Some(T0 + 20);
    assert_eq!(ids(&trail, ACCOUNT, &q), expected(10..21, |_| true));

    // Pages of 7 over the range: together, all of it, once, in order.
    q.max_results = 7;
    let mut all = Vec::new();
    let mut pages = 0;
    loop {
        let page = trail.lookup(ACCOUNT, &q).unwrap();
        pages += 1;
        all.extend(page.events.iter().map(|e| e.event_time - T0));
        match page.next_token {
            Some(token) => q.next_token = Some(token),
            None => break,
        }
    }
    assert_eq!(pages, 2);
    assert_eq!(
        all,
        expected(10..21, |_| true)
            .into_iter()
            .map(|i| i as i64)
            .collect::<Vec<_>>()
    );

    // A token is bound to its query.
    let first = trail
        .lookup(
            ACCOUNT,
            &LookupQuery {
                max_results: 3,
                ..query(None)
            },
        )
        .unwrap();
    let token = first.next_token.unwrap();
    let other = LookupQuery {
        next_token: Some(token.clone()),
        ..query(Some((K::Username, "bob")))
    };
    assert!(matches!(
        trail.lookup(ACCOUNT, &other),
        Err(LookupError::InvalidNextToken)
    ));
    assert!(matches!(
        trail.lookup(
            OTHER,
            &LookupQuery {
                next_token: Some(token),
                ..query(None)
            }
        ),
        Err(LookupError::InvalidNextToken)
    ));
    assert!(matches!(
        trail.lookup(
            ACCOUNT,
            &LookupQuery {
                next_token: Some("garbage".into()),
                ..query(None)
            }
        ),
        Err(LookupError::InvalidNextToken)
    ));
}

#[tokio::test]
async fn a_reopened_trail_catches_up_and_a_deleted_index_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    let trail = open(tmp.path());
    record_range(&trail, 1, 11, ACCOUNT).await;
    assert_eq!(
        ids(&trail, ACCOUNT, &query(None)),
        expected(1..11, |_| true)
    );
    drop(trail);

    // Events appended while no trail followed (the index lags): caught up.
    let log =
        strongroom_audit::AuditLog::open(&tmp.path().join("audit"), key(), AuditOptions::default())
            .unwrap();
    for i in 11..13 {
        log.append_json(&event(i, ACCOUNT)).await.unwrap();
    }
    log.close();
    let trail = open(tmp.path());
    assert_eq!(
        ids(&trail, ACCOUNT, &query(None)),
        expected(1..13, |_| true)
    );
    drop(trail);

    // Events recorded with the index file gone: the next open rebuilds it
    // from the segments.
    let trail = open(tmp.path());
    record_range(&trail, 13, 16, ACCOUNT).await;
    drop(trail);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(tmp.path().join(format!("audit-index.db{suffix}")));
    }
    let trail = open(tmp.path());
    assert_eq!(
        ids(&trail, ACCOUNT, &query(None)),
        expected(1..16, |_| true)
    );
    record_range(&trail, 16, 21, ACCOUNT).await;
    assert_eq!(
        ids(&trail, ACCOUNT, &query(Some((K::Username, "bob")))),
        expected(1..21, |i| i % 5 == 0)
    );
    drop(trail);

    // A corrupt index file is rebuilt too.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(tmp.path().join(format!("audit-index.db{suffix}")));
    }
    std::fs::write(
        tmp.path().join("audit-index.db"),
        b"not a database at all, no",
    )
    .unwrap();
    let trail = open(tmp.path());
    assert_eq!(
        ids(&trail, ACCOUNT, &query(None)),
        expected(1..21, |_| true)
    );
}

#[tokio::test]
async fn an_index_ahead_of_a_restarted_trail_is_rebuilt() {
    let tmp = tempfile::tempdir().unwrap();
    let trail = open(tmp.path());
    record_range(&trail, 1, 11, ACCOUNT).await;
    drop(trail);
    // The operator starts the trail over (segments and HEAD removed).
    std::fs::remove_dir_all(tmp.path().join("audit")).unwrap();
    let trail = open(tmp.path());
    record_range(&trail, 100, 103, ACCOUNT).await;
    assert_eq!(ids(&trail, ACCOUNT, &query(None)), [102, 101, 100]);
}

#[tokio::test]
async fn events_without_an_account_are_stored_but_not_indexed() {
    let tmp = tempfile::tempdir().unwrap();
    let trail = open(tmp.path());
    let mut e = event(1, ACCOUNT);
    e.recipient_account_id = None;
    trail.record(&e).await.unwrap();
    record_range(&trail, 2, 3, ACCOUNT).await;
    assert_eq!(ids(&trail, ACCOUNT, &query(None)), [2]);
    trail.close();
    let stored = strongroom_audit::read_entries(&tmp.path().join("audit"))
        .unwrap()
        .count();
    assert_eq!(stored, 2);
}

#[tokio::test]
async fn events_in_segments_deleted_by_retention_are_not_returned() {
    let tmp = tempfile::tempdir().unwrap();
    let options = TrailOptions {
        audit: AuditOptions {
            segment_size: 4096,
            retention: strongroom_audit::Retention {
                max_segments: Some(2),
                max_age: None,
            },
            ..AuditOptions::default()
        },
        ..TrailOptions::default()
    };
    let audit = tmp.path().join("audit");
    let index = tmp.path().join("audit-index.db");
    let trail = Trail::open(&audit, &index, key(), options.clone()).unwrap();
    record_range(&trail, 1, 61, ACCOUNT).await;
    let mut kept: Vec<u64> = strongroom_audit::read_entries(&audit)
        .unwrap()
        .map(|e| e.unwrap().seq.0)
        .collect();
    kept.reverse();
    assert!(kept.len() < 60, "retention deleted segments");
    // Seq i holds event i here.
    assert_eq!(
        ids(&trail, ACCOUNT, &query(None)),
        kept[..kept.len().min(50)]
    );
    drop(trail);
    // Reopened (and pruned), the same.
    let trail = Trail::open(&audit, &index, key(), options).unwrap();
    assert_eq!(
        ids(&trail, ACCOUNT, &query(None)),
        kept[..kept.len().min(50)]
    );
}

/// A clean close folds the index's WAL into the database: nothing is left
/// in `audit-index.db-wal`, and the events are found after a reopen.
#[tokio::test]
async fn a_clean_close_leaves_no_index_wal() {
    let tmp = tempfile::tempdir().unwrap();
    let trail = open(tmp.path());
    record_range(&trail, 1, 40, ACCOUNT).await;
    // A lookup makes the follower index what is durable, in the WAL.
    assert_eq!(
        ids(&trail, ACCOUNT, &query(None)),
        expected(1..40, |_| true)
    );
    drop(trail);
    let wal = tmp.path().join("audit-index.db-wal");
    let left = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    assert_eq!(left, 0, "{} holds {left} bytes", wal.display());
    let trail = open(tmp.path());
    assert_eq!(
        ids(&trail, ACCOUNT, &query(None)),
        expected(1..40, |_| true)
    );
}
