//! Encrypt and Decrypt with RSA ENCRYPT_DECRYPT keys: RSAES-OAEP with SHA-1 or SHA-256
//! for both the hash and MGF1, and an empty label (KMS Developer Guide, "RSA key specs
//! for encryption and decryption").

use super::KmsCryptoError;
use super::spec::{EncryptionAlgorithmSpec, KeySpec};
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rsa::{
    OAEP_SHA1_MGF1SHA1, OAEP_SHA256_MGF1SHA256, OaepAlgorithm, OaepPrivateDecryptingKey,
    OaepPublicEncryptingKey, PrivateDecryptingKey, PublicEncryptingKey,
};
use std::fmt;
use zeroize::Zeroizing;

/// The public half of an RSA ENCRYPT_DECRYPT key (Encrypt needs no private material).
pub struct RsaEncryptingKey {
    key_spec: KeySpec,
    key: OaepPublicEncryptingKey,
}

impl fmt::Debug for RsaEncryptingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaEncryptingKey")
            .field("key_spec", &self.key_spec)
            .finish_non_exhaustive()
    }
}

impl RsaEncryptingKey {
    /// From DER SubjectPublicKeyInfo; checks the modulus size against `key_spec`.
    pub fn from_spki(key_spec: KeySpec, der: &[u8]) -> Result<RsaEncryptingKey, KmsCryptoError> {
        let malformed = KmsCryptoError::MalformedKeyMaterial {
            key_spec,
            what: "public key",
        };
        let Some(bits) = key_spec.rsa_bits() else {
            return Err(KmsCryptoError::WrongKeyKind { key_spec });
        };
        let public = PublicEncryptingKey::from_der(der).map_err(|_| malformed.clone())?;
        if public.key_size_bits() != bits {
            return Err(malformed);
        }
        let key = OaepPublicEncryptingKey::new(public).map_err(|_| malformed)?;
        Ok(RsaEncryptingKey { key_spec, key })
    }

    pub fn key_spec(&self) -> KeySpec {
        self.key_spec
    }

    /// Encrypts `plaintext`. Refuses SYMMETRIC_DEFAULT (`UnsupportedAlgorithmForKey`) and
    /// a plaintext over [`EncryptionAlgorithmSpec::max_plaintext_len`] (`PlaintextTooLong`).
    /// The model's lower bound (1 byte) is the API layer's to check.
    pub fn encrypt(
        &self,
        algorithm: EncryptionAlgorithmSpec,
        plaintext: &[u8],
    ) -> Result<Vec<u8>, KmsCryptoError> {
        let oaep = oaep_algorithm(self.key_spec, algorithm)?;
        let max = algorithm
            .max_plaintext_len(self.key_spec)
            .ok_or(KmsCryptoError::Internal("OAEP limit"))?;
        if plaintext.len() > max {
            return Err(KmsCryptoError::PlaintextTooLong {
                key_spec: self.key_spec,
                algorithm: algorithm.as_str(),
                len: plaintext.len(),
                max,
            });
        }
        let mut out = vec![0u8; self.key.ciphertext_size()];
        let len = self
            .key
            .encrypt(oaep, plaintext, &mut out, None)
            .map_err(|_| KmsCryptoError::Internal("RSA OAEP encryption"))?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

/// The private half of an RSA ENCRYPT_DECRYPT key, parsed once.
pub struct RsaDecryptingKey {
    key_spec: KeySpec,
    key: OaepPrivateDecryptingKey,
    public_key: Vec<u8>,
}

impl fmt::Debug for RsaDecryptingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaDecryptingKey")
            .field("key_spec", &self.key_spec)
            .finish_non_exhaustive()
    }
}

impl RsaDecryptingKey {
    /// From the key's PKCS#8 DER; checks the modulus size against `key_spec`.
    pub fn from_pkcs8(key_spec: KeySpec, der: &[u8]) -> Result<RsaDecryptingKey, KmsCryptoError> {
        let malformed = KmsCryptoError::MalformedKeyMaterial {
            key_spec,
            what: "private key",
        };
        let Some(bits) = key_spec.rsa_bits() else {
            return Err(KmsCryptoError::WrongKeyKind { key_spec });
        };
        let private = PrivateDecryptingKey::from_pkcs8(der).map_err(|_| malformed.clone())?;
        if private.key_size_bits() != bits {
            return Err(malformed);
        }
        let public_key = private
            .public_key()
            .as_der()
            .map_err(|_| KmsCryptoError::Internal("public key encoding"))?
            .as_ref()
            .to_vec();
        let key = OaepPrivateDecryptingKey::new(private).map_err(|_| malformed)?;
        Ok(RsaDecryptingKey {
            key_spec,
            key,
            public_key,
        })
    }

    pub fn key_spec(&self) -> KeySpec {
        self.key_spec
    }

    /// DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> &[u8] {
        &self.public_key
    }

    /// The matching encrypting key.
    pub fn encrypting_key(&self) -> Result<RsaEncryptingKey, KmsCryptoError> {
        RsaEncryptingKey::from_spki(self.key_spec, &self.public_key)
    }

    /// Decrypts `ciphertext`. Anything that does not decrypt under this key and algorithm
    /// (wrong length, tampered, encrypted with the other OAEP hash) is
    /// `InvalidCiphertext`.
    pub fn decrypt(
        &self,
        algorithm: EncryptionAlgorithmSpec,
        ciphertext: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, KmsCryptoError> {
        let oaep = oaep_algorithm(self.key_spec, algorithm)?;
        if ciphertext.len() != self.key.key_size_bytes() {
            return Err(KmsCryptoError::InvalidCiphertext);
        }
        let mut out = Zeroizing::new(vec![0u8; self.key.min_output_size()]);
        let len = self
            .key
            .decrypt(oaep, ciphertext, &mut out, None)
            .map_err(|_| KmsCryptoError::InvalidCiphertext)?
            .len();
        out.truncate(len);
        Ok(out)
    }
}

fn oaep_algorithm(
    key_spec: KeySpec,
    algorithm: EncryptionAlgorithmSpec,
) -> Result<&'static OaepAlgorithm, KmsCryptoError> {
    algorithm.check_for(key_spec)?;
    match algorithm {
        EncryptionAlgorithmSpec::RsaesOaepSha1 => Ok(&OAEP_SHA1_MGF1SHA1),
        EncryptionAlgorithmSpec::RsaesOaepSha256 => Ok(&OAEP_SHA256_MGF1SHA256),
        EncryptionAlgorithmSpec::SymmetricDefault => {
            Err(KmsCryptoError::UnsupportedAlgorithmForKey {
                key_spec,
                algorithm: algorithm.as_str(),
            })
        }
    }
}
