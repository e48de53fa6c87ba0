//! KMS's errors: each a code of the kms model and AWS's message.

/// The AWS error code family of a [`KmsError`]; the wire layer turns it into
/// `__type` (the variants are the model's exception shapes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KmsErrorKind {
    NotFound,
    InvalidArn,
    AlreadyExists,
    InvalidAliasName,
    Disabled,
    InvalidState,
    InvalidCiphertext,
    IncorrectKey,
    InvalidKeyUsage,
    MalformedPolicyDocument,
    UnsupportedOperation,
    InvalidMarker,
    Tag,
    LimitExceeded,
    Validation,
    DryRunOperation,
    InvalidSignature,
    InvalidMac,
    InvalidGrantId,
    InvalidGrantToken,
}

/// Every way a KMS request can break a rule. `Display` is the message the
/// client sees; no variant carries plaintext or key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KmsError {
    /// A key id, ARN or alias that names no key (AWS's wording per form).
    #[error("Key '{0}' does not exist")]
    KeyNotFound(String),
    #[error("Alias '{0}' is not found.")]
    AliasNotFound(String),
    /// GetKeyPolicy/PutKeyPolicy with a policy name other than `default`.
    #[error("No such policy exists: {0}. The only key policy name is default.")]
    PolicyNotFound(String),
    /// DryRun: the request would have succeeded.
    #[error("The request would have succeeded, but the DryRun option is set.")]
    DryRun,
    /// A KeyId that is none of the four forms.
    #[error("Invalid keyId '{0}'")]
    InvalidKeyId(String),
    /// An ARN that is not a KMS key or alias ARN.
    #[error("ARN {0} is not a valid KMS key or alias ARN")]
    InvalidArn(String),
    #[error("An alias with the name {0} already exists")]
    AliasExists(String),
    #[error("{0}")]
    InvalidAliasName(String),
    /// The key is disabled (crypto operations).
    #[error("{0} is disabled.")]
    Disabled(String),
    /// The key is pending deletion.
    #[error("{0} is pending deletion.")]
    PendingDeletion(String),
    /// CancelKeyDeletion on a key that is not pending deletion.
    #[error("{0} is not pending deletion.")]
    NotPendingDeletion(String),
    /// The ciphertext does not decrypt: tampered, truncated, another
    /// context, or not a KMS blob. (AWS sends no message.)
    #[error("The ciphertext is invalid or was not encrypted under the given encryption context.")]
    InvalidCiphertext,
    /// Decrypt/ReEncrypt named a key that is not the blob's.
    #[error(
        "The key ID in the request does not identify a KMS key that can perform this operation."
    )]
    IncorrectKey,
    /// The key's KeyUsage does not allow the operation.
    #[error("{arn} key usage is {usage} which is not valid for {operation}.")]
    InvalidKeyUsage {
        arn: String,
        usage: &'static str,
        operation: &'static str,
    },
    /// A key policy that does not parse, with the parser's reason.
    #[error("{0}")]
    MalformedPolicy(String),
    /// A KeySpec, KeyUsage, Origin or option this server does not serve (yet).
    #[error("{0}")]
    Unsupported(String),
    #[error("Invalid marker: it was not issued by this listing.")]
    InvalidMarker,
    /// A tag breaks KMS's tag rules.
    #[error("{0}")]
    Tag(String),
    #[error("{0}")]
    LimitExceeded(String),
    /// A member breaks a constraint of the model.
    #[error(
        "1 validation error detected: Value {shown}at '{member}' failed to satisfy constraint: {constraint}"
    )]
    Constraint {
        member: String,
        shown: String,
        constraint: String,
    },
    /// Another validation failure, worded as KMS words it.
    #[error("{0}")]
    Validation(String),
    /// An encryption, signing or MAC algorithm the key's spec does not support (KMS's
    /// words, e.g. Encrypt with an RSA key and no EncryptionAlgorithm).
    #[error("Algorithm {algorithm} is incompatible with key spec {key_spec}.")]
    UnsupportedAlgorithm {
        algorithm: &'static str,
        key_spec: &'static str,
    },
    /// An operation only some key specs support (GetPublicKey on a symmetric or HMAC key).
    #[error("{arn} key spec {spec} does not support {operation}.")]
    KeySpecNotSupported {
        arn: String,
        spec: &'static str,
        operation: &'static str,
    },
    /// Verify: the signature is not valid for the message, key and algorithm.
    #[error("Signature verification failed.")]
    InvalidSignature,
    /// VerifyMac: the MAC is not valid for the message, key and algorithm.
    #[error("MAC verification failed.")]
    InvalidMac,
    /// A GrantId that names no grant of the key.
    #[error("Grant ID {0} not found")]
    InvalidGrantId(String),
    /// A grant token that this server did not issue, or whose grant is gone.
    #[error("Invalid grant token")]
    InvalidGrantToken,
}

