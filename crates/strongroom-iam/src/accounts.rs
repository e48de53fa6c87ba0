//! Accounts, for the server and the `strongroom admin` CLI: an account is
//! created with its user `admin`, who has AdministratorAccess, and one
//! access key for it.

use crate::Iam;
use crate::access_keys::{PreparedKey, insert_key, new_access_key};
use crate::error::IamError;
use crate::model::NewAccessKey;
use crate::validate::is_account_id;
use strongroom_domain::iam::{
    ADMIN_USER_NAME, ADMINISTRATOR_ACCESS, ArnKind, IdKind, entity_arn, new_unique_id,
};
use strongroom_store::iam::{PolicyHolder, UserRecord};

/// Whether [`Iam::create_admin`] found the account already there.
enum Created {
    New(NewAccessKey),
    Existed,
}

impl Iam {
    /// Creates the account with its admin user and key, in one transaction,
    /// unless the account exists.
    async fn create_admin(&self, account: &str) -> Result<Created, IamError> {
        if !is_account_id(account) {
            return Err(IamError::InvalidAccountId(account.to_owned()));
        }
        let now = self.now();
        let admin = UserRecord {
            user_id: new_unique_id(IdKind::User),
            account: account.to_owned(),
            name: ADMIN_USER_NAME.to_owned(),
            path: "/".to_owned(),
            arn: entity_arn(account, ArnKind::User, "/", ADMIN_USER_NAME),
            created: now,
        };
        let PreparedKey { record, secret } = self.prepare_key()?;
        let inserted = self
            .write(move |tx| {
                if !tx.insert_iam_account(&admin.account, now)? {
                    return Ok(None);
                }
                tx.insert_user(&admin)?;
                tx.attach_policy(
                    PolicyHolder::User(&admin.user_id),
                    &admin.account,
                    ADMINISTRATOR_ACCESS.policy_id,
                )?;
                Ok(Some(insert_key(tx, record, &admin.user_id)?))
            })
            .await?;
        Ok(match inserted {
            Some(record) => {
                Created::New(new_access_key(record, secret, ADMIN_USER_NAME.to_owned()))
            }
            None => Created::Existed,
        })
    }

    /// Makes sure `account` exists: the first time, creates it with user
    /// `admin` (AdministratorAccess attached) and one access key, and
    /// returns that key (the only time its secret is shown); afterwards
    /// returns `None`. Safe to call at every start.
    pub async fn bootstrap_account(&self, account: &str) -> Result<Option<NewAccessKey>, IamError> {
        Ok(match self.create_admin(account).await? {
            Created::New(key) => Some(key),
            Created::Existed => None,
        })
    }

    /// `strongroom admin`: creates an account like
    /// [`bootstrap_account`](Self::bootstrap_account), but refuses one that
    /// exists (EntityAlreadyExists).
    pub async fn create_account(&self, account: &str) -> Result<NewAccessKey, IamError> {
        match self.create_admin(account).await? {
            Created::New(key) => Ok(key),
            Created::Existed => Err(IamError::AccountAlreadyExists(account.to_owned())),
        }
    }
}
