//! Verify: checks a signature with an RSA or ECC SIGN_VERIFY key; one that does not
//! verify is KMSInvalidSignatureException.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_service::kms::VerifyInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    message: Option<SecretBlob>,
    message_type: Option<String>,
    signature: Option<Blob>,
    signing_algorithm: Option<String>,
    grant_tokens: Option<Vec<String>>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    key_id: String,
    signature_valid: bool,
    signing_algorithm: &'static str,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    grant_tokens(&r.grant_tokens)?;
    let key_id = required("keyId", r.key_id)?;
    let message = message(r.message)?;
    let message_type = message_type(r.message_type)?;
    let signature = required("signature", r.signature)?;
    crate::validate::byte_length("signature", &signature.0, 1, 6144)?;
    let algorithm = required("signingAlgorithm", signing_algorithm(r.signing_algorithm)?)?;
    let key_arn = service
        .kms_verify(
            ctx,
            VerifyInput {
                key_id,
                message,
                message_type,
                signature: signature.0,
                algorithm,
                dry_run: r.dry_run.unwrap_or(false),
            },
        )
        .await?;
    encode(&Response {
        key_id: key_arn,
        signature_valid: true,
        signing_algorithm: algorithm.as_str(),
    })
}
