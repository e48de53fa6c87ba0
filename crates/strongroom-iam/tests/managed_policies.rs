//! CreatePolicy, GetPolicy, GetPolicyVersion, ListPolicies, DeletePolicy,
//! CreatePolicyVersion, SetDefaultPolicyVersion, ListPolicyVersions,
//! DeletePolicyVersion, Tag/Untag/ListPolicyTags, and Attach/Detach/
//! ListAttached {User,Group,Role}Policies.

mod common;

use common::*;
use strongroom_domain::iam::{ADMINISTRATOR_ACCESS, SECRETS_MANAGER_READ_WRITE};
use strongroom_iam::*;

const ADMIN_ARN: &str = "arn:aws:iam::aws:policy/AdministratorAccess";
const SMRW_ARN: &str = "arn:aws:iam::aws:policy/SecretsManagerReadWrite";

fn create(name: &str) -> CreatePolicyInput {
    CreatePolicyInput {
        policy_name: name.into(),
        policy_document: READ_SECRETS.into(),
        ..Default::default()
    }
}

fn arn(policy_arn: &str) -> PolicyArnInput {
    PolicyArnInput {
        policy_arn: policy_arn.into(),
    }
}

fn attach(holder: &str, policy_arn: &str) -> AttachPolicyInput {
    AttachPolicyInput {
        holder_name: holder.into(),
        policy_arn: policy_arn.into(),
    }
}

fn new_version(policy_arn: &str, set_as_default: bool) -> CreatePolicyVersionInput {
    CreatePolicyVersionInput {
        policy_arn: policy_arn.into(),
        policy_document: document_with_sid(2),
        set_as_default,
    }
}

async fn user(env: &Env, name: &str) {
    env.iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: name.into(),
                ..Default::default()
            },
        )
        .await
        .expect("user");
}

#[tokio::test]
async fn create_policy_and_get_it() {
    let env = env().await;
    let created = env
        .iam
        .create_policy(
            ACCOUNT,
            CreatePolicyInput {
                path: Some("/team/".into()),
                description: Some("reads".into()),
                tags: vec![Tag {
                    key: "k".into(),
                    value: "v".into(),
                }],
                ..create("Reader")
            },
        )
        .await
        .expect("create");
    assert_eq!(created.arn, "arn:aws:iam::123456789012:policy/team/Reader");
    assert!(created.policy_id.starts_with("ANPA") && created.policy_id.len() == 20);
    assert_eq!(created.default_version_id, "v1");
    assert_eq!(
        (
            created.attachment_count,
            created.permissions_boundary_usage_count
        ),
        (0, 0)
    );
    assert!(created.is_attachable);
    assert_eq!((created.create_date, created.update_date), (START, START));
    let got = env
        .iam
        .get_policy(ACCOUNT, arn(&created.arn))
        .await
        .expect("get");
    assert_eq!(got, created);
    let v1 = env
        .iam
        .get_policy_version(
            ACCOUNT,
            GetPolicyVersionInput {
                policy_arn: created.arn.clone(),
                version_id: "v1".into(),
            },
        )
        .await
        .expect("v1");
    assert_eq!(
        v1,
        PolicyVersion {
            document: READ_SECRETS.into(),
            version_id: "v1".into(),
            is_default_version: true,
            create_date: START
        }
    );

    // Names are unique per account regardless of case and path.
    assert_iam_error(
        env.iam
            .create_policy(
                ACCOUNT,
                CreatePolicyInput {
                    path: Some("/other/".into()),
                    ..create("READER")
                },
            )
            .await,
        "EntityAlreadyExists",
        "A policy called READER already exists. Duplicate names are not allowed.",
    );
    // Another account cannot see it.
    assert_iam_error(
        env.iam.get_policy(OTHER, arn(&created.arn)).await,
        "NoSuchEntity",
        "Policy arn:aws:iam::123456789012:policy/team/Reader was not found.",
    );
}

