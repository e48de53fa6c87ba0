//! The cryptography of KMS's asymmetric and HMAC keys, with KMS's names and rules:
//! pure functions over key material, no storage and no policy.
//!
//! ```text
//! spec.rs      KeySpec, KeyUsage, the algorithm enums, MessageType; which usage and
//!              algorithms each key spec allows (DescribeKey's lists), message and
//!              OAEP plaintext limits
//! material.rs  KeyMaterial: generate / check stored material, public key (SPKI DER)
//! sign.rs      SigningKey (private, PKCS#8) and VerifyingKey (public, SPKI): RAW and DIGEST
//! rsa_oaep.rs  RsaEncryptingKey (public) and RsaDecryptingKey (private): RSAES_OAEP_SHA_1/256
//! hmac.rs      MacKey: GenerateMac, VerifyMac (constant-time)
//! pair.rs      generate_data_key_pair
//! error.rs     KmsCryptoError, each variant with the AWS error code it maps to
//! ```
//!
//! Architecture Invariant: secret material is only ever held in `Zeroizing` buffers or
//! the library's own zeroizing key types, and no `Debug` output or error carries it.

mod error;
mod hmac;
mod material;
mod pair;
mod rsa_oaep;
mod sign;
mod spec;

pub use error::KmsCryptoError;
pub use hmac::MacKey;
pub use material::KeyMaterial;
pub use pair::{DataKeyPair, generate_data_key_pair};
pub use rsa_oaep::{RsaDecryptingKey, RsaEncryptingKey};
pub use sign::{SigningKey, VerifyingKey};
pub use spec::{
    DataKeyPairSpec, EncryptionAlgorithmSpec, HashAlgorithm, KeyAlgorithms, KeySpec, KeyUsage,
    MAX_MESSAGE_LEN, MacAlgorithmSpec, MessageType, SigningAlgorithmSpec, check_message_len,
    require_key_usage,
};

#[cfg(test)]
mod tests;
