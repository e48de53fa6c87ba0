//! Users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser, TagUser,
//! UntagUser, ListUserTags.

use crate::error::{DeleteBlocker, EntityKind, IamError};
use crate::model::{Page, User, max_items};
use crate::validate::{
    Checks, EXISTING_USER_NAME, PATH, PATH_PREFIX, USER_NAME, distinct_tag_keys,
};
use crate::{Iam, lookup, tagging};
use strongroom_domain::Tag;
use strongroom_domain::iam::{ArnKind, IdKind, entity_arn, new_unique_id};
use strongroom_store::iam::{PolicyHolder, TagOwner, UserRecord};

/// CreateUser's input.
#[derive(Debug, Clone, Default)]
pub struct CreateUserInput {
    /// `/` when absent.
    pub path: Option<String>,
    /// The user's name (UserName).
    pub user_name: String,
    /// Tags, in the order given.
    pub tags: Vec<Tag>,
}

/// GetUser's input. (IAM's UserName is optional there and defaults to the
/// caller: the wire layer fills in the caller's user name.)
#[derive(Debug, Clone, Default)]
pub struct GetUserInput {
    /// The user's name (UserName).
    pub user_name: String,
}

/// DeleteUser's input.
#[derive(Debug, Clone, Default)]
pub struct DeleteUserInput {
    /// The user's name (UserName).
    pub user_name: String,
}

/// ListUsers' input.
#[derive(Debug, Clone, Default)]
pub struct ListUsersInput {
    /// Only entities whose path starts with this.
    pub path_prefix: Option<String>,
    /// The `marker` of the previous page.
    pub marker: Option<String>,
    /// 1..=1000, 100 when absent.
    pub max_items: Option<i64>,
}

/// UpdateUser's input: a new name, a new path, or both (neither changes
/// nothing).
#[derive(Debug, Clone, Default)]
pub struct UpdateUserInput {
    /// The user's current name (UserName).
    pub user_name: String,
    /// The new path (NewPath); the current one when absent.
    pub new_path: Option<String>,
    /// The new name (NewUserName); the current one when absent.
    pub new_user_name: Option<String>,
}

/// TagUser's input.
#[derive(Debug, Clone, Default)]
pub struct TagUserInput {
    /// The user's name (UserName).
    pub user_name: String,
    /// Tags, in the order given.
    pub tags: Vec<Tag>,
}

/// UntagUser's input.
#[derive(Debug, Clone, Default)]
pub struct UntagUserInput {
    /// The user's name (UserName).
    pub user_name: String,
    /// Keys of the tags to remove (ignoring case).
    pub tag_keys: Vec<String>,
}

/// ListUserTags' input.
#[derive(Debug, Clone, Default)]
pub struct ListUserTagsInput {
    /// The user's name (UserName).
    pub user_name: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

impl Iam {
    /// CreateUser: a new user with a fresh `AIDA…` id.
    pub async fn create_user(
        &self,
        account: &str,
        input: CreateUserInput,
    ) -> Result<User, IamError> {
        Checks::new()
            .optional("path", input.path.as_deref(), &PATH)
            .string("userName", &input.user_name, &USER_NAME)
            .tags(&input.tags)
            .finish()?;
        distinct_tag_keys(&input.tags)?;
        let path = input.path.unwrap_or_else(|| "/".to_owned());
        let user = UserRecord {
            user_id: new_unique_id(IdKind::User),
            account: account.to_owned(),
            arn: entity_arn(account, ArnKind::User, &path, &input.user_name),
            name: input.user_name,
            path,
            created: self.now(),
        };
        let tags = input.tags;
        self.write(move |tx| {
            if tx.find_user(&user.account, &user.name)?.is_some() {
                return Err(IamError::EntityAlreadyExists {
                    kind: EntityKind::User,
                    name: user.name,
                });
            }
            tx.insert_user(&user)?;
            tx.replace_iam_tags(TagOwner::User(&user.user_id), &tags)?;
            Ok(User::from_record(user, tags))
        })
        .await
    }

    /// GetUser: the user with its tags.
    pub async fn get_user(&self, account: &str, input: GetUserInput) -> Result<User, IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .finish()?;
        self.store.read(|tx| {
            let user = lookup::user(tx, account, &input.user_name)?;
            let tags = tx.iam_tags(TagOwner::User(&user.user_id))?;
            Ok(User::from_record(user, tags))
        })
    }

