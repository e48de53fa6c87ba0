//! The `Principal` / `NotPrincipal` element: parsing, validation and matching.
//!
//! Only `AWS` principals can ever match a Strongroom caller; `Service`,
//! `Federated` and `CanonicalUser` entries are parsed and validated so policies
//! written for AWS are accepted, but they never match.
//!
//! An `AWS` entry is one of three things:
//! - `*`: everyone (also written `"Principal": "*"`);
//! - an account, as 12 digits or `arn:aws:iam::ACCOUNT:root`: it delegates to the
//!   account's own identity policies and is never a grant on its own;
//! - an identity ARN (`…:user/…`, `…:role/…`, `arn:aws:sts::…:assumed-role/R/S`,
//!   `arn:aws:sts::…:federated-user/N`), matched exactly. A role ARN also matches
//!   every session of that role.

use serde_json::Value;

use crate::PolicyError;
use crate::eval::Principal;

/// One parsed `AWS` principal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AwsPrincipal {
    /// `*`
    Any,
    /// A 12-digit account id (from either spelling).
    Account(Box<str>),
    /// A user, role, session or federated-user ARN.
    Arn(Box<str>),
}

/// The parsed value of a `Principal` or `NotPrincipal` element.
#[derive(Debug, Clone, Default)]
pub(crate) struct PrincipalSet {
    /// The `AWS` entries (and `"*"` written bare). Service, federated and canonical-user
    /// entries are validated but not kept: they never match a Strongroom caller.
    pub(crate) aws: Vec<AwsPrincipal>,
}

/// How a principal entry matched the caller, from weakest to strongest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PrincipalMatch {
    /// Nothing matched.
    None,
    /// The caller's account was named: delegation to its identity policies.
    Account,
    /// `*`, the caller's ARN, or (for a session) its role's ARN.
    Direct,
    /// The session ARN itself; a grant IAM does not narrow by the session policy.
    Session,
}

impl PrincipalSet {
    /// True when the set names everyone.
    pub(crate) fn is_any(&self) -> bool {
        self.aws.contains(&AwsPrincipal::Any)
    }

    /// The strongest way any entry matches `caller`.
    pub(crate) fn best_match(&self, caller: &Principal<'_>) -> PrincipalMatch {
        let mut best = PrincipalMatch::None;
        for entry in &self.aws {
            let m = match entry {
                AwsPrincipal::Any => PrincipalMatch::Direct,
                AwsPrincipal::Account(a) if **a == *caller.account => PrincipalMatch::Account,
                AwsPrincipal::Arn(arn) if **arn == *caller.arn => {
                    if caller.role_arn.is_some() {
                        PrincipalMatch::Session
                    } else {
                        PrincipalMatch::Direct
                    }
                }
                AwsPrincipal::Arn(arn) if caller.role_arn == Some(&**arn) => PrincipalMatch::Direct,
                _ => PrincipalMatch::None,
            };
            best = best.max(m);
            if best == PrincipalMatch::Session {
                break;
            }
        }
        best
    }
}

/// Parses the JSON value of `Principal`/`NotPrincipal`. Shape errors are
/// [`PolicyError::Syntax`]; value errors are reported later by [`validate`], because
/// IAM checks principals after the rest of the grammar.
pub(crate) fn parse(value: &Value) -> Result<RawPrincipal, PolicyError> {
    match value {
        Value::String(s) if s == "*" => Ok(RawPrincipal(vec![("AWS", "*".to_owned())])),
        Value::Object(map) => {
            let mut entries = Vec::new();
            for (kind, v) in map {
                let kind = match kind.as_str() {
                    "AWS" => "AWS",
                    "Service" => "SERVICE",
                    "Federated" => "FEDERATED",
                    "CanonicalUser" => "CANONICALUSER",
                    _ => return Err(PolicyError::Syntax),
                };
                for s in crate::parse::string_or_list(v)? {
                    entries.push((kind, s));
                }
            }
            Ok(RawPrincipal(entries))
        }
        _ => Err(PolicyError::Syntax),
    }
}

