//! Persisting a changed aggregate as the few row changes it implies.

use crate::{StoreError, StoredValue, WriteTx};
use strongroom_domain::Secret;

/// Writes `after` given the state `before` it was loaded in (`None` for a
/// new secret). `new_values` holds the sealed values of versions that did
/// not exist before.
pub fn save_secret(
    tx: &mut dyn WriteTx,
    before: Option<&Secret>,
    after: &Secret,
    new_values: &[(String, StoredValue)],
) -> Result<(), StoreError> {
    match before {
        None => tx.insert_secret(after)?,
        Some(b) => {
            tx.update_secret(after)?;
            if b.tags != after.tags {
                tx.replace_tags(&after.arn, after.tags.as_deref())?;
            }
        }
    }
    let arn = &after.arn;
    if before.and_then(|b| b.rotation.as_ref()) != after.rotation.as_ref() {
        tx.set_rotation(arn, after.rotation.as_ref())?;
    }
    for v in &after.versions {
        match before.and_then(|b| b.version(&v.id)) {
            None => {
                let value = new_values
                    .iter()
                    .find(|(id, _)| *id == v.id)
                    .map(|(_, val)| val);
                tx.insert_version(arn, v, value)?;
            }
            Some(old) => {
                // a rotation's value-less AWSPENDING version given its value
                if !old.has_value
                    && v.has_value
                    && let Some((_, value)) = new_values.iter().find(|(id, _)| *id == v.id)
                {
                    tx.set_version_value(arn, &v.id, value)?;
                }
                if old.last_accessed != v.last_accessed {
                    tx.update_version_access(arn, &v.id, v.last_accessed)?;
                }
            }
        }
    }
    for (stage, version) in &after.stages {
        if before.and_then(|b| b.stages.get(stage)) != Some(version) {
            tx.set_stage(arn, stage, version)?;
        }
    }
    if let Some(b) = before {
        for stage in b.stages.keys() {
            if !after.stages.contains_key(stage) {
                tx.remove_stage(arn, stage)?;
            }
        }
        for v in &b.versions {
            if after.version(&v.id).is_none() {
                tx.delete_version(arn, &v.id)?;
            }
        }
    }
    Ok(())
}
