//! Put/Get/Delete/List {User,Group,Role}Policy.

mod common;

use common::*;
use strongroom_iam::*;

async fn holders(env: &Env) {
    env.iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: "bob".into(),
                ..Default::default()
            },
        )
        .await
        .expect("user");
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
                role_name: "deployer".into(),
                assume_role_policy_document: TRUST_ACCOUNT.into(),
                ..Default::default()
            },
        )
        .await
        .expect("role");
}

fn put(holder: &str, name: &str, doc: &str) -> PutInlinePolicyInput {
    PutInlinePolicyInput {
        holder_name: holder.into(),
        policy_name: name.into(),
        policy_document: doc.into(),
    }
}

fn named(holder: &str, name: &str) -> InlinePolicyInput {
    InlinePolicyInput {
        holder_name: holder.into(),
        policy_name: name.into(),
    }
}

fn list(holder: &str) -> ListInlinePoliciesInput {
    ListInlinePoliciesInput {
        holder_name: holder.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn user_inline_policies_round_trip() {
    let env = env().await;
    holders(&env).await;
    env.iam
        .put_user_policy(ACCOUNT, put("BOB", "read", READ_SECRETS))
        .await
        .expect("put");
    env.iam
        .put_user_policy(ACCOUNT, put("bob", "another", READ_SECRETS))
        .await
        .expect("put");
    let got = env
        .iam
        .get_user_policy(ACCOUNT, named("bob", "read"))
        .await
        .expect("get");
    assert_eq!(
        got,
        InlinePolicy {
            holder_name: "bob".into(),
            policy_name: "read".into(),
            policy_document: READ_SECRETS.into()
        }
    );
    // Putting again replaces the document.
    let replaced = document_with_sid(3);
    env.iam
        .put_user_policy(ACCOUNT, put("bob", "read", &replaced))
        .await
        .expect("replace");
    assert_eq!(
        env.iam
            .get_user_policy(ACCOUNT, named("bob", "read"))
            .await
            .expect("get")
            .policy_document,
        replaced
    );
    let page = env
        .iam
        .list_user_policies(ACCOUNT, list("bob"))
        .await
        .expect("list");
    assert_eq!(page.items, ["another", "read"]);
    let first = env
        .iam
        .list_user_policies(
            ACCOUNT,
            ListInlinePoliciesInput {
                max_items: Some(1),
                ..list("bob")
            },
        )
        .await
        .expect("list");
    assert_eq!(
        (first.items.as_slice(), first.marker.as_deref()),
        (["another".to_owned()].as_slice(), Some("another"))
    );
    let rest = env
        .iam
        .list_user_policies(
            ACCOUNT,
            ListInlinePoliciesInput {
                max_items: Some(1),
                marker: first.marker,
                ..list("bob")
            },
        )
        .await
        .expect("list");
    assert_eq!(rest.items, ["read"]);
    assert!(!rest.is_truncated);

    env.iam
        .delete_user_policy(ACCOUNT, named("bob", "read"))
        .await
        .expect("delete");
    assert_iam_error(
        env.iam.get_user_policy(ACCOUNT, named("bob", "read")).await,
        "NoSuchEntity",
        "The user policy with name read cannot be found.",
    );
    assert_iam_error(
        env.iam
            .delete_user_policy(ACCOUNT, named("bob", "read"))
            .await,
        "NoSuchEntity",
        "The user policy with name read cannot be found.",
    );
}

#[tokio::test]
async fn group_and_role_inline_policies_round_trip() {
    let env = env().await;
    holders(&env).await;
    env.iam
        .put_group_policy(ACCOUNT, put("devs", "p", READ_SECRETS))
        .await
        .expect("put");
    env.iam
        .put_role_policy(ACCOUNT, put("deployer", "p", READ_SECRETS))
        .await
        .expect("put");
    assert_eq!(
        env.iam
            .get_group_policy(ACCOUNT, named("DEVS", "p"))
            .await
            .expect("get")
            .holder_name,
        "devs"
    );
    assert_eq!(
        env.iam
            .get_role_policy(ACCOUNT, named("deployer", "p"))
            .await
            .expect("get")
            .policy_document,
        READ_SECRETS
    );
    assert_eq!(
        env.iam
            .list_group_policies(ACCOUNT, list("devs"))
            .await
            .expect("list")
            .items,
        ["p"]
    );
    assert_eq!(
        env.iam
            .list_role_policies(ACCOUNT, list("deployer"))
            .await
            .expect("list")
            .items,
        ["p"]
    );
    // The same name on a user is a different policy: there is none.
    assert_iam_error(
        env.iam.get_user_policy(ACCOUNT, named("bob", "p")).await,
        "NoSuchEntity",
        "The user policy with name p cannot be found.",
    );
    env.iam
        .delete_group_policy(ACCOUNT, named("devs", "p"))
        .await
        .expect("delete");
    env.iam
        .delete_role_policy(ACCOUNT, named("deployer", "p"))
        .await
        .expect("delete");
    assert_iam_error(
        env.iam.get_group_policy(ACCOUNT, named("devs", "p")).await,
        "NoSuchEntity",
        "The group policy with name p cannot be found.",
    );
    assert_iam_error(
        env.iam
            .delete_role_policy(ACCOUNT, named("deployer", "p"))
            .await,
        "NoSuchEntity",
        "The role policy with name p cannot be found.",
    );
}

#[tokio::test]
async fn missing_holders() {
    let env = env().await;
    assert_iam_error(
        env.iam
            .put_user_policy(ACCOUNT, put("nobody", "p", READ_SECRETS))
            .await,
        "NoSuchEntity",
        "The user with name nobody cannot be found.",
    );
    assert_iam_error(
        env.iam
            .get_group_policy(ACCOUNT, named("nogroup", "p"))
            .await,
        "NoSuchEntity",
        "The group with name nogroup cannot be found.",
    );
    assert_iam_error(
        env.iam.list_role_policies(ACCOUNT, list("norole")).await,
        "NoSuchEntity",
        "The role with name norole cannot be found.",
    );
    assert_iam_error(
        env.iam
            .delete_role_policy(ACCOUNT, named("norole", "p"))
            .await,
        "NoSuchEntity",
        "The role with name norole cannot be found.",
    );
}

#[tokio::test]
async fn documents_are_validated() {
    let env = env().await;
    holders(&env).await;
    assert_iam_error(
        env.iam
            .put_user_policy(ACCOUNT, put("bob", "p", "not json"))
            .await,
        "MalformedPolicyDocument",
        "Syntax errors in policy.",
    );
    assert_iam_error(
        env.iam
            .put_role_policy(ACCOUNT, put("deployer", "p", TRUST_ACCOUNT))
            .await,
        "MalformedPolicyDocument",
        "Policy document should not specify a principal.",
    );
    assert_iam_error(
        env.iam
            .put_group_policy(ACCOUNT, put("devs", "a b", READ_SECRETS))
            .await,
        "ValidationError",
        r"1 validation error detected: Value 'a b' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+",
    );
    let curly = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"\u{2019}\"}]}";
    assert_iam_error(
        env.iam
            .put_user_policy(ACCOUNT, put("bob", "p", curly))
            .await,
        "ValidationError",
        &format!(
            "1 validation error detected: Value '{curly}' at 'policyDocument' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
        ),
    );
    // Attach's userNameType allows 64 characters; inline's existingUserNameType 128.
    let long = "u".repeat(100);
    assert_iam_error(
        env.iam
            .put_user_policy(ACCOUNT, put(&long, "p", READ_SECRETS))
            .await,
        "NoSuchEntity",
        &format!("The user with name {long} cannot be found."),
    );
    assert!(
        env.iam
            .list_user_policies(ACCOUNT, list("bob"))
            .await
            .expect("list")
            .items
            .is_empty()
    );
}

#[tokio::test]
async fn the_aggregate_size_of_a_holders_inline_policies_is_limited() {
    let env = env().await;
    holders(&env).await;
    // Find Sid lengths giving documents of exact sizes.
    let base = size(&document_with_sid(0));
    let sized = |n: usize| document_with_sid(n - base);
    assert_eq!(size(&sized(1000)), 1000);
    assert!(sized(1000).len() > 1000, "white space does not count");

    // User: 2048 together.
    env.iam
        .put_user_policy(ACCOUNT, put("bob", "a", &sized(1000)))
        .await
        .expect("a");
    env.iam
        .put_user_policy(ACCOUNT, put("bob", "b", &sized(1048)))
        .await
        .expect("b fills it exactly");
    assert_iam_error(
        env.iam
            .put_user_policy(ACCOUNT, put("bob", "c", &sized(base + 1)))
            .await,
        "LimitExceeded",
        "Maximum policy size of 2048 bytes exceeded for user bob",
    );
    // Replacing a policy counts its new size, not both.
    env.iam
        .put_user_policy(ACCOUNT, put("bob", "b", &sized(1040)))
        .await
        .expect("smaller b");
    assert_iam_error(
        env.iam
            .put_user_policy(ACCOUNT, put("bob", "b", &sized(1049)))
            .await,
        "LimitExceeded",
        "Maximum policy size of 2048 bytes exceeded for user bob",
    );

    // Group: 5120; role: 10240.
    env.iam
        .put_group_policy(ACCOUNT, put("devs", "a", &sized(5000)))
        .await
        .expect("group a");
    assert_iam_error(
        env.iam
            .put_group_policy(ACCOUNT, put("DEVS", "b", &sized(121)))
            .await,
        "LimitExceeded",
        "Maximum policy size of 5120 bytes exceeded for group devs",
    );
    env.iam
        .put_role_policy(ACCOUNT, put("deployer", "a", &sized(10_000)))
        .await
        .expect("role a");
    env.iam
        .put_role_policy(ACCOUNT, put("deployer", "b", &sized(240)))
        .await
        .expect("role b");
    assert_iam_error(
        env.iam
            .put_role_policy(ACCOUNT, put("deployer", "c", &sized(base)))
            .await,
        "LimitExceeded",
        "Maximum policy size of 10240 bytes exceeded for role deployer",
    );
}
