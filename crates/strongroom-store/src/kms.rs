//! KMS rows and the transaction methods over them: keys (metadata and
//! policy), generations of sealed key material, aliases and tags.
//!
//! Architecture Invariant: the rules that span rows are database
//! constraints, so that they hold with several writers:
//! - an alias names exactly one key, of its own account and region
//!   (primary key (account, region, name); a foreign key on
//!   (key_id, account, region));
//! - a key pending deletion has a deletion date and no other key has one,
//!   and only customer managed keys leave the Enabled state (CHECKs);
//! - material generations are numbered from 1 per key (primary key), and
//!   material, aliases and tags go with their key (ON DELETE CASCADE).
//!
//! The material is sealed by the root key before it reaches the store.

use crate::StoreError;
use strongroom_domain::kms::{KmsAlias, KmsGrant, KmsKey};
use strongroom_domain::{Tag, Timestamp};

/// One generation of a key's material, sealed under the root key.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyMaterialRecord {
    pub key_id: String,
    /// 1 for the key's first material; the newest encrypts, every one decrypts.
    pub generation: u32,
    pub sealed: Vec<u8>,
    pub created: Timestamp,
}

impl std::fmt::Debug for KeyMaterialRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyMaterialRecord")
            .field("key_id", &self.key_id)
            .field("generation", &self.generation)
            .field("created", &self.created)
            .finish_non_exhaustive()
    }
}

/// How a generation after the first came to be (ListKeyRotations' RotationType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RotationKind {
    Automatic,
    OnDemand,
}

impl RotationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RotationKind::Automatic => "AUTOMATIC",
            RotationKind::OnDemand => "ON_DEMAND",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "AUTOMATIC" => Some(RotationKind::Automatic),
            "ON_DEMAND" => Some(RotationKind::OnDemand),
            _ => None,
        }
    }
}

/// A customer key's automatic rotation (a row exists exactly while enabled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RotationSchedule {
    /// 90–2560 (a CHECK).
    pub period_days: i64,
    /// When the rotation job creates the next generation.
    pub next_rotation: Timestamp,
}

/// One generation of a key's material as ListKeyRotations shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaterialGeneration {
    pub generation: u32,
    pub created: Timestamp,
    /// `None` for the first generation.
    pub rotation: Option<RotationKind>,
}

