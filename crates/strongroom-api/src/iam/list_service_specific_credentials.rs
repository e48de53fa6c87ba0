//! ListServiceSpecificCredentials: a user's service-specific credentials: always empty
//! (Strongroom keeps none), once the user (the caller without UserName) is found.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_domain::Error;
use strongroom_iam::{Iam, ListServiceSpecificCredentialsInput};
use strongroom_service::RequestContext;

/// Authorized on the user's ARN (the caller's own for no UserName).
pub(super) struct ListServiceSpecificCredentials;

impl Operation for ListServiceSpecificCredentials {
    type Input = ListServiceSpecificCredentialsInput;

    fn read(
        fields: &Fields<'_>,
        ctx: &RequestContext,
    ) -> Result<ListServiceSpecificCredentialsInput, ApiError> {
        // Listing every user's credentials would be authorized differently
        // (on the account, not a user); refused rather than answered for one.
        if convert::boolean(fields, "AllUsers")? == Some(true) {
            return Err(Error::Unsupported("AllUsers is not supported by this server.").into());
        }
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListServiceSpecificCredentialsInput {
            user_name: convert::user_name_or_caller(fields, ctx)?,
            service_name: convert::optional(fields, "ServiceName"),
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListServiceSpecificCredentialsInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::user(iam, ctx, &input.user_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListServiceSpecificCredentialsInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam
            .list_service_specific_credentials(account, input)
            .await?;
        convert::absent_list(out, "ServiceSpecificCredentials", &page);
        Ok(())
    }
}
