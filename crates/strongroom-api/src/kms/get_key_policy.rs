//! GetKeyPolicy: the key's policy (named `default`).

use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_domain::kms::KEY_POLICY_NAME;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    policy_name: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    policy: String,
    policy_name: &'static str,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let policy = service
        .kms_get_key_policy(ctx, &key_id, r.policy_name.as_deref())
        .await?;
    encode(&Response {
        policy,
        policy_name: KEY_POLICY_NAME,
    })
}
