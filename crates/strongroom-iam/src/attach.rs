//! Managed policies on users, groups and roles: Attach/Detach/ListAttached
//! {User,Group,Role}Policies.

use crate::Iam;
use crate::error::{EntityKind, IamError, Limit};
use crate::lookup::{self, check_policy_arn, visible_policy};
use crate::model::{AttachedPolicy, Page, max_items, policy_marker, split_policy_marker};
use crate::validate::{ARN, Checks, GROUP_NAME, POLICY_PATH, ROLE_NAME, StringShape, USER_NAME};
use strongroom_store::iam::PolicyCursor;

/// IAM's PoliciesPer{User,Group,Role} quota.
const MAX_ATTACHED: u64 = 10;

/// Attach{User,Group,Role}Policy's and Detach{User,Group,Role}Policy's input.
#[derive(Debug, Clone, Default)]
pub struct AttachPolicyInput {
    /// The UserName, GroupName or RoleName.
    pub holder_name: String,
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
}

/// ListAttached{User,Group,Role}Policies' input.
#[derive(Debug, Clone, Default)]
pub struct ListAttachedPoliciesInput {
    /// The UserName, GroupName or RoleName.
    pub holder_name: String,
    /// Only policies whose path starts with this.
    pub path_prefix: Option<String>,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// The holder's kind and the member that names it. (The attach operations
/// take userNameType, at most 64 characters, unlike the inline ones.)
struct HolderRules {
    kind: EntityKind,
    member: &'static str,
    shape: &'static StringShape,
}

const USER: HolderRules = HolderRules {
    kind: EntityKind::User,
    member: "userName",
    shape: &USER_NAME,
};
const GROUP: HolderRules = HolderRules {
    kind: EntityKind::Group,
    member: "groupName",
    shape: &GROUP_NAME,
};
const ROLE: HolderRules = HolderRules {
    kind: EntityKind::Role,
    member: "roleName",
    shape: &ROLE_NAME,
};

fn check_input(rules: &HolderRules, input: &AttachPolicyInput) -> Result<(), IamError> {
    Checks::new()
        .string(rules.member, &input.holder_name, rules.shape)
        .string("policyArn", &input.policy_arn, &ARN)
        .finish()?;
    check_policy_arn(&input.policy_arn)
}

impl Iam {
    async fn attach(
        &self,
        rules: &'static HolderRules,
        account: &str,
        input: AttachPolicyInput,
    ) -> Result<(), IamError> {
        check_input(rules, &input)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let holder = lookup::holder(&*tx, &account, rules.kind, &input.holder_name)?;
            let policy = visible_policy(&*tx, &account, &input.policy_arn)?
                .ok_or_else(|| IamError::PolicyNotAttachable(input.policy_arn.clone()))?;
            // Counted after the insert, in the same transaction: a failing
            // closure takes the attachment back. Attaching twice is a no-op.
            if tx.attach_policy(holder.as_store(), &account, &policy.policy_id)?
                && tx.dependents(holder.as_store())?.attached_policies > MAX_ATTACHED
            {
                return Err(IamError::LimitExceeded(Limit::AttachedPolicies {
                    kind: rules.kind,
                }));
            }
            Ok(())
        })
        .await
    }

    async fn detach(
        &self,
        rules: &'static HolderRules,
        account: &str,
        input: AttachPolicyInput,
    ) -> Result<(), IamError> {
        check_input(rules, &input)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let holder = lookup::holder(&*tx, &account, rules.kind, &input.holder_name)?;
            let detached = match visible_policy(&*tx, &account, &input.policy_arn)? {
                Some(policy) => tx.detach_policy(holder.as_store(), &policy.policy_id)?,
                None => false,
            };
            if detached {
                Ok(())
            } else {
                Err(IamError::NoSuchPolicy(input.policy_arn))
            }
        })
        .await
    }

    async fn list_attached(
        &self,
        rules: &'static HolderRules,
        account: &str,
        input: ListAttachedPoliciesInput,
    ) -> Result<Page<AttachedPolicy>, IamError> {
        Checks::new()
            .string(rules.member, &input.holder_name, rules.shape)
            .optional("pathPrefix", input.path_prefix.as_deref(), &POLICY_PATH)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let max = max_items(input.max_items);
        let after = input.marker.as_deref().map(|m| {
            let (name, policy_id) = split_policy_marker(m);
            PolicyCursor { name, policy_id }
        });
        let policies = self.store.read(|tx| {
            let holder = lookup::holder(tx, account, rules.kind, &input.holder_name)?;
            Ok::<_, IamError>(tx.attached_policies(
                holder.as_store(),
                input.path_prefix.as_deref(),
                after,
                max + 1,
            )?)
        })?;
        Ok(
            Page::cut(policies, max, |p| policy_marker(&p.name, &p.policy_id)).map(|p| {
                AttachedPolicy {
                    policy_name: p.name,
                    policy_arn: p.arn,
                }
            }),
        )
    }

    /// AttachUserPolicy: a no-op if already attached.
    pub async fn attach_user_policy(
        &self,
        account: &str,
        input: AttachPolicyInput,
    ) -> Result<(), IamError> {
        self.attach(&USER, account, input).await
    }

    /// DetachUserPolicy.
    pub async fn detach_user_policy(
        &self,
        account: &str,
        input: AttachPolicyInput,
    ) -> Result<(), IamError> {
        self.detach(&USER, account, input).await
    }

    /// ListAttachedUserPolicies: by policy name.
    pub async fn list_attached_user_policies(
        &self,
        account: &str,
        input: ListAttachedPoliciesInput,
    ) -> Result<Page<AttachedPolicy>, IamError> {
        self.list_attached(&USER, account, input).await
    }

    /// AttachGroupPolicy: a no-op if already attached.
    pub async fn attach_group_policy(
        &self,
        account: &str,
        input: AttachPolicyInput,
    ) -> Result<(), IamError> {
        self.attach(&GROUP, account, input).await
    }

    /// DetachGroupPolicy.
    pub async fn detach_group_policy(
        &self,
        account: &str,
        input: AttachPolicyInput,
    ) -> Result<(), IamError> {
        self.detach(&GROUP, account, input).await
    }

    /// ListAttachedGroupPolicies: by policy name.
    pub async fn list_attached_group_policies(
        &self,
        account: &str,
        input: ListAttachedPoliciesInput,
    ) -> Result<Page<AttachedPolicy>, IamError> {
        self.list_attached(&GROUP, account, input).await
    }

    /// AttachRolePolicy: a no-op if already attached.
    pub async fn attach_role_policy(
        &self,
        account: &str,
        input: AttachPolicyInput,
    ) -> Result<(), IamError> {
        self.attach(&ROLE, account, input).await
    }

    /// DetachRolePolicy.
    pub async fn detach_role_policy(
        &self,
        account: &str,
        input: AttachPolicyInput,
    ) -> Result<(), IamError> {
        self.detach(&ROLE, account, input).await
    }

    /// ListAttachedRolePolicies: by policy name.
    pub async fn list_attached_role_policies(
        &self,
        account: &str,
        input: ListAttachedPoliciesInput,
    ) -> Result<Page<AttachedPolicy>, IamError> {
        self.list_attached(&ROLE, account, input).await
    }
}
