//! Secrets under KMS keys at the service level: values written before KMS
//! (the V4/V5 shape: the data key sealed directly by aws/secretsmanager's
//! generation 1) stay readable and move onto a new key; a key's state is
//! checked on cached reads too; keys Secrets Manager cannot use are refused.

use std::sync::Arc;
use strongroom_crypto::{Key256, RootKey, blob_header, encrypt_value, open, seal};
use strongroom_domain::kms::{
    KeySpec, KeyUsage, KmsKey, SECRETSMANAGER_ALIAS, default_key_policy, new_key_id,
};
use strongroom_domain::sealing::kms_material_seal_context;
use strongroom_domain::{AWSCURRENT, Error, SecretValue, Timestamp, Version};
use strongroom_service::kms::CreateKeyInput;
use strongroom_service::{
    CreateSecretInput, GetSecretValueInput, ManualClock, PutSecretValueInput, RequestContext,
    Service, ServiceError, UpdateSecretInput,
};
use strongroom_store::sqlite::SqliteStore;
use strongroom_store::{KeyMaterialRecord, Store, StoredValue, save_secret};

const ROOT: [u8; 32] = [9; 32];
const NOW: Timestamp = Timestamp(1_700_000_000_000);

fn open_service(dir: &std::path::Path) -> (Arc<dyn Store>, Service) {
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.join("db")).expect("open"));
    let root = RootKey(Key256::from_bytes(&ROOT).expect("32 bytes"));
    let service = Service::new(store.clone(), root, Arc::new(ManualClock::new(NOW)));
    (store, service)
}

fn admin() -> RequestContext {
    strongroom_service::testing::admin("us-east-1", Timestamp(0))
}

fn token(n: u32) -> String {
    format!("{n:0>36}")
}

async fn get(service: &Service, id: &str) -> Result<SecretValue, ServiceError> {
    let input = GetSecretValueInput {
        secret_id: id.into(),
        ..Default::default()
    };
    Ok(service.get_secret_value(&admin(), &input).await?.value)
}

async fn put(service: &Service, id: &str, n: u32, value: &str) -> Result<(), ServiceError> {
    let input = PutSecretValueInput {
        secret_id: id.into(),
        client_request_token: Some(token(n)),
        value: Some(SecretValue::String(value.into())),
        version_stages: None,
        rotation_token: None,
    };
    service.put_secret_value(&admin(), input).await.map(|_| ())
}

async fn customer_key(service: &Service) -> KmsKey {
    service
        .kms_create_key(&admin(), CreateKeyInput::default())
        .await
        .expect("create key")
}

/// Writes a version of `arn` the way Strongroom did before secrets moved
/// onto KMS keys: a data key sealed under generation 1 of
/// aws/secretsmanager with "SecretARN=…;SecretVersionId=…" as associated
/// data (a 60-byte wrapped key), the value sealed under the data key.
async fn write_legacy_version(store: &Arc<dyn Store>, arn: &str, version_id: &str, value: &str) {
    let root = Key256::from_bytes(&ROOT).expect("32 bytes");
    let aad = format!("SecretARN={arn};SecretVersionId={version_id}");
    let (secret, managed) = store
        .read(|tx| {
            let secret = tx.find_secret_by_arn(arn)?.expect("secret");
            let alias = tx
                .kms_alias(&secret.account, &secret.region, SECRETSMANAGER_ALIAS)?
                .expect("aws/secretsmanager");
            let material = tx.kms_material(&alias.target_key_id, 1)?.expect("material");
            Ok::<_, strongroom_store::StoreError>((secret, material))
        })
        .expect("read");
    let kek = open(
        &root,
        &kms_material_seal_context(&managed.key_id, 1),
        &managed.sealed,
    )
    .expect("unseal");
    let kek = Key256::from_bytes(&kek).expect("32 bytes");
    let mut plain = vec![1u8];
    plain.extend_from_slice(value.as_bytes());
    let envelope = encrypt_value(&kek, aad.as_bytes(), &plain).expect("seal");
    assert_eq!(envelope.wrapped_key.len(), 60, "the pre-KMS shape");
    let stored = StoredValue {
        key_id: managed.key_id.clone(),
        wrapped_key: envelope.wrapped_key,
        ciphertext: envelope.ciphertext,
    };
    let mut after = secret.clone();
    after
        .add_version(
            Version {
                id: version_id.into(),
                created: NOW,
                last_accessed: None,
                has_value: true,
            },
            None,
        )
        .expect("add version");
    let version_id = version_id.to_owned();
    store
        .write(move |tx| save_secret(tx, Some(&secret), &after, &[(version_id, stored)]))
        .await
        .expect("write");
}

