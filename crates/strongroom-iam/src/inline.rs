//! Inline policies of users, groups and roles: Put/Get/Delete/List
//! {User,Group,Role}Policy. The three kinds differ only in the holder's
//! name shape and the aggregate size IAM allows (characters without white
//! space, all of the holder's inline policies together).

use crate::error::{EntityKind, IamError, Limit};
use crate::model::{InlinePolicy, Page, max_items};
use crate::validate::{
    Checks, EXISTING_USER_NAME, GROUP_NAME, POLICY_DOCUMENT, POLICY_NAME, ROLE_NAME, StringShape,
};
use crate::{Iam, lookup};
use strongroom_policy::{Policy, PolicyKind, size_without_whitespace};

/// Put{User,Group,Role}Policy's input.
#[derive(Debug, Clone, Default)]
pub struct PutInlinePolicyInput {
    /// The UserName, GroupName or RoleName.
    pub holder_name: String,
    /// The policy's name (PolicyName).
    pub policy_name: String,
    /// The policy document, JSON (PolicyDocument).
    pub policy_document: String,
}

/// Get{User,Group,Role}Policy's and Delete{User,Group,Role}Policy's input.
#[derive(Debug, Clone, Default)]
pub struct InlinePolicyInput {
    /// The UserName, GroupName or RoleName.
    pub holder_name: String,
    /// The policy's name (PolicyName).
    pub policy_name: String,
}

/// List{User,Group,Role}Policies' input.
#[derive(Debug, Clone, Default)]
pub struct ListInlinePoliciesInput {
    /// The UserName, GroupName or RoleName.
    pub holder_name: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// What differs between the three kinds of holder.
struct HolderRules {
    kind: EntityKind,
    /// The member naming the holder, e.g. `userName`.
    member: &'static str,
    shape: &'static StringShape,
    /// The aggregate size quota.
    max_size: usize,
}

const USER: HolderRules = HolderRules {
    kind: EntityKind::User,
    member: "userName",
    shape: &EXISTING_USER_NAME,
    max_size: 2048,
};
const GROUP: HolderRules = HolderRules {
    kind: EntityKind::Group,
    member: "groupName",
    shape: &GROUP_NAME,
    max_size: 5120,
};
const ROLE: HolderRules = HolderRules {
    kind: EntityKind::Role,
    member: "roleName",
    shape: &ROLE_NAME,
    max_size: 10_240,
};

impl Iam {
    async fn put_inline(
        &self,
        rules: &'static HolderRules,
        account: &str,
        input: PutInlinePolicyInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string(rules.member, &input.holder_name, rules.shape)
            .string("policyName", &input.policy_name, &POLICY_NAME)
            .string("policyDocument", &input.policy_document, &POLICY_DOCUMENT)
            .finish()?;
        Policy::parse(&input.policy_document, PolicyKind::Identity)
            .map_err(IamError::MalformedPolicyDocument)?;
        let size = size_without_whitespace(&input.policy_document);
        let account = account.to_owned();
        self.write(move |tx| {
            let holder = lookup::holder(&*tx, &account, rules.kind, &input.holder_name)?;
            // The others stay; the one of the same name is replaced.
            let others: usize = tx
                .inline_policies(holder.as_store())?
                .iter()
                .filter(|p| p.name != input.policy_name)
                .map(|p| size_without_whitespace(&p.document))
                .sum();
            if others + size > rules.max_size {
                return Err(IamError::LimitExceeded(Limit::InlinePolicySize {
                    kind: rules.kind,
                    name: holder.name,
                    max: rules.max_size,
                }));
            }
            tx.put_inline_policy(
                holder.as_store(),
                &input.policy_name,
                &input.policy_document,
            )?;
            Ok(())
        })
        .await
    }

    fn check_inline_input(rules: &HolderRules, input: &InlinePolicyInput) -> Result<(), IamError> {
        Checks::new()
            .string(rules.member, &input.holder_name, rules.shape)
            .string("policyName", &input.policy_name, &POLICY_NAME)
            .finish()
    }

    fn no_such_inline(rules: &HolderRules, policy_name: String) -> IamError {
        IamError::NoSuchInlinePolicy {
            kind: rules.kind,
            policy_name,
        }
    }

    async fn get_inline(
        &self,
        rules: &'static HolderRules,
        account: &str,
        input: InlinePolicyInput,
    ) -> Result<InlinePolicy, IamError> {
        Self::check_inline_input(rules, &input)?;
        self.store.read(|tx| {
            let holder = lookup::holder(tx, account, rules.kind, &input.holder_name)?;
            let policy = tx
                .inline_policy(holder.as_store(), &input.policy_name)?
                .ok_or_else(|| Self::no_such_inline(rules, input.policy_name.clone()))?;
            Ok(InlinePolicy {
                holder_name: holder.name,
                policy_name: policy.name,
                policy_document: policy.document,
            })
        })
    }

