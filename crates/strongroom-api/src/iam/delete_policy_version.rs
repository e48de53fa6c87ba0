//! DeletePolicyVersion: deletes a version of a customer managed policy other than the default.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{DeletePolicyVersionInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given.
pub(super) struct DeletePolicyVersion;

impl Operation for DeletePolicyVersion {
    type Input = DeletePolicyVersionInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<DeletePolicyVersionInput, ApiError> {
        Ok(DeletePolicyVersionInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
            version_id: convert::string(fields, "VersionId")?,
        })
    }

    fn target(
        input: &DeletePolicyVersionInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::policy(iam, ctx, &input.policy_arn)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: DeletePolicyVersionInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.delete_policy_version(account, input).await?;
        Ok(())
    }
}
