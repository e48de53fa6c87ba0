//! ListPolicyVersions: a managed policy's versions, newest first, without documents.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListPolicyVersionsInput};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given.
pub(super) struct ListPolicyVersions;

impl Operation for ListPolicyVersions {
    type Input = ListPolicyVersionsInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<ListPolicyVersionsInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListPolicyVersionsInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListPolicyVersionsInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::policy(iam, ctx, &input.policy_arn)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListPolicyVersionsInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_policy_versions(account, input).await?;
        // Without documents, as IAM lists them.
        out.list("Versions", &page.items, |w, version| {
            convert::policy_version(w, version, false);
        });
        convert::page_end(out, &page);
        Ok(())
    }
}
