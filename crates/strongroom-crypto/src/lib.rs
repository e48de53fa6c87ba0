//! The key hierarchy and envelope encryption.
//!
//! ```text
//! root key (file, env, passphrase)  wraps ──▶ KMS key material (per account+region key)
//! KMS key material                 wraps ──▶ a fresh data key per secret version
//! data key  AES-256-GCM(value, aad = secret ARN + version id)
//! ```
//!
//! Architecture Invariant: every key lives in a [`Key256`], which zeroizes on
//! drop and never prints; plaintext comes back as `Zeroizing<Vec<u8>>`.
//!
//! [`kms`] holds the cryptography of KMS's asymmetric (RSA, ECC) and HMAC keys: KMS's
//! names and rules, key generation, Sign/Verify, RSA OAEP, HMAC, data key pairs. Their
//! secret material (PKCS#8 DER, HMAC key bytes) is held in `Zeroizing` buffers or in
//! aws-lc-rs key types that zeroize themselves, and is sealed like any other key material.

mod aead;
pub mod kms;
mod kms_blob;
mod passphrase;
mod root;
mod source;

pub use aead::{Envelope, Key256, decrypt_value, encrypt_value, open, seal};
pub use kms_blob::{
    BLOB_VERSION, BlobHeader, blob_header, decrypt_blob, encrypt_blob, random_bytes, sha256,
};
pub use passphrase::{KdfParams, create_kdf_file, read_kdf_file};
pub use root::{RootKey, create_new_key_file, load_or_create_root_key, load_root_key, sync_parent};
pub use source::{
    KDF_FILE, PassphraseFrom, ROOT_KEY_FILE, RootKeyOptions, RootKeySource, key_from_base64,
};

/// Why a cryptographic operation failed. Never carries key or plaintext bytes.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// Authentication failed: wrong key, wrong context or tampered bytes.
    #[error("decryption failed: the ciphertext does not authenticate under this key and context")]
    Decrypt,
    /// The system random source or the cipher failed.
    #[error("encryption failed")]
    Encrypt,
    /// The ciphertext is shorter than a nonce and a tag.
    #[error("ciphertext is truncated")]
    Truncated,
    /// Reading or creating the root key file failed.
    #[error("root key file {path}: {source}")]
    RootKeyIo {
        path: String,
        source: std::io::Error,
    },
    /// The root key file can be read by others than its owner.
    #[error(
        "root key file {path} can be read or written by others (mode {mode:o}); refusing to use it: chmod 600 it"
    )]
    RootKeyPermissions { path: String, mode: u32 },
    /// The root key file exists but does not hold 32 bytes.
    #[error("root key file {0} must hold exactly 32 bytes")]
    RootKeyLength(String),
    /// More than one root key source was given.
    #[error("give one root key source, not several: {0}")]
    SourceConflict(String),
    /// A root key source names an environment variable by an empty name.
    #[error("a root key source names an environment variable with an empty name")]
    EmptyVariableName,
    /// The environment variable a source names is not set.
    #[error("the environment variable {0} is not set (or not UTF-8)")]
    VariableUnset(String),
    /// The environment variable does not hold a base64 32-byte key.
    #[error("the environment variable {name} does not hold a root key: {reason}")]
    VariableKey { name: String, reason: String },
    /// The passphrase read is empty.
    #[error("{0}: the passphrase is empty")]
    EmptyPassphrase(String),
    /// The kdf file is not one Strongroom wrote.
    #[error(
        "{0} does not hold Argon2id parameters (`$argon2id$v=19$m=…,t=…,p=…$salt`); it is written on first start"
    )]
    KdfFile(String),
    /// Argon2 refused its parameters or failed.
    #[error("deriving the root key from the passphrase failed: {0}")]
    Kdf(String),
}
