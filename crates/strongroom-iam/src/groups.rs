//! Groups and membership: CreateGroup, GetGroup, ListGroups, UpdateGroup,
//! DeleteGroup, AddUserToGroup, RemoveUserFromGroup, ListGroupsForUser.

use crate::error::{DeleteBlocker, EntityKind, IamError, Limit};
use crate::model::{GetGroupOutput, Group, Page, User, max_items};
use crate::validate::{Checks, EXISTING_USER_NAME, GROUP_NAME, PATH, PATH_PREFIX};
use crate::{Iam, lookup};
use strongroom_domain::iam::{ArnKind, IdKind, entity_arn, new_unique_id};
use strongroom_store::iam::{GroupRecord, PolicyHolder};

/// IAM's GroupsPerUser quota.
const MAX_GROUPS_PER_USER: u64 = 10;

/// CreateGroup's input.
#[derive(Debug, Clone, Default)]
pub struct CreateGroupInput {
    /// `/` when absent.
    pub path: Option<String>,
    /// The group's name (GroupName).
    pub group_name: String,
}

/// GetGroup's input: the group, and which page of its members.
#[derive(Debug, Clone, Default)]
pub struct GetGroupInput {
    /// The group's name (GroupName).
    pub group_name: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// ListGroups' input.
#[derive(Debug, Clone, Default)]
pub struct ListGroupsInput {
    /// Only entities whose path starts with this.
    pub path_prefix: Option<String>,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// UpdateGroup's input: a new name, a new path, or both (neither changes
/// nothing).
#[derive(Debug, Clone, Default)]
pub struct UpdateGroupInput {
    /// The group's current name (GroupName).
    pub group_name: String,
    /// The new path (NewPath); the current one when absent.
    pub new_path: Option<String>,
    /// The new name (NewGroupName); the current one when absent.
    pub new_group_name: Option<String>,
}

/// DeleteGroup's input.
#[derive(Debug, Clone, Default)]
pub struct DeleteGroupInput {
    /// The group's name (GroupName).
    pub group_name: String,
}

/// AddUserToGroup's and RemoveUserFromGroup's input.
#[derive(Debug, Clone, Default)]
pub struct GroupMembershipInput {
    /// The group's name (GroupName).
    pub group_name: String,
    /// The user's name (UserName).
    pub user_name: String,
}

/// ListGroupsForUser's input.
#[derive(Debug, Clone, Default)]
pub struct ListGroupsForUserInput {
    /// The user's name (UserName).
    pub user_name: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

impl Iam {
    /// CreateGroup: a new group with a fresh `AGPA…` id.
    pub async fn create_group(
        &self,
        account: &str,
        input: CreateGroupInput,
    ) -> Result<Group, IamError> {
        Checks::new()
            .optional("path", input.path.as_deref(), &PATH)
            .string("groupName", &input.group_name, &GROUP_NAME)
            .finish()?;
        let path = input.path.unwrap_or_else(|| "/".to_owned());
        let group = GroupRecord {
            group_id: new_unique_id(IdKind::Group),
            account: account.to_owned(),
            arn: entity_arn(account, ArnKind::Group, &path, &input.group_name),
            name: input.group_name,
            path,
            created: self.now(),
        };
        self.write(move |tx| {
            if tx.find_group(&group.account, &group.name)?.is_some() {
                return Err(IamError::EntityAlreadyExists {
                    kind: EntityKind::Group,
                    name: group.name,
                });
            }
            tx.insert_group(&group)?;
            Ok(Group::from(group))
        })
        .await
    }

    /// GetGroup: the group and one page of its members, by user name.
    pub async fn get_group(
        &self,
        account: &str,
        input: GetGroupInput,
    ) -> Result<GetGroupOutput, IamError> {
        Checks::new()
            .string("groupName", &input.group_name, &GROUP_NAME)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let max = max_items(input.max_items);
        let (group, members) = self.store.read(|tx| {
            let group = lookup::group(tx, account, &input.group_name)?;
            let members = tx.group_members(&group.group_id, input.marker.as_deref(), max + 1)?;
            Ok::<_, IamError>((group, members))
        })?;
        Ok(GetGroupOutput {
            group: Group::from(group),
            users: Page::cut(members, max, |u| u.name.clone())
                .map(|u| User::from_record(u, Vec::new())),
        })
    }

