//! Everything sealed under the root key, in one list ([`SEALED_UNDER_ROOT`]):
//! per sealed column its table, the column naming the row, which rows hold
//! sealed values, and how the seal's associated data is derived from the
//! row's key. A root key rotation re-wraps exactly this list in one
//! transaction ([`rewrap_all`]); start-up checks an old data directory's key
//! by opening the first item found ([`peek`]). A new sealed column is one
//! more entry here.
//!
//! Not here, because not stored: STS session tokens (sealed under the root
//! key, kept by clients; they stop opening after a rotation). Secret values
//! are sealed under KMS key material, not the root key.

use super::db_err;
use crate::{SealedItem, StoreError};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::BTreeMap;
use std::path::Path;
use strongroom_domain::iam::access_key_seal_context;
use strongroom_domain::sealing::{
    kms_key_v4_seal_context, kms_material_row_seal_context, meta_seal_context,
};

/// How a sealed column holds its bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// A BLOB.
    Blob,
    /// Lower-case hex in a TEXT column (`meta.value`).
    Hex,
}

/// One column of values sealed under the root key.
#[derive(Debug)]
pub struct SealedColumn {
    pub table: &'static str,
    /// The column that names the row uniquely, whose text `aad` is given;
    /// or an SQL expression over the row's columns for a composite key
    /// (`key_id || ':' || generation`): it is selected, ordered by and
    /// matched in the UPDATE as written.
    pub key_column: &'static str,
    pub sealed_column: &'static str,
    /// An SQL condition selecting the rows that hold sealed values.
    pub rows: &'static str,
    pub encoding: Encoding,
    /// The associated data the value is sealed with, from the row's key.
    pub aad: fn(&str) -> Vec<u8>,
}

/// The prefix of `meta` keys whose values are sealed under the root key
/// (hex of the sealed bytes, AAD [`meta_seal_context`] of the key).
pub const SEALED_META_PREFIX: &str = "sealed.";

/// Every value sealed under the root key.
pub const SEALED_UNDER_ROOT: &[SealedColumn] = &[
    // KMS key material, every generation (`strongroom-service/src/kms/`).
    SealedColumn {
        table: "kms_key_material",
        key_column: "key_id || ':' || generation",
        sealed_column: "sealed_material",
        rows: "1",
        encoding: Encoding::Blob,
        aad: kms_material_row_seal_context,
    },
    // The secret half of IAM access keys (`strongroom-iam/src/access_keys.rs`).
    SealedColumn {
        table: "iam_access_keys",
        key_column: "access_key_id",
        sealed_column: "sealed_secret",
        rows: "1",
        encoding: Encoding::Blob,
        aad: access_key_seal_context,
    },
    // Sealed settings: the audit chain key after a rotation.
    SealedColumn {
        table: "meta",
        key_column: "key",
        sealed_column: "value",
        rows: "key LIKE 'sealed.%'",
        encoding: Encoding::Hex,
        aad: meta_seal_context,
    },
];

/// Sealed columns of schema versions before the current one, which
/// [`peek`] may meet before migrations run: V1's access keys, V4's KMS key
/// material (one row per key in `kms_keys`, which V5 rebuilt without it).
const LEGACY_SEALED: &[SealedColumn] = &[
    SealedColumn {
        table: "access_keys",
        key_column: "access_key_id",
        sealed_column: "sealed_secret",
        rows: "1",
        encoding: Encoding::Blob,
        aad: access_key_seal_context,
    },
    SealedColumn {
        table: "kms_keys",
        key_column: "key_id",
        sealed_column: "sealed_material",
        rows: "1",
        encoding: Encoding::Blob,
        aad: kms_key_v4_seal_context,
    },
];

/// What start-up needs to know of a data directory before it writes
/// anything (before the schema is migrated).
#[derive(Debug, Default)]
pub struct Peek {
    /// The `meta` values asked for that are present.
    pub meta: BTreeMap<String, String>,
    /// Some value sealed under the root key, if there is any.
    pub sample: Option<SealedItem>,
}

