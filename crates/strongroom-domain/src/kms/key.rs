//! A KMS key's metadata and its state machine: which operations each key
//! state allows, with KMS's errors.

use super::KmsError;
use super::ids::key_arn;
use crate::Timestamp;
use strongroom_crypto::kms::{KeyAlgorithms, KeySpec, KeyUsage};

model_enum!(KeyState {
    Creating = "Creating",
    Enabled = "Enabled",
    Disabled = "Disabled",
    PendingDeletion = "PendingDeletion",
    PendingImport = "PendingImport",
    PendingReplicaDeletion = "PendingReplicaDeletion",
    Unavailable = "Unavailable",
    Updating = "Updating",
});

model_enum!(Origin {
    AwsKms = "AWS_KMS",
    External = "EXTERNAL",
    AwsCloudHsm = "AWS_CLOUDHSM",
    ExternalKeyStore = "EXTERNAL_KEY_STORE",
});

model_enum!(KeyManager {
    Aws = "AWS",
    Customer = "CUSTOMER",
});

model_enum!(
    /// GenerateDataKey's KeySpec.
    DataKeySpec {
        Aes256 = "AES_256",
        Aes128 = "AES_128",
    }
);

impl DataKeySpec {
    pub fn bytes(self) -> usize {
        match self {
            DataKeySpec::Aes256 => 32,
            DataKeySpec::Aes128 => 16,
        }
    }
}

/// ScheduleKeyDeletion's waiting period: KMS's range and default, in days.
pub const MIN_PENDING_WINDOW_DAYS: i64 = 7;
pub const MAX_PENDING_WINDOW_DAYS: i64 = 30;
pub const DEFAULT_PENDING_WINDOW_DAYS: i64 = 30;

/// The description AWS gives the `aws/secretsmanager` key.
pub const SECRETSMANAGER_KEY_DESCRIPTION: &str =
    "Default key that protects my Secrets Manager data when no other key is defined";

/// What an operation does to a key, for the key-state table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOperation {
    /// DescribeKey, GetKeyPolicy, ListKeyPolicies, ListResourceTags,
    /// PutKeyPolicy, DeleteAlias: allowed in every state.
    Inspect,
    /// EnableKey, DisableKey, ScheduleKeyDeletion, UpdateKeyDescription,
    /// TagResource, UntagResource, CreateAlias, UpdateAlias: not while the
    /// key is pending deletion.
    Manage,
    /// Encrypt, Decrypt, ReEncrypt, GenerateDataKey*: only an enabled key.
    Crypto,
}

/// A KMS key's metadata (its material is elsewhere, sealed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsKey {
    pub id: String,
    pub arn: String,
    pub account: String,
    pub region: String,
    pub description: String,
    pub usage: KeyUsage,
    pub spec: KeySpec,
    pub state: KeyState,
    pub manager: KeyManager,
    pub origin: Origin,
    pub created: Timestamp,
    /// Set exactly while the key is pending deletion.
    pub deletion_date: Option<Timestamp>,
    /// The waiting period ScheduleKeyDeletion was given (while pending).
    pub pending_window_days: Option<i64>,
    /// The key policy (its one policy, named `default`).
    pub policy: String,
}

impl KmsKey {
    /// A new symmetric customer managed key, enabled.
    pub fn new_customer(
        id: String,
        account: &str,
        region: &str,
        description: String,
        policy: String,
        created: Timestamp,
    ) -> KmsKey {
        KmsKey {
            arn: key_arn(region, account, &id),
            id,
            account: account.to_owned(),
            region: region.to_owned(),
            description,
            usage: KeyUsage::EncryptDecrypt,
            spec: KeySpec::SymmetricDefault,
            state: KeyState::Enabled,
            manager: KeyManager::Customer,
            origin: Origin::AwsKms,
            created,
            deletion_date: None,
            pending_window_days: None,
            policy,
        }
    }

    /// The `aws/secretsmanager` key of an account and region.
    pub fn new_secretsmanager(id: String, account: &str, region: &str, created: Timestamp) -> Self {
        KmsKey {
            manager: KeyManager::Aws,
            ..KmsKey::new_customer(
                id,
                account,
                region,
                SECRETSMANAGER_KEY_DESCRIPTION.to_owned(),
                super::policy::secretsmanager_key_policy(account, region),
                created,
            )
        }
    }

