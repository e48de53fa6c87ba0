//! Roles: CreateRole, GetRole, ListRoles, DeleteRole,
//! UpdateAssumeRolePolicy, UpdateRole, UpdateRoleDescription, TagRole,
//! UntagRole, ListRoleTags.

use crate::error::{DeleteBlocker, EntityKind, IamError, Limit};
use crate::model::{Page, Role, max_items};
use crate::validate::{
    Checks, PATH, PATH_PREFIX, POLICY_DOCUMENT, ROLE_DESCRIPTION, ROLE_NAME, distinct_tag_keys,
};
use crate::{Iam, lookup, tagging};
use strongroom_domain::Tag;
use strongroom_domain::iam::{ArnKind, IdKind, entity_arn, new_unique_id};
use strongroom_policy::{Policy, PolicyKind, size_without_whitespace};
use strongroom_store::iam::{PolicyHolder, RoleRecord, TagOwner};

/// roleMaxSessionDurationType, in seconds.
const SESSION_DURATION: (i64, i64) = (3600, 43_200);
/// MaxSessionDuration when CreateRole gives none.
const DEFAULT_SESSION_DURATION: u32 = 3600;
/// IAM's quota on a trust policy, in characters without white space.
const MAX_TRUST_POLICY_SIZE: usize = 2048;

/// CreateRole's input.
#[derive(Debug, Clone, Default)]
pub struct CreateRoleInput {
    /// `/` when absent.
    pub path: Option<String>,
    /// The role's name (RoleName).
    pub role_name: String,
    /// The trust policy: who may assume the role.
    pub assume_role_policy_document: String,
    /// A free-text description.
    pub description: Option<String>,
    /// Seconds, 3600..=43200; 3600 when absent.
    pub max_session_duration: Option<i64>,
    /// Tags, in the order given.
    pub tags: Vec<Tag>,
}

/// GetRole's input.
#[derive(Debug, Clone, Default)]
pub struct GetRoleInput {
    /// The role's name (RoleName).
    pub role_name: String,
}

/// DeleteRole's input.
#[derive(Debug, Clone, Default)]
pub struct DeleteRoleInput {
    /// The role's name (RoleName).
    pub role_name: String,
}

/// ListRoles' input.
#[derive(Debug, Clone, Default)]
pub struct ListRolesInput {
    /// Only entities whose path starts with this.
    pub path_prefix: Option<String>,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// UpdateAssumeRolePolicy's input.
#[derive(Debug, Clone, Default)]
pub struct UpdateAssumeRolePolicyInput {
    /// The role's name (RoleName).
    pub role_name: String,
    /// The policy document, JSON (PolicyDocument).
    pub policy_document: String,
}

/// UpdateRole's input: what is absent stays as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateRoleInput {
    /// The role's name (RoleName).
    pub role_name: String,
    /// The new description.
    pub description: Option<String>,
    /// The new maximum session duration, in seconds, 3600..=43200.
    pub max_session_duration: Option<i64>,
}

/// UpdateRoleDescription's input.
#[derive(Debug, Clone, Default)]
pub struct UpdateRoleDescriptionInput {
    /// The role's name (RoleName).
    pub role_name: String,
    /// The new description.
    pub description: String,
}

/// TagRole's input.
#[derive(Debug, Clone, Default)]
pub struct TagRoleInput {
    /// The role's name (RoleName).
    pub role_name: String,
    /// Tags, in the order given.
    pub tags: Vec<Tag>,
}

/// UntagRole's input.
#[derive(Debug, Clone, Default)]
pub struct UntagRoleInput {
    /// The role's name (RoleName).
    pub role_name: String,
    /// Keys of the tags to remove (ignoring case).
    pub tag_keys: Vec<String>,
}

