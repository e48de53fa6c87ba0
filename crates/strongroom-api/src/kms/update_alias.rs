//! UpdateAlias.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::Deserialize;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    alias_name: Option<String>,
    target_key_id: Option<String>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let alias_name = required("aliasName", r.alias_name)?;
    let target = required("targetKeyId", r.target_key_id)?;
    service.kms_update_alias(ctx, &alias_name, &target).await?;
    encode(&Empty {})
}
