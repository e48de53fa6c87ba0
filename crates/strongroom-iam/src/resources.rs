//! The ARNs that authorization needs before an operation runs: the wire
//! layer authorizes every IAM operation on its resource's ARN, which for an
//! existing user, group or role includes the path the request does not give
//! (a policy or a deny scoped to `user/admins/*` must apply to them), and
//! for GetAccessKeyLastUsed is the key's owner.
//!
//! These are plain reads, not authorized themselves: they only choose what
//! the authorization step evaluates, and their answer never reaches the
//! client unless the caller is allowed.

use crate::Iam;
use crate::error::{EntityKind, IamError};
use strongroom_domain::Tag;
use strongroom_store::iam::TagOwner;

impl Iam {
    /// The ARN (with its path) of the user, group or role `name` of
    /// `account` (names ignore case), or `None` if there is none.
    pub fn entity_arn(
        &self,
        account: &str,
        kind: EntityKind,
        name: &str,
    ) -> Result<Option<String>, IamError> {
        Ok(self
            .entity_arn_and_tags(account, kind, name)?
            .map(|(arn, _)| arn))
    }

    /// [`entity_arn`](Self::entity_arn) with the entity's tags (users and
    /// roles have tags; groups none), for `aws:ResourceTag/…` conditions.
    pub fn entity_arn_and_tags(
        &self,
        account: &str,
        kind: EntityKind,
        name: &str,
    ) -> Result<Option<(String, Vec<Tag>)>, IamError> {
        self.store.read(|tx| {
            Ok(match kind {
                EntityKind::User => match tx.find_user(account, name)? {
                    Some(u) => Some((u.arn, tx.iam_tags(TagOwner::User(&u.user_id))?)),
                    None => None,
                },
                EntityKind::Group => tx.find_group(account, name)?.map(|g| (g.arn, Vec::new())),
                EntityKind::Role => match tx.find_role(account, name)? {
                    Some(r) => Some((r.arn, tx.iam_tags(TagOwner::Role(&r.role_id))?)),
                    None => None,
                },
            })
        })
    }

    /// The ARN of the user that owns access key `access_key_id`, if the key
    /// exists in `account` (another account's keys are as good as missing).
    pub fn access_key_owner_arn(
        &self,
        account: &str,
        access_key_id: &str,
    ) -> Result<Option<String>, IamError> {
        self.store.read(|tx| {
            let Some(key) = tx.access_key(access_key_id)? else {
                return Ok(None);
            };
            if key.account != account {
                return Ok(None);
            }
            Ok(tx.find_user_by_id(&key.user_id)?.map(|u| u.arn))
        })
    }

    /// The tags of managed policy `arn` if `account` may use it (its own;
    /// AWS managed policies have none), for `aws:ResourceTag/…` conditions.
    pub fn policy_tags(&self, account: &str, arn: &str) -> Result<Vec<Tag>, IamError> {
        self.store.read(|tx| {
            Ok(match crate::lookup::visible_policy(tx, account, arn)? {
                Some(policy) if policy.account.is_some() => {
                    tx.iam_tags(TagOwner::Policy(&policy.policy_id))?
                }
                _ => Vec::new(),
            })
        })
    }
}