fn stored(store: &Arc<dyn Store>, arn: &str, version_id: &str) -> StoredValue {
    store
        .read(|tx| tx.load_value(arn, version_id))
        .expect("read")
        .expect("value")
}

#[tokio::test]
async fn values_written_before_kms_keys_stay_readable_and_move_to_a_new_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, service) = open_service(dir.path());
    let arn = service
        .create_secret(
            &admin(),
            CreateSecretInput {
                name: "legacy".into(),
                ..Default::default()
            },
        )
        .await
        .expect("create")
        .arn;
    write_legacy_version(&store, &arn, &token(1), "old value").await;
    drop(service);
    drop(store);

    // A restarted server reads the old shape.
    let (store, service) = open_service(dir.path());
    assert_eq!(
        get(&service, "legacy").await.expect("read"),
        SecretValue::String("old value".into())
    );
    // New versions are KMS blobs naming key and generation.
    put(&service, "legacy", 2, "new value").await.expect("put");
    let new = stored(&store, &arn, &token(2));
    let header = blob_header(&new.wrapped_key).expect("a KMS blob");
    assert_eq!(
        (header.key_id.as_str(), header.generation),
        (new.key_id.as_str(), 1)
    );
    assert_eq!(
        get(&service, "legacy").await.expect("read"),
        SecretValue::String("new value".into())
    );

    // Moving to a customer key re-wraps the labelled versions, the old one
    // (AWSPREVIOUS) included; both still read.
    let key = customer_key(&service).await;
    service
        .update_secret(
            &admin(),
            UpdateSecretInput {
                secret_id: "legacy".into(),
                kms_key_id: Some(key.arn.clone()),
                ..Default::default()
            },
        )
        .await
        .expect("update key");
    for (n, value) in [(1, "old value"), (2, "new value")] {
        let v = stored(&store, &arn, &token(n));
        assert_eq!(v.key_id, key.id, "version {n} is under the new key");
        assert_eq!(
            blob_header(&v.wrapped_key).map(|h| h.key_id),
            Some(key.id.clone())
        );
        let input = GetSecretValueInput {
            secret_id: "legacy".into(),
            version_id: Some(token(n)),
            ..Default::default()
        };
        let got = service
            .get_secret_value(&admin(), &input)
            .await
            .expect("read");
        assert_eq!(got.value, SecretValue::String(value.into()));
    }
    let described = service
        .describe_secret(&admin(), "legacy")
        .await
        .expect("describe");
    assert_eq!(described.kms_key_id.as_deref(), Some(key.arn.as_str()));

    // An empty KmsKeyId goes back to aws/secretsmanager.
    service
        .update_secret(
            &admin(),
            UpdateSecretInput {
                secret_id: "legacy".into(),
                kms_key_id: Some(String::new()),
                ..Default::default()
            },
        )
        .await
        .expect("revert key");
    let described = service
        .describe_secret(&admin(), "legacy")
        .await
        .expect("describe");
    assert_eq!(described.kms_key_id, None);
    assert_ne!(stored(&store, &arn, &token(2)).key_id, key.id);
    assert_eq!(
        get(&service, "legacy").await.expect("read"),
        SecretValue::String("new value".into())
    );
}

