//! Background jobs.

use std::sync::Arc;
use std::time::Duration;
use strongroom_api::AwsService;
use strongroom_api::audit::AuditRecorder;
use strongroom_service::{Clock, Service};
use tokio_util::sync::CancellationToken;

/// Purges secrets whose recovery window has ended, deletes KMS keys whose
/// waiting period has, and rotates KMS keys whose scheduled rotation is due,
/// every `interval`, until `shutdown`. Each purge is recorded in the audit
/// trail as `EndSecretDeletion`, each key deletion as `DeleteKey`, each
/// rotation as `RotateKey`, by the service itself; while the trail cannot be written
/// nothing is purged (fail closed, as for calls).
pub async fn purge_loop(
    service: Arc<Service>,
    audit: Option<Arc<AuditRecorder>>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
        }
        match purge_due(&service, audit.as_deref(), clock.as_ref()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "purged secrets whose recovery window ended"),
            Err(e) => tracing::error!(error = %e, "purge job failed"),
        }
        match delete_due_keys(&service, audit.as_deref(), clock.as_ref()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(deleted = n, "deleted KMS keys whose waiting period ended"),
            Err(e) => tracing::error!(error = %e, "KMS key deletion job failed"),
        }
        match rotate_due_keys(&service, audit.as_deref(), clock.as_ref()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(rotated = n, "rotated KMS keys on schedule"),
            Err(e) => tracing::error!(error = %e, "KMS key rotation job failed"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
enum PurgeError {
    #[error(transparent)]
    Service(#[from] strongroom_service::ServiceError),
    #[error("the purge's audit record could not be written: {0}")]
    Audit(#[from] strongroom_audit::AuditError),
    #[error("the audit trail cannot be written; purging waits until it can")]
    TrailFailing,
}

/// Background jobs change nothing while the audit trail cannot record it.
fn trail_accepts(audit: Option<&AuditRecorder>) -> Result<(), PurgeError> {
    match audit {
        Some(audit) if !strongroom_api::Recorder::accepts_changes(audit) => {
            Err(PurgeError::TrailFailing)
        }
        _ => Ok(()),
    }
}

/// Records a change a job made as the service event `event` on `arn`.
async fn record(
    audit: Option<&AuditRecorder>,
    service: AwsService,
    event: &str,
    account: &str,
    region: &str,
    clock: &dyn Clock,
    arn: String,
) -> Result<(), PurgeError> {
    if let Some(audit) = audit {
        audit
            .service_event(service, event, account, region, clock.now(), &[arn])
            .await?;
    }
    Ok(())
}

async fn purge_due(
    service: &Service,
    audit: Option<&AuditRecorder>,
    clock: &dyn Clock,
) -> Result<usize, PurgeError> {
    let mut purged = 0;
    for arn in service.secrets_due_for_purge().await? {
        trail_accepts(audit)?;
        let Some(secret) = service.purge(&arn).await? else {
            continue;
        };
        purged += 1;
        record(
            audit,
            AwsService::SecretsManager,
            "EndSecretDeletion",
            &secret.account,
            &secret.region,
            clock,
            secret.arn,
        )
        .await?;
    }
    Ok(purged)
}

/// Deletes the KMS keys whose deletion date has come, with their material
/// (zeroed on disk: `secure_delete`, then the WAL checkpoint), aliases and
/// tags; each recorded as KMS's `DeleteKey` service event.
async fn delete_due_keys(
    service: &Service,
    audit: Option<&AuditRecorder>,
    clock: &dyn Clock,
) -> Result<usize, PurgeError> {
    let mut deleted = 0;
    for key_id in service.kms_keys_due_for_deletion().await? {
        trail_accepts(audit)?;
        let Some(gone) = service.kms_delete_due_key(&key_id).await? else {
            continue;
        };
        deleted += 1;
        record(
            audit,
            AwsService::Kms,
            "DeleteKey",
            &gone.key.account,
            &gone.key.region,
            clock,
            gone.key.arn,
        )
        .await?;
    }
    Ok(deleted)
}

/// Rotates the KMS keys whose scheduled rotation is due (a new generation of
/// material; the next date is kept in the store), each recorded as KMS's
/// `RotateKey` service event. A key is rotated once even with several nodes:
/// the service re-checks and moves the date inside the write.
async fn rotate_due_keys(
    service: &Service,
    audit: Option<&AuditRecorder>,
    clock: &dyn Clock,
) -> Result<usize, PurgeError> {
    let mut rotated = 0;
    for key_id in service.kms_keys_due_for_rotation().await? {
        trail_accepts(audit)?;
        let Some(done) = service.kms_rotate_due_key(&key_id).await? else {
            continue;
        };
        rotated += 1;
        record(
            audit,
            AwsService::Kms,
            "RotateKey",
            &done.key.account,
            &done.key.region,
            clock,
            done.key.arn,
        )
        .await?;
    }
    Ok(rotated)
}

/// Writes the LastAccessedDate of reads every `interval` (sooner when
/// many are noted), until `shutdown`; the server writes what is left once
/// calls have drained.
pub async fn access_flush_loop(
    service: Arc<Service>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => {}
            () = service.accesses_waiting() => {}
        }
        if let Err(e) = service.flush_accesses().await {
            tracing::error!(error = %e, "could not record LastAccessedDate; retrying");
        }
    }
}

/// Starts due rotations (`rotation.rs`) every `interval`, and at once when
/// RotateSecret started one, until `shutdown`. Runs in flight at shutdown
/// are dropped: their claims lapse and the next start resumes them with the
/// same token (AWS reattempts an unfinished rotation).
pub async fn rotation_loop(
    rotations: Arc<crate::rotation::Rotations>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let wakeup = rotations.service.rotation_wakeup();
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut running = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = ticker.tick() => {}
            () = wakeup.notified() => {}
            Some(_) = running.join_next() => continue,
        }
        if let Err(e) = rotations.start_due(&mut running).await {
            tracing::error!(error = %e, "rotation job failed");
        }
    }
    running.abort_all();
}

