//! The Lambda Invoke API client that calls rotation functions
//! (`POST /2015-03-31/functions/{FunctionName}/invocations`).
//!
//! Where a function lives: `--rotation-function ARN=URL` names a full
//! invoke URL for one ARN (e.g. the Runtime Interface Emulator's
//! `http://127.0.0.1:9000/2015-03-31/functions/function/invocations`);
//! otherwise `--lambda-endpoint URL` (AWS Lambda, LocalStack) is called with
//! the ARN as FunctionName. Requests are signed (SigV4, service `lambda`,
//! the ARN's region) when AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and
//! AWS_SESSION_TOKEN) are in the server's environment. A non-2xx answer or
//! `X-Amz-Function-Error` is a failed invocation; each has a timeout.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use strongroom_service::{Invocation, InvokeError, RotationFunctions};
use zeroize::Zeroizing;

/// FunctionName in the path: everything but `A-Za-z0-9-_.` encoded (an
/// ARN's colons become `%3A`, as the SDKs send them).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.');

/// At most this much of an answer is read (an error message; a rotation
/// step's result is not used).
const MAX_ANSWER_BYTES: usize = 64 << 10;

/// AWS credentials taken from the environment, for signing.
struct Credentials {
    access_key_id: String,
    secret_access_key: Zeroizing<String>,
    session_token: Option<String>,
}

impl Credentials {
    fn from_env() -> Option<Credentials> {
        let id = std::env::var("AWS_ACCESS_KEY_ID").ok()?;
        let secret = std::env::var("AWS_SECRET_ACCESS_KEY").ok()?;
        Some(Credentials {
            access_key_id: id,
            secret_access_key: Zeroizing::new(secret),
            session_token: std::env::var("AWS_SESSION_TOKEN").ok(),
        })
    }
}

/// Where functions are invoked.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    /// `--lambda-endpoint`: base URL of an Invoke API.
    pub endpoint: Option<String>,
    /// `--rotation-function ARN=URL`.
    pub functions: HashMap<String, String>,
}

/// Parses `ARN=URL` (the value of `--rotation-function`).
pub fn parse_function(value: &str) -> Result<(String, String), String> {
    let (arn, url) = value
        .split_once('=')
        .ok_or_else(|| "expected ARN=URL".to_owned())?;
    check_url(url)?;
    if arn.is_empty() {
        return Err("the ARN is empty".to_owned());
    }
    Ok((arn.to_owned(), url.to_owned()))
}

/// An http:// or https:// URL.
pub fn check_url(url: &str) -> Result<(), String> {
    let uri: http::Uri = url.parse().map_err(|e| format!("{url}: {e}"))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some() => Ok(()),
        _ => Err(format!("{url}: not an http:// or https:// URL")),
    }
}

pub struct LambdaClient {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    targets: Targets,
    credentials: Option<Credentials>,
    timeout: Duration,
}

