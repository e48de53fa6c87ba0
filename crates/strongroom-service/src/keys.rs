//! The account id. (Value sealing under KMS keys is `sealing.rs`; access
//! keys are IAM's: `strongroom-iam`.)

use crate::ServiceError;
use std::sync::Arc;
use strongroom_store::Store;

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The account id recorded at first start, recording `wanted` if none.
/// Later starts keep the recorded one: ARNs already name it.
pub async fn ensure_account(store: &Arc<dyn Store>, wanted: &str) -> Result<String, ServiceError> {
    if let Some(a) = store.read(|tx| tx.meta("account_id"))? {
        return Ok(a);
    }
    let wanted = wanted.to_owned();
    store
        .write(move |tx| -> Result<String, ServiceError> {
            tx.set_meta("account_id", &wanted)?;
            Ok(wanted)
        })
        .await
}
