//! The background purge of secrets whose recovery window has ended.

use crate::{Service, ServiceError};
use strongroom_domain::Secret;

impl Service {
    /// Deletes every secret scheduled for deletion whose window ended by now.
    /// Returns how many were purged.
    pub async fn purge_expired(&self) -> Result<usize, ServiceError> {
        let mut purged = 0;
        for arn in self.secrets_due_for_purge().await? {
            if self.purge(&arn).await?.is_some() {
                purged += 1;
            }
        }
        Ok(purged)
    }

    /// The ARNs of the secrets whose recovery window has ended by now.
    pub async fn secrets_due_for_purge(&self) -> Result<Vec<String>, ServiceError> {
        let now = self.now();
        Ok(self
            .store
            .read_async(move |tx| tx.secrets_due_for_purge(now))
            .await?)
    }

    /// Deletes the secret `arn` if its recovery window has ended by now, and
    /// returns it as it was. Re-checks inside the write, so a secret
    /// restored meanwhile survives (`None`).
    pub async fn purge(&self, arn: &str) -> Result<Option<Secret>, ServiceError> {
        let now = self.now();
        let arn = arn.to_owned();
        self.write(move |tx, changes| -> Result<Option<Secret>, ServiceError> {
            changes.none();
            match tx.find_secret_by_arn(&arn)? {
                Some(s) if s.purge_after.is_some_and(|p| p <= now) => {
                    tx.delete_secret(&arn)?;
                    changes.secret(&arn);
                    Ok(Some(s))
                }
                _ => Ok(None),
            }
        })
        .await
    }
}
