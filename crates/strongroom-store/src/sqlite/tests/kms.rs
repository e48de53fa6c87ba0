//! The KMS part of the conformance suite: what every backend must enforce
//! itself (one key per alias, within the alias's account and region; the
//! deletion date exactly while pending deletion; AWS managed keys stay
//! enabled; material, aliases, tags and public keys go with their key), and the
//! V4 → V5 migration of the `aws/secretsmanager` keys, V5 → V7 (public keys, added by V7), and
//! V7 → V9 (rotation kinds and schedules, added by V9).

use super::open;
use crate::kms::KeyMaterialRecord;
use crate::sqlite::{SqliteStore, schema};
use crate::{Store, StoreError};
use std::sync::Arc;
use strongroom_domain::kms::{
    KeyManager, KeyState, KmsAlias, KmsKey, SECRETSMANAGER_ALIAS, default_key_policy,
};
use strongroom_domain::{Tag, Timestamp};

pub(super) const ACCOUNT: &str = "123456789012";
const OTHER: &str = "210987654321";
const REGION: &str = "us-east-1";

pub(super) fn key(n: u8, account: &str) -> KmsKey {
    KmsKey::new_customer(
        format!("0000000{n}-0000-4000-8000-000000000000"),
        account,
        REGION,
        format!("key {n}"),
        default_key_policy(account),
        Timestamp(i64::from(n)),
    )
}

pub(super) fn material(key: &KmsKey, generation: u32) -> KeyMaterialRecord {
    KeyMaterialRecord {
        key_id: key.id.clone(),
        generation,
        sealed: vec![generation as u8; 60],
        created: Timestamp(10),
    }
}

fn alias(name: &str, key: &KmsKey) -> KmsAlias {
    KmsAlias {
        account: key.account.clone(),
        region: key.region.clone(),
        name: name.into(),
        target_key_id: key.id.clone(),
        created: Timestamp(5),
        updated: Timestamp(5),
    }
}

async fn write<T: Send + 'static>(
    store: &Arc<dyn Store>,
    f: impl FnOnce(&mut dyn crate::WriteTx) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    store.write(f).await
}

async fn seeded() -> (tempfile::TempDir, Arc<dyn Store>, KmsKey, KmsKey) {
    let (dir, store) = open();
    let (k1, k2) = (key(1, ACCOUNT), key(2, ACCOUNT));
    let (a, b) = (k1.clone(), k2.clone());
    write(&store, move |tx| {
        let tags = [Tag {
            key: "team".into(),
            value: "payments".into(),
        }];
        tx.insert_kms_key(&a, &tags, &material(&a, 1))?;
        tx.insert_kms_key(&b, &[], &material(&b, 1))?;
        assert!(tx.insert_kms_alias(&alias("alias/app", &a))?);
        assert!(tx.insert_kms_alias(&alias("alias/other", &b))?);
        Ok(())
    })
    .await
    .expect("seed");
    (dir, store, k1, k2)
}

