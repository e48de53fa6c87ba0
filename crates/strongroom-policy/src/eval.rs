//! Policy evaluation: one authorization question, one [`Decision`].
//!
//! The rules, after the IAM User Guide's "Policy evaluation logic" and
//! "Cross-account policy evaluation logic" (SCPs and permissions boundaries are not
//! modelled):
//!
//! 1. **Explicit deny wins.** A matching `Deny` statement in any applicable policy
//!    denies. Identity-based policies are checked first, then the resource-based
//!    policy, then the session policy; the first that denies names the reason. A
//!    resource-policy `Deny` applies to every caller its principal names, including
//!    every principal of a named account.
//! 2. **How a resource-policy statement names the caller.** It *matches directly*
//!    when its principal is `*`, the caller's ARN, or (for an assumed-role session)
//!    the role's ARN. It *matches by account* when it names the caller's account
//!    (12 digits or `arn:aws:iam::ACCOUNT:root`): that delegates to the account's
//!    identity policies and never grants on its own. `NotPrincipal` matches every
//!    caller that no entry names (directly or by account).
//! 3. **Same account** (caller account = resource account): allowed when an
//!    identity policy allows, or a resource-policy statement allows with a direct
//!    match. Otherwise denied: no identity-based policy allows.
//! 4. **Cross account:** allowed only when an identity policy allows *and* a
//!    resource-policy statement allows (directly or by account). The reason is "no
//!    identity-based policy" when the identity side lacks an allow, else "no
//!    resource-based policy".
//! 5. **Session policies** (assumed-role sessions created with a `Policy`): the
//!    result of 3/4 must also be allowed by the session policy, else denied with "no
//!    session policy". The one exception: in the same account, a resource-policy
//!    allow whose principal is the session's own ARN (not the role's) is not limited
//!    by the session policy. Cross-account access always needs the caller's identity
//!    permissions, which the session policy does limit, so the exception does not
//!    apply there.
//!
//! A role's trust policy is evaluated the same way for `sts:AssumeRole`: it is
//! passed as the resource policy, the role's ARN as the resource.
//!
//! Statements match when their action (case-insensitive wildcards) and resource
//! (case-sensitive, field-by-field ARN wildcards) match and every condition holds.
//! Nothing here allocates unless a policy variable has to be substituted.

use crate::Context;
use crate::glob::ArnPattern;
use crate::parse::{Actions, Effect, Policy, Principals, ResourcePattern, Resources, Statement};
use crate::principal::PrincipalMatch;

/// The caller, as policies match it.
#[derive(Debug, Clone, Copy)]
pub struct Principal<'a> {
    /// e.g. `arn:aws:iam::111122223333:user/alice`, `arn:aws:iam::111122223333:root`,
    /// `arn:aws:sts::111122223333:assumed-role/Role/session`
    pub arn: &'a str,
    /// The caller's 12-digit account id.
    pub account: &'a str,
    /// For an assumed-role session: the role's ARN (`arn:aws:iam::A:role/path/Role`). A
    /// resource or trust policy naming the role ARN matches every session of that role.
    pub role_arn: Option<&'a str>,
}

/// One authorization question.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Who asks.
    pub principal: Principal<'a>,
    /// `"service:Operation"`, e.g. `"secretsmanager:GetSecretValue"`.
    pub action: &'a str,
    /// The resource ARN, or `"*"` for actions without a resource.
    pub resource: &'a str,
    /// The account that owns the resource (for the cross-account rule).
    pub resource_account: &'a str,
    /// The request's condition-key values.
    pub context: &'a Context,
}

/// The policies that apply.
#[derive(Debug, Clone, Copy)]
pub struct Policies<'a> {
    /// All identity-based policies of the principal (user inline + attached + groups';
    /// the role's for sessions).
    pub identity: &'a [&'a Policy],
    /// The resource's policy (secret resource policy, role trust policy, KMS key policy), if any.
    pub resource: Option<&'a Policy>,
    /// The session policy of an assumed-role session (from `AssumeRole`'s `Policy`), if any.
    pub session: Option<&'a Policy>,
}

/// The answer to one authorization question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The request may proceed.
    Allow,
    /// The request is refused, and why.
    Deny(DenyReason),
}

impl Decision {
    /// True for [`Decision::Allow`].
    pub fn is_allowed(self) -> bool {
        self == Decision::Allow
    }
}

/// Why a request was denied; names the policy type as AWS's `AccessDenied` messages do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DenyReason {
    /// A `Deny` statement in an identity-based policy matched.
    ExplicitDenyIdentity,
    /// A `Deny` statement in the resource-based policy matched.
    ExplicitDenyResource,
    /// A `Deny` statement in the session policy matched.
    ExplicitDenySession,
    /// Nothing allowed the request on the caller's side (implicit deny).
    NoIdentityAllow,
    /// Cross-account: the resource's policy does not allow the caller.
    NoResourceAllow,
    /// The session policy does not allow what the other policies allow.
    NoSessionAllow,
}

