//! GetSecretValue, PutSecretValue and BatchGetSecretValue.

use crate::authz::{
    authorize_on_any, authorize_on_missing, authorize_on_parsed_secret, resolve_authorized,
};
use crate::cached::{CacheKeyRef, Cached, ValueEntry};
use crate::listing::page_of_secrets;
use crate::sealing::Keyring;
use crate::{RequestContext, Service, ServiceError, resolve};
use std::sync::Arc;
use strongroom_domain::filter::Filter;
use strongroom_domain::{AWSCURRENT, Error, Secret, SecretRef, SecretValue, Timestamp, Version};
use strongroom_store::{ReadTx, save_secret};
use subtle::ConstantTimeEq;

#[derive(Debug, Default, Clone)]
pub struct GetSecretValueInput {
    pub secret_id: String,
    pub version_id: Option<String>,
    pub version_stage: Option<String>,
}

/// One version's value and identity, as GetSecretValue returns it.
#[derive(Debug, Clone)]
pub struct SecretValueOutput {
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub value: SecretValue,
    pub version_stages: Vec<String>,
    pub created: Timestamp,
}

#[derive(Debug, Default)]
pub struct PutSecretValueInput {
    pub secret_id: String,
    pub client_request_token: Option<String>,
    pub value: Option<SecretValue>,
    pub version_stages: Option<Vec<String>>,
    /// The `RotationToken` a rotation function was sent with its steps;
    /// when given, it must be the one of the secret's rotation in progress.
    pub rotation_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PutSecretValueOutput {
    pub arn: String,
    pub name: String,
    pub version_id: String,
    pub version_stages: Vec<String>,
}

#[derive(Debug, Default)]
pub struct BatchGetInput {
    pub secret_ids: Option<Vec<String>>,
    pub filters: Option<Vec<Filter>>,
    pub max_results: Option<usize>,
    pub next_token: Option<String>,
}

pub struct BatchGetOutput {
    pub values: Vec<SecretValueOutput>,
    /// Per-secret failures: the id asked for and why.
    pub errors: Vec<(String, ServiceError)>,
    pub next_token: Option<String>,
}

/// BatchGetSecretValue returns at most this many secrets per page.
const MAX_BATCH: usize = 20;

/// Compares secret bytes without an early exit on the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// AWS validates the identity of a rotation function's calls with the
/// `RotationToken` it sent in the step's event (a function that assumes a
/// role, or one in another account): a token is accepted only while that
/// secret's rotation runs with it, compared in constant time.
fn check_rotation_token(secret: &Secret, given: &str) -> Result<(), ServiceError> {
    let running = secret
        .rotation
        .as_ref()
        .and_then(|r| r.run.as_ref())
        .map(|run| run.rotation_token.as_bytes());
    match running {
        Some(token) if constant_time_eq(token, given.as_bytes()) => Ok(()),
        _ => Err(ServiceError::AccessDenied(format!(
            "The rotation token is not valid for secret {}: no rotation of the secret is in progress with it.",
            secret.arn
        ))),
    }
}

/// Whether version `version_id` of `secret` holds exactly `value` (the
/// ClientRequestToken idempotency check; it decrypts, so it needs
/// kms:Decrypt on the version's key).
pub(crate) fn same_value(
    tx: &dyn ReadTx,
    keyring: &Keyring,
    ctx: &RequestContext,
    secret: &Secret,
    version_id: &str,
    value: &SecretValue,
) -> Result<bool, ServiceError> {
    let Some(stored) = tx.load_value(&secret.arn, version_id)? else {
        return Ok(false);
    };
    let key = keyring.key_of(tx, &stored)?;
    let existing = keyring.open_value(ctx, key.as_ref(), &secret.arn, version_id, &stored)?;
    Ok(match (&existing, value) {
        (SecretValue::String(a), SecretValue::String(b)) => {
            constant_time_eq(a.as_bytes(), b.as_bytes())
        }
        (SecretValue::Binary(a), SecretValue::Binary(b)) => constant_time_eq(a, b),
        _ => false,
    })
}

/// Picks the version a GetSecretValue asks for.
fn select_version<'s>(
    secret: &'s Secret,
    input: &GetSecretValueInput,
) -> Result<&'s Version, Error> {
    match (&input.version_id, &input.version_stage) {
        (Some(id), stage) => {
            let v = secret
                .version(id)
                .ok_or_else(|| Error::VersionNotFound(id.clone()))?;
            if let Some(stage) = stage
                && secret.holder_of(stage) != Some(id.as_str())
            {
                return Err(Error::StageNotOnVersion);
            }
            if !v.has_value {
                return Err(Error::VersionNotFound(id.clone()));
            }
            Ok(v)
        }
        (None, stage) => {
            let stage = stage.as_deref().unwrap_or(AWSCURRENT);
            secret
                .holder_of(stage)
                .and_then(|id| secret.version(id))
                .filter(|v| v.has_value)
                .ok_or_else(|| Error::StageNotFound(stage.to_owned()))
        }
    }
}

