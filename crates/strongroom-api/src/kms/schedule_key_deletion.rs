//! ScheduleKeyDeletion: PendingDeletion for 7–30 days (30 by default).

use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::secretsmanager::shapes::Date;
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    pending_window_in_days: Option<i64>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    key_id: String,
    deletion_date: Option<Date>,
    key_state: &'static str,
    pending_window_in_days: Option<i64>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let key = service
        .kms_schedule_key_deletion(ctx, &key_id, r.pending_window_in_days)
        .await?;
    encode(&Response {
        key_id: key.arn,
        deletion_date: key.deletion_date.map(Date),
        key_state: key.state.as_str(),
        pending_window_in_days: key.pending_window_days,
    })
}