impl DenyReason {
    /// The tail of AWS's `AccessDenied` message ("User: … is not authorized to perform:
    /// … on resource: … {tail}"), worded as the IAM User Guide's "Troubleshooting access
    /// denied error messages" gives it: "with an explicit deny in a {type} policy" or
    /// "because no {type} policy allows the {action} action".
    pub fn message(&self, action: &str) -> String {
        match self {
            DenyReason::ExplicitDenyIdentity => {
                "with an explicit deny in an identity-based policy".to_owned()
            }
            DenyReason::ExplicitDenyResource => {
                "with an explicit deny in a resource-based policy".to_owned()
            }
            DenyReason::ExplicitDenySession => {
                "with an explicit deny in a session policy".to_owned()
            }
            DenyReason::NoIdentityAllow => {
                format!("because no identity-based policy allows the {action} action")
            }
            DenyReason::NoResourceAllow => {
                format!("because no resource-based policy allows the {action} action")
            }
            DenyReason::NoSessionAllow => {
                format!("because no session policy allows the {action} action")
            }
        }
    }
}

/// The values of one condition key during evaluation.
pub(crate) enum Values<'a> {
    /// From the request's [`Context`].
    Context(&'a [String]),
    /// Derived from the request itself (see [`Env::get`]).
    Derived(&'a str),
}

impl<'a> Values<'a> {
    /// The values one by one.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &'a str> + use<'a> {
        let (many, one): (&'a [String], Option<&'a str>) = match *self {
            Values::Context(v) => (v, None),
            Values::Derived(s) => (&[], Some(s)),
        };
        many.iter().map(String::as_str).chain(one)
    }
}

/// What conditions and policy variables can see of one request.
pub(crate) struct Env<'a> {
    context: &'a Context,
    principal: Principal<'a>,
}

impl<'a> Env<'a> {
    /// The values of a lower-cased key. The context wins; `aws:PrincipalArn` (the role's
    /// ARN for a session, as AWS sets it) and `aws:PrincipalAccount` fall back to the
    /// request's principal, because every request has them.
    pub(crate) fn get(&self, key: &str) -> Option<Values<'a>> {
        if let Some(v) = self.context.get_lowercase(key) {
            return Some(Values::Context(v));
        }
        match key {
            "aws:principalarn" => Some(Values::Derived(
                self.principal.role_arn.unwrap_or(self.principal.arn),
            )),
            "aws:principalaccount" => Some(Values::Derived(self.principal.account)),
            _ => None,
        }
    }

    /// Whether `key` holds the candidate values of an ambiguous key.
    pub(crate) fn ambiguous(&self, key: &str) -> bool {
        self.context.is_ambiguous_lowercase(key)
    }

    /// The value a policy variable stands for: a key with exactly one value.
    pub(crate) fn single(&self, key: &str) -> Option<&'a str> {
        let values = self.get(key)?;
        let mut it = values.iter();
        let first = it.next()?;
        it.next().is_none().then_some(first)
    }
}

/// Does `statement` cover this action, resource and request (principal aside)?
fn statement_matches(statement: &Statement, request: &Request<'_>, env: &Env<'_>) -> bool {
    let action_ok = match &statement.actions {
        Actions::Action(globs) => globs
            .iter()
            .any(|g| g.matches_ignore_ascii_case(request.action)),
        Actions::NotAction(globs) => !globs
            .iter()
            .any(|g| g.matches_ignore_ascii_case(request.action)),
    };
    if !action_ok {
        return false;
    }
    let resource_ok = match &statement.resources {
        Resources::Implied => true,
        Resources::Resource(patterns) => patterns
            .iter()
            .any(|p| resource_matches(p, request.resource, env)),
        Resources::NotResource(patterns) => !patterns
            .iter()
            .any(|p| resource_matches(p, request.resource, env)),
    };
    let deny = statement.effect == Effect::Deny;
    resource_ok && statement.conditions.iter().all(|c| c.evaluate(env, deny))
}

fn resource_matches(pattern: &ResourcePattern, resource: &str, env: &Env<'_>) -> bool {
    match pattern {
        ResourcePattern::Static(p) => p.matches(resource),
        // An unresolvable variable makes this entry match nothing.
        ResourcePattern::Template(t) => t
            .resolve_segments(&|key| env.single(key))
            .is_some_and(|segs| ArnPattern::from_segments(segs).matches(resource)),
    }
}

/// How a resource-policy statement's principal element names the caller.
fn principal_match(statement: &Statement, caller: &Principal<'_>) -> PrincipalMatch {
    match &statement.principals {
        // Identity-style statements carry no principal: the caller is implied.
        Principals::Implied => PrincipalMatch::Direct,
        Principals::Principal(set) => set.best_match(caller),
        Principals::NotPrincipal(set) => {
            if set.best_match(caller) == PrincipalMatch::None {
                PrincipalMatch::Direct
            } else {
                PrincipalMatch::None
            }
        }
    }
}

