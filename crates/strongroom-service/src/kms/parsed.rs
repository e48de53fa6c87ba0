//! Asymmetric and HMAC key material, unsealed and parsed once, then cached beside the
//! symmetric material (`Materials`): parsing an RSA private key checks it, which costs
//! far more than the operation that uses it.

use crate::ServiceError;
use strongroom_crypto::kms::{
    KeySpec, KeyUsage, KmsCryptoError, MacKey, RsaDecryptingKey, RsaEncryptingKey, SigningKey,
    VerifyingKey,
};
use strongroom_domain::kms::{KmsError, KmsKey};

/// A usable asymmetric or HMAC key: the private half (or the HMAC key) with the public
/// half derived from it. The library's key types zeroize themselves on drop.
pub(crate) enum ParsedKey {
    /// RSA or ECC, SIGN_VERIFY.
    Signing {
        private: SigningKey,
        public: VerifyingKey,
    },
    /// RSA, ENCRYPT_DECRYPT.
    Rsa {
        private: RsaDecryptingKey,
        public: RsaEncryptingKey,
    },
    /// HMAC, GENERATE_VERIFY_MAC (boxed: the key schedule is over a KiB).
    Mac(Box<MacKey>),
}

impl ParsedKey {
    /// Parses unsealed `secret` (PKCS#8 DER, or the HMAC key) for a key of `spec` and
    /// `usage`.
    pub(crate) fn parse(
        spec: KeySpec,
        usage: KeyUsage,
        secret: &[u8],
    ) -> Result<ParsedKey, KmsCryptoError> {
        match usage {
            KeyUsage::SignVerify => {
                let private = SigningKey::from_pkcs8(spec, secret)?;
                let public = VerifyingKey::from_spki(spec, &private.public_key_der()?)?;
                Ok(ParsedKey::Signing { private, public })
            }
            KeyUsage::EncryptDecrypt => {
                let private = RsaDecryptingKey::from_pkcs8(spec, secret)?;
                let public = private.encrypting_key()?;
                Ok(ParsedKey::Rsa { private, public })
            }
            KeyUsage::GenerateVerifyMac => Ok(ParsedKey::Mac(Box::new(MacKey::new(spec, secret)?))),
        }
    }
}

/// A refusal of the crypto primitives as the operation's KMS error; the server's own
/// faults (material that does not parse, a failing library) are KMSInternalException.
pub(crate) fn refusal(key: &KmsKey, operation: &'static str, e: KmsCryptoError) -> ServiceError {
    match KmsError::from_crypto(&key.arn, operation, &e) {
        Some(k) => k.into(),
        None => {
            tracing::error!(key = %key.arn, error = %e, "KMS key material is not usable");
            ServiceError::KeyMaterial
        }
    }
}
