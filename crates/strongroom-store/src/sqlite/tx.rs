//! `ReadTx` / `WriteTx` over one SQLite connection inside a transaction.

use super::db_err;
use super::{ListingLimits, words};
use crate::{
    AccessKeyRecord, AccessRecorded, ReadTx, SecretPage, SecretQuery, StoreError, StoredValue,
    WriteTx,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::cell::Cell;
use std::collections::BTreeMap;
use strongroom_domain::filter::{Searchable, description_index_keys, index_keys, tag_index_keys};
use strongroom_domain::{Secret, Tag, Timestamp, Version};

pub struct SqliteTx<'c> {
    pub conn: &'c Connection,
    /// Set by a write that deletes a secret's ciphertext: the writer then
    /// checkpoints and truncates the WAL after the commit (`None` in reads).
    pub scrub: Option<&'c Cell<bool>>,
    /// What one page of a listing may cost.
    pub listing: ListingLimits,
}

const SECRET_COLUMNS: &str = "pk, arn, account, region, name, description, kms_key_id, secret_type, created, \
     last_changed, last_accessed, deleted, purge_after, tagged, resource_policy";

fn ts(v: Option<i64>) -> Option<Timestamp> {
    v.map(Timestamp)
}

/// A secret row, before its versions, stages and tags are attached.
fn secret_row(r: &Row<'_>) -> rusqlite::Result<(i64, bool, Secret)> {
    Ok((
        r.get(0)?,
        r.get::<_, i64>(13)? != 0,
        Secret {
            arn: r.get(1)?,
            account: r.get(2)?,
            region: r.get(3)?,
            name: r.get(4)?,
            description: r.get(5)?,
            kms_key_id: r.get(6)?,
            secret_type: r.get(7)?,
            created: Timestamp(r.get(8)?),
            last_changed: Timestamp(r.get(9)?),
            last_accessed: ts(r.get(10)?),
            deleted: ts(r.get(11)?),
            purge_after: ts(r.get(12)?),
            resource_policy: r.get(14)?,
            tags: None,
            versions: Vec::new(),
            stages: BTreeMap::new(),
            rotation: None,
        },
    ))
}

