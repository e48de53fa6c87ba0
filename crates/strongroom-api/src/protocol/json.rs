//! AWS JSON 1.1: request bodies in, response bodies out, and the error body
//! (`{"__type", "Message"}`).

use crate::ApiError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// `Content-Type` of every JSON 1.1 answer.
pub const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// Decodes a request body; an empty body is an empty object.
pub fn decode<T: DeserializeOwned + Default>(body: &[u8]) -> Result<T, ApiError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        None => return Ok(T::default()),
        // serde would also take a JSON array for a struct; AWS wants an object.
        Some(b'{') => {}
        Some(_) => {
            return Err(ApiError::Serialization(
                "Could not deserialize the request body: expected a JSON object".to_owned(),
            ));
        }
    }
    serde_json::from_slice(body).map_err(|e| ApiError::Serialization(describe_json_error(&e)))
}

/// What was wrong with the body, and where, without any of its content
/// (which could be a secret): serde's messages quote the offending input,
/// so only the part from "expected" on is kept.
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let problem = match e.classify() {
        Category::Syntax => "the body is not valid JSON".to_owned(),
        Category::Eof => "the body ends in the middle of a JSON value".to_owned(),
        Category::Io => "the body could not be read".to_owned(),
        Category::Data => {
            let text = e.to_string();
            let expected = text.rfind("expected ").map(|i| {
                text[i..]
                    .split(" at line ")
                    .next()
                    .unwrap_or_default()
                    .to_owned()
            });
            match expected {
                // "expected" clauses name types, never the input.
                Some(x) if !x.contains('"') && !x.contains('`') => {
                    format!("a member has the wrong type or value, {x}")
                }
                _ => "a member has the wrong type or value".to_owned(),
            }
        }
    };
    format!(
        "Could not deserialize the request body at line {} column {}: {problem}",
        e.line(),
        e.column()
    )
}

pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::Serialization(e.to_string()))
}

/// The error body AWS JSON services send.
pub fn error_body(code: &str, message: &str) -> Vec<u8> {
    serde_json::json!({ "__type": code, "Message": message })
        .to_string()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secretsmanager::shapes::CreateSecretRequest;

    #[test]
    fn json_errors_do_not_echo_input() {
        let e = decode::<CreateSecretRequest>(
            br#"{"Name": "x", "SecretBinary": 5, "SecretString": {"a": "hunter2"}}"#,
        );
        let msg = match e {
            Err(ApiError::Serialization(m)) => m,
            _ => panic!("expected a serialization error"),
        };
        assert!(!msg.contains("hunter2"));
        let e = decode::<CreateSecretRequest>(br#"{"SecretString": 5}"#);
        assert!(matches!(e, Err(ApiError::Serialization(_))));
        // escaped quotes inside a wrongly typed string are not echoed either
        let e = decode::<CreateSecretRequest>(
            br#"{"Tags": "[{\"Key\":\"pw\",\"Value\":\"hunter2\"}]"}"#,
        );
        match e {
            Err(ApiError::Serialization(m)) => {
                assert!(!m.contains("hunter2"), "{m}");
                assert!(m.contains("expected a sequence"), "{m}");
            }
            _ => panic!("expected a serialization error"),
        }
        let e = decode::<CreateSecretRequest>(b"{not json");
        assert!(matches!(e, Err(ApiError::Serialization(_))));
        assert!(decode::<CreateSecretRequest>(b"").is_ok());
    }
}
