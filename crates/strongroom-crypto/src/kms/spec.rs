//! KMS's names (exact wire strings) and the rules KMS applies between them.
//!
//! Sources: botocore's kms model (the enums), the KMS Developer Guide's "Asymmetric key
//! specs" (RSA and ECC algorithms, OAEP plaintext limits) and "HMAC keys in AWS KMS"
//! (one MAC algorithm per HMAC key spec, key length = the spec's number of bits), and the
//! CreateKey `KeyUsage` documentation (which usage each key spec allows).

use super::KmsCryptoError;
use std::fmt;
use std::str::FromStr;

/// Defines a wire enum: `as_str`, `FromStr` (unknown → `UnknownName`, known to KMS
/// but not offered here → `NotSupported`), `Display`, and `ALL` in declaration order.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        $name:ident, member = $member:literal, not_supported = [$($unsupported:literal),* $(,)?],
        { $($(#[$vmeta:meta])* $variant:ident = $wire:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in KMS's model order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The values KMS defines that this server refuses.
            pub const NOT_SUPPORTED: &'static [&'static str] = &[$($unsupported),*];

            /// The exact wire string.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $wire),+
                }
            }
        }

        impl FromStr for $name {
            type Err = KmsCryptoError;

            fn from_str(s: &str) -> Result<Self, KmsCryptoError> {
                match s {
                    $($wire => Ok($name::$variant),)+
                    _ if $name::NOT_SUPPORTED.contains(&s) => Err(KmsCryptoError::NotSupported {
                        member: $member,
                        value: s.to_owned(),
                    }),
                    _ => Err(KmsCryptoError::UnknownName {
                        member: $member,
                        value: s.chars().take(64).collect(),
                    }),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_enum! {
    /// A KMS key's type of key material (`KeySpec`).
    KeySpec, member = "KeySpec",
    not_supported = ["SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87", "ECC_NIST_EDWARDS25519",
                     "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"],
    {
        Rsa2048 = "RSA_2048",
        Rsa3072 = "RSA_3072",
        Rsa4096 = "RSA_4096",
        EccNistP256 = "ECC_NIST_P256",
        EccNistP384 = "ECC_NIST_P384",
        EccNistP521 = "ECC_NIST_P521",
        EccSecgP256k1 = "ECC_SECG_P256K1",
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        Hmac224 = "HMAC_224",
        Hmac256 = "HMAC_256",
        Hmac384 = "HMAC_384",
        Hmac512 = "HMAC_512",
    }
}

wire_enum! {
    /// What a KMS key may be used for (`KeyUsageType`).
    KeyUsage, member = "KeyUsage",
    not_supported = ["KEY_AGREEMENT", "ENCAPSULATE_DECAPSULATE"],
    {
        SignVerify = "SIGN_VERIFY",
        EncryptDecrypt = "ENCRYPT_DECRYPT",
        GenerateVerifyMac = "GENERATE_VERIFY_MAC",
    }
}

wire_enum! {
    /// `SigningAlgorithmSpec`.
    SigningAlgorithmSpec, member = "SigningAlgorithm",
    not_supported = ["SM2DSA", "ML_DSA_SHAKE_256", "ED25519_SHA_512", "ED25519_PH_SHA_512"],
    {
        RsassaPssSha256 = "RSASSA_PSS_SHA_256",
        RsassaPssSha384 = "RSASSA_PSS_SHA_384",
        RsassaPssSha512 = "RSASSA_PSS_SHA_512",
        RsassaPkcs1V15Sha256 = "RSASSA_PKCS1_V1_5_SHA_256",
        RsassaPkcs1V15Sha384 = "RSASSA_PKCS1_V1_5_SHA_384",
        RsassaPkcs1V15Sha512 = "RSASSA_PKCS1_V1_5_SHA_512",
        EcdsaSha256 = "ECDSA_SHA_256",
        EcdsaSha384 = "ECDSA_SHA_384",
        EcdsaSha512 = "ECDSA_SHA_512",
    }
}

wire_enum! {
    /// `EncryptionAlgorithmSpec`.
    EncryptionAlgorithmSpec, member = "EncryptionAlgorithm",
    not_supported = ["SM2PKE"],
    {
        SymmetricDefault = "SYMMETRIC_DEFAULT",
        RsaesOaepSha1 = "RSAES_OAEP_SHA_1",
        RsaesOaepSha256 = "RSAES_OAEP_SHA_256",
    }
}

wire_enum! {
    /// `MacAlgorithmSpec`.
    MacAlgorithmSpec, member = "MacAlgorithm",
    not_supported = [],
    {
        HmacSha224 = "HMAC_SHA_224",
        HmacSha256 = "HMAC_SHA_256",
        HmacSha384 = "HMAC_SHA_384",
        HmacSha512 = "HMAC_SHA_512",
    }
}

wire_enum! {
    /// `DataKeyPairSpec` (GenerateDataKeyPair's `KeyPairSpec`).
    DataKeyPairSpec, member = "KeyPairSpec",
    not_supported = ["SM2", "ECC_NIST_EDWARDS25519", "ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"],
    {
        Rsa2048 = "RSA_2048",
        Rsa3072 = "RSA_3072",
        Rsa4096 = "RSA_4096",
        EccNistP256 = "ECC_NIST_P256",
        EccNistP384 = "ECC_NIST_P384",
        EccNistP521 = "ECC_NIST_P521",
        EccSecgP256k1 = "ECC_SECG_P256K1",
    }
}

wire_enum! {
    /// Sign/Verify `MessageType`: whether `Message` is hashed by the algorithm (RAW)
    /// or already is the hash (DIGEST).
    MessageType, member = "MessageType",
    not_supported = ["EXTERNAL_MU"],
    {
        Raw = "RAW",
        Digest = "DIGEST",
    }
}

/// Largest RAW message Sign, Verify, GenerateMac and VerifyMac take (model: `PlaintextType`,
/// 1..=4096 bytes).
pub const MAX_MESSAGE_LEN: usize = 4096;

/// The hash of an algorithm, with its output length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashAlgorithm {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

impl HashAlgorithm {
    /// Output length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            HashAlgorithm::Sha1 => 20,
            HashAlgorithm::Sha224 => 28,
            HashAlgorithm::Sha256 => 32,
            HashAlgorithm::Sha384 => 48,
            HashAlgorithm::Sha512 => 64,
        }
    }
}

const RSA_SIGNING: &[SigningAlgorithmSpec] = {
    use SigningAlgorithmSpec::*;
    // DescribeKey's order for an RSA SIGN_VERIFY key (AWS CLI describe-key example).
    &[
        RsassaPkcs1V15Sha256,
        RsassaPkcs1V15Sha384,
        RsassaPkcs1V15Sha512,
        RsassaPssSha256,
        RsassaPssSha384,
        RsassaPssSha512,
    ]
};
// GetPublicKey example for an RSA ENCRYPT_DECRYPT key.
const RSA_ENCRYPTION: &[EncryptionAlgorithmSpec] = &[
    EncryptionAlgorithmSpec::RsaesOaepSha1,
    EncryptionAlgorithmSpec::RsaesOaepSha256,
];
const SYMMETRIC_ENCRYPTION: &[EncryptionAlgorithmSpec] =
    &[EncryptionAlgorithmSpec::SymmetricDefault];

impl KeySpec {
    /// The key usages KMS lets CreateKey pair with this key spec (KEY_AGREEMENT, which
    /// KMS also allows for NIST curves, is not offered here).
    pub const fn allowed_key_usages(self) -> &'static [KeyUsage] {
        use KeySpec::*;
        match self {
            Rsa2048 | Rsa3072 | Rsa4096 => &[KeyUsage::EncryptDecrypt, KeyUsage::SignVerify],
            EccNistP256 | EccNistP384 | EccNistP521 | EccSecgP256k1 => &[KeyUsage::SignVerify],
            SymmetricDefault => &[KeyUsage::EncryptDecrypt],
            Hmac224 | Hmac256 | Hmac384 | Hmac512 => &[KeyUsage::GenerateVerifyMac],
        }
    }

    /// Refuses a usage this key spec does not allow (CreateKey).
    pub fn check_key_usage(self, key_usage: KeyUsage) -> Result<(), KmsCryptoError> {
        if self.allowed_key_usages().contains(&key_usage) {
            Ok(())
        } else {
            Err(KmsCryptoError::InvalidKeyUsage {
                key_spec: self,
                key_usage,
            })
        }
    }

    pub const fn is_rsa(self) -> bool {
        matches!(self, KeySpec::Rsa2048 | KeySpec::Rsa3072 | KeySpec::Rsa4096)
    }

    pub const fn is_ecc(self) -> bool {
        matches!(
            self,
            KeySpec::EccNistP256
                | KeySpec::EccNistP384
                | KeySpec::EccNistP521
                | KeySpec::EccSecgP256k1
        )
    }

    /// RSA or ECC: has a public key (GetPublicKey).
    pub const fn is_asymmetric(self) -> bool {
        self.is_rsa() || self.is_ecc()
    }

    pub const fn is_hmac(self) -> bool {
        matches!(
            self,
            KeySpec::Hmac224 | KeySpec::Hmac256 | KeySpec::Hmac384 | KeySpec::Hmac512
        )
    }

    /// RSA modulus size in bits.
    pub const fn rsa_bits(self) -> Option<usize> {
        match self {
            KeySpec::Rsa2048 => Some(2048),
            KeySpec::Rsa3072 => Some(3072),
            KeySpec::Rsa4096 => Some(4096),
            _ => None,
        }
    }

    /// HMAC key material length in bytes: the spec's number of bits / 8 ("The length of
    /// the key determines the MAC algorithm", KMS Developer Guide, HMAC key specs).
    pub const fn hmac_key_len(self) -> Option<usize> {
        match self {
            KeySpec::Hmac224 => Some(28),
            KeySpec::Hmac256 => Some(32),
            KeySpec::Hmac384 => Some(48),
            KeySpec::Hmac512 => Some(64),
            _ => None,
        }
    }

    /// Signing algorithms the key spec supports, in DescribeKey's order (empty for
    /// non-signing specs). ECDSA pairs one hash with each curve.
    pub const fn signing_algorithms(self) -> &'static [SigningAlgorithmSpec] {
        use KeySpec::*;
        match self {
            Rsa2048 | Rsa3072 | Rsa4096 => RSA_SIGNING,
            EccNistP256 | EccSecgP256k1 => &[SigningAlgorithmSpec::EcdsaSha256],
            EccNistP384 => &[SigningAlgorithmSpec::EcdsaSha384],
            EccNistP521 => &[SigningAlgorithmSpec::EcdsaSha512],
            _ => &[],
        }
    }

    /// Encryption algorithms the key spec supports, in DescribeKey's order.
    pub const fn encryption_algorithms(self) -> &'static [EncryptionAlgorithmSpec] {
        use KeySpec::*;
        match self {
            Rsa2048 | Rsa3072 | Rsa4096 => RSA_ENCRYPTION,
            SymmetricDefault => SYMMETRIC_ENCRYPTION,
            _ => &[],
        }
    }

    /// MAC algorithms the key spec supports: exactly one per HMAC spec.
    pub const fn mac_algorithms(self) -> &'static [MacAlgorithmSpec] {
        use KeySpec::*;
        match self {
            Hmac224 => &[MacAlgorithmSpec::HmacSha224],
            Hmac256 => &[MacAlgorithmSpec::HmacSha256],
            Hmac384 => &[MacAlgorithmSpec::HmacSha384],
            Hmac512 => &[MacAlgorithmSpec::HmacSha512],
            _ => &[],
        }
    }
}

