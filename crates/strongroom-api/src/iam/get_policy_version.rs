//! GetPolicyVersion: one version of a managed policy, its document URL-encoded.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{GetPolicyVersionInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given.
pub(super) struct GetPolicyVersion;

impl Operation for GetPolicyVersion {
    type Input = GetPolicyVersionInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<GetPolicyVersionInput, ApiError> {
        Ok(GetPolicyVersionInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
            version_id: convert::string(fields, "VersionId")?,
        })
    }

    fn target(
        input: &GetPolicyVersionInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::policy(iam, ctx, &input.policy_arn)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: GetPolicyVersionInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let version = iam.get_policy_version(account, input).await?;
        out.element("PolicyVersion", |w| {
            convert::policy_version(w, &version, true)
        });
        Ok(())
    }
}
