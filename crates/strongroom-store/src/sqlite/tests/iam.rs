//! The IAM part of the conformance suite: what every backend must enforce
//! itself (unique names, key and version quotas, RESTRICT and CASCADE), and
//! the V1 → V2 migration of the SQLite file.

use super::open;
use crate::iam::*;
use crate::sqlite::{SqliteStore, schema};
use crate::{AccessKeyRecord, AccessKeyUse, Store, StoreError, WriteTx};
use std::sync::Arc;
use strongroom_domain::iam::{ADMINISTRATOR_ACCESS, AccessKeyStatus, SECRETS_MANAGER_READ_WRITE};
use strongroom_domain::{Tag, Timestamp};

const ACCOUNT: &str = "123456789012";
const OTHER_ACCOUNT: &str = "210987654321";

fn user(id: &str, account: &str, name: &str, path: &str) -> UserRecord {
    UserRecord {
        user_id: id.into(),
        account: account.into(),
        name: name.into(),
        path: path.into(),
        arn: format!("arn:aws:iam::{account}:user{path}{name}"),
        created: Timestamp(1),
    }
}

fn group(id: &str, name: &str) -> GroupRecord {
    GroupRecord {
        group_id: id.into(),
        account: ACCOUNT.into(),
        name: name.into(),
        path: "/".into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:group/{name}"),
        created: Timestamp(2),
    }
}

fn role(id: &str, name: &str, max_session_duration: u32) -> RoleRecord {
    RoleRecord {
        role_id: id.into(),
        account: ACCOUNT.into(),
        name: name.into(),
        path: "/".into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:role/{name}"),
        trust_policy: "{}".into(),
        description: Some("d".into()),
        max_session_duration,
        created: Timestamp(3),
    }
}

fn policy(id: &str, name: &str, path: &str) -> ManagedPolicyRecord {
    ManagedPolicyRecord {
        policy_id: id.into(),
        account: Some(ACCOUNT.into()),
        name: name.into(),
        path: path.into(),
        arn: format!("arn:aws:iam::{ACCOUNT}:policy{path}{name}"),
        description: None,
        default_version: 1,
        created: Timestamp(4),
        updated: Timestamp(4),
        attachment_count: 0,
    }
}

fn v1(document: &str) -> PolicyVersionRecord {
    PolicyVersionRecord {
        version: 1,
        document: document.into(),
        created: Timestamp(4),
    }
}

fn key(id: &str, user_id: &str) -> AccessKeyRecord {
    AccessKeyRecord {
        access_key_id: id.into(),
        account: String::new(),
        user_id: user_id.into(),
        user_name: String::new(),
        status: AccessKeyStatus::Active,
        sealed_secret: vec![7, 7],
        created: 5,
        last_used: None,
    }
}

/// Runs one write closure, for brevity.
async fn write<T: Send + 'static>(
    store: &Arc<dyn Store>,
    f: impl FnOnce(&mut dyn WriteTx) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    store.write(f).await
}

/// Asserts the database itself refused the write, in the statement that
/// `context` names: a constraint, not a failure anywhere else.
#[track_caller]
fn refused<T: std::fmt::Debug>(result: Result<T, StoreError>, context: &str) {
    match result {
        Err(StoreError::Database { context: c, .. }) if c == context => {}
        other => panic!("expected the database to refuse {context}: {other:?}"),
    }
}

fn names(users: &[UserRecord]) -> Vec<&str> {
    users.iter().map(|u| u.name.as_str()).collect()
}

/// The IAM conformance suite every backend must pass.
pub async fn iam_store_suite(store: Arc<dyn Store>) {
    accounts_and_users(&store).await;
    groups_and_membership(&store).await;
    roles(&store).await;
    inline_policies(&store).await;
    managed_policies(&store).await;
    access_keys(&store).await;
    tags(&store).await;
}

