//! ReEncrypt: decrypts and encrypts again under another key (or context)
//! without the plaintext leaving the server; either side may be an RSA key
//! (its RSAES_OAEP algorithm named).

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strongroom_service::kms::ReEncryptInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    ciphertext_blob: Option<Blob>,
    source_encryption_context: Option<BTreeMap<String, String>>,
    source_key_id: Option<String>,
    destination_key_id: Option<String>,
    destination_encryption_context: Option<BTreeMap<String, String>>,
    source_encryption_algorithm: Option<String>,
    destination_encryption_algorithm: Option<String>,
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
    #[allow(dead_code)]
    dry_run_modifiers: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    ciphertext_blob: Blob,
    source_key_id: String,
    key_id: String,
    source_encryption_algorithm: &'static str,
    destination_encryption_algorithm: &'static str,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    grant_tokens(&r.grant_tokens)?;
    let ciphertext = required("ciphertextBlob", r.ciphertext_blob)?;
    crate::validate::byte_length("ciphertextBlob", &ciphertext.0, 1, 6144)?;
    let destination_key_id = required("destinationKeyId", r.destination_key_id)?;
    let source_algorithm = algorithm("sourceEncryptionAlgorithm", r.source_encryption_algorithm)?;
    let destination_algorithm = algorithm(
        "destinationEncryptionAlgorithm",
        r.destination_encryption_algorithm,
    )?;
    let out = service
        .kms_re_encrypt(
            ctx,
            ReEncryptInput {
                ciphertext: ciphertext.0,
                source_context: context(r.source_encryption_context),
                source_key_id: r.source_key_id,
                source_algorithm,
                destination_key_id,
                destination_context: context(r.destination_encryption_context),
                destination_algorithm,
                dry_run: r.dry_run.unwrap_or(false),
            },
        )
        .await?;
    encode(&Response {
        ciphertext_blob: Blob(out.ciphertext),
        source_key_id: out.source_key_arn,
        key_id: out.key_arn,
        source_encryption_algorithm: used(source_algorithm),
        destination_encryption_algorithm: used(destination_algorithm),
    })
}