#[tokio::test]
async fn keys_aliases_tags_and_material_read_back() {
    let (_dir, store, k1, k2) = seeded().await;
    let id = k1.id.clone();
    let (got, tags, newest, a) = store
        .read(|tx| {
            Ok::<_, StoreError>((
                tx.kms_key(&id)?,
                tx.kms_key_tags(&id)?,
                tx.kms_newest_material(&id)?,
                tx.kms_alias(ACCOUNT, REGION, "alias/app")?,
            ))
        })
        .expect("read");
    assert_eq!(got.as_ref(), Some(&k1));
    assert_eq!(tags.len(), 1);
    assert_eq!(newest.map(|m| m.generation), Some(1));
    assert_eq!(a.map(|a| a.target_key_id), Some(k1.id.clone()));

    // A second generation: the newest encrypts, the first still decrypts.
    let k = k1.clone();
    write(&store, move |tx| tx.insert_kms_material(&material(&k, 2)))
        .await
        .expect("generation 2");
    let id = k1.id.clone();
    let (newest, first) = store
        .read(|tx| Ok::<_, StoreError>((tx.kms_newest_material(&id)?, tx.kms_material(&id, 1)?)))
        .expect("read");
    assert_eq!(newest.map(|m| m.generation), Some(2));
    assert_eq!(first.map(|m| m.sealed), Some(vec![1u8; 60]));

    // Pages: by id, and aliases by name with the key filter.
    let keys = store
        .read(|tx| tx.kms_keys_page(ACCOUNT, REGION, None, 1))
        .expect("page");
    assert_eq!(keys, vec![k1.clone()]);
    let after = k1.id.clone();
    let keys = store
        .read(|tx| tx.kms_keys_page(ACCOUNT, REGION, Some(&after), 10))
        .expect("page");
    assert_eq!(keys, vec![k2.clone()]);
    let id2 = k2.id.clone();
    let aliases = store
        .read(|tx| tx.kms_aliases_page(ACCOUNT, REGION, Some(&id2), None, 10))
        .expect("aliases");
    assert_eq!(
        aliases.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(),
        ["alias/other"]
    );
    assert!(
        store
            .read(|tx| tx.kms_keys_page(OTHER, REGION, None, 10))
            .expect("page")
            .is_empty()
    );
}

#[tokio::test]
async fn an_alias_names_one_key_of_its_own_account_and_region() {
    let (_dir, store, k1, k2) = seeded().await;
    // The name is taken: nothing written.
    let b = k2.clone();
    let inserted = write(&store, move |tx| {
        tx.insert_kms_alias(&alias("alias/app", &b))
    })
    .await
    .expect("insert");
    assert!(!inserted);
    // Re-pointing changes the one row.
    let b = k2.clone();
    assert!(
        write(&store, move |tx| tx
            .update_kms_alias(&alias("alias/app", &b)))
        .await
        .expect("update")
    );
    let a = store
        .read(|tx| tx.kms_alias(ACCOUNT, REGION, "alias/app"))
        .expect("read")
        .expect("alias");
    assert_eq!(a.target_key_id, k2.id);
    // An alias in one account cannot name another account's key.
    let other = key(3, OTHER);
    let o = other.clone();
    write(&store, move |tx| {
        tx.insert_kms_key(&o, &[], &material(&o, 1))
    })
    .await
    .expect("other account's key");
    let mut cross = alias("alias/cross", &k1);
    cross.target_key_id = other.id.clone();
    assert!(
        write(&store, move |tx| tx.insert_kms_alias(&cross))
            .await
            .is_err()
    );
    assert!(
        store
            .read(|tx| tx.kms_alias(ACCOUNT, REGION, "alias/cross"))
            .expect("read")
            .is_none()
    );
    // Deleting reports whether there was one.
    assert!(
        write(&store, |tx| tx.delete_kms_alias(
            ACCOUNT,
            REGION,
            "alias/other"
        ))
        .await
        .expect("delete")
    );
    assert!(
        !write(&store, |tx| tx.delete_kms_alias(
            ACCOUNT,
            REGION,
            "alias/other"
        ))
        .await
        .expect("delete again")
    );
}

#[tokio::test]
async fn key_states_are_constrained() {
    let (_dir, store, k1, _) = seeded().await;
    // Pending deletion without a deletion date.
    let mut bad = k1.clone();
    bad.state = KeyState::PendingDeletion;
    assert!(
        write(&store, move |tx| tx.update_kms_key(&bad))
            .await
            .is_err()
    );
    // A deletion date on an enabled key.
    let mut bad = k1.clone();
    bad.deletion_date = Some(Timestamp(9));
    bad.pending_window_days = Some(7);
    assert!(
        write(&store, move |tx| tx.update_kms_key(&bad))
            .await
            .is_err()
    );
    // An AWS managed key that is not enabled.
    let mut managed = key(4, ACCOUNT);
    managed.manager = KeyManager::Aws;
    managed.state = KeyState::Disabled;
    assert!(
        write(&store, move |tx| tx.insert_kms_key(
            &managed,
            &[],
            &material(&managed, 1)
        ))
        .await
        .is_err()
    );
    // The rules' own path is fine.
    let mut ok = k1.clone();
    ok.schedule_deletion(Timestamp(0), 7).expect("schedule");
    let stored = ok.clone();
    write(&store, move |tx| tx.update_kms_key(&stored))
        .await
        .expect("pending deletion");
    let id = k1.id.clone();
    assert_eq!(store.read(|tx| tx.kms_key(&id)).expect("read"), Some(ok));
}

