//! Running rotations: the four steps of a claimed run invoked one after the
//! other, the outcome recorded in the store and in the audit trail
//! (RotationStarted, RotationSucceeded, RotationFailed, RotationAbandoned,
//! by the service itself). `jobs::rotation_loop` finds and claims the runs.
//!
//! A failed step (an error status, `X-Amz-Function-Error`, no answer
//! within the invocation timeout) ends the attempt: AWSCURRENT stays,
//! AWSPENDING stays on the new version, and the run is retried after the
//! retry delay (doubled after each failure, at most a day), with the same
//! token, from createSecret — AWS's templates skip what a step already did.
//! A run cancelled (CancelRotateSecret) or whose AWSPENDING was taken off
//! stops before its next step.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use strongroom_api::AwsService;
use strongroom_api::audit::AuditRecorder;
use strongroom_service::{
    Claim, ClaimedRotation, Clock, Finished, Invocation, RotationFunctions, STEPS, Service,
    StepsOutcome,
};
use tokio::sync::Semaphore;

/// The longest retry delay.
const MAX_RETRY: Duration = Duration::from_secs(24 * 60 * 60);

pub struct Rotations {
    pub service: Arc<Service>,
    pub functions: Arc<dyn RotationFunctions>,
    pub audit: Option<Arc<AuditRecorder>>,
    pub clock: Arc<dyn Clock>,
    /// The invocation timeout (the client applies it; the claim's lease
    /// covers every step's).
    pub invoke_timeout: Duration,
    /// The delay before the first retry of a failed run.
    pub retry_after: Duration,
    /// Runs at once, over all secrets.
    pub concurrency: Arc<Semaphore>,
    /// Secrets whose run this node is executing.
    running: Mutex<HashSet<String>>,
}

impl Rotations {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        service: Arc<Service>,
        functions: Arc<dyn RotationFunctions>,
        audit: Option<Arc<AuditRecorder>>,
        clock: Arc<dyn Clock>,
        invoke_timeout: Duration,
        retry_after: Duration,
        concurrency: usize,
    ) -> Rotations {
        Rotations {
            service,
            functions,
            audit,
            clock,
            invoke_timeout,
            retry_after,
            concurrency: Arc::new(Semaphore::new(concurrency.max(1))),
            running: Mutex::default(),
        }
    }

    /// How long a claim holds: every step's timeout, and some slack.
    fn lease(&self) -> Duration {
        self.invoke_timeout * STEPS.len() as u32 + Duration::from_secs(30)
    }

    /// Claims the due rotations there are room for and starts them on
    /// `tasks`. While the audit trail cannot be written, none starts.
    pub async fn start_due(
        self: &Arc<Self>,
        tasks: &mut tokio::task::JoinSet<()>,
    ) -> Result<usize, strongroom_service::ServiceError> {
        if let Some(audit) = &self.audit
            && !strongroom_api::Recorder::accepts_changes(audit.as_ref())
        {
            tracing::warn!("the audit trail cannot be written; rotations wait until it can");
            return Ok(0);
        }
        let room = self.concurrency.available_permits();
        if room == 0 {
            return Ok(0);
        }
        let lease_ms = i64::try_from(self.lease().as_millis()).unwrap_or(i64::MAX);
        let mut started = 0;
        for arn in self.service.rotations_due(room * 2).await? {
            if self.lock_running().contains(&arn) {
                continue;
            }
            let Ok(permit) = self.concurrency.clone().try_acquire_owned() else {
                break;
            };
            match self.service.claim_rotation(&arn, lease_ms).await? {
                Claim::Run(run) => {
                    self.lock_running().insert(arn.clone());
                    // taken off even if the task is aborted (shutdown)
                    let running = Running {
                        rotations: self.clone(),
                        arn,
                    };
                    let this = self.clone();
                    started += 1;
                    tasks.spawn(async move {
                        this.execute(&run).await;
                        drop((running, permit));
                    });
                }
                Claim::Abandoned { account, region } => {
                    self.record("RotationAbandoned", &account, &region, &arn)
                        .await;
                }
                Claim::Nothing => {}
            }
        }
        Ok(started)
    }

    fn lock_running(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs one claimed attempt to its end.
    async fn execute(&self, run: &ClaimedRotation) {
        let (account, region, arn) = (&run.account, &run.region, &run.arn);
        self.record("RotationStarted", account, region, arn).await;
        let steps: &[&'static str] = if run.test_only {
            &["testSecret"]
        } else {
            &STEPS
        };
        let mut outcome = StepsOutcome::Completed;
        let mut failure = None;
        for step in steps {
            match self.service.rotation_continues(arn, &run.token).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!(secret = %arn, step, "rotation cancelled or superseded; stopping");
                    self.record("RotationAbandoned", account, region, arn).await;
                    return;
                }
                Err(e) => {
                    // Left claimed: resumed once the claim's lease ends.
                    tracing::error!(secret = %arn, error = %e, "rotation: could not read the secret");
                    return;
                }
            }
            let invocation = Invocation::Step {
                step,
                secret_id: arn.clone(),
                client_request_token: run.token.clone(),
                rotation_token: run.rotation_token.clone(),
            };
            if let Err(e) = self.functions.invoke(&run.lambda_arn, invocation).await {
                tracing::warn!(secret = %arn, step, function = %run.lambda_arn, error = %e, attempt = run.attempts + 1, "rotation step failed");
                outcome = StepsOutcome::Failed {
                    retry_after_ms: self.retry_delay_ms(run.attempts),
                };
                failure = Some(format!("{step} failed: {e}"));
                break;
            }
        }
        let finished = self.service.finish_rotation(arn, &run.token, outcome).await;
        let event = match finished {
            Ok(Finished::Succeeded) => "RotationSucceeded",
            Ok(Finished::Failed) => "RotationFailed",
            Ok(Finished::Abandoned) => "RotationAbandoned",
            Err(e) => {
                tracing::error!(secret = %arn, error = %e, "rotation: could not record the outcome");
                return;
            }
        };
        tracing::info!(secret = %arn, outcome = event, "rotation attempt ended");
        match (event, failure) {
            ("RotationFailed", Some(message)) => {
                self.record_failure(account, region, arn, &message).await;
            }
            // every step answered, but AWSCURRENT did not move
            ("RotationFailed", None) => {
                let message = "finishSecret did not move AWSCURRENT to the new version";
                self.record_failure(account, region, arn, message).await;
            }
            _ => self.record(event, account, region, arn).await,
        }
    }

    /// RotationFailed, with the failed step's error as `errorMessage`.
    async fn record_failure(&self, account: &str, region: &str, arn: &str, message: &str) {
        let Some(audit) = &self.audit else {
            return;
        };
        let appended = audit.service_failure(
            AwsService::SecretsManager,
            "RotationFailed",
            account,
            region,
            self.clock.now(),
            &[arn.to_owned()],
            message,
        );
        if let Err(e) = appended.await {
            tracing::error!(event = "RotationFailed", secret = %arn, error = %e, "could not record a rotation event");
        }
    }

    /// The retry delay after `attempts` earlier failures.
    fn retry_delay_ms(&self, attempts: u32) -> i64 {
        let delay = self
            .retry_after
            .saturating_mul(1u32 << attempts.min(16))
            .min(MAX_RETRY);
        i64::try_from(delay.as_millis()).unwrap_or(i64::MAX)
    }

    /// One service event in the audit trail; a failure is logged (the
    /// rotation's own outcome is already in the store).
    async fn record(&self, name: &str, account: &str, region: &str, arn: &str) {
        let Some(audit) = &self.audit else {
            return;
        };
        let appended = audit.service_event(
            AwsService::SecretsManager,
            name,
            account,
            region,
            self.clock.now(),
            &[arn.to_owned()],
        );
        if let Err(e) = appended.await {
            tracing::error!(event = name, secret = %arn, error = %e, "could not record a rotation event");
        }
    }
}

