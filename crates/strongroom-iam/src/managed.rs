//! Managed policies: CreatePolicy, GetPolicy, GetPolicyVersion,
//! ListPolicies, DeletePolicy, CreatePolicyVersion, SetDefaultPolicyVersion,
//! ListPolicyVersions, DeletePolicyVersion, TagPolicy, UntagPolicy,
//! ListPolicyTags.
//!
//! AWS managed policies (`arn:aws:iam::aws:policy/…`) are visible to every
//! account and attachable, but nobody may delete, version or tag them.

use crate::error::{DeleteBlocker, IamError, Limit};
use crate::lookup::{check_policy_arn, visible_policy};
use crate::model::{
    ManagedPolicy, Page, PolicyVersion, max_items, policy_marker, split_policy_marker, version_id,
};
use crate::validate::{
    ARN, Checks, POLICY_DESCRIPTION, POLICY_DOCUMENT, POLICY_NAME, POLICY_PATH, VERSION_ID,
    distinct_tag_keys,
};
use crate::{Iam, tagging};
use strongroom_domain::Tag;
use strongroom_domain::iam::{ArnKind, IdKind, entity_arn, new_unique_id};
use strongroom_policy::{Policy, PolicyKind, size_without_whitespace};
use strongroom_store::ReadTx;
use strongroom_store::iam::{
    ManagedPolicyRecord, PolicyCursor, PolicyFilter, PolicyScope, PolicyVersionRecord, TagOwner,
};

/// IAM's quota on one managed policy version, in characters without white space.
const MAX_POLICY_SIZE: usize = 6144;
/// Versions one managed policy may keep.
const MAX_VERSIONS: usize = 5;

/// CreatePolicy's input.
#[derive(Debug, Clone, Default)]
pub struct CreatePolicyInput {
    /// The policy's name (PolicyName).
    pub policy_name: String,
    /// `/` when absent.
    pub path: Option<String>,
    /// The policy document, JSON (PolicyDocument).
    pub policy_document: String,
    /// A free-text description.
    pub description: Option<String>,
    /// Tags, in the order given.
    pub tags: Vec<Tag>,
}

/// GetPolicy's and DeletePolicy's input.
#[derive(Debug, Clone, Default)]
pub struct PolicyArnInput {
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
}

/// GetPolicyVersion's input.
#[derive(Debug, Clone, Default)]
pub struct GetPolicyVersionInput {
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
    /// `vN`.
    pub version_id: String,
}

