use super::*;
use crate::{StoredValue, save_secret};
use std::sync::Arc;
use strongroom_domain::{Secret, Tag, Timestamp, Version};

fn open() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(&dir.path().join("t.db")).expect("open");
    (dir, Arc::new(store))
}

fn secret(name: &str) -> Secret {
    Secret {
        arn: format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-abcdef"),
        name: name.into(),
        region: "us-east-1".into(),
        account: "123456789012".into(),
        description: Some("d".into()),
        kms_key_id: None,
        secret_type: None,
        created: Timestamp(1),
        last_changed: Timestamp(1),
        last_accessed: None,
        deleted: None,
        purge_after: None,
        resource_policy: None,
        tags: Some(vec![Tag {
            key: "k".into(),
            value: "v".into(),
        }]),
        versions: vec![],
        stages: Default::default(),
    }
}

fn value() -> StoredValue {
    StoredValue {
        key_id: "key".into(),
        wrapped_key: vec![1, 2],
        ciphertext: vec![3, 4],
    }
}

fn version(id: &str, t: i64) -> Version {
    Version {
        id: id.into(),
        created: Timestamp(t),
        last_accessed: None,
        has_value: true,
    }
}

/// The conformance suite every backend must pass.
pub async fn store_suite(store: Arc<dyn Store>) {
    // insert with one version
    let mut s = secret("a");
    s.add_version(version("v1", 1), None).expect("add");
    let s2 = s.clone();
    store
        .write(move |tx| save_secret(tx, None, &s2, &[("v1".into(), value())]))
        .await
        .expect("insert");
    let loaded = store
        .read(|tx| tx.find_secret_by_name("123456789012", "us-east-1", "a"))
        .expect("read")
        .expect("found");
    assert_eq!(loaded, s);
    assert_eq!(
        store.read(|tx| tx.load_value(&s.arn, "v1")).expect("value"),
        Some(value())
    );

    // a second version moves the labels; the diff writes only what changed
    let before = loaded.clone();
    let mut after = loaded;
    after.add_version(version("v2", 2), None).expect("add");
    after.tags = Some(vec![]);
    let (b, a) = (before.clone(), after.clone());
    store
        .write(move |tx| save_secret(tx, Some(&b), &a, &[("v2".into(), value())]))
        .await
        .expect("update");
    let loaded = store
        .read(|tx| tx.find_secret_by_arn(&after.arn))
        .expect("read")
        .expect("found");
    assert_eq!(loaded, after);
    assert_eq!(loaded.tags, Some(vec![]));

    // an access moves LastAccessedDate forward only, and reports a change
    let record = |version: &'static str, day: i64| {
        let arn = after.arn.clone();
        store.write(move |tx| tx.record_access(&arn, version, Timestamp(day)))
    };
    let recorded = |secret, version| crate::AccessRecorded { secret, version };
    assert_eq!(
        record("v1", 100).await.expect("access"),
        recorded(true, true)
    );
    let again = record("v1", 100).await.expect("same day again");
    assert_eq!(again, recorded(false, false), "nothing changed");
    let older = record("v1", 50).await.expect("an older day");
    assert_eq!(older, recorded(false, false), "never back");
    let other = record("v2", 100).await.expect("another version");
    assert_eq!(
        other,
        recorded(false, true),
        "the secret's day is already 100"
    );
    let accessed = store
        .read_async({
            let arn = after.arn.clone();
            move |tx| tx.find_secret_by_arn(&arn)
        })
        .await
        .expect("read")
        .expect("found");
    assert_eq!(accessed.last_accessed, Some(Timestamp(100)));
    let v1 = accessed.version("v1").expect("v1");
    assert_eq!(v1.last_accessed, Some(Timestamp(100)));
    assert_eq!(
        accessed.version("v2").expect("v2").last_accessed,
        Some(Timestamp(100))
    );
    // put back as it was for what follows
    let (a, b) = (accessed.clone(), after.clone());
    store
        .write(move |tx| save_secret(tx, Some(&a), &b, &[]))
        .await
        .expect("reset");

    // listing loads the same aggregates as single lookups
    let mut b = secret("b");
    b.tags = None;
    b.add_version(version("w1", 5), Some(&["X".to_owned()]))
        .expect("add");
    let b2 = b.clone();
    store
        .write(move |tx| save_secret(tx, None, &b2, &[("w1".into(), value())]))
        .await
        .expect("insert b");
    let listed = store
        .read(|tx| tx.list_secrets("123456789012", "us-east-1"))
        .expect("list");
    assert_eq!(listed, vec![after.clone(), b.clone()]);
    assert!(
        store
            .read(|tx| tx.list_secrets("123456789012", "eu-west-1"))
            .expect("list")
            .is_empty()
    );
    let arn = b.arn.clone();
    store
        .write(move |tx| tx.delete_secret(&arn))
        .await
        .expect("delete b");

    // a failing job leaves nothing behind, and does not disturb others
    let arn = after.arn.clone();
    let failed: Result<(), StoreError> = store
        .write(move |tx| {
            tx.set_stage(&arn, "X", "v1")?;
            Err(StoreError::Corrupt("test"))
        })
        .await;
    assert!(failed.is_err());
    let loaded = store
        .read(|tx| tx.find_secret_by_arn(&after.arn))
        .expect("read")
        .expect("found");
    assert!(!loaded.stages.contains_key("X"));

    // duplicate names are refused by the database itself
    let dup = secret("a");
    let err = store
        .write(move |tx| save_secret(tx, None, &dup, &[]))
        .await;
    assert!(err.is_err());

    // purge queue and deletion
    let mut scheduled = after.clone();
    scheduled.deleted = Some(Timestamp(5));
    scheduled.purge_after = Some(Timestamp(10));
    let (b, a) = (after.clone(), scheduled.clone());
    store
        .write(move |tx| save_secret(tx, Some(&b), &a, &[]))
        .await
        .expect("schedule");
    assert!(
        store
            .read(|tx| tx.secrets_due_for_purge(Timestamp(9)))
            .expect("due")
            .is_empty()
    );
    assert_eq!(
        store
            .read(|tx| tx.secrets_due_for_purge(Timestamp(10)))
            .expect("due"),
        vec![after.arn.clone()]
    );
    let arn = after.arn.clone();
    store
        .write(move |tx| tx.delete_secret(&arn))
        .await
        .expect("delete");
    assert!(
        store
            .read(|tx| tx.find_secret_by_arn(&after.arn))
            .expect("read")
            .is_none()
    );
    assert_eq!(
        store
            .read(|tx| tx.load_value(&after.arn, "v1"))
            .expect("value"),
        None
    );

    // metadata
    store
        .write(|tx| tx.set_meta("account", "1"))
        .await
        .expect("meta");
    store
        .write(|tx| tx.set_meta("account", "2"))
        .await
        .expect("meta");
    assert_eq!(
        store
            .read(|tx| tx.meta("account"))
            .expect("meta")
            .as_deref(),
        Some("2")
    );
}

