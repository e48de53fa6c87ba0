//! ListUserTags: a user's tags, by key.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListUserTagsInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN.
pub(super) struct ListUserTags;

impl Operation for ListUserTags {
    type Input = ListUserTagsInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<ListUserTagsInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListUserTagsInput {
            user_name: convert::string(fields, "UserName")?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListUserTagsInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListUserTagsInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_user_tags(account, input).await?;
        convert::tag_list(out, "Tags", &page.items);
        convert::page_end(out, &page);
        Ok(())
    }
}