#[tokio::test]
async fn create_policy_validates_the_document() {
    let env = env().await;
    assert_iam_error(
        env.iam
            .create_policy(
                ACCOUNT,
                CreatePolicyInput {
                    policy_document:
                        r#"{"Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#
                            .into(),
                    ..create("p")
                },
            )
            .await,
        "MalformedPolicyDocument",
        "Policy document must be version 2012-10-17 or greater.",
    );
    assert_iam_error(
        env.iam
            .create_policy(
                ACCOUNT,
                CreatePolicyInput {
                    policy_document: TRUST_ACCOUNT.into(),
                    ..create("p")
                },
            )
            .await,
        "MalformedPolicyDocument",
        "Policy document should not specify a principal.",
    );
    let base = size(&document_with_sid(0));
    let big = document_with_sid(6145 - base);
    assert_eq!(size(&big), 6145);
    assert_iam_error(
        env.iam
            .create_policy(
                ACCOUNT,
                CreatePolicyInput {
                    policy_document: big,
                    ..create("p")
                },
            )
            .await,
        "LimitExceeded",
        "Cannot exceed quota for PolicySize: 6144",
    );
    env.iam
        .create_policy(
            ACCOUNT,
            CreatePolicyInput {
                policy_document: document_with_sid(6144 - base),
                ..create("p")
            },
        )
        .await
        .expect("exactly 6144 is fine");
    assert_iam_error(
        env.iam
            .create_policy(
                ACCOUNT,
                CreatePolicyInput {
                    path: Some("/a//b/".into()),
                    ..create("q")
                },
            )
            .await,
        "ValidationError",
        r"1 validation error detected: Value '/a//b/' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: ((/[A-Za-z0-9\.,\+@=_-]+)*)/",
    );
    assert_iam_error(
        env.iam
            .create_policy(
                ACCOUNT,
                CreatePolicyInput {
                    description: Some("d".repeat(1001)),
                    ..create("q")
                },
            )
            .await,
        "ValidationError",
        &format!(
            "1 validation error detected: Value '{}' at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000",
            "d".repeat(1001)
        ),
    );
}

#[tokio::test]
async fn aws_managed_policies_exist_in_every_account_and_cannot_be_changed() {
    let env = env().await;
    for account in [ACCOUNT, OTHER] {
        let admin = env
            .iam
            .get_policy(account, arn(ADMIN_ARN))
            .await
            .expect("AdministratorAccess");
        assert_eq!(admin.policy_name, "AdministratorAccess");
        assert_eq!(
            admin.description.as_deref(),
            Some(ADMINISTRATOR_ACCESS.description)
        );
        let smrw = env
            .iam
            .get_policy(account, arn(SMRW_ARN))
            .await
            .expect("SecretsManagerReadWrite");
        assert_eq!(
            smrw.default_version_id,
            format!("v{}", SECRETS_MANAGER_READ_WRITE.version)
        );
        let doc = env
            .iam
            .get_policy_version(
                account,
                GetPolicyVersionInput {
                    policy_arn: SMRW_ARN.into(),
                    version_id: smrw.default_version_id,
                },
            )
            .await
            .expect("document");
        assert_eq!(doc.document, SECRETS_MANAGER_READ_WRITE.document);
        assert!(doc.document.contains("\"secretsmanager:*\""));
    }
    let refused = "Policy arn:aws:iam::aws:policy/AdministratorAccess is an AWS managed policy and cannot be changed or deleted.";
    assert_iam_error(
        env.iam.delete_policy(ACCOUNT, arn(ADMIN_ARN)).await,
        "AccessDenied",
        refused,
    );
    assert_iam_error(
        env.iam
            .create_policy_version(ACCOUNT, new_version(ADMIN_ARN, true))
            .await,
        "AccessDenied",
        refused,
    );
    assert_iam_error(
        env.iam
            .set_default_policy_version(
                ACCOUNT,
                SetDefaultPolicyVersionInput {
                    policy_arn: ADMIN_ARN.into(),
                    version_id: "v1".into(),
                },
            )
            .await,
        "AccessDenied",
        refused,
    );
    assert_iam_error(
        env.iam
            .get_policy(ACCOUNT, arn("arn:aws:iam::aws:policy/NoSuchPolicy"))
            .await,
        "NoSuchEntity",
        "Policy arn:aws:iam::aws:policy/NoSuchPolicy was not found.",
    );
    assert_iam_error(
        env.iam
            .get_policy(ACCOUNT, arn("AdministratorAccess-but-no-arn"))
            .await,
        "InvalidInput",
        "ARN AdministratorAccess-but-no-arn is not valid.",
    );
    assert_iam_error(
        env.iam.get_policy(ACCOUNT, arn("short")).await,
        "ValidationError",
        "1 validation error detected: Value 'short' at 'policyArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
    );
}