impl KmsError {
    pub fn kind(&self) -> KmsErrorKind {
        use KmsErrorKind as K;
        match self {
            KmsError::KeyNotFound(_)
            | KmsError::AliasNotFound(_)
            | KmsError::InvalidKeyId(_)
            | KmsError::PolicyNotFound(_) => K::NotFound,
            KmsError::DryRun => K::DryRunOperation,
            KmsError::InvalidArn(_) => K::InvalidArn,
            KmsError::AliasExists(_) => K::AlreadyExists,
            KmsError::InvalidAliasName(_) => K::InvalidAliasName,
            KmsError::Disabled(_) => K::Disabled,
            KmsError::PendingDeletion(_) | KmsError::NotPendingDeletion(_) => K::InvalidState,
            KmsError::InvalidCiphertext => K::InvalidCiphertext,
            KmsError::IncorrectKey => K::IncorrectKey,
            KmsError::InvalidKeyUsage { .. } => K::InvalidKeyUsage,
            KmsError::MalformedPolicy(_) => K::MalformedPolicyDocument,
            KmsError::Unsupported(_) => K::UnsupportedOperation,
            KmsError::InvalidMarker => K::InvalidMarker,
            KmsError::Tag(_) => K::Tag,
            KmsError::LimitExceeded(_) => K::LimitExceeded,
            KmsError::Constraint { .. } | KmsError::Validation(_) => K::Validation,
            KmsError::UnsupportedAlgorithm { .. } => K::InvalidKeyUsage,
            KmsError::KeySpecNotSupported { .. } => K::UnsupportedOperation,
            KmsError::InvalidSignature => K::InvalidSignature,
            KmsError::InvalidMac => K::InvalidMac,
            KmsError::InvalidGrantId(_) => K::InvalidGrantId,
            KmsError::InvalidGrantToken => K::InvalidGrantToken,
        }
    }

    /// A length, range or pattern constraint of the model, worded as AWS's
    /// validation errors are; `shown` is the value, `None` for sensitive members.
    pub fn constraint(member: &str, shown: Option<&str>, constraint: impl Into<String>) -> Self {
        KmsError::Constraint {
            member: member.to_owned(),
            shown: shown.map(|v| format!("'{v}' ")).unwrap_or_default(),
            constraint: constraint.into(),
        }
    }

    /// `value` of the integer member `member` if it is within `min..=max`,
    /// else the model's range constraint, as KMS words it.
    pub fn check_range(member: &str, value: i64, min: i64, max: i64) -> Result<i64, KmsError> {
        let bound = if value < min {
            format!("greater than or equal to {min}")
        } else if value > max {
            format!("less than or equal to {max}")
        } else {
            return Ok(value);
        };
        Err(KmsError::constraint(
            member,
            Some(&value.to_string()),
            format!("Member must have value {bound}"),
        ))
    }
}

