//! ListResourceTags: a key's tags by tag key, in pages.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    tags: Vec<TagOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    marker(&r.marker)?;
    let page = service
        .kms_list_resource_tags(ctx, &key_id, r.limit, r.marker.as_deref())
        .await?;
    encode(&Response {
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
        tags: tags_out(page.tags),
    })
}
