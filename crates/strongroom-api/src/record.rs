//! The last step of the pipeline: every call's outcome is handed to a
//! [`Recorder`], once, for every service and operation: the request log
//! ([`LogRecorder`]) and the audit trail ([`crate::audit::AuditRecorder`]).

use crate::ApiError;
use crate::protocol::query::QueryRequest;
use crate::route::{AwsService, Route};
use std::net::IpAddr;
use std::sync::Arc;
use strongroom_audit::{Appended, AuditError};
use strongroom_domain::Timestamp;
use strongroom_service::{Principal, RequestContext};

/// What happened to one request.
pub struct CallRecord<'a> {
    pub request_id: &'a str,
    /// When the request arrived.
    pub time: Timestamp,
    /// The service the request was for, once known (before authentication
    /// for JSON 1.1, from the credential scope for Query).
    pub service: Option<AwsService>,
    /// Absent when the request was refused before it was authenticated.
    pub context: Option<&'a RequestContext>,
    /// For a request refused at authentication: whose access key it was
    /// signed with, when the key is known.
    pub claimed: Option<&'a Principal>,
    /// The access key id of the signature, once parsed.
    pub access_key_id: Option<&'a str>,
    /// The credential scope's region, once the signature is parsed.
    pub region: Option<&'a str>,
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<&'a str>,
    /// Absent when the request could not be routed.
    pub route: Option<Route>,
    /// The request's members as sent (for the audit record's
    /// `requestParameters`, which redacts them).
    pub request: RequestBody<'a>,
    /// A successful JSON 1.1 answer's body.
    pub response: Option<&'a [u8]>,
    /// The error the caller was answered with, if any.
    pub error: Option<&'a ApiError>,
    /// The error's code as the caller's protocol names it (the same failure
    /// is `InvalidSignatureException` in JSON 1.1, `SignatureDoesNotMatch`
    /// in Query).
    pub error_code: Option<&'static str>,
    pub elapsed_us: u64,
}

/// A request's body, as far as it was decoded.
#[derive(Clone, Copy)]
pub enum RequestBody<'a> {
    /// Not read, or not to be recorded (an unauthenticated request).
    None,
    /// A JSON 1.1 body.
    Json(&'a [u8]),
    /// A Query form.
    Form(&'a QueryRequest),
}

/// A record being written: the answer waits for it.
pub enum Recording {
    /// Nothing to wait for (logged, or recorded without holding the answer).
    Done,
    /// Resolves once the record is durable.
    Pending(Appended),
}

impl Recording {
    /// Waits until the record is durable.
    pub async fn finish(self) -> Result<(), AuditError> {
        match self {
            Recording::Done => Ok(()),
            Recording::Pending(appended) => appended.await.map(|_| ()),
        }
    }
}

/// Receives every call's outcome, after the operation ran and before the
/// answer is sent.
pub trait Recorder: Send + Sync {
    /// Records `call`; the answer is held until the returned recording is
    /// finished, and becomes a 5xx if it fails.
    fn record(&self, call: &CallRecord<'_>) -> Recording;

    /// Whether a call that changes state may run now: false while records
    /// cannot be written (the call is then refused before it changes
    /// anything, and its own record is the probe that finds the trail
    /// writable again).
    fn accepts_changes(&self) -> bool {
        true
    }
}

/// Records calls in the server log: failures at `info`/`error`, successes
/// at `debug` (one line per request with `STRONGROOM_LOG=debug`).
pub struct LogRecorder;

impl Recorder for LogRecorder {
    fn record(&self, call: &CallRecord<'_>) -> Recording {
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
        Recording::Done
    }
}

/// Both the log and the audit trail.
pub struct Recorders(pub Vec<Arc<dyn Recorder>>);

impl Recorder for Recorders {
    fn record(&self, call: &CallRecord<'_>) -> Recording {
        let mut pending = Recording::Done;
        for recorder in &self.0 {
            if let Recording::Pending(p) = recorder.record(call) {
                pending = Recording::Pending(p);
            }
        }
        pending
    }

    fn accepts_changes(&self) -> bool {
        self.0.iter().all(|r| r.accepts_changes())
    }
}