/// A disabled key fails reads even when the answer is in the read cache,
/// and writes; enabling it again makes both work.
#[tokio::test]
async fn a_disabled_key_fails_cached_reads_and_writes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (_store, service) = open_service(dir.path());
    let key = customer_key(&service).await;
    service
        .kms_create_alias(&admin(), "alias/app", &key.id)
        .await
        .expect("alias");
    service
        .create_secret(
            &admin(),
            CreateSecretInput {
                name: "app".into(),
                kms_key_id: Some("alias/app".into()),
                client_request_token: Some(token(1)),
                value: Some(SecretValue::String("v1".into())),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    // Twice: the second is a cache hit.
    for _ in 0..2 {
        assert_eq!(
            get(&service, "app").await.expect("read"),
            SecretValue::String("v1".into())
        );
    }
    service
        .kms_disable_key(&admin(), &key.id)
        .await
        .expect("disable");
    assert!(matches!(
        get(&service, "app").await,
        Err(ServiceError::Decryption)
    ));
    assert!(matches!(
        put(&service, "app", 2, "v2").await,
        Err(ServiceError::Encryption)
    ));
    service
        .kms_enable_key(&admin(), &key.id)
        .await
        .expect("enable");
    assert_eq!(
        get(&service, "app").await.expect("read"),
        SecretValue::String("v1".into())
    );
    put(&service, "app", 2, "v2").await.expect("put");
    assert_eq!(
        get(&service, "app").await.expect("read"),
        SecretValue::String("v2".into())
    );
}

/// Asymmetric and HMAC keys, unknown keys and malformed ids are refused
/// with Secrets Manager's codes, and nothing is created.
#[tokio::test]
async fn keys_secrets_manager_cannot_use_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (store, service) = open_service(dir.path());
    let ctx = admin();
    let mut signing = KmsKey::new_customer(
        new_key_id(),
        ctx.account(),
        &ctx.region,
        String::new(),
        default_key_policy(ctx.account()),
        NOW,
    );
    signing.spec = KeySpec::EccNistP256;
    signing.usage = KeyUsage::SignVerify;
    let material = KeyMaterialRecord {
        key_id: signing.id.clone(),
        generation: 1,
        sealed: seal(
            &Key256::from_bytes(&ROOT).expect("32 bytes"),
            &kms_material_seal_context(&signing.id, 1),
            &[0u8; 32],
        )
        .expect("seal"),
        created: NOW,
    };
    let inserted = signing.clone();
    store
        .write(move |tx| tx.insert_kms_key(&inserted, &[], &material))
        .await
        .expect("insert");
    let create = |kms_key_id: &str| CreateSecretInput {
        name: "refused".into(),
        kms_key_id: Some(kms_key_id.into()),
        client_request_token: Some(token(1)),
        value: Some(SecretValue::String("v".into())),
        ..Default::default()
    };
    let unsupported = service.create_secret(&ctx, create(&signing.arn)).await;
    assert!(
        matches!(
            unsupported,
            Err(ServiceError::Domain(Error::UnsupportedKmsKey { .. }))
        ),
        "{unsupported:?}"
    );
    let missing = service
        .create_secret(&ctx, create("alias/nothing-here"))
        .await;
    assert!(
        matches!(missing, Err(ServiceError::Domain(Error::KmsKeyNotFound))),
        "{missing:?}"
    );
    let malformed = service.create_secret(&ctx, create("not/a key")).await;
    assert!(
        matches!(malformed, Err(ServiceError::Domain(Error::InvalidKmsKeyId))),
        "{malformed:?}"
    );
    assert!(service.describe_secret(&ctx, "refused").await.is_err());
    let current = service
        .create_secret(&ctx, create("alias/aws/secretsmanager"))
        .await
        .expect("the managed key by alias");
    let d = service
        .describe_secret(&ctx, "refused")
        .await
        .expect("describe");
    assert_eq!(d.kms_key_id, None, "KmsKeyId only for customer keys");
    assert_eq!(d.holder_of(AWSCURRENT), current.version_id.as_deref());
}
