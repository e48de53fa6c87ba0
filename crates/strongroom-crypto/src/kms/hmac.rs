//! GenerateMac and VerifyMac with HMAC keys (RFC 2104; one MAC algorithm per key spec).

use super::KmsCryptoError;
use super::spec::{KeySpec, MacAlgorithmSpec, check_message_len};
use aws_lc_rs::hmac;
use std::fmt;

/// An HMAC key, ready to use (the library keeps the key schedule; it zeroizes it on drop).
pub struct MacKey {
    key_spec: KeySpec,
    key: hmac::Key,
}

impl fmt::Debug for MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MacKey")
            .field("key_spec", &self.key_spec)
            .finish_non_exhaustive()
    }
}

impl MacKey {
    /// From the raw key bytes (see `KeyMaterial::secret`); their length must be the key
    /// spec's.
    pub fn new(key_spec: KeySpec, secret: &[u8]) -> Result<MacKey, KmsCryptoError> {
        let len = key_spec
            .hmac_key_len()
            .ok_or(KmsCryptoError::WrongKeyKind { key_spec })?;
        let algorithm = key_spec
            .mac_algorithms()
            .first()
            .map(|alg| hmac_algorithm(*alg))
            .ok_or(KmsCryptoError::WrongKeyKind { key_spec })?;
        if secret.len() != len {
            return Err(KmsCryptoError::MalformedKeyMaterial {
                key_spec,
                what: "HMAC key",
            });
        }
        Ok(MacKey {
            key_spec,
            key: hmac::Key::new(algorithm, secret),
        })
    }

    pub fn key_spec(&self) -> KeySpec {
        self.key_spec
    }

    /// The HMAC of `message` (1..=4096 bytes) with `algorithm`, which must be the key
    /// spec's.
    pub fn generate_mac(
        &self,
        algorithm: MacAlgorithmSpec,
        message: &[u8],
    ) -> Result<Vec<u8>, KmsCryptoError> {
        algorithm.check_for(self.key_spec)?;
        check_message_len(message)?;
        Ok(hmac::sign(&self.key, message).as_ref().to_vec())
    }

    /// Checks `mac` against the HMAC of `message`, in constant time. A MAC that does
    /// not match (including one of another length) is `InvalidMac`.
    pub fn verify_mac(
        &self,
        algorithm: MacAlgorithmSpec,
        message: &[u8],
        mac: &[u8],
    ) -> Result<(), KmsCryptoError> {
        algorithm.check_for(self.key_spec)?;
        check_message_len(message)?;
        hmac::verify(&self.key, message, mac).map_err(|_| KmsCryptoError::InvalidMac)
    }
}

fn hmac_algorithm(algorithm: MacAlgorithmSpec) -> hmac::Algorithm {
    match algorithm {
        MacAlgorithmSpec::HmacSha224 => hmac::HMAC_SHA224,
        MacAlgorithmSpec::HmacSha256 => hmac::HMAC_SHA256,
        MacAlgorithmSpec::HmacSha384 => hmac::HMAC_SHA384,
        MacAlgorithmSpec::HmacSha512 => hmac::HMAC_SHA512,
    }
}

#[cfg(test)]
impl MacKey {
    /// A key of any length, for RFC 4231's vectors (whose keys are not KMS's lengths).
    pub(crate) fn with_any_len(key_spec: KeySpec, secret: &[u8]) -> Option<MacKey> {
        let algorithm = key_spec.mac_algorithms().first()?;
        Some(MacKey {
            key_spec,
            key: hmac::Key::new(hmac_algorithm(*algorithm), secret),
        })
    }
}
