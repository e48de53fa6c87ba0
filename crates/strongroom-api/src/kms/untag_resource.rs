//! UntagResource: removes tags by key.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{length, required};
use serde::Deserialize;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    tag_keys: Option<Vec<String>>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let keys = required("tagKeys", r.tag_keys)?;
    for k in &keys {
        length("tagKeys.member", k, 1, 128)?;
    }
    service.kms_untag_resource(ctx, &key_id, keys).await?;
    encode(&Empty {})
}
