//! [`IamReadTx`] / [`IamWriteTx`] over SQLite, and the access-key queries
//! of [`crate::ReadTx`] / [`crate::WriteTx`].
//!
//! Holder and tag-owner columns are picked from enums, never from input, so
//! the few SQL strings built with `format!` carry no caller data.

use super::db_err;
use super::tx::SqliteTx;
use crate::iam::{
    Dependents, GroupRecord, IamReadTx, IamWriteTx, InlinePolicyRecord, ManagedPolicyRecord,
    PolicyCursor, PolicyFilter, PolicyHolder, PolicyScope, PolicyVersionRecord, RoleRecord,
    TagOwner, UserRecord,
};
use crate::{AccessKeyRecord, AccessKeyUse, StoreError};
use rusqlite::{OptionalExtension, Row, ToSql, params};
use strongroom_domain::iam::AccessKeyStatus;
use strongroom_domain::{Tag, Timestamp};

const USER_COLUMNS: &str = "u.user_id, u.account, u.name, u.path, u.arn, u.created";
const GROUP_COLUMNS: &str = "g.group_id, g.account, g.name, g.path, g.arn, g.created";
const ROLE_COLUMNS: &str = "r.role_id, r.account, r.name, r.path, r.arn, r.trust_policy, \
     r.description, r.max_session_duration, r.created";
const POLICY_COLUMNS: &str = "p.policy_id, p.account, p.name, p.path, p.arn, p.description, \
     p.default_version, p.created, p.updated";
const ACCESS_KEY_COLUMNS: &str = "k.access_key_id, u.account, k.user_id, u.name, k.status, \
     k.sealed_secret, k.created, k.last_used, k.last_used_service, k.last_used_region";

/// `(?N IS NULL OR substr(path, 1, length(?N)) = ?N)`: an exact,
/// case-sensitive prefix test (LIKE would treat `_` and `%` as wildcards and
/// ignore case).
fn path_prefix_test(column: &str, param: usize) -> String {
    format!("(?{param} IS NULL OR substr({column}, 1, length(?{param})) = ?{param})")
}

fn sql_limit(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

fn holder_column(holder: PolicyHolder<'_>) -> (&'static str, &str) {
    match holder {
        PolicyHolder::User(id) => ("user_id", id),
        PolicyHolder::Group(id) => ("group_id", id),
        PolicyHolder::Role(id) => ("role_id", id),
    }
}

fn tag_owner_column(owner: TagOwner<'_>) -> (&'static str, &str) {
    match owner {
        TagOwner::User(id) => ("user_id", id),
        TagOwner::Role(id) => ("role_id", id),
        TagOwner::Policy(id) => ("policy_id", id),
    }
}

fn user_row(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        user_id: r.get(0)?,
        account: r.get(1)?,
        name: r.get(2)?,
        path: r.get(3)?,
        arn: r.get(4)?,
        created: Timestamp(r.get(5)?),
    })
}

fn group_row(r: &Row<'_>) -> rusqlite::Result<GroupRecord> {
    Ok(GroupRecord {
        group_id: r.get(0)?,
        account: r.get(1)?,
        name: r.get(2)?,
        path: r.get(3)?,
        arn: r.get(4)?,
        created: Timestamp(r.get(5)?),
    })
}

fn role_row(r: &Row<'_>) -> rusqlite::Result<RoleRecord> {
    Ok(RoleRecord {
        role_id: r.get(0)?,
        account: r.get(1)?,
        name: r.get(2)?,
        path: r.get(3)?,
        arn: r.get(4)?,
        trust_policy: r.get(5)?,
        description: r.get(6)?,
        max_session_duration: r.get(7)?,
        created: Timestamp(r.get(8)?),
    })
}

/// POLICY_COLUMNS, then the attachment count in column 9.
fn policy_row(r: &Row<'_>) -> rusqlite::Result<ManagedPolicyRecord> {
    Ok(ManagedPolicyRecord {
        policy_id: r.get(0)?,
        account: r.get(1)?,
        name: r.get(2)?,
        path: r.get(3)?,
        arn: r.get(4)?,
        description: r.get(5)?,
        default_version: r.get(6)?,
        created: Timestamp(r.get(7)?),
        updated: Timestamp(r.get(8)?),
        attachment_count: r.get(9)?,
    })
}