/// What one policy says about a request.
struct Verdict {
    deny: bool,
    /// The strongest principal match among matching `Allow` statements
    /// ([`PrincipalMatch::Direct`] for policies without principals).
    allow: PrincipalMatch,
}

fn evaluate_policy(policy: &Policy, request: &Request<'_>, env: &Env<'_>) -> Verdict {
    let mut verdict = Verdict {
        deny: false,
        allow: PrincipalMatch::None,
    };
    for statement in policy.statements() {
        // Once the strongest possible allow is known, only denies can change anything.
        if statement.effect == Effect::Allow && verdict.allow == PrincipalMatch::Session {
            continue;
        }
        let who = principal_match(statement, &request.principal);
        if who == PrincipalMatch::None
            || (statement.effect == Effect::Allow && who <= verdict.allow)
        {
            continue;
        }
        if statement_matches(statement, request, env) {
            match statement.effect {
                Effect::Deny => {
                    verdict.deny = true;
                    return verdict;
                }
                Effect::Allow => verdict.allow = who,
            }
        }
    }
    verdict
}

/// Answers one authorization question (see the module documentation for the rules).
pub fn authorize(request: &Request<'_>, policies: &Policies<'_>) -> Decision {
    evaluate(request, policies, Mode::ResourcePolicy)
}

/// Answers one authorization question on a KMS key, whose key policy is
/// `policies.resource`. KMS's rule differs from rule 3 above: a key is
/// usable only where its key policy allows. In the same account, a key
/// policy statement that names the caller directly allows on its own; one
/// that names the caller's account (its root) delegates to the identity
/// policies, which must then allow too; an identity allow without either
/// is not enough ("no resource-based policy allows"). Across accounts the
/// rule is rule 4's: the key policy allows the caller (directly or by
/// account) and an identity policy allows. Denies and session policies are
/// as for every request.
pub fn authorize_with_key_policy(request: &Request<'_>, policies: &Policies<'_>) -> Decision {
    evaluate(request, policies, Mode::KeyPolicy)
}

/// How the resource policy takes part.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Secrets Manager, trust policies: a same-account identity allow suffices.
    ResourcePolicy,
    /// KMS: the key policy must allow, directly or by delegating to IAM.
    KeyPolicy,
}

fn evaluate(request: &Request<'_>, policies: &Policies<'_>, mode: Mode) -> Decision {
    let env = Env {
        context: request.context,
        principal: request.principal,
    };

    // 1. Explicit denies, identity first; the allows are collected on the way.
    let mut identity_allow = false;
    for policy in policies.identity {
        let v = evaluate_policy(policy, request, &env);
        if v.deny {
            return Decision::Deny(DenyReason::ExplicitDenyIdentity);
        }
        identity_allow |= v.allow != PrincipalMatch::None;
    }
    let resource_allow = match policies.resource {
        Some(policy) => {
            let v = evaluate_policy(policy, request, &env);
            if v.deny {
                return Decision::Deny(DenyReason::ExplicitDenyResource);
            }
            v.allow
        }
        None => PrincipalMatch::None,
    };
    let session_allow = match policies.session {
        Some(policy) => {
            let v = evaluate_policy(policy, request, &env);
            if v.deny {
                return Decision::Deny(DenyReason::ExplicitDenySession);
            }
            Some(v.allow != PrincipalMatch::None)
        }
        None => None,
    };

    // 2-4. Identity and resource policies.
    let same_account = request.principal.account == request.resource_account;
    if same_account {
        if resource_allow == PrincipalMatch::Session {
            // 5. A grant to the session's own ARN is not narrowed by its session policy.
            return Decision::Allow;
        }
        match mode {
            Mode::ResourcePolicy => {
                if !identity_allow && resource_allow < PrincipalMatch::Direct {
                    return Decision::Deny(DenyReason::NoIdentityAllow);
                }
            }
            Mode::KeyPolicy => match resource_allow {
                PrincipalMatch::None => return Decision::Deny(DenyReason::NoResourceAllow),
                PrincipalMatch::Account if !identity_allow => {
                    return Decision::Deny(DenyReason::NoIdentityAllow);
                }
                _ => {}
            },
        }
    } else {
        if !identity_allow {
            return Decision::Deny(DenyReason::NoIdentityAllow);
        }
        if resource_allow == PrincipalMatch::None {
            return Decision::Deny(DenyReason::NoResourceAllow);
        }
    }

    // 5. The session policy narrows whatever was granted.
    if session_allow == Some(false) {
        return Decision::Deny(DenyReason::NoSessionAllow);
    }
    Decision::Allow
}