async fn accounts_and_users(store: &Arc<dyn Store>) {
    assert!(
        write(store, |tx| tx.insert_iam_account(ACCOUNT, Timestamp(1)))
            .await
            .expect("account")
    );
    assert!(
        !write(store, |tx| tx.insert_iam_account(ACCOUNT, Timestamp(9)))
            .await
            .expect("account again"),
        "a second insert reports the account as existing"
    );
    write(store, |tx| {
        tx.insert_iam_account(OTHER_ACCOUNT, Timestamp(1))
    })
    .await
    .expect("other account");
    assert!(
        store
            .read(|tx| tx.iam_account_exists(ACCOUNT))
            .expect("read")
    );
    assert!(
        !store
            .read(|tx| tx.iam_account_exists("999999999999"))
            .expect("read")
    );

    for (id, name, path) in [
        ("AIDAUSERBOB", "Bob", "/"),
        ("AIDAUSERALICE", "alice", "/eng/"),
        ("AIDAUSERCAROL", "carol", "/eng/web/"),
    ] {
        let u = user(id, ACCOUNT, name, path);
        write(store, move |tx| tx.insert_user(&u))
            .await
            .expect("user");
    }
    // Names are unique per account regardless of case, but not across accounts.
    let dup = user("AIDAUSERBOB2", ACCOUNT, "BOB", "/");
    refused(
        write(store, move |tx| tx.insert_user(&dup)).await,
        "inserting a user",
    );
    let elsewhere = user("AIDAUSERBOB3", OTHER_ACCOUNT, "bob", "/");
    write(store, move |tx| tx.insert_user(&elsewhere))
        .await
        .expect("same name, other account");

    let found = store
        .read(|tx| tx.find_user(ACCOUNT, "bOb"))
        .expect("read")
        .expect("case-insensitive lookup");
    assert_eq!(found, user("AIDAUSERBOB", ACCOUNT, "Bob", "/"));
    assert_eq!(
        store
            .read(|tx| tx.find_user_by_id("AIDAUSERBOB3"))
            .expect("read")
            .map(|u| u.account),
        Some(OTHER_ACCOUNT.to_owned())
    );

    // Ordered by name without regard to case; the cursor resumes after it.
    let all = store
        .read(|tx| tx.list_users(ACCOUNT, None, None, 10))
        .expect("list");
    assert_eq!(names(&all), ["alice", "Bob", "carol"]);
    let page = store
        .read(|tx| tx.list_users(ACCOUNT, None, None, 2))
        .expect("list");
    assert_eq!(names(&page), ["alice", "Bob"]);
    let rest = store
        .read(|tx| tx.list_users(ACCOUNT, None, Some("bob"), 2))
        .expect("list");
    assert_eq!(names(&rest), ["carol"]);
    // Path prefixes compare exactly: `_` is no wildcard, case matters.
    let eng = store
        .read(|tx| tx.list_users(ACCOUNT, Some("/eng/"), None, 10))
        .expect("list");
    assert_eq!(names(&eng), ["alice", "carol"]);
    assert!(
        store
            .read(|tx| tx.list_users(ACCOUNT, Some("/ENG/"), None, 10))
            .expect("list")
            .is_empty()
    );
    assert!(
        store
            .read(|tx| tx.list_users(ACCOUNT, Some("/en_/"), None, 10))
            .expect("list")
            .is_empty()
    );

    // A rename keeps names unique regardless of case, in the database.
    let taken = write(store, |tx| {
        tx.rename_user(
            "AIDAUSERCAROL",
            "ALICE",
            "/",
            "arn:aws:iam::123456789012:user/ALICE",
        )
    })
    .await;
    refused(taken, "renaming a user");
    write(store, |tx| {
        tx.rename_user(
            "AIDAUSERCAROL",
            "Carol",
            "/ops/",
            "arn:aws:iam::123456789012:user/ops/Carol",
        )
    })
    .await
    .expect("own name in another case, another path");
    let renamed = store
        .read(|tx| tx.find_user_by_id("AIDAUSERCAROL"))
        .expect("read")
        .expect("still there");
    assert_eq!(
        (
            renamed.name.as_str(),
            renamed.path.as_str(),
            renamed.arn.as_str()
        ),
        ("Carol", "/ops/", "arn:aws:iam::123456789012:user/ops/Carol")
    );
    write(store, |tx| {
        tx.rename_user(
            "AIDAUSERCAROL",
            "carol",
            "/eng/web/",
            "arn:aws:iam::123456789012:user/eng/web/carol",
        )
    })
    .await
    .expect("back");
}

