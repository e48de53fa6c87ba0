//! IAM's pure rules that more than one layer needs: unique ids, ARNs, the
//! access-key status, and the AWS managed policies that exist in every
//! account. The store's schema migration and `strongroom-iam` both build ids
//! and ARNs from here, so the two can never disagree.
//!
//! Input validation with IAM's messages lives in `strongroom-iam` (its
//! errors are IAM's, not Secrets Manager's [`crate::Error`]).

use crate::Timestamp;
use rand::RngExt;

/// The partition every ARN names.
const PARTITION: &str = "aws";

/// The account field of an AWS managed policy's ARN
/// (`arn:aws:iam::aws:policy/AdministratorAccess`).
pub const AWS_MANAGED_ACCOUNT: &str = "aws";

/// The user every account is created with; V1 databases' `root` access keys
/// became this user's keys.
pub const ADMIN_USER_NAME: &str = "admin";

/// The alphabet of the random part of IAM unique ids and access key ids
/// (RFC 4648 base32: `A-Z` and `2-7`).
const ID_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
/// Random characters after the four-letter prefix.
const ID_RANDOM_CHARS: usize = 16;

/// The kinds of IAM entity with a unique id, and the prefix IAM gives each
/// kind's ids (`AIDA…` for users, and so on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdKind {
    /// A user (`AIDA`, `…:user/…`).
    User,
    /// A group (`AGPA`, `…:group/…`).
    Group,
    /// A role (`AROA`, `…:role/…`).
    Role,
    /// A managed policy (`ANPA`).
    ManagedPolicy,
    /// An access key (`AKIA`).
    AccessKey,
    /// The access key of temporary (STS) credentials (`ASIA`).
    TemporaryAccessKey,
}

impl IdKind {
    /// The four-letter prefix IAM uses for this kind.
    pub fn prefix(self) -> &'static str {
        match self {
            IdKind::User => "AIDA",
            IdKind::Group => "AGPA",
            IdKind::Role => "AROA",
            IdKind::ManagedPolicy => "ANPA",
            IdKind::AccessKey => "AKIA",
            IdKind::TemporaryAccessKey => "ASIA",
        }
    }
}

/// A fresh unique id: the kind's prefix and 16 random base32 characters
/// (80 bits), e.g. `AIDAJQABLZS4A3QDU576`.
pub fn new_unique_id(kind: IdKind) -> String {
    let mut rng = rand::rng();
    let mut id = String::with_capacity(4 + ID_RANDOM_CHARS);
    id.push_str(kind.prefix());
    for _ in 0..ID_RANDOM_CHARS {
        id.push(ID_ALPHABET[rng.random_range(0..ID_ALPHABET.len())] as char);
    }
    id
}

/// The entities that have an ARN of the form `arn:aws:iam::ACCOUNT:KIND{path}{name}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArnKind {
    /// A user (`AIDA`, `…:user/…`).
    User,
    /// A group (`AGPA`, `…:group/…`).
    Group,
    /// A role (`AROA`, `…:role/…`).
    Role,
    /// A managed policy (`…:policy/…`).
    Policy,
}

impl ArnKind {
    /// The resource-type word in the ARN.
    pub fn resource_type(self) -> &'static str {
        match self {
            ArnKind::User => "user",
            ArnKind::Group => "group",
            ArnKind::Role => "role",
            ArnKind::Policy => "policy",
        }
    }
}

/// `arn:aws:iam::{account}:{kind}{path}{name}`. `path` begins and ends with
/// `/` (validated before this is called), so it separates kind and name.
pub fn entity_arn(account: &str, kind: ArnKind, path: &str, name: &str) -> String {
    format!(
        "arn:{PARTITION}:iam::{account}:{}{path}{name}",
        kind.resource_type()
    )
}

/// The ARN of an AWS managed policy at path `/`.
pub fn aws_managed_policy_arn(name: &str) -> String {
    entity_arn(AWS_MANAGED_ACCOUNT, ArnKind::Policy, "/", name)
}

/// The associated data an access key's secret half is sealed with under the
/// root key. Changing it would make every stored key unreadable.
pub fn access_key_seal_context(access_key_id: &str) -> Vec<u8> {
    format!("access-key:{access_key_id}").into_bytes()
}