impl LambdaClient {
    pub fn new(targets: Targets, timeout: Duration) -> LambdaClient {
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = match builder.with_native_roots() {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "no system CA certificates: https rotation endpoints will not verify");
                hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(
                    rustls::ClientConfig::builder()
                        .with_root_certificates(rustls::RootCertStore::empty())
                        .with_no_client_auth(),
                )
            }
        };
        let connector = builder.https_or_http().enable_http1().build();
        LambdaClient {
            client: Client::builder(TokioExecutor::new()).build(connector),
            targets,
            credentials: Credentials::from_env(),
            timeout,
        }
    }

    /// The invoke URL of `arn`.
    fn url_of(&self, arn: &str) -> Result<String, InvokeError> {
        if let Some(url) = self.targets.functions.get(arn) {
            return Ok(url.clone());
        }
        match &self.targets.endpoint {
            Some(base) => Ok(format!(
                "{}/2015-03-31/functions/{}/invocations",
                base.trim_end_matches('/'),
                utf8_percent_encode(arn, PATH_SEGMENT)
            )),
            None => Err(InvokeError::NotConfigured(arn.to_owned())),
        }
    }

    async fn call(&self, arn: &str, invocation: Invocation) -> Result<(), InvokeError> {
        let url = self.url_of(arn)?;
        let uri: http::Uri = url
            .parse()
            .map_err(|e| InvokeError::Transport(format!("{url}: {e}")))?;
        let (body, kind) = match &invocation {
            Invocation::DryRun => (Vec::new(), "DryRun"),
            Invocation::Step {
                step,
                secret_id,
                client_request_token,
                rotation_token,
            } => (
                serde_json::to_vec(&serde_json::json!({
                    "Step": step,
                    "SecretId": secret_id,
                    "ClientRequestToken": client_request_token,
                    "RotationToken": rotation_token,
                }))
                .map_err(|e| InvokeError::Transport(e.to_string()))?,
                "RequestResponse",
            ),
        };
        let mut headers = HeaderMap::new();
        let host = match (uri.host(), uri.port_u16()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_owned(),
            (None, _) => return Err(InvokeError::Transport(format!("{url}: no host"))),
        };
        let header =
            |v: &str| HeaderValue::from_str(v).map_err(|e| InvokeError::Transport(e.to_string()));
        headers.insert(http::header::HOST, header(&host)?);
        headers.insert("x-amz-invocation-type", HeaderValue::from_static(kind));
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(c) = &self.credentials {
            let amz_date =
                strongroom_auth::format_amz_date(jiff::Timestamp::now().as_millisecond());
            headers.insert("x-amz-date", header(&amz_date)?);
            if let Some(t) = &c.session_token {
                headers.insert("x-amz-security-token", header(t)?);
            }
            let region = arn
                .split(':')
                .nth(3)
                .filter(|r| !r.is_empty())
                .unwrap_or("us-east-1");
            let authorization = strongroom_auth::sign_headers(&strongroom_auth::SignInput {
                method: "POST",
                path: uri.path(),
                query: uri.query(),
                headers: &headers,
                body: &body,
                access_key_id: &c.access_key_id,
                secret_access_key: &c.secret_access_key,
                region,
                service: "lambda",
                amz_date: &amz_date,
            });
            headers.insert(http::header::AUTHORIZATION, header(&authorization)?);
        }
        let mut request = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| InvokeError::Transport(e.to_string()))?;
        *request.headers_mut() = headers;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| InvokeError::Transport(e.to_string()))?;
            let status = response.status();
            let function_error = response
                .headers()
                .get("x-amz-function-error")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            let body = http_body_util::Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            if !status.is_success() {
                return Err(InvokeError::Refused {
                    status: status.as_u16(),
                    message: error_message(&body),
                });
            }
            if let Some(kind) = function_error {
                return Err(InvokeError::FunctionError { kind });
            }
            Ok(())
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(InvokeError::Timeout))
    }
}

/// The `Message` (or `message`) of an error answer, else its first bytes;
/// shortened, for logs.
fn error_message(body: &[u8]) -> String {
    let from_json = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("Message")
                .or_else(|| v.get("message"))
                .and_then(|m| m.as_str().map(str::to_owned))
        });
    let text = from_json.unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    text.chars().take(300).collect()
}

impl RotationFunctions for LambdaClient {
    fn invoke<'a>(
        &'a self,
        function_arn: &'a str,
        invocation: Invocation,
    ) -> Pin<Box<dyn Future<Output = Result<(), InvokeError>> + Send + 'a>> {
        Box::pin(self.call(function_arn, invocation))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let mut targets = Targets {
            endpoint: Some("http://localhost:4566/".into()),
            ..Default::default()
        };
        targets.functions.insert(
            "arn:aws:lambda:us-east-1:123456789012:function:rie".into(),
            "http://127.0.0.1:9000/2015-03-31/functions/function/invocations".into(),
        );
        let c = LambdaClient::new(targets, Duration::from_secs(1));
        assert_eq!(
            c.url_of("arn:aws:lambda:us-east-1:123456789012:function:rie")
                .expect("url"),
            "http://127.0.0.1:9000/2015-03-31/functions/function/invocations"
        );
        assert_eq!(
            c.url_of("arn:aws:lambda:us-east-1:123456789012:function:f")
                .expect("url"),
            "http://localhost:4566/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Af/invocations"
        );
        let none = LambdaClient::new(Targets::default(), Duration::from_secs(1));
        assert!(matches!(
            none.url_of("arn:x"),
            Err(InvokeError::NotConfigured(_))
        ));
        assert!(parse_function("arn:a=http://h:1/x").is_ok());
        assert!(parse_function("arn:a").is_err());
        assert!(parse_function("arn:a=ftp://h/x").is_err());
        assert_eq!(
            error_message(br#"{"Message":"Function not found"}"#),
            "Function not found"
        );
    }
}
