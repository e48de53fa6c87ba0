//! Sign, Verify and GetPublicKey with RSA and ECC keys; Encrypt, Decrypt and ReEncrypt
//! with RSA keys (RSAES_OAEP_SHA_1/256), which `crypto.rs` hands over when the
//! request names an RSAES algorithm.
//!
//! Each finds and authorizes the key (`lookup.rs`), checks its state, usage and
//! algorithm, then uses the parsed key (`Materials::parsed`).

use super::crypto::context_keys;
use super::key_ref;
use super::lookup::{KeyCheck, Resolved};
use super::parsed::{ParsedKey, refusal};
use crate::{RequestContext, Service, ServiceError};
use std::sync::Arc;
use strongroom_crypto::{Key256, decrypt_blob, encrypt_blob};
use strongroom_domain::kms::{
    EncryptionAlgorithmSpec, EncryptionContext, KeyAlgorithms, KeyOperation, KeyRef, KeySpec,
    KeyUsage, KmsError, MessageType, SigningAlgorithmSpec,
};
use strongroom_policy::Context;
use zeroize::Zeroizing;

use super::crypto::{
    DecryptInput, DecryptOutput, EncryptInput, EncryptOutput, ReEncryptInput, ReEncryptOutput,
};

/// An RSAES algorithm: the request is for an RSA key (`crypto.rs` dispatches on it).
pub(crate) fn is_rsa(algorithm: EncryptionAlgorithmSpec) -> bool {
    algorithm.oaep_hash().is_some()
}

/// Sign's members.
pub struct SignInput {
    pub key_id: String,
    pub message: Zeroizing<Vec<u8>>,
    pub message_type: Option<MessageType>,
    pub algorithm: SigningAlgorithmSpec,
    pub dry_run: bool,
}

pub struct SignOutput {
    pub key_arn: String,
    pub signature: Vec<u8>,
}

/// Verify's members.
pub struct VerifyInput {
    pub key_id: String,
    pub message: Zeroizing<Vec<u8>>,
    pub message_type: Option<MessageType>,
    pub signature: Vec<u8>,
    pub algorithm: SigningAlgorithmSpec,
    pub dry_run: bool,
}

/// GetPublicKey's answer.
pub struct PublicKeyOutput {
    pub key_arn: String,
    /// DER SubjectPublicKeyInfo.
    pub public_key: Vec<u8>,
    pub key_spec: KeySpec,
    pub key_usage: KeyUsage,
    pub algorithms: KeyAlgorithms,
}

/// An asymmetric operation's key, found, authorized and checked (`lookup.rs`).
type Usable = Arc<Resolved>;

/// One side of a ReEncrypt: an RSA key, or a symmetric key with the unsealed material
/// of the generation to use.
enum Side {
    Rsa(Usable),
    Symmetric(Usable, Arc<Key256>),
}

impl Service {
    /// The parsed key of a usable key.
    pub(super) fn parsed_key(&self, usable: &Usable) -> Result<Arc<ParsedKey>, ServiceError> {
        self.materials
            .parsed(&self.root.0, &usable.found.key, &usable.material)
    }

    /// The steps Sign and Verify share: the key found, authorized for
    /// `kms:<operation>` and checked for `algorithm`, DryRun answered, and
    /// the parsed key with the message type (RAW if not given).
    async fn signing_key(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        algorithm: SigningAlgorithmSpec,
        message_type: Option<MessageType>,
        operation: &'static str,
        dry_run: bool,
    ) -> Result<(Usable, Arc<ParsedKey>, MessageType), ServiceError> {
        let r = key_ref("keyId", key_id)?;
        let message_type = message_type.unwrap_or(MessageType::Raw);
        let action = if operation == "Sign" {
            "kms:Sign"
        } else {
            "kms:Verify"
        };
        let usable = self
            .usable_key(
                ctx,
                r,
                action,
                operation,
                Some(KeyUsage::SignVerify),
                signing_keys(algorithm, message_type),
                signing_check(algorithm, operation),
            )
            .await?;
        if dry_run {
            return Err(KmsError::DryRun.into());
        }
        let parsed = self.parsed_key(&usable)?;
        Ok((usable, parsed, message_type))
    }

