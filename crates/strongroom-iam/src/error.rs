//! Every way an IAM operation can fail: [`IamError`], whose [`code`]
//! (`IamError::code`) is IAM's error code and whose `Display` is IAM's
//! message, word for word where IAM's wording is known.
//!
//! Sources of the wording (AWS's answers quoted in public issue threads and
//! CLI output, cross-checked against moto, which copies AWS's messages):
//! - NoSuchEntity: "The user with name bob cannot be found." (ansible#45593),
//!   "The role with name … cannot be found." (prowler#2872), "The role
//!   policy with name … cannot be found." (aws-cli#6139), "Policy arn:… does
//!   not exist or is not attachable." (moto#6482, pulumi#7419), "The Access
//!   Key with id … cannot be found." (paws' IAM docs, moto), "Login Profile
//!   for User … cannot be found." (ansible#43197);
//! - EntityAlreadyExists: "User with name … already exists."
//!   (ucopacme/aws-orgs#12), "A policy called … already exists. Duplicate
//!   names are not allowed." (awsKeyTools#13);
//! - DeleteConflict: "Cannot delete entity, must …" (aws-nuke#281,
//!   terraform#29147, cloud-custodian#7484, aws-orbit-workbench#633),
//!   "Cannot delete a policy attached to entities." (serverless/components#312),
//!   "This policy has more than one version. …" (aws-nuke#1), "Cannot
//!   delete the default version of a policy." (moto, which copies AWS);
//! - LimitExceeded: "Maximum policy size of 2048 bytes exceeded for user …"
//!   (mapsnap#483, data-store#1963, aws-cdk#12403), "Cannot exceed quota for
//!   PolicySize: 6144" (docker/docs#6218), "… ACLSizePerRole: 2048"
//!   (kubeflow#6687), "A managed policy can have up to 5 versions. …"
//!   (99designs/iamy#21), "Cannot exceed quota for AccessKeysPerUser: 2" and
//!   "The number of tags has reached the maximum limit." (moto and other
//!   emulators that quote AWS);
//! - InvalidInput: "ARN … is not valid." (boto#2960), "Duplicate tag keys
//!   found. Please note that Tag keys are case insensitive." (moto);
//! - ValidationError: AWS's model-constraint form, as Secrets Manager's.
//!
//! No variant carries a secret access key.

use std::fmt;
use strongroom_crypto::CryptoError;
use strongroom_policy::PolicyError;
use strongroom_store::StoreError;

/// The kind of entity a message names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntityKind {
    /// An IAM user.
    User,
    /// An IAM group.
    Group,
    /// An IAM role.
    Role,
}

impl EntityKind {
    /// As in "The user with name …".
    pub fn word(self) -> &'static str {
        match self {
            EntityKind::User => "user",
            EntityKind::Group => "group",
            EntityKind::Role => "role",
        }
    }

    /// As in "User with name … already exists." and "PoliciesPerUser".
    pub fn title(self) -> &'static str {
        match self {
            EntityKind::User => "User",
            EntityKind::Group => "Group",
            EntityKind::Role => "Role",
        }
    }
}

impl fmt::Display for EntityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// What still depends on an entity that a delete was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeleteBlocker {
    /// A user with access keys.
    #[error("Cannot delete entity, must delete access keys first.")]
    AccessKeys,
    /// A user, group or role with inline policies.
    #[error("Cannot delete entity, must delete policies first.")]
    InlinePolicies,
    /// A user, group or role with managed policies attached.
    #[error("Cannot delete entity, must detach all policies first.")]
    AttachedPolicies,
    /// A group with members, or a user in groups (IAM says the same for both).
    #[error("Cannot delete entity, must remove users from group first.")]
    GroupMembership,
    /// A managed policy still attached to a user, group or role.
    #[error("Cannot delete a policy attached to entities.")]
    PolicyAttached,
    /// DeletePolicyVersion on the default version.
    #[error("Cannot delete the default version of a policy.")]
    DefaultPolicyVersion,
    /// A managed policy with versions besides the default.
    #[error(
        "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy."
    )]
    PolicyVersions,
}

