//! RotateSecret and CancelRotateSecret, and what the rotation job (in the
//! server) needs to run rotations: find the due ones, claim one inside a
//! write transaction, check between steps that it was not cancelled, and
//! record its outcome.
//!
//! Architecture Invariant: one secret's rotation never runs twice at once.
//! A run is claimed (`RotationRun::claimed_until`) inside the write that
//! checks it is free, so two nodes on one database cannot both take it; a
//! claim lasts the longest a run can take (every step's timeout), after
//! which another node may resume it, as after a crash.
//!
//! This crate knows no HTTP: invoking a function is behind
//! [`RotationFunctions`], which the server implements with the Lambda
//! Invoke API.

use crate::authz::resolve_authorized;
use crate::{RequestContext, Service, ServiceError};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use strongroom_domain::{
    AWSCURRENT, AWSPENDING, Error, Rotation, RotationRules, RotationRun, Secret, SecretRef,
    Timestamp, Version,
};
use strongroom_store::save_secret;

/// AWS's answer when the function cannot be invoked (missing, or its
/// policy does not let Secrets Manager call it).
pub const CANNOT_INVOKE: &str = "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com.";

/// The four steps, in order.
pub const STEPS: [&str; 4] = ["createSecret", "setSecret", "testSecret", "finishSecret"];

/// Why an invocation failed (a failed step).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvokeError {
    /// No endpoint is configured for this function ARN.
    #[error("no Lambda endpoint or --rotation-function is configured for {0}")]
    NotConfigured(String),
    /// The Invoke API answered with an error status (missing function,
    /// not allowed, throttled...).
    #[error("the Invoke API answered {status}: {message}")]
    Refused { status: u16, message: String },
    /// The function ran and failed (`X-Amz-Function-Error`).
    #[error("the function failed ({kind})")]
    FunctionError { kind: String },
    /// The endpoint could not be reached or the answer not read.
    #[error("the function could not be reached: {0}")]
    Transport(String),
    /// No answer within the invocation timeout.
    #[error("the function did not answer within the invocation timeout")]
    Timeout,
    /// A built-in rotator's step failed (the server's `builtin` module;
    /// the message names the step's cause and never a secret value).
    #[error("{0}")]
    Builtin(String),
}

/// An invocation of a rotation function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Invocation {
    /// `X-Amz-Invocation-Type: DryRun`: may the function be invoked?
    DryRun,
    /// One step, with the event AWS sends.
    Step {
        step: &'static str,
        secret_id: String,
        client_request_token: String,
        rotation_token: String,
    },
}

/// Invokes rotation functions (the server's Lambda Invoke API client).
pub trait RotationFunctions: Send + Sync + 'static {
    fn invoke<'a>(
        &'a self,
        function_arn: &'a str,
        invocation: Invocation,
    ) -> Pin<Box<dyn Future<Output = Result<(), InvokeError>> + Send + 'a>>;
}

/// RotateSecret's members.
#[derive(Debug, Default, Clone)]
pub struct RotateSecretInput {
    pub secret_id: String,
    pub client_request_token: Option<String>,
    pub rotation_lambda_arn: Option<String>,
    /// `(AutomaticallyAfterDays, ScheduleExpression, Duration)` when
    /// RotationRules was given.
    pub rules: Option<(Option<i64>, Option<String>, Option<String>)>,
    /// Defaults to true.
    pub rotate_immediately: Option<bool>,
}

/// RotateSecret's and CancelRotateSecret's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RotationOutput {
    pub arn: String,
    pub name: String,
    pub version_id: Option<String>,
}

/// A run the rotation job claimed and now executes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRotation {
    pub arn: String,
    pub account: String,
    pub region: String,
    pub lambda_arn: String,
    pub token: String,
    pub rotation_token: String,
    pub test_only: bool,
    /// Failed attempts before this one.
    pub attempts: u32,
}

/// What [`Service::claim_rotation`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Claimed: run it.
    Run(ClaimedRotation),
    /// Its AWSPENDING label was taken off the run's version meanwhile: the
    /// run was dropped (RotationAbandoned).
    Abandoned { account: String, region: String },
    /// Nothing to run (not due, claimed elsewhere, gone).
    Nothing,
}

/// How a run ended, as the job reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepsOutcome {
    /// Every step answered without error.
    Completed,
    /// A step failed; retry no earlier than `retry_after_ms` from now.
    Failed { retry_after_ms: i64 },
}

/// What [`Service::finish_rotation`] recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finished {
    Succeeded,
    Failed,
    /// The run was cancelled or superseded while it ran.
    Abandoned,
}

