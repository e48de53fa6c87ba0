//! A change lands only on the entity that was authorized: writes made under
//! `Iam::expecting` check, in their own transaction, that the name still
//! means the authorized ARN.

mod common;

use common::*;
use strongroom_iam::{
    CreateAccessKeyInput, CreateUserInput, DeleteUserInput, EntityKind, Expected, Iam,
    ListAccessKeysInput,
};

fn expect_user(name: &str, arn: &str) -> Expected {
    Expected {
        account: ACCOUNT.into(),
        kind: EntityKind::User,
        name: name.into(),
        arn: arn.into(),
    }
}

async fn create_user(env: &Env, name: &str, path: &str) -> String {
    env.iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: name.into(),
                path: Some(path.into()),
                ..Default::default()
            },
        )
        .await
        .expect("user")
        .arn
}

#[tokio::test]
async fn a_moved_entity_is_not_changed_under_its_old_authorization() {
    let env = env().await;
    create_user(&env, "bob", "/team/").await;
    // Authorized while bob was at /team/; meanwhile bob moved to /admin/.
    let authorized = format!("arn:aws:iam::{ACCOUNT}:user/team/bob");
    env.iam
        .delete_user(
            ACCOUNT,
            DeleteUserInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("delete");
    create_user(&env, "bob", "/admin/").await;
    let result = Iam::expecting(
        expect_user("bob", &authorized),
        env.iam.create_access_key(
            ACCOUNT,
            CreateAccessKeyInput {
                user_name: "bob".into(),
            },
        ),
    )
    .await;
    assert_iam_error(
        result,
        "ConcurrentModification",
        "Cannot perform the operation due to concurrent modification of bob; please retry.",
    );
    // Nothing was created.
    let keys = env
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
    assert!(keys.items.is_empty());
    // Authorized on what it is, it works.
    let admin_arn = format!("arn:aws:iam::{ACCOUNT}:user/admin/bob");
    Iam::expecting(
        expect_user("bob", &admin_arn),
        env.iam.create_access_key(
            ACCOUNT,
            CreateAccessKeyInput {
                user_name: "bob".into(),
            },
        ),
    )
    .await
    .expect("key");
}

#[tokio::test]
async fn an_entity_created_elsewhere_meanwhile_is_not_changed() {
    let env = env().await;
    // Authorized while no "carol" existed (as her name at /).
    let authorized = format!("arn:aws:iam::{ACCOUNT}:user/carol");
    create_user(&env, "carol", "/vip/").await;
    let result = Iam::expecting(
        expect_user("carol", &authorized),
        env.iam.delete_user(
            ACCOUNT,
            DeleteUserInput {
                user_name: "carol".into(),
            },
        ),
    )
    .await;
    assert_eq!(result.map_err(|e| e.code()), Err("ConcurrentModification"));
    // Still missing at authorization and now: the operation's own answer.
    let result = Iam::expecting(
        expect_user("nobody", &format!("arn:aws:iam::{ACCOUNT}:user/nobody")),
        env.iam.delete_user(
            ACCOUNT,
            DeleteUserInput {
                user_name: "nobody".into(),
            },
        ),
    )
    .await;
    assert_eq!(result.map_err(|e| e.code()), Err("NoSuchEntity"));
}
