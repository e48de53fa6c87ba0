//! KMS at the service level: key material never reaches the data directory
//! in clear, a deleted key's sealed material leaves it, and migrated
//! `aws/secretsmanager` material keeps secrets readable.

use std::sync::Arc;
use strongroom_crypto::{Key256, RootKey, open};
use strongroom_domain::kms::{
    DataKeySpec, EncryptionContext, KeySpec, KeyUsage, KmsError, SECRETSMANAGER_ALIAS,
    SigningAlgorithmSpec,
};
use strongroom_domain::sealing::kms_material_seal_context;
use strongroom_domain::{SecretValue, Timestamp};
use strongroom_service::kms::{
    CreateKeyInput, DataKeyInput, DecryptInput, EncryptInput, SignInput,
};
use strongroom_service::{
    CreateSecretInput, GetSecretValueInput, ManualClock, RequestContext, Service, ServiceError,
};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;
use zeroize::Zeroizing;

const DAY: i64 = 86_400_000;
const ROOT: [u8; 32] = [7; 32];

struct Env {
    dir: tempfile::TempDir,
    store: Arc<dyn Store>,
    service: Service,
    clock: Arc<ManualClock>,
}

fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let clock = Arc::new(ManualClock::new(Timestamp(1_700_000_000_000)));
    let root = RootKey(Key256::from_bytes(&ROOT).expect("32 bytes"));
    let service = Service::new(store.clone(), root, clock.clone());
    Env {
        dir,
        store,
        service,
        clock,
    }
}

fn admin() -> RequestContext {
    strongroom_service::testing::admin("us-east-1", Timestamp(0))
}

/// A key's material of generation 1, unsealed from the store (what must
/// never be found in clear).
fn material(store: &Arc<dyn Store>, key_id: &str) -> Zeroizing<Vec<u8>> {
    let sealed = store
        .read(|tx| tx.kms_material(key_id, 1))
        .expect("read")
        .expect("material");
    let root = Key256::from_bytes(&ROOT).expect("32 bytes");
    open(&root, &kms_material_seal_context(key_id, 1), &sealed.sealed).expect("unseal")
}

