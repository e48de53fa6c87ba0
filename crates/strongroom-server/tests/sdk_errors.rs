//! Error paths through the AWS SDK: codes, HTTP status and (where recorded
//! against real AWS) exact messages, per shared/AWS_BEHAVIOUR.md.

mod common;

use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, Tag};
use common::*;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

#[tokio::test]
async fn unknown_secret_is_resource_not_found() {
    let sr = Strongroom::start();
    let c = sr.client();
    let id = "does/not/exist";
    let arn = format!("arn:aws:secretsmanager:{REGION}:{ACCOUNT_ID}:secret:{id}-AbC123");
    let rnf = "ResourceNotFoundException";

    expect_error(
        c.describe_secret().secret_id(id).send().await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.describe_secret().secret_id(&arn).send().await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.get_secret_value().secret_id(id).send().await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.get_secret_value().secret_id(&arn).send().await,
        rnf,
        MSG_NOT_FOUND,
    );
    // PutSecretValue never creates a secret.
    expect_error(
        c.put_secret_value()
            .secret_id(id)
            .secret_string("v")
            .send()
            .await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.update_secret()
            .secret_id(id)
            .secret_string("v")
            .send()
            .await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.update_secret()
            .secret_id(id)
            .description("d")
            .send()
            .await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.list_secret_version_ids().secret_id(id).send().await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.update_secret_version_stage()
            .secret_id(id)
            .version_stage("X")
            .move_to_version_id(token())
            .send()
            .await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.tag_resource()
            .secret_id(id)
            .tags(tag("k", "v"))
            .send()
            .await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.untag_resource().secret_id(id).tag_keys("k").send().await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.delete_secret().secret_id(id).send().await,
        rnf,
        MSG_NOT_FOUND,
    );
    expect_error(
        c.restore_secret().secret_id(id).send().await,
        rnf,
        MSG_NOT_FOUND,
    );
}

#[tokio::test]
async fn get_secret_value_unknown_version_or_stage() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("getvalue");
    let v1 = token();
    ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&v1)
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );
    let missing = token();
    expect_error(
        c.get_secret_value()
            .secret_id(&name)
            .version_id(&missing)
            .send()
            .await,
        "ResourceNotFoundException",
        &msg_no_value_for_version(&missing),
    );
    expect_error(
        c.get_secret_value()
            .secret_id(&name)
            .version_stage("NOPE")
            .send()
            .await,
        "ResourceNotFoundException",
        &msg_no_value_for_stage("NOPE"),
    );
    expect_error(
        c.get_secret_value()
            .secret_id(&name)
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
        "ResourceNotFoundException",
        &msg_no_value_for_stage("AWSPREVIOUS"),
    );
    expect_error(
        c.get_secret_value()
            .secret_id(&name)
            .version_id(&v1)
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
        "InvalidRequestException",
        MSG_STAGE_NOT_ON_VERSION,
    );
}

#[tokio::test]
async fn duplicate_create_and_token_conflicts() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("dup");
    let created = ok(
        c.create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );
    let arn = created.arn().expect("ARN").to_owned();
    let v1 = created.version_id().expect("VersionId").to_owned();

    expect_error(
        c.create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await,
        "ResourceExistsException",
        &msg_already_exists(&name),
    );
    expect_error(
        c.create_secret().name(&name).send().await,
        "ResourceExistsException",
        &msg_already_exists(&name),
    );
    // The create's token reused by Put/Update with another value.
    expect_error(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v1)
            .secret_string("w")
            .send()
            .await,
        "ResourceExistsException",
        &msg_token_in_use(&v1, &arn),
    );
    expect_error(
        c.update_secret()
            .secret_id(&name)
            .client_request_token(&v1)
            .secret_string("w")
            .send()
            .await,
        "ResourceExistsException",
        &msg_token_in_use(&v1, &arn),
    );
    let g = ok(
        c.get_secret_value().secret_id(&name).send().await,
        "GetSecretValue",
    );
    assert_eq!(g.secret_string(), Some("v"));
    assert_eq!(g.version_id(), Some(v1.as_str()));
}