impl KmsError {
    /// The caller's fault in a refusal of the crypto primitives, worded as KMS words it
    /// (`arn`: the key used, `operation`: the API operation); `None` for the server's
    /// faults (material that does not parse, a failing library), which are not the
    /// caller's to see.
    pub fn from_crypto(
        arn: &str,
        operation: &'static str,
        e: &strongroom_crypto::kms::KmsCryptoError,
    ) -> Option<KmsError> {
        use strongroom_crypto::kms::KmsCryptoError as C;
        Some(match e {
            C::UnknownName { value, .. } | C::NotSupported { value, .. } => {
                KmsError::Validation(format!("{value} is not supported for {operation}."))
            }
            C::InvalidKeyUsage { key_usage, .. } => KmsError::InvalidKeyUsage {
                arn: arn.to_owned(),
                usage: key_usage.as_str(),
                operation,
            },
            C::UnsupportedAlgorithmForKey {
                algorithm,
                key_spec,
            } => KmsError::UnsupportedAlgorithm {
                algorithm,
                key_spec: key_spec.as_str(),
            },
            C::WrongKeyKind { key_spec } => KmsError::KeySpecNotSupported {
                arn: arn.to_owned(),
                spec: key_spec.as_str(),
                operation,
            },
            C::MessageLength { len, max } => KmsError::constraint(
                "message",
                None,
                if *len == 0 {
                    "Member must have length greater than or equal to 1".to_owned()
                } else {
                    format!("Member must have length less than or equal to {max}")
                },
            ),
            C::BadDigestLength { algorithm, .. } => KmsError::Validation(format!(
                "Digest is invalid length for algorithm {algorithm}."
            )),
            C::PlaintextTooLong {
                key_spec,
                algorithm,
                max,
                ..
            } => KmsError::Validation(format!(
                "Plaintext too long for {algorithm} with a {key_spec} key: at most {max} bytes."
            )),
            C::InvalidSignature => KmsError::InvalidSignature,
            C::InvalidMac => KmsError::InvalidMac,
            C::InvalidCiphertext => KmsError::InvalidCiphertext,
            C::MalformedKeyMaterial { .. } | C::Internal(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use strongroom_crypto::kms::{KeySpec, KeyUsage, KmsCryptoError as C};

    const ARN: &str = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    #[test]
    fn crypto_refusals_get_kms_codes_and_messages() {
        let kind = |e: C| KmsError::from_crypto(ARN, "Sign", &e).map(|k| k.kind());
        assert_eq!(
            KmsError::from_crypto(
                ARN,
                "Sign",
                &C::InvalidKeyUsage {
                    key_spec: KeySpec::SymmetricDefault,
                    key_usage: KeyUsage::EncryptDecrypt
                }
            )
            .map(|e| e.to_string()),
            Some(format!(
                "{ARN} key usage is ENCRYPT_DECRYPT which is not valid for Sign."
            ))
        );
        let wrong_algorithm = KmsError::from_crypto(
            ARN,
            "Sign",
            &C::UnsupportedAlgorithmForKey {
                key_spec: KeySpec::EccNistP256,
                algorithm: "ECDSA_SHA_384",
            },
        )
        .expect("the caller's fault");
        assert_eq!(wrong_algorithm.kind(), KmsErrorKind::InvalidKeyUsage);
        assert_eq!(
            wrong_algorithm.to_string(),
            "Algorithm ECDSA_SHA_384 is incompatible with key spec ECC_NIST_P256."
        );
        assert_eq!(
            kind(C::InvalidSignature),
            Some(KmsErrorKind::InvalidSignature)
        );
        assert_eq!(kind(C::InvalidMac), Some(KmsErrorKind::InvalidMac));
        assert_eq!(
            kind(C::InvalidCiphertext),
            Some(KmsErrorKind::InvalidCiphertext)
        );
        assert_eq!(
            kind(C::BadDigestLength {
                algorithm: "ECDSA_SHA_256",
                expected: 32,
                len: 20
            }),
            Some(KmsErrorKind::Validation)
        );
        assert_eq!(
            kind(C::WrongKeyKind {
                key_spec: KeySpec::Hmac256
            }),
            Some(KmsErrorKind::UnsupportedOperation)
        );
        // The server's faults are not described to the caller.
        assert_eq!(kind(C::Internal("signing")), None);
        assert_eq!(
            kind(C::MalformedKeyMaterial {
                key_spec: KeySpec::Rsa2048,
                what: "private key"
            }),
            None
        );
    }
}
