//! What the read cache (`cache.rs`) holds for GetSecretValue and
//! DescribeSecret, what it is keyed by, and what each entry weighs.

use crate::cache::{KeyBytes, Weigh};
use crate::{GetSecretValueInput, RequestContext};
use std::mem::size_of;
use std::sync::Arc;
use strongroom_domain::{Secret, Version};
use strongroom_store::StoredValue;

/// The read cache's key: the operation and what the request named.
#[derive(Debug, PartialEq, Eq, Hash)]
pub(crate) struct CacheKey {
    op: CachedOp,
    account: String,
    region: String,
    secret_id: String,
    /// GetSecretValue's VersionId and VersionStage ("" when not given).
    version_id: String,
    version_stage: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum CachedOp {
    GetSecretValue,
    DescribeSecret,
}

/// A [`CacheKey`] borrowed from the request, to look up without allocating.
/// Its fields hash exactly as `CacheKey`'s (`&str` hashes as `String`).
#[derive(Hash)]
pub(crate) struct CacheKeyRef<'a> {
    op: CachedOp,
    account: &'a str,
    region: &'a str,
    secret_id: &'a str,
    version_id: &'a str,
    version_stage: &'a str,
}

impl<'a> CacheKeyRef<'a> {
    pub fn value(ctx: &'a RequestContext, input: &'a GetSecretValueInput) -> Self {
        CacheKeyRef {
            op: CachedOp::GetSecretValue,
            account: ctx.account(),
            region: &ctx.region,
            secret_id: &input.secret_id,
            version_id: input.version_id.as_deref().unwrap_or_default(),
            version_stage: input.version_stage.as_deref().unwrap_or_default(),
        }
    }

    pub fn describe(ctx: &'a RequestContext, secret_id: &'a str) -> Self {
        CacheKeyRef {
            op: CachedOp::DescribeSecret,
            account: ctx.account(),
            region: &ctx.region,
            secret_id,
            version_id: "",
            version_stage: "",
        }
    }

    pub fn to_owned(&self) -> CacheKey {
        CacheKey {
            op: self.op,
            account: self.account.to_owned(),
            region: self.region.to_owned(),
            secret_id: self.secret_id.to_owned(),
            version_id: self.version_id.to_owned(),
            version_stage: self.version_stage.to_owned(),
        }
    }
}

impl quick_cache::Equivalent<CacheKey> for CacheKeyRef<'_> {
    fn equivalent(&self, key: &CacheKey) -> bool {
        self.op == key.op
            && self.secret_id == key.secret_id
            && self.account == key.account
            && self.region == key.region
            && self.version_id == key.version_id
            && self.version_stage == key.version_stage
    }
}

impl KeyBytes for CacheKey {
    fn bytes(&self) -> u64 {
        (size_of::<CacheKey>()
            + self.account.len()
            + self.region.len()
            + self.secret_id.len()
            + self.version_id.len()
            + self.version_stage.len()) as u64
    }
}

/// A cached answer.
#[derive(Clone)]
pub(crate) enum Cached {
    Value(Arc<ValueEntry>),
    Describe(Arc<DescribeEntry>),
}

/// What a GetSecretValue read transaction found (still encrypted).
pub(crate) struct ValueEntry {
    pub secret: Secret,
    /// The secret's resource policy, parsed once per cache fill.
    pub policy: Option<Arc<strongroom_policy::Policy>>,
    pub version: Version,
    pub stored: StoredValue,
    /// The KMS key that sealed `stored` (state, key policy, tags), read with
    /// it; `None` if it no longer exists. A KMS write empties the cache.
    pub key: Option<crate::sealing::SealingKey>,
}

/// A DescribeSecret result and its parsed resource policy (parsed once per
/// cache fill, not per request).
pub(crate) struct DescribeEntry {
    pub secret: Secret,
    pub policy: Option<Arc<strongroom_policy::Policy>>,
}

impl Weigh for Cached {
    fn weight(&self) -> u64 {
        let bytes = match self {
            Cached::Value(v) => {
                size_of::<ValueEntry>()
                    + secret_bytes(&v.secret)
                    + v.version.id.len()
                    + v.stored.key_id.len()
                    + v.stored.wrapped_key.len()
                    + v.stored.ciphertext.len()
                    + v.key.as_ref().map_or(0, |k| k.weight() as usize)
            }
            Cached::Describe(d) => size_of::<DescribeEntry>() + secret_bytes(&d.secret),
        };
        bytes as u64
    }

    fn arn(&self) -> &str {
        match self {
            Cached::Value(v) => &v.secret.arn,
            Cached::Describe(d) => &d.secret.arn,
        }
    }
}

/// Bookkeeping bytes per collection item (allocation headers, map nodes).
const ITEM_OVERHEAD: usize = 48;

/// The heap bytes a secret holds, roughly: its strings and collections,
/// and its resource policy twice (the text and the parsed form).
fn secret_bytes(s: &Secret) -> usize {
    let opt = |o: &Option<String>| o.as_ref().map_or(0, String::len);
    let strings = s.arn.len()
        + s.account.len()
        + s.region.len()
        + s.name.len()
        + opt(&s.description)
        + opt(&s.kms_key_id)
        + opt(&s.secret_type)
        + 2 * opt(&s.resource_policy);
    let tags: usize = s
        .tags
        .iter()
        .flatten()
        .map(|t| t.key.len() + t.value.len())
        .sum::<usize>()
        + s.tags.as_ref().map_or(0, Vec::len) * ITEM_OVERHEAD;
    let versions: usize = s
        .versions
        .iter()
        .map(|v| size_of::<Version>() + v.id.len())
        .sum();
    let stages: usize = s
        .stages
        .iter()
        .map(|(stage, version)| stage.len() + version.len() + ITEM_OVERHEAD)
        .sum();
    size_of::<Secret>() + strings + tags + versions + stages
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn a_borrowed_key_finds_its_owned_key() {
        let owned = CacheKeyRef {
            op: CachedOp::GetSecretValue,
            account: "1",
            region: "r",
            secret_id: "s",
            version_id: "",
            version_stage: "AWSPREVIOUS",
        }
        .to_owned();
        let state = std::hash::RandomState::new();
        let borrowed = CacheKeyRef {
            op: CachedOp::GetSecretValue,
            account: "1",
            region: "r",
            secret_id: "s",
            version_id: "",
            version_stage: "AWSPREVIOUS",
        };
        assert_eq!(state.hash_one(&owned), state.hash_one(&borrowed));
        assert!(quick_cache::Equivalent::equivalent(&borrowed, &owned));
        let describe = CacheKeyRef {
            op: CachedOp::DescribeSecret,
            ..borrowed
        };
        assert!(!quick_cache::Equivalent::equivalent(&describe, &owned));
    }
}
