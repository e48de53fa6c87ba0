//! CreatePolicyVersion: a new version of a customer managed policy, the default one if asked.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{CreatePolicyVersionInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given.
pub(super) struct CreatePolicyVersion;

impl Operation for CreatePolicyVersion {
    type Input = CreatePolicyVersionInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<CreatePolicyVersionInput, ApiError> {
        Ok(CreatePolicyVersionInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
            policy_document: convert::string(fields, "PolicyDocument")?,
            set_as_default: convert::boolean(fields, "SetAsDefault")?.unwrap_or(false),
        })
    }

    fn target(
        input: &CreatePolicyVersionInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::policy(iam, ctx, &input.policy_arn)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: CreatePolicyVersionInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let version = iam.create_policy_version(account, input).await?;
        // Without the document: IAM returns it from GetPolicyVersion only.
        out.element("PolicyVersion", |w| {
            convert::policy_version(w, &version, false)
        });
        Ok(())
    }
}
