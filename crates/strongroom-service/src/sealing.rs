//! Secret values under KMS keys, as AWS does it: every version gets a fresh
//! 256-bit data key, generated and wrapped under the secret's KMS key as a
//! KMS ciphertext blob (what GenerateDataKey returns) with encryption
//! context `{"SecretARN": arn, "SecretVersionId": id}`; the value is sealed
//! under the data key (AES-256-GCM, associated data the same ARN and id).
//!
//! Secrets Manager calls KMS in process, as the caller: `kms:GenerateDataKey`
//! (writes) or `kms:Decrypt` (reads) on the key is authorized under its key
//! policy and the caller's identity policies (`authz::authorize_key`), with
//! `kms:ViaService = secretsmanager.<region>.amazonaws.com`,
//! `kms:CallerAccount` and the encryption context as condition keys; the
//! managed key `aws/secretsmanager`'s policy allows exactly that. Denied:
//! AccessDeniedException "Access to KMS is not allowed". A key that is not
//! Enabled: EncryptionFailure on writes, DecryptionFailure on reads.
//!
//! Stored versions record the key (`versions.key_id`) and, in the blob, the
//! material generation, so later rotations keep them readable. Versions
//! written before (the V4/V5 shape) hold a 60-byte `wrapped_key`: the data
//! key sealed directly by generation 1 of `aws/secretsmanager` with
//! associated data "SecretARN=…;SecretVersionId=…"; they stay readable.

use crate::authz::{Access, PolicyCache, authorize_key_or_grant, authorize_managed_key};
use crate::kms::{Found, Materials, find_in, key_condition_keys, missing};
use crate::{RequestContext, ServiceError};
use std::sync::Arc;
use strongroom_crypto::{Key256, RootKey, blob_header, decrypt_blob, open, seal};
use strongroom_domain::kms::{
    EncryptionContext, KeyManager, KeyOperation, KeyRef, KeySpec, KeyUsage, KmsAlias, KmsError,
    KmsKey, SECRETSMANAGER_ALIAS, new_key_id,
};
use strongroom_domain::sealing::kms_material_seal_context;
use strongroom_domain::{Error, SecretValue, Timestamp};
use strongroom_policy::{Context, Policy};
use strongroom_store::{KeyMaterialRecord, ReadTx, StoredValue, WriteTx};
use zeroize::Zeroizing;

/// What Secrets Manager answers when KMS denies the caller.
pub(crate) const KMS_ACCESS_DENIED: &str = "Access to KMS is not allowed";

/// A wrapped data key of the pre-KMS shape: nonce (12) ‖ key (32) ‖ tag (16).
/// A KMS blob wrapping 32 bytes is 101 bytes long, so the length decides.
const LEGACY_WRAPPED_LEN: usize = 12 + 32 + 16;

/// Plaintext layout inside the value's seal: a type byte, then the bytes.
/// The type is encrypted too, so the database does not even show which kind.
const STRING_TAG: u8 = 1;
const BINARY_TAG: u8 = 2;

/// The KMS key a version is (or will be) sealed under, as one transaction
/// found it: metadata, tags, parsed key policy and the material generation.
/// The read cache keeps it with the value (invalidated by every KMS write).
#[derive(Clone)]
pub(crate) struct SealingKey {
    pub found: Found,
    pub policy: Option<Arc<Policy>>,
    pub material: KeyMaterialRecord,
}

impl SealingKey {
    /// Bytes held, for the read cache's weight.
    pub fn weight(&self) -> u64 {
        (std::mem::size_of::<Self>()
            + self.found.key.policy.len()
            + self.found.key.arn.len() * 2
            + self.found.key.description.len()
            + self.material.sealed.len()
            + self
                .found
                .tags
                .iter()
                .map(|t| t.key.len() + t.value.len() + 48)
                .sum::<usize>()) as u64
    }
}

