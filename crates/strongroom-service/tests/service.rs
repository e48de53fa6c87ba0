//! Service-level tests with a manual clock: time-dependent behaviour (the
//! recovery window, purge, LastAccessedDate) without waiting.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use strongroom_crypto::{Key256, RootKey};
use strongroom_domain::{Error, SecretValue, Timestamp};
use strongroom_service::{
    Clock, CreateSecretInput, GetSecretValueInput, PutSecretValueInput, RequestContext, Service,
    ServiceError,
};
use strongroom_store::sqlite::SqliteStore;
use strongroom_store::{Store, StoreError};

struct ManualClock(AtomicI64);

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

const DAY: i64 = 86_400_000;

fn setup() -> (tempfile::TempDir, Service, Arc<ManualClock>) {
    let (dir, service, clock, _store) = setup_with_store();
    (dir, service, clock)
}

fn setup_with_store() -> (tempfile::TempDir, Service, Arc<ManualClock>, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let clock = Arc::new(ManualClock(AtomicI64::new(1_700_000_000_000)));
    let root = RootKey(Key256::generate().expect("key"));
    let service = Service::new(store.clone(), root, clock.clone());
    (dir, service, clock, store)
}

/// The account's administrator calling in `region`.
fn caller_in(region: &str) -> RequestContext {
    strongroom_service::testing::admin(region, Timestamp(0))
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

fn put_with_stages(n: usize) -> PutSecretValueInput {
    PutSecretValueInput {
        secret_id: "a".into(),
        client_request_token: Some(token(2)),
        value: Some(SecretValue::String("v2".into())),
        version_stages: Some((0..n).map(|i| format!("L{i}")).collect()),
        rotation_token: None,
    }
}

#[tokio::test]
async fn too_many_stages_changes_nothing() {
    let (_dir, service, _clock) = setup();
    create(&service, "a").await;
    let before = service.describe_secret(&caller(), "a").await.expect("d");
    // 21 labels: refused by the domain rules, before anything is written.
    let err = service
        .put_secret_value(&caller(), put_with_stages(21))
        .await;
    assert!(
        matches!(err, Err(ServiceError::Domain(Error::TooManyStages))),
        "{err:?}"
    );
    assert_eq!(
        service.describe_secret(&caller(), "a").await.expect("d"),
        before
    );
}

#[tokio::test]
async fn failed_write_leaves_nothing_behind() {
    let (dir, service, _clock, store) = setup_with_store();
    create(&service, "a").await;
    let before = service.describe_secret(&caller(), "a").await.expect("d");
    // The database refuses the 20th label's row, after the secret's row,
    // the new version (with its value) and most labels were written in the
    // same transaction.
    let db = rusqlite::Connection::open(dir.path().join("db")).expect("open");
    db.execute_batch(
        "CREATE TRIGGER refuse_l19 BEFORE INSERT ON stages WHEN NEW.stage = 'L19'
         BEGIN SELECT RAISE(ABORT, 'injected failure'); END;",
    )
    .expect("trigger");
    let err = service
        .put_secret_value(&caller(), put_with_stages(20))
        .await;
    match err {
        Err(ServiceError::Store(StoreError::Database { message, .. })) => {
            assert!(message.contains("injected failure"), "{message}")
        }
        other => panic!("the store must refuse the write: {other:?}"),
    }
    // Nothing of it is kept: not the version, its value, a label, or the
    // secret's new LastChangedDate.
    assert_eq!(
        service.describe_secret(&caller(), "a").await.expect("d"),
        before
    );
    let stored = store
        .read(|tx| tx.find_secret_by_arn(&before.arn))
        .expect("read")
        .expect("found");
    assert_eq!(stored, before);
    assert_eq!(
        store
            .read(|tx| tx.load_value(&before.arn, &token(2)))
            .expect("read"),
        None
    );
    // Without the fault the same request goes through.
    db.execute_batch("DROP TRIGGER refuse_l19").expect("drop");
    let out = service
        .put_secret_value(&caller(), put_with_stages(20))
        .await
        .expect("put");
    assert_eq!(out.version_stages.len(), 20);
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
    assert!(matches!(
        service.describe_secret(&elsewhere, "bin").await,
        Err(ServiceError::Domain(Error::SecretNotFound))
    ));
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

/// Schedules `n` secrets for deletion with a 7-day window and lets the
/// window end. Returns their names and ARNs.
async fn due_for_purge(
    service: &Service,
    clock: &ManualClock,
    prefix: &str,
    n: usize,
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..n {
        let name = format!("{prefix}{i}");
        create(service, &name).await;
        let deleted = service
            .delete_secret(&caller(), &name, Some(7), false)
            .await
            .expect("delete");
        out.push((name, deleted.arn));
    }
    clock.0.fetch_add(7 * DAY, Ordering::SeqCst);
    out
}

/// The secret is either wholly back (restored: not deleted, its version
/// and value readable) or wholly gone (purged: no row, no value, the name
/// free), as its RestoreSecret was answered.
async fn assert_restored_or_purged(
    service: &Service,
    store: &Arc<dyn Store>,
    (name, arn): (&str, &str),
    restore: &Result<(String, String), ServiceError>,
) {
    let stored = store.read(|tx| tx.find_secret_by_arn(arn)).expect("read");
    let value = store
        .read(|tx| tx.load_value(arn, &token(1)))
        .expect("read");
    match restore {
        Ok((restored_arn, _)) => {
            assert_eq!(restored_arn, arn);
            let secret = stored.unwrap_or_else(|| panic!("{name} restored, then purged"));
            assert_eq!((secret.deleted, secret.purge_after), (None, None), "{name}");
            assert!(value.is_some(), "{name} restored without its value");
            let got = service
                .get_secret_value(
                    &caller(),
                    &GetSecretValueInput {
                        secret_id: name.into(),
                        ..Default::default()
                    },
                )
                .await
                .unwrap_or_else(|e| panic!("{name} restored but unreadable: {e:?}"));
            assert_eq!(got.value, SecretValue::String("v1".into()));
        }
        Err(ServiceError::Domain(Error::SecretNotFound)) => {
            assert_eq!(stored, None, "{name}: RestoreSecret said not found");
            assert_eq!(value, None, "{name}: purged but its value is left");
            assert!(matches!(
                service.describe_secret(&caller(), name).await,
                Err(ServiceError::Domain(Error::SecretNotFound))
            ));
        }
        Err(e) => panic!("{name}: RestoreSecret racing the purge failed: {e:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn purge_racing_restore_secret_is_all_or_nothing() {
    let (_dir, service, clock, store) = setup_with_store();
    let service = Arc::new(service);

    // One purge pass (as the server's job runs it) against many restores.
    let secrets = due_for_purge(&service, &clock, "pass", 40).await;
    let purge = tokio::spawn({
        let service = service.clone();
        async move { service.purge_expired().await }
    });
    let restores: Vec<_> = secrets
        .iter()
        .map(|(name, _)| {
            let (service, name) = (service.clone(), name.clone());
            tokio::spawn(async move { service.restore_secret(&caller(), &name).await })
        })
        .collect();
    let mut not_found = 0;
    for ((name, arn), restore) in secrets.iter().zip(restores) {
        let restore = restore.await.expect("join");
        not_found += usize::from(restore.is_err());
        assert_restored_or_purged(&service, &store, (name, arn), &restore).await;
    }
    assert_eq!(purge.await.expect("join").expect("purge"), not_found);

    // One purge of one secret against its restore, started in either order.
    let secrets = due_for_purge(&service, &clock, "pair", 40).await;
    let mut races = Vec::new();
    for (i, (name, arn)) in secrets.iter().enumerate() {
        let restore = {
            let (service, name) = (service.clone(), name.clone());
            async move { service.restore_secret(&caller(), &name).await }
        };
        let purge = {
            let (service, arn) = (service.clone(), arn.clone());
            async move { service.purge(&arn).await }
        };
        let (restore, purge) = if i % 2 == 0 {
            let r = tokio::spawn(restore);
            (r, tokio::spawn(purge))
        } else {
            let p = tokio::spawn(purge);
            (tokio::spawn(restore), p)
        };
        races.push((restore, purge));
    }
    for ((name, arn), (restore, purge)) in secrets.iter().zip(races) {
        let restore = restore.await.expect("join");
        let purged = purge.await.expect("join").expect("purge");
        assert_eq!(purged.is_some(), restore.is_err(), "{name}: {restore:?}");
        assert_restored_or_purged(&service, &store, (name, arn), &restore).await;
    }
    // Every purged name is free again.
    for (name, _) in &secrets {
        if service.describe_secret(&caller(), name).await.is_err() {
            create(&service, name).await;
        }
    }
}
