//! ListUserPolicies: the names of a user's inline policies, in order.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListInlinePoliciesInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN.
pub(super) struct ListUserPolicies;

impl Operation for ListUserPolicies {
    type Input = ListInlinePoliciesInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<ListInlinePoliciesInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListInlinePoliciesInput {
            holder_name: convert::string(fields, "UserName")?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListInlinePoliciesInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListInlinePoliciesInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_user_policies(account, input).await?;
        convert::policy_names(out, &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