/// What a secret's KmsKeyId means.
pub(crate) enum KeyChoice {
    /// `aws/secretsmanager` of the secret's account and region (no
    /// KmsKeyId, an empty one, or that alias).
    Managed,
    Customer(KeyRef),
}

/// Reads a KmsKeyId (CreateSecret, UpdateSecret, or as stored on a secret
/// of `account`): the four forms, or the managed key.
pub(crate) fn key_choice(
    kms_key_id: Option<&str>,
    account: &str,
) -> Result<KeyChoice, ServiceError> {
    let Some(k) = kms_key_id.filter(|k| !k.is_empty()) else {
        return Ok(KeyChoice::Managed);
    };
    if k == "aws/secretsmanager" {
        return Ok(KeyChoice::Managed);
    }
    let r = KeyRef::parse("KmsKeyId", k).map_err(|_| Error::InvalidKmsKeyId)?;
    let own = match &r {
        KeyRef::AliasName(_) => true,
        KeyRef::AliasArn { account: a, .. } => a == account,
        _ => false,
    };
    if own && r.alias_name() == Some(SECRETSMANAGER_ALIAS) {
        return Ok(KeyChoice::Managed);
    }
    Ok(KeyChoice::Customer(r))
}

/// Does `r` name `aws/secretsmanager` of (`account`, `region`) by its alias?
pub(crate) fn names_managed_alias(r: &KeyRef, account: &str, region: &str) -> bool {
    r.alias_name() == Some(SECRETSMANAGER_ALIAS) && r.scope(account, region) == (account, region)
}

/// What KmsKeyId a secret keeps: `None` for the managed key (DescribeSecret
/// shows KmsKeyId only for customer keys), else the text as given, so that
/// an alias re-pointed later chooses the key of new versions.
pub(crate) fn stored_key_id(
    kms_key_id: Option<&str>,
    account: &str,
) -> Result<Option<String>, ServiceError> {
    Ok(match key_choice(kms_key_id, account)? {
        KeyChoice::Managed => None,
        KeyChoice::Customer(_) => kms_key_id.map(str::to_owned),
    })
}

/// The encryption context of a version's data key.
fn encryption_context(arn: &str, version_id: &str) -> EncryptionContext {
    EncryptionContext(
        [
            ("SecretARN".to_owned(), arn.to_owned()),
            ("SecretVersionId".to_owned(), version_id.to_owned()),
        ]
        .into_iter()
        .collect(),
    )
}

/// The associated data of the value's seal (and of a legacy wrapped key).
fn value_aad(arn: &str, version_id: &str) -> Vec<u8> {
    format!("SecretARN={arn};SecretVersionId={version_id}").into_bytes()
}

/// Which generation of its key's material wrapped `stored`'s data key, or
/// `None` if the blob does not name the key the row names.
fn generation_of(stored: &StoredValue) -> Option<u32> {
    if stored.wrapped_key.len() == LEGACY_WRAPPED_LEN {
        return Some(1);
    }
    let h = blob_header(&stored.wrapped_key)?;
    (h.key_id == stored.key_id).then_some(h.generation)
}

/// What sealing and opening values needs: the root key, unsealed KMS
/// material and parsed policies; cheap to clone into a store closure.
#[derive(Clone)]
pub(crate) struct Keyring {
    pub root: RootKey,
    pub materials: Arc<Materials>,
    pub policies: Arc<PolicyCache>,
}

impl Keyring {
    fn with_material(&self, found: Found, material: KeyMaterialRecord) -> SealingKey {
        SealingKey {
            policy: self.policies.resource_policy(&found.key.policy),
            found,
            material,
        }
    }

