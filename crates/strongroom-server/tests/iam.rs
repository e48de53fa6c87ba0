//! IAM over the AWS Query protocol through `aws-sdk-iam`, on the same
//! listener as Secrets Manager and STS: users, access keys that then sign
//! Secrets Manager and STS requests, inline policies (whose documents come
//! URL-encoded, as from AWS), and IAM's errors as the SDK parses them.

mod common;

use std::time::Duration;

use aws_sdk_iam::config::retry::RetryConfig;
use aws_sdk_iam::config::timeout::TimeoutConfig;
use aws_sdk_iam::config::{BehaviorVersion, Credentials, Region};

use common::*;

fn iam_sdk_client(endpoint: &str, access_key: &str, secret_key: &str) -> aws_sdk_iam::Client {
    let conf = aws_sdk_iam::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(access_key, secret_key, None, None, "test"))
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(Duration::from_secs(60))
                .build(),
        )
        .build();
    aws_sdk_iam::Client::from_conf(conf)
}

fn admin_iam(sr: &Strongroom) -> aws_sdk_iam::Client {
    let k = sr.keys();
    iam_sdk_client(&sr.endpoint, &k.access_key, &k.secret_key)
}

/// RFC 3986 percent-decoding, as a client of IAM must do to policy
/// documents (the SDK hands them over as they come).
fn url_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII escape");
            out.push(u8::from_str_radix(hex, 16).expect("hex escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 document")
}

const LIST_SECRETS_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:ListSecrets","Resource":"*"}]}"#;

#[tokio::test]
async fn users_through_the_sdk() {
    let sr = Strongroom::start();
    let iam = admin_iam(&sr);
    let name = unique("sdk-user");

    let created = ok(
        iam.create_user()
            .user_name(&name)
            .path("/sdk/")
            .tags(
                aws_sdk_iam::types::Tag::builder()
                    .key("team")
                    .value("blue")
                    .build()
                    .expect("tag"),
            )
            .send()
            .await,
        "CreateUser",
    );
    let user = created.user().expect("a User");
    assert_eq!(user.user_name(), name);
    assert_eq!(user.path(), "/sdk/");
    assert_eq!(
        user.arn(),
        format!("arn:aws:iam::{ACCOUNT_ID}:user/sdk/{name}")
    );
    assert!(user.user_id().starts_with("AIDA"), "{user:?}");
    // A date the SDK could parse (ISO 8601), and a recent one.
    let age = now_secs() - user.create_date().secs();
    assert!((0..300).contains(&age), "{user:?}");
    assert_eq!(user.tags().len(), 1);

    let got = ok(iam.get_user().user_name(&name).send().await, "GetUser");
    assert_eq!(got.user().map(|u| u.arn()), Some(user.arn()));
    // Without a name: the caller.
    let me = ok(iam.get_user().send().await, "GetUser (caller)");
    assert_eq!(
        me.user().map(|u| u.arn().to_owned()),
        Some(format!("arn:aws:iam::{ACCOUNT_ID}:user/admin"))
    );

    let listed = ok(iam.list_users().send().await, "ListUsers");
    let names: Vec<&str> = listed.users().iter().map(|u| u.user_name()).collect();
    assert!(names.contains(&name.as_str()), "{names:?}");
    assert!(names.contains(&"admin"), "{names:?}");
    assert!(!listed.is_truncated());
    let first = ok(iam.list_users().max_items(1).send().await, "ListUsers page");
    assert!(first.is_truncated());
    assert_eq!(first.users().len(), 1);
    let marker = first.marker().expect("a marker").to_owned();
    let rest = ok(
        iam.list_users().marker(marker).send().await,
        "ListUsers next page",
    );
    assert_eq!(first.users().len() + rest.users().len(), names.len());

    // NoSuchEntity, with IAM's status and message.
    let missing = unique("nobody");
    let e = service_error(iam.get_user().user_name(&missing).send().await);
    assert_eq!(e.code, "NoSuchEntity", "{e:?}");
    assert_eq!(e.status, Some(404), "{e:?}");
    assert_eq!(
        e.message.as_deref(),
        Some(format!("The user with name {missing} cannot be found.").as_str())
    );
    let e = service_error(iam.create_user().user_name(&name).send().await);
    assert_eq!(
        (e.code.as_str(), e.status),
        ("EntityAlreadyExists", Some(409))
    );

    ok(
        iam.delete_user().user_name(&name).send().await,
        "DeleteUser",
    );
    let e = service_error(iam.get_user().user_name(&name).send().await);
    assert_eq!(e.code, "NoSuchEntity", "{e:?}");
}