#[tokio::test]
async fn policy_versions_up_to_five_never_reusing_ids() {
    let env = env().await;
    let policy = env
        .iam
        .create_policy(ACCOUNT, create("p"))
        .await
        .expect("create");
    env.clock.advance(1000);
    let v2 = env
        .iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, false))
        .await
        .expect("v2");
    assert_eq!(
        (v2.version_id.as_str(), v2.is_default_version),
        ("v2", false)
    );
    assert_eq!(v2.create_date, Timestamp(START.0 + 1000));
    let v3 = env
        .iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, true))
        .await
        .expect("v3");
    assert!(v3.is_default_version);
    let got = env
        .iam
        .get_policy(ACCOUNT, arn(&policy.arn))
        .await
        .expect("get");
    assert_eq!(got.default_version_id, "v3");
    assert_eq!(got.update_date, Timestamp(START.0 + 1000));
    let version = |v: &str| {
        env.iam.get_policy_version(
            ACCOUNT,
            GetPolicyVersionInput {
                policy_arn: policy.arn.clone(),
                version_id: v.into(),
            },
        )
    };
    assert!(!version("v1").await.expect("v1").is_default_version);

    env.iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, false))
        .await
        .expect("v4");
    env.iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, false))
        .await
        .expect("v5");
    assert_iam_error(
        env.iam
            .create_policy_version(ACCOUNT, new_version(&policy.arn, true))
            .await,
        "LimitExceeded",
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
    );
    assert_eq!(
        env.iam
            .get_policy(ACCOUNT, arn(&policy.arn))
            .await
            .expect("get")
            .default_version_id,
        "v3"
    );

    env.iam
        .set_default_policy_version(
            ACCOUNT,
            SetDefaultPolicyVersionInput {
                policy_arn: policy.arn.clone(),
                version_id: "v1".into(),
            },
        )
        .await
        .expect("back to v1");
    assert!(version("v1").await.expect("v1").is_default_version);
    assert_iam_error(
        env.iam
            .set_default_policy_version(
                ACCOUNT,
                SetDefaultPolicyVersionInput {
                    policy_arn: policy.arn.clone(),
                    version_id: "v9".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "Policy arn:aws:iam::123456789012:policy/p version v9 does not exist or is not attachable.",
    );
    assert_iam_error(
        version("v6").await,
        "NoSuchEntity",
        "Policy arn:aws:iam::123456789012:policy/p version v6 does not exist or is not attachable.",
    );
    assert_iam_error(
        version("1").await,
        "ValidationError",
        r"1 validation error detected: Value '1' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\.[A-Za-z0-9-]*)?",
    );
    assert_iam_error(
        env.iam
            .create_policy_version(
                ACCOUNT,
                new_version("arn:aws:iam::123456789012:policy/nope", false),
            )
            .await,
        "NoSuchEntity",
        "Policy arn:aws:iam::123456789012:policy/nope was not found.",
    );
    assert_iam_error(
        env.iam
            .create_policy_version(
                ACCOUNT,
                CreatePolicyVersionInput {
                    policy_document: "[]".into(),
                    ..new_version(&policy.arn, false)
                },
            )
            .await,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    );
}

#[tokio::test]
async fn delete_policy_refuses_while_attached_or_versioned() {
    let env = env().await;
    user(&env, "bob").await;
    let policy = env
        .iam
        .create_policy(ACCOUNT, create("p"))
        .await
        .expect("create");
    env.iam
        .attach_user_policy(ACCOUNT, attach("bob", &policy.arn))
        .await
        .expect("attach");
    assert_iam_error(
        env.iam.delete_policy(ACCOUNT, arn(&policy.arn)).await,
        "DeleteConflict",
        "Cannot delete a policy attached to entities.",
    );
    env.iam
        .detach_user_policy(ACCOUNT, attach("bob", &policy.arn))
        .await
        .expect("detach");
    env.iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, true))
        .await
        .expect("v2");
    assert_iam_error(
        env.iam.delete_policy(ACCOUNT, arn(&policy.arn)).await,
        "DeleteConflict",
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
    );
    let single = env
        .iam
        .create_policy(ACCOUNT, create("single"))
        .await
        .expect("create");
    env.iam
        .delete_policy(ACCOUNT, arn(&single.arn))
        .await
        .expect("delete");
    assert_iam_error(
        env.iam.delete_policy(ACCOUNT, arn(&single.arn)).await,
        "NoSuchEntity",
        "Policy arn:aws:iam::123456789012:policy/single was not found.",
    );
    // The name is free again.
    env.iam
        .create_policy(ACCOUNT, create("single"))
        .await
        .expect("recreate");
}

