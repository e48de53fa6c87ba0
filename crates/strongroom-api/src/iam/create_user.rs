//! CreateUser: a new IAM user, at the path and with the tags given.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_domain::iam::ArnKind;
use strongroom_iam::{CreateUserInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the new user's ARN (at the path the request gives), with the tags it would get
/// as `aws:RequestTag/*` and `aws:TagKeys`.
pub(super) struct CreateUser;

impl Operation for CreateUser {
    type Input = CreateUserInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<CreateUserInput, ApiError> {
        convert::refuse(
            fields,
            "PermissionsBoundary",
            convert::NO_PERMISSIONS_BOUNDARIES,
        )?;
        Ok(CreateUserInput {
            path: convert::optional(fields, "Path"),
            user_name: convert::string(fields, "UserName")?,
            tags: convert::tags(fields, "Tags")?,
        })
    }

    fn target(
        input: &CreateUserInput,
        ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(
            Target::new_entity(ctx, ArnKind::User, input.path.as_deref(), &input.user_name)
                .with_tags(&input.tags),
        )
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: CreateUserInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let user = iam.create_user(account, input).await?;
        out.element("User", |w| convert::user(w, &user));
        Ok(())
    }
}
