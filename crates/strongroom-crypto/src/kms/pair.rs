//! GenerateDataKeyPair(+WithoutPlaintext): a key pair for use outside the server.
//! KMS's one-usage rule does not apply to data key pairs (GenerateDataKeyPair's
//! `KeyPairSpec` documentation), so every spec here is just a key pair.

use super::KmsCryptoError;
use super::material::KeyMaterial;
use super::spec::DataKeyPairSpec;
use std::fmt;
use zeroize::Zeroizing;

/// A fresh data key pair: `private_key` is PKCS#8 DER (`PrivateKeyPlaintext`, and what
/// the service encrypts for `PrivateKeyCiphertextBlob`), `public_key` is DER
/// SubjectPublicKeyInfo (`PublicKey`).
pub struct DataKeyPair {
    pub private_key: Zeroizing<Vec<u8>>,
    pub public_key: Vec<u8>,
}

impl fmt::Debug for DataKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKeyPair")
            .field("private_key", &"<redacted>")
            .field("public_key_len", &self.public_key.len())
            .finish()
    }
}

/// Generates a data key pair of `spec`.
pub fn generate_data_key_pair(spec: DataKeyPairSpec) -> Result<DataKeyPair, KmsCryptoError> {
    let material = KeyMaterial::generate(spec.key_spec())?;
    let public_key = material
        .public_key()
        .ok_or(KmsCryptoError::Internal("data key pair public key"))?
        .to_vec();
    Ok(DataKeyPair {
        private_key: material.into_secret(),
        public_key,
    })
}