    /// The key new versions of a secret of (`account`, `region`) with
    /// KmsKeyId `kms_key_id` are sealed under, found in `tx`: a customer key
    /// named in one of the four forms (in the secret's account unless an
    /// ARN says otherwise), or `aws/secretsmanager`, created here on first
    /// use (in the caller's write, so a failed or denied one creates
    /// nothing). Asymmetric and HMAC keys are refused.
    pub fn key_for_writing(
        &self,
        tx: &mut dyn WriteTx,
        ctx: &RequestContext,
        account: &str,
        region: &str,
        kms_key_id: Option<&str>,
        now: Timestamp,
    ) -> Result<SealingKey, ServiceError> {
        let found = match key_choice(kms_key_id, account)? {
            KeyChoice::Managed => return self.managed_key(tx, account, region, now),
            KeyChoice::Customer(r) => match find_in(tx, account, region, &r)? {
                Some(found) => found,
                None => {
                    return Err(kms_denied(missing(
                        ctx,
                        &r,
                        "kms:GenerateDataKey",
                        &Context::new(),
                    )));
                }
            },
        };
        if found.key.spec != KeySpec::SymmetricDefault
            || found.key.usage != KeyUsage::EncryptDecrypt
        {
            return Err(Error::UnsupportedKmsKey {
                arn: found.key.arn.clone(),
                spec: found.key.spec.as_str(),
                usage: found.key.usage.as_str(),
            }
            .into());
        }
        let material = tx
            .kms_newest_material(&found.key.id)?
            .ok_or(ServiceError::KeyMaterial)?;
        Ok(self.with_material(found, material))
    }

    /// `aws/secretsmanager` of (account, region), created if missing
    /// (EncryptionFailure if another writer made it first: a retry finds it).
    pub(crate) fn managed_key(
        &self,
        tx: &mut dyn WriteTx,
        account: &str,
        region: &str,
        now: Timestamp,
    ) -> Result<SealingKey, ServiceError> {
        let alias = Some(SECRETSMANAGER_ALIAS.to_owned());
        if let Some(a) = tx.kms_alias(account, region, SECRETSMANAGER_ALIAS)? {
            let key = tx
                .kms_key(&a.target_key_id)?
                .ok_or(ServiceError::KeyMaterial)?;
            let material = tx
                .kms_newest_material(&key.id)?
                .ok_or(ServiceError::KeyMaterial)?;
            let found = Found {
                key,
                tags: Vec::new(),
                alias,
                grants: Vec::new(),
            };
            return Ok(self.with_material(found, material));
        }
        let plain = Key256::generate()?;
        let key = KmsKey::new_secretsmanager(new_key_id(), account, region, now);
        let material = KeyMaterialRecord {
            sealed: seal(
                &self.root.0,
                &kms_material_seal_context(&key.id, 1),
                plain.as_bytes(),
            )?,
            key_id: key.id.clone(),
            generation: 1,
            created: now,
        };
        tx.insert_kms_key(&key, &[], &material)?;
        let made = tx.insert_kms_alias(&KmsAlias {
            account: account.to_owned(),
            region: region.to_owned(),
            name: SECRETSMANAGER_ALIAS.to_owned(),
            target_key_id: key.id.clone(),
            created: now,
            updated: now,
        })?;
        if !made {
            // Another writer made it first (several writers): retrying sees it.
            return Err(ServiceError::Encryption);
        }
        let found = Found {
            key,
            tags: Vec::new(),
            alias,
            grants: Vec::new(),
        };
        Ok(self.with_material(found, material))
    }

    /// The key that sealed `stored`, read in the caller's transaction;
    /// `None` if it no longer exists (the value cannot be opened).
    pub fn key_of(
        &self,
        tx: &dyn ReadTx,
        stored: &StoredValue,
    ) -> Result<Option<SealingKey>, ServiceError> {
        let Some(generation) = generation_of(stored) else {
            return Ok(None);
        };
        let Some(key) = tx.kms_key(&stored.key_id)? else {
            return Ok(None);
        };
        let Some(material) = tx.kms_material(&key.id, generation)? else {
            return Ok(None);
        };
        let tags = tx.kms_key_tags(&key.id)?;
        let grants = crate::kms::grants_of_key(tx, &key.id)?;
        let found = Found {
            key,
            tags,
            alias: None,
            grants,
        };
        Ok(Some(self.with_material(found, material)))
    }