#[tokio::test]
async fn list_policies_by_scope_attachment_and_path() {
    let env = env().await;
    user(&env, "bob").await;
    let mine = env
        .iam
        .create_policy(
            ACCOUNT,
            CreatePolicyInput {
                path: Some("/team/".into()),
                ..create("Mine")
            },
        )
        .await
        .expect("create");
    // Another account's policy of the same name is not listed.
    env.iam
        .create_policy(OTHER, create("Mine"))
        .await
        .expect("other");
    env.iam
        .create_policy(ACCOUNT, create("Zeta"))
        .await
        .expect("create");
    // A customer policy may share an AWS managed policy's name.
    env.iam
        .create_policy(ACCOUNT, create("AdministratorAccess"))
        .await
        .expect("create");
    env.iam
        .attach_user_policy(ACCOUNT, attach("bob", ADMIN_ARN))
        .await
        .expect("attach");
    env.iam
        .attach_user_policy(ACCOUNT, attach("bob", &mine.arn))
        .await
        .expect("attach");

    let list = |scope: Option<&str>, only_attached: bool, prefix: Option<&str>| {
        let env = &env;
        let input = ListPoliciesInput {
            scope: scope.map(Into::into),
            only_attached,
            path_prefix: prefix.map(Into::into),
            ..Default::default()
        };
        async move {
            env.iam
                .list_policies(ACCOUNT, input)
                .await
                .expect("list")
                .items
                .into_iter()
                .map(|p| (p.arn, p.attachment_count))
                .collect::<Vec<_>>()
        }
    };
    let local_admin = "arn:aws:iam::123456789012:policy/AdministratorAccess".to_owned();
    let all = list(None, false, None).await;
    assert_eq!(all.len(), 5);
    assert!(all.contains(&(ADMIN_ARN.to_owned(), 1)));
    assert!(all.contains(&(local_admin.clone(), 0)));
    assert_eq!(
        list(Some("Local"), false, None).await,
        [
            (local_admin, 0),
            (mine.arn.clone(), 1),
            ("arn:aws:iam::123456789012:policy/Zeta".to_owned(), 0)
        ]
    );
    assert_eq!(
        list(Some("AWS"), false, None).await,
        [(ADMIN_ARN.to_owned(), 1), (SMRW_ARN.to_owned(), 0)]
    );
    assert_eq!(
        list(Some("All"), true, None).await,
        [(ADMIN_ARN.to_owned(), 1), (mine.arn.clone(), 1)]
    );
    assert_eq!(
        list(None, false, Some("/team/")).await,
        [(mine.arn.clone(), 1)]
    );
    // In the other account nothing is attached.
    let other = env
        .iam
        .list_policies(
            OTHER,
            ListPoliciesInput {
                only_attached: true,
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert!(other.items.is_empty());

    // Paging walks all five without repeats.
    let mut seen = Vec::new();
    let mut marker = None;
    loop {
        let page = env
            .iam
            .list_policies(
                ACCOUNT,
                ListPoliciesInput {
                    max_items: Some(2),
                    marker: marker.clone(),
                    ..Default::default()
                },
            )
            .await
            .expect("page");
        seen.extend(page.items.into_iter().map(|p| p.arn));
        if !page.is_truncated {
            break;
        }
        marker = page.marker;
    }
    assert_eq!(seen.len(), 5);
    seen.dedup();
    assert_eq!(seen.len(), 5);

    assert_iam_error(
        env.iam
            .list_policies(
                ACCOUNT,
                ListPoliciesInput {
                    scope: Some("Mine".into()),
                    ..Default::default()
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value 'Mine' at 'scope' failed to satisfy constraint: Member must satisfy enum value set: [All, AWS, Local]",
    );
}

#[tokio::test]
async fn attach_detach_and_list_attached_policies() {
    let env = env().await;
    user(&env, "bob").await;
    env.iam
        .create_group(
            ACCOUNT,
            CreateGroupInput {
                group_name: "devs".into(),
                path: None,
            },
        )
        .await
        .expect("group");
    env.iam
        .create_role(
            ACCOUNT,
            CreateRoleInput {
                role_name: "r".into(),
                assume_role_policy_document: TRUST_ACCOUNT.into(),
                ..Default::default()
            },
        )
        .await
        .expect("role");
    let mine = env
        .iam
        .create_policy(
            ACCOUNT,
            CreatePolicyInput {
                path: Some("/team/".into()),
                ..create("Mine")
            },
        )
        .await
        .expect("p");

    env.iam
        .attach_user_policy(ACCOUNT, attach("bob", &mine.arn))
        .await
        .expect("attach");
    env.iam
        .attach_user_policy(ACCOUNT, attach("BOB", &mine.arn))
        .await
        .expect("attaching twice is a no-op");
    env.iam
        .attach_user_policy(ACCOUNT, attach("bob", ADMIN_ARN))
        .await
        .expect("attach");
    env.iam
        .attach_group_policy(ACCOUNT, attach("devs", &mine.arn))
        .await
        .expect("attach");
    env.iam
        .attach_role_policy(ACCOUNT, attach("r", SMRW_ARN))
        .await
        .expect("attach");
    assert_eq!(
        env.iam
            .get_policy(ACCOUNT, arn(&mine.arn))
            .await
            .expect("get")
            .attachment_count,
        2
    );

    let listed = |holder: &str| ListAttachedPoliciesInput {
        holder_name: holder.into(),
        ..Default::default()
    };
    let bobs = env
        .iam
        .list_attached_user_policies(ACCOUNT, listed("bob"))
        .await
        .expect("list");
    assert_eq!(
        bobs.items,
        vec![
            AttachedPolicy {
                policy_name: "AdministratorAccess".into(),
                policy_arn: ADMIN_ARN.into()
            },
            AttachedPolicy {
                policy_name: "Mine".into(),
                policy_arn: mine.arn.clone()
            },
        ]
    );
    let first = env
        .iam
        .list_attached_user_policies(
            ACCOUNT,
            ListAttachedPoliciesInput {
                max_items: Some(1),
                ..listed("bob")
            },
        )
        .await
        .expect("page");
    assert!(first.is_truncated);
    let rest = env
        .iam
        .list_attached_user_policies(
            ACCOUNT,
            ListAttachedPoliciesInput {
                max_items: Some(1),
                marker: first.marker,
                ..listed("bob")
            },
        )
        .await
        .expect("page");
    assert_eq!(rest.items[0].policy_name, "Mine");
    let team = env
        .iam
        .list_attached_user_policies(
            ACCOUNT,
            ListAttachedPoliciesInput {
                path_prefix: Some("/team/".into()),
                ..listed("bob")
            },
        )
        .await
        .expect("prefix");
    assert_eq!(team.items.len(), 1);
    assert_eq!(
        env.iam
            .list_attached_group_policies(ACCOUNT, listed("devs"))
            .await
            .expect("list")
            .items
            .len(),
        1
    );
    assert_eq!(
        env.iam
            .list_attached_role_policies(ACCOUNT, listed("r"))
            .await
            .expect("list")
            .items[0]
            .policy_arn,
        SMRW_ARN
    );

    env.iam
        .detach_user_policy(ACCOUNT, attach("bob", &mine.arn))
        .await
        .expect("detach");
    assert_iam_error(
        env.iam
            .detach_user_policy(ACCOUNT, attach("bob", &mine.arn))
            .await,
        "NoSuchEntity",
        "Policy arn:aws:iam::123456789012:policy/team/Mine was not found.",
    );
    assert_iam_error(
        env.iam
            .detach_role_policy(ACCOUNT, attach("r", "arn:aws:iam::aws:policy/Nope"))
            .await,
        "NoSuchEntity",
        "Policy arn:aws:iam::aws:policy/Nope was not found.",
    );
    env.iam
        .detach_group_policy(ACCOUNT, attach("devs", &mine.arn))
        .await
        .expect("detach");
    env.iam
        .detach_role_policy(ACCOUNT, attach("r", SMRW_ARN))
        .await
        .expect("detach");
    assert_eq!(
        env.iam
            .get_policy(ACCOUNT, arn(&mine.arn))
            .await
            .expect("get")
            .attachment_count,
        0
    );
}

#[tokio::test]
async fn attach_errors_and_the_ten_policy_quota() {
    let env = env().await;
    user(&env, "bob").await;
    let other = env
        .iam
        .create_policy(OTHER, create("theirs"))
        .await
        .expect("other account's");
    assert_iam_error(
        env.iam
            .attach_user_policy(ACCOUNT, attach("bob", &other.arn))
            .await,
        "NoSuchEntity",
        "Policy arn:aws:iam::210987654321:policy/theirs does not exist or is not attachable.",
    );
    assert_iam_error(
        env.iam
            .attach_user_policy(ACCOUNT, attach("nobody", ADMIN_ARN))
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .attach_group_policy(ACCOUNT, attach("nogroup", ADMIN_ARN))
            .await,
        "NoSuchEntity",
        "The group with name nogroup cannot be found.",
    );
    assert_iam_error(
        env.iam
            .attach_role_policy(ACCOUNT, attach("norole", ADMIN_ARN))
            .await,
        "NoSuchEntity",
        "The role with name norole cannot be found.",
    );
    assert_iam_error(
        env.iam
            .attach_user_policy(ACCOUNT, attach("bob", "not-an-arn-at-all-really"))
            .await,
        "InvalidInput",
        "ARN not-an-arn-at-all-really is not valid.",
    );
    // Attach takes userNameType: at most 64 characters.
    let long = "u".repeat(65);
    assert_iam_error(
        env.iam
            .attach_user_policy(ACCOUNT, attach(&long, ADMIN_ARN))
            .await,
        "ValidationError",
        &format!(
            "1 validation error detected: Value '{long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"
        ),
    );
    assert_iam_error(
        env.iam
            .list_attached_user_policies(
                ACCOUNT,
                ListAttachedPoliciesInput {
                    holder_name: "nobody".into(),
                    ..Default::default()
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );

    for i in 0..10 {
        let p = env
            .iam
            .create_policy(ACCOUNT, create(&format!("p{i}")))
            .await
            .expect("policy");
        env.iam
            .attach_user_policy(ACCOUNT, attach("bob", &p.arn))
            .await
            .expect("attach");
    }
    assert_iam_error(
        env.iam
            .attach_user_policy(ACCOUNT, attach("bob", ADMIN_ARN))
            .await,
        "LimitExceeded",
        "Cannot exceed quota for PoliciesPerUser: 10",
    );
    let listed = env
        .iam
        .list_attached_user_policies(
            ACCOUNT,
            ListAttachedPoliciesInput {
                holder_name: "bob".into(),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(
        listed.items.len(),
        10,
        "the refused attachment was rolled back"
    );
}

fn versions_of(policy_arn: &str) -> ListPolicyVersionsInput {
    ListPolicyVersionsInput {
        policy_arn: policy_arn.into(),
        ..Default::default()
    }
}

fn delete_version(policy_arn: &str, version_id: &str) -> DeletePolicyVersionInput {
    DeletePolicyVersionInput {
        policy_arn: policy_arn.into(),
        version_id: version_id.into(),
    }
}

fn ids(page: &Page<PolicyVersion>) -> Vec<(&str, bool)> {
    page.items
        .iter()
        .map(|v| (v.version_id.as_str(), v.is_default_version))
        .collect()
}

#[tokio::test]
async fn list_policy_versions_newest_first_and_paged() {
    let env = env().await;
    let policy = env
        .iam
        .create_policy(ACCOUNT, create("Reader"))
        .await
        .expect("create");
    env.clock.advance(1000);
    env.iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, true))
        .await
        .expect("v2");
    env.iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, false))
        .await
        .expect("v3");
    let all = env
        .iam
        .list_policy_versions(ACCOUNT, versions_of(&policy.arn))
        .await
        .expect("list");
    assert_eq!(ids(&all), [("v3", false), ("v2", true), ("v1", false)]);
    assert!(!all.is_truncated && all.marker.is_none());
    assert_eq!(all.items[2].create_date, START);
    assert_eq!(all.items[2].document, READ_SECRETS);

    let first = env
        .iam
        .list_policy_versions(
            ACCOUNT,
            ListPolicyVersionsInput {
                max_items: Some(2),
                ..versions_of(&policy.arn)
            },
        )
        .await
        .expect("page");
    assert_eq!(ids(&first), [("v3", false), ("v2", true)]);
    assert!(first.is_truncated);
    assert_eq!(first.marker.as_deref(), Some("v2"));
    let rest = env
        .iam
        .list_policy_versions(
            ACCOUNT,
            ListPolicyVersionsInput {
                marker: first.marker.clone(),
                max_items: Some(2),
                ..versions_of(&policy.arn)
            },
        )
        .await
        .expect("rest");
    assert_eq!(ids(&rest), [("v1", false)]);
    assert!(!rest.is_truncated);

    // AWS managed policies' versions are listed too.
    let admin = env
        .iam
        .list_policy_versions(OTHER, versions_of(ADMIN_ARN))
        .await
        .expect("aws managed");
    assert_eq!(ids(&admin), [("v1", true)]);
}

#[tokio::test]
async fn list_policy_versions_errors() {
    let env = env().await;
    let policy = env
        .iam
        .create_policy(ACCOUNT, create("Reader"))
        .await
        .expect("create");
    assert_iam_error(
        env.iam
            .list_policy_versions(OTHER, versions_of(&policy.arn))
            .await,
        "NoSuchEntity",
        &format!("Policy {} was not found.", policy.arn),
    );
    assert_iam_error(
        env.iam
            .list_policy_versions(ACCOUNT, versions_of("not-an-arn-but-long-enough"))
            .await,
        "InvalidInput",
        "ARN not-an-arn-but-long-enough is not valid.",
    );
    assert_iam_error(
        env.iam
            .list_policy_versions(
                ACCOUNT,
                ListPolicyVersionsInput {
                    max_items: Some(0),
                    ..versions_of(&policy.arn)
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
}

#[tokio::test]
async fn delete_policy_version_deletes_any_but_the_default() {
    let env = env().await;
    let policy = env
        .iam
        .create_policy(ACCOUNT, create("Reader"))
        .await
        .expect("create");
    for _ in 0..4 {
        env.iam
            .create_policy_version(ACCOUNT, new_version(&policy.arn, false))
            .await
            .expect("version");
    }
    // Five versions: a sixth needs one deleted first.
    assert_iam_error(
        env.iam
            .create_policy_version(ACCOUNT, new_version(&policy.arn, false))
            .await,
        "LimitExceeded",
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version.",
    );
    assert_iam_error(
        env.iam
            .delete_policy_version(ACCOUNT, delete_version(&policy.arn, "v1"))
            .await,
        "DeleteConflict",
        "Cannot delete the default version of a policy.",
    );
    env.iam
        .delete_policy_version(ACCOUNT, delete_version(&policy.arn, "v2"))
        .await
        .expect("delete v2");
    assert_iam_error(
        env.iam
            .delete_policy_version(ACCOUNT, delete_version(&policy.arn, "v2"))
            .await,
        "NoSuchEntity",
        &format!(
            "Policy {} version v2 does not exist or is not attachable.",
            policy.arn
        ),
    );
    assert_iam_error(
        env.iam
            .get_policy_version(
                ACCOUNT,
                GetPolicyVersionInput {
                    policy_arn: policy.arn.clone(),
                    version_id: "v2".into(),
                },
            )
            .await,
        "NoSuchEntity",
        &format!(
            "Policy {} version v2 does not exist or is not attachable.",
            policy.arn
        ),
    );
    // The freed slot takes a new version, numbered past the highest.
    let v6 = env
        .iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, false))
        .await
        .expect("v6");
    assert_eq!(v6.version_id, "v6");
    // Once only the default is left, the policy can be deleted.
    for v in ["v3", "v4", "v5", "v6"] {
        env.iam
            .delete_policy_version(ACCOUNT, delete_version(&policy.arn, v))
            .await
            .expect("delete");
    }
    let left = env
        .iam
        .list_policy_versions(ACCOUNT, versions_of(&policy.arn))
        .await
        .expect("list");
    assert_eq!(ids(&left), [("v1", true)]);
    env.iam
        .delete_policy(ACCOUNT, arn(&policy.arn))
        .await
        .expect("delete policy");
}

#[tokio::test]
async fn delete_policy_version_errors() {
    let env = env().await;
    let policy = env
        .iam
        .create_policy(ACCOUNT, create("Reader"))
        .await
        .expect("create");
    env.iam
        .create_policy_version(ACCOUNT, new_version(&policy.arn, false))
        .await
        .expect("v2");
    // AWS managed policies cannot be changed.
    assert_iam_error(
        env.iam
            .delete_policy_version(ACCOUNT, delete_version(ADMIN_ARN, "v1"))
            .await,
        "AccessDenied",
        &format!("Policy {ADMIN_ARN} is an AWS managed policy and cannot be changed or deleted."),
    );
    // Another account's policy is as good as missing.
    assert_iam_error(
        env.iam
            .delete_policy_version(OTHER, delete_version(&policy.arn, "v2"))
            .await,
        "NoSuchEntity",
        &format!("Policy {} was not found.", policy.arn),
    );
    assert_iam_error(
        env.iam
            .delete_policy_version(ACCOUNT, delete_version(&policy.arn, "v0"))
            .await,
        "ValidationError",
        "1 validation error detected: Value 'v0' at 'versionId' failed to satisfy constraint: Member must satisfy regular expression pattern: v[1-9][0-9]*(\\.[A-Za-z0-9-]*)?",
    );
    assert_iam_error(
        env.iam
            .delete_policy_version(ACCOUNT, delete_version(&policy.arn, "v2.draft"))
            .await,
        "NoSuchEntity",
        &format!(
            "Policy {} version v2.draft does not exist or is not attachable.",
            policy.arn
        ),
    );
    // Nothing was deleted by the refusals.
    let left = env
        .iam
        .list_policy_versions(ACCOUNT, versions_of(&policy.arn))
        .await
        .expect("list");
    assert_eq!(ids(&left), [("v2", false), ("v1", true)]);
}

fn tag(k: &str, v: &str) -> Tag {
    Tag {
        key: k.into(),
        value: v.into(),
    }
}

fn policy_tags(policy_arn: &str) -> ListPolicyTagsInput {
    ListPolicyTagsInput {
        policy_arn: policy_arn.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn policy_tags_are_added_replaced_removed_and_listed() {
    let env = env().await;
    let policy = env
        .iam
        .create_policy(
            ACCOUNT,
            CreatePolicyInput {
                tags: vec![tag("env", "dev")],
                ..create("Reader")
            },
        )
        .await
        .expect("create");
    env.iam
        .tag_policy(
            ACCOUNT,
            TagPolicyInput {
                policy_arn: policy.arn.clone(),
                tags: vec![tag("ENV", "prod"), tag("team", "core"), tag("cost", "1")],
            },
        )
        .await
        .expect("tag");
    let listed = env
        .iam
        .list_policy_tags(ACCOUNT, policy_tags(&policy.arn))
        .await
        .expect("list");
    // By key, ignoring case; `ENV` replaced `env`.
    assert_eq!(
        listed.items,
        vec![tag("cost", "1"), tag("ENV", "prod"), tag("team", "core")]
    );
    let got = env
        .iam
        .get_policy(ACCOUNT, arn(&policy.arn))
        .await
        .expect("get");
    assert_eq!(
        got.tags,
        vec![tag("ENV", "prod"), tag("team", "core"), tag("cost", "1")]
    );
    let page = env
        .iam
        .list_policy_tags(
            ACCOUNT,
            ListPolicyTagsInput {
                max_items: Some(2),
                ..policy_tags(&policy.arn)
            },
        )
        .await
        .expect("page");
    assert!(page.is_truncated);
    let rest = env
        .iam
        .list_policy_tags(
            ACCOUNT,
            ListPolicyTagsInput {
                marker: page.marker.clone(),
                ..policy_tags(&policy.arn)
            },
        )
        .await
        .expect("rest");
    assert_eq!(rest.items, vec![tag("team", "core")]);

    env.iam
        .untag_policy(
            ACCOUNT,
            UntagPolicyInput {
                policy_arn: policy.arn.clone(),
                tag_keys: vec!["env".into(), "COST".into(), "unknown".into()],
            },
        )
        .await
        .expect("untag");
    let listed = env
        .iam
        .list_policy_tags(ACCOUNT, policy_tags(&policy.arn))
        .await
        .expect("list");
    assert_eq!(listed.items, vec![tag("team", "core")]);
    // AWS managed policies have no tags to list.
    let aws = env
        .iam
        .list_policy_tags(ACCOUNT, policy_tags(ADMIN_ARN))
        .await
        .expect("aws managed");
    assert!(aws.items.is_empty() && !aws.is_truncated);
}

#[tokio::test]
async fn policy_tag_errors() {
    let env = env().await;
    let policy = env
        .iam
        .create_policy(ACCOUNT, create("Reader"))
        .await
        .expect("create");
    let tag_with = |policy_arn: &str, tags: Vec<Tag>| TagPolicyInput {
        policy_arn: policy_arn.into(),
        tags,
    };
    assert_iam_error(
        env.iam
            .tag_policy(
                ACCOUNT,
                tag_with(&policy.arn, vec![tag("k", "1"), tag("K", "2")]),
            )
            .await,
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    assert_iam_error(
        env.iam
            .tag_policy(ACCOUNT, tag_with(ADMIN_ARN, vec![tag("k", "1")]))
            .await,
        "AccessDenied",
        &format!("Policy {ADMIN_ARN} is an AWS managed policy and cannot be changed or deleted."),
    );
    assert_iam_error(
        env.iam
            .tag_policy(OTHER, tag_with(&policy.arn, vec![tag("k", "1")]))
            .await,
        "NoSuchEntity",
        &format!("Policy {} was not found.", policy.arn),
    );
    assert_iam_error(
        env.iam
            .tag_policy(ACCOUNT, tag_with(&policy.arn, vec![tag("bad*key", "1")]))
            .await,
        "ValidationError",
        "1 validation error detected: Value 'bad*key' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+",
    );
    // At most 50 tags on a policy, counted after the merge.
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    env.iam
        .tag_policy(ACCOUNT, tag_with(&policy.arn, fifty))
        .await
        .expect("fifty");
    assert_iam_error(
        env.iam
            .tag_policy(ACCOUNT, tag_with(&policy.arn, vec![tag("one-more", "v")]))
            .await,
        "LimitExceeded",
        "The number of tags has reached the maximum limit.",
    );
    assert_iam_error(
        env.iam
            .untag_policy(
                ACCOUNT,
                UntagPolicyInput {
                    policy_arn: ADMIN_ARN.into(),
                    tag_keys: vec!["k".into()],
                },
            )
            .await,
        "AccessDenied",
        &format!("Policy {ADMIN_ARN} is an AWS managed policy and cannot be changed or deleted."),
    );
    assert_iam_error(
        env.iam
            .list_policy_tags(OTHER, policy_tags(&policy.arn))
            .await,
        "NoSuchEntity",
        &format!("Policy {} was not found.", policy.arn),
    );
}
