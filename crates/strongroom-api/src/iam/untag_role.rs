//! UntagRole: removes a role's tags with the given keys.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, UntagRoleInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN, with the keys as `aws:TagKeys`.
pub(super) struct UntagRole;

impl Operation for UntagRole {
    type Input = UntagRoleInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<UntagRoleInput, ApiError> {
        Ok(UntagRoleInput {
            role_name: convert::string(fields, "RoleName")?,
            tag_keys: convert::string_list(fields, "TagKeys")?,
        })
    }

    fn target(input: &UntagRoleInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Ok(Target::role(iam, ctx, &input.role_name)?.with_tag_keys(&input.tag_keys))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UntagRoleInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.untag_role(account, input).await?;
        Ok(())
    }
}
