//! `GET /health` and `GET /ready`, for load balancers and orchestrators.
//!
//! They are not AWS API calls: the router answers them before the pipeline
//! ([`crate::handler`]), unauthenticated, and they are not recorded (in the
//! request log at debug level only): a load balancer polls them every few
//! seconds, and an audit record each would fill the trail. Any other method
//! on their paths goes through the pipeline as before (refused, recorded).

use crate::handler::AppState;
use axum::body::Body;
use axum::extract::State;
use http::{HeaderValue, Response, StatusCode, header};
use std::sync::Arc;
use std::time::Duration;

/// How long `/ready` waits for the store before it says not ready.
const READY_TIMEOUT: Duration = Duration::from_secs(2);

/// Alive: the process serves HTTP.
pub(crate) async fn health() -> Response<Body> {
    answer(StatusCode::OK, r#"{"status":"ok"}"#)
}

/// Ready: the store answers a trivial read and the keys are loaded
/// ([`strongroom_service::Service::check_ready`]); else 503.
pub(crate) async fn ready(State(state): State<Arc<AppState>>) -> Response<Body> {
    let service = state.service.clone();
    let check = tokio::task::spawn_blocking(move || service.check_ready());
    let reason = match tokio::time::timeout(READY_TIMEOUT, check).await {
        Ok(Ok(Ok(()))) => {
            tracing::debug!("ready");
            return answer(StatusCode::OK, r#"{"status":"ready"}"#);
        }
        Ok(Ok(Err(e))) => e.to_string(),
        Ok(Err(e)) => format!("the check failed: {e}"),
        Err(_) => format!("the store did not answer within {READY_TIMEOUT:?}"),
    };
    // The detail (paths, database messages) goes to the log only.
    tracing::warn!(%reason, "not ready");
    answer(StatusCode::SERVICE_UNAVAILABLE, r#"{"status":"not ready"}"#)
}

fn answer(status: StatusCode, body: &'static str) -> Response<Body> {
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}
