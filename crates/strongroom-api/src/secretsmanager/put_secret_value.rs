//! PutSecretValue: a new version of an existing secret.

use super::convert::{rotation_token, secret_id, secret_value, token};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{items, length};
use strongroom_service::PutSecretValueInput;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: PutSecretValueRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    token(&r.client_request_token)?;
    if let Some(stages) = &r.version_stages {
        items("versionStages", stages.len(), 1, 20)?;
        for s in stages {
            length("versionStages.member", s, 1, 256)?;
        }
    }
    rotation_token(r.rotation_token.as_deref())?;
    let out = service
        .put_secret_value(
            ctx,
            PutSecretValueInput {
                secret_id,
                client_request_token: r.client_request_token,
                value: secret_value(r.secret_string, r.secret_binary)?,
                version_stages: r.version_stages,
                rotation_token: r.rotation_token,
            },
        )
        .await?;
    encode(&PutSecretValueResponse {
        arn: out.arn,
        name: out.name,
        version_id: out.version_id,
        version_stages: out.version_stages,
    })
}
