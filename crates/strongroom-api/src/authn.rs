//! Who is calling: the access key of a SigV4 signature, resolved to a
//! [`Principal`] and verified.
//!
//! Long-term keys (`AKIA…`) belong to IAM users; their identity (secret,
//! user, tags, parsed policies) comes from the IAM use cases' cache.
//! Temporary keys (`ASIA…`) come with a session token that carries their
//! claims sealed under the root key (`strongroom_iam::sessions`); the
//! principal is rebuilt from the role's (or user's) current state, so a
//! deleted role or key stops its sessions at once.

use crate::ApiError;
use crate::route::AwsService;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, RwLock};
use strongroom_auth::{
    AuthError, ParsedAuth, SigningKeyCache, check_before_body, verify_signature_hashed,
};
use strongroom_domain::region::{COMMERCIAL_REGIONS, IAM_SIGNING_REGION};
use strongroom_domain::{Tag, Timestamp};
use strongroom_iam::{
    AccessKeyStatus, Iam, Identity, RoleIdentity, SessionClaims, SessionSubject, SessionTokenError,
};
use strongroom_policy::{Policy, PolicyKind};
use strongroom_service::{Principal, PrincipalKind, RoleSession};
use zeroize::Zeroizing;

/// An authenticated request's facts from its signature.
pub struct Authenticated {
    pub principal: Arc<Principal>,
    /// The credential scope's region.
    pub region: String,
}

/// The regions requests may be signed for (`--regions`). A request scoped
/// to another region is refused at authentication, before its key is looked
/// up, so nothing (signing key, KMS key, last-used region) is ever kept for
/// a region that is not served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServedRegions(BTreeSet<String>);

impl ServedRegions {
    pub fn new(regions: impl IntoIterator<Item = String>) -> ServedRegions {
        ServedRegions(regions.into_iter().collect())
    }

    /// Whether a request for `service` may be signed for `region`. IAM is
    /// global: AWS's SDKs sign it for `us-east-1` wherever the client is
    /// (or, with an endpoint override, for the client's region), and it
    /// keeps nothing per region.
    pub fn admits(&self, service: AwsService, region: &str) -> bool {
        self.0.contains(region) || (service == AwsService::Iam && region == IAM_SIGNING_REGION)
    }
}

impl Default for ServedRegions {
    /// AWS's commercial regions.
    fn default() -> ServedRegions {
        ServedRegions::new(COMMERCIAL_REGIONS.iter().map(|r| (*r).to_owned()))
    }
}

/// A request whose headers passed [`Authenticator::identify`]: whose key
/// signed it; the signature itself is verified once the body is in.
pub struct Identified {
    /// The key's principal and secret; `None` for an unknown key in `--dev`
    /// mode, which acts as the account's admin unverified.
    signer: Option<Signer>,
    principal: Arc<Principal>,
}

/// Principals kept before a cache starts over.
const MAX_CACHED: usize = 10_000;

/// What a key resolved to: who signs, and with which secret.
struct Signer {
    principal: Arc<Principal>,
    secret: Arc<Zeroizing<String>>,
    /// A long-term key, whose last use IAM records.
    long_term: bool,
}

/// A principal built from an IAM state; reused while that state (the
/// cached `Arc`) is the current one.
struct Built<S> {
    source: Arc<S>,
    principal: Arc<Principal>,
    secret: Arc<Zeroizing<String>>,
}

pub struct Authenticator {
    iam: Arc<Iam>,
    signing_keys: SigningKeyCache,
    regions: ServedRegions,
    /// Emulator mode (`--dev`): signatures are not checked, and a key the
    /// server does not know acts as this principal (the account's admin).
    dev_admin: Option<Arc<Principal>>,
    /// Users' principals by access key id.
    users: RwLock<HashMap<String, Built<Identity>>>,
    /// Role sessions' principals by session token.
    sessions: RwLock<HashMap<String, Built<RoleIdentity>>>,
}

