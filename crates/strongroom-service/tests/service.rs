//! Service-level tests with a manual clock: time-dependent behaviour (the
//! recovery window, purge, LastAccessedDate) without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use strongroom_crypto::{Key256, RootKey};
use strongroom_domain::{Error, SecretValue, Timestamp};
use strongroom_policy::{Policy, PolicyKind};
use strongroom_service::{
    Clock, CreateSecretInput, GetSecretValueInput, Principal, PrincipalKind, PutSecretValueInput,
    RequestContext, Service, ServiceError,
};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;

struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

const DAY: i64 = 86_400_000;

fn setup() -> (tempfile::TempDir, Service, Arc<ManualClock>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let clock = Arc::new(ManualClock(AtomicI64::new(1_700_000_000_000)));
    let root = RootKey(Key256::generate().expect("key"));
    let service = Service::new(store, root, clock.clone());
    (dir, service, clock)
}

/// The account's administrator calling in `region`.
fn caller_in(region: &str) -> RequestContext {
    RequestContext {
        request_id: "test".into(),
        principal: Arc::new(Principal {
            account: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/admin".into(),
            kind: PrincipalKind::User,
            id: "AIDAADMIN".into(),
            user_name: Some("admin".into()),
            tags: Vec::new(),
            access_key_id: "AKIATEST".into(),
            session: None,
            policies: vec![Arc::new(
                Policy::parse(
                    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#,
                    PolicyKind::Identity,
                )
                .expect("policy"),
            )],
            session_policy: None,
            condition_keys: Default::default(),
            token_issued: None,
        }),
        region: region.into(),
        source_ip: None,
        user_agent: None,
        secure_transport: false,
        time: Timestamp(0),
        resources: Default::default(),
    }
}

fn caller() -> RequestContext {
    caller_in("us-east-1")
}

fn token(n: u32) -> String {
    format!("{n:0>36}")
}

async fn create(service: &Service, name: &str) {
    service
        .create_secret(
            &caller(),
            CreateSecretInput {
                name: name.into(),
                client_request_token: Some(token(1)),
                value: Some(SecretValue::String("v1".into())),
                ..Default::default()
            },
        )
        .await
        .expect("create");
}

#[tokio::test]
async fn purge_waits_for_the_recovery_window() {
    let (_dir, service, clock) = setup();
    create(&service, "a").await;
    create(&service, "b").await;
    let out = service
        .delete_secret(&caller(), "a", Some(7), false)
        .await
        .expect("delete");
    assert_eq!(out.deletion_date, Timestamp(1_700_000_000_000 + 7 * DAY));
    service
        .delete_secret(&caller(), "b", None, false)
        .await
        .expect("delete");

    clock.0.fetch_add(7 * DAY - 1, Ordering::SeqCst);
    assert_eq!(service.purge_expired().await.expect("purge"), 0);
    clock.0.fetch_add(1, Ordering::SeqCst);
    assert_eq!(service.purge_expired().await.expect("purge"), 1);
    assert!(matches!(
        service.describe_secret(&caller(), "a").await,
        Err(ServiceError::Domain(Error::SecretNotFound))
    ));
    // b has the default 30-day window and is still there, restorable.
    assert!(
        service
            .describe_secret(&caller(), "b")
            .await
            .expect("b")
            .deleted
            .is_some()
    );
    service
        .restore_secret(&caller(), "b")
        .await
        .expect("restore");
    clock.0.fetch_add(40 * DAY, Ordering::SeqCst);
    assert_eq!(service.purge_expired().await.expect("purge"), 0);
    // the name is free again after a purge
    create(&service, "a").await;
}

