//! GenerateMac: the HMAC of a message (1–4096 bytes) under an HMAC key.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_service::kms::MacInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Request {
    message: Option<SecretBlob>,
    key_id: Option<String>,
    mac_algorithm: Option<String>,
    pub(super) mac: Option<Blob>,
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
}

/// The members GenerateMac and VerifyMac share, checked (`mac` is VerifyMac's).
pub(super) fn input(r: Request, mac: Vec<u8>) -> Result<MacInput, ApiError> {
    grant_tokens(&r.grant_tokens)?;
    Ok(MacInput {
        message: message(r.message)?,
        key_id: required("keyId", r.key_id)?,
        algorithm: required("macAlgorithm", mac_algorithm(r.mac_algorithm)?)?,
        mac,
        dry_run: r.dry_run.unwrap_or(false),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    mac: Blob,
    mac_algorithm: &'static str,
    key_id: String,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let input = input(r, Vec::new())?;
    let algorithm = input.algorithm;
    let out = service.kms_mac(ctx, input, false).await?;
    encode(&Response {
        mac: Blob(out.mac),
        mac_algorithm: algorithm.as_str(),
        key_id: out.key_arn,
    })
}
