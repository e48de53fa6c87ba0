//! DeleteGroup: refused while the group has members or policies.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{DeleteGroupInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the group's ARN.
pub(super) struct DeleteGroup;

impl Operation for DeleteGroup {
    type Input = DeleteGroupInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<DeleteGroupInput, ApiError> {
        Ok(DeleteGroupInput {
            group_name: convert::string(fields, "GroupName")?,
        })
    }

    fn target(
        input: &DeleteGroupInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::group(iam, ctx, &input.group_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: DeleteGroupInput,
        _out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        iam.delete_group(account, input).await?;
        Ok(())
    }
}