#[tokio::test]
async fn deleting_a_key_takes_its_material_aliases_and_tags() {
    let (_dir, store, k1, _) = seeded().await;
    let mut pending = k1.clone();
    pending
        .schedule_deletion(Timestamp(0), 7)
        .expect("schedule");
    let due_at = pending.deletion_date.expect("date");
    write(&store, move |tx| tx.update_kms_key(&pending))
        .await
        .expect("schedule");
    assert!(
        store
            .read(|tx| tx.kms_keys_due_for_deletion(Timestamp(due_at.0 - 1)))
            .expect("due")
            .is_empty()
    );
    assert_eq!(
        store
            .read(|tx| tx.kms_keys_due_for_deletion(due_at))
            .expect("due"),
        vec![k1.id.clone()]
    );
    let id = k1.id.clone();
    assert!(
        write(&store, move |tx| tx.delete_kms_key(&id))
            .await
            .expect("delete")
    );
    let id = k1.id.clone();
    let (key, m, tags, a) = store
        .read(|tx| {
            Ok::<_, StoreError>((
                tx.kms_key(&id)?,
                tx.kms_material(&id, 1)?,
                tx.kms_key_tags(&id)?,
                tx.kms_alias(ACCOUNT, REGION, "alias/app")?,
            ))
        })
        .expect("read");
    assert!(key.is_none() && m.is_none() && tags.is_empty() && a.is_none());
}

/// A V4 database's `aws/secretsmanager` keys become AWS managed keys with
/// their alias, and their material (sealed as it was) generation 1.
#[tokio::test]
async fn v4_kms_keys_move_to_v5() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v4.db");
    let id = "abcdef01-2345-4678-89ab-cdef01234567";
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        schema::migrate_to(&mut conn, 4).expect("v4");
        conn.execute(
            "INSERT INTO kms_keys (key_id, account, region, alias, sealed_material, created) \
             VALUES (?1, ?2, ?3, 'aws/secretsmanager', x'0102030405', 42)",
            rusqlite::params![id, ACCOUNT, REGION],
        )
        .expect("v4 key");
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("migrates"));
    let (key, m, a) = store
        .read(|tx| {
            Ok::<_, StoreError>((
                tx.kms_key(id)?,
                tx.kms_material(id, 1)?,
                tx.kms_alias(ACCOUNT, REGION, SECRETSMANAGER_ALIAS)?,
            ))
        })
        .expect("read");
    let key = key.expect("key");
    assert_eq!(key.manager, KeyManager::Aws);
    assert_eq!(key.state, KeyState::Enabled);
    assert_eq!(key.created, Timestamp(42));
    assert_eq!(key.arn, format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/{id}"));
    assert!(key.policy.contains("kms:ViaService"));
    assert_eq!(m.map(|m| m.sealed), Some(vec![1, 2, 3, 4, 5]));
    assert_eq!(a.map(|a| a.target_key_id), Some(id.to_owned()));
}

