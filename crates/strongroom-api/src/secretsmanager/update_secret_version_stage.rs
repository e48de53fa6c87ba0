//! UpdateSecretVersionStage: moves or removes a staging label.

use super::convert::secret_id;
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{length, opt_length, required};
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: UpdateSecretVersionStageRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    let stage = required("versionStage", r.version_stage)?;
    length("versionStage", &stage, 1, 256)?;
    opt_length(
        "removeFromVersionId",
        r.remove_from_version_id.as_deref(),
        32,
        64,
    )?;
    opt_length("moveToVersionId", r.move_to_version_id.as_deref(), 32, 64)?;
    let (arn, name) = service
        .update_secret_version_stage(
            ctx,
            &secret_id,
            &stage,
            r.remove_from_version_id,
            r.move_to_version_id,
        )
        .await?;
    encode(&ArnNameVersion {
        arn,
        name,
        version_id: None,
    })
}
