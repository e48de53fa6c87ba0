//! AWS Secrets Manager (2017-10-17) over JSON 1.1: the endpoint enum (one
//! variant per operation, parsed from `X-Amz-Target: secretsmanager.<Op>`)
//! and one handler module per operation. Each handler decodes its wire
//! shape, checks the model's constraints, calls the one service function of
//! its operation (which resolves, authorizes and applies) and encodes the
//! answer.

mod convert;
pub(crate) mod shapes;

mod batch_get_secret_value;
mod cancel_rotate_secret;
mod create_secret;
mod delete_resource_policy;
mod delete_secret;
mod describe_secret;
mod get_random_password;
mod get_resource_policy;
mod get_secret_value;
mod list_resource_policies;
mod list_secret_version_ids;
mod list_secrets;
mod put_resource_policy;
mod put_secret_value;
mod restore_secret;
mod rotate_secret;
mod tag_resource;
mod untag_resource;
mod update_secret;
mod update_secret_version_stage;
mod validate_resource_policy;

use crate::ApiError;
use strongroom_service::{RequestContext, Service};

/// The `X-Amz-Target` prefix of this service.
pub const TARGET_PREFIX: &str = "secretsmanager.";

/// Generates the endpoint enum, its name table and the dispatch to the
/// handler modules from one list, so the three cannot drift apart.
macro_rules! endpoints {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        endpoint_enum!("Secrets Manager", $($variant),+);

        /// Runs one operation and returns its JSON response body.
        pub async fn dispatch(
            endpoint: Endpoint,
            service: &Service,
            ctx: &RequestContext,
            body: &[u8],
        ) -> Result<Vec<u8>, ApiError> {
            match endpoint {
                $(Endpoint::$variant => $module::handle(service, ctx, body).await,)+
            }
        }
    };
}

endpoints! {
    BatchGetSecretValue => batch_get_secret_value,
    CancelRotateSecret => cancel_rotate_secret,
    CreateSecret => create_secret,
    DeleteResourcePolicy => delete_resource_policy,
    DeleteSecret => delete_secret,
    DescribeSecret => describe_secret,
    GetRandomPassword => get_random_password,
    GetResourcePolicy => get_resource_policy,
    GetSecretValue => get_secret_value,
    ListResourcePolicies => list_resource_policies,
    ListSecretVersionIds => list_secret_version_ids,
    ListSecrets => list_secrets,
    PutResourcePolicy => put_resource_policy,
    PutSecretValue => put_secret_value,
    RestoreSecret => restore_secret,
    RotateSecret => rotate_secret,
    TagResource => tag_resource,
    UntagResource => untag_resource,
    UpdateSecret => update_secret,
    UpdateSecretVersionStage => update_secret_version_stage,
    ValidateResourcePolicy => validate_resource_policy,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(
            Endpoint::from_name("GetSecretValue"),
            Some(Endpoint::GetSecretValue)
        );
        assert_eq!(Endpoint::GetSecretValue.name(), "GetSecretValue");
        assert_eq!(Endpoint::from_name("Nope"), None);
        assert_eq!(Endpoint::from_name("getsecretvalue"), None);
    }
}
