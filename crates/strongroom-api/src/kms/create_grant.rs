//! CreateGrant.

use super::grants_shapes::ConstraintsShape;
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_service::kms::CreateGrantInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    grantee_principal: Option<String>,
    retiring_principal: Option<String>,
    operations: Option<Vec<String>>,
    constraints: Option<ConstraintsShape>,
    grant_tokens: Option<Vec<String>>,
    name: Option<String>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    grant_token: String,
    grant_id: String,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    grant_tokens(&r.grant_tokens)?;
    let key_id = required("keyId", r.key_id)?;
    let grantee = required("granteePrincipal", r.grantee_principal)?;
    let operations = required("operations", r.operations)?;
    let out = service
        .kms_create_grant(
            ctx,
            CreateGrantInput {
                key_id,
                grantee,
                retiring: r.retiring_principal,
                operations,
                constraints: r.constraints.map(Into::into),
                grant_tokens: r.grant_tokens.unwrap_or_default(),
                name: r.name,
                dry_run: r.dry_run.unwrap_or(false),
            },
        )
        .await?;
    encode(&Response {
        grant_token: out.grant_token,
        grant_id: out.grant_id,
    })
}
