//! CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser and the user tag operations.

mod common;

use common::*;
use strongroom_iam::*;

fn tag(k: &str, v: &str) -> Tag {
    Tag {
        key: k.into(),
        value: v.into(),
    }
}

async fn create(env: &Env, name: &str, path: Option<&str>) -> User {
    env.iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: name.into(),
                path: path.map(Into::into),
                tags: vec![],
            },
        )
        .await
        .expect("create user")
}

#[tokio::test]
async fn create_user_returns_the_user_with_id_arn_date_and_tags() {
    let env = env().await;
    let user = env
        .iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: "Bob".into(),
                path: Some("/eng/".into()),
                tags: vec![tag("team", "core")],
            },
        )
        .await
        .expect("create");
    assert_eq!(user.user_name, "Bob");
    assert_eq!(user.path, "/eng/");
    assert_eq!(user.arn, "arn:aws:iam::123456789012:user/eng/Bob");
    assert!(
        user.user_id.starts_with("AIDA") && user.user_id.len() == 20,
        "{}",
        user.user_id
    );
    assert!(
        user.user_id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    );
    assert_eq!(user.create_date, START);
    assert_eq!(user.tags, vec![tag("team", "core")]);

    // GetUser finds it regardless of case, with its tags.
    let got = env
        .iam
        .get_user(
            ACCOUNT,
            GetUserInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("get");
    assert_eq!(got, user);
    // The default path is "/".
    assert_eq!(
        create(&env, "alice", None).await.arn,
        "arn:aws:iam::123456789012:user/alice"
    );
}

