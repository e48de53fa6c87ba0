//! ListAccessKeys: a user's keys (the caller's own without UserName), without their secrets.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListAccessKeysInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN (the caller's own for no UserName).
pub(super) struct ListAccessKeys;

impl Operation for ListAccessKeys {
    type Input = ListAccessKeysInput;

    fn read(fields: &Fields<'_>, ctx: &RequestContext) -> Result<ListAccessKeysInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListAccessKeysInput {
            user_name: convert::user_name_or_caller(fields, ctx)?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListAccessKeysInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListAccessKeysInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_access_keys(account, input).await?;
        out.list("AccessKeyMetadata", &page.items, |w, key| {
            convert::access_key_metadata(w, key);
        });
        convert::page_end(out, &page);
        Ok(())
    }
}
