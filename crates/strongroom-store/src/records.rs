//! Rows that are not domain aggregates: sealed values and keys.

/// One version's value as stored: envelope-encrypted, never plaintext.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredValue {
    /// The KMS key whose material wraps `wrapped_key`.
    pub key_id: String,
    pub wrapped_key: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// KMS key material, sealed under the root key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKeyRecord {
    pub key_id: String,
    pub account: String,
    pub region: String,
    /// e.g. `aws/secretsmanager`.
    pub alias: String,
    pub sealed_material: Vec<u8>,
    pub created: i64,
}

/// An access key; its secret half sealed under the root key (the server needs
/// the secret itself to verify HMAC signatures, so it cannot store a hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyRecord {
    pub access_key_id: String,
    pub account: String,
    pub principal: String,
    pub sealed_secret: Vec<u8>,
    pub created: i64,
}