/// Whether an access key may sign requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccessKeyStatus {
    /// May sign requests.
    Active,
    /// Refused by authentication until activated again.
    Inactive,
}

impl AccessKeyStatus {
    /// The name IAM uses on the wire and the store keeps.
    pub fn as_str(self) -> &'static str {
        match self {
            AccessKeyStatus::Active => "Active",
            AccessKeyStatus::Inactive => "Inactive",
        }
    }

    /// The inverse of [`as_str`](Self::as_str); `None` for anything else
    /// (including IAM's `Expired`, which cannot be set).
    pub fn parse(s: &str) -> Option<AccessKeyStatus> {
        match s {
            "Active" => Some(AccessKeyStatus::Active),
            "Inactive" => Some(AccessKeyStatus::Inactive),
            _ => None,
        }
    }
}

/// A policy AWS owns and every account can attach, but nobody can change or
/// delete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AwsManagedPolicy {
    /// The name.
    pub name: &'static str,
    /// A fixed id. These are Strongroom's, not the ids AWS gives the same
    /// policies (which are not published for every policy).
    pub policy_id: &'static str,
    /// A free-text description.
    pub description: &'static str,
    /// The default version's number (`vN`): AWS's current version.
    pub version: u32,
    /// The policy document (JSON), as given.
    pub document: &'static str,
    /// When AWS created the policy.
    pub created: Timestamp,
    /// When AWS last changed its default version.
    pub updated: Timestamp,
}

impl AwsManagedPolicy {
    /// `arn:aws:iam::aws:policy/{name}`.
    pub fn arn(&self) -> String {
        aws_managed_policy_arn(self.name)
    }
}

/// `arn:aws:iam::aws:policy/AdministratorAccess`: everything, everywhere.
/// Document, description and dates as AWS publishes them (v1).
pub const ADMINISTRATOR_ACCESS: AwsManagedPolicy = AwsManagedPolicy {
    name: "AdministratorAccess",
    policy_id: "ANPAAWSMANAGEDAAAAAB",
    description: "Provides full access to AWS services and resources.",
    version: 1,
    document: r#"{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Effect" : "Allow",
      "Action" : "*",
      "Resource" : "*"
    }
  ]
}"#,
    // 2015-02-06T18:39:46Z
    created: Timestamp(1_423_247_986_000),
    updated: Timestamp(1_423_247_986_000),
};