#[tokio::test]
async fn an_access_key_made_through_iam_signs_secrets_manager_and_sts() {
    let sr = Strongroom::start();
    let iam = admin_iam(&sr);
    let name = unique("sdk-key");
    ok(
        iam.create_user().user_name(&name).send().await,
        "CreateUser",
    );
    ok(
        iam.put_user_policy()
            .user_name(&name)
            .policy_name("list")
            .policy_document(LIST_SECRETS_ONLY)
            .send()
            .await,
        "PutUserPolicy",
    );
    let key = ok(
        iam.create_access_key().user_name(&name).send().await,
        "CreateAccessKey",
    );
    let key = key.access_key().expect("an AccessKey");
    assert_eq!(key.user_name(), name);
    assert_eq!(key.status().as_str(), "Active");
    let (id, secret) = (key.access_key_id(), key.secret_access_key());

    let sm = sdk_client(&sr.endpoint, REGION, id, secret);
    ok(
        sm.list_secrets().send().await,
        "ListSecrets as the new user",
    );
    // Only what its policy allows.
    let e = service_error(
        sm.create_secret()
            .name(unique("nope"))
            .secret_string("x")
            .send()
            .await,
    );
    assert_eq!(e.code, "AccessDeniedException", "{e:?}");
    let who = ok(
        sts_sdk_client(&sr.endpoint, REGION, id, secret)
            .get_caller_identity()
            .send()
            .await,
        "GetCallerIdentity as the new user",
    );
    assert_eq!(
        who.arn(),
        Some(format!("arn:aws:iam::{ACCOUNT_ID}:user/{name}").as_str())
    );

    // Inactive, the key signs nothing.
    ok(
        iam.update_access_key()
            .user_name(&name)
            .access_key_id(id)
            .status(aws_sdk_iam::types::StatusType::Inactive)
            .send()
            .await,
        "UpdateAccessKey",
    );
    let e = service_error(sm.list_secrets().send().await);
    assert_eq!(e.code, "UnrecognizedClientException", "{e:?}");
    let keys = ok(
        iam.list_access_keys().user_name(&name).send().await,
        "ListAccessKeys",
    );
    let statuses: Vec<_> = keys
        .access_key_metadata()
        .iter()
        .map(|k| (k.access_key_id(), k.status().map(|s| s.as_str())))
        .collect();
    assert_eq!(statuses, [(Some(id), Some("Inactive"))]);
}

#[tokio::test]
async fn inline_policy_documents_round_trip() {
    let sr = Strongroom::start();
    let iam = admin_iam(&sr);
    let name = unique("sdk-policy");
    ok(
        iam.create_user().user_name(&name).send().await,
        "CreateUser",
    );
    let document = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "arn:aws:secretsmanager:*:*:secret:app/*"}]}"#;
    ok(
        iam.put_user_policy()
            .user_name(&name)
            .policy_name("read-app")
            .policy_document(document)
            .send()
            .await,
        "PutUserPolicy",
    );
    let got = ok(
        iam.get_user_policy()
            .user_name(&name)
            .policy_name("read-app")
            .send()
            .await,
        "GetUserPolicy",
    );
    assert_eq!(got.user_name(), name);
    assert_eq!(got.policy_name(), "read-app");
    // URL-encoded on the wire, as IAM sends it: the SDK passes it on as is.
    assert!(
        got.policy_document().starts_with("%7B%22Version%22"),
        "{got:?}"
    );
    assert_eq!(url_decode(got.policy_document()), document);
    let names = ok(
        iam.list_user_policies().user_name(&name).send().await,
        "ListUserPolicies",
    );
    assert_eq!(names.policy_names(), ["read-app"]);

    let e = service_error(
        iam.get_user_policy()
            .user_name(&name)
            .policy_name("missing")
            .send()
            .await,
    );
    assert_eq!((e.code.as_str(), e.status), ("NoSuchEntity", Some(404)));
    let e = service_error(
        iam.put_user_policy()
            .user_name(&name)
            .policy_name("bad")
            .policy_document("{not json")
            .send()
            .await,
    );
    assert_eq!(
        (e.code.as_str(), e.status),
        ("MalformedPolicyDocument", Some(400))
    );
    // A user with policies cannot be deleted.
    let e = service_error(iam.delete_user().user_name(&name).send().await);
    assert_eq!((e.code.as_str(), e.status), ("DeleteConflict", Some(409)));
}