#[tokio::test]
async fn sqlite_passes_the_store_suite() {
    let (_dir, store) = open();
    store_suite(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writes_are_all_acknowledged() {
    let (_dir, store) = open();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let s = secret(&format!("s{i}"));
            store.write(move |tx| save_secret(tx, None, &s, &[])).await
        }));
    }
    for t in tasks {
        t.await.expect("join").expect("write");
    }
    assert_eq!(
        store
            .read(|tx| tx.list_secrets("123456789012", "us-east-1"))
            .expect("list")
            .len(),
        200
    );
}

#[tokio::test]
async fn a_panicking_job_is_rolled_back_and_the_writer_survives() {
    let (_dir, store) = open();
    let results = futures_join(vec![store.clone(), store.clone(), store.clone()]).await;
    assert_eq!(results, vec![true, false, true]);
    assert_eq!(
        store.read(|tx| tx.meta("k0")).expect("meta").as_deref(),
        Some("v")
    );
    assert_eq!(store.read(|tx| tx.meta("k1")).expect("meta"), None);
    assert_eq!(
        store.read(|tx| tx.meta("k2")).expect("meta").as_deref(),
        Some("v")
    );
    store
        .write(|tx| tx.set_meta("after", "ok"))
        .await
        .expect("writer still works");
}

/// Three concurrent writes (so they likely share a batch); the middle one
/// writes and then panics.
async fn futures_join(stores: Vec<Arc<dyn Store>>) -> Vec<bool> {
    let tasks: Vec<_> = stores
        .into_iter()
        .enumerate()
        .map(|(i, store)| {
            tokio::spawn(async move {
                store
                    .write(move |tx| {
                        tx.set_meta(&format!("k{i}"), "v")?;
                        if i == 1 {
                            panic!("test panic inside a write job");
                        }
                        Ok::<_, StoreError>(())
                    })
                    .await
                    .is_ok()
            })
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        out.push(t.await.expect("join"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn async_reads_run_on_the_reader_threads() {
    let (_dir, store) = open();
    store.write(|tx| tx.set_meta("k", "v")).await.expect("meta");
    let (value, thread) = store
        .read_async(|tx| {
            let name = std::thread::current().name().map(str::to_owned);
            Ok::<_, StoreError>((tx.meta("k")?, name))
        })
        .await
        .expect("read");
    assert_eq!(value.as_deref(), Some("v"));
    let thread = thread.expect("reader threads are named");
    assert!(thread.starts_with("strongroom-sqlite-reader-"), "{thread}");
}

#[tokio::test]
async fn a_panicking_read_fails_alone_and_the_readers_survive() {
    let (_dir, store) = open();
    for _ in 0..2 * readers::default_threads() {
        let outcome: Result<(), StoreError> = store
            .read_async(|_| panic!("test panic inside a read"))
            .await;
        assert!(
            matches!(outcome, Err(StoreError::JobPanicked)),
            "{outcome:?}"
        );
    }
    let ok = store.read_async(|tx| tx.meta("none")).await;
    assert!(matches!(ok, Ok(None)), "{ok:?}");
}

#[tokio::test]
async fn reads_after_close_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sqlite = Arc::new(SqliteStore::open(&dir.path().join("t.db")).expect("open"));
    let store: Arc<dyn Store> = sqlite.clone();
    assert!(matches!(
        store.read_async(|tx| tx.meta("k")).await,
        Ok(None)
    ));
    sqlite.close();
    let outcome = store.read_async(|tx| tx.meta("k")).await;
    assert!(matches!(outcome, Err(StoreError::Closed)), "{outcome:?}");
}

/// Many reads at once, more than there are reader threads: all answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_async_reads_are_all_answered() {
    let (_dir, store) = open();
    store.write(|tx| tx.set_meta("k", "v")).await.expect("meta");
    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.read_async(|tx| tx.meta("k")).await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.expect("join").expect("read").as_deref(), Some("v"));
    }
}

mod iam;