/// Reads `meta_keys` and one sealed value from the database at `path`
/// without migrating, creating or writing anything; `None` if there is no
/// database file. Safe beside a running server (a WAL reader).
pub fn peek(path: &Path, meta_keys: &[&str]) -> Result<Option<Peek>, StoreError> {
    if !path.exists() {
        return Ok(None);
    }
    // Read-write without CREATE: a read-only connection could leave the
    // -wal and -shm files behind, which the last read-write one removes.
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| StoreError::Open {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    conn.execute_batch("PRAGMA query_only=ON; PRAGMA busy_timeout=10000;")
        .map_err(db_err("configuring a peek"))?;
    // A WAL holding commits (left by a crash) would be checkpointed into
    // the database when this, the last connection, closes: leave that to
    // the store's opening. (An empty one, as a clean stop leaves it, is
    // left alone by the checkpoint.)
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0) {
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(db_err("configuring a peek"))?;
    }
    conn.execute_batch("BEGIN")
        .map_err(db_err("starting a peek"))?;
    let mut peek = Peek::default();
    if table_exists(&conn, "meta")? {
        let mut stmt = conn
            .prepare("SELECT value FROM meta WHERE key = ?1")
            .map_err(db_err("peeking at metadata"))?;
        for key in meta_keys {
            if let Some(value) = stmt
                .query_row([key], |r| r.get::<_, String>(0))
                .optional()
                .map_err(db_err("peeking at metadata"))?
            {
                peek.meta.insert((*key).to_owned(), value);
            }
        }
    }
    for column in SEALED_UNDER_ROOT.iter().chain(LEGACY_SEALED) {
        if !column_exists(&conn, column.table, column.sealed_column)? {
            continue;
        }
        if let Some(item) = first_item(&conn, column)? {
            peek.sample = Some(item);
            break;
        }
    }
    conn.execute_batch("COMMIT")
        .map_err(db_err("ending a peek"))?;
    Ok(Some(peek))
}

fn table_exists(conn: &Connection, table: &str) -> Result<bool, StoreError> {
    conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [table],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(db_err("peeking at the schema"))
}

/// Whether `table` exists with a column `column` (a table keeps its name
/// across schema versions while its columns change: `kms_keys` in V5).
fn column_exists(conn: &Connection, table: &str, column: &str) -> Result<bool, StoreError> {
    conn.query_row(
        "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
        [table, column],
        |r| r.get::<_, i64>(0),
    )
    .map(|n| n > 0)
    .map_err(db_err("peeking at the schema"))
}

fn first_item(conn: &Connection, column: &SealedColumn) -> Result<Option<SealedItem>, StoreError> {
    let sql = format!(
        "SELECT {key}, {sealed} FROM {table} WHERE {rows} ORDER BY {key} LIMIT 1",
        key = column.key_column,
        sealed = column.sealed_column,
        table = column.table,
        rows = column.rows,
    );
    let err = db_err("peeking at a sealed value");
    let row = conn
        .query_row(&sql, [], |r| {
            Ok((r.get::<_, String>(0)?, sealed_bytes(r, 1)))
        })
        .optional()
        .map_err(&err)?;
    row.map(|(key, bytes)| item(column, key, bytes?))
        .transpose()
}

/// The sealed column's value as bytes, whatever its encoding.
fn sealed_bytes(r: &rusqlite::Row<'_>, i: usize) -> Result<RawSealed, StoreError> {
    use rusqlite::types::ValueRef;
    match r.get_ref(i) {
        Ok(ValueRef::Blob(b)) => Ok(RawSealed::Blob(b.to_vec())),
        Ok(ValueRef::Text(t)) => Ok(RawSealed::Text(
            String::from_utf8(t.to_vec()).map_err(|_| StoreError::Corrupt("a sealed value"))?,
        )),
        _ => Err(StoreError::Corrupt("a sealed value")),
    }
}

enum RawSealed {
    Blob(Vec<u8>),
    Text(String),
}

fn item(column: &SealedColumn, key: String, raw: RawSealed) -> Result<SealedItem, StoreError> {
    let sealed = match (column.encoding, raw) {
        (Encoding::Blob, RawSealed::Blob(b)) => b,
        (Encoding::Hex, RawSealed::Text(t)) => {
            from_hex(&t).ok_or(StoreError::Corrupt("a sealed meta value"))?
        }
        _ => return Err(StoreError::Corrupt("a sealed value")),
    };
    Ok(SealedItem {
        table: column.table,
        aad: (column.aad)(&key),
        key,
        sealed,
    })
}

