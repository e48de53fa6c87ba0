//! Grants: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant,
//! RevokeGrant, and the grant half of KMS authorization (`allows`).
//!
//! A grant lets its grantee use its key for its operations without the key
//! policy or IAM policies, its constraints met by the request's encryption
//! context; an explicit deny in any policy still wins (`authz::authorize_key_or_grant`).
//! Grants are effective at once here (AWS: eventually), so GrantTokens are
//! only checked for shape.
//!
//! A grant token is a bearer secret: 48 random bytes, base64url; the store
//! keeps its SHA-256 only.

use super::{Found, authorize_found_or, find, key_ref, marker_after, missing, page_limit};
use crate::{RequestContext, Service, ServiceError};
use base64::Engine as _;
use std::collections::BTreeMap;
use strongroom_crypto::{random_bytes, sha256};
use strongroom_domain::kms::{
    EncryptionContext, GrantConstraints, GrantOperation, KeyOperation, KeyRef, KmsError, KmsGrant,
    MAX_GRANTS_PER_KEY, is_grant_id,
};
use strongroom_policy::Context;
use strongroom_store::ReadTx;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;
/// Random bytes in a grant token, and its length in base64url.
const TOKEN_BYTES: usize = 48;
const TOKEN_CHARS: usize = 64;

/// CreateGrant's members.
pub struct CreateGrantInput {
    pub key_id: String,
    pub grantee: String,
    pub retiring: Option<String>,
    pub operations: Vec<String>,
    pub constraints: Option<GrantConstraints>,
    pub grant_tokens: Vec<String>,
    pub name: Option<String>,
    pub dry_run: bool,
}

pub struct CreateGrantOutput {
    pub grant_id: String,
    /// A bearer token for the grant (a new one for each idempotent retry;
    /// each retires the grant).
    pub grant_token: String,
}

/// RetireGrant's members: a token, or a key and grant id.
pub struct RetireGrantInput {
    pub grant_token: Option<String>,
    pub key_id: Option<String>,
    pub grant_id: Option<String>,
    pub dry_run: bool,
}

/// One grant as listed, with its key's ARN.
pub struct GrantEntry {
    pub key_arn: String,
    pub grant: KmsGrant,
}

pub struct GrantPage {
    pub grants: Vec<GrantEntry>,
    pub next_marker: Option<String>,
}

/// All grants of a key (authorization reads them with the key).
pub(crate) fn of_key(tx: &dyn ReadTx, key_id: &str) -> Result<Vec<KmsGrant>, ServiceError> {
    Ok(tx.kms_grants_page(key_id, None, None, None, MAX_GRANTS_PER_KEY)?)
}

/// The ARNs a grant's GranteePrincipal may name the caller by: its own,
/// and its role's for a role session.
fn caller_arns(ctx: &RequestContext) -> Vec<&str> {
    let mut arns = vec![ctx.principal.arn.as_str()];
    if let Some(s) = &ctx.principal.session {
        arns.push(s.role_arn.as_str());
    }
    arns
}

/// The request's encryption context, from the condition keys the
/// operations set (`crypto::context_keys`, Secrets Manager's sealing).
fn request_context(keys: &Context) -> EncryptionContext {
    let mut map = BTreeMap::new();
    for k in keys.get("kms:encryptioncontextkeys").unwrap_or(&[]) {
        if let Some([v]) = keys.get(&format!("kms:encryptioncontext:{k}")) {
            map.insert(k.clone(), v.clone());
        }
    }
    EncryptionContext(map)
}

/// Whether one of the key's grants lets the caller do `action` with the
/// request's encryption context.
pub(crate) fn allows(
    ctx: &RequestContext,
    found: &Found,
    action: &str,
    request_keys: &Context,
) -> bool {
    let Some(op) = GrantOperation::for_action(action) else {
        return false;
    };
    let arns = caller_arns(ctx);
    let context = request_context(request_keys);
    found.grants.iter().any(|g| g.allows(&arns, op, &context))
}

/// GranteePrincipal / RetiringPrincipal: 1–256 of `[\w+=,.@:/-]`.
fn check_principal(member: &str, value: &str) -> Result<(), ServiceError> {
    if value.is_empty() || value.chars().count() > 256 {
        return Err(KmsError::constraint(
            member,
            Some(value),
            "Member must have length between 1 and 256",
        )
        .into());
    }
    if !value
        .chars()
        .all(|c| c.is_alphanumeric() || c == '_' || "+=,.@:/-".contains(c))
    {
        return Err(KmsError::constraint(
            member,
            Some(value),
            "Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$",
        )
        .into());
    }
    Ok(())
}

