//! Background jobs.

use std::sync::Arc;
use std::time::Duration;
use strongroom_api::AwsService;
use strongroom_api::audit::AuditRecorder;
use strongroom_service::{Clock, Service};
use tokio_util::sync::CancellationToken;

/// Purges secrets whose recovery window has ended, every `interval`, until
/// `shutdown`. Each purge is recorded in the audit trail as
/// `EndSecretDeletion` by the service itself; while the trail cannot be
/// written nothing is purged (fail closed, as for calls).
pub async fn purge_loop(
    service: Arc<Service>,
    audit: Option<Arc<AuditRecorder>>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        match purge_due(&service, audit.as_deref(), clock.as_ref()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "purged secrets whose recovery window ended"),
            Err(e) => tracing::error!(error = %e, "purge job failed"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum PurgeError {
    #[error(transparent)]
    Service(#[from] strongroom_service::ServiceError),
    #[error("the purge's audit record could not be written: {0}")]
    Audit(#[from] strongroom_audit::AuditError),
    #[error("the audit trail cannot be written; purging waits until it can")]
    TrailFailing,
}

async fn purge_due(
    service: &Service,
    audit: Option<&AuditRecorder>,
    clock: &dyn Clock,
) -> Result<usize, PurgeError> {
    let mut purged = 0;
    for arn in service.secrets_due_for_purge()? {
        if let Some(audit) = audit
            && !strongroom_api::Recorder::accepts_changes(audit)
        {
            return Err(PurgeError::TrailFailing);
        }
        let Some(secret) = service.purge(&arn).await? else {
            continue;
        };
        purged += 1;
        if let Some(audit) = audit {
            audit
                .service_event(
                    AwsService::SecretsManager,
                    "EndSecretDeletion",
                    &secret.account,
                    &secret.region,
                    clock.now(),
                    &[secret.arn],
                )
                .await?;
        }
    }
    Ok(purged)
}

/// Records the summaries of floods of unauthenticated requests once their
/// window is over, every `interval`, until `shutdown`.
pub async fn flood_summary_loop(
    audit: Arc<AuditRecorder>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => audit.flush_summaries(clock.now()),
        }
    }
}
