//! Background jobs.

use std::sync::Arc;
use std::time::Duration;
use strongroom_service::Service;
use tokio_util::sync::CancellationToken;

/// Purges secrets whose recovery window has ended, every `interval`, until
/// `shutdown`.
pub async fn purge_loop(service: Arc<Service>, interval: Duration, shutdown: CancellationToken) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        match service.purge_expired().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "purged secrets whose recovery window ended"),
            Err(e) => tracing::error!(error = %e, "purge job failed"),
        }
    }
}
