//! Hand-built HTTP requests, signed with `aws-sigv4` (or deliberately not),
//! for the cases an SDK will not produce: tampered signatures, clock skew,
//! presigned URLs, malformed JSON, oversized bodies, and the exact wire
//! shapes of a few responses.

mod common;

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    PayloadChecksumKind, SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::*;

const CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// A response, fully read.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "response body is not JSON ({e}): status {} body {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// The `__type` of an error body.
    fn error_type(&self) -> String {
        let v = self.json();
        v.get("__type")
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("error body without __type: {v}"))
            .to_owned()
    }

    #[track_caller]
    fn assert_ok(&self) -> Value {
        assert_eq!(
            self.status,
            200,
            "expected 200, got {} {:?}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        self.json()
    }

    #[track_caller]
    fn assert_error(&self, code: &str) {
        assert_eq!(
            self.status,
            400,
            "expected HTTP 400 {code}, got {} {:?}",
            self.status,
            String::from_utf8_lossy(&self.body)
        );
        assert_eq!(
            self.error_type(),
            code,
            "body: {}",
            String::from_utf8_lossy(&self.body)
        );
    }

    /// A service error: bare `__type` and a capitalised `Message`.
    #[track_caller]
    fn assert_service_error(&self, code: &str, message: &str) {
        self.assert_error(code);
        let v = self.json();
        assert_eq!(
            v.get("Message").and_then(Value::as_str),
            Some(message),
            "body: {v}"
        );
    }
}

/// Raw JSON-1.1 requester against one server.
struct Raw {
    endpoint: String,
    client: HyperClient<HttpConnector, Full<Bytes>>,
    keys: Keys,
}

/// How to sign one request.
#[derive(Clone)]
struct Signing {
    access_key: String,
    secret_key: String,
    region: String,
    time: SystemTime,
    location: SignatureLocation,
    /// Whether to send (and sign) `x-amz-content-sha256`.
    checksum: PayloadChecksumKind,
    /// The payload hash to sign (and claim) instead of the body's.
    claimed_hash: Option<String>,
}

impl Raw {
    fn new(sr: &Strongroom) -> Self {
        Raw {
            endpoint: sr.endpoint.clone(),
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
            keys: sr.keys(),
        }
    }

    /// Correct signing parameters for this server's keys.
    fn signing(&self) -> Signing {
        Signing {
            access_key: self.keys.access_key.clone(),
            secret_key: self.keys.secret_key.clone(),
            region: REGION.to_owned(),
            time: SystemTime::now(),
            location: SignatureLocation::Headers,
            checksum: PayloadChecksumKind::NoHeader,
            claimed_hash: None,
        }
    }

    /// An unsigned `POST /` with the JSON-1.1 headers.
    fn request(&self, target: &str, body: &[u8]) -> http::Request<Full<Bytes>> {
        http::Request::builder()
            .method("POST")
            .uri(format!("{}/", self.endpoint))
            .header("content-type", CONTENT_TYPE)
            .header("x-amz-target", format!("secretsmanager.{target}"))
            .body(Full::new(Bytes::copy_from_slice(body)))
            .expect("build request")
    }

    fn signed(&self, target: &str, body: &[u8], how: &Signing) -> http::Request<Full<Bytes>> {
        let mut req = self.request(target, body);
        sign_request(&mut req, body, how);
        req
    }

    async fn send(&self, req: http::Request<Full<Bytes>>) -> Reply {
        let resp = tokio::time::timeout(Duration::from_secs(30), self.client.request(req))
            .await
            .expect("request timed out")
            .expect("HTTP request failed");
        Reply::read(resp).await
    }

    /// Sign correctly and send.
    async fn call(&self, target: &str, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).expect("serialize body");
        let how = self.signing();
        self.send(self.signed(target, &bytes, &how)).await
    }
}

