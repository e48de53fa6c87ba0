//! ListKeyPolicies: `default`, the one policy of every key.

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
    policy_names: Vec<String>,
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
    crate::validate::opt_range("limit", r.limit, 1, 1000)?;
    let policy_names = service.kms_list_key_policies(ctx, &key_id).await?;
    encode(&Response {
        policy_names,
        truncated: false,
    })
}
