//! Sign and Verify: RSASSA-PSS (salt length = hash length, MGF1 with the same hash),
//! RSASSA-PKCS1-v1_5, and ECDSA with DER-encoded signatures, for RAW messages and
//! precomputed DIGESTs.
//!
//! aws-lc-rs signs a precomputed digest with `RsaKeyPair::sign_digest` and
//! `EcdsaKeyPair::sign_digest`, and verifies one with `ParsedPublicKey::verify_digest_sig`
//! (the digest enters through `Digest::import_less_safe`, which checks its length).

use super::KmsCryptoError;
use super::material::PrivateKey;
use super::spec::{HashAlgorithm, KeySpec, MessageType, SigningAlgorithmSpec};
use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::PublicEncryptingKey;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaEncoding, VerificationAlgorithm};
use std::fmt;

/// The private half of a SIGN_VERIFY key, parsed once (worth caching: parsing an RSA
/// key checks it).
pub struct SigningKey {
    key_spec: KeySpec,
    key: PrivateKey,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("key_spec", &self.key_spec)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// From the key's PKCS#8 DER (see `KeyMaterial::secret`).
    pub fn from_pkcs8(key_spec: KeySpec, der: &[u8]) -> Result<SigningKey, KmsCryptoError> {
        Ok(SigningKey {
            key_spec,
            key: PrivateKey::from_pkcs8(key_spec, der)?,
        })
    }

    pub fn key_spec(&self) -> KeySpec {
        self.key_spec
    }

    /// DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> Result<Vec<u8>, KmsCryptoError> {
        self.key.public_key_der()
    }

    /// Signs `message` (RAW: hashed here; DIGEST: already the hash) with `algorithm`.
    /// Refuses an algorithm the key spec does not support, a RAW message outside
    /// 1..=4096 bytes and a digest of the wrong length.
    pub fn sign(
        &self,
        algorithm: SigningAlgorithmSpec,
        message_type: MessageType,
        message: &[u8],
    ) -> Result<Vec<u8>, KmsCryptoError> {
        algorithm.check_for(self.key_spec)?;
        algorithm.check_message(message_type, message)?;
        let failed = KmsCryptoError::Internal("signing");
        match &self.key {
            PrivateKey::Rsa(pair) => {
                let encoding = rsa_encoding(algorithm).ok_or(failed.clone())?;
                let mut sig = vec![0u8; pair.public_modulus_len()];
                match message_type {
                    MessageType::Raw => {
                        pair.sign(encoding, &SystemRandom::new(), message, &mut sig)
                    }
                    MessageType::Digest => {
                        pair.sign_digest(encoding, &import_digest(algorithm, message)?, &mut sig)
                    }
                }
                .map_err(|_| failed)?;
                Ok(sig)
            }
            PrivateKey::Ecdsa(pair) => {
                let sig = match message_type {
                    MessageType::Raw => pair.sign(&SystemRandom::new(), message),
                    MessageType::Digest => pair.sign_digest(&import_digest(algorithm, message)?),
                }
                .map_err(|_| failed)?;
                Ok(sig.as_ref().to_vec())
            }
        }
    }
}

/// The public half of a SIGN_VERIFY key: Verify needs no private material.
#[derive(Clone)]
pub struct VerifyingKey {
    key_spec: KeySpec,
    spki: Vec<u8>,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("key_spec", &self.key_spec)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// From DER SubjectPublicKeyInfo; checks it is a key of `key_spec`.
    pub fn from_spki(key_spec: KeySpec, der: &[u8]) -> Result<VerifyingKey, KmsCryptoError> {
        check_spki(key_spec, der)?;
        Ok(VerifyingKey {
            key_spec,
            spki: der.to_vec(),
        })
    }

    pub fn key_spec(&self) -> KeySpec {
        self.key_spec
    }

    /// DER SubjectPublicKeyInfo.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// Checks `signature` over `message` (RAW or DIGEST). A signature that does not
    /// verify, or does not parse, is `InvalidSignature`; the algorithm and message are
    /// checked first, as for Sign.
    pub fn verify(
        &self,
        algorithm: SigningAlgorithmSpec,
        message_type: MessageType,
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), KmsCryptoError> {
        algorithm.check_for(self.key_spec)?;
        algorithm.check_message(message_type, message)?;
        let params = verification(self.key_spec, algorithm).ok_or(
            KmsCryptoError::UnsupportedAlgorithmForKey {
                key_spec: self.key_spec,
                algorithm: algorithm.as_str(),
            },
        )?;
        let key = ParsedPublicKey::new(params, &self.spki).map_err(|_| {
            KmsCryptoError::MalformedKeyMaterial {
                key_spec: self.key_spec,
                what: "public key",
            }
        })?;
        match message_type {
            MessageType::Raw => key.verify_sig(message, signature),
            MessageType::Digest => {
                key.verify_digest_sig(&import_digest(algorithm, message)?, signature)
            }
        }
        .map_err(|_| KmsCryptoError::InvalidSignature)
    }
}