impl Reply {
    async fn read(resp: http::Response<hyper::body::Incoming>) -> Reply {
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("read response body")
            .to_bytes()
            .to_vec();
        let reply = Reply {
            status,
            headers,
            body,
        };
        let rid = reply
            .headers
            .get("x-amzn-requestid")
            .unwrap_or_else(|| panic!("response without x-amzn-requestid: {reply:?}"));
        assert!(!rid.is_empty(), "empty x-amzn-requestid");
        reply
    }
}

/// Apply a SigV4 signature (header or query) to `req` for `body`.
fn sign_request(req: &mut http::Request<Full<Bytes>>, body: &[u8], how: &Signing) {
    let identity = Credentials::new(
        how.access_key.clone(),
        how.secret_key.clone(),
        None,
        None,
        "raw-test",
    )
    .into();
    let mut settings = SigningSettings::default();
    settings.signature_location = how.location;
    settings.payload_checksum_kind = how.checksum;
    if how.location == SignatureLocation::QueryParams {
        settings.expires_in = Some(Duration::from_secs(300));
    }
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&how.region)
        .name("secretsmanager")
        .time(how.time)
        .settings(settings)
        .build()
        .expect("signing params")
        .into();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                v.to_str().expect("ASCII header value").to_owned(),
            )
        })
        .collect();
    let uri = req.uri().to_string();
    let signable = SignableRequest::new(
        req.method().as_str(),
        uri,
        headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        match &how.claimed_hash {
            Some(hash) => SignableBody::Precomputed(hash.clone()),
            None => SignableBody::Bytes(body),
        },
    )
    .expect("signable request");
    let (instructions, _signature) = sign(signable, &params).expect("sign request").into_parts();
    instructions.apply_to_request_http1x(req);
}

fn create_body(name: &str, value: &str) -> Value {
    json!({"Name": name, "SecretString": value, "ClientRequestToken": token()})
}

// ---------------------------------------------------------------------------
// Authentication
// ---------------------------------------------------------------------------

