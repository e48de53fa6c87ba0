//! Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey,
//! DeleteAccessKey, GetAccessKeyLastUsed, and the server's
//! [`Iam::note_access_key_used`].
//!
//! The secret half is generated here, sealed under the root key with
//! associated data `access-key:{id}` before it reaches the store, and
//! returned only by [`Iam::create_access_key`].

use crate::error::{IamError, Limit};
use crate::model::{
    AccessKeyLastUsed, AccessKeyMetadata, GetAccessKeyLastUsedOutput, NewAccessKey, Page, max_items,
};
use crate::validate::{ACCESS_KEY_ID, Checks, EXISTING_USER_NAME};
use crate::{Iam, lookup};
use rand::RngExt;
use strongroom_crypto::seal;
use strongroom_domain::Timestamp;
use strongroom_domain::iam::{AccessKeyStatus, IdKind, access_key_seal_context, new_unique_id};
use strongroom_store::{AccessKeyRecord, AccessKeyUse, WriteTx};
use zeroize::Zeroizing;

/// IAM's AccessKeysPerUser quota (the store's slot constraint backs it).
const MAX_KEYS_PER_USER: usize = 2;
/// A secret access key: 40 characters of this alphabet, as AWS's.
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const SECRET_LEN: usize = 40;
/// How often one key's last use is written at most, in milliseconds.
const LAST_USED_INTERVAL_MS: i64 = 60_000;
/// Keys whose last write time is remembered before the map starts over.
const MAX_REMEMBERED_KEYS: usize = 100_000;
/// What GetAccessKeyLastUsed says for a key that never signed a request.
const NEVER_USED: &str = "N/A";

/// CreateAccessKey's input. (IAM's UserName is optional and defaults to the
/// caller: the wire layer fills in the caller's user name.)
#[derive(Debug, Clone, Default)]
pub struct CreateAccessKeyInput {
    /// The user's name (UserName).
    pub user_name: String,
}

/// ListAccessKeys' input (UserName defaults to the caller, as above).
#[derive(Debug, Clone, Default)]
pub struct ListAccessKeysInput {
    /// The user's name (UserName).
    pub user_name: String,
    /// The previous page's `marker`, to continue after it.
    pub marker: Option<String>,
    /// Items per page, 1..=1000; 100 when absent.
    pub max_items: Option<i64>,
}

/// UpdateAccessKey's input (UserName defaults to the caller, as above).
#[derive(Debug, Clone, Default)]
pub struct UpdateAccessKeyInput {
    /// The user's name (UserName).
    pub user_name: String,
    /// The access key's id (`AKIA…`).
    pub access_key_id: String,
    /// `Active` or `Inactive` (the model also lists `Expired`, which only
    /// AWS sets).
    pub status: String,
}

/// DeleteAccessKey's input (UserName defaults to the caller, as above).
#[derive(Debug, Clone, Default)]
pub struct DeleteAccessKeyInput {
    /// The user's name (UserName).
    pub user_name: String,
    /// The access key's id (`AKIA…`).
    pub access_key_id: String,
}

/// GetAccessKeyLastUsed's input.
#[derive(Debug, Clone, Default)]
pub struct GetAccessKeyLastUsedInput {
    /// The access key's id (`AKIA…`).
    pub access_key_id: String,
}

/// A fresh secret access key: 40 characters of base64's alphabet, as AWS's.
pub(crate) fn new_secret_access_key() -> Zeroizing<String> {
    let mut rng = rand::rng();
    Zeroizing::new(
        (0..SECRET_LEN)
            .map(|_| SECRET_ALPHABET[rng.random_range(0..SECRET_ALPHABET.len())] as char)
            .collect(),
    )
}

/// A fresh key id (`AKIA…`) and secret.
fn new_key_material() -> (String, Zeroizing<String>) {
    (new_unique_id(IdKind::AccessKey), new_secret_access_key())
}

