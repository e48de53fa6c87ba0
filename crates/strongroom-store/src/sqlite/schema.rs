//! The schema, versioned with `PRAGMA user_version`.

use crate::StoreError;
use rusqlite::Connection;

const V1: &str = r#"
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

pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let err = |e: rusqlite::Error| StoreError::Database {
        context: "migrating the schema",
        message: e.to_string(),
    };
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(err)?;
    if version < 1 {
        let tx = conn.transaction().map_err(err)?;
        tx.execute_batch(V1).map_err(err)?;
        tx.execute_batch("PRAGMA user_version = 1").map_err(err)?;
        tx.commit().map_err(err)?;
    }
    Ok(())
}