/// ListPolicies' input.
#[derive(Debug, Clone, Default)]
pub struct ListPoliciesInput {
    /// `All` (when absent), `AWS` or `Local`.
    pub scope: Option<String>,
    /// Only policies attached to a user, group or role of the account.
    pub only_attached: bool,
    /// Only entities whose path starts with this.
    pub path_prefix: Option<String>,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// CreatePolicyVersion's input.
#[derive(Debug, Clone, Default)]
pub struct CreatePolicyVersionInput {
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
    /// The policy document, JSON (PolicyDocument).
    pub policy_document: String,
    /// Make the new version the default one.
    pub set_as_default: bool,
}

/// SetDefaultPolicyVersion's input.
#[derive(Debug, Clone, Default)]
pub struct SetDefaultPolicyVersionInput {
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
    /// `vN`.
    pub version_id: String,
}

/// ListPolicyVersions' input.
#[derive(Debug, Clone, Default)]
pub struct ListPolicyVersionsInput {
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// DeletePolicyVersion's input.
#[derive(Debug, Clone, Default)]
pub struct DeletePolicyVersionInput {
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
    /// `vN`.
    pub version_id: String,
}

/// TagPolicy's input.
#[derive(Debug, Clone, Default)]
pub struct TagPolicyInput {
    /// The customer managed policy's ARN (PolicyArn).
    pub policy_arn: String,
    /// Tags, in the order given.
    pub tags: Vec<Tag>,
}

/// UntagPolicy's input.
#[derive(Debug, Clone, Default)]
pub struct UntagPolicyInput {
    /// The customer managed policy's ARN (PolicyArn).
    pub policy_arn: String,
    /// Keys of the tags to remove (ignoring case).
    pub tag_keys: Vec<String>,
}

/// ListPolicyTags' input.
#[derive(Debug, Clone, Default)]
pub struct ListPolicyTagsInput {
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// A managed policy document IAM would accept: an identity policy that
/// declares the current language version and fits the quota.
fn check_managed_document(document: &str) -> Result<(), IamError> {
    let policy =
        Policy::parse(document, PolicyKind::Identity).map_err(IamError::MalformedPolicyDocument)?;
    policy
        .require_current_version()
        .map_err(IamError::MalformedPolicyDocument)?;
    if size_without_whitespace(document) > MAX_POLICY_SIZE {
        return Err(IamError::LimitExceeded(Limit::ManagedPolicySize));
    }
    Ok(())
}

/// The number `N` of a version id `vN`; `None` for ids with a suffix
/// (`v1.x`), which the model allows but no version ever has.
fn version_number(version_id: &str) -> Option<u32> {
    version_id.strip_prefix('v')?.parse().ok()
}

/// The policy, if the account may see it, else NoSuchEntity.
fn found_policy<T: ReadTx + ?Sized>(
    tx: &T,
    account: &str,
    arn: &str,
) -> Result<ManagedPolicyRecord, IamError> {
    visible_policy(tx, account, arn)?.ok_or_else(|| IamError::NoSuchPolicy(arn.to_owned()))
}

/// The customer's own policy: AWS's may be read and attached, not changed.
fn own_policy<T: ReadTx + ?Sized>(
    tx: &T,
    account: &str,
    arn: &str,
) -> Result<ManagedPolicyRecord, IamError> {
    let policy = found_policy(tx, account, arn)?;
    if policy.account.is_none() {
        return Err(IamError::AwsManagedPolicy(arn.to_owned()));
    }
    Ok(policy)
}

fn check_arn(arn: &str) -> Result<(), IamError> {
    Checks::new().string("policyArn", arn, &ARN).finish()?;
    check_policy_arn(arn)
}

impl Iam {
    /// CreatePolicy: a customer managed policy with version `v1` as default.
    pub async fn create_policy(
        &self,
        account: &str,
        input: CreatePolicyInput,
    ) -> Result<ManagedPolicy, IamError> {
        Checks::new()
            .string("policyName", &input.policy_name, &POLICY_NAME)
            .optional("path", input.path.as_deref(), &POLICY_PATH)
            .string("policyDocument", &input.policy_document, &POLICY_DOCUMENT)
            .optional(
                "description",
                input.description.as_deref(),
                &POLICY_DESCRIPTION,
            )
            .tags(&input.tags)
            .finish()?;
        distinct_tag_keys(&input.tags)?;
        check_managed_document(&input.policy_document)?;
        let path = input.path.unwrap_or_else(|| "/".to_owned());
        let now = self.now();
        let policy = ManagedPolicyRecord {
            policy_id: new_unique_id(IdKind::ManagedPolicy),
            account: Some(account.to_owned()),
            arn: entity_arn(account, ArnKind::Policy, &path, &input.policy_name),
            name: input.policy_name,
            path,
            description: input.description,
            default_version: 1,
            created: now,
            updated: now,
            attachment_count: 0,
        };
        let first = PolicyVersionRecord {
            version: 1,
            document: input.policy_document,
            created: now,
        };
        let tags = input.tags;
        let account = account.to_owned();
        self.write(move |tx| {
            if tx
                .find_managed_policy_by_name(&account, &policy.name)?
                .is_some()
            {
                return Err(IamError::PolicyAlreadyExists(policy.name));
            }
            tx.insert_managed_policy(&policy, &first)?;
            tx.replace_iam_tags(TagOwner::Policy(&policy.policy_id), &tags)?;
            Ok(ManagedPolicy::from_record(policy, tags))
        })
        .await
    }

    /// GetPolicy: the policy (its attachment count taken in the caller's
    /// account) with its tags.
    pub async fn get_policy(
        &self,
        account: &str,
        input: PolicyArnInput,
    ) -> Result<ManagedPolicy, IamError> {
        check_arn(&input.policy_arn)?;
        self.store.read(|tx| {
            let policy = found_policy(tx, account, &input.policy_arn)?;
            let tags = tx.iam_tags(TagOwner::Policy(&policy.policy_id))?;
            Ok(ManagedPolicy::from_record(policy, tags))
        })
    }

    /// GetPolicyVersion: one version's document.
    pub async fn get_policy_version(
        &self,
        account: &str,
        input: GetPolicyVersionInput,
    ) -> Result<PolicyVersion, IamError> {
        Checks::new()
            .string("policyArn", &input.policy_arn, &ARN)
            .string("versionId", &input.version_id, &VERSION_ID)
            .finish()?;
        check_policy_arn(&input.policy_arn)?;
        self.store.read(|tx| {
            let policy = found_policy(tx, account, &input.policy_arn)?;
            let version = match version_number(&input.version_id) {
                Some(n) => tx.policy_version(&policy.policy_id, n)?,
                None => None,
            }
            .ok_or_else(|| IamError::NoSuchPolicyVersion {
                arn: input.policy_arn.clone(),
                version_id: input.version_id.clone(),
            })?;
            Ok(PolicyVersion {
                is_default_version: version.version == policy.default_version,
                version_id: version_id(version.version),
                document: version.document,
                create_date: version.created,
            })
        })
    }

