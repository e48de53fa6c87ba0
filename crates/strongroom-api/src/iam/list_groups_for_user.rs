//! ListGroupsForUser: the groups a user is in, by name.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListGroupsForUserInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN.
pub(super) struct ListGroupsForUser;

impl Operation for ListGroupsForUser {
    type Input = ListGroupsForUserInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<ListGroupsForUserInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListGroupsForUserInput {
            user_name: convert::string(fields, "UserName")?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListGroupsForUserInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListGroupsForUserInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_groups_for_user(account, input).await?;
        convert::group_list(out, "Groups", &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
