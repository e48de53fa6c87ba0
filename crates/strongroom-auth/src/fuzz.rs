//! The body of the `sigv4` fuzz target (`fuzz/fuzz_targets/sigv4.rs`). Also
//! run by `cargo test` over every file of the committed seed corpus
//! (`fuzz/corpus/sigv4/`), so the target is exercised without libFuzzer.
//!
//! Input: a request as text. The first line is the request target (a path
//! and query, or an absolute URI whose authority stands in for a missing
//! Host header, as HTTP/2's `:authority` does); each further line up to an
//! empty one is a `name: value` header; the rest is the body.

use crate::{
    SignInput, SigningKeyCache, parse_amz_date, parse_auth, sign_headers, verify_signature,
};

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

/// Parses and verifies the request however malformed it is (neither may
/// panic), then checks that a request our signer signs verifies.
pub fn sigv4(data: &[u8]) {
    let Some((parts, body)) = request(data) else {
        return;
    };
    if let Ok(auth) = parse_auth(&parts) {
        let now = parse_amz_date(&auth.amz_date).unwrap_or(0);
        let cache = SigningKeyCache::default();
        let _ = verify_signature(
            &auth,
            &parts,
            body,
            SECRET.as_bytes(),
            "secretsmanager",
            now,
            &cache,
        );
    }
    round_trip(&parts, body);
}

/// Re-signs the request (every header but Authorization, plus the host
/// when it comes from the URI) and asserts the signature verifies.
fn round_trip(parts: &http::request::Parts, body: &[u8]) {
    let mut headers = parts.headers.clone();
    headers.remove(http::header::AUTHORIZATION);
    let mut signed = headers.clone();
    if !signed.contains_key(http::header::HOST)
        && let Some(authority) = parts.uri.authority()
        && let Ok(host) = http::HeaderValue::from_str(authority.as_str())
    {
        signed.insert(http::header::HOST, host);
    }
    let Some(amz_date) = signed.get("x-amz-date").and_then(|v| v.to_str().ok()) else {
        return;
    };
    let Some(now) = parse_amz_date(amz_date) else {
        return;
    };
    let body_hash = crate::canonical::payload_hash(body);
    let claimed_hash_wrong = signed
        .get_all("x-amz-content-sha256")
        .iter()
        .any(|v| v.as_bytes() != body_hash.as_slice());
    if !signed.contains_key(http::header::HOST) || claimed_hash_wrong {
        return;
    }
    let authorization = sign_headers(&SignInput {
        method: parts.method.as_str(),
        path: parts.uri.path(),
        query: parts.uri.query(),
        headers: &signed,
        body,
        access_key_id: "AKIDFUZZ",
        secret_access_key: SECRET,
        region: "us-east-1",
        service: "secretsmanager",
        amz_date,
    });
    let mut resigned = parts.clone();
    resigned.headers = headers;
    let value = http::HeaderValue::from_str(&authorization).expect("our header is ASCII");
    resigned.headers.insert(http::header::AUTHORIZATION, value);
    let auth = parse_auth(&resigned)
        .unwrap_or_else(|e| panic!("our own Authorization does not parse ({e}): {authorization}"));
    let cache = SigningKeyCache::default();
    let verified = verify_signature(
        &auth,
        &resigned,
        body,
        SECRET.as_bytes(),
        "secretsmanager",
        now,
        &cache,
    );
    assert_eq!(verified, Ok(()), "{authorization}\n{resigned:?}");
}

/// The request `data` describes, if it is one `http` can represent.
fn request(data: &[u8]) -> Option<(http::request::Parts, &[u8])> {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|&b| b == b'\n');
    let target = lines.next()?;
    let mut builder = http::Request::builder()
        .method("POST")
        .uri(http::Uri::try_from(target).ok()?);
    for line in lines {
        let colon = line.iter().position(|&b| b == b':')?;
        let name = http::HeaderName::from_bytes(&line[..colon]).ok()?;
        let value = http::HeaderValue::from_bytes(line[colon + 1..].trim_ascii()).ok()?;
        builder = builder.header(name, value);
    }
    Some((builder.body(()).ok()?.into_parts().0, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of `fuzz/corpus/<target>/`.
    pub(crate) fn seed_corpus(target: &str) -> Vec<(String, Vec<u8>)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../fuzz/corpus")
            .join(target);
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| {
                let path = entry.expect("directory entry").path();
                let data = std::fs::read(&path).expect("read a corpus file");
                (path.display().to_string(), data)
            })
            .collect();
        assert!(!files.is_empty(), "no seed corpus in {}", dir.display());
        files.sort();
        files
    }

    #[test]
    fn the_seed_corpus_runs_clean() {
        for (path, data) in seed_corpus("sigv4") {
            eprintln!("{path}");
            sigv4(&data);
        }
    }

    /// The seeds reach the verifier: a request the AWS SDK signed verifies
    /// with the key the target uses, the signature check is not skipped.
    #[test]
    fn a_seed_carries_a_valid_signature() {
        let verified = seed_corpus("sigv4").iter().any(|(_, data)| {
            let Some((parts, body)) = request(data) else {
                return false;
            };
            let Ok(auth) = parse_auth(&parts) else {
                return false;
            };
            let now = parse_amz_date(&auth.amz_date).unwrap_or(0);
            verify_signature(
                &auth,
                &parts,
                body,
                SECRET.as_bytes(),
                "secretsmanager",
                now,
                &SigningKeyCache::default(),
            )
            .is_ok()
        });
        assert!(verified);
    }
}
