//! UntagResource: removes tags by key.

use super::convert::secret_id;
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{length, required};
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: UntagResourceRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    let keys = required("tagKeys", r.tag_keys)?;
    for k in &keys {
        length("tagKeys.member", k, 1, 128)?;
    }
    service.untag_resource(ctx, &secret_id, keys).await?;
    encode(&Empty {})
}
