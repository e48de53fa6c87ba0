//! What IAM operations return: plain structs named and shaped after the
//! model's output shapes (`User`, `Group`, `Role`, `Policy`, …), and
//! [`Page`] for paged lists. Dates are [`Timestamp`]s; the wire layer
//! formats them.

use std::fmt;
use strongroom_domain::iam::AccessKeyStatus;
use strongroom_domain::{Tag, Timestamp};
use strongroom_store::iam::{GroupRecord, ManagedPolicyRecord, RoleRecord, UserRecord};
use zeroize::Zeroizing;

/// The model's `User`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// `/`, or `/a/b/`.
    pub path: String,
    /// The user's name (UserName).
    pub user_name: String,
    /// `AIDA…`.
    pub user_id: String,
    /// The ARN.
    pub arn: String,
    /// When it was created.
    pub create_date: Timestamp,
    /// Filled by CreateUser and GetUser; empty in lists (as IAM's ListUsers).
    pub tags: Vec<Tag>,
}

impl User {
    pub(crate) fn from_record(r: UserRecord, tags: Vec<Tag>) -> User {
        User {
            path: r.path,
            user_name: r.name,
            user_id: r.user_id,
            arn: r.arn,
            create_date: r.created,
            tags,
        }
    }
}

/// The model's `Group`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// `/`, or `/a/b/`.
    pub path: String,
    /// The group's name (GroupName).
    pub group_name: String,
    /// `AGPA…`.
    pub group_id: String,
    /// The ARN.
    pub arn: String,
    /// When it was created.
    pub create_date: Timestamp,
}

impl From<GroupRecord> for Group {
    fn from(r: GroupRecord) -> Group {
        Group {
            path: r.path,
            group_name: r.name,
            group_id: r.group_id,
            arn: r.arn,
            create_date: r.created,
        }
    }
}

/// The model's `Role`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    /// `/`, or `/a/b/`.
    pub path: String,
    /// The role's name (RoleName).
    pub role_name: String,
    /// `AROA…`.
    pub role_id: String,
    /// The ARN.
    pub arn: String,
    /// When it was created.
    pub create_date: Timestamp,
    /// The trust policy as stored. (IAM sends it URL-encoded on the wire;
    /// that is the wire layer's business.)
    pub assume_role_policy_document: String,
    /// A free-text description.
    pub description: Option<String>,
    /// Seconds.
    pub max_session_duration: u32,
    /// Filled by CreateRole and GetRole; empty in ListRoles (as IAM's).
    pub tags: Vec<Tag>,
}

impl Role {
    pub(crate) fn from_record(r: RoleRecord, tags: Vec<Tag>) -> Role {
        Role {
            path: r.path,
            role_name: r.name,
            role_id: r.role_id,
            arn: r.arn,
            create_date: r.created,
            assume_role_policy_document: r.trust_policy,
            description: r.description,
            max_session_duration: r.max_session_duration,
            tags,
        }
    }
}

/// The model's `Policy`: a managed policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagedPolicy {
    /// The policy's name (PolicyName).
    pub policy_name: String,
    /// `ANPA…`.
    pub policy_id: String,
    /// The ARN.
    pub arn: String,
    /// `/`, or `/a/b/`.
    pub path: String,
    /// `vN`.
    pub default_version_id: String,
    /// Attachments in the caller's account.
    pub attachment_count: u64,
    /// Always 0: permissions boundaries are not supported.
    pub permissions_boundary_usage_count: u64,
    /// Always true.
    pub is_attachable: bool,
    /// A free-text description.
    pub description: Option<String>,
    /// When it was created.
    pub create_date: Timestamp,
    /// When its default version last changed.
    pub update_date: Timestamp,
    /// Filled by CreatePolicy and GetPolicy; empty in lists.
    pub tags: Vec<Tag>,
}

impl ManagedPolicy {
    pub(crate) fn from_record(r: ManagedPolicyRecord, tags: Vec<Tag>) -> ManagedPolicy {
        ManagedPolicy {
            policy_name: r.name,
            policy_id: r.policy_id,
            arn: r.arn,
            path: r.path,
            default_version_id: version_id(r.default_version),
            attachment_count: r.attachment_count,
            permissions_boundary_usage_count: 0,
            is_attachable: true,
            description: r.description,
            create_date: r.created,
            update_date: r.updated,
            tags,
        }
    }
}

/// `vN` for version number `N`.
pub(crate) fn version_id(n: u32) -> String {
    format!("v{n}")
}

/// The model's `PolicyVersion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersion {
    /// The document as stored. (URL-encoded on the wire, like a role's.)
    pub document: String,
    /// `vN`.
    pub version_id: String,
    /// Whether this is the version that applies.
    pub is_default_version: bool,
    /// When it was created.
    pub create_date: Timestamp,
}

/// The model's `AttachedPolicy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachedPolicy {
    /// The policy's name (PolicyName).
    pub policy_name: String,
    /// The managed policy's ARN (PolicyArn).
    pub policy_arn: String,
}

/// The model's `AccessKeyMetadata`: an access key without its secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyMetadata {
    /// The user's name (UserName).
    pub user_name: String,
    /// The access key's id (`AKIA…`).
    pub access_key_id: String,
    /// Whether the key may sign requests.
    pub status: AccessKeyStatus,
    /// When it was created.
    pub create_date: Timestamp,
}

