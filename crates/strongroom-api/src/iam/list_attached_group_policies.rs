//! ListAttachedGroupPolicies: the managed policies attached to a group, by name.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListAttachedPoliciesInput};
use strongroom_service::RequestContext;

/// Authorized on the group's ARN.
pub(super) struct ListAttachedGroupPolicies;

impl Operation for ListAttachedGroupPolicies {
    type Input = ListAttachedPoliciesInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<ListAttachedPoliciesInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListAttachedPoliciesInput {
            holder_name: convert::string(fields, "GroupName")?,
            path_prefix: convert::optional(fields, "PathPrefix"),
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListAttachedPoliciesInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::group(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListAttachedPoliciesInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_attached_group_policies(account, input).await?;
        convert::attached_policies(out, &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
