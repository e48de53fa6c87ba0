//! Reading the signature parts out of a request, before any key lookup.

use crate::AuthError;
use crate::canonical::decode;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Where the signature came from; presigned requests carry their own expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthSource {
    Header,
    /// Presigned query string, valid for `expires_secs` after the request date.
    Query {
        expires_secs: i64,
    },
}

/// The parts of a SigV4 signature, as the client sent them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedAuth {
    pub access_key_id: String,
    /// `YYYYMMDD` of the credential scope.
    pub scope_date: String,
    pub region: String,
    pub service: String,
    /// Lower-case header names, in the order signed.
    pub signed_headers: Vec<String>,
    /// Hex signature as sent.
    pub signature: String,
    /// The request time, `X-Amz-Date` (or `Date`) as sent.
    pub amz_date: String,
    pub source: AuthSource,
}

impl ParsedAuth {
    /// `date/region/service/aws4_request`.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.scope_date, self.region, self.service
        )
    }
}

/// Finds and parses the signature of a request: the Authorization header, or
/// else the presigned query parameters.
pub fn parse_auth(parts: &http::request::Parts) -> Result<ParsedAuth, AuthError> {
    if let Some(value) = parts.headers.get(http::header::AUTHORIZATION) {
        let value = value.to_str().map_err(|_| {
            AuthError::IncompleteSignature("The Authorization header is not valid ASCII.")
        })?;
        return parse_header(value, &parts.headers);
    }
    if let Some(query) = parts.uri.query()
        && query.split('&').any(|p| p.starts_with("X-Amz-Algorithm="))
    {
        return parse_query(query);
    }
    Err(AuthError::MissingAuthenticationToken)
}

fn parse_header(value: &str, headers: &http::HeaderMap) -> Result<ParsedAuth, AuthError> {
    let rest = value
        .strip_prefix(ALGORITHM)
        .filter(|r| r.starts_with(' '))
        .ok_or(AuthError::IncompleteSignature(
            "Authorization header requires the algorithm AWS4-HMAC-SHA256.",
        ))?;
    let mut credential = None;
    let mut signed_headers = None;
    let mut signature = None;
    for part in rest.split(',') {
        let part = part.trim();
        if let Some(v) = part.strip_prefix("Credential=") {
            credential = Some(v);
        } else if let Some(v) = part.strip_prefix("SignedHeaders=") {
            signed_headers = Some(v);
        } else if let Some(v) = part.strip_prefix("Signature=") {
            signature = Some(v);
        }
    }
    let credential = credential.ok_or(AuthError::IncompleteSignature(
        "Authorization header requires 'Credential' parameter.",
    ))?;
    let signed_headers = signed_headers.ok_or(AuthError::IncompleteSignature(
        "Authorization header requires 'SignedHeaders' parameter.",
    ))?;
    let signature = signature.ok_or(AuthError::IncompleteSignature(
        "Authorization header requires 'Signature' parameter.",
    ))?;
    let amz_date = headers
        .get("x-amz-date")
        .or_else(|| headers.get(http::header::DATE))
        .and_then(|v| v.to_str().ok())
        .ok_or(AuthError::IncompleteSignature(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
        ))?;
    build(
        credential,
        signed_headers,
        signature,
        amz_date,
        AuthSource::Header,
    )
}

fn parse_query(query: &str) -> Result<ParsedAuth, AuthError> {
    let get = |name: &str| {
        query
            .split('&')
            .find_map(|p| p.strip_prefix(name).and_then(|r| r.strip_prefix('=')))
            .map(decode)
    };
    if get("X-Amz-Algorithm").as_deref() != Some(ALGORITHM) {
        return Err(AuthError::IncompleteSignature(
            "X-Amz-Algorithm only supports AWS4-HMAC-SHA256.",
        ));
    }
    let missing = AuthError::IncompleteSignature(
        "AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'.",
    );
    let credential = get("X-Amz-Credential").ok_or(missing.clone())?;
    let signed_headers = get("X-Amz-SignedHeaders").ok_or(missing.clone())?;
    let signature = get("X-Amz-Signature").ok_or(missing.clone())?;
    let amz_date = get("X-Amz-Date").ok_or(missing)?;
    let expires_secs = match get("X-Amz-Expires") {
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|e| (0..=604_800).contains(e))
            .ok_or(AuthError::IncompleteSignature(
                "X-Amz-Expires must be a number of seconds up to 604800.",
            ))?,
        None => 900,
    };
    build(
        &credential,
        &signed_headers,
        &signature,
        &amz_date,
        AuthSource::Query { expires_secs },
    )
}

