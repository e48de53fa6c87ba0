//! Happy paths of every operation through the unmodified AWS SDK for Rust,
//! plus the idempotency and staging-label state machine rules recorded
//! against real AWS (shared/AWS_BEHAVIOUR.md). Each test owns its server.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::primitives::Blob;
use aws_sdk_secretsmanager::types::{Filter, FilterNameStringType, SecretVersionsListEntry, Tag};
use common::*;

fn tag(k: &str, v: &str) -> Tag {
    Tag::builder().key(k).value(v).build()
}

fn tag_pairs(tags: &[Tag]) -> Vec<(String, String)> {
    tags.iter()
        .map(|t| {
            (
                t.key().unwrap_or_default().to_owned(),
                t.value().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn stages(client: &Client, id: &str) -> BTreeMap<String, BTreeSet<String>> {
    let d = ok(
        client.describe_secret().secret_id(id).send().await,
        "DescribeSecret",
    );
    stage_map(d.version_ids_to_stages())
}

async fn value_of(client: &Client, id: &str) -> String {
    let g = ok(
        client.get_secret_value().secret_id(id).send().await,
        "GetSecretValue",
    );
    g.secret_string().expect("SecretString").to_owned()
}

/// All versions via ListSecretVersionIds, following NextToken.
async fn all_versions(
    client: &Client,
    id: &str,
    include_deprecated: bool,
    page: Option<i32>,
) -> Vec<SecretVersionsListEntry> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..1000 {
        let mut req = client
            .list_secret_version_ids()
            .secret_id(id)
            .include_deprecated(include_deprecated);
        if let Some(p) = page {
            req = req.max_results(p);
        }
        if let Some(t) = &next {
            req = req.next_token(t);
        }
        let resp = ok(req.send().await, "ListSecretVersionIds");
        if let Some(p) = page {
            assert!(
                resp.versions().len() <= p as usize,
                "page larger than MaxResults={p}: {}",
                resp.versions().len()
            );
        }
        out.extend(resp.versions().iter().cloned());
        match resp.next_token() {
            Some(t) => next = Some(t.to_owned()),
            None => return out,
        }
    }
    panic!("ListSecretVersionIds paging did not terminate");
}

async fn list_names(
    client: &Client,
    filters: Vec<Filter>,
    include_planned: bool,
) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut next: Option<String> = None;
    for _ in 0..1000 {
        let mut req = client
            .list_secrets()
            .include_planned_deletion(include_planned)
            .set_filters(if filters.is_empty() {
                None
            } else {
                Some(filters.clone())
            });
        if let Some(t) = &next {
            req = req.next_token(t);
        }
        let resp = ok(req.send().await, "ListSecrets");
        for e in resp.secret_list() {
            let name = e.name().expect("SecretListEntry.Name").to_owned();
            assert!(
                names.insert(name.clone()),
                "ListSecrets returned {name} twice"
            );
        }
        match resp.next_token() {
            Some(t) => next = Some(t.to_owned()),
            None => return names,
        }
    }
    panic!("ListSecrets paging did not terminate");
}

fn filter(key: FilterNameStringType, values: &[&str]) -> Filter {
    let mut b = Filter::builder().key(key);
    for v in values {
        b = b.values(*v);
    }
    b.build()
}

// ---------------------------------------------------------------------------

#[tokio::test]
async fn create_get_describe_round_trip() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("app/db-password");
    let tok = token();

    let created = ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&tok)
            .description("the database password")
            .secret_string("hunter2")
            .tags(tag("env", "prod"))
            .tags(tag("team", "core"))
            .send()
            .await,
        "CreateSecret",
    );
    let arn = created.arn().expect("CreateSecret.ARN").to_owned();
    assert_arn(&arn, REGION, &name);
    assert_eq!(created.name(), Some(name.as_str()));
    assert_eq!(
        created.version_id(),
        Some(tok.as_str()),
        "VersionId is the ClientRequestToken verbatim"
    );
    assert!(created.replication_status().is_empty());

    // DescribeSecret before any read: no LastAccessedDate yet.
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "DescribeSecret",
    );
    assert_eq!(d.arn(), Some(arn.as_str()));
    assert_eq!(d.name(), Some(name.as_str()));
    assert_eq!(d.description(), Some("the database password"));
    assert!(d.created_date().is_some(), "CreatedDate always present");
    assert!(
        d.last_changed_date().is_some(),
        "LastChangedDate always present"
    );
    assert!(
        d.last_accessed_date().is_none(),
        "LastAccessedDate only after a read"
    );
    assert!(d.deleted_date().is_none());
    assert!(
        d.rotation_enabled().is_none(),
        "no RotationEnabled on a fresh secret"
    );
    assert!(d.kms_key_id().is_none(), "KmsKeyId only for customer keys");
    assert_eq!(
        stage_map(d.version_ids_to_stages()),
        BTreeMap::from([(tok.clone(), set(["AWSCURRENT"]))])
    );
    assert_eq!(
        tag_pairs(d.tags()),
        vec![
            ("env".into(), "prod".into()),
            ("team".into(), "core".into())
        ]
    );

    let g = ok(
        c.get_secret_value().secret_id(&name).send().await,
        "GetSecretValue",
    );
    assert_eq!(g.arn(), Some(arn.as_str()));
    assert_eq!(g.name(), Some(name.as_str()));
    assert_eq!(g.version_id(), Some(tok.as_str()));
    assert_eq!(g.secret_string(), Some("hunter2"));
    assert!(
        g.secret_binary().is_none(),
        "exactly one of SecretString/SecretBinary"
    );
    assert_eq!(set(g.version_stages()), set(["AWSCURRENT"]));
    assert!(g.created_date().is_some());

    let d = ok(
        c.describe_secret().secret_id(&arn).send().await,
        "DescribeSecret by ARN",
    );
    assert!(
        d.last_accessed_date().is_some(),
        "GetSecretValue sets LastAccessedDate"
    );
    assert_eq!(d.name(), Some(name.as_str()));

    // An empty description is treated as absent.
    let bare = unique("bare");
    ok(
        c.create_secret()
            .name(&bare)
            .description("")
            .secret_string("x")
            .send()
            .await,
        "CreateSecret with empty description",
    );
    let d = ok(
        c.describe_secret().secret_id(&bare).send().await,
        "DescribeSecret",
    );
    assert!(
        d.description().is_none(),
        "Description=\"\" must be omitted"
    );
    assert!(d.tags.is_none(), "Tags omitted until the first tagging");
}

