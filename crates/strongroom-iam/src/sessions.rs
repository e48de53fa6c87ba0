//! Temporary credentials (STS AssumeRole and GetSessionToken).
//!
//! A session needs no row in the store: everything about it — whose it is,
//! when it ends, its session policy and tags, and the secret half of its
//! access key — is sealed into the session token under the root key (as
//! AWS's own session tokens are opaque, encrypted blobs). Authentication
//! opens the token, checks that it belongs to the access key that signed,
//! and rebuilds the principal from the role's (or user's) current state.
//! So sessions survive restarts, work on every node sharing a store, and a
//! deleted role's sessions stop working at once.
//!
//! Architecture Invariant: a session token is only ever accepted if it
//! opens under the root key with the `sts-session:v1` context, so it cannot
//! be forged or altered without the root key; its secret half never
//! leaves the token except in the AssumeRole/GetSessionToken answer.

use crate::access_keys::new_secret_access_key;
use crate::{Iam, IamError};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use std::fmt;
use strongroom_crypto::{open, seal};
use strongroom_domain::iam::{IdKind, new_unique_id};
use strongroom_domain::{Tag, Timestamp};
use zeroize::Zeroizing;

/// Associated data of every sealed session token (and its format version).
const TOKEN_CONTEXT: &[u8] = b"sts-session:v2";
/// What every token we issue starts with, so a foreign token is refused
/// before any decryption.
const TOKEN_PREFIX: &str = "SRv2";

/// Whose session it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum SessionSubject {
    /// An assumed role: `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    Role {
        role_name: String,
        /// The role's unique id (`AROA…`): a role deleted and created again
        /// under the same name is another role, and its predecessor's
        /// sessions must not come back to life.
        role_id: String,
        session_name: String,
        /// The session policy (AssumeRole's `Policy`), as given.
        policy: Option<String>,
    },
    /// A user's own temporary credentials (GetSessionToken); they work
    /// while the long-term key they were obtained with is active.
    User {
        user_name: String,
        parent_access_key_id: String,
    },
}

/// Everything a session token carries.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    pub account: String,
    pub subject: SessionSubject,
    /// `ASIA…`: the access key id the session signs with.
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Session tags (`aws:PrincipalTag/…`, over the role's own tags).
    pub tags: Vec<(String, String)>,
    pub issued_ms: i64,
    pub expires_ms: i64,
}

impl fmt::Debug for SessionClaims {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionClaims")
            .field("account", &self.account)
            .field("subject", &self.subject)
            .field("access_key_id", &self.access_key_id)
            .field("expires_ms", &self.expires_ms)
            .finish_non_exhaustive()
    }
}

impl Drop for SessionClaims {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret_access_key);
    }
}

impl SessionClaims {
    pub fn expires(&self) -> Timestamp {
        Timestamp(self.expires_ms)
    }

    /// When the session was issued (`aws:TokenIssueTime`).
    pub fn issued(&self) -> Timestamp {
        Timestamp(self.issued_ms)
    }

    /// The session tags as tags.
    pub fn session_tags(&self) -> Vec<Tag> {
        self.tags
            .iter()
            .map(|(key, value)| Tag {
                key: key.clone(),
                value: value.clone(),
            })
            .collect()
    }
}

/// What a new session is for (the caller has been authorized already).
#[derive(Debug, Clone)]
pub struct NewSession {
    pub account: String,
    pub subject: SessionSubject,
    pub tags: Vec<Tag>,
    pub duration_seconds: u32,
}

/// Temporary credentials, as AssumeRole and GetSessionToken return them.
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub session_token: String,
    pub expiration: Timestamp,
}

impl fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// Why a session token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionTokenError {
    /// Not a token of ours, altered, or not the signing key's.
    Invalid,
    /// Past its expiration.
    Expired,
}

