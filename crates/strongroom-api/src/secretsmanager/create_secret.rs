//! CreateSecret: a new secret, with its first version if a value is given.

use super::convert::{secret_value, tags, token};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{items, length, opt_length, required};
use strongroom_domain::Error;
use strongroom_service::CreateSecretInput;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: CreateSecretRequest = decode(body)?;
    let name = required("name", r.name)?;
    length("name", &name, 1, 512)?;
    let tags = r.tags.map(tags).transpose()?;
    token(&r.client_request_token)?;
    opt_length("description", r.description.as_deref(), 0, 2048)?;
    opt_length("kmsKeyId", r.kms_key_id.as_deref(), 0, 2048)?;
    opt_length("type", r.secret_type.as_deref(), 0, 256)?;
    if let Some(regions) = &r.add_replica_regions {
        items("addReplicaRegions", regions.len(), 1, usize::MAX)?;
    }
    if r.cross_account_primary_arn.is_some() {
        return Err(Error::Unsupported(
            "CrossAccountPrimaryARN: cross-account replicas are not supported by this server.",
        )
        .into());
    }
    let out = service
        .create_secret(
            ctx,
            CreateSecretInput {
                name,
                client_request_token: r.client_request_token,
                description: r.description,
                kms_key_id: r.kms_key_id,
                value: secret_value(r.secret_string, r.secret_binary)?,
                tags,
                replica_regions: r
                    .add_replica_regions
                    .unwrap_or_default()
                    .into_iter()
                    .map(|x| x.region.unwrap_or_default())
                    .collect(),
                secret_type: r.secret_type,
            },
        )
        .await?;
    encode(&ArnNameVersion {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
    })
}
