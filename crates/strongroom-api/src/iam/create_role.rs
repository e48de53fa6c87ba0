//! CreateRole: a new IAM role with its trust policy, at the path and with the tags given.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_domain::iam::ArnKind;
use strongroom_iam::{CreateRoleInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the new role's ARN (at the path the request gives), with the tags it would get
/// as `aws:RequestTag/*` and `aws:TagKeys`.
pub(super) struct CreateRole;

impl Operation for CreateRole {
    type Input = CreateRoleInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<CreateRoleInput, ApiError> {
        convert::refuse(
            fields,
            "PermissionsBoundary",
            convert::NO_PERMISSIONS_BOUNDARIES,
        )?;
        convert::refuse(
            fields,
            "MaxSigninSessionDuration",
            "MaxSigninSessionDuration is not supported by this server.",
        )?;
        Ok(CreateRoleInput {
            path: convert::optional(fields, "Path"),
            role_name: convert::string(fields, "RoleName")?,
            assume_role_policy_document: convert::string(fields, "AssumeRolePolicyDocument")?,
            description: convert::optional(fields, "Description"),
            max_session_duration: convert::integer(fields, "MaxSessionDuration")?,
            tags: convert::tags(fields, "Tags")?,
        })
    }

    fn target(
        input: &CreateRoleInput,
        ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(
            Target::new_entity(ctx, ArnKind::Role, input.path.as_deref(), &input.role_name)
                .with_tags(&input.tags),
        )
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: CreateRoleInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let role = iam.create_role(account, input).await?;
        out.element("Role", |w| convert::role(w, &role));
        Ok(())
    }
}
