//! Authorization: the one place where a request is allowed or denied.
//!
//! Every operation describes what it asks for as an [`Access`] (action,
//! resource ARN, the resource's policy, the request's condition keys);
//! [`authorize`] adds the global condition keys of the request context and
//! evaluates the caller's identity policies, the resource policy and any
//! session policy with the policy engine (`strongroom-policy`).
//!
//! Architecture Invariant: authorization comes before existence. An
//! operation on a secret resolves it and authorizes in the same step
//! ([`resolve_authorized`]); a secret that does not exist is authorized
//! as its name, so a caller without permission learns nothing about it.

use crate::{RequestContext, ServiceError};
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, PoisonError, RwLock};
use strongroom_domain::{Error, Secret, SecretRef, Tag};
use strongroom_policy::{Context, Decision, DenyReason, Policies, Policy, PolicyKind, Request};
use strongroom_store::ReadTx;

/// What one operation asks to do.
pub struct Access<'a> {
    /// `service:Operation`, e.g. `secretsmanager:GetSecretValue`.
    pub action: &'static str,
    /// The resource ARN policies match against; `*` for actions without one.
    pub resource: &'a str,
    /// The account owning the resource (the caller's for `*`).
    pub resource_account: &'a str,
    /// The resource's own policy (a secret's resource policy).
    pub resource_policy: Option<&'a Policy>,
    /// How a denial names the resource: the id as the caller gave it.
    pub shown_as: &'a str,
    /// The request's and the resource's condition keys.
    pub keys: Context,
}

/// Allows or denies `access` for the caller of `ctx`: the one place every
/// decision is made (Secrets Manager's operations call it through the
/// helpers below; IAM and STS handlers call it directly).
pub fn authorize(ctx: &RequestContext, access: Access<'_>) -> Result<(), ServiceError> {
    decide(ctx, access, strongroom_policy::authorize)
}

/// [`authorize`] on a KMS key, whose key policy is `access.resource_policy`:
/// KMS's rule, under which the key policy must allow (directly, or by naming
/// the account root, which delegates to IAM) even within the key's account
/// (`strongroom_policy::authorize_with_key_policy`).
pub fn authorize_key(ctx: &RequestContext, access: Access<'_>) -> Result<(), ServiceError> {
    decide(ctx, access, strongroom_policy::authorize_with_key_policy)
}

/// [`authorize_key`] for Secrets Manager's own use of the AWS managed key
/// `aws/secretsmanager`: its key policy grants the account's principals
/// use through Secrets Manager, and a role session's session policy does
/// not take that away (AWS: every principal of the account that may use
/// Secrets Manager may use the key through it). Explicit denies still apply.
pub(crate) fn authorize_managed_key(
    ctx: &RequestContext,
    access: Access<'_>,
) -> Result<(), ServiceError> {
    decide_with(
        ctx,
        access,
        strongroom_policy::authorize_with_key_policy,
        false,
    )
}

fn decide(
    ctx: &RequestContext,
    access: Access<'_>,
    evaluate: fn(&Request<'_>, &Policies<'_>) -> Decision,
) -> Result<(), ServiceError> {
    decide_with(ctx, access, evaluate, true)
}

/// [`authorize_key`] with KMS's grants: when no policy denies explicitly and
/// the policies only fail to allow, `grant_allows` (a grant of the key to
/// the caller for the action, its constraints met) allows ("Grants in AWS KMS":
/// a grant allows without the key policy or IAM policies; an explicit deny wins).
pub(crate) fn authorize_key_or_grant(
    ctx: &RequestContext,
    access: Access<'_>,
    grant_allows: impl Fn() -> bool,
) -> Result<(), ServiceError> {
    decide_or(
        ctx,
        access,
        strongroom_policy::authorize_with_key_policy,
        true,
        grant_allows,
    )
}

fn decide_with(
    ctx: &RequestContext,
    access: Access<'_>,
    evaluate: fn(&Request<'_>, &Policies<'_>) -> Decision,
    with_session_policy: bool,
) -> Result<(), ServiceError> {
    decide_or(ctx, access, evaluate, with_session_policy, || false)
}