#[tokio::test]
async fn invalid_names_are_validation_exceptions() {
    let sr = Strongroom::start();
    let c = sr.client();
    let v = "ValidationException";
    for bad in ["Inv Name", " Inv*Name? ", " Inv *?!]Name\\-"] {
        expect_error(
            c.create_secret().name(bad).secret_string("x").send().await,
            v,
            MSG_INVALID_NAME,
        );
        expect_error(
            c.describe_secret().secret_id(bad).send().await,
            v,
            MSG_INVALID_NAME,
        );
        expect_error(
            c.get_secret_value().secret_id(bad).send().await,
            v,
            MSG_INVALID_NAME,
        );
        expect_error(
            c.put_secret_value()
                .secret_id(bad)
                .secret_string("x")
                .send()
                .await,
            v,
            MSG_INVALID_NAME,
        );
        expect_error(
            c.update_secret()
                .secret_id(bad)
                .description("d")
                .send()
                .await,
            v,
            MSG_INVALID_NAME,
        );
        expect_error(
            c.list_secret_version_ids().secret_id(bad).send().await,
            v,
            MSG_INVALID_NAME,
        );
        expect_error(
            c.tag_resource()
                .secret_id(bad)
                .tags(tag("k", "v"))
                .send()
                .await,
            v,
            MSG_INVALID_NAME,
        );
        expect_error(
            c.untag_resource().secret_id(bad).tag_keys("k").send().await,
            v,
            MSG_INVALID_NAME,
        );
        expect_error(
            c.delete_secret()
                .secret_id(bad)
                .force_delete_without_recovery(true)
                .send()
                .await,
            v,
            MSG_INVALID_NAME,
        );
    }
    // Every allowed character, including a trailing hyphen.
    for good in [
        "Valid/_+=.@-Name",
        "Valid/_+=.@-Name-a1b2",
        "Valid/_+=.@-Name-a1b2c3-",
    ] {
        let created = ok(
            c.create_secret().name(good).secret_string("x").send().await,
            "CreateSecret",
        );
        assert_arn(created.arn().expect("ARN"), REGION, good);
        ok(
            c.describe_secret().secret_id(good).send().await,
            "DescribeSecret",
        );
    }
}

#[tokio::test]
async fn partial_arn_of_name_ending_like_a_suffix_is_not_found() {
    let sr = Strongroom::start();
    let c = sr.client();
    // Its partial ARN looks like a full ARN, so AWS reports not found.
    let name = "Valid/_+=.@-Name-a1b2c3";
    let created = ok(
        c.create_secret().name(name).secret_string("x").send().await,
        "CreateSecret",
    );
    let arn = created.arn().expect("ARN").to_owned();
    expect_code(
        c.get_secret_value()
            .secret_id(partial_arn(&arn))
            .send()
            .await,
        "ResourceNotFoundException",
    );
    let g = ok(
        c.get_secret_value().secret_id(&arn).send().await,
        "by full ARN",
    );
    assert_eq!(g.secret_string(), Some("x"));
    let g = ok(c.get_secret_value().secret_id(name).send().await, "by name");
    assert_eq!(g.secret_string(), Some("x"));
}

