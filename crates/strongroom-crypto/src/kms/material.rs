//! Key material of asymmetric and HMAC KMS keys: generation, validation of stored
//! material, and the public key (DER SubjectPublicKeyInfo, what GetPublicKey returns).

use super::KmsCryptoError;
use super::spec::KeySpec;
use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, RsaKeyPair};
use std::fmt;
use zeroize::Zeroizing;

/// The secret material of one asymmetric or HMAC key, with its public key.
///
/// `secret` is what the service seals under the root key: the private key as PKCS#8 DER
/// (RFC 5208) for RSA and ECC, the raw key bytes for HMAC. `public_key` is DER
/// SubjectPublicKeyInfo for RSA and ECC, `None` for HMAC; it is not secret.
pub struct KeyMaterial {
    key_spec: KeySpec,
    secret: Zeroizing<Vec<u8>>,
    public_key: Option<Vec<u8>>,
}

impl fmt::Debug for KeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyMaterial")
            .field("key_spec", &self.key_spec)
            .field("secret", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl KeyMaterial {
    /// Fresh material for an RSA, ECC or HMAC key spec. `SYMMETRIC_DEFAULT` keys are
    /// the symmetric key service's (`Key256`): refused here with `WrongKeyKind`.
    pub fn generate(key_spec: KeySpec) -> Result<KeyMaterial, KmsCryptoError> {
        if let Some(len) = key_spec.hmac_key_len() {
            let mut secret = Zeroizing::new(vec![0u8; len]);
            SystemRandom::new()
                .fill(&mut secret)
                .map_err(|_| KmsCryptoError::Internal("HMAC key generation"))?;
            return Ok(KeyMaterial {
                key_spec,
                secret,
                public_key: None,
            });
        }
        let private = PrivateKey::generate(key_spec)?;
        let secret = private.to_pkcs8()?;
        let public_key = Some(private.public_key_der()?);
        Ok(KeyMaterial {
            key_spec,
            secret,
            public_key,
        })
    }

    /// Material read back (unsealed) from storage: checked against its key spec
    /// (parses, right curve or modulus size, right HMAC length), public key derived.
    pub fn from_secret(
        key_spec: KeySpec,
        secret: Zeroizing<Vec<u8>>,
    ) -> Result<KeyMaterial, KmsCryptoError> {
        if let Some(len) = key_spec.hmac_key_len() {
            if secret.len() != len {
                return Err(KmsCryptoError::MalformedKeyMaterial {
                    key_spec,
                    what: "HMAC key",
                });
            }
            return Ok(KeyMaterial {
                key_spec,
                secret,
                public_key: None,
            });
        }
        let public_key = Some(PrivateKey::from_pkcs8(key_spec, &secret)?.public_key_der()?);
        Ok(KeyMaterial {
            key_spec,
            secret,
            public_key,
        })
    }

    pub fn key_spec(&self) -> KeySpec {
        self.key_spec
    }

    /// PKCS#8 DER (RSA, ECC) or raw key bytes (HMAC): seal before storing.
    pub fn secret(&self) -> &[u8] {
        &self.secret
    }

    pub fn into_secret(self) -> Zeroizing<Vec<u8>> {
        self.secret
    }

    /// DER SubjectPublicKeyInfo (RSA, ECC); `None` for HMAC.
    pub fn public_key(&self) -> Option<&[u8]> {
        self.public_key.as_deref()
    }
}

/// The ECDSA signing algorithm (ASN.1 DER signatures, as KMS returns) of an ECC key
/// spec: the curve and the one hash KMS pairs with it.
pub(crate) fn ecdsa_signing(key_spec: KeySpec) -> Option<&'static EcdsaSigningAlgorithm> {
    match key_spec {
        KeySpec::EccNistP256 => Some(&signature::ECDSA_P256_SHA256_ASN1_SIGNING),
        KeySpec::EccNistP384 => Some(&signature::ECDSA_P384_SHA384_ASN1_SIGNING),
        KeySpec::EccNistP521 => Some(&signature::ECDSA_P521_SHA512_ASN1_SIGNING),
        KeySpec::EccSecgP256k1 => Some(&signature::ECDSA_P256K1_SHA256_ASN1_SIGNING),
        _ => None,
    }
}

fn rsa_key_size(key_spec: KeySpec) -> Option<KeySize> {
    match key_spec {
        KeySpec::Rsa2048 => Some(KeySize::Rsa2048),
        KeySpec::Rsa3072 => Some(KeySize::Rsa3072),
        KeySpec::Rsa4096 => Some(KeySize::Rsa4096),
        _ => None,
    }
}

/// A parsed private key of an RSA or ECC key spec.
pub(crate) enum PrivateKey {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
}

impl PrivateKey {
    fn generate(key_spec: KeySpec) -> Result<PrivateKey, KmsCryptoError> {
        if let Some(size) = rsa_key_size(key_spec) {
            let pair = RsaKeyPair::generate(size)
                .map_err(|_| KmsCryptoError::Internal("RSA key generation"))?;
            Ok(PrivateKey::Rsa(pair))
        } else if let Some(alg) = ecdsa_signing(key_spec) {
            let pair = EcdsaKeyPair::generate(alg)
                .map_err(|_| KmsCryptoError::Internal("ECC key generation"))?;
            Ok(PrivateKey::Ecdsa(pair))
        } else {
            Err(KmsCryptoError::WrongKeyKind { key_spec })
        }
    }

    /// Parses PKCS#8 DER and checks it is a key of `key_spec` (modulus size or curve).
    pub(crate) fn from_pkcs8(key_spec: KeySpec, der: &[u8]) -> Result<PrivateKey, KmsCryptoError> {
        let malformed = KmsCryptoError::MalformedKeyMaterial {
            key_spec,
            what: "private key",
        };
        if let Some(bits) = key_spec.rsa_bits() {
            let pair = RsaKeyPair::from_pkcs8(der).map_err(|_| malformed.clone())?;
            if pair.public_modulus_len() * 8 != bits {
                return Err(malformed);
            }
            Ok(PrivateKey::Rsa(pair))
        } else if let Some(alg) = ecdsa_signing(key_spec) {
            // Refuses a key on another curve.
            let pair = EcdsaKeyPair::from_pkcs8(alg, der).map_err(|_| malformed)?;
            Ok(PrivateKey::Ecdsa(pair))
        } else {
            Err(KmsCryptoError::WrongKeyKind { key_spec })
        }
    }

    fn to_pkcs8(&self) -> Result<Zeroizing<Vec<u8>>, KmsCryptoError> {
        let failed = KmsCryptoError::Internal("PKCS#8 encoding");
        // The library's DER buffers zeroize themselves on drop.
        Ok(Zeroizing::new(match self {
            PrivateKey::Rsa(pair) => AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(pair)
                .map_err(|_| failed)?
                .as_ref()
                .to_vec(),
            PrivateKey::Ecdsa(pair) => pair.to_pkcs8v1().map_err(|_| failed)?.as_ref().to_vec(),
        }))
    }

    /// DER SubjectPublicKeyInfo.
    pub(crate) fn public_key_der(&self) -> Result<Vec<u8>, KmsCryptoError> {
        let failed = KmsCryptoError::Internal("public key encoding");
        let der = match self {
            PrivateKey::Rsa(pair) => pair.public_key().as_der().map_err(|_| failed)?,
            PrivateKey::Ecdsa(pair) => pair.public_key().as_der().map_err(|_| failed)?,
        };
        Ok(der.as_ref().to_vec())
    }
}