    /// Authorizes `action` on `key` as Secrets Manager calls it for the
    /// version `version_id` of `arn`.
    fn authorize(
        &self,
        ctx: &RequestContext,
        key: &SealingKey,
        action: &'static str,
        arn: &str,
        version_id: &str,
    ) -> Result<(), ServiceError> {
        let mut keys = key_condition_keys(ctx, &key.found);
        keys.set_static(
            "kms:viaservice",
            format!("secretsmanager.{}.amazonaws.com", key.found.key.region),
        );
        keys.set_static("kms:encryptionalgorithm", "SYMMETRIC_DEFAULT");
        keys.set_static("kms:encryptioncontext:secretarn", arn);
        keys.set_static("kms:encryptioncontext:secretversionid", version_id);
        keys.set_multi(
            "kms:EncryptionContextKeys",
            vec!["SecretARN".to_owned(), "SecretVersionId".to_owned()],
        );
        let grant_keys = keys.clone();
        let k = &key.found.key;
        let access = Access {
            action,
            resource: &k.arn,
            resource_account: &k.account,
            resource_policy: key.policy.as_deref(),
            shown_as: &k.arn,
            keys,
        };
        match k.manager {
            KeyManager::Aws => authorize_managed_key(ctx, access),
            KeyManager::Customer => authorize_key_or_grant(ctx, access, || {
                crate::kms::grant_allows(ctx, &key.found, action, &grant_keys)
            }),
        }
        .map_err(kms_denied)
    }

    /// Seals a new version's value: kms:GenerateDataKey on `key`, which must
    /// be Enabled (else EncryptionFailure).
    pub fn seal_value(
        &self,
        ctx: &RequestContext,
        key: &SealingKey,
        arn: &str,
        version_id: &str,
        value: &SecretValue,
    ) -> Result<StoredValue, ServiceError> {
        self.authorize(ctx, key, "kms:GenerateDataKey", arn, version_id)?;
        key.found
            .key
            .check(KeyOperation::Crypto)
            .map_err(|_| ServiceError::Encryption)?;
        let mut plain = Zeroizing::new(Vec::new());
        match value {
            SecretValue::String(s) => {
                plain.push(STRING_TAG);
                plain.extend_from_slice(s.as_bytes());
            }
            SecretValue::Binary(b) => {
                plain.push(BINARY_TAG);
                plain.extend_from_slice(b);
            }
        }
        let data_key = Key256::generate()?;
        let wrapped_key = self.wrap(key, arn, version_id, &data_key)?;
        Ok(StoredValue {
            key_id: key.found.key.id.clone(),
            wrapped_key,
            ciphertext: seal(&data_key, &value_aad(arn, version_id), &plain)?,
        })
    }

    fn wrap(
        &self,
        key: &SealingKey,
        arn: &str,
        version_id: &str,
        data_key: &Key256,
    ) -> Result<Vec<u8>, ServiceError> {
        self.materials.encrypt_blob(
            &self.root.0,
            &key.material,
            &encryption_context(arn, version_id).canonical_bytes(),
            data_key.as_bytes(),
        )
    }

    /// The data key of `stored`, unwrapped under `key` (authorized and
    /// state-checked by the caller).
    fn unwrap(
        &self,
        key: &SealingKey,
        arn: &str,
        version_id: &str,
        stored: &StoredValue,
    ) -> Result<Key256, ServiceError> {
        let material = self.materials.unseal(&self.root.0, &key.material)?;
        let bytes = if stored.wrapped_key.len() == LEGACY_WRAPPED_LEN {
            open(&material, &value_aad(arn, version_id), &stored.wrapped_key)
        } else {
            decrypt_blob(
                &material,
                &stored.wrapped_key,
                &encryption_context(arn, version_id).canonical_bytes(),
            )
        }
        .map_err(|_| ServiceError::Decryption)?;
        Key256::from_bytes(&bytes).ok_or(ServiceError::Decryption)
    }