/// A quota a request would exceed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Limit {
    /// A third access key for one user.
    #[error("Cannot exceed quota for AccessKeysPerUser: 2")]
    AccessKeysPerUser,
    /// An eleventh group for one user.
    #[error("Cannot exceed quota for GroupsPerUser: 10")]
    GroupsPerUser,
    /// An eleventh managed policy attached to one user, group or role.
    #[error("Cannot exceed quota for PoliciesPer{}: 10", kind.title())]
    AttachedPolicies {
        /// Which kind of holder.
        kind: EntityKind,
    },
    /// A holder's inline policies together above their size limit
    /// (characters without white space: user 2048, group 5120, role 10240).
    #[error("Maximum policy size of {max} bytes exceeded for {kind} {name}")]
    InlinePolicySize {
        /// Which kind of entity.
        kind: EntityKind,
        /// The name.
        name: String,
        /// The quota, in characters without white space.
        max: usize,
    },
    /// A managed policy version above 6144 characters without white space.
    #[error("Cannot exceed quota for PolicySize: 6144")]
    ManagedPolicySize,
    /// A role trust policy above 2048 characters without white space.
    #[error("Cannot exceed quota for ACLSizePerRole: 2048")]
    TrustPolicySize,
    /// A sixth version of a managed policy.
    #[error(
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an existing version."
    )]
    PolicyVersions,
    /// More than 50 tags on one user or role.
    #[error("The number of tags has reached the maximum limit.")]
    Tags,
}

/// One member of a request that breaks a constraint of IAM's model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConstraintViolation {
    /// The member's path as IAM names it, e.g. `userName`, `tags.1.member.key`.
    pub member: String,
    /// The value as IAM echoes it.
    pub value: String,
    /// e.g. `Member must have length less than or equal to 64`.
    pub constraint: String,
}

impl fmt::Display for ConstraintViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Value '{}' at '{}' failed to satisfy constraint: {}",
            self.value, self.member, self.constraint
        )
    }
}

/// Every constraint one request breaks, in member order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<ConstraintViolation>);

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} validation error{} detected: ",
            if n == 1 { "" } else { "s" }
        )?;
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

/// Why an IAM operation failed. `Display` is the message the client sees.
#[derive(Debug, thiserror::Error)]
pub enum IamError {
    /// NoSuchEntity: no user, group or role of that name in the account.
    #[error("The {kind} with name {name} cannot be found.")]
    NoSuchEntity {
        /// Which kind of entity.
        kind: EntityKind,
        /// The name as the request gave it.
        name: String,
    },
    /// NoSuchEntity: the user, group or role has no inline policy of that name.
    #[error("The {kind} policy with name {policy_name} cannot be found.")]
    NoSuchInlinePolicy {
        /// Which kind of entity.
        kind: EntityKind,
        /// The policy's name (PolicyName).
        policy_name: String,
    },
    /// NoSuchEntity: no managed policy with that ARN visible to the account
    /// (GetPolicy, DeletePolicy, and Detach* when it is not attached).
    #[error("Policy {0} was not found.")]
    NoSuchPolicy(String),
    /// NoSuchEntity: Attach* named a policy that does not exist here.
    #[error("Policy {0} does not exist or is not attachable.")]
    PolicyNotAttachable(String),
    /// NoSuchEntity: the policy has no such version.
    #[error("Policy {arn} version {version_id} does not exist or is not attachable.")]
    NoSuchPolicyVersion {
        /// The policy's ARN.
        arn: String,
        /// The version id as the request gave it.
        version_id: String,
    },
    /// NoSuchEntity: no such access key (for that user, in that account).
    #[error("The Access Key with id {0} cannot be found.")]
    NoSuchAccessKey(String),
    /// NoSuchEntity: the user has no login profile (console password).
    /// Strongroom keeps none, so every existing user answers this.
    #[error("Login Profile for User {0} cannot be found.")]
    NoSuchLoginProfile(String),