/// Records the summaries of floods of unauthenticated requests once their
/// window is over, every `interval`, until `shutdown`.
pub async fn flood_summary_loop(
    audit: Arc<AuditRecorder>,
    clock: Arc<dyn Clock>,
    interval: Duration,
    shutdown: CancellationToken,
) {
    let mut ticker = tokio::time::interval(interval);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticker.tick() => audit.flush_summaries(clock.now()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_api::audit::AuditSink;
    use strongroom_audit::{AuditKey, read_entries};
    use strongroom_crypto::{Key256, RootKey};
    use strongroom_domain::{SecretValue, Timestamp};
    use strongroom_service::{CreateSecretInput, ManualClock, RequestContext};
    use strongroom_store::sqlite::SqliteStore;
    use strongroom_trail::{Trail, TrailOptions};

    const DAY: i64 = 86_400_000;

    fn admin() -> RequestContext {
        strongroom_service::testing::admin("us-east-1", Timestamp(0))
    }

    /// A trail under `dir` and the recorder the jobs write to it through.
    fn open_trail(dir: &std::path::Path) -> (Arc<Trail>, AuditRecorder) {
        let trail = Arc::new(
            Trail::open(
                &dir.join("audit"),
                &dir.join("audit-index.db"),
                AuditKey::from_bytes(&[9; 32]),
                TrailOptions::default(),
            )
            .expect("trail"),
        );
        let audit = AuditRecorder::new(trail.clone() as Arc<dyn AuditSink>, Default::default());
        (trail, audit)
    }

    /// Closes `trail` and reads back every record it holds, oldest first.
    fn recorded(trail: &Trail, dir: &std::path::Path) -> Vec<serde_json::Value> {
        trail.close();
        read_entries(&dir.join("audit"))
            .expect("read")
            .map(|e| e.expect("entry").value().expect("json"))
            .collect()
    }

    /// A secret purged at the end of its recovery window is recorded as
    /// `EndSecretDeletion`, by the service itself, once; nothing is purged
    /// (or recorded) before the window ends.
    #[tokio::test]
    async fn a_purge_is_recorded_as_end_secret_deletion_by_the_service() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("store"));
        let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
        let root = RootKey(Key256::generate().expect("key"));
        let service = Service::new(store, root, clock.clone());
        let (trail, audit) = open_trail(dir.path());
        let created = service
            .create_secret(
                &admin(),
                CreateSecretInput {
                    name: "db/old".into(),
                    client_request_token: Some(format!("{:0>36}", 1)),
                    value: Some(SecretValue::String("v".into())),
                    ..Default::default()
                },
            )
            .await
            .expect("create");
        service
            .delete_secret(&admin(), "db/old", Some(7), false)
            .await
            .expect("delete");

        clock.advance(7 * DAY - 1);
        assert_eq!(
            purge_due(&service, Some(&audit), clock.as_ref())
                .await
                .expect("purge"),
            0
        );
        clock.advance(1);
        assert_eq!(
            purge_due(&service, Some(&audit), clock.as_ref())
                .await
                .expect("purge"),
            1
        );
        assert_eq!(
            purge_due(&service, Some(&audit), clock.as_ref())
                .await
                .expect("purge"),
            0
        );
        let records = recorded(&trail, dir.path());
        assert_eq!(records.len(), 1, "{records:?}");
        let r = &records[0];
        assert_eq!(r["eventName"], "EndSecretDeletion");
        assert_eq!(r["eventType"], "AwsServiceEvent");
        assert_eq!(r["eventSource"], "secretsmanager.amazonaws.com");
        assert_eq!(r["userIdentity"]["type"], "AWSService");
        assert_eq!(
            r["userIdentity"]["invokedBy"],
            "secretsmanager.amazonaws.com"
        );
        assert_eq!(r["recipientAccountId"], "123456789012");
        assert_eq!(r["resources"][0]["ARN"], created.arn.as_str());
        assert_eq!(r["resources"][0]["type"], "AWS::SecretsManager::Secret");
        assert_eq!(r["readOnly"], false);
    }

    /// A key is deleted when its waiting period ends, not before, and the
    /// deletion is recorded as KMS's `DeleteKey` service event, once.
    #[tokio::test]
    async fn a_key_deletion_is_recorded_as_delete_key_by_the_service() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("store"));
        let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
        let root = RootKey(Key256::generate().expect("key"));
        let service = Service::new(store, root, clock.clone());
        let (trail, audit) = open_trail(dir.path());
        let key = service
            .kms_create_key(&admin(), Default::default())
            .await
            .expect("create");
        service
            .kms_create_alias(&admin(), "alias/old", &key.id)
            .await
            .expect("alias");
        service
            .kms_schedule_key_deletion(&admin(), &key.id, Some(7))
            .await
            .expect("schedule");

        clock.advance(7 * DAY - 1);
        assert_eq!(
            delete_due_keys(&service, Some(&audit), clock.as_ref())
                .await
                .expect("delete"),
            0
        );
        clock.advance(1);
        assert_eq!(
            delete_due_keys(&service, Some(&audit), clock.as_ref())
                .await
                .expect("delete"),
            1
        );
        assert_eq!(
            delete_due_keys(&service, Some(&audit), clock.as_ref())
                .await
                .expect("delete"),
            0
        );
        let gone = service.kms_describe_key(&admin(), &key.id).await;
        assert!(
            matches!(
                gone,
                Err(strongroom_service::ServiceError::Kms(
                    strongroom_domain::kms::KmsError::KeyNotFound(_)
                ))
            ),
            "{gone:?}"
        );
        let aliases = service
            .kms_list_aliases(&admin(), None, None, None)
            .await
            .expect("aliases");
        assert!(aliases.aliases.is_empty());
        let records = recorded(&trail, dir.path());
        assert_eq!(records.len(), 1, "{records:?}");
        let r = &records[0];
        assert_eq!(r["eventName"], "DeleteKey");
        assert_eq!(r["eventType"], "AwsServiceEvent");
        assert_eq!(r["eventSource"], "kms.amazonaws.com");
        assert_eq!(r["resources"][0]["ARN"], key.arn.as_str());
        assert_eq!(r["resources"][0]["type"], "AWS::KMS::Key");
    }

    /// A key with rotation enabled gets a new generation when its next rotation date
    /// comes, not before, recorded as KMS's `RotateKey` service event; the next date
    /// is kept in the store, so a restarted server (a new `Service` on the same data)
    /// rotates on the same schedule; blobs of the old generation still decrypt.
    #[tokio::test]
    async fn scheduled_key_rotation_survives_a_restart_and_is_recorded_as_rotate_key() {
        use strongroom_service::kms::{EncryptInput, IncludeKeyMaterial};
        let dir = tempfile::tempdir().expect("tempdir");
        let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
        let root = Key256::generate().expect("key");
        let open_service = || {
            let store = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("store"));
            Service::new(store, RootKey(root.clone()), clock.clone())
        };
        let (trail, audit) = open_trail(dir.path());
        let service = open_service();
        let key = service
            .kms_create_key(&admin(), Default::default())
            .await
            .expect("create");
        service
            .kms_enable_key_rotation(&admin(), &key.id, Some(90))
            .await
            .expect("enable");
        let old_blob = service
            .kms_encrypt(
                &admin(),
                EncryptInput {
                    key_id: key.id.clone(),
                    plaintext: zeroize::Zeroizing::new(b"before".to_vec()),
                    context: Default::default(),
                    algorithm: None,
                    dry_run: false,
                },
            )
            .await
            .expect("encrypt")
            .ciphertext;
        let status = service
            .kms_get_key_rotation_status(&admin(), &key.id)
            .await
            .expect("status");
        assert_eq!(
            status.next_rotation,
            Some(Timestamp(1_700_000_000_000).plus_days(90))
        );

        clock.advance(90 * DAY - 1);
        assert_eq!(
            rotate_due_keys(&service, Some(&audit), clock.as_ref())
                .await
                .expect("rotate"),
            0
        );
        clock.advance(1);
        assert_eq!(
            rotate_due_keys(&service, Some(&audit), clock.as_ref())
                .await
                .expect("rotate"),
            1
        );
        assert_eq!(
            rotate_due_keys(&service, Some(&audit), clock.as_ref())
                .await
                .expect("rotate"),
            0
        );
        drop(service);

        // Restart: the next date (another 90 days on) comes from the store.
        let service = open_service();
        let status = service
            .kms_get_key_rotation_status(&admin(), &key.id)
            .await
            .expect("status");
        assert_eq!(
            status.next_rotation,
            Some(Timestamp(1_700_000_000_000).plus_days(180))
        );
        clock.advance(90 * DAY - 1);
        assert_eq!(
            rotate_due_keys(&service, Some(&audit), clock.as_ref())
                .await
                .expect("rotate"),
            0
        );
        clock.advance(1);
        assert_eq!(
            rotate_due_keys(&service, Some(&audit), clock.as_ref())
                .await
                .expect("rotate"),
            1
        );

        let page = service
            .kms_list_key_rotations(
                &admin(),
                &key.id,
                IncludeKeyMaterial::RotationsOnly,
                None,
                None,
            )
            .await
            .expect("list");
        let kinds: Vec<_> = page
            .rotations
            .iter()
            .map(|r| r.rotation.map(|(_, kind)| kind.as_str()))
            .collect();
        assert_eq!(kinds, [Some("AUTOMATIC"), Some("AUTOMATIC")]);
        let plain = service
            .kms_decrypt(
                &admin(),
                strongroom_service::kms::DecryptInput {
                    ciphertext: old_blob,
                    context: Default::default(),
                    key_id: None,
                    algorithm: None,
                    dry_run: false,
                },
            )
            .await
            .expect("old blob decrypts");
        assert_eq!(plain.plaintext.as_slice(), b"before");
        let records = recorded(&trail, dir.path());
        assert_eq!(records.len(), 2, "{records:?}");
        for r in &records {
            assert_eq!(r["eventName"], "RotateKey");
            assert_eq!(r["eventType"], "AwsServiceEvent");
            assert_eq!(r["eventSource"], "kms.amazonaws.com");
            assert_eq!(r["resources"][0]["ARN"], key.arn.as_str());
        }
    }

    /// `aws/secretsmanager` rotates every 365 days with no schedule set by anyone; a
    /// secret written before keeps its value, one written after goes under the new
    /// generation and reads back too.
    #[tokio::test]
    async fn the_aws_managed_key_rotates_yearly_and_secrets_stay_readable() {
        use strongroom_service::GetSecretValueInput;
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("store"));
        let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
        let root = RootKey(Key256::generate().expect("key"));
        let service = Service::new(store, root, clock.clone());
        let create = |name: &str, n: u8| CreateSecretInput {
            name: name.into(),
            client_request_token: Some(format!("{:0>36}", n)),
            value: Some(SecretValue::String(format!("value {n}"))),
            ..Default::default()
        };
        service
            .create_secret(&admin(), create("before", 1))
            .await
            .expect("create");
        clock.advance(365 * DAY - 1);
        assert_eq!(
            rotate_due_keys(&service, None, clock.as_ref())
                .await
                .expect("rotate"),
            0
        );
        clock.advance(1);
        assert_eq!(
            rotate_due_keys(&service, None, clock.as_ref())
                .await
                .expect("rotate"),
            1
        );
        assert_eq!(
            rotate_due_keys(&service, None, clock.as_ref())
                .await
                .expect("rotate"),
            0
        );
        let status = service
            .kms_get_key_rotation_status(&admin(), "alias/aws/secretsmanager")
            .await
            .expect("status");
        assert!(status.enabled);
        assert_eq!(status.next_rotation, Some(clock.now().plus_days(365)));
        service
            .create_secret(&admin(), create("after", 2))
            .await
            .expect("create");
        for (name, n) in [("before", 1), ("after", 2)] {
            let got = service
                .get_secret_value(
                    &admin(),
                    &GetSecretValueInput {
                        secret_id: name.into(),
                        version_id: None,
                        version_stage: None,
                    },
                )
                .await
                .expect("read");
            assert_eq!(got.value, SecretValue::String(format!("value {n}")));
        }
    }
}
