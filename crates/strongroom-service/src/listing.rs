//! ListSecrets, and the filter / sort / page machinery BatchGetSecretValue shares.

use crate::{Caller, Service, ServiceError};
use strongroom_domain::filter::{Filter, matches_all};
use strongroom_domain::{Error, Secret};
use strongroom_store::ReadTx;

/// ListSecrets `SortBy`; AWS lists by creation date unless told otherwise.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    #[default]
    CreatedDate,
    LastAccessedDate,
    LastChangedDate,
    Name,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sort {
    pub by: SortBy,
    pub descending: bool,
}

#[derive(Debug, Default)]
pub struct ListSecretsInput {
    pub include_planned_deletion: bool,
    pub max_results: Option<usize>,
    pub next_token: Option<String>,
    pub filters: Vec<Filter>,
    pub sort_by: SortBy,
    pub descending: bool,
}

/// ListSecrets returns at most this many secrets per page by default.
const DEFAULT_PAGE: usize = 100;

/// One page of a listing and the token for the next.
#[derive(Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_token: Option<String>,
}

const TOKEN_PREFIX: &str = "sr1.";

impl<T> Page<T> {
    /// Cuts `all` at the offset `token` encodes. Tokens are opaque to
    /// clients; ours carry the offset into the sorted listing.
    pub fn cut(all: Vec<T>, size: usize, token: Option<&str>) -> Result<Page<T>, ServiceError> {
        let start = match token {
            None => 0,
            Some(t) => t
                .strip_prefix(TOKEN_PREFIX)
                .and_then(|n| n.parse::<usize>().ok())
                .filter(|n| *n <= all.len())
                .ok_or(Error::InvalidNextToken)?,
        };
        let end = start.saturating_add(size).min(all.len());
        let next_token = (end < all.len()).then(|| format!("{TOKEN_PREFIX}{end}"));
        let items = all.into_iter().skip(start).take(end - start).collect();
        Ok(Page { items, next_token })
    }
}

/// The caller's secrets that pass `filters`, sorted.
pub(crate) fn select_secrets(
    tx: &dyn ReadTx,
    caller: &Caller,
    filters: &[Filter],
    include_planned_deletion: bool,
    sort: Sort,
) -> Result<Vec<Secret>, ServiceError> {
    let mut secrets: Vec<Secret> = tx
        .list_secrets(&caller.account, &caller.region)?
        .into_iter()
        .filter(|s| include_planned_deletion || !s.is_scheduled_for_deletion())
        .filter(|s| matches_all(s, filters))
        .collect();
    secrets.sort_by(|a, b| {
        let ord = match sort.by {
            SortBy::CreatedDate => a.created.cmp(&b.created),
            SortBy::LastAccessedDate => a.last_accessed.cmp(&b.last_accessed),
            SortBy::LastChangedDate => a.last_changed.cmp(&b.last_changed),
            SortBy::Name => a.name.cmp(&b.name),
        }
        .then_with(|| a.arn.cmp(&b.arn));
        if sort.descending { ord.reverse() } else { ord }
    });
    Ok(secrets)
}

impl Service {
    pub fn list_secrets(
        &self,
        caller: &Caller,
        input: &ListSecretsInput,
    ) -> Result<Page<Secret>, ServiceError> {
        self.store.read(|tx| {
            let sort = Sort {
                by: input.sort_by,
                descending: input.descending,
            };
            let all = select_secrets(
                tx,
                caller,
                &input.filters,
                input.include_planned_deletion,
                sort,
            )?;
            Page::cut(
                all,
                input.max_results.unwrap_or(DEFAULT_PAGE),
                input.next_token.as_deref(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages() {
        let p = Page::cut((0..5).collect::<Vec<_>>(), 2, None).unwrap();
        assert_eq!(p.items, vec![0, 1]);
        let p = Page::cut((0..5).collect::<Vec<_>>(), 2, p.next_token.as_deref()).unwrap();
        assert_eq!(p.items, vec![2, 3]);
        let p = Page::cut((0..5).collect::<Vec<_>>(), 2, p.next_token.as_deref()).unwrap();
        assert_eq!(p.items, vec![4]);
        assert!(p.next_token.is_none());
        assert!(Page::cut((0..5).collect::<Vec<_>>(), 2, Some("junk")).is_err());
        assert!(Page::cut((0..5).collect::<Vec<_>>(), 2, Some("sr1.9")).is_err());
    }
}
