//! CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
//! GetAccessKeyLastUsed, and the last-use recording authentication drives.

mod common;

use common::*;
use strongroom_crypto::open;
use strongroom_domain::iam::access_key_seal_context;
use strongroom_iam::*;

async fn user(env: &Env, account: &str, name: &str) {
    env.iam
        .create_user(
            account,
            CreateUserInput {
                user_name: name.into(),
                ..Default::default()
            },
        )
        .await
        .expect("user");
}

async fn key(env: &Env, name: &str) -> NewAccessKey {
    env.iam
        .create_access_key(
            ACCOUNT,
            CreateAccessKeyInput {
                user_name: name.into(),
            },
        )
        .await
        .expect("key")
}

#[tokio::test]
async fn create_access_key_returns_the_secret_once_and_stores_it_sealed() {
    let env = env().await;
    user(&env, ACCOUNT, "Bob").await;
    let created = key(&env, "bob").await;
    assert_eq!(created.user_name, "Bob");
    assert_eq!(created.status, AccessKeyStatus::Active);
    assert_eq!(created.create_date, START);
    assert!(created.access_key_id.starts_with("AKIA") && created.access_key_id.len() == 20);
    assert_eq!(created.secret_access_key.len(), 40);
    assert!(
        created
            .secret_access_key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    );

    // The store holds it sealed under the root key with the key id bound in.
    let id = created.access_key_id.clone();
    let record = env
        .store
        .read(|tx| tx.access_key(&id))
        .expect("read")
        .expect("stored");
    assert_ne!(record.sealed_secret, created.secret_access_key.as_bytes());
    let opened = open(
        &env.root.0,
        &access_key_seal_context(&id),
        &record.sealed_secret,
    )
    .expect("opens");
    assert_eq!(opened.as_slice(), created.secret_access_key.as_bytes());
    assert!(
        open(
            &env.root.0,
            &access_key_seal_context("AKIAOTHER"),
            &record.sealed_secret
        )
        .is_err()
    );

    // Listing shows no secret.
    let listed = env
        .iam
        .list_access_keys(
            ACCOUNT,
            ListAccessKeysInput {
                user_name: "bob".into(),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(
        listed.items,
        vec![AccessKeyMetadata {
            user_name: "Bob".into(),
            access_key_id: created.access_key_id.clone(),
            status: AccessKeyStatus::Active,
            create_date: START,
        }]
    );
}

#[tokio::test]
async fn at_most_two_keys_per_user() {
    let env = env().await;
    user(&env, ACCOUNT, "bob").await;
    let first = key(&env, "bob").await;
    let second = key(&env, "bob").await;
    assert_iam_error(
        env.iam
            .create_access_key(
                ACCOUNT,
                CreateAccessKeyInput {
                    user_name: "bob".into(),
                },
            )
            .await,
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    );
    let page = env
        .iam
        .list_access_keys(
            ACCOUNT,
            ListAccessKeysInput {
                user_name: "bob".into(),
                max_items: Some(1),
                marker: None,
            },
        )
        .await
        .expect("list");
    let mut ids = [first.access_key_id.clone(), second.access_key_id.clone()];
    ids.sort();
    assert_eq!(page.items[0].access_key_id, ids[0]);
    assert!(page.is_truncated);
    let rest = env
        .iam
        .list_access_keys(
            ACCOUNT,
            ListAccessKeysInput {
                user_name: "bob".into(),
                max_items: Some(1),
                marker: page.marker,
            },
        )
        .await
        .expect("list");
    assert_eq!(rest.items[0].access_key_id, ids[1]);
    assert!(!rest.is_truncated);

    // Deleting one makes room again.
    env.iam
        .delete_access_key(
            ACCOUNT,
            DeleteAccessKeyInput {
                user_name: "bob".into(),
                access_key_id: first.access_key_id,
            },
        )
        .await
        .expect("delete");
    key(&env, "bob").await;
}

#[tokio::test]
async fn access_key_errors() {
    let env = env().await;
    user(&env, ACCOUNT, "bob").await;
    user(&env, ACCOUNT, "alice").await;
    let bobs = key(&env, "bob").await;
    assert_iam_error(
        env.iam
            .create_access_key(
                ACCOUNT,
                CreateAccessKeyInput {
                    user_name: "nobody".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .list_access_keys(
                ACCOUNT,
                ListAccessKeysInput {
                    user_name: "nobody".into(),
                    ..Default::default()
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    // A key is addressed through its own user only.
    let not_alices = format!(
        "The Access Key with id {} cannot be found.",
        bobs.access_key_id
    );
    assert_iam_error(
        env.iam
            .update_access_key(
                ACCOUNT,
                UpdateAccessKeyInput {
                    user_name: "alice".into(),
                    access_key_id: bobs.access_key_id.clone(),
                    status: "Inactive".into(),
                },
            )
            .await,
        "NoSuchEntity",
        &not_alices,
    );
    assert_iam_error(
        env.iam
            .delete_access_key(
                ACCOUNT,
                DeleteAccessKeyInput {
                    user_name: "alice".into(),
                    access_key_id: bobs.access_key_id.clone(),
                },
            )
            .await,
        "NoSuchEntity",
        &not_alices,
    );
    assert_iam_error(
        env.iam
            .delete_access_key(
                ACCOUNT,
                DeleteAccessKeyInput {
                    user_name: "bob".into(),
                    access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.",
    );
    assert_iam_error(
        env.iam
            .update_access_key(
                ACCOUNT,
                UpdateAccessKeyInput {
                    user_name: "bob".into(),
                    access_key_id: bobs.access_key_id.clone(),
                    status: "Off".into(),
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value 'Off' at 'status' failed to satisfy constraint: Member must satisfy enum value set: [Active, Inactive, Expired]",
    );
    assert_iam_error(
        env.iam
            .update_access_key(
                ACCOUNT,
                UpdateAccessKeyInput {
                    user_name: "bob".into(),
                    access_key_id: bobs.access_key_id.clone(),
                    status: "Expired".into(),
                },
            )
            .await,
        "InvalidInput",
        "The access key status Expired cannot be set.",
    );
    assert_iam_error(
        env.iam
            .delete_access_key(
                ACCOUNT,
                DeleteAccessKeyInput {
                    user_name: "bob".into(),
                    access_key_id: "AKIA-SHORT".into(),
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value 'AKIA-SHORT' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16",
    );
}

#[tokio::test]
async fn update_access_key_sets_the_status() {
    let env = env().await;
    user(&env, ACCOUNT, "bob").await;
    let created = key(&env, "bob").await;
    for status in [AccessKeyStatus::Inactive, AccessKeyStatus::Active] {
        env.iam
            .update_access_key(
                ACCOUNT,
                UpdateAccessKeyInput {
                    user_name: "BOB".into(),
                    access_key_id: created.access_key_id.clone(),
                    status: status.as_str().into(),
                },
            )
            .await
            .expect("update");
        let listed = env
            .iam
            .list_access_keys(
                ACCOUNT,
                ListAccessKeysInput {
                    user_name: "bob".into(),
                    ..Default::default()
                },
            )
            .await
            .expect("list");
        assert_eq!(listed.items[0].status, status);
    }
}

#[tokio::test]
async fn last_use_is_recorded_at_most_once_a_minute() {
    let env = env().await;
    user(&env, ACCOUNT, "bob").await;
    let created = key(&env, "bob").await;
    let id = created.access_key_id.clone();
    let last_used = || {
        env.iam.get_access_key_last_used(
            ACCOUNT,
            GetAccessKeyLastUsedInput {
                access_key_id: id.clone(),
            },
        )
    };
    assert_eq!(
        last_used().await.expect("never used"),
        GetAccessKeyLastUsedOutput {
            user_name: "bob".into(),
            access_key_last_used: AccessKeyLastUsed {
                last_used_date: None,
                service_name: "N/A".into(),
                region: "N/A".into(),
            },
        }
    );

    env.iam
        .note_access_key_used(&id, "secretsmanager", "eu-west-1", START)
        .await
        .expect("note");
    // Within the minute: not written again.
    env.iam
        .note_access_key_used(&id, "iam", "us-east-1", Timestamp(START.0 + 59_999))
        .await
        .expect("note");
    let used = last_used().await.expect("used").access_key_last_used;
    assert_eq!(
        used,
        AccessKeyLastUsed {
            last_used_date: Some(START),
            service_name: "secretsmanager".into(),
            region: "eu-west-1".into()
        }
    );
    // A minute later: written.
    let later = Timestamp(START.0 + 60_000);
    env.iam
        .note_access_key_used(&id, "iam", "us-east-1", later)
        .await
        .expect("note");
    let used = last_used().await.expect("used").access_key_last_used;
    assert_eq!(
        used,
        AccessKeyLastUsed {
            last_used_date: Some(later),
            service_name: "iam".into(),
            region: "us-east-1".into()
        }
    );

    // Another account cannot ask about the key.
    assert_iam_error(
        env.iam
            .get_access_key_last_used(
                OTHER,
                GetAccessKeyLastUsedInput {
                    access_key_id: id.clone(),
                },
            )
            .await,
        "NoSuchEntity",
        &format!("The Access Key with id {id} cannot be found."),
    );
    assert_iam_error(
        env.iam
            .get_access_key_last_used(
                ACCOUNT,
                GetAccessKeyLastUsedInput {
                    access_key_id: "AKIAAAAAAAAAAAAAAAAA".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.",
    );
}
