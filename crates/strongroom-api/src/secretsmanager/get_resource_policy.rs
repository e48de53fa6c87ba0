//! GetResourcePolicy: the secret's resource policy, if it has one.

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
    let out = service
        .get_resource_policy(ctx, &secret_id, r.policy_name)
        .await?;
    encode(&GetResourcePolicyResponse {
        arn: out.arn,
        name: out.name,
        resource_policy: out.policy,
        policy_name: out.policy_name,
    })
}
