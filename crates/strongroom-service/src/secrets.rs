//! CreateSecret, UpdateSecret, DescribeSecret, DeleteSecret, RestoreSecret.

use crate::authz::{
    Access, add_request_tags, authorize, authorize_on_parsed_secret, resolve_authorized,
};
use crate::cache::Ticket;
use crate::cached::{CacheKeyRef, Cached, DescribeEntry};
use crate::sealing::stored_key_id;
use crate::values::same_value;
use crate::{RequestContext, Service, ServiceError};
use std::collections::BTreeMap;
use std::sync::Arc;
use strongroom_domain::tags::validate_new_tags;
use strongroom_domain::{
    AWSCURRENT, AWSPENDING, AWSPREVIOUS, Error, Secret, SecretRef, SecretValue, Tag, Timestamp,
    Version, build_arn, random_suffix, validate_name,
};
use strongroom_store::save_secret;

/// Recovery window when DeleteSecret gives none.
const DEFAULT_RECOVERY_DAYS: i64 = 30;

#[derive(Debug, Default)]
pub struct CreateSecretInput {
    pub name: String,
    pub client_request_token: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub value: Option<SecretValue>,
    pub tags: Option<Vec<Tag>>,
    /// Regions asked for in AddReplicaRegions (not supported yet).
    pub replica_regions: Vec<String>,
    pub secret_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreateSecretOutput {
    pub arn: String,
    pub name: String,
    pub version_id: Option<String>,
}

#[derive(Debug, Default)]
pub struct UpdateSecretInput {
    pub secret_id: String,
    pub client_request_token: Option<String>,
    pub description: Option<String>,
    pub kms_key_id: Option<String>,
    pub value: Option<SecretValue>,
    pub secret_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateSecretOutput {
    pub arn: String,
    pub name: String,
    /// Only when a new version was made.
    pub version_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteSecretOutput {
    pub arn: String,
    pub name: String,
    pub deletion_date: Timestamp,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

impl Service {
    pub async fn create_secret(
        &self,
        ctx: &RequestContext,
        input: CreateSecretInput,
    ) -> Result<CreateSecretOutput, ServiceError> {
        validate_name(&input.name)?;
        if input.value.is_some() && input.client_request_token.is_none() {
            return Err(Error::MissingClientRequestToken.into());
        }
        let kms_key_id = stored_key_id(input.kms_key_id.as_deref(), ctx.account())?;
        if !input.replica_regions.is_empty() {
            return Err(Error::Unsupported(
                "AddReplicaRegions: replication is not supported by this server yet.",
            )
            .into());
        }
        if let Some(tags) = &input.tags {
            validate_new_tags(tags)?;
        }
        let arn = build_arn(&ctx.region, ctx.account(), &input.name, &random_suffix());
        authorize_create(ctx, &arn, &input)?;
        let now = self.now();
        let ctx = ctx.clone();
        let keyring = self.keyring.clone();
        self.write(move |tx, changes| {
            changes.none();
            if let Some(existing) =
                tx.find_secret_by_name(ctx.account(), &ctx.region, &input.name)?
            {
                if existing.is_scheduled_for_deletion() {
                    return Err(Error::NameScheduledForDeletion.into());
                }
                // A retry of the same create (same token, same value) answers as the first did.
                if let (Some(token), Some(value)) = (&input.client_request_token, &input.value)
                    && existing.version(token).is_some()
                {
                    if same_value(tx, &keyring, &ctx, &existing, token, value)? {
                        return Ok(CreateSecretOutput {
                            arn: existing.arn.clone(),
                            name: existing.name.clone(),
                            version_id: Some(token.clone()),
                        });
                    }
                    return Err(Error::TokenInUse {
                        token: token.clone(),
                        arn: existing.arn.clone(),
                    }
                    .into());
                }
                return Err(Error::SecretExists(input.name.clone()).into());
            }
            let mut secret = Secret {
                arn: arn.clone(),
                name: input.name.clone(),
                region: ctx.region.clone(),
                account: ctx.account().to_owned(),
                description: non_empty(input.description),
                kms_key_id,
                secret_type: non_empty(input.secret_type),
                created: now,
                last_changed: now,
                last_accessed: None,
                deleted: None,
                purge_after: None,
                resource_policy: None,
                tags: input.tags,
                versions: Vec::new(),
                stages: BTreeMap::new(),
                rotation: None,
            };
            // The key is checked (and aws/secretsmanager made) even without a value.
            let key = keyring.key_for_writing(
                tx,
                &ctx,
                &secret.account,
                &secret.region,
                secret.kms_key_id.as_deref(),
                now,
            )?;
            let mut new_values = Vec::new();
            let mut version_id = None;
            if let (Some(value), Some(token)) = (&input.value, input.client_request_token) {
                new_values.push((
                    token.clone(),
                    keyring.seal_value(&ctx, &key, &arn, &token, value)?,
                ));
                secret.add_version(
                    Version {
                        id: token.clone(),
                        created: now,
                        last_accessed: None,
                        has_value: true,
                    },
                    None,
                )?;
                version_id = Some(token);
            }
            save_secret(tx, None, &secret, &new_values)?;
            // A new name (or ARN) may be what a cached key now finds.
            changes.everything();
            Ok(CreateSecretOutput {
                arn,
                name: secret.name,
                version_id,
            })
        })
        .await
    }

    pub async fn update_secret(
        &self,
        ctx: &RequestContext,
        input: UpdateSecretInput,
    ) -> Result<UpdateSecretOutput, ServiceError> {
        SecretRef::validate(&input.secret_id)?;
        if input.value.is_some() && input.client_request_token.is_none() {
            return Err(Error::MissingClientRequestToken.into());
        }
        let owner = crate::owner_account(ctx, &input.secret_id);
        let new_key_id = match &input.kms_key_id {
            Some(k) => Some(stored_key_id(Some(k), owner)?),
            None => None,
        };
        let now = self.now();
        let ctx = ctx.clone();
        let keyring = self.keyring.clone();
        let version_cap = self.version_cap;
        self.write(move |tx, changes| {
            changes.none();
            let keys = |k: &mut strongroom_policy::Context| {
                if let Some(d) = &input.description {
                    k.set("secretsmanager:Description", d.as_str());
                }
                if let Some(key) = &input.kms_key_id {
                    k.set("secretsmanager:KmsKeyId", key.as_str());
                }
            };
            let action = "secretsmanager:UpdateSecret";
            let policies = &keyring.policies;
            let before = resolve_authorized(tx, &ctx, policies, &input.secret_id, action, keys)?;
            before.ensure_not_deleted()?;
            let mut after = before.clone();
            let mut changed = false;
            if let Some(d) = input.description {
                after.description = non_empty(Some(d));
                changed = true;
            }
            if let Some(t) = input.secret_type {
                after.secret_type = non_empty(Some(t));
                changed = true;
            }
            let key_changed = new_key_id.as_ref().is_some_and(|k| *k != before.kms_key_id);
            if let Some(k) = new_key_id {
                after.kms_key_id = k;
                changed |= key_changed;
            }
            // The key new versions go under (a new one is checked even
            // without a value).
            let key = match (&input.value, key_changed) {
                (None, false) => None,
                _ => Some(keyring.key_for_writing(
                    tx,
                    &ctx,
                    &before.account,
                    &before.region,
                    after.kms_key_id.as_deref(),
                    now,
                )?),
            };
            let mut version_id = None;
            let mut new_values = Vec::new();
            if let (Some(value), Some(token), Some(key)) =
                (&input.value, &input.client_request_token, &key)
            {
                if before.version(token).is_some() {
                    if !same_value(tx, &keyring, &ctx, &before, token, value)? {
                        return Err(Error::TokenInUse {
                            token: token.clone(),
                            arn: before.arn.clone(),
                        }
                        .into());
                    }
                    version_id = Some(token.clone());
                } else {
                    let sealed = keyring.seal_value(&ctx, key, &before.arn, token, value)?;
                    new_values.push((token.clone(), sealed));
                    after.add_version(
                        Version {
                            id: token.clone(),
                            created: now,
                            last_accessed: None,
                            has_value: true,
                        },
                        None,
                    )?;
                    after.note_manual_current(now);
                    after.trim_deprecated_versions(now);
                    after.check_version_cap(version_cap)?;
                    version_id = Some(token.clone());
                    changed = true;
                }
            }
            if changed {
                after.last_changed = now.strictly_after(before.last_changed);
                save_secret(tx, Some(&before), &after, &new_values)?;
                changes.secret(&after.arn);
            }
            if let (true, Some(key)) = (key_changed, &key) {
                // AWS re-encrypts the labelled versions under the new key
                // where the caller may use both keys; the others stay.
                for stage in [AWSCURRENT, AWSPENDING, AWSPREVIOUS] {
                    let Some(id) = after.holder_of(stage) else {
                        continue;
                    };
                    if new_values.iter().any(|(v, _)| v == id) {
                        continue;
                    }
                    let Some(stored) = tx.load_value(&after.arn, id)? else {
                        continue;
                    };
                    let from = keyring.key_of(tx, &stored)?;
                    if let Some(v) =
                        keyring.rewrap(&ctx, from.as_ref(), key, &after.arn, id, &stored)
                    {
                        tx.replace_value(&after.arn, id, &v)?;
                    }
                }
            }
            Ok(UpdateSecretOutput {
                arn: after.arn,
                name: after.name,
                version_id,
            })
        })
        .await
    }

    /// DescribeSecret, from the read cache or one read transaction. It
    /// shows every access made before it: noted accesses to the secret are
    /// written first (`accesses.rs`), and an answer read before a write to
    /// the secret was answered (such as that of a background flush) is read
    /// again.
    pub async fn describe_secret(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<Secret, ServiceError> {
        let (secret, ticket) = self.describe_cached(ctx, secret_id).await?;
        let settled = self.settle_accesses_of(&secret.arn).await?;
        if settled || !self.cache.is_current(&secret.arn, ticket) {
            return Ok(self.describe_cached(ctx, secret_id).await?.0);
        }
        Ok(secret)
    }

    /// DescribeSecret's answer and the ticket its store read took.
    async fn describe_cached(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<(Secret, Ticket), ServiceError> {
        let action = "secretsmanager:DescribeSecret";
        let key = CacheKeyRef::describe(ctx, secret_id);
        if let Some((Cached::Describe(hit), ticket)) = self.cache.get(&key) {
            let policy = hit.policy.as_deref();
            authorize_on_parsed_secret(ctx, &hit.secret, policy, secret_id, action, |_| {})?;
            return Ok((hit.secret.clone(), ticket));
        }
        let ticket = self.cache.ticket();
        let (read_ctx, read_id) = (ctx.clone(), secret_id.to_owned());
        let policies = self.policies.clone();
        let entry = self
            .store
            .read_async(move |tx| {
                let secret =
                    resolve_authorized(tx, &read_ctx, &policies, &read_id, action, |_| {})?;
                Ok::<_, ServiceError>(DescribeEntry {
                    policy: policies.of_secret(&secret),
                    secret,
                })
            })
            .await?;
        let secret = entry.secret.clone();
        self.cache
            .insert(ticket, key.to_owned(), Cached::Describe(Arc::new(entry)));
        Ok((secret, ticket))
    }

    pub async fn delete_secret(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        recovery_window_days: Option<i64>,
        force: bool,
    ) -> Result<DeleteSecretOutput, ServiceError> {
        let reference = SecretRef::parse(secret_id)?;
        if force && recovery_window_days.is_some() {
            return Err(Error::ForceWithRecoveryWindow.into());
        }
        let window = recovery_window_days.unwrap_or(DEFAULT_RECOVERY_DAYS);
        if !force && !(7..=30).contains(&window) {
            return Err(Error::RecoveryWindowOutOfRange.into());
        }
        let now = self.now();
        let ctx = ctx.clone();
        let secret_id = secret_id.to_owned();
        let policies = self.policies.clone();
        self.write(move |tx, changes| {
            changes.none();
            let keys = |k: &mut strongroom_policy::Context| {
                if let Some(days) = recovery_window_days {
                    k.set("secretsmanager:RecoveryWindowInDays", days.to_string());
                }
                k.set(
                    "secretsmanager:ForceDeleteWithoutRecovery",
                    if force { "true" } else { "false" },
                );
            };
            let action = "secretsmanager:DeleteSecret";
            let before = match resolve_authorized(tx, &ctx, &policies, &secret_id, action, keys) {
                Ok(s) => s,
                // AWS answers a forced delete of a missing secret as if it existed.
                Err(ServiceError::Domain(Error::SecretNotFound)) if force => {
                    let (arn, name) = match &reference {
                        SecretRef::Name(n) => (
                            build_arn(&ctx.region, ctx.account(), n, &random_suffix()),
                            n.clone(),
                        ),
                        SecretRef::Arn { full, resource, .. } => (full.clone(), resource.clone()),
                    };
                    return Ok(DeleteSecretOutput {
                        arn,
                        name,
                        deletion_date: now,
                    });
                }
                Err(e) => return Err(e),
            };
            changes.secret(&before.arn);
            if force {
                tx.delete_secret(&before.arn)?;
                return Ok(DeleteSecretOutput {
                    arn: before.arn,
                    name: before.name,
                    deletion_date: now,
                });
            }
            if before.is_scheduled_for_deletion() {
                return Err(Error::AlreadyMarkedDeleted.into());
            }
            let mut after = before.clone();
            let purge = now.plus_days(window);
            after.deleted = Some(now);
            after.purge_after = Some(purge);
            save_secret(tx, Some(&before), &after, &[])?;
            Ok(DeleteSecretOutput {
                arn: after.arn,
                name: after.name,
                deletion_date: purge,
            })
        })
        .await
    }

    pub async fn restore_secret(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<(String, String), ServiceError> {
        let action = "secretsmanager:RestoreSecret";
        self.modify(
            ctx,
            secret_id,
            action,
            |_| {},
            |secret| {
                secret.deleted = None;
                secret.purge_after = None;
                Ok((secret.arn.clone(), secret.name.clone()))
            },
        )
        .await
    }
}

/// CreateSecret is authorized on the ARN the new secret will have, with
/// the request's name, description, key and tags as condition keys;
/// creating it with tags also takes `secretsmanager:TagResource`.
fn authorize_create(
    ctx: &RequestContext,
    arn: &str,
    input: &CreateSecretInput,
) -> Result<(), ServiceError> {
    let keys = || {
        let mut k = strongroom_policy::Context::new();
        k.set("secretsmanager:SecretId", arn);
        k.set("secretsmanager:Name", input.name.as_str());
        if let Some(d) = &input.description {
            k.set("secretsmanager:Description", d.as_str());
        }
        if let Some(key) = &input.kms_key_id {
            k.set("secretsmanager:KmsKeyId", key.as_str());
        }
        if let Some(tags) = &input.tags {
            add_request_tags(&mut k, tags);
        }
        k
    };
    let access = |action| Access {
        action,
        resource: arn,
        resource_account: ctx.account(),
        resource_policy: None,
        shown_as: arn,
        keys: keys(),
    };
    authorize(ctx, access("secretsmanager:CreateSecret"))?;
    if input.tags.is_some() {
        authorize(ctx, access("secretsmanager:TagResource"))?;
    }
    ctx.note_resource(arn);
    Ok(())
}