    async fn delete_inline(
        &self,
        rules: &'static HolderRules,
        account: &str,
        input: InlinePolicyInput,
    ) -> Result<(), IamError> {
        Self::check_inline_input(rules, &input)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let holder = lookup::holder(&*tx, &account, rules.kind, &input.holder_name)?;
            if tx.delete_inline_policy(holder.as_store(), &input.policy_name)? {
                Ok(())
            } else {
                Err(Self::no_such_inline(rules, input.policy_name))
            }
        })
        .await
    }

    async fn list_inline(
        &self,
        rules: &'static HolderRules,
        account: &str,
        input: ListInlinePoliciesInput,
    ) -> Result<Page<String>, IamError> {
        Checks::new()
            .string(rules.member, &input.holder_name, rules.shape)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let max = max_items(input.max_items);
        let policies = self.store.read(|tx| {
            let holder = lookup::holder(tx, account, rules.kind, &input.holder_name)?;
            Ok::<_, IamError>(tx.inline_policies(holder.as_store())?)
        })?;
        let names: Vec<String> = policies
            .into_iter()
            .map(|p| p.name)
            .filter(|name| input.marker.as_ref().is_none_or(|m| name > m))
            .take(max.saturating_add(1))
            .collect();
        Ok(Page::cut(names, max, String::clone))
    }

    /// PutUserPolicy: creates or replaces one of the user's inline policies.
    pub async fn put_user_policy(
        &self,
        account: &str,
        input: PutInlinePolicyInput,
    ) -> Result<(), IamError> {
        self.put_inline(&USER, account, input).await
    }

    /// GetUserPolicy.
    pub async fn get_user_policy(
        &self,
        account: &str,
        input: InlinePolicyInput,
    ) -> Result<InlinePolicy, IamError> {
        self.get_inline(&USER, account, input).await
    }

    /// DeleteUserPolicy.
    pub async fn delete_user_policy(
        &self,
        account: &str,
        input: InlinePolicyInput,
    ) -> Result<(), IamError> {
        self.delete_inline(&USER, account, input).await
    }

    /// ListUserPolicies: the names, in order.
    pub async fn list_user_policies(
        &self,
        account: &str,
        input: ListInlinePoliciesInput,
    ) -> Result<Page<String>, IamError> {
        self.list_inline(&USER, account, input).await
    }

    /// PutGroupPolicy: creates or replaces one of the group's inline policies.
    pub async fn put_group_policy(
        &self,
        account: &str,
        input: PutInlinePolicyInput,
    ) -> Result<(), IamError> {
        self.put_inline(&GROUP, account, input).await
    }

    /// GetGroupPolicy.
    pub async fn get_group_policy(
        &self,
        account: &str,
        input: InlinePolicyInput,
    ) -> Result<InlinePolicy, IamError> {
        self.get_inline(&GROUP, account, input).await
    }

    /// DeleteGroupPolicy.
    pub async fn delete_group_policy(
        &self,
        account: &str,
        input: InlinePolicyInput,
    ) -> Result<(), IamError> {
        self.delete_inline(&GROUP, account, input).await
    }

    /// ListGroupPolicies: the names, in order.
    pub async fn list_group_policies(
        &self,
        account: &str,
        input: ListInlinePoliciesInput,
    ) -> Result<Page<String>, IamError> {
        self.list_inline(&GROUP, account, input).await
    }

    /// PutRolePolicy: creates or replaces one of the role's inline policies.
    pub async fn put_role_policy(
        &self,
        account: &str,
        input: PutInlinePolicyInput,
    ) -> Result<(), IamError> {
        self.put_inline(&ROLE, account, input).await
    }

    /// GetRolePolicy.
    pub async fn get_role_policy(
        &self,
        account: &str,
        input: InlinePolicyInput,
    ) -> Result<InlinePolicy, IamError> {
        self.get_inline(&ROLE, account, input).await
    }

    /// DeleteRolePolicy.
    pub async fn delete_role_policy(
        &self,
        account: &str,
        input: InlinePolicyInput,
    ) -> Result<(), IamError> {
        self.delete_inline(&ROLE, account, input).await
    }

    /// ListRolePolicies: the names, in order.
    pub async fn list_role_policies(
        &self,
        account: &str,
        input: ListInlinePoliciesInput,
    ) -> Result<Page<String>, IamError> {
        self.list_inline(&ROLE, account, input).await
    }
}