    /// ListUsers: by name, optionally under a path prefix.
    pub async fn list_users(
        &self,
        account: &str,
        input: ListUsersInput,
    ) -> Result<Page<User>, IamError> {
        Checks::new()
            .optional("pathPrefix", input.path_prefix.as_deref(), &PATH_PREFIX)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let max = max_items(input.max_items);
        let users = self.store.read(|tx| {
            tx.list_users(
                account,
                input.path_prefix.as_deref(),
                input.marker.as_deref(),
                max + 1,
            )
        })?;
        Ok(Page::cut(users, max, |u| u.name.clone()).map(|u| User::from_record(u, Vec::new())))
    }

    /// UpdateUser: renames the user and/or moves it to another path; its
    /// ARN follows. Its id, keys, policies, memberships and tags stay with
    /// it (they refer to the id). The new name must not be another user's,
    /// ignoring case (the user's own name in another case is fine).
    pub async fn update_user(&self, account: &str, input: UpdateUserInput) -> Result<(), IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .optional("newPath", input.new_path.as_deref(), &PATH)
            .optional("newUserName", input.new_user_name.as_deref(), &USER_NAME)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let user = lookup::user(&*tx, &account, &input.user_name)?;
            let name = input.new_user_name.unwrap_or_else(|| user.name.clone());
            let path = input.new_path.unwrap_or_else(|| user.path.clone());
            if let Some(other) = tx.find_user(&account, &name)?
                && other.user_id != user.user_id
            {
                return Err(IamError::EntityAlreadyExists {
                    kind: EntityKind::User,
                    name,
                });
            }
            let arn = entity_arn(&account, ArnKind::User, &path, &name);
            tx.rename_user(&user.user_id, &name, &path, &arn)?;
            Ok(())
        })
        .await
    }

    /// DeleteUser: refused while the user has access keys, policies or
    /// group memberships (its tags go with it).
    pub async fn delete_user(&self, account: &str, input: DeleteUserInput) -> Result<(), IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let user = lookup::user(&*tx, &account, &input.user_name)?;
            let dependents = tx.dependents(PolicyHolder::User(&user.user_id))?;
            let blocker = if dependents.access_keys > 0 {
                Some(DeleteBlocker::AccessKeys)
            } else if dependents.inline_policies > 0 {
                Some(DeleteBlocker::InlinePolicies)
            } else if dependents.attached_policies > 0 {
                Some(DeleteBlocker::AttachedPolicies)
            } else if dependents.memberships > 0 {
                Some(DeleteBlocker::GroupMembership)
            } else {
                None
            };
            if let Some(blocker) = blocker {
                return Err(IamError::DeleteConflict(blocker));
            }
            tx.delete_user(&user.user_id)?;
            Ok(())
        })
        .await
    }

    /// TagUser: adds tags, replacing those with the same keys.
    pub async fn tag_user(&self, account: &str, input: TagUserInput) -> Result<(), IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .tags(&input.tags)
            .finish()?;
        distinct_tag_keys(&input.tags)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let user = lookup::user(&*tx, &account, &input.user_name)?;
            let owner = TagOwner::User(&user.user_id);
            let tags = tagging::merged(tx.iam_tags(owner)?, &input.tags)?;
            tx.replace_iam_tags(owner, &tags)?;
            Ok(())
        })
        .await
    }

    /// UntagUser: removes the tags with these keys.
    pub async fn untag_user(&self, account: &str, input: UntagUserInput) -> Result<(), IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .tag_keys(&input.tag_keys)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let user = lookup::user(&*tx, &account, &input.user_name)?;
            let owner = TagOwner::User(&user.user_id);
            let tags = tagging::without(tx.iam_tags(owner)?, &input.tag_keys);
            tx.replace_iam_tags(owner, &tags)?;
            Ok(())
        })
        .await
    }

    /// ListUserTags: by key.
    pub async fn list_user_tags(
        &self,
        account: &str,
        input: ListUserTagsInput,
    ) -> Result<Page<Tag>, IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let tags = self.store.read(|tx| {
            let user = lookup::user(tx, account, &input.user_name)?;
            Ok::<_, IamError>(tx.iam_tags(TagOwner::User(&user.user_id))?)
        })?;
        Ok(tagging::page(
            tags,
            input.marker.as_deref(),
            max_items(input.max_items),
        ))
    }
}
