//! [`KmsReadTx`] / [`KmsWriteTx`] over SQLite.

use super::db_err;
use super::tx::SqliteTx;
use crate::StoreError;
use crate::kms::{
    KeyMaterialRecord, KmsReadTx, KmsWriteTx, MaterialGeneration, RotationKind, RotationSchedule,
};
use rusqlite::{OptionalExtension, Row, params};
use strongroom_domain::kms::{
    KeyManager, KeySpec, KeyState, KeyUsage, KmsAlias, KmsGrant, KmsKey, Origin,
};
use strongroom_domain::{Tag, Timestamp};

const KEY_COLUMNS: &str = "key_id, arn, account, region, description, key_usage, key_spec, state, \
     manager, origin, created, deletion_date, pending_window_days, policy";
const ALIAS_COLUMNS: &str = "account, region, name, key_id, created, updated";

fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

/// A column holding one of a model enum's values; anything else is a
/// corrupt row (the CHECKs keep them out).
fn parsed<T>(r: &Row<'_>, i: usize, parse: fn(&str) -> Option<T>) -> rusqlite::Result<T> {
    let text: String = r.get(i)?;
    parse(&text).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            format!("unexpected value {text:?}").into(),
        )
    })
}

fn key_row(r: &Row<'_>) -> rusqlite::Result<KmsKey> {
    Ok(KmsKey {
        id: r.get(0)?,
        arn: r.get(1)?,
        account: r.get(2)?,
        region: r.get(3)?,
        description: r.get(4)?,
        usage: parsed(r, 5, |s| s.parse::<KeyUsage>().ok())?,
        spec: parsed(r, 6, |s| s.parse::<KeySpec>().ok())?,
        state: parsed(r, 7, KeyState::parse)?,
        manager: parsed(r, 8, KeyManager::parse)?,
        origin: parsed(r, 9, Origin::parse)?,
        created: Timestamp(r.get(10)?),
        deletion_date: r.get::<_, Option<i64>>(11)?.map(Timestamp),
        pending_window_days: r.get(12)?,
        policy: r.get(13)?,
    })
}

fn alias_row(r: &Row<'_>) -> rusqlite::Result<KmsAlias> {
    Ok(KmsAlias {
        account: r.get(0)?,
        region: r.get(1)?,
        name: r.get(2)?,
        target_key_id: r.get(3)?,
        created: Timestamp(r.get(4)?),
        updated: Timestamp(r.get(5)?),
    })
}

fn material_row(r: &Row<'_>) -> rusqlite::Result<KeyMaterialRecord> {
    Ok(KeyMaterialRecord {
        key_id: r.get(0)?,
        generation: r.get(1)?,
        sealed: r.get(2)?,
        created: Timestamp(r.get(3)?),
    })
}

