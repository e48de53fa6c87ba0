//! DeletePolicy: deletes a customer managed policy that is attached nowhere and has no other
//! versions.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, PolicyArnInput};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given.
pub(super) struct DeletePolicy;

impl Operation for DeletePolicy {
    type Input = PolicyArnInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<PolicyArnInput, ApiError> {
        Ok(PolicyArnInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
        })
    }

    fn target(input: &PolicyArnInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Target::policy(iam, ctx, &input.policy_arn)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: PolicyArnInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.delete_policy(account, input).await?;
        Ok(())
    }
}
