//! PutRolePolicy: creates or replaces one of a role's inline policies.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, PutInlinePolicyInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct PutRolePolicy;

impl Operation for PutRolePolicy {
    type Input = PutInlinePolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<PutInlinePolicyInput, ApiError> {
        Ok(PutInlinePolicyInput {
            holder_name: convert::string(fields, "RoleName")?,
            policy_name: convert::string(fields, "PolicyName")?,
            policy_document: convert::string(fields, "PolicyDocument")?,
        })
    }

    fn target(
        input: &PutInlinePolicyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: PutInlinePolicyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.put_role_policy(account, input).await?;
        Ok(())
    }
}
