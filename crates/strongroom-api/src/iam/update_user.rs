//! UpdateUser: renames a user and/or moves it to another path.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_domain::iam::ArnKind;
use strongroom_iam::{Iam, UpdateUserInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN and on the ARN it would have afterwards:
/// IAM requires permission on both the source and the target of a rename.
pub(super) struct UpdateUser;

impl Operation for UpdateUser {
    type Input = UpdateUserInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<UpdateUserInput, ApiError> {
        Ok(UpdateUserInput {
            user_name: convert::string(fields, "UserName")?,
            new_path: convert::optional(fields, "NewPath"),
            new_user_name: convert::optional(fields, "NewUserName"),
        })
    }

    fn target(
        input: &UpdateUserInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::user(iam, ctx, &input.user_name)?.and_renamed(
            ctx,
            ArnKind::User,
            input.new_path.as_deref(),
            input.new_user_name.as_deref(),
        ))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UpdateUserInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.update_user(account, input).await?;
        Ok(())
    }
}
