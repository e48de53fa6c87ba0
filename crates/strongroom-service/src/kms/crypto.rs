//! Encrypt, Decrypt, ReEncrypt, GenerateDataKey(WithoutPlaintext),
//! GenerateRandom: symmetric keys, AES-256-GCM, self-describing blobs
//! (`strongroom_crypto::encrypt_blob`) that bind the encryption context.
//! A request naming an RSAES_OAEP algorithm goes to `asymmetric.rs`.
//!
//! The key is found (`lookup.rs`: the key cache or one store read),
//! authorized and checked; its material is unsealed and used here.

use super::lookup::{KeyCheck, Resolved};
use super::{authorize_on_any, key_ref};
use crate::{RequestContext, Service, ServiceError};
use std::sync::Arc;
use strongroom_crypto::{Key256, blob_header, decrypt_blob, random_bytes};
use strongroom_domain::kms::{
    DataKeySpec, EncryptionAlgorithm, EncryptionContext, KeyRef, KeyUsage, KmsError,
};
use strongroom_policy::Context;
use zeroize::Zeroizing;

/// The largest plaintext Encrypt takes, and the range of NumberOfBytes.
pub const MAX_PLAINTEXT_BYTES: usize = 4096;
pub const MAX_DATA_KEY_BYTES: usize = 1024;

/// Encrypt's members.
pub struct EncryptInput {
    pub key_id: String,
    pub plaintext: Zeroizing<Vec<u8>>,
    pub context: EncryptionContext,
    pub algorithm: Option<EncryptionAlgorithm>,
    pub dry_run: bool,
}

pub struct EncryptOutput {
    pub ciphertext: Vec<u8>,
    pub key_arn: String,
}

/// Decrypt's members.
pub struct DecryptInput {
    pub ciphertext: Vec<u8>,
    pub context: EncryptionContext,
    pub key_id: Option<String>,
    pub algorithm: Option<EncryptionAlgorithm>,
    pub dry_run: bool,
}

pub struct DecryptOutput {
    pub plaintext: Zeroizing<Vec<u8>>,
    pub key_arn: String,
}

/// ReEncrypt's members.
pub struct ReEncryptInput {
    pub ciphertext: Vec<u8>,
    pub source_context: EncryptionContext,
    pub source_key_id: Option<String>,
    pub source_algorithm: Option<EncryptionAlgorithm>,
    pub destination_key_id: String,
    pub destination_context: EncryptionContext,
    pub destination_algorithm: Option<EncryptionAlgorithm>,
    pub dry_run: bool,
}

pub struct ReEncryptOutput {
    pub ciphertext: Vec<u8>,
    pub source_key_arn: String,
    pub key_arn: String,
}

/// GenerateDataKey's and GenerateDataKeyWithoutPlaintext's members.
pub struct DataKeyInput {
    pub key_id: String,
    pub context: EncryptionContext,
    pub key_spec: Option<DataKeySpec>,
    pub number_of_bytes: Option<i64>,
    pub dry_run: bool,
}

pub struct DataKeyOutput {
    pub ciphertext: Vec<u8>,
    /// `None` for GenerateDataKeyWithoutPlaintext.
    pub plaintext: Option<Zeroizing<Vec<u8>>>,
    pub key_arn: String,
}

/// `kms:EncryptionContext:<key>` and `kms:EncryptionContextKeys`, and the algorithm.
pub(super) fn context_keys(context: &EncryptionContext, algorithm: EncryptionAlgorithm) -> Context {
    let mut keys = Context::new();
    for (k, v) in &context.0 {
        keys.set(&format!("kms:EncryptionContext:{k}"), v.as_str());
    }
    keys.set_multi(
        "kms:EncryptionContextKeys",
        context.0.keys().cloned().collect(),
    );
    keys.set_static("kms:encryptionalgorithm", algorithm.as_str());
    keys
}

/// The algorithms the key's spec supports (SYMMETRIC_DEFAULT for symmetric
/// keys), as the check of a lookup (`lookup.rs`).
pub(super) fn algorithm_check(algorithm: EncryptionAlgorithm) -> KeyCheck {
    Box::new(move |key| {
        if algorithm.check_for(key.spec).is_err() {
            return Err(KmsError::UnsupportedAlgorithm {
                key_spec: key.spec.as_str(),
                algorithm: algorithm.as_str(),
            }
            .into());
        }
        Ok(())
    })
}

