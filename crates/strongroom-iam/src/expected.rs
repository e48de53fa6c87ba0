//! Binding a change to what was authorized.
//!
//! The wire layer authorizes an IAM operation on an entity's ARN (path
//! included) as read just before the operation runs; the operation then
//! finds the entity by name inside its own write transaction. Between the
//! two, another principal could rename or move the entity, and the change
//! would land on something the caller was never authorized for. So the
//! caller states what it authorized ([`Expected`]), and every write made
//! while [`Iam::expecting`] runs first checks, inside the transaction, that
//! the name still means that ARN (or nothing at all).

use crate::Iam;
use crate::error::{EntityKind, IamError};
use std::future::Future;
use strongroom_store::ReadTx;

tokio::task_local! {
    static EXPECTED: Expected;
}

/// The entity an operation was authorized on: by kind and name, the ARN it
/// had then.
#[derive(Debug, Clone)]
pub struct Expected {
    pub account: String,
    pub kind: EntityKind,
    pub name: String,
    /// The ARN authorized: the entity's (with its path), or, when it did
    /// not exist, the ARN its name would have at `/`.
    pub arn: String,
}

impl Expected {
    /// Fails if `name` now names an entity with another ARN.
    pub(crate) fn check<T: ReadTx + ?Sized>(&self, tx: &T) -> Result<(), IamError> {
        let current = match self.kind {
            EntityKind::User => tx.find_user(&self.account, &self.name)?.map(|u| u.arn),
            EntityKind::Group => tx.find_group(&self.account, &self.name)?.map(|g| g.arn),
            EntityKind::Role => tx.find_role(&self.account, &self.name)?.map(|r| r.arn),
        };
        match current {
            Some(arn) if arn != self.arn => {
                Err(IamError::ConcurrentModification(self.name.clone()))
            }
            _ => Ok(()),
        }
    }

    /// The expectation of the running task, if any.
    pub(crate) fn current() -> Option<Expected> {
        EXPECTED.try_with(Expected::clone).ok()
    }
}

impl Iam {
    /// Runs `operation` with every IAM write it makes bound to `expected`.
    pub async fn expecting<F: Future>(expected: Expected, operation: F) -> F::Output {
        EXPECTED.scope(expected, operation).await
    }
}
