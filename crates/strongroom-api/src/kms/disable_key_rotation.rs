//! DisableKeyRotation.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: KeyIdRequest = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    service.kms_disable_key_rotation(ctx, &key_id).await?;
    encode(&Empty {})
}
