//! PutResourcePolicy: attaches (or replaces) the secret's resource policy.

use super::convert::{opt_policy_name, resource_policy, secret_id};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: PutResourcePolicyRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    let policy = resource_policy(r.resource_policy)?;
    opt_policy_name(&r.policy_name)?;
    let (arn, name, policy_name) = service
        .put_resource_policy(
            ctx,
            &secret_id,
            policy,
            r.policy_name,
            r.block_public_policy.unwrap_or(false),
        )
        .await?;
    encode(&ArnNamePolicyName {
        arn,
        name,
        policy_name,
    })
}
