//! LookupEvents over the index: the query and page types, NextToken, and
//! the newest-first merge of a posting key's rows.
//!
//! Rows of one key overlap a little in time (an event is filed when it
//! becomes durable, not when its request arrived), so hits are merged
//! through a heap and one is only returned once no later row can hold a
//! newer one. Every hit is read back from its segment and re-checked
//! against the query: a hash collision or a stale posting never answers.

use crate::attrs::{EventView, PostingKey, fingerprint};
use crate::index::{Hit, IndexError, decode, to_i64};
use rusqlite::Connection;
use std::collections::BinaryHeap;
use std::path::Path;
use strongroom_audit::{AuditError, read_at, segment_numbers};

/// LookupEvents' `LookupAttributes[].AttributeKey`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LookupAttributeKey {
    /// `EventId`.
    EventId,
    /// `EventName`.
    EventName,
    /// `ReadOnly` (`true` or `false`).
    ReadOnly,
    /// `Username`.
    Username,
    /// `ResourceType`.
    ResourceType,
    /// `ResourceName`: a resource's ARN or name, or the `secretId` a call named.
    ResourceName,
    /// `EventSource`.
    EventSource,
    /// `AccessKeyId`.
    AccessKeyId,
}

impl LookupAttributeKey {
    /// Every key, in the order AWS documents them.
    pub const ALL: [LookupAttributeKey; 8] = [
        LookupAttributeKey::EventId,
        LookupAttributeKey::EventName,
        LookupAttributeKey::ReadOnly,
        LookupAttributeKey::Username,
        LookupAttributeKey::ResourceType,
        LookupAttributeKey::ResourceName,
        LookupAttributeKey::EventSource,
        LookupAttributeKey::AccessKeyId,
    ];

    /// The wire name, e.g. `ResourceName`.
    pub fn as_str(self) -> &'static str {
        match self {
            LookupAttributeKey::EventId => "EventId",
            LookupAttributeKey::EventName => "EventName",
            LookupAttributeKey::ReadOnly => "ReadOnly",
            LookupAttributeKey::Username => "Username",
            LookupAttributeKey::ResourceType => "ResourceType",
            LookupAttributeKey::ResourceName => "ResourceName",
            LookupAttributeKey::EventSource => "EventSource",
            LookupAttributeKey::AccessKeyId => "AccessKeyId",
        }
    }

    /// The key with wire name `name`.
    pub fn from_name(name: &str) -> Option<LookupAttributeKey> {
        Self::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

/// One LookupEvents request, validated by the caller.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupQuery {
    /// The one lookup attribute and its value, if any.
    pub attribute: Option<(LookupAttributeKey, String)>,
    /// Events at or after this Unix second.
    pub start_time: Option<i64>,
    /// Events at or before this Unix second.
    pub end_time: Option<i64>,
    /// 1..=50 (0 is taken as 1).
    pub max_results: usize,
    /// The previous page's token.
    pub next_token: Option<String>,
}

/// One page of events, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LookupPage {
    /// The events.
    pub events: Vec<LookedUpEvent>,
    /// Set when more events match.
    pub next_token: Option<String>,
}

/// One event as LookupEvents returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookedUpEvent {
    /// `eventID`.
    pub event_id: String,
    /// `eventName`.
    pub event_name: String,
    /// `readOnly`.
    pub read_only: bool,
    /// `userIdentity.accessKeyId`.
    pub access_key_id: Option<String>,
    /// `eventTime` as Unix seconds.
    pub event_time: i64,
    /// `eventSource`.
    pub event_source: String,
    /// As [`crate::TrailEvent::username`].
    pub username: Option<String>,
    /// (type, ARN) of each resource.
    pub resources: Vec<(String, String)>,
    /// The record's JSON as stored.
    pub cloud_trail_event: String,
}

/// Why a lookup failed.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    /// The NextToken was not issued for this query (or is not a token).
    #[error("invalid NextToken: it was not issued for this query")]
    InvalidNextToken,
    /// The index could not be read.
    #[error(transparent)]
    Index(#[from] IndexError),
    /// A record the index points at could not be read.
    #[error("reading audit record {seq} (segment {segment}): {source}")]
    Read {
        /// Its sequence number.
        seq: u64,
        /// Its segment.
        segment: u64,
        /// The audit log's error.
        #[source]
        source: AuditError,
    },
}

