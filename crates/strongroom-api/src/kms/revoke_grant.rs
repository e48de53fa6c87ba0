//! RevokeGrant: by KeyId and GrantId, authorized by policy.

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
    grant_id: Option<String>,
    dry_run: Option<bool>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let grant_id = required("grantId", r.grant_id)?;
    service
        .kms_revoke_grant(ctx, &key_id, &grant_id, r.dry_run.unwrap_or(false))
        .await?;
    encode(&Empty {})
}
