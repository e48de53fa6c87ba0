//! ListAttachedUserPolicies: the managed policies attached to a user, by name.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListAttachedPoliciesInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN.
pub(super) struct ListAttachedUserPolicies;

impl Operation for ListAttachedUserPolicies {
    type Input = ListAttachedPoliciesInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<ListAttachedPoliciesInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListAttachedPoliciesInput {
            holder_name: convert::string(fields, "UserName")?,
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
        Target::user(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListAttachedPoliciesInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_attached_user_policies(account, input).await?;
        convert::attached_policies(out, &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