fn decide_or(
    ctx: &RequestContext,
    mut access: Access<'_>,
    evaluate: fn(&Request<'_>, &Policies<'_>) -> Decision,
    with_session_policy: bool,
    otherwise_allowed: impl Fn() -> bool,
) -> Result<(), ServiceError> {
    let principal = &ctx.principal;
    add_global_keys(ctx, &mut access.keys);
    access
        .keys
        .set_static("aws:resourceaccount", access.resource_account);
    let identity = principal.identity_policies();
    let request = Request {
        principal: principal.for_policies(),
        action: access.action,
        resource: access.resource,
        resource_account: access.resource_account,
        context: &access.keys,
    };
    let policies = Policies {
        identity: &identity,
        resource: access.resource_policy,
        session: principal
            .session_policy
            .as_deref()
            .filter(|_| with_session_policy),
    };
    match evaluate(&request, &policies) {
        Decision::Allow => Ok(()),
        Decision::Deny(
            DenyReason::NoIdentityAllow | DenyReason::NoResourceAllow | DenyReason::NoSessionAllow,
        ) if otherwise_allowed() => Ok(()),
        Decision::Deny(reason) => Err(ServiceError::AccessDenied(format!(
            "User: {} is not authorized to perform: {} on resource: {} {}",
            principal.arn,
            access.action,
            access.shown_as,
            reason.message(access.action)
        ))),
    }
}

/// The global condition keys every request carries: the principal's (built
/// once per principal) under the request's own (source, time, transport).
/// Keys are written in lower case: names are case-insensitive, and the
/// context then stores them without allocating.
fn add_global_keys(ctx: &RequestContext, keys: &mut Context) {
    let principal = ctx
        .principal
        .condition_keys
        .get_or_init(|| Arc::new(principal_keys(ctx)))
        .clone();
    keys.set_base(principal);
    if let Some(ip) = ctx.source_ip {
        keys.set_static("aws:sourceip", ip.to_string());
    }
    let (epoch, iso) = time_keys(ctx.time.millis().div_euclid(1000));
    keys.set_static("aws:epochtime", epoch);
    keys.set_static("aws:currenttime", iso);
    keys.set_static(
        "aws:securetransport",
        if ctx.secure_transport {
            "true"
        } else {
            "false"
        },
    );
    keys.set_static("aws:requestedregion", ctx.region.as_str());
}

/// The keys that depend on the principal alone.
fn principal_keys(ctx: &RequestContext) -> Context {
    let p = &ctx.principal;
    let mut keys = Context::new();
    keys.set_static("aws:principalarn", principal_arn_key(ctx));
    keys.set_static("aws:principalaccount", p.account.as_str());
    keys.set_static("aws:principaltype", p.kind.condition_value());
    keys.set_static("aws:userid", p.id.as_str());
    if let Some(name) = &p.user_name {
        keys.set_static("aws:username", name.as_str());
    }
    set_tags(&mut keys, "aws:PrincipalTag/", &p.tags);
    if let Some(issued) = p.token_issued
        && let Ok(t) = jiff::Timestamp::from_millisecond(issued.millis())
    {
        keys.set_static("aws:tokenissuetime", t.to_string());
    }
    keys
}

/// `{prefix}{key}` for each tag. Tag keys are case-sensitive but condition
/// keys are not, so keys differing only in case share one condition key
/// holding all their values, marked ambiguous: one tag cannot hide another
/// by its spelling, whichever operator a policy uses.
pub(crate) fn set_tags(keys: &mut Context, prefix: &str, tags: &[Tag]) {
    let mut merged: Vec<(String, Vec<String>)> = Vec::with_capacity(tags.len());
    for tag in tags {
        let key = format!("{prefix}{}", tag.key).to_lowercase();
        match merged.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(tag.value.clone()),
            None => merged.push((key, vec![tag.value.clone()])),
        }
    }
    for (key, values) in merged {
        match <[String; 1]>::try_from(values) {
            Ok([one]) => keys.set(&key, one),
            // Candidates for one key: the engine lets a Deny apply if any of
            // them triggers it, and an Allow only if all satisfy it.
            Err(many) => keys.set_ambiguous(&key, many),
        }
    }
}

