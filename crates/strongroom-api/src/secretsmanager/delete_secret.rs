//! DeleteSecret: schedules deletion after a recovery window, or deletes at once.

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
    let r: DeleteSecretRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    let out = service
        .delete_secret(
            ctx,
            &secret_id,
            r.recovery_window_in_days,
            r.force_delete_without_recovery.unwrap_or(false),
        )
        .await?;
    encode(&DeleteSecretResponse {
        arn: out.arn,
        name: out.name,
        deletion_date: Date(out.deletion_date),
    })
}
