//! DeleteRolePolicy: deletes one of a role's inline policies.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, InlinePolicyInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct DeleteRolePolicy;

impl Operation for DeleteRolePolicy {
    type Input = InlinePolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<InlinePolicyInput, ApiError> {
        Ok(InlinePolicyInput {
            holder_name: convert::string(fields, "RoleName")?,
            policy_name: convert::string(fields, "PolicyName")?,
        })
    }

    fn target(
        input: &InlinePolicyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: InlinePolicyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.delete_role_policy(account, input).await?;
        Ok(())
    }
}