/// A random 36-character id in the UUID format (rotation tokens and the
/// tokens of scheduled rotations).
fn new_token() -> String {
    let b: [u8; 16] = rand::random();
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-4{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[16..20],
        &h[20..32]
    )
}

impl Service {
    /// The functions RotateSecret's DryRun and the rotation job invoke.
    pub fn with_rotation_functions(mut self, functions: Arc<dyn RotationFunctions>) -> Service {
        self.rotation_functions = Some(functions);
        self
    }

    /// Wakes the rotation job when RotateSecret started a run.
    pub fn rotation_wakeup(&self) -> Arc<tokio::sync::Notify> {
        self.rotation_wakeup.clone()
    }

    pub async fn rotate_secret(
        &self,
        ctx: &RequestContext,
        input: RotateSecretInput,
    ) -> Result<RotationOutput, ServiceError> {
        SecretRef::validate(&input.secret_id)?;
        let token = input
            .client_request_token
            .clone()
            .ok_or(Error::RotateMissingClientRequestToken)?;
        let rules = match input.rules.clone() {
            Some((days, expr, duration)) => Some(RotationRules::new(days, expr, duration)?),
            None => None,
        };
        let action = "secretsmanager:RotateSecret";
        let lambda_key = input.rotation_lambda_arn.clone();
        let keys = move |k: &mut strongroom_policy::Context| {
            if let Some(arn) = lambda_key {
                k.set("secretsmanager:RotationLambdaARN", arn);
            }
        };
        // Checked first on a snapshot, so that the DryRun (a network call)
        // runs outside any transaction; checked again in the write.
        let (ctx2, id, keys2) = (ctx.clone(), input.secret_id.clone(), keys.clone());
        let policies = self.policies.clone();
        let secret = self
            .store
            .read_async(move |tx| resolve_authorized(tx, &ctx2, &policies, &id, action, keys2))
            .await?;
        let lambda_arn = check_rotatable(&secret, input.rotation_lambda_arn.as_deref())?;
        // AWS also requires lambda:InvokeFunction on the function. Only the
        // caller's own policies are asked: the function's policy lives in
        // Lambda, whose account need not be this server's.
        crate::authorize(
            ctx,
            crate::Access {
                action: "lambda:InvokeFunction",
                resource: &lambda_arn,
                resource_account: ctx.account(),
                resource_policy: None,
                shown_as: &lambda_arn,
                keys: strongroom_policy::Context::new(),
            },
        )?;
        let functions = self
            .rotation_functions
            .clone()
            .ok_or_else(|| ServiceError::AccessDenied(CANNOT_INVOKE.to_owned()))?;
        if let Err(e) = functions.invoke(&lambda_arn, Invocation::DryRun).await {
            tracing::info!(function = %lambda_arn, error = %e, "RotateSecret: the DryRun invocation failed");
            return Err(ServiceError::AccessDenied(CANNOT_INVOKE.to_owned()));
        }
        let now = self.now();
        let version_cap = self.version_cap;
        let test_only = !input.rotate_immediately.unwrap_or(true);
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        let out = self
            .write(move |tx, changes| {
                changes.none();
                let before =
                    resolve_authorized(tx, &ctx, &policies, &input.secret_id, action, keys)?;
                let lambda_arn = check_rotatable(&before, input.rotation_lambda_arn.as_deref())?;
                if before.version(&token).is_some() {
                    return Err(Error::TokenInUse {
                        token,
                        arn: before.arn.clone(),
                    }
                    .into());
                }
                let mut after = before.clone();
                after.add_pending_version(Version {
                    id: token.clone(),
                    created: now,
                    last_accessed: None,
                    has_value: false,
                })?;
                after.trim_deprecated_versions(now);
                after.check_version_cap(version_cap)?;
                let mut rotation = after.rotation.take().unwrap_or(Rotation {
                    enabled: true,
                    lambda_arn: None,
                    rules: None,
                    last_rotated: None,
                    next_rotation: None,
                    run: None,
                });
                rotation.enabled = true;
                rotation.lambda_arn = Some(lambda_arn);
                if rules.is_some() {
                    rotation.rules = rules;
                }
                rotation.run = Some(RotationRun {
                    token: token.clone(),
                    rotation_token: new_token(),
                    test_only,
                    attempts: 0,
                    not_before: now,
                    claimed_until: None,
                });
                rotation.reschedule(now);
                after.rotation = Some(rotation);
                after.last_changed = now.strictly_after(before.last_changed);
                save_secret(tx, Some(&before), &after, &[])?;
                changes.secret(&after.arn);
                Ok(RotationOutput {
                    arn: after.arn,
                    name: after.name,
                    version_id: Some(token),
                })
            })
            .await?;
        self.rotation_wakeup.notify_one();
        Ok(out)
    }

