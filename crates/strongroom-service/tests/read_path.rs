//! The read path: the read cache's per-secret invalidation (also against a
//! read that raced a write) and LastAccessedDate written off the request
//! path, yet shown by every answer that follows the read.

mod common;

use common::{START, caller, token};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use strongroom_crypto::{Key256, RootKey};
use strongroom_domain::{SecretValue, Timestamp};
use strongroom_service::{
    CreateSecretInput, GetSecretValueInput, ListVersionsInput, ManualClock, PutSecretValueInput,
    Service,
};
use strongroom_store::sqlite::SqliteStore;
use strongroom_store::{ReadJob, ReadTx, Store, StoreError, WriteJob};

const DAY: i64 = 86_400_000;

/// The SQLite store, counting the reads the service submits; a read can be
/// held after it has taken its snapshot ([`Gate`]).
struct Observed {
    inner: Arc<SqliteStore>,
    reads: AtomicUsize,
    gate: Mutex<Option<Gate>>,
    /// Drops every write unrun (its caller sees the store closed).
    refuse_writes: AtomicBool,
}

/// Holds the next read: it takes its snapshot, says so on `reached`, and
/// goes on (reading from that snapshot) once `release` is sent.
struct Gate {
    reached: mpsc::Sender<()>,
    release: mpsc::Receiver<()>,
}

impl Store for Observed {
    fn read_dyn(
        &self,
        f: &mut dyn FnMut(&dyn ReadTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        self.inner.read_dyn(f)
    }

    fn submit_read(&self, job: ReadJob) {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let gate = self.gate.lock().expect("gate").take();
        self.inner.submit_read(Box::new(move |tx| {
            if let (Some(gate), Ok(tx)) = (gate, &tx) {
                // A deferred transaction's snapshot starts at its first read.
                tx.meta("account_id").expect("snapshot");
                gate.reached.send(()).expect("reached");
                gate.release.recv().expect("release");
            }
            job(tx)
        }));
    }

    fn submit_write(&self, job: WriteJob) {
        if !self.refuse_writes.load(Ordering::SeqCst) {
            self.inner.submit_write(job);
        }
    }

    fn exclusive_writer(&self) -> bool {
        self.inner.exclusive_writer()
    }
}

struct Setup {
    _dir: tempfile::TempDir,
    store: Arc<Observed>,
    service: Arc<Service>,
    clock: Arc<ManualClock>,
}

fn setup() -> Setup {
    let dir = tempfile::tempdir().expect("tempdir");
    let inner = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let store = Arc::new(Observed {
        inner,
        reads: AtomicUsize::new(0),
        gate: Mutex::new(None),
        refuse_writes: AtomicBool::new(false),
    });
    let clock = Arc::new(ManualClock::new(START));
    let root = RootKey(Key256::generate().expect("key"));
    let service = Arc::new(Service::new(store.clone(), root, clock.clone()));
    Setup {
        _dir: dir,
        store,
        service,
        clock,
    }
}

impl Setup {
    fn reads(&self) -> usize {
        self.store.reads.load(Ordering::SeqCst)
    }

    async fn create(&self, name: &str, value: &str) {
        self.service
            .create_secret(
                &caller(),
                CreateSecretInput {
                    name: name.into(),
                    client_request_token: Some(token(0)),
                    value: Some(SecretValue::String(value.into())),
                    ..Default::default()
                },
            )
            .await
            .expect("create");
    }

    async fn put(&self, name: &str, n: u32, value: &str) {
        self.service
            .put_secret_value(
                &caller(),
                PutSecretValueInput {
                    secret_id: name.into(),
                    client_request_token: Some(token(n)),
                    value: Some(SecretValue::String(value.into())),
                    ..Default::default()
                },
            )
            .await
            .expect("put");
    }

    async fn get(&self, name: &str) -> String {
        get(&self.service, name).await
    }

