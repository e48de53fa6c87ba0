//! Shared set-up for the integration tests: an [`Iam`] over a SQLite store
//! in a temporary directory, with a manual clock and a fresh root key.

#![allow(dead_code)] // each test file uses a different part

use std::sync::Arc;
use strongroom_crypto::{Key256, RootKey};
use strongroom_iam::{Iam, IamError, ManualClock, Timestamp};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;

/// The account the tests work in.
pub const ACCOUNT: &str = "123456789012";
/// Another account, to check that accounts do not see each other.
pub const OTHER: &str = "210987654321";
/// When the manual clock starts: 2026-01-01T00:00:00Z.
pub const START: Timestamp = Timestamp(1_767_225_600_000);

/// An identity policy the policy engine accepts.
pub const READ_SECRETS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*"}]}"#;
/// A trust policy that lets the account's principals assume a role.
pub const TRUST_ACCOUNT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;

pub struct Env {
    pub iam: Iam,
    pub clock: Arc<ManualClock>,
    pub store: Arc<dyn Store>,
    pub root: RootKey,
    pub dir: tempfile::TempDir,
}

fn new_root() -> RootKey {
    RootKey(Key256::generate().expect("root key"))
}

/// An `Iam` over a fresh database in which [`ACCOUNT`] and [`OTHER`] exist
/// (with no users).
pub async fn env() -> Env {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> =
        Arc::new(SqliteStore::open(&dir.path().join("iam.db")).expect("open store"));
    for account in [ACCOUNT, OTHER] {
        store
            .write(move |tx| tx.insert_iam_account(account, START))
            .await
            .expect("account");
    }
    let clock = Arc::new(ManualClock::new(START));
    let root = new_root();
    let iam = Iam::new(store.clone(), root.clone(), clock.clone());
    Env {
        iam,
        clock,
        store,
        root,
        dir,
    }
}

/// Asserts that `result` failed with IAM's `code` and exactly `message`.
#[track_caller]
pub fn assert_iam_error<T: std::fmt::Debug>(
    result: Result<T, IamError>,
    code: &str,
    message: &str,
) {
    match result {
        Ok(v) => panic!("expected {code} ({message}), got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.code(), code, "code of {e:?}");
            assert_eq!(e.to_string(), message, "message of {e:?}");
        }
    }
}

/// A policy document padded with white space and then with a `Sid` of
/// `n` characters, to test size limits (white space does not count).
pub fn document_with_sid(n: usize) -> String {
    format!(
        "{{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{{\"Sid\": \"{}\", \"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}}]\n}}",
        "a".repeat(n)
    )
}

/// The size IAM counts: characters without white space outside strings.
pub fn size(doc: &str) -> usize {
    strongroom_policy::size_without_whitespace(doc)
}
