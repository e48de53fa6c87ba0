//! Resource policies: PutResourcePolicy, GetResourcePolicy,
//! DeleteResourcePolicy, ListResourcePolicies and ValidateResourcePolicy.
//!
//! A secret has at most one resource policy, named `default` (the 2026
//! model's `PolicyName`; only `default` can be written or deleted). It takes
//! part in every authorization decision on the secret (`authz.rs`).

use crate::authz::{Access, authorize, authorize_on_any};
use crate::{RequestContext, Service, ServiceError};
use strongroom_domain::{Error, SecretRef};
use strongroom_policy::{Context, Policy, PolicyKind};

/// The only resource policy name a secret has.
pub const DEFAULT_POLICY_NAME: &str = "default";

/// A resource policy as GetResourcePolicy answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePolicyOutput {
    pub arn: String,
    pub name: String,
    /// `None` when the secret has no policy (of that name).
    pub policy: Option<String>,
    pub policy_name: String,
}

/// One finding of ValidateResourcePolicy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationFinding {
    pub check_name: &'static str,
    pub message: String,
}

/// Parses a resource policy, with IAM's message when it is malformed.
fn parse_resource_policy(text: &str) -> Result<Policy, Error> {
    Policy::parse(text, PolicyKind::Resource).map_err(|e| Error::MalformedPolicy(e.to_string()))
}

/// The policy name a request may write or delete.
fn writable_name(policy_name: Option<String>) -> Result<String, Error> {
    match policy_name {
        None => Ok(DEFAULT_POLICY_NAME.to_owned()),
        Some(n) if n == DEFAULT_POLICY_NAME => Ok(n),
        Some(_) => Err(Error::OnlyDefaultPolicy),
    }
}

impl Service {
    pub async fn put_resource_policy(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        policy: String,
        policy_name: Option<String>,
        block_public_policy: bool,
    ) -> Result<(String, String, String), ServiceError> {
        let policy_name = writable_name(policy_name)?;
        let parsed = parse_resource_policy(&policy)?;
        let action = "secretsmanager:PutResourcePolicy";
        let keys = move |k: &mut Context| {
            let block = if block_public_policy { "true" } else { "false" };
            k.set("secretsmanager:BlockPublicPolicy", block);
        };
        self.modify(ctx, secret_id, action, keys, move |secret| {
            secret.ensure_not_deleted()?;
            if block_public_policy && parsed.grants_public_access() {
                return Err(Error::PublicPolicy.into());
            }
            secret.resource_policy = Some(policy);
            Ok((secret.arn.clone(), secret.name.clone(), policy_name))
        })
        .await
    }

    pub async fn get_resource_policy(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        policy_name: Option<String>,
    ) -> Result<ResourcePolicyOutput, ServiceError> {
        SecretRef::validate(secret_id)?;
        let action = "secretsmanager:GetResourcePolicy";
        let (secret, _) = self.read_authorized(ctx, secret_id, action).await?;
        let policy_name = policy_name.unwrap_or_else(|| DEFAULT_POLICY_NAME.to_owned());
        let policy = if policy_name == DEFAULT_POLICY_NAME {
            secret.resource_policy
        } else {
            None
        };
        Ok(ResourcePolicyOutput {
            arn: secret.arn,
            name: secret.name,
            policy,
            policy_name,
        })
    }

    pub async fn delete_resource_policy(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
        policy_name: Option<String>,
    ) -> Result<(String, String, String), ServiceError> {
        let policy_name = writable_name(policy_name)?;
        let action = "secretsmanager:DeleteResourcePolicy";
        self.modify(
            ctx,
            secret_id,
            action,
            |_| {},
            move |secret| {
                secret.ensure_not_deleted()?;
                secret.resource_policy = None;
                Ok((secret.arn.clone(), secret.name.clone(), policy_name))
            },
        )
        .await
    }

    /// The names of the secret's resource policies: `default` or none.
    pub async fn list_resource_policies(
        &self,
        ctx: &RequestContext,
        secret_id: &str,
    ) -> Result<Vec<String>, ServiceError> {
        SecretRef::validate(secret_id)?;
        let action = "secretsmanager:ListResourcePolicies";
        let (secret, _) = self.read_authorized(ctx, secret_id, action).await?;
        Ok(secret
            .resource_policy
            .map(|_| DEFAULT_POLICY_NAME.to_owned())
            .into_iter()
            .collect())
    }

    /// Checks a policy without attaching it: its syntax (a malformed one
    /// is MalformedPolicyDocumentException), whether it grants broad
    /// access, and, for an existing secret, whether it would lock the
    /// caller out of managing the secret's policy.
    pub async fn validate_resource_policy(
        &self,
        ctx: &RequestContext,
        secret_id: Option<&str>,
        policy: &str,
    ) -> Result<Vec<ValidationFinding>, ServiceError> {
        let action = "secretsmanager:ValidateResourcePolicy";
        let secret = match secret_id {
            Some(id) => {
                SecretRef::validate(id)?;
                Some(self.read_authorized(ctx, id, action).await?.0)
            }
            None => {
                authorize_on_any(ctx, action)?;
                None
            }
        };
        let parsed = parse_resource_policy(policy)?;
        let mut findings = Vec::new();
        if parsed.grants_public_access() {
            findings.push(ValidationFinding {
                check_name: "BROAD_ACCESS",
                message: "The resource policy grants access to a wide range of principals (a wildcard principal without a condition that limits it to accounts or organizations).".to_owned(),
            });
        }
        if let Some(secret) = &secret {
            // Would the caller still be allowed to change this policy
            // once it is attached?
            let mut keys = crate::authz::secret_keys(secret);
            keys.set("secretsmanager:BlockPublicPolicy", "false");
            let allowed = authorize(
                ctx,
                Access {
                    action: "secretsmanager:PutResourcePolicy",
                    resource: &secret.arn,
                    resource_account: &secret.account,
                    resource_policy: Some(&parsed),
                    shown_as: &secret.arn,
                    keys,
                },
            );
            if allowed.is_err() {
                findings.push(ValidationFinding {
                    check_name: "LOCKOUT",
                    message: "The resource policy would deny you permission to change it (secretsmanager:PutResourcePolicy) on this secret.".to_owned(),
                });
            }
        }
        Ok(findings)
    }
}
