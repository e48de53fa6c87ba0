//! DeleteUser: refused while the user has keys, policies or groups.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{DeleteUserInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN.
pub(super) struct DeleteUser;

impl Operation for DeleteUser {
    type Input = DeleteUserInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<DeleteUserInput, ApiError> {
        Ok(DeleteUserInput {
            user_name: convert::string(fields, "UserName")?,
        })
    }

    fn target(
        input: &DeleteUserInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: DeleteUserInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.delete_user(account, input).await?;
        Ok(())
    }
}