async fn groups_and_membership(store: &Arc<dyn Store>) {
    let (devs, ops) = (group("AGPADEVS", "devs"), group("AGPAOPS", "Ops"));
    write(store, move |tx| {
        tx.insert_group(&devs)?;
        tx.insert_group(&ops)
    })
    .await
    .expect("groups");
    let dup = group("AGPADEVS2", "DEVS");
    refused(
        write(store, move |tx| tx.insert_group(&dup)).await,
        "inserting a group",
    );

    assert!(
        write(store, |tx| tx.add_group_member("AGPADEVS", "AIDAUSERBOB"))
            .await
            .expect("add")
    );
    assert!(
        !write(store, |tx| tx.add_group_member("AGPADEVS", "AIDAUSERBOB"))
            .await
            .expect("add"),
        "adding twice reports the existing membership"
    );
    write(store, |tx| tx.add_group_member("AGPAOPS", "AIDAUSERBOB"))
        .await
        .expect("add");
    write(store, |tx| tx.add_group_member("AGPADEVS", "AIDAUSERALICE"))
        .await
        .expect("add");
    refused(
        write(store, |tx| tx.add_group_member("AGPADEVS", "AIDANOBODY")).await,
        "adding a group member",
    );

    let members = store
        .read(|tx| tx.group_members("AGPADEVS", None, 10))
        .expect("members");
    assert_eq!(names(&members), ["alice", "Bob"]);
    let groups = store
        .read(|tx| tx.groups_of_user("AIDAUSERBOB", Some("devs"), 10))
        .expect("groups");
    assert_eq!(
        groups.iter().map(|g| g.name.as_str()).collect::<Vec<_>>(),
        ["Ops"]
    );
    let dependents = store
        .read(|tx| tx.dependents(PolicyHolder::User("AIDAUSERBOB")))
        .expect("deps");
    assert_eq!(dependents.memberships, 2);

    // Membership keeps both sides alive.
    refused(
        write(store, |tx| tx.delete_group("AGPAOPS")).await,
        "deleting a group",
    );
    refused(
        write(store, |tx| tx.delete_user("AIDAUSERBOB")).await,
        "deleting a user",
    );
    assert!(
        write(store, |tx| tx.remove_group_member("AGPAOPS", "AIDAUSERBOB"))
            .await
            .expect("rm")
    );
    assert!(
        !write(store, |tx| tx.remove_group_member("AGPAOPS", "AIDAUSERBOB"))
            .await
            .expect("rm")
    );
    // Renaming is refused onto another group's name, in any case.
    refused(
        write(store, |tx| {
            tx.rename_group(
                "AGPAOPS",
                "DEVS",
                "/",
                "arn:aws:iam::123456789012:group/DEVS",
            )
        })
        .await,
        "renaming a group",
    );
    write(store, |tx| {
        tx.rename_group(
            "AGPAOPS",
            "ops",
            "/x/",
            "arn:aws:iam::123456789012:group/x/ops",
        )
    })
    .await
    .expect("rename");
    assert_eq!(
        store
            .read(|tx| tx.find_group(ACCOUNT, "OPS"))
            .expect("read")
            .map(|g| (g.name, g.path, g.arn)),
        Some((
            "ops".to_owned(),
            "/x/".to_owned(),
            "arn:aws:iam::123456789012:group/x/ops".to_owned()
        ))
    );
    write(store, |tx| tx.delete_group("AGPAOPS"))
        .await
        .expect("empty group deletes");
    assert!(
        store
            .read(|tx| tx.find_group(ACCOUNT, "ops"))
            .expect("read")
            .is_none()
    );
    assert_eq!(
        store
            .read(|tx| tx.list_groups(ACCOUNT, Some("/"), None, 10))
            .expect("list")
            .len(),
        1
    );
}

