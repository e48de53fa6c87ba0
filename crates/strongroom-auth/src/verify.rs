//! Checking a parsed signature against the request and the caller's secret key.

use crate::canonical::{CanonicalParts, canonical_request_hash, hex32, payload_hash};
use crate::{AuthError, AuthSource, ParsedAuth, format_amz_date, parse_amz_date};
use aws_lc_rs::hmac;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// SigV4 allows this much clock skew between client and server.
const MAX_SKEW_MS: i64 = 15 * 60 * 1000;

/// An HMAC-SHA-256 tag as the 32 bytes it always is.
fn tag_bytes(tag: &hmac::Tag) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Zeroizing<[u8; 32]> {
    let key = hmac::Key::new(hmac::HMAC_SHA256, key);
    Zeroizing::new(tag_bytes(&hmac::sign(&key, data)))
}

/// The hex signature: HMAC of the string to sign, streamed into the MAC:
/// `AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{hex(creq hash)}`.
pub(crate) fn signature(
    key: &[u8; 32],
    amz_date: &str,
    scope: (&str, &str, &str),
    canonical_request_hash: &[u8; 32],
) -> Zeroizing<[u8; 64]> {
    let mut mac = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, key));
    let (date, region, service) = scope;
    for part in [
        b"AWS4-HMAC-SHA256\n".as_slice(),
        amz_date.as_bytes(),
        b"\n",
        date.as_bytes(),
        b"/",
        region.as_bytes(),
        b"/",
        service.as_bytes(),
        b"/aws4_request\n",
        &hex32(canonical_request_hash),
    ] {
        mac.update(part);
    }
    Zeroizing::new(hex32(&tag_bytes(&mac.sign())))
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
pub(crate) fn derive_signing_key(
    secret: &[u8],
    date: &str,
    region: &str,
    service: &str,
) -> Zeroizing<[u8; 32]> {
    let mut k = Zeroizing::new(Vec::with_capacity(secret.len() + 4));
    k.extend_from_slice(b"AWS4");
    k.extend_from_slice(secret);
    let k_date = hmac_sha256(&k, date.as_bytes());
    let k_region = hmac_sha256(&k_date[..], region.as_bytes());
    let k_service = hmac_sha256(&k_region[..], service.as_bytes());
    hmac_sha256(&k_service[..], b"aws4_request")
}

/// Derived signing keys by (access key, date, region, service). Deriving one
/// costs four HMACs; a client reuses it for a whole day. A key is cached
/// only after a signature made with it verified, so forged requests cannot
/// fill the cache; and it is bounded by bytes (4 MiB by default),
/// evicting the least useful scopes (S3-FIFO) when full, so even a key
/// holder signing for ever new scopes cannot grow it.
pub struct SigningKeyCache {
    keys: quick_cache::sync::Cache<Scope, Zeroizing<[u8; 32]>, ScopeWeighter>,
}

/// At most this many bytes of scopes and keys are cached (about 20,000
/// scopes of ordinary length).
const SIGNING_CACHE_BYTES: u64 = 4 << 20;

/// What a signing key was derived for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Scope {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
}

/// A [`Scope`] borrowed from a request, for lookups without allocating.
/// Hashes exactly as `Scope` does (a `String` hashes as its `str`).
#[derive(Hash)]
struct ScopeRef<'a> {
    access_key_id: &'a str,
    date: &'a str,
    region: &'a str,
    service: &'a str,
}

impl quick_cache::Equivalent<Scope> for ScopeRef<'_> {
    fn equivalent(&self, key: &Scope) -> bool {
        self.access_key_id == key.access_key_id
            && self.date == key.date
            && self.region == key.region
            && self.service == key.service
    }
}

