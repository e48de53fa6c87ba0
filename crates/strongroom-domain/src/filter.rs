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
        FilterKey::Description => words_match(value, secret.description.as_deref().into_iter()),
        FilterKey::All => {
            let fields = std::iter::once(secret.name.as_str())
                .chain(secret.description.as_deref())
                .chain(tags.iter().flat_map(|t| [t.key.as_str(), t.value.as_str()]));
            words_match(value, fields)
        }
    }
}

/// Every whitespace-separated word of `value` is, without regard to case, a
/// prefix of some field's text from one of its word starts ([`word_suffixes`]).
/// An empty value matches nothing.
fn words_match<'a>(value: &str, fields: impl Iterator<Item = &'a str> + Clone) -> bool {
    let mut any = false;
    for word in value.split_whitespace() {
        any = true;
        let word: Vec<char> = word.chars().flat_map(char::to_lowercase).collect();
        let found = fields
            .clone()
            .flat_map(word_suffixes)
            .any(|suffix| starts_with_ignoring_case(suffix, &word));
        if !found {
            return false;
        }
    }
    any
}

/// Whether `text` starts with `lower` (already lower-cased), comparing the
/// lower-case form of `text`.
fn starts_with_ignoring_case(text: &str, lower: &[char]) -> bool {
    let mut text = text.chars().flat_map(char::to_lowercase);
    lower.iter().all(|c| text.next() == Some(*c))
}

/// The characters besides whitespace at which AWS splits names,
/// descriptions and tags into words.
const WORD_SEPARATORS: &[char] = &['/', '_', '+', '=', '.', '@', '-'];

fn is_separator(c: char) -> bool {
    c.is_whitespace() || WORD_SEPARATORS.contains(&c)
}

/// The text of `s` from each word start to its end: the units the
/// `description` and `all` filters match a word against, by prefix. A word
/// starts after whitespace or one of `/ _ + = . @ -`, and at a case change:
/// a capital after a small letter or digit (`myApp` → my, App), and the last
/// capital of a run that a small letter follows (`ThisTestSecret` → This,
/// Test, Secret; `COMPANYthings` → COMPAN, Ythings). So `AppBeta`, `app`,
/// `beta` and `prod/app` all find `prod/AppBeta/x`, while `ret` does not
/// find `Secret` and a bare `+` finds nothing.
///
/// Suffixes rather than words, so a filter word spanning several words
/// (`AppBeta`) matches as AWS's does; an index of these suffixes answers a
/// prefix query with one range scan.
pub fn word_suffixes(s: &str) -> impl Iterator<Item = &str> + '_ {
    let mut prev: Option<char> = None;
    let mut chars = s.char_indices().peekable();
    std::iter::from_fn(move || {
        while let Some((i, c)) = chars.next() {
            let before = prev.replace(c);
            if is_separator(c) {
                continue;
            }
            let next = chars.peek().map(|&(_, n)| n);
            let starts = match before {
                None => true,
                Some(b) if is_separator(b) => true,
                Some(b) => {
                    c.is_uppercase()
                        && (b.is_lowercase()
                            || b.is_numeric()
                            || (b.is_uppercase() && next.is_some_and(char::is_lowercase)))
                }
            };
            if starts {
                return Some(&s[i..]);
            }
        }
        None
    })
}

/// The words of `s`: each word suffix ([`word_suffixes`]) up to where the
/// next word starts, separators left out.
pub fn split_words(s: &str) -> Vec<String> {
    let suffixes: Vec<&str> = word_suffixes(s).collect();
    suffixes
        .iter()
        .enumerate()
        .map(|(i, suffix)| {
            let len = suffixes
                .get(i + 1)
                .map_or(suffix.len(), |next| suffix.len() - next.len());
            suffix[..len].trim_end_matches(is_separator).to_owned()
        })
        .collect()
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
    fn words_split_as_aws_splits_them() {
        assert_eq!(split_words("ThisTestSecret"), ["This", "Test", "Secret"]);
        assert_eq!(split_words("COMPANYthings"), ["COMPAN", "Ythings"]);
        assert_eq!(split_words("prod/AppBeta/x"), ["prod", "App", "Beta", "x"]);
        assert_eq!(
            split_words("a_b+c=d.e@f-g h\ti"),
            ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
        );
        assert_eq!(split_words("myAPIKey2Go"), ["my", "API", "Key2", "Go"]);
        assert_eq!(split_words("--/"), Vec::<String>::new());
        assert_eq!(
            word_suffixes("prod/AppBeta").collect::<Vec<_>>(),
            ["prod/AppBeta", "AppBeta", "Beta"]
        );
    }

    #[test]
    fn all_matches_word_prefixes_across_fields() {
        let s = secret("ThisTestSecret", Some("for the api"));
        check(FilterKey::All, &["test"], &s, true);
        check(FilterKey::All, &["ret"], &s, false);
        check(FilterKey::All, &["+"], &s, false);
        check(FilterKey::All, &["api"], &s, true);
        check(FilterKey::All, &["prod"], &s, true);
        check(FilterKey::All, &["env"], &s, true);
        check(FilterKey::All, &["testsecret"], &s, true);
        check(FilterKey::All, &["this api"], &s, true);
        check(FilterKey::All, &["this nothing"], &s, false);
        check(FilterKey::All, &["  "], &s, false);
    }

    #[test]
    fn all_finds_words_between_separators_and_case_changes() {
        let s = secret("prod/AppBeta/x", None);
        for found in [
            "AppBeta",
            "appbeta",
            "App",
            "beta",
            "prod",
            "prod/app",
            "x",
            "PROD/APPBETA/X",
        ] {
            check(FilterKey::All, &[found], &s, true);
        }
        for not_found in ["ppBeta", "eta", "/", "AppBetax", "beta/y"] {
            check(FilterKey::All, &[not_found], &s, false);
        }
        for (name, word) in [
            ("db_password", "password"),
            ("a+b", "b"),
            ("key=value", "value"),
            ("v1.2", "2"),
            ("me@example", "example"),
            ("blue-green", "green"),
            ("COMPANYthings", "ythings"),
            ("COMPANYthings", "compan"),
        ] {
            check(FilterKey::All, &[word], &secret(name, None), true);
        }
        check(
            FilterKey::All,
            &["things"],
            &secret("COMPANYthings", None),
            false,
        );
        // Tag keys and values are split the same way.
        let mut tagged = secret("x", None);
        tagged.tags = Some(vec![Tag {
            key: "CostCenter".into(),
            value: "team/payments-eu".into(),
        }]);
        for word in ["center", "payments", "eu", "team/pay"] {
            check(FilterKey::All, &[word], &tagged, true);
        }
    }

    #[test]
    fn description_splits_like_all() {
        let s = secret("x", Some("Rotated by ops-team@corp"));
        for word in ["team", "corp", "ops-team", "ROTATED BY"] {
            check(FilterKey::Description, &[word], &s, true);
        }
        check(FilterKey::Description, &["x"], &s, false);
        check(FilterKey::Description, &["a"], &secret("x", None), false);
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
