//! The condition-key values of one request (`aws:SourceIp`, `aws:PrincipalTag/team`,
//! `aws:TagKeys`, …).
//!
//! IAM condition key names are case-insensitive, including the tag key after the
//! slash in `aws:PrincipalTag/…`, `aws:ResourceTag/…`, `aws:RequestTag/…` and
//! `secretsmanager:ResourceTag/…`, so keys are stored lower-cased and policies
//! lower-case theirs when parsed; lookups during evaluation then compare exactly
//! and never allocate. A request carries a dozen keys or so, which a vector scans
//! faster than a hash map hashes.

/// Condition-key values of one request; keys compare case-insensitively.
#[derive(Default, Clone, Debug)]
pub struct Context {
    /// Lower-cased key → values. Single-valued keys hold one value; a multivalued key
    /// may hold none ("present but empty", which differs from absent for the set operators).
    entries: Vec<(Box<str>, Vec<String>)>,
}

impl Context {
    /// An empty context: every key absent.
    pub fn new() -> Context {
        Context::default()
    }

    /// Sets a single-valued key, replacing any earlier value. Values are strings:
    /// booleans `"true"`/`"false"`, numbers in decimal, dates either ISO 8601
    /// (`2026-12-01T15:00:00Z`) or epoch seconds (both compare as dates).
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        self.set_multi(key, vec![value.into()]);
    }

    /// Sets a multivalued key (e.g. `aws:TagKeys`), replacing any earlier value.
    /// An empty list means "present but empty".
    pub fn set_multi(&mut self, key: &str, values: Vec<String>) {
        let key = key.to_lowercase();
        match self.entries.iter_mut().find(|(k, _)| **k == *key) {
            Some((_, v)) => *v = values,
            None => self.entries.push((key.into_boxed_str(), values)),
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

    /// Lookup for keys already lower-cased (every key in a parsed policy is).
    pub(crate) fn get_lowercase(&self, key: &str) -> Option<&[String]> {
        self.entries
            .iter()
            .find(|(k, _)| **k == *key)
            .map(|(_, v)| v.as_slice())
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
}