impl<'a> ScopeRef<'a> {
    fn of(auth: &'a ParsedAuth) -> ScopeRef<'a> {
        ScopeRef {
            access_key_id: &auth.access_key_id,
            date: &auth.scope_date,
            region: &auth.region,
            service: &auth.service,
        }
    }
}

/// An entry weighs its bytes plus a fixed overhead for the entry itself.
#[derive(Clone)]
struct ScopeWeighter;

/// Bytes counted per entry beyond its strings (key, string headers, slot).
const ENTRY_OVERHEAD: u64 = 160;

impl quick_cache::Weighter<Scope, Zeroizing<[u8; 32]>> for ScopeWeighter {
    fn weight(&self, scope: &Scope, _key: &Zeroizing<[u8; 32]>) -> u64 {
        let strings =
            scope.access_key_id.len() + scope.date.len() + scope.region.len() + scope.service.len();
        ENTRY_OVERHEAD + strings as u64
    }
}

impl Default for SigningKeyCache {
    fn default() -> Self {
        SigningKeyCache::with_capacity(SIGNING_CACHE_BYTES)
    }
}

impl SigningKeyCache {
    /// A cache holding at most `bytes` of scopes and keys.
    pub fn with_capacity(bytes: u64) -> SigningKeyCache {
        let estimated_items = usize::try_from(bytes / 256).unwrap_or(usize::MAX).max(1);
        SigningKeyCache {
            keys: quick_cache::sync::Cache::with_weighter(estimated_items, bytes, ScopeWeighter),
        }
    }

    fn lookup(&self, auth: &ParsedAuth) -> Option<Zeroizing<[u8; 32]>> {
        self.keys.get(&ScopeRef::of(auth))
    }

    fn remember(&self, auth: &ParsedAuth, key: Zeroizing<[u8; 32]>) {
        let scope = Scope {
            access_key_id: auth.access_key_id.clone(),
            date: auth.scope_date.clone(),
            region: auth.region.clone(),
            service: auth.service.clone(),
        };
        self.keys.insert(scope, key);
    }