fn build(
    credential: &str,
    signed_headers: &str,
    signature: &str,
    amz_date: &str,
    source: AuthSource,
) -> Result<ParsedAuth, AuthError> {
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key_id, date, region, service, terminator] = scope.as_slice() else {
        return Err(AuthError::IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term.",
        ));
    };
    if *terminator != "aws4_request"
        || access_key_id.is_empty()
        || region.is_empty()
        || date.len() != 8
    {
        return Err(AuthError::IncompleteSignature(
            "Credential must be of the form keyid/YYYYMMDD/region/service/aws4_request.",
        ));
    }
    // The region becomes part of ARNs and storage keys: AWS's region shape only.
    if region.len() > 128
        || !region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(AuthError::InvalidRegion);
    }
    let signed_headers: Vec<String> = signed_headers
        .split(';')
        .map(str::to_ascii_lowercase)
        .collect();
    if signed_headers.iter().any(String::is_empty) {
        return Err(AuthError::IncompleteSignature(
            "SignedHeaders must not contain empty names.",
        ));
    }
    if signature.is_empty() || !signature.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AuthError::IncompleteSignature(
            "Signature must be a hexadecimal string.",
        ));
    }
    Ok(ParsedAuth {
        access_key_id: (*access_key_id).to_owned(),
        scope_date: (*date).to_owned(),
        region: (*region).to_owned(),
        service: (*service).to_owned(),
        signed_headers,
        signature: signature.to_ascii_lowercase(),
        amz_date: amz_date.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(auth: Option<&str>, uri: &str) -> http::request::Parts {
        let mut b = http::Request::builder()
            .uri(uri)
            .header("x-amz-date", "20150830T123600Z");
        if let Some(a) = auth {
            b = b.header("authorization", a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn header_form() {
        let p = parse_auth(&parts(
            Some("AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/secretsmanager/aws4_request, SignedHeaders=host;x-amz-date, Signature=ABCD"),
            "/",
        ))
        .unwrap();
        assert_eq!(p.access_key_id, "AKID");
        assert_eq!(p.region, "us-east-1");
        assert_eq!(p.signed_headers, ["host", "x-amz-date"]);
        assert_eq!(p.signature, "abcd");
        assert_eq!(p.scope(), "20150830/us-east-1/secretsmanager/aws4_request");
    }

    #[test]
    fn malformed_headers() {
        let check = |auth: &str| {
            assert!(
                matches!(
                    parse_auth(&parts(Some(auth), "/")),
                    Err(AuthError::IncompleteSignature(_))
                ),
                "{auth}"
            )
        };
        check("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab");
        check(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/secretsmanager/aws4_request, Signature=ab",
        );
        check(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/secretsmanager/aws4_request, SignedHeaders=host",
        );
        check("AWS4-HMAC-SHA256 Credential=AKID/us-east-1, SignedHeaders=host, Signature=ab");
        assert_eq!(
            parse_auth(&parts(
                Some(
                    "AWS4-HMAC-SHA256 Credential=AKID/20150830/US_East/secretsmanager/aws4_request, SignedHeaders=host, Signature=ab"
                ),
                "/"
            )),
            Err(AuthError::InvalidRegion)
        );
        check("Basic dXNlcjpwYXNz");
        check(
            "AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=xyz",
        );
        assert_eq!(
            parse_auth(&parts(None, "/")),
            Err(AuthError::MissingAuthenticationToken)
        );
    }

    #[test]
    fn query_form() {
        let p = parse_auth(&parts(
            None,
            "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKID%2F20150830%2Fus-west-2%2Fsecretsmanager%2Faws4_request&X-Amz-Date=20150830T123600Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc1",
        ))
        .unwrap();
        assert_eq!(p.region, "us-west-2");
        assert_eq!(p.source, AuthSource::Query { expires_secs: 60 });
    }
}
