//! RetireGrant: by GrantToken, or KeyId and GrantId.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use serde::Deserialize;
use strongroom_service::kms::RetireGrantInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    grant_token: Option<String>,
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
    service
        .kms_retire_grant(
            ctx,
            RetireGrantInput {
                grant_token: r.grant_token,
                key_id: r.key_id,
                grant_id: r.grant_id,
                dry_run: r.dry_run.unwrap_or(false),
            },
        )
        .await?;
    encode(&Empty {})
}
