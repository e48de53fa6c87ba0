//! The schema, versioned with `PRAGMA user_version`.

use crate::StoreError;
use rusqlite::{Connection, params};
use strongroom_domain::iam::{
    ADMIN_USER_NAME, ADMINISTRATOR_ACCESS, AWS_MANAGED_POLICIES, ArnKind, IdKind, entity_arn,
    new_unique_id,
};

pub(super) const V1: &str = r#"
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

/// IAM: accounts, users, groups, roles, policies, and access keys owned by
/// users (replacing V1's `access_keys`, whose keys belonged to a bare
/// "principal" string). Names compare case-insensitively (`COLLATE NOCASE`;
/// IAM names are ASCII). See `crate::iam` for the invariants the
/// constraints carry.
const V2: &str = r#"
CREATE TABLE iam_accounts (
    account_id TEXT PRIMARY KEY,
    created    INTEGER NOT NULL
);
CREATE TABLE iam_users (
    user_id TEXT PRIMARY KEY,
    account TEXT NOT NULL REFERENCES iam_accounts (account_id) ON DELETE RESTRICT,
    name    TEXT NOT NULL COLLATE NOCASE,
    path    TEXT NOT NULL,
    arn     TEXT NOT NULL,
    created INTEGER NOT NULL,
    UNIQUE (account, name)
);
CREATE TABLE iam_groups (
    group_id TEXT PRIMARY KEY,
    account  TEXT NOT NULL REFERENCES iam_accounts (account_id) ON DELETE RESTRICT,
    name     TEXT NOT NULL COLLATE NOCASE,
    path     TEXT NOT NULL,
    arn      TEXT NOT NULL,
    created  INTEGER NOT NULL,
    UNIQUE (account, name)
);
-- membership keeps both sides alive: a group with members, or a user in a
-- group, cannot be deleted (IAM's DeleteConflict)
CREATE TABLE iam_group_members (
    group_id TEXT NOT NULL REFERENCES iam_groups (group_id) ON DELETE RESTRICT,
    user_id  TEXT NOT NULL REFERENCES iam_users (user_id) ON DELETE RESTRICT,
    PRIMARY KEY (group_id, user_id)
) WITHOUT ROWID;
CREATE INDEX iam_group_members_by_user ON iam_group_members (user_id);
CREATE TABLE iam_roles (
    role_id              TEXT PRIMARY KEY,
    account              TEXT NOT NULL REFERENCES iam_accounts (account_id) ON DELETE RESTRICT,
    name                 TEXT NOT NULL COLLATE NOCASE,
    path                 TEXT NOT NULL,
    arn                  TEXT NOT NULL,
    trust_policy         TEXT NOT NULL,
    description          TEXT,
    max_session_duration INTEGER NOT NULL CHECK (max_session_duration BETWEEN 3600 AND 43200),
    created              INTEGER NOT NULL,
    UNIQUE (account, name)
);
-- account NULL: an AWS managed policy (arn:aws:iam::aws:policy/...), shared
-- by every account
CREATE TABLE iam_managed_policies (
    policy_id       TEXT PRIMARY KEY,
    account         TEXT REFERENCES iam_accounts (account_id) ON DELETE RESTRICT,
    name            TEXT NOT NULL COLLATE NOCASE,
    path            TEXT NOT NULL,
    arn             TEXT NOT NULL UNIQUE,
    description     TEXT,
    default_version INTEGER NOT NULL,
    -- the highest version number ever given: version ids are never reused
    last_version    INTEGER NOT NULL,
    created         INTEGER NOT NULL,
    updated         INTEGER NOT NULL,
    UNIQUE (account, name)
);
-- at most 5 versions per policy: each takes one of 5 slots; RESTRICT means
-- a policy can only be deleted once no version but the one deleted with it
-- is left
CREATE TABLE iam_policy_versions (
    policy_id TEXT NOT NULL REFERENCES iam_managed_policies (policy_id) ON DELETE RESTRICT,
    version   INTEGER NOT NULL,
    slot      INTEGER NOT NULL CHECK (slot BETWEEN 1 AND 5),
    document  TEXT NOT NULL,
    created   INTEGER NOT NULL,
    PRIMARY KEY (policy_id, version),
    UNIQUE (policy_id, slot)
) WITHOUT ROWID;
-- exactly one of user_id, group_id, role_id is set
CREATE TABLE iam_inline_policies (
    user_id  TEXT REFERENCES iam_users (user_id) ON DELETE RESTRICT,
    group_id TEXT REFERENCES iam_groups (group_id) ON DELETE RESTRICT,
    role_id  TEXT REFERENCES iam_roles (role_id) ON DELETE RESTRICT,
    name     TEXT NOT NULL,
    document TEXT NOT NULL,
    CHECK ((user_id IS NOT NULL) + (group_id IS NOT NULL) + (role_id IS NOT NULL) = 1),
    UNIQUE (user_id, name),
    UNIQUE (group_id, name),
    UNIQUE (role_id, name)
);
-- account: the holder's, so AWS managed policies count attachments per account
CREATE TABLE iam_attachments (
    policy_id TEXT NOT NULL REFERENCES iam_managed_policies (policy_id) ON DELETE RESTRICT,
    account   TEXT NOT NULL,
    user_id   TEXT REFERENCES iam_users (user_id) ON DELETE RESTRICT,
    group_id  TEXT REFERENCES iam_groups (group_id) ON DELETE RESTRICT,
    role_id   TEXT REFERENCES iam_roles (role_id) ON DELETE RESTRICT,
    CHECK ((user_id IS NOT NULL) + (group_id IS NOT NULL) + (role_id IS NOT NULL) = 1),
    UNIQUE (user_id, policy_id),
    UNIQUE (group_id, policy_id),
    UNIQUE (role_id, policy_id)
);
CREATE INDEX iam_attachments_by_policy ON iam_attachments (policy_id, account);
-- tags go with their owner
CREATE TABLE iam_tags (
    user_id   TEXT REFERENCES iam_users (user_id) ON DELETE CASCADE,
    role_id   TEXT REFERENCES iam_roles (role_id) ON DELETE CASCADE,
    policy_id TEXT REFERENCES iam_managed_policies (policy_id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    key       TEXT NOT NULL COLLATE NOCASE,
    value     TEXT NOT NULL,
    CHECK ((user_id IS NOT NULL) + (role_id IS NOT NULL) + (policy_id IS NOT NULL) = 1),
    UNIQUE (user_id, key),
    UNIQUE (role_id, key),
    UNIQUE (policy_id, key)
);
-- at most 2 keys per user: each takes one of 2 slots
CREATE TABLE iam_access_keys (
    access_key_id     TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL REFERENCES iam_users (user_id) ON DELETE RESTRICT,
    slot              INTEGER NOT NULL CHECK (slot IN (1, 2)),
    status            TEXT NOT NULL CHECK (status IN ('Active', 'Inactive')),
    sealed_secret     BLOB NOT NULL,
    created           INTEGER NOT NULL,
    last_used         INTEGER,
    last_used_service TEXT,
    last_used_region  TEXT,
    UNIQUE (user_id, slot)
);
"#;

/// Keys per user: IAM's AccessKeysPerUser quota, and the slot CHECK above.
const KEYS_PER_USER: usize = 2;

/// Secret resource policies (PutResourcePolicy).
const V3: &str = r#"
ALTER TABLE secrets ADD COLUMN resource_policy TEXT;
"#;

/// Listing at scale, and a smaller database:
/// - `versions` becomes a rowid table. As a WITHOUT ROWID table (a b-tree
///   of keys) a row keeps at most ~1 KB on its page, so a ~1 KiB ciphertext
///   spilled into an overflow page of its own, mostly empty: 4 KiB a value.
/// - An index per sort order, (account, region, key, name), which listings
///   walk from their cursor; `name` breaks ties (unique in a region).
///   Never-read secrets sort first under LastAccessedDate (`NEVER_ACCESSED`).
/// - `secret_words`, the word index (`words.rs`): which secrets have an
///   index key, by field and key, so filters find candidates by range.
///
/// Done once, in one transaction: on a large database it takes a while
/// (~30 s for 100,000 secrets on a loaded 2-core machine) and the WAL grows
/// to about the database's size until the checkpoint after it; the old
/// table's pages stay in the file as free pages (zeroed: `secure_delete`),
/// reused by later writes or returned by `VACUUM`.
const V4: &str = r#"
CREATE TABLE versions_v4 (
    id            INTEGER PRIMARY KEY,
    secret_pk     INTEGER NOT NULL REFERENCES secrets (pk) ON DELETE CASCADE,
    version_id    TEXT NOT NULL,
    created       INTEGER NOT NULL,
    seq           INTEGER NOT NULL,
    last_accessed INTEGER,
    key_id        TEXT,
    wrapped_key   BLOB,
    ciphertext    BLOB,
    UNIQUE (secret_pk, version_id)
);
INSERT INTO versions_v4 (secret_pk, version_id, created, seq, last_accessed, key_id, wrapped_key, ciphertext)
    SELECT secret_pk, version_id, created, seq, last_accessed, key_id, wrapped_key, ciphertext
    FROM versions ORDER BY secret_pk, created, seq;
DROP TABLE versions;
ALTER TABLE versions_v4 RENAME TO versions;
CREATE INDEX secrets_by_created ON secrets (account, region, created, name);
CREATE INDEX secrets_by_changed ON secrets (account, region, last_changed, name);
CREATE INDEX secrets_by_accessed
    ON secrets (account, region, COALESCE(last_accessed, -9223372036854775807 - 1), name);
CREATE TABLE secret_words (
    field     INTEGER NOT NULL,
    key       TEXT NOT NULL,
    secret_pk INTEGER NOT NULL,
    PRIMARY KEY (field, key, secret_pk)
) WITHOUT ROWID;
"#;

/// KMS keys in full (`crate::kms` states the invariants the constraints
/// carry). V1's `kms_keys` (one `aws/secretsmanager` key per account and
/// region: id, alias, sealed material) becomes a key row, its material's
/// generation 1 (sealed as it was: the seal's associated data names the key
/// id) and the alias `alias/aws/secretsmanager` ([`adopt_v1_kms_keys`]).
const V5: &str = r#"
ALTER TABLE kms_keys RENAME TO kms_keys_v4;
CREATE TABLE kms_keys (
    key_id              TEXT PRIMARY KEY,
    arn                 TEXT NOT NULL UNIQUE,
    account             TEXT NOT NULL,
    region              TEXT NOT NULL,
    description         TEXT NOT NULL,
    key_usage           TEXT NOT NULL,
    key_spec            TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('Enabled', 'Disabled', 'PendingDeletion')),
    manager             TEXT NOT NULL CHECK (manager IN ('AWS', 'CUSTOMER')),
    origin              TEXT NOT NULL,
    created             INTEGER NOT NULL,
    deletion_date       INTEGER,
    pending_window_days INTEGER CHECK (pending_window_days BETWEEN 7 AND 30),
    policy              TEXT NOT NULL,
    -- a deletion date exactly while pending deletion
    CHECK ((state = 'PendingDeletion') = (deletion_date IS NOT NULL)),
    CHECK ((deletion_date IS NULL) = (pending_window_days IS NULL)),
    -- AWS managed keys cannot be disabled or deleted
    CHECK (manager = 'CUSTOMER' OR state = 'Enabled'),
    UNIQUE (key_id, account, region)
);
CREATE INDEX kms_keys_by_scope ON kms_keys (account, region, key_id);
CREATE INDEX kms_keys_deletion ON kms_keys (deletion_date) WHERE deletion_date IS NOT NULL;
CREATE TABLE kms_key_material (
    key_id          TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    generation      INTEGER NOT NULL CHECK (generation >= 1),
    sealed_material BLOB NOT NULL,
    created         INTEGER NOT NULL,
    PRIMARY KEY (key_id, generation)
);
-- an alias names exactly one key, of its own account and region
CREATE TABLE kms_aliases (
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    name    TEXT NOT NULL,
    key_id  TEXT NOT NULL,
    created INTEGER NOT NULL,
    updated INTEGER NOT NULL,
    PRIMARY KEY (account, region, name),
    FOREIGN KEY (key_id, account, region) REFERENCES kms_keys (key_id, account, region) ON DELETE CASCADE
);
CREATE INDEX kms_aliases_by_key ON kms_aliases (key_id);
CREATE TABLE kms_key_tags (
    key_id TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (key_id, key)
);
"#;

/// The public keys of asymmetric KMS keys, DER SubjectPublicKeyInfo in clear (they are
/// public), per material generation: GetPublicKey answers without unsealing the private
/// key. NULL for symmetric and HMAC material; set only together with the material.
const V7: &str = r#"
ALTER TABLE kms_key_material ADD COLUMN public_key BLOB CHECK (public_key IS NULL OR length(public_key) > 0);
"#;

/// KMS key rotation: how each generation after the first came to be (NULL for the
/// first and for generations from before V9), and each customer key's automatic
/// rotation schedule, a row exactly while it is enabled, with the next rotation kept
/// so that a restart finds it (the job moves it by a conditional UPDATE, its claim).
const V9: &str = r#"
ALTER TABLE kms_key_material ADD COLUMN rotation_type TEXT
    CHECK (rotation_type IS NULL OR rotation_type IN ('AUTOMATIC', 'ON_DEMAND'));
CREATE TABLE kms_key_rotation_schedules (
    key_id        TEXT PRIMARY KEY REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    period_days   INTEGER NOT NULL CHECK (period_days BETWEEN 90 AND 2560),
    next_rotation INTEGER NOT NULL
);
CREATE INDEX kms_key_rotation_schedules_due ON kms_key_rotation_schedules (next_rotation);
"#;

/// V1's per-region `aws/secretsmanager` keys as V5 keys: metadata and
/// policy as AWS gives the managed key, the material as generation 1.
fn adopt_v1_kms_keys(tx: &Connection) -> rusqlite::Result<()> {
    use crate::kms::KeyMaterialRecord;
    use strongroom_domain::Timestamp;
    use strongroom_domain::kms::{ALIAS_PREFIX, KmsAlias, KmsKey};
    type V1Key = (String, String, String, String, Vec<u8>, i64);
    let keys: Vec<V1Key> = tx
        .prepare(
            "SELECT key_id, account, region, alias, sealed_material, created FROM kms_keys_v4 \
             ORDER BY created, key_id",
        )?
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })?
        .collect::<Result<_, _>>()?;
    for (key_id, account, region, alias, sealed, created) in keys {
        let created = Timestamp(created);
        let key = KmsKey::new_secretsmanager(key_id.clone(), &account, &region, created);
        super::kms::insert_key_row(tx, &key)?;
        super::kms::insert_material_row(
            tx,
            &KeyMaterialRecord {
                key_id: key_id.clone(),
                generation: 1,
                sealed,
                created,
            },
        )?;
        super::kms::insert_alias_row(
            tx,
            &KmsAlias {
                account,
                region,
                name: format!("{ALIAS_PREFIX}{alias}"),
                target_key_id: key_id,
                created,
                updated: created,
            },
        )?;
    }
    Ok(())
}

