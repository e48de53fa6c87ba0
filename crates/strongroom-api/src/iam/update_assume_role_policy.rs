//! UpdateAssumeRolePolicy: replaces a role's trust policy.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, UpdateAssumeRolePolicyInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct UpdateAssumeRolePolicy;

impl Operation for UpdateAssumeRolePolicy {
    type Input = UpdateAssumeRolePolicyInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<UpdateAssumeRolePolicyInput, ApiError> {
        Ok(UpdateAssumeRolePolicyInput {
            role_name: convert::string(fields, "RoleName")?,
            policy_document: convert::string(fields, "PolicyDocument")?,
        })
    }

    fn target(
        input: &UpdateAssumeRolePolicyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.role_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UpdateAssumeRolePolicyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.update_assume_role_policy(account, input).await?;
        Ok(())
    }
}