    /// Scopes cached now.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Verifies `auth` for a request with these `parts` and `body` at time
/// `now_ms`, given the caller's secret access key.
pub fn verify_signature(
    auth: &ParsedAuth,
    parts: &http::request::Parts,
    body: &[u8],
    secret: &[u8],
    expected_service: &'static str,
    now_ms: i64,
    cache: &SigningKeyCache,
) -> Result<(), AuthError> {
    verify_signature_hashed(
        auth,
        parts,
        &payload_hash(body),
        secret,
        expected_service,
        now_ms,
        cache,
    )
}

/// What can be checked of a signature before the body is read, without the
/// caller's secret: the credential scope's service, the request date within
/// the allowed skew (a presigned request: not expired), the scope's date
/// being the request's, and `host` being signed. A request failing these is
/// refused before any byte of its body is read.
pub fn check_before_body(
    auth: &ParsedAuth,
    expected_service: &'static str,
    now_ms: i64,
) -> Result<(), AuthError> {
    if auth.service != expected_service {
        return Err(AuthError::WrongService(expected_service));
    }
    check_time(auth, now_ms)?;
    if !auth.amz_date.starts_with(&auth.scope_date) {
        return Err(AuthError::SignatureMismatch);
    }
    if !auth.signed_headers.iter().any(|h| h == "host") {
        return Err(AuthError::SignatureMismatch);
    }
    Ok(())
}

/// [`verify_signature`] given the body's hex SHA-256 (from a
/// [`crate::PayloadHasher`] fed as the body streamed in) instead of the body.
/// An `x-amz-content-sha256` header must equal it.
pub fn verify_signature_hashed(
    auth: &ParsedAuth,
    parts: &http::request::Parts,
    body_hash: &[u8; 64],
    secret: &[u8],
    expected_service: &'static str,
    now_ms: i64,
    cache: &SigningKeyCache,
) -> Result<(), AuthError> {
    check_before_body(auth, expected_service, now_ms)?;
    if let Some(claimed) = parts.headers.get("x-amz-content-sha256")
        && claimed.as_bytes() != body_hash.as_slice()
    {
        return Err(AuthError::SignatureMismatch);
    }
    // HTTP/2 carries the host in `:authority`, which hyper puts in the URI;
    // copy the headers only in that case.
    let with_host;
    let headers = match parts.uri.authority() {
        Some(authority) if !parts.headers.contains_key(http::header::HOST) => {
            let mut h = parts.headers.clone();
            if let Ok(v) = http::HeaderValue::from_str(authority.as_str()) {
                h.insert(http::header::HOST, v);
            }
            with_host = h;
            &with_host
        }
        _ => &parts.headers,
    };
    let creq = canonical_request_hash(
        &CanonicalParts {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            payload_hash: body_hash,
        },
        headers,
        &auth.signed_headers,
    )
    .ok_or(AuthError::SignatureMismatch)?;
    let (key, cached) = match cache.lookup(auth) {
        Some(k) => (k, true),
        None => (
            derive_signing_key(secret, &auth.scope_date, &auth.region, &auth.service),
            false,
        ),
    };
    let expected = signature(
        &key,
        &auth.amz_date,
        (&auth.scope_date, &auth.region, &auth.service),
        &creq,
    );
    if !bool::from(expected.as_slice().ct_eq(auth.signature.as_bytes())) {
        return Err(AuthError::SignatureMismatch);
    }
    if !cached {
        cache.remember(auth, key);
    }
    Ok(())
}

fn check_time(auth: &ParsedAuth, now_ms: i64) -> Result<(), AuthError> {
    let request_ms = parse_amz_date(&auth.amz_date).ok_or(AuthError::IncompleteSignature(
        "Date must be in ISO-8601 'basic format'. Got an unparseable value.",
    ))?;
    match auth.source {
        AuthSource::Header => {
            if request_ms < now_ms - MAX_SKEW_MS {
                return Err(AuthError::Expired {
                    request: auth.amz_date.clone(),
                    limit: format_amz_date(now_ms - MAX_SKEW_MS),
                    now: format_amz_date(now_ms),
                });
            }
            if request_ms > now_ms + MAX_SKEW_MS {
                return Err(AuthError::NotYetCurrent {
                    request: auth.amz_date.clone(),
                    limit: format_amz_date(now_ms + MAX_SKEW_MS),
                    now: format_amz_date(now_ms),
                });
            }
        }
        AuthSource::Query { expires_secs } => {
            if request_ms > now_ms + MAX_SKEW_MS {
                return Err(AuthError::NotYetCurrent {
                    request: auth.amz_date.clone(),
                    limit: format_amz_date(now_ms + MAX_SKEW_MS),
                    now: format_amz_date(now_ms),
                });
            }
            let expiry = request_ms + expires_secs * 1000;
            if now_ms > expiry {
                return Err(AuthError::PresignExpired(format_amz_date(expiry)));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SignInput, parse_auth, sign_headers};
    use aws_credential_types::Credentials;
    use aws_sigv4::http_request::{
        PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
        sign,
    };
    use aws_sigv4::sign::v4;
    use std::time::{Duration, UNIX_EPOCH};

    const NOW: i64 = 1_700_000_000_000;
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /// Signs with the AWS SDK's own signer, our oracle.
    fn aws_signed(body: &str, location: SignatureLocation, at_ms: i64) -> http::Request<String> {
        aws_signed_with(body, location, at_ms, PayloadChecksumKind::NoHeader)
    }

    /// The same, with or without an `x-amz-content-sha256` header (signed).
    fn aws_signed_with(
        body: &str,
        location: SignatureLocation,
        at_ms: i64,
        checksum: PayloadChecksumKind,
    ) -> http::Request<String> {
        let creds = Credentials::new("AKIDEXAMPLE", SECRET, None, None, "test");
        let identity = creds.into();
        let mut settings = SigningSettings::default();
        settings.signature_location = location;
        settings.payload_checksum_kind = checksum;
        settings.expires_in = Some(Duration::from_secs(300));
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("us-east-1")
            .name("secretsmanager")
            .time(UNIX_EPOCH + Duration::from_millis(at_ms as u64))
            .settings(settings)
            .build()
            .unwrap()
            .into();
        let mut req = http::Request::builder()
            .method("POST")
            .uri("http://localhost:4566/")
            .header("host", "localhost:4566")
            .header("content-type", "application/x-amz-json-1.1")
            .header("x-amz-target", "secretsmanager.ListSecrets")
            .body(body.to_owned())
            .unwrap();
        let signable = SignableRequest::new(
            "POST",
            "http://localhost:4566/",
            req.headers()
                .iter()
                .map(|(k, v)| (k.as_str(), v.to_str().unwrap())),
            SignableBody::Bytes(body.as_bytes()),
        )
        .unwrap();
        let (instructions, _) = sign(signable, &params).unwrap().into_parts();
        instructions.apply_to_request_http1x(&mut req);
        req
    }

    fn verify(
        req: &http::Request<String>,
        body: &str,
        secret: &str,
        now: i64,
    ) -> Result<(), AuthError> {
        let parts = req.clone().into_parts().0;
        let auth = parse_auth(&parts)?;
        verify_signature(
            &auth,
            &parts,
            body.as_bytes(),
            secret.as_bytes(),
            "secretsmanager",
            now,
            &SigningKeyCache::default(),
        )
    }

    #[test]
    fn accepts_what_the_sdk_signs() {
        let req = aws_signed("{}", SignatureLocation::Headers, NOW);
        assert_eq!(verify(&req, "{}", SECRET, NOW), Ok(()));
        assert_eq!(verify(&req, "{}", SECRET, NOW + 14 * 60 * 1000), Ok(()));
    }

    #[test]
    fn accepts_presigned_queries() {
        let req = aws_signed("{}", SignatureLocation::QueryParams, NOW);
        assert!(req.uri().query().unwrap().contains("X-Amz-Signature"));
        assert_eq!(verify(&req, "{}", SECRET, NOW), Ok(()));
        assert!(matches!(
            verify(&req, "{}", SECRET, NOW + 301_000),
            Err(AuthError::PresignExpired(_))
        ));
    }

    /// Vectors from AWS's published SigV4 test suite (get-vanilla,
    /// get-vanilla-query-order-key-case, post-vanilla): service `service`,
    /// us-east-1, 2015-08-30T12:36:00Z, the documented example key.
    #[test]
    fn aws_test_suite_vectors() {
        let now = crate::parse_amz_date("20150830T123600Z").unwrap();
        for (method, uri, signature) in [
            (
                "GET",
                "/",
                "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
            ),
            (
                "GET",
                "/?Param2=value2&Param1=value1",
                "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
            ),
            (
                "POST",
                "/",
                "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
            ),
        ] {
            let auth = format!(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
                 SignedHeaders=host;x-amz-date, Signature={signature}"
            );
            let parts = http::Request::builder()
                .method(method)
                .uri(uri)
                .header("host", "example.amazonaws.com")
                .header("x-amz-date", "20150830T123600Z")
                .header("authorization", auth)
                .body(())
                .unwrap()
                .into_parts()
                .0;
            let parsed = parse_auth(&parts).unwrap();
            let cache = SigningKeyCache::default();
            assert_eq!(
                verify_signature(
                    &parsed,
                    &parts,
                    b"",
                    SECRET.as_bytes(),
                    "service",
                    now,
                    &cache
                ),
                Ok(()),
                "{method} {uri}"
            );
        }
    }

    #[test]
    fn only_verified_keys_are_cached() {
        let req = aws_signed("{}", SignatureLocation::Headers, NOW);
        let parts = req.clone().into_parts().0;
        let auth = parse_auth(&parts).unwrap();
        let cache = SigningKeyCache::default();
        let wrong = verify_signature(
            &auth,
            &parts,
            b"{}",
            b"wrong",
            "secretsmanager",
            NOW,
            &cache,
        );
        assert_eq!(wrong, Err(AuthError::SignatureMismatch));
        assert!(cache.lookup(&auth).is_none());
        verify_signature(
            &auth,
            &parts,
            b"{}",
            SECRET.as_bytes(),
            "secretsmanager",
            NOW,
            &cache,
        )
        .unwrap();
        assert!(cache.lookup(&auth).is_some());
        // and the cached key keeps verifying
        verify_signature(
            &auth,
            &parts,
            b"{}",
            SECRET.as_bytes(),
            "secretsmanager",
            NOW,
            &cache,
        )
        .unwrap();
    }

    #[test]
    fn the_cache_stays_within_its_bytes() {
        let cache = SigningKeyCache::with_capacity(64 * 1024);
        let req = aws_signed("{}", SignatureLocation::Headers, NOW);
        let parts = req.clone().into_parts().0;
        let mut auth = parse_auth(&parts).unwrap();
        for i in 0..10_000 {
            auth.region = format!("region-{i}-{}", "x".repeat(100));
            cache.remember(&auth, Zeroizing::new([0u8; 32]));
        }
        // 64 KiB at ≥ 260 bytes an entry holds fewer than 260 entries.
        assert!(cache.len() < 260, "{} entries", cache.len());
        assert!(cache.keys.weight() <= 64 * 1024);
        // The newest scope is there.
        assert!(cache.lookup(&auth).is_some());
    }

    #[test]
    fn rejects_tampering() {
        let req = aws_signed("{}", SignatureLocation::Headers, NOW);
        assert_eq!(
            verify(&req, "{\"a\":1}", SECRET, NOW),
            Err(AuthError::SignatureMismatch)
        );
        assert_eq!(
            verify(&req, "{}", "other", NOW),
            Err(AuthError::SignatureMismatch)
        );
        let mut tampered = req.clone();
        tampered.headers_mut().insert(
            "x-amz-target",
            http::HeaderValue::from_static("secretsmanager.DeleteSecret"),
        );
        assert_eq!(
            verify(&tampered, "{}", SECRET, NOW),
            Err(AuthError::SignatureMismatch)
        );
        assert!(matches!(
            verify(&req, "{}", SECRET, NOW + 16 * 60 * 1000),
            Err(AuthError::Expired { .. })
        ));
        assert!(matches!(
            verify(&req, "{}", SECRET, NOW - 16 * 60 * 1000),
            Err(AuthError::NotYetCurrent { .. })
        ));
    }

    /// The SDK's `SignedHeaders` and signature.
    fn signed_headers_and_signature(authorization: &str) -> (Vec<String>, String) {
        let field = |name: &str| {
            authorization
                .split(", ")
                .find_map(|p| p.split_once(' ').map_or(p, |(_, r)| r).strip_prefix(name))
                .unwrap_or_else(|| panic!("no {name} in {authorization}"))
                .to_owned()
        };
        let names = field("SignedHeaders=")
            .split(';')
            .map(str::to_owned)
            .collect();
        (names, field("Signature="))
    }

    #[test]
    fn what_is_checked_before_the_body_needs_neither_body_nor_secret() {
        let req = aws_signed("{}", SignatureLocation::Headers, NOW);
        let auth = parse_auth(&req.clone().into_parts().0).unwrap();
        assert_eq!(check_before_body(&auth, "secretsmanager", NOW), Ok(()));
        assert_eq!(
            check_before_body(&auth, "sts", NOW),
            Err(AuthError::WrongService("sts"))
        );
        assert!(matches!(
            check_before_body(&auth, "secretsmanager", NOW + 16 * 60 * 1000),
            Err(AuthError::Expired { .. })
        ));
        assert!(matches!(
            check_before_body(&auth, "secretsmanager", NOW - 16 * 60 * 1000),
            Err(AuthError::NotYetCurrent { .. })
        ));
        let mut other_day = auth.clone();
        other_day.scope_date = "19990101".to_owned();
        assert_eq!(
            check_before_body(&other_day, "secretsmanager", NOW),
            Err(AuthError::SignatureMismatch)
        );
        let mut no_host = auth.clone();
        no_host.signed_headers.retain(|h| h != "host");
        assert_eq!(
            check_before_body(&no_host, "secretsmanager", NOW),
            Err(AuthError::SignatureMismatch)
        );
    }

    #[test]
    fn a_streamed_hash_verifies_and_must_match_x_amz_content_sha256() {
        let body = "{\"SecretId\":\"db/prod\"}";
        let req = aws_signed(body, SignatureLocation::Headers, NOW);
        let mut parts = req.clone().into_parts().0;
        let auth = parse_auth(&parts).unwrap();
        let mut hasher = crate::PayloadHasher::default();
        for chunk in body.as_bytes().chunks(3) {
            hasher.update(chunk);
        }
        let hash = hasher.finish();
        let check = |parts: &http::request::Parts, hash: &[u8; 64]| {
            verify_signature_hashed(
                &auth,
                parts,
                hash,
                SECRET.as_bytes(),
                "secretsmanager",
                NOW,
                &SigningKeyCache::default(),
            )
        };
        assert_eq!(check(&parts, &hash), Ok(()));
        assert_eq!(
            check(&parts, &crate::canonical::payload_hash(b"{}")),
            Err(AuthError::SignatureMismatch)
        );
        // The header, when sent, is the streamed hash; anything else is refused.
        parts.headers.insert(
            "x-amz-content-sha256",
            http::HeaderValue::from_bytes(&hash).unwrap(),
        );
        assert_eq!(check(&parts, &hash), Ok(()));
        parts.headers.insert(
            "x-amz-content-sha256",
            http::HeaderValue::from_bytes(&crate::canonical::payload_hash(b"{}")).unwrap(),
        );
        assert_eq!(check(&parts, &hash), Err(AuthError::SignatureMismatch));
    }

    #[test]
    fn our_signer_matches_the_sdk() {
        for checksum in [
            PayloadChecksumKind::NoHeader,
            PayloadChecksumKind::XAmzSha256,
        ] {
            let req = aws_signed_with("{\"x\":1}", SignatureLocation::Headers, NOW, checksum);
            let theirs = req.headers()["authorization"].to_str().unwrap();
            let (names, their_sig) = signed_headers_and_signature(theirs);
            assert_eq!(
                names.iter().any(|n| n == "x-amz-content-sha256"),
                checksum == PayloadChecksumKind::XAmzSha256,
                "{theirs}"
            );
            // Ours signs every header it is given: give it exactly the SDK's.
            let mut headers = http::HeaderMap::new();
            for name in &names {
                headers.insert(
                    http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                    req.headers()[name.as_str()].clone(),
                );
            }
            let ours = sign_headers(&SignInput {
                method: "POST",
                path: "/",
                query: None,
                headers: &headers,
                body: b"{\"x\":1}",
                access_key_id: "AKIDEXAMPLE",
                secret_access_key: SECRET,
                region: "us-east-1",
                service: "secretsmanager",
                amz_date: &format_amz_date(NOW),
            });
            assert_eq!(signed_headers_and_signature(&ours), (names, their_sig));
            let mut signed = req.clone();
            signed
                .headers_mut()
                .insert("authorization", http::HeaderValue::from_str(&ours).unwrap());
            assert_eq!(verify(&signed, "{\"x\":1}", SECRET, NOW), Ok(()));
        }
    }

    /// A signed `x-amz-content-sha256` is part of the canonical request: the
    /// SDK's signature over it verifies, and a request that drops it or
    /// claims another body's hash does not.
    #[test]
    fn x_amz_content_sha256_is_checked_and_signed() {
        let body = "{\"x\":1}";
        let req = aws_signed_with(
            body,
            SignatureLocation::Headers,
            NOW,
            PayloadChecksumKind::XAmzSha256,
        );
        assert_eq!(
            req.headers()["x-amz-content-sha256"].as_bytes(),
            payload_hash(body.as_bytes()).as_slice()
        );
        assert_eq!(verify(&req, body, SECRET, NOW), Ok(()));

        let mut dropped = req.clone();
        dropped.headers_mut().remove("x-amz-content-sha256");
        assert_eq!(
            verify(&dropped, body, SECRET, NOW),
            Err(AuthError::SignatureMismatch)
        );

        let other = payload_hash(b"{}");
        let mut wrong = req.clone();
        wrong.headers_mut().insert(
            "x-amz-content-sha256",
            http::HeaderValue::from_bytes(other.as_slice()).unwrap(),
        );
        assert_eq!(
            verify(&wrong, body, SECRET, NOW),
            Err(AuthError::SignatureMismatch)
        );
        // Even unsigned, a hash that is not the body's is refused.
        let unsigned = aws_signed(body, SignatureLocation::Headers, NOW);
        let mut claimed = unsigned.clone();
        claimed.headers_mut().insert(
            "x-amz-content-sha256",
            http::HeaderValue::from_bytes(other.as_slice()).unwrap(),
        );
        assert_eq!(verify(&unsigned, body, SECRET, NOW), Ok(()));
        assert_eq!(
            verify(&claimed, body, SECRET, NOW),
            Err(AuthError::SignatureMismatch)
        );
    }
}
