//! KMS grants in the store: they read back with their constraints, are
//! found by token hash, page by id, and go with their key (CASCADE).

use super::kms::{ACCOUNT, key, material};
use super::open;
use crate::StoreError;
use std::collections::BTreeMap;
use strongroom_domain::Timestamp;
use strongroom_domain::kms::{GrantConstraints, GrantOperation, KmsGrant};

fn grant(n: u8, key_id: &str) -> KmsGrant {
    KmsGrant {
        grant_id: format!("{n:064x}"),
        key_id: key_id.to_owned(),
        name: Some("app".into()),
        grantee: format!("arn:aws:iam::{ACCOUNT}:user/u{n}"),
        retiring: n
            .is_multiple_of(2)
            .then(|| format!("arn:aws:iam::{ACCOUNT}:role/r")),
        operations: vec![GrantOperation::Encrypt, GrantOperation::Decrypt],
        constraints: GrantConstraints {
            subset: Some(BTreeMap::from([("a".to_owned(), "1".to_owned())])),
            equals: (n == 1).then(BTreeMap::new),
        },
        issuing_account: ACCOUNT.into(),
        created: Timestamp(7),
    }
}

#[tokio::test]
async fn grants_read_back_page_and_go_with_their_key() {
    let (_dir, store) = open();
    let k = key(1, ACCOUNT);
    let (k2, id) = (k.clone(), k.id.clone());
    let grants: Vec<KmsGrant> = (1..=3).map(|n| grant(n, &k.id)).collect();
    let g2 = grants.clone();
    store
        .write(move |tx| {
            tx.insert_kms_key(&k2, &[], &material(&k2, 1))?;
            for (i, g) in g2.iter().enumerate() {
                tx.insert_kms_grant(g, &[i as u8; 32])?;
            }
            Ok::<_, StoreError>(())
        })
        .await
        .expect("write");
    let (all, page, one, by_token, retirable, named, count) = store
        .read(|tx| {
            Ok::<_, StoreError>((
                tx.kms_grants_page(&id, None, None, None, 10)?,
                tx.kms_grants_page(&id, None, None, Some(&grants[0].grant_id), 1)?,
                tx.kms_grants_page(&id, None, Some(&grants[2].grantee), None, 10)?,
                tx.kms_grant_by_token(&[1u8; 32])?,
                tx.kms_retirable_grants_page(&format!("arn:aws:iam::{ACCOUNT}:role/r"), None, 10)?,
                tx.kms_grants_named(&id, "app")?,
                tx.kms_grant_count(&id)?,
            ))
        })
        .expect("read");
    assert_eq!(all, grants);
    assert_eq!(page, vec![grants[1].clone()]);
    assert_eq!(one, vec![grants[2].clone()]);
    assert_eq!(by_token, Some(grants[1].clone()));
    assert_eq!(retirable, vec![grants[1].clone()]);
    assert_eq!((named.len(), count), (3, 3));
    // A second grant with the same token hash is refused.
    let dup = grant(9, &id);
    assert!(
        store
            .write(move |tx| tx.insert_kms_grant(&dup, &[0u8; 32]))
            .await
            .is_err()
    );
    let gid = grants[2].grant_id.clone();
    store
        .write(move |tx| tx.add_kms_grant_token(&gid, &[5u8; 32]))
        .await
        .expect("second token");
    let again = store
        .read(|tx| tx.kms_grant_by_token(&[5u8; 32]))
        .expect("read");
    assert_eq!(again, Some(grants[2].clone()));
    let (kid, gid) = (id.clone(), grants[0].grant_id.clone());
    assert!(
        store
            .write(move |tx| tx.delete_kms_grant(&kid, &gid))
            .await
            .expect("revoke")
    );
    let kid = id.clone();
    assert!(
        store
            .write(move |tx| tx.delete_kms_key(&kid))
            .await
            .expect("delete key")
    );
    let left = store
        .read(|tx| tx.kms_grants_page(&id, None, None, None, 10))
        .expect("read");
    assert!(left.is_empty());
    // The tokens went with their grants.
    let orphan = store
        .read(|tx| tx.kms_grant_by_token(&[5u8; 32]))
        .expect("read");
    assert_eq!(orphan, None);
}
