//! RemoveUserFromGroup: ends a user's membership of a group.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{GroupMembershipInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the group's ARN, as in AWS (the group is the resource; the user is a member).
pub(super) struct RemoveUserFromGroup;

impl Operation for RemoveUserFromGroup {
    type Input = GroupMembershipInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<GroupMembershipInput, ApiError> {
        Ok(GroupMembershipInput {
            group_name: convert::string(fields, "GroupName")?,
            user_name: convert::string(fields, "UserName")?,
        })
    }

    fn target(
        input: &GroupMembershipInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::group(iam, ctx, &input.group_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: GroupMembershipInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.remove_user_from_group(account, input).await?;
        Ok(())
    }
}
