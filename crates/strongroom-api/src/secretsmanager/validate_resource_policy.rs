//! ValidateResourcePolicy: checks a policy without attaching it.

use super::convert::resource_policy;
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::opt_length;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: ValidateResourcePolicyRequest = decode(body)?;
    let policy = resource_policy(r.resource_policy)?;
    opt_length("secretId", r.secret_id.as_deref(), 1, 2048)?;
    let findings = service
        .validate_resource_policy(ctx, r.secret_id.as_deref(), &policy)
        .await?;
    encode(&ValidateResourcePolicyResponse {
        policy_validation_passed: findings.is_empty(),
        validation_errors: findings
            .into_iter()
            .map(|f| ValidationErrorEntry {
                check_name: f.check_name.to_owned(),
                error_message: f.message,
            })
            .collect(),
    })
}