#[tokio::test]
async fn get_secret_value_selectors() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("selectors");
    let v1 = token();
    let v2 = token();
    let created = ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&v1)
            .secret_string("one")
            .send()
            .await,
        "CreateSecret",
    );
    let arn = created.arn().expect("ARN").to_owned();
    let put = ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v2)
            .secret_string("two")
            .send()
            .await,
        "PutSecretValue",
    );
    assert_eq!(put.version_id(), Some(v2.as_str()));

    for id in [name.clone(), arn.clone(), partial_arn(&arn)] {
        let g = ok(
            c.get_secret_value().secret_id(&id).send().await,
            "GetSecretValue",
        );
        assert_eq!(g.secret_string(), Some("two"), "by {id}");
        assert_eq!(g.arn(), Some(arn.as_str()), "by {id}");
        assert_eq!(g.version_id(), Some(v2.as_str()));
        let d = ok(
            c.describe_secret().secret_id(&id).send().await,
            "DescribeSecret",
        );
        assert_eq!(d.arn(), Some(arn.as_str()), "describe by {id}");
    }

    let g = ok(
        c.get_secret_value()
            .secret_id(&name)
            .version_id(&v1)
            .send()
            .await,
        "by VersionId",
    );
    assert_eq!(g.secret_string(), Some("one"));
    assert_eq!(set(g.version_stages()), set(["AWSPREVIOUS"]));

    let g = ok(
        c.get_secret_value()
            .secret_id(&name)
            .version_stage("AWSPREVIOUS")
            .send()
            .await,
        "by VersionStage",
    );
    assert_eq!(g.secret_string(), Some("one"));
    assert_eq!(g.version_id(), Some(v1.as_str()));

    let g = ok(
        c.get_secret_value()
            .secret_id(&arn)
            .version_stage("AWSCURRENT")
            .send()
            .await,
        "by ARN + AWSCURRENT",
    );
    assert_eq!(g.secret_string(), Some("two"));

    let g = ok(
        c.get_secret_value()
            .secret_id(&name)
            .version_id(&v2)
            .version_stage("AWSCURRENT")
            .send()
            .await,
        "by matching VersionId + VersionStage",
    );
    assert_eq!(g.secret_string(), Some("two"));

    // VersionId and VersionStage that disagree.
    expect_error(
        c.get_secret_value()
            .secret_id(&name)
            .version_id(&v1)
            .version_stage("AWSCURRENT")
            .send()
            .await,
        "InvalidRequestException",
        MSG_STAGE_NOT_ON_VERSION,
    );
}

#[tokio::test]
async fn create_without_value_then_first_put_becomes_current() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("empty");
    let created = ok(
        c.create_secret().name(&name).send().await,
        "CreateSecret without value",
    );
    assert!(
        created.version_id().is_none(),
        "no VersionId without a value"
    );
    assert_arn(created.arn().expect("ARN"), REGION, &name);

    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "DescribeSecret",
    );
    assert!(
        d.version_ids_to_stages.is_none(),
        "no VersionIdsToStages without versions"
    );
    expect_error(
        c.get_secret_value().secret_id(&name).send().await,
        "ResourceNotFoundException",
        &msg_no_value_for_stage("AWSCURRENT"),
    );
    assert!(all_versions(&c, &name, true, None).await.is_empty());

    let v = token();
    let put = ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v)
            .secret_string("first")
            .send()
            .await,
        "PutSecretValue",
    );
    assert_eq!(put.version_id(), Some(v.as_str()));
    assert_eq!(set(put.version_stages()), set(["AWSCURRENT"]));
    assert_eq!(value_of(&c, &name).await, "first");
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([(v, set(["AWSCURRENT"]))])
    );
}

#[tokio::test]
async fn create_secret_idempotency() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("idem-create");
    let tok = token();
    let first = ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&tok)
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );
    // Same name + same token + same value: identical response, no new version.
    let again = ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&tok)
            .secret_string("v")
            .send()
            .await,
        "CreateSecret retry with same token and value",
    );
    assert_eq!(again.arn(), first.arn());
    assert_eq!(again.name(), first.name());
    assert_eq!(again.version_id(), first.version_id());
    assert_eq!(again.version_id(), Some(tok.as_str()));
    assert_eq!(all_versions(&c, &name, true, None).await.len(), 1);

    // Same token, different value.
    expect_error(
        c.create_secret()
            .name(&name)
            .client_request_token(&tok)
            .secret_string("other")
            .send()
            .await,
        "ResourceExistsException",
        &msg_token_in_use(&tok, first.arn().expect("ARN")),
    );
    // The normal SDK case: a fresh token for an existing name.
    expect_error(
        c.create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await,
        "ResourceExistsException",
        &msg_already_exists(&name),
    );
    assert_eq!(value_of(&c, &name).await, "v");
    assert_eq!(all_versions(&c, &name, true, None).await.len(), 1);
}

#[tokio::test]
async fn put_secret_value_moves_current_and_previous() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("put");
    let v1 = token();
    let v2 = token();
    let v3 = token();
    let created = ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&v1)
            .secret_string("1")
            .send()
            .await,
        "CreateSecret",
    );
    let arn = created.arn().expect("ARN").to_owned();

    let p2 = ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v2)
            .secret_string("2")
            .send()
            .await,
        "PutSecretValue 2",
    );
    assert_eq!(p2.arn(), Some(arn.as_str()));
    assert_eq!(p2.name(), Some(name.as_str()));
    assert_eq!(p2.version_id(), Some(v2.as_str()));
    assert_eq!(set(p2.version_stages()), set(["AWSCURRENT"]));
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([
            (v1.clone(), set(["AWSPREVIOUS"])),
            (v2.clone(), set(["AWSCURRENT"]))
        ])
    );

    // Put by ARN; v1 loses AWSPREVIOUS and becomes deprecated (unlabelled).
    ok(
        c.put_secret_value()
            .secret_id(&arn)
            .client_request_token(&v3)
            .secret_string("3")
            .send()
            .await,
        "PutSecretValue 3",
    );
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([
            (v2.clone(), set(["AWSPREVIOUS"])),
            (v3.clone(), set(["AWSCURRENT"]))
        ])
    );
    assert_eq!(value_of(&c, &name).await, "3");

    let listed = all_versions(&c, &name, false, None).await;
    let ids: BTreeSet<_> = listed
        .iter()
        .filter_map(|v| v.version_id().map(str::to_owned))
        .collect();
    assert_eq!(ids, set([&v2, &v3]), "deprecated v1 hidden by default");
    let all = all_versions(&c, &name, true, None).await;
    assert_eq!(all.len(), 3);
    let dep = all
        .iter()
        .find(|v| v.version_id() == Some(v1.as_str()))
        .expect("deprecated version listed with IncludeDeprecated");
    assert!(
        dep.version_stages.is_none(),
        "deprecated entry has no VersionStages key: {dep:?}"
    );
}

