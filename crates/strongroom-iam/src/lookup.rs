//! Finding the entities an operation names, inside its transaction, with
//! IAM's NoSuchEntity messages when they are missing. Generic over the
//! transaction so the same helpers serve reads and writes.

use crate::error::{EntityKind, IamError};
use crate::validate::looks_like_arn;
use strongroom_store::ReadTx;
use strongroom_store::iam::{
    GroupRecord, ManagedPolicyRecord, PolicyHolder, RoleRecord, UserRecord,
};

pub(crate) fn user<T: ReadTx + ?Sized>(
    tx: &T,
    account: &str,
    name: &str,
) -> Result<UserRecord, IamError> {
    tx.find_user(account, name)?
        .ok_or_else(|| missing(EntityKind::User, name))
}

pub(crate) fn group<T: ReadTx + ?Sized>(
    tx: &T,
    account: &str,
    name: &str,
) -> Result<GroupRecord, IamError> {
    tx.find_group(account, name)?
        .ok_or_else(|| missing(EntityKind::Group, name))
}

pub(crate) fn role<T: ReadTx + ?Sized>(
    tx: &T,
    account: &str,
    name: &str,
) -> Result<RoleRecord, IamError> {
    tx.find_role(account, name)?
        .ok_or_else(|| missing(EntityKind::Role, name))
}

fn missing(kind: EntityKind, name: &str) -> IamError {
    IamError::NoSuchEntity {
        kind,
        name: name.to_owned(),
    }
}

/// A user, group or role found by name: its unique id and stored name.
pub(crate) struct Holder {
    pub kind: EntityKind,
    pub id: String,
    pub name: String,
}

impl Holder {
    pub(crate) fn as_store(&self) -> PolicyHolder<'_> {
        match self.kind {
            EntityKind::User => PolicyHolder::User(&self.id),
            EntityKind::Group => PolicyHolder::Group(&self.id),
            EntityKind::Role => PolicyHolder::Role(&self.id),
        }
    }
}

pub(crate) fn holder<T: ReadTx + ?Sized>(
    tx: &T,
    account: &str,
    kind: EntityKind,
    name: &str,
) -> Result<Holder, IamError> {
    let (id, name) = match kind {
        EntityKind::User => {
            let u = user(tx, account, name)?;
            (u.user_id, u.name)
        }
        EntityKind::Group => {
            let g = group(tx, account, name)?;
            (g.group_id, g.name)
        }
        EntityKind::Role => {
            let r = role(tx, account, name)?;
            (r.role_id, r.name)
        }
    };
    Ok(Holder { kind, id, name })
}

/// Refuses a PolicyArn that is not an ARN at all (InvalidInput).
pub(crate) fn check_policy_arn(arn: &str) -> Result<(), IamError> {
    if looks_like_arn(arn) {
        Ok(())
    } else {
        Err(IamError::InvalidArn(arn.to_owned()))
    }
}

/// The managed policy with this ARN, if the account may use it: its own,
/// or an AWS managed one. Another account's policies are invisible.
pub(crate) fn visible_policy<T: ReadTx + ?Sized>(
    tx: &T,
    account: &str,
    arn: &str,
) -> Result<Option<ManagedPolicyRecord>, IamError> {
    Ok(tx
        .find_managed_policy(arn, account)?
        .filter(|p| p.account.as_deref().is_none_or(|owner| owner == account)))
}
