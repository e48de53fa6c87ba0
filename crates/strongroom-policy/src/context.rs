//! The condition-key values of one request (`aws:SourceIp`, `aws:PrincipalTag/team`,
//! `aws:TagKeys`, …).
//!
//! IAM condition key names are case-insensitive, including the tag key after the
//! slash in `aws:PrincipalTag/…`, `aws:ResourceTag/…`, `aws:RequestTag/…` and
//! `secretsmanager:ResourceTag/…`, so keys are stored lower-cased and policies
//! lower-case theirs when parsed; lookups during evaluation then compare exactly
//! and never allocate. A request carries a dozen keys or so, which a vector scans
//! faster than a hash map hashes.

use std::borrow::Cow;
use std::sync::Arc;

/// Condition-key values of one request; keys compare case-insensitively.
///
/// A context may sit on a shared `base` (for example the keys of the
/// principal, built once per principal rather than per request): lookups
/// try the context's own keys first, then the base's.
#[derive(Default, Clone, Debug)]
pub struct Context {
    /// Lower-cased key → values. A multivalued key may hold none ("present
    /// but empty", which differs from absent for the set operators).
    entries: Vec<(Cow<'static, str>, Values)>,
    /// Keys shared by many requests, looked at after `entries`.
    base: Option<Arc<Context>>,
}

/// One key's values: a single value needs no vector of its own.
#[derive(Clone, Debug)]
enum Values {
    One(String),
    Many(Vec<String>),
    /// Several values for what should be one: tags whose keys differ only
    /// in case (tag keys are case-sensitive, condition keys are not). A
    /// condition on such a key holds for a Deny if it would hold for any one
    /// of them, and for an Allow only if it would hold for each, so that
    /// no spelling can hide another.
    Ambiguous(Vec<String>),
}

impl Values {
    fn as_slice(&self) -> &[String] {
        match self {
            Values::One(v) => std::slice::from_ref(v),
            Values::Many(v) | Values::Ambiguous(v) => v,
        }
    }
}

impl Context {
    /// An empty context: every key absent.
    pub fn new() -> Context {
        Context::default()
    }

    /// An empty context on top of `base`, whose keys it inherits (and may
    /// override).
    pub fn with_base(base: Arc<Context>) -> Context {
        Context {
            entries: Vec::with_capacity(16),
            base: Some(base),
        }
    }

    /// Puts `base` under this context's own keys (replacing any earlier base).
    pub fn set_base(&mut self, base: Arc<Context>) {
        self.base = Some(base);
    }

    /// Sets a single-valued key, replacing any earlier value. Values are strings:
    /// booleans `"true"`/`"false"`, numbers in decimal, dates either ISO 8601
    /// (`2026-12-01T15:00:00Z`) or epoch seconds (both compare as dates).
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.put(Cow::Owned(key.to_lowercase()), Values::One(value.into()));
    }

    /// [`set`](Self::set) for a key written in lower case in the program
    /// text (`"aws:principalarn"`): no allocation for the key.
    pub fn set_static(&mut self, lowercase_key: &'static str, value: impl Into<String>) {
        debug_assert!(
            !lowercase_key.bytes().any(|b| b.is_ascii_uppercase()),
            "set_static takes lower-case keys: {lowercase_key}"
        );
        self.put(Cow::Borrowed(lowercase_key), Values::One(value.into()));
    }

    /// Sets a multivalued key (e.g. `aws:TagKeys`), replacing any earlier value.
    /// An empty list means "present but empty".
    pub fn set_multi(&mut self, key: &str, values: Vec<String>) {
        self.put(Cow::Owned(key.to_lowercase()), Values::Many(values));
    }

    /// Sets a single-valued key that has several candidate values (tags
    /// whose keys differ only in case); see the evaluation rule on
    /// ambiguous keys in the crate docs.
    pub fn set_ambiguous(&mut self, key: &str, values: Vec<String>) {
        self.put(Cow::Owned(key.to_lowercase()), Values::Ambiguous(values));
    }

    /// Copies `other`'s own keys (not its base) into this context,
    /// replacing keys of the same name.
    pub fn extend(&mut self, other: &Context) {
        for (key, values) in &other.entries {
            self.put(key.clone(), values.clone());
        }
    }

    fn put(&mut self, key: Cow<'static, str>, values: Values) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some((_, v)) => *v = values,
            None => self.entries.push((key, values)),
        }
    }

    /// The values of `key` (any case), or `None` when the request does not carry it.
    pub fn get(&self, key: &str) -> Option<&[String]> {
        if key.chars().any(char::is_uppercase) {
            self.get_lowercase(&key.to_lowercase())
        } else {
            self.get_lowercase(key)
        }
    }

    /// Whether the (lower-cased) key was set with [`set_ambiguous`](Self::set_ambiguous).
    pub(crate) fn is_ambiguous_lowercase(&self, key: &str) -> bool {
        match self.entries.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => matches!(v, Values::Ambiguous(_)),
            None => self
                .base
                .as_deref()
                .is_some_and(|b| b.is_ambiguous_lowercase(key)),
        }
    }

    /// Lookup for keys already lower-cased (every key in a parsed policy is).
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&[String]> {
        match self.entries.iter().find(|(k, _)| *k == key) {
            Some((_, v)) => Some(v.as_slice()),
            None => self.base.as_deref()?.get_lowercase(key),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn keys_are_case_insensitive_including_tag_keys() {
        let mut c = Context::new();
        c.set("aws:PrincipalTag/Team", "blue");
        assert_eq!(c.get("AWS:principaltag/TEAM").unwrap(), ["blue"]);
        c.set("aws:principaltag/team", "red");
        assert_eq!(c.get("aws:PrincipalTag/Team").unwrap(), ["red"]);
        c.set_multi("aws:TagKeys", vec![]);
        assert_eq!(c.get("aws:tagkeys").unwrap().len(), 0);
        assert!(c.get("aws:SourceIp").is_none());
    }

    #[test]
    fn a_base_is_inherited_and_can_be_overridden() {
        let mut base = Context::new();
        base.set("aws:PrincipalArn", "arn:aws:iam::1:user/a");
        base.set("aws:username", "a");
        let mut c = Context::with_base(Arc::new(base));
        c.set_static("aws:username", "b");
        c.set_static("aws:sourceip", "10.0.0.1");
        assert_eq!(
            c.get("aws:principalarn").unwrap(),
            ["arn:aws:iam::1:user/a"]
        );
        assert_eq!(c.get("aws:UserName").unwrap(), ["b"]);
        assert_eq!(c.get("aws:SourceIp").unwrap(), ["10.0.0.1"]);
        assert!(c.get("aws:TagKeys").is_none());
    }
}