async fn roles(store: &Arc<dyn Store>) {
    let deploy = role("AROADEPLOY", "deploy", 3600);
    write(store, move |tx| tx.insert_role(&deploy))
        .await
        .expect("role");
    // The session-duration range is a database CHECK.
    for bad in [3599, 43201] {
        let r = role("AROABAD", "bad", bad);
        refused(
            write(store, move |tx| tx.insert_role(&r)).await,
            "inserting a role",
        );
    }
    let dup = role("AROADEPLOY2", "DEPLOY", 3600);
    refused(
        write(store, move |tx| tx.insert_role(&dup)).await,
        "inserting a role",
    );
    write(store, |tx| {
        tx.set_role_trust_policy("AROADEPLOY", "{\"new\":1}")
    })
    .await
    .expect("trust");
    // The session-duration CHECK holds for updates too.
    refused(
        write(store, |tx| {
            tx.set_role_max_session_duration("AROADEPLOY", 60)
        })
        .await,
        "updating a role's maximum session duration",
    );
    write(store, |tx| {
        tx.set_role_max_session_duration("AROADEPLOY", 7200)?;
        tx.set_role_description("AROADEPLOY", None)
    })
    .await
    .expect("update");
    let updated = store
        .read(|tx| tx.find_role(ACCOUNT, "deploy"))
        .expect("read")
        .expect("role");
    assert_eq!(
        (updated.max_session_duration, updated.description),
        (7200, None)
    );
    write(store, |tx| {
        tx.set_role_max_session_duration("AROADEPLOY", 3600)?;
        tx.set_role_description("AROADEPLOY", Some("d"))
    })
    .await
    .expect("update");
    let found = store
        .read(|tx| tx.find_role(ACCOUNT, "Deploy"))
        .expect("read")
        .expect("role");
    assert_eq!(found.trust_policy, "{\"new\":1}");
    assert_eq!(found.description.as_deref(), Some("d"));
    assert_eq!(
        store
            .read(|tx| tx.list_roles(ACCOUNT, None, None, 10))
            .expect("list"),
        vec![found]
    );
}

async fn inline_policies(store: &Arc<dyn Store>) {
    let alice = PolicyHolder::User("AIDAUSERALICE");
    write(store, move |tx| {
        tx.put_inline_policy(alice, "b", "{\"v\":1}")?;
        tx.put_inline_policy(alice, "a", "{\"v\":2}")?;
        tx.put_inline_policy(alice, "b", "{\"v\":3}")
    })
    .await
    .expect("put");
    // The same name on another holder kind is another policy.
    write(store, |tx| {
        tx.put_inline_policy(PolicyHolder::Role("AROADEPLOY"), "a", "{}")
    })
    .await
    .expect("put on role");
    let listed = store.read(|tx| tx.inline_policies(alice)).expect("list");
    assert_eq!(
        listed,
        vec![
            InlinePolicyRecord {
                name: "a".into(),
                document: "{\"v\":2}".into()
            },
            InlinePolicyRecord {
                name: "b".into(),
                document: "{\"v\":3}".into()
            },
        ]
    );
    refused(
        write(store, |tx| {
            tx.put_inline_policy(PolicyHolder::User("AIDANOBODY"), "x", "{}")
        })
        .await,
        "writing an inline policy",
    );

    // A holder with inline policies cannot be deleted.
    refused(
        write(store, |tx| tx.delete_role("AROADEPLOY")).await,
        "deleting a role",
    );
    assert!(
        write(store, move |tx| tx.delete_inline_policy(alice, "a"))
            .await
            .expect("delete")
    );
    assert!(
        !write(store, move |tx| tx.delete_inline_policy(alice, "a"))
            .await
            .expect("delete")
    );
    assert!(
        store
            .read(|tx| tx.inline_policy(alice, "a"))
            .expect("read")
            .is_none()
    );
    assert_eq!(
        store
            .read(|tx| tx.dependents(alice))
            .expect("deps")
            .inline_policies,
        1
    );
    write(store, |tx| {
        tx.delete_inline_policy(PolicyHolder::Role("AROADEPLOY"), "a")
    })
    .await
    .expect("delete");
    write(store, |tx| tx.delete_role("AROADEPLOY"))
        .await
        .expect("role without policies deletes");
}

