//! AWS KMS (2014-11-01) over JSON 1.1 (`X-Amz-Target: TrentService.<Op>`,
//! SigV4 service `kms`): the endpoint enum and one handler module per
//! operation. Each handler decodes its wire shape, checks the model's
//! constraints, calls the one service function of its operation (which
//! resolves, authorizes and applies) and encodes the answer.
//!
//! Served: symmetric, RSA, ECC and HMAC keys and their lifecycle, aliases, tags, key
//! policies, grants, key rotation (automatic and on demand) and cryptography
//! (Encrypt/Decrypt/ReEncrypt, data keys and data key pairs, Sign/Verify/GetPublicKey,
//! GenerateMac/VerifyMac).

pub(crate) mod grants_shapes;
pub(crate) mod shapes;

mod cancel_key_deletion;
mod create_alias;
mod create_grant;
mod create_key;
mod decrypt;
mod delete_alias;
mod describe_key;
mod disable_key;
mod disable_key_rotation;
mod enable_key;
mod enable_key_rotation;
mod encrypt;
mod generate_data_key;
mod generate_data_key_pair;
mod generate_data_key_pair_without_plaintext;
mod generate_data_key_without_plaintext;
mod generate_mac;
mod generate_random;
mod get_key_policy;
mod get_key_rotation_status;
mod get_public_key;
mod list_aliases;
mod list_grants;
mod list_key_policies;
mod list_key_rotations;
mod list_keys;
mod list_resource_tags;
mod list_retirable_grants;
mod put_key_policy;
mod re_encrypt;
mod retire_grant;
mod revoke_grant;
mod rotate_key_on_demand;
mod schedule_key_deletion;
mod sign;
mod tag_resource;
mod untag_resource;
mod update_alias;
mod update_key_description;
mod verify;
mod verify_mac;

use crate::ApiError;
use strongroom_service::{RequestContext, Service};

/// The `X-Amz-Target` prefix of this service.
pub const TARGET_PREFIX: &str = "TrentService.";

/// The endpoint enum, its name table and the dispatch, from one list.
macro_rules! endpoints {
    ($($variant:ident => $module:ident),+ $(,)?) => {
        endpoint_enum!("KMS", $($variant),+);

        /// Runs one operation and returns its JSON response body, with
        /// KMS's codes: ValidationException for the model's constraints,
        /// KMSInternalException for a store failure.
        pub async fn dispatch(
            endpoint: Endpoint,
            service: &Service,
            ctx: &RequestContext,
            body: &[u8],
        ) -> Result<Vec<u8>, ApiError> {
            let result = match endpoint {
                $(Endpoint::$variant => $module::handle(service, ctx, body).await,)+
            };
            result.map_err(|e| match e {
                // The model's constraints (`crate::validate`, shared with
                // Secrets Manager, which files them under other codes) are
                // ValidationException in KMS, with the same message.
                ApiError::Service(strongroom_service::ServiceError::Domain(d)) => {
                    strongroom_domain::kms::KmsError::Validation(d.to_string()).into()
                }
                ApiError::Service(strongroom_service::ServiceError::Store(store)) => {
                    tracing::error!(request_id = %ctx.request_id, error = %store, "KMS call failed in the store");
                    ApiError::KmsInternal
                }
                other => other,
            })
        }
    };
}

endpoints! {
    CancelKeyDeletion => cancel_key_deletion,
    CreateAlias => create_alias,
    CreateGrant => create_grant,
    CreateKey => create_key,
    Decrypt => decrypt,
    DeleteAlias => delete_alias,
    DescribeKey => describe_key,
    DisableKey => disable_key,
    DisableKeyRotation => disable_key_rotation,
    EnableKey => enable_key,
    EnableKeyRotation => enable_key_rotation,
    Encrypt => encrypt,
    GenerateDataKey => generate_data_key,
    GenerateDataKeyPair => generate_data_key_pair,
    GenerateDataKeyPairWithoutPlaintext => generate_data_key_pair_without_plaintext,
    GenerateDataKeyWithoutPlaintext => generate_data_key_without_plaintext,
    GenerateMac => generate_mac,
    GenerateRandom => generate_random,
    GetKeyPolicy => get_key_policy,
    GetKeyRotationStatus => get_key_rotation_status,
    GetPublicKey => get_public_key,
    ListAliases => list_aliases,
    ListGrants => list_grants,
    ListKeyPolicies => list_key_policies,
    ListKeyRotations => list_key_rotations,
    ListKeys => list_keys,
    ListResourceTags => list_resource_tags,
    ListRetirableGrants => list_retirable_grants,
    PutKeyPolicy => put_key_policy,
    ReEncrypt => re_encrypt,
    RetireGrant => retire_grant,
    RevokeGrant => revoke_grant,
    RotateKeyOnDemand => rotate_key_on_demand,
    ScheduleKeyDeletion => schedule_key_deletion,
    Sign => sign,
    TagResource => tag_resource,
    UntagResource => untag_resource,
    UpdateAlias => update_alias,
    UpdateKeyDescription => update_key_description,
    Verify => verify,
    VerifyMac => verify_mac,
}

/// The operations that only use keys (CloudTrail records them as reads,
/// as AWS does: they change nothing).
pub fn uses_keys_only(endpoint: Endpoint) -> bool {
    matches!(
        endpoint,
        Endpoint::Encrypt
            | Endpoint::Decrypt
            | Endpoint::ReEncrypt
            | Endpoint::GenerateDataKey
            | Endpoint::GenerateDataKeyWithoutPlaintext
            | Endpoint::GenerateDataKeyPair
            | Endpoint::GenerateDataKeyPairWithoutPlaintext
            | Endpoint::GenerateRandom
            | Endpoint::Sign
            | Endpoint::Verify
            | Endpoint::GetPublicKey
            | Endpoint::GenerateMac
            | Endpoint::VerifyMac
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        assert_eq!(Endpoint::from_name("Encrypt"), Some(Endpoint::Encrypt));
        assert_eq!(Endpoint::Encrypt.name(), "Encrypt");
        assert_eq!(Endpoint::from_name("Sign"), Some(Endpoint::Sign));
        assert_eq!(
            Endpoint::from_name("CreateGrant"),
            Some(Endpoint::CreateGrant)
        );
        assert_eq!(Endpoint::from_name("ImportKeyMaterial"), None);
    }
}
