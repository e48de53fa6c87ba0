//! The constraints botocore's IAM model declares on each input member
//! (`botocore/data/iam/2010-05-08/service-2.json`: `min`, `max`, `pattern`,
//! `enum`), checked before anything else, with AWS's ValidationError
//! wording. Every broken constraint of a request is reported, one per
//! member (the first it breaks: length before pattern).
//!
//! Patterns are AWS's Java regular expressions, matched against the whole
//! value; here each is a hand-written predicate, next to the pattern text
//! the message quotes. Lengths count characters.

use crate::error::{ConstraintViolation, IamError, ValidationErrors};
use strongroom_domain::Tag;

/// A string shape of the model: its length range and optional pattern.
pub(crate) struct StringShape {
    min: usize,
    max: usize,
    pattern: Option<Pattern>,
}

/// A model pattern: its text as the message quotes it, and its test.
struct Pattern {
    text: &'static str,
    matches: fn(&str) -> bool,
}

/// `\w` in AWS's (Java) patterns: ASCII letters, digits and `_`.
fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `[\w+=,.@-]+`: user, group, role and policy names.
fn entity_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| is_word(c) || "+=,.@-".contains(c))
}

/// `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`: `/`, or printable ASCII
/// between two slashes.
fn path(s: &str) -> bool {
    s == "/"
        || (s.len() >= 3
            && s.starts_with('/')
            && s.ends_with('/')
            && s.chars().all(|c| ('\u{21}'..='\u{7E}').contains(&c)))
}

/// `\u002F[\u0021-\u007F]*`.
fn path_prefix(s: &str) -> bool {
    s.starts_with('/') && s.chars().all(|c| ('\u{21}'..='\u{7F}').contains(&c))
}

/// `((/[A-Za-z0-9\.,\+@=_-]+)*)/`: slash-separated non-empty segments of
/// those characters, ending with a slash.
fn policy_path(s: &str) -> bool {
    let Some(inner) = s.strip_suffix('/') else {
        return false;
    };
    inner.is_empty()
        || inner.strip_prefix('/').is_some_and(|segments| {
            segments.split('/').all(|seg| {
                !seg.is_empty()
                    && seg
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".,+@=_-".contains(c))
            })
        })
}

/// `[\u0020-\u00FF]+`.
fn marker(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| ('\u{20}'..='\u{FF}').contains(&c))
}

/// `[\u0009\u000A\u000D\u0020-\u00FF]+`: policy documents are Latin-1 text.
fn policy_document(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{FF}').contains(&c))
}

/// `[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*`.
fn role_description(s: &str) -> bool {
    s.chars().all(|c| {
        matches!(c, '\t' | '\n' | '\r')
            || ('\u{20}'..='\u{7E}').contains(&c)
            || ('\u{A1}'..='\u{FF}').contains(&c)
    })
}

/// `v[1-9][0-9]*(\.[A-Za-z0-9-]*)?`.
fn version_id(s: &str) -> bool {
    let Some(rest) = s.strip_prefix('v') else {
        return false;
    };
    let (number, suffix) = match rest.split_once('.') {
        Some((n, suffix)) => (n, Some(suffix)),
        None => (rest, None),
    };
    number.starts_with(|c: char| ('1'..='9').contains(&c))
        && number.chars().all(|c| c.is_ascii_digit())
        && suffix.is_none_or(|s| s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
}

/// `[\w]+`.
fn word(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_word)
}

