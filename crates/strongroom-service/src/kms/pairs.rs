//! GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext: a key pair for use
//! outside the server, its private key encrypted under a symmetric key as an ordinary
//! ciphertext blob (with the encryption context), so Decrypt returns it.

use super::crypto::context_keys;
use super::key_ref;
use crate::{RequestContext, Service, ServiceError};
use strongroom_crypto::kms::generate_data_key_pair;
use strongroom_domain::kms::{
    DataKeyPairSpec, EncryptionAlgorithmSpec, EncryptionContext, KmsError,
};
use zeroize::Zeroizing;

/// The members both operations share.
pub struct DataKeyPairInput {
    pub key_id: String,
    pub context: EncryptionContext,
    pub spec: DataKeyPairSpec,
    pub dry_run: bool,
}

pub struct DataKeyPairOutput {
    /// PKCS#8 DER, encrypted under the KMS key.
    pub private_key_ciphertext: Vec<u8>,
    /// PKCS#8 DER; `None` for GenerateDataKeyPairWithoutPlaintext.
    pub private_key_plaintext: Option<Zeroizing<Vec<u8>>>,
    /// DER SubjectPublicKeyInfo.
    pub public_key: Vec<u8>,
    pub key_arn: String,
}

impl Service {
    /// GenerateDataKeyPair (`with_plaintext`) or GenerateDataKeyPairWithoutPlaintext.
    pub async fn kms_generate_data_key_pair(
        &self,
        ctx: &RequestContext,
        input: DataKeyPairInput,
        with_plaintext: bool,
    ) -> Result<DataKeyPairOutput, ServiceError> {
        let r = key_ref("keyId", &input.key_id)?;
        let (action, operation) = if with_plaintext {
            ("kms:GenerateDataKeyPair", "GenerateDataKeyPair")
        } else {
            (
                "kms:GenerateDataKeyPairWithoutPlaintext",
                "GenerateDataKeyPairWithoutPlaintext",
            )
        };
        let algorithm = EncryptionAlgorithmSpec::SymmetricDefault;
        let mut keys = context_keys(&input.context, algorithm);
        keys.set_static("kms:datakeypairspec", input.spec.as_str());
        let key = self
            .encrypting_key(ctx, r, action, operation, keys, algorithm)
            .await?;
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let spec = input.spec;
        // An RSA 4096 pair takes a while: off the async workers.
        let pair = tokio::task::spawn_blocking(move || generate_data_key_pair(spec))
            .await
            .map_err(|_| ServiceError::KeyMaterial)?
            .map_err(|e| {
                tracing::error!(key_pair_spec = %spec, error = %e, "data key pair generation failed");
                ServiceError::KeyMaterial
            })?;
        let private_key_ciphertext = self.seal_blob(&key, &input.context, &pair.private_key)?;
        Ok(DataKeyPairOutput {
            private_key_ciphertext,
            private_key_plaintext: with_plaintext.then_some(pair.private_key),
            public_key: pair.public_key,
            key_arn: key.found.key.arn.clone(),
        })
    }
}
