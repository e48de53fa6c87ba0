//! Key rotation: EnableKeyRotation, DisableKeyRotation, GetKeyRotationStatus,
//! RotateKeyOnDemand, ListKeyRotations, and the scheduled rotation the server's
//! job runs. A rotation adds a generation of fresh material, sealed under the
//! root key with its own associated data; the newest encrypts, every one decrypts
//! (ciphertext blobs name their generation).

use super::{key_ref, marker_after, page_limit, refuse_managed};
use crate::{RequestContext, Service, ServiceError};
use strongroom_crypto::{Key256, seal};
use strongroom_domain::Timestamp;
use strongroom_domain::kms::rotation::{
    MANAGED_ROTATION_PERIOD_DAYS, check_on_demand_limit, check_rotatable, is_managed, next_after,
    rotates, rotation_period,
};
use strongroom_domain::kms::{KeyOperation, KeyState, KmsKey};
use strongroom_domain::sealing::kms_material_seal_context;
use strongroom_policy::Context;
use strongroom_store::{
    KeyMaterialRecord, MaterialGeneration, RotationKind, RotationSchedule, WriteTx,
};

/// GetKeyRotationStatus's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRotationStatus {
    pub key_arn: String,
    pub enabled: bool,
    pub period_days: Option<i64>,
    pub next_rotation: Option<Timestamp>,
}

/// One entry of ListKeyRotations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRotationEntry {
    pub key_id: String,
    /// 64 hex digits naming the generation (not derived from the material).
    pub key_material_id: String,
    /// The newest generation is CURRENT, the others NON_CURRENT.
    pub current: bool,
    /// `None` for the first generation.
    pub rotation: Option<(Timestamp, RotationKind)>,
}

/// One page of ListKeyRotations.
#[derive(Debug, Clone)]
pub struct KeyRotationPage {
    pub rotations: Vec<KeyRotationEntry>,
    pub next_marker: Option<String>,
}

/// A rotation the scheduled job made.
#[derive(Debug, Clone)]
pub struct RotatedKey {
    pub key: KmsKey,
    pub generation: u32,
}

/// ListKeyRotations' IncludeKeyMaterial.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IncludeKeyMaterial {
    #[default]
    RotationsOnly,
    AllKeyMaterial,
}

/// A generation's KeyMaterialId: the key id's 32 hex digits and the generation in 32.
fn material_id(key_id: &str, generation: u32) -> String {
    format!("{}{generation:032x}", key_id.replace('-', ""))
}

/// Adds the next generation of `key`'s material, made by a rotation of `kind` at `now`;
/// `None` if another writer added that generation first.
fn add_generation(
    tx: &mut dyn WriteTx,
    root: &Key256,
    key: &KmsKey,
    kind: RotationKind,
    now: Timestamp,
) -> Result<Option<u32>, ServiceError> {
    let newest = tx
        .kms_newest_material(&key.id)?
        .ok_or(ServiceError::KeyMaterial)?;
    let generation = newest.generation + 1;
    let material = Key256::generate()?;
    let record = KeyMaterialRecord {
        key_id: key.id.clone(),
        generation,
        sealed: seal(
            root,
            &kms_material_seal_context(&key.id, generation),
            material.as_bytes(),
        )?,
        created: now,
    };
    Ok(tx
        .insert_rotated_kms_material(&record, kind)?
        .then_some(generation))
}

impl Service {
    /// Resolves `key_id`, authorizes `action`, and runs `f` on the key in one write.
    async fn rotation_write<T, F>(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        action: &'static str,
        f: F,
    ) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(
                &mut dyn WriteTx,
                &RequestContext,
                &KmsKey,
                &Key256,
                Timestamp,
            ) -> Result<T, ServiceError>
            + Send
            + 'static,
    {
        let r = key_ref("keyId", key_id)?;
        let (ctx, policies, now) = (ctx.clone(), self.policies.clone(), self.now());
        let root = self.root.0.clone();
        self.kms_write(move |tx| {
            let found =
                super::resolve_authorized(tx, &ctx, &policies, &r, action, &Context::new())?;
            f(tx, &ctx, &found.key, &root, now)
        })
        .await
    }

