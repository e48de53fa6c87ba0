//! ListRolePolicies: the names of a role's inline policies, in order.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListInlinePoliciesInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct ListRolePolicies;

impl Operation for ListRolePolicies {
    type Input = ListInlinePoliciesInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<ListInlinePoliciesInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListInlinePoliciesInput {
            holder_name: convert::string(fields, "RoleName")?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListInlinePoliciesInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.holder_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListInlinePoliciesInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_role_policies(account, input).await?;
        convert::policy_names(out, &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