fn version_row(r: &Row<'_>) -> rusqlite::Result<PolicyVersionRecord> {
    Ok(PolicyVersionRecord {
        version: r.get(0)?,
        document: r.get(1)?,
        created: Timestamp(r.get(2)?),
    })
}

/// ACCESS_KEY_COLUMNS. A status the schema's CHECK would not allow is
/// reported as a conversion failure (and then as `StoreError::Database`).
fn access_key_row(r: &Row<'_>) -> rusqlite::Result<AccessKeyRecord> {
    let status: String = r.get(4)?;
    let status = AccessKeyStatus::parse(&status).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            4,
            rusqlite::types::Type::Text,
            format!("unknown access key status {status:?}").into(),
        )
    })?;
    let last_used_at: Option<i64> = r.get(7)?;
    let last_used = match last_used_at {
        Some(at) => Some(AccessKeyUse {
            at: Timestamp(at),
            service: r.get::<_, Option<String>>(8)?.unwrap_or_default(),
            region: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
        }),
        None => None,
    };
    Ok(AccessKeyRecord {
        access_key_id: r.get(0)?,
        account: r.get(1)?,
        user_id: r.get(2)?,
        user_name: r.get(3)?,
        status,
        sealed_secret: r.get(5)?,
        created: r.get(6)?,
        last_used,
    })
}

impl SqliteTx<'_> {
    fn rows<T>(
        &self,
        context: &'static str,
        sql: &str,
        params: &[&dyn ToSql],
        map: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, StoreError> {
        let err = db_err(context);
        self.conn
            .prepare_cached(sql)
            .map_err(&err)?
            .query_map(params, map)
            .map_err(&err)?
            .collect::<Result<_, _>>()
            .map_err(&err)
    }

    fn row<T>(
        &self,
        context: &'static str,
        sql: &str,
        params: &[&dyn ToSql],
        map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Option<T>, StoreError> {
        let err = db_err(context);
        self.conn
            .prepare_cached(sql)
            .map_err(&err)?
            .query_row(params, map)
            .optional()
            .map_err(&err)
    }

    fn change(
        &self,
        context: &'static str,
        sql: &str,
        params: &[&dyn ToSql],
    ) -> Result<usize, StoreError> {
        let err = db_err(context);
        self.conn
            .prepare_cached(sql)
            .map_err(&err)?
            .execute(params)
            .map_err(&err)
    }

    fn count(&self, sql: &str, id: &str) -> Result<u64, StoreError> {
        Ok(self
            .row("counting dependents", sql, params![id], |r| r.get(0))?
            .unwrap_or(0))
    }

    /// Every access key, or (with `user_id`) one user's, ordered by id.
    pub(super) fn load_access_keys(
        &self,
        user_id: Option<&str>,
    ) -> Result<Vec<AccessKeyRecord>, StoreError> {
        self.rows(
            "loading access keys",
            &format!(
                "SELECT {ACCESS_KEY_COLUMNS} FROM iam_access_keys k JOIN iam_users u ON u.user_id = k.user_id \
                 WHERE ?1 IS NULL OR k.user_id = ?1 ORDER BY k.access_key_id"
            ),
            params![user_id],
            access_key_row,
        )
    }

    /// Takes the lowest free of the user's 2 key slots; with none free the
    /// slot is NULL and the NOT NULL constraint refuses the row.
    pub(super) fn insert_access_key_row(&self, k: &AccessKeyRecord) -> Result<(), StoreError> {
        self.change(
            "inserting an access key",
            "INSERT INTO iam_access_keys (access_key_id, user_id, slot, status, sealed_secret, created, \
             last_used, last_used_service, last_used_region) VALUES (?1, ?2, \
             (SELECT MIN(n) FROM (SELECT 1 AS n UNION ALL SELECT 2) AS free \
              WHERE n NOT IN (SELECT slot FROM iam_access_keys WHERE user_id = ?2)), \
             ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                k.access_key_id,
                k.user_id,
                k.status.as_str(),
                k.sealed_secret,
                k.created,
                k.last_used.as_ref().map(|u| u.at.0),
                k.last_used.as_ref().map(|u| u.service.as_str()),
                k.last_used.as_ref().map(|u| u.region.as_str()),
            ],
        )?;
        Ok(())
    }
}

