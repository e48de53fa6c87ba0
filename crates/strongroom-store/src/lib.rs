//! Persistence behind a trait, so the service never sees SQL.
//!
//! A [`Store`] runs closures inside transactions: [`ReadTx`] for snapshots,
//! [`WriteTx`] for changes. Every multi-row invariant (one holder per staging
//! label, idempotent ClientRequestToken, unique names) is checked and written
//! inside one write closure, which commits atomically or not at all. IAM's
//! rows (accounts, users, groups, roles, policies, access keys) and the
//! invariants their constraints carry are in [`iam`]; KMS keys, their
//! material, aliases and tags in [`kms`].
//!
//! Architecture Invariant: the store only ever sees ciphertext ([`StoredValue`]).
//! Architecture Invariant: a write is acknowledged only after its commit is
//! durable (fsynced); concurrent writes share one commit (group commit).

mod error;
pub mod iam;
pub mod kms;
mod records;
mod save;
pub mod sqlite;

pub use error::StoreError;
pub use iam::{IamReadTx, IamWriteTx};
pub use kms::{
    KeyMaterialRecord, KmsReadTx, KmsWriteTx, MaterialGeneration, RotationKind, RotationSchedule,
};
pub use records::{AccessKeyRecord, AccessKeyUse, AccessRecorded, SealedItem, StoredValue};
pub use save::save_secret;

use strongroom_domain::filter::Filter;
use strongroom_domain::listing::{Cursor, Sort};
use strongroom_domain::{Secret, Tag, Timestamp, Version};

/// What [`ReadTx::page_secrets`] lists: the secrets of `account` and
/// `region` that pass every filter (`strongroom_domain::filter::matches_all`
/// is the definition) and, unless `include_planned_deletion`, are not
/// scheduled for deletion, in `sort` order, strictly after `after`.
#[derive(Debug, Clone, Copy)]
pub struct SecretQuery<'a> {
    pub account: &'a str,
    pub region: &'a str,
    pub filters: &'a [Filter],
    pub include_planned_deletion: bool,
    pub sort: Sort,
    pub after: Option<&'a Cursor>,
    /// At most this many secrets (a page holds at least room for one).
    pub limit: usize,
}

/// One page of a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretPage {
    pub secrets: Vec<Secret>,
    /// Where the next page starts (`after`), `None` once the listing is
    /// done. A store bounds the work one page may cost, so a page can hold
    /// fewer than `limit` secrets, even none, and still have a `next`;
    /// following `next` to the end yields every match exactly once.
    pub next: Option<Cursor>,
}