/// GrantTokens: at most 10, each 1–8192 characters.
fn check_grant_tokens(tokens: &[String]) -> Result<(), ServiceError> {
    if tokens.len() > 10 {
        return Err(KmsError::constraint(
            "grantTokens",
            None,
            "Member must have length less than or equal to 10",
        )
        .into());
    }
    if tokens.iter().any(|t| t.is_empty() || t.len() > 8192) {
        return Err(KmsError::constraint(
            "grantTokens",
            None,
            "Member must satisfy constraint: [Member must have length less than or equal to 8192, Member must have length greater than or equal to 1]",
        )
        .into());
    }
    Ok(())
}

/// GrantTokens given to CreateGrant must be tokens of this server's shape
/// (the model's InvalidGrantTokenException); they are not otherwise used.
fn check_token_shapes(tokens: &[String]) -> Result<(), ServiceError> {
    let ours = |t: &String| {
        t.len() == TOKEN_CHARS
            && t.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    if tokens.iter().all(ours) {
        Ok(())
    } else {
        Err(KmsError::InvalidGrantToken.into())
    }
}

/// GrantId: 1–128 characters.
fn check_grant_id(id: &str) -> Result<(), ServiceError> {
    if id.is_empty() || id.len() > 128 {
        return Err(KmsError::constraint(
            "grantId",
            Some(id),
            "Member must have length between 1 and 128",
        )
        .into());
    }
    Ok(())
}

/// Name: 1–256 of `[a-zA-Z0-9:/_-]`.
fn check_name(name: &str) -> Result<(), ServiceError> {
    if name.is_empty() || name.len() > 256 {
        return Err(KmsError::constraint(
            "name",
            Some(name),
            "Member must have length between 1 and 256",
        )
        .into());
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b":/_-".contains(&b))
    {
        return Err(KmsError::constraint(
            "name",
            Some(name),
            "Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
        )
        .into());
    }
    Ok(())
}

fn parse_operations(ops: &[String]) -> Result<Vec<GrantOperation>, ServiceError> {
    let mut out = Vec::with_capacity(ops.len());
    for o in ops {
        match GrantOperation::parse(o) {
            Some(op) => {
                if !out.contains(&op) {
                    out.push(op);
                }
            }
            None => {
                return Err(KmsError::constraint(
                    "operations",
                    None,
                    format!(
                        "Member must satisfy constraint: [Member must satisfy enum value set: [{}]]",
                        GrantOperation::allowed()
                    ),
                )
                .into());
            }
        }
    }
    Ok(out)
}

/// The condition keys CreateGrant's authorization sees.
fn create_keys(grant: &KmsGrant) -> Context {
    let mut keys = Context::new();
    keys.set_multi(
        "kms:GrantOperations",
        grant
            .operations
            .iter()
            .map(|o| o.as_str().to_owned())
            .collect(),
    );
    keys.set_static("kms:granteeprincipal", grant.grantee.as_str());
    if let Some(r) = &grant.retiring {
        keys.set_static("kms:retiringprincipal", r.as_str());
    }
    keys.set_static("kms:grantisforawsresource", "false");
    let mut types = Vec::new();
    if grant.constraints.subset.is_some() {
        types.push("EncryptionContextSubset".to_owned());
    }
    if grant.constraints.equals.is_some() {
        types.push("EncryptionContextEquals".to_owned());
    }
    if !types.is_empty() {
        keys.set_multi("kms:GrantConstraintType", types);
    }
    keys
}

/// Whether a grant with CreateGrant (`parent`) lets its grantee create
/// `child`: no operation the parent lacks, constraints at least as strict
/// ("Grants in AWS KMS": CreateGrant in a grant).
fn parent_covers(parent: &KmsGrant, child: &KmsGrant) -> bool {
    if !child
        .operations
        .iter()
        .all(|o| parent.operations.contains(o))
    {
        return false;
    }
    if parent.constraints.is_empty() {
        return true;
    }
    match (&child.constraints.equals, &child.constraints.subset) {
        (Some(eq), _) => parent.constraints.allow(&EncryptionContext(eq.clone())),
        (None, Some(sub)) => {
            parent.constraints.equals.is_none()
                && parent
                    .constraints
                    .subset
                    .iter()
                    .flatten()
                    .all(|(k, v)| sub.get(k) == Some(v))
        }
        (None, None) => false,
    }
}

fn new_grant_id() -> Result<String, ServiceError> {
    let bytes = random_bytes(32).map_err(|_| ServiceError::Encryption)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn new_token() -> Result<String, ServiceError> {
    let bytes = random_bytes(TOKEN_BYTES).map_err(|_| ServiceError::Encryption)?;
    Ok(B64.encode(&bytes[..]))
}

/// Authorizes a listing/revoking action on a key by its policies alone (a
/// grant never allows ListGrants or RevokeGrant).
fn resolve_by_policy(
    tx: &dyn ReadTx,
    ctx: &RequestContext,
    policies: &crate::authz::PolicyCache,
    r: &KeyRef,
    action: &'static str,
) -> Result<Found, ServiceError> {
    match find(tx, ctx, r)? {
        Some(found) => {
            authorize_found_or(ctx, policies, &found, action, &Context::new(), || false)?;
            Ok(found)
        }
        None => Err(missing(ctx, r, action, &Context::new())),
    }
}

/// The grant's issuing account retires it: its principals by identity
/// policies (kms:RetireGrant); anyone else is refused.
fn authorize_issuing_account(
    ctx: &RequestContext,
    found: &Found,
    grant: &KmsGrant,
) -> Result<(), ServiceError> {
    let access = crate::authz::Access {
        action: "kms:RetireGrant",
        resource: &found.key.arn,
        resource_account: &grant.issuing_account,
        resource_policy: None,
        shown_as: &found.key.arn,
        keys: Context::new(),
    };
    if ctx.account() == grant.issuing_account {
        crate::authz::authorize(ctx, access)
    } else {
        Err(ServiceError::AccessDenied(format!(
            "User: {} is not authorized to perform: kms:RetireGrant on resource: {} because the grant names it neither as its retiring principal nor as a grantee with RetireGrant",
            ctx.principal.arn, found.key.arn
        )))
    }
}

impl Service {
    /// CreateGrant.
    pub async fn kms_create_grant(
        &self,
        ctx: &RequestContext,
        input: CreateGrantInput,
    ) -> Result<CreateGrantOutput, ServiceError> {
        let r = key_ref("keyId", &input.key_id)?;
        check_principal("granteePrincipal", &input.grantee)?;
        if let Some(p) = &input.retiring {
            check_principal("retiringPrincipal", p)?;
        }
        if let Some(n) = &input.name {
            check_name(n)?;
        }
        check_grant_tokens(&input.grant_tokens)?;
        check_token_shapes(&input.grant_tokens)?;
        let operations = parse_operations(&input.operations)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        self.kms_write(move |tx| {
            let Some(found) = find(tx, &ctx, &r)? else {
                return Err(missing(&ctx, &r, "kms:CreateGrant", &Context::new()));
            };
            let grant = KmsGrant {
                grant_id: String::new(),
                key_id: found.key.id.clone(),
                name: input.name.clone(),
                grantee: input.grantee.clone(),
                retiring: input.retiring.clone(),
                operations,
                constraints: input.constraints.clone().unwrap_or_default(),
                issuing_account: ctx.account().to_owned(),
                created: ctx.time,
            };
            let arns = caller_arns(&ctx);
            authorize_found_or(
                &ctx,
                &policies,
                &found,
                "kms:CreateGrant",
                &create_keys(&grant),
                || {
                    found.grants.iter().any(|p| {
                        arns.contains(&p.grantee.as_str())
                            && p.operations.contains(&GrantOperation::CreateGrant)
                            && parent_covers(p, &grant)
                    })
                },
            )?;
            found.key.check(KeyOperation::Manage)?;
            if grant.operations.is_empty() {
                return Err(KmsError::Validation(
                    "Operations must contain at least one grant operation".to_owned(),
                )
                .into());
            }
            if let Some(op) = grant
                .operations
                .iter()
                .find(|o| !o.supported_by(found.key.spec, found.key.usage))
            {
                return Err(KmsError::Validation(format!(
                    "Grant operation {} is not supported for this key spec ({}) and key usage ({}).",
                    op.as_str(),
                    found.key.spec.as_str(),
                    found.key.usage.as_str()
                ))
                .into());
            }
            if !grant.constraints.is_empty()
                && !grant.operations.iter().any(|o| o.takes_context())
            {
                return Err(KmsError::Validation(
                    "Grant constraints apply only to operations that take an encryption context"
                        .to_owned(),
                )
                .into());
            }
            if input.dry_run {
                return Err(KmsError::DryRun.into());
            }
            let token = new_token()?;
            if let Some(name) = &grant.name
                && let Some(same) = tx
                    .kms_grants_named(&grant.key_id, name)?
                    .into_iter()
                    .find(|g| g.same_as(&grant))
            {
                // Same name, same grant: the same GrantId, and a token for it.
                tx.add_kms_grant_token(&same.grant_id, &sha256(token.as_bytes()))?;
                return Ok(CreateGrantOutput {
                    grant_id: same.grant_id,
                    grant_token: token,
                });
            }
            if tx.kms_grant_count(&grant.key_id)? >= MAX_GRANTS_PER_KEY {
                return Err(KmsError::LimitExceeded(format!(
                    "The request was rejected because a quota was exceeded: grants per KMS key ({MAX_GRANTS_PER_KEY}) for {}",
                    found.key.arn
                ))
                .into());
            }
            let grant = KmsGrant {
                grant_id: new_grant_id()?,
                ..grant
            };
            tx.insert_kms_grant(&grant, &sha256(token.as_bytes()))?;
            Ok(CreateGrantOutput {
                grant_id: grant.grant_id,
                grant_token: token,
            })
        })
        .await
    }

    /// ListGrants: one key's grants by id, filtered by GrantId or GranteePrincipal.
    pub async fn kms_list_grants(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        grant_id: Option<&str>,
        grantee: Option<&str>,
        limit: Option<i64>,
        marker: Option<&str>,
    ) -> Result<GrantPage, ServiceError> {
        let limit = page_limit(limit)?;
        let after = marker_after(marker, is_grant_id)?;
        let r = key_ref("keyId", key_id)?;
        if let Some(g) = grant_id {
            check_grant_id(g)?;
        }
        if let Some(p) = grantee {
            check_principal("granteePrincipal", p)?;
        }
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        let (grant_id, grantee) = (grant_id.map(str::to_owned), grantee.map(str::to_owned));
        self.store
            .read_async(move |tx| -> Result<_, ServiceError> {
                let found = resolve_by_policy(tx, &ctx, &policies, &r, "kms:ListGrants")?;
                let mut grants = tx.kms_grants_page(
                    &found.key.id,
                    grant_id.as_deref(),
                    grantee.as_deref(),
                    after.as_deref(),
                    limit + 1,
                )?;
                let more = grants.len() > limit;
                grants.truncate(limit);
                Ok(GrantPage {
                    next_marker: more
                        .then(|| grants.last().map(|g| g.grant_id.clone()))
                        .flatten(),
                    grants: grants
                        .into_iter()
                        .map(|grant| GrantEntry {
                            key_arn: found.key.arn.clone(),
                            grant,
                        })
                        .collect(),
                })
            })
            .await
    }

    /// ListRetirableGrants: grants (of any key) whose RetiringPrincipal is
    /// `retiring`; authorized on `*` by identity policies (KMS: the
    /// caller's account must be the retiring principal's).
    pub async fn kms_list_retirable_grants(
        &self,
        ctx: &RequestContext,
        retiring: &str,
        limit: Option<i64>,
        marker: Option<&str>,
    ) -> Result<GrantPage, ServiceError> {
        let limit = page_limit(limit)?;
        let after = marker_after(marker, is_grant_id)?;
        check_principal("retiringPrincipal", retiring)?;
        super::authorize_on_any(ctx, "kms:ListRetirableGrants", Context::new())?;
        let retiring = retiring.to_owned();
        self.store
            .read_async(move |tx| -> Result<_, ServiceError> {
                let mut grants =
                    tx.kms_retirable_grants_page(&retiring, after.as_deref(), limit + 1)?;
                let more = grants.len() > limit;
                grants.truncate(limit);
                let next_marker = more
                    .then(|| grants.last().map(|g| g.grant_id.clone()))
                    .flatten();
                let mut out = Vec::with_capacity(grants.len());
                for grant in grants {
                    let key_arn = match tx.kms_key(&grant.key_id)? {
                        Some(k) => k.arn,
                        None => continue,
                    };
                    out.push(GrantEntry { key_arn, grant });
                }
                Ok(GrantPage {
                    grants: out,
                    next_marker,
                })
            })
            .await
    }

    /// RetireGrant: by token, or by key and grant id. The grant decides
    /// who may retire it ("Retiring and revoking grants"): its retiring
    /// principal, its grantee when it has RetireGrant, or the account that
    /// created it (principals there by kms:RetireGrant in identity policies;
    /// the key policy plays no part).
    pub async fn kms_retire_grant(
        &self,
        ctx: &RequestContext,
        input: RetireGrantInput,
    ) -> Result<(), ServiceError> {
        if let Some(t) = &input.grant_token {
            check_grant_tokens(std::slice::from_ref(t))?;
        }
        if let Some(g) = &input.grant_id {
            check_grant_id(g)?;
        }
        let r = input
            .key_id
            .as_deref()
            .map(|k| key_ref("keyId", k))
            .transpose()?;
        let ctx = ctx.clone();
        self.kms_write(move |tx| {
            let (found, grant) = match (&input.grant_token, &r, &input.grant_id) {
                (Some(token), _, _) => {
                    let grant = tx
                        .kms_grant_by_token(&sha256(token.as_bytes()))?
                        .ok_or(KmsError::InvalidGrantToken)?;
                    // The key may be another account's (a cross-account retiring principal).
                    let key = tx
                        .kms_key(&grant.key_id)?
                        .ok_or(KmsError::InvalidGrantToken)?;
                    let found = Found {
                        tags: tx.kms_key_tags(&key.id)?,
                        grants: of_key(tx, &key.id)?,
                        key,
                        alias: None,
                    };
                    (found, grant)
                }
                (None, Some(r), Some(grant_id)) => {
                    let Some(found) = find(tx, &ctx, r)? else {
                        return Err(missing(&ctx, r, "kms:RetireGrant", &Context::new()));
                    };
                    let grant = found
                        .grants
                        .iter()
                        .find(|g| &g.grant_id == grant_id)
                        .cloned();
                    (
                        found,
                        grant.ok_or_else(|| KmsError::InvalidGrantId(grant_id.clone()))?,
                    )
                }
                _ => {
                    return Err(KmsError::Validation(
                        "Either GrantToken, or both KeyId and GrantId, must be given".to_owned(),
                    )
                    .into());
                }
            };
            let arns = caller_arns(&ctx);
            let may_retire = grant.retiring.as_deref().is_some_and(|p| arns.contains(&p))
                || (arns.contains(&grant.grantee.as_str())
                    && grant.operations.contains(&GrantOperation::RetireGrant));
            if !may_retire {
                authorize_issuing_account(&ctx, &found, &grant)?;
            }
            if input.dry_run {
                return Err(KmsError::DryRun.into());
            }
            if !tx.delete_kms_grant(&found.key.id, &grant.grant_id)? {
                return Err(KmsError::InvalidGrantId(grant.grant_id).into());
            }
            Ok(())
        })
        .await
    }

    /// RevokeGrant: by key and grant id, kms:RevokeGrant by policy.
    pub async fn kms_revoke_grant(
        &self,
        ctx: &RequestContext,
        key_id: &str,
        grant_id: &str,
        dry_run: bool,
    ) -> Result<(), ServiceError> {
        let r = key_ref("keyId", key_id)?;
        check_grant_id(grant_id)?;
        let (ctx, policies) = (ctx.clone(), self.policies.clone());
        let grant_id = grant_id.to_owned();
        self.kms_write(move |tx| {
            let found = resolve_by_policy(tx, &ctx, &policies, &r, "kms:RevokeGrant")?;
            if !found.grants.iter().any(|g| g.grant_id == grant_id) {
                return Err(KmsError::InvalidGrantId(grant_id).into());
            }
            if dry_run {
                return Err(KmsError::DryRun.into());
            }
            if !tx.delete_kms_grant(&found.key.id, &grant_id)? {
                return Err(KmsError::InvalidGrantId(grant_id).into());
            }
            Ok(())
        })
        .await
    }
}