/// The algorithm lists DescribeKey and GetPublicKey show for a key: only the list of
/// the key's usage is non-empty (an RSA SIGN_VERIFY key has no EncryptionAlgorithms).
/// The service omits an empty list from the response, as KMS does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAlgorithms {
    pub encryption: &'static [EncryptionAlgorithmSpec],
    pub signing: &'static [SigningAlgorithmSpec],
    pub mac: &'static [MacAlgorithmSpec],
}

impl KeyAlgorithms {
    /// The lists for a key of `key_spec` with `key_usage`; refuses a pair KMS does not allow.
    pub fn of(key_spec: KeySpec, key_usage: KeyUsage) -> Result<KeyAlgorithms, KmsCryptoError> {
        key_spec.check_key_usage(key_usage)?;
        let mut lists = KeyAlgorithms {
            encryption: &[],
            signing: &[],
            mac: &[],
        };
        match key_usage {
            KeyUsage::EncryptDecrypt => lists.encryption = key_spec.encryption_algorithms(),
            KeyUsage::SignVerify => lists.signing = key_spec.signing_algorithms(),
            KeyUsage::GenerateVerifyMac => lists.mac = key_spec.mac_algorithms(),
        }
        Ok(lists)
    }
}

/// Checks a key used by an operation that needs `required` usage: `InvalidKeyUsage`
/// when the key has another usage.
pub fn require_key_usage(
    key_spec: KeySpec,
    key_usage: KeyUsage,
    required: KeyUsage,
) -> Result<(), KmsCryptoError> {
    if key_usage == required && key_spec.allowed_key_usages().contains(&key_usage) {
        Ok(())
    } else {
        Err(KmsCryptoError::InvalidKeyUsage {
            key_spec,
            key_usage,
        })
    }
}

