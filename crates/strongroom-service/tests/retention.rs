//! Version retention as AWS keeps it: nothing younger than 24 hours is
//! removed, deprecated versions beyond 100 go once older, and a per-secret
//! cap refuses writes past it.

mod common;

use common::*;
use strongroom_domain::{Error, SecretValue};
use strongroom_service::{
    CreateSecretInput, GetSecretValueInput, ListVersionsInput, PutSecretValueInput, Service,
    ServiceError,
};

async fn put(service: &Service, name: &str, n: u32) -> Result<(), ServiceError> {
    service
        .put_secret_value(
            &caller(),
            PutSecretValueInput {
                secret_id: name.into(),
                client_request_token: Some(token(n)),
                value: Some(SecretValue::String(format!("value {n}"))),
                version_stages: None,
                rotation_token: None,
            },
        )
        .await
        .map(|_| ())
}

async fn create(service: &Service, name: &str) {
    service
        .create_secret(
            &caller(),
            CreateSecretInput {
                name: name.into(),
                client_request_token: Some(token(0)),
                value: Some(SecretValue::String("value 0".into())),
                ..Default::default()
            },
        )
        .await
        .expect("create");
}

async fn read(service: &Service, name: &str, n: u32) -> Result<String, ServiceError> {
    let out = service
        .get_secret_value(
            &caller(),
            &GetSecretValueInput {
                secret_id: name.into(),
                version_id: Some(token(n)),
                version_stage: None,
            },
        )
        .await?;
    match out.value {
        SecretValue::String(s) => Ok(s),
        SecretValue::Binary(_) => panic!("a string was stored"),
    }
}

async fn version_count(service: &Service, name: &str) -> usize {
    let out = service
        .list_secret_version_ids(
            &caller(),
            &ListVersionsInput {
                secret_id: name.into(),
                max_results: Some(100),
                next_token: None,
                include_deprecated: true,
            },
        )
        .await
        .expect("list");
    let mut n = out.versions.items.len();
    let mut next = out.versions.next_token;
    while let Some(t) = next {
        let page = service
            .list_secret_version_ids(
                &caller(),
                &ListVersionsInput {
                    secret_id: name.into(),
                    max_results: Some(100),
                    next_token: Some(t),
                    include_deprecated: true,
                },
            )
            .await
            .expect("list");
        n += page.versions.items.len();
        next = page.versions.next_token;
    }
    n
}

#[tokio::test]
async fn a_burst_keeps_every_version_and_a_day_later_the_oldest_go() {
    let (_dir, service, clock) = setup();
    create(&service, "burst").await;
    for n in 1..=150 {
        clock.advance(10);
        put(&service, "burst", n).await.expect("put");
    }
    // 151 versions, all younger than a day: every one is readable.
    assert_eq!(version_count(&service, "burst").await, 151);
    for n in 0..=150 {
        assert_eq!(
            read(&service, "burst", n).await.expect("read"),
            format!("value {n}")
        );
    }

    // 25 hours on, the next write removes the oldest deprecated versions
    // beyond 100: 152 versions, 52 of them go (0 … 51).
    clock.advance(25 * HOUR);
    put(&service, "burst", 151).await.expect("put");
    assert_eq!(version_count(&service, "burst").await, 100);
    for n in 0..=51 {
        assert!(
            matches!(
                read(&service, "burst", n).await,
                Err(ServiceError::Domain(Error::VersionNotFound(_)))
            ),
            "version {n} should be gone"
        );
    }
    for n in 52..=151 {
        assert_eq!(
            read(&service, "burst", n).await.expect("read"),
            format!("value {n}")
        );
    }
}

#[tokio::test]
async fn versions_past_the_cap_are_refused_and_change_nothing() {
    let (_dir, service, clock) = setup();
    let service = service.with_version_cap(101);
    create(&service, "capped").await;
    for n in 1..=100 {
        put(&service, "capped", n).await.expect("put");
    }
    let refused = put(&service, "capped", 101).await;
    assert!(
        matches!(
            &refused,
            Err(ServiceError::Domain(Error::TooManyVersions {
                cap: 101,
                ..
            }))
        ),
        "{refused:?}"
    );
    assert_eq!(version_count(&service, "capped").await, 101);
    assert!(read(&service, "capped", 101).await.is_err());
    // Once the old versions are a day old, trimming makes room again.
    clock.advance(25 * HOUR);
    put(&service, "capped", 101).await.expect("put after a day");
    assert_eq!(version_count(&service, "capped").await, 100);
}

#[tokio::test]
async fn labelled_versions_are_never_trimmed() {
    let (_dir, service, clock) = setup();
    create(&service, "labelled").await;
    service
        .update_secret_version_stage(&caller(), "labelled", "KEEP", None, Some(token(0)))
        .await
        .expect("label");
    for n in 1..=101 {
        put(&service, "labelled", n).await.expect("put");
    }
    clock.advance(25 * HOUR);
    put(&service, "labelled", 102).await.expect("put");
    // 103 versions: the labelled first one stays; the oldest unlabelled go.
    assert_eq!(version_count(&service, "labelled").await, 100);
    assert_eq!(
        read(&service, "labelled", 0).await.expect("kept"),
        "value 0"
    );
    for n in 1..=3 {
        assert!(read(&service, "labelled", n).await.is_err(), "version {n}");
    }
    assert_eq!(
        read(&service, "labelled", 4).await.expect("kept"),
        "value 4"
    );
}