/// Rotation (RotateSecret, the scheduler): a secret's configuration, the
/// next window's start (kept, so that a restart finds it) and the run in
/// progress with its claim (`run_claimed_until`: a node holds the run until
/// then; claims are taken inside a write transaction).
const V6: &str = r#"
CREATE TABLE secret_rotations (
    secret_pk         INTEGER PRIMARY KEY REFERENCES secrets (pk) ON DELETE CASCADE,
    enabled           INTEGER NOT NULL,
    lambda_arn        TEXT,
    after_days        INTEGER CHECK (after_days BETWEEN 1 AND 1000),
    schedule          TEXT,
    duration          TEXT,
    last_rotated      INTEGER,
    next_rotation     INTEGER,
    run_token         TEXT,
    run_rotation_token TEXT,
    run_test_only     INTEGER,
    run_attempts      INTEGER,
    run_not_before    INTEGER,
    run_claimed_until INTEGER,
    CHECK (after_days IS NULL OR schedule IS NULL),
    CHECK ((run_token IS NULL) = (run_rotation_token IS NULL))
);
CREATE INDEX secret_rotations_scheduled ON secret_rotations (next_rotation)
    WHERE enabled = 1 AND run_token IS NULL;
CREATE INDEX secret_rotations_runs ON secret_rotations (run_not_before)
    WHERE run_token IS NOT NULL;