#[tokio::test]
async fn put_secret_value_idempotency() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("idem-put");
    let created = ok(
        c.create_secret()
            .name(&name)
            .secret_string("base")
            .send()
            .await,
        "CreateSecret",
    );
    let arn = created.arn().expect("ARN").to_owned();
    let tok = token();
    let p1 = ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&tok)
            .secret_string("new")
            .send()
            .await,
        "PutSecretValue",
    );
    let p2 = ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&tok)
            .secret_string("new")
            .send()
            .await,
        "PutSecretValue retry",
    );
    assert_eq!(p2.version_id(), p1.version_id());
    assert_eq!(p2.version_id(), Some(tok.as_str()));
    assert_eq!(set(p2.version_stages()), set(["AWSCURRENT"]));
    assert_eq!(
        all_versions(&c, &name, true, None).await.len(),
        2,
        "retry made no version"
    );
    // The retry did not shift AWSPREVIOUS onto the same version.
    let st = stages(&c, &name).await;
    assert_eq!(st.get(&tok), Some(&set(["AWSCURRENT"])));
    assert_eq!(
        st.get(created.version_id().expect("VersionId")),
        Some(&set(["AWSPREVIOUS"]))
    );

    expect_error(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&tok)
            .secret_string("different")
            .send()
            .await,
        "ResourceExistsException",
        &msg_token_in_use(&tok, &arn),
    );
    assert_eq!(value_of(&c, &name).await, "new");
}

#[tokio::test]
async fn custom_staging_labels() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("stages");
    let [v1, v2, v3, v4, v5] = [token(), token(), token(), token(), token()];
    ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&v1)
            .secret_string("s1")
            .send()
            .await,
        "CreateSecret",
    );
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v2)
            .secret_string("s2")
            .send()
            .await,
        "Put v2",
    );

    // A put without AWSCURRENT echoes its stages and does not move AWSCURRENT.
    let p3 = ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v3)
            .secret_string("s3")
            .version_stages("one")
            .version_stages("two")
            .version_stages("three")
            .send()
            .await,
        "Put v3 [one two three]",
    );
    assert_eq!(set(p3.version_stages()), set(["one", "two", "three"]));
    assert_eq!(value_of(&c, &name).await, "s2");

    // Labels are unique per secret: they move away from v3.
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v4)
            .secret_string("s4")
            .version_stages("one")
            .version_stages("two")
            .version_stages("four")
            .send()
            .await,
        "Put v4 [one two four]",
    );
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([
            (v1.clone(), set(["AWSPREVIOUS"])),
            (v2.clone(), set(["AWSCURRENT"])),
            (v3.clone(), set(["three"])),
            (v4.clone(), set(["one", "two", "four"])),
        ])
    );

    // Put [AWSCURRENT, PUT0]: old current becomes AWSPREVIOUS, v1 unlabelled.
    let p5 = ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&v5)
            .secret_string("s5")
            .version_stages("AWSCURRENT")
            .version_stages("PUT0")
            .send()
            .await,
        "Put v5 [AWSCURRENT PUT0]",
    );
    assert_eq!(set(p5.version_stages()), set(["AWSCURRENT", "PUT0"]));
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([
            (v2.clone(), set(["AWSPREVIOUS"])),
            (v3.clone(), set(["three"])),
            (v4.clone(), set(["one", "two", "four"])),
            (v5.clone(), set(["AWSCURRENT", "PUT0"])),
        ])
    );
    let g = ok(
        c.get_secret_value()
            .secret_id(&name)
            .version_stage("three")
            .send()
            .await,
        "Get by custom stage",
    );
    assert_eq!(g.secret_string(), Some("s3"));

    // Move AWSCURRENT to v3: the target keeps its labels, the former holder
    // keeps its custom labels and gains AWSPREVIOUS, v2 drops out.
    let moved = ok(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("AWSCURRENT")
            .move_to_version_id(&v3)
            .remove_from_version_id(&v5)
            .send()
            .await,
        "UpdateSecretVersionStage AWSCURRENT -> v3",
    );
    assert_eq!(moved.name(), Some(name.as_str()));
    assert!(moved.arn().is_some());
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([
            (v3.clone(), set(["AWSCURRENT", "three"])),
            (v4.clone(), set(["one", "two", "four"])),
            (v5.clone(), set(["AWSPREVIOUS", "PUT0"])),
        ])
    );
    // GetSecretValue follows the label.
    assert_eq!(value_of(&c, &name).await, "s3");

    // RemoveFromVersionId alone detaches a label.
    ok(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("three")
            .remove_from_version_id(&v3)
            .send()
            .await,
        "detach three",
    );
    // Move a custom label with RemoveFromVersionId.
    ok(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("four")
            .move_to_version_id(&v1)
            .remove_from_version_id(&v4)
            .send()
            .await,
        "move four v4 -> v1",
    );
    // Attach a brand-new label (no holder, so no RemoveFromVersionId needed).
    ok(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("fresh")
            .move_to_version_id(&v2)
            .send()
            .await,
        "attach fresh to v2",
    );
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([
            (v1.clone(), set(["four"])),
            (v2.clone(), set(["fresh"])),
            (v3.clone(), set(["AWSCURRENT"])),
            (v4.clone(), set(["one", "two"])),
            (v5.clone(), set(["AWSPREVIOUS", "PUT0"])),
        ])
    );

    // Exactly one AWSPREVIOUS after another AWSCURRENT move.
    ok(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("AWSCURRENT")
            .move_to_version_id(&v4)
            .remove_from_version_id(&v3)
            .send()
            .await,
        "AWSCURRENT -> v4",
    );
    let st = stages(&c, &name).await;
    assert_eq!(st.get(&v4), Some(&set(["AWSCURRENT", "one", "two"])));
    assert_eq!(st.get(&v3), Some(&set(["AWSPREVIOUS"])));
    assert_eq!(
        st.get(&v5),
        Some(&set(["PUT0"])),
        "a version left with [PUT0] stays listed"
    );
    let previous_holders = st.values().filter(|s| s.contains("AWSPREVIOUS")).count();
    assert_eq!(previous_holders, 1);
}

