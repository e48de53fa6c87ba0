//! CreateKey, DescribeKey, ListKeys, EnableKey, DisableKey,
//! ScheduleKeyDeletion, CancelKeyDeletion, UpdateKeyDescription.

use super::{Found, authorize_on_any, key_ref, marker_after, page_limit, refuse_managed};
use crate::authz::{Access, add_request_tags, authorize_key};
use crate::sealing::names_managed_alias;
use crate::{RequestContext, Service, ServiceError};
use strongroom_crypto::kms::KeyMaterial;
use strongroom_crypto::{Key256, seal};
use strongroom_domain::kms::{
    KeyOperation, KeyRef, KeySpec, KeyUsage, KmsError, KmsKey, Origin, check_creatable,
    default_key_policy, is_key_id, new_key_id, pending_window, validate_tags,
};
use strongroom_domain::sealing::kms_material_seal_context;
use strongroom_domain::{Tag, Timestamp};
use strongroom_policy::{Context, Policy, PolicyKind};
use strongroom_store::KeyMaterialRecord;
use zeroize::Zeroizing;

/// CreateKey's members.
#[derive(Debug, Clone, Default)]
pub struct CreateKeyInput {
    pub description: Option<String>,
    pub key_usage: Option<KeyUsage>,
    pub key_spec: Option<KeySpec>,
    pub origin: Option<Origin>,
    pub policy: Option<String>,
    pub bypass_policy_lockout_safety_check: bool,
    pub tags: Vec<Tag>,
    pub multi_region: bool,
    pub custom_key_store_id: Option<String>,
}

/// One page of ListKeys.
#[derive(Debug, Clone)]
pub struct KeyPage {
    /// (key id, key ARN).
    pub keys: Vec<(String, String)>,
    pub next_marker: Option<String>,
}

/// Parses a key policy as KMS does (MalformedPolicyDocumentException).
pub(super) fn parse_key_policy(text: &str) -> Result<Policy, ServiceError> {
    Policy::parse(text, PolicyKind::Resource)
        .map_err(|e| KmsError::MalformedPolicy(e.to_string()).into())
}

/// KMS's lockout safety check: a new key policy must let the caller
/// change the policy again, unless BypassPolicyLockoutSafetyCheck.
pub(super) fn check_lockout(
    ctx: &RequestContext,
    key: &KmsKey,
    tags: &[Tag],
    policy: &Policy,
    bypass: bool,
) -> Result<(), ServiceError> {
    if bypass {
        return Ok(());
    }
    let found = Found {
        key: key.clone(),
        tags: tags.to_vec(),
        alias: None,
        grants: Vec::new(),
    };
    let keys = super::key_condition_keys(ctx, &found);
    authorize_key(
        ctx,
        Access {
            action: "kms:PutKeyPolicy",
            resource: &key.arn,
            resource_account: &key.account,
            resource_policy: Some(policy),
            shown_as: &key.arn,
            keys,
        },
    )
    .map_err(|_| {
        KmsError::MalformedPolicy(
            "The new key policy will not allow you to update the key policy in the future."
                .to_owned(),
        )
        .into()
    })
}

/// A new key's secret material, to be sealed: 32 random bytes for SYMMETRIC_DEFAULT,
/// PKCS#8 DER for RSA and ECC, the HMAC key for HMAC (`KeyMaterial::generate`; an RSA
/// 4096 key takes a while, so off the async workers); with the public key (DER SPKI)
/// of RSA and ECC keys.
async fn generate_material(
    spec: KeySpec,
) -> Result<(Zeroizing<Vec<u8>>, Option<Vec<u8>>), ServiceError> {
    if spec == KeySpec::SymmetricDefault {
        let material = Key256::generate()?;
        return Ok((Zeroizing::new(material.as_bytes().to_vec()), None));
    }
    let generated = tokio::task::spawn_blocking(move || KeyMaterial::generate(spec))
        .await
        .map_err(|_| ServiceError::KeyMaterial)?;
    match generated {
        Ok(material) => {
            let public_key = material.public_key().map(<[u8]>::to_vec);
            Ok((material.into_secret(), public_key))
        }
        Err(e) => {
            tracing::error!(key_spec = %spec, error = %e, "KMS key generation failed");
            Err(ServiceError::KeyMaterial)
        }
    }
}

