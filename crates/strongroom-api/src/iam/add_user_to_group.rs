//! AddUserToGroup: makes a user a member of a group (a no-op if it is one).

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{GroupMembershipInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the group's ARN, as in AWS (the group is the resource; the user is a member).
pub(super) struct AddUserToGroup;

impl Operation for AddUserToGroup {
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
        iam.add_user_to_group(account, input).await?;
        Ok(())
    }
}
