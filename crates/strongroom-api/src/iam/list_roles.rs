//! ListRoles: the account's roles by name, optionally under a path prefix.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListRolesInput};
use strongroom_service::RequestContext;

/// Names no role: authorized on `*`.
pub(super) struct ListRoles;

impl Operation for ListRoles {
    type Input = ListRolesInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<ListRolesInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListRolesInput {
            path_prefix: convert::optional(fields, "PathPrefix"),
            marker,
            max_items,
        })
    }

    fn target(
        _input: &ListRolesInput,
        _ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::any())
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListRolesInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_roles(account, input).await?;
        out.list("Roles", &page.items, convert::role);
        convert::page_end(out, &page);
        Ok(())
    }
}
