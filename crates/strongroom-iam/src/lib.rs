//! IAM use cases: accounts, users, groups, roles, managed and inline
//! policies, access keys; one async function per IAM operation on [`Iam`].
//! The credential kinds Strongroom does not keep (MFA devices, login
//! profiles, SSH keys, signing certificates, service-specific credentials,
//! instance profiles) are answered as IAM answers for an entity without
//! them (`absent.rs`), so tools that clean them up before a delete work.
//!
//! Each operation takes the caller's account id and a plain input struct,
//! checks the input against botocore's IAM model (ValidationError), applies
//! IAM's rules, and reads or writes in one store transaction. Inputs and
//! outputs are plain structs; errors are [`IamError`]s that know IAM's code
//! and message. There is no HTTP, XML or SQL here.
//!
//! For the server, [`Iam::identity_for_access_key`] and
//! [`Iam::role_identity`] give authentication what it needs — the principal,
//! its key's secret and its policies already parsed — from an in-memory cache.
//!
//! Architecture Invariant: every check that spans rows (a name not yet
//! taken, at most 2 keys, nothing depending on what is deleted) runs inside
//! the same write closure as the change it guards, and the store's
//! constraints back it up (`strongroom_store::iam`), so correctness does not
//! depend on SQLite's single writer.
//! Architecture Invariant: the identity cache is emptied after every IAM
//! write commits, on the writer's side (`Store::write_then`), and a reader
//! inserts only if no write finished while it read (a generation check).
//! Architecture Invariant: an access key's secret half is stored sealed
//! under the root key (associated data `access-key:{id}`) and leaves this
//! crate only in [`NewAccessKey`] (once, at creation) and [`Identity`].

mod absent;
mod access_keys;
mod accounts;
mod attach;
mod cache;
mod error;
mod expected;
mod groups;
mod identity;
mod inline;
mod lookup;
mod managed;
mod model;
mod resources;
mod roles;
mod sessions;
mod tagging;
mod users;
mod validate;

pub use absent::{
    DeleteLoginProfileInput, ListInstanceProfilesForRoleInput, ListServiceSpecificCredentialsInput,
    ListUserCredentialsInput, ListVirtualMfaDevicesInput,
};
pub use access_keys::{
    CreateAccessKeyInput, DeleteAccessKeyInput, GetAccessKeyLastUsedInput, ListAccessKeysInput,
    UpdateAccessKeyInput,
};
pub use attach::{AttachPolicyInput, ListAttachedPoliciesInput};
pub use error::{
    ConstraintViolation, DeleteBlocker, EntityKind, IamError, Limit, ValidationErrors,
};
pub use expected::Expected;
pub use groups::{
    CreateGroupInput, DeleteGroupInput, GetGroupInput, GroupMembershipInput,
    ListGroupsForUserInput, ListGroupsInput, UpdateGroupInput,
};
pub use identity::{Identity, RoleIdentity};
pub use inline::{InlinePolicyInput, ListInlinePoliciesInput, PutInlinePolicyInput};
pub use managed::{
    CreatePolicyInput, CreatePolicyVersionInput, DeletePolicyVersionInput, GetPolicyVersionInput,
    ListPoliciesInput, ListPolicyTagsInput, ListPolicyVersionsInput, PolicyArnInput,
    SetDefaultPolicyVersionInput, TagPolicyInput, UntagPolicyInput,
};
pub use model::{
    Absent, AccessKeyLastUsed, AccessKeyMetadata, AttachedPolicy, GetAccessKeyLastUsedOutput,
    GetGroupOutput, Group, InlinePolicy, ManagedPolicy, NewAccessKey, Page, PolicyVersion, Role,
    User,
};
pub use roles::{
    CreateRoleInput, DeleteRoleInput, GetRoleInput, ListRoleTagsInput, ListRolesInput,
    TagRoleInput, UntagRoleInput, UpdateAssumeRolePolicyInput, UpdateRoleDescriptionInput,
    UpdateRoleInput,
};
pub use sessions::{
    NewSession, SessionClaims, SessionSubject, SessionTokenError, TemporaryCredentials,
};
pub use strongroom_domain::Tag;
pub use strongroom_domain::Timestamp;
pub use strongroom_domain::clock::{Clock, ManualClock, SystemClock};
pub use strongroom_domain::iam::AccessKeyStatus;
pub use users::{
    CreateUserInput, DeleteUserInput, GetUserInput, ListUserTagsInput, ListUsersInput,
    TagUserInput, UntagUserInput, UpdateUserInput,
};

use cache::IdentityCache;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use strongroom_crypto::RootKey;
use strongroom_store::{Store, WriteTx};

/// The IAM use cases over one store: the store, the root key that seals
/// access keys, a clock, and the identity cache.
pub struct Iam {
    store: Arc<dyn Store>,
    root: RootKey,
    clock: Arc<dyn Clock>,
    cache: Arc<IdentityCache>,
    /// When each access key's last use was last written, so that
    /// [`Iam::note_access_key_used`] writes at most once a minute per key.
    key_use_written: Mutex<HashMap<String, Timestamp>>,
}

impl Iam {
    /// The cache of identities is on only when this process is the store's
    /// only writer (`Store::exclusive_writer`): it is invalidated by this
    /// process's writes alone.
    pub fn new(store: Arc<dyn Store>, root: RootKey, clock: Arc<dyn Clock>) -> Iam {
        let cache = Arc::new(IdentityCache::new(store.exclusive_writer()));
        Iam {
            store,
            root,
            clock,
            cache,
            key_use_written: Mutex::new(HashMap::new()),
        }
    }

    fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Every IAM change goes through here: `f` runs in one write
    /// transaction, and once its commit's outcome is known (before the
    /// caller is answered, and even if the caller stopped waiting) the
    /// identity cache is emptied.
    async fn write<T, F>(&self, f: F) -> Result<T, IamError>
    where
        T: Send + 'static,
        F: FnOnce(&mut dyn WriteTx) -> Result<T, IamError> + Send + 'static,
    {
        let cache = self.cache.clone();
        // The entity the operation was authorized on must still be the one
        // its name means (see `expected.rs`).
        let expected = expected::Expected::current();
        let guarded = move |tx: &mut dyn WriteTx| {
            if let Some(expected) = &expected {
                expected.check(&*tx)?;
            }
            f(tx)
        };
        self.store
            .write_then(guarded, move || cache.invalidate())
            .await
    }
}
