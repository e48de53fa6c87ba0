//! KMS grants over SQLite: one row per grant, its constraint pairs in
//! `kms_grant_constraints` and its token hashes in `kms_grant_tokens`; all go
//! with their key (ON DELETE CASCADE).

use super::db_err;
use crate::StoreError;
use rusqlite::{Connection, Row, params};
use std::collections::BTreeMap;
use strongroom_domain::Timestamp;
use strongroom_domain::kms::{GrantConstraints, GrantOperation, KmsGrant};

/// Grants (V8; the lead renumbers with key rotation's step).
pub(super) const V8_GRANTS: &str = r#"
CREATE TABLE kms_grants (
    grant_id        TEXT PRIMARY KEY CHECK (length(grant_id) = 64),
    key_id          TEXT NOT NULL REFERENCES kms_keys (key_id) ON DELETE CASCADE,
    name            TEXT,
    grantee         TEXT NOT NULL,
    retiring        TEXT,
    operations      TEXT NOT NULL CHECK (length(operations) > 0),
    has_subset      INTEGER NOT NULL CHECK (has_subset IN (0, 1)),
    has_equals      INTEGER NOT NULL CHECK (has_equals IN (0, 1)),
    issuing_account TEXT NOT NULL,
    created         INTEGER NOT NULL
);
-- SHA-256 of each bearer token issued for a grant (CreateGrant, and its
-- idempotent retries); the tokens themselves are never stored
CREATE TABLE kms_grant_tokens (
    token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
    grant_id   TEXT NOT NULL REFERENCES kms_grants (grant_id) ON DELETE CASCADE
);
CREATE INDEX kms_grant_tokens_by_grant ON kms_grant_tokens (grant_id);
CREATE INDEX kms_grants_by_key ON kms_grants (key_id, grant_id);
CREATE INDEX kms_grants_by_retiring ON kms_grants (retiring, grant_id) WHERE retiring IS NOT NULL;
CREATE TABLE kms_grant_constraints (
    grant_id TEXT NOT NULL REFERENCES kms_grants (grant_id) ON DELETE CASCADE,
    kind     TEXT NOT NULL CHECK (kind IN ('SUBSET', 'EQUALS')),
    key      TEXT NOT NULL,
    value    TEXT NOT NULL,
    PRIMARY KEY (grant_id, kind, key)
);
"#;

const COLUMNS: &str = "grant_id, key_id, name, grantee, retiring, operations, has_subset, \
     has_equals, issuing_account, created";

