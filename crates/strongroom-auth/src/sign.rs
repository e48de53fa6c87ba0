//! Producing a SigV4 Authorization header: used by the load generator and by
//! tests that need hand-made requests.

use crate::canonical::{CanonicalParts, canonical_request_hash, payload_hash};
use crate::verify::{derive_signing_key, signature};

/// What to sign. `headers` must already hold `host` and `x-amz-date`.
pub struct SignInput<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    pub amz_date: &'a str,
}

/// The `Authorization` header value for `input`, signing every header given.
pub fn sign_headers(input: &SignInput<'_>) -> String {
    let mut names: Vec<String> = input
        .headers
        .keys()
        .map(|k| k.as_str().to_owned())
        .collect();
    names.sort();
    names.dedup();
    let body_hash = payload_hash(input.body);
    let creq = canonical_request_hash(
        &CanonicalParts {
            method: input.method,
            path: input.path,
            query: input.query,
            payload_hash: &body_hash,
        },
        input.headers,
        &names,
    )
    .unwrap_or_default();
    let date = &input.amz_date[..8.min(input.amz_date.len())];
    let key = derive_signing_key(
        input.secret_access_key.as_bytes(),
        date,
        input.region,
        input.service,
    );
    let sig = signature(
        &key,
        input.amz_date,
        (date, input.region, input.service),
        &creq,
    );
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{date}/{}/{}/aws4_request, SignedHeaders={}, Signature={}",
        input.access_key_id,
        input.region,
        input.service,
        names.join(";"),
        String::from_utf8_lossy(&sig[..])
    )
}