#[tokio::test]
async fn authentication_failures() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);
    let body = br#"{}"#;

    // Baseline: a correctly signed request works.
    let ok_reply = raw
        .send(raw.signed("ListSecrets", body, &raw.signing()))
        .await;
    ok_reply.assert_ok();

    // Unknown access key id.
    let mut how = raw.signing();
    how.access_key = "AKIAIOSFODNN7EXAMPLE".to_owned();
    raw.send(raw.signed("ListSecrets", body, &how))
        .await
        .assert_error("UnrecognizedClientException");

    // Known key, wrong secret.
    let mut how = raw.signing();
    how.secret_key = format!("{}x", how.secret_key);
    raw.send(raw.signed("ListSecrets", body, &how))
        .await
        .assert_error("InvalidSignatureException");

    // Body changed after signing.
    let mut req = raw.signed("ListSecrets", body, &raw.signing());
    *req.body_mut() = Full::new(Bytes::from_static(br#"{"MaxResults":1}"#));
    raw.send(req)
        .await
        .assert_error("InvalidSignatureException");

    // X-Amz-Target changed after signing.
    let mut req = raw.signed("ListSecrets", body, &raw.signing());
    req.headers_mut().insert(
        "x-amz-target",
        http::HeaderValue::from_static("secretsmanager.GetRandomPassword"),
    );
    raw.send(req)
        .await
        .assert_error("InvalidSignatureException");

    // Signed 20 minutes ago (outside the 15-minute skew window), and in the future.
    for skew in [-20i64 * 60, 20 * 60] {
        let mut how = raw.signing();
        how.time = if skew < 0 {
            SystemTime::now() - Duration::from_secs(skew.unsigned_abs())
        } else {
            SystemTime::now() + Duration::from_secs(skew.unsigned_abs())
        };
        raw.send(raw.signed("ListSecrets", body, &how))
            .await
            .assert_error("InvalidSignatureException");
    }
    // Inside the window (5 minutes old) is fine.
    let mut how = raw.signing();
    how.time = SystemTime::now() - Duration::from_secs(5 * 60);
    raw.send(raw.signed("ListSecrets", body, &how))
        .await
        .assert_ok();

    // No Authorization at all.
    raw.send(raw.request("ListSecrets", body))
        .await
        .assert_error("MissingAuthenticationTokenException");

    // Malformed Authorization headers.
    for garbage in [
        "garbage",
        "AWS4-HMAC-SHA256 garbage",
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/secretsmanager/aws4_request",
    ] {
        let mut req = raw.request("ListSecrets", body);
        req.headers_mut().insert(
            "authorization",
            http::HeaderValue::from_str(garbage).expect("header value"),
        );
        raw.send(req)
            .await
            .assert_error("IncompleteSignatureException");
    }

    // A request signed for another region still verifies: the region comes
    // from the credential scope.
    let mut how = raw.signing();
    how.region = "eu-west-1".to_owned();
    raw.send(raw.signed("ListSecrets", body, &how))
        .await
        .assert_ok();
}

#[tokio::test]
async fn presigned_request_is_accepted() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);
    let create = serde_json::to_vec(&create_body("presigned/one", "p1")).expect("json");
    let mut how = raw.signing();
    how.location = SignatureLocation::QueryParams;
    let req = raw.signed("CreateSecret", &create, &how);
    assert!(
        req.uri()
            .query()
            .is_some_and(|q| q.contains("X-Amz-Signature=")),
        "presigned URI carries the signature: {}",
        req.uri()
    );
    assert!(req.headers().get("authorization").is_none());
    let v = raw.send(req).await.assert_ok();
    assert_arn(v["ARN"].as_str().expect("ARN"), REGION, "presigned/one");

    let get = br#"{"SecretId":"presigned/one"}"#;
    let req = raw.signed("GetSecretValue", get, &how);
    let v = raw.send(req).await.assert_ok();
    assert_eq!(v["SecretString"], "p1");

    // A tampered presigned signature is rejected.
    let mut req = raw.signed("GetSecretValue", get, &how);
    let uri = req.uri().to_string();
    let at = uri.find("X-Amz-Signature=").expect("signature param") + "X-Amz-Signature=".len();
    let flipped = if uri.as_bytes()[at] == b'0' { "1" } else { "0" };
    let tampered = format!("{}{}{}", &uri[..at], flipped, &uri[at + 1..]);
    *req.uri_mut() = tampered.parse().expect("uri");
    raw.send(req)
        .await
        .assert_error("InvalidSignatureException");
}

#[tokio::test]
async fn dev_mode_accepts_any_key() {
    let sr = Strongroom::start_dev();
    for (ak, sk) in [
        ("AKIAANYTHING0000001", "whatever"),
        ("AKIASOMETHINGELSE02", "other-secret"),
    ] {
        let c = sdk_client(&sr.endpoint, REGION, ak, sk);
        let name = unique("dev");
        ok(
            c.create_secret()
                .name(&name)
                .secret_string("devval")
                .send()
                .await,
            "CreateSecret (dev)",
        );
        let g = ok(
            c.get_secret_value().secret_id(&name).send().await,
            "GetSecretValue (dev)",
        );
        assert_eq!(g.secret_string(), Some("devval"));
        assert_arn(g.arn().expect("ARN"), REGION, &name);
    }
    // Raw as well, with a made-up key.
    let raw = Raw::new(&sr);
    let mut how = raw.signing();
    how.access_key = "AKIAMADEUP0000000000".to_owned();
    how.secret_key = "made-up".to_owned();
    raw.send(raw.signed("ListSecrets", b"{}", &how))
        .await
        .assert_ok();
}

