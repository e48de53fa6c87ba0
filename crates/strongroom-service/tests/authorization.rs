//! Authorization at the service layer: identity policies decide every
//! operation, authorization comes before existence, denied requests change
//! nothing, and a tag change that would lock the caller out is refused.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use strongroom_crypto::{Key256, RootKey};
use strongroom_domain::{Error, SecretValue, Tag, Timestamp};
use strongroom_policy::{Policy, PolicyKind};
use strongroom_service::{
    Clock, CreateSecretInput, GetSecretValueInput, Principal, PrincipalKind, RequestContext,
    Service, ServiceError,
};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;

const ACCOUNT: &str = "123456789012";
const ADMIN: &str =
    r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;

struct FixedClock(AtomicI64);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}

fn setup() -> (tempfile::TempDir, Service) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let clock = Arc::new(FixedClock(AtomicI64::new(1_700_000_000_000)));
    let root = RootKey(Key256::generate().expect("key"));
    (dir, Service::new(store, root, clock))
}

/// A user `name` of ACCOUNT whose only identity policy is `policy`.
fn user(name: &str, policy: &str, tags: &[(&str, &str)]) -> RequestContext {
    RequestContext {
        request_id: "test".into(),
        principal: Arc::new(Principal {
            account: ACCOUNT.into(),
            arn: format!("arn:aws:iam::{ACCOUNT}:user/{name}"),
            kind: PrincipalKind::User,
            id: format!("AIDA{}", name.to_uppercase()),
            user_name: Some(name.into()),
            tags: tags
                .iter()
                .map(|(k, v)| Tag {
                    key: (*k).into(),
                    value: (*v).into(),
                })
                .collect(),
            access_key_id: "AKIATEST".into(),
            session: None,
            policies: vec![Arc::new(
                Policy::parse(policy, PolicyKind::Identity).expect("policy"),
            )],
            session_policy: None,
            condition_keys: Default::default(),
            token_issued: None,
        }),
        region: "us-east-1".into(),
        source_ip: None,
        user_agent: None,
        secure_transport: false,
        time: Timestamp(1_700_000_000_000),
        resources: Default::default(),
    }
}

fn admin() -> RequestContext {
    user("admin", ADMIN, &[])
}

async fn create(service: &Service, name: &str, tags: Option<Vec<Tag>>) {
    service
        .create_secret(
            &admin(),
            CreateSecretInput {
                name: name.into(),
                client_request_token: Some(format!("{:0>36}", 1)),
                value: Some(SecretValue::String("v1".into())),
                tags,
                ..Default::default()
            },
        )
        .await
        .expect("create");
}

fn get(id: &str) -> GetSecretValueInput {
    GetSecretValueInput {
        secret_id: id.into(),
        ..Default::default()
    }
}

fn denied_message(e: ServiceError) -> String {
    match e {
        ServiceError::AccessDenied(m) => m,
        other => panic!("expected AccessDenied, got {other:?}"),
    }
}

const READ_APP: &str = r#"{"Version":"2012-10-17","Statement":[
    {"Effect":"Allow","Action":"secretsmanager:GetSecretValue",
     "Resource":"arn:aws:secretsmanager:us-east-1:123456789012:secret:app/*"}]}"#;

#[tokio::test]
async fn identity_policy_decides_and_the_message_is_aws_s() {
    let (_dir, service) = setup();
    create(&service, "app/db", None).await;
    create(&service, "other/db", None).await;
    let reader = user("reader", READ_APP, &[]);
    let got = service
        .get_secret_value(&reader, &get("app/db"))
        .await
        .expect("allowed");
    assert_eq!(got.value, SecretValue::String("v1".into()));
    let e = service
        .get_secret_value(&reader, &get("other/db"))
        .await
        .expect_err("denied");
    assert_eq!(
        denied_message(e),
        "User: arn:aws:iam::123456789012:user/reader is not authorized to perform: \
         secretsmanager:GetSecretValue on resource: other/db because no identity-based \
         policy allows the secretsmanager:GetSecretValue action"
    );
    let e = service
        .describe_secret(&reader, "app/db")
        .await
        .expect_err("not allowed to describe");
    assert!(matches!(e, ServiceError::AccessDenied(_)));
}

