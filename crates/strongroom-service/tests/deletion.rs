//! A force-deleted or purged secret leaves nothing behind: no byte of its
//! ciphertext or wrapped data keys remains in any file of the data
//! directory (secure delete, and the WAL checkpointed and truncated).

mod common;

use common::*;
use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use strongroom_domain::SecretValue;
use strongroom_service::{CreateSecretInput, PutSecretValueInput, Service};
use strongroom_store::{Store, StoredValue};

const DAY: i64 = 24 * HOUR;

/// Bytes compared at a time: long enough that a hit is never chance.
const WINDOW: usize = 24;

/// A KMS ciphertext blob's header: version, key id, generation.
const BLOB_HEADER: usize = 1 + 36 + 4;

/// The files under `dir` in which any [`WINDOW`]-byte piece of a needle
/// occurs (every piece of each needle is looked for, each file read once).
fn found_under(dir: &Path, needles: &[&[u8]]) -> Vec<String> {
    let pieces: HashSet<&[u8]> = needles
        .iter()
        .flat_map(|n| n.chunks(WINDOW).filter(|c| c.len() == WINDOW))
        .collect();
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(WINDOW).any(|w| pieces.contains(w))
            {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

/// The sealed values of every version of `name`, read from the store.
async fn sealed_values(store: &Arc<dyn Store>, service: &Service, name: &str) -> Vec<StoredValue> {
    let secret = service
        .describe_secret(&caller(), name)
        .await
        .expect("describe");
    store
        .read(|tx| {
            secret
                .versions
                .iter()
                .map(|v| tx.load_value(&secret.arn, &v.id).map(|x| x.expect("value")))
                .collect::<Result<Vec<_>, _>>()
        })
        .expect("read")
}

/// A secret with a small value (kept in the row's page) and a large one
/// (in overflow pages), among neighbours that stay.
async fn seed(service: &Service, name: &str) {
    for neighbour in ["before", "after"] {
        service
            .create_secret(
                &caller(),
                CreateSecretInput {
                    name: format!("{name}-{neighbour}"),
                    client_request_token: Some(token(9)),
                    value: Some(SecretValue::String("neighbour".into())),
                    ..Default::default()
                },
            )
            .await
            .expect("create neighbour");
        if neighbour == "after" {
            break;
        }
        service
            .create_secret(
                &caller(),
                CreateSecretInput {
                    name: name.into(),
                    client_request_token: Some(token(1)),
                    value: Some(SecretValue::String("small value".into())),
                    ..Default::default()
                },
            )
            .await
            .expect("create");
        service
            .put_secret_value(
                &caller(),
                PutSecretValueInput {
                    secret_id: name.into(),
                    client_request_token: Some(token(2)),
                    value: Some(SecretValue::Binary(vec![0x5a; 20_000])),
                    version_stages: None,
                    rotation_token: None,
                },
            )
            .await
            .expect("put");
    }
}

fn assert_all_present(dir: &Path, sealed: &[StoredValue]) {
    for v in sealed {
        assert!(
            !found_under(dir, &[&v.ciphertext]).is_empty(),
            "ciphertext is stored"
        );
        assert!(
            !found_under(dir, &[&v.wrapped_key]).is_empty(),
            "wrapped key is stored"
        );
    }
}

fn assert_none_left(dir: &Path, sealed: &[StoredValue]) {
    // Every piece of each ciphertext (the large one spans pages) and key
    // (past the KMS blob's header, which names the KMS key: other secrets'
    // wrapped keys and the key's own rows hold it too).
    let needles: Vec<&[u8]> = sealed
        .iter()
        .flat_map(|v| [v.ciphertext.as_slice(), &v.wrapped_key[BLOB_HEADER..]])
        .collect();
    let hits = found_under(dir, &needles);
    assert!(
        hits.is_empty(),
        "deleted ciphertext or keys left in {hits:?}"
    );
}

#[tokio::test]
async fn a_force_deleted_secret_leaves_no_ciphertext() {
    let (dir, store, service, _clock) = setup_with_store();
    seed(&service, "gone").await;
    let sealed = sealed_values(&store, &service, "gone").await;
    assert_eq!(sealed.len(), 2);
    assert!(sealed[1].ciphertext.len() > 20_000);
    assert_all_present(dir.path(), &sealed);

    service
        .delete_secret(&caller(), "gone", None, true)
        .await
        .expect("force delete");
    assert_none_left(dir.path(), &sealed);
    // The neighbours are intact.
    assert!(
        service
            .describe_secret(&caller(), "gone-before")
            .await
            .is_ok()
    );
    assert!(
        service
            .describe_secret(&caller(), "gone-after")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn a_purged_secret_leaves_no_ciphertext() {
    let (dir, store, service, clock) = setup_with_store();
    seed(&service, "purged").await;
    let sealed = sealed_values(&store, &service, "purged").await;
    service
        .delete_secret(&caller(), "purged", Some(7), false)
        .await
        .expect("schedule");
    // Scheduled, it is still all there (and restorable).
    assert_all_present(dir.path(), &sealed);
    clock.advance(7 * DAY);
    assert_eq!(service.purge_expired().await.expect("purge"), 1);
    assert_none_left(dir.path(), &sealed);
}