#[tokio::test]
async fn default_put_leaves_only_awsprevious_on_pending_current() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("pending");
    let [v1, vp, vq] = [token(), token(), token()];
    ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&v1)
            .secret_string("a")
            .send()
            .await,
        "CreateSecret",
    );
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&vp)
            .secret_string("p")
            .version_stages("AWSPENDING")
            .send()
            .await,
        "Put AWSPENDING",
    );
    ok(
        c.update_secret_version_stage()
            .secret_id(&name)
            .version_stage("AWSCURRENT")
            .move_to_version_id(&vp)
            .remove_from_version_id(&v1)
            .send()
            .await,
        "AWSCURRENT -> pending version",
    );
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([
            (v1.clone(), set(["AWSPREVIOUS"])),
            (vp.clone(), set(["AWSCURRENT", "AWSPENDING"])),
        ])
    );
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .client_request_token(&vq)
            .secret_string("q")
            .send()
            .await,
        "default Put",
    );
    assert_eq!(
        stages(&c, &name).await,
        BTreeMap::from([
            (vp.clone(), set(["AWSPREVIOUS"])),
            (vq.clone(), set(["AWSCURRENT"]))
        ])
    );
}

#[tokio::test]
async fn update_secret_variants() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("update");
    let v1 = token();
    let created = ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&v1)
            .secret_string("orig")
            .send()
            .await,
        "CreateSecret",
    );
    let arn = created.arn().expect("ARN").to_owned();

    // Description only: no version, no VersionId in the response.
    let before = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    tokio::time::sleep(Duration::from_millis(5)).await;
    let u = ok(
        c.update_secret()
            .secret_id(&name)
            .description("first")
            .send()
            .await,
        "UpdateSecret description",
    );
    assert_eq!(u.arn(), Some(arn.as_str()));
    assert_eq!(u.name(), Some(name.as_str()));
    assert!(
        u.version_id().is_none(),
        "no VersionId when no version was made"
    );
    let d1 = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert_eq!(d1.description(), Some("first"));
    assert_eq!(
        stage_map(d1.version_ids_to_stages()),
        BTreeMap::from([(v1.clone(), set(["AWSCURRENT"]))])
    );
    assert!(
        d1.last_changed_date().expect("LastChangedDate")
            > before.last_changed_date().expect("LastChangedDate"),
        "LastChangedDate must advance on UpdateSecret"
    );

    // Two quick updates: millisecond precision keeps them strictly ordered.
    tokio::time::sleep(Duration::from_millis(5)).await;
    ok(
        c.update_secret()
            .secret_id(&name)
            .description("second")
            .send()
            .await,
        "UpdateSecret",
    );
    let d2 = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert!(
        d2.last_changed_date().expect("LastChangedDate")
            > d1.last_changed_date().expect("LastChangedDate"),
        "LastChangedDate needs millisecond precision: {:?} then {:?}",
        d1.last_changed_date(),
        d2.last_changed_date()
    );

    // Only SecretId: successful no-op.
    let u = ok(
        c.update_secret().secret_id(&name).send().await,
        "UpdateSecret no-op",
    );
    assert!(u.version_id().is_none());
    assert_eq!(all_versions(&c, &name, true, None).await.len(), 1);

    // Value plus description: both applied, labels move like a default put.
    let v2 = token();
    let u = ok(
        c.update_secret()
            .secret_id(&arn)
            .client_request_token(&v2)
            .secret_string("changed")
            .description("third")
            .send()
            .await,
        "UpdateSecret value + description",
    );
    assert_eq!(u.version_id(), Some(v2.as_str()));
    let d3 = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert_eq!(d3.description(), Some("third"));
    assert_eq!(
        stage_map(d3.version_ids_to_stages()),
        BTreeMap::from([
            (v1.clone(), set(["AWSPREVIOUS"])),
            (v2.clone(), set(["AWSCURRENT"]))
        ])
    );
    assert_eq!(value_of(&c, &name).await, "changed");

    // Same token + same value: idempotent.
    let again = ok(
        c.update_secret()
            .secret_id(&name)
            .client_request_token(&v2)
            .secret_string("changed")
            .send()
            .await,
        "UpdateSecret retry",
    );
    assert_eq!(again.version_id(), Some(v2.as_str()));
    assert_eq!(all_versions(&c, &name, true, None).await.len(), 2);
    // Same token + different value.
    expect_error(
        c.update_secret()
            .secret_id(&name)
            .client_request_token(&v2)
            .secret_string("nope")
            .send()
            .await,
        "ResourceExistsException",
        &msg_token_in_use(&v2, &arn),
    );

    // Same value with a new token still makes a new version.
    let v3 = token();
    let u = ok(
        c.update_secret()
            .secret_id(&name)
            .client_request_token(&v3)
            .secret_string("changed")
            .send()
            .await,
        "UpdateSecret same value new token",
    );
    assert_eq!(u.version_id(), Some(v3.as_str()));
    assert_eq!(all_versions(&c, &name, true, None).await.len(), 3);
}