/// The model's `AccessKey`: a key just created, with the secret half that is
/// shown this once. `Debug` does not print the secret.
pub struct NewAccessKey {
    /// The user's name (UserName).
    pub user_name: String,
    /// The access key's id (`AKIA…`).
    pub access_key_id: String,
    /// Whether the key may sign requests.
    pub status: AccessKeyStatus,
    /// The secret half, shown only this once.
    pub secret_access_key: Zeroizing<String>,
    /// When it was created.
    pub create_date: Timestamp,
}

impl fmt::Debug for NewAccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAccessKey")
            .field("user_name", &self.user_name)
            .field("access_key_id", &self.access_key_id)
            .field("status", &self.status)
            .field("create_date", &self.create_date)
            .finish_non_exhaustive()
    }
}

/// The model's `AccessKeyLastUsed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKeyLastUsed {
    /// `None` if the key never signed a request.
    pub last_used_date: Option<Timestamp>,
    /// The service's signing name, or `N/A` if never used (as IAM says).
    pub service_name: String,
    /// The region, or `N/A` if never used.
    pub region: String,
}

/// GetAccessKeyLastUsed's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetAccessKeyLastUsedOutput {
    /// The user's name (UserName).
    pub user_name: String,
    /// The key's last use.
    pub access_key_last_used: AccessKeyLastUsed,
}

/// GetGroup's answer: the group and one page of its members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetGroupOutput {
    /// The group.
    pub group: Group,
    /// One page of its members, by user name.
    pub users: Page<User>,
}

/// Get{User,Group,Role}Policy's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlinePolicy {
    /// The user, group or role name, as stored.
    pub holder_name: String,
    /// The policy's name (PolicyName).
    pub policy_name: String,
    /// As stored. (URL-encoded on the wire.)
    pub policy_document: String,
}

/// An item of the lists Strongroom always answers empty, because it keeps
/// none of what they list: instance profiles, MFA devices (virtual or not),
/// SSH public keys, signing certificates, service-specific credentials.
/// No value of this type exists, so a `Page<Absent>` is empty by
/// construction, and the wire layer needs no shape for its items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Absent {}

/// One page of a list, with IAM's `IsTruncated` and `Marker`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The page's items.
    pub items: Vec<T>,
    /// More items follow: pass `marker` to get them.
    pub is_truncated: bool,
    /// Set exactly when `is_truncated`.
    pub marker: Option<String>,
}

/// The MaxItems IAM uses when the caller gives none.
pub(crate) const DEFAULT_MAX_ITEMS: usize = 100;

/// The page size a validated MaxItems asks for.
pub(crate) fn max_items(requested: Option<i64>) -> usize {
    requested
        .and_then(|n| usize::try_from(n).ok())
        .unwrap_or(DEFAULT_MAX_ITEMS)
}

impl<T> Page<T> {
    /// Cuts `items`, fetched with a limit of `max + 1`, to one page;
    /// `marker_of` gives the cursor of the last item kept.
    pub(crate) fn cut(mut items: Vec<T>, max: usize, marker_of: impl Fn(&T) -> String) -> Page<T> {
        let is_truncated = items.len() > max;
        items.truncate(max);
        let marker = if is_truncated {
            items.last().map(marker_of)
        } else {
            None
        };
        Page {
            items,
            is_truncated,
            marker,
        }
    }

    /// A page without items, and nothing after it.
    pub(crate) fn empty() -> Page<T> {
        Page {
            items: Vec::new(),
            is_truncated: false,
            marker: None,
        }
    }

    pub(crate) fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            is_truncated: self.is_truncated,
            marker: self.marker,
        }
    }
}

/// The marker of managed-policy lists: `{name}/{policy id}` (names cannot
/// contain `/`, and an AWS and a customer policy may share a name).
pub(crate) fn policy_marker(name: &str, policy_id: &str) -> String {
    format!("{name}/{policy_id}")
}

/// The inverse of [`policy_marker`]; a marker without `/` resumes after the
/// name alone.
pub(crate) fn split_policy_marker(marker: &str) -> (&str, &str) {
    marker.split_once('/').unwrap_or((marker, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_truncated_only_when_more_were_fetched() {
        let page = Page::cut(vec![1, 2, 3], 2, |n| n.to_string());
        assert_eq!(
            page,
            Page {
                items: vec![1, 2],
                is_truncated: true,
                marker: Some("2".into())
            }
        );
        let page = Page::cut(vec![1, 2], 2, |n| n.to_string());
        assert_eq!(
            page,
            Page {
                items: vec![1, 2],
                is_truncated: false,
                marker: None
            }
        );
        assert_eq!(max_items(None), 100);
        assert_eq!(max_items(Some(7)), 7);
    }

    #[test]
    fn policy_markers_round_trip() {
        let m = policy_marker("AdministratorAccess", "ANPA1");
        assert_eq!(split_policy_marker(&m), ("AdministratorAccess", "ANPA1"));
        assert_eq!(split_policy_marker("x"), ("x", ""));
    }

    #[test]
    fn new_access_key_debug_hides_the_secret() {
        let k = NewAccessKey {
            user_name: "bob".into(),
            access_key_id: "AKIA".into(),
            status: AccessKeyStatus::Active,
            secret_access_key: Zeroizing::new("very-secret".into()),
            create_date: Timestamp(0),
        };
        assert!(!format!("{k:?}").contains("very-secret"));
    }
}
