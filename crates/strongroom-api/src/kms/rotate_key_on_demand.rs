//! RotateKeyOnDemand.

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
    let arn = service.kms_rotate_key_on_demand(ctx, &key_id).await?;
    encode(&Response { key_id: arn })
}
