//! VerifyMac: checks a MAC with an HMAC key; one that does not match is
//! KMSInvalidMacException.

use super::generate_mac::{Request, input};
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::Serialize;
use strongroom_service::{RequestContext, Service};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    key_id: String,
    mac_valid: bool,
    mac_algorithm: &'static str,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let mut r: Request = decode(body)?;
    let mac = r.mac.take();
    let input = input(r, Vec::new())?;
    let mac = required("mac", mac)?;
    crate::validate::byte_length("mac", &mac.0, 1, 6144)?;
    let input = strongroom_service::kms::MacInput {
        mac: mac.0,
        ..input
    };
    let algorithm = input.algorithm;
    let out = service.kms_mac(ctx, input, true).await?;
    encode(&Response {
        key_id: out.key_arn,
        mac_valid: true,
        mac_algorithm: algorithm.as_str(),
    })
}