/// `arn:aws:iam::aws:policy/SecretsManagerReadWrite`, AWS's v6 (default
/// version since 2026-08-25), copied from the AWS Managed Policy Reference
/// page for the policy. The description keeps AWS's own typo ("exludes").
pub const SECRETS_MANAGER_READ_WRITE: AwsManagedPolicy = AwsManagedPolicy {
    name: "SecretsManagerReadWrite",
    policy_id: "ANPAAWSMANAGEDAAAAAC",
    description: "Provides read/write access to AWS Secrets Manager via the AWS Management Console. Note: this exludes IAM actions, so combine with IAMFullAccess if rotation configuration is required.",
    version: 6,
    document: r#"{
  "Version" : "2012-10-17",
  "Statement" : [
    {
      "Sid" : "BasePermissions",
      "Effect" : "Allow",
      "Action" : [
        "secretsmanager:*",
        "cloudformation:CreateChangeSet",
        "cloudformation:DescribeChangeSet",
        "cloudformation:DescribeStackResource",
        "cloudformation:DescribeStacks",
        "cloudformation:ExecuteChangeSet",
        "docdb-elastic:GetCluster",
        "docdb-elastic:ListClusters",
        "ec2:DescribeSecurityGroups",
        "ec2:DescribeSubnets",
        "ec2:DescribeVpcs",
        "kms:DescribeKey",
        "kms:ListAliases",
        "kms:ListKeys",
        "lambda:ListFunctions",
        "rds:DescribeDBClusters",
        "rds:DescribeDBInstances",
        "redshift:DescribeClusters",
        "redshift-serverless:ListWorkgroups",
        "redshift-serverless:GetNamespace",
        "tag:GetResources"
      ],
      "Resource" : "*"
    },
    {
      "Sid" : "LambdaPermissions",
      "Effect" : "Allow",
      "Action" : [
        "lambda:AddPermission",
        "lambda:CreateFunction",
        "lambda:GetFunction",
        "lambda:InvokeFunction",
        "lambda:UpdateFunctionConfiguration"
      ],
      "Resource" : "arn:aws:lambda:*:*:function:SecretsManager*"
    },
    {
      "Sid" : "SARPermissions",
      "Effect" : "Allow",
      "Action" : [
        "serverlessrepo:CreateCloudFormationChangeSet",
        "serverlessrepo:GetApplication"
      ],
      "Resource" : "arn:aws:serverlessrepo:*:*:applications/SecretsManager*"
    },
    {
      "Sid" : "S3Permissions",
      "Effect" : "Allow",
      "Action" : [
        "s3:GetObject"
      ],
      "Resource" : [
        "arn:aws:s3:::awsserverlessrepo-changesets*",
        "arn:aws:s3:::secrets-manager-rotation-apps-*/*"
      ]
    },
    {
      "Sid" : "CloudFormationTagOnCreate",
      "Effect" : "Allow",
      "Action" : [
        "cloudformation:TagResource",
        "cloudformation:UntagResource"
      ],
      "Resource" : "*",
      "Condition" : {
        "StringEquals" : {
          "cloudformation:CreateAction" : [
            "CreateChangeSet",
            "ExecuteChangeSet"
          ]
        }
      }
    }
  ]
}"#,
    // 2018-04-04T18:05:29Z
    created: Timestamp(1_522_865_129_000),
    // 2026-08-25T23:37Z
    updated: Timestamp(1_787_701_020_000),
};

/// Every AWS managed policy Strongroom knows. The schema migration seeds
/// them; a later migration must update the rows when one changes here.
pub const AWS_MANAGED_POLICIES: &[AwsManagedPolicy] =
    &[ADMINISTRATOR_ACCESS, SECRETS_MANAGER_READ_WRITE];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_ids_have_the_prefix_and_16_base32_characters() {
        for kind in [
            IdKind::User,
            IdKind::Group,
            IdKind::Role,
            IdKind::ManagedPolicy,
            IdKind::AccessKey,
        ] {
            let id = new_unique_id(kind);
            assert_eq!(id.len(), 20, "{id}");
            assert!(id.starts_with(kind.prefix()));
            assert!(id[4..].bytes().all(|b| ID_ALPHABET.contains(&b)), "{id}");
        }
        assert_ne!(new_unique_id(IdKind::User), new_unique_id(IdKind::User));
    }

    #[test]
    fn arns_join_kind_path_and_name() {
        assert_eq!(
            entity_arn("123456789012", ArnKind::User, "/", "bob"),
            "arn:aws:iam::123456789012:user/bob"
        );
        assert_eq!(
            entity_arn("123456789012", ArnKind::Role, "/ops/eu/", "deploy"),
            "arn:aws:iam::123456789012:role/ops/eu/deploy"
        );
        assert_eq!(
            ADMINISTRATOR_ACCESS.arn(),
            "arn:aws:iam::aws:policy/AdministratorAccess"
        );
    }

    #[test]
    fn access_key_status_round_trips_and_refuses_expired() {
        for s in [AccessKeyStatus::Active, AccessKeyStatus::Inactive] {
            assert_eq!(AccessKeyStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(AccessKeyStatus::parse("Expired"), None);
        assert_eq!(AccessKeyStatus::parse("active"), None);
    }

    #[test]
    fn managed_policy_ids_are_distinct_and_well_formed() {
        for (i, p) in AWS_MANAGED_POLICIES.iter().enumerate() {
            assert!(p.policy_id.starts_with(IdKind::ManagedPolicy.prefix()));
            assert!(p.policy_id.bytes().all(|b| ID_ALPHABET.contains(&b)));
            assert!(
                AWS_MANAGED_POLICIES[..i]
                    .iter()
                    .all(|q| q.policy_id != p.policy_id && q.name != p.name)
            );
        }
    }
}
