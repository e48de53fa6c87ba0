//! ListPolicies: AWS managed and/or the account's own managed policies, by name.

use super::convert;
use super::convert::Detail;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListPoliciesInput};
use strongroom_service::RequestContext;

/// Names no policy: authorized on `*`.
pub(super) struct ListPolicies;

impl Operation for ListPolicies {
    type Input = ListPoliciesInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<ListPoliciesInput, ApiError> {
        // Boundaries are not supported, so a filter by how policies are used
        // could not be answered truthfully.
        convert::refuse(
            fields,
            "PolicyUsageFilter",
            "PolicyUsageFilter is not supported by this server.",
        )?;
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListPoliciesInput {
            scope: convert::optional(fields, "Scope"),
            only_attached: convert::boolean(fields, "OnlyAttached")?.unwrap_or(false),
            path_prefix: convert::optional(fields, "PathPrefix"),
            marker,
            max_items,
        })
    }

    fn target(
        _input: &ListPoliciesInput,
        _ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::any())
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListPoliciesInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_policies(account, input).await?;
        out.list("Policies", &page.items, |w, policy| {
            convert::policy(w, policy, Detail::ListItem);
        });
        convert::page_end(out, &page);
        Ok(())
    }
}
