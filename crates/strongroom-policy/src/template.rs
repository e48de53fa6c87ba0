//! Policy variables: `${aws:username}`, `${aws:PrincipalTag/team}`, any other
//! context key, `${key, 'default'}`, and the escapes `${*}`, `${?}`, `${$}`.
//!
//! IAM substitutes variables only in policies with `"Version": "2012-10-17"`; in
//! 2008 policies (or without `Version`) `${…}` is plain text, so the parser only
//! builds templates for 2012 policies. A value that comes from a variable or an
//! escape is always literal text: a `*` inside a tag value is not a wildcard, and
//! `${*}` is the way to write a literal `*` in a `StringLike` or `Resource` pattern.
//! A variable whose key the request lacks, and which has no default, makes the
//! whole entry (one `Resource` pattern, one condition value) match nothing.

use std::borrow::Cow;

use crate::glob::{self, Seg};

/// One piece of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    /// Text as written in the policy (wildcards keep their meaning in patterns).
    Text(String),
    /// A context key (lower-cased, since key names are case-insensitive) and its default.
    Var {
        key: String,
        default: Option<String>,
    },
    /// The character an escape stands for (`*`, `?` or `$`).
    Escaped(char),
}

/// A string from a policy that contains at least one `${…}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Template {
    parts: Box<[Part]>,
}

impl Template {
    /// Parses `s`; `None` when it contains no variable or escape, so callers can keep
    /// the fast static form. An unterminated or malformed `${` stays literal text.
    pub(crate) fn parse(s: &str) -> Option<Template> {
        if !s.contains("${") {
            return None;
        }
        let mut parts = Vec::new();
        let mut text = String::new();
        let mut rest = s;
        while let Some(start) = rest.find("${") {
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else { break };
            let Some(part) = parse_inner(&after[..end]) else {
                // Not a variable: keep `${` as text and look further on.
                text.push_str(&rest[..start + 2]);
                rest = after;
                continue;
            };
            text.push_str(&rest[..start]);
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(part);
            rest = &after[end + 1..];
        }
        text.push_str(rest);
        if !text.is_empty() {
            parts.push(Part::Text(text));
        }
        if parts.iter().all(|p| matches!(p, Part::Text(_))) {
            return None;
        }
        Some(Template {
            parts: parts.into_boxed_slice(),
        })
    }

    /// The value with variables substituted, wildcards in it meaningless
    /// (for `StringEquals` and friends). `None` if a variable cannot be resolved.
    pub(crate) fn resolve_text<'v>(
        &self,
        lookup: &dyn Fn(&str) -> Option<&'v str>,
    ) -> Option<Cow<'v, str>> {
        let mut out = String::new();
        for part in self.parts.iter() {
            match part {
                Part::Text(t) => out.push_str(t),
                Part::Escaped(c) => out.push(*c),
                Part::Var { key, default } => out.push_str(resolve_var(key, default, lookup)?),
            }
        }
        Some(Cow::Owned(out))
    }

    /// The value as wildcard segments: `*`/`?` written in the policy are wildcards,
    /// substituted values and escapes are literal. `None` if a variable cannot be resolved.
    pub(crate) fn resolve_segments<'v>(
        &self,
        lookup: &dyn Fn(&str) -> Option<&'v str>,
    ) -> Option<Vec<Seg>> {
        let mut out = Vec::new();
        for part in self.parts.iter() {
            match part {
                Part::Text(t) => glob::push_wild_text(&mut out, t),
                Part::Escaped(c) => glob::push_literal(&mut out, c.encode_utf8(&mut [0; 4])),
                Part::Var { key, default } => {
                    glob::push_literal(&mut out, resolve_var(key, default, lookup)?);
                }
            }
        }
        Some(out)
    }
}

fn resolve_var<'a, 'v: 'a>(
    key: &str,
    default: &'a Option<String>,
    lookup: &dyn Fn(&str) -> Option<&'v str>,
) -> Option<&'a str> {
    lookup(key).or(default.as_deref())
}

/// Parses what stands between `${` and `}`.
fn parse_inner(inner: &str) -> Option<Part> {
    match inner {
        "*" => return Some(Part::Escaped('*')),
        "?" => return Some(Part::Escaped('?')),
        "$" => return Some(Part::Escaped('$')),
        _ => {}
    }
    let (key, default) = match inner.split_once(',') {
        None => (inner.trim(), None),
        Some((key, default)) => {
            // IAM writes defaults in single quotes: `${aws:username, 'nobody'}`.
            let d = default.trim();
            let quoted = d.strip_prefix('\'').and_then(|d| d.strip_suffix('\''))?;
            (key.trim(), Some(quoted.to_owned()))
        }
    };
    if key.is_empty() || key.contains(char::is_whitespace) {
        return None;
    }
    Some(Part::Var {
        key: key.to_lowercase(),
        default,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn lookup(key: &str) -> Option<&'static str> {
        match key {
            "aws:username" => Some("alice"),
            "aws:principaltag/team" => Some("blue"),
            _ => None,
        }
    }

    #[test]
    fn resolves_text() {
        let cases: &[(&str, Option<&str>)] = &[
            ("home/${aws:username}/x", Some("home/alice/x")),
            ("${aws:UserName}", Some("alice")),
            (
                "${aws:PrincipalTag/Team}-${aws:username}",
                Some("blue-alice"),
            ),
            ("${aws:missing}", None),
            ("${aws:missing, 'dflt'}", Some("dflt")),
            ("${aws:missing,'x y'}", Some("x y")),
            ("a${*}b${?}c${$}", Some("a*b?c$")),
        ];
        for (s, want) in cases {
            let t = Template::parse(s).unwrap();
            assert_eq!(t.resolve_text(&lookup).as_deref(), *want, "{s}");
        }
    }

    #[test]
    fn plain_and_malformed_stay_text() {
        assert!(Template::parse("no variables").is_none());
        assert!(Template::parse("${unterminated").is_none());
        assert!(Template::parse("${bad default, nope}").is_none());
    }
}