async fn managed_policies(store: &Arc<dyn Store>) {
    // The AWS managed policies come with the schema, visible from every account.
    for account in [ACCOUNT, OTHER_ACCOUNT] {
        let admin = store
            .read(|tx| tx.find_managed_policy(&ADMINISTRATOR_ACCESS.arn(), account))
            .expect("read")
            .expect("AdministratorAccess exists");
        assert_eq!(admin.account, None);
        assert_eq!(admin.default_version, 1);
        let doc = store
            .read(|tx| tx.policy_version(ADMINISTRATOR_ACCESS.policy_id, 1))
            .expect("read")
            .expect("v1");
        assert_eq!(doc.document, ADMINISTRATOR_ACCESS.document);
    }
    let smrw = store
        .read(|tx| tx.find_managed_policy(&SECRETS_MANAGER_READ_WRITE.arn(), ACCOUNT))
        .expect("read")
        .expect("SecretsManagerReadWrite exists");
    assert_eq!(smrw.default_version, SECRETS_MANAGER_READ_WRITE.version);

    let (mine, other) = (
        policy("ANPAMINE", "mine", "/team/"),
        policy("ANPAOTHER", "Other", "/"),
    );
    write(store, move |tx| {
        tx.insert_managed_policy(&mine, &v1("{\"m\":1}"))?;
        tx.insert_managed_policy(&other, &v1("{}"))
    })
    .await
    .expect("policies");
    let dup = policy("ANPAMINE2", "MINE", "/");
    refused(
        write(store, move |tx| tx.insert_managed_policy(&dup, &v1("{}"))).await,
        "inserting a managed policy",
    );
    assert!(
        store
            .read(|tx| tx.find_managed_policy_by_name(ACCOUNT, "Mine"))
            .expect("read")
            .is_some()
    );

    // Up to 5 versions, numbered on; a sixth is refused by the database.
    for expected in 2..=5 {
        let v = write(store, |tx| {
            tx.insert_policy_version("ANPAMINE", "{\"m\":2}", Timestamp(6))
        })
        .await
        .expect("version");
        assert_eq!(v, expected);
    }
    refused(
        write(store, |tx| {
            tx.insert_policy_version("ANPAMINE", "{}", Timestamp(7))
        })
        .await,
        "inserting a policy version",
    );
    let versions = store
        .read(|tx| tx.policy_versions("ANPAMINE"))
        .expect("versions");
    assert_eq!(
        versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        [1, 2, 3, 4, 5]
    );
    write(store, |tx| {
        tx.set_default_policy_version("ANPAMINE", 3, Timestamp(8))
    })
    .await
    .expect("default");
    // The default version cannot be deleted, others can, once.
    assert!(
        !write(store, |tx| tx.delete_policy_version("ANPAMINE", 3))
            .await
            .expect("delete")
    );
    assert!(
        write(store, |tx| tx.delete_policy_version("ANPAMINE", 5))
            .await
            .expect("delete")
    );
    assert!(
        !write(store, |tx| tx.delete_policy_version("ANPAMINE", 5))
            .await
            .expect("delete")
    );
    // Its slot is free again; numbers go on from the highest ever given.
    assert_eq!(
        write(store, |tx| {
            tx.insert_policy_version("ANPAMINE", "{\"m\":2}", Timestamp(9))
        })
        .await
        .expect("version"),
        6
    );

    // Attachments count per account; attaching twice is one attachment.
    let bob = PolicyHolder::User("AIDAUSERBOB");
    let admin_id = ADMINISTRATOR_ACCESS.policy_id;
    assert!(
        write(store, move |tx| tx.attach_policy(bob, ACCOUNT, "ANPAMINE"))
            .await
            .expect("attach")
    );
    assert!(
        !write(store, move |tx| tx.attach_policy(bob, ACCOUNT, "ANPAMINE"))
            .await
            .expect("attach")
    );
    write(store, move |tx| tx.attach_policy(bob, ACCOUNT, admin_id))
        .await
        .expect("attach");
    write(store, move |tx| {
        tx.attach_policy(PolicyHolder::Group("AGPADEVS"), ACCOUNT, admin_id)
    })
    .await
    .expect("attach");
    let count = |arn: String, account: &'static str| {
        store
            .read(|tx| tx.find_managed_policy(&arn, account))
            .expect("read")
            .map(|p| p.attachment_count)
    };
    assert_eq!(count(ADMINISTRATOR_ACCESS.arn(), ACCOUNT), Some(2));
    assert_eq!(count(ADMINISTRATOR_ACCESS.arn(), OTHER_ACCOUNT), Some(0));
    let docs = store
        .read(|tx| tx.attached_policy_documents(bob))
        .expect("docs");
    assert_eq!(
        docs,
        vec![
            (
                ADMINISTRATOR_ACCESS.arn(),
                ADMINISTRATOR_ACCESS.document.to_owned()
            ),
            (
                format!("arn:aws:iam::{ACCOUNT}:policy/team/mine"),
                "{\"m\":2}".to_owned()
            ),
        ],
        "the default version's document"
    );
    let attached = store
        .read(|tx| tx.attached_policies(bob, Some("/team/"), None, 10))
        .expect("attached");
    assert_eq!(
        attached.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["mine"]
    );

    // Listing: scope, only-attached, path prefix and the (name, id) cursor.
    let list = |scope,
                only_attached,
                prefix: Option<&'static str>,
                after: Option<(&'static str, &'static str)>| {
        store
            .read(|tx| {
                tx.list_managed_policies(
                    ACCOUNT,
                    PolicyFilter {
                        scope,
                        only_attached,
                        path_prefix: prefix,
                    },
                    after.map(|(name, policy_id)| PolicyCursor { name, policy_id }),
                    10,
                )
            })
            .expect("list")
            .into_iter()
            .map(|p| (p.name, p.attachment_count))
            .collect::<Vec<_>>()
    };
    let n = |s: &str, c: u64| (s.to_owned(), c);
    assert_eq!(
        list(PolicyScope::All, false, None, None),
        [
            n("AdministratorAccess", 2),
            n("mine", 1),
            n("Other", 0),
            n("SecretsManagerReadWrite", 0)
        ]
    );
    assert_eq!(
        list(PolicyScope::Local, false, None, None),
        [n("mine", 1), n("Other", 0)]
    );
    assert_eq!(
        list(PolicyScope::Aws, false, None, None),
        [n("AdministratorAccess", 2), n("SecretsManagerReadWrite", 0)]
    );
    assert_eq!(
        list(PolicyScope::All, true, None, None),
        [n("AdministratorAccess", 2), n("mine", 1)]
    );
    assert_eq!(
        list(PolicyScope::All, false, Some("/team/"), None),
        [n("mine", 1)]
    );
    assert_eq!(
        list(PolicyScope::All, false, None, Some(("mine", "ANPAMINE"))),
        [n("Other", 0), n("SecretsManagerReadWrite", 0)]
    );

    // Deletion: refused while attached, or while a non-default version exists.
    refused(
        write(store, |tx| tx.delete_managed_policy("ANPAMINE")).await,
        "deleting a managed policy",
    );
    assert!(
        write(store, move |tx| tx.detach_policy(bob, "ANPAMINE"))
            .await
            .expect("detach")
    );
    assert!(
        !write(store, move |tx| tx.detach_policy(bob, "ANPAMINE"))
            .await
            .expect("detach")
    );
    refused(
        write(store, |tx| tx.delete_managed_policy("ANPAMINE")).await,
        "deleting a managed policy",
    );
    assert_eq!(
        store
            .read(|tx| tx.policy_versions("ANPAMINE"))
            .expect("versions")
            .len(),
        5
    );
    write(store, |tx| tx.delete_managed_policy("ANPAOTHER"))
        .await
        .expect("single version deletes");
    assert!(
        store
            .read(|tx| tx.policy_versions("ANPAOTHER"))
            .expect("versions")
            .is_empty()
    );
    // A user with attached policies cannot be deleted.
    refused(
        write(store, |tx| tx.delete_user("AIDAUSERBOB")).await,
        "deleting a user",
    );
}

