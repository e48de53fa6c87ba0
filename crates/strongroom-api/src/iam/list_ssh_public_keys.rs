//! ListSSHPublicKeys: a user's SSH public keys: always empty (Strongroom keeps none), once the
//! user (the caller without UserName) is found.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListUserCredentialsInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN (the caller's own for no UserName).
pub(super) struct ListSSHPublicKeys;

impl Operation for ListSSHPublicKeys {
    type Input = ListUserCredentialsInput;

    fn read(
        fields: &Fields<'_>,
        ctx: &RequestContext,
    ) -> Result<ListUserCredentialsInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListUserCredentialsInput {
            user_name: convert::user_name_or_caller(fields, ctx)?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListUserCredentialsInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListUserCredentialsInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_ssh_public_keys(account, input).await?;
        convert::absent_list(out, "SSHPublicKeys", &page);
        Ok(())
    }
}
