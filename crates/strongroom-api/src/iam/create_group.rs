//! CreateGroup: a new IAM group, at the path given.

use super::convert;
use super::{Operation, Target};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_domain::iam::ArnKind;
use strongroom_iam::{CreateGroupInput, Iam};
use strongroom_service::RequestContext;

/// Authorized on the new group's ARN (at the path the request gives).
pub(super) struct CreateGroup;

impl Operation for CreateGroup {
    type Input = CreateGroupInput;

    fn read(fields: &Fields<'_>, _ctx: &RequestContext) -> Result<CreateGroupInput, ApiError> {
        Ok(CreateGroupInput {
            path: convert::optional(fields, "Path"),
            group_name: convert::string(fields, "GroupName")?,
        })
    }

    fn target(
        input: &CreateGroupInput,
        ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::new_entity(
            ctx,
            ArnKind::Group,
            input.path.as_deref(),
            &input.group_name,
        ))
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: CreateGroupInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let group = iam.create_group(account, input).await?;
        out.element("Group", |w| convert::group(w, &group));
        Ok(())
    }
}
