//! Accounts (bootstrap, create_account, keys for the admin CLI) and what
//! authentication reads: identity_for_access_key, role_identity, and their
//! cache.

mod common;

use common::*;
use std::sync::Arc;
use strongroom_crypto::seal;
use strongroom_domain::iam::access_key_seal_context;
use strongroom_iam::*;
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;

const NEW_ACCOUNT: &str = "111122223333";

fn put(holder: &str, name: &str, doc: &str) -> PutInlinePolicyInput {
    PutInlinePolicyInput {
        holder_name: holder.into(),
        policy_name: name.into(),
        policy_document: doc.into(),
    }
}

fn attach(holder: &str, arn: &str) -> AttachPolicyInput {
    AttachPolicyInput {
        holder_name: holder.into(),
        policy_arn: arn.into(),
    }
}

#[tokio::test]
async fn bootstrap_creates_the_account_its_admin_and_one_key_once() {
    let env = env().await;
    let key = env
        .iam
        .bootstrap_account(NEW_ACCOUNT)
        .await
        .expect("bootstrap")
        .expect("created the first time");
    assert_eq!(key.user_name, "admin");
    assert_eq!(key.status, AccessKeyStatus::Active);
    assert!(
        env.iam
            .bootstrap_account(NEW_ACCOUNT)
            .await
            .expect("again")
            .is_none()
    );

    let admin = env
        .iam
        .get_user(
            NEW_ACCOUNT,
            GetUserInput {
                user_name: "admin".into(),
            },
        )
        .await
        .expect("admin");
    assert_eq!(admin.arn, "arn:aws:iam::111122223333:user/admin");
    let attached = env
        .iam
        .list_attached_user_policies(
            NEW_ACCOUNT,
            ListAttachedPoliciesInput {
                holder_name: "admin".into(),
                ..Default::default()
            },
        )
        .await
        .expect("attached");
    assert_eq!(
        attached.items[0].policy_arn,
        "arn:aws:iam::aws:policy/AdministratorAccess"
    );
    let keys = env
        .iam
        .list_access_keys(
            NEW_ACCOUNT,
            ListAccessKeysInput {
                user_name: "admin".into(),
                ..Default::default()
            },
        )
        .await
        .expect("keys");
    assert_eq!(keys.items.len(), 1, "the second bootstrap made no key");

    // The key authenticates as the admin, with AdministratorAccess parsed.
    let identity = env
        .iam
        .identity_for_access_key(&key.access_key_id)
        .expect("read")
        .expect("known key");
    assert_eq!(identity.account, NEW_ACCOUNT);
    assert_eq!(identity.user_arn, admin.arn);
    assert_eq!(identity.user_id, admin.user_id);
    assert_eq!(*identity.secret_access_key, *key.secret_access_key);
    assert_eq!(identity.policies.len(), 1);
    assert_eq!(identity.policies[0].statement_count(), 1);

    assert_iam_error(
        env.iam.bootstrap_account("12345").await,
        "InvalidInput",
        "Account id 12345 is not valid: it must be 12 digits.",
    );
}

#[tokio::test]
async fn create_account_refuses_an_existing_account() {
    let env = env().await;
    let key = env.iam.create_account(NEW_ACCOUNT).await.expect("create");
    assert_eq!(key.user_name, "admin");
    assert_iam_error(
        env.iam.create_account(NEW_ACCOUNT).await,
        "EntityAlreadyExists",
        "Account 111122223333 already exists.",
    );
    // The CLI can give the admin its second key, not a third.
    let second = env
        .iam
        .create_access_key_for(NEW_ACCOUNT, "admin")
        .await
        .expect("second key");
    assert_ne!(second.access_key_id, key.access_key_id);
    assert_iam_error(
        env.iam.create_access_key_for(NEW_ACCOUNT, "admin").await,
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
    );
    assert_iam_error(
        env.iam.create_access_key_for(NEW_ACCOUNT, "ghost").await,
        "NoSuchEntity",
        "The user with name ghost cannot be found.",
    );
}