#[tokio::test]
async fn delete_restore_and_force_delete() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("delete");
    let created = ok(
        c.create_secret()
            .name(&name)
            .secret_string("x")
            .send()
            .await,
        "CreateSecret",
    );
    let arn = created.arn().expect("ARN").to_owned();

    // Default recovery window: 30 days.
    let del = ok(
        c.delete_secret().secret_id(&name).send().await,
        "DeleteSecret",
    );
    assert_eq!(del.arn(), Some(arn.as_str()));
    assert_eq!(del.name(), Some(name.as_str()));
    let when = del.deletion_date().expect("DeletionDate").secs();
    let expected = now_secs() + 30 * 86_400;
    assert!(
        (when - expected).abs() < 600,
        "DeletionDate {when} not ~30 days out ({expected})"
    );

    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe scheduled",
    );
    assert!(d.deleted_date().is_some(), "DeletedDate while scheduled");

    let r = ok(
        c.restore_secret().secret_id(&name).send().await,
        "RestoreSecret",
    );
    assert_eq!(r.arn(), Some(arn.as_str()));
    assert_eq!(r.name(), Some(name.as_str()));
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe restored",
    );
    assert!(
        d.deleted_date().is_none(),
        "RestoreSecret clears DeletedDate"
    );
    assert_eq!(value_of(&c, &name).await, "x");

    // Explicit 7-day window, by ARN.
    let del = ok(
        c.delete_secret()
            .secret_id(&arn)
            .recovery_window_in_days(7)
            .send()
            .await,
        "DeleteSecret 7 days",
    );
    let when = del.deletion_date().expect("DeletionDate").secs();
    let expected = now_secs() + 7 * 86_400;
    assert!(
        (when - expected).abs() < 600,
        "DeletionDate {when} not ~7 days out ({expected})"
    );

    // Force on a secret already scheduled is allowed.
    let del = ok(
        c.delete_secret()
            .secret_id(&name)
            .force_delete_without_recovery(true)
            .send()
            .await,
        "force delete of scheduled secret",
    );
    assert_eq!(del.name(), Some(name.as_str()));
    assert!(del.deletion_date().is_some());
    expect_error(
        c.describe_secret().secret_id(&name).send().await,
        "ResourceNotFoundException",
        MSG_NOT_FOUND,
    );

    // The name is reusable at once, with a new random suffix.
    let again = ok(
        c.create_secret()
            .name(&name)
            .secret_string("y")
            .send()
            .await,
        "re-create",
    );
    let arn2 = again.arn().expect("ARN").to_owned();
    assert_arn(&arn2, REGION, &name);
    assert_ne!(arn2, arn, "re-created secret gets a fresh ARN suffix");
    assert_eq!(value_of(&c, &name).await, "y");
    expect_code(
        c.describe_secret().secret_id(&arn).send().await,
        "ResourceNotFoundException",
    );

    // Immediate force delete of a live secret.
    ok(
        c.delete_secret()
            .secret_id(&arn2)
            .force_delete_without_recovery(true)
            .send()
            .await,
        "force delete",
    );
    expect_code(
        c.get_secret_value().secret_id(&name).send().await,
        "ResourceNotFoundException",
    );
}

#[tokio::test]
async fn purge_job_keeps_secrets_inside_their_recovery_window() {
    let sr = Strongroom::start_with(ServerOptions {
        purge_interval_secs: Some(1),
        ..ServerOptions::default()
    });
    let c = sr.client();
    let name = unique("purge");
    ok(
        c.create_secret()
            .name(&name)
            .secret_string("keep")
            .send()
            .await,
        "CreateSecret",
    );
    ok(
        c.delete_secret()
            .secret_id(&name)
            .recovery_window_in_days(7)
            .send()
            .await,
        "DeleteSecret",
    );
    // Several purge runs go by; the secret is 7 days from its deletion date.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe after purge runs",
    );
    assert!(d.deleted_date().is_some());
    ok(
        c.restore_secret().secret_id(&name).send().await,
        "RestoreSecret",
    );
    assert_eq!(value_of(&c, &name).await, "keep");
}

#[tokio::test]
async fn list_secrets_filters() {
    let sr = Strongroom::start();
    let c = sr.client();
    let s1 = "/team/alpha";
    let s2 = "/team/beta";
    let s3 = "service-gamma";
    let s4 = "service-delta";
    ok(
        c.create_secret()
            .name(s1)
            .description("a secret")
            .secret_string("1")
            .tags(tag("env", "prod"))
            .send()
            .await,
        "create s1",
    );
    ok(
        c.create_secret()
            .name(s2)
            .description("an secret")
            .secret_string("2")
            .tags(tag("env", "dev"))
            .send()
            .await,
        "create s2",
    );
    ok(
        c.create_secret()
            .name(s3)
            .description("thesecret")
            .tags(tag("owner", "platform"))
            .send()
            .await,
        "create s3 (no value)",
    );
    ok(
        c.create_secret().name(s4).secret_string("4").send().await,
        "create s4",
    );
    ok(
        c.delete_secret().secret_id(s4).send().await,
        "schedule s4 for deletion",
    );

    use FilterNameStringType as K;
    let cases: Vec<(Vec<Filter>, BTreeSet<String>)> = vec![
        (vec![], set([s1, s2, s3])),
        (vec![filter(K::Name, &["/"])], set([s1, s2])),
        (vec![filter(K::Name, &["!/"])], set([s3])),
        (vec![filter(K::Name, &["/team/a"])], set([s1])),
        (vec![filter(K::Name, &["team"])], BTreeSet::new()),
        (vec![filter(K::Name, &["/TEAM"])], BTreeSet::new()),
        (
            vec![filter(K::Name, &["/team/alpha", "service"])],
            set([s1, s3]),
        ),
        (vec![filter(K::Description, &["a"])], set([s1, s2])),
        (vec![filter(K::Description, &["A"])], set([s1, s2])),
        (vec![filter(K::Description, &["a secret"])], set([s1, s2])),
        (vec![filter(K::Description, &["!a"])], set([s3])),
        (vec![filter(K::Description, &["thes"])], set([s3])),
        (vec![filter(K::TagKey, &["env"])], set([s1, s2])),
        (vec![filter(K::TagKey, &["own"])], set([s3])),
        (vec![filter(K::TagValue, &["prod"])], set([s1])),
        (
            vec![filter(K::Name, &["/"]), filter(K::TagValue, &["dev"])],
            set([s2]),
        ),
        (
            vec![filter(K::Name, &["/"]), filter(K::Name, &["/team/b"])],
            set([s2]),
        ),
        (vec![filter(K::All, &["gamma"])], set([s3])),
        (vec![filter(K::All, &["prod"])], set([s1])),
    ];
    for (filters, want) in cases {
        let got = list_names(&c, filters.clone(), false).await;
        assert_eq!(got, want, "ListSecrets with filters {filters:?}");
    }

    // Entries look like DescribeSecret entries with SecretVersionsToStages.
    let resp = ok(
        c.list_secrets()
            .filters(filter(K::Name, &["/team/alpha"]))
            .send()
            .await,
        "ListSecrets",
    );
    let e = resp.secret_list().first().expect("one entry");
    assert_eq!(e.description(), Some("a secret"));
    assert_arn(e.arn().expect("ARN"), REGION, s1);
    let st = stage_map(e.secret_versions_to_stages());
    assert_eq!(st.len(), 1);
    assert_eq!(st.values().next(), Some(&set(["AWSCURRENT"])));
    assert_eq!(tag_pairs(e.tags()), vec![("env".into(), "prod".into())]);
}