impl Service {
    /// CreateKey: every key spec and usage KMS allows, of origin AWS_KMS.
    pub async fn kms_create_key(
        &self,
        ctx: &RequestContext,
        input: CreateKeyInput,
    ) -> Result<KmsKey, ServiceError> {
        let spec = input.key_spec.unwrap_or(KeySpec::SymmetricDefault);
        let origin = input.origin.unwrap_or(Origin::AwsKms);
        let mut keys = Context::new();
        add_request_tags(&mut keys, &input.tags);
        keys.set_static("kms:keyspec", spec.as_str());
        keys.set_static("kms:customermasterkeyspec", spec.as_str());
        keys.set_static(
            "kms:keyusage",
            input.key_usage.unwrap_or(KeyUsage::EncryptDecrypt).as_str(),
        );
        keys.set_static("kms:keyorigin", origin.as_str());
        keys.set_static(
            "kms:multiregion",
            if input.multi_region { "true" } else { "false" },
        );
        authorize_on_any(ctx, "kms:CreateKey", keys)?;
        if input.custom_key_store_id.is_some() {
            return Err(KmsError::Unsupported(
                "Custom key stores are not supported by this server.".to_owned(),
            )
            .into());
        }
        if input.multi_region {
            return Err(KmsError::Unsupported(
                "Multi-Region keys are not supported by this server.".to_owned(),
            )
            .into());
        }
        let usage = check_creatable(spec, input.key_usage, origin)?;
        validate_tags(&input.tags)?;
        let mut seen = std::collections::HashSet::new();
        if let Some(dup) = input.tags.iter().find(|t| !seen.insert(t.key.as_str())) {
            return Err(KmsError::Tag(format!("Duplicate tag keys: {}", dup.key)).into());
        }
        let (account, region) = (ctx.account(), ctx.region.as_str());
        let now = self.now();
        let id = new_key_id();
        let policy_text = input
            .policy
            .clone()
            .unwrap_or_else(|| default_key_policy(account));
        let key = KmsKey {
            spec,
            usage,
            ..KmsKey::new_customer(
                id.clone(),
                account,
                region,
                input.description.unwrap_or_default(),
                policy_text,
                now,
            )
        };
        if input.policy.is_some() {
            let policy = parse_key_policy(&key.policy)?;
            check_lockout(
                ctx,
                &key,
                &input.tags,
                &policy,
                input.bypass_policy_lockout_safety_check,
            )?;
        }
        let (secret, public_key) = generate_material(spec).await?;
        let record = KeyMaterialRecord {
            sealed: seal(&self.root.0, &kms_material_seal_context(&id, 1), &secret)?,
            key_id: id,
            generation: 1,
            created: now,
        };
        drop(secret);
        let (stored, tags) = (key.clone(), input.tags);
        self.kms_write(move |tx| -> Result<(), ServiceError> {
            tx.insert_kms_key(&stored, &tags, &record)?;
            if let Some(public_key) = &public_key
                && !tx.set_kms_public_key(&record.key_id, record.generation, public_key)?
            {
                return Err(ServiceError::KeyMaterial);
            }
            Ok(())
        })
        .await?;
        ctx.note_resource(&key.arn);
        Ok(key)
    }

