//! CreateGroup, GetGroup, ListGroups, UpdateGroup, DeleteGroup, AddUserToGroup,
//! RemoveUserFromGroup, ListGroupsForUser.

mod common;

use common::*;
use strongroom_iam::*;

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

async fn group(env: &Env, name: &str, path: Option<&str>) -> Group {
    env.iam
        .create_group(
            ACCOUNT,
            CreateGroupInput {
                group_name: name.into(),
                path: path.map(Into::into),
            },
        )
        .await
        .expect("group")
}

fn join(group: &str, user: &str) -> GroupMembershipInput {
    GroupMembershipInput {
        group_name: group.into(),
        user_name: user.into(),
    }
}

#[tokio::test]
async fn create_group_and_get_it_with_its_members() {
    let env = env().await;
    let devs = group(&env, "Devs", Some("/eng/")).await;
    assert_eq!(devs.arn, "arn:aws:iam::123456789012:group/eng/Devs");
    assert!(devs.group_id.starts_with("AGPA") && devs.group_id.len() == 20);
    assert_eq!(devs.create_date, START);
    for name in ["carol", "alice", "bob"] {
        user(&env, name).await;
        env.iam
            .add_user_to_group(ACCOUNT, join("devs", name))
            .await
            .expect("join");
    }
    // Adding twice is a no-op.
    env.iam
        .add_user_to_group(ACCOUNT, join("DEVS", "ALICE"))
        .await
        .expect("join again");

    let got = env
        .iam
        .get_group(
            ACCOUNT,
            GetGroupInput {
                group_name: "devs".into(),
                max_items: Some(2),
                marker: None,
            },
        )
        .await
        .expect("get");
    assert_eq!(got.group, devs);
    let names: Vec<_> = got
        .users
        .items
        .iter()
        .map(|u| u.user_name.as_str())
        .collect();
    assert_eq!(names, ["alice", "bob"]);
    assert!(got.users.is_truncated);
    let rest = env
        .iam
        .get_group(
            ACCOUNT,
            GetGroupInput {
                group_name: "devs".into(),
                max_items: Some(2),
                marker: got.users.marker,
            },
        )
        .await
        .expect("get");
    assert_eq!(
        rest.users
            .items
            .iter()
            .map(|u| u.user_name.as_str())
            .collect::<Vec<_>>(),
        ["carol"]
    );
    assert!(!rest.users.is_truncated);

    assert_iam_error(
        env.iam
            .create_group(
                ACCOUNT,
                CreateGroupInput {
                    group_name: "DEVS".into(),
                    path: None,
                },
            )
            .await,
        "EntityAlreadyExists",
        "Group with name DEVS already exists.",
    );
    assert_iam_error(
        env.iam
            .get_group(
                ACCOUNT,
                GetGroupInput {
                    group_name: "ops".into(),
                    ..Default::default()
                },
            )
            .await,
        "NoSuchEntity",
        "The group with name ops cannot be found.",
    );
    assert_iam_error(
        env.iam
            .create_group(
                ACCOUNT,
                CreateGroupInput {
                    group_name: "a b".into(),
                    path: None,
                },
            )
            .await,
        "ValidationError",
        r"1 validation error detected: Value 'a b' at 'groupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+",
    );
}