/// A key sealed and ready to insert (its owner is set on insert), and its
/// secret, which never enters a store closure.
pub(crate) struct PreparedKey {
    pub record: AccessKeyRecord,
    pub secret: Zeroizing<String>,
}

/// Inserts `record` as a key of `user_id`, refusing a third key of one user.
pub(crate) fn insert_key(
    tx: &mut dyn WriteTx,
    mut record: AccessKeyRecord,
    user_id: &str,
) -> Result<AccessKeyRecord, IamError> {
    if tx.access_keys_of_user(user_id)?.len() >= MAX_KEYS_PER_USER {
        return Err(IamError::LimitExceeded(Limit::AccessKeysPerUser));
    }
    record.user_id = user_id.to_owned();
    tx.insert_access_key(&record)?;
    Ok(record)
}

/// What CreateAccessKey answers for an inserted key.
pub(crate) fn new_access_key(
    record: AccessKeyRecord,
    secret: Zeroizing<String>,
    user_name: String,
) -> NewAccessKey {
    NewAccessKey {
        user_name,
        access_key_id: record.access_key_id,
        status: record.status,
        secret_access_key: secret,
        create_date: Timestamp(record.created),
    }
}

impl Iam {
    /// A new Active key, sealed; the owner is set on insert.
    pub(crate) fn prepare_key(&self) -> Result<PreparedKey, IamError> {
        let (access_key_id, secret) = new_key_material();
        let sealed_secret = seal(
            &self.root.0,
            &access_key_seal_context(&access_key_id),
            secret.as_bytes(),
        )?;
        Ok(PreparedKey {
            record: AccessKeyRecord {
                access_key_id,
                account: String::new(),
                user_id: String::new(),
                user_name: String::new(),
                status: AccessKeyStatus::Active,
                sealed_secret,
                created: self.now().0,
                last_used: None,
            },
            secret,
        })
    }

