//! Reading a policy document: the grammar, IAM's validation rules and messages,
//! and compilation into the form [`crate::authorize`] evaluates.
//!
//! The grammar (IAM User Guide, "Grammar of the IAM JSON policy language"):
//! `Version` (`2012-10-17` or `2008-10-17`; absent means 2008 semantics, where
//! policy variables are plain text), `Id`, and `Statement` (one object or a
//! non-empty array). A statement has `Sid`, `Effect` (`Allow` | `Deny`),
//! `Principal` | `NotPrincipal`, `Action` | `NotAction`, `Resource` |
//! `NotResource`, and `Condition`. Anything else is a syntax error.
//!
//! Which elements a document needs depends on its [`PolicyKind`]:
//!
//! | kind     | Principal  | Resource   |
//! |----------|------------|------------|
//! | Identity | forbidden  | required   |
//! | Session  | forbidden  | required   |
//! | Resource | required   | required   |
//! | Trust    | required   | prohibited |
//!
//! When a document breaks several rules, IAM reports one; the checks run in the
//! order moto and LocalStack reproduce from IAM: syntax, then the principal rules
//! of the kind, then "legacy parsing" (exact `Effect` spelling, dates, resource
//! colons), then `Sid` uniqueness, missing actions, resource format, action
//! format, missing (or, in trust policies, prohibited) resources, and finally
//! principal values.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::{Map, Value};

use crate::PolicyError;
use crate::condition::{self, Condition};
use crate::glob::{ArnPattern, Glob};
use crate::principal::{self, PrincipalSet, RawPrincipal};
use crate::template::Template;

/// Which kind of document is being parsed; decides required/forbidden elements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyKind {
    /// Attached to a user, group or role: no `Principal`, `Resource` required.
    Identity,
    /// Attached to a resource (a secret's resource policy, a KMS key policy):
    /// `Principal` and `Resource` required.
    Resource,
    /// A role's trust policy (`AssumeRolePolicyDocument`): `Principal` required,
    /// `Resource` prohibited.
    Trust,
    /// The `Policy` of an `AssumeRole` call: shaped like an identity policy.
    Session,
}

/// The policy language version a document declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyVersion {
    /// `"Version": "2012-10-17"`: policy variables are substituted.
    V2012_10_17,
    /// `"Version": "2008-10-17"`, or no `Version`: `${…}` is literal text.
    V2008_10_17,
}

/// `Allow` or `Deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effect {
    Allow,
    Deny,
}

/// A compiled `Resource` / `NotResource` entry.
#[derive(Debug, Clone)]
pub(crate) enum ResourcePattern {
    /// No variables: compiled once.
    Static(ArnPattern),
    /// With variables: resolved per request, then matched.
    Template(Template),
}

/// `Action` or `NotAction`; patterns match case-insensitively.
#[derive(Debug, Clone)]
pub(crate) enum Actions {
    Action(Box<[Glob]>),
    NotAction(Box<[Glob]>),
}

/// `Resource` or `NotResource`, absent in trust policies.
#[derive(Debug, Clone)]
pub(crate) enum Resources {
    /// Trust policies name no resource: the role is implied.
    Implied,
    Resource(Box<[ResourcePattern]>),
    NotResource(Box<[ResourcePattern]>),
}

/// `Principal` or `NotPrincipal`, absent in identity and session policies.
#[derive(Debug, Clone)]
pub(crate) enum Principals {
    Implied,
    Principal(PrincipalSet),
    NotPrincipal(PrincipalSet),
}

/// One compiled statement.
#[derive(Debug, Clone)]
pub(crate) struct Statement {
    pub(crate) sid: Option<Box<str>>,
    pub(crate) effect: Effect,
    pub(crate) principals: Principals,
    pub(crate) actions: Actions,
    pub(crate) resources: Resources,
    pub(crate) conditions: Box<[Condition]>,
}