#[tokio::test]
async fn region_in_scope_decides_arn_region() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);
    for region in ["eu-west-2", "ap-southeast-2", "us-east-1"] {
        let name = unique("regional");
        let mut how = raw.signing();
        how.region = region.to_owned();
        let bytes = serde_json::to_vec(&create_body(&name, "r")).expect("json");
        let v = raw
            .send(raw.signed("CreateSecret", &bytes, &how))
            .await
            .assert_ok();
        assert_arn(v["ARN"].as_str().expect("ARN"), region, &name);
    }
    // The SDK's configured region does the same.
    let c = sr.client_in("eu-central-1");
    let name = unique("sdk-regional");
    let out = ok(
        c.create_secret()
            .name(&name)
            .secret_string("x")
            .send()
            .await,
        "CreateSecret",
    );
    assert_arn(out.arn().expect("ARN"), "eu-central-1", &name);
}

/// SHA-256 of the empty payload: a hash no non-empty body has.
const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[tokio::test]
async fn x_amz_content_sha256_must_be_the_body_hash() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);
    let body = |name: &str| serde_json::to_vec(&create_body(name, "v")).expect("json");
    let mut with_header = raw.signing();
    with_header.checksum = PayloadChecksumKind::XAmzSha256;

    // Signed with the header carrying the body's hash: accepted.
    let req = raw.signed("CreateSecret", &body("sha/signed"), &with_header);
    let authorization = req.headers()["authorization"].to_str().expect("ASCII");
    assert!(
        authorization.contains("x-amz-content-sha256;"),
        "{authorization}"
    );
    assert_ne!(req.headers()["x-amz-content-sha256"], EMPTY_SHA256);
    raw.send(req).await.assert_ok();

    // The body's hash in an unsigned header: accepted as well.
    let unsigned = body("sha/unsigned");
    let mut req = raw.signed("CreateSecret", &unsigned, &raw.signing());
    let right = with_header_value(&raw, &unsigned);
    req.headers_mut()
        .insert("x-amz-content-sha256", right.parse().expect("header"));
    raw.send(req).await.assert_ok();

    // A valid signature over a claimed hash that is not the body's.
    let mut claims_other = with_header.clone();
    claims_other.claimed_hash = Some(EMPTY_SHA256.to_owned());
    let req = raw.signed("CreateSecret", &body("sha/claimed"), &claims_other);
    assert_eq!(req.headers()["x-amz-content-sha256"], EMPTY_SHA256);
    raw.send(req)
        .await
        .assert_error("InvalidSignatureException");

    // The same wrong hash in an unsigned header.
    let mut req = raw.signed("CreateSecret", &body("sha/wrong"), &raw.signing());
    req.headers_mut().insert(
        "x-amz-content-sha256",
        EMPTY_SHA256.parse().expect("header"),
    );
    raw.send(req)
        .await
        .assert_error("InvalidSignatureException");

    // Signed, then taken off: the signature covered it.
    let mut req = raw.signed("CreateSecret", &body("sha/dropped"), &with_header);
    req.headers_mut().remove("x-amz-content-sha256");
    raw.send(req)
        .await
        .assert_error("InvalidSignatureException");

    for (name, exists) in [
        ("sha/signed", true),
        ("sha/unsigned", true),
        ("sha/claimed", false),
        ("sha/wrong", false),
        ("sha/dropped", false),
    ] {
        let reply = raw.call("DescribeSecret", &json!({"SecretId": name})).await;
        if exists {
            reply.assert_ok();
        } else {
            reply.assert_error("ResourceNotFoundException");
        }
    }
}

/// The `x-amz-content-sha256` value the SDK computes for `body`.
fn with_header_value(raw: &Raw, body: &[u8]) -> String {
    let mut how = raw.signing();
    how.checksum = PayloadChecksumKind::XAmzSha256;
    raw.signed("ListSecrets", body, &how).headers()["x-amz-content-sha256"]
        .to_str()
        .expect("ASCII")
        .to_owned()
}

