//! BatchGetSecretValue: up to 20 values, by id list or by filters.

use super::convert::{filters, page_size, value_response};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{items, length, opt_length};
use strongroom_service::BatchGetInput;
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: BatchGetSecretValueRequest = decode(body)?;
    if let Some(ids) = &r.secret_id_list {
        items("secretIdList", ids.len(), 1, 20)?;
        for id in ids {
            length("secretIdList.member", id, 1, 2048)?;
        }
    }
    let max_results = page_size("maxResults", r.max_results, 20)?;
    opt_length("nextToken", r.next_token.as_deref(), 1, 4096)?;
    let filters = r.filters.map(filters).transpose()?;
    let out = service
        .batch_get_secret_value(
            ctx,
            BatchGetInput {
                secret_ids: r.secret_id_list,
                filters,
                max_results,
                next_token: r.next_token,
            },
        )
        .await?;
    encode(&BatchGetSecretValueResponse {
        secret_values: out.values.into_iter().map(value_response).collect(),
        next_token: out.next_token,
        errors: out
            .errors
            .into_iter()
            .map(|(id, e)| {
                let e = ApiError::Service(e);
                BatchErrorEntry {
                    secret_id: id,
                    error_code: e.aws_code().to_owned(),
                    message: e.message(),
                }
            })
            .collect(),
    })
}
