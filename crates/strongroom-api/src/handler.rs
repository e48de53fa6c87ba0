//! The HTTP entry point: body limit → SigV4 → target → operation → response.

use crate::ops::{Operation, dispatch};
use crate::{ApiError, Authenticator};
use axum::Router;
use axum::body::Body;
use axum::extract::State;
use futures_util::FutureExt;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;
use strongroom_service::{Clock, Service};

/// Largest request body accepted. A maximal request (a 64 KiB binary value,
/// base64-encoded, plus metadata) fits well within it.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";

/// What every request handler shares.
pub struct AppState {
    pub service: Arc<Service>,
    pub auth: Arc<Authenticator>,
    pub clock: Arc<dyn Clock>,
}

/// The router: every path and method reaches [`handle`], which answers
/// anything but `POST /` with an AWS-style error.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new().fallback(handle).with_state(state)
}

async fn handle(State(state): State<Arc<AppState>>, request: Request<Body>) -> Response<Body> {
    let started = Instant::now();
    // From the thread-local CSPRNG: no system call per request.
    let request_id = uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .to_string();
    let (parts, body) = request.into_parts();
    // A cheap (reference-counted) copy, for the log line.
    let target_header = parts.headers.get("x-amz-target").cloned();
    // A bug must cost one request a 500, not the connection an abrupt close.
    let result = AssertUnwindSafe(process(&state, parts, body))
        .catch_unwind()
        .await
        .unwrap_or(Err(ApiError::Internal));
    let target = target_header
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let elapsed_us = started.elapsed().as_micros() as u64;
    match result {
        Ok(body) => {
            tracing::debug!(request_id, target, elapsed_us, "ok");
            respond(StatusCode::OK, &request_id, None, body)
        }
        Err(err) => {
            let code = err.aws_code();
            if err.status().is_server_error() {
                tracing::error!(request_id, target, code, error = %err, "request failed");
            } else {
                tracing::info!(request_id, target, code, elapsed_us, "request rejected");
            }
            let body = serde_json::json!({ "__type": code, "Message": err.message() }).to_string();
            respond(err.status(), &request_id, Some(code), body.into_bytes())
        }
    }
}

async fn process(
    state: &AppState,
    parts: http::request::Parts,
    body: Body,
) -> Result<Vec<u8>, ApiError> {
    if parts.method != Method::POST || parts.uri.path() != "/" {
        return Err(ApiError::MethodNotAllowed);
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES) {
        return Err(ApiError::BodyTooLarge(MAX_BODY_BYTES));
    }
    let bytes = Limited::new(body, MAX_BODY_BYTES)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                ApiError::BodyTooLarge(MAX_BODY_BYTES)
            } else {
                ApiError::BodyRead
            }
        })?
        .to_bytes();
    let caller = state
        .auth
        .authenticate(&parts, &bytes, state.clock.now().millis())?;
    let target = parts
        .headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let op = Operation::from_target(target)?;
    dispatch(&state.service, &caller, op, &bytes).await
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
        HeaderValue::from_static(JSON_CONTENT_TYPE),
    );
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("x-amzn-requestid", v);
    }
    if let Some(code) = error_code.and_then(|c| HeaderValue::from_str(c).ok()) {
        headers.insert("x-amzn-errortype", code);
    }
    response
}
