//! IAM rows and the transaction methods over them: accounts, users, groups
//! and their members, roles, inline and managed policies (with versions and
//! attachments), tags. Access keys are in [`crate::ReadTx`] /
//! [`crate::WriteTx`] with the rest of the key material.
//!
//! Architecture Invariant: every IAM rule that spans rows is either a
//! database constraint or checked by the caller inside one write closure:
//! - names are unique per account, compared case-insensitively (UNIQUE);
//! - a user has at most 2 access keys and a managed policy at most 5
//!   versions (a UNIQUE slot column with a CHECK on its range, so a
//!   concurrent third insert fails instead of overshooting);
//! - nothing that is still referenced can be deleted: access keys, group
//!   memberships, inline policies and attachments keep their user, group,
//!   role or policy alive (foreign keys ON DELETE RESTRICT), which is IAM's
//!   DeleteConflict made structural. Tags go with their owner (CASCADE).
//!
//! Paged lists take a cursor (`after`: the sort key of the last item the
//! caller has seen) and a `limit`; they never skip or repeat items when
//! others are created or deleted between pages.

use crate::StoreError;
use strongroom_domain::{Tag, Timestamp};

/// An IAM user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The unique id (`AIDA…`), never reused: a user deleted and created
    /// again under the same name is a different user.
    pub user_id: String,
    /// The 12-digit account id.
    pub account: String,
    /// The name.
    pub name: String,
    /// `/` or `/a/b/`.
    pub path: String,
    /// The ARN.
    pub arn: String,
    /// When it was created.
    pub created: Timestamp,
}

/// An IAM group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRecord {
    /// The unique id (`AGPA…`).
    pub group_id: String,
    /// The 12-digit account id.
    pub account: String,
    /// The name.
    pub name: String,
    /// `/`, or `/a/b/`.
    pub path: String,
    /// The ARN.
    pub arn: String,
    /// When it was created.
    pub created: Timestamp,
}

/// An IAM role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRecord {
    /// The unique id (`AROA…`).
    pub role_id: String,
    /// The 12-digit account id.
    pub account: String,
    /// The name.
    pub name: String,
    /// `/`, or `/a/b/`.
    pub path: String,
    /// The ARN.
    pub arn: String,
    /// The trust policy (AssumeRolePolicyDocument) as the caller sent it.
    pub trust_policy: String,
    /// A free-text description.
    pub description: Option<String>,
    /// Seconds, 3600..=43200 (a CHECK constraint).
    pub max_session_duration: u32,
    /// When it was created.
    pub created: Timestamp,
}

/// Who an inline policy belongs to, or who a managed policy is attached to:
/// a user, group or role, by unique id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyHolder<'a> {
    /// A user, by `AIDA…` id.
    User(&'a str),
    /// A group, by `AGPA…` id.
    Group(&'a str),
    /// A role, by `AROA…` id.
    Role(&'a str),
}

/// Whose tags: a user, role or managed policy, by unique id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagOwner<'a> {
    /// A user, by `AIDA…` id.
    User(&'a str),
    /// A role, by `AROA…` id.
    Role(&'a str),
    /// A managed policy, by `ANPA…` id.
    Policy(&'a str),
}

/// A policy embedded in one user, group or role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePolicyRecord {
    /// The name.
    pub name: String,
    /// The policy document (JSON), as given.
    pub document: String,
}

/// A managed policy: the customer's own (`account` set) or AWS's (`None`,
/// ARN `arn:aws:iam::aws:policy/…`, usable from every account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicyRecord {
    /// The unique id (`ANPA…`).
    pub policy_id: String,
    /// `None` for AWS managed policies.
    pub account: Option<String>,
    /// The name.
    pub name: String,
    /// `/`, or `/a/b/`.
    pub path: String,
    /// The ARN.
    pub arn: String,
    /// A free-text description.
    pub description: Option<String>,
    /// The number `N` of the default version `vN`.
    pub default_version: u32,
    /// When it was created.
    pub created: Timestamp,
    /// When the default version last changed.
    pub updated: Timestamp,
    /// Users, groups and roles it is attached to in the account the record
    /// was read for (AWS managed policies are shared, their attachments are
    /// not). Ignored on insert.
    pub attachment_count: u64,
}

/// One version of a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionRecord {
    /// The `N` of `vN`.
    pub version: u32,
    /// The policy document (JSON), as given.
    pub document: String,
    /// When it was created.
    pub created: Timestamp,
}

/// Which managed policies ListPolicies shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyScope {
    /// AWS managed and the account's own.
    All,
    /// AWS managed only.
    Aws,
    /// The account's own only.
    Local,
}