    /// ListPolicies: AWS managed and/or the account's own, by name.
    pub async fn list_policies(
        &self,
        account: &str,
        input: ListPoliciesInput,
    ) -> Result<Page<ManagedPolicy>, IamError> {
        Checks::new()
            .one_of("scope", input.scope.as_deref(), &["All", "AWS", "Local"])
            .optional("pathPrefix", input.path_prefix.as_deref(), &POLICY_PATH)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let scope = match input.scope.as_deref() {
            Some("AWS") => PolicyScope::Aws,
            Some("Local") => PolicyScope::Local,
            _ => PolicyScope::All,
        };
        let max = max_items(input.max_items);
        let after = input.marker.as_deref().map(|m| {
            let (name, policy_id) = split_policy_marker(m);
            PolicyCursor { name, policy_id }
        });
        let filter = PolicyFilter {
            scope,
            only_attached: input.only_attached,
            path_prefix: input.path_prefix.as_deref(),
        };
        let policies = self
            .store
            .read(|tx| tx.list_managed_policies(account, filter, after, max + 1))?;
        Ok(
            Page::cut(policies, max, |p| policy_marker(&p.name, &p.policy_id))
                .map(|p| ManagedPolicy::from_record(p, Vec::new())),
        )
    }

    /// DeletePolicy: refused while attached or while versions other than
    /// the default exist.
    pub async fn delete_policy(
        &self,
        account: &str,
        input: PolicyArnInput,
    ) -> Result<(), IamError> {
        check_arn(&input.policy_arn)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let policy = own_policy(&*tx, &account, &input.policy_arn)?;
            if policy.attachment_count > 0 {
                return Err(IamError::DeleteConflict(DeleteBlocker::PolicyAttached));
            }
            if tx.policy_versions(&policy.policy_id)?.len() > 1 {
                return Err(IamError::DeleteConflict(DeleteBlocker::PolicyVersions));
            }
            tx.delete_managed_policy(&policy.policy_id)?;
            Ok(())
        })
        .await
    }

    /// CreatePolicyVersion: version `v(N+1)` past the highest ever given.
    pub async fn create_policy_version(
        &self,
        account: &str,
        input: CreatePolicyVersionInput,
    ) -> Result<PolicyVersion, IamError> {
        Checks::new()
            .string("policyArn", &input.policy_arn, &ARN)
            .string("policyDocument", &input.policy_document, &POLICY_DOCUMENT)
            .finish()?;
        check_policy_arn(&input.policy_arn)?;
        check_managed_document(&input.policy_document)?;
        let now = self.now();
        let account = account.to_owned();
        self.write(move |tx| {
            let policy = own_policy(&*tx, &account, &input.policy_arn)?;
            if tx.policy_versions(&policy.policy_id)?.len() >= MAX_VERSIONS {
                return Err(IamError::LimitExceeded(Limit::PolicyVersions));
            }
            let version =
                tx.insert_policy_version(&policy.policy_id, &input.policy_document, now)?;
            if input.set_as_default {
                tx.set_default_policy_version(&policy.policy_id, version, now)?;
            }
            Ok(PolicyVersion {
                document: input.policy_document,
                version_id: version_id(version),
                is_default_version: input.set_as_default,
                create_date: now,
            })
        })
        .await
    }

    /// SetDefaultPolicyVersion.
    pub async fn set_default_policy_version(
        &self,
        account: &str,
        input: SetDefaultPolicyVersionInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("policyArn", &input.policy_arn, &ARN)
            .string("versionId", &input.version_id, &VERSION_ID)
            .finish()?;
        check_policy_arn(&input.policy_arn)?;
        let now = self.now();
        let account = account.to_owned();
        self.write(move |tx| {
            let policy = own_policy(&*tx, &account, &input.policy_arn)?;
            let version = match version_number(&input.version_id) {
                Some(n) => tx.policy_version(&policy.policy_id, n)?,
                None => None,
            }
            .ok_or_else(|| IamError::NoSuchPolicyVersion {
                arn: input.policy_arn.clone(),
                version_id: input.version_id.clone(),
            })?;
            tx.set_default_policy_version(&policy.policy_id, version.version, now)?;
            Ok(())
        })
        .await
    }
}

impl Iam {
    /// ListPolicyVersions: newest first, as IAM lists them, without their
    /// documents (GetPolicyVersion has those). AWS managed policies' too.
    /// The marker is the last version id seen; one that is no version id
    /// resumes nowhere (an empty page).
    pub async fn list_policy_versions(
        &self,
        account: &str,
        input: ListPolicyVersionsInput,
    ) -> Result<Page<PolicyVersion>, IamError> {
        Checks::new()
            .string("policyArn", &input.policy_arn, &ARN)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        check_policy_arn(&input.policy_arn)?;
        let (policy, mut versions) = self.store.read(|tx| {
            let policy = found_policy(tx, account, &input.policy_arn)?;
            let versions = tx.policy_versions(&policy.policy_id)?;
            Ok::<_, IamError>((policy, versions))
        })?;
        versions.reverse();
        let before = match input.marker.as_deref() {
            Some(m) => version_number(m).unwrap_or(0),
            None => u32::MAX,
        };
        let max = max_items(input.max_items);
        let rest: Vec<PolicyVersionRecord> = versions
            .into_iter()
            .filter(|v| v.version < before)
            .take(max.saturating_add(1))
            .collect();
        Ok(
            Page::cut(rest, max, |v| version_id(v.version)).map(|v| PolicyVersion {
                is_default_version: v.version == policy.default_version,
                version_id: version_id(v.version),
                document: v.document,
                create_date: v.created,
            }),
        )
    }

