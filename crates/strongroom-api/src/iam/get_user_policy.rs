//! GetUserPolicy: one of a user's inline policies, its document URL-encoded.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, InlinePolicyInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN.
pub(super) struct GetUserPolicy;

impl Operation for GetUserPolicy {
    type Input = InlinePolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<InlinePolicyInput, ApiError> {
        Ok(InlinePolicyInput {
            holder_name: convert::string(fields, "UserName")?,
            policy_name: convert::string(fields, "PolicyName")?,
        })
    }

    fn target(
        input: &InlinePolicyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: InlinePolicyInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let policy = iam.get_user_policy(account, input).await?;
        out.text("UserName", &policy.holder_name);
        out.text("PolicyName", &policy.policy_name);
        out.text(
            "PolicyDocument",
            &convert::policy_document(&policy.policy_document),
        );
        Ok(())
    }
}
