//! The canonical request of SigV4 (docs: "Create a canonical request").

use aws_lc_rs::digest;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// SigV4 encodes everything but the unreserved characters `A-Za-z0-9-_.~`.
const SIGV4_SET: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

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

/// Lower-case hex of a 32-byte digest, on the stack.
pub fn hex32(bytes: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0u8; 64];
    for (i, b) in bytes.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0xf)];
    }
    out
}

/// A SHA-256 digest as the 32 bytes it always is.
fn sha256_bytes(d: &digest::Digest) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// Hex SHA-256 of a payload, as the canonical request's last line.
pub fn payload_hash(body: &[u8]) -> [u8; 64] {
    let mut hasher = PayloadHasher::default();
    hasher.update(body);
    hasher.finish()
}

/// The payload hash computed as the body streams in, so that a body need
/// not be complete (nor buffered) before it is hashed.
#[derive(Clone)]
pub struct PayloadHasher(digest::Context);

impl Default for PayloadHasher {
    fn default() -> PayloadHasher {
        PayloadHasher(digest::Context::new(&digest::SHA256))
    }
}

impl PayloadHasher {
    pub fn update(&mut self, chunk: &[u8]) {
        self.0.update(chunk);
    }

    /// Hex SHA-256 of everything given to [`PayloadHasher::update`].
    pub fn finish(self) -> [u8; 64] {
        hex32(&sha256_bytes(&self.0.finish()))
    }
}

/// Everything that goes into the canonical request besides the headers.
pub struct CanonicalParts<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    /// Hex SHA-256 of the body.
    pub payload_hash: &'a [u8],
}

/// SHA-256 of the canonical request, fed straight into the hasher instead
/// of building the text (this runs on every request). `None` when a signed
/// header is missing from the request.
///
/// Headers: `name:value\n` for each signed header, values trimmed and inner
/// runs of whitespace collapsed, repeated headers joined with commas.
pub fn canonical_request_hash(
    p: &CanonicalParts<'_>,
    headers: &http::HeaderMap,
    signed: &[String],
) -> Option<[u8; 32]> {
    let mut h = digest::Context::new(&digest::SHA256);
    h.update(p.method.as_bytes());
    h.update(b"\n");
    if p.path.is_empty() || p.path == "/" {
        h.update(b"/");
    } else {
        h.update(canonical_uri(p.path).as_bytes());
    }
    h.update(b"\n");
    if let Some(q) = p.query.filter(|q| !q.is_empty()) {
        h.update(canonical_query(Some(q)).as_bytes());
    }
    h.update(b"\n");
    for name in signed {
        let mut values = headers.get_all(name.as_str()).iter().peekable();
        values.peek()?;
        h.update(name.as_bytes());
        h.update(b":");
        let mut first_value = true;
        for value in values {
            if !first_value {
                h.update(b",");
            }
            first_value = false;
            let mut first_word = true;
            for word in value
                .as_bytes()
                .split(u8::is_ascii_whitespace)
                .filter(|w| !w.is_empty())
            {
                if !first_word {
                    h.update(b" ");
                }
                first_word = false;
                h.update(word);
            }
        }
        h.update(b"\n");
    }
    h.update(b"\n");
    for (i, name) in signed.iter().enumerate() {
        if i > 0 {
            h.update(b";");
        }
        h.update(name.as_bytes());
    }
    h.update(b"\n");
    h.update(p.payload_hash);
    Some(sha256_bytes(&h.finish()))
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
    fn streamed_hash_is_the_whole_body_hash() {
        let body = b"{\"SecretId\":\"db/prod\"}".repeat(1000);
        let mut hasher = PayloadHasher::default();
        for chunk in body.chunks(7) {
            hasher.update(chunk);
        }
        assert_eq!(hasher.finish(), payload_hash(&body));
        // The empty body's well-known hash.
        assert_eq!(
            &payload_hash(b""),
            b"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }

    #[test]
    fn uri_double_encodes() {
        assert_eq!(canonical_uri("/"), "/");
        assert_eq!(canonical_uri("/a%20b"), "/a%2520b");
    }
}
