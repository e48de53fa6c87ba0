//! GetAccessKeyLastUsed: when, where and for which service a key last signed a request.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_domain::iam::{ArnKind, entity_arn};
use strongroom_iam::{GetAccessKeyLastUsedInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the ARN of the user who owns the key, as in AWS. A key that is not one of the
/// account's is authorized as `user/*` of the account: a caller allowed on every user learns
/// that it does not exist, others nothing.
pub(super) struct GetAccessKeyLastUsed;

impl Operation for GetAccessKeyLastUsed {
    type Input = GetAccessKeyLastUsedInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<GetAccessKeyLastUsedInput, ApiError> {
        Ok(GetAccessKeyLastUsedInput {
            access_key_id: convert::string(fields, "AccessKeyId")?,
        })
    }

    fn target(
        input: &GetAccessKeyLastUsedInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        let owner = iam.access_key_owner_arn(ctx.account(), &input.access_key_id)?;
        // A denial must not tell who owns the key (or whether it exists).
        let anyone = entity_arn(ctx.account(), ArnKind::User, "/", "*");
        Ok(Target::on(owner.unwrap_or_else(|| anyone.clone())).shown_as(anyone))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: GetAccessKeyLastUsedInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let found = iam.get_access_key_last_used(account, input).await?;
        out.text("UserName", &found.user_name);
        let used = &found.access_key_last_used;
        out.element("AccessKeyLastUsed", |w| {
            if let Some(at) = used.last_used_date {
                w.text("LastUsedDate", &convert::date(at));
            }
            w.text("ServiceName", &used.service_name);
            w.text("Region", &used.region);
        });
        Ok(())
    }
}