/// Where the previous page ended: the last event's (time, seq).
type Cursor = (i64, u64);

/// The query's fingerprint, which a NextToken carries.
fn query_fingerprint(account: &str, query: &LookupQuery) -> u64 {
    let (tag, value) = match &query.attribute {
        Some((key, value)) => (key.as_str(), value.as_str()),
        None => ("", ""),
    };
    let start = query.start_time.map(i64::to_be_bytes).unwrap_or_default();
    let end = query.end_time.map(i64::to_be_bytes).unwrap_or_default();
    fingerprint(&[
        account.as_bytes(),
        tag.as_bytes(),
        value.as_bytes(),
        &[u8::from(query.start_time.is_some())],
        &start,
        &[u8::from(query.end_time.is_some())],
        &end,
    ])
}

fn encode_token(cursor: Cursor, fingerprint: u64) -> String {
    let time = u64::from_ne_bytes(cursor.0.to_ne_bytes());
    format!("{time:016x}{:016x}{fingerprint:016x}", cursor.1)
}

fn decode_token(token: &str, fingerprint: u64) -> Result<Cursor, LookupError> {
    let part = |i: usize| {
        token
            .get(i * 16..(i + 1) * 16)
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or(LookupError::InvalidNextToken)
    };
    if token.len() != 48 || part(2)? != fingerprint {
        return Err(LookupError::InvalidNextToken);
    }
    Ok((i64::from_ne_bytes(part(0)?.to_ne_bytes()), part(1)?))
}

/// Answers `query` for `account` from the index (`conn`) and the segments
/// in `audit_dir`.
pub(crate) fn lookup(
    conn: &Connection,
    index_path: &Path,
    audit_dir: &Path,
    account: &str,
    query: &LookupQuery,
) -> Result<LookupPage, LookupError> {
    let query_fp = query_fingerprint(account, query);
    let cursor = match &query.next_token {
        Some(token) => Some(decode_token(token, query_fp)?),
        None => None,
    };
    let max = query.max_results.max(1);
    let start = query.start_time.unwrap_or(i64::MIN);
    let end = query.end_time.unwrap_or(i64::MAX);
    let upper = cursor.map_or(end, |(time, _)| time.min(end));
    let posting = match &query.attribute {
        Some((key, value)) => PostingKey::of(*key, value, account),
        None => PostingKey::all(account),
    };
    let oldest = match segment_numbers(audit_dir) {
        Ok(numbers) => numbers.first().copied().unwrap_or(u64::MAX),
        Err(source) => {
            return Err(LookupError::Read {
                seq: 0,
                segment: 0,
                source,
            });
        }
    };
    let wanted = |hit: &Hit| {
        hit.time >= start
            && hit.time <= end
            && cursor.is_none_or(|c| (hit.time, hit.seq) < c)
            && posting.fingerprint.is_none_or(|fp| fp == hit.fingerprint)
            && hit.segment >= oldest
    };
    let index_err = |what| {
        let path = index_path.to_owned();
        move |source| IndexError { path, what, source }
    };
    let mut stmt = conn
        .prepare_cached(
            "SELECT max_time, min_time, entries FROM postings
             WHERE key = ?1 AND max_time >= ?2 AND min_time <= ?3 AND max_segment >= ?4
             ORDER BY max_time DESC, max_seq DESC",
        )
        .map_err(index_err("preparing the lookup"))?;
    let mut rows = stmt
        .query(rusqlite::params![posting.key, start, upper, to_i64(oldest)])
        .map_err(index_err("looking up"))?;

    let mut heap: BinaryHeap<Hit> = BinaryHeap::new();
    let mut found: Vec<(Hit, LookedUpEvent)> = Vec::with_capacity(max + 1);
    // An event indexed twice (re-indexed after a failed flush) pops twice in a row.
    let mut previous: Option<(i64, u64)> = None;
    'rows: loop {
        let row = rows.next().map_err(index_err("reading postings"))?;
        let bound = match row {
            Some(row) => Some(
                row.get::<_, i64>(0)
                    .map_err(index_err("reading postings"))?,
            ),
            None => None,
        };
        // Hits newer than anything the next row can hold are final.
        while let Some(&top) = heap.peek() {
            if bound.is_some_and(|b| top.time <= b) {
                break;
            }
            heap.pop();
            if previous.replace((top.time, top.seq)) == Some((top.time, top.seq)) {
                continue;
            }
            if let Some(event) = check(audit_dir, account, query, &top)? {
                found.push((top, event));
                if found.len() > max {
                    break 'rows;
                }
            }
        }
        let Some(row) = row else { break };
        let min_time: i64 = row.get(1).map_err(index_err("reading postings"))?;
        let blob = row
            .get_ref(2)
            .and_then(|v| v.as_blob().map_err(Into::into))
            .map_err(index_err("reading postings"))?;
        let Some(hits) = decode(blob, min_time, posting.fingerprint.is_some()) else {
            return Err(IndexError {
                path: index_path.to_owned(),
                what: "undecodable posting entries (corrupt index; delete it to rebuild)",
                source: rusqlite::Error::InvalidQuery,
            }
            .into());
        };
        heap.extend(hits.into_iter().filter(|h| wanted(h)));
    }
    let next_token = if found.len() > max {
        found.truncate(max);
        found
            .last()
            .map(|(hit, _)| encode_token((hit.time, hit.seq), query_fp))
    } else {
        None
    };
    Ok(LookupPage {
        events: found.into_iter().map(|(_, event)| event).collect(),
        next_token,
    })
}

