//! `ListSecrets` / `BatchGetSecretValue` filters.
//!
//! Several filters combine with AND (duplicate keys included), the values of
//! one filter with OR, and a value starting with `!` matches when the
//! positive form matches nothing. Matching rules per key follow what was
//! recorded against AWS (shared/AWS_BEHAVIOUR.md, "ListSecrets").

use crate::{Secret, Tag};
use std::collections::BTreeSet;

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

/// The fields of a secret that filters look at.
#[derive(Debug, Clone, Copy)]
pub struct Searchable<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub region: &'a str,
    pub tags: &'a [Tag],
}

impl<'a> From<&'a Secret> for Searchable<'a> {
    fn from(s: &'a Secret) -> Self {
        Searchable {
            name: &s.name,
            description: s.description.as_deref(),
            region: &s.region,
            tags: s.tags.as_deref().unwrap_or_default(),
        }
    }
}

/// True when `secret` passes every filter.
pub fn matches_all(secret: &Secret, filters: &[Filter]) -> bool {
    fields_match_all(&Searchable::from(secret), filters)
}

/// True when a secret with these fields passes every filter.
pub fn fields_match_all(secret: &Searchable<'_>, filters: &[Filter]) -> bool {
    filters.iter().all(|f| matches(secret, f))
}

fn matches(secret: &Searchable<'_>, filter: &Filter) -> bool {
    filter
        .values
        .iter()
        .any(|value| match value.strip_prefix('!') {
            Some(positive) => !matches_value(secret, filter.key, positive),
            None => matches_value(secret, filter.key, value),
        })
}

fn matches_value(secret: &Searchable<'_>, key: FilterKey, value: &str) -> bool {
    let tags = secret.tags;
    match key {
        FilterKey::Name => secret.name.starts_with(value),
        FilterKey::TagKey => tags.iter().any(|t| t.key.starts_with(value)),
        FilterKey::TagValue => tags.iter().any(|t| t.value.starts_with(value)),
        // Single-region server: a secret is never a replica, so its primary
        // region is the region it lives in.
        FilterKey::PrimaryRegion => secret.region.starts_with(value),
        // No secret here is managed by another service.
        FilterKey::OwningService => false,
        FilterKey::Description => words_match(value, secret.description.into_iter()),
        FilterKey::All => {
            let fields = std::iter::once(secret.name)
                .chain(secret.description)
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

/// Characters of a text an index key keeps. A longer word suffix or tag
/// is cut here, which only widens what a range of the index finds: every
/// candidate is checked against the filters themselves.
pub const INDEX_KEY_CHARS: usize = 16;

/// Which text an index key was taken from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IndexField {
    /// A word suffix of the name, of the description, of a tag key, of a
    /// tag value ([`word_suffixes`]), lower-cased: what `all` and
    /// `description` look for.
    NameWord,
    DescriptionWord,
    TagKeyWord,
    TagValueWord,
    /// A whole tag key or value, case kept: what `tag-key` and `tag-value`
    /// look for.
    TagKey,
    TagValue,
}

impl IndexField {
    /// The fields the `all` filter searches.
    pub const WORDS: &'static [IndexField] = &[
        IndexField::NameWord,
        IndexField::DescriptionWord,
        IndexField::TagKeyWord,
        IndexField::TagValueWord,
    ];
}

/// One key of the word index: a secret is found under each of its keys.
pub type IndexKey = (IndexField, String);

fn lower_key(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .take(INDEX_KEY_CHARS)
        .collect()
}

fn exact_key(s: &str) -> String {
    s.chars().take(INDEX_KEY_CHARS).collect()
}

fn add_word_keys(field: IndexField, text: &str, keys: &mut BTreeSet<IndexKey>) {
    keys.extend(word_suffixes(text).map(|suffix| (field, lower_key(suffix))));
}

/// The index keys of a name.
pub fn name_index_keys(name: &str) -> BTreeSet<IndexKey> {
    let mut keys = BTreeSet::new();
    add_word_keys(IndexField::NameWord, name, &mut keys);
    keys
}

/// The index keys of a description.
pub fn description_index_keys(description: Option<&str>) -> BTreeSet<IndexKey> {
    let mut keys = BTreeSet::new();
    if let Some(d) = description {
        add_word_keys(IndexField::DescriptionWord, d, &mut keys);
    }
    keys
}

/// The index keys of a secret's tags.
pub fn tag_index_keys(tags: &[Tag]) -> BTreeSet<IndexKey> {
    let mut keys = BTreeSet::new();
    for tag in tags {
        add_word_keys(IndexField::TagKeyWord, &tag.key, &mut keys);
        add_word_keys(IndexField::TagValueWord, &tag.value, &mut keys);
        keys.insert((IndexField::TagKey, exact_key(&tag.key)));
        keys.insert((IndexField::TagValue, exact_key(&tag.value)));
    }
    keys
}

/// Every index key of a secret.
pub fn index_keys(secret: &Searchable<'_>) -> BTreeSet<IndexKey> {
    let mut keys = name_index_keys(secret.name);
    keys.append(&mut description_index_keys(secret.description));
    keys.append(&mut tag_index_keys(secret.tags));
    keys
}

/// A range of an index: what a store looks up to find the secrets a filter
/// value may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Probe {
    /// Secrets whose name starts with this (case-sensitive).
    NamePrefix(String),
    /// Secrets with an index key in one of `fields` that starts with `prefix`.
    Index {
        fields: &'static [IndexField],
        prefix: String,
    },
}

