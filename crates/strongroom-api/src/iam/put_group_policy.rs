//! PutGroupPolicy: creates or replaces one of a group's inline policies.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, PutInlinePolicyInput};
use strongroom_service::RequestContext;

/// Authorized on the group's ARN.
pub(super) struct PutGroupPolicy;

impl Operation for PutGroupPolicy {
    type Input = PutInlinePolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<PutInlinePolicyInput, ApiError> {
        Ok(PutInlinePolicyInput {
            holder_name: convert::string(fields, "GroupName")?,
            policy_name: convert::string(fields, "PolicyName")?,
            policy_document: convert::string(fields, "PolicyDocument")?,
        })
    }

    fn target(
        input: &PutInlinePolicyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::group(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: PutInlinePolicyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.put_group_policy(account, input).await?;
        Ok(())
    }
}
