//! GenerateDataKeyPair: an RSA or ECC key pair for use outside the server; the private
//! key in plaintext and encrypted under a symmetric key (a ciphertext blob Decrypt
//! takes, with the encryption context).

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use strongroom_domain::kms::KmsError;
use strongroom_service::kms::DataKeyPairInput;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
pub(super) struct Request {
    encryption_context: Option<BTreeMap<String, String>>,
    key_id: Option<String>,
    key_pair_spec: Option<String>,
    grant_tokens: Option<Vec<String>>,
    recipient: Option<serde_json::Value>,
    dry_run: Option<bool>,
}

/// The members both data-key-pair operations share, checked.
pub(super) fn input(r: Request) -> Result<DataKeyPairInput, ApiError> {
    grant_tokens(&r.grant_tokens)?;
    if r.recipient.is_some() {
        return Err(KmsError::Unsupported(
            "Recipient (Nitro Enclaves attestation) is not supported by this server.".to_owned(),
        )
        .into());
    }
    Ok(DataKeyPairInput {
        key_id: required("keyId", r.key_id)?,
        context: context(r.encryption_context),
        spec: required("keyPairSpec", key_pair_spec(r.key_pair_spec)?)?,
        dry_run: r.dry_run.unwrap_or(false),
    })
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    private_key_ciphertext_blob: Blob,
    private_key_plaintext: SecretBlob,
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
    let out = service.kms_generate_data_key_pair(ctx, input, true).await?;
    encode(&Response {
        private_key_ciphertext_blob: Blob(out.private_key_ciphertext),
        private_key_plaintext: SecretBlob(out.private_key_plaintext.unwrap_or_default()),
        public_key: Blob(out.public_key),
        key_id: out.key_arn,
        key_pair_spec: spec.as_str(),
    })
}