impl Service {
    /// A key to encrypt under: resolved, authorized, enabled, for
    /// ENCRYPT_DECRYPT and `algorithm`; its newest material encrypts.
    pub(super) async fn encrypting_key(
        &self,
        ctx: &RequestContext,
        r: KeyRef,
        action: &'static str,
        operation: &'static str,
        keys: Context,
        algorithm: EncryptionAlgorithm,
    ) -> Result<Arc<Resolved>, ServiceError> {
        self.usable_key(
            ctx,
            r,
            action,
            operation,
            Some(KeyUsage::EncryptDecrypt),
            keys,
            algorithm_check(algorithm),
        )
        .await
    }

    /// Encrypts `plaintext` under the newest material of `key`, binding `context`.
    pub(super) fn seal_blob(
        &self,
        key: &Resolved,
        context: &EncryptionContext,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, ServiceError> {
        self.materials.encrypt_blob(
            &self.root.0,
            &key.material,
            &context.canonical_bytes(),
            plaintext,
        )
    }

    /// The key and unsealed material a symmetric ciphertext blob needs for
    /// `action` (Decrypt, ReEncrypt's source); `named` is the KeyId given.
    pub(super) async fn blob_key(
        &self,
        ctx: &RequestContext,
        ciphertext: &[u8],
        named: Option<&KeyRef>,
        context: &EncryptionContext,
        algorithm: EncryptionAlgorithm,
        action: &'static str,
    ) -> Result<(Arc<Resolved>, Arc<Key256>), ServiceError> {
        let h = header(ciphertext)?;
        let keys = context_keys(context, algorithm);
        self.decrypting_key(
            ctx,
            &h.key_id,
            h.generation,
            named,
            action,
            &keys,
            algorithm_check(algorithm),
        )
        .await
    }
}

/// The blob's header, or InvalidCiphertextException.
fn header(ciphertext: &[u8]) -> Result<strongroom_crypto::BlobHeader, ServiceError> {
    if ciphertext.is_empty() {
        return Err(KmsError::constraint(
            "ciphertextBlob",
            None,
            "Member must have length greater than or equal to 1",
        )
        .into());
    }
    blob_header(ciphertext).ok_or_else(|| KmsError::InvalidCiphertext.into())
}

/// NumberOfBytes (GenerateDataKey, GenerateRandom): 1–1024.
fn byte_count(n: i64) -> Result<usize, KmsError> {
    let n = KmsError::check_range("numberOfBytes", n, 1, MAX_DATA_KEY_BYTES as i64)?;
    // In 1..=1024: fits.
    Ok(n as usize)
}

/// GenerateDataKey's size: exactly one of KeySpec and NumberOfBytes (1–1024).
fn data_key_bytes(spec: Option<DataKeySpec>, n: Option<i64>) -> Result<usize, ServiceError> {
    match (spec, n) {
        (Some(s), None) => Ok(s.bytes()),
        (None, Some(n)) => Ok(byte_count(n)?),
        _ => Err(KmsError::Validation(
            "Please specify either number of bytes or key spec.".to_owned(),
        )
        .into()),
    }
}

impl Service {
    /// Encrypt: at most 4096 bytes, under the key's newest material.
    pub async fn kms_encrypt(
        &self,
        ctx: &RequestContext,
        input: EncryptInput,
    ) -> Result<EncryptOutput, ServiceError> {
        let r = key_ref("keyId", &input.key_id)?;
        if input.plaintext.is_empty() || input.plaintext.len() > MAX_PLAINTEXT_BYTES {
            return Err(KmsError::constraint(
                "plaintext",
                None,
                if input.plaintext.is_empty() {
                    "Member must have length greater than or equal to 1"
                } else {
                    "Member must have length less than or equal to 4096"
                },
            )
            .into());
        }
        if input.algorithm.is_some_and(super::asymmetric::is_rsa) {
            return self.kms_encrypt_rsa(ctx, r, input).await;
        }
        let algorithm = input
            .algorithm
            .unwrap_or(EncryptionAlgorithm::SymmetricDefault);
        let keys = context_keys(&input.context, algorithm);
        let key = self
            .encrypting_key(ctx, r, "kms:Encrypt", "Encrypt", keys, algorithm)
            .await?;
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let ciphertext = self.seal_blob(&key, &input.context, &input.plaintext)?;
        Ok(EncryptOutput {
            ciphertext,
            key_arn: key.found.key.arn.clone(),
        })
    }

