//! UpdateKeyDescription.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{length, required};
use serde::Deserialize;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    description: Option<String>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    let description = required("description", r.description)?;
    length("description", &description, 0, 8192)?;
    service
        .kms_update_key_description(ctx, &key_id, description)
        .await?;
    encode(&Empty {})
}
