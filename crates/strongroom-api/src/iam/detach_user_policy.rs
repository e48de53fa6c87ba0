//! DetachUserPolicy: detaches a managed policy from a user.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{AttachPolicyInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN, with the policy's ARN as `iam:PolicyARN`.
pub(super) struct DetachUserPolicy;

impl Operation for DetachUserPolicy {
    type Input = AttachPolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<AttachPolicyInput, ApiError> {
        Ok(AttachPolicyInput {
            holder_name: convert::string(fields, "UserName")?,
            policy_arn: convert::string(fields, "PolicyArn")?,
        })
    }

    fn target(
        input: &AttachPolicyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::user(iam, ctx, &input.holder_name)?.with_policy_arn(&input.policy_arn))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: AttachPolicyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.detach_user_policy(account, input).await?;
        Ok(())
    }
}
