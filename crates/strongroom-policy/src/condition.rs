//! The `Condition` element: operators, their values, and how they evaluate.
//!
//! Semantics (IAM User Guide, "Condition operators" and "Multivalued context keys"):
//! - Several operators in a block, and several keys under one operator, are ANDed.
//! - Several values for one key are ORed. For the negated operators
//!   (`StringNotEquals`, `StringNotEqualsIgnoreCase`, `StringNotLike`,
//!   `NumericNotEquals`, `DateNotEquals`, `NotIpAddress`, `ArnNotEquals`,
//!   `ArnNotLike`) the request value must match none of them.
//! - A key the request lacks makes a positive operator false and a negated one true;
//!   the `…IfExists` suffix makes it true for every operator (`Null` takes no suffix).
//! - `Null: true` holds when the key is absent (or present with no values),
//!   `Null: false` when it has a value.
//! - Without a set qualifier, a multivalued key satisfies a positive operator when any
//!   of its values matches, and a negated one when none does.
//!   `ForAnyValue:` needs at least one request value to satisfy the operator (false
//!   when the key is absent or empty); `ForAllValues:` needs every request value to
//!   (true when the key is absent or empty).
//! - Dates are ISO 8601 (`2026-12-01T15:00:00Z`, `2026-12-01`) or epoch seconds; both
//!   spellings compare as instants. Numbers are decimal. `Bool` compares `true`/`false`
//!   ignoring case. `IpAddress` takes IPv4 and IPv6 CIDRs or bare addresses.
//!   `ArnEquals` and `ArnLike` are the same test: field by field, wildcards allowed.
//! - Policy variables (2012-10-17 policies) are substituted in the values of the
//!   string and ARN operators only, as IAM documents; elsewhere `${…}` is text.
//!
//! Values are parsed once, when the policy is parsed: dates, numbers and CIDRs are
//! converted, wildcard patterns compiled, condition keys lower-cased.

use ipnet::IpNet;
use jiff::Timestamp;
use jiff::civil;
use jiff::tz::Offset;
use serde_json::Value as Json;

use crate::PolicyError;
use crate::eval::Env;
use crate::glob::{self, ArnPattern, Glob};
use crate::template::Template;

/// What kind of comparison an operator makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    String,
    StringIgnoreCase,
    StringLike,
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// The ordering test of the numeric and date operators: request value `cmp` policy value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

/// The set qualifier in front of an operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Qualifier {
    None,
    ForAnyValue,
    ForAllValues,
}

/// A parsed operator name such as `ForAnyValue:StringNotLikeIfExists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    family: Family,
    negated: bool,
    qualifier: Qualifier,
    if_exists: bool,
}

/// Parses an operator name exactly as IAM spells it; `None` if IAM does not know it.
fn parse_operator(name: &str) -> Option<Operator> {
    let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
        (Qualifier::ForAnyValue, rest)
    } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
        (Qualifier::ForAllValues, rest)
    } else {
        (Qualifier::None, name)
    };
    let (base, if_exists) = match rest.strip_suffix("IfExists") {
        Some(base) => (base, true),
        None => (rest, false),
    };
    let (family, negated) = match base {
        "StringEquals" => (Family::String, false),
        "StringNotEquals" => (Family::String, true),
        "StringEqualsIgnoreCase" => (Family::StringIgnoreCase, false),
        "StringNotEqualsIgnoreCase" => (Family::StringIgnoreCase, true),
        "StringLike" => (Family::StringLike, false),
        "StringNotLike" => (Family::StringLike, true),
        "NumericEquals" => (Family::Numeric(Cmp::Eq), false),
        "NumericNotEquals" => (Family::Numeric(Cmp::Eq), true),
        "NumericLessThan" => (Family::Numeric(Cmp::Lt), false),
        "NumericLessThanEquals" => (Family::Numeric(Cmp::Le), false),
        "NumericGreaterThan" => (Family::Numeric(Cmp::Gt), false),
        "NumericGreaterThanEquals" => (Family::Numeric(Cmp::Ge), false),
        "DateEquals" => (Family::Date(Cmp::Eq), false),
        "DateNotEquals" => (Family::Date(Cmp::Eq), true),
        "DateLessThan" => (Family::Date(Cmp::Lt), false),
        "DateLessThanEquals" => (Family::Date(Cmp::Le), false),
        "DateGreaterThan" => (Family::Date(Cmp::Gt), false),
        "DateGreaterThanEquals" => (Family::Date(Cmp::Ge), false),
        "Bool" => (Family::Bool, false),
        "BinaryEquals" => (Family::Binary, false),
        "IpAddress" => (Family::Ip, false),
        "NotIpAddress" => (Family::Ip, true),
        "ArnEquals" | "ArnLike" => (Family::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Family::Arn, true),
        // `Null` tests presence itself, so "if exists" would make it meaningless.
        "Null" if !if_exists => (Family::Null, false),
        _ => return None,
    };
    Some(Operator {
        family,
        negated,
        qualifier,
        if_exists,
    })
}