    /// Decrypt: the blob names its key; a KeyId, if given, must be that key.
    pub async fn kms_decrypt(
        &self,
        ctx: &RequestContext,
        input: DecryptInput,
    ) -> Result<DecryptOutput, ServiceError> {
        if input.algorithm.is_some_and(super::asymmetric::is_rsa) {
            return self.kms_decrypt_rsa(ctx, input).await;
        }
        let named = input
            .key_id
            .as_deref()
            .map(|k| key_ref("keyId", k))
            .transpose()?;
        let algorithm = input
            .algorithm
            .unwrap_or(EncryptionAlgorithm::SymmetricDefault);
        let (key, material) = self
            .blob_key(
                ctx,
                &input.ciphertext,
                named.as_ref(),
                &input.context,
                algorithm,
                "kms:Decrypt",
            )
            .await?;
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let plaintext = decrypt_blob(
            &material,
            &input.ciphertext,
            &input.context.canonical_bytes(),
        )
        .map_err(|_| KmsError::InvalidCiphertext)?;
        Ok(DecryptOutput {
            plaintext,
            key_arn: key.found.key.arn.clone(),
        })
    }

    /// ReEncrypt: decrypts under the source key (kms:ReEncryptFrom) and
    /// encrypts under the destination key (kms:ReEncryptTo), on the server.
    pub async fn kms_re_encrypt(
        &self,
        ctx: &RequestContext,
        input: ReEncryptInput,
    ) -> Result<ReEncryptOutput, ServiceError> {
        if [input.source_algorithm, input.destination_algorithm]
            .into_iter()
            .flatten()
            .any(super::asymmetric::is_rsa)
        {
            return self.kms_re_encrypt_rsa(ctx, input).await;
        }
        let named = input
            .source_key_id
            .as_deref()
            .map(|k| key_ref("sourceKeyId", k))
            .transpose()?;
        let destination = key_ref("destinationKeyId", &input.destination_key_id)?;
        let source_algorithm = input
            .source_algorithm
            .unwrap_or(EncryptionAlgorithm::SymmetricDefault);
        let destination_algorithm = input
            .destination_algorithm
            .unwrap_or(EncryptionAlgorithm::SymmetricDefault);
        let destination_keys = context_keys(&input.destination_context, destination_algorithm);
        let (source, source_material) = self
            .blob_key(
                ctx,
                &input.ciphertext,
                named.as_ref(),
                &input.source_context,
                source_algorithm,
                "kms:ReEncryptFrom",
            )
            .await?;
        let dest = self
            .encrypting_key(
                ctx,
                destination,
                "kms:ReEncryptTo",
                "ReEncrypt",
                destination_keys,
                destination_algorithm,
            )
            .await?;
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let plaintext = decrypt_blob(
            &source_material,
            &input.ciphertext,
            &input.source_context.canonical_bytes(),
        )
        .map_err(|_| KmsError::InvalidCiphertext)?;
        let ciphertext = self.seal_blob(&dest, &input.destination_context, &plaintext)?;
        Ok(ReEncryptOutput {
            ciphertext,
            source_key_arn: source.found.key.arn.clone(),
            key_arn: dest.found.key.arn.clone(),
        })
    }

    /// GenerateDataKey (`with_plaintext`) or GenerateDataKeyWithoutPlaintext.
    pub async fn kms_generate_data_key(
        &self,
        ctx: &RequestContext,
        input: DataKeyInput,
        with_plaintext: bool,
    ) -> Result<DataKeyOutput, ServiceError> {
        let r = key_ref("keyId", &input.key_id)?;
        let bytes = data_key_bytes(input.key_spec, input.number_of_bytes)?;
        let (action, operation) = if with_plaintext {
            ("kms:GenerateDataKey", "GenerateDataKey")
        } else {
            (
                "kms:GenerateDataKeyWithoutPlaintext",
                "GenerateDataKeyWithoutPlaintext",
            )
        };
        let algorithm = EncryptionAlgorithm::SymmetricDefault;
        let keys = context_keys(&input.context, algorithm);
        let key = self
            .encrypting_key(ctx, r, action, operation, keys, algorithm)
            .await?;
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let data_key = random_bytes(bytes)?;
        let ciphertext = self.seal_blob(&key, &input.context, &data_key)?;
        Ok(DataKeyOutput {
            ciphertext,
            plaintext: with_plaintext.then_some(data_key),
            key_arn: key.found.key.arn.clone(),
        })
    }

    /// GenerateRandom: 1–1024 random bytes.
    pub async fn kms_generate_random(
        &self,
        ctx: &RequestContext,
        number_of_bytes: Option<i64>,
    ) -> Result<Zeroizing<Vec<u8>>, ServiceError> {
        authorize_on_any(ctx, "kms:GenerateRandom", Context::new())?;
        let n = match number_of_bytes {
            Some(n) => byte_count(n)?,
            None => {
                return Err(KmsError::Validation(
                    "NumberOfBytes is required: 1 to 1024.".to_owned(),
                )
                .into());
            }
        };
        Ok(random_bytes(n)?)
    }
}
