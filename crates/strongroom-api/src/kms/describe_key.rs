//! DescribeKey: a key's metadata, by any of the four KeyId forms.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::Deserialize;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    grant_tokens: Option<Vec<String>>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    grant_tokens(&r.grant_tokens)?;
    let key_id = required("keyId", r.key_id)?;
    let key = service.kms_describe_key(ctx, &key_id).await?;
    encode(&KeyMetadataOut {
        key_metadata: key.into(),
    })
}
