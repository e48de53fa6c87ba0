//! KMS: one function per operation, each resolve → authorize → apply in
//! one store read or write, like Secrets Manager's.
//!
//! Authorization is KMS's: the key policy is the key's resource policy and
//! must allow, directly or by naming the account root, which delegates to
//! IAM (`authz::authorize_key`). A key that does not exist is authorized as
//! the ARN the caller named, with identity policies alone, before the
//! caller is told it does not exist.
//!
//! Key material is sealed by the root key (associated data
//! `strongroom_domain::sealing::kms_material_seal_context`) before it reaches the store, and
//! unsealed only here, into [`Materials`].

mod aliases;
mod asymmetric;
mod crypto;
mod deletion;
mod grants;
mod keys;
mod lookup;
mod mac;
mod pairs;
mod parsed;
mod policy;
mod rotation;
mod tags;

pub use aliases::AliasPage;
pub use asymmetric::{PublicKeyOutput, SignInput, SignOutput, VerifyInput};
pub use crypto::{
    DataKeyInput, DataKeyOutput, DecryptInput, DecryptOutput, EncryptInput, EncryptOutput,
    ReEncryptInput, ReEncryptOutput,
};
pub use deletion::DeletedKey;
pub use grants::{CreateGrantInput, CreateGrantOutput, GrantEntry, GrantPage, RetireGrantInput};
pub(crate) use grants::{allows as grant_allows, of_key as grants_of_key};
pub use keys::{CreateKeyInput, KeyPage};
pub(crate) use lookup::{KEY_CACHE_BYTES, KeyCache};
pub use mac::{MacInput, MacOutput};
pub use pairs::{DataKeyPairInput, DataKeyPairOutput};
pub use rotation::{
    IncludeKeyMaterial, KeyRotationEntry, KeyRotationPage, KeyRotationStatus, RotatedKey,
};
pub use tags::TagPage;

use crate::authz::{Access, PolicyCache, authorize, authorize_key_or_grant, set_tags};
use crate::{RequestContext, ServiceError};
use std::sync::Arc;
use strongroom_crypto::{Key256, open};
use strongroom_domain::Tag;
use strongroom_domain::kms::{KeyRef, KmsError, KmsKey, alias_arn, key_arn};
use strongroom_domain::sealing::kms_material_seal_context;
use strongroom_policy::Context;
use strongroom_store::{KeyMaterialRecord, ReadTx};

/// Unsealed key material by (key id, generation); zeroized when the last
/// holder drops it. Material never changes once written, so an entry stays
/// right as long as its key exists, and every use reads the key first.
pub(crate) struct Materials {
    by_generation: quick_cache::sync::Cache<(String, u32), Arc<Key256>>,
    /// Asymmetric and HMAC keys, parsed (`parsed.rs`).
    parsed: quick_cache::sync::Cache<(String, u32), Arc<parsed::ParsedKey>>,
}

/// A (key id, generation) borrowed from a record, to look up without
/// allocating (every GetSecretValue looks its key's material up); hashes as
/// the owned tuple does.
#[derive(Hash)]
struct GenerationRef<'a>(&'a str, u32);