thread_local! {
    /// The last second's `aws:EpochTime` and `aws:CurrentTime`, formatted:
    /// requests in the same second share them.
    static TIME_KEYS: std::cell::RefCell<(i64, String, String)> =
        const { std::cell::RefCell::new((i64::MIN, String::new(), String::new())) };
}

fn time_keys(seconds: i64) -> (String, String) {
    TIME_KEYS.with_borrow_mut(|(at, epoch, iso)| {
        if *at != seconds {
            *at = seconds;
            *epoch = seconds.to_string();
            *iso = jiff::Timestamp::from_second(seconds)
                .map(|t| t.to_string())
                .unwrap_or_default();
        }
        (epoch.clone(), iso.clone())
    })
}

/// `aws:PrincipalArn` is the role's ARN for a role session (AWS documents
/// it so), the principal's own ARN otherwise.
fn principal_arn_key(ctx: &RequestContext) -> &str {
    match &ctx.principal.session {
        Some(s) => &s.role_arn,
        None => &ctx.principal.arn,
    }
}

/// `aws:RequestTag/*` and `aws:TagKeys` for tags a request sets.
pub fn add_request_tags(keys: &mut Context, tags: &[Tag]) {
    set_tags(keys, "aws:RequestTag/", tags);
    keys.set_multi("aws:TagKeys", tags.iter().map(|t| t.key.clone()).collect());
}

/// The condition keys a secret itself contributes.
pub(crate) fn secret_keys(secret: &Secret) -> Context {
    let mut keys = Context::new();
    keys.set_static("secretsmanager:secretid", secret.arn.as_str());
    keys.set_static("secretsmanager:secretprimaryregion", secret.region.as_str());
    let tags = secret.tags.as_deref().unwrap_or_default();
    set_tags(&mut keys, "aws:ResourceTag/", tags);
    set_tags(&mut keys, "secretsmanager:ResourceTag/", tags);
    keys
}

/// Parsed resource policies, by their text: a secret's policy is parsed
/// once, not on every request that reads the secret.
#[derive(Default)]
pub(crate) struct PolicyCache {
    parsed: RwLock<HashMap<String, Arc<Policy>>>,
}

/// What a stored resource policy that no longer parses is replaced with.
const UNREADABLE_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","NotAction":["secretsmanager:PutResourcePolicy","secretsmanager:DeleteResourcePolicy"],"Resource":"*"}]}"#;

/// [`UNREADABLE_POLICY`], parsed once. It is a constant the tests parse,
/// so parsing it cannot fail at run time.
static UNREADABLE_STAND_IN: LazyLock<Arc<Policy>> = LazyLock::new(|| {
    Arc::new(
        Policy::parse(UNREADABLE_POLICY, PolicyKind::Resource)
            .expect("the stand-in for an unreadable policy parses"),
    )
});

/// Policies kept before the cache starts over.
const MAX_CACHED_POLICIES: usize = 4096;

impl PolicyCache {
    /// The parsed resource policy of `secret`, if it has one.
    pub fn of_secret(&self, secret: &Secret) -> Option<Arc<Policy>> {
        self.resource_policy(secret.resource_policy.as_deref()?)
    }

    /// The parsed form of a stored resource policy. A stored policy was
    /// validated when it was put; one that no longer parses (a stricter
    /// parser after an upgrade) fails closed: everything is denied but
    /// replacing or deleting the policy, since its Deny statements cannot be
    /// honoured any more.
    pub fn resource_policy(&self, text: &str) -> Option<Arc<Policy>> {
        // A poisoned lock only means another thread panicked while holding
        // it; the map is still usable, and giving up here would drop the
        // policy (and its Deny statements) silently.
        let cached = self
            .parsed
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(text)
            .cloned();
        if let Some(p) = cached {
            return Some(p);
        }
        let policy = match Policy::parse(text, PolicyKind::Resource) {
            Ok(p) => Arc::new(p),
            Err(e) => {
                tracing::error!(error = %e, "a stored resource policy no longer parses; denying all but Put/DeleteResourcePolicy");
                UNREADABLE_STAND_IN.clone()
            }
        };
        let mut map = self.parsed.write().unwrap_or_else(PoisonError::into_inner);
        if map.len() >= MAX_CACHED_POLICIES {
            map.clear();
        }
        map.insert(text.to_owned(), policy.clone());
        Some(policy)
    }
}