/// Sends `req` on a new HTTP/2 connection opened with prior knowledge
/// (h2c, no upgrade): the host travels only as `:authority`, taken from the
/// request's URI.
async fn send_h2(server: &str, req: http::Request<Full<Bytes>>) -> Reply {
    assert!(req.headers().get(http::header::HOST).is_none());
    let stream = tokio::net::TcpStream::connect(server)
        .await
        .expect("connect to server");
    let (mut sender, connection) =
        hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
            .await
            .expect("HTTP/2 handshake");
    tokio::spawn(connection);
    let resp = tokio::time::timeout(Duration::from_secs(30), sender.send_request(req))
        .await
        .expect("request timed out")
        .expect("HTTP/2 request failed");
    assert_eq!(resp.version(), http::Version::HTTP_2);
    Reply::read(resp).await
}

#[tokio::test]
async fn http2_authority_is_the_signed_host() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);
    let body = serde_json::to_vec(&create_body("h2/one", "over h2")).expect("json");
    let req = raw.signed("CreateSecret", &body, &raw.signing());
    send_h2(&sr.authority, req).await.assert_ok();
    let v = raw
        .call("GetSecretValue", &json!({"SecretId": "h2/one"}))
        .await
        .assert_ok();
    assert_eq!(v["SecretString"], "over h2");

    // The host is the request's `:authority`, whatever address the
    // connection went to: signed for another name, and sent with it.
    let get = br#"{"SecretId":"h2/one"}"#;
    let elsewhere = "secrets.example.com:4566";
    let mut req = raw.request("GetSecretValue", get);
    *req.uri_mut() = format!("http://{elsewhere}/").parse().expect("uri");
    sign_request(&mut req, get, &raw.signing());
    let v = send_h2(&sr.authority, req).await.assert_ok();
    assert_eq!(v["SecretString"], "over h2");

    // Signed for one `:authority`, sent with another: refused.
    let mut req = raw.signed("GetSecretValue", get, &raw.signing());
    *req.uri_mut() = format!("http://{elsewhere}/").parse().expect("uri");
    send_h2(&sr.authority, req)
        .await
        .assert_error("InvalidSignatureException");
}

// ---------------------------------------------------------------------------
// Protocol errors
// ---------------------------------------------------------------------------

#[tokio::test]
async fn protocol_errors() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);

    raw.call("FrobnicateSecret", &json!({}))
        .await
        .assert_error("UnknownOperationException");

    let how = raw.signing();
    for bad in [
        &b"{\"Name\": "[..],
        b"not json at all",
        b"{\"Name\": \"x\",}",
    ] {
        raw.send(raw.signed("CreateSecret", bad, &how))
            .await
            .assert_error("SerializationException");
    }
    raw.call(
        "CreateSecret",
        &json!({"Name": 5, "SecretString": "x", "ClientRequestToken": token()}),
    )
    .await
    .assert_error("SerializationException");
    raw.call("ListSecrets", &json!({"MaxResults": "ten"}))
        .await
        .assert_error("SerializationException");
    raw.call("GetSecretValue", &json!({"SecretId": ["a"]}))
        .await
        .assert_error("SerializationException");

    // Missing required member: a model constraint, like a length.
    raw.call("GetSecretValue", &json!({}))
        .await
        .assert_service_error(
            "InvalidParameterException",
            "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null",
        );

    // Request ids are unique per request.
    let a = raw.call("ListSecrets", &json!({})).await;
    let b = raw.call("ListSecrets", &json!({})).await;
    assert_ne!(
        a.headers.get("x-amzn-requestid"),
        b.headers.get("x-amzn-requestid")
    );
}

