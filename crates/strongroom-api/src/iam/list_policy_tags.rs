//! ListPolicyTags: a managed policy's tags, by key.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListPolicyTagsInput};
use strongroom_service::RequestContext;

/// Authorized on the policy's ARN as given.
pub(super) struct ListPolicyTags;

impl Operation for ListPolicyTags {
    type Input = ListPolicyTagsInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<ListPolicyTagsInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListPolicyTagsInput {
            policy_arn: convert::string(fields, "PolicyArn")?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListPolicyTagsInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::policy(iam, ctx, &input.policy_arn)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListPolicyTagsInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_policy_tags(account, input).await?;
        convert::tag_list(out, "Tags", &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
