//! The key hierarchy and envelope encryption.
//!
//! ```text
//! root key (file, 0600)            wraps ──▶ KMS key material (per account+region key)
//! KMS key material                 wraps ──▶ a fresh data key per secret version
//! data key  AES-256-GCM(value, aad = secret ARN + version id)
//! ```
//!
//! Architecture Invariant: every key lives in a [`Key256`], which zeroizes on
//! drop and never prints; plaintext comes back as `Zeroizing<Vec<u8>>`.

mod aead;
mod kms_blob;
mod root;

pub use aead::{Envelope, Key256, decrypt_value, encrypt_value, open, seal};
pub use kms_blob::{
    BLOB_VERSION, BlobHeader, blob_header, decrypt_blob, encrypt_blob, material_aad, random_bytes,
};
pub use root::{RootKey, load_or_create_root_key, load_root_key};

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
}