    /// DescribeKey. Of the predefined alias `alias/aws/secretsmanager` before
    /// anything used it, KMS makes the AWS managed key and describes it: so
    /// does this, in a write that keeps the key only if the caller may describe
    /// it.
    pub async fn kms_describe_key(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<KmsKey, ServiceError> {
        let r = key_ref("keyId", key_id)?;
        let managed = names_managed_alias(&r, ctx.account(), &ctx.region);
        if let Some(key) = self.describe_found(ctx, &r, managed).await? {
            return Ok(key);
        }
        match self.describe_new_managed_key(ctx, &r).await {
            // Another writer made it first: it is there to read now.
            Err(ServiceError::Encryption) => self
                .describe_found(ctx, &r, false)
                .await?
                .ok_or(ServiceError::KeyMaterial),
            other => other,
        }
    }

    /// DescribeKey's read; `None` rather than NotFoundException for a key
    /// that is not there when `absent_ok`.
    async fn describe_found(
        &self,
        ctx: &RequestContext,
        r: &KeyRef,
        absent_ok: bool,
    ) -> Result<Option<KmsKey>, ServiceError> {
        let (ctx, policies, r) = (ctx.clone(), self.policies.clone(), r.clone());
        self.store
            .read_async(move |tx| {
                if absent_ok && super::find(tx, &ctx, &r)?.is_none() {
                    return Ok(None);
                }
                let found = super::resolve_authorized(
                    tx,
                    &ctx,
                    &policies,
                    &r,
                    "kms:DescribeKey",
                    &Context::new(),
                )?;
                Ok(Some(found.key))
            })
            .await
    }

    /// Makes `aws/secretsmanager` (named by `r`) and describes it, in one
    /// write that a denied caller rolls back.
    async fn describe_new_managed_key(
        &self,
        ctx: &RequestContext,
        r: &KeyRef,
    ) -> Result<KmsKey, ServiceError> {
        let (ctx, policies, r) = (ctx.clone(), self.policies.clone(), r.clone());
        let (keyring, now) = (self.keyring.clone(), self.now());
        self.kms_write(move |tx| {
            keyring.managed_key(tx, ctx.account(), &ctx.region, now)?;
            let action = "kms:DescribeKey";
            match super::resolve_authorized(tx, &ctx, &policies, &r, action, &Context::new()) {
                Ok(found) => Ok(found.key),
                // Denied as before the key existed: on the alias, not on a key
                // this write does not keep.
                Err(ServiceError::AccessDenied(_)) => {
                    Err(super::missing(&ctx, &r, action, &Context::new()))
                }
                Err(e) => Err(e),
            }
        })
        .await
    }

    /// ListKeys: the caller's keys in the region, by key id.
    pub async fn kms_list_keys(
        &self,
        ctx: &RequestContext,
        limit: Option<i64>,
        marker: Option<&str>,
    ) -> Result<KeyPage, ServiceError> {
        let limit = page_limit(limit)?;
        let after = marker_after(marker, is_key_id)?;
        authorize_on_any(ctx, "kms:ListKeys", Context::new())?;
        let (account, region) = (ctx.account().to_owned(), ctx.region.clone());
        let mut keys = self
            .store
            .read_async(move |tx| -> Result<_, ServiceError> {
                Ok(tx.kms_keys_page(&account, &region, after.as_deref(), limit + 1)?)
            })
            .await?;
        let more = keys.len() > limit;
        keys.truncate(limit);
        Ok(KeyPage {
            next_marker: more.then(|| keys.last().map(|k| k.id.clone())).flatten(),
            keys: keys.into_iter().map(|k| (k.id, k.arn)).collect(),
        })
    }

    /// The common shape of a key change: resolve and authorize `action`,
    /// let `change` edit a copy, save it. Nothing is saved if a step fails.
    async fn change_key<T, F>(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        action: &'static str,
        change: F,
    ) -> Result<T, ServiceError>
    where
        T: Send + 'static,
        F: FnOnce(&RequestContext, &mut KmsKey, Timestamp) -> Result<T, ServiceError>
            + Send
            + 'static,
    {
        let r = key_ref("keyId", key_id)?;
        let (ctx, policies, now) = (ctx.clone(), self.policies.clone(), self.now());
        self.kms_write(move |tx| {
            let found =
                super::resolve_authorized(tx, &ctx, &policies, &r, action, &Context::new())?;
            let mut key = found.key;
            let out = change(&ctx, &mut key, now)?;
            tx.update_kms_key(&key)?;
            Ok(out)
        })
        .await
    }

    /// EnableKey.
    pub async fn kms_enable_key(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<(), ServiceError> {
        self.change_key(ctx, key_id, "kms:EnableKey", |ctx, key, _| {
            refuse_managed(ctx, key, "kms:EnableKey")?;
            Ok(key.enable()?)
        })
        .await
    }

    /// DisableKey.
    pub async fn kms_disable_key(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<(), ServiceError> {
        self.change_key(ctx, key_id, "kms:DisableKey", |ctx, key, _| {
            refuse_managed(ctx, key, "kms:DisableKey")?;
            Ok(key.disable()?)
        })
        .await
    }

    /// ScheduleKeyDeletion: PendingWindowInDays 7–30 (30 by default).
    pub async fn kms_schedule_key_deletion(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        pending_window_in_days: Option<i64>,
    ) -> Result<KmsKey, ServiceError> {
        let days = pending_window(pending_window_in_days)?;
        self.change_key(
            ctx,
            key_id,
            "kms:ScheduleKeyDeletion",
            move |ctx, key, now| {
                refuse_managed(ctx, key, "kms:ScheduleKeyDeletion")?;
                key.schedule_deletion(now, days)?;
                Ok(key.clone())
            },
        )
        .await
    }

    /// CancelKeyDeletion: the key comes back disabled.
    pub async fn kms_cancel_key_deletion(
        &self,
        ctx: &RequestContext,
        key_id: &str,
    ) -> Result<KmsKey, ServiceError> {
        self.change_key(ctx, key_id, "kms:CancelKeyDeletion", |_, key, _| {
            key.cancel_deletion()?;
            Ok(key.clone())
        })
        .await
    }

    /// UpdateKeyDescription.
    pub async fn kms_update_key_description(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        description: String,
    ) -> Result<(), ServiceError> {
        self.change_key(
            ctx,
            key_id,
            "kms:UpdateKeyDescription",
            move |ctx, key, _| {
                refuse_managed(ctx, key, "kms:UpdateKeyDescription")?;
                key.check(KeyOperation::Manage)?;
                key.description = description;
                Ok(())
            },
        )
        .await
    }
}
