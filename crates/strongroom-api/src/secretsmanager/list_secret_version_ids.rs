//! ListSecretVersionIds: a secret's versions, newest first.

use super::convert::{page_size, secret_id};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::opt_length;
use strongroom_service::ListVersionsInput;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: ListSecretVersionIdsRequest = decode(body)?;
    let input = ListVersionsInput {
        secret_id: secret_id(r.secret_id)?,
        max_results: page_size("maxResults", r.max_results, 100)?,
        next_token: {
            opt_length("nextToken", r.next_token.as_deref(), 1, 4096)?;
            r.next_token
        },
        include_deprecated: r.include_deprecated.unwrap_or(false),
    };
    let out = service.list_secret_version_ids(ctx, &input).await?;
    let secret = &out.secret;
    let versions = out
        .versions
        .items
        .into_iter()
        .map(|v| {
            let stages = secret.stages_of(&v.id);
            VersionEntry {
                version_stages: (!stages.is_empty()).then_some(stages),
                last_accessed_date: date(v.last_accessed),
                created_date: Date(v.created),
                // The secret's key as its KmsKeyId names it (an unlabelled
                // version left under an earlier key shows it too).
                kms_key_ids: vec![
                    secret
                        .kms_key_id
                        .clone()
                        .unwrap_or_else(|| "DefaultEncryptionKey".to_owned()),
                ],
                version_id: v.id,
            }
        })
        .collect();
    encode(&ListSecretVersionIdsResponse {
        versions,
        next_token: out.versions.next_token,
        arn: out.secret.arn.clone(),
        name: out.secret.name.clone(),
    })
}