"#;

/// Fills the word index from the secrets there are.
fn index_existing_words(tx: &Connection) -> Result<(), StoreError> {
    use strongroom_domain::Tag;
    use strongroom_domain::filter::{Searchable, index_keys};
    let err = super::db_err("indexing the words of existing secrets");
    let mut secrets = tx
        .prepare("SELECT pk, name, description, region FROM secrets")
        .map_err(&err)?;
    let mut tags = tx
        .prepare("SELECT key, value FROM tags WHERE secret_pk = ?1 ORDER BY position")
        .map_err(&err)?;
    let mut rows = secrets.query([]).map_err(&err)?;
    while let Some(row) = rows.next().map_err(&err)? {
        let pk: i64 = row.get(0).map_err(&err)?;
        let name: String = row.get(1).map_err(&err)?;
        let description: Option<String> = row.get(2).map_err(&err)?;
        let region: String = row.get(3).map_err(&err)?;
        let secret_tags: Vec<Tag> = tags
            .query_map([pk], |r| {
                Ok(Tag {
                    key: r.get(0)?,
                    value: r.get(1)?,
                })
            })
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)?;
        let keys = index_keys(&Searchable {
            name: &name,
            description: description.as_deref(),
            region: &region,
            tags: &secret_tags,
        });
        super::words::insert(tx, pk, keys.iter())?;
    }
    Ok(())
}

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, LATEST)
}

