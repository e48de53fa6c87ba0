//! ListSecrets, and the filter / sort / page machinery BatchGetSecretValue shares.

use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::filter::Filter;
use strongroom_domain::listing::{Cursor, NEVER_ACCESSED, Sort, SortKey};
use strongroom_domain::{Error, Secret};
use strongroom_store::{ReadTx, SecretQuery};

pub use strongroom_domain::listing::SortBy;

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
const ARN_CURSOR_TOKEN: &str = "sr2.";
const CURSOR_TOKEN: &str = "sr3.";

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

/// A cursor token: the sort key and name of the last secret a page covered,
/// so the next page starts right after it even if secrets were created or
/// deleted in between (an offset would skip or repeat items).
fn encode_cursor(cursor: &Cursor) -> String {
    let key = match &cursor.key {
        SortKey::Time(t) => format!("t{t}"),
        SortKey::Name(n) => format!("n{n}"),
    };
    format!("{CURSOR_TOKEN}{}.{}", hex(&key), hex(&cursor.name))
}

/// Reads a cursor token made for `sort`. Tokens of the previous format
/// (`sr2.`, which named the secret by ARN) are still read.
fn decode_cursor(token: &str, sort: Sort) -> Option<Cursor> {
    let (body, by_arn) = match token.strip_prefix(CURSOR_TOKEN) {
        Some(body) => (body, false),
        None => (token.strip_prefix(ARN_CURSOR_TOKEN)?, true),
    };
    let (key, name) = body.split_once('.')?;
    let key = match unhex(key)?.split_at_checked(1)? {
        ("t", "") => SortKey::Time(NEVER_ACCESSED),
        ("t", t) => SortKey::Time(t.parse().ok()?),
        ("n", n) => SortKey::Name(n.to_owned()),
        _ => return None,
    };
    let mut name = unhex(name)?;
    if by_arn {
        // …:secret:<name>-<6 characters>
        let resource = name.split_once(":secret:")?.1;
        name = resource.get(..resource.len().checked_sub(7)?)?.to_owned();
    }
    let fits = matches!(
        (sort.by, &key),
        (SortBy::Name, SortKey::Name(_))
            | (
                SortBy::CreatedDate | SortBy::LastAccessedDate | SortBy::LastChangedDate,
                SortKey::Time(_)
            )
    );
    fits.then_some(Cursor { key, name })
}

/// One page of the caller's secrets that pass `filters`, in `sort` order,
/// starting after the cursor in `token`. The store finds them through its
/// indexes and bounds the work of a page, so a page may be short (even
/// empty) and still carry a token, as AWS's may.
pub(crate) fn page_of_secrets(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    filters: &[Filter],
    include_planned_deletion: bool,
    sort: Sort,
    size: usize,
    token: Option<&str>,
) -> Result<Page<Secret>, ServiceError> {
    let after = token
        .map(|t| decode_cursor(t, sort).ok_or(Error::InvalidNextToken))
        .transpose()?;
    let page = tx.page_secrets(&SecretQuery {
        account: ctx.account(),
        region: &ctx.region,
        filters,
        include_planned_deletion,
        sort,
        after: after.as_ref(),
        limit: size,
    })?;
    Ok(Page {
        items: page.secrets,
        next_token: page.next.as_ref().map(encode_cursor),
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
        let by_date = Sort::default();
        let by_name = Sort {
            by: SortBy::Name,
            descending: true,
        };
        for (key, sort) in [
            (SortKey::Time(-5), by_date),
            (SortKey::Time(NEVER_ACCESSED), by_date),
            (SortKey::Name("a.b/c-d".into()), by_name),
        ] {
            let cursor = Cursor {
                key,
                name: "a.b/c-d".into(),
            };
            assert_eq!(decode_cursor(&encode_cursor(&cursor), sort), Some(cursor));
        }
        assert_eq!(decode_cursor("sr3.zz.00", by_date), None);
        assert_eq!(decode_cursor("sr1.5", by_date), None);
        // A token of one sort order is no good for another.
        let name_token = encode_cursor(&Cursor {
            key: SortKey::Name("x".into()),
            name: "x".into(),
        });
        assert_eq!(decode_cursor(&name_token, by_date), None);
    }

    #[test]
    fn tokens_of_the_previous_format_still_page_on() {
        let arn = "arn:aws:secretsmanager:r:1:secret:prod/db-x-abcdef";
        let old = |key: &str| format!("{ARN_CURSOR_TOKEN}{}.{}", hex(key), hex(arn));
        assert_eq!(
            decode_cursor(&old("t"), Sort::default()),
            Some(Cursor {
                key: SortKey::Time(NEVER_ACCESSED),
                name: "prod/db-x".into()
            })
        );
        assert_eq!(
            decode_cursor(&old("t17"), Sort::default()).map(|c| c.key),
            Some(SortKey::Time(17))
        );
    }
}