    /// CreateAccessKey: a new Active key for the user, at most 2 per user.
    /// The only time the secret is shown.
    pub async fn create_access_key(
        &self,
        account: &str,
        input: CreateAccessKeyInput,
    ) -> Result<NewAccessKey, IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .finish()?;
        let PreparedKey { record, secret } = self.prepare_key()?;
        let account = account.to_owned();
        let (user_name, record) = self
            .write(move |tx| {
                let user = lookup::user(&*tx, &account, &input.user_name)?;
                let record = insert_key(tx, record, &user.user_id)?;
                Ok((user.name, record))
            })
            .await?;
        Ok(new_access_key(record, secret, user_name))
    }

    /// `strongroom admin`: a new access key for a user of any account.
    pub async fn create_access_key_for(
        &self,
        account: &str,
        user_name: &str,
    ) -> Result<NewAccessKey, IamError> {
        self.create_access_key(
            account,
            CreateAccessKeyInput {
                user_name: user_name.to_owned(),
            },
        )
        .await
    }

    /// ListAccessKeys: the user's keys without their secrets, by id.
    pub async fn list_access_keys(
        &self,
        account: &str,
        input: ListAccessKeysInput,
    ) -> Result<Page<AccessKeyMetadata>, IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .paging(input.marker.as_deref(), input.max_items)
            .finish()?;
        let max = max_items(input.max_items);
        let keys = self.store.read(|tx| {
            let user = lookup::user(tx, account, &input.user_name)?;
            Ok::<_, IamError>(tx.access_keys_of_user(&user.user_id)?)
        })?;
        let keys: Vec<AccessKeyRecord> = keys
            .into_iter()
            .filter(|k| input.marker.as_ref().is_none_or(|m| &k.access_key_id > m))
            .take(max.saturating_add(1))
            .collect();
        Ok(
            Page::cut(keys, max, |k| k.access_key_id.clone()).map(|k| AccessKeyMetadata {
                user_name: k.user_name,
                access_key_id: k.access_key_id,
                status: k.status,
                create_date: Timestamp(k.created),
            }),
        )
    }

    /// UpdateAccessKey: Active or Inactive. An Inactive key cannot sign.
    pub async fn update_access_key(
        &self,
        account: &str,
        input: UpdateAccessKeyInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .string("accessKeyId", &input.access_key_id, &ACCESS_KEY_ID)
            .one_of(
                "status",
                Some(&input.status),
                &["Active", "Inactive", "Expired"],
            )
            .finish()?;
        let status = AccessKeyStatus::parse(&input.status).ok_or(IamError::ExpiredStatus)?;
        let account = account.to_owned();
        self.write(move |tx| {
            let user = lookup::user(&*tx, &account, &input.user_name)?;
            match tx.access_key(&input.access_key_id)? {
                Some(key) if key.user_id == user.user_id => {
                    tx.set_access_key_status(&key.access_key_id, status)?;
                    Ok(())
                }
                _ => Err(IamError::NoSuchAccessKey(input.access_key_id)),
            }
        })
        .await
    }

    /// DeleteAccessKey.
    pub async fn delete_access_key(
        &self,
        account: &str,
        input: DeleteAccessKeyInput,
    ) -> Result<(), IamError> {
        Checks::new()
            .string("userName", &input.user_name, &EXISTING_USER_NAME)
            .string("accessKeyId", &input.access_key_id, &ACCESS_KEY_ID)
            .finish()?;
        let account = account.to_owned();
        self.write(move |tx| {
            let user = lookup::user(&*tx, &account, &input.user_name)?;
            match tx.access_key(&input.access_key_id)? {
                Some(key) if key.user_id == user.user_id => {
                    tx.delete_access_key(&key.access_key_id)?;
                    Ok(())
                }
                _ => Err(IamError::NoSuchAccessKey(input.access_key_id)),
            }
        })
        .await
    }

    /// GetAccessKeyLastUsed: for any key of the caller's account.
    pub async fn get_access_key_last_used(
        &self,
        account: &str,
        input: GetAccessKeyLastUsedInput,
    ) -> Result<GetAccessKeyLastUsedOutput, IamError> {
        Checks::new()
            .string("accessKeyId", &input.access_key_id, &ACCESS_KEY_ID)
            .finish()?;
        let key = self
            .store
            .read(|tx| tx.access_key(&input.access_key_id))?
            .filter(|k| k.account == account)
            .ok_or_else(|| IamError::NoSuchAccessKey(input.access_key_id.clone()))?;
        let access_key_last_used = match key.last_used {
            Some(used) => AccessKeyLastUsed {
                last_used_date: Some(used.at),
                service_name: used.service,
                region: used.region,
            },
            None => AccessKeyLastUsed {
                last_used_date: None,
                service_name: NEVER_USED.to_owned(),
                region: NEVER_USED.to_owned(),
            },
        };
        Ok(GetAccessKeyLastUsedOutput {
            user_name: key.user_name,
            access_key_last_used,
        })
    }

    /// Records that `access_key_id` signed a request for `service` in
    /// `region` at `now`. Writes at most once a minute per key (the date is
    /// what matters, and authentication must not cost a write per request);
    /// does not touch the identity cache, which holds no last-use data.
    pub async fn note_access_key_used(
        &self,
        access_key_id: &str,
        service: &str,
        region: &str,
        now: Timestamp,
    ) -> Result<(), IamError> {
        {
            let Ok(mut written) = self.key_use_written.lock() else {
                return Ok(());
            };
            if written
                .get(access_key_id)
                .is_some_and(|last| now.0 - last.0 < LAST_USED_INTERVAL_MS)
            {
                return Ok(());
            }
            if written.len() >= MAX_REMEMBERED_KEYS {
                written.clear();
            }
            written.insert(access_key_id.to_owned(), now);
        }
        let id = access_key_id.to_owned();
        let used = AccessKeyUse {
            at: now,
            service: service.to_owned(),
            region: region.to_owned(),
        };
        self.store
            .write(move |tx| -> Result<(), IamError> {
                tx.record_access_key_use(&id, &used)?;
                Ok(())
            })
            .await
    }
}
