//! STS over the AWS Query protocol, on the same listener as Secrets
//! Manager: GetCallerIdentity through `aws-sdk-sts`, and hand-signed form
//! requests for what an SDK will not send (unknown actions, another API
//! version, wrong credential scopes, tampered bodies), with the exact XML
//! shapes of answers and errors.

mod common;

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use common::*;

const FORM: &str = "application/x-www-form-urlencoded; charset=utf-8";
const STS_NS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
const IAM_NS: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
const GET_CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";

fn admin_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:user/admin")
}

// ---------------------------------------------------------------------------
// Through the SDK
// ---------------------------------------------------------------------------

#[tokio::test]
async fn get_caller_identity_through_the_sdk() {
    let sr = Strongroom::start();
    let who = ok(
        sr.sts_client().get_caller_identity().send().await,
        "GetCallerIdentity",
    );
    assert_eq!(who.account(), Some(ACCOUNT_ID));
    assert_eq!(who.arn(), Some(admin_arn().as_str()));
    assert!(who.user_id().is_some_and(|id| !id.is_empty()), "{who:?}");

    // STS is regional: any region's endpoint answers the same.
    let k = sr.keys();
    let elsewhere = sts_sdk_client(&sr.endpoint, "eu-west-1", &k.access_key, &k.secret_key);
    let who2 = ok(
        elsewhere.get_caller_identity().send().await,
        "GetCallerIdentity in eu-west-1",
    );
    assert_eq!(who2.arn(), who.arn());
    assert_eq!(who2.user_id(), who.user_id());

    // Secrets Manager keeps working beside it, with the same keys.
    ok(sr.client().list_secrets().send().await, "ListSecrets");
}

#[tokio::test]
async fn sdk_sees_query_authentication_errors() {
    let sr = Strongroom::start();
    let k = sr.keys();

    let wrong_secret = sts_sdk_client(
        &sr.endpoint,
        REGION,
        &k.access_key,
        &format!("{}x", k.secret_key),
    );
    let e = service_error(wrong_secret.get_caller_identity().send().await);
    assert_eq!(e.code, "SignatureDoesNotMatch", "{e:?}");
    assert_eq!(e.status, Some(403), "{e:?}");

    let unknown_key = sts_sdk_client(&sr.endpoint, REGION, "AKIAIOSFODNN7EXAMPLE", &k.secret_key);
    let e = service_error(unknown_key.get_caller_identity().send().await);
    assert_eq!(e.code, "InvalidClientTokenId", "{e:?}");
    assert_eq!(e.status, Some(403), "{e:?}");
    assert_eq!(
        e.message.as_deref(),
        Some("The security token included in the request is invalid.")
    );
}

#[tokio::test]
async fn dev_mode_callers_are_the_admin() {
    let sr = Strongroom::start_dev();
    let anyone = sts_sdk_client(&sr.endpoint, REGION, "AKIAANYONE0000000000", "anything");
    let who = ok(
        anyone.get_caller_identity().send().await,
        "GetCallerIdentity",
    );
    assert_eq!(who.arn(), Some(admin_arn().as_str()));
    assert_eq!(who.account(), Some(ACCOUNT_ID));
}

// ---------------------------------------------------------------------------
// Hand-signed form requests
// ---------------------------------------------------------------------------

/// A response, fully read.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} header: {self:?}"))
    }

    /// The text of the first `<name>` element (no attributes, no nesting),
    /// with the predefined entities decoded.
    fn element(&self, name: &str) -> Option<String> {
        let open = format!("<{name}>");
        let start = self.body.find(&open)? + open.len();
        let len = self.body[start..].find(&format!("</{name}>"))?;
        let text = &self.body[start..start + len];
        assert!(
            !text.contains('<'),
            "<{name}> is not a text element: {self:?}"
        );
        Some(
            text.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&apos;", "'")
                .replace("&amp;", "&"),
        )
    }

    /// A Query error: XML ErrorResponse with `code` and HTTP `status`, in
    /// the namespace of `namespace`; returns the message.
    #[track_caller]
    fn assert_error(&self, status: u16, code: &str, namespace: &str) -> String {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(self.header("content-type"), "text/xml", "{self:?}");
        let root = format!("<ErrorResponse xmlns=\"{namespace}\">");
        assert!(self.body.starts_with(&root), "{self:?}");
        assert_eq!(self.element("Code").as_deref(), Some(code), "{self:?}");
        assert_eq!(self.element("Type").as_deref(), Some("Sender"), "{self:?}");
        assert_eq!(
            self.element("RequestId").as_deref(),
            Some(self.header("x-amzn-requestid")),
            "{self:?}"
        );
        assert!(
            self.headers.get("x-amzn-errortype").is_none(),
            "a JSON 1.1 header on a Query answer: {self:?}"
        );
        self.element("Message").expect("an error message")
    }
}

