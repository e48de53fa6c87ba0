//! ListRoleTags: a role's tags, by key.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListRoleTagsInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct ListRoleTags;

impl Operation for ListRoleTags {
    type Input = ListRoleTagsInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<ListRoleTagsInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListRoleTagsInput {
            role_name: convert::string(fields, "RoleName")?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListRoleTagsInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.role_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListRoleTagsInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_role_tags(account, input).await?;
        convert::tag_list(out, "Tags", &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