#[tokio::test]
async fn authorization_comes_before_existence() {
    let (_dir, service) = setup();
    let reader = user("reader", READ_APP, &[]);
    // Outside what the caller may read: denied, whether it exists or not.
    let e = service
        .get_secret_value(&reader, &get("other/missing"))
        .await
        .expect_err("denied");
    assert!(matches!(e, ServiceError::AccessDenied(_)), "{e:?}");
    // Inside: the caller may learn that it does not exist.
    let e = service
        .get_secret_value(&reader, &get("app/missing"))
        .await
        .expect_err("missing");
    assert!(
        matches!(e, ServiceError::Domain(Error::SecretNotFound)),
        "{e:?}"
    );
}

#[tokio::test]
async fn explicit_deny_wins_and_names_itself() {
    let (_dir, service) = setup();
    create(&service, "app/db", None).await;
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"secretsmanager:*","Resource":"*"},
        {"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
    let caller = user("denied", policy, &[]);
    let e = service
        .get_secret_value(&caller, &get("app/db"))
        .await
        .expect_err("denied");
    assert!(denied_message(e).ends_with("with an explicit deny in an identity-based policy"),);
    service
        .describe_secret(&caller, "app/db")
        .await
        .expect("describe allowed");
}

#[tokio::test]
async fn create_with_tags_needs_tag_resource_and_leaves_nothing() {
    let (_dir, service) = setup();
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"secretsmanager:CreateSecret","Resource":"*"}]}"#;
    let creator = user("creator", policy, &[]);
    let input = |tags| CreateSecretInput {
        name: "tagged".into(),
        client_request_token: Some(format!("{:0>36}", 7)),
        value: Some(SecretValue::String("x".into())),
        tags,
        ..Default::default()
    };
    let tags = vec![Tag {
        key: "team".into(),
        value: "a".into(),
    }];
    let e = service
        .create_secret(&creator, input(Some(tags)))
        .await
        .expect_err("TagResource missing");
    assert!(denied_message(e).contains("secretsmanager:TagResource"));
    let e = service
        .describe_secret(&admin(), "tagged")
        .await
        .expect_err("nothing created");
    assert!(matches!(e, ServiceError::Domain(Error::SecretNotFound)));
    service
        .create_secret(&creator, input(None))
        .await
        .expect("without tags it is allowed");
}

#[tokio::test]
async fn abac_on_resource_and_request_tags() {
    let (_dir, service) = setup();
    let team = |v: &str| {
        Some(vec![Tag {
            key: "team".into(),
            value: v.into(),
        }])
    };
    create(&service, "mine", team("blue")).await;
    create(&service, "theirs", team("red")).await;
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:TagResource","secretsmanager:UntagResource"],"Resource":"*",
         "Condition":{"StringEquals":{"secretsmanager:ResourceTag/team":"${aws:PrincipalTag/team}"}}}]}"#;
    let blue = user("blue", policy, &[("team", "blue")]);
    service
        .get_secret_value(&blue, &get("mine"))
        .await
        .expect("same team");
    let e = service
        .get_secret_value(&blue, &get("theirs"))
        .await
        .expect_err("other team");
    assert!(matches!(e, ServiceError::AccessDenied(_)));
    // The lock-out rule: removing or changing the tag that grants access
    // is refused, and the tags stay as they were.
    let e = service
        .untag_resource(&blue, "mine", vec!["team".into()])
        .await
        .expect_err("would lock the caller out");
    assert!(matches!(e, ServiceError::AccessDenied(_)));
    let e = service
        .tag_resource(
            &blue,
            "mine",
            vec![Tag {
                key: "team".into(),
                value: "red".into(),
            }],
        )
        .await
        .expect_err("would lock the caller out");
    assert!(matches!(e, ServiceError::AccessDenied(_)));
    let tags = service
        .describe_secret(&admin(), "mine")
        .await
        .expect("describe")
        .tags;
    assert_eq!(tags, team("blue"));
    // A change that keeps access is fine.
    service
        .tag_resource(
            &blue,
            "mine",
            vec![Tag {
                key: "env".into(),
                value: "prod".into(),
            }],
        )
        .await
        .expect("keeps access");
}

