//! The last step of the pipeline: every call's outcome is handed to a
//! [`Recorder`]. Today that is the request log; the audit trail plugs in
//! here, once, for every service and operation.

use crate::ApiError;
use crate::route::Route;
use strongroom_service::RequestContext;

/// What happened to one request.
pub struct CallRecord<'a> {
    pub request_id: &'a str,
    /// Absent when the request was refused before it was authenticated.
    pub context: Option<&'a RequestContext>,
    /// Absent when the request could not be routed.
    pub route: Option<Route>,
    /// The error the caller was answered with, if any.
    pub error: Option<&'a ApiError>,
    /// The error's code as the caller's protocol names it (the same failure
    /// is `InvalidSignatureException` in JSON 1.1, `SignatureDoesNotMatch`
    /// in Query).
    pub error_code: Option<&'static str>,
    pub elapsed_us: u64,
}

/// Receives every call's outcome, after the operation ran and before the
/// answer is sent.
pub trait Recorder: Send + Sync {
    fn record(&self, call: &CallRecord<'_>);
}

/// Records calls in the server log: failures at `info`/`error`, successes
/// at `debug` (one line per request with `STRONGROOM_LOG=debug`).
pub struct LogRecorder;

impl Recorder for LogRecorder {
    fn record(&self, call: &CallRecord<'_>) {
        let operation = call.route.map(Route::operation).unwrap_or_default();
        let principal = call
            .context
            .map(|c| c.principal.arn.as_str())
            .unwrap_or_default();
        let (request_id, elapsed_us) = (call.request_id, call.elapsed_us);
        match call.error {
            None => tracing::debug!(request_id, operation, principal, elapsed_us, "ok"),
            Some(err) if err.status().is_server_error() => {
                tracing::error!(request_id, operation, principal, code = call.error_code, error = %err, "request failed");
            }
            Some(_) => {
                tracing::info!(
                    request_id,
                    operation,
                    principal,
                    code = call.error_code,
                    elapsed_us,
                    "request rejected"
                );
            }
        }
    }
}