/// How to sign one form request.
struct Signing {
    service: &'static str,
    content_type: &'static str,
    secret_key: String,
    time: SystemTime,
}

struct Raw {
    endpoint: String,
    client: HyperClient<HttpConnector, Full<Bytes>>,
    keys: Keys,
}

impl Raw {
    fn new(sr: &Strongroom) -> Raw {
        Raw {
            endpoint: sr.endpoint.clone(),
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
            keys: sr.keys(),
        }
    }

    fn signing(&self, service: &'static str) -> Signing {
        Signing {
            service,
            content_type: FORM,
            secret_key: self.keys.secret_key.clone(),
            time: SystemTime::now(),
        }
    }

    /// An unsigned `POST /` with a body of `content_type`.
    fn request(&self, body: &str, content_type: &str) -> http::Request<Full<Bytes>> {
        http::Request::builder()
            .method("POST")
            .uri(format!("{}/", self.endpoint))
            .header("content-type", content_type)
            .body(Full::new(Bytes::copy_from_slice(body.as_bytes())))
            .expect("build request")
    }

    fn signed(&self, body: &str, how: &Signing) -> http::Request<Full<Bytes>> {
        let mut req = self.request(body, how.content_type);
        let identity = Credentials::new(
            self.keys.access_key.clone(),
            how.secret_key.clone(),
            None,
            None,
            "sts-test",
        )
        .into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(REGION)
            .name(how.service)
            .time(how.time)
            .settings(SigningSettings::default())
            .build()
            .expect("signing params")
            .into();
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    v.to_str().expect("ASCII header").to_owned(),
                )
            })
            .collect();
        let signable = SignableRequest::new(
            "POST",
            req.uri().to_string(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body.as_bytes()),
        )
        .expect("signable request");
        let (instructions, _) = sign(signable, &params).expect("sign request").into_parts();
        instructions.apply_to_request_http1x(&mut req);
        req
    }

    async fn send(&self, req: http::Request<Full<Bytes>>) -> Reply {
        let resp = tokio::time::timeout(Duration::from_secs(30), self.client.request(req))
            .await
            .expect("request timed out")
            .expect("HTTP request failed");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .expect("read response body")
            .to_bytes();
        Reply {
            status,
            headers,
            body: String::from_utf8(body.to_vec()).expect("UTF-8 body"),
        }
    }

    /// Signs `body` correctly for `service` and sends it.
    async fn call(&self, service: &'static str, body: &str) -> Reply {
        self.send(self.signed(body, &self.signing(service))).await
    }
}

#[tokio::test]
async fn get_caller_identity_wire_shape() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);
    let reply = raw.call("sts", GET_CALLER_IDENTITY).await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.header("content-type"), "text/xml");
    let rid = reply.header("x-amzn-requestid");
    // The admin user's unique id: AIDA and 16 base32 characters.
    let user_id = reply
        .body
        .split("<UserId>")
        .nth(1)
        .and_then(|rest| rest.split("</UserId>").next())
        .expect("a UserId")
        .to_owned();
    assert!(
        user_id.starts_with("AIDA") && user_id.len() == 20,
        "{user_id}"
    );
    assert_eq!(
        reply.body,
        format!(
            "<GetCallerIdentityResponse xmlns=\"{STS_NS}\">\
             <GetCallerIdentityResult>\
             <Arn>{}</Arn><UserId>{user_id}</UserId><Account>{ACCOUNT_ID}</Account>\
             </GetCallerIdentityResult>\
             <ResponseMetadata><RequestId>{rid}</RequestId></ResponseMetadata>\
             </GetCallerIdentityResponse>",
            admin_arn()
        )
    );

    // Without `; charset=utf-8`, as AWS's own examples send it; unknown
    // extra parameters are ignored.
    let mut how = raw.signing("sts");
    how.content_type = "application/x-www-form-urlencoded";
    let reply = raw
        .send(raw.signed(&format!("{GET_CALLER_IDENTITY}&Extra=1"), &how))
        .await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.element("Arn"), Some(admin_arn()));
}

