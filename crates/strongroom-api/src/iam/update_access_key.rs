//! UpdateAccessKey: makes a key Active or Inactive (a key of the caller's own user without
//! UserName).

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, UpdateAccessKeyInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN (the caller's own for no UserName).
pub(super) struct UpdateAccessKey;

impl Operation for UpdateAccessKey {
    type Input = UpdateAccessKeyInput;

    fn read(fields: &Fields<'_>, ctx: &RequestContext) -> Result<UpdateAccessKeyInput, ApiError> {
        Ok(UpdateAccessKeyInput {
            user_name: convert::user_name_or_caller(fields, ctx)?,
            access_key_id: convert::string(fields, "AccessKeyId")?,
            status: convert::string(fields, "Status")?,
        })
    }

    fn target(
        input: &UpdateAccessKeyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UpdateAccessKeyInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.update_access_key(account, input).await?;
        Ok(())
    }
}
