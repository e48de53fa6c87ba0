//! Sign: a signature over a RAW message (1–4096 bytes) or a DIGEST with an RSA or ECC
//! SIGN_VERIFY key.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_service::kms::SignInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    message: Option<SecretBlob>,
    message_type: Option<String>,
    grant_tokens: Option<Vec<String>>,
    signing_algorithm: Option<String>,
    dry_run: Option<bool>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    key_id: String,
    signature: Blob,
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
    let algorithm = required("signingAlgorithm", signing_algorithm(r.signing_algorithm)?)?;
    let out = service
        .kms_sign(
            ctx,
            SignInput {
                key_id,
                message,
                message_type,
                algorithm,
                dry_run: r.dry_run.unwrap_or(false),
            },
        )
        .await?;
    encode(&Response {
        key_id: out.key_arn,
        signature: Blob(out.signature),
        signing_algorithm: algorithm.as_str(),
    })
}