#[tokio::test]
async fn oversized_body_is_413() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);
    let value = "x".repeat(2 * 1024 * 1024);
    let body = serde_json::to_vec(
        &json!({"Name": "too-big", "SecretString": value, "ClientRequestToken": token()}),
    )
    .expect("json");
    let req = raw.signed("CreateSecret", &body, &raw.signing());

    // Raw TCP so an early response (before the body is fully sent) is still
    // read even if the server closes the connection afterwards.
    let mut head = format!(
        "POST {} HTTP/1.1\r\nhost: {}\r\n",
        req.uri().path(),
        sr.authority
    );
    for (k, v) in req.headers() {
        head.push_str(&format!("{}: {}\r\n", k, v.to_str().expect("ASCII header")));
    }
    head.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));

    let stream = tokio::net::TcpStream::connect(&sr.authority)
        .await
        .expect("connect to server");
    let (mut rd, mut wr) = stream.into_split();
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_ok() {
            let _ = wr.write_all(&body).await;
        }
        wr
    });
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), async {
        let mut chunk = [0u8; 8192];
        loop {
            match rd.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    buf.extend_from_slice(&chunk[..n]);
                    if contains_bytes(&buf, b"\r\n\r\n") {
                        break;
                    }
                }
            }
        }
    })
    .await;
    assert!(read.is_ok(), "no response to a 2 MiB body within 30 s");
    writer.abort();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status_line = text.lines().next().unwrap_or_default();
    assert!(
        status_line.starts_with("HTTP/1.1 413"),
        "expected 413 for a 2 MiB body, got {status_line:?} (full head: {text:?})"
    );
    assert!(
        text.to_ascii_lowercase().contains("\r\nx-amzn-requestid:"),
        "413 response without x-amzn-requestid: {text:?}"
    );

    // The server is still healthy and nothing was created.
    let reply = raw
        .call("DescribeSecret", &json!({"SecretId": "too-big"}))
        .await;
    reply.assert_error("ResourceNotFoundException");
}

// ---------------------------------------------------------------------------
// Wire shapes the SDK hides
// ---------------------------------------------------------------------------

#[tokio::test]
async fn client_request_token_is_mandatory_on_the_wire() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);
    // The recorded SecretIds did not exist: the token check runs first.
    raw.call(
        "CreateSecret",
        &json!({"Name": "no-token", "SecretString": "v"}),
    )
    .await
    .assert_service_error("InvalidRequestException", MSG_NO_TOKEN);
    raw.call(
        "PutSecretValue",
        &json!({"SecretId": "missing", "SecretString": "v"}),
    )
    .await
    .assert_service_error("InvalidRequestException", MSG_NO_TOKEN);
    raw.call(
        "UpdateSecret",
        &json!({"SecretId": "missing", "SecretString": "v"}),
    )
    .await
    .assert_service_error("InvalidRequestException", MSG_NO_TOKEN);
    raw.call("DescribeSecret", &json!({"SecretId": "no-token"}))
        .await
        .assert_service_error("ResourceNotFoundException", MSG_NOT_FOUND);
}