/// A parsed, validated and pre-compiled policy document.
///
/// Cloning is cheap (the statements are shared), so a cache can hand out copies.
#[derive(Debug, Clone)]
pub struct Policy {
    kind: PolicyKind,
    version: PolicyVersion,
    id: Option<Box<str>>,
    statements: Arc<[Statement]>,
}

/// The statement elements IAM knows.
const STATEMENT_ELEMENTS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// A statement that passed the syntax check, not yet compiled.
struct RawStatement<'a> {
    obj: &'a Map<String, Value>,
    sid: Option<&'a str>,
    effect: &'a str,
    principal: Option<(bool, RawPrincipal)>,
    actions: Option<(bool, Vec<String>)>,
    resources: Option<(bool, Vec<String>)>,
}

impl Policy {
    /// Parses and validates like IAM does. Errors carry IAM's own messages.
    pub fn parse(json: &str, kind: PolicyKind) -> Result<Policy, PolicyError> {
        let doc: Value = serde_json::from_str(json).map_err(|_| PolicyError::Syntax)?;
        let Value::Object(top) = &doc else {
            return Err(PolicyError::Syntax);
        };

        // 1. Syntax.
        for key in top.keys() {
            if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
                return Err(PolicyError::Syntax);
            }
        }
        let version = match top.get("Version") {
            None => PolicyVersion::V2008_10_17,
            Some(Value::String(v)) if v == "2012-10-17" => PolicyVersion::V2012_10_17,
            Some(Value::String(v)) if v == "2008-10-17" => PolicyVersion::V2008_10_17,
            Some(_) => return Err(PolicyError::Syntax),
        };
        let id = match top.get("Id") {
            None => None,
            Some(Value::String(s)) => Some(s.as_str().into()),
            Some(_) => return Err(PolicyError::Syntax),
        };
        let objects: Vec<&Value> = match top.get("Statement") {
            Some(Value::Array(items)) if !items.is_empty() => items.iter().collect(),
            Some(obj @ Value::Object(_)) => vec![obj],
            _ => return Err(PolicyError::Syntax),
        };
        let raws = objects
            .into_iter()
            .map(raw_statement)
            .collect::<Result<Vec<_>, _>>()?;

        // 2. Principals, which the kind requires or forbids.
        for raw in &raws {
            check_kind(raw, kind)?;
        }

        // 3. Legacy parsing: exact Effect spelling, readable dates, resource colons.
        let substitute = version == PolicyVersion::V2012_10_17;
        let mut conditions = Vec::with_capacity(raws.len());
        for raw in &raws {
            if raw.effect != "Allow" && raw.effect != "Deny" {
                return Err(PolicyError::LegacyParsing);
            }
            conditions.push(match raw.obj.get("Condition") {
                Some(c) => condition::compile(c, substitute)?,
                None => Vec::new(),
            });
        }
        // IAM reports a resource format error only after the structural checks below,
        // and runs the legacy colon check on a list only while no format error has
        // been seen. Which format error it reports when there are several follows
        // moto's reproduction: `Resource` lists before `NotResource` lists, each list
        // in reverse order, the last error seen winning.
        let mut resource_error = None;
        for negated in [false, true] {
            for raw in &raws {
                let Some((neg, list)) = &raw.resources else {
                    continue;
                };
                if *neg != negated {
                    continue;
                }
                let mut sorted: Vec<&String> = list.iter().collect();
                sorted.sort_by(|a, b| b.cmp(a));
                for r in sorted {
                    if let Some(err) = resource_format_error(r) {
                        resource_error = Some(err);
                    }
                }
                if resource_error.is_none() {
                    for r in list {
                        legacy_resource_check(r)?;
                    }
                }
            }
        }

        // 4. Sid uniqueness.
        let mut sids = HashSet::new();
        for sid in raws.iter().filter_map(|r| r.sid).filter(|s| !s.is_empty()) {
            if !sids.insert(sid) {
                return Err(PolicyError::DuplicateSid);
            }
        }

        // 5. Actions present.
        if raws
            .iter()
            .any(|r| r.actions.as_ref().is_none_or(|(_, a)| a.is_empty()))
        {
            return Err(PolicyError::MissingActions);
        }