impl SigningAlgorithmSpec {
    pub const fn hash(self) -> HashAlgorithm {
        use SigningAlgorithmSpec::*;
        match self {
            RsassaPssSha256 | RsassaPkcs1V15Sha256 | EcdsaSha256 => HashAlgorithm::Sha256,
            RsassaPssSha384 | RsassaPkcs1V15Sha384 | EcdsaSha384 => HashAlgorithm::Sha384,
            RsassaPssSha512 | RsassaPkcs1V15Sha512 | EcdsaSha512 => HashAlgorithm::Sha512,
        }
    }

    /// The DIGEST message length this algorithm takes.
    pub const fn digest_len(self) -> usize {
        self.hash().output_len()
    }

    pub const fn is_ecdsa(self) -> bool {
        matches!(
            self,
            SigningAlgorithmSpec::EcdsaSha256
                | SigningAlgorithmSpec::EcdsaSha384
                | SigningAlgorithmSpec::EcdsaSha512
        )
    }

    /// Refuses an algorithm the key spec does not support (Sign, Verify).
    pub fn check_for(self, key_spec: KeySpec) -> Result<(), KmsCryptoError> {
        if key_spec.signing_algorithms().contains(&self) {
            Ok(())
        } else {
            Err(KmsCryptoError::UnsupportedAlgorithmForKey {
                key_spec,
                algorithm: self.as_str(),
            })
        }
    }

