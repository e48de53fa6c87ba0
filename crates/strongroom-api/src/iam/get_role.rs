//! GetRole: a role with its trust policy (URL-encoded) and tags.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{GetRoleInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct GetRole;

impl Operation for GetRole {
    type Input = GetRoleInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<GetRoleInput, ApiError> {
        Ok(GetRoleInput {
            role_name: convert::string(fields, "RoleName")?,
        })
    }

    fn target(input: &GetRoleInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.role_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: GetRoleInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let role = iam.get_role(account, input).await?;
        out.element("Role", |w| convert::role(w, &role));
        Ok(())
    }
}
