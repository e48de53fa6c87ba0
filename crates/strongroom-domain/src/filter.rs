//! `ListSecrets` / `BatchGetSecretValue` filters.
//!
//! Several filters combine with AND (duplicate keys included), the values of
//! one filter with OR, and a value starting with `!` matches when the
//! positive form matches nothing. Matching rules per key follow what was
//! recorded against AWS (shared/AWS_BEHAVIOUR.md, "ListSecrets").

use crate::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterKey {
    Description,
    Name,
    TagKey,
    TagValue,
    PrimaryRegion,
    OwningService,
    All,
}

impl FilterKey {
    pub const WIRE_NAMES: [&'static str; 7] = [
        "description",
        "name",
        "tag-key",
        "tag-value",
        "primary-region",
        "owning-service",
        "all",
    ];

    pub fn parse(s: &str) -> Option<FilterKey> {
        Some(match s {
            "description" => FilterKey::Description,
            "name" => FilterKey::Name,
            "tag-key" => FilterKey::TagKey,
            "tag-value" => FilterKey::TagValue,
            "primary-region" => FilterKey::PrimaryRegion,
            "owning-service" => FilterKey::OwningService,
            "all" => FilterKey::All,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filter {
    pub key: FilterKey,
    pub values: Vec<String>,
}

/// True when `secret` passes every filter.
pub fn matches_all(secret: &Secret, filters: &[Filter]) -> bool {
    filters.iter().all(|f| matches(secret, f))
}

fn matches(secret: &Secret, filter: &Filter) -> bool {
    filter
        .values
        .iter()
        .any(|value| match value.strip_prefix('!') {
            Some(positive) => !matches_value(secret, filter.key, positive),
            None => matches_value(secret, filter.key, value),
        })
}

fn matches_value(secret: &Secret, key: FilterKey, value: &str) -> bool {
    let tags = secret.tags.as_deref().unwrap_or_default();
    match key {
        FilterKey::Name => secret.name.starts_with(value),
        FilterKey::TagKey => tags.iter().any(|t| t.key.starts_with(value)),
        FilterKey::TagValue => tags.iter().any(|t| t.value.starts_with(value)),
        // Single-region server: a secret is never a replica, so its primary
        // region is the region it lives in.
        FilterKey::PrimaryRegion => secret.region.starts_with(value),
        // No secret here is managed by another service.
        FilterKey::OwningService => false,
        FilterKey::Description => {
            let words: Vec<String> = secret
                .description
                .as_deref()
                .unwrap_or_default()
                .split_whitespace()
                .map(str::to_lowercase)
                .collect();
            words_match(value, &words)
        }
        FilterKey::All => {
            let mut words = Vec::new();
            let mut add = |s: &str| {
                words.push(s.to_lowercase());
                words.extend(split_words(s).into_iter().map(|w| w.to_lowercase()));
            };
            add(&secret.name);
            if let Some(d) = &secret.description {
                add(d);
            }
            for t in tags {
                add(&t.key);
                add(&t.value);
            }
            words_match(value, &words)
        }
    }
}

/// Every whitespace-separated word of `value` is a case-insensitive prefix of
/// some candidate word. An empty value matches nothing.
fn words_match(value: &str, candidates: &[String]) -> bool {
    let mut any = false;
    for word in value.split_whitespace() {
        any = true;
        let word = word.to_lowercase();
        if !candidates.iter().any(|c| c.starts_with(&word)) {
            return false;
        }
    }
    any
}

/// Splits at whitespace, at `/_+=.@-`, and before an upper-case letter that
/// starts a lower-case run (`ThisTestSecret` → This Test Secret,
/// `COMPANYthings` → COMPAN Ythings), as AWS does for the `all` filter.
pub fn split_words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_whitespace() || "/_+=.@-:".contains(c) {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let starts_word = c.is_uppercase() && chars.get(i + 1).is_some_and(|n| n.is_lowercase());
        if starts_word && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Tag, Timestamp};

    fn secret(name: &str, description: Option<&str>) -> Secret {
        Secret {
            arn: format!("arn:aws:secretsmanager:us-east-1:123456789012:secret:{name}-abcdef"),
            name: name.into(),
            region: "us-east-1".into(),
            account: "123456789012".into(),
            description: description.map(Into::into),
            kms_key_id: None,
            secret_type: None,
            created: Timestamp(0),
            last_changed: Timestamp(0),
            last_accessed: None,
            deleted: None,
            purge_after: None,
            resource_policy: None,
            tags: Some(vec![Tag {
                key: "Env".into(),
                value: "prod".into(),
            }]),
            versions: vec![],
            stages: Default::default(),
        }
    }

    fn check(key: FilterKey, values: &[&str], s: &Secret, expect: bool) {
        let f = Filter {
            key,
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        assert_eq!(matches(s, &f), expect, "{key:?} {values:?} on {}", s.name);
    }

    #[test]
    fn name_is_case_sensitive_prefix() {
        let s = secret("/app/db", None);
        check(FilterKey::Name, &["/"], &s, true);
        check(FilterKey::Name, &["!/"], &s, false);
        check(FilterKey::Name, &["/App"], &s, false);
        check(FilterKey::Name, &["x", "/app"], &s, true);
        check(FilterKey::Name, &["testing1 one"], &s, false);
    }

    #[test]
    fn description_matches_word_prefixes() {
        let a = secret("a", Some("a secret"));
        let an = secret("b", Some("an secret"));
        let asecret = secret("c", Some("asecret"));
        let the = secret("d", Some("thesecret"));
        for s in [&a, &an, &asecret] {
            check(FilterKey::Description, &["a"], s, true);
        }
        check(FilterKey::Description, &["a"], &the, false);
        check(FilterKey::Description, &["A SECRET"], &a, true);
        check(FilterKey::Description, &["a secret"], &an, true);
        check(FilterKey::Description, &["a secret"], &asecret, false);
        check(FilterKey::Description, &["!a"], &the, true);
        check(FilterKey::Description, &["!a"], &a, false);
        check(FilterKey::Description, &["!c"], &a, true);
    }

    #[test]
    fn all_splits_camel_case() {
        assert_eq!(split_words("ThisTestSecret"), ["This", "Test", "Secret"]);
        assert_eq!(split_words("COMPANYthings"), ["COMPAN", "Ythings"]);
        let s = secret("ThisTestSecret", Some("for the api"));
        check(FilterKey::All, &["test"], &s, true);
        check(FilterKey::All, &["ret"], &s, false);
        check(FilterKey::All, &["+"], &s, false);
        check(FilterKey::All, &["api"], &s, true);
        check(FilterKey::All, &["prod"], &s, true);
        check(FilterKey::All, &["env"], &s, true);
    }

    #[test]
    fn tags_and_and_semantics() {
        let s = secret("x", None);
        check(FilterKey::TagKey, &["En"], &s, true);
        check(FilterKey::TagKey, &["en"], &s, false);
        check(FilterKey::TagValue, &["pro"], &s, true);
        let both = [
            Filter {
                key: FilterKey::TagKey,
                values: vec!["Env".into()],
            },
            Filter {
                key: FilterKey::Name,
                values: vec!["y".into()],
            },
        ];
        assert!(!matches_all(&s, &both));
    }
}