/// Reads a hit's record and re-checks it against the query; `None` when it
/// does not match (a hash collision) or is gone (retention).
fn check(
    audit_dir: &Path,
    account: &str,
    query: &LookupQuery,
    hit: &Hit,
) -> Result<Option<LookedUpEvent>, LookupError> {
    let entry = match read_at(audit_dir, hit.segment, hit.offset) {
        Ok(entry) => entry,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e @ AuditError::Malformed { .. }) => {
            tracing::warn!(error = %e, seq = hit.seq, "audit index points at no record; skipped");
            return Ok(None);
        }
        Err(source) => {
            return Err(LookupError::Read {
                seq: hit.seq,
                segment: hit.segment,
                source,
            });
        }
    };
    if entry.seq.0 != hit.seq {
        return Ok(None);
    }
    let Ok(view) = EventView::parse(&entry.record) else {
        return Ok(None);
    };
    let matches = view.recipient_account_id.as_deref() == Some(account)
        && view.time() == Some(hit.time)
        && query
            .attribute
            .as_ref()
            .is_none_or(|(key, value)| view.matches(*key, value));
    if !matches {
        return Ok(None);
    }
    let event = LookedUpEvent {
        event_id: view.event_id.to_string(),
        event_name: view.event_name.to_string(),
        read_only: view.read_only,
        access_key_id: view
            .user_identity
            .access_key_id
            .as_deref()
            .map(str::to_owned),
        event_time: hit.time,
        event_source: view.event_source.to_string(),
        username: view.username().map(str::to_owned),
        resources: view
            .resources
            .iter()
            .map(|r| (r.kind.to_string(), r.arn.to_string()))
            .collect(),
        cloud_trail_event: String::new(),
    };
    Ok(Some(LookedUpEvent {
        cloud_trail_event: entry.record,
        ..event
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_are_bound_to_their_query() {
        let token = encode_token((-5, 42), 7);
        assert_eq!(decode_token(&token, 7).ok(), Some((-5, 42)));
        assert!(matches!(
            decode_token(&token, 8),
            Err(LookupError::InvalidNextToken)
        ));
        assert!(decode_token("nope", 7).is_err());
        let a = LookupQuery::default();
        let b = LookupQuery {
            start_time: Some(0),
            ..LookupQuery::default()
        };
        assert_ne!(query_fingerprint("1", &a), query_fingerprint("1", &b));
        assert_ne!(query_fingerprint("1", &a), query_fingerprint("2", &a));
        for key in LookupAttributeKey::ALL {
            assert_eq!(LookupAttributeKey::from_name(key.as_str()), Some(key));
        }
    }
}
