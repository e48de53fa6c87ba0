//! Who is calling, from where, and when: built once per request by the wire
//! layer (after authentication), then handed to every step of the pipeline
//! (resolve → authorize → apply → record).

use std::net::IpAddr;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use strongroom_domain::{Tag, Timestamp};

/// The kind of principal, as `aws:PrincipalType` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    /// An IAM user, signing with one of its long-term access keys.
    User,
    /// A role session from `sts:AssumeRole`.
    AssumedRole,
    /// A user's temporary credentials from `sts:GetSessionToken`: they act
    /// as the user itself.
    UserSession,
}

impl PrincipalKind {
    /// The value of the `aws:PrincipalType` condition key.
    pub fn condition_value(self) -> &'static str {
        match self {
            PrincipalKind::User | PrincipalKind::UserSession => "User",
            PrincipalKind::AssumedRole => "AssumedRole",
        }
    }
}

/// An assumed-role session's own facts (for `PrincipalKind::AssumedRole`).
#[derive(Debug, Clone)]
pub struct RoleSession {
    /// `arn:aws:iam::ACCOUNT:role/path/NAME`: resource and trust policies
    /// that name the role match all its sessions.
    pub role_arn: String,
    pub role_name: String,
    pub session_name: String,
    /// When the temporary credentials stop working.
    pub expires: Timestamp,
}

/// The authenticated caller. Built by the authenticator, shared (it is
/// cached per access key) and never changed during a request.
#[derive(Debug, Clone)]
pub struct Principal {
    /// The account the principal belongs to (and acts in by default).
    pub account: String,
    /// `arn:aws:iam::ACCOUNT:user/NAME` or
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    pub arn: String,
    pub kind: PrincipalKind,
    /// `aws:userid`: the user's unique id, or `ROLEID:SESSION` for a session.
    pub id: String,
    /// `aws:username`: IAM users only.
    pub user_name: Option<String>,
    /// `aws:PrincipalTag/*`: the user's or role's tags (plus session tags).
    pub tags: Vec<Tag>,
    /// The access key the request was signed with.
    pub access_key_id: String,
    pub session: Option<RoleSession>,
    /// The identity-based policies that apply (parsed once, shared).
    pub policies: Vec<Arc<strongroom_policy::Policy>>,
    /// An assumed-role session's session policy, which narrows `policies`.
    pub session_policy: Option<Arc<strongroom_policy::Policy>>,
    /// When the temporary credentials the request is signed with were issued
    /// (`aws:TokenIssueTime`); `None` for long-term keys.
    pub token_issued: Option<Timestamp>,
    /// The principal's own condition keys (`aws:PrincipalArn`, `aws:userid`,
    /// `aws:PrincipalTag/…`, …), built on first use and shared by all its
    /// requests (`authz.rs`); leave it `Default::default()`.
    pub condition_keys: OnceLock<Arc<strongroom_policy::Context>>,
}

impl Principal {
    /// The principal as the policy engine matches it (a session matches
    /// by its role's ARN too).
    pub(crate) fn for_policies(&self) -> strongroom_policy::Principal<'_> {
        strongroom_policy::Principal {
            arn: &self.arn,
            account: &self.account,
            role_arn: self.session.as_ref().map(|s| s.role_arn.as_str()),
        }
    }

    /// The identity-based policies, as the policy engine takes them.
    pub(crate) fn identity_policies(&self) -> Vec<&strongroom_policy::Policy> {
        self.policies.iter().map(Arc::as_ref).collect()
    }
}

/// One request's facts, as the pipeline's steps and the audit record need them.
#[derive(Debug, Clone)]
pub struct RequestContext {
    /// `x-amzn-RequestId` of the answer.
    pub request_id: String,
    pub principal: Arc<Principal>,
    /// The region of the request's credential scope: it picks the secrets'
    /// namespace and appears in their ARNs.
    pub region: String,
    /// The peer address (`aws:SourceIp`), when the listener knows it.
    pub source_ip: Option<IpAddr>,
    pub user_agent: Option<String>,
    /// Whether the request came over TLS (`aws:SecureTransport`).
    pub secure_transport: bool,
    /// When the request arrived (`aws:CurrentTime`, `aws:EpochTime`).
    pub time: Timestamp,
    /// The resources the request was allowed to act on, for the audit
    /// record; leave it `Default::default()`.
    pub resources: Resources,
}

impl RequestContext {
    /// The caller's own account.
    pub fn account(&self) -> &str {
        &self.principal.account
    }

    /// Notes that the request was allowed to act on the existing (or
    /// about to be created) resource `arn`: the audit record lists it.
    /// Called by the authorize step only, so a denied or missing resource
    /// never appears (its name stays in the request parameters).
    pub fn note_resource(&self, arn: &str) {
        let mut list = self
            .resources
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // A BatchGetSecretValue can name many; the record keeps a bounded list.
        if list.len() < MAX_NOTED_RESOURCES && !list.iter().any(|a| a == arn) {
            list.push(arn.to_owned());
        }
    }

    /// The resources noted so far, in the order they were authorized.
    pub fn noted_resources(&self) -> Vec<String> {
        self.resources
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// How many resources one audit record lists at most.
const MAX_NOTED_RESOURCES: usize = 100;

/// The resources one request acted on ([`RequestContext::note_resource`]).
/// Clones of a context share it: an operation that moves a copy of its
/// context into its store transaction still notes into the request's.
#[derive(Debug, Default, Clone)]
pub struct Resources(Arc<Mutex<Vec<String>>>);
