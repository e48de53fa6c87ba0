//! ListGrants: one key's grants, by GrantId or GranteePrincipal, in pages.

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
    key_id: Option<String>,
    grant_id: Option<String>,
    grantee_principal: Option<String>,
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
    let key_id = required("keyId", r.key_id)?;
    let page = service
        .kms_list_grants(
            ctx,
            &key_id,
            r.grant_id.as_deref(),
            r.grantee_principal.as_deref(),
            r.limit,
            r.marker.as_deref(),
        )
        .await?;
    encode(&GrantPageOut::from(page))
}
