//! Finding a key for a cryptographic operation: from the key cache, or in
//! one store read on a reader thread.
//!
//! Encrypt, Decrypt, Sign, GenerateMac… each need the key (state, policy,
//! tags, grants) and the record of its newest material. Read from SQLite
//! that is four or five queries and a hop to a reader thread per call, more than
//! the cryptography costs; the cache answers a repeated key from memory.
//!
//! Architecture Invariant: the cache holds only keys that were found (never
//! an absence), and every change to a key, its aliases, tags, grants,
//! policy or material goes through `Service::kms_write`, which invalidates
//! the whole cache after the commit and before its caller is answered;
//! `cache.rs`'s ticket argument then makes a hit as current as a store read.
//! The one write outside it, creating `aws/secretsmanager` on first use,
//! only adds a key and an alias, which no cached entry can contradict.
//! Like the secret read cache, it is off unless this process is the
//! store's only writer.
//!
//! Authorization and the key-state checks are not cached: they run on
//! every call against the entry, with the caller's own context.

use super::{Found, missing};
use crate::authz::PolicyCache;
use crate::cache::{ReadCache, Weigh};
use crate::{RequestContext, Service, ServiceError};
use std::sync::Arc;
use strongroom_crypto::Key256;
use strongroom_domain::kms::{KeyOperation, KeyRef, KeyUsage, KmsError, KmsKey};
use strongroom_policy::Context;
use strongroom_store::{KeyMaterialRecord, ReadTx};

/// The key cache's bound, in bytes (a key with a default policy and a few
/// tags weighs about 2 KiB).
pub(crate) const KEY_CACHE_BYTES: u64 = 16 << 20;

pub(crate) type KeyCache = ReadCache<String, Arc<Resolved>>;

/// A key as a cryptographic operation finds it: the key with its tags,
/// grants and the alias it was named by, and its newest material's record.
pub(crate) struct Resolved {
    pub found: Found,
    pub material: KeyMaterialRecord,
}

impl Weigh for Arc<Resolved> {
    fn weight(&self) -> u64 {
        let key = &self.found.key;
        let tags: usize = self
            .found
            .tags
            .iter()
            .map(|t| t.key.len() + t.value.len() + 48)
            .sum();
        // A grant: its ids, principals, operations and constraints.
        let grants = self.found.grants.len() * 512;
        (key.policy.len()
            + key.description.len()
            + key.arn.len() * 2
            + tags
            + grants
            + self.material.sealed.len()
            + 512) as u64
    }

    fn arn(&self) -> &str {
        &self.found.key.arn
    }
}

/// What a lookup names: a KeyId member in the caller's scope, or the key id
/// a ciphertext blob carries (in any account, in the request's region).
enum Lookup<'a> {
    Named {
        ctx: &'a RequestContext,
        r: &'a KeyRef,
    },
    Blob {
        region: &'a str,
        key_id: &'a str,
    },
}

impl Lookup<'_> {
    /// The cache's key; `None` where `find` would find nothing (another
    /// region).
    fn cache_key(&self) -> Option<String> {
        match self {
            Lookup::Named { ctx, r } => {
                let (account, region) = r.scope(ctx.account(), &ctx.region);
                if region != ctx.region {
                    return None;
                }
                Some(match r {
                    KeyRef::Id(id) | KeyRef::Arn { id, .. } => {
                        format!("id\u{0}{account}\u{0}{region}\u{0}{id}")
                    }
                    KeyRef::AliasName(name) | KeyRef::AliasArn { name, .. } => {
                        format!("alias\u{0}{account}\u{0}{region}\u{0}{name}")
                    }
                })
            }
            Lookup::Blob { region, key_id } => Some(format!("blob\u{0}{region}\u{0}{key_id}")),
        }
    }
}

/// Reads what `lookup` names, in one read transaction.
fn read(
    tx: &dyn ReadTx,
    account: &str,
    region: &str,
    r: Option<&KeyRef>,
    blob_key_id: Option<&str>,
) -> Result<Option<Resolved>, ServiceError> {
    let found = match (r, blob_key_id) {
        (Some(r), _) => super::find_in(tx, account, region, r)?,
        (None, Some(id)) => match tx.kms_key(id)? {
            Some(key) if key.region == region => {
                let tags = tx.kms_key_tags(&key.id)?;
                let grants = super::grants::of_key(tx, &key.id)?;
                Some(Found {
                    key,
                    tags,
                    alias: None,
                    grants,
                })
            }
            _ => None,
        },
        (None, None) => None,
    };
    let Some(found) = found else {
        return Ok(None);
    };
    let material = tx
        .kms_newest_material(&found.key.id)?
        .ok_or(ServiceError::KeyMaterial)?;
    Ok(Some(Resolved { found, material }))
}

/// What an operation needs of its key beyond state and usage.
pub(super) type KeyCheck = Box<dyn FnOnce(&KmsKey) -> Result<(), ServiceError> + Send>;