/// An asymmetric key's public key is kept per generation, beside its sealed material,
/// and goes with the key; material without one (symmetric, HMAC) reads as none.
#[tokio::test]
async fn public_keys_per_generation() {
    let (_dir, store, k1, k2) = seeded().await;
    let (id1, id2) = (k1.id.clone(), k2.id.clone());
    let set = write(&store, move |tx| {
        Ok((
            tx.set_kms_public_key(&id1, 1, b"spki-1")?,
            tx.set_kms_public_key(&id1, 2, b"no such generation")?,
        ))
    })
    .await
    .expect("set");
    assert_eq!(set, (true, false));
    let (id1, id2b) = (k1.id.clone(), id2.clone());
    let read = store
        .read(move |tx| {
            Ok::<_, StoreError>((
                tx.kms_public_key(&id1, 1)?,
                tx.kms_public_key(&id2b, 1)?,
                tx.kms_public_key(&id1, 2)?,
            ))
        })
        .expect("read");
    assert_eq!(read, (Some(b"spki-1".to_vec()), None, None));
    // An empty public key is refused by the schema.
    let id2c = id2.clone();
    assert!(
        write(&store, move |tx| tx.set_kms_public_key(&id2c, 1, b""))
            .await
            .is_err()
    );
    let id1 = k1.id.clone();
    write(&store, move |tx| tx.delete_kms_key(&id1))
        .await
        .expect("delete");
    let id1 = k1.id.clone();
    let gone = store
        .read(move |tx| tx.kms_public_key(&id1, 1))
        .expect("read");
    assert_eq!(gone, None);
}

/// A V5 database gains the public key column (V7): its material reads as before, with no
/// public key, and a public key can be recorded.
#[tokio::test]
async fn v5_material_moves_to_v7() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v5.db");
    let k = key(3, ACCOUNT);
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        schema::migrate_to(&mut conn, 5).expect("v5");
        conn.execute(
            "INSERT INTO kms_keys (key_id, arn, account, region, description, key_usage, key_spec, \
             state, manager, origin, created, policy) VALUES (?1, ?2, ?3, ?4, '', 'SIGN_VERIFY', \
             'ECC_NIST_P256', 'Enabled', 'CUSTOMER', 'AWS_KMS', 1, '{}')",
            rusqlite::params![k.id, k.arn, ACCOUNT, REGION],
        )
        .expect("v5 key");
        conn.execute(
            "INSERT INTO kms_key_material VALUES (?1, 1, x'0102', 1)",
            [&k.id],
        )
        .expect("v5 material");
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("migrates"));
    let id = k.id.clone();
    let (key, m, public) = store
        .read(move |tx| {
            Ok::<_, StoreError>((
                tx.kms_key(&id)?,
                tx.kms_material(&id, 1)?,
                tx.kms_public_key(&id, 1)?,
            ))
        })
        .expect("read");
    let key = key.expect("key");
    assert_eq!(
        (key.spec.as_str(), key.usage.as_str()),
        ("ECC_NIST_P256", "SIGN_VERIFY")
    );
    assert_eq!(m.map(|m| m.sealed), Some(vec![1, 2]));
    assert_eq!(public, None);
    let id = k.id.clone();
    assert!(
        write(&store, move |tx| tx.set_kms_public_key(&id, 1, b"spki"))
            .await
            .expect("set")
    );
}