#[tokio::test]
async fn wire_shapes() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);

    // SecretBinary is base64 on the wire, encoded exactly once.
    let tok = token();
    let v = raw
        .call(
            "CreateSecret",
            &json!({"Name": "wire/bin", "SecretBinary": "Zm9vdGVzdA==", "ClientRequestToken": tok}),
        )
        .await
        .assert_ok();
    assert_eq!(v["VersionId"], tok.as_str());
    assert_eq!(
        v.as_object().map(|o| o.len()),
        Some(3),
        "CreateSecret returns ARN, Name, VersionId: {v}"
    );
    let v = raw
        .call("GetSecretValue", &json!({"SecretId": "wire/bin"}))
        .await
        .assert_ok();
    assert_eq!(v["SecretBinary"], "Zm9vdGVzdA==");
    assert!(
        v.get("SecretString").is_none(),
        "no SecretString on a binary secret: {v}"
    );
    assert!(
        v["CreatedDate"].is_number(),
        "timestamps are epoch-second numbers: {v}"
    );

    // Value-less create: only ARN and Name.
    let v = raw
        .call(
            "CreateSecret",
            &json!({"Name": "wire/empty", "ClientRequestToken": token()}),
        )
        .await
        .assert_ok();
    let keys: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(set(keys), set(["ARN", "Name"]), "{v}");

    // Absent fields are omitted, never null or empty.
    let v = raw
        .call(
            "CreateSecret",
            &json!({"Name": "wire/plain", "SecretString": "s", "ClientRequestToken": token()}),
        )
        .await
        .assert_ok();
    let arn = v["ARN"].as_str().expect("ARN").to_owned();
    let d = raw
        .call("DescribeSecret", &json!({"SecretId": "wire/plain"}))
        .await
        .assert_ok();
    let obj = d.as_object().expect("DescribeSecret object");
    for (k, val) in obj {
        assert!(!val.is_null(), "{k} is null in {d}");
    }
    for absent in [
        "Description",
        "Tags",
        "RotationEnabled",
        "RotationRules",
        "RotationLambdaARN",
        "DeletedDate",
        "LastAccessedDate",
        "KmsKeyId",
        "ReplicationStatus",
        "PrimaryRegion",
        "OwningService",
    ] {
        assert!(!obj.contains_key(absent), "{absent} must be omitted: {d}");
    }
    assert_eq!(d["ARN"], arn.as_str());
    assert!(d["CreatedDate"].is_number());
    assert!(d["LastChangedDate"].is_number());

    let u = raw
        .call(
            "UpdateSecret",
            &json!({"SecretId": "wire/plain", "Description": "d"}),
        )
        .await
        .assert_ok();
    assert!(
        u.get("VersionId").is_none(),
        "description-only update has no VersionId: {u}"
    );

    let t = raw
        .call(
            "TagResource",
            &json!({"SecretId": "wire/plain", "Tags": [{"Key": "k", "Value": "v"}]}),
        )
        .await
        .assert_ok();
    assert_eq!(t, json!({}), "TagResource returns an empty object");
    let t = raw
        .call(
            "UntagResource",
            &json!({"SecretId": "wire/plain", "TagKeys": ["k"]}),
        )
        .await
        .assert_ok();
    assert_eq!(t, json!({}));
    let d = raw
        .call("DescribeSecret", &json!({"SecretId": "wire/plain"}))
        .await
        .assert_ok();
    assert_eq!(d["Tags"], json!([]), "Tags is [] after removing all: {d}");

    // ListSecrets uses SecretVersionsToStages; ListSecretVersionIds omits
    // VersionStages on deprecated versions.
    for _ in 0..2 {
        raw.call(
            "PutSecretValue",
            &json!({"SecretId": "wire/plain", "SecretString": "n", "ClientRequestToken": token()}),
        )
        .await
        .assert_ok();
    }
    let l = raw
        .call(
            "ListSecrets",
            &json!({"Filters": [{"Key": "name", "Values": ["wire/plain"]}]}),
        )
        .await
        .assert_ok();
    let entry = &l["SecretList"][0];
    assert!(entry.get("SecretVersionsToStages").is_some(), "{l}");
    assert!(entry.get("VersionIdsToStages").is_none(), "{l}");
    assert!(
        l.get("NextToken").is_none(),
        "no NextToken on the last page: {l}"
    );
    let lv = raw
        .call(
            "ListSecretVersionIds",
            &json!({"SecretId": "wire/plain", "IncludeDeprecated": true}),
        )
        .await
        .assert_ok();
    let versions = lv["Versions"].as_array().expect("Versions");
    assert_eq!(versions.len(), 3);
    let unlabelled = versions
        .iter()
        .filter(|v| v.get("VersionStages").is_none())
        .count();
    assert_eq!(
        unlabelled, 1,
        "the deprecated version has no VersionStages key: {lv}"
    );
    assert!(lv.get("NextToken").is_none());

    // Errors: bare __type and capitalised Message.
    let e = raw
        .call("GetSecretValue", &json!({"SecretId": "wire/nope"}))
        .await;
    e.assert_service_error("ResourceNotFoundException", MSG_NOT_FOUND);
    assert!(!e.error_type().contains('#'));

    // Force-deleting a name that never existed returns 200.
    let v = raw
        .call(
            "DeleteSecret",
            &json!({"SecretId": "wire/never", "ForceDeleteWithoutRecovery": true}),
        )
        .await
        .assert_ok();
    assert_eq!(v["Name"], "wire/never");
    assert!(v["DeletionDate"].is_number());
}