/// Checks that `der` is an SPKI public key of `key_spec`'s type, curve or modulus size.
pub(crate) fn check_spki(key_spec: KeySpec, der: &[u8]) -> Result<(), KmsCryptoError> {
    let malformed = KmsCryptoError::MalformedKeyMaterial {
        key_spec,
        what: "public key",
    };
    if let Some(bits) = key_spec.rsa_bits() {
        let key = PublicEncryptingKey::from_der(der).map_err(|_| malformed.clone())?;
        if key.key_size_bits() != bits {
            return Err(malformed);
        }
        Ok(())
    } else if key_spec.is_ecc() {
        let alg = key_spec
            .signing_algorithms()
            .first()
            .and_then(|alg| verification(key_spec, *alg))
            .ok_or(malformed.clone())?;
        // Validates the point and refuses a key on another curve.
        ParsedPublicKey::new(alg, der).map_err(|_| malformed)?;
        Ok(())
    } else {
        Err(KmsCryptoError::WrongKeyKind { key_spec })
    }
}

fn digest_algorithm(hash: HashAlgorithm) -> &'static digest::Algorithm {
    match hash {
        HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha224 => &digest::SHA224,
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    }
}

fn import_digest(algorithm: SigningAlgorithmSpec, digest: &[u8]) -> Result<Digest, KmsCryptoError> {
    Digest::import_less_safe(digest, digest_algorithm(algorithm.hash())).map_err(|_| {
        KmsCryptoError::BadDigestLength {
            algorithm: algorithm.as_str(),
            expected: algorithm.digest_len(),
            len: digest.len(),
        }
    })
}

fn rsa_encoding(algorithm: SigningAlgorithmSpec) -> Option<&'static dyn RsaEncoding> {
    use SigningAlgorithmSpec::*;
    Some(match algorithm {
        // aws-lc-rs's PSS encodings use a salt as long as the digest, as KMS does.
        RsassaPssSha256 => &signature::RSA_PSS_SHA256,
        RsassaPssSha384 => &signature::RSA_PSS_SHA384,
        RsassaPssSha512 => &signature::RSA_PSS_SHA512,
        RsassaPkcs1V15Sha256 => &signature::RSA_PKCS1_SHA256,
        RsassaPkcs1V15Sha384 => &signature::RSA_PKCS1_SHA384,
        RsassaPkcs1V15Sha512 => &signature::RSA_PKCS1_SHA512,
        EcdsaSha256 | EcdsaSha384 | EcdsaSha512 => return None,
    })
}

/// The verification algorithm for a key spec and signing algorithm KMS pairs.
fn verification(
    key_spec: KeySpec,
    algorithm: SigningAlgorithmSpec,
) -> Option<&'static dyn VerificationAlgorithm> {
    use SigningAlgorithmSpec::*;
    if key_spec.is_rsa() {
        return Some(match algorithm {
            RsassaPssSha256 => &signature::RSA_PSS_2048_8192_SHA256,
            RsassaPssSha384 => &signature::RSA_PSS_2048_8192_SHA384,
            RsassaPssSha512 => &signature::RSA_PSS_2048_8192_SHA512,
            RsassaPkcs1V15Sha256 => &signature::RSA_PKCS1_2048_8192_SHA256,
            RsassaPkcs1V15Sha384 => &signature::RSA_PKCS1_2048_8192_SHA384,
            RsassaPkcs1V15Sha512 => &signature::RSA_PKCS1_2048_8192_SHA512,
            EcdsaSha256 | EcdsaSha384 | EcdsaSha512 => return None,
        });
    }
    Some(match (key_spec, algorithm) {
        (KeySpec::EccNistP256, EcdsaSha256) => &signature::ECDSA_P256_SHA256_ASN1,
        (KeySpec::EccNistP384, EcdsaSha384) => &signature::ECDSA_P384_SHA384_ASN1,
        (KeySpec::EccNistP521, EcdsaSha512) => &signature::ECDSA_P521_SHA512_ASN1,
        (KeySpec::EccSecgP256k1, EcdsaSha256) => &signature::ECDSA_P256K1_SHA256_ASN1,
        _ => return None,
    })
}