    /// Checks the message's length for its type: RAW 1..=4096 bytes, DIGEST exactly
    /// the hash's length ("the length of the Message value must match the length of
    /// hashing algorithm that is specified in the signing algorithm", Sign API reference).
    pub fn check_message(
        self,
        message_type: MessageType,
        message: &[u8],
    ) -> Result<(), KmsCryptoError> {
        match message_type {
            MessageType::Raw => check_message_len(message),
            MessageType::Digest if message.len() == self.digest_len() => Ok(()),
            MessageType::Digest => Err(KmsCryptoError::BadDigestLength {
                algorithm: self.as_str(),
                expected: self.digest_len(),
                len: message.len(),
            }),
        }
    }
}

/// RAW message bounds of Sign, Verify, GenerateMac and VerifyMac.
pub fn check_message_len(message: &[u8]) -> Result<(), KmsCryptoError> {
    if message.is_empty() || message.len() > MAX_MESSAGE_LEN {
        Err(KmsCryptoError::MessageLength {
            len: message.len(),
            max: MAX_MESSAGE_LEN,
        })
    } else {
        Ok(())
    }
}

impl EncryptionAlgorithmSpec {
    /// The OAEP hash (also MGF1's); `None` for SYMMETRIC_DEFAULT.
    pub const fn oaep_hash(self) -> Option<HashAlgorithm> {
        match self {
            EncryptionAlgorithmSpec::SymmetricDefault => None,
            EncryptionAlgorithmSpec::RsaesOaepSha1 => Some(HashAlgorithm::Sha1),
            EncryptionAlgorithmSpec::RsaesOaepSha256 => Some(HashAlgorithm::Sha256),
        }
    }

