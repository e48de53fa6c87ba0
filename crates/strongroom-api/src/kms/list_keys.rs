//! ListKeys: the caller's keys in the region, by key id, in pages.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use serde::{Deserialize, Serialize};
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    limit: Option<i64>,
    marker: Option<String>,
    resource_owners: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    key_id: String,
    key_arn: String,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    keys: Vec<Entry>,
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
    if let Some(owners) = &r.resource_owners {
        crate::validate::items("resourceOwners", owners.len(), 1, 2)?;
        for o in owners {
            crate::validate::one_of(
                "resourceOwners.member",
                o,
                &["SELF", "OTHER_ACCOUNTS_VIA_RAM"],
            )?;
        }
    }
    let page = service
        .kms_list_keys(ctx, r.limit, r.marker.as_deref())
        .await?;
    encode(&Response {
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
        keys: page
            .keys
            .into_iter()
            .map(|(key_id, key_arn)| Entry { key_id, key_arn })
            .collect(),
    })
}
