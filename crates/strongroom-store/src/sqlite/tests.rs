use super::*;
use crate::{StoredValue, save_secret};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use strongroom_domain::{Secret, Tag, Timestamp, Version};

fn open() -> (tempfile::TempDir, Arc<dyn Store>) {
    let (dir, store) = open_sqlite();
    (dir, store)
}

fn open_sqlite() -> (tempfile::TempDir, Arc<SqliteStore>) {
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
        rotation: None,
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

/// Every secret of account 123456789012 in `region`, by creation date (then
/// name), scheduled ones included, through pages of 7.
fn list_all(store: &Arc<dyn Store>, region: &str) -> Vec<Secret> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .read(|tx| {
                tx.page_secrets(&crate::SecretQuery {
                    account: "123456789012",
                    region,
                    filters: &[],
                    include_planned_deletion: true,
                    sort: Default::default(),
                    after: after.as_ref(),
                    limit: 7,
                })
            })
            .expect("page");
        all.extend(page.secrets);
        match page.next {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

/// The conformance suite every backend must pass (with [`iam::iam_store_suite`]
/// and [`listing::listing_suite`]).
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

    // a version's value re-wrapped under another key replaces key id and
    // both halves, and that version's only
    let rewrapped = StoredValue {
        key_id: "other-key".into(),
        wrapped_key: vec![5, 6, 7],
        ciphertext: vec![8],
    };
    let (arn, v) = (after.arn.clone(), rewrapped.clone());
    store
        .write(move |tx| tx.replace_value(&arn, "v1", &v))
        .await
        .expect("replace");
    assert_eq!(
        store
            .read(|tx| tx.load_value(&after.arn, "v1"))
            .expect("value"),
        Some(rewrapped)
    );
    assert_eq!(
        store
            .read(|tx| tx.load_value(&after.arn, "v2"))
            .expect("value"),
        Some(value())
    );

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
    assert_eq!(
        list_all(&store, "us-east-1"),
        vec![after.clone(), b.clone()]
    );
    assert!(list_all(&store, "eu-west-1").is_empty());
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
    assert!(
        matches!(failed, Err(StoreError::Corrupt("test"))),
        "{failed:?}"
    );
    let loaded = store
        .read(|tx| tx.find_secret_by_arn(&after.arn))
        .expect("read")
        .expect("found");
    assert!(!loaded.stages.contains_key("X"));

    // duplicate names are refused by the database itself (another ARN,
    // so that only the name's uniqueness can refuse it)
    let mut dup = secret("a");
    dup.arn = dup.arn.replace("-abcdef", "-ghijkl");
    let err = store
        .write(move |tx| save_secret(tx, None, &dup, &[]))
        .await;
    // (The context names the statement the database refused; its message
    // is the backend's own.)
    assert!(
        matches!(
            &err,
            Err(StoreError::Database {
                context: "inserting a secret",
                ..
            })
        ),
        "a duplicate name must be refused by the database: {err:?}"
    );

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
    assert_eq!(list_all(&store, "us-east-1").len(), 200);
}

/// Polls `fut` once: a `write` submits its job on its first poll, so the
/// jobs of writes made this way are queued in this order, now.
fn queued<F: Future>(fut: F) -> Pin<Box<F>> {
    let mut fut = Box::pin(fut);
    let mut cx = Context::from_waker(Waker::noop());
    assert!(
        matches!(fut.as_mut().poll(&mut cx), Poll::Pending),
        "a write completed before the writer was released"
    );
    fut
}

/// Occupies the writer thread with a job of its own until `release` is
/// called: the writes queued meanwhile are then run as one batch.
struct HeldWriter<F> {
    release: std::sync::mpsc::Sender<()>,
    job: Pin<Box<F>>,
}

fn hold_writer(
    store: &Arc<dyn Store>,
) -> HeldWriter<impl Future<Output = Result<(), StoreError>> + '_> {
    let (started, running) = std::sync::mpsc::channel::<()>();
    let (release, released) = std::sync::mpsc::channel::<()>();
    let job = queued(store.write(move |_tx| {
        let _ = started.send(());
        let _ = released.recv();
        Ok::<_, StoreError>(())
    }));
    running.recv().expect("the writer runs the holding job");
    HeldWriter { release, job }
}

impl<F: Future<Output = Result<(), StoreError>>> HeldWriter<F> {
    async fn release(self) {
        self.release.send(()).expect("the holding job waits");
        self.job.await.expect("the holding job commits");
    }
}

fn meta(store: &Arc<dyn Store>, key: &str) -> Option<String> {
    store.read(|tx| tx.meta(key)).expect("meta")
}

