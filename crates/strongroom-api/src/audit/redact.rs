//! `requestParameters` and `responseElements`: a call's members as
//! CloudTrail writes them (lowerCamelCase names) with every secret left out.
//!
//! Architecture Invariant: nothing that grants access or is a secret value
//! reaches the audit trail. The members below are replaced by CloudTrail's
//! own placeholder wherever they appear, at any depth, in any service.

use crate::protocol::query::QueryRequest;
use serde_json::{Map, Value};

/// What CloudTrail writes in place of a secret member.
pub const HIDDEN: &str = "HIDDEN_DUE_TO_SECURITY_REASONS";

/// Member names (compared ignoring case) whose values are never recorded.
const SECRET_MEMBERS: &[&str] = &[
    "SecretString",
    "SecretBinary",
    "RandomPassword",
    "SecretAccessKey",
    "SessionToken",
    "RotationToken",
    "Password",
    "NewPassword",
    "OldPassword",
    "TokenCode",
    "Plaintext",
    "PrivateKeyPlaintext",
];

fn is_secret(member: &str) -> bool {
    SECRET_MEMBERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(member))
}

/// A JSON 1.1 body's members, redacted; `None` when there are none (or the
/// body is not a JSON object: its parse error is the call's own error).
pub fn json_members(body: &[u8]) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) if map.is_empty() => None,
        Ok(value @ Value::Object(_)) => Some(redact(value)),
        _ => None,
    }
}

/// A Query form's members (without `Action` and `Version`), redacted, by
/// their full wire names with the first letter lowered (`tags.member.1.Key`
/// stays flat, as the form has it).
pub fn form_members(form: &QueryRequest) -> Option<Value> {
    let mut map = Map::new();
    for (name, value) in form.params() {
        if name == "Action" || name == "Version" {
            continue;
        }
        let last = name.rsplit('.').next().unwrap_or(name);
        let value = if is_secret(last) {
            HIDDEN.to_owned()
        } else {
            value.to_owned()
        };
        map.insert(lower_first(name), Value::String(value));
    }
    (!map.is_empty()).then_some(Value::Object(map))
}

/// Lowers the first letter of every member name and hides secret members.
fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(name, value)| {
                    let value = if is_secret(&name) {
                        Value::String(HIDDEN.to_owned())
                    } else {
                        redact(value)
                    };
                    (lower_first(&name), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(redact).collect()),
        other => other,
    }
}

fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secrets_are_hidden_at_any_depth() {
        let body = json!({
            "SecretId": "db/prod",
            "SecretString": "hunter2",
            "Nested": [{"secretbinary": "AAAA", "Key": "k"}],
            "Credentials": {"AccessKeyId": "ASIA", "SecretAccessKey": "s", "SessionToken": "t"}
        });
        let out = json_members(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            out,
            json!({
                "secretId": "db/prod",
                "secretString": HIDDEN,
                "nested": [{"secretbinary": HIDDEN, "key": "k"}],
                "credentials": {"accessKeyId": "ASIA", "secretAccessKey": HIDDEN, "sessionToken": HIDDEN}
            })
        );
        assert!(!out.to_string().contains("hunter2"));
    }

    #[test]
    fn empty_and_malformed_bodies_have_no_members() {
        assert_eq!(json_members(b""), None);
        assert_eq!(json_members(b"{}"), None);
        assert_eq!(json_members(b"{nope"), None);
        assert_eq!(json_members(b"[1]"), None);
    }

    #[test]
    fn form_members_skip_action_and_hide_secrets() {
        let form = QueryRequest::parse(
            b"Action=CreateUser&Version=2010-05-08&UserName=alice&Tags.member.1.Key=team&NewPassword=pw",
        )
        .unwrap();
        assert_eq!(
            form_members(&form).unwrap(),
            json!({"userName": "alice", "tags.member.1.Key": "team", "newPassword": HIDDEN})
        );
        let bare = QueryRequest::parse(b"Action=GetCallerIdentity&Version=2011-06-15").unwrap();
        assert_eq!(form_members(&bare), None);
    }
}
