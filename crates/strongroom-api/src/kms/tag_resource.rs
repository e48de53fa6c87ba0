//! TagResource: adds tags, replacing values of keys already there.

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
    tags: Option<Vec<TagShape>>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let tags = tags("tags", Some(required("tags", r.tags)?))?;
    service.kms_tag_resource(ctx, &key_id, tags).await?;
    encode(&Empty {})
}