    /// ListGroups: by name, optionally under a path prefix.
    pub async fn list_groups(
        &self,
        account: &str,
        input: ListGroupsInput,
    ) -> Result<Page<Group>, IamError> {
        Checks::new()
            .optional("pathPrefix", input.path_prefix.as_deref(), &PATH_PREFIX)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let max = max_items(input.max_items);
        let groups = self.store.read(|tx| {
            tx.list_groups(
                account,
                input.path_prefix.as_deref(),
                input.marker.as_deref(),
                max + 1,
            )
        })?;
        Ok(Page::cut(groups, max, |g| g.name.clone()).map(Group::from))
    }

    /// UpdateGroup: renames the group and/or moves it to another path; its
    /// ARN follows, its members and policies stay with it. The new name must
    /// not be another group's, ignoring case.
    pub async fn update_group(
        &self,
        account: &str,
        input: UpdateGroupInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("groupName", &input.group_name, &GROUP_NAME)
            .optional("newPath", input.new_path.as_deref(), &PATH)
            .optional("newGroupName", input.new_group_name.as_deref(), &GROUP_NAME)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let group = lookup::group(&*tx, &account, &input.group_name)?;
            let name = input.new_group_name.unwrap_or_else(|| group.name.clone());
            let path = input.new_path.unwrap_or_else(|| group.path.clone());
            if let Some(other) = tx.find_group(&account, &name)?
                && other.group_id != group.group_id
            {
                return Err(IamError::EntityAlreadyExists {
                    kind: EntityKind::Group,
                    name,
                });
            }
            let arn = entity_arn(&account, ArnKind::Group, &path, &name);
            tx.rename_group(&group.group_id, &name, &path, &arn)?;
            Ok(())
        })
        .await
    }

    /// DeleteGroup: refused while it has members or policies.
    pub async fn delete_group(
        &self,
        account: &str,
        input: DeleteGroupInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("groupName", &input.group_name, &GROUP_NAME)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let group = lookup::group(&*tx, &account, &input.group_name)?;
            let dependents = tx.dependents(PolicyHolder::Group(&group.group_id))?;
            let blocker = if dependents.memberships > 0 {
                Some(DeleteBlocker::GroupMembership)
            } else if dependents.inline_policies > 0 {
                Some(DeleteBlocker::InlinePolicies)
            } else if dependents.attached_policies > 0 {
                Some(DeleteBlocker::AttachedPolicies)
            } else {
                None
            };
            if let Some(blocker) = blocker {
                return Err(IamError::DeleteConflict(blocker));
            }
            tx.delete_group(&group.group_id)?;
            Ok(())
        })
        .await
    }

    /// AddUserToGroup: a no-op if the user already is a member; refused for
    /// an eleventh group.
    pub async fn add_user_to_group(
        &self,
        account: &str,
        input: GroupMembershipInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("groupName", &input.group_name, &GROUP_NAME)
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let group = lookup::group(&*tx, &account, &input.group_name)?;
            let user = lookup::user(&*tx, &account, &input.user_name)?;
            // Counted after the insert, in the same transaction: a failing
            // closure takes the membership back.
            if tx.add_group_member(&group.group_id, &user.user_id)?
                && tx
                    .dependents(PolicyHolder::User(&user.user_id))?
                    .memberships
                    > MAX_GROUPS_PER_USER
            {
                return Err(IamError::LimitExceeded(Limit::GroupsPerUser));
            }
            Ok(())
        })
        .await
    }

    /// RemoveUserFromGroup: a no-op if the user is not a member (IAM does
    /// not complain either).
    pub async fn remove_user_from_group(
        &self,
        account: &str,
        input: GroupMembershipInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("groupName", &input.group_name, &GROUP_NAME)
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let group = lookup::group(&*tx, &account, &input.group_name)?;
            let user = lookup::user(&*tx, &account, &input.user_name)?;
            tx.remove_group_member(&group.group_id, &user.user_id)?;
            Ok(())
        })
        .await
    }

    /// ListGroupsForUser: by group name.
    pub async fn list_groups_for_user(
        &self,
        account: &str,
        input: ListGroupsForUserInput,
    ) -> Result<Page<Group>, IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let max = max_items(input.max_items);
        let groups = self.store.read(|tx| {
            let user = lookup::user(tx, account, &input.user_name)?;
            Ok::<_, IamError>(tx.groups_of_user(&user.user_id, input.marker.as_deref(), max + 1)?)
        })?;
        Ok(Page::cut(groups, max, |g| g.name.clone()).map(Group::from))
    }
}
