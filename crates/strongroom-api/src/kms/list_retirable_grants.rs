//! ListRetirableGrants: the grants a principal may retire, in pages.

use super::grants_shapes::GrantPageOut;
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::required;
use serde::Deserialize;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    retiring_principal: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    marker(&r.marker)?;
    let retiring = required("retiringPrincipal", r.retiring_principal)?;
    let page = service
        .kms_list_retirable_grants(ctx, &retiring, r.limit, r.marker.as_deref())
        .await?;
    encode(&GrantPageOut::from(page))
}