    pub fn enabled(&self) -> bool {
        self.state == KeyState::Enabled
    }

    /// Does the key's state allow `op`? KMS's answers: DisabledException
    /// for crypto on a disabled key, KMSInvalidStateException otherwise.
    pub fn check(&self, op: KeyOperation) -> Result<(), KmsError> {
        match (op, self.state) {
            (KeyOperation::Inspect, _) => Ok(()),
            (_, KeyState::PendingDeletion) => Err(KmsError::PendingDeletion(self.arn.clone())),
            (KeyOperation::Manage, _) => Ok(()),
            (KeyOperation::Crypto, KeyState::Enabled) => Ok(()),
            (KeyOperation::Crypto, KeyState::Disabled) => Err(KmsError::Disabled(self.arn.clone())),
            (KeyOperation::Crypto, _) => Err(KmsError::PendingDeletion(self.arn.clone())),
        }
    }

    /// Crypto on a key of the wrong usage: InvalidKeyUsageException.
    pub fn check_usage(&self, usage: KeyUsage, operation: &'static str) -> Result<(), KmsError> {
        if self.usage == usage {
            Ok(())
        } else {
            Err(KmsError::InvalidKeyUsage {
                arn: self.arn.clone(),
                usage: self.usage.as_str(),
                operation,
            })
        }
    }

    /// EnableKey.
    pub fn enable(&mut self) -> Result<(), KmsError> {
        self.check(KeyOperation::Manage)?;
        self.state = KeyState::Enabled;
        Ok(())
    }

    /// DisableKey.
    pub fn disable(&mut self) -> Result<(), KmsError> {
        self.check(KeyOperation::Manage)?;
        self.state = KeyState::Disabled;
        Ok(())
    }

    /// ScheduleKeyDeletion: `days` already checked by [`pending_window`].
    pub fn schedule_deletion(&mut self, now: Timestamp, days: i64) -> Result<(), KmsError> {
        self.check(KeyOperation::Manage)?;
        self.state = KeyState::PendingDeletion;
        self.deletion_date = Some(now.plus_days(days));
        self.pending_window_days = Some(days);
        Ok(())
    }

    /// CancelKeyDeletion: the key comes back disabled, as in AWS.
    pub fn cancel_deletion(&mut self) -> Result<(), KmsError> {
        if self.state != KeyState::PendingDeletion {
            return Err(KmsError::NotPendingDeletion(self.arn.clone()));
        }
        self.state = KeyState::Disabled;
        self.deletion_date = None;
        self.pending_window_days = None;
        Ok(())
    }

    /// The algorithm lists DescribeKey and GetPublicKey show (only the list of the
    /// key's usage is non-empty).
    pub fn algorithms(&self) -> KeyAlgorithms {
        KeyAlgorithms::of(self.spec, self.usage).unwrap_or(KeyAlgorithms {
            encryption: &[],
            signing: &[],
            mac: &[],
        })
    }
}

/// ScheduleKeyDeletion's PendingWindowInDays: 7–30, 30 if absent.
pub fn pending_window(days: Option<i64>) -> Result<i64, KmsError> {
    KmsError::check_range(
        "pendingWindowInDays",
        days.unwrap_or(DEFAULT_PENDING_WINDOW_DAYS),
        MIN_PENDING_WINDOW_DAYS,
        MAX_PENDING_WINDOW_DAYS,
    )
}