    /// EntityAlreadyExists: the name is taken (names ignore case).
    #[error("{} with name {name} already exists.", kind.title())]
    EntityAlreadyExists {
        /// Which kind of entity.
        kind: EntityKind,
        /// The name as the request gave it.
        name: String,
    },
    /// EntityAlreadyExists: CreatePolicy with a taken name.
    #[error("A policy called {0} already exists. Duplicate names are not allowed.")]
    PolicyAlreadyExists(String),
    /// EntityAlreadyExists: `create_account` for an account that exists.
    #[error("Account {0} already exists.")]
    AccountAlreadyExists(String),

    /// DeleteConflict: something still depends on the entity.
    #[error("{0}")]
    DeleteConflict(DeleteBlocker),
    /// LimitExceeded: a quota would be exceeded.
    #[error("{0}")]
    LimitExceeded(Limit),
    /// MalformedPolicyDocument: the policy engine refused the document; its
    /// message is IAM's.
    #[error("{0}")]
    MalformedPolicyDocument(PolicyError),
    /// ValidationError: the request breaks the model's constraints.
    #[error("{0}")]
    Validation(ValidationErrors),

    /// InvalidInput: a PolicyArn that is not an ARN at all.
    #[error("ARN {0} is not valid.")]
    InvalidArn(String),
    /// InvalidInput: two tags of one request share a key (ignoring case).
    #[error("Duplicate tag keys found. Please note that Tag keys are case insensitive.")]
    DuplicateTagKeys,
    /// InvalidInput: UpdateAccessKey to `Expired`, a status only AWS sets.
    /// (Strongroom's wording: IAM's is not documented.)
    #[error("The access key status Expired cannot be set.")]
    ExpiredStatus,
    /// InvalidInput: an account id that is not 12 digits (Strongroom's own
    /// administrative operations).
    #[error("Account id {0} is not valid: it must be 12 digits.")]
    InvalidAccountId(String),

    /// AccessDenied: AWS managed policies cannot be changed or deleted by
    /// anyone (IAM answers AccessDenied for them).
    #[error("Policy {0} is an AWS managed policy and cannot be changed or deleted.")]
    AwsManagedPolicy(String),