#[tokio::test]
async fn user_names_are_unique_per_account_regardless_of_case() {
    let env = env().await;
    create(&env, "Bob", None).await;
    assert_iam_error(
        env.iam
            .create_user(
                ACCOUNT,
                CreateUserInput {
                    user_name: "BOB".into(),
                    ..Default::default()
                },
            )
            .await,
        "EntityAlreadyExists",
        "User with name BOB already exists.",
    );
    // Another account may use the name.
    env.iam
        .create_user(
            OTHER,
            CreateUserInput {
                user_name: "bob".into(),
                ..Default::default()
            },
        )
        .await
        .expect("other account");
    // And cannot see the first account's user.
    assert_iam_error(
        env.iam
            .get_user(
                OTHER,
                GetUserInput {
                    user_name: "alice".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name alice cannot be found.",
    );
}

#[tokio::test]
async fn create_user_checks_the_model_constraints() {
    let env = env().await;
    let create = |name: &str, path: Option<&str>, tags: Vec<Tag>| {
        env.iam.create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: name.into(),
                path: path.map(Into::into),
                tags,
            },
        )
    };
    assert_iam_error(
        create("bob smith", None, vec![]).await,
        "ValidationError",
        r"1 validation error detected: Value 'bob smith' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+",
    );
    let long = "a".repeat(65);
    assert_iam_error(
        create(&long, None, vec![]).await,
        "ValidationError",
        &format!(
            "1 validation error detected: Value '{long}' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64"
        ),
    );
    assert_iam_error(
        create("", Some("eng"), vec![]).await,
        "ValidationError",
        r"2 validation errors detected: Value 'eng' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\u002F)|(\u002F[\u0021-\u007E]+\u002F); Value '' at 'userName' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    assert_iam_error(
        create("bob", None, vec![tag("k", "v"), tag("K", "w")]).await,
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    assert_iam_error(
        create("bob", None, vec![tag("bad*key", "v")]).await,
        "ValidationError",
        r"1 validation error detected: Value 'bad*key' at 'tags.1.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\p{L}\p{Z}\p{N}_.:/=+\-@]+",
    );
    // Nothing was created by the refused requests.
    let page = env
        .iam
        .list_users(ACCOUNT, ListUsersInput::default())
        .await
        .expect("list");
    assert!(page.items.is_empty());
}

#[tokio::test]
async fn list_users_pages_by_name_and_filters_by_path_prefix() {
    let env = env().await;
    for (name, path) in [
        ("carol", "/eng/web/"),
        ("alice", "/eng/"),
        ("Bob", "/"),
        ("dave", "/ops/"),
    ] {
        create(&env, name, Some(path)).await;
    }
    let names = |p: &Page<User>| {
        p.items
            .iter()
            .map(|u| u.user_name.clone())
            .collect::<Vec<_>>()
    };

    let all = env
        .iam
        .list_users(ACCOUNT, ListUsersInput::default())
        .await
        .expect("list");
    assert_eq!(names(&all), ["alice", "Bob", "carol", "dave"]);
    assert!(!all.is_truncated && all.marker.is_none());
    assert!(all.items.iter().all(|u| u.tags.is_empty()));

    let first = env
        .iam
        .list_users(
            ACCOUNT,
            ListUsersInput {
                max_items: Some(2),
                ..Default::default()
            },
        )
        .await
        .expect("page 1");
    assert_eq!(names(&first), ["alice", "Bob"]);
    assert!(first.is_truncated);
    // A user created between pages, before the marker, is not repeated or
    // shifting the rest.
    create(&env, "aaron", None).await;
    let second = env
        .iam
        .list_users(
            ACCOUNT,
            ListUsersInput {
                max_items: Some(2),
                marker: first.marker.clone(),
                ..Default::default()
            },
        )
        .await
        .expect("page 2");
    assert_eq!(names(&second), ["carol", "dave"]);
    assert!(!second.is_truncated);

    let eng = env
        .iam
        .list_users(
            ACCOUNT,
            ListUsersInput {
                path_prefix: Some("/eng/".into()),
                ..Default::default()
            },
        )
        .await
        .expect("prefix");
    assert_eq!(names(&eng), ["alice", "carol"]);

    assert_iam_error(
        env.iam
            .list_users(
                ACCOUNT,
                ListUsersInput {
                    max_items: Some(0),
                    ..Default::default()
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1",
    );
    assert_iam_error(
        env.iam
            .list_users(
                ACCOUNT,
                ListUsersInput {
                    path_prefix: Some("eng".into()),
                    ..Default::default()
                },
            )
            .await,
        "ValidationError",
        r"1 validation error detected: Value 'eng' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \u002F[\u0021-\u007F]*",
    );
}

#[tokio::test]
async fn delete_user_removes_it_and_its_tags() {
    let env = env().await;
    env.iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: "bob".into(),
                tags: vec![tag("a", "1")],
                ..Default::default()
            },
        )
        .await
        .expect("create");
    env.iam
        .delete_user(
            ACCOUNT,
            DeleteUserInput {
                user_name: "BOB".into(),
            },
        )
        .await
        .expect("delete");
    assert_iam_error(
        env.iam
            .get_user(
                ACCOUNT,
                GetUserInput {
                    user_name: "bob".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name bob cannot be found.",
    );
    assert_iam_error(
        env.iam
            .delete_user(
                ACCOUNT,
                DeleteUserInput {
                    user_name: "bob".into(),
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name bob cannot be found.",
    );
    // A new user of the same name is a new user, without the old tags.
    let again = create(&env, "bob", None).await;
    assert!(again.tags.is_empty());
    let got = env
        .iam
        .get_user(
            ACCOUNT,
            GetUserInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("get");
    assert!(got.tags.is_empty());
}

#[tokio::test]
async fn delete_user_refuses_while_anything_depends_on_it() {
    let env = env().await;
    create(&env, "bob", None).await;
    let delete = || {
        env.iam.delete_user(
            ACCOUNT,
            DeleteUserInput {
                user_name: "bob".into(),
            },
        )
    };

    let key = env
        .iam
        .create_access_key(
            ACCOUNT,
            CreateAccessKeyInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("key");
    assert_iam_error(
        delete().await,
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
    );
    env.iam
        .delete_access_key(
            ACCOUNT,
            DeleteAccessKeyInput {
                user_name: "bob".into(),
                access_key_id: key.access_key_id,
            },
        )
        .await
        .expect("delete key");

    let inline = InlinePolicyInput {
        holder_name: "bob".into(),
        policy_name: "p".into(),
    };
    env.iam
        .put_user_policy(
            ACCOUNT,
            PutInlinePolicyInput {
                holder_name: "bob".into(),
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
        .delete_user_policy(ACCOUNT, inline)
        .await
        .expect("delete inline");

    let attach = AttachPolicyInput {
        holder_name: "bob".into(),
        policy_arn: "arn:aws:iam::aws:policy/SecretsManagerReadWrite".into(),
    };
    env.iam
        .attach_user_policy(ACCOUNT, attach.clone())
        .await
        .expect("attach");
    assert_iam_error(
        delete().await,
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    );
    env.iam
        .detach_user_policy(ACCOUNT, attach)
        .await
        .expect("detach");

    let membership = GroupMembershipInput {
        group_name: "devs".into(),
        user_name: "bob".into(),
    };
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
        .add_user_to_group(ACCOUNT, membership.clone())
        .await
        .expect("join");
    assert_iam_error(
        delete().await,
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
    );
    env.iam
        .remove_user_from_group(ACCOUNT, membership)
        .await
        .expect("leave");

    delete().await.expect("nothing depends on bob any more");
}

#[tokio::test]
async fn user_tags_merge_regardless_of_case_and_list_by_key() {
    let env = env().await;
    create(&env, "bob", None).await;
    let tag_user = |tags: Vec<Tag>| {
        env.iam.tag_user(
            ACCOUNT,
            TagUserInput {
                user_name: "bob".into(),
                tags,
            },
        )
    };
    tag_user(vec![tag("Env", "dev"), tag("team", "core")])
        .await
        .expect("tag");
    tag_user(vec![tag("ENV", "prod"), tag("cost", "1")])
        .await
        .expect("tag again");
    let user = env
        .iam
        .get_user(
            ACCOUNT,
            GetUserInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("get");
    assert_eq!(
        user.tags,
        vec![tag("ENV", "prod"), tag("team", "core"), tag("cost", "1")]
    );

    let first = env
        .iam
        .list_user_tags(
            ACCOUNT,
            ListUserTagsInput {
                user_name: "bob".into(),
                max_items: Some(2),
                marker: None,
            },
        )
        .await
        .expect("list");
    assert_eq!(first.items, vec![tag("cost", "1"), tag("ENV", "prod")]);
    assert!(first.is_truncated);
    let rest = env
        .iam
        .list_user_tags(
            ACCOUNT,
            ListUserTagsInput {
                user_name: "bob".into(),
                max_items: Some(2),
                marker: first.marker,
            },
        )
        .await
        .expect("list");
    assert_eq!(rest.items, vec![tag("team", "core")]);
    assert!(!rest.is_truncated);

    env.iam
        .untag_user(
            ACCOUNT,
            UntagUserInput {
                user_name: "bob".into(),
                tag_keys: vec!["env".into(), "nope".into()],
            },
        )
        .await
        .expect("untag");
    let user = env
        .iam
        .get_user(
            ACCOUNT,
            GetUserInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("get");
    assert_eq!(user.tags, vec![tag("team", "core"), tag("cost", "1")]);
}

#[tokio::test]
async fn user_tag_errors() {
    let env = env().await;
    create(&env, "bob", None).await;
    let fifty: Vec<Tag> = (0..50).map(|i| tag(&format!("k{i}"), "v")).collect();
    env.iam
        .tag_user(
            ACCOUNT,
            TagUserInput {
                user_name: "bob".into(),
                tags: fifty,
            },
        )
        .await
        .expect("50 tags");
    assert_iam_error(
        env.iam
            .tag_user(
                ACCOUNT,
                TagUserInput {
                    user_name: "bob".into(),
                    tags: vec![tag("one-more", "v")],
                },
            )
            .await,
        "LimitExceeded",
        "The number of tags has reached the maximum limit.",
    );
    // Replacing an existing key does not add one.
    env.iam
        .tag_user(
            ACCOUNT,
            TagUserInput {
                user_name: "bob".into(),
                tags: vec![tag("K0", "new")],
            },
        )
        .await
        .expect("replace");
    assert_iam_error(
        env.iam
            .tag_user(
                ACCOUNT,
                TagUserInput {
                    user_name: "nobody".into(),
                    tags: vec![tag("a", "b")],
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .tag_user(
                ACCOUNT,
                TagUserInput {
                    user_name: "bob".into(),
                    tags: vec![tag("a", "1"), tag("A", "2")],
                },
            )
            .await,
        "InvalidInput",
        "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
    );
    assert_iam_error(
        env.iam
            .untag_user(
                ACCOUNT,
                UntagUserInput {
                    user_name: "nobody".into(),
                    tag_keys: vec!["a".into()],
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .untag_user(
                ACCOUNT,
                UntagUserInput {
                    user_name: "bob".into(),
                    tag_keys: vec![String::new()],
                },
            )
            .await,
        "ValidationError",
        "1 validation error detected: Value '' at 'tagKeys.1.member' failed to satisfy constraint: Member must have length greater than or equal to 1",
    );
    assert_iam_error(
        env.iam
            .list_user_tags(
                ACCOUNT,
                ListUserTagsInput {
                    user_name: "nobody".into(),
                    ..Default::default()
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
}

fn rename(user: &str, new_name: Option<&str>, new_path: Option<&str>) -> UpdateUserInput {
    UpdateUserInput {
        user_name: user.into(),
        new_user_name: new_name.map(Into::into),
        new_path: new_path.map(Into::into),
    }
}

async fn get(env: &Env, name: &str) -> Result<User, IamError> {
    env.iam
        .get_user(
            ACCOUNT,
            GetUserInput {
                user_name: name.into(),
            },
        )
        .await
}

#[tokio::test]
async fn update_user_renames_and_moves_keeping_id_keys_tags_and_groups() {
    let env = env().await;
    let bob = env
        .iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: "bob".into(),
                path: Some("/eng/".into()),
                tags: vec![tag("team", "core")],
            },
        )
        .await
        .expect("create");
    let key = env
        .iam
        .create_access_key(
            ACCOUNT,
            CreateAccessKeyInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("key");
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
        .add_user_to_group(
            ACCOUNT,
            GroupMembershipInput {
                group_name: "devs".into(),
                user_name: "bob".into(),
            },
        )
        .await
        .expect("join");
    // Authentication caches the identity; the rename must show through.
    let before = env
        .iam
        .identity_for_access_key(&key.access_key_id)
        .expect("identity")
        .expect("known");
    assert_eq!(before.user_arn, "arn:aws:iam::123456789012:user/eng/bob");

    env.iam
        .update_user(ACCOUNT, rename("BOB", Some("robert"), Some("/ops/")))
        .await
        .expect("rename and move");
    let robert = get(&env, "robert").await.expect("renamed");
    assert_eq!(robert.user_id, bob.user_id);
    assert_eq!(robert.path, "/ops/");
    assert_eq!(robert.arn, "arn:aws:iam::123456789012:user/ops/robert");
    assert_eq!(robert.tags, vec![tag("team", "core")]);
    assert_eq!(robert.create_date, bob.create_date);
    assert_iam_error(
        get(&env, "bob").await,
        "NoSuchEntity",
        "The user with name bob cannot be found.",
    );
    let after = env
        .iam
        .identity_for_access_key(&key.access_key_id)
        .expect("identity")
        .expect("the key follows the user");
    assert_eq!(after.user_name, "robert");
    assert_eq!(after.user_arn, "arn:aws:iam::123456789012:user/ops/robert");
    let groups = env
        .iam
        .list_groups_for_user(
            ACCOUNT,
            ListGroupsForUserInput {
                user_name: "Robert".into(),
                ..Default::default()
            },
        )
        .await
        .expect("groups");
    assert_eq!(groups.items.len(), 1);

    // Only the path; only the name (its own name in another case is fine);
    // neither (a no-op).
    env.iam
        .update_user(ACCOUNT, rename("robert", None, Some("/")))
        .await
        .expect("move");
    assert_eq!(
        get(&env, "robert").await.expect("get").arn,
        "arn:aws:iam::123456789012:user/robert"
    );
    env.iam
        .update_user(ACCOUNT, rename("robert", Some("Robert"), None))
        .await
        .expect("case only");
    let same = get(&env, "robert").await.expect("get");
    assert_eq!(
        (same.user_name.as_str(), same.path.as_str()),
        ("Robert", "/")
    );
    env.iam
        .update_user(ACCOUNT, rename("robert", None, None))
        .await
        .expect("nothing to change");
    assert_eq!(get(&env, "robert").await.expect("get"), same);
}

#[tokio::test]
async fn update_user_errors() {
    let env = env().await;
    create(&env, "alice", None).await;
    create(&env, "bob", Some("/eng/")).await;
    // Another user's name, in any case.
    assert_iam_error(
        env.iam
            .update_user(ACCOUNT, rename("bob", Some("ALICE"), None))
            .await,
        "EntityAlreadyExists",
        "User with name ALICE already exists.",
    );
    assert_eq!(
        get(&env, "bob").await.expect("unchanged").arn,
        "arn:aws:iam::123456789012:user/eng/bob"
    );
    assert_iam_error(
        env.iam
            .update_user(ACCOUNT, rename("nobody", Some("x"), None))
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    // Another account's user of that name does not exist here.
    assert_iam_error(
        env.iam
            .update_user(OTHER, rename("bob", Some("x"), None))
            .await,
        "NoSuchEntity",
        "The user with name bob cannot be found.",
    );
    // The model: NewUserName up to 64, NewPath a path; every violation.
    assert_iam_error(
        env.iam
            .update_user(
                ACCOUNT,
                rename("bob", Some(&"x".repeat(65)), Some("no-slashes")),
            )
            .await,
        "ValidationError",
        &format!(
            "2 validation errors detected: Value 'no-slashes' at 'newPath' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F); Value '{}' at 'newUserName' failed to satisfy constraint: Member must have length less than or equal to 64",
            "x".repeat(65)
        ),
    );
    assert_iam_error(
        env.iam
            .update_user(ACCOUNT, rename("bob", Some("bad name"), None))
            .await,
        "ValidationError",
        "1 validation error detected: Value 'bad name' at 'newUserName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
}
