//! ListVirtualMFADevices: the account's virtual MFA devices: always empty (Strongroom has no
//! MFA).

use super::{Operation, Target, convert};
use crate::ApiError;
use crate::protocol::query::Fields;
use crate::protocol::xml::XmlWriter;
use strongroom_iam::{Iam, ListVirtualMfaDevicesInput};
use strongroom_service::RequestContext;

/// Names no device: authorized on `*`.
pub(super) struct ListVirtualMFADevices;

impl Operation for ListVirtualMFADevices {
    type Input = ListVirtualMfaDevicesInput;

    fn read(
        fields: &Fields<'_>,
        _ctx: &RequestContext,
    ) -> Result<ListVirtualMfaDevicesInput, ApiError> {
        let (marker, max_items) = convert::paging(fields)?;
        Ok(ListVirtualMfaDevicesInput {
            assignment_status: convert::optional(fields, "AssignmentStatus"),
            marker,
            max_items,
        })
    }

    fn target(
        _input: &ListVirtualMfaDevicesInput,
        _ctx: &RequestContext,
        _iam: &Iam,
    ) -> Result<Target, ApiError> {
        Ok(Target::any())
    }

    async fn call(
        iam: &Iam,
        account: &str,
        input: ListVirtualMfaDevicesInput,
        out: &mut XmlWriter,
    ) -> Result<(), ApiError> {
        let page = iam.list_virtual_mfa_devices(account, input).await?;
        convert::absent_list(out, "VirtualMFADevices", &page);
        Ok(())
    }
}
