//! GetGroupPolicy: one of a group's inline policies, its document URL-encoded.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, InlinePolicyInput};
use strongroom_service::RequestContext;

/// Authorized on the group's ARN.
pub(super) struct GetGroupPolicy;

impl Operation for GetGroupPolicy {
    type Input = InlinePolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<InlinePolicyInput, ApiError> {
        Ok(InlinePolicyInput {
            holder_name: convert::string(fields, "GroupName")?,
            policy_name: convert::string(fields, "PolicyName")?,
        })
    }

    fn target(
        input: &InlinePolicyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::group(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: InlinePolicyInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let policy = iam.get_group_policy(account, input).await?;
        out.text("GroupName", &policy.holder_name);
        out.text("PolicyName", &policy.policy_name);
        out.text(
            "PolicyDocument",
            &convert::policy_document(&policy.policy_document),
        );
        Ok(())
    }
}