    /// ServiceFailure: the store failed. Details are for logs, not clients.
    #[error("We encountered an internal error. Please try again.")]
    Store(#[source] StoreError),
    /// ServiceFailure: sealing or unsealing an access key failed.
    #[error("We encountered an internal error. Please try again.")]
    Crypto(#[source] CryptoError),
    /// ServiceFailure: a stored policy no longer parses (the policy engine
    /// became stricter since it was stored). Authentication fails closed.
    #[error("We encountered an internal error. Please try again.")]
    StoredPolicyUnreadable {
        /// The policy's ARN, or `{holder}/{policy name}` for inline ones.
        policy: String,
        #[source]
        /// Why the policy engine refused it.
        source: PolicyError,
    },
    /// ServiceFailure: an access key's unsealed secret is not UTF-8.
    #[error("We encountered an internal error. Please try again.")]
    CorruptAccessKey(String),
    /// ServiceFailure: a session token could not be sealed.
    #[error("We encountered an internal error. Please try again.")]
    SessionToken,
    /// ConcurrentModification: the entity the request was authorized on
    /// changed (renamed, moved) before the change could be made.
    #[error("Cannot perform the operation due to concurrent modification of {0}; please retry.")]
    ConcurrentModification(String),
}

impl IamError {
    /// IAM's error code, for the wire's `Code` element.
    pub fn code(&self) -> &'static str {
        match self {
            IamError::ConcurrentModification(_) => "ConcurrentModification",
            IamError::NoSuchEntity { .. }
            | IamError::NoSuchInlinePolicy { .. }
            | IamError::NoSuchPolicy(_)
            | IamError::PolicyNotAttachable(_)
            | IamError::NoSuchPolicyVersion { .. }
            | IamError::NoSuchAccessKey(_)
            | IamError::NoSuchLoginProfile(_) => "NoSuchEntity",
            IamError::EntityAlreadyExists { .. }
            | IamError::PolicyAlreadyExists(_)
            | IamError::AccountAlreadyExists(_) => "EntityAlreadyExists",
            IamError::DeleteConflict(_) => "DeleteConflict",
            IamError::LimitExceeded(_) => "LimitExceeded",
            IamError::MalformedPolicyDocument(_) => "MalformedPolicyDocument",
            IamError::Validation(_) => "ValidationError",
            IamError::InvalidArn(_)
            | IamError::DuplicateTagKeys
            | IamError::ExpiredStatus
            | IamError::InvalidAccountId(_) => "InvalidInput",
            IamError::AwsManagedPolicy(_) => "AccessDenied",
            IamError::Store(_)
            | IamError::Crypto(_)
            | IamError::StoredPolicyUnreadable { .. }
            | IamError::CorruptAccessKey(_)
            | IamError::SessionToken => "ServiceFailure",
        }
    }

    /// The HTTP status IAM's model gives the code.
    pub fn http_status(&self) -> u16 {
        match self.code() {
            "NoSuchEntity" => 404,
            "EntityAlreadyExists"
            | "DeleteConflict"
            | "LimitExceeded"
            | "ConcurrentModification" => 409,
            "AccessDenied" => 403,
            "ServiceFailure" => 500,
            _ => 400,
        }
    }

    /// True for faults of the server rather than the request.
    pub fn is_internal(&self) -> bool {
        self.code() == "ServiceFailure"
    }
}

impl From<StoreError> for IamError {
    fn from(e: StoreError) -> Self {
        IamError::Store(e)
    }
}

impl From<CryptoError> for IamError {
    fn from(e: CryptoError) -> Self {
        IamError::Crypto(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_errors_count_and_join() {
        let v = |m: &str| ConstraintViolation {
            member: m.into(),
            value: "x y".into(),
            constraint: "Member must satisfy regular expression pattern: [\\w+=,.@-]+".into(),
        };
        assert_eq!(
            IamError::Validation(ValidationErrors(vec![v("userName")])).to_string(),
            "1 validation error detected: Value 'x y' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
        );
        let two = IamError::Validation(ValidationErrors(vec![v("a"), v("b")])).to_string();
        assert!(
            two.starts_with("2 validation errors detected: Value 'x y' at 'a'"),
            "{two}"
        );
        assert!(two.contains("; Value 'x y' at 'b'"), "{two}");
    }

    #[test]
    fn codes_and_statuses_follow_the_model() {
        let cases: [(IamError, &str, u16); 6] = [
            (
                IamError::NoSuchEntity {
                    kind: EntityKind::User,
                    name: "bob".into(),
                },
                "NoSuchEntity",
                404,
            ),
            (
                IamError::EntityAlreadyExists {
                    kind: EntityKind::Role,
                    name: "r".into(),
                },
                "EntityAlreadyExists",
                409,
            ),
            (
                IamError::LimitExceeded(Limit::AttachedPolicies {
                    kind: EntityKind::Group,
                }),
                "LimitExceeded",
                409,
            ),
            (IamError::InvalidArn("x".into()), "InvalidInput", 400),
            (IamError::AwsManagedPolicy("a".into()), "AccessDenied", 403),
            (IamError::Store(StoreError::Closed), "ServiceFailure", 500),
        ];
        for (err, code, status) in cases {
            assert_eq!((err.code(), err.http_status()), (code, status), "{err:?}");
        }
        assert_eq!(
            IamError::EntityAlreadyExists {
                kind: EntityKind::Role,
                name: "r".into()
            }
            .to_string(),
            "Role with name r already exists."
        );
        assert_eq!(
            Limit::AttachedPolicies {
                kind: EntityKind::Group
            }
            .to_string(),
            "Cannot exceed quota for PoliciesPerGroup: 10"
        );
    }

    #[test]
    fn internal_errors_do_not_leak_details() {
        let err = IamError::Store(StoreError::Database {
            context: "x",
            message: "disk I/O error at /var/lib/secret".into(),
        });
        assert!(err.is_internal());
        assert_eq!(
            err.to_string(),
            "We encountered an internal error. Please try again."
        );
    }
}