impl Probe {
    /// Whether this probe finds a secret with these fields: the answer a
    /// store's index range must give.
    pub fn finds(&self, secret: &Searchable<'_>) -> bool {
        match self {
            Probe::NamePrefix(p) => secret.name.starts_with(p.as_str()),
            Probe::Index { fields, prefix } => index_keys(secret)
                .iter()
                .any(|(f, key)| fields.contains(f) && key.starts_with(prefix.as_str())),
        }
    }
}

/// Probes that together find every secret `filter` matches, and maybe
/// more; `None` when no range can narrow it: a value with `!` matches what
/// lies outside, and `primary-region` / `owning-service` do not depend on
/// the secret ([`region_outcome`]). `Some(vec![])` when it matches nothing.
pub fn probes(filter: &Filter) -> Option<Vec<Probe>> {
    if filter.values.iter().any(|v| v.starts_with('!')) {
        return None;
    }
    let words = |fields: &'static [IndexField], value: &str| {
        // Each word must match; the longest is likely the rarest.
        value
            .split_whitespace()
            .max_by_key(|w| w.chars().count())
            .map(|w| Probe::Index {
                fields,
                prefix: lower_key(w),
            })
    };
    let values = filter.values.iter();
    Some(match filter.key {
        FilterKey::Name => values.map(|v| Probe::NamePrefix(v.clone())).collect(),
        FilterKey::Description => values
            .filter_map(|v| words(&[IndexField::DescriptionWord], v))
            .collect(),
        FilterKey::All => values.filter_map(|v| words(IndexField::WORDS, v)).collect(),
        FilterKey::TagKey => values
            .map(|v| Probe::Index {
                fields: &[IndexField::TagKey],
                prefix: exact_key(v),
            })
            .collect(),
        FilterKey::TagValue => values
            .map(|v| Probe::Index {
                fields: &[IndexField::TagValue],
                prefix: exact_key(v),
            })
            .collect(),
        FilterKey::PrimaryRegion | FilterKey::OwningService => return None,
    })
}

/// Whether `filter` looks at tags at all (`tag-key`, `tag-value`, `all`).
pub fn reads_tags(filter: &Filter) -> bool {
    matches!(
        filter.key,
        FilterKey::TagKey | FilterKey::TagValue | FilterKey::All
    )
}