impl Authenticator {
    pub fn new(iam: Arc<Iam>, dev_admin: Option<Arc<Principal>>) -> Authenticator {
        Authenticator {
            iam,
            signing_keys: SigningKeyCache::default(),
            regions: ServedRegions::default(),
            dev_admin,
            users: RwLock::default(),
            sessions: RwLock::default(),
        }
    }

    /// Serves `regions` instead of AWS's commercial regions.
    pub fn with_regions(mut self, regions: ServedRegions) -> Authenticator {
        self.regions = regions;
        self
    }

    /// The first half of authentication, from the headers alone, before any
    /// byte of the body is read: the signature `auth` (from
    /// [`strongroom_auth::parse_auth`]) must be for `service` and current at
    /// `now`, and its access key must exist and be active (a session token
    /// must open and its role still exist). Once the key is known to belong
    /// to a principal, `claimed` holds it, even if the request is then
    /// refused (its audit record names whose key was used).
    ///
    /// The caller parses the signature first because a Query request's
    /// service is known only from its credential scope.
    pub fn identify(
        &self,
        auth: &ParsedAuth,
        parts: &http::request::Parts,
        service: AwsService,
        now: Timestamp,
        claimed: &mut Option<Arc<Principal>>,
    ) -> Result<Identified, ApiError> {
        // First, in `--dev` mode too: a region not served gets nothing.
        if !self.regions.admits(service, &auth.region) {
            return Err(AuthError::InvalidRegion.into());
        }
        let signer = match (self.signer(auth, parts, now)?, &self.dev_admin) {
            (Some(signer), _) => {
                // Whose key it is, for the record of a refusal below.
                *claimed = Some(signer.principal.clone());
                signer
            }
            (None, Some(admin)) => {
                return Ok(Identified {
                    signer: None,
                    principal: admin.clone(),
                });
            }
            (None, None) => return Err(AuthError::UnrecognizedClient.into()),
        };
        if self.dev_admin.is_none() {
            // X-Amz-Target alone picks a JSON operation: unsigned, a
            // captured (or presigned) request could be replayed as another.
            if parts.headers.contains_key("x-amz-target")
                && !auth.signed_headers.iter().any(|h| h == "x-amz-target")
            {
                return Err(AuthError::IncompleteSignature(
                    "The X-Amz-Target header must be signed.",
                )
                .into());
            }
            check_before_body(auth, service.signing_name(), now.millis())?;
        }
        // GetSessionToken's credentials cannot call IAM (AWS requires MFA
        // for that, which this server does not have): IAM does not
        // recognize them.
        if service == AwsService::Iam && signer.principal.kind == PrincipalKind::UserSession {
            return Err(AuthError::UnrecognizedClient.into());
        }
        Ok(Identified {
            principal: signer.principal.clone(),
            signer: Some(signer),
        })
    }

    /// The second half, once the body has streamed in: the signature over
    /// the request whose body hashed to `body_hash` (hex SHA-256).
    pub async fn verify(
        &self,
        identified: Identified,
        auth: &ParsedAuth,
        parts: &http::request::Parts,
        body_hash: &[u8; 64],
        service: AwsService,
        now: Timestamp,
    ) -> Result<Authenticated, ApiError> {
        let authenticated = Authenticated {
            principal: identified.principal,
            region: auth.region.clone(),
        };
        // `--dev` with a key nobody issued: nothing to verify against.
        let Some(signer) = identified.signer else {
            return Ok(authenticated);
        };
        if self.dev_admin.is_none() {
            verify_signature_hashed(
                auth,
                parts,
                body_hash,
                signer.secret.as_bytes(),
                service.signing_name(),
                now.millis(),
                &self.signing_keys,
            )?;
        }
        if signer.long_term
            && let Err(e) = self
                .iam
                .note_access_key_used(
                    &auth.access_key_id,
                    service.signing_name(),
                    &auth.region,
                    now,
                )
                .await
        {
            // Bookkeeping: it must not fail the request.
            tracing::warn!(error = %e, "could not record the access key's last use");
        }
        Ok(authenticated)
    }

