//! KMS grants: who may use a key for which operations, under which
//! encryption context constraints, without the key policy.

use super::{EncryptionContext, KeySpec, KeyUsage};
use crate::Timestamp;
use std::collections::BTreeMap;

/// Grants per key (KMS's documented quota, "Grants per KMS key").
pub const MAX_GRANTS_PER_KEY: usize = 50_000;

model_enum!(
    /// The model's GrantOperation values.
    #[derive(PartialOrd, Ord)]
    GrantOperation {
        Decrypt = "Decrypt",
        Encrypt = "Encrypt",
        GenerateDataKey = "GenerateDataKey",
        GenerateDataKeyWithoutPlaintext = "GenerateDataKeyWithoutPlaintext",
        ReEncryptFrom = "ReEncryptFrom",
        ReEncryptTo = "ReEncryptTo",
        Sign = "Sign",
        Verify = "Verify",
        GetPublicKey = "GetPublicKey",
        CreateGrant = "CreateGrant",
        RetireGrant = "RetireGrant",
        DescribeKey = "DescribeKey",
        GenerateDataKeyPair = "GenerateDataKeyPair",
        GenerateDataKeyPairWithoutPlaintext = "GenerateDataKeyPairWithoutPlaintext",
        GenerateMac = "GenerateMac",
        VerifyMac = "VerifyMac",
        DeriveSharedSecret = "DeriveSharedSecret",
    }
);

impl GrantOperation {
    /// The operation a `kms:<Action>` authorizes through a grant
    /// (kms:ReEncryptFrom/To are the ReEncrypt halves).
    pub fn for_action(action: &str) -> Option<GrantOperation> {
        GrantOperation::parse(action.strip_prefix("kms:")?)
    }

    /// Whether KMS lets a grant on a key of this spec and usage carry the
    /// operation (CreateGrant refuses the others).
    pub fn supported_by(self, spec: KeySpec, usage: KeyUsage) -> bool {
        use GrantOperation::*;
        if matches!(self, CreateGrant | RetireGrant | DescribeKey) {
            return true;
        }
        match usage {
            KeyUsage::EncryptDecrypt if spec == KeySpec::SymmetricDefault => matches!(
                self,
                Decrypt
                    | Encrypt
                    | GenerateDataKey
                    | GenerateDataKeyWithoutPlaintext
                    | ReEncryptFrom
                    | ReEncryptTo
                    | GenerateDataKeyPair
                    | GenerateDataKeyPairWithoutPlaintext
            ),
            KeyUsage::EncryptDecrypt => {
                matches!(
                    self,
                    Decrypt | Encrypt | ReEncryptFrom | ReEncryptTo | GetPublicKey
                )
            }
            KeyUsage::SignVerify => matches!(self, Sign | Verify | GetPublicKey),
            KeyUsage::GenerateVerifyMac => matches!(self, GenerateMac | VerifyMac),
        }
    }

    /// Whether the operation takes an encryption context (grant constraints
    /// apply to these only).
    pub fn takes_context(self) -> bool {
        use GrantOperation::*;
        matches!(
            self,
            Decrypt
                | Encrypt
                | GenerateDataKey
                | GenerateDataKeyWithoutPlaintext
                | ReEncryptFrom
                | ReEncryptTo
                | GenerateDataKeyPair
                | GenerateDataKeyPairWithoutPlaintext
        )
    }
}

/// GrantConstraints: the encryption context a request must carry.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantConstraints {
    /// Every pair must be in the request's context (which may have more).
    pub subset: Option<BTreeMap<String, String>>,
    /// The request's context must be exactly this.
    pub equals: Option<BTreeMap<String, String>>,
}

impl GrantConstraints {
    pub fn is_empty(&self) -> bool {
        self.subset.is_none() && self.equals.is_none()
    }

    /// Whether a request with `context` satisfies the constraints.
    pub fn allow(&self, context: &EncryptionContext) -> bool {
        if let Some(eq) = &self.equals
            && eq != &context.0
        {
            return false;
        }
        if let Some(sub) = &self.subset
            && !sub.iter().all(|(k, v)| context.0.get(k) == Some(v))
        {
            return false;
        }
        true
    }
}

/// One grant on one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsGrant {
    /// 64 hex characters.
    pub grant_id: String,
    pub key_id: String,
    pub name: Option<String>,
    pub grantee: String,
    pub retiring: Option<String>,
    pub operations: Vec<GrantOperation>,
    pub constraints: GrantConstraints,
    /// The account of the principal that created the grant.
    pub issuing_account: String,
    pub created: Timestamp,
}

impl KmsGrant {
    /// Whether this grant lets `principal_arns` (the caller's ARN, and its
    /// role's for a role session) do `operation` with `context`.
    pub fn allows(
        &self,
        principal_arns: &[&str],
        operation: GrantOperation,
        context: &EncryptionContext,
    ) -> bool {
        principal_arns.contains(&self.grantee.as_str())
            && self.operations.contains(&operation)
            && (!operation.takes_context() || self.constraints.allow(context))
    }

    /// Same grant for CreateGrant's Name idempotence: everything but id and time.
    pub fn same_as(&self, other: &KmsGrant) -> bool {
        let mut a = self.operations.clone();
        let mut b = other.operations.clone();
        a.sort();
        a.dedup();
        b.sort();
        b.dedup();
        self.key_id == other.key_id
            && self.name == other.name
            && self.grantee == other.grantee
            && self.retiring == other.retiring
            && a == b
            && self.constraints == other.constraints
    }
}

/// A GrantId: 64 lowercase hex characters as this server issues them.
pub fn is_grant_id(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(pairs: &[(&str, &str)]) -> EncryptionContext {
        EncryptionContext(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn subset_and_equals_constraints() {
        let c = GrantConstraints {
            subset: Some(ctx(&[("a", "1")]).0),
            equals: None,
        };
        assert!(c.allow(&ctx(&[("a", "1"), ("b", "2")])));
        assert!(!c.allow(&ctx(&[("a", "2")])));
        assert!(!c.allow(&ctx(&[])));
        let c = GrantConstraints {
            subset: None,
            equals: Some(ctx(&[("a", "1")]).0),
        };
        assert!(c.allow(&ctx(&[("a", "1")])));
        assert!(!c.allow(&ctx(&[("a", "1"), ("b", "2")])));
    }

    #[test]
    fn operations_round_trip_and_fit_key_types() {
        for &o in GrantOperation::ALL {
            assert_eq!(GrantOperation::parse(o.as_str()), Some(o));
        }
        assert!(
            !GrantOperation::Sign.supported_by(KeySpec::SymmetricDefault, KeyUsage::EncryptDecrypt)
        );
        assert!(
            GrantOperation::Decrypt
                .supported_by(KeySpec::SymmetricDefault, KeyUsage::EncryptDecrypt)
        );
        assert_eq!(
            GrantOperation::for_action("kms:Decrypt"),
            Some(GrantOperation::Decrypt)
        );
    }
}
