//! What authentication and STS need to know about a principal, read in one
//! snapshot, with every policy already parsed, and cached (see `cache.rs`).

use crate::Iam;
use crate::cache::role_key;
use crate::error::IamError;
use std::fmt;
use std::sync::Arc;
use strongroom_crypto::open;
use strongroom_domain::Tag;
use strongroom_domain::iam::{AccessKeyStatus, access_key_seal_context};
use strongroom_policy::{Policy, PolicyKind};
use strongroom_store::ReadTx;
use strongroom_store::iam::{PolicyHolder, RoleRecord, TagOwner, UserRecord};
use zeroize::Zeroizing;

/// The user behind an access key. `Debug` does not print the secret.
pub struct Identity {
    /// The 12-digit account id.
    pub account: String,
    /// The user's name (UserName).
    pub user_name: String,
    /// `AIDA…`: the `aws:userid` of requests signed with the key.
    pub user_id: String,
    /// The user's ARN: the principal ARN of requests signed with the key.
    pub user_arn: String,
    /// The user's path.
    pub user_path: String,
    /// `aws:PrincipalTag/…`.
    pub user_tags: Vec<Tag>,
    /// The access key's id (`AKIA…`).
    pub access_key_id: String,
    /// Authentication must refuse an Inactive key.
    pub access_key_status: AccessKeyStatus,
    /// The secret half, to verify the signature with.
    pub secret_access_key: Zeroizing<String>,
    /// Every identity-based policy that applies: the user's inline and
    /// attached policies, and each of its groups' inline and attached ones.
    pub policies: Vec<Arc<Policy>>,
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identity")
            .field("account", &self.account)
            .field("user_arn", &self.user_arn)
            .field("access_key_id", &self.access_key_id)
            .field("access_key_status", &self.access_key_status)
            .field("policies", &self.policies.len())
            .finish_non_exhaustive()
    }
}

/// A role, as STS AssumeRole and the authentication of its sessions need it.
#[derive(Debug)]
pub struct RoleIdentity {
    /// The 12-digit account id.
    pub account: String,
    /// The role's name (RoleName).
    pub role_name: String,
    /// `AROA…`: the first half of an assumed-role session's `aws:userid`.
    pub role_id: String,
    /// The role's ARN.
    pub role_arn: String,
    /// `/`, or `/a/b/`.
    pub path: String,
    /// Tags, in the order given.
    pub tags: Vec<Tag>,
    /// Who may assume the role.
    pub trust_policy: Arc<Policy>,
    /// The role's inline and attached policies.
    pub policies: Vec<Arc<Policy>>,
    /// Seconds: the longest session AssumeRole may grant.
    pub max_session_duration: u32,
}

/// A policy document and what it is called (for errors): a managed policy's
/// ARN, or `{holder kind}/{holder name}/{policy name}` for an inline one.
type NamedDocument = (String, String);

/// Everything a user identity is made of, as read in one snapshot.
struct UserSnapshot {
    user: UserRecord,
    tags: Vec<Tag>,
    access_key_status: AccessKeyStatus,
    sealed_secret: Vec<u8>,
    documents: Vec<NamedDocument>,
}

struct RoleSnapshot {
    role: RoleRecord,
    tags: Vec<Tag>,
    documents: Vec<NamedDocument>,
}

/// A holder's inline and attached policy documents.
fn holder_documents(
    tx: &dyn ReadTx,
    holder: PolicyHolder<'_>,
    label: &str,
    out: &mut Vec<NamedDocument>,
) -> Result<(), IamError> {
    for p in tx.inline_policies(holder)? {
        out.push((format!("{label}/{}", p.name), p.document));
    }
    for (arn, document) in tx.attached_policy_documents(holder)? {
        // A managed policy attached to the user and to one of its groups
        // counts once.
        if !out.iter().any(|(name, _)| name == &arn) {
            out.push((arn, document));
        }
    }
    Ok(())
}

fn read_user(tx: &dyn ReadTx, access_key_id: &str) -> Result<Option<UserSnapshot>, IamError> {
    let Some(key) = tx.access_key(access_key_id)? else {
        return Ok(None);
    };
    let Some(user) = tx.find_user_by_id(&key.user_id)? else {
        return Ok(None);
    };
    let tags = tx.iam_tags(TagOwner::User(&user.user_id))?;
    let mut documents = Vec::new();
    holder_documents(
        tx,
        PolicyHolder::User(&user.user_id),
        &format!("user/{}", user.name),
        &mut documents,
    )?;
    for group in tx.groups_of_user(&user.user_id, None, usize::MAX)? {
        holder_documents(
            tx,
            PolicyHolder::Group(&group.group_id),
            &format!("group/{}", group.name),
            &mut documents,
        )?;
    }
    Ok(Some(UserSnapshot {
        user,
        tags,
        access_key_status: key.status,
        sealed_secret: key.sealed_secret,
        documents,
    }))
}

