//! Producing a SigV4 Authorization header: used by the load generator and by
//! tests that need hand-made requests.

use crate::canonical::{
    CanonicalParts, canonical_headers, canonical_request, hex_sha256, string_to_sign,
};
use crate::verify::{derive_signing_key, hmac_hex};

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
    let signed_headers = names.join(";");
    let headers = canonical_headers(input.headers, &names).unwrap_or_default();
    let payload_hash = hex_sha256(input.body);
    let creq = canonical_request(&CanonicalParts {
        method: input.method,
        path: input.path,
        query: input.query,
        headers: &headers,
        signed_headers: &signed_headers,
        payload_hash: &payload_hash,
    });
    let date = &input.amz_date[..8.min(input.amz_date.len())];
    let scope = format!("{date}/{}/{}/aws4_request", input.region, input.service);
    let sts = string_to_sign(input.amz_date, &scope, &creq);
    let key = derive_signing_key(
        input.secret_access_key.as_bytes(),
        date,
        input.region,
        input.service,
    );
    let signature = hmac_hex(&key[..], sts.as_bytes());
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        input.access_key_id
    )
}
