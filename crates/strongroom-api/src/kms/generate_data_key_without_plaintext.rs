//! GenerateDataKeyWithoutPlaintext: GenerateDataKey's encrypted half only.

use super::generate_data_key::{Request, input};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use serde::Serialize;
use strongroom_service::{RequestContext, Service};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    ciphertext_blob: Blob,
    key_id: String,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let out = service.kms_generate_data_key(ctx, input(r)?, false).await?;
    encode(&Response {
        ciphertext_blob: Blob(out.ciphertext),
        key_id: out.key_arn,
    })
}
