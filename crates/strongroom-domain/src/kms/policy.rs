//! The key policies AWS gives keys it creates.

/// The name of a key's one policy (GetKeyPolicy, PutKeyPolicy, ListKeyPolicies).
pub const KEY_POLICY_NAME: &str = "default";

/// The default key policy of a key created through the API without one:
/// the account (its root) may do everything with the key, which delegates
/// to the account's IAM policies.
pub fn default_key_policy(account: &str) -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {{
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "arn:aws:iam::{account}:root"
    }},
    "Action" : "kms:*",
    "Resource" : "*"
  }} ]
}}"#
    )
}

/// The policy of the AWS managed key `aws/secretsmanager`: principals of
/// the account may use it only through Secrets Manager (`kms:ViaService`),
/// and the account may read its metadata directly. AWS's own text gives its
/// first two statements the same Sid, which IAM's grammar (and so the
/// policy parser here) refuses: the second one's Sid says what it is for.
pub fn secretsmanager_key_policy(account: &str, region: &str) -> String {
    format!(
        r#"{{
  "Version" : "2012-10-17",
  "Id" : "auto-secretsmanager-2",
  "Statement" : [ {{
    "Sid" : "Allow access through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "*"
    }},
    "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:CreateGrant", "kms:DescribeKey" ],
    "Resource" : "*",
    "Condition" : {{
      "StringEquals" : {{
        "kms:CallerAccount" : "{account}",
        "kms:ViaService" : "secretsmanager.{region}.amazonaws.com"
      }}
    }}
  }}, {{
    "Sid" : "Allow data keys through AWS Secrets Manager for all principals in the account that are authorized to use AWS Secrets Manager",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "*"
    }},
    "Action" : "kms:GenerateDataKey*",
    "Resource" : "*",
    "Condition" : {{
      "StringEquals" : {{
        "kms:CallerAccount" : "{account}"
      }},
      "StringLike" : {{
        "kms:ViaService" : "secretsmanager.{region}.amazonaws.com"
      }}
    }}
  }}, {{
    "Sid" : "Allow direct access to key metadata to the account",
    "Effect" : "Allow",
    "Principal" : {{
      "AWS" : "arn:aws:iam::{account}:root"
    }},
    "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
    "Resource" : "*"
  }} ]
}}"#
    )
}
