//! GetKeyRotationStatus. Rotations here complete within the call, so there is
//! never an OnDemandRotationStartDate (KMS shows one only while a rotation runs).

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::secretsmanager::shapes::Date;
use crate::validate::required;
use serde::Serialize;
use strongroom_service::{RequestContext, Service};

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    key_rotation_enabled: bool,
    key_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_period_in_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_rotation_date: Option<Date>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: KeyIdRequest = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let status = service.kms_get_key_rotation_status(ctx, &key_id).await?;
    encode(&Response {
        key_rotation_enabled: status.enabled,
        key_id: status.key_arn,
        rotation_period_in_days: status.period_days,
        next_rotation_date: status.next_rotation.map(Date),
    })
}