    /// Sign: RAW messages (1–4096 bytes, hashed here) or DIGESTs.
    pub async fn kms_sign(
        &self,
        ctx: &RequestContext,
        input: SignInput,
    ) -> Result<SignOutput, ServiceError> {
        let (algorithm, message_type) = (input.algorithm, input.message_type);
        let (usable, parsed, message_type) = self
            .signing_key(
                ctx,
                &input.key_id,
                algorithm,
                message_type,
                "Sign",
                input.dry_run,
            )
            .await?;
        let ParsedKey::Signing { private, .. } = &*parsed else {
            return Err(ServiceError::KeyMaterial);
        };
        let signature = private
            .sign(algorithm, message_type, &input.message)
            .map_err(|e| refusal(&usable.found.key, "Sign", e))?;
        Ok(SignOutput {
            key_arn: usable.found.key.arn.clone(),
            signature,
        })
    }

    /// Verify: Ok with the key's ARN when the signature is valid, else
    /// KMSInvalidSignatureException.
    pub async fn kms_verify(
        &self,
        ctx: &RequestContext,
        input: VerifyInput,
    ) -> Result<String, ServiceError> {
        let (algorithm, message_type) = (input.algorithm, input.message_type);
        let (usable, parsed, message_type) = self
            .signing_key(
                ctx,
                &input.key_id,
                algorithm,
                message_type,
                "Verify",
                input.dry_run,
            )
            .await?;
        let ParsedKey::Signing { public, .. } = &*parsed else {
            return Err(ServiceError::KeyMaterial);
        };
        public
            .verify(algorithm, message_type, &input.message, &input.signature)
            .map_err(|e| refusal(&usable.found.key, "Verify", e))?;
        Ok(usable.found.key.arn.clone())
    }

