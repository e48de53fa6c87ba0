//! The canonical request of SigV4 (docs: "Create a canonical request").

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use sha2::{Digest, Sha256};

/// SigV4 encodes everything but the unreserved characters `A-Za-z0-9-_.~`.
const SIGV4_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

pub fn hex_sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn encode(s: &str) -> String {
    utf8_percent_encode(s, SIGV4_SET).to_string()
}

/// Non-S3 services encode each path segment of the already-encoded path once
/// more (so `%20` becomes `%2520`), as botocore and the SDKs do.
pub fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    path.split('/').map(encode).collect::<Vec<_>>().join("/")
}

/// Sorted, re-encoded query pairs, leaving out `X-Amz-Signature`.
pub fn canonical_query(query: Option<&str>) -> String {
    let Some(query) = query else {
        return String::new();
    };
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| (encode(&k), encode(&v)))
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

pub fn decode(s: &str) -> String {
    // `+` in a query means a space only in forms; SigV4 clients encode spaces
    // as %20, so a literal `+` stays a plus.
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// `name:value\n` for each signed header, values trimmed and inner runs of
/// spaces collapsed, repeated headers joined with commas.
pub fn canonical_headers(headers: &http::HeaderMap, signed: &[String]) -> Option<String> {
    let mut out = String::new();
    for name in signed {
        let values: Vec<String> = headers
            .get_all(name.as_str())
            .iter()
            .map(|v| collapse(&String::from_utf8_lossy(v.as_bytes())))
            .collect();
        if values.is_empty() {
            return None;
        }
        out.push_str(name);
        out.push(':');
        out.push_str(&values.join(","));
        out.push('\n');
    }
    Some(out)
}

fn collapse(v: &str) -> String {
    v.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Everything that goes into the string to sign for one request.
pub struct CanonicalParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a str,
    pub signed_headers: &'a str,
    pub payload_hash: &'a str,
}

pub fn canonical_request(p: &CanonicalParts<'_>) -> String {
    format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        p.method,
        canonical_uri(p.path),
        canonical_query(p.query),
        p.headers,
        p.signed_headers,
        p.payload_hash
    )
}

pub fn string_to_sign(amz_date: &str, scope: &str, canonical_request: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex_sha256(canonical_request.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_is_sorted_and_encoded() {
        assert_eq!(
            canonical_query(Some("b=2&a=1&X-Amz-Signature=ff")),
            "a=1&b=2"
        );
        assert_eq!(canonical_query(Some("k=a%20b&j")), "j=&k=a%20b");
        assert_eq!(
            canonical_query(Some("X-Amz-Credential=AKID%2F20150830%2Fus-east-1")),
            "X-Amz-Credential=AKID%2F20150830%2Fus-east-1"
        );
        assert_eq!(canonical_query(None), "");
    }

    #[test]
    fn uri_double_encodes() {
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
    }
}
