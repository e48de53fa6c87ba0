//! TagPolicy: adds tags to a customer managed policy, replacing those with the same keys.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, TagPolicyInput};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given, with the tags as `aws:RequestTag/*` and
/// `aws:TagKeys`.
pub(super) struct TagPolicy;

impl Operation for TagPolicy {
    type Input = TagPolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<TagPolicyInput, ApiError> {
        Ok(TagPolicyInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
            tags: convert::required_tags(fields, "Tags")?,
        })
    }

    fn target(input: &TagPolicyInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Ok(Target::policy(iam, ctx, &input.policy_arn)?.with_tags(&input.tags))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: TagPolicyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.tag_policy(account, input).await?;
        Ok(())
    }
}
