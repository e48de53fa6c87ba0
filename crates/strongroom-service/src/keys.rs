//! The middle of the key hierarchy (per-region `aws/secretsmanager` key
//! material, sealed by the root key) and value sealing. (Access keys are
//! IAM's: `strongroom-iam`.)

use crate::{Service, ServiceError};
use std::sync::Arc;
use strongroom_crypto::{Key256, decrypt_value, encrypt_value, open, seal};
use strongroom_domain::SecretValue;
use strongroom_domain::kms::{KmsAlias, KmsKey, SECRETSMANAGER_ALIAS, new_key_id};
use strongroom_domain::sealing::kms_material_seal_context;
use strongroom_store::{KeyMaterialRecord, ReadTx, Store, StoredValue};
use zeroize::Zeroizing;

/// The AWS managed key every secret uses unless told otherwise.
pub const DEFAULT_KEY_ALIAS: &str = "aws/secretsmanager";

/// Unwrapped KMS key material, by (account, region); zeroized when the
/// last holder drops it. At most [`KEK_CACHE_ENTRIES`] keys are held
/// (S3-FIFO eviction); one that was evicted is unwrapped again from the
/// store on its next use.
pub(crate) struct KekCache {
    by_scope: quick_cache::sync::Cache<(String, String), Arc<Kek>>,
}

/// Unwrapped keys kept at most: one per (account, region) in use.
pub(crate) const KEK_CACHE_ENTRIES: usize = 1024;

impl Default for KekCache {
    fn default() -> Self {
        KekCache {
            by_scope: quick_cache::sync::Cache::new(KEK_CACHE_ENTRIES),
        }
    }
}

/// An (account, region) borrowed from a request, for lookups without
/// allocating; hashes as the owned tuple does.
#[derive(Hash)]
struct ScopeRef<'a>(&'a str, &'a str);

impl quick_cache::Equivalent<(String, String)> for ScopeRef<'_> {
    fn equivalent(&self, key: &(String, String)) -> bool {
        self.0 == key.0 && self.1 == key.1
    }
}

/// A key-encryption key: the KMS key's id and its material.
pub(crate) struct Kek {
    pub key_id: String,
    pub key: Key256,
}

/// Plaintext layout inside the envelope: a type byte, then the bytes. The
/// type is encrypted too, so the database does not even show which kind.
const STRING_TAG: u8 = 1;
const BINARY_TAG: u8 = 2;

/// Binds a value to its secret and version (AWS's encryption context is the
/// secret ARN and version id as well).
fn context(arn: &str, version_id: &str) -> Vec<u8> {
    format!("SecretARN={arn};SecretVersionId={version_id}").into_bytes()
}

pub(crate) fn seal_value(
    kek: &Kek,
    arn: &str,
    version_id: &str,
    value: &SecretValue,
) -> Result<StoredValue, ServiceError> {
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
    let env = encrypt_value(&kek.key, &context(arn, version_id), &plain)?;
    Ok(StoredValue {
        key_id: kek.key_id.clone(),
        wrapped_key: env.wrapped_key,
        ciphertext: env.ciphertext,
    })
}