    /// EnableKeyRotation: RotationPeriodInDays 90–2560 (365 by default). Enabling
    /// again with another period moves the next rotation to a period after the last
    /// one (or the key's creation), as KMS does.
    pub async fn kms_enable_key_rotation(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        rotation_period_in_days: Option<i64>,
    ) -> Result<(), ServiceError> {
        let period = rotation_period(rotation_period_in_days)?;
        self.rotation_write(
            ctx,
            key_id,
            "kms:EnableKeyRotation",
            move |tx, ctx, key, _, now| {
                refuse_managed(ctx, key, "kms:EnableKeyRotation")?;
                key.check(KeyOperation::Crypto)?;
                check_rotatable(key)?;
                let next = match tx.kms_rotation_schedule(&key.id)? {
                    None => now.plus_days(period),
                    // The same period again changes nothing.
                    Some(s) if s.period_days == period => s.next_rotation,
                    Some(_) => {
                        let last = tx
                            .kms_newest_material(&key.id)?
                            .map_or(key.created, |m| m.created);
                        last.plus_days(period)
                    }
                };
                tx.set_kms_rotation_schedule(
                    &key.id,
                    Some(RotationSchedule {
                        period_days: period,
                        next_rotation: next,
                    }),
                )?;
                Ok(())
            },
        )
        .await
    }