    /// Refuses an algorithm the key spec does not support (Encrypt, Decrypt).
    pub fn check_for(self, key_spec: KeySpec) -> Result<(), KmsCryptoError> {
        if key_spec.encryption_algorithms().contains(&self) {
            Ok(())
        } else {
            Err(KmsCryptoError::UnsupportedAlgorithmForKey {
                key_spec,
                algorithm: self.as_str(),
            })
        }
    }

    /// Largest plaintext Encrypt takes with this algorithm and an RSA key spec:
    /// key bytes − 2·hash bytes − 2 (KMS Developer Guide, "Maximum plaintext size in an
    /// Encrypt operation": 2048 → 214/190, 3072 → 342/318, 4096 → 470/446).
    /// `None` when the pair is not RSA OAEP.
    pub const fn max_plaintext_len(self, key_spec: KeySpec) -> Option<usize> {
        match (key_spec.rsa_bits(), self.oaep_hash()) {
            (Some(bits), Some(hash)) => Some(bits / 8 - 2 * hash.output_len() - 2),
            _ => None,
        }
    }
}

impl MacAlgorithmSpec {
    pub const fn hash(self) -> HashAlgorithm {
        match self {
            MacAlgorithmSpec::HmacSha224 => HashAlgorithm::Sha224,
            MacAlgorithmSpec::HmacSha256 => HashAlgorithm::Sha256,
            MacAlgorithmSpec::HmacSha384 => HashAlgorithm::Sha384,
            MacAlgorithmSpec::HmacSha512 => HashAlgorithm::Sha512,
        }
    }

    /// Length of the MAC GenerateMac returns.
    pub const fn mac_len(self) -> usize {
        self.hash().output_len()
    }

    /// Refuses an algorithm the key spec does not support (GenerateMac, VerifyMac).
    pub fn check_for(self, key_spec: KeySpec) -> Result<(), KmsCryptoError> {
        if key_spec.mac_algorithms().contains(&self) {
            Ok(())
        } else {
            Err(KmsCryptoError::UnsupportedAlgorithmForKey {
                key_spec,
                algorithm: self.as_str(),
            })
        }
    }
}

impl DataKeyPairSpec {
    /// The KMS key spec with the same key pair type.
    pub const fn key_spec(self) -> KeySpec {
        match self {
            DataKeyPairSpec::Rsa2048 => KeySpec::Rsa2048,
            DataKeyPairSpec::Rsa3072 => KeySpec::Rsa3072,
            DataKeyPairSpec::Rsa4096 => KeySpec::Rsa4096,
            DataKeyPairSpec::EccNistP256 => KeySpec::EccNistP256,
            DataKeyPairSpec::EccNistP384 => KeySpec::EccNistP384,
            DataKeyPairSpec::EccNistP521 => KeySpec::EccNistP521,
            DataKeyPairSpec::EccSecgP256k1 => KeySpec::EccSecgP256k1,
        }
    }
}