    /// The principal and secret of the signing key; `None` for a key
    /// nobody issued (and that is not a session key).
    fn signer(
        &self,
        auth: &ParsedAuth,
        parts: &http::request::Parts,
        now: Timestamp,
    ) -> Result<Option<Signer>, ApiError> {
        match session_token(parts) {
            Some(token) => self
                .session_signer(&token, &auth.access_key_id, now)
                .map(Some),
            None => self.user_signer(&auth.access_key_id),
        }
    }

    fn user_signer(&self, access_key_id: &str) -> Result<Option<Signer>, ApiError> {
        let Some(identity) = self.iam.identity_for_access_key(access_key_id)? else {
            return Ok(None);
        };
        if identity.access_key_status != AccessKeyStatus::Active {
            return Err(AuthError::UnrecognizedClient.into());
        }
        if let Some(hit) = cached(&self.users, access_key_id, &identity, true) {
            return Ok(Some(hit));
        }
        let principal = Arc::new(user_principal(
            &identity,
            PrincipalKind::User,
            access_key_id,
        ));
        let secret = Arc::new(identity.secret_access_key.clone());
        Ok(Some(remember(
            &self.users,
            access_key_id,
            identity,
            principal,
            secret,
            true,
        )))
    }

    fn session_signer(
        &self,
        token: &str,
        access_key_id: &str,
        now: Timestamp,
    ) -> Result<Signer, ApiError> {
        let claims = self
            .iam
            .open_session(token, access_key_id, now)
            .map_err(|e| match e {
                SessionTokenError::Invalid => AuthError::UnrecognizedClient,
                SessionTokenError::Expired => AuthError::ExpiredToken,
            })?;
        match &claims.subject {
            SessionSubject::Role {
                role_name,
                role_id,
                session_name,
                policy,
            } => {
                // The role must still exist, and be the same role (not one
                // created again under its name).
                let role = self
                    .iam
                    .role_identity(&claims.account, role_name)?
                    .filter(|role| role.role_id == *role_id)
                    .ok_or(AuthError::UnrecognizedClient)?;
                if let Some(hit) = cached(&self.sessions, token, &role, false) {
                    return Ok(hit);
                }
                let session_policy = match policy {
                    Some(text) => Some(Arc::new(
                        Policy::parse(text, PolicyKind::Session)
                            .map_err(|_| AuthError::UnrecognizedClient)?,
                    )),
                    None => None,
                };
                let principal = Arc::new(Principal {
                    account: claims.account.clone(),
                    arn: format!(
                        "arn:aws:sts::{}:assumed-role/{}/{}",
                        claims.account, role.role_name, session_name
                    ),
                    kind: PrincipalKind::AssumedRole,
                    id: format!("{}:{}", role.role_id, session_name),
                    user_name: None,
                    tags: merge_session_tags(&role.tags, &claims),
                    access_key_id: access_key_id.to_owned(),
                    session: Some(RoleSession {
                        role_arn: role.role_arn.clone(),
                        role_name: role.role_name.clone(),
                        session_name: session_name.clone(),
                        expires: claims.expires(),
                    }),
                    policies: role.policies.clone(),
                    session_policy,
                    condition_keys: Default::default(),
                    token_issued: Some(claims.issued()),
                });
                let secret = Arc::new(Zeroizing::new(claims.secret_access_key.clone()));
                Ok(remember(
                    &self.sessions,
                    token,
                    role,
                    principal,
                    secret,
                    false,
                ))
            }
            SessionSubject::User {
                parent_access_key_id,
                ..
            } => {
                // A user's session acts as the user, for as long as the key
                // it was obtained with is active.
                let identity = self
                    .iam
                    .identity_for_access_key(parent_access_key_id)?
                    .filter(|i| i.access_key_status == AccessKeyStatus::Active)
                    .ok_or(AuthError::UnrecognizedClient)?;
                let mut principal =
                    user_principal(&identity, PrincipalKind::UserSession, access_key_id);
                principal.token_issued = Some(claims.issued());
                let principal = Arc::new(principal);
                Ok(Signer {
                    principal,
                    secret: Arc::new(Zeroizing::new(claims.secret_access_key.clone())),
                    long_term: false,
                })
            }
        }
    }
}