#[tokio::test]
async fn list_secrets_paging_and_planned_deletion() {
    let sr = Strongroom::start();
    let c = sr.client();
    let mut names = BTreeSet::new();
    for i in 0..5 {
        let n = format!("page/secret-{i}");
        ok(
            c.create_secret().name(&n).secret_string("v").send().await,
            "CreateSecret",
        );
        names.insert(n);
    }
    ok(
        c.create_secret()
            .name("page/doomed")
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );
    ok(
        c.delete_secret()
            .secret_id("page/doomed")
            .recovery_window_in_days(7)
            .send()
            .await,
        "DeleteSecret",
    );

    // MaxResults=2 paging collects everything exactly once.
    let mut seen = Vec::new();
    let mut next: Option<String> = None;
    let mut pages = 0;
    loop {
        pages += 1;
        assert!(pages < 50, "paging did not terminate");
        let mut req = c.list_secrets().max_results(2);
        if let Some(t) = &next {
            req = req.next_token(t);
        }
        let resp = ok(req.send().await, "ListSecrets page");
        assert!(resp.secret_list().len() <= 2, "page exceeds MaxResults");
        seen.extend(
            resp.secret_list()
                .iter()
                .filter_map(|e| e.name().map(str::to_owned)),
        );
        match resp.next_token() {
            Some(t) => next = Some(t.to_owned()),
            None => break,
        }
    }
    assert!(
        pages >= 3,
        "5 secrets with MaxResults=2 need at least 3 pages, got {pages}"
    );
    assert_eq!(seen.len(), 5, "no duplicates across pages: {seen:?}");
    assert_eq!(set(&seen), names);

    // Planned deletions only on request, with DeletedDate.
    let with = list_names(&c, vec![], true).await;
    let mut want = names.clone();
    want.insert("page/doomed".to_owned());
    assert_eq!(with, want);
    let resp = ok(
        c.list_secrets()
            .include_planned_deletion(true)
            .filters(filter(FilterNameStringType::Name, &["page/doomed"]))
            .send()
            .await,
        "ListSecrets planned",
    );
    let e = resp.secret_list().first().expect("doomed listed");
    assert!(
        e.deleted_date().is_some(),
        "scheduled entry carries DeletedDate"
    );
}

#[tokio::test]
async fn list_secret_version_ids_deprecated_and_paging() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("versions");
    let ids = [token(), token(), token(), token()];
    let created = ok(
        c.create_secret()
            .name(&name)
            .client_request_token(&ids[0])
            .secret_string("0")
            .send()
            .await,
        "CreateSecret",
    );
    for (i, id) in ids.iter().enumerate().skip(1) {
        ok(
            c.put_secret_value()
                .secret_id(&name)
                .client_request_token(id)
                .secret_string(i.to_string())
                .send()
                .await,
            "PutSecretValue",
        );
    }
    let resp = ok(
        c.list_secret_version_ids().secret_id(&name).send().await,
        "ListSecretVersionIds",
    );
    assert_eq!(resp.arn(), created.arn(), "ARN field is the real ARN");
    assert_eq!(resp.name(), Some(name.as_str()));
    assert!(resp.next_token().is_none(), "no NextToken on a single page");
    let got: BTreeMap<String, BTreeSet<String>> = resp
        .versions()
        .iter()
        .map(|v| {
            (
                v.version_id().expect("VersionId").to_owned(),
                set(v.version_stages()),
            )
        })
        .collect();
    assert_eq!(
        got,
        BTreeMap::from([
            (ids[2].clone(), set(["AWSPREVIOUS"])),
            (ids[3].clone(), set(["AWSCURRENT"])),
        ])
    );
    for v in resp.versions() {
        assert!(v.created_date().is_some());
        assert_eq!(v.kms_key_ids(), ["DefaultEncryptionKey".to_owned()]);
    }
    // Each version's CreatedDate is its own creation time (v2 before v3).
    let created_of = |id: &str| {
        resp.versions()
            .iter()
            .find(|v| v.version_id() == Some(id))
            .and_then(|v| v.created_date().copied())
            .expect("CreatedDate")
    };
    assert!(created_of(&ids[2]) <= created_of(&ids[3]));

    let all = all_versions(&c, &name, true, Some(1)).await;
    assert_eq!(
        all.len(),
        4,
        "IncludeDeprecated with MaxResults=1 pages through all 4"
    );
    assert_eq!(
        all.iter()
            .filter_map(|v| v.version_id().map(str::to_owned))
            .collect::<BTreeSet<_>>(),
        set(&ids)
    );
    for v in &all {
        let id = v.version_id().expect("VersionId");
        if id == ids[0] || id == ids[1] {
            assert!(
                v.version_stages.is_none(),
                "deprecated {id} must have no VersionStages key"
            );
        }
    }

    // Reading a version records LastAccessedDate on that version only.
    ok(
        c.get_secret_value()
            .secret_id(&name)
            .version_id(&ids[2])
            .send()
            .await,
        "GetSecretValue v2",
    );
    let resp = ok(
        c.list_secret_version_ids().secret_id(&name).send().await,
        "ListSecretVersionIds",
    );
    for v in resp.versions() {
        let read = v.version_id() == Some(ids[2].as_str());
        assert_eq!(
            v.last_accessed_date().is_some(),
            read,
            "LastAccessedDate only on read versions: {v:?}"
        );
    }
}