pub(crate) fn open_value(
    kek: &Kek,
    arn: &str,
    version_id: &str,
    stored: &StoredValue,
) -> Result<SecretValue, ServiceError> {
    if stored.key_id != kek.key_id {
        return Err(ServiceError::Decryption);
    }
    let plain = decrypt_value(
        &kek.key,
        &context(arn, version_id),
        &stored.wrapped_key,
        &stored.ciphertext,
    )?;
    match plain.split_first() {
        Some((&STRING_TAG, rest)) => String::from_utf8(rest.to_vec())
            .map(SecretValue::String)
            .map_err(|_| ServiceError::Decryption),
        Some((&BINARY_TAG, rest)) => Ok(SecretValue::Binary(rest.to_vec())),
        _ => Err(ServiceError::Decryption),
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Service {
    /// The `aws/secretsmanager` key of one account and region, created on first use.
    pub(crate) async fn default_kek(
        &self,
        account: &str,
        region: &str,
    ) -> Result<Arc<Kek>, ServiceError> {
        self.find_default_kek(account, region, true)
            .await?
            .ok_or(ServiceError::Encryption)
    }

    /// The `aws/secretsmanager` key of one account and region if it exists.
    /// Operations on existing secrets use this: every secret's region has
    /// its key, and a request that finds no key (so no secret) must not
    /// create one (a denied or failing request changes nothing).
    pub(crate) async fn existing_default_kek(
        &self,
        account: &str,
        region: &str,
    ) -> Result<Option<Arc<Kek>>, ServiceError> {
        self.find_default_kek(account, region, false).await
    }

    async fn find_default_kek(
        &self,
        account: &str,
        region: &str,
        create: bool,
    ) -> Result<Option<Arc<Kek>>, ServiceError> {
        if let Some(k) = self.keks.by_scope.get(&ScopeRef(account, region)) {
            return Ok(Some(k));
        }
        let (account, region) = (account.to_owned(), region.to_owned());
        let existing = {
            let (account, region) = (account.clone(), region.clone());
            self.store
                .read_async(move |tx| default_key_material(tx, &account, &region))
                .await?
        };
        let material = match existing {
            Some(m) => m,
            None if !create => return Ok(None),
            None => {
                let plain = Key256::generate()?;
                let key = KmsKey::new_secretsmanager(new_key_id(), &account, &region, self.now());
                let material = KeyMaterialRecord {
                    sealed: seal(
                        &self.root.0,
                        &kms_material_seal_context(&key.id, 1),
                        plain.as_bytes(),
                    )?,
                    key_id: key.id.clone(),
                    generation: 1,
                    created: key.created,
                };
                let alias = KmsAlias {
                    account: account.clone(),
                    region: region.clone(),
                    name: SECRETSMANAGER_ALIAS.to_owned(),
                    target_key_id: key.id.clone(),
                    created: key.created,
                    updated: key.created,
                };
                // Two first writers may race: the alias goes to the one
                // that inserts it first, and the other reads its key back.
                let (account, region) = (account.clone(), region.clone());
                self.store
                    .write(move |tx| -> Result<KeyMaterialRecord, ServiceError> {
                        if let Some(winner) = default_key_material(tx, &account, &region)? {
                            return Ok(winner);
                        }
                        tx.insert_kms_key(&key, &[], &material)?;
                        if tx.insert_kms_alias(&alias)? {
                            return Ok(material);
                        }
                        tx.delete_kms_key(&key.id)?;
                        default_key_material(tx, &account, &region)?.ok_or(ServiceError::Encryption)
                    })
                    .await?
            }
        };
        let plain = open(
            &self.root.0,
            &kms_material_seal_context(&material.key_id, material.generation),
            &material.sealed,
        )?;
        let key = Key256::from_bytes(&plain).ok_or(ServiceError::Decryption)?;
        let kek = Arc::new(Kek {
            key_id: material.key_id,
            key,
        });
        self.keks.by_scope.insert((account, region), kek.clone());
        Ok(Some(kek))
    }
}

/// The material Secrets Manager values are wrapped under: generation 1 of
/// the key `alias/aws/secretsmanager` names in (account, region). (Values
/// do not record a generation yet; moving them onto KMS ciphertext blobs is
/// part 3 of issue 8.)
fn default_key_material(
    tx: &dyn ReadTx,
    account: &str,
    region: &str,
) -> Result<Option<KeyMaterialRecord>, ServiceError> {
    let Some(alias) = tx.kms_alias(account, region, SECRETSMANAGER_ALIAS)? else {
        return Ok(None);
    };
    Ok(tx.kms_material(&alias.target_key_id, 1)?)
}

/// The account id recorded at first start, recording `wanted` if none.
/// Later starts keep the recorded one: ARNs already name it.
pub async fn ensure_account(store: &Arc<dyn Store>, wanted: &str) -> Result<String, ServiceError> {
    if let Some(a) = store.read(|tx| tx.meta("account_id"))? {
        return Ok(a);
    }
    let wanted = wanted.to_owned();
    store
        .write(move |tx| -> Result<String, ServiceError> {
            tx.set_meta("account_id", &wanted)?;
            Ok(wanted)
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kek_cache_is_bounded_and_found_by_borrowed_scope() {
        let cache = KekCache::default();
        let kek = Arc::new(Kek {
            key_id: "k".into(),
            key: Key256::from_bytes(&[1u8; 32]).expect("32 bytes"),
        });
        for i in 0..4 * KEK_CACHE_ENTRIES {
            cache
                .by_scope
                .insert((format!("{i:012}"), "us-east-1".into()), kek.clone());
        }
        assert!(cache.by_scope.len() <= KEK_CACHE_ENTRIES);
        cache
            .by_scope
            .insert(("000000000001".into(), "eu-west-1".into()), kek);
        assert!(
            cache
                .by_scope
                .get(&ScopeRef("000000000001", "eu-west-1"))
                .is_some()
        );
        assert!(
            cache
                .by_scope
                .get(&ScopeRef("000000000001", "eu-west-2"))
                .is_none()
        );
    }
}