/// ListPolicies' filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyFilter<'a> {
    /// AWS managed, customer managed, or both.
    pub scope: PolicyScope,
    /// Only policies attached to something in the account.
    pub only_attached: bool,
    /// Only policies whose path starts with this (compared exactly).
    pub path_prefix: Option<&'a str>,
}

/// The cursor of managed-policy lists: name, then id (AWS and customer
/// policies may share a name).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PolicyCursor<'a> {
    /// The name.
    pub name: &'a str,
    /// The policy's unique id: ties between equal names break on it.
    pub policy_id: &'a str,
}

/// What still hangs off a user, group or role and blocks its deletion.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Dependents {
    /// A user's access keys (0 for groups and roles).
    pub access_keys: u64,
    /// Inline policies.
    pub inline_policies: u64,
    /// Managed policies attached.
    pub attached_policies: u64,
    /// A user's groups, or a group's members (0 for roles).
    pub memberships: u64,
}

/// IAM queries available in every transaction.
pub trait IamReadTx {
    /// Whether the account was created.
    fn iam_account_exists(&self, account: &str) -> Result<bool, StoreError>;

    /// The user named `name` (case-insensitively) in `account`.
    fn find_user(&self, account: &str, name: &str) -> Result<Option<UserRecord>, StoreError>;
    /// The user with this unique id.
    fn find_user_by_id(&self, user_id: &str) -> Result<Option<UserRecord>, StoreError>;
    /// Users ordered by name (case-insensitively), after `after`, at most `limit`.
    fn list_users(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UserRecord>, StoreError>;

    /// The group named `name` (case-insensitively) in `account`.
    fn find_group(&self, account: &str, name: &str) -> Result<Option<GroupRecord>, StoreError>;
    /// Groups ordered by name, after `after`, at most `limit`.
    fn list_groups(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<GroupRecord>, StoreError>;
    /// A group's members ordered by user name.
    fn group_members(
        &self,
        group_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UserRecord>, StoreError>;
    /// The groups a user is in, ordered by group name.
    fn groups_of_user(
        &self,
        user_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<GroupRecord>, StoreError>;

    /// The role named `name` (case-insensitively) in `account`.
    fn find_role(&self, account: &str, name: &str) -> Result<Option<RoleRecord>, StoreError>;
    /// Roles ordered by name, after `after`, at most `limit`.
    fn list_roles(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RoleRecord>, StoreError>;

    /// Tags in the order they were first set.
    fn iam_tags(&self, owner: TagOwner<'_>) -> Result<Vec<Tag>, StoreError>;

    /// The holder's inline policy `name` (names compare exactly).
    fn inline_policy(
        &self,
        holder: PolicyHolder<'_>,
        name: &str,
    ) -> Result<Option<InlinePolicyRecord>, StoreError>;
    /// All of a holder's inline policies, ordered by name. (There are few:
    /// their aggregate size is limited to at most 10,240 characters.)
    fn inline_policies(
        &self,
        holder: PolicyHolder<'_>,
    ) -> Result<Vec<InlinePolicyRecord>, StoreError>;

    /// The managed policy with this exact ARN, its attachment count taken
    /// in `account`.
    fn find_managed_policy(
        &self,
        arn: &str,
        account: &str,
    ) -> Result<Option<ManagedPolicyRecord>, StoreError>;
    /// The account's own policy named `name` (case-insensitively).
    fn find_managed_policy_by_name(
        &self,
        account: &str,
        name: &str,
    ) -> Result<Option<ManagedPolicyRecord>, StoreError>;
    /// Policies visible in `account`, ordered by (name, id), after `after`.
    fn list_managed_policies(
        &self,
        account: &str,
        filter: PolicyFilter<'_>,
        after: Option<PolicyCursor<'_>>,
        limit: usize,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError>;
    /// A policy's versions, oldest first.
    fn policy_versions(&self, policy_id: &str) -> Result<Vec<PolicyVersionRecord>, StoreError>;
    /// Version `vN` of a policy.
    fn policy_version(
        &self,
        policy_id: &str,
        version: u32,
    ) -> Result<Option<PolicyVersionRecord>, StoreError>;

    /// The managed policies attached to `holder`, ordered by (name, id),
    /// optionally only those whose path starts with `path_prefix`.
    /// `attachment_count` is not filled in (0).
    fn attached_policies(
        &self,
        holder: PolicyHolder<'_>,
        path_prefix: Option<&str>,
        after: Option<PolicyCursor<'_>>,
        limit: usize,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError>;
    /// The default-version documents of every policy attached to `holder`,
    /// as (policy ARN, document): what evaluation needs.
    fn attached_policy_documents(
        &self,
        holder: PolicyHolder<'_>,
    ) -> Result<Vec<(String, String)>, StoreError>;

    /// What blocks deleting `holder`.
    fn dependents(&self, holder: PolicyHolder<'_>) -> Result<Dependents, StoreError>;

    /// An access key with its owner's name and account.
    fn access_key(&self, access_key_id: &str)
    -> Result<Option<crate::AccessKeyRecord>, StoreError>;
    /// A user's access keys, ordered by id.
    fn access_keys_of_user(&self, user_id: &str)
    -> Result<Vec<crate::AccessKeyRecord>, StoreError>;
}

/// IAM changes, only inside a write transaction. Entities are addressed by
/// unique id. The caller has checked existence in the same transaction;
/// constraints catch what a concurrent transaction changed meanwhile.
pub trait IamWriteTx: IamReadTx {
    /// Records an account. Returns false (and changes nothing) if it exists.
    fn insert_iam_account(&mut self, account: &str, created: Timestamp)
    -> Result<bool, StoreError>;

    /// Inserts a user; refused if the name is taken in the account.
    fn insert_user(&mut self, user: &UserRecord) -> Result<(), StoreError>;
    /// Deletes a user and its tags; refused while it has access keys,
    /// policies or group memberships.
    fn delete_user(&mut self, user_id: &str) -> Result<(), StoreError>;
    /// Gives a user a new name and path, and the ARN that goes with them;
    /// refused if another user of the account has the name (ignoring case).
    /// Everything that refers to the user does so by unique id, so keys,
    /// policies and memberships follow it.
    fn rename_user(
        &mut self,
        user_id: &str,
        name: &str,
        path: &str,
        arn: &str,
    ) -> Result<(), StoreError>;

    /// Inserts a group; refused if the name is taken in the account.
    fn insert_group(&mut self, group: &GroupRecord) -> Result<(), StoreError>;
    /// Deletes a group; refused while it has members or policies.
    fn delete_group(&mut self, group_id: &str) -> Result<(), StoreError>;
    /// Gives a group a new name and path, and the ARN that goes with them;
    /// refused if another group of the account has the name (ignoring case).
    fn rename_group(
        &mut self,
        group_id: &str,
        name: &str,
        path: &str,
        arn: &str,
    ) -> Result<(), StoreError>;
    /// Returns false if the user already was a member.
    fn add_group_member(&mut self, group_id: &str, user_id: &str) -> Result<bool, StoreError>;
    /// Returns false if the user was not a member.
    fn remove_group_member(&mut self, group_id: &str, user_id: &str) -> Result<bool, StoreError>;

    /// Inserts a role; refused if the name is taken in the account.
    fn insert_role(&mut self, role: &RoleRecord) -> Result<(), StoreError>;
    /// Deletes a role and its tags; refused while it has policies.
    fn delete_role(&mut self, role_id: &str) -> Result<(), StoreError>;
    /// Replaces a role's trust policy.
    fn set_role_trust_policy(&mut self, role_id: &str, document: &str) -> Result<(), StoreError>;
    /// Replaces a role's description (`None`: none).
    fn set_role_description(
        &mut self,
        role_id: &str,
        description: Option<&str>,
    ) -> Result<(), StoreError>;
    /// Sets a role's maximum session duration, in seconds; refused by the
    /// database outside 3600..=43200.
    fn set_role_max_session_duration(
        &mut self,
        role_id: &str,
        seconds: u32,
    ) -> Result<(), StoreError>;

    /// Replaces all of an owner's tags, keeping the given order.
    fn replace_iam_tags(&mut self, owner: TagOwner<'_>, tags: &[Tag]) -> Result<(), StoreError>;

    /// Creates or replaces the holder's inline policy `name`.
    fn put_inline_policy(
        &mut self,
        holder: PolicyHolder<'_>,
        name: &str,
        document: &str,
    ) -> Result<(), StoreError>;
    /// Returns false if there was no such policy.
    fn delete_inline_policy(
        &mut self,
        holder: PolicyHolder<'_>,
        name: &str,
    ) -> Result<bool, StoreError>;

    /// Inserts a managed policy with its first (default) version.
    fn insert_managed_policy(
        &mut self,
        policy: &ManagedPolicyRecord,
        first_version: &PolicyVersionRecord,
    ) -> Result<(), StoreError>;
    /// Deletes a managed policy with its versions and tags; refused while
    /// it is attached.
    fn delete_managed_policy(&mut self, policy_id: &str) -> Result<(), StoreError>;
    /// Adds a version numbered one past the highest the policy ever had
    /// (version ids are never reused) and returns that number. Refused by
    /// the database if the policy already has 5 versions.
    fn insert_policy_version(
        &mut self,
        policy_id: &str,
        document: &str,
        created: Timestamp,
    ) -> Result<u32, StoreError>;
    /// Deletes version `version` of a policy, unless it is the default one
    /// (the statement itself checks, so a concurrent SetDefaultPolicyVersion
    /// cannot make it delete the default). Returns false, and deletes
    /// nothing, if there is no such version or it is the default.
    fn delete_policy_version(&mut self, policy_id: &str, version: u32) -> Result<bool, StoreError>;
    /// Makes version `version` the default and records when.
    fn set_default_policy_version(
        &mut self,
        policy_id: &str,
        version: u32,
        updated: Timestamp,
    ) -> Result<(), StoreError>;

    /// Attaches a managed policy (`account` is the holder's account).
    /// Returns false if it already was attached.
    fn attach_policy(
        &mut self,
        holder: PolicyHolder<'_>,
        account: &str,
        policy_id: &str,
    ) -> Result<bool, StoreError>;
    /// Returns false if it was not attached.
    fn detach_policy(
        &mut self,
        holder: PolicyHolder<'_>,
        policy_id: &str,
    ) -> Result<bool, StoreError>;

    /// Activates or deactivates a key.
    fn set_access_key_status(
        &mut self,
        access_key_id: &str,
        status: strongroom_domain::iam::AccessKeyStatus,
    ) -> Result<(), StoreError>;
    /// Returns false if there was no such key.
    fn delete_access_key(&mut self, access_key_id: &str) -> Result<bool, StoreError>;
    /// Records a key's last use.
    fn record_access_key_use(
        &mut self,
        access_key_id: &str,
        used: &crate::AccessKeyUse,
    ) -> Result<(), StoreError>;
}