/// What CreateKey may create here: keys of origin AWS_KMS, of every key spec and
/// usage pair KMS allows (`KeySpec::allowed_key_usages`). Without a KeyUsage a key is
/// ENCRYPT_DECRYPT, as in KMS, which only symmetric and RSA key specs allow.
/// Returns the key's usage.
pub fn check_creatable(
    spec: KeySpec,
    usage: Option<KeyUsage>,
    origin: Origin,
) -> Result<KeyUsage, KmsError> {
    if origin != Origin::AwsKms {
        return Err(KmsError::Unsupported(format!(
            "Origin {} is not supported by this server; only AWS_KMS.",
            origin.as_str()
        )));
    }
    let usage = usage.unwrap_or(KeyUsage::EncryptDecrypt);
    spec.check_key_usage(usage).map_err(|_| {
        KmsError::Validation(format!(
            "KeyUsage {} is not compatible with KeySpec {}",
            usage.as_str(),
            spec.as_str()
        ))
    })?;
    Ok(usage)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> KmsKey {
        KmsKey::new_customer(
            "1234abcd-12ab-34cd-56ef-1234567890ab".into(),
            "111122223333",
            "us-east-1",
            String::new(),
            "{}".into(),
            Timestamp(0),
        )
    }

    #[test]
    fn states_allow_what_kms_allows() {
        let mut k = key();
        assert_eq!(k.check(KeyOperation::Crypto), Ok(()));
        k.disable().unwrap();
        assert_eq!(
            k.check(KeyOperation::Crypto),
            Err(KmsError::Disabled(k.arn.clone()))
        );
        assert_eq!(k.check(KeyOperation::Manage), Ok(()));
        k.schedule_deletion(Timestamp(0), 7).unwrap();
        assert_eq!(k.deletion_date, Some(Timestamp(0).plus_days(7)));
        for op in [KeyOperation::Crypto, KeyOperation::Manage] {
            assert_eq!(k.check(op), Err(KmsError::PendingDeletion(k.arn.clone())));
        }
        assert_eq!(k.check(KeyOperation::Inspect), Ok(()));
        assert!(k.enable().is_err());
        assert!(k.schedule_deletion(Timestamp(0), 7).is_err());
        k.cancel_deletion().unwrap();
        assert_eq!(k.state, KeyState::Disabled);
        assert_eq!(k.deletion_date, None);
        assert_eq!(
            k.cancel_deletion(),
            Err(KmsError::NotPendingDeletion(k.arn.clone()))
        );
        k.enable().unwrap();
        assert!(k.enabled());
    }

    #[test]
    fn pending_windows() {
        assert_eq!(pending_window(None), Ok(30));
        assert_eq!(pending_window(Some(7)), Ok(7));
        assert!(pending_window(Some(6)).is_err());
        assert!(pending_window(Some(31)).is_err());
    }

    #[test]
    fn every_pair_kms_allows_is_created() {
        let ok = |spec, usage| check_creatable(spec, usage, Origin::AwsKms);
        assert_eq!(
            ok(KeySpec::SymmetricDefault, None),
            Ok(KeyUsage::EncryptDecrypt)
        );
        assert_eq!(ok(KeySpec::Rsa2048, None), Ok(KeyUsage::EncryptDecrypt));
        assert_eq!(
            ok(KeySpec::Rsa4096, Some(KeyUsage::SignVerify)),
            Ok(KeyUsage::SignVerify)
        );
        assert_eq!(
            ok(KeySpec::EccSecgP256k1, Some(KeyUsage::SignVerify)),
            Ok(KeyUsage::SignVerify)
        );
        assert_eq!(
            ok(KeySpec::Hmac384, Some(KeyUsage::GenerateVerifyMac)),
            Ok(KeyUsage::GenerateVerifyMac)
        );
        for (spec, usage) in [
            (KeySpec::EccNistP256, None),
            (KeySpec::Hmac256, None),
            (KeySpec::SymmetricDefault, Some(KeyUsage::SignVerify)),
            (KeySpec::Rsa2048, Some(KeyUsage::GenerateVerifyMac)),
            (KeySpec::EccNistP384, Some(KeyUsage::EncryptDecrypt)),
        ] {
            assert!(
                matches!(ok(spec, usage), Err(KmsError::Validation(_))),
                "{spec} {usage:?}"
            );
        }
        assert!(matches!(
            check_creatable(KeySpec::SymmetricDefault, None, Origin::External),
            Err(KmsError::Unsupported(_))
        ));
    }

    #[test]
    fn algorithms_follow_the_usage() {
        let mut k = key();
        assert_eq!(k.algorithms().encryption.len(), 1);
        k.spec = KeySpec::Rsa2048;
        k.usage = KeyUsage::SignVerify;
        assert!(k.algorithms().encryption.is_empty());
        assert_eq!(k.algorithms().signing.len(), 6);
    }
}