/// `X-Amz-Security-Token`, from the headers or a presigned query.
fn session_token(parts: &http::request::Parts) -> Option<Cow<'_, str>> {
    if let Some(v) = parts.headers.get("x-amz-security-token") {
        return v.to_str().ok().map(Cow::Borrowed);
    }
    form_urlencoded::parse(parts.uri.query()?.as_bytes())
        .find(|(k, _)| k == "X-Amz-Security-Token")
        .map(|(_, v)| v)
}

fn user_principal(identity: &Identity, kind: PrincipalKind, access_key_id: &str) -> Principal {
    Principal {
        account: identity.account.clone(),
        arn: identity.user_arn.clone(),
        kind,
        id: identity.user_id.clone(),
        user_name: Some(identity.user_name.clone()),
        tags: identity.user_tags.clone(),
        access_key_id: access_key_id.to_owned(),
        session: None,
        policies: identity.policies.clone(),
        session_policy: None,
        condition_keys: Default::default(),
        token_issued: None,
    }
}

/// The role's tags with the session's tags over them (a session tag
/// replaces a role tag of the same key, keys compared without case).
fn merge_session_tags(role_tags: &[Tag], claims: &SessionClaims) -> Vec<Tag> {
    let session = claims.session_tags();
    let mut tags: Vec<Tag> = role_tags
        .iter()
        .filter(|t| !session.iter().any(|s| s.key.eq_ignore_ascii_case(&t.key)))
        .cloned()
        .collect();
    tags.extend(session);
    tags
}

fn cached<S>(
    map: &RwLock<HashMap<String, Built<S>>>,
    key: &str,
    current: &Arc<S>,
    long_term: bool,
) -> Option<Signer> {
    let map = map.read().ok()?;
    let hit = map.get(key)?;
    Arc::ptr_eq(&hit.source, current).then(|| Signer {
        principal: hit.principal.clone(),
        secret: hit.secret.clone(),
        long_term,
    })
}

fn remember<S>(
    map: &RwLock<HashMap<String, Built<S>>>,
    key: &str,
    source: Arc<S>,
    principal: Arc<Principal>,
    secret: Arc<Zeroizing<String>>,
    long_term: bool,
) -> Signer {
    if let Ok(mut map) = map.write() {
        if map.len() >= MAX_CACHED {
            map.clear();
        }
        map.insert(
            key.to_owned(),
            Built {
                source,
                principal: principal.clone(),
                secret: secret.clone(),
            },
        );
    }
    Signer {
        principal,
        secret,
        long_term,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_served_regions_are_admitted() {
        let served = ServedRegions::new(["eu-west-1".to_owned(), "us-west-2".to_owned()]);
        for service in [
            AwsService::SecretsManager,
            AwsService::Sts,
            AwsService::CloudTrail,
        ] {
            assert!(served.admits(service, "eu-west-1"));
            assert!(served.admits(service, "us-west-2"));
            assert!(!served.admits(service, "us-east-1"), "{service:?}");
            assert!(!served.admits(service, "eu-west-3"), "{service:?}");
        }
        // IAM is global: signed for us-east-1, or for a served region.
        assert!(served.admits(AwsService::Iam, "us-east-1"));
        assert!(served.admits(AwsService::Iam, "eu-west-1"));
        assert!(!served.admits(AwsService::Iam, "eu-west-3"));
    }

    #[test]
    fn the_default_is_the_commercial_regions() {
        let served = ServedRegions::default();
        for region in COMMERCIAL_REGIONS {
            assert!(
                served.admits(AwsService::SecretsManager, region),
                "{region}"
            );
        }
        for other in [
            "cn-north-1",
            "us-gov-west-1",
            "us-iso-east-1",
            "aws-global",
            "xx-moon-1",
        ] {
            assert!(!served.admits(AwsService::SecretsManager, other), "{other}");
        }
    }
}
