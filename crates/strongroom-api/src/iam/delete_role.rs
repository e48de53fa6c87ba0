//! DeleteRole: refused while the role has policies.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{DeleteRoleInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct DeleteRole;

impl Operation for DeleteRole {
    type Input = DeleteRoleInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<DeleteRoleInput, ApiError> {
        Ok(DeleteRoleInput {
            role_name: convert::string(fields, "RoleName")?,
        })
    }

    fn target(
        input: &DeleteRoleInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.role_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: DeleteRoleInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.delete_role(account, input).await?;
        Ok(())
    }
}
