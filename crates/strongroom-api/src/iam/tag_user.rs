//! TagUser: adds tags to a user, replacing those with the same keys.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, TagUserInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN, with the tags as `aws:RequestTag/*` and `aws:TagKeys`.
pub(super) struct TagUser;

impl Operation for TagUser {
    type Input = TagUserInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<TagUserInput, ApiError> {
        Ok(TagUserInput {
            user_name: convert::string(fields, "UserName")?,
            tags: convert::required_tags(fields, "Tags")?,
        })
    }

    fn target(input: &TagUserInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Ok(Target::user(iam, ctx, &input.user_name)?.with_tags(&input.tags))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: TagUserInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.tag_user(account, input).await?;
        Ok(())
    }
}
