//! Why a KMS cryptographic primitive refused or failed. Never carries key material,
//! plaintext, messages or signatures: only names, lengths and limits.

use super::spec::{KeySpec, KeyUsage};

/// The error of every function in [`crate::kms`]. Each variant says which AWS error
/// code the service should answer with (botocore's kms model, `InvalidKeyUsageException`
/// documentation: both a wrong key usage and an algorithm the key spec does not support
/// are `InvalidKeyUsageException`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KmsCryptoError {
    /// A wire value that is not in KMS's enum (→ `ValidationException`).
    #[error("'{value}' is not a valid {member}")]
    UnknownName { member: &'static str, value: String },

    /// A value KMS knows but Strongroom does not offer: SM2/SM2DSA/SM2PKE (China Regions
    /// only), ML-DSA, ML-KEM, Ed25519, KEY_AGREEMENT, EXTERNAL_MU (→ `ValidationException`
    /// or `UnsupportedOperationException`, the service's choice).
    #[error("{member} {value} is not supported by this server")]
    NotSupported { member: &'static str, value: String },

    /// The key usage is not one the key spec allows (CreateKey → `ValidationException`),
    /// or not the one the operation needs (→ `InvalidKeyUsageException`).
    #[error("key usage {key_usage} is not valid for this operation on a {key_spec} key")]
    InvalidKeyUsage {
        key_spec: KeySpec,
        key_usage: KeyUsage,
    },

    /// The signing, encryption or MAC algorithm is not one the key spec supports
    /// (→ `InvalidKeyUsageException`).
    #[error("algorithm {algorithm} is not supported by a {key_spec} key")]
    UnsupportedAlgorithmForKey {
        key_spec: KeySpec,
        algorithm: &'static str,
    },

    /// The operation needs an asymmetric (or HMAC) key spec and got another, e.g.
    /// generating asymmetric material for `SYMMETRIC_DEFAULT` (a programming error in
    /// the caller, or `UnsupportedOperationException` for GetPublicKey on a symmetric key).
    #[error("{key_spec} keys do not support this operation")]
    WrongKeyKind { key_spec: KeySpec },

    /// A RAW message (Sign/Verify/GenerateMac/VerifyMac) outside 1..=4096 bytes
    /// (→ `ValidationException`).
    #[error("message length {len} is outside 1..={max} bytes")]
    MessageLength { len: usize, max: usize },

    /// A DIGEST message whose length is not the signing algorithm's hash length
    /// (→ `ValidationException`).
    #[error("digest length {len} does not match {algorithm}, which takes a {expected}-byte digest")]
    BadDigestLength {
        algorithm: &'static str,
        expected: usize,
        len: usize,
    },

    /// RSA OAEP plaintext over the key's limit for the algorithm (→ `ValidationException`).
    #[error(
        "plaintext of {len} bytes is too long: {algorithm} with a {key_spec} key takes at most {max}"
    )]
    PlaintextTooLong {
        key_spec: KeySpec,
        algorithm: &'static str,
        len: usize,
        max: usize,
    },

    /// Verify: the signature does not verify, or is malformed
    /// (→ `KMSInvalidSignatureException`).
    #[error("the signature verification failed")]
    InvalidSignature,

    /// VerifyMac: the MAC does not match (→ `KMSInvalidMacException`).
    #[error("the HMAC verification failed")]
    InvalidMac,

    /// RSA OAEP decryption failed: wrong key, wrong algorithm, tampered or malformed
    /// ciphertext (→ `InvalidCiphertextException`).
    #[error("the ciphertext cannot be decrypted with this key and algorithm")]
    InvalidCiphertext,

    /// Stored key material (private PKCS#8, public SPKI or HMAC key) does not parse or
    /// does not match its key spec: corrupt storage (→ `KMSInternalException`).
    #[error("stored {what} does not hold a valid {key_spec} key")]
    MalformedKeyMaterial {
        key_spec: KeySpec,
        what: &'static str,
    },

    /// The cryptographic library or the random source failed (→ `KMSInternalException`).
    #[error("cryptographic failure in {0}")]
    Internal(&'static str),
}
