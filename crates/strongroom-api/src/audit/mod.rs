//! The audit trail's side of the pipeline: every call becomes one
//! CloudTrail record ([`event`]), with secrets redacted ([`redact`]),
//! written through an [`AuditSink`] (the server's `strongroom_trail::Trail`).
//!
//! - An authenticated call is answered only once its record is durable;
//!   if it cannot be written the answer is a 5xx (the handler), and calls
//!   that change state are refused before they run while the trail is
//!   failing ([`crate::Recorder::accepts_changes`]).
//! - A request refused at authentication is recorded without holding its
//!   answer, through the [`flood`] gate.

pub mod event;
pub mod flood;
pub mod redact;

use crate::record::{CallRecord, Recorder, Recording};
use crate::route::AwsService;
use flood::{FloodGate, FloodKey, FloodLimits};
use strongroom_audit::Appended;
use strongroom_domain::Timestamp;
use strongroom_trail::TrailEvent;

/// Where records go: the durable, tamper-evident trail.
pub trait AuditSink: Send + Sync {
    /// Queues `event`; resolves once it is durable.
    fn append(&self, event: &TrailEvent) -> Appended;
    /// False while records cannot be written.
    fn is_healthy(&self) -> bool;
}

/// Records every call in the audit trail.
pub struct AuditRecorder {
    sink: std::sync::Arc<dyn AuditSink>,
    flood: FloodGate,
}

impl AuditRecorder {
    pub fn new(sink: std::sync::Arc<dyn AuditSink>, limits: FloodLimits) -> AuditRecorder {
        AuditRecorder {
            sink,
            flood: FloodGate::new(limits),
        }
    }

    /// Records the summaries of a flood window that has ended (for a
    /// periodic job: a flood that stopped is summarised too).
    pub fn flush_summaries(&self, now: Timestamp) {
        for summary in self.flood.flush(now.millis()) {
            drop(self.sink.append(&event::flood_summary(&summary)));
        }
    }

    /// Records something the service did on its own, e.g. `EndSecretDeletion`;
    /// resolves once durable.
    pub fn service_event(
        &self,
        source: AwsService,
        name: &str,
        account: &str,
        region: &str,
        time: Timestamp,
        resources: &[String],
    ) -> Appended {
        self.sink.append(&event::service_event(
            source, name, account, region, time, resources, None,
        ))
    }

    /// A service event that reports a failure (RotationFailed): as
    /// [`Self::service_event`], with `errorMessage`.
    #[allow(clippy::too_many_arguments)]
    pub fn service_failure(
        &self,
        source: AwsService,
        name: &str,
        account: &str,
        region: &str,
        time: Timestamp,
        resources: &[String],
        error_message: &str,
    ) -> Appended {
        let mut event = event::service_event(source, name, account, region, time, resources, None);
        event.error_message = Some(error_message.to_owned());
        self.sink.append(&event)
    }
}

impl Recorder for AuditRecorder {
    fn record(&self, call: &CallRecord<'_>) -> Recording {
        if call.context.is_some() {
            return Recording::Pending(self.sink.append(&event::call_event(call)));
        }
        // Refused at authentication: not held, and gated.
        let key = FloodKey {
            source_ip: call.source_ip,
            error_code: call.error_code.unwrap_or("Unknown"),
            event_source: call.service.map_or("unknown", AwsService::event_source),
        };
        let admission = self.flood.admit(key, call.time.millis());
        for summary in &admission.summaries {
            // Dropping an append does not withdraw it.
            drop(self.sink.append(&event::flood_summary(summary)));
        }
        if admission.record {
            drop(self.sink.append(&event::call_event(call)));
        }
        Recording::Done
    }

    fn accepts_changes(&self) -> bool {
        self.sink.is_healthy()
    }
}

impl AuditSink for strongroom_trail::Trail {
    fn append(&self, event: &TrailEvent) -> Appended {
        self.record(event)
    }

    fn is_healthy(&self) -> bool {
        strongroom_trail::Trail::is_healthy(self)
    }
}
