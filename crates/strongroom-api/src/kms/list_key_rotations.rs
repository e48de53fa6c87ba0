//! ListKeyRotations: a key's material generations made by rotations (the first too
//! with IncludeKeyMaterial ALL_KEY_MATERIAL), oldest first, in pages.

use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::secretsmanager::shapes::Date;
use crate::validate::required;
use serde::{Deserialize, Serialize};
use strongroom_domain::kms::KmsError;
use strongroom_service::kms::IncludeKeyMaterial;
use strongroom_service::{RequestContext, Service};

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct Request {
    key_id: Option<String>,
    include_key_material: Option<String>,
    limit: Option<i64>,
    marker: Option<String>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Entry {
    key_id: String,
    key_material_id: String,
    key_material_state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rotation_type: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    rotations: Vec<Entry>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    truncated: bool,
}

fn include(v: Option<&str>) -> Result<IncludeKeyMaterial, ApiError> {
    match v {
        None | Some("ROTATIONS_ONLY") => Ok(IncludeKeyMaterial::RotationsOnly),
        Some("ALL_KEY_MATERIAL") => Ok(IncludeKeyMaterial::AllKeyMaterial),
        Some(other) => Err(KmsError::constraint(
            "includeKeyMaterial",
            Some(other),
            "Member must satisfy enum value set: [ALL_KEY_MATERIAL, ROTATIONS_ONLY]",
        )
        .into()),
    }
}

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: Request = decode(body)?;
    let key_id = required("keyId", r.key_id)?;
    marker(&r.marker)?;
    let include = include(r.include_key_material.as_deref())?;
    let page = service
        .kms_list_key_rotations(ctx, &key_id, include, r.limit, r.marker.as_deref())
        .await?;
    encode(&Response {
        truncated: page.next_marker.is_some(),
        next_marker: page.next_marker,
        rotations: page
            .rotations
            .into_iter()
            .map(|e| Entry {
                key_id: e.key_id,
                key_material_id: e.key_material_id,
                key_material_state: if e.current { "CURRENT" } else { "NON_CURRENT" },
                rotation_date: e.rotation.map(|(date, _)| Date(date)),
                rotation_type: e.rotation.map(|(_, kind)| kind.as_str()),
            })
            .collect(),
    })
}
