//! GetPolicy: a managed policy (the account's own or an AWS managed one) with its tags.

use super::convert;
use super::convert::Detail;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, PolicyArnInput};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given (`arn:aws:iam::aws:policy/…` for AWS managed ones).
pub(super) struct GetPolicy;

impl Operation for GetPolicy {
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
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let policy = iam.get_policy(account, input).await?;
        out.element("Policy", |w| convert::policy(w, &policy, Detail::Full));
        Ok(())
    }
}
