//! GenerateRandom: 1–1024 random bytes.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use serde::{Deserialize, Serialize};
use strongroom_domain::kms::KmsError;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    number_of_bytes: Option<i64>,
    custom_key_store_id: Option<String>,
    recipient: Option<serde_json::Value>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    plaintext: SecretBlob,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    crate::validate::opt_length("customKeyStoreId", r.custom_key_store_id.as_deref(), 1, 64)?;
    if r.custom_key_store_id.is_some() || r.recipient.is_some() {
        return Err(KmsError::Unsupported(
            "Custom key stores and Recipient are not supported by this server.".to_owned(),
        )
        .into());
    }
    let bytes = service.kms_generate_random(ctx, r.number_of_bytes).await?;
    encode(&Response {
        plaintext: SecretBlob(bytes),
    })
}