    /// The secret as stored, bypassing the service (and its cache).
    fn stored(&self, name: &str) -> strongroom_domain::Secret {
        let store: Arc<dyn Store> = self.store.inner.clone();
        store
            .read(|tx| tx.find_secret_by_name("123456789012", "us-east-1", name))
            .expect("read")
            .expect("found")
    }
}

async fn get(service: &Service, name: &str) -> String {
    let out = service
        .get_secret_value(
            &caller(),
            &GetSecretValueInput {
                secret_id: name.into(),
                ..Default::default()
            },
        )
        .await
        .expect("get");
    match out.value {
        SecretValue::String(s) => s,
        SecretValue::Binary(_) => panic!("a string was stored"),
    }
}

#[tokio::test]
async fn a_write_invalidates_only_the_secret_it_wrote() {
    let s = setup();
    s.create("x", "x1").await;
    s.create("y", "y1").await;
    assert_eq!(s.get("x").await, "x1");
    assert_eq!(s.get("y").await, "y1");
    let before = s.reads();
    assert_eq!(s.get("x").await, "x1");
    assert_eq!(s.reads(), before, "a hit reads nothing");

    s.put("y", 1, "y2").await;
    assert_eq!(s.get("x").await, "x1");
    assert_eq!(s.reads(), before, "x stays cached when y is written");
    assert_eq!(s.get("y").await, "y2", "y is read again");
    assert_eq!(s.reads(), before + 1);

    // DescribeSecret's entries too: a tag on y leaves x's in place.
    s.service.describe_secret(&caller(), "x").await.expect("d");
    s.service.describe_secret(&caller(), "y").await.expect("d");
    let before = s.reads();
    s.service
        .tag_resource(
            &caller(),
            "y",
            vec![strongroom_domain::Tag {
                key: "k".into(),
                value: "v".into(),
            }],
        )
        .await
        .expect("tag");
    s.service.describe_secret(&caller(), "x").await.expect("d");
    assert_eq!(s.reads(), before, "x's DescribeSecret stays cached");
    let y = s.service.describe_secret(&caller(), "y").await.expect("d");
    assert_eq!(y.tags.map(|t| t.len()), Some(1), "y's is read again");

    // A new secret may change what a name means: everything is read again.
    s.create("z", "z1").await;
    let before = s.reads();
    assert_eq!(s.get("x").await, "x1");
    assert_eq!(s.reads(), before + 1);
}

/// A GetSecretValue whose store read took its snapshot before a
/// PutSecretValue committed, and inserts into the cache only after the
/// put's invalidation, must not leave its (old) value cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_from_before_a_write_is_not_cached_after_it() {
    let s = setup();
    s.create("x", "old").await;
    s.create("warm", "w").await;
    s.get("warm").await; // the region's key is cached: one read per get
    for op in ["GetSecretValue", "DescribeSecret"] {
        let (reached_tx, reached) = mpsc::channel();
        let (release, release_rx) = mpsc::channel();
        *s.store.gate.lock().expect("gate") = Some(Gate {
            reached: reached_tx,
            release: release_rx,
        });
        let service = s.service.clone();
        let reader = tokio::spawn(async move {
            match op {
                "GetSecretValue" => get(&service, "x").await,
                _ => {
                    let d = service.describe_secret(&caller(), "x").await.expect("d");
                    d.description.unwrap_or_default()
                }
            }
        });
        tokio::task::spawn_blocking(move || reached.recv().expect("reached"))
            .await
            .expect("join");
        // The reader holds its snapshot; the write commits and is answered.
        match op {
            "GetSecretValue" => s.put("x", 1, "new").await,
            _ => {
                s.service
                    .update_secret(
                        &caller(),
                        strongroom_service::UpdateSecretInput {
                            secret_id: "x".into(),
                            description: Some("new".into()),
                            ..Default::default()
                        },
                    )
                    .await
                    .expect("update");
            }
        }
        release.send(()).expect("release");
        let seen = reader.await.expect("reader");
        if op == "GetSecretValue" {
            assert_eq!(seen, "old", "the held read answers from its snapshot");
        } // DescribeSecret reads again when its snapshot predates a write.
        // The held read has inserted its answer by now; it must not be served.
        let now = match op {
            "GetSecretValue" => s.get("x").await,
            _ => {
                let d = s.service.describe_secret(&caller(), "x").await.expect("d");
                d.description.unwrap_or_default()
            }
        };
        assert_eq!(now, "new", "{op}: a stale entry was cached");
    }
}