/// Replaces every value in [`SEALED_UNDER_ROOT`] with what `rewrap` makes
/// of it (opened under the old root key, sealed under the new one), inside
/// the caller's transaction; how many were re-wrapped. A failure of
/// `rewrap` fails the whole (the caller rolls back).
pub(super) fn rewrap_all(
    conn: &Connection,
    rewrap: &mut dyn FnMut(&SealedItem) -> Result<Vec<u8>, StoreError>,
) -> Result<usize, StoreError> {
    let err = db_err("re-wrapping sealed values");
    let mut count = 0;
    for column in SEALED_UNDER_ROOT {
        let select = format!(
            "SELECT {key}, {sealed} FROM {table} WHERE {rows} ORDER BY {key}",
            key = column.key_column,
            sealed = column.sealed_column,
            table = column.table,
            rows = column.rows,
        );
        let update = format!(
            "UPDATE {table} SET {sealed} = ?1 WHERE {key} = ?2",
            key = column.key_column,
            sealed = column.sealed_column,
            table = column.table,
        );
        let rows: Vec<(String, Result<RawSealed, StoreError>)> = conn
            .prepare(&select)
            .map_err(&err)?
            .query_map([], |r| Ok((r.get::<_, String>(0)?, sealed_bytes(r, 1))))
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)?;
        let mut stmt = conn.prepare(&update).map_err(&err)?;
        for (key, raw) in rows {
            let old = item(column, key, raw?)?;
            let new = rewrap(&old)?;
            let changed = match column.encoding {
                Encoding::Blob => stmt.execute(params![new, old.key]),
                Encoding::Hex => stmt.execute(params![to_hex(&new), old.key]),
            }
            .map_err(&err)?;
            if changed != 1 {
                return Err(StoreError::Corrupt("a sealed value's row"));
            }
            count += 1;
        }
    }
    Ok(count)
}

