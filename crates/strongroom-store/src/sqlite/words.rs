//! The word index (`secret_words`): one row per index key of a secret
//! (`strongroom_domain::filter::index_keys`), kept in step with the secret's
//! name, description and tags by every write of those, in the same
//! transaction. It has no index by secret: a write removes the keys it
//! computes from the values it replaces, so the rules that derive keys must
//! not change without a migration that rebuilds the table. Keys are not
//! scoped by account and region (smaller rows): candidates of other regions
//! are dropped when looked up, and only make a probe look wider than it is.

use super::db_err;
use crate::StoreError;
use rusqlite::{Connection, params};
use std::collections::BTreeSet;
use strongroom_domain::filter::{IndexField, IndexKey};

/// How a field is stored in `secret_words.field`.
pub(super) fn field_code(field: IndexField) -> i64 {
    match field {
        IndexField::NameWord => 1,
        IndexField::DescriptionWord => 2,
        IndexField::TagKeyWord => 3,
        IndexField::TagValueWord => 4,
        IndexField::TagKey => 5,
        IndexField::TagValue => 6,
    }
}

/// Turns the keys `old` into `new` for secret `pk`.
pub(super) fn change(
    conn: &Connection,
    pk: i64,
    old: &BTreeSet<IndexKey>,
    new: &BTreeSet<IndexKey>,
) -> Result<(), StoreError> {
    let err = db_err("updating the word index");
    if old.difference(new).next().is_some() {
        let mut delete = conn
            .prepare_cached(
                "DELETE FROM secret_words WHERE field = ?1 AND key = ?2 AND secret_pk = ?3",
            )
            .map_err(&err)?;
        for (field, key) in old.difference(new) {
            delete
                .execute(params![field_code(*field), key, pk])
                .map_err(&err)?;
        }
    }
    insert(conn, pk, new.difference(old))
}

/// Adds keys of secret `pk` (a key already there is kept).
pub(super) fn insert<'k>(
    conn: &Connection,
    pk: i64,
    keys: impl Iterator<Item = &'k IndexKey>,
) -> Result<(), StoreError> {
    let err = db_err("updating the word index");
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO secret_words (field, key, secret_pk) VALUES (?1, ?2, ?3) \
             ON CONFLICT DO NOTHING",
        )
        .map_err(&err)?;
    for (field, key) in keys {
        insert
            .execute(params![field_code(*field), key, pk])
            .map_err(&err)?;
    }
    Ok(())
}
