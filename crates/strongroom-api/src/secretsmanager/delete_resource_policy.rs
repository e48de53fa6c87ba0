//! DeleteResourcePolicy: removes the secret's resource policy.

use super::convert::{opt_policy_name, secret_id};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: PolicyNameRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    opt_policy_name(&r.policy_name)?;
    let (arn, name, policy_name) = service
        .delete_resource_policy(ctx, &secret_id, r.policy_name)
        .await?;
    encode(&ArnNamePolicyName {
        arn,
        name,
        policy_name,
    })
}