/// The schema version `migrate` brings a database to.
const LATEST: i64 = 9;

/// Migrates up to version `target` (tests build older databases with it).
pub(super) fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), StoreError> {
    let err = |e: rusqlite::Error| StoreError::Database {
        context: "migrating the schema",
        message: e.to_string(),
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version < 1 && target >= 1 {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(V1).map_err(err)?;
        tx.execute_batch("PRAGMA user_version = 1").map_err(err)?;
        tx.commit().map_err(err)?;
    }
    if version < 2 && target >= 2 {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(V2).map_err(err)?;
        seed_aws_managed_policies(&tx).map_err(err)?;
        adopt_v1_access_keys(&tx).map_err(err)?;
        tx.execute_batch("DROP TABLE access_keys; PRAGMA user_version = 2")
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    if version < 3 && target >= 3 {
        sql_only_step(conn, 3, V3).map_err(err)?;
    }
    if version < 4 && target >= 4 {
        // `versions` is rebuilt under its name: with foreign keys on,
        // dropping the old table would cascade into `stages`. (The pragma
        // is a no-op inside a transaction, hence before it.)
        conn.execute_batch("PRAGMA foreign_keys=OFF").map_err(err)?;
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(V4).map_err(err)?;
        index_existing_words(&tx)?;
        let dangling: i64 = tx
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(err)?;
        if dangling != 0 {
            return Err(StoreError::Corrupt(
                "foreign keys after rebuilding versions",
            ));
        }
        tx.execute_batch("PRAGMA user_version = 4").map_err(err)?;
        tx.commit().map_err(err)?;
        conn.execute_batch("PRAGMA foreign_keys=ON").map_err(err)?;
        // The rebuild went through the WAL, which would otherwise keep its
        // size (as large as the database) until the next truncating write.
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .map_err(err)?;
    }
    if version < 5 && target >= 5 {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(V5).map_err(err)?;
        adopt_v1_kms_keys(&tx).map_err(err)?;
        tx.execute_batch("DROP TABLE kms_keys_v4; PRAGMA user_version = 5")
            .map_err(err)?;
        tx.commit().map_err(err)?;
    }
    if version < 6 && target >= 6 {
        sql_only_step(conn, 6, V6).map_err(err)?;
    }
    if version < 7 && target >= 7 {
        sql_only_step(conn, 7, V7).map_err(err)?;
    }
    if version < 8 && target >= 8 {
        sql_only_step(conn, 8, super::grants::V8_GRANTS).map_err(err)?;
    }
    if version < 9 && target >= 9 {
        sql_only_step(conn, 9, V9).map_err(err)?;
    }
    Ok(())
}

/// A migration that is SQL alone: `sql` and the new `user_version`, in one
/// transaction.
fn sql_only_step(conn: &mut Connection, version: i64, sql: &str) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    tx.execute_batch(sql)?;
    tx.execute_batch(&format!("PRAGMA user_version = {version}"))?;
    tx.commit()
}

/// AWS managed policies exist once, for every account (account NULL).
fn seed_aws_managed_policies(tx: &Connection) -> rusqlite::Result<()> {
    for p in AWS_MANAGED_POLICIES {
        tx.execute(
            "INSERT INTO iam_managed_policies (policy_id, account, name, path, arn, description, \
             default_version, last_version, created, updated) VALUES (?1, NULL, ?2, '/', ?3, ?4, ?5, ?5, ?6, ?7)",
            params![
                p.policy_id,
                p.name,
                p.arn(),
                p.description,
                p.version,
                p.created.0,
                p.updated.0
            ],
        )?;
        tx.execute(
            "INSERT INTO iam_policy_versions (policy_id, version, slot, document, created) \
             VALUES (?1, ?2, 1, ?3, ?4)",
            params![p.policy_id, p.version, p.document, p.updated.0],
        )?;
    }
    Ok(())
}

/// V1 keys belonged to a "principal" of an account (only ever `root`, the
/// server's bootstrap key, which could do everything). Each becomes a key of
/// an IAM user with AdministratorAccess, so it keeps working with the same
/// power: `root` maps to `admin`. Secrets are copied sealed as they are (the
/// seal's associated data names only the key id). A user holds at most 2
/// keys, so a third and later key of one principal go to `admin-2`,
/// `admin-3`, ….
fn adopt_v1_access_keys(tx: &Connection) -> rusqlite::Result<()> {
    type V1Key = (String, String, String, Vec<u8>, i64);
    let keys: Vec<V1Key> = tx
        .prepare(
            "SELECT access_key_id, account, principal, sealed_secret, created FROM access_keys \
             ORDER BY account, principal, created, access_key_id",
        )?
        .query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?;
    let mut chunk_start = 0;
    while chunk_start < keys.len() {
        let (_, account, principal, _, first_created) = &keys[chunk_start];
        let same_owner = keys[chunk_start..]
            .iter()
            .take_while(|k| &k.1 == account && &k.2 == principal)
            .count();
        tx.execute(
            "INSERT INTO iam_accounts (account_id, created) VALUES (?1, ?2) \
             ON CONFLICT (account_id) DO NOTHING",
            params![account, first_created],
        )?;
        let base_name = if principal == "root" {
            ADMIN_USER_NAME
        } else {
            principal.as_str()
        };
        let owned = &keys[chunk_start..chunk_start + same_owner];
        for (n, user_keys) in owned.chunks(KEYS_PER_USER).enumerate() {
            let name = match n {
                0 => base_name.to_owned(),
                _ => format!("{base_name}-{}", n + 1),
            };
            let user_id = new_unique_id(IdKind::User);
            tx.execute(
                "INSERT INTO iam_users (user_id, account, name, path, arn, created) \
                 VALUES (?1, ?2, ?3, '/', ?4, ?5)",
                params![
                    user_id,
                    account,
                    name,
                    entity_arn(account, ArnKind::User, "/", &name),
                    user_keys[0].4
                ],
            )?;
            tx.execute(
                "INSERT INTO iam_attachments (policy_id, account, user_id) VALUES (?1, ?2, ?3)",
                params![ADMINISTRATOR_ACCESS.policy_id, account, user_id],
            )?;
            for (slot, (id, _, _, sealed, created)) in user_keys.iter().enumerate() {
                tx.execute(
                    "INSERT INTO iam_access_keys (access_key_id, user_id, slot, status, sealed_secret, created) \
                     VALUES (?1, ?2, ?3, 'Active', ?4, ?5)",
                    params![id, user_id, slot as i64 + 1, sealed, created],
                )?;
            }
        }
        chunk_start += same_owner;
    }
    Ok(())
}
