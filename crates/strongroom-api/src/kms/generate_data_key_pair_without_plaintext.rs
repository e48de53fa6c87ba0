//! GenerateDataKeyPairWithoutPlaintext: GenerateDataKeyPair without the private key in
//! plaintext.

use super::generate_data_key_pair::{Request, input};
use super::shapes::Blob;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use serde::Serialize;
use strongroom_service::{RequestContext, Service};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    private_key_ciphertext_blob: Blob,
    public_key: Blob,
    key_id: String,
    key_pair_spec: &'static str,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let input = input(r)?;
    let spec = input.spec;
    let out = service
        .kms_generate_data_key_pair(ctx, input, false)
        .await?;
    encode(&Response {
        private_key_ciphertext_blob: Blob(out.private_key_ciphertext),
        public_key: Blob(out.public_key),
        key_id: out.key_arn,
        key_pair_spec: spec.as_str(),
    })
}
