//! ListSecrets, and the filter / sort / page machinery BatchGetSecretValue shares.

use crate::{RequestContext, Service, ServiceError};
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

const OFFSET_TOKEN: &str = "sr1.";
const CURSOR_TOKEN: &str = "sr2.";

impl<T> Page<T> {
    /// Cuts `all` at the offset `token` encodes (for short, rarely changing
    /// lists such as a secret's versions). A token past the end gives an
    /// empty page rather than an error: the list may have shrunk.
    pub fn cut(all: Vec<T>, size: usize, token: Option<&str>) -> Result<Page<T>, ServiceError> {
        let start = match token {
            None => 0,
            Some(t) => t
                .strip_prefix(OFFSET_TOKEN)
                .and_then(|n| n.parse::<usize>().ok())
                .ok_or(Error::InvalidNextToken)?
                .min(all.len()),
        };
        let end = start.saturating_add(size).min(all.len());
        let next_token = (end < all.len()).then(|| format!("{OFFSET_TOKEN}{end}"));
        let items = all.into_iter().skip(start).take(end - start).collect();
        Ok(Page { items, next_token })
    }
}

/// The value a listing is sorted by, for one secret.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Time(Option<i64>),
    Name(String),
}

fn sort_key(s: &Secret, by: SortBy) -> SortKey {
    match by {
        SortBy::CreatedDate => SortKey::Time(Some(s.created.0)),
        SortBy::LastAccessedDate => SortKey::Time(s.last_accessed.map(|t| t.0)),
        SortBy::LastChangedDate => SortKey::Time(Some(s.last_changed.0)),
        SortBy::Name => SortKey::Name(s.name.clone()),
    }
}

fn order(sort: Sort, a: (&SortKey, &str), b: (&SortKey, &str)) -> std::cmp::Ordering {
    let ord = a.0.cmp(b.0).then_with(|| a.1.cmp(b.1));
    if sort.descending { ord.reverse() } else { ord }
}

fn hex(s: &str) -> String {
    crate::keys::hex(s.as_bytes())
}

fn unhex(s: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    String::from_utf8(bytes?).ok()
}

/// A cursor token: the sort key and ARN of the last secret returned, so the
/// next page starts right after it even if secrets were created or deleted
/// in between (an offset would skip or repeat items).
fn encode_cursor(key: &SortKey, arn: &str) -> String {
    let key = match key {
        SortKey::Time(Some(t)) => format!("t{t}"),
        SortKey::Time(None) => "t".to_owned(),
        SortKey::Name(n) => format!("n{n}"),
    };
    format!("{CURSOR_TOKEN}{}.{}", hex(&key), hex(arn))
}

fn decode_cursor(token: &str) -> Option<(SortKey, String)> {
    let (key, arn) = token.strip_prefix(CURSOR_TOKEN)?.split_once('.')?;
    let key = unhex(key)?;
    let key = match key.split_at_checked(1)? {
        ("t", "") => SortKey::Time(None),
        ("t", t) => SortKey::Time(Some(t.parse().ok()?)),
        ("n", n) => SortKey::Name(n.to_owned()),
        _ => return None,
    };
    Some((key, unhex(arn)?))
}

/// One page of the caller's secrets that pass `filters`, in `sort` order,
/// starting after the cursor in `token`.
pub(crate) fn page_of_secrets(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    filters: &[Filter],
    include_planned_deletion: bool,
    sort: Sort,
    size: usize,
    token: Option<&str>,
) -> Result<Page<Secret>, ServiceError> {
    let cursor = token
        .map(|t| decode_cursor(t).ok_or(Error::InvalidNextToken))
        .transpose()?;
    let mut secrets: Vec<(SortKey, Secret)> = tx
        .list_secrets(ctx.account(), &ctx.region)?
        .into_iter()
        .filter(|s| include_planned_deletion || !s.is_scheduled_for_deletion())
        .filter(|s| matches_all(s, filters))
        .map(|s| (sort_key(&s, sort.by), s))
        .filter(|(k, s)| {
            cursor
                .as_ref()
                .is_none_or(|(ck, carn)| order(sort, (k, &s.arn), (ck, carn)).is_gt())
        })
        .collect();
    secrets.sort_by(|(ka, a), (kb, b)| order(sort, (ka, &a.arn), (kb, &b.arn)));
    let more = secrets.len() > size;
    secrets.truncate(size);
    let next_token = match secrets.last() {
        Some((k, s)) if more => Some(encode_cursor(k, &s.arn)),
        _ => None,
    };
    Ok(Page {
        items: secrets.into_iter().map(|(_, s)| s).collect(),
        next_token,
    })
}

impl Service {
    pub fn list_secrets(
        &self,
        ctx: &RequestContext,
        input: &ListSecretsInput,
    ) -> Result<Page<Secret>, ServiceError> {
        crate::authz::authorize_on_any(ctx, "secretsmanager:ListSecrets")?;
        self.store.read(|tx| {
            let sort = Sort {
                by: input.sort_by,
                descending: input.descending,
            };
            page_of_secrets(
                tx,
                ctx,
                &input.filters,
                input.include_planned_deletion,
                sort,
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
        assert!(
            Page::cut((0..5).collect::<Vec<_>>(), 2, Some("sr1.9"))
                .unwrap()
                .items
                .is_empty()
        );
    }

    #[test]
    fn cursors_round_trip() {
        for key in [
            SortKey::Time(Some(-5)),
            SortKey::Time(None),
            SortKey::Name("a.b/c-d".into()),
        ] {
            let t = encode_cursor(&key, "arn:aws:secretsmanager:r:1:secret:x-abcdef");
            assert_eq!(
                decode_cursor(&t),
                Some((key, "arn:aws:secretsmanager:r:1:secret:x-abcdef".to_owned()))
            );
        }
        assert_eq!(decode_cursor("sr2.zz.00"), None);
        assert_eq!(decode_cursor("sr1.5"), None);
    }
}