/// Probes that find every secret whose tags could change the outcome of
/// `filter`, negated values included: a secret none of them finds matches
/// `filter` with its tags exactly as it does without them.
pub fn tag_probes(filter: &Filter) -> Vec<Probe> {
    const TAG_WORDS: &[IndexField] = &[IndexField::TagKeyWord, IndexField::TagValueWord];
    let positive = filter
        .values
        .iter()
        .map(|v| v.strip_prefix('!').unwrap_or(v));
    match filter.key {
        FilterKey::All => positive
            .flat_map(str::split_whitespace)
            .map(|w| Probe::Index {
                fields: TAG_WORDS,
                prefix: lower_key(w),
            })
            .collect(),
        FilterKey::TagKey => positive
            .map(|v| Probe::Index {
                fields: &[IndexField::TagKey],
                prefix: exact_key(v),
            })
            .collect(),
        FilterKey::TagValue => positive
            .map(|v| Probe::Index {
                fields: &[IndexField::TagValue],
                prefix: exact_key(v),
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The outcome of `filter` for every secret of `region`, when it depends on
/// nothing else (`primary-region`, `owning-service`).
pub fn region_outcome(filter: &Filter, region: &str) -> Option<bool> {
    match filter.key {
        FilterKey::PrimaryRegion | FilterKey::OwningService => Some(matches(
            &Searchable {
                name: "",
                description: None,
                region,
                tags: &[],
            },
            filter,
        )),
        _ => None,
    }
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
            rotation: None,
        }
    }

    fn check(key: FilterKey, values: &[&str], s: &Secret, expect: bool) {
        let f = Filter {
            key,
            values: values.iter().map(|v| v.to_string()).collect(),
        };
        assert_eq!(
            matches(&Searchable::from(s), &f),
            expect,
            "{key:?} {values:?} on {}",
            s.name
        );
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

    /// Random text of `parts` fragments (some non-ASCII, some longer
    /// together than an index key) joined by separators, spaces or nothing.
    fn text(rng: &mut rand::rngs::StdRng, parts: usize) -> String {
        use rand::seq::IndexedRandom;
        const FRAGMENTS: &[&str] = &[
            "app",
            "App",
            "Beta",
            "prod",
            "PROD",
            "db",
            "x",
            "Straße",
            "İstanbul",
            "ΣΊΣΥΦΟΣ",
            "a",
            "A",
            "1",
            "2go",
            "COMPANYthings",
            "payments",
        ];
        const JOINS: &[&str] = &["", "/", "-", "_", " ", ".", "@", "+", "="];
        let mut t = String::new();
        for i in 0..parts {
            if i > 0 {
                t.push_str(JOINS.choose(rng).copied().unwrap_or_default());
            }
            t.push_str(FRAGMENTS.choose(rng).copied().unwrap_or_default());
        }
        t
    }

    /// A filter value likely to match `source`: a piece of it from a random
    /// character on, maybe in another case, maybe negated.
    fn value_from(rng: &mut rand::rngs::StdRng, source: &str) -> String {
        use rand::RngExt;
        let chars: Vec<char> = source.chars().collect();
        let start = rng.random_range(0..=chars.len());
        let end = rng.random_range(start..=chars.len());
        let piece: String = chars[start..end].iter().collect();
        match rng.random_range(0..4) {
            0 => piece.to_uppercase(),
            1 => piece.to_lowercase(),
            _ => piece,
        }
    }

    #[test]
    fn probes_find_every_secret_a_filter_matches() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let keys = [
            FilterKey::Name,
            FilterKey::Description,
            FilterKey::All,
            FilterKey::TagKey,
            FilterKey::TagValue,
        ];
        let mut matched = 0;
        for round in 0..5000 {
            let name = text(&mut rng, 6);
            let description = rng.random_bool(0.8).then(|| text(&mut rng, 8));
            let tags: Vec<Tag> = (0..rng.random_range(0..3))
                .map(|_| Tag {
                    key: text(&mut rng, 2),
                    value: text(&mut rng, 5),
                })
                .collect();
            let secret = Searchable {
                name: &name,
                description: description.as_deref(),
                region: "us-east-1",
                tags: &tags,
            };
            let key = keys[round % keys.len()];
            let sources: Vec<&str> = std::iter::once(name.as_str())
                .chain(description.as_deref())
                .chain(tags.iter().flat_map(|t| [t.key.as_str(), t.value.as_str()]))
                .collect();
            let values = (0..rng.random_range(1..3))
                .map(|_| {
                    let source = sources[rng.random_range(0..sources.len())];
                    let mut v = value_from(&mut rng, source);
                    if rng.random_bool(0.2) {
                        v = format!("{v} {}", value_from(&mut rng, source));
                    }
                    v
                })
                .collect();
            let filter = Filter { key, values };
            let probes = probes(&filter).expect("no negated values");
            if matches(&secret, &filter) {
                matched += 1;
                assert!(
                    probes.iter().any(|p| p.finds(&secret)),
                    "{filter:?} matches {secret:?} but no probe finds it: {probes:?}"
                );
            }
        }
        assert!(matched > 500, "only {matched} rounds matched");
    }

    #[test]
    fn tags_no_tag_probe_finds_do_not_change_an_outcome() {
        use rand::{RngExt, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(11);
        let keys = [FilterKey::All, FilterKey::TagKey, FilterKey::TagValue];
        let mut unchanged = 0;
        for round in 0..5000 {
            let name = text(&mut rng, 4);
            let tags: Vec<Tag> = (0..rng.random_range(1..3))
                .map(|_| Tag {
                    key: text(&mut rng, 2),
                    value: text(&mut rng, 4),
                })
                .collect();
            let with_tags = Searchable {
                name: &name,
                description: None,
                region: "us-east-1",
                tags: &tags,
            };
            let without = Searchable {
                tags: &[],
                ..with_tags
            };
            let key = keys[round % keys.len()];
            let values = (0..rng.random_range(1..3))
                .map(|_| {
                    let t = &tags[rng.random_range(0..tags.len())];
                    let source = if rng.random_bool(0.5) {
                        &t.key
                    } else {
                        &t.value
                    };
                    let v = if rng.random_bool(0.3) {
                        value_from(&mut rng, &name)
                    } else {
                        value_from(&mut rng, source)
                    };
                    if rng.random_bool(0.3) {
                        format!("!{v}")
                    } else {
                        v
                    }
                })
                .collect();
            let filter = Filter { key, values };
            if !tag_probes(&filter).iter().any(|p| p.finds(&with_tags)) {
                unchanged += 1;
                assert_eq!(
                    matches(&with_tags, &filter),
                    matches(&without, &filter),
                    "{filter:?} on {with_tags:?}"
                );
            }
        }
        assert!(
            unchanged > 500,
            "only {unchanged} rounds without a tag probe hit"
        );
    }

    #[test]
    fn probes_and_region_outcomes() {
        let negated = Filter {
            key: FilterKey::All,
            values: vec!["a".into(), "!b".into()],
        };
        assert_eq!(probes(&negated), None);
        let blank = Filter {
            key: FilterKey::Description,
            values: vec!["  ".into()],
        };
        assert_eq!(probes(&blank), Some(vec![]));
        let region = Filter {
            key: FilterKey::PrimaryRegion,
            values: vec!["us-".into()],
        };
        assert_eq!(probes(&region), None);
        assert_eq!(region_outcome(&region, "us-east-1"), Some(true));
        assert_eq!(region_outcome(&region, "eu-west-1"), Some(false));
        let service = Filter {
            key: FilterKey::OwningService,
            values: vec!["!x".into()],
        };
        assert_eq!(region_outcome(&service, "eu-west-1"), Some(true));
        assert_eq!(region_outcome(&negated, "eu-west-1"), None);
    }

    #[test]
    fn index_keys_are_lower_cased_word_suffixes_cut_to_length() {
        let keys = index_keys(&Searchable {
            name: "prod/AppBeta",
            description: Some("A very long description word: Supercalifragilisticexpialidocious"),
            region: "us-east-1",
            tags: &[Tag {
                key: "Env".into(),
                value: "Prod".into(),
            }],
        });
        for expected in [
            (IndexField::NameWord, "prod/appbeta"),
            (IndexField::NameWord, "appbeta"),
            (IndexField::NameWord, "beta"),
            (
                IndexField::DescriptionWord,
                &"supercalifragilisticexpialidocious"[..INDEX_KEY_CHARS],
            ),
            (IndexField::TagKeyWord, "env"),
            (IndexField::TagValueWord, "prod"),
            (IndexField::TagKey, "Env"),
            (IndexField::TagValue, "Prod"),
        ] {
            assert!(
                keys.contains(&(expected.0, expected.1.to_owned())),
                "{expected:?} missing from {keys:?}"
            );
        }
        assert!(
            keys.iter()
                .all(|(_, k)| k.chars().count() <= INDEX_KEY_CHARS)
        );
    }
}