impl SqliteTx<'_> {
    /// Attaches versions, stages and tags to a loaded secret row.
    fn complete(&self, pk: i64, tagged: bool, mut secret: Secret) -> Result<Secret, StoreError> {
        let err = db_err("loading a secret");
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT version_id, created, last_accessed, ciphertext IS NOT NULL FROM versions \
                 WHERE secret_pk = ?1 ORDER BY created, seq",
            )
            .map_err(&err)?;
        secret.versions = stmt
            .query_map([pk], |r| {
                Ok(Version {
                    id: r.get(0)?,
                    created: Timestamp(r.get(1)?),
                    last_accessed: ts(r.get(2)?),
                    has_value: r.get(3)?,
                })
            })
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)?;
        let mut stmt = self
            .conn
            .prepare_cached("SELECT stage, version_id FROM stages WHERE secret_pk = ?1")
            .map_err(&err)?;
        secret.stages = stmt
            .query_map([pk], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)?;
        if tagged {
            secret.tags = Some(self.tags_of(pk)?);
        }
        secret.rotation = super::rotation::load(self.conn, pk)?;
        Ok(secret)
    }

    /// A secret's tags, in order.
    pub(super) fn tags_of(&self, pk: i64) -> Result<Vec<Tag>, StoreError> {
        let err = db_err("loading tags");
        self.conn
            .prepare_cached("SELECT key, value FROM tags WHERE secret_pk = ?1 ORDER BY position")
            .map_err(&err)?
            .query_map([pk], |r| {
                Ok(Tag {
                    key: r.get(0)?,
                    value: r.get(1)?,
                })
            })
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    /// The whole secret with primary key `pk`.
    pub(super) fn secret_by_pk(&self, pk: i64) -> Result<Option<Secret>, StoreError> {
        self.find_one(
            &format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE pk = ?1"),
            params![pk],
        )
    }

    /// The primary key, name and description of the secret `arn`.
    fn searchable_row(
        &self,
        arn: &str,
    ) -> Result<Option<(i64, String, Option<String>)>, StoreError> {
        let err = db_err("finding a secret");
        self.conn
            .prepare_cached("SELECT pk, name, description FROM secrets WHERE arn = ?1")
            .map_err(&err)?
            .query_row([arn], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(&err)
    }

    fn find_one(
        &self,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<Option<Secret>, StoreError> {
        let err = db_err("finding a secret");
        let row = self
            .conn
            .prepare_cached(sql)
            .map_err(&err)?
            .query_row(params, secret_row)
            .optional()
            .map_err(&err)?;
        match row {
            Some((pk, tagged, secret)) => Ok(Some(self.complete(pk, tagged, secret)?)),
            None => Ok(None),
        }
    }

    fn exec(
        &self,
        context: &'static str,
        sql: &str,
        params: &[&dyn rusqlite::ToSql],
    ) -> Result<usize, StoreError> {
        self.conn
            .prepare_cached(sql)
            .map_err(db_err(context))?
            .execute(params)
            .map_err(db_err(context))
    }

    fn write_tags(&self, arn: &str, tags: &[Tag]) -> Result<(), StoreError> {
        for (i, tag) in tags.iter().enumerate() {
            self.exec(
                "writing tags",
                "INSERT INTO tags (secret_pk, position, key, value) \
                 SELECT pk, ?2, ?3, ?4 FROM secrets WHERE arn = ?1",
                params![arn, i as i64, tag.key, tag.value],
            )?;
        }
        Ok(())
    }
}

impl ReadTx for SqliteTx<'_> {
    fn find_secret_by_arn(&self, arn: &str) -> Result<Option<Secret>, StoreError> {
        self.find_one(
            &format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE arn = ?1"),
            params![arn],
        )
    }

    fn find_secret_by_name(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<Option<Secret>, StoreError> {
        self.find_one(
            &format!("SELECT {SECRET_COLUMNS} FROM secrets WHERE account = ?1 AND region = ?2 AND name = ?3"),
            params![account, region, name],
        )
    }

    fn load_value(&self, arn: &str, version_id: &str) -> Result<Option<StoredValue>, StoreError> {
        let err = db_err("loading a value");
        type ValueColumns = (Option<String>, Option<Vec<u8>>, Option<Vec<u8>>);
        let row: Option<ValueColumns> = self
            .conn
            .prepare_cached(
                "SELECT v.key_id, v.wrapped_key, v.ciphertext FROM versions v JOIN secrets s ON s.pk = v.secret_pk \
                 WHERE s.arn = ?1 AND v.version_id = ?2",
            )
            .map_err(&err)?
            .query_row(params![arn, version_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .map_err(&err)?;
        Ok(match row {
            Some((Some(key_id), Some(wrapped_key), Some(ciphertext))) => Some(StoredValue {
                key_id,
                wrapped_key,
                ciphertext,
            }),
            _ => None,
        })
    }

    fn page_secrets(&self, query: &SecretQuery<'_>) -> Result<SecretPage, StoreError> {
        super::listing::page(self, query)
    }

    fn secrets_due_for_purge(&self, now: Timestamp) -> Result<Vec<String>, StoreError> {
        let err = db_err("finding secrets to purge");
        self.conn
            .prepare_cached(
                "SELECT arn FROM secrets WHERE purge_after IS NOT NULL AND purge_after <= ?1",
            )
            .map_err(&err)?
            .query_map([now.0], |r| r.get(0))
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    fn rotations_due(&self, now: Timestamp, limit: usize) -> Result<Vec<String>, StoreError> {
        super::rotation::due(self.conn, now, limit)
    }

    fn access_keys(&self) -> Result<Vec<AccessKeyRecord>, StoreError> {
        self.load_access_keys(None)
    }

    fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let err = db_err("reading metadata");
        self.conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")
            .map_err(&err)?
            .query_row([key], |r| r.get(0))
            .optional()
            .map_err(&err)
    }
}

impl WriteTx for SqliteTx<'_> {
    fn insert_secret(&mut self, s: &Secret) -> Result<(), StoreError> {
        self.exec(
            "inserting a secret",
            "INSERT INTO secrets (arn, account, region, name, description, kms_key_id, secret_type, created, \
             last_changed, last_accessed, deleted, purge_after, tagged, resource_policy) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                s.arn,
                s.account,
                s.region,
                s.name,
                s.description,
                s.kms_key_id,
                s.secret_type,
                s.created.0,
                s.last_changed.0,
                s.last_accessed.map(|t| t.0),
                s.deleted.map(|t| t.0),
                s.purge_after.map(|t| t.0),
                s.tags.is_some() as i64,
                s.resource_policy,
            ],
        )?;
        if let Some(tags) = &s.tags {
            self.write_tags(&s.arn, tags)?;
        }
        let pk = self.conn.last_insert_rowid();
        words::insert(self.conn, pk, index_keys(&Searchable::from(s)).iter())
    }

    fn update_secret(&mut self, s: &Secret) -> Result<(), StoreError> {
        if let Some((pk, _, old)) = self.searchable_row(&s.arn)?
            && old != s.description
        {
            words::change(
                self.conn,
                pk,
                &description_index_keys(old.as_deref()),
                &description_index_keys(s.description.as_deref()),
            )?;
        }
        self.exec(
            "updating a secret",
            "UPDATE secrets SET description = ?2, kms_key_id = ?3, secret_type = ?4, last_changed = ?5, \
             last_accessed = ?6, deleted = ?7, purge_after = ?8, tagged = ?9, resource_policy = ?10 WHERE arn = ?1",
            params![
                s.arn,
                s.description,
                s.kms_key_id,
                s.secret_type,
                s.last_changed.0,
                s.last_accessed.map(|t| t.0),
                s.deleted.map(|t| t.0),
                s.purge_after.map(|t| t.0),
                s.tags.is_some() as i64,
                s.resource_policy,
            ],
        )?;
        Ok(())
    }

    fn replace_tags(&mut self, arn: &str, tags: Option<&[Tag]>) -> Result<(), StoreError> {
        if let Some((pk, _, _)) = self.searchable_row(arn)? {
            let old = self.tags_of(pk)?;
            words::change(
                self.conn,
                pk,
                &tag_index_keys(&old),
                &tag_index_keys(tags.unwrap_or_default()),
            )?;
        }
        self.exec(
            "replacing tags",
            "DELETE FROM tags WHERE secret_pk = (SELECT pk FROM secrets WHERE arn = ?1)",
            params![arn],
        )?;
        self.write_tags(arn, tags.unwrap_or_default())
    }

    fn insert_version(
        &mut self,
        arn: &str,
        v: &Version,
        value: Option<&StoredValue>,
    ) -> Result<(), StoreError> {
        self.exec(
            "inserting a version",
            "INSERT INTO versions (secret_pk, version_id, created, seq, last_accessed, key_id, wrapped_key, ciphertext) \
             SELECT pk, ?2, ?3, (SELECT COALESCE(MAX(seq), 0) + 1 FROM versions WHERE secret_pk = pk), ?4, ?5, ?6, ?7 \
             FROM secrets WHERE arn = ?1",
            params![
                arn,
                v.id,
                v.created.0,
                v.last_accessed.map(|t| t.0),
                value.map(|x| x.key_id.as_str()),
                value.map(|x| x.wrapped_key.as_slice()),
                value.map(|x| x.ciphertext.as_slice()),
            ],
        )?;
        Ok(())
    }

    fn replace_value(
        &mut self,
        arn: &str,
        version_id: &str,
        value: &StoredValue,
    ) -> Result<(), StoreError> {
        self.exec(
            "replacing a version's value",
            "UPDATE versions SET key_id = ?3, wrapped_key = ?4, ciphertext = ?5 \
             WHERE secret_pk = (SELECT pk FROM secrets WHERE arn = ?1) AND version_id = ?2 \
             AND ciphertext IS NOT NULL",
            params![
                arn,
                version_id,
                value.key_id,
                value.wrapped_key,
                value.ciphertext
            ],
        )?;
        Ok(())
    }

    fn update_version_access(
        &mut self,
        arn: &str,
        version_id: &str,
        at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        self.exec(
            "updating a version",
            "UPDATE versions SET last_accessed = ?3 \
             WHERE secret_pk = (SELECT pk FROM secrets WHERE arn = ?1) AND version_id = ?2",
            params![arn, version_id, at.map(|t| t.0)],
        )?;
        Ok(())
    }

    fn record_access(
        &mut self,
        arn: &str,
        version_id: &str,
        day: Timestamp,
    ) -> Result<AccessRecorded, StoreError> {
        let secret = self.exec(
            "recording an access",
            "UPDATE secrets SET last_accessed = ?2 \
             WHERE arn = ?1 AND (last_accessed IS NULL OR last_accessed < ?2)",
            params![arn, day.0],
        )?;
        let version = self.exec(
            "recording an access",
            "UPDATE versions SET last_accessed = ?3 \
             WHERE secret_pk = (SELECT pk FROM secrets WHERE arn = ?1) AND version_id = ?2 \
             AND (last_accessed IS NULL OR last_accessed < ?3)",
            params![arn, version_id, day.0],
        )?;
        Ok(AccessRecorded {
            secret: secret > 0,
            version: version > 0,
        })
    }

    fn delete_version(&mut self, arn: &str, version_id: &str) -> Result<(), StoreError> {
        self.exec(
            "deleting a version",
            "DELETE FROM versions WHERE secret_pk = (SELECT pk FROM secrets WHERE arn = ?1) AND version_id = ?2",
            params![arn, version_id],
        )?;
        Ok(())
    }

    fn set_stage(&mut self, arn: &str, stage: &str, version_id: &str) -> Result<(), StoreError> {
        self.exec(
            "moving a staging label",
            "INSERT INTO stages (secret_pk, stage, version_id) SELECT pk, ?2, ?3 FROM secrets WHERE arn = ?1 \
             ON CONFLICT (secret_pk, stage) DO UPDATE SET version_id = excluded.version_id",
            params![arn, stage, version_id],
        )?;
        Ok(())
    }

    fn remove_stage(&mut self, arn: &str, stage: &str) -> Result<(), StoreError> {
        self.exec(
            "removing a staging label",
            "DELETE FROM stages WHERE secret_pk = (SELECT pk FROM secrets WHERE arn = ?1) AND stage = ?2",
            params![arn, stage],
        )?;
        Ok(())
    }

    fn delete_secret(&mut self, arn: &str) -> Result<(), StoreError> {
        if let Some((pk, name, description)) = self.searchable_row(arn)? {
            let tags = self.tags_of(pk)?;
            let keys = index_keys(&Searchable {
                name: &name,
                description: description.as_deref(),
                region: "",
                tags: &tags,
            });
            words::change(self.conn, pk, &keys, &Default::default())?;
        }
        self.exec(
            "deleting a secret",
            "DELETE FROM secrets WHERE arn = ?1",
            params![arn],
        )?;
        // `secure_delete` zeroes the rows in the database's pages; the
        // WAL's older copies of those pages go with a checkpoint.
        if let Some(scrub) = self.scrub {
            scrub.set(true);
        }
        Ok(())
    }

    fn insert_access_key(&mut self, k: &AccessKeyRecord) -> Result<(), StoreError> {
        self.insert_access_key_row(k)
    }

    fn set_version_value(
        &mut self,
        arn: &str,
        version_id: &str,
        value: &StoredValue,
    ) -> Result<(), StoreError> {
        let n = self.exec(
            "giving a version its value",
            "UPDATE versions SET key_id = ?3, wrapped_key = ?4, ciphertext = ?5 \
             WHERE secret_pk = (SELECT pk FROM secrets WHERE arn = ?1) AND version_id = ?2 \
             AND ciphertext IS NULL",
            params![
                arn,
                version_id,
                value.key_id,
                value.wrapped_key,
                value.ciphertext
            ],
        )?;
        if n != 1 {
            return Err(StoreError::Corrupt(
                "a version to fill in has a value or is missing",
            ));
        }
        Ok(())
    }

    fn set_rotation(
        &mut self,
        arn: &str,
        rotation: Option<&strongroom_domain::Rotation>,
    ) -> Result<(), StoreError> {
        super::rotation::save(self.conn, arn, rotation)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.exec(
            "writing metadata",
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn rewrap_root_sealed(
        &mut self,
        rewrap: &mut dyn FnMut(&crate::SealedItem) -> Result<Vec<u8>, StoreError>,
    ) -> Result<usize, StoreError> {
        let count = super::rewrap::rewrap_all(self.conn, rewrap)?;
        // The old seals' pages may linger in the WAL: checkpoint it away.
        if let Some(scrub) = self.scrub {
            scrub.set(true);
        }
        Ok(count)
    }
}
