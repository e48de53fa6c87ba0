//! The background deletion of keys whose waiting period has ended.

use crate::{Service, ServiceError};
use strongroom_domain::kms::KmsKey;

/// A key the deletion job deleted, as it was.
#[derive(Debug, Clone)]
pub struct DeletedKey {
    pub key: KmsKey,
}

impl Service {
    /// Ids of keys pending deletion whose deletion date has come.
    pub async fn kms_keys_due_for_deletion(&self) -> Result<Vec<String>, ServiceError> {
        let now = self.now();
        Ok(self
            .store
            .read_async(move |tx| tx.kms_keys_due_for_deletion(now))
            .await?)
    }

    /// Deletes the key `key_id` with its material, aliases and tags if it is
    /// still pending deletion and due; re-checked inside the write, so a key
    /// whose deletion was cancelled meanwhile survives (`None`).
    pub async fn kms_delete_due_key(
        &self,
        key_id: &str,
    ) -> Result<Option<DeletedKey>, ServiceError> {
        let now = self.now();
        let id = key_id.to_owned();
        let deleted = self
            .kms_write(move |tx| -> Result<Option<(KmsKey, u32)>, ServiceError> {
                match tx.kms_key(&id)? {
                    Some(key) if key.deletion_date.is_some_and(|d| d <= now) => {
                        let generations = tx.kms_newest_material(&id)?.map_or(0, |m| m.generation);
                        tx.delete_kms_key(&id)?;
                        Ok(Some((key, generations)))
                    }
                    _ => Ok(None),
                }
            })
            .await?;
        Ok(deleted.map(|(key, generations)| {
            self.materials.forget(&key.id, generations);
            DeletedKey { key }
        }))
    }
}
