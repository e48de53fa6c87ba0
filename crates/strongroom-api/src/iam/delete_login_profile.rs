//! DeleteLoginProfile: Strongroom keeps no console passwords, so every user answers
//! NoSuchEntity for its login profile (as IAM does for a user without one).

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{DeleteLoginProfileInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN (the caller's own for no UserName).
pub(super) struct DeleteLoginProfile;

impl Operation for DeleteLoginProfile {
    type Input = DeleteLoginProfileInput;

    fn read(
        fields: &Fields<'_>,
        ctx: &RequestContext,
    ) -> Result<DeleteLoginProfileInput, ApiError> {
        Ok(DeleteLoginProfileInput {
            user_name: convert::user_name_or_caller(fields, ctx)?,
        })
    }

    fn target(
        input: &DeleteLoginProfileInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: DeleteLoginProfileInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.delete_login_profile(account, input).await?;
        Ok(())
    }
}
