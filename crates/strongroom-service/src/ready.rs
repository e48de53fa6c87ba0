//! Readiness, for load balancers and orchestrators (`GET /ready`).

use crate::Service;
use strongroom_store::StoreError;

/// Why the service cannot serve requests now.
#[derive(Debug, thiserror::Error)]
pub enum NotReady {
    /// The store did not answer a trivial read.
    #[error("the store does not answer: {0}")]
    Store(#[from] StoreError),
    /// The store holds no account: the data directory is not initialised.
    #[error("the store holds no account")]
    NoAccount,
}

impl Service {
    /// Ready when the store answers a trivial read (the account id, which an
    /// initialised data directory always has). The keys are loaded by then:
    /// the root key since the service was built, and the keys it seals are
    /// unsealed from the store on first use. Blocks on the store: call it
    /// off the async workers.
    pub fn check_ready(&self) -> Result<(), NotReady> {
        match self.store.read(|tx| tx.meta("account_id"))? {
            Some(_) => Ok(()),
            None => Err(NotReady::NoAccount),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use strongroom_crypto::{Key256, RootKey};
    use strongroom_domain::clock::SystemClock;
    use strongroom_store::sqlite::SqliteStore;
    use strongroom_store::{ReadTx, Store, WriteJob};

    /// A store whose reads fail, as a store that cannot be reached.
    struct Unreachable;

    impl Store for Unreachable {
        fn read_dyn(
            &self,
            _: &mut dyn FnMut(&dyn ReadTx) -> Result<(), StoreError>,
        ) -> Result<(), StoreError> {
            Err(StoreError::Closed)
        }
        fn submit_write(&self, _: WriteJob) {}
    }

    fn service(store: Arc<dyn Store>) -> Service {
        let root = RootKey(Key256::generate().expect("key"));
        Service::new(store, root, Arc::new(SystemClock))
    }

    #[tokio::test]
    async fn ready_once_the_store_answers_and_holds_the_account() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store: Arc<dyn Store> =
            Arc::new(SqliteStore::open(&dir.path().join("db")).expect("open"));
        let service = service(store.clone());
        assert!(matches!(service.check_ready(), Err(NotReady::NoAccount)));
        crate::ensure_account(&store, "123456789012")
            .await
            .expect("account");
        assert!(service.check_ready().is_ok());
    }

    #[test]
    fn not_ready_when_the_store_does_not_answer() {
        let service = service(Arc::new(Unreachable));
        assert!(matches!(
            service.check_ready(),
            Err(NotReady::Store(StoreError::Closed))
        ));
    }
}