/// ListRoleTags' input.
#[derive(Debug, Clone, Default)]
pub struct ListRoleTagsInput {
    /// The role's name (RoleName).
    pub role_name: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// A trust policy IAM would accept: it parses as one, and fits the quota.
fn check_trust_policy(document: &str) -> Result<(), IamError> {
    Policy::parse(document, PolicyKind::Trust).map_err(IamError::MalformedPolicyDocument)?;
    if size_without_whitespace(document) > MAX_TRUST_POLICY_SIZE {
        return Err(IamError::LimitExceeded(Limit::TrustPolicySize));
    }
    Ok(())
}

impl Iam {
    /// CreateRole: a new role with a fresh `AROA…` id.
    pub async fn create_role(
        &self,
        account: &str,
        input: CreateRoleInput,
    ) -> Result<Role, IamError> {
        Checks::new()
            .optional("path", input.path.as_deref(), &PATH)
            .string("roleName", &input.role_name, &ROLE_NAME)
            .string(
                "assumeRolePolicyDocument",
                &input.assume_role_policy_document,
                &POLICY_DOCUMENT,
            )
            .optional(
                "description",
                input.description.as_deref(),
                &ROLE_DESCRIPTION,
            )
            .range(
                "maxSessionDuration",
                input.max_session_duration,
                SESSION_DURATION,
            )
            .tags(&input.tags)
            .finish()?;
        distinct_tag_keys(&input.tags)?;
        check_trust_policy(&input.assume_role_policy_document)?;
        let path = input.path.unwrap_or_else(|| "/".to_owned());
        let role = RoleRecord {
            role_id: new_unique_id(IdKind::Role),
            account: account.to_owned(),
            arn: entity_arn(account, ArnKind::Role, &path, &input.role_name),
            name: input.role_name,
            path,
            trust_policy: input.assume_role_policy_document,
            description: input.description,
            max_session_duration: input
                .max_session_duration
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(DEFAULT_SESSION_DURATION),
            created: self.now(),
        };
        let tags = input.tags;
        self.write(move |tx| {
            if tx.find_role(&role.account, &role.name)?.is_some() {
                return Err(IamError::EntityAlreadyExists {
                    kind: EntityKind::Role,
                    name: role.name,
                });
            }
            tx.insert_role(&role)?;
            tx.replace_iam_tags(TagOwner::Role(&role.role_id), &tags)?;
            Ok(Role::from_record(role, tags))
        })
        .await
    }

    /// GetRole: the role with its trust policy and tags.
    pub async fn get_role(&self, account: &str, input: GetRoleInput) -> Result<Role, IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .finish()?;
        self.store.read(|tx| {
            let role = lookup::role(tx, account, &input.role_name)?;
            let tags = tx.iam_tags(TagOwner::Role(&role.role_id))?;
            Ok(Role::from_record(role, tags))
        })
    }

    /// ListRoles: by name, optionally under a path prefix.
    pub async fn list_roles(
        &self,
        account: &str,
        input: ListRolesInput,
    ) -> Result<Page<Role>, IamError> {
        Checks::new()
            .optional("pathPrefix", input.path_prefix.as_deref(), &PATH_PREFIX)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let max = max_items(input.max_items);
        let roles = self.store.read(|tx| {
            tx.list_roles(
                account,
                input.path_prefix.as_deref(),
                input.marker.as_deref(),
                max + 1,
            )
        })?;
        Ok(Page::cut(roles, max, |r| r.name.clone()).map(|r| Role::from_record(r, Vec::new())))
    }

