//! UpdateRole: a role's description and/or maximum session duration.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, UpdateRoleInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct UpdateRole;

impl Operation for UpdateRole {
    type Input = UpdateRoleInput;

    // UpdateRoleResult is an empty structure, but SDKs look for it.
    const EMPTY_RESULT_ELEMENT: bool = true;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<UpdateRoleInput, ApiError> {
        Ok(UpdateRoleInput {
            role_name: convert::string(fields, "RoleName")?,
            description: convert::optional(fields, "Description"),
            max_session_duration: convert::integer(fields, "MaxSessionDuration")?,
        })
    }

    fn target(
        input: &UpdateRoleInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.role_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UpdateRoleInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.update_role(account, input).await?;
        Ok(())
    }
}