/// One compiled policy value of a condition.
#[derive(Debug, Clone)]
enum CondValue {
    /// Compared as text (string, ignore-case, binary and boolean operators).
    Text(Box<str>),
    /// A `StringLike` pattern without variables.
    Glob(Glob),
    /// An ARN pattern without variables.
    Arn(ArnPattern),
    /// A string or ARN value with policy variables, resolved per request.
    Template(Template),
    Num(f64),
    Date(Timestamp),
    Ip(IpNet),
    /// `Null`'s `true` (key must be absent) or `false` (key must be present).
    Null(bool),
    /// A value that cannot hold for its operator (`NumericEquals: "abc"`): matches nothing.
    Never,
}

/// One operator applied to one key with its values.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    op: Operator,
    /// Lower-cased: condition key names are case-insensitive.
    key: Box<str>,
    values: Box<[CondValue]>,
    /// The values as written, kept only for [`Condition::pins_caller`].
    raw: Box<[String]>,
}

/// The values of one condition key as JSON allows them: a string, number or boolean
/// (IAM accepts `true` and `"true"` alike), or a list of those.
fn json_values(v: &Json) -> Result<Vec<String>, PolicyError> {
    fn scalar(v: &Json) -> Result<String, PolicyError> {
        match v {
            Json::String(s) => Ok(s.clone()),
            Json::Number(n) => Ok(n.to_string()),
            Json::Bool(b) => Ok(b.to_string()),
            _ => Err(PolicyError::Syntax),
        }
    }
    match v {
        Json::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

/// Checks the shape of a `Condition` element: an object of operators, each an object
/// of keys. An unknown operator is a syntax error unless its block is empty, which
/// IAM ignores.
pub(crate) fn check_syntax(condition: &Json) -> Result<(), PolicyError> {
    let Json::Object(ops) = condition else {
        return Err(PolicyError::Syntax);
    };
    for (name, block) in ops {
        let Json::Object(keys) = block else {
            return Err(PolicyError::Syntax);
        };
        for v in keys.values() {
            json_values(v)?;
        }
        if parse_operator(name).is_none() && !keys.is_empty() {
            return Err(PolicyError::Syntax);
        }
    }
    Ok(())
}

/// Compiles a `Condition` element whose syntax [`check_syntax`] accepted.
/// `substitute` is true for 2012-10-17 policies, whose values may hold variables.
/// A date IAM cannot read is [`PolicyError::LegacyParsing`], as in IAM.
pub(crate) fn compile(condition: &Json, substitute: bool) -> Result<Vec<Condition>, PolicyError> {
    let mut out = Vec::new();
    let Json::Object(ops) = condition else {
        return Err(PolicyError::Syntax);
    };
    for (name, block) in ops {
        let Json::Object(keys) = block else {
            return Err(PolicyError::Syntax);
        };
        let Some(op) = parse_operator(name) else {
            // Only empty blocks get here (see `check_syntax`); they constrain nothing.
            continue;
        };
        for (key, v) in keys {
            let raw = json_values(v)?;
            let values = raw
                .iter()
                .map(|s| compile_value(op.family, s, substitute))
                .collect::<Result<Vec<_>, _>>()?;
            out.push(Condition {
                op,
                key: key.to_lowercase().into_boxed_str(),
                values: values.into_boxed_slice(),
                raw: raw.into_boxed_slice(),
            });
        }
    }
    Ok(out)
}

fn compile_value(family: Family, s: &str, substitute: bool) -> Result<CondValue, PolicyError> {
    let template = || if substitute { Template::parse(s) } else { None };
    Ok(match family {
        Family::String | Family::StringIgnoreCase => match template() {
            Some(t) => CondValue::Template(t),
            None => CondValue::Text(s.into()),
        },
        Family::StringLike => match template() {
            Some(t) => CondValue::Template(t),
            None => CondValue::Glob(Glob::new(s)),
        },
        Family::Arn => match template() {
            Some(t) => CondValue::Template(t),
            None => CondValue::Arn(ArnPattern::new(s)),
        },
        Family::Binary => CondValue::Text(s.into()),
        Family::Bool => match s.to_ascii_lowercase().as_str() {
            b @ ("true" | "false") => CondValue::Text(b.into()),
            _ => CondValue::Never,
        },
        Family::Numeric(_) => parse_number(s).map_or(CondValue::Never, CondValue::Num),
        Family::Date(_) => CondValue::Date(parse_date(s).ok_or(PolicyError::LegacyParsing)?),
        Family::Ip => parse_ip(s).map_or(CondValue::Never, CondValue::Ip),
        Family::Null => match s.to_ascii_lowercase().as_str() {
            "true" => CondValue::Null(true),
            "false" => CondValue::Null(false),
            _ => CondValue::Never,
        },
    })
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// Parses a date as IAM reads one: epoch seconds, or ISO 8601 with or without a time
/// and offset (a missing offset means UTC). Instants past jiff's range (year 9999)
/// clamp to its ends, which keeps every comparison IAM could make meaningful.
pub(crate) fn parse_date(s: &str) -> Option<Timestamp> {
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        let secs: i64 = s.parse().ok()?;
        return Some(Timestamp::from_second(secs).unwrap_or(Timestamp::MAX));
    }
    if let Ok(t) = s.parse::<Timestamp>() {
        return Some(t);
    }
    if let Ok(dt) = s.parse::<civil::DateTime>() {
        return Offset::UTC.to_timestamp(dt).ok();
    }
    if let Ok(d) = s.parse::<civil::Date>() {
        return Offset::UTC
            .to_timestamp(d.to_datetime(civil::Time::midnight()))
            .ok();
    }
    None
}

/// A CIDR or a bare address (a /32 or /128 network).
fn parse_ip(s: &str) -> Option<IpNet> {
    let s = s.trim();
    if let Ok(net) = s.parse::<IpNet>() {
        return Some(net.trunc());
    }
    s.parse::<std::net::IpAddr>().ok().map(IpNet::from)
}

/// A request value converted once for the operator family, before it is compared
/// with every policy value.
enum Parsed<'s> {
    Text(&'s str),
    Num(Option<f64>),
    Date(Option<Timestamp>),
    Ip(Option<std::net::IpAddr>),
}

impl Condition {
    /// The condition's verdict for one request, in a Deny statement (`deny`)
    /// or an Allow one (which matters only for ambiguous keys).
    pub(crate) fn evaluate(&self, env: &Env<'_>, deny: bool) -> bool {
        let found = env.get(&self.key);
        if self.op.family == Family::Null {
            // IAM treats a key present with no values as null too: the User Guide's
            // multivalued-key examples use `Null: false` to stop "missing context keys
            // or context keys with empty values" from satisfying `ForAllValues`.
            let absent = found.as_ref().is_none_or(|v| v.iter().next().is_none());
            return self
                .values
                .iter()
                .any(|v| matches!(v, CondValue::Null(want) if *want == absent));
        }
        let Some(found) = found else {
            return self.op.if_exists
                || match self.op.qualifier {
                    Qualifier::ForAllValues => true,
                    Qualifier::ForAnyValue => false,
                    Qualifier::None => self.op.negated,
                };
        };
        // For one request value: a positive operator wants some policy value to match,
        // a negated one wants none to.
        let holds = |request: &str| self.any_policy_value_matches(request, env) != self.op.negated;
        match self.op.qualifier {
            Qualifier::ForAllValues => found.iter().all(holds),
            Qualifier::ForAnyValue => found.iter().any(holds),
            // Candidates for one value: as if each were the value alone, a
            // Deny applies if any would trigger it, an Allow only if all do.
            Qualifier::None if env.ambiguous(&self.key) => {
                if deny {
                    found.iter().any(holds)
                } else {
                    found.iter().all(holds)
                }
            }
            Qualifier::None if self.op.negated => found.iter().all(holds),
            Qualifier::None => found.iter().any(holds),
        }
    }

    fn any_policy_value_matches(&self, request: &str, env: &Env<'_>) -> bool {
        let parsed = match self.op.family {
            Family::Numeric(_) => Parsed::Num(parse_number(request)),
            Family::Date(_) => Parsed::Date(parse_date(request)),
            Family::Ip => Parsed::Ip(request.trim().parse().ok()),
            _ => Parsed::Text(request),
        };
        self.values
            .iter()
            .any(|value| self.value_matches(value, &parsed, env))
    }

    fn value_matches(&self, value: &CondValue, request: &Parsed<'_>, env: &Env<'_>) -> bool {
        let lookup = |key: &str| env.single(key);
        match (value, request) {
            (CondValue::Text(t), Parsed::Text(r)) => match self.op.family {
                Family::StringIgnoreCase => eq_ignore_case(t, r),
                Family::Bool => t.eq_ignore_ascii_case(r),
                _ => **t == **r,
            },
            (CondValue::Glob(g), Parsed::Text(r)) => g.matches(r),
            (CondValue::Arn(p), Parsed::Text(r)) => p.matches(r),
            (CondValue::Template(t), Parsed::Text(r)) => match self.op.family {
                Family::String => t.resolve_text(&lookup).is_some_and(|v| *v == **r),
                Family::StringIgnoreCase => t
                    .resolve_text(&lookup)
                    .is_some_and(|v| eq_ignore_case(&v, r)),
                Family::StringLike => t
                    .resolve_segments(&lookup)
                    .is_some_and(|segs| glob::match_segments(&segs, r, false)),
                Family::Arn => t
                    .resolve_segments(&lookup)
                    .is_some_and(|segs| ArnPattern::from_segments(segs).matches(r)),
                _ => false,
            },
            (CondValue::Num(p), Parsed::Num(Some(r))) => self.cmp().holds(*r, *p),
            (CondValue::Date(p), Parsed::Date(Some(r))) => self.cmp().holds(*r, *p),
            (CondValue::Ip(net), Parsed::Ip(Some(addr))) => net.contains(addr),
            _ => false,
        }
    }

    fn cmp(&self) -> Cmp {
        match self.op.family {
            Family::Numeric(c) | Family::Date(c) => c,
            _ => Cmp::Eq,
        }
    }

    /// True when this condition confines the caller to specific accounts, organizations,
    /// networks or identities, so that an `Allow` to everyone is not public
    /// (Secrets Manager's `BlockPublicPolicy`). Deliberately strict: any doubt (a
    /// wildcard, a variable, `IfExists`, `ForAllValues`, a negated operator, `0.0.0.0/0`)
    /// counts as not confining.
    pub(crate) fn pins_caller(&self) -> bool {
        const PINNING_KEYS: [&str; 10] = [
            "aws:principalaccount",
            "aws:principalorgid",
            "aws:principalarn",
            "aws:sourceaccount",
            "aws:sourcearn",
            "aws:sourcevpc",
            "aws:sourcevpce",
            "aws:sourceip",
            "aws:userid",
            "aws:username",
        ];
        let op = self.op;
        if !PINNING_KEYS.contains(&&*self.key)
            || op.negated
            || op.if_exists
            || op.qualifier == Qualifier::ForAllValues
            || self.raw.is_empty()
        {
            return false;
        }
        let arn_key = matches!(&*self.key, "aws:principalarn" | "aws:sourcearn");
        match op.family {
            Family::String | Family::StringIgnoreCase | Family::StringLike | Family::Arn => {
                self.raw.iter().all(|v| value_pins(v, arn_key))
            }
            Family::Ip => self.values.iter().all(|v| match v {
                CondValue::Ip(net) => net.prefix_len() > 0,
                _ => false,
            }),
            _ => false,
        }
    }
}

/// A single value pins when it has no wildcard and no variable, or (for ARN-valued keys)
/// when at least its account field is a literal account id.
fn value_pins(v: &str, arn_key: bool) -> bool {
    let wild = |s: &str| s.is_empty() || s.contains(['*', '?']) || s.contains("${");
    if !wild(v) {
        return true;
    }
    arn_key
        && !v.contains("${")
        && v.split(':').nth(4).is_some_and(|account| {
            account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Case-insensitive equality by Unicode lower case, without allocating.
fn eq_ignore_case(a: &str, b: &str) -> bool {
    a.chars()
        .flat_map(char::to_lowercase)
        .eq(b.chars().flat_map(char::to_lowercase))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn operator_names() {
        let op = parse_operator("ForAnyValue:StringNotLikeIfExists").unwrap();
        assert_eq!(op.family, Family::StringLike);
        assert!(op.negated && op.if_exists);
        assert_eq!(op.qualifier, Qualifier::ForAnyValue);
        assert!(parse_operator("NullIfExists").is_none());
        assert!(parse_operator("ForAnyValue::StringEquals").is_none());
        assert!(parse_operator("stringequals").is_none());
    }

    #[test]
    fn dates_in_both_spellings() {
        let iso = parse_date("2026-12-01T15:00:00Z").unwrap();
        assert_eq!(parse_date(&iso.as_second().to_string()), Some(iso));
        assert_eq!(parse_date("2026-12-01T15:00:00"), Some(iso));
        assert!(parse_date("2026-12-01").unwrap() < iso);
        assert!(parse_date("sdfdsf").is_none());
        assert!(parse_date("9223372036854775808").is_none());
    }
}
