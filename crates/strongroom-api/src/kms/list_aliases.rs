//! ListAliases: the caller's aliases in the region, or one key's, in pages.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
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
    aliases: Vec<AliasEntry>,
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
    marker(&r.marker)?;
    let page = service
        .kms_list_aliases(ctx, r.key_id.as_deref(), r.limit, r.marker.as_deref())
        .await?;
    encode(&Response {
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
        aliases: page.aliases.into_iter().map(AliasEntry::from).collect(),
    })
}