/// The secret, version and sealed value a GetSecretValue names, read in
/// one transaction and authorized (on a reader thread).
fn load_value_entry(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    keyring: &Keyring,
    input: &GetSecretValueInput,
) -> Result<Arc<ValueEntry>, ServiceError> {
    let (action, id) = (GET_SECRET_VALUE, input.secret_id.as_str());
    let secret = match resolve(tx, ctx, id) {
        Ok(s) => s,
        Err(ServiceError::Domain(Error::SecretNotFound)) => {
            authorize_on_missing(ctx, id, action, |k| request_keys(input, k))?;
            return Err(Error::SecretNotFound.into());
        }
        Err(e) => return Err(e),
    };
    let policy = keyring.policies.of_secret(&secret);
    authorize_on_parsed_secret(ctx, &secret, policy.as_deref(), id, action, |k| {
        request_keys(input, k)
    })?;
    secret.ensure_not_deleted()?;
    let version = select_version(&secret, input)?.clone();
    let stored = tx
        .load_value(&secret.arn, &version.id)?
        .ok_or_else(|| Error::VersionNotFound(version.id.clone()))?;
    // The key that sealed it, read with it: its state, policy and tags are
    // checked on every read, cache hits included (`cache.rs`).
    let key = keyring.key_of(tx, &stored)?;
    Ok(Arc::new(ValueEntry {
        secret,
        policy,
        version,
        stored,
        key,
    }))
}

const GET_SECRET_VALUE: &str = "secretsmanager:GetSecretValue";

/// GetSecretValue's own condition keys.
fn request_keys(input: &GetSecretValueInput, k: &mut strongroom_policy::Context) {
    if let Some(v) = &input.version_id {
        k.set("secretsmanager:VersionId", v.as_str());
    }
    if let Some(s) = &input.version_stage {
        k.set("secretsmanager:VersionStage", s.as_str());
    }
}

impl Service {
    /// The secret, version and sealed value a GetSecretValue names, from
    /// the read cache or one read transaction; authorized either way.
    async fn load_for_get(
        &self,
        ctx: &RequestContext,
        input: &GetSecretValueInput,
    ) -> Result<Arc<ValueEntry>, ServiceError> {
        let key = CacheKeyRef::value(ctx, input);
        if let Some((Cached::Value(hit), _)) = self.cache.get(&key) {
            let policy = hit.policy.as_deref();
            authorize_on_parsed_secret(
                ctx,
                &hit.secret,
                policy,
                &input.secret_id,
                GET_SECRET_VALUE,
                |k| request_keys(input, k),
            )?;
            return Ok(hit);
        }
        let ticket = self.cache.ticket();
        let (read_ctx, read_input) = (ctx.clone(), input.clone());
        let keyring = self.keyring.clone();
        let entry = self
            .store
            .read_async(move |tx| load_value_entry(tx, &read_ctx, &keyring, &read_input))
            .await?;
        self.cache
            .insert(ticket, key.to_owned(), Cached::Value(entry.clone()));
        Ok(entry)
    }

    pub async fn get_secret_value(
        &self,
        ctx: &RequestContext,
        input: &GetSecretValueInput,
    ) -> Result<SecretValueOutput, ServiceError> {
        SecretRef::validate(&input.secret_id)?;
        let entry = self.load_for_get(ctx, input).await?;
        let (secret, version, stored) = (&entry.secret, &entry.version, &entry.stored);
        let value =
            self.keyring
                .open_value(ctx, entry.key.as_ref(), &secret.arn, &version.id, stored)?;
        // LastAccessedDate: AWS keeps the day only, so only the first read
        // of a day changes it; it is written in the background (`accesses.rs`).
        let today = self.now().truncate_to_day();
        let version_stale = version.last_accessed < Some(today)
            && !self.accesses.recorded(&secret.arn, &version.id, today);
        if secret.last_accessed < Some(today) || version_stale {
            self.accesses.note(&secret.arn, &version.id, today);
        }
        Ok(SecretValueOutput {
            version_stages: secret.stages_of(&version.id),
            arn: secret.arn.clone(),
            name: secret.name.clone(),
            version_id: version.id.clone(),
            value,
            created: version.created,
        })
    }

