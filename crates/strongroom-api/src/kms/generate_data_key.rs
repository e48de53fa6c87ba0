//! GenerateDataKey: a fresh data key, in plaintext and encrypted under a
//! symmetric key (KeySpec AES_128/AES_256 or NumberOfBytes 1–1024).

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strongroom_domain::kms::KmsError;
use strongroom_service::kms::DataKeyInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Request {
    key_id: Option<String>,
    encryption_context: Option<BTreeMap<String, String>>,
    number_of_bytes: Option<i64>,
    key_spec: Option<String>,
    grant_tokens: Option<Vec<String>>,
    recipient: Option<serde_json::Value>,
    dry_run: Option<bool>,
}

/// The members both data-key operations share, checked.
pub(super) fn input(r: Request) -> Result<DataKeyInput, ApiError> {
    grant_tokens(&r.grant_tokens)?;
    if r.recipient.is_some() {
        return Err(KmsError::Unsupported(
            "Recipient (Nitro Enclaves attestation) is not supported by this server.".to_owned(),
        )
        .into());
    }
    Ok(DataKeyInput {
        key_id: required("keyId", r.key_id)?,
        context: context(r.encryption_context),
        key_spec: data_key_spec(r.key_spec)?,
        number_of_bytes: r.number_of_bytes,
        dry_run: r.dry_run.unwrap_or(false),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    ciphertext_blob: Blob,
    plaintext: SecretBlob,
    key_id: String,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let out = service.kms_generate_data_key(ctx, input(r)?, true).await?;
    encode(&Response {
        ciphertext_blob: Blob(out.ciphertext),
        plaintext: SecretBlob(out.plaintext.unwrap_or_default()),
        key_id: out.key_arn,
    })
}
