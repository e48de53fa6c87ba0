//! DeleteAccessKey: deletes a key (of the caller's own user without UserName).

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{DeleteAccessKeyInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN (the caller's own for no UserName).
pub(super) struct DeleteAccessKey;

impl Operation for DeleteAccessKey {
    type Input = DeleteAccessKeyInput;

    fn read(fields: &Fields<'_>, ctx: &RequestContext) -> Result<DeleteAccessKeyInput, ApiError> {
        Ok(DeleteAccessKeyInput {
            user_name: convert::user_name_or_caller(fields, ctx)?,
            access_key_id: convert::string(fields, "AccessKeyId")?,
        })
    }

    fn target(
        input: &DeleteAccessKeyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: DeleteAccessKeyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.delete_access_key(account, input).await?;
        Ok(())
    }
}