#[tokio::test]
async fn update_secret_version_stage_errors() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("uvs");
    let [v1, v2] = [token(), token()];
    ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&v1)
            .secret_string("1")
            .send()
            .await,
        "CreateSecret",
    );
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v2)
            .secret_string("2")
            .version_stages("custom")
            .send()
            .await,
        "Put custom",
    );

    expect_error(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("AWSCURRENT")
            .move_to_version_id(&v2)
            .send()
            .await,
        "InvalidParameterException",
        &format!(
            "The parameter RemoveFromVersionId can't be empty. Staging label AWSCURRENT is currently attached to version {v1}, so you must explicitly reference that version in RemoveFromVersionId."
        ),
    );
    // A custom label attached elsewhere also needs RemoveFromVersionId.
    expect_code(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("custom")
            .move_to_version_id(&v1)
            .send()
            .await,
        "InvalidParameterException",
    );
    // RemoveFromVersionId that does not hold the label.
    expect_one_of(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("AWSCURRENT")
            .move_to_version_id(&v2)
            .remove_from_version_id(&v2)
            .send()
            .await,
        &["InvalidParameterException", "InvalidRequestException"],
    );
    // Moving to a version that does not exist.
    expect_one_of(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("AWSCURRENT")
            .move_to_version_id(token())
            .remove_from_version_id(&v1)
            .send()
            .await,
        &["InvalidParameterException", "ResourceNotFoundException"],
    );
    // Nothing moved.
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    let st = stage_map(d.version_ids_to_stages());
    assert_eq!(st.get(&v1), Some(&set(["AWSCURRENT"])));
    assert_eq!(st.get(&v2), Some(&set(["custom"])));
}

#[tokio::test]
async fn scheduled_for_deletion_state() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("doomed");
    let created = ok(
        c.create_secret()
            .name(&name)
            .secret_string("v")
            .tags(tag("k", "v"))
            .send()
            .await,
        "CreateSecret",
    );
    let arn = created.arn().expect("ARN").to_owned();
    ok(
        c.delete_secret()
            .secret_id(&name)
            .recovery_window_in_days(7)
            .send()
            .await,
        "DeleteSecret",
    );

    let ire = "InvalidRequestException";
    expect_error(
        c.get_secret_value().secret_id(&name).send().await,
        ire,
        MSG_MARKED_FOR_DELETION,
    );
    expect_error(
        c.get_secret_value().secret_id(&arn).send().await,
        ire,
        MSG_MARKED_FOR_DELETION,
    );
    expect_error(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("w")
            .send()
            .await,
        ire,
        MSG_MARKED_FOR_DELETION,
    );
    expect_error(
        c.update_secret()
            .secret_id(&name)
            .secret_string("w")
            .send()
            .await,
        ire,
        MSG_MARKED_FOR_DELETION,
    );
    expect_error(
        c.update_secret()
            .secret_id(&name)
            .description("d")
            .send()
            .await,
        ire,
        MSG_MARKED_FOR_DELETION,
    );
    expect_error(
        c.tag_resource()
            .secret_id(&name)
            .tags(tag("a", "b"))
            .send()
            .await,
        ire,
        MSG_MARKED_FOR_DELETION,
    );
    expect_error(
        c.untag_resource()
            .secret_id(&name)
            .tag_keys("k")
            .send()
            .await,
        ire,
        MSG_MARKED_FOR_DELETION,
    );
    // A second non-force delete.
    expect_code(c.delete_secret().secret_id(&name).send().await, ire);
    // The name cannot be re-created while scheduled.
    expect_error(
        c.create_secret()
            .name(&name)
            .secret_string("again")
            .send()
            .await,
        ire,
        MSG_CREATE_SCHEDULED,
    );

    // Describe still works and nothing above changed the secret.
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe scheduled",
    );
    assert!(d.deleted_date().is_some());
    assert!(d.description().is_none());
    assert_eq!(d.tags().len(), 1);
    assert_eq!(stage_map(d.version_ids_to_stages()).len(), 1);

    ok(
        c.restore_secret().secret_id(&arn).send().await,
        "RestoreSecret",
    );
    let g = ok(
        c.get_secret_value().secret_id(&name).send().await,
        "GetSecretValue after restore",
    );
    assert_eq!(g.secret_string(), Some("v"));
}

