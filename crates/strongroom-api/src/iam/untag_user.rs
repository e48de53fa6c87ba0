//! UntagUser: removes a user's tags with the given keys.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, UntagUserInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN, with the keys as `aws:TagKeys`.
pub(super) struct UntagUser;

impl Operation for UntagUser {
    type Input = UntagUserInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<UntagUserInput, ApiError> {
        Ok(UntagUserInput {
            user_name: convert::string(fields, "UserName")?,
            tag_keys: convert::string_list(fields, "TagKeys")?,
        })
    }

    fn target(input: &UntagUserInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Ok(Target::user(iam, ctx, &input.user_name)?.with_tag_keys(&input.tag_keys))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UntagUserInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.untag_user(account, input).await?;
        Ok(())
    }
}
