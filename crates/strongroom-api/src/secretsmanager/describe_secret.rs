//! DescribeSecret: a secret's metadata, never its value.

use super::convert::{secret_entry, secret_id};
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
    let secret = service
        .describe_secret(ctx, &secret_id(r.secret_id)?)
        .await?;
    encode(&secret_entry(secret, false))
}