#[tokio::test]
async fn tags_add_overwrite_remove() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("tags");
    ok(
        c.create_secret()
            .name(&name)
            .secret_string("v")
            .send()
            .await,
        "CreateSecret",
    );
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert!(d.tags.is_none(), "Tags absent before the first tagging");

    ok(
        c.tag_resource()
            .secret_id(&name)
            .tags(tag("a", "1"))
            .tags(tag("b", "2"))
            .send()
            .await,
        "TagResource",
    );
    ok(
        c.tag_resource()
            .secret_id(&name)
            .tags(tag("c", "3"))
            .tags(tag("a", "10"))
            .send()
            .await,
        "TagResource overwrite + append",
    );
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert_eq!(
        tag_pairs(d.tags()),
        vec![
            ("a".into(), "10".into()),
            ("b".into(), "2".into()),
            ("c".into(), "3".into())
        ]
    );

    // Untagging a missing key is a no-op.
    ok(
        c.untag_resource()
            .secret_id(&name)
            .tag_keys("a")
            .tag_keys("missing")
            .send()
            .await,
        "UntagResource",
    );
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert_eq!(
        tag_pairs(d.tags()),
        vec![("b".into(), "2".into()), ("c".into(), "3".into())]
    );

    ok(
        c.untag_resource()
            .secret_id(&name)
            .tag_keys("b")
            .tag_keys("c")
            .send()
            .await,
        "UntagResource all",
    );
    let d = ok(
        c.describe_secret().secret_id(&name).send().await,
        "Describe",
    );
    assert_eq!(
        d.tags.as_deref(),
        Some(&[][..]),
        "Tags becomes [] (not absent) after removing all"
    );

    // An empty tag value is allowed (Value 0–256); a 50-tag set is allowed.
    let name2 = unique("tags50");
    let mut req = c.create_secret().name(&name2).secret_string("v");
    for i in 0..50 {
        req = req.tags(tag(&format!("k{i:02}"), if i == 0 { "" } else { "v" }));
    }
    ok(req.send().await, "CreateSecret with 50 tags");
    let d = ok(
        c.describe_secret().secret_id(&name2).send().await,
        "Describe",
    );
    assert_eq!(d.tags().len(), 50);
    // Overwriting an existing key keeps the count at 50.
    ok(
        c.tag_resource()
            .secret_id(&name2)
            .tags(tag("k01", "changed"))
            .send()
            .await,
        "TagResource overwrite at 50",
    );
}

#[tokio::test]
async fn get_random_password_options() {
    let sr = Strongroom::start();
    let c = sr.client();
    const PUNCT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

    let p = ok(c.get_random_password().send().await, "GetRandomPassword");
    let pw = p.random_password().expect("RandomPassword").to_owned();
    assert_eq!(pw.chars().count(), 32, "default length is 32");
    assert!(pw.chars().any(|ch| ch.is_ascii_lowercase()), "{pw}");
    assert!(pw.chars().any(|ch| ch.is_ascii_uppercase()), "{pw}");
    assert!(pw.chars().any(|ch| ch.is_ascii_digit()), "{pw}");
    assert!(pw.chars().any(|ch| PUNCT.contains(ch)), "{pw}");
    assert!(!pw.contains(' '), "no space by default");
    assert!(
        pw.chars()
            .all(|ch| ch.is_ascii_alphanumeric() || PUNCT.contains(ch))
    );
    let p2 = ok(c.get_random_password().send().await, "GetRandomPassword");
    assert_ne!(
        p2.random_password(),
        Some(pw.as_str()),
        "passwords are random"
    );

    let excluded = "xyzDje@?!.";
    let p = ok(
        c.get_random_password()
            .password_length(120)
            .exclude_characters(excluded)
            .send()
            .await,
        "GetRandomPassword exclude",
    );
    let pw = p.random_password().expect("RandomPassword");
    assert_eq!(
        pw.chars().count(),
        120,
        "exact length kept with ExcludeCharacters"
    );
    assert!(!pw.chars().any(|ch| excluded.contains(ch)), "{pw}");

    let p = ok(
        c.get_random_password()
            .password_length(64)
            .exclude_numbers(true)
            .exclude_punctuation(true)
            .exclude_uppercase(true)
            .send()
            .await,
        "GetRandomPassword lowercase only",
    );
    let pw = p.random_password().expect("RandomPassword");
    assert_eq!(pw.len(), 64);
    assert!(pw.chars().all(|ch| ch.is_ascii_lowercase()), "{pw}");

    let p = ok(
        c.get_random_password()
            .password_length(40)
            .exclude_lowercase(true)
            .exclude_uppercase(true)
            .exclude_punctuation(true)
            .send()
            .await,
        "GetRandomPassword digits only",
    );
    let pw = p.random_password().expect("RandomPassword");
    assert_eq!(pw.len(), 40);
    assert!(pw.chars().all(|ch| ch.is_ascii_digit()), "{pw}");

    let p = ok(
        c.get_random_password()
            .password_length(4096)
            .include_space(true)
            .require_each_included_type(false)
            .send()
            .await,
        "GetRandomPassword max length with space",
    );
    let pw = p.random_password().expect("RandomPassword");
    assert_eq!(pw.chars().count(), 4096);
    assert!(
        pw.chars()
            .all(|ch| ch == ' ' || ch.is_ascii_alphanumeric() || PUNCT.contains(ch))
    );

    let p = ok(
        c.get_random_password().password_length(4).send().await,
        "GetRandomPassword length 4 requiring each type",
    );
    let pw = p.random_password().expect("RandomPassword");
    assert_eq!(pw.len(), 4);
    assert!(pw.chars().any(|ch| ch.is_ascii_lowercase()), "{pw}");
    assert!(pw.chars().any(|ch| ch.is_ascii_uppercase()), "{pw}");
    assert!(pw.chars().any(|ch| ch.is_ascii_digit()), "{pw}");
    assert!(pw.chars().any(|ch| PUNCT.contains(ch)), "{pw}");

    for bad in [0, 4097] {
        expect_one_of(
            c.get_random_password().password_length(bad).send().await,
            CONSTRAINT_CODES,
        );
    }
}