impl Iam {
    /// Issues temporary credentials for `session`, valid from now for its
    /// duration.
    pub fn issue_session(&self, session: NewSession) -> Result<TemporaryCredentials, IamError> {
        let now = self.now();
        let claims = SessionClaims {
            account: session.account,
            subject: session.subject,
            access_key_id: new_unique_id(IdKind::TemporaryAccessKey),
            secret_access_key: new_secret_access_key().to_string(),
            tags: session.tags.into_iter().map(|t| (t.key, t.value)).collect(),
            issued_ms: now.0,
            expires_ms: now.0 + i64::from(session.duration_seconds) * 1000,
        };
        let plain =
            Zeroizing::new(serde_json::to_vec(&claims).map_err(|_| IamError::SessionToken)?);
        let sealed =
            seal(&self.root.0, TOKEN_CONTEXT, &plain).map_err(|_| IamError::SessionToken)?;
        Ok(TemporaryCredentials {
            access_key_id: claims.access_key_id.clone(),
            secret_access_key: Zeroizing::new(claims.secret_access_key.clone()),
            session_token: format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(sealed)),
            expiration: claims.expires(),
        })
    }

    /// Opens the session token sent with `access_key_id` at `now`.
    pub fn open_session(
        &self,
        token: &str,
        access_key_id: &str,
        now: Timestamp,
    ) -> Result<SessionClaims, SessionTokenError> {
        let sealed = token
            .strip_prefix(TOKEN_PREFIX)
            .and_then(|b| URL_SAFE_NO_PAD.decode(b).ok())
            .ok_or(SessionTokenError::Invalid)?;
        let plain =
            open(&self.root.0, TOKEN_CONTEXT, &sealed).map_err(|_| SessionTokenError::Invalid)?;
        let claims: SessionClaims =
            serde_json::from_slice(&plain).map_err(|_| SessionTokenError::Invalid)?;
        if claims.access_key_id != access_key_id {
            return Err(SessionTokenError::Invalid);
        }
        if now.0 >= claims.expires_ms {
            return Err(SessionTokenError::Expired);
        }
        Ok(claims)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ManualClock;
    use std::sync::Arc;
    use strongroom_crypto::{Key256, RootKey};
    use strongroom_store::sqlite::SqliteStore;

    fn iam() -> (tempfile::TempDir, Iam, Arc<ManualClock>) {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(SqliteStore::open(&dir.path().join("db")).unwrap());
        let clock = Arc::new(ManualClock::new(Timestamp(1_000_000)));
        let iam = Iam::new(store, RootKey(Key256::generate().unwrap()), clock.clone());
        (dir, iam, clock)
    }

    fn role_session(seconds: u32) -> NewSession {
        NewSession {
            account: "123456789012".into(),
            subject: SessionSubject::Role {
                role_name: "r".into(),
                role_id: "AROAEXAMPLE".into(),
                session_name: "s".into(),
                policy: None,
            },
            tags: vec![Tag {
                key: "team".into(),
                value: "blue".into(),
            }],
            duration_seconds: seconds,
        }
    }

    #[test]
    fn a_token_opens_for_its_key_until_it_expires() {
        let (_d, iam, _clock) = iam();
        let creds = iam.issue_session(role_session(900)).unwrap();
        assert!(creds.access_key_id.starts_with("ASIA") && creds.access_key_id.len() == 20);
        assert_eq!(creds.expiration, Timestamp(1_000_000 + 900_000));
        let claims = iam
            .open_session(
                &creds.session_token,
                &creds.access_key_id,
                Timestamp(1_000_001),
            )
            .unwrap();
        assert_eq!(claims.secret_access_key, *creds.secret_access_key);
        assert_eq!(claims.session_tags()[0].value, "blue");
        assert_eq!(
            iam.open_session(&creds.session_token, &creds.access_key_id, creds.expiration),
            Err(SessionTokenError::Expired)
        );
        assert_eq!(
            iam.open_session(
                &creds.session_token,
                "ASIAOTHERKEY0000000",
                Timestamp(1_000_001)
            ),
            Err(SessionTokenError::Invalid)
        );
    }

    #[test]
    fn altered_or_foreign_tokens_are_refused() {
        let (_d, iam, _clock) = iam();
        let creds = iam.issue_session(role_session(900)).unwrap();
        let mut altered = creds.session_token.clone().into_bytes();
        let i = altered.len() / 2;
        altered[i] = if altered[i] == b'A' { b'B' } else { b'A' };
        let altered = String::from_utf8(altered).unwrap();
        let now = Timestamp(1_000_001);
        for token in [altered.as_str(), "FwoGZXIvYXdzEJr", "", "SRv1!!!"] {
            assert_eq!(
                iam.open_session(token, &creds.access_key_id, now),
                Err(SessionTokenError::Invalid),
                "{token}"
            );
        }
        // Another server's root key cannot open it.
        let (_d2, other, _c) = self::iam();
        assert_eq!(
            other.open_session(&creds.session_token, &creds.access_key_id, now),
            Err(SessionTokenError::Invalid)
        );
    }
}