async fn access_keys(store: &Arc<dyn Store>) {
    write(store, |tx| {
        tx.insert_access_key(&key("AKIAKEY1", "AIDAUSERCAROL"))?;
        tx.insert_access_key(&key("AKIAKEY2", "AIDAUSERCAROL"))
    })
    .await
    .expect("two keys");
    refused(
        write(store, |tx| {
            tx.insert_access_key(&key("AKIAKEY3", "AIDAUSERCAROL"))
        })
        .await,
        "inserting an access key",
    );
    refused(
        write(store, |tx| {
            tx.insert_access_key(&key("AKIAKEY4", "AIDANOBODY"))
        })
        .await,
        "inserting an access key",
    );

    let loaded = store
        .read(|tx| tx.access_key("AKIAKEY1"))
        .expect("read")
        .expect("key");
    assert_eq!(
        loaded,
        AccessKeyRecord {
            account: ACCOUNT.into(),
            user_name: "carol".into(),
            ..key("AKIAKEY1", "AIDAUSERCAROL")
        }
    );
    let used = AccessKeyUse {
        at: Timestamp(99),
        service: "secretsmanager".into(),
        region: "eu-west-1".into(),
    };
    let u2 = used.clone();
    write(store, move |tx| {
        tx.set_access_key_status("AKIAKEY1", AccessKeyStatus::Inactive)?;
        tx.record_access_key_use("AKIAKEY1", &u2)
    })
    .await
    .expect("update");
    let loaded = store
        .read(|tx| tx.access_key("AKIAKEY1"))
        .expect("read")
        .expect("key");
    assert_eq!(loaded.status, AccessKeyStatus::Inactive);
    assert_eq!(loaded.last_used, Some(used));
    assert_eq!(
        store
            .read(|tx| tx.access_keys_of_user("AIDAUSERCAROL"))
            .expect("keys")
            .len(),
        2
    );
    assert!(
        store
            .read(|tx| tx.access_keys())
            .expect("all")
            .iter()
            .any(|k| k.access_key_id == "AKIAKEY2")
    );

    // Keys keep their user; a freed slot can be taken again.
    refused(
        write(store, |tx| tx.delete_user("AIDAUSERCAROL")).await,
        "deleting a user",
    );
    assert!(
        write(store, |tx| tx.delete_access_key("AKIAKEY1"))
            .await
            .expect("delete")
    );
    assert!(
        !write(store, |tx| tx.delete_access_key("AKIAKEY1"))
            .await
            .expect("delete")
    );
    write(store, |tx| {
        tx.insert_access_key(&key("AKIAKEY5", "AIDAUSERCAROL"))
    })
    .await
    .expect("slot reused");
    write(store, |tx| {
        tx.delete_access_key("AKIAKEY2")?;
        tx.delete_access_key("AKIAKEY5")?;
        tx.delete_user("AIDAUSERCAROL")
    })
    .await
    .expect("user without dependents deletes");
}