/// Rotation (V9): a rotated generation is added once (a second writer of the same
/// generation adds nothing), keeps its kind, and the schedule's next date moves only
/// from the date the writer read (the claim); schedules and generations go with the key.
#[tokio::test]
async fn rotations_are_added_once_and_the_schedule_moves_by_claim() {
    use crate::kms::{RotationKind, RotationSchedule};
    let (_dir, store, k1, k2) = seeded().await;
    let (a, b) = (k1.clone(), k2.clone());
    write(&store, move |tx| {
        assert!(tx.insert_rotated_kms_material(&material(&a, 2), RotationKind::OnDemand)?);
        assert!(!tx.insert_rotated_kms_material(&material(&a, 2), RotationKind::Automatic)?);
        assert!(tx.insert_rotated_kms_material(&material(&a, 3), RotationKind::Automatic)?);
        assert_eq!(tx.kms_on_demand_rotations(&a.id)?, 1);
        let page = tx.kms_generations_page(&a.id, 0, 10)?;
        let kinds: Vec<_> = page.iter().map(|g| (g.generation, g.rotation)).collect();
        assert_eq!(
            kinds,
            [
                (1, None),
                (2, Some(RotationKind::OnDemand)),
                (3, Some(RotationKind::Automatic))
            ]
        );
        assert_eq!(tx.kms_generations_page(&a.id, 1, 1)?.len(), 1);

        let schedule = RotationSchedule {
            period_days: 90,
            next_rotation: Timestamp(100),
        };
        tx.set_kms_rotation_schedule(&a.id, Some(schedule))?;
        assert_eq!(tx.kms_rotation_schedule(&a.id)?, Some(schedule));
        assert_eq!(
            tx.kms_keys_due_for_rotation(Timestamp(99), 365)?,
            Vec::<String>::new()
        );
        assert_eq!(
            tx.kms_keys_due_for_rotation(Timestamp(100), 365)?,
            std::slice::from_ref(&a.id)
        );
        assert!(tx.advance_kms_rotation(&a.id, Timestamp(100), Timestamp(200))?);
        assert!(!tx.advance_kms_rotation(&a.id, Timestamp(100), Timestamp(300))?);
        assert_eq!(
            tx.kms_rotation_schedule(&a.id)?.map(|s| s.next_rotation),
            Some(Timestamp(200))
        );
        tx.set_kms_rotation_schedule(&a.id, None)?;
        assert_eq!(tx.kms_rotation_schedule(&a.id)?, None);
        tx.set_kms_rotation_schedule(&a.id, Some(schedule))?;
        tx.delete_kms_key(&a.id)?;
        assert_eq!(tx.kms_rotation_schedule(&a.id)?, None);
        assert!(tx.kms_generations_page(&a.id, 0, 10)?.is_empty());
        Ok(())
    })
    .await
    .expect("rotations");
    // The period's range is a CHECK.
    let refused = write(&store, move |tx| {
        let bad = RotationSchedule {
            period_days: 89,
            next_rotation: Timestamp(1),
        };
        tx.set_kms_rotation_schedule(&b.id, Some(bad))
    })
    .await;
    assert!(refused.is_err(), "{refused:?}");
}

/// A V7 database gains rotation kinds and schedules (V9): its generations read as
/// before (one after the first counts as an automatic rotation, its kind unrecorded),
/// with no schedule and no on-demand rotation.
#[tokio::test]
async fn v7_material_moves_to_v9() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("v7.db");
    let k = key(4, ACCOUNT);
    {
        let mut conn = rusqlite::Connection::open(&path).expect("open");
        schema::migrate_to(&mut conn, 7).expect("v7");
        conn.execute(
            "INSERT INTO kms_keys (key_id, arn, account, region, description, key_usage, key_spec, \
             state, manager, origin, created, policy) VALUES (?1, ?2, ?3, ?4, '', 'ENCRYPT_DECRYPT', \
             'SYMMETRIC_DEFAULT', 'Enabled', 'CUSTOMER', 'AWS_KMS', 1, '{}')",
            rusqlite::params![k.id, k.arn, ACCOUNT, REGION],
        )
        .expect("v7 key");
        for g in [1, 2] {
            conn.execute(
                "INSERT INTO kms_key_material (key_id, generation, sealed_material, created) \
                 VALUES (?1, ?2, x'0102', ?2)",
                rusqlite::params![k.id, g],
            )
            .expect("v7 material");
        }
    }
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&path).expect("migrates"));
    let id = k.id.clone();
    let (generations, schedule, on_demand, newest) = store
        .read(move |tx| {
            Ok::<_, StoreError>((
                tx.kms_generations_page(&id, 0, 10)?,
                tx.kms_rotation_schedule(&id)?,
                tx.kms_on_demand_rotations(&id)?,
                tx.kms_newest_material(&id)?.map(|m| m.generation),
            ))
        })
        .expect("read");
    let kinds: Vec<_> = generations.iter().map(|g| g.rotation).collect();
    assert_eq!(kinds, [None, Some(crate::kms::RotationKind::Automatic)]);
    assert_eq!((schedule, on_demand, newest), (None, 0, Some(2)));
}