#[tokio::test]
async fn an_identity_carries_the_users_and_its_groups_policies() {
    let env = env().await;
    env.iam
        .create_user(
            ACCOUNT,
            CreateUserInput {
                user_name: "bob".into(),
                path: Some("/eng/".into()),
                tags: vec![Tag {
                    key: "team".into(),
                    value: "core".into(),
                }],
            },
        )
        .await
        .expect("user");
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
        .put_user_policy(ACCOUNT, put("bob", "own", READ_SECRETS))
        .await
        .expect("inline");
    env.iam
        .attach_user_policy(
            ACCOUNT,
            attach("bob", "arn:aws:iam::aws:policy/SecretsManagerReadWrite"),
        )
        .await
        .expect("attach");
    for g in ["devs", "ops"] {
        env.iam
            .create_group(
                ACCOUNT,
                CreateGroupInput {
                    group_name: g.into(),
                    path: None,
                },
            )
            .await
            .expect("group");
        env.iam
            .add_user_to_group(
                ACCOUNT,
                GroupMembershipInput {
                    group_name: g.into(),
                    user_name: "bob".into(),
                },
            )
            .await
            .expect("join");
    }
    env.iam
        .put_group_policy(ACCOUNT, put("devs", "g", &document_with_sid(1)))
        .await
        .expect("group inline");
    // Attached to the user and to a group: counted once.
    env.iam
        .attach_group_policy(
            ACCOUNT,
            attach("ops", "arn:aws:iam::aws:policy/SecretsManagerReadWrite"),
        )
        .await
        .expect("attach");
    env.iam
        .attach_group_policy(
            ACCOUNT,
            attach("ops", "arn:aws:iam::aws:policy/AdministratorAccess"),
        )
        .await
        .expect("attach");

    let identity = env
        .iam
        .identity_for_access_key(&key.access_key_id)
        .expect("read")
        .expect("known");
    assert_eq!(identity.user_name, "bob");
    assert_eq!(identity.user_path, "/eng/");
    assert_eq!(identity.user_arn, "arn:aws:iam::123456789012:user/eng/bob");
    assert_eq!(
        identity.user_tags,
        vec![Tag {
            key: "team".into(),
            value: "core".into()
        }]
    );
    assert_eq!(identity.access_key_id, key.access_key_id);
    assert_eq!(identity.access_key_status, AccessKeyStatus::Active);
    // own inline, SecretsManagerReadWrite, devs' inline, AdministratorAccess
    assert_eq!(identity.policies.len(), 4);
    let statements: Vec<usize> = identity
        .policies
        .iter()
        .map(|p| p.statement_count())
        .collect();
    assert_eq!(statements, [1, 5, 1, 1]);
    assert!(
        !format!("{identity:?}").contains(key.secret_access_key.as_str()),
        "Debug hides the secret"
    );

    assert!(
        env.iam
            .identity_for_access_key("AKIAAAAAAAAAAAAAAAAA")
            .expect("read")
            .is_none()
    );
}

