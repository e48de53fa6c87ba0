//! Reading a request body, only once its headers have passed the first half
//! of authentication: streamed into one buffer and hashed as it arrives (the
//! signature covers the hash), within [`MAX_BODY_BYTES`], a deadline, and a
//! server-wide budget of bytes buffered at once.
//!
//! Architecture Invariant: no byte of a body is buffered before its
//! request's access key is known and its signature's date and scope are
//! valid; the bodies of all requests together never hold more than the
//! budget (a request that cannot get its share in time is throttled).

use crate::ApiError;
use axum::body::Body;
use bytes::{Bytes, BytesMut};
use http_body_util::BodyExt;
use std::sync::Arc;
use std::time::Duration;
use strongroom_auth::PayloadHasher;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, timeout_at};

/// Largest request body accepted. A maximal request (a 64 KiB binary value,
/// base64-encoded, plus metadata) fits well within it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// A Query request refused before its body was read may still have a
/// body this small read, so that its record names the operation (the form's
/// `Action`); see [`peek_small`].
const PEEK_BYTES: usize = 4 * 1024;
/// How long that peek may wait for those bytes.
const PEEK_DEADLINE: Duration = Duration::from_secs(1);

/// How bodies are read: the slow-body deadline and the buffered-bytes
/// budget, shared by every request of the server.
#[derive(Clone)]
pub struct BodyLimits {
    /// How long a body may take to arrive once reading it starts (waiting
    /// for a share of the budget included).
    timeout: Duration,
    /// Permits are bytes: a request holds as many as its body may have
    /// (its Content-Length, or [`MAX_BODY_BYTES`] without one) from before
    /// its first byte is read until its call is over.
    budget: Arc<Semaphore>,
}

impl BodyLimits {
    /// Bodies must arrive within `timeout`; at most `budget_bytes` (at
    /// least [`MAX_BODY_BYTES`], so that any one body fits) are buffered
    /// at once.
    pub fn new(timeout: Duration, budget_bytes: usize) -> BodyLimits {
        BodyLimits {
            timeout,
            budget: Arc::new(Semaphore::new(
                budget_bytes.clamp(MAX_BODY_BYTES, Semaphore::MAX_PERMITS),
            )),
        }
    }
}

impl Default for BodyLimits {
    /// 30 s per body, 64 MiB of bodies at once.
    fn default() -> BodyLimits {
        BodyLimits::new(Duration::from_secs(30), 64 << 20)
    }
}

/// A body read in full, and its hex SHA-256.
pub(crate) struct ReadBody {
    pub bytes: Bytes,
    pub hash: [u8; 64],
    /// The body's share of the budget, given back when this is dropped.
    pub share: OwnedSemaphorePermit,
}

