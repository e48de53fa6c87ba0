//! KMS key rotation's rules: which keys rotate, the period's range, the
//! on-demand limit, and when the next scheduled rotation is.

use super::{KeyManager, KeySpec, KmsError, KmsKey, Origin};
use crate::Timestamp;

/// EnableKeyRotation's RotationPeriodInDays: KMS's range and default.
pub const MIN_ROTATION_PERIOD_DAYS: i64 = 90;
pub const MAX_ROTATION_PERIOD_DAYS: i64 = 2560;
pub const DEFAULT_ROTATION_PERIOD_DAYS: i64 = 365;
/// AWS managed keys rotate every year, always.
pub const MANAGED_ROTATION_PERIOD_DAYS: i64 = 365;
/// RotateKeyOnDemand's limit per key (LimitExceededException beyond).
pub const MAX_ON_DEMAND_ROTATIONS: u32 = 10;

/// RotationPeriodInDays: 90–2560, 365 if absent (ValidationException outside).
pub fn rotation_period(days: Option<i64>) -> Result<i64, KmsError> {
    KmsError::check_range(
        "rotationPeriodInDays",
        days.unwrap_or(DEFAULT_ROTATION_PERIOD_DAYS),
        MIN_ROTATION_PERIOD_DAYS,
        MAX_ROTATION_PERIOD_DAYS,
    )
}

/// Only symmetric encryption keys of origin AWS_KMS rotate (automatic or on
/// demand).
pub fn rotates(key: &KmsKey) -> bool {
    key.spec == KeySpec::SymmetricDefault && key.origin == Origin::AwsKms
}

/// Changing or listing the rotation of a key that does not rotate (asymmetric,
/// HMAC): UnsupportedOperationException, as KMS. (GetKeyRotationStatus answers
/// such a key with rotation disabled instead.)
pub fn check_rotatable(key: &KmsKey) -> Result<(), KmsError> {
    if !rotates(key) {
        return Err(KmsError::Unsupported(format!(
            "{} key usage {} and key spec {} is not supported for this operation. Rotation is \
             supported only for symmetric encryption KMS keys with key material created by KMS.",
            key.arn,
            key.usage.as_str(),
            key.spec.as_str()
        )));
    }
    Ok(())
}

/// RotateKeyOnDemand's limit, given the on-demand rotations the key has had.
pub fn check_on_demand_limit(key: &KmsKey, done: u32) -> Result<(), KmsError> {
    if done >= MAX_ON_DEMAND_ROTATIONS {
        return Err(KmsError::LimitExceeded(format!(
            "The on-demand rotations limit ({MAX_ON_DEMAND_ROTATIONS}) has been reached for {}",
            key.arn
        )));
    }
    Ok(())
}

/// Is `key` an AWS managed key (rotated yearly by the server, changed by no caller)?
pub fn is_managed(key: &KmsKey) -> bool {
    key.manager == KeyManager::Aws
}

/// The next scheduled rotation after the one due at `due`, done at `now`: a period
/// after the due date, or after `now` if the server was down for longer than a period
/// (one catch-up rotation, not one per missed period).
pub fn next_after(due: Timestamp, now: Timestamp, period_days: i64) -> Timestamp {
    let next = due.plus_days(period_days);
    if next <= now {
        now.plus_days(period_days)
    } else {
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kms::KeyUsage;

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
    fn periods() {
        assert_eq!(rotation_period(None), Ok(365));
        assert_eq!(rotation_period(Some(90)), Ok(90));
        assert_eq!(rotation_period(Some(2560)), Ok(2560));
        assert!(matches!(
            rotation_period(Some(89)),
            Err(KmsError::Constraint { .. })
        ));
        assert!(matches!(
            rotation_period(Some(2561)),
            Err(KmsError::Constraint { .. })
        ));
    }

    #[test]
    fn only_symmetric_keys_rotate() {
        let mut k = key();
        assert!(rotates(&k));
        assert_eq!(check_rotatable(&k), Ok(()));
        k.spec = KeySpec::Hmac256;
        k.usage = KeyUsage::GenerateVerifyMac;
        assert!(!rotates(&k));
        assert!(matches!(check_rotatable(&k), Err(KmsError::Unsupported(_))));
        k.spec = KeySpec::EccNistP256;
        k.usage = KeyUsage::SignVerify;
        assert!(!rotates(&k));
    }

    #[test]
    fn ten_on_demand_rotations() {
        assert_eq!(check_on_demand_limit(&key(), 9), Ok(()));
        assert!(matches!(
            check_on_demand_limit(&key(), 10),
            Err(KmsError::LimitExceeded(_))
        ));
    }

    #[test]
    fn a_late_rotation_schedules_from_now() {
        let day = |d| Timestamp(0).plus_days(d);
        assert_eq!(next_after(day(100), day(101), 90), day(190));
        assert_eq!(next_after(day(100), day(300), 90), day(390));
    }
}
