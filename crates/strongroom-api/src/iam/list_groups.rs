//! ListGroups: the account's groups by name, optionally under a path prefix.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListGroupsInput};
use strongroom_service::RequestContext;

/// Names no group: authorized on `*`.
pub(super) struct ListGroups;

impl Operation for ListGroups {
    type Input = ListGroupsInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<ListGroupsInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListGroupsInput {
            path_prefix: convert::optional(fields, "PathPrefix"),
            marker,
            max_items,
        })
    }

    fn target(
        _input: &ListGroupsInput,
        _ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::any())
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListGroupsInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_groups(account, input).await?;
        convert::group_list(out, "Groups", &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
