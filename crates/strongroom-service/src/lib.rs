//! The use cases: one public function per Secrets Manager operation, and
//! per KMS operation in [`kms`] (`kms_<operation>`).
//!
//! Each operation resolves the secret, applies the domain rules, encrypts or
//! decrypts, and persists in one store transaction. It knows nothing of HTTP
//! or SQL: inputs and outputs are plain structs and domain types.
//!
//! Architecture Invariant: plaintext secret values exist only inside this
//! crate (and the wire layer that carries them); they are encrypted before
//! any store call and never logged.

mod accesses;
mod authz;
mod cache;
mod cached;
mod context;
mod error;
mod keys;
pub mod kms;
mod listing;
mod policies;
mod purge;
mod ready;
mod rotation;
mod sealing;
mod secrets;
mod tags;
#[doc(hidden)]
pub mod testing;
mod values;
mod versions;

pub use authz::{Access, add_request_tags, authorize, authorize_assume_role, authorize_key};
pub use context::{Principal, PrincipalKind, RequestContext, Resources, RoleSession};
pub use error::ServiceError;
pub use keys::ensure_account;
pub use listing::{ListSecretsInput, Page, SortBy};
pub use policies::{DEFAULT_POLICY_NAME, ResourcePolicyOutput, ValidationFinding};
pub use ready::NotReady;
pub use rotation::{
    CANNOT_INVOKE, Claim, ClaimedRotation, Finished, Invocation, InvokeError, RotateSecretInput,
    RotationFunctions, RotationOutput, STEPS, StepsOutcome,
};
pub use secrets::{
    CreateSecretInput, CreateSecretOutput, DeleteSecretOutput, UpdateSecretInput,
    UpdateSecretOutput,
};
pub use strongroom_domain::clock::{Clock, ManualClock, SystemClock};
pub use values::{
    BatchGetInput, BatchGetOutput, GetSecretValueInput, PutSecretValueInput, PutSecretValueOutput,
    SecretValueOutput,
};
pub use versions::{ListVersionsInput, ListVersionsOutput};

pub use strongroom_domain as domain;

use authz::{PolicyCache, resolve_authorized};
use cache::ReadCache;
use cached::{CacheKey, Cached};
use std::sync::{Arc, Mutex, PoisonError};
use strongroom_crypto::RootKey;
use strongroom_domain::{Error, Secret, SecretRef};
use strongroom_store::{ReadTx, Store, WriteTx};

/// The service: the store, the key hierarchy and a clock.
pub struct Service {
    store: Arc<dyn Store>,
    root: RootKey,
    clock: Arc<dyn Clock>,
    /// Unsealed KMS key material (`kms/mod.rs`).
    materials: Arc<kms::Materials>,
    /// GetSecretValue and DescribeSecret answers (`cache.rs`).
    cache: Arc<ReadCache<CacheKey, Cached>>,
    /// KMS keys as the cryptographic operations find them (`kms/lookup.rs`).
    key_cache: Arc<kms::KeyCache>,
    /// Accesses to write as LastAccessedDate (`accesses.rs`).
    accesses: accesses::Accesses,
    /// Parsed secret resource policies.
    policies: Arc<PolicyCache>,
    /// Root key, material and policies again, for sealing values (`sealing.rs`).
    keyring: sealing::Keyring,
    /// At most this many versions per secret ([`Service::with_version_cap`]).
    version_cap: usize,
    /// Invokes rotation functions (`rotation.rs`); `None`: none can be.
    rotation_functions: Option<Arc<dyn rotation::RotationFunctions>>,
    /// Wakes the rotation job when RotateSecret started a run.
    rotation_wakeup: Arc<tokio::sync::Notify>,
}

/// The read cache's default bound, in bytes.
pub const DEFAULT_READ_CACHE_BYTES: u64 = 64 << 20;

/// What a write changed, for the read cache: each write's closure notes the
/// secrets it changed ([`Changes::secret`]) or that it changed none. Left
/// as it was, a successful write invalidates the whole cache, so a
/// forgotten note costs cache hits, never a stale answer.
pub(crate) enum Changes {
    Unknown,
    Secrets(Vec<String>),
    Everything,
}

impl Changes {
    /// The write changed the secret `arn` (or deleted it).
    pub fn secret(&mut self, arn: &str) {
        match self {
            Changes::Unknown => *self = Changes::Secrets(vec![arn.to_owned()]),
            Changes::Secrets(arns) => arns.push(arn.to_owned()),
            Changes::Everything => {}
        }
    }

    /// The write changed no secret (so far).
    pub fn none(&mut self) {
        if let Changes::Unknown = self {
            *self = Changes::Secrets(Vec::new());
        }
    }

    /// The write may change what names and ARNs resolve to (a new secret).
    pub fn everything(&mut self) {
        *self = Changes::Everything;
    }

    fn invalidate(self, cache: &ReadCache<CacheKey, Cached>) {
        match self {
            Changes::Secrets(arns) => arns.iter().for_each(|arn| cache.invalidate(arn)),
            Changes::Unknown | Changes::Everything => cache.invalidate_all(),
        }
    }
}