#[tokio::test]
async fn the_identity_cache_follows_every_iam_write() {
    let env = env().await;
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
    let id = key.access_key_id.clone();
    let first = env
        .iam
        .identity_for_access_key(&id)
        .expect("read")
        .expect("known");
    assert!(first.policies.is_empty());
    let again = env
        .iam
        .identity_for_access_key(&id)
        .expect("read")
        .expect("known");
    assert!(Arc::ptr_eq(&first, &again), "served from the cache");

    // A policy change shows at once.
    env.iam
        .attach_user_policy(
            ACCOUNT,
            attach("bob", "arn:aws:iam::aws:policy/AdministratorAccess"),
        )
        .await
        .expect("attach");
    let after = env
        .iam
        .identity_for_access_key(&id)
        .expect("read")
        .expect("known");
    assert_eq!(after.policies.len(), 1);

    // So does deactivating the key.
    env.iam
        .update_access_key(
            ACCOUNT,
            UpdateAccessKeyInput {
                user_name: "bob".into(),
                access_key_id: id.clone(),
                status: "Inactive".into(),
            },
        )
        .await
        .expect("deactivate");
    let inactive = env
        .iam
        .identity_for_access_key(&id)
        .expect("read")
        .expect("known");
    assert_eq!(inactive.access_key_status, AccessKeyStatus::Inactive);

    // A failed write changes nothing, and a deleted key is gone.
    let _ = env
        .iam
        .delete_user(
            ACCOUNT,
            DeleteUserInput {
                user_name: "bob".into(),
            },
        )
        .await;
    assert!(
        env.iam
            .identity_for_access_key(&id)
            .expect("read")
            .is_some()
    );
    env.iam
        .delete_access_key(
            ACCOUNT,
            DeleteAccessKeyInput {
                user_name: "bob".into(),
                access_key_id: id.clone(),
            },
        )
        .await
        .expect("delete");
    assert!(
        env.iam
            .identity_for_access_key(&id)
            .expect("read")
            .is_none()
    );

    // Recording last use does not evict anything (it is not part of an identity).
    let other = env
        .iam
        .create_access_key(
            ACCOUNT,
            CreateAccessKeyInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("key");
    let cached = env
        .iam
        .identity_for_access_key(&other.access_key_id)
        .expect("read")
        .expect("known");
    env.iam
        .note_access_key_used(&other.access_key_id, "iam", "us-east-1", START)
        .await
        .expect("note");
    let still = env
        .iam
        .identity_for_access_key(&other.access_key_id)
        .expect("read")
        .expect("known");
    assert!(Arc::ptr_eq(&cached, &still));
}

#[tokio::test]
async fn role_identities_carry_the_trust_policy_and_policies() {
    let env = env().await;
    env.iam
        .create_role(
            ACCOUNT,
            CreateRoleInput {
                role_name: "Deployer".into(),
                assume_role_policy_document: TRUST_ACCOUNT.into(),
                max_session_duration: Some(7200),
                tags: vec![Tag {
                    key: "a".into(),
                    value: "b".into(),
                }],
                ..Default::default()
            },
        )
        .await
        .expect("role");
    env.iam
        .put_role_policy(ACCOUNT, put("deployer", "p", READ_SECRETS))
        .await
        .expect("inline");
    let role = env
        .iam
        .role_identity(ACCOUNT, "deployer")
        .expect("read")
        .expect("known");
    assert_eq!(role.role_name, "Deployer");
    assert_eq!(role.role_arn, "arn:aws:iam::123456789012:role/Deployer");
    assert!(role.role_id.starts_with("AROA"));
    assert_eq!(role.max_session_duration, 7200);
    assert_eq!(role.tags.len(), 1);
    assert_eq!(role.policies.len(), 1);
    assert_eq!(role.trust_policy.statement_count(), 1);
    let cached = env
        .iam
        .role_identity(ACCOUNT, "DEPLOYER")
        .expect("read")
        .expect("known");
    assert!(
        Arc::ptr_eq(&role, &cached),
        "names ignore case, and the cache serves it"
    );

    env.iam
        .attach_role_policy(
            ACCOUNT,
            attach("Deployer", "arn:aws:iam::aws:policy/AdministratorAccess"),
        )
        .await
        .expect("attach");
    assert_eq!(
        env.iam
            .role_identity(ACCOUNT, "deployer")
            .expect("read")
            .expect("known")
            .policies
            .len(),
        2
    );
    assert!(
        env.iam
            .role_identity(OTHER, "deployer")
            .expect("read")
            .is_none()
    );
    assert!(
        env.iam
            .role_identity(ACCOUNT, "nobody")
            .expect("read")
            .is_none()
    );
}

/// A database as the V1 schema left it: the bootstrap `root` key of an
/// account, sealed by the root key the way V1 sealed it. (Only the tables
/// the migrations touch: `secrets` gains a column later.)
const V1_SCHEMA: &str = r#"
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE access_keys (
    access_key_id TEXT PRIMARY KEY,
    account       TEXT NOT NULL,
    principal     TEXT NOT NULL,
    sealed_secret BLOB NOT NULL,
    created       INTEGER NOT NULL
);
CREATE TABLE kms_keys (
    key_id          TEXT PRIMARY KEY,
    account         TEXT NOT NULL,
    region          TEXT NOT NULL,
    alias           TEXT NOT NULL,
    sealed_material BLOB NOT NULL,
    created         INTEGER NOT NULL,
    UNIQUE (account, region, alias)
);
CREATE TABLE secrets (
    pk            INTEGER PRIMARY KEY,
    arn           TEXT NOT NULL UNIQUE,
    account       TEXT NOT NULL,
    region        TEXT NOT NULL,
    name          TEXT NOT NULL,
    description   TEXT,
    kms_key_id    TEXT,
    secret_type   TEXT,
    created       INTEGER NOT NULL,
    last_changed  INTEGER NOT NULL,
    last_accessed INTEGER,
    deleted       INTEGER,
    purge_after   INTEGER,
    tagged        INTEGER NOT NULL DEFAULT 0,
    -- a name is taken while its secret exists, scheduled for deletion or not
    UNIQUE (account, region, name)
);
CREATE INDEX secrets_purge ON secrets (purge_after) WHERE purge_after IS NOT NULL;
CREATE TABLE versions (
    secret_pk     INTEGER NOT NULL REFERENCES secrets (pk) ON DELETE CASCADE,
    version_id    TEXT NOT NULL,
    created       INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    last_accessed INTEGER,
    key_id        TEXT,
    wrapped_key   BLOB,
    ciphertext    BLOB,
    PRIMARY KEY (secret_pk, version_id)
) WITHOUT ROWID;
-- one row per label: the primary key makes "a label sits on at most one
-- version" a database invariant, not just a service rule
CREATE TABLE stages (
    secret_pk  INTEGER NOT NULL,
    stage      TEXT NOT NULL,
    version_id TEXT NOT NULL,
    PRIMARY KEY (secret_pk, stage),
    FOREIGN KEY (secret_pk, version_id) REFERENCES versions (secret_pk, version_id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE TABLE tags (
    secret_pk INTEGER NOT NULL REFERENCES secrets (pk) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    key       TEXT NOT NULL,
    value     TEXT NOT NULL,
    PRIMARY KEY (secret_pk, position)
) WITHOUT ROWID;
"#;

fn v1_database(path: &std::path::Path, root: &strongroom_crypto::RootKey, id: &str, secret: &str) {
    let conn = rusqlite::Connection::open(path).expect("open");
    // Schema V1 as it shipped (frozen: later versions migrate from it).
    conn.execute_batch(V1_SCHEMA).expect("v1 tables");
    conn.execute_batch("PRAGMA user_version = 1;")
        .expect("v1 version");
    let sealed = seal(
        &root.0,
        format!("access-key:{id}").as_bytes(),
        secret.as_bytes(),
    )
    .expect("seal");
    conn.execute(
        "INSERT INTO access_keys VALUES (?1, ?2, 'root', ?3, 5)",
        rusqlite::params![id, ACCOUNT, sealed],
    )
    .expect("v1 key");
}

#[tokio::test]
async fn a_v1_root_key_still_authenticates_after_the_migration() {
    let env = env().await;
    let path = env.dir.path().join("v1.db");
    let (id, secret) = (
        "AKIAV1ROOTKEY0000000",
        "s3cr3t/s3cr3t+s3cr3t/s3cr3t+s3cr3t/s3cr3",
    );
    v1_database(&path, &env.root, id, secret);
    assert_eq!(
        access_key_seal_context(id),
        format!("access-key:{id}").into_bytes()
    );

    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("migrates"));
    let iam = Iam::new(store, env.root.clone(), env.clock.clone());
    let identity = iam
        .identity_for_access_key(id)
        .expect("read")
        .expect("adopted key");
    assert_eq!(identity.user_name, "admin");
    assert_eq!(identity.account, ACCOUNT);
    assert_eq!(identity.secret_access_key.as_str(), secret);
    assert_eq!(identity.access_key_status, AccessKeyStatus::Active);
    assert_eq!(identity.policies.len(), 1, "AdministratorAccess");
    // The account exists now: bootstrapping it again creates nothing.
    assert!(
        iam.bootstrap_account(ACCOUNT)
            .await
            .expect("bootstrap")
            .is_none()
    );
}

/// The server runs operations on a multi-threaded runtime: `Iam` must be
/// shareable and its futures `Send` (this fails to compile otherwise).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operations_run_concurrently_on_a_multi_threaded_runtime() {
    let env = env().await;
    let iam = Arc::new(env.iam);
    let mut tasks = Vec::new();
    for i in 0..20 {
        let iam = iam.clone();
        tasks.push(tokio::spawn(async move {
            let name = format!("user{i}");
            iam.create_user(
                ACCOUNT,
                CreateUserInput {
                    user_name: name.clone(),
                    ..Default::default()
                },
            )
            .await?;
            let key = iam
                .create_access_key(ACCOUNT, CreateAccessKeyInput { user_name: name })
                .await?;
            iam.identity_for_access_key(&key.access_key_id)
        }));
    }
    for task in tasks {
        assert!(task.await.expect("join").expect("ops").is_some());
    }
    // Concurrent creations of one name: exactly one wins.
    let mut racers = Vec::new();
    for _ in 0..8 {
        let iam = iam.clone();
        racers.push(tokio::spawn(async move {
            iam.create_group(
                ACCOUNT,
                CreateGroupInput {
                    group_name: "race".into(),
                    path: None,
                },
            )
            .await
        }));
    }
    let mut won = 0;
    for r in racers {
        match r.await.expect("join") {
            Ok(_) => won += 1,
            Err(e) => assert_eq!(e.code(), "EntityAlreadyExists"),
        }
    }
    assert_eq!(won, 1);
}

/// A stored policy the engine no longer accepts, or a key sealed under
/// another root key, must not yield an identity: authentication fails
/// closed (ServiceFailure), it never drops a policy it cannot read.
#[tokio::test]
async fn unreadable_stored_data_fails_closed() {
    let env = env().await;
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
    let user_id = env
        .iam
        .get_user(
            ACCOUNT,
            GetUserInput {
                user_name: "bob".into(),
            },
        )
        .await
        .expect("get")
        .user_id;

    // Another root key cannot open the secret.
    let stranger = Iam::new(
        env.store.clone(),
        strongroom_crypto::RootKey(strongroom_crypto::Key256::generate().expect("key")),
        env.clock.clone(),
    );
    let err = stranger
        .identity_for_access_key(&key.access_key_id)
        .expect_err("wrong root key");
    assert_eq!(err.code(), "ServiceFailure");
    assert_eq!(
        err.to_string(),
        "We encountered an internal error. Please try again."
    );

    // Written behind the engine's back: a document it refuses.
    env.store
        .write(move |tx| {
            tx.put_inline_policy(
                strongroom_store::iam::PolicyHolder::User(&user_id),
                "legacy",
                "{not json",
            )
        })
        .await
        .expect("raw write");
    // (The raw write did not go through Iam, so drop the cached identity by
    // making any IAM write.)
    env.iam
        .tag_user(
            ACCOUNT,
            TagUserInput {
                user_name: "bob".into(),
                tags: vec![],
            },
        )
        .await
        .expect("tag");
    let err = env
        .iam
        .identity_for_access_key(&key.access_key_id)
        .expect_err("unreadable policy");
    assert_eq!(err.code(), "ServiceFailure");
    assert!(
        matches!(&err, IamError::StoredPolicyUnreadable { policy, .. } if policy == "user/bob/legacy"),
        "{err:?}"
    );
}
