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
    // KMS Sign/Verify/GenerateMac/VerifyMac: the message may be the data itself
    // (CloudTrail does not record it either).
    "Message",
    // KMS: ciphertext is not secret, but CloudTrail does not keep it
    // either, and it is up to 6 KiB a call.
    "CiphertextBlob",
    "CiphertextForRecipient",
    "KeyMaterial",
    // KMS grants: a grant token is a bearer credential for its grant.
    "GrantToken",
    "GrantTokens",
];

fn is_secret(member: &str) -> bool {
    SECRET_MEMBERS
        .iter()
        .any(|s| s.eq_ignore_ascii_case(member))
}

/// Recorded members larger than this (serialized) are replaced by
/// [`omitted`]: a client must not decide how much the trail writes.
pub const MAX_RECORDED_BYTES: usize = 16 * 1024;

/// A JSON 1.1 body's members, redacted; `None` when there are none (or the
/// body is not a JSON object: its parse error is the call's own error).
pub fn json_members(body: &[u8]) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) if map.is_empty() => None,
        Ok(value @ Value::Object(_)) => Some(bounded(redact(value), body.len())),
        _ => None,
    }
}

/// `value`, or [`omitted`] when it is too large to record (`source_len`,
/// the size it came from, spares measuring the usual small ones).
fn bounded(value: Value, source_len: usize) -> Value {
    if source_len <= MAX_RECORDED_BYTES {
        return value;
    }
    match serde_json::to_vec(&value) {
        Ok(bytes) if bytes.len() <= MAX_RECORDED_BYTES => value,
        _ => omitted(),
    }
}

/// What is recorded in place of members too large to record.
fn omitted() -> Value {
    serde_json::json!({ "omitted": format!("larger than {MAX_RECORDED_BYTES} bytes") })
}

/// A Query form's members (without `Action` and `Version`), redacted, by
/// their full wire names with the first letter lowered (`tags.member.1.Key`
/// stays flat, as the form has it).
pub fn form_members(form: &QueryRequest) -> Option<Value> {
    let mut map = Map::new();
    for (name, value) in form.params() {
        // As for JSON: the models' parameters start with a capital letter,
        // and a lower-case one would collide with a real one once lowered.
        if name == "Action"
            || name == "Version"
            || !name.starts_with(|c: char| c.is_ascii_uppercase())
        {
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
    let size: usize = map
        .iter()
        .map(|(k, v)| k.len() + v.as_str().map_or(0, str::len))
        .sum();
    (!map.is_empty()).then(|| bounded(Value::Object(map), size))
}

/// Lowers the first letter of every member name and hides secret members.
/// Members whose name does not start with a capital letter are left out:
/// every member of the JSON services' models does, and a lower-case one
/// would otherwise collide with a real one once lowered (`secretId` next to
/// `SecretId`) and let a client write what the record says was asked.
fn redact(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(name, _)| name.starts_with(|c: char| c.is_ascii_uppercase()))
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
            "Nested": [{"Secretbinary": "AAAA", "Key": "k"}],
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
    fn kms_messages_and_private_keys_are_hidden() {
        let body = json!({
            "KeyId": "alias/sign",
            "Message": "c2VjcmV0",
            "SigningAlgorithm": "ECDSA_SHA_256",
            "PrivateKeyPlaintext": "MIGHAgEA",
            "PublicKey": "MFkwEwYH"
        });
        let out = json_members(body.to_string().as_bytes()).unwrap();
        assert_eq!(
            out,
            json!({
                "keyId": "alias/sign",
                "message": HIDDEN,
                "signingAlgorithm": "ECDSA_SHA_256",
                "privateKeyPlaintext": HIDDEN,
                "publicKey": "MFkwEwYH"
            })
        );
    }

    #[test]
    fn members_outside_the_model_cannot_pose_as_its_members() {
        // `secretId` would collide with the lowered `SecretId`.
        let out = json_members(br#"{"SecretId":"db/prod","secretId":"decoy","secretString":"x"}"#)
            .unwrap();
        assert_eq!(out, json!({"secretId": "db/prod"}));
    }

    #[test]
    fn oversized_members_are_omitted() {
        let junk = "j".repeat(MAX_RECORDED_BYTES + 1);
        let body = json!({"SecretId": "x", "Junk": junk}).to_string();
        assert_eq!(json_members(body.as_bytes()).unwrap(), omitted());
        // A large secret value is hidden first, so the rest is recorded.
        let value = "v".repeat(60_000);
        let body = json!({"SecretId": "x", "SecretString": value}).to_string();
        assert_eq!(
            json_members(body.as_bytes()).unwrap(),
            json!({"secretId": "x", "secretString": HIDDEN})
        );
        let form = format!("Action=CreateUser&Version=2010-05-08&UserName=a&Junk={junk}");
        let form = QueryRequest::parse(form.as_bytes()).unwrap();
        assert_eq!(form_members(&form).unwrap(), omitted());
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
            b"Action=CreateUser&Version=2010-05-08&UserName=alice&userName=decoy&Tags.member.1.Key=team&NewPassword=pw",
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
