//! CancelKeyDeletion: the key comes back Disabled, as in AWS.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::Serialize;
use strongroom_service::{RequestContext, Service};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    key_id: String,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: KeyIdRequest = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let key = service.kms_cancel_key_deletion(ctx, &key_id).await?;
    encode(&Response { key_id: key.arn })
}