impl quick_cache::Equivalent<(String, u32)> for GenerationRef<'_> {
    fn equivalent(&self, key: &(String, u32)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

/// Unsealed generations kept at most.
const MATERIAL_CACHE_ENTRIES: usize = 4096;
/// Parsed asymmetric and HMAC keys kept at most (an RSA 4096 key is a few KiB).
const PARSED_CACHE_ENTRIES: usize = 1024;

impl Default for Materials {
    fn default() -> Self {
        Materials {
            by_generation: quick_cache::sync::Cache::new(MATERIAL_CACHE_ENTRIES),
            parsed: quick_cache::sync::Cache::new(PARSED_CACHE_ENTRIES),
        }
    }
}

impl Materials {
    /// The unsealed material of `record`, from the cache or unsealed now.
    pub(crate) fn unseal(
        &self,
        root: &Key256,
        record: &KeyMaterialRecord,
    ) -> Result<Arc<Key256>, ServiceError> {
        if let Some(k) = self
            .by_generation
            .get(&GenerationRef(&record.key_id, record.generation))
        {
            return Ok(k);
        }
        let id = (record.key_id.clone(), record.generation);
        let plain = open(
            root,
            &kms_material_seal_context(&record.key_id, record.generation),
            &record.sealed,
        )
        .map_err(|_| ServiceError::KeyMaterial)?;
        let key = Arc::new(Key256::from_bytes(&plain).ok_or(ServiceError::KeyMaterial)?);
        self.by_generation.insert(id, key.clone());
        Ok(key)
    }

    /// The parsed asymmetric or HMAC key of `record`, a generation of `key`, from the
    /// cache or unsealed and parsed now.
    fn parsed(
        &self,
        root: &Key256,
        key: &KmsKey,
        record: &KeyMaterialRecord,
    ) -> Result<Arc<parsed::ParsedKey>, ServiceError> {
        let id = (record.key_id.clone(), record.generation);
        if let Some(k) = self.parsed.get(&id) {
            return Ok(k);
        }
        let plain = open(
            root,
            &kms_material_seal_context(&record.key_id, record.generation),
            &record.sealed,
        )
        .map_err(|_| ServiceError::KeyMaterial)?;
        let parsed = parsed::ParsedKey::parse(key.spec, key.usage, &plain)
            .map_err(|e| parsed::refusal(key, "parsing", e))?;
        let parsed = Arc::new(parsed);
        self.parsed.insert(id, parsed.clone());
        Ok(parsed)
    }

    /// A ciphertext blob of `plaintext` under the material of `record`,
    /// binding `context` (the canonical bytes of an encryption context).
    pub(crate) fn encrypt_blob(
        &self,
        root: &Key256,
        record: &KeyMaterialRecord,
        context: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>, ServiceError> {
        let material = self.unseal(root, record)?;
        Ok(strongroom_crypto::encrypt_blob(
            &material,
            &record.key_id,
            record.generation,
            context,
            plaintext,
        )?)
    }

    /// The unsealed material of (`key_id`, `generation`), if cached.
    pub(crate) fn cached(&self, key_id: &str, generation: u32) -> Option<Arc<Key256>> {
        self.by_generation.get(&GenerationRef(key_id, generation))
    }

    /// Forgets a deleted key's material.
    fn forget(&self, key_id: &str, generations: u32) {
        for g in 1..=generations {
            self.by_generation.remove(&(key_id.to_owned(), g));
            self.parsed.remove(&(key_id.to_owned(), g));
        }
    }
}

impl crate::Service {
    /// Every write to KMS keys, aliases, tags, grants, policies and
    /// material goes through here: it runs `f` in a store write and, after
    /// the commit and before the caller is answered, invalidates the key
    /// cache (`lookup.rs`) and the whole secret read cache, whose
    /// GetSecretValue entries hold the state, policy and tags of the key
    /// that sealed the value (`cache.rs`'s ticket argument covers both).
    pub(crate) async fn kms_write<T, F>(&self, f: F) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn strongroom_store::WriteTx) -> Result<T, ServiceError> + Send + 'static,
    {
        let (cache, key_cache) = (self.cache.clone(), self.key_cache.clone());
        self.store
            .write_then(f, move || {
                key_cache.invalidate_all();
                cache.invalidate_all();
            })
            .await
    }
}

/// Reads a KeyId member.
pub(crate) fn key_ref(member: &str, input: &str) -> Result<KeyRef, ServiceError> {
    Ok(KeyRef::parse(member, input)?)
}

/// A key as found: the key, its tags, and the alias it was named by.
#[derive(Clone)]
pub(crate) struct Found {
    pub key: KmsKey,
    pub tags: Vec<Tag>,
    pub alias: Option<String>,
    /// The key's grants (`grants::of_key`), which may allow what the
    /// policies do not; all of them, as a cached key serves every caller.
    pub grants: Vec<strongroom_domain::kms::KmsGrant>,
}

/// Finds the key `r` names, in the request's region (keys are regional):
/// a key id or alias name in the caller's account, an ARN in its own.
pub(crate) fn find(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    r: &KeyRef,
) -> Result<Option<Found>, ServiceError> {
    find_in(tx, ctx.account(), &ctx.region, r)
}

/// [`find`] with a key id or alias name taken in (`account`, `region`)
/// (Secrets Manager resolves a secret's KmsKeyId in the secret's account).
pub(crate) fn find_in(
    tx: &dyn ReadTx,
    account: &str,
    wanted_region: &str,
    r: &KeyRef,
) -> Result<Option<Found>, ServiceError> {
    let (account, region) = r.scope(account, wanted_region);
    if region != wanted_region {
        return Ok(None);
    }
    let (key_id, alias) = match r {
        KeyRef::Id(id) | KeyRef::Arn { id, .. } => (id.clone(), None),
        KeyRef::AliasName(name) | KeyRef::AliasArn { name, .. } => {
            match tx.kms_alias(account, region, name)? {
                Some(a) => (a.target_key_id, Some(name.clone())),
                None => return Ok(None),
            }
        }
    };
    let Some(key) = tx.kms_key(&key_id)? else {
        return Ok(None);
    };
    if key.account != account || key.region != region {
        return Ok(None);
    }
    let tags = tx.kms_key_tags(&key.id)?;
    let grants = grants::of_key(tx, &key.id)?;
    Ok(Some(Found {
        key,
        tags,
        alias,
        grants,
    }))
}

/// The condition keys a key contributes: its spec, usage, origin and
/// tags, the caller's account, and the alias it was named by.
pub(crate) fn key_condition_keys(ctx: &RequestContext, found: &Found) -> Context {
    let mut keys = Context::new();
    keys.set_static("kms:calleraccount", ctx.account());
    keys.set_static("kms:keyspec", found.key.spec.as_str());
    keys.set_static("kms:customermasterkeyspec", found.key.spec.as_str());
    keys.set_static("kms:keyusage", found.key.usage.as_str());
    keys.set_static("kms:keyorigin", found.key.origin.as_str());
    keys.set_static("kms:multiregion", "false");
    if let Some(alias) = &found.alias {
        keys.set_static("kms:requestalias", alias.as_str());
    }
    set_tags(&mut keys, "aws:ResourceTag/", &found.tags);
    keys
}

/// Authorizes `action` on a found key under its key policy, or a grant of
/// the key to the caller, with the request's own condition keys.
pub(crate) fn authorize_found(
    ctx: &RequestContext,
    policies: &PolicyCache,
    found: &Found,
    action: &'static str,
    request_keys: &Context,
) -> Result<(), ServiceError> {
    authorize_found_or(ctx, policies, found, action, request_keys, || {
        grants::allows(ctx, found, action, request_keys)
    })
}

/// [`authorize_found`] with the grant check given (`|| false`: policies only).
pub(crate) fn authorize_found_or(
    ctx: &RequestContext,
    policies: &PolicyCache,
    found: &Found,
    action: &'static str,
    request_keys: &Context,
    grant_allows: impl Fn() -> bool,
) -> Result<(), ServiceError> {
    let policy = policies.resource_policy(&found.key.policy);
    let mut keys = key_condition_keys(ctx, found);
    keys.extend(request_keys);
    authorize_key_or_grant(
        ctx,
        Access {
            action,
            resource: &found.key.arn,
            resource_account: &found.key.account,
            resource_policy: policy.as_deref(),
            shown_as: &found.key.arn,
            keys,
        },
        grant_allows,
    )?;
    ctx.note_resource(&found.key.arn);
    Ok(())
}

/// Authorizes `action` on a key that does not exist, as the ARN the caller
/// named (identity policies alone), and answers NotFoundException if allowed.
pub(crate) fn missing(
    ctx: &RequestContext,
    r: &KeyRef,
    action: &'static str,
    request_keys: &Context,
) -> ServiceError {
    let (account, region) = r.scope(ctx.account(), &ctx.region);
    let arn = match r {
        KeyRef::Id(id) | KeyRef::Arn { id, .. } => key_arn(region, account, id),
        KeyRef::AliasName(n) | KeyRef::AliasArn { name: n, .. } => alias_arn(region, account, n),
    };
    let mut keys = Context::new();
    keys.set_static("kms:calleraccount", ctx.account());
    keys.extend(request_keys);
    let decision = authorize(
        ctx,
        Access {
            action,
            resource: &arn,
            resource_account: account,
            resource_policy: None,
            shown_as: &arn,
            keys,
        },
    );
    match decision {
        Err(denied) => denied,
        Ok(()) => r.not_found(ctx.account(), &ctx.region).into(),
    }
}

/// Resolves `r` and authorizes `action` on it: the resolve and authorize
/// steps of every operation on one key.
pub(crate) fn resolve_authorized(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    policies: &PolicyCache,
    r: &KeyRef,
    action: &'static str,
    request_keys: &Context,
) -> Result<Found, ServiceError> {
    match find(tx, ctx, r)? {
        Some(found) => {
            authorize_found(ctx, policies, &found, action, request_keys)?;
            Ok(found)
        }
        None => Err(missing(ctx, r, action, request_keys)),
    }
}

/// Authorizes an action that names no key (CreateKey, ListKeys,
/// ListAliases, GenerateRandom) on `*`, by identity policies.
pub(crate) fn authorize_on_any(
    ctx: &RequestContext,
    action: &'static str,
    request_keys: Context,
) -> Result<(), ServiceError> {
    let mut keys = request_keys;
    keys.set_static("kms:calleraccount", ctx.account());
    authorize(
        ctx,
        Access {
            action,
            resource: "*",
            resource_account: ctx.account(),
            resource_policy: None,
            shown_as: "*",
            keys,
        },
    )
}

/// AWS managed keys are changed by AWS only: their policies already deny
/// it, and this says so for any policy (the store's CHECK is the last word).
fn refuse_managed(ctx: &RequestContext, key: &KmsKey, action: &str) -> Result<(), ServiceError> {
    if key.manager == strongroom_domain::kms::KeyManager::Aws {
        return Err(ServiceError::AccessDenied(format!(
            "User: {} is not authorized to perform: {action} on resource: {} because it is an AWS managed key",
            ctx.principal.arn, key.arn
        )));
    }
    Ok(())
}

/// A listing's Marker: the last item's sort key, as this server issued it.
fn marker_after(
    marker: Option<&str>,
    valid: impl Fn(&str) -> bool,
) -> Result<Option<String>, ServiceError> {
    match marker {
        None => Ok(None),
        Some(m) if valid(m) => Ok(Some(m.to_owned())),
        Some(_) => Err(KmsError::InvalidMarker.into()),
    }
}

/// The model's Limit: 1–1000; KMS's default page is 100.
fn page_limit(limit: Option<i64>) -> Result<usize, ServiceError> {
    match limit {
        None => Ok(100),
        // In 1..=1000 once checked: fits.
        Some(n) => Ok(KmsError::check_range("limit", n, 1, 1000)? as usize),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_domain::kms::{default_key_policy, secretsmanager_key_policy};

    /// A borrowed (key id, generation) finds what the owned one stored.
    #[test]
    fn materials_are_found_by_borrowed_generation() {
        let materials = Materials::default();
        let key = Arc::new(Key256::from_bytes(&[3u8; 32]).expect("32 bytes"));
        materials.by_generation.insert(("k".to_owned(), 2), key);
        assert!(
            materials
                .by_generation
                .get(&GenerationRef("k", 2))
                .is_some()
        );
        assert!(
            materials
                .by_generation
                .get(&GenerationRef("k", 1))
                .is_none()
        );
        assert!(
            materials
                .by_generation
                .get(&GenerationRef("j", 2))
                .is_none()
        );
    }
    use strongroom_policy::{Policy, PolicyKind};

    /// The policies AWS gives keys parse as key policies (a stored policy
    /// that does not parse denies everything).
    #[test]
    fn aws_key_policies_parse() {
        for text in [
            default_key_policy("123456789012"),
            secretsmanager_key_policy("123456789012", "eu-west-1"),
        ] {
            if let Err(e) = Policy::parse(&text, PolicyKind::Resource) {
                panic!("{e}: {text}");
            }
        }
    }
}