fn read_role(
    tx: &dyn ReadTx,
    account: &str,
    role_name: &str,
) -> Result<Option<RoleSnapshot>, IamError> {
    let Some(role) = tx.find_role(account, role_name)? else {
        return Ok(None);
    };
    let tags = tx.iam_tags(TagOwner::Role(&role.role_id))?;
    let mut documents = Vec::new();
    holder_documents(
        tx,
        PolicyHolder::Role(&role.role_id),
        &format!("role/{}", role.name),
        &mut documents,
    )?;
    Ok(Some(RoleSnapshot {
        role,
        tags,
        documents,
    }))
}

impl Iam {
    fn parse_stored(
        &self,
        name: &str,
        document: &str,
        kind: PolicyKind,
    ) -> Result<Arc<Policy>, IamError> {
        self.cache
            .parse(document, kind)
            .map_err(|source| IamError::StoredPolicyUnreadable {
                policy: name.to_owned(),
                source,
            })
    }

    fn parse_all(&self, documents: &[NamedDocument]) -> Result<Vec<Arc<Policy>>, IamError> {
        documents
            .iter()
            .map(|(name, doc)| self.parse_stored(name, doc, PolicyKind::Identity))
            .collect()
    }

    /// The user an access key belongs to, with the key's secret and status
    /// and the user's policies, or `None` for an unknown key. Served from
    /// the cache when possible; runs on every request.
    pub fn identity_for_access_key(
        &self,
        access_key_id: &str,
    ) -> Result<Option<Arc<Identity>>, IamError> {
        if let Some(hit) = self.cache.identity(access_key_id) {
            return Ok(Some(hit));
        }
        let seen = self.cache.generation();
        let Some(snapshot) = self.store.read(|tx| read_user(tx, access_key_id))? else {
            return Ok(None);
        };
        let plain = open(
            &self.root.0,
            &access_key_seal_context(access_key_id),
            &snapshot.sealed_secret,
        )?;
        let secret = String::from_utf8(plain.to_vec())
            .map_err(|_| IamError::CorruptAccessKey(access_key_id.to_owned()))?;
        let identity = Arc::new(Identity {
            account: snapshot.user.account,
            user_name: snapshot.user.name,
            user_id: snapshot.user.user_id,
            user_arn: snapshot.user.arn,
            user_path: snapshot.user.path,
            user_tags: snapshot.tags,
            access_key_id: access_key_id.to_owned(),
            access_key_status: snapshot.access_key_status,
            secret_access_key: Zeroizing::new(secret),
            policies: self.parse_all(&snapshot.documents)?,
        });
        self.cache
            .insert_identity(seen, access_key_id.to_owned(), identity.clone());
        Ok(Some(identity))
    }

    /// The role `role_name` of `account` (names ignore case) with its trust
    /// policy and policies parsed, or `None` if there is no such role.
    /// Cached like [`identity_for_access_key`](Self::identity_for_access_key).
    pub fn role_identity(
        &self,
        account: &str,
        role_name: &str,
    ) -> Result<Option<Arc<RoleIdentity>>, IamError> {
        let key = role_key(account, role_name);
        if let Some(hit) = self.cache.role(&key) {
            return Ok(Some(hit));
        }
        let seen = self.cache.generation();
        let Some(snapshot) = self.store.read(|tx| read_role(tx, account, role_name))? else {
            return Ok(None);
        };
        let trust_policy = self.parse_stored(
            &format!("{}/trust-policy", snapshot.role.arn),
            &snapshot.role.trust_policy,
            PolicyKind::Trust,
        )?;
        let role = Arc::new(RoleIdentity {
            policies: self.parse_all(&snapshot.documents)?,
            trust_policy,
            account: snapshot.role.account,
            role_name: snapshot.role.name,
            role_id: snapshot.role.role_id,
            role_arn: snapshot.role.arn,
            path: snapshot.role.path,
            tags: snapshot.tags,
            max_session_duration: snapshot.role.max_session_duration,
        });
        self.cache.insert_role(seen, key, role.clone());
        Ok(Some(role))
    }
}