/// Queries available in every transaction (the IAM ones are in [`IamReadTx`]).
pub trait ReadTx: IamReadTx + KmsReadTx {
    fn find_secret_by_arn(&self, arn: &str) -> Result<Option<Secret>, StoreError>;
    fn find_secret_by_name(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<Option<Secret>, StoreError>;
    /// The encrypted value of one version, if it has one.
    fn load_value(&self, arn: &str, version_id: &str) -> Result<Option<StoredValue>, StoreError>;
    /// One page of a filtered, sorted listing, found through indexes: the
    /// work is bounded per page, never a pass over the region.
    fn page_secrets(&self, query: &SecretQuery<'_>) -> Result<SecretPage, StoreError>;
    /// ARNs of secrets whose recovery window ended at or before `now`.
    fn secrets_due_for_purge(&self, now: Timestamp) -> Result<Vec<String>, StoreError>;
    /// ARNs of secrets with a rotation to run at `now` (a run free to be
    /// claimed, or a scheduled window that opened), at most `limit`.
    fn rotations_due(&self, now: Timestamp, limit: usize) -> Result<Vec<String>, StoreError>;
    /// Every access key of every account, with its owner's name.
    fn access_keys(&self) -> Result<Vec<AccessKeyRecord>, StoreError>;
    fn meta(&self, key: &str) -> Result<Option<String>, StoreError>;
}

/// Changes, only inside a write transaction. Secrets are addressed by ARN
/// (the IAM changes are in [`IamWriteTx`]).
pub trait WriteTx: ReadTx + IamWriteTx + KmsWriteTx {
    /// Inserts the secret row and its tags (not versions or stages).
    fn insert_secret(&mut self, secret: &Secret) -> Result<(), StoreError>;
    /// Rewrites the secret row's metadata columns.
    fn update_secret(&mut self, secret: &Secret) -> Result<(), StoreError>;
    fn replace_tags(&mut self, arn: &str, tags: Option<&[Tag]>) -> Result<(), StoreError>;
    fn insert_version(
        &mut self,
        arn: &str,
        version: &Version,
        value: Option<&StoredValue>,
    ) -> Result<(), StoreError>;
    /// Replaces the sealed value of a version that has one (its data key
    /// wrapped under another KMS key: UpdateSecret with a new KmsKeyId).
    fn replace_value(
        &mut self,
        arn: &str,
        version_id: &str,
        value: &StoredValue,
    ) -> Result<(), StoreError>;
    fn update_version_access(
        &mut self,
        arn: &str,
        version_id: &str,
        at: Option<Timestamp>,
    ) -> Result<(), StoreError>;
    fn delete_version(&mut self, arn: &str, version_id: &str) -> Result<(), StoreError>;
    /// Gives a value-less version (a rotation's AWSPENDING placeholder) its
    /// value; refused (`Corrupt`) if it has one.
    fn set_version_value(
        &mut self,
        arn: &str,
        version_id: &str,
        value: &StoredValue,
    ) -> Result<(), StoreError>;
    /// Moves the LastAccessedDate of the secret and of one of its versions
    /// forward to `day`, never back (so writers that race, or nodes that
    /// flush late, cannot undo a later access); says which moved.
    fn record_access(
        &mut self,
        arn: &str,
        version_id: &str,
        day: Timestamp,
    ) -> Result<AccessRecorded, StoreError>;
    /// Attaches `stage` to `version_id`, taking it off any other version.
    fn set_stage(&mut self, arn: &str, stage: &str, version_id: &str) -> Result<(), StoreError>;
    fn remove_stage(&mut self, arn: &str, stage: &str) -> Result<(), StoreError>;
    /// Removes the secret with all its versions, stages and tags.
    fn delete_secret(&mut self, arn: &str) -> Result<(), StoreError>;
    /// Inserts an access key for the existing user `key.user_id`, with its
    /// status, secret, creation time and last use (`account` and
    /// `user_name` are ignored). Refused by the database if the user already
    /// has 2 keys or does not exist.
    fn insert_access_key(&mut self, key: &AccessKeyRecord) -> Result<(), StoreError>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;
    /// Replaces every value sealed under the root key with what `rewrap`
    /// makes of it (a root key rotation); how many there were. An error of
    /// `rewrap` is returned as is, and the caller's write rolls back.
    fn rewrap_root_sealed(
        &mut self,
        rewrap: &mut dyn FnMut(&SealedItem) -> Result<Vec<u8>, StoreError>,
    ) -> Result<usize, StoreError>;
    /// Writes (or, with `None`, removes) the secret's rotation.
    fn set_rotation(
        &mut self,
        arn: &str,
        rotation: Option<&strongroom_domain::Rotation>,
    ) -> Result<(), StoreError>;
}

/// A write closure, type-erased. It returns whether it succeeded (so its
/// changes are kept or rolled back) and a completion to call once the
/// enclosing commit's outcome is known.
pub type WriteJob = Box<dyn FnOnce(&mut dyn WriteTx) -> (bool, WriteCompletion) + Send>;
/// Called with `None` when the commit is durable, or the commit's error.
pub type WriteCompletion = Box<dyn FnOnce(Option<StoreError>) + Send>;
/// A read closure, type-erased: called once, with a snapshot or with the
/// reason none could be taken.
pub type ReadJob = Box<dyn FnOnce(Result<&dyn ReadTx, StoreError>) + Send>;

/// A transactional store. Implementations: [`sqlite::SqliteStore`].
pub trait Store: Send + Sync + 'static {
    /// Runs `f` against a consistent snapshot on the calling thread.
    fn read_dyn(
        &self,
        f: &mut dyn FnMut(&dyn ReadTx) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;
    /// Runs `job` against a consistent snapshot, off the caller's thread
    /// (SQLite: on its pool of reader threads), so that an async caller
    /// never blocks on the database. This default runs it on the calling
    /// thread; a backend with its own threads or async I/O overrides it.
    fn submit_read(&self, job: ReadJob) {
        let mut job = Some(job);
        let outcome = self.read_dyn(&mut |tx| {
            if let Some(job) = job.take() {
                job(Ok(tx));
            }
            Ok(())
        });
        if let (Some(job), Err(e)) = (job, outcome) {
            job(Err(e));
        }
    }
    /// Queues a write; its completion runs after the commit.
    fn submit_write(&self, job: WriteJob);
    /// True when no other process can write this store, so a cache that
    /// this process invalidates on its own writes stays correct.
    fn exclusive_writer(&self) -> bool {
        false
    }
}

impl dyn Store {
    /// Runs a read-only closure in a snapshot, on the calling thread: for
    /// startup, blocking threads and tests. Async request paths use
    /// [`read_async`](Self::read_async), which does not hold up a tokio
    /// worker while SQLite reads.
    pub fn read<T, E>(&self, f: impl FnOnce(&dyn ReadTx) -> Result<T, E>) -> Result<T, E>
    where
        E: From<StoreError>,
    {
        let mut f = Some(f);
        let mut out: Option<Result<T, E>> = None;
        self.read_dyn(&mut |tx| {
            if let Some(f) = f.take() {
                out = Some(f(tx));
            }
            Ok(())
        })?;
        out.unwrap_or_else(|| Err(StoreError::Closed.into()))
    }

    /// Runs a read-only closure in a snapshot off the async workers
    /// ([`Store::submit_read`]) and resolves with its result. A closure
    /// that panics fails the read (`StoreError::JobPanicked`).
    pub async fn read_async<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&dyn ReadTx) -> Result<T, E> + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
        self.submit_read(Box::new(move |snapshot| {
            let outcome = match snapshot {
                Ok(rtx) => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(rtx)))
                    .unwrap_or_else(|_| Err(StoreError::JobPanicked.into())),
                Err(e) => Err(e.into()),
            };
            let _ = tx.send(outcome);
        }));
        match rx.await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Closed.into()),
        }
    }

    /// Runs `f` in a write transaction and resolves once the result is
    /// durable. If `f` fails, none of its changes are kept.
    pub async fn write<T, E, F>(&self, f: F) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn WriteTx) -> Result<T, E> + Send + 'static,
    {
        self.write_then(f, || {}).await
    }

    /// Like [`write`](Self::write), and runs `after_commit` once the commit's
    /// outcome is known, before the result is handed back. It runs even if
    /// the caller has stopped waiting (a client that hung up), so work that
    /// must follow every commit, like cache invalidation, cannot be skipped.
    pub async fn write_then<T, E, F, A>(&self, f: F, after_commit: A) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<StoreError> + Send + 'static,
        F: FnOnce(&mut dyn WriteTx) -> Result<T, E> + Send + 'static,
        A: FnOnce() + Send + 'static,
    {
        let (tx, rx) = tokio::sync::oneshot::channel::<Result<T, E>>();
        self.submit_write(Box::new(move |wtx: &mut dyn WriteTx| {
            // A panic is this job's failure: its caller is told so (not
            // that the store closed), and its savepoint is rolled back.
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(wtx)))
                .unwrap_or_else(|_| {
                    tracing::error!("write job panicked; rolling it back");
                    Err(StoreError::JobPanicked.into())
                });
            let ok = result.is_ok();
            let completion: WriteCompletion = Box::new(move |commit_err| {
                let outcome = match (result, commit_err) {
                    (Ok(_), Some(err)) => Err(E::from(err)),
                    (result, _) => result,
                };
                after_commit();
                let _ = tx.send(outcome);
            });
            (ok, completion)
        }));
        match rx.await {
            Ok(r) => r,
            Err(_) => Err(StoreError::Closed.into()),
        }
    }
}
