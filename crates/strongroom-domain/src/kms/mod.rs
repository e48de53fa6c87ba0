//! The pure rules of KMS keys: ids, ARNs, aliases, the four `KeyId` forms,
//! key states and what each allows, the key policies AWS creates, the
//! encryption context's canonical form, and KMS's errors.

/// A string enum of the kms model: every value the model lists parses,
/// whether or not Strongroom serves it.
macro_rules! model_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// Every value, in the model's order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }

            /// The values joined as AWS lists them in an enum constraint.
            pub fn allowed() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }
    };
}

mod context;
mod error;
mod grant;
mod ids;
mod key;
mod policy;
pub mod rotation;

pub use context::EncryptionContext;
pub use error::{KmsError, KmsErrorKind};
pub use grant::{GrantConstraints, GrantOperation, KmsGrant, MAX_GRANTS_PER_KEY, is_grant_id};
pub use ids::{
    ALIAS_PREFIX, KeyRef, MAX_KEY_ID_CHARS, RESERVED_ALIAS_PREFIX, alias_arn, is_key_id,
    is_reserved_alias, key_arn, new_key_id, validate_alias_name,
};
pub use key::{
    DEFAULT_PENDING_WINDOW_DAYS, DataKeySpec, KeyManager, KeyOperation, KeyState, KmsKey,
    MAX_PENDING_WINDOW_DAYS, MIN_PENDING_WINDOW_DAYS, Origin, SECRETSMANAGER_KEY_DESCRIPTION,
    check_creatable, pending_window,
};
pub use policy::{KEY_POLICY_NAME, default_key_policy, secretsmanager_key_policy};
/// The name the symmetric service code uses for `EncryptionAlgorithmSpec`.
pub use strongroom_crypto::kms::EncryptionAlgorithmSpec as EncryptionAlgorithm;
/// KMS's key specs, usages and algorithms are the crypto crate's (one definition, with
/// KMS's rules between them).
pub use strongroom_crypto::kms::{
    DataKeyPairSpec, EncryptionAlgorithmSpec, KeyAlgorithms, KeySpec, KeyUsage, KmsCryptoError,
    MacAlgorithmSpec, MessageType, SigningAlgorithmSpec,
};

/// The alias of the AWS managed key Secrets Manager uses by default.
pub const SECRETSMANAGER_ALIAS: &str = "alias/aws/secretsmanager";

/// A KMS alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsAlias {
    pub account: String,
    pub region: String,
    /// `alias/…`.
    pub name: String,
    pub target_key_id: String,
    pub created: crate::Timestamp,
    pub updated: crate::Timestamp,
}

impl KmsAlias {
    pub fn arn(&self) -> String {
        alias_arn(&self.region, &self.account, &self.name)
    }
}

/// KMS's tag rules (TagException): at most 50, keys 1–128 and values
/// 0–256 characters, no `aws:` prefix.
pub fn validate_tags(tags: &[crate::Tag]) -> Result<(), KmsError> {
    crate::tags::validate_tags(tags).map_err(|e| KmsError::Tag(e.to_string()))
}