/// Authorizes `action` on an existing secret, with the operation's own
/// condition keys added to the secret's.
pub(crate) fn authorize_on_secret(
    ctx: &RequestContext,
    policies: &PolicyCache,
    secret: &Secret,
    shown_as: &str,
    action: &'static str,
    request_keys: impl FnOnce(&mut Context),
) -> Result<(), ServiceError> {
    let resource_policy = policies.of_secret(secret);
    authorize_on_parsed_secret(
        ctx,
        secret,
        resource_policy.as_deref(),
        shown_as,
        action,
        request_keys,
    )
}

/// [`authorize_on_secret`] for a secret whose resource policy is already
/// parsed (the read caches keep it with the secret).
pub(crate) fn authorize_on_parsed_secret(
    ctx: &RequestContext,
    secret: &Secret,
    resource_policy: Option<&Policy>,
    shown_as: &str,
    action: &'static str,
    request_keys: impl FnOnce(&mut Context),
) -> Result<(), ServiceError> {
    let mut request = Context::new();
    request_keys(&mut request);
    let mut keys = secret_keys(secret);
    keys.extend(&request);
    let decision = authorize(
        ctx,
        Access {
            action,
            resource: &secret.arn,
            resource_account: &secret.account,
            resource_policy,
            shown_as,
            keys,
        },
    );
    if let Err(denied) = decision {
        // Would the caller be denied if the secret did not exist? Then say
        // what it would be told then: the reason must not reveal that the
        // secret exists (e.g. "explicit deny in a resource-based policy").
        return Err(
            match authorize_on_missing(ctx, shown_as, action, |k| k.extend(&request)) {
                Err(as_if_missing) => as_if_missing,
                Ok(()) => denied,
            },
        );
    }
    if secret.account != ctx.account() && secret.kms_key_id.is_none() {
        // The AWS managed key cannot be used from another account.
        return Err(Error::CrossAccountDefaultKey.into());
    }
    ctx.note_resource(&secret.arn);
    Ok(())
}

/// Authorizes `action` on a secret that does not exist (or that the caller
/// may not see), named as the caller named it. Allowed, the caller learns
/// it does not exist; denied, nothing more.
pub(crate) fn authorize_on_missing(
    ctx: &RequestContext,
    secret_id: &str,
    action: &'static str,
    request_keys: impl FnOnce(&mut Context),
) -> Result<(), ServiceError> {
    let arn = match SecretRef::parse(secret_id) {
        Ok(SecretRef::Arn { full, .. }) => full,
        // A name: the ARN a secret of that name would have, minus the suffix.
        _ => strongroom_domain::build_arn(&ctx.region, ctx.account(), secret_id, ""),
    };
    // An ARN names its account: a missing secret of another account is
    // judged as across accounts, exactly like an existing one would be, so
    // the answer does not tell the two apart.
    let account = arn.split(':').nth(4).unwrap_or(ctx.account()).to_owned();
    let mut keys = Context::new();
    keys.set("secretsmanager:SecretId", arn.as_str());
    request_keys(&mut keys);
    authorize(
        ctx,
        Access {
            action,
            resource: &arn,
            resource_account: &account,
            resource_policy: None,
            shown_as: secret_id,
            keys,
        },
    )
}

/// Resolves `secret_id` and authorizes `action` on it: the resolve and
/// authorize steps of every operation on one secret.
pub(crate) fn resolve_authorized(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    policies: &PolicyCache,
    secret_id: &str,
    action: &'static str,
    request_keys: impl FnOnce(&mut Context),
) -> Result<Secret, ServiceError> {
    match crate::resolve(tx, ctx, secret_id) {
        Ok(secret) => {
            authorize_on_secret(ctx, policies, &secret, secret_id, action, request_keys)?;
            Ok(secret)
        }
        Err(ServiceError::Domain(Error::SecretNotFound)) => {
            authorize_on_missing(ctx, secret_id, action, request_keys)?;
            Err(Error::SecretNotFound.into())
        }
        Err(e) => Err(e),
    }
}

