//! GetUser: a user with its tags; without UserName, the caller's own user.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{GetUserInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN (the caller's own for no UserName).
pub(super) struct GetUser;

impl Operation for GetUser {
    type Input = GetUserInput;

    fn read(fields: &Fields<'_>, ctx: &RequestContext) -> Result<GetUserInput, ApiError> {
        Ok(GetUserInput {
            user_name: convert::user_name_or_caller(fields, ctx)?,
        })
    }

    fn target(input: &GetUserInput, ctx: &RequestContext, iam: &Iam) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: GetUserInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let user = iam.get_user(account, input).await?;
        out.element("User", |w| convert::user(w, &user));
        Ok(())
    }
}