    /// DisableKeyRotation.
    pub async fn kms_disable_key_rotation(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<(), ServiceError> {
        self.rotation_write(
            ctx,
            key_id,
            "kms:DisableKeyRotation",
            |tx, ctx, key, _, _| {
                refuse_managed(ctx, key, "kms:DisableKeyRotation")?;
                key.check(KeyOperation::Crypto)?;
                check_rotatable(key)?;
                tx.set_kms_rotation_schedule(&key.id, None)?;
                Ok(())
            },
        )
        .await
    }

    /// RotateKeyOnDemand: a new generation now, at most ten per key; the automatic
    /// schedule is not moved.
    pub async fn kms_rotate_key_on_demand(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<String, ServiceError> {
        self.rotation_write(
            ctx,
            key_id,
            "kms:RotateKeyOnDemand",
            |tx, ctx, key, root, now| {
                refuse_managed(ctx, key, "kms:RotateKeyOnDemand")?;
                key.check(KeyOperation::Crypto)?;
                check_rotatable(key)?;
                check_on_demand_limit(key, tx.kms_on_demand_rotations(&key.id)?)?;
                // Inside the one write transaction nobody else adds a generation.
                add_generation(tx, root, key, RotationKind::OnDemand, now)?
                    .ok_or(ServiceError::KeyMaterial)?;
                Ok(key.arn.clone())
            },
        )
        .await
    }

    /// GetKeyRotationStatus: AWS managed keys rotate yearly, always; keys that
    /// cannot rotate (asymmetric, HMAC) answer disabled, not an error, as KMS
    /// does (tools such as Terraform's AWS provider read it for every key). A
    /// key pending deletion answers disabled too (and does not rotate); its
    /// schedule is kept, so CancelKeyDeletion restores the status, as KMS
    /// documents.
    pub async fn kms_get_key_rotation_status(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<KeyRotationStatus, ServiceError> {
        let r = key_ref("keyId", key_id)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        self.store
            .read_async(move |tx| {
                let found = super::resolve_authorized(
                    tx,
                    &ctx,
                    &policies,
                    &r,
                    "kms:GetKeyRotationStatus",
                    &Context::new(),
                )?;
                let key = found.key;
                let schedule = if !rotates(&key) || key.state == KeyState::PendingDeletion {
                    None
                } else if is_managed(&key) {
                    let last = tx
                        .kms_newest_material(&key.id)?
                        .map_or(key.created, |m| m.created);
                    Some(RotationSchedule {
                        period_days: MANAGED_ROTATION_PERIOD_DAYS,
                        next_rotation: last.plus_days(MANAGED_ROTATION_PERIOD_DAYS),
                    })
                } else {
                    tx.kms_rotation_schedule(&key.id)?
                };
                Ok(KeyRotationStatus {
                    key_arn: key.arn,
                    enabled: schedule.is_some(),
                    period_days: schedule.map(|s| s.period_days),
                    next_rotation: schedule.map(|s| s.next_rotation),
                })
            })
            .await
    }

    /// ListKeyRotations: the generations made by rotations (with the first too for
    /// ALL_KEY_MATERIAL), oldest first; the Marker is the last generation shown.
    pub async fn kms_list_key_rotations(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        include: IncludeKeyMaterial,
        limit: Option<i64>,
        marker: Option<&str>,
    ) -> Result<KeyRotationPage, ServiceError> {
        let limit = page_limit(limit)?;
        let after = marker_after(marker, |m| m.parse::<u32>().is_ok())?
            .and_then(|m| m.parse::<u32>().ok())
            .unwrap_or(0);
        let after = match include {
            IncludeKeyMaterial::AllKeyMaterial => after,
            IncludeKeyMaterial::RotationsOnly => after.max(1),
        };
        let r = key_ref("keyId", key_id)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        self.store
            .read_async(move |tx| {
                let found = super::resolve_authorized(
                    tx,
                    &ctx,
                    &policies,
                    &r,
                    "kms:ListKeyRotations",
                    &Context::new(),
                )?;
                let key = found.key;
                check_rotatable(&key)?;
                let newest = tx.kms_newest_material(&key.id)?.map_or(1, |m| m.generation);
                let mut page = tx.kms_generations_page(&key.id, after, limit + 1)?;
                let more = page.len() > limit;
                page.truncate(limit);
                Ok(KeyRotationPage {
                    next_marker: more
                        .then(|| page.last().map(|g| g.generation.to_string()))
                        .flatten(),
                    rotations: page
                        .into_iter()
                        .map(|g: MaterialGeneration| KeyRotationEntry {
                            key_material_id: material_id(&key.id, g.generation),
                            key_id: key.id.clone(),
                            current: g.generation == newest,
                            rotation: g.rotation.map(|kind| (g.created, kind)),
                        })
                        .collect(),
                })
            })
            .await
    }

    /// Ids of keys whose scheduled rotation is due (enabled keys only: a disabled key
    /// rotates once it is enabled again).
    pub async fn kms_keys_due_for_rotation(&self) -> Result<Vec<String>, ServiceError> {
        let now = self.now();
        Ok(self
            .store
            .read_async(move |tx| tx.kms_keys_due_for_rotation(now, MANAGED_ROTATION_PERIOD_DAYS))
            .await?)
    }

    /// Rotates `key_id` if its scheduled rotation is still due, re-checked inside the
    /// write: the next rotation date moves by a conditional update (customer keys) or
    /// the generation's primary key (AWS managed keys), so a key is rotated once even
    /// when several nodes run the job. `None`: not due (any more).
    pub async fn kms_rotate_due_key(
        &self,
        key_id: &str,
    ) -> Result<Option<RotatedKey>, ServiceError> {
        let now = self.now();
        let id = key_id.to_owned();
        let root = self.root.0.clone();
        self.kms_write(move |tx| -> Result<Option<RotatedKey>, ServiceError> {
            let Some(key) = tx.kms_key(&id)? else {
                return Ok(None);
            };
            if !key.enabled() || check_rotatable(&key).is_err() {
                return Ok(None);
            }
            if is_managed(&key) {
                let last = tx
                    .kms_newest_material(&key.id)?
                    .map_or(key.created, |m| m.created);
                if last.plus_days(MANAGED_ROTATION_PERIOD_DAYS) > now {
                    return Ok(None);
                }
            } else {
                let Some(schedule) = tx.kms_rotation_schedule(&key.id)? else {
                    return Ok(None);
                };
                if schedule.next_rotation > now {
                    return Ok(None);
                }
                let next = next_after(schedule.next_rotation, now, schedule.period_days);
                if !tx.advance_kms_rotation(&key.id, schedule.next_rotation, next)? {
                    return Ok(None);
                }
            }
            Ok(
                add_generation(tx, &root, &key, RotationKind::Automatic, now)?
                    .map(|generation| RotatedKey { key, generation }),
            )
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::material_id;

    #[test]
    fn material_ids_are_64_hex_digits() {
        let id = material_id("1234abcd-12ab-34cd-56ef-1234567890ab", 2);
        assert_eq!(id.len(), 64);
        assert!(
            id.chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert!(id.ends_with("02"));
    }
}
