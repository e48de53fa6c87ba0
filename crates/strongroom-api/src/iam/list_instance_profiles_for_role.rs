//! ListInstanceProfilesForRole: always empty (Strongroom has no instance profiles), once the
//! role is found.

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListInstanceProfilesForRoleInput};
use strongroom_service::RequestContext;

/// Authorized on the role's ARN.
pub(super) struct ListInstanceProfilesForRole;

impl Operation for ListInstanceProfilesForRole {
    type Input = ListInstanceProfilesForRoleInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<ListInstanceProfilesForRoleInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListInstanceProfilesForRoleInput {
            role_name: convert::string(fields, "RoleName")?,
            marker,
            max_items,
        })
    }

    fn target(
        input: &ListInstanceProfilesForRoleInput,
        ctx: &RequestContext,
        iam: &Iam,
    ) -> Result<Target, ApiError> {
        Target::role(iam, ctx, &input.role_name)
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListInstanceProfilesForRoleInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_instance_profiles_for_role(account, input).await?;
        convert::absent_list(out, "InstanceProfiles", &page);
        Ok(())
    }
}