    /// CancelRotateSecret: turns automatic rotation off and drops the run
    /// in progress (a step already invoked finishes; no further step runs).
    /// AWSPENDING stays where it is, for the caller to clean up, and its
    /// version is returned, as AWS does.
    pub async fn cancel_rotate_secret(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<RotationOutput, ServiceError> {
        let action = "secretsmanager:CancelRotateSecret";
        self.modify(
            ctx,
            secret_id,
            action,
            |_| {},
            move |secret| {
                if secret.is_scheduled_for_deletion() {
                    return Err(Error::AlreadyMarkedDeleted.into());
                }
                let version_id = secret
                    .rotation_in_progress()
                    .then(|| secret.holder_of(AWSPENDING).map(str::to_owned))
                    .flatten();
                if let Some(r) = secret.rotation.as_mut() {
                    r.enabled = false;
                    r.run = None;
                    r.next_rotation = None;
                }
                Ok(RotationOutput {
                    arn: secret.arn.clone(),
                    name: secret.name.clone(),
                    version_id,
                })
            },
        )
        .await
    }

    /// ARNs of secrets with a rotation to run now (at most `limit`).
    pub async fn rotations_due(&self, limit: usize) -> Result<Vec<String>, ServiceError> {
        let now = self.now();
        Ok(self
            .store
            .read_async(move |tx| tx.rotations_due(now, limit))
            .await?)
    }

    /// Claims the rotation of `arn` for `lease_ms` if it is due: a run free
    /// to be taken (new, to retry, or left by a node that stopped), or a
    /// scheduled rotation whose window is open, for which a run is started
    /// (a new token as AWSPENDING, as RotateSecret does). A window missed
    /// (the server was down) moves to the next one to open.
    pub async fn claim_rotation(&self, arn: &str, lease_ms: i64) -> Result<Claim, ServiceError> {
        let now = self.now();
        let version_cap = self.version_cap;
        let arn = arn.to_owned();
        self.write(move |tx, changes| {
            changes.none();
            let Some(before) = tx.find_secret_by_arn(&arn)? else {
                return Ok(Claim::Nothing);
            };
            let Some(rotation) = before.rotation.clone() else {
                return Ok(Claim::Nothing);
            };
            if before.is_scheduled_for_deletion() {
                return Ok(Claim::Nothing);
            }
            let mut after = before.clone();
            let mut rotation = rotation;
            let claim = match rotation.run.as_mut() {
                Some(run) if !run.claimable(now) => return Ok(Claim::Nothing),
                Some(run) if before.holder_of(AWSPENDING) != Some(run.token.as_str()) => {
                    let _ = run;
                    rotation.run = None;
                    Claim::Abandoned {
                        account: before.account.clone(),
                        region: before.region.clone(),
                    }
                }
                Some(run) => {
                    run.claimed_until = Some(Timestamp(now.0.saturating_add(lease_ms)));
                    claimed(&before, run)
                }
                None => match rotation.scheduled_due(now) {
                    Ok(false) => return Ok(Claim::Nothing),
                    Err(next) => {
                        rotation.next_rotation = next;
                        Claim::Nothing
                    }
                    // A pending version someone else left blocks a scheduled
                    // rotation until it is cleaned up, as it blocks RotateSecret.
                    Ok(true) if before.rotation_in_progress() => return Ok(Claim::Nothing),
                    Ok(true) => {
                        let token = new_token();
                        after.add_pending_version(Version {
                            id: token.clone(),
                            created: now,
                            last_accessed: None,
                            has_value: false,
                        })?;
                        after.trim_deprecated_versions(now);
                        after.check_version_cap(version_cap)?;
                        let run = RotationRun {
                            token,
                            rotation_token: new_token(),
                            test_only: false,
                            attempts: 0,
                            not_before: now,
                            claimed_until: Some(Timestamp(now.0.saturating_add(lease_ms))),
                        };
                        let c = claimed(&before, &run);
                        rotation.run = Some(run);
                        c
                    }
                },
            };
            if let Claim::Run(c) = &claim
                && c.lambda_arn.is_empty()
            {
                return Ok(Claim::Nothing);
            }
            after.rotation = Some(rotation);
            save_secret(tx, Some(&before), &after, &[])?;
            changes.secret(&arn);
            Ok(claim)
        })
        .await
    }

    /// True while the run `token` of `arn` is still the secret's run (not
    /// cancelled) and its version still holds AWSPENDING: the job checks
    /// before each step.
    pub async fn rotation_continues(&self, arn: &str, token: &str) -> Result<bool, ServiceError> {
        let (arn, token) = (arn.to_owned(), token.to_owned());
        self.store
            .read_async(move |tx| {
                Ok::<_, ServiceError>(tx.find_secret_by_arn(&arn)?.is_some_and(|s| {
                    s.holder_of(AWSPENDING) == Some(token.as_str())
                        && s.rotation
                            .as_ref()
                            .and_then(|r| r.run.as_ref())
                            .is_some_and(|run| run.token == token)
                }))
            })
            .await
    }

    /// Records how the run `token` of `arn` ended. Success needs AWSCURRENT
    /// on the new version (finishSecret moves it); then AWSPENDING is taken
    /// off it, LastRotatedDate set and the next window computed. A failure
    /// leaves AWSCURRENT and AWSPENDING where they are and the run to be
    /// retried. A test-only run (RotateImmediately=false) removes its
    /// AWSPENDING version either way.
    pub async fn finish_rotation(
        &self,
        arn: &str,
        token: &str,
        outcome: StepsOutcome,
    ) -> Result<Finished, ServiceError> {
        let now = self.now();
        let (arn, token) = (arn.to_owned(), token.to_owned());
        self.write(move |tx, changes| {
            changes.none();
            let Some(before) = tx.find_secret_by_arn(&arn)? else {
                return Ok(Finished::Abandoned);
            };
            let mut after = before.clone();
            let Some(rotation) = after.rotation.as_mut() else {
                return Ok(Finished::Abandoned);
            };
            let Some(run) = rotation.run.as_mut().filter(|r| r.token == token) else {
                return Ok(Finished::Abandoned);
            };
            let test_only = run.test_only;
            let completed = matches!(outcome, StepsOutcome::Completed);
            let finished = if test_only {
                rotation.run = None;
                if before.holder_of(AWSPENDING) == Some(token.as_str()) {
                    after.stages.remove(AWSPENDING);
                }
                if after.version(&token).is_some_and(|v| !v.has_value)
                    && after.stages_of(&token).is_empty()
                {
                    after.versions.retain(|v| v.id != token);
                }
                if completed {
                    Finished::Succeeded
                } else {
                    Finished::Failed
                }
            } else if before.holder_of(AWSCURRENT) != Some(token.as_str())
                && before.holder_of(AWSPENDING) != Some(token.as_str())
            {
                // superseded by a value of the caller's own (or AWSPENDING
                // taken off by hand): nothing left to retry
                rotation.run = None;
                Finished::Abandoned
            } else if completed && before.holder_of(AWSCURRENT) == Some(token.as_str()) {
                rotation.run = None;
                rotation.last_rotated = Some(now);
                rotation.reschedule(now);
                if before.holder_of(AWSPENDING) == Some(token.as_str()) {
                    after.stages.remove(AWSPENDING);
                }
                Finished::Succeeded
            } else {
                let retry_after_ms = match outcome {
                    StepsOutcome::Failed { retry_after_ms } => retry_after_ms,
                    // every step answered, but AWSCURRENT did not move
                    StepsOutcome::Completed => 0,
                };
                run.attempts = run.attempts.saturating_add(1);
                run.claimed_until = None;
                run.not_before = Timestamp(now.0.saturating_add(retry_after_ms));
                Finished::Failed
            };
            after.last_changed = now.strictly_after(before.last_changed);
            save_secret(tx, Some(&before), &after, &[])?;
            changes.secret(&arn);
            Ok(finished)
        })
        .await
    }
}

fn claimed(secret: &Secret, run: &RotationRun) -> Claim {
    Claim::Run(ClaimedRotation {
        arn: secret.arn.clone(),
        account: secret.account.clone(),
        region: secret.region.clone(),
        lambda_arn: secret
            .rotation
            .as_ref()
            .and_then(|r| r.lambda_arn.clone())
            .unwrap_or_default(),
        token: run.token.clone(),
        rotation_token: run.rotation_token.clone(),
        test_only: run.test_only,
        attempts: run.attempts,
    })
}

/// RotateSecret's state checks; the function to use.
fn check_rotatable(secret: &Secret, given: Option<&str>) -> Result<String, Error> {
    if secret.is_scheduled_for_deletion() {
        return Err(Error::AlreadyMarkedDeleted);
    }
    let lambda = given
        .filter(|a| !a.is_empty())
        .map(str::to_owned)
        .or_else(|| secret.rotation.as_ref().and_then(|r| r.lambda_arn.clone()))
        .ok_or(Error::NoRotationLambda)?;
    if secret.rotation_in_progress() {
        return Err(Error::RotationInProgress);
    }
    Ok(lambda)
}
