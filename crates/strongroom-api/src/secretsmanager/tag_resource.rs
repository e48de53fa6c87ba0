//! TagResource: adds or overwrites tags.

use super::convert::{secret_id, tags};
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
    let r: TagResourceRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    let tags = tags(required("tags", r.tags)?)?;
    service.tag_resource(ctx, &secret_id, tags).await?;
    encode(&Empty {})
}