        // 6. Resource format.
        if let Some(err) = resource_error {
            return Err(err);
        }

        // 7. Action format.
        for raw in &raws {
            if let Some((_, list)) = &raw.actions {
                for a in list {
                    check_action(a)?;
                }
            }
        }

        // 8. Resources present, or (trust policies) absent: IAM checks these last.
        for raw in &raws {
            match kind {
                PolicyKind::Trust => {
                    if raw.obj.contains_key("Resource") {
                        return Err(PolicyError::ProhibitedField("Resource"));
                    }
                    if raw.obj.contains_key("NotResource") {
                        return Err(PolicyError::ProhibitedField("NotResource"));
                    }
                }
                _ => {
                    if raw.resources.as_ref().is_none_or(|(_, l)| l.is_empty()) {
                        return Err(PolicyError::MissingResources);
                    }
                }
            }
        }

        // 9. Principal values; then compile everything.
        let mut statements = Vec::with_capacity(raws.len());
        for (raw, conditions) in raws.iter().zip(conditions) {
            statements.push(compile_statement(raw, conditions, substitute)?);
        }

        Ok(Policy {
            kind,
            version,
            id,
            statements: statements.into(),
        })
    }

    /// The kind the document was parsed as.
    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    /// The policy language version the document declared.
    pub fn version(&self) -> PolicyVersion {
        self.version
    }

    /// The document's `Id`, if any.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The statements' `Sid`s in document order (`None` for a statement without one).
    pub fn sids(&self) -> impl Iterator<Item = Option<&str>> {
        self.statements.iter().map(|s| s.sid.as_deref())
    }

    /// How many statements the document has.
    pub fn statement_count(&self) -> usize {
        self.statements.len()
    }

    /// IAM's rule for managed policies (`CreatePolicy`, `CreatePolicyVersion`):
    /// the document must declare `"Version": "2012-10-17"`.
    pub fn require_current_version(&self) -> Result<(), PolicyError> {
        match self.version {
            PolicyVersion::V2012_10_17 => Ok(()),
            PolicyVersion::V2008_10_17 => Err(PolicyError::VersionTooOld),
        }
    }

    /// True when an `Allow` statement grants access to everyone (`Principal` `"*"` or
    /// `{"AWS": "*"}`, or any `NotPrincipal` with `Allow`) without a condition that pins
    /// the caller to accounts, organizations, networks or identities (`aws:PrincipalAccount`,
    /// `aws:PrincipalOrgID`, `aws:PrincipalArn`, `aws:SourceAccount`, `aws:SourceArn`,
    /// `aws:SourceVpc`, `aws:SourceVpce`, `aws:SourceIp`, `aws:userid`, `aws:username`
    /// with a non-wildcard value). Used for Secrets Manager's `BlockPublicPolicy`.
    pub fn grants_public_access(&self) -> bool {
        self.statements.iter().any(|s| {
            s.effect == Effect::Allow
                && match &s.principals {
                    Principals::Principal(set) => set.is_any(),
                    Principals::NotPrincipal(_) => true,
                    Principals::Implied => false,
                }
                && !s.conditions.iter().any(Condition::pins_caller)
        })
    }

    pub(crate) fn statements(&self) -> &[Statement] {
        &self.statements
    }
}

/// IAM counts a policy's size without white space; this counts the characters of
/// `json` except white space between JSON tokens (white space inside string values
/// is content and counts).
pub fn size_without_whitespace(json: &str) -> usize {
    let mut in_string = false;
    let mut escaped = false;
    let mut count = 0;
    for c in json.chars() {
        if in_string {
            count += 1;
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if !c.is_whitespace() {
            count += 1;
            in_string = c == '"';
        }
    }
    count
}

/// A string or a list of strings, as `Action`, `Resource` and principal values are written.
pub(crate) fn string_or_list(v: &Value) -> Result<Vec<String>, PolicyError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                _ => Err(PolicyError::Syntax),
            })
            .collect(),
        _ => Err(PolicyError::Syntax),
    }
}