/// KMS queries available in every transaction.
pub trait KmsReadTx {
    /// A key by id, in any account and region.
    fn kms_key(&self, key_id: &str) -> Result<Option<KmsKey>, StoreError>;
    fn kms_alias(
        &self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<Option<KmsAlias>, StoreError>;
    /// Keys in (account, region) by id, strictly after `after`, at most `limit`.
    fn kms_keys_page(
        &self,
        account: &str,
        region: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<KmsKey>, StoreError>;
    /// Aliases in (account, region) by name (of one key if `key_id`),
    /// strictly after `after`, at most `limit`.
    fn kms_aliases_page(
        &self,
        account: &str,
        region: &str,
        key_id: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<KmsAlias>, StoreError>;
    /// A key's tags, by key.
    fn kms_key_tags(&self, key_id: &str) -> Result<Vec<Tag>, StoreError>;
    /// One generation of a key's material.
    fn kms_material(
        &self,
        key_id: &str,
        generation: u32,
    ) -> Result<Option<KeyMaterialRecord>, StoreError>;
    /// The newest generation of a key's material (the one that encrypts).
    fn kms_newest_material(&self, key_id: &str) -> Result<Option<KeyMaterialRecord>, StoreError>;
    /// The public key (DER SubjectPublicKeyInfo) of one generation of an asymmetric key's
    /// material; `None` for symmetric and HMAC material or no such generation.
    fn kms_public_key(&self, key_id: &str, generation: u32) -> Result<Option<Vec<u8>>, StoreError>;
    /// Ids of keys whose deletion date is at or before `now`.
    fn kms_keys_due_for_deletion(&self, now: Timestamp) -> Result<Vec<String>, StoreError>;
    /// A key's grants by id (one if `grant_id`, one grantee's if `grantee`),
    /// strictly after `after`, at most `limit`.
    fn kms_grants_page(
        &self,
        key_id: &str,
        grant_id: Option<&str>,
        grantee: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<KmsGrant>, StoreError>;
    /// The grants of a key whose grantee is one of `grantees` (authorization).
    fn kms_grants_for(&self, key_id: &str, grantees: &[&str]) -> Result<Vec<KmsGrant>, StoreError>;
    /// Grants whose retiring principal is `retiring`, by id, after `after`.
    fn kms_retirable_grants_page(
        &self,
        retiring: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<KmsGrant>, StoreError>;
    /// The grant whose token hashes to `token_hash`.
    fn kms_grant_by_token(&self, token_hash: &[u8]) -> Result<Option<KmsGrant>, StoreError>;
    /// A key's grants of one name (CreateGrant's idempotence).
    fn kms_grants_named(&self, key_id: &str, name: &str) -> Result<Vec<KmsGrant>, StoreError>;
    fn kms_grant_count(&self, key_id: &str) -> Result<usize, StoreError>;
    /// A key's automatic rotation schedule, if enabled (customer keys; AWS managed
    /// keys rotate yearly from their newest generation, with no row).
    fn kms_rotation_schedule(&self, key_id: &str) -> Result<Option<RotationSchedule>, StoreError>;
    /// A key's generations by number, strictly after `after`, at most `limit`.
    fn kms_generations_page(
        &self,
        key_id: &str,
        after: u32,
        limit: usize,
    ) -> Result<Vec<MaterialGeneration>, StoreError>;
    /// How many on-demand rotations a key has had.
    fn kms_on_demand_rotations(&self, key_id: &str) -> Result<u32, StoreError>;
    /// Ids of keys whose automatic rotation is due at `now`: enabled customer keys
    /// whose next rotation is at or before `now`, and AWS managed keys whose newest
    /// generation is at least `managed_period_days` old.
    fn kms_keys_due_for_rotation(
        &self,
        now: Timestamp,
        managed_period_days: i64,
    ) -> Result<Vec<String>, StoreError>;
}

/// KMS changes, only inside a write transaction.
pub trait KmsWriteTx: KmsReadTx {
    /// Inserts a key with its tags and its first material.
    fn insert_kms_key(
        &mut self,
        key: &KmsKey,
        tags: &[Tag],
        material: &KeyMaterialRecord,
    ) -> Result<(), StoreError>;
    /// Rewrites a key's mutable columns: description, state, deletion date
    /// and window, policy.
    fn update_kms_key(&mut self, key: &KmsKey) -> Result<(), StoreError>;
    fn replace_kms_key_tags(&mut self, key_id: &str, tags: &[Tag]) -> Result<(), StoreError>;
    /// Adds a generation of material (rotation).
    fn insert_kms_material(&mut self, material: &KeyMaterialRecord) -> Result<(), StoreError>;
    /// Adds a generation of material made by a rotation of `kind`; false (and nothing
    /// written) if that generation exists already (another node rotated first).
    fn insert_rotated_kms_material(
        &mut self,
        material: &KeyMaterialRecord,
        kind: RotationKind,
    ) -> Result<bool, StoreError>;
    /// Enables (with its schedule) or disables a key's automatic rotation.
    fn set_kms_rotation_schedule(
        &mut self,
        key_id: &str,
        schedule: Option<RotationSchedule>,
    ) -> Result<(), StoreError>;
    /// Moves a key's next rotation from `expected` to `next`; false if it was not
    /// `expected` any more (another node's rotation, or a change by a call): the claim
    /// that lets one node only create a scheduled generation.
    fn advance_kms_rotation(
        &mut self,
        key_id: &str,
        expected: Timestamp,
        next: Timestamp,
    ) -> Result<bool, StoreError>;
    /// Records the public key of a generation of material (asymmetric keys, in the
    /// transaction that inserts it); false if there is no such generation.
    fn set_kms_public_key(
        &mut self,
        key_id: &str,
        generation: u32,
        public_key: &[u8],
    ) -> Result<bool, StoreError>;
    /// Inserts an alias; false (and nothing written) if the name is taken.
    fn insert_kms_alias(&mut self, alias: &KmsAlias) -> Result<bool, StoreError>;
    /// Points an existing alias at another key; false if there is no such alias.
    fn update_kms_alias(&mut self, alias: &KmsAlias) -> Result<bool, StoreError>;
    /// False if there was no such alias.
    fn delete_kms_alias(
        &mut self,
        account: &str,
        region: &str,
        name: &str,
    ) -> Result<bool, StoreError>;
    /// Deletes a key with its material, aliases and tags; the material is
    /// gone from the data directory once the write commits.
    fn delete_kms_key(&mut self, key_id: &str) -> Result<bool, StoreError>;
    /// Inserts a grant with the hash of its token.
    fn insert_kms_grant(&mut self, grant: &KmsGrant, token_hash: &[u8]) -> Result<(), StoreError>;
    /// Records the hash of another token for an existing grant (an
    /// idempotent CreateGrant retry).
    fn add_kms_grant_token(&mut self, grant_id: &str, token_hash: &[u8]) -> Result<(), StoreError>;
    /// False if the key has no such grant.
    fn delete_kms_grant(&mut self, key_id: &str, grant_id: &str) -> Result<bool, StoreError>;
}