#[tokio::test]
async fn recovery_window_bounds() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("window");
    ok(
        c.create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );
    let ipe = "InvalidParameterException";
    for days in [0, 6, 31, 365, -1] {
        expect_code(
            c.delete_secret()
                .secret_id(&name)
                .recovery_window_in_days(days)
                .send()
                .await,
            ipe,
        );
    }
    expect_code(
        c.delete_secret()
            .secret_id(&name)
            .recovery_window_in_days(7)
            .force_delete_without_recovery(true)
            .send()
            .await,
        ipe,
    );
    // None of the rejected calls scheduled anything.
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert!(d.deleted_date().is_none());
    for days in [7, 30] {
        let del = ok(
            c.delete_secret()
                .secret_id(&name)
                .recovery_window_in_days(days)
                .send()
                .await,
            "DeleteSecret in range",
        );
        assert!(del.deletion_date().is_some());
        ok(
            c.restore_secret().secret_id(&name).send().await,
            "RestoreSecret",
        );
    }
}

#[tokio::test]
async fn force_delete_of_missing_secret_succeeds() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("never-existed");
    let del = ok(
        c.delete_secret()
            .secret_id(&name)
            .force_delete_without_recovery(true)
            .send()
            .await,
        "force delete of a missing secret",
    );
    assert_eq!(del.name(), Some(name.as_str()));
    assert!(del.arn().is_some(), "a synthesised ARN is returned");
    assert!(del.deletion_date().is_some());
}

#[tokio::test]
async fn put_without_a_value_is_rejected() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("novalue");
    ok(
        c.create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );
    // Unrecorded for AWS; LocalStack and moto use InvalidRequestException.
    expect_one_of(
        c.put_secret_value().secret_id(&name).send().await,
        &["InvalidRequestException", "InvalidParameterException"],
    );
    // Both at once is not allowed either.
    expect_one_of(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("s")
            .secret_binary(Blob::new(vec![1u8]))
            .send()
            .await,
        &["InvalidRequestException", "InvalidParameterException"],
    );
    let versions = ok(
        c.list_secret_version_ids()
            .secret_id(&name)
            .include_deprecated(true)
            .send()
            .await,
        "ListSecretVersionIds",
    );
    assert_eq!(versions.versions().len(), 1);
}

#[tokio::test]
async fn size_limits_are_enforced() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("limits");
    ok(
        c.create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );

    // Exactly at the limits: accepted.
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("s".repeat(65_536))
            .send()
            .await,
        "65536-char SecretString",
    );
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .secret_binary(Blob::new(vec![7u8; 65_536]))
            .send()
            .await,
        "65536-byte SecretBinary",
    );
    ok(
        c.update_secret()
            .secret_id(&name)
            .description("d".repeat(2048))
            .send()
            .await,
        "2048-char Description",
    );
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("t")
            .client_request_token("a".repeat(64))
            .send()
            .await,
        "64-char token",
    );
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("u")
            .client_request_token("b".repeat(32))
            .send()
            .await,
        "32-char token",
    );

    // Over the limits: rejected.
    let codes = CONSTRAINT_CODES;
    expect_one_of(
        c.create_secret()
            .name("n".repeat(513))
            .secret_string("x")
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("s".repeat(65_537))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.put_secret_value()
            .secret_id(&name)
            .secret_binary(Blob::new(vec![7u8; 65_537]))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.create_secret()
            .name(unique("big"))
            .secret_string("s".repeat(65_537))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.update_secret()
            .secret_id(&name)
            .description("d".repeat(2049))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("x")
            .client_request_token("c".repeat(31))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("x")
            .client_request_token("c".repeat(65))
            .send()
            .await,
        codes,
    );
    let mut put = c.put_secret_value().secret_id(&name).secret_string("x");
    for i in 0..21 {
        put = put.version_stages(format!("stage{i}"));
    }
    expect_one_of(put.send().await, codes);
    expect_one_of(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("x")
            .version_stages("s".repeat(257))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.get_secret_value()
            .secret_id("i".repeat(2049))
            .send()
            .await,
        codes,
    );
    for bad in [0, 101] {
        expect_one_of(c.list_secrets().max_results(bad).send().await, codes);
        expect_one_of(
            c.list_secret_version_ids()
                .secret_id(&name)
                .max_results(bad)
                .send()
                .await,
            codes,
        );
    }
    let mut list = c.list_secrets();
    for i in 0..11 {
        list = list.filters(
            Filter::builder()
                .key(FilterNameStringType::Name)
                .values(format!("x{i}"))
                .build(),
        );
    }
    expect_one_of(list.send().await, codes);
    expect_one_of(
        c.list_secrets()
            .filters(
                Filter::builder()
                    .key(FilterNameStringType::from("bogus"))
                    .values("x")
                    .build(),
            )
            .send()
            .await,
        codes,
    );

    // No rejected call left a version behind: 1 create + 4 accepted puts.
    let versions = ok(
        c.list_secret_version_ids()
            .secret_id(&name)
            .include_deprecated(true)
            .send()
            .await,
        "ListSecretVersionIds",
    );
    assert_eq!(versions.versions().len(), 5);
}