/// Reads one of two mutually exclusive elements; `(negated, value)`.
fn either<'a>(
    obj: &'a Map<String, Value>,
    positive: &str,
    negative: &str,
) -> Result<Option<(bool, &'a Value)>, PolicyError> {
    match (obj.get(positive), obj.get(negative)) {
        (Some(_), Some(_)) => Err(PolicyError::Syntax),
        (Some(v), None) => Ok(Some((false, v))),
        (None, Some(v)) => Ok(Some((true, v))),
        (None, None) => Ok(None),
    }
}

/// The syntax check of one statement.
fn raw_statement(v: &Value) -> Result<RawStatement<'_>, PolicyError> {
    let Value::Object(obj) = v else {
        return Err(PolicyError::Syntax);
    };
    if obj
        .keys()
        .any(|k| !STATEMENT_ELEMENTS.contains(&k.as_str()))
    {
        return Err(PolicyError::Syntax);
    }
    let sid = match obj.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Err(PolicyError::Syntax),
    };
    // The syntax check accepts any case; the legacy check (step 3) wants it exact.
    let effect = match obj.get("Effect") {
        Some(Value::String(e))
            if e.eq_ignore_ascii_case("allow") || e.eq_ignore_ascii_case("deny") =>
        {
            e.as_str()
        }
        _ => return Err(PolicyError::Syntax),
    };
    let actions = either(obj, "Action", "NotAction")?
        .map(|(neg, v)| string_or_list(v).map(|l| (neg, l)))
        .transpose()?;
    let resources = either(obj, "Resource", "NotResource")?
        .map(|(neg, v)| string_or_list(v).map(|l| (neg, l)))
        .transpose()?;
    let principal = either(obj, "Principal", "NotPrincipal")?
        .map(|(neg, v)| principal::parse(v).map(|p| (neg, p)))
        .transpose()?;
    if let Some(c) = obj.get("Condition") {
        condition::check_syntax(c)?;
    }
    Ok(RawStatement {
        obj,
        sid,
        effect,
        principal,
        actions,
        resources,
    })
}

/// The elements each kind of policy requires or forbids.
fn check_kind(raw: &RawStatement<'_>, kind: PolicyKind) -> Result<(), PolicyError> {
    let no_principals = raw.principal.as_ref().is_none_or(|(_, p)| p.is_empty());
    match kind {
        PolicyKind::Identity | PolicyKind::Session => {
            if raw.principal.is_some() {
                return Err(PolicyError::PrincipalNotAllowed);
            }
        }
        PolicyKind::Resource => {
            if no_principals {
                return Err(PolicyError::MissingPrincipal);
            }
        }
        PolicyKind::Trust => {
            if no_principals {
                return Err(PolicyError::TrustPolicyWithoutPrincipal);
            }
        }
    }
    Ok(())
}