#[tokio::test]
async fn queued_writes_share_one_commit() {
    let (_dir, sqlite) = open_sqlite();
    let store: Arc<dyn Store> = sqlite.clone();
    let held = hold_writer(&store);
    let before = sqlite.probe.commits();
    let writes: Vec<_> = (0..100)
        .map(|i| queued(store.write(move |tx| tx.set_meta(&format!("k{i}"), "v"))))
        .collect();
    held.release().await;
    for w in writes {
        w.await.expect("write");
    }
    // One commit for the holding job, one for all 100 writes.
    assert_eq!(sqlite.probe.commits() - before, 2);
    for i in 0..100 {
        assert_eq!(meta(&store, &format!("k{i}")).as_deref(), Some("v"));
    }
}

#[tokio::test]
async fn a_panicking_job_is_rolled_back_and_the_writer_survives() {
    let (_dir, sqlite) = open_sqlite();
    let store: Arc<dyn Store> = sqlite.clone();
    let held = hold_writer(&store);
    let before = sqlite.probe.commits();
    let k0 = queued(store.write(|tx| tx.set_meta("k0", "v")));
    let k1 = queued(store.write(|tx| {
        tx.set_meta("k1", "v")?;
        if tx.meta("k1")?.is_some() {
            panic!("test panic inside a write job");
        }
        Ok::<_, StoreError>(())
    }));
    // A job that bypasses `write` (and its catch) panics in the writer.
    store.submit_write(Box::new(|tx| {
        let _ = tx.set_meta("k2", "v");
        panic!("test panic inside a raw write job");
    }));
    let k3 = queued(store.write(|tx| tx.set_meta("k3", "v")));
    held.release().await;
    k0.await.expect("k0 shares the batch and commits");
    assert!(
        matches!(k1.await, Err(StoreError::JobPanicked)),
        "the panicking write is told it failed"
    );
    k3.await.expect("k3 shares the batch and commits");
    // All four jobs ran in one transaction, which committed.
    assert_eq!(sqlite.probe.commits() - before, 2);
    assert_eq!(meta(&store, "k0").as_deref(), Some("v"));
    assert_eq!(meta(&store, "k1"), None);
    assert_eq!(meta(&store, "k2"), None);
    assert_eq!(meta(&store, "k3").as_deref(), Some("v"));
    store
        .write(|tx| tx.set_meta("after", "ok"))
        .await
        .expect("writer still works");
}

#[tokio::test]
async fn a_failed_commit_fails_every_write_of_its_batch() {
    let (_dir, sqlite) = open_sqlite();
    let store: Arc<dyn Store> = sqlite.clone();
    store
        .write(|tx| tx.set_meta("k0", "before"))
        .await
        .expect("write");
    let held = hold_writer(&store);
    // The holding job's commit is the next one; the batch after it fails.
    sqlite.probe.fail_commit(sqlite.probe.commits() + 1);
    let writes: Vec<_> = (0..3)
        .map(|i| queued(store.write(move |tx| tx.set_meta(&format!("k{i}"), "batch"))))
        .collect();
    held.release().await;
    for w in writes {
        match w.await {
            Err(StoreError::Database { context, message }) => {
                assert_eq!(context, "committing");
                assert!(
                    message.contains("FOREIGN KEY constraint failed"),
                    "{message}"
                );
            }
            other => panic!("every write of the failed batch fails: {other:?}"),
        }
    }
    // Nothing of the batch is kept, and the store goes on working.
    assert_eq!(meta(&store, "k0").as_deref(), Some("before"));
    assert_eq!(meta(&store, "k1"), None);
    assert_eq!(meta(&store, "k2"), None);
    let commits = sqlite.probe.commits();
    store
        .write(|tx| tx.set_meta("k1", "after"))
        .await
        .expect("the next write commits");
    assert_eq!(sqlite.probe.commits(), commits + 1);
    assert_eq!(meta(&store, "k1").as_deref(), Some("after"));
}

/// The database's size in pages, as another connection sees it.
fn page_count(dir: &tempfile::TempDir) -> u32 {
    let conn = Connection::open(dir.path().join("t.db")).expect("open");
    conn.query_row("PRAGMA page_count", [], |r| r.get(0))
        .expect("page_count")
}

