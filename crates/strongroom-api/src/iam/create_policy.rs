//! CreatePolicy: a customer managed policy, its document as version `v1`.

use super::convert;
use super::convert::Detail;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_domain::iam::ArnKind;
use strongroom_iam::{CreatePolicyInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the new policy's ARN (at the path the request gives), with the tags it would
/// get as `aws:RequestTag/*` and `aws:TagKeys`.
pub(super) struct CreatePolicy;

impl Operation for CreatePolicy {
    type Input = CreatePolicyInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<CreatePolicyInput, ApiError> {
        Ok(CreatePolicyInput {
            policy_name: convert::string(fields, "PolicyName")?,
            path: convert::optional(fields, "Path"),
            policy_document: convert::string(fields, "PolicyDocument")?,
            description: convert::optional(fields, "Description"),
            tags: convert::tags(fields, "Tags")?,
        })
    }

    fn target(
        input: &CreatePolicyInput,
        ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::new_entity(
            ctx,
            ArnKind::Policy,
            input.path.as_deref(),
            &input.policy_name,
        )
        .with_tags(&input.tags))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: CreatePolicyInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let policy = iam.create_policy(account, input).await?;
        out.element("Policy", |w| convert::policy(w, &policy, Detail::Full));
        Ok(())
    }
}
