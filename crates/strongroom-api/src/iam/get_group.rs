//! GetGroup: a group and one page of its members.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{GetGroupInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the group's ARN.
pub(super) struct GetGroup;

impl Operation for GetGroup {
    type Input = GetGroupInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<GetGroupInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(GetGroupInput {
            group_name: convert::string(fields, "GroupName")?,
            marker,
            max_items,
        })
    }

    fn target(input: &GetGroupInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Target::group(iam, ctx, &input.group_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: GetGroupInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let found = iam.get_group(account, input).await?;
        out.element("Group", |w| convert::group(w, &found.group));
        convert::user_list(out, "Users", &found.users.items);
        convert::page_end(out, &found.users);
        Ok(())
    }
}
