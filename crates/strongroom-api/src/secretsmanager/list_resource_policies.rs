//! ListResourcePolicies: the names of the secret's resource policies.

use super::convert::{page_size, secret_id};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::opt_length;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: ListResourcePoliciesRequest = decode(body)?;
    let secret_id = secret_id(r.secret_id)?;
    page_size("maxResults", r.max_results, 100)?;
    opt_length("nextToken", r.next_token.as_deref(), 1, 4096)?;
    // A secret has at most one policy, so there is never a second page; a
    // token can only be one this server never issued.
    if r.next_token.is_some() {
        return Err(strongroom_domain::Error::InvalidNextToken.into());
    }
    let names = service.list_resource_policies(ctx, &secret_id).await?;
    encode(&ListResourcePoliciesResponse {
        resource_policies: names
            .into_iter()
            .map(|policy_name| PolicySummary { policy_name })
            .collect(),
        next_token: None,
    })
}