/// Lower-case hex (the encoding of sealed `meta` values).
pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reverses [`to_hex`]; `None` if `text` is not hex.
pub fn from_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::sqlite::SqliteStore;
    use std::sync::Arc;

    /// A database with a sealed value in each listed column, and a plain
    /// meta value.
    async fn seeded(dir: &Path) -> std::path::PathBuf {
        let path = dir.join("strongroom.db");
        let sqlite = Arc::new(SqliteStore::open(&path).unwrap());
        let store: Arc<dyn Store> = sqlite.clone();
        store
            .write(|tx| -> Result<(), StoreError> {
                tx.set_meta("account_id", "111122223333")?;
                tx.set_meta("sealed.x", &to_hex(b"sealed-x"))?;
                Ok(())
            })
            .await
            .unwrap();
        sqlite.close();
        drop(store);
        drop(sqlite);
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "INSERT INTO iam_accounts VALUES ('111122223333', 1);
             INSERT INTO iam_users VALUES ('AIDAU', '111122223333', 'u', '/', 'arn:u', 1);
             INSERT INTO iam_access_keys (access_key_id, user_id, slot, status, sealed_secret, created)
                 VALUES ('AKIA1', 'AIDAU', 1, 'Active', X'736563726574', 1);
             INSERT INTO kms_keys (key_id, arn, account, region, description, key_usage, key_spec,
                                   state, manager, origin, created, policy)
                 VALUES ('k1', 'arn:k1', '111122223333', 'r', '', 'ENCRYPT_DECRYPT',
                         'SYMMETRIC_DEFAULT', 'Enabled', 'AWS', 'AWS_KMS', 1, '{}'),
                        ('k2', 'arn:k2', '111122223333', 'r', '', 'ENCRYPT_DECRYPT',
                         'SYMMETRIC_DEFAULT', 'Enabled', 'CUSTOMER', 'AWS_KMS', 1, '{}');
             INSERT INTO kms_key_material (key_id, generation, sealed_material, created)
                 VALUES ('k2', 2, CAST('sealed-k2' AS BLOB), 1);
             INSERT INTO kms_key_material (key_id, generation, sealed_material, created)
                 VALUES ('k1', 1, CAST('sealed-k1' AS BLOB), 1);",
        )
        .unwrap();
        path
    }

    fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect()
    }

    #[tokio::test]
    async fn peek_reads_without_changing_a_byte() {
        let dir = tempfile::tempdir().unwrap();
        assert!(
            peek(&dir.path().join("strongroom.db"), &[])
                .unwrap()
                .is_none()
        );
        assert!(
            !dir.path().join("strongroom.db").exists(),
            "no database is created"
        );
        let path = seeded(dir.path()).await;
        let before = files(dir.path());
        let peeked = peek(&path, &["account_id", "absent"]).unwrap().unwrap();
        assert_eq!(files(dir.path()), before);
        assert_eq!(
            peeked.meta.into_iter().collect::<Vec<_>>(),
            vec![("account_id".to_owned(), "111122223333".to_owned())]
        );
        let sample = peeked.sample.unwrap();
        assert_eq!(
            (sample.table, sample.key.as_str()),
            ("kms_key_material", "k1:1")
        );
        assert_eq!(sample.aad, b"kms-key:k1");
        assert_eq!(sample.sealed, b"sealed-k1");
    }

    #[tokio::test]
    async fn peek_leaves_a_crashed_wal_as_it_is() {
        let dir = tempfile::tempdir().unwrap();
        let path = seeded(dir.path()).await;
        // A write still in the WAL, as a crash leaves it: the connection is
        // leaked, never closed (no checkpoint), and its files copied.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; UPDATE meta SET value = 'x' WHERE key = 'account_id';",
        )
        .unwrap();
        let crashed = tempfile::tempdir().unwrap();
        for name in ["strongroom.db", "strongroom.db-wal", "strongroom.db-shm"] {
            std::fs::copy(dir.path().join(name), crashed.path().join(name)).unwrap();
        }
        std::mem::forget(conn);
        let durable = |d: &Path| {
            let mut f = files(d);
            f.remove("strongroom.db-shm");
            f
        };
        let before = durable(crashed.path());
        assert!(before.contains_key("strongroom.db-wal"));
        let peeked = peek(&crashed.path().join("strongroom.db"), &["account_id"])
            .unwrap()
            .unwrap();
        assert_eq!(peeked.meta["account_id"], "x", "the WAL's commit is read");
        assert_eq!(durable(crashed.path()), before);
    }

    #[tokio::test]
    async fn every_sealed_column_is_rewrapped_in_one_transaction() {
        let dir = tempfile::tempdir().unwrap();
        let path = seeded(dir.path()).await;
        let sqlite = Arc::new(SqliteStore::open(&path).unwrap());
        let store: Arc<dyn Store> = sqlite.clone();
        // A rewrap that fails on the third value changes nothing.
        let failed = store
            .write(|tx| {
                let mut seen = 0;
                tx.rewrap_root_sealed(&mut |item| {
                    seen += 1;
                    if seen == 3 {
                        return Err(StoreError::Unsealable {
                            table: item.table,
                            key: item.key.clone(),
                        });
                    }
                    Ok(b"new".to_vec())
                })
            })
            .await;
        assert!(matches!(failed, Err(StoreError::Unsealable { .. })));
        let mut seen = Vec::new();
        let count = store
            .write(move |tx| {
                let n = tx.rewrap_root_sealed(&mut |item| {
                    seen.push((item.table, item.key.clone(), item.aad.clone()));
                    let mut new = b"new:".to_vec();
                    new.extend_from_slice(&item.sealed);
                    Ok(new)
                })?;
                assert_eq!(
                    seen,
                    vec![
                        (
                            "kms_key_material",
                            "k1:1".to_owned(),
                            b"kms-key:k1".to_vec()
                        ),
                        (
                            "kms_key_material",
                            "k2:2".to_owned(),
                            b"kms-key:k2:2".to_vec()
                        ),
                        (
                            "iam_access_keys",
                            "AKIA1".to_owned(),
                            b"access-key:AKIA1".to_vec()
                        ),
                        ("meta", "sealed.x".to_owned(), b"meta:sealed.x".to_vec()),
                    ]
                );
                Ok::<_, StoreError>(n)
            })
            .await
            .unwrap();
        assert_eq!(count, 4);
        sqlite.close();
        drop(store);
        drop(sqlite);
        let conn = Connection::open(&path).unwrap();
        let blob = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, Vec<u8>>(0)).unwrap();
        let text = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, String>(0)).unwrap();
        assert_eq!(
            blob("SELECT sealed_material FROM kms_key_material WHERE key_id = 'k2'"),
            b"new:sealed-k2"
        );
        assert_eq!(
            blob("SELECT sealed_secret FROM iam_access_keys"),
            b"new:secret"
        );
        assert_eq!(
            text("SELECT value FROM meta WHERE key = 'sealed.x'"),
            to_hex(b"new:sealed-x")
        );
        assert_eq!(
            text("SELECT value FROM meta WHERE key = 'account_id'"),
            "111122223333"
        );
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(to_hex(&[0, 1, 0xab]), "0001ab");
        assert_eq!(from_hex("0001ab"), Some(vec![0, 1, 0xab]));
        assert_eq!(from_hex("0"), None);
        assert_eq!(from_hex("zz"), None);
    }
}
