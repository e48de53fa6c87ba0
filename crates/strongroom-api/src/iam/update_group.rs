//! UpdateGroup: renames a group and/or moves it to another path.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_domain::iam::ArnKind;
use strongroom_iam::{Iam, UpdateGroupInput};
use strongroom_service::RequestContext;

/// Authorized on the group's ARN and on the ARN it would have afterwards:
/// IAM requires permission on both the source and the target of a rename.
pub(super) struct UpdateGroup;

impl Operation for UpdateGroup {
    type Input = UpdateGroupInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<UpdateGroupInput, ApiError> {
        Ok(UpdateGroupInput {
            group_name: convert::string(fields, "GroupName")?,
            new_path: convert::optional(fields, "NewPath"),
            new_group_name: convert::optional(fields, "NewGroupName"),
        })
    }

    fn target(
        input: &UpdateGroupInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::group(iam, ctx, &input.group_name)?.and_renamed(
            ctx,
            ArnKind::Group,
            input.new_path.as_deref(),
            input.new_group_name.as_deref(),
        ))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UpdateGroupInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.update_group(account, input).await?;
        Ok(())
    }
}
