//! RestoreSecret: cancels a scheduled deletion.

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
    let (arn, name) = service
        .restore_secret(ctx, &secret_id(r.secret_id)?)
        .await?;
    encode(&ArnNameVersion {
        arn,
        name,
        version_id: None,
    })
}
