//! CreateRole, GetRole, ListRoles, DeleteRole, UpdateAssumeRolePolicy,
//! UpdateRole, UpdateRoleDescription and the role tag operations.

mod common;

use common::*;
use strongroom_iam::*;

fn tag(k: &str, v: &str) -> Tag {
    Tag {
        key: k.into(),
        value: v.into(),
    }
}

/// A trust policy with a Resource, which trust policies must not have.
const TRUST_WITH_RESOURCE: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Resource":"*"}]}"#;

fn role_input(name: &str) -> CreateRoleInput {
    CreateRoleInput {
        role_name: name.into(),
        assume_role_policy_document: TRUST_ACCOUNT.into(),
        ..Default::default()
    }
}

/// A trust policy with `n` principals, to pass the 2048-character quota.
fn trust_with_principals(n: usize) -> String {
    let principals: Vec<String> = (0..n)
        .map(|i| format!("\"arn:aws:iam::123456789012:user/user{i:04}\""))
        .collect();
    format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":[{}]}},"Action":"sts:AssumeRole"}}]}}"#,
        principals.join(",")
    )
}

#[tokio::test]
async fn create_role_and_get_it() {
    let env = env().await;
    let role = env
        .iam
        .create_role(
            ACCOUNT,
            CreateRoleInput {
                path: Some("/service/".into()),
                description: Some("Deploys things".into()),
                max_session_duration: Some(7200),
                tags: vec![tag("team", "ops")],
                ..role_input("Deployer")
            },
        )
        .await
        .expect("create");
    assert_eq!(role.arn, "arn:aws:iam::123456789012:role/service/Deployer");
    assert!(role.role_id.starts_with("AROA") && role.role_id.len() == 20);
    assert_eq!(role.assume_role_policy_document, TRUST_ACCOUNT);
    assert_eq!(role.description.as_deref(), Some("Deploys things"));
    assert_eq!(role.max_session_duration, 7200);
    assert_eq!(role.create_date, START);
    let got = env
        .iam
        .get_role(
            ACCOUNT,
            GetRoleInput {
                role_name: "deployer".into(),
            },
        )
        .await
        .expect("get");
    assert_eq!(got, role);

    // Defaults: path "/", an hour, no description.
    let plain = env
        .iam
        .create_role(ACCOUNT, role_input("plain"))
        .await
        .expect("create");
    assert_eq!(plain.max_session_duration, 3600);
    assert_eq!(plain.path, "/");
    assert_eq!(plain.description, None);

    assert_iam_error(
        env.iam.create_role(ACCOUNT, role_input("PLAIN")).await,
        "EntityAlreadyExists",
        "Role with name PLAIN already exists.",
    );
    assert_iam_error(
        env.iam
            .get_role(
                ACCOUNT,
                GetRoleInput {
                    role_name: "nope".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
}

#[tokio::test]
async fn create_role_validates_input_and_the_trust_policy() {
    let env = env().await;
    assert_iam_error(
        env.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    max_session_duration: Some(3599),
                    ..role_input("r")
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value '3599' at 'maxSessionDuration' failed to satisfy constraint: Member must have value greater than or equal to 3600",
    );
    assert_iam_error(
        env.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    max_session_duration: Some(43_201),
                    ..role_input("r")
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value '43201' at 'maxSessionDuration' failed to satisfy constraint: Member must have value less than or equal to 43200",
    );
    assert_iam_error(
        env.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    description: Some("tab\u{7F}".into()),
                    ..role_input("r")
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value 'tab\u{7F}' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
    );
    assert_iam_error(
        env.iam
            .create_role(ACCOUNT, role_input(&"r".repeat(65)))
            .await,
        "ValidationError",
        &format!(
            "1 validation error detected: Value '{}' at 'roleName' failed to satisfy constraint: Member must have length less than or equal to 64",
            "r".repeat(65)
        ),
    );
    // A trust policy must name principals, and no resource.
    assert_iam_error(
        env.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    assume_role_policy_document: READ_SECRETS.into(),
                    ..role_input("r")
                },
            )
            .await,
        "MalformedPolicyDocument",
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: The passed in policy has a statement with no principals!",
    );
    assert_iam_error(
        env.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    assume_role_policy_document: TRUST_WITH_RESOURCE.into(),
                    ..role_input("r")
                },
            )
            .await,
        "MalformedPolicyDocument",
        "Has prohibited field Resource",
    );
    assert_iam_error(
        env.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    assume_role_policy_document: "{".into(),
                    ..role_input("r")
                },
            )
            .await,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    );
    // At most 2048 characters without white space.
    let big = trust_with_principals(60);
    assert!(size(&big) > 2048);
    assert_iam_error(
        env.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    assume_role_policy_document: big,
                    ..role_input("r")
                },
            )
            .await,
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
    );
    assert!(
        env.iam
            .list_roles(ACCOUNT, ListRolesInput::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn update_assume_role_policy_replaces_the_trust_policy() {
    let env = env().await;
    env.iam
        .create_role(ACCOUNT, role_input("r"))
        .await
        .expect("create");
    let new_trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    env.iam
        .update_assume_role_policy(
            ACCOUNT,
            UpdateAssumeRolePolicyInput {
                role_name: "R".into(),
                policy_document: new_trust.into(),
            },
        )
        .await
        .expect("update");
    let role = env
        .iam
        .get_role(
            ACCOUNT,
            GetRoleInput {
                role_name: "r".into(),
            },
        )
        .await
        .expect("get");
    assert_eq!(role.assume_role_policy_document, new_trust);

    assert_iam_error(
        env.iam
            .update_assume_role_policy(
                ACCOUNT,
                UpdateAssumeRolePolicyInput {
                    role_name: "nope".into(),
                    policy_document: new_trust.into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
    assert_iam_error(
        env.iam
            .update_assume_role_policy(
                ACCOUNT,
                UpdateAssumeRolePolicyInput {
                    role_name: "r".into(),
                    policy_document: TRUST_WITH_RESOURCE.into(),
                },
            )
            .await,
        "MalformedPolicyDocument",
        "Has prohibited field Resource",
    );
    assert_iam_error(
        env.iam
            .update_assume_role_policy(
                ACCOUNT,
                UpdateAssumeRolePolicyInput {
                    role_name: "r".into(),
                    policy_document: trust_with_principals(60),
                },
            )
            .await,
        "LimitExceeded",
        "Cannot exceed quota for ACLSizePerRole: 2048",
    );
    assert_iam_error(
        env.iam
            .update_assume_role_policy(
                ACCOUNT,
                UpdateAssumeRolePolicyInput {
                    role_name: "r".into(),
                    policy_document: String::new(),
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value '' at 'policyDocument' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    let role = env
        .iam
        .get_role(
            ACCOUNT,
            GetRoleInput {
                role_name: "r".into(),
            },
        )
        .await
        .expect("get");
    assert_eq!(
        role.assume_role_policy_document, new_trust,
        "refused updates change nothing"
    );
}

#[tokio::test]
async fn list_roles_pages_by_name() {
    let env = env().await;
    for (name, path) in [("b", "/x/"), ("A", "/"), ("c", "/x/y/")] {
        env.iam
            .create_role(
                ACCOUNT,
                CreateRoleInput {
                    path: Some(path.into()),
                    ..role_input(name)
                },
            )
            .await
            .expect("create");
    }
    let names = |p: &Page<Role>| {
        p.items
            .iter()
            .map(|r| r.role_name.clone())
            .collect::<Vec<_>>()
    };
    let first = env
        .iam
        .list_roles(
            ACCOUNT,
            ListRolesInput {
                max_items: Some(2),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(names(&first), ["A", "b"]);
    assert_eq!(first.marker.as_deref(), Some("b"));
    assert_eq!(first.items[0].assume_role_policy_document, TRUST_ACCOUNT);
    let rest = env
        .iam
        .list_roles(
            ACCOUNT,
            ListRolesInput {
                max_items: Some(2),
                marker: first.marker,
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(names(&rest), ["c"]);
    let x = env
        .iam
        .list_roles(
            ACCOUNT,
            ListRolesInput {
                path_prefix: Some("/x/".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(names(&x), ["b", "c"]);
    assert!(
        env.iam
            .list_roles(OTHER, ListRolesInput::default())
            .await
            .expect("list")
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn delete_role_refuses_while_it_has_policies() {
    let env = env().await;
    env.iam
        .create_role(
            ACCOUNT,
            CreateRoleInput {
                tags: vec![tag("a", "b")],
                ..role_input("r")
            },
        )
        .await
        .expect("create");
    let delete = || {
        env.iam.delete_role(
            ACCOUNT,
            DeleteRoleInput {
                role_name: "r".into(),
            },
        )
    };
    env.iam
        .put_role_policy(
            ACCOUNT,
            PutInlinePolicyInput {
                holder_name: "r".into(),
                policy_name: "p".into(),
                policy_document: READ_SECRETS.into(),
            },
        )
        .await
        .expect("inline");
    assert_iam_error(
        delete().await,
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
    );
    env.iam
        .delete_role_policy(
            ACCOUNT,
            InlinePolicyInput {
                holder_name: "r".into(),
                policy_name: "p".into(),
            },
        )
        .await
        .expect("delete inline");
    let attach = AttachPolicyInput {
        holder_name: "r".into(),
        policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
    };
    env.iam
        .attach_role_policy(ACCOUNT, attach.clone())
        .await
        .expect("attach");
    assert_iam_error(
        delete().await,
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    );
    env.iam
        .detach_role_policy(ACCOUNT, attach)
        .await
        .expect("detach");
    delete().await.expect("delete");
    assert_iam_error(
        delete().await,
        "NoSuchEntity",
        "The role with name r cannot be found.",
    );
    // Recreated, it starts without the old tags.
    let again = env
        .iam
        .create_role(ACCOUNT, role_input("r"))
        .await
        .expect("create");
    assert!(
        env.iam
            .get_role(
                ACCOUNT,
                GetRoleInput {
                    role_name: "r".into()
                }
            )
            .await
            .expect("get")
            .tags
            .is_empty()
    );
    assert!(again.tags.is_empty());
}

#[tokio::test]
async fn role_tags() {
    let env = env().await;
    env.iam
        .create_role(ACCOUNT, role_input("r"))
        .await
        .expect("create");
    env.iam
        .tag_role(
            ACCOUNT,
            TagRoleInput {
                role_name: "r".into(),
                tags: vec![tag("b", "1"), tag("a", "2")],
            },
        )
        .await
        .expect("tag");
    env.iam
        .tag_role(
            ACCOUNT,
            TagRoleInput {
                role_name: "r".into(),
                tags: vec![tag("B", "3")],
            },
        )
        .await
        .expect("tag");
    let listed = env
        .iam
        .list_role_tags(
            ACCOUNT,
            ListRoleTagsInput {
                role_name: "r".into(),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(listed.items, vec![tag("a", "2"), tag("B", "3")]);
    env.iam
        .untag_role(
            ACCOUNT,
            UntagRoleInput {
                role_name: "r".into(),
                tag_keys: vec!["A".into()],
            },
        )
        .await
        .expect("untag");
    let role = env
        .iam
        .get_role(
            ACCOUNT,
            GetRoleInput {
                role_name: "r".into(),
            },
        )
        .await
        .expect("get");
    assert_eq!(role.tags, vec![tag("B", "3")]);

    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("t{i}"), "")).collect();
    assert_iam_error(
        env.iam
            .tag_role(
                ACCOUNT,
                TagRoleInput {
                    role_name: "r".into(),
                    tags: fifty,
                },
            )
            .await,
        "LimitExceeded",
        "The number of tags has reached the maximum limit.",
    );
    assert_iam_error(
        env.iam
            .tag_role(
                ACCOUNT,
                TagRoleInput {
                    role_name: "nope".into(),
                    tags: vec![tag("a", "b")],
                },
            )
            .await,
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
    assert_iam_error(
        env.iam
            .untag_role(
                ACCOUNT,
                UntagRoleInput {
                    role_name: "nope".into(),
                    tag_keys: vec!["a".into()],
                },
            )
            .await,
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
    assert_iam_error(
        env.iam
            .list_role_tags(
                ACCOUNT,
                ListRoleTagsInput {
                    role_name: "nope".into(),
                    ..Default::default()
                },
            )
            .await,
        "NoSuchEntity",
        "The role with name nope cannot be found.",
    );
    let too_many: Vec<Tag> = (0..51).map(|i| tag(&format!("t{i}"), "")).collect();
    let err = env
        .iam
        .tag_role(
            ACCOUNT,
            TagRoleInput {
                role_name: "r".into(),
                tags: too_many,
            },
        )
        .await;
    assert!(
        matches!(&err, Err(e) if e.code() == "ValidationError" && e.to_string().contains("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50")),
        "{err:?}"
    );
}

async fn get_role(env: &Env, name: &str) -> Role {
    env.iam
        .get_role(
            ACCOUNT,
            GetRoleInput {
                role_name: name.into(),
            },
        )
        .await
        .expect("get role")
}

#[tokio::test]
async fn update_role_sets_what_it_is_given_and_keeps_the_rest() {
    let env = env().await;
    env.iam
        .create_role(
            ACCOUNT,
            CreateRoleInput {
                description: Some("first".into()),
                tags: vec![tag("team", "ops")],
                ..role_input("deployer")
            },
        )
        .await
        .expect("create");
    env.iam
        .update_role(
            ACCOUNT,
            UpdateRoleInput {
                role_name: "Deployer".into(),
                max_session_duration: Some(43_200),
                ..Default::default()
            },
        )
        .await
        .expect("duration only");
    let role = get_role(&env, "deployer").await;
    assert_eq!(role.max_session_duration, 43_200);
    assert_eq!(role.description.as_deref(), Some("first"));
    env.iam
        .update_role(
            ACCOUNT,
            UpdateRoleInput {
                role_name: "deployer".into(),
                description: Some("second".into()),
                ..Default::default()
            },
        )
        .await
        .expect("description only");
    let role = get_role(&env, "deployer").await;
    assert_eq!(role.description.as_deref(), Some("second"));
    assert_eq!(role.max_session_duration, 43_200);
    assert_eq!(role.tags, vec![tag("team", "ops")]);
    assert_eq!(role.assume_role_policy_document, TRUST_ACCOUNT);

    // UpdateRoleDescription answers the role as it now is, tags included.
    let described = env
        .iam
        .update_role_description(
            ACCOUNT,
            UpdateRoleDescriptionInput {
                role_name: "DEPLOYER".into(),
                description: "third".into(),
            },
        )
        .await
        .expect("describe");
    assert_eq!(described.description.as_deref(), Some("third"));
    assert_eq!(described.role_name, "deployer");
    assert_eq!(described, get_role(&env, "deployer").await);
    // An empty description is a description (the model allows length 0).
    env.iam
        .update_role_description(
            ACCOUNT,
            UpdateRoleDescriptionInput {
                role_name: "deployer".into(),
                description: String::new(),
            },
        )
        .await
        .expect("empty");
    assert_eq!(
        get_role(&env, "deployer").await.description.as_deref(),
        Some("")
    );
}

#[tokio::test]
async fn update_role_errors() {
    let env = env().await;
    env.iam
        .create_role(ACCOUNT, role_input("deployer"))
        .await
        .expect("create");
    for (seconds, constraint) in [
        (3599, "greater than or equal to 3600"),
        (43_201, "less than or equal to 43200"),
    ] {
        assert_iam_error(
            env.iam
                .update_role(
                    ACCOUNT,
                    UpdateRoleInput {
                        role_name: "deployer".into(),
                        max_session_duration: Some(seconds),
                        ..Default::default()
                    },
                )
                .await,
            "ValidationError",
            &format!(
                "1 validation error detected: Value '{seconds}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value {constraint}"
            ),
        );
    }
    assert_eq!(get_role(&env, "deployer").await.max_session_duration, 3600);
    assert_iam_error(
        env.iam
            .update_role(
                ACCOUNT,
                UpdateRoleInput {
                    role_name: "nobody".into(),
                    max_session_duration: Some(7200),
                    ..Default::default()
                },
            )
            .await,
        "NoSuchEntity",
        "The role with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .update_role_description(
                OTHER,
                UpdateRoleDescriptionInput {
                    role_name: "deployer".into(),
                    description: "x".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The role with name deployer cannot be found.",
    );
    let long = "d".repeat(1001);
    assert_iam_error(
        env.iam
            .update_role_description(
                ACCOUNT,
                UpdateRoleDescriptionInput {
                    role_name: "deployer".into(),
                    description: long.clone(),
                },
            )
            .await,
        "ValidationError",
        &format!(
            "1 validation error detected: Value '{long}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000"
        ),
    );
    assert_iam_error(
        env.iam
            .update_role(
                ACCOUNT,
                UpdateRoleInput {
                    role_name: "deployer".into(),
                    description: Some("emoji \u{1F600}".into()),
                    ..Default::default()
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value 'emoji \u{1F600}' at 'description' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u00A1-\\u00FF]*",
    );
}