#[tokio::test]
async fn batch_get_secret_value_by_ids_and_filters() {
    let sr = Strongroom::start();
    let c = sr.client();
    let a = ok(
        c.create_secret()
            .name("batch/a")
            .secret_string("A")
            .send()
            .await,
        "create a",
    );
    ok(
        c.create_secret()
            .name("batch/b")
            .secret_binary(Blob::new(vec![0u8, 1, 2, 255]))
            .send()
            .await,
        "create b",
    );
    ok(
        c.create_secret()
            .name("batch/c")
            .secret_string("C")
            .send()
            .await,
        "create c",
    );
    ok(
        c.create_secret()
            .name("other/d")
            .secret_string("D")
            .send()
            .await,
        "create d",
    );
    ok(
        c.create_secret()
            .name("batch/gone")
            .secret_string("G")
            .send()
            .await,
        "create gone",
    );
    ok(
        c.delete_secret().secret_id("batch/gone").send().await,
        "schedule gone",
    );

    let arn_a = a.arn().expect("ARN").to_owned();
    let resp = ok(
        c.batch_get_secret_value()
            .secret_id_list(&arn_a)
            .secret_id_list("batch/b")
            .secret_id_list("batch/missing")
            .secret_id_list("batch/gone")
            .send()
            .await,
        "BatchGetSecretValue ids",
    );
    let values: BTreeMap<String, _> = resp
        .secret_values()
        .iter()
        .map(|v| (v.name().expect("Name").to_owned(), v))
        .collect();
    assert_eq!(
        values.keys().cloned().collect::<BTreeSet<_>>(),
        set(["batch/a", "batch/b"])
    );
    let va = values["batch/a"];
    assert_eq!(va.arn(), Some(arn_a.as_str()));
    assert_eq!(va.secret_string(), Some("A"));
    assert_eq!(va.version_id(), a.version_id());
    assert_eq!(set(va.version_stages()), set(["AWSCURRENT"]));
    assert!(va.created_date().is_some());
    let vb = values["batch/b"];
    assert_eq!(
        vb.secret_binary().map(|b| b.as_ref().to_vec()),
        Some(vec![0u8, 1, 2, 255])
    );
    assert!(vb.secret_string().is_none());

    let errors: BTreeMap<String, _> = resp
        .errors()
        .iter()
        .map(|e| (e.secret_id().expect("Errors[].SecretId").to_owned(), e))
        .collect();
    assert_eq!(
        errors.keys().cloned().collect::<BTreeSet<_>>(),
        set(["batch/missing", "batch/gone"]),
        "missing and deleted secrets go to Errors: {:?}",
        resp.errors()
    );
    assert_eq!(
        errors["batch/missing"].error_code(),
        Some("ResourceNotFoundException")
    );
    assert!(errors["batch/missing"].message().is_some());
    assert!(errors["batch/gone"].error_code().is_some());

    // Filters, with paging.
    let mut names = Vec::new();
    let mut next: Option<String> = None;
    for _ in 0..20 {
        let mut req = c
            .batch_get_secret_value()
            .filters(filter(FilterNameStringType::Name, &["batch/"]))
            .max_results(1);
        if let Some(t) = &next {
            req = req.next_token(t);
        }
        let resp = ok(req.send().await, "BatchGetSecretValue filters");
        assert!(resp.secret_values().len() <= 1);
        for v in resp.secret_values() {
            assert!(v.secret_string().is_some() || v.secret_binary().is_some());
            names.push(v.name().expect("Name").to_owned());
        }
        match resp.next_token() {
            Some(t) => next = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(names.len(), 3, "no duplicates: {names:?}");
    assert_eq!(set(&names), set(["batch/a", "batch/b", "batch/c"]));
}

#[tokio::test]
async fn binary_secrets_round_trip() {
    let sr = Strongroom::start();
    let c = sr.client();
    let name = unique("binary");
    let b1: Vec<u8> = vec![0x00, 0xff, 0xfe, 0x80, 0x7f, 0x0a, 0xc3, 0x28, 0x00];
    let b2: Vec<u8> = (0u8..=255).collect();
    let b3: Vec<u8> = vec![0xde, 0xad, 0xbe, 0xef];

    let created = ok(
        c.create_secret()
            .name(&name)
            .secret_binary(Blob::new(b1.clone()))
            .send()
            .await,
        "CreateSecret binary",
    );
    let v1 = created.version_id().expect("VersionId").to_owned();
    let g = ok(c.get_secret_value().secret_id(&name).send().await, "Get");
    assert_eq!(
        g.secret_binary().map(|b| b.as_ref().to_vec()),
        Some(b1.clone())
    );
    assert!(g.secret_string().is_none());

    ok(
        c.put_secret_value()
            .secret_id(&name)
            .secret_binary(Blob::new(b2.clone()))
            .send()
            .await,
        "Put binary",
    );
    let g = ok(c.get_secret_value().secret_id(&name).send().await, "Get");
    assert_eq!(
        g.secret_binary().map(|b| b.as_ref().to_vec()),
        Some(b2.clone())
    );

    let u = ok(
        c.update_secret()
            .secret_id(&name)
            .secret_binary(Blob::new(b3.clone()))
            .send()
            .await,
        "Update binary",
    );
    assert!(u.version_id().is_some());
    let g = ok(c.get_secret_value().secret_id(&name).send().await, "Get");
    assert_eq!(g.secret_binary().map(|b| b.as_ref().to_vec()), Some(b3));

    let g = ok(
        c.get_secret_value()
            .secret_id(&name)
            .version_id(&v1)
            .send()
            .await,
        "Get v1",
    );
    assert_eq!(g.secret_binary().map(|b| b.as_ref().to_vec()), Some(b1));

    // Switching a binary secret to a string value works too.
    ok(
        c.put_secret_value()
            .secret_id(&name)
            .secret_string("now text")
            .send()
            .await,
        "Put string",
    );
    let g = ok(c.get_secret_value().secret_id(&name).send().await, "Get");
    assert_eq!(g.secret_string(), Some("now text"));
    assert!(g.secret_binary().is_none());
}