    /// Opens a stored value: kms:Decrypt on the key that sealed it, which
    /// must exist and be Enabled (else DecryptionFailure).
    pub fn open_value(
        &self,
        ctx: &RequestContext,
        key: Option<&SealingKey>,
        arn: &str,
        version_id: &str,
        stored: &StoredValue,
    ) -> Result<SecretValue, ServiceError> {
        let key = key.ok_or(ServiceError::Decryption)?;
        self.authorize(ctx, key, "kms:Decrypt", arn, version_id)?;
        key.found
            .key
            .check(KeyOperation::Crypto)
            .map_err(|_| ServiceError::Decryption)?;
        let data_key = self.unwrap(key, arn, version_id, stored)?;
        let plain = open(&data_key, &value_aad(arn, version_id), &stored.ciphertext)
            .map_err(|_| ServiceError::Decryption)?;
        match plain.split_first() {
            Some((&STRING_TAG, rest)) => String::from_utf8(rest.to_vec())
                .map(SecretValue::String)
                .map_err(|_| ServiceError::Decryption),
            Some((&BINARY_TAG, rest)) => Ok(SecretValue::Binary(rest.to_vec())),
            _ => Err(ServiceError::Decryption),
        }
    }

    /// A stored value's data key wrapped again under `to` (UpdateSecret
    /// with a new KmsKeyId), the value's ciphertext kept; `None` when the
    /// caller may not decrypt under the old key or encrypt under the new one,
    /// or either is unusable: the version then stays under its old key, as
    /// AWS leaves it.
    pub fn rewrap(
        &self,
        ctx: &RequestContext,
        from: Option<&SealingKey>,
        to: &SealingKey,
        arn: &str,
        version_id: &str,
        stored: &StoredValue,
    ) -> Option<StoredValue> {
        let from = from?;
        if from.found.key.id == to.found.key.id
            && generation_of(stored) == Some(to.material.generation)
        {
            return None;
        }
        self.authorize(ctx, from, "kms:Decrypt", arn, version_id)
            .ok()?;
        self.authorize(ctx, to, "kms:Encrypt", arn, version_id)
            .ok()?;
        from.found.key.check(KeyOperation::Crypto).ok()?;
        to.found.key.check(KeyOperation::Crypto).ok()?;
        let data_key = self.unwrap(from, arn, version_id, stored).ok()?;
        Some(StoredValue {
            key_id: to.found.key.id.clone(),
            wrapped_key: self.wrap(to, arn, version_id, &data_key).ok()?,
            ciphertext: stored.ciphertext.clone(),
        })
    }
}

/// A KMS refusal as Secrets Manager answers it: AccessDeniedException
/// "Access to KMS is not allowed"; a key that does not exist (and that
/// the caller may ask about) is ResourceNotFoundException.
fn kms_denied(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::AccessDenied(_) => ServiceError::AccessDenied(KMS_ACCESS_DENIED.to_owned()),
        ServiceError::Kms(KmsError::KeyNotFound(_) | KmsError::AliasNotFound(_)) => {
            Error::KmsKeyNotFound.into()
        }
        ServiceError::Kms(_) => ServiceError::Encryption,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_choices() {
        let managed = |k| matches!(key_choice(k, "111111111111"), Ok(KeyChoice::Managed));
        assert!(managed(None));
        assert!(managed(Some("")));
        assert!(managed(Some("alias/aws/secretsmanager")));
        assert!(managed(Some("aws/secretsmanager")));
        assert!(managed(Some(
            "arn:aws:kms:us-east-1:111111111111:alias/aws/secretsmanager"
        )));
        // Another account's managed key is not this account's.
        assert!(!managed(Some(
            "arn:aws:kms:us-east-1:222222222222:alias/aws/secretsmanager"
        )));
        assert!(!managed(Some("alias/mine")));
        assert!(matches!(
            key_choice(Some("not a key"), "111111111111"),
            Err(ServiceError::Domain(Error::InvalidKmsKeyId))
        ));
    }
}