impl KmsReadTx for SqliteTx<'_> {
    fn kms_grants_page(
        &self,
        key_id: &str,
        grant_id: Option<&str>,
        grantee: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<KmsGrant>, StoreError> {
        super::grants::grants_page(
            self.conn,
            key_id,
            grant_id,
            grantee,
            after,
            sql_limit(limit),
        )
    }

    fn kms_grants_for(&self, key_id: &str, grantees: &[&str]) -> Result<Vec<KmsGrant>, StoreError> {
        super::grants::grants_for(self.conn, key_id, grantees)
    }

    fn kms_retirable_grants_page(
        &self,
        retiring: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<KmsGrant>, StoreError> {
        super::grants::retirable_page(self.conn, retiring, after, sql_limit(limit))
    }

    fn kms_grant_by_token(&self, token_hash: &[u8]) -> Result<Option<KmsGrant>, StoreError> {
        super::grants::grant_by_token(self.conn, token_hash)
    }

    fn kms_grants_named(&self, key_id: &str, name: &str) -> Result<Vec<KmsGrant>, StoreError> {
        super::grants::grants_named(self.conn, key_id, name)
    }

    fn kms_grant_count(&self, key_id: &str) -> Result<usize, StoreError> {
        super::grants::grant_count(self.conn, key_id)
    }

    fn kms_key(&self, key_id: &str) -> Result<Option<KmsKey>, StoreError> {
        let err = db_err("loading a KMS key");
        self.conn
            .prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM kms_keys WHERE key_id = ?1"
            ))
            .map_err(&err)?
            .query_row([key_id], key_row)
            .optional()
            .map_err(&err)
    }

    fn kms_alias(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<Option<KmsAlias>, StoreError> {
        let err = db_err("loading a KMS alias");
        self.conn
            .prepare_cached(&format!(
                "SELECT {ALIAS_COLUMNS} FROM kms_aliases WHERE account = ?1 AND region = ?2 AND name = ?3"
            ))
            .map_err(&err)?
            .query_row(params![account, region, name], alias_row)
            .optional()
            .map_err(&err)
    }

    fn kms_keys_page(
        &self,
        account: &str,
        region: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<KmsKey>, StoreError> {
        let err = db_err("listing KMS keys");
        self.conn
            .prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM kms_keys WHERE account = ?1 AND region = ?2 \
                 AND (?3 IS NULL OR key_id > ?3) ORDER BY key_id LIMIT ?4"
            ))
            .map_err(&err)?
            .query_map(params![account, region, after, sql_limit(limit)], key_row)
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    fn kms_aliases_page(
        &self,
        account: &str,
        region: &str,
        key_id: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<KmsAlias>, StoreError> {
        let err = db_err("listing KMS aliases");
        self.conn
            .prepare_cached(&format!(
                "SELECT {ALIAS_COLUMNS} FROM kms_aliases WHERE account = ?1 AND region = ?2 \
                 AND (?3 IS NULL OR key_id = ?3) AND (?4 IS NULL OR name > ?4) \
                 ORDER BY name LIMIT ?5"
            ))
            .map_err(&err)?
            .query_map(
                params![account, region, key_id, after, sql_limit(limit)],
                alias_row,
            )
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    fn kms_key_tags(&self, key_id: &str) -> Result<Vec<Tag>, StoreError> {
        let err = db_err("loading KMS key tags");
        self.conn
            .prepare_cached("SELECT key, value FROM kms_key_tags WHERE key_id = ?1 ORDER BY key")
            .map_err(&err)?
            .query_map([key_id], |r| {
                Ok(Tag {
                    key: r.get(0)?,
                    value: r.get(1)?,
                })
            })
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    fn kms_material(
        &self,
        key_id: &str,
        generation: u32,
    ) -> Result<Option<KeyMaterialRecord>, StoreError> {
        let err = db_err("loading KMS key material");
        self.conn
            .prepare_cached(
                "SELECT key_id, generation, sealed_material, created FROM kms_key_material \
                 WHERE key_id = ?1 AND generation = ?2",
            )
            .map_err(&err)?
            .query_row(params![key_id, generation], material_row)
            .optional()
            .map_err(&err)
    }

    fn kms_newest_material(&self, key_id: &str) -> Result<Option<KeyMaterialRecord>, StoreError> {
        let err = db_err("loading KMS key material");
        self.conn
            .prepare_cached(
                "SELECT key_id, generation, sealed_material, created FROM kms_key_material \
                 WHERE key_id = ?1 ORDER BY generation DESC LIMIT 1",
            )
            .map_err(&err)?
            .query_row([key_id], material_row)
            .optional()
            .map_err(&err)
    }

    fn kms_public_key(&self, key_id: &str, generation: u32) -> Result<Option<Vec<u8>>, StoreError> {
        let err = db_err("loading a KMS public key");
        self.conn
            .prepare_cached(
                "SELECT public_key FROM kms_key_material WHERE key_id = ?1 AND generation = ?2",
            )
            .map_err(&err)?
            .query_row(params![key_id, generation], |r| {
                r.get::<_, Option<Vec<u8>>>(0)
            })
            .optional()
            .map(Option::flatten)
            .map_err(&err)
    }

    fn kms_keys_due_for_deletion(&self, now: Timestamp) -> Result<Vec<String>, StoreError> {
        let err = db_err("finding KMS keys due for deletion");
        self.conn
            .prepare_cached(
                "SELECT key_id FROM kms_keys WHERE deletion_date IS NOT NULL AND deletion_date <= ?1 \
                 ORDER BY deletion_date",
            )
            .map_err(&err)?
            .query_map([now.0], |r| r.get(0))
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    fn kms_rotation_schedule(&self, key_id: &str) -> Result<Option<RotationSchedule>, StoreError> {
        let err = db_err("loading a KMS key's rotation schedule");
        self.conn
            .prepare_cached(
                "SELECT period_days, next_rotation FROM kms_key_rotation_schedules WHERE key_id = ?1",
            )
            .map_err(&err)?
            .query_row([key_id], |r| {
                Ok(RotationSchedule {
                    period_days: r.get(0)?,
                    next_rotation: Timestamp(r.get(1)?),
                })
            })
            .optional()
            .map_err(&err)
    }

    fn kms_generations_page(
        &self,
        key_id: &str,
        after: u32,
        limit: usize,
    ) -> Result<Vec<MaterialGeneration>, StoreError> {
        let err = db_err("listing KMS key rotations");
        self.conn
            .prepare_cached(
                "SELECT generation, created, rotation_type FROM kms_key_material \
                 WHERE key_id = ?1 AND generation > ?2 ORDER BY generation LIMIT ?3",
            )
            .map_err(&err)?
            .query_map(params![key_id, after, sql_limit(limit)], |r| {
                let generation: u32 = r.get(0)?;
                let rotation = match r.get::<_, Option<String>>(2)? {
                    Some(_) => Some(parsed(r, 2, RotationKind::parse)?),
                    // Generations from before V8 were rotations of unknown kind.
                    None if generation > 1 => Some(RotationKind::Automatic),
                    None => None,
                };
                Ok(MaterialGeneration {
                    generation,
                    created: Timestamp(r.get(1)?),
                    rotation,
                })
            })
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    fn kms_on_demand_rotations(&self, key_id: &str) -> Result<u32, StoreError> {
        let err = db_err("counting KMS on-demand rotations");
        self.conn
            .prepare_cached(
                "SELECT count(*) FROM kms_key_material WHERE key_id = ?1 AND rotation_type = 'ON_DEMAND'",
            )
            .map_err(&err)?
            .query_row([key_id], |r| r.get(0))
            .map_err(&err)
    }

    fn kms_keys_due_for_rotation(
        &self,
        now: Timestamp,
        managed_period_days: i64,
    ) -> Result<Vec<String>, StoreError> {
        let err = db_err("finding KMS keys due for rotation");
        let managed_before = now.plus_days(-managed_period_days);
        self.conn
            .prepare_cached(
                "SELECT s.key_id FROM kms_key_rotation_schedules s JOIN kms_keys k USING (key_id) \
                 WHERE s.next_rotation <= ?1 AND k.state = 'Enabled' \
                 UNION \
                 SELECT k.key_id FROM kms_keys k WHERE k.manager = 'AWS' AND \
                 (SELECT max(m.created) FROM kms_key_material m WHERE m.key_id = k.key_id) <= ?2",
            )
            .map_err(&err)?
            .query_map(params![now.0, managed_before.0], |r| r.get(0))
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }
}

impl SqliteTx<'_> {
    fn kms_exec(
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
}

/// Inserts a key row (shared with the V5 migration).
pub(super) fn insert_key_row(conn: &rusqlite::Connection, k: &KmsKey) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO kms_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
    ))?
    .execute(params![
        k.id,
        k.arn,
        k.account,
        k.region,
        k.description,
        k.usage.as_str(),
        k.spec.as_str(),
        k.state.as_str(),
        k.manager.as_str(),
        k.origin.as_str(),
        k.created.0,
        k.deletion_date.map(|t| t.0),
        k.pending_window_days,
        k.policy,
    ])?;
    Ok(())
}

/// Inserts one generation of material (shared with the V5 migration).
pub(super) fn insert_material_row(
    conn: &rusqlite::Connection,
    m: &KeyMaterialRecord,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO kms_key_material (key_id, generation, sealed_material, created) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![m.key_id, m.generation, m.sealed, m.created.0])?;
    Ok(())
}

/// Inserts an alias unless its name is taken (shared with the V5 migration).
pub(super) fn insert_alias_row(
    conn: &rusqlite::Connection,
    a: &KmsAlias,
) -> rusqlite::Result<bool> {
    let n = conn
        .prepare_cached(
            "INSERT INTO kms_aliases (account, region, name, key_id, created, updated) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (account, region, name) DO NOTHING",
        )?
        .execute(params![
            a.account,
            a.region,
            a.name,
            a.target_key_id,
            a.created.0,
            a.updated.0
        ])?;
    Ok(n == 1)
}

impl KmsWriteTx for SqliteTx<'_> {
    fn insert_kms_grant(&mut self, grant: &KmsGrant, token_hash: &[u8]) -> Result<(), StoreError> {
        super::grants::insert_grant(self.conn, grant, token_hash)
    }

    fn add_kms_grant_token(&mut self, grant_id: &str, token_hash: &[u8]) -> Result<(), StoreError> {
        super::grants::add_token(self.conn, grant_id, token_hash)
    }

    fn delete_kms_grant(&mut self, key_id: &str, grant_id: &str) -> Result<bool, StoreError> {
        super::grants::delete_grant(self.conn, key_id, grant_id)
    }

    fn insert_kms_key(
        &mut self,
        key: &KmsKey,
        tags: &[Tag],
        material: &KeyMaterialRecord,
    ) -> Result<(), StoreError> {
        insert_key_row(self.conn, key).map_err(db_err("inserting a KMS key"))?;
        self.replace_kms_key_tags(&key.id, tags)?;
        self.insert_kms_material(material)
    }

    fn update_kms_key(&mut self, k: &KmsKey) -> Result<(), StoreError> {
        let n = self.kms_exec(
            "updating a KMS key",
            "UPDATE kms_keys SET description = ?2, state = ?3, deletion_date = ?4, \
             pending_window_days = ?5, policy = ?6 WHERE key_id = ?1",
            params![
                k.id,
                k.description,
                k.state.as_str(),
                k.deletion_date.map(|t| t.0),
                k.pending_window_days,
                k.policy
            ],
        )?;
        if n != 1 {
            return Err(StoreError::Corrupt("updating a KMS key that is not there"));
        }
        Ok(())
    }

    fn replace_kms_key_tags(&mut self, key_id: &str, tags: &[Tag]) -> Result<(), StoreError> {
        self.kms_exec(
            "writing KMS key tags",
            "DELETE FROM kms_key_tags WHERE key_id = ?1",
            params![key_id],
        )?;
        for tag in tags {
            self.kms_exec(
                "writing KMS key tags",
                "INSERT INTO kms_key_tags (key_id, key, value) VALUES (?1, ?2, ?3)",
                params![key_id, tag.key, tag.value],
            )?;
        }
        Ok(())
    }

    fn insert_kms_material(&mut self, material: &KeyMaterialRecord) -> Result<(), StoreError> {
        insert_material_row(self.conn, material).map_err(db_err("inserting KMS key material"))
    }

    fn insert_rotated_kms_material(
        &mut self,
        m: &KeyMaterialRecord,
        kind: RotationKind,
    ) -> Result<bool, StoreError> {
        let n = self.kms_exec(
            "inserting rotated KMS key material",
            "INSERT INTO kms_key_material (key_id, generation, sealed_material, created, rotation_type) \
             VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (key_id, generation) DO NOTHING",
            params![m.key_id, m.generation, m.sealed, m.created.0, kind.as_str()],
        )?;
        Ok(n == 1)
    }

    fn set_kms_rotation_schedule(
        &mut self,
        key_id: &str,
        schedule: Option<RotationSchedule>,
    ) -> Result<(), StoreError> {
        match schedule {
            Some(s) => self.kms_exec(
                "enabling KMS key rotation",
                "INSERT INTO kms_key_rotation_schedules (key_id, period_days, next_rotation) \
                 VALUES (?1, ?2, ?3) ON CONFLICT (key_id) DO UPDATE SET \
                 period_days = excluded.period_days, next_rotation = excluded.next_rotation",
                params![key_id, s.period_days, s.next_rotation.0],
            )?,
            None => self.kms_exec(
                "disabling KMS key rotation",
                "DELETE FROM kms_key_rotation_schedules WHERE key_id = ?1",
                params![key_id],
            )?,
        };
        Ok(())
    }

    fn advance_kms_rotation(
        &mut self,
        key_id: &str,
        expected: Timestamp,
        next: Timestamp,
    ) -> Result<bool, StoreError> {
        let n = self.kms_exec(
            "scheduling the next KMS key rotation",
            "UPDATE kms_key_rotation_schedules SET next_rotation = ?3 \
             WHERE key_id = ?1 AND next_rotation = ?2",
            params![key_id, expected.0, next.0],
        )?;
        Ok(n == 1)
    }

    fn set_kms_public_key(
        &mut self,
        key_id: &str,
        generation: u32,
        public_key: &[u8],
    ) -> Result<bool, StoreError> {
        let n = self.kms_exec(
            "recording a KMS public key",
            "UPDATE kms_key_material SET public_key = ?3 WHERE key_id = ?1 AND generation = ?2",
            params![key_id, generation, public_key],
        )?;
        Ok(n == 1)
    }

    fn insert_kms_alias(&mut self, alias: &KmsAlias) -> Result<bool, StoreError> {
        insert_alias_row(self.conn, alias).map_err(db_err("inserting a KMS alias"))
    }

    fn update_kms_alias(&mut self, a: &KmsAlias) -> Result<bool, StoreError> {
        let n = self.kms_exec(
            "updating a KMS alias",
            "UPDATE kms_aliases SET key_id = ?4, updated = ?5 \
             WHERE account = ?1 AND region = ?2 AND name = ?3",
            params![a.account, a.region, a.name, a.target_key_id, a.updated.0],
        )?;
        Ok(n == 1)
    }

    fn delete_kms_alias(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<bool, StoreError> {
        let n = self.kms_exec(
            "deleting a KMS alias",
            "DELETE FROM kms_aliases WHERE account = ?1 AND region = ?2 AND name = ?3",
            params![account, region, name],
        )?;
        Ok(n == 1)
    }

    fn delete_kms_key(&mut self, key_id: &str) -> Result<bool, StoreError> {
        let n = self.kms_exec(
            "deleting a KMS key",
            "DELETE FROM kms_keys WHERE key_id = ?1",
            params![key_id],
        )?;
        // The material's pages are zeroed (secure_delete); the WAL's copies
        // go with the checkpoint after the commit.
        if n == 1
            && let Some(scrub) = self.scrub
        {
            scrub.set(true);
        }
        Ok(n == 1)
    }
}