/// Authorizes an action that names no resource (`ListSecrets`,
/// `GetRandomPassword`): AWS authorizes those on `*`.
pub(crate) fn authorize_on_any(
    ctx: &RequestContext,
    action: &'static str,
) -> Result<(), ServiceError> {
    authorize(
        ctx,
        Access {
            action,
            resource: "*",
            resource_account: ctx.account(),
            resource_policy: None,
            shown_as: "*",
            keys: Context::new(),
        },
    )
}

/// Authorizes `action` (`sts:AssumeRole`, `sts:TagSession`) on a role whose
/// trust policy is `trust`.
///
/// A role is stricter than other resources: its trust policy must always
/// allow the caller, even within the role's own account. A trust statement
/// that names the caller (or its role) directly is enough on its own; one
/// that names only the caller's account delegates to that account, whose
/// identity policies must then allow the action too. An explicit deny in
/// any policy wins. Across accounts the caller's own account must always
/// allow too.
///
/// A denial names the role as the caller gave it (`shown_as`) and gives no
/// reason: whether the role exists, its path, or what its trust policy says
/// must not be learnt from the answer (AWS answers the same way).
pub fn authorize_assume_role(
    ctx: &RequestContext,
    role_arn: &str,
    role_account: &str,
    trust: &Policy,
    action: &'static str,
    keys: Context,
    shown_as: &str,
) -> Result<(), ServiceError> {
    let principal = &ctx.principal;
    let mut keys = keys;
    add_global_keys(ctx, &mut keys);
    keys.set_static("aws:resourceaccount", role_account);
    let identity = principal.identity_policies();
    let session = principal.session_policy.as_deref();
    let decide = |identity: &[&Policy], resource_account: &str| {
        strongroom_policy::authorize(
            &Request {
                principal: principal.for_policies(),
                action,
                resource: role_arn,
                resource_account,
                context: &keys,
            },
            &Policies {
                identity,
                resource: Some(trust),
                session,
            },
        )
    };
    let denied = || {
        ServiceError::AccessDenied(format!(
            "User: {} is not authorized to perform: {action} on resource: {shown_as}",
            principal.arn
        ))
    };
    // Explicit denies, as for any request.
    if let Decision::Deny(reason) = decide(&identity, role_account)
        && matches!(
            reason,
            DenyReason::ExplicitDenyIdentity
                | DenyReason::ExplicitDenyResource
                | DenyReason::ExplicitDenySession
        )
    {
        return Err(denied());
    }
    // Within the role's account, a trust policy that names the caller
    // itself needs no identity policy (a session policy still narrows a
    // role session). Across accounts this shortcut does not exist.
    let direct = role_account == principal.account && decide(&[], role_account).is_allowed();
    // Otherwise both sides must allow, as across accounts: evaluated as if
    // the role were in another account, which is exactly that rule.
    let delegated = || decide(&identity, CROSS_ACCOUNT_SENTINEL).is_allowed();
    if direct || delegated() {
        Ok(())
    } else {
        Err(denied())
    }
}

/// An account id no principal has (not 12 digits), used to evaluate a role's
/// trust with the cross-account rule (both identity and trust must allow).
const CROSS_ACCOUNT_SENTINEL: &str = "trust-delegation";

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored policy that no longer parses denies all but replacing or
    /// deleting it (its Deny statements cannot be honoured any more).
    #[test]
    fn an_unreadable_stored_policy_fails_closed() {
        let cache = PolicyCache::default();
        let policy = cache
            .resource_policy("{not json")
            .expect("a stand-in policy");
        let context = Context::new();
        let decide = |action| {
            strongroom_policy::authorize(
                &Request {
                    principal: strongroom_policy::Principal {
                        arn: "arn:aws:iam::123456789012:user/admin",
                        account: "123456789012",
                        role_arn: None,
                    },
                    action,
                    resource: "arn:aws:secretsmanager:us-east-1:123456789012:secret:x-abcdef",
                    resource_account: "123456789012",
                    context: &context,
                },
                &Policies {
                    identity: &[],
                    resource: Some(&policy),
                    session: None,
                },
            )
        };
        assert_eq!(
            decide("secretsmanager:GetSecretValue"),
            Decision::Deny(DenyReason::ExplicitDenyResource)
        );
        assert!(matches!(
            decide("secretsmanager:PutResourcePolicy"),
            Decision::Deny(DenyReason::NoIdentityAllow)
        ));
    }
}