impl IamReadTx for SqliteTx<'_> {
    fn iam_account_exists(&self, account: &str) -> Result<bool, StoreError> {
        Ok(self
            .row(
                "finding an account",
                "SELECT 1 FROM iam_accounts WHERE account_id = ?1",
                params![account],
                |_| Ok(()),
            )?
            .is_some())
    }

    fn find_user(&self, account: &str, name: &str) -> Result<Option<UserRecord>, StoreError> {
        self.row(
            "finding a user",
            &format!("SELECT {USER_COLUMNS} FROM iam_users u WHERE u.account = ?1 AND u.name = ?2"),
            params![account, name],
            user_row,
        )
    }

    fn find_user_by_id(&self, user_id: &str) -> Result<Option<UserRecord>, StoreError> {
        self.row(
            "finding a user",
            &format!("SELECT {USER_COLUMNS} FROM iam_users u WHERE u.user_id = ?1"),
            params![user_id],
            user_row,
        )
    }

    fn list_users(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UserRecord>, StoreError> {
        self.rows(
            "listing users",
            &format!(
                "SELECT {USER_COLUMNS} FROM iam_users u WHERE u.account = ?1 AND {} \
                 AND (?3 IS NULL OR u.name > ?3) ORDER BY u.name LIMIT ?4",
                path_prefix_test("u.path", 2)
            ),
            params![account, path_prefix, after, sql_limit(limit)],
            user_row,
        )
    }

    fn find_group(&self, account: &str, name: &str) -> Result<Option<GroupRecord>, StoreError> {
        self.row(
            "finding a group",
            &format!(
                "SELECT {GROUP_COLUMNS} FROM iam_groups g WHERE g.account = ?1 AND g.name = ?2"
            ),
            params![account, name],
            group_row,
        )
    }

    fn list_groups(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<GroupRecord>, StoreError> {
        self.rows(
            "listing groups",
            &format!(
                "SELECT {GROUP_COLUMNS} FROM iam_groups g WHERE g.account = ?1 AND {} \
                 AND (?3 IS NULL OR g.name > ?3) ORDER BY g.name LIMIT ?4",
                path_prefix_test("g.path", 2)
            ),
            params![account, path_prefix, after, sql_limit(limit)],
            group_row,
        )
    }

    fn group_members(
        &self,
        group_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<UserRecord>, StoreError> {
        self.rows(
            "listing a group's members",
            &format!(
                "SELECT {USER_COLUMNS} FROM iam_group_members m JOIN iam_users u ON u.user_id = m.user_id \
                 WHERE m.group_id = ?1 AND (?2 IS NULL OR u.name > ?2) ORDER BY u.name LIMIT ?3"
            ),
            params![group_id, after, sql_limit(limit)],
            user_row,
        )
    }

    fn groups_of_user(
        &self,
        user_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<GroupRecord>, StoreError> {
        self.rows(
            "listing a user's groups",
            &format!(
                "SELECT {GROUP_COLUMNS} FROM iam_group_members m JOIN iam_groups g ON g.group_id = m.group_id \
                 WHERE m.user_id = ?1 AND (?2 IS NULL OR g.name > ?2) ORDER BY g.name LIMIT ?3"
            ),
            params![user_id, after, sql_limit(limit)],
            group_row,
        )
    }

    fn find_role(&self, account: &str, name: &str) -> Result<Option<RoleRecord>, StoreError> {
        self.row(
            "finding a role",
            &format!("SELECT {ROLE_COLUMNS} FROM iam_roles r WHERE r.account = ?1 AND r.name = ?2"),
            params![account, name],
            role_row,
        )
    }

    fn list_roles(
        &self,
        account: &str,
        path_prefix: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<Vec<RoleRecord>, StoreError> {
        self.rows(
            "listing roles",
            &format!(
                "SELECT {ROLE_COLUMNS} FROM iam_roles r WHERE r.account = ?1 AND {} \
                 AND (?3 IS NULL OR r.name > ?3) ORDER BY r.name LIMIT ?4",
                path_prefix_test("r.path", 2)
            ),
            params![account, path_prefix, after, sql_limit(limit)],
            role_row,
        )
    }

    fn iam_tags(&self, owner: TagOwner<'_>) -> Result<Vec<Tag>, StoreError> {
        let (column, id) = tag_owner_column(owner);
        self.rows(
            "loading tags",
            &format!("SELECT key, value FROM iam_tags WHERE {column} = ?1 ORDER BY position"),
            params![id],
            |r| {
                Ok(Tag {
                    key: r.get(0)?,
                    value: r.get(1)?,
                })
            },
        )
    }

    fn inline_policy(
        &self,
        holder: PolicyHolder<'_>,
        name: &str,
    ) -> Result<Option<InlinePolicyRecord>, StoreError> {
        let (column, id) = holder_column(holder);
        self.row(
            "loading an inline policy",
            &format!(
                "SELECT name, document FROM iam_inline_policies WHERE {column} = ?1 AND name = ?2"
            ),
            params![id, name],
            |r| {
                Ok(InlinePolicyRecord {
                    name: r.get(0)?,
                    document: r.get(1)?,
                })
            },
        )
    }

    fn inline_policies(
        &self,
        holder: PolicyHolder<'_>,
    ) -> Result<Vec<InlinePolicyRecord>, StoreError> {
        let (column, id) = holder_column(holder);
        self.rows(
            "loading inline policies",
            &format!(
                "SELECT name, document FROM iam_inline_policies WHERE {column} = ?1 ORDER BY name"
            ),
            params![id],
            |r| {
                Ok(InlinePolicyRecord {
                    name: r.get(0)?,
                    document: r.get(1)?,
                })
            },
        )
    }

    fn find_managed_policy(
        &self,
        arn: &str,
        account: &str,
    ) -> Result<Option<ManagedPolicyRecord>, StoreError> {
        self.row(
            "finding a managed policy",
            &format!(
                "SELECT {POLICY_COLUMNS}, (SELECT COUNT(*) FROM iam_attachments a \
                 WHERE a.policy_id = p.policy_id AND a.account = ?2) \
                 FROM iam_managed_policies p WHERE p.arn = ?1"
            ),
            params![arn, account],
            policy_row,
        )
    }

    fn find_managed_policy_by_name(
        &self,
        account: &str,
        name: &str,
    ) -> Result<Option<ManagedPolicyRecord>, StoreError> {
        self.row(
            "finding a managed policy",
            &format!(
                "SELECT {POLICY_COLUMNS}, (SELECT COUNT(*) FROM iam_attachments a \
                 WHERE a.policy_id = p.policy_id AND a.account = ?1) \
                 FROM iam_managed_policies p WHERE p.account = ?1 AND p.name = ?2"
            ),
            params![account, name],
            policy_row,
        )
    }

    fn list_managed_policies(
        &self,
        account: &str,
        filter: PolicyFilter<'_>,
        after: Option<PolicyCursor<'_>>,
        limit: usize,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError> {
        let (aws, local) = match filter.scope {
            PolicyScope::All => (true, true),
            PolicyScope::Aws => (true, false),
            PolicyScope::Local => (false, true),
        };
        // The inner query computes the per-account attachment count once,
        // so the outer one can filter on it.
        self.rows(
            "listing managed policies",
            &format!(
                "SELECT * FROM (SELECT {POLICY_COLUMNS}, (SELECT COUNT(*) FROM iam_attachments a \
                 WHERE a.policy_id = p.policy_id AND a.account = ?1) AS attached \
                 FROM iam_managed_policies p \
                 WHERE ((?2 AND p.account IS NULL) OR (?3 AND p.account = ?1)) AND {} \
                 AND (?5 IS NULL OR p.name > ?5 OR (p.name = ?5 AND p.policy_id > ?6))) AS visible \
                 WHERE NOT ?7 OR attached > 0 ORDER BY name COLLATE NOCASE, policy_id LIMIT ?8",
                path_prefix_test("p.path", 4)
            ),
            params![
                account,
                aws,
                local,
                filter.path_prefix,
                after.map(|c| c.name),
                after.map(|c| c.policy_id),
                filter.only_attached,
                sql_limit(limit)
            ],
            policy_row,
        )
    }

    fn policy_versions(&self, policy_id: &str) -> Result<Vec<PolicyVersionRecord>, StoreError> {
        self.rows(
            "loading policy versions",
            "SELECT version, document, created FROM iam_policy_versions WHERE policy_id = ?1 ORDER BY version",
            params![policy_id],
            version_row,
        )
    }

    fn policy_version(
        &self,
        policy_id: &str,
        version: u32,
    ) -> Result<Option<PolicyVersionRecord>, StoreError> {
        self.row(
            "loading a policy version",
            "SELECT version, document, created FROM iam_policy_versions WHERE policy_id = ?1 AND version = ?2",
            params![policy_id, version],
            version_row,
        )
    }

    fn attached_policies(
        &self,
        holder: PolicyHolder<'_>,
        path_prefix: Option<&str>,
        after: Option<PolicyCursor<'_>>,
        limit: usize,
    ) -> Result<Vec<ManagedPolicyRecord>, StoreError> {
        let (column, id) = holder_column(holder);
        self.rows(
            "listing attached policies",
            &format!(
                "SELECT {POLICY_COLUMNS}, 0 FROM iam_attachments a \
                 JOIN iam_managed_policies p ON p.policy_id = a.policy_id \
                 WHERE a.{column} = ?1 AND {} \
                 AND (?3 IS NULL OR p.name > ?3 OR (p.name = ?3 AND p.policy_id > ?4)) \
                 ORDER BY p.name, p.policy_id LIMIT ?5",
                path_prefix_test("p.path", 2)
            ),
            params![
                id,
                path_prefix,
                after.map(|c| c.name),
                after.map(|c| c.policy_id),
                sql_limit(limit)
            ],
            policy_row,
        )
    }

    fn attached_policy_documents(
        &self,
        holder: PolicyHolder<'_>,
    ) -> Result<Vec<(String, String)>, StoreError> {
        let (column, id) = holder_column(holder);
        self.rows(
            "loading attached policy documents",
            &format!(
                "SELECT p.arn, v.document FROM iam_attachments a \
                 JOIN iam_managed_policies p ON p.policy_id = a.policy_id \
                 JOIN iam_policy_versions v ON v.policy_id = p.policy_id AND v.version = p.default_version \
                 WHERE a.{column} = ?1 ORDER BY p.name, p.policy_id"
            ),
            params![id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
    }

    fn dependents(&self, holder: PolicyHolder<'_>) -> Result<Dependents, StoreError> {
        let (column, id) = holder_column(holder);
        let inline_policies = self.count(
            &format!("SELECT COUNT(*) FROM iam_inline_policies WHERE {column} = ?1"),
            id,
        )?;
        let attached_policies = self.count(
            &format!("SELECT COUNT(*) FROM iam_attachments WHERE {column} = ?1"),
            id,
        )?;
        let (access_keys, memberships) = match holder {
            PolicyHolder::User(_) => (
                self.count(
                    "SELECT COUNT(*) FROM iam_access_keys WHERE user_id = ?1",
                    id,
                )?,
                self.count(
                    "SELECT COUNT(*) FROM iam_group_members WHERE user_id = ?1",
                    id,
                )?,
            ),
            PolicyHolder::Group(_) => (
                0,
                self.count(
                    "SELECT COUNT(*) FROM iam_group_members WHERE group_id = ?1",
                    id,
                )?,
            ),
            PolicyHolder::Role(_) => (0, 0),
        };
        Ok(Dependents {
            access_keys,
            inline_policies,
            attached_policies,
            memberships,
        })
    }

    fn access_key(&self, access_key_id: &str) -> Result<Option<AccessKeyRecord>, StoreError> {
        self.row(
            "loading an access key",
            &format!(
                "SELECT {ACCESS_KEY_COLUMNS} FROM iam_access_keys k JOIN iam_users u ON u.user_id = k.user_id \
                 WHERE k.access_key_id = ?1"
            ),
            params![access_key_id],
            access_key_row,
        )
    }

    fn access_keys_of_user(&self, user_id: &str) -> Result<Vec<AccessKeyRecord>, StoreError> {
        self.load_access_keys(Some(user_id))
    }
}

impl IamWriteTx for SqliteTx<'_> {
    fn insert_iam_account(
        &mut self,
        account: &str,
        created: Timestamp,
    ) -> Result<bool, StoreError> {
        let inserted = self.change(
            "inserting an account",
            "INSERT INTO iam_accounts (account_id, created) VALUES (?1, ?2) \
             ON CONFLICT (account_id) DO NOTHING",
            params![account, created.0],
        )?;
        Ok(inserted == 1)
    }

    fn insert_user(&mut self, u: &UserRecord) -> Result<(), StoreError> {
        self.change(
            "inserting a user",
            "INSERT INTO iam_users (user_id, account, name, path, arn, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![u.user_id, u.account, u.name, u.path, u.arn, u.created.0],
        )?;
        Ok(())
    }

    fn delete_user(&mut self, user_id: &str) -> Result<(), StoreError> {
        self.change(
            "deleting a user",
            "DELETE FROM iam_users WHERE user_id = ?1",
            params![user_id],
        )?;
        Ok(())
    }

    fn rename_user(
        &mut self,
        user_id: &str,
        name: &str,
        path: &str,
        arn: &str,
    ) -> Result<(), StoreError> {
        self.change(
            "renaming a user",
            "UPDATE iam_users SET name = ?2, path = ?3, arn = ?4 WHERE user_id = ?1",
            params![user_id, name, path, arn],
        )?;
        Ok(())
    }

    fn insert_group(&mut self, g: &GroupRecord) -> Result<(), StoreError> {
        self.change(
            "inserting a group",
            "INSERT INTO iam_groups (group_id, account, name, path, arn, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![g.group_id, g.account, g.name, g.path, g.arn, g.created.0],
        )?;
        Ok(())
    }

    fn delete_group(&mut self, group_id: &str) -> Result<(), StoreError> {
        self.change(
            "deleting a group",
            "DELETE FROM iam_groups WHERE group_id = ?1",
            params![group_id],
        )?;
        Ok(())
    }

    fn rename_group(
        &mut self,
        group_id: &str,
        name: &str,
        path: &str,
        arn: &str,
    ) -> Result<(), StoreError> {
        self.change(
            "renaming a group",
            "UPDATE iam_groups SET name = ?2, path = ?3, arn = ?4 WHERE group_id = ?1",
            params![group_id, name, path, arn],
        )?;
        Ok(())
    }

    fn add_group_member(&mut self, group_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let inserted = self.change(
            "adding a group member",
            "INSERT INTO iam_group_members (group_id, user_id) VALUES (?1, ?2) \
             ON CONFLICT (group_id, user_id) DO NOTHING",
            params![group_id, user_id],
        )?;
        Ok(inserted == 1)
    }

    fn remove_group_member(&mut self, group_id: &str, user_id: &str) -> Result<bool, StoreError> {
        let removed = self.change(
            "removing a group member",
            "DELETE FROM iam_group_members WHERE group_id = ?1 AND user_id = ?2",
            params![group_id, user_id],
        )?;
        Ok(removed == 1)
    }

    fn insert_role(&mut self, r: &RoleRecord) -> Result<(), StoreError> {
        self.change(
            "inserting a role",
            "INSERT INTO iam_roles (role_id, account, name, path, arn, trust_policy, description, \
             max_session_duration, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                r.role_id,
                r.account,
                r.name,
                r.path,
                r.arn,
                r.trust_policy,
                r.description,
                r.max_session_duration,
                r.created.0
            ],
        )?;
        Ok(())
    }

    fn delete_role(&mut self, role_id: &str) -> Result<(), StoreError> {
        self.change(
            "deleting a role",
            "DELETE FROM iam_roles WHERE role_id = ?1",
            params![role_id],
        )?;
        Ok(())
    }

    fn set_role_trust_policy(&mut self, role_id: &str, document: &str) -> Result<(), StoreError> {
        self.change(
            "updating a trust policy",
            "UPDATE iam_roles SET trust_policy = ?2 WHERE role_id = ?1",
            params![role_id, document],
        )?;
        Ok(())
    }

    fn set_role_description(
        &mut self,
        role_id: &str,
        description: Option<&str>,
    ) -> Result<(), StoreError> {
        self.change(
            "updating a role's description",
            "UPDATE iam_roles SET description = ?2 WHERE role_id = ?1",
            params![role_id, description],
        )?;
        Ok(())
    }

    fn set_role_max_session_duration(
        &mut self,
        role_id: &str,
        seconds: u32,
    ) -> Result<(), StoreError> {
        self.change(
            "updating a role's maximum session duration",
            "UPDATE iam_roles SET max_session_duration = ?2 WHERE role_id = ?1",
            params![role_id, seconds],
        )?;
        Ok(())
    }

    fn replace_iam_tags(&mut self, owner: TagOwner<'_>, tags: &[Tag]) -> Result<(), StoreError> {
        let (column, id) = tag_owner_column(owner);
        self.change(
            "replacing tags",
            &format!("DELETE FROM iam_tags WHERE {column} = ?1"),
            params![id],
        )?;
        let insert = format!(
            "INSERT INTO iam_tags ({column}, position, key, value) VALUES (?1, ?2, ?3, ?4)"
        );
        for (position, tag) in tags.iter().enumerate() {
            self.change(
                "writing tags",
                &insert,
                params![id, position as i64, tag.key, tag.value],
            )?;
        }
        Ok(())
    }

    fn put_inline_policy(
        &mut self,
        holder: PolicyHolder<'_>,
        name: &str,
        document: &str,
    ) -> Result<(), StoreError> {
        let (column, id) = holder_column(holder);
        self.change(
            "writing an inline policy",
            &format!(
                "INSERT INTO iam_inline_policies ({column}, name, document) VALUES (?1, ?2, ?3) \
                 ON CONFLICT ({column}, name) DO UPDATE SET document = excluded.document"
            ),
            params![id, name, document],
        )?;
        Ok(())
    }

    fn delete_inline_policy(
        &mut self,
        holder: PolicyHolder<'_>,
        name: &str,
    ) -> Result<bool, StoreError> {
        let (column, id) = holder_column(holder);
        let removed = self.change(
            "deleting an inline policy",
            &format!("DELETE FROM iam_inline_policies WHERE {column} = ?1 AND name = ?2"),
            params![id, name],
        )?;
        Ok(removed == 1)
    }

    fn insert_managed_policy(
        &mut self,
        p: &ManagedPolicyRecord,
        first: &PolicyVersionRecord,
    ) -> Result<(), StoreError> {
        self.change(
            "inserting a managed policy",
            "INSERT INTO iam_managed_policies (policy_id, account, name, path, arn, description, \
             default_version, last_version, created, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, ?8, ?9)",
            params![
                p.policy_id,
                p.account,
                p.name,
                p.path,
                p.arn,
                p.description,
                first.version,
                p.created.0,
                p.updated.0
            ],
        )?;
        self.change(
            "inserting a policy version",
            "INSERT INTO iam_policy_versions (policy_id, version, slot, document, created) VALUES (?1, ?2, 1, ?3, ?4)",
            params![p.policy_id, first.version, first.document, first.created.0],
        )?;
        Ok(())
    }

    /// Deletes only the default version before the policy: should another
    /// version still exist, the versions' RESTRICT foreign key refuses the
    /// policy's deletion (and the whole closure rolls back).
    fn delete_managed_policy(&mut self, policy_id: &str) -> Result<(), StoreError> {
        self.change(
            "deleting a policy version",
            "DELETE FROM iam_policy_versions WHERE policy_id = ?1 AND version = \
             (SELECT default_version FROM iam_managed_policies WHERE policy_id = ?1)",
            params![policy_id],
        )?;
        self.change(
            "deleting a managed policy",
            "DELETE FROM iam_managed_policies WHERE policy_id = ?1",
            params![policy_id],
        )?;
        Ok(())
    }

    fn insert_policy_version(
        &mut self,
        policy_id: &str,
        document: &str,
        created: Timestamp,
    ) -> Result<u32, StoreError> {
        let version: u32 = self
            .row(
                "numbering a policy version",
                "UPDATE iam_managed_policies SET last_version = last_version + 1 WHERE policy_id = ?1 \
                 RETURNING last_version",
                params![policy_id],
                |r| r.get(0),
            )?
            .ok_or(StoreError::Corrupt("iam_managed_policies (no such policy)"))?;
        // The lowest free of 5 slots; none free leaves NULL, which the
        // NOT NULL constraint refuses.
        self.change(
            "inserting a policy version",
            "INSERT INTO iam_policy_versions (policy_id, version, slot, document, created) VALUES (?1, ?2, \
             (SELECT MIN(n) FROM (SELECT 1 AS n UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
              UNION ALL SELECT 5) AS free WHERE n NOT IN (SELECT slot FROM iam_policy_versions WHERE policy_id = ?1)), \
             ?3, ?4)",
            params![policy_id, version, document, created.0],
        )?;
        Ok(version)
    }

    fn delete_policy_version(&mut self, policy_id: &str, version: u32) -> Result<bool, StoreError> {
        let removed = self.change(
            "deleting a policy version",
            "DELETE FROM iam_policy_versions WHERE policy_id = ?1 AND version = ?2 AND version <> \
             (SELECT default_version FROM iam_managed_policies WHERE policy_id = ?1)",
            params![policy_id, version],
        )?;
        Ok(removed == 1)
    }

    fn set_default_policy_version(
        &mut self,
        policy_id: &str,
        version: u32,
        updated: Timestamp,
    ) -> Result<(), StoreError> {
        self.change(
            "setting the default policy version",
            "UPDATE iam_managed_policies SET default_version = ?2, updated = ?3 WHERE policy_id = ?1",
            params![policy_id, version, updated.0],
        )?;
        Ok(())
    }

    fn attach_policy(
        &mut self,
        holder: PolicyHolder<'_>,
        account: &str,
        policy_id: &str,
    ) -> Result<bool, StoreError> {
        let (column, id) = holder_column(holder);
        let inserted = self.change(
            "attaching a policy",
            &format!(
                "INSERT INTO iam_attachments (policy_id, account, {column}) VALUES (?1, ?2, ?3) \
                 ON CONFLICT ({column}, policy_id) DO NOTHING"
            ),
            params![policy_id, account, id],
        )?;
        Ok(inserted == 1)
    }

    fn detach_policy(
        &mut self,
        holder: PolicyHolder<'_>,
        policy_id: &str,
    ) -> Result<bool, StoreError> {
        let (column, id) = holder_column(holder);
        let removed = self.change(
            "detaching a policy",
            &format!("DELETE FROM iam_attachments WHERE {column} = ?1 AND policy_id = ?2"),
            params![id, policy_id],
        )?;
        Ok(removed == 1)
    }

    fn set_access_key_status(
        &mut self,
        access_key_id: &str,
        status: AccessKeyStatus,
    ) -> Result<(), StoreError> {
        self.change(
            "updating an access key",
            "UPDATE iam_access_keys SET status = ?2 WHERE access_key_id = ?1",
            params![access_key_id, status.as_str()],
        )?;
        Ok(())
    }

    fn delete_access_key(&mut self, access_key_id: &str) -> Result<bool, StoreError> {
        let removed = self.change(
            "deleting an access key",
            "DELETE FROM iam_access_keys WHERE access_key_id = ?1",
            params![access_key_id],
        )?;
        Ok(removed == 1)
    }

    fn record_access_key_use(
        &mut self,
        access_key_id: &str,
        used: &AccessKeyUse,
    ) -> Result<(), StoreError> {
        self.change(
            "recording an access key's use",
            "UPDATE iam_access_keys SET last_used = ?2, last_used_service = ?3, last_used_region = ?4 \
             WHERE access_key_id = ?1",
            params![access_key_id, used.at.0, used.service, used.region],
        )?;
        Ok(())
    }
}
