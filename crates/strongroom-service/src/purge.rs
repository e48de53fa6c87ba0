//! The background purge of secrets whose recovery window has ended.

use crate::{Service, ServiceError};

impl Service {
    /// Deletes every secret scheduled for deletion whose window ended by now.
    /// Returns how many were purged. Re-checks each one inside its write, so
    /// a secret restored meanwhile survives.
    pub async fn purge_expired(&self) -> Result<usize, ServiceError> {
        let now = self.now();
        let due = self.store.read(|tx| tx.secrets_due_for_purge(now))?;
        let mut purged = 0;
        for arn in due {
            let done = self
                .write(move |tx| -> Result<bool, ServiceError> {
                    match tx.find_secret_by_arn(&arn)? {
                        Some(s) if s.purge_after.is_some_and(|p| p <= now) => {
                            tx.delete_secret(&arn)?;
                            Ok(true)
                        }
                        _ => Ok(false),
                    }
                })
                .await?;
            if done {
                purged += 1;
            }
        }
        Ok(purged)
    }
}