impl Service {
    pub fn new(store: Arc<dyn Store>, root: RootKey, clock: Arc<dyn Clock>) -> Service {
        let exclusive = store.exclusive_writer();
        let materials: Arc<kms::Materials> = Arc::default();
        let policies: Arc<PolicyCache> = Arc::default();
        Service {
            keyring: sealing::Keyring {
                root: root.clone(),
                materials: materials.clone(),
                policies: policies.clone(),
            },
            store,
            root,
            clock,
            materials,
            policies,
            cache: Arc::new(ReadCache::new(exclusive, DEFAULT_READ_CACHE_BYTES)),
            key_cache: Arc::new(ReadCache::new(exclusive, kms::KEY_CACHE_BYTES)),
            accesses: Default::default(),
            version_cap: strongroom_domain::secret::DEFAULT_VERSION_CAP,
            rotation_functions: None,
            rotation_wakeup: Arc::default(),
        }
    }

    /// Caps the versions one secret may hold (young ones included, since
    /// they are never removed): a write past it answers
    /// LimitExceededException. At least [`MAX_VERSIONS`](strongroom_domain::secret::MAX_VERSIONS)
    /// + 1, so that trimming old versions always makes room.
    pub fn with_version_cap(mut self, cap: usize) -> Service {
        self.version_cap = cap.max(strongroom_domain::secret::MAX_VERSIONS + 1);
        self
    }

    /// Bounds the read cache at about `bytes` bytes (0 turns it off).
    pub fn with_read_cache_bytes(mut self, bytes: u64) -> Service {
        let exclusive = self.store.exclusive_writer();
        self.cache = Arc::new(ReadCache::new(exclusive, bytes));
        self
    }

    fn now(&self) -> strongroom_domain::Timestamp {
        self.clock.now()
    }

    /// Every write to secrets goes through here: it runs `f` in a store
    /// write transaction and, once the commit's outcome is known and before
    /// the caller is answered, invalidates what `f` noted in its
    /// [`Changes`] in the read cache (on the writer's side, so a caller
    /// that stops waiting cannot skip it). A write that fails changed
    /// nothing.
    async fn write<T, F>(&self, f: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn WriteTx, &mut Changes) -> Result<T, ServiceError> + Send + 'static,
    {
        let cache = self.cache.clone();
        let noted = Arc::new(Mutex::new(Changes::Unknown));
        let from_job = noted.clone();
        let job = move |tx: &mut dyn WriteTx| {
            let mut changes = Changes::Unknown;
            let out = f(tx, &mut changes);
            if out.is_err() {
                changes = Changes::Secrets(Vec::new());
            }
            *from_job.lock().unwrap_or_else(PoisonError::into_inner) = changes;
            out
        };
        let after_commit = move || {
            let mut noted = noted.lock().unwrap_or_else(PoisonError::into_inner);
            std::mem::replace(&mut *noted, Changes::Everything).invalidate(&cache);
        };
        self.store.write_then(job, after_commit).await
    }

    /// The common shape of a metadata change: resolve `secret_id` and
    /// authorize `action` on it (with the request's own condition keys),
    /// let `change` edit a copy of the secret, save the difference. Nothing
    /// is saved when any step fails.
    async fn modify<T, K, F>(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        action: &'static str,
        request_keys: K,
        change: F,
    ) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        K: FnOnce(&mut strongroom_policy::Context) + Send + 'static,
        F: FnOnce(&mut Secret) -> Result<T, ServiceError> + Send + 'static,
    {
        SecretRef::validate(secret_id)?;
        let (ctx, secret_id) = (ctx.clone(), secret_id.to_owned());
        let policies = self.policies.clone();
        self.write(move |tx, changes| {
            let before = resolve_authorized(tx, &ctx, &policies, &secret_id, action, request_keys)?;
            let mut after = before.clone();
            let out = change(&mut after)?;
            strongroom_store::save_secret(tx, Some(&before), &after, &[])?;
            changes.secret(&after.arn);
            Ok(out)
        })
        .await
    }
}

impl Service {
    /// The secret `secret_id` names, resolved and authorized for `action`
    /// in one read transaction (on a reader thread), and the ticket taken
    /// before it (`ReadCache::is_current`).
    async fn read_authorized(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        action: &'static str,
    ) -> Result<(Secret, cache::Ticket), ServiceError> {
        let ticket = self.cache.ticket();
        let (ctx, secret_id) = (ctx.clone(), secret_id.to_owned());
        let policies = self.policies.clone();
        let secret = self
            .store
            .read_async(move |tx| {
                resolve_authorized(tx, &ctx, &policies, &secret_id, action, |_| {})
            })
            .await?;
        Ok((secret, ticket))
    }
}

/// The account whose secret `secret_id` names: an ARN's, else the caller's.
pub(crate) fn owner_account<'a>(ctx: &'a RequestContext, secret_id: &'a str) -> &'a str {
    match secret_id.strip_prefix("arn:") {
        Some(_) => secret_id.split(':').nth(4).unwrap_or(ctx.account()),
        None => ctx.account(),
    }
}

/// Finds the secret a `SecretId` names: exact ARN (in the request's region,
/// in any account: whether another account's secret may be used is for
/// authorization to say), else partial ARN or name in the caller's account.
pub(crate) fn resolve(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    id: &str,
) -> Result<Secret, ServiceError> {
    let reference = SecretRef::parse(id)?;
    let found = match &reference {
        SecretRef::Name(name) => tx.find_secret_by_name(ctx.account(), &ctx.region, name)?,
        SecretRef::Arn { full, .. } => match tx.find_secret_by_arn(full)? {
            Some(s) if s.region == ctx.region => Some(s),
            Some(_) => None,
            None => match reference.partial_arn_name(&ctx.region, ctx.account()) {
                Some(name) => tx.find_secret_by_name(ctx.account(), &ctx.region, name)?,
                None => None,
            },
        },
    };
    found.ok_or(ServiceError::Domain(Error::SecretNotFound))
}
