//! Decrypt: the blob names its key, so KeyId is optional; if given it must
//! be the blob's key (IncorrectKeyException). RSA OAEP ciphertext (an
//! RSAES_OAEP EncryptionAlgorithm) names no key: KeyId is required.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strongroom_domain::kms::KmsError;
use strongroom_service::kms::DecryptInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    ciphertext_blob: Option<Blob>,
    encryption_context: Option<BTreeMap<String, String>>,
    grant_tokens: Option<Vec<String>>,
    key_id: Option<String>,
    encryption_algorithm: Option<String>,
    recipient: Option<serde_json::Value>,
    dry_run: Option<bool>,
    #[allow(dead_code)]
    dry_run_modifiers: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    key_id: String,
    plaintext: SecretBlob,
    encryption_algorithm: &'static str,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    grant_tokens(&r.grant_tokens)?;
    if r.recipient.is_some() {
        return Err(KmsError::Unsupported(
            "Recipient (Nitro Enclaves attestation) is not supported by this server.".to_owned(),
        )
        .into());
    }
    let ciphertext = required("ciphertextBlob", r.ciphertext_blob)?;
    crate::validate::byte_length("ciphertextBlob", &ciphertext.0, 1, 6144)?;
    let algorithm = algorithm("encryptionAlgorithm", r.encryption_algorithm)?;
    let out = service
        .kms_decrypt(
            ctx,
            DecryptInput {
                ciphertext: ciphertext.0,
                context: context(r.encryption_context),
                key_id: r.key_id,
                algorithm,
                dry_run: r.dry_run.unwrap_or(false),
            },
        )
        .await?;
    encode(&Response {
        key_id: out.key_arn,
        plaintext: SecretBlob(out.plaintext),
        encryption_algorithm: used(algorithm),
    })
}
