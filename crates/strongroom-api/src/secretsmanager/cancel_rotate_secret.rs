//! CancelRotateSecret: turns automatic rotation off.

use super::convert::secret_id;
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: SecretIdRequest = decode(body)?;
    let out = service
        .cancel_rotate_secret(ctx, &secret_id(r.secret_id)?)
        .await?;
    encode(&ArnNameVersion {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}
