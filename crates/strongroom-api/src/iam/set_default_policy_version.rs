//! SetDefaultPolicyVersion: makes a version the one that applies.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, SetDefaultPolicyVersionInput};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given.
pub(super) struct SetDefaultPolicyVersion;

impl Operation for SetDefaultPolicyVersion {
    type Input = SetDefaultPolicyVersionInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<SetDefaultPolicyVersionInput, ApiError> {
        Ok(SetDefaultPolicyVersionInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
            version_id: convert::string(fields, "VersionId")?,
        })
    }

    fn target(
        input: &SetDefaultPolicyVersionInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::policy(iam, ctx, &input.policy_arn)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: SetDefaultPolicyVersionInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.set_default_policy_version(account, input).await?;
        Ok(())
    }
}
