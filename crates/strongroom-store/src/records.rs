//! Rows that are not domain aggregates: sealed values and keys.

use strongroom_domain::Timestamp;
use strongroom_domain::iam::AccessKeyStatus;

/// One version's value as stored: envelope-encrypted, never plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValue {
    /// The KMS key whose material wraps `wrapped_key`.
    pub key_id: String,
    /// The version's data key, wrapped by the KMS key material.
    pub wrapped_key: Vec<u8>,
    /// The value, encrypted under the data key.
    pub ciphertext: Vec<u8>,
}

/// Which LastAccessedDate an access moved forward (`WriteTx::record_access`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AccessRecorded {
    /// The secret's.
    pub secret: bool,
    /// The version's.
    pub version: bool,
}

/// An IAM access key, owned by one user; its secret half sealed under the
/// root key (the server needs the secret itself to verify HMAC signatures,
/// so it cannot store a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    /// The access key's id (`AKIA…`).
    pub access_key_id: String,
    /// The owning user's account. Read from the user; ignored on insert.
    pub account: String,
    /// The owning user's unique id (`AIDA…`).
    pub user_id: String,
    /// The owning user's name. Read from the user; ignored on insert.
    pub user_name: String,
    /// Whether the key may sign requests.
    pub status: AccessKeyStatus,
    /// The secret half, sealed under the root key (associated data `access-key:{id}`).
    pub sealed_secret: Vec<u8>,
    /// Milliseconds since the epoch.
    pub created: i64,
    /// When, where and for which service the key last signed a request.
    pub last_used: Option<AccessKeyUse>,
}

/// The last use of an access key, as GetAccessKeyLastUsed reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyUse {
    /// When.
    pub at: Timestamp,
    /// The signing name of the service called, e.g. `secretsmanager`.
    pub service: String,
    /// The region of the request.
    pub region: String,
}

/// One value sealed under the root key, and where it is (the store's list
/// of them: `sqlite::rewrap::SEALED_UNDER_ROOT`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedItem {
    pub table: &'static str,
    /// The row's key (no secret: a key id, an access key id, a meta key).
    pub key: String,
    /// The associated data it is sealed with.
    pub aad: Vec<u8>,
    pub sealed: Vec<u8>,
}