    /// DeleteRole: refused while the role has policies (its tags go with it).
    pub async fn delete_role(&self, account: &str, input: DeleteRoleInput) -> Result<(), IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let role = lookup::role(&*tx, &account, &input.role_name)?;
            let dependents = tx.dependents(PolicyHolder::Role(&role.role_id))?;
            if dependents.inline_policies > 0 {
                return Err(IamError::DeleteConflict(DeleteBlocker::InlinePolicies));
            }
            if dependents.attached_policies > 0 {
                return Err(IamError::DeleteConflict(DeleteBlocker::AttachedPolicies));
            }
            tx.delete_role(&role.role_id)?;
            Ok(())
        })
        .await
    }

    /// UpdateAssumeRolePolicy: replaces the trust policy.
    pub async fn update_assume_role_policy(
        &self,
        account: &str,
        input: UpdateAssumeRolePolicyInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .string("policyDocument", &input.policy_document, &POLICY_DOCUMENT)
            .finish()?;
        check_trust_policy(&input.policy_document)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let role = lookup::role(&*tx, &account, &input.role_name)?;
            tx.set_role_trust_policy(&role.role_id, &input.policy_document)?;
            Ok(())
        })
        .await
    }

    /// UpdateRole: a new description and/or maximum session duration.
    /// (The model's text says an absent MaxSessionDuration means one hour;
    /// here, as for the description, absent means unchanged, so that an
    /// UpdateRole that only sets the description keeps the duration.)
    pub async fn update_role(&self, account: &str, input: UpdateRoleInput) -> Result<(), IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .optional(
                "description",
                input.description.as_deref(),
                &ROLE_DESCRIPTION,
            )
            .range(
                "maxSessionDuration",
                input.max_session_duration,
                SESSION_DURATION,
            )
            .finish()?;
        // Within 3600..=43200 once checked, so it fits.
        let duration = input
            .max_session_duration
            .and_then(|s| u32::try_from(s).ok());
        let account = account.to_owned();
        self.write(move |tx| {
            let role = lookup::role(&*tx, &account, &input.role_name)?;
            if let Some(description) = input.description.as_deref() {
                tx.set_role_description(&role.role_id, Some(description))?;
            }
            if let Some(seconds) = duration {
                tx.set_role_max_session_duration(&role.role_id, seconds)?;
            }
            Ok(())
        })
        .await
    }

    /// UpdateRoleDescription: a new description; answers the role as it
    /// now is, with its tags.
    pub async fn update_role_description(
        &self,
        account: &str,
        input: UpdateRoleDescriptionInput,
    ) -> Result<Role, IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .string("description", &input.description, &ROLE_DESCRIPTION)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let mut role = lookup::role(&*tx, &account, &input.role_name)?;
            tx.set_role_description(&role.role_id, Some(&input.description))?;
            role.description = Some(input.description);
            let tags = tx.iam_tags(TagOwner::Role(&role.role_id))?;
            Ok(Role::from_record(role, tags))
        })
        .await
    }

    /// TagRole: adds tags, replacing those with the same keys.
    pub async fn tag_role(&self, account: &str, input: TagRoleInput) -> Result<(), IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .tags(&input.tags)
            .finish()?;
        distinct_tag_keys(&input.tags)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let role = lookup::role(&*tx, &account, &input.role_name)?;
            let owner = TagOwner::Role(&role.role_id);
            let tags = tagging::merged(tx.iam_tags(owner)?, &input.tags)?;
            tx.replace_iam_tags(owner, &tags)?;
            Ok(())
        })
        .await
    }

    /// UntagRole: removes the tags with these keys.
    pub async fn untag_role(&self, account: &str, input: UntagRoleInput) -> Result<(), IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .tag_keys(&input.tag_keys)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let role = lookup::role(&*tx, &account, &input.role_name)?;
            let owner = TagOwner::Role(&role.role_id);
            let tags = tagging::without(tx.iam_tags(owner)?, &input.tag_keys);
            tx.replace_iam_tags(owner, &tags)?;
            Ok(())
        })
        .await
    }

    /// ListRoleTags: by key.
    pub async fn list_role_tags(
        &self,
        account: &str,
        input: ListRoleTagsInput,
    ) -> Result<Page<Tag>, IamError> {
        Checks::new()
            .string("roleName", &input.role_name, &ROLE_NAME)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let tags = self.store.read(|tx| {
            let role = lookup::role(tx, account, &input.role_name)?;
            Ok::<_, IamError>(tx.iam_tags(TagOwner::Role(&role.role_id))?)
        })?;
        Ok(tagging::page(
            tags,
            input.marker.as_deref(),
            max_items(input.max_items),
        ))
    }
}