/// The partitions a resource ARN may name (`*` included, as LocalStack's
/// AWS-validated copy of IAM's rules accepts it).
const PARTITIONS: [&str; 9] = [
    "*",
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// IAM's resource format rules; `None` when `r` is acceptable.
fn resource_format_error(r: &str) -> Option<PolicyError> {
    if r == "*" {
        return None;
    }
    let Some((_, after_first)) = r.split_once(':') else {
        return Some(PolicyError::ResourceNotArn(r.to_owned()));
    };
    let (partition, rest) = match after_first.split_once(':') {
        Some((p, rest)) => (p, Some(rest)),
        None => (after_first, None),
    };
    if !PARTITIONS.contains(&partition) {
        // IAM echoes the resource as six fields, showing missing ones as `*`.
        let fields: Vec<&str> = rest.map(|r| r.split(':').collect()).unwrap_or_default();
        let field = |i: usize| match fields.get(i) {
            Some(f) if !f.is_empty() || fields.len() > 1 => *f,
            _ => "*",
        };
        let tail = if fields.len() > 3 {
            fields[3..].join(":")
        } else {
            "*".to_owned()
        };
        return Some(PolicyError::InvalidPartition {
            partition: partition.to_owned(),
            resource: format!(
                "arn:{partition}:{}:{}:{}:{tail}",
                field(0),
                field(1),
                field(2)
            ),
        });
    }
    if rest.is_none() {
        return Some(PolicyError::ResourceVendorNotQualified);
    }
    None
}

/// IAM's older parser wants six fields whenever `::` appears, and a service name.
fn legacy_resource_check(r: &str) -> Result<(), PolicyError> {
    if r == "*" {
        return Ok(());
    }
    if r.contains("::") && r.matches(':').count() < 5 {
        return Err(PolicyError::LegacyParsing);
    }
    if r.split(':').nth(2).is_some_and(str::is_empty) {
        return Err(PolicyError::LegacyParsing);
    }
    Ok(())
}

/// `*` or `vendor:pattern` with a plain vendor.
fn check_action(a: &str) -> Result<(), PolicyError> {
    if a == "*" {
        return Ok(());
    }
    let mut parts = a.split(':');
    let vendor = parts.next().unwrap_or_default();
    match (parts.next(), parts.next()) {
        (None, _) => return Err(PolicyError::ActionWithoutVendor),
        (Some(_), Some(_)) => return Err(PolicyError::ActionTooManyColons),
        (Some(_), None) => {}
    }
    if vendor.contains(['*', '?']) {
        return Err(PolicyError::ActionVendorWildcard);
    }
    if vendor.is_empty()
        || !vendor
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    {
        return Err(PolicyError::InvalidVendor(vendor.to_owned()));
    }
    Ok(())
}

fn compile_resource(r: &str, substitute: bool) -> ResourcePattern {
    match substitute.then(|| Template::parse(r)).flatten() {
        Some(t) => ResourcePattern::Template(t),
        None => ResourcePattern::Static(ArnPattern::new(r)),
    }
}

fn compile_statement(
    raw: &RawStatement<'_>,
    conditions: Vec<Condition>,
    substitute: bool,
) -> Result<Statement, PolicyError> {
    let principals = match &raw.principal {
        None => Principals::Implied,
        Some((false, p)) => Principals::Principal(principal::validate(p)?),
        Some((true, p)) => Principals::NotPrincipal(principal::validate(p)?),
    };
    let globs = |list: &[String]| list.iter().map(|a| Glob::new(a)).collect();
    let actions = match &raw.actions {
        Some((false, list)) => Actions::Action(globs(list)),
        Some((true, list)) => Actions::NotAction(globs(list)),
        // Step 5 refused statements without actions.
        None => return Err(PolicyError::MissingActions),
    };
    let patterns = |list: &[String]| {
        list.iter()
            .map(|r| compile_resource(r, substitute))
            .collect()
    };
    let resources = match &raw.resources {
        None => Resources::Implied,
        Some((false, list)) => Resources::Resource(patterns(list)),
        Some((true, list)) => Resources::NotResource(patterns(list)),
    };
    Ok(Statement {
        sid: raw.sid.map(Into::into),
        effect: if raw.effect == "Allow" {
            Effect::Allow
        } else {
            Effect::Deny
        },
        principals,
        actions,
        resources,
        conditions: conditions.into_boxed_slice(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_echo_matches_iam() {
        let cases = [
            ("a:bsdfdsafsad", "arn:bsdfdsafsad:*:*:*:*"),
            ("a:b:cadfsdf", "arn:b:cadfsdf:*:*:*"),
            ("a:b:c:d:e:f:g:h", "arn:b:c:d:e:f:g:h"),
            ("aws:s3:::example_bucket", "arn:s3:::example_bucket:*"),
            (
                "arn:error:s3:::example_bucket",
                "arn:error:s3:::example_bucket",
            ),
        ];
        for (r, echoed) in cases {
            match resource_format_error(r) {
                Some(PolicyError::InvalidPartition { resource, .. }) => {
                    assert_eq!(resource, echoed, "{r}")
                }
                other => panic!("{r}: {other:?}"),
            }
        }
    }
}