/// Principal entries as written, with IAM's upper-cased type name.
#[derive(Debug, Clone)]
pub(crate) struct RawPrincipal(pub(crate) Vec<(&'static str, String)>);

impl RawPrincipal {
    /// True when no entry at all was given.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Validates every entry and compiles the set.
pub(crate) fn validate(raw: &RawPrincipal) -> Result<PrincipalSet, PolicyError> {
    let mut set = PrincipalSet::default();
    for (kind, value) in &raw.0 {
        let invalid = || PolicyError::InvalidPrincipal {
            kind,
            value: value.clone(),
        };
        match *kind {
            "AWS" => set.aws.push(parse_aws(value).ok_or_else(invalid)?),
            "SERVICE" => {
                // `lambda.amazonaws.com`; IAM refuses `lambda` and `amazonaws.com`.
                let labels = value.split('.').count();
                if labels < 3 || value.split('.').any(str::is_empty) || has_bad_chars(value) {
                    return Err(invalid());
                }
            }
            _ => {
                if value.is_empty() || has_bad_chars(value) {
                    return Err(invalid());
                }
            }
        }
    }
    Ok(set)
}

fn has_bad_chars(s: &str) -> bool {
    s.contains(|c: char| c == '*' || c == '?' || c.is_whitespace())
}

fn is_account_id(s: &str) -> bool {
    s.len() == 12 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Parses one `AWS` principal value; `None` if IAM would call it invalid.
fn parse_aws(value: &str) -> Option<AwsPrincipal> {
    if value == "*" {
        return Some(AwsPrincipal::Any);
    }
    if is_account_id(value) {
        return Some(AwsPrincipal::Account(value.into()));
    }
    if has_bad_chars(value) {
        return None;
    }
    let mut fields = value.splitn(6, ':');
    let (Some("arn"), Some("aws"), Some(service), Some(""), Some(account), Some(resource)) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return None;
    };
    if !is_account_id(account) {
        return None;
    }
    let named = |prefix: &str, min_parts: usize| {
        resource.strip_prefix(prefix).is_some_and(|rest| {
            rest.split('/').count() >= min_parts && !rest.split('/').any(str::is_empty)
        })
    };
    match service {
        "iam" if resource == "root" => Some(AwsPrincipal::Account(account.into())),
        "iam" if named("user/", 1) || named("role/", 1) => Some(AwsPrincipal::Arn(value.into())),
        "sts" if named("assumed-role/", 2) || named("federated-user/", 1) => {
            Some(AwsPrincipal::Arn(value.into()))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn aws_values() {
        let cases: &[(&str, Option<AwsPrincipal>)] = &[
            ("*", Some(AwsPrincipal::Any)),
            (
                "111122223333",
                Some(AwsPrincipal::Account("111122223333".into())),
            ),
            (
                "arn:aws:iam::111122223333:root",
                Some(AwsPrincipal::Account("111122223333".into())),
            ),
            (
                "arn:aws:iam::111122223333:user/alice",
                Some(AwsPrincipal::Arn(
                    "arn:aws:iam::111122223333:user/alice".into(),
                )),
            ),
            (
                "arn:aws:iam::111122223333:role/p/R",
                Some(AwsPrincipal::Arn(
                    "arn:aws:iam::111122223333:role/p/R".into(),
                )),
            ),
            (
                "arn:aws:sts::111122223333:assumed-role/R/s",
                Some(AwsPrincipal::Arn(
                    "arn:aws:sts::111122223333:assumed-role/R/s".into(),
                )),
            ),
            ("arn:aws:sts::111122223333:assumed-role/R", None),
            ("arn:aws:iam::111122223333:group/g", None),
            ("arn:aws:iam::1111:user/alice", None),
            ("arn:aws:iam::111122223333:user/*", None),
            ("alice", None),
            ("11112222333", None),
        ];
        for (value, want) in cases {
            assert_eq!(&parse_aws(value), want, "{value}");
        }
    }
}
