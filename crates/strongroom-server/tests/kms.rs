//! KMS through `aws-sdk-kms`, as a Rust user would call it: the key
//! lifecycle, aliases, Encrypt/Decrypt with and without encryption context,
//! GenerateDataKey, Sign/Verify with an asymmetric key, and the main error codes.

mod common;

use aws_sdk_kms::config::retry::RetryConfig;
use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, KeyState, Tag};

use common::*;

fn kms_client(server: &Strongroom) -> aws_sdk_kms::Client {
    let k = server.keys();
    let conf = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(server.endpoint.clone())
        .credentials_provider(Credentials::new(
            k.access_key,
            k.secret_key,
            None,
            None,
            "test",
        ))
        .retry_config(RetryConfig::disabled())
        .build();
    aws_sdk_kms::Client::from_conf(conf)
}

#[tokio::test]
async fn key_lifecycle_aliases_and_crypto_through_the_sdk() {
    let server = Strongroom::start();
    let kms = kms_client(&server);

    let meta = kms
        .create_key()
        .description("sdk key")
        .tags(
            Tag::builder()
                .tag_key("team")
                .tag_value("core")
                .build()
                .expect("tag"),
        )
        .send()
        .await
        .expect("create")
        .key_metadata
        .expect("metadata");
    let key_id = meta.key_id().to_owned();
    assert_eq!(meta.key_state(), Some(&KeyState::Enabled));
    let arn = meta.arn().expect("arn").to_owned();

    kms.create_alias()
        .alias_name("alias/sdk")
        .target_key_id(&key_id)
        .send()
        .await
        .expect("alias");
    let described = kms
        .describe_key()
        .key_id("alias/sdk")
        .send()
        .await
        .expect("describe");
    assert_eq!(described.key_metadata.expect("metadata").key_id(), key_id);

    // Round trips, with and without context.
    let plain = b"sdk plaintext";
    let blob = kms
        .encrypt()
        .key_id("alias/sdk")
        .plaintext(Blob::new(plain.to_vec()))
        .encryption_context("purpose", "test")
        .send()
        .await
        .expect("encrypt")
        .ciphertext_blob
        .expect("blob");
    let out = kms
        .decrypt()
        .ciphertext_blob(blob.clone())
        .encryption_context("purpose", "test")
        .send()
        .await
        .expect("decrypt");
    assert_eq!(out.key_id(), Some(arn.as_str()));
    assert_eq!(out.plaintext.expect("plaintext").as_ref(), plain);
    expect_code(
        kms.decrypt().ciphertext_blob(blob.clone()).send().await,
        "InvalidCiphertextException",
    );
    let bare = kms
        .encrypt()
        .key_id(&key_id)
        .plaintext(Blob::new(plain.to_vec()))
        .send()
        .await
        .expect("encrypt")
        .ciphertext_blob
        .expect("blob");
    let out = kms
        .decrypt()
        .ciphertext_blob(bare)
        .send()
        .await
        .expect("decrypt");
    assert_eq!(out.plaintext.expect("plaintext").as_ref(), plain);

    // A data key, and its encrypted copy back to the same bytes.
    let dk = kms
        .generate_data_key()
        .key_id(&arn)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .expect("data key");
    let data_key = dk.plaintext.expect("plaintext");
    assert_eq!(data_key.as_ref().len(), 32);
    let again = kms
        .decrypt()
        .ciphertext_blob(dk.ciphertext_blob.expect("blob"))
        .send()
        .await
        .expect("decrypt data key");
    assert_eq!(
        again.plaintext.expect("plaintext").as_ref(),
        data_key.as_ref()
    );

    // States.
    kms.disable_key()
        .key_id(&key_id)
        .send()
        .await
        .expect("disable");
    expect_code(
        kms.decrypt()
            .ciphertext_blob(blob.clone())
            .encryption_context("purpose", "test")
            .send()
            .await,
        "DisabledException",
    );
    kms.enable_key()
        .key_id(&key_id)
        .send()
        .await
        .expect("enable");
    let scheduled = kms
        .schedule_key_deletion()
        .key_id(&key_id)
        .pending_window_in_days(7)
        .send()
        .await
        .expect("schedule");
    assert_eq!(scheduled.key_state(), Some(&KeyState::PendingDeletion));
    expect_code(
        kms.encrypt()
            .key_id(&key_id)
            .plaintext(Blob::new(b"x".to_vec()))
            .send()
            .await,
        "KMSInvalidStateException",
    );
    kms.cancel_key_deletion()
        .key_id(&key_id)
        .send()
        .await
        .expect("cancel");
    let state = kms
        .describe_key()
        .key_id(&key_id)
        .send()
        .await
        .expect("describe")
        .key_metadata
        .expect("metadata")
        .key_state;
    assert_eq!(state, Some(KeyState::Disabled));

    // Errors by code.
    expect_code(
        kms.describe_key()
            .key_id("11111111-2222-4333-8444-555555555555")
            .send()
            .await,
        "NotFoundException",
    );
    expect_code(
        kms.create_alias()
            .alias_name("alias/sdk")
            .target_key_id(&key_id)
            .send()
            .await,
        "AlreadyExistsException",
    );
    expect_code(
        kms.create_key()
            .key_spec(aws_sdk_kms::types::KeySpec::Sm2)
            .key_usage(aws_sdk_kms::types::KeyUsageType::SignVerify)
            .send()
            .await,
        "UnsupportedOperationException",
    );
    let listed = kms
        .list_aliases()
        .key_id(&key_id)
        .send()
        .await
        .expect("list");
    assert_eq!(listed.aliases().len(), 1);
    let keys = kms.list_keys().send().await.expect("keys");
    assert!(
        keys.keys()
            .iter()
            .any(|k| k.key_id() == Some(key_id.as_str()))
    );
}

#[tokio::test]
async fn sign_and_verify_through_the_sdk() {
    use aws_sdk_kms::types::{KeySpec, KeyUsageType, MessageType, SigningAlgorithmSpec};
    let server = Strongroom::start();
    let kms = kms_client(&server);
    let meta = kms
        .create_key()
        .key_spec(KeySpec::EccNistP256)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .expect("create")
        .key_metadata
        .expect("metadata");
    assert_eq!(meta.key_spec(), Some(&KeySpec::EccNistP256));
    assert_eq!(
        meta.signing_algorithms(),
        &[SigningAlgorithmSpec::EcdsaSha256]
    );
    let key_id = meta.key_id().to_owned();
    let message = Blob::new(b"signed through aws-sdk-kms".to_vec());
    let signed = kms
        .sign()
        .key_id(&key_id)
        .message(message.clone())
        .message_type(MessageType::Raw)
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .expect("sign");
    assert_eq!(signed.key_id(), meta.arn());
    let signature = signed.signature().expect("signature").clone();
    let verified = kms
        .verify()
        .key_id(&key_id)
        .message(message)
        .signature(signature.clone())
        .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
        .send()
        .await
        .expect("verify");
    assert!(verified.signature_valid());
    expect_code(
        kms.verify()
            .key_id(&key_id)
            .message(Blob::new(b"another message".to_vec()))
            .signature(signature)
            .signing_algorithm(SigningAlgorithmSpec::EcdsaSha256)
            .send()
            .await,
        "KMSInvalidSignatureException",
    );
}