#[tokio::test]
async fn a_full_disk_fails_writes_without_partial_state_and_the_store_recovers() {
    let (dir, sqlite) = open_sqlite();
    let store: Arc<dyn Store> = sqlite.clone();
    store
        .write(|tx| tx.set_meta("small", "0"))
        .await
        .expect("write");
    let mut big = secret("big");
    big.add_version(version("v1", 1), None).expect("add");
    let big_value = StoredValue {
        key_id: "key".into(),
        wrapped_key: vec![1; 32],
        ciphertext: vec![7; 256 * 1024],
    };

    let held = hold_writer(&store);
    // No room to grow from the next batch on.
    sqlite.probe.limit_pages(page_count(&dir));
    let small = queued(store.write(|tx| tx.set_meta("small", "1")));
    let (b, v) = (big.clone(), big_value.clone());
    let grows = queued(store.write(move |tx| save_secret(tx, None, &b, &[("v1".into(), v)])));
    held.release().await;
    let small = small.await;
    match grows.await {
        Err(StoreError::Database { message, .. }) => {
            assert!(message.contains("database or disk is full"), "{message}")
        }
        other => panic!("a write that needs room must fail: {other:?}"),
    }
    // SQLite undoes the failed statement, or the whole transaction (then
    // the write that shared it fails too): either way, what each write was
    // answered is what is stored.
    let small_now = if small.is_ok() { "1" } else { "0" };
    assert_eq!(
        meta(&store, "small").as_deref(),
        Some(small_now),
        "{small:?}"
    );
    let found = store
        .read(|tx| tx.find_secret_by_arn(&big.arn))
        .expect("read");
    assert_eq!(found, None);
    assert_eq!(
        store
            .read(|tx| tx.load_value(&big.arn, "v1"))
            .expect("read"),
        None
    );

    // Room again: the same writes go through.
    sqlite.probe.limit_pages(u32::MAX - 1);
    store
        .write(|tx| tx.set_meta("small", "2"))
        .await
        .expect("write after the disk has room");
    let b = big.clone();
    store
        .write(move |tx| save_secret(tx, None, &b, &[("v1".into(), big_value)]))
        .await
        .expect("the big write after the disk has room");
    assert_eq!(meta(&store, "small").as_deref(), Some("2"));
    assert_eq!(
        store
            .read(|tx| tx.find_secret_by_arn(&big.arn))
            .expect("read"),
        Some(big)
    );
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

mod grants;
mod iam;
mod kms;
mod listing;

/// A rotation is saved with its secret, loaded back as saved, found by
/// `rotations_due` exactly while it may run, and goes with the secret.
#[tokio::test]
async fn rotation_round_trip_and_due_query() {
    use strongroom_domain::{Rotation, RotationRules, RotationRun};
    let (_dir, store) = open();
    let mut s = secret("rot");
    s.add_version(version("v1", 1), None).expect("add");
    let rules =
        RotationRules::new(None, Some("rate(4 hours)".into()), Some("1h".into())).expect("rules");
    s.rotation = Some(Rotation {
        enabled: true,
        lambda_arn: Some("arn:aws:lambda:us-east-1:123456789012:function:f".into()),
        rules: Some(rules),
        last_rotated: Some(Timestamp(10)),
        next_rotation: Some(Timestamp(1_000)),
        run: None,
    });
    let s2 = s.clone();
    store
        .write(move |tx| save_secret(tx, None, &s2, &[("v1".into(), value())]))
        .await
        .expect("insert");
    let load = |store: &Arc<dyn Store>| {
        store
            .read(|tx| tx.find_secret_by_arn(&s.arn))
            .expect("read")
            .expect("found")
    };
    assert_eq!(load(&store), s);
    let due = |store: &Arc<dyn Store>, t| {
        store
            .read(|tx| tx.rotations_due(Timestamp(t), 10))
            .expect("due")
    };
    assert!(due(&store, 999).is_empty());
    assert_eq!(due(&store, 1_000), vec![s.arn.clone()]);

    // a run: due from not_before, not while claimed
    let before = load(&store);
    let mut after = before.clone();
    if let Some(r) = after.rotation.as_mut() {
        r.run = Some(RotationRun {
            token: "t".repeat(32),
            rotation_token: "r".repeat(36),
            test_only: false,
            attempts: 2,
            not_before: Timestamp(2_000),
            claimed_until: Some(Timestamp(3_000)),
        });
    }
    let (b, a) = (before.clone(), after.clone());
    store
        .write(move |tx| save_secret(tx, Some(&b), &a, &[]))
        .await
        .expect("update");
    assert_eq!(load(&store), after);
    assert!(due(&store, 2_500).is_empty(), "claimed");
    assert_eq!(due(&store, 3_000), vec![s.arn.clone()]);

    // removed with the secret
    let arn = s.arn.clone();
    store
        .write(move |tx| tx.delete_secret(&arn))
        .await
        .expect("delete");
    assert!(due(&store, 3_000).is_empty());
}