fn grant_row(r: &Row<'_>) -> rusqlite::Result<KmsGrant> {
    let ops: String = r.get(5)?;
    let operations = ops
        .split(',')
        .map(|o| {
            GrantOperation::parse(o).ok_or_else(|| {
                rusqlite::Error::FromSqlConversionFailure(
                    5,
                    rusqlite::types::Type::Text,
                    format!("unexpected grant operation {o:?}").into(),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    let has_subset: bool = r.get(6)?;
    let has_equals: bool = r.get(7)?;
    Ok(KmsGrant {
        grant_id: r.get(0)?,
        key_id: r.get(1)?,
        name: r.get(2)?,
        grantee: r.get(3)?,
        retiring: r.get(4)?,
        operations,
        constraints: GrantConstraints {
            subset: has_subset.then(BTreeMap::new),
            equals: has_equals.then(BTreeMap::new),
        },
        issuing_account: r.get(8)?,
        created: Timestamp(r.get(9)?),
    })
}

/// Fills in the constraint pairs of grants read by [`grant_row`].
fn with_constraints(
    conn: &Connection,
    mut grants: Vec<KmsGrant>,
) -> rusqlite::Result<Vec<KmsGrant>> {
    let mut stmt = conn
        .prepare_cached("SELECT kind, key, value FROM kms_grant_constraints WHERE grant_id = ?1")?;
    for g in grants.iter_mut().filter(|g| !g.constraints.is_empty()) {
        let rows = stmt.query_map([&g.grant_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (kind, k, v) = row?;
            let map = if kind == "SUBSET" {
                g.constraints.subset.get_or_insert_with(BTreeMap::new)
            } else {
                g.constraints.equals.get_or_insert_with(BTreeMap::new)
            };
            map.insert(k, v);
        }
    }
    Ok(grants)
}

fn query(
    conn: &Connection,
    what: &'static str,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<KmsGrant>, StoreError> {
    let err = db_err(what);
    let grants = conn
        .prepare_cached(sql)
        .map_err(&err)?
        .query_map(args, grant_row)
        .map_err(&err)?
        .collect::<Result<Vec<_>, _>>()
        .map_err(&err)?;
    with_constraints(conn, grants).map_err(&err)
}

pub(super) fn grants_page(
    conn: &Connection,
    key_id: &str,
    grant_id: Option<&str>,
    grantee: Option<&str>,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<KmsGrant>, StoreError> {
    query(
        conn,
        "listing KMS grants",
        &format!(
            "SELECT {COLUMNS} FROM kms_grants WHERE key_id = ?1 AND (?2 IS NULL OR grant_id = ?2) \
             AND (?3 IS NULL OR grantee = ?3) AND (?4 IS NULL OR grant_id > ?4) \
             ORDER BY grant_id LIMIT ?5"
        ),
        params![key_id, grant_id, grantee, after, limit],
    )
}

pub(super) fn grants_for(
    conn: &Connection,
    key_id: &str,
    grantees: &[&str],
) -> Result<Vec<KmsGrant>, StoreError> {
    let mut all = Vec::new();
    for g in grantees {
        all.extend(query(
            conn,
            "loading KMS grants",
            &format!("SELECT {COLUMNS} FROM kms_grants WHERE key_id = ?1 AND grantee = ?2"),
            params![key_id, g],
        )?);
    }
    Ok(all)
}

pub(super) fn retirable_page(
    conn: &Connection,
    retiring: &str,
    after: Option<&str>,
    limit: i64,
) -> Result<Vec<KmsGrant>, StoreError> {
    query(
        conn,
        "listing retirable KMS grants",
        &format!(
            "SELECT {COLUMNS} FROM kms_grants WHERE retiring = ?1 AND (?2 IS NULL OR grant_id > ?2) \
             ORDER BY grant_id LIMIT ?3"
        ),
        params![retiring, after, limit],
    )
}

pub(super) fn grant_by_token(
    conn: &Connection,
    token_hash: &[u8],
) -> Result<Option<KmsGrant>, StoreError> {
    Ok(query(
        conn,
        "loading a KMS grant",
        &format!(
            "SELECT {COLUMNS} FROM kms_grants WHERE grant_id = \
             (SELECT grant_id FROM kms_grant_tokens WHERE token_hash = ?1)"
        ),
        params![token_hash],
    )?
    .pop())
}

pub(super) fn grants_named(
    conn: &Connection,
    key_id: &str,
    name: &str,
) -> Result<Vec<KmsGrant>, StoreError> {
    query(
        conn,
        "loading KMS grants by name",
        &format!("SELECT {COLUMNS} FROM kms_grants WHERE key_id = ?1 AND name = ?2"),
        params![key_id, name],
    )
}

pub(super) fn grant_count(conn: &Connection, key_id: &str) -> Result<usize, StoreError> {
    let n: i64 = conn
        .prepare_cached("SELECT count(*) FROM kms_grants WHERE key_id = ?1")
        .map_err(db_err("counting KMS grants"))?
        .query_row([key_id], |r| r.get(0))
        .map_err(db_err("counting KMS grants"))?;
    Ok(usize::try_from(n).unwrap_or(usize::MAX))
}

pub(super) fn insert_grant(
    conn: &Connection,
    g: &KmsGrant,
    token_hash: &[u8],
) -> Result<(), StoreError> {
    let err = db_err("inserting a KMS grant");
    let ops = g
        .operations
        .iter()
        .map(|o| o.as_str())
        .collect::<Vec<_>>()
        .join(",");
    conn.prepare_cached(&format!(
        "INSERT INTO kms_grants ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
    ))
    .map_err(&err)?
    .execute(params![
        g.grant_id,
        g.key_id,
        g.name,
        g.grantee,
        g.retiring,
        ops,
        g.constraints.subset.is_some(),
        g.constraints.equals.is_some(),
        g.issuing_account,
        g.created.0
    ])
    .map_err(&err)?;
    add_token(conn, &g.grant_id, token_hash)?;
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO kms_grant_constraints (grant_id, kind, key, value) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(&err)?;
    for (kind, map) in [
        ("SUBSET", &g.constraints.subset),
        ("EQUALS", &g.constraints.equals),
    ] {
        for (k, v) in map.iter().flatten() {
            stmt.execute(params![g.grant_id, kind, k, v])
                .map_err(&err)?;
        }
    }
    Ok(())
}

pub(super) fn add_token(
    conn: &Connection,
    grant_id: &str,
    token_hash: &[u8],
) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT INTO kms_grant_tokens (token_hash, grant_id) VALUES (?1, ?2)")
        .map_err(db_err("recording a KMS grant token"))?
        .execute(params![token_hash, grant_id])
        .map_err(db_err("recording a KMS grant token"))?;
    Ok(())
}

pub(super) fn delete_grant(
    conn: &Connection,
    key_id: &str,
    grant_id: &str,
) -> Result<bool, StoreError> {
    let n = conn
        .prepare_cached("DELETE FROM kms_grants WHERE key_id = ?1 AND grant_id = ?2")
        .map_err(db_err("deleting a KMS grant"))?
        .execute(params![key_id, grant_id])
        .map_err(db_err("deleting a KMS grant"))?;
    Ok(n == 1)
}