/// A secret this node is rotating, until dropped.
struct Running {
    rotations: Arc<Rotations>,
    arn: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        self.rotations.lock_running().remove(&self.arn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use strongroom_api::audit::AuditSink;
    use strongroom_audit::{AuditKey, read_entries};
    use strongroom_crypto::{Key256, RootKey};
    use strongroom_domain::{AWSCURRENT, AWSPENDING, SecretValue, Timestamp};
    use strongroom_service::{
        CreateSecretInput, InvokeError, ManualClock, PutSecretValueInput, RequestContext,
        RotateSecretInput,
    };
    use strongroom_store::sqlite::SqliteStore;
    use strongroom_trail::{Trail, TrailOptions};

    fn admin() -> RequestContext {
        strongroom_service::testing::admin("us-east-1", Timestamp(0))
    }

    /// AWS's template, played against the service; counts runs at once.
    #[derive(Default)]
    struct Template {
        service: OnceLock<Arc<Service>>,
        now: AtomicUsize,
        most: AtomicUsize,
    }

    impl Template {
        async fn step(&self, step: &str, arn: &str, token: &str) -> Result<(), InvokeError> {
            let service = self.service.get().expect("wired");
            let failed = |e: strongroom_service::ServiceError| InvokeError::FunctionError {
                kind: e.to_string(),
            };
            match step {
                "createSecret" => {
                    let at_once = self.now.fetch_add(1, Ordering::SeqCst) + 1;
                    self.most.fetch_max(at_once, Ordering::SeqCst);
                    // held, so that runs overlap if the bound lets them
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    self.now.fetch_sub(1, Ordering::SeqCst);
                    service
                        .put_secret_value(
                            &admin(),
                            PutSecretValueInput {
                                secret_id: arn.into(),
                                client_request_token: Some(token.into()),
                                value: Some(SecretValue::String("rotated".into())),
                                version_stages: Some(vec![AWSPENDING.into()]),
                                rotation_token: None,
                            },
                        )
                        .await
                        .map_err(failed)?;
                }
                "finishSecret" => {
                    let current = service
                        .describe_secret(&admin(), arn)
                        .await
                        .map_err(failed)?
                        .holder_of(AWSCURRENT)
                        .map(str::to_owned);
                    service
                        .update_secret_version_stage(
                            &admin(),
                            arn,
                            AWSCURRENT,
                            current,
                            Some(token.into()),
                        )
                        .await
                        .map_err(failed)?;
                }
                _ => {}
            }
            Ok(())
        }
    }

    impl RotationFunctions for Template {
        fn invoke<'a>(
            &'a self,
            _function_arn: &'a str,
            invocation: Invocation,
        ) -> Pin<Box<dyn Future<Output = Result<(), InvokeError>> + Send + 'a>> {
            Box::pin(async move {
                match invocation {
                    Invocation::DryRun => Ok(()),
                    Invocation::Step {
                        step,
                        secret_id,
                        client_request_token,
                        ..
                    } => self.step(step, &secret_id, &client_request_token).await,
                }
            })
        }
    }

    /// Five rotations with a bound of two: never more than two at once,
    /// each recorded as RotationStarted then RotationSucceeded by the
    /// service itself.
    #[tokio::test]
    async fn rotations_run_concurrently_within_the_bound_and_are_recorded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("store"));
        let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
        let root = RootKey(Key256::generate().expect("key"));
        let template = Arc::new(Template::default());
        let service = Arc::new(
            Service::new(store, root, clock.clone()).with_rotation_functions(template.clone()),
        );
        assert!(template.service.set(service.clone()).is_ok());
        let trail = Arc::new(
            Trail::open(
                &dir.path().join("audit"),
                &dir.path().join("audit-index.db"),
                AuditKey::from_bytes(&[9; 32]),
                TrailOptions::default(),
            )
            .expect("trail"),
        );
        let audit = Arc::new(AuditRecorder::new(
            trail.clone() as Arc<dyn AuditSink>,
            Default::default(),
        ));
        let rotations = Arc::new(Rotations::new(
            service.clone(),
            template.clone(),
            Some(audit),
            clock.clone(),
            Duration::from_secs(5),
            Duration::from_secs(1),
            2,
        ));
        let mut arns = Vec::new();
        for i in 0..5 {
            let created = service
                .create_secret(
                    &admin(),
                    CreateSecretInput {
                        name: format!("s{i}"),
                        client_request_token: Some(format!("{i:0>36}")),
                        value: Some(SecretValue::String("v".into())),
                        ..Default::default()
                    },
                )
                .await
                .expect("create");
            service
                .rotate_secret(
                    &admin(),
                    RotateSecretInput {
                        secret_id: created.arn.clone(),
                        client_request_token: Some(format!("{:0>36}", 100 + i)),
                        rotation_lambda_arn: Some(
                            "arn:aws:lambda:us-east-1:123456789012:function:t".into(),
                        ),
                        ..Default::default()
                    },
                )
                .await
                .expect("rotate");
            arns.push(created.arn);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..100 {
            rotations.start_due(&mut tasks).await.expect("start");
            if tasks.join_next().await.is_none() {
                break;
            }
        }
        assert_eq!(template.most.load(Ordering::SeqCst), 2);
        for (i, arn) in arns.iter().enumerate() {
            let s = service
                .describe_secret(&admin(), arn)
                .await
                .expect("describe");
            let token = format!("{:0>36}", 100 + i);
            assert_eq!(s.holder_of(AWSCURRENT), Some(token.as_str()), "{arn}");
            assert_eq!(s.holder_of(AWSPENDING), None);
        }
        trail.close();
        let records: Vec<serde_json::Value> = read_entries(&dir.path().join("audit"))
            .expect("read")
            .map(|e| e.expect("entry").value().expect("json"))
            .collect();
        for arn in &arns {
            let names: Vec<&str> = records
                .iter()
                .filter(|r| r["resources"][0]["ARN"] == arn.as_str())
                .map(|r| r["eventName"].as_str().unwrap_or_default())
                .collect();
            assert_eq!(names, ["RotationStarted", "RotationSucceeded"], "{arn}");
        }
        assert!(records.iter().all(|r| r["eventType"] == "AwsServiceEvent"
            && r["userIdentity"]["invokedBy"] == "secretsmanager.amazonaws.com"));
    }

    #[test]
    fn the_retry_delay_doubles_up_to_a_day() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("store"));
        let clock = Arc::new(ManualClock::new(Timestamp(0)));
        let root = RootKey(Key256::generate().expect("key"));
        let template = Arc::new(Template::default());
        let service = Arc::new(Service::new(store, root, clock.clone()));
        let r = Rotations::new(
            service,
            template,
            None,
            clock,
            Duration::from_secs(1),
            Duration::from_secs(300),
            1,
        );
        assert_eq!(r.retry_delay_ms(0), 300_000);
        assert_eq!(r.retry_delay_ms(1), 600_000);
        assert_eq!(r.retry_delay_ms(30), 86_400_000);
    }
}