#[tokio::test]
async fn unknown_and_unimplemented_actions() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);

    let msg = raw
        .call("sts", "Action=GetFederationToken&Version=2011-06-15&Name=x")
        .await
        .assert_error(400, "InvalidAction", STS_NS);
    assert_eq!(
        msg,
        "Could not find operation GetFederationToken for version 2011-06-15"
    );

    let reply = raw
        .call("sts", "Action=NoSuchThing&Version=2011-06-15")
        .await;
    reply.assert_error(400, "InvalidAction", STS_NS);

    // IAM's version sent to STS: none of STS's operations.
    let reply = raw
        .call("sts", "Action=GetCallerIdentity&Version=2010-05-08")
        .await;
    assert_eq!(
        reply.assert_error(400, "InvalidAction", STS_NS),
        "Could not find operation GetCallerIdentity for version 2010-05-08"
    );
    let reply = raw.call("sts", "Action=GetCallerIdentity").await;
    assert_eq!(
        reply.assert_error(400, "InvalidAction", STS_NS),
        "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED"
    );

    // IAM answers in its own namespace, for an operation it does not implement.
    let reply = raw
        .call("iam", "Action=CreateLoginProfile&Version=2010-05-08")
        .await;
    assert_eq!(
        reply.assert_error(400, "InvalidAction", IAM_NS),
        "Could not find operation CreateLoginProfile for version 2010-05-08"
    );

    let reply = raw.call("sts", "Version=2011-06-15").await;
    reply.assert_error(400, "MissingAction", STS_NS);

    let reply = raw
        .call(
            "sts",
            "Action=GetCallerIdentity&Version=2011-06-15&Action=AssumeRole",
        )
        .await;
    reply.assert_error(400, "InvalidQueryParameter", STS_NS);

    // Whatever the client sent is escaped in the XML answer.
    let reply = raw
        .call("sts", "Action=%3Cx%3E%26%22y%27&Version=2011-06-15")
        .await;
    assert_eq!(
        reply.assert_error(400, "InvalidAction", STS_NS),
        r#"Could not find operation <x>&"y' for version 2011-06-15"#
    );
    assert!(
        reply.body.contains(
            "<Message>Could not find operation &lt;x&gt;&amp;&quot;y' for version 2011-06-15</Message>"
        ),
        "{reply:?}"
    );
}

#[tokio::test]
async fn query_authentication_failures() {
    let sr = Strongroom::start();
    let raw = Raw::new(&sr);

    // Not signed at all: the service is unknown, STS's namespace is used.
    let reply = raw.send(raw.request(GET_CALLER_IDENTITY, FORM)).await;
    assert_eq!(
        reply.assert_error(403, "MissingAuthenticationToken", STS_NS),
        "Request is missing Authentication Token"
    );

    // Known key, wrong secret.
    let mut how = raw.signing("sts");
    how.secret_key.push('x');
    let reply = raw.send(raw.signed(GET_CALLER_IDENTITY, &how)).await;
    reply.assert_error(403, "SignatureDoesNotMatch", STS_NS);

    // Body changed after signing (the Action is in the body, so it is signed).
    let mut req = raw.signed(GET_CALLER_IDENTITY, &raw.signing("sts"));
    *req.body_mut() = Full::new(Bytes::from_static(
        b"Action=GetCallerIdentity&Version=2011-06-16",
    ));
    let reply = raw.send(req).await;
    reply.assert_error(403, "SignatureDoesNotMatch", STS_NS);

    // A form signed for a service that does not speak Query.
    let reply = raw.call("secretsmanager", GET_CALLER_IDENTITY).await;
    assert_eq!(
        reply.assert_error(403, "SignatureDoesNotMatch", STS_NS),
        "Credential should be scoped to correct service: 'sts' or 'iam'."
    );

    // Signed 20 minutes ago.
    let mut how = raw.signing("sts");
    how.time = SystemTime::now() - Duration::from_secs(20 * 60);
    let reply = raw.send(raw.signed(GET_CALLER_IDENTITY, &how)).await;
    let msg = reply.assert_error(403, "SignatureDoesNotMatch", STS_NS);
    assert!(msg.starts_with("Signature expired: "), "{msg}");

    // A JSON 1.1 request signed for sts stays JSON 1.1, errors included
    // (without X-Amz-Target: with it, the target would have to be signed).
    let mut how = raw.signing("sts");
    how.content_type = "application/x-amz-json-1.1";
    let reply = raw.send(raw.signed("{}", &how)).await;
    assert_eq!(reply.status, 400, "{reply:?}");
    assert_eq!(reply.header("content-type"), "application/x-amz-json-1.1");
    // No target: the JSON service is Secrets Manager, which refuses the scope.
    assert_eq!(
        reply.header("x-amzn-errortype"),
        "InvalidSignatureException"
    );
}
