//! CreateAccessKey: a new Active key for a user (the caller's own without UserName); the only
//! answer that carries its secret.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{CreateAccessKeyInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN (the caller's own for no UserName).
pub(super) struct CreateAccessKey;

impl Operation for CreateAccessKey {
    type Input = CreateAccessKeyInput;

    fn read(fields: &Fields<'_>, ctx: &RequestContext) -> Result<CreateAccessKeyInput, ApiError> {
        Ok(CreateAccessKeyInput {
            user_name: convert::user_name_or_caller(fields, ctx)?,
        })
    }

    fn target(
        input: &CreateAccessKeyInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: CreateAccessKeyInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let key = iam.create_access_key(account, input).await?;
        out.element("AccessKey", |w| {
            w.text("UserName", &key.user_name);
            w.text("AccessKeyId", &key.access_key_id);
            w.text("Status", key.status.as_str());
            w.text("SecretAccessKey", &key.secret_access_key);
            w.text("CreateDate", &convert::date(key.create_date));
        });
        Ok(())
    }
}
