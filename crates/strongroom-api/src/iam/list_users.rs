//! ListUsers: the account's users by name, optionally under a path prefix.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListUsersInput};
use strongroom_service::RequestContext;

/// Names no user: authorized on `*`.
pub(super) struct ListUsers;

impl Operation for ListUsers {
    type Input = ListUsersInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<ListUsersInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListUsersInput {
            path_prefix: convert::optional(fields, "PathPrefix"),
            marker,
            max_items,
        })
    }

    fn target(
        _input: &ListUsersInput,
        _ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::any())
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListUsersInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_users(account, input).await?;
        convert::user_list(out, "Users", &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
