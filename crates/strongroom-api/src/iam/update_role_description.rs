//! UpdateRoleDescription: a role's new description; answers the role.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, UpdateRoleDescriptionInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct UpdateRoleDescription;

impl Operation for UpdateRoleDescription {
    type Input = UpdateRoleDescriptionInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<UpdateRoleDescriptionInput, ApiError> {
        Ok(UpdateRoleDescriptionInput {
            role_name: convert::string(fields, "RoleName")?,
            description: convert::string(fields, "Description")?,
        })
    }

    fn target(
        input: &UpdateRoleDescriptionInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.role_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: UpdateRoleDescriptionInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let role = iam.update_role_description(account, input).await?;
        out.element("Role", |w| convert::role(w, &role));
        Ok(())
    }
}