impl Service {
    /// The key `lookup` names with its newest material, or `None`.
    async fn lookup(&self, lookup: Lookup<'_>) -> Result<Option<Arc<Resolved>>, ServiceError> {
        let Some(cache_key) = lookup.cache_key() else {
            return Ok(None);
        };
        if let Some((hit, _)) = self.key_cache.get(&cache_key) {
            return Ok(Some(hit));
        }
        let ticket = self.key_cache.ticket();
        // Owned copies for the reader thread, made on a miss only.
        let (account, region, r, blob) = match lookup {
            Lookup::Named { ctx, r } => (
                ctx.account().to_owned(),
                ctx.region.clone(),
                Some(r.clone()),
                None,
            ),
            Lookup::Blob { region, key_id } => (
                String::new(),
                region.to_owned(),
                None,
                Some(key_id.to_owned()),
            ),
        };
        let resolved = self
            .store
            .read_async(move |tx| read(tx, &account, &region, r.as_ref(), blob.as_deref()))
            .await?
            .map(Arc::new);
        if let Some(resolved) = &resolved {
            self.key_cache.insert(ticket, cache_key, resolved.clone());
        }
        Ok(resolved)
    }

    /// The key `r` names (as `find` resolves it), with its newest material.
    pub(super) async fn lookup_key(
        &self,
        ctx: &RequestContext,
        r: &KeyRef,
    ) -> Result<Option<Arc<Resolved>>, ServiceError> {
        self.lookup(Lookup::Named { ctx, r }).await
    }

    /// The resolve and authorize steps of a cryptographic operation on one
    /// key: found, authorized for `action`, enabled, of `usage`
    /// (InvalidKeyUsageException), and accepted by `check`.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn usable_key(
        &self,
        ctx: &RequestContext,
        r: KeyRef,
        action: &'static str,
        operation: &'static str,
        usage: Option<KeyUsage>,
        keys: Context,
        check: KeyCheck,
    ) -> Result<Arc<Resolved>, ServiceError> {
        let Some(resolved) = self.lookup_key(ctx, &r).await? else {
            return Err(missing(ctx, &r, action, &keys));
        };
        usable(ctx, &self.policies, &resolved, action, &keys)?;
        if let Some(usage) = usage {
            resolved.found.key.check_usage(usage, operation)?;
        }
        check(&resolved.found.key)?;
        Ok(resolved)
    }

    /// The key a symmetric ciphertext blob names, for Decrypt and
    /// ReEncrypt's source: checked against the KeyId the caller gave
    /// (IncorrectKeyException), authorized, enabled, for ENCRYPT_DECRYPT and
    /// accepted by `check`; and the unsealed material of the blob's
    /// generation (InvalidCiphertextException if there is none).
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn decrypting_key(
        &self,
        ctx: &RequestContext,
        blob_key_id: &str,
        generation: u32,
        named: Option<&KeyRef>,
        action: &'static str,
        keys: &Context,
        check: KeyCheck,
    ) -> Result<(Arc<Resolved>, Arc<Key256>), ServiceError> {
        // A KeyId, if given, must name the blob's key; found that way, the
        // key carries the alias it was named by (kms:RequestAlias).
        let by_name = match named {
            Some(r) => match self.lookup_key(ctx, r).await? {
                Some(f) if f.found.key.id == blob_key_id => Some(f),
                Some(_) => return Err(KmsError::IncorrectKey.into()),
                None => return Err(missing(ctx, r, action, keys)),
            },
            None => None,
        };
        let resolved = match by_name {
            Some(f) => f,
            // A blob names its key by id alone: it may be another account's.
            None => self
                .lookup(Lookup::Blob {
                    region: &ctx.region,
                    key_id: blob_key_id,
                })
                .await?
                .ok_or_else(|| missing(ctx, &KeyRef::Id(blob_key_id.to_owned()), action, keys))?,
        };
        usable(ctx, &self.policies, &resolved, action, keys)?;
        resolved
            .found
            .key
            .check_usage(KeyUsage::EncryptDecrypt, "Decrypt")?;
        check(&resolved.found.key)?;
        let material = self.generation(&resolved, generation).await?;
        Ok((resolved, material))
    }

    /// The unsealed material of `generation` of a key: the newest from the
    /// entry, an older one from the material cache or the store.
    async fn generation(
        &self,
        resolved: &Resolved,
        generation: u32,
    ) -> Result<Arc<Key256>, ServiceError> {
        if generation == resolved.material.generation {
            return self.materials.unseal(&self.root.0, &resolved.material);
        }
        let key_id = resolved.found.key.id.clone();
        if let Some(k) = self.materials.cached(&key_id, generation) {
            return Ok(k);
        }
        let record = self
            .store
            .read_async(move |tx| tx.kms_material(&key_id, generation))
            .await?
            .ok_or(KmsError::InvalidCiphertext)?;
        self.materials.unseal(&self.root.0, &record)
    }
}

/// Authorizes `action` on a found key and checks that its state allows
/// cryptography.
fn usable(
    ctx: &RequestContext,
    policies: &PolicyCache,
    resolved: &Resolved,
    action: &'static str,
    keys: &Context,
) -> Result<(), ServiceError> {
    super::authorize_found(ctx, policies, &resolved.found, action, keys)?;
    resolved.found.key.check(KeyOperation::Crypto)?;
    Ok(())
}
