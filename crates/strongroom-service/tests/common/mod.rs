//! Shared by the service-level test files: a service on a fresh SQLite
//! store with a manual clock, and the account administrator as caller.
#![allow(dead_code)]

use std::sync::Arc;
use strongroom_crypto::{Key256, RootKey};
use strongroom_domain::Timestamp;
use strongroom_service::{ManualClock, RequestContext, Service};
use strongroom_store::Store;
use strongroom_store::sqlite::SqliteStore;

pub const START: Timestamp = Timestamp(1_700_000_000_000);
pub const HOUR: i64 = 3_600_000;

/// A service on a new store in a temporary directory, its clock at [`START`].
pub fn setup() -> (tempfile::TempDir, Service, Arc<ManualClock>) {
    let (dir, _store, service, clock) = setup_with_store();
    (dir, service, clock)
}

/// [`setup`], and the store the service writes to.
pub fn setup_with_store() -> (tempfile::TempDir, Arc<dyn Store>, Service, Arc<ManualClock>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
    let clock = Arc::new(ManualClock::new(START));
    let root = RootKey(Key256::generate().expect("key"));
    let service = Service::new(store.clone(), root, clock.clone());
    (dir, store, service, clock)
}

/// The account's administrator calling in us-east-1.
pub fn caller() -> RequestContext {
    strongroom_service::testing::admin("us-east-1", Timestamp(0))
}

/// A 36-character ClientRequestToken unique to `n`.
pub fn token(n: u32) -> String {
    format!("{n:0>36}")
}