#[tokio::test]
async fn last_accessed_is_written_off_the_request_path_and_shown_by_later_reads() {
    let s = setup();
    s.create("a", "v").await;
    s.create("b", "v").await;
    let today = Some(START.truncate_to_day());
    // DescribeSecret cached before the read.
    assert_eq!(
        s.service
            .describe_secret(&caller(), "a")
            .await
            .expect("d")
            .last_accessed,
        None
    );

    s.get("a").await;
    s.get("b").await;
    assert_eq!(
        s.stored("a").last_accessed,
        None,
        "not written by the read itself"
    );

    // DescribeSecret writes what was noted and shows it.
    let a = s.service.describe_secret(&caller(), "a").await.expect("d");
    assert_eq!(a.last_accessed, today);
    assert_eq!(a.versions[0].last_accessed, today);
    assert_eq!(s.stored("a").last_accessed, today);

    // ListSecretVersionIds shows it too, for a secret not yet described.
    s.get("b").await;
    s.clock.advance(DAY);
    s.get("b").await;
    let tomorrow = Some(START.plus_days(1).truncate_to_day());
    let versions = s
        .service
        .list_secret_version_ids(
            &caller(),
            &ListVersionsInput {
                secret_id: "b".into(),
                ..Default::default()
            },
        )
        .await
        .expect("versions");
    assert_eq!(versions.secret.last_accessed, tomorrow);
    assert_eq!(versions.versions.items[0].last_accessed, tomorrow);

    // ListSecrets: the API settles everything first.
    s.get("a").await;
    assert!(s.stored("a").last_accessed < tomorrow);
    s.service.settle_accesses().await.expect("settle");
    assert_eq!(s.stored("a").last_accessed, tomorrow);
}

#[tokio::test]
async fn only_the_first_read_of_a_day_is_written() {
    let s = setup();
    s.create("a", "v").await;
    s.get("a").await;
    s.get("a").await;
    assert_eq!(s.service.flush_accesses().await.expect("flush"), 1);
    // The cached entry is refreshed after the flush: it knows today is recorded.
    for _ in 0..3 {
        s.get("a").await;
    }
    assert_eq!(s.service.flush_accesses().await.expect("flush"), 0);
    s.clock.advance(DAY);
    s.get("a").await;
    assert_eq!(s.service.flush_accesses().await.expect("flush"), 1);
    assert_eq!(
        s.stored("a").last_accessed,
        Some(Timestamp(START.0 + DAY).truncate_to_day())
    );
}

#[tokio::test]
async fn a_flush_keeps_what_it_could_not_write() {
    let s = setup();
    s.create("a", "v").await;
    s.service.describe_secret(&caller(), "a").await.expect("d");
    s.get("a").await;
    s.store.refuse_writes.store(true, Ordering::SeqCst);
    assert!(s.service.flush_accesses().await.is_err());
    // Still noted: DescribeSecret tries to write it again, and fails rather
    // than answer without it.
    assert!(s.service.describe_secret(&caller(), "a").await.is_err());
    s.store.refuse_writes.store(false, Ordering::SeqCst);
    let a = s.service.describe_secret(&caller(), "a").await.expect("d");
    assert_eq!(a.last_accessed, Some(START.truncate_to_day()));
}

/// A new version's first read changes only the version's date: written
/// without invalidating the secret's cache entries (one miss per write,
/// not two), and not noted again; ListSecretVersionIds still shows it.
#[tokio::test]
async fn a_new_versions_first_read_costs_no_second_miss() {
    let s = setup();
    s.create("x", "x1").await;
    s.get("x").await;
    s.service.flush_accesses().await.expect("flush");
    s.get("x").await; // cached again, with today's date
    s.put("x", 1, "x2").await;
    let before = s.reads();
    assert_eq!(s.get("x").await, "x2");
    assert_eq!(s.reads(), before + 1, "the put invalidated x");
    assert_eq!(s.service.flush_accesses().await.expect("flush"), 1);
    assert_eq!(s.get("x").await, "x2");
    assert_eq!(s.reads(), before + 1, "the version's date kept x cached");
    assert_eq!(
        s.service.flush_accesses().await.expect("flush"),
        0,
        "not noted again"
    );
    let versions = s
        .service
        .list_secret_version_ids(
            &caller(),
            &ListVersionsInput {
                secret_id: "x".into(),
                ..Default::default()
            },
        )
        .await
        .expect("versions");
    let today = Some(START.truncate_to_day());
    assert!(
        versions
            .versions
            .items
            .iter()
            .all(|v| v.last_accessed == today),
        "both versions read today"
    );
    // The next day, the secret's own date moves: x is read again.
    s.clock.advance(DAY);
    s.get("x").await;
    assert_eq!(s.service.flush_accesses().await.expect("flush"), 1);
    let before = s.reads();
    s.get("x").await;
    assert_eq!(s.reads(), before + 1, "the secret's date invalidated x");
}