async fn tags(store: &Arc<dyn Store>) {
    let t = |k: &str, v: &str| Tag {
        key: k.into(),
        value: v.into(),
    };
    let tags = vec![t("z", "1"), t("a", "2")];
    let given = tags.clone();
    write(store, move |tx| {
        tx.replace_iam_tags(TagOwner::User("AIDAUSERALICE"), &given)
    })
    .await
    .expect("tags");
    assert_eq!(
        store
            .read(|tx| tx.iam_tags(TagOwner::User("AIDAUSERALICE")))
            .expect("tags"),
        tags
    );
    refused(
        write(store, move |tx| {
            tx.replace_iam_tags(TagOwner::User("AIDAUSERALICE"), &[t("k", "1"), t("K", "2")])
        })
        .await,
        "writing tags",
    );
    assert!(
        store
            .read(|tx| tx.iam_tags(TagOwner::Policy("ANPAMINE")))
            .expect("tags")
            .is_empty()
    );
    // Tags go with their owner.
    write(store, |tx| {
        tx.delete_inline_policy(PolicyHolder::User("AIDAUSERALICE"), "b")?;
        tx.remove_group_member("AGPADEVS", "AIDAUSERALICE")?;
        tx.delete_user("AIDAUSERALICE")
    })
    .await
    .expect("delete alice");
    assert!(
        store
            .read(|tx| tx.iam_tags(TagOwner::User("AIDAUSERALICE")))
            .expect("tags")
            .is_empty()
    );
}

#[tokio::test]
async fn sqlite_passes_the_iam_store_suite() {
    let (_dir, store) = open();
    iam_store_suite(store).await;
}

