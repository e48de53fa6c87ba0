use strongroom_crypto::CryptoError;
use strongroom_domain::Error;
use strongroom_store::StoreError;

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The request broke a rule of the service; the client's fault.
    #[error(transparent)]
    Domain(#[from] Error),
    /// A KMS rule was broken (its own codes: `strongroom_domain::kms::KmsErrorKind`).
    #[error(transparent)]
    Kms(#[from] strongroom_domain::kms::KmsError),
    /// The caller's policies (or the resource's) do not allow the request.
    /// The message is AWS's: who, which action, on what, and why.
    #[error("{0}")]
    AccessDenied(String),
    /// The store failed; our fault.
    #[error("storage failure: {0}")]
    Store(#[from] StoreError),
    /// A stored value did not decrypt under its key and context.
    #[error("Secrets Manager can't decrypt the protected secret text using the provided KMS key.")]
    Decryption,
    /// KMS key material did not unseal under the root key (or is missing):
    /// the server's fault, never the caller's.
    #[error("The KMS key material could not be used.")]
    KeyMaterial,
    /// Encrypting a new value failed.
    #[error("Secrets Manager can't encrypt the protected secret text using the provided KMS key.")]
    Encryption,
}

impl From<CryptoError> for ServiceError {
    fn from(e: CryptoError) -> Self {
        match e {
            CryptoError::Decrypt | CryptoError::Truncated => ServiceError::Decryption,
            _ => ServiceError::Encryption,
        }
    }
}