#[tokio::test]
async fn tag_limits() {
    let sr = Strongroom::start();
    let c = sr.client();
    let codes = CONSTRAINT_CODES;

    let mut create = c.create_secret().name(unique("t51")).secret_string("v");
    for i in 0..51 {
        create = create.tags(tag(&format!("k{i}"), "v"));
    }
    expect_one_of(create.send().await, codes);

    let name = unique("tags");
    let mut create = c.create_secret().name(&name).secret_string("v");
    for i in 0..50 {
        create = create.tags(tag(&format!("k{i}"), "v"));
    }
    ok(create.send().await, "CreateSecret with 50 tags");
    // A 51st key through TagResource.
    expect_one_of(
        c.tag_resource()
            .secret_id(&name)
            .tags(tag("one-more", "v"))
            .send()
            .await,
        codes,
    );
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert_eq!(d.tags().len(), 50, "rejected tag call changed nothing");

    // Key/value lengths and the reserved prefix, on a secret with one tag.
    let small = unique("tags-small");
    ok(
        c.create_secret()
            .name(&small)
            .secret_string("v")
            .tags(tag("k0", "v"))
            .send()
            .await,
        "CreateSecret",
    );
    expect_one_of(
        c.tag_resource()
            .secret_id(&small)
            .tags(tag(&"k".repeat(129), "v"))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.tag_resource()
            .secret_id(&small)
            .tags(tag("k0", &"v".repeat(257)))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.tag_resource()
            .secret_id(&small)
            .tags(tag("aws:reserved", "v"))
            .send()
            .await,
        codes,
    );
    expect_one_of(
        c.create_secret()
            .name(unique("awstag"))
            .secret_string("v")
            .tags(tag("aws:x", "v"))
            .send()
            .await,
        codes,
    );
    let d = ok(
        c.describe_secret().secret_id(&small).send().await,
        "Describe",
    );
    assert_eq!(d.tags().len(), 1, "rejected tag calls changed nothing");
    assert_eq!(d.tags()[0].value(), Some("v"));
}

#[tokio::test]
async fn batch_get_argument_errors() {
    let sr = Strongroom::start();
    let c = sr.client();
    ok(
        c.create_secret()
            .name("bge/a")
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );
    let f = Filter::builder()
        .key(FilterNameStringType::Name)
        .values("bge/")
        .build();
    expect_code(
        c.batch_get_secret_value()
            .secret_id_list("bge/a")
            .filters(f.clone())
            .send()
            .await,
        "InvalidParameterException",
    );
    expect_code(
        c.batch_get_secret_value()
            .secret_id_list("bge/a")
            .max_results(5)
            .send()
            .await,
        "InvalidParameterException",
    );
    let mut req = c.batch_get_secret_value();
    for i in 0..21 {
        req = req.secret_id_list(format!("bge/{i}"));
    }
    expect_one_of(req.send().await, CONSTRAINT_CODES);
    expect_one_of(
        c.batch_get_secret_value()
            .filters(f)
            .max_results(21)
            .send()
            .await,
        CONSTRAINT_CODES,
    );
}