#[tokio::test]
async fn last_accessed_is_day_granular() {
    let (_dir, service, clock) = setup();
    create(&service, "a").await;
    assert_eq!(
        service
            .describe_secret(&caller(), "a")
            .await
            .expect("d")
            .last_accessed,
        None
    );
    let get = GetSecretValueInput {
        secret_id: "a".into(),
        ..Default::default()
    };
    service
        .get_secret_value(&caller(), &get)
        .await
        .expect("get");
    let day = Timestamp(1_700_000_000_000).truncate_to_day();
    assert_eq!(
        service
            .describe_secret(&caller(), "a")
            .await
            .expect("d")
            .last_accessed,
        Some(day)
    );
    clock.0.fetch_add(DAY, Ordering::SeqCst);
    service
        .get_secret_value(&caller(), &get)
        .await
        .expect("get");
    let secret = service.describe_secret(&caller(), "a").await.expect("d");
    assert_eq!(secret.last_accessed, Some(day.plus_days(1)));
    assert_eq!(secret.versions[0].last_accessed, Some(day.plus_days(1)));
}

#[tokio::test]
async fn failed_write_leaves_nothing_behind() {
    let (_dir, service, _clock) = setup();
    create(&service, "a").await;
    let before = service.describe_secret(&caller(), "a").await.expect("d");
    // 21 labels: rejected after the version was staged in memory.
    let stages: Vec<String> = (0..21).map(|i| format!("L{i}")).collect();
    let err = service
        .put_secret_value(
            &caller(),
            PutSecretValueInput {
                secret_id: "a".into(),
                client_request_token: Some(token(2)),
                value: Some(SecretValue::String("v2".into())),
                version_stages: Some(stages),
            },
        )
        .await;
    assert!(matches!(
        err,
        Err(ServiceError::Domain(Error::TooManyStages))
    ));
    assert_eq!(
        service.describe_secret(&caller(), "a").await.expect("d"),
        before
    );
}

#[tokio::test]
async fn values_round_trip_through_encryption() {
    let (_dir, service, _clock) = setup();
    let bytes = vec![0u8, 159, 146, 150, 255];
    service
        .create_secret(
            &caller(),
            CreateSecretInput {
                name: "bin".into(),
                client_request_token: Some(token(1)),
                value: Some(SecretValue::Binary(bytes.clone())),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    let got = service
        .get_secret_value(
            &caller(),
            &GetSecretValueInput {
                secret_id: "bin".into(),
                ..Default::default()
            },
        )
        .await
        .expect("get");
    assert_eq!(got.value, SecretValue::Binary(bytes));
    // Another region is another namespace.
    let elsewhere = caller_in("eu-west-1");
    assert!(service.describe_secret(&elsewhere, "bin").await.is_err());
}

#[tokio::test]
async fn paging_survives_changes_between_pages() {
    let (_dir, service, clock) = setup();
    for i in 0..5 {
        create(&service, &format!("s{i}")).await;
        clock.0.fetch_add(1, Ordering::SeqCst);
    }
    let input = |token: Option<String>| strongroom_service::ListSecretsInput {
        max_results: Some(2),
        next_token: token,
        ..Default::default()
    };
    let names = |page: &strongroom_service::Page<strongroom_domain::Secret>| {
        page.items
            .iter()
            .map(|s| s.name.clone())
            .collect::<Vec<_>>()
    };
    let first = service
        .list_secrets(&caller(), &input(None))
        .expect("page 1");
    assert_eq!(names(&first), ["s0", "s1"]);
    // Deleting what was already listed, and adding a newer secret, neither
    // skips nor repeats anything.
    service
        .delete_secret(&caller(), "s0", None, true)
        .await
        .expect("delete");
    service
        .delete_secret(&caller(), "s1", None, true)
        .await
        .expect("delete");
    create(&service, "s5").await;
    let second = service
        .list_secrets(&caller(), &input(first.next_token))
        .expect("page 2");
    assert_eq!(names(&second), ["s2", "s3"]);
    let third = service
        .list_secrets(&caller(), &input(second.next_token))
        .expect("page 3");
    assert_eq!(names(&third), ["s4", "s5"]);
    assert!(third.next_token.is_none());
}