#[tokio::test]
async fn actions_without_a_resource_are_authorized_on_star() {
    let (_dir, service) = setup();
    let nothing = user(
        "nobody",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"secretsmanager:DescribeSecret","Resource":"*"}}"#,
        &[],
    );
    let e = service
        .list_secrets(&nothing, &Default::default())
        .expect_err("ListSecrets not allowed");
    assert!(denied_message(e).contains("on resource: *"));
    let e = service
        .get_random_password(&nothing, &Default::default())
        .expect_err("GetRandomPassword not allowed");
    assert!(matches!(e, ServiceError::AccessDenied(_)));
}

#[tokio::test]
async fn a_tag_spelt_differently_cannot_hide_another() {
    let (_dir, service) = setup();
    let tag = |k: &str, v: &str| Tag {
        key: k.into(),
        value: v.into(),
    };
    create(
        &service,
        "classified",
        Some(vec![tag("classification", "restricted")]),
    )
    .await;
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:TagResource"],"Resource":"*"},
        {"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*",
         "Condition":{"StringEquals":{"aws:ResourceTag/classification":"restricted"}}}]}"#;
    let caller = user("sneaky", policy, &[]);
    let e = service
        .get_secret_value(&caller, &get("classified"))
        .await
        .expect_err("restricted");
    assert!(matches!(e, ServiceError::AccessDenied(_)));
    // Tag keys are case-sensitive, condition keys are not: the new tag
    // joins the old one instead of replacing it, so the Deny still holds.
    service
        .tag_resource(&caller, "classified", vec![tag("Classification", "public")])
        .await
        .expect("tagging is allowed");
    let e = service
        .get_secret_value(&caller, &get("classified"))
        .await
        .expect_err("still restricted");
    assert!(matches!(e, ServiceError::AccessDenied(_)));
}

#[tokio::test]
async fn a_denial_does_not_reveal_that_the_secret_exists() {
    let (_dir, service) = setup();
    create(&service, "guarded", None).await;
    service
        .put_resource_policy(
            &admin(),
            "guarded",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":{"AWS":"arn:aws:iam::123456789012:user/nobody"},"Action":"secretsmanager:*","Resource":"*"}]}"#.into(),
            None,
            false,
        )
        .await
        .expect("policy");
    // No identity policy at all: for a missing secret the caller is told
    // "no identity-based policy allows"; for this one the resource policy's
    // explicit deny also applies, but the answer must be the same.
    let nobody = user(
        "nobody",
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}"#,
        &[],
    );
    let existing = denied_message(
        service
            .get_secret_value(&nobody, &get("guarded"))
            .await
            .expect_err("denied"),
    );
    let missing = denied_message(
        service
            .get_secret_value(&nobody, &get("unguarded"))
            .await
            .expect_err("denied"),
    );
    assert_eq!(
        existing.replace("guarded", "X"),
        missing.replace("unguarded", "X")
    );
    assert!(
        existing.contains("because no identity-based policy allows"),
        "{existing}"
    );
}

#[tokio::test]
async fn a_tag_spelt_differently_cannot_lift_a_negated_deny() {
    let (_dir, service) = setup();
    let tag = |k: &str, v: &str| Tag {
        key: k.into(),
        value: v.into(),
    };
    create(
        &service,
        "secretive",
        Some(vec![tag("Classification", "secret")]),
    )
    .await;
    let policy = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["secretsmanager:GetSecretValue","secretsmanager:TagResource"],"Resource":"*"},
        {"Effect":"Deny","Action":"secretsmanager:GetSecretValue","Resource":"*",
         "Condition":{"StringNotEquals":{"aws:ResourceTag/Classification":"public"}}}]}"#;
    let caller = user("sneaky", policy, &[]);
    // Tag keys are case-sensitive (AWS keeps both), so this adds a tag.
    service
        .tag_resource(&caller, "secretive", vec![tag("classification", "public")])
        .await
        .expect("tagging is allowed");
    let e = service
        .get_secret_value(&caller, &get("secretive"))
        .await
        .expect_err("the Deny still applies");
    assert!(matches!(e, ServiceError::AccessDenied(_)), "{e:?}");
}