    pub async fn put_secret_value(
        &self,
        ctx: &RequestContext,
        input: PutSecretValueInput,
    ) -> Result<PutSecretValueOutput, ServiceError> {
        SecretRef::validate(&input.secret_id)?;
        let token = input
            .client_request_token
            .ok_or(Error::MissingClientRequestToken)?;
        let value = input.value.ok_or(Error::NoSecretValue)?;
        let now = self.now();
        let ctx = ctx.clone();
        let keyring = self.keyring.clone();
        let version_cap = self.version_cap;
        self.write(move |tx, changes| {
            let action = "secretsmanager:PutSecretValue";
            let policies = &keyring.policies;
            let before = resolve_authorized(tx, &ctx, policies, &input.secret_id, action, |_| {})?;
            before.ensure_not_deleted()?;
            if let Some(given) = &input.rotation_token {
                check_rotation_token(&before, given)?;
            }
            changes.none();
            // The value of the AWSPENDING version a rotation registered
            // (createSecret of AWS's rotation function templates).
            let key_for_writing = |tx: &mut dyn strongroom_store::WriteTx| {
                keyring.key_for_writing(
                    tx,
                    &ctx,
                    &before.account,
                    &before.region,
                    before.kms_key_id.as_deref(),
                    now,
                )
            };
            if before.version(&token).is_some_and(|v| !v.has_value) {
                let key = key_for_writing(tx)?;
                let sealed = keyring.seal_value(&ctx, &key, &before.arn, &token, &value)?;
                let mut after = before.clone();
                let stages = after.fill_version(&token, input.version_stages.as_deref())?;
                after.last_changed = now.strictly_after(before.last_changed);
                save_secret(tx, Some(&before), &after, &[(token.clone(), sealed)])?;
                changes.secret(&after.arn);
                return Ok(PutSecretValueOutput {
                    arn: after.arn,
                    name: after.name,
                    version_id: token,
                    version_stages: stages,
                });
            }
            if before.version(&token).is_some() {
                if same_value(tx, &keyring, &ctx, &before, &token, &value)? {
                    return Ok(PutSecretValueOutput {
                        version_stages: before.stages_of(&token),
                        arn: before.arn,
                        name: before.name,
                        version_id: token,
                    });
                }
                return Err(Error::TokenInUse {
                    token,
                    arn: before.arn,
                }
                .into());
            }
            let key = key_for_writing(tx)?;
            let sealed = keyring.seal_value(&ctx, &key, &before.arn, &token, &value)?;
            let mut after = before.clone();
            let stages = after.add_version(
                Version {
                    id: token.clone(),
                    created: now,
                    last_accessed: None,
                    has_value: true,
                },
                input.version_stages.as_deref(),
            )?;
            if after.holder_of(AWSCURRENT) == Some(token.as_str()) {
                after.note_manual_current(now);
            }
            after.trim_deprecated_versions(now);
            after.check_version_cap(version_cap)?;
            after.last_changed = now.strictly_after(before.last_changed);
            save_secret(tx, Some(&before), &after, &[(token.clone(), sealed)])?;
            changes.secret(&after.arn);
            Ok(PutSecretValueOutput {
                arn: after.arn,
                name: after.name,
                version_id: token,
                version_stages: stages,
            })
        })
        .await
    }

    pub async fn batch_get_secret_value(
        &self,
        ctx: &RequestContext,
        input: BatchGetInput,
    ) -> Result<BatchGetOutput, ServiceError> {
        // The batch itself, then (below) GetSecretValue on every secret it
        // returns, and ListSecrets when it selects by filters.
        authorize_on_any(ctx, "secretsmanager:BatchGetSecretValue")?;
        let ids: Vec<String> = match (&input.secret_ids, &input.filters) {
            (Some(_), Some(_)) | (None, None) => return Err(Error::BatchIdsXorFilters.into()),
            (Some(ids), None) => {
                if input.max_results.is_some() {
                    return Err(Error::BatchMaxResultsNeedsFilters.into());
                }
                ids.clone()
            }
            (None, Some(filters)) => {
                authorize_on_any(ctx, "secretsmanager:ListSecrets")?;
                let page = self.store.read(|tx| {
                    page_of_secrets(
                        tx,
                        ctx,
                        filters,
                        false,
                        Default::default(),
                        input.max_results.unwrap_or(MAX_BATCH),
                        input.next_token.as_deref(),
                    )
                })?;
                let ids = page.items.iter().map(|s| s.arn.clone()).collect();
                return self.batch_collect(ctx, ids, page.next_token).await;
            }
        };
        self.batch_collect(ctx, ids, None).await
    }

    async fn batch_collect(
        &self,
        ctx: &RequestContext,
        ids: Vec<String>,
        next_token: Option<String>,
    ) -> Result<BatchGetOutput, ServiceError> {
        let mut out = BatchGetOutput {
            values: Vec::new(),
            errors: Vec::new(),
            next_token,
        };
        for id in ids {
            let input = GetSecretValueInput {
                secret_id: id.clone(),
                ..Default::default()
            };
            match self.get_secret_value(ctx, &input).await {
                Ok(v) => out.values.push(v),
                Err(e @ ServiceError::Store(_)) => return Err(e),
                Err(e) => out.errors.push((id, e)),
            }
        }
        Ok(out)
    }
}
