//! PutKeyPolicy: replaces the key's policy (validated; lockout-checked).

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
    policy_name: Option<String>,
    policy: Option<String>,
    bypass_policy_lockout_safety_check: Option<bool>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let policy = required("policy", r.policy)?;
    super::shapes::policy(&policy)?;
    service
        .kms_put_key_policy(
            ctx,
            &key_id,
            r.policy_name.as_deref(),
            policy,
            r.bypass_policy_lockout_safety_check.unwrap_or(false),
        )
        .await?;
    encode(&Empty {})
}