/// Every file under `dir`, read whole.
fn files(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            out.extend(files(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push((path, bytes));
        }
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn no_key_material_or_data_key_in_clear_on_disk() {
    let e = env();
    let key = e
        .service
        .kms_create_key(&admin(), Default::default())
        .await
        .expect("create");
    let mut needles: Vec<Vec<u8>> = vec![material(&e.store, &key.id).to_vec()];
    for _ in 0..3 {
        let dk = e
            .service
            .kms_generate_data_key(
                &admin(),
                DataKeyInput {
                    key_id: key.id.clone(),
                    context: EncryptionContext::default(),
                    key_spec: Some(DataKeySpec::Aes256),
                    number_of_bytes: None,
                    dry_run: false,
                },
                true,
            )
            .await
            .expect("data key");
        needles.push(dk.plaintext.expect("plaintext").to_vec());
    }
    let secret = b"kms-plaintext-marker-0123456789";
    e.service
        .kms_encrypt(
            &admin(),
            EncryptInput {
                key_id: key.id.clone(),
                plaintext: Zeroizing::new(secret.to_vec()),
                context: EncryptionContext::default(),
                algorithm: None,
                dry_run: false,
            },
        )
        .await
        .expect("encrypt");
    needles.push(secret.to_vec());
    // Asymmetric and HMAC keys: their private key (PKCS#8 DER) or HMAC key, and a
    // signed message.
    for (spec, usage) in [
        (KeySpec::Rsa2048, KeyUsage::SignVerify),
        (KeySpec::Rsa2048, KeyUsage::EncryptDecrypt),
        (KeySpec::EccNistP256, KeyUsage::SignVerify),
        (KeySpec::EccSecgP256k1, KeyUsage::SignVerify),
        (KeySpec::Hmac256, KeyUsage::GenerateVerifyMac),
    ] {
        let key = e
            .service
            .kms_create_key(
                &admin(),
                CreateKeyInput {
                    key_spec: Some(spec),
                    key_usage: Some(usage),
                    ..Default::default()
                },
            )
            .await
            .expect("create");
        assert_eq!((key.spec, key.usage), (spec, usage));
        let secret = material(&e.store, &key.id);
        assert!(secret.len() >= 32, "{spec}");
        needles.push(secret.to_vec());
    }
    let signer = e
        .service
        .kms_create_key(
            &admin(),
            CreateKeyInput {
                key_spec: Some(KeySpec::EccNistP384),
                key_usage: Some(KeyUsage::SignVerify),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    needles.push(material(&e.store, &signer.id).to_vec());
    let message = b"kms-signed-message-marker-0123456789";
    e.service
        .kms_sign(
            &admin(),
            SignInput {
                key_id: signer.id.clone(),
                message: Zeroizing::new(message.to_vec()),
                message_type: None,
                algorithm: SigningAlgorithmSpec::EcdsaSha384,
                dry_run: false,
            },
        )
        .await
        .expect("sign");
    needles.push(message.to_vec());
    for (path, bytes) in files(e.dir.path()) {
        for needle in &needles {
            assert!(
                !contains(&bytes, needle),
                "{} holds plaintext",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn a_deleted_keys_sealed_material_leaves_the_data_dir() {
    let e = env();
    let key = e
        .service
        .kms_create_key(&admin(), Default::default())
        .await
        .expect("create");
    let sealed = e
        .store
        .read(|tx| tx.kms_material(&key.id, 1))
        .expect("read")
        .expect("material")
        .sealed;
    assert!(
        files(e.dir.path())
            .iter()
            .any(|(_, b)| contains(b, &sealed)),
        "the sealed material is on disk before the deletion"
    );
    e.service
        .kms_schedule_key_deletion(&admin(), &key.id, Some(7))
        .await
        .expect("schedule");
    e.clock.advance(7 * DAY);
    assert!(
        e.service
            .kms_delete_due_key(&key.id)
            .await
            .expect("delete")
            .is_some()
    );
    for (path, bytes) in files(e.dir.path()) {
        assert!(
            !contains(&bytes, &sealed),
            "{} still holds it",
            path.display()
        );
    }
}

#[tokio::test]
async fn a_cancelled_deletion_keeps_the_key_and_decrypt_needs_no_key_id() {
    let e = env();
    let key = e
        .service
        .kms_create_key(&admin(), Default::default())
        .await
        .expect("create");
    let blob = e
        .service
        .kms_encrypt(
            &admin(),
            EncryptInput {
                key_id: key.arn.clone(),
                plaintext: Zeroizing::new(b"kept".to_vec()),
                context: EncryptionContext::default(),
                algorithm: None,
                dry_run: false,
            },
        )
        .await
        .expect("encrypt")
        .ciphertext;
    e.service
        .kms_schedule_key_deletion(&admin(), &key.id, None)
        .await
        .expect("schedule");
    e.clock.advance(29 * DAY);
    e.service
        .kms_cancel_key_deletion(&admin(), &key.id)
        .await
        .expect("cancel");
    e.clock.advance(2 * DAY);
    assert!(
        e.service
            .kms_delete_due_key(&key.id)
            .await
            .expect("delete")
            .is_none()
    );
    e.service
        .kms_enable_key(&admin(), &key.id)
        .await
        .expect("enable");
    let decrypt = |ciphertext: Vec<u8>| DecryptInput {
        ciphertext,
        context: EncryptionContext::default(),
        key_id: None,
        algorithm: None,
        dry_run: false,
    };
    let out = e
        .service
        .kms_decrypt(&admin(), decrypt(blob.clone()))
        .await
        .expect("decrypt");
    assert_eq!(&out.plaintext[..], b"kept");
    let mut truncated = blob;
    truncated.truncate(20);
    assert!(matches!(
        e.service.kms_decrypt(&admin(), decrypt(truncated)).await,
        Err(ServiceError::Kms(KmsError::InvalidCiphertext))
    ));
}

/// Secrets keep working on the V5 schema: their key is a KMS key with its
/// alias, visible through DescribeKey, and their values read back.
#[tokio::test]
async fn secrets_under_the_managed_key_read_back() {
    let e = env();
    e.service
        .create_secret(
            &admin(),
            CreateSecretInput {
                name: "db/app".into(),
                client_request_token: Some(format!("{:0>36}", 1)),
                value: Some(SecretValue::String("pw".into())),
                ..Default::default()
            },
        )
        .await
        .expect("create");
    let managed = e
        .service
        .kms_describe_key(&admin(), SECRETSMANAGER_ALIAS)
        .await
        .expect("describe");
    assert_eq!(managed.manager.as_str(), "AWS");
    let value = e
        .service
        .get_secret_value(
            &admin(),
            &GetSecretValueInput {
                secret_id: "db/app".into(),
                ..Default::default()
            },
        )
        .await
        .expect("read");
    assert_eq!(value.value, SecretValue::String("pw".into()));
}

/// The key cache (`kms/lookup.rs`) never answers with a key as it was
/// before a change whose caller was answered: each step below follows a
/// call that filled the cache with the key's old state.
#[tokio::test]
async fn crypto_sees_every_answered_key_change() {
    let e = env();
    let ctx = admin();
    let first = e
        .service
        .kms_create_key(&ctx, Default::default())
        .await
        .expect("create");
    let second = e
        .service
        .kms_create_key(&ctx, Default::default())
        .await
        .expect("create");
    let encrypt = |key_id: &str| EncryptInput {
        key_id: key_id.to_owned(),
        plaintext: Zeroizing::new(b"cached".to_vec()),
        context: EncryptionContext::default(),
        algorithm: None,
        dry_run: false,
    };
    let encrypted = |out: Result<strongroom_service::kms::EncryptOutput, ServiceError>| {
        let out = out.expect("encrypt");
        let header = strongroom_crypto::blob_header(&out.ciphertext).expect("a blob");
        (out.key_arn, header.generation)
    };

    // State: disabled, then enabled again.
    let (arn, _) = encrypted(e.service.kms_encrypt(&ctx, encrypt(&first.id)).await);
    assert_eq!(arn, first.arn);
    e.service
        .kms_disable_key(&ctx, &first.id)
        .await
        .expect("disable");
    assert!(matches!(
        e.service.kms_encrypt(&ctx, encrypt(&first.id)).await,
        Err(ServiceError::Kms(KmsError::Disabled(_)))
    ));
    e.service
        .kms_enable_key(&ctx, &first.id)
        .await
        .expect("enable");
    encrypted(e.service.kms_encrypt(&ctx, encrypt(&first.id)).await);

    // Material: a rotation makes the next blob generation 2, and blobs of
    // generation 1 still decrypt.
    let old = e
        .service
        .kms_encrypt(&ctx, encrypt(&first.id))
        .await
        .expect("encrypt")
        .ciphertext;
    e.service
        .kms_rotate_key_on_demand(&ctx, &first.id)
        .await
        .expect("rotate");
    let (_, generation) = encrypted(e.service.kms_encrypt(&ctx, encrypt(&first.id)).await);
    assert_eq!(generation, 2);
    let decrypted = e
        .service
        .kms_decrypt(
            &ctx,
            DecryptInput {
                ciphertext: old,
                context: EncryptionContext::default(),
                key_id: None,
                algorithm: None,
                dry_run: false,
            },
        )
        .await
        .expect("decrypt generation 1");
    assert_eq!(&decrypted.plaintext[..], b"cached");

    // Alias: re-pointed, then deleted.
    e.service
        .kms_create_alias(&ctx, "alias/moving", &first.id)
        .await
        .expect("alias");
    let (arn, _) = encrypted(e.service.kms_encrypt(&ctx, encrypt("alias/moving")).await);
    assert_eq!(arn, first.arn);
    e.service
        .kms_update_alias(&ctx, "alias/moving", &second.id)
        .await
        .expect("update alias");
    let (arn, _) = encrypted(e.service.kms_encrypt(&ctx, encrypt("alias/moving")).await);
    assert_eq!(arn, second.arn);
    e.service
        .kms_delete_alias(&ctx, "alias/moving")
        .await
        .expect("delete alias");
    assert!(matches!(
        e.service.kms_encrypt(&ctx, encrypt("alias/moving")).await,
        Err(ServiceError::Kms(KmsError::AliasNotFound(_)))
    ));

    // Deletion scheduled: the key is pending deletion at once.
    encrypted(e.service.kms_encrypt(&ctx, encrypt(&second.id)).await);
    e.service
        .kms_schedule_key_deletion(&ctx, &second.id, None)
        .await
        .expect("schedule");
    assert!(matches!(
        e.service.kms_encrypt(&ctx, encrypt(&second.id)).await,
        Err(ServiceError::Kms(KmsError::PendingDeletion(_)))
    ));
}
