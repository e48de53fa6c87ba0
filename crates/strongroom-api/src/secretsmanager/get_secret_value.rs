//! GetSecretValue: one version's value (AWSCURRENT unless told otherwise).

use super::convert::{secret_id, value_response};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::opt_length;
use strongroom_service::GetSecretValueInput;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: GetSecretValueRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    opt_length("versionId", r.version_id.as_deref(), 32, 64)?;
    opt_length("versionStage", r.version_stage.as_deref(), 1, 256)?;
    let input = GetSecretValueInput {
        secret_id,
        version_id: r.version_id,
        version_stage: r.version_stage,
    };
    let out = service.get_secret_value(ctx, &input).await?;
    encode(&value_response(out))
}
