//! The HTTP entry point and the one request pipeline every service and
//! operation goes through:
//!
//! body limit → SigV4 (principal, region) → route (service, operation) →
//! [`RequestContext`] → the operation's handler, whose service function
//! resolves the resource, authorizes and applies → [`Recorder`] → response.

use crate::authn::Authenticator;
use crate::protocol::json;
use crate::record::{CallRecord, Recorder};
use crate::route::{AwsService, Route};
use crate::{ApiError, secretsmanager};
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
    pub auth: Arc<Authenticator>,
    pub clock: Arc<dyn Clock>,
    pub recorder: Arc<dyn Recorder>,
}

/// The router: every path and method reaches [`handle`], which answers
/// anything but `POST /` with an AWS-style error.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

/// What the pipeline learned about a request, for the record.
#[derive(Default)]
struct Progress {
    route: Option<Route>,
    context: Option<RequestContext>,
}

async fn handle(State(state): State<Arc<AppState>>, request: Request<Body>) -> Response<Body> {
    let started = Instant::now();
    // From the thread-local CSPRNG: no system call per request.
    let request_id = uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string();
    let mut progress = Progress::default();
    // A bug must cost one request a 500, not the connection an abrupt close.
    let result = AssertUnwindSafe(process(&state, &request_id, request, &mut progress))
        .catch_unwind()
        .await
        .unwrap_or(Err(ApiError::Internal));
    state.recorder.record(&CallRecord {
        request_id: &request_id,
        context: progress.context.as_ref(),
        route: progress.route,
        error: result.as_ref().err(),
        elapsed_us: started.elapsed().as_micros() as u64,
    });
    match result {
        Ok(body) => respond(StatusCode::OK, &request_id, None, body),
        Err(err) => {
            let code = err.aws_code();
            let body = json::error_body(code, &err.message());
            respond(err.status(), &request_id, Some(code), body)
        }
    }
}

async fn process(
    state: &AppState,
    request_id: &str,
    request: Request<Body>,
    progress: &mut Progress,
) -> Result<Vec<u8>, ApiError> {
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST || parts.uri.path() != "/" {
        return Err(ApiError::MethodNotAllowed);
    }
    let bytes = read_body(&parts, body).await?;
    let target = header_str(&parts, "x-amz-target");
    let service = AwsService::SecretsManager;
    let now = state.clock.now();
    let caller = state
        .auth
        .authenticate(&parts, &bytes, service, now.millis())?;
    let route = Route::from_target(target.unwrap_or_default())?;
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
    match route {
        Route::SecretsManager(endpoint) => {
            secretsmanager::dispatch(endpoint, &state.service, ctx, &bytes).await
        }
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
        HeaderValue::from_static(json::CONTENT_TYPE),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    if let Some(code) = error_code.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert("x-amzn-errortype", code);
    }
    response
}
