//! GetPublicKey: the public key of an RSA or ECC key (DER SubjectPublicKeyInfo) with
//! what a client needs to use it: key spec, usage and algorithms.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_domain::kms::{EncryptionAlgorithmSpec, SigningAlgorithmSpec};
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    grant_tokens: Option<Vec<String>>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    key_id: String,
    public_key: Blob,
    customer_master_key_spec: &'static str,
    key_spec: &'static str,
    key_usage: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    encryption_algorithms: Vec<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    signing_algorithms: Vec<&'static str>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    grant_tokens(&r.grant_tokens)?;
    let key_id = required("keyId", r.key_id)?;
    let out = service.kms_get_public_key(ctx, &key_id).await?;
    encode(&Response {
        key_id: out.key_arn,
        public_key: Blob(out.public_key),
        customer_master_key_spec: out.key_spec.as_str(),
        key_spec: out.key_spec.as_str(),
        key_usage: out.key_usage.as_str(),
        encryption_algorithms: algorithm_names(
            out.algorithms.encryption,
            EncryptionAlgorithmSpec::as_str,
        ),
        signing_algorithms: algorithm_names(out.algorithms.signing, SigningAlgorithmSpec::as_str),
    })
}