#[tokio::test]
async fn list_groups_and_groups_for_user() {
    let env = env().await;
    group(&env, "ops", Some("/ops/")).await;
    group(&env, "devs", None).await;
    group(&env, "Admins", None).await;
    user(&env, "bob").await;
    env.iam
        .add_user_to_group(ACCOUNT, join("ops", "bob"))
        .await
        .expect("join");
    env.iam
        .add_user_to_group(ACCOUNT, join("admins", "bob"))
        .await
        .expect("join");

    let names = |p: Page<Group>| {
        p.items
            .into_iter()
            .map(|g| g.group_name)
            .collect::<Vec<_>>()
    };
    let all = env
        .iam
        .list_groups(ACCOUNT, ListGroupsInput::default())
        .await
        .expect("list");
    assert_eq!(names(all), ["Admins", "devs", "ops"]);
    let ops = env
        .iam
        .list_groups(
            ACCOUNT,
            ListGroupsInput {
                path_prefix: Some("/ops".into()),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(names(ops), ["ops"]);
    let first = env
        .iam
        .list_groups(
            ACCOUNT,
            ListGroupsInput {
                max_items: Some(1),
                ..Default::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(first.marker.as_deref(), Some("Admins"));

    let of_bob = env
        .iam
        .list_groups_for_user(
            ACCOUNT,
            ListGroupsForUserInput {
                user_name: "bob".into(),
                ..Default::default()
            },
        )
        .await
        .expect("groups of bob");
    assert_eq!(names(of_bob), ["Admins", "ops"]);
    env.iam
        .remove_user_from_group(ACCOUNT, join("ops", "bob"))
        .await
        .expect("leave");
    // Leaving a group one is not in is no error either.
    env.iam
        .remove_user_from_group(ACCOUNT, join("ops", "bob"))
        .await
        .expect("leave again");
    let of_bob = env
        .iam
        .list_groups_for_user(
            ACCOUNT,
            ListGroupsForUserInput {
                user_name: "bob".into(),
                ..Default::default()
            },
        )
        .await
        .expect("groups of bob");
    assert_eq!(names(of_bob), ["Admins"]);
    assert_iam_error(
        env.iam
            .list_groups_for_user(
                ACCOUNT,
                ListGroupsForUserInput {
                    user_name: "nobody".into(),
                    ..Default::default()
                },
            )
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
}

#[tokio::test]
async fn membership_needs_both_sides_and_at_most_10_groups_per_user() {
    let env = env().await;
    user(&env, "bob").await;
    group(&env, "devs", None).await;
    assert_iam_error(
        env.iam
            .add_user_to_group(ACCOUNT, join("nope", "bob"))
            .await,
        "NoSuchEntity",
        "The group with name nope cannot be found.",
    );
    assert_iam_error(
        env.iam
            .add_user_to_group(ACCOUNT, join("devs", "nobody"))
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .remove_user_from_group(ACCOUNT, join("devs", "nobody"))
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    for i in 0..10 {
        group(&env, &format!("g{i}"), None).await;
        env.iam
            .add_user_to_group(ACCOUNT, join(&format!("g{i}"), "bob"))
            .await
            .expect("join");
    }
    // Joining one of the ten again is still fine; an eleventh is not.
    env.iam
        .add_user_to_group(ACCOUNT, join("g0", "bob"))
        .await
        .expect("rejoin");
    assert_iam_error(
        env.iam
            .add_user_to_group(ACCOUNT, join("devs", "bob"))
            .await,
        "LimitExceeded",
        "Cannot exceed quota for GroupsPerUser: 10",
    );
    let of_bob = env
        .iam
        .list_groups_for_user(
            ACCOUNT,
            ListGroupsForUserInput {
                user_name: "bob".into(),
                ..Default::default()
            },
        )
        .await
        .expect("groups");
    assert_eq!(
        of_bob.items.len(),
        10,
        "the refused membership was rolled back"
    );
}

#[tokio::test]
async fn delete_group_refuses_while_it_has_members_or_policies() {
    let env = env().await;
    user(&env, "bob").await;
    group(&env, "devs", None).await;
    let delete = || {
        env.iam.delete_group(
            ACCOUNT,
            DeleteGroupInput {
                group_name: "devs".into(),
            },
        )
    };

    env.iam
        .add_user_to_group(ACCOUNT, join("devs", "bob"))
        .await
        .expect("join");
    assert_iam_error(
        delete().await,
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
    );
    env.iam
        .remove_user_from_group(ACCOUNT, join("devs", "bob"))
        .await
        .expect("leave");

    env.iam
        .put_group_policy(
            ACCOUNT,
            PutInlinePolicyInput {
                holder_name: "devs".into(),
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
        .delete_group_policy(
            ACCOUNT,
            InlinePolicyInput {
                holder_name: "devs".into(),
                policy_name: "p".into(),
            },
        )
        .await
        .expect("delete inline");

    let attach = AttachPolicyInput {
        holder_name: "devs".into(),
        policy_arn: "arn:aws:iam::aws:policy/AdministratorAccess".into(),
    };
    env.iam
        .attach_group_policy(ACCOUNT, attach.clone())
        .await
        .expect("attach");
    assert_iam_error(
        delete().await,
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
    );
    env.iam
        .detach_group_policy(ACCOUNT, attach)
        .await
        .expect("detach");

    delete().await.expect("delete");
    assert_iam_error(
        delete().await,
        "NoSuchEntity",
        "The group with name devs cannot be found.",
    );
}

fn rename(group: &str, new_name: Option<&str>, new_path: Option<&str>) -> UpdateGroupInput {
    UpdateGroupInput {
        group_name: group.into(),
        new_group_name: new_name.map(Into::into),
        new_path: new_path.map(Into::into),
    }
}

async fn get(env: &Env, name: &str) -> Result<GetGroupOutput, IamError> {
    env.iam
        .get_group(
            ACCOUNT,
            GetGroupInput {
                group_name: name.into(),
                ..Default::default()
            },
        )
        .await
}

#[tokio::test]
async fn update_group_renames_and_moves_keeping_members_and_policies() {
    let env = env().await;
    let devs = group(&env, "devs", Some("/eng/")).await;
    user(&env, "bob").await;
    env.iam
        .add_user_to_group(ACCOUNT, join("devs", "bob"))
        .await
        .expect("join");
    env.iam
        .put_group_policy(
            ACCOUNT,
            PutInlinePolicyInput {
                holder_name: "devs".into(),
                policy_name: "read".into(),
                policy_document: READ_SECRETS.into(),
            },
        )
        .await
        .expect("policy");

    env.iam
        .update_group(ACCOUNT, rename("DEVS", Some("builders"), Some("/ops/")))
        .await
        .expect("rename");
    let got = get(&env, "builders").await.expect("renamed");
    assert_eq!(got.group.group_id, devs.group_id);
    assert_eq!(got.group.path, "/ops/");
    assert_eq!(
        got.group.arn,
        "arn:aws:iam::123456789012:group/ops/builders"
    );
    assert_eq!(
        got.users
            .items
            .iter()
            .map(|u| u.user_name.as_str())
            .collect::<Vec<_>>(),
        ["bob"]
    );
    assert_iam_error(
        get(&env, "devs").await,
        "NoSuchEntity",
        "The group with name devs cannot be found.",
    );
    let names = env
        .iam
        .list_group_policies(
            ACCOUNT,
            ListInlinePoliciesInput {
                holder_name: "builders".into(),
                ..Default::default()
            },
        )
        .await
        .expect("policies");
    assert_eq!(names.items, ["read"]);
    // The user's groups show the new name.
    let groups = env
        .iam
        .list_groups_for_user(
            ACCOUNT,
            ListGroupsForUserInput {
                user_name: "bob".into(),
                ..Default::default()
            },
        )
        .await
        .expect("groups");
    assert_eq!(groups.items[0].group_name, "builders");

    // Only the path, then only the name in another case.
    env.iam
        .update_group(ACCOUNT, rename("builders", None, Some("/")))
        .await
        .expect("move");
    env.iam
        .update_group(ACCOUNT, rename("builders", Some("Builders"), None))
        .await
        .expect("case");
    let got = get(&env, "builders").await.expect("get");
    assert_eq!(got.group.arn, "arn:aws:iam::123456789012:group/Builders");
}

#[tokio::test]
async fn update_group_errors() {
    let env = env().await;
    group(&env, "devs", None).await;
    group(&env, "ops", None).await;
    assert_iam_error(
        env.iam
            .update_group(ACCOUNT, rename("ops", Some("Devs"), None))
            .await,
        "EntityAlreadyExists",
        "Group with name Devs already exists.",
    );
    assert_iam_error(
        env.iam
            .update_group(ACCOUNT, rename("nobody", Some("x"), None))
            .await,
        "NoSuchEntity",
        "The group with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .update_group(OTHER, rename("ops", Some("x"), None))
            .await,
        "NoSuchEntity",
        "The group with name ops cannot be found.",
    );
    assert_iam_error(
        env.iam
            .update_group(ACCOUNT, rename("ops", Some("a b"), None))
            .await,
        "ValidationError",
        "1 validation error detected: Value 'a b' at 'newGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
    );
    assert_iam_error(
        env.iam
            .update_group(ACCOUNT, rename("ops", None, Some("/x")))
            .await,
        "ValidationError",
        "1 validation error detected: Value '/x' at 'newPath' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
    );
}
