//! UntagPolicy: removes a customer managed policy's tags with the given keys.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, UntagPolicyInput};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given, with the keys as `aws:TagKeys`.
pub(super) struct UntagPolicy;

impl Operation for UntagPolicy {
    type Input = UntagPolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<UntagPolicyInput, ApiError> {
        Ok(UntagPolicyInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
            tag_keys: convert::string_list(fields, "TagKeys")?,
        })
    }

    fn target(
        input: &UntagPolicyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::policy(iam, ctx, &input.policy_arn)?.with_tag_keys(&input.tag_keys))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UntagPolicyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.untag_policy(account, input).await?;
        Ok(())
    }
}
