//! CreateKey: a key of any KeySpec and KeyUsage KMS allows (symmetric, RSA, ECC,
//! HMAC), with the default key policy unless one is given.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::opt_length;
use serde::Deserialize;
use strongroom_service::kms::CreateKeyInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    policy: Option<String>,
    description: Option<String>,
    key_usage: Option<String>,
    customer_master_key_spec: Option<String>,
    key_spec: Option<String>,
    origin: Option<String>,
    custom_key_store_id: Option<String>,
    bypass_policy_lockout_safety_check: Option<bool>,
    tags: Option<Vec<TagShape>>,
    multi_region: Option<bool>,
    xks_key_id: Option<String>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    if let Some(p) = &r.policy {
        policy(p)?;
    }
    opt_length("description", r.description.as_deref(), 0, 8192)?;
    opt_length("customKeyStoreId", r.custom_key_store_id.as_deref(), 1, 64)?;
    opt_length("xksKeyId", r.xks_key_id.as_deref(), 1, 128)?;
    let key_spec = key_spec("keySpec", r.key_spec)?;
    let old_spec = key_spec_old(r.customer_master_key_spec)?;
    if key_spec.is_some() && old_spec.is_some() {
        return Err(strongroom_domain::kms::KmsError::Validation(
            "You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec parameter is deprecated. Use KeySpec only.".to_owned(),
        )
        .into());
    }
    let input = CreateKeyInput {
        description: r.description,
        key_usage: key_usage(r.key_usage)?,
        key_spec: key_spec.or(old_spec),
        origin: origin(r.origin)?,
        policy: r.policy,
        bypass_policy_lockout_safety_check: r.bypass_policy_lockout_safety_check.unwrap_or(false),
        tags: tags("tags", r.tags)?,
        multi_region: r.multi_region.unwrap_or(false),
        custom_key_store_id: r.custom_key_store_id.or(r.xks_key_id),
    };
    let key = service.kms_create_key(ctx, input).await?;
    encode(&KeyMetadataOut {
        key_metadata: key.into(),
    })
}

/// CustomerMasterKeySpec: KeySpec's older name, with the older value list.
fn key_spec_old(v: Option<String>) -> Result<Option<strongroom_domain::kms::KeySpec>, ApiError> {
    const OLD: &[&str] = &[
        "RSA_2048",
        "RSA_3072",
        "RSA_4096",
        "ECC_NIST_P256",
        "ECC_NIST_P384",
        "ECC_NIST_P521",
        "ECC_SECG_P256K1",
        "SYMMETRIC_DEFAULT",
        "HMAC_224",
        "HMAC_256",
        "HMAC_384",
        "HMAC_512",
        "SM2",
    ];
    match v {
        Some(s) if !OLD.contains(&s.as_str()) => {
            crate::validate::one_of("customerMasterKeySpec", &s, OLD)?;
            Ok(None)
        }
        v => key_spec("customerMasterKeySpec", v),
    }
}
