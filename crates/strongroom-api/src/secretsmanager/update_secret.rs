//! UpdateSecret: metadata changes, and a new version if a value is given.

use super::convert::{secret_id, secret_value, token};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::opt_length;
use strongroom_service::UpdateSecretInput;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: UpdateSecretRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    token(&r.client_request_token)?;
    opt_length("description", r.description.as_deref(), 0, 2048)?;
    opt_length("kmsKeyId", r.kms_key_id.as_deref(), 0, 2048)?;
    opt_length("type", r.secret_type.as_deref(), 0, 256)?;
    let out = service
        .update_secret(
            ctx,
            UpdateSecretInput {
                secret_id,
                client_request_token: r.client_request_token,
                description: r.description,
                kms_key_id: r.kms_key_id,
                value: secret_value(r.secret_string, r.secret_binary)?,
                secret_type: r.secret_type,
            },
        )
        .await?;
    encode(&ArnNameVersion {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}
