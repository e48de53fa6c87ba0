//! ListSecrets: the region's secrets, filtered, sorted and paged.

use super::convert::{filters, page_size, secret_entry};
use super::shapes::*;
use crate::ApiError;
use crate::protocol::json::{decode, encode};
use crate::validate::{not_in_enum, one_of, opt_length};
use strongroom_service::{ListSecretsInput, SortBy};
use strongroom_service::{RequestContext, Service};

pub(super) async fn handle(
    service: &Service,
    ctx: &RequestContext,
    body: &[u8],
) -> Result<Vec<u8>, ApiError> {
    let r: ListSecretsRequest = decode(body)?;
    let max_results = page_size("maxResults", r.max_results, 100)?;
    opt_length("nextToken", r.next_token.as_deref(), 1, 4096)?;
    let descending = match r.sort_order.as_deref() {
        None => false,
        Some(o) => {
            one_of("sortOrder", o, &["asc", "desc"])?;
            o == "desc"
        }
    };
    let sort_by = match r.sort_by.as_deref() {
        None | Some("created-date") => SortBy::CreatedDate,
        Some("last-accessed-date") => SortBy::LastAccessedDate,
        Some("last-changed-date") => SortBy::LastChangedDate,
        Some("name") => SortBy::Name,
        Some(other) => {
            return Err(not_in_enum(
                "sortBy",
                other,
                &[
                    "created-date",
                    "last-accessed-date",
                    "last-changed-date",
                    "name",
                ],
            )
            .into());
        }
    };
    let input = ListSecretsInput {
        include_planned_deletion: r.include_planned_deletion.unwrap_or(false),
        max_results,
        next_token: r.next_token,
        filters: filters(r.filters.unwrap_or_default())?,
        sort_by,
        descending,
    };
    // LastAccessedDate (shown, and an order) includes every access made
    // before the call: those noted in memory are written first.
    service.settle_accesses().await?;
    let page = service.list_secrets(ctx, &input)?;
    encode(&ListSecretsResponse {
        secret_list: page
            .items
            .into_iter()
            .map(|s| secret_entry(s, true))
            .collect(),
        next_token: page.next_token,
    })
}