    /// DeletePolicyVersion: any version but the default one, which goes
    /// only with the policy (DeletePolicy).
    pub async fn delete_policy_version(
        &self,
        account: &str,
        input: DeletePolicyVersionInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("policyArn", &input.policy_arn, &ARN)
            .string("versionId", &input.version_id, &VERSION_ID)
            .finish()?;
        check_policy_arn(&input.policy_arn)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let policy = own_policy(&*tx, &account, &input.policy_arn)?;
            let version = match version_number(&input.version_id) {
                Some(n) => tx.policy_version(&policy.policy_id, n)?,
                None => None,
            }
            .ok_or_else(|| IamError::NoSuchPolicyVersion {
                arn: input.policy_arn.clone(),
                version_id: input.version_id.clone(),
            })?;
            if version.version == policy.default_version
                || !tx.delete_policy_version(&policy.policy_id, version.version)?
            {
                return Err(IamError::DeleteConflict(
                    DeleteBlocker::DefaultPolicyVersion,
                ));
            }
            Ok(())
        })
        .await
    }

    /// TagPolicy: adds tags to a customer managed policy, replacing those
    /// with the same keys (ignoring case); at most 50.
    pub async fn tag_policy(&self, account: &str, input: TagPolicyInput) -> Result<(), IamError> {
        Checks::new()
            .string("policyArn", &input.policy_arn, &ARN)
            .tags(&input.tags)
            .finish()?;
        distinct_tag_keys(&input.tags)?;
        check_policy_arn(&input.policy_arn)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let policy = own_policy(&*tx, &account, &input.policy_arn)?;
            let owner = TagOwner::Policy(&policy.policy_id);
            let tags = tagging::merged(tx.iam_tags(owner)?, &input.tags)?;
            tx.replace_iam_tags(owner, &tags)?;
            Ok(())
        })
        .await
    }

    /// UntagPolicy: removes the tags with these keys; keys that match none
    /// are ignored.
    pub async fn untag_policy(
        &self,
        account: &str,
        input: UntagPolicyInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("policyArn", &input.policy_arn, &ARN)
            .tag_keys(&input.tag_keys)
            .finish()?;
        check_policy_arn(&input.policy_arn)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let policy = own_policy(&*tx, &account, &input.policy_arn)?;
            let owner = TagOwner::Policy(&policy.policy_id);
            let tags = tagging::without(tx.iam_tags(owner)?, &input.tag_keys);
            tx.replace_iam_tags(owner, &tags)?;
            Ok(())
        })
        .await
    }

    /// ListPolicyTags: by key (AWS managed policies have none).
    pub async fn list_policy_tags(
        &self,
        account: &str,
        input: ListPolicyTagsInput,
    ) -> Result<Page<Tag>, IamError> {
        Checks::new()
            .string("policyArn", &input.policy_arn, &ARN)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        check_policy_arn(&input.policy_arn)?;
        let tags = self.store.read(|tx| {
            let policy = found_policy(tx, account, &input.policy_arn)?;
            Ok::<_, IamError>(tx.iam_tags(TagOwner::Policy(&policy.policy_id))?)
        })?;
        Ok(tagging::page(
            tags,
            input.marker.as_deref(),
            max_items(input.max_items),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_ids_number_versions() {
        assert_eq!(version_number("v1"), Some(1));
        assert_eq!(version_number("v42"), Some(42));
        assert_eq!(version_number("v1.draft"), None);
        assert_eq!(version_number("x1"), None);
    }
}