/// `\p{Z}`: Unicode space separators (Zs, Zl, Zp).
fn is_separator(c: char) -> bool {
    matches!(
        c,
        ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// One character of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`. (`is_alphabetic` is
/// Unicode's Alphabetic property, slightly wider than \p{L}.)
fn tag_char(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric() || is_separator(c) || "_.:/=+-@".contains(c)
}

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]+`.
fn tag_key(s: &str) -> bool {
    !s.is_empty() && s.chars().all(tag_char)
}

/// `[\p{L}\p{Z}\p{N}_.:/=+\-@]*`.
fn tag_value(s: &str) -> bool {
    s.chars().all(tag_char)
}

const fn shape(min: usize, max: usize, pattern: Option<Pattern>) -> StringShape {
    StringShape { min, max, pattern }
}

const ENTITY_NAME: Pattern = Pattern {
    text: r"[\w+=,.@-]+",
    matches: entity_name,
};

/// userNameType: CreateUser and Attach/Detach/ListAttachedUserPolicies.
pub(crate) const USER_NAME: StringShape = shape(1, 64, Some(ENTITY_NAME));
/// existingUserNameType: every other operation that names a user.
pub(crate) const EXISTING_USER_NAME: StringShape = shape(1, 128, Some(ENTITY_NAME));
/// groupNameType.
pub(crate) const GROUP_NAME: StringShape = shape(1, 128, Some(ENTITY_NAME));
/// roleNameType.
pub(crate) const ROLE_NAME: StringShape = shape(1, 64, Some(ENTITY_NAME));
/// policyNameType (inline and managed).
pub(crate) const POLICY_NAME: StringShape = shape(1, 128, Some(ENTITY_NAME));
/// pathType: users, groups and roles.
pub(crate) const PATH: StringShape = shape(
    1,
    512,
    Some(Pattern {
        text: r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
        matches: path,
    }),
);
/// pathPrefixType: ListUsers, ListGroups, ListRoles.
pub(crate) const PATH_PREFIX: StringShape = shape(
    1,
    512,
    Some(Pattern {
        text: r"\u002F[\u0021-\u007F]*",
        matches: path_prefix,
    }),
);
/// policyPathType: CreatePolicy's Path and the policy lists' PathPrefix.
pub(crate) const POLICY_PATH: StringShape = shape(
    1,
    512,
    Some(Pattern {
        text: r"((/[A-Za-z0-9\.,\+@=_-]+)*)/",
        matches: policy_path,
    }),
);
/// markerType.
pub(crate) const MARKER: StringShape = shape(
    1,
    320,
    Some(Pattern {
        text: r"[\u0020-\u00FF]+",
        matches: marker,
    }),
);
/// policyDocumentType.
pub(crate) const POLICY_DOCUMENT: StringShape = shape(
    1,
    131_072,
    Some(Pattern {
        text: r"[\u0009\u000A\u000D\u0020-\u00FF]+",
        matches: policy_document,
    }),
);
/// roleDescriptionType.
pub(crate) const ROLE_DESCRIPTION: StringShape = shape(
    0,
    1000,
    Some(Pattern {
        text: r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*",
        matches: role_description,
    }),
);
/// policyDescriptionType.
pub(crate) const POLICY_DESCRIPTION: StringShape = shape(0, 1000, None);
/// arnType.
pub(crate) const ARN: StringShape = shape(20, 2048, None);
/// policyVersionIdType.
pub(crate) const VERSION_ID: StringShape = shape(
    0,
    usize::MAX,
    Some(Pattern {
        text: r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
        matches: version_id,
    }),
);
/// accessKeyIdType.
pub(crate) const ACCESS_KEY_ID: StringShape = shape(
    16,
    128,
    Some(Pattern {
        text: r"[\w]+",
        matches: word,
    }),
);
/// tagKeyType.
pub(crate) const TAG_KEY: StringShape = shape(
    1,
    128,
    Some(Pattern {
        text: r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+",
        matches: tag_key,
    }),
);
/// tagValueType.
pub(crate) const TAG_VALUE: StringShape = shape(
    0,
    256,
    Some(Pattern {
        text: r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*",
        matches: tag_value,
    }),
);

/// maxItemsType.
const MAX_ITEMS: (i64, i64) = (1, 1000);
/// tagListType / tagKeyListType: at most 50 per request.
const MAX_TAGS_PER_REQUEST: usize = 50;

/// Collects the violations of one request.
#[derive(Default)]
pub(crate) struct Checks {
    violations: Vec<ConstraintViolation>,
}

impl Checks {
    pub(crate) fn new() -> Checks {
        Checks::default()
    }

    fn violation(&mut self, member: &str, value: String, constraint: String) {
        self.violations.push(ConstraintViolation {
            member: member.to_owned(),
            value,
            constraint,
        });
    }

    /// A present string member.
    pub(crate) fn string(&mut self, member: &str, value: &str, shape: &StringShape) -> &mut Self {
        let len = value.chars().count();
        let broken = if len < shape.min {
            Some(format!(
                "Member must have length greater than or equal to {}",
                shape.min
            ))
        } else if len > shape.max {
            Some(format!(
                "Member must have length less than or equal to {}",
                shape.max
            ))
        } else {
            shape
                .pattern
                .as_ref()
                .filter(|p| !(p.matches)(value))
                .map(|p| format!("Member must satisfy regular expression pattern: {}", p.text))
        };
        if let Some(constraint) = broken {
            self.violation(member, value.to_owned(), constraint);
        }
        self
    }

    /// An optional string member: checked only when present.
    pub(crate) fn optional(
        &mut self,
        member: &str,
        value: Option<&str>,
        shape: &StringShape,
    ) -> &mut Self {
        if let Some(v) = value {
            self.string(member, v, shape);
        }
        self
    }

    /// An optional integer member with a range.
    pub(crate) fn range(
        &mut self,
        member: &str,
        value: Option<i64>,
        (min, max): (i64, i64),
    ) -> &mut Self {
        match value {
            Some(v) if v < min => self.violation(
                member,
                v.to_string(),
                format!("Member must have value greater than or equal to {min}"),
            ),
            Some(v) if v > max => self.violation(
                member,
                v.to_string(),
                format!("Member must have value less than or equal to {max}"),
            ),
            _ => {}
        }
        self
    }

    /// Marker and MaxItems of a paged list.
    pub(crate) fn paging(&mut self, marker: Option<&str>, max_items: Option<i64>) -> &mut Self {
        self.optional("marker", marker, &MARKER)
            .range("maxItems", max_items, MAX_ITEMS)
    }

    /// An optional member with an enum of allowed values.
    pub(crate) fn one_of(
        &mut self,
        member: &str,
        value: Option<&str>,
        allowed: &[&str],
    ) -> &mut Self {
        if let Some(v) = value
            && !allowed.contains(&v)
        {
            self.violation(
                member,
                v.to_owned(),
                format!(
                    "Member must satisfy enum value set: [{}]",
                    allowed.join(", ")
                ),
            );
        }
        self
    }

    /// A tag list: at most 50, each key and value within its shape.
    pub(crate) fn tags(&mut self, tags: &[Tag]) -> &mut Self {
        if tags.len() > MAX_TAGS_PER_REQUEST {
            let shown: Vec<String> = tags
                .iter()
                .map(|t| format!("Tag(Key={}, Value={})", t.key, t.value))
                .collect();
            self.violation(
                "tags",
                format!("[{}]", shown.join(", ")),
                format!("Member must have length less than or equal to {MAX_TAGS_PER_REQUEST}"),
            );
        }
        for (i, tag) in tags.iter().enumerate() {
            self.string(&format!("tags.{}.member.key", i + 1), &tag.key, &TAG_KEY);
            self.string(
                &format!("tags.{}.member.value", i + 1),
                &tag.value,
                &TAG_VALUE,
            );
        }
        self
    }

    /// An Untag* key list: at most 50, each a valid key.
    pub(crate) fn tag_keys(&mut self, keys: &[String]) -> &mut Self {
        if keys.len() > MAX_TAGS_PER_REQUEST {
            self.violation(
                "tagKeys",
                format!("[{}]", keys.join(", ")),
                format!("Member must have length less than or equal to {MAX_TAGS_PER_REQUEST}"),
            );
        }
        for (i, key) in keys.iter().enumerate() {
            self.string(&format!("tagKeys.{}.member", i + 1), key, &TAG_KEY);
        }
        self
    }

    /// `Ok` if nothing was broken, else every violation as one ValidationError.
    pub(crate) fn finish(&mut self) -> Result<(), IamError> {
        if self.violations.is_empty() {
            Ok(())
        } else {
            Err(IamError::Validation(ValidationErrors(std::mem::take(
                &mut self.violations,
            ))))
        }
    }
}

/// Tag keys of one request must differ, ignoring case.
pub(crate) fn distinct_tag_keys(tags: &[Tag]) -> Result<(), IamError> {
    let lowered: Vec<String> = tags.iter().map(|t| t.key.to_lowercase()).collect();
    for (i, key) in lowered.iter().enumerate() {
        if lowered[..i].contains(key) {
            return Err(IamError::DuplicateTagKeys);
        }
    }
    Ok(())
}

/// Whether `s` is an ARN at all (`arn:partition:service:region:account:resource`,
/// with partition, service and resource present). IAM answers InvalidInput
/// "ARN … is not valid." for anything else.
pub(crate) fn looks_like_arn(s: &str) -> bool {
    let parts: Vec<&str> = s.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && !parts[1].is_empty()
        && !parts[2].is_empty()
        && !parts[5].is_empty()
}

/// A 12-digit AWS account id.
pub(crate) fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(f: impl FnOnce(&mut Checks)) -> Option<String> {
        let mut checks = Checks::new();
        f(&mut checks);
        checks.finish().err().map(|e| e.to_string())
    }

    #[test]
    fn patterns_accept_and_refuse_like_the_model() {
        type Case = (fn(&str) -> bool, &'static str, bool);
        let table: &[Case] = &[
            (entity_name, "bob.smith+ops=1,a@b-c_d", true),
            (entity_name, "bob smith", false),
            (entity_name, "bób", false),
            (entity_name, "", false),
            (path, "/", true),
            (path, "/a/b/", true),
            (path, "//", false),
            (path, "/a", false),
            (path, "a/", false),
            (path, "/a b/", false),
            (path_prefix, "/", true),
            (path_prefix, "/a/b", true),
            (path_prefix, "a/", false),
            (policy_path, "/", true),
            (policy_path, "/a/b.c/", true),
            (policy_path, "//", false),
            (policy_path, "/a//b/", false),
            (policy_path, "/a/b", false),
            (policy_path, "/a~b/", false),
            (marker, "abc def", true),
            (marker, "a\u{100}", false),
            (policy_document, "{\n\t\"a\": \"é\"\r}", true),
            (policy_document, "{\"a\": \"\u{2019}\"}", false),
            (policy_document, "\u{1}", false),
            (role_description, "", true),
            (role_description, "plain ¡ok!", true),
            (role_description, "\u{7F}", false),
            (version_id, "v1", true),
            (version_id, "v12", true),
            (version_id, "v1.abc-1", true),
            (version_id, "v0", false),
            (version_id, "v", false),
            (version_id, "1", false),
            (version_id, "v1.a_b", false),
            (word, "AKIAIOSFODNN7EXAMPLE", true),
            (word, "AKIA-1", false),
            (tag_key, "Cost Center:é/1", true),
            (tag_key, "", false),
            (tag_key, "a*b", false),
            (tag_value, "", true),
            (tag_value, "a!b", false),
        ];
        for (test, input, expected) in table {
            assert_eq!(test(input), *expected, "{input:?}");
        }
    }

    #[test]
    fn length_is_checked_before_the_pattern() {
        assert_eq!(
            message(|c| {
                c.string("userName", "", &USER_NAME);
            })
            .as_deref(),
            Some(
                "1 validation error detected: Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1"
            )
        );
        let long = "a".repeat(65);
        assert_eq!(
            message(|c| {
                c.string("userName", &long, &USER_NAME);
            }),
            Some(format!(
                "1 validation error detected: Value '{long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"
            ))
        );
        assert_eq!(
            message(|c| {
                c.string("userName", "x y", &USER_NAME);
            })
            .as_deref(),
            Some(
                "1 validation error detected: Value 'x y' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
            )
        );
        assert_eq!(
            message(|c| {
                c.string("userName", &"a".repeat(128), &EXISTING_USER_NAME);
            }),
            None
        );
    }

    #[test]
    fn ranges_enums_and_every_broken_member_are_reported() {
        assert_eq!(
            message(|c| {
                c.paging(Some(""), Some(0));
            })
            .as_deref(),
            Some(
                "2 validation errors detected: Value '' at 'marker' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1"
            )
        );
        assert_eq!(
            message(|c| {
                c.range("maxItems", Some(1001), MAX_ITEMS);
            })
            .as_deref(),
            Some(
                "1 validation error detected: Value '1001' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000"
            )
        );
        assert_eq!(
            message(|c| {
                c.one_of("status", Some("On"), &["Active", "Inactive", "Expired"]);
            })
            .as_deref(),
            Some(
                "1 validation error detected: Value 'On' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"
            )
        );
        assert_eq!(
            message(|c| {
                c.paging(Some("m"), Some(1000));
            }),
            None
        );
    }

    #[test]
    fn tags_are_checked_member_by_member() {
        let tags = vec![
            Tag {
                key: "ok".into(),
                value: "fine".into(),
            },
            Tag {
                key: "bad*".into(),
                value: "x".repeat(257),
            },
        ];
        let msg = message(|c| {
            c.tags(&tags);
        })
        .unwrap_or_default();
        assert!(msg.starts_with("2 validation errors detected: Value 'bad*' at 'tags.2.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"), "{msg}");
        assert!(msg.contains("at 'tags.2.member.value' failed to satisfy constraint: Member must have length less than or equal to 256"), "{msg}");
        let many: Vec<Tag> = (0..51)
            .map(|i| Tag {
                key: format!("k{i}"),
                value: String::new(),
            })
            .collect();
        let msg = message(|c| {
            c.tags(&many);
        })
        .unwrap_or_default();
        assert!(msg.contains("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"), "{msg}");
        let keys: Vec<String> = vec!["a".into(), String::new()];
        assert!(
            message(|c| {
                c.tag_keys(&keys);
            })
            .unwrap_or_default()
            .contains("at 'tagKeys.2.member'")
        );
    }

    #[test]
    fn duplicate_tag_keys_ignore_case() {
        let t = |k: &str| Tag {
            key: k.into(),
            value: String::new(),
        };
        assert!(distinct_tag_keys(&[t("a"), t("b")]).is_ok());
        assert!(matches!(
            distinct_tag_keys(&[t("Env"), t("ENV")]),
            Err(IamError::DuplicateTagKeys)
        ));
    }

    #[test]
    fn arns_and_account_ids() {
        assert!(looks_like_arn(
            "arn:aws:iam::aws:policy/AdministratorAccess"
        ));
        assert!(looks_like_arn("arn:aws:s3:::bucket"));
        assert!(!looks_like_arn("AdministratorAccess"));
        assert!(!looks_like_arn("arn:aws:iam::123456789012"));
        assert!(!looks_like_arn("arn::iam::1:policy/x"));
        assert!(is_account_id("123456789012"));
        assert!(!is_account_id("12345678901"));
        assert!(!is_account_id("12345678901a"));
    }
}
