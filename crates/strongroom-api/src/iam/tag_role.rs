//! TagRole: adds tags to a role, replacing those with the same keys.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, TagRoleInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN, with the tags as `aws:RequestTag/*` and `aws:TagKeys`.
pub(super) struct TagRole;

impl Operation for TagRole {
    type Input = TagRoleInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<TagRoleInput, ApiError> {
        Ok(TagRoleInput {
            role_name: convert::string(fields, "RoleName")?,
            tags: convert::required_tags(fields, "Tags")?,
        })
    }

    fn target(input: &TagRoleInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Ok(Target::role(iam, ctx, &input.role_name)?.with_tags(&input.tags))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: TagRoleInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.tag_role(account, input).await?;
        Ok(())
    }
}
