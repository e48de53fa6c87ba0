//! What Strongroom does not keep, answered as IAM answers for an entity
//! that has none of it: ListInstanceProfilesForRole, ListMFADevices,
//! ListVirtualMFADevices, ListSSHPublicKeys, ListSigningCertificates,
//! ListServiceSpecificCredentials (empty lists) and DeleteLoginProfile
//! (NoSuchEntity: no console password).
//!
//! Tools that delete users and roles (Terraform's AWS provider among them)
//! call these to remove what hangs off an entity before deleting it; an
//! honest "there is none" lets them go on. Each still checks its input
//! against the model and that the user or role exists (NoSuchEntity
//! otherwise), in one read, so the answer is IAM's for that entity.
//!
//! Nothing here writes: the operations that would create such things
//! (CreateInstanceProfile, CreateLoginProfile, UploadSSHPublicKey, …) are
//! not offered, so there is never anything to list or delete.

use crate::error::IamError;
use crate::model::{Absent, Page};
use crate::validate::{Checks, EXISTING_USER_NAME, ROLE_NAME, StringShape, USER_NAME};
use crate::{Iam, lookup};

/// ListMFADevices', ListSSHPublicKeys' and ListSigningCertificates' input:
/// one user's credentials of a kind, paged.
#[derive(Debug, Clone, Default)]
pub struct ListUserCredentialsInput {
    /// The user's name (UserName). IAM's default, the caller, is the wire
    /// layer's to fill in.
    pub user_name: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// ListServiceSpecificCredentials' input.
#[derive(Debug, Clone, Default)]
pub struct ListServiceSpecificCredentialsInput {
    /// The user's name (UserName); the caller's when the request gives none.
    pub user_name: String,
    /// Only credentials for this service (ServiceName).
    pub service_name: Option<String>,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// ListVirtualMFADevices' input.
#[derive(Debug, Clone, Default)]
pub struct ListVirtualMfaDevicesInput {
    /// `Assigned`, `Unassigned` or `Any` (when absent).
    pub assignment_status: Option<String>,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// ListInstanceProfilesForRole's input.
#[derive(Debug, Clone, Default)]
pub struct ListInstanceProfilesForRoleInput {
    /// The role's name (RoleName).
    pub role_name: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// DeleteLoginProfile's input.
#[derive(Debug, Clone, Default)]
pub struct DeleteLoginProfileInput {
    /// The user's name (UserName); the caller's when the request gives none.
    pub user_name: String,
}

impl Iam {
    /// The empty page of a user's credentials of a kind Strongroom does not
    /// keep, once the input is valid and the user exists.
    fn no_user_credentials(
        &self,
        account: &str,
        user_name: &str,
        shape: &StringShape,
        marker: Option<&str>,
        max_items: Option<i64>,
    ) -> Result<Page<Absent>, IamError> {
        Checks::new()
            .string("userName", user_name, shape)
            .paging(marker, max_items)
            .finish()?;
        self.store.read(|tx| lookup::user(tx, account, user_name))?;
        Ok(Page::empty())
    }

    /// ListMFADevices: none (Strongroom has no MFA).
    pub async fn list_mfa_devices(
        &self,
        account: &str,
        input: ListUserCredentialsInput,
    ) -> Result<Page<Absent>, IamError> {
        self.no_user_credentials(
            account,
            &input.user_name,
            &EXISTING_USER_NAME,
            input.marker.as_deref(),
            input.max_items,
        )
    }

    /// ListSSHPublicKeys: none (no CodeCommit SSH keys here).
    pub async fn list_ssh_public_keys(
        &self,
        account: &str,
        input: ListUserCredentialsInput,
    ) -> Result<Page<Absent>, IamError> {
        self.no_user_credentials(
            account,
            &input.user_name,
            &USER_NAME,
            input.marker.as_deref(),
            input.max_items,
        )
    }

    /// ListSigningCertificates: none (no X.509 signing certificates here).
    pub async fn list_signing_certificates(
        &self,
        account: &str,
        input: ListUserCredentialsInput,
    ) -> Result<Page<Absent>, IamError> {
        self.no_user_credentials(
            account,
            &input.user_name,
            &EXISTING_USER_NAME,
            input.marker.as_deref(),
            input.max_items,
        )
    }

    /// ListServiceSpecificCredentials: none, for any service.
    pub async fn list_service_specific_credentials(
        &self,
        account: &str,
        input: ListServiceSpecificCredentialsInput,
    ) -> Result<Page<Absent>, IamError> {
        self.no_user_credentials(
            account,
            &input.user_name,
            &USER_NAME,
            input.marker.as_deref(),
            input.max_items,
        )
    }

    /// ListVirtualMFADevices: none in the account, whatever the status.
    pub async fn list_virtual_mfa_devices(
        &self,
        _account: &str,
        input: ListVirtualMfaDevicesInput,
    ) -> Result<Page<Absent>, IamError> {
        Checks::new()
            .one_of(
                "assignmentStatus",
                input.assignment_status.as_deref(),
                &["Assigned", "Unassigned", "Any"],
            )
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        Ok(Page::empty())
    }

    /// ListInstanceProfilesForRole: none (no instance profiles here).
    pub async fn list_instance_profiles_for_role(
        &self,
        account: &str,
        input: ListInstanceProfilesForRoleInput,
    ) -> Result<Page<Absent>, IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        self.store
            .read(|tx| lookup::role(tx, account, &input.role_name))?;
        Ok(Page::empty())
    }

    /// DeleteLoginProfile: the user has no login profile, so IAM's
    /// NoSuchEntity for it (or for the user, if there is none). Changes
    /// nothing either way.
    pub async fn delete_login_profile(
        &self,
        account: &str,
        input: DeleteLoginProfileInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("userName", &input.user_name, &USER_NAME)
            .finish()?;
        let user = self
            .store
            .read(|tx| lookup::user(tx, account, &input.user_name))?;
        Err(IamError::NoSuchLoginProfile(user.name))
    }
}
