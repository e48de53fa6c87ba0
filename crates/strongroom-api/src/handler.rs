//! The HTTP entry point and the one request pipeline every service and
//! operation goes through:
//!
//! body limit → SigV4 (principal, region) → route (service, operation) →
//! [`RequestContext`] → the operation's handler, whose service function
//! resolves the resource, authorizes and applies → [`Recorder`] → response.
//!
//! The request's [`Protocol`] (JSON 1.1 or Query), known from its headers
//! before anything else, decides how the service is found (`X-Amz-Target`
//! or the credential scope), how the body is decoded, and how answers and
//! errors are written; the steps themselves are the same for both.

use crate::authn::Authenticator;
use crate::protocol::Protocol;
use crate::protocol::query::QueryRequest;
use crate::record::{CallRecord, Recorder};
use crate::route::{AwsService, Route};
use crate::{ApiError, iam, secretsmanager, sts};
use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use futures_util::FutureExt;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;
use strongroom_service::{Clock, RequestContext, Service};

/// Largest request body accepted. A maximal request (a 64 KiB binary value,
/// base64-encoded, plus metadata) fits well within it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What every request handler shares.
pub struct AppState {
    pub service: Arc<Service>,
    /// IAM and STS use cases (principals, policies, keys, sessions).
    pub iam: Arc<strongroom_iam::Iam>,
    pub auth: Arc<Authenticator>,
    pub clock: Arc<dyn Clock>,
    pub recorder: Arc<dyn Recorder>,
}

/// The router: every path and method reaches [`handle`], which answers
/// anything but `POST /` with an AWS-style error.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// What the pipeline learned about a request, for the record (and, for
/// the service, the namespace of a Query error).
#[derive(Default)]
struct Progress {
    service: Option<AwsService>,
    route: Option<Route>,
    context: Option<RequestContext>,
}

async fn handle(State(state): State<Arc<AppState>>, request: Request<Body>) -> Response<Body> {
    let started = Instant::now();
    // From the thread-local CSPRNG: no system call per request.
    let request_id = uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string();
    let protocol = Protocol::of(request.headers());
    let mut progress = Progress::default();
    // A bug must cost one request a 500, not the connection an abrupt close.
    let result = AssertUnwindSafe(process(
        &state,
        &request_id,
        protocol,
        request,
        &mut progress,
    ))
    .catch_unwind()
    .await
    .unwrap_or(Err(ApiError::Internal));
    let error_code = result.as_ref().err().map(|e| protocol.error_code(e));
    state.recorder.record(&CallRecord {
        request_id: &request_id,
        context: progress.context.as_ref(),
        route: progress.route,
        error: result.as_ref().err(),
        error_code,
        elapsed_us: started.elapsed().as_micros() as u64,
    });
    match result {
        Ok(body) => respond(protocol, StatusCode::OK, &request_id, None, body),
        Err(err) => {
            let body = protocol.error_body(&err, progress.service, &request_id);
            respond(
                protocol,
                protocol.error_status(&err),
                &request_id,
                error_code,
                body,
            )
        }
    }
}

async fn process(
    state: &AppState,
    request_id: &str,
    protocol: Protocol,
    request: Request<Body>,
    progress: &mut Progress,
) -> Result<Vec<u8>, ApiError> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST || parts.uri.path() != "/" {
        return Err(ApiError::MethodNotAllowed);
    }
    let bytes = read_body(&parts, body).await?;
    let target = header_str(&parts, "x-amz-target").unwrap_or_default();
    let now = state.clock.now();
    let signature = strongroom_auth::parse_auth(&parts)?;
    // JSON names the service in X-Amz-Target; Query only in the scope.
    let service = match protocol {
        Protocol::Json => AwsService::for_target(target),
        Protocol::Query => AwsService::for_query_scope(&signature.service)?,
    };
    progress.service = Some(service);
    let caller = state
        .auth
        .authenticate(&signature, &parts, &bytes, service, now)
        .await?;
    // A Query request's operation is in its (now authenticated) body.
    let form = match protocol {
        Protocol::Json => None,
        Protocol::Query => Some(QueryRequest::parse(&bytes)?),
    };
    let route = match &form {
        None => Route::from_target(target)?,
        Some(form) => Route::from_query(service, form)?,
    };
    progress.route = Some(route);
    let ctx = progress.context.insert(RequestContext {
        request_id: request_id.to_owned(),
        principal: caller.principal,
        region: caller.region,
        source_ip: parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip()),
        user_agent: header_str(&parts, "user-agent").map(str::to_owned),
        secure_transport: false,
        time: now,
    });
    match (route, &form) {
        (Route::SecretsManager(endpoint), _) => {
            secretsmanager::dispatch(endpoint, &state.service, ctx, &bytes).await
        }
        (Route::Sts(endpoint), Some(form)) => sts::dispatch(endpoint, &state.iam, ctx, form).await,
        (Route::Iam(endpoint), Some(form)) => iam::dispatch(endpoint, &state.iam, ctx, form).await,
        // Only Route::from_query yields STS and IAM routes, and only with a form.
        (Route::Sts(_) | Route::Iam(_), None) => Err(ApiError::Internal),
    }
}

fn header_str<'a>(parts: &'a http::request::Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

/// Buffers the body, refusing more than [`MAX_BODY_BYTES`].
async fn read_body(parts: &http::request::Parts, body: Body) -> Result<bytes::Bytes, ApiError> {
    let declared =
        header_str(parts, header::CONTENT_LENGTH.as_str()).and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::BodyTooLarge(MAX_BODY_BYTES));
    }
    Ok(Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                ApiError::BodyTooLarge(MAX_BODY_BYTES)
            } else {
                ApiError::BodyRead
            }
        })?
        .to_bytes())
}

fn respond(
    protocol: Protocol,
    status: StatusCode,
    request_id: &str,
    error_code: Option<&str>,
    body: Vec<u8>,
) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(protocol.content_type()),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    // A JSON 1.1 convention; Query errors carry their code in the body only.
    if protocol == Protocol::Json
        && let Some(code) = error_code.and_then(|c| HeaderValue::from_str(c).ok())
    {
        headers.insert("x-amzn-errortype", code);
    }
    response
}