    /// GetPublicKey: the public key of an RSA or ECC key, DER SubjectPublicKeyInfo, as
    /// stored beside the sealed material (the private key is not unsealed).
    pub async fn kms_get_public_key(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<PublicKeyOutput, ServiceError> {
        let r = key_ref("keyId", key_id)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        let (key, public_key) = self
            .store
            .read_async(move |tx| -> Result<_, ServiceError> {
                let found = super::resolve_authorized(
                    tx,
                    &ctx,
                    &policies,
                    &r,
                    "kms:GetPublicKey",
                    &Context::new(),
                )?;
                let key = found.key;
                key.check(KeyOperation::Crypto)?;
                if !key.spec.is_asymmetric() {
                    return Err(KmsError::KeySpecNotSupported {
                        arn: key.arn.clone(),
                        spec: key.spec.as_str(),
                        operation: "GetPublicKey",
                    }
                    .into());
                }
                let newest = tx
                    .kms_newest_material(&key.id)?
                    .ok_or(ServiceError::KeyMaterial)?;
                let public_key = tx
                    .kms_public_key(&key.id, newest.generation)?
                    .ok_or(ServiceError::KeyMaterial)?;
                Ok((key, public_key))
            })
            .await?;
        Ok(PublicKeyOutput {
            algorithms: key.algorithms(),
            key_spec: key.spec,
            key_usage: key.usage,
            key_arn: key.arn,
            public_key,
        })
    }

    /// Encrypt under an RSA key's public key (at most the OAEP limit of the key spec
    /// and algorithm; no encryption context).
    pub(super) async fn kms_encrypt_rsa(
        &self,
        ctx: &RequestContext,
        r: KeyRef,
        input: EncryptInput,
    ) -> Result<EncryptOutput, ServiceError> {
        let algorithm = rsa_algorithm(input.algorithm)?;
        let usable = self
            .rsa_key(ctx, r, "kms:Encrypt", "Encrypt", algorithm, &input.context)
            .await?;
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let ciphertext = self.rsa_encrypt(&usable, algorithm, &input.plaintext, "Encrypt")?;
        Ok(EncryptOutput {
            ciphertext,
            key_arn: usable.found.key.arn.clone(),
        })
    }

    /// Decrypt with an RSA key: KeyId is required (an RSA ciphertext names no key).
    pub(super) async fn kms_decrypt_rsa(
        &self,
        ctx: &RequestContext,
        input: DecryptInput,
    ) -> Result<DecryptOutput, ServiceError> {
        let algorithm = rsa_algorithm(input.algorithm)?;
        let r = asymmetric_key_id("keyId", input.key_id.as_deref())?;
        let usable = self
            .rsa_key(ctx, r, "kms:Decrypt", "Decrypt", algorithm, &input.context)
            .await?;
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let plaintext = self.rsa_decrypt(&usable, algorithm, &input.ciphertext)?;
        Ok(DecryptOutput {
            plaintext,
            key_arn: usable.found.key.arn.clone(),
        })
    }

    /// ReEncrypt where the source or the destination (or both) is an RSA key. Both keys
    /// are resolved and authorized before anything is decrypted (and before DryRun
    /// answers).
    pub(super) async fn kms_re_encrypt_rsa(
        &self,
        ctx: &RequestContext,
        input: ReEncryptInput,
    ) -> Result<ReEncryptOutput, ServiceError> {
        let destination = key_ref("destinationKeyId", &input.destination_key_id)?;
        let source_algorithm = input
            .source_algorithm
            .unwrap_or(EncryptionAlgorithmSpec::SymmetricDefault);
        let destination_algorithm = input
            .destination_algorithm
            .unwrap_or(EncryptionAlgorithmSpec::SymmetricDefault);
        let source = if is_rsa(source_algorithm) {
            let r = asymmetric_key_id("sourceKeyId", input.source_key_id.as_deref())?;
            Side::Rsa(
                self.rsa_key(
                    ctx,
                    r,
                    "kms:ReEncryptFrom",
                    "ReEncrypt",
                    source_algorithm,
                    &input.source_context,
                )
                .await?,
            )
        } else {
            let named = input
                .source_key_id
                .as_deref()
                .map(|k| key_ref("sourceKeyId", k))
                .transpose()?;
            let (key, material) = self
                .blob_key(
                    ctx,
                    &input.ciphertext,
                    named.as_ref(),
                    &input.source_context,
                    source_algorithm,
                    "kms:ReEncryptFrom",
                )
                .await?;
            Side::Symmetric(key, material)
        };
        let dest = if is_rsa(destination_algorithm) {
            Side::Rsa(
                self.rsa_key(
                    ctx,
                    destination,
                    "kms:ReEncryptTo",
                    "ReEncrypt",
                    destination_algorithm,
                    &input.destination_context,
                )
                .await?,
            )
        } else {
            let keys = context_keys(&input.destination_context, destination_algorithm);
            let key = self
                .encrypting_key(
                    ctx,
                    destination,
                    "kms:ReEncryptTo",
                    "ReEncrypt",
                    keys,
                    destination_algorithm,
                )
                .await?;
            // The newest material encrypts.
            let material = self.materials.unseal(&self.root.0, &key.material)?;
            Side::Symmetric(key, material)
        };
        if input.dry_run {
            return Err(KmsError::DryRun.into());
        }
        let (plaintext, source_key_arn) = match source {
            Side::Rsa(usable) => (
                self.rsa_decrypt(&usable, source_algorithm, &input.ciphertext)?,
                usable.found.key.arn.clone(),
            ),
            Side::Symmetric(key, material) => {
                let plaintext = decrypt_blob(
                    &material,
                    &input.ciphertext,
                    &input.source_context.canonical_bytes(),
                )
                .map_err(|_| KmsError::InvalidCiphertext)?;
                (plaintext, key.found.key.arn.clone())
            }
        };
        let (ciphertext, key_arn) = match dest {
            Side::Rsa(usable) => (
                self.rsa_encrypt(&usable, destination_algorithm, &plaintext, "ReEncrypt")?,
                usable.found.key.arn.clone(),
            ),
            Side::Symmetric(key, material) => (
                encrypt_blob(
                    &material,
                    &key.found.key.id,
                    key.material.generation,
                    &input.destination_context.canonical_bytes(),
                    &plaintext,
                )?,
                key.found.key.arn.clone(),
            ),
        };
        Ok(ReEncryptOutput {
            ciphertext,
            source_key_arn,
            key_arn,
        })
    }

    /// An RSA ENCRYPT_DECRYPT key for `algorithm`: a key spec that does not support it
    /// is InvalidKeyUsageException; an encryption context is refused (asymmetric
    /// algorithms have none to bind).
    async fn rsa_key(
        &self,
        ctx: &RequestContext,
        r: KeyRef,
        action: &'static str,
        operation: &'static str,
        algorithm: EncryptionAlgorithmSpec,
        context: &EncryptionContext,
    ) -> Result<Usable, ServiceError> {
        let keys = context_keys(context, algorithm);
        let has_context = !context.0.is_empty();
        let check: KeyCheck = Box::new(move |key| {
            algorithm
                .check_for(key.spec)
                .map_err(|e| refusal(key, operation, e))?;
            if has_context {
                return Err(KmsError::Validation(format!(
                    "EncryptionContext is not supported with asymmetric KMS keys: {} is {}.",
                    key.arn,
                    key.spec.as_str()
                ))
                .into());
            }
            Ok(())
        });
        self.usable_key(
            ctx,
            r,
            action,
            operation,
            Some(KeyUsage::EncryptDecrypt),
            keys,
            check,
        )
        .await
    }

    fn rsa_encrypt(
        &self,
        usable: &Usable,
        algorithm: EncryptionAlgorithmSpec,
        plaintext: &[u8],
        operation: &'static str,
    ) -> Result<Vec<u8>, ServiceError> {
        let parsed = self.parsed_key(usable)?;
        let ParsedKey::Rsa { public, .. } = &*parsed else {
            return Err(ServiceError::KeyMaterial);
        };
        public
            .encrypt(algorithm, plaintext)
            .map_err(|e| refusal(&usable.found.key, operation, e))
    }

    fn rsa_decrypt(
        &self,
        usable: &Usable,
        algorithm: EncryptionAlgorithmSpec,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, ServiceError> {
        let parsed = self.parsed_key(usable)?;
        let ParsedKey::Rsa { private, .. } = &*parsed else {
            return Err(ServiceError::KeyMaterial);
        };
        private
            .decrypt(algorithm, ciphertext)
            .map_err(|e| refusal(&usable.found.key, "Decrypt", e))
    }
}

/// `kms:SigningAlgorithm` and `kms:MessageType`.
fn signing_keys(algorithm: SigningAlgorithmSpec, message_type: MessageType) -> Context {
    let mut keys = Context::new();
    keys.set_static("kms:signingalgorithm", algorithm.as_str());
    keys.set_static("kms:messagetype", message_type.as_str());
    keys
}

/// The signing algorithm must be one the key spec supports.
fn signing_check(algorithm: SigningAlgorithmSpec, operation: &'static str) -> KeyCheck {
    Box::new(move |key| {
        algorithm
            .check_for(key.spec)
            .map_err(|e| refusal(key, operation, e))
    })
}

fn rsa_algorithm(
    algorithm: Option<EncryptionAlgorithmSpec>,
) -> Result<EncryptionAlgorithmSpec, ServiceError> {
    algorithm.filter(|a| is_rsa(*a)).ok_or_else(|| {
        KmsError::Validation("An RSAES_OAEP encryption algorithm is required.".to_owned()).into()
    })
}

/// The KeyId an asymmetric ciphertext needs: it names no key itself.
fn asymmetric_key_id(member: &str, key_id: Option<&str>) -> Result<KeyRef, ServiceError> {
    match key_id {
        Some(k) => key_ref(member, k),
        None => Err(KmsError::Validation(format!(
            "{member} is required when decrypting with an asymmetric KMS key."
        ))
        .into()),
    }
}