/// A database written by the V1 schema, with the server's `root` key (and,
/// to exercise the 2-keys-per-user split, two more).
fn v1_database(path: &std::path::Path) {
    let conn = rusqlite::Connection::open(path).expect("open");
    conn.execute_batch(schema::V1).expect("v1 schema");
    conn.execute_batch("PRAGMA user_version = 1")
        .expect("version");
    for (id, created) in [("AKIAROOT1", 10), ("AKIAROOT2", 20), ("AKIAROOT3", 30)] {
        conn.execute(
            "INSERT INTO access_keys (access_key_id, account, principal, sealed_secret, created) \
             VALUES (?1, ?2, 'root', ?3, ?4)",
            rusqlite::params![id, ACCOUNT, id.as_bytes(), created],
        )
        .expect("v1 key");
    }
    conn.execute(
        "INSERT INTO meta (key, value) VALUES ('account_id', ?1)",
        [ACCOUNT],
    )
    .expect("meta");
}

#[tokio::test]
async fn v1_root_keys_become_keys_of_admin_users_with_administrator_access() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v1.db");
    v1_database(&path);
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("migrates"));

    assert!(
        store
            .read(|tx| tx.iam_account_exists(ACCOUNT))
            .expect("read")
    );
    assert_eq!(
        store
            .read(|tx| tx.meta("account_id"))
            .expect("meta")
            .as_deref(),
        Some(ACCOUNT)
    );
    let admin = store
        .read(|tx| tx.find_user(ACCOUNT, "admin"))
        .expect("read")
        .expect("admin");
    assert_eq!(admin.arn, format!("arn:aws:iam::{ACCOUNT}:user/admin"));
    assert!(admin.user_id.starts_with("AIDA") && admin.user_id.len() == 20);
    let keys = store
        .read(|tx| tx.access_keys_of_user(&admin.user_id))
        .expect("keys");
    assert_eq!(
        keys.iter()
            .map(|k| (
                k.access_key_id.as_str(),
                k.sealed_secret.as_slice(),
                k.created,
                k.status
            ))
            .collect::<Vec<_>>(),
        [
            (
                "AKIAROOT1",
                b"AKIAROOT1".as_slice(),
                10,
                AccessKeyStatus::Active
            ),
            (
                "AKIAROOT2",
                b"AKIAROOT2".as_slice(),
                20,
                AccessKeyStatus::Active
            ),
        ],
        "secrets are carried over sealed as they were"
    );
    let second = store
        .read(|tx| tx.find_user(ACCOUNT, "admin-2"))
        .expect("read")
        .expect("admin-2");
    let keys = store
        .read(|tx| tx.access_keys_of_user(&second.user_id))
        .expect("keys");
    assert_eq!(
        keys.iter()
            .map(|k| k.access_key_id.as_str())
            .collect::<Vec<_>>(),
        ["AKIAROOT3"]
    );
    for u in [&admin, &second] {
        let docs = store
            .read(|tx| tx.attached_policy_documents(PolicyHolder::User(&u.user_id)))
            .expect("docs");
        assert_eq!(
            docs,
            vec![(
                ADMINISTRATOR_ACCESS.arn(),
                ADMINISTRATOR_ACCESS.document.to_owned()
            )]
        );
    }
    drop(store);

    // Opening again is a no-op: the migration ran once.
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("reopen"));
    let users = store
        .read(|tx| tx.list_users(ACCOUNT, None, None, 10))
        .expect("users");
    assert_eq!(names(&users), ["admin", "admin-2"]);
    assert_eq!(users[0], admin);
}

#[tokio::test]
async fn a_fresh_database_has_no_access_keys_but_the_aws_managed_policies() {
    let (_dir, store) = open();
    assert!(store.read(|tx| tx.access_keys()).expect("keys").is_empty());
    let aws = store
        .read(|tx| {
            tx.list_managed_policies(
                ACCOUNT,
                PolicyFilter {
                    scope: PolicyScope::Aws,
                    only_attached: false,
                    path_prefix: None,
                },
                None,
                10,
            )
        })
        .expect("list");
    assert_eq!(
        aws.iter().map(|p| p.arn.as_str()).collect::<Vec<_>>(),
        [ADMINISTRATOR_ACCESS.arn(), SECRETS_MANAGER_READ_WRITE.arn()]
    );
}