/// The Content-Length a request declares, if any (and parseable).
pub(crate) fn declared_length(headers: &http::HeaderMap) -> Option<usize> {
    headers
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Reads `body`, which declared `declared` bytes (checked by the caller to
/// be at most [`MAX_BODY_BYTES`]), hashing it as it streams in.
pub(crate) async fn read(
    body: Body,
    declared: Option<usize>,
    limits: &BodyLimits,
) -> Result<ReadBody, ApiError> {
    let deadline = Instant::now() + limits.timeout;
    let reserve = declared.unwrap_or(MAX_BODY_BYTES).min(MAX_BODY_BYTES);
    // At most MAX_BODY_BYTES (1 MiB): fits a u32.
    let share = timeout_at(
        deadline,
        limits.budget.clone().acquire_many_owned(reserve as u32),
    )
    .await
    .map_err(|_| ApiError::Busy)?
    .map_err(|_| ApiError::Internal)?;
    let mut buffer = BytesMut::with_capacity(declared.unwrap_or(0).min(reserve));
    let mut hasher = PayloadHasher::default();
    let mut body = body;
    let streamed = async {
        while let Some(frame) = body.frame().await {
            let Ok(data) = frame.map_err(|_| ApiError::BodyRead)?.into_data() else {
                continue; // trailers
            };
            if buffer.len() + data.len() > reserve {
                return Err(ApiError::BodyTooLarge(MAX_BODY_BYTES));
            }
            hasher.update(&data);
            buffer.extend_from_slice(&data);
        }
        Ok(())
    };
    timeout_at(deadline, streamed)
        .await
        .map_err(|_| ApiError::BodyTimeout)??;
    Ok(ReadBody {
        bytes: buffer.freeze(),
        hash: hasher.finish(),
        share,
    })
}

/// The body of a request refused before its body was read, if it declared
/// at most [`PEEK_BYTES`] and they arrive within [`PEEK_DEADLINE`]: only
/// for the record (a Query request names its operation in the body).
pub(crate) async fn peek_small(body: Body, declared: Option<usize>) -> Option<Bytes> {
    if declared.is_none_or(|n| n > PEEK_BYTES) {
        return None;
    }
    let limited = http_body_util::Limited::new(body, PEEK_BYTES);
    match tokio::time::timeout(PEEK_DEADLINE, limited.collect()).await {
        Ok(Ok(collected)) => Some(collected.to_bytes()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunked(chunks: Vec<Bytes>) -> Body {
        Body::from_stream(stream::iter(
            chunks.into_iter().map(Ok::<_, std::io::Error>),
        ))
    }

    fn hash_of(bytes: &[u8]) -> [u8; 64] {
        let mut hasher = PayloadHasher::default();
        hasher.update(bytes);
        hasher.finish()
    }

    #[tokio::test]
    async fn hashes_what_it_buffers() {
        let body = chunked(vec![
            Bytes::from_static(b"{\"a\":"),
            Bytes::from_static(b"1}"),
        ]);
        let read = read(body, None, &BodyLimits::default())
            .await
            .expect("read");
        assert_eq!(&read.bytes[..], b"{\"a\":1}");
        assert_eq!(read.hash, hash_of(b"{\"a\":1}"));
    }

    #[tokio::test]
    async fn a_body_without_length_is_cut_at_the_maximum() {
        let half = Bytes::from(vec![b'x'; MAX_BODY_BYTES / 2 + 1]);
        let body = chunked(vec![half.clone(), half]);
        let err = read(body, None, &BodyLimits::default()).await.err();
        assert!(
            matches!(err, Some(ApiError::BodyTooLarge(MAX_BODY_BYTES))),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_body_that_never_ends_times_out() {
        let body = Body::from_stream(stream::pending::<Result<Bytes, std::io::Error>>());
        let limits = BodyLimits::new(Duration::from_millis(200), MAX_BODY_BYTES);
        let err = read(body, Some(10), &limits).await.err();
        assert!(matches!(err, Some(ApiError::BodyTimeout)), "{err:?}");
        // Its share of the budget was given back.
        assert_eq!(limits.budget.available_permits(), MAX_BODY_BYTES);
    }

    #[tokio::test]
    async fn bodies_share_the_budget() {
        let limits = BodyLimits::new(Duration::from_millis(200), MAX_BODY_BYTES);
        let big = Bytes::from(vec![b'x'; MAX_BODY_BYTES]);
        let first = read(chunked(vec![big.clone()]), Some(MAX_BODY_BYTES), &limits)
            .await
            .expect("first");
        // The whole budget is held: the next body waits, then is throttled.
        let err = read(chunked(vec![Bytes::from_static(b"{}")]), Some(2), &limits)
            .await
            .err();
        assert!(matches!(err, Some(ApiError::Busy)), "{err:?}");
        drop(first);
        let second = read(chunked(vec![Bytes::from_static(b"{}")]), Some(2), &limits)
            .await
            .expect("second");
        assert_eq!(&second.bytes[..], b"{}");
        assert_eq!(second.hash, hash_of(b"{}"));
    }

    #[tokio::test]
    async fn only_small_bodies_are_peeked() {
        let small = chunked(vec![Bytes::from_static(b"Action=ListUsers")]);
        assert_eq!(
            peek_small(small, Some(16)).await.as_deref(),
            Some(&b"Action=ListUsers"[..])
        );
        let large = chunked(vec![Bytes::from(vec![b'x'; PEEK_BYTES + 1])]);
        assert_eq!(peek_small(large, Some(PEEK_BYTES + 1)).await, None);
        let unknown = chunked(vec![Bytes::from_static(b"Action=ListUsers")]);
        assert_eq!(peek_small(unknown, None).await, None);
        let stalled = Body::from_stream(stream::pending::<Result<Bytes, std::io::Error>>());
        assert_eq!(peek_small(stalled, Some(10)).await, None);
    }
}
