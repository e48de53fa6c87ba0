//! Encrypt: up to 4096 bytes under a symmetric key, the encryption context
//! bound into the self-describing ciphertext blob; or, with an RSAES_OAEP
//! EncryptionAlgorithm, plain RSA OAEP under an RSA key (no context).

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strongroom_service::kms::EncryptInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    plaintext: Option<SecretBlob>,
    encryption_context: Option<BTreeMap<String, String>>,
    grant_tokens: Option<Vec<String>>,
    encryption_algorithm: Option<String>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    ciphertext_blob: Blob,
    key_id: String,
    encryption_algorithm: &'static str,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    grant_tokens(&r.grant_tokens)?;
    let key_id = required("keyId", r.key_id)?;
    let plaintext = required("plaintext", r.plaintext)?;
    let algorithm = algorithm("encryptionAlgorithm", r.encryption_algorithm)?;
    let out = service
        .kms_encrypt(
            ctx,
            EncryptInput {
                key_id,
                plaintext: plaintext.0,
                context: context(r.encryption_context),
                algorithm,
                dry_run: r.dry_run.unwrap_or(false),
            },
        )
        .await?;
    encode(&Response {
        ciphertext_blob: Blob(out.ciphertext),
        key_id: out.key_arn,
        encryption_algorithm: used(algorithm),
    })
}
